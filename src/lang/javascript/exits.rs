//! Exits: `try` / `catch`, `return` and `throw`, the values they carry and whether a block ends.

use tree_sitter::Node;

use super::{Lowerer, path_of, string_content, unwrap};
use crate::lang::fields::{Field, FieldExt};
use crate::lang::{named_children, node_span};
use crate::model::*;

/// The statement returns or throws on every path: control never continues after it in the
/// function (`break` and `continue` do not count).
pub(super) fn exits_function(statement: Node, depth: usize) -> bool {
    if depth > 32 {
        return false;
    }
    match statement.kind_name() {
        "return_statement" | "throw_statement" => true,
        "statement_block" => named_children(statement).any(|s| exits_function(s, depth + 1)),
        "if_statement" => {
            let consequence = statement.field(Field::Consequence);
            let alternative = statement
                .field(Field::Alternative)
                .and_then(|a| a.named_child(0));
            matches!(
                (consequence, alternative),
                (Some(c), Some(a)) if exits_function(c, depth + 1) && exits_function(a, depth + 1)
            )
        }
        _ => false,
    }
}

/// Control cannot reach the end of the block.
pub(super) fn block_terminates(block: Node, src: &[u8]) -> bool {
    named_children(block).any(|s| statement_terminates(s, src, 0))
}

fn statement_terminates(statement: Node, src: &[u8], depth: usize) -> bool {
    if depth > 32 {
        return false;
    }
    match statement.kind_name() {
        "return_statement" | "throw_statement" | "break_statement" | "continue_statement" => true,
        "statement_block" => {
            named_children(statement).any(|s| statement_terminates(s, src, depth + 1))
        }
        "if_statement" => {
            let consequence = statement.field(Field::Consequence);
            let alternative = statement
                .field(Field::Alternative)
                .and_then(|a| a.named_child(0));
            matches!(
                (consequence, alternative),
                (Some(c), Some(a)) if statement_terminates(c, src, depth + 1)
                    && statement_terminates(a, src, depth + 1)
            )
        }
        "expression_statement" => statement.named_child(0).is_some_and(|e| {
            let e = unwrap(e);
            e.kind_name() == "call_expression"
                && e.field(Field::Function)
                    .is_some_and(|f| path_of(f, src) == "process.exit")
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
        if let Some(clause) = node.field(Field::Handler) {
            let binding = clause
                .field(Field::Parameter)
                .filter(|p| p.kind_name() == "identifier")
                .map(|p| (self.text(p).to_string(), node_span(p)));
            let clause_body = clause.field(Field::Body);
            let head = Span::new(
                clause.start_byte(),
                clause_body.map_or(clause.end_byte(), |b| b.start_byte() + 1),
            );
            self.b.open_handler(id, head, node_span(clause), binding);
            if let Some(clause_body) = clause_body {
                self.children(clause_body, depth + 1);
                let falls = !block_terminates(clause_body, self.b.src);
                let logs = self.only_logs(clause_body);
                self.b.close_handler(falls, logs);
            } else {
                self.b.close_handler(true, true);
            }
        }
        if let Some(finalizer) = node.field(Field::Finalizer) {
            self.visit(finalizer, depth + 1);
        }
    }

    pub(super) fn return_value(&mut self, statement: Node, value: Option<Node>, depth: usize) {
        if let Some(v) = value.map(unwrap) {
            let (class, name) = match v.kind_name() {
                "new_expression" => (
                    v.field(Field::Constructor).map(|c| path_of(c, self.b.src)),
                    None,
                ),
                "identifier" | "member_expression" => (None, Some(path_of(v, self.b.src))),
                _ => (None, None),
            };
            if class.is_some() || name.is_some() {
                self.b.model.returned.push(Returned {
                    func: self.b.current(),
                    class,
                    name,
                });
            }
        }
        let decision = value.map_or(Value::Null, |v| self.value_of(unwrap(v)));
        if self.b.in_handler() {
            let exit = match value.map(unwrap) {
                Some(v)
                    if v.kind_name() == "call_expression"
                        && v.field(Field::Function)
                            .is_some_and(|f| self.text(f) == "next")
                        && v.field(Field::Arguments)
                            .is_some_and(|a| a.named_child_count() == 0) =>
                {
                    ExitKind::CallsNext
                }
                _ => ExitKind::Return(decision),
            };
            self.b.handler_exit(node_span(statement), exit);
        }
        let hits = value.map(|v| self.taint(v, 0)).unwrap_or_default();
        if value.is_some_and(|v| self.is_empty_value(unwrap(v))) {
            self.b.model.empty_returns.push(node_span(statement));
        }
        self.b
            .exit(ExitStatement::Return, node_span(statement), hits, decision);
        if let Some(value) = value {
            match unwrap(value).kind_name() {
                "call_expression" | "new_expression" => {
                    self.call(unwrap(value), depth + 1, true, None)
                }
                "object" => {
                    self.visit(value, depth + 1);
                    self.table(None, unwrap(value));
                }
                _ => self.visit(value, depth + 1),
            }
        }
    }

    pub(super) fn throw(&mut self, node: Node, depth: usize) {
        let value = node.named_child(0);
        if self.b.in_handler() {
            let name = match value.map(unwrap) {
                Some(v) if v.kind_name() == "identifier" => self.text(v).to_string(),
                _ => String::new(),
            };
            self.b.handler_throw(node_span(node), Some(&name));
        }
        let hits = value.map(|v| self.taint(v, 0)).unwrap_or_default();
        self.b
            .exit(ExitStatement::Throw, node_span(node), hits, Value::Other);
        if let Some(value) = value {
            self.visit(value, depth + 1);
        }
    }

    /// What a returned or assigned value means for an access decision.
    /// `{}`, `[]`, `0`, `""`, `new Map()`: nothing counted or stored yet.
    fn is_empty_value(&self, node: Node) -> bool {
        match node.kind_name() {
            "object" | "array" => node.named_child_count() == 0,
            "number" => self.text(node).parse::<f64>().is_ok_and(|v| v == 0.0),
            "string" => node.named_child_count() == 0 && self.text(node).len() == 2,
            "new_expression" => {
                let class = node.field(Field::Constructor).map(|c| self.text(c));
                let no_args = node
                    .field(Field::Arguments)
                    .is_none_or(|a| a.named_child_count() == 0);
                no_args && matches!(class, Some("Map" | "Set"))
            }
            _ => false,
        }
    }

    pub(super) fn value_of(&self, node: Node) -> Value {
        match node.kind_name() {
            "true" => Value::True,
            "false" => Value::False,
            "binary_expression" => {
                let operator = node
                    .field(Field::Operator)
                    .map(|o| self.text(o))
                    .unwrap_or("");
                match operator {
                    "===" | "!==" | "==" | "!=" | "<" | ">" | "<=" | ">=" | "instanceof" | "in" => {
                        Value::Boolean
                    }
                    "&&" | "||" => {
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
                    _ => Value::Other,
                }
            }
            "unary_expression"
                if node
                    .field(Field::Operator)
                    .is_some_and(|o| self.text(o) == "!") =>
            {
                Value::Boolean
            }
            "call_expression" => {
                let callee = node
                    .field(Field::Function)
                    .map(|f| path_of(f, self.b.src))
                    .unwrap_or_default();
                let method = callee.rsplit('.').next().unwrap_or(&callee);
                let boolean = matches!(callee.as_str(), "Boolean" | "Array.isArray" | "isNaN")
                    || matches!(
                        method,
                        "includes" | "startsWith" | "endsWith" | "test" | "some" | "every" | "has"
                    );
                if boolean {
                    Value::Boolean
                } else {
                    Value::Other
                }
            }
            "null" | "undefined" => Value::Null,
            "identifier" if self.text(node) == "undefined" => Value::Null,
            "string" => self
                .b
                .vocabulary
                .string_decision(&string_content(node, self.b.src).unwrap_or_default()),
            "number" | "template_string" | "array" => Value::Literal,
            "object" => {
                let mut degraded = false;
                for pair in named_children(node).filter(|p| p.kind_name() == "pair") {
                    let (Some(key), Some(value)) =
                        (pair.field(Field::Key), pair.field(Field::Value))
                    else {
                        continue;
                    };
                    let key = string_content(key, self.b.src)
                        .unwrap_or_else(|| self.text(key).to_string());
                    if self.b.vocabulary.is_allow_key(&key) {
                        match unwrap(value).kind_name() {
                            "true" => return Value::Allow,
                            "false" => return Value::Deny,
                            _ => {}
                        }
                    }
                    degraded |= self.b.vocabulary.is_degraded_key(&key)
                        && unwrap(value).kind_name() == "true";
                }
                if degraded {
                    Value::Degraded
                } else {
                    Value::Literal
                }
            }
            _ => Value::Other,
        }
    }

    pub(super) fn only_logs(&self, block: Node) -> bool {
        named_children(block).all(|statement| match statement.kind_name() {
            "comment" | "empty_statement" => true,
            "expression_statement" => statement.named_child(0).is_some_and(|e| {
                let e = unwrap(e);
                e.kind_name() == "call_expression"
                    && e.field(Field::Function)
                        .is_some_and(|f| self.b.vocabulary.is_logger(&path_of(f, self.b.src)))
            }),
            _ => false,
        })
    }
}
