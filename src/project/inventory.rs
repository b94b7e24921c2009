//! The inventory of tools `faultline tools` prints: every tool the link stage sees, where and
//! how it is registered, its handlers, and what each reaches (external calls, gates, exits
//! that carry error text). Read from the same registrations and call graph the rules read.

use std::collections::HashSet;

use super::external::Timeout;
use super::{FnRef, Project};
use crate::knowledge::Knowledge;
use crate::model::*;

/// One tool as the link stage sees it.
#[derive(Debug, Clone)]
pub struct InventoryTool {
    pub name: String,
    pub unit: usize,
    /// Where the tool's name is bound to its handler.
    pub span: Span,
    pub form: ToolForm,
    pub kind: ToolKind,
    pub handlers: Vec<FnRef>,
    pub external: Vec<ReachedCall>,
    /// Auth calls on the tool's path (`unit`, call index, callee).
    pub gates: Vec<(usize, Span, String)>,
    /// Returns and throws on the tool's path that carry error text.
    pub leaks: Vec<(usize, Span, String)>,
}

/// An external call a tool reaches.
#[derive(Debug, Clone)]
pub struct ReachedCall {
    pub unit: usize,
    pub span: Span,
    pub callee: String,
    pub library: String,
    pub timeout: Timeout,
    /// A circuit breaker covers the call, around it or around its function.
    pub breaker: bool,
}

/// Functions one tool may reach at most: a bound on the per-tool walk.
const MAX_REACHED: usize = 20_000;

impl Project {
    /// Every tool of the project, in file and place order. A dispatcher (`CallTool`) stands
    /// for the tools declared in lists it serves; when no tool is declared, it is listed itself.
    /// Only the first `reported` units (the files named or walked, not context files) and only
    /// production code count.
    pub fn inventory(&self, knowledge: &Knowledge, reported: usize) -> Vec<InventoryTool> {
        let counted = |unit: usize| {
            unit < reported && self.units[unit].file.surface == crate::discover::Surface::Production
        };
        let mut out = Vec::new();
        let registered: HashSet<&str> = self
            .units
            .iter()
            .enumerate()
            .filter(|(unit, _)| counted(*unit))
            .flat_map(|(_, u)| &u.model.tools)
            .filter(|t| t.kind == ToolKind::Single)
            .map(|t| t.name.as_str())
            .collect();
        let mut dispatchers: Vec<Vec<FnRef>> = Vec::new();
        for (unit, u) in self.units.iter().enumerate() {
            if !counted(unit) {
                continue;
            }
            for tool in &u.model.tools {
                let handlers: Vec<FnRef> = tool
                    .handlers
                    .iter()
                    .flat_map(|h| self.handler_refs(unit, tool.span, h))
                    .collect();
                if tool.kind == ToolKind::Dispatcher {
                    dispatchers.push(handlers.clone());
                }
                out.push(self.entry(
                    knowledge,
                    tool.name.clone(),
                    unit,
                    tool.span,
                    tool.form,
                    tool.kind,
                    handlers,
                ));
            }
        }
        // Tools declared in lists and served by a dispatcher.
        let mut declared = Vec::new();
        let mut seen: HashSet<&str> = HashSet::new();
        let dispatcher_handlers: Vec<FnRef> = dispatchers.concat();
        for (unit, u) in self.units.iter().enumerate() {
            if !counted(unit) {
                continue;
            }
            for d in &u.model.tool_declarations {
                if registered.contains(d.name.as_str()) || !seen.insert(d.name.as_str()) {
                    continue;
                }
                declared.push((d.name.clone(), unit, d.span));
            }
        }
        if !declared.is_empty() && !dispatchers.is_empty() {
            out.retain(|t| t.kind != ToolKind::Dispatcher || t.handlers.is_empty());
            for (name, unit, span) in declared {
                out.push(self.entry(
                    knowledge,
                    name,
                    unit,
                    span,
                    ToolForm::Declared,
                    ToolKind::Dispatcher,
                    dispatcher_handlers.clone(),
                ));
            }
        }
        out.sort_by(|a, b| {
            (&self.units[a.unit].file.display, a.span, &a.name).cmp(&(
                &self.units[b.unit].file.display,
                b.span,
                &b.name,
            ))
        });
        out
    }

    /// The functions a tool handler of `unit` registered at `span` runs: the function it names,
    /// resolved from the scope of the registration (a local of a loop over tool definitions),
    /// through tables and the project functions that wrap handlers (`handler_targets`).
    pub(crate) fn handler_refs(&self, unit: usize, span: Span, handler: &HandlerRef) -> Vec<FnRef> {
        match handler {
            HandlerRef::Function(id) => vec![FnRef { unit, func: *id }],
            HandlerRef::Name(name) => {
                let scope = innermost_function(&self.units[unit].model, span);
                self.handler_targets(unit, scope, name, 0)
            }
            HandlerRef::Elsewhere { unit, func } => vec![FnRef {
                unit: *unit,
                func: *func,
            }],
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn entry(
        &self,
        knowledge: &Knowledge,
        name: String,
        unit: usize,
        span: Span,
        form: ToolForm,
        kind: ToolKind,
        handlers: Vec<FnRef>,
    ) -> InventoryTool {
        let mut roots = handlers.clone();
        for h in &handlers {
            for decorator in &self.function(*h).decorators {
                if let Some(wrapper) = self.resolve_callee(h.unit, MODULE, decorator) {
                    roots.push(wrapper);
                }
            }
        }
        let reached = self.graph.reachable(&roots, MAX_REACHED);
        let reached_set: HashSet<FnRef> = reached.iter().copied().collect();
        let mut external = Vec::new();
        let mut gates = Vec::new();
        let mut leaks = Vec::new();
        let mut units: Vec<usize> = reached.iter().map(|f| f.unit).collect();
        units.sort_unstable();
        units.dedup();
        for u in units {
            let model = &self.units[u].model;
            for e in self.external_calls(u) {
                let call = &model.calls[e.call];
                if !reached_set.contains(&FnRef {
                    unit: u,
                    func: call.func,
                }) {
                    continue;
                }
                let breaker = self.external.call_cover[u][e.call].breaker
                    || self.external.fn_cover[u][call.func].breaker;
                external.push(ReachedCall {
                    unit: u,
                    span: call.span,
                    callee: call.callee.clone(),
                    library: knowledge.external_calls.libraries[e.library].name.clone(),
                    timeout: e.timeout.clone(),
                    breaker,
                });
            }
            for call in &model.calls {
                let here = FnRef {
                    unit: u,
                    func: call.func,
                };
                if reached_set.contains(&here)
                    && knowledge.auth_calls.matches(&call.callee).is_some()
                {
                    gates.push((u, call.span, call.callee.clone()));
                }
            }
            for exit in &model.exits {
                let here = FnRef {
                    unit: u,
                    func: exit.func,
                };
                if reached_set.contains(&here) {
                    for leak in &exit.leaks {
                        leaks.push((u, leak.span, leak.text.clone()));
                    }
                }
            }
        }
        InventoryTool {
            name,
            unit,
            span,
            form,
            kind,
            handlers,
            external,
            gates,
            leaks,
        }
    }
}

/// The innermost function whose body holds `span` (the module when none does).
fn innermost_function(model: &Model, span: Span) -> FnId {
    model
        .functions
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, f)| f.span.contains(span) && f.span != span)
        .min_by_key(|(_, f)| f.span.end - f.span.start)
        .map_or(MODULE, |(id, _)| id)
}
