//! Finds the files to scan: an ignore-aware walk of the given paths, language detection,
//! surface tagging, and the reasons files are passed over.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use ignore::WalkBuilder;
use serde::Serialize;

use crate::model::Language;

/// What part of a repository a file belongs to. Only production code counts in scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Surface {
    Production,
    Test,
    Example,
    Script,
    Docs,
}

impl Surface {
    pub fn as_str(self) -> &'static str {
        match self {
            Surface::Production => "production",
            Surface::Test => "test",
            Surface::Example => "example",
            Surface::Script => "script",
            Surface::Docs => "docs",
        }
    }
}

#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as walked (joined to the scan argument).
    pub path: PathBuf,
    /// The path shown to users: relative to the working directory, `/`-separated.
    pub display: String,
    pub language: Language,
    pub surface: Surface,
    /// The text, when it cannot be read again from `path` (standard input).
    pub contents: Option<std::sync::Arc<str>>,
}

/// A file passed over on purpose, and why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

/// A path that could not be walked or read.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct ScanError {
    pub path: String,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct Discovery {
    pub files: Vec<SourceFile>,
    pub skipped: Vec<Skipped>,
    pub errors: Vec<ScanError>,
    /// Documentation in the scanned tree (READMEs, `docs/`, example env files), sorted.
    pub docs: Vec<PathBuf>,
}

/// Folders that hold other people's code.
const SKIPPED_DIRS: &[&str] = &[
    "node_modules",
    ".git",
    "vendor",
    "vendored",
    "third_party",
    "__pycache__",
    ".venv",
    "venv",
    ".tox",
    "site-packages",
];

/// Folders of build output: skipped when the sources they were built from are beside them. A
/// published npm package often ships nothing else, and then the build output is what runs.
const BUILD_OUTPUT_DIRS: &[&str] = &["dist", "build"];

fn sources_beside(dir: &Path) -> bool {
    let Some(parent) = dir.parent() else {
        return false;
    };
    [
        "src",
        "lib",
        "tsconfig.json",
        "pyproject.toml",
        "setup.py",
        ".git",
    ]
    .iter()
    .any(|name| parent.join(name).exists())
}

#[derive(Default)]
pub struct WalkOptions {
    pub respect_ignore_files: bool,
    /// The configuration's `exclude` globs: matching files and folders are not scanned, even
    /// when named on the command line (as pre-commit names them).
    pub exclude: Option<crate::paths::PathGlobs>,
}

impl WalkOptions {
    fn excludes(&self, path: &Path) -> bool {
        self.exclude.as_ref().is_some_and(|g| g.matches(path))
    }
}

pub fn discover(paths: &[PathBuf], options: &WalkOptions) -> Discovery {
    let mut out = Discovery::default();
    let cwd = std::env::current_dir().unwrap_or_default();
    for root in paths {
        // A named link (pre-commit names staged files; one may be a link) is followed only to
        // a regular file or a folder inside the tree it was named in.
        if std::fs::symlink_metadata(root).is_ok_and(|m| m.file_type().is_symlink()) {
            let tree = crate::paths::tree_of(root);
            let inside = match (root.canonicalize(), tree.canonicalize()) {
                (Ok(target), Ok(tree)) => target.starts_with(tree),
                _ => false,
            };
            if !inside {
                out.skipped.push(Skipped {
                    path: display_path(root, &cwd),
                    reason: "symbolic link pointing outside the scanned tree".into(),
                });
                continue;
            }
        }
        let metadata = match std::fs::metadata(root) {
            Ok(m) => m,
            Err(e) => {
                let hint = if root.to_string_lossy().starts_with('-') {
                    " (a path that looks like an option: after `--` every argument is a path; \
                     put options before `--` or in faultline.toml)"
                } else {
                    ""
                };
                out.errors.push(ScanError {
                    path: display_path(root, &cwd),
                    message: format!("cannot read: {e}{hint}"),
                });
                continue;
            }
        };
        if !metadata.is_file() && !metadata.is_dir() {
            out.skipped.push(Skipped {
                path: display_path(root, &cwd),
                reason: "not a regular file".into(),
            });
            continue;
        }
        if metadata.is_file() {
            if options.excludes(root) {
                continue;
            }
            // A file named on the command line is scanned even if an ignore file lists it.
            match Language::from_path(root) {
                Some(language) => out.files.push(source_file(root, language, &cwd)),
                None if is_documentation(root, true) => out.docs.push(root.clone()),
                None => out.skipped.push(Skipped {
                    path: display_path(root, &cwd),
                    reason: "not a TypeScript, JavaScript or Python file".into(),
                }),
            }
            continue;
        }
        if !metadata.is_dir() {
            // A device, FIFO or socket named on the command line: said so, never read.
            out.skipped.push(Skipped {
                path: display_path(root, &cwd),
                reason: "not a regular file".into(),
            });
            continue;
        }
        let found = (out.files.len(), out.skipped.len(), out.errors.len());
        walk(root, options, &cwd, &mut out);
        if found == (out.files.len(), out.skipped.len(), out.errors.len()) {
            out.skipped.push(Skipped {
                path: display_path(root, &cwd),
                reason: "no TypeScript, JavaScript or Python file in it".into(),
            });
        }
    }
    out.files.sort_by(|a, b| a.display.cmp(&b.display));
    out.files.dedup_by(|a, b| a.display == b.display);
    out.skipped.sort();
    out.skipped.dedup();
    out.errors.sort();
    out.docs.sort();
    out.docs.dedup();
    out
}

fn walk(root: &Path, options: &WalkOptions, cwd: &Path, out: &mut Discovery) {
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut builder = WalkBuilder::new(root);
    let exclude = options.exclude.clone();
    builder
        .follow_links(false)
        .hidden(false)
        .git_ignore(options.respect_ignore_files)
        .git_global(false)
        .git_exclude(options.respect_ignore_files)
        .ignore(options.respect_ignore_files)
        .parents(options.respect_ignore_files)
        .require_git(false)
        .filter_entry(move |entry| {
            let name = entry.file_name().to_string_lossy();
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            if entry.depth() > 0 && exclude.as_ref().is_some_and(|g| g.matches(entry.path())) {
                return false;
            }
            !(entry.depth() > 0
                && is_dir
                && (SKIPPED_DIRS.contains(&name.as_ref())
                    || name.starts_with('.')
                    || (BUILD_OUTPUT_DIRS.contains(&name.as_ref())
                        && sources_beside(entry.path()))))
        });
    let mut visited_dirs = Vec::new();
    for entry in builder.build() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                out.errors.push(ScanError {
                    path: error_path(&error)
                        .map(|p| display_path(&p, cwd))
                        .unwrap_or_else(|| display_path(root, cwd)),
                    message: error_message(&error),
                });
                continue;
            }
        };
        let path = entry.path();
        let Some(file_type) = entry.file_type() else {
            continue;
        };
        let Some(language) = Language::from_path(path) else {
            let relative = path.strip_prefix(root).unwrap_or(path);
            if file_type.is_file() && is_documentation(relative, false) {
                out.docs.push(path.to_path_buf());
            } else if file_type.is_dir() && options.respect_ignore_files {
                visited_dirs.push(path.to_path_buf());
            }
            continue;
        };
        if file_type.is_symlink() {
            match linked_file_inside(path, &canonical_root) {
                Ok(()) => {}
                Err(reason) => {
                    out.skipped.push(Skipped {
                        path: display_path(path, cwd),
                        reason,
                    });
                    continue;
                }
            }
        } else if !file_type.is_file() {
            out.skipped.push(Skipped {
                path: display_path(path, cwd),
                reason: "not a regular file".into(),
            });
            continue;
        }
        let mut file = source_file(path, language, cwd);
        // A named folder is the project asked about: `scan examples/weather` grades that
        // server, so only the folders below the one named decide a file's surface.
        file.surface = surface_of(&crate::paths::display(
            path.strip_prefix(root).unwrap_or(path),
        ));
        out.files.push(file);
    }
    ignored_documentation(root, &visited_dirs, &mut out.docs);
}

/// Documentation that an ignore file matches but a repository still ships: a tracked
/// `.env.example` under a `.env.*` rule documents variables all the same. Only the folders the
/// walk entered are looked at, one listing each, and only regular files (never a link).
fn ignored_documentation(root: &Path, dirs: &[PathBuf], docs: &mut Vec<PathBuf>) {
    let known: HashSet<PathBuf> = docs.iter().cloned().collect();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let is_file = entry.file_type().is_ok_and(|t| t.is_file());
            let relative = path.strip_prefix(root).unwrap_or(&path);
            if is_file && is_documentation(relative, false) && !known.contains(&path) {
                docs.push(path);
            }
        }
    }
}

/// A link is scanned only when it points at a regular file inside the scanned root.
fn linked_file_inside(link: &Path, canonical_root: &Path) -> Result<(), String> {
    let target = link
        .canonicalize()
        .map_err(|e| format!("symbolic link that cannot be resolved ({e})"))?;
    if !target.starts_with(canonical_root) {
        return Err("symbolic link pointing outside the scanned tree".into());
    }
    if !target.is_file() {
        return Err("symbolic link to something that is not a regular file".into());
    }
    Ok(())
}

fn error_path(error: &ignore::Error) -> Option<PathBuf> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
}

fn error_message(error: &ignore::Error) -> String {
    match error {
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => error_message(err),
        ignore::Error::Io(e) => format!("cannot read: {e}"),
        other => other.to_string(),
    }
}

fn source_file(path: &Path, language: Language, cwd: &Path) -> SourceFile {
    let display = display_path(path, cwd);
    SourceFile {
        path: path.to_path_buf(),
        surface: surface_of(&display),
        display,
        language,
        contents: None,
    }
}

/// `path` relative to the working directory when it lies below it, with `/` separators.
pub fn display_path(path: &Path, cwd: &Path) -> String {
    let relative = if path.is_absolute() {
        path.strip_prefix(cwd).unwrap_or(path)
    } else {
        path
    };
    crate::paths::display(relative)
}

/// Tags a file by where it sits: tests, examples, scripts and docs do not count in scores.
pub fn surface_of(path: &str) -> Surface {
    let lower = path.to_ascii_lowercase();
    let parts: Vec<&str> = lower.split('/').collect();
    let (dirs, name) = parts.split_at(parts.len().saturating_sub(1));
    let name = name.first().copied().unwrap_or("");
    let in_dir = |names: &[&str]| dirs.iter().any(|d| names.contains(d));
    // A package of its own named for what it holds: `server-tests/`, `integration_tests/`,
    // `mcp-examples/`.
    let in_dir_ending = |suffix: &str| {
        dirs.iter().any(|d| {
            d.len() > suffix.len() + 1
                && d.ends_with(suffix)
                && d[..d.len() - suffix.len()].ends_with(['-', '_'])
        })
    };
    if in_dir(&[
        "test",
        "tests",
        "__tests__",
        "spec",
        "specs",
        "fixtures",
        "__mocks__",
        "testing",
    ]) || in_dir_ending("tests")
        || name.contains(".test.")
        || name.contains(".spec.")
        || (name.starts_with("test_") && name.ends_with(".py"))
        || name.ends_with("_test.py")
        || name == "conftest.py"
    {
        Surface::Test
    } else if in_dir(&["examples", "example", "samples", "sample", "demo", "demos"])
        || in_dir_ending("examples")
        || name.contains(".examples.")
        || name.contains(".example.")
    {
        Surface::Example
    } else if in_dir(&["scripts", "script", "benchmarks", "bench"]) {
        // Not `tools/`: in an MCP server that is where the tool handlers live.
        Surface::Script
    } else if in_dir(&["docs", "doc", "documentation", "docs_src"]) {
        // `docs_src/`: the tutorial code a documentation site includes.
        Surface::Docs
    } else {
        Surface::Production
    }
}

/// Why a file's contents are not analysed, if they are not.
pub fn content_problem(bytes: &[u8]) -> Option<String> {
    if bytes.iter().take(8192).any(|b| *b == 0) {
        return Some("binary file".into());
    }
    if std::str::from_utf8(bytes).is_err() {
        return Some("not valid UTF-8".into());
    }
    let mut longest = 0;
    let mut lines = 0;
    for line in bytes.split(|b| *b == b'\n') {
        longest = longest.max(line.len());
        lines += 1;
    }
    // One long line alone (an import of three hundred names, an image kept as base64) is not
    // minification: a minifier leaves few lines, long on average.
    if longest > MAX_LINE && bytes.len() / lines.max(1) > MINIFIED_MEAN_LINE {
        return Some(format!("minified (a line of {longest} bytes)"));
    }
    None
}

/// Mean line length above which a file with a line longer than [`MAX_LINE`] is minified.
pub const MINIFIED_MEAN_LINE: usize = 200;

/// Documentation an installer reads: a README, any Markdown, reStructuredText or AsciiDoc page,
/// text under `docs/`, an example env file (`.env.example`, `.env.sample`, `example.env`, ...),
/// and the manifests that list a server's variables for installers (`server.json` of the MCP
/// registry, `smithery.yaml`, an extension's `manifest.json`, an example `mcp.json` client
/// config). `named` is a file given on the command line: a plain text file counts then too.
pub fn is_documentation(path: &Path, named: bool) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let lower = name.to_ascii_lowercase();
    let extension = lower.rsplit_once('.').map_or("", |(_, e)| e);
    let is_page = matches!(extension, "md" | "mdx" | "markdown" | "rst" | "adoc");
    let is_text = is_page || extension == "txt";
    if lower.starts_with("readme") || is_page || (named && is_text) {
        return true;
    }
    let manifest = matches!(
        lower.as_str(),
        "server.json" | "smithery.yaml" | "smithery.yml" | "manifest.json"
    ) || (extension == "json"
        && (lower.contains("mcp") || lower.contains("claude_desktop")));
    if manifest {
        return true;
    }
    let segments: Vec<&str> = lower.split(['.', '-', '_']).collect();
    let env_example = segments.contains(&"env")
        && segments.iter().any(|s| {
            matches!(
                *s,
                "example"
                    | "examples"
                    | "sample"
                    | "template"
                    | "tmpl"
                    | "tpl"
                    | "dist"
                    | "default"
                    | "defaults"
            )
        });
    if env_example {
        return true;
    }
    let in_docs = path.parent().is_some_and(|dir| {
        dir.components().any(|c| {
            let c = c.as_os_str().to_string_lossy().to_ascii_lowercase();
            matches!(c.as_str(), "docs" | "doc" | "documentation")
        })
    });
    in_docs && is_text
}

pub const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024;
pub const MAX_LINE: usize = 5_000;

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
            let limit = MAX_FILE_BYTES;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surfaces_follow_the_path() {
        assert_eq!(surface_of("src/index.ts"), Surface::Production);
        assert_eq!(surface_of("src/__tests__/auth.ts"), Surface::Test);
        assert_eq!(surface_of("src/auth.test.ts"), Surface::Test);
        assert_eq!(surface_of("pkg/test_server.py"), Surface::Test);
        assert_eq!(surface_of("conftest.py"), Surface::Test);
        assert_eq!(surface_of("examples/basic.py"), Surface::Example);
        assert_eq!(surface_of("scripts/release.js"), Surface::Script);
        assert_eq!(surface_of("src/tools/search.ts"), Surface::Production);
        assert_eq!(surface_of("dist/tools/get_user.js"), Surface::Production);
        assert_eq!(surface_of("docs/snippet.ts"), Surface::Docs);
        // Tutorial trees and packages named for what they hold.
        assert_eq!(surface_of("docs_src/first_steps/main.py"), Surface::Docs);
        assert_eq!(surface_of("src/server.examples.ts"), Surface::Example);
        assert_eq!(surface_of("packages/mcp-examples/a.ts"), Surface::Example);
        assert_eq!(surface_of("packages/server-tests/a.ts"), Surface::Test);
        assert_eq!(surface_of("integration_tests/test.py"), Surface::Test);
        // Not a package named for tests: `latests/`, `-tests` alone.
        assert_eq!(surface_of("src/latests/a.ts"), Surface::Production);
        assert_eq!(surface_of("src/-tests/a.ts"), Surface::Production);
        assert_eq!(surface_of("src/contests/a.ts"), Surface::Production);
    }

    #[test]
    fn documentation_files_are_recognised() {
        for doc in [
            "README.md",
            "packages/api/readme.rst",
            "README",
            "docs/config.md",
            "docs/guide/setup.mdx",
            "docs/env.txt",
            "DEPLOYMENT.md",
            "src/config.md",
            "server.json",
            "smithery.yaml",
            "examples/mcp-config.json",
            ".env.example",
            ".env.sample",
            ".env.local.example",
            "example.env",
            "env.template",
        ] {
            assert!(is_documentation(Path::new(doc), false), "{doc}");
        }
        for other in [
            ".env",
            "notes.txt",
            "docs/logo.png",
            "package.json",
            "tsconfig.json",
            "environment.ts",
        ] {
            assert!(!is_documentation(Path::new(other), false), "{other}");
        }
        assert!(is_documentation(Path::new("CONFIG.md"), true));
    }

    #[test]
    fn content_problems_are_named() {
        assert_eq!(content_problem(b"abc\0def").as_deref(), Some("binary file"));
        assert_eq!(
            content_problem(&[0xff, 0xfe, b'a']).as_deref(),
            Some("not valid UTF-8")
        );
        let long = "x".repeat(MAX_LINE + 1);
        assert!(
            content_problem(long.as_bytes())
                .unwrap()
                .starts_with("minified")
        );
        assert_eq!(content_problem(b"const a = 1;\n"), None);
        let mut one_long_import = format!("import {{ {} }} from \"./a\";\n", "x, ".repeat(3000));
        one_long_import.push_str(&"const a = 1;\n".repeat(2000));
        assert_eq!(content_problem(one_long_import.as_bytes()), None);
    }
}
