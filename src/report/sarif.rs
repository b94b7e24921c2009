//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning takes it.
//!
//! One run; every rule in `tool.driver.rules`, results pointing at them by `ruleIndex`; URIs
//! relative to the scan root under `%SRCROOT%`; columns in UTF-16 code units; the
//! `primaryLocationLineHash` GitHub's upload action would compute, so alerts keep their identity
//! across pushes; skipped files and errors as tool execution notifications; the scores in
//! `run.properties`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, Message, MultiformatMessageString, Notification,
    PhysicalLocation, PropertyBag, Region, ReportingConfiguration, ReportingDescriptor,
    Result as SarifResult, ResultLevel, Run, RunAutomationDetails, Sarif, Suppression, Tool,
    ToolComponent,
};
use url::Url;

use crate::Report;
use crate::finding::{Axis, Severity};
use crate::locate::{LineIndex, Located};
use crate::rules::{Registry, RuleMeta};

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// GitHub code scanning rejects runs with more results than this.
pub const MAX_RESULTS: usize = 25_000;
const SRCROOT: &str = "%SRCROOT%";

/// The directory result URIs are relative to.
#[derive(Debug, Clone)]
pub struct ScanRoot {
    /// The root as findings' paths spell it (relative to the working directory, `/`-separated);
    /// empty for the working directory itself.
    pub display: String,
    /// The root as an absolute path, for `originalUriBaseIds`.
    pub absolute: PathBuf,
    /// The working directory findings' paths are relative to.
    cwd: PathBuf,
}

impl ScanRoot {
    /// The one directory scanned, when exactly one directory was given; otherwise the working
    /// directory.
    pub fn for_paths(paths: &[PathBuf]) -> ScanRoot {
        let cwd = std::env::current_dir().unwrap_or_default();
        match paths {
            [dir] if dir.is_dir() => ScanRoot::new(dir, &cwd),
            _ => ScanRoot::new(Path::new("."), &cwd),
        }
    }

    pub fn new(dir: &Path, cwd: &Path) -> ScanRoot {
        let display = crate::discover::display_path(dir, cwd);
        let absolute = crate::paths::normalize(&cwd.join(dir));
        ScanRoot {
            display: if display == "." {
                String::new()
            } else {
                display
            },
            absolute,
            cwd: cwd.to_path_buf(),
        }
    }

    /// Whether a finding's path lies under the root.
    fn contains(&self, path: &str) -> bool {
        let relative = if self.display.is_empty() {
            Some(path)
        } else {
            path.strip_prefix(self.display.as_str())
                .and_then(|rest| rest.strip_prefix('/'))
        };
        relative.is_some_and(|r| !r.starts_with('/') && !r.starts_with("../") && r != "..")
    }

    /// The artifact location of a finding's file: a relative reference under `%SRCROOT%`, or an
    /// absolute `file:` URI for a file outside the root. Both come from the `url` crate, which
    /// percent-encodes what a URI may not hold (a `\` in a Linux file name included).
    fn artifact(&self, path: &str) -> ArtifactLocation {
        let absolute = crate::paths::normalize(&self.cwd.join(path));
        let file = Url::from_file_path(&absolute).ok();
        let relative = self
            .contains(path)
            .then(|| Url::from_directory_path(&self.absolute).ok())
            .flatten()
            .zip(file.as_ref())
            .and_then(|(root, file)| root.make_relative(file));
        match relative {
            Some(relative) => ArtifactLocation {
                uri: Some(relative),
                uri_base_id: Some(SRCROOT.into()),
                ..Default::default()
            },
            None => ArtifactLocation {
                uri: file.map(String::from),
                ..Default::default()
            },
        }
    }
}

pub fn render(report: &Report, registry: &Registry, root: &ScanRoot) -> String {
    let log = build(report, registry, root, MAX_RESULTS);
    let mut text = serde_json::to_string_pretty(&log).expect("SARIF serializes");
    text.push('\n');
    crate::escape::json_ascii_controls(text)
}

fn build(report: &Report, registry: &Registry, root: &ScanRoot, max_results: usize) -> Sarif {
    let rules: Vec<ReportingDescriptor> = registry.rules.iter().map(|r| rule(&r.meta)).collect();
    let index: HashMap<&str, usize> = registry
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.meta.id.as_str(), i))
        .collect();

    let (kept, dropped) = most_severe(&report.findings, max_results);
    // Line hashes and the line index are built once per file, not once per finding.
    let mut files: HashMap<&str, (Vec<String>, LineIndex)> = HashMap::new();
    let results: Vec<SarifResult> = kept
        .iter()
        .map(|&i| {
            let f = &report.findings[i];
            let (file_hashes, lines) = files
                .entry(f.path.as_str())
                .or_insert_with(|| (line_hashes(&f.source), LineIndex::new(&f.source)));
            result(
                f,
                index.get(f.rule.as_str()).copied(),
                file_hashes,
                lines,
                root,
                report.baseline.is_some(),
            )
        })
        .collect();

    let mut notifications = Vec::new();
    if dropped > 0 {
        notifications.push(
            Notification::builder()
                .level(json!("warning"))
                .message(text(format!(
                    "faultline found {} results; GitHub code scanning takes at most \
                     {max_results} per run, so only the {max_results} most severe are included \
                     and {dropped} are left out.",
                    report.findings.len()
                )))
                .build(),
        );
    }
    for error in &report.errors {
        notifications.push(file_notification(
            "error",
            &error.path,
            &format!("{} could not be scanned: {}", error.path, error.message),
            root,
        ));
    }
    for skipped in &report.skipped {
        notifications.push(file_notification(
            "note",
            &skipped.path,
            &format!("{} was skipped: {}", skipped.path, skipped.reason),
            root,
        ));
    }
    for path in &report.files_with_syntax_errors {
        notifications.push(file_notification(
            "note",
            path,
            &format!("{path} has syntax errors; the parts that parse were analysed"),
            root,
        ));
    }
    for path in &report.files_too_deep {
        notifications.push(file_notification(
            "note",
            path,
            &format!("{path} nests too deeply; the deepest part was not analysed"),
            root,
        ));
    }

    let driver = ToolComponent::builder()
        .name("faultline")
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(env!("CARGO_PKG_REPOSITORY"))
        .rules(rules)
        .build();
    let invocation = Invocation::builder()
        .execution_successful(report.errors.is_empty())
        .tool_execution_notifications(notifications)
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .invocations(vec![invocation])
        .results(results)
        .automation_details(RunAutomationDetails {
            id: Some("faultline/".into()),
            ..Default::default()
        })
        .column_kind(json!("utf16CodeUnits"))
        // A lone `\r` ends a line for faultline, its other formats and the line hashes too.
        .newline_sequences(vec!["\r\n".to_string(), "\n".to_string(), "\r".to_string()])
        .original_uri_base_ids(BTreeMap::from([(
            SRCROOT.to_string(),
            ArtifactLocation {
                uri: directory_uri(&root.absolute),
                ..Default::default()
            },
        )]))
        .properties(bag(None, [("scores", json!(report.scores))]))
        .build();
    Sarif::builder()
        .schema(SCHEMA)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build()
}

/// Indices of the findings to include, in report order: all of them, or the `max` most severe
/// (earlier ones first among equals); and how many were left out.
fn most_severe(findings: &[Located], max: usize) -> (Vec<usize>, usize) {
    let mut order: Vec<usize> = (0..findings.len()).collect();
    if findings.len() > max {
        order.sort_by_key(|&i| (std::cmp::Reverse(findings[i].severity), i));
        order.truncate(max);
        order.sort_unstable();
    }
    let dropped = findings.len() - order.len();
    (order, dropped)
}

fn rule(meta: &RuleMeta) -> ReportingDescriptor {
    let mut tags = vec![meta.axis.as_str().to_string()];
    tags.extend(meta.cwe.iter().map(|c| format!("external/cwe/cwe-{c:03}")));
    let mut properties = vec![("precision", json!(meta.precision))];
    if let Some(severity) = security_severity(meta) {
        properties.push(("security-severity", json!(severity)));
    }
    ReportingDescriptor::builder()
        .id(meta.id.clone())
        .name(meta.name.clone())
        .short_description(plain(meta.summary.clone()))
        .full_description(plain(full_description(meta)))
        .help(
            MultiformatMessageString::builder()
                .text(plain_text(&meta.docs))
                .markdown(meta.docs.trim())
                .build(),
        )
        .default_configuration(ReportingConfiguration {
            level: Some(json!(level_name(meta.severity))),
            ..Default::default()
        })
        .properties(bag(Some(tags), properties))
        .build()
}

/// GitHub's `security-severity` for security rules: high 8.0, medium 5.5, low 3.0.
fn security_severity(meta: &RuleMeta) -> Option<&'static str> {
    if meta.axis != Axis::Security {
        return None;
    }
    match meta.severity {
        Severity::High => Some("8.0"),
        Severity::Medium => Some("5.5"),
        Severity::Low => Some("3.0"),
        Severity::Info => None,
    }
}

fn level_name(severity: Severity) -> &'static str {
    match severity {
        Severity::High | Severity::Medium => "error",
        Severity::Low => "warning",
        Severity::Info => "note",
    }
}

fn level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::High | Severity::Medium => ResultLevel::Error,
        Severity::Low => ResultLevel::Warning,
        Severity::Info => ResultLevel::Note,
    }
}

/// The summary, then the first paragraph of the docs' "What it finds" section when it is a
/// complete sentence, or else the rule's help (the fix).
fn full_description(meta: &RuleMeta) -> String {
    let paragraph = meta
        .docs
        .split("## What it finds")
        .nth(1)
        .and_then(|rest| rest.trim_start().split("\n\n").next())
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| p.ends_with('.') && !p.starts_with('#'));
    let more = paragraph.map_or_else(|| meta.help.clone(), |p| plain_text(&p));
    format!("{} {}", sentence(&meta.summary), sentence(&more))
}

/// Markdown docs as plain text: no code fences (code is indented instead), heading marks or
/// backticks.
fn plain_text(markdown: &str) -> String {
    let mut out = String::new();
    let mut in_code = false;
    for line in markdown.trim().lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            out.push_str("    ");
            out.push_str(line);
        } else {
            let heading = line.trim_start_matches('#');
            let line = match heading.strip_prefix(' ') {
                Some(title) if heading.len() < line.len() => title,
                _ => line,
            };
            out.push_str(&line.replace('`', "").replace("**", ""));
        }
        out.push('\n');
    }
    out.trim_end().to_string()
}

fn result(
    f: &Located,
    rule_index: Option<usize>,
    hashes: &[String],
    lines: &LineIndex,
    root: &ScanRoot,
    baselined: bool,
) -> SarifResult {
    let (start_line, start_column) = lines.position_utf16(f.span.start as usize);
    let (end_line, end_column) = lines.position_utf16(f.span.end as usize);
    let region = Region {
        start_line: Some(start_line as i64),
        start_column: Some(start_column as i64),
        end_line: Some(end_line as i64),
        end_column: Some(end_column as i64),
        ..Default::default()
    };
    let mut fingerprints = BTreeMap::new();
    if let Some(hash) = hashes.get(start_line - 1) {
        fingerprints.insert("primaryLocationLineHash".to_string(), hash.clone());
    }
    let location = Location {
        physical_location: Some(PhysicalLocation {
            artifact_location: Some(root.artifact(&f.path)),
            region: Some(region),
            ..Default::default()
        }),
        ..Default::default()
    };
    let mut result = SarifResult::builder()
        .rule_id(f.rule.clone())
        .level(level(f.severity))
        .message(text(sentence(&f.message)))
        .locations(vec![location])
        .partial_fingerprints(fingerprints)
        .properties(bag(
            None,
            [
                ("surface", json!(f.surface.as_str())),
                ("severity", json!(f.severity.as_str())),
                ("fingerprint", json!(f.fingerprint)),
            ],
        ))
        .build();
    result.rule_index = rule_index.map(|i| i as i64);
    if let Some(s) = &f.suppression {
        result.suppressions = Some(vec![Suppression {
            kind: json!(s.kind),
            justification: Some(s.justification.clone()),
            guid: None,
            location: None,
            properties: None,
            status: None,
        }]);
    }
    if baselined {
        result.baseline_state = Some(json!(if f.baseline { "unchanged" } else { "new" }));
    }
    result
}

fn file_notification(level: &str, path: &str, message: &str, root: &ScanRoot) -> Notification {
    Notification::builder()
        .level(json!(level))
        .message(text(sentence(message)))
        .locations(vec![Location {
            physical_location: Some(PhysicalLocation {
                artifact_location: Some(root.artifact(path)),
                ..Default::default()
            }),
            ..Default::default()
        }])
        .build()
}

fn plain(text: String) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(text).build()
}

fn text(text: impl Into<String>) -> Message {
    Message {
        text: Some(text.into()),
        ..Default::default()
    }
}

/// SARIF asks for messages that are complete sentences, ending with a period.
fn sentence(text: &str) -> String {
    let text = text.trim_end();
    if text.ends_with(['.', '!', '?']) {
        text.to_string()
    } else {
        format!("{text}.")
    }
}

fn bag<'k>(
    tags: Option<Vec<String>>,
    properties: impl IntoIterator<Item = (&'k str, Value)>,
) -> PropertyBag {
    PropertyBag {
        tags,
        additional_properties: properties
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    }
}

/// `file:///abs/path/` for the root directory.
fn directory_uri(path: &Path) -> Option<String> {
    Url::from_directory_path(path).ok().map(String::from)
}

/// The `primaryLocationLineHash` of every line of `text`, index 0 for line 1, computed as
/// GitHub's upload action does (`src/fingerprints.ts` in github/codeql-action): a rolling
/// hash over the next 100 UTF-16 code units from the start of each line, spaces and tabs left
/// out and `\r\n`, `\r` and `\n` all read as `\n`, with `:N` counting earlier lines that hashed
/// the same. Lines are counted the same way, so a lone `\r` starts a line here.
pub fn line_hashes(text: &str) -> Vec<String> {
    const BLOCK_SIZE: usize = 100;
    const MOD: u64 = 37;
    const EOF: u16 = 0xFFFF;
    let first_mod = (0..BLOCK_SIZE).fold(1u64, |m, _| m.wrapping_mul(MOD));

    let mut window = [0u16; BLOCK_SIZE];
    // The line that starts at each window slot, if one does.
    let mut line_numbers = [0usize; BLOCK_SIZE];
    let mut hash: u64 = 0;
    let mut index = 0;
    let mut line_number = 0;
    let mut line_start = true;
    let mut prev_cr = false;
    let mut counts: HashMap<u64, usize> = HashMap::new();
    let mut out: Vec<String> = Vec::new();

    let mut output = |hash: u64, line: usize, out: &mut Vec<String>| {
        let count = counts.entry(hash).or_insert(0);
        *count += 1;
        debug_assert_eq!(line, out.len() + 1);
        out.push(format!("{hash:x}:{count}"));
    };
    let update = |hash: &mut u64, index: &mut usize, window: &mut [u16; BLOCK_SIZE], c: u16| {
        let begin = window[*index];
        window[*index] = c;
        *hash = MOD
            .wrapping_mul(*hash)
            .wrapping_add(u64::from(c))
            .wrapping_sub(first_mod.wrapping_mul(u64::from(begin)));
        *index = (*index + 1) % BLOCK_SIZE;
    };

    for unit in text.encode_utf16().chain(std::iter::once(EOF)) {
        let mut current = unit;
        if current == b' ' as u16 || current == b'\t' as u16 || (prev_cr && current == b'\n' as u16)
        {
            prev_cr = false;
            continue;
        }
        if current == b'\r' as u16 {
            current = b'\n' as u16;
            prev_cr = true;
        } else {
            prev_cr = false;
        }
        if line_numbers[index] != 0 {
            output(hash, line_numbers[index], &mut out);
            line_numbers[index] = 0;
        }
        if line_start {
            line_start = false;
            line_number += 1;
            line_numbers[index] = line_number;
        }
        if current == b'\n' as u16 {
            line_start = true;
        }
        update(&mut hash, &mut index, &mut window, current);
    }
    for _ in 0..BLOCK_SIZE {
        if line_numbers[index] != 0 {
            output(hash, line_numbers[index], &mut out);
            line_numbers[index] = 0;
        }
        update(&mut hash, &mut index, &mut window, 0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expected values are the ones github/codeql-action's own tests give for the same
    /// inputs (`src/fingerprints.test.ts`).
    #[test]
    fn line_hashes_match_githubs_upload_action() {
        assert_eq!(line_hashes(""), ["c129715d7a2bc9a3:1"]);
        assert_eq!(
            line_hashes(" a\nb\n  \t\tc\n d"),
            [
                "271789c17abda88f:1",
                "54703d4cd895b18:1",
                "180aee12dab6264:1",
                "a23a3dc5e078b07b:1"
            ]
        );
        assert_eq!(
            line_hashes(" hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End"),
            [
                "8b7cf3e952e7aeb2:1",
                "b1ae1287ec4718d9:1",
                "bff680108adb0fcc:1",
                "c6805c5e1288b612:1",
                "b86d3392aea1be30:1",
                "e6ceba753e1a442:1",
            ]
        );
        let trailing_newline = [
            "e9496ae3ebfced30:1",
            "fb7c023a8b9ccb3f:1",
            "ce8ba1a563dcdaca:1",
            "e20e36e16fcb0cc8:1",
            "b3edc88f2938467e:1",
            "c8e28b0b4002a3a0:1",
            "c129715d7a2bc9a3:1",
        ];
        for text in [
            " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n",
            " hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r",
            " hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n",
            " hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n",
        ] {
            assert_eq!(line_hashes(text), trailing_newline, "{text:?}");
        }
        assert_eq!(
            line_hashes(&"Lorem ipsum dolor sit amet.\n".repeat(10)),
            [
                "a7f2ff13bc495cf2:1",
                "a7f2ff13bc495cf2:2",
                "a7f2ff13bc495cf2:3",
                "a7f2ff13bc495cf2:4",
                "a7f2ff13bc495cf2:5",
                "a7f2ff13bc495cf2:6",
                "a7f2ff1481e87703:1",
                "a9cf91f7bbf1862b:1",
                "55ec222b86bcae53:1",
                "cc97dc7b1d7d8f7b:1",
                "c129715d7a2bc9a3:1"
            ]
        );
    }

    /// Derived by hand from the algorithm: the hash of a line whose text (spaces and tabs
    /// left out) is the single code unit `c`, followed by `\n`, then the end-of-file marker
    /// 0xFFFF and zeros, is the polynomial c·37^99 + 10·37^98 + 65535·37^97 (mod 2^64).
    #[test]
    fn a_one_character_line_hashes_to_its_polynomial() {
        let p = |e: u32| (0..e).fold(1u64, |m, _| m.wrapping_mul(37));
        let expected = u64::from(b'x')
            .wrapping_mul(p(99))
            .wrapping_add(10u64.wrapping_mul(p(98)))
            .wrapping_add(65535u64.wrapping_mul(p(97)));
        let hashes = line_hashes("  x\t\n");
        assert_eq!(hashes[0], format!("{expected:x}:1"));
        // The empty last line hashes like an empty file.
        assert_eq!(hashes[1], "c129715d7a2bc9a3:1");
    }

    /// Characters outside the Basic Multilingual Plane are two UTF-16 code units each.
    #[test]
    fn columns_count_utf16_code_units() {
        let text = "a\n😀é = x\n";
        let at = text.find('=').unwrap();
        // 😀 is 2 code units, é is 1, the space 1: `=` is column 5.
        let lines = LineIndex::new(text);
        assert_eq!(lines.position_utf16(at), (2, 5));
        assert_eq!(lines.position_utf16(0), (1, 1));
        assert_eq!(lines.position_utf16(text.len()), (3, 1));
    }

    #[test]
    fn uris_are_relative_to_the_root_and_percent_encoded() {
        let cwd = Path::new("/work/repo");
        let root = ScanRoot::new(Path::new("server/"), cwd);
        assert_eq!(root.display, "server");
        let artifact = root.artifact("server/src/my tool#1.ts");
        assert_eq!(artifact.uri.as_deref(), Some("src/my%20tool%231.ts"));
        assert_eq!(artifact.uri_base_id.as_deref(), Some("%SRCROOT%"));
        assert_eq!(
            directory_uri(&root.absolute).as_deref(),
            Some("file:///work/repo/server/")
        );
        let here = ScanRoot::new(Path::new("."), cwd);
        assert_eq!(here.display, "");
        assert_eq!(
            here.artifact("src/é.py").uri.as_deref(),
            Some("src/%C3%A9.py")
        );
        // Outside the root: an absolute file URI, with no base.
        let outside = root.artifact("other/a.ts");
        assert_eq!(outside.uri_base_id, None);
        assert_eq!(outside.uri.as_deref(), Some("file:///work/repo/other/a.ts"));
        let up = root.artifact("../../../lib/a.ts");
        assert_eq!(up.uri.as_deref(), Some("file:///lib/a.ts"));
        let backslash = here.artifact("src/a\\b c.ts");
        assert_eq!(backslash.uri.as_deref(), Some("src/a%5Cb%20c.ts"));
    }

    #[test]
    fn plain_text_keeps_code_and_drops_markup() {
        let md =
            "## What it finds\n\nA `catch` that allows.\n\n```python\n# a comment\nx = 1\n```\n";
        assert_eq!(
            plain_text(md),
            "What it finds\n\nA catch that allows.\n\n    # a comment\n    x = 1"
        );
    }

    #[test]
    fn most_severe_findings_are_kept_when_over_the_limit() {
        use crate::score::tests::finding;
        let severities = [
            Severity::Low,
            Severity::High,
            Severity::Info,
            Severity::Medium,
        ];
        let findings: Vec<Located> = severities
            .iter()
            .enumerate()
            .map(|(i, s)| finding("SEC001", Axis::Security, *s, "src/a.ts", i + 1))
            .collect();
        assert_eq!(most_severe(&findings, 10), (vec![0, 1, 2, 3], 0));
        assert_eq!(most_severe(&findings, 2), (vec![1, 3], 2));
        let report = Report {
            findings,
            ..Report::default()
        };
        let log = build(
            &report,
            &Registry::builtin(),
            &ScanRoot::new(Path::new("."), Path::new("/r")),
            2,
        );
        let run = &log.runs[0];
        assert_eq!(run.results.as_ref().unwrap().len(), 2);
        let notes = run.invocations.as_ref().unwrap()[0]
            .tool_execution_notifications
            .as_ref()
            .unwrap();
        let message = notes[0].message.text.as_deref().unwrap();
        assert!(message.contains("at most 2 per run"), "{message}");
        assert_eq!(notes[0].level, Some(json!("warning")));
    }
}
