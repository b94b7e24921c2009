//! Classes: fields written and states tested, for breaker-shaped classes.

use tree_sitter::Node;

use super::exits::exits_function;
use super::{Lowerer, path_of, string_content, unwrap};
use crate::lang::builder::{may_hold_open_time, state_constant};
use crate::lang::fields::{Field, FieldExt};
use crate::lang::{named_children, node_span};
use crate::model::*;

impl Lowerer<'_> {
    /// `this.state = "open"` and `this.action = action` inside a class.
    pub(super) fn class_field_write(&mut self, left: Node, right: Node, assignment: Node) {
        if left.kind_name() != "member_expression" {
            return;
        }
        let Some(property) = left.field(Field::Property) else {
            return;
        };
        let field = self.text(property).trim_start_matches('#').to_string();
        let value = unwrap(right);
        let string = string_content(value, self.b.src);
        let value_text = if value.kind_name() == "member_expression" {
            path_of(value, self.b.src)
        } else {
            self.text(value).to_string()
        };
        if let Some(constant) = state_constant(value.kind_name(), &value_text, string) {
            self.b
                .add_state_write(field.clone(), constant, node_span(assignment));
        } else if may_hold_open_time(&field) {
            // `this.openedAt = Date.now()`: a time, for a timestamp-held state.
            self.b
                .add_state_write(field.clone(), "*".into(), node_span(assignment));
        }
        let on_this = left
            .field(Field::Object)
            .is_some_and(|o| o.kind_name() == "this");
        if on_this && value.kind_name() == "identifier" && self.b.is_param(self.text(value)) {
            self.b.add_callable_field(field);
        }
    }

    /// The field comparisons in an `if` condition, each with the branches it selects.
    pub(super) fn state_tests(&mut self, statement: Node, condition: Node) {
        let Some(consequence) = statement.field(Field::Consequence) else {
            return;
        };
        let alternative = statement
            .field(Field::Alternative)
            .and_then(|a| named_children(a).find(|c| c.kind_name() != "comment"))
            .filter(|a| a.kind_name() != "if_statement");
        let mut found = Vec::new();
        let joined = self.comparisons(unwrap(condition), &mut found, 0);
        for (field, value, equal) in found {
            self.b.add_state_test(StateTest {
                func: MODULE,
                field,
                value,
                equal,
                joined,
                body: node_span(consequence),
                body_exits: exits_function(consequence, 0),
                alternative: alternative.map(node_span),
                alternative_exits: alternative.is_some_and(|a| exits_function(a, 0)),
            });
        }
    }

    /// Collects `<x>.<field> === <constant>` tests (and `x.isOpen()` / `x.isOpen` as
    /// `isOpen === true`) joined by one kind of `&&` / `||`.
    fn comparisons(
        &self,
        node: Node,
        out: &mut Vec<(String, String, bool)>,
        depth: usize,
    ) -> Joined {
        if depth > 16 {
            return Joined::Single;
        }
        let node = unwrap(node);
        match node.kind_name() {
            "binary_expression" => {
                let operator = node
                    .field(Field::Operator)
                    .map(|o| self.text(o))
                    .unwrap_or("");
                let (Some(left), Some(right)) = (node.field(Field::Left), node.field(Field::Right))
                else {
                    return Joined::Single;
                };
                match operator {
                    "&&" | "||" => {
                        let joined = if operator == "&&" {
                            Joined::And
                        } else {
                            Joined::Or
                        };
                        let mut inner = Vec::new();
                        let a = self.comparisons(left, &mut inner, depth + 1);
                        let b = self.comparisons(right, &mut inner, depth + 1);
                        // A mix of `&&` and `||` selects nothing simple.
                        if [a, b].iter().all(|j| *j == Joined::Single || *j == joined) {
                            out.extend(inner);
                        }
                        joined
                    }
                    "===" | "==" | "!==" | "!=" => {
                        let equal = operator.starts_with('=');
                        if let Some((field, value)) = self
                            .field_and_constant(left, right)
                            .or_else(|| self.field_and_constant(right, left))
                        {
                            out.push((field, value, equal));
                        }
                        Joined::Single
                    }
                    "<" | ">" | "<=" | ">=" => {
                        // `Date.now() < this.openUntil`: a timestamp-held state, open while
                        // the field is later than the other side.
                        let time_field = |n: Node| {
                            let n = unwrap(n);
                            match n.kind_name() {
                                "member_expression" => n.field(Field::Property),
                                "identifier" => Some(n),
                                _ => None,
                            }
                            .map(|p| self.text(p).trim_start_matches('#').to_string())
                            .filter(|f| may_hold_open_time(f))
                        };
                        let field_later = operator.starts_with('>');
                        if let Some(field) = time_field(left) {
                            out.push((field, "*".into(), field_later));
                        } else if let Some(field) = time_field(right) {
                            out.push((field, "*".into(), !field_later));
                        }
                        Joined::Single
                    }
                    _ => Joined::Single,
                }
            }
            "unary_expression" => {
                let not = node
                    .field(Field::Operator)
                    .is_some_and(|o| self.text(o) == "!");
                if let (true, Some(argument)) = (not, node.field(Field::Argument)) {
                    if let Some(field) = self.flag_field(argument) {
                        out.push((field, "true".into(), false));
                    }
                }
                Joined::Single
            }
            _ => {
                if let Some(field) = self.flag_field(node) {
                    out.push((field, "true".into(), true));
                }
                Joined::Single
            }
        }
    }

    /// `x.isOpen()` or `x.isOpen`: the field or method name, for a flag-like test.
    fn flag_field(&self, node: Node) -> Option<String> {
        let node = unwrap(node);
        let target = match node.kind_name() {
            "call_expression" => {
                let arguments = node.field(Field::Arguments)?;
                if arguments.named_child_count() > 0 {
                    return None;
                }
                node.field(Field::Function)?
            }
            _ => node,
        };
        if target.kind_name() == "identifier" {
            let name = self.text(target);
            return may_hold_open_time(name).then(|| name.to_string());
        }
        if target.kind_name() != "member_expression" {
            return None;
        }
        let property = target.field(Field::Property)?;
        Some(self.text(property).trim_start_matches('#').to_string())
    }

    /// `this.state` against `"open"` / `CircuitState.OPEN` / `OPEN`.
    fn field_and_constant(&self, field: Node, constant: Node) -> Option<(String, String)> {
        let field = unwrap(field);
        let property = match field.kind_name() {
            "member_expression" => field.field(Field::Property)?,
            // A plain name of an inline breaker: `circuitOpenUntil === 0`.
            "identifier" if may_hold_open_time(self.text(field)) => field,
            _ => return None,
        };
        let constant = unwrap(constant);
        let text = if constant.kind_name() == "member_expression" {
            path_of(constant, self.b.src)
        } else {
            self.text(constant).to_string()
        };
        let value = state_constant(
            constant.kind_name(),
            &text,
            string_content(constant, self.b.src),
        )?;
        Some((
            self.text(property).trim_start_matches('#').to_string(),
            value,
        ))
    }

    /// `switch (this.state) { case "open": ... }`: one test per case.
    pub(super) fn switch_state_tests(&mut self, statement: Node) {
        let Some(value) = statement.field(Field::Value) else {
            return;
        };
        let subject = unwrap(value);
        if subject.kind_name() != "member_expression" {
            return;
        }
        let Some(property) = subject.field(Field::Property) else {
            return;
        };
        let field = self.text(property).trim_start_matches('#').to_string();
        let Some(body) = statement.field(Field::Body) else {
            return;
        };
        for case in named_children(body).filter(|c| c.kind_name() == "switch_case") {
            let Some(constant) = case.field(Field::Value) else {
                continue;
            };
            let constant = unwrap(constant);
            let text = if constant.kind_name() == "member_expression" {
                path_of(constant, self.b.src)
            } else {
                self.text(constant).to_string()
            };
            let Some(value) = state_constant(
                constant.kind_name(),
                &text,
                string_content(constant, self.b.src),
            ) else {
                continue;
            };
            let exits = named_children(case)
                .filter(|c| Some(*c) != case.field(Field::Value))
                .any(|c| exits_function(c, 0));
            self.b.add_state_test(StateTest {
                func: MODULE,
                field: field.clone(),
                value,
                equal: true,
                joined: Joined::Single,
                body: node_span(case),
                body_exits: exits,
                alternative: None,
                alternative_exits: false,
            });
        }
    }
}
