//! Python's absolute imports answered from an index instead of a walk up the importing file's
//! folders. `import a.b.c` in a file of folder `D` names the first of `B/a/b/c.py`,
//! `B/a/b/c/__init__.py`, `B/a/b/c.pyi` that exists, for `B` = `D`, then each of its parents.
//! The index keeps every scanned Python file under each of its module tails (`c`, `b/c`,
//! `a/b/c`) with the root that tail leaves (`B`), so one lookup finds the candidates and the
//! nearest root wins, in the same order as the walk.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// How a file provides its module; the order is the walk's preference for one root.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Form {
    Source,
    Package,
    Stub,
}

#[derive(Debug, Default)]
pub(super) struct PythonModules {
    by_tail: HashMap<PathBuf, Vec<(PathBuf, Form, usize)>>,
}

impl PythonModules {
    /// Indexes the Python files among `paths` (normalized, with their unit).
    pub(super) fn build<'a>(paths: impl Iterator<Item = (&'a Path, usize)>) -> PythonModules {
        let mut by_tail: HashMap<PathBuf, Vec<(PathBuf, Form, usize)>> = HashMap::new();
        for (path, unit) in paths {
            let (module, form) = match path.extension().and_then(|e| e.to_str()) {
                Some("py") if path.file_name().is_some_and(|n| n == "__init__.py") => {
                    let Some(parent) = path.parent() else {
                        continue;
                    };
                    (parent.to_path_buf(), Form::Package)
                }
                Some("py") => (path.with_extension(""), Form::Source),
                Some("pyi") => (path.with_extension(""), Form::Stub),
                _ => continue,
            };
            let parts: Vec<Component> = module.components().collect();
            let mut tail = PathBuf::new();
            for k in (0..parts.len()).rev() {
                let Component::Normal(name) = parts[k] else {
                    break;
                };
                tail = Path::new(name).join(&tail);
                let root: PathBuf = parts[..k].iter().collect();
                by_tail
                    .entry(tail.clone())
                    .or_default()
                    .push((root, form, unit));
            }
        }
        for candidates in by_tail.values_mut() {
            candidates.sort();
        }
        PythonModules { by_tail }
    }

    /// The unit that `relative` (a module path of plain names, `a/b/c`) names from folder
    /// `dir` (normalized): the candidate whose root is the nearest ancestor of `dir`.
    pub(super) fn find(&self, dir: &Path, relative: &Path) -> Option<usize> {
        let candidates = self.by_tail.get(relative)?;
        candidates
            .iter()
            .filter(|(root, _, _)| dir.starts_with(root))
            .max_by(|a, b| {
                let depth = |r: &Path| r.components().count();
                depth(&a.0).cmp(&depth(&b.0)).then(b.1.cmp(&a.1))
            })
            .map(|&(_, _, unit)| unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(paths: &[&str]) -> PythonModules {
        PythonModules::build(paths.iter().enumerate().map(|(i, p)| (Path::new(*p), i)))
    }

    #[test]
    fn the_nearest_root_wins_and_a_source_file_beats_a_package_and_a_stub() {
        let modules = index(&[
            "repo/pkg/util.py",                  // 0
            "repo/src/app/pkg/util.py",          // 1
            "repo/src/app/pkg/util/__init__.py", // 2
            "repo/src/app/pkg/util.pyi",         // 3
            "repo/other/mod/__init__.py",        // 4
            "repo/other/mod.pyi",                // 5
        ]);
        let util = Path::new("pkg/util");
        assert_eq!(
            modules.find(Path::new("repo/src/app/server"), util),
            Some(1)
        );
        assert_eq!(modules.find(Path::new("repo/src/app"), util), Some(1));
        assert_eq!(modules.find(Path::new("repo/src"), util), Some(0));
        assert_eq!(modules.find(Path::new("repo/tests"), util), Some(0));
        assert_eq!(modules.find(Path::new("elsewhere"), util), None);
        assert_eq!(modules.find(Path::new("repo/x"), Path::new("mod")), None);
        assert_eq!(
            modules.find(Path::new("repo/other/x"), Path::new("mod")),
            Some(4)
        );
        assert_eq!(
            modules.find(Path::new("repo"), Path::new("other/mod")),
            Some(4)
        );
    }
}
