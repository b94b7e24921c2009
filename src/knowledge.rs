//! The vocabularies rules consult: what counts as an auth call (and later an external call, a
//! breaker, a timeout option). They are data in `rules/*.toml`, compiled in, and extended by
//! the user's configuration.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;

mod lowering;

pub use lowering::{LoweringVocabulary, ToolForms};

const AUTH_CALLS: &str = include_str!("../rules/auth-calls.toml");
const BREAKERS: &str = include_str!("../rules/breakers.toml");
const EXTERNAL_CALLS: &str = include_str!("../rules/external-calls.toml");
const WELL_KNOWN_ENV: &str = include_str!("../rules/well-known-env.toml");

/// Everything rules know about names, loaded once per scan.
#[derive(Debug)]
pub struct Knowledge {
    pub auth_calls: NameSet,
    /// Settings that choose between failing open and failing closed (`fail_mode`,
    /// `failClosed`), normalized (lower case, no `_`): a catch that branches on one is a
    /// gate's catch by the code's own words (`rules/auth-calls.toml`).
    pub fail_mode_settings: Vec<String>,
    pub breakers: Breakers,
    pub external_calls: ExternalCalls,
    /// Calls and decorators of the project's own that register a tool (configuration only).
    pub tool_registrations: NameSet,
    /// What the front ends read while lowering: loggers, error text, allow keys, servers.
    pub lowering: LoweringVocabulary,
    /// Environment variables every runtime, shell or CI sets (`rules/well-known-env.toml`).
    pub well_known_env: WellKnownEnv,
}

/// Environment variables every runtime, shell or CI sets, upper-cased: names compare without
/// regard to case.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WellKnownEnv {
    names: HashSet<String>,
    prefixes: Vec<String>,
}

impl WellKnownEnv {
    /// The built-in list with the user's names added: `NAME`, or `PREFIX_*` for a family.
    fn load(user: &[String]) -> Result<WellKnownEnv, String> {
        let list: WellKnownEnv = toml::from_str(WELL_KNOWN_ENV)
            .map_err(|e| format!("rules/well-known-env.toml: {e}"))?;
        let mut names: HashSet<String> =
            list.names.iter().map(|n| n.to_ascii_uppercase()).collect();
        let mut prefixes: Vec<String> = list
            .prefixes
            .iter()
            .map(|p| p.to_ascii_uppercase())
            .collect();
        for entry in user {
            match entry.strip_suffix('*') {
                Some(prefix) if !prefix.is_empty() => prefixes.push(prefix.to_ascii_uppercase()),
                Some(_) => {}
                None => {
                    names.insert(entry.to_ascii_uppercase());
                }
            }
        }
        Ok(WellKnownEnv { names, prefixes })
    }

    pub fn contains(&self, name: &str) -> bool {
        let name = name.to_ascii_uppercase();
        self.names.contains(&name) || self.prefixes.iter().any(|p| name.starts_with(p.as_str()))
    }
}

/// How circuit breakers are built, guard calls, and fail open (`rules/breakers.toml`).
#[derive(Debug)]
pub struct Breakers {
    /// Calls that build a breaker around the function they are given.
    pub constructors: NameSet,
    /// Calls that run the function they are given under a breaker.
    pub guard_calls: NameSet,
    /// Decorators that put the decorated function under a breaker.
    pub guard_decorators: NameSet,
    /// `option=value` pairs that make a breaker let requests through while open.
    pub fail_open_options: Vec<(String, String)>,
    pub open_states: Vec<String>,
    pub half_open_states: Vec<String>,
    pub closed_states: Vec<String>,
    /// Flag fields that, set true, say the circuit is open (`_circuit_open`).
    pub open_flags: NameSet,
    /// Flag fields that, set true, say the circuit is half-open (`probe_in_flight`).
    pub half_open_flags: NameSet,
    /// Fields that hold when the circuit opened or until when it stays open.
    pub open_time_fields: NameSet,
    /// Methods of a breaker that decide whether a request may go on (`allow_request`).
    pub gate_methods: NameSet,
    /// Option keys and keyword arguments that name a fallback function.
    pub fallback_options: Vec<String>,
    /// Methods that attach a fallback to a breaker instance.
    pub fallback_methods: Vec<String>,
    /// Calls that build a fallback policy (cockatiel).
    pub fallback_policies: NameSet,
    /// Rate-limit, quota and URL-allowlist checks: security checks besides auth calls.
    pub security_checks: NameSet,
}

impl Breakers {
    /// The state a constant names (`"open"`, `CircuitState.HALF_OPEN`, `State.Closed`),
    /// compared without case, `_` and `-`, by its last dotted segment.
    pub fn state_of(&self, constant: &str) -> Option<BreakerState> {
        let key = state_key(constant);
        let named = |list: &[String]| list.iter().any(|s| state_key_chars(s).eq(key.chars()));
        if named(&self.half_open_states) {
            Some(BreakerState::HalfOpen)
        } else if named(&self.open_states) {
            Some(BreakerState::Open)
        } else if named(&self.closed_states) {
            Some(BreakerState::Closed)
        } else {
            None
        }
    }
}

/// The states of a circuit breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    Closed,
    Open,
    HalfOpen,
}

fn state_key(constant: &str) -> String {
    state_key_chars(constant).collect()
}

/// The characters of [`state_key`], for comparing without building the string.
fn state_key_chars(constant: &str) -> impl Iterator<Item = char> + '_ {
    let last = constant.rsplit('.').next().unwrap_or(constant);
    last.chars()
        .filter(|c| !matches!(c, '_' | '-'))
        .flat_map(char::to_lowercase)
}

/// Extra vocabulary from the user's configuration.
#[derive(Debug, Default, Clone)]
pub struct VocabularyExtension {
    pub auth_calls: Vec<String>,
    /// Wrappers and decorators that count as circuit breakers.
    pub breakers: Vec<String>,
    /// Calls that leave the process (`acmeClient.request`). Carried from the configuration;
    /// the reliability rules' vocabulary takes them in.
    pub external_calls: Vec<String>,
    /// Wrappers that put a deadline on a call (`withDeadline`). Carried like `external_calls`.
    pub timeouts: Vec<String>,
    /// Taught external calls with their default timeout (`("acmeHttp.get", "none")`,
    /// `("legacy.fetch", "30")`): judged by REL002 like a library's calls.
    pub external_call_defaults: Vec<(String, String)>,
    /// Calls and decorators that register an MCP tool (`registerAcmeTool`, `tools.register`).
    pub tool_registrations: Vec<String>,
    /// Calls that write to a log (`audit.record`): a catch that only calls them only logs.
    pub loggers: Vec<String>,
    /// Environment variables the platform sets (`MYHOST_REGION`, `MYHOST_*`): DOC003 does not
    /// ask the README to explain them.
    pub well_known_env: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct BreakerFile {
    constructors: Vec<String>,
    guard_calls: Vec<String>,
    guard_decorators: Vec<String>,
    fail_open_options: Vec<String>,
    open_states: Vec<String>,
    half_open_states: Vec<String>,
    closed_states: Vec<String>,
    open_flags: Vec<String>,
    half_open_flags: Vec<String>,
    open_time_fields: Vec<String>,
    gate_methods: Vec<String>,
    fallback_options: Vec<String>,
    fallback_methods: Vec<String>,
    fallback_policies: Vec<String>,
    security_checks: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PatternFile {
    patterns: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default, rename = "fail-mode-settings")]
    fail_mode_settings: Vec<String>,
}

impl Knowledge {
    pub fn load(extension: &VocabularyExtension) -> Result<Knowledge, String> {
        let auth: PatternFile =
            toml::from_str(AUTH_CALLS).map_err(|e| format!("rules/auth-calls.toml: {e}"))?;
        let mut patterns = auth.patterns;
        patterns.extend(extension.auth_calls.iter().cloned());
        let breakers: BreakerFile =
            toml::from_str(BREAKERS).map_err(|e| format!("rules/breakers.toml: {e}"))?;
        let mut guard_calls = breakers.guard_calls;
        let mut guard_decorators = breakers.guard_decorators;
        guard_calls.extend(extension.breakers.iter().cloned());
        guard_decorators.extend(extension.breakers.iter().cloned());
        let fail_open_options = breakers
            .fail_open_options
            .iter()
            .map(|o| match o.split_once('=') {
                Some((k, v)) => Ok((k.to_string(), v.to_string())),
                None => Err(format!("rules/breakers.toml: `{o}` is not option=value")),
            })
            .collect::<Result<_, _>>()?;
        Ok(Knowledge {
            auth_calls: NameSet::new(&patterns, &auth.exclude)?,
            fail_mode_settings: auth
                .fail_mode_settings
                .iter()
                .map(|s| normalize(s))
                .collect(),
            breakers: Breakers {
                constructors: NameSet::new(&breakers.constructors, &[])?,
                guard_calls: NameSet::new(&guard_calls, &[])?,
                guard_decorators: NameSet::new(&guard_decorators, &[])?,
                fail_open_options,
                open_states: breakers.open_states,
                half_open_states: breakers.half_open_states,
                closed_states: breakers.closed_states,
                open_flags: NameSet::new(&breakers.open_flags, &[])?,
                half_open_flags: NameSet::new(&breakers.half_open_flags, &[])?,
                open_time_fields: NameSet::new(&breakers.open_time_fields, &[])?,
                gate_methods: NameSet::new(&breakers.gate_methods, &[])?,
                fallback_options: breakers.fallback_options,
                fallback_methods: breakers.fallback_methods,
                fallback_policies: NameSet::new(&breakers.fallback_policies, &[])?,
                security_checks: NameSet::new(&breakers.security_checks, &[])?,
            },
            external_calls: ExternalCalls::load(extension)?,
            tool_registrations: NameSet::new(&extension.tool_registrations, &[])?,
            lowering: LoweringVocabulary::load(&extension.loggers)?,
            well_known_env: WellKnownEnv::load(&extension.well_known_env)?,
        })
    }

    pub fn builtin() -> Knowledge {
        Knowledge::load(&VocabularyExtension::default()).expect("built-in vocabulary is valid")
    }
}

/// A set of dotted-name patterns matched against the end of a callee.
#[derive(Debug)]
pub struct NameSet {
    /// Patterns grouped by how many segments they have, with their source text.
    groups: Vec<SegmentGroup>,
    exclude: Vec<SegmentGroup>,
    /// Tells this set's answers apart in the per-thread memo.
    id: usize,
}

/// Where a name's pattern is: (group, pattern) in `NameSet::groups`.
type Hit = Option<(usize, usize)>;

/// Answers given per thread, by set and by how the name was matched: the same callee names
/// come back thousands of times in a scan, and a glob set is slow next to a hash lookup.
/// Bounded: a set's answers are dropped when they grow past `MEMO_LIMIT`.
type Memo = HashMap<(usize, bool), HashMap<String, Hit, FastHash>, FastHash>;
type FastHash = foldhash::fast::RandomState;

/// 32,768 saves 4% of a large repository's link stage for 11 MB more peak memory
/// (docs/performance.md).
const MEMO_LIMIT: usize = 4096;

thread_local! {
    static MEMO: RefCell<Memo> = RefCell::new(HashMap::default());
}

fn next_set_id() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl NameSet {
    fn memoized(&self, whole: bool, name: &str, compute: impl FnOnce() -> Hit) -> Option<&str> {
        let known = MEMO.with(|memo| {
            memo.borrow()
                .get(&(self.id, whole))
                .and_then(|answers| answers.get(name).copied())
        });
        let hit = match known {
            Some(hit) => hit,
            None => {
                let hit = compute();
                MEMO.with(|memo| {
                    let mut memo = memo.borrow_mut();
                    let answers = memo.entry((self.id, whole)).or_default();
                    if answers.len() >= MEMO_LIMIT {
                        answers.clear();
                    }
                    answers.insert(name.to_string(), hit);
                });
                hit
            }
        };
        hit.map(|(group, pattern)| self.groups[group].patterns[pattern].as_str())
    }
}

#[derive(Debug)]
struct SegmentGroup {
    segments: usize,
    set: GlobSet,
    patterns: Vec<String>,
    /// Case and underscores count (library APIs: `httpx.request` is not `httpx.Request`).
    exact: bool,
}

impl NameSet {
    pub fn new(patterns: &[String], exclude: &[String]) -> Result<NameSet, String> {
        Ok(NameSet {
            groups: group(patterns)?,
            exclude: group(exclude)?,
            id: next_set_id(),
        })
    }

    /// Whether the set has no pattern (then nothing matches).
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The pattern that `callee` matches, if any and if no exclusion matches it.
    pub fn matches(&self, callee: &str) -> Option<&str> {
        self.memoized(false, callee, || {
            let hit = first_match(&self.groups, callee)?;
            if first_match(&self.exclude, callee).is_some() {
                return None;
            }
            Some(hit)
        })
    }
}

/// The first group, and its first pattern, that the end of `callee` matches. The callee is
/// normalised once, not once per group: [`normalize`] keeps every dot, so the last segments of
/// the normalised callee are the normalised last segments.
fn first_match(groups: &[SegmentGroup], callee: &str) -> Hit {
    let dots: Vec<usize> = callee.match_indices('.').map(|(at, _)| at).collect();
    let mut normalized: Option<(String, Vec<usize>)> = None;
    for (index, group) in groups.iter().enumerate() {
        if group.segments > dots.len() + 1 {
            continue;
        }
        let skipped = dots.len() + 1 - group.segments;
        // The last `group.segments` segments: everything after the dot before them.
        let key: &str = if group.exact {
            match skipped {
                0 => callee,
                _ => &callee[dots[skipped - 1] + 1..],
            }
        } else {
            let (text, text_dots) = normalized.get_or_insert_with(|| {
                let text = normalize(callee);
                let text_dots = text.match_indices('.').map(|(at, _)| at).collect();
                (text, text_dots)
            });
            match skipped {
                0 => text.as_str(),
                _ => &text[text_dots[skipped - 1] + 1..],
            }
        };
        if !group.set.is_match(key) {
            continue;
        }
        if let Some(&pattern) = group.set.matches(key).first() {
            return Some((index, pattern));
        }
    }
    None
}

impl SegmentGroup {
    fn key<'n>(&self, name: &'n str) -> Cow<'n, str> {
        if self.exact {
            Cow::Borrowed(name)
        } else {
            Cow::Owned(normalize(name))
        }
    }
}

/// Lower case, without underscores and the `#` of private names: `verify_api_key`,
/// `verifyApiKey` and `#verifyApiKey` compare equal.
pub fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '_' | '#'))
        .flat_map(char::to_lowercase)
        .collect()
}

fn group(patterns: &[String]) -> Result<Vec<SegmentGroup>, String> {
    group_with(patterns, false)
}

fn group_with(patterns: &[String], exact: bool) -> Result<Vec<SegmentGroup>, String> {
    let mut groups: Vec<SegmentGroup> = Vec::new();
    let mut builders: Vec<(usize, GlobSetBuilder, Vec<String>)> = Vec::new();
    for pattern in patterns {
        let segments = pattern.split('.').count();
        let text = if exact {
            pattern.clone()
        } else {
            normalize(pattern)
        };
        let glob = GlobBuilder::new(&text)
            .literal_separator(false)
            .build()
            .map_err(|e| {
                format!(
                    "bad vocabulary pattern `{}`: {}",
                    crate::escape::visible(pattern),
                    crate::escape::visible(&e.kind().to_string())
                )
            })?;
        match builders.iter_mut().find(|(n, _, _)| *n == segments) {
            Some((_, builder, names)) => {
                builder.add(glob);
                names.push(pattern.clone());
            }
            None => {
                let mut builder = GlobSetBuilder::new();
                builder.add(glob);
                builders.push((segments, builder, vec![pattern.clone()]));
            }
        }
    }
    // Longer patterns are more specific: try them first.
    builders.sort_by_key(|b| std::cmp::Reverse(b.0));
    for (segments, builder, patterns) in builders {
        let set = builder.build().map_err(|e| e.to_string())?;
        groups.push(SegmentGroup {
            segments,
            set,
            patterns,
            exact,
        });
    }
    Ok(groups)
}

/// The external-call vocabulary (`rules/external-calls.toml`): libraries whose calls leave the
/// process, their real default timeouts and the options that set one.
#[derive(Debug)]
pub struct ExternalCalls {
    pub libraries: Vec<Library>,
    /// Calls that put a deadline on what runs inside them (`asyncio.wait_for`, `pTimeout`).
    pub timeout_wrappers: NameSet,
    /// Calls that wait for several operations and fail when one fails (`Promise.all`).
    pub aggregations: NameSet,
    /// Keywords or calls that make an aggregation keep the other results (`return_exceptions`).
    pub aggregation_safe: Vec<String>,
    /// Every library's `defaults_set_by` in one set: most names match none, and one lookup
    /// says so for all libraries at once.
    pub any_defaults_set_by: NameSet,
    /// Every built-in library's calls, and client factories, in one set each, likewise.
    any_call: NameSet,
    any_client_factory: NameSet,
}

impl ExternalCalls {
    /// The first library whose direct calls include the canonical callee `name`.
    pub fn library_of_call(&self, name: &str) -> Option<usize> {
        let known = self.any_call.matches_whole(name).is_some();
        self.libraries
            .iter()
            .position(|l| (known || l.tail_match) && l.is_call(name))
    }

    /// The first library whose client factories include the canonical callee `name`.
    pub fn library_of_client_factory(&self, name: &str) -> Option<usize> {
        if name.is_empty() || self.any_client_factory.matches_whole(name).is_none() {
            return None;
        }
        self.libraries
            .iter()
            .position(|l| l.is_client_factory(name))
    }
}

/// What the library does when no timeout is set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DefaultTimeout {
    /// Waits as long as the peer likes.
    None,
    /// Bounded by this many seconds.
    Seconds(f64),
    /// Not judged: the deadline usually comes from somewhere faultline cannot see.
    Unchecked,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LibraryKind {
    Http,
    Database,
    Cache,
    Cloud,
    /// Named by the user's configuration.
    Custom,
}

/// One library of `rules/external-calls.toml`.
#[derive(Debug)]
pub struct Library {
    pub name: String,
    pub kind: LibraryKind,
    /// Canonical callees that make a request (whole-name match).
    pub calls: NameSet,
    /// Canonical callees or classes that return a client (whole-name match).
    pub clients: NameSet,
    /// Client methods that make a request (matched against the end of the path after the client).
    pub methods: NameSet,
    /// Client methods that return another client of the library.
    pub derive: NameSet,
    pub default_timeout: DefaultTimeout,
    /// How a finding describes the default (`aiohttp's default gives up only after five minutes`).
    pub default_note: Option<String>,
    pub timeout_options: Vec<String>,
    /// The first positional argument that may hide options; `None`: only `**kwargs` does.
    pub options_from: Option<usize>,
    /// Per method, the position of its options (`post = 2` for `axios.post(url, data,
    /// config)`, `axios = 0` for `axios({ ... })`): arguments before it are data and hide
    /// nothing. Matched against the callee's last segment.
    pub options_at: std::collections::BTreeMap<String, usize>,
    pub timeout_arg: Option<usize>,
    pub timeout_methods: Vec<String>,
    /// Methods that must be called on the result for the request to be sent (`end`).
    pub sent_by: Vec<String>,
    /// Transports that keep a client's calls in the process (`ASGITransport`).
    pub in_process_transports: Vec<String>,
    pub opaque_methods: Vec<String>,
    /// Assignment targets or callees that give every call of the library a timeout.
    pub defaults_set_by: NameSet,
    /// Patterns match the end of the callee rather than the whole canonical name.
    pub tail_match: bool,
}

impl Library {
    /// External calls taught in `[vocabulary]`: matched by the end of the callee, with the
    /// given default timeout and timeout options, and nothing else known about them.
    fn taught(
        name: String,
        calls: &[String],
        default_timeout: DefaultTimeout,
        timeout_options: Vec<String>,
    ) -> Result<Library, String> {
        Ok(Library {
            name,
            kind: LibraryKind::Custom,
            calls: NameSet::new(calls, &[])?,
            clients: NameSet::new(&[], &[])?,
            methods: NameSet::new(&[], &[])?,
            derive: NameSet::new(&[], &[])?,
            default_timeout,
            default_note: None,
            timeout_options,
            options_from: None,
            options_at: Default::default(),
            timeout_arg: None,
            timeout_methods: Vec::new(),
            sent_by: Vec::new(),
            in_process_transports: Vec::new(),
            opaque_methods: Vec::new(),
            defaults_set_by: NameSet::new(&[], &[])?,
            tail_match: true,
        })
    }

    /// Whether a canonical callee is one of the library's direct calls.
    pub fn is_call(&self, canonical: &str) -> bool {
        if self.tail_match {
            self.calls.matches(canonical).is_some()
        } else {
            self.calls.matches_whole(canonical).is_some()
        }
    }

    pub fn is_client_factory(&self, canonical: &str) -> bool {
        self.clients.matches_whole(canonical).is_some()
    }

    /// The first positional argument of a call to `method` that may be its options.
    pub fn options_position(&self, method: &str, python: bool) -> Option<usize> {
        self.options_at
            .get(method)
            .copied()
            .or(self.options_from)
            .or((!python).then_some(1))
    }

    pub fn is_timeout_option(&self, key: &str) -> bool {
        self.timeout_options.iter().any(|o| o == key)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ExternalCallsFile {
    timeout_wrappers: Vec<String>,
    aggregations: Vec<String>,
    aggregation_safe: Vec<String>,
    library: Vec<LibraryEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct LibraryEntry {
    name: String,
    kind: String,
    #[serde(default)]
    calls: Vec<String>,
    #[serde(default)]
    clients: Vec<String>,
    #[serde(default)]
    methods: Vec<String>,
    #[serde(default)]
    methods_exclude: Vec<String>,
    #[serde(default)]
    derive: Vec<String>,
    default_timeout: toml::Value,
    default_note: Option<String>,
    #[serde(default)]
    timeout_options: Vec<String>,
    options_from: Option<usize>,
    #[serde(default)]
    options_at: std::collections::BTreeMap<String, usize>,
    timeout_arg: Option<usize>,
    #[serde(default)]
    timeout_methods: Vec<String>,
    #[serde(default)]
    sent_by: Vec<String>,
    #[serde(default)]
    in_process_transports: Vec<String>,
    #[serde(default)]
    opaque_methods: Vec<String>,
    #[serde(default)]
    defaults_set_by: Vec<String>,
}

impl ExternalCalls {
    fn load(extension: &VocabularyExtension) -> Result<ExternalCalls, String> {
        let where_ = "rules/external-calls.toml";
        let file: ExternalCallsFile =
            toml::from_str(EXTERNAL_CALLS).map_err(|e| format!("{where_}: {e}"))?;
        let mut libraries = Vec::new();
        let all = |field: fn(&LibraryEntry) -> &Vec<String>| -> Vec<String> {
            file.library.iter().flat_map(field).cloned().collect()
        };
        let any_defaults_set_by = NameSet::exact(&all(|e| &e.defaults_set_by), &[])?;
        let any_call = NameSet::exact(&all(|e| &e.calls), &[])?;
        let any_client_factory = NameSet::exact(&all(|e| &e.clients), &[])?;
        for entry in file.library {
            let kind = match entry.kind.as_str() {
                "http" => LibraryKind::Http,
                "database" => LibraryKind::Database,
                "cache" => LibraryKind::Cache,
                "cloud" => LibraryKind::Cloud,
                other => {
                    return Err(format!(
                        "{where_}: `{}` has unknown kind `{other}`",
                        entry.name
                    ));
                }
            };
            let default_timeout = match &entry.default_timeout {
                toml::Value::String(s) if s == "none" => DefaultTimeout::None,
                toml::Value::String(s) if s == "unchecked" => DefaultTimeout::Unchecked,
                toml::Value::Integer(n) => DefaultTimeout::Seconds(*n as f64),
                toml::Value::Float(f) => DefaultTimeout::Seconds(*f),
                other => {
                    return Err(format!(
                        "{where_}: `{}` has default-timeout {other}; expected \"none\", \"unchecked\" or seconds",
                        entry.name
                    ));
                }
            };
            libraries.push(Library {
                name: entry.name,
                kind,
                calls: NameSet::exact(&entry.calls, &[])?,
                clients: NameSet::exact(&entry.clients, &[])?,
                methods: NameSet::exact(&entry.methods, &entry.methods_exclude)?,
                derive: NameSet::exact(&entry.derive, &[])?,
                default_timeout,
                default_note: entry.default_note,
                timeout_options: entry.timeout_options,
                options_from: entry.options_from,
                options_at: entry.options_at,
                timeout_arg: entry.timeout_arg,
                timeout_methods: entry.timeout_methods,
                sent_by: entry.sent_by,
                in_process_transports: entry.in_process_transports,
                opaque_methods: entry.opaque_methods,
                defaults_set_by: NameSet::exact(&entry.defaults_set_by, &[])?,
                tail_match: false,
            });
        }
        if !extension.external_calls.is_empty() {
            libraries.push(Library::taught(
                "configured".into(),
                &extension.external_calls,
                DefaultTimeout::Unchecked,
                Vec::new(),
            )?);
        }
        for (name, default) in &extension.external_call_defaults {
            let default_timeout = match default.trim() {
                "none" => DefaultTimeout::None,
                "unchecked" => DefaultTimeout::Unchecked,
                seconds => match seconds.parse::<f64>() {
                    Ok(s) if s >= 0.0 => DefaultTimeout::Seconds(s),
                    _ => {
                        return Err(format!(
                            "[vocabulary] external-call-defaults: `{name}` = `{default}`; expected \"none\", \"unchecked\" or seconds"
                        ));
                    }
                },
            };
            let timeout_options = ["timeout", "signal", "timeoutMs", "timeout_ms", "deadline"]
                .map(String::from)
                .to_vec();
            libraries.push(Library::taught(
                format!("configured `{name}`"),
                std::slice::from_ref(name),
                default_timeout,
                timeout_options,
            )?);
        }
        let mut wrappers = file.timeout_wrappers;
        wrappers.extend(extension.timeouts.iter().cloned());
        Ok(ExternalCalls {
            any_defaults_set_by,
            any_call,
            any_client_factory,
            libraries,
            timeout_wrappers: NameSet::new(&wrappers, &[])?,
            aggregations: NameSet::exact(&file.aggregations, &[])?,
            aggregation_safe: file.aggregation_safe,
        })
    }
}

impl NameSet {
    /// Like [`NameSet::new`], but case and underscores count: for library APIs, where
    /// `httpx.request(...)` sends a request and `httpx.Request(...)` only builds one.
    pub fn exact(patterns: &[String], exclude: &[String]) -> Result<NameSet, String> {
        Ok(NameSet {
            groups: group_with(patterns, true)?,
            exclude: group_with(exclude, true)?,
            id: next_set_id(),
        })
    }

    /// The pattern that matches all of `name`, segment by segment (not just its end).
    pub fn matches_whole(&self, name: &str) -> Option<&str> {
        self.memoized(true, name, || {
            let segments = name.split('.').count();
            let find = |g: &[SegmentGroup]| -> Hit {
                let (index, group) = g.iter().enumerate().find(|(_, g)| g.segments == segments)?;
                let pattern = group
                    .set
                    .matches(group.key(name).as_ref())
                    .first()
                    .copied()?;
                Some((index, pattern))
            };
            let hit = find(&self.groups)?;
            if find(&self.exclude).is_some() {
                return None;
            }
            Some(hit)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_vocabulary_matches_both_naming_styles() {
        let k = Knowledge::builtin();
        assert_eq!(k.auth_calls.matches("jwt.verify"), Some("jwt.verify"));
        assert_eq!(k.auth_calls.matches("verify_api_key"), Some("verify*"));
        assert_eq!(
            k.auth_calls.matches("this.auth.check"),
            Some("auth*.check*")
        );
        assert_eq!(k.auth_calls.matches("authz.check"), Some("auth*.check*"));
        assert!(k.auth_calls.matches("self.validateApiKey").is_some());
        assert!(k.auth_calls.matches("fetch").is_none());
        assert!(k.auth_calls.matches("getFlag").is_none());
        assert!(k.auth_calls.matches("verifyChecksum").is_none());
    }

    #[test]
    fn breaker_vocabulary_knows_the_libraries() {
        let k = Knowledge::builtin();
        let b = &k.breakers;
        assert!(b.constructors.matches("CircuitBreaker").is_some());
        assert!(b.constructors.matches("pybreaker.CircuitBreaker").is_some());
        assert!(b.guard_calls.matches("this.breaker.fire").is_some());
        assert!(b.guard_calls.matches("db_breaker.call_async").is_some());
        assert!(b.guard_calls.matches("retryPolicy.execute").is_some());
        assert!(b.guard_decorators.matches("circuit").is_some());
        assert!(b.guard_calls.matches("fetch").is_none());
        assert!(
            b.fail_open_options
                .contains(&("failClosed".into(), "false".into()))
        );
    }

    #[test]
    fn external_call_vocabulary_knows_defaults() {
        let k = Knowledge::builtin();
        let libs = &k.external_calls.libraries;
        let lib = |name: &str| libs.iter().find(|l| l.name == name).unwrap();
        assert!(lib("axios").is_call("axios.get"));
        assert!(!lib("axios").is_call("this.axios.get"));
        assert!(lib("fetch").is_call("fetch"));
        assert!(!lib("fetch").is_call("store.fetch"));
        assert!(lib("httpx").is_client_factory("httpx.AsyncClient"));
        assert!(lib("httpx").is_call("httpx.request"));
        assert!(!lib("httpx").is_call("httpx.Request"));
        assert!(lib("aws-sdk").is_client_factory("@aws-sdk/client-s3.S3Client"));
        assert_eq!(lib("httpx").default_timeout, DefaultTimeout::Seconds(5.0));
        assert_eq!(lib("ky").default_timeout, DefaultTimeout::Seconds(10.0));
        assert_eq!(lib("requests").default_timeout, DefaultTimeout::None);
        assert_eq!(lib("aiohttp").default_timeout, DefaultTimeout::None);
        assert!(lib("boto3").methods.matches("get_object").is_some());
        assert!(lib("boto3").methods.matches("get_paginator").is_none());
        let wrappers = &k.external_calls.timeout_wrappers;
        assert!(wrappers.matches("asyncio.wait_for").is_some());
        assert!(
            k.external_calls
                .aggregations
                .matches_whole("Promise.all")
                .is_some()
        );
        assert!(
            k.external_calls
                .aggregations
                .matches_whole("Promise.allSettled")
                .is_none()
        );
    }

    #[test]
    fn breaker_states_and_security_checks() {
        let b = Knowledge::builtin().breakers;
        assert_eq!(b.state_of("open"), Some(BreakerState::Open));
        assert_eq!(b.state_of("CircuitState.OPEN"), Some(BreakerState::Open));
        assert_eq!(
            b.state_of("BreakerState.HALF_OPEN"),
            Some(BreakerState::HalfOpen)
        );
        assert_eq!(b.state_of("half-open"), Some(BreakerState::HalfOpen));
        assert_eq!(b.state_of("State.Closed"), Some(BreakerState::Closed));
        assert_eq!(b.state_of("idle"), None);
        assert!(b.security_checks.matches("checkRateLimit").is_some());
        assert!(b.security_checks.matches("enforce_quota").is_some());
        assert!(
            b.security_checks
                .matches("this.rateLimiter.consume")
                .is_some()
        );
        assert!(b.security_checks.matches("isAllowedUrl").is_some());
        assert!(b.security_checks.matches("fetchWeather").is_none());
        assert!(b.fallback_policies.matches("fallback").is_some());
    }

    #[test]
    fn user_patterns_extend_the_vocabulary() {
        let ext = VocabularyExtension {
            auth_calls: vec!["acmeGate".into()],
            breakers: vec!["resilient".into()],
            ..VocabularyExtension::default()
        };
        let k = Knowledge::load(&ext).unwrap();
        assert_eq!(k.auth_calls.matches("gates.acme_gate"), Some("acmeGate"));
        assert!(k.breakers.guard_calls.matches("resilient").is_some());
        let ext = VocabularyExtension {
            external_calls: vec!["acmeHttp.get".into()],
            timeouts: vec!["withDeadline".into()],
            ..VocabularyExtension::default()
        };
        let k = Knowledge::load(&ext).unwrap();
        let custom = k.external_calls.libraries.last().unwrap();
        assert!(custom.is_call("this.acmeHttp.get"));
        assert!(
            k.external_calls
                .timeout_wrappers
                .matches("withDeadline")
                .is_some()
        );
    }
}
