//! What a rule returns: the facts of one finding, with byte spans. Lines, columns, snippets
//! and fingerprints are added when the finding is located for a report.

use serde::{Deserialize, Serialize, Serializer};

use crate::model::{FnId, Position, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Axis {
    Security,
    Reliability,
    Documentation,
}

impl Axis {
    pub fn as_str(self) -> &'static str {
        match self {
            Axis::Security => "security",
            Axis::Reliability => "reliability",
            Axis::Documentation => "documentation",
        }
    }

    /// The rule-id prefix of the axis: `SEC`, `REL`, `DOC`.
    pub fn prefix(self) -> &'static str {
        match self {
            Axis::Security => "SEC",
            Axis::Reliability => "REL",
            Axis::Documentation => "DOC",
        }
    }
}

/// A secondary span with its label ("auth call here").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub text: String,
}

/// A rule fills in where and what; the engine (`rules::RegisteredRule::check`) stamps `rule` and
/// `severity` from the rule's TOML, so rules build findings with `..Finding::default()`.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The rule's id, stamped by the engine.
    pub rule: &'static str,
    /// `adjust` if the rule set it, else the TOML's default severity; stamped by the engine.
    pub severity: Severity,
    /// A severity for this one finding, where the rule's docs say it differs from the default
    /// (SEC004: medium for messages; SEC003: high around an auth call).
    pub adjust: Option<Severity>,
    /// Index of the file in the project.
    pub unit: usize,
    pub span: Span,
    /// What the primary label says.
    pub label: String,
    pub message: String,
    pub labels: Vec<Label>,
    /// The function the finding is in, for its fingerprint.
    pub function: Option<FnId>,
    /// Set by the suppression stage when an inline directive covers the finding.
    pub suppression: Option<Suppression>,
}

impl Default for Finding {
    fn default() -> Finding {
        Finding {
            rule: "",
            severity: Severity::Info,
            adjust: None,
            unit: 0,
            span: Span::default(),
            label: String::new(),
            message: String::new(),
            labels: Vec::new(),
            function: None,
            suppression: None,
        }
    }
}

/// Why a finding is not counted: an inline directive, with the reason it gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppression {
    /// Always `inSource` (SARIF's name for a suppression written in the code).
    pub kind: &'static str,
    pub justification: String,
    /// Where the directive is.
    pub directive: Position,
}

/// How a finding's suppression appears in JSON: `"suppressed": true|false`, and when true,
/// `"suppression": {kind, justification, directive}`.
pub fn serialize_state<S: Serializer>(
    suppression: &Option<Suppression>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = serializer.serialize_map(None)?;
    map.serialize_entry("suppressed", &suppression.is_some())?;
    if let Some(s) = suppression {
        map.serialize_entry("suppression", s)?;
    }
    map.end()
}
