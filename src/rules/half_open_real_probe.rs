//! SEC003 half-open-real-probe: a breaker class whose OPEN -> HALF_OPEN transition lets the
//! caller's own request run as the probe. Documentation: `rules/SEC003.toml`.

use super::{Context, Rule};
use crate::finding::{Finding, Label, Severity};
use crate::knowledge::normalize;
use crate::model::*;
use crate::project::breakers::*;

pub struct HalfOpenRealProbe;

impl Rule for HalfOpenRealProbe {
    fn check(&self, cx: &Context, unit: usize, out: &mut Vec<Finding>) {
        let classes = breaker_classes(cx);
        for class in classes.iter().copied().filter(|c| c.unit == unit) {
            let view = ClassView::new(cx, class);
            let real_calls = view.real_calls();
            if real_calls.is_empty() {
                continue;
            }
            let denials = view.half_open_denials(cx);
            let mut guarded: Option<Option<Guarded>> = None;
            for write in view.half_open_writes(cx) {
                if probes_synthetically(&view, write) {
                    continue;
                }
                let Some(probe) = real_calls
                    .iter()
                    .find(|call| reaches(&view, &denials, write, call))
                else {
                    continue;
                };
                let guarded = guarded
                    .get_or_insert_with(|| guarded_by_class(cx, class))
                    .clone();
                // The docs: the default severity, high when the breaker guards an auth call.
                let (adjust, around) = match &guarded {
                    Some(g) if g.auth => (Some(Severity::High), format!(" around {}", g.what)),
                    Some(g) => (None, format!(" around {}", g.what)),
                    None => (None, String::new()),
                };
                out.push(Finding {
                    adjust,
                    unit,
                    span: write.span,
                    label: "half-open transition".into(),
                    message: format!(
                        "on the half-open transition of `{}`{around}, the caller's own request \
                         (`{}(...)`) runs as the probe: whoever sends the first request after \
                         the reset timeout decides whether the circuit closes or opens again",
                        view.class.name, probe.callee
                    ),
                    labels: vec![Label {
                        span: probe.span,
                        text: "the caller's request runs here as the probe".into(),
                    }],
                    function: Some(write.func),
                    ..Finding::default()
                });
            }
        }
    }
}

/// Right after the transition, the same function starts a health check of the breaker's own
/// (`this.healthCheck()`, `asyncio.create_task(self._probe())`) that is not given the caller's
/// function.
fn probes_synthetically(view: &ClassView, write: &StateWrite) -> bool {
    let params: Vec<&String> = {
        let mut out = Vec::new();
        let mut func = Some(write.func);
        while let Some(id) = func {
            let f = &view.model.functions[id];
            out.extend(f.params.iter());
            if view.method_of(id) == Some(id) {
                break;
            }
            func = f.parent;
        }
        out
    };
    view.model.calls.iter().any(|c| {
        let name = normalize(c.method());
        let synthetic = ["health", "ping", "probe", "canary", "heartbeat", "selftest"]
            .iter()
            .any(|w| name.contains(w));
        let given_callers_function = c.args.iter().any(|a| match &a.value {
            ArgValue::Name(n) => {
                params.contains(&n)
                    || n.strip_prefix("this.")
                        .or_else(|| n.strip_prefix("self."))
                        .is_some_and(|f| view.class.callable_fields.iter().any(|x| x == f))
            }
            _ => false,
        });
        c.func == write.func
            && c.span.start >= write.span.end
            && synthetic
            && !given_callers_function
    })
}

/// Whether the caller's function runs while the state the transition set holds: no test
/// denies half-open requests before the call, and the transition's own branch does not return
/// or throw before it.
fn reaches(
    view: &ClassView,
    denials: &[(&StateTest, Span)],
    write: &StateWrite,
    call: &Call,
) -> bool {
    let run_method = view.method_of(call.func);
    let denied = denials.iter().any(|(test, branch)| {
        view.method_of(test.func) == run_method
            && branch.start < call.span.start
            && !branch.contains(call.span)
    });
    if denied {
        return false;
    }
    let transition_method = view.method_of(write.func);
    if transition_method != run_method {
        return run_method.is_some_and(|r| transition_reaches(view, write, r));
    }
    if write.span.end > call.span.start {
        return false;
    }
    let branch_exits_first = view.class.tests.iter().any(|t| {
        t.func == write.func
            && ((t.body.contains(write.span) && t.body_exits && !t.body.contains(call.span))
                || t.alternative.is_some_and(|a| {
                    a.contains(write.span) && t.alternative_exits && !a.contains(call.span)
                }))
    });
    !branch_exits_first
}

/// A transition in another method than the one that runs the caller's function still sets the
/// state that method sees: when the run method calls it (`this.toHalfOpen()`, also through
/// other methods), reads it as a property (`get state()`, `@property def state`), or when it
/// happens in a callback (`setTimeout(() => { this.state = "half_open" })`).
fn transition_reaches(view: &ClassView, write: &StateWrite, run_method: FnId) -> bool {
    let Some(transition_method) = view.method_of(write.func) else {
        return false;
    };
    if write.func != transition_method {
        return true;
    }
    let Some(name) = view.model.functions[transition_method].name.as_deref() else {
        return false;
    };
    // Methods the run method reaches through `this.m()` / `self.m()`, a few calls deep.
    let mut reached = vec![run_method];
    let mut i = 0;
    while i < reached.len() && reached.len() < 16 {
        let from = reached[i];
        for call in &view.model.calls {
            if view.method_of(call.func) != Some(from) {
                continue;
            }
            let Some(method) = call
                .callee
                .strip_prefix("this.")
                .or_else(|| call.callee.strip_prefix("self."))
            else {
                continue;
            };
            let target = view
                .functions
                .iter()
                .find(|(f, m)| f == m && view.model.functions[*f].name.as_deref() == Some(method));
            if let Some(&(target, _)) = target {
                if target == transition_method {
                    return true;
                }
                if !reached.contains(&target) {
                    reached.push(target);
                }
            }
        }
        i += 1;
    }
    // A property or getter named like the field the run method tests.
    view.class
        .tests
        .iter()
        .any(|t| reached.contains(&view.method_of(t.func).unwrap_or(usize::MAX)) && t.field == name)
}
