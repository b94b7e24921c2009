//! Tree-sitter front ends: the only code that knows grammar node kinds.
//!
//! `lower_source` parses one file with a parser kept per thread and language, lowers the tree
//! into a [`Model`] and drops the tree.

mod builder;
mod comments;
mod javascript;
mod python;

use std::cell::RefCell;

use tree_sitter::{Node, Parser, Tree};

use crate::model::{Language, Model, Span};

thread_local! {
    static PARSERS: RefCell<[Option<Parser>; 4]> = const { RefCell::new([None, None, None, None]) };
}

fn grammar(language: Language) -> tree_sitter::Language {
    match language {
        Language::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
        Language::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
        Language::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
        Language::Python => tree_sitter_python::LANGUAGE.into(),
    }
}

fn slot(language: Language) -> usize {
    match language {
        Language::TypeScript => 0,
        Language::Tsx => 1,
        Language::JavaScript => 2,
        Language::Python => 3,
    }
}

/// Parses `source` with this thread's parser for `language`.
pub fn parse(language: Language, source: &[u8]) -> Option<Tree> {
    PARSERS.with(|parsers| {
        let mut parsers = parsers.borrow_mut();
        let parser = parsers[slot(language)].get_or_insert_with(|| {
            let mut parser = Parser::new();
            parser
                .set_language(&grammar(language))
                .expect("bundled grammar matches the tree-sitter version");
            parser
        });
        parser.reset();
        parser.parse(source, None)
    })
}

/// Parses and lowers one file. `None` when tree-sitter gives up (it only does on cancellation).
pub fn lower_source(language: Language, source: &[u8]) -> Option<Model> {
    let tree = parse(language, source)?;
    let root = tree.root_node();
    let mut model = match language {
        Language::Python => python::lower(root, source),
        _ => javascript::lower(root, source),
    };
    model.comments = comments::collect(root, source);
    Some(model)
}

pub(crate) fn node_span(node: Node) -> Span {
    Span::new(node.start_byte(), node.end_byte())
}

pub(crate) fn named_children<'t>(node: Node<'t>) -> impl Iterator<Item = Node<'t>> {
    let count = node.named_child_count();
    (0..count).filter_map(move |i| node.named_child(i as u32))
}
