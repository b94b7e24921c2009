//! Tool-definition objects registered by a template: `for (const tool of TOOLS)
//! server.tool(tool.name, tool.description, tool.schema, tool.handler)` names its tool by a
//! field of a value, so the tools are the definition objects of the project that carry that
//! field as a string (`{ name: "search", description, inputSchema, handler }`, kept in arrays,
//! records, modules or built by `defineTool({...})`), each with its own handler: the function
//! under a handler key (`handler`, `execute`, `tool`, ...), else the function a table keeps
//! under the tool's name (`HANDLERS = { search: searchHandler }`), else the template's.
//!
//! The template itself is no tool once it has definitions: its name is no name.

use std::collections::HashSet;

use super::super::{FnRef, Project};
use crate::model::{
    ArgValue, DEFINITION_HANDLER_KEYS, Definition, HandlerRef, Model, Span, ToolForm, ToolKind,
    ToolRegistration,
};

/// Keys that hold a tool's input schema in a definition.
const SCHEMA_KEYS: &[&str] = &[
    "inputSchema",
    "input_schema",
    "parameters",
    "schema",
    "args",
    "argsSchema",
    "paramsSchema",
    "inputShape",
    "input",
    "params",
    "zodSchema",
];

/// Keys that mark a prompt or a resource, not a tool.
const NOT_TOOL_KEYS: &[&str] = &["arguments", "uri", "uriTemplate", "mimeType"];

/// A registration that names its tool by a field of a value: where, and the field's path.
struct Template {
    unit: usize,
    span: Span,
    /// `name` for `tool.name`, `schema.name` for `tool.schema.name`.
    key: String,
    handlers: Vec<FnRef>,
}

/// Replaces the templates that have definitions with one tool per definition.
pub fn apply_definitions(project: &mut Project) {
    let templates = templates(project);
    if templates.is_empty() {
        return;
    }
    let mut taken: HashSet<String> = project
        .units
        .iter()
        .flat_map(|u| &u.model.tools)
        .filter(|t| t.kind == ToolKind::Single)
        .map(|t| t.name.clone())
        .collect();
    let mut used: HashSet<(usize, Span)> = HashSet::new();
    let mut added: Vec<(usize, ToolRegistration)> = Vec::new();
    for template in &templates {
        for (unit, u) in project.units.iter().enumerate() {
            for d in &u.model.definitions {
                if unit == template.unit && template.span.contains(d.span) {
                    continue;
                }
                let Some((name, span)) = named(&u.model, d, &template.key) else {
                    continue;
                };
                if !tool_like(&u.model.definitions, d, &template.key) || !is_tool_name(&name) {
                    continue;
                }
                used.insert((template.unit, template.span));
                if !taken.insert(name.clone()) {
                    continue;
                }
                let handlers = handlers(project, unit, d, &name, template);
                added.push((
                    unit,
                    ToolRegistration {
                        kind: ToolKind::Single,
                        form: ToolForm::DefinitionObject,
                        name,
                        span,
                        handlers,
                        description: None,
                    },
                ));
            }
        }
    }
    for &(unit, span) in &used {
        let tools = &mut project.units[unit].model.tools;
        tools.retain(|t| t.kind != ToolKind::Single || t.span != span);
    }
    for (unit, tool) in added {
        project.units[unit].model.tools.push(tool);
    }
}

/// The registrations whose name is a field of a value (`tool.name`, `t.schema.name`): not a
/// constant, not a string.
fn templates(project: &Project) -> Vec<Template> {
    let mut out = Vec::new();
    for (unit, u) in project.units.iter().enumerate() {
        let model = &u.model;
        for tool in &model.tools {
            if tool.kind != ToolKind::Single || tool.form != ToolForm::ServerTool {
                continue;
            }
            let Some(call) = model.calls.iter().find(|c| c.span == tool.span) else {
                continue;
            };
            let Some(ArgValue::Name(path)) = call.args.first().map(|a| &a.value) else {
                continue;
            };
            let Some((root, key)) = path.split_once('.') else {
                continue;
            };
            let lower = root.starts_with(|c: char| c.is_ascii_lowercase() || c == '_');
            if !lower || matches!(root, "this" | "self") || key.contains(['(', '[']) {
                continue;
            }
            if model.string_constants.iter().any(|c| c.name == *path) {
                continue;
            }
            let handlers = tool
                .handlers
                .iter()
                .filter_map(|h| match h {
                    HandlerRef::Function(id) => Some(FnRef { unit, func: *id }),
                    HandlerRef::Name(n) => project.resolve_callee(unit, call.func, n),
                    HandlerRef::Elsewhere { unit, func } => Some(FnRef {
                        unit: *unit,
                        func: *func,
                    }),
                })
                .collect();
            out.push(Template {
                unit,
                span: tool.span,
                key: key.to_string(),
                handlers,
            });
        }
    }
    out
}

/// The definition a field names (`schema: createSchema` for `schema.name`), in the same file.
fn referenced<'a>(
    definitions: &'a [Definition],
    d: &Definition,
    head: &str,
) -> Option<&'a Definition> {
    let ArgValue::Name(bound) = d.get(head)? else {
        return None;
    };
    definitions
        .iter()
        .find(|o| o.binding.as_deref() == Some(bound.as_str()))
}

/// The string a definition keeps under `key` and where: its own (`name: "x"`, a string
/// constant `name: SEARCH_TOOL_NAME`, `schema.name` nested), or that of the definition a field
/// names.
fn named(model: &Model, d: &Definition, key: &str) -> Option<(String, Span)> {
    let string = |d: &Definition, key: &str| {
        let entry = d
            .entries
            .iter()
            .find(|e| e.keyword.as_deref() == Some(key))?;
        match &entry.value {
            ArgValue::Str(s) => Some((s.clone(), entry.span)),
            ArgValue::Name(n) => model
                .string_constants
                .iter()
                .rev()
                .find(|c| c.name == *n && c.at <= entry.span.start)
                .map(|c| (c.value.clone(), entry.span)),
            _ => None,
        }
    };
    if let Some(direct) = string(d, key) {
        return Some(direct);
    }
    let (head, rest) = key.split_once('.')?;
    string(referenced(&model.definitions, d, head)?, rest)
}

/// A definition of a tool, not of a prompt or a resource: it has a schema or something that
/// runs it.
fn tool_like(definitions: &[Definition], d: &Definition, key: &str) -> bool {
    let has = |o: &Definition, keys: &[&str]| keys.iter().any(|k| o.get(k).is_some());
    let inner = key
        .split_once('.')
        .and_then(|(head, _)| referenced(definitions, d, head));
    let nested_schema = d.entries.iter().any(|e| {
        e.keyword
            .as_deref()
            .and_then(|k| k.split_once('.'))
            .is_some_and(|(_, k)| SCHEMA_KEYS.contains(&k))
    });
    if has(d, NOT_TOOL_KEYS) || inner.is_some_and(|i| has(i, NOT_TOOL_KEYS)) {
        return false;
    }
    has(d, SCHEMA_KEYS)
        || nested_schema
        || inner.is_some_and(|i| has(i, SCHEMA_KEYS))
        || keyed_handler(d).is_some()
        || (runs(d).is_some() && d.get("description").is_some())
}

/// What a definition keeps to run its tool: a function or a name under a handler key, or its
/// only function.
fn runs(d: &Definition) -> Option<&ArgValue> {
    let keyed = keyed_handler(d);
    if keyed.is_some() {
        return keyed;
    }
    let mut functions = d
        .entries
        .iter()
        .filter(|e| matches!(e.value, ArgValue::Function(_)));
    match (functions.next(), functions.next()) {
        (Some(only), None) => Some(&only.value),
        _ => None,
    }
}

/// A function or a name under a handler key (`execute: run`, `handler() {}`).
fn keyed_handler(d: &Definition) -> Option<&ArgValue> {
    d.entries.iter().find_map(|e| {
        let key = e.keyword.as_deref()?;
        let handler = DEFINITION_HANDLER_KEYS.contains(&key);
        match &e.value {
            ArgValue::Function(_) | ArgValue::Name(_) if handler => Some(&e.value),
            _ => None,
        }
    })
}

/// A name the protocol allows a tool (letters, digits, `_`, `-`, `.`, `/`; 1 to 128).
pub(super) fn is_tool_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'))
}

/// The handlers of definition `d` of `unit`, named `name`.
fn handlers(
    project: &Project,
    unit: usize,
    d: &Definition,
    name: &str,
    template: &Template,
) -> Vec<HandlerRef> {
    let at = |f: FnRef| {
        if f.unit == unit {
            HandlerRef::Function(f.func)
        } else {
            HandlerRef::Elsewhere {
                unit: f.unit,
                func: f.func,
            }
        }
    };
    match runs(d) {
        Some(ArgValue::Function(id)) => return vec![HandlerRef::Function(*id)],
        Some(ArgValue::Name(n)) => {
            if let Some(f) = project.resolve_callee(unit, d.func, n) {
                return vec![at(f)];
            }
        }
        _ => {}
    }
    if let Some(f) = kept_under(project, name) {
        return vec![at(f)];
    }
    template.handlers.iter().map(|&f| at(f)).collect()
}

/// The function a table of the project keeps under a tool's name
/// (`HANDLERS = { search: searchHandler }`).
fn kept_under(project: &Project, name: &str) -> Option<FnRef> {
    for (unit, u) in project.units.iter().enumerate() {
        for table in &u.model.tables {
            for (key, value) in &table.entries {
                if key.as_deref() != Some(name) {
                    continue;
                }
                let found = match value {
                    ArgValue::Function(id) => Some(FnRef { unit, func: *id }),
                    ArgValue::Name(n) => project.resolve_callee(unit, table.func, n),
                    _ => None,
                };
                if found.is_some() {
                    return found;
                }
            }
        }
    }
    None
}
