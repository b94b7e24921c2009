//! REL002 call-without-timeout: code a tool handler reaches makes an external call that
//! nothing bounds in time. Documentation: `rules/REL002.toml`.

use super::{Context, Rule, tool_phrase};
use crate::finding::Finding;
use crate::model::Language;
use crate::project::Timeout;

pub struct CallWithoutTimeout;

impl Rule for CallWithoutTimeout {
    fn check(&self, cx: &Context, unit: usize, out: &mut Vec<Finding>) {
        let project = cx.project;
        let model = &project.units[unit].model;
        let python = project.units[unit].file.language == Language::Python;
        for external in project.external_calls(unit) {
            // Only a call that is known to have no timeout: not one with an option, a client
            // or a library default that sets one, nor one whose options cannot be read.
            if external.timeout != Timeout::Missing {
                continue;
            }
            let call = &model.calls[external.call];
            // Reached on a path where no deadline (`asyncio.wait_for`, `pTimeout`) bounds it.
            let Some(reach) = project.reach_without_deadline(unit, call.func) else {
                continue;
            };
            if project.call_cover(unit, external.call).deadline {
                continue;
            }
            let library = &cx.knowledge.external_calls.libraries[external.library];
            let options: Vec<String> = library
                .timeout_options
                .iter()
                .map(|o| {
                    if python {
                        format!("`{o}=`")
                    } else {
                        format!("`{o}`")
                    }
                })
                .collect();
            let through = match &external.client {
                Some(client) => format!(" (client `{client}` is created without one)"),
                None => String::new(),
            };
            out.push(Finding {
                unit,
                span: call.span,
                label: "no timeout on this call".into(),
                message: format!(
                    "`{}` reached from {} has no timeout{through}: {}; set {}",
                    call.callee,
                    tool_phrase(reach),
                    library.default_note.clone().unwrap_or_else(|| format!(
                        "{} waits as long as the server takes",
                        library.name
                    )),
                    options.join(" or ")
                ),
                labels: Vec::new(),
                function: Some(call.func),
                ..Finding::default()
            });
        }
    }
}
