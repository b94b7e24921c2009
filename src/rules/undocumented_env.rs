//! DOC003 undocumented-env: a server reads an environment variable that no README, docs page
//! or example env file in the scanned tree mentions. Documentation: `rules/DOC003.toml`.

use std::collections::HashSet;

use super::{Context, Rule};
use crate::finding::Finding;

pub struct UndocumentedEnv;

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
        let mut reads: Vec<_> = model.env_reads.iter().collect();
        reads.sort_by_key(|r| r.span);
        let mut seen = HashSet::new();
        for read in reads {
            if !seen.insert(read.name.as_str())
                || cx.knowledge.well_known_env.contains(&read.name)
                || project.env_set_by_code(surface, &read.name)
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
    #[test]
    fn runtime_variables_are_well_known() {
        let well_known = crate::knowledge::Knowledge::builtin().well_known_env;
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
            assert!(well_known.contains(name), "{name}");
        }
        assert!(!well_known.contains("ZENDESK_API_TOKEN"));
    }
}
