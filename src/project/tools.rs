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

mod classes;
mod constructed;
mod definitions;
mod mounts;
mod registrars;
mod sdk;
mod tables;
mod taught;
mod wrappers;

use super::{FnRef, Project, Reach};
use crate::knowledge::Knowledge;
use crate::model::{Language, MODULE, Model, Span};

pub use classes::apply_classes;
pub use constructed::apply_constructed;
pub use definitions::apply_definitions;
pub use mounts::apply_mounts;
pub use registrars::{Wrappers, apply_registrars};
pub use tables::apply_tables;

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
                let targets = project.handler_refs(unit, tool.span, handler);
                if targets.is_empty() {
                    continue;
                }
                let reach = Reach {
                    tool: tool.name.clone(),
                    kind: tool.kind,
                };
                // The functions a registrar wraps the handler in (`registrars`).
                for &wrapper in project
                    .wrappers
                    .get(&(unit, tool.span))
                    .into_iter()
                    .flatten()
                {
                    let root = Root {
                        target: wrapper,
                        reach: reach.clone(),
                        wrapper: true,
                    };
                    roots.push((&u.file.display, tool.span, root));
                }
                for target in targets {
                    for decorator in &project.function(target).decorators {
                        if let Some(wrapper) =
                            project.resolve_callee(target.unit, MODULE, decorator)
                        {
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
                        reach: reach.clone(),
                        wrapper: false,
                    };
                    roots.push((&u.file.display, tool.span, root));
                }
            }
        }
    }
    roots.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    roots.into_iter().map(|(_, _, root)| root).collect()
}

#[cfg(test)]
mod tests {
    use super::recognise;
    use crate::knowledge::Knowledge;
    use crate::model::{HandlerRef, Language, Model, ToolForm};

    fn tools(language: Language, source: &str) -> Model {
        let mut model = crate::lang::lower_source(language, source.as_bytes()).unwrap();
        recognise(&mut model, language, &Knowledge::builtin());
        model
    }

    #[test]
    fn a_tool_is_named_by_a_string_constant_bound_before_its_registration() {
        let source = "server.tool(NAME, \"d\", {}, async () => 1);\n\
                      const NAME = \"late\";\n\
                      server.tool(NAME, \"d\", {}, async () => 2);\n";
        let model = tools(Language::TypeScript, source);
        let names: Vec<&str> = model.tools.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["NAME", "late"]);
    }

    #[test]
    fn a_wrapped_handler_brings_the_wrapper_its_names_and_its_functions() {
        let source = "server.registerTool(\"t\", {}, wrap(handleT, async () => 1));\n";
        let model = tools(Language::TypeScript, source);
        let names: Vec<String> = model.tools[0]
            .handlers
            .iter()
            .map(|h| match h {
                HandlerRef::Name(n) => n.clone(),
                HandlerRef::Elsewhere { func, .. } => format!("@{func}"),
                HandlerRef::Function(id) => format!("#{id}"),
            })
            .collect();
        assert_eq!(names, ["wrap", "handleT", "#1"]);
    }

    #[test]
    fn python_decorators_and_calls_register_from_the_model() {
        let source = "mcp = FastMCP('x')\n\n@mcp.tool(name=\"renamed\")\ndef f(a):\n    return a\n\n\
                      @server.call_tool()\nasync def dispatch(name, args):\n    return []\n\n\
                      mcp.add_tool(g, name=\"g2\")\n";
        let model = tools(Language::Python, source);
        let found: Vec<(&str, ToolForm)> = model
            .tools
            .iter()
            .map(|t| (t.name.as_str(), t.form))
            .collect();
        assert!(found.contains(&("renamed", ToolForm::Decorator)));
        assert!(found.contains(&("call_tool", ToolForm::Dispatcher)));
        assert!(found.contains(&("g2", ToolForm::AddTool)));
        // The decorator's span starts at its `@`.
        let decorated = model.tools.iter().find(|t| t.name == "renamed").unwrap();
        assert_eq!(&source[decorated.span.start as usize..][..1], "@");
    }
}
