//! Calls: the callee, its arguments and the literals they carry.

use tree_sitter::Node;

use super::{Lowerer, is_function, object_keys, path_of, string_content, unwrap};
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
        let is_new = node.kind_name() == "new_expression";
        let callee_node = node
            .field(Field::Function)
            .or_else(|| node.field(Field::Constructor));
        let Some(mut callee_node) = callee_node else {
            return self.children(node, depth);
        };
        // `await (0, f)(x)`, as compilers await an imported function, parses as a call of
        // the call `await(0, f)` (`await` may name a function): the callee is the comma
        // expression's last operand, and the call is awaited.
        let mut misparsed_await = false;
        if callee_node.kind_name() == "call_expression"
            && callee_node
                .field(Field::Function)
                .is_some_and(|f| f.kind_name() == "identifier" && self.text(f) == "await")
        {
            let last = callee_node.field(Field::Arguments).and_then(|a| {
                named_children(a)
                    .filter(|n| n.kind_name() != "comment")
                    .last()
            });
            if let Some(last) = last {
                callee_node = last;
                misparsed_await = true;
            }
        }
        let callee = path_of(callee_node, self.b.src);
        let awaited = misparsed_await
            || (crate::lang::may_follow_await(self.b.src, node.start_byte())
                && node
                    .parent()
                    .is_some_and(|p| p.kind_name() == "await_expression"));
        let arguments: Vec<Node> = node
            .field(Field::Arguments)
            .map(|a| {
                named_children(a)
                    .filter(|n| n.kind_name() != "comment")
                    .collect()
            })
            .unwrap_or_default();

        // `promise.catch(handler)`: a try region whose body is the promise expression.
        let promise_catch = !is_new
            && callee_node.kind_name() == "member_expression"
            && callee.ends_with(".catch")
            && arguments.len() == 1
            && is_function(unwrap(arguments[0]).kind_name());
        let mut args = Vec::new();
        if promise_catch {
            let receiver = callee_node.field(Field::Object).expect("member object");
            let try_id = self.b.begin_try(TryKind::PromiseCatch, node_span(receiver));
            self.b.open_try_body(try_id);
            self.visit_callee(receiver, depth);
            self.b.close_try_body();
            let id = self.function_with(unwrap(arguments[0]), None, depth + 1, Some(try_id));
            args.push(Arg {
                keyword: None,
                span: node_span(arguments[0]),
                value: ArgValue::Function(id),
            });
        } else {
            self.visit_callee(callee_node, depth);
            for arg in &arguments {
                let value = self.argument(*arg, depth);
                args.push(Arg {
                    keyword: None,
                    span: node_span(*arg),
                    value,
                });
            }
        }

        // `return next()` is recorded by the return itself.
        // (`parent()` walks down from the root: asked only for `next()`.)
        let returned = || {
            node.parent()
                .is_some_and(|p| p.kind_name() == "return_statement")
        };
        if callee == "next" && arguments.is_empty() && self.b.in_handler() && !returned() {
            self.b.handler_exit(node_span(node), ExitKind::CallsNext);
        }
        let span = node_span(node);
        self.tool_declaration(&callee, &arguments);
        let literals = self.arg_literals(&arguments);
        let index = self.b.add_call(Call {
            callee,
            span,
            callee_span: node_span(callee_node),
            func: MODULE,
            args,
            awaited,
            is_new,
            in_try: None,
            result_used: used,
            assigned_to,
        });
        for (key, value, literal_span) in literals {
            self.b.add_arg_literal(index, key, value, literal_span);
        }
    }

    /// Literal decisions among a call's arguments: `true`, `{ allowed: true }`, and the
    /// boolean entries of object literals (`{ failClosed: false }`).
    fn arg_literals(&self, arguments: &[Node]) -> Vec<(Option<String>, Value, Span)> {
        let mut out = Vec::new();
        for arg in arguments {
            let inner = unwrap(*arg);
            let value = self.value_of(inner);
            if matches!(
                value,
                Value::True | Value::False | Value::Allow | Value::Deny | Value::Degraded
            ) {
                out.push((None, value, node_span(inner)));
            }
            if inner.kind_name() != "object" {
                continue;
            }
            for pair in named_children(inner).filter(|p| p.kind_name() == "pair") {
                let (Some(key), Some(v)) = (pair.field(Field::Key), pair.field(Field::Value))
                else {
                    continue;
                };
                let value = match unwrap(v).kind_name() {
                    "true" => Value::True,
                    "false" => Value::False,
                    _ => continue,
                };
                let key = string_content(key, self.b.src).unwrap_or_else(|| self.text(key).into());
                out.push((Some(key), value, node_span(pair)));
            }
        }
        out
    }

    /// Lowers what a callee expression contains (`fetch(url).then` holds a call).
    fn visit_callee(&mut self, callee: Node, depth: usize) {
        match callee.kind_name() {
            "identifier" => {
                let name = self.text(callee);
                self.b.note_read(name);
            }
            "this" | "property_identifier" => {}
            "member_expression" => {
                self.env_read(callee);
                if let Some(object) = callee.field(Field::Object) {
                    self.visit_callee(object, depth + 1);
                }
            }
            _ => self.visit(callee, depth + 1),
        }
    }

    pub(super) fn argument(&mut self, arg: Node, depth: usize) -> ArgValue {
        let inner = unwrap(arg);
        let kind = inner.kind_name();
        if is_function(kind) {
            return ArgValue::Function(self.function(inner, None, depth + 1));
        }
        let value = self.shallow_value(inner, 0);
        self.visit(arg, depth + 1);
        value
    }

    /// What an argument is, without lowering it (its calls are lowered by the caller).
    fn shallow_value(&self, inner: Node, depth: usize) -> ArgValue {
        match inner.kind_name() {
            "identifier" | "member_expression" => ArgValue::Name(path_of(inner, self.b.src)),
            "string" | "template_string" if inner.named_child_count() <= 1 => {
                ArgValue::Str(string_content(inner, self.b.src).unwrap_or_default())
            }
            "object" => ArgValue::Object(object_keys(inner, self.b.src)),
            "call_expression" | "new_expression" => {
                let callee = inner
                    .field(Field::Function)
                    .or_else(|| inner.field(Field::Constructor))
                    .map(|c| path_of(c, self.b.src))
                    .unwrap_or_default();
                ArgValue::Call(callee)
            }
            "spread_element" => ArgValue::Spread,
            "array" if depth < 16 => ArgValue::Array(element_args(inner, |e| {
                self.shallow_value(unwrap(e), depth + 1)
            })),
            _ => ArgValue::Other,
        }
    }

    /// A value simple enough to record as written: a string's content, a number, a name.
    pub(super) fn simple_value(&self, node: Node) -> Option<String> {
        let node = unwrap(node);
        match node.kind_name() {
            "string" | "template_string" => string_content(node, self.b.src),
            "number" | "true" | "false" | "null" => Some(self.text(node).to_string()),
            "identifier" | "member_expression" => Some(path_of(node, self.b.src)),
            _ => None,
        }
    }
}
