//! Which functions are tool handlers.
//!
//! The front ends lower generic facts only: calls with their callee and arguments, decorators,
//! string constants, object literals and the documentation of tool declarations. One pass per
//! file, [`recognise`], finds every registration in them: the SDKs' own forms (`server.tool`,
//! `registerTool`, `setRequestHandler(CallToolRequestSchema, ...)`, `@mcp.tool()`,
//! `add_tool`, `Tool.from_function`, TS FastMCP's `addTool`; [`sdk`], with the words of
//! `rules/lowering.toml`) and the registrations taught in the configuration (`[vocabulary]
//! tool-registrations`; [`taught`]), for every language alike, before the link, so that
//! reachability and every rule see them. [`apply_mounts`] then renames the tools of mounted
//! servers, and [`handlers`] resolves every registration's handler to a function of the
//! project: the roots of the call graph's walks.

mod mounts;
mod sdk;
mod taught;

use super::{FnRef, Project, Reach};
use crate::knowledge::Knowledge;
use crate::model::{HandlerRef, Language, MODULE, Model, Span};

pub use mounts::apply_mounts;

/// Adds to a file's model every tool it registers: the SDKs' forms, then the taught
/// registrars' (a call both register is the SDK's).
pub fn recognise(model: &mut Model, language: Language, knowledge: &Knowledge) {
    let found = sdk::registrations(model, language, &knowledge.lowering);
    model.tools.extend(found);
    if !knowledge.tool_registrations.is_empty() {
        let taught = taught::registrations(model, &knowledge.tool_registrations);
        model.tools.extend(taught);
    }
}

/// Where a walk starts: a tool handler, or a decorator of ours around one (`@handle_errors`),
/// whose wrapper is the code the client reaches first.
pub(super) struct Root {
    pub target: FnRef,
    pub reach: Reach,
    pub wrapper: bool,
}

/// The tool handlers of the project (and our decorators around them), ordered by file and
/// place so that the first tool to reach a function does not depend on thread count.
pub(super) fn handlers(project: &Project) -> Vec<Root> {
    let mut roots: Vec<(&str, Span, Root)> = Vec::new();
    for (unit, u) in project.units.iter().enumerate() {
        for tool in &u.model.tools {
            for handler in &tool.handlers {
                let target = match handler {
                    HandlerRef::Function(id) => Some(FnRef { unit, func: *id }),
                    HandlerRef::Name(name) => project.resolve_callee(unit, MODULE, name),
                };
                let Some(target) = target else { continue };
                let reach = Reach {
                    tool: tool.name.clone(),
                    kind: tool.kind,
                };
                for decorator in &project.function(target).decorators {
                    if let Some(wrapper) = project.resolve_callee(target.unit, MODULE, decorator) {
                        if wrapper != target {
                            let root = Root {
                                target: wrapper,
                                reach: reach.clone(),
                                wrapper: true,
                            };
                            roots.push((&u.file.display, tool.span, root));
                        }
                    }
                }
                let root = Root {
                    target,
                    reach,
                    wrapper: false,
                };
                roots.push((&u.file.display, tool.span, root));
            }
        }
    }
    roots.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    roots.into_iter().map(|(_, _, root)| root).collect()
}
