//! The vocabularies rules consult: what counts as an auth call (and later an external call, a
//! breaker, a timeout option). They are data in `rules/*.toml`, compiled in, and extended by
//! the user's configuration.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;

const AUTH_CALLS: &str = include_str!("../rules/auth-calls.toml");

/// Everything rules know about names, loaded once per scan.
#[derive(Debug)]
pub struct Knowledge {
    pub auth_calls: NameSet,
}

/// Extra vocabulary from the user's configuration.
#[derive(Debug, Default, Clone)]
pub struct VocabularyExtension {
    pub auth_calls: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PatternFile {
    patterns: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
}

impl Knowledge {
    pub fn load(extension: &VocabularyExtension) -> Result<Knowledge, String> {
        let auth: PatternFile =
            toml::from_str(AUTH_CALLS).map_err(|e| format!("rules/auth-calls.toml: {e}"))?;
        let mut patterns = auth.patterns;
        patterns.extend(extension.auth_calls.iter().cloned());
        Ok(Knowledge {
            auth_calls: NameSet::new(&patterns, &auth.exclude)?,
        })
    }

    pub fn builtin() -> Knowledge {
        Knowledge::load(&VocabularyExtension::default()).expect("built-in vocabulary is valid")
    }
}

/// A set of dotted-name patterns matched against the end of a callee.
#[derive(Debug)]
pub struct NameSet {
    /// Patterns grouped by how many segments they have, with their source text.
    groups: Vec<SegmentGroup>,
    exclude: Vec<SegmentGroup>,
}

#[derive(Debug)]
struct SegmentGroup {
    segments: usize,
    set: GlobSet,
    patterns: Vec<String>,
}

impl NameSet {
    pub fn new(patterns: &[String], exclude: &[String]) -> Result<NameSet, String> {
        Ok(NameSet {
            groups: group(patterns)?,
            exclude: group(exclude)?,
        })
    }

    /// The pattern that `callee` matches, if any and if no exclusion matches it.
    pub fn matches(&self, callee: &str) -> Option<&str> {
        let hit = first_match(&self.groups, callee)?;
        if first_match(&self.exclude, callee).is_some() {
            return None;
        }
        Some(hit)
    }
}

fn first_match<'a>(groups: &'a [SegmentGroup], callee: &str) -> Option<&'a str> {
    let segments: Vec<&str> = callee.split('.').collect();
    for group in groups {
        if group.segments > segments.len() {
            continue;
        }
        let tail = normalize(&segments[segments.len() - group.segments..].join("."));
        if let Some(&index) = group.set.matches(&tail).first() {
            return Some(&group.patterns[index]);
        }
    }
    None
}

/// Lower case, without underscores: `verify_api_key` and `verifyApiKey` compare equal.
pub fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

fn group(patterns: &[String]) -> Result<Vec<SegmentGroup>, String> {
    let mut groups: Vec<SegmentGroup> = Vec::new();
    let mut builders: Vec<(usize, GlobSetBuilder, Vec<String>)> = Vec::new();
    for pattern in patterns {
        let segments = pattern.split('.').count();
        let glob = GlobBuilder::new(&normalize(pattern))
            .literal_separator(false)
            .build()
            .map_err(|e| format!("bad vocabulary pattern `{pattern}`: {e}"))?;
        match builders.iter_mut().find(|(n, _, _)| *n == segments) {
            Some((_, builder, names)) => {
                builder.add(glob);
                names.push(pattern.clone());
            }
            None => {
                let mut builder = GlobSetBuilder::new();
                builder.add(glob);
                builders.push((segments, builder, vec![pattern.clone()]));
            }
        }
    }
    // Longer patterns are more specific: try them first.
    builders.sort_by_key(|b| std::cmp::Reverse(b.0));
    for (segments, builder, patterns) in builders {
        let set = builder.build().map_err(|e| e.to_string())?;
        groups.push(SegmentGroup {
            segments,
            set,
            patterns,
        });
    }
    Ok(groups)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_vocabulary_matches_both_naming_styles() {
        let k = Knowledge::builtin();
        assert_eq!(k.auth_calls.matches("jwt.verify"), Some("jwt.verify"));
        assert_eq!(k.auth_calls.matches("verify_api_key"), Some("verify*"));
        assert_eq!(
            k.auth_calls.matches("this.auth.check"),
            Some("auth*.check*")
        );
        assert_eq!(k.auth_calls.matches("authz.check"), Some("auth*.check*"));
        assert!(k.auth_calls.matches("self.validateApiKey").is_some());
        assert!(k.auth_calls.matches("fetch").is_none());
        assert!(k.auth_calls.matches("getFlag").is_none());
        assert!(k.auth_calls.matches("verifyChecksum").is_none());
    }

    #[test]
    fn user_patterns_extend_the_vocabulary() {
        let ext = VocabularyExtension {
            auth_calls: vec!["acmeGate".into()],
        };
        let k = Knowledge::load(&ext).unwrap();
        assert_eq!(k.auth_calls.matches("gates.acme_gate"), Some("acmeGate"));
    }
}
