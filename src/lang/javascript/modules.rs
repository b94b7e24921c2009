//! Modules: `import`, `export`, `require` and CommonJS exports.

use tree_sitter::Node;

use super::{Lowerer, is_function, string_content, unwrap};
use crate::lang::fields::{Field, FieldExt};
use crate::lang::named_children;
use crate::model::*;

/// The helpers TypeScript, esbuild, Babel and SWC wrap around `require` in the CommonJS they
/// emit: each gives the module (or an object whose `default` is it).
const INTEROP_HELPERS: &[&str] = &[
    "__importDefault",
    "__importStar",
    "__toESM",
    "_interopRequireDefault",
    "_interopRequireWildcard",
    "_interop_require_default",
    "_interop_require_wildcard",
];

impl Lowerer<'_> {
    /// `require("x")`, also wrapped in the interop helper a compiler emits around it
    /// (`__importDefault(require("x"))`, `__toESM(require("x"))`).
    pub(super) fn require_source(&self, call: Node) -> Option<String> {
        if call.kind_name() != "call_expression" {
            return None;
        }
        let function = call.field(Field::Function)?;
        let arg = call.field(Field::Arguments)?.named_child(0)?;
        let name = self.text(function);
        if INTEROP_HELPERS.contains(&name) {
            return self.require_source(unwrap(arg));
        }
        if name != "require" {
            return None;
        }
        string_content(arg, self.b.src)
    }

    /// `module.exports = { a, b }`, `module.exports.f = ...`, `exports.f = ...`.
    pub(super) fn commonjs_export(&mut self, target: &str, value: Node) {
        let exported = match target {
            "module.exports" | "exports" => {
                let value = unwrap(value);
                if value.kind_name() == "object" {
                    let mut cursor = value.walk();
                    for entry in value.named_children(&mut cursor) {
                        let (exported, local) = match entry.kind_name() {
                            "shorthand_property_identifier" => {
                                let t = self.text(entry).to_string();
                                (t.clone(), t)
                            }
                            "pair" => match (entry.field(Field::Key), entry.field(Field::Value)) {
                                (Some(k), Some(v)) => {
                                    let local = if v.kind_name() == "identifier" {
                                        self.text(v).to_string()
                                    } else {
                                        self.text(k).to_string()
                                    };
                                    (self.text(k).to_string(), local)
                                }
                                _ => continue,
                            },
                            _ => continue,
                        };
                        self.b.model.exports.push(Export::Name { exported, local });
                    }
                } else if value.kind_name() == "identifier" {
                    let local = self.text(value).to_string();
                    self.b.model.exports.push(Export::Name {
                        exported: "default".into(),
                        local,
                    });
                }
                return;
            }
            t => t
                .strip_prefix("module.exports.")
                .or_else(|| t.strip_prefix("exports.")),
        };
        if let Some(name) = exported {
            let local = if unwrap(value).kind_name() == "identifier" {
                self.text(unwrap(value)).to_string()
            } else {
                name.to_string()
            };
            self.b.model.exports.push(Export::Name {
                exported: name.to_string(),
                local,
            });
        }
    }

    pub(super) fn import(&mut self, node: Node) {
        let Some(source) = node
            .field(Field::Source)
            .and_then(|s| string_content(s, self.b.src))
        else {
            return;
        };
        let Some(clause) = named_children(node).find(|c| c.kind_name() == "import_clause") else {
            return;
        };
        for part in named_children(clause) {
            match part.kind_name() {
                "identifier" => self.b.model.imports.push(Import {
                    local: self.text(part).to_string(),
                    source: source.clone(),
                    imported: Some("default".into()),
                }),
                "namespace_import" => {
                    if let Some(name) = part.named_child(0) {
                        self.b.model.imports.push(Import {
                            local: self.text(name).to_string(),
                            source: source.clone(),
                            imported: None,
                        });
                    }
                }
                "named_imports" => {
                    for spec in named_children(part).filter(|s| s.kind_name() == "import_specifier")
                    {
                        let Some(name) = spec.field(Field::Name) else {
                            continue;
                        };
                        let imported = self.text(name).to_string();
                        let local = spec
                            .field(Field::Alias)
                            .map(|a| self.text(a).to_string())
                            .unwrap_or_else(|| imported.clone());
                        self.b.model.imports.push(Import {
                            local,
                            source: source.clone(),
                            imported: Some(imported),
                        });
                    }
                }
                _ => {}
            }
        }
    }

    pub(super) fn export(&mut self, node: Node, depth: usize) {
        let source = node
            .field(Field::Source)
            .and_then(|s| string_content(s, self.b.src));
        let is_default = {
            let mut cursor = node.walk();
            node.children(&mut cursor)
                .any(|c| c.kind_name() == "default")
        };
        if let Some(declaration) = node.field(Field::Declaration) {
            for name in self.declared_names(declaration) {
                let exported = if is_default {
                    "default".into()
                } else {
                    name.clone()
                };
                self.b.model.exports.push(Export::Name {
                    exported,
                    local: name,
                });
            }
            self.visit(declaration, depth + 1);
            return;
        }
        if let Some(value) = node.field(Field::Value) {
            let inner = unwrap(value);
            if inner.kind_name() == "identifier" {
                self.b.model.exports.push(Export::Name {
                    exported: "default".into(),
                    local: self.text(inner).to_string(),
                });
            } else if inner.kind_name() == "object" {
                // `export default { issueRequest, search: runSearch }`: a default import of
                // this module reaches these functions as its members.
                for entry in named_children(inner) {
                    let (exported, local) = match entry.kind_name() {
                        "shorthand_property_identifier" => {
                            let t = self.text(entry).to_string();
                            (t.clone(), t)
                        }
                        "pair" => match (
                            entry.field(Field::Key),
                            entry.field(Field::Value).map(unwrap),
                        ) {
                            (Some(k), Some(v)) if v.kind_name() == "identifier" => {
                                (self.text(k).to_string(), self.text(v).to_string())
                            }
                            _ => continue,
                        },
                        _ => continue,
                    };
                    self.b.model.exports.push(Export::Name { exported, local });
                }
            } else if is_function(inner.kind_name()) {
                let name = inner
                    .field(Field::Name)
                    .map(|n| self.text(n).to_string())
                    .unwrap_or_else(|| "default".into());
                self.b.model.exports.push(Export::Name {
                    exported: "default".into(),
                    local: name.clone(),
                });
                self.function(inner, Some(name), depth + 1);
                return;
            }
            self.visit(value, depth + 1);
            return;
        }
        let clause = named_children(node).find(|c| c.kind_name() == "export_clause");
        match (clause, source) {
            (Some(clause), source) => {
                for spec in named_children(clause).filter(|s| s.kind_name() == "export_specifier") {
                    let Some(name) = spec.field(Field::Name) else {
                        continue;
                    };
                    let local = self.text(name).to_string();
                    let exported = spec
                        .field(Field::Alias)
                        .map(|a| self.text(a).to_string())
                        .unwrap_or_else(|| local.clone());
                    self.b.model.exports.push(match &source {
                        Some(source) => Export::From {
                            exported,
                            imported: local,
                            source: source.clone(),
                        },
                        None => Export::Name { exported, local },
                    });
                }
            }
            (None, Some(source)) => self.b.model.exports.push(Export::All { source }),
            (None, None) => {}
        }
    }

    fn declared_names(&self, declaration: Node) -> Vec<String> {
        match declaration.kind_name() {
            "lexical_declaration" | "variable_declaration" => named_children(declaration)
                .filter(|d| d.kind_name() == "variable_declarator")
                .filter_map(|d| d.field(Field::Name))
                .filter(|n| n.kind_name() == "identifier")
                .map(|n| self.text(n).to_string())
                .collect(),
            _ => declaration
                .field(Field::Name)
                .map(|n| vec![self.text(n).to_string()])
                .unwrap_or_default(),
        }
    }
}
