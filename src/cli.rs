//! Command-line definitions only; `main.rs` acts on them.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "faultline",
    version,
    about = "Finds the places in MCP servers where a failure becomes a security hole"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and directories (default: the current directory).
    Scan(Box<ScanArgs>),
    /// List every MCP tool faultline sees and what each reaches.
    Tools(ToolsArgs),
    /// List the rules.
    Rules {
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Print a rule's documentation.
    Explain {
        /// A rule id (SEC001) or name (fail-open-auth).
        rule: String,
    },
    /// Write a commented faultline.toml with the defaults in the current directory.
    Init,
    /// Print the effective settings: the configuration found, merged with the flags.
    Config(ConfigArgs),
    /// Remove the cache of lowered models (.faultline_cache at the repository root).
    Clean(CleanArgs),
}

/// The cache of lowered models.
#[derive(Debug, Clone, clap::Args)]
pub struct CacheArgs {
    /// Do not read or write the cache of lowered models.
    #[arg(long, conflicts_with = "cache_dir")]
    pub no_cache: bool,
    /// Keep the cache in DIR (default: .faultline_cache at the repository root; off when the
    /// CI environment variable is set, unless this flag is given).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct CleanArgs {
    /// The project whose cache is removed (default: .).
    pub path: Option<PathBuf>,
    /// The cache folder to remove, when it is not the default one.
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    #[command(flatten)]
    pub source: ConfigSourceArgs,
}

/// Where the configuration comes from.
#[derive(Debug, Clone, clap::Args)]
pub struct ConfigSourceArgs {
    /// Use this configuration file instead of discovering one.
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    pub config: Option<PathBuf>,
    /// Use no configuration file at all.
    #[arg(long)]
    pub isolated: bool,
}

#[derive(Debug, clap::Args)]
pub struct ToolsArgs {
    /// Files or directories to read (default: the current directory).
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    /// Do not honour .gitignore and .ignore files.
    #[arg(long)]
    pub no_ignore: bool,
    #[command(flatten)]
    pub source: ConfigSourceArgs,
}

#[derive(Debug, clap::Args)]
pub struct ConfigArgs {
    /// The paths a scan would get (discovery starts from them; default: .).
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub source: ConfigSourceArgs,
}

/// Flags for adopting faultline in an existing code base: configuration, suppressions,
/// baselines, editor input and statistics.
#[derive(Debug, clap::Args)]
pub struct AdoptionArgs {
    #[command(flatten)]
    pub source: ConfigSourceArgs,
    /// Rules to run in addition to the selection: ids, names or axis prefixes.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub extend_select: Vec<String>,
    /// Ignore `faultline-ignore` comments (for audits of code you do not own).
    #[arg(long)]
    pub no_inline_ignores: bool,
    /// Report only findings not recorded in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record today's findings in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Path (and so language) of the source read from standard input with `scan -`.
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<PathBuf>,
    /// Print the number of findings per rule (suppressed and baselined ones included)
    /// instead of the findings.
    #[arg(long)]
    pub statistics: bool,
}

#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// Files or directories to scan.
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Lowest severity that makes the exit code 1 [default: medium].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Exit 1 if the overall score is below N (0-100).
    #[arg(long, value_name = "N", value_parser = parse_score)]
    pub min_score: Option<f64>,
    /// Also score findings on test, example, script and docs surfaces.
    #[arg(long)]
    pub include_tests: bool,
    /// Rules to run: comma-separated ids, names or axis prefixes (SEC, REL, DOC).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Vec<String>,
    /// Rules not to run: comma-separated ids, names or axis prefixes.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,
    /// Worker threads (default: all cores).
    #[arg(short = 'j', long = "threads", value_name = "N")]
    pub threads: Option<usize>,
    /// Do not honour .gitignore and .ignore files.
    #[arg(long)]
    pub no_ignore: bool,
    /// Print the findings and nothing else.
    #[arg(short, long)]
    pub quiet: bool,
    /// Never use colours.
    #[arg(long)]
    pub no_color: bool,
    #[command(flatten)]
    pub adoption: AdoptionArgs,
    #[command(flatten)]
    pub cache: CacheArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Github,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    High,
    Medium,
    Low,
    Info,
    Never,
}

fn parse_score(text: &str) -> Result<f64, String> {
    let n: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    if (0.0..=100.0).contains(&n) {
        Ok(n)
    } else {
        Err(format!("{n} is not between 0 and 100"))
    }
}
