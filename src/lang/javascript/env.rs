//! Environment variables read and written (`process.env.NAME`).

use tree_sitter::Node;

use super::tools::key_name;
use super::{Lowerer, string_content, unwrap};
use crate::lang::fields::{Field, FieldExt};
use crate::lang::{named_children, node_span};
use crate::model::*;

impl Lowerer<'_> {
    /// `process.env.X` and `process.env["X"]`; `delete process.env.X` is not a read.
    pub(super) fn env_read(&mut self, node: Node) {
        let Some(object) = node.field(Field::Object) else {
            return;
        };
        if self.text(object) != "process.env" || self.is_deleted(node) {
            return;
        }
        match node.kind_name() {
            "member_expression" => {
                if let Some(property) = node.field(Field::Property) {
                    let name = self.text(property).to_string();
                    self.push_env_read(name, node_span(property));
                }
            }
            "subscript_expression" => {
                let Some(index) = node.field(Field::Index).map(unwrap) else {
                    return;
                };
                if index.kind_name() != "string" {
                    return;
                }
                let fragment = named_children(index).find(|c| c.kind_name() == "string_fragment");
                if let (Some(name), Some(fragment)) = (string_content(index, self.b.src), fragment)
                {
                    self.push_env_read(name, node_span(fragment));
                }
            }
            _ => {}
        }
    }

    pub(super) fn push_env_read(&mut self, name: String, span: Span) {
        let func = self.b.current();
        self.b.model.env_reads.push(EnvAccess { name, span, func });
    }

    /// `{ ...process.env, X: value }`, the environment of a child process: the code sets `X`.
    pub(super) fn env_object(&mut self, object: Node) {
        let copies_env = named_children(object).any(|c| {
            c.kind_name() == "spread_element"
                && c.named_child(0)
                    .is_some_and(|e| self.text(unwrap(e)) == "process.env")
        });
        if !copies_env {
            return;
        }
        for pair in named_children(object).filter(|p| p.kind_name() == "pair") {
            let Some(key) = pair.field(Field::Key) else {
                continue;
            };
            if let Some(name) = key_name(key, self.b.src) {
                let func = self.b.current();
                let span = node_span(key);
                self.b.model.env_writes.push(EnvAccess { name, span, func });
            }
        }
    }

    /// `process.env.X = value` / `process.env["X"] = value`: the code sets the variable itself.
    pub(super) fn env_write(&mut self, target: Node) {
        let Some(object) = target.field(Field::Object) else {
            return;
        };
        if self.text(object) != "process.env" {
            return;
        }
        let name = match target.kind_name() {
            "member_expression" => target
                .field(Field::Property)
                .map(|p| self.text(p).to_string()),
            "subscript_expression" => target
                .field(Field::Index)
                .and_then(|i| string_content(unwrap(i), self.b.src)),
            _ => None,
        };
        if let Some(name) = name {
            let func = self.b.current();
            let span = node_span(target);
            self.b.model.env_writes.push(EnvAccess { name, span, func });
        }
    }

    /// The operand of `delete`: `delete process.env.X` unsets the variable, it reads nothing.
    fn is_deleted(&self, node: Node) -> bool {
        node.parent().is_some_and(|parent| {
            parent.kind_name() == "unary_expression"
                && parent
                    .field(Field::Operator)
                    .is_some_and(|op| self.text(op) == "delete")
        })
    }
}
