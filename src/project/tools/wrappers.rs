//! Handlers handed over through a bound method or a wrapper: `this.invoke.bind(this)`,
//! `self.handle`, `functools.partial(self.search, limit=5)`, `withErrorHandling(handler)`.

use crate::model::{FnId, HandlerRef, Model};

/// A handler named as written in function `func`: a method of the enclosing class when it is
/// `this.x` / `self.x` (`server.tool("x", ..., this.invoke.bind(this))`), else the name, which
/// the link stage resolves.
pub(super) fn named_handler(model: &Model, func: FnId, name: &str) -> HandlerRef {
    own_method(model, func, name)
        .map(HandlerRef::Function)
        .unwrap_or_else(|| HandlerRef::Name(name.to_string()))
}

/// `this.invoke` / `self.invoke` written in a method (or a function nested in one): the class's
/// method of that name in this file.
fn own_method(model: &Model, func: FnId, name: &str) -> Option<FnId> {
    let method = name
        .strip_prefix("this.")
        .or_else(|| name.strip_prefix("self."))?;
    if method.contains('.') {
        return None;
    }
    let mut at = Some(func);
    let owner = loop {
        let f = &model.functions[at?];
        if let Some(owner) = &f.owner {
            break owner;
        }
        at = f.parent;
    };
    (1..model.functions.len()).find(|&f| {
        let f = &model.functions[f];
        f.owner.as_ref() == Some(owner) && f.name.as_deref() == Some(method)
    })
}

/// The function a bound method or a partial application runs: `this.invoke.bind(this)` runs
/// `this.invoke`; `partial(search, ...)` / `functools.partial(self.search, ...)` its first
/// argument (given by the caller as `first`).
pub(super) fn bound<'a>(wrapper: &'a str, first: Option<&'a str>) -> Option<&'a str> {
    if let Some(method) = wrapper.strip_suffix(".bind") {
        return Some(method);
    }
    let last = wrapper.rsplit('.').next().unwrap_or(wrapper);
    (last == "partial").then_some(first).flatten()
}
