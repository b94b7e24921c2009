//! Home-grown breaker classes: which classes are breakers (their states from
//! `rules/breakers.toml` and flag fields), the methods that run the caller's function, and the
//! state machine the rules read (open branches, half-open transitions and denials).

use super::*;

/// A home-grown circuit breaker: a class [`is_breaker_class`] accepts, with the methods that run
/// the caller's function.
#[derive(Debug, Clone)]
pub struct HomeGrownBreaker {
    pub name: String,
    /// Methods that call a function passed to them (`execute(fn)`) or kept by the class
    /// (`fire()` calling `this.action`).
    pub runners: Vec<String>,
    /// The class keeps a function it is given (`new Breaker(fetchQuote)`): its runners run
    /// the constructor's function arguments.
    pub wraps_constructor_args: bool,
}

/// Whether a class the front end saw writing and testing constants on its fields
/// ([`crate::model::BreakerClass`]) is a circuit breaker: it has an open state and either a
/// half-open state or a name that says breaker (`CircuitBreaker`, `ServiceFuse`); a connection
/// or ticket class with `"open"` / `"closed"` states is not one. States come from
/// `rules/breakers.toml` and from flag fields (`isOpen = true`).
///
/// This is the one place that decides what a home-grown breaker is: REL001 asks it through
/// [`home_grown_breakers`], SEC002, SEC003 and REL004 through [`super::BreakerFacts`].
pub fn is_breaker_class(class: &crate::model::BreakerClass, breakers: &Breakers) -> bool {
    let states: Vec<BreakerState> = class
        .writes
        .iter()
        .map(|w| (&w.field, &w.value))
        .chain(class.tests.iter().map(|t| (&t.field, &t.value)))
        .filter_map(|(field, value)| breaker_state(field, value, breakers))
        .collect();
    let name = normalize(&class.name);
    let breaker_name = ["breaker", "circuit", "fuse"]
        .iter()
        .any(|w| name.contains(w));
    states.contains(&BreakerState::Open)
        && (states.contains(&BreakerState::HalfOpen) || breaker_name)
}

/// The breaker state a field's constant names: a flag field (`isOpen = true`, `halfOpen =
/// true`, tested as `this.isOpen()`) or a state constant (`"open"`, `State.HALF_OPEN`).
pub fn breaker_state(field: &str, value: &str, breakers: &Breakers) -> Option<BreakerState> {
    let flag = if value == "true" {
        match normalize(field).as_str() {
            "isopen" | "open" | "opened" | "tripped" | "istripped" => Some(BreakerState::Open),
            "ishalfopen" | "halfopen" => Some(BreakerState::HalfOpen),
            "isclosed" | "closed" => Some(BreakerState::Closed),
            _ => None,
        }
    } else {
        None
    };
    flag.or_else(|| breakers.state_of(value))
}

/// The home-grown circuit breakers of one file: classes [`is_breaker_class`] accepts that have a
/// method running a function it is given (`async execute(fn) { ... return await fn() }`) or one
/// the class keeps (`fire(...args) { return this.action(...args) }`).
pub fn home_grown_breakers(model: &Model, knowledge: &Knowledge) -> Vec<HomeGrownBreaker> {
    model
        .breaker_classes
        .iter()
        .filter_map(|class| home_grown_breaker(model, class, knowledge))
        .collect()
}

/// `class` as a home-grown breaker, if it is one (see [`home_grown_breakers`]).
fn home_grown_breaker(
    model: &Model,
    class: &BreakerClass,
    knowledge: &Knowledge,
) -> Option<HomeGrownBreaker> {
    if !is_breaker_class(class, &knowledge.breakers) {
        return None;
    }
    // The runners are the methods whose calls run the caller's function: the same calls
    // SEC002, SEC003 and REL004 read through [`ClassView::real_calls`].
    let view = ClassView::of(0, model, class);
    let mut runners: Vec<String> = Vec::new();
    let mut keeps = false;
    for call in view.real_calls() {
        keeps |= call.callee.starts_with("this.") || call.callee.starts_with("self.");
        let Some(method) = view.method_of(call.func) else {
            continue;
        };
        if let Some(name) = &model.functions[method].name {
            if !runners.contains(name) {
                runners.push(name.clone());
            }
        }
    }
    let owner = class.name.as_str();
    (!runners.is_empty()).then(|| HomeGrownBreaker {
        name: owner.to_string(),
        runners,
        wraps_constructor_args: keeps,
    })
}

/// The breaker-shaped class a name refers to, in this file or imported.
pub fn breaker_class_of(
    project: &Project,
    knowledge: &Knowledge,
    unit: usize,
    class: &str,
) -> Option<HomeGrownBreaker> {
    let name = class.rsplit('.').next().unwrap_or(class);
    let (target, name) = match project.resolve_name(unit, class, 0) {
        Some(Target::Class(u, c)) => (u, c),
        _ => (unit, name.to_string()),
    };
    // Only the class of that name is judged: this runs for every instance and constructor call.
    let model = &project.units[target].model;
    model
        .breaker_classes
        .iter()
        .filter(|c| c.name == name)
        .find_map(|class| home_grown_breaker(model, class, knowledge))
}

// ---- home-grown breaker classes ------------------------------------------------------------

/// A breaker class of the scanned code and its functions.
pub struct ClassView<'m> {
    pub unit: usize,
    pub model: &'m Model,
    pub class: &'m BreakerClass,
    /// The class's methods and the functions nested in them, with their method.
    pub functions: Vec<(FnId, FnId)>,
}

impl<'m> ClassView<'m> {
    pub fn new(cx: &Linked<'m>, class: ClassRef) -> ClassView<'m> {
        let model = &cx.project.units[class.unit].model;
        ClassView::of(class.unit, model, &model.breaker_classes[class.index])
    }

    /// The view of class `bc` of `model`, the model of unit `unit`.
    pub fn of(unit: usize, model: &'m Model, bc: &'m BreakerClass) -> ClassView<'m> {
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
            unit,
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
    pub fn test_state(&self, cx: &Linked, test: &StateTest) -> Option<BreakerState> {
        breaker_state(&test.field, &test.value, &cx.knowledge.breakers)
    }

    pub fn write_state(&self, cx: &Linked, write: &StateWrite) -> Option<BreakerState> {
        breaker_state(&write.field, &write.value, &cx.knowledge.breakers)
    }

    pub fn half_open_writes(&self, cx: &Linked) -> Vec<&'m StateWrite> {
        self.class
            .writes
            .iter()
            .filter(|w| self.write_state(cx, w) == Some(BreakerState::HalfOpen))
            .collect()
    }

    /// The branches that run while the circuit is open: `if (state === OPEN) { here }`,
    /// `if (state !== CLOSED) { here }`, `if (state === CLOSED) {...} else { here }`.
    pub fn open_branches(&self, cx: &Linked) -> Vec<(&'m StateTest, Span)> {
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
    pub fn half_open_denials(&self, cx: &Linked) -> Vec<(&'m StateTest, Span)> {
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

/// A health check, probe, fallback, listener or clock: calling it is not running the caller's
/// request.
pub fn is_synthetic_or_fallback(name: &str) -> bool {
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
