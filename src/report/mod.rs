//! Reporters: each turns a [`Report`](crate::Report) into bytes for one output format.

pub mod json;
pub mod text;

use crate::Report;
use crate::finding::Severity;

/// Findings counted by severity, most severe first.
pub fn counts_by_severity(report: &Report) -> [(Severity, usize); 4] {
    let count = |s: Severity| report.active().filter(|f| f.severity == s).count();
    [
        (Severity::High, count(Severity::High)),
        (Severity::Medium, count(Severity::Medium)),
        (Severity::Low, count(Severity::Low)),
        (Severity::Info, count(Severity::Info)),
    ]
}

/// One line for humans: what was scanned and what was found.
pub fn summary_line(report: &Report) -> String {
    let counts = counts_by_severity(report);
    let total: usize = counts.iter().map(|(_, n)| n).sum();
    let by_severity: Vec<String> = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {}", s.as_str()))
        .collect();
    let mut line = format!(
        "{total} finding{}{} in {} file{} ({} skipped",
        if total == 1 { "" } else { "s" },
        if by_severity.is_empty() {
            String::new()
        } else {
            format!(" ({})", by_severity.join(", "))
        },
        report.files_scanned,
        if report.files_scanned == 1 { "" } else { "s" },
        report.skipped.len(),
    );
    if !report.files_with_syntax_errors.is_empty() {
        line.push_str(&format!(
            ", {} with syntax errors",
            report.files_with_syntax_errors.len()
        ));
    }
    if !report.errors.is_empty() {
        line.push_str(&format!(", {} errors", report.errors.len()));
    }
    line.push_str(&adoption_counts(report));
    line.push_str(&format!(") in {:.2}s", report.elapsed.as_secs_f64()));
    line
}

/// `, 2 suppressed, 5 in baseline, 1 stale baseline entry` (empty when there are none).
fn adoption_counts(report: &Report) -> String {
    let mut out = String::new();
    let suppressed = report
        .findings
        .iter()
        .filter(|f| f.suppression.is_some())
        .count();
    if suppressed > 0 {
        out.push_str(&format!(", {suppressed} suppressed"));
    }
    if let Some(b) = &report.baseline {
        out.push_str(&format!(", {} in baseline", b.matched));
        if b.stale > 0 {
            out.push_str(&format!(
                ", {} stale baseline entr{}",
                b.stale,
                if b.stale == 1 { "y" } else { "ies" }
            ));
        }
    }
    let problems = report.suppression_problems.len();
    if problems > 0 {
        out.push_str(&format!(
            ", {problems} suppression problem{}",
            if problems == 1 { "" } else { "s" }
        ));
    }
    out
}
