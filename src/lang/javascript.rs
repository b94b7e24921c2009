//! The TypeScript / TSX / JavaScript front end: one walk of the tree into a [`Model`].

use std::collections::HashMap;

use tree_sitter::Node;

use super::builder::{
    Builder, Hit, MAX_DEPTH, is_allow_key, is_degraded_key, is_logging_call, is_opaque_call,
    is_safe_error_property, is_text_conversion, short, state_constant, string_decision,
};
use super::fields::{Field, FieldExt};
use super::{named_children, node_span};
use crate::model::*;

pub(crate) fn lower(root: Node, src: &[u8]) -> Model {
    let mut lowerer = Lowerer {
        b: Builder::new(src, node_span(root)),
        depth_limited: false,
        strings: Default::default(),
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
    /// String constants seen so far (`const name = "search"`, `TOOLS.search` for
    /// `const TOOLS = { search: "search" }`), to name tools registered with them.
    strings: HashMap<String, String>,
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
        let kind = node.kind_name();
        match kind {
            _ if is_function(kind) => {
                self.function(node, None, depth);
            }
            "class_declaration" | "class" | "abstract_class_declaration" => {
                let name_node = node.field(Field::Name);
                let name = name_node.map(|n| self.text(n).to_string());
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
                    if kind == "if_statement" && self.b.in_class() {
                        self.state_tests(node, condition);
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
                self.children(node, depth)
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
        });
        if let Some(try_id) = catch_of {
            let binding = params.first().map(|(p, s)| (p.clone(), *s));
            self.b.open_handler(try_id, span, binding);
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

    fn params(&self, node: Node) -> Vec<(String, Span)> {
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
    fn typed_parameter(&mut self, node: Node, depth: usize) {
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

    // ---- bindings ------------------------------------------------------------------------

    fn declarator(&mut self, node: Node, depth: usize) {
        let Some(name_node) = node.field(Field::Name) else {
            return self.children(node, depth);
        };
        let Some(value) = node.field(Field::Value) else {
            return;
        };
        self.declaration_facts(name_node, value);
        if name_node.kind_name() == "identifier" {
            let name = self.text(name_node).to_string();
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
        if let Some(text) = string_content(value, self.b.src) {
            self.strings.insert(name.to_string(), text);
        } else if value.kind_name() == "object" {
            for pair in named_children(value).filter(|p| p.kind_name() == "pair") {
                let (Some(key), Some(v)) = (pair.field(Field::Key), pair.field(Field::Value))
                else {
                    continue;
                };
                if let Some(text) = string_content(unwrap(v), self.b.src) {
                    let key = string_content(key, self.b.src)
                        .unwrap_or_else(|| self.text(key).to_string());
                    self.strings.insert(format!("{name}.{key}"), text);
                }
            }
        }
    }

    /// `name = value` / `const name = value`.
    fn bind(&mut self, name: &str, value: Node, depth: usize) {
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
        if call.kind_name() != "call_expression" {
            return None;
        }
        let function = call.field(Field::Function)?;
        if self.text(function) != "require" {
            return None;
        }
        let arg = call.field(Field::Arguments)?.named_child(0)?;
        string_content(arg, self.b.src)
    }

    fn assignment(&mut self, node: Node, depth: usize) {
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
            if unwrap(right).kind_name() == "new_expression" && target.starts_with("this.") {
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

    /// `module.exports = { a, b }`, `module.exports.f = ...`, `exports.f = ...`.
    fn commonjs_export(&mut self, target: &str, value: Node) {
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

    fn field(&mut self, node: Node, depth: usize) {
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
    fn pair(&mut self, node: Node, depth: usize) {
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

    // ---- calls ---------------------------------------------------------------------------

    fn expression_statement(&mut self, node: Node, depth: usize) {
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

    fn call(&mut self, node: Node, depth: usize, used: bool, assigned_to: Option<String>) {
        if depth > MAX_DEPTH {
            self.depth_limited = true;
            return;
        }
        let is_new = node.kind_name() == "new_expression";
        let callee_node = node
            .field(Field::Function)
            .or_else(|| node.field(Field::Constructor));
        let Some(callee_node) = callee_node else {
            return self.children(node, depth);
        };
        let callee = path_of(callee_node, self.b.src);
        let awaited = super::may_follow_await(self.b.src, node.start_byte())
            && node
                .parent()
                .is_some_and(|p| p.kind_name() == "await_expression");
        let arguments: Vec<Node> = node
            .field(Field::Arguments)
            .map(|a| {
                named_children(a)
                    .filter(|n| n.kind_name() != "comment")
                    .collect()
            })
            .unwrap_or_default();

        // `promise.catch(handler)`: a try region whose body is the promise expression.
        let promise_catch = !is_new
            && callee_node.kind_name() == "member_expression"
            && callee.ends_with(".catch")
            && arguments.len() == 1
            && is_function(unwrap(arguments[0]).kind_name());
        let mut args = Vec::new();
        if promise_catch {
            let receiver = callee_node.field(Field::Object).expect("member object");
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

        // `return next()` is recorded by the return itself.
        // (`parent()` walks down from the root: asked only for `next()`.)
        let returned = || {
            node.parent()
                .is_some_and(|p| p.kind_name() == "return_statement")
        };
        if callee == "next" && arguments.is_empty() && self.b.in_handler() && !returned() {
            self.b.handler_exit(node_span(node), ExitKind::CallsNext);
        }
        let span = node_span(node);
        self.tool_registration(&callee, node, &arguments, &args);
        self.tool_declaration(&callee, &arguments);
        let literals = self.arg_literals(&arguments);
        let index = self.b.add_call(Call {
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
        for (key, value, literal_span) in literals {
            self.b.add_arg_literal(index, key, value, literal_span);
        }
    }

    /// Literal decisions among a call's arguments: `true`, `{ allowed: true }`, and the
    /// boolean entries of object literals (`{ failClosed: false }`).
    fn arg_literals(&self, arguments: &[Node]) -> Vec<(Option<String>, Value, Span)> {
        let mut out = Vec::new();
        for arg in arguments {
            let inner = unwrap(*arg);
            let value = self.value_of(inner);
            if matches!(
                value,
                Value::True | Value::False | Value::Allow | Value::Deny | Value::Degraded
            ) {
                out.push((None, value, node_span(inner)));
            }
            if inner.kind_name() != "object" {
                continue;
            }
            for pair in named_children(inner).filter(|p| p.kind_name() == "pair") {
                let (Some(key), Some(v)) = (pair.field(Field::Key), pair.field(Field::Value))
                else {
                    continue;
                };
                let value = match unwrap(v).kind_name() {
                    "true" => Value::True,
                    "false" => Value::False,
                    _ => continue,
                };
                let key = string_content(key, self.b.src).unwrap_or_else(|| self.text(key).into());
                out.push((Some(key), value, node_span(pair)));
            }
        }
        out
    }

    /// Lowers what a callee expression contains (`fetch(url).then` holds a call).
    fn visit_callee(&mut self, callee: Node, depth: usize) {
        match callee.kind_name() {
            "identifier" => {
                let name = self.text(callee);
                self.b.note_read(name);
            }
            "this" | "property_identifier" => {}
            "member_expression" => {
                self.env_read(callee);
                if let Some(object) = callee.field(Field::Object) {
                    self.visit_callee(object, depth + 1);
                }
            }
            _ => self.visit(callee, depth + 1),
        }
    }

    fn argument(&mut self, arg: Node, depth: usize) -> ArgValue {
        let inner = unwrap(arg);
        let kind = inner.kind_name();
        if is_function(kind) {
            return ArgValue::Function(self.function(inner, None, depth + 1));
        }
        let value = self.shallow_value(inner, 0);
        self.visit(arg, depth + 1);
        value
    }

    /// What an argument is, without lowering it (its calls are lowered by the caller).
    fn shallow_value(&self, inner: Node, depth: usize) -> ArgValue {
        match inner.kind_name() {
            "identifier" | "member_expression" => ArgValue::Name(path_of(inner, self.b.src)),
            "string" | "template_string" if inner.named_child_count() <= 1 => {
                ArgValue::Str(string_content(inner, self.b.src).unwrap_or_default())
            }
            "object" => ArgValue::Object(object_keys(inner, self.b.src)),
            "call_expression" | "new_expression" => {
                let callee = inner
                    .field(Field::Function)
                    .or_else(|| inner.field(Field::Constructor))
                    .map(|c| path_of(c, self.b.src))
                    .unwrap_or_default();
                ArgValue::Call(callee)
            }
            "spread_element" => ArgValue::Spread,
            "array" if depth < 16 => ArgValue::Array(
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
            "string" | "template_string" => string_content(node, self.b.src),
            "number" | "true" | "false" | "null" => Some(self.text(node).to_string()),
            "identifier" | "member_expression" => Some(path_of(node, self.b.src)),
            _ => None,
        }
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
                    if let Some(list) = inner.field(Field::Arguments) {
                        for a in named_children(list) {
                            let a = unwrap(a);
                            if a.kind_name() == "identifier" {
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
                // A name held in a constant (`TOOLS.search`, `metadata.name`) registers a
                // tool as surely as a literal does; a string constant of this file names it.
                let name = string_content(arguments[0], self.b.src).unwrap_or_else(|| {
                    let first = unwrap(arguments[0]);
                    let path = matches!(first.kind_name(), "identifier" | "member_expression")
                        .then(|| path_of(first, self.b.src));
                    path.and_then(|p| self.strings.get(&p).cloned())
                        .unwrap_or_else(|| short(self.text(arguments[0])))
                });
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
        if node.kind_name() != "object" {
            return None;
        }
        named_children(node)
            .filter(|p| p.kind_name() == "pair")
            .find(|p| {
                p.field(Field::Key)
                    .is_some_and(|k| self.text(k).trim_matches(['"', '\'']) == field)
            })
            .and_then(|p| p.field(Field::Value))
            .map(|v| string_content(v, self.b.src).unwrap_or_else(|| self.text(v).to_string()))
    }

    // ---- try, return, throw --------------------------------------------------------------

    fn try_statement(&mut self, node: Node, depth: usize) {
        let Some(body) = node.field(Field::Body) else {
            return self.children(node, depth);
        };
        let id = self.b.begin_try(TryKind::Statement, node_span(body));
        self.b.open_try_body(id);
        self.children(body, depth + 1);
        self.b.close_try_body();
        if let Some(clause) = node.field(Field::Handler) {
            let binding = clause
                .field(Field::Parameter)
                .filter(|p| p.kind_name() == "identifier")
                .map(|p| (self.text(p).to_string(), node_span(p)));
            let clause_body = clause.field(Field::Body);
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
        if let Some(finalizer) = node.field(Field::Finalizer) {
            self.visit(finalizer, depth + 1);
        }
    }

    fn return_value(&mut self, statement: Node, value: Option<Node>, depth: usize) {
        let decision = value.map_or(Value::Null, |v| self.value_of(unwrap(v)));
        if self.b.in_handler() {
            let exit = match value.map(unwrap) {
                Some(v)
                    if v.kind_name() == "call_expression"
                        && v.field(Field::Function)
                            .is_some_and(|f| self.text(f) == "next")
                        && v.field(Field::Arguments)
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
            .exit(ExitStatement::Return, node_span(statement), hits, decision);
        if let Some(value) = value {
            match unwrap(value).kind_name() {
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
        self.b
            .exit(ExitStatement::Throw, node_span(node), hits, Value::Other);
        if let Some(value) = value {
            self.visit(value, depth + 1);
        }
    }

    /// What a returned or assigned value means for an access decision.
    fn value_of(&self, node: Node) -> Value {
        match node.kind_name() {
            "true" => Value::True,
            "false" => Value::False,
            "binary_expression" => {
                let operator = node
                    .field(Field::Operator)
                    .map(|o| self.text(o))
                    .unwrap_or("");
                match operator {
                    "===" | "!==" | "==" | "!=" | "<" | ">" | "<=" | ">=" | "instanceof" | "in" => {
                        Value::Boolean
                    }
                    "&&" | "||" => {
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
                    _ => Value::Other,
                }
            }
            "unary_expression"
                if node
                    .field(Field::Operator)
                    .is_some_and(|o| self.text(o) == "!") =>
            {
                Value::Boolean
            }
            "call_expression" => {
                let callee = node
                    .field(Field::Function)
                    .map(|f| path_of(f, self.b.src))
                    .unwrap_or_default();
                let method = callee.rsplit('.').next().unwrap_or(&callee);
                let boolean = matches!(callee.as_str(), "Boolean" | "Array.isArray" | "isNaN")
                    || matches!(
                        method,
                        "includes" | "startsWith" | "endsWith" | "test" | "some" | "every" | "has"
                    );
                if boolean {
                    Value::Boolean
                } else {
                    Value::Other
                }
            }
            "null" | "undefined" => Value::Null,
            "identifier" if self.text(node) == "undefined" => Value::Null,
            "string" => string_decision(&string_content(node, self.b.src).unwrap_or_default()),
            "number" | "template_string" | "array" => Value::Literal,
            "object" => {
                let mut degraded = false;
                for pair in named_children(node).filter(|p| p.kind_name() == "pair") {
                    let (Some(key), Some(value)) =
                        (pair.field(Field::Key), pair.field(Field::Value))
                    else {
                        continue;
                    };
                    let key = string_content(key, self.b.src)
                        .unwrap_or_else(|| self.text(key).to_string());
                    if is_allow_key(&key) {
                        match unwrap(value).kind_name() {
                            "true" => return Value::Allow,
                            "false" => return Value::Deny,
                            _ => {}
                        }
                    }
                    degraded |= is_degraded_key(&key) && unwrap(value).kind_name() == "true";
                }
                if degraded {
                    Value::Degraded
                } else {
                    Value::Literal
                }
            }
            _ => Value::Other,
        }
    }

    fn only_logs(&self, block: Node) -> bool {
        named_children(block).all(|statement| match statement.kind_name() {
            "comment" | "empty_statement" => true,
            "expression_statement" => statement.named_child(0).is_some_and(|e| {
                let e = unwrap(e);
                e.kind_name() == "call_expression"
                    && e.field(Field::Function)
                        .is_some_and(|f| is_logging_call(&path_of(f, self.b.src)))
            }),
            _ => false,
        })
    }

    // ---- conditions and breaker state -----------------------------------------------------

    /// Records the parts of `node` whose truthiness decides: the expression itself, or both
    /// sides of `&&` / `||`, through parentheses, `await` and `!`.
    fn truthy(&mut self, node: Node, how: TestedBy) {
        self.truthy_at(node, how, 0);
    }

    fn truthy_at(&mut self, node: Node, how: TestedBy, depth: usize) {
        if depth > 32 {
            return;
        }
        let inner = unwrap(node);
        match inner.kind_name() {
            "call_expression" => self.b.add_condition(node_span(inner), None, true, how),
            "identifier" | "member_expression" | "subscript_expression" => {
                let name = path_of(inner, self.b.src);
                self.b
                    .add_condition(node_span(inner), Some(name), false, how);
            }
            "unary_expression" => {
                let not = inner
                    .field(Field::Operator)
                    .is_some_and(|o| self.text(o) == "!");
                if let (true, Some(argument)) = (not, inner.field(Field::Argument)) {
                    self.truthy_at(argument, TestedBy::Not, depth + 1);
                }
            }
            "binary_expression" => {
                let operator = inner
                    .field(Field::Operator)
                    .map(|o| self.text(o))
                    .unwrap_or("");
                if matches!(operator, "&&" | "||") {
                    for side in [Field::Left, Field::Right] {
                        if let Some(operand) = inner.field(side) {
                            self.truthy_at(operand, how, depth + 1);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// `this.state = "open"` and `this.action = action` inside a class.
    fn class_field_write(&mut self, left: Node, right: Node, assignment: Node) {
        if left.kind_name() != "member_expression" {
            return;
        }
        let Some(property) = left.field(Field::Property) else {
            return;
        };
        let field = self.text(property).trim_start_matches('#').to_string();
        let value = unwrap(right);
        let string = string_content(value, self.b.src);
        let value_text = if value.kind_name() == "member_expression" {
            path_of(value, self.b.src)
        } else {
            self.text(value).to_string()
        };
        if let Some(constant) = state_constant(value.kind_name(), &value_text, string) {
            self.b
                .add_state_write(field.clone(), constant, node_span(assignment));
        }
        let on_this = left
            .field(Field::Object)
            .is_some_and(|o| o.kind_name() == "this");
        if on_this && value.kind_name() == "identifier" && self.b.is_param(self.text(value)) {
            self.b.add_callable_field(field);
        }
    }

    /// The field comparisons in an `if` condition, each with the branches it selects.
    fn state_tests(&mut self, statement: Node, condition: Node) {
        let Some(consequence) = statement.field(Field::Consequence) else {
            return;
        };
        let alternative = statement
            .field(Field::Alternative)
            .and_then(|a| named_children(a).find(|c| c.kind_name() != "comment"))
            .filter(|a| a.kind_name() != "if_statement");
        let mut found = Vec::new();
        let joined = self.comparisons(unwrap(condition), &mut found, 0);
        for (field, value, equal) in found {
            self.b.add_state_test(StateTest {
                func: MODULE,
                field,
                value,
                equal,
                joined,
                body: node_span(consequence),
                body_exits: exits_function(consequence, 0),
                alternative: alternative.map(node_span),
                alternative_exits: alternative.is_some_and(|a| exits_function(a, 0)),
            });
        }
    }

    /// Collects `<x>.<field> === <constant>` tests (and `x.isOpen()` / `x.isOpen` as
    /// `isOpen === true`) joined by one kind of `&&` / `||`.
    fn comparisons(
        &self,
        node: Node,
        out: &mut Vec<(String, String, bool)>,
        depth: usize,
    ) -> Joined {
        if depth > 16 {
            return Joined::Single;
        }
        let node = unwrap(node);
        match node.kind_name() {
            "binary_expression" => {
                let operator = node
                    .field(Field::Operator)
                    .map(|o| self.text(o))
                    .unwrap_or("");
                let (Some(left), Some(right)) = (node.field(Field::Left), node.field(Field::Right))
                else {
                    return Joined::Single;
                };
                match operator {
                    "&&" | "||" => {
                        let joined = if operator == "&&" {
                            Joined::And
                        } else {
                            Joined::Or
                        };
                        let mut inner = Vec::new();
                        let a = self.comparisons(left, &mut inner, depth + 1);
                        let b = self.comparisons(right, &mut inner, depth + 1);
                        // A mix of `&&` and `||` selects nothing simple.
                        if [a, b].iter().all(|j| *j == Joined::Single || *j == joined) {
                            out.extend(inner);
                        }
                        joined
                    }
                    "===" | "==" | "!==" | "!=" => {
                        let equal = operator.starts_with('=');
                        if let Some((field, value)) = self
                            .field_and_constant(left, right)
                            .or_else(|| self.field_and_constant(right, left))
                        {
                            out.push((field, value, equal));
                        }
                        Joined::Single
                    }
                    _ => Joined::Single,
                }
            }
            "unary_expression" => {
                let not = node
                    .field(Field::Operator)
                    .is_some_and(|o| self.text(o) == "!");
                if let (true, Some(argument)) = (not, node.field(Field::Argument)) {
                    if let Some(field) = self.flag_field(argument) {
                        out.push((field, "true".into(), false));
                    }
                }
                Joined::Single
            }
            _ => {
                if let Some(field) = self.flag_field(node) {
                    out.push((field, "true".into(), true));
                }
                Joined::Single
            }
        }
    }

    /// `x.isOpen()` or `x.isOpen`: the field or method name, for a flag-like test.
    fn flag_field(&self, node: Node) -> Option<String> {
        let node = unwrap(node);
        let target = match node.kind_name() {
            "call_expression" => {
                let arguments = node.field(Field::Arguments)?;
                if arguments.named_child_count() > 0 {
                    return None;
                }
                node.field(Field::Function)?
            }
            _ => node,
        };
        if target.kind_name() != "member_expression" {
            return None;
        }
        let property = target.field(Field::Property)?;
        Some(self.text(property).trim_start_matches('#').to_string())
    }

    /// `this.state` against `"open"` / `CircuitState.OPEN` / `OPEN`.
    fn field_and_constant(&self, field: Node, constant: Node) -> Option<(String, String)> {
        let field = unwrap(field);
        if field.kind_name() != "member_expression" {
            return None;
        }
        let property = field.field(Field::Property)?;
        let constant = unwrap(constant);
        let text = if constant.kind_name() == "member_expression" {
            path_of(constant, self.b.src)
        } else {
            self.text(constant).to_string()
        };
        let value = state_constant(
            constant.kind_name(),
            &text,
            string_content(constant, self.b.src),
        )?;
        Some((
            self.text(property).trim_start_matches('#').to_string(),
            value,
        ))
    }

    /// `switch (this.state) { case "open": ... }`: one test per case.
    fn switch_state_tests(&mut self, statement: Node) {
        let Some(value) = statement.field(Field::Value) else {
            return;
        };
        let subject = unwrap(value);
        if subject.kind_name() != "member_expression" {
            return;
        }
        let Some(property) = subject.field(Field::Property) else {
            return;
        };
        let field = self.text(property).trim_start_matches('#').to_string();
        let Some(body) = statement.field(Field::Body) else {
            return;
        };
        for case in named_children(body).filter(|c| c.kind_name() == "switch_case") {
            let Some(constant) = case.field(Field::Value) else {
                continue;
            };
            let constant = unwrap(constant);
            let text = if constant.kind_name() == "member_expression" {
                path_of(constant, self.b.src)
            } else {
                self.text(constant).to_string()
            };
            let Some(value) = state_constant(
                constant.kind_name(),
                &text,
                string_content(constant, self.b.src),
            ) else {
                continue;
            };
            let exits = named_children(case)
                .filter(|c| Some(*c) != case.field(Field::Value))
                .any(|c| exits_function(c, 0));
            self.b.add_state_test(StateTest {
                func: MODULE,
                field: field.clone(),
                value,
                equal: true,
                joined: Joined::Single,
                body: node_span(case),
                body_exits: exits,
                alternative: None,
                alternative_exits: false,
            });
        }
    }

    // ---- imports and exports -------------------------------------------------------------

    fn import(&mut self, node: Node) {
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

    fn export(&mut self, node: Node, depth: usize) {
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

    // ---- error taint ---------------------------------------------------------------------

    /// Where error-derived data appears in an expression.
    fn taint(&self, node: Node, depth: usize) -> Vec<Hit> {
        if depth > 64 {
            return Vec::new();
        }
        let span = node_span(node);
        match node.kind_name() {
            "identifier" | "shorthand_property_identifier" => self
                .b
                .hit_for_name(self.text(node), span)
                .into_iter()
                .collect(),
            "this" => Vec::new(),
            "member_expression" => {
                let property = node
                    .field(Field::Property)
                    .map(|p| self.text(p))
                    .unwrap_or("");
                // A tracked name such as `this.lastError`.
                if let Some(hit) = self.b.hit_for_name(&path_of(node, self.b.src), span) {
                    return vec![hit];
                }
                if is_safe_error_property(property) {
                    return Vec::new();
                }
                let Some(object) = node.field(Field::Object) else {
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
                .field(Field::Object)
                .map(|o| self.taint(o, depth + 1))
                .unwrap_or_default(),
            "call_expression" | "new_expression" => self.taint_call(node, depth),
            "template_string" => named_children(node)
                .filter(|c| c.kind_name() == "template_substitution")
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
                    .field(Field::Operator)
                    .map(|o| self.text(o))
                    .unwrap_or("");
                let sides = [Field::Left, Field::Right]
                    .iter()
                    .filter_map(|f| node.field(*f))
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
            "ternary_expression" => [Field::Consequence, Field::Alternative]
                .iter()
                .filter_map(|f| node.field(*f))
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
                    if node.kind_name() == "pair" && node.field(Field::Key) == Some(child) {
                        continue;
                    }
                    hits.extend(self.taint(child, depth + 1));
                }
                hits
            }
            "assignment_expression" => node
                .field(Field::Right)
                .map(|r| self.taint(r, depth + 1))
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    fn taint_call(&self, node: Node, depth: usize) -> Vec<Hit> {
        let span = node_span(node);
        let callee_node = node
            .field(Field::Function)
            .or_else(|| node.field(Field::Constructor));
        let Some(callee_node) = callee_node else {
            return Vec::new();
        };
        let callee = path_of(callee_node, self.b.src);
        if is_opaque_call(&callee) {
            return Vec::new();
        }
        let text = self.text(node);
        // A method of error text or of the error itself: `e.toString()`, `msg.slice(0, 80)`.
        if callee_node.kind_name() == "member_expression" {
            if let Some(object) = callee_node.field(Field::Object) {
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
            .field(Field::Arguments)
            .map(|a| {
                named_children(a)
                    .filter(|n| n.kind_name() != "comment")
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

/// The statement returns or throws on every path: control never continues after it in the
/// function (`break` and `continue` do not count).
fn exits_function(statement: Node, depth: usize) -> bool {
    if depth > 32 {
        return false;
    }
    match statement.kind_name() {
        "return_statement" | "throw_statement" => true,
        "statement_block" => named_children(statement).any(|s| exits_function(s, depth + 1)),
        "if_statement" => {
            let consequence = statement.field(Field::Consequence);
            let alternative = statement
                .field(Field::Alternative)
                .and_then(|a| a.named_child(0));
            matches!(
                (consequence, alternative),
                (Some(c), Some(a)) if exits_function(c, depth + 1) && exits_function(a, depth + 1)
            )
        }
        _ => false,
    }
}

/// Control cannot reach the end of the block.
fn block_terminates(block: Node, src: &[u8]) -> bool {
    named_children(block).any(|s| statement_terminates(s, src, 0))
}

fn statement_terminates(statement: Node, src: &[u8], depth: usize) -> bool {
    if depth > 32 {
        return false;
    }
    match statement.kind_name() {
        "return_statement" | "throw_statement" | "break_statement" | "continue_statement" => true,
        "statement_block" => {
            named_children(statement).any(|s| statement_terminates(s, src, depth + 1))
        }
        "if_statement" => {
            let consequence = statement.field(Field::Consequence);
            let alternative = statement
                .field(Field::Alternative)
                .and_then(|a| a.named_child(0));
            matches!(
                (consequence, alternative),
                (Some(c), Some(a)) if statement_terminates(c, src, depth + 1)
                    && statement_terminates(a, src, depth + 1)
            )
        }
        "expression_statement" => statement.named_child(0).is_some_and(|e| {
            let e = unwrap(e);
            e.kind_name() == "call_expression"
                && e.field(Field::Function)
                    .is_some_and(|f| path_of(f, src) == "process.exit")
        }),
        _ => false,
    }
}

// ---- documentation facts: tool declarations and environment reads ----------------------------

/// What a `const` holds, as far as tool documentation goes.
#[derive(Debug, Clone)]
enum ConstValue {
    /// A tool input schema (a zod object or shape, a JSON schema) and its parameters.
    Schema(Vec<ToolParam>),
    /// One zod field (`z.string().describe("...")`).
    Field(Described),
    /// A string, such as a description kept in a constant.
    Text,
    /// Something else, or a name declared more than once.
    Other,
}

/// Deepest chain of schemas through constants and conversions that is followed.
const MAX_SCHEMA_HOPS: usize = 8;

/// `zodToJsonSchema(s)`, `z.toJSONSchema(s)`, `toJsonSchema(s)`: the schema, converted.
fn is_json_schema_conversion(method: &str) -> bool {
    let lower = method.to_ascii_lowercase();
    lower.ends_with("tojsonschema")
}

/// A string, a template or a concatenation of them (with names: `"Search " + SCOPE`).
fn is_text(node: Node) -> bool {
    let mut stack = vec![node];
    let mut any_literal = false;
    let mut visited = 0;
    while let Some(node) = stack.pop() {
        visited += 1;
        if visited > 10_000 {
            return false;
        }
        let node = unwrap(node);
        match node.kind_name() {
            "string" | "template_string" => any_literal = true,
            "identifier" | "member_expression" => {}
            "binary_expression"
                if node.field(Field::Operator).map(|o| o.kind_name()) == Some("+") =>
            {
                stack.extend(
                    [Field::Left, Field::Right]
                        .iter()
                        .filter_map(|f| node.field(*f)),
                );
            }
            _ => return false,
        }
    }
    any_literal
}

/// The key of a `pair` as a name: `q`, `"q"`, `'q'`.
fn key_name(key: Node, src: &[u8]) -> Option<String> {
    match key.kind_name() {
        "property_identifier" | "shorthand_property_identifier" | "identifier" | "number" => {
            Some(text_of(key, src))
        }
        "string" => string_content(key, src),
        _ => None,
    }
}

impl Lowerer<'_> {
    /// `const X = ...` remembers schemas, zod fields and strings; `const { A } = process.env`
    /// reads variables.
    fn declaration_facts(&mut self, name_node: Node, value: Node) {
        match name_node.kind_name() {
            "identifier" => {
                let name = self.text(name_node).to_string();
                let held = self.const_value(value);
                let entry = if self.doc_consts.contains_key(&name) {
                    ConstValue::Other
                } else {
                    held
                };
                self.doc_consts.insert(name, entry);
            }
            "object_pattern" if self.text(unwrap(value)) == "process.env" => {
                for part in named_children(name_node) {
                    let key = match part.kind_name() {
                        "shorthand_property_identifier_pattern" => Some(part),
                        "pair_pattern" => part.field(Field::Key),
                        "object_assignment_pattern" => part.field(Field::Left),
                        _ => None,
                    };
                    let Some(key) = key else { continue };
                    let name = match key.kind_name() {
                        "string" => string_content(key, self.b.src),
                        "shorthand_property_identifier_pattern" | "property_identifier" => {
                            Some(self.text(key).to_string())
                        }
                        _ => None,
                    };
                    if let Some(name) = name {
                        self.push_env_read(name, node_span(key));
                    }
                }
            }
            _ => {}
        }
    }

    fn const_value(&self, value: Node) -> ConstValue {
        let value = unwrap(value);
        if let Some(params) = self.schema_params(value, 0) {
            ConstValue::Schema(params)
        } else if let Some(described) = self.zod_field(value) {
            ConstValue::Field(described)
        } else if is_text(value) {
            ConstValue::Text
        } else {
            ConstValue::Other
        }
    }

    /// `process.env.X` and `process.env["X"]`.
    fn env_read(&mut self, node: Node) {
        let Some(object) = node.field(Field::Object) else {
            return;
        };
        if self.text(object) != "process.env" {
            return;
        }
        match node.kind_name() {
            "member_expression" => {
                if let Some(property) = node.field(Field::Property) {
                    let name = self.text(property).to_string();
                    self.push_env_read(name, node_span(property));
                }
            }
            "subscript_expression" => {
                let Some(index) = node.field(Field::Index).map(unwrap) else {
                    return;
                };
                if index.kind_name() != "string" {
                    return;
                }
                let fragment = named_children(index).find(|c| c.kind_name() == "string_fragment");
                if let (Some(name), Some(fragment)) = (string_content(index, self.b.src), fragment)
                {
                    self.push_env_read(name, node_span(fragment));
                }
            }
            _ => {}
        }
    }

    fn push_env_read(&mut self, name: String, span: Span) {
        let func = self.b.current();
        self.b.model.env_reads.push(EnvAccess { name, span, func });
    }

    /// `{ ...process.env, X: value }`, the environment of a child process: the code sets `X`.
    fn env_object(&mut self, object: Node) {
        let copies_env = named_children(object).any(|c| {
            c.kind_name() == "spread_element"
                && c.named_child(0)
                    .is_some_and(|e| self.text(unwrap(e)) == "process.env")
        });
        if !copies_env {
            return;
        }
        for pair in named_children(object).filter(|p| p.kind_name() == "pair") {
            let Some(key) = pair.field(Field::Key) else {
                continue;
            };
            if let Some(name) = key_name(key, self.b.src) {
                let func = self.b.current();
                let span = node_span(key);
                self.b.model.env_writes.push(EnvAccess { name, span, func });
            }
        }
    }

    /// `process.env.X = value` / `process.env["X"] = value`: the code sets the variable itself.
    fn env_write(&mut self, target: Node) {
        let Some(object) = target.field(Field::Object) else {
            return;
        };
        if self.text(object) != "process.env" {
            return;
        }
        let name = match target.kind_name() {
            "member_expression" => target
                .field(Field::Property)
                .map(|p| self.text(p).to_string()),
            "subscript_expression" => target
                .field(Field::Index)
                .and_then(|i| string_content(unwrap(i), self.b.src)),
            _ => None,
        };
        if let Some(name) = name {
            let func = self.b.current();
            let span = node_span(target);
            self.b.model.env_writes.push(EnvAccess { name, span, func });
        }
    }

    /// `server.tool(name, [description], [schema], [annotations], handler)` and
    /// `server.registerTool(name, { description, inputSchema }, handler)`.
    fn tool_declaration(&mut self, callee: &str, arguments: &[Node]) {
        let Some((receiver, method)) = callee.rsplit_once('.') else {
            return;
        };
        if !matches!(method, "tool" | "registerTool")
            || arguments.len() < 2
            || !self.is_server(receiver)
        {
            return;
        }
        let name_node = unwrap(arguments[0]);
        let (description, params) = if method == "tool" {
            self.tool_call_documentation(&arguments[1..arguments.len() - 1])
        } else {
            let config = unwrap(arguments[1]);
            if config.kind_name() != "object" {
                return;
            }
            let params = self
                .pair_value(config, "inputSchema")
                .and_then(|s| self.schema_params(s, 0))
                .unwrap_or_default();
            (self.description_field(config), params)
        };
        let name =
            string_content(name_node, self.b.src).unwrap_or_else(|| short(self.text(name_node)));
        let func = self.b.current();
        self.b.model.tool_declarations.push(ToolDeclaration {
            name,
            span: node_span(name_node),
            description,
            params,
            func,
        });
    }

    /// The description and parameters of `server.tool(...)`, from the arguments between the
    /// name and the handler. The SDK tells a description (a string) from a schema or
    /// annotations (an object); so does this.
    fn tool_call_documentation(&self, middle: &[Node]) -> (Described, Vec<ToolParam>) {
        let Some(first) = middle.first().map(|n| unwrap(*n)) else {
            return (Described::No, Vec::new());
        };
        let schema_of = |node: Option<&Node>| {
            node.and_then(|n| self.schema_params(*n, 0))
                .unwrap_or_default()
        };
        if is_text(first) {
            return (self.text_described(first), schema_of(middle.get(1)));
        }
        if first.kind_name() == "object" || self.schema_params(first, 0).is_some() {
            return (Described::No, schema_of(middle.first()));
        }
        let described = match first.kind_name() {
            "identifier" => match self.doc_consts.get(self.text(first)) {
                Some(ConstValue::Text) => Described::Yes,
                _ => Described::Unknown,
            },
            _ => Described::Unknown,
        };
        (described, schema_of(middle.get(1)))
    }

    /// `{ name: "search", description: "...", inputSchema: {...} }` in a tool list, and
    /// `{ name, description, parameters, execute }` given to `addTool`.
    fn tool_object(&mut self, node: Node) {
        let schema_key = if self.has_key(node, "inputSchema") {
            "inputSchema"
        } else if self.has_key(node, "parameters") && self.has_key(node, "execute") {
            "parameters"
        } else {
            return;
        };
        let Some(name_node) = self.pair_value(node, "name").map(unwrap) else {
            return;
        };
        let name = match name_node.kind_name() {
            "string" | "template_string" => match string_content(name_node, self.b.src) {
                Some(name) => name,
                None => return,
            },
            // A constant such as `ToolName.Search` or `SEARCH_TOOL`; `tool.name` copies a
            // definition made elsewhere.
            "identifier" | "member_expression"
                if self
                    .text(name_node)
                    .starts_with(|c: char| c.is_ascii_uppercase()) =>
            {
                self.text(name_node).to_string()
            }
            _ => return,
        };
        let params = self
            .pair_value(node, schema_key)
            .and_then(|s| self.schema_params(s, 0))
            .unwrap_or_default();
        let description = self.description_field(node);
        let func = self.b.current();
        self.b.model.tool_declarations.push(ToolDeclaration {
            name,
            span: node_span(name_node),
            description,
            params,
            func,
        });
    }

    /// The value of `key: value` in an object literal.
    fn pair_value<'t>(&self, object: Node<'t>, key: &str) -> Option<Node<'t>> {
        named_children(object)
            .filter(|p| p.kind_name() == "pair")
            .find(|p| {
                p.field(Field::Key)
                    .and_then(|k| key_name(k, self.b.src))
                    .is_some_and(|k| k == key)
            })
            .and_then(|p| p.field(Field::Value))
    }

    /// The object literal has `key` as a pair, a shorthand property or a method.
    fn has_key(&self, object: Node, key: &str) -> bool {
        named_children(object).any(|entry| match entry.kind_name() {
            "pair" | "method_definition" => entry
                .field(Field::Key)
                .or_else(|| entry.field(Field::Name))
                .and_then(|k| key_name(k, self.b.src))
                .is_some_and(|k| k == key),
            "shorthand_property_identifier" => self.text(entry) == key,
            _ => false,
        })
    }

    /// Whether an object literal (a tool definition, a registerTool config, a JSON-schema
    /// property) has a `description`.
    fn description_field(&self, object: Node) -> Described {
        if let Some(value) = self.pair_value(object, "description").map(unwrap) {
            return match value.kind_name() {
                "undefined" | "null" => Described::No,
                "identifier" if self.text(value) == "undefined" => Described::No,
                _ if is_text(value) => self.text_described(value),
                _ => Described::Yes,
            };
        }
        if self.has_key(object, "description") {
            return Described::Yes;
        }
        if named_children(object).any(|c| c.kind_name() == "spread_element") {
            return Described::Unknown;
        }
        Described::No
    }

    /// An empty string describes nothing.
    fn text_described(&self, node: Node) -> Described {
        match string_content(node, self.b.src) {
            Some(text) if text.trim().is_empty() => Described::No,
            _ => Described::Yes,
        }
    }

    /// The parameters of a tool input schema: a zod shape (`{ q: z.string() }`), a zod object
    /// (`z.object({...})`, `Base.extend({...})`), a JSON schema with `properties`, a conversion
    /// of one (`zodToJsonSchema(s)`), `s.shape`, or a constant holding one. `None` when the
    /// value is not a schema the front end can read.
    fn schema_params(&self, node: Node, hops: usize) -> Option<Vec<ToolParam>> {
        if hops > MAX_SCHEMA_HOPS {
            return None;
        }
        let node = unwrap(node);
        match node.kind_name() {
            "object" => {
                if let Some(properties) = self.pair_value(node, "properties").map(unwrap) {
                    return (properties.kind_name() == "object")
                        .then(|| self.json_properties(properties));
                }
                self.zod_shape(node)
            }
            "call_expression" => {
                let function = node.field(Field::Function)?;
                let callee = path_of(function, self.b.src);
                let method = callee.rsplit('.').next().unwrap_or(&callee);
                if is_json_schema_conversion(method) {
                    let arg = node
                        .field(Field::Arguments)
                        .and_then(|a| named_children(a).find(|n| n.kind_name() != "comment"))?;
                    return self.schema_params(arg, hops + 1);
                }
                self.zod_object(node, hops)
            }
            "identifier" => match self.doc_consts.get(self.text(node)) {
                Some(ConstValue::Schema(params)) => Some(params.clone()),
                _ => None,
            },
            "member_expression" => {
                let property = node.field(Field::Property)?;
                if self.text(property) != "shape" {
                    return None;
                }
                self.schema_params(node.field(Field::Object)?, hops + 1)
            }
            _ => None,
        }
    }

    /// `z.object({...})` with any chain of methods after it, or `Base.extend({...})`.
    fn zod_object(&self, node: Node, hops: usize) -> Option<Vec<ToolParam>> {
        let mut params = Vec::new();
        let mut current = node;
        for _ in 0..64 {
            match current.kind_name() {
                "call_expression" => {
                    let function = current.field(Field::Function)?;
                    if function.kind_name() != "member_expression" {
                        return None;
                    }
                    let method = function
                        .field(Field::Property)
                        .map(|p| self.text(p))
                        .unwrap_or("");
                    let object = function.field(Field::Object)?;
                    let first_arg = current
                        .field(Field::Arguments)
                        .and_then(|a| named_children(a).find(|n| n.kind_name() != "comment"));
                    match method {
                        "object" | "strictObject" | "looseObject"
                            if object.kind_name() == "identifier"
                                && self.is_zod(self.text(object)) =>
                        {
                            let shape = first_arg.map(unwrap)?;
                            if shape.kind_name() != "object" {
                                return None;
                            }
                            let mut all = self.zod_shape(shape).unwrap_or_default();
                            all.extend(params);
                            return Some(all);
                        }
                        "extend" => {
                            if let Some(shape) = first_arg.map(unwrap) {
                                if shape.kind_name() == "object" {
                                    params.extend(self.zod_shape(shape).unwrap_or_default());
                                }
                            }
                        }
                        // These change which keys the schema has.
                        "pick" | "omit" | "keyof" | "array" | "or" | "and" | "transform"
                        | "pipe" => return None,
                        _ => {}
                    }
                    current = unwrap(object);
                }
                "identifier" => {
                    let mut base = self.schema_params(current, hops + 1)?;
                    base.extend(params);
                    return Some(base);
                }
                _ => return None,
            }
        }
        None
    }

    /// The fields of a zod shape, `{ q: z.string().describe("...") }`. `None` when no value is
    /// a zod field: the object is something else (annotations, say).
    fn zod_shape(&self, object: Node) -> Option<Vec<ToolParam>> {
        let mut params = Vec::new();
        let mut any_zod = false;
        for entry in named_children(object) {
            let (key, value) = match entry.kind_name() {
                "pair" => match (entry.field(Field::Key), entry.field(Field::Value)) {
                    (Some(k), Some(v)) => (k, v),
                    _ => continue,
                },
                "shorthand_property_identifier" => (entry, entry),
                _ => continue,
            };
            let Some(name) = key_name(key, self.b.src) else {
                continue;
            };
            let value = unwrap(value);
            let described = match value.kind_name() {
                "identifier" | "shorthand_property_identifier" => {
                    match self.doc_consts.get(self.text(value)) {
                        Some(ConstValue::Field(d)) => Some(*d),
                        _ => None,
                    }
                }
                _ => self.zod_field(value),
            };
            if let Some(described) = described {
                any_zod = true;
                params.push(ToolParam {
                    name,
                    span: node_span(key),
                    description: described,
                });
            }
        }
        any_zod.then_some(params)
    }

    /// A zod field (a call chain that starts at `z`): whether it is described, by
    /// `.describe("...")`, `.meta({ description })` or `z.string({ description })`.
    fn zod_field(&self, node: Node) -> Option<Described> {
        let mut described = false;
        let mut current = unwrap(node);
        if current.kind_name() != "call_expression" {
            return None;
        }
        for _ in 0..64 {
            match current.kind_name() {
                "call_expression" => {
                    let function = current.field(Field::Function)?;
                    if function.kind_name() != "member_expression" {
                        return None;
                    }
                    let method = function
                        .field(Field::Property)
                        .map(|p| self.text(p))
                        .unwrap_or("");
                    let args = current.field(Field::Arguments);
                    if method == "describe" {
                        described |= args
                            .and_then(|a| named_children(a).find(|n| n.kind_name() != "comment"))
                            .is_some_and(|a| {
                                !is_text(unwrap(a))
                                    || self.text_described(unwrap(a)) == Described::Yes
                            });
                    }
                    for arg in args.iter().flat_map(|a| named_children(*a)) {
                        let arg = unwrap(arg);
                        if arg.kind_name() == "object" {
                            if let Some(value) = self.pair_value(arg, "description").map(unwrap) {
                                if is_text(value) || value.kind_name() == "identifier" {
                                    described = true;
                                }
                            }
                        }
                    }
                    current = unwrap(function.field(Field::Object)?);
                }
                "member_expression" => current = unwrap(current.field(Field::Object)?),
                "identifier" => {
                    return self.is_zod(self.text(current)).then_some(if described {
                        Described::Yes
                    } else {
                        Described::No
                    });
                }
                _ => return None,
            }
        }
        None
    }

    /// `z`, or a name imported from `zod`.
    fn is_zod(&self, name: &str) -> bool {
        name == "z"
            || self
                .b
                .model
                .imports
                .iter()
                .any(|i| i.local == name && (i.source == "zod" || i.source.starts_with("zod/")))
    }

    /// The entries of a JSON schema's `properties`.
    fn json_properties(&self, properties: Node) -> Vec<ToolParam> {
        let mut params = Vec::new();
        for pair in named_children(properties).filter(|p| p.kind_name() == "pair") {
            let (Some(key), Some(value)) = (pair.field(Field::Key), pair.field(Field::Value))
            else {
                continue;
            };
            let Some(name) = key_name(key, self.b.src) else {
                continue;
            };
            let value = unwrap(value);
            let description = if value.kind_name() != "object" || self.has_key(value, "$ref") {
                Described::Unknown
            } else {
                self.description_field(value)
            };
            params.push(ToolParam {
                name,
                span: node_span(key),
                description,
            });
        }
        params
    }
}

#[cfg(test)]
mod documentation_tests {
    use crate::lang::lower_source;
    use crate::model::{Described, Language};

    #[test]
    fn a_long_concatenated_description_is_read_in_linear_time() {
        let parts = vec!["\"part \""; 400].join(" + ");
        let source = format!("server.tool(\"t\", {parts}, {{ q: z.string() }}, async () => 1);");
        let model = lower_source(Language::TypeScript, source.as_bytes()).unwrap();
        let tool = &model.tool_declarations[0];
        assert_eq!(tool.description, Described::Yes);
        assert_eq!(tool.params[0].description, Described::No);
    }
}
