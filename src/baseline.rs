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

    pub fn read(path: &Path) -> Result<Baseline, String> {
        let text = crate::read::read_regular_text(path, crate::read::BASELINE_LIMIT)
            .map_err(|e| format!("cannot read baseline {}: {e}", path.display()))?;
        let baseline: Baseline = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not a faultline baseline: {e}", path.display()))?;
        if baseline.version != VERSION {
            return Err(format!(
                "{}: baseline version {} is not supported (expected {VERSION}); write it again with --write-baseline",
                path.display(),
                baseline.version
            ));
        }
        Ok(baseline)
    }

    pub fn write(&self, path: &Path) -> Result<(), String> {
        let mut text = serde_json::to_string_pretty(self).expect("baseline serializes");
        text.push('\n');
        std::fs::write(path, text)
            .map_err(|e| format!("cannot write baseline {}: {e}", path.display()))
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
            *remaining
                .entry((e.rule.clone(), e.path.clone(), e.fingerprint.clone()))
                .or_default() += e.count;
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
            .map(|(_, left)| left)
            .sum();
        summary
    }
}
