//! DOC002 param-without-description: a tool parameter with no description. Documentation:
//! `rules/DOC002.toml`.

use std::collections::HashSet;

use super::{Context, Rule};
use crate::finding::Finding;
use crate::model::*;

pub struct ParamWithoutDescription;

impl Rule for ParamWithoutDescription {
    fn check(&self, cx: &Context, unit: usize, out: &mut Vec<Finding>) {
        let model = &cx.project.units[unit].model;
        // A schema kept in a constant and shared by several tools is reported once.
        let mut seen = HashSet::new();
        for tool in model
            .tool_declarations
            .iter()
            .filter(|t| is_listed(cx, unit, t))
        {
            for param in &tool.params {
                if param.description != Described::No || !seen.insert(param.span) {
                    continue;
                }
                out.push(Finding {
                    unit,
                    span: param.span,
                    label: "no description".into(),
                    message: format!(
                        "parameter `{}` of tool `{}` has no description: the model has to \
                         guess its meaning, format and range",
                        param.name, tool.name
                    ),
                    labels: Vec::new(),
                    function: Some(tool.func),
                    ..Finding::default()
                });
            }
        }
    }
}

/// Whether the client can see the tool: a definition object kept in a constant that its file
/// never mentions again is a tool only when another file imports that name (or re-exports it,
/// or takes the whole module under that name); otherwise it is a schema nothing registers.
pub(super) fn is_listed(cx: &Context, unit: usize, tool: &ToolDeclaration) -> bool {
    let Some(binding) = &tool.unused_binding else {
        return true;
    };
    // `export * from "./deployment-config.js"` passes every name of that file on.
    let stem = |path: &str| {
        let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
        name.split('.').next().unwrap_or(name).to_string()
    };
    let own = stem(&cx.project.units[unit].file.display);
    cx.project.units.iter().any(|u| {
        u.model
            .imports
            .iter()
            .any(|i| i.imported.as_deref() == Some(binding.as_str()) || &i.local == binding)
            || u.model.exports.iter().any(|e| match e {
                Export::From { imported, .. } => imported == binding,
                Export::All { source } => stem(source) == own,
                Export::Name { .. } => false,
            })
    })
}
