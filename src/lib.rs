//! faultline: finds the places in MCP servers where a failure becomes a security hole.
//!
//! The scan is a one-way pipeline — discover, parse + lower, link, check, locate — exposed as
//! [`scan`] so that the command line and the tests call the same code.

pub mod allocator;
pub mod baseline;
pub mod cache;
pub mod config;
pub mod discover;
pub mod escape;
pub mod finding;
pub mod inventory;
pub mod knowledge;
pub mod lang;
pub mod locate;
pub mod model;
pub mod paths;
pub mod prescan;
pub mod project;
pub mod read;
pub mod report;
pub mod rules;
pub mod score;
pub mod suppress;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use discover::{ScanError, Skipped, SourceFile, WalkOptions};
use finding::Finding;
use knowledge::{Knowledge, VocabularyExtension};
use locate::Located;
use model::Language;
use project::{Project, Unit};
use rules::{Context, Registry};

/// What to scan and how.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    pub paths: Vec<PathBuf>,
    /// Ids of the rules to run.
    pub rules: Vec<String>,
    /// Worker threads; `None` uses every core.
    pub threads: Option<usize>,
    pub respect_ignore_files: bool,
    pub vocabulary: VocabularyExtension,
    /// The configuration's `exclude`, `per-file-ignores` and `[severity]`, compiled.
    pub filters: config::Filters,
    /// `--no-inline-ignores`: `faultline-ignore` comments suppress nothing.
    pub no_inline_ignores: bool,
    /// `--baseline FILE`, read: findings in it are marked and do not count.
    pub baseline: Option<baseline::Baseline>,
    /// `scan -`: source read from standard input, scanned instead of `paths`.
    pub stdin: Option<StdinInput>,
    /// How findings are scored (`--include-tests`).
    pub score: score::ScoreOptions,
    /// How long one file's parse and lowering may take; `None` is [`lang::FILE_BUDGET`].
    pub file_budget: Option<Duration>,
    /// Build the tool inventory (`faultline tools`) into [`Report::tools`].
    pub inventory: bool,
    /// Where the cache of lowered models lives; `None` runs without one (`--no-cache`).
    pub cache: Option<cache::Location>,
    /// Remove cache entries no file of this run used: set when the scan reads the whole tree
    /// the cache belongs to. Nothing is removed when the run had errors.
    pub prune_cache: bool,
}

/// The cache of `options`, or the note saying why there is none.
fn open_cache(options: &ScanOptions) -> (Option<cache::Cache>, Option<String>) {
    let Some(location) = &options.cache else {
        return (None, None);
    };
    // Everything besides a file's bytes and language that changes its lowering.
    let salt = format!("{:?}", options.vocabulary);
    match cache::Cache::open(location, &salt) {
        Ok(cache) => (Some(cache), None),
        Err(note) => (None, Some(note)),
    }
}

/// Prunes the cache after a clean run over the whole tree, and notes why it was turned off.
fn finish_cache(
    options: &ScanOptions,
    cache: Option<cache::Cache>,
    note: Option<String>,
    report: &mut Report,
) {
    report.cache_note = note;
    if let Some(cache) = cache {
        if options.prune_cache && report.errors.is_empty() {
            cache.prune();
        }
        if let Some(note) = cache.note() {
            report.cache_note = Some(note);
        }
    }
}

/// Source text that cannot be read again, and the path it stands for (`--stdin-filename`),
/// which gives its language and the path shown in reports.
#[derive(Debug, Clone)]
pub struct StdinInput {
    pub name: PathBuf,
    pub text: String,
    /// Why the input is not analysed (too large, not UTF-8): it is then reported as skipped.
    pub problem: Option<String>,
}

/// Everything a scan found, sorted, ready for a reporter.
#[derive(Debug, Default)]
pub struct Report {
    pub findings: Vec<Located>,
    pub skipped: Vec<Skipped>,
    pub errors: Vec<ScanError>,
    pub files_scanned: usize,
    /// Files tree-sitter had to recover in; they are still analysed.
    pub files_with_syntax_errors: Vec<String>,
    /// Files nested deeper than the front ends follow; the deep part was not analysed.
    pub files_too_deep: Vec<String>,
    pub elapsed: Duration,
    /// Scores of `findings`; [`Report::rescore`] recomputes them with other options.
    pub scores: score::Scorecard,
    /// `faultline-ignore` directives that are malformed or suppress nothing.
    pub suppression_problems: Vec<suppress::SuppressionProblem>,
    /// What `--baseline` matched, when one was given.
    pub baseline: Option<baseline::Summary>,
    /// The tool inventory, when [`ScanOptions::inventory`] asked for it.
    pub tools: Vec<inventory::Tool>,
    /// A production file imports an MCP SDK (`sdk-modules` in `rules/lowering.toml`) and yet no
    /// tool was found: the module named, for the summary.
    pub sdk_without_tools: Option<String>,
    /// Why the cache was not used (or stopped being used), shown as a warning.
    pub cache_note: Option<String>,
}

impl Report {
    /// Recomputes the scores, e.g. to count test surfaces (`--include-tests`).
    pub fn rescore(&mut self, options: score::ScoreOptions) {
        self.scores = score::score(&self.findings, options);
    }

    /// The findings that count: not suppressed inline, not in the baseline.
    pub fn active(&self) -> impl Iterator<Item = &Located> {
        self.findings.iter().filter(|f| f.is_active())
    }
}

/// Stack for worker threads: front ends recurse up to `lang::MAX_DEPTH` levels.
pub const WORKER_STACK: usize = 64 * 1024 * 1024;

/// Worker threads per core beyond which more threads only cost memory: each reserves
/// [`WORKER_STACK`] of address space, and the work is bound by the cores.
pub const THREADS_PER_CORE: usize = 4;

/// `requested` worker threads, capped at [`THREADS_PER_CORE`] per core; `true` when capped.
/// `0` stays `0` (rayon's default: one per core).
pub fn capped_threads(requested: usize) -> (usize, bool) {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let cap = cores.saturating_mul(THREADS_PER_CORE).max(1);
    if requested > cap {
        (cap, true)
    } else {
        (requested, false)
    }
}

fn worker_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, String> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(capped_threads(threads.unwrap_or(0)).0)
        .stack_size(WORKER_STACK)
        .thread_name(|i| format!("faultline-{i}"))
        .build()
        .map_err(|e| format!("cannot start worker threads: {e}"))
}

pub fn scan(options: &ScanOptions, registry: &Registry) -> Result<Report, String> {
    let started = Instant::now();
    let knowledge = Knowledge::load(&options.vocabulary)?;
    let pool = worker_pool(options.threads)?;
    let walk = WalkOptions {
        respect_ignore_files: options.respect_ignore_files,
        exclude: options.filters.exclude.clone(),
    };
    let (cache, note) = open_cache(options);
    let mut report = pool.install(|| run(options, registry, &knowledge, &walk, cache.as_ref()));
    finish_cache(options, cache, note, &mut report);
    report.elapsed = started.elapsed();
    Ok(report)
}

/// One file's findings from bytes in memory, for fuzzing and editors: the pipeline without the
/// walk and the report — content checks, the pre-scan, parse and lower within
/// [`lang::FILE_BUDGET`], link (a project of this one file) and
/// every rule of `registry` for the language. `Err` says why the bytes were not analysed.
/// Panics are not caught here, so that a fuzzer sees them; it needs a stack of
/// [`WORKER_STACK`] bytes, as the front ends recurse up to `lang::MAX_DEPTH` levels.
pub fn scan_source(
    path: &str,
    language: Language,
    source: &[u8],
    registry: &Registry,
    knowledge: &Knowledge,
) -> Result<Vec<Finding>, String> {
    if let Some(reason) = discover::content_problem(source) {
        return Err(reason);
    }
    if let Some(reason) = prescan::problem(language, source) {
        return Err(reason);
    }
    let model = lang::lower_with(
        language,
        &lone_returns_as_newlines(source),
        lang::FILE_BUDGET,
        &knowledge.lowering,
    )
    .map_err(|e| e.to_string())?;
    let file = SourceFile {
        path: PathBuf::from(path),
        display: path.to_string(),
        language,
        surface: discover::surface_of(path),
        contents: None,
    };
    let project = Project::link(vec![Unit { file, model }], knowledge);
    let cx = Context::new(&project, knowledge);
    let mut findings = Vec::new();
    for rule in &registry.rules {
        if rule.meta.languages.iter().any(|l| l == language.family()) {
            rule.check(&cx, 0, &mut findings);
        }
    }
    Ok(findings)
}

/// What happened to one file in the parse + lower stage.
enum Lowered {
    Unit(Box<Unit>),
    Skipped(Skipped),
    Error(ScanError),
}

fn run(
    options: &ScanOptions,
    registry: &Registry,
    knowledge: &Knowledge,
    walk: &WalkOptions,
    cache: Option<&cache::Cache>,
) -> Report {
    let mut discovery = match &options.stdin {
        Some(input) => stdin_discovery(input, walk),
        None => discover::discover(&options.paths, walk),
    };
    // Files named inside a repository are linked with the rest of its source.
    let context = repository_context(options, walk, &mut discovery.files);
    analyse(discovery, context, options, registry, knowledge, cache)
}

/// [`scan`] after the walk: the files of `discovery` are read, analysed and reported. For
/// callers that walk themselves, and for tests that change the tree between walk and read.
pub fn scan_discovered(
    discovery: discover::Discovery,
    options: &ScanOptions,
    registry: &Registry,
) -> Result<Report, String> {
    let started = Instant::now();
    let knowledge = Knowledge::load(&options.vocabulary)?;
    let pool = worker_pool(options.threads)?;
    let (cache, note) = open_cache(options);
    let mut report = pool.install(|| {
        analyse(
            discovery,
            Vec::new(),
            options,
            registry,
            &knowledge,
            cache.as_ref(),
        )
    });
    finish_cache(options, cache, note, &mut report);
    report.elapsed = started.elapsed();
    Ok(report)
}

/// Reads, lowers, links and checks the discovered files; `context` files are lowered for
/// linking only.
fn analyse(
    discovery: discover::Discovery,
    context: Vec<SourceFile>,
    options: &ScanOptions,
    registry: &Registry,
    knowledge: &Knowledge,
    cache: Option<&cache::Cache>,
) -> Report {
    let mut report = Report {
        skipped: discovery.skipped,
        errors: discovery.errors,
        ..Report::default()
    };

    let docs = discovery.docs;
    let budget = options.file_budget.unwrap_or(lang::FILE_BUDGET);
    let lower_file = |file| lower_file(file, budget, &knowledge.lowering, cache);
    let lowered: Vec<Lowered> = discovery.files.into_par_iter().map(lower_file).collect();
    let mut units = Vec::new();
    for item in lowered {
        match item {
            Lowered::Unit(unit) => units.push(*unit),
            Lowered::Skipped(s) => report.skipped.push(s),
            Lowered::Error(e) => report.errors.push(e),
        }
    }
    report.files_scanned = units.len();
    let reported_units = units.len();
    let context_units: Vec<Lowered> = context.into_par_iter().map(lower_file).collect();
    units.extend(context_units.into_iter().filter_map(|item| match item {
        Lowered::Unit(unit) => Some(*unit),
        _ => None,
    }));
    for unit in &units[..reported_units] {
        if unit.model.syntax_errors > 0 {
            report
                .files_with_syntax_errors
                .push(unit.file.display.clone());
        }
        if unit.model.depth_limited {
            report.files_too_deep.push(unit.file.display.clone());
        }
    }

    let mut project = Project::link(units, knowledge);
    project.documentation = discover::Documentation::read(&docs);
    if options.inventory {
        report.tools = inventory::build(&project, knowledge, reported_units);
    }
    if !project.declares_tools() {
        report.sdk_without_tools = project.units[..reported_units]
            .iter()
            .filter(|u| u.file.surface == discover::Surface::Production)
            .flat_map(|u| &u.model.imports)
            .find(|i| knowledge.lowering.is_sdk_module(&i.source))
            .map(|i| i.source.clone());
    }
    let cx = Context::new(&project, knowledge);
    let selected: Vec<&rules::RegisteredRule> = registry
        .rules
        .iter()
        .filter(|r| options.rules.contains(&r.meta.id))
        .collect();
    let checked: Vec<(Vec<Finding>, Vec<ScanError>)> = (0..reported_units)
        .into_par_iter()
        .map(|unit| check_file(&cx, unit, &selected))
        .collect();
    let mut findings = Vec::new();
    for (f, e) in checked {
        findings.extend(f);
        report.errors.extend(e);
    }

    filter_by_configuration(options, &project, &mut findings);
    apply_suppressions(
        options,
        registry,
        &project,
        reported_units,
        &mut findings,
        &mut report,
    );

    let (located, errors) = locate::locate(&project, registry, findings);
    report.findings = located;
    report.errors.extend(errors);
    apply_baseline(options, &project, reported_units, &mut report);
    // Scores count only active findings: after suppressions and the baseline.
    report.rescore(options.score);
    report.skipped.sort();
    report.errors.sort();
    report
}

fn lower_file(
    file: SourceFile,
    budget: Duration,
    vocabulary: &knowledge::LoweringVocabulary,
    cache: Option<&cache::Cache>,
) -> Lowered {
    let display = file.display.clone();
    let skipped = |reason: String| {
        Lowered::Skipped(Skipped {
            path: file.display.clone(),
            reason,
        })
    };
    // Only regular files are read, and at most one byte past the limit of a file.
    let read = match &file.contents {
        Some(text) => read::read_bounded(text.as_bytes(), discover::MAX_FILE_BYTES),
        None => read::read_regular_file(&file.path, discover::MAX_FILE_BYTES),
    };
    let bytes = match read {
        Ok(bytes) => bytes,
        Err(read::ReadError::Io(e)) => return Lowered::Error(unreadable(display, e)),
        Err(refused) => return skipped(refused.to_string()),
    };
    // An entry exists only for bytes that passed the checks below and lowered (entries are
    // named and sealed with a secret key), so a hit skips them: they would pass again.
    let language = file.language;
    let entry = cache.map(|c| c.name(language, &bytes));
    if let (Some(cache), Some(entry)) = (cache, &entry)
        && let Some(model) = cache.get(entry)
    {
        return Lowered::Unit(Box::new(Unit { file, model }));
    }
    if let Some(reason) = discover::content_problem(&bytes) {
        return skipped(reason);
    }
    // What the grammars cannot take in any amount (indentation that aborts tree-sitter's
    // Python scanner, brackets far past what the front ends follow): passed over unparsed.
    if let Some(reason) = prescan::problem(file.language, &bytes) {
        return skipped(reason);
    }
    let lowered = catch_unwind(AssertUnwindSafe(|| {
        lang::lower_with(
            language,
            &lone_returns_as_newlines(&bytes),
            budget,
            vocabulary,
        )
    }));
    match lowered {
        Ok(Ok(model)) => {
            if let (Some(cache), Some(entry)) = (cache, &entry) {
                cache.put(entry, &model);
            }
            Lowered::Unit(Box::new(Unit { file, model }))
        }
        Ok(Err(abandoned)) => skipped(abandoned.to_string()),
        Err(panic) => Lowered::Error(ScanError {
            path: display,
            message: format!("internal error while analysing: {}", panic_text(&panic)),
        }),
    }
}

/// The bytes the grammars read: a lone `\r` (old Mac line endings) becomes `\n`. Python's
/// grammar takes only `\n` for a line end, so a file with `\r` endings was one long line of
/// errors; JavaScript counts `\r` as a line end anyway. Same length, so every byte offset, and
/// the line index (which counts a lone `\r` as a line end too), still fit the file's own text.
fn lone_returns_as_newlines(bytes: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let lone = |i: usize| bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n');
    if !(0..bytes.len()).any(lone) {
        return std::borrow::Cow::Borrowed(bytes);
    }
    let mut out = bytes.to_vec();
    for (i, b) in out.iter_mut().enumerate() {
        if *b == b'\r' && bytes.get(i + 1) != Some(&b'\n') {
            *b = b'\n';
        }
    }
    std::borrow::Cow::Owned(out)
}

fn check_file(
    cx: &Context,
    unit: usize,
    rules: &[&rules::RegisteredRule],
) -> (Vec<Finding>, Vec<ScanError>) {
    let language = cx.project.units[unit].file.language.family();
    let mut findings = Vec::new();
    let mut errors = Vec::new();
    for rule in rules {
        if !rule.meta.languages.iter().any(|l| l == language) {
            continue;
        }
        let mut out = Vec::new();
        match catch_unwind(AssertUnwindSafe(|| rule.check(cx, unit, &mut out))) {
            Ok(()) => findings.extend(out),
            Err(panic) => errors.push(ScanError {
                path: cx.project.units[unit].file.display.clone(),
                message: format!(
                    "internal error in rule {}: {}",
                    rule.meta.id,
                    panic_text(&panic)
                ),
            }),
        }
    }
    (findings, errors)
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}

// ---- adoption: standard input, repository context, configuration filters, suppressions,
// baseline ------------------------------------------------------------------------------------

/// The one file `scan -` reads: its language and surface come from `--stdin-filename`.
fn stdin_discovery(input: &StdinInput, walk: &WalkOptions) -> discover::Discovery {
    let mut out = discover::Discovery::default();
    let cwd = std::env::current_dir().unwrap_or_default();
    let display = discover::display_path(&input.name, &cwd);
    if walk
        .exclude
        .as_ref()
        .is_some_and(|g| g.matches(&input.name))
    {
        return out;
    }
    match model::Language::from_path(&input.name) {
        Some(_) if input.problem.is_some() => out.skipped.push(Skipped {
            path: display,
            reason: input.problem.clone().unwrap_or_default(),
        }),
        Some(language) => out.files.push(SourceFile {
            path: input.name.clone(),
            surface: discover::surface_of(&display),
            display,
            language,
            contents: Some(input.text.as_str().into()),
        }),
        None => out.skipped.push(Skipped {
            path: display,
            reason: "not a TypeScript, JavaScript or Python file".into(),
        }),
    }
    out
}

/// When files (not folders) are named inside a git repository, as pre-commit names the staged
/// ones, the other source files of that repository in the same language family are lowered too,
/// for linking only: a handler registered in an unstaged file still makes a staged function
/// tool-reachable. Only the named files are reported. Paths of the named files become absolute
/// so that both sets resolve imports alike (the paths shown do not change).
fn repository_context(
    options: &ScanOptions,
    walk: &WalkOptions,
    targets: &mut [SourceFile],
) -> Vec<SourceFile> {
    use std::collections::BTreeSet;
    let named_files: Vec<PathBuf> = match &options.stdin {
        Some(input) => vec![input.name.clone()],
        None => options
            .paths
            .iter()
            .filter(|p| p.is_file())
            .cloned()
            .collect(),
    };
    let roots: BTreeSet<PathBuf> = named_files
        .iter()
        .filter_map(|p| config::repository_root(p))
        .collect();
    if roots.is_empty() || targets.is_empty() {
        return Vec::new();
    }
    let python = |l: model::Language| l == model::Language::Python;
    let families: BTreeSet<bool> = targets.iter().map(|f| python(f.language)).collect();
    for file in targets.iter_mut() {
        file.path = config::absolute(&file.path);
    }
    let named: BTreeSet<PathBuf> = targets.iter().map(|f| f.path.clone()).collect();
    let walked = discover::discover(&roots.into_iter().collect::<Vec<_>>(), walk);
    walked
        .files
        .into_iter()
        .map(|mut f| {
            f.path = config::absolute(&f.path);
            f
        })
        .filter(|f| families.contains(&python(f.language)) && !named.contains(&f.path))
        .collect()
}

/// `per-file-ignores` drop findings; `[severity]` overrides change their severity.
fn filter_by_configuration(options: &ScanOptions, project: &Project, findings: &mut Vec<Finding>) {
    let filters = &options.filters;
    if !filters.per_file_ignores.is_empty() {
        findings.retain(|f| !filters.ignores(&project.units[f.unit].file.path, f.rule));
    }
    for f in findings.iter_mut() {
        if let Some(severity) = filters.severity.get(f.rule) {
            f.severity = *severity;
        }
    }
}

/// Inline `faultline-ignore` directives mark the findings they cover, by byte span.
fn apply_suppressions(
    options: &ScanOptions,
    registry: &Registry,
    project: &Project,
    reported_units: usize,
    findings: &mut [Finding],
    report: &mut Report,
) {
    if options.no_inline_ignores {
        return;
    }
    let ran = |unit: usize, id: &str| {
        let file = &project.units[unit].file;
        options.rules.iter().any(|r| r == id)
            && registry
                .meta(id)
                .is_some_and(|m| m.languages.iter().any(|l| l == file.language.family()))
            && !options.filters.ignores(&file.path, id)
    };
    let scope = suppress::Scope {
        project,
        registry,
        reported_units,
        ran: &ran,
    };
    report.suppression_problems = suppress::apply(&scope, findings);
}

/// The `--baseline` file marks the located findings it records.
fn apply_baseline(
    options: &ScanOptions,
    project: &Project,
    reported_units: usize,
    report: &mut Report,
) {
    if let Some(baseline) = &options.baseline {
        let scanned = project.units[..reported_units]
            .iter()
            .map(|u| u.file.display.clone())
            .collect();
        report.baseline = Some(baseline.apply(&mut report.findings, &scanned, &options.rules));
    }
}

fn unreadable(path: String, error: std::io::Error) -> ScanError {
    let message = if error.kind() == std::io::ErrorKind::NotFound {
        format!("cannot read: deleted during the scan ({error})")
    } else {
        format!("cannot read: {error}")
    };
    ScanError { path, message }
}
