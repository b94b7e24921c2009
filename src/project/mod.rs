//! The link stage: all file models together, with imports resolved inside the scanned tree
//! and every function that a tool handler reaches marked with the tool that reaches it.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use rayon::prelude::*;

pub mod breakers;
mod external;
mod gates;
mod graph;
pub mod inventory;
mod python_modules;
mod resolve;
mod tools;

pub use breakers::{HomeGrownBreaker, breaker_state, home_grown_breakers, is_breaker_class};
pub use external::{Cover, ExternalCall, Timeout};
pub use gates::RawArgument;
pub use inventory::{InventoryTool, ReachedCall};

use crate::discover::SourceFile;
use crate::knowledge::Knowledge;
use crate::model::*;
pub use resolve::normalize_path;
use resolve::{Target, UnitIndex, enclosing_owner, index};

/// Maps and sets keyed by names from the scanned code, looked up millions of times in a
/// large repository: a fast hasher with a per-process random seed.
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
pub(crate) type FastSet<T> = HashSet<T, foldhash::fast::RandomState>;

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
    /// The Python files by the module names they answer to (`project/python_modules.rs`).
    python_modules: python_modules::PythonModules,
    /// Per unit: the unit each module specifier it imports or re-exports from names.
    modules: Vec<HashMap<String, Option<usize>>>,
    /// Per unit: what each name it imports resolves to (`project/resolve.rs`).
    imported: Vec<FastMap<String, Option<resolve::Target>>>,
    /// For each function, the auth call it makes itself, if any (`jwt.verify`).
    auth: Vec<Vec<Option<String>>>,
    /// Per unit, per call: the callee with its import resolved; `None` for our own functions,
    /// parameters and names that are neither imported nor known globals (`project/resolve.rs`).
    canonical: Vec<Vec<Option<String>>>,
    /// External calls, clients, breakers and deadlines (`project/external.rs`).
    external: external::ExternalFacts,
    /// The call graph and what its walks answer: reach, escapes, unguarded, undeadlined
    /// (`project/graph.rs`).
    graph: graph::CallGraph,
    /// Every circuit breaker and what it guards (`project/breakers.rs`).
    breakers: breakers::BreakerFacts,
    /// Functions whose "nothing" a caller that denies by raising reads as the pass
    /// (`project/gates.rs`), with that caller's name.
    nothing_allows: HashMap<FnRef, String>,
    /// Functions whose empty answer (`{}`, `0`) a gate reads as under its limit
    /// (`project/gates.rs`), with that gate's name.
    empty_allows: HashMap<FnRef, String>,
    /// Per function, the auth calls whose raw result it receives as a parameter
    /// (`project/gates.rs`).
    raw_arguments: HashMap<FnRef, Vec<gates::RawArgument>>,
    /// Environment variables the code of each surface sets (`process.env.PORT = ...`).
    env_set: HashMap<crate::discover::Surface, HashSet<String>>,
    /// What the scanned tree's READMEs, docs and example env files mention.
    pub documentation: Documentation,
    /// The wrappers project registrars put around the handlers of the tools they register.
    wrappers: tools::Wrappers,
    /// Calls that may construct a class (`new JobsAPI(...)`, Python `JobsAPI(...)`), by the
    /// class's name as written last: `(unit, call)`.
    constructions: HashMap<String, Vec<(usize, usize)>>,
}

/// The linked project with the vocabularies: what rules and the link stage's questions read.
#[derive(Clone, Copy)]
pub struct Linked<'a> {
    pub project: &'a Project,
    pub knowledge: &'a Knowledge,
}

impl<'a> Linked<'a> {
    pub fn new(project: &'a Project, knowledge: &'a Knowledge) -> Linked<'a> {
        Linked { project, knowledge }
    }
}

impl Project {
    pub fn link(mut units: Vec<Unit>, knowledge: &Knowledge) -> Project {
        units
            .par_iter_mut()
            .for_each(|u| tools::recognise(&mut u.model, u.file.language, knowledge));
        tools::apply_mounts(&mut units, &knowledge.lowering.tools);
        let by_path: HashMap<PathBuf, usize> = units
            .iter()
            .enumerate()
            .map(|(i, u)| (normalize_path(&u.file.path), i))
            .collect();
        let python_modules = python_modules::PythonModules::build(
            by_path.iter().map(|(path, &unit)| (path.as_path(), unit)),
        );
        let indexes = units.par_iter().map(|u| index(&u.model)).collect();
        let mut project = Project {
            auth: Vec::new(),
            canonical: Vec::new(),
            external: Default::default(),
            graph: Default::default(),
            env_set: HashMap::new(),
            nothing_allows: HashMap::new(),
            empty_allows: HashMap::new(),
            raw_arguments: HashMap::new(),
            breakers: Default::default(),
            documentation: Documentation::default(),
            units,
            indexes,
            by_path,
            python_modules,
            modules: Vec::new(),
            imported: Vec::new(),
            wrappers: Default::default(),
            constructions: HashMap::new(),
        };
        project.modules = (0..project.units.len())
            .into_par_iter()
            .map(|unit| project.resolve_specifiers(unit))
            .collect();
        project.imported = (0..project.units.len())
            .into_par_iter()
            .map(|unit| project.resolve_imports(unit))
            .collect();
        project.wrappers = tools::apply_registrars(&mut project, &knowledge.lowering);
        tools::apply_constructed(&mut project);
        tools::apply_classes(&mut project);
        tools::apply_definitions(&mut project);
        tools::apply_tables(&mut project);
        project.constructions = resolve::constructions(&project.units);
        project.auth = project
            .units
            .par_iter()
            .map(|u| direct_auth_calls(&u.model, knowledge))
            .collect();
        project.canonical = (0..project.units.len())
            .into_par_iter()
            .map(|u| resolve::canonical_callees(&project, u))
            .collect();
        project.external = external::ExternalFacts::build(&project, knowledge);
        for u in &project.units {
            let names = project.env_set.entry(u.file.surface).or_default();
            names.extend(u.model.env_writes.iter().map(|w| w.name.clone()));
        }
        project.graph = graph::CallGraph::build(&project);
        project.breakers = breakers::BreakerFacts::build(&Linked::new(&project, knowledge));
        project.nothing_allows = gates::nothing_allows(&project, knowledge);
        project.empty_allows = gates::empty_allows(&project, knowledge);
        project.raw_arguments = gates::raw_arguments(&project, knowledge);
        project
    }

    /// The auth calls whose raw result this function receives as a parameter.
    pub fn raw_arguments(&self, f: FnRef) -> &[gates::RawArgument] {
        self.raw_arguments.get(&f).map_or(&[], Vec::as_slice)
    }

    /// The caller (an access check that denies by raising) that reads this function's
    /// `None` / `undefined` as the pass, if any.
    pub fn nothing_allows(&self, f: FnRef) -> Option<&str> {
        self.nothing_allows.get(&f).map(String::as_str)
    }

    /// The gate that reads this function's empty answer (`{}`, `0`) as under its limit, if any.
    pub fn empty_allows(&self, f: FnRef) -> Option<&str> {
        self.empty_allows.get(&f).map(String::as_str)
    }

    /// The auth call a function makes directly, if any.
    pub fn auth_call_of(&self, f: FnRef) -> Option<&str> {
        self.auth[f.unit].get(f.func).and_then(|a| a.as_deref())
    }

    pub fn function(&self, f: FnRef) -> &Function {
        &self.units[f.unit].model.functions[f.func]
    }

    /// Whether code of this surface sets the environment variable: a resolved port, a CLI flag
    /// passed on to a child process (plumbing, not configuration).
    pub fn env_set_by_code(&self, surface: crate::discover::Surface, name: &str) -> bool {
        self.env_set
            .get(&surface)
            .is_some_and(|names| names.contains(name))
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

impl Project {
    /// Some file declares or registers an MCP tool: the tree is a server.
    pub fn declares_tools(&self) -> bool {
        self.units
            .iter()
            .any(|u| !u.model.tools.is_empty() || !u.model.tool_declarations.is_empty())
    }
}

/// The documentation's words, gathered by discovery (the link stage reads no files).
pub use crate::discover::Documentation;
