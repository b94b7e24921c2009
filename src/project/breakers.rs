//! Every circuit breaker of the project, library or home-grown, decided in one place: which
//! calls build one (`new CircuitBreaker(fn)`, `import CB from "opossum"; new CB(fn)`,
//! `pybreaker.CircuitBreaker()`, a breaker class of the scanned code), the calls that run
//! something under it (the `guard-calls` of `rules/breakers.toml` and a class's own runners),
//! the security check it guards, what runs in its place while it is open (fallbacks, fallback
//! policies, decorator fallbacks), and the state machine of home-grown breaker classes (open
//! branches, half-open transitions, the calls that run the caller's function).
//!
//! The project-wide facts (the breaker classes, the breakers built in each file, and what each
//! guards) are built once in the link stage ([`BreakerFacts`]); SEC002, SEC003, REL001 (through
//! `project/external.rs`) and REL004 read them.

use super::{FnRef, Linked, Project, Target};
use crate::knowledge::{BreakerState, Breakers, Knowledge, normalize};
use crate::model::*;

mod classes;
pub use classes::*;

/// Whether a method run on a breaker runs something under it: a `guard-calls` method of
/// `rules/breakers.toml` or one of its class's `runners`.
pub fn is_guard_method(knowledge: &Knowledge, runners: &[String], method: &str) -> bool {
    runners.iter().any(|r| r == method)
        || knowledge
            .breakers
            .guard_calls
            .matches(&format!("breaker.{method}"))
            .is_some()
}

/// A security check that a breaker guards.
#[derive(Debug, Clone)]
pub struct Guarded {
    /// How a message names it: `` `verifyToken` ``, `` `check` (which calls `jwt.verify`) ``.
    pub what: String,
    /// An auth call, as opposed to a rate-limit, quota or allowlist check.
    pub auth: bool,
}

/// Whether a name (a callee or a function's name) says it is a security check, and which kind.
fn check_by_name(cx: &Linked, name: &str) -> Option<bool> {
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
pub fn guarded_function(cx: &Linked, f: FnRef) -> Option<Guarded> {
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
pub fn guarded_arg(cx: &Linked, unit: usize, from: FnId, value: &ArgValue) -> Option<Guarded> {
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

/// The breakers of the project, built once in the link stage: the breaker classes, the
/// breakers each file builds with the calls that run something under them, and the security
/// check each guards.
#[derive(Debug, Default)]
pub struct BreakerFacts {
    /// Every breaker-shaped class of the project.
    pub classes: Vec<ClassRef>,
    /// Per entry of `classes`: the security check the class guards.
    class_guarded: Vec<Option<Guarded>>,
    /// Per unit: the breakers it builds, in call order.
    sites: Vec<Vec<Site>>,
    /// Per unit: functions under a breaker decorator written as a call (`@circuit(...)`).
    decorated: Vec<Vec<Decorated>>,
    /// Per unit: fallback policies combined with a breaker (cockatiel).
    policies: Vec<Vec<Policy>>,
}

#[derive(Debug)]
struct Decorated {
    func: FnId,
    /// The decorator call.
    call: usize,
    fallbacks: Vec<Fallback>,
}

#[derive(Debug)]
struct Policy {
    fallback: Fallback,
    /// The calls that run a function under the policy (`policy.execute(fn)`), by function.
    executes: Vec<(FnId, usize)>,
}

/// A breaker one file builds, as the facts keep it.
#[derive(Debug)]
struct Site {
    call_index: usize,
    class: Option<ClassRef>,
    /// Calls of the file that run something under it.
    guard_calls: Vec<usize>,
    guarded: Option<Guarded>,
    /// What runs in its place while it is open.
    fallbacks: Vec<Fallback>,
}

impl BreakerFacts {
    pub fn build(cx: &Linked) -> BreakerFacts {
        use rayon::prelude::*;
        let project = cx.project;
        let mut classes = Vec::new();
        for (unit, u) in project.units.iter().enumerate() {
            for (index, class) in u.model.breaker_classes.iter().enumerate() {
                if is_breaker_class(class, &cx.knowledge.breakers) {
                    classes.push(ClassRef { unit, index });
                }
            }
        }
        type PerUnit = (Vec<Site>, Vec<Decorated>, Vec<Policy>);
        let per_unit: Vec<PerUnit> = (0..project.units.len())
            .into_par_iter()
            .map(|unit| {
                let found = find_sites(cx, unit, &classes);
                let sites = found
                    .iter()
                    .map(|site| {
                        let guard_calls = find_guard_calls(cx, site);
                        let guarded = find_guarded(cx, site, &guard_calls);
                        Site {
                            call_index: site.call_index,
                            class: site.class,
                            guard_calls,
                            guarded,
                            fallbacks: find_fallbacks(cx, site),
                        }
                    })
                    .collect();
                (
                    sites,
                    find_decorated(cx, unit),
                    find_policies(cx, unit, &found),
                )
            })
            .collect();
        let mut facts = BreakerFacts {
            classes,
            ..BreakerFacts::default()
        };
        for (sites, decorated, policies) in per_unit {
            facts.sites.push(sites);
            facts.decorated.push(decorated);
            facts.policies.push(policies);
        }
        facts.class_guarded = facts
            .classes
            .iter()
            .map(|&class| find_class_guarded(cx, class, &facts.sites))
            .collect();
        facts
    }
}

/// A call that builds a breaker: a library constructor (`new CircuitBreaker(fn, opts)`,
/// `pybreaker.CircuitBreaker()`, cockatiel's `circuitBreaker(...)`, the constructor under an
/// alias, `import CB from "opossum"; new CB(fn)`) or a breaker class of the scanned code.
pub struct BreakerSite<'m> {
    pub unit: usize,
    /// Its place among the unit's breakers in [`BreakerFacts`].
    index: usize,
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
pub struct ClassRef {
    pub unit: usize,
    pub index: usize,
}

/// Every breaker-shaped class of the project.
pub fn breaker_classes<'c>(cx: &Linked<'c>) -> &'c [ClassRef] {
    &cx.project.breakers.classes
}

/// Whether call `index` of `unit` calls a breaker constructor of `rules/breakers.toml`, as
/// written or with its import resolved (`import CB from "opossum"; new CB(fn)`).
pub fn is_breaker_constructor(
    project: &Project,
    knowledge: &Knowledge,
    unit: usize,
    index: usize,
) -> bool {
    let call = &project.units[unit].model.calls[index];
    constructs_breaker(
        knowledge,
        &call.callee,
        project.canonical_callee(unit, index),
    )
}

/// Whether a callee, as written or canonical, is a breaker constructor: the one test REL001's
/// bindings and the breaker facts share.
pub fn constructs_breaker(knowledge: &Knowledge, callee: &str, canonical: Option<&str>) -> bool {
    let constructors = &knowledge.breakers.constructors;
    constructors.matches(callee).is_some()
        || canonical.is_some_and(|c| constructors.matches(c).is_some())
}

/// The breakers built in `unit`.
pub fn breaker_sites<'m>(cx: &Linked<'m>, unit: usize) -> Vec<BreakerSite<'m>> {
    let model = &cx.project.units[unit].model;
    cx.project.breakers.sites[unit]
        .iter()
        .enumerate()
        .map(|(index, s)| {
            let call = &model.calls[s.call_index];
            BreakerSite {
                unit,
                index,
                call_index: s.call_index,
                call,
                name: call.assigned_to.as_deref(),
                class: s.class,
            }
        })
        .collect()
}

/// The breakers built in `unit`, found: library constructors and breaker classes of the
/// scanned code.
fn find_sites<'m>(cx: &Linked<'m>, unit: usize, classes: &[ClassRef]) -> Vec<BreakerSite<'m>> {
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
        if class.is_none() && !is_breaker_constructor(cx.project, cx.knowledge, unit, call_index) {
            continue;
        }
        out.push(BreakerSite {
            unit,
            index: out.len(),
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
pub fn guard_calls<'m>(cx: &Linked<'m>, site: &BreakerSite) -> Vec<&'m Call> {
    let model = &cx.project.units[site.unit].model;
    cx.project.breakers.sites[site.unit][site.index]
        .guard_calls
        .iter()
        .map(|&i| &model.calls[i])
        .collect()
}

/// The calls that run something under the breaker: a guard call of `rules/breakers.toml` on
/// its name, or a method of its breaker class that runs the caller's function.
fn find_guard_calls(cx: &Linked, site: &BreakerSite) -> Vec<usize> {
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
        .enumerate()
        .filter(|(_, c)| {
            is_site_name(site, c.receiver())
                && is_guard_method(cx.knowledge, &run_methods, c.method())
        })
        .map(|(i, _)| i)
        .collect()
}

/// The security check a breaker guards.
pub fn guarded_by_site(cx: &Linked, site: &BreakerSite) -> Option<Guarded> {
    cx.project.breakers.sites[site.unit][site.index]
        .guarded
        .clone()
}

/// The security check a breaker guards: the function given to its constructor, the function
/// given to a guard call, or a function it decorates.
fn find_guarded(cx: &Linked, site: &BreakerSite, guard_calls: &[usize]) -> Option<Guarded> {
    let positional = site.call.args.iter().find(|a| a.keyword.is_none());
    if let Some(arg) = positional {
        if let Some(g) = guarded_arg(cx, site.unit, site.call.func, &arg.value) {
            return Some(g);
        }
    }
    let model = &cx.project.units[site.unit].model;
    for call in guard_calls.iter().map(|&i| &model.calls[i]) {
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
pub enum FallbackKind {
    Function(FnRef),
    Value(Value, Span),
}

#[derive(Debug, Clone)]
pub struct Fallback {
    pub kind: FallbackKind,
    /// How a message names it: `` `breaker.fallback(...)` ``, `` `fallback_function=allow` ``.
    pub how: String,
}

fn fallback_of_arg(
    cx: &Linked,
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
pub fn fallbacks_of_site(cx: &Linked, site: &BreakerSite) -> Vec<Fallback> {
    cx.project.breakers.sites[site.unit][site.index]
        .fallbacks
        .clone()
}

fn find_fallbacks(cx: &Linked, site: &BreakerSite) -> Vec<Fallback> {
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
pub struct DecoratedBreaker<'m> {
    pub func: FnId,
    pub decorator: &'m Call,
    pub fallbacks: Vec<Fallback>,
}

pub fn decorated_breakers<'m>(cx: &Linked<'m>, unit: usize) -> Vec<DecoratedBreaker<'m>> {
    let model = &cx.project.units[unit].model;
    cx.project.breakers.decorated[unit]
        .iter()
        .map(|d| DecoratedBreaker {
            func: d.func,
            decorator: &model.calls[d.call],
            fallbacks: d.fallbacks.clone(),
        })
        .collect()
}

fn find_decorated(cx: &Linked, unit: usize) -> Vec<Decorated> {
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
        out.push(Decorated {
            func: d.func,
            call: d.call,
            fallbacks,
        });
    }
    out
}

/// A fallback policy combined with a breaker (cockatiel): `fallback(handleAll, () => true)`
/// wrapped with a breaker policy, or running a breaker inside its `execute`.
pub struct FallbackPolicy<'m> {
    pub fallback: Fallback,
    /// The function run under the policy, for finding the check it guards.
    pub executes: Vec<(FnId, &'m Arg)>,
}

pub fn fallback_policies<'m>(cx: &Linked<'m>, unit: usize) -> Vec<FallbackPolicy<'m>> {
    let model = &cx.project.units[unit].model;
    cx.project.breakers.policies[unit]
        .iter()
        .map(|p| FallbackPolicy {
            fallback: p.fallback.clone(),
            executes: p
                .executes
                .iter()
                .map(|&(func, call)| (func, &model.calls[call].args[0]))
                .collect(),
        })
        .collect()
}

fn find_policies(cx: &Linked, unit: usize, sites: &[BreakerSite]) -> Vec<Policy> {
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
        for (ci, c) in model.calls.iter().enumerate() {
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
            executes.push((c.func, ci));
        }
        if involves_breaker {
            out.push(Policy {
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
pub fn fallback_results(cx: &Linked, kind: FallbackKind) -> Vec<(usize, Span, Value)> {
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
pub fn result_used_as_permission(model: &Model, calls: &[&Call]) -> bool {
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

/// The security check a breaker class guards by itself: a method that makes an auth,
/// rate-limit or allowlist call directly, or is named as one.
pub fn guarded_inside_class(cx: &Linked, class: ClassRef) -> Option<Guarded> {
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
pub fn guarded_by_class(cx: &Linked, class: ClassRef) -> Option<Guarded> {
    let facts = &cx.project.breakers;
    let at = facts.classes.iter().position(|c| *c == class)?;
    facts.class_guarded[at].clone()
}

fn find_class_guarded(cx: &Linked, class: ClassRef, sites: &[Vec<Site>]) -> Option<Guarded> {
    if let Some(g) = guarded_inside_class(cx, class) {
        return Some(g);
    }
    let name = &cx.project.units[class.unit].model.breaker_classes[class.index].name;
    for (unit, unit_sites) in sites.iter().enumerate() {
        for site in unit_sites {
            if site.class == Some(class) && site.guarded.is_some() {
                return site.guarded.clone();
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

// ---- inline and gate-style breakers around a call ------------------------------------------

/// Whether a branch on a breaker's state is taken, not taken, or unknown once the state is
/// `state`.
pub fn test_taken(breakers: &Breakers, test: &StateTest, state: BreakerState) -> Option<bool> {
    let tested = breaker_state(&test.field, &test.value, breakers)?;
    let holds = (tested == state) == test.equal;
    match (holds, test.joined) {
        (true, Joined::And) | (false, Joined::Or) => None,
        (holds, _) => Some(holds),
    }
}

/// Whether a test outside a breaker class is on a breaker's state: a name only a breaker keeps
/// (`_circuit_open`, `breaker_tripped`, `opened_at`, `open_until`) or a circuit state constant
/// (`CircuitState.OPEN`). A bare `is_closed` / `open` is a connection's or a file's.
fn inline_breaker_test(breakers: &Breakers, test: &StateTest) -> bool {
    let field = normalize(&test.field);
    let value = normalize(&test.value);
    ["circuit", "breaker", "trip"]
        .iter()
        .any(|w| field.contains(w) || value.contains(w))
        || breakers.open_time_fields.matches(&test.field).is_some()
}

/// Whether a call on `receiver` asks a breaker for permission: a `gate-methods` method
/// (`allow_request()`, `before_send()`) on a name that says breaker (`breaker`,
/// `self._circuit`) or on an instance of a breaker class of the file.
pub fn is_gate_call(knowledge: &Knowledge, model: &Model, call: &Call) -> bool {
    let Some(receiver) = call.receiver() else {
        return false;
    };
    if knowledge
        .breakers
        .gate_methods
        .matches(call.method())
        .is_none()
    {
        return false;
    }
    let says_breaker = |name: &str| {
        let last = normalize(name.rsplit('.').next().unwrap_or(name));
        ["breaker", "circuit", "fuse"]
            .iter()
            .any(|w| last.contains(w))
    };
    says_breaker(receiver)
        || model.instances.iter().any(|i| {
            i.name == receiver
                && (says_breaker(&i.class)
                    || model.breaker_classes.iter().any(|c| {
                        i.class.rsplit('.').next() == Some(c.name.as_str())
                            && is_breaker_class(c, &knowledge.breakers)
                    }))
        })
}

/// The parts of a file that a breaker written into the calling code guards: after a gate call
/// (`if not breaker.allow_request(): return ...`, `breaker.before_send()`), after a branch on
/// the breaker's state that leaves while it is open (`if time.monotonic() < _open_until:
/// return "unavailable"`, `if (this.circuitOpen) throw ...`), and inside a branch taken only
/// while it is closed (`if not self._circuit_open: ...`). Each runs to the end of its function.
pub fn inline_guard_regions(knowledge: &Knowledge, model: &Model) -> Vec<Span> {
    let breakers = &knowledge.breakers;
    let to_end = |func: FnId, from: u32| Span {
        start: from,
        end: model.functions[func].span.end,
    };
    let mut out = Vec::new();
    // Tests of a breaker class are its own; others must be on a name only a breaker keeps.
    let tests =
        model
            .state_tests
            .iter()
            .map(|t| (t, false))
            .chain(model.breaker_classes.iter().flat_map(|c| {
                let breaker = is_breaker_class(c, breakers);
                c.tests.iter().map(move |t| (t, breaker))
            }));
    // A branch that leaves (returns or raises) somewhere inside.
    let leaves =
        |branch: Span, always: bool| always || model.exits.iter().any(|e| branch.contains(e.span));
    for (test, in_breaker_class) in tests {
        if !in_breaker_class && !inline_breaker_test(breakers, test) {
            continue;
        }
        let open_only = test_taken(breakers, test, BreakerState::Closed) == Some(false);
        let closed_only = test_taken(breakers, test, BreakerState::Open) == Some(false);
        if open_only && leaves(test.body, test.body_exits) {
            out.push(to_end(test.func, test.body.end));
        }
        if closed_only {
            out.push(test.body);
            if let Some(alternative) = test.alternative {
                if leaves(alternative, test.alternative_exits) {
                    out.push(to_end(test.func, alternative.end));
                }
            }
        }
    }
    for call in &model.calls {
        if is_gate_call(knowledge, model, call) {
            out.push(to_end(call.func, call.span.end));
        }
    }
    out
}

/// A branch of the calling code that runs while a breaker written into it is open: the branch
/// of a test on its state (`if time.monotonic() < _open_until:`), or the branch a gate call
/// refuses (`if not breaker.allow_request():`).
#[derive(Debug, Clone)]
pub struct InlineOpenBranch {
    pub func: FnId,
    pub branch: Span,
    /// When the branch runs: `` `_open_until` says the circuit is open ``,
    /// `` `breaker.allow_request()` refuses ``.
    pub when: String,
}

/// The open branches of the breakers written into the calling code of `model` (see
/// [`inline_guard_regions`]); classes that are breakers themselves are left to their own
/// state machine.
pub fn inline_open_branches(knowledge: &Knowledge, model: &Model) -> Vec<InlineOpenBranch> {
    let breakers = &knowledge.breakers;
    let tests = model.state_tests.iter().chain(
        model
            .breaker_classes
            .iter()
            .filter(|c| !is_breaker_class(c, breakers))
            .flat_map(|c| c.tests.iter()),
    );
    let mut out = Vec::new();
    for test in tests {
        let state_side = if !inline_breaker_test(breakers, test) {
            None
        } else if test_taken(breakers, test, BreakerState::Closed) == Some(false) {
            Some(test.body)
        } else if test_taken(breakers, test, BreakerState::Open) == Some(false) {
            test.alternative
        } else {
            None
        };
        if let Some(branch) = state_side {
            out.push(InlineOpenBranch {
                func: test.func,
                branch,
                when: format!("`{}` says the circuit is open", test.field),
            });
            continue;
        }
        // `if not breaker.allow_request(): ...`: the test of a gate call's answer.
        if test.value != "true" || test.joined != Joined::Single {
            continue;
        }
        let gate = model
            .calls
            .iter()
            .filter(|c| {
                c.func == test.func
                    && c.method() == test.field
                    && c.span.end <= test.body.start
                    && is_gate_call(knowledge, model, c)
            })
            .max_by_key(|c| c.span.start);
        let Some(gate) = gate else { continue };
        let refused = if test.equal {
            test.alternative
        } else {
            Some(test.body)
        };
        if let Some(branch) = refused {
            out.push(InlineOpenBranch {
                func: test.func,
                branch,
                when: format!("`{}()` refuses", gate.callee),
            });
        }
    }
    out
}
