//! Comments that carry faultline directives, and the code each one covers.
//!
//! Both grammars call their comments `comment`. A comment that trails code covers the
//! statement ending on its line, from that statement's first line, so a directive after the
//! closing `);` of a call spread over many lines covers the whole call; on a line that opens a
//! clause or block (`} catch (e) {`, `except E:`), it covers that clause. A comment alone on its
//! line covers the next statement (or clause, or other construct) that follows it, unless a
//! closing bracket comes first.

use tree_sitter::Node;

use super::fields::FieldExt;
use super::node_span;
use crate::model::{Comment, Position, Span};

/// The marker every directive contains; files without it are not walked for comments.
pub(crate) const MARKER: &[u8] = b"faultline-ignore";

/// The directive comments of a tree, in source order. The walk is iterative: deeply nested
/// input cannot overflow the stack.
pub(crate) fn collect(root: Node, src: &[u8]) -> Vec<Comment> {
    if !contains(src, MARKER) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut cursor = root.walk();
    'walk: loop {
        super::check_deadline();
        let node = cursor.node();
        if node.kind_name() == "comment" {
            let text = String::from_utf8_lossy(&src[node.start_byte()..node.end_byte()]);
            if contains(text.as_bytes(), MARKER) {
                out.push(comment(node, text.into_owned(), src));
            }
        } else if cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                break 'walk;
            }
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Where `node` starts as `locate::LineIndex` counts it. The lowered source has every lone
/// `\r` turned into `\n`, so tree-sitter's row is the line; the column counts characters
/// from the line start, past a UTF-8 byte order mark.
fn position(node: Node, line_start: usize, src: &[u8]) -> Position {
    let mut from = line_start;
    if from == 0 && src.starts_with("\u{feff}".as_bytes()) {
        from = 3.min(node.start_byte());
    }
    let before = String::from_utf8_lossy(&src[from..node.start_byte()]);
    Position {
        line: node.start_position().row + 1,
        column: before.chars().count() + 1,
    }
}

/// Statements and the clauses and definitions that stand like them, in either grammar.
fn is_statement(kind: &str) -> bool {
    kind.ends_with("_statement")
        || kind.ends_with("_declaration")
        || kind.ends_with("_definition")
        || kind.ends_with("_clause")
}

fn comment(node: Node, text: String, src: &[u8]) -> Comment {
    let start = node.start_byte();
    let line_start = src[..start]
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let trailing = src[line_start..start]
        .iter()
        .any(|b| !b.is_ascii_whitespace());
    let covers = if trailing {
        Some(trailed(node, line_start))
    } else {
        preceded(node, src)
    };
    Comment {
        span: node_span(node),
        start: position(node, line_start, src),
        text,
        trailing,
        covers,
    }
}

/// A named sibling of `node` in one direction, past other comments.
fn sibling<'t>(node: Node<'t>, forward: bool) -> Option<Node<'t>> {
    let mut current = node;
    loop {
        current = if forward {
            current.next_named_sibling()?
        } else {
            current.prev_named_sibling()?
        };
        if current.kind_name() != "comment" {
            return Some(current);
        }
    }
}

/// The span a trailing comment covers: the statement that ends on its line, from its first
/// line up to the comment; else the statement or clause that its line opens (`} catch (e) {`,
/// `except Exception:`, `if (x) {`), whole; else its line.
fn trailed(comment: Node, line_start: usize) -> Span {
    let row = comment.start_position().row;
    let previous = sibling(comment, false).filter(|p| p.end_position().row == row);
    if let Some(previous) = previous {
        let mut node = previous;
        while !is_statement(node.kind_name()) {
            match node.parent() {
                Some(parent) if parent.end_position().row == row => node = parent,
                _ => break,
            }
        }
        if is_statement(node.kind_name()) {
            return Span::new(line_start.min(node.start_byte()), comment.start_byte());
        }
    }
    let mut node = comment.parent();
    while let Some(n) = node.filter(|n| n.start_position().row == row) {
        if is_statement(n.kind_name()) {
            return Span::new(line_start.min(n.start_byte()), n.end_byte());
        }
        node = n.parent();
    }
    let start = previous.map_or(line_start, |p| line_start.min(p.start_byte()));
    Span::new(start, comment.start_byte())
}

/// The span a comment alone on its line covers: the next construct after it, looking outward
/// when it is the last thing in its block, but not past a closing bracket.
fn preceded(comment: Node, src: &[u8]) -> Option<Span> {
    let next_char = src[comment.end_byte()..]
        .iter()
        .find(|b| !b.is_ascii_whitespace());
    if matches!(next_char, Some(b'}' | b')' | b']')) {
        return None;
    }
    let mut node = comment;
    loop {
        if let Some(next) = sibling(node, true) {
            return Some(node_span(next));
        }
        node = node.parent()?;
    }
}

#[cfg(test)]
mod tests {
    use crate::lang::lower_source;
    use crate::model::Language;

    /// The text each directive comment covers.
    fn covered(language: Language, src: &str) -> Vec<String> {
        let model = lower_source(language, src.as_bytes()).unwrap();
        model
            .comments
            .iter()
            .map(|c| match c.covers {
                Some(span) => src[span.start as usize..span.end as usize]
                    .trim()
                    .to_string(),
                None => "<nothing>".to_string(),
            })
            .collect()
    }

    #[test]
    fn a_trailing_comment_covers_the_statement_ending_on_its_line() {
        let src = "function f() {\n  const r = call(\n    a,\n    b,\n  ); // faultline-ignore[SEC004]: x\n  g(); // faultline-ignore[SEC004]: y\n  return {\n    text: e.message, // faultline-ignore[SEC004]: z\n  };\n}\n";
        assert_eq!(
            covered(Language::TypeScript, src),
            vec![
                "const r = call(\n    a,\n    b,\n  );",
                "g();",
                "text: e.message,",
            ]
        );
    }

    #[test]
    fn a_trailing_comment_on_a_clause_head_covers_the_clause() {
        let src =
            "try {\n  x();\n} catch (e) { // faultline-ignore[SEC001]: a\n  return true;\n}\n";
        assert_eq!(
            covered(Language::TypeScript, src),
            vec!["} catch (e) { // faultline-ignore[SEC001]: a\n  return true;\n}"]
        );
        let src =
            "try:\n    x()\nexcept Exception:  # faultline-ignore[SEC001]: b\n    return True\n";
        assert_eq!(
            covered(Language::Python, src),
            vec!["except Exception:  # faultline-ignore[SEC001]: b\n    return True"]
        );
    }

    #[test]
    fn a_comment_alone_on_its_line_covers_the_next_statement() {
        let src = "try {\n  // faultline-ignore[SEC001]: a\n  x();\n  y();\n  // faultline-ignore[SEC001]: dangling\n} catch (e) {\n  return true;\n}\n/* faultline-ignore[SEC001]: b */\nz();\n";
        assert_eq!(
            covered(Language::JavaScript, src),
            vec!["x();", "<nothing>", "z();"]
        );
        // Other comments are not kept.
        let plain = lower_source(Language::JavaScript, b"// hello\nx();\n").unwrap();
        assert!(plain.comments.is_empty());
    }

    #[test]
    fn python_comments_cover_statements_and_the_except_clause_below_them() {
        let src = "def f():\n    try:\n        return go(\n            1,\n        )  # faultline-ignore[SEC004]: a\n    # faultline-ignore[SEC001]: b\n    except Exception as e:\n        return True  # faultline-ignore[SEC001]: c\n";
        let got = covered(Language::Python, src);
        assert_eq!(got[0], "return go(\n            1,\n        )");
        assert!(got[1].starts_with("except Exception as e:"), "{got:?}");
        assert_eq!(got[2], "return True");
    }
}
