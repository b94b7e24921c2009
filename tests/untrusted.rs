//! Untrusted repositories: each test builds a hostile tree in a temporary folder, runs the real
//! binary, and checks the exact exit code, that no report (in any format, on stdout or stderr)
//! holds a byte from outside the tree, and that no line could be run by a GitHub Actions runner
//! as a workflow command.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[cfg(unix)]
use std::os::unix::fs::symlink;

/// Written only outside the scanned trees: it must never appear in any output.
const SECRET: &str = "hunter2-secret";

const LEAK_TS: &str = r#"import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
const server = new McpServer({ name: "s", version: "1" });
server.tool("lookup", "Look a record up", {}, async ({ id }) => {
  try {
    return { content: [{ type: "text", text: await load(id) }] };
  } catch (err) {
    return { content: [{ type: "text", text: err.message }] };
  }
});
"#;

fn faultline_env(args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_faultline"));
    command.args(args).current_dir(cwd).env("NO_COLOR", "1");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("the binary runs")
}

fn faultline(args: &[&str], cwd: &Path) -> Output {
    faultline_env(args, cwd, &[])
}

fn text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A tree and, beside it, a folder outside it holding the secret.
struct Hostile {
    _dir: tempfile::TempDir,
    tree: PathBuf,
    outside: PathBuf,
}

fn hostile() -> Hostile {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(tree.join(".git")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(
        outside.join("secret.txt"),
        format!("API_TOKEN={SECRET}\nroot:x:0:0\n"),
    )
    .unwrap();
    std::fs::write(
        outside.join("secret.ts"),
        LEAK_TS.replace("Look a record up", SECRET),
    )
    .unwrap();
    Hostile {
        _dir: dir,
        tree,
        outside,
    }
}

const FORMATS: [&str; 5] = ["text", "json", "sarif", "github", "markdown"];

/// Runs `scan` with `args` in every format (and `--statistics`), checks each output is safe, and
/// returns the exit codes.
fn scan_every_format(cwd: &Path, args: &[&str]) -> Vec<Option<i32>> {
    let mut codes = Vec::new();
    for format in FORMATS {
        let mut all = vec!["scan", "--format", format];
        all.extend_from_slice(args);
        let out = faultline(&all, cwd);
        assert_ne!(out.status.code(), Some(101), "panic:\n{}", text(&out));
        assert_safe(&out, format == "github");
        codes.push(out.status.code());
    }
    let mut all = vec!["scan", "--statistics"];
    all.extend_from_slice(args);
    let out = faultline(&all, cwd);
    assert_safe(&out, false);
    codes
}

/// No secret, no raw escape character, no workflow command (other than github's own lines).
fn assert_safe(out: &Output, github: bool) {
    let all = text(out);
    assert!(!all.contains(SECRET), "the secret was printed:\n{all}");
    assert!(
        !out.stdout.contains(&0x1b) && !out.stderr.contains(&0x1b),
        "a raw escape character was printed:\n{all}"
    );
    assert!(
        !all.contains("##["),
        "an old-style workflow command:\n{all}"
    );
    for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        for line in String::from_utf8_lossy(bytes).lines() {
            let trimmed = line.trim_start();
            if github && stream == "stdout" {
                assert!(
                    ["::error file=", "::warning file=", "::notice file="]
                        .iter()
                        .any(|p| line.starts_with(p)),
                    "not one of faultline's annotations: {line:?}"
                );
                assert_eq!(line.matches("::").count(), 2, "{line:?}");
            } else {
                assert!(!trimmed.starts_with("::"), "workflow command: {line:?}");
            }
        }
    }
}

#[cfg(unix)]
#[test]
fn a_config_linked_out_of_the_tree_is_refused_without_quoting_it() {
    let h = hostile();
    std::fs::write(h.tree.join("a.ts"), LEAK_TS).unwrap();
    for name in ["faultline.toml", ".faultline.toml", "pyproject.toml"] {
        let link = h.tree.join(name);
        symlink(h.outside.join("secret.txt"), &link).unwrap();
        for format in FORMATS {
            let out = faultline(&["scan", "--format", format, "."], &h.tree);
            assert_eq!(out.status.code(), Some(2), "{name}: {}", text(&out));
            assert!(text(&out).contains("refusing"), "{}", text(&out));
            assert_safe(&out, false);
        }
        std::fs::remove_file(&link).unwrap();
    }
    // /proc/self/environ holds the scan's own environment.
    if Path::new("/proc/self/environ").exists() {
        symlink("/proc/self/environ", h.tree.join("faultline.toml")).unwrap();
        let out = faultline_env(&["scan", "."], &h.tree, &[("API_TOKEN", SECRET)]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert_safe(&out, false);
        std::fs::remove_file(h.tree.join("faultline.toml")).unwrap();
    }
    // --config naming a link in the tree, and --baseline likewise.
    symlink(h.outside.join("secret.txt"), h.tree.join("ci.toml")).unwrap();
    let out = faultline(&["scan", "--config", "ci.toml", "."], &h.tree);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_safe(&out, false);
    symlink(h.outside.join("secret.txt"), h.tree.join("baseline.json")).unwrap();
    let out = faultline(&["scan", "--baseline", "baseline.json", "."], &h.tree);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("refusing"), "{}", text(&out));
    assert_safe(&out, false);
}

#[test]
fn config_and_baseline_errors_quote_no_value() {
    let h = hostile();
    std::fs::write(h.tree.join("a.ts"), LEAK_TS).unwrap();
    for body in [
        format!("API_TOKEN={SECRET}\n"),
        format!("API_TOKEN = \"{SECRET}\"\n"),
        format!("select = \"{SECRET}\"\n"),
        format!("fail-on = \"{SECRET}\"\n"),
        format!("[vocabulary]\nauth-calls = [1, \"{SECRET}\"]\n"),
    ] {
        std::fs::write(h.tree.join("faultline.toml"), &body).unwrap();
        let out = faultline(&["scan", "."], &h.tree);
        assert_eq!(out.status.code(), Some(2), "{body}: {}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("faultline.toml: line "), "{stderr}");
        assert_safe(&out, false);
    }
    std::fs::remove_file(h.tree.join("faultline.toml")).unwrap();
    std::fs::write(
        h.tree.join("baseline.json"),
        format!("{{\"version\": 1, \"findings\": \"{SECRET}\"}}"),
    )
    .unwrap();
    let out = faultline(&["scan", "--baseline", "baseline.json", "."], &h.tree);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("not a faultline baseline"));
    assert_safe(&out, false);
}

#[cfg(unix)]
#[test]
fn a_named_file_linked_out_of_the_tree_is_skipped_unread() {
    let h = hostile();
    symlink(h.outside.join("secret.ts"), h.tree.join("leak.ts")).unwrap();
    std::fs::write(h.tree.join("ok.ts"), "export const a = 1;\n").unwrap();
    let codes = scan_every_format(&h.tree, &["leak.ts", "ok.ts"]);
    assert!(codes.iter().all(|c| *c == Some(0)), "{codes:?}");
    let out = faultline(&["scan", "--format", "json", "leak.ts"], &h.tree);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["findings"].as_array().unwrap().len(), 0);
    assert_eq!(doc["skipped"][0]["path"], "leak.ts");
    assert_eq!(
        doc["skipped"][0]["reason"],
        "symbolic link pointing outside the scanned tree"
    );
    // A link inside the tree is followed.
    std::fs::create_dir(h.tree.join("src")).unwrap();
    std::fs::write(h.tree.join("src/real.ts"), LEAK_TS).unwrap();
    symlink(h.tree.join("src/real.ts"), h.tree.join("inner.ts")).unwrap();
    let out = faultline(&["scan", "--format", "json", "inner.ts"], &h.tree);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
}

#[test]
fn a_file_named_like_an_option_is_a_path_after_the_double_dash() {
    let h = hostile();
    std::fs::write(h.tree.join("victim.py"), "KEEP = 1\n").unwrap();
    std::fs::write(
        h.tree.join("--output=victim.py"),
        "def f():\n    return 1\n",
    )
    .unwrap();
    let out = faultline(
        &["scan", "--format", "json", "--", "--output=victim.py"],
        &h.tree,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["files_scanned"], 1);
    assert_eq!(
        std::fs::read_to_string(h.tree.join("victim.py")).unwrap(),
        "KEEP = 1\n"
    );
    // The hook's entry ends the options: pre-commit appends the file names after it.
    let hooks = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    assert!(hooks.contains("entry: faultline scan --\n"), "{hooks}");
    // A missing path that looks like an option says what happened.
    let out = faultline(&["scan", "--", "--fail-on=high"], &h.tree);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("looks like an option"),
        "{}",
        text(&out)
    );
}

#[cfg(unix)]
#[test]
fn names_and_source_lines_are_printed_escaped_in_every_format() {
    let h = hostile();
    let name = "a\n::error file=README.md,line=1::pwned\u{1b}[2J.ts";
    let source = LEAK_TS.replace(
        "} catch (err) {",
        "} catch (err) { // \u{1b}]0;title\u{7} ##[error]x \u{202e}evil\u{9b}31m",
    );
    std::fs::write(h.tree.join(name), source).unwrap();
    let codes = scan_every_format(&h.tree, &["."]);
    assert!(codes.iter().all(|c| *c == Some(1)), "{codes:?}");
    // The name is shown, escaped, on one line.
    let out = faultline(&["scan", "--no-color", "."], &h.tree);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("a\\n::error file=README.md,line=1::pwned\\u{1b}[2J.ts"),
        "{stdout}"
    );
    assert!(stdout.contains("\\u{202e}evil\\u{9b}31m"), "{stdout}");
}

#[test]
fn non_ascii_rule_names_never_panic() {
    let h = hostile();
    std::fs::write(
        h.tree.join("a.ts"),
        format!("{LEAK_TS}// faultline-ignore[éé]: x\nconst y = 1;\n"),
    )
    .unwrap();
    let out = faultline(&["scan", "--format", "json", "."], &h.tree);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["suppression_problems"][0]["kind"], "unknown-rule");
    for flag in ["--select", "--ignore", "--extend-select"] {
        let out = faultline(&["scan", flag, "éé", "."], &h.tree);
        assert_eq!(out.status.code(), Some(2), "{flag}: {}", text(&out));
        assert!(text(&out).contains("unknown rule or prefix `éé`"));
    }
    std::fs::write(h.tree.join("faultline.toml"), "select = [\"é\"]\n").unwrap();
    let out = faultline(&["scan", "."], &h.tree);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    std::fs::remove_file(h.tree.join("faultline.toml")).unwrap();
    std::fs::write(
        h.tree.join("a.ts"),
        r#"import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
const server = new McpServer({ name: "s", version: "1" });
server.tool("t", "A tool", {}, async ({ user }) => {
  if (!auth.checkéPermission(user)) { throw new Error("denied"); }
  if (!auth.shouldéAllow(user)) { throw new Error("denied"); }
  return { content: [] };
});
"#,
    )
    .unwrap();
    let out = faultline(&["scan", "--format", "json", "."], &h.tree);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["errors"].as_array().unwrap().len(), 0, "{doc}");
}

#[cfg(unix)]
#[test]
fn init_refuses_to_write_through_a_link() {
    let h = hostile();
    let target = h.outside.join("created.toml");
    symlink(&target, h.tree.join("faultline.toml")).unwrap();
    let out = faultline(&["init"], &h.tree);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(!target.exists(), "init wrote through the link");
    // Reports and baselines are not written through links either.
    symlink(&target, h.tree.join("report.json")).unwrap();
    std::fs::write(h.tree.join("a.ts"), LEAK_TS).unwrap();
    let out = faultline(&["scan", "-o", "report.json", "."], &h.tree);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let out = faultline(&["scan", "--write-baseline", "report.json", "."], &h.tree);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(!target.exists(), "a report was written through the link");
    // Without a link, init writes the file.
    std::fs::remove_file(h.tree.join("faultline.toml")).unwrap();
    let out = faultline(&["init"], &h.tree);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(h.tree.join("faultline.toml").is_file());
}

#[test]
fn paths_keep_every_parent_step_and_backslash() {
    let h = hostile();
    let deep = h.tree.join("x/y/z");
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::create_dir_all(h.tree.join("lib")).unwrap();
    std::fs::write(h.tree.join("lib/a.ts"), LEAK_TS).unwrap();
    let out = faultline(&["scan", "--format", "json", "../../../lib/a.ts"], &deep);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["findings"][0]["path"], "../../../lib/a.ts");
    let out = faultline(&["scan", "--format", "sarif", "../../../lib/a.ts"], &deep);
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let uri = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
        ["artifactLocation"]["uri"]
        .as_str()
        .unwrap()
        .to_string();
    let expected = h.tree.canonicalize().unwrap().join("lib/a.ts");
    assert!(
        uri.ends_with(&*expected.to_string_lossy()) || uri.ends_with("/tree/lib/a.ts"),
        "{uri}"
    );
    assert!(!uri.contains("/x/"), "{uri}");
    if cfg!(unix) {
        std::fs::write(h.tree.join("back\\slash.ts"), LEAK_TS).unwrap();
        let out = faultline(&["scan", "--format", "json", "back\\slash.ts"], &h.tree);
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["findings"][0]["path"], "back\\slash.ts");
    }
}

/// The SEC004 finding's line and column in JSON, SARIF, github and text.
fn positions(tree: &Path, file: &str) -> Vec<(String, (u64, u64))> {
    let mut out = Vec::new();
    let json = faultline(
        &["scan", "--format", "json", "--select", "SEC004", file],
        tree,
    );
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let f = &doc["findings"][0];
    out.push((
        "json".into(),
        (
            f["start"]["line"].as_u64().unwrap(),
            f["start"]["column"].as_u64().unwrap(),
        ),
    ));
    let sarif = faultline(
        &["scan", "--format", "sarif", "--select", "SEC004", file],
        tree,
    );
    let doc: serde_json::Value = serde_json::from_slice(&sarif.stdout).unwrap();
    let region = &doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
    out.push((
        "sarif".into(),
        (
            region["startLine"].as_u64().unwrap(),
            region["startColumn"].as_u64().unwrap(),
        ),
    ));
    let github = faultline(
        &["scan", "--format", "github", "--select", "SEC004", file],
        tree,
    );
    let line = String::from_utf8_lossy(&github.stdout).to_string();
    let field = |key: &str| -> u64 {
        let at = line.find(&format!(",{key}=")).unwrap() + key.len() + 2;
        line[at..]
            .split([',', ':'])
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    out.push(("github".into(), (field("line"), field("col"))));
    let text_out = faultline(&["scan", "--no-color", "--select", "SEC004", file], tree);
    let text = String::from_utf8_lossy(&text_out.stdout).to_string();
    let header = format!("[{file}:");
    let at = text.find(&header).unwrap() + header.len();
    let mut parts = text[at..].split([':', ']']);
    let line: u64 = parts.next().unwrap().parse().unwrap();
    let column: u64 = parts.next().unwrap().parse().unwrap();
    out.push(("text".into(), (line, column)));
    out
}

#[test]
fn positions_agree_across_formats_for_every_line_ending() {
    let h = hostile();
    let base = LEAK_TS.replace("text: err.message", "text: \"😀😀\" + err.message");
    let variants = [
        ("lf.ts", base.clone()),
        ("crlf.ts", base.replace('\n', "\r\n")),
        ("cr.ts", base.replace('\n', "\r")),
        ("ff.ts", base.replace("  } catch", "\u{c}  } catch")),
        ("bom.ts", format!("\u{feff}{base}")),
    ];
    for (name, source) in &variants {
        std::fs::write(h.tree.join(name), source).unwrap();
        let found = positions(&h.tree, name);
        let (_, json) = found[0].clone();
        assert_eq!(json.0, 7, "{name}: {found:?}");
        for (format, at) in &found[1..] {
            // SARIF counts UTF-16 units: each emoji before the error is two.
            let expected = if format == "sarif" {
                (json.0, json.1 + 2)
            } else {
                json
            };
            assert_eq!(*at, expected, "{name}: {format} disagrees: {found:?}");
        }
    }
    // A Python file with lone CR line endings is analysed like the LF one.
    let py = "import requests\n\n@mcp.tool()\ndef t(x):\n    \"\"\"Fetch.\"\"\"\n    try:\n        return requests.get(x, timeout=3).text\n    except Exception as e:\n        return str(e)\n";
    std::fs::write(h.tree.join("lf.py"), py).unwrap();
    std::fs::write(h.tree.join("cr.py"), py.replace('\n', "\r")).unwrap();
    let lf = positions(&h.tree, "lf.py");
    let cr = positions(&h.tree, "cr.py");
    assert_eq!(lf, cr);
    assert_eq!(lf[0].1, (9, 16));
}

#[test]
fn baseline_counts_do_not_wrap() {
    let h = hostile();
    std::fs::write(h.tree.join("a.ts"), LEAK_TS).unwrap();
    let max = u64::MAX;
    std::fs::write(
        h.tree.join("baseline.json"),
        format!(
            "{{\"version\": 1, \"findings\": [\
             {{\"rule\": \"SEC004\", \"path\": \"a.ts\", \"fingerprint\": \"x\", \"count\": {max}}},\
             {{\"rule\": \"SEC004\", \"path\": \"a.ts\", \"fingerprint\": \"x\", \"count\": {max}}},\
             {{\"rule\": \"SEC004\", \"path\": \"a.ts\", \"fingerprint\": \"y\", \"count\": 5}}]}}"
        ),
    )
    .unwrap();
    let out = faultline(
        &[
            "scan",
            "--format",
            "json",
            "--baseline",
            "baseline.json",
            ".",
        ],
        &h.tree,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["baseline"]["stale"], max);
    assert_eq!(doc["summary"]["baseline"]["new"], 1);
}

/// Seconds for the text report of `n` findings in one file, and for `n` directives of many rule
/// names each: the report and the directive matching must be linear.
fn report_and_directive_time(n: usize) -> (f64, f64) {
    let h = hostile();
    let mut body = String::new();
    for i in 0..n {
        body.push_str(&format!(
            "  try {{ await go{i}(id); }} catch (e{i}) {{ return {{ content: [{{ type: \"text\", text: e{i}.message }}] }}; }}\n"
        ));
    }
    let source = format!(
        "import {{ McpServer }} from \"@modelcontextprotocol/sdk/server/mcp.js\";\n\
         const server = new McpServer({{ name: \"s\", version: \"1\" }});\n\
         server.tool(\"t\", \"A tool\", {{}}, async ({{ id }}) => {{\n{body}  return {{ content: [] }};\n}});\n"
    );
    std::fs::write(h.tree.join("many.ts"), source).unwrap();
    let started = std::time::Instant::now();
    let out = faultline(&["scan", "--no-color", "--select", "SEC004", "."], &h.tree);
    let report = started.elapsed().as_secs_f64();
    assert_eq!(out.status.code(), Some(1));
    let rules: Vec<String> = (0..200).map(|i| format!("error-leak{i}")).collect();
    let mut directives = String::new();
    for i in 0..n / 10 {
        directives.push_str(&format!(
            "// faultline-ignore[{}]: reason\nexport const v{i} = {i};\n",
            rules.join(",")
        ));
    }
    std::fs::write(h.tree.join("directives.ts"), directives).unwrap();
    let started = std::time::Instant::now();
    let out = faultline(&["scan", "--format", "json", "directives.ts"], &h.tree);
    let matching = started.elapsed().as_secs_f64();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    (report, matching)
}

#[test]
#[ignore = "timing: run in release (.ci/run does)"]
fn text_report_and_directive_matching_grow_linearly() {
    let n = 2_000;
    let (report_n, directives_n) = report_and_directive_time(n);
    let (report_2n, directives_2n) = report_and_directive_time(2 * n);
    assert!(
        report_2n < 3.0 * report_n.max(0.05),
        "text report: {report_n:.3}s for {n} findings, {report_2n:.3}s for {}",
        2 * n
    );
    assert!(
        directives_2n < 3.0 * directives_n.max(0.05),
        "directives: {directives_n:.3}s, then {directives_2n:.3}s"
    );
}
