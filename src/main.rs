//! The `faultline` command: parses arguments, runs the library, maps outcomes to exit codes
//! (0 clean, 1 findings at or above --fail-on, 2 usage, configuration or I/O errors).

mod cli;

/// `eprintln!` that never panics: a failed write to standard error (`2>/dev/full`) has nowhere
/// to be reported, so it is dropped. Shadows the standard macro in this file.
macro_rules! eprintln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// Tree-sitter builds and frees many small nodes per file: glibc's malloc spent a quarter of
/// the scan on them (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

use cli::{
    AdoptionArgs, CacheArgs, CleanArgs, Cli, Command, ConfigArgs, ConfigSourceArgs, FailOn, Format,
    ListFormat, ScanArgs, ToolsArgs,
};
use faultline::config::{self, Overrides, Settings};
use faultline::escape::{visible, visible_path};
use faultline::report;
use faultline::rules::Registry;
use faultline::score::ScoreOptions;
use faultline::{Report, ScanOptions, scan};

fn main() -> ExitCode {
    faultline::allocator::tree_sitter_on_mimalloc();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Help, version and usage errors; a failed write of them is an I/O error too.
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            if let Err(io) = e.print() {
                eprintln!("error: cannot write to standard output: {io}");
                return ExitCode::from(2);
            }
            return ExitCode::from(code);
        }
    };
    let registry = Registry::builtin();
    let result = match cli.command {
        Command::Scan(args) => run_scan(*args, &registry),
        Command::Tools(args) => list_tools(args, &registry),
        Command::Rules { format } => list_rules(&registry, format),
        Command::Explain { rule } => explain(&registry, &rule),
        Command::Init => init(),
        Command::Config(args) => show_config(args, &registry),
        Command::Clean(args) => clean(args, &registry),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {}", visible(&message));
            ExitCode::from(2)
        }
    }
}

fn run_scan(args: ScanArgs, registry: &Registry) -> Result<ExitCode, String> {
    let paths = if args.paths.is_empty() {
        vec![".".into()]
    } else {
        args.paths.clone()
    };
    let root = report::sarif::ScanRoot::for_paths(&paths);
    let settings = scan_settings(&args, &paths, registry)?;
    let threads = args.threads.map(|requested| {
        let (threads, capped) = faultline::capped_threads(requested);
        if capped {
            eprintln!(
                "warning: -j {requested} is more threads than help on this machine; using {threads}"
            );
        }
        threads
    });
    let mut options = ScanOptions {
        paths,
        rules: settings.rules.clone(),
        threads,
        respect_ignore_files: !args.no_ignore,
        vocabulary: settings.vocabulary.extension(),
        score: ScoreOptions {
            include_tests: args.include_tests,
        },
        ..Default::default()
    };
    prepare_adoption(&args.adoption, &settings, &mut options)?;
    let start = scan_start(&args, &options.paths);
    (options.cache, options.prune_cache) =
        cache_location(&args.cache, &settings, &start, &options.paths);
    let report = scan(&options, registry)?;
    if let Some(path) = &args.adoption.write_baseline {
        faultline::baseline::Baseline::of(&report.findings).write(path)?;
    }

    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let color = to_terminal && !args.no_color && std::env::var_os("NO_COLOR").is_none();
    let rendered = match args.format {
        _ if args.adoption.statistics => statistics(&report, args.format),
        Format::Text => report::text::render(
            &report,
            &report::text::TextOptions {
                color,
                quiet: args.quiet,
            },
        ),
        Format::Json => report::json::render(&report),
        Format::Sarif => report::sarif::render(&report, registry, &root),
        Format::Github => report::github::render(&report),
        Format::Markdown => report::markdown::render(&report),
    };
    // Text, markdown and statistics go to CI logs as they are: no line may be a workflow
    // command (JSON, SARIF and text escape on their own; github's lines are meant as commands).
    let rendered = match args.format {
        Format::Github | Format::Json | Format::Sarif if !args.adoption.statistics => rendered,
        _ => faultline::escape::no_workflow_commands(rendered),
    };
    match &args.output {
        Some(path) => {
            let shown = visible_path(path);
            faultline::paths::writable(path)
                .map_err(|refusal| format!("refusing to write the report {shown}: {refusal}"))?;
            std::fs::write(path, &rendered)
                .map_err(|e| format!("cannot write the report {shown}: {}", e.kind()))?
        }
        None => write_stdout(&rendered)?,
    }
    if let Some(note) = &report.cache_note
        && !args.quiet
    {
        eprintln!("warning: {}", visible(note));
    }
    for error in &report.errors {
        eprintln!(
            "error: {}: {}",
            visible(&error.path),
            visible(&error.message)
        );
    }
    if report.files_scanned == 0 && !args.quiet {
        eprintln!("warning: no TypeScript, JavaScript or Python file was scanned");
    }
    let summary_elsewhere = args.output.is_some() || args.format != Format::Text;
    if summary_elsewhere && !args.quiet {
        eprintln!("{}", report::summary_line(&report));
        eprintln!("{}", report.scores.one_line());
    }

    if !report.errors.is_empty() {
        return Ok(ExitCode::from(2));
    }
    // Suppressed and baselined findings do not fail the run.
    let threshold = settings.fail_on.threshold();
    let fails = threshold.is_some_and(|t| report.active().any(|f| f.severity >= t));
    let below_min_score = args
        .min_score
        .is_some_and(|min| report.scores.overall.score < min);
    if below_min_score && !args.quiet {
        eprintln!(
            "score {:.1} is below --min-score {}",
            report.scores.overall.score,
            args.min_score.unwrap_or_default()
        );
    }
    Ok(ExitCode::from(u8::from(fails || below_min_score)))
}

fn list_rules(registry: &Registry, format: ListFormat) -> Result<ExitCode, String> {
    match format {
        ListFormat::Text => {
            let mut out = String::new();
            for r in &registry.rules {
                let m = &r.meta;
                out += &format!(
                    "{:<7} {:<30} {:<14} {:<7} {}\n",
                    m.id,
                    m.name,
                    m.axis.as_str(),
                    m.severity.as_str(),
                    m.summary
                );
            }
            write_stdout(&out)?;
        }
        ListFormat::Json => {
            let rules: Vec<serde_json::Value> = registry
                .rules
                .iter()
                .map(|r| {
                    let m = &r.meta;
                    serde_json::json!({
                        "id": m.id, "name": m.name, "axis": m.axis, "severity": m.severity,
                        "cwe": m.cwe, "summary": m.summary,
                    })
                })
                .collect();
            let text = serde_json::to_string_pretty(&rules)
                .map_err(|e| format!("cannot serialise the rules: {e}"))?;
            write_stdout(&(text + "\n"))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn explain(registry: &Registry, rule: &str) -> Result<ExitCode, String> {
    let meta = registry
        .find(rule)
        .ok_or_else(|| format!("unknown rule `{rule}` (see `faultline rules`)"))?;
    let cwe: Vec<String> = meta.cwe.iter().map(|c| format!("CWE-{c}")).collect();
    let text = format!(
        "# {} {}\n\n{} | severity {} | {}\n\n{}\n\n{}\n",
        meta.id,
        meta.name,
        meta.axis.as_str(),
        meta.severity.as_str(),
        cwe.join(", "),
        meta.summary,
        meta.docs.trim_end()
    );
    write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// Writes `text` to standard output; a failed write (a full disk, a closed pipe) is an error
/// with a message and exit code 2, never a panic.
fn write_stdout(text: &str) -> Result<(), String> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| format!("cannot write to standard output: {e}"))
}

// ---- adoption: configuration, init, baseline, standard input, statistics -------------------

fn config_source(args: &ConfigSourceArgs) -> config::Source {
    match (&args.config, args.isolated) {
        (_, true) => config::Source::Isolated,
        (Some(path), false) => config::Source::File(path.clone()),
        (None, false) => config::Source::Discover,
    }
}

/// The configuration found for these paths, merged with the flags.
fn scan_settings(
    args: &ScanArgs,
    paths: &[std::path::PathBuf],
    registry: &Registry,
) -> Result<Settings, String> {
    let start = scan_start(args, paths);
    let loaded = config::load(&config_source(&args.adoption.source), &start)?;
    let overrides = Overrides {
        select: (!args.select.is_empty()).then(|| args.select.clone()),
        extend_select: args.adoption.extend_select.clone(),
        ignore: args.ignore.clone(),
        fail_on: args.fail_on.map(fail_on),
    };
    Settings::resolve(loaded.as_ref(), &overrides, registry)
}

/// The directory configuration discovery starts from (for `scan -`, that of
/// `--stdin-filename`).
fn scan_start(args: &ScanArgs, paths: &[std::path::PathBuf]) -> std::path::PathBuf {
    match (paths, &args.adoption.stdin_filename) {
        ([only], Some(name)) if only.as_os_str() == "-" => {
            config::scan_root(std::slice::from_ref(name))
        }
        _ => config::scan_root(paths),
    }
}

/// The tree a scan starting at `start` belongs to: its repository, else `start` itself. The
/// cache lives at its root.
fn tree_root(start: &std::path::Path) -> std::path::PathBuf {
    config::repository_root(start).unwrap_or_else(|| config::absolute(start))
}

/// Whether the CI environment variable says this is a CI run.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Where the cache lives for this scan, and whether the scan reads the whole tree it belongs
/// to (then entries no file used are pruned). `--cache-dir` wins; `--no-cache`, or a CI run
/// without `--cache-dir` (runners start clean unless a cache is restored), has none; then the
/// configuration's `cache-dir`, else `.faultline_cache` at the tree root.
fn cache_location(
    args: &CacheArgs,
    settings: &Settings,
    start: &std::path::Path,
    paths: &[std::path::PathBuf],
) -> (Option<faultline::cache::Location>, bool) {
    use faultline::cache::Location;
    let root = tree_root(start);
    let location = match (&args.cache_dir, &settings.cache_dir) {
        _ if args.no_cache => None,
        (Some(dir), _) => Some(Location {
            dir: config::absolute(dir),
            trusted: true,
        }),
        _ if in_ci() => None,
        (None, Some(dir)) => Some(Location {
            dir: dir.clone(),
            trusted: false,
        }),
        (None, None) => Some(Location {
            dir: root.join(faultline::cache::DEFAULT_DIR),
            trusted: false,
        }),
    };
    let whole_tree = paths
        .iter()
        .any(|p| p.as_os_str() != "-" && config::absolute(p) == root);
    (location, whole_tree)
}

/// `faultline clean`: removes the cache folder a scan of PATH would use, when it carries
/// faultline's CACHEDIR.TAG.
fn clean(args: CleanArgs, registry: &Registry) -> Result<ExitCode, String> {
    let path = args.path.clone().unwrap_or_else(|| ".".into());
    let start = config::scan_root(std::slice::from_ref(&path));
    let loaded = config::load(&config_source(&args.source), &start)?;
    let settings = Settings::resolve(loaded.as_ref(), &Overrides::default(), registry)?;
    let dir = match (&args.cache_dir, &settings.cache_dir) {
        (Some(dir), _) => config::absolute(dir),
        (None, Some(dir)) => dir.clone(),
        (None, None) => tree_root(&start).join(faultline::cache::DEFAULT_DIR),
    };
    let shown = visible_path(&dir);
    match faultline::cache::clean(&dir)? {
        faultline::cache::Cleaned::Removed => eprintln!("removed {shown}"),
        faultline::cache::Cleaned::Missing => eprintln!("no cache at {shown}"),
    }
    Ok(ExitCode::SUCCESS)
}

fn fail_on(level: FailOn) -> config::FailOn {
    match level {
        FailOn::High => config::FailOn::High,
        FailOn::Medium => config::FailOn::Medium,
        FailOn::Low => config::FailOn::Low,
        FailOn::Info => config::FailOn::Info,
        FailOn::Never => config::FailOn::Never,
    }
}

/// Filters from the configuration, the baseline to compare with, and standard input.
fn prepare_adoption(
    args: &AdoptionArgs,
    settings: &Settings,
    options: &mut ScanOptions,
) -> Result<(), String> {
    options.filters = settings.filters()?;
    options.no_inline_ignores = args.no_inline_ignores;
    if let Some(path) = &args.baseline {
        options.baseline = Some(faultline::baseline::Baseline::read(path)?);
    }
    let reads_stdin = options.paths.iter().any(|p| p.as_os_str() == "-");
    if reads_stdin {
        if options.paths.len() > 1 {
            return Err("`-` (standard input) cannot be scanned together with other paths".into());
        }
        let name = args.stdin_filename.clone().ok_or(
            "reading standard input needs --stdin-filename NAME (its language comes from NAME)",
        )?;
        // Bounded like a file: past the limit, or not UTF-8, it is reported as skipped.
        let (text, problem) = match faultline::read::read_stdin(faultline::discover::MAX_FILE_BYTES)
        {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => (text, None),
                Err(_) => (String::new(), Some("not valid UTF-8".to_string())),
            },
            Err(faultline::read::ReadError::Io(e)) => {
                return Err(format!("cannot read standard input: {e}"));
            }
            Err(refused) => (String::new(), Some(refused.to_string())),
        };
        options.stdin = Some(faultline::StdinInput {
            name,
            text,
            problem,
        });
    } else if args.stdin_filename.is_some() {
        return Err("--stdin-filename is for `faultline scan -` (standard input)".into());
    }
    Ok(())
}

/// Writes `faultline.toml` in the working directory, never over an existing file and never
/// through a link (a dangling `faultline.toml` link would otherwise create its target).
fn init() -> Result<ExitCode, String> {
    let path = std::path::Path::new("faultline.toml");
    if std::fs::symlink_metadata(path).is_ok() {
        return Err("faultline.toml already exists (or is a link); not overwriting it".into());
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| format!("cannot write faultline.toml: {}", e.kind()))?;
    file.write_all(config::TEMPLATE.as_bytes())
        .map_err(|e| format!("cannot write faultline.toml: {}", e.kind()))?;
    eprintln!("wrote faultline.toml");
    Ok(ExitCode::SUCCESS)
}

/// `faultline tools`: the inventory of every tool seen, with the configuration's vocabulary
/// and excludes; no rule runs.
fn list_tools(args: ToolsArgs, registry: &Registry) -> Result<ExitCode, String> {
    let paths = if args.paths.is_empty() {
        vec![".".into()]
    } else {
        args.paths
    };
    let loaded = config::load(&config_source(&args.source), &config::scan_root(&paths))?;
    let settings = Settings::resolve(loaded.as_ref(), &Overrides::default(), registry)?;
    let options = ScanOptions {
        paths,
        respect_ignore_files: !args.no_ignore,
        vocabulary: settings.vocabulary.extension(),
        filters: settings.filters()?,
        inventory: true,
        ..Default::default()
    };
    let report = scan(&options, registry)?;
    let rendered = match args.format {
        ListFormat::Json => faultline::inventory::render_json(&report.tools),
        ListFormat::Text => faultline::escape::no_workflow_commands(
            faultline::inventory::render_text(&report.tools),
        ),
    };
    write_stdout(&rendered)?;
    for error in &report.errors {
        eprintln!(
            "error: {}: {}",
            visible(&error.path),
            visible(&error.message)
        );
    }
    if let Some(module) = &report.sdk_without_tools {
        eprintln!(
            "note: the code imports {} but no tool was recognised",
            visible(module)
        );
    }
    Ok(ExitCode::from(if report.errors.is_empty() { 0 } else { 2 }))
}

fn show_config(args: ConfigArgs, registry: &Registry) -> Result<ExitCode, String> {
    let paths = if args.paths.is_empty() {
        vec![".".into()]
    } else {
        args.paths
    };
    let loaded = config::load(&config_source(&args.source), &config::scan_root(&paths))?;
    let settings = Settings::resolve(loaded.as_ref(), &Overrides::default(), registry)?;
    write_stdout(&settings.render())?;
    Ok(ExitCode::SUCCESS)
}

/// `--statistics`: findings per rule, with how many are suppressed or in the baseline.
fn statistics(report: &Report, format: Format) -> String {
    #[derive(serde::Serialize, Default)]
    struct Row {
        rule: String,
        name: String,
        count: usize,
        active: usize,
        suppressed: usize,
        baseline: usize,
    }
    let mut rows: std::collections::BTreeMap<&str, Row> = std::collections::BTreeMap::new();
    for f in &report.findings {
        let row = rows.entry(f.rule.as_str()).or_insert_with(|| Row {
            rule: f.rule.clone(),
            name: f.name.clone(),
            ..Row::default()
        });
        row.count += 1;
        if f.suppression.is_some() {
            row.suppressed += 1;
        } else if f.baseline {
            row.baseline += 1;
        } else {
            row.active += 1;
        }
    }
    let rows: Vec<Row> = rows.into_values().collect();
    if format == Format::Json {
        let mut text = serde_json::to_string_pretty(&rows).expect("statistics serialize");
        text.push('\n');
        return text;
    }
    let mut out = String::new();
    for r in &rows {
        let mut notes = Vec::new();
        if r.suppressed > 0 {
            notes.push(format!("{} suppressed", r.suppressed));
        }
        if r.baseline > 0 {
            notes.push(format!("{} in baseline", r.baseline));
        }
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", notes.join(", "))
        };
        out.push_str(&format!(
            "{:>5}  {:<7} {}{notes}\n",
            r.count, r.rule, r.name
        ));
    }
    out
}
