//! A cheap look at a file's shape before it reaches a grammar: one pass over the bytes that
//! measures what the tree-sitter scanners and the front ends cannot take in any amount, so
//! that such a file is passed over with its reason (like a minified one) instead of aborting
//! the process or running for minutes.
//!
//! What is bounded, and why (measured with `examples/shapes.rs`: docs/performance.md,
//! "Bounds"):
//!
//! - **Python indentation levels** ([`MAX_INDENT_LEVELS`]). tree-sitter-python's external
//!   scanner keeps its indentation stack as 2 bytes per level and serialises it after each
//!   token into tree-sitter's 1,024-byte buffer, behind 2 bytes of flags and up to 255 open
//!   string delimiters; tree-sitter asserts `length <= 1024` and the process aborts (SIGABRT).
//!   Measured: with one open string the first abort is at 511 levels, with 255 open f-strings
//!   at 384; 383 levels never abort.
//!
//! Nothing else needs a bound short of the file size: brackets of every kind, calls, member
//! and call chains, operators, ternaries, templates, f-strings, awaits, lambdas and nested
//! functions, classes and blocks were each measured up to the 2 MB file limit (524,284
//! nested brackets, 419,426 chained calls) in TypeScript, JavaScript and Python: no scanner
//! asserts on them, tree-sitter parses them in at most about 3 s, and the front ends stop at
//! `lang::builder::MAX_DEPTH` levels (the file is then reported "too deep"). What takes longer
//! on a slow machine is caught by the per-file time budget (`lang::FILE_BUDGET`).
//!
//! The lexing is approximate on purpose (f-strings are read as plain strings): it only has to
//! tell code lines from lines inside brackets and strings, and the bound sits far above
//! anything written by hand (real code rarely passes 20 levels).

use crate::model::Language;

/// Open indentation levels a Python file may reach (see the module docs: 384 can abort).
/// 256 leaves a third of margin below the measured abort, and 10 times the deepest Python
/// written by hand.
pub const MAX_INDENT_LEVELS: usize = 256;

/// What the pre-scan measured.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Python only: the deepest bracket nesting outside strings and comments.
    pub brackets: usize,
    /// Python only: the most indentation levels open at once (0 at module level).
    pub indent_levels: usize,
}

/// Why the file is not handed to a grammar, if it is not.
pub fn problem(language: Language, src: &[u8]) -> Option<String> {
    let shape = measure(language, src);
    if shape.indent_levels > MAX_INDENT_LEVELS {
        return Some(format!(
            "nested too deeply ({} indentation levels; the limit is {MAX_INDENT_LEVELS})",
            shape.indent_levels
        ));
    }
    None
}

/// The shape of `src`; TypeScript and JavaScript have nothing to measure (see above).
pub fn measure(language: Language, src: &[u8]) -> Shape {
    match language {
        Language::Python => python(src),
        _ => Shape::default(),
    }
}

/// Brackets outside strings and comments, and the indentation stack the way the grammar's
/// scanner keeps it: a line that starts deeper than the innermost open level opens one, a
/// line that starts shallower closes every level deeper than it. Lines inside brackets,
/// strings and after a backslash continuation do not count; blank and comment lines neither.
fn python(src: &[u8]) -> Shape {
    let mut depth = 0usize;
    let mut deepest = 0usize;
    let mut levels: Vec<usize> = Vec::new();
    let mut most_levels = 0usize;
    let mut i = 0;
    let n = src.len();
    let mut at_line_start = true;
    while i < n {
        if at_line_start {
            at_line_start = false;
            // The width of the indentation, as the scanner counts it (a tab to the next 8).
            let mut width = 0usize;
            while i < n && matches!(src[i], b' ' | b'\t' | b'\x0c') {
                width = match src[i] {
                    b'\t' => (width / 8 + 1) * 8,
                    b'\x0c' => 0,
                    _ => width + 1,
                };
                i += 1;
            }
            let blank = i >= n || matches!(src[i], b'\n' | b'\r' | b'#');
            if depth == 0 && !blank {
                while levels.last().is_some_and(|top| *top > width) {
                    levels.pop();
                }
                if width > levels.last().copied().unwrap_or(0) {
                    levels.push(width);
                    most_levels = most_levels.max(levels.len());
                }
            }
            continue;
        }
        match src[i] {
            b'\n' => {
                at_line_start = true;
                i += 1;
            }
            b'\\' => {
                // A continuation: the next line goes on this logical line.
                i += 1;
                if src.get(i) == Some(&b'\r') {
                    i += 1;
                }
                if src.get(i) == Some(&b'\n') {
                    i += 1;
                }
            }
            b'#' => {
                while i < n && src[i] != b'\n' {
                    i += 1;
                }
            }
            quote @ (b'\'' | b'"') => {
                let triple = src.get(i + 1) == Some(&quote) && src.get(i + 2) == Some(&quote);
                if triple {
                    i += 3;
                    while i < n
                        && !(src[i] == quote
                            && src.get(i + 1) == Some(&quote)
                            && src.get(i + 2) == Some(&quote))
                    {
                        i += if src[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 3;
                } else {
                    i += 1;
                    while i < n && src[i] != quote && src[i] != b'\n' {
                        i += if src[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                }
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
                i += 1;
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            _ => i += 1,
        }
    }
    Shape {
        brackets: deepest,
        indent_levels: most_levels,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn py(src: &str) -> Shape {
        measure(Language::Python, src.as_bytes())
    }

    fn ts(src: &str) -> Shape {
        measure(Language::TypeScript, src.as_bytes())
    }

    #[test]
    fn python_indentation_levels_are_counted_as_the_scanner_keeps_them() {
        assert_eq!(py("x = 1\n").indent_levels, 0);
        let nested = "def f():\n    if x:\n        y()\n    z()\n";
        assert_eq!(py(nested).indent_levels, 2);
        // Dedent to a width in between closes the deeper level and opens none.
        assert_eq!(py("a:\n        b\n    c\n").indent_levels, 1);
        // Continuation lines, bracketed lines, strings, blank and comment lines open none.
        let quiet =
            "x = (\n    1,\n        2)\ny = \\\n      3\ns = '''\n    text\n'''\n\n      # c\n";
        assert_eq!(py(quiet).indent_levels, 0);
        // A tab counts to the next multiple of 8, as one level.
        assert_eq!(py("a:\n\tb:\n\t\tc\n").indent_levels, 2);
    }

    #[test]
    fn the_issue_file_of_1800_nested_defs_is_refused() {
        let depth = 1800;
        let mut src: String = (0..depth)
            .map(|i| format!("{}def f{i}():\n", " ".repeat(i)))
            .collect();
        src += &" ".repeat(depth);
        src += "return requests.get(\"http://x\")\n";
        assert_eq!(py(&src).indent_levels, depth);
        assert_eq!(
            problem(Language::Python, src.as_bytes()).as_deref(),
            Some("nested too deeply (1800 indentation levels; the limit is 256)")
        );
    }

    #[test]
    fn brackets_outside_strings_and_comments_are_counted() {
        assert_eq!(py("f(a[1], {'k': (2,)})\n").brackets, 3);
        assert_eq!(py("s = '((((' + \"[[\"  # (((\n").brackets, 0);
        assert_eq!(py("s = '''\n(((\n'''\n").brackets, 0);
    }

    #[test]
    fn typescript_and_javascript_have_no_bound() {
        let deep = "[\n".repeat(100_000);
        assert_eq!(ts(&deep), Shape::default());
        assert_eq!(problem(Language::JavaScript, deep.as_bytes()), None);
        // Brackets do not bound Python either: only indentation does.
        assert_eq!(py(&deep).brackets, 100_000);
        assert_eq!(problem(Language::Python, deep.as_bytes()), None);
    }

    #[test]
    fn unbalanced_and_truncated_input_does_not_trip_the_lexer() {
        for src in [
            "'",
            "\"\\",
            "(",
            "]]]}}})))",
            "'''",
            "\\",
            "\"\"\"",
            "\\\r",
            "\t\x0c",
        ] {
            assert!(py(src).brackets <= 1, "{src:?}");
            assert_eq!(py(src).indent_levels, 0, "{src:?}");
        }
        assert_eq!(py("]]](((").brackets, 3);
        assert_eq!(py("a:\n  \\").indent_levels, 1);
    }
}
