//! Reporters: each turns a [`Report`](crate::Report) into bytes for one output format.

pub mod github;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod text;

use crate::Report;
use crate::finding::Severity;
use crate::score::Scorecard;

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
    if let Some(module) = &report.sdk_without_tools {
        line.push_str(&format!(
            "; no MCP tool found although the code imports {} (run `faultline tools` to see what is recognised)",
            crate::escape::visible(module)
        ));
    }
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

/// The deductions, then the grade card: per-axis score and grade, and the overall score.
pub fn grade_card(scores: &Scorecard) -> String {
    let mut out = String::new();
    let deductions: Vec<_> = scores
        .axes()
        .into_iter()
        .flat_map(|a| &a.deductions)
        .collect();
    if !deductions.is_empty() {
        out.push_str("deductions (rule, severity, points, location):\n");
        for d in deductions {
            let location = format!("{}:{}", crate::escape::visible(&d.path), d.line);
            out.push_str(&format!(
                "  {:<7} {:<6} {:>4}{}  {location}\n",
                d.rule,
                d.severity.as_str(),
                if d.points == 0 {
                    "0".to_string()
                } else {
                    format!("-{}", d.points)
                },
                if d.capped { "  capped" } else { "        " },
            ));
        }
    }
    if scores.uncounted_findings > 0 {
        out.push_str(&format!(
            "{} finding{} on test, example, script or docs surfaces not scored (--include-tests counts them)\n",
            scores.uncounted_findings,
            if scores.uncounted_findings == 1 { "" } else { "s" },
        ));
    }
    out.push_str("axis            score  grade\n");
    for axis in scores.axes() {
        out.push_str(&format!(
            "{:<14} {:>6}  {}\n",
            axis.axis.as_str(),
            axis.score,
            axis.grade.as_str()
        ));
    }
    let overall = &scores.overall;
    out.push_str(&format!(
        "{:<14} {:>6.1}  {}",
        "overall",
        overall.score,
        overall.grade.as_str()
    ));
    if overall.grade != overall.score_grade {
        out.push_str(&format!(
            "  ({} by score, bounded by the security grade)",
            overall.score_grade.as_str()
        ));
    }
    out.push('\n');
    out
}
