//! Hostile trees and inputs that grow: nothing crashes or blocks, every file passed over has a
//! reason, and the analysis grows linearly with the input. (tests/cli.rs covers binary files,
//! invalid UTF-8, link loops, links out of the tree and unreadable files one by one; here
//! they meet the rest in one tree.)

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use faultline::knowledge::Knowledge;
use faultline::model::Language;
use faultline::rules::Registry;
use faultline::{ScanOptions, discover};

const LEAK_PY: &str = "from mcp.server.fastmcp import FastMCP\nmcp = FastMCP('x')\n\n@mcp.tool()\ndef run(cmd: str) -> str:\n    \"\"\"Run.\"\"\"\n    try:\n        return go(cmd)\n    except Exception as e:\n        return str(e)\n";

fn options(paths: Vec<PathBuf>) -> ScanOptions {
    ScanOptions {
        paths,
        rules: Registry::builtin()
            .rules
            .iter()
            .map(|r| r.meta.id.clone())
            .collect(),
        threads: Some(2),
        respect_ignore_files: false,
        vocabulary: Default::default(),
        ..Default::default()
    }
}

/// Runs the binary, failing the test (not hanging it) if the scan takes over a minute.
fn faultline_within_a_minute(args: &[&str], cwd: &Path) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
            return (status.code(), stderr);
        }
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("the scan blocked for a minute");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(status.success());
}

fn reason_for(doc: &serde_json::Value, name: &str) -> String {
    doc["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["path"].as_str().unwrap().ends_with(name))
        .and_then(|s| s["reason"].as_str())
        .map(str::to_string)
        .unwrap_or_else(|| panic!("{name} not skipped: {}", doc["skipped"]))
}

#[cfg(unix)]
#[test]
fn a_hostile_tree_gets_a_reason_for_every_file_and_a_written_report() {
    use std::os::unix::fs::{PermissionsExt, symlink};
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("tree");
    std::fs::create_dir(&root).unwrap();
    // 100,000 nested brackets, one per line so that the files are not taken as minified.
    let deep = "[\n".repeat(100_000) + &"]\n".repeat(100_000);
    std::fs::write(root.join("deep.ts"), format!("const x = {deep};\n")).unwrap();
    let deep_py = "(\n".repeat(100_000) + &")\n".repeat(100_000);
    std::fs::write(root.join("deep.py"), format!("x = {deep_py}\n")).unwrap();
    // 50 MB on one line: passed over on its size, before it is read.
    let huge = std::fs::File::create(root.join("huge.js")).unwrap();
    huge.set_len(50 * 1024 * 1024).unwrap();
    std::fs::write(
        root.join("binary.ts"),
        b"\x7fELF\x02\x01\x01\x00\x00\x00const a = 1;",
    )
    .unwrap();
    std::fs::write(root.join("latin1.py"), b"s = '\xe9t\xe9'\n").unwrap();
    symlink(&root, root.join("loop")).unwrap();
    let outside = dir.path().join("outside.ts");
    std::fs::write(&outside, "export const secret = 1;\n").unwrap();
    symlink(&outside, root.join("out_of_tree.ts")).unwrap();
    mkfifo(&root.join("pipe.ts"));
    let locked = root.join("locked.ts");
    std::fs::write(&locked, "export const a = 1;\n").unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let as_root = std::fs::read(&locked).is_ok();
    std::fs::write(root.join("leak.py"), LEAK_PY).unwrap();

    let report = dir.path().join("report.json");
    let (code, stderr) = faultline_within_a_minute(
        &[
            "scan",
            "tree",
            "--format",
            "json",
            "-o",
            report.to_str().unwrap(),
        ],
        dir.path(),
    );
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("report written")).unwrap();
    assert_eq!(reason_for(&doc, "huge.js"), "larger than 2 MB");
    assert_eq!(reason_for(&doc, "binary.ts"), "binary file");
    assert_eq!(reason_for(&doc, "latin1.py"), "not valid UTF-8");
    assert!(reason_for(&doc, "out_of_tree.ts").contains("outside the scanned tree"));
    assert_eq!(reason_for(&doc, "pipe.ts"), "not a regular file");
    let too_deep = doc["summary"]["files_too_deep"].as_array().unwrap();
    assert!(too_deep.iter().any(|p| p == "tree/deep.ts"), "{too_deep:?}");
    assert!(too_deep.iter().any(|p| p == "tree/deep.py"), "{too_deep:?}");
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["path"] == "tree/leak.py"),
        "the scan went on to the real finding"
    );
    if as_root {
        assert_eq!(code, Some(1), "{stderr}");
    } else {
        assert_eq!(code, Some(2), "{stderr}");
        assert_eq!(doc["errors"][0]["path"], "tree/locked.ts");
        assert!(stderr.contains("tree/locked.ts: cannot read"), "{stderr}");
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_named_on_the_command_line_does_not_block() {
    let dir = tempfile::tempdir().unwrap();
    mkfifo(&dir.path().join("pipe.py"));
    let (code, stderr) = faultline_within_a_minute(&["scan", "pipe.py"], dir.path());
    assert_eq!(code, Some(0), "{stderr}");
}

/// A file listed by the walk and deleted before it is read: an error that names it, and the
/// other files are still analysed.
#[test]
fn a_file_deleted_during_the_scan_is_an_error_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("leak.py"), LEAK_PY).unwrap();
    std::fs::write(dir.path().join("gone.ts"), "export const a = 1;\n").unwrap();
    let options = options(vec![dir.path().to_path_buf()]);
    let walk = discover::WalkOptions {
        respect_ignore_files: false,
        exclude: None,
    };
    let discovery = discover::discover(&options.paths, &walk);
    assert_eq!(discovery.files.len(), 2);
    std::fs::remove_file(dir.path().join("gone.ts")).unwrap();
    let report = faultline::scan_discovered(discovery, &options, &Registry::builtin()).unwrap();
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert!(report.errors[0].path.ends_with("gone.ts"));
    assert!(
        report.errors[0]
            .message
            .starts_with("cannot read: deleted during the scan"),
        "{}",
        report.errors[0].message
    );
    assert_eq!(report.files_scanned, 1);
    let leaks = report.findings.iter().filter(|f| f.rule == "SEC004");
    assert_eq!(leaks.count(), 1);
}

/// A file that became a FIFO after the walk is passed over, not opened (opening would block).
#[cfg(unix)]
#[test]
fn a_file_replaced_by_a_fifo_after_the_walk_is_not_opened() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.ts");
    std::fs::write(&path, "export const a = 1;\n").unwrap();
    let options = options(vec![dir.path().to_path_buf()]);
    let walk = discover::WalkOptions {
        respect_ignore_files: false,
        exclude: None,
    };
    let discovery = discover::discover(&options.paths, &walk);
    std::fs::remove_file(&path).unwrap();
    mkfifo(&path);
    let (done, wait) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let report = faultline::scan_discovered(discovery, &options, &Registry::builtin());
        let _ = done.send(report);
    });
    let report = wait
        .recv_timeout(Duration::from_secs(60))
        .expect("the scan blocked on a FIFO")
        .unwrap();
    assert_eq!(report.skipped.len(), 1, "{:?}", report.skipped);
    assert_eq!(report.skipped[0].reason, "not a regular file");
    assert!(report.errors.is_empty());
}

// ---- growth ------------------------------------------------------------------------------

/// One in-memory scan of `source`: its time and its findings counted by rule.
fn timed_scan(language: Language, source: &str) -> (Duration, BTreeMap<String, usize>) {
    let registry = Registry::builtin();
    let knowledge = Knowledge::builtin();
    let path = match language {
        Language::Python => "server.py",
        _ => "server.ts",
    };
    let started = Instant::now();
    let found =
        faultline::scan_source(path, language, source.as_bytes(), &registry, &knowledge).unwrap();
    let elapsed = started.elapsed();
    let mut by_rule = BTreeMap::new();
    for finding in &found {
        *by_rule.entry(finding.rule.to_string()).or_insert(0) += 1;
    }
    (elapsed, by_rule)
}

/// The fastest of five scans of each input, taken in turns (small, large, small, ...) so that
/// a busy spell of the machine slows both alike; the minimum shrugs off the rest.
fn fastest_scans(
    language: Language,
    small: &str,
    large: &str,
) -> [(Duration, BTreeMap<String, usize>); 2] {
    let mut best = [
        (Duration::MAX, BTreeMap::new()),
        (Duration::MAX, BTreeMap::new()),
    ];
    for _ in 0..5 {
        for (slot, source) in [small, large].into_iter().enumerate() {
            let (elapsed, by_rule) = timed_scan(language, source);
            best[slot].0 = best[slot].0.min(elapsed);
            best[slot].1 = by_rule;
        }
    }
    best
}

/// Doubling the input must less than triple the time (a quadratic path quadruples it). The
/// scan runs on a thread with the stack the scan's workers have.
fn grows_linearly(language: Language, generate: fn(usize) -> String, n: usize) {
    std::thread::Builder::new()
        .stack_size(faultline::WORKER_STACK)
        .spawn(move || {
            let [(small, small_findings), (large, large_findings)] =
                fastest_scans(language, &generate(n), &generate(2 * n));
            assert!(
                !small_findings.is_empty(),
                "the generated code has findings"
            );
            // Each rule either fires once per repeated function (twice as often on 2n) or a
            // fixed number of times (the one tool, the one file).
            let scaled: Vec<&String> = small_findings
                .iter()
                .filter(|(rule, count)| large_findings.get(*rule) == Some(&(2 * **count)))
                .map(|(rule, _)| rule)
                .collect();
            assert!(
                !scaled.is_empty(),
                "{small_findings:?} -> {large_findings:?}"
            );
            for (rule, count) in &large_findings {
                let before = small_findings.get(rule).copied().unwrap_or(0);
                assert!(
                    *count == before || *count == 2 * before,
                    "{rule}: {before} findings on n, {count} on 2n"
                );
            }
            let ratio = large.as_secs_f64() / small.as_secs_f64();
            eprintln!("{language:?} n={n}: {small:?} -> {large:?} for 2n ({ratio:.2}x)");
            assert!(
                ratio < 3.0,
                "doubling the input took {ratio:.2}x the time: {small:?} -> {large:?}"
            );
        })
        .unwrap()
        .join()
        .unwrap();
}

/// `n` functions, each calling the next and defining a callback inside a `try`, with auth
/// checks, leaks, and instances whose methods are called; one tool reaches them all.
fn many_functions_ts(n: usize) -> String {
    let mut s = String::from(
        "import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';\nconst server = new McpServer({ name: 'x', version: '1' });\n",
    );
    for i in 0..n {
        s += &format!(
            "const c{i} = new Client{i}();\nasync function f{i}(a) {{\n  try {{\n    await verifyToken(a);\n    c{i}.get(a, () => f{}(a));\n  }} catch (e) {{\n    return {{ content: [{{ type: 'text', text: e.message }}] }};\n  }}\n}}\n",
            i + 1
        );
    }
    s += "server.tool('t', 'd', {}, async (a) => f0(a));\n";
    s
}

fn many_functions_py(n: usize) -> String {
    let mut s = String::from("from mcp.server.fastmcp import FastMCP\nmcp = FastMCP('x')\n");
    for i in 0..n {
        s += &format!(
            "c{i} = Client{i}()\nasync def f{i}(a):\n    try:\n        await verify_token(a)\n        c{i}.get(a, lambda: f{}(a))\n    except Exception as e:\n        return str(e)\n",
            i + 1
        );
    }
    s += "@mcp.tool()\nasync def t(a: str) -> str:\n    \"\"\"d\"\"\"\n    return await f0(a)\n";
    s
}

/// `n` tool registrations, each through a wrapper, each handler leaking an error message.
fn many_tools_ts(n: usize) -> String {
    let mut s = String::from(
        "import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';\nconst server = new McpServer({ name: 'x', version: '1' });\nconst helper = async (a) => a;\n",
    );
    for i in 0..n {
        s += &format!(
            "server.tool('t{i}', 'd', {{}}, withLog(async (a) => {{\n  try {{ return await helper(a); }}\n  catch (e) {{ return {{ content: [{{ type: 'text', text: e.message }}] }}; }}\n}}));\n"
        );
    }
    s
}

fn many_tools_py(n: usize) -> String {
    let mut s = String::from("from mcp.server.fastmcp import FastMCP\nmcp = FastMCP('x')\n");
    for i in 0..n {
        s += &format!(
            "@mcp.tool()\nasync def t{i}(a: str) -> str:\n    \"\"\"d\"\"\"\n    try:\n        return await helper(a)\n    except Exception as e:\n        return f'failed: {{e}}'\n"
        );
    }
    s
}

// Timing tests: slow and noisy in a debug build, so they run in release from .ci/run:
//     cargo test --release --test robustness -- --ignored

/// 20,000 functions (10,000 named ones, each with a callback), then 40,000.
#[test]
#[ignore = "timing: run in release"]
fn twenty_thousand_functions_scan_in_linear_time() {
    grows_linearly(Language::TypeScript, many_functions_ts, 10_000);
    grows_linearly(Language::Python, many_functions_py, 10_000);
}

#[test]
#[ignore = "timing: run in release"]
fn five_thousand_tool_registrations_scan_in_linear_time() {
    grows_linearly(Language::TypeScript, many_tools_ts, 5_000);
    grows_linearly(Language::Python, many_tools_py, 5_000);
}
