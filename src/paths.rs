//! Paths: lexical normalising, the repository root, and the boundary of the scanned tree.
//!
//! In CI the tree is written by whoever opened the pull request, so every file faultline opens
//! because the tree names it (a configuration file, a baseline, a file on the command line, a
//! report written into the tree) is resolved first and refused when it is a link that leads out
//! of the tree, or is not a regular file. Used by config, discover, the command line and the
//! reports; imports nothing of faultline's.

use std::fmt;
use std::path::{Component, Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

/// `path` without `.` parts, and with each `..` taking away the part before it when there is
/// one: `a/./b/../c` is `a/c`, `../../lib/a.ts` stays as it is, `/..` is `/`. Lexical: links
/// are not followed.
pub fn normalize(path: &Path) -> PathBuf {
    let mut parts: Vec<Component> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match parts.last() {
                Some(Component::Normal(_)) => {
                    parts.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => parts.push(Component::ParentDir),
            },
            other => parts.push(other),
        }
    }
    parts.iter().map(|c| c.as_os_str()).collect()
}

/// `path` made absolute against the working directory, then [`normalize`]d.
pub fn absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    normalize(&joined)
}

/// The directory holding `.git` at or above `path`, if any.
pub fn repository_root(path: &Path) -> Option<PathBuf> {
    let full = absolute(path);
    let mut dir = if full.is_dir() {
        Some(full.as_path())
    } else {
        full.parent()
    };
    while let Some(d) = dir {
        if d.join(".git").exists() {
            return Some(d.to_path_buf());
        }
        dir = d.parent();
    }
    None
}

/// The tree a path named by the user (or found through the tree) belongs to: the repository
/// holding it, else the working directory when the path lies below it, else the directory
/// holding the path.
pub fn tree_of(path: &Path) -> PathBuf {
    let full = absolute(path);
    let parent = full
        .parent()
        .map_or_else(|| full.clone(), Path::to_path_buf);
    if let Some(root) = repository_root(&parent) {
        return root;
    }
    let cwd = absolute(Path::new("."));
    if full.starts_with(&cwd) { cwd } else { parent }
}

/// Why a path given or found in the tree is not opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A symbolic link whose target lies outside the tree (or cannot be resolved).
    LeadsOutside,
    /// Something other than a regular file: a directory, a device, a FIFO, a socket.
    NotARegularFile,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Refusal::LeadsOutside => {
                "it is a symbolic link that leads outside the scanned tree (or nowhere)"
            }
            Refusal::NotARegularFile => "it is not a regular file",
        })
    }
}

/// Whether `path`, once every link in it is resolved, is a regular file inside `tree`. The
/// link's target is never shown: it may name something secret.
pub fn regular_file_inside(path: &Path, tree: &Path) -> Result<PathBuf, Refusal> {
    let resolved = path.canonicalize().map_err(|_| Refusal::LeadsOutside)?;
    let tree = tree.canonicalize().unwrap_or_else(|_| absolute(tree));
    if !resolved.starts_with(&tree) {
        return Err(Refusal::LeadsOutside);
    }
    match std::fs::metadata(&resolved) {
        Ok(m) if m.is_file() => Ok(resolved),
        _ => Err(Refusal::NotARegularFile),
    }
}

/// A file the user named on the command line (`--config`, `--baseline`): when it lies in the
/// tree around the working directory it must resolve inside that tree; a path outside it (a
/// shared config in the home folder, say) is the user's own choice. Either way it must be a
/// regular file.
pub fn named_file(path: &Path) -> Result<PathBuf, Refusal> {
    let tree = tree_of(Path::new("."));
    if absolute(path).starts_with(&tree) {
        regular_file_inside(path, &tree)
    } else {
        match std::fs::metadata(path) {
            Ok(m) if m.is_file() => Ok(path.to_path_buf()),
            _ => Err(Refusal::NotARegularFile),
        }
    }
}

/// Whether a report or baseline may be written at `path`: not through a symbolic link (a link
/// committed into the tree would make faultline overwrite whatever it points at), and not over
/// something that is not a regular file.
pub fn writable(path: &Path) -> Result<(), Refusal> {
    match std::fs::symlink_metadata(path) {
        Err(_) => Ok(()),
        Ok(m) if m.file_type().is_symlink() => Err(Refusal::LeadsOutside),
        Ok(m) if m.is_file() => Ok(()),
        Ok(_) => Err(Refusal::NotARegularFile),
    }
}

/// A path as reports show it: `/`-separated on every platform (a `\` in a file name on Linux is
/// part of the name and is kept), `.` for the empty path.
pub fn display(path: &Path) -> String {
    let mut text = String::new();
    for (i, component) in normalize(path).components().enumerate() {
        let part = component.as_os_str().to_string_lossy();
        if i > 0 && !text.ends_with('/') {
            text.push('/');
        }
        text.push_str(&part);
    }
    if text.is_empty() { ".".into() } else { text }
}

/// The most globs one key (`exclude`, a `per-file-ignores` entry) may list: a glob set of
/// 10,000 compiles in well under a second (docs/performance.md, "Bounds"); 500,000 took 23 s
/// and 3.2 GB.
pub const MAX_GLOBS: usize = 10_000;

/// Path globs relative to a directory, matched with globset. A pattern with a `/` matches the
/// path from that directory (`vendor/**`, `src/gen/*.ts`); one without matches a file or
/// folder name at any depth (`*.generated.ts`, `fixtures`). A folder matches everything in it.
#[derive(Debug, Clone)]
pub struct PathGlobs {
    root: PathBuf,
    set: GlobSet,
}

impl PathGlobs {
    pub fn new(root: &Path, patterns: &[String], key: &str) -> Result<PathGlobs, String> {
        if patterns.len() > MAX_GLOBS {
            return Err(format!(
                "`{key}` lists {} globs; at most {MAX_GLOBS} are accepted (each compiles into one \
                 glob set: list folders, or use `**` patterns)",
                patterns.len()
            ));
        }
        let mut builder = GlobSetBuilder::new();
        for pattern in patterns {
            let trimmed = pattern.trim_start_matches("./").trim_end_matches('/');
            let anchored = trimmed.trim_start_matches('/');
            let bases: Vec<String> = if trimmed.contains('/') {
                vec![anchored.to_string()]
            } else {
                vec![format!("**/{anchored}")]
            };
            for base in bases {
                for glob in [base.clone(), format!("{base}/**")] {
                    builder.add(
                        GlobBuilder::new(&glob)
                            .literal_separator(true)
                            .build()
                            .map_err(|e| format!("bad glob `{pattern}` in `{key}`: {e}"))?,
                    );
                }
            }
        }
        Ok(PathGlobs {
            root: root.to_path_buf(),
            set: builder
                .build()
                .map_err(|e| format!("bad globs in `{key}`: {e}"))?,
        })
    }

    /// Whether a path (relative to the working directory, or absolute) matches.
    pub fn matches(&self, path: &Path) -> bool {
        let full = absolute(path);
        let relative = full.strip_prefix(&self.root).unwrap_or(&full);
        let text = relative.to_string_lossy().replace('\\', "/");
        self.set.is_match(text.trim_start_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parent_parts_survive_normalizing() {
        let n = |p: &str| normalize(Path::new(p)).to_string_lossy().into_owned();
        assert_eq!(n("../../../lib/a.ts"), "../../../lib/a.ts");
        assert_eq!(n("a/./b/../c"), "a/c");
        assert_eq!(n("a/../../b"), "../b");
        assert_eq!(n("/../x"), "/x");
        assert_eq!(n("./"), "");
    }

    #[test]
    fn display_keeps_backslashes_and_uses_slashes() {
        assert_eq!(display(Path::new("src/a\\b.ts")), "src/a\\b.ts");
        assert_eq!(display(Path::new("../../x/y.py")), "../../x/y.py");
        assert_eq!(display(Path::new("/abs/z.ts")), "/abs/z.ts");
        assert_eq!(display(Path::new("")), ".");
    }

    #[cfg(unix)]
    #[test]
    fn links_out_of_the_tree_are_refused() {
        let outside = tempfile::tempdir().unwrap();
        let tree = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "x").unwrap();
        std::fs::write(tree.path().join("real.toml"), "x").unwrap();
        let out_link = tree.path().join("out.toml");
        std::os::unix::fs::symlink(outside.path().join("secret"), &out_link).unwrap();
        let in_link = tree.path().join("in.toml");
        std::os::unix::fs::symlink(tree.path().join("real.toml"), &in_link).unwrap();
        let dangling = tree.path().join("dangling.toml");
        std::os::unix::fs::symlink(tree.path().join("nothing"), &dangling).unwrap();
        assert_eq!(
            regular_file_inside(&out_link, tree.path()),
            Err(Refusal::LeadsOutside)
        );
        assert!(regular_file_inside(&in_link, tree.path()).is_ok());
        assert_eq!(
            regular_file_inside(&dangling, tree.path()),
            Err(Refusal::LeadsOutside)
        );
        assert_eq!(
            regular_file_inside(tree.path(), tree.path()),
            Err(Refusal::NotARegularFile)
        );
        assert_eq!(writable(&dangling), Err(Refusal::LeadsOutside));
        assert_eq!(writable(&tree.path().join("new.json")), Ok(()));
    }
}
