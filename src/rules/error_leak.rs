//! SEC004 error-leak: code a tool handler reaches returns or throws text derived from a caught
//! error, which the SDK hands to the client. Documentation: `rules/SEC004.toml`.

use super::{Context, Rule};
use crate::finding::{Finding, Label, Severity};
use crate::model::*;

pub struct ErrorLeak;

impl Rule for ErrorLeak {
    fn check(&self, cx: &Context, unit: usize, out: &mut Vec<Finding>) {
        let model = &cx.project.units[unit].model;
        for exit in &model.exits {
            let Some(reach) = cx.project.reach(unit, exit.func) else {
                continue;
            };
            // A throw reaches the client only if no try region between it and the tool
            // handler catches it; a caller that catches and returns the text is flagged there.
            if exit.statement == ExitStatement::Throw && !cx.project.escapes(unit, exit.func) {
                continue;
            }
            let mut confirmed: Vec<(&Leak, LeakKind, Option<String>)> = exit
                .leaks
                .iter()
                .filter_map(|leak| confirm(cx, unit, exit, leak))
                .collect();
            // One finding per exit: the worst leak, the first among equals.
            confirmed.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.span.cmp(&b.0.span)));
            let Some((leak, kind, through)) = confirmed.into_iter().next() else {
                continue;
            };
            let what = match kind {
                LeakKind::Stack => "a stack trace",
                LeakKind::Message => "the error's message",
            };
            let verb = match exit.statement {
                ExitStatement::Return => "returns",
                ExitStatement::Throw => "throws",
            };
            let through = through
                .map(|f| format!(" through `{f}`"))
                .unwrap_or_default();
            let tool = match reach.kind {
                ToolKind::Single => format!("tool `{}`", reach.tool),
                ToolKind::Dispatcher => format!("the `{}` handler", reach.tool),
            };
            out.push(Finding {
                // The docs: high for stacks and tracebacks (the default), medium for messages.
                adjust: match kind {
                    LeakKind::Stack => None,
                    LeakKind::Message => Some(Severity::Medium),
                },
                unit,
                span: leak.span,
                label: format!("{what} reaches the client here"),
                message: format!(
                    "{verb} `{}` to the MCP client{through}, exposing {what} (reached from {tool})",
                    leak.text
                ),
                labels: vec![Label {
                    span: leak.source,
                    text: "error caught here".into(),
                }],
                function: Some(exit.func),
                ..Finding::default()
            });
        }
    }
}

/// Whether a leak really carries error text, deciding calls the front end could not see into
/// from the callee's summary. Returns the leak, its kind and the function it passed through.
fn confirm<'m>(
    cx: &Context,
    unit: usize,
    exit: &Exit,
    leak: &'m Leak,
) -> Option<(&'m Leak, LeakKind, Option<String>)> {
    let Some(via) = &leak.via else {
        return Some((leak, leak.kind, None));
    };
    match cx.project.resolve_callee(unit, exit.func, &via.callee) {
        Some(target) => {
            let function = cx.project.function(target);
            let flow = function
                .param_flows
                .iter()
                .filter(|f| f.index == via.arg)
                .filter_map(|f| match f.how {
                    Flow::Raw if via.raw_object => None,
                    Flow::Raw => Some(leak.kind),
                    Flow::Text(kind) => Some(kind.max(leak.kind)),
                })
                .max()?;
            Some((leak, flow, Some(function.display_name())))
        }
        // A call we cannot see into: error text given to it is taken to come back out;
        // the bare error object is not.
        None => (!via.raw_object).then_some((leak, leak.kind, None)),
    }
}
