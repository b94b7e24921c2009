//! The link stage: all file models together, with imports resolved inside the scanned tree
//! and every function that a tool handler reaches marked with the tool that reaches it.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

mod external;
mod taught_tools;

pub use external::{
    Cover, ExternalCall, HomeGrownBreaker, Timeout, breaker_classes, breaker_state,
    is_breaker_class,
};

use crate::discover::SourceFile;
use crate::knowledge::Knowledge;
use crate::model::*;

/// One scanned file and its model.
#[derive(Debug)]
pub struct Unit {
    pub file: SourceFile,
    pub model: Model,
}

/// A function somewhere in the project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FnRef {
    pub unit: usize,
    pub func: FnId,
}

/// The tool whose handler reaches a function.
#[derive(Debug, Clone)]
pub struct Reach {
    pub tool: String,
    pub kind: ToolKind,
}

#[derive(Debug)]
pub struct Project {
    pub units: Vec<Unit>,
    indexes: Vec<UnitIndex>,
    by_path: HashMap<PathBuf, usize>,
    /// Per unit: the unit each module specifier it imports or re-exports from names.
    modules: Vec<HashMap<String, Option<usize>>>,
    reach: Vec<Vec<Option<Reach>>>,
    /// Functions whose exceptions reach the SDK: a tool handler, or a function called outside
    /// any try region from one that escapes.
    escapes: Vec<Vec<bool>>,
    /// For each function, the auth call it makes itself, if any (`jwt.verify`).
    auth: Vec<Vec<Option<String>>>,
    /// External calls, clients, breakers and deadlines (`project/external.rs`).
    external: external::ExternalFacts,
    /// What the scanned tree's READMEs, docs and example env files mention.
    pub documentation: Documentation,
}

#[derive(Debug, Default)]
struct UnitIndex {
    /// Functions by name that are not methods.
    functions: HashMap<String, Vec<FnId>>,
    /// Methods by (owner, name).
    methods: HashMap<(String, String), FnId>,
    owners: std::collections::HashSet<String>,
    imports: HashMap<String, usize>,
    children: Vec<Vec<FnId>>,
    calls_by_fn: Vec<Vec<usize>>,
    /// `calls_by_fn` ordered by where each call starts, for lookups by region.
    calls_by_start: Vec<Vec<usize>>,
    /// Whether a `try` statement of its parent protects the function (a callback defined
    /// inside the `try`).
    in_parent_try: Vec<bool>,
    /// Tracked instances by name: the first one, as `find` would give.
    instances: HashMap<String, usize>,
}

/// What a name resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Function(FnRef),
    Class(usize, String),
    Module(usize),
}

const MAX_HOPS: usize = 8;

impl Project {
    pub fn link(mut units: Vec<Unit>, knowledge: &Knowledge) -> Project {
        if !knowledge.tool_registrations.is_empty() {
            units.par_iter_mut().for_each(|u| {
                taught_tools::add_taught_registrations(&mut u.model, &knowledge.tool_registrations)
            });
        }
        let by_path = units
            .iter()
            .enumerate()
            .map(|(i, u)| (normalize_path(&u.file.path), i))
            .collect();
        let indexes = units.par_iter().map(|u| index(&u.model)).collect();
        let mut project = Project {
            reach: units
                .iter()
                .map(|u| vec![None; u.model.functions.len()])
                .collect(),
            escapes: units
                .iter()
                .map(|u| vec![false; u.model.functions.len()])
                .collect(),
            auth: Vec::new(),
            external: Default::default(),
            documentation: Documentation::default(),
            units,
            indexes,
            by_path,
            modules: Vec::new(),
        };
        project.modules = (0..project.units.len())
            .into_par_iter()
            .map(|unit| project.resolve_specifiers(unit))
            .collect();
        project.mark_reachable();
        project.auth = project
            .units
            .par_iter()
            .map(|u| direct_auth_calls(&u.model, knowledge))
            .collect();
        project.external = external::ExternalFacts::build(&project, knowledge);
        project
    }

    /// The tool that reaches this function, if any.
    pub fn reach(&self, unit: usize, func: FnId) -> Option<&Reach> {
        self.reach[unit].get(func).and_then(|r| r.as_ref())
    }

    /// Whether an exception thrown in this function reaches the MCP SDK uncaught.
    pub fn escapes(&self, unit: usize, func: FnId) -> bool {
        self.escapes[unit].get(func).copied().unwrap_or(false)
    }

    /// The auth call a function makes directly, if any.
    pub fn auth_call_of(&self, f: FnRef) -> Option<&str> {
        self.auth[f.unit].get(f.func).and_then(|a| a.as_deref())
    }

    pub fn function(&self, f: FnRef) -> &Function {
        &self.units[f.unit].model.functions[f.func]
    }

    /// The function a call runs, when it is defined in the scanned tree.
    pub fn resolve_call(&self, unit: usize, call: &Call) -> Option<FnRef> {
        self.resolve_callee(unit, call.func, &call.callee)
    }

    /// Resolves a callee path as seen from function `from` of `unit`.
    pub fn resolve_callee(&self, unit: usize, from: FnId, callee: &str) -> Option<FnRef> {
        let model = &self.units[unit].model;
        let (receiver, method) = match callee.rsplit_once('.') {
            None => {
                return match self.resolve_name(unit, callee, 0)? {
                    Target::Function(f) => Some(f),
                    _ => None,
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
            let class = instance.class.rsplit('.').next().unwrap_or(&instance.class);
            if let Some(Target::Class(u, c)) = self.resolve_name(unit, class, 0) {
                return self.method(u, &c, method);
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

    fn method(&self, unit: usize, owner: &str, name: &str) -> Option<FnRef> {
        self.indexes[unit]
            .methods
            .get(&(owner.to_string(), name.to_string()))
            .map(|&func| FnRef { unit, func })
    }

    /// A name as seen at the top of `unit`: a local function or class, or an import.
    fn resolve_name(&self, unit: usize, name: &str, hops: usize) -> Option<Target> {
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
        let import = &self.units[unit].model.imports[*index.imports.get(name)?];
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
    fn export(&self, unit: usize, name: &str, hops: usize) -> Option<Target> {
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
    fn resolve_specifiers(&self, unit: usize) -> HashMap<String, Option<usize>> {
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

    fn locate_module(&self, from: &SourceFile, source: &str) -> Option<usize> {
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

    fn python_module(&self, dir: &Path, source: &str) -> Option<usize> {
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
        // An absolute import: the package root is one of the importing file's ancestors.
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

    fn mark_reachable(&mut self) {
        let mut roots: Vec<(String, usize, Span, Reach, FnRef)> = Vec::new();
        for (unit, u) in self.units.iter().enumerate() {
            for tool in &u.model.tools {
                for handler in &tool.handlers {
                    let target = match handler {
                        HandlerRef::Function(id) => Some(FnRef { unit, func: *id }),
                        HandlerRef::Name(name) => self.resolve_callee(unit, MODULE, name),
                    };
                    let Some(target) = target else { continue };
                    let reach = Reach {
                        tool: tool.name.clone(),
                        kind: tool.kind,
                    };
                    // A decorator of ours around the handler (`@handle_errors`) runs on every
                    // call of the tool: its wrapper is the code the client reaches first.
                    for decorator in &self.function(target).decorators {
                        if let Some(wrapper) = self.resolve_callee(target.unit, MODULE, decorator) {
                            if wrapper != target {
                                roots.push((
                                    u.file.display.clone(),
                                    unit,
                                    tool.span,
                                    reach.clone(),
                                    wrapper,
                                ));
                            }
                        }
                    }
                    roots.push((u.file.display.clone(), unit, tool.span, reach, target));
                }
            }
        }
        roots.sort_by(|a, b| (&a.0, a.2).cmp(&(&b.0, b.2)));
        let mut queue: VecDeque<(FnRef, Reach)> = VecDeque::new();
        let mut escaping: VecDeque<FnRef> = VecDeque::new();
        for (_, _, _, reach, target) in roots {
            escaping.push_back(target);
            queue.push_back((target, reach));
        }
        while let Some((f, reach)) = queue.pop_front() {
            if self.reach[f.unit][f.func].is_some() {
                continue;
            }
            self.reach[f.unit][f.func] = Some(reach.clone());
            for (next, _) in self.callees(f) {
                if self.reach[next.unit][next.func].is_none() {
                    queue.push_back((next, reach.clone()));
                }
            }
        }
        while let Some(f) = escaping.pop_front() {
            if self.escapes[f.unit][f.func] {
                continue;
            }
            self.escapes[f.unit][f.func] = true;
            for (next, caught) in self.callees(f) {
                if !caught && !self.escapes[next.unit][next.func] {
                    escaping.push_back(next);
                }
            }
        }
    }

    /// The functions `f` may run — nested functions, resolved callees, and functions passed
    /// by name as arguments — each with whether a try region in `f` catches what it throws.
    fn callees(&self, f: FnRef) -> Vec<(FnRef, bool)> {
        let index = &self.indexes[f.unit];
        let model = &self.units[f.unit].model;
        let mut out: Vec<(FnRef, bool)> = index.children[f.func]
            .iter()
            .map(|&func| (FnRef { unit: f.unit, func }, index.in_parent_try[func]))
            .collect();
        for &c in &index.calls_by_fn[f.func] {
            let call = &model.calls[c];
            let caught = call.in_try.is_some();
            if let Some(target) = self.resolve_call(f.unit, call) {
                out.push((target, caught));
            }
            for arg in &call.args {
                if let ArgValue::Name(name) = &arg.value {
                    if let Some(target) = self.resolve_callee(f.unit, call.func, name) {
                        out.push((target, caught));
                    }
                }
            }
        }
        out
    }

    /// The calls function `func` of `unit` makes inside `region` (not in nested functions),
    /// in model order.
    pub fn calls_within(&self, unit: usize, func: FnId, region: Span) -> Vec<&Call> {
        let model = &self.units[unit].model;
        let by_start = &self.indexes[unit].calls_by_start[func];
        let from = by_start.partition_point(|&c| model.calls[c].span.start < region.start);
        let mut found: Vec<usize> = by_start[from..]
            .iter()
            .take_while(|&&c| model.calls[c].span.start < region.end)
            .copied()
            .filter(|&c| region.contains(model.calls[c].span))
            .collect();
        found.sort_unstable();
        found.into_iter().map(|c| &model.calls[c]).collect()
    }
}

fn index(model: &Model) -> UnitIndex {
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
    }
    for (i, import) in model.imports.iter().enumerate() {
        index.imports.entry(import.local.clone()).or_insert(i);
    }
    for (i, instance) in model.instances.iter().enumerate() {
        index.instances.entry(instance.name.clone()).or_insert(i);
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
fn functions_in_parent_try(model: &Model) -> Vec<bool> {
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

fn direct_auth_calls(model: &Model, knowledge: &Knowledge) -> Vec<Option<String>> {
    let mut auth = vec![None; model.functions.len()];
    // A file calls the same few callees over and over (`z.string`, `console.log`).
    let mut is_auth: HashMap<&str, bool> = HashMap::new();
    for call in &model.calls {
        if auth[call.func].is_some() {
            continue;
        }
        let matched = *is_auth
            .entry(&call.callee)
            .or_insert_with(|| knowledge.auth_calls.matches(&call.callee).is_some());
        if matched {
            auth[call.func] = Some(call.callee.clone());
        }
    }
    auth
}

/// The class or object a function (or the function around it) is a method of.
fn enclosing_owner(model: &Model, mut id: FnId) -> Option<String> {
    for _ in 0..64 {
        let f = &model.functions[id];
        if let Some(owner) = &f.owner {
            return Some(owner.clone());
        }
        id = f.parent?;
    }
    None
}

fn strip_js_extension(path: &Path) -> PathBuf {
    match path.extension().and_then(|e| e.to_str()) {
        Some("js" | "mjs" | "cjs" | "jsx" | "ts" | "tsx" | "mts" | "cts") => {
            path.with_extension("")
        }
        _ => path.to_path_buf(),
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Removes `.` and `..` without touching the file system.
pub fn normalize_path(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

impl Project {
    /// Some file declares or registers an MCP tool: the tree is a server.
    pub fn declares_tools(&self) -> bool {
        self.units
            .iter()
            .any(|u| !u.model.tools.is_empty() || !u.model.tool_declarations.is_empty())
    }
}

/// The words in the scanned tree's documentation (READMEs, `docs/`, example env files), to tell
/// which environment variables it mentions.
#[derive(Debug, Default)]
pub struct Documentation {
    /// How many documentation files were read.
    pub files: usize,
    words: HashSet<String>,
    /// `DBT_` from a `DBT_*` wildcard.
    prefixes: Vec<String>,
}

impl Documentation {
    /// Reads the files; one that cannot be read, or is too large, mentions nothing.
    pub fn read(paths: &[PathBuf]) -> Documentation {
        let mut documentation = Documentation::default();
        for path in paths {
            let limit = crate::discover::MAX_FILE_BYTES;
            if let Ok(bytes) = crate::read::read_regular_file(path, limit) {
                documentation.add_text(&String::from_utf8_lossy(&bytes));
                documentation.files += 1;
            }
        }
        documentation
    }

    pub fn add_text(&mut self, text: &str) {
        let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
        let mut rest = text;
        while let Some(start) = rest.find(is_word) {
            let tail = &rest[start..];
            let end = tail.find(|c: char| !is_word(c)).unwrap_or(tail.len());
            let word = &tail[..end];
            if tail[end..].starts_with('*') && word.ends_with('_') {
                self.prefixes.push(word.to_string());
            } else if word.len() > 1 {
                self.words.insert(word.to_string());
            }
            rest = &tail[end..];
        }
    }

    /// The documentation names `name`, as a whole word or under a `PREFIX_*` wildcard.
    pub fn mentions(&self, name: &str) -> bool {
        self.words.contains(name) || self.prefixes.iter().any(|p| name.starts_with(p.as_str()))
    }
}

/// Python's `from pkg import name` as the submodule it may name: `pkg.name` (`.` + `name`
/// for `from . import name`).
pub(crate) fn python_submodule(source: &str, imported: &str) -> String {
    if source.ends_with('.') {
        format!("{source}{imported}")
    } else {
        format!("{source}.{imported}")
    }
}

#[cfg(test)]
mod documentation_tests {
    use super::Documentation;

    #[test]
    fn words_and_wildcards_are_mentions() {
        let mut docs = Documentation::default();
        docs.add_text(
            "Set `ZENDESK_API_TOKEN=...`; any DBT_* variable is passed on.\nexport PORT=3000",
        );
        assert!(docs.mentions("ZENDESK_API_TOKEN"));
        assert!(docs.mentions("DBT_HOST"));
        assert!(docs.mentions("PORT"));
        assert!(!docs.mentions("ZENDESK"));
        assert!(!docs.mentions("API_TOKEN"));
    }
}
