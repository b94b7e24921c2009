//! Conditions: values tested for truth (`if (result.valid)`).

use tree_sitter::Node;

use super::{GRAMMAR, Lowerer};
use crate::lang::shared;
use crate::model::*;

impl Lowerer<'_> {
    /// Records the parts of `node` whose truthiness decides: the expression itself, or both
    /// sides of `&&` / `||`, through parentheses, `await` and `!`.
    pub(super) fn truthy(&mut self, node: Node, how: TestedBy) {
        shared::truthy(&mut self.b, &GRAMMAR, node, how);
    }
}
