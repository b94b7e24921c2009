//! The SDKs' own registration forms, recognised from the facts the front ends lower (calls
//! with their callee and arguments, decorators, string constants, tool declarations) for
//! TypeScript, JavaScript and Python alike. The methods, decorators and keywords are the
//! `[tools]` words of `rules/lowering.toml`.

use std::collections::{HashMap, HashSet};

use crate::knowledge::LoweringVocabulary;
use crate::knowledge::ToolForms;
use crate::model::{
    ArgValue, Call, FnId, HandlerRef, Language, Model, ToolForm, ToolKind, ToolRegistration, short,
};

/// What one file's registrations are read with: its language, the vocabulary, the names that
/// hold a server.
struct Reader<'a> {
    model: &'a Model,
    language: Language,
    vocabulary: &'a LoweringVocabulary,
    forms: &'a ToolForms,
    /// Names bound to an instance of a server class in this file.
    instances: HashSet<&'a str>,
    /// Classes of this file that extend a server class (`class QdrantServer(FastMCP)`): their
    /// `self` is a server.
    server_classes: HashSet<&'a str>,
    /// String constants by name: where each binding is written and its value, in order.
    constants: HashMap<&'a str, Vec<(u32, &'a str)>>,
    /// Functions by where they start (built on first use), for the functions inside a wrapper.
    by_start: Vec<FnId>,
}

impl<'a> Reader<'a> {
    fn new(model: &'a Model, language: Language, vocabulary: &'a LoweringVocabulary) -> Self {
        let instances = model
            .instances
            .iter()
            .filter(|i| vocabulary.is_server_class(language, &i.class))
            .map(|i| i.name.as_str())
            .collect();
        let server_classes = model
            .class_bases
            .iter()
            .filter(|c| {
                c.bases.iter().any(|b| {
                    // As imported: `from mcp.server.fastmcp import FastMCP as Base`.
                    let imported = model
                        .imports
                        .iter()
                        .find(|i| i.local == *b)
                        .and_then(|i| i.imported.as_deref());
                    vocabulary.is_server_class(language, imported.unwrap_or(b))
                })
            })
            .map(|c| c.name.as_str())
            .collect();
        let mut constants: HashMap<&str, Vec<(u32, &str)>> = HashMap::new();
        for c in &model.string_constants {
            constants.entry(&c.name).or_default().push((c.at, &c.value));
        }
        Reader {
            model,
            language,
            vocabulary,
            forms: &vocabulary.tools,
            instances,
            server_classes,
            constants,
            by_start: Vec::new(),
        }
    }

    /// A receiver that holds an MCP server: an instance of a server class made in this file,
    /// or a name that says so (`server`, `this.mcpServer`, `app` in Python).
    fn server(&self, receiver: &str) -> bool {
        self.instances.contains(receiver) || self.vocabulary.names_a_server(self.language, receiver)
    }

    /// [`Reader::server`], or `self` / `this` in a method of a class that extends a server
    /// class.
    fn server_in(&self, receiver: &str, func: FnId) -> bool {
        self.server(receiver)
            || (matches!(receiver, "self" | "this")
                && super::super::resolve::enclosing_owner(self.model, func)
                    .is_some_and(|owner| self.server_classes.contains(owner.as_str())))
    }

    fn javascript(&self) -> bool {
        self.language != Language::Python
    }
}

/// The tools a file registers through the SDKs, in the order of its calls, then its
/// decorators.
pub(super) fn registrations(
    model: &Model,
    language: Language,
    vocabulary: &LoweringVocabulary,
) -> Vec<ToolRegistration> {
    let mut reader = Reader::new(model, language, vocabulary);
    let mut found = Vec::new();
    for (index, call) in model.calls.iter().enumerate() {
        if let Some(tool) = call_form(&mut reader, index, call) {
            found.push(tool);
        }
    }
    found.extend(decorator_forms(&reader));
    found.extend(call_forms(&reader));
    let registered: HashSet<_> = found.iter().map(|t| t.span).collect();
    found.extend(object_forms(&reader, &registered));
    found
}

/// A keyword argument's string: `name="x"`.
fn keyword_string(call: &Call, keyword: &str) -> Option<String> {
    call.args
        .iter()
        .find_map(|a| match (&a.value, a.keyword.as_deref()) {
            (ArgValue::Str(s), Some(k)) if k == keyword => Some(s.clone()),
            _ => None,
        })
}

/// The tool name a keyword argument gives: a string, or a string constant of the file
/// (`name=TOOL_SEARCH`, `name=Tools.SEARCH.value`).
fn keyword_name(model: &Model, call: &Call, keyword: &str) -> Option<String> {
    let arg = call
        .args
        .iter()
        .find(|a| a.keyword.as_deref() == Some(keyword))?;
    match &arg.value {
        ArgValue::Str(s) => Some(s.clone()),
        ArgValue::Name(path) => model
            .string_constant(path, call.span.start)
            .map(str::to_string),
        _ => None,
    }
}

/// `server.tool(...)` / `server.registerTool(...)` and `setRequestHandler(CallToolRequestSchema,
/// ...)` (TypeScript, JavaScript); `mcp.add_tool(fn)` and `Server(on_call_tool=fn)` (Python).
fn call_form(reader: &mut Reader, index: usize, call: &Call) -> Option<ToolRegistration> {
    let forms = reader.forms;
    let (receiver, method) = call.callee.rsplit_once('.').unzip();
    let has = |list: &[String]| method.is_some_and(|m| ToolForms::has(list, m));
    if reader.javascript() {
        let receiver = receiver?;
        let server = reader.server_in(receiver, call.func);
        if has(&forms.call_methods) && call.args.len() >= 2 && server {
            let description = match (&call.args.get(1)?.value, call.args.len() >= 3) {
                (ArgValue::Str(s), true) => Some(s.clone()),
                _ => None,
            };
            return Some(ToolRegistration {
                kind: ToolKind::Single,
                form: ToolForm::ServerTool,
                name: tool_name(reader, call),
                span: call.span,
                handlers: last_handlers(reader, index, call),
                description,
            });
        }
        let schema = |a: &crate::model::Arg| match &a.value {
            ArgValue::Name(path) => forms.dispatch_schemas.iter().any(|s| path.ends_with(s)),
            _ => false,
        };
        if has(&forms.dispatch_methods) && call.args.len() == 2 && schema(&call.args[0]) {
            return Some(ToolRegistration {
                kind: ToolKind::Dispatcher,
                form: ToolForm::Dispatcher,
                name: "CallTool".into(),
                span: call.span,
                handlers: last_handlers(reader, index, call),
                description: None,
            });
        }
        return None;
    }
    if has(&forms.add_methods) && receiver.is_some_and(|r| reader.server(r)) {
        let handler = match call.args.first().map(|a| &a.value) {
            Some(ArgValue::Function(id)) => HandlerRef::Function(*id),
            Some(ArgValue::Name(name)) => HandlerRef::Name(name.clone()),
            _ => return None,
        };
        let name = keyword_name(reader.model, call, "name").unwrap_or_else(|| match &handler {
            HandlerRef::Name(n) => n.clone(),
            HandlerRef::Function(_) | HandlerRef::Elsewhere { .. } => String::new(),
        });
        return Some(ToolRegistration {
            kind: ToolKind::Single,
            form: ToolForm::AddTool,
            name,
            span: call.span,
            handlers: vec![handler],
            description: keyword_string(call, "description"),
        });
    }
    // `self.tool(fn, name="x")` (FastMCP 2 takes the function first): the SDK's decorator
    // given the function itself, not a decorator's call (`@mcp.tool(...)`) nor the call a
    // decorator is made by (`mcp.tool(NAME)(fn)`).
    if has(&forms.decorators) && receiver.is_some_and(|r| reader.server_in(r, call.func)) {
        let decorating = reader
            .model
            .decorators
            .iter()
            .any(|d| d.call == Some(index));
        let applied = format!("{}()", call.callee);
        let made = reader
            .model
            .calls
            .iter()
            .any(|c| c.callee == applied && c.callee_span.contains(call.span));
        let handler = match call.args.first().filter(|a| a.keyword.is_none()) {
            Some(a) if !decorating && !made => match &a.value {
                ArgValue::Function(id) => Some(HandlerRef::Function(*id)),
                ArgValue::Name(name) => Some(super::wrappers::named_handler(
                    reader.model,
                    call.func,
                    name,
                )),
                _ => None,
            },
            _ => None,
        };
        if let Some(handler) = handler {
            let own = match &call.args[0].value {
                ArgValue::Name(n) => n.rsplit('.').next().unwrap_or(n).to_string(),
                ArgValue::Function(id) => {
                    reader.model.functions[*id].name.clone().unwrap_or_default()
                }
                _ => String::new(),
            };
            return Some(ToolRegistration {
                kind: ToolKind::Single,
                form: ToolForm::DecoratorCall,
                name: keyword_name(reader.model, call, "name").unwrap_or(own),
                span: call.span,
                handlers: vec![handler],
                description: keyword_string(call, "description"),
            });
        }
    }
    if reader
        .vocabulary
        .is_server_class(Language::Python, &call.callee)
    {
        let handler = call
            .args
            .iter()
            .filter(|a| {
                a.keyword
                    .as_deref()
                    .is_some_and(|k| ToolForms::has(&forms.dispatch_keywords, k))
            })
            .find_map(|a| match &a.value {
                ArgValue::Function(id) => Some(HandlerRef::Function(*id)),
                ArgValue::Name(name) => Some(HandlerRef::Name(name.clone())),
                _ => None,
            })?;
        return Some(ToolRegistration {
            kind: ToolKind::Dispatcher,
            form: ToolForm::Dispatcher,
            name: "call_tool".into(),
            span: call.span,
            handlers: vec![handler],
            description: None,
        });
    }
    None
}

/// The name a call registers its tool under: its first argument, a string, a string constant
/// bound before the call (`TOOLS.search`), else the argument as written (as the tool's
/// declaration reads it).
fn tool_name(reader: &Reader, call: &Call) -> String {
    let first = &call.args[0];
    match &first.value {
        ArgValue::Str(s) if !s.is_empty() => return s.clone(),
        ArgValue::Name(path) => {
            let bound = reader.constants.get(path.as_str()).and_then(|values| {
                values
                    .iter()
                    .rev()
                    .find(|(at, _)| *at <= call.span.start)
                    .map(|(_, value)| value.to_string())
            });
            return bound.unwrap_or_else(|| short(path));
        }
        _ => {}
    }
    reader
        .model
        .tool_declarations
        .iter()
        .find(|d| first.span.contains(d.span))
        .map(|d| d.name.clone())
        .unwrap_or_default()
}

/// The handlers of a registration's last argument: a function, a name, or a wrapper call
/// (`wrap(handler)`, `withAuth(async () => ...)`): the wrapper, the names it is given and the
/// functions written inside it.
fn last_handlers(reader: &mut Reader, index: usize, call: &Call) -> Vec<HandlerRef> {
    let Some(last) = call.args.last() else {
        return Vec::new();
    };
    match &last.value {
        ArgValue::Function(id) => vec![HandlerRef::Function(*id)],
        ArgValue::Name(name) => vec![super::wrappers::named_handler(
            reader.model,
            call.func,
            name,
        )],
        ArgValue::Call(wrapper) => {
            let model = reader.model;
            let mut refs = vec![HandlerRef::Name(wrapper.clone())];
            // A bound method: `this.search.bind(this)` runs `this.search`.
            if let Some(method) = super::wrappers::bound(wrapper, None) {
                refs.push(super::wrappers::named_handler(model, call.func, method));
            }
            // The calls inside the argument were lowered just before this one; the widest of
            // them is the wrapper's.
            let inner = model.calls[..index]
                .iter()
                .rev()
                .take_while(|c| last.span.contains(c.span))
                .max_by_key(|c| (c.span.end - c.span.start, std::cmp::Reverse(c.span.start)));
            if let Some(inner) = inner.filter(|c| c.callee == *wrapper) {
                for a in &inner.args {
                    if let ArgValue::Name(name) = &a.value {
                        // `partial(self.search, ...)`: a method of this object.
                        let own = name.starts_with("self.") || name.starts_with("this.");
                        if !name.contains('.') || own {
                            refs.push(super::wrappers::named_handler(model, call.func, name));
                        }
                    }
                }
            }
            refs.extend(functions_within(reader, last.span));
            refs
        }
        _ => Vec::new(),
    }
}

/// The functions written inside `span`, in model order.
fn functions_within(reader: &mut Reader, span: crate::model::Span) -> Vec<HandlerRef> {
    let functions = &reader.model.functions;
    if reader.by_start.is_empty() {
        reader.by_start = (1..functions.len()).collect();
        reader.by_start.sort_by_key(|&f| functions[f].span.start);
    }
    let from = reader
        .by_start
        .partition_point(|&f| functions[f].span.start < span.start);
    let mut inside: Vec<FnId> = reader.by_start[from..]
        .iter()
        .copied()
        .take_while(|&f| functions[f].span.start < span.end)
        .filter(|&f| span.contains(functions[f].span))
        .collect();
    inside.sort_unstable();
    inside.into_iter().map(HandlerRef::Function).collect()
}

/// `@mcp.tool()` / `@mcp.tool(name="x")` and `@server.call_tool()` above a function.
fn decorator_forms(reader: &Reader) -> Vec<ToolRegistration> {
    let model = reader.model;
    let forms = reader.forms;
    let mut found = Vec::new();
    for decorator in &model.decorators {
        let Some((receiver, method)) = decorator.path.rsplit_once('.') else {
            continue;
        };
        if !reader.server(receiver) {
            continue;
        }
        let call = decorator.call.map(|c| &model.calls[c]);
        let keyword = |k: &str| call.and_then(|c| keyword_string(c, k));
        let handlers = vec![HandlerRef::Function(decorator.func)];
        if ToolForms::has(&forms.decorators, method) {
            found.push(ToolRegistration {
                kind: ToolKind::Single,
                form: ToolForm::Decorator,
                name: call
                    .and_then(|c| keyword_name(model, c, "name"))
                    .or_else(|| model.functions[decorator.func].name.clone())
                    .unwrap_or_default(),
                span: decorator.span,
                handlers,
                description: keyword("description"),
            });
        } else if ToolForms::has(&forms.dispatch_decorators, method) {
            found.push(ToolRegistration {
                kind: ToolKind::Dispatcher,
                form: ToolForm::Dispatcher,
                name: "call_tool".into(),
                span: decorator.span,
                handlers,
                description: None,
            });
        }
    }
    found
}

/// The handler an argument names: a function written there, or a name (not a parameter of the
/// function the call is in: that is a registrar's, not a tool's).
fn handler_of(model: &Model, func: usize, value: &ArgValue) -> Option<(HandlerRef, String)> {
    match value {
        ArgValue::Function(id) => Some((
            HandlerRef::Function(*id),
            model.functions[*id].name.clone().unwrap_or_default(),
        )),
        ArgValue::Name(name) if !model.functions[func].params.iter().any(|p| p == name) => {
            let last = name.rsplit('.').next().unwrap_or(name).to_string();
            Some((HandlerRef::Name(name.clone()), last))
        }
        _ => None,
    }
}

/// `mcp.add_tool(Tool.from_function(fn, name="x"))` and the decorator applied as a call,
/// `mcp.tool(name="x")(fn)` / `server.call_tool()(fn)`.
fn call_forms(reader: &Reader) -> Vec<ToolRegistration> {
    let model = reader.model;
    let forms = reader.forms;
    let mut added = Vec::new();
    for outer in &model.calls {
        // `add_tool(Tool.from_function(fn, name=...))`
        if ToolForms::has(&forms.add_methods, outer.method())
            && outer.receiver().is_some_and(|r| reader.server(r))
        {
            let Some(first) = outer.args.first() else {
                continue;
            };
            let Some(inner) = model.calls.iter().find(|c| {
                c.span == first.span
                    && ToolForms::has(&forms.tool_factories, c.method())
                    && c.receiver().is_some()
            }) else {
                continue;
            };
            let Some((handler, fallback)) = inner
                .args
                .iter()
                .find(|a| a.keyword.is_none() || a.keyword.as_deref() == Some("fn"))
                .and_then(|a| handler_of(model, inner.func, &a.value))
            else {
                continue;
            };
            added.push(ToolRegistration {
                kind: ToolKind::Single,
                form: ToolForm::AddTool,
                name: keyword_name(model, inner, "name").unwrap_or(fallback),
                span: outer.span,
                handlers: vec![handler],
                description: None,
            });
            continue;
        }
        // `mcp.tool(...)(fn)`: the callee is the decorator's call.
        let Some(decorator) = outer.callee.strip_suffix("()") else {
            continue;
        };
        let Some((receiver, method)) = decorator.rsplit_once('.') else {
            continue;
        };
        let dispatcher = ToolForms::has(&forms.dispatch_decorators, method);
        let single = ToolForms::has(&forms.decorators, method);
        if !(dispatcher || single) || !reader.server(receiver) || outer.args.len() != 1 {
            continue;
        }
        let Some((handler, fallback)) = handler_of(model, outer.func, &outer.args[0].value) else {
            continue;
        };
        let inner = model
            .calls
            .iter()
            .find(|c| c.callee == decorator && outer.callee_span.contains(c.span));
        let (kind, name) = if dispatcher {
            (ToolKind::Dispatcher, "call_tool".to_string())
        } else {
            let positional = inner.and_then(|c| {
                c.args.iter().find_map(|a| match (&a.value, &a.keyword) {
                    (ArgValue::Str(s), None) => Some(s.clone()),
                    _ => None,
                })
            });
            let name = inner
                .and_then(|c| keyword_name(model, c, "name"))
                .or(positional)
                .unwrap_or(fallback);
            (ToolKind::Single, name)
        };
        added.push(ToolRegistration {
            kind,
            form: if kind == ToolKind::Dispatcher {
                ToolForm::Dispatcher
            } else {
                ToolForm::DecoratorCall
            },
            name,
            span: outer.span,
            handlers: vec![handler],
            description: None,
        });
    }
    added
}

/// TS FastMCP's `server.addTool({ name, description, parameters, execute })`: the object's
/// `execute` is the handler, its `name` (read by the front end as a tool declaration inside the
/// call) the tool's name.
fn object_forms(
    reader: &Reader,
    registered: &HashSet<crate::model::Span>,
) -> Vec<ToolRegistration> {
    let model = reader.model;
    let forms = reader.forms;
    let mut added = Vec::new();
    for call in &model.calls {
        if !ToolForms::has(&forms.object_methods, call.method()) || registered.contains(&call.span)
        {
            continue;
        }
        let Some(receiver) = call.receiver() else {
            continue;
        };
        let Some(object) = call.args.first() else {
            continue;
        };
        let executes = matches!(&object.value, ArgValue::Object(keys)
            if keys.iter().any(|k| ToolForms::has(&forms.object_handlers, k)));
        if !reader.server(receiver) || !executes {
            continue;
        }
        let Some(declaration) = model
            .tool_declarations
            .iter()
            .find(|d| object.span.contains(d.span))
        else {
            continue;
        };
        let within: Vec<usize> = (1..model.functions.len())
            .filter(|&f| object.span.contains(model.functions[f].span))
            .collect();
        let handler = within
            .iter()
            .copied()
            .find(|&f| {
                model.functions[f]
                    .name
                    .as_deref()
                    .is_some_and(|n| ToolForms::has(&forms.object_handlers, n))
            })
            .or_else(|| {
                within
                    .iter()
                    .copied()
                    .find(|&f| model.functions[f].parent == Some(call.func))
            });
        let Some(handler) = handler else { continue };
        added.push(ToolRegistration {
            kind: ToolKind::Single,
            form: ToolForm::AddTool,
            name: declaration.name.clone(),
            span: call.span,
            handlers: vec![HandlerRef::Function(handler)],
            description: None,
        });
    }
    added
}
