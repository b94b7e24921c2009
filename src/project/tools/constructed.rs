//! Definition objects of the project's own classes: `ToolDefinition(fn=search, name="find")`
//! kept in lists and registered in a loop (`for d in definitions: server.add_tool(fn=d.fn,
//! name=...)`). The registration reads one field of each object (`d.fn`); every construction
//! of a project class given that field (`fn=...`) is a tool, named by its `name=` when one is
//! written, else by the function. A function that hands its own parameter to that field
//! (`def decorator(fn): return ToolDefinition(fn=fn, ...)`) makes a tool of every function it
//! decorates, directly or through a factory that returns it (`@define_tool(title=...)`, also
//! through `functools.partial(factory, ...)`).
//!
//! The registration in the loop is no tool of its own: it is replaced by the objects' tools.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::super::{FnRef, Project};
use crate::model::{
    ArgValue, Call, FnId, HandlerRef, Language, MODULE, Model, Span, ToolForm, ToolKind,
    ToolRegistration,
};

/// Adds the tools of definition objects and removes the registrations they go through.
pub fn apply_constructed(project: &mut Project) {
    // The registrations whose handler is a field of an object (`d.fn`), by field.
    let mut templates: BTreeMap<String, Vec<(usize, Span)>> = BTreeMap::new();
    for (unit, u) in project.units.iter().enumerate() {
        if u.file.language != Language::Python {
            continue;
        }
        for tool in &u.model.tools {
            if tool.kind != ToolKind::Single || tool.handlers.len() != 1 {
                continue;
            }
            let HandlerRef::Name(name) = &tool.handlers[0] else {
                continue;
            };
            let Some((object, field)) = name.split_once('.') else {
                continue;
            };
            let plain =
                |s: &str| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_');
            if !plain(object) || !plain(field) || matches!(object, "self" | "cls") {
                continue;
            }
            // A module's function (`tools.search`) or a class's is no object's field.
            if project.resolve_name(unit, object, 0).is_some() {
                continue;
            }
            templates
                .entry(field.to_string())
                .or_default()
                .push((unit, tool.span));
        }
    }
    if templates.is_empty() {
        return;
    }
    let mut added: Vec<(usize, ToolRegistration, String)> = Vec::new();
    // Functions whose parameter becomes the field: (unit, function) -> field.
    let mut makers: HashMap<FnRef, String> = HashMap::new();
    for (unit, u) in project.units.iter().enumerate() {
        if u.file.language != Language::Python {
            continue;
        }
        let model = &u.model;
        for call in &model.calls {
            for field in templates.keys() {
                let Some(arg) = call
                    .args
                    .iter()
                    .find(|a| a.keyword.as_deref() == Some(field.as_str()))
                else {
                    continue;
                };
                if project.class_named(unit, &call.callee).is_none() {
                    continue;
                }
                let (handlers, own) = match &arg.value {
                    ArgValue::Function(id) => (
                        vec![HandlerRef::Function(*id)],
                        model.functions[*id].name.clone().unwrap_or_default(),
                    ),
                    // `fn=with_client(get_lineage)`: the wrapper and the function it is given,
                    // whose name the wrapped tool keeps (`functools.wraps`).
                    ArgValue::Call(wrapper) => {
                        let Some((handlers, own)) = wrapped(model, call.func, arg.span, wrapper)
                        else {
                            continue;
                        };
                        (handlers, own)
                    }
                    ArgValue::Name(n) if model.functions[call.func].params.contains(n) => {
                        makers.insert(
                            FnRef {
                                unit,
                                func: call.func,
                            },
                            field.clone(),
                        );
                        continue;
                    }
                    ArgValue::Name(n) => (
                        vec![function_ref(model, call.func, n)],
                        n.rsplit('.').next().unwrap_or(n).to_string(),
                    ),
                    _ => continue,
                };
                let name = string_keyword(model, call, "name").unwrap_or(own);
                if name.is_empty() {
                    continue;
                }
                let tool = ToolRegistration {
                    kind: ToolKind::Single,
                    form: ToolForm::DefinitionObject,
                    name,
                    span: call.span,
                    handlers,
                    description: None,
                };
                added.push((unit, tool, field.clone()));
            }
        }
    }
    if !makers.is_empty() {
        decorated(project, &makers, &mut added);
    }
    let used: HashSet<&str> = added.iter().map(|(_, _, f)| f.as_str()).collect();
    let mut removed: Vec<(usize, Span)> = Vec::new();
    for (field, spans) in &templates {
        if used.contains(field.as_str()) {
            removed.extend(spans.iter().copied());
        }
    }
    for (unit, span) in removed {
        let tools = &mut project.units[unit].model.tools;
        tools.retain(|t| t.kind != ToolKind::Single || t.span != span);
    }
    for (unit, tool, _) in added {
        let tools = &mut project.units[unit].model.tools;
        if !tools.iter().any(|t| t.span == tool.span) {
            tools.push(tool);
        }
    }
}

/// The tools of the functions a maker decorates: `@maker`, `@factory(...)` where the factory
/// returns the maker, and a `partial` of such a factory.
fn decorated(
    project: &Project,
    makers: &HashMap<FnRef, String>,
    added: &mut Vec<(usize, ToolRegistration, String)>,
) {
    // Factories: a function that returns a maker nested in it by name.
    let mut factories: HashMap<FnRef, String> = HashMap::new();
    for (maker, field) in makers {
        let model = &project.units[maker.unit].model;
        let f = &model.functions[maker.func];
        let (Some(parent), Some(name)) = (f.parent, &f.name) else {
            continue;
        };
        if model
            .returned
            .iter()
            .any(|r| r.func == parent && r.name.as_deref() == Some(name.as_str()))
        {
            factories.insert(
                FnRef {
                    unit: maker.unit,
                    func: parent,
                },
                field.clone(),
            );
        }
    }
    for (unit, u) in project.units.iter().enumerate() {
        let model = &u.model;
        for decorator in &model.decorators {
            let from = model.functions[decorator.func].parent.unwrap_or(MODULE);
            let field = match decorator.call {
                Some(c) => {
                    let callee = &model.calls[c].callee;
                    resolve_through_partial(project, unit, from, callee)
                        .and_then(|f| factories.get(&f))
                }
                None => resolve_through_partial(project, unit, from, &decorator.path)
                    .and_then(|f| makers.get(&f)),
            };
            let Some(field) = field else { continue };
            let call = decorator.call.map(|c| &model.calls[c]);
            let name = call
                .and_then(|c| string_keyword(model, c, "name"))
                .or_else(|| model.functions[decorator.func].name.clone());
            let Some(name) = name.filter(|n| !n.is_empty()) else {
                continue;
            };
            let tool = ToolRegistration {
                kind: ToolKind::Single,
                form: ToolForm::DefinitionObject,
                name,
                span: decorator.span,
                handlers: vec![HandlerRef::Function(decorator.func)],
                description: None,
            };
            added.push((unit, tool, field.clone()));
        }
    }
}

/// The project function a name runs, also when the name is bound to `partial(function, ...)`
/// at the top of its module (`define = functools.partial(generic_define, kind=Kind)`), here
/// or in the module it is imported from.
fn resolve_through_partial(
    project: &Project,
    unit: usize,
    from: FnId,
    name: &str,
) -> Option<FnRef> {
    if let Some(found) = project.resolve_callee(unit, from, name) {
        return Some(found);
    }
    if name.contains('.') {
        return None;
    }
    let model = &project.units[unit].model;
    let (unit, name) = match model.imports.iter().find(|i| i.local == name) {
        Some(import) => (
            project.module(unit, &import.source)?,
            import.imported.clone()?,
        ),
        None => (unit, name.to_string()),
    };
    let model = &project.units[unit].model;
    let partial = model.calls.iter().find(|c| {
        c.func == MODULE
            && c.assigned_to.as_deref() == Some(name.as_str())
            && c.callee.rsplit('.').next() == Some("partial")
    })?;
    match &partial.args.first()?.value {
        ArgValue::Name(f) => project.resolve_callee(unit, MODULE, f),
        _ => None,
    }
}

/// The function a name written in `func` runs: one written there or around it, else the name.
fn function_ref(model: &Model, func: FnId, name: &str) -> HandlerRef {
    local_function(model, func, name)
        .map(HandlerRef::Function)
        .unwrap_or_else(|| HandlerRef::Name(name.to_string()))
}

/// The handlers and the name of a wrapped function given as an argument at `span`
/// (`with_client(get_lineage)`): the wrapper and the functions it is given, named by the first.
fn wrapped(
    model: &Model,
    func: FnId,
    span: Span,
    wrapper: &str,
) -> Option<(Vec<HandlerRef>, String)> {
    let inner = model
        .calls
        .iter()
        .filter(|c| span.contains(c.span) && c.callee == wrapper)
        .max_by_key(|c| c.span.end - c.span.start)?;
    let given: Vec<&str> = inner
        .args
        .iter()
        .filter_map(|a| match &a.value {
            ArgValue::Name(n) if !n.starts_with("self.") => Some(n.as_str()),
            _ => None,
        })
        .collect();
    let own = given.first()?.rsplit('.').next()?.to_string();
    let mut handlers = vec![function_ref(model, func, wrapper)];
    handlers.extend(given.iter().map(|n| function_ref(model, func, n)));
    Some((handlers, own))
}

/// A function named `name` written in `func` or in a function around it.
fn local_function(model: &Model, func: FnId, name: &str) -> Option<FnId> {
    let mut at = Some(func);
    while let Some(scope) = at {
        let found = (1..model.functions.len()).find(|&f| {
            let f = &model.functions[f];
            f.parent == Some(scope) && f.owner.is_none() && f.name.as_deref() == Some(name)
        });
        if found.is_some() {
            return found;
        }
        at = model.functions[scope].parent;
    }
    None
}

/// A keyword's string, or the string constant it names.
fn string_keyword(model: &Model, call: &Call, keyword: &str) -> Option<String> {
    let arg = call
        .args
        .iter()
        .find(|a| a.keyword.as_deref() == Some(keyword))?;
    match &arg.value {
        ArgValue::Str(s) => Some(s.clone()),
        ArgValue::Name(path) => model
            .string_constant(path, call.span.start)
            .map(str::to_string),
        _ => None,
    }
}
