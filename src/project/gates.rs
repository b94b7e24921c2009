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
