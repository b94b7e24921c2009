//! The rule registry. A rule is one file here plus its documentation in `rules/<ID>.toml`.

mod all_or_nothing_aggregation;
mod call_without_breaker;
mod call_without_timeout;
mod error_leak;
mod fail_open_auth;
mod fail_open_breaker;
mod half_open_real_probe;
mod heavy_open_path;
mod param_without_description;
mod tool_without_description;
mod truthy_auth_decision;
mod undocumented_env;

use serde::Deserialize;

use crate::finding::{Axis, Finding, Severity};

/// What a rule sees: the linked project and the vocabularies, read only. Project-wide facts
/// are built in the link stage, never by a rule.
pub type Context<'a> = crate::project::Linked<'a>;

pub trait Rule: Send + Sync {
    /// Adds the findings of this rule in file `unit` to `out`.
    fn check(&self, cx: &Context, unit: usize, out: &mut Vec<Finding>);
}

/// A rule's documentation and defaults, from `rules/<ID>.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleMeta {
    pub id: String,
    pub name: String,
    pub axis: Axis,
    pub severity: Severity,
    pub cwe: Vec<u32>,
    pub precision: String,
    pub languages: Vec<String>,
    pub summary: String,
    pub help: String,
    pub docs: String,
}

pub struct RegisteredRule {
    pub meta: RuleMeta,
    /// `meta.id`, borrowed from the compiled-in TOML text, for the findings the engine stamps.
    pub id: &'static str,
    pub rule: Box<dyn Rule>,
}

impl RegisteredRule {
    /// Parses a rule's TOML. `text` must name the rule with `id = "..."`.
    pub fn new(text: &'static str, rule: Box<dyn Rule>) -> Result<RegisteredRule, String> {
        let meta: RuleMeta = toml::from_str(text).map_err(|e| e.to_string())?;
        let quoted = format!("\"{}\"", meta.id);
        let at = text
            .find(&quoted)
            .ok_or_else(|| format!("{}: id not found in the text", meta.id))?;
        let id = &text[at + 1..at + 1 + meta.id.len()];
        Ok(RegisteredRule { meta, id, rule })
    }

    /// Runs the rule on file `unit` and stamps each new finding with the rule's id and its
    /// severity: the TOML's default unless the rule adjusted this one finding.
    pub fn check(&self, cx: &Context, unit: usize, out: &mut Vec<Finding>) {
        let first = out.len();
        self.rule.check(cx, unit, out);
        for f in &mut out[first..] {
            f.rule = self.id;
            f.severity = f.adjust.unwrap_or(self.meta.severity);
        }
    }
}

/// Every rule faultline has, with its documentation: (TOML text, implementation).
fn builtin() -> Vec<(&'static str, Box<dyn Rule>)> {
    vec![
        (
            include_str!("../../rules/REL004.toml"),
            Box::new(heavy_open_path::HeavyOpenPath),
        ),
        (
            include_str!("../../rules/SEC001.toml"),
            Box::new(fail_open_auth::FailOpenAuth),
        ),
        (
            include_str!("../../rules/SEC004.toml"),
            Box::new(error_leak::ErrorLeak),
        ),
        (
            include_str!("../../rules/REL001.toml"),
            Box::new(call_without_breaker::CallWithoutBreaker),
        ),
        (
            include_str!("../../rules/REL002.toml"),
            Box::new(call_without_timeout::CallWithoutTimeout),
        ),
        (
            include_str!("../../rules/REL003.toml"),
            Box::new(all_or_nothing_aggregation::AllOrNothingAggregation),
        ),
        (
            include_str!("../../rules/DOC001.toml"),
            Box::new(tool_without_description::ToolWithoutDescription),
        ),
        (
            include_str!("../../rules/DOC002.toml"),
            Box::new(param_without_description::ParamWithoutDescription),
        ),
        (
            include_str!("../../rules/DOC003.toml"),
            Box::new(undocumented_env::UndocumentedEnv),
        ),
        (
            include_str!("../../rules/SEC002.toml"),
            Box::new(fail_open_breaker::FailOpenBreaker),
        ),
        (
            include_str!("../../rules/SEC003.toml"),
            Box::new(half_open_real_probe::HalfOpenRealProbe),
        ),
        (
            include_str!("../../rules/SEC005.toml"),
            Box::new(truthy_auth_decision::TruthyAuthDecision),
        ),
    ]
}

/// How a message names the tool that reaches some code: "tool `search`", or "the `CallTool`
/// handler" for a handler that serves every tool.
pub(crate) fn tool_phrase(reach: &crate::project::Reach) -> String {
    match reach.kind {
        crate::model::ToolKind::Single => format!("tool `{}`", reach.tool),
        crate::model::ToolKind::Dispatcher => format!("the `{}` handler", reach.tool),
    }
}

pub struct Registry {
    pub rules: Vec<RegisteredRule>,
}

impl Registry {
    pub fn builtin() -> Registry {
        Registry::with_docs(|text| text)
    }

    /// The built-in rules with their TOML texts passed through `edit` first (tests use it to
    /// change a rule's documented defaults).
    pub fn with_docs(edit: impl Fn(&'static str) -> &'static str) -> Registry {
        let mut rules: Vec<RegisteredRule> = builtin()
            .into_iter()
            .map(|(text, rule)| {
                RegisteredRule::new(edit(text), rule)
                    .unwrap_or_else(|e| panic!("built-in rule docs: {e}"))
            })
            .collect();
        rules.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
        Registry { rules }
    }

    pub fn meta(&self, id: &str) -> Option<&RuleMeta> {
        self.rules.iter().map(|r| &r.meta).find(|m| m.id == id)
    }

    /// A rule by id or name, case-insensitively.
    pub fn find(&self, key: &str) -> Option<&RuleMeta> {
        self.rules
            .iter()
            .map(|r| &r.meta)
            .find(|m| m.id.eq_ignore_ascii_case(key) || m.name.eq_ignore_ascii_case(key))
    }

    /// The ids a selector names: a rule id, a rule name, an axis prefix (`SEC`), or `ALL`.
    pub fn expand(&self, selector: &str) -> Option<Vec<String>> {
        let s = selector.trim();
        if s.eq_ignore_ascii_case("all") {
            return Some(self.rules.iter().map(|r| r.meta.id.clone()).collect());
        }
        if let Some(meta) = self.find(s) {
            return Some(vec![meta.id.clone()]);
        }
        let matching: Vec<String> = self
            .rules
            .iter()
            .filter(|r| r.meta.id.len() > s.len() && starts_with_ignore_case(&r.meta.id, s))
            .map(|r| r.meta.id.clone())
            .collect();
        let is_axis_or_prefix = ["SEC", "REL", "DOC"]
            .iter()
            .any(|p| starts_with_ignore_case(s, p));
        (is_axis_or_prefix && !matching.is_empty()).then_some(matching)
    }
}

/// Whether `text` starts with `prefix`, ignoring ASCII case. Compares bytes, so a name with
/// non-ASCII characters (from a directive, a flag or a config) never splits a character.
pub fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.len() >= prefix.len()
        && text.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_documentation_and_a_unique_id_and_name() {
        let registry = Registry::builtin();
        let mut ids = std::collections::HashSet::new();
        let mut names = std::collections::HashSet::new();
        for rule in &registry.rules {
            let m = &rule.meta;
            assert!(ids.insert(m.id.clone()), "duplicate id {}", m.id);
            assert!(names.insert(m.name.clone()), "duplicate name {}", m.name);
            assert!(
                m.id.starts_with(m.axis.prefix()),
                "{} is not on its axis",
                m.id
            );
            for section in [
                "## What it finds",
                "## Why it matters",
                "## Example",
                "## What is not flagged",
            ] {
                assert!(m.docs.contains(section), "{} docs lack {section}", m.id);
            }
            for lang in &m.languages {
                let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("fixtures")
                    .join(&m.id);
                let exts: &[&str] = match lang.as_str() {
                    "typescript" => &["ts", "tsx", "mts", "cts"],
                    "javascript" => &["js", "mjs", "cjs", "jsx"],
                    "python" => &["py"],
                    other => panic!("{}: unknown language {other}", m.id),
                };
                assert!(
                    has_fixture(&dir, exts),
                    "{} applies to {lang} but fixtures/{} has no such file",
                    m.id,
                    m.id
                );
            }
        }
    }

    fn has_fixture(dir: &std::path::Path, exts: &[&str]) -> bool {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return false;
        };
        entries.flatten().any(|e| {
            let p = e.path();
            if p.is_dir() {
                return has_fixture(&p, exts);
            }
            p.extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| exts.contains(&x))
        })
    }

    #[test]
    fn a_severity_changed_in_the_toml_reaches_the_findings() {
        // Read at run time: the published crate holds no fixtures.
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/SEC002/flag_opossum_fallbacks.ts"
        );
        let text = std::fs::read_to_string(path).expect("the fixture exists");
        let source = text.as_str();
        let knowledge = crate::knowledge::Knowledge::builtin();
        let run = |registry: &Registry| {
            crate::scan_source(
                "flag.ts",
                crate::model::Language::TypeScript,
                source.as_bytes(),
                registry,
                &knowledge,
            )
            .expect("scans")
            .into_iter()
            .filter(|f| f.rule == "SEC002")
            .map(|f| f.severity)
            .collect::<Vec<_>>()
        };
        let default = run(&Registry::builtin());
        assert!(!default.is_empty());
        assert!(default.iter().all(|s| *s == Severity::High));
        let lowered = Registry::with_docs(|text| {
            if text.starts_with("id = \"SEC002\"") {
                let edited = text.replacen("severity = \"high\"", "severity = \"low\"", 1);
                Box::leak(edited.into_boxed_str())
            } else {
                text
            }
        });
        let changed = run(&lowered);
        assert_eq!(changed.len(), default.len());
        assert!(changed.iter().all(|s| *s == Severity::Low), "{changed:?}");
    }

    #[test]
    fn rules_set_no_id_or_default_severity_themselves() {
        // The engine stamps both from the TOML: a rule's source never names its own id.
        for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/src/rules")).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(
                !text.contains("rule: \""),
                "{} sets a finding's rule id",
                path.display()
            );
        }
    }

    #[test]
    fn selectors_expand_ids_names_and_axes() {
        let r = Registry::builtin();
        assert_eq!(r.expand("SEC001"), Some(vec!["SEC001".to_string()]));
        assert_eq!(r.expand("error-leak"), Some(vec!["SEC004".to_string()]));
        assert!(r.expand("SEC").unwrap().contains(&"SEC001".to_string()));
        assert_eq!(r.expand("nope"), None);
    }
}
