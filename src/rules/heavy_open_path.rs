//! REL004 heavy-open-path: the code that runs while a breaker is open (its fallback, or the
//! open branch of a breaker class) makes an external call. Documentation: `rules/REL004.toml`.

use std::collections::HashSet;

use super::{Context, Rule};
use crate::finding::Finding;
use crate::model::*;
use crate::project::FnRef;
use crate::project::breakers::*;

pub struct HeavyOpenPath;

impl Rule for HeavyOpenPath {
    fn check(&self, cx: &Context, unit: usize, out: &mut Vec<Finding>) {
        let classes = breaker_classes(cx);
        let sites = breaker_sites(cx, unit);
        let mut flagged: HashSet<Span> = HashSet::new();
        let mut report = |call: &Call, through: Option<String>, place: String| {
            if !flagged.insert(call.span) {
                return;
            }
            let what = match through {
                Some(inner) => format!("`{}(...)` (which calls `{inner}`)", call.callee),
                None => format!("`{}`", call.callee),
            };
            out.push(Finding {
                unit,
                span: call.span,
                label: "network call on the open path".into(),
                message: format!(
                    "{what} runs in {place}: while the circuit is open, every denied request \
                     still makes a network round trip"
                ),
                labels: Vec::new(),
                function: Some(call.func),
                ..Finding::default()
            });
        };
        let mut fallbacks: Vec<(Fallback, String)> = Vec::new();
        for site in &sites {
            for fallback in fallbacks_of_site(cx, site) {
                let place = if fallback.how.contains("(...)") {
                    fallback.how.clone()
                } else {
                    format!("{} of the breaker {}", fallback.how, site.display())
                };
                fallbacks.push((fallback, place));
            }
        }
        for decorated in decorated_breakers(cx, unit) {
            for fallback in decorated.fallbacks {
                let place = format!(
                    "{} of the `@{}` breaker",
                    fallback.how, decorated.decorator.callee
                );
                fallbacks.push((fallback, place));
            }
        }
        for policy in fallback_policies(cx, unit) {
            let place = policy.fallback.how.clone();
            fallbacks.push((policy.fallback, place));
        }
        for (fallback, place) in fallbacks {
            let FallbackKind::Function(f) = fallback.kind else {
                continue;
            };
            if f.unit != unit {
                continue;
            }
            let scope = nested_scope(&cx.project.units[unit].model, f.func, None);
            for (call, through) in external_calls(cx, unit, &scope, None) {
                report(call, through, place.clone());
            }
        }
        // Breakers written into the calling code: the branch that runs while open.
        let model = &cx.project.units[unit].model;
        for open in inline_open_branches(cx.knowledge, model) {
            let scope = nested_scope(model, open.func, Some(open.branch));
            let place = format!(
                "the branch of `{}` that runs when {}",
                model.function(open.func).display_name(),
                open.when
            );
            for (call, through) in external_calls(cx, unit, &scope, Some(open.branch)) {
                report(call, through, place.clone());
            }
        }
        for class in classes.iter().copied().filter(|c| c.unit == unit) {
            let view = ClassView::new(cx, class);
            let half_open = view.half_open_writes(cx);
            let real: Vec<Span> = view.real_calls().iter().map(|c| c.span).collect();
            for (test, branch) in view.open_branches(cx) {
                // After a half-open transition inside the branch, the code is the probe.
                let probe_from = half_open
                    .iter()
                    .filter(|w| w.func == test.func && branch.contains(w.span))
                    .map(|w| w.span.start)
                    .min();
                let scope = nested_scope(view.model, test.func, Some(branch));
                let place = format!(
                    "the open-circuit branch of `{}`",
                    view.model.function(test.func).display_name()
                );
                for (call, through) in external_calls(cx, unit, &scope, Some(branch)) {
                    let in_probe = probe_from.is_some_and(|p| call.span.start > p);
                    let synthetic = is_synthetic_or_fallback(call.method());
                    if in_probe || synthetic || real.contains(&call.span) {
                        continue;
                    }
                    report(call, through, place.clone());
                }
            }
        }
    }
}

/// A function and the functions nested in it, limited to those inside `within`.
fn nested_scope(model: &Model, root: FnId, within: Option<Span>) -> Vec<FnId> {
    let mut scope = vec![root];
    for (id, f) in model.functions.iter().enumerate() {
        let nested = f.parent.is_some_and(|p| scope.contains(&p));
        let inside = within.is_none_or(|w| w.contains(f.span));
        if nested && inside && !scope.contains(&id) {
            scope.push(id);
        }
    }
    scope
}

/// The external calls made in `scope` (inside `within`), directly or one call further into
/// the scanned code (with the external callee found there).
fn external_calls<'m>(
    cx: &Context<'m>,
    unit: usize,
    scope: &[FnId],
    within: Option<Span>,
) -> Vec<(&'m Call, Option<String>)> {
    let model = &cx.project.units[unit].model;
    let mut out = Vec::new();
    for call in &model.calls {
        if !scope.contains(&call.func) || within.is_some_and(|w| !w.contains(call.span)) {
            continue;
        }
        if is_external(model, call) {
            out.push((call, None));
            continue;
        }
        let Some(target) = cx.project.resolve_call(unit, call) else {
            continue;
        };
        if scope.contains(&target.func) && target.unit == unit {
            continue;
        }
        if let Some(inner) = direct_external_call(cx, target) {
            out.push((call, Some(inner)));
        }
    }
    out
}

fn direct_external_call(cx: &Context, f: FnRef) -> Option<String> {
    let model = &cx.project.units[f.unit].model;
    model
        .calls
        .iter()
        .find(|c| c.func == f.func && is_external(model, c))
        .map(|c| c.callee.clone())
}

/// An external call by its callee, or by the class of the instance it is made on
/// (`audit.post` where `audit = httpx.AsyncClient(...)`).
fn is_external(model: &Model, call: &Call) -> bool {
    if is_external_call(&call.callee) {
        return true;
    }
    let Some(receiver) = call.receiver() else {
        return false;
    };
    model
        .instances
        .iter()
        .filter(|i| i.name == receiver)
        .any(|i| is_external_call(&format!("{}.{}", i.class, call.method())))
}

/// Whether a callee goes over the network: an HTTP client (`fetch`, `axios.post`, `got`,
/// `requests.get`, `httpx.post`, `aiohttp`, `urllib.request.urlopen`, `this.http.get`,
/// `apiClient.post`) or a data store (`db.query`, `pool.query`, `redis.get`,
/// `prisma.user.findUnique`, `collection.find_one`, `cursor.execute`).
pub(super) fn is_external_call(callee: &str) -> bool {
    let segments: Vec<&str> = callee
        .split('.')
        .map(|s| s.trim_end_matches("()").trim_end_matches("[]"))
        .filter(|s| !s.is_empty())
        .collect();
    let Some((&method, receiver)) = segments.split_last() else {
        return false;
    };
    if receiver.is_empty() {
        return matches!(
            method,
            "fetch" | "got" | "axios" | "ky" | "needle" | "superagent" | "urlopen" | "nodeFetch"
        );
    }
    // Constructors, listeners and helpers make no request themselves.
    let constructor = method.starts_with(|c: char| c.is_ascii_uppercase());
    if constructor
        || matches!(
            method,
            "create"
                | "on"
                | "once"
                | "off"
                | "emit"
                | "addListener"
                | "removeListener"
                | "isAxiosError"
                | "isCancel"
        )
    {
        return false;
    }
    let first = receiver[0];
    let helpers = receiver
        .iter()
        .any(|s| matches!(*s, "parse" | "utils" | "exceptions" | "codes" | "status"));
    let http_module = matches!(
        first,
        "axios"
            | "got"
            | "ky"
            | "needle"
            | "superagent"
            | "undici"
            | "requests"
            | "httpx"
            | "aiohttp"
            | "urllib3"
            | "http"
            | "https"
    ) || (first == "urllib" && receiver.get(1) == Some(&"request"));
    if http_module && !helpers {
        return true;
    }
    let words: Vec<String> = receiver.iter().flat_map(|s| words_of(s)).collect();
    let has = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
    let store = has(&[
        "db",
        "database",
        "pool",
        "redis",
        "ioredis",
        "prisma",
        "knex",
        "mongo",
        "mongodb",
        "mongoose",
        "sequelize",
        "sql",
        "pg",
        "postgres",
        "mysql",
        "sqlite",
        "dynamo",
        "dynamodb",
        "firestore",
        "supabase",
        "collection",
        "cursor",
        "memcached",
        "elasticsearch",
        "drizzle",
        "repository",
        "repo",
        "kysely",
    ]);
    if store {
        return true;
    }
    let http_verb = matches!(
        method,
        "get" | "post" | "put" | "patch" | "delete" | "head" | "request" | "fetch"
    );
    if http_verb && has(&["http", "axios", "api", "client", "fetcher", "rest"]) {
        return true;
    }
    has(&["session"])
        && matches!(
            method,
            "post" | "put" | "patch" | "delete" | "request" | "execute" | "query"
        )
}

/// `dbClient` -> `db`, `client`; `user_repo` -> `user`, `repo`; `HTTPClient` -> `http`, `client`.
fn words_of(segment: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = segment.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let boundary = c.is_ascii_uppercase()
            && i > 0
            && (chars[i - 1].is_ascii_lowercase()
                || chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase())
                    && chars[i - 1].is_ascii_uppercase());
        if c == '_' || c == '$' || c == '#' || boundary {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            if c == '_' || c == '$' || c == '#' {
                continue;
            }
        }
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn external_calls_are_http_clients_and_data_stores() {
        for yes in [
            "fetch",
            "axios.post",
            "got",
            "requests.get",
            "httpx.AsyncClient().post",
            "urllib.request.urlopen",
            "this.db.query",
            "pool.query",
            "redis.get",
            "this.redisClient.incr",
            "prisma.user.findUnique",
            "self.collection.find_one",
            "cursor.execute",
            "this.http.get",
            "apiClient.post",
            "self.session.post",
        ] {
            assert!(is_external_call(yes), "{yes}");
        }
        for no in [
            "console.log",
            "logger.warn",
            "this.cache.get",
            "Date.now",
            "urllib.parse.quote",
            "httpx.AsyncClient",
            "this.feedback.push",
            "session.get",
            "metrics.increment",
            "this.emit",
        ] {
            assert!(!is_external_call(no), "{no}");
        }
        assert_eq!(words_of("HTTPClient"), vec!["http", "client"]);
        assert_eq!(words_of("user_repo"), vec!["user", "repo"]);
    }
}
