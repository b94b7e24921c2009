//! SEC005 truthy-auth-decision: a condition tests the raw result of an auth call for
//! truthiness, directly or through a variable that is never used any other way.
//! Documentation: `rules/SEC005.toml`.

use super::{Context, Rule};
use crate::finding::{Finding, Label};
use crate::model::*;
use crate::project::FnRef;

pub struct TruthyAuthDecision;

impl Rule for TruthyAuthDecision {
    fn check(&self, cx: &Context, unit: usize, out: &mut Vec<Finding>) {
        let model = &cx.project.units[unit].model;
        let python = cx.project.units[unit].file.language == Language::Python;
        tested_parameters(cx, unit, python, out);
        for call in &model.calls {
            let Some(pattern) = cx.knowledge.auth_calls.matches(&call.callee) else {
                continue;
            };
            if boolean_by_convention(&call.callee) || returns_booleans(cx, unit, call) {
                continue;
            }
            let matched = if pattern.eq_ignore_ascii_case(&call.callee) {
                String::new()
            } else {
                format!(" (matched auth pattern `{pattern}`)")
            };
            // `if (await authz.check(...))`
            if let Some(condition) = model
                .conditions
                .iter()
                .find(|c| c.is_call && c.func == call.func && c.span == call.span)
            {
                out.push(Finding {
                    unit,
                    span: condition.span,
                    label: "raw auth result tested for truthiness".into(),
                    message: format!(
                        "{} tests the raw result of `{}`{matched} for truthiness: an object, an \
                         error string or a `{{ allowed: false }}` answer would count as allowed",
                        construct(condition.how, python),
                        call.callee
                    ),
                    labels: Vec::new(),
                    function: Some(call.func),
                    ..Finding::default()
                });
                continue;
            }
            // `const ok = await verify(t); if (!ok) ...`, with `ok` used for nothing else.
            let Some(name) = &call.assigned_to else {
                continue;
            };
            let tests: Vec<&Condition> = model
                .conditions
                .iter()
                .filter(|c| c.func == call.func && c.name.as_deref() == Some(name.as_str()))
                .collect();
            let reads = model
                .result_reads
                .iter()
                .find(|r| r.func == call.func && &r.name == name)
                .map_or(0, |r| r.reads as usize);
            let Some(first) = tests.iter().find(|c| c.span.start >= call.span.end) else {
                continue;
            };
            if reads != tests.len() {
                continue;
            }
            out.push(Finding {
                unit,
                span: first.span,
                label: format!("`{name}` tested for truthiness"),
                message: format!(
                    "{} tests `{name}`, the raw result of `{}`{matched}, for truthiness and never \
                     compares it: an object, an error string or a `{{ allowed: false }}` answer \
                     would count as allowed",
                    construct(first.how, python),
                    call.callee
                ),
                labels: vec![Label {
                    span: call.span,
                    text: "auth call whose result is held here".into(),
                }],
                function: Some(call.func),
                ..Finding::default()
            });
        }
    }
}

/// A function of this file tests a parameter for truthiness (`if (!auth) throw ...`) that is
/// given the raw result of an auth call (`requireAuthenticated(await authenticate(req))`, as
/// the link stage records it): one finding per condition, however many calls give it.
fn tested_parameters(cx: &Context, unit: usize, python: bool, out: &mut Vec<Finding>) {
    let model = &cx.project.units[unit].model;
    let mut seen: Vec<Span> = Vec::new();
    for func in 0..model.functions.len() {
        let received = cx.project.raw_arguments(FnRef { unit, func });
        for arg in received {
            let call = &cx.project.units[arg.unit].model.calls[arg.call];
            let Some(pattern) = cx.knowledge.auth_calls.matches(&call.callee) else {
                continue;
            };
            if boolean_by_convention(&call.callee) || returns_booleans(cx, arg.unit, call) {
                continue;
            }
            let Some(condition) = model
                .conditions
                .iter()
                .find(|c| c.func == func && c.name.as_deref() == Some(arg.param.as_str()))
            else {
                continue;
            };
            if seen.contains(&condition.span) {
                continue;
            }
            seen.push(condition.span);
            let matched = if pattern.eq_ignore_ascii_case(&call.callee) {
                String::new()
            } else {
                format!(" (matched auth pattern `{pattern}`)")
            };
            let helper = model.function(func).display_name();
            out.push(Finding {
                unit,
                span: condition.span,
                label: format!("`{}` tested for truthiness", arg.param),
                message: format!(
                    "{} in `{helper}` tests `{}`, the raw result of `{}`{matched} passed to it, \
                     for truthiness: an object, an error string or a `{{ allowed: false }}` \
                     answer would count as allowed",
                    construct(condition.how, python),
                    arg.param,
                    call.callee
                ),
                labels: Vec::new(),
                function: Some(func),
                ..Finding::default()
            });
        }
    }
}

fn construct(how: TestedBy, python: bool) -> &'static str {
    match (how, python) {
        (TestedBy::If, _) => "a condition",
        (TestedBy::Ternary, _) => "a conditional expression",
        (TestedBy::Not, false) => "`!`",
        (TestedBy::Not, true) => "`not`",
        (TestedBy::And, false) => "`&&`",
        (TestedBy::And, true) => "`and`",
        (TestedBy::Or, false) => "`||`",
        (TestedBy::Or, true) => "`or`",
    }
}

/// Auth calls whose result is a boolean by convention or by contract, or is not a decision:
/// predicates named `is*` / `has*` / `can*`, secret comparisons (`bcrypt.compare`,
/// `timingSafeEqual`, `compare_digest`, `verify_password`, signature and OTP checks), JWT
/// libraries that throw instead of returning a falsy value, and getters (`getApiKey`,
/// `loadApiKey`) whose truthiness test is a presence check.
fn boolean_by_convention(callee: &str) -> bool {
    let method = callee
        .rsplit('.')
        .next()
        .unwrap_or(callee)
        .trim_start_matches(['_', '#', '$']);
    let receiver = callee.rsplit_once('.').map_or("", |(r, _)| r);
    let words = |s: &str| crate::knowledge::normalize(s);
    let starts_word = |prefix: &str| {
        super::starts_with_ignore_case(method, prefix)
            // An ASCII prefix matched byte for byte ends on a character boundary.
            && method[prefix.len()..]
                .chars()
                .next()
                .is_none_or(|c| c.is_ascii_uppercase() || c == '_')
    };
    let predicate = ["is", "has", "can", "should", "may"]
        .iter()
        .any(|p| starts_word(p));
    let getter = [
        "get", "load", "read", "fetch", "find", "lookup", "resolve", "parse", "extract", "decode",
        "create", "generate", "issue", "sign", "set", "save", "store", "rotate", "revoke", "mask",
        "redact", "format", "list", "refresh", "new", "make", "build", "init",
    ]
    .iter()
    .any(|p| starts_word(p));
    let name = words(method);
    let secret_comparison = [
        "password",
        "passwd",
        "signature",
        "hmac",
        "digest",
        "hash",
        "otp",
    ]
    .iter()
    .any(|w| name.contains(w))
        || matches!(name.as_str(), "timingsafeequal" | "comparedigest");
    let receiver_words = words(receiver);
    let hashing_library = [
        "bcrypt", "argon", "hash", "pwd", "passlib", "crypt", "password",
    ]
    .iter()
    .any(|w| receiver_words.contains(w));
    let throws_instead = matches!(
        callee,
        "jwt.verify" | "jwt.decode" | "jose.jwtVerify" | "jwtVerify" | "jsonwebtoken.verify"
    ) || receiver_words.ends_with("jwt")
        && matches!(method, "verify" | "decode");
    predicate || getter || secret_comparison || hashing_library || throws_instead
}

/// The called function is in the scanned code and is a boolean: declared so (`-> bool`,
/// `: boolean`, `Promise<boolean>`) or every `return` in it is a literal `true` / `false`, a
/// comparison, a negation, `any(...)`, `compare_digest(...)`, `regex.test(...)`, or `and` /
/// `&&` over one of those. Truthiness is then exact (or is the function's own contract).
///
/// A method called on an attribute the link stage cannot type (`self._registry.authorize`,
/// set from a constructor argument) counts when the project defines methods of that name and
/// every one of them is a boolean; a library or unresolved callee never does.
fn returns_booleans(cx: &Context, unit: usize, call: &Call) -> bool {
    if let Some(target) = cx.project.resolve_call(unit, call) {
        return boolean_function(cx, target);
    }
    let Some(receiver) = call.receiver() else {
        return false;
    };
    let on_attribute = ["self.", "this.", "cls."]
        .iter()
        .any(|p| receiver.starts_with(p));
    if !on_attribute {
        return false;
    }
    let method = call.method().trim_start_matches('#');
    let mut found = false;
    for (u, candidate) in cx.project.units.iter().enumerate() {
        for (func, f) in candidate.model.functions.iter().enumerate() {
            let arity = f
                .params
                .iter()
                .filter(|p| !matches!(p.as_str(), "self" | "cls"))
                .count();
            if f.owner.is_none()
                || f.name.as_deref().map(|n| n.trim_start_matches('#')) != Some(method)
                || arity != call.args.len()
            {
                continue;
            }
            if !boolean_function(cx, FnRef { unit: u, func }) {
                return false;
            }
            found = true;
        }
    }
    found
}

fn boolean_function(cx: &Context, target: FnRef) -> bool {
    let function = cx.project.function(target);
    if function.returns.as_deref().is_some_and(declared_boolean) {
        return true;
    }
    let model = &cx.project.units[target.unit].model;
    let mut returns = model
        .exits
        .iter()
        .filter(|e| e.func == target.func && e.statement == ExitStatement::Return)
        .peekable();
    returns.peek().is_some()
        && returns.all(|e| matches!(e.value, Value::True | Value::False | Value::Boolean))
}

/// `bool`, `boolean`, `Promise<boolean>`, `Awaitable[bool]`, `"bool"`.
fn declared_boolean(annotation: &str) -> bool {
    let mut t = annotation.trim().trim_matches(['"', '\'']).trim();
    loop {
        let inner = ["Promise<", "Awaitable[", "typing.Awaitable["]
            .iter()
            .find_map(|w| t.strip_prefix(w))
            .and_then(|rest| rest.strip_suffix(['>', ']']));
        match inner {
            Some(inner) => t = inner.trim(),
            None => break,
        }
    }
    matches!(t, "bool" | "boolean")
}
