//! Which functions are tool handlers.
//!
//! The SDKs' own registration forms (`server.tool`, `@mcp.tool()`, definition objects,
//! dispatch tables, wrappers) are recognised by the front ends, which know the grammar, and
//! arrive as [`ToolRegistration`]s in each model. Registrations taught in the configuration
//! (`[vocabulary] tool-registrations`): a project's own registry (`registerAcmeTool("search",
//! handler)`, `@tools.register("search")`) registers tools as surely as the SDK's
//! `server.tool`; they are added here, to each file's model before the link, so reachability
//! and every rule see them. [`handlers`] then resolves every registration's handler to a
//! function of the project: the roots of the call graph's walks.

use std::collections::{HashMap, HashSet};

use super::{FnRef, Project, Reach};
use crate::knowledge::NameSet;
use crate::model::{
    ArgValue, HandlerRef, MODULE, Model, Span, ToolForm, ToolKind, ToolRegistration,
};

/// Adds a tool registration for every call to a taught registrar: named by `name=` or its first
/// string argument, handled by its last function argument; a registrar used as a decorator
/// (`@register("Title")` or bare `@register`) registers the function it decorates, named by
/// `name=` or the function's own name.
pub fn add_taught_registrations(model: &mut Model, registrars: &NameSet) {
    // The function each decorator call decorates, and those a registrar call decorates.
    let decorates: HashMap<usize, usize> = model
        .decorator_calls
        .iter()
        .map(|d| (d.call, d.func))
        .collect();
    let mut registered_by_call = HashSet::new();
    let mut added = Vec::new();
    for (index, call) in model.calls.iter().enumerate() {
        let registrar = registrars.matches(&call.callee).is_some();
        let decorated = decorates.get(&index).copied();
        if let (true, Some(func)) = (registrar, decorated) {
            registered_by_call.insert(func);
        }
        if !registrar || model.tools.iter().any(|t| t.span == call.span) {
            continue;
        }
        let handler = match decorated {
            Some(func) => Some(HandlerRef::Function(func)),
            None => call.args.iter().rev().find_map(|a| match &a.value {
                ArgValue::Function(id) => Some(HandlerRef::Function(*id)),
                ArgValue::Name(name) => Some(HandlerRef::Name(name.clone())),
                _ => None,
            }),
        };
        let Some(handler) = handler else { continue };
        // A call names its tool first (`registerAcmeTool("search", h)`); a decorator's string
        // may as well be a title, so it names the tool only as `name=`, else the function does.
        let string = |keyword: Option<&str>| {
            call.args
                .iter()
                .filter(|a| a.keyword.as_deref() == keyword)
                .find_map(|a| match &a.value {
                    ArgValue::Str(s) => Some(s.clone()),
                    _ => None,
                })
        };
        let name = string(Some("name"))
            .or_else(|| match decorated {
                Some(func) => model.functions[func].name.clone(),
                None => string(None),
            })
            .unwrap_or_else(|| call.callee.clone());
        added.push(ToolRegistration {
            kind: ToolKind::Single,
            form: ToolForm::Registrar,
            name,
            span: call.span,
            handlers: vec![handler],
            description: None,
        });
    }
    // A bare decorator (`@register`) is no call: the function names it among its decorators.
    for (id, function) in model.functions.iter().enumerate() {
        let bare = function
            .decorators
            .iter()
            .any(|d| registrars.matches(d).is_some());
        if bare && !registered_by_call.contains(&id) {
            added.push(ToolRegistration {
                kind: ToolKind::Single,
                form: ToolForm::Registrar,
                name: function.name.clone().unwrap_or_default(),
                span: function.name_span,
                handlers: vec![HandlerRef::Function(id)],
                description: None,
            });
        }
    }
    model.tools.extend(added);
}

/// Where a walk starts: a tool handler, or a decorator of ours around one (`@handle_errors`),
/// whose wrapper is the code the client reaches first.
pub(super) struct Root {
    pub target: FnRef,
    pub reach: Reach,
    pub wrapper: bool,
}

/// The tool handlers of the project (and our decorators around them), ordered by file and
/// place so that the first tool to reach a function does not depend on thread count.
pub(super) fn handlers(project: &Project) -> Vec<Root> {
    let mut roots: Vec<(&str, Span, Root)> = Vec::new();
    for (unit, u) in project.units.iter().enumerate() {
        for tool in &u.model.tools {
            for handler in &tool.handlers {
                let target = match handler {
                    HandlerRef::Function(id) => Some(FnRef { unit, func: *id }),
                    HandlerRef::Name(name) => project.resolve_callee(unit, MODULE, name),
                };
                let Some(target) = target else { continue };
                let reach = Reach {
                    tool: tool.name.clone(),
                    kind: tool.kind,
                };
                for decorator in &project.function(target).decorators {
                    if let Some(wrapper) = project.resolve_callee(target.unit, MODULE, decorator) {
                        if wrapper != target {
                            let root = Root {
                                target: wrapper,
                                reach: reach.clone(),
                                wrapper: true,
                            };
                            roots.push((&u.file.display, tool.span, root));
                        }
                    }
                }
                let root = Root {
                    target,
                    reach,
                    wrapper: false,
                };
                roots.push((&u.file.display, tool.span, root));
            }
        }
    }
    roots.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    roots.into_iter().map(|(_, _, root)| root).collect()
}

/// FastMCP's mount namespaces: `main.mount(jira_mcp, namespace="jira")` (also `prefix=`, and
/// the older `main.mount("jira", jira_mcp)`) serves every tool of `jira_mcp` as `jira_<name>`.
/// The mounted server is matched by its name, followed through one import (`from .jira
/// import jira_mcp as jira`); the tools renamed are those its `@jira_mcp.tool()` decorates.
pub fn apply_mounts(units: &mut [super::Unit]) {
    let mut prefixes: HashMap<String, String> = HashMap::new();
    for u in units.iter() {
        let model = &u.model;
        for call in &model.calls {
            if call.method() != "mount" || call.args.len() > 3 {
                continue;
            }
            let mut server = None;
            let mut prefix = None;
            for arg in &call.args {
                match (&arg.value, arg.keyword.as_deref()) {
                    (ArgValue::Str(s), None | Some("prefix" | "namespace")) => prefix = Some(s),
                    (ArgValue::Name(n), None | Some("server")) => server = Some(n),
                    _ => {}
                }
            }
            let (Some(server), Some(prefix)) = (server, prefix) else {
                continue;
            };
            if prefix.is_empty() || prefix.contains(['/', ':', '.']) {
                continue;
            }
            let local = server.rsplit('.').next().unwrap_or(server);
            let original = model
                .imports
                .iter()
                .find(|i| i.local == local)
                .and_then(|i| i.imported.clone())
                .unwrap_or_else(|| local.to_string());
            prefixes.insert(original, prefix.clone());
        }
    }
    if prefixes.is_empty() {
        return;
    }
    for u in units.iter_mut() {
        let model = &mut u.model;
        for tool in &mut model.tools {
            if tool.form != ToolForm::Decorator {
                continue;
            }
            let Some(HandlerRef::Function(id)) = tool.handlers.first() else {
                continue;
            };
            let prefix = model.functions[*id].decorators.iter().find_map(|d| {
                let (receiver, method) = d.rsplit_once('.')?;
                (method == "tool").then(|| prefixes.get(receiver))?
            });
            if let Some(prefix) = prefix {
                let renamed = format!("{prefix}_{}", tool.name);
                for declaration in &mut model.tool_declarations {
                    if declaration.name == tool.name && tool.span.contains(declaration.span) {
                        declaration.name = renamed.clone();
                    }
                }
                tool.name = renamed;
            }
        }
    }
}

/// TS FastMCP's `server.addTool({ name, description, parameters, execute })`: the object's
/// `execute` is the handler, its `name` (read by the front end as a tool declaration inside the
/// call) the tool's name. Recognised here, on the model, so that the rules and `faultline
/// tools` see the same tools.
pub fn add_sdk_forms(
    model: &mut Model,
    language: crate::model::Language,
    vocabulary: &crate::knowledge::LoweringVocabulary,
) {
    let mut added = Vec::new();
    let server = |receiver: &str| {
        model
            .instances
            .iter()
            .any(|i| i.name == receiver && vocabulary.is_server_class(language, &i.class))
            || vocabulary.names_a_server(language, receiver)
    };
    added.extend(python_call_forms(model, &server));
    for call in &model.calls {
        if call.method() != "addTool" || model.tools.iter().any(|t| t.span == call.span) {
            continue;
        }
        let Some(receiver) = call.receiver() else {
            continue;
        };
        let is_server = model
            .instances
            .iter()
            .any(|i| i.name == receiver && vocabulary.is_server_class(language, &i.class))
            || vocabulary.names_a_server(language, receiver);
        let Some(object) = call.args.first() else {
            continue;
        };
        let executes =
            matches!(&object.value, ArgValue::Object(keys) if keys.iter().any(|k| k == "execute"));
        if !is_server || !executes {
            continue;
        }
        let Some(declaration) = model
            .tool_declarations
            .iter()
            .find(|d| object.span.contains(d.span))
        else {
            continue;
        };
        let within: Vec<usize> = (1..model.functions.len())
            .filter(|&f| object.span.contains(model.functions[f].span))
            .collect();
        let handler = within
            .iter()
            .copied()
            .find(|&f| model.functions[f].name.as_deref() == Some("execute"))
            .or_else(|| {
                within
                    .iter()
                    .copied()
                    .find(|&f| model.functions[f].parent == Some(call.func))
            });
        let Some(handler) = handler else { continue };
        added.push(ToolRegistration {
            kind: ToolKind::Single,
            form: ToolForm::AddTool,
            name: declaration.name.clone(),
            span: call.span,
            handlers: vec![HandlerRef::Function(handler)],
            description: None,
        });
    }
    model.tools.extend(added);
}

/// The handler an argument names: a function written there, or a name (not a parameter of the
/// function the call is in: that is a registrar's, not a tool's).
fn handler_of(model: &Model, func: usize, value: &ArgValue) -> Option<(HandlerRef, String)> {
    match value {
        ArgValue::Function(id) => Some((
            HandlerRef::Function(*id),
            model.functions[*id].name.clone().unwrap_or_default(),
        )),
        ArgValue::Name(name) if !model.functions[func].params.iter().any(|p| p == name) => {
            let last = name.rsplit('.').next().unwrap_or(name).to_string();
            Some((HandlerRef::Name(name.clone()), last))
        }
        _ => None,
    }
}

/// `mcp.add_tool(Tool.from_function(fn, name="x"))` and the decorator applied as a call,
/// `mcp.tool(name="x")(fn)` / `server.call_tool()(fn)`.
fn python_call_forms(model: &Model, server: &dyn Fn(&str) -> bool) -> Vec<ToolRegistration> {
    let mut added = Vec::new();
    let string = |call: &crate::model::Call, keyword: &str| {
        call.args
            .iter()
            .find_map(|a| match (&a.value, a.keyword.as_deref()) {
                (ArgValue::Str(s), Some(k)) if k == keyword => Some(s.clone()),
                _ => None,
            })
    };
    for outer in &model.calls {
        // `add_tool(Tool.from_function(fn, name=...))`
        if outer.method() == "add_tool" && outer.receiver().is_some_and(server) {
            let Some(first) = outer.args.first() else {
                continue;
            };
            let Some(inner) = model.calls.iter().find(|c| {
                c.span == first.span && c.method() == "from_function" && c.receiver().is_some()
            }) else {
                continue;
            };
            let Some((handler, fallback)) = inner
                .args
                .iter()
                .find(|a| a.keyword.is_none() || a.keyword.as_deref() == Some("fn"))
                .and_then(|a| handler_of(model, inner.func, &a.value))
            else {
                continue;
            };
            added.push(ToolRegistration {
                kind: ToolKind::Single,
                form: ToolForm::AddTool,
                name: string(inner, "name").unwrap_or(fallback),
                span: outer.span,
                handlers: vec![handler],
                description: None,
            });
            continue;
        }
        // `mcp.tool(...)(fn)`: the callee is the decorator's call.
        let Some(decorator) = outer.callee.strip_suffix("()") else {
            continue;
        };
        let Some((receiver, method)) = decorator.rsplit_once('.') else {
            continue;
        };
        if !matches!(method, "tool" | "call_tool") || !server(receiver) || outer.args.len() != 1 {
            continue;
        }
        let Some((handler, fallback)) = handler_of(model, outer.func, &outer.args[0].value) else {
            continue;
        };
        let inner = model
            .calls
            .iter()
            .find(|c| c.callee == decorator && outer.callee_span.contains(c.span));
        let (kind, name) = if method == "call_tool" {
            (ToolKind::Dispatcher, "call_tool".to_string())
        } else {
            let positional = inner.and_then(|c| {
                c.args.iter().find_map(|a| match (&a.value, &a.keyword) {
                    (ArgValue::Str(s), None) => Some(s.clone()),
                    _ => None,
                })
            });
            let name = inner
                .and_then(|c| string(c, "name"))
                .or(positional)
                .unwrap_or(fallback);
            (ToolKind::Single, name)
        };
        added.push(ToolRegistration {
            kind,
            form: if kind == ToolKind::Dispatcher {
                ToolForm::Dispatcher
            } else {
                ToolForm::DecoratorCall
            },
            name,
            span: outer.span,
            handlers: vec![handler],
            description: None,
        });
    }
    added
}
