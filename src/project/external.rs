//! Link-stage facts for the reliability rules: which calls leave the process and through which
//! client, whether a timeout bounds them, and which circuit breakers and deadlines cover them,
//! per call and per path from a tool handler.
//!
//! Names are resolved here, not in the rules: a callee's import (`import ky from "ky"`), the
//! client a name holds (`const api = axios.create({ timeout })`, `async with
//! httpx.AsyncClient() as client`), in this file or imported from another, and the breaker a
//! name holds (`new CircuitBreaker(fn)`, `pybreaker.CircuitBreaker()`, a home-grown class).

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use super::breakers::is_guard_method;
use super::resolve::canonical_name;
use super::{FnRef, Project};
use crate::knowledge::{DefaultTimeout, Knowledge, Library};
use crate::model::*;

/// A call that leaves the process: an HTTP request, a database or cache command, a cloud SDK
/// call, as `rules/external-calls.toml` names them.
#[derive(Debug, Clone)]
pub struct ExternalCall {
    /// Index of the call in its model's [`Model::calls`].
    pub call: usize,
    /// Index of the library in [`crate::knowledge::ExternalCalls::libraries`].
    pub library: usize,
    /// The client the call goes through, as written (`client`, `this.http`), if any.
    pub client: Option<String>,
    pub timeout: Timeout,
}

/// What bounds an external call in time.
#[derive(Debug, Clone, PartialEq)]
pub enum Timeout {
    /// Set on the call, on its client, or library-wide; the text says how.
    Set(String),
    /// The library's default bounds it (seconds).
    Default(f64),
    /// Nothing sets one and the library has none.
    Missing,
    /// Options faultline cannot read (a variable, a spread, a connection string).
    Unknown,
    /// The library's timeouts are not judged (`default-timeout = "unchecked"`).
    Unchecked,
}

/// What encloses a call or a function: a circuit breaker, a deadline.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cover {
    pub breaker: bool,
    pub deadline: bool,
}

impl Cover {
    pub(super) fn or(self, other: Cover) -> Cover {
        Cover {
            breaker: self.breaker || other.breaker,
            deadline: self.deadline || other.deadline,
        }
    }
}

/// What a name holds, as far as the reliability rules care.
#[derive(Debug, Clone)]
enum Held {
    Client {
        library: usize,
        timeout: ClientTimeout,
    },
    /// A client of the library that talks to an app in the same process
    /// (`httpx.AsyncClient(transport=httpx.ASGITransport(app=app))`): its calls stay inside.
    InProcess,
    Breaker {
        /// The functions the breaker was built around (`new CircuitBreaker(fn)`): `fire` runs them.
        wrapped: Vec<FnRef>,
        /// The breaker also gives up after a deadline (opossum).
        deadline: bool,
        /// Methods of a home-grown breaker class that run the function they are given.
        runners: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum ClientTimeout {
    Set(String),
    Missing,
    Unknown,
}

#[derive(Debug, Clone)]
struct Binding {
    /// `client`, `this.http`, `self.session`.
    name: String,
    /// The function whose body binds it.
    func: FnId,
    /// Where it is bound (byte offset), to prefer the binding before a use.
    at: u32,
    held: Held,
    /// Known from a type annotation (`client: httpx.AsyncClient`, `private http: AxiosInstance`),
    /// not from an assignment: it speaks for parameters and fields of that name.
    typed: bool,
}

/// The reliability facts of a whole project.
#[derive(Debug, Default)]
pub struct ExternalFacts {
    bindings: Vec<Vec<Binding>>,
    /// Per unit: indexes into `bindings` by name.
    by_name: Vec<HashMap<String, Vec<usize>>>,
    /// Per unit: (function, name) pairs a call's result is stored in, whatever it holds.
    assigned: Vec<HashSet<(FnId, String)>>,
    /// Per unit: external calls, by call index.
    external: Vec<Vec<ExternalCall>>,
    /// Per unit: spans that a breaker or a deadline covers.
    regions: Vec<Vec<(Span, Cover)>>,
    /// Per unit, per call.
    pub(super) call_cover: Vec<Vec<Cover>>,
    /// Per unit, per function: what its decorators put around it.
    pub(super) fn_cover: Vec<Vec<Cover>>,
    /// Per library: how a library-wide default timeout is set, if it is.
    library_defaults: Vec<Option<String>>,
}

const MAX_HOPS: usize = 6;

impl Project {
    /// The external calls of a file, by call index.
    pub fn external_calls(&self, unit: usize) -> &[ExternalCall] {
        self.external
            .external
            .get(unit)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The external call at `call` (an index in the unit's calls), if it is one.
    pub fn external_call(&self, unit: usize, call: usize) -> Option<&ExternalCall> {
        let calls = self.external_calls(unit);
        calls
            .binary_search_by_key(&call, |e| e.call)
            .ok()
            .map(|i| &calls[i])
    }

    /// Breakers and deadlines around a call in its own file (`breaker.fire(() => ...)`,
    /// `asyncio.wait_for(...)`, `with db_breaker.calling():`).
    pub fn call_cover(&self, unit: usize, call: usize) -> Cover {
        self.external.call_cover[unit][call]
    }

    /// The function a call runs, or that a name passed to it (`breaker.call(fetch_user)`)
    /// or a breaker it fires (`breaker.fire(city)`) runs.
    pub fn functions_run_by(&self, unit: usize, call: usize) -> Vec<FnRef> {
        let model = &self.units[unit].model;
        let c = &model.calls[call];
        let mut out: Vec<FnRef> = self.resolve_call(unit, c).into_iter().collect();
        for arg in &c.args {
            match &arg.value {
                ArgValue::Name(name) => out.extend(self.resolve_callee(unit, c.func, name)),
                ArgValue::Function(id) => out.push(FnRef { unit, func: *id }),
                _ => {}
            }
        }
        if let Some(Held::Breaker { wrapped, .. }) = c
            .receiver()
            .and_then(|r| self.external.binding(self, unit, c.func, r, c.span.start))
            .map(|b| &b.held)
        {
            out.extend(wrapped.iter().copied());
        }
        out
    }
}

mod bindings;

impl ExternalFacts {
    pub fn build(project: &Project, knowledge: &Knowledge) -> ExternalFacts {
        let units = project.units.len();
        let mut facts = ExternalFacts {
            bindings: vec![Vec::new(); units],
            by_name: vec![HashMap::new(); units],
            assigned: project
                .units
                .par_iter()
                .map(|u| {
                    u.model
                        .calls
                        .iter()
                        .filter_map(|c| Some((c.func, c.assigned_to.clone()?)))
                        .collect()
                })
                .collect(),
            ..ExternalFacts::default()
        };
        facts.bind(project, knowledge);
        facts.library_defaults = library_defaults(project, knowledge);
        facts.external = (0..units)
            .into_par_iter()
            .map(|u| facts.classify_unit(project, knowledge, u))
            .collect();
        facts.regions = (0..units)
            .into_par_iter()
            .map(|u| facts.cover_regions(project, knowledge, u))
            .collect();
        facts.call_cover = (0..units)
            .into_par_iter()
            .map(|u| {
                project.units[u]
                    .model
                    .calls
                    .iter()
                    .map(|c| facts.span_cover(u, c.span))
                    .collect()
            })
            .collect();
        facts.fn_cover = (0..units)
            .into_par_iter()
            .map(|u| facts.decorator_cover(project, knowledge, u))
            .collect();
        facts
    }

    // ---- external calls ----------------------------------------------------------------------

    fn classify_unit(
        &self,
        project: &Project,
        knowledge: &Knowledge,
        unit: usize,
    ) -> Vec<ExternalCall> {
        let model = &project.units[unit].model;
        let libraries = &knowledge.external_calls.libraries;
        let mut out = Vec::new();
        for index in 0..model.calls.len() {
            // Names from the configuration also match the callee as written: an in-house
            // client is often a local name (`const acmeHttp = createClient()`).
            let raw = &model.calls[index].callee;
            let direct = project.canonical[unit][index]
                .as_deref()
                .and_then(|c| knowledge.external_calls.library_of_call(c))
                .or_else(|| {
                    libraries
                        .iter()
                        .position(|l| l.tail_match && l.is_call(raw))
                });
            let (library, client, client_timeout) = match direct {
                Some(library) if !is_sent(model, index, &libraries[library].sent_by) => continue,
                Some(library) => (library, None, ClientTimeout::Missing),
                None => match self.client_of_receiver(project, knowledge, unit, index, false) {
                    Some((library, timeout, client)) => (library, Some(client), timeout),
                    None => continue,
                },
            };
            let timeout = self.timeout(
                project,
                unit,
                index,
                &libraries[library],
                library,
                &client_timeout,
            );
            out.push(ExternalCall {
                call: index,
                library,
                client,
                timeout,
            });
        }
        out
    }

    fn timeout(
        &self,
        project: &Project,
        unit: usize,
        index: usize,
        library: &Library,
        library_index: usize,
        client: &ClientTimeout,
    ) -> Timeout {
        match library.default_timeout {
            DefaultTimeout::Seconds(s) => return Timeout::Default(s),
            DefaultTimeout::Unchecked => return Timeout::Unchecked,
            DefaultTimeout::None => {}
        }
        let model = &project.units[unit].model;
        let call = &model.calls[index];
        let python = project.units[unit].file.language == Language::Python;
        let from = library.options_position(call.method(), python);
        let mut unknown = false;
        match options_timeout(call, library, from) {
            ClientTimeout::Set(how) => return Timeout::Set(how),
            ClientTimeout::Unknown => unknown = true,
            ClientTimeout::Missing => {}
        }
        match client {
            ClientTimeout::Set(how) => return Timeout::Set(how.clone()),
            ClientTimeout::Unknown => unknown = true,
            ClientTimeout::Missing => {}
        }
        if let Some(how) = &self.library_defaults[library_index] {
            return Timeout::Set(how.clone());
        }
        // `const req = https.get(url); req.setTimeout(5000)` or `https.get(url).setTimeout(5000)`
        for method in &library.timeout_methods {
            if called_on_result(model, index, method) {
                return Timeout::Set(format!("`.{method}(...)` on the request"));
            }
        }
        if unknown {
            Timeout::Unknown
        } else {
            Timeout::Missing
        }
    }

    /// The functions a call runs under a breaker it fires (`breaker.fire(city)` runs the
    /// function the breaker was built around), with whether the breaker has a deadline too.
    pub(super) fn breaker_runs(
        &self,
        project: &Project,
        unit: usize,
        call: &Call,
    ) -> Option<(&[FnRef], bool)> {
        match call
            .receiver()
            .and_then(|r| self.binding(project, unit, call.func, r, call.span.start))
            .map(|b| &b.held)
        {
            Some(Held::Breaker {
                wrapped, deadline, ..
            }) => Some((wrapped.as_slice(), *deadline)),
            _ => None,
        }
    }

    // ---- breakers and deadlines ----------------------------------------------------------------

    /// Regions of a file that a breaker or a deadline covers: the arguments of a guard call,
    /// a breaker constructor or a timeout wrapper, and the body of a guarding `with` block.
    fn cover_regions(
        &self,
        project: &Project,
        knowledge: &Knowledge,
        unit: usize,
    ) -> Vec<(Span, Cover)> {
        let model = &project.units[unit].model;
        let mut regions = Vec::new();
        let call_cover = |index: usize| -> Cover {
            let call = &model.calls[index];
            let canonical = project.canonical[unit][index].as_deref();
            let names = [Some(call.callee.as_str()), canonical];
            let matches = |set: &crate::knowledge::NameSet| {
                names.iter().flatten().any(|n| set.matches(n).is_some())
            };
            let mut cover = Cover {
                breaker: matches(&knowledge.breakers.guard_calls)
                    || matches(&knowledge.breakers.constructors),
                deadline: matches(&knowledge.external_calls.timeout_wrappers),
            };
            if let Some(binding) = call
                .receiver()
                .and_then(|r| self.binding(project, unit, call.func, r, call.span.start))
            {
                if let Held::Breaker {
                    deadline, runners, ..
                } = &binding.held
                {
                    if is_guard_method(knowledge, runners, call.method()) {
                        cover.breaker = true;
                        cover.deadline |= *deadline;
                    }
                }
            }
            cover
        };
        for (index, call) in model.calls.iter().enumerate() {
            let cover = call_cover(index);
            if cover != Cover::default() {
                let arguments = Span {
                    start: call.callee_span.end,
                    end: call.span.end,
                };
                regions.push((arguments, cover));
            }
        }
        for block in &model.withs {
            let Some(index) = block.call else { continue };
            let cover = call_cover(index);
            if cover != Cover::default() {
                regions.push((block.body, cover));
            }
        }
        // A breaker written into the calling code: a gate call, a branch on its state.
        let breaker = Cover {
            breaker: true,
            deadline: false,
        };
        for span in super::breakers::inline_guard_regions(knowledge, model) {
            regions.push((span, breaker));
        }
        regions
    }

    /// Breakers and deadlines whose region holds `span`. A guard call's region starts after
    /// its callee, so the guard call itself is never inside its own region.
    pub(super) fn span_cover(&self, unit: usize, span: Span) -> Cover {
        self.regions[unit]
            .iter()
            .filter(|(region, _)| region.contains(span))
            .fold(Cover::default(), |acc, (_, c)| acc.or(*c))
    }

    /// `@circuit`, `@db_breaker` (a breaker instance), `@timeout(10)`.
    fn decorator_cover(&self, project: &Project, knowledge: &Knowledge, unit: usize) -> Vec<Cover> {
        let model = &project.units[unit].model;
        model
            .functions
            .iter()
            .map(|f| {
                let mut cover = Cover::default();
                for decorator in &f.decorators {
                    if knowledge
                        .breakers
                        .guard_decorators
                        .matches(decorator)
                        .is_some()
                    {
                        cover.breaker = true;
                    }
                    let canonical = canonical_name(project, unit, MODULE, decorator);
                    let names = [Some(decorator.as_str()), canonical.as_deref()];
                    if names.iter().flatten().any(|n| {
                        knowledge
                            .external_calls
                            .timeout_wrappers
                            .matches(n)
                            .is_some()
                    }) {
                        cover.deadline = true;
                    }
                    if let Some(Held::Breaker { deadline, .. }) = self
                        .binding(
                            project,
                            unit,
                            f.parent.unwrap_or(MODULE),
                            decorator,
                            u32::MAX,
                        )
                        .map(|b| &b.held)
                    {
                        cover.breaker = true;
                        cover.deadline |= *deadline;
                    }
                }
                cover
            })
            .collect()
    }
}

/// Whether `method` is called on what call `index` returns, in the same function: on the name
/// it is stored in (`req.end()`) or chained (`https.request(opts).end()`).
fn called_on_result(model: &Model, index: usize, method: &str) -> bool {
    let call = &model.calls[index];
    let chained = format!("{}().", call.callee);
    model.calls.iter().any(|c| {
        c.func == call.func
            && ((c.callee.starts_with(&chained) && c.method() == method)
                || call
                    .assigned_to
                    .as_ref()
                    .is_some_and(|a| c.callee == format!("{a}.{method}")))
    })
}

/// A request that is only sent once one of `sent_by` is called on it has been sent.
fn is_sent(model: &Model, index: usize, sent_by: &[String]) -> bool {
    sent_by.is_empty() || sent_by.iter().any(|m| called_on_result(model, index, m))
}

/// Whether a client factory call gives the client an in-process transport
/// (`transport=httpx.ASGITransport(app=app)`, directly or through a name bound to one).
fn in_process(model: &Model, call: &Call, library: &Library) -> bool {
    let is_transport = |callee: &str| {
        let last = callee.rsplit('.').next().unwrap_or(callee);
        library.in_process_transports.iter().any(|t| t == last)
    };
    call.args
        .iter()
        .filter(|a| a.keyword.as_deref() == Some("transport"))
        .any(|a| match &a.value {
            ArgValue::Call(callee) => is_transport(callee),
            ArgValue::Name(name) => model.calls.iter().any(|c| {
                c.assigned_to.as_deref() == Some(name.as_str()) && is_transport(&c.callee)
            }),
            _ => false,
        })
}

/// The timeout a client gets from the call that creates it: options on the call, writes to
/// its defaults (`api.defaults.timeout = 5000`), methods that make it opaque.
fn client_timeout(
    call: &Call,
    library: &Library,
    project: &Project,
    unit: usize,
    name: &str,
) -> ClientTimeout {
    // A factory's first argument is its configuration.
    let from = Some(library.options_from.unwrap_or(0));
    let python = project.units[unit].file.language == Language::Python;
    let from = if python { library.options_from } else { from };
    match options_timeout(call, library, from) {
        ClientTimeout::Missing if !name.is_empty() => client_adjusted(project, unit, name, library),
        other => other,
    }
}

/// A client that its own options leave without a timeout may get one later.
fn client_adjusted(project: &Project, unit: usize, name: &str, library: &Library) -> ClientTimeout {
    let model = &project.units[unit].model;
    let prefix = format!("{name}.");
    for a in &model.assignments {
        if let Some(rest) = a.target.strip_prefix(&prefix) {
            if library.defaults_set_by.matches_whole(rest).is_some() {
                return ClientTimeout::Set(format!("`{}` is set", a.target));
            }
        }
    }
    for c in &model.calls {
        if let Some(rest) = c.callee.strip_prefix(&prefix) {
            if library.opaque_methods.iter().any(|m| m == rest) {
                return ClientTimeout::Unknown;
            }
        }
    }
    ClientTimeout::Missing
}

/// What a call's own arguments say about its timeout. `from`: the first positional argument
/// that may be an options object we cannot read.
fn options_timeout(call: &Call, library: &Library, from: Option<usize>) -> ClientTimeout {
    let mut unknown = false;
    let mut position = 0;
    for arg in &call.args {
        if let Some(keyword) = &arg.keyword {
            if library.is_timeout_option(keyword) {
                return ClientTimeout::Set(format!("`{keyword}=`"));
            }
            continue;
        }
        if library.timeout_arg == Some(position) {
            return ClientTimeout::Set("a positional timeout".into());
        }
        match &arg.value {
            // A data argument before the options (`axios.post(url, body, config)`): a body
            // that happens to hold a `timeout` key sets nothing.
            ArgValue::Object(_) if from.is_some_and(|f| position < f) => {}
            ArgValue::Object(keys) => {
                if let Some(key) = keys.iter().find(|k| library.is_timeout_option(k)) {
                    return ClientTimeout::Set(format!("the `{key}` option"));
                }
                if keys.iter().any(|k| k == "...") {
                    unknown = true;
                }
            }
            ArgValue::Spread => unknown = true,
            ArgValue::Name(_) | ArgValue::Call(_) | ArgValue::Other
                if from.is_some_and(|f| position >= f) =>
            {
                unknown = true;
            }
            _ => {}
        }
        position += 1;
    }
    if unknown {
        ClientTimeout::Unknown
    } else {
        ClientTimeout::Missing
    }
}

/// Library-wide defaults set anywhere in the project (`axios.defaults.timeout = 10_000`,
/// `socket.setdefaulttimeout(10)`).
fn library_defaults(project: &Project, knowledge: &Knowledge) -> Vec<Option<String>> {
    let libraries = &knowledge.external_calls.libraries;
    let mut out = vec![None; libraries.len()];
    for (unit, u) in project.units.iter().enumerate() {
        let assigned = u
            .model
            .assignments
            .iter()
            .filter_map(|a| canonical_name(project, unit, a.func, &a.target));
        let called = (0..u.model.calls.len()).filter_map(|i| project.canonical[unit][i].clone());
        for name in assigned.chain(called) {
            let any = &knowledge.external_calls.any_defaults_set_by;
            if any.matches_whole(&name).is_none() {
                continue;
            }
            for (i, library) in libraries.iter().enumerate() {
                if out[i].is_none() && library.defaults_set_by.matches_whole(&name).is_some() {
                    out[i] = Some(format!("`{name}` sets a default in {}", u.file.display));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::{SourceFile, Surface};
    use crate::project::{Unit, home_grown_breakers};

    fn project(files: &[(&str, &str)]) -> (Project, Knowledge) {
        let knowledge = Knowledge::builtin();
        let units = files
            .iter()
            .map(|(path, text)| {
                let path = std::path::PathBuf::from(path);
                let language = Language::from_path(&path).unwrap();
                Unit {
                    model: crate::lang::lower_source(language, text.as_bytes()).unwrap(),
                    file: SourceFile {
                        display: path.display().to_string(),
                        path,
                        language,
                        surface: Surface::Production,
                        contents: None,
                    },
                }
            })
            .collect();
        (Project::link(units, &knowledge), knowledge)
    }

    /// (callee, timeout) of every external call in file `unit`.
    fn externals(p: &Project, unit: usize) -> Vec<(String, Timeout)> {
        p.external_calls(unit)
            .iter()
            .map(|e| {
                (
                    p.units[unit].model.calls[e.call].callee.clone(),
                    e.timeout.clone(),
                )
            })
            .collect()
    }

    #[test]
    fn breaker_classes_are_known_by_their_shape() {
        let ts = r#"
            class Gate {
              state = "closed";
              async run(task) {
                if (this.state === "open") this.state = "half-open";
                try { return await task(); } catch (e) { this.state = "open"; throw e; }
              }
              status() { return this.state; }
            }
            class Counter {
              n = 0;
              run(task) { this.n += 1; return task(); }
            }
        "#;
        let py = r#"
class Guard:
    def __init__(self):
        self._state = CircuitState.CLOSED
    def call(self, func, *args):
        if self._state == CircuitState.OPEN:
            self._state = CircuitState.HALF_OPEN
        try:
            return func(*args)
        except Exception:
            self._state = CircuitState.OPEN
            raise
"#;
        let knowledge = Knowledge::builtin();
        let model = crate::lang::lower_source(Language::TypeScript, ts.as_bytes()).unwrap();
        let found = home_grown_breakers(&model, &knowledge);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].name, "Gate");
        assert_eq!(found[0].runners, vec!["run".to_string()]);
        let model = crate::lang::lower_source(Language::Python, py.as_bytes()).unwrap();
        let found = home_grown_breakers(&model, &knowledge);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].runners, vec!["call".to_string()]);
    }

    #[test]
    fn imports_decide_what_is_external() {
        let (p, _) = project(&[(
            "a.py",
            r#"
import requests as r
from urllib.request import urlopen
def f(url, requests):
    r.get(url)
    urlopen(url, None, 10)
    requests.get(url)
"#,
        )]);
        assert_eq!(
            externals(&p, 0),
            vec![
                ("r.get".into(), Timeout::Missing),
                (
                    "urlopen".into(),
                    Timeout::Set("a positional timeout".into())
                ),
            ]
        );
        assert_eq!(p.canonical_callee(0, 0), Some("requests.get"));
    }

    #[test]
    fn clients_carry_their_timeouts_across_files() {
        let (p, _) = project(&[
            (
                "http.ts",
                r#"import axios from "axios";
                export const slow = axios.create({ baseURL: "x" });
                export const quick = axios.create({ timeout: 1000 });
                export const opaque = axios.create(config);"#,
            ),
            (
                "use.ts",
                r#"import { slow, quick, opaque } from "./http";
                export async function go() {
                  await slow.get("/a");
                  await quick.get("/b");
                  await opaque.get("/c");
                  await slow.get("/d", { signal: AbortSignal.timeout(5) });
                  await fetch("/e", init);
                  await fetch("/f", { ...init });
                  slow.interceptors.request.use((c) => c);
                }"#,
            ),
        ]);
        let got = externals(&p, 1);
        let timeouts: Vec<&Timeout> = got.iter().map(|(_, t)| t).collect();
        assert_eq!(
            timeouts,
            vec![
                &Timeout::Missing,
                &Timeout::Set("the `timeout` option".into()),
                &Timeout::Unknown,
                &Timeout::Set("the `signal` option".into()),
                &Timeout::Unknown,
                &Timeout::Unknown,
            ],
            "{got:?}"
        );
    }

    #[test]
    fn library_wide_defaults_count_everywhere() {
        let (p, _) = project(&[
            (
                "setup.ts",
                r#"import axios from "axios";
                import { setGlobalDispatcher, Agent } from "undici";
                axios.defaults.timeout = 10_000;
                setGlobalDispatcher(new Agent({ headersTimeout: 10_000 }));"#,
            ),
            (
                "use.ts",
                r#"import axios from "axios";
                export async function go() { await axios.get("/a"); await fetch("/b"); }"#,
            ),
        ]);
        let got = externals(&p, 1);
        assert!(
            got.iter().all(|(_, t)| matches!(t, Timeout::Set(_))),
            "{got:?}"
        );
    }

    #[test]
    fn configured_external_calls_match_local_names() {
        let knowledge = Knowledge::load(&crate::knowledge::VocabularyExtension {
            external_calls: vec!["acmeHttp.get".into()],
            ..Default::default()
        })
        .unwrap();
        let text = "const acmeHttp = makeClient();\nexport async function go() { await acmeHttp.get(\"/a\"); }";
        let model = crate::lang::lower_source(Language::TypeScript, text.as_bytes()).unwrap();
        let unit = Unit {
            model,
            file: SourceFile {
                display: "a.ts".into(),
                path: "a.ts".into(),
                language: Language::TypeScript,
                surface: Surface::Production,
                contents: None,
            },
        };
        let p = Project::link(vec![unit], &knowledge);
        assert_eq!(
            externals(&p, 0),
            vec![("acmeHttp.get".into(), Timeout::Unchecked)]
        );
    }

    #[test]
    fn taught_external_calls_carry_their_default_timeout() {
        let knowledge = Knowledge::load(&crate::knowledge::VocabularyExtension {
            external_call_defaults: vec![
                ("acmeHttp.get".into(), "none".into()),
                ("slowApi.fetch".into(), "30".into()),
            ],
            ..Default::default()
        })
        .unwrap();
        let text = "const acmeHttp = makeClient();\nexport async function go() {\n  await acmeHttp.get(\"/a\");\n  await acmeHttp.get(\"/a\", { timeout: 5 });\n  await slowApi.fetch(\"/b\");\n}";
        let model = crate::lang::lower_source(Language::TypeScript, text.as_bytes()).unwrap();
        let unit = Unit {
            model,
            file: SourceFile {
                display: "a.ts".into(),
                path: "a.ts".into(),
                language: Language::TypeScript,
                surface: Surface::Production,
                contents: None,
            },
        };
        let p = Project::link(vec![unit], &knowledge);
        assert_eq!(
            externals(&p, 0),
            vec![
                ("acmeHttp.get".into(), Timeout::Missing),
                (
                    "acmeHttp.get".into(),
                    Timeout::Set("the `timeout` option".into())
                ),
                ("slowApi.fetch".into(), Timeout::Default(30.0)),
            ]
        );
        assert!(
            Knowledge::load(&crate::knowledge::VocabularyExtension {
                external_call_defaults: vec![("x.get".into(), "soon".into())],
                ..Default::default()
            })
            .is_err()
        );
    }

    #[test]
    fn options_sit_where_each_method_takes_them() {
        let (p, _) = project(&[(
            "a.ts",
            r#"import axios from "axios";
            export async function go(body, config) {
              await axios.post("/a", body);
              await axios.post("/a", body, config);
              await axios.post("/a", { timeout: 1 });
              await axios({ url: "/a" });
              await axios(config);
              await axios.get("/a", config);
            }"#,
        )]);
        let timeouts: Vec<Timeout> = externals(&p, 0).into_iter().map(|(_, t)| t).collect();
        assert_eq!(
            timeouts,
            vec![
                Timeout::Missing,
                Timeout::Unknown,
                Timeout::Missing,
                Timeout::Missing,
                Timeout::Unknown,
                Timeout::Unknown,
            ]
        );
    }

    #[test]
    fn library_defaults_and_with_bindings() {
        let (p, _) = project(&[(
            "a.py",
            r#"
import httpx, aiohttp
async def f(url):
    async with httpx.AsyncClient() as client:
        await client.get(url)
    async with aiohttp.ClientSession() as s:
        await s.get(url)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as s2:
        await s2.get(url)
"#,
        )]);
        let got = externals(&p, 0);
        assert_eq!(got[0], ("client.get".into(), Timeout::Default(5.0)));
        assert_eq!(got[1], ("s.get".into(), Timeout::Missing));
        assert!(matches!(got[2].1, Timeout::Set(_)));
    }
}
