//! The real command's stdout for the text, JSON, github and markdown formats, and the scores,
//! on small projects built from the fixtures.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(path)
}

/// A project with three medium SEC004 findings in `src/` and two high SEC001 findings in
/// `tests/`. Its database and HTTP calls also draw reliability findings, so the tests about
/// these scores select the SEC rules.
fn scored_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let copy = |from: &str, to: &str| {
        let to = dir.path().join(to);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(fixture(from), to).unwrap();
    };
    // SEC004 medium at lines 21 and 42.
    copy("SEC004/flag_content_text_message.ts", "src/query.ts");
    // SEC004 medium at api.ts:13, reached from index.ts.
    copy("SEC004/cross_file_ts/api.ts", "src/search/api.ts");
    copy("SEC004/cross_file_ts/index.ts", "src/search/index.ts");
    // SEC001 high at lines 13 and 23, on a test surface.
    copy("SEC001/flag_catch_return_true.ts", "tests/auth.ts");
    dir
}

fn faultline(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faultline"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// By hand: SEC004 deducts 8 + 8 + 8 = 24, capped at 2 × 8 = 16, so security is 84 (B);
/// SEC001 is in `tests/` and does not count. Overall: 0.5 × 84 + 0.3 × 100 + 0.2 × 100 = 92.0,
/// an A, bounded by the security grade B.
#[test]
fn the_text_report_ends_with_the_hand_computed_grade_card() {
    let dir = scored_project();
    let out = faultline(
        dir.path(),
        &[
            "scan",
            "--no-color",
            "--fail-on",
            "never",
            "--select",
            "SEC",
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    let expected = "\
deductions (rule, severity, points, location):
  SEC004  medium   -8          src/query.ts:21
  SEC004  medium   -8          src/query.ts:42
  SEC004  medium    0  capped  src/search/api.ts:13
2 findings on test, example, script or docs surfaces not scored (--include-tests counts them)
axis            score  grade
security           84  B
reliability       100  A
documentation     100  A
overall          92.0  B  (A by score, bounded by the security grade)
";
    assert!(text.ends_with(expected), "got:\n{text}");
}

/// With `--include-tests`, SEC001's two high findings deduct 20 + 20 = 40 (its cap): security
/// 100 − 16 − 40 = 44 (F); overall 0.5 × 44 + 30 + 20 = 72.0 (C), bounded by F.
#[test]
fn include_tests_counts_test_surfaces_in_json() {
    let dir = scored_project();
    let out = faultline(
        dir.path(),
        &[
            "scan",
            "--format",
            "json",
            "--include-tests",
            "--fail-on",
            "never",
            "--select",
            "SEC",
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let scores = &json["scores"];
    assert_eq!(scores["security"]["score"], 44);
    assert_eq!(scores["security"]["grade"], "F");
    assert_eq!(scores["reliability"]["score"], 100);
    assert_eq!(scores["overall"]["score"], 72.0);
    assert_eq!(scores["overall"]["score_grade"], "C");
    assert_eq!(scores["overall"]["grade"], "F");
    assert_eq!(scores["include_tests"], true);
    assert_eq!(scores["uncounted_findings"], 0);
    let deductions: Vec<(String, String, u64, bool)> = scores["security"]["deductions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                format!("{}:{}", d["path"].as_str().unwrap(), d["line"]),
                d["points"].as_u64().unwrap(),
                d["capped"].as_bool().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("SEC001", "tests/auth.ts:13", 20, false),
        ("SEC001", "tests/auth.ts:23", 20, false),
        ("SEC004", "src/query.ts:21", 8, false),
        ("SEC004", "src/query.ts:42", 8, false),
        ("SEC004", "src/search/api.ts:13", 0, true),
    ]
    .map(|(r, l, p, c)| (r.to_string(), l.to_string(), p, c));
    assert_eq!(deductions, expected);
}

#[test]
fn min_score_fails_the_run_below_the_threshold() {
    let dir = scored_project();
    let run = |min: &str| {
        faultline(
            dir.path(),
            &[
                "scan",
                "--fail-on",
                "never",
                "--min-score",
                min,
                "--quiet",
                "--select",
                "SEC",
            ],
        )
        .status
        .code()
    };
    assert_eq!(run("92"), Some(0), "92.0 is not below 92");
    assert_eq!(run("92.1"), Some(1));
    let bad = faultline(dir.path(), &["scan", "--min-score", "101"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn github_annotations_golden() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::copy(
        fixture("SEC001/flag_allow_dict_and_string.py"),
        dir.path().join("src/deploy, prod.py"),
    )
    .unwrap();
    std::fs::copy(
        fixture("SEC004/flag_content_text_message.ts"),
        dir.path().join("src/query.ts"),
    )
    .unwrap();
    let out = faultline(
        dir.path(),
        &["scan", "--format", "github", "--select", "SEC"],
    );
    assert_eq!(out.status.code(), Some(1), "high and medium findings fail");
    // The span at line 30 covers four lines: no columns. The comma in the file name is escaped.
    let expected = "\
::error file=src/deploy%2C prod.py,line=16,endLine=16,col=9,endColumn=75,title=SEC001 fail-open-auth::`except` around `authorize_deploy` returns an allow decision: an error grants access
::error file=src/deploy%2C prod.py,line=23,endLine=23,col=9,endColumn=23,title=SEC001 fail-open-auth::`except` around `check_permission` returns an allow decision: an error grants access
::error file=src/deploy%2C prod.py,line=30,endLine=33,title=SEC001 fail-open-auth::`except` around `check_permission` returns an allow decision: an error grants access
::error file=src/query.ts,line=21,endLine=21,col=61,endColumn=74,title=SEC004 error-leak::returns `error.message` to the MCP client, exposing the error's message (reached from tool `query`)
::error file=src/query.ts,line=42,endLine=42,col=48,endColumn=57,title=SEC004 error-leak::returns `String(e)` to the MCP client, exposing the error's message (reached from tool `describe_table`)
";
    assert_eq!(stdout(&out), expected);
}

#[test]
fn markdown_has_the_grade_card_and_a_findings_table() {
    let dir = scored_project();
    let out = faultline(
        dir.path(),
        &[
            "scan",
            "--format",
            "markdown",
            "--fail-on",
            "never",
            "--select",
            "SEC",
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    let card = "\
## faultline: grade B (92.0)

| axis | score | grade |
|---|--:|:-:|
| security | 84 | B |
| reliability | 100 | A |
| documentation | 100 | A |
| **overall** | **92.0** | **B** |

The overall score alone earns A; the overall grade is bounded by the security grade.
2 findings on test, example, script or docs surfaces are listed but not scored.
";
    assert!(text.starts_with(card), "got:\n{text}");
    // Most severe first; each row says what it cost.
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("| high") || l.starts_with("| medium"))
        .collect();
    assert_eq!(rows.len(), 5);
    assert_eq!(
        rows[0],
        "| high | SEC001 fail-open-auth | `tests/auth.ts:13:5` | `catch` around `auth.check` returns `true`: an error grants access | not scored (test) |"
    );
    assert!(rows[2].starts_with("| medium | SEC004 error-leak | `src/query.ts:21:61` |"));
    assert!(rows[2].ends_with("| -8 |"));
    assert!(rows[4].starts_with("| medium | SEC004 error-leak | `src/search/api.ts:13:30` |"));
    assert!(rows[4].ends_with("| 0 (capped) |"));
}
