//! The vocabularies rules consult: what counts as an auth call (and later an external call, a
//! breaker, a timeout option). They are data in `rules/*.toml`, compiled in, and extended by
//! the user's configuration.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;

const AUTH_CALLS: &str = include_str!("../rules/auth-calls.toml");
const BREAKERS: &str = include_str!("../rules/breakers.toml");

/// Everything rules know about names, loaded once per scan.
#[derive(Debug)]
pub struct Knowledge {
    pub auth_calls: NameSet,
    pub breakers: Breakers,
}

/// How circuit breakers are built, guard calls, and fail open (`rules/breakers.toml`).
#[derive(Debug)]
pub struct Breakers {
    /// Calls that build a breaker around the function they are given.
    pub constructors: NameSet,
    /// Calls that run the function they are given under a breaker.
    pub guard_calls: NameSet,
    /// Decorators that put the decorated function under a breaker.
    pub guard_decorators: NameSet,
    /// `option=value` pairs that make a breaker let requests through while open.
    pub fail_open_options: Vec<(String, String)>,
    pub open_states: Vec<String>,
    pub half_open_states: Vec<String>,
    pub closed_states: Vec<String>,
    /// Option keys and keyword arguments that name a fallback function.
    pub fallback_options: Vec<String>,
    /// Methods that attach a fallback to a breaker instance.
    pub fallback_methods: Vec<String>,
    /// Calls that build a fallback policy (cockatiel).
    pub fallback_policies: NameSet,
    /// Rate-limit, quota and URL-allowlist checks: security checks besides auth calls.
    pub security_checks: NameSet,
}

impl Breakers {
    /// The state a constant names (`"open"`, `CircuitState.HALF_OPEN`, `State.Closed`),
    /// compared without case, `_` and `-`, by its last dotted segment.
    pub fn state_of(&self, constant: &str) -> Option<BreakerState> {
        let key = state_key(constant);
        let named = |list: &[String]| list.iter().any(|s| state_key(s) == key);
        if named(&self.half_open_states) {
            Some(BreakerState::HalfOpen)
        } else if named(&self.open_states) {
            Some(BreakerState::Open)
        } else if named(&self.closed_states) {
            Some(BreakerState::Closed)
        } else {
            None
        }
    }
}

/// The states of a circuit breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    Closed,
    Open,
    HalfOpen,
}

fn state_key(constant: &str) -> String {
    let last = constant.rsplit('.').next().unwrap_or(constant);
    last.chars()
        .filter(|c| !matches!(c, '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Extra vocabulary from the user's configuration.
#[derive(Debug, Default, Clone)]
pub struct VocabularyExtension {
    pub auth_calls: Vec<String>,
    /// Wrappers and decorators that count as circuit breakers.
    pub breakers: Vec<String>,
    /// Calls that leave the process (`acmeClient.request`). Carried from the configuration;
    /// the reliability rules' vocabulary takes them in.
    pub external_calls: Vec<String>,
    /// Wrappers that put a deadline on a call (`withDeadline`). Carried like `external_calls`.
    pub timeouts: Vec<String>,
    /// Calls that register an MCP tool (`registerAcmeTool`). Carried like `external_calls`.
    pub tool_registrations: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct BreakerFile {
    constructors: Vec<String>,
    guard_calls: Vec<String>,
    guard_decorators: Vec<String>,
    fail_open_options: Vec<String>,
    open_states: Vec<String>,
    half_open_states: Vec<String>,
    closed_states: Vec<String>,
    fallback_options: Vec<String>,
    fallback_methods: Vec<String>,
    fallback_policies: Vec<String>,
    security_checks: Vec<String>,
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
        let breakers: BreakerFile =
            toml::from_str(BREAKERS).map_err(|e| format!("rules/breakers.toml: {e}"))?;
        let mut guard_calls = breakers.guard_calls;
        let mut guard_decorators = breakers.guard_decorators;
        guard_calls.extend(extension.breakers.iter().cloned());
        guard_decorators.extend(extension.breakers.iter().cloned());
        let fail_open_options = breakers
            .fail_open_options
            .iter()
            .map(|o| match o.split_once('=') {
                Some((k, v)) => Ok((k.to_string(), v.to_string())),
                None => Err(format!("rules/breakers.toml: `{o}` is not option=value")),
            })
            .collect::<Result<_, _>>()?;
        Ok(Knowledge {
            auth_calls: NameSet::new(&patterns, &auth.exclude)?,
            breakers: Breakers {
                constructors: NameSet::new(&breakers.constructors, &[])?,
                guard_calls: NameSet::new(&guard_calls, &[])?,
                guard_decorators: NameSet::new(&guard_decorators, &[])?,
                fail_open_options,
                open_states: breakers.open_states,
                half_open_states: breakers.half_open_states,
                closed_states: breakers.closed_states,
                fallback_options: breakers.fallback_options,
                fallback_methods: breakers.fallback_methods,
                fallback_policies: NameSet::new(&breakers.fallback_policies, &[])?,
                security_checks: NameSet::new(&breakers.security_checks, &[])?,
            },
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
    fn breaker_vocabulary_knows_the_libraries() {
        let k = Knowledge::builtin();
        let b = &k.breakers;
        assert!(b.constructors.matches("CircuitBreaker").is_some());
        assert!(b.constructors.matches("pybreaker.CircuitBreaker").is_some());
        assert!(b.guard_calls.matches("this.breaker.fire").is_some());
        assert!(b.guard_calls.matches("db_breaker.call_async").is_some());
        assert!(b.guard_calls.matches("retryPolicy.execute").is_some());
        assert!(b.guard_decorators.matches("circuit").is_some());
        assert!(b.guard_calls.matches("fetch").is_none());
        assert!(
            b.fail_open_options
                .contains(&("failClosed".into(), "false".into()))
        );
    }

    #[test]
    fn breaker_states_and_security_checks() {
        let b = Knowledge::builtin().breakers;
        assert_eq!(b.state_of("open"), Some(BreakerState::Open));
        assert_eq!(b.state_of("CircuitState.OPEN"), Some(BreakerState::Open));
        assert_eq!(
            b.state_of("BreakerState.HALF_OPEN"),
            Some(BreakerState::HalfOpen)
        );
        assert_eq!(b.state_of("half-open"), Some(BreakerState::HalfOpen));
        assert_eq!(b.state_of("State.Closed"), Some(BreakerState::Closed));
        assert_eq!(b.state_of("idle"), None);
        assert!(b.security_checks.matches("checkRateLimit").is_some());
        assert!(b.security_checks.matches("enforce_quota").is_some());
        assert!(
            b.security_checks
                .matches("this.rateLimiter.consume")
                .is_some()
        );
        assert!(b.security_checks.matches("isAllowedUrl").is_some());
        assert!(b.security_checks.matches("fetchWeather").is_none());
        assert!(b.fallback_policies.matches("fallback").is_some());
    }

    #[test]
    fn user_patterns_extend_the_vocabulary() {
        let ext = VocabularyExtension {
            auth_calls: vec!["acmeGate".into()],
            breakers: vec!["resilient".into()],
            ..VocabularyExtension::default()
        };
        let k = Knowledge::load(&ext).unwrap();
        assert_eq!(k.auth_calls.matches("gates.acme_gate"), Some("acmeGate"));
        assert!(k.breakers.guard_calls.matches("resilient").is_some());
    }
}
