//! Baselines: `--write-baseline FILE` records today's findings, `--baseline FILE` reports only
//! the findings not in it.
//!
//! An entry is a rule, a path and the finding's fingerprint (enclosing function plus the code
//! without white space, see [`crate::locate::fingerprint`]), with a count: moving code down a
//! file or reformatting it keeps its entry, a second copy of the bug in another function is
//! new, and two identical findings in one function need an entry with count 2 (as oxlint's
//! suppression file counts them).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::escape::visible_path;
use crate::locate::Located;

/// The format version written in the file.
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    /// Sorted by rule, path and fingerprint.
    pub findings: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub rule: String,
    pub path: String,
    pub fingerprint: String,
    /// How many findings share this rule, path and fingerprint.
    pub count: usize,
}

/// What a baseline did to a scan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Findings the baseline covers: reported with `"baseline": true`, not failing the run.
    pub matched: usize,
    /// Findings not in the baseline.
    pub new: usize,
    /// Baseline entries (counted by their counts) whose findings are gone from the scanned
    /// files: fixed, or changed enough to be new. Rewrite the baseline to drop them.
    pub stale: usize,
}

type Key = (String, String, String);

fn key(f: &Located) -> Key {
    (f.rule.clone(), f.path.clone(), f.fingerprint.clone())
}

impl Baseline {
    /// The baseline of a scan: its findings that an inline directive does not suppress.
    pub fn of(findings: &[Located]) -> Baseline {
        let mut counts: BTreeMap<Key, usize> = BTreeMap::new();
        for f in findings.iter().filter(|f| f.suppression.is_none()) {
            *counts.entry(key(f)).or_default() += 1;
        }
        Baseline {
            version: VERSION,
            findings: counts
                .into_iter()
                .map(|((rule, path, fingerprint), count)| Entry {
                    rule,
                    path,
                    fingerprint,
                    count,
                })
                .collect(),
        }
    }

    /// Reads `--baseline FILE`. A file in the tree around the working directory must resolve
    /// inside it (see [`crate::paths::named_file`]); errors never quote the file's contents.
    pub fn read(path: &Path) -> Result<Baseline, String> {
        let shown = visible_path(path);
        let resolved = crate::paths::named_file(path)
            .map_err(|refusal| format!("refusing to read the baseline {shown}: {refusal}"))?;
        let text = crate::read::read_regular_text(&resolved, crate::read::BASELINE_LIMIT)
            .map_err(|e| format!("cannot read the baseline {shown}: {e}"))?;
        let baseline: Baseline = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{shown} is not a faultline baseline: {} at line {}, column {}",
                json_error_kind(&e),
                e.line(),
                e.column()
            )
        })?;
        if baseline.version != VERSION {
            return Err(format!(
                "{shown}: baseline version {} is not supported (expected {VERSION}); write it again with --write-baseline",
                baseline.version
            ));
        }
        Ok(baseline)
    }

    pub fn write(&self, path: &Path) -> Result<(), String> {
        let shown = visible_path(path);
        crate::paths::writable(path)
            .map_err(|refusal| format!("refusing to write the baseline {shown}: {refusal}"))?;
        let mut text = serde_json::to_string_pretty(self).expect("baseline serializes");
        text.push('\n');
        std::fs::write(path, text)
            .map_err(|e| format!("cannot write the baseline {shown}: {}", e.kind()))
    }

    /// Marks the findings the baseline covers. `scanned` holds the paths this scan read and
    /// `ran` the rules it ran: entries elsewhere are neither matched nor stale.
    pub fn apply(
        &self,
        findings: &mut [Located],
        scanned: &BTreeSet<String>,
        ran: &[String],
    ) -> Summary {
        let mut remaining: BTreeMap<Key, usize> = BTreeMap::new();
        for e in &self.findings {
            let left = remaining
                .entry((e.rule.clone(), e.path.clone(), e.fingerprint.clone()))
                .or_default();
            // Counts come from a file in the tree: add without wrapping.
            *left = left.saturating_add(e.count);
        }
        let mut summary = Summary::default();
        for f in findings.iter_mut().filter(|f| f.suppression.is_none()) {
            match remaining.get_mut(&key(f)) {
                Some(left) if *left > 0 => {
                    *left -= 1;
                    f.baseline = true;
                    summary.matched += 1;
                }
                _ => summary.new += 1,
            }
        }
        summary.stale = remaining
            .iter()
            .filter(|((rule, path, _), _)| scanned.contains(path) && ran.contains(rule))
            .fold(0usize, |sum, (_, left)| sum.saturating_add(*left));
        summary
    }
}

/// What kind of JSON error, without the text serde_json may quote from the file.
fn json_error_kind(error: &serde_json::Error) -> &'static str {
    match error.classify() {
        serde_json::error::Category::Io => "a read error",
        serde_json::error::Category::Syntax => "not JSON",
        serde_json::error::Category::Data => "not the baseline's shape",
        serde_json::error::Category::Eof => "unexpected end",
    }
}
