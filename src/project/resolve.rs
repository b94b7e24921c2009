//! Names to definitions, inside the scanned tree: module specifiers to files, imports and
//! exports (followed through re-exports), qualified names, methods of project classes and of
//! tracked instances, and callees with their imports resolved (`ky.get` for `import ky from
//! "ky"`), which the external-call and breaker vocabularies match.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::{Path, PathBuf};

use super::{FastMap, FastSet, FnRef, Project};
use crate::discover::SourceFile;
use crate::model::*;

#[derive(Debug, Default)]
pub(super) struct UnitIndex {
    /// Functions by name that are not methods.
    pub(super) functions: FastMap<String, Vec<FnId>>,
    /// Methods by (owner, name).
    pub(super) methods: FastMap<(String, String), FnId>,
    pub(super) owners: FastSet<String>,
    pub(super) imports: FastMap<String, usize>,
    pub(super) children: Vec<Vec<FnId>>,
    pub(super) calls_by_fn: Vec<Vec<usize>>,
    /// `calls_by_fn` ordered by where each call starts, for lookups by region.
    pub(super) calls_by_start: Vec<Vec<usize>>,
    /// Whether a `try` statement of its parent protects the function (a callback defined
    /// inside the `try`).
    pub(super) in_parent_try: Vec<bool>,
    /// Tracked instances by name: the first one, as `find` would give.
    pub(super) instances: FastMap<String, usize>,
    /// Classes' bases as written (`Api` -> `["Base"]`).
    pub(super) bases: FastMap<String, Vec<String>>,
    /// Calls by the name their result is stored in.
    pub(super) assigned: FastMap<String, Vec<usize>>,
    /// Object and dict literals by the name they are kept in.
    pub(super) tables: FastMap<String, Vec<usize>>,
    /// Object and dict literals by the function that returns them.
    pub(super) returned_tables: FastMap<FnId, Vec<usize>>,
    /// Assignments to a plain name (`list_tables = _metadata.list_tables`) by that name.
    pub(super) aliases: FastMap<String, Vec<usize>>,
}

/// What a name resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Target {
    Function(FnRef),
    Class(usize, String),
    Module(usize),
}

pub(super) const MAX_HOPS: usize = 8;

/// At most this many functions are followed from one call through a table.
pub(super) const MAX_TABLE_FUNCTIONS: usize = 256;

impl Project {
    /// The function a call runs, when it is defined in the scanned tree.
    pub fn resolve_call(&self, unit: usize, call: &Call) -> Option<FnRef> {
        self.resolve_callee(unit, call.func, &call.callee)
    }

    /// Resolves a callee path as seen from function `from` of `unit`.
    pub fn resolve_callee(&self, unit: usize, from: FnId, callee: &str) -> Option<FnRef> {
        self.resolve_callee_at(unit, from, callee, 0)
    }

    /// [`Project::resolve_callee`], `hops` deep into what calls return.
    fn resolve_callee_at(
        &self,
        unit: usize,
        from: FnId,
        callee: &str,
        hops: usize,
    ) -> Option<FnRef> {
        if hops > 3 {
            return None;
        }
        let model = &self.units[unit].model;
        let (receiver, method) = match callee.rsplit_once('.') {
            None => {
                return match self.resolve_name(unit, callee, 0) {
                    Some(Target::Function(f)) => Some(f),
                    Some(_) => None,
                    None => self.resolve_alias(unit, from, callee, hops),
                };
            }
            Some(pair) => pair,
        };
        if receiver == "this" || receiver == "self" || receiver == "cls" {
            let owner = enclosing_owner(model, from)?;
            return self.method(unit, &owner, method);
        }
        // A tracked instance: `client.search`, `this.client.search`, `self.api.get`.
        let instance = self.indexes[unit].instances.get(receiver);
        if let Some(instance) = instance.map(|&i| &model.instances[i]) {
            if let Some((u, c)) = self.class_named(unit, &instance.class) {
                return self.method(u, &c, method);
            }
        }
        // A field set from what the constructor is given (`this.client = httpClient`): the
        // classes its construction sites hand it.
        if let Some(field) = receiver
            .strip_prefix("this.")
            .or_else(|| receiver.strip_prefix("self."))
        {
            if !field.contains(['.', '(', '[']) {
                for (u, c) in self.field_classes(unit, from, receiver, hops + 1) {
                    if let Some(found) = self.method(u, &c, method) {
                        return Some(found);
                    }
                }
            }
        }
        // What a call returns: `get_client().search`, `apiFromContext(ctx).listIssues`, or a
        // name that holds it (`service = new_api(); service.list()`).
        if let Some(made) = receiver.strip_suffix("()") {
            if !made.contains('(') {
                let (u, c) = self.class_of_call(unit, from, made, hops + 1)?;
                return self.method(u, &c, method);
            }
        }
        if !receiver.contains('(') {
            let made = self.indexes[unit]
                .assigned
                .get(receiver)
                .into_iter()
                .flatten()
                .map(|&i| &model.calls[i])
                .filter(|c| encloses(model, c.func, from))
                .max_by_key(|c| (c.func == from, c.func != MODULE));
            if let Some((u, c)) =
                made.and_then(|c| self.class_of_call(unit, from, &c.callee, hops + 1))
            {
                if let Some(found) = self.method(u, &c, method) {
                    return Some(found);
                }
            }
        }
        // A field of an object whose class is known: `circleci.jobs.list` where `circleci`
        // holds a `Client` whose constructor sets `this.jobs = new JobsApi(...)`.
        if let Some((head, field)) = receiver.rsplit_once('.') {
            if !head.contains('(') && head != "this" && head != "self" {
                if let Some((u, c)) = self.class_of_receiver(unit, from, head, hops + 1) {
                    let model = &self.units[u].model;
                    let found = ["this", "self"].iter().find_map(|me| {
                        let i = *self.indexes[u].instances.get(&format!("{me}.{field}"))?;
                        let class = &model.instances[i].class;
                        match self.class_named(u, class) {
                            Some((u2, c2)) if (u2, &c2) != (u, &c) => self.method(u2, &c2, method),
                            _ => None,
                        }
                    });
                    if found.is_some() {
                        return found;
                    }
                }
            }
        }
        // An object of functions: `api.get()` where `api` holds `{ get: async () => ... }`
        // or what a project function returned as one.
        if !receiver.contains('(') {
            let mut found = Vec::new();
            for (u, t) in self.tables_of(unit, from, receiver, hops + 1) {
                self.table_functions(u, t, Some(method), hops + 1, &mut found);
            }
            if let Some(&f) = found.first() {
                return Some(f);
            }
        }
        match self.resolve_name(unit, receiver, 0)? {
            Target::Module(u) => match self.export(u, method, 0)? {
                Target::Function(f) => Some(f),
                _ => None,
            },
            Target::Class(u, c) => self.method(u, &c, method),
            Target::Function(_) => None,
        }
    }

    /// The functions a tool handler named `name` (in function `from`) runs: the function it
    /// names, those of the table it takes an entry of (`const handler = HANDLERS[tool.name]`),
    /// or, for what a project function made of other handlers (`const wrapped =
    /// wrapToolHandler(tool.name, handler)`), that function (whose closure it returns) and
    /// the handlers handed to it.
    pub(super) fn handler_targets(
        &self,
        unit: usize,
        from: FnId,
        name: &str,
        hops: usize,
    ) -> Vec<FnRef> {
        if hops > 3 {
            return Vec::new();
        }
        if let Some(f) = self.resolve_callee(unit, from, name) {
            return vec![f];
        }
        let mut out = self.table_callees(unit, from, name);
        if !out.is_empty() || name.contains(['.', '(', '[']) {
            return out;
        }
        let model = &self.units[unit].model;
        let made = self.indexes[unit]
            .assigned
            .get(name)
            .into_iter()
            .flatten()
            .map(|&i| &model.calls[i])
            .filter(|c| encloses(model, c.func, from))
            .max_by_key(|c| (c.func == from, c.func != MODULE));
        let Some(call) = made else { return out };
        let Some(wrapper) = self.resolve_call(unit, call) else {
            return out;
        };
        out.push(wrapper);
        for arg in &call.args {
            match &arg.value {
                ArgValue::Function(id) => out.push(FnRef { unit, func: *id }),
                ArgValue::Name(n) => {
                    for f in self.handler_targets(unit, call.func, n, hops + 1) {
                        if !out.contains(&f) {
                            out.push(f);
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// A plain name that holds another (`list_tables = _metadata.list_tables`, `const get =
    /// api.get`), in a scope around `from`: the function that other name runs.
    fn resolve_alias(&self, unit: usize, from: FnId, name: &str, hops: usize) -> Option<FnRef> {
        let model = &self.units[unit].model;
        let alias = self.indexes[unit]
            .aliases
            .get(name)?
            .iter()
            .map(|&i| &model.assignments[i])
            .filter(|a| encloses(model, a.func, from))
            .max_by_key(|a| (a.func == from, a.func != MODULE))?;
        let value = alias.value.as_deref().filter(|v| *v != name)?;
        self.resolve_callee_at(unit, alias.func, value, hops + 1)
    }

    /// The functions a call through a table runs (`HANDLERS[name](req)`,
    /// `ACTIONS[action](**kw)`): every function kept in it, in its spreads and in the tables
    /// the calls it spreads return. At most [`MAX_TABLE_FUNCTIONS`].
    pub fn table_callees(&self, unit: usize, from: FnId, receiver: &str) -> Vec<FnRef> {
        let mut out = Vec::new();
        for (u, t) in self.tables_of(unit, from, receiver, 0) {
            self.table_functions(u, t, None, 0, &mut out);
        }
        out
    }

    /// The functions a call through a table can run, each with the key it is kept under
    /// (`TOOL_HANDLERS[name](req)` over `{ ...createMonitorHandlers(api) }`): the entries of
    /// the tables `receiver` holds and of their spreads. At most [`MAX_TABLE_FUNCTIONS`].
    pub fn table_entries(&self, unit: usize, from: FnId, receiver: &str) -> Vec<(String, FnRef)> {
        let mut out = Vec::new();
        for (u, t) in self.tables_of(unit, from, receiver, 0) {
            self.keyed_functions(u, t, 0, &mut out);
        }
        out
    }

    fn keyed_functions(&self, unit: usize, t: usize, hops: usize, out: &mut Vec<(String, FnRef)>) {
        if hops > MAX_HOPS || out.len() >= MAX_TABLE_FUNCTIONS {
            return;
        }
        let table = &self.units[unit].model.tables[t];
        for (key, value) in &table.entries {
            match (key, value) {
                (Some(k), ArgValue::Function(id)) => {
                    out.push((k.clone(), FnRef { unit, func: *id }))
                }
                (Some(k), ArgValue::Name(n)) => {
                    if let Some(f) = self.resolve_callee_at(unit, table.func, n, hops + 1) {
                        out.push((k.clone(), f));
                    }
                }
                (None, ArgValue::Name(n)) => {
                    for (u, t2) in self.tables_of(unit, table.func, n, hops + 1) {
                        self.keyed_functions(u, t2, hops + 1, out);
                    }
                }
                (None, ArgValue::Call(c)) => {
                    if let Some(f) = self.resolve_callee_at(unit, table.func, c, hops + 1) {
                        for (u, t2) in self.returned_tables(f).collect::<Vec<_>>() {
                            self.keyed_functions(u, t2, hops + 1, out);
                        }
                    }
                }
                _ => {}
            }
            if out.len() >= MAX_TABLE_FUNCTIONS {
                return;
            }
        }
    }

    /// The tables a name holds as seen from function `from`: a literal kept in it (in a scope
    /// around `from`), one imported under it, or one a project function returned into it.
    fn tables_of(&self, unit: usize, from: FnId, name: &str, hops: usize) -> Vec<(usize, usize)> {
        if hops > MAX_HOPS {
            return Vec::new();
        }
        let model = &self.units[unit].model;
        let index = &self.indexes[unit];
        let mut out: Vec<(usize, usize)> = index
            .tables
            .get(name)
            .into_iter()
            .flatten()
            .filter(|&&t| encloses(model, model.tables[t].func, from))
            .map(|&t| (unit, t))
            .collect();
        if !out.is_empty() || name.contains('.') {
            return out;
        }
        let made = index
            .assigned
            .get(name)
            .into_iter()
            .flatten()
            .map(|&i| &model.calls[i])
            .filter(|c| encloses(model, c.func, from))
            .max_by_key(|c| (c.func == from, c.func != MODULE));
        if let Some(call) = made {
            if let Some(f) = self.resolve_callee_at(unit, call.func, &call.callee, hops + 1) {
                out.extend(self.returned_tables(f));
            }
            return out;
        }
        if let Some(&i) = index.imports.get(name) {
            let import = &model.imports[i];
            let imported = import.imported.as_deref().unwrap_or(name);
            if let Some(u) = self.module(unit, &import.source) {
                if u != unit {
                    out.extend(self.tables_of(u, MODULE, imported, hops + 1));
                }
            }
        }
        out
    }

    fn returned_tables(&self, f: FnRef) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.indexes[f.unit]
            .returned_tables
            .get(&f.func)
            .into_iter()
            .flatten()
            .map(move |&t| (f.unit, t))
    }

    /// The functions table `t` of `unit` keeps under `key` (every key for `None`), its spreads
    /// followed.
    fn table_functions(
        &self,
        unit: usize,
        t: usize,
        key: Option<&str>,
        hops: usize,
        out: &mut Vec<FnRef>,
    ) {
        if hops > MAX_HOPS || out.len() >= MAX_TABLE_FUNCTIONS {
            return;
        }
        let table = &self.units[unit].model.tables[t];
        for (k, value) in &table.entries {
            let wanted = k.is_some() && (key.is_none() || k.as_deref() == key);
            match value {
                ArgValue::Function(id) if wanted => out.push(FnRef { unit, func: *id }),
                ArgValue::Name(n) if wanted => {
                    out.extend(self.resolve_callee_at(unit, table.func, n, hops + 1))
                }
                ArgValue::Name(n) if k.is_none() => {
                    for (u, t2) in self.tables_of(unit, table.func, n, hops + 1) {
                        self.table_functions(u, t2, key, hops + 1, out);
                    }
                }
                ArgValue::Call(c) if k.is_none() => {
                    if let Some(f) = self.resolve_callee_at(unit, table.func, c, hops + 1) {
                        for (u, t2) in self.returned_tables(f).collect::<Vec<_>>() {
                            self.table_functions(u, t2, key, hops + 1, out);
                        }
                    }
                }
                _ => {}
            }
            if out.len() >= MAX_TABLE_FUNCTIONS {
                return;
            }
        }
    }

    /// The project class a receiver holds: a tracked instance, or what a call stored in it
    /// returns.
    pub(super) fn class_of_receiver(
        &self,
        unit: usize,
        from: FnId,
        receiver: &str,
        hops: usize,
    ) -> Option<(usize, String)> {
        if hops > 3 {
            return None;
        }
        let model = &self.units[unit].model;
        if let Some(&i) = self.indexes[unit].instances.get(receiver) {
            if let Some(found) = self.class_named(unit, &model.instances[i].class) {
                return Some(found);
            }
        }
        if receiver.starts_with("this.") || receiver.starts_with("self.") {
            let set = self.field_classes(unit, from, receiver, hops + 1);
            if let Some(found) = set.into_iter().next() {
                return Some(found);
            }
        }
        // The calls whose result the name holds, innermost scope first (`entry =
        // self.cache.get(key)` may say nothing where `entry = Entry(...)` does), then a plain
        // name it is bound to (`candidate = entry`).
        let mut made: Vec<&Call> = self.indexes[unit]
            .assigned
            .get(receiver)
            .into_iter()
            .flatten()
            .map(|&i| &model.calls[i])
            .filter(|c| encloses(model, c.func, from))
            .collect();
        made.sort_by_key(|c| std::cmp::Reverse((c.func == from, c.func != MODULE)));
        if let Some(found) = made
            .iter()
            .find_map(|c| self.class_of_call(unit, from, &c.callee, hops))
        {
            return Some(found);
        }
        if receiver.contains('.') {
            return None;
        }
        let alias = self.indexes[unit]
            .aliases
            .get(receiver)?
            .iter()
            .map(|&i| &model.assignments[i])
            .filter(|a| encloses(model, a.func, from))
            .max_by_key(|a| (a.func == from, a.func != MODULE))?;
        let value = alias.value.as_deref().filter(|v| *v != receiver)?;
        self.class_of_receiver(unit, alias.func, value, hops + 1)
    }

    /// The project classes field `receiver` (`this.client`, `self._client`) of the class
    /// around `from` holds when a method of that class sets it from a name: what the name
    /// holds there, or, for a parameter of the constructor (`constructor(httpClient) {
    /// this.client = httpClient }`), what each construction site hands that parameter
    /// (`new JobsAPI(new HttpClient(...))`, `JobsAPI(client=http)`).
    fn field_classes(
        &self,
        unit: usize,
        from: FnId,
        receiver: &str,
        hops: usize,
    ) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        if hops > 3 {
            return out;
        }
        let model = &self.units[unit].model;
        let Some(owner) = enclosing_owner(model, from) else {
            return out;
        };
        for a in &model.assignments {
            let Some(value) = a.value.as_deref().filter(|_| a.target == receiver) else {
                continue;
            };
            if value.starts_with(['"', '\'', '`']) || value.parse::<f64>().is_ok() {
                continue;
            }
            if enclosing_owner(model, a.func).as_deref() != Some(owner.as_str()) {
                continue;
            }
            let setter = &model.functions[a.func];
            let constructor = matches!(setter.name.as_deref(), Some("constructor" | "__init__"));
            match setter.params.iter().position(|p| p == value) {
                Some(i) if constructor => {
                    let skip = usize::from(setter.params.first().is_some_and(|p| p == "self"));
                    for (u, call) in self.construction_sites(unit, &owner) {
                        let site = &self.units[u].model.calls[call];
                        let arg = site
                            .args
                            .iter()
                            .find(|arg| arg.keyword.as_deref() == Some(value))
                            .or_else(|| {
                                let i = i.checked_sub(skip)?;
                                site.args.get(i).filter(|arg| arg.keyword.is_none())
                            });
                        let found = match arg.map(|arg| &arg.value) {
                            Some(ArgValue::Name(n)) => {
                                self.class_of_receiver(u, site.func, n, hops + 1)
                            }
                            Some(ArgValue::Call(callee)) => {
                                self.class_of_call(u, site.func, callee, hops + 1)
                            }
                            _ => None,
                        };
                        out.extend(found.filter(|f| !out.contains(f)));
                    }
                }
                Some(_) => {}
                None => {
                    let found = self.class_of_receiver(unit, a.func, value, hops + 1);
                    out.extend(found.filter(|f| !out.contains(f)));
                }
            }
        }
        out
    }

    /// The calls that construct project class `owner` of `unit`.
    pub(super) fn construction_sites(&self, unit: usize, owner: &str) -> Vec<(usize, usize)> {
        self.constructions
            .get(owner)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&(u, call)| {
                let callee = &self.units[u].model.calls[call].callee;
                self.class_named(u, callee)
                    .is_some_and(|(cu, c)| cu == unit && c == owner)
            })
            .collect()
    }

    /// The project class a class name as written in `unit` names: `Client`, or `api.Client`
    /// through the module `api` names (`from . import api`, `import * as api`).
    pub(super) fn class_named(&self, unit: usize, written: &str) -> Option<(usize, String)> {
        let last = written.rsplit('.').next().unwrap_or(written);
        if let Some(Target::Class(u, c)) = self.resolve_name(unit, last, 0) {
            return Some((u, c));
        }
        let (head, last) = written.rsplit_once('.')?;
        match self.resolve_name(unit, head, 0)? {
            Target::Module(u) => match self.export(u, last, 0)? {
                Target::Class(u, c) => Some((u, c)),
                _ => None,
            },
            _ => None,
        }
    }

    /// A method of a project class, or of the classes it extends (`this.request` defined in
    /// the parent).
    pub(super) fn method(&self, unit: usize, owner: &str, name: &str) -> Option<FnRef> {
        let (mut unit, mut owner) = (unit, owner.to_string());
        for _ in 0..MAX_HOPS {
            if let Some(&func) = self.indexes[unit]
                .methods
                .get(&(owner.clone(), name.to_string()))
            {
                return Some(FnRef { unit, func });
            }
            let base = self.indexes[unit].bases.get(&owner)?.first()?;
            match self.class_named(unit, base)? {
                (u, c) if (u, &c) != (unit, &owner) => (unit, owner) = (u, c),
                _ => return None,
            }
        }
        None
    }

    /// The project class a call gives: a constructor (`Client()`, `new Api()`), or a project
    /// function that returns an instance (its return annotation, `return new Api()`, a
    /// singleton it returns).
    pub(super) fn class_of_call(
        &self,
        unit: usize,
        from: FnId,
        callee: &str,
        hops: usize,
    ) -> Option<(usize, String)> {
        if hops > 3 {
            return None;
        }
        let named = match callee.rsplit_once('.') {
            None => self.resolve_name(unit, callee, 0),
            Some((receiver, last)) => match self.resolve_name(unit, receiver, 0) {
                Some(Target::Module(u)) => self.export(u, last, 0),
                _ => None,
            },
        };
        match named {
            Some(Target::Class(u, c)) => return Some((u, c)),
            Some(Target::Function(f)) => return self.returned_class(f, hops + 1),
            _ => {}
        }
        let f = self.resolve_callee_at(unit, from, callee, hops + 1)?;
        self.returned_class(f, hops + 1)
    }

    /// The project class function `f` returns, when its annotation, a returned constructor or
    /// a returned instance says.
    fn returned_class(&self, f: FnRef, hops: usize) -> Option<(usize, String)> {
        let model = &self.units[f.unit].model;
        let class_named = |class: &str| self.class_named(f.unit, class);
        for returned in model.returned.iter().filter(|r| r.func == f.func) {
            if let Some(found) = returned.class.as_deref().and_then(class_named) {
                return Some(found);
            }
            let Some(name) = &returned.name else { continue };
            if let Some(&i) = self.indexes[f.unit].instances.get(name) {
                if let Some(found) = class_named(&model.instances[i].class) {
                    return Some(found);
                }
            }
            if let Some(made) = self.indexes[f.unit]
                .assigned
                .get(name)
                .into_iter()
                .flatten()
                .map(|&i| &model.calls[i])
                .find(|c| c.func == f.func)
            {
                if let Some(found) = self.class_of_call(f.unit, f.func, &made.callee, hops) {
                    return Some(found);
                }
            }
        }
        None
    }

    /// A name as seen at the top of `unit`: a local function or class, or an import.
    pub(super) fn resolve_name(&self, unit: usize, name: &str, hops: usize) -> Option<Target> {
        if hops > MAX_HOPS {
            return None;
        }
        let index = &self.indexes[unit];
        if let Some(ids) = index.functions.get(name) {
            return Some(Target::Function(FnRef { unit, func: ids[0] }));
        }
        if index.owners.contains(name) {
            return Some(Target::Class(unit, name.to_string()));
        }
        // The same imports are looked up from every call of a file: answered once per file
        // (at the top, where the depth limit leaves the whole chain to follow).
        if hops == 0
            && let Some(found) = self.imported.get(unit).and_then(|known| known.get(name))
        {
            return found.clone();
        }
        self.resolve_import(unit, *index.imports.get(name)?, hops)
    }

    /// What every name `unit` imports resolves to, as [`Project::resolve_name`] answers at the
    /// top of the file.
    pub(super) fn resolve_imports(&self, unit: usize) -> FastMap<String, Option<Target>> {
        self.indexes[unit]
            .imports
            .iter()
            .map(|(name, &import)| (name.clone(), self.resolve_import(unit, import, 0)))
            .collect()
    }

    /// What import `import` of `unit` names: a module, or what that module exports.
    fn resolve_import(&self, unit: usize, import: usize, hops: usize) -> Option<Target> {
        let import = &self.units[unit].model.imports[import];
        let from = &self.units[unit].file;
        match &import.imported {
            None => self.module(unit, &import.source).map(Target::Module),
            Some(imported) => {
                // `from . import client` names a submodule before a symbol.
                if from.language == Language::Python {
                    let submodule = python_submodule(&import.source, imported);
                    if let Some(u) = self.module(unit, &submodule) {
                        return Some(Target::Module(u));
                    }
                }
                let target = self.module(unit, &import.source)?;
                let found = self.export(target, imported, hops + 1);
                // A default import of a module whose default export is an object of functions
                // (`export default { issueRequest }`) reaches them as members of the module.
                if found.is_none() && imported == "default" {
                    return Some(Target::Module(target));
                }
                found
            }
        }
    }

    /// What module `unit` exports under `name`.
    pub(super) fn export(&self, unit: usize, name: &str, hops: usize) -> Option<Target> {
        if hops > MAX_HOPS {
            return None;
        }
        let model = &self.units[unit].model;
        if self.units[unit].file.language == Language::Python {
            return self.resolve_name(unit, name, hops + 1);
        }
        for export in &model.exports {
            match export {
                Export::Name { exported, local } if exported == name => {
                    return self.resolve_name(unit, local, hops + 1);
                }
                Export::From {
                    exported,
                    imported,
                    source,
                } if exported == name => {
                    let target = self.module(unit, source)?;
                    return self.export(target, imported, hops + 1);
                }
                _ => {}
            }
        }
        for export in &model.exports {
            if let Export::All { source } = export {
                if let Some(target) = self
                    .module(unit, source)
                    .and_then(|t| self.export(t, name, hops + 1))
                {
                    return Some(target);
                }
            }
        }
        // CommonJS files without explicit exports still expose their top-level functions
        // through `module.exports = {...}`; a plain lookup is the best guess for the rest.
        if model.exports.is_empty() {
            return self.resolve_name(unit, name, hops + 1);
        }
        None
    }

    /// The module specifiers `unit` imports and re-exports from, Python's `from pkg import
    /// name` also as the submodule `pkg.name`, each with the unit it names.
    pub(super) fn resolve_specifiers(&self, unit: usize) -> HashMap<String, Option<usize>> {
        let model = &self.units[unit].model;
        let file = &self.units[unit].file;
        let mut specifiers: Vec<String> = Vec::new();
        for import in &model.imports {
            specifiers.push(import.source.clone());
            if let (Language::Python, Some(imported)) = (file.language, &import.imported) {
                specifiers.push(python_submodule(&import.source, imported));
            }
        }
        for export in &model.exports {
            match export {
                Export::From { source, .. } | Export::All { source } => {
                    specifiers.push(source.clone())
                }
                Export::Name { .. } => {}
            }
        }
        let mut out = HashMap::new();
        for specifier in specifiers {
            if let Entry::Vacant(slot) = out.entry(specifier) {
                let found = self.locate_module(file, slot.key());
                slot.insert(found);
            }
        }
        out
    }

    /// The unit a module specifier of `unit` names, when it is inside the scanned tree.
    pub(crate) fn module(&self, unit: usize, source: &str) -> Option<usize> {
        match self.modules.get(unit).and_then(|m| m.get(source)) {
            Some(found) => *found,
            None => self.locate_module(&self.units[unit].file, source),
        }
    }

    pub(super) fn locate_module(&self, from: &SourceFile, source: &str) -> Option<usize> {
        let dir = from.path.parent().unwrap_or(Path::new(""));
        if from.language == Language::Python {
            return self.python_module(dir, source);
        }
        if !source.starts_with('.') {
            return None;
        }
        let base = normalize_path(&dir.join(source));
        let stem = strip_js_extension(&base);
        let mut candidates = vec![base.clone()];
        for ext in ["ts", "tsx", "mts", "cts", "js", "mjs", "cjs", "jsx"] {
            candidates.push(with_suffix(&stem, &format!(".{ext}")));
        }
        for ext in ["ts", "tsx", "js", "mjs"] {
            candidates.push(base.join(format!("index.{ext}")));
        }
        candidates.iter().find_map(|c| self.by_path.get(c).copied())
    }

    pub(super) fn python_module(&self, dir: &Path, source: &str) -> Option<usize> {
        let dots = source.chars().take_while(|c| *c == '.').count();
        let rest = &source[dots..];
        let relative: PathBuf = rest.split('.').filter(|s| !s.is_empty()).collect();
        let candidates_in = |base: &Path| -> Option<usize> {
            let module = base.join(&relative);
            [
                with_suffix(&module, ".py"),
                module.join("__init__.py"),
                with_suffix(&module, ".pyi"),
            ]
            .iter()
            .find_map(|c| self.by_path.get(&normalize_path(c)).copied())
        };
        if dots > 0 {
            let mut base = dir.to_path_buf();
            for _ in 1..dots {
                base = base.parent()?.to_path_buf();
            }
            return candidates_in(&base);
        }
        // An absolute import: the package root is one of the importing file's ancestors,
        // the nearest one holding the module (`project/python_modules.rs`).
        let plain = relative
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        if plain {
            return self.python_modules.find(&normalize_path(dir), &relative);
        }
        let mut base = Some(dir);
        while let Some(b) = base {
            if let Some(u) = candidates_in(b) {
                return Some(u);
            }
            base = b.parent();
        }
        // A `src/` layout: the package sits below the scanned root.
        None
    }

    /// The callee of a call with its import resolved (`ky.get`, `urllib.request.urlopen`).
    pub fn canonical_callee(&self, unit: usize, call: usize) -> Option<&str> {
        self.canonical.get(unit)?.get(call)?.as_deref()
    }
}

/// Calls that may construct a class, by the name they call as written last: `new X(...)`, and
/// in Python a call of a capitalised name (`JobsAPI(...)`, `api.JobsAPI(...)`).
pub(super) fn constructions(units: &[super::Unit]) -> HashMap<String, Vec<(usize, usize)>> {
    let mut out: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
    for (u, unit) in units.iter().enumerate() {
        let python = unit.file.language == Language::Python;
        for (i, call) in unit.model.calls.iter().enumerate() {
            let last = call.method();
            if call.is_new || (python && crate::lang::class_like(last)) {
                out.entry(last.to_string()).or_default().push((u, i));
            }
        }
    }
    out
}

pub(super) fn index(model: &Model) -> UnitIndex {
    let mut index = UnitIndex {
        children: vec![Vec::new(); model.functions.len()],
        calls_by_fn: vec![Vec::new(); model.functions.len()],
        ..UnitIndex::default()
    };
    for (id, f) in model.functions.iter().enumerate().skip(1) {
        if let Some(parent) = f.parent {
            index.children[parent].push(id);
        }
        let Some(name) = &f.name else { continue };
        match &f.owner {
            Some(owner) => {
                index.owners.insert(owner.clone());
                index
                    .methods
                    .entry((owner.clone(), name.clone()))
                    .or_insert(id);
            }
            None => index.functions.entry(name.clone()).or_default().push(id),
        }
    }
    for (i, call) in model.calls.iter().enumerate() {
        index.calls_by_fn[call.func].push(i);
        if let Some(name) = &call.assigned_to {
            index.assigned.entry(name.clone()).or_default().push(i);
        }
    }
    for (i, a) in model.assignments.iter().enumerate() {
        if a.value.is_some() && !a.target.contains(['.', '[', '(']) {
            index.aliases.entry(a.target.clone()).or_default().push(i);
        }
    }
    for (i, import) in model.imports.iter().enumerate() {
        index.imports.entry(import.local.clone()).or_insert(i);
    }
    for (i, instance) in model.instances.iter().enumerate() {
        index.instances.entry(instance.name.clone()).or_insert(i);
    }
    for (i, table) in model.tables.iter().enumerate() {
        match &table.name {
            Some(name) => index.tables.entry(name.clone()).or_default().push(i),
            None => index.returned_tables.entry(table.func).or_default().push(i),
        }
    }
    for class in &model.class_bases {
        index.owners.insert(class.name.clone());
        index
            .bases
            .entry(class.name.clone())
            .or_insert_with(|| class.bases.clone());
    }
    index.calls_by_start = index.calls_by_fn.clone();
    for calls in &mut index.calls_by_start {
        calls.sort_by_key(|&c| model.calls[c].span.start);
    }
    index.in_parent_try = functions_in_parent_try(model);
    index
}

/// For each function, whether it lies in the protected body of a `try` statement of its
/// parent. Per parent, the bodies sorted by start with the furthest end so far: a function is
/// inside one when a body starting at or before it reaches its end.
pub(super) fn functions_in_parent_try(model: &Model) -> Vec<bool> {
    let mut bodies: Vec<Vec<Span>> = vec![Vec::new(); model.functions.len()];
    for t in &model.tries {
        if t.kind == TryKind::Statement {
            bodies[t.func].push(t.body);
        }
    }
    let reach: Vec<Vec<(u32, u32)>> = bodies
        .into_iter()
        .map(|mut spans| {
            spans.sort_unstable();
            let mut furthest = 0;
            spans
                .into_iter()
                .map(|s| {
                    furthest = furthest.max(s.end);
                    (s.start, furthest)
                })
                .collect()
        })
        .collect();
    model
        .functions
        .iter()
        .map(|f| {
            let Some(parent) = f.parent else {
                return false;
            };
            let spans = &reach[parent];
            let before = spans.partition_point(|&(start, _)| start <= f.span.start);
            before > 0 && spans[before - 1].1 >= f.span.end
        })
        .collect()
}

/// The class or object a function (or the function around it) is a method of.
pub(super) fn enclosing_owner(model: &Model, mut id: FnId) -> Option<String> {
    for _ in 0..64 {
        let f = &model.functions[id];
        if let Some(owner) = &f.owner {
            return Some(owner.clone());
        }
        id = f.parent?;
    }
    None
}

pub(super) fn strip_js_extension(path: &Path) -> PathBuf {
    match path.extension().and_then(|e| e.to_str()) {
        Some("js" | "mjs" | "cjs" | "jsx" | "ts" | "tsx" | "mts" | "cts") => {
            path.with_extension("")
        }
        _ => path.to_path_buf(),
    }
}

pub(super) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

pub use crate::paths::normalize as normalize_path;

/// Python's `from pkg import name` as the submodule it may name: `pkg.name` (`.` + `name`
/// for `from . import name`).
pub(crate) fn python_submodule(source: &str, imported: &str) -> String {
    if source.ends_with('.') {
        format!("{source}{imported}")
    } else {
        format!("{source}.{imported}")
    }
}

/// Canonical callees of one file's calls.
pub(super) fn canonical_callees(project: &Project, unit: usize) -> Vec<Option<String>> {
    let model = &project.units[unit].model;
    model
        .calls
        .iter()
        .map(|call| {
            let canonical = canonical_name(project, unit, call.func, &call.callee)?;
            // A global's name may be one of our own functions (`async function fetch(...)`).
            let global = GLOBALS
                .iter()
                .any(|g| canonical == *g || canonical.starts_with(&format!("{g}.")));
            if global && project.resolve_call(unit, call).is_some() {
                return None;
            }
            Some(canonical)
        })
        .collect()
}

/// Globals that need no import.
pub(super) const GLOBALS: &[&str] = &["fetch", "Promise"];

/// A dotted name with its import resolved: `ky.get` for `import ky from "ky"`,
/// `urllib.request.urlopen` for `from urllib.request import urlopen`, `node-fetch` for
/// `import fetch from "node-fetch"`. `None` when the name's head is a parameter, or neither
/// imported nor a known global.
pub(super) fn canonical_name(
    project: &Project,
    unit: usize,
    from: FnId,
    name: &str,
) -> Option<String> {
    let model = &project.units[unit].model;
    let python = project.units[unit].file.language == Language::Python;
    let mut name = name;
    for global in ["globalThis.", "window.", "global."] {
        if let Some(rest) = name.strip_prefix(global) {
            name = rest;
        }
    }
    let segments: Vec<&str> = name.split('.').collect();
    let head = segments[0];
    // A parameter named like a module or a global (`def handle(requests)`,
    // `function get(fetch)`) is neither.
    let mut scope = Some(from);
    for _ in 0..64 {
        let Some(id) = scope else { break };
        if model.functions[id].params.iter().any(|p| p == head) {
            return None;
        }
        scope = model.functions[id].parent;
    }
    let imports = &project.indexes[unit].imports;
    for n in (1..=segments.len()).rev() {
        let prefix = segments[..n].join(".");
        let Some(&import) = imports.get(&prefix) else {
            continue;
        };
        let import = &model.imports[import];
        let source = import
            .source
            .strip_prefix("node:")
            .unwrap_or(&import.source);
        let mut base = match &import.imported {
            Some(imported) if python => format!("{source}.{imported}"),
            Some(imported) if imported != "default" => format!("{source}.{imported}"),
            _ => source.to_string(),
        };
        let mut rest = &segments[n..];
        // A module object's `default` is what a default import gives: `axios_1.default.get`
        // for `const axios_1 = __importDefault(require("axios"))` is `axios.get`.
        if !python && import.imported.is_none() && rest.first() == Some(&"default") {
            rest = &rest[1..];
        }
        for s in rest {
            base.push('.');
            base.push_str(s);
        }
        return Some(base);
    }
    GLOBALS.contains(&head).then(|| name.to_string())
}

/// Whether function `outer` is `inner` or encloses it (the module encloses everything): a name
/// bound there is seen inside `inner`.
fn encloses(model: &Model, outer: FnId, inner: FnId) -> bool {
    let mut f = Some(inner);
    for _ in 0..64 {
        match f {
            Some(id) if id == outer => return true,
            Some(id) => f = model.functions.get(id).and_then(|x| x.parent),
            None => break,
        }
    }
    outer == MODULE
}
