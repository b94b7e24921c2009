//! Names bound to what the reliability rules care about: clients of an external library (with
//! the timeout they were built with), in-process clients, and breakers (with the functions
//! they run), from assignments, type annotations and imports, in this file or another.

use super::*;
use crate::project::breakers::{
    HomeGrownBreaker, breaker_class_of, constructs_breaker, home_grown_breakers,
};
use crate::project::enclosing_owner;
use crate::project::resolve::{canonical_name, python_submodule};

impl ExternalFacts {
    /// Names bound to clients and breakers: factories and constructors first, in every file,
    /// then clients derived from them (`pool.connect()`, `conn.cursor()`).
    pub(super) fn bind(&mut self, project: &Project, knowledge: &Knowledge) {
        let libraries = &knowledge.external_calls.libraries;
        for unit in 0..project.units.len() {
            let model = &project.units[unit].model;
            let classes = home_grown_breakers(model, knowledge);
            for (index, call) in model.calls.iter().enumerate() {
                let Some(name) = &call.assigned_to else {
                    continue;
                };
                let canonical = project.canonical[unit][index].as_deref();
                let held = if let Some(library) =
                    canonical.and_then(|c| knowledge.external_calls.library_of_client_factory(c))
                {
                    if in_process(model, call, &libraries[library]) {
                        Some(Held::InProcess)
                    } else {
                        Some(Held::Client {
                            library,
                            timeout: client_timeout(call, &libraries[library], project, unit, name),
                        })
                    }
                } else {
                    self.breaker_held(project, knowledge, unit, index, &classes)
                };
                if let Some(held) = held {
                    self.push_binding(
                        unit,
                        Binding {
                            name: name.clone(),
                            func: call.func,
                            at: call.span.start,
                            held,
                            typed: false,
                        },
                    );
                }
            }
            // Typed names (`constructor(private http: AxiosInstance)`, `breaker: ServiceBreaker`).
            // They speak only for those parameters and for fields, where assignments do not
            // reach.
            let typed = model
                .param_types
                .iter()
                .map(|p| (p.func, &p.name, &p.class))
                .chain(
                    model
                        .instances
                        .iter()
                        .filter(|i| i.name.starts_with("this.") || i.name.starts_with("self."))
                        .map(|i| (MODULE, &i.name, &i.class)),
                );
            for (func, name, class) in typed {
                let known = self
                    .named(unit, name)
                    .any(|b| b.typed && b.name == *name && b.func == func);
                if known {
                    continue;
                }
                let instance = Instance {
                    name: name.clone(),
                    class: class.clone(),
                };
                let class = canonical_name(project, unit, MODULE, &instance.class);
                let library = class
                    .as_deref()
                    .and_then(|c| knowledge.external_calls.library_of_client_factory(c));
                // Where the file builds in-process clients of the library, a parameter of that
                // type may be one of them.
                let in_process_here = |library: usize| {
                    model.calls.iter().enumerate().any(|(i, c)| {
                        project.canonical[unit][i]
                            .as_deref()
                            .is_some_and(|n| libraries[library].is_client_factory(n))
                            && in_process(model, c, &libraries[library])
                    })
                };
                let held =
                    match library {
                        Some(library) if in_process_here(library) => Some(Held::InProcess),
                        Some(library) => Some(Held::Client {
                            library,
                            timeout: ClientTimeout::Unknown,
                        }),
                        None => breaker_class_of(project, knowledge, unit, &instance.class).map(
                            |class| Held::Breaker {
                                wrapped: Vec::new(),
                                deadline: false,
                                runners: class.runners,
                            },
                        ),
                    };
                if let Some(held) = held {
                    self.push_binding(
                        unit,
                        Binding {
                            name: instance.name.clone(),
                            func,
                            at: 0,
                            held,
                            typed: true,
                        },
                    );
                }
            }
        }
        // Derived clients, which may come from a client bound in another file, or derived in
        // a file read later: again while that finds more.
        for _ in 0..3 {
            let mut added = false;
            for unit in 0..project.units.len() {
                let model = &project.units[unit].model;
                for (index, call) in model.calls.iter().enumerate() {
                    let Some(name) = &call.assigned_to else {
                        continue;
                    };
                    if self.named(unit, name).any(|b| b.at == call.span.start) {
                        continue;
                    }
                    let Some((library, timeout)) = self
                        .client_of_receiver(project, knowledge, unit, index, true)
                        .map(|(library, timeout, _)| (library, timeout))
                        .or_else(|| self.client_from_factory(project, knowledge, unit, call))
                    else {
                        continue;
                    };
                    added = true;
                    self.push_binding(
                        unit,
                        Binding {
                            name: name.clone(),
                            func: call.func,
                            at: call.span.start,
                            held: Held::Client { library, timeout },
                            typed: false,
                        },
                    );
                }
            }
            if !added {
                break;
            }
        }
        // Clients handed to project functions (`registerTools(server, client)`,
        // `makeHandlers(new MetricsApi(cfg))`): the parameter holds the client of the call
        // site. Handed on through a few calls.
        for _ in 0..3 {
            let found: Vec<(FnRef, String, Held)> = (0..project.units.len())
                .into_par_iter()
                .flat_map_iter(|unit| self.handed_clients(project, knowledge, unit))
                .collect();
            let mut added = false;
            for (f, name, held) in found {
                if self
                    .named(f.unit, &name)
                    .any(|b| b.typed && b.func == f.func)
                {
                    continue;
                }
                added = true;
                self.push_binding(
                    f.unit,
                    Binding {
                        name,
                        func: f.func,
                        at: 0,
                        held,
                        typed: true,
                    },
                );
            }
            if !added {
                break;
            }
        }
    }

    /// Per call of `unit` to a project function, the parameters its arguments fill with a
    /// client: a client's name or a client built in the argument.
    fn handed_clients(
        &self,
        project: &Project,
        knowledge: &Knowledge,
        unit: usize,
    ) -> Vec<(FnRef, String, Held)> {
        let model = &project.units[unit].model;
        let libraries = &knowledge.external_calls.libraries;
        let mut out = Vec::new();
        for call in &model.calls {
            if call.args.is_empty() {
                continue;
            }
            let Some(f) = project.resolve_call(unit, call) else {
                continue;
            };
            let params = &project.function(f).params;
            for (i, arg) in call.args.iter().enumerate() {
                let param = match &arg.keyword {
                    Some(k) => params.iter().find(|p| *p == k),
                    None => params.get(i),
                };
                let Some(param) = param else { continue };
                let held = match &arg.value {
                    ArgValue::Name(name) => self
                        .lookup(project, unit, call.func, name, call.span.start, 0)
                        .map(|b| b.held.clone()),
                    ArgValue::Call(callee) => model
                        .calls
                        .iter()
                        .enumerate()
                        .find(|(_, c)| c.callee == *callee && arg.span.contains(c.span))
                        .and_then(|(inner, c)| {
                            let library =
                                project.canonical[unit][inner].as_deref().and_then(|n| {
                                    knowledge.external_calls.library_of_client_factory(n)
                                })?;
                            if in_process(model, c, &libraries[library]) {
                                return Some(Held::InProcess);
                            }
                            Some(Held::Client {
                                library,
                                timeout: client_timeout(c, &libraries[library], project, unit, ""),
                            })
                        }),
                    _ => None,
                };
                if let Some(held @ (Held::Client { .. } | Held::InProcess)) = held {
                    out.push((f, param.clone(), held));
                }
            }
        }
        out
    }

    /// The client a project function returns (`def make_client(): return
    /// httpx.AsyncClient(...)`, `return axios.create({ ... })`, a module-level client it hands
    /// out), for `client = make_client()` / `async with make_client() as client`.
    fn client_from_factory(
        &self,
        project: &Project,
        knowledge: &Knowledge,
        unit: usize,
        call: &Call,
    ) -> Option<(usize, ClientTimeout)> {
        let f = project.resolve_call(unit, call)?;
        let model = &project.units[f.unit].model;
        let libraries = &knowledge.external_calls.libraries;
        let returns: Vec<Span> = model
            .exits
            .iter()
            .filter(|e| e.func == f.func && e.statement == ExitStatement::Return)
            .map(|e| e.span)
            .collect();
        for (i, c) in model.calls.iter().enumerate() {
            if c.func != f.func || !returns.iter().any(|r| r.contains(c.span)) {
                continue;
            }
            let Some(library) = project.canonical[f.unit][i]
                .as_deref()
                .and_then(|n| knowledge.external_calls.library_of_client_factory(n))
            else {
                continue;
            };
            if in_process(model, c, &libraries[library]) {
                return None;
            }
            return Some((
                library,
                client_timeout(c, &libraries[library], project, f.unit, ""),
            ));
        }
        for returned in model.returned.iter().filter(|r| r.func == f.func) {
            let Some(name) = &returned.name else { continue };
            // A name of the function or the module, else a field of a record it holds
            // (`return entry.client`).
            let held = self
                .named(f.unit, name)
                .find(|b| b.name == *name && (b.func == f.func || b.func == MODULE))
                .or_else(|| {
                    let end = model.functions[f.func].span.end;
                    self.lookup(project, f.unit, f.func, name, end, 1)
                });
            if let Some(Binding {
                held: Held::Client { library, timeout },
                ..
            }) = held
            {
                return Some((*library, timeout.clone()));
            }
        }
        None
    }

    /// A breaker built by call `index`, if it builds one: a library constructor, a
    /// combination of policies, or a home-grown breaker class.
    pub(super) fn breaker_held(
        &self,
        project: &Project,
        knowledge: &Knowledge,
        unit: usize,
        index: usize,
        classes: &[HomeGrownBreaker],
    ) -> Option<Held> {
        let model = &project.units[unit].model;
        let call = &model.calls[index];
        let canonical = project.canonical[unit][index].as_deref();
        if constructs_breaker(knowledge, &call.callee, canonical) {
            let wrapped = match call.args.first().map(|a| &a.value) {
                Some(ArgValue::Function(id)) => vec![FnRef { unit, func: *id }],
                Some(ArgValue::Name(name)) => project
                    .resolve_callee(unit, call.func, name)
                    .into_iter()
                    .collect(),
                _ => Vec::new(),
            };
            let deadline = [Some(call.callee.as_str()), canonical]
                .into_iter()
                .flatten()
                .any(|c| {
                    knowledge
                        .external_calls
                        .timeout_wrappers
                        .matches(c)
                        .is_some()
                });
            return Some(Held::Breaker {
                wrapped,
                deadline,
                runners: Vec::new(),
            });
        }
        let local = classes.iter().find(|c| c.name == call.callee).cloned();
        let class = local.or_else(|| breaker_class_of(project, knowledge, unit, &call.callee))?;
        // `new QuoteBreaker(fetchQuote)`: the runners run the function it keeps.
        let wrapped = if class.wraps_constructor_args {
            call.args
                .iter()
                .filter_map(|a| match &a.value {
                    ArgValue::Function(id) => Some(FnRef { unit, func: *id }),
                    ArgValue::Name(name) => project.resolve_callee(unit, call.func, name),
                    _ => None,
                })
                .collect()
        } else {
            Vec::new()
        };
        Some(Held::Breaker {
            wrapped,
            deadline: false,
            runners: class.runners,
        })
    }

    pub(super) fn push_binding(&mut self, unit: usize, binding: Binding) {
        self.by_name[unit]
            .entry(binding.name.clone())
            .or_default()
            .push(self.bindings[unit].len());
        self.bindings[unit].push(binding);
    }

    /// The bindings of a name in a file, in the order they were made.
    pub(super) fn named<'s>(
        &'s self,
        unit: usize,
        name: &str,
    ) -> impl Iterator<Item = &'s Binding> + 's {
        let bindings = &self.bindings[unit];
        self.by_name[unit]
            .get(name)
            .into_iter()
            .flatten()
            .map(move |&i| &bindings[i])
    }

    /// The binding a name (`client`, `this.http`, `api`) refers to from function `from`: the
    /// innermost scope that binds it, the class for `this.` / `self.` names, else the binding
    /// an import names in another file.
    pub(super) fn lookup(
        &self,
        project: &Project,
        unit: usize,
        from: FnId,
        name: &str,
        at: u32,
        hops: usize,
    ) -> Option<&Binding> {
        let model = &project.units[unit].model;
        fn pick(candidates: Vec<&Binding>, at: u32) -> Option<&Binding> {
            candidates
                .iter()
                .rev()
                .find(|b| b.at < at)
                .or(candidates.first())
                .copied()
        }
        if name.starts_with("this.") || name.starts_with("self.") {
            let owner = enclosing_owner(model, from);
            let candidates: Vec<&Binding> = self
                .named(unit, name)
                .filter(|b| {
                    let bound_in = enclosing_owner(model, b.func);
                    owner.is_none() || bound_in.is_none() || bound_in == owner
                })
                .collect();
            // An assignment says more than a type annotation.
            let assigned: Vec<&Binding> = candidates.iter().copied().filter(|b| !b.typed).collect();
            return if assigned.is_empty() {
                pick(candidates, at)
            } else {
                pick(assigned, at)
            };
        }
        if hops > MAX_HOPS {
            return None;
        }
        let head = name.split('.').next().unwrap_or(name);
        let mut scope = Some(from);
        for _ in 0..64 {
            let Some(id) = scope else { break };
            let candidates: Vec<&Binding> = self
                .named(unit, name)
                .filter(|b| b.func == id && !b.typed)
                .collect();
            if !candidates.is_empty() {
                return pick(candidates, at);
            }
            // Bound here to something else (`async with AsyncSession() as client`).
            if self.assigned[unit].contains(&(id, name.to_string())) {
                return None;
            }
            // Bound here to another name (`client = entry.client`): what that name holds.
            if let Some(aliased) = self.aliased(project, unit, id, name, at, hops) {
                return aliased;
            }
            if model.functions[id].params.iter().any(|p| p == head) {
                // A typed parameter (`client: httpx.AsyncClient`) holds what its type says,
                // and its fields what the constructions of its class hand them.
                return self
                    .named(unit, name)
                    .find(|b| b.typed && b.func == id)
                    .or_else(|| self.record_field(project, unit, from, name, hops));
            }
            scope = model.functions[id].parent;
        }
        self.record_field(project, unit, from, name, hops)
            .or_else(|| self.imported(project, unit, name, hops))
    }

    /// A plain name that function `id` binds to another name (`client = entry.client`, `const
    /// api = this.http`): `Some` of what the other name holds there (the last such binding
    /// before `at`), `Some(None)` when it holds nothing we know (the local hides outer
    /// bindings), `None` when `id` binds no such name.
    fn aliased(
        &self,
        project: &Project,
        unit: usize,
        id: FnId,
        name: &str,
        at: u32,
        hops: usize,
    ) -> Option<Option<&Binding>> {
        if name.contains('.') {
            return None;
        }
        let model = &project.units[unit].model;
        let mut aliases: Vec<&Assignment> = project.indexes[unit]
            .aliases
            .get(name)?
            .iter()
            .map(|&i| &model.assignments[i])
            .filter(|a| a.func == id)
            .collect();
        if aliases.is_empty() {
            return None;
        }
        aliases.sort_by_key(|a| a.span.start);
        let before: Vec<&&Assignment> = aliases.iter().filter(|a| a.span.start < at).collect();
        let chosen = before.last().copied().unwrap_or(&aliases[0]);
        let value = chosen.value.as_deref().filter(|v| *v != name)?;
        Some(self.lookup(project, unit, id, value, chosen.span.start, hops + 1))
    }

    /// `entry.client` where `entry` holds an instance of a project class (a record: `@dataclass
    /// class Entry: client: Any`) whose constructions hand that field a client, by keyword
    /// (`Entry(client=client)`) or by the constructor's parameter of the field's name (`new
    /// Entry(client)`): the client's binding at a construction site.
    fn record_field(
        &self,
        project: &Project,
        unit: usize,
        from: FnId,
        name: &str,
        hops: usize,
    ) -> Option<&Binding> {
        let (head, field) = name.rsplit_once('.')?;
        if hops > MAX_HOPS
            || head.is_empty()
            || matches!(head, "this" | "self" | "cls")
            || head.contains(['(', '[', '.'])
            || field.contains(['(', '['])
        {
            return None;
        }
        let (cu, class) = project.class_of_receiver(unit, from, head, 0)?;
        let constructor = ["__init__", "constructor"]
            .iter()
            .find_map(|m| project.method(cu, &class, m))
            .map(|f| project.function(f));
        let position = constructor.and_then(|c| {
            let skip = usize::from(c.params.first().is_some_and(|p| p == "self"));
            c.params.iter().position(|p| p == field)?.checked_sub(skip)
        });
        for (su, call) in project.construction_sites(cu, &class) {
            let site = &project.units[su].model.calls[call];
            let arg = site
                .args
                .iter()
                .find(|a| a.keyword.as_deref() == Some(field))
                .or_else(|| site.args.get(position?).filter(|a| a.keyword.is_none()));
            let Some(ArgValue::Name(handed)) = arg.map(|a| &a.value) else {
                continue;
            };
            let found = self.lookup(project, su, site.func, handed, site.span.start, hops + 1);
            if let Some(b) = found.filter(|b| matches!(b.held, Held::Client { .. })) {
                return Some(b);
            }
        }
        None
    }

    /// A module-level binding of another file that an import names.
    pub(super) fn imported(
        &self,
        project: &Project,
        unit: usize,
        name: &str,
        hops: usize,
    ) -> Option<&Binding> {
        if hops > MAX_HOPS {
            return None;
        }
        let model = &project.units[unit].model;
        let file = &project.units[unit].file;
        let mut segments = name.split('.');
        let head = segments.next()?;
        let rest: Vec<&str> = segments.collect();
        let import = model.imports.iter().find(|i| i.local == head)?;
        let (target, exported, rest) = match &import.imported {
            Some(imported) => {
                if file.language == Language::Python {
                    let submodule = python_submodule(&import.source, imported);
                    if let (Some(u), Some((first, more))) =
                        (project.module(unit, &submodule), rest.split_first())
                    {
                        (u, first.to_string(), more.to_vec())
                    } else {
                        (
                            project.module(unit, &import.source)?,
                            imported.clone(),
                            rest,
                        )
                    }
                } else {
                    (
                        project.module(unit, &import.source)?,
                        imported.clone(),
                        rest,
                    )
                }
            }
            None => {
                let (first, more) = rest.split_first()?;
                (
                    project.module(unit, &import.source)?,
                    first.to_string(),
                    more.to_vec(),
                )
            }
        };
        let target_model = &project.units[target].model;
        let local = target_model
            .exports
            .iter()
            .find_map(|e| match e {
                Export::Name { exported: x, local } if *x == exported => Some(local.clone()),
                _ => None,
            })
            .unwrap_or(exported);
        let mut full = local;
        for r in rest {
            full.push('.');
            full.push_str(r);
        }
        self.lookup(project, target, MODULE, &full, u32::MAX, hops + 1)
    }

    /// The client a call's receiver holds: `(library, client timeout, client name)`.
    /// With `derive`, only calls that return another client (`pool.connect()`) count; else
    /// only calls that make a request.
    pub(super) fn client_of_receiver(
        &self,
        project: &Project,
        knowledge: &Knowledge,
        unit: usize,
        index: usize,
        derive: bool,
    ) -> Option<(usize, ClientTimeout, String)> {
        let model = &project.units[unit].model;
        let call = &model.calls[index];
        let libraries = &knowledge.external_calls.libraries;
        let segments: Vec<&str> = call.callee.split('.').collect();
        for n in (1..segments.len()).rev() {
            let prefix = segments[..n].join(".");
            let rest = segments[n..].join(".");
            let wanted = |library: &Library| {
                if derive {
                    library.derive.matches(&rest).is_some()
                } else {
                    library.methods.matches(&rest).is_some()
                }
            };
            if let Some(binding) =
                self.lookup(project, unit, call.func, &prefix, call.span.start, 0)
            {
                return match &binding.held {
                    Held::Client { library, timeout } if wanted(&libraries[*library]) => {
                        Some((*library, timeout.clone(), prefix))
                    }
                    _ => None,
                };
            }
            // `httpx.AsyncClient().get(url)`, `mysql.createPool(config).promise()`
            if let Some(factory) = prefix.strip_suffix("()") {
                let inner = model.calls.iter().position(|c| {
                    c.callee == factory
                        && c.span.start == call.span.start
                        && c.span.end <= call.callee_span.end
                });
                let Some(inner) = inner else { continue };
                if let Some(canonical) = project.canonical[unit][inner].as_deref() {
                    if let Some(library) = knowledge
                        .external_calls
                        .library_of_client_factory(canonical)
                    {
                        if !wanted(&libraries[library])
                            || in_process(model, &model.calls[inner], &libraries[library])
                        {
                            return None;
                        }
                        let timeout = client_timeout(
                            &model.calls[inner],
                            &libraries[library],
                            project,
                            unit,
                            "",
                        );
                        return Some((library, timeout, prefix));
                    }
                }
                if !derive {
                    // A client derived inline: `client.db("x").collection("y").findOne()`.
                    if let Some((library, timeout, client)) =
                        self.client_of_receiver(project, knowledge, unit, inner, true)
                    {
                        if wanted(&libraries[library]) {
                            return Some((library, timeout, client));
                        }
                    }
                }
            }
        }
        None
    }

    pub(super) fn binding(
        &self,
        project: &Project,
        unit: usize,
        from: FnId,
        name: &str,
        at: u32,
    ) -> Option<&Binding> {
        self.lookup(project, unit, from, name, at, 0)
    }
}
