//! Dispatch tables: a `tools/call` dispatcher that runs a function it looks up by the tool's
//! name (`TOOL_HANDLERS[request.params.name](request)`, in its handler or in a project
//! function the handler calls) serves one tool per key of that table, handled by the function
//! kept there; the table's spreads (`...createMonitorHandlers(api)`) are followed to the
//! objects the factories return. When the project declares its tools in a list, only the
//! declared names are taken from a table. JavaScript and TypeScript.

use std::collections::HashSet;

use super::super::{FnRef, Project};
use super::definitions::is_tool_name;
use crate::model::{HandlerRef, Language, ToolForm, ToolKind, ToolRegistration};

/// Adds the tools of the tables the project's dispatchers run functions from.
pub fn apply_tables(project: &mut Project) {
    let mut starts: Vec<FnRef> = Vec::new();
    for (unit, u) in project.units.iter().enumerate() {
        if u.file.language == Language::Python {
            continue;
        }
        for tool in u
            .model
            .tools
            .iter()
            .filter(|t| t.kind == ToolKind::Dispatcher)
        {
            for handler in &tool.handlers {
                starts.extend(project.handler_refs(unit, tool.span, handler));
            }
        }
    }
    if starts.is_empty() {
        return;
    }
    // The dispatcher's handler and the project functions it calls directly.
    let mut seen: HashSet<FnRef> = HashSet::new();
    let mut functions: Vec<FnRef> = Vec::new();
    for start in starts {
        if seen.insert(start) {
            functions.push(start);
        }
        let model = &project.units[start.unit].model;
        for call in model.calls_in(start.func) {
            if let Some(f) = project.resolve_callee(start.unit, call.func, &call.callee) {
                if seen.insert(f) {
                    functions.push(f);
                }
            }
        }
    }
    let mut taken: HashSet<String> = project
        .units
        .iter()
        .flat_map(|u| &u.model.tools)
        .filter(|t| t.kind == ToolKind::Single)
        .map(|t| t.name.clone())
        .collect();
    // When the dispatcher's tools are declared in a list (`{ name, inputSchema }`), a table
    // serves those names only: another table it runs from is no tool table
    // (`FORMATTERS[format](result)`).
    let declared: HashSet<&str> = project
        .units
        .iter()
        .flat_map(|u| &u.model.tool_declarations)
        .map(|d| d.name.as_str())
        .collect();
    let mut added: Vec<(usize, ToolRegistration)> = Vec::new();
    for f in functions {
        let model = &project.units[f.unit].model;
        for call in model.calls_in(f.func) {
            let Some(table) = call.callee.strip_suffix("[]") else {
                continue;
            };
            for (key, target) in project.table_entries(f.unit, call.func, table) {
                let served = declared.is_empty() || declared.contains(key.as_str());
                if !served || !is_tool_name(&key) || !taken.insert(key.clone()) {
                    continue;
                }
                let function = project.function(target);
                let span = if function.name.is_some() {
                    function.name_span
                } else {
                    function.span
                };
                added.push((
                    target.unit,
                    ToolRegistration {
                        kind: ToolKind::Single,
                        form: ToolForm::DispatchTable,
                        name: key,
                        span,
                        handlers: vec![HandlerRef::Function(target.func)],
                        description: None,
                    },
                ));
            }
        }
    }
    for (unit, tool) in added {
        project.units[unit].model.tools.push(tool);
    }
}
