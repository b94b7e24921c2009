//! `--format json`: a stable, versioned schema.

use serde::Serialize;

use crate::Report;
use crate::discover::{ScanError, Skipped};
use crate::locate::Located;
use crate::score::Scorecard;

#[derive(Serialize)]
struct Document<'r> {
    version: u32,
    tool: Tool,
    scores: &'r Scorecard,
    findings: &'r [Located],
    skipped: &'r [Skipped],
    errors: &'r [ScanError],
    /// Malformed or unused `faultline-ignore` directives.
    suppression_problems: &'r [crate::suppress::SuppressionProblem],
    summary: Summary<'r>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary<'r> {
    files_scanned: usize,
    files_skipped: usize,
    files_with_syntax_errors: &'r [String],
    /// Files nested deeper than the front ends follow; the deep part was not analysed.
    files_too_deep: &'r [String],
    /// Findings that count: not suppressed, not in the baseline.
    findings: usize,
    suppressed: usize,
    /// What `--baseline` matched (`null` without one).
    baseline: Option<&'r crate::baseline::Summary>,
}

pub fn render(report: &Report) -> String {
    let document = Document {
        version: 1,
        tool: Tool {
            name: "faultline",
            version: env!("CARGO_PKG_VERSION"),
        },
        scores: &report.scores,
        findings: &report.findings,
        skipped: &report.skipped,
        errors: &report.errors,
        suppression_problems: &report.suppression_problems,
        summary: Summary {
            files_scanned: report.files_scanned,
            files_skipped: report.skipped.len(),
            files_with_syntax_errors: &report.files_with_syntax_errors,
            files_too_deep: &report.files_too_deep,
            findings: report.active().count(),
            suppressed: report
                .findings
                .iter()
                .filter(|f| f.suppression.is_some())
                .count(),
            baseline: report.baseline.as_ref(),
        },
    };
    let mut text = serde_json::to_string_pretty(&document).expect("report serializes");
    text.push('\n');
    crate::escape::json_ascii_controls(text)
}
