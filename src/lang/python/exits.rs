//! Exits: `try` / `except`, `return` and `raise`, the values they carry and whether a block ends.

use tree_sitter::Node;

use super::{Lowerer, path_of, string_content, unwrap};
use crate::lang::fields::{Field, FieldExt};
use crate::lang::{class_like, named_children, node_span};
use crate::model::*;

/// The statement returns or raises on every path: control never continues after it in the
/// function (`break` and `continue` do not count).
pub(super) fn exits_function(statement: Node, depth: usize) -> bool {
    if depth > 32 {
        return false;
    }
    match statement.kind_name() {
        "return_statement" | "raise_statement" => true,
        "block" => named_children(statement).any(|s| exits_function(s, depth + 1)),
        "if_statement" => {
            let consequence = statement.field(Field::Consequence);
            let else_clause = named_children(statement).find(|c| c.kind_name() == "else_clause");
            let has_elif = named_children(statement).any(|c| c.kind_name() == "elif_clause");
            let alternative = else_clause.and_then(|e| e.field(Field::Body));
            !has_elif
                && matches!(
                    (consequence, alternative),
                    (Some(c), Some(a)) if exits_function(c, depth + 1) && exits_function(a, depth + 1)
                )
        }
        _ => false,
    }
}

fn block_terminates(block: Node, src: &[u8]) -> bool {
    named_children(block).any(|s| statement_terminates(s, src, 0))
}

fn statement_terminates(statement: Node, src: &[u8], depth: usize) -> bool {
    if depth > 32 {
        return false;
    }
    match statement.kind_name() {
        "return_statement" | "raise_statement" | "break_statement" | "continue_statement" => true,
        "block" => named_children(statement).any(|s| statement_terminates(s, src, depth + 1)),
        "if_statement" => {
            let consequence = statement.field(Field::Consequence);
            let else_clause = named_children(statement).find(|c| c.kind_name() == "else_clause");
            let has_elif = named_children(statement).any(|c| c.kind_name() == "elif_clause");
            let alternative = else_clause.and_then(|e| e.field(Field::Body));
            !has_elif
                && matches!(
                    (consequence, alternative),
                    (Some(c), Some(a)) if statement_terminates(c, src, depth + 1)
                        && statement_terminates(a, src, depth + 1)
                )
        }
        "expression_statement" => named_children(statement).any(|e| {
            let e = unwrap(e);
            e.kind_name() == "call"
                && e.field(Field::Function).is_some_and(|f| {
                    matches!(path_of(f, src).as_str(), "sys.exit" | "exit" | "os._exit")
                })
        }),
        _ => false,
    }
}

impl Lowerer<'_> {
    pub(super) fn try_statement(&mut self, node: Node, depth: usize) {
        let Some(body) = node.field(Field::Body) else {
            return self.children(node, depth);
        };
        let id = self.b.begin_try(TryKind::Statement, node_span(body));
        self.b.open_try_body(id);
        self.children(body, depth + 1);
        self.b.close_try_body();
        for clause in named_children(node) {
            match clause.kind_name() {
                "except_clause" | "except_group_clause" => {
                    let block = named_children(clause).find(|c| c.kind_name() == "block");
                    let binding = clause
                        .field(Field::Alias)
                        .or_else(|| {
                            // Older grammars: `except X as e` as an as_pattern.
                            named_children(clause)
                                .find(|c| c.kind_name() == "as_pattern")
                                .and_then(|p| p.field(Field::Alias))
                        })
                        .map(|a| (self.text(a).to_string(), node_span(a)));
                    let head = Span::new(
                        clause.start_byte(),
                        block.map_or(clause.end_byte(), |b| b.start_byte()),
                    );
                    self.b.open_handler(id, head, node_span(clause), binding);
                    let types = self.except_types(clause);
                    if let Some(h) = self.b.model.tries[id].handlers.last_mut() {
                        h.types = types;
                    }
                    if let Some(block) = block {
                        self.children(block, depth + 1);
                        let falls = !block_terminates(block, self.b.src);
                        let logs = self.only_logs(block);
                        self.b.close_handler(falls, logs);
                    } else {
                        self.b.close_handler(true, true);
                    }
                }
                "else_clause" | "finally_clause" => self.visit(clause, depth + 1),
                _ => {}
            }
        }
    }

    /// `except (ValueError, jwt.InvalidTokenError) as e:` -> the names of the types.
    fn except_types(&self, clause: Node) -> Vec<String> {
        let Some(first) = named_children(clause).find(|c| c.kind_name() != "block") else {
            return Vec::new();
        };
        let first = if first.kind_name() == "as_pattern" {
            first.named_child(0).unwrap_or(first)
        } else {
            first
        };
        let names: Vec<Node> = match first.kind_name() {
            "tuple" | "parenthesized_expression" | "expression_list" => named_children(first)
                .flat_map(|n| {
                    if n.kind_name() == "tuple" {
                        named_children(n).collect::<Vec<_>>()
                    } else {
                        vec![n]
                    }
                })
                .collect(),
            _ => vec![first],
        };
        names
            .into_iter()
            .filter(|n| matches!(n.kind_name(), "identifier" | "attribute"))
            .map(|n| path_of(n, self.b.src))
            .collect()
    }

    pub(super) fn return_value(&mut self, statement: Node, value: Option<Node>, depth: usize) {
        if self.b.in_handler() {
            let decision = value.map_or(Value::Null, |v| self.value_of(unwrap(v)));
            self.b
                .handler_exit(node_span(statement), ExitKind::Return(decision));
        }
        if let Some(v) = value.map(unwrap) {
            self.returned(v);
        }
        let hits = value.map(|v| self.taint(v, 0)).unwrap_or_default();
        let decision = value.map_or(Value::Null, |v| self.value_of(unwrap(v)));
        if value.is_some_and(|v| self.is_empty_value(unwrap(v))) {
            self.b.model.empty_returns.push(node_span(statement));
        }
        self.b
            .exit(ExitStatement::Return, node_span(statement), hits, decision);
        if let Some(value) = value {
            self.visit(value, depth + 1);
            if unwrap(value).kind_name() == "dictionary" {
                self.table(None, unwrap(value));
            }
        }
    }

    /// `return Client(...)` names a class, `return _client` a name the link stage looks up.
    fn returned(&mut self, value: Node) {
        let (class, name) = match value.kind_name() {
            "call" => {
                let Some(function) = value.field(Field::Function) else {
                    return;
                };
                let class = path_of(function, self.b.src);
                let last = class.rsplit('.').next().unwrap_or(&class);
                if !class_like(last) {
                    return;
                }
                (Some(class), None)
            }
            "identifier" | "attribute" => (None, Some(path_of(value, self.b.src))),
            _ => return,
        };
        self.b.model.returned.push(Returned {
            func: self.b.current(),
            class,
            name,
        });
    }

    pub(super) fn raise(&mut self, node: Node, depth: usize) {
        let cause = node.field(Field::Cause);
        let value = named_children(node).find(|c| Some(*c) != cause && c.kind_name() != "comment");
        if self.b.in_handler() {
            let name = match value {
                None => None,
                Some(v) if v.kind_name() == "identifier" => Some(self.text(v).to_string()),
                Some(_) => Some(String::new()),
            };
            self.b.handler_throw(node_span(node), name.as_deref());
        }
        let hits = value.map(|v| self.taint(v, 0)).unwrap_or_default();
        self.b
            .exit(ExitStatement::Throw, node_span(node), hits, Value::Other);
        self.children(node, depth);
    }

    /// `{}`, `[]`, `()`, `0`, `0.0`, `""`, `dict()`, `list()`, `set()`: nothing counted or
    /// stored yet.
    fn is_empty_value(&self, node: Node) -> bool {
        match node.kind_name() {
            "dictionary" | "list" | "tuple" => node.named_child_count() == 0,
            "integer" | "float" => self.text(node).parse::<f64>().is_ok_and(|v| v == 0.0),
            "string" => string_content(node, self.b.src).is_some_and(|s| s.is_empty()),
            "call" => {
                let callee = node.field(Field::Function).map(|f| self.text(f));
                let no_args = node
                    .field(Field::Arguments)
                    .is_some_and(|a| a.named_child_count() == 0);
                no_args && matches!(callee, Some("dict" | "list" | "set" | "tuple"))
            }
            _ => false,
        }
    }

    pub(super) fn value_of(&self, node: Node) -> Value {
        match node.kind_name() {
            "true" => Value::True,
            "false" => Value::False,
            "comparison_operator" | "not_operator" => Value::Boolean,
            "boolean_operator" => {
                let boolean = [Field::Left, Field::Right].iter().any(|f| {
                    node.field(*f).is_some_and(|side| {
                        matches!(
                            self.value_of(unwrap(side)),
                            Value::True | Value::False | Value::Boolean
                        )
                    })
                });
                if boolean {
                    Value::Boolean
                } else {
                    Value::Other
                }
            }
            "call"
                if node
                    .field(Field::Function)
                    .map(|f| path_of(f, self.b.src))
                    .is_some_and(|callee| {
                        let method = callee.rsplit('.').next().unwrap_or(&callee).to_string();
                        matches!(
                            callee.as_str(),
                            "bool"
                                | "any"
                                | "all"
                                | "isinstance"
                                | "issubclass"
                                | "callable"
                                | "hasattr"
                        ) || matches!(
                            method.as_str(),
                            "startswith" | "endswith" | "compare_digest"
                        )
                    }) =>
            {
                Value::Boolean
            }
            "none" => Value::Null,
            "string" => match string_content(node, self.b.src) {
                Some(s) => self.b.vocabulary.string_decision(&s),
                None => Value::Literal,
            },
            // `return True, None` / `return False, "quota"`: the first element is the decision.
            "tuple" | "expression_list" => match named_children(node).next().map(|n| n.kind_name())
            {
                Some("true") => Value::Allow,
                Some("false") => Value::Deny,
                _ => Value::Literal,
            },
            "integer" | "float" | "list" => Value::Literal,
            "dictionary" => {
                let mut degraded = false;
                for pair in named_children(node).filter(|p| p.kind_name() == "pair") {
                    let (Some(key), Some(value)) =
                        (pair.field(Field::Key), pair.field(Field::Value))
                    else {
                        continue;
                    };
                    let Some(key) = string_content(key, self.b.src) else {
                        continue;
                    };
                    if self.b.vocabulary.is_allow_key(&key) {
                        match value.kind_name() {
                            "true" => return Value::Allow,
                            "false" => return Value::Deny,
                            _ => {}
                        }
                    }
                    degraded |=
                        self.b.vocabulary.is_degraded_key(&key) && value.kind_name() == "true";
                }
                if degraded {
                    Value::Degraded
                } else {
                    Value::Literal
                }
            }
            "call" => {
                // `dict(allowed=True)`, `AuthResult(valid=True)`.
                let Some(arguments) = node.field(Field::Arguments) else {
                    return Value::Other;
                };
                for kw in named_children(arguments).filter(|a| a.kind_name() == "keyword_argument")
                {
                    let name = kw.field(Field::Name).map(|n| self.text(n));
                    let value = kw.field(Field::Value).map(|v| v.kind_name());
                    if let (Some(name), Some(value)) = (name, value) {
                        if self.b.vocabulary.is_allow_key(name) {
                            return match value {
                                "true" => Value::Allow,
                                "false" => Value::Deny,
                                _ => Value::Other,
                            };
                        }
                    }
                }
                Value::Other
            }
            _ => Value::Other,
        }
    }

    fn only_logs(&self, block: Node) -> bool {
        named_children(block).all(|statement| match statement.kind_name() {
            "comment" | "pass_statement" => true,
            "expression_statement" => named_children(statement).all(|e| {
                let e = unwrap(e);
                e.kind_name() == "string"
                    || e.kind_name() == "call"
                        && e.field(Field::Function)
                            .is_some_and(|f| self.b.vocabulary.is_logger(&path_of(f, self.b.src)))
            }),
            _ => false,
        })
    }
}
