//! Registrations taught in the configuration (`[vocabulary] tool-registrations`): a project's
//! own registry (`registerAcmeTool("search", handler)`, `@tools.register("search")`) registers
//! tools as surely as the SDK's `server.tool`.

use std::collections::{HashMap, HashSet};

use crate::knowledge::NameSet;
use crate::model::{ArgValue, HandlerRef, Model, ToolForm, ToolKind, ToolRegistration};

/// Adds a tool registration for every call to a taught registrar: named by `name=` or its first
/// string argument, handled by its last function argument; a registrar used as a decorator
/// (`@register("Title")` or bare `@register`) registers the function it decorates, named by
/// `name=` or the function's own name.
pub(super) fn registrations(model: &Model, registrars: &NameSet) -> Vec<ToolRegistration> {
    // The function each decorator call decorates, and those a registrar call decorates.
    let decorates: HashMap<usize, usize> = model
        .decorator_calls
        .iter()
        .map(|d| (d.call, d.func))
        .collect();
    let registered: HashSet<_> = model.tools.iter().map(|t| t.span).collect();
    let mut registered_by_call = HashSet::new();
    let mut added = Vec::new();
    for (index, call) in model.calls.iter().enumerate() {
        let registrar = registrars.matches(&call.callee).is_some();
        let decorated = decorates.get(&index).copied();
        if let (true, Some(func)) = (registrar, decorated) {
            registered_by_call.insert(func);
        }
        if !registrar || registered.contains(&call.span) {
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
    added
}
