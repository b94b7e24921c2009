//! Calls: the callee, its arguments and the literals they carry.

use tree_sitter::Node;

use super::{Lowerer, path_of, string_content, unwrap};
use crate::lang::builder::MAX_DEPTH;
use crate::lang::fields::{Field, FieldExt};
use crate::lang::shared::element_args;
use crate::lang::{named_children, node_span};
use crate::model::*;

impl Lowerer<'_> {
    pub(super) fn call(
        &mut self,
        node: Node,
        depth: usize,
        used: bool,
        assigned_to: Option<String>,
    ) {
        if depth > MAX_DEPTH {
            self.depth_limited = true;
            return;
        }
        let Some(function) = node.field(Field::Function) else {
            return self.children(node, depth);
        };
        let callee = path_of(function, self.b.src);
        let awaited = crate::lang::may_follow_await(self.b.src, node.start_byte())
            && node.parent().is_some_and(|p| p.kind_name() == "await");
        if function.kind_name() == "attribute" {
            if let Some(object) = function.field(Field::Object) {
                if object.kind_name() != "identifier" {
                    self.visit(object, depth + 1);
                } else {
                    let name = self.text(object);
                    self.b.note_read(name);
                }
            }
        } else if function.kind_name() != "identifier" {
            self.visit(function, depth + 1);
        } else {
            let name = self.text(function);
            self.b.note_read(name);
        }
        let mut args = Vec::new();
        if let Some(list) = node.field(Field::Arguments) {
            for arg in named_children(list).filter(|a| a.kind_name() != "comment") {
                let (keyword, value_node) = if arg.kind_name() == "keyword_argument" {
                    (
                        arg.field(Field::Name).map(|n| self.text(n).to_string()),
                        arg.field(Field::Value).unwrap_or(arg),
                    )
                } else {
                    (None, arg)
                };
                let value = self.argument(value_node, depth);
                args.push(Arg {
                    keyword,
                    span: node_span(arg),
                    value,
                });
            }
        }
        self.env_call(&callee, node);
        self.tool_definition_call(&callee, node);
        let literals = self.arg_literals(node);
        let index = self.b.add_call(Call {
            callee,
            span: node_span(node),
            callee_span: node_span(function),
            func: MODULE,
            args,
            awaited,
            is_new: false,
            in_try: None,
            result_used: used,
            assigned_to,
        });
        for (key, value, span) in literals {
            self.b.add_arg_literal(index, key, value, span);
        }
    }

    /// Literal decisions among a call's arguments: `True`, `{"allowed": True}`,
    /// `fail_open=True`.
    fn arg_literals(&self, call: Node) -> Vec<(Option<String>, Value, Span)> {
        let Some(list) = call.field(Field::Arguments) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for arg in named_children(list) {
            let (key, value_node) = if arg.kind_name() == "keyword_argument" {
                let Some(value) = arg.field(Field::Value) else {
                    continue;
                };
                (
                    arg.field(Field::Name).map(|n| self.text(n).to_string()),
                    value,
                )
            } else {
                (None, arg)
            };
            let value = self.value_of(unwrap(value_node));
            if matches!(
                value,
                Value::True | Value::False | Value::Allow | Value::Deny | Value::Degraded
            ) {
                out.push((key, value, node_span(arg)));
            }
        }
        out
    }

    pub(super) fn argument(&mut self, arg: Node, depth: usize) -> ArgValue {
        let inner = unwrap(arg);
        let value = match inner.kind_name() {
            "lambda" => return ArgValue::Function(self.lambda(inner, depth + 1)),
            _ => self.shallow_value(inner, 0),
        };
        self.visit(arg, depth + 1);
        value
    }

    /// What an argument is, without lowering it (its calls are lowered by the caller).
    fn shallow_value(&self, inner: Node, depth: usize) -> ArgValue {
        match inner.kind_name() {
            "identifier" | "attribute" => ArgValue::Name(path_of(inner, self.b.src)),
            "string" => match string_content(inner, self.b.src) {
                Some(s) => ArgValue::Str(s),
                None => ArgValue::Other,
            },
            "dictionary" => ArgValue::Object(
                named_children(inner)
                    .filter_map(|p| match p.kind_name() {
                        "pair" => p
                            .field(Field::Key)
                            .and_then(|k| string_content(k, self.b.src)),
                        "dictionary_splat" => Some("...".to_string()),
                        _ => None,
                    })
                    .collect(),
            ),
            "call" => ArgValue::Call(
                inner
                    .field(Field::Function)
                    .map(|f| path_of(f, self.b.src))
                    .unwrap_or_default(),
            ),
            "list_splat" | "dictionary_splat" => ArgValue::Spread,
            "list" | "tuple" if depth < 16 => ArgValue::Array(element_args(inner, |e| {
                self.shallow_value(unwrap(e), depth + 1)
            })),
            _ => ArgValue::Other,
        }
    }

    /// A value simple enough to record as written: a string's content, a number, a name.
    pub(super) fn simple_value(&self, node: Node) -> Option<String> {
        let node = unwrap(node);
        match node.kind_name() {
            "string" => string_content(node, self.b.src),
            "integer" | "float" | "true" | "false" | "none" => Some(self.text(node).to_string()),
            "identifier" | "attribute" => Some(path_of(node, self.b.src)),
            _ => None,
        }
    }
}
