//! Environment variables read and written (`os.environ`, `os.getenv`).

use tree_sitter::Node;

use super::{Lowerer, path_of, string_content, unwrap};
use crate::lang::fields::{Field, FieldExt};
use crate::lang::{named_children, node_span};
use crate::model::*;

impl Lowerer<'_> {
    fn push_env_read(&mut self, name: String, span: Span) {
        let func = self.b.current();
        self.b.model.env_reads.push(EnvAccess { name, span, func });
    }

    /// `{**os.environ, "X": value}`, the environment of a child process: the code sets `X`.
    pub(super) fn env_dictionary(&mut self, dict: Node) {
        let copies_env = named_children(dict).any(|c| {
            c.kind_name() == "dictionary_splat"
                && c.named_child(0).is_some_and(|e| self.is_environ(e))
        });
        if !copies_env {
            return;
        }
        for pair in named_children(dict).filter(|p| p.kind_name() == "pair") {
            let key = pair.field(Field::Key);
            if let Some((name, span)) = key.and_then(|k| self.literal_name(k)) {
                let func = self.b.current();
                self.b.model.env_writes.push(EnvAccess { name, span, func });
            }
        }
    }

    /// `os.environ`, or `environ` imported from `os`.
    fn is_environ(&self, node: Node) -> bool {
        let path = path_of(unwrap(node), self.b.src);
        path == "os.environ" || (path == "environ" && self.imported_from_os("environ"))
    }

    /// `os.environ["X"] = value`: the code sets the variable itself.
    pub(super) fn env_write(&mut self, target: Node) {
        if target.kind_name() != "subscript" {
            return;
        }
        let Some(value) = target.field(Field::Value) else {
            return;
        };
        let path = path_of(value, self.b.src);
        if path != "os.environ" && !(path == "environ" && self.imported_from_os("environ")) {
            return;
        }
        let subscript = target.field(Field::Subscript);
        if let Some((name, span)) = subscript.and_then(|s| self.literal_name(s)) {
            let func = self.b.current();
            self.b.model.env_writes.push(EnvAccess { name, span, func });
        }
    }

    /// The local name is bound by `from os import <name>`.
    fn imported_from_os(&self, local: &str) -> bool {
        self.b
            .model
            .imports
            .iter()
            .any(|i| i.local == local && i.source == "os")
    }

    /// A string literal's text and the span of that text, without the quotes.
    pub(super) fn literal_name(&self, node: Node) -> Option<(String, Span)> {
        let node = unwrap(node);
        if node.kind_name() != "string" {
            return None;
        }
        let content = named_children(node).find(|c| c.kind_name() == "string_content")?;
        let name = string_content(node, self.b.src)?;
        Some((name, node_span(content)))
    }

    /// `os.getenv("X")`, `os.environ.get("X")`, and `getenv` / `environ` imported from `os`.
    pub(super) fn env_call(&mut self, callee: &str, node: Node) {
        let arguments = node.field(Field::Arguments);
        // `dict(os.environ, X="1")`: the environment of a child process sets `X`.
        if callee == "dict"
            && arguments
                .and_then(|a| named_children(a).next())
                .is_some_and(|first| self.is_environ(first))
        {
            for kw in arguments
                .iter()
                .flat_map(|a| named_children(*a))
                .filter(|a| a.kind_name() == "keyword_argument")
            {
                if let Some(name_node) = kw.field(Field::Name) {
                    let name = self.text(name_node).to_string();
                    let func = self.b.current();
                    let span = node_span(name_node);
                    self.b.model.env_writes.push(EnvAccess { name, span, func });
                }
            }
            return;
        }
        let reads = match callee {
            "os.getenv" | "os.environ.get" => true,
            "getenv" => self.imported_from_os("getenv"),
            "environ.get" => self.imported_from_os("environ"),
            _ => false,
        };
        if !reads {
            return;
        }
        let first = node
            .field(Field::Arguments)
            .and_then(|a| named_children(a).find(|n| n.kind_name() != "comment"));
        if let Some((name, span)) = first.and_then(|f| self.literal_name(f)) {
            self.push_env_read(name, span);
        }
    }

    /// `os.environ["X"]` read (an assignment's target is never visited; `del` is not a read).
    pub(super) fn env_subscript(&mut self, node: Node) {
        let Some(value) = node.field(Field::Value) else {
            return;
        };
        let target = path_of(value, self.b.src);
        let environ =
            target == "os.environ" || target == "environ" && self.imported_from_os("environ");
        if !environ
            || node
                .parent()
                .is_some_and(|p| p.kind_name() == "delete_statement")
        {
            return;
        }
        let subscript = node.field(Field::Subscript);
        if let Some((name, span)) = subscript.and_then(|s| self.literal_name(s)) {
            self.push_env_read(name, span);
        }
    }
}
