//! SEC001 fail-open-auth: a `catch` / `except` around an auth call whose error path grants
//! access. Documentation: `rules/SEC001.toml`.

use super::{Context, Rule};
use crate::finding::{Finding, Label};
use crate::model::*;
use crate::project::FnRef;

pub struct FailOpenAuth;

/// Why a try region decides access.
struct AuthContext<'m> {
    /// The auth call the try protects, and how to name it (`jwt.verify`, or
    /// `checkSession` (which calls `jwt.verify`)).
    call: Option<(&'m Call, String)>,
    /// The enclosing function is named like an access check (`isAuthorized`).
    named: Option<&'m Function>,
}

impl Rule for FailOpenAuth {
    fn check(&self, cx: &Context, unit: usize, out: &mut Vec<Finding>) {
        let model = &cx.project.units[unit].model;
        let python = cx.project.units[unit].file.language == Language::Python;
        for t in &model.tries {
            let Some(auth) = auth_context(cx, unit, t) else {
                continue;
            };
            for handler in &t.handlers {
                check_handler(t, handler, &auth, python, unit, out);
            }
        }
    }
}

fn auth_context<'m>(cx: &Context<'m>, unit: usize, t: &Try) -> Option<AuthContext<'m>> {
    let model = &cx.project.units[unit].model;
    let call = cx
        .project
        .calls_within(unit, t.func, t.body)
        .into_iter()
        .find_map(|c| {
            if cx.knowledge.auth_calls.matches(&c.callee).is_some() {
                return Some((c, format!("`{}`", c.callee)));
            }
            // One hop: a function of ours that makes the auth call itself.
            let target: FnRef = cx.project.resolve_call(unit, c)?;
            let inner = cx.project.auth_call_of(target)?;
            Some((c, format!("`{}` (which calls `{inner}`)", c.callee)))
        });
    let function = model.function(t.func);
    let named = function
        .name
        .as_deref()
        .filter(|n| cx.knowledge.auth_calls.matches(n).is_some())
        .map(|_| function);
    (call.is_some() || named.is_some()).then_some(AuthContext { call, named })
}

fn check_handler(
    t: &Try,
    handler: &Handler,
    auth: &AuthContext,
    python: bool,
    unit: usize,
    out: &mut Vec<Finding>,
) {
    let clause = match (t.kind, python) {
        (TryKind::PromiseCatch, _) => "`.catch` handler",
        (_, true) => "`except`",
        (_, false) => "`catch`",
    };
    let around = match (&auth.call, auth.named) {
        (Some((_, name)), _) => format!("around {name}"),
        (None, Some(f)) => format!("in `{}`, which decides access,", f.display_name()),
        (None, None) => return,
    };
    let mut flag = |span: Span, label: &str, what: String| {
        let mut labels = Vec::new();
        if let Some((call, _)) = &auth.call {
            labels.push(Label {
                span: call.span,
                text: "auth call whose failure is caught".into(),
            });
        } else if let Some(f) = auth.named {
            labels.push(Label {
                span: f.name_span,
                text: "named as an access check".into(),
            });
        }
        out.push(Finding {
            unit,
            span,
            label: label.into(),
            message: format!("{clause} {around} {what}: an error grants access"),
            labels,
            function: Some(t.func),
            ..Finding::default()
        });
    };
    for exit in &handler.exits {
        match &exit.kind {
            ExitKind::Return(Value::True) => {
                flag(exit.span, "grants access on error", "returns `true`".into())
            }
            ExitKind::Return(Value::Allow) => flag(
                exit.span,
                "grants access on error",
                "returns an allow decision".into(),
            ),
            ExitKind::CallsNext if auth.call.is_some() => flag(
                exit.span,
                "passes the request on",
                "calls `next()` with no error".into(),
            ),
            ExitKind::Assigns {
                target,
                value: Value::True | Value::Allow,
            } if auth.call.is_some() => flag(
                exit.span,
                "access flag set on error",
                format!("sets `{target}` to true"),
            ),
            ExitKind::Assigns {
                target,
                value: Value::Literal,
            } => {
                let held_result = auth
                    .call
                    .as_ref()
                    .is_some_and(|(c, _)| c.assigned_to.as_deref() == Some(target.as_str()));
                if held_result {
                    flag(
                        exit.span,
                        "fallback identity",
                        format!("gives `{target}` a fallback identity instead of denying"),
                    );
                }
            }
            _ => {}
        }
    }
    // Swallowed: the auth call was made only for its exception, and the handler lets
    // control continue to the protected action.
    let swallowed = t.kind == TryKind::Statement
        && handler.exits.is_empty()
        && handler.falls_through
        && handler.only_logs
        && auth.call.as_ref().is_some_and(|(c, _)| !c.result_used);
    if swallowed {
        flag(
            handler.span,
            "error swallowed",
            "only logs the error, so control falls through to the protected action".into(),
        );
    }
}
