//! Inline suppressions: `// faultline-ignore[SEC004]: reason` or
//! `# faultline-ignore[REL001,REL002]: reason`, one syntax for every language.
//!
//! The front ends keep each directive comment with the span it covers and where it starts
//! (see `src/lang/comments.rs`); this module parses the directives, marks the findings whose
//! byte spans they cover as suppressed, and reports directives that are malformed or unused.
//! It runs before findings are located and reads no file. Those reports are not
//! findings of a catalogue rule: they go to [`crate::Report::suppression_problems`], are shown
//! as warnings in text and as `suppression_problems` in JSON, and never change the exit code.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::finding::{Finding, Suppression};
use crate::model::Position;
use crate::project::Project;
use crate::rules::Registry;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    /// `faultline-ignore` without rules in brackets.
    MissingRule,
    /// `faultline-ignore[X]` without `: reason`.
    MissingReason,
    /// A rule in the brackets that faultline does not know.
    UnknownRule,
    /// A directive for a rule that ran, covering no finding of that rule.
    Unused,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProblemLevel {
    Info,
    Warning,
}

/// A directive that is malformed (and suppresses nothing) or suppresses nothing.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct SuppressionProblem {
    pub path: String,
    pub start: Position,
    pub kind: ProblemKind,
    pub level: ProblemLevel,
    pub message: String,
}

/// A well-formed directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// The rules as written in the brackets.
    pub rules: Vec<String>,
    pub reason: String,
}

/// The directive in a comment: `None` when the comment holds none, an error (with its kind
/// and message) when it is malformed.
pub fn parse(comment: &str) -> Option<Result<Directive, (ProblemKind, String)>> {
    const MARKER: &str = "faultline-ignore";
    let mut search = 0;
    let at = loop {
        let at = search + comment[search..].find(MARKER)?;
        let before = comment[..at].trim_end();
        let after = comment[at + MARKER.len()..].chars().next();
        // A directive starts its comment (or a `#`/`//` part of it) and is followed by `[`,
        // `:`, a space or the end: `faultline-ignored` and prose mentioning it are not one.
        let starts = before.is_empty() || before.ends_with(['#', '/', '*']);
        let ends = after.is_none_or(|c| c == '[' || c == ':' || c.is_whitespace());
        if starts && ends {
            break at;
        }
        search = at + MARKER.len();
    };
    let rest = comment[at + MARKER.len()..].trim_start();
    let example = "write `faultline-ignore[SEC004]: why this is safe`";
    let Some(list) = rest.strip_prefix('[') else {
        return Some(Err((
            ProblemKind::MissingRule,
            format!("`faultline-ignore` names no rule and suppresses nothing; {example}"),
        )));
    };
    let Some(close) = list.find(']') else {
        return Some(Err((
            ProblemKind::MissingRule,
            format!("`faultline-ignore[` is not closed and suppresses nothing; {example}"),
        )));
    };
    let rules: Vec<String> = list[..close]
        .split(',')
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty())
        .collect();
    if rules.is_empty() {
        return Some(Err((
            ProblemKind::MissingRule,
            format!("`faultline-ignore[]` names no rule and suppresses nothing; {example}"),
        )));
    }
    let after = list[close + 1..].trim_start();
    let reason = after
        .strip_prefix(':')
        .map(|r| r.trim().trim_end_matches("*/").trim())
        .unwrap_or("");
    if reason.is_empty() {
        return Some(Err((
            ProblemKind::MissingReason,
            format!(
                "`faultline-ignore[{}]` gives no reason and suppresses nothing; add `: why this is safe`",
                rules.join(",")
            ),
        )));
    }
    Some(Ok(Directive {
        rules,
        reason: reason.to_string(),
    }))
}

/// What the suppression stage needs to know about the scan.
pub struct Scope<'a> {
    pub project: &'a Project,
    pub registry: &'a Registry,
    /// Units whose findings are reported (the rest were lowered only to link them).
    pub reported_units: usize,
    /// Whether rule `id` ran on unit `u` (selected, for its language, not ignored for the file).
    pub ran: &'a dyn Fn(usize, &str) -> bool,
}

/// Marks the findings that directives cover as suppressed; returns the directives' problems.
pub fn apply(scope: &Scope, findings: &mut [Finding]) -> Vec<SuppressionProblem> {
    let mut by_unit: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        by_unit.entry(f.unit).or_default().push(i);
    }
    let mut problems = Vec::new();
    for unit in 0..scope.reported_units.min(scope.project.units.len()) {
        let u = &scope.project.units[unit];
        if u.model.comments.is_empty() {
            continue;
        }
        let mut in_file = by_unit.remove(&unit).unwrap_or_default();
        // Sorted by where they start, so a directive finds the findings it covers by binary
        // search: the cost is linear in directives, not directives times findings.
        in_file.sort_by_key(|&i| findings[i].span.start);
        for comment in &u.model.comments {
            let start = comment.start;
            let problem = |kind, level, message| SuppressionProblem {
                path: u.file.display.clone(),
                start,
                kind,
                level,
                message,
            };
            let directive = match parse(&comment.text) {
                None => continue,
                Some(Err((kind, message))) => {
                    problems.push(problem(kind, ProblemLevel::Warning, message));
                    continue;
                }
                Some(Ok(d)) => d,
            };
            let covered: &[usize] = match comment.covers {
                Some(c) => {
                    let from = in_file.partition_point(|&i| findings[i].span.start < c.start);
                    let to = in_file.partition_point(|&i| findings[i].span.start < c.end);
                    &in_file[from..to.max(from)]
                }
                None => &[],
            };
            let mut seen = BTreeSet::new();
            for rule in directive.rules.iter().filter(|r| seen.insert(r.as_str())) {
                let Some(ids) = scope.registry.expand(rule) else {
                    problems.push(problem(
                        ProblemKind::UnknownRule,
                        ProblemLevel::Warning,
                        format!(
                            "`{}` in `faultline-ignore` is not a rule (see `faultline rules`)",
                            shown_rule(rule)
                        ),
                    ));
                    continue;
                };
                let ran: BTreeSet<&str> = ids
                    .iter()
                    .map(String::as_str)
                    .filter(|id| (scope.ran)(unit, id))
                    .collect();
                let mut used = false;
                for &i in covered {
                    let f = &mut findings[i];
                    if ids.iter().any(|id| id == f.rule) {
                        used = true;
                        if f.suppression.is_none() {
                            f.suppression = Some(Suppression {
                                kind: "inSource",
                                justification: directive.reason.clone(),
                                directive: start,
                            });
                        }
                    }
                }
                if !used && !ran.is_empty() {
                    problems.push(problem(
                        ProblemKind::Unused,
                        ProblemLevel::Info,
                        format!(
                            "`faultline-ignore[{}]` suppresses nothing: no {} finding in the code it covers",
                            shown_rule(rule),
                            ran.into_iter().collect::<Vec<_>>().join("/")
                        ),
                    ));
                }
            }
        }
    }
    problems.sort();
    problems
}

/// A rule name from a directive as a message shows it: at most 64 characters.
fn shown_rule(rule: &str) -> std::borrow::Cow<'_, str> {
    crate::escape::truncated(rule, 64)
}

/// Text lines for the text report: one per problem.
pub fn render_problems(problems: &[SuppressionProblem]) -> String {
    let mut out = String::new();
    for p in problems {
        let level = match p.level {
            ProblemLevel::Warning => "warning",
            ProblemLevel::Info => "info",
        };
        out.push_str(&format!(
            "{level}: {}:{}:{}: {}\n",
            crate::escape::visible(&p.path),
            p.start.line,
            p.start.column,
            crate::escape::visible(&p.message)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(rules: &[&str], reason: &str) -> Option<Result<Directive, (ProblemKind, String)>> {
        Some(Ok(Directive {
            rules: rules.iter().map(|r| r.to_string()).collect(),
            reason: reason.to_string(),
        }))
    }

    fn kind(text: &str) -> Option<ProblemKind> {
        match parse(text) {
            Some(Err((kind, _))) => Some(kind),
            _ => None,
        }
    }

    #[test]
    fn directives_parse_in_every_comment_style() {
        assert_eq!(
            parse("// faultline-ignore[SEC004]: fixed message"),
            ok(&["SEC004"], "fixed message")
        );
        assert_eq!(
            parse("# faultline-ignore[REL001, REL002]: local sidecar"),
            ok(&["REL001", "REL002"], "local sidecar")
        );
        assert_eq!(
            parse("/* faultline-ignore[error-leak]: mapped */"),
            ok(&["error-leak"], "mapped")
        );
        assert_eq!(
            parse("# type: ignore  # faultline-ignore[SEC001]: checked upstream"),
            ok(&["SEC001"], "checked upstream")
        );
    }

    #[test]
    fn malformed_directives_are_problems_and_prose_is_not_a_directive() {
        assert_eq!(
            kind("// faultline-ignore: no rule"),
            Some(ProblemKind::MissingRule)
        );
        assert_eq!(kind("# faultline-ignore"), Some(ProblemKind::MissingRule));
        assert_eq!(
            kind("// faultline-ignore[]: x"),
            Some(ProblemKind::MissingRule)
        );
        assert_eq!(
            kind("// faultline-ignore[SEC004"),
            Some(ProblemKind::MissingRule)
        );
        assert_eq!(
            kind("// faultline-ignore[SEC004]"),
            Some(ProblemKind::MissingReason)
        );
        assert_eq!(
            kind("// faultline-ignore[SEC004]:   "),
            Some(ProblemKind::MissingReason)
        );
        assert_eq!(parse("// see the faultline-ignore docs"), None);
        assert_eq!(parse("// faultline-ignored[SEC004]: x"), None);
    }
}
