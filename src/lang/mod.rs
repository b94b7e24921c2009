//! Tree-sitter front ends: the only code that knows grammar node kinds.
//!
//! `lower_source` parses one file with a parser kept per thread and language, lowers the tree
//! into a [`Model`] and drops the tree.

mod builder;
mod javascript;
mod python;

use std::cell::RefCell;

use tree_sitter::{Node, Parser, Tree, TreeCursor};

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
    let model = match language {
        Language::Python => python::lower(root, source),
        _ => javascript::lower(root, source),
    };
    Some(model)
}

pub(crate) fn node_span(node: Node) -> Span {
    Span::new(node.start_byte(), node.end_byte())
}

/// The named children of `node`. `Node::named_child(i)` walks from the first child, so a
/// module or block with many statements goes through a cursor instead (one walk in all).
pub(crate) fn named_children<'t>(node: Node<'t>) -> NamedChildren<'t> {
    let count = node.named_child_count();
    if count <= 8 {
        NamedChildren::Indexed {
            node,
            next: 0,
            count,
        }
    } else {
        NamedChildren::Cursor {
            cursor: node.walk(),
            started: false,
        }
    }
}

pub(crate) enum NamedChildren<'t> {
    Indexed {
        node: Node<'t>,
        next: usize,
        count: usize,
    },
    Cursor {
        cursor: TreeCursor<'t>,
        started: bool,
    },
}

impl<'t> Iterator for NamedChildren<'t> {
    type Item = Node<'t>;

    fn next(&mut self) -> Option<Node<'t>> {
        match self {
            NamedChildren::Indexed { node, next, count } => {
                while *next < *count {
                    *next += 1;
                    if let Some(child) = node.named_child((*next - 1) as u32) {
                        return Some(child);
                    }
                }
                None
            }
            NamedChildren::Cursor { cursor, started } => loop {
                let moved = if *started {
                    cursor.goto_next_sibling()
                } else {
                    *started = true;
                    cursor.goto_first_child()
                };
                if !moved {
                    return None;
                }
                if cursor.node().is_named() {
                    return Some(cursor.node());
                }
            },
        }
    }
}
