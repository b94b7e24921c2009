//! Conditions: values tested for truth (`if result.valid:`).

use tree_sitter::Node;

use super::{Lowerer, path_of, unwrap};
use crate::lang::fields::{Field, FieldExt};
use crate::lang::node_span;
use crate::model::*;

impl Lowerer<'_> {
    /// Records the parts of `node` whose truthiness decides: the expression itself, or both
    /// sides of `and` / `or`, through parentheses, `await` and `not`.
    pub(super) fn truthy(&mut self, node: Node, how: TestedBy) {
        self.truthy_at(node, how, 0);
    }

    fn truthy_at(&mut self, node: Node, how: TestedBy, depth: usize) {
        if depth > 32 {
            return;
        }
        let inner = unwrap(node);
        match inner.kind_name() {
            "call" => self.b.add_condition(node_span(inner), None, true, how),
            "identifier" | "attribute" | "subscript" => {
                let name = path_of(inner, self.b.src);
                self.b
                    .add_condition(node_span(inner), Some(name), false, how);
            }
            "not_operator" => {
                if let Some(argument) = inner.field(Field::Argument) {
                    self.truthy_at(argument, TestedBy::Not, depth + 1);
                }
            }
            "boolean_operator" => {
                for side in [Field::Left, Field::Right] {
                    if let Some(operand) = inner.field(side) {
                        self.truthy_at(operand, how, depth + 1);
                    }
                }
            }
            _ => {}
        }
    }
}
