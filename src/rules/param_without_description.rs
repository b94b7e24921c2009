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
        for tool in &model.tool_declarations {
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
