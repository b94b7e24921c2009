//! The Python front end: one walk of the tree into a [`Model`].

use std::collections::HashMap;

use tree_sitter::Node;

use super::builder::{
    Builder, Hit, MAX_DEPTH, Origin, is_allow_key, is_degraded_key, is_logging_call,
    is_opaque_call, is_safe_error_property, is_text_conversion, short, state_constant,
    string_decision,
};
use super::fields::{Field, FieldExt};
use super::{named_children, node_span};
use crate::model::*;

pub(crate) fn lower(root: Node, src: &[u8]) -> Model {
    let mut lowerer = Lowerer {
        b: Builder::new(src, node_span(root)),
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

/// Calls whose result is a server object, and names that usually hold one.
fn is_server_class(class: &str) -> bool {
    matches!(
        class.rsplit('.').next(),
        Some("FastMCP" | "Server" | "McpServer" | "MCPServer")
    )
}

impl<'s> Lowerer<'s> {
    fn text(&self, node: Node) -> &'s str {
        self.b.text(node_span(node))
    }

    fn visit(&mut self, node: Node, depth: usize) {
        super::check_deadline();
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
                if let Some(bases) = node.field(Field::Superclasses) {
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
                    if node.kind_name() != "while_statement" && self.b.in_class() {
                        self.state_tests(node, condition);
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

    // ---- functions -----------------------------------------------------------------------

    fn decorated(&mut self, node: Node, depth: usize) {
        let decorators: Vec<Node> = named_children(node)
            .filter(|c| c.kind_name() == "decorator")
            .collect();
        let mut decorator_calls = Vec::new();
        for decorator in &decorators {
            let first = self.b.model.calls.len();
            self.visit(*decorator, depth + 1);
            let expression = decorator.named_child(0).map(node_span);
            decorator_calls.extend(
                (first..self.b.model.calls.len())
                    .filter(|&i| Some(self.b.model.calls[i].span) == expression),
            );
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
        let docstring = self.docstring(definition);
        self.decorated_tool_declaration(&decorators, definition, docstring.as_deref());
        for decorator in decorators {
            self.tool_decorator(decorator, id, docstring.clone());
        }
    }

    fn function(&mut self, node: Node, decorators: &[Node], depth: usize) -> FnId {
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
            .filter_map(|d| d.named_child(0))
            .map(|e| {
                let e = if e.kind_name() == "call" {
                    e.field(Field::Function).unwrap_or(e)
                } else {
                    e
                };
                path_of(e, self.b.src)
            })
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
        });
        let id = self.b.current();
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

    /// `client: httpx.AsyncClient` tells what a parameter holds.
    fn typed_parameters(&mut self, parameters: Node) {
        for p in named_children(parameters) {
            let name = match p.kind_name() {
                "typed_parameter" => p.named_child(0).filter(|n| n.kind_name() == "identifier"),
                "typed_default_parameter" => p.field(Field::Name),
                _ => None,
            };
            let class = p
                .field(Field::Type)
                .and_then(|t| t.named_child(0))
                .filter(|t| matches!(t.kind_name(), "identifier" | "attribute"))
                .map(|t| path_of(t, self.b.src));
            if let (Some(name), Some(class)) = (name, class) {
                let last = class.rsplit('.').next().unwrap_or(&class);
                if last.starts_with(|c: char| c.is_ascii_uppercase()) {
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
    }

    fn lambda(&mut self, node: Node, depth: usize) -> FnId {
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
        });
        if let Some(body) = node.field(Field::Body) {
            self.return_value(body, Some(body), depth + 1);
        }
        self.b.leave_function();
        id
    }

    fn params(&self, list: Option<Node>) -> Vec<String> {
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

    /// `@mcp.tool()`, `@mcp.tool(name=..., description=...)`, `@server.call_tool()`.
    fn tool_decorator(&mut self, decorator: Node, id: FnId, docstring: Option<String>) {
        let Some(expression) = decorator.named_child(0) else {
            return;
        };
        let (target, call) = if expression.kind_name() == "call" {
            (expression.field(Field::Function), Some(expression))
        } else {
            (Some(expression), None)
        };
        let Some(target) = target else {
            return;
        };
        let path = path_of(target, self.b.src);
        let Some((receiver, method)) = path.rsplit_once('.') else {
            return;
        };
        if !self.is_server(receiver) {
            return;
        }
        let keyword = |name: &str| -> Option<String> {
            let arguments = call?.field(Field::Arguments)?;
            named_children(arguments)
                .filter(|a| a.kind_name() == "keyword_argument")
                .find(|a| a.field(Field::Name).is_some_and(|n| self.text(n) == name))
                .and_then(|a| a.field(Field::Value))
                .and_then(|v| string_content(v, self.b.src))
        };
        let function = &self.b.model.functions[id];
        let registration = match method {
            "tool" => ToolRegistration {
                kind: ToolKind::Single,
                name: keyword("name")
                    .or_else(|| function.name.clone())
                    .unwrap_or_default(),
                span: node_span(decorator),
                handlers: vec![HandlerRef::Function(id)],
                description: keyword("description").or(docstring),
            },
            "call_tool" => ToolRegistration {
                kind: ToolKind::Dispatcher,
                name: "call_tool".into(),
                span: node_span(decorator),
                handlers: vec![HandlerRef::Function(id)],
                description: None,
            },
            _ => return,
        };
        self.b.model.tools.push(registration);
    }

    fn is_server(&self, receiver: &str) -> bool {
        let known = self
            .b
            .model
            .instances
            .iter()
            .any(|i| i.name == receiver && is_server_class(&i.class));
        let last = receiver
            .rsplit('.')
            .next()
            .unwrap_or(receiver)
            .to_ascii_lowercase();
        known || last.contains("mcp") || last.contains("server") || last == "app"
    }

    // ---- bindings ------------------------------------------------------------------------

    fn assignment(&mut self, node: Node, depth: usize) {
        let (Some(left), Some(right)) = (node.field(Field::Left), node.field(Field::Right)) else {
            return self.children(node, depth);
        };
        let target = path_of(left, self.b.src);
        self.remember_schema(&target, right);
        if node.kind_name() == "assignment" {
            self.env_write(left);
        }
        let inner = unwrap(right);
        if node.kind_name() == "assignment" && target.contains('.') {
            self.b.model.assignments.push(Assignment {
                func: self.b.current(),
                target: target.clone(),
                value: self.simple_value(right),
                span: node_span(node),
            });
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
                if last.starts_with(|c: char| c.is_ascii_uppercase()) {
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
        }
    }

    /// `with httpx.Client(timeout=5) as client:` binds `client` like an assignment would, and
    /// records the block the context manager governs.
    fn with_statement(&mut self, node: Node, depth: usize) {
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
                if last.starts_with(|c: char| c.is_ascii_uppercase()) {
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

    // ---- calls ---------------------------------------------------------------------------

    fn expression_statement(&mut self, node: Node, depth: usize) {
        for expression in named_children(node) {
            let inner = unwrap(expression);
            if inner.kind_name() == "call" {
                self.call(inner, depth + 1, false, None);
            } else {
                self.visit(expression, depth + 1);
            }
        }
    }

    fn call(&mut self, node: Node, depth: usize, used: bool, assigned_to: Option<String>) {
        if depth > MAX_DEPTH {
            self.depth_limited = true;
            return;
        }
        let Some(function) = node.field(Field::Function) else {
            return self.children(node, depth);
        };
        let callee = path_of(function, self.b.src);
        let awaited = super::may_follow_await(self.b.src, node.start_byte())
            && node.parent().is_some_and(|p| p.kind_name() == "await");
        if function.kind_name() == "attribute" {
            if let Some(object) = function.field(Field::Object) {
                if object.kind_name() != "identifier" {
                    self.visit(object, depth + 1);
                } else {
                    let name = self.text(object);
                    self.b.note_read(name);
                }
            }
        } else if function.kind_name() != "identifier" {
            self.visit(function, depth + 1);
        } else {
            let name = self.text(function);
            self.b.note_read(name);
        }
        let mut args = Vec::new();
        if let Some(list) = node.field(Field::Arguments) {
            for arg in named_children(list).filter(|a| a.kind_name() != "comment") {
                let (keyword, value_node) = if arg.kind_name() == "keyword_argument" {
                    (
                        arg.field(Field::Name).map(|n| self.text(n).to_string()),
                        arg.field(Field::Value).unwrap_or(arg),
                    )
                } else {
                    (None, arg)
                };
                let value = self.argument(value_node, depth);
                args.push(Arg {
                    keyword,
                    span: node_span(arg),
                    value,
                });
            }
        }
        // `mcp.tool()(handler)` and `mcp.add_tool(handler, ...)` register a tool too.
        self.tool_call(&callee, node, &args);
        self.server_constructor(&callee, node, &args);
        self.env_call(&callee, node);
        self.tool_definition_call(&callee, node);
        let literals = self.arg_literals(node);
        let index = self.b.add_call(Call {
            callee,
            span: node_span(node),
            callee_span: node_span(function),
            func: MODULE,
            args,
            awaited,
            is_new: false,
            in_try: None,
            result_used: used,
            assigned_to,
        });
        for (key, value, span) in literals {
            self.b.add_arg_literal(index, key, value, span);
        }
    }

    /// Literal decisions among a call's arguments: `True`, `{"allowed": True}`,
    /// `fail_open=True`.
    fn arg_literals(&self, call: Node) -> Vec<(Option<String>, Value, Span)> {
        let Some(list) = call.field(Field::Arguments) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for arg in named_children(list) {
            let (key, value_node) = if arg.kind_name() == "keyword_argument" {
                let Some(value) = arg.field(Field::Value) else {
                    continue;
                };
                (
                    arg.field(Field::Name).map(|n| self.text(n).to_string()),
                    value,
                )
            } else {
                (None, arg)
            };
            let value = self.value_of(unwrap(value_node));
            if matches!(
                value,
                Value::True | Value::False | Value::Allow | Value::Deny | Value::Degraded
            ) {
                out.push((key, value, node_span(arg)));
            }
        }
        out
    }

    fn tool_call(&mut self, callee: &str, node: Node, args: &[Arg]) {
        let Some((receiver, method)) = callee.rsplit_once('.') else {
            return;
        };
        if method != "add_tool" || !self.is_server(receiver) {
            return;
        }
        let handler = match args.first().map(|a| &a.value) {
            Some(ArgValue::Function(id)) => HandlerRef::Function(*id),
            Some(ArgValue::Name(name)) => HandlerRef::Name(name.clone()),
            _ => return,
        };
        let keyword = |name: &str| {
            args.iter()
                .find(|a| a.keyword.as_deref() == Some(name))
                .and_then(|a| match &a.value {
                    ArgValue::Str(s) => Some(s.clone()),
                    _ => None,
                })
        };
        let name = keyword("name").unwrap_or_else(|| match &handler {
            HandlerRef::Name(n) => n.clone(),
            HandlerRef::Function(_) => String::new(),
        });
        self.b.model.tools.push(ToolRegistration {
            kind: ToolKind::Single,
            name,
            span: node_span(node),
            handlers: vec![handler],
            description: keyword("description"),
        });
    }

    /// `Server("name", on_call_tool=handle)`: the newer low-level server takes its tools/call
    /// handler as a constructor argument instead of an `@server.call_tool()` decorator.
    fn server_constructor(&mut self, callee: &str, node: Node, args: &[Arg]) {
        if !is_server_class(callee) {
            return;
        }
        let handler = args
            .iter()
            .find(|a| a.keyword.as_deref() == Some("on_call_tool"))
            .and_then(|a| match &a.value {
                ArgValue::Function(id) => Some(HandlerRef::Function(*id)),
                ArgValue::Name(name) => Some(HandlerRef::Name(name.clone())),
                _ => None,
            });
        if let Some(handler) = handler {
            self.b.model.tools.push(ToolRegistration {
                kind: ToolKind::Dispatcher,
                name: "call_tool".into(),
                span: node_span(node),
                handlers: vec![handler],
                description: None,
            });
        }
    }

    fn argument(&mut self, arg: Node, depth: usize) -> ArgValue {
        let inner = unwrap(arg);
        let value = match inner.kind_name() {
            "lambda" => return ArgValue::Function(self.lambda(inner, depth + 1)),
            _ => self.shallow_value(inner, 0),
        };
        self.visit(arg, depth + 1);
        value
    }

    /// What an argument is, without lowering it (its calls are lowered by the caller).
    fn shallow_value(&self, inner: Node, depth: usize) -> ArgValue {
        match inner.kind_name() {
            "identifier" | "attribute" => ArgValue::Name(path_of(inner, self.b.src)),
            "string" => match string_content(inner, self.b.src) {
                Some(s) => ArgValue::Str(s),
                None => ArgValue::Other,
            },
            "dictionary" => ArgValue::Object(
                named_children(inner)
                    .filter_map(|p| match p.kind_name() {
                        "pair" => p
                            .field(Field::Key)
                            .and_then(|k| string_content(k, self.b.src)),
                        "dictionary_splat" => Some("...".to_string()),
                        _ => None,
                    })
                    .collect(),
            ),
            "call" => ArgValue::Call(
                inner
                    .field(Field::Function)
                    .map(|f| path_of(f, self.b.src))
                    .unwrap_or_default(),
            ),
            "list_splat" | "dictionary_splat" => ArgValue::Spread,
            "list" | "tuple" if depth < 16 => ArgValue::Array(
                named_children(inner)
                    .filter(|e| e.kind_name() != "comment")
                    .map(|e| Arg {
                        keyword: None,
                        span: node_span(e),
                        value: self.shallow_value(unwrap(e), depth + 1),
                    })
                    .collect(),
            ),
            _ => ArgValue::Other,
        }
    }

    /// A value simple enough to record as written: a string's content, a number, a name.
    fn simple_value(&self, node: Node) -> Option<String> {
        let node = unwrap(node);
        match node.kind_name() {
            "string" => string_content(node, self.b.src),
            "integer" | "float" | "true" | "false" | "none" => Some(self.text(node).to_string()),
            "identifier" | "attribute" => Some(path_of(node, self.b.src)),
            _ => None,
        }
    }

    // ---- try, return, raise --------------------------------------------------------------

    fn try_statement(&mut self, node: Node, depth: usize) {
        let Some(body) = node.field(Field::Body) else {
            return self.children(node, depth);
        };
        let id = self.b.begin_try(TryKind::Statement, node_span(body));
        self.b.open_try_body(id);
        self.children(body, depth + 1);
        self.b.close_try_body();
        for clause in named_children(node) {
            match clause.kind_name() {
                "except_clause" | "except_group_clause" => {
                    let block = named_children(clause).find(|c| c.kind_name() == "block");
                    let binding = clause
                        .field(Field::Alias)
                        .or_else(|| {
                            // Older grammars: `except X as e` as an as_pattern.
                            named_children(clause)
                                .find(|c| c.kind_name() == "as_pattern")
                                .and_then(|p| p.field(Field::Alias))
                        })
                        .map(|a| (self.text(a).to_string(), node_span(a)));
                    let head = Span::new(
                        clause.start_byte(),
                        block.map_or(clause.end_byte(), |b| b.start_byte()),
                    );
                    self.b.open_handler(id, head, binding);
                    if let Some(block) = block {
                        self.children(block, depth + 1);
                        let falls = !block_terminates(block, self.b.src);
                        let logs = self.only_logs(block);
                        self.b.close_handler(falls, logs);
                    } else {
                        self.b.close_handler(true, true);
                    }
                }
                "else_clause" | "finally_clause" => self.visit(clause, depth + 1),
                _ => {}
            }
        }
    }

    fn return_value(&mut self, statement: Node, value: Option<Node>, depth: usize) {
        if self.b.in_handler() {
            let decision = value.map_or(Value::Null, |v| self.value_of(unwrap(v)));
            self.b
                .handler_exit(node_span(statement), ExitKind::Return(decision));
        }
        let hits = value.map(|v| self.taint(v, 0)).unwrap_or_default();
        let decision = value.map_or(Value::Null, |v| self.value_of(unwrap(v)));
        self.b
            .exit(ExitStatement::Return, node_span(statement), hits, decision);
        if let Some(value) = value {
            self.visit(value, depth + 1);
        }
    }

    fn raise(&mut self, node: Node, depth: usize) {
        if self.b.in_handler() {
            self.b.handler_exit(node_span(node), ExitKind::Throw);
        }
        let cause = node.field(Field::Cause);
        let value = named_children(node).find(|c| Some(*c) != cause && c.kind_name() != "comment");
        let hits = value.map(|v| self.taint(v, 0)).unwrap_or_default();
        self.b
            .exit(ExitStatement::Throw, node_span(node), hits, Value::Other);
        self.children(node, depth);
    }

    fn value_of(&self, node: Node) -> Value {
        match node.kind_name() {
            "true" => Value::True,
            "false" => Value::False,
            "comparison_operator" | "not_operator" => Value::Boolean,
            "boolean_operator" => {
                let boolean = [Field::Left, Field::Right].iter().any(|f| {
                    node.field(*f).is_some_and(|side| {
                        matches!(
                            self.value_of(unwrap(side)),
                            Value::True | Value::False | Value::Boolean
                        )
                    })
                });
                if boolean {
                    Value::Boolean
                } else {
                    Value::Other
                }
            }
            "call"
                if node
                    .field(Field::Function)
                    .map(|f| path_of(f, self.b.src))
                    .is_some_and(|callee| {
                        let method = callee.rsplit('.').next().unwrap_or(&callee).to_string();
                        matches!(
                            callee.as_str(),
                            "bool"
                                | "any"
                                | "all"
                                | "isinstance"
                                | "issubclass"
                                | "callable"
                                | "hasattr"
                        ) || matches!(method.as_str(), "startswith" | "endswith")
                    }) =>
            {
                Value::Boolean
            }
            "none" => Value::Null,
            "string" => match string_content(node, self.b.src) {
                Some(s) => string_decision(&s),
                None => Value::Literal,
            },
            "integer" | "float" | "list" | "tuple" => Value::Literal,
            "dictionary" => {
                let mut degraded = false;
                for pair in named_children(node).filter(|p| p.kind_name() == "pair") {
                    let (Some(key), Some(value)) =
                        (pair.field(Field::Key), pair.field(Field::Value))
                    else {
                        continue;
                    };
                    let Some(key) = string_content(key, self.b.src) else {
                        continue;
                    };
                    if is_allow_key(&key) {
                        match value.kind_name() {
                            "true" => return Value::Allow,
                            "false" => return Value::Deny,
                            _ => {}
                        }
                    }
                    degraded |= is_degraded_key(&key) && value.kind_name() == "true";
                }
                if degraded {
                    Value::Degraded
                } else {
                    Value::Literal
                }
            }
            "call" => {
                // `dict(allowed=True)`, `AuthResult(valid=True)`.
                let Some(arguments) = node.field(Field::Arguments) else {
                    return Value::Other;
                };
                for kw in named_children(arguments).filter(|a| a.kind_name() == "keyword_argument")
                {
                    let name = kw.field(Field::Name).map(|n| self.text(n));
                    let value = kw.field(Field::Value).map(|v| v.kind_name());
                    if let (Some(name), Some(value)) = (name, value) {
                        if is_allow_key(name) {
                            return match value {
                                "true" => Value::Allow,
                                "false" => Value::Deny,
                                _ => Value::Other,
                            };
                        }
                    }
                }
                Value::Other
            }
            _ => Value::Other,
        }
    }

    fn only_logs(&self, block: Node) -> bool {
        named_children(block).all(|statement| match statement.kind_name() {
            "comment" | "pass_statement" => true,
            "expression_statement" => named_children(statement).all(|e| {
                let e = unwrap(e);
                e.kind_name() == "string"
                    || e.kind_name() == "call"
                        && e.field(Field::Function)
                            .is_some_and(|f| is_logging_call(&path_of(f, self.b.src)))
            }),
            _ => false,
        })
    }

    // ---- imports -------------------------------------------------------------------------

    fn import(&mut self, node: Node) {
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

    fn import_from(&mut self, node: Node) {
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

    // ---- error taint ---------------------------------------------------------------------

    fn taint(&self, node: Node, depth: usize) -> Vec<Hit> {
        if depth > 64 {
            return Vec::new();
        }
        let span = node_span(node);
        match node.kind_name() {
            "identifier" => self
                .b
                .hit_for_name(self.text(node), span)
                .into_iter()
                .collect(),
            "attribute" => {
                if let Some(hit) = self.b.hit_for_name(&path_of(node, self.b.src), span) {
                    return vec![hit];
                }
                let attribute = node
                    .field(Field::Attribute)
                    .map(|a| self.text(a))
                    .unwrap_or("");
                if is_safe_error_property(attribute) {
                    return Vec::new();
                }
                let kind = if attribute == "__traceback__" {
                    LeakKind::Stack
                } else {
                    LeakKind::Message
                };
                node.field(Field::Object)
                    .map(|o| self.taint(o, depth + 1))
                    .unwrap_or_default()
                    .into_iter()
                    .map(|mut h| {
                        if h.raw {
                            h.kind = kind;
                        }
                        h.into_text(span, self.text(node))
                    })
                    .collect()
            }
            "subscript" => node
                .field(Field::Value)
                .map(|v| self.taint(v, depth + 1))
                .unwrap_or_default(),
            "call" => self.taint_call(node, depth),
            "string" | "concatenated_string" => {
                let mut hits = Vec::new();
                self.interpolations(node, depth, &mut hits);
                hits
            }
            "binary_operator" => {
                let operator = node
                    .field(Field::Operator)
                    .map(|o| self.text(o))
                    .unwrap_or("");
                if !matches!(operator, "+" | "%") {
                    return Vec::new();
                }
                [Field::Left, Field::Right]
                    .iter()
                    .filter_map(|f| node.field(*f))
                    .flat_map(|s| self.taint(s, depth + 1))
                    .map(|h| {
                        let s = h.span;
                        let text = self.b.text(s).to_string();
                        h.into_text(s, &text)
                    })
                    .collect()
            }
            "boolean_operator" => [Field::Left, Field::Right]
                .iter()
                .filter_map(|f| node.field(*f))
                .flat_map(|s| self.taint(s, depth + 1))
                .collect(),
            "conditional_expression" => named_children(node)
                .enumerate()
                .filter(|(i, _)| *i != 1)
                .flat_map(|(_, c)| self.taint(c, depth + 1))
                .collect(),
            "dictionary"
            | "list"
            | "tuple"
            | "set"
            | "parenthesized_expression"
            | "await"
            | "expression_list"
            | "list_splat"
            | "dictionary_splat" => named_children(node)
                .flat_map(|c| self.taint(c, depth + 1))
                .collect(),
            "pair" => node
                .field(Field::Value)
                .map(|v| self.taint(v, depth + 1))
                .unwrap_or_default(),
            "keyword_argument" => node
                .field(Field::Value)
                .map(|v| self.taint(v, depth + 1))
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    fn interpolations(&self, node: Node, depth: usize, hits: &mut Vec<Hit>) {
        for child in named_children(node) {
            match child.kind_name() {
                "interpolation" => {
                    if let Some(e) = child.field(Field::Expression) {
                        for h in self.taint(e, depth + 1) {
                            let s = h.span;
                            let text = self.b.text(s).to_string();
                            hits.push(h.into_text(s, &text));
                        }
                    }
                }
                "string" => self.interpolations(child, depth + 1, hits),
                _ => {}
            }
        }
    }

    fn taint_call(&self, node: Node, depth: usize) -> Vec<Hit> {
        let span = node_span(node);
        let Some(function) = node.field(Field::Function) else {
            return Vec::new();
        };
        let callee = path_of(function, self.b.src);
        let text = self.text(node);
        if matches!(
            callee.as_str(),
            "traceback.format_exc" | "format_exc" | "traceback.format_stack"
        ) {
            return vec![Hit {
                span,
                text: short(text),
                kind: LeakKind::Stack,
                origin: Origin::Caught(span),
                via: None,
                raw: false,
                wrapped: false,
            }];
        }
        if is_opaque_call(&callee) {
            return Vec::new();
        }
        let arguments: Vec<Node> = node
            .field(Field::Arguments)
            .map(|a| {
                named_children(a)
                    .filter(|n| n.kind_name() != "comment")
                    .collect()
            })
            .unwrap_or_default();
        if function.kind_name() == "attribute" {
            if let Some(object) = function.field(Field::Object) {
                let method = function
                    .field(Field::Attribute)
                    .map(|a| self.text(a))
                    .unwrap_or("");
                // `"failed: {}".format(e)`, `", ".join(errors)`
                if object.kind_name() == "string" && matches!(method, "format" | "join") {
                    return arguments
                        .iter()
                        .flat_map(|a| self.taint(*a, depth + 1))
                        .map(|h| h.into_text(span, text))
                        .collect();
                }
                let from_receiver = self.taint(object, depth + 1);
                if !from_receiver.is_empty() {
                    return from_receiver
                        .into_iter()
                        .map(|h| h.into_text(span, text))
                        .collect();
                }
            }
        }
        let last = callee.rsplit('.').next().unwrap_or(&callee);
        let constructs_error = is_text_conversion(&callee).is_none()
            && (last.ends_with("Error") || last.ends_with("Exception"));
        let converts =
            is_text_conversion(&callee).or_else(|| constructs_error.then_some(LeakKind::Message));
        let mut hits = Vec::new();
        for (index, arg) in arguments.iter().enumerate() {
            for hit in self.taint(*arg, depth + 1) {
                match converts {
                    Some(kind) => {
                        let mut h = hit.into_text(span, text);
                        h.kind = h.kind.max(kind);
                        if constructs_error {
                            h.raw = true;
                            h.wrapped = true;
                        }
                        hits.push(h);
                    }
                    None => {
                        let raw_object = hit.raw;
                        let mut h = hit;
                        h.raw = false;
                        if h.via.is_none() {
                            h.via = Some(ViaCall {
                                callee: callee.clone(),
                                arg: index,
                                raw_object,
                            });
                            // Error text keeps pointing at itself; a bare error
                            // object is turned into text (or not) by the callee.
                            if raw_object {
                                h.span = span;
                                h.text = short(text);
                            }
                        }
                        hits.push(h);
                    }
                }
            }
        }
        hits
    }
}

impl Lowerer<'_> {
    /// Records the parts of `node` whose truthiness decides: the expression itself, or both
    /// sides of `and` / `or`, through parentheses, `await` and `not`.
    fn truthy(&mut self, node: Node, how: TestedBy) {
        self.truthy_at(node, how, 0);
    }

    fn truthy_at(&mut self, node: Node, how: TestedBy, depth: usize) {
        if depth > 32 {
            return;
        }
        let inner = unwrap(node);
        match inner.kind_name() {
            "call" => self.b.add_condition(node_span(inner), None, true, how),
            "identifier" | "attribute" | "subscript" => {
                let name = path_of(inner, self.b.src);
                self.b
                    .add_condition(node_span(inner), Some(name), false, how);
            }
            "not_operator" => {
                if let Some(argument) = inner.field(Field::Argument) {
                    self.truthy_at(argument, TestedBy::Not, depth + 1);
                }
            }
            "boolean_operator" => {
                for side in [Field::Left, Field::Right] {
                    if let Some(operand) = inner.field(side) {
                        self.truthy_at(operand, how, depth + 1);
                    }
                }
            }
            _ => {}
        }
    }

    /// `self.state = "open"` and `self._func = func` inside a class.
    fn class_field_write(&mut self, left: Node, value: Node, assignment: Node) {
        if left.kind_name() != "attribute" {
            return;
        }
        let Some(attribute) = left.field(Field::Attribute) else {
            return;
        };
        let field = self.text(attribute).to_string();
        let text = if value.kind_name() == "attribute" {
            path_of(value, self.b.src)
        } else {
            self.text(value).to_string()
        };
        if let Some(constant) =
            state_constant(value.kind_name(), &text, string_content(value, self.b.src))
        {
            self.b
                .add_state_write(field.clone(), constant, node_span(assignment));
        }
        let on_self = left
            .field(Field::Object)
            .is_some_and(|o| o.kind_name() == "identifier" && self.text(o) == "self");
        if on_self && value.kind_name() == "identifier" && self.b.is_param(self.text(value)) {
            self.b.add_callable_field(field);
        }
    }

    /// The field comparisons in an `if` / `elif` condition, each with the branches it selects.
    fn state_tests(&mut self, statement: Node, condition: Node) {
        let Some(consequence) = statement.field(Field::Consequence) else {
            return;
        };
        let has_elif = named_children(statement).any(|c| c.kind_name() == "elif_clause");
        let alternative = named_children(statement)
            .find(|c| c.kind_name() == "else_clause")
            .filter(|_| !has_elif)
            .and_then(|e| e.field(Field::Body));
        let mut found = Vec::new();
        let joined = self.comparisons(unwrap(condition), &mut found, 0);
        for (field, value, equal, in_list) in found {
            self.b.add_state_test(StateTest {
                func: MODULE,
                field,
                value,
                equal,
                joined: if in_list && joined == Joined::Single {
                    Joined::Or
                } else {
                    joined
                },
                body: node_span(consequence),
                body_exits: exits_function(consequence, 0),
                alternative: alternative.map(node_span),
                alternative_exits: alternative.is_some_and(|a| exits_function(a, 0)),
            });
        }
    }

    /// Collects `<x>.<field> == <constant>` tests (`is`, `!=`, `is not`, `in (...)`, and
    /// `x.is_open` / `x.is_open()` as `is_open == True`) joined by one kind of `and` / `or`.
    fn comparisons(
        &self,
        node: Node,
        out: &mut Vec<(String, String, bool, bool)>,
        depth: usize,
    ) -> Joined {
        if depth > 16 {
            return Joined::Single;
        }
        let node = unwrap(node);
        match node.kind_name() {
            "boolean_operator" => {
                let joined = match node.field(Field::Operator).map(|o| o.kind_name()) {
                    Some("and") => Joined::And,
                    _ => Joined::Or,
                };
                let mut inner = Vec::new();
                let a = node.field(Field::Left).map_or(Joined::Single, |l| {
                    self.comparisons(l, &mut inner, depth + 1)
                });
                let b = node.field(Field::Right).map_or(Joined::Single, |r| {
                    self.comparisons(r, &mut inner, depth + 1)
                });
                if [a, b].iter().all(|j| *j == Joined::Single || *j == joined) {
                    out.extend(inner);
                }
                joined
            }
            "comparison_operator" => {
                let operands: Vec<Node> = named_children(node).collect();
                let mut cursor = node.walk();
                let operators: Vec<&str> = node
                    .children(&mut cursor)
                    .filter(|c| !c.is_named())
                    .map(|c| c.kind_name())
                    .collect();
                if operands.len() != 2 || operators.len() != 1 {
                    return Joined::Single;
                }
                let (equal, membership) = match operators[0] {
                    "==" | "is" => (true, false),
                    "!=" | "is not" => (false, false),
                    "in" => (true, true),
                    _ => return Joined::Single,
                };
                if membership {
                    if let (Some(field), true) = (
                        self.field_name(operands[0]),
                        matches!(operands[1].kind_name(), "tuple" | "list" | "set"),
                    ) {
                        for item in named_children(operands[1]) {
                            if let Some(value) = self.constant(item) {
                                out.push((field.clone(), value, true, true));
                            }
                        }
                    }
                    return Joined::Single;
                }
                let pair = self
                    .field_name(operands[0])
                    .zip(self.constant(operands[1]))
                    .or_else(|| self.field_name(operands[1]).zip(self.constant(operands[0])));
                if let Some((field, value)) = pair {
                    out.push((field, value, equal, false));
                }
                Joined::Single
            }
            "not_operator" => {
                if let Some(field) = node.field(Field::Argument).and_then(|a| self.flag_field(a)) {
                    out.push((field, "true".into(), false, false));
                }
                Joined::Single
            }
            _ => {
                if let Some(field) = self.flag_field(node) {
                    out.push((field, "true".into(), true, false));
                }
                Joined::Single
            }
        }
    }

    /// `x.is_open()` or `x.is_open`: the attribute's name, for a flag-like test.
    fn flag_field(&self, node: Node) -> Option<String> {
        let node = unwrap(node);
        let target = match node.kind_name() {
            "call" => {
                let arguments = node.field(Field::Arguments)?;
                if arguments.named_child_count() > 0 {
                    return None;
                }
                node.field(Field::Function)?
            }
            _ => node,
        };
        self.field_name(target)
    }

    fn field_name(&self, node: Node) -> Option<String> {
        let node = unwrap(node);
        if node.kind_name() != "attribute" {
            return None;
        }
        node.field(Field::Attribute)
            .map(|a| self.text(a).to_string())
    }

    fn constant(&self, node: Node) -> Option<String> {
        let node = unwrap(node);
        let text = if node.kind_name() == "attribute" {
            path_of(node, self.b.src)
        } else {
            self.text(node).to_string()
        };
        state_constant(node.kind_name(), &text, string_content(node, self.b.src))
    }
}

/// The statement returns or raises on every path: control never continues after it in the
/// function (`break` and `continue` do not count).
fn exits_function(statement: Node, depth: usize) -> bool {
    if depth > 32 {
        return false;
    }
    match statement.kind_name() {
        "return_statement" | "raise_statement" => true,
        "block" => named_children(statement).any(|s| exits_function(s, depth + 1)),
        "if_statement" => {
            let consequence = statement.field(Field::Consequence);
            let else_clause = named_children(statement).find(|c| c.kind_name() == "else_clause");
            let has_elif = named_children(statement).any(|c| c.kind_name() == "elif_clause");
            let alternative = else_clause.and_then(|e| e.field(Field::Body));
            !has_elif
                && matches!(
                    (consequence, alternative),
                    (Some(c), Some(a)) if exits_function(c, depth + 1) && exits_function(a, depth + 1)
                )
        }
        _ => false,
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

fn block_terminates(block: Node, src: &[u8]) -> bool {
    named_children(block).any(|s| statement_terminates(s, src, 0))
}

fn statement_terminates(statement: Node, src: &[u8], depth: usize) -> bool {
    if depth > 32 {
        return false;
    }
    match statement.kind_name() {
        "return_statement" | "raise_statement" | "break_statement" | "continue_statement" => true,
        "block" => named_children(statement).any(|s| statement_terminates(s, src, depth + 1)),
        "if_statement" => {
            let consequence = statement.field(Field::Consequence);
            let else_clause = named_children(statement).find(|c| c.kind_name() == "else_clause");
            let has_elif = named_children(statement).any(|c| c.kind_name() == "elif_clause");
            let alternative = else_clause.and_then(|e| e.field(Field::Body));
            !has_elif
                && matches!(
                    (consequence, alternative),
                    (Some(c), Some(a)) if statement_terminates(c, src, depth + 1)
                        && statement_terminates(a, src, depth + 1)
                )
        }
        "expression_statement" => named_children(statement).any(|e| {
            let e = unwrap(e);
            e.kind_name() == "call"
                && e.field(Field::Function).is_some_and(|f| {
                    matches!(path_of(f, src).as_str(), "sys.exit" | "exit" | "os._exit")
                })
        }),
        _ => false,
    }
}

impl Lowerer<'_> {
    /// The function's docstring: a string as its first statement.
    fn docstring(&self, function: Node) -> Option<String> {
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

// ---- documentation facts: tool declarations and environment reads ----------------------------

/// A type written as a bare name that is not a builtin or standard type: a model class whose
/// own fields carry the descriptions (`address: Address`), or an alias that may hold an
/// `Annotated[..., Field(description=...)]` (`object_type: object_type_annotation`). A parameter
/// typed with one is not judged.
fn is_unseen_type(type_text: &str) -> bool {
    let bare = type_text.trim();
    if bare.is_empty() || bare.contains(['[', '|', ' ', '"', '\'']) {
        return false;
    }
    let last = bare.rsplit('.').next().unwrap_or(bare);
    !matches!(
        last,
        "str"
            | "int"
            | "float"
            | "bool"
            | "bytes"
            | "list"
            | "dict"
            | "tuple"
            | "set"
            | "frozenset"
            | "object"
            | "complex"
            | "None"
            | "Any"
            | "List"
            | "Dict"
            | "Tuple"
            | "Set"
            | "Sequence"
            | "Mapping"
            | "Path"
            | "PurePath"
            | "Decimal"
            | "UUID"
            | "datetime"
            | "date"
            | "time"
            | "timedelta"
            | "AnyUrl"
            | "HttpUrl"
    )
}

/// The docstring documents `name`: a line such as `name: ...`, `name (int): ...`,
/// `name : int`, `- name - ...` or `:param name: ...`, or the name anywhere after an `Args:` /
/// `Parameters` heading (`Args: filename (str), position ('before' or 'after')` on one line).
fn docstring_documents(docstring: &str, name: &str) -> bool {
    let section = ["Args:", "Arguments:", "Parameters", "Params:"]
        .iter()
        .filter_map(|heading| docstring.find(heading))
        .min();
    if let Some(start) = section {
        let is_word = |c: char| c.is_alphanumeric() || c == '_';
        let rest = &docstring[start..];
        let mentioned = rest.match_indices(name).any(|(at, _)| {
            let before = rest[..at].chars().next_back();
            let after = rest[at + name.len()..].chars().next();
            !before.is_some_and(is_word) && !after.is_some_and(is_word)
        });
        if mentioned {
            return true;
        }
    }
    docstring.lines().any(|line| {
        let line = line
            .trim_start()
            .trim_start_matches(['-', '*', '•'])
            .trim_start();
        if let Some(rest) = line
            .strip_prefix(":param")
            .or_else(|| line.strip_prefix(":arg"))
        {
            let head = rest.split(':').next().unwrap_or("");
            return head.split_whitespace().last() == Some(name);
        }
        let line = line.trim_start_matches(['`', '*']);
        let Some(rest) = line.strip_prefix(name) else {
            return false;
        };
        let rest = rest.trim_start_matches(['`', '*']).trim_start();
        rest.starts_with([':', '(', '-', '–', '—'])
    })
}

impl Lowerer<'_> {
    /// A string literal with nothing but white space in it; an f-string, or a concatenation
    /// holding one, is text.
    fn is_empty_text(&self, node: Node) -> bool {
        match node.kind_name() {
            "string" => {
                !named_children(node).any(|c| c.kind_name() == "interpolation")
                    && string_content(node, self.b.src).is_some_and(|t| t.trim().is_empty())
            }
            "concatenated_string" => named_children(node).all(|c| self.is_empty_text(c)),
            _ => false,
        }
    }

    /// A keyword argument's value: `name=value`.
    fn keyword_value<'t>(&self, arguments: Node<'t>, name: &str) -> Option<Node<'t>> {
        named_children(arguments)
            .filter(|a| a.kind_name() == "keyword_argument")
            .find(|a| a.field(Field::Name).is_some_and(|n| self.text(n) == name))
            .and_then(|a| a.field(Field::Value))
    }

    fn push_env_read(&mut self, name: String, span: Span) {
        let func = self.b.current();
        self.b.model.env_reads.push(EnvAccess { name, span, func });
    }

    /// `{**os.environ, "X": value}`, the environment of a child process: the code sets `X`.
    fn env_dictionary(&mut self, dict: Node) {
        let copies_env = named_children(dict).any(|c| {
            c.kind_name() == "dictionary_splat"
                && c.named_child(0).is_some_and(|e| self.is_environ(e))
        });
        if !copies_env {
            return;
        }
        for pair in named_children(dict).filter(|p| p.kind_name() == "pair") {
            let key = pair.field(Field::Key);
            if let Some((name, span)) = key.and_then(|k| self.literal_name(k)) {
                let func = self.b.current();
                self.b.model.env_writes.push(EnvAccess { name, span, func });
            }
        }
    }

    /// `os.environ`, or `environ` imported from `os`.
    fn is_environ(&self, node: Node) -> bool {
        let path = path_of(unwrap(node), self.b.src);
        path == "os.environ" || (path == "environ" && self.imported_from_os("environ"))
    }

    /// `os.environ["X"] = value`: the code sets the variable itself.
    fn env_write(&mut self, target: Node) {
        if target.kind_name() != "subscript" {
            return;
        }
        let Some(value) = target.field(Field::Value) else {
            return;
        };
        let path = path_of(value, self.b.src);
        if path != "os.environ" && !(path == "environ" && self.imported_from_os("environ")) {
            return;
        }
        let subscript = target.field(Field::Subscript);
        if let Some((name, span)) = subscript.and_then(|s| self.literal_name(s)) {
            let func = self.b.current();
            self.b.model.env_writes.push(EnvAccess { name, span, func });
        }
    }

    /// The local name is bound by `from os import <name>`.
    fn imported_from_os(&self, local: &str) -> bool {
        self.b
            .model
            .imports
            .iter()
            .any(|i| i.local == local && i.source == "os")
    }

    /// A string literal's text and the span of that text, without the quotes.
    fn literal_name(&self, node: Node) -> Option<(String, Span)> {
        let node = unwrap(node);
        if node.kind_name() != "string" {
            return None;
        }
        let content = named_children(node).find(|c| c.kind_name() == "string_content")?;
        let name = string_content(node, self.b.src)?;
        Some((name, node_span(content)))
    }

    /// `os.getenv("X")`, `os.environ.get("X")`, and `getenv` / `environ` imported from `os`.
    fn env_call(&mut self, callee: &str, node: Node) {
        let arguments = node.field(Field::Arguments);
        // `dict(os.environ, X="1")`: the environment of a child process sets `X`.
        if callee == "dict"
            && arguments
                .and_then(|a| named_children(a).next())
                .is_some_and(|first| self.is_environ(first))
        {
            for kw in arguments
                .iter()
                .flat_map(|a| named_children(*a))
                .filter(|a| a.kind_name() == "keyword_argument")
            {
                if let Some(name_node) = kw.field(Field::Name) {
                    let name = self.text(name_node).to_string();
                    let func = self.b.current();
                    let span = node_span(name_node);
                    self.b.model.env_writes.push(EnvAccess { name, span, func });
                }
            }
            return;
        }
        let reads = match callee {
            "os.getenv" | "os.environ.get" => true,
            "getenv" => self.imported_from_os("getenv"),
            "environ.get" => self.imported_from_os("environ"),
            _ => false,
        };
        if !reads {
            return;
        }
        let first = node
            .field(Field::Arguments)
            .and_then(|a| named_children(a).find(|n| n.kind_name() != "comment"));
        if let Some((name, span)) = first.and_then(|f| self.literal_name(f)) {
            self.push_env_read(name, span);
        }
    }

    /// `os.environ["X"]` read (an assignment's target is never visited; `del` is not a read).
    fn env_subscript(&mut self, node: Node) {
        let Some(value) = node.field(Field::Value) else {
            return;
        };
        let target = path_of(value, self.b.src);
        let environ =
            target == "os.environ" || target == "environ" && self.imported_from_os("environ");
        if !environ
            || node
                .parent()
                .is_some_and(|p| p.kind_name() == "delete_statement")
        {
            return;
        }
        let subscript = node.field(Field::Subscript);
        if let Some((name, span)) = subscript.and_then(|s| self.literal_name(s)) {
            self.push_env_read(name, span);
        }
    }

    /// `SCHEMA = {"type": "object", "properties": {...}}`, used later as `inputSchema=SCHEMA`.
    fn remember_schema(&mut self, target: &str, value: Node) {
        if target.contains(['.', '[']) {
            return;
        }
        let schema = self.schema_params(value);
        let entry = match self.doc_consts.get(target) {
            Some(_) => None,
            None => schema,
        };
        if entry.is_some() || self.doc_consts.contains_key(target) {
            self.doc_consts.insert(target.to_string(), entry);
        }
    }

    /// A function decorated `@mcp.tool()` / `@mcp.tool(description=...)`: its description is
    /// the `description=` argument or the docstring; its parameters are the function's.
    fn decorated_tool_declaration(
        &mut self,
        decorators: &[Node],
        definition: Node,
        docstring: Option<&str>,
    ) {
        let tool = decorators.iter().find_map(|d| {
            let expression = d.named_child(0)?;
            let (target, call) = if expression.kind_name() == "call" {
                (expression.field(Field::Function)?, Some(expression))
            } else {
                (expression, None)
            };
            let path = path_of(target, self.b.src);
            let (receiver, method) = path.rsplit_once('.')?;
            (method == "tool" && self.is_server(receiver)).then_some((*d, call))
        });
        let Some((decorator, call)) = tool else {
            return;
        };
        let arguments = call.and_then(|c| c.field(Field::Arguments));
        let keyword = |name: &str| arguments.and_then(|a| self.keyword_value(a, name));
        let has_doc = docstring.is_some_and(|d| !d.trim().is_empty());
        let description = match keyword("description").map(unwrap) {
            Some(value) if value.kind_name() != "none" => {
                if self.is_empty_text(value) && !has_doc {
                    Described::No
                } else {
                    Described::Yes
                }
            }
            _ if has_doc => Described::Yes,
            _ if arguments.is_some_and(|a| {
                named_children(a).any(|c| c.kind_name() == "dictionary_splat")
            }) =>
            {
                Described::Unknown
            }
            _ => Described::No,
        };
        let name = keyword("name")
            .or_else(|| {
                arguments
                    .and_then(|a| named_children(a).next())
                    .filter(|a| a.kind_name() == "string")
            })
            .and_then(|n| string_content(n, self.b.src))
            .or_else(|| {
                definition
                    .field(Field::Name)
                    .map(|n| self.text(n).to_string())
            })
            .unwrap_or_default();
        let wrapped = decorators.len() > 1;
        let params = self.function_params(definition, docstring.unwrap_or(""), wrapped);
        let func = self.b.current();
        self.b.model.tool_declarations.push(ToolDeclaration {
            name,
            span: node_span(decorator),
            description,
            params,
            func,
        });
    }

    /// The parameters a tool function shows the client, without `self`, the injected
    /// `Context`, `*args` / `**kwargs`, and (under another decorator, which may inject
    /// arguments) parameters with no type or typed `Any`.
    fn function_params(&self, definition: Node, docstring: &str, wrapped: bool) -> Vec<ToolParam> {
        let Some(list) = definition.field(Field::Parameters) else {
            return Vec::new();
        };
        let mut params = Vec::new();
        for p in named_children(list) {
            let (name_node, type_node, default) = match p.kind_name() {
                "identifier" => (Some(p), None, None),
                "typed_parameter" => (
                    p.named_child(0).filter(|n| n.kind_name() == "identifier"),
                    p.field(Field::Type),
                    None,
                ),
                "default_parameter" => (p.field(Field::Name), None, p.field(Field::Value)),
                "typed_default_parameter" => (
                    p.field(Field::Name),
                    p.field(Field::Type),
                    p.field(Field::Value),
                ),
                _ => continue,
            };
            let Some(name_node) = name_node else { continue };
            let name = self.text(name_node);
            let type_text = type_node.map(|t| self.text(t)).unwrap_or("");
            if matches!(name, "self" | "cls" | "ctx" | "context") || type_text.contains("Context") {
                continue;
            }
            // Wrappers inject clients as untyped or `Any` parameters (`service: Any`).
            let loosely_typed = matches!(type_text.trim(), "" | "Any" | "typing.Any" | "object");
            if loosely_typed && wrapped {
                continue;
            }
            let description = if default.is_some_and(|d| self.is_described_field(d))
                || type_node.is_some_and(|t| self.annotated_described(t))
                || docstring_documents(docstring, name)
            {
                Described::Yes
            } else if is_unseen_type(type_text) {
                Described::Unknown
            } else {
                Described::No
            };
            params.push(ToolParam {
                name: name.to_string(),
                span: node_span(name_node),
                description,
            });
        }
        params
    }

    /// `Field(..., description="...")` (pydantic) or `Doc("...")`.
    fn is_described_field(&self, node: Node) -> bool {
        let node = unwrap(node);
        if node.kind_name() != "call" {
            return false;
        }
        let Some(function) = node.field(Field::Function) else {
            return false;
        };
        let callee = path_of(function, self.b.src);
        let last = callee.rsplit('.').next().unwrap_or(&callee);
        let Some(arguments) = node.field(Field::Arguments) else {
            return false;
        };
        match last {
            "Field" => self
                .keyword_value(arguments, "description")
                .is_some_and(|v| v.kind_name() != "none"),
            "Doc" => named_children(arguments).next().is_some(),
            _ => false,
        }
    }

    /// `Annotated[T, "..."]`, `Annotated[T, Field(description=...)]`, `Annotated[T, Doc(...)]`.
    fn annotated_described(&self, type_node: Node) -> bool {
        let Some(generic) = named_children(type_node)
            .chain(std::iter::once(type_node))
            .find(|n| n.kind_name() == "generic_type")
        else {
            return false;
        };
        let is_annotated = generic
            .named_child(0)
            .is_some_and(|n| self.text(n).rsplit('.').next() == Some("Annotated"));
        if !is_annotated {
            return false;
        }
        let Some(parameters) = named_children(generic).find(|n| n.kind_name() == "type_parameter")
        else {
            return false;
        };
        named_children(parameters).skip(1).any(|metadata| {
            let inner = if metadata.kind_name() == "type" {
                metadata.named_child(0).unwrap_or(metadata)
            } else {
                metadata
            };
            match inner.kind_name() {
                "string" => string_content(inner, self.b.src).is_none_or(|t| !t.trim().is_empty()),
                _ => self.is_described_field(inner),
            }
        })
    }

    /// `Tool(name="search", description="...", inputSchema={...})` (`mcp.types.Tool`).
    fn tool_definition_call(&mut self, callee: &str, node: Node) {
        if callee.rsplit('.').next() != Some("Tool") {
            return;
        }
        let Some(arguments) = node.field(Field::Arguments) else {
            return;
        };
        let Some(schema) = self
            .keyword_value(arguments, "inputSchema")
            .or_else(|| self.keyword_value(arguments, "input_schema"))
        else {
            return;
        };
        let Some(name_node) = self.keyword_value(arguments, "name").map(unwrap) else {
            return;
        };
        let name = match name_node.kind_name() {
            "string" => match string_content(name_node, self.b.src) {
                Some(name) => name,
                None => return,
            },
            // A constant such as `GitTools.STATUS` or `GitTools.STATUS.value`; `tool.name`
            // copies a definition made elsewhere.
            "identifier" | "attribute"
                if self
                    .text(name_node)
                    .starts_with(|c: char| c.is_ascii_uppercase()) =>
            {
                self.text(name_node).to_string()
            }
            _ => return,
        };
        let description = match self.keyword_value(arguments, "description").map(unwrap) {
            Some(value) if value.kind_name() == "none" || self.is_empty_text(value) => {
                Described::No
            }
            Some(_) => Described::Yes,
            None if named_children(arguments).any(|c| c.kind_name() == "dictionary_splat") => {
                Described::Unknown
            }
            None => Described::No,
        };
        let params = self.schema_params(schema).unwrap_or_default();
        let func = self.b.current();
        self.b.model.tool_declarations.push(ToolDeclaration {
            name,
            span: node_span(name_node),
            description,
            params,
            func,
        });
    }

    /// The parameters of a JSON schema: a dict literal with `"properties"`, or a name bound
    /// to one.
    fn schema_params(&self, node: Node) -> Option<Vec<ToolParam>> {
        let node = unwrap(node);
        match node.kind_name() {
            "identifier" => self.doc_consts.get(self.text(node)).cloned().flatten(),
            "dictionary" => {
                let properties = self.dict_value(node, "properties").map(unwrap)?;
                if properties.kind_name() != "dictionary" {
                    return None;
                }
                let mut params = Vec::new();
                for pair in named_children(properties).filter(|p| p.kind_name() == "pair") {
                    let (Some(key), Some(value)) =
                        (pair.field(Field::Key), pair.field(Field::Value))
                    else {
                        continue;
                    };
                    let Some((name, span)) = self.literal_name(key) else {
                        continue;
                    };
                    let value = unwrap(value);
                    let description = if value.kind_name() != "dictionary"
                        || self.dict_value(value, "$ref").is_some()
                    {
                        Described::Unknown
                    } else {
                        match self.dict_value(value, "description").map(unwrap) {
                            Some(v) if v.kind_name() == "none" || self.is_empty_text(v) => {
                                Described::No
                            }
                            Some(_) => Described::Yes,
                            None if named_children(value)
                                .any(|c| c.kind_name() == "dictionary_splat") =>
                            {
                                Described::Unknown
                            }
                            None => Described::No,
                        }
                    };
                    params.push(ToolParam {
                        name,
                        span,
                        description,
                    });
                }
                Some(params)
            }
            _ => None,
        }
    }

    /// The value of `"key": value` in a dict literal.
    fn dict_value<'t>(&self, dict: Node<'t>, key: &str) -> Option<Node<'t>> {
        named_children(dict)
            .filter(|p| p.kind_name() == "pair")
            .find(|p| {
                p.field(Field::Key)
                    .and_then(|k| string_content(k, self.b.src))
                    .is_some_and(|k| k == key)
            })
            .and_then(|p| p.field(Field::Value))
    }
}
