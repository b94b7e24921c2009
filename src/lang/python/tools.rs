//! MCP tools: decorators, server objects, and the descriptions and parameter docs of tool declarations.

use tree_sitter::Node;

use super::{GRAMMAR, Lowerer, path_of, string_content, unwrap};
use crate::knowledge::ToolForms;
use crate::lang::fields::{Field, FieldExt};
use crate::lang::shared;
use crate::lang::{named_children, node_span};
use crate::model::*;

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
    fn is_server(&self, receiver: &str) -> bool {
        shared::is_server(&self.b, &GRAMMAR, receiver)
    }

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

    /// `SCHEMA = {"type": "object", "properties": {...}}`, used later as `inputSchema=SCHEMA`.
    pub(super) fn remember_schema(&mut self, target: &str, value: Node) {
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
    pub(super) fn decorated_tool_declaration(
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
            let tool = ToolForms::has(&self.b.vocabulary.tools.decorators, method);
            (tool && self.is_server(receiver)).then_some((*d, call))
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
        // Servers document parameters in the `description=` text as well as the docstring
        // (`Args:` sections); a description built where faultline cannot read it may document
        // them too, so an undocumented parameter is then unknown rather than missing.
        let description_value = keyword("description").map(unwrap);
        let description_text = description_value
            .filter(|v| matches!(v.kind_name(), "string" | "concatenated_string"))
            .map(|v| self.text(v).replace("\\n", "\n"));
        let unreadable = description_value
            .is_some_and(|v| description_text.is_none() && v.kind_name() != "none");
        let docs = match &description_text {
            Some(text) => format!("{}\n{text}", docstring.unwrap_or("")),
            None => docstring.unwrap_or("").to_string(),
        };
        let mut params = self.function_params(definition, &docs, wrapped);
        if unreadable {
            for param in &mut params {
                if param.description == Described::No {
                    param.description = Described::Unknown;
                }
            }
        }
        let func = self.b.current();
        self.b.model.tool_declarations.push(ToolDeclaration {
            name,
            span: node_span(decorator),
            description,
            params,
            func,
            unused_binding: None,
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
    pub(super) fn tool_definition_call(&mut self, callee: &str, node: Node) {
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
            unused_binding: None,
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
