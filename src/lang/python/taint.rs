//! Error taint: which values carry a caught error's text.

use tree_sitter::Node;

use super::{Lowerer, path_of};
use crate::lang::builder::{Hit, Origin, short};
use crate::lang::fields::{Field, FieldExt};
use crate::lang::shared::{CallTaint, call_argument_hits};
use crate::lang::{named_children, node_span};
use crate::model::*;

impl Lowerer<'_> {
    pub(super) fn taint(&self, node: Node, depth: usize) -> Vec<Hit> {
        if depth > 64 {
            return Vec::new();
        }
        let span = node_span(node);
        match node.kind_name() {
            "identifier" => self
                .b
                .hit_for_name(self.text(node), span)
                .into_iter()
                .collect(),
            "attribute" => {
                if let Some(hit) = self.b.hit_for_name(&path_of(node, self.b.src), span) {
                    return vec![hit];
                }
                let attribute = node
                    .field(Field::Attribute)
                    .map(|a| self.text(a))
                    .unwrap_or("");
                if self.b.vocabulary.is_safe_error_property(attribute) {
                    return Vec::new();
                }
                let kind = if attribute == "__traceback__" {
                    LeakKind::Stack
                } else {
                    LeakKind::Message
                };
                node.field(Field::Object)
                    .map(|o| self.taint(o, depth + 1))
                    .unwrap_or_default()
                    .into_iter()
                    .map(|mut h| {
                        if h.raw {
                            h.kind = kind;
                        }
                        h.into_text(span, self.text(node))
                    })
                    .collect()
            }
            "subscript" => node
                .field(Field::Value)
                .map(|v| self.taint(v, depth + 1))
                .unwrap_or_default(),
            "call" => self.taint_call(node, depth),
            "string" | "concatenated_string" => {
                let mut hits = Vec::new();
                self.interpolations(node, depth, &mut hits);
                hits
            }
            "binary_operator" => {
                let operator = node
                    .field(Field::Operator)
                    .map(|o| self.text(o))
                    .unwrap_or("");
                if !matches!(operator, "+" | "%") {
                    return Vec::new();
                }
                [Field::Left, Field::Right]
                    .iter()
                    .filter_map(|f| node.field(*f))
                    .flat_map(|s| self.taint(s, depth + 1))
                    .map(|h| {
                        let s = h.span;
                        let text = self.b.text(s).to_string();
                        h.into_text(s, &text)
                    })
                    .collect()
            }
            "boolean_operator" => [Field::Left, Field::Right]
                .iter()
                .filter_map(|f| node.field(*f))
                .flat_map(|s| self.taint(s, depth + 1))
                .collect(),
            "conditional_expression" => named_children(node)
                .enumerate()
                .filter(|(i, _)| *i != 1)
                .flat_map(|(_, c)| self.taint(c, depth + 1))
                .collect(),
            "dictionary"
            | "list"
            | "tuple"
            | "set"
            | "parenthesized_expression"
            | "await"
            | "expression_list"
            | "list_splat"
            | "dictionary_splat" => named_children(node)
                .flat_map(|c| self.taint(c, depth + 1))
                .collect(),
            "pair" => node
                .field(Field::Value)
                .map(|v| self.taint(v, depth + 1))
                .unwrap_or_default(),
            "keyword_argument" => node
                .field(Field::Value)
                .map(|v| self.taint(v, depth + 1))
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    fn interpolations(&self, node: Node, depth: usize, hits: &mut Vec<Hit>) {
        for child in named_children(node) {
            match child.kind_name() {
                "interpolation" => {
                    if let Some(e) = child.field(Field::Expression) {
                        for h in self.taint(e, depth + 1) {
                            let s = h.span;
                            let text = self.b.text(s).to_string();
                            hits.push(h.into_text(s, &text));
                        }
                    }
                }
                "string" => self.interpolations(child, depth + 1, hits),
                _ => {}
            }
        }
    }

    fn taint_call(&self, node: Node, depth: usize) -> Vec<Hit> {
        let span = node_span(node);
        let Some(function) = node.field(Field::Function) else {
            return Vec::new();
        };
        let callee = path_of(function, self.b.src);
        let text = self.text(node);
        if matches!(
            callee.as_str(),
            "traceback.format_exc" | "format_exc" | "traceback.format_stack"
        ) {
            return vec![Hit {
                span,
                text: short(text),
                kind: LeakKind::Stack,
                origin: Origin::Caught(span),
                via: None,
                raw: false,
                wrapped: false,
            }];
        }
        if self.b.vocabulary.is_opaque_call(&callee) {
            return Vec::new();
        }
        let arguments: Vec<Node> = node
            .field(Field::Arguments)
            .map(|a| {
                named_children(a)
                    .filter(|n| n.kind_name() != "comment")
                    .collect()
            })
            .unwrap_or_default();
        if function.kind_name() == "attribute" {
            if let Some(object) = function.field(Field::Object) {
                let method = function
                    .field(Field::Attribute)
                    .map(|a| self.text(a))
                    .unwrap_or("");
                // `"failed: {}".format(e)`, `", ".join(errors)`
                if object.kind_name() == "string" && matches!(method, "format" | "join") {
                    return arguments
                        .iter()
                        .flat_map(|a| self.taint(*a, depth + 1))
                        .map(|h| h.into_text(span, text))
                        .collect();
                }
                let from_receiver = self.taint(object, depth + 1);
                if !from_receiver.is_empty() {
                    return from_receiver
                        .into_iter()
                        .map(|h| h.into_text(span, text))
                        .collect();
                }
            }
        }
        let last = callee.rsplit('.').next().unwrap_or(&callee);
        let constructs_error = self.b.vocabulary.text_conversion(&callee).is_none()
            && (last.ends_with("Error") || last.ends_with("Exception"));
        let converts = self
            .b
            .vocabulary
            .text_conversion(&callee)
            .or_else(|| constructs_error.then_some(LeakKind::Message));
        let call = CallTaint {
            callee: &callee,
            span,
            text,
            converts,
            constructs_error,
        };
        call_argument_hits(&call, &arguments, |arg| self.taint(arg, depth + 1))
    }
}
