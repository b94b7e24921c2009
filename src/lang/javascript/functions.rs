//! Functions, methods and arrows: their parameters and the functions they bind.

use tree_sitter::Node;

use super::exits::block_terminates;
use super::{Lowerer, head_span};
use crate::lang::fields::{Field, FieldExt};
use crate::lang::node_span;
use crate::model::*;

impl Lowerer<'_> {
    /// Lowers a function-like node; `bound` is the name it is assigned to, if any.
    pub(super) fn function(&mut self, node: Node, bound: Option<String>, depth: usize) -> FnId {
        self.function_with(node, bound, depth, None)
    }

    /// `catch_of`: the function is the callback of `promise.catch(...)` for this try region:
    /// its first parameter is the caught error, and its returns are the handler's exits.
    pub(super) fn function_with(
        &mut self,
        node: Node,
        bound: Option<String>,
        depth: usize,
        catch_of: Option<TryId>,
    ) -> FnId {
        let name_node = node.field(Field::Name);
        let name = name_node.map(|n| self.text(n).to_string()).or(bound);
        let params = self.params(node);
        let is_async = {
            let mut cursor = node.walk();
            node.children(&mut cursor).any(|c| c.kind_name() == "async")
        };
        let span = node_span(node);
        let name_span = name_node.map(node_span).unwrap_or_else(|| head_span(node));
        let owner = if node.kind_name() == "method_definition" || name_node.is_none() {
            self.b.owner()
        } else {
            None
        };
        let id = self.b.enter_function(Function {
            name,
            owner,
            span,
            name_span,
            params: params.iter().map(|(p, _)| p.clone()).collect(),
            is_async,
            parent: None,
            decorators: Vec::new(),
            param_flows: Vec::new(),
            returns: node.field(Field::ReturnType).map(|t| {
                self.text(t)
                    .trim()
                    .trim_start_matches(':')
                    .trim()
                    .to_string()
            }),
        });
        if let Some(class) = node
            .field(Field::ReturnType)
            .and_then(|t| self.class_of_type(t))
        {
            self.b.model.returned.push(Returned {
                func: id,
                class: Some(class),
                name: None,
            });
        }
        if let Some(try_id) = catch_of {
            let binding = params.first().map(|(p, s)| (p.clone(), *s));
            self.b.open_handler(try_id, span, span, binding);
        }
        // Parameters' default values and types may hold calls; lower them inside the function.
        if let Some(parameters) = node.field(Field::Parameters) {
            self.children(parameters, depth + 1);
        }
        self.b.push_owner(None);
        match node.field(Field::Body) {
            Some(body) if body.kind_name() == "statement_block" => {
                self.children(body, depth + 1);
                if catch_of.is_some() {
                    let falls = !block_terminates(body, self.b.src);
                    let logs = self.only_logs(body);
                    self.b.close_handler(falls, logs);
                }
            }
            Some(expression) => {
                // `(x) => expr`: the expression is returned.
                self.return_value(expression, Some(expression), depth + 1);
                if catch_of.is_some() {
                    self.b.close_handler(false, false);
                }
            }
            None => {
                if catch_of.is_some() {
                    self.b.close_handler(true, true);
                }
            }
        }
        self.b.pop_owner();
        self.b.leave_function();
        id
    }

    /// The class a type annotation names: `: Api`, `: Promise<Api>`, `: Api | undefined`.
    pub(super) fn class_of_type(&self, node: Node) -> Option<String> {
        let mut node = node;
        for _ in 0..5 {
            match node.kind_name() {
                "type_annotation" | "parenthesized_type" => node = node.named_child(0)?,
                "union_type" => node = node.named_child(0)?,
                "generic_type" => {
                    let head = node.field(Field::Name)?;
                    if self.text(head) != "Promise" {
                        return None;
                    }
                    node = crate::lang::named_children(node)
                        .find(|c| c.kind_name() == "type_arguments")?
                        .named_child(0)?;
                }
                "type_identifier" | "nested_type_identifier" => {
                    let class = self.text(node).to_string();
                    let last = class.rsplit('.').next().unwrap_or(&class);
                    return last
                        .starts_with(|c: char| c.is_ascii_uppercase())
                        .then_some(class);
                }
                _ => return None,
            }
        }
        None
    }

    pub(super) fn params(&self, node: Node) -> Vec<(String, Span)> {
        if let Some(single) = node.field(Field::Parameter) {
            return vec![(self.text(single).to_string(), node_span(single))];
        }
        let Some(list) = node.field(Field::Parameters) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut cursor = list.walk();
        for param in list.named_children(&mut cursor) {
            let target = match param.kind_name() {
                "required_parameter" | "optional_parameter" => param
                    .field(Field::Pattern)
                    .or_else(|| param.field(Field::Name)),
                "assignment_pattern" => param.field(Field::Left),
                "comment" => continue,
                _ => Some(param),
            };
            match target {
                Some(t) if t.kind_name() == "identifier" => {
                    out.push((self.text(t).to_string(), node_span(t)))
                }
                Some(t) if t.kind_name() == "this" => continue,
                _ => out.push(("{…}".to_string(), node_span(param))),
            }
        }
        out
    }

    /// `constructor(private client: ApiClient)` and `server: McpServer` tell what a name holds.
    pub(super) fn typed_parameter(&mut self, node: Node, depth: usize) {
        let pattern = node
            .field(Field::Pattern)
            .filter(|p| p.kind_name() == "identifier");
        let type_name = node
            .field(Field::Type)
            .and_then(|t| t.named_child(0))
            .filter(|t| t.kind_name() == "type_identifier")
            .map(|t| self.text(t).to_string());
        let has_modifier = {
            let mut cursor = node.walk();
            node.children(&mut cursor)
                .any(|c| c.kind_name() == "accessibility_modifier" || c.kind_name() == "readonly")
        };
        if let Some(pattern) = pattern {
            let name = self.text(pattern).to_string();
            // A parameter property is a field that holds what the caller gave.
            if has_modifier && self.b.in_class() {
                self.b.add_callable_field(name.clone());
            }
            if let Some(class) = type_name {
                if has_modifier {
                    self.b.model.instances.push(Instance {
                        name: format!("this.{name}"),
                        class: class.clone(),
                    });
                }
                self.b.model.param_types.push(ParamType {
                    func: self.b.current(),
                    name: name.clone(),
                    class: class.clone(),
                });
                self.b.model.instances.push(Instance { name, class });
            }
        }
        if let Some(value) = node.field(Field::Value) {
            self.visit(value, depth + 1);
        }
    }
}
