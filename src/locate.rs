//! Turns findings' byte spans into what reports show: 1-based lines and character columns, the
//! source snippet, and a stable fingerprint. Only files with findings are read again.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::discover::{ScanError, SourceFile, Surface};
use crate::finding::{Axis, Finding, Severity};
use crate::model::Span;

pub use crate::finding::{Suppression, serialize_state};
pub use crate::model::Position;
use crate::project::Project;
use crate::rules::Registry;

#[derive(Debug, Clone, Serialize)]
pub struct LocatedLabel {
    #[serde(skip)]
    pub span: Span,
    pub start: Position,
    pub end: Position,
    pub text: String,
}

/// A finding as reports show it.
#[derive(Debug, Clone, Serialize)]
pub struct Located {
    pub rule: String,
    pub name: String,
    pub axis: Axis,
    pub severity: Severity,
    pub path: String,
    pub start: Position,
    pub end: Position,
    pub message: String,
    pub help: String,
    pub surface: Surface,
    pub fingerprint: String,
    pub label: String,
    pub labels: Vec<LocatedLabel>,
    #[serde(skip)]
    pub span: Span,
    /// The file's text, shared by its findings, for renderers that show snippets.
    #[serde(skip)]
    pub source: Arc<str>,
    /// Set when an inline `faultline-ignore` directive covers the finding. In JSON:
    /// `"suppressed": true` and `"suppression": {kind, justification, directive}`.
    #[serde(flatten, serialize_with = "serialize_state")]
    pub suppression: Option<Suppression>,
    /// True when the finding is recorded in the `--baseline` file.
    pub baseline: bool,
}

impl Located {
    /// Whether the finding counts: in the exit code, scores and the text, github and
    /// markdown reports. Suppressed and baselined findings stay in JSON (and SARIF) only.
    pub fn is_active(&self) -> bool {
        self.suppression.is_none() && !self.baseline
    }
}

/// A file's text: kept in memory for standard input, read again from disk otherwise.
pub fn source_text(file: &SourceFile) -> Result<Arc<str>, String> {
    if let Some(text) = &file.contents {
        return Ok(text.clone());
    }
    crate::read::read_regular_file(&file.path, crate::discover::MAX_FILE_BYTES)
        .map_err(|e| e.to_string())
        .and_then(|b| String::from_utf8(b).map_err(|e| e.to_string()))
        .map(Arc::from)
}

/// Byte offsets to lines and columns for one file, shared by every report: lines end at `\n`,
/// `\r\n` or a lone `\r` (as editors, tree-sitter's grammars and SARIF viewers told so by the
/// run's `newlineSequences` count them); a form feed is an ordinary character; a UTF-8 byte
/// order mark takes no column.
pub struct LineIndex<'s> {
    text: &'s str,
    starts: Vec<usize>,
}

impl<'s> LineIndex<'s> {
    pub fn new(text: &'s str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        for (i, b) in bytes.iter().enumerate() {
            let ends_line = *b == b'\n' || (*b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
            if ends_line {
                starts.push(i + 1);
            }
        }
        LineIndex { text, starts }
    }

    /// The 0-based line holding `offset`, and the text of that line before it.
    fn line_and_prefix(&self, offset: usize) -> (usize, &'s str) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let mut start = self.starts[line];
        if start == 0 && self.text.starts_with('\u{feff}') && offset >= 3 {
            start = 3;
        }
        (line, &self.text[start..offset])
    }

    /// 1-based line and 1-based column in characters.
    pub fn position(&self, offset: usize) -> Position {
        let (line, before) = self.line_and_prefix(offset);
        Position {
            line: line + 1,
            column: before.chars().count() + 1,
        }
    }

    /// 1-based line and 1-based column in UTF-16 code units (SARIF's default column kind).
    pub fn position_utf16(&self, offset: usize) -> (usize, usize) {
        let (line, before) = self.line_and_prefix(offset);
        (line + 1, before.encode_utf16().count() + 1)
    }

    /// The 0-based line holding `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        self.line_and_prefix(offset).0
    }

    /// The byte range of 0-based `line`, without its line ending.
    pub fn line_range(&self, line: usize) -> std::ops::Range<usize> {
        let line = line.min(self.starts.len() - 1);
        let start = self.starts[line];
        let mut end = self
            .starts
            .get(line + 1)
            .copied()
            .unwrap_or(self.text.len());
        let bytes = self.text.as_bytes();
        if end > start && bytes[end - 1] == b'\n' {
            end -= 1;
        }
        if end > start && bytes[end - 1] == b'\r' {
            end -= 1;
        }
        start..end
    }

    /// How many lines the text has.
    pub fn lines(&self) -> usize {
        self.starts.len()
    }
}

pub fn locate(
    project: &Project,
    registry: &Registry,
    findings: Vec<Finding>,
) -> (Vec<Located>, Vec<ScanError>) {
    let mut by_unit: BTreeMap<usize, Vec<Finding>> = BTreeMap::new();
    for f in findings {
        by_unit.entry(f.unit).or_default().push(f);
    }
    let mut located = Vec::new();
    let mut errors = Vec::new();
    for (unit, findings) in by_unit {
        let file = &project.units[unit].file;
        let text: Arc<str> = match source_text(file) {
            Ok(text) => text,
            Err(e) => {
                errors.push(ScanError {
                    path: file.display.clone(),
                    message: format!("changed or vanished during the scan: {e}"),
                });
                continue;
            }
        };
        let lines = LineIndex::new(&text);
        for f in findings {
            let Some(meta) = registry.meta(f.rule) else {
                continue;
            };
            let function = f
                .function
                .map(|id| project.units[unit].model.functions[id].display_name())
                .unwrap_or_default();
            let snippet = text
                .get(f.span.start as usize..f.span.end as usize)
                .unwrap_or("");
            located.push(Located {
                rule: meta.id.clone(),
                name: meta.name.clone(),
                axis: meta.axis,
                severity: f.severity,
                path: file.display.clone(),
                start: lines.position(f.span.start as usize),
                end: lines.position(f.span.end as usize),
                message: f.message,
                help: meta.help.clone(),
                surface: file.surface,
                fingerprint: fingerprint(f.rule, &file.display, &function, snippet),
                label: f.label,
                labels: f
                    .labels
                    .into_iter()
                    .map(|l| LocatedLabel {
                        span: l.span,
                        start: lines.position(l.span.start as usize),
                        end: lines.position(l.span.end as usize),
                        text: l.text,
                    })
                    .collect(),
                span: f.span,
                source: text.clone(),
                suppression: f.suppression,
                baseline: false,
            });
        }
    }
    located.sort_by(|a, b| {
        (&a.path, a.start, &a.rule, a.end, &a.message)
            .cmp(&(&b.path, b.start, &b.rule, b.end, &b.message))
    });
    located.dedup_by(|a, b| {
        a.path == b.path && a.start == b.start && a.rule == b.rule && a.message == b.message
    });
    (located, errors)
}

/// Rule, path, enclosing function and the code with all white space removed: stable when code
/// moves within a file or is reformatted.
pub fn fingerprint(rule: &str, path: &str, function: &str, snippet: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    feed(rule.as_bytes());
    feed(&[0]);
    feed(path.as_bytes());
    feed(&[0]);
    feed(function.as_bytes());
    feed(&[0]);
    let normalized: String = snippet.chars().filter(|c| !c.is_whitespace()).collect();
    feed(normalized.as_bytes());
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_not_bytes() {
        let text = "ab\nçé = x\n";
        let index = LineIndex::new(text);
        assert_eq!(index.position(0), Position { line: 1, column: 1 });
        assert_eq!(index.position(3), Position { line: 2, column: 1 });
        // `=` is byte 9 (ç and é are two bytes each) but character 4 of its line.
        assert_eq!(
            index.position(text.find('=').unwrap()),
            Position { line: 2, column: 4 }
        );
    }

    #[test]
    fn every_line_ending_and_a_bom_give_the_same_positions() {
        for ending in ["\n", "\r\n", "\r"] {
            let text = ["a", "bc", "  x = 1"].join(ending);
            let index = LineIndex::new(&text);
            let at = text.find('x').unwrap();
            assert_eq!(
                index.position(at),
                Position { line: 3, column: 3 },
                "{ending:?}"
            );
            assert_eq!(index.position_utf16(at), (3, 3), "{ending:?}");
        }
        let text = "\u{feff}x = 1\n\u{c}y = 2\n";
        let index = LineIndex::new(text);
        assert_eq!(index.position(3), Position { line: 1, column: 1 });
        assert_eq!(
            index.position(text.find('y').unwrap()),
            Position { line: 2, column: 2 }
        );
        let emoji = "😀😀 = x";
        let index = LineIndex::new(emoji);
        let at = emoji.find('=').unwrap();
        assert_eq!(index.position(at).column, 4);
        assert_eq!(index.position_utf16(at), (1, 6));
    }

    #[test]
    fn fingerprints_ignore_whitespace_but_not_the_function() {
        let a = fingerprint("SEC001", "a.ts", "check", "return  true;");
        let b = fingerprint("SEC001", "a.ts", "check", "return\n true;");
        let c = fingerprint("SEC001", "a.ts", "other", "return true;");
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), 16);
    }
}
