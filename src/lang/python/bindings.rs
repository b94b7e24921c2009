//! Bindings: assignments, `with` items and expression statements.

use tree_sitter::Node;

use super::{Lowerer, path_of, string_content, unwrap};
use crate::lang::fields::{Field, FieldExt};
use crate::lang::{class_like, named_children, node_span};
use crate::model::*;

impl Lowerer<'_> {
    pub(super) fn assignment(&mut self, node: Node, depth: usize) {
        let (Some(left), Some(right)) = (node.field(Field::Left), node.field(Field::Right)) else {
            return self.children(node, depth);
        };
        let target = path_of(left, self.b.src);
        self.remember_schema(&target, right);
        if node.kind_name() == "assignment" {
            self.env_write(left);
        }
        let inner = unwrap(right);
        // `r: Redis = manager.get()`: the annotation says what the name holds.
        if let Some(class) = node.field(Field::Type).and_then(|t| self.class_of_type(t)) {
            self.b.model.instances.push(Instance {
                name: target.clone(),
                class,
            });
        }
        if node.kind_name() == "assignment" && target.contains('.') {
            self.b.model.assignments.push(Assignment {
                func: self.b.current(),
                target: target.clone(),
                value: self.simple_value(right),
                span: node_span(node),
            });
        }
        // `list_tables = _metadata.list_tables`, `handler = HANDLERS[name]`: a plain name that
        // holds another name (resolved through by the link stage), or one entry of a table
        // (a table that spreads it: each of its functions).
        if node.kind_name() == "assignment" && !target.contains(['.', '[', '(', ',']) {
            match inner.kind_name() {
                "identifier" | "attribute" => {
                    let value = path_of(inner, self.b.src);
                    if !value.contains(['(', '[']) {
                        self.b.model.assignments.push(Assignment {
                            func: self.b.current(),
                            target: target.clone(),
                            value: Some(value),
                            span: node_span(node),
                        });
                    }
                }
                "subscript" => {
                    if let Some(object) = inner.field(Field::Value) {
                        let table = path_of(object, self.b.src);
                        if !table.contains(['(', '[']) {
                            self.b.model.tables.push(Table {
                                func: self.b.current(),
                                name: Some(target.clone()),
                                entries: vec![(None, ArgValue::Name(table))],
                            });
                        }
                    }
                }
                _ => {}
            }
        }
        if node.kind_name() == "assignment" && left.kind_name() == "identifier" {
            self.remember_string(&target, inner);
        }
        if node.kind_name() == "assignment" && self.b.in_class() {
            self.class_field_write(left, inner, node);
        }
        if node.kind_name() == "assignment" && self.b.in_handler() {
            let decision = self.value_of(inner);
            self.b.handler_exit(
                node_span(right),
                ExitKind::Assigns {
                    target: target.clone(),
                    value: decision,
                },
            );
        }
        let hits = self.taint(right, 0);
        self.b.assign(&target, &hits);
        if inner.kind_name() == "call" {
            if let Some(function) = inner.field(Field::Function) {
                let class = path_of(function, self.b.src);
                let last = class.rsplit('.').next().unwrap_or(&class);
                if class_like(last) {
                    self.b.model.instances.push(Instance {
                        name: target.clone(),
                        class,
                    });
                }
            }
            self.call(inner, depth + 1, true, Some(target));
        } else if inner.kind_name() == "lambda" {
            let id = self.lambda(inner, depth + 1);
            self.b.model.functions[id].name = Some(target);
        } else {
            self.visit(right, depth + 1);
            if inner.kind_name() == "dictionary" {
                self.table(Some(target), inner);
            }
        }
    }

    /// `NAME = "search"` at the top of a module, and `STATUS = "git_status"` in the body of a
    /// class there (an `Enum`'s member, read as `GitTools.STATUS` / `GitTools.STATUS.value`).
    fn remember_string(&mut self, name: &str, value: Node) {
        if self.b.current() != MODULE {
            return;
        }
        let Some(text) = string_content(value, self.b.src) else {
            return;
        };
        let name = match self.b.owner() {
            Some(class) => format!("{class}.{name}"),
            None => name.to_string(),
        };
        self.b.model.string_constants.push(StringConstant {
            name,
            value: text,
            at: value.start_byte() as u32,
        });
    }

    /// Records a dict literal kept in `name` (or returned, for `None`) with its entries, once
    /// its lambdas are lowered.
    pub(super) fn table(&mut self, name: Option<String>, dict: Node) {
        let mut entries = Vec::new();
        for entry in named_children(dict) {
            let (key, value) = match entry.kind_name() {
                "pair" => match (entry.field(Field::Key), entry.field(Field::Value)) {
                    (Some(k), Some(v)) => (string_content(k, self.b.src), unwrap(v)),
                    _ => continue,
                },
                "dictionary_splat" => match entry.named_child(0) {
                    Some(v) => (None, unwrap(v)),
                    None => continue,
                },
                _ => continue,
            };
            let value = match value.kind_name() {
                "identifier" | "attribute" => ArgValue::Name(path_of(value, self.b.src)),
                "lambda" => {
                    let span = node_span(value);
                    match self.b.model.functions.iter().rposition(|f| f.span == span) {
                        Some(id) => ArgValue::Function(id),
                        None => continue,
                    }
                }
                "call" => match value.field(Field::Function) {
                    Some(f) => ArgValue::Call(path_of(f, self.b.src)),
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

    /// `with httpx.Client(timeout=5) as client:` binds `client` like an assignment would, and
    /// records the block the context manager governs.
    pub(super) fn with_statement(&mut self, node: Node, depth: usize) {
        let body = node.field(Field::Body);
        let clause = named_children(node).find(|c| c.kind_name() == "with_clause");
        for item in clause.into_iter().flat_map(named_children) {
            if item.kind_name() != "with_item" {
                continue;
            }
            let Some(value) = item.field(Field::Value) else {
                continue;
            };
            let (manager, alias) = if value.kind_name() == "as_pattern" {
                let alias = value
                    .field(Field::Alias)
                    .and_then(|a| {
                        if a.kind_name() == "as_pattern_target" {
                            a.named_child(0)
                        } else {
                            Some(a)
                        }
                    })
                    .filter(|a| matches!(a.kind_name(), "identifier" | "attribute"))
                    .map(|a| path_of(a, self.b.src));
                (value.named_child(0).unwrap_or(value), alias)
            } else {
                (value, None)
            };
            let inner = unwrap(manager);
            if inner.kind_name() != "call" {
                self.visit(manager, depth + 1);
                self.b.model.withs.push(WithBlock {
                    func: self.b.current(),
                    call: None,
                    body: body.map(node_span).unwrap_or_else(|| node_span(node)),
                });
                continue;
            }
            if let (Some(alias), Some(function)) = (&alias, inner.field(Field::Function)) {
                let class = path_of(function, self.b.src);
                let last = class.rsplit('.').next().unwrap_or(&class);
                if class_like(last) {
                    self.b.model.instances.push(Instance {
                        name: alias.clone(),
                        class,
                    });
                }
            }
            self.call(inner, depth + 1, true, alias);
            let call = self
                .b
                .model
                .calls
                .len()
                .checked_sub(1)
                .filter(|&i| self.b.model.calls[i].span == node_span(inner));
            self.b.model.withs.push(WithBlock {
                func: self.b.current(),
                call,
                body: body.map(node_span).unwrap_or_else(|| node_span(node)),
            });
        }
        if let Some(body) = body {
            self.visit(body, depth + 1);
        }
    }

    pub(super) fn expression_statement(&mut self, node: Node, depth: usize) {
        for expression in named_children(node) {
            let inner = unwrap(expression);
            if inner.kind_name() == "call" {
                self.call(inner, depth + 1, false, None);
            } else {
                self.visit(expression, depth + 1);
            }
        }
    }
}
