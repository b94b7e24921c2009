//! `--format markdown`: a grade card and a findings table, for a pull-request comment or
//! `$GITHUB_STEP_SUMMARY`.

use std::collections::HashMap;

use crate::Report;
use crate::score::{ScoreOptions, counts};

/// Rows of the findings table at most; GitHub caps a step summary at 1 MiB.
const MAX_ROWS: usize = 1_000;

pub fn render(report: &Report) -> String {
    let scores = &report.scores;
    let overall = &scores.overall;
    let mut out = format!(
        "## faultline: grade {} ({:.1})\n\n",
        overall.grade.as_str(),
        overall.score
    );
    out.push_str("| axis | score | grade |\n|---|--:|:-:|\n");
    for axis in scores.axes() {
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            axis.axis.as_str(),
            axis.score,
            axis.grade.as_str()
        ));
    }
    out.push_str(&format!(
        "| **overall** | **{:.1}** | **{}** |\n\n",
        overall.score,
        overall.grade.as_str()
    ));
    if overall.grade != overall.score_grade {
        out.push_str(&format!(
            "The overall score alone earns {}; the overall grade is bounded by the security grade.\n",
            overall.score_grade.as_str()
        ));
    }
    if scores.uncounted_findings > 0 {
        out.push_str(&format!(
            "{} finding{} on test, example, script or docs surfaces {} listed but not scored.\n",
            scores.uncounted_findings,
            if scores.uncounted_findings == 1 {
                ""
            } else {
                "s"
            },
            if scores.uncounted_findings == 1 {
                "is"
            } else {
                "are"
            },
        ));
    }
    out.push_str(&format!("\n{}\n", super::summary_line(report)));

    let points: HashMap<usize, (u32, bool)> = scores
        .axes()
        .into_iter()
        .flat_map(|a| &a.deductions)
        .map(|d| (d.finding, (d.points, d.capped)))
        .collect();
    let options = ScoreOptions {
        include_tests: scores.include_tests,
    };
    // Suppressed and baselined findings are not listed.
    let mut order: Vec<usize> = (0..report.findings.len())
        .filter(|&i| report.findings[i].is_active())
        .collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(report.findings[i].severity), i));

    if order.is_empty() {
        out.push_str("\nNo findings.\n");
    } else {
        out.push_str("\n### Findings\n\n");
        out.push_str("| severity | rule | location | message | points |\n");
        out.push_str("|---|---|---|---|--:|\n");
        for &i in order.iter().take(MAX_ROWS) {
            let f = &report.findings[i];
            let deducted = match points.get(&i) {
                Some((0, true)) => "0 (capped)".to_string(),
                Some((p, true)) => format!("-{p} (capped)"),
                Some((p, false)) => format!("-{p}"),
                None if counts(f.surface, options) => "0".to_string(),
                None => format!("not scored ({})", f.surface.as_str()),
            };
            out.push_str(&format!(
                "| {} | {} {} | `{}:{}:{}` | {} | {} |\n",
                f.severity.as_str(),
                f.rule,
                cell(&f.name),
                cell(&f.path).replace('`', "'"),
                f.start.line,
                f.start.column,
                cell(&f.message),
                deducted
            ));
        }
        if order.len() > MAX_ROWS {
            out.push_str(&format!(
                "\n{} more findings are not shown here; see the SARIF or JSON output.\n",
                order.len() - MAX_ROWS
            ));
        }
    }

    if !report.errors.is_empty() {
        out.push_str("\n### Files that could not be scanned\n\n");
        for error in &report.errors {
            out.push_str(&format!(
                "- `{}`: {}\n",
                cell(&error.path).replace('`', "'"),
                cell(&error.message)
            ));
        }
    }
    out
}

/// Text fit for a table cell: one line, pipes escaped, control characters shown as escapes.
fn cell(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    crate::escape::visible(&line).replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_stay_on_one_line_and_escape_pipes() {
        assert_eq!(cell("a | b\n  c"), "a \\| b c");
        assert_eq!(cell("a\u{1b}[31m"), "a\\u{1b}[31m");
    }
}
