//! MCP tools: registrations, and the descriptions and parameter docs of their declarations.

use tree_sitter::Node;

use super::{GRAMMAR, Lowerer, path_of, string_content, text_of, unwrap};
use crate::knowledge::ToolForms;
use crate::lang::builder::short;
use crate::lang::fields::{Field, FieldExt};
use crate::lang::shared;
use crate::lang::{named_children, node_span};
use crate::model::*;

/// What a `const` holds, as far as tool documentation goes.
#[derive(Debug, Clone)]
pub(super) enum ConstValue {
    /// A tool input schema (a zod object or shape, a JSON schema) and its parameters.
    Schema(Vec<ToolParam>),
    /// One zod field (`z.string().describe("...")`).
    Field(Described),
    /// A string, such as a description kept in a constant, with its source text when every
    /// part of it can be read (no call, substitution or name faultline cannot follow).
    Text(Option<String>),
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
pub(super) fn key_name(key: Node, src: &[u8]) -> Option<String> {
    match key.kind_name() {
        "property_identifier" | "shorthand_property_identifier" | "identifier" | "number" => {
            Some(text_of(key, src))
        }
        "string" => string_content(key, src),
        _ => None,
    }
}

impl Lowerer<'_> {
    /// A receiver that holds an MCP server: created with `new McpServer(...)` / `new Server(...)`,
    /// typed as one, or named like one (`server`, `mcpServer`, `this.mcp`).
    fn is_server(&self, receiver: &str) -> bool {
        shared::is_server(&self.b, &GRAMMAR, receiver)
    }

    /// `const X = ...` remembers schemas, zod fields and strings; `const { A } = process.env`
    /// reads variables.
    pub(super) fn declaration_facts(&mut self, name_node: Node, value: Node) {
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
            let mut text = String::new();
            let readable = self.description_text(value, &mut text);
            ConstValue::Text(readable.then_some(text))
        } else {
            ConstValue::Other
        }
    }

    /// `server.tool(name, [description], [schema], [annotations], handler)` and
    /// `server.registerTool(name, { description, inputSchema }, handler)`.
    pub(super) fn tool_declaration(&mut self, callee: &str, arguments: &[Node]) {
        let Some((receiver, method)) = callee.rsplit_once('.') else {
            return;
        };
        // The methods are data (`[tools] call-methods`); `tool` takes its documentation as
        // arguments, the others in a config object.
        if !ToolForms::has(&self.b.vocabulary.tools.call_methods, method)
            || arguments.len() < 2
            || !self.is_server(receiver)
        {
            return;
        }
        let name_node = unwrap(arguments[0]);
        let (description, mut params) = if method == "tool" {
            self.tool_call_documentation(&arguments[1..arguments.len() - 1])
        } else {
            let config = unwrap(arguments[1]);
            if config.kind_name() != "object" {
                return;
            }
            let mut params = self
                .pair_value(config, "inputSchema")
                .and_then(|s| self.schema_params(s, 0))
                .unwrap_or_default();
            self.params_in_description(self.pair_value(config, "description"), &mut params);
            (self.description_field(config), params)
        };
        if method == "tool" {
            let middle = &arguments[1..arguments.len() - 1];
            let first = middle.first().map(|n| unwrap(*n));
            let is_description = first
                .is_some_and(|f| f.kind_name() != "object" && self.schema_params(f, 0).is_none());
            self.params_in_description(first.filter(|_| is_description), &mut params);
        }
        let name =
            string_content(name_node, self.b.src).unwrap_or_else(|| short(self.text(name_node)));
        let func = self.b.current();
        self.b.model.tool_declarations.push(ToolDeclaration {
            name,
            span: node_span(name_node),
            description,
            params,
            func,
            unused_binding: None,
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
                Some(ConstValue::Text(_)) => Described::Yes,
                _ => Described::Unknown,
            },
            _ => Described::Unknown,
        };
        (described, schema_of(middle.get(1)))
    }

    /// `{ name: "search", description: "...", inputSchema: {...} }` in a tool list, and
    /// `{ name, description, parameters, execute }` given to `addTool`.
    pub(super) fn tool_object(&mut self, node: Node) {
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
        let mut params = self
            .pair_value(node, schema_key)
            .and_then(|s| self.schema_params(s, 0))
            .unwrap_or_default();
        self.params_in_description(self.pair_value(node, "description"), &mut params);
        let description = self.description_field(node);
        let func = self.b.current();
        let unused_binding = self.unused_binding(node);
        self.b.model.tool_declarations.push(ToolDeclaration {
            name,
            span: node_span(name_node),
            description,
            params,
            func,
            unused_binding,
        });
    }

    /// The constant a definition object is kept in (`const X = { name, ... }`), when the file
    /// never mentions `X` again: unless another file imports it, nothing lists that tool.
    fn unused_binding(&self, object: Node) -> Option<String> {
        let declarator = object.parent()?;
        if declarator.kind_name() != "variable_declarator"
            || declarator.field(Field::Value).map(|v| v.id()) != Some(object.id())
        {
            return None;
        }
        let name = declarator.field(Field::Name)?;
        if name.kind_name() != "identifier" {
            return None;
        }
        let name = self.text(name);
        let source = std::str::from_utf8(self.b.src).ok()?;
        let mentions = source
            .match_indices(name)
            .filter(|(at, _)| {
                let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
                !source[..*at].chars().next_back().is_some_and(is_word)
                    && !source[at + name.len()..]
                        .chars()
                        .next()
                        .is_some_and(is_word)
            })
            .take(2)
            .count();
        (mentions == 1).then(|| name.to_string())
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

    /// What a tool's description says of its parameters: servers explain them in the text
    /// (``from one to ten `seed_ids` ``, "the body can change its name"), so a parameter the
    /// text names is documented there. When part of the text cannot be read (a call, an
    /// imported constant, a template substitution), it may name the others too: they are
    /// unknown, not missing.
    fn params_in_description(&self, description: Option<Node>, params: &mut [ToolParam]) {
        let Some(description) = description.map(unwrap) else {
            return;
        };
        if matches!(description.kind_name(), "undefined" | "null") {
            return;
        }
        let mut text = String::new();
        let readable = self.description_text(description, &mut text);
        // Escapes as written in the source: ``\`seed_ids\` `` names `seed_ids`.
        let text = text.replace('\\', "");
        for param in params.iter_mut() {
            if param.description != Described::No {
                continue;
            }
            if shared::names_word(&text, &param.name) {
                param.description = Described::Yes;
            } else if !readable {
                param.description = Described::Unknown;
            }
        }
    }

    /// The source text of a description (strings, templates and the `+` of them, constants of
    /// this file holding strings), appended to `out`; false when a part cannot be read.
    fn description_text(&self, node: Node, out: &mut String) -> bool {
        let mut stack = vec![node];
        let mut readable = true;
        let mut visited = 0;
        while let Some(node) = stack.pop() {
            visited += 1;
            if visited > 10_000 {
                return false;
            }
            let node = unwrap(node);
            match node.kind_name() {
                "string" => out.push_str(self.text(node)),
                "template_string" => {
                    out.push_str(self.text(node));
                    if named_children(node).any(|c| c.kind_name() == "template_substitution") {
                        readable = false;
                    }
                }
                "binary_expression"
                    if node.field(Field::Operator).map(|o| o.kind_name()) == Some("+") =>
                {
                    stack.extend(
                        [Field::Right, Field::Left]
                            .iter()
                            .filter_map(|f| node.field(*f)),
                    );
                }
                "identifier" => match self.doc_consts.get(self.text(node)) {
                    Some(ConstValue::Text(Some(text))) => out.push_str(text),
                    _ => readable = false,
                },
                _ => readable = false,
            }
            out.push('\n');
        }
        readable
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
