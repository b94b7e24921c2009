//! A project's own registrars, inferred with no configuration: a function whose parameter
//! flows into the handler slot of a registration registers a tool at each of its call sites.
//!
//! `const tool = (name, title, cb) => server.registerTool(name, {title}, (a) => run(cb, a))`
//! makes `tool("search", "Search", handler)` a tool named `search` handled by `handler`; a
//! method (`ctx.accountTool(name, schema, handler)`) likewise, through the class of its
//! receiver; a function that hands its own parameter on to a registrar is one too. In Python a
//! decorator that applies the SDK's decorator to the function it gets (`server.tool(...)(fn)`)
//! registers every function it decorates, and so does a factory returning it (excel-mcp-server's
//! `@tools.reader("Title")`, through `return self._register(...)` and `return decorate`).
//!
//! The registration inside the registrar (the template) is no tool of its own: its name is a
//! parameter. It is replaced by the tools of the call sites, and the functions it wraps the
//! handler in are reached first, as a decorator of ours is (`Root::wrapper`).

use std::collections::{HashMap, HashSet};

use super::super::{FnRef, Project};
use crate::knowledge::{LoweringVocabulary, ToolForms};
use crate::model::{
    Arg, ArgValue, Call, ExitStatement, FnId, HandlerRef, Language, MODULE, Model, Span, ToolForm,
    ToolKind, ToolRegistration, short,
};

/// What names the tools a registrar registers.
#[derive(Debug, Clone, PartialEq)]
enum Naming {
    /// The argument given for this parameter.
    Param(usize),
    /// A name written in the registrar.
    Fixed(String),
    /// The registered function's own name (Python's SDK names a tool by its function).
    Own,
}

/// How a registrar is used.
#[derive(Debug, Clone, PartialEq)]
enum Shape {
    /// Called with the handler as the argument of parameter `handler` (also a decorator of
    /// its own when that is its first parameter).
    Call { handler: usize, naming: Naming },
    /// Returns a decorator that registers what it decorates: `@tools.reader("Title")`.
    Factory { naming: Naming },
}

#[derive(Debug, Clone)]
struct Registrar {
    shape: Shape,
    /// The functions the template wraps the handler in, reached before it.
    wrappers: Vec<FnRef>,
    /// The registration the handler ends at: unit and span.
    template: (usize, Span),
}

/// Extra roots: per (unit, span of a registration), the wrappers reached before its handler.
pub type Wrappers = HashMap<(usize, Span), Vec<FnRef>>;

/// A tool registered through a registrar.
struct Site {
    unit: usize,
    tool: ToolRegistration,
    wrappers: Vec<FnRef>,
    template: (usize, Span),
}

/// Finds the project's registrars, replaces their templates with the tools of their call sites
/// and returns the wrappers of those tools.
pub fn apply_registrars(project: &mut Project, vocabulary: &LoweringVocabulary) -> Wrappers {
    let registrars = infer(project, vocabulary);
    let mut wrappers = Wrappers::new();
    if registrars.is_empty() {
        return wrappers;
    }
    let mut added: Vec<Site> = Vec::new();
    for unit in 0..project.units.len() {
        sites(project, unit, &registrars, &mut added);
    }
    // A template that registers a tool somewhere is no tool of its own.
    let used: HashSet<(usize, Span)> = added.iter().map(|s| s.template).collect();
    for &(unit, span) in &used {
        let tools = &mut project.units[unit].model.tools;
        tools.retain(|t| t.kind != ToolKind::Single || t.span != span);
    }
    for Site {
        unit,
        tool,
        wrappers: around,
        ..
    } in added
    {
        let model = &mut project.units[unit].model;
        if model.tools.iter().any(|t| t.span == tool.span) {
            continue;
        }
        if !around.is_empty() {
            wrappers.insert((unit, tool.span), around);
        }
        model.tools.push(tool);
    }
    wrappers
}

/// The index of the parameter an argument's value comes from, in the argument positions of a
/// call (a method's `self` / `cls` is no position).
fn position(model: &Model, func: FnId, name: &str) -> Option<usize> {
    let f = &model.functions[func];
    let at = f.params.iter().position(|p| p == name)?;
    let receiver =
        f.owner.is_some() && matches!(f.params.first().map(String::as_str), Some("self" | "cls"));
    match (receiver, at) {
        (true, 0) => None,
        (true, n) => Some(n - 1),
        (false, n) => Some(n),
    }
}

/// The parameter of `func` whose value an argument hands on as a handler: the parameter itself,
/// a wrapper around it (`wrap(cb)`, its last argument that is a parameter), or a function
/// written there that calls it (`(args) => cb(args)`) or calls what a call makes of it
/// (`(args) => wrapCallback(name, cb)(args)`). A parameter merely passed along inside a handler
/// (`(args) => listApps(client, args)`) is no handler.
fn flows(model: &Model, func: FnId, arg: &Arg) -> Option<usize> {
    let param = |value: &ArgValue| match value {
        ArgValue::Name(n) => position(model, func, n),
        _ => None,
    };
    let inside = || model.calls.iter().filter(|c| arg.span.contains(c.span));
    match &arg.value {
        ArgValue::Name(_) => param(&arg.value),
        ArgValue::Call(_) => {
            let outer = inside().max_by_key(|c| c.span.end - c.span.start)?;
            outer.args.iter().rev().find_map(|a| param(&a.value))
        }
        ArgValue::Function(_) => inside().find_map(|c| {
            let called = c
                .callee
                .strip_suffix(".call")
                .or(c.callee.strip_suffix(".apply"));
            if let Some(k) = position(model, func, called.unwrap_or(&c.callee)) {
                return Some(k);
            }
            let applied = format!("{}()", c.callee);
            let made = inside().any(|o| o.callee == applied && o.callee_span.contains(c.span));
            if !made {
                return None;
            }
            c.args.iter().rev().find_map(|a| param(&a.value))
        }),
        _ => None,
    }
}

/// The functions a template's handler argument wraps the handler in: a function written there,
/// a wrapper called by name.
fn wrappers_of(project: &Project, unit: usize, call: &Call, arg: &Arg) -> Vec<FnRef> {
    let model = &project.units[unit].model;
    match &arg.value {
        ArgValue::Function(id) => vec![FnRef { unit, func: *id }],
        ArgValue::Call(_) => model
            .calls
            .iter()
            .filter(|c| arg.span.contains(c.span))
            .filter_map(|c| project.resolve_callee(unit, call.func, &c.callee))
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether a receiver holds an MCP server in this file.
fn holds_server(
    model: &Model,
    language: Language,
    vocabulary: &LoweringVocabulary,
    receiver: &str,
) -> bool {
    vocabulary.names_a_server(language, receiver)
        || model
            .instances
            .iter()
            .any(|i| i.name == receiver && vocabulary.is_server_class(language, &i.class))
}

/// A string keyword argument (`name="x"`), or the parameter it is given (`name=name`).
fn keyword_naming(model: &Model, func: FnId, call: &Call, keyword: &str) -> Option<Naming> {
    let arg = call
        .args
        .iter()
        .find(|a| a.keyword.as_deref() == Some(keyword))?;
    match &arg.value {
        ArgValue::Str(s) => Some(Naming::Fixed(s.clone())),
        ArgValue::Name(n) => position(model, func, n).map(Naming::Param),
        _ => None,
    }
}

/// The SDK registrations whose handler comes from a parameter of the function they are in: the
/// registrars' seeds, with the argument that carries the handler and how the tool is named.
fn seeds(
    model: &Model,
    language: Language,
    vocabulary: &LoweringVocabulary,
) -> Vec<(usize, Shape, usize)> {
    let forms: &ToolForms = &vocabulary.tools;
    let mut found = Vec::new();
    for (index, call) in model.calls.iter().enumerate() {
        if call.func == MODULE || call.args.is_empty() {
            continue;
        }
        let func = call.func;
        let (receiver, method) = match call.callee.rsplit_once('.') {
            Some(pair) => pair,
            None => continue,
        };
        let server = |r: &str| holds_server(model, language, vocabulary, r);
        let (handler_arg, naming) = if language != Language::Python {
            // `server.tool(name, ..., handler)`, `server.registerTool(name, config, handler)`.
            if !ToolForms::has(&forms.call_methods, method)
                || call.args.len() < 2
                || !server(receiver)
            {
                continue;
            }
            let naming = match &call.args[0].value {
                ArgValue::Str(s) => Naming::Fixed(s.clone()),
                ArgValue::Name(n) => match position(model, func, n) {
                    Some(k) => Naming::Param(k),
                    None => continue,
                },
                _ => continue,
            };
            (call.args.len() - 1, naming)
        } else if let Some(decorator) = call.callee.strip_suffix("()") {
            // `server.tool(...)(wrap(fn))`: the decorator applied as a call.
            let Some((receiver, method)) = decorator.rsplit_once('.') else {
                continue;
            };
            if !ToolForms::has(&forms.decorators, method)
                || !server(receiver)
                || call.args.len() != 1
            {
                continue;
            }
            let inner = model
                .calls
                .iter()
                .find(|c| c.callee == decorator && call.callee_span.contains(c.span));
            let naming = inner
                .and_then(|c| keyword_naming(model, func, c, "name"))
                .unwrap_or(Naming::Own);
            (0, naming)
        } else if ToolForms::has(&forms.add_methods, method) && server(receiver) {
            // `server.add_tool(fn, name=...)`
            let naming = keyword_naming(model, func, call, "name").unwrap_or(Naming::Own);
            let Some(at) = call
                .args
                .iter()
                .position(|a| a.keyword.is_none() || a.keyword.as_deref() == Some("fn"))
            else {
                continue;
            };
            (at, naming)
        } else {
            continue;
        };
        let Some(handler) = flows(model, func, &call.args[handler_arg]) else {
            continue;
        };
        found.push((index, Shape::Call { handler, naming }, handler_arg));
    }
    found
}

/// The argument a call gives for parameter `index` of `target`: by position, or by keyword.
fn argument<'c>(project: &Project, target: FnRef, call: &'c Call, index: usize) -> Option<&'c Arg> {
    let f = project.function(target);
    let offset = usize::from(
        f.owner.is_some() && matches!(f.params.first().map(String::as_str), Some("self" | "cls")),
    );
    let name = f.params.get(index + offset);
    call.args
        .iter()
        .find(|a| a.keyword.is_some() && a.keyword.as_ref() == name)
        .or_else(|| {
            let positional: Vec<&Arg> = call.args.iter().filter(|a| a.keyword.is_none()).collect();
            if positional
                .iter()
                .any(|a| matches!(a.value, ArgValue::Spread))
            {
                return None;
            }
            positional.get(index).copied()
        })
}

/// The registrar a call runs: the function it resolves to, else a method of the class its
/// receiver is annotated with (`ctx: ToolContext`, `tools: ToolRegistry`).
fn target(
    project: &Project,
    unit: usize,
    call: &Call,
    registrars: &HashMap<FnRef, Registrar>,
) -> Option<FnRef> {
    if let Some(found) = project
        .resolve_call(unit, call)
        .filter(|f| registrars.contains_key(f))
    {
        return Some(found);
    }
    let (receiver, method) = call.callee.rsplit_once('.')?;
    let model = &project.units[unit].model;
    let mut func = Some(call.func);
    while let Some(f) = func {
        if let Some(typed) = model
            .param_types
            .iter()
            .find(|p| p.func == f && p.name == receiver)
        {
            let (u, class) = project.class_named(unit, &typed.class)?;
            return project
                .method(u, &class, method)
                .filter(|f| registrars.contains_key(f));
        }
        func = model.functions[f].parent;
    }
    None
}

/// The registrars of the project.
fn infer(project: &Project, vocabulary: &LoweringVocabulary) -> HashMap<FnRef, Registrar> {
    let mut registrars: HashMap<FnRef, Registrar> = HashMap::new();
    for (unit, u) in project.units.iter().enumerate() {
        for (index, shape, arg) in seeds(&u.model, u.file.language, vocabulary) {
            let call = &u.model.calls[index];
            let wrappers = wrappers_of(project, unit, call, &call.args[arg]);
            let func = FnRef {
                unit,
                func: call.func,
            };
            let template = (unit, call.span);
            registrars.entry(func).or_insert(Registrar {
                shape,
                wrappers,
                template,
            });
        }
    }
    // Functions that hand their parameter on to a registrar, and factories that return one.
    for _ in 0..4 {
        let mut more: Vec<(FnRef, Registrar)> = Vec::new();
        for (unit, u) in project.units.iter().enumerate() {
            let model = &u.model;
            for call in &model.calls {
                if call.func == MODULE
                    || registrars.contains_key(&FnRef {
                        unit,
                        func: call.func,
                    })
                {
                    continue;
                }
                let Some(to) = target(project, unit, call, &registrars) else {
                    continue;
                };
                let registrar = &registrars[&to];
                let shape = match &registrar.shape {
                    Shape::Call { handler, naming } => {
                        let Some(given) = argument(project, to, call, *handler) else {
                            continue;
                        };
                        let Some(handler) = flows(model, call.func, given) else {
                            continue;
                        };
                        let naming = match naming {
                            Naming::Param(k) => match argument(project, to, call, *k)
                                .map(|a| &a.value)
                            {
                                Some(ArgValue::Str(s)) => Naming::Fixed(s.clone()),
                                Some(ArgValue::Name(n)) => match position(model, call.func, n) {
                                    Some(k) => Naming::Param(k),
                                    None => continue,
                                },
                                _ => continue,
                            },
                            other => other.clone(),
                        };
                        Shape::Call { handler, naming }
                    }
                    // `return self._register(...)`: the factory's result is returned.
                    Shape::Factory { naming } if returned(model, call) => Shape::Factory {
                        naming: naming.clone(),
                    },
                    Shape::Factory { .. } => continue,
                };
                let registrar = Registrar {
                    shape,
                    ..registrar.clone()
                };
                more.push((
                    FnRef {
                        unit,
                        func: call.func,
                    },
                    registrar,
                ));
            }
            // `def _register(...): def decorate(fn): ...; return decorate`
            for r in &model.returned {
                let Some(name) = &r.name else { continue };
                let inner = (1..model.functions.len()).find(|&f| {
                    model.functions[f].parent == Some(r.func)
                        && model.functions[f].name.as_deref() == Some(name.as_str())
                });
                let Some(inner) = inner else { continue };
                let outer = FnRef { unit, func: r.func };
                if registrars.contains_key(&outer) {
                    continue;
                }
                let Some(registrar) = registrars.get(&FnRef { unit, func: inner }) else {
                    continue;
                };
                let naming = match &registrar.shape {
                    Shape::Call { handler: 0, naming } if !matches!(naming, Naming::Param(_)) => {
                        naming.clone()
                    }
                    _ => continue,
                };
                let shape = Shape::Factory { naming };
                more.push((
                    outer,
                    Registrar {
                        shape,
                        ..registrar.clone()
                    },
                ));
            }
        }
        if more.is_empty() {
            break;
        }
        for (f, r) in more {
            registrars.entry(f).or_insert(r);
        }
    }
    registrars
}

/// Whether a call's result is what its function returns (`return self._register(...)`, an
/// arrow's body).
fn returned(model: &Model, call: &Call) -> bool {
    model.exits.iter().any(|e| {
        e.func == call.func
            && e.statement == ExitStatement::Return
            && e.span.contains(call.span)
            && e.span.end.saturating_sub(call.span.end) <= 1
    })
}

/// The tools registered through registrars in one unit: at calls and at decorators.
fn sites(
    project: &Project,
    unit: usize,
    registrars: &HashMap<FnRef, Registrar>,
    added: &mut Vec<Site>,
) {
    let model = &project.units[unit].model;
    let decorator_calls: HashSet<usize> = model.decorators.iter().filter_map(|d| d.call).collect();
    for (index, call) in model.calls.iter().enumerate() {
        if decorator_calls.contains(&index)
            || registrars.contains_key(&FnRef {
                unit,
                func: call.func,
            })
        {
            continue;
        }
        let Some(to) = target(project, unit, call, registrars) else {
            continue;
        };
        let Shape::Call { handler, naming } = &registrars[&to].shape else {
            continue;
        };
        let Some(given) = argument(project, to, call, *handler) else {
            continue;
        };
        let handlers = handler_refs(model, given);
        if handlers.is_empty() {
            continue;
        }
        let name = match naming {
            Naming::Fixed(s) => Some(s.clone()),
            Naming::Param(k) => {
                argument(project, to, call, *k).and_then(|a| name_of(model, call, a))
            }
            Naming::Own => match &given.value {
                ArgValue::Name(n) => Some(n.rsplit('.').next().unwrap_or(n).to_string()),
                ArgValue::Function(id) => model.functions[*id].name.clone(),
                _ => None,
            },
        };
        let Some(name) = name.filter(|n| !n.is_empty()) else {
            continue;
        };
        let tool = ToolRegistration {
            kind: ToolKind::Single,
            form: ToolForm::Registrar,
            name,
            span: call.span,
            handlers,
            description: None,
        };
        let Registrar {
            wrappers, template, ..
        } = registrars[&to].clone();
        added.push(Site {
            unit,
            tool,
            wrappers,
            template,
        });
    }
    for decorator in &model.decorators {
        let from = model.functions[decorator.func].parent.unwrap_or(MODULE);
        let (to, call) = match decorator.call {
            Some(c) => (
                target(project, unit, &model.calls[c], registrars),
                Some(&model.calls[c]),
            ),
            None => (
                project
                    .resolve_callee(unit, from, &decorator.path)
                    .filter(|f| registrars.contains_key(f)),
                None,
            ),
        };
        let Some(to) = to else { continue };
        let naming = match (&registrars[&to].shape, call) {
            (Shape::Factory { naming }, Some(_)) => naming.clone(),
            (Shape::Call { handler: 0, naming }, None) => naming.clone(),
            _ => continue,
        };
        let keyword = call.and_then(|c| {
            c.args
                .iter()
                .find_map(|a| match (&a.value, a.keyword.as_deref()) {
                    (ArgValue::Str(s), Some("name")) => Some(s.clone()),
                    _ => None,
                })
        });
        let name = keyword.or(match naming {
            Naming::Fixed(s) => Some(s),
            _ => model.functions[decorator.func].name.clone(),
        });
        let Some(name) = name.filter(|n| !n.is_empty()) else {
            continue;
        };
        let tool = ToolRegistration {
            kind: ToolKind::Single,
            form: ToolForm::Registrar,
            name,
            span: decorator.span,
            handlers: vec![HandlerRef::Function(decorator.func)],
            description: None,
        };
        let Registrar {
            wrappers, template, ..
        } = registrars[&to].clone();
        added.push(Site {
            unit,
            tool,
            wrappers,
            template,
        });
    }
}

/// The handlers an argument gives: a function, a name, or a wrapper call with the names and
/// functions inside it.
fn handler_refs(model: &Model, arg: &Arg) -> Vec<HandlerRef> {
    match &arg.value {
        ArgValue::Function(id) => vec![HandlerRef::Function(*id)],
        ArgValue::Name(n) => vec![HandlerRef::Name(n.clone())],
        ArgValue::Call(wrapper) => {
            let mut refs = vec![HandlerRef::Name(wrapper.clone())];
            for c in model.calls.iter().filter(|c| arg.span.contains(c.span)) {
                for a in &c.args {
                    if let ArgValue::Name(n) = &a.value {
                        refs.push(HandlerRef::Name(n.clone()));
                    }
                }
            }
            let functions = (1..model.functions.len()).filter(|&f| {
                let f = &model.functions[f];
                arg.span.contains(f.span)
                    && f.parent
                        .is_none_or(|p| !arg.span.contains(model.functions[p].span))
            });
            refs.extend(functions.map(HandlerRef::Function));
            refs
        }
        _ => Vec::new(),
    }
}

/// The tool name an argument gives: a string, or a string constant bound before the call.
fn name_of(model: &Model, call: &Call, arg: &Arg) -> Option<String> {
    match &arg.value {
        ArgValue::Str(s) => Some(s.clone()),
        ArgValue::Name(path) => model
            .string_constants
            .iter()
            .rev()
            .find(|c| c.name == *path && c.at <= call.span.start)
            .map(|c| c.value.clone())
            .or_else(|| Some(short(path))),
        _ => None,
    }
}
