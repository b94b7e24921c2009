//! Runs every rule over its fixtures and compares, per file, the exact set of (line, rule)
//! found with the set the fixture declares in `expect:` comments.
//!
//! A file in `fixtures/<RULE>/` is checked for that rule and for every rule its comments name;
//! each folder is scanned as one project, so cross-file cases link as they would in a repo.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use faultline::rules::Registry;
use faultline::{ScanOptions, scan};

type Expectations = BTreeMap<String, BTreeSet<(usize, String)>>;

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// `// expect: SEC001` or `# expect: SEC004, REL002` at the end of a line.
fn expectations(text: &str) -> BTreeSet<(usize, String)> {
    let mut out = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        let Some(at) = line.find("expect:") else {
            continue;
        };
        let before = &line[..at];
        if !(before.trim_end().ends_with("//") || before.trim_end().ends_with('#')) {
            continue;
        }
        for token in line[at + 7..].split(|c: char| c == ',' || c.is_whitespace()) {
            let is_id = token.len() == 6
                && token[..3].chars().all(|c| c.is_ascii_uppercase())
                && token[3..].chars().all(|c| c.is_ascii_digit());
            if is_id {
                out.insert((i + 1, token.to_string()));
            }
        }
    }
    out
}

fn files_below(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files_below(&path, out);
        } else if faultline::model::Language::from_path(&path).is_some() {
            out.push(path);
        }
    }
}

/// Runs one rule's fixture folder; returns a description of every mismatch.
fn check_rule(registry: &Registry, rule: &str) -> Vec<String> {
    let dir = fixtures_root().join(rule);
    let mut files = Vec::new();
    files_below(&dir, &mut files);
    assert!(!files.is_empty(), "fixtures/{rule} has no fixture files");

    let options = ScanOptions {
        paths: vec![dir.clone()],
        rules: registry.rules.iter().map(|r| r.meta.id.clone()).collect(),
        threads: Some(2),
        respect_ignore_files: false,
        vocabulary: Default::default(),
        ..Default::default()
    };
    let report = scan(&options, registry).expect("scan runs");
    assert!(
        report.errors.is_empty(),
        "errors scanning fixtures/{rule}: {:?}",
        report.errors
    );

    let mut expected: Expectations = BTreeMap::new();
    let mut checked_rules: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let key = file.canonicalize().unwrap().display().to_string();
        let exp = expectations(&text);
        let mut rules: BTreeSet<String> = exp.iter().map(|(_, r)| r.clone()).collect();
        rules.insert(rule.to_string());
        checked_rules.insert(key.clone(), rules);
        expected.insert(key, exp);
    }
    let mut actual: Expectations = BTreeMap::new();
    let mut messages: BTreeMap<(String, usize, String), String> = BTreeMap::new();
    let mut duplicates = Vec::new();
    for f in &report.findings {
        let key = Path::new(&f.path)
            .canonicalize()
            .unwrap()
            .display()
            .to_string();
        if checked_rules
            .get(&key)
            .is_some_and(|rules| rules.contains(&f.rule))
        {
            let fresh = actual
                .entry(key.clone())
                .or_default()
                .insert((f.start.line, f.rule.clone()));
            if !fresh {
                duplicates.push(format!(
                    "twice   {} at {}:{}: {}",
                    f.rule, f.path, f.start.line, f.message
                ));
            }
            messages.insert((key, f.start.line, f.rule.clone()), f.message.clone());
        }
    }

    let mut problems = duplicates;
    for (file, exp) in &expected {
        let got = actual.remove(file).unwrap_or_default();
        let short = file
            .rsplit_once("/fixtures/")
            .map_or(file.as_str(), |(_, s)| s);
        for (line, r) in exp.difference(&got) {
            problems.push(format!("missing {r} at {short}:{line}"));
        }
        for (line, r) in got.difference(exp) {
            let message = &messages[&(file.clone(), *line, r.clone())];
            problems.push(format!("noisy   {r} at {short}:{line}: {message}"));
        }
    }
    problems
}

#[test]
fn every_rule_matches_its_fixtures_exactly() {
    let registry = Registry::builtin();
    let mut problems = Vec::new();
    let mut counted = 0;
    for rule in &registry.rules {
        let id = &rule.meta.id;
        problems.extend(check_rule(&registry, id));
        counted += 1;
    }
    assert!(counted > 0);
    assert!(
        problems.is_empty(),
        "{} fixture mismatches:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn expectation_comments_are_parsed_per_line() {
    let text =
        "a\nreturn true; // expect: SEC001\nx = 1  # expect: SEC004, REL002\nexpect: SEC005\n";
    let got = expectations(text);
    let want: BTreeSet<(usize, String)> = [
        (2, "SEC001".to_string()),
        (3, "SEC004".to_string()),
        (3, "REL002".to_string()),
    ]
    .into_iter()
    .collect();
    assert_eq!(got, want);
}
