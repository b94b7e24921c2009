//! `faultline.toml`: discovery, the file's keys, and their merge with the command line.
//!
//! The configuration is `faultline.toml`, `.faultline.toml`, or the `[tool.faultline]` section
//! of `pyproject.toml` (only when that section exists), looked for from the scan root upward
//! and no further than the repository root (the directory holding `.git`). `--config FILE`
//! names one instead and `--isolated` uses none. Unknown keys are errors that name the key and
//! the file. Paths in `exclude` and `per-file-ignores` are globs relative to the directory of
//! the file that sets them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::escape::{truncated, visible, visible_path};
use crate::finding::Severity;
use crate::knowledge::VocabularyExtension;
use crate::paths;
use crate::rules::Registry;

/// File names looked for in each directory, in order.
pub const FILE_NAMES: &[&str] = &["faultline.toml", ".faultline.toml", "pyproject.toml"];

/// The lowest severity that makes the exit code 1, or `never`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    High,
    #[default]
    Medium,
    Low,
    Info,
    Never,
}

impl FailOn {
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::High => Some(Severity::High),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::Low => Some(Severity::Low),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FailOn::High => "high",
            FailOn::Medium => "medium",
            FailOn::Low => "low",
            FailOn::Info => "info",
            FailOn::Never => "never",
        }
    }
}

/// The keys of a configuration file, as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigFile {
    pub select: Option<Vec<String>>,
    #[serde(default)]
    pub ignore: Vec<String>,
    #[serde(default)]
    pub extend_select: Vec<String>,
    pub fail_on: Option<FailOn>,
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Rule id or name -> severity.
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
    #[serde(default)]
    pub vocabulary: Vocabulary,
    /// Path glob -> rules not reported in matching files.
    #[serde(default)]
    pub per_file_ignores: BTreeMap<String, Vec<String>>,
    /// Where the cache of lowered models lives, relative to this file's folder.
    pub cache_dir: Option<String>,
}

/// `[vocabulary]`: names that teach faultline the project's own code.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Vocabulary {
    #[serde(default)]
    pub auth_calls: Vec<String>,
    #[serde(default)]
    pub external_calls: Vec<String>,
    #[serde(default)]
    pub breakers: Vec<String>,
    #[serde(default)]
    pub timeouts: Vec<String>,
    /// Taught external calls with their default timeout: `{ "acmeHttp.get" = "none" }`.
    #[serde(default)]
    pub external_call_defaults: BTreeMap<String, toml::Value>,
    #[serde(default)]
    pub tool_registrations: Vec<String>,
    #[serde(default)]
    pub loggers: Vec<String>,
    #[serde(default)]
    pub well_known_env: Vec<String>,
}

impl Vocabulary {
    pub fn extension(&self) -> VocabularyExtension {
        VocabularyExtension {
            auth_calls: self.auth_calls.clone(),
            breakers: self.breakers.clone(),
            external_calls: self.external_calls.clone(),
            timeouts: self.timeouts.clone(),
            external_call_defaults: self
                .external_call_defaults
                .iter()
                .map(|(name, value)| {
                    let text = match value {
                        toml::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (name.clone(), text)
                })
                .collect(),
            tool_registrations: self.tool_registrations.clone(),
            loggers: self.loggers.clone(),
            well_known_env: self.well_known_env.clone(),
        }
    }
}

/// A configuration file found or named, and its keys.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub path: PathBuf,
    pub config: ConfigFile,
}

/// Where to look for a configuration.
#[derive(Debug, Clone, Default)]
pub enum Source {
    /// Discover it from the scan root upward.
    #[default]
    Discover,
    /// `--config FILE`.
    File(PathBuf),
    /// `--isolated`: none.
    Isolated,
}

/// Finds and reads the configuration for a scan rooted at `start` (a directory).
pub fn load(source: &Source, start: &Path) -> Result<Option<Loaded>, String> {
    match source {
        Source::Isolated => Ok(None),
        Source::File(path) => {
            let resolved = paths::named_file(path).map_err(|refusal| refused(path, refusal))?;
            let text = read_config(&resolved, path)?;
            let config = if path.file_name().is_some_and(|n| n == "pyproject.toml") {
                from_pyproject(&text, path)?.unwrap_or_default()
            } else {
                parse(&text, path)?
            };
            Ok(Some(Loaded {
                path: path.clone(),
                config,
            }))
        }
        Source::Discover => discover(start),
    }
}

fn refused(path: &Path, refusal: paths::Refusal) -> String {
    format!(
        "refusing to read the configuration {}: {refusal}",
        visible_path(path)
    )
}

fn read_config(resolved: &Path, shown: &Path) -> Result<String, String> {
    crate::read::read_regular_text(resolved, crate::read::CONFIG_LIMIT)
        .map_err(|e| format!("cannot read the configuration {}: {e}", visible_path(shown)))
}

/// Looks from `start` upward, no further than the repository root. A candidate inside the
/// scanned tree (the repository, or `start` outside one) must resolve to a regular file inside
/// it: a `faultline.toml` committed as a link to `/proc/self/environ` is refused, not read.
fn discover(start: &Path) -> Result<Option<Loaded>, String> {
    let start = absolute(start);
    let tree = repository_root(&start).unwrap_or_else(|| start.clone());
    let mut dir = Some(start);
    while let Some(d) = dir {
        for name in FILE_NAMES {
            let path = d.join(name);
            if std::fs::symlink_metadata(&path).is_err() {
                continue;
            }
            let resolved = if d.starts_with(&tree) {
                paths::regular_file_inside(&path, &tree)
            } else {
                match std::fs::metadata(&path) {
                    Ok(m) if m.is_file() => Ok(path.clone()),
                    _ => Err(paths::Refusal::NotARegularFile),
                }
            }
            .map_err(|refusal| refused(&path, refusal))?;
            let text = read_config(&resolved, &path)?;
            let config = if *name == "pyproject.toml" {
                match from_pyproject(&text, &path)? {
                    Some(config) => config,
                    None => continue,
                }
            } else {
                parse(&text, &path)?
            };
            return Ok(Some(Loaded { path, config }));
        }
        if d.join(".git").exists() {
            break;
        }
        dir = d.parent().map(Path::to_path_buf);
    }
    Ok(None)
}

/// A configuration file's text, checked; errors name the file, the position and the key.
pub fn parse(text: &str, path: &Path) -> Result<ConfigFile, String> {
    toml::from_str(text).map_err(|e| toml_error(text, path, &e))
}

/// A TOML or schema error that names the file, the position and the key, and quotes nothing
/// else of the file: the text of a value (or of a file that is not TOML at all) is never shown.
fn toml_error(text: &str, path: &Path, error: &toml::de::Error) -> String {
    let file = visible_path(path);
    let message = error_message(error.message());
    let Some(span) = error.span() else {
        return format!("{file}: {message}");
    };
    let offset = span.start.min(text.len());
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit_once('\n')
        .map_or(before, |(_, l)| l)
        .chars()
        .count()
        + 1;
    let key = key_at(text, offset)
        .map(|k| format!(" (key `{}`)", visible(&k)))
        .unwrap_or_default();
    format!("{file}: line {line}, column {column}: {message}{key}")
}

/// toml's and serde's message without the values they quote: `invalid type: string "x",
/// expected a sequence` becomes `invalid type: string, expected a sequence`.
fn error_message(message: &str) -> String {
    let (head, expected) = match message.split_once(", expected") {
        Some((head, rest)) => (head, format!(", expected{rest}")),
        None => (message, String::new()),
    };
    let head = if let Some(field) = head.strip_prefix("unknown field `") {
        let key = field.strip_suffix('`').unwrap_or(field);
        format!("unknown key `{}`", visible(key))
    } else if let Some(kind) = head.strip_prefix("invalid type: ") {
        let kind = kind.split([' ', '`', '"']).next().unwrap_or("value");
        format!("invalid type: {kind}")
    } else if head.starts_with("unknown variant") {
        "unknown value".to_string()
    } else if head.contains(['`', '"', '\'']) {
        head.split(['`', '"', '\'']).step_by(2).collect::<String>()
    } else {
        head.to_string()
    };
    visible(&truncated(&format!("{head}{expected}"), 300)).into_owned()
}

/// The dotted key whose value holds `offset`: the table header above it and the key written
/// before the `=` on its line, when they look like keys.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let before = text.get(..offset)?;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |i| line_start + i);
    let line = &text[line_start..line_end];
    let is_key = |k: &str| {
        !k.is_empty()
            && k.len() <= 64
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '"'))
    };
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim())
        .filter(|k| is_key(k));
    let table = before[..line_start].lines().rev().find_map(|l| {
        let l = l.trim();
        let inner = l.strip_prefix('[')?.strip_suffix(']')?;
        let inner = inner.trim_matches(['[', ']']).trim();
        is_key(inner).then(|| inner.to_string())
    });
    match (table, key) {
        (Some(t), Some(k)) => Some(format!("{t}.{k}")),
        (None, Some(k)) => Some(k.to_string()),
        (Some(t), None) if line.trim_start().starts_with('[') => Some(t),
        _ => None,
    }
}

/// The `[tool.faultline]` section of a pyproject.toml, if it has one.
pub fn from_pyproject(text: &str, path: &Path) -> Result<Option<ConfigFile>, String> {
    let table: toml::Table = toml::from_str(text).map_err(|e| toml_error(text, path, &e))?;
    let Some(section) = table.get("tool").and_then(|t| t.get("faultline")).cloned() else {
        return Ok(None);
    };
    ConfigFile::deserialize(section).map(Some).map_err(|e| {
        format!(
            "{} [tool.faultline]: {}",
            visible_path(path),
            error_message(e.message())
        )
    })
}

/// What the command line says about the same settings; flags win over the file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--select`: replaces the file's `select`, `extend-select` and `ignore`.
    pub select: Option<Vec<String>>,
    /// `--extend-select`: added to the selection.
    pub extend_select: Vec<String>,
    /// `--ignore`: taken out of the selection.
    pub ignore: Vec<String>,
    pub fail_on: Option<FailOn>,
}

/// The settings a scan runs with, after the file and the flags are merged.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The configuration file used, if any.
    pub file: Option<PathBuf>,
    /// The directory globs are relative to: the configuration's, else the working directory.
    pub root: PathBuf,
    /// Ids of the rules to run, sorted.
    pub rules: Vec<String>,
    pub fail_on: FailOn,
    pub exclude: Vec<String>,
    /// Rule id -> severity.
    pub severity: BTreeMap<String, Severity>,
    pub vocabulary: Vocabulary,
    /// Path glob -> rule ids.
    pub per_file_ignores: Vec<(String, Vec<String>)>,
    /// `cache-dir`, resolved against the configuration's folder.
    pub cache_dir: Option<PathBuf>,
}

impl Settings {
    pub fn resolve(
        loaded: Option<&Loaded>,
        overrides: &Overrides,
        registry: &Registry,
    ) -> Result<Settings, String> {
        let empty = ConfigFile::default();
        let config = loaded.map_or(&empty, |l| &l.config);
        let origin = loaded.map_or_else(String::new, |l| format!("{}: ", visible_path(&l.path)));
        let expand = |selectors: &[String], key: &str| -> Result<Vec<String>, String> {
            expand_all(registry, selectors).map_err(|s| {
                format!(
                    "{origin}unknown rule or prefix `{}` in `{}` (see `faultline rules`)",
                    short(&s),
                    short(key)
                )
            })
        };
        let all = || registry.rules.iter().map(|r| r.meta.id.clone()).collect();
        let mut rules: Vec<String> = match &config.select {
            Some(select) => expand(select, "select")?,
            None => all(),
        };
        rules.extend(expand(&config.extend_select, "extend-select")?);
        let ignored = expand(&config.ignore, "ignore")?;
        rules.retain(|id| !ignored.contains(id));
        let flags = |selectors: &[String], flag: &str| {
            expand_all(registry, selectors).map_err(|s| {
                format!(
                    "unknown rule or prefix `{}` in {flag} (see `faultline rules`)",
                    short(&s)
                )
            })
        };
        if let Some(select) = &overrides.select {
            rules = flags(select, "--select")?;
        }
        rules.extend(flags(&overrides.extend_select, "--extend-select")?);
        let ignored = flags(&overrides.ignore, "--ignore")?;
        rules.retain(|id| !ignored.contains(id));
        rules.sort();
        rules.dedup();

        let mut severity = BTreeMap::new();
        for (key, level) in &config.severity {
            let meta = registry.find(key).ok_or_else(|| {
                format!(
                    "{origin}unknown rule `{}` in `[severity]` (see `faultline rules`)",
                    short(key)
                )
            })?;
            severity.insert(meta.id.clone(), *level);
        }
        let mut per_file_ignores = Vec::new();
        for (glob, selectors) in &config.per_file_ignores {
            let ids = expand(selectors, &format!("[per-file-ignores] \"{glob}\""))?;
            per_file_ignores.push((glob.clone(), ids));
        }
        let root = match loaded.and_then(|l| l.path.parent()) {
            Some(dir) if !dir.as_os_str().is_empty() => absolute(dir),
            _ => absolute(Path::new(".")),
        };
        let cache_dir = match &config.cache_dir {
            Some(dir) => Some(root.join(cache_dir(dir).map_err(|e| format!("{origin}{e}"))?)),
            None => None,
        };
        let settings = Settings {
            cache_dir,
            file: loaded.map(|l| l.path.clone()),
            root,
            rules,
            fail_on: overrides.fail_on.or(config.fail_on).unwrap_or_default(),
            exclude: config.exclude.clone(),
            severity,
            vocabulary: config.vocabulary.clone(),
            per_file_ignores,
        };
        // Bad globs are configuration errors too.
        settings.filters().map_err(|e| format!("{origin}{e}"))?;
        Ok(settings)
    }

    /// The compiled path filters the scan applies.
    pub fn filters(&self) -> Result<Filters, String> {
        let exclude = if self.exclude.is_empty() {
            None
        } else {
            Some(PathGlobs::new(&self.root, &self.exclude, "exclude")?)
        };
        if self.per_file_ignores.len() > MAX_GLOBS {
            return Err(format!(
                "`per-file-ignores` has {} entries; at most {MAX_GLOBS} are accepted",
                self.per_file_ignores.len()
            ));
        }
        let mut per_file_ignores = Vec::new();
        for (glob, ids) in &self.per_file_ignores {
            let globs = PathGlobs::new(&self.root, std::slice::from_ref(glob), "per-file-ignores")?;
            per_file_ignores.push((globs, ids.clone()));
        }
        Ok(Filters {
            exclude,
            per_file_ignores,
            severity: self.severity.clone(),
        })
    }

    /// The effective settings as TOML, for `faultline config`.
    pub fn render(&self) -> String {
        #[derive(Serialize)]
        #[serde(rename_all = "kebab-case")]
        struct Effective<'a> {
            select: &'a [String],
            fail_on: &'a str,
            exclude: &'a [String],
            severity: &'a BTreeMap<String, Severity>,
            vocabulary: &'a Vocabulary,
            per_file_ignores: BTreeMap<&'a str, &'a [String]>,
        }
        let effective = Effective {
            select: &self.rules,
            fail_on: self.fail_on.as_str(),
            exclude: &self.exclude,
            severity: &self.severity,
            vocabulary: &self.vocabulary,
            per_file_ignores: self
                .per_file_ignores
                .iter()
                .map(|(g, ids)| (g.as_str(), ids.as_slice()))
                .collect(),
        };
        let source = match &self.file {
            Some(path) => format!("# settings from {}\n", visible_path(path)),
            None => "# no configuration file: built-in defaults\n".to_string(),
        };
        let body = toml::to_string_pretty(&effective).expect("settings serialize");
        format!(
            "{source}# paths are relative to {}\n{body}",
            visible_path(&self.root)
        )
    }
}

/// The `cache-dir` of a configuration file: a relative path without `..`, so that a
/// repository's configuration cannot point the cache anywhere outside the project.
fn cache_dir(dir: &str) -> Result<PathBuf, String> {
    let path = Path::new(dir);
    let inside = !dir.is_empty()
        && path.components().all(|c| {
            matches!(
                c,
                std::path::Component::Normal(_) | std::path::Component::CurDir
            )
        })
        && path
            .components()
            .any(|c| matches!(c, std::path::Component::Normal(_)));
    if inside {
        Ok(path.to_path_buf())
    } else {
        Err(format!(
            "`cache-dir` must be a relative path inside the project, without `..`: `{}`",
            short(dir)
        ))
    }
}

/// A name from a configuration or the command line as an error message shows it: one visible
/// line of at most 64 characters.
fn short(text: &str) -> String {
    visible(&truncated(text, 64)).into_owned()
}

/// Rule ids for selectors: ids, names, axis prefixes (`SEC`, `REL`, `DOC`, even when this
/// build has no rule on that axis) and `ALL`. The error is the first unknown selector.
pub fn expand_all(registry: &Registry, selectors: &[String]) -> Result<Vec<String>, String> {
    let mut ids = Vec::new();
    for s in selectors.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        match registry.expand(s) {
            Some(found) => ids.extend(found),
            None if ["SEC", "REL", "DOC"]
                .iter()
                .any(|a| a.eq_ignore_ascii_case(s)) => {}
            None => return Err(s.to_string()),
        }
    }
    Ok(ids)
}

/// What the configuration filters, compiled.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// Files and folders not scanned at all.
    pub exclude: Option<PathGlobs>,
    /// Rules not reported in the files matching each glob set.
    pub per_file_ignores: Vec<(PathGlobs, Vec<String>)>,
    /// Severity overrides by rule id.
    pub severity: BTreeMap<String, Severity>,
}

impl Filters {
    /// Whether rule `id` is ignored in the file at `path`.
    pub fn ignores(&self, path: &Path, id: &str) -> bool {
        self.per_file_ignores
            .iter()
            .any(|(globs, ids)| ids.iter().any(|i| i == id) && globs.matches(path))
    }
}

pub use crate::paths::{MAX_GLOBS, PathGlobs, absolute, repository_root};

/// The directory configuration discovery starts from: the deepest directory holding every
/// scanned path.
pub fn scan_root(paths: &[PathBuf]) -> PathBuf {
    let dirs: Vec<PathBuf> = paths
        .iter()
        .map(|p| {
            let full = absolute(p);
            if full.is_dir() {
                full
            } else {
                full.parent().map(Path::to_path_buf).unwrap_or(full)
            }
        })
        .collect();
    let Some(first) = dirs.first() else {
        return absolute(Path::new("."));
    };
    let mut common = first.clone();
    for dir in &dirs[1..] {
        while !dir.starts_with(&common) {
            if !common.pop() {
                break;
            }
        }
    }
    common
}

/// What `faultline init` writes: every key, commented, with its default.
pub const TEMPLATE: &str = r#"# faultline configuration. Every key is optional; the values shown are the defaults.
# Flags on the command line win over this file. Paths are relative to this file.

# Rules to run: ids (SEC001), names (fail-open-auth), axis prefixes (SEC, REL, DOC) or ALL.
# select = ["ALL"]
# extend-select = []
# ignore = []

# Lowest severity that fails the run: high, medium, low, info or never.
# fail-on = "medium"

# Files and folders not scanned (globs; a name without "/" matches at any depth).
# exclude = ["vendor/**", "**/*.generated.ts"]

# Per-rule severity overrides.
[severity]
# SEC004 = "low"

# Teach faultline your own code: names are dotted paths matched against the end of a callee,
# with * wildcards; case and underscores do not matter (verify_session == verifySession).
[vocabulary]
# auth-calls = ["verifySession", "acme_auth.check"]   # calls that decide access
# external-calls = ["acmeClient.request"]             # calls that leave the process
# breakers = ["resilient"]                            # wrappers/decorators that are circuit breakers
# timeouts = ["withDeadline"]                         # wrappers that put a deadline on a call
# external-call-defaults = { "acmeClient.request" = "none" }  # external calls and their default
#                                                     # timeout ("none", seconds, "unchecked")
# tool-registrations = ["registerAcmeTool"]           # calls that register an MCP tool
# loggers = ["audit.record"]                          # calls that write a log, like console.error
# well-known-env = ["MYHOST_*"]                       # variables your platform sets (DOC003)

# Where the cache of lowered models lives, relative to this file (inside the project).
# cache-dir = ".faultline_cache"

# Rules not reported in some files.
[per-file-ignores]
# "scripts/**" = ["REL"]
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_parses_and_gives_the_defaults() {
        let config: ConfigFile = toml::from_str(TEMPLATE).unwrap();
        let registry = Registry::builtin();
        let loaded = Loaded {
            path: PathBuf::from("faultline.toml"),
            config,
        };
        let settings = Settings::resolve(Some(&loaded), &Overrides::default(), &registry).unwrap();
        let defaults = Settings::resolve(None, &Overrides::default(), &registry).unwrap();
        assert_eq!(settings.rules, defaults.rules);
        assert_eq!(settings.fail_on, FailOn::Medium);
        assert!(settings.exclude.is_empty());
    }

    #[test]
    fn unknown_keys_name_the_key_and_the_file() {
        let err = parse("sellect = []\n", Path::new("x/faultline.toml")).unwrap_err();
        assert!(err.contains("x/faultline.toml"), "{err}");
        assert!(err.contains("sellect"), "{err}");
        let err = parse("[vocabulary]\nauth = []\n", Path::new("f.toml")).unwrap_err();
        assert!(err.contains("`auth`"), "{err}");
        let err = from_pyproject(
            "[tool.faultline]\nfail_on = \"high\"\n",
            Path::new("pyproject.toml"),
        )
        .unwrap_err();
        assert!(
            err.contains("pyproject.toml") && err.contains("fail_on"),
            "{err}"
        );
        assert!(
            from_pyproject("[tool.ruff]\nx = 1\n", Path::new("pyproject.toml"))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn flags_win_over_the_file() {
        let registry = Registry::builtin();
        let config: ConfigFile =
            toml::from_str("select = [\"SEC004\"]\nfail-on = \"high\"\n").unwrap();
        let loaded = Loaded {
            path: PathBuf::from("faultline.toml"),
            config,
        };
        let from_file = Settings::resolve(Some(&loaded), &Overrides::default(), &registry).unwrap();
        assert_eq!(from_file.rules, vec!["SEC004"]);
        assert_eq!(from_file.fail_on, FailOn::High);
        let overridden = Settings::resolve(
            Some(&loaded),
            &Overrides {
                select: Some(vec!["SEC".into()]),
                ignore: vec!["error-leak".into()],
                fail_on: Some(FailOn::Low),
                ..Overrides::default()
            },
            &registry,
        )
        .unwrap();
        assert_eq!(
            overridden.rules,
            vec!["SEC001", "SEC002", "SEC003", "SEC005"]
        );
        assert_eq!(overridden.fail_on, FailOn::Low);
    }

    #[test]
    fn globs_match_from_the_config_directory_and_names_at_any_depth() {
        let root = PathBuf::from("/repo");
        let globs = PathGlobs::new(
            &root,
            &[
                "vendor/**".into(),
                "*.generated.ts".into(),
                "fixtures".into(),
            ],
            "exclude",
        )
        .unwrap();
        assert!(globs.matches(Path::new("/repo/vendor/a/b.ts")));
        assert!(globs.matches(Path::new("/repo/src/api.generated.ts")));
        assert!(globs.matches(Path::new("/repo/tests/fixtures/x.py")));
        assert!(globs.matches(Path::new("/repo/fixtures")));
        assert!(!globs.matches(Path::new("/repo/src/vendor.ts")));
        assert!(!globs.matches(Path::new("/repo/src/api.ts")));
    }
}
