//! Conditions: values tested for truth (`if (result.valid)`).

use tree_sitter::Node;

use super::{GRAMMAR, Lowerer};
use crate::lang::fields::{Field, FieldExt};
use crate::lang::shared;
use crate::model::*;

impl Lowerer<'_> {
    /// Records the parts of `node` whose truthiness decides: the expression itself, or both
    /// sides of `&&` / `||`, through parentheses, `await` and `!`.
    pub(super) fn truthy(&mut self, node: Node, how: TestedBy) {
        shared::truthy(&mut self.b, &GRAMMAR, node, how);
    }
}

impl Lowerer<'_> {
    /// The names whose holding something chooses the `if` branch.
    pub(super) fn presence_tests(&mut self, statement: Node, condition: Node) {
        let Some(consequence) = statement.field(Field::Consequence) else {
            return;
        };
        let body = crate::lang::node_span(consequence);
        let body_exits = super::exits::exits_function(consequence, 0);
        for (name, set) in shared::presence(&self.b, &GRAMMAR, condition) {
            self.b.add_presence_test(name, set, body, body_exits);
        }
    }
}
