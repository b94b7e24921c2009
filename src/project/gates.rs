//! Gates seen from their callers: which functions' "nothing" (`None`, `undefined`, a bare
//! `return`) a caller reads as "go on".

use std::collections::HashMap;

use rayon::prelude::*;

use super::{FnRef, Project};
use crate::knowledge::Knowledge;
use crate::model::*;

/// Per function, a caller that reads its "nothing" as allow, by the caller's name.
///
/// The caller is an access check that denies by raising and returns nothing when it lets the
/// request through (`authorize_tool`, every `return` bare, some `raise`); it keeps the
/// function's result (`authz = _configured_authz()`) and the first way out after that call is
/// a bare `return`: "no answer" is the pass. A failure the function turns into that same
/// nothing then passes as well.
pub(super) fn nothing_allows(project: &Project, knowledge: &Knowledge) -> HashMap<FnRef, String> {
    let found: Vec<(FnRef, String)> = (0..project.units.len())
        .into_par_iter()
        .flat_map_iter(|unit| readers_in(project, knowledge, unit))
        .collect();
    let mut by = HashMap::new();
    for (f, caller) in found {
        by.entry(f).or_insert(caller);
    }
    // The second reader: a function that refuses a parameter only when it holds something
    // (`if getattr(auth_components, "enabled", False): raise ...` then `return
    // Principal.system()`): whoever hands it a function's nothing skips the refusal.
    let refusers: Vec<(FnRef, usize)> = (0..project.units.len())
        .into_par_iter()
        .flat_map_iter(|unit| refusers_in(project, unit))
        .collect();
    if !refusers.is_empty() {
        let mut names: HashMap<&str, Vec<(FnRef, usize)>> = HashMap::new();
        for &(f, position) in &refusers {
            if let Some(name) = project.function(f).name.as_deref() {
                names.entry(name).or_default().push((f, position));
            }
        }
        let handed: Vec<(FnRef, String)> = (0..project.units.len())
            .into_par_iter()
            .flat_map_iter(|unit| handed_nothing_in(project, unit, &names))
            .collect();
        for (f, reader) in handed {
            by.entry(f).or_insert(reader);
        }
    }
    by
}

/// Functions that refuse one parameter only when it holds something: an `if` taken only
/// when it is set raises first, and no test refuses it when it holds nothing. By the
/// parameter's position among the ones a caller gives (`self` / `cls` left out).
fn refusers_in(project: &Project, unit: usize) -> Vec<(FnRef, usize)> {
    let model = &project.units[unit].model;
    let mut found = Vec::new();
    let refuses = |func: FnId, body: Span| {
        model
            .exits
            .iter()
            .filter(|e| e.func == func && body.contains(e.span))
            .min_by_key(|e| e.span.start)
            .is_some_and(|e| {
                e.statement == ExitStatement::Throw || matches!(e.value, Value::False | Value::Deny)
            })
    };
    let names = |name: &str, param: &str| {
        name == param || name.strip_prefix(param).is_some_and(|r| r.starts_with('.'))
    };
    for test in &model.presence_tests {
        if !test.set || !test.body_exits || !refuses(test.func, test.body) {
            continue;
        }
        let function = model.function(test.func);
        let params = function
            .params
            .iter()
            .filter(|p| !matches!(p.as_str(), "self" | "cls"));
        let Some((position, param)) = params.enumerate().find(|(_, p)| names(&test.name, p)) else {
            continue;
        };
        let refused_when_nothing = model.presence_tests.iter().any(|other| {
            other.func == test.func
                && !other.set
                && names(&other.name, param)
                && refuses(other.func, other.body)
        });
        let f = FnRef {
            unit,
            func: test.func,
        };
        if !refused_when_nothing && !found.iter().any(|(g, _)| *g == f) {
            found.push((f, position));
        }
    }
    found
}

/// The functions whose result a call hands to a refuser's parameter, directly
/// (`_require_principal(request, _auth_components())`) or through a name that holds it
/// (`components = _auth_components(); _require_principal(request, components)`).
fn handed_nothing_in(
    project: &Project,
    unit: usize,
    refusers: &HashMap<&str, Vec<(FnRef, usize)>>,
) -> Vec<(FnRef, String)> {
    let model = &project.units[unit].model;
    let mut found = Vec::new();
    for call in &model.calls {
        let Some(candidates) = refusers.get(call.method()) else {
            continue;
        };
        let Some(target) = project.resolve_call(unit, call) else {
            continue;
        };
        let Some(&(_, position)) = candidates.iter().find(|(f, _)| *f == target) else {
            continue;
        };
        let param = project
            .function(target)
            .params
            .iter()
            .filter(|p| !matches!(p.as_str(), "self" | "cls"))
            .nth(position);
        let arg = call
            .args
            .iter()
            .find(|a| a.keyword.is_some() && a.keyword.as_ref() == param)
            .or_else(|| {
                call.args
                    .iter()
                    .filter(|a| a.keyword.is_none())
                    .nth(position)
            });
        let source = match arg.map(|a| &a.value) {
            Some(ArgValue::Call(callee)) => model.calls.iter().find(|c| {
                c.func == call.func
                    && c.span != call.span
                    && call.span.contains(c.span)
                    && c.callee == *callee
            }),
            Some(ArgValue::Name(name)) => model
                .calls
                .iter()
                .filter(|c| {
                    c.func == call.func
                        && c.span.end <= call.span.start
                        && c.assigned_to.as_deref() == Some(name.as_str())
                })
                .max_by_key(|c| c.span.start),
            _ => None,
        };
        let Some(source) = source else {
            continue;
        };
        if let Some(f) = project.resolve_call(unit, source) {
            if f != target {
                found.push((f, project.function(target).display_name()));
            }
        }
    }
    found
}

fn readers_in(project: &Project, knowledge: &Knowledge, unit: usize) -> Vec<(FnRef, String)> {
    let model = &project.units[unit].model;
    let mut exits: Vec<Vec<&Exit>> = vec![Vec::new(); model.functions.len()];
    for exit in &model.exits {
        if let Some(list) = exits.get_mut(exit.func) {
            list.push(exit);
        }
    }
    let checks: Vec<bool> = model
        .functions
        .iter()
        .zip(&exits)
        .map(|(f, exits)| denies_by_raising(f, exits, knowledge))
        .collect();
    let mut found = Vec::new();
    for call in &model.calls {
        if call.assigned_to.is_none() || !checks.get(call.func).copied().unwrap_or(false) {
            continue;
        }
        let next = exits[call.func]
            .iter()
            .filter(|e| e.span.start >= call.span.end)
            .min_by_key(|e| e.span.start);
        let passes =
            next.is_some_and(|e| e.statement == ExitStatement::Return && e.value == Value::Null);
        if !passes {
            continue;
        }
        if let Some(target) = project.resolve_call(unit, call) {
            let name = model.functions[call.func].display_name();
            found.push((target, name));
        }
    }
    found
}

/// A function named as an access check whose every `return` gives nothing and which raises
/// somewhere: it denies by raising, and returning is the pass.
fn denies_by_raising(f: &Function, exits: &[&Exit], knowledge: &Knowledge) -> bool {
    let named = f
        .name
        .as_deref()
        .is_some_and(|n| knowledge.auth_calls.matches(n).is_some());
    named
        && exits.iter().any(|e| e.statement == ExitStatement::Throw)
        && exits
            .iter()
            .filter(|e| e.statement == ExitStatement::Return)
            .all(|e| e.value == Value::Null)
}

/// A call whose raw result a project function receives as a parameter:
/// `requireAuthenticated(await authenticate(req))` gives `authenticate`'s answer to `auth`.
#[derive(Debug, Clone)]
pub struct RawArgument {
    /// Where the inner call is written: the unit and its index in [`Model::calls`].
    pub unit: usize,
    pub call: usize,
    /// The parameter of the receiving function that holds the result.
    pub param: String,
}

/// Per function, the auth calls whose raw result it receives as a parameter (only calls the
/// auth vocabulary names: the question is what a gate's answer becomes).
pub(super) fn raw_arguments(
    project: &Project,
    knowledge: &Knowledge,
) -> HashMap<FnRef, Vec<RawArgument>> {
    let found: Vec<(FnRef, RawArgument)> = (0..project.units.len())
        .into_par_iter()
        .flat_map_iter(|unit| raw_arguments_in(project, knowledge, unit))
        .collect();
    let mut by: HashMap<FnRef, Vec<RawArgument>> = HashMap::new();
    for (f, arg) in found {
        by.entry(f).or_default().push(arg);
    }
    by
}

fn raw_arguments_in(
    project: &Project,
    knowledge: &Knowledge,
    unit: usize,
) -> Vec<(FnRef, RawArgument)> {
    let model = &project.units[unit].model;
    let mut found = Vec::new();
    for (index, call) in model.calls.iter().enumerate() {
        if call.assigned_to.is_some()
            || !call.result_used
            || knowledge.auth_calls.matches(&call.callee).is_none()
        {
            continue;
        }
        let region = model.function(call.func).span;
        let holds = |a: &Arg| matches!(&a.value, ArgValue::Call(c) if *c == call.callee);
        let outer = project
            .calls_within(unit, call.func, region)
            .into_iter()
            .find(|o| {
                o.span != call.span && o.span.contains(call.span) && o.args.iter().any(holds)
            });
        let Some(outer) = outer else {
            continue;
        };
        let Some(position) = outer
            .args
            .iter()
            .position(|a| a.keyword.is_none() && holds(a))
        else {
            continue;
        };
        let Some(target) = project.resolve_call(unit, outer) else {
            continue;
        };
        let params = project
            .function(target)
            .params
            .iter()
            .filter(|p| !matches!(p.as_str(), "self" | "cls"));
        if let Some(param) = params.clone().nth(position) {
            found.push((
                target,
                RawArgument {
                    unit,
                    call: index,
                    param: param.clone(),
                },
            ));
        }
    }
    found
}
