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

// ---- issue 16: a hostile repository cannot crash, hang or exhaust faultline -------------

mod hostile;

/// What one run of the binary gave: exit code, report on standard output, standard error and
/// how long it took. Fails the test (not hanging it) past `limit`.
struct Run {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
    elapsed: Duration,
}

fn run_within(args: &[&str], cwd: &Path, stdin: Stdio, limit: Duration) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let started = Instant::now();
    // Drain both pipes while waiting, so that a large report cannot block the child.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut bytes).unwrap();
        bytes
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut err, &mut text).unwrap();
        text
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            child.kill().unwrap();
            let _ = child.wait();
            panic!("faultline {args:?} ran past {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = started.elapsed();
    let run = Run {
        code: status.code(),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
        elapsed,
    };
    assert!(
        !run.stderr.contains("panicked"),
        "faultline {args:?} panicked: {}",
        run.stderr
    );
    assert!(
        matches!(run.code, Some(0..=2)),
        "faultline {args:?} exited {:?} (a signal, or a panic's 101): {}",
        status,
        run.stderr
    );
    run
}

const TEN_SECONDS: Duration = Duration::from_secs(10);

fn report_of(run: &Run) -> serde_json::Value {
    serde_json::from_slice(&run.stdout).unwrap_or_else(|e| {
        panic!(
            "not a JSON report ({e}): {}\n{}",
            String::from_utf8_lossy(&run.stdout),
            run.stderr
        )
    })
}

/// Whether the JSON report lists `name` as scanned (a finding, or counted in the summary of
/// a scan of that one file) or as skipped; returns how.
fn listed(doc: &serde_json::Value, name: &str) -> &'static str {
    let skipped = doc["skipped"].as_array().unwrap();
    if skipped
        .iter()
        .any(|s| s["path"].as_str().unwrap().ends_with(name))
    {
        return "skipped";
    }
    let summary = &doc["summary"];
    let in_lists = ["files_with_syntax_errors", "files_too_deep"]
        .iter()
        .any(|k| {
            summary[*k]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p.as_str().unwrap().ends_with(name))
        });
    if in_lists || summary["files_scanned"] == 1 {
        return "scanned";
    }
    panic!("{name} is neither scanned nor skipped: {doc}");
}

fn the_issue_python_file() -> String {
    let depth = 1800;
    let mut s: String = (0..depth)
        .map(|i| format!("{}def f{i}():\n", " ".repeat(i)))
        .collect();
    s += &" ".repeat(depth);
    s += "return requests.get(\"http://x\")\n";
    s
}

fn stdin_of(text: &str, dir: &Path) -> Stdio {
    let path = dir.join(format!("stdin-{}", text.len()));
    std::fs::write(&path, text).unwrap();
    Stdio::from(std::fs::File::open(path).unwrap())
}

/// The issue's first input: tree-sitter's Python scanner asserted (SIGABRT) on 1,800 nested
/// `def`s; the pre-scan passes the file over with its reason, from a file and from stdin.
#[test]
fn eighteen_hundred_nested_defs_are_skipped_not_aborted() {
    let dir = tempfile::tempdir().unwrap();
    let source = the_issue_python_file();
    std::fs::write(dir.path().join("x.py"), &source).unwrap();
    let reason = "nested too deeply (1800 indentation levels; the limit is 256)";
    let run = run_within(
        &["scan", "x.py", "--format", "json"],
        dir.path(),
        Stdio::null(),
        TEN_SECONDS * 3,
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(reason_for(&report_of(&run), "x.py"), reason);
    let run = run_within(
        &["scan", "-", "--stdin-filename", "x.py", "--format", "json"],
        dir.path(),
        stdin_of(&source, dir.path()),
        TEN_SECONDS * 3,
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(reason_for(&report_of(&run), "x.py"), reason);
}

/// Every indentation depth up to the bound parses without aborting, with a string open (the
/// scanner's serialised state is largest then): the bound is below what the scanner takes.
#[test]
fn python_indentation_up_to_the_bound_parses() {
    let levels = faultline::prescan::MAX_INDENT_LEVELS;
    let source = hostile::PYTHON[0].generate;
    let text = source(levels);
    assert_eq!(
        faultline::prescan::problem(Language::Python, text.as_bytes()),
        None
    );
    assert!(faultline::prescan::problem(Language::Python, source(levels + 1).as_bytes()).is_some());
    let registry = Registry::builtin();
    let knowledge = Knowledge::builtin();
    let found = std::thread::Builder::new()
        .stack_size(faultline::WORKER_STACK)
        .spawn(move || {
            faultline::scan_source(
                "x.py",
                Language::Python,
                text.as_bytes(),
                &registry,
                &knowledge,
            )
            .map(|f| f.len())
        })
        .unwrap()
        .join()
        .unwrap();
    assert!(found.is_ok(), "{found:?}");
}

/// The issue's call chain (100,000 chained `.b()`, 500 KB) ran past 120 s: each call's callee
/// path was rebuilt from the whole chain below it. Now linear, from a file and from stdin.
#[test]
#[ignore = "timing: run in release"]
fn a_hundred_thousand_chained_calls_scan_in_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let source = String::from("const x = a.b()\n") + &".b()\n".repeat(100_000) + ";\n";
    std::fs::write(dir.path().join("chain.ts"), &source).unwrap();
    let run = run_within(
        &["scan", "chain.ts", "--format", "json"],
        dir.path(),
        Stdio::null(),
        TEN_SECONDS,
    );
    assert_eq!(
        listed(&report_of(&run), "chain.ts"),
        "scanned",
        "{}",
        run.stderr
    );
    let run = run_within(
        &[
            "scan",
            "-",
            "--stdin-filename",
            "chain.ts",
            "--format",
            "json",
        ],
        dir.path(),
        stdin_of(&source, dir.path()),
        TEN_SECONDS,
    );
    assert_eq!(
        listed(&report_of(&run), "chain.ts"),
        "scanned",
        "{}",
        run.stderr
    );
}

/// `--baseline /dev/zero` read 16 GB; standard input from /dev/zero never stopped; `scan
/// /dev/zero` said grade A for nothing. Each is now a bounded read with a message.
#[cfg(unix)]
#[test]
fn devices_are_not_read_without_a_bound() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.ts"), "export const a = 1;\n").unwrap();
    let run = run_within(
        &["scan", "--baseline", "/dev/zero", "a.ts"],
        dir.path(),
        Stdio::null(),
        TEN_SECONDS,
    );
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .contains("refusing to read the baseline /dev/zero: it is not a regular file"),
        "{}",
        run.stderr
    );

    let zero = || Stdio::from(std::fs::File::open("/dev/zero").unwrap());
    let run = run_within(
        &["scan", "-", "--stdin-filename", "a.ts", "--format", "json"],
        dir.path(),
        zero(),
        TEN_SECONDS,
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(reason_for(&report_of(&run), "a.ts"), "larger than 2 MB");

    let run = run_within(
        &["scan", "/dev/zero", "--format", "json"],
        dir.path(),
        Stdio::null(),
        TEN_SECONDS,
    );
    let doc = report_of(&run);
    assert_eq!(reason_for(&doc, "/dev/zero"), "not a regular file");
    assert_eq!(doc["summary"]["files_scanned"], 0);
    assert!(
        run.stderr
            .contains("warning: no TypeScript, JavaScript or Python file was scanned"),
        "{}",
        run.stderr
    );

    let run = run_within(
        &["scan", "--config", "/dev/zero", "a.ts"],
        dir.path(),
        Stdio::null(),
        TEN_SECONDS,
    );
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .contains("refusing to read the configuration /dev/zero: it is not a regular file"),
        "{}",
        run.stderr
    );
}

/// A baseline or a configuration past its size limit is refused after limit + 1 bytes.
#[test]
fn oversized_baselines_and_configs_are_refused_with_their_limit() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.ts"), "export const a = 1;\n").unwrap();
    let big = std::fs::File::create(dir.path().join("big.json")).unwrap();
    big.set_len(faultline::read::BASELINE_LIMIT + 1).unwrap();
    let run = run_within(
        &["scan", "--baseline", "big.json", "a.ts"],
        dir.path(),
        Stdio::null(),
        TEN_SECONDS,
    );
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .contains("cannot read the baseline big.json: larger than 64 MB"),
        "{}",
        run.stderr
    );
    let big = std::fs::File::create(dir.path().join("big.toml")).unwrap();
    big.set_len(faultline::read::CONFIG_LIMIT + 1).unwrap();
    let run = run_within(
        &["scan", "--config", "big.toml", "a.ts"],
        dir.path(),
        Stdio::null(),
        TEN_SECONDS,
    );
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .contains("cannot read the configuration big.toml: larger than 4 MB"),
        "{}",
        run.stderr
    );
}

/// A named folder with no source file in it says so; so does a scan that scanned nothing.
#[test]
fn a_named_path_with_nothing_to_scan_says_so() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    std::fs::write(dir.path().join("empty/notes.txt"), "hello\n").unwrap();
    let run = run_within(
        &["scan", "empty", "--format", "json"],
        dir.path(),
        Stdio::null(),
        TEN_SECONDS,
    );
    assert_eq!(run.code, Some(0));
    assert_eq!(
        reason_for(&report_of(&run), "empty"),
        "no TypeScript, JavaScript or Python file in it"
    );
    assert!(
        run.stderr
            .contains("no TypeScript, JavaScript or Python file was scanned")
    );
}

/// 500,000 `exclude` globs took 23 s and 3.2 GB; past 10,000 they are refused at once.
#[test]
fn a_pathological_exclude_fails_fast() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.ts"), "export const a = 1;\n").unwrap();
    // Short globs, so that the file stays under the 4 MB limit of a configuration.
    let globs = vec!["\"a\""; 500_000];
    std::fs::write(
        dir.path().join("faultline.toml"),
        format!("exclude = [{}]\n", globs.join(",")),
    )
    .unwrap();
    let run = run_within(&["scan", "a.ts"], dir.path(), Stdio::null(), TEN_SECONDS);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .contains("`exclude` lists 500000 globs; at most 10000 are accepted"),
        "{}",
        run.stderr
    );
    // 10,000 globs are accepted, and cost little.
    let globs: Vec<String> = (0..10_000).map(|i| format!("\"d{i}/**\"")).collect();
    std::fs::write(
        dir.path().join("faultline.toml"),
        format!("exclude = [{}]\n", globs.join(",")),
    )
    .unwrap();
    let run = run_within(&["scan", "a.ts"], dir.path(), Stdio::null(), TEN_SECONDS);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
}

/// `-j 100000` ran past 15 minutes reserving 900 GB; it is capped with a warning.
#[test]
fn a_huge_thread_count_is_capped_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("leak.py"), LEAK_PY).unwrap();
    let run = run_within(
        &["scan", "-j", "100000", "--format", "json", "."],
        dir.path(),
        Stdio::null(),
        TEN_SECONDS,
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let cap = cores * faultline::THREADS_PER_CORE;
    assert!(
        run.stderr.contains(&format!(
            "warning: -j 100000 is more threads than help on this machine; using {cap}"
        )),
        "{}",
        run.stderr
    );
    assert_eq!(faultline::capped_threads(100_000), (cap, true));
    assert_eq!(faultline::capped_threads(1), (1, false));
    assert_eq!(report_of(&run)["summary"]["files_scanned"], 1);
}

/// Writing to a full disk is an I/O error with exit 2 and a message, on every command.
#[cfg(target_os = "linux")]
#[test]
fn write_errors_are_io_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("leak.py"), LEAK_PY).unwrap();
    let full = || Stdio::from(std::fs::File::create("/dev/full").unwrap());
    for args in [
        vec!["rules"],
        vec!["rules", "--format", "json"],
        vec!["explain", "SEC001"],
        vec!["scan", "leak.py"],
        vec!["scan", "leak.py", "--format", "sarif"],
        vec!["config"],
        vec!["--help"],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_faultline"))
            .args(&args)
            .current_dir(dir.path())
            .stdout(full())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("cannot write to standard output: No space left on device"),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    // Standard error full too: nothing to say it on, still no panic.
    let output = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(["scan", "leak.py"])
        .current_dir(dir.path())
        .stdout(full())
        .stderr(full())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

/// A file whose parse runs past the budget is abandoned by tree-sitter's progress callback
/// and reported as skipped with its reason; the scan goes on to the other files.
#[test]
fn a_file_past_its_time_budget_is_skipped_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("leak.py"), LEAK_PY).unwrap();
    let slow = many_functions_ts(2_000);
    std::fs::write(dir.path().join("slow.ts"), &slow).unwrap();
    let mut options = options(vec![dir.path().to_path_buf()]);
    options.file_budget = Some(Duration::ZERO);
    let report = faultline::scan(&options, &Registry::builtin()).unwrap();
    // The large file's parse is cancelled; the small one may finish parsing before the
    // callback's first look at the clock, and is then abandoned in the lowering.
    assert_eq!(report.skipped.len(), 2, "{:?}", report.skipped);
    assert!(report.skipped[1].path.ends_with("slow.ts"));
    assert_eq!(
        report.skipped[1].reason,
        "parsing took longer than the 0 s budget of one file"
    );
    assert!(
        report.skipped[0]
            .reason
            .ends_with("took longer than the 0 s budget of one file"),
        "{:?}",
        report.skipped[0]
    );
    assert_eq!(report.files_scanned, 0);
    // The same files within the default budget: scanned, with the finding.
    options.file_budget = None;
    let report = faultline::scan(&options, &Registry::builtin()).unwrap();
    assert_eq!(report.files_scanned, 2);
    assert!(report.findings.iter().any(|f| f.path.ends_with("leak.py")));
    assert_eq!(
        faultline::lang::lower_within(Language::TypeScript, slow.as_bytes(), Duration::ZERO)
            .map(|m| m.functions.len()),
        Err(faultline::lang::Abandoned::Parse(Duration::ZERO))
    );
}

/// Every nesting and chaining construct in TypeScript, JavaScript and Python (see
/// tests/hostile/mod.rs) at 500 levels: analysed, or
/// refused by the pre-scan for its indentation; no panic.
#[test]
fn every_construct_five_hundred_deep_is_analysed_or_refused() {
    // 500 levels: past the Python indentation bound, and quick in a debug build (the file
    // limit is for the release test below).
    const LEVELS: usize = 500;
    std::thread::Builder::new()
        .stack_size(faultline::WORKER_STACK)
        .spawn(|| {
            let registry = Registry::builtin();
            let knowledge = Knowledge::builtin();
            let families = [
                (Language::TypeScript, hostile::JAVASCRIPT),
                (Language::JavaScript, hostile::JAVASCRIPT),
                (Language::Tsx, hostile::JAVASCRIPT),
                (Language::Python, hostile::PYTHON),
            ];
            for (language, constructs) in families {
                for construct in constructs {
                    let source = (construct.generate)(LEVELS);
                    let result = faultline::scan_source(
                        "server.x",
                        language,
                        source.as_bytes(),
                        &registry,
                        &knowledge,
                    );
                    if let Err(reason) = &result {
                        assert!(
                            reason.starts_with("nested too deeply"),
                            "{language:?} {}: {reason}",
                            construct.name
                        );
                    }
                }
            }
        })
        .unwrap()
        .join()
        .unwrap();
}

/// The same constructs at the most levels that fit in the file limit, through the binary,
/// one file each: exit 0, 1 or 2 within 10 s, the file listed as scanned or skipped.
#[test]
#[ignore = "timing: run in release"]
fn every_construct_at_the_file_limit_ends_within_ten_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let limit = discover::MAX_FILE_BYTES as usize;
    let families = [
        ("ts", hostile::JAVASCRIPT),
        ("js", hostile::JAVASCRIPT),
        ("py", hostile::PYTHON),
    ];
    let mut slowest = (Duration::ZERO, String::new());
    for (extension, constructs) in families {
        for (index, construct) in constructs.iter().enumerate() {
            let levels = hostile::levels_within(construct, limit);
            let name = format!("c{index}.{extension}");
            std::fs::write(dir.path().join(&name), (construct.generate)(levels)).unwrap();
            let run = run_within(
                &["scan", &name, "--format", "json"],
                dir.path(),
                Stdio::null(),
                TEN_SECONDS,
            );
            let how = listed(&report_of(&run), &name);
            eprintln!(
                "{extension} {} ({levels} levels): {how} in {:?}",
                construct.name, run.elapsed
            );
            if run.elapsed > slowest.0 {
                slowest = (run.elapsed, format!("{extension} {}", construct.name));
            }
        }
    }
    eprintln!("slowest: {} in {:?}", slowest.1, slowest.0);
}

// ---- the fuzz corpus, replayed on stable Rust ---------------------------------------------

/// What the fuzz targets check of one file (fuzz/fuzz_targets/common.rs), without libFuzzer:
/// the analysis returns, and every finding's span lies inside the file.
fn analyse_like_the_fuzzer(path: &str, language: Language, data: &[u8]) {
    let registry = Registry::builtin();
    let knowledge = Knowledge::builtin();
    let Ok(findings) = faultline::scan_source(path, language, data, &registry, &knowledge) else {
        return;
    };
    let text = std::str::from_utf8(data).expect("analysed input is UTF-8");
    let lines = faultline::locate::LineIndex::new(text);
    for f in findings {
        assert!(
            f.span.start <= f.span.end && f.span.end as usize <= data.len(),
            "{path}: {} span {:?} outside the file",
            f.rule,
            f.span
        );
        lines.position(f.span.start as usize);
        lines.position(f.span.end as usize);
    }
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// CI's fuzz smoke: the seed corpora of both fuzz targets (fuzz/corpus/scan_source and the
/// rule fixtures as arbitrary bytes in all four languages; fuzz/corpus/shapes as recipes of
/// deep constructs) and every input the fuzzer found (fuzz/regressions/<target>/), replayed
/// through the same entry point, `scan_source`, on stable Rust.
#[test]
fn the_fuzz_corpus_replays_without_a_crash() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut bytes_inputs = Vec::new();
    files_under(&root.join("fuzz/corpus/scan_source"), &mut bytes_inputs);
    files_under(&root.join("fixtures"), &mut bytes_inputs);
    files_under(
        &root.join("fuzz/regressions/scan_source"),
        &mut bytes_inputs,
    );
    let mut recipes = Vec::new();
    files_under(&root.join("fuzz/corpus/shapes"), &mut recipes);
    files_under(&root.join("fuzz/regressions/shapes"), &mut recipes);
    assert!(bytes_inputs.len() > 100, "{}", bytes_inputs.len());
    assert_eq!(
        recipes
            .iter()
            .filter(|p| p.starts_with(root.join("fuzz/corpus/shapes")))
            .count(),
        86
    );
    let languages = [
        Language::TypeScript,
        Language::Tsx,
        Language::JavaScript,
        Language::Python,
    ];
    std::thread::Builder::new()
        .stack_size(faultline::WORKER_STACK)
        .spawn(move || {
            let mut analysed = 0;
            for input in &bytes_inputs {
                let data = std::fs::read(input).unwrap();
                for ((path, _), language) in hostile::FILES.iter().zip(languages) {
                    analyse_like_the_fuzzer(path, language, &data);
                    analysed += 1;
                }
            }
            for input in &recipes {
                let data = std::fs::read(input).unwrap();
                let (file, source) = hostile::recipe(&data).expect("a recipe");
                analyse_like_the_fuzzer(hostile::FILES[file].0, languages[file], source.as_bytes());
                analysed += 1;
            }
            assert_eq!(analysed, bytes_inputs.len() * 4 + recipes.len());
        })
        .unwrap()
        .join()
        .unwrap();
}
