//! What the two front ends share, written once: the truthiness walk of a condition and the
//! taint a call's arguments pass on. The differences between the grammars are data, in a
//! [`Grammar`] table each front end fills in.

use tree_sitter::Node;

use super::builder::{Builder, Hit, short};
use super::fields::{Field, FieldExt};
use super::node_span;
use crate::model::*;

/// The node kinds and helpers of one grammar that the shared code needs.
pub(crate) struct Grammar {
    /// The language, where a vocabulary differs by language (server classes).
    pub language: Language,
    /// Calls: `f(x)`.
    pub calls: &'static [&'static str],
    /// Names whose truth a condition tests: `x`, `x.y`, `x[0]`.
    pub names: &'static [&'static str],
    /// Negation: `!x` / `not x`.
    pub not: &'static str,
    /// The operator the negation kind must carry, where that kind also holds other operators.
    pub not_operator: Option<&'static str>,
    /// `&&` / `||`, `and` / `or`.
    pub logical: &'static str,
    /// The operators of the logical kind that join two tests; empty: all of them.
    pub logical_operators: &'static [&'static str],
    /// Strips the wrappers that do not change a value (parentheses, `await`, casts).
    pub unwrap: for<'t> fn(Node<'t>) -> Node<'t>,
    /// A dotted path for a callee or a name: `this.client.get`, `self.session.get`.
    pub path_of: fn(Node, &[u8]) -> String,
}

/// Records the parts of `node` whose truthiness decides: the expression itself, or both sides
/// of `&&` / `||` (`and` / `or`), through parentheses, `await` and negation.
pub(crate) fn truthy(b: &mut Builder, grammar: &Grammar, node: Node, how: TestedBy) {
    truthy_at(b, grammar, node, how, 0);
}

fn truthy_at(b: &mut Builder, grammar: &Grammar, node: Node, how: TestedBy, depth: usize) {
    if depth > 32 {
        return;
    }
    let inner = (grammar.unwrap)(node);
    let kind = inner.kind_name();
    if grammar.calls.contains(&kind) {
        b.add_condition(node_span(inner), None, true, how);
    } else if grammar.names.contains(&kind) {
        let name = (grammar.path_of)(inner, b.src);
        b.add_condition(node_span(inner), Some(name), false, how);
    } else if kind == grammar.not {
        let not = grammar.not_operator.is_none_or(|expected| {
            inner
                .field(Field::Operator)
                .is_some_and(|o| b.text(node_span(o)) == expected)
        });
        if let (true, Some(argument)) = (not, inner.field(Field::Argument)) {
            truthy_at(b, grammar, argument, TestedBy::Not, depth + 1);
        }
    } else if kind == grammar.logical {
        let joins = grammar.logical_operators.is_empty() || {
            let operator = inner
                .field(Field::Operator)
                .map(|o| b.text(node_span(o)))
                .unwrap_or("");
            grammar.logical_operators.contains(&operator)
        };
        if joins {
            for side in [Field::Left, Field::Right] {
                if let Some(operand) = inner.field(side) {
                    truthy_at(b, grammar, operand, how, depth + 1);
                }
            }
        }
    }
}

/// A receiver that holds an MCP server: an instance of a server class made in this file, or a
/// name that says so (`server`, `mcp`, `app` in Python).
pub(crate) fn is_server(b: &Builder, grammar: &Grammar, receiver: &str) -> bool {
    let vocabulary = b.vocabulary;
    let known = b
        .model
        .instances
        .iter()
        .any(|i| i.name == receiver && vocabulary.is_server_class(grammar.language, &i.class));
    known || vocabulary.names_a_server(grammar.language, receiver)
}

/// How a call treats the error data in its arguments.
pub(crate) struct CallTaint<'a> {
    /// The callee as written.
    pub callee: &'a str,
    /// The call's span and text.
    pub span: Span,
    pub text: &'a str,
    /// The call turns its arguments into text of this kind (`String(e)`, `str(e)`).
    pub converts: Option<LeakKind>,
    /// The call builds an error around its arguments (`new Error(e.message)`).
    pub constructs_error: bool,
}

/// The taint a call's arguments pass on: converted to text, wrapped in a new error, or handed
/// to the callee (which decides, through [`ViaCall`], whether it turns them into text).
pub(crate) fn call_argument_hits<'t>(
    call: &CallTaint,
    arguments: &[Node<'t>],
    mut taint: impl FnMut(Node<'t>) -> Vec<Hit>,
) -> Vec<Hit> {
    let CallTaint {
        callee,
        span,
        text,
        converts,
        constructs_error,
    } = *call;
    let mut hits = Vec::new();
    for (index, arg) in arguments.iter().enumerate() {
        for hit in taint(*arg) {
            match converts {
                Some(kind) => {
                    let mut h = hit.into_text(span, text);
                    h.kind = h.kind.max(kind);
                    if constructs_error {
                        h.raw = true;
                        h.wrapped = true;
                    }
                    hits.push(h);
                }
                None => {
                    let raw_object = hit.raw;
                    let mut h = hit;
                    h.raw = false;
                    if h.via.is_none() {
                        h.via = Some(ViaCall {
                            callee: callee.to_string(),
                            arg: index,
                            raw_object,
                        });
                        // Error text keeps pointing at itself; a bare error
                        // object is turned into text (or not) by the callee.
                        if raw_object {
                            h.span = span;
                            h.text = short(text);
                        }
                    }
                    hits.push(h);
                }
            }
        }
    }
    hits
}

/// The elements of an array, list or tuple literal as positional arguments, each valued by
/// `value` (comments skipped).
pub(crate) fn element_args(list: Node, mut value: impl FnMut(Node) -> ArgValue) -> Vec<Arg> {
    super::named_children(list)
        .filter(|e| e.kind_name() != "comment")
        .map(|e| Arg {
            keyword: None,
            span: node_span(e),
            value: value(e),
        })
        .collect()
}

/// `text` names the parameter `word`: as code (`` `limit` ``, `'limit'`, `"limit"`), or as a
/// whole word when the name is shaped like an identifier no prose uses (`seed_ids`,
/// `valuableSources`, `page2`). A plain word (`issue` in "Close an issue.") is not a mention:
/// prose uses it without documenting the parameter.
pub(crate) fn names_word(text: &str, word: &str) -> bool {
    if word.is_empty() {
        return false;
    }
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    let identifier_shaped = word.contains('_')
        || word
            .chars()
            .skip(1)
            .any(|c| c.is_uppercase() || c.is_ascii_digit());
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        if before.is_some_and(is_word) || after.is_some_and(is_word) {
            return false;
        }
        let quoted = matches!((before, after), (Some(b), Some(a)) if b == a && matches!(b, '`' | '\'' | '"'));
        identifier_shaped || quoted
    })
}

/// The names whose holding something decides the branch of `condition`, each with `true` when
/// the branch needs the name set (`x`, `x is not None`, `x && ...`) and `false` when the name
/// holding nothing is enough to take it (`x is None`, `!x || ...`). Both grammars' node kinds
/// are read here: they do not overlap.
pub(crate) fn presence(b: &Builder, grammar: &Grammar, condition: Node) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    presence_at(b, grammar, condition, false, 0, &mut out);
    out
}

fn presence_at(
    b: &Builder,
    grammar: &Grammar,
    node: Node,
    negate: bool,
    depth: usize,
    out: &mut Vec<(String, bool)>,
) {
    if depth > 16 {
        return;
    }
    let inner = (grammar.unwrap)(node);
    let kind = inner.kind_name();
    let operator = || {
        inner
            .field(Field::Operator)
            .map(|o| b.text(node_span(o)))
            .unwrap_or("")
    };
    let nothing = |n: Node| {
        matches!(n.kind_name(), "none" | "null" | "undefined")
            || n.kind_name() == "identifier" && b.text(node_span(n)) == "undefined"
    };
    let plain = |n: Node| {
        matches!(
            n.kind_name(),
            "identifier" | "attribute" | "member_expression"
        )
    };
    match kind {
        "identifier" => out.push(((grammar.path_of)(inner, b.src), !negate)),
        "attribute" | "member_expression" => {
            let path = (grammar.path_of)(inner, b.src);
            if path.contains("()") {
                return;
            }
            let root = path.split('.').next().unwrap_or(&path).to_string();
            out.push((path, !negate));
            // `x.f` needs `x`; `!x?.f` is true when `x` holds nothing.
            if !negate {
                out.push((root, true));
            } else if b.text(node_span(inner)).contains("?.") {
                out.push((root, false));
            }
        }
        _ if kind == grammar.not && (grammar.not_operator.is_none() || operator() == "!") => {
            if let Some(argument) = inner.field(Field::Argument) {
                presence_at(b, grammar, argument, !negate, depth + 1, out);
            }
        }
        "boolean_operator" | "binary_expression"
            if matches!(operator(), "and" | "or" | "&&" | "||") =>
        {
            let and = matches!(operator(), "and" | "&&") != negate;
            let mut sides = Vec::new();
            for side in [Field::Left, Field::Right] {
                if let Some(operand) = inner.field(side) {
                    presence_at(b, grammar, operand, negate, depth + 1, &mut sides);
                }
            }
            // Under `and` each side's need stays a need; under `or` each side's enough stays
            // enough.
            out.extend(sides.into_iter().filter(|(_, set)| *set == and));
        }
        "comparison_operator" | "binary_expression" => {
            let operands: Vec<Node> = super::named_children(inner).collect();
            let op = if kind == "binary_expression" {
                operator().to_string()
            } else {
                let mut cursor = inner.walk();
                let ops: Vec<&str> = inner
                    .children(&mut cursor)
                    .filter(|c| !c.is_named())
                    .map(|c| c.kind_name())
                    .collect();
                if ops.len() != 1 {
                    return;
                }
                ops[0].to_string()
            };
            let equal = match op.as_str() {
                "is" | "==" | "===" => true,
                "is not" | "!=" | "!==" => false,
                _ => return,
            };
            let [left, right] = operands[..] else {
                return;
            };
            let left = (grammar.unwrap)(left);
            let right = (grammar.unwrap)(right);
            let name = if nothing(right) && plain(left) {
                left
            } else if nothing(left) && plain(right) {
                right
            } else {
                return;
            };
            // `x is None` is enough; `x is not None` is a need.
            out.push(((grammar.path_of)(name, b.src), equal == negate));
        }
        "call" => {
            // `getattr(x, "f", False)`: `x.f` that reads nothing as false.
            let named = inner
                .field(Field::Function)
                .is_some_and(|f| b.text(node_span(f)) == "getattr");
            let args: Vec<Node> = inner
                .field(Field::Arguments)
                .map(|a| super::named_children(a).collect())
                .unwrap_or_default();
            let falsy_default = args
                .get(2)
                .is_some_and(|d| matches!(d.kind_name(), "false" | "none"));
            if named && args.len() == 3 && falsy_default && plain(args[0]) {
                out.push(((grammar.path_of)(args[0], b.src), !negate));
            }
        }
        _ => {}
    }
}
