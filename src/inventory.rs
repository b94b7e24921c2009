//! `faultline tools`: the tool inventory in text and JSON, with positions as people count them.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use crate::knowledge::Knowledge;
use crate::locate::{LineIndex, source_text};
use crate::model::Span;
use crate::project::{Project, Timeout};

/// A place: `file:line`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    pub file: String,
    pub line: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: String,
    pub file: String,
    pub line: usize,
    /// How the tool is registered (`server-tool`, `decorator`, `declared`, ...).
    pub form: &'static str,
    pub handlers: Vec<Handler>,
    pub external_calls: Vec<ExternalCall>,
    pub gates: Vec<Gate>,
    pub error_exits: Vec<ErrorExit>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Handler {
    pub name: String,
    #[serde(flatten)]
    pub at: Place,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExternalCall {
    pub callee: String,
    pub library: String,
    /// `set`, `library-default`, `none`, `unknown`, `unchecked`.
    pub timeout: &'static str,
    /// How it is set, or the library's default in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_detail: Option<String>,
    pub breaker: bool,
    #[serde(flatten)]
    pub at: Place,
}

#[derive(Debug, Clone, Serialize)]
pub struct Gate {
    pub callee: String,
    #[serde(flatten)]
    pub at: Place,
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorExit {
    pub text: String,
    #[serde(flatten)]
    pub at: Place,
}

/// The inventory of the first `reported` units of a linked project.
pub fn build(project: &Project, knowledge: &Knowledge, reported: usize) -> Vec<Tool> {
    let mut texts: HashMap<usize, Option<Arc<str>>> = HashMap::new();
    let mut place = |unit: usize, span: Span| -> Place {
        let file = &project.units[unit].file;
        let text = texts
            .entry(unit)
            .or_insert_with(|| source_text(file).ok())
            .clone();
        let line = text
            .map(|t| LineIndex::new(&t).line_of(span.start as usize) + 1)
            .unwrap_or(0);
        Place {
            file: file.display.clone(),
            line,
        }
    };
    let mut out = Vec::new();
    for tool in project.inventory(knowledge, reported) {
        let at = place(tool.unit, tool.span);
        let handlers = tool
            .handlers
            .iter()
            .map(|h| Handler {
                name: project.function(*h).display_name(),
                at: place(h.unit, project.function(*h).name_span),
            })
            .collect();
        let mut external_calls: Vec<ExternalCall> = tool
            .external
            .iter()
            .map(|e| {
                let (timeout, timeout_detail) = match &e.timeout {
                    Timeout::Set(how) => ("set", Some(how.clone())),
                    Timeout::Default(seconds) => ("library-default", Some(format!("{seconds}s"))),
                    Timeout::Missing => ("none", None),
                    Timeout::Unknown => ("unknown", None),
                    Timeout::Unchecked => ("unchecked", None),
                };
                ExternalCall {
                    callee: e.callee.clone(),
                    library: e.library.clone(),
                    timeout,
                    timeout_detail,
                    breaker: e.breaker,
                    at: place(e.unit, e.span),
                }
            })
            .collect();
        external_calls.sort_by(|a, b| (&a.at, &a.callee).cmp(&(&b.at, &b.callee)));
        let mut gates: Vec<Gate> = tool
            .gates
            .iter()
            .map(|(unit, span, callee)| Gate {
                callee: callee.clone(),
                at: place(*unit, *span),
            })
            .collect();
        gates.sort_by(|a, b| (&a.at, &a.callee).cmp(&(&b.at, &b.callee)));
        let mut error_exits: Vec<ErrorExit> = tool
            .leaks
            .iter()
            .map(|(unit, span, text)| ErrorExit {
                text: text.clone(),
                at: place(*unit, *span),
            })
            .collect();
        error_exits.sort_by(|a, b| (&a.at, &a.text).cmp(&(&b.at, &b.text)));
        error_exits.dedup_by(|a, b| a.at == b.at && a.text == b.text);
        out.push(Tool {
            name: tool.name,
            file: at.file,
            line: at.line,
            form: tool.form.as_str(),
            handlers,
            external_calls,
            gates,
            error_exits,
        });
    }
    out
}

/// `{"tools": [...]}`.
pub fn render_json(tools: &[Tool]) -> String {
    #[derive(Serialize)]
    struct Out<'a> {
        tools: &'a [Tool],
    }
    let mut text = serde_json::to_string_pretty(&Out { tools }).unwrap_or_default();
    text.push('\n');
    text
}

/// One block per tool: its name, place and form, then what it reaches.
pub fn render_text(tools: &[Tool]) -> String {
    let mut out = String::new();
    let v = |s: &str| crate::escape::visible(s).into_owned();
    for tool in tools {
        out.push_str(&format!(
            "{}  {}:{}  ({})\n",
            v(&tool.name),
            v(&tool.file),
            tool.line,
            tool.form
        ));
        for h in &tool.handlers {
            out.push_str(&format!(
                "  handler  {}  {}:{}\n",
                v(&h.name),
                v(&h.at.file),
                h.at.line
            ));
        }
        for e in &tool.external_calls {
            let timeout = match &e.timeout_detail {
                Some(detail) => format!("{} ({})", e.timeout, v(detail)),
                None => e.timeout.to_string(),
            };
            out.push_str(&format!(
                "  calls    {} [{}] timeout: {timeout}, breaker: {}  {}:{}\n",
                v(&e.callee),
                e.library,
                if e.breaker { "yes" } else { "no" },
                v(&e.at.file),
                e.at.line
            ));
        }
        for g in &tool.gates {
            out.push_str(&format!(
                "  gate     {}  {}:{}\n",
                v(&g.callee),
                v(&g.at.file),
                g.at.line
            ));
        }
        for x in &tool.error_exits {
            out.push_str(&format!(
                "  leaks    {}  {}:{}\n",
                v(&x.text),
                v(&x.at.file),
                x.at.line
            ));
        }
    }
    let count = tools.iter().filter(|t| t.form != "dispatcher").count();
    out.push_str(&format!(
        "{count} tool{}\n",
        if count == 1 { "" } else { "s" }
    ));
    out
}
