//! `--format text`: one miette diagnostic per finding, with the snippet and labelled spans,
//! then a summary.

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource,
    Severity as MietteSeverity,
};

use crate::Report;
use crate::finding::Severity;
use crate::locate::Located;

pub struct TextOptions {
    pub color: bool,
    /// Diagnostics only, no summary.
    pub quiet: bool,
}

pub fn render(report: &Report, options: &TextOptions) -> String {
    let theme = if options.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_context_lines(1);
    let mut out = String::new();
    // Suppressed and baselined findings are in the JSON report only.
    for finding in report.active() {
        out.push_str(&diagnostic(&handler, finding));
        out.push('\n');
    }
    out.push_str(&crate::suppress::render_problems(
        &report.suppression_problems,
    ));
    if !options.quiet {
        out.push_str(&summary(report));
    }
    out
}

fn diagnostic(handler: &GraphicalReportHandler, finding: &Located) -> String {
    let mut labels = vec![LabeledSpan::new_primary_with_span(
        Some(finding.label.clone()),
        byte_range(finding.span.start, finding.span.end),
    )];
    for label in &finding.labels {
        labels.push(LabeledSpan::new_with_span(
            Some(label.text.clone()),
            byte_range(label.span.start, label.span.end),
        ));
    }
    let diagnostic = MietteDiagnostic::new(finding.message.clone())
        .with_code(format!("{} {}", finding.rule, finding.name))
        .with_severity(match finding.severity {
            Severity::High | Severity::Medium => MietteSeverity::Error,
            Severity::Low => MietteSeverity::Warning,
            Severity::Info => MietteSeverity::Advice,
        })
        .with_help(format!("{} [{}]", finding.help, finding.severity.as_str()))
        .with_labels(labels);
    let report = miette::Report::new(diagnostic).with_source_code(NamedSource::new(
        finding.path.clone(),
        finding.source.to_string(),
    ));
    let mut out = String::new();
    if handler.render_report(&mut out, report.as_ref()).is_err() {
        out = format!(
            "{}:{}:{}: {} {}\n",
            finding.path, finding.start.line, finding.start.column, finding.rule, finding.message
        );
    }
    out
}

fn byte_range(start: u32, end: u32) -> (usize, usize) {
    (start as usize, (end.saturating_sub(start)) as usize)
}

fn summary(report: &Report) -> String {
    let mut out = String::new();
    for skipped in report.skipped.iter().take(20) {
        out.push_str(&format!("skipped {}: {}\n", skipped.path, skipped.reason));
    }
    if report.skipped.len() > 20 {
        out.push_str(&format!(
            "skipped {} more files (see --format json)\n",
            report.skipped.len() - 20
        ));
    }
    for path in report.files_too_deep.iter().take(20) {
        out.push_str(&format!(
            "note: {path} nests too deeply; the deepest part was not analysed\n"
        ));
    }
    out.push_str(&super::summary_line(report));
    out.push_str("\n\n");
    out.push_str(&super::grade_card(&report.scores));
    out
}
