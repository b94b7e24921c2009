//! Reporters: each turns a [`Report`](crate::Report) into bytes for one output format.

pub mod json;
pub mod text;

use crate::Report;
use crate::finding::Severity;

/// Findings counted by severity, most severe first.
pub fn counts_by_severity(report: &Report) -> [(Severity, usize); 4] {
    let count = |s: Severity| report.findings.iter().filter(|f| f.severity == s).count();
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
    line.push_str(&format!(") in {:.2}s", report.elapsed.as_secs_f64()));
    line
}
