//! The Python front end: one walk of the tree into a [`Model`].

mod bindings;
mod calls;
mod classes;
mod conditions;
mod env;
mod exits;
mod functions;
mod modules;
mod taint;
mod tools;

use std::collections::HashMap;

use tree_sitter::Node;

use crate::knowledge::LoweringVocabulary;
use crate::lang::builder::{Builder, MAX_DEPTH};
use crate::lang::fields::{Field, FieldExt};
use crate::lang::shared::Grammar;
use crate::lang::{named_children, node_span};
use crate::model::*;

/// The node kinds the shared code ([`shared`]) reads in this grammar.
const GRAMMAR: Grammar = Grammar {
    language: Language::Python,
    calls: &["call"],
    names: &["identifier", "attribute", "subscript"],
    not: "not_operator",
    not_operator: None,
    logical: "boolean_operator",
    logical_operators: &[],
    unwrap,
    path_of,
};

pub(crate) fn lower(root: Node, src: &[u8], vocabulary: &LoweringVocabulary) -> Model {
    let mut lowerer = Lowerer {
        b: Builder::new(src, node_span(root), vocabulary),
        depth_limited: false,
        doc_consts: HashMap::new(),
    };
    lowerer.visit(root, 0);
    let depth_limited = lowerer.depth_limited;
    let mut model = lowerer.b.finish();
    model.depth_limited = depth_limited;
    model
}

struct Lowerer<'s> {
    b: Builder<'s>,
    depth_limited: bool,
    /// JSON schemas kept in module names (`None`: the name is bound more than once).
    doc_consts: HashMap<String, Option<Vec<ToolParam>>>,
}

fn unwrap<'t>(mut node: Node<'t>) -> Node<'t> {
    loop {
        match node.kind_name() {
            "parenthesized_expression" | "await" => match node.named_child(0) {
                Some(inner) if inner.kind_name() != "comment" => node = inner,
                _ => return node,
            },
            _ => return node,
        }
    }
}

/// A dotted path: `self.client.get`, `httpx.AsyncClient().get`.
fn path_of(node: Node, src: &[u8]) -> String {
    path_within(node, src, &mut 64)
}

/// [`path_of`] in at most `budget` steps in all: a chain of calls is one walk, not one per call.
fn path_within(node: Node, src: &[u8], budget: &mut usize) -> String {
    let mut segments: Vec<String> = Vec::new();
    let mut current = node;
    while *budget > 0 {
        *budget -= 1;
        match current.kind_name() {
            "attribute" => {
                segments.push(
                    current
                        .field(Field::Attribute)
                        .map(|a| text_of(a, src))
                        .unwrap_or_default(),
                );
                match current.field(Field::Object) {
                    Some(o) => current = o,
                    None => break,
                }
            }
            "call" => {
                let inner = current
                    .field(Field::Function)
                    .map(|f| path_within(f, src, budget))
                    .unwrap_or_else(|| "?".into());
                segments.push(format!("{inner}()"));
                break;
            }
            "parenthesized_expression" | "await" => match current.named_child(0) {
                Some(inner) => current = inner,
                None => break,
            },
            "subscript" => {
                segments.push("[]".into());
                match current.field(Field::Value) {
                    Some(v) => current = v,
                    None => break,
                }
            }
            "identifier" => {
                segments.push(text_of(current, src));
                break;
            }
            "dotted_name" => {
                segments.push(text_of(current, src));
                break;
            }
            _ => {
                segments.push("?".into());
                break;
            }
        }
    }
    segments.reverse();
    segments.join(".").replace(".[]", "[]")
}

fn text_of(node: Node, src: &[u8]) -> String {
    node.utf8_text(src).unwrap_or("").to_string()
}

/// The text of a plain (not formatted) string literal.
fn string_content(node: Node, src: &[u8]) -> Option<String> {
    match node.kind_name() {
        "string" => {
            if named_children(node).any(|c| c.kind_name() == "interpolation") {
                return None;
            }
            Some(
                named_children(node)
                    .filter(|c| c.kind_name() == "string_content")
                    .map(|c| text_of(c, src))
                    .collect(),
            )
        }
        "concatenated_string" => Some(
            named_children(node)
                .filter_map(|c| string_content(c, src))
                .collect(),
        ),
        _ => None,
    }
}

impl<'s> Lowerer<'s> {
    fn text(&self, node: Node) -> &'s str {
        self.b.text(node_span(node))
    }

    fn visit(&mut self, node: Node, depth: usize) {
        crate::lang::check_deadline();
        if depth > MAX_DEPTH {
            self.depth_limited = true;
            return;
        }
        if node.is_error() || node.is_missing() {
            self.b.model.syntax_errors += 1;
        }
        match node.kind_name() {
            "function_definition" => {
                self.function(node, &[], depth);
            }
            "decorated_definition" => self.decorated(node, depth),
            "lambda" => {
                self.lambda(node, depth);
            }
            "class_definition" => {
                let name_node = node.field(Field::Name);
                let name = name_node.map(|n| self.text(n).to_string());
                // Every class, also one with no base and no method (a dataclass of fields).
                let superclasses = node.field(Field::Superclasses);
                if let Some(name) = &name {
                    let bases: Vec<String> = superclasses
                        .into_iter()
                        .flat_map(named_children)
                        .filter(|b| matches!(b.kind_name(), "identifier" | "attribute"))
                        .map(|b| path_of(b, self.b.src))
                        .collect();
                    self.b.model.class_bases.push(ClassBases {
                        name: name.clone(),
                        bases,
                    });
                }
                if let Some(bases) = superclasses {
                    self.visit(bases, depth + 1);
                }
                if let (Some(name), Some(name_node)) = (&name, name_node) {
                    self.b
                        .begin_class(name.clone(), node_span(node), node_span(name_node));
                }
                self.b.push_owner(name.clone());
                if let Some(body) = node.field(Field::Body) {
                    self.children(body, depth);
                }
                self.b.pop_owner();
                if name.is_some() && name_node.is_some() {
                    self.b.end_class();
                }
            }
            "identifier" => {
                let name = self.text(node);
                self.b.note_read(name);
            }
            // `x.attr`: the attribute's name is not a read of a local of that name.
            "attribute" => {
                if let Some(object) = node.field(Field::Object) {
                    self.visit(object, depth + 1);
                }
            }
            "keyword_argument" => {
                if let Some(value) = node.field(Field::Value) {
                    self.visit(value, depth + 1);
                }
            }
            "if_statement" | "elif_clause" | "while_statement" => {
                if let Some(condition) = node.field(Field::Condition) {
                    self.truthy(condition, TestedBy::If);
                    if node.kind_name() != "while_statement" {
                        self.state_tests(node, condition);
                        self.presence_tests(node, condition);
                    }
                }
                self.children(node, depth);
            }
            "conditional_expression" => {
                if let Some(condition) = node.named_child(1) {
                    self.truthy(condition, TestedBy::Ternary);
                }
                self.children(node, depth);
            }
            "not_operator" => {
                if let Some(argument) = node.field(Field::Argument) {
                    self.truthy(argument, TestedBy::Not);
                }
                self.children(node, depth);
            }
            "boolean_operator" => {
                let how = match node.field(Field::Operator).map(|o| o.kind_name()) {
                    Some("and") => TestedBy::And,
                    _ => TestedBy::Or,
                };
                if let Some(left) = node.field(Field::Left) {
                    self.truthy(left, how);
                }
                self.children(node, depth);
            }
            "assignment" | "augmented_assignment" => self.assignment(node, depth),
            "call" => self.call(node, depth, true, None),
            "expression_statement" => self.expression_statement(node, depth),
            "try_statement" => self.try_statement(node, depth),
            "return_statement" => {
                let value = named_children(node).find(|n| n.kind_name() != "comment");
                self.return_value(node, value, depth);
            }
            "raise_statement" => self.raise(node, depth),
            "with_statement" => self.with_statement(node, depth),
            "subscript" => {
                self.env_subscript(node);
                self.children(node, depth)
            }
            "dictionary" => {
                self.env_dictionary(node);
                self.children(node, depth)
            }
            "import_statement" => self.import(node),
            "import_from_statement" => self.import_from(node),
            _ => self.children(node, depth),
        }
    }

    fn children(&mut self, node: Node, depth: usize) {
        for child in named_children(node) {
            self.visit(child, depth + 1);
        }
    }
}
