//! SEC001 fail-open-auth: a `catch` / `except` around an auth call whose error path grants
//! access. Documentation: `rules/SEC001.toml`.

use super::{Context, Rule};
use crate::finding::{Finding, Label};
use crate::model::*;
use crate::project::FnRef;

pub struct FailOpenAuth;

/// Why a try region decides access.
struct AuthContext<'m> {
    /// The auth call the try protects, and how to name it (`jwt.verify`, or
    /// `checkSession` (which calls `jwt.verify`)).
    call: Option<(&'m Call, String)>,
    /// The enclosing function is named like an access check (`isAuthorized`,
    /// `check_quota`).
    named: Option<&'m Function>,
}

impl Rule for FailOpenAuth {
    fn check(&self, cx: &Context, unit: usize, out: &mut Vec<Finding>) {
        let model = &cx.project.units[unit].model;
        let python = cx.project.units[unit].file.language == Language::Python;
        // Built on the first try that decides access, so that each try looks only at its own
        // function's exits and conditions (a file of many functions stays linear).
        let mut by_function: Option<ByFunction> = None;
        let mut tests_by_function: Option<Vec<Vec<&StateTest>>> = None;
        for t in &model.tries {
            let cleared: Vec<Span> = t
                .handlers
                .iter()
                .filter(|h| !beside_the_gate(h) && clears_the_check(cx, unit, t, h, python, out))
                .map(|h| h.span)
                .collect();
            let auth = auth_context(cx, unit, t);
            // Only a function that tests a setting can hold a fail-mode switch.
            let tests = tests_by_function.get_or_insert_with(|| state_tests_by_function(model));
            let switches = tests.get(t.func).is_some_and(|l| !l.is_empty());
            let reader = cx.project.nothing_allows(FnRef { unit, func: t.func });
            if auth.is_none() && !switches && reader.is_none() {
                continue;
            }
            let index = by_function.get_or_insert_with(|| ByFunction::new(model));
            for handler in t
                .handlers
                .iter()
                .filter(|h| !beside_the_gate(h) && !cleared.contains(&h.span))
            {
                if let Some(reader) = reader {
                    if returns_the_pass(cx, unit, t, handler, reader, python, out) {
                        continue;
                    }
                }
                let site = Site {
                    cx,
                    unit,
                    index,
                    t,
                    handler,
                };
                if switches {
                    let tests = tests.get(t.func).map_or(&[][..], Vec::as_slice);
                    if fails_open_unless_closed(&site, tests, python, out) {
                        continue;
                    }
                }
                if let Some(auth) = &auth {
                    check_handler(&site, auth, python, out);
                }
            }
        }
    }
}

/// Branches on a field's value (`if limit.fail_mode is FailMode.CLOSED:`), by the function
/// they are written in, from functions and breaker-like classes alike.
fn state_tests_by_function(model: &Model) -> Vec<Vec<&StateTest>> {
    let mut by = vec![Vec::new(); model.functions.len()];
    let classes = model.breaker_classes.iter().flat_map(|c| c.tests.iter());
    for test in model.state_tests.iter().chain(classes) {
        if let Some(list) = by.get_mut(test.func) {
            list.push(test);
        }
    }
    by
}

/// A catch that denies only in the closed mode of a fail-mode setting (`if limit.fail_mode is
/// FailMode.CLOSED: raise ...`, `if (this.failMode === "closed") throw err`) and otherwise
/// leaves with nothing, `true` or an allow: every other mode (the default, when the setting is
/// not given) lets the request through on an error. The setting names the try as a gate's,
/// whatever the try calls (`getattr(self._backend, op)(*args)`).
fn fails_open_unless_closed(
    site: &Site,
    tests: &[&StateTest],
    python: bool,
    out: &mut Vec<Finding>,
) -> bool {
    let (handler, cx) = (site.handler, site.cx);
    let setting = |field: &str| {
        let last = field.rsplit('.').next().unwrap_or(field);
        cx.knowledge
            .fail_mode_settings
            .contains(&crate::knowledge::normalize(last))
    };
    let closed_value = |t: &StateTest| {
        let value = t.value.to_ascii_lowercase();
        let field = crate::knowledge::normalize(&t.field);
        if field.ends_with("failclosed") {
            return (value == "true") == t.equal;
        }
        if field.ends_with("failopen") {
            return (value == "false") == t.equal;
        }
        t.equal && value.contains("closed")
    };
    let Some(switch) = tests.iter().find(|t| {
        handler.body.contains(t.body) && setting(&t.field) && closed_value(t) && t.body_exits
    }) else {
        return false;
    };
    let denies_when_closed = handler
        .exits
        .iter()
        .any(|e| switch.body.contains(e.span) && e.kind == ExitKind::Throw);
    if !denies_when_closed {
        return false;
    }
    // How the handler leaves in every other mode: its last exit outside the closed branch, or
    // falling out of the catch.
    let last = handler
        .exits
        .iter()
        .filter(|e| !switch.body.contains(e.span))
        .max_by_key(|e| e.span.start);
    let grant = match last.map(|e| &e.kind) {
        Some(ExitKind::Return(Value::Null)) => Some("returns nothing"),
        Some(ExitKind::Return(Value::True)) => Some("returns `true`"),
        Some(ExitKind::Return(Value::Allow)) => Some("returns an allow decision"),
        Some(ExitKind::CallsNext) => Some("calls `next()` with no error"),
        None if handler.falls_through => Some("falls through"),
        _ => None,
    };
    let Some(grant) = grant else {
        return false;
    };
    let clause = if python { "`except`" } else { "`catch`" };
    let field = switch.field.rsplit('.').next().unwrap_or(&switch.field);
    out.push(Finding {
        unit: site.unit,
        span: handler.span,
        label: "fails open unless configured closed".into(),
        message: format!(
            "{clause} denies only when `{field}` is `{}`; in every other mode it {grant} \
             instead of denying: an error grants access",
            switch.value
        ),
        labels: vec![Label {
            span: switch.body,
            text: "the only branch that denies".into(),
        }],
        function: Some(site.t.func),
        ..Finding::default()
    });
    true
}

/// A catch that returns nothing from a function whose "nothing" a caller that denies by
/// raising reads as the pass (`authz = _configured_authz(); if authz is None: return` in
/// `authorize_tool`): the failure leaves the way "no check configured" leaves.
fn returns_the_pass(
    cx: &Context,
    unit: usize,
    t: &Try,
    handler: &Handler,
    reader: &str,
    python: bool,
    out: &mut Vec<Finding>,
) -> bool {
    let Some(exit) = handler
        .exits
        .iter()
        .find(|e| e.kind == ExitKind::Return(Value::Null))
    else {
        return false;
    };
    let clause = if python { "`except`" } else { "`catch`" };
    let function = cx.project.units[unit].model.function(t.func);
    out.push(Finding {
        unit,
        span: exit.span,
        label: "returns the pass on error".into(),
        message: format!(
            "{clause} in `{}` returns nothing, which `{reader}` reads as nothing to check or \
             refuse and lets through: an error grants access",
            function.display_name()
        ),
        labels: vec![Label {
            span: function.name_span,
            text: format!("its nothing is the pass for `{reader}`"),
        }],
        function: Some(t.func),
        ..Finding::default()
    });
    true
}

/// A catch that clears what the function's own check is made with (`auth_components = None`,
/// `expected = undefined`) and falls through to a branch that, on that nothing, returns before
/// the check runs (`if authz is None or not getattr(auth_components, "enabled", False): return
/// {}` ahead of `authz.authorize(...)`; `if (!expected) return next()` ahead of
/// `timingSafeEqual(...)`): the failure leaves the way "no check configured" leaves.
fn clears_the_check(
    cx: &Context,
    unit: usize,
    t: &Try,
    handler: &Handler,
    python: bool,
    out: &mut Vec<Finding>,
) -> bool {
    if t.kind != TryKind::Statement || !handler.falls_through {
        return false;
    }
    let model = &cx.project.units[unit].model;
    let end = t
        .handlers
        .iter()
        .map(|h| h.body.end)
        .max()
        .unwrap_or(t.body.end);
    let function = model.function(t.func);
    for exit in &handler.exits {
        let ExitKind::Assigns {
            target,
            value: Value::Null,
        } = &exit.kind
        else {
            continue;
        };
        let names_target = |name: &str| {
            name == target
                || name
                    .strip_prefix(target.as_str())
                    .is_some_and(|r| r.starts_with('.'))
        };
        // The first branch after the try that the cleared name alone sends out with a return.
        let Some(test) = model
            .presence_tests
            .iter()
            .filter(|p| {
                p.func == t.func
                    && !p.set
                    && p.body_exits
                    && p.body.start >= end
                    && names_target(&p.name)
            })
            .min_by_key(|p| p.body.start)
        else {
            continue;
        };
        let first = model
            .exits
            .iter()
            .filter(|e| e.func == t.func && test.body.contains(e.span))
            .min_by_key(|e| e.span.start);
        let skips = first.is_some_and(|e| {
            e.statement == ExitStatement::Return && !matches!(e.value, Value::False | Value::Deny)
        });
        let answers = cx
            .project
            .calls_within(unit, t.func, test.body)
            .into_iter()
            .any(writes_response);
        // The same branch refuses a value that is there but bad (`if principal is None or
        // principal.is_anonymous(): return frozenset()`): nothing is taken as a refused value.
        let refuses_too = model.conditions.iter().any(|c| {
            c.func == t.func
                && c.is_call
                && c.span.start >= end
                && c.span.end <= test.body.start
                && model
                    .calls
                    .iter()
                    .any(|call| call.span == c.span && call.receiver().is_some_and(&names_target))
        });
        if !skips || answers || refuses_too {
            continue;
        }
        // The check the return skips: an access check called after the branch, or, in a
        // function named as one, a refusal after it.
        let after = Span {
            start: test.body.end,
            end: function.span.end,
        };
        let check = cx
            .project
            .calls_within(unit, t.func, after)
            .into_iter()
            .find(|c| {
                cx.knowledge.auth_calls.matches(&c.callee).is_some()
                    || cx
                        .project
                        .resolve_call(unit, c)
                        .is_some_and(|f| cx.project.auth_call_of(f).is_some())
            })
            .map(|c| (c.span, format!("`{}`", c.callee)));
        let named = function
            .name
            .as_deref()
            .is_some_and(|n| cx.knowledge.auth_calls.matches(n).is_some());
        let refusal = || {
            model
                .exits
                .iter()
                .filter(|e| e.func == t.func && after.contains(e.span))
                .find(|e| {
                    e.statement == ExitStatement::Throw
                        || matches!(e.value, Value::False | Value::Deny)
                })
                .map(|e| (e.span, "the refusal after it".to_string()))
        };
        let Some((check_span, check_name)) = check.or_else(|| named.then(refusal).flatten()) else {
            continue;
        };
        let clause = if python { "`except`" } else { "`catch`" };
        out.push(Finding {
            unit,
            span: exit.span,
            label: "clears the check's setting on error".into(),
            message: format!(
                "{clause} sets `{target}` to nothing, and the branch after the try that reads \
                 nothing as \"no check configured\" returns before {check_name} runs: an error \
                 turns the check off"
            ),
            labels: vec![
                Label {
                    span: test.body,
                    text: format!("returns when `{target}` holds nothing"),
                },
                Label {
                    span: check_span,
                    text: "the check it skips".into(),
                },
            ],
            function: Some(t.func),
            ..Finding::default()
        });
        return true;
    }
    false
}

/// A file's exits and conditions grouped by the function they are written in.
struct ByFunction<'m> {
    exits: Vec<Vec<&'m Exit>>,
    conditions: Vec<Vec<&'m Condition>>,
}

impl<'m> ByFunction<'m> {
    fn new(model: &'m Model) -> ByFunction<'m> {
        let count = model.functions.len();
        let mut index = ByFunction {
            exits: vec![Vec::new(); count],
            conditions: vec![Vec::new(); count],
        };
        for exit in &model.exits {
            if let Some(list) = index.exits.get_mut(exit.func) {
                list.push(exit);
            }
        }
        for condition in &model.conditions {
            if let Some(list) = index.conditions.get_mut(condition.func) {
                list.push(condition);
            }
        }
        index
    }

    fn exits(&self, func: FnId) -> &[&'m Exit] {
        self.exits.get(func).map_or(&[], Vec::as_slice)
    }

    fn conditions(&self, func: FnId) -> &[&'m Condition] {
        self.conditions.get(func).map_or(&[], Vec::as_slice)
    }
}

/// One catch around a gate, with what it is looked up in.
struct Site<'a, 'm> {
    cx: &'a Context<'m>,
    unit: usize,
    index: &'a ByFunction<'m>,
    t: &'m Try,
    handler: &'m Handler,
}

impl<'m> Site<'_, 'm> {
    /// The calls of the try's function written inside `region`.
    fn calls_in(&self, region: Span) -> Vec<&'m Call> {
        self.cx.project.calls_within(self.unit, self.t.func, region)
    }

    /// The name the gate's answer is held in inside the try: `auth = await gate(req)`, or
    /// through a call that wraps the answer (`auth = await _asyncNullishCoalesce(await
    /// gate(req), ...)`, the compiled `gate(req) ?? undefined`; `user = normalize(await
    /// gate(req))`).
    fn held_in(&self, call: &'m Call) -> Option<&'m str> {
        if let Some(name) = call.assigned_to.as_deref() {
            return Some(name);
        }
        self.calls_in(self.t.body).into_iter().find_map(|outer| {
            let wraps = outer.span.contains(call.span)
                && outer
                    .args
                    .iter()
                    .any(|a| matches!(&a.value, ArgValue::Call(c) if *c == call.callee));
            wraps.then_some(outer.assigned_to.as_deref()).flatten()
        })
    }
}

fn auth_context<'m>(cx: &Context<'m>, unit: usize, t: &Try) -> Option<AuthContext<'m>> {
    let model = &cx.project.units[unit].model;
    let call = cx
        .project
        .calls_within(unit, t.func, t.body)
        .into_iter()
        .find_map(|c| {
            if cx.knowledge.auth_calls.matches(&c.callee).is_some() {
                return Some((c, format!("`{}`", c.callee)));
            }
            // A gate run on a worker: `asyncio.to_thread(check_revoked, jti)`,
            // `loop.run_in_executor(None, self._check)`.
            if let Some(gate) =
                run_elsewhere(c).filter(|g| cx.knowledge.auth_calls.matches(g).is_some())
            {
                return Some((c, format!("`{gate}` (run by `{}`)", c.callee)));
            }
            // One hop: a function of ours that makes the auth call itself.
            let target: FnRef = cx.project.resolve_call(unit, c)?;
            let inner = cx.project.auth_call_of(target)?;
            Some((c, format!("`{}` (which calls `{inner}`)", c.callee)))
        });
    let function = model.function(t.func);
    let named = function
        .name
        .as_deref()
        .filter(|n| cx.knowledge.auth_calls.matches(n).is_some())
        .map(|_| function);
    (call.is_some() || named.is_some()).then_some(AuthContext { call, named })
}

/// The function a call runs on a worker or loop: the first function-valued argument of
/// `asyncio.to_thread(f, ...)`, `loop.run_in_executor(None, f)`, `anyio.to_thread.run_sync(f)`,
/// `setImmediate(f)`.
fn run_elsewhere(c: &Call) -> Option<&str> {
    let runner = matches!(
        c.method(),
        "to_thread" | "run_in_executor" | "run_sync" | "submit"
    );
    if !runner {
        return None;
    }
    c.args.iter().find_map(|a| match &a.value {
        ArgValue::Name(n) => Some(n.as_str()),
        _ => None,
    })
}

fn check_handler(site: &Site, auth: &AuthContext, python: bool, out: &mut Vec<Finding>) {
    let (t, handler, unit) = (site.t, site.handler, site.unit);
    let clause = match (t.kind, python) {
        (TryKind::PromiseCatch, _) => "`.catch` handler",
        (_, true) => "`except`",
        (_, false) => "`catch`",
    };
    let around = match (&auth.call, auth.named) {
        (Some((_, name)), _) => format!("around {name}"),
        (None, Some(f)) => format!("in `{}`, which decides access,", f.display_name()),
        (None, None) => return,
    };
    let flagged = std::cell::Cell::new(0usize);
    let mut flag = |span: Span, label: &str, what: String| {
        flagged.set(flagged.get() + 1);
        let mut labels = Vec::new();
        if let Some((call, _)) = &auth.call {
            labels.push(Label {
                span: call.span,
                text: "auth call whose failure is caught".into(),
            });
        } else if let Some(f) = auth.named {
            labels.push(Label {
                span: f.name_span,
                text: "named as an access check".into(),
            });
        }
        out.push(Finding {
            unit,
            span,
            label: label.into(),
            message: format!("{clause} {around} {what}: an error grants access"),
            labels,
            function: Some(t.func),
            ..Finding::default()
        });
    };
    // The handler has already answered the request (`res.writeHead(403)`, `res.end()`): a
    // `return true` after it says "handled", not "allowed".
    let responded = site.calls_in(handler.body).into_iter().any(writes_response);
    for exit in &handler.exits {
        match &exit.kind {
            ExitKind::Return(Value::True) if !responded => {
                flag(exit.span, "grants access on error", "returns `true`".into())
            }
            ExitKind::Return(Value::Allow) => flag(
                exit.span,
                "grants access on error",
                "returns an allow decision".into(),
            ),
            ExitKind::CallsNext if auth.call.is_some() => flag(
                exit.span,
                "passes the request on",
                "calls `next()` with no error".into(),
            ),
            ExitKind::Assigns {
                target,
                value: Value::True | Value::Allow,
            } if auth.call.is_some() => flag(
                exit.span,
                "access flag set on error",
                format!("sets `{target}` to true"),
            ),
            ExitKind::Assigns {
                target,
                value: Value::Literal,
            } => {
                let held_result = auth
                    .call
                    .as_ref()
                    .is_some_and(|(c, _)| c.assigned_to.as_deref() == Some(target.as_str()));
                if held_result {
                    flag(
                        exit.span,
                        "fallback identity",
                        format!("gives `{target}` a fallback identity instead of denying"),
                    );
                }
            }
            _ => {}
        }
    }
    if flagged.get() > 0 {
        return;
    }
    // Swallowed: the auth call was made only for its exception, and the handler lets
    // control continue to the protected action.
    let swallowed = t.kind == TryKind::Statement
        && handler.exits.is_empty()
        && handler.falls_through
        && handler.only_logs
        && auth.call.as_ref().is_some_and(|(c, _)| !c.result_used);
    if swallowed {
        flag(
            handler.span,
            "error swallowed",
            "only logs the error, so control falls through to the protected action".into(),
        );
        return;
    }
    if !(t.kind == TryKind::Statement && handler.falls_through && handler.exits.is_empty()) {
        return;
    }
    let end = t
        .handlers
        .iter()
        .map(|h| h.body.end)
        .max()
        .unwrap_or(t.body.end);
    // Falls through to the function's own grant: `except: pass` then
    // `return {"allowed": True}`.
    let next_return = site
        .index
        .exits(t.func)
        .iter()
        .filter(|e| e.statement == ExitStatement::Return && e.span.start >= end)
        .min_by_key(|e| e.span.start);
    if let Some(grant) = next_return.filter(|e| matches!(e.value, Value::True | Value::Allow)) {
        let _ = grant;
        flag(
            handler.span,
            "falls through to a grant",
            "lets control fall through to the function's next `return`, which allows".into(),
        );
        return;
    }
    // Goes on with no identity: the gate's answer was to be held in a name, the handler only
    // logs, and nothing after the try tests that name before using it.
    // When the try returns on success, falling out of it is the failure path, not the pass.
    let returns_inside = site
        .index
        .exits(t.func)
        .iter()
        .any(|e| e.statement == ExitStatement::Return && t.body.contains(e.span));
    // A bare `pass` is how `x = None; try: x = verify(t) except: pass; if x is None: deny`
    // is written; a handler that logs and moves on has decided to go on.
    let logs = !site.calls_in(handler.body).is_empty();
    if handler.only_logs && logs && !returns_inside {
        if let Some((call, _)) = &auth.call {
            if let Some(name) = site.held_in(call) {
                let tested_later = site.index.conditions(t.func).iter().any(|c| {
                    c.span.start >= end
                        && c.name.as_deref().is_some_and(|n| {
                            n == name || n.strip_prefix(name).is_some_and(|r| r.starts_with('.'))
                        })
                });
                // Consumed inside the try (`decoded.get("email")`): the name is not what the
                // code after the try goes on with.
                let used_inside = site.calls_in(t.body).into_iter().any(|c| {
                    c.receiver() == Some(name)
                        || c.args
                            .iter()
                            .any(|a| matches!(&a.value, ArgValue::Name(n) if n == name))
                });
                if !tested_later && !used_inside {
                    flag(
                        handler.span,
                        "goes on with no identity",
                        format!(
                            "only logs the error and goes on with `{name}` left unset instead of \
                             denying"
                        ),
                    );
                }
            }
        }
    }
}

/// An `except` that names only types no access check raises: control flow
/// (`KeyboardInterrupt`, `EOFError`, `asyncio.CancelledError`) and decoding a payload
/// (`json.JSONDecodeError`, `UnicodeDecodeError`). The gate's own failure is not caught there.
fn beside_the_gate(handler: &Handler) -> bool {
    const NOT_FROM_A_GATE: &[&str] = &[
        "KeyboardInterrupt",
        "SystemExit",
        "GeneratorExit",
        "EOFError",
        "StopIteration",
        "StopAsyncIteration",
        "CancelledError",
        "BrokenPipeError",
        "JSONDecodeError",
        "UnicodeDecodeError",
    ];
    !handler.types.is_empty()
        && handler.types.iter().all(|t| {
            let last = t.rsplit('.').next().unwrap_or(t);
            NOT_FROM_A_GATE.contains(&last)
        })
}

/// `res.writeHead(...)`, `res.status(403)`, `reply.code(401)`, `res.end()`: the request is
/// answered.
fn writes_response(c: &Call) -> bool {
    let receiver = c
        .receiver()
        .map(|r| r.rsplit('.').next().unwrap_or(r))
        .unwrap_or("");
    matches!(c.method(), "writeHead" | "sendStatus")
        || matches!(c.method(), "status" | "code" | "send" | "end" | "json")
            && matches!(receiver, "res" | "response" | "reply" | "resp" | "ctx")
}
