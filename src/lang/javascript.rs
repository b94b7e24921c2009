//! The TypeScript / TSX / JavaScript front end: one walk of the tree into a [`Model`].

use tree_sitter::Node;

use super::builder::{
    Builder, Hit, MAX_DEPTH, is_allow_key, is_logging_call, is_opaque_call, is_safe_error_property,
    is_text_conversion, short, string_decision,
};
use super::{named_children, node_span};
use crate::model::*;

pub(crate) fn lower(root: Node, src: &[u8]) -> Model {
    let mut lowerer = Lowerer {
        b: Builder::new(src, node_span(root)),
        depth_limited: false,
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
        match node.kind() {
            "parenthesized_expression"
            | "await_expression"
            | "as_expression"
            | "satisfies_expression"
            | "non_null_expression"
            | "type_assertion" => match node.named_child(0) {
                Some(inner) if inner.kind() != "comment" => node = inner,
                _ => return node,
            },
            _ => return node,
        }
    }
}

impl<'s> Lowerer<'s> {
    fn text(&self, node: Node) -> &'s str {
        self.b.text(node_span(node))
    }

    fn visit(&mut self, node: Node, depth: usize) {
        if depth > MAX_DEPTH {
            self.depth_limited = true;
            return;
        }
        if node.is_error() || node.is_missing() {
            self.b.model.syntax_errors += 1;
        }
        let kind = node.kind();
        match kind {
            _ if is_function(kind) => {
                self.function(node, None, depth);
            }
            "class_declaration" | "class" | "abstract_class_declaration" => {
                let name = node
                    .child_by_field_name("name")
                    .map(|n| self.text(n).to_string());
                self.b.push_owner(name);
                self.children(node, depth);
                self.b.pop_owner();
            }
            "variable_declarator" => self.declarator(node, depth),
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
                    .find(|n| n.kind() != "comment");
                self.return_value(node, value, depth);
            }
            "throw_statement" => self.throw(node, depth),
            "import_statement" => self.import(node),
            "export_statement" => self.export(node, depth),
            "required_parameter" | "optional_parameter" => self.typed_parameter(node, depth),
            _ => self.children(node, depth),
        }
    }

    fn children(&mut self, node: Node, depth: usize) {
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            self.visit(child, depth + 1);
        }
    }

    // ---- functions -----------------------------------------------------------------------

    /// Lowers a function-like node; `bound` is the name it is assigned to, if any.
    fn function(&mut self, node: Node, bound: Option<String>, depth: usize) -> FnId {
        self.function_with(node, bound, depth, None)
    }

    /// `catch_of`: the function is the callback of `promise.catch(...)` for this try region:
    /// its first parameter is the caught error, and its returns are the handler's exits.
    fn function_with(
        &mut self,
        node: Node,
        bound: Option<String>,
        depth: usize,
        catch_of: Option<TryId>,
    ) -> FnId {
        let name_node = node.child_by_field_name("name");
        let name = name_node.map(|n| self.text(n).to_string()).or(bound);
        let params = self.params(node);
        let is_async = {
            let mut cursor = node.walk();
            node.children(&mut cursor).any(|c| c.kind() == "async")
        };
        let span = node_span(node);
        let name_span = name_node.map(node_span).unwrap_or_else(|| head_span(node));
        let owner = if node.kind() == "method_definition" || name_node.is_none() {
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
        });
        if let Some(try_id) = catch_of {
            let binding = params.first().map(|(p, s)| (p.clone(), *s));
            self.b.open_handler(try_id, span, binding);
        }
        // Parameters' default values and types may hold calls; lower them inside the function.
        if let Some(parameters) = node.child_by_field_name("parameters") {
            self.children(parameters, depth + 1);
        }
        self.b.push_owner(None);
        match node.child_by_field_name("body") {
            Some(body) if body.kind() == "statement_block" => {
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

    fn params(&self, node: Node) -> Vec<(String, Span)> {
        if let Some(single) = node.child_by_field_name("parameter") {
            return vec![(self.text(single).to_string(), node_span(single))];
        }
        let Some(list) = node.child_by_field_name("parameters") else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut cursor = list.walk();
        for param in list.named_children(&mut cursor) {
            let target = match param.kind() {
                "required_parameter" | "optional_parameter" => param
                    .child_by_field_name("pattern")
                    .or_else(|| param.child_by_field_name("name")),
                "assignment_pattern" => param.child_by_field_name("left"),
                "comment" => continue,
                _ => Some(param),
            };
            match target {
                Some(t) if t.kind() == "identifier" => {
                    out.push((self.text(t).to_string(), node_span(t)))
                }
                Some(t) if t.kind() == "this" => continue,
                _ => out.push(("{…}".to_string(), node_span(param))),
            }
        }
        out
    }

    /// `constructor(private client: ApiClient)` and `server: McpServer` tell what a name holds.
    fn typed_parameter(&mut self, node: Node, depth: usize) {
        let pattern = node.child_by_field_name("pattern");
        let type_name = node
            .child_by_field_name("type")
            .and_then(|t| t.named_child(0))
            .filter(|t| t.kind() == "type_identifier")
            .map(|t| self.text(t).to_string());
        if let (Some(pattern), Some(class)) = (pattern, type_name) {
            if pattern.kind() == "identifier" {
                let name = self.text(pattern).to_string();
                let has_modifier = {
                    let mut cursor = node.walk();
                    node.children(&mut cursor)
                        .any(|c| c.kind() == "accessibility_modifier" || c.kind() == "readonly")
                };
                if has_modifier {
                    self.b.model.instances.push(Instance {
                        name: format!("this.{name}"),
                        class: class.clone(),
                    });
                }
                self.b.model.instances.push(Instance { name, class });
            }
        }
        if let Some(value) = node.child_by_field_name("value") {
            self.visit(value, depth + 1);
        }
    }

    // ---- bindings ------------------------------------------------------------------------

    fn declarator(&mut self, node: Node, depth: usize) {
        let Some(name_node) = node.child_by_field_name("name") else {
            return self.children(node, depth);
        };
        let Some(value) = node.child_by_field_name("value") else {
            return;
        };
        if name_node.kind() == "identifier" {
            let name = self.text(name_node).to_string();
            self.bind(&name, value, depth);
        } else if name_node.kind() == "object_pattern" {
            self.destructure(name_node, value, depth);
        } else {
            self.visit(value, depth + 1);
        }
    }

    /// `name = value` / `const name = value`.
    fn bind(&mut self, name: &str, value: Node, depth: usize) {
        let inner = unwrap(value);
        if is_function(inner.kind()) {
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
        match inner.kind() {
            "call_expression" | "new_expression" => {
                if let Some(source) = self.require_source(inner) {
                    self.b.model.imports.push(Import {
                        local: name.to_string(),
                        source,
                        imported: None,
                    });
                }
                if inner.kind() == "new_expression" {
                    if let Some(class) = inner.child_by_field_name("constructor") {
                        let class = path_of(class, self.b.src);
                        self.b.model.instances.push(Instance {
                            name: name.to_string(),
                            class,
                        });
                    }
                }
                self.call(inner, depth + 1, true, Some(name.to_string()));
            }
            "object" => {
                self.b.push_owner(Some(name.to_string()));
                self.visit(inner, depth + 1);
                self.b.pop_owner();
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
            let (key, local) = match part.kind() {
                "shorthand_property_identifier_pattern" => {
                    let t = self.text(part).to_string();
                    (t.clone(), t)
                }
                "pair_pattern" => match (
                    part.child_by_field_name("key"),
                    part.child_by_field_name("value"),
                ) {
                    (Some(k), Some(v)) if v.kind() == "identifier" => {
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
            if !is_safe_error_property(&key) {
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

    fn require_source(&self, call: Node) -> Option<String> {
        if call.kind() != "call_expression" {
            return None;
        }
        let function = call.child_by_field_name("function")?;
        if self.text(function) != "require" {
            return None;
        }
        let arg = call.child_by_field_name("arguments")?.named_child(0)?;
        string_content(arg, self.b.src)
    }

    fn assignment(&mut self, node: Node, depth: usize) {
        let (Some(left), Some(right)) = (
            node.child_by_field_name("left"),
            node.child_by_field_name("right"),
        ) else {
            return self.children(node, depth);
        };
        let target = path_of(left, self.b.src);
        self.commonjs_export(&target, right);
        if node.kind() == "assignment_expression" {
            if unwrap(right).kind() == "new_expression" && target.starts_with("this.") {
                if let Some(class) = unwrap(right).child_by_field_name("constructor") {
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

    /// `module.exports = { a, b }`, `module.exports.f = ...`, `exports.f = ...`.
    fn commonjs_export(&mut self, target: &str, value: Node) {
        let exported = match target {
            "module.exports" | "exports" => {
                let value = unwrap(value);
                if value.kind() == "object" {
                    let mut cursor = value.walk();
                    for entry in value.named_children(&mut cursor) {
                        let (exported, local) = match entry.kind() {
                            "shorthand_property_identifier" => {
                                let t = self.text(entry).to_string();
                                (t.clone(), t)
                            }
                            "pair" => match (
                                entry.child_by_field_name("key"),
                                entry.child_by_field_name("value"),
                            ) {
                                (Some(k), Some(v)) => {
                                    let local = if v.kind() == "identifier" {
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
                } else if value.kind() == "identifier" {
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
            let local = if unwrap(value).kind() == "identifier" {
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

    fn field(&mut self, node: Node, depth: usize) {
        let name = node
            .child_by_field_name("name")
            .or_else(|| node.child_by_field_name("property"))
            .map(|n| self.text(n).to_string());
        match (name, node.child_by_field_name("value")) {
            (Some(name), Some(value)) => {
                let inner = unwrap(value);
                if is_function(inner.kind()) {
                    self.function(inner, Some(name), depth + 1);
                } else {
                    if inner.kind() == "new_expression" {
                        if let Some(class) = inner.child_by_field_name("constructor") {
                            let class = path_of(class, self.b.src);
                            self.b.model.instances.push(Instance {
                                name: format!("this.{name}"),
                                class,
                            });
                        }
                    }
                    self.visit(value, depth + 1);
                }
            }
            _ => self.children(node, depth),
        }
    }

    /// `{ search: async () => ... }`: the function takes the key's name.
    fn pair(&mut self, node: Node, depth: usize) {
        let key = node.child_by_field_name("key");
        let value = node.child_by_field_name("value");
        match (key, value) {
            (Some(key), Some(value)) if is_function(unwrap(value).kind()) => {
                let name =
                    string_content(key, self.b.src).unwrap_or_else(|| self.text(key).to_string());
                self.function(unwrap(value), Some(name), depth + 1);
            }
            _ => self.children(node, depth),
        }
    }

    // ---- calls ---------------------------------------------------------------------------

    fn expression_statement(&mut self, node: Node, depth: usize) {
        let Some(expression) = node.named_child(0) else {
            return;
        };
        let inner = unwrap(expression);
        if matches!(inner.kind(), "call_expression" | "new_expression") {
            self.call(inner, depth + 1, false, None);
        } else {
            self.visit(expression, depth + 1);
        }
    }

    fn call(&mut self, node: Node, depth: usize, used: bool, assigned_to: Option<String>) {
        if depth > MAX_DEPTH {
            self.depth_limited = true;
            return;
        }
        let is_new = node.kind() == "new_expression";
        let callee_node = node
            .child_by_field_name("function")
            .or_else(|| node.child_by_field_name("constructor"));
        let Some(callee_node) = callee_node else {
            return self.children(node, depth);
        };
        let callee = path_of(callee_node, self.b.src);
        let awaited = node
            .parent()
            .is_some_and(|p| p.kind() == "await_expression");
        let arguments: Vec<Node> = node
            .child_by_field_name("arguments")
            .map(|a| {
                named_children(a)
                    .filter(|n| n.kind() != "comment")
                    .collect()
            })
            .unwrap_or_default();

        // `promise.catch(handler)`: a try region whose body is the promise expression.
        let promise_catch = !is_new
            && callee_node.kind() == "member_expression"
            && callee.ends_with(".catch")
            && arguments.len() == 1
            && is_function(unwrap(arguments[0]).kind());
        let mut args = Vec::new();
        if promise_catch {
            let receiver = callee_node
                .child_by_field_name("object")
                .expect("member object");
            let try_id = self.b.begin_try(TryKind::PromiseCatch, node_span(receiver));
            self.b.open_try_body(try_id);
            self.visit_callee(receiver, depth);
            self.b.close_try_body();
            let id = self.function_with(unwrap(arguments[0]), None, depth + 1, Some(try_id));
            args.push(Arg {
                keyword: None,
                span: node_span(arguments[0]),
                value: ArgValue::Function(id),
            });
        } else {
            self.visit_callee(callee_node, depth);
            for arg in &arguments {
                let value = self.argument(*arg, depth);
                args.push(Arg {
                    keyword: None,
                    span: node_span(*arg),
                    value,
                });
            }
        }

        if callee == "next" && arguments.is_empty() && self.b.in_handler() {
            self.b.handler_exit(node_span(node), ExitKind::CallsNext);
        }
        let span = node_span(node);
        self.tool_registration(&callee, node, &arguments, &args);
        self.b.add_call(Call {
            callee,
            span,
            callee_span: node_span(callee_node),
            func: MODULE,
            args,
            awaited,
            is_new,
            in_try: None,
            result_used: used,
            assigned_to,
        });
    }

    /// Lowers what a callee expression contains (`fetch(url).then` holds a call).
    fn visit_callee(&mut self, callee: Node, depth: usize) {
        match callee.kind() {
            "identifier" | "this" | "property_identifier" => {}
            "member_expression" => {
                if let Some(object) = callee.child_by_field_name("object") {
                    self.visit_callee(object, depth + 1);
                }
            }
            _ => self.visit(callee, depth + 1),
        }
    }

    fn argument(&mut self, arg: Node, depth: usize) -> ArgValue {
        let inner = unwrap(arg);
        let kind = inner.kind();
        if is_function(kind) {
            return ArgValue::Function(self.function(inner, None, depth + 1));
        }
        let value = match kind {
            "identifier" | "member_expression" => ArgValue::Name(path_of(inner, self.b.src)),
            "string" | "template_string" if inner.named_child_count() <= 1 => {
                ArgValue::Str(string_content(inner, self.b.src).unwrap_or_default())
            }
            "object" => ArgValue::Object(object_keys(inner, self.b.src)),
            "call_expression" | "new_expression" => {
                let callee = inner
                    .child_by_field_name("function")
                    .or_else(|| inner.child_by_field_name("constructor"))
                    .map(|c| path_of(c, self.b.src))
                    .unwrap_or_default();
                ArgValue::Call(callee)
            }
            _ => ArgValue::Other,
        };
        self.visit(arg, depth + 1);
        value
    }

    fn tool_registration(&mut self, callee: &str, node: Node, arguments: &[Node], args: &[Arg]) {
        let (receiver, method) = match callee.rsplit_once('.') {
            Some(pair) => pair,
            None => return,
        };
        let handlers = || -> Vec<HandlerRef> {
            let Some(last) = args.last() else {
                return Vec::new();
            };
            match &last.value {
                ArgValue::Function(id) => vec![HandlerRef::Function(*id)],
                ArgValue::Name(name) => vec![HandlerRef::Name(name.clone())],
                ArgValue::Call(wrapper) => {
                    // `wrap(handler)`: the wrapper and whatever it was given.
                    let mut refs = vec![HandlerRef::Name(wrapper.clone())];
                    let inner = unwrap(*arguments.last().expect("args mirror arguments"));
                    if let Some(list) = inner.child_by_field_name("arguments") {
                        for a in named_children(list) {
                            let a = unwrap(a);
                            if a.kind() == "identifier" {
                                refs.push(HandlerRef::Name(self.text(a).to_string()));
                            }
                        }
                    }
                    refs.extend(self.functions_within(last.span));
                    refs
                }
                _ => Vec::new(),
            }
        };
        let registration = match method {
            "tool" | "registerTool" if self.is_server(receiver) && arguments.len() >= 2 => {
                let Some(name) = string_content(arguments[0], self.b.src) else {
                    return;
                };
                let description = if method == "tool" {
                    (arguments.len() >= 3)
                        .then(|| string_content(arguments[1], self.b.src))
                        .flatten()
                } else {
                    self.object_string_field(arguments[1], "description")
                };
                ToolRegistration {
                    kind: ToolKind::Single,
                    name,
                    span: node_span(node),
                    handlers: handlers(),
                    description,
                }
            }
            "setRequestHandler"
                if arguments.len() == 2
                    && self.text(arguments[0]).ends_with("CallToolRequestSchema") =>
            {
                ToolRegistration {
                    kind: ToolKind::Dispatcher,
                    name: "CallTool".into(),
                    span: node_span(node),
                    handlers: handlers(),
                    description: None,
                }
            }
            _ => return,
        };
        self.b.model.tools.push(registration);
    }

    /// Functions already lowered whose span lies inside `span`, the argument lowered last:
    /// they are the last ones lowered, so the search stops at the first one outside it.
    fn functions_within(&self, span: Span) -> Vec<HandlerRef> {
        let functions = &self.b.model.functions;
        let inside = functions[1..]
            .iter()
            .rev()
            .take_while(|f| span.contains(f.span))
            .count();
        (functions.len() - inside..functions.len())
            .map(HandlerRef::Function)
            .collect()
    }

    /// A receiver that holds an MCP server: created with `new McpServer(...)` / `new Server(...)`,
    /// typed as one, or named like one (`server`, `mcpServer`, `this.mcp`).
    fn is_server(&self, receiver: &str) -> bool {
        let known = self.b.model.instances.iter().any(|i| {
            i.name == receiver && matches!(i.class.rsplit('.').next(), Some("McpServer" | "Server"))
        });
        let last = receiver
            .rsplit('.')
            .next()
            .unwrap_or(receiver)
            .to_ascii_lowercase();
        known || last.contains("server") || last.contains("mcp")
    }

    fn object_string_field(&self, node: Node, field: &str) -> Option<String> {
        let node = unwrap(node);
        if node.kind() != "object" {
            return None;
        }
        named_children(node)
            .filter(|p| p.kind() == "pair")
            .find(|p| {
                p.child_by_field_name("key")
                    .is_some_and(|k| self.text(k).trim_matches(['"', '\'']) == field)
            })
            .and_then(|p| p.child_by_field_name("value"))
            .map(|v| string_content(v, self.b.src).unwrap_or_else(|| self.text(v).to_string()))
    }

    // ---- try, return, throw --------------------------------------------------------------

    fn try_statement(&mut self, node: Node, depth: usize) {
        let Some(body) = node.child_by_field_name("body") else {
            return self.children(node, depth);
        };
        let id = self.b.begin_try(TryKind::Statement, node_span(body));
        self.b.open_try_body(id);
        self.children(body, depth + 1);
        self.b.close_try_body();
        if let Some(clause) = node.child_by_field_name("handler") {
            let binding = clause
                .child_by_field_name("parameter")
                .filter(|p| p.kind() == "identifier")
                .map(|p| (self.text(p).to_string(), node_span(p)));
            let clause_body = clause.child_by_field_name("body");
            let head = Span::new(
                clause.start_byte(),
                clause_body.map_or(clause.end_byte(), |b| b.start_byte() + 1),
            );
            self.b.open_handler(id, head, binding);
            if let Some(clause_body) = clause_body {
                self.children(clause_body, depth + 1);
                let falls = !block_terminates(clause_body, self.b.src);
                let logs = self.only_logs(clause_body);
                self.b.close_handler(falls, logs);
            } else {
                self.b.close_handler(true, true);
            }
        }
        if let Some(finalizer) = node.child_by_field_name("finalizer") {
            self.visit(finalizer, depth + 1);
        }
    }

    fn return_value(&mut self, statement: Node, value: Option<Node>, depth: usize) {
        let decision = value.map_or(Value::Null, |v| self.value_of(unwrap(v)));
        if self.b.in_handler() {
            let exit = match value.map(unwrap) {
                Some(v)
                    if v.kind() == "call_expression"
                        && v.child_by_field_name("function")
                            .is_some_and(|f| self.text(f) == "next")
                        && v.child_by_field_name("arguments")
                            .is_some_and(|a| a.named_child_count() == 0) =>
                {
                    ExitKind::CallsNext
                }
                _ => ExitKind::Return(decision),
            };
            self.b.handler_exit(node_span(statement), exit);
        }
        let hits = value.map(|v| self.taint(v, 0)).unwrap_or_default();
        self.b
            .exit(ExitStatement::Return, node_span(statement), hits);
        if let Some(value) = value {
            match unwrap(value).kind() {
                "call_expression" | "new_expression" => {
                    self.call(unwrap(value), depth + 1, true, None)
                }
                _ => self.visit(value, depth + 1),
            }
        }
    }

    fn throw(&mut self, node: Node, depth: usize) {
        if self.b.in_handler() {
            self.b.handler_exit(node_span(node), ExitKind::Throw);
        }
        let value = node.named_child(0);
        let hits = value.map(|v| self.taint(v, 0)).unwrap_or_default();
        self.b.exit(ExitStatement::Throw, node_span(node), hits);
        if let Some(value) = value {
            self.visit(value, depth + 1);
        }
    }

    /// What a returned or assigned value means for an access decision.
    fn value_of(&self, node: Node) -> Value {
        match node.kind() {
            "true" => Value::True,
            "false" => Value::False,
            "null" | "undefined" => Value::Null,
            "identifier" if self.text(node) == "undefined" => Value::Null,
            "string" => string_decision(&string_content(node, self.b.src).unwrap_or_default()),
            "number" | "template_string" | "array" => Value::Literal,
            "object" => {
                for pair in named_children(node).filter(|p| p.kind() == "pair") {
                    let (Some(key), Some(value)) = (
                        pair.child_by_field_name("key"),
                        pair.child_by_field_name("value"),
                    ) else {
                        continue;
                    };
                    let key = string_content(key, self.b.src)
                        .unwrap_or_else(|| self.text(key).to_string());
                    if is_allow_key(&key) {
                        match unwrap(value).kind() {
                            "true" => return Value::Allow,
                            "false" => return Value::Deny,
                            _ => {}
                        }
                    }
                }
                Value::Literal
            }
            _ => Value::Other,
        }
    }

    fn only_logs(&self, block: Node) -> bool {
        named_children(block).all(|statement| match statement.kind() {
            "comment" | "empty_statement" => true,
            "expression_statement" => statement.named_child(0).is_some_and(|e| {
                let e = unwrap(e);
                e.kind() == "call_expression"
                    && e.child_by_field_name("function")
                        .is_some_and(|f| is_logging_call(&path_of(f, self.b.src)))
            }),
            _ => false,
        })
    }

    // ---- imports and exports -------------------------------------------------------------

    fn import(&mut self, node: Node) {
        let Some(source) = node
            .child_by_field_name("source")
            .and_then(|s| string_content(s, self.b.src))
        else {
            return;
        };
        let Some(clause) = named_children(node).find(|c| c.kind() == "import_clause") else {
            return;
        };
        for part in named_children(clause) {
            match part.kind() {
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
                    for spec in named_children(part).filter(|s| s.kind() == "import_specifier") {
                        let Some(name) = spec.child_by_field_name("name") else {
                            continue;
                        };
                        let imported = self.text(name).to_string();
                        let local = spec
                            .child_by_field_name("alias")
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

    fn export(&mut self, node: Node, depth: usize) {
        let source = node
            .child_by_field_name("source")
            .and_then(|s| string_content(s, self.b.src));
        let is_default = {
            let mut cursor = node.walk();
            node.children(&mut cursor).any(|c| c.kind() == "default")
        };
        if let Some(declaration) = node.child_by_field_name("declaration") {
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
        if let Some(value) = node.child_by_field_name("value") {
            let inner = unwrap(value);
            if inner.kind() == "identifier" {
                self.b.model.exports.push(Export::Name {
                    exported: "default".into(),
                    local: self.text(inner).to_string(),
                });
            } else if is_function(inner.kind()) {
                let name = inner
                    .child_by_field_name("name")
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
        let clause = named_children(node).find(|c| c.kind() == "export_clause");
        match (clause, source) {
            (Some(clause), source) => {
                for spec in named_children(clause).filter(|s| s.kind() == "export_specifier") {
                    let Some(name) = spec.child_by_field_name("name") else {
                        continue;
                    };
                    let local = self.text(name).to_string();
                    let exported = spec
                        .child_by_field_name("alias")
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
        match declaration.kind() {
            "lexical_declaration" | "variable_declaration" => named_children(declaration)
                .filter(|d| d.kind() == "variable_declarator")
                .filter_map(|d| d.child_by_field_name("name"))
                .filter(|n| n.kind() == "identifier")
                .map(|n| self.text(n).to_string())
                .collect(),
            _ => declaration
                .child_by_field_name("name")
                .map(|n| vec![self.text(n).to_string()])
                .unwrap_or_default(),
        }
    }

    // ---- error taint ---------------------------------------------------------------------

    /// Where error-derived data appears in an expression.
    fn taint(&self, node: Node, depth: usize) -> Vec<Hit> {
        if depth > 64 {
            return Vec::new();
        }
        let span = node_span(node);
        match node.kind() {
            "identifier" | "shorthand_property_identifier" => self
                .b
                .hit_for_name(self.text(node), span)
                .into_iter()
                .collect(),
            "this" => Vec::new(),
            "member_expression" => {
                let property = node
                    .child_by_field_name("property")
                    .map(|p| self.text(p))
                    .unwrap_or("");
                // A tracked name such as `this.lastError`.
                if let Some(hit) = self.b.hit_for_name(&path_of(node, self.b.src), span) {
                    return vec![hit];
                }
                if is_safe_error_property(property) {
                    return Vec::new();
                }
                let Some(object) = node.child_by_field_name("object") else {
                    return Vec::new();
                };
                let kind = if property == "stack" {
                    LeakKind::Stack
                } else {
                    LeakKind::Message
                };
                self.taint(object, depth + 1)
                    .into_iter()
                    .map(|mut h| {
                        if h.raw {
                            h.kind = kind;
                        }
                        h.into_text(span, self.text(node))
                    })
                    .collect()
            }
            "subscript_expression" => node
                .child_by_field_name("object")
                .map(|o| self.taint(o, depth + 1))
                .unwrap_or_default(),
            "call_expression" | "new_expression" => self.taint_call(node, depth),
            "template_string" => named_children(node)
                .filter(|c| c.kind() == "template_substitution")
                .flat_map(|c| named_children(c).collect::<Vec<_>>())
                .flat_map(|e| self.taint(e, depth + 1))
                .map(|h| {
                    let text = self.b.text(h.span).to_string();
                    let s = h.span;
                    h.into_text(s, &text)
                })
                .collect(),
            "binary_expression" => {
                let operator = node
                    .child_by_field_name("operator")
                    .map(|o| self.text(o))
                    .unwrap_or("");
                let sides = ["left", "right"]
                    .iter()
                    .filter_map(|f| node.child_by_field_name(f))
                    .flat_map(|s| self.taint(s, depth + 1));
                match operator {
                    "+" => sides
                        .map(|h| {
                            let text = self.b.text(h.span).to_string();
                            let s = h.span;
                            h.into_text(s, &text)
                        })
                        .collect(),
                    "||" | "??" | "&&" => sides.collect(),
                    _ => Vec::new(),
                }
            }
            "ternary_expression" => ["consequence", "alternative"]
                .iter()
                .filter_map(|f| node.child_by_field_name(f))
                .flat_map(|s| self.taint(s, depth + 1))
                .collect(),
            "unary_expression" => Vec::new(),
            "object"
            | "array"
            | "arguments"
            | "spread_element"
            | "pair"
            | "parenthesized_expression"
            | "await_expression"
            | "as_expression"
            | "satisfies_expression"
            | "non_null_expression"
            | "sequence_expression"
            | "type_assertion" => {
                let mut hits = Vec::new();
                for child in named_children(node) {
                    if node.kind() == "pair" && node.child_by_field_name("key") == Some(child) {
                        continue;
                    }
                    hits.extend(self.taint(child, depth + 1));
                }
                hits
            }
            "assignment_expression" => node
                .child_by_field_name("right")
                .map(|r| self.taint(r, depth + 1))
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    fn taint_call(&self, node: Node, depth: usize) -> Vec<Hit> {
        let span = node_span(node);
        let callee_node = node
            .child_by_field_name("function")
            .or_else(|| node.child_by_field_name("constructor"));
        let Some(callee_node) = callee_node else {
            return Vec::new();
        };
        let callee = path_of(callee_node, self.b.src);
        if is_opaque_call(&callee) {
            return Vec::new();
        }
        let text = self.text(node);
        // A method of error text or of the error itself: `e.toString()`, `msg.slice(0, 80)`.
        if callee_node.kind() == "member_expression" {
            if let Some(object) = callee_node.child_by_field_name("object") {
                let from_receiver = self.taint(object, depth + 1);
                if !from_receiver.is_empty() {
                    return from_receiver
                        .into_iter()
                        .map(|h| h.into_text(span, text))
                        .collect();
                }
            }
        }
        let args: Vec<Node> = node
            .child_by_field_name("arguments")
            .map(|a| {
                named_children(a)
                    .filter(|n| n.kind() != "comment")
                    .collect()
            })
            .unwrap_or_default();
        let method = callee.rsplit('.').next().unwrap_or(&callee);
        let constructs_error = method.ends_with("Error") || method.ends_with("Exception");
        let converts = is_text_conversion(&callee)
            .or_else(|| is_text_conversion(method).filter(|_| method == "stringify"))
            .or_else(|| constructs_error.then_some(LeakKind::Message));
        let mut hits = Vec::new();
        for (index, arg) in args.iter().enumerate() {
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

/// A dotted path for a callee or assignment target: `this.client.get`, `fetch().then`.
pub(crate) fn path_of(node: Node, src: &[u8]) -> String {
    let mut segments: Vec<String> = Vec::new();
    let mut current = node;
    for _ in 0..64 {
        match current.kind() {
            "member_expression" => {
                let property = current
                    .child_by_field_name("property")
                    .map(|p| text_of(p, src))
                    .unwrap_or_default();
                segments.push(property);
                match current.child_by_field_name("object") {
                    Some(object) => current = object,
                    None => break,
                }
            }
            "call_expression" => {
                match current.child_by_field_name("function") {
                    Some(function) => {
                        // `fetch(url).then` → `fetch().then`
                        let inner = path_of(function, src);
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
            "subscript_expression" => {
                segments.push("[]".into());
                match current.child_by_field_name("object") {
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
    match node.kind() {
        "string" => Some(
            named_children(node)
                .filter(|c| c.kind() == "string_fragment" || c.kind() == "escape_sequence")
                .map(|c| text_of(c, src))
                .collect(),
        ),
        "template_string" if !named_children(node).any(|c| c.kind() == "template_substitution") => {
            Some(
                named_children(node)
                    .filter(|c| c.kind() == "string_fragment")
                    .map(|c| text_of(c, src))
                    .collect(),
            )
        }
        _ => None,
    }
}

fn object_keys(node: Node, src: &[u8]) -> Vec<String> {
    named_children(node)
        .filter_map(|entry| match entry.kind() {
            "pair" => entry
                .child_by_field_name("key")
                .map(|k| string_content(k, src).unwrap_or_else(|| text_of(k, src))),
            "shorthand_property_identifier" => Some(text_of(entry, src)),
            "method_definition" => entry.child_by_field_name("name").map(|n| text_of(n, src)),
            _ => None,
        })
        .collect()
}

/// The first line of a node, to point at a function that has no name.
fn head_span(node: Node) -> Span {
    let start = node.start_byte();
    let end = node
        .child_by_field_name("body")
        .map_or(node.end_byte(), |b| b.start_byte())
        .max(start);
    Span::new(start, end)
}

/// Control cannot reach the end of the block.
fn block_terminates(block: Node, src: &[u8]) -> bool {
    named_children(block).any(|s| statement_terminates(s, src, 0))
}

fn statement_terminates(statement: Node, src: &[u8], depth: usize) -> bool {
    if depth > 32 {
        return false;
    }
    match statement.kind() {
        "return_statement" | "throw_statement" | "break_statement" | "continue_statement" => true,
        "statement_block" => {
            named_children(statement).any(|s| statement_terminates(s, src, depth + 1))
        }
        "if_statement" => {
            let consequence = statement.child_by_field_name("consequence");
            let alternative = statement
                .child_by_field_name("alternative")
                .and_then(|a| a.named_child(0));
            matches!(
                (consequence, alternative),
                (Some(c), Some(a)) if statement_terminates(c, src, depth + 1)
                    && statement_terminates(a, src, depth + 1)
            )
        }
        "expression_statement" => statement.named_child(0).is_some_and(|e| {
            let e = unwrap(e);
            e.kind() == "call_expression"
                && e.child_by_field_name("function")
                    .is_some_and(|f| path_of(f, src) == "process.exit")
        }),
        _ => false,
    }
}
