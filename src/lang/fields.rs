//! Grammar fields by id, node kinds by table. `Node::child_by_field_name` looks the name up
//! among the grammar's field names on every call (a string comparison per field), and
//! `Node::kind` measures and validates the kind's C string on every call; the front ends ask
//! millions of times per scan, so each grammar's field ids and kind names are resolved once.

use std::num::NonZeroU16 as FieldId;
use std::sync::LazyLock;

use tree_sitter::Node;

use super::{grammar, slot};
use crate::model::Language;

macro_rules! fields {
    ($($variant:ident = $name:literal,)*) => {
        /// The grammar fields the front ends read.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Field {
            $($variant,)*
        }

        const NAMES: &[&str] = &[$($name,)*];
    };
}

fields! {
    Alias = "alias",
    Alternative = "alternative",
    Argument = "argument",
    Arguments = "arguments",
    Attribute = "attribute",
    Body = "body",
    Cause = "cause",
    Condition = "condition",
    Consequence = "consequence",
    Constructor = "constructor",
    Declaration = "declaration",
    Definition = "definition",
    Expression = "expression",
    Finalizer = "finalizer",
    Function = "function",
    Handler = "handler",
    Index = "index",
    Key = "key",
    Left = "left",
    ModuleName = "module_name",
    Name = "name",
    Object = "object",
    Operator = "operator",
    Parameter = "parameter",
    Parameters = "parameters",
    Pattern = "pattern",
    Property = "property",
    ReturnType = "return_type",
    Right = "right",
    Source = "source",
    Subscript = "subscript",
    Superclasses = "superclasses",
    Type = "type",
    Value = "value",
}

const LANGUAGES: [Language; 4] = [
    Language::TypeScript,
    Language::Tsx,
    Language::JavaScript,
    Language::Python,
];

/// Per grammar (in `slot` order): the grammar itself, the id of each field (`None` where the
/// grammar has no such field) and the name of each node kind, by kind id.
struct Grammars {
    languages: Vec<tree_sitter::Language>,
    ids: Vec<Vec<Option<FieldId>>>,
    kinds: Vec<Vec<Box<str>>>,
}

static GRAMMARS: LazyLock<Grammars> = LazyLock::new(|| {
    let mut languages = Vec::new();
    let mut ids = Vec::new();
    let mut kinds = Vec::new();
    for language in LANGUAGES {
        debug_assert_eq!(slot(language), languages.len());
        let grammar = grammar(language);
        ids.push(
            NAMES
                .iter()
                .map(|name| grammar.field_id_for_name(name))
                .collect(),
        );
        kinds.push(
            (0..grammar.node_kind_count())
                .map(|id| grammar.node_kind_for_id(id as u16).unwrap_or("").into())
                .collect(),
        );
        languages.push(grammar);
    }
    Grammars {
        languages,
        ids,
        kinds,
    }
});

pub(crate) trait FieldExt<'t> {
    /// The child in `field`, like `child_by_field_name`, by the field's id.
    fn field(&self, field: Field) -> Option<Node<'t>>;
    /// The node's kind, like `Node::kind`, from the grammar's table.
    fn kind_name(&self) -> &'t str;
}

/// The `slot` of the grammar that parsed `node`.
fn grammar_of(node: &Node) -> Option<usize> {
    let language = node.language();
    GRAMMARS.languages.iter().position(|l| *l == *language)
}

impl<'t> FieldExt<'t> for Node<'t> {
    fn field(&self, field: Field) -> Option<Node<'t>> {
        let id = GRAMMARS.ids[grammar_of(self)?][field as usize]?;
        self.child_by_field_id(id.get())
    }

    fn kind_name(&self) -> &'t str {
        let grammars: &'static Grammars = &GRAMMARS;
        grammar_of(self)
            .and_then(|slot| grammars.kinds[slot].get(usize::from(self.kind_id())))
            .map(|kind| &**kind)
            .unwrap_or_else(|| self.kind())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_exists_in_the_grammars_that_use_it() {
        for (slot, ids) in GRAMMARS.ids.iter().enumerate() {
            let known = ids.iter().filter(|id| id.is_some()).count();
            assert!(known >= NAMES.len() / 2, "grammar {slot}: {known} fields");
        }
        // Python has no `object`-less member access; JS has no `module_name`.
        assert!(GRAMMARS.ids[3][Field::ModuleName as usize].is_some());
        assert!(GRAMMARS.ids[2][Field::Property as usize].is_some());
    }

    #[test]
    fn fields_match_the_lookup_by_name() {
        let source = b"const a = b.c(d);";
        let tree = super::super::parse(Language::TypeScript, source).unwrap();
        let call = tree
            .root_node()
            .named_child(0)
            .and_then(|d| d.named_child(0))
            .and_then(|d| d.child_by_field_name("value"))
            .unwrap();
        assert_eq!(call.kind(), "call_expression");
        let by_name = call.child_by_field_name("function").unwrap();
        assert_eq!(call.field(Field::Function), Some(by_name));
        assert_eq!(call.field(Field::Alias), None);
    }
}
