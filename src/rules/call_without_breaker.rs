//! REL001 call-without-breaker: code a tool handler reaches makes an external call that no
//! circuit breaker guards. Documentation: `rules/REL001.toml`.

use super::{Context, Rule, tool_phrase};
use crate::finding::Finding;

pub struct CallWithoutBreaker;

impl Rule for CallWithoutBreaker {
    fn check(&self, cx: &Context, unit: usize, out: &mut Vec<Finding>) {
        let project = cx.project;
        let model = &project.units[unit].model;
        let breakers = &cx.knowledge.breakers;
        for external in project.external_calls(unit) {
            let call = &model.calls[external.call];
            // Reached on a path where no breaker wraps a function on the way.
            let Some(reach) = project.reach_without_breaker(unit, call.func) else {
                continue;
            };
            // Inside `breaker.fire(() => ...)`, `policy.execute(...)`, `with b.calling():`.
            if project.call_cover(unit, external.call).breaker {
                continue;
            }
            // A client the configuration names as guarded (`[vocabulary] breakers`).
            let guarded_client = [external.client.as_deref(), call.receiver()]
                .into_iter()
                .flatten()
                .any(|name| {
                    breakers.guard_calls.matches(name).is_some()
                        || breakers.guard_decorators.matches(name).is_some()
                });
            if guarded_client {
                continue;
            }
            let library = &cx.knowledge.external_calls.libraries[external.library];
            out.push(Finding {
                unit,
                span: call.span,
                label: format!("{} call with no circuit breaker", library.name),
                message: format!(
                    "`{}` reached from {} has no circuit breaker",
                    call.callee,
                    tool_phrase(reach)
                ),
                labels: Vec::new(),
                function: Some(call.func),
                ..Finding::default()
            });
        }
    }
}
