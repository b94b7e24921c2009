//! REL003 all-or-nothing-aggregation: code a tool handler reaches waits on several external
//! calls with `Promise.all` / `asyncio.gather`, so one failure discards every result.
//! Documentation: `rules/REL003.toml`.

use super::{Context, Rule, tool_phrase};
use crate::finding::{Finding, Label};
use crate::model::*;
use crate::project::{FnRef, Project};

pub struct AllOrNothingAggregation;

/// One promise or coroutine an aggregation waits on.
struct Part {
    /// How to name it: the external call or the function that makes one.
    name: String,
    span: Span,
    catches: bool,
}

impl Rule for AllOrNothingAggregation {
    fn check(&self, cx: &Context, unit: usize, out: &mut Vec<Finding>) {
        let project = cx.project;
        let model = &project.units[unit].model;
        let vocabulary = &cx.knowledge.external_calls;
        for (index, call) in model.calls.iter().enumerate() {
            let Some(canonical) = project.canonical_callee(unit, index) else {
                continue;
            };
            if vocabulary.aggregations.matches_whole(canonical).is_none() {
                continue;
            }
            let Some(reach) = project.tool_reach(unit, call.func) else {
                continue;
            };
            // `return_exceptions=True` keeps every result.
            let safe = call.args.iter().any(|a| {
                a.keyword
                    .as_ref()
                    .is_some_and(|k| vocabulary.aggregation_safe.contains(k))
            });
            if safe {
                continue;
            }
            if let Some(spread) = fan_out(model, call) {
                let Some(part) = part(project, unit, call.func, &spread) else {
                    continue;
                };
                if part.catches {
                    continue;
                }
                let name = external_inside(project, unit, part.span).unwrap_or(part.name);
                out.push(Finding {
                    unit,
                    span: call.span,
                    label: "one failure here discards every item's result".into(),
                    message: format!(
                        "`{}` in {} waits on one `{name}` per item: the first failure discards \
                         every other result",
                        call.callee,
                        tool_phrase(reach),
                    ),
                    labels: vec![Label {
                        span: part.span,
                        text: "one external call per item here".into(),
                    }],
                    function: Some(call.func),
                    ..Finding::default()
                });
                continue;
            }
            let Some(elements) = elements(call) else {
                continue;
            };
            let parts: Vec<Part> = elements
                .iter()
                .filter_map(|e| part(project, unit, call.func, e))
                .collect();
            if parts.len() < 2 || parts.iter().all(|p| p.catches) {
                continue;
            }
            let names: Vec<String> = parts.iter().map(|p| format!("`{}`", p.name)).collect();
            out.push(Finding {
                unit,
                span: call.span,
                label: format!("one failure here discards all {} results", parts.len()),
                message: format!(
                    "`{}` in {} waits on {} external calls ({}): the first failure discards \
                     every other result",
                    call.callee,
                    tool_phrase(reach),
                    parts.len(),
                    names.join(", ")
                ),
                labels: parts
                    .iter()
                    .filter(|p| !p.catches)
                    .map(|p| Label {
                        span: p.span,
                        text: "external call here".into(),
                    })
                    .collect(),
                function: Some(call.func),
                ..Finding::default()
            });
        }
    }
}

/// The argument of a fan-out, when an aggregation waits on one promise or coroutine per item:
/// `Promise.all(ids.map(id => api.get(id)))`, `Promise.all(promises)` where
/// `const promises = ids.map(...)`, `asyncio.gather(*[fetch(u) for u in urls])`.
fn fan_out(model: &Model, call: &Call) -> Option<Arg> {
    let positional: Vec<&Arg> = call.args.iter().filter(|a| a.keyword.is_none()).collect();
    let [only] = positional.as_slice() else {
        return None;
    };
    let is_map = |callee: &str| {
        let method = callee.rsplit('.').next().unwrap_or(callee);
        callee.contains('.') && matches!(method, "map" | "flatMap")
    };
    let single = |arg: &Arg| -> Option<Arg> {
        match &arg.value {
            ArgValue::Call(callee) if is_map(callee) => Some(arg.clone()),
            // A spread's own calls are the parts (`*[fetch(u) for u in urls]`); a bare
            // `*tasks` holds none and is left alone.
            ArgValue::Spread => Some(arg.clone()),
            ArgValue::Name(name) => {
                let made = model.calls.iter().rfind(|c| {
                    c.func == call.func
                        && c.assigned_to.as_deref() == Some(name.as_str())
                        && c.span.end <= arg.span.start
                })?;
                is_map(&made.callee).then_some(Arg {
                    keyword: None,
                    span: made.span,
                    value: ArgValue::Other,
                })
            }
            _ => None,
        }
    };
    match &only.value {
        ArgValue::Array(items) => match items.as_slice() {
            [item] if matches!(item.value, ArgValue::Spread) => single(item),
            _ => None,
        },
        _ => single(only),
    }
}

/// The first external call written inside a span (`api.get` in `ids.map(id => api.get(id))`).
fn external_inside(project: &Project, unit: usize, span: Span) -> Option<String> {
    let model = &project.units[unit].model;
    model
        .calls
        .iter()
        .enumerate()
        .find(|(index, c)| span.contains(c.span) && project.external_call(unit, *index).is_some())
        .map(|(_, c)| c.callee.clone())
}

/// What an aggregation waits on, when the code lists it: `Promise.all([a(), b()])`,
/// `asyncio.gather(a(), b())`. `None` for a spread or a computed list (`Promise.all(urls.map(...))`).
fn elements(call: &Call) -> Option<Vec<Arg>> {
    let positional: Vec<&Arg> = call.args.iter().filter(|a| a.keyword.is_none()).collect();
    if positional
        .iter()
        .any(|a| matches!(a.value, ArgValue::Spread))
    {
        return None;
    }
    match positional.as_slice() {
        [only] => match &only.value {
            ArgValue::Array(items) => {
                if items.iter().any(|i| matches!(i.value, ArgValue::Spread)) {
                    return None;
                }
                Some(items.clone())
            }
            _ => None,
        },
        many => Some(many.iter().map(|a| (*a).clone()).collect()),
    }
}

/// The external work in one element, if it makes an external call.
fn part(project: &Project, unit: usize, func: FnId, element: &Arg) -> Option<Part> {
    let model = &project.units[unit].model;
    // `const jira = fetch(a); ... Promise.all([jira, wiki])`: the call that made the promise.
    let span = match &element.value {
        ArgValue::Name(name) => {
            model
                .calls
                .iter()
                .filter(|c| c.func == func && c.assigned_to.as_deref() == Some(name.as_str()))
                .rfind(|c| c.span.end <= element.span.start)?
                .span
        }
        _ => element.span,
    };
    let inside: Vec<(usize, &Call)> = model
        .calls
        .iter()
        .enumerate()
        .filter(|(_, c)| span.contains(c.span))
        .collect();
    let mut name = None;
    for (index, c) in &inside {
        if project.external_call(unit, *index).is_some() {
            name = Some(c.callee.clone());
            break;
        }
        if project
            .functions_run_by(unit, *index)
            .into_iter()
            .any(|f| project.makes_external_call(f))
        {
            name = Some(c.callee.clone());
            break;
        }
    }
    let name = name?;
    // `fetch(a).then(r => r.json()).catch(() => null)`: the element handles its own failure.
    let outermost = inside
        .iter()
        .filter(|(_, c)| c.span.start == span.start)
        .max_by_key(|(_, c)| c.span.end);
    let own_catch = outermost.is_some_and(|(_, c)| {
        c.span.end == span.end && c.method() == "catch" && c.receiver().is_some()
    });
    let catches = own_catch
        || inside
            .iter()
            .filter(|(_, c)| span.contains(c.span))
            .all(|(index, c)| call_is_caught(project, unit, *index, c, 0));
    Some(Part {
        name,
        span,
        catches,
    })
}

/// Whether a call's failure stays inside the element: it makes no external call, sits in a
/// `try` whose handlers do not rethrow, or runs only functions that catch their own errors.
fn call_is_caught(project: &Project, unit: usize, index: usize, call: &Call, depth: usize) -> bool {
    let external = project.external_call(unit, index).is_some();
    let runs: Vec<FnRef> = project
        .functions_run_by(unit, index)
        .into_iter()
        .filter(|f| project.makes_external_call(*f))
        .collect();
    if !external && runs.is_empty() {
        return true;
    }
    if in_swallowing_try(&project.units[unit].model, call) {
        return true;
    }
    !external
        && depth < 4
        && runs
            .iter()
            .all(|f| function_catches(project, *f, depth + 1))
}

/// Every call in the function that may fail with an external error is caught inside it.
fn function_catches(project: &Project, f: FnRef, depth: usize) -> bool {
    let model = &project.units[f.unit].model;
    model
        .calls
        .iter()
        .enumerate()
        .filter(|(_, c)| c.func == f.func)
        .all(|(index, c)| call_is_caught(project, f.unit, index, c, depth))
}

/// The call is in the body of a `try` (or before a `.catch`) whose handlers all end without
/// rethrowing.
fn in_swallowing_try(model: &Model, call: &Call) -> bool {
    model.tries.iter().any(|t| {
        t.func == call.func
            && t.body.contains(call.span)
            && !t.handlers.is_empty()
            && t.handlers
                .iter()
                .all(|h| !h.exits.iter().any(|e| e.kind == ExitKind::Throw))
    })
}
