//! Functions, lambdas and decorators: parameters, docstrings and the functions they bind.

use tree_sitter::Node;

use super::{Lowerer, path_of, string_content};
use crate::lang::fields::{Field, FieldExt};
use crate::lang::{class_like, named_children, node_span};
use crate::model::*;

impl Lowerer<'_> {
    pub(super) fn decorated(&mut self, node: Node, depth: usize) {
        let decorators: Vec<Node> = named_children(node)
            .filter(|c| c.kind_name() == "decorator")
            .collect();
        let mut decorator_calls = Vec::new();
        let mut written = Vec::new();
        for decorator in &decorators {
            let first = self.b.model.calls.len();
            self.visit(*decorator, depth + 1);
            let expression = decorator.named_child(0).map(node_span);
            let calls = (first..self.b.model.calls.len())
                .filter(|&i| Some(self.b.model.calls[i].span) == expression);
            let before = decorator_calls.len();
            decorator_calls.extend(calls);
            written.push((*decorator, decorator_calls.get(before).copied()));
        }
        let Some(definition) = node.field(Field::Definition) else {
            return;
        };
        if definition.kind_name() != "function_definition" {
            return self.visit(definition, depth + 1);
        }
        let id = self.function(definition, &decorators, depth);
        for call in decorator_calls {
            self.b
                .model
                .decorator_calls
                .push(DecoratorCall { func: id, call });
        }
        for (decorator, call) in written {
            if let Some(path) = self.decorator_path(decorator) {
                self.b.model.decorators.push(Decorator {
                    func: id,
                    path,
                    span: node_span(decorator),
                    call,
                });
            }
        }
        let docstring = self.docstring(definition);
        self.decorated_tool_declaration(&decorators, definition, docstring.as_deref());
    }

    /// A decorator as written, without `@` and arguments: `mcp.tool` for `@mcp.tool(name="x")`.
    fn decorator_path(&self, decorator: Node) -> Option<String> {
        let expression = decorator.named_child(0)?;
        let target = if expression.kind_name() == "call" {
            expression.field(Field::Function).unwrap_or(expression)
        } else {
            expression
        };
        Some(path_of(target, self.b.src))
    }

    pub(super) fn function(&mut self, node: Node, decorators: &[Node], depth: usize) -> FnId {
        let name_node = node.field(Field::Name);
        let name = name_node.map(|n| self.text(n).to_string());
        let owner = self.b.owner();
        let mut params = self.params(node.field(Field::Parameters));
        if owner.is_some() && params.first().is_some_and(|p| p == "self" || p == "cls") {
            params.remove(0);
        }
        let is_async = {
            let mut cursor = node.walk();
            node.children(&mut cursor).any(|c| c.kind_name() == "async")
        };
        let decorators = decorators
            .iter()
            .filter_map(|d| self.decorator_path(*d))
            .collect();
        let span = node_span(node);
        let name_span = name_node.map(node_span).unwrap_or(span);
        self.b.enter_function(Function {
            name,
            owner,
            span,
            name_span,
            params,
            is_async,
            parent: None,
            decorators,
            param_flows: Vec::new(),
            returns: node
                .field(Field::ReturnType)
                .map(|t| self.text(t).trim().to_string()),
        });
        let id = self.b.current();
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
        if let Some(parameters) = node.field(Field::Parameters) {
            self.typed_parameters(parameters);
            self.children(parameters, depth + 1);
        }
        self.b.push_owner(None);
        if let Some(body) = node.field(Field::Body) {
            self.children(body, depth + 1);
        }
        self.b.pop_owner();
        self.b.leave_function();
        id
    }

    /// The class a type annotation names: `Client`, `api.Client`, `Client | None`,
    /// `Optional[Client]`. `None` for anything else, and for names not written like a class.
    pub(super) fn class_of_type(&self, node: Node) -> Option<String> {
        let mut node = node;
        for _ in 0..4 {
            match node.kind_name() {
                "type" => node = node.named_child(0)?,
                "binary_operator" => node = node.field(Field::Left)?,
                "generic_type" | "subscript" => {
                    let head = node.named_child(0)?;
                    if !matches!(self.text(head), "Optional" | "typing.Optional") {
                        return None;
                    }
                    node = named_children(node).nth(1)?;
                    if node.kind_name() == "type_parameter" {
                        node = node.named_child(0)?;
                    }
                }
                "identifier" | "attribute" => {
                    let class = path_of(node, self.b.src);
                    let last = class.rsplit('.').next().unwrap_or(&class);
                    return class_like(last).then_some(class);
                }
                _ => return None,
            }
        }
        None
    }

    /// `client: httpx.AsyncClient` tells what a parameter holds.
    fn typed_parameters(&mut self, parameters: Node) {
        for p in named_children(parameters) {
            let name = match p.kind_name() {
                "typed_parameter" => p.named_child(0).filter(|n| n.kind_name() == "identifier"),
                "typed_default_parameter" => p.field(Field::Name),
                _ => None,
            };
            let class = p.field(Field::Type).and_then(|t| self.class_of_type(t));
            if let (Some(name), Some(class)) = (name, class) {
                let name = self.text(name).to_string();
                self.b.model.param_types.push(ParamType {
                    func: self.b.current(),
                    name: name.clone(),
                    class: class.clone(),
                });
                self.b.model.instances.push(Instance { name, class });
            }
        }
    }

    pub(super) fn lambda(&mut self, node: Node, depth: usize) -> FnId {
        let params = self.params(node.field(Field::Parameters));
        let span = node_span(node);
        let id = self.b.enter_function(Function {
            name: None,
            owner: None,
            span,
            name_span: span,
            params,
            is_async: false,
            parent: None,
            decorators: Vec::new(),
            param_flows: Vec::new(),
            returns: None,
        });
        if let Some(body) = node.field(Field::Body) {
            self.return_value(body, Some(body), depth + 1);
        }
        self.b.leave_function();
        id
    }

    pub(super) fn params(&self, list: Option<Node>) -> Vec<String> {
        let Some(list) = list else {
            return Vec::new();
        };
        named_children(list)
            .filter_map(|p| match p.kind_name() {
                "identifier" => Some(self.text(p).to_string()),
                "typed_parameter" => p
                    .named_child(0)
                    .filter(|n| n.kind_name() == "identifier")
                    .map(|n| self.text(n).to_string()),
                "default_parameter" | "typed_default_parameter" => {
                    p.field(Field::Name).map(|n| self.text(n).to_string())
                }
                "list_splat_pattern" | "dictionary_splat_pattern" => Some(self.text(p).to_string()),
                _ => None,
            })
            .collect()
    }

    /// The function's docstring: a string as its first statement.
    pub(super) fn docstring(&self, function: Node) -> Option<String> {
        let body = function.field(Field::Body)?;
        let first = body.named_child(0)?;
        if first.kind_name() != "expression_statement" {
            return None;
        }
        let string = first.named_child(0)?;
        if string.kind_name() != "string" {
            return None;
        }
        string_content(string, self.b.src)
    }
}
