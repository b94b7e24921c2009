//! faultline: finds the places in MCP servers where a failure becomes a security hole.
//!
//! The scan is a one-way pipeline — discover, parse + lower, link, check, locate — exposed as
//! [`scan`] so that the command line and the tests call the same code.

pub mod discover;
pub mod finding;
pub mod knowledge;
pub mod lang;
pub mod locate;
pub mod model;
pub mod project;
pub mod report;
pub mod rules;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use discover::{Discovery, ScanError, Skipped, SourceFile, WalkOptions};
use finding::Finding;
use knowledge::{Knowledge, VocabularyExtension};
use locate::Located;
use model::Language;
use project::{Project, Unit};
use rules::{Context, Registry};

/// What to scan and how.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub paths: Vec<PathBuf>,
    /// Ids of the rules to run.
    pub rules: Vec<String>,
    /// Worker threads; `None` uses every core.
    pub threads: Option<usize>,
    pub respect_ignore_files: bool,
    pub vocabulary: VocabularyExtension,
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
}

/// Stack for worker threads: front ends recurse up to `lang::MAX_DEPTH` levels.
pub const WORKER_STACK: usize = 64 * 1024 * 1024;

pub fn scan(options: &ScanOptions, registry: &Registry) -> Result<Report, String> {
    let started = Instant::now();
    let walk = WalkOptions {
        respect_ignore_files: options.respect_ignore_files,
    };
    let discovery = discover::discover(&options.paths, &walk);
    let mut report = scan_discovered(discovery, options, registry)?;
    report.elapsed = started.elapsed();
    Ok(report)
}

/// [`scan`] after the walk: the files of `discovery` are read, analysed and reported. For
/// callers that walk themselves, and for tests that change the tree between walk and read.
pub fn scan_discovered(
    discovery: Discovery,
    options: &ScanOptions,
    registry: &Registry,
) -> Result<Report, String> {
    let started = Instant::now();
    let knowledge = Knowledge::load(&options.vocabulary)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads.unwrap_or(0))
        .stack_size(WORKER_STACK)
        .thread_name(|i| format!("faultline-{i}"))
        .build()
        .map_err(|e| format!("cannot start worker threads: {e}"))?;
    let mut report = pool.install(|| run(discovery, options, registry, &knowledge));
    report.elapsed = started.elapsed();
    Ok(report)
}

/// One file's findings from bytes in memory, for fuzzing and editors: the pipeline without the
/// walk and the report — content checks, parse, lower, link (a project of this one file) and
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
    let model = lang::lower_source(language, source).ok_or("the parser gave up on this file")?;
    let file = SourceFile {
        path: PathBuf::from(path),
        display: path.to_string(),
        language,
        surface: discover::surface_of(path),
    };
    let project = Project::link(vec![Unit { file, model }], knowledge);
    let cx = Context {
        project: &project,
        knowledge,
    };
    let mut findings = Vec::new();
    for rule in &registry.rules {
        if rule.meta.languages.iter().any(|l| l == language.family()) {
            rule.rule.check(&cx, 0, &mut findings);
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
    discovery: Discovery,
    options: &ScanOptions,
    registry: &Registry,
    knowledge: &Knowledge,
) -> Report {
    let mut report = Report {
        skipped: discovery.skipped,
        errors: discovery.errors,
        ..Report::default()
    };

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
    for unit in &units {
        if unit.model.syntax_errors > 0 {
            report
                .files_with_syntax_errors
                .push(unit.file.display.clone());
        }
        if unit.model.depth_limited {
            report.files_too_deep.push(unit.file.display.clone());
        }
    }

    let project = Project::link(units, knowledge);
    let cx = Context {
        project: &project,
        knowledge,
    };
    let selected: Vec<&rules::RegisteredRule> = registry
        .rules
        .iter()
        .filter(|r| options.rules.contains(&r.meta.id))
        .collect();
    let checked: Vec<(Vec<Finding>, Vec<ScanError>)> = (0..project.units.len())
        .into_par_iter()
        .map(|unit| check_file(&cx, unit, &selected))
        .collect();
    let mut findings = Vec::new();
    for (f, e) in checked {
        findings.extend(f);
        report.errors.extend(e);
    }

    let (located, errors) = locate::locate(&project, registry, findings);
    report.findings = located;
    report.errors.extend(errors);
    report.skipped.sort();
    report.errors.sort();
    report
}

fn lower_file(file: SourceFile) -> Lowered {
    let display = file.display.clone();
    let metadata = match std::fs::metadata(&file.path) {
        Ok(metadata) => metadata,
        Err(e) => return Lowered::Error(unreadable(display, e)),
    };
    // A FIFO or device that took a file's place since the walk would block a read.
    if !metadata.is_file() {
        return Lowered::Skipped(Skipped {
            path: display,
            reason: "not a regular file".into(),
        });
    }
    if metadata.len() > discover::MAX_FILE_BYTES {
        return Lowered::Skipped(Skipped {
            path: display,
            reason: format!(
                "larger than {} MB",
                discover::MAX_FILE_BYTES / (1024 * 1024)
            ),
        });
    }
    let bytes = match std::fs::read(&file.path) {
        Ok(bytes) => bytes,
        Err(e) => return Lowered::Error(unreadable(display, e)),
    };
    if let Some(reason) = discover::content_problem(&bytes) {
        return Lowered::Skipped(Skipped {
            path: display,
            reason,
        });
    }
    let language = file.language;
    match catch_unwind(AssertUnwindSafe(|| lang::lower_source(language, &bytes))) {
        Ok(Some(model)) => Lowered::Unit(Box::new(Unit { file, model })),
        Ok(None) => Lowered::Error(ScanError {
            path: display,
            message: "the parser gave up on this file".into(),
        }),
        Err(panic) => Lowered::Error(ScanError {
            path: display,
            message: format!("internal error while analysing: {}", panic_text(&panic)),
        }),
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
        match catch_unwind(AssertUnwindSafe(|| rule.rule.check(cx, unit, &mut out))) {
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
