//! Error taint: which values carry a caught error's text.

use tree_sitter::Node;

use super::{Lowerer, path_of};
use crate::lang::builder::Hit;
use crate::lang::fields::{Field, FieldExt};
use crate::lang::shared::{CallTaint, call_argument_hits};
use crate::lang::{named_children, node_span};
use crate::model::*;

impl Lowerer<'_> {
    /// Where error-derived data appears in an expression.
    pub(super) fn taint(&self, node: Node, depth: usize) -> Vec<Hit> {
        if depth > 64 {
            return Vec::new();
        }
        let span = node_span(node);
        match node.kind_name() {
            "identifier" | "shorthand_property_identifier" => self
                .b
                .hit_for_name(self.text(node), span)
                .into_iter()
                .collect(),
            "this" => Vec::new(),
            "member_expression" => {
                let property = node
                    .field(Field::Property)
                    .map(|p| self.text(p))
                    .unwrap_or("");
                // A tracked name such as `this.lastError`.
                if let Some(hit) = self.b.hit_for_name(&path_of(node, self.b.src), span) {
                    return vec![hit];
                }
                if self.b.vocabulary.is_safe_error_property(property) {
                    return Vec::new();
                }
                let Some(object) = node.field(Field::Object) else {
                    return Vec::new();
                };
                let kind = if property == "stack" {
                    LeakKind::Stack
                } else {
                    LeakKind::Message
                };
                self.taint(object, depth + 1)
                    .into_iter()
                    .map(|mut h| {
                        if h.raw {
                            h.kind = kind;
                        }
                        h.into_text(span, self.text(node))
                    })
                    .collect()
            }
            "subscript_expression" => node
                .field(Field::Object)
                .map(|o| self.taint(o, depth + 1))
                .unwrap_or_default(),
            "call_expression" | "new_expression" => self.taint_call(node, depth),
            "template_string" => named_children(node)
                .filter(|c| c.kind_name() == "template_substitution")
                .flat_map(|c| named_children(c).collect::<Vec<_>>())
                .flat_map(|e| self.taint(e, depth + 1))
                .map(|h| {
                    let text = self.b.text(h.span).to_string();
                    let s = h.span;
                    h.into_text(s, &text)
                })
                .collect(),
            "binary_expression" => {
                let operator = node
                    .field(Field::Operator)
                    .map(|o| self.text(o))
                    .unwrap_or("");
                let sides = [Field::Left, Field::Right]
                    .iter()
                    .filter_map(|f| node.field(*f))
                    .flat_map(|s| self.taint(s, depth + 1));
                match operator {
                    "+" => sides
                        .map(|h| {
                            let text = self.b.text(h.span).to_string();
                            let s = h.span;
                            h.into_text(s, &text)
                        })
                        .collect(),
                    "||" | "??" | "&&" => sides.collect(),
                    _ => Vec::new(),
                }
            }
            "ternary_expression" => [Field::Consequence, Field::Alternative]
                .iter()
                .filter_map(|f| node.field(*f))
                .flat_map(|s| self.taint(s, depth + 1))
                .collect(),
            "unary_expression" => Vec::new(),
            "object"
            | "array"
            | "arguments"
            | "spread_element"
            | "pair"
            | "parenthesized_expression"
            | "await_expression"
            | "as_expression"
            | "satisfies_expression"
            | "non_null_expression"
            | "sequence_expression"
            | "type_assertion" => {
                let mut hits = Vec::new();
                for child in named_children(node) {
                    if node.kind_name() == "pair" && node.field(Field::Key) == Some(child) {
                        continue;
                    }
                    hits.extend(self.taint(child, depth + 1));
                }
                hits
            }
            "assignment_expression" => node
                .field(Field::Right)
                .map(|r| self.taint(r, depth + 1))
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    fn taint_call(&self, node: Node, depth: usize) -> Vec<Hit> {
        let span = node_span(node);
        let callee_node = node
            .field(Field::Function)
            .or_else(|| node.field(Field::Constructor));
        let Some(callee_node) = callee_node else {
            return Vec::new();
        };
        let callee = path_of(callee_node, self.b.src);
        if self.b.vocabulary.is_opaque_call(&callee) {
            return Vec::new();
        }
        let text = self.text(node);
        // A method of error text or of the error itself: `e.toString()`, `msg.slice(0, 80)`.
        if callee_node.kind_name() == "member_expression" {
            if let Some(object) = callee_node.field(Field::Object) {
                let from_receiver = self.taint(object, depth + 1);
                if !from_receiver.is_empty() {
                    return from_receiver
                        .into_iter()
                        .map(|h| h.into_text(span, text))
                        .collect();
                }
            }
        }
        let args: Vec<Node> = node
            .field(Field::Arguments)
            .map(|a| {
                named_children(a)
                    .filter(|n| n.kind_name() != "comment")
                    .collect()
            })
            .unwrap_or_default();
        let method = callee.rsplit('.').next().unwrap_or(&callee);
        let constructs_error = method.ends_with("Error") || method.ends_with("Exception");
        let converts = self
            .b
            .vocabulary
            .text_conversion(&callee)
            .or_else(|| {
                self.b
                    .vocabulary
                    .text_conversion(method)
                    .filter(|_| method == "stringify")
            })
            .or_else(|| constructs_error.then_some(LeakKind::Message));
        let call = CallTaint {
            callee: &callee,
            span,
            text,
            converts,
            constructs_error,
        };
        call_argument_hits(&call, &args, |arg| self.taint(arg, depth + 1))
    }
}
