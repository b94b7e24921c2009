//! Object literals shaped like tool definitions, for the link stage's templates
//! (`src/project/tools/definitions.rs`).

use tree_sitter::Node;

use super::tools::key_name;
use super::{Lowerer, is_function, path_of, string_content, unwrap};
use crate::lang::fields::{Field, FieldExt};
use crate::lang::{named_children, node_span};
use crate::model::*;

/// Most entries a definition object is read with (bigger literals are data, not definitions).
const MAX_DEFINITION_ENTRIES: usize = 48;

impl Lowerer<'_> {
    /// An object literal that may define a tool: string fields (`name: "search"`, a nested
    /// object's as `schema.name`) and a description, or a function or name under a handler key
    /// (`execute: run`). Read once its functions are lowered.
    pub(super) fn definition(&mut self, object: Node) {
        let pairs: Vec<Node> = named_children(object)
            .filter(|c| c.kind_name() != "comment")
            .take(MAX_DEFINITION_ENTRIES + 1)
            .collect();
        if pairs.len() > MAX_DEFINITION_ENTRIES || pairs.is_empty() {
            return;
        }
        let src = self.b.src;
        let string_of = |value: Node| match value.kind_name() {
            "string" => string_content(value, src),
            "template_string" if named_children(value).next().is_none() => {
                string_content(value, src)
            }
            _ => None,
        };
        let mut entries: Vec<Arg> = Vec::new();
        let mut described = false;
        let mut runs = false;
        let mut strings = false;
        for entry in pairs {
            let (key, value) = match entry.kind_name() {
                "pair" => {
                    let (Some(k), Some(v)) = (entry.field(Field::Key), entry.field(Field::Value))
                    else {
                        continue;
                    };
                    let Some(key) = key_name(k, src) else {
                        continue;
                    };
                    (key, unwrap(v))
                }
                "method_definition" => {
                    match entry.field(Field::Name).and_then(|n| key_name(n, src)) {
                        Some(key) => (key, entry),
                        None => continue,
                    }
                }
                "shorthand_property_identifier" => (self.text(entry).to_string(), entry),
                _ => continue,
            };
            if key == "description" {
                described = true;
            }
            let handler_key = DEFINITION_HANDLER_KEYS.contains(&key.as_str());
            let span = node_span(entry);
            let value = match value.kind_name() {
                kind if is_function(kind) || kind == "method_definition" => {
                    let at = node_span(value);
                    match self.b.model.functions.iter().rposition(|f| f.span == at) {
                        Some(id) => {
                            runs = true;
                            ArgValue::Function(id)
                        }
                        None => ArgValue::Other,
                    }
                }
                "shorthand_property_identifier" | "identifier" | "member_expression" => {
                    runs |= handler_key;
                    ArgValue::Name(path_of(value, src))
                }
                "object" if key != "description" => {
                    // One level down: `schema: { name: "x", description, inputSchema }`.
                    for inner in named_children(value).filter(|p| p.kind_name() == "pair") {
                        let (Some(k), Some(v)) =
                            (inner.field(Field::Key), inner.field(Field::Value))
                        else {
                            continue;
                        };
                        let (Some(k), Some(s)) = (key_name(k, src), string_of(unwrap(v))) else {
                            continue;
                        };
                        strings = true;
                        entries.push(Arg {
                            keyword: Some(format!("{key}.{k}")),
                            span: node_span(inner),
                            value: ArgValue::Str(s),
                        });
                    }
                    ArgValue::Other
                }
                _ => match string_of(value) {
                    Some(s) if !matches!(key.as_str(), "description" | "title") => {
                        strings = true;
                        ArgValue::Str(s)
                    }
                    _ => ArgValue::Other,
                },
            };
            entries.push(Arg {
                keyword: Some(key),
                span,
                value,
            });
        }
        let named = entries.iter().any(|e| matches!(e.value, ArgValue::Name(_)));
        if !(strings || named) || !(described || runs) {
            return;
        }
        let binding = object
            .parent()
            .filter(|d| {
                d.kind_name() == "variable_declarator"
                    && d.field(Field::Value).map(|v| v.id()) == Some(object.id())
            })
            .and_then(|d| d.field(Field::Name))
            .filter(|n| n.kind_name() == "identifier")
            .map(|n| self.text(n).to_string());
        let func = self.b.current();
        self.b.model.definitions.push(Definition {
            func,
            span: node_span(object),
            binding,
            entries,
        });
    }
}
