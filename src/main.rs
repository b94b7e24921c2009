//! The `faultline` command: parses arguments, runs the library, maps outcomes to exit codes
//! (0 clean, 1 findings at or above --fail-on, 2 usage, configuration or I/O errors).

mod cli;

/// Tree-sitter builds and frees many small nodes per file: glibc's malloc spent a quarter of
/// the scan on them (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command, FailOn, Format, ListFormat, ScanArgs};
use faultline::finding::Severity;
use faultline::report;
use faultline::rules::Registry;
use faultline::{ScanOptions, scan};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let registry = Registry::builtin();
    let result = match cli.command {
        Command::Scan(args) => run_scan(args, &registry),
        Command::Rules { format } => list_rules(&registry, format),
        Command::Explain { rule } => explain(&registry, &rule),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run_scan(args: ScanArgs, registry: &Registry) -> Result<ExitCode, String> {
    let rules = selected_rules(registry, &args.select, &args.ignore)?;
    let paths = if args.paths.is_empty() {
        vec![".".into()]
    } else {
        args.paths.clone()
    };
    let options = ScanOptions {
        paths,
        rules,
        threads: args.threads,
        respect_ignore_files: !args.no_ignore,
        vocabulary: Default::default(),
    };
    let report = scan(&options, registry)?;

    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let color = to_terminal && !args.no_color && std::env::var_os("NO_COLOR").is_none();
    let rendered = match args.format {
        Format::Text => report::text::render(
            &report,
            &report::text::TextOptions {
                color,
                quiet: args.quiet,
            },
        ),
        Format::Json => report::json::render(&report),
    };
    match &args.output {
        Some(path) => std::fs::write(path, &rendered)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        None => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth a message.
            let _ = stdout.write_all(rendered.as_bytes());
        }
    }
    for error in &report.errors {
        eprintln!("error: {}: {}", error.path, error.message);
    }
    let summary_elsewhere = args.output.is_some() || args.format != Format::Text;
    if summary_elsewhere && !args.quiet {
        eprintln!("{}", report::summary_line(&report));
    }

    if !report.errors.is_empty() {
        return Ok(ExitCode::from(2));
    }
    let threshold = match args.fail_on {
        FailOn::High => Some(Severity::High),
        FailOn::Medium => Some(Severity::Medium),
        FailOn::Low => Some(Severity::Low),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    let fails = threshold.is_some_and(|t| report.findings.iter().any(|f| f.severity >= t));
    Ok(ExitCode::from(u8::from(fails)))
}

/// The ids to run: `--select` (default: all), less `--ignore`.
fn selected_rules(
    registry: &Registry,
    select: &[String],
    ignore: &[String],
) -> Result<Vec<String>, String> {
    let expand =
        |selectors: &[String]| -> Result<Vec<String>, String> {
            let mut ids = Vec::new();
            for s in selectors.iter().filter(|s| !s.trim().is_empty()) {
                ids.extend(registry.expand(s).ok_or_else(|| {
                    format!("unknown rule or prefix `{s}` (see `faultline rules`)")
                })?);
            }
            Ok(ids)
        };
    let mut ids = if select.is_empty() {
        registry.rules.iter().map(|r| r.meta.id.clone()).collect()
    } else {
        expand(select)?
    };
    let ignored = expand(ignore)?;
    ids.retain(|id| !ignored.contains(id));
    ids.sort();
    ids.dedup();
    Ok(ids)
}

fn list_rules(registry: &Registry, format: ListFormat) -> Result<ExitCode, String> {
    match format {
        ListFormat::Text => {
            for r in &registry.rules {
                let m = &r.meta;
                println!(
                    "{:<7} {:<30} {:<14} {:<7} {}",
                    m.id,
                    m.name,
                    m.axis.as_str(),
                    m.severity.as_str(),
                    m.summary
                );
            }
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
            println!(
                "{}",
                serde_json::to_string_pretty(&rules).expect("serializes")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn explain(registry: &Registry, rule: &str) -> Result<ExitCode, String> {
    let meta = registry
        .find(rule)
        .ok_or_else(|| format!("unknown rule `{rule}` (see `faultline rules`)"))?;
    let cwe: Vec<String> = meta.cwe.iter().map(|c| format!("CWE-{c}")).collect();
    println!("# {} {}\n", meta.id, meta.name);
    println!(
        "{} | severity {} | {}\n",
        meta.axis.as_str(),
        meta.severity.as_str(),
        cwe.join(", ")
    );
    println!("{}\n", meta.summary);
    println!("{}", meta.docs.trim_end());
    Ok(ExitCode::SUCCESS)
}
