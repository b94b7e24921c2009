//! The TypeScript / TSX / JavaScript front end: one walk of the tree into a [`Model`].

mod bindings;
mod calls;
mod classes;
mod conditions;
mod definitions;
mod env;
mod exits;
mod functions;
mod modules;
mod taint;
mod tools;

use std::collections::HashMap;

use tree_sitter::Node;

use self::tools::ConstValue;
use crate::knowledge::LoweringVocabulary;
use crate::lang::builder::{Builder, MAX_DEPTH};
use crate::lang::fields::{Field, FieldExt};
use crate::lang::shared::Grammar;
use crate::lang::{named_children, node_span};
use crate::model::*;

/// The node kinds the shared code ([`shared`]) reads in this grammar.
const GRAMMAR: Grammar = Grammar {
    language: Language::JavaScript,
    calls: &["call_expression"],
    names: &["identifier", "member_expression", "subscript_expression"],
    not: "unary_expression",
    not_operator: Some("!"),
    logical: "binary_expression",
    logical_operators: &["&&", "||"],
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
    /// What the `const`s declared so far hold, for tool schemas written apart from the tool.
    doc_consts: HashMap<String, ConstValue>,
}

fn is_function(kind: &str) -> bool {
    matches!(
        kind,
        "function_declaration"
            | "generator_function_declaration"
            | "function_expression"
            | "function"
            | "generator_function"
            | "arrow_function"
            | "method_definition"
    )
}

/// Strips the wrappers that do not change a value: parentheses, `await`, TS casts.
fn unwrap<'t>(mut node: Node<'t>) -> Node<'t> {
    loop {
        match node.kind_name() {
            "parenthesized_expression"
            | "await_expression"
            | "as_expression"
            | "satisfies_expression"
            | "non_null_expression"
            | "type_assertion" => match node.named_child(0) {
                Some(inner) if inner.kind_name() != "comment" => node = inner,
                _ => return node,
            },
            _ => return node,
        }
    }
}

/// A dotted path for a callee or assignment target: `this.client.get`, `fetch().then`.
pub(crate) fn path_of(node: Node, src: &[u8]) -> String {
    path_within(node, src, &mut 64)
}

/// [`path_of`] in at most `budget` steps in all: a chain of calls is one walk, not one per call.
fn path_within(node: Node, src: &[u8], budget: &mut usize) -> String {
    let mut segments: Vec<String> = Vec::new();
    let mut current = node;
    while *budget > 0 {
        *budget -= 1;
        match current.kind_name() {
            "member_expression" => {
                let property = current
                    .field(Field::Property)
                    .map(|p| text_of(p, src))
                    .unwrap_or_default();
                segments.push(property);
                match current.field(Field::Object) {
                    Some(object) => current = object,
                    None => break,
                }
            }
            "call_expression" => {
                match current.field(Field::Function) {
                    Some(function) => {
                        // `fetch(url).then` → `fetch().then`
                        let inner = path_within(function, src, budget);
                        segments.push(format!("{inner}()"));
                    }
                    None => segments.push("?".into()),
                }
                break;
            }
            "parenthesized_expression"
            | "await_expression"
            | "non_null_expression"
            | "as_expression"
            | "satisfies_expression" => match current.named_child(0) {
                Some(inner) => current = inner,
                None => break,
            },
            // `(0, client_1.fetchIssue)(id)`, as compilers call imported functions: the
            // comma expression's value is its last operand.
            "sequence_expression" => {
                match crate::lang::named_children(current)
                    .filter(|c| c.kind_name() != "comment")
                    .last()
                {
                    Some(last) => current = last,
                    None => break,
                }
            }
            "subscript_expression" => {
                segments.push("[]".into());
                match current.field(Field::Object) {
                    Some(object) => current = object,
                    None => break,
                }
            }
            "identifier"
            | "this"
            | "super"
            | "property_identifier"
            | "type_identifier"
            | "private_property_identifier" => {
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
    let mut path = segments.join(".");
    path = path.replace(".[]", "[]");
    path
}

fn text_of(node: Node, src: &[u8]) -> String {
    node.utf8_text(src).unwrap_or("").to_string()
}

/// The text of a string literal, or of a template with no substitutions.
pub(crate) fn string_content(node: Node, src: &[u8]) -> Option<String> {
    match node.kind_name() {
        "string" => Some(
            named_children(node)
                .filter(|c| {
                    c.kind_name() == "string_fragment" || c.kind_name() == "escape_sequence"
                })
                .map(|c| text_of(c, src))
                .collect(),
        ),
        "template_string"
            if !named_children(node).any(|c| c.kind_name() == "template_substitution") =>
        {
            Some(
                named_children(node)
                    .filter(|c| c.kind_name() == "string_fragment")
                    .map(|c| text_of(c, src))
                    .collect(),
            )
        }
        _ => None,
    }
}

fn object_keys(node: Node, src: &[u8]) -> Vec<String> {
    named_children(node)
        .filter_map(|entry| match entry.kind_name() {
            "pair" => entry
                .field(Field::Key)
                .map(|k| string_content(k, src).unwrap_or_else(|| text_of(k, src))),
            "shorthand_property_identifier" => Some(text_of(entry, src)),
            "method_definition" => entry.field(Field::Name).map(|n| text_of(n, src)),
            "spread_element" => Some("...".to_string()),
            _ => None,
        })
        .collect()
}

/// The first line of a node, to point at a function that has no name.
fn head_span(node: Node) -> Span {
    let start = node.start_byte();
    let end = node
        .field(Field::Body)
        .map_or(node.end_byte(), |b| b.start_byte())
        .max(start);
    Span::new(start, end)
}

impl<'s> Lowerer<'s> {
    /// `class Api extends Base`: the classes it extends, as written (not what it implements).
    fn class_bases(&self, node: Node) -> Vec<String> {
        let Some(heritage) = named_children(node).find(|c| c.kind_name() == "class_heritage")
        else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for child in named_children(heritage) {
            let value = match child.kind_name() {
                "extends_clause" => child.field(Field::Value).or_else(|| child.named_child(0)),
                "implements_clause" => None,
                _ => Some(child),
            };
            if let Some(value) =
                value.filter(|v| matches!(v.kind_name(), "identifier" | "member_expression"))
            {
                out.push(path_of(value, self.b.src));
            }
        }
        out
    }

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
        let kind = node.kind_name();
        match kind {
            _ if is_function(kind) => {
                self.function(node, None, depth);
            }
            "class_declaration" | "class" | "abstract_class_declaration" => {
                // `var FastMCP = class extends Base { ... }` (how bundlers emit classes): the
                // class takes the name of the variable it is assigned to.
                let name_node = node.field(Field::Name).or_else(|| {
                    node.parent()
                        .filter(|p| p.kind_name() == "variable_declarator")
                        .and_then(|p| p.field(Field::Name))
                        .filter(|n| n.kind_name() == "identifier")
                });
                let name = name_node.map(|n| self.text(n).to_string());
                if let Some(name) = &name {
                    // Every class, one with no base included.
                    let bases = self.class_bases(node);
                    self.b.model.class_bases.push(ClassBases {
                        name: name.clone(),
                        bases,
                    });
                }
                if let (Some(name), Some(name_node)) = (&name, name_node) {
                    self.b
                        .begin_class(name.clone(), node_span(node), node_span(name_node));
                }
                self.b.push_owner(name.clone());
                self.children(node, depth);
                self.b.pop_owner();
                if name.is_some() && name_node.is_some() {
                    self.b.end_class();
                }
            }
            "identifier" | "shorthand_property_identifier" => {
                let name = self.text(node);
                self.b.note_read(name);
            }
            "if_statement" | "while_statement" | "do_statement" => {
                if let Some(condition) = node.field(Field::Condition) {
                    self.truthy(condition, TestedBy::If);
                    if kind == "if_statement" {
                        self.state_tests(node, condition);
                        self.presence_tests(node, condition);
                    }
                }
                self.children(node, depth);
            }
            "ternary_expression" => {
                if let Some(condition) = node.field(Field::Condition) {
                    self.truthy(condition, TestedBy::Ternary);
                }
                self.children(node, depth);
            }
            "unary_expression" => {
                let not = node
                    .field(Field::Operator)
                    .is_some_and(|o| self.text(o) == "!");
                if let (true, Some(argument)) = (not, node.field(Field::Argument)) {
                    self.truthy(argument, TestedBy::Not);
                }
                self.children(node, depth);
            }
            "binary_expression" => {
                let operator = node
                    .field(Field::Operator)
                    .map(|o| self.text(o))
                    .unwrap_or("");
                let how = match operator {
                    "&&" => Some(TestedBy::And),
                    "||" => Some(TestedBy::Or),
                    _ => None,
                };
                if let (Some(how), Some(left)) = (how, node.field(Field::Left)) {
                    self.truthy(left, how);
                }
                self.children(node, depth);
            }
            "switch_statement" => {
                if self.b.in_class() {
                    self.switch_state_tests(node);
                }
                self.children(node, depth);
            }
            "variable_declarator" => self.declarator(node, depth),
            // `{ token, http = defaultHttpClient({ token }) }`: a default value built by a call
            // binds the name as a declaration does.
            "assignment_pattern" | "object_assignment_pattern" => {
                match (node.field(Field::Left), node.field(Field::Right)) {
                    (Some(left), Some(right))
                        if matches!(
                            left.kind_name(),
                            "identifier" | "shorthand_property_identifier_pattern"
                        ) && matches!(
                            unwrap(right).kind_name(),
                            "call_expression" | "new_expression"
                        ) =>
                    {
                        let name = self.text(left).to_string();
                        self.bind(&name, right, depth);
                    }
                    _ => self.children(node, depth),
                }
            }
            "assignment_expression" | "augmented_assignment_expression" => {
                self.assignment(node, depth)
            }
            "public_field_definition" | "field_definition" => self.field(node, depth),
            "pair" => self.pair(node, depth),
            "call_expression" | "new_expression" => self.call(node, depth, true, None),
            "expression_statement" => self.expression_statement(node, depth),
            "try_statement" => self.try_statement(node, depth),
            "return_statement" => {
                let value = node
                    .named_children(&mut node.walk())
                    .find(|n| n.kind_name() != "comment");
                self.return_value(node, value, depth);
            }
            "throw_statement" => self.throw(node, depth),
            "import_statement" => self.import(node),
            "export_statement" => self.export(node, depth),
            "required_parameter" | "optional_parameter" => self.typed_parameter(node, depth),
            "object" => {
                self.tool_object(node);
                self.env_object(node);
                self.children(node, depth);
                self.definition(node);
            }
            "member_expression" | "subscript_expression" => {
                self.env_read(node);
                self.children(node, depth)
            }
            _ => self.children(node, depth),
        }
    }

    fn children(&mut self, node: Node, depth: usize) {
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            self.visit(child, depth + 1);
        }
    }
}
