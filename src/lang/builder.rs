//! What both front ends share: the model under construction, the stack of functions being
//! lowered, the try regions and handlers currently open, and the error-taint environment.
//!
//! A front end walks its tree and calls these methods; the builder keeps the bookkeeping
//! (which function a call is in, which try protects it, which handler an exit belongs to)
//! in one place.

use std::collections::{HashMap, HashSet};

use crate::knowledge::LoweringVocabulary;
pub(crate) use crate::model::short;
use crate::model::*;

/// Where an error value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// Bound by a `catch` / `except` clause (the span of the binding), or produced by
    /// `traceback.format_exc()` (the span of that call).
    Caught(Span),
    /// A parameter of the function being lowered: tracked to learn which parameters reach
    /// the return value.
    Param(usize),
}

/// What the environment knows about a local name.
#[derive(Debug, Clone)]
pub(crate) enum Taint {
    /// The error object itself, or an alias of it.
    Object(Origin),
    /// Text derived from an error.
    Text(LeakKind, Origin, Option<ViaCall>),
}

/// One place in an expression where error-derived data shows up.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub span: Span,
    pub text: String,
    pub kind: LeakKind,
    pub origin: Origin,
    pub via: Option<ViaCall>,
    /// The bare error object, not (yet) turned into text.
    pub raw: bool,
    /// An error object built around error text (`new Error(e.message)`): thrown as is, it
    /// carries the text to the client; stored in a variable, it stands for the error.
    pub wrapped: bool,
}

impl Hit {
    /// The hit once the value is turned into a string (`String(e)`, `${e}`, `str(e)`).
    pub fn into_text(mut self, span: Span, text: &str) -> Hit {
        if self.raw {
            self.raw = false;
            self.wrapped = false;
            self.span = span;
            self.text = short(text);
            if let Some(via) = &mut self.via {
                via.raw_object = false;
            }
        }
        self
    }
}

struct Frame {
    id: FnId,
    env: HashMap<String, Taint>,
    /// Try regions whose protected body is being lowered, innermost last.
    open_tries: Vec<TryId>,
    /// Handlers whose body is being lowered, innermost last.
    open_handlers: Vec<(TryId, usize)>,
    /// Local names that hold a call's result, and how often they have been read since, in
    /// the order first assigned.
    results: Vec<(String, u32)>,
    /// Index into `results` by name.
    result_index: HashMap<String, usize>,
}

pub(crate) struct Builder<'s> {
    pub src: &'s [u8],
    /// The words that say what a logger, an allow key, a server class is.
    pub vocabulary: &'s LoweringVocabulary,
    /// `src` as text, checked once: tree-sitter's nodes start and end on character boundaries.
    src_text: &'s str,
    pub model: Model,
    frames: Vec<Frame>,
    /// Class or object names whose members are being lowered, innermost last.
    owners: Vec<Option<String>>,
    /// Classes whose bodies are being lowered, innermost last.
    classes: Vec<BreakerClass>,
    /// Spans already recorded as conditions: an operand of `&&` inside an `if` is tested once.
    tested: HashSet<Span>,
}

/// Deepest nesting of syntax nodes a front end follows. Generated code can nest further; the
/// part below is skipped and the model says so.
pub(crate) const MAX_DEPTH: usize = 1_000;

impl<'s> Builder<'s> {
    pub fn new(src: &'s [u8], module_span: Span, vocabulary: &'s LoweringVocabulary) -> Self {
        let mut model = Model::default();
        model.functions.push(Function {
            name: Some("<module>".into()),
            owner: None,
            span: module_span,
            name_span: Span::new(0, 0),
            params: Vec::new(),
            is_async: false,
            parent: None,
            decorators: Vec::new(),
            param_flows: Vec::new(),
            returns: None,
        });
        Builder {
            src,
            vocabulary,
            src_text: std::str::from_utf8(src).unwrap_or(""),
            model,
            frames: vec![Frame {
                id: MODULE,
                env: HashMap::new(),
                open_tries: Vec::new(),
                open_handlers: Vec::new(),
                results: Vec::new(),
                result_index: HashMap::new(),
            }],
            owners: Vec::new(),
            classes: Vec::new(),
            tested: HashSet::new(),
        }
    }

    pub fn text(&self, span: Span) -> &'s str {
        let range = span.start as usize..span.end as usize;
        match self.src_text.get(range.clone()) {
            Some(text) => text,
            // Not UTF-8 as a whole (a caller of `lower_source` that skipped the content check).
            None => std::str::from_utf8(self.src.get(range).unwrap_or(b"")).unwrap_or(""),
        }
    }

    fn frame(&self) -> &Frame {
        self.frames
            .last()
            .expect("the module frame is never popped")
    }

    fn frame_mut(&mut self) -> &mut Frame {
        self.frames
            .last_mut()
            .expect("the module frame is never popped")
    }

    pub fn current(&self) -> FnId {
        self.frame().id
    }

    pub fn owner(&self) -> Option<String> {
        self.owners.last().cloned().flatten()
    }

    pub fn push_owner(&mut self, owner: Option<String>) {
        self.owners.push(owner);
    }

    pub fn pop_owner(&mut self) {
        self.owners.pop();
    }

    /// Starts lowering a function's body. Its parameters enter the environment so that the
    /// builder learns which of them reach a return value.
    pub fn enter_function(&mut self, mut function: Function) -> FnId {
        function.parent = Some(self.current());
        let id = self.model.functions.len();
        let env = function
            .params
            .iter()
            .enumerate()
            .map(|(i, p)| (p.clone(), Taint::Object(Origin::Param(i))))
            .collect();
        self.model.functions.push(function);
        self.frames.push(Frame {
            id,
            env,
            open_tries: Vec::new(),
            open_handlers: Vec::new(),
            results: Vec::new(),
            result_index: HashMap::new(),
        });
        id
    }

    pub fn leave_function(&mut self) {
        if self.frames.len() > 1 {
            if let Some(frame) = self.frames.pop() {
                self.flush_results(frame);
            }
        }
    }

    fn flush_results(&mut self, frame: Frame) {
        for (name, reads) in frame.results {
            self.model.result_reads.push(ResultReads {
                func: frame.id,
                name,
                reads,
            });
        }
    }

    pub fn add_call(&mut self, mut call: Call) -> usize {
        call.func = self.current();
        call.in_try = self.frame().open_tries.last().copied();
        if let Some(name) = &call.assigned_to {
            let plain = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '$');
            let frame = self.frame_mut();
            if plain && !frame.result_index.contains_key(name) {
                frame.result_index.insert(name.clone(), frame.results.len());
                frame.results.push((name.clone(), 0));
            }
        }
        self.model.calls.push(call);
        self.model.calls.len() - 1
    }

    /// A read of a local name: counted when the name holds a call's result.
    pub fn note_read(&mut self, name: &str) {
        let frame = self.frame_mut();
        if let Some(&at) = frame.result_index.get(name) {
            frame.results[at].1 += 1;
        }
    }

    /// An expression tested for truthiness; each expression is recorded once.
    pub fn add_condition(
        &mut self,
        span: Span,
        name: Option<String>,
        is_call: bool,
        how: TestedBy,
    ) {
        if !self.tested.insert(span) {
            return;
        }
        let func = self.current();
        self.model.conditions.push(Condition {
            func,
            span,
            name,
            is_call,
            how,
        });
    }

    pub fn add_arg_literal(&mut self, call: usize, key: Option<String>, value: Value, span: Span) {
        self.model.arg_literals.push(ArgLiteral {
            call,
            key,
            value,
            span,
        });
    }

    // ---- classes -------------------------------------------------------------------------

    pub fn begin_class(&mut self, name: String, span: Span, name_span: Span) {
        self.classes.push(BreakerClass {
            name,
            span,
            name_span,
            writes: Vec::new(),
            tests: Vec::new(),
            callable_fields: Vec::new(),
        });
    }

    /// Ends the innermost class; it enters the model when it writes a constant to a field.
    pub fn end_class(&mut self) {
        if let Some(class) = self.classes.pop() {
            if !class.writes.is_empty() {
                self.model.breaker_classes.push(class);
            } else {
                self.model.state_tests.extend(class.tests);
            }
        }
    }

    pub fn in_class(&self) -> bool {
        !self.classes.is_empty()
    }

    pub fn add_state_write(&mut self, field: String, value: String, span: Span) {
        if !is_state_value(&field, &value) {
            return;
        }
        let func = self.current();
        if let Some(class) = self.classes.last_mut() {
            class.writes.push(StateWrite {
                func,
                field,
                value,
                span,
            });
        }
    }

    pub fn add_state_test(&mut self, mut test: StateTest) {
        if !is_state_value(&test.field, &test.value) {
            return;
        }
        test.func = self.current();
        if let Some(class) = self.classes.last_mut() {
            class.tests.push(test);
        } else {
            self.model.state_tests.push(test);
        }
    }

    pub fn add_presence_test(&mut self, name: String, set: bool, body: Span, body_exits: bool) {
        let func = self.current();
        self.model.presence_tests.push(PresenceTest {
            func,
            name,
            set,
            body,
            body_exits,
        });
    }

    /// `this.<field> = <param>`: the field holds a function or value given to the class.
    pub fn add_callable_field(&mut self, field: String) {
        if let Some(class) = self.classes.last_mut() {
            if !class.callable_fields.contains(&field) {
                class.callable_fields.push(field);
            }
        }
    }

    /// Whether `name` is a parameter of the function being lowered.
    pub fn is_param(&self, name: &str) -> bool {
        self.model.functions[self.current()]
            .params
            .iter()
            .any(|p| p == name)
    }

    pub fn begin_try(&mut self, kind: TryKind, body: Span) -> TryId {
        self.model.tries.push(Try {
            func: self.current(),
            kind,
            body,
            handlers: Vec::new(),
        });
        self.model.tries.len() - 1
    }

    pub fn open_try_body(&mut self, id: TryId) {
        self.frame_mut().open_tries.push(id);
    }

    pub fn close_try_body(&mut self) {
        self.frame_mut().open_tries.pop();
    }

    /// Opens a handler of try `id`; its binding now names a caught error.
    pub fn open_handler(
        &mut self,
        id: TryId,
        span: Span,
        body: Span,
        binding: Option<(String, Span)>,
    ) {
        if let Some((name, binding_span)) = &binding {
            self.frame_mut()
                .env
                .insert(name.clone(), Taint::Object(Origin::Caught(*binding_span)));
        }
        let handlers = &mut self.model.tries[id].handlers;
        handlers.push(Handler {
            span,
            body,
            types: Vec::new(),
            binding: binding.map(|(name, _)| name),
            exits: Vec::new(),
            falls_through: true,
            only_logs: false,
            rethrows: false,
        });
        let index = handlers.len() - 1;
        self.frame_mut().open_handlers.push((id, index));
    }

    pub fn close_handler(&mut self, falls_through: bool, only_logs: bool) {
        if let Some((id, index)) = self.frame_mut().open_handlers.pop() {
            let handler = &mut self.model.tries[id].handlers[index];
            handler.falls_through = falls_through;
            handler.only_logs = only_logs;
        }
    }

    pub fn in_handler(&self) -> bool {
        !self.frame().open_handlers.is_empty()
    }

    /// Records how control leaves every handler open in the current function.
    /// A throw inside a handler: `value` is the thrown name (`None` for a bare `raise`). A
    /// bare re-raise or a throw of the innermost handler's own binding passes the caught
    /// error through.
    pub fn handler_throw(&mut self, span: Span, value: Option<&str>) {
        if let Some(&(id, index)) = self.frame().open_handlers.last() {
            let handler = &mut self.model.tries[id].handlers[index];
            if value.is_none() || value == handler.binding.as_deref() {
                handler.rethrows = true;
            }
        }
        self.handler_exit(span, ExitKind::Throw);
    }

    pub fn handler_exit(&mut self, span: Span, kind: ExitKind) {
        let open = self.frame().open_handlers.clone();
        for (id, index) in open {
            self.model.tries[id].handlers[index]
                .exits
                .push(HandlerExit {
                    span,
                    kind: kind.clone(),
                });
        }
    }

    pub fn taint_of_name(&self, name: &str) -> Option<&Taint> {
        self.frame().env.get(name)
    }

    /// `name = value`: the name now carries the value's error taint. Taint is never removed
    /// by a later clean assignment, so a message set on one branch is not lost.
    pub fn assign(&mut self, name: &str, hits: &[Hit]) {
        // `e instanceof Error ? e : new Error(String(e))` normalises the error: an alias.
        if let Some(object) = hits.iter().find(|h| h.raw && h.via.is_none()) {
            if hits.iter().all(|h| h.raw) {
                let origin = object.origin;
                self.frame_mut()
                    .env
                    .entry(name.to_string())
                    .or_insert(Taint::Object(origin));
                return;
            }
        }
        let Some(first) = hits.iter().find(|h| !h.raw).or_else(|| hits.first()) else {
            return;
        };
        let taint = if first.raw && first.via.is_none() {
            Taint::Object(first.origin)
        } else {
            let kind = hits
                .iter()
                .map(|h| h.kind)
                .max()
                .unwrap_or(LeakKind::Message);
            Taint::Text(kind, first.origin, first.via.clone())
        };
        let env = &mut self.frame_mut().env;
        match (env.get(name), &taint) {
            (Some(Taint::Text(..)), Taint::Object(_)) => {}
            _ => {
                env.insert(name.to_string(), taint);
            }
        }
    }

    /// A `return` or `throw` whose value has the given hits and means `value` as a decision.
    pub fn exit(&mut self, statement: ExitStatement, span: Span, hits: Vec<Hit>, value: Value) {
        let func = self.current();
        let mut leaks = Vec::new();
        for hit in hits {
            match hit.origin {
                Origin::Caught(source) => {
                    // A bare error object is not text: returning or rethrowing it leaks no
                    // more than the SDK would without the try.
                    if hit.raw && !hit.wrapped && hit.via.is_none() {
                        continue;
                    }
                    leaks.push(Leak {
                        span: hit.span,
                        text: hit.text,
                        kind: hit.kind,
                        source,
                        via: hit.via,
                    });
                }
                Origin::Param(index) if statement == ExitStatement::Return => {
                    let how = match (&hit.via, hit.raw && !hit.wrapped) {
                        (Some(via), _) if via.raw_object => continue,
                        (_, true) => Flow::Raw,
                        (_, false) => Flow::Text(hit.kind),
                    };
                    let flows = &mut self.model.functions[func].param_flows;
                    let flow = ParamFlow { index, how };
                    if !flows.contains(&flow) {
                        flows.push(flow);
                    }
                }
                Origin::Param(_) => {}
            }
        }
        self.model.exits.push(Exit {
            statement,
            span,
            func,
            leaks,
            value,
        });
    }

    pub fn hit_for_name(&self, name: &str, span: Span) -> Option<Hit> {
        let taint = self.taint_of_name(name)?;
        Some(match taint {
            Taint::Object(origin) => Hit {
                span,
                text: name.to_string(),
                kind: LeakKind::Message,
                origin: *origin,
                via: None,
                raw: true,
                wrapped: false,
            },
            Taint::Text(kind, origin, via) => Hit {
                span,
                text: name.to_string(),
                kind: *kind,
                origin: *origin,
                via: via.clone(),
                raw: false,
                wrapped: false,
            },
        })
    }

    pub fn finish(mut self) -> Model {
        while self.frames.len() > 1 {
            self.leave_function();
        }
        if let Some(module) = self.frames.pop() {
            self.flush_results(module);
        }
        shrink(&mut self.model);
        self.model
    }
}

/// Gives back what vectors grown by pushing hold beyond their length (up to half of it, and
/// four places for a call's one argument): every file's model lives until the scan ends.
fn shrink(model: &mut Model) {
    for call in &mut model.calls {
        call.args.shrink_to_fit();
    }
    for function in &mut model.functions {
        function.params.shrink_to_fit();
        function.decorators.shrink_to_fit();
        function.param_flows.shrink_to_fit();
    }
    for t in &mut model.tries {
        for handler in &mut t.handlers {
            handler.exits.shrink_to_fit();
        }
        t.handlers.shrink_to_fit();
    }
    for exit in &mut model.exits {
        exit.leaks.shrink_to_fit();
    }
    model.functions.shrink_to_fit();
    model.calls.shrink_to_fit();
    model.tries.shrink_to_fit();
    model.exits.shrink_to_fit();
    model.tools.shrink_to_fit();
    model.imports.shrink_to_fit();
    model.exports.shrink_to_fit();
    model.instances.shrink_to_fit();
}

/// A constant that can stand for a state: a string, a dotted constant, `true` / `false`.
/// Returns the constant as the model records it.
/// Whether a field's name may hold a breaker's state as a time (`opened_at`, `open_until`,
/// `_circuit_open_until`): only those fields keep the values that say "no time" (`None`, `null`,
/// `0`) and `*`, any other value (`time.monotonic()`, `Date.now() + cooldown`). The link stage
/// decides from `rules/breakers.toml` which of them are breaker states.
pub(crate) fn may_hold_open_time(field: &str) -> bool {
    let f = field.to_ascii_lowercase();
    f.contains("open") || f.contains("trip") || f.contains("circuit")
}

fn is_state_value(field: &str, value: &str) -> bool {
    !matches!(value, "None" | "null" | "undefined" | "0" | "*") || may_hold_open_time(field)
}

pub(crate) fn state_constant(kind: &str, text: &str, string: Option<String>) -> Option<String> {
    match kind {
        "string" => string,
        "true" | "false" => Some(text.to_ascii_lowercase()),
        // What a timestamp field holds while the circuit is closed: `None`, `null`, `0`.
        "none" => Some("None".into()),
        "null" | "undefined" => Some(text.to_string()),
        "integer" | "float" | "number" => text
            .parse::<f64>()
            .ok()
            .filter(|v| *v == 0.0)
            .map(|_| "0".into()),
        "identifier" | "member_expression" | "attribute" => {
            let last = text.rsplit('.').next().unwrap_or(text);
            // `OPEN`, `State.HALF_OPEN`, `CircuitState.Open`: a constant, not a variable.
            let constant = last.chars().any(|c| c.is_ascii_alphabetic())
                && (last.chars().all(|c| !c.is_ascii_lowercase())
                    || (text.contains('.') && last.starts_with(|c: char| c.is_ascii_uppercase())));
            let plain = text
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '$');
            (constant && plain).then(|| text.to_string())
        }
        _ => None,
    }
}
