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
    by
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
