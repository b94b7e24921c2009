//! Bindings: declarations, assignments, destructuring and object members.

use tree_sitter::Node;

use super::{Lowerer, is_function, path_of, string_content, unwrap};
use crate::lang::builder::Hit;
use crate::lang::fields::{Field, FieldExt};
use crate::lang::{named_children, node_span};
use crate::model::*;

impl Lowerer<'_> {
    pub(super) fn declarator(&mut self, node: Node, depth: usize) {
        let Some(name_node) = node.field(Field::Name) else {
            return self.children(node, depth);
        };
        let Some(value) = node.field(Field::Value) else {
            return;
        };
        self.declaration_facts(name_node, value);
        if name_node.kind_name() == "identifier" {
            let name = self.text(name_node).to_string();
            // `const s: Api = make()`: the annotation says what the name holds.
            if let Some(class) = node.field(Field::Type).and_then(|t| self.class_of_type(t)) {
                self.b.model.instances.push(Instance {
                    name: name.clone(),
                    class,
                });
            }
            self.remember_strings(&name, value);
            self.bind(&name, value, depth);
        } else if name_node.kind_name() == "object_pattern" {
            self.destructure(name_node, value, depth);
        } else {
            self.visit(value, depth + 1);
        }
    }

    /// `const name = "search"` and `const TOOLS = { search: "search" }`.
    fn remember_strings(&mut self, name: &str, value: Node) {
        let value = unwrap(value);
        let mut bound = Vec::new();
        if let Some(text) = string_content(value, self.b.src) {
            bound.push((name.to_string(), text));
        } else if value.kind_name() == "object" {
            for pair in named_children(value).filter(|p| p.kind_name() == "pair") {
                let (Some(key), Some(v)) = (pair.field(Field::Key), pair.field(Field::Value))
                else {
                    continue;
                };
                if let Some(text) = string_content(unwrap(v), self.b.src) {
                    let key = string_content(key, self.b.src)
                        .unwrap_or_else(|| self.text(key).to_string());
                    bound.push((format!("{name}.{key}"), text));
                }
            }
        }
        let at = value.start_byte() as u32;
        self.b.model.string_constants.extend(
            bound
                .into_iter()
                .map(|(name, value)| StringConstant { name, value, at }),
        );
    }

    /// `name = value` / `const name = value`.
    pub(super) fn bind(&mut self, name: &str, value: Node, depth: usize) {
        let inner = unwrap(value);
        if is_function(inner.kind_name()) {
            let local = name.rsplit('.').next().unwrap_or(name).to_string();
            self.function(inner, Some(local), depth + 1);
            return;
        }
        if self.b.in_handler() {
            let decision = self.value_of(inner);
            self.b.handler_exit(
                node_span(value),
                ExitKind::Assigns {
                    target: name.to_string(),
                    value: decision,
                },
            );
        }
        let hits = self.taint(value, 0);
        self.b.assign(name, &hits);
        if !name.contains('.') {
            self.alias(name, inner, node_span(value));
        }
        // `const axios = require("axios").default`
        if inner.kind_name() == "member_expression" {
            let object = inner.field(Field::Object).map(unwrap);
            let property = inner.field(Field::Property);
            if let (Some(source), Some(property)) =
                (object.and_then(|o| self.require_source(o)), property)
            {
                self.b.model.imports.push(Import {
                    local: name.to_string(),
                    source,
                    imported: Some(self.text(property).to_string()),
                });
            }
        }
        match inner.kind_name() {
            "call_expression" | "new_expression" => {
                if let Some(source) = self.require_source(inner) {
                    self.b.model.imports.push(Import {
                        local: name.to_string(),
                        source,
                        imported: None,
                    });
                }
                if inner.kind_name() == "new_expression" {
                    if let Some(class) = inner.field(Field::Constructor) {
                        let class = path_of(class, self.b.src);
                        self.b.model.instances.push(Instance {
                            name: name.to_string(),
                            class,
                        });
                    }
                }
                self.call(inner, depth + 1, true, Some(name.to_string()));
            }
            // `auth = (await authenticate(req)) ?? undefined`: the name holds the call's result.
            "binary_expression"
                if inner
                    .field(Field::Operator)
                    .is_some_and(|o| matches!(self.text(o), "??" | "||"))
                    && inner.field(Field::Left).map(unwrap).is_some_and(|l| {
                        matches!(l.kind_name(), "call_expression" | "new_expression")
                    }) =>
            {
                if let Some(left) = inner.field(Field::Left).map(unwrap) {
                    self.call(left, depth + 1, true, Some(name.to_string()));
                }
                if let Some(right) = inner.field(Field::Right) {
                    self.visit(right, depth + 1);
                }
            }
            "object" => {
                self.b.push_owner(Some(name.to_string()));
                self.visit(inner, depth + 1);
                self.b.pop_owner();
                self.table(Some(name.to_string()), inner);
            }
            _ => self.visit(value, depth + 1),
        }
    }

    /// `const { a, b: c } = require("./x")` or `const { message } = err`.
    fn destructure(&mut self, pattern: Node, value: Node, depth: usize) {
        let inner = unwrap(value);
        let source = self.require_source(inner);
        let value_hits = self.taint(value, 0);
        let mut cursor = pattern.walk();
        for part in pattern.named_children(&mut cursor) {
            let (key, local) = match part.kind_name() {
                "shorthand_property_identifier_pattern" => {
                    let t = self.text(part).to_string();
                    (t.clone(), t)
                }
                "pair_pattern" => match (part.field(Field::Key), part.field(Field::Value)) {
                    (Some(k), Some(v)) if v.kind_name() == "identifier" => {
                        (self.text(k).to_string(), self.text(v).to_string())
                    }
                    _ => continue,
                },
                _ => continue,
            };
            if let Some(source) = &source {
                self.b.model.imports.push(Import {
                    local: local.clone(),
                    source: source.clone(),
                    imported: Some(key.clone()),
                });
            }
            if !self.b.vocabulary.is_safe_error_property(&key) {
                let hits: Vec<Hit> = value_hits
                    .iter()
                    .cloned()
                    .map(|h| h.into_text(node_span(part), &key))
                    .collect();
                self.b.assign(&local, &hits);
            }
        }
        if source.is_none() {
            self.visit(value, depth + 1);
        }
    }

    pub(super) fn assignment(&mut self, node: Node, depth: usize) {
        let (Some(left), Some(right)) = (node.field(Field::Left), node.field(Field::Right)) else {
            return self.children(node, depth);
        };
        let target = path_of(left, self.b.src);
        self.commonjs_export(&target, right);
        if node.kind_name() == "assignment_expression" && target.contains('.') {
            self.b.model.assignments.push(Assignment {
                func: self.b.current(),
                target: target.clone(),
                value: self.simple_value(right),
                span: node_span(node),
            });
        }
        if node.kind_name() == "assignment_expression" && self.b.in_class() {
            self.class_field_write(left, right, node);
        }
        if node.kind_name() == "assignment_expression" {
            self.env_write(left);
            if unwrap(right).kind_name() == "new_expression"
                && (target.starts_with("this.") || !target.contains('.'))
            {
                if let Some(class) = unwrap(right).field(Field::Constructor) {
                    let class = path_of(class, self.b.src);
                    self.b.model.instances.push(Instance {
                        name: target.clone(),
                        class,
                    });
                }
            }
            self.bind(&target, right, depth);
        } else {
            let hits = self.taint(right, 0);
            self.b.assign(&target, &hits);
            self.visit(right, depth + 1);
        }
    }

    pub(super) fn field(&mut self, node: Node, depth: usize) {
        let name = node
            .field(Field::Name)
            .or_else(|| node.field(Field::Property))
            .map(|n| self.text(n).to_string());
        match (name, node.field(Field::Value)) {
            (Some(name), Some(value)) => {
                let inner = unwrap(value);
                if is_function(inner.kind_name()) {
                    self.function(inner, Some(name), depth + 1);
                } else {
                    if inner.kind_name() == "new_expression" {
                        if let Some(class) = inner.field(Field::Constructor) {
                            let class = path_of(class, self.b.src);
                            self.b.model.instances.push(Instance {
                                name: format!("this.{name}"),
                                class,
                            });
                        }
                    }
                    let target = format!("this.{name}");
                    self.b.model.assignments.push(Assignment {
                        func: self.b.current(),
                        target: target.clone(),
                        value: self.simple_value(value),
                        span: node_span(node),
                    });
                    if matches!(inner.kind_name(), "call_expression" | "new_expression") {
                        // `private api = axios.create({ ... })`: the field holds the result.
                        self.call(inner, depth + 1, true, Some(target));
                    } else {
                        self.visit(value, depth + 1);
                    }
                }
            }
            _ => self.children(node, depth),
        }
    }

    /// `{ search: async () => ... }`: the function takes the key's name.
    pub(super) fn pair(&mut self, node: Node, depth: usize) {
        let key = node.field(Field::Key);
        let value = node.field(Field::Value);
        match (key, value) {
            (Some(key), Some(value)) if is_function(unwrap(value).kind_name()) => {
                let name =
                    string_content(key, self.b.src).unwrap_or_else(|| self.text(key).to_string());
                self.function(unwrap(value), Some(name), depth + 1);
            }
            _ => self.children(node, depth),
        }
    }

    pub(super) fn expression_statement(&mut self, node: Node, depth: usize) {
        let Some(expression) = node.named_child(0) else {
            return;
        };
        let inner = unwrap(expression);
        if matches!(inner.kind_name(), "call_expression" | "new_expression") {
            self.call(inner, depth + 1, false, None);
        } else {
            self.visit(expression, depth + 1);
        }
    }

    /// Records an object literal kept in `name` (or returned, for `None`) with its entries,
    /// once its functions are lowered.
    pub(super) fn table(&mut self, name: Option<String>, object: Node) {
        let function_at = |model: &Model, node: Node| {
            let span = node_span(node);
            model.functions.iter().rposition(|f| f.span == span)
        };
        let mut entries = Vec::new();
        for entry in named_children(object) {
            let (key, value) = match entry.kind_name() {
                "pair" => {
                    let (Some(k), Some(v)) = (entry.field(Field::Key), entry.field(Field::Value))
                    else {
                        continue;
                    };
                    let key = string_content(k, self.b.src).unwrap_or_else(|| self.text(k).into());
                    (Some(key), unwrap(v))
                }
                "shorthand_property_identifier" => (Some(self.text(entry).to_string()), entry),
                "method_definition" => match entry.field(Field::Name) {
                    Some(n) => (Some(self.text(n).to_string()), entry),
                    None => continue,
                },
                "spread_element" => match entry.named_child(0) {
                    Some(v) => (None, unwrap(v)),
                    None => continue,
                },
                _ => continue,
            };
            let value = match value.kind_name() {
                "shorthand_property_identifier" => ArgValue::Name(self.text(value).to_string()),
                kind if is_function(kind) || kind == "method_definition" => {
                    match function_at(&self.b.model, value) {
                        Some(id) => ArgValue::Function(id),
                        None => continue,
                    }
                }
                "identifier" | "member_expression" => ArgValue::Name(path_of(value, self.b.src)),
                "call_expression" | "new_expression" => match value
                    .field(Field::Function)
                    .or_else(|| value.field(Field::Constructor))
                {
                    Some(c) => ArgValue::Call(path_of(c, self.b.src)),
                    None => continue,
                },
                _ => continue,
            };
            entries.push((key, value));
        }
        if !entries.is_empty() {
            let func = self.b.current();
            self.b.model.tables.push(Table {
                func,
                name,
                entries,
            });
        }
    }

    /// `const list = api.list`, `const handler = HANDLERS[tool.name]`: a plain name that holds
    /// another name (an [`Assignment`] the link stage resolves through), or one entry of a
    /// table (a table that spreads it: each of its functions).
    fn alias(&mut self, name: &str, inner: Node, span: Span) {
        match inner.kind_name() {
            "identifier" | "member_expression" => {
                let value = path_of(inner, self.b.src);
                if !value.contains(['(', '[', '?']) {
                    self.b.model.assignments.push(Assignment {
                        func: self.b.current(),
                        target: name.to_string(),
                        value: Some(value),
                        span,
                    });
                }
            }
            "subscript_expression" => {
                if let Some(object) = inner.field(Field::Object) {
                    let table = path_of(object, self.b.src);
                    if !table.contains(['(', '[', '?']) {
                        self.b.model.tables.push(Table {
                            func: self.b.current(),
                            name: Some(name.to_string()),
                            entries: vec![(None, ArgValue::Name(table))],
                        });
                    }
                }
            }
            _ => {}
        }
    }
}
