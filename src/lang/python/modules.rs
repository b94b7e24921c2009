//! Modules: `import` and `from ... import`.

use tree_sitter::Node;

use super::Lowerer;
use crate::lang::fields::{Field, FieldExt};
use crate::lang::named_children;
use crate::model::*;

impl Lowerer<'_> {
    pub(super) fn import(&mut self, node: Node) {
        for name in named_children(node) {
            let (module, local) = match name.kind_name() {
                "dotted_name" => {
                    let module = self.text(name).to_string();
                    (module.clone(), module)
                }
                "aliased_import" => match (name.field(Field::Name), name.field(Field::Alias)) {
                    (Some(n), Some(a)) => (self.text(n).to_string(), self.text(a).to_string()),
                    _ => continue,
                },
                _ => continue,
            };
            self.b.model.imports.push(Import {
                local,
                source: module,
                imported: None,
            });
        }
    }

    pub(super) fn import_from(&mut self, node: Node) {
        let Some(module) = node.field(Field::ModuleName) else {
            return;
        };
        let source = self.text(module).to_string();
        let mut cursor = node.walk();
        for name in node.children_by_field_name("name", &mut cursor) {
            let (imported, local) = match name.kind_name() {
                "dotted_name" => {
                    let t = self.text(name).to_string();
                    (t.clone(), t)
                }
                "aliased_import" => match (name.field(Field::Name), name.field(Field::Alias)) {
                    (Some(n), Some(a)) => (self.text(n).to_string(), self.text(a).to_string()),
                    _ => continue,
                },
                _ => continue,
            };
            self.b.model.imports.push(Import {
                local,
                source: source.clone(),
                imported: Some(imported),
            });
        }
    }
}
