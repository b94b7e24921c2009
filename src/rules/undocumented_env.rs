//! DOC003 undocumented-env: a server reads an environment variable that no README, docs page
//! or example env file in the scanned tree mentions. Documentation: `rules/DOC003.toml`.

use std::collections::HashSet;
use std::sync::OnceLock;

use serde::Deserialize;

use super::{Context, Rule};
use crate::finding::Finding;

pub struct UndocumentedEnv;

/// Variables every runtime, shell or CI sets: `rules/well-known-env.toml`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WellKnown {
    names: HashSet<String>,
    prefixes: Vec<String>,
}

/// The list, upper-cased: names compare without regard to case.
fn well_known() -> &'static WellKnown {
    static LIST: OnceLock<WellKnown> = OnceLock::new();
    LIST.get_or_init(|| {
        let list: WellKnown = toml::from_str(include_str!("../../rules/well-known-env.toml"))
            .unwrap_or_else(|e| panic!("rules/well-known-env.toml: {e}"));
        WellKnown {
            names: list.names.iter().map(|n| n.to_ascii_uppercase()).collect(),
            prefixes: list
                .prefixes
                .iter()
                .map(|p| p.to_ascii_uppercase())
                .collect(),
        }
    })
}

fn is_well_known(name: &str) -> bool {
    let list = well_known();
    let name = name.to_ascii_uppercase();
    list.names.contains(&name) || list.prefixes.iter().any(|p| name.starts_with(p.as_str()))
}

impl Rule for UndocumentedEnv {
    fn check(&self, cx: &Context, unit: usize, out: &mut Vec<Finding>) {
        let project = cx.project;
        // Without any documentation in the tree (say only `src/` was scanned) there is nothing
        // to compare with; a tree that declares no tool is not a server.
        let model = &project.units[unit].model;
        if model.env_reads.is_empty()
            || project.documentation.files == 0
            || !project.declares_tools()
        {
            return;
        }
        // A variable the server's own code sets (a resolved port, a CLI flag passed on to a
        // child process) is plumbing, not configuration. Only code of the same kind counts:
        // a test that sets `API_TOKEN` does not document it for production code.
        let surface = project.units[unit].file.surface;
        let set_by_code: HashSet<&str> = project
            .units
            .iter()
            .filter(|u| u.file.surface == surface)
            .flat_map(|u| u.model.env_writes.iter().map(|w| w.name.as_str()))
            .collect();
        let mut reads: Vec<_> = model.env_reads.iter().collect();
        reads.sort_by_key(|r| r.span);
        let mut seen = HashSet::new();
        for read in reads {
            if !seen.insert(read.name.as_str())
                || is_well_known(&read.name)
                || set_by_code.contains(read.name.as_str())
                || project.documentation.mentions(&read.name)
            {
                continue;
            }
            out.push(Finding {
                unit,
                span: read.span,
                label: "read here".into(),
                message: format!(
                    "environment variable `{}` is read, but no README, documentation page, \
                     example env file or installer manifest in the scanned tree mentions it",
                    read.name
                ),
                labels: Vec::new(),
                function: Some(read.func),
                ..Finding::default()
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_variables_are_well_known() {
        for name in [
            "NODE_ENV",
            "HOME",
            "PATH",
            "PYTHONPATH",
            "npm_package_version",
            "LC_ALL",
            "ComSpec",
            "ProgramFiles(x86)",
            "debug",
        ] {
            assert!(is_well_known(name), "{name}");
        }
        assert!(!is_well_known("ZENDESK_API_TOKEN"));
    }
}
