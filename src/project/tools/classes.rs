//! Tool classes: a dispatcher that calls one method on whatever handler object it looks up
//! (`tool_handlers[name].run_tool(args)`) serves every project class that overrides that method
//! of its base, each a tool named by the name its constructor hands the base
//! (`super().__init__("obsidian_search")`).

use std::collections::HashSet;

use super::super::Project;
use crate::model::{ArgValue, HandlerRef, ToolForm, ToolKind, ToolRegistration};

/// The tools of the classes the project's dispatchers call a method of.
pub fn apply_classes(project: &mut Project) {
    let mut methods: HashSet<String> = HashSet::new();
    for (unit, u) in project.units.iter().enumerate() {
        for tool in u
            .model
            .tools
            .iter()
            .filter(|t| t.kind == ToolKind::Dispatcher)
        {
            for handler in &tool.handlers {
                for target in project.handler_refs(unit, tool.span, handler) {
                    let model = &project.units[target.unit].model;
                    for call in model.calls_in(target.func) {
                        let Some(receiver) = call.receiver() else {
                            continue;
                        };
                        if matches!(receiver, "this" | "self") || receiver.contains('(') {
                            continue;
                        }
                        methods.insert(call.method().to_string());
                    }
                }
            }
        }
    }
    if methods.is_empty() {
        return;
    }
    let mut added: Vec<(usize, ToolRegistration)> = Vec::new();
    for (unit, u) in project.units.iter().enumerate() {
        let model = &u.model;
        for class in &model.class_bases {
            let Some(base) = class.bases.first() else {
                continue;
            };
            let Some((base_unit, base_class)) = project.class_named(unit, base) else {
                continue;
            };
            let own = |name: &str| {
                (1..model.functions.len()).find(|&f| {
                    let f = &model.functions[f];
                    f.owner.as_deref() == Some(class.name.as_str())
                        && f.name.as_deref() == Some(name)
                })
            };
            for method in &methods {
                let Some(handler) = own(method) else { continue };
                if project.method(base_unit, &base_class, method).is_none() {
                    continue;
                }
                // The name the constructor hands its base: `super().__init__("x")`, `super("x")`.
                let Some(constructor) = own("__init__").or_else(|| own("constructor")) else {
                    continue;
                };
                let name = model.calls_in(constructor).find_map(|c| {
                    if !matches!(c.callee.as_str(), "super().__init__" | "super") {
                        return None;
                    }
                    match &c.args.first()?.value {
                        ArgValue::Str(s) if !s.is_empty() => Some(s.clone()),
                        ArgValue::Name(n) => model
                            .string_constants
                            .iter()
                            .rev()
                            .find(|k| k.name == *n)
                            .map(|k| k.value.clone()),
                        _ => None,
                    }
                });
                let Some(name) = name else { continue };
                let tool = ToolRegistration {
                    kind: ToolKind::Single,
                    form: ToolForm::Registrar,
                    name,
                    span: model.functions[handler].name_span,
                    handlers: vec![HandlerRef::Function(handler)],
                    description: None,
                };
                added.push((unit, tool));
            }
        }
    }
    for (unit, tool) in added {
        project.units[unit].model.tools.push(tool);
    }
}
