//! What SEC002, SEC003 and REL004 share: the circuit breakers the scanned code builds (library
//! breakers and its own breaker classes), the security check a breaker guards, what runs in
//! place of the guarded call while a breaker is open, and the shape of home-grown breaker
//! classes (their open branches, half-open transitions and the calls that run the caller's
//! function).

use super::Context;
use crate::knowledge::{BreakerState, normalize};
use crate::model::*;
use crate::project::FnRef;

/// Methods of a breaker instance that run the function they are given (or, for `fire`, the
/// function given to the constructor).
const GUARD_METHODS: &[&str] = &[
    "fire",
    "execute",
    "call",
    "call_async",
    "exec",
    "run",
    "protect",
];

/// A security check that a breaker guards.
#[derive(Debug, Clone)]
pub(super) struct Guarded {
    /// How a message names it: `` `verifyToken` ``, `` `check` (which calls `jwt.verify`) ``.
    pub what: String,
    /// An auth call, as opposed to a rate-limit, quota or allowlist check.
    pub auth: bool,
}

/// Whether a name (a callee or a function's name) says it is a security check, and which kind.
fn check_by_name(cx: &Context, name: &str) -> Option<bool> {
    if cx.knowledge.auth_calls.matches(name).is_some() {
        Some(true)
    } else if cx
        .knowledge
        .breakers
        .security_checks
        .matches(name)
        .is_some()
    {
        Some(false)
    } else {
        None
    }
}

/// The security check a function performs: by its own name, by a call it makes (or one of its
/// directly nested functions makes), or one call further into the scanned code.
pub(super) fn guarded_function(cx: &Context, f: FnRef) -> Option<Guarded> {
    let function = cx.project.function(f);
    if let Some(auth) = function.name.as_deref().and_then(|n| check_by_name(cx, n)) {
        return Some(Guarded {
            what: format!("`{}`", function.display_name()),
            auth,
        });
    }
    let model = &cx.project.units[f.unit].model;
    let scope: Vec<FnId> = std::iter::once(f.func)
        .chain(
            model
                .functions
                .iter()
                .enumerate()
                .filter(|(_, g)| g.parent == Some(f.func))
                .map(|(id, _)| id),
        )
        .collect();
    let calls: Vec<&Call> = model
        .calls
        .iter()
        .filter(|c| scope.contains(&c.func))
        .collect();
    for call in &calls {
        if let Some(auth) = check_by_name(cx, &call.callee) {
            return Some(Guarded {
                what: format!("`{}`", call.callee),
                auth,
            });
        }
    }
    for call in &calls {
        let Some(target) = cx.project.resolve_call(f.unit, call) else {
            continue;
        };
        if target == f {
            continue;
        }
        let name = cx.project.function(target).name.as_deref();
        if let Some(auth) = name.and_then(|n| check_by_name(cx, n)) {
            return Some(Guarded {
                what: format!("`{}`", call.callee),
                auth,
            });
        }
        if let Some(inner) = cx.project.auth_call_of(target) {
            return Some(Guarded {
                what: format!("`{}` (which calls `{inner}`)", call.callee),
                auth: true,
            });
        }
    }
    None
}

/// The security check an argument stands for: a function literal that makes one, or the name
/// of a function that is one.
pub(super) fn guarded_arg(
    cx: &Context,
    unit: usize,
    from: FnId,
    value: &ArgValue,
) -> Option<Guarded> {
    match value {
        ArgValue::Function(id) => guarded_function(cx, FnRef { unit, func: *id }),
        // `this.verifyToken.bind(this)`
        ArgValue::Call(callee) if callee.ends_with(".bind") => {
            let name = callee.trim_end_matches(".bind").to_string();
            guarded_arg(cx, unit, from, &ArgValue::Name(name))
        }
        ArgValue::Name(name) => match cx.project.resolve_callee(unit, from, name) {
            Some(target) => guarded_function(cx, target),
            None => check_by_name(cx, name).map(|auth| Guarded {
                what: format!("`{name}`"),
                auth,
            }),
        },
        _ => None,
    }
}

// ---- breakers the code builds ------------------------------------------------------------

/// A call that builds a breaker: a library constructor (`new CircuitBreaker(fn, opts)`,
/// `pybreaker.CircuitBreaker()`, cockatiel's `circuitBreaker(...)`) or a breaker class of the
/// scanned code.
pub(super) struct BreakerSite<'m> {
    pub unit: usize,
    pub call_index: usize,
    pub call: &'m Call,
    /// The name the breaker is bound to: `breaker`, `this.authBreaker`, `self.breaker`.
    pub name: Option<&'m str>,
    /// The breaker class of the scanned code it instantiates, if any.
    pub class: Option<ClassRef>,
}

impl BreakerSite<'_> {
    /// How a message names the breaker.
    pub fn display(&self) -> String {
        match self.name {
            Some(name) => format!("`{name}`"),
            None => format!("`{}`", self.call.callee),
        }
    }
}

/// A breaker class: the unit it is in and its index in [`Model::breaker_classes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ClassRef {
    pub unit: usize,
    pub index: usize,
}

/// Every breaker-shaped class of the project (computed once per scan).
pub(super) fn breaker_classes<'c>(cx: &'c Context) -> &'c [ClassRef] {
    cx.memo.breaker_classes.get_or_init(|| {
        let mut out = Vec::new();
        for (unit, u) in cx.project.units.iter().enumerate() {
            for (index, class) in u.model.breaker_classes.iter().enumerate() {
                if is_breaker(cx, class) {
                    out.push(ClassRef { unit, index });
                }
            }
        }
        out
    })
}

/// The breakers built in `unit`.
pub(super) fn breaker_sites<'m>(
    cx: &Context<'m>,
    unit: usize,
    classes: &[ClassRef],
) -> Vec<BreakerSite<'m>> {
    let model = &cx.project.units[unit].model;
    let language = cx.project.units[unit].file.language;
    // A class of another file counts when this file imports its name from the scanned code
    // (a relative module in JS / TS).
    let visible = |c: &ClassRef| {
        let name = &cx.project.units[c.unit].model.breaker_classes[c.index].name;
        let other = &cx.project.units[c.unit].file.language;
        c.unit == unit
            || other.family() == language.family()
                && model.imports.iter().any(|i| {
                    &i.local == name && (language == Language::Python || i.source.starts_with('.'))
                })
    };
    let mut out = Vec::new();
    for (call_index, call) in model.calls.iter().enumerate() {
        let class = classes.iter().copied().filter(visible).find(|c| {
            let name = &cx.project.units[c.unit].model.breaker_classes[c.index].name;
            call.method() == name && (call.is_new || call.receiver().is_none())
        });
        let library = cx
            .knowledge
            .breakers
            .constructors
            .matches(&call.callee)
            .is_some();
        if class.is_none() && !library {
            continue;
        }
        out.push(BreakerSite {
            unit,
            call_index,
            call,
            name: call.assigned_to.as_deref(),
            class,
        });
    }
    out
}

/// Whether `receiver` names the breaker of `site`.
fn is_site_name(site: &BreakerSite, receiver: Option<&str>) -> bool {
    site.name.is_some() && site.name == receiver
}

/// The calls that run something under the breaker: `breaker.fire(...)`, `breaker.call(fn)`.
pub(super) fn guard_calls<'m>(cx: &Context<'m>, site: &BreakerSite) -> Vec<&'m Call> {
    let model = &cx.project.units[site.unit].model;
    // For a breaker class of the scanned code, its methods that run the caller's function.
    let run_methods: Vec<String> = site
        .class
        .map(|class| {
            let view = ClassView::new(cx, class);
            view.real_calls()
                .iter()
                .filter_map(|c| view.method_of(c.func))
                .filter_map(|m| view.model.functions[m].name.clone())
                .collect()
        })
        .unwrap_or_default();
    model
        .calls
        .iter()
        .filter(|c| {
            is_site_name(site, c.receiver())
                && (GUARD_METHODS.contains(&c.method())
                    || run_methods.iter().any(|m| m == c.method()))
        })
        .collect()
}

/// The security check a breaker guards: the function given to its constructor, the function
/// given to a guard call, or a function it decorates.
pub(super) fn guarded_by_site(cx: &Context, site: &BreakerSite) -> Option<Guarded> {
    let positional = site.call.args.iter().find(|a| a.keyword.is_none());
    if let Some(arg) = positional {
        if let Some(g) = guarded_arg(cx, site.unit, site.call.func, &arg.value) {
            return Some(g);
        }
    }
    for call in guard_calls(cx, site) {
        let Some(first) = call.args.iter().find(|a| a.keyword.is_none()) else {
            continue;
        };
        // `fire(...)` passes the guarded function's arguments, not a function.
        if call.method() == "fire" && !matches!(first.value, ArgValue::Function(_)) {
            continue;
        }
        if let Some(g) = guarded_arg(cx, site.unit, call.func, &first.value) {
            return Some(g);
        }
    }
    let model = &cx.project.units[site.unit].model;
    for (id, f) in model.functions.iter().enumerate() {
        let decorated = site
            .name
            .is_some_and(|n| f.decorators.iter().any(|d| d == n));
        if decorated {
            if let Some(g) = guarded_function(
                cx,
                FnRef {
                    unit: site.unit,
                    func: id,
                },
            ) {
                return Some(g);
            }
        }
    }
    if let Some(class) = site.class {
        return guarded_inside_class(cx, class);
    }
    None
}

/// What runs in place of the guarded call: a function or a literal value.
#[derive(Debug, Clone, Copy)]
pub(super) enum FallbackKind {
    Function(FnRef),
    Value(Value, Span),
}

#[derive(Debug, Clone)]
pub(super) struct Fallback {
    pub kind: FallbackKind,
    /// How a message names it: `` `breaker.fallback(...)` ``, `` `fallback_function=allow` ``.
    pub how: String,
}

fn fallback_of_arg(
    cx: &Context,
    unit: usize,
    call_index: usize,
    from: FnId,
    arg: &Arg,
) -> Option<FallbackKind> {
    let model = &cx.project.units[unit].model;
    match &arg.value {
        ArgValue::Function(id) => Some(FallbackKind::Function(FnRef { unit, func: *id })),
        ArgValue::Name(name) => cx
            .project
            .resolve_callee(unit, from, name)
            .map(FallbackKind::Function),
        _ => model
            .arg_literals
            .iter()
            .find(|l| l.call == call_index && l.key.is_none() && arg.span.contains(l.span))
            .map(|l| FallbackKind::Value(l.value, l.span)),
    }
}

/// The fallbacks attached to a breaker: `breaker.fallback(fn)`, a `fallback` option of its
/// constructor, `fallback_function=` as a keyword argument.
pub(super) fn fallbacks_of_site(cx: &Context, site: &BreakerSite) -> Vec<Fallback> {
    let model = &cx.project.units[site.unit].model;
    let breakers = &cx.knowledge.breakers;
    let mut out = Vec::new();
    for (index, call) in model.calls.iter().enumerate() {
        if !is_site_name(site, call.receiver())
            || !breakers.fallback_methods.iter().any(|m| m == call.method())
        {
            continue;
        }
        if let Some(arg) = call.args.first() {
            if let Some(kind) = fallback_of_arg(cx, site.unit, index, call.func, arg) {
                out.push(Fallback {
                    kind,
                    how: format!("the fallback given to `{}(...)`", call.callee),
                });
            }
        }
    }
    for arg in &site.call.args {
        let Some(keyword) = &arg.keyword else {
            continue;
        };
        if !breakers.fallback_options.iter().any(|o| o == keyword) {
            continue;
        }
        if let Some(kind) = fallback_of_arg(cx, site.unit, site.call_index, site.call.func, arg) {
            out.push(Fallback {
                kind,
                how: format!("the `{keyword}=` fallback"),
            });
        }
    }
    // `new CircuitBreaker(fn, { fallback: () => ... })`
    for (id, f) in model.functions.iter().enumerate() {
        let named = f
            .name
            .as_deref()
            .is_some_and(|n| breakers.fallback_options.iter().any(|o| o == n));
        let inside = site
            .call
            .args
            .iter()
            .any(|a| matches!(a.value, ArgValue::Object(_)) && a.span.contains(f.span));
        if named && inside {
            out.push(Fallback {
                kind: FallbackKind::Function(FnRef {
                    unit: site.unit,
                    func: id,
                }),
                how: "the `fallback` option's function".into(),
            });
        }
    }
    out
}

/// `@circuit(fallback_function=f)` (circuitbreaker) and other decorator breakers written as
/// calls: the decorated function and the fallback.
pub(super) struct DecoratedBreaker<'m> {
    pub func: FnId,
    pub decorator: &'m Call,
    pub fallbacks: Vec<Fallback>,
}

pub(super) fn decorated_breakers<'m>(cx: &Context<'m>, unit: usize) -> Vec<DecoratedBreaker<'m>> {
    let model = &cx.project.units[unit].model;
    let breakers = &cx.knowledge.breakers;
    let mut out = Vec::new();
    for d in &model.decorator_calls {
        let call = &model.calls[d.call];
        if breakers.guard_decorators.matches(&call.callee).is_none() {
            continue;
        }
        let mut fallbacks = Vec::new();
        for arg in &call.args {
            let Some(keyword) = &arg.keyword else {
                continue;
            };
            if !breakers.fallback_options.iter().any(|o| o == keyword) {
                continue;
            }
            if let Some(kind) = fallback_of_arg(cx, unit, d.call, call.func, arg) {
                fallbacks.push(Fallback {
                    kind,
                    how: format!("the `{keyword}=` fallback"),
                });
            }
        }
        out.push(DecoratedBreaker {
            func: d.func,
            decorator: call,
            fallbacks,
        });
    }
    out
}

/// A fallback policy combined with a breaker (cockatiel): `fallback(handleAll, () => true)`
/// wrapped with a breaker policy, or running a breaker inside its `execute`.
pub(super) struct FallbackPolicy<'m> {
    pub fallback: Fallback,
    /// The function run under the policy, for finding the check it guards.
    pub executes: Vec<(FnId, &'m Arg)>,
}

pub(super) fn fallback_policies<'m>(
    cx: &Context<'m>,
    unit: usize,
    sites: &[BreakerSite],
) -> Vec<FallbackPolicy<'m>> {
    let model = &cx.project.units[unit].model;
    let site_names: Vec<&str> = sites.iter().filter_map(|s| s.name).collect();
    let mut out = Vec::new();
    for (index, call) in model.calls.iter().enumerate() {
        if cx
            .knowledge
            .breakers
            .fallback_policies
            .matches(&call.callee)
            .is_none()
        {
            continue;
        }
        let receiver = call.receiver();
        if receiver.is_some_and(|r| site_names.contains(&r)) {
            continue; // `breaker.fallback(fn)`: a site's fallback, not a policy.
        }
        let value_arg = match (receiver, call.args.len()) {
            (None | Some("cockatiel"), n) if n >= 2 => &call.args[1],
            (Some(r), 1) if r.starts_with("Policy") => &call.args[0],
            _ => continue,
        };
        let Some(kind) = fallback_of_arg(cx, unit, index, call.func, value_arg) else {
            continue;
        };
        let Some(policy) = call.assigned_to.as_deref() else {
            continue;
        };
        // The names the policy runs under: itself, and `wrap(policy, breaker)`.
        let mut runners = vec![(policy.to_string(), false)];
        for wrap in model.calls.iter().filter(|c| c.method() == "wrap") {
            let names: Vec<&str> = wrap
                .args
                .iter()
                .filter_map(|a| match &a.value {
                    ArgValue::Name(n) => Some(n.as_str()),
                    _ => None,
                })
                .collect();
            if names.contains(&policy) {
                if let Some(w) = &wrap.assigned_to {
                    let with_breaker = names.iter().any(|n| site_names.contains(n));
                    runners.push((w.clone(), with_breaker));
                }
            }
        }
        let mut executes = Vec::new();
        let mut involves_breaker = false;
        for c in &model.calls {
            let Some((_, with_breaker)) = runners
                .iter()
                .find(|(r, _)| Some(r.as_str()) == c.receiver() && c.method() == "execute")
            else {
                continue;
            };
            let Some(arg) = c.args.first() else { continue };
            let runs_breaker = match arg.value {
                ArgValue::Function(id) => model.calls.iter().any(|inner| {
                    inner.func == id && inner.receiver().is_some_and(|r| site_names.contains(&r))
                }),
                _ => false,
            };
            involves_breaker |= *with_breaker || runs_breaker;
            executes.push((c.func, arg));
        }
        if involves_breaker {
            out.push(FallbackPolicy {
                fallback: Fallback {
                    kind,
                    how: format!("the fallback policy `{policy}`"),
                },
                executes,
            });
        }
    }
    out
}

/// The `return`s of a fallback function, or its literal value, with what they mean.
pub(super) fn fallback_results(cx: &Context, kind: FallbackKind) -> Vec<(usize, Span, Value)> {
    match kind {
        FallbackKind::Value(value, span) => vec![(usize::MAX, span, value)],
        FallbackKind::Function(f) => cx.project.units[f.unit]
            .model
            .exits
            .iter()
            .filter(|e| e.func == f.func && e.statement == ExitStatement::Return)
            .map(|e| (f.unit, e.span, e.value))
            .collect(),
    }
}

/// Whether any of these calls' results is used only as a truthiness test: directly
/// (`if (await breaker.fire(t))`) or through a variable that is never used another way.
pub(super) fn result_used_as_permission(model: &Model, calls: &[&Call]) -> bool {
    calls.iter().any(|call| {
        let direct = model
            .conditions
            .iter()
            .any(|c| c.is_call && c.func == call.func && c.span == call.span);
        let through = call.assigned_to.as_ref().is_some_and(|name| {
            let tests = model
                .conditions
                .iter()
                .filter(|c| c.func == call.func && c.name.as_deref() == Some(name.as_str()))
                .count();
            let reads = model
                .result_reads
                .iter()
                .find(|r| r.func == call.func && &r.name == name)
                .map_or(0, |r| r.reads as usize);
            tests > 0 && tests == reads
        });
        direct || through
    })
}

// ---- home-grown breaker classes ------------------------------------------------------------

/// A breaker class of the scanned code and its functions.
pub(super) struct ClassView<'m> {
    pub unit: usize,
    pub model: &'m Model,
    pub class: &'m BreakerClass,
    /// The class's methods and the functions nested in them, with their method.
    pub functions: Vec<(FnId, FnId)>,
}

impl<'m> ClassView<'m> {
    pub fn new(cx: &Context<'m>, class: ClassRef) -> ClassView<'m> {
        let model = &cx.project.units[class.unit].model;
        let bc = &model.breaker_classes[class.index];
        let mut functions: Vec<(FnId, FnId)> = Vec::new();
        for (id, f) in model.functions.iter().enumerate().skip(1) {
            if !bc.span.contains(f.span) {
                continue;
            }
            if f.owner.as_deref() == Some(bc.name.as_str()) {
                functions.push((id, id));
            } else if let Some(&(_, method)) = functions.iter().find(|(g, _)| f.parent == Some(*g))
            {
                functions.push((id, method));
            }
        }
        ClassView {
            unit: class.unit,
            model,
            class: bc,
            functions,
        }
    }

    pub fn method_of(&self, func: FnId) -> Option<FnId> {
        self.functions
            .iter()
            .find(|(f, _)| *f == func)
            .map(|(_, m)| *m)
    }

    fn contains(&self, func: FnId) -> bool {
        self.method_of(func).is_some()
    }

    /// The state a test selects, as [`BreakerState`], with flag-like fields (`isOpen`)
    /// mapped to their state.
    pub fn test_state(&self, cx: &Context, test: &StateTest) -> Option<BreakerState> {
        crate::project::breaker_state(&test.field, &test.value, &cx.knowledge.breakers)
    }

    pub fn write_state(&self, cx: &Context, write: &StateWrite) -> Option<BreakerState> {
        crate::project::breaker_state(&write.field, &write.value, &cx.knowledge.breakers)
    }

    pub fn half_open_writes(&self, cx: &Context) -> Vec<&'m StateWrite> {
        self.class
            .writes
            .iter()
            .filter(|w| self.write_state(cx, w) == Some(BreakerState::HalfOpen))
            .collect()
    }

    /// The branches that run while the circuit is open: `if (state === OPEN) { here }`,
    /// `if (state !== CLOSED) { here }`, `if (state === CLOSED) {...} else { here }`.
    pub fn open_branches(&self, cx: &Context) -> Vec<(&'m StateTest, Span)> {
        let mut out = Vec::new();
        for test in &self.class.tests {
            if !self.contains(test.func) {
                continue;
            }
            let state = self.test_state(cx, test);
            let branch = match (state, test.equal, test.joined) {
                (Some(BreakerState::Open), true, _) => Some(test.body),
                (Some(BreakerState::Closed), false, Joined::Single | Joined::And) => {
                    Some(test.body)
                }
                (Some(BreakerState::Closed), true, Joined::Single) => test.alternative,
                (Some(BreakerState::Open), false, Joined::Single) => test.alternative,
                _ => None,
            };
            if let Some(span) = branch {
                if !out.iter().any(|(_, s)| *s == span) {
                    out.push((test, span));
                }
            }
        }
        out
    }

    /// Tests that deny every request while the circuit is half-open: `if (state ===
    /// HALF_OPEN) throw`, `if (state !== CLOSED) { ...; throw }`.
    pub fn half_open_denials(&self, cx: &Context) -> Vec<(&'m StateTest, Span)> {
        let mut out = Vec::new();
        for test in &self.class.tests {
            if !self.contains(test.func) {
                continue;
            }
            let state = self.test_state(cx, test);
            let denies = match (state, test.equal, test.joined) {
                (Some(BreakerState::HalfOpen), true, Joined::Single | Joined::Or) => {
                    test.body_exits.then_some(test.body)
                }
                (Some(BreakerState::Closed), false, Joined::Single | Joined::Or) => {
                    test.body_exits.then_some(test.body)
                }
                (Some(BreakerState::Closed), true, Joined::Single) => {
                    test.alternative.filter(|_| test.alternative_exits)
                }
                _ => None,
            };
            if let Some(span) = denies {
                out.push((test, span));
            }
        }
        out
    }

    /// The calls that run the caller's function: a parameter (`fn()`, `func(*args)`,
    /// `fn.apply(...)`) or a field that holds a function given to the class
    /// (`this.action(...)`), leaving out health checks and fallbacks.
    pub fn real_calls(&self) -> Vec<&'m Call> {
        self.model
            .calls
            .iter()
            .filter(|c| self.contains(c.func) && self.runs_callers_function(c))
            .collect()
    }

    fn runs_callers_function(&self, call: &Call) -> bool {
        let callee = call.callee.as_str();
        let target = match callee.split_once('.') {
            None => callee,
            Some((head, "apply" | "call")) if !head.contains('.') => head,
            Some(("this" | "self", field)) if !field.contains('.') => {
                return self.class.callable_fields.iter().any(|f| f == field)
                    && !is_synthetic_or_fallback(field);
            }
            _ => return false,
        };
        if is_synthetic_or_fallback(target) {
            return false;
        }
        // A parameter of the calling function or of a function around it in the method.
        let mut func = Some(call.func);
        while let Some(id) = func {
            let f = &self.model.functions[id];
            if f.params.iter().any(|p| p == target) {
                return true;
            }
            if f.owner.as_deref() == Some(self.class.name.as_str()) {
                break;
            }
            func = f.parent;
        }
        false
    }
}

/// Whether a class is a circuit breaker: decided in one place for every rule,
/// [`crate::project::is_breaker_class`].
fn is_breaker(cx: &Context, class: &BreakerClass) -> bool {
    crate::project::is_breaker_class(class, &cx.knowledge.breakers)
}

/// A health check, probe, fallback, listener or clock: calling it is not running the caller's
/// request.
pub(super) fn is_synthetic_or_fallback(name: &str) -> bool {
    let n = normalize(name);
    let clock = matches!(
        n.as_str(),
        "now" | "time" | "sleep" | "delay" | "random" | "uuid"
    ) || n.contains("clock")
        || n.contains("timer");
    clock
        || [
            "health",
            "ping",
            "probe",
            "canary",
            "heartbeat",
            "fallback",
            "listener",
            "logger",
            "notify",
            "emit",
        ]
        .iter()
        .any(|w| n.contains(w))
        || (n.starts_with("on") && n.len() > 2)
}

/// The security check a breaker class guards by itself: a method that makes an auth,
/// rate-limit or allowlist call directly, or is named as one.
pub(super) fn guarded_inside_class(cx: &Context, class: ClassRef) -> Option<Guarded> {
    let view = ClassView::new(cx, class);
    view.functions
        .iter()
        .filter(|(f, m)| f == m)
        .find_map(|(f, _)| {
            let model = view.model;
            let function = &model.functions[*f];
            if let Some(auth) = function.name.as_deref().and_then(|n| check_by_name(cx, n)) {
                return Some(Guarded {
                    what: format!("`{}`", function.display_name()),
                    auth,
                });
            }
            model
                .calls
                .iter()
                .filter(|c| view.method_of(c.func) == Some(*f))
                .find_map(|c| {
                    check_by_name(cx, &c.callee).map(|auth| Guarded {
                        what: format!("`{}`", c.callee),
                        auth,
                    })
                })
        })
}

/// The security check a breaker class guards: inside the class, through an instance built
/// anywhere in the project, or as a decorator (`@CircuitBreaker(...)`).
pub(super) fn guarded_by_class(
    cx: &Context,
    class: ClassRef,
    classes: &[ClassRef],
) -> Option<Guarded> {
    if let Some(g) = guarded_inside_class(cx, class) {
        return Some(g);
    }
    let name = &cx.project.units[class.unit].model.breaker_classes[class.index].name;
    for unit in 0..cx.project.units.len() {
        for site in breaker_sites(cx, unit, classes) {
            if site.class == Some(class) {
                if let Some(g) = guarded_by_site(cx, &site) {
                    return Some(g);
                }
            }
        }
        let model = &cx.project.units[unit].model;
        for d in &model.decorator_calls {
            if model.calls[d.call].method() == name {
                if let Some(g) = guarded_function(cx, FnRef { unit, func: d.func }) {
                    return Some(g);
                }
            }
        }
    }
    None
}
