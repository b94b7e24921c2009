//! Classes: fields written and states tested, for breaker-shaped classes.

use tree_sitter::Node;

use super::exits::exits_function;
use super::{Lowerer, path_of, string_content, unwrap};
use crate::lang::builder::{may_hold_open_time, state_constant};
use crate::lang::fields::{Field, FieldExt};
use crate::lang::{named_children, node_span};
use crate::model::*;

impl Lowerer<'_> {
    /// `self.state = "open"` and `self._func = func` inside a class.
    pub(super) fn class_field_write(&mut self, left: Node, value: Node, assignment: Node) {
        if left.kind_name() != "attribute" {
            return;
        }
        let Some(attribute) = left.field(Field::Attribute) else {
            return;
        };
        let field = self.text(attribute).to_string();
        let text = if value.kind_name() == "attribute" {
            path_of(value, self.b.src)
        } else {
            self.text(value).to_string()
        };
        if let Some(constant) =
            state_constant(value.kind_name(), &text, string_content(value, self.b.src))
        {
            self.b
                .add_state_write(field.clone(), constant, node_span(assignment));
        } else if may_hold_open_time(&field) {
            // `self.opened_at = time.monotonic()`: a time, for a timestamp-held state.
            self.b
                .add_state_write(field.clone(), "*".into(), node_span(assignment));
        }
        let on_self = left
            .field(Field::Object)
            .is_some_and(|o| o.kind_name() == "identifier" && self.text(o) == "self");
        if on_self && value.kind_name() == "identifier" && self.b.is_param(self.text(value)) {
            self.b.add_callable_field(field);
        }
    }

    /// The field comparisons in an `if` / `elif` condition, each with the branches it selects.
    pub(super) fn state_tests(&mut self, statement: Node, condition: Node) {
        let Some(consequence) = statement.field(Field::Consequence) else {
            return;
        };
        let has_elif = named_children(statement).any(|c| c.kind_name() == "elif_clause");
        let alternative = named_children(statement)
            .find(|c| c.kind_name() == "else_clause")
            .filter(|_| !has_elif)
            .and_then(|e| e.field(Field::Body));
        let mut found = Vec::new();
        let joined = self.comparisons(unwrap(condition), &mut found, 0);
        for (field, value, equal, in_list) in found {
            self.b.add_state_test(StateTest {
                func: MODULE,
                field,
                value,
                equal,
                joined: if in_list && joined == Joined::Single {
                    Joined::Or
                } else {
                    joined
                },
                body: node_span(consequence),
                body_exits: exits_function(consequence, 0),
                alternative: alternative.map(node_span),
                alternative_exits: alternative.is_some_and(|a| exits_function(a, 0)),
            });
        }
    }

    /// Collects `<x>.<field> == <constant>` tests (`is`, `!=`, `is not`, `in (...)`, and
    /// `x.is_open` / `x.is_open()` as `is_open == True`) joined by one kind of `and` / `or`.
    fn comparisons(
        &self,
        node: Node,
        out: &mut Vec<(String, String, bool, bool)>,
        depth: usize,
    ) -> Joined {
        if depth > 16 {
            return Joined::Single;
        }
        let node = unwrap(node);
        match node.kind_name() {
            "boolean_operator" => {
                let joined = match node.field(Field::Operator).map(|o| o.kind_name()) {
                    Some("and") => Joined::And,
                    _ => Joined::Or,
                };
                let mut inner = Vec::new();
                let a = node.field(Field::Left).map_or(Joined::Single, |l| {
                    self.comparisons(l, &mut inner, depth + 1)
                });
                let b = node.field(Field::Right).map_or(Joined::Single, |r| {
                    self.comparisons(r, &mut inner, depth + 1)
                });
                if [a, b].iter().all(|j| *j == Joined::Single || *j == joined) {
                    out.extend(inner);
                }
                joined
            }
            "comparison_operator" => {
                let operands: Vec<Node> = named_children(node).collect();
                let mut cursor = node.walk();
                let operators: Vec<&str> = node
                    .children(&mut cursor)
                    .filter(|c| !c.is_named())
                    .map(|c| c.kind_name())
                    .collect();
                if operands.len() != 2 || operators.len() != 1 {
                    return Joined::Single;
                }
                let (equal, membership) = match operators[0] {
                    "==" | "is" => (true, false),
                    "!=" | "is not" => (false, false),
                    "in" => (true, true),
                    "<" | ">" | "<=" | ">=" => {
                        // `now < self._open_until`: a timestamp-held state, open while the
                        // field is later than the other side.
                        let later = |field_first: bool| match operators[0] {
                            ">" | ">=" => field_first,
                            _ => !field_first,
                        };
                        let time_field =
                            |n: Node| self.field_name(n).filter(|f| may_hold_open_time(f));
                        if let Some(field) = time_field(operands[0]) {
                            out.push((field, "*".into(), later(true), false));
                        } else if let Some(field) = time_field(operands[1]) {
                            out.push((field, "*".into(), later(false), false));
                        }
                        return Joined::Single;
                    }
                    _ => return Joined::Single,
                };
                if membership {
                    if let (Some(field), true) = (
                        self.field_name(operands[0]),
                        matches!(operands[1].kind_name(), "tuple" | "list" | "set"),
                    ) {
                        for item in named_children(operands[1]) {
                            if let Some(value) = self.constant(item) {
                                out.push((field.clone(), value, true, true));
                            }
                        }
                    }
                    return Joined::Single;
                }
                let pair = self
                    .field_name(operands[0])
                    .zip(self.constant(operands[1]))
                    .or_else(|| self.field_name(operands[1]).zip(self.constant(operands[0])));
                if let Some((field, value)) = pair {
                    out.push((field, value, equal, false));
                }
                Joined::Single
            }
            "not_operator" => {
                if let Some(field) = node.field(Field::Argument).and_then(|a| self.flag_field(a)) {
                    out.push((field, "true".into(), false, false));
                }
                Joined::Single
            }
            _ => {
                if let Some(field) = self.flag_field(node) {
                    out.push((field, "true".into(), true, false));
                }
                Joined::Single
            }
        }
    }

    /// `x.is_open()` or `x.is_open`: the attribute's name, for a flag-like test.
    fn flag_field(&self, node: Node) -> Option<String> {
        let node = unwrap(node);
        let target = match node.kind_name() {
            "call" => {
                let arguments = node.field(Field::Arguments)?;
                if arguments.named_child_count() > 0 {
                    return None;
                }
                node.field(Field::Function)?
            }
            _ => node,
        };
        self.field_name(target)
    }

    fn field_name(&self, node: Node) -> Option<String> {
        let node = unwrap(node);
        // A plain name of an inline breaker: `_circuit_open`, `_open_until`.
        if node.kind_name() == "identifier" {
            let name = self.text(node);
            return may_hold_open_time(name).then(|| name.to_string());
        }
        if node.kind_name() != "attribute" {
            return None;
        }
        node.field(Field::Attribute)
            .map(|a| self.text(a).to_string())
    }

    pub(super) fn constant(&self, node: Node) -> Option<String> {
        let node = unwrap(node);
        let text = if node.kind_name() == "attribute" {
            path_of(node, self.b.src)
        } else {
            self.text(node).to_string()
        };
        state_constant(node.kind_name(), &text, string_content(node, self.b.src))
    }
}
