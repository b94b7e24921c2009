//! Runs the real `faultline` binary: exit codes, the JSON document, rule selection,
//! determinism across thread counts, and hostile input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn faultline(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn findings(doc: &serde_json::Value) -> &Vec<serde_json::Value> {
    doc["findings"].as_array().expect("findings is an array")
}

#[test]
fn findings_fail_the_run_and_the_json_has_the_documented_fields() {
    let out = faultline(&["scan", "fixtures/SEC001", "--format", "json"], &repo());
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json(&out);
    assert_eq!(doc["version"], 1);
    let list = findings(&doc);
    assert!(list.len() >= 10, "only {} findings", list.len());
    let first = &list[0];
    for key in [
        "rule",
        "name",
        "axis",
        "severity",
        "path",
        "start",
        "end",
        "message",
        "help",
        "surface",
        "fingerprint",
    ] {
        assert!(first.get(key).is_some(), "finding lacks `{key}`: {first}");
    }
    assert_eq!(first["rule"], "SEC001");
    assert_eq!(first["axis"], "security");
    assert!(first["start"]["line"].as_u64().unwrap() >= 1);
    assert!(first["start"]["column"].as_u64().unwrap() >= 1);
    assert!(
        first["path"]
            .as_str()
            .unwrap()
            .starts_with("fixtures/SEC001/")
    );
    // The folder named on the command line is the project asked about: its own name
    // (`fixtures`) does not make its files test code; folders below it would.
    assert_eq!(first["surface"], "production");
}

#[test]
fn fail_on_sets_the_threshold() {
    let never = faultline(
        &["scan", "fixtures/SEC001", "--fail-on", "never", "-q"],
        &repo(),
    );
    assert_eq!(never.status.code(), Some(0));
    // A file whose only finding is a medium message leak passes with --fail-on high.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("server.py"),
        "from mcp.server.fastmcp import FastMCP\nmcp = FastMCP('x')\n\n@mcp.tool()\ndef get(key: str) -> str:\n    \"\"\"Get a value.\"\"\"\n    try:\n        return store[key]\n    except KeyError as e:\n        return f'missing: {e}'\n",
    )
    .unwrap();
    let high = faultline(
        &[
            "scan",
            ".",
            "--fail-on",
            "high",
            "--format",
            "json",
            "--select",
            "SEC",
        ],
        dir.path(),
    );
    assert_eq!(high.status.code(), Some(0));
    let doc = json(&high);
    assert_eq!(findings(&doc).len(), 1);
    assert_eq!(findings(&doc)[0]["severity"], "medium");
    let medium = faultline(&["scan", ".", "-q", "--select", "SEC"], dir.path());
    assert_eq!(medium.status.code(), Some(1));
}

#[test]
fn select_and_ignore_take_ids_names_and_prefixes() {
    let out = faultline(
        &[
            "scan",
            "fixtures",
            "--select",
            "error-leak",
            "--format",
            "json",
        ],
        &repo(),
    );
    let doc = json(&out);
    assert!(!findings(&doc).is_empty());
    assert!(findings(&doc).iter().all(|f| f["rule"] == "SEC004"));
    let out = faultline(
        &[
            "scan",
            "fixtures",
            "--select",
            "error-leak",
            "--ignore",
            "SEC",
            "--format",
            "json",
        ],
        &repo(),
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(findings(&json(&out)).is_empty());
    let bad = faultline(&["scan", "fixtures", "--select", "SEC999"], &repo());
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("SEC999"));
}

#[test]
fn usage_errors_exit_2() {
    let missing = faultline(&["scan", "no/such/dir"], &repo());
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no/such/dir"));
    let flag = faultline(&["scan", "--no-such-flag"], &repo());
    assert_eq!(flag.status.code(), Some(2));
    let bare = faultline(&["fixtures"], &repo());
    assert_eq!(bare.status.code(), Some(2));
}

#[test]
fn output_is_identical_whatever_the_thread_count() {
    let one = faultline(
        &["scan", "fixtures", "--format", "json", "-j", "1"],
        &repo(),
    );
    let eight = faultline(
        &["scan", "fixtures", "--format", "json", "-j", "8"],
        &repo(),
    );
    assert!(!findings(&json(&one)).is_empty());
    assert_eq!(one.stdout, eight.stdout);
}

#[test]
fn the_report_goes_to_the_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.json");
    let out = faultline(
        &[
            "scan",
            "fixtures/SEC004",
            "--format",
            "json",
            "-o",
            file.to_str().unwrap(),
        ],
        &repo(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert!(findings(&doc).iter().any(|f| f["rule"] == "SEC004"));
}

#[test]
fn rules_and_explain_describe_the_catalogue() {
    let list = faultline(&["rules"], &repo());
    assert_eq!(list.status.code(), Some(0));
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(text.contains("SEC001") && text.contains("fail-open-auth"));
    assert!(text.contains("SEC004") && text.contains("error-leak"));
    let explain = faultline(&["explain", "fail-open-auth"], &repo());
    let doc = String::from_utf8_lossy(&explain.stdout);
    assert!(doc.contains("# SEC001 fail-open-auth"));
    assert!(doc.contains("What is not flagged"));
    assert_eq!(
        faultline(&["explain", "NOPE01"], &repo()).status.code(),
        Some(2)
    );
}

#[test]
fn text_output_shows_the_snippet_and_a_summary() {
    // A copy outside fixtures/: SEC001 does not judge test surfaces, and fixtures/ is one.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::copy(
        repo().join("fixtures/SEC001/flag_catch_return_true.ts"),
        dir.path().join("src/gate.ts"),
    )
    .unwrap();
    let out = faultline(&["scan", "src/gate.ts"], dir.path());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("SEC001 fail-open-auth"), "{text}");
    assert!(text.contains("src/gate.ts:"), "{text}");
    assert!(text.contains("auth call whose failure is caught"), "{text}");
    assert!(text.contains("in 1 file"), "{text}");
}

/// A tree full of bad input: every file is skipped or analysed with a reason, nothing crashes,
/// and the one real finding in it is still reported.
#[test]
fn hostile_input_is_skipped_with_reasons_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // One bracket per line, so the files are not mistaken for minified ones.
    let deep = "[\n".repeat(60_000) + &"]\n".repeat(60_000);
    std::fs::write(root.join("deep.ts"), format!("const x = {deep};\n")).unwrap();
    let deep_py = "(\n".repeat(60_000) + &")\n".repeat(60_000);
    std::fs::write(root.join("deep.py"), format!("x = {deep_py}\n")).unwrap();
    let nested_blocks = "if (a) {\n".repeat(5_000) + &"}\n".repeat(5_000);
    std::fs::write(root.join("blocks.js"), nested_blocks).unwrap();
    std::fs::write(root.join("binary.ts"), b"\x00\x01\x02const a = 1;").unwrap();
    std::fs::write(root.join("latin1.py"), b"s = '\xe9t\xe9'\n").unwrap();
    std::fs::write(
        root.join("bundle.js"),
        format!("var a={};\n", "1+".repeat(4_000) + "1"),
    )
    .unwrap();
    std::fs::write(
        root.join("broken.ts"),
        "function ( { try { catch return }}}} <in T>",
    )
    .unwrap();
    std::fs::write(
        root.join("leak.py"),
        "from mcp.server.fastmcp import FastMCP\nmcp = FastMCP('x')\n\n@mcp.tool()\ndef run(cmd: str) -> str:\n    \"\"\"Run.\"\"\"\n    try:\n        return go(cmd)\n    except Exception as e:\n        return str(e)\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(root, root.join("loop")).unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.ts"), "export const k = 1;\n").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret.ts"), root.join("outside.ts"))
            .unwrap();
        std::os::unix::fs::symlink(root.join("leak.py"), root.join("inside_link.py")).unwrap();
        let out = faultline(&["scan", ".", "--format", "json"], root);
        let doc = json(&out);
        let skipped: Vec<(String, String)> = doc["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["path"].as_str().unwrap().to_string(),
                    s["reason"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let reason = |name: &str| {
            skipped
                .iter()
                .find(|(p, _)| p.ends_with(name))
                .map(|(_, r)| r.clone())
                .unwrap_or_else(|| panic!("{name} not skipped: {skipped:?}"))
        };
        assert_eq!(reason("binary.ts"), "binary file");
        assert_eq!(reason("latin1.py"), "not valid UTF-8");
        assert!(reason("bundle.js").starts_with("minified"));
        assert!(reason("outside.ts").contains("outside the scanned tree"));
        assert!(
            doc["errors"].as_array().unwrap().is_empty(),
            "{}",
            doc["errors"]
        );
        // deep.ts, deep.py, blocks.js, broken.ts, leak.py, inside_link.py
        assert_eq!(doc["summary"]["files_scanned"], 6, "{}", doc["summary"]);
        let syntax = doc["summary"]["files_with_syntax_errors"]
            .as_array()
            .unwrap();
        assert!(syntax.iter().any(|p| p == "broken.ts"), "{syntax:?}");
        let too_deep = doc["summary"]["files_too_deep"].as_array().unwrap();
        assert!(too_deep.iter().any(|p| p == "deep.ts"), "{too_deep:?}");
        let leaks: Vec<_> = findings(&doc)
            .iter()
            .filter(|f| f["rule"] == "SEC004")
            .collect();
        assert_eq!(leaks.len(), 2, "leak.py and the link to it: {leaks:?}");
        assert_eq!(out.status.code(), Some(1));
    }
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_an_error_and_the_report_is_still_written() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let locked = dir.path().join("locked.ts");
    std::fs::write(&locked, "export const a = 1;\n").unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&locked).is_ok() {
        return; // running as root: permissions do not stop reads
    }
    std::fs::write(dir.path().join("ok.ts"), "export const b = 2;\n").unwrap();
    let out = faultline(&["scan", ".", "--format", "json"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let doc = json(&out);
    assert_eq!(doc["summary"]["files_scanned"], 1);
    assert!(
        doc["errors"][0]["path"]
            .as_str()
            .unwrap()
            .ends_with("locked.ts")
    );
}

#[test]
fn build_output_is_skipped_only_when_its_sources_are_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let leak = "import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';\nconst server = new McpServer({ name: 'a', version: '1' });\nserver.tool('t', 'd', {}, async () => {\n  try { return await go(); } catch (e) { return { content: [{ type: 'text', text: e.message }] }; }\n});\n";
    let published = dir.path().join("published");
    std::fs::create_dir_all(published.join("dist")).unwrap();
    std::fs::write(published.join("dist/index.js"), leak).unwrap();
    let repo_like = dir.path().join("repo");
    std::fs::create_dir_all(repo_like.join("dist")).unwrap();
    std::fs::create_dir_all(repo_like.join("src")).unwrap();
    std::fs::write(repo_like.join("dist/index.js"), leak).unwrap();
    std::fs::write(repo_like.join("src/index.ts"), leak).unwrap();
    let out = faultline(&["scan", ".", "--format", "json"], dir.path());
    let doc = json(&out);
    let paths: Vec<&str> = findings(&doc)
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, vec!["published/dist/index.js", "repo/src/index.ts"]);
}

/// The README's first command: the demo server shows one real finding of each kind it was
/// written to have, and nothing else.
#[test]
fn the_readme_demo_server_shows_its_mistakes() {
    let out = faultline(
        &["scan", "examples/weather-server", "--format", "json"],
        &repo(),
    );
    assert_eq!(out.status.code(), Some(1));
    let doc = json(&out);
    let mut got: Vec<String> = findings(&doc)
        .iter()
        .map(|f| {
            let path = f["path"].as_str().unwrap();
            let file = path.rsplit('/').next().unwrap();
            format!(
                "{} {file}:{}",
                f["rule"].as_str().unwrap(),
                f["start"]["line"]
            )
        })
        .collect();
    got.sort();
    let want = [
        "DOC001 server.ts:33",
        "DOC002 server.ts:21",
        "DOC003 auth.ts:4",
        "DOC003 server.ts:12",
        "REL001 auth.ts:4",
        "REL001 server.ts:11",
        "REL002 server.ts:11",
        "REL003 server.ts:37",
        "SEC001 auth.ts:13",
        "SEC004 server.ts:28",
        "SEC005 server.ts:34",
    ];
    assert_eq!(got, want);
    assert_eq!(doc["scores"]["security"]["grade"], "D", "{}", doc["scores"]);
}
