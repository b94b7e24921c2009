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
    // A field only a breaker keeps (`_circuit_open_until`, `opened_at`, `_circuit_open`),
    // opened and closed by the class itself.
    let breaker_field = |field: &str| {
        let f = normalize(field);
        breakers.open_time_fields.matches(field).is_some()
            || ["circuit", "breaker", "trip"].iter().any(|w| f.contains(w))
    };
    let field_states = |field: &str| {
        let of = |state| {
            class.writes.iter().any(|w| {
                w.field == field && breaker_state(&w.field, &w.value, breakers) == Some(state)
            })
        };
        of(BreakerState::Open) && of(BreakerState::Closed)
    };
    let breaker_fields = class
        .writes
        .iter()
        .any(|w| breaker_field(&w.field) && field_states(&w.field));
    states.contains(&BreakerState::Open)
        && (states.contains(&BreakerState::HalfOpen) || breaker_name || breaker_fields)
}

/// The breaker state a field's constant names: a flag field (`isOpen = true`, `halfOpen =
/// true`, `_circuit_open = False`, tested as `this.isOpen()`), a timestamp field (`opened_at =
/// now()` opens, `open_until = 0` / `opened_at = None` closes; `*` stands for a time), or a
/// state constant (`"open"`, `State.HALF_OPEN`).
pub fn breaker_state(field: &str, value: &str, breakers: &Breakers) -> Option<BreakerState> {
    let flag = match value {
        "true" | "false" => {
            let set = value == "true";
            if breakers.half_open_flags.matches(field).is_some() {
                set.then_some(BreakerState::HalfOpen)
            } else if breakers.open_flags.matches(field).is_some() {
                Some(if set {
                    BreakerState::Open
                } else {
                    BreakerState::Closed
                })
            } else if set && matches!(normalize(field).as_str(), "isclosed" | "closed") {
                Some(BreakerState::Closed)
            } else {
                None
            }
        }
        _ if breakers.open_time_fields.matches(field).is_some() => match value {
            "None" | "null" | "undefined" | "0" => Some(BreakerState::Closed),
            "*" => Some(BreakerState::Open),
            _ => None,
        },
        _ => None,
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

// ---- gate-style breakers ------------------------------------------------------------------

impl<'m> ClassView<'m> {
    /// The class's own methods (not the functions nested in them).
    pub fn methods(&self) -> impl Iterator<Item = FnId> + '_ {
        self.functions
            .iter()
            .filter(|(f, m)| f == m)
            .map(|(f, _)| *f)
    }

    fn method_named(&self, name: &str) -> Option<FnId> {
        self.methods()
            .find(|&m| self.model.functions[m].name.as_deref() == Some(name))
    }

    /// A method that decides whether a request may go on: named as one in `gate-methods` of
    /// `rules/breakers.toml` (`allow_request`, `before_send`), or one that tests the breaker's
    /// state and denies by raising or returning false.
    pub fn is_gate(&self, cx: &Linked, method: FnId) -> bool {
        let f = &self.model.functions[method];
        let named = f
            .name
            .as_deref()
            .is_some_and(|n| cx.knowledge.breakers.gate_methods.matches(n).is_some());
        let denies = self.model.exits.iter().any(|e| {
            e.func == method
                && (e.statement == ExitStatement::Throw
                    || matches!(e.value, Value::False | Value::Deny))
        });
        let tests = self
            .class
            .tests
            .iter()
            .any(|t| t.func == method && self.test_state(cx, t).is_some());
        named || denies && tests
    }

    /// The place in method `from` where `target` runs: a call `this.m()` / `self.m()` that
    /// reaches it, a few methods deep.
    pub fn call_reaching(&self, from: FnId, target: FnId) -> Option<Span> {
        let mut seen = vec![from];
        self.calls_reaching(from, target, &mut seen)
    }

    fn calls_reaching(&self, from: FnId, target: FnId, seen: &mut Vec<FnId>) -> Option<Span> {
        for call in &self.model.calls {
            if call.func != from {
                continue;
            }
            let Some(name) = call
                .callee
                .strip_prefix("this.")
                .or_else(|| call.callee.strip_prefix("self."))
            else {
                continue;
            };
            let Some(m) = self.method_named(name) else {
                continue;
            };
            if m == target {
                return Some(call.span);
            }
            if seen.contains(&m) || seen.len() > 16 {
                continue;
            }
            seen.push(m);
            if self.calls_reaching(m, target, seen).is_some() {
                return Some(call.span);
            }
        }
        None
    }

    /// Whether a test is taken, not taken, or unknown once the state is `state`.
    pub fn taken_in(&self, cx: &Linked, test: &StateTest, state: BreakerState) -> Option<bool> {
        let tested = self.test_state(cx, test)?;
        let holds = (tested == state) == test.equal;
        match (holds, test.joined) {
            (true, Joined::And) | (false, Joined::Or) => None,
            (holds, _) => Some(holds),
        }
    }

    /// Whether gate `gate`, once the state is `after` at `site` (the transition, or the call
    /// that makes it), lets the request go on: some exit after `site` that the branch
    /// structure does not rule out grants (returns true, an object, the state; or the gate
    /// denies only by raising and this exit or the end of the method returns), and no branch
    /// taken in that state denies first (`if state == HALF_OPEN: return False`), and the
    /// transition's own branch does not end by denying.
    pub fn lets_through(&self, cx: &Linked, gate: FnId, site: Span, after: BreakerState) -> bool {
        let exits: Vec<&Exit> = self
            .model
            .exits
            .iter()
            .filter(|e| e.func == gate && e.span.start >= site.end)
            .collect();
        let returns_false = self.model.exits.iter().any(|e| {
            e.func == gate
                && e.statement == ExitStatement::Return
                && matches!(e.value, Value::False | Value::Deny)
        });
        let deny = |e: &Exit| match e.statement {
            ExitStatement::Throw => true,
            ExitStatement::Return => match e.value {
                Value::False | Value::Deny => true,
                Value::Null => returns_false,
                _ => false,
            },
        };
        let tests: Vec<&StateTest> = self.class.tests.iter().filter(|t| t.func == gate).collect();
        // Exits in a branch the state rules out, or on the other side of the transition's.
        let ruled_out = |e: &Exit| {
            tests.iter().any(|t| {
                let other_side = (t.body.contains(site)
                    && t.alternative.is_some_and(|a| a.contains(e.span)))
                    || (t.alternative.is_some_and(|a| a.contains(site)) && t.body.contains(e.span));
                let not_taken = t.body.start >= site.end
                    && t.body.contains(e.span)
                    && self.taken_in(cx, t, after) == Some(false);
                other_side || not_taken
            })
        };
        // The transition's own branch ends by denying: `state = HALF_OPEN; start_probe();
        // return False`.
        let innermost = tests
            .iter()
            .flat_map(|t| {
                [
                    Some((t.body, t.body_exits)),
                    t.alternative.map(|a| (a, t.alternative_exits)),
                ]
            })
            .flatten()
            .filter(|(span, _)| span.contains(site))
            .min_by_key(|(span, _)| span.end - span.start);
        let last_in = |span: Span| {
            exits
                .iter()
                .filter(|e| span.contains(e.span))
                .max_by_key(|e| e.span.start)
                .copied()
        };
        if let Some((branch, true)) = innermost {
            if let Some(last) = last_in(branch) {
                let grants_before = exits
                    .iter()
                    .any(|e| branch.contains(e.span) && e.span.start < last.span.start && !deny(e));
                if deny(last) && !grants_before {
                    return false;
                }
            }
        }
        // A branch taken in the new state that always denies (`if state == HALF_OPEN:
        // return False`), before any grant.
        let first_grant = exits
            .iter()
            .filter(|e| !ruled_out(e) && !deny(e))
            .map(|e| e.span.start)
            .min();
        let denied_first = tests.iter().any(|t| {
            t.body.start >= site.end
                && t.body_exits
                && self.taken_in(cx, t, after) == Some(true)
                && first_grant
                    .is_none_or(|g| t.body.start < g && !(t.body.start <= g && g < t.body.end))
                && last_in(t.body).is_some_and(deny)
        });
        if denied_first {
            return false;
        }
        first_grant.is_some() || !returns_false
    }

    /// Whether a method reads a clock (`time.monotonic()`, `Date.now()`): a timer decides.
    pub fn reads_clock(&self, method: FnId) -> bool {
        self.model.calls.iter().any(|c| {
            self.method_of(c.func) == Some(method) && {
                let m = normalize(c.method());
                matches!(
                    m.as_str(),
                    "now" | "monotonic" | "time" | "perfcounter" | "utcnow" | "timestamp"
                ) || (m == "gettime" && c.receiver().is_some())
            }
        })
    }
}
