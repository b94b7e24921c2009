//! SEC002 fail-open-breaker: a circuit breaker around an auth, rate-limit or allowlist check
//! that lets requests through while it is open. Documentation: `rules/SEC002.toml`.

use std::collections::HashSet;

use super::{Context, Rule};
use crate::finding::{Finding, Label};
use crate::model::*;
use crate::project::FnRef;
use crate::project::breakers::*;

pub struct FailOpenBreaker;

impl Rule for FailOpenBreaker {
    fn check(&self, cx: &Context, unit: usize, out: &mut Vec<Finding>) {
        let classes = breaker_classes(cx);
        let mut flagged: HashSet<Span> = HashSet::new();
        let mut push = |finding: Finding| {
            if flagged.insert(finding.span) {
                out.push(finding);
            }
        };
        let sites = breaker_sites(cx, unit);
        for site in &sites {
            let Some(guarded) = guarded_by_site(cx, site) else {
                continue;
            };
            fail_open_options(cx, site, &guarded, &mut push);
            let callers = guard_calls(cx, site);
            for fallback in fallbacks_of_site(cx, site) {
                let breaker = format!("the breaker {}", site.display());
                allowing_fallback(cx, unit, &fallback, &breaker, &guarded, &callers, &mut push);
            }
        }
        for decorated in decorated_breakers(cx, unit) {
            let f = FnRef {
                unit,
                func: decorated.func,
            };
            let Some(guarded) = guarded_function(cx, f) else {
                continue;
            };
            let callers: Vec<&Call> = cx.project.units[unit]
                .model
                .calls
                .iter()
                .filter(|c| cx.project.resolve_call(unit, c) == Some(f))
                .collect();
            let name = format!("the `@{}` breaker", decorated.decorator.callee);
            for fallback in &decorated.fallbacks {
                allowing_fallback(cx, unit, fallback, &name, &guarded, &callers, &mut push);
            }
        }
        for policy in fallback_policies(cx, unit) {
            let Some(guarded) = policy
                .executes
                .iter()
                .find_map(|(from, arg)| guarded_arg(cx, unit, *from, &arg.value))
            else {
                continue;
            };
            let name = "its breaker".to_string();
            allowing_fallback(cx, unit, &policy.fallback, &name, &guarded, &[], &mut push);
        }
        caught_open_circuit(cx, unit, &sites, &mut push);
        for class in classes.iter().filter(|c| c.unit == unit) {
            open_branch_allows(cx, *class, &mut push);
        }
        inline_open_allows(cx, unit, &mut push);
    }
}

/// A breaker written into the code that makes a security check (an inline breaker, or a gate
/// call's answer tested before the check) whose open branch returns an allow:
/// `if not auth_breaker.allow_request(): return True` before `verify(token)`.
fn inline_open_allows(cx: &Context, unit: usize, push: &mut impl FnMut(Finding)) {
    let model = &cx.project.units[unit].model;
    for open in inline_open_branches(cx.knowledge, model) {
        // The check the breaker stands in front of: a security call after the branch in the
        // same function, or one the function makes through the scanned code.
        let check = model
            .calls
            .iter()
            .filter(|c| c.func == open.func && c.span.start >= open.branch.end)
            .find_map(|c| {
                let by_name = cx.knowledge.auth_calls.matches(&c.callee).is_some()
                    || cx
                        .knowledge
                        .breakers
                        .security_checks
                        .matches(&c.callee)
                        .is_some();
                if by_name {
                    return Some(format!("`{}`", c.callee));
                }
                let target = cx.project.resolve_call(unit, c)?;
                guarded_function(cx, target).map(|g| g.what)
            });
        let Some(check) = check else { continue };
        for exit in model.exits.iter().filter(|e| {
            e.func == open.func
                && e.statement == ExitStatement::Return
                && open.branch.contains(e.span)
        }) {
            let what = match exit.value {
                Value::True => "returns `true`",
                Value::Allow => "returns an allow decision",
                _ => continue,
            };
            push(finding(
                unit,
                exit.span,
                "open circuit grants access",
                format!(
                    "the branch of `{}` that runs when {} {what}: while the circuit is open, \
                     every request passes {check} unchecked",
                    model.function(open.func).display_name(),
                    open.when
                ),
                vec![Label {
                    span: open.branch,
                    text: "runs while the circuit is open".into(),
                }],
            ));
        }
    }
}

fn finding(unit: usize, span: Span, label: &str, message: String, labels: Vec<Label>) -> Finding {
    Finding {
        unit,
        span,
        label: label.into(),
        message,
        labels,
        function: None,
        ..Finding::default()
    }
}

/// `new Breaker(check, { failClosed: false })`, `CircuitBreaker(fail_open=True)`.
fn fail_open_options(
    cx: &Context,
    site: &BreakerSite,
    guarded: &Guarded,
    push: &mut impl FnMut(Finding),
) {
    let model = &cx.project.units[site.unit].model;
    for literal in model
        .arg_literals
        .iter()
        .filter(|l| l.call == site.call_index)
    {
        let Some(key) = &literal.key else { continue };
        let value = match literal.value {
            Value::True => "true",
            Value::False => "false",
            _ => continue,
        };
        let written = match (cx.project.units[site.unit].file.language, value) {
            (Language::Python, "true") => "True",
            (Language::Python, _) => "False",
            (_, v) => v,
        };
        let fail_open = cx
            .knowledge
            .breakers
            .fail_open_options
            .iter()
            .any(|(k, v)| k == key && v.eq_ignore_ascii_case(value));
        if fail_open {
            push(finding(
                site.unit,
                literal.span,
                "fails open",
                format!(
                    "the breaker {} around {} is configured with `{key}` = `{written}`: while it \
                     is open, every request passes the check",
                    site.display(),
                    guarded.what
                ),
                vec![Label {
                    span: site.call.span,
                    text: "breaker built here".into(),
                }],
            ));
        }
    }
}

/// A fallback that returns an allow value in place of the security check.
fn allowing_fallback(
    cx: &Context,
    unit: usize,
    fallback: &Fallback,
    breaker: &str,
    guarded: &Guarded,
    callers: &[&Call],
    push: &mut impl FnMut(Finding),
) {
    let model = &cx.project.units[unit].model;
    let negative = negative_check(&guarded.what);
    for (exit_unit, span, value) in fallback_results(cx, fallback.kind) {
        let exit_unit = if exit_unit == usize::MAX {
            unit
        } else {
            exit_unit
        };
        let what = match (value, negative) {
            (Value::True, false) => "returns `true`",
            (Value::Allow, false) => "returns an allow decision",
            (Value::False, true) => "returns `false` (not limited)",
            (Value::Degraded, false) if result_used_as_permission(model, callers) => {
                "returns a `degraded` answer that the caller only tests for truthiness"
            }
            _ => continue,
        };
        push(finding(
            exit_unit,
            span,
            "open circuit grants access",
            format!(
                "{} {what}: while {breaker} around {} is open, every request passes the check",
                fallback.how, guarded.what
            ),
            Vec::new(),
        ));
    }
}

/// Checks whose `true` means "deny": `isRateLimited`, `quotaExceeded`, `is_blocked`.
fn negative_check(what: &str) -> bool {
    let n = crate::knowledge::normalize(what);
    [
        "limited",
        "exceeded",
        "blocked",
        "denied",
        "banned",
        "throttled",
        "forbidden",
        "rejected",
    ]
    .iter()
    .any(|w| n.contains(w))
}

/// `try { return await breaker.fire(t) } catch { return true }`,
/// `except CircuitBreakerError: return True`: the open circuit's error becomes a grant.
fn caught_open_circuit(
    cx: &Context,
    unit: usize,
    sites: &[BreakerSite],
    push: &mut impl FnMut(Finding),
) {
    let model = &cx.project.units[unit].model;
    for t in &model.tries {
        let guard = cx
            .project
            .calls_within(unit, t.func, t.body)
            .into_iter()
            .find_map(|c| guard_call_check(cx, unit, sites, c).map(|g| (c, g)));
        let Some((call, guarded)) = guard else {
            continue;
        };
        if sec001_covers(cx, unit, t) {
            continue;
        }
        for handler in &t.handlers {
            for exit in &handler.exits {
                let what = match exit.kind {
                    ExitKind::Return(Value::True) => "returns `true`",
                    ExitKind::Return(Value::Allow) => "returns an allow decision",
                    _ => continue,
                };
                push(finding(
                    unit,
                    exit.span,
                    "open circuit grants access",
                    format!(
                        "the error handler around `{}` {what}: when the breaker around {} is \
                         open (or the check fails), every request passes",
                        call.callee, guarded.what
                    ),
                    vec![Label {
                        span: call.span,
                        text: "breaker call whose failure is caught".into(),
                    }],
                ));
            }
        }
    }
}

/// The check a call runs under a breaker: `breaker.fire(...)` / `breaker.call(verify, t)` on a
/// breaker built here or named like one, or a call of a function decorated with a breaker.
fn guard_call_check(
    cx: &Context,
    unit: usize,
    sites: &[BreakerSite],
    call: &Call,
) -> Option<Guarded> {
    if let Some(site) = sites
        .iter()
        .find(|s| s.name.is_some() && s.name == call.receiver())
    {
        if guard_calls(cx, site).iter().any(|c| std::ptr::eq(*c, call)) {
            return guarded_by_site(cx, site).or_else(|| first_arg_check(cx, unit, call));
        }
        return None;
    }
    let named_breaker = call.receiver().is_some_and(|r| {
        let last = crate::knowledge::normalize(r.rsplit('.').next().unwrap_or(r));
        last.contains("breaker") || last.contains("circuit")
    });
    if named_breaker
        && cx
            .knowledge
            .breakers
            .guard_calls
            .matches(&call.callee)
            .is_some()
    {
        return first_arg_check(cx, unit, call);
    }
    let target = cx.project.resolve_call(unit, call)?;
    let function = cx.project.function(target);
    let decorated = function
        .decorators
        .iter()
        .any(|d| cx.knowledge.breakers.guard_decorators.matches(d).is_some());
    if decorated {
        return guarded_function(cx, target);
    }
    None
}

fn first_arg_check(cx: &Context, unit: usize, call: &Call) -> Option<Guarded> {
    let first = call.args.iter().find(|a| a.keyword.is_none())?;
    // `fire(...)` passes the guarded function's arguments (`breaker.fire(apiKey)`).
    if call.method() == "fire" && !matches!(first.value, ArgValue::Function(_)) {
        return None;
    }
    guarded_arg(cx, unit, call.func, &first.value)
}

/// SEC001 reports this handler already: the try calls an auth function directly (or one hop
/// away), or its function is named as an access check.
fn sec001_covers(cx: &Context, unit: usize, t: &Try) -> bool {
    let model = &cx.project.units[unit].model;
    let direct = cx
        .project
        .calls_within(unit, t.func, t.body)
        .into_iter()
        .any(|c| {
            cx.knowledge.auth_calls.matches(&c.callee).is_some()
                || cx
                    .project
                    .resolve_call(unit, c)
                    .and_then(|f| cx.project.auth_call_of(f))
                    .is_some()
        });
    let named = model
        .function(t.func)
        .name
        .as_deref()
        .is_some_and(|n| cx.knowledge.auth_calls.matches(n).is_some());
    direct || named
}

/// A home-grown breaker whose open branch returns an allow value, or runs the caller's
/// function anyway.
fn open_branch_allows(cx: &Context, class: ClassRef, push: &mut impl FnMut(Finding)) {
    let view = ClassView::new(cx, class);
    let branches = view.open_branches(cx);
    if branches.is_empty() {
        return;
    }
    let Some(guarded) = guarded_by_class(cx, class) else {
        return;
    };
    let real_calls = view.real_calls();
    let half_open = view.half_open_writes(cx);
    let runs_or_checks = |func: FnId| {
        let method = view.method_of(func);
        real_calls.iter().any(|c| view.method_of(c.func) == method)
            || view.model.calls.iter().any(|c| {
                view.method_of(c.func) == method
                    && (cx.knowledge.auth_calls.matches(&c.callee).is_some()
                        || cx
                            .knowledge
                            .breakers
                            .security_checks
                            .matches(&c.callee)
                            .is_some())
            })
    };
    for (test, branch) in branches {
        if !runs_or_checks(test.func) {
            continue;
        }
        let transition_in_branch = half_open
            .iter()
            .find(|w| w.func == test.func && branch.contains(w.span))
            .map(|w| w.span.start);
        let before_transition = |span: Span| transition_in_branch.is_none_or(|t| span.start < t);
        let method_name = view.model.function(test.func).display_name();
        for exit in view.model.exits.iter().filter(|e| {
            e.func == test.func
                && e.statement == ExitStatement::Return
                && branch.contains(e.span)
                && before_transition(e.span)
        }) {
            let what = match exit.value {
                Value::True => "returns `true`",
                Value::Allow => "returns an allow decision",
                _ => continue,
            };
            // `if (this.failClosed) throw ...; return true`: the allow depends on how the
            // breaker is configured, and the configuration is reported where it is set.
            let gated = view.model.conditions.iter().any(|c| {
                c.func == test.func
                    && branch.contains(c.span)
                    && c.span.end <= exit.span.start
                    && c.name
                        .as_deref()
                        .is_some_and(|n| n.starts_with("this.") || n.starts_with("self."))
            });
            if gated {
                continue;
            }
            push(finding(
                view.unit,
                exit.span,
                "open circuit grants access",
                format!(
                    "the open-circuit branch of `{method_name}` {what}: while the breaker `{}` \
                     around {} is open, every request passes the check",
                    view.class.name, guarded.what
                ),
                vec![Label {
                    span: test.body,
                    text: "runs while the circuit is open".into(),
                }],
            ));
        }
        // The caller's function run from the open branch, while the class has a separate
        // half-open state for probing: the open circuit lets the request through.
        let probes_elsewhere = half_open.iter().any(|w| !branch.contains(w.span));
        if !probes_elsewhere || transition_in_branch.is_some() {
            continue;
        }
        for call in real_calls.iter().filter(|c| {
            view.method_of(c.func) == view.method_of(test.func) && branch.contains(c.span)
        }) {
            push(finding(
                view.unit,
                call.span,
                "open circuit runs the check's caller anyway",
                format!(
                    "the open-circuit branch of `{method_name}` runs `{}` anyway: while the \
                     breaker `{}` around {} is open, requests are not stopped",
                    call.callee, view.class.name, guarded.what
                ),
                vec![Label {
                    span: test.body,
                    text: "runs while the circuit is open".into(),
                }],
            ));
        }
    }
}
