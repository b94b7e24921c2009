//! `--format sarif` as the real command prints it: valid against the SARIF 2.1.0 schema, and
//! with the structure GitHub code scanning relies on.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use faultline::rules::Registry;

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `faultline scan ARGS --format sarif` in `dir` and parses its stdout.
fn sarif(dir: &Path, args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .current_dir(dir)
        .arg("scan")
        .args(args)
        .args(["--format", "sarif", "--fail-on", "never"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON document")
}

fn schema_errors(log: &Value) -> Vec<String> {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(manifest_dir().join("tests/data/sarif-schema-2.1.0.json"))
            .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the vendored schema compiles");
    validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn nulls(value: &Value, path: &str, out: &mut Vec<String>) {
    match value {
        Value::Null => out.push(path.to_string()),
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                nulls(v, &format!("{path}/{i}"), out);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                nulls(v, &format!("{path}/{k}"), out);
            }
        }
        _ => {}
    }
}

fn results(log: &Value) -> &Vec<Value> {
    log["runs"][0]["results"].as_array().unwrap()
}

#[test]
fn the_fixtures_scan_is_valid_sarif_2_1_0() {
    let log = sarif(manifest_dir(), &["fixtures/"]);
    let errors = schema_errors(&log);
    assert!(errors.is_empty(), "schema errors:\n{}", errors.join("\n"));
    let mut null_paths = Vec::new();
    nulls(&log, "", &mut null_paths);
    assert!(null_paths.is_empty(), "nulls at {null_paths:?}");

    // The validator does reject what the schema forbids.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    assert_eq!(
        schema_errors(&broken).len(),
        2,
        "{:?}",
        schema_errors(&broken)
    );
}

#[test]
fn the_fixtures_scan_has_the_structure_github_needs() {
    let log = sarif(manifest_dir(), &["fixtures/"]);
    assert_eq!(
        log["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];

    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "faultline");
    assert_eq!(driver["semanticVersion"], env!("CARGO_PKG_VERSION"));
    assert!(
        driver["informationUri"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    let rules = driver["rules"].as_array().unwrap();
    let registry = Registry::builtin();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let expected: Vec<&str> = registry.rules.iter().map(|r| r.meta.id.as_str()).collect();
    assert_eq!(ids, expected, "every rule, in registry order");
    for (rule, registered) in rules.iter().zip(&registry.rules) {
        let meta = &registered.meta;
        assert_eq!(rule["name"], meta.name.as_str());
        assert_eq!(rule["shortDescription"]["text"], meta.summary.as_str());
        assert!(!rule["fullDescription"]["text"].as_str().unwrap().is_empty());
        assert_eq!(rule["help"]["markdown"], meta.docs.trim());
        assert!(!rule["help"]["text"].as_str().unwrap().contains("```"));
        let tags: Vec<&str> = rule["properties"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert_eq!(tags[0], meta.axis.as_str());
        for cwe in &meta.cwe {
            assert!(tags.contains(&format!("external/cwe/cwe-{cwe:03}").as_str()));
        }
        assert_eq!(rule["properties"]["precision"], meta.precision.as_str());
        let (level, security_severity) = match meta.severity.as_str() {
            "high" => ("error", "8.0"),
            "medium" => ("error", "5.5"),
            "low" => ("warning", "3.0"),
            _ => ("note", ""),
        };
        assert_eq!(rule["defaultConfiguration"]["level"], level);
        if meta.axis.prefix() == "SEC" {
            assert_eq!(rule["properties"]["security-severity"], security_severity);
        } else {
            assert!(rule["properties"].get("security-severity").is_none());
        }
    }

    let results = results(&log);
    assert!(results.len() > 50, "the fixtures have findings");
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            rules[index]["id"], result["ruleId"],
            "ruleIndex points at its rule"
        );
        let level = match result["properties"]["severity"].as_str().unwrap() {
            "high" | "medium" => "error",
            "low" => "warning",
            _ => "note",
        };
        assert_eq!(result["level"], level);
        assert!(result["message"]["text"].as_str().unwrap().ends_with('.'));
        let locations = result["locations"].as_array().unwrap();
        assert_eq!(locations.len(), 1);
        let artifact = &locations[0]["physicalLocation"]["artifactLocation"];
        let uri = artifact["uri"].as_str().unwrap();
        assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
        let rule_dir = result["ruleId"].as_str().unwrap();
        assert!(
            uri.split('/')
                .next()
                .is_some_and(|d| d.len() == 6 && !d.contains('.')),
            "relative to the one directory scanned: {uri} ({rule_dir})"
        );
        assert!(!uri.contains('\\') && !uri.contains(':'));
        assert!(manifest_dir().join("fixtures").join(uri).is_file());
        let region = &locations[0]["physicalLocation"]["region"];
        for key in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(region[key].as_u64().unwrap() >= 1, "{key}");
        }
        let hash = result["partialFingerprints"]["primaryLocationLineHash"]
            .as_str()
            .unwrap();
        let (hex, count) = hash.split_once(':').unwrap();
        assert!(hex.chars().all(|c| c.is_ascii_hexdigit()) && count.parse::<u32>().is_ok());
        assert_eq!(result["properties"]["surface"], "production");
    }
    // Results come in report order: by path, then position.
    let uris: Vec<&str> = results
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(uris.windows(2).all(|w| w[0] <= w[1]));

    let root = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        root.starts_with("file:///") && root.ends_with("/fixtures/"),
        "{root}"
    );
    assert_eq!(run["columnKind"], "utf16CodeUnits");
    assert_eq!(run["automationDetails"]["id"], "faultline/");
    let invocations = run["invocations"].as_array().unwrap();
    assert_eq!(invocations.len(), 1);
    assert_eq!(invocations[0]["executionSuccessful"], true);
    assert_eq!(
        invocations[0]["toolExecutionNotifications"],
        Value::Array(vec![])
    );
    let scores = &run["properties"]["scores"];
    // The folder named is the project asked about: every finding counts in its scores.
    assert_eq!(scores["uncounted_findings"].as_u64(), Some(0));
    assert_eq!(scores["overall"]["grade"], "F", "{scores}");
}

/// `catch { ...; return true; }` after an auth call, with two characters outside the Basic
/// Multilingual Plane before the flagged `return` on its line.
const ASTRAL: &str = "\
import { auth } from \"./auth.js\";

export async function mayRun(sessionId: string, tool: string): Promise<boolean> {
  try {
    return await auth.check(sessionId, tool);
  } catch {
    const note = \"🔐𝒜\"; return true;
  }
}
";

#[test]
fn columns_are_utf16_code_units_and_uris_are_percent_encoded() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/may run.ts"), ASTRAL).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not code").unwrap();
    let log = sarif(dir.path(), &[]);
    assert!(schema_errors(&log).is_empty());
    let results = results(&log);
    assert_eq!(results.len(), 1, "{results:#?}");
    let location = &results[0]["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "src/may%20run.ts");
    // Line 7 is `    const note = "🔐𝒜"; return true;`. Before `return`: 4 spaces,
    // `const note = "` (14), 🔐 and 𝒜 (2 code units each, 4), `"; ` (3) = 25 code units,
    // so `return` starts at UTF-16 column 26 (character column 24); `return true;` is 12
    // code units long, so the region ends before column 38.
    let region = &location["region"];
    assert_eq!(region["startLine"], 7);
    assert_eq!(region["startColumn"], 26);
    assert_eq!(region["endLine"], 7);
    assert_eq!(region["endColumn"], 38);
    let run = &log["runs"][0];
    assert_eq!(run["properties"]["scores"]["security"]["score"], 80);
    assert_eq!(run["properties"]["scores"]["overall"]["score"], 90.0);
    assert_eq!(run["properties"]["scores"]["overall"]["grade"], "B");

    // The same scan in JSON counts characters: two fewer.
    let json = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .current_dir(dir.path())
        .args(["scan", "--format", "json", "--fail-on", "never"])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json["findings"][0]["start"]["column"], 24);
}

#[test]
fn line_hashes_survive_lines_added_above_and_count_repeats() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("auth.ts");
    std::fs::write(&file, ASTRAL).unwrap();
    let before = sarif(dir.path(), &[]);
    let hash = |log: &Value, i: usize| {
        results(log)[i]["partialFingerprints"]["primaryLocationLineHash"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let line = |log: &Value, i: usize| {
        results(log)[i]["locations"][0]["physicalLocation"]["region"]["startLine"].clone()
    };
    let original = hash(&before, 0);
    assert!(original.ends_with(":1"));

    std::fs::write(&file, format!("// a header\n\n{ASTRAL}")).unwrap();
    let moved = sarif(dir.path(), &[]);
    assert_eq!(line(&moved, 0), 9);
    assert_eq!(hash(&moved, 0), original, "same code, same hash");

    // The function twice, each copy followed by the same long comment: the 100 characters
    // hashed from each flagged line are the same, so the second is counted `:2`.
    let import = "import { auth } from \"./auth.js\";\n";
    let body = ASTRAL.replacen(import, "", 1);
    let padding = format!("// {}\n", "=".repeat(120));
    let twice = format!(
        "{import}{body}{padding}{}{padding}",
        body.replacen("mayRun", "mayRun2", 1)
    );
    std::fs::write(&file, twice).unwrap();
    let repeated = sarif(dir.path(), &[]);
    assert_eq!(results(&repeated).len(), 2);
    let (first, second) = (hash(&repeated, 0), hash(&repeated, 1));
    assert_eq!(first.split(':').next(), second.split(':').next());
    assert!(
        first.ends_with(":1") && second.ends_with(":2"),
        "{first} {second}"
    );
}

#[test]
fn skipped_files_are_notes_and_several_paths_are_relative_to_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("a")).unwrap();
    std::fs::create_dir_all(dir.path().join("b")).unwrap();
    std::fs::write(dir.path().join("a/auth.ts"), ASTRAL).unwrap();
    std::fs::write(dir.path().join("b/blob.js"), b"const a = 1;\0\0binary").unwrap();
    let log = sarif(dir.path(), &["a", "b"]);
    assert!(schema_errors(&log).is_empty());
    let uri = &results(&log)[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    assert_eq!(uri, "a/auth.ts");
    let run = &log["runs"][0];
    let base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    let expected = dir.path().canonicalize().unwrap();
    assert!(
        base.trim_end_matches('/')
            .ends_with(expected.file_name().unwrap().to_str().unwrap()),
        "{base}"
    );
    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notes.len(), 1, "{notes:#?}");
    assert_eq!(notes[0]["level"], "note");
    assert_eq!(
        notes[0]["message"]["text"],
        "b/blob.js was skipped: binary file."
    );
    assert_eq!(
        notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "b/blob.js"
    );
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
}

#[test]
fn a_path_that_cannot_be_read_is_an_error_notification() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("auth.ts"), ASTRAL).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .current_dir(dir.path())
        .args(["scan", "auth.ts", "missing", "--format", "sarif"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "a scan error, the report still written"
    );
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(schema_errors(&log).is_empty());
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["level"], "error");
    assert!(
        notes[0]["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("missing could not be scanned: cannot read:")
    );
    assert_eq!(
        results(&log).len(),
        1,
        "the readable file is still reported"
    );
}
