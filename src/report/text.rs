//! `--format text`: one miette diagnostic per finding, with the snippet and labelled spans,
//! then a summary.

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, MietteError,
    MietteSpanContents, Severity as MietteSeverity, SourceCode, SourceSpan, SpanContents,
};

use crate::Report;
use crate::escape;
use crate::finding::Severity;
use crate::locate::{LineIndex, Located, Position};
use crate::model::Span;

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
        .with_context_lines(CONTEXT_LINES);
    let mut out = String::new();
    // Findings are sorted by path: each file's line index is built once.
    let mut index: Option<(&str, LineIndex)> = None;
    // Suppressed and baselined findings are in the JSON report only.
    for finding in report.active() {
        if index.as_ref().is_none_or(|(path, _)| *path != finding.path) {
            index = Some((finding.path.as_str(), LineIndex::new(&finding.source)));
        }
        let (_, lines) = index.as_ref().expect("set above");
        out.push_str(&diagnostic(&handler, finding, lines));
        out.push('\n');
    }
    out.push_str(&crate::suppress::render_problems(
        &report.suppression_problems,
    ));
    if !options.quiet {
        out.push_str(&summary(report));
    }
    escape::no_workflow_commands(out)
}

/// Lines of source shown before and after a finding's lines.
const CONTEXT_LINES: usize = 1;

fn diagnostic(handler: &GraphicalReportHandler, finding: &Located, lines: &LineIndex) -> String {
    let mut spans = vec![finding.span];
    spans.extend(finding.labels.iter().map(|l| l.span));
    let excerpt = Excerpt::new(
        &finding.source,
        lines,
        &spans,
        escape::visible(&finding.path).into_owned(),
        finding.start,
    );
    let mut labels = vec![LabeledSpan::new_primary_with_span(
        Some(escape::visible(&finding.label).into_owned()),
        excerpt.span(finding.span),
    )];
    for label in &finding.labels {
        labels.push(LabeledSpan::new_with_span(
            Some(escape::visible(&label.text).into_owned()),
            excerpt.span(label.span),
        ));
    }
    let diagnostic = MietteDiagnostic::new(escape::visible(&finding.message).into_owned())
        .with_code(format!("{} {}", finding.rule, finding.name))
        .with_severity(match finding.severity {
            Severity::High | Severity::Medium => MietteSeverity::Error,
            Severity::Low => MietteSeverity::Warning,
            Severity::Info => MietteSeverity::Advice,
        })
        .with_help(format!(
            "{} [{}]",
            escape::visible(&finding.help),
            finding.severity.as_str()
        ))
        .with_labels(labels);
    let report = miette::Report::new(diagnostic).with_source_code(excerpt);
    let mut out = String::new();
    if handler.render_report(&mut out, report.as_ref()).is_err() {
        out = format!(
            "{}:{}:{}: {} {}\n",
            escape::visible(&finding.path),
            finding.start.line,
            finding.start.column,
            finding.rule,
            escape::visible(&finding.message)
        );
    }
    out
}

/// The lines of a file that one diagnostic shows, made safe to print: line endings become `\n`
/// (a lone `\r` too, as the line index counts it), control and invisible characters become
/// visible escapes. miette reads only this excerpt, so a finding costs the size of its lines,
/// not of its file, and its line and column are the ones JSON gives.
struct Excerpt {
    name: String,
    text: String,
    /// 0-based line of the file where the excerpt starts.
    first_line: usize,
    /// File byte offset -> excerpt byte offset, at every character the excerpt holds.
    offsets: Vec<(usize, usize)>,
    /// The primary span in the excerpt, and where the file has it (1-based, characters).
    primary: (usize, Position),
}

impl Excerpt {
    fn new(
        source: &str,
        lines: &LineIndex,
        spans: &[Span],
        name: String,
        primary_position: Position,
    ) -> Excerpt {
        let first = spans
            .iter()
            .map(|s| lines.line_of(s.start as usize))
            .min()
            .unwrap_or(0);
        let last = spans
            .iter()
            .map(|s| lines.line_of(s.end as usize))
            .max()
            .unwrap_or(0);
        let first_line = first.saturating_sub(CONTEXT_LINES);
        let last_line = (last + CONTEXT_LINES).min(lines.lines() - 1);
        let start = lines.line_range(first_line).start;
        let end = lines.line_range(last_line).end;
        let mut text = String::with_capacity(end - start + 16);
        let mut offsets = Vec::with_capacity(end - start + 1);
        let mut chars = source[start..end].char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            offsets.push((start + at, text.len()));
            match c {
                '\r' => {
                    if chars.peek().is_some_and(|(_, n)| *n == '\n') {
                        let (at, _) = chars.next().expect("peeked");
                        offsets.push((start + at, text.len()));
                    }
                    text.push('\n');
                }
                '\n' | '\t' => text.push(c),
                '\u{feff}' if start + at == 0 => {}
                c => escape::push_visible(&mut text, c),
            }
        }
        offsets.push((end, text.len()));
        let mut excerpt = Excerpt {
            name,
            text,
            first_line,
            offsets,
            primary: (0, primary_position),
        };
        excerpt.primary.0 = excerpt.offset(spans.first().map_or(0, |s| s.start as usize));
        excerpt
    }

    /// Where a file offset falls in the excerpt.
    fn offset(&self, file_offset: usize) -> usize {
        let i = self.offsets.partition_point(|(f, _)| *f <= file_offset);
        self.offsets.get(i.saturating_sub(1)).map_or(0, |(_, e)| *e)
    }

    /// A file span as a miette span over the excerpt.
    fn span(&self, span: Span) -> SourceSpan {
        let start = self.offset(span.start as usize);
        let end = self.offset(span.end as usize).max(start);
        (start, end - start).into()
    }
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text = self.text.as_str();
        let start = span.offset().min(text.len());
        let end = (span.offset() + span.len()).min(text.len()).max(start);
        // Line starts of the excerpt (it is a few lines long).
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let line_of = |offset: usize| starts.partition_point(|&s| s <= offset) - 1;
        let first = line_of(start).saturating_sub(before);
        let last =
            (line_of(end.saturating_sub(usize::from(end > start))) + after).min(starts.len() - 1);
        let data_start = starts[first];
        let data_end = starts
            .get(last + 1)
            .map_or(text.len(), |&next| next.saturating_sub(1).max(data_start));
        let (line, column) = if before == 0 && after == 0 && start == self.primary.0 {
            (self.primary.1.line - 1, self.primary.1.column - 1)
        } else if before == 0 {
            (
                self.first_line + line_of(start),
                text[starts[line_of(start)]..start].chars().count(),
            )
        } else {
            (self.first_line + first, 0)
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            &text.as_bytes()[data_start..data_end],
            (data_start, data_end - data_start).into(),
            line,
            column,
            last - first + 1,
        )))
    }
}

fn summary(report: &Report) -> String {
    let mut out = String::new();
    for skipped in report.skipped.iter().take(20) {
        out.push_str(&format!(
            "skipped {}: {}\n",
            escape::visible(&skipped.path),
            escape::visible(&skipped.reason)
        ));
    }
    if report.skipped.len() > 20 {
        out.push_str(&format!(
            "skipped {} more files (see --format json)\n",
            report.skipped.len() - 20
        ));
    }
    for path in report.files_too_deep.iter().take(20) {
        out.push_str(&format!(
            "note: {} nests too deeply; the deepest part was not analysed\n",
            escape::visible(path)
        ));
    }
    out.push_str(&super::summary_line(report));
    out.push_str("\n\n");
    out.push_str(&super::grade_card(&report.scores));
    out
}
