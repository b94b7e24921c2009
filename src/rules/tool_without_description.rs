//! DOC001 tool-without-description: a tool the client lists with no description. Documentation:
//! `rules/DOC001.toml`.

use std::collections::HashSet;

use super::{Context, Rule};
use crate::finding::Finding;
use crate::model::*;

pub struct ToolWithoutDescription;

impl Rule for ToolWithoutDescription {
    fn check(&self, cx: &Context, unit: usize, out: &mut Vec<Finding>) {
        let model = &cx.project.units[unit].model;
        let mut seen = HashSet::new();
        let listed =
            |t: &&ToolDeclaration| super::param_without_description::is_listed(cx, unit, t);
        for tool in model.tool_declarations.iter().filter(listed) {
            if tool.description != Described::No || !seen.insert(tool.span) {
                continue;
            }
            out.push(Finding {
                unit,
                span: tool.span,
                label: "declared without a description".into(),
                message: format!(
                    "tool `{}` has no description: the model chooses tools by their \
                     descriptions and has only the name to go on",
                    tool.name
                ),
                labels: Vec::new(),
                function: Some(tool.func),
                ..Finding::default()
            });
        }
    }
}
