//! SEC003 half-open-real-probe: a breaker class whose OPEN -> HALF_OPEN transition lets the
//! caller's own request run as the probe. Documentation: `rules/SEC003.toml`.

use super::{Context, Rule};
use crate::finding::{Finding, Label, Severity};
use crate::knowledge::{BreakerState, normalize};
use crate::model::*;
use crate::project::breakers::*;

pub struct HalfOpenRealProbe;

impl Rule for HalfOpenRealProbe {
    fn check(&self, cx: &Context, unit: usize, out: &mut Vec<Finding>) {
        let classes = breaker_classes(cx);
        for class in classes.iter().copied().filter(|c| c.unit == unit) {
            let view = ClassView::new(cx, class);
            let real_calls = view.real_calls();
            let denials = view.half_open_denials(cx);
            let mut guarded: Option<Option<Guarded>> = None;
            let mut found: Vec<Probe> = Vec::new();
            let half_open = view.half_open_writes(cx);
            for write in &half_open {
                if probes_synthetically(&view, write.func, write.span) {
                    continue;
                }
                // A runner: the class itself runs the caller's function after the transition.
                if let Some(probe) = real_calls
                    .iter()
                    .find(|call| reaches(&view, &denials, write, call))
                {
                    found.push(Probe {
                        at: write.span,
                        func: write.func,
                        what: "the transition",
                        request: format!("the caller's own request (`{}(...)`)", probe.callee),
                        label: probe.span,
                    });
                    continue;
                }
                // A gate: `allow_request()` / `before_send()` returns and the caller sends.
                if let Some(p) = gate_probe(cx, &view, write, BreakerState::HalfOpen) {
                    found.push(p);
                }
            }
            // No half-open state at all: OPEN goes back to CLOSED on a timer inside the gate,
            // and the next real request decides.
            if half_open.is_empty() {
                let open_branches = view.open_branches(cx);
                for write in &view.class.writes {
                    if view.write_state(cx, write) != Some(BreakerState::Closed) {
                        continue;
                    }
                    // Closed by a timer callback (`setTimeout(() => { this.state = "closed" },
                    // resetMs)`): the next request the class lets through decides.
                    if let Some(p) = timer_close(cx, &view, &real_calls, write) {
                        if !found.iter().any(|q| q.func == p.func) {
                            found.push(p);
                        }
                        continue;
                    }
                    // Inside an open branch, or after a closed branch that returns
                    // (`if not self._circuit_open: return True`).
                    let on_open_path = open_branches
                        .iter()
                        .any(|(t, branch)| t.func == write.func && branch.contains(write.span))
                        || view.class.tests.iter().any(|t| {
                            t.func == write.func
                                && t.body.end <= write.span.start
                                && t.body_exits
                                && view.taken_in(cx, t, BreakerState::Closed) == Some(true)
                        });
                    let timer = view
                        .method_of(write.func)
                        .is_some_and(|m| view.reads_clock(m));
                    if !on_open_path
                        || !timer
                        || probes_synthetically(&view, write.func, write.span)
                    {
                        continue;
                    }
                    if let Some(mut p) = gate_probe(cx, &view, write, BreakerState::Closed) {
                        // One finding per reset: `open = False; opened_at = None` is one.
                        if found.iter().any(|q| q.func == p.func) {
                            continue;
                        }
                        p.what = "the reset to closed";
                        found.push(p);
                    }
                }
            }
            let mut seen: Vec<Span> = Vec::new();
            for probe in found {
                if seen.contains(&probe.at) {
                    continue;
                }
                seen.push(probe.at);
                let guarded = guarded
                    .get_or_insert_with(|| guarded_by_class(cx, class))
                    .clone();
                // The docs: the default severity, high when the breaker guards an auth call.
                let (adjust, around) = match &guarded {
                    Some(g) if g.auth => (Some(Severity::High), format!(" around {}", g.what)),
                    Some(g) => (None, format!(" around {}", g.what)),
                    None => (None, String::new()),
                };
                let (label, message) = if probe.what == "the transition" {
                    (
                        "half-open transition",
                        format!(
                            "on the half-open transition of `{}`{around}, {} runs as the probe: \
                             whoever sends the first request after the reset timeout decides \
                             whether the circuit closes or opens again",
                            view.class.name, probe.request
                        ),
                    )
                } else {
                    (
                        "open -> closed on a timer",
                        format!(
                            "`{}`{around} has no half-open state: when the cooldown ends the \
                             circuit closes and {} goes through untested, so real traffic, not \
                             a probe, decides whether the circuit opens again",
                            view.class.name, probe.request
                        ),
                    )
                };
                out.push(Finding {
                    adjust,
                    unit,
                    span: probe.at,
                    label: label.into(),
                    message,
                    labels: vec![Label {
                        span: probe.label,
                        text: "the caller's request runs here as the probe".into(),
                    }],
                    function: Some(probe.func),
                    ..Finding::default()
                });
            }
        }
    }
}

/// A write of the closed state in a function given to a timer (`setTimeout`, `call_later`,
/// `threading.Timer`), in a class that runs the caller's function or has a gate method.
fn timer_close(
    cx: &Context,
    view: &ClassView,
    real_calls: &[&Call],
    write: &StateWrite,
) -> Option<Probe> {
    let method = view.method_of(write.func)?;
    if method == write.func {
        return None;
    }
    let timer = view.model.calls.iter().any(|c| {
        let m = normalize(c.method());
        matches!(
            m.as_str(),
            "settimeout" | "setinterval" | "calllater" | "callat" | "timer" | "enterlater"
        ) && c.args.iter().any(|a| match &a.value {
            ArgValue::Function(f) => *f == write.func,
            // `def close(): ...` then `loop.call_later(30, close)`.
            ArgValue::Name(n) => view.model.functions[write.func].name.as_deref() == Some(n),
            _ => false,
        })
    });
    // A callback that checks health first (`if await this.healthz()`) is a synthetic probe.
    let checks_health = view.model.calls.iter().any(|c| {
        c.func == write.func && is_synthetic_or_fallback(c.method()) && {
            let m = normalize(c.method());
            ["health", "ping", "probe", "canary", "heartbeat"]
                .iter()
                .any(|w| m.contains(w))
        }
    });
    if !timer || checks_health || probes_synthetically(view, write.func, write.span) {
        return None;
    }
    let (request, label) = if let Some(call) = real_calls.first() {
        (
            format!("the caller's own request (`{}(...)`)", call.callee),
            call.span,
        )
    } else {
        let gate = view.methods().find(|&m| view.is_gate(cx, m))?;
        (
            format!(
                "the caller's own request, let through by `{}()`,",
                view.model.functions[gate].display_name()
            ),
            view.model.functions[gate].name_span,
        )
    };
    Some(Probe {
        at: write.span,
        func: write.func,
        what: "the reset to closed",
        request,
        label,
    })
}

struct Probe {
    /// The transition site: the state write, or the call in the gate that makes it.
    at: Span,
    func: FnId,
    what: &'static str,
    /// How the message names the request that runs as the probe.
    request: String,
    label: Span,
}

/// A gate of the class (`allow_request()`, `before_send()`, a runner that tests the state)
/// that, once `write` has set `after`, lets the caller's request go on with no synthetic probe:
/// the transition site and the request.
fn gate_probe(
    cx: &Context,
    view: &ClassView,
    write: &StateWrite,
    after: BreakerState,
) -> Option<Probe> {
    let transition = view.method_of(write.func)?;
    // The transition decided where the breaker tests its open state: in the method that
    // writes, or in the gate that calls a bare `_enter_half_open()`.
    let decided_in_writer =
        view.class.tests.iter().any(|t| {
            view.method_of(t.func) == Some(transition) && view.test_state(cx, t).is_some()
        });
    for gate in view.methods().filter(|&m| view.is_gate(cx, m)) {
        let site = if gate == transition {
            write.span
        } else if write.func != transition {
            continue;
        } else {
            match view.call_reaching(gate, transition) {
                Some(span) => span,
                None => continue,
            }
        };
        if site != write.span && probes_synthetically(view, gate, site) {
            continue;
        }
        if !view.lets_through(cx, gate, site, after) {
            continue;
        }
        let name = view.model.functions[gate].display_name();
        let real = view
            .real_calls()
            .into_iter()
            .find(|c| view.method_of(c.func) == Some(gate) && c.span.start > site.end);
        let (request, label) = match real {
            Some(call) => (
                format!("the caller's own request (`{}(...)`)", call.callee),
                call.span,
            ),
            None => (
                format!("the caller's own request, let through by `{name}()`,"),
                view.model.functions[gate].name_span,
            ),
        };
        let at = if gate == transition || decided_in_writer {
            write.span
        } else {
            site
        };
        return Some(Probe {
            at,
            func: if at == write.span { write.func } else { gate },
            what: "the transition",
            request,
            label,
        });
    }
    None
}

/// Right after the transition, the same function starts a health check of the breaker's own
/// (`this.healthCheck()`, `asyncio.create_task(self._probe())`) that is not given the caller's
/// function.
fn probes_synthetically(view: &ClassView, func: FnId, site: Span) -> bool {
    let params: Vec<&String> = {
        let mut out = Vec::new();
        let mut func = Some(func);
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
        c.func == func && c.span.start >= site.end && synthetic && !given_callers_function
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
