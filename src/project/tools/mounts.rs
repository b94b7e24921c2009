//! FastMCP's mounts: a server mounted on another under a namespace serves its tools renamed.

use std::collections::HashMap;

use super::super::Unit;
use crate::knowledge::ToolForms;
use crate::model::{ArgValue, HandlerRef, ToolForm};

/// FastMCP's mount namespaces: `main.mount(jira_mcp, namespace="jira")` (also `prefix=`, and
/// the older `main.mount("jira", jira_mcp)`) serves every tool of `jira_mcp` as `jira_<name>`.
/// The mounted server is matched by its name, followed through one import (`from .jira
/// import jira_mcp as jira`); the tools renamed are those its `@jira_mcp.tool()` decorates.
pub fn apply_mounts(units: &mut [Unit], forms: &ToolForms) {
    let mut prefixes: HashMap<String, String> = HashMap::new();
    for u in units.iter() {
        let model = &u.model;
        for call in &model.calls {
            if !ToolForms::has(&forms.mount_methods, call.method()) || call.args.len() > 3 {
                continue;
            }
            let mut server = None;
            let mut prefix = None;
            for arg in &call.args {
                let keyword = |list: &[String]| {
                    arg.keyword
                        .as_deref()
                        .is_none_or(|k| ToolForms::has(list, k))
                };
                match &arg.value {
                    ArgValue::Str(s) if keyword(&forms.mount_prefix_keywords) => prefix = Some(s),
                    ArgValue::Name(n) if keyword(&forms.mount_server_keywords) => server = Some(n),
                    _ => {}
                }
            }
            let (Some(server), Some(prefix)) = (server, prefix) else {
                continue;
            };
            if prefix.is_empty() || prefix.contains(['/', ':', '.']) {
                continue;
            }
            let local = server.rsplit('.').next().unwrap_or(server);
            let original = model
                .imports
                .iter()
                .find(|i| i.local == local)
                .and_then(|i| i.imported.clone())
                .unwrap_or_else(|| local.to_string());
            prefixes.insert(original, prefix.clone());
        }
    }
    if prefixes.is_empty() {
        return;
    }
    for u in units.iter_mut() {
        let model = &mut u.model;
        for tool in &mut model.tools {
            if tool.form != ToolForm::Decorator {
                continue;
            }
            let Some(HandlerRef::Function(id)) = tool.handlers.first() else {
                continue;
            };
            let prefix = model.functions[*id].decorators.iter().find_map(|d| {
                let (receiver, method) = d.rsplit_once('.')?;
                ToolForms::has(&forms.decorators, method).then(|| prefixes.get(receiver))?
            });
            if let Some(prefix) = prefix {
                let renamed = format!("{prefix}_{}", tool.name);
                for declaration in &mut model.tool_declarations {
                    if declaration.name == tool.name && tool.span.contains(declaration.span) {
                        declaration.name = renamed.clone();
                    }
                }
                tool.name = renamed;
            }
        }
    }
}
