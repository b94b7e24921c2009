//! Adopting faultline in an existing code base, through the real binary: configuration files,
//! vocabulary, inline suppressions, baselines, standard input, statistics, and scanning only
//! some files of a repository (as pre-commit does).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn faultline(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

fn faultline_stdin(args: &[&str], cwd: &Path, input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
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

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn findings(doc: &serde_json::Value) -> Vec<serde_json::Value> {
    doc["findings"].as_array().expect("findings").clone()
}

/// (rule, line) of each finding, and whether it counts.
fn summary(doc: &serde_json::Value) -> Vec<(String, u64, bool)> {
    findings(doc)
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["start"]["line"].as_u64().unwrap(),
                f["suppressed"] == false && f["baseline"] == false,
            )
        })
        .collect()
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A repository: a directory holding `.git`, so configuration discovery stops there.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    dir
}

const HEADER: &str = "import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';\nconst server = new McpServer({ name: 'a', version: '1' });\n";

/// A tool whose catch returns the error message (SEC004, medium), in a file with `tools` tools.
fn leaking_tool(name: &str) -> String {
    format!(
        "server.tool('{name}', 'd', {{}}, async () => {{\n  try {{\n    return await go();\n  }} catch (e) {{\n    return {{ content: [{{ type: 'text', text: e.message }}] }};\n  }}\n}});\n"
    )
}

// ---- configuration ------------------------------------------------------------------------

#[test]
fn config_is_discovered_upward_and_flags_override_it() {
    let repo = repository();
    write(
        repo.path(),
        "faultline.toml",
        "fail-on = \"high\"\nexclude = [\"pkg/generated/**\"]\n",
    );
    write(
        repo.path(),
        "pkg/src/server.ts",
        &(HEADER.to_string() + &leaking_tool("t")),
    );
    write(
        repo.path(),
        "pkg/generated/lib.ts",
        &(HEADER.to_string() + &leaking_tool("v")),
    );
    let pkg = repo.path().join("pkg");
    // fail-on = high: the medium leak does not fail; generated/ (relative to the config) is
    // excluded.
    let out = faultline(&["scan", ".", "--format", "json"], &pkg);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(summary(&doc), vec![("SEC004".into(), 7, true)]);
    assert_eq!(doc["summary"]["files_scanned"], 1);
    // The flag wins over the file.
    let out = faultline(&["scan", ".", "--fail-on", "medium", "-q"], &pkg);
    assert_eq!(out.status.code(), Some(1));
    // --isolated ignores the file.
    let out = faultline(&["scan", ".", "--isolated", "--format", "json"], &pkg);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["summary"]["files_scanned"], 2);
    // --config names one.
    write(repo.path(), "other.toml", "select = [\"SEC001\"]\n");
    let out = faultline(
        &["scan", ".", "--config", "../other.toml", "--format", "json"],
        &pkg,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(findings(&json(&out)).is_empty());
}

#[test]
fn discovery_stops_at_the_repository_root() {
    let outer = tempfile::tempdir().unwrap();
    write(outer.path(), "faultline.toml", "select = [\"SEC001\"]\n");
    let repo = outer.path().join("repo");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    write(
        &repo,
        "server.ts",
        &(HEADER.to_string() + &leaking_tool("t")),
    );
    let out = faultline(&["scan", ".", "--format", "json"], &repo);
    assert_eq!(
        findings(&json(&out)).len(),
        1,
        "the outer config must not apply"
    );
    let shown = faultline(&["config"], &repo);
    assert!(
        String::from_utf8_lossy(&shown.stdout).contains("no configuration file"),
        "{}",
        String::from_utf8_lossy(&shown.stdout)
    );
}

#[test]
fn pyproject_counts_only_with_a_tool_faultline_section() {
    let repo = repository();
    write(
        repo.path(),
        "server.py",
        "from mcp.server.fastmcp import FastMCP\nmcp = FastMCP('x')\n\n@mcp.tool()\ndef run(cmd: str) -> str:\n    \"\"\"Run.\"\"\"\n    try:\n        return go(cmd)\n    except Exception as e:\n        return str(e)\n",
    );
    write(
        repo.path(),
        "pyproject.toml",
        "[project]\nname = \"x\"\n[tool.ruff]\nline-length = 100\n",
    );
    let out = faultline(&["scan", ".", "-q"], repo.path());
    assert_eq!(out.status.code(), Some(1), "no section: defaults");
    write(
        repo.path(),
        "pyproject.toml",
        "[project]\nname = \"x\"\n[tool.faultline]\nfail-on = \"never\"\n",
    );
    let out = faultline(&["scan", ".", "-q"], repo.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let shown = String::from_utf8_lossy(&faultline(&["config"], repo.path()).stdout).into_owned();
    assert!(shown.contains("pyproject.toml"), "{shown}");
    assert!(shown.contains("fail-on = \"never\""), "{shown}");
}

#[test]
fn an_unknown_key_is_exit_2_naming_the_key_and_the_file() {
    let repo = repository();
    write(
        repo.path(),
        "faultline.toml",
        "fail-on = \"low\"\nsellect = [\"SEC\"]\n",
    );
    write(repo.path(), "a.ts", "export const a = 1;\n");
    let out = faultline(&["scan", "."], repo.path());
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("sellect") && err.contains("faultline.toml"),
        "{err}"
    );
    write(
        repo.path(),
        "faultline.toml",
        "[vocabulary]\nauth-call = [\"x\"]\n",
    );
    let err = stderr(&faultline(&["scan", "."], repo.path()));
    assert!(
        err.contains("auth-call") && err.contains("faultline.toml"),
        "{err}"
    );
    write(
        repo.path(),
        "faultline.toml",
        "[severity]\nSEC999 = \"low\"\n",
    );
    let out = faultline(&["scan", "."], repo.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("SEC999"), "{}", stderr(&out));
}

#[test]
fn severity_overrides_and_per_file_ignores_apply() {
    let repo = repository();
    write(
        repo.path(),
        "faultline.toml",
        "[severity]\nerror-leak = \"low\"\n\n[per-file-ignores]\n\"scripts/**\" = [\"SEC\"]\n",
    );
    write(
        repo.path(),
        "src/server.ts",
        &(HEADER.to_string() + &leaking_tool("t")),
    );
    write(
        repo.path(),
        "scripts/tool.ts",
        &(HEADER.to_string() + &leaking_tool("s")),
    );
    let out = faultline(&["scan", ".", "--format", "json"], repo.path());
    assert_eq!(out.status.code(), Some(0), "low does not fail at medium");
    let doc = json(&out);
    let list = findings(&doc);
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["path"], "src/server.ts");
    assert_eq!(list[0]["severity"], "low");
    let out = faultline(
        &["scan", ".", "--extend-select", "SEC001", "-q"],
        repo.path(),
    );
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn init_writes_the_defaults_once_and_config_prints_them() {
    let repo = repository();
    let out = faultline(&["init"], repo.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(repo.path().join("faultline.toml")).unwrap();
    assert!(text.contains("[vocabulary]") && text.contains("# fail-on = \"medium\""));
    let again = faultline(&["init"], repo.path());
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("already exists"));
    assert_eq!(
        std::fs::read_to_string(repo.path().join("faultline.toml")).unwrap(),
        text
    );
    let shown = faultline(&["config"], repo.path());
    assert_eq!(shown.status.code(), Some(0));
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(shown.contains("faultline.toml"), "{shown}");
    assert!(
        shown.contains("\"SEC001\"") && shown.contains("fail-on = \"medium\""),
        "{shown}"
    );
    // The printed settings are themselves a valid configuration.
    write(repo.path(), "faultline.toml", &shown);
    assert_eq!(faultline(&["config"], repo.path()).status.code(), Some(0));
}

// ---- vocabulary ---------------------------------------------------------------------------

const ACME: &str = "import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';\nimport { acmeGate } from './gate.js';\nconst server = new McpServer({ name: 'a', version: '1' });\n\nasync function allowed(token: string): Promise<boolean> {\n  try {\n    return await acmeGate(token);\n  } catch {\n    return true;\n  }\n}\n\nserver.tool('t', 'd', {}, async ({ token }) => {\n  if (!(await allowed(token))) return { content: [{ type: 'text', text: 'no' }] };\n  return { content: [{ type: 'text', text: 'ok' }] };\n});\n";

#[test]
fn a_taught_auth_call_makes_its_fail_open_catch_sec001() {
    let repo = repository();
    write(repo.path(), "server.ts", ACME);
    let out = faultline(&["scan", ".", "--format", "json"], repo.path());
    assert!(
        findings(&json(&out)).is_empty(),
        "acmeGate is unknown by default"
    );
    write(
        repo.path(),
        "faultline.toml",
        "[vocabulary]\nauth-calls = [\"acmeGate\"]\nexternal-calls = [\"acmeClient.request\"]\ntimeouts = [\"withDeadline\"]\ntool-registrations = [\"registerAcmeTool\"]\n",
    );
    let out = faultline(&["scan", ".", "--format", "json"], repo.path());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(summary(&json(&out)), vec![("SEC001".into(), 9, true)]);
}

// Without a breaker vocabulary entry the fetch in `lookup` is a REL001 finding; with
// `breakers = ["resilient"]` the call inside `resilient(...)` counts as guarded.
#[test]
fn a_taught_breaker_wrapper_silences_rel001() {
    let repo = repository();
    write(
        repo.path(),
        "server.ts",
        "import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';\nimport { resilient } from './resilience.js';\nconst server = new McpServer({ name: 'a', version: '1' });\n\nserver.tool('lookup', 'd', {}, async ({ q }) => {\n  const res = await resilient(() => fetch(`https://api.example.com/?q=${q}`, { signal: AbortSignal.timeout(5000) }));\n  return { content: [{ type: 'text', text: await res.text() }] };\n});\n",
    );
    let out = faultline(
        &["scan", ".", "--select", "REL001", "--format", "json"],
        repo.path(),
    );
    assert_eq!(
        summary(&json(&out)).len(),
        1,
        "fetch without a known breaker is REL001"
    );
    write(
        repo.path(),
        "faultline.toml",
        "[vocabulary]\nbreakers = [\"resilient\"]\n",
    );
    let out = faultline(
        &["scan", ".", "--select", "REL001", "--format", "json"],
        repo.path(),
    );
    assert!(
        findings(&json(&out)).is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

// A project's own registry registers tools once taught: `registerAcmeTool(name, handler)` in
// TypeScript, `@tools.register("name")` in Python. Before, their handlers reach no tool and
// their leaks are not reported; after, each is SEC004.
#[test]
fn taught_tool_registrations_make_their_handlers_tools() {
    let repo = repository();
    write(
        repo.path(),
        "server.ts",
        "import { registerAcmeTool } from '@acme/mcp-kit';\n\nregisterAcmeTool('lookup', async ({ id }) => {\n  try {\n    return await load(id);\n  } catch (e) {\n    return { content: [{ type: 'text', text: e.message }] };\n  }\n});\n",
    );
    write(
        repo.path(),
        "server.py",
        "from acme_kit import tools\n\n@tools.register(\"Look up a record\")\ndef lookup(id: str) -> str:\n    try:\n        return load(id)\n    except Exception as e:\n        return f\"failed: {e}\"\n\n@tools.register\ndef search(q: str) -> str:\n    try:\n        return find(q)\n    except Exception as e:\n        return str(e)\n",
    );
    let scan = || {
        let out = faultline(
            &["scan", ".", "--select", "SEC004", "--format", "json"],
            repo.path(),
        );
        let mut found: Vec<(String, u64)> = findings(&json(&out))
            .iter()
            .map(|f| {
                (
                    f["path"].as_str().unwrap().to_string(),
                    f["start"]["line"].as_u64().unwrap(),
                )
            })
            .collect();
        found.sort();
        found
    };
    assert!(scan().is_empty(), "no tool is registered through the SDK");
    write(
        repo.path(),
        "faultline.toml",
        "[vocabulary]\ntool-registrations = [\"registerAcmeTool\", \"tools.register\"]\n",
    );
    assert_eq!(
        scan(),
        vec![
            ("server.py".to_string(), 8),
            ("server.py".to_string(), 15),
            ("server.ts".to_string(), 7),
        ]
    );
}

// ---- inline suppressions ------------------------------------------------------------------

#[test]
fn directives_suppress_multi_line_statements_and_the_next_statement() {
    let repo = repository();
    write(
        repo.path(),
        "server.ts",
        &(HEADER.to_string()
            + "server.tool('a', 'd', {}, async () => {\n  try {\n    return await go();\n  } catch (e) {\n    return {\n      content: [{ type: 'text', text: e.message }],\n    }; // faultline-ignore[SEC004]: message comes from our own error map\n  }\n});\n"
            + "server.tool('b', 'd', {}, async () => {\n  try {\n    return await go();\n  } catch (e) {\n    // faultline-ignore[error-leak]: the SDK error text is public\n    return { content: [{ type: 'text', text: e.message }] };\n  }\n});\n"
            + &leaking_tool("c")),
    );
    write(
        repo.path(),
        "tool.py",
        "from mcp.server.fastmcp import FastMCP\nmcp = FastMCP('x')\n\n@mcp.tool()\ndef run(cmd: str) -> str:\n    \"\"\"Run.\"\"\"\n    try:\n        return go(cmd)\n    except Exception as e:\n        return str(\n            e\n        )  # faultline-ignore[SEC004]: go() raises only our own messages\n",
    );
    let out = faultline(
        &["scan", ".", "--format", "json", "--select", "SEC"],
        repo.path(),
    );
    assert_eq!(out.status.code(), Some(1), "tool c still leaks");
    let doc = json(&out);
    assert_eq!(
        summary(&doc),
        vec![
            ("SEC004".into(), 8, false),
            ("SEC004".into(), 17, false),
            ("SEC004".into(), 24, true),
            ("SEC004".into(), 10, false),
        ]
    );
    let first = &findings(&doc)[0];
    assert_eq!(first["suppression"]["kind"], "inSource");
    assert_eq!(
        first["suppression"]["justification"],
        "message comes from our own error map"
    );
    assert_eq!(doc["summary"]["findings"], 1);
    assert_eq!(doc["summary"]["suppressed"], 3);
    assert!(doc["suppression_problems"].as_array().unwrap().is_empty());
    // The text report shows only the finding that counts.
    let text = faultline(&["scan", ".", "--select", "SEC"], repo.path());
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert_eq!(stdout.matches("SEC004 error-leak").count(), 1, "{stdout}");
    assert!(stdout.contains("3 suppressed"), "{stdout}");
    // --no-inline-ignores: every finding counts again.
    let audit = faultline(
        &[
            "scan",
            ".",
            "--no-inline-ignores",
            "--format",
            "json",
            "--select",
            "SEC",
        ],
        repo.path(),
    );
    assert!(summary(&json(&audit)).iter().all(|(_, _, counts)| *counts));
    assert_eq!(json(&audit)["summary"]["findings"], 4);
}

#[test]
fn suppressing_every_finding_passes_the_run() {
    let repo = repository();
    write(
        repo.path(),
        "server.ts",
        &(HEADER.to_string()
            + "server.tool('a', 'd', {}, async () => {\n  try {\n    return await go();\n  } catch (e) {\n    return { content: [{ type: 'text', text: e.message }] }; // faultline-ignore[SEC004]: fixed messages\n  }\n});\n"),
    );
    let out = faultline(&["scan", "."], repo.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn malformed_and_unused_directives_are_reported_and_suppress_nothing() {
    let repo = repository();
    write(
        repo.path(),
        "server.ts",
        &(HEADER.to_string()
            + "server.tool('a', 'd', {}, async () => {\n  try {\n    return await go();\n  } catch (e) {\n    return { content: [{ type: 'text', text: e.message }] }; // faultline-ignore[SEC004]\n  }\n});\n"
            + "server.tool('b', 'd', {}, async () => {\n  try {\n    return await go();\n  } catch (e) {\n    return { content: [{ type: 'text', text: e.message }] }; // faultline-ignore: no rule\n  }\n});\n"
            + "// faultline-ignore[SEC001]: nothing here to suppress\nconst x = 1;\n"
            + "// faultline-ignore[NOPE01]: not a rule\nconst y = 2;\n"),
    );
    let out = faultline(&["scan", ".", "--format", "json"], repo.path());
    assert_eq!(out.status.code(), Some(1));
    let doc = json(&out);
    assert!(summary(&doc).iter().all(|(_, _, counts)| *counts));
    let problems: Vec<(u64, String, String)> = doc["suppression_problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["start"]["line"].as_u64().unwrap(),
                p["kind"].as_str().unwrap().to_string(),
                p["level"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        problems,
        vec![
            (7, "missing-reason".into(), "warning".into()),
            (14, "missing-rule".into(), "warning".into()),
            (17, "unused".into(), "info".into()),
            (19, "unknown-rule".into(), "warning".into()),
        ]
    );
    let text = String::from_utf8_lossy(&faultline(&["scan", "."], repo.path()).stdout).into_owned();
    assert!(
        text.contains("warning: server.ts:7:") && text.contains("gives no reason"),
        "{text}"
    );
    assert!(text.contains("info: server.ts:17:"), "{text}");
    // A directive for a rule that did not run is not reported as unused.
    let out = faultline(
        &["scan", ".", "--select", "SEC004", "--format", "json"],
        repo.path(),
    );
    let kinds: Vec<String> = json(&out)["suppression_problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap().to_string())
        .collect();
    assert!(!kinds.contains(&"unused".to_string()), "{kinds:?}");
    // `faultline rules` is still the rule catalogue: suppression problems are not a rule.
    let rules = String::from_utf8_lossy(&faultline(&["rules"], repo.path()).stdout).into_owned();
    assert!(!rules.contains("FL0"), "{rules}");
}

#[test]
fn directive_positions_count_characters_past_a_bom_and_any_line_end() {
    // The suppression stage reads no file: a directive's line and column come from the
    // lowering, and must be the ones the located findings use (`LineIndex`).
    let repo = repository();
    write(
        repo.path(),
        "odd.ts",
        "\u{feff}// faultline-ignore[NOPE01]: a\r\nconst b = 'üé'; // faultline-ignore[NOPE02]: b\rconst c = 2; /* faultline-ignore[NOPE03]: c */\n",
    );
    let out = faultline(&["scan", ".", "--format", "json"], repo.path());
    let problems: Vec<(u64, u64)> = json(&out)["suppression_problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["start"]["line"].as_u64().unwrap(),
                p["start"]["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(problems, vec![(1, 1), (2, 17), (3, 14)]);
}

#[test]
fn surfaces_are_judged_below_the_folder_named() {
    let repo = repository();
    let leak = "server.tool('a', 'd', {}, async () => {\n  try {\n    return await go();\n  } catch (e) {\n    return { content: [{ type: 'text', text: e.message }] };\n  }\n});\n";
    write(
        repo.path(),
        "examples/demo/src/server.ts",
        &(HEADER.to_string() + leak),
    );
    let surfaces = |path: &str| -> Vec<String> {
        let out = faultline(&["scan", path, "--format", "json"], repo.path());
        json(&out)["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["surface"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(surfaces("."), vec!["example"]);
    assert_eq!(surfaces("examples/demo"), vec!["production"]);
    // A file named on its own keeps the surface its whole path gives it (pre-commit).
    assert_eq!(surfaces("examples/demo/src/server.ts"), vec!["example"]);
}

/// DOC003 reads a documentation file an ignore file matches (a tracked `.env.example` under a
/// `.env*` rule), never a source file it matches, and takes the platform's variables from
/// `[vocabulary] well-known-env`.
#[test]
fn ignored_documentation_still_documents_and_platform_variables_are_taught() {
    let repo = repository();
    let server = HEADER.to_string()
        + "server.tool('a', 'does a', {}, async () => ({ content: [] }));\n\
           export const a = process.env.ACME_REGION;\n\
           export const b = process.env.ACME_UNDOCUMENTED;\n\
           export const c = process.env.MYHOST_SLOT;\n";
    write(repo.path(), "src/server.ts", &server);
    write(repo.path(), "README.md", "# acme\n");
    write(repo.path(), ".gitignore", ".env*\nsrc/ignored.ts\n");
    write(repo.path(), ".env.example", "ACME_REGION=eu\n");
    write(
        repo.path(),
        "src/ignored.ts",
        "export const d = process.env.ACME_IGNORED;\n",
    );
    let undocumented = |cwd: &Path| -> Vec<String> {
        let out = faultline(
            &["scan", ".", "--select", "DOC003", "--format", "json"],
            cwd,
        );
        findings(&json(&out))
            .iter()
            .map(|f| {
                f["message"]
                    .as_str()
                    .unwrap()
                    .split('`')
                    .nth(1)
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    assert_eq!(
        undocumented(repo.path()),
        vec!["ACME_UNDOCUMENTED", "MYHOST_SLOT"]
    );
    write(
        repo.path(),
        "faultline.toml",
        "[vocabulary]\nwell-known-env = [\"MYHOST_*\"]\n",
    );
    assert_eq!(undocumented(repo.path()), vec!["ACME_UNDOCUMENTED"]);
}

// ---- baseline -----------------------------------------------------------------------------

const BASE: &str = "import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';\nconst server = new McpServer({ name: 'a', version: '1' });\n\nasync function fetchReport(id: string) {\n  try {\n    return await load(id);\n  } catch (e) {\n    return { content: [{ type: 'text', text: e.message }] };\n  }\n}\n\nserver.tool('report', 'd', {}, async ({ id }) => fetchReport(id));\n";

#[test]
fn a_baseline_survives_moved_and_reformatted_code_but_not_a_new_copy() {
    let repo = repository();
    write(repo.path(), "server.ts", BASE);
    let out = faultline(
        &[
            "scan",
            ".",
            "--write-baseline",
            "faultline-baseline.json",
            "-q",
        ],
        repo.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "writing a baseline still reports"
    );
    let baseline: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo.path().join("faultline-baseline.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(baseline["version"], 1);
    assert_eq!(baseline["findings"].as_array().unwrap().len(), 1);
    assert_eq!(baseline["findings"][0]["count"], 1);

    let with_baseline = |dir: &Path| {
        faultline(
            &[
                "scan",
                ".",
                "--baseline",
                "faultline-baseline.json",
                "--format",
                "json",
            ],
            dir,
        )
    };
    let out = with_baseline(repo.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(summary(&doc), vec![("SEC004".into(), 8, false)]);
    assert_eq!(findings(&doc)[0]["baseline"], true);

    // Ten lines inserted above, and the finding's statement reformatted.
    let moved = BASE.replacen(
        "async function fetchReport",
        &format!("{}async function fetchReport", "// padding\n".repeat(10)),
        1,
    );
    let moved = moved.replacen(
        "    return { content: [{ type: 'text', text: e.message }] };",
        "    return {\n      content: [\n        { type: 'text', text: e.message },\n      ],\n    };",
        1,
    );
    write(repo.path(), "server.ts", &moved);
    let out = with_baseline(repo.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(summary(&doc), vec![("SEC004".into(), 20, false)]);
    assert_eq!(doc["summary"]["baseline"]["matched"], 1);
    assert_eq!(doc["summary"]["baseline"]["new"], 0);
    assert_eq!(doc["summary"]["baseline"]["stale"], 0);

    // The same bug copied into another function is new.
    let copied = moved.clone()
        + "\nasync function fetchOther(id: string) {\n  try {\n    return await load(id);\n  } catch (e) {\n    return { content: [{ type: 'text', text: e.message }] };\n  }\n}\n\nserver.tool('other', 'd', {}, async ({ id }) => fetchOther(id));\n";
    write(repo.path(), "server.ts", &copied);
    let out = with_baseline(repo.path());
    assert_eq!(out.status.code(), Some(1));
    let doc = json(&out);
    let counting: Vec<_> = summary(&doc).into_iter().filter(|f| f.2).collect();
    assert_eq!(counting, vec![("SEC004".into(), 32, true)]);
    assert_eq!(doc["summary"]["baseline"]["new"], 1);
    assert_eq!(doc["summary"]["findings"], 1);
}

#[test]
fn identical_findings_in_one_function_need_one_count_each_and_fixed_ones_go_stale() {
    let repo = repository();
    let twice = HEADER.to_string()
        + "server.tool('a', 'd', {}, async ({ k }) => {\n  try {\n    return await go();\n  } catch (e) {\n    if (k) {\n      return { content: [{ type: 'text', text: e.message }] };\n    }\n    return { content: [{ type: 'text', text: e.message }] };\n  }\n});\n";
    write(repo.path(), "server.ts", &twice);
    faultline(
        &["scan", ".", "--write-baseline", "b.json", "-q"],
        repo.path(),
    );
    let baseline: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo.path().join("b.json")).unwrap())
            .unwrap();
    assert_eq!(baseline["findings"].as_array().unwrap().len(), 1);
    assert_eq!(baseline["findings"][0]["count"], 2);
    // A third copy in the same function is one more than the baseline holds.
    let thrice = twice.replacen(
        "    if (k) {",
        "    if (!k) {\n      return { content: [{ type: 'text', text: e.message }] };\n    }\n    if (k) {",
        1,
    );
    write(repo.path(), "server.ts", &thrice);
    let out = faultline(
        &["scan", ".", "--baseline", "b.json", "--format", "json"],
        repo.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let doc = json(&out);
    assert_eq!(doc["summary"]["baseline"]["matched"], 2);
    assert_eq!(doc["summary"]["baseline"]["new"], 1);
    // Fixing both: the baseline's two entries are stale, and the run passes.
    write(repo.path(), "server.ts", HEADER);
    let out = faultline(&["scan", ".", "--baseline", "b.json"], repo.path());
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("2 stale baseline entries"), "{text}");
    let bad = faultline(&["scan", ".", "--baseline", "missing.json"], repo.path());
    assert_eq!(bad.status.code(), Some(2));
}

// ---- standard input and statistics --------------------------------------------------------

#[test]
fn standard_input_is_scanned_under_the_given_name() {
    let repo = repository();
    let source = HEADER.to_string() + &leaking_tool("t");
    let out = faultline_stdin(
        &[
            "scan",
            "-",
            "--stdin-filename",
            "src/server.ts",
            "--format",
            "json",
        ],
        repo.path(),
        &source,
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = json(&out);
    let list = findings(&doc);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["path"], "src/server.ts");
    assert_eq!(list[0]["start"]["line"], 7);
    // The text report shows the snippet from the text read, not from disk (there is no file).
    let out = faultline_stdin(
        &["scan", "-", "--stdin-filename", "src/server.ts"],
        repo.path(),
        &source,
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("text: e.message"), "{text}");
    // Python, by name.
    let out = faultline_stdin(
        &["scan", "-", "--stdin-filename", "tool.py", "-q"],
        repo.path(),
        "from mcp.server.fastmcp import FastMCP\nmcp = FastMCP('x')\n\n@mcp.tool()\ndef run(cmd: str) -> str:\n    \"\"\"Run.\"\"\"\n    try:\n        return go(cmd)\n    except Exception as e:\n        return str(e)\n",
    );
    assert_eq!(out.status.code(), Some(1));
    let missing = faultline_stdin(&["scan", "-"], repo.path(), &source);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("--stdin-filename"));
}

#[test]
fn statistics_count_findings_per_rule_with_suppressions() {
    let repo = repository();
    write(
        repo.path(),
        "server.ts",
        &(HEADER.to_string()
            + &leaking_tool("a")
            + "server.tool('b', 'd', {}, async () => {\n  try {\n    return await go();\n  } catch (e) {\n    return { content: [{ type: 'text', text: e.message }] }; // faultline-ignore[SEC004]: fixed messages\n  }\n});\n"),
    );
    let out = faultline(&["scan", ".", "--statistics"], repo.path());
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text.lines().next().unwrap(),
        "    2  SEC004  error-leak (1 suppressed)",
        "{text}"
    );
    let out = faultline(
        &["scan", ".", "--statistics", "--format", "json"],
        repo.path(),
    );
    let rows = json(&out);
    assert_eq!(rows[0]["rule"], "SEC004");
    assert_eq!(rows[0]["count"], 2);
    assert_eq!(rows[0]["suppressed"], 1);
    assert_eq!(rows[0]["active"], 1);
}

// ---- scanning some files of a repository ---------------------------------------------------

#[test]
fn named_files_are_linked_with_the_rest_of_the_repository() {
    let repo = repository();
    write(
        repo.path(),
        "src/index.ts",
        &(HEADER.to_string()
            + "import { lookup } from './api.js';\nserver.tool('lookup', 'd', {}, async ({ q }) => lookup(q));\n"),
    );
    write(
        repo.path(),
        "src/api.ts",
        "export async function lookup(q: string) {\n  try {\n    return await go(q);\n  } catch (e) {\n    return { content: [{ type: 'text', text: e.message }] };\n  }\n}\n",
    );
    write(
        repo.path(),
        "src/other.ts",
        &(HEADER.to_string() + &leaking_tool("other")),
    );
    // Only api.ts is named (staged): it is reached from the tool registered in index.ts.
    let out = faultline(&["scan", "src/api.ts", "--format", "json"], repo.path());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = json(&out);
    let list = findings(&doc);
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["path"], "src/api.ts");
    assert!(
        list[0]["message"]
            .as_str()
            .unwrap()
            .contains("tool `lookup`")
    );
    assert_eq!(doc["summary"]["files_scanned"], 1);
    // From a subdirectory too.
    let out = faultline(
        &["scan", "api.ts", "--format", "json"],
        &repo.path().join("src"),
    );
    assert_eq!(findings(&json(&out)).len(), 1);
    assert_eq!(findings(&json(&out))[0]["path"], "api.ts");
    // Standard input under a repository name links the same way.
    let text = std::fs::read_to_string(repo.path().join("src/api.ts")).unwrap();
    let out = faultline_stdin(
        &[
            "scan",
            "-",
            "--stdin-filename",
            "src/api.ts",
            "--format",
            "json",
        ],
        repo.path(),
        &text,
    );
    assert_eq!(findings(&json(&out)).len(), 1);
    // No relevant file at all: nothing to do, exit 0.
    write(repo.path(), "README.md", "# x\n");
    let out = faultline(&["scan", "README.md"], repo.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

// ---- documentation ------------------------------------------------------------------------

/// The configuration example in the README's "Adopting faultline" section is valid.
#[test]
fn the_readme_configuration_example_is_valid() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = &readme[readme.find("## Adopting faultline").expect("section")..];
    let start = section.find("```toml\n").expect("a toml block") + "```toml\n".len();
    let example = &section[start..start + section[start..].find("```").unwrap()];
    let repo = repository();
    write(repo.path(), "faultline.toml", example);
    let out = faultline(&["config"], repo.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains("acmeGate") && shown.contains("SEC001"),
        "{shown}"
    );
    assert!(
        !shown.contains("\"SEC004\",\n"),
        "SEC004 is ignored: {shown}"
    );
}

#[test]
fn directives_on_clause_lines_cover_fail_open_handlers() {
    let repo = repository();
    write(
        repo.path(),
        "auth.py",
        "def key_ok(key: str) -> bool:\n    try:\n        return verify_api_key(key)\n    except Exception:  # faultline-ignore[fail-open-auth]: offline demo mode only\n        log.warning('auth down')\n        return True\n\n\ndef acl_ok(user: str) -> bool:\n    try:\n        return acl.check(user)\n    except Exception:\n        return True  # faultline-ignore[SEC001]: read-only tool\n",
    );
    write(
        repo.path(),
        "auth.ts",
        "export async function mayRun(s: string): Promise<boolean> {\n  try {\n    return await auth.check(s);\n  } catch { // faultline-ignore[SEC001]: the policy service is optional here\n    return true;\n  }\n}\n",
    );
    let out = faultline(
        &["scan", ".", "--no-inline-ignores", "--format", "json"],
        repo.path(),
    );
    let all = summary(&json(&out));
    assert_eq!(all.len(), 3, "{all:?}");
    let out = faultline(&["scan", ".", "--format", "json"], repo.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let doc = json(&out);
    assert!(summary(&doc).iter().all(|(_, _, counts)| !counts), "{doc}");
    assert!(
        doc["suppression_problems"].as_array().unwrap().is_empty(),
        "{doc}"
    );
}

// ---- reports ------------------------------------------------------------------------------

/// Suppressed and baselined findings leave the scores, annotations and markdown table alone;
/// SARIF keeps them, with an `inSource` suppression or a `baselineState`.
#[test]
fn suppressed_and_baselined_findings_in_the_other_reports() {
    let repo = repository();
    let suppressed = "server.tool('s', 'd', {}, async () => {\n  try {\n    return await go();\n  } catch (e) {\n    return { content: [{ type: 'text', text: e.message }] }; // faultline-ignore[SEC004]: fixed messages\n  }\n});\n";
    write(
        repo.path(),
        "src/server.ts",
        &(HEADER.to_string() + suppressed),
    );
    let doc = json(&faultline(&["scan", ".", "--format", "json"], repo.path()));
    assert_eq!(doc["scores"]["security"]["score"], 100, "{}", doc["scores"]);
    let github = faultline(&["scan", ".", "--format", "github"], repo.path());
    assert_eq!(github.status.code(), Some(0));
    assert!(
        github.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&github.stdout)
    );
    let markdown = String::from_utf8_lossy(
        &faultline(&["scan", ".", "--format", "markdown"], repo.path()).stdout,
    )
    .into_owned();
    assert!(markdown.contains("No findings."), "{markdown}");
    let sarif = json(&faultline(&["scan", ".", "--format", "sarif"], repo.path()));
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["suppressions"][0]["kind"], "inSource");
    assert_eq!(result["suppressions"][0]["justification"], "fixed messages");
    assert!(result.get("baselineState").is_none());

    // A baseline of a leak: SARIF says unchanged, a new leak is new; the score counts only it.
    write(
        repo.path(),
        "src/server.ts",
        &(HEADER.to_string() + &leaking_tool("a")),
    );
    faultline(
        &["scan", ".", "--write-baseline", "b.json", "-q"],
        repo.path(),
    );
    let out = faultline(
        &["scan", ".", "--baseline", "b.json", "--format", "json"],
        repo.path(),
    );
    assert_eq!(json(&out)["scores"]["security"]["score"], 100);
    write(
        repo.path(),
        "src/server.ts",
        &(HEADER.to_string() + &leaking_tool("a") + &leaking_tool("b")),
    );
    let sarif = json(&faultline(
        &["scan", ".", "--baseline", "b.json", "--format", "sarif"],
        repo.path(),
    ));
    let states: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["baselineState"].as_str().unwrap())
        .collect();
    assert_eq!(states, vec!["unchanged", "new"]);
    let doc = json(&faultline(
        &["scan", ".", "--baseline", "b.json", "--format", "json"],
        repo.path(),
    ));
    assert_eq!(doc["scores"]["security"]["score"], 92, "{}", doc["scores"]);
}
