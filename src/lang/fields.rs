//! Grammar fields by id. `Node::child_by_field_name` looks the name up among the grammar's
//! field names on every call (a string comparison per field); the front ends ask for fields
//! millions of times per scan, so each grammar's ids are resolved once, here.

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

/// Per grammar (in `slot` order): the grammar itself and the id of each field, `None` where
/// the grammar has no such field.
struct Grammars {
    languages: Vec<tree_sitter::Language>,
    ids: Vec<Vec<Option<FieldId>>>,
}

static GRAMMARS: LazyLock<Grammars> = LazyLock::new(|| {
    let mut languages = Vec::new();
    let mut ids = Vec::new();
    for language in LANGUAGES {
        debug_assert_eq!(slot(language), languages.len());
        let grammar = grammar(language);
        ids.push(
            NAMES
                .iter()
                .map(|name| grammar.field_id_for_name(name))
                .collect(),
        );
        languages.push(grammar);
    }
    Grammars { languages, ids }
});

pub(crate) trait FieldExt<'t> {
    /// The child in `field`, like `child_by_field_name`, by the field's id.
    fn field(&self, field: Field) -> Option<Node<'t>>;
}

impl<'t> FieldExt<'t> for Node<'t> {
    fn field(&self, field: Field) -> Option<Node<'t>> {
        let grammars = &*GRAMMARS;
        let language = self.language();
        let slot = grammars.languages.iter().position(|l| *l == *language)?;
        let id = grammars.ids[slot][field as usize]?;
        self.child_by_field_id(id.get())
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
