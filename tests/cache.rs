//! The cache of lowered models, through the real binary: findings are the same with and
//! without it at any thread count, bad entries are never trusted, the secret key decides the
//! entry names, CI and links turn it off, and `clean` and pruning remove what they should.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The binary with a cache home of its own (`home`) and without the CI variable.
fn faultline(args: &[&str], cwd: &Path, home: &Path) -> Output {
    faultline_env(args, cwd, home, &[])
}

fn faultline_env(args: &[&str], cwd: &Path, home: &Path, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_faultline"));
    command
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("XDG_CACHE_HOME", home)
        .env_remove("CI");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "exit {:?}: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The entries of the cache folder `dir`: file name -> bytes.
fn entries(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for version in fs::read_dir(dir).unwrap().flatten() {
        if !version.file_type().unwrap().is_dir() {
            continue;
        }
        for entry in fs::read_dir(version.path()).unwrap().flatten() {
            out.push((entry.path(), fs::read(entry.path()).unwrap()));
        }
    }
    out.sort();
    out
}

fn names(dir: &Path) -> BTreeSet<String> {
    entries(dir)
        .into_iter()
        .map(|(p, _)| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

/// Scans `target` from `cwd` without a cache, then twice with one (cold, warm), at -j1 and
/// -j4, and checks that the JSON is the same every time.
fn same_with_and_without_cache(cwd: &Path, target: &str) {
    let home = tempfile::tempdir().unwrap();
    let without = stdout(&faultline(
        &["scan", "--format", "json", "--no-cache", "-j1", target],
        cwd,
        home.path(),
    ));
    for threads in ["-j1", "-j4"] {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("c");
        let cache = cache.to_str().unwrap();
        for run in ["cold", "warm"] {
            let with = stdout(&faultline(
                &[
                    "scan",
                    "--format",
                    "json",
                    "--cache-dir",
                    cache,
                    threads,
                    target,
                ],
                cwd,
                home.path(),
            ));
            assert!(
                with == without,
                "{target} {threads} {run}: findings differ with the cache"
            );
        }
        assert!(!entries(Path::new(cache)).is_empty());
    }
}

#[test]
fn the_fixtures_give_the_same_findings_with_and_without_the_cache() {
    same_with_and_without_cache(repo(), "fixtures");
}

#[test]
fn a_real_corpus_gives_the_same_findings_with_and_without_the_cache() {
    let corpus = std::env::var_os("CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus"));
    let mut packages = Vec::new();
    for registry in ["npm", "pypi"] {
        let Ok(listing) = fs::read_dir(corpus.join(registry)) else {
            continue;
        };
        let mut dirs: Vec<PathBuf> = listing.flatten().map(|e| e.path()).collect();
        dirs.sort();
        packages.extend(dirs.into_iter().filter(|d| d.is_dir()).take(2));
    }
    if packages.is_empty() {
        eprintln!("no corpus at {}; skipped", corpus.display());
        return;
    }
    for package in packages {
        same_with_and_without_cache(&package, ".");
    }
}

#[test]
fn corrupt_truncated_and_foreign_entries_are_rewritten_and_change_nothing() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("c");
    let args = [
        "scan",
        "--format",
        "json",
        "--cache-dir",
        cache.to_str().unwrap(),
        "fixtures/SEC001",
    ];
    let first = stdout(&faultline(&args, repo(), home.path()));
    let good = entries(&cache);
    assert!(good.len() >= 5, "{}", good.len());
    // Bit-flipped payload, truncated, shorter than a seal, empty, and another entry's bytes.
    let mut flipped = good[0].1.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x01;
    fs::write(&good[0].0, &flipped).unwrap();
    fs::write(&good[1].0, &good[1].1[..good[1].1.len() / 2]).unwrap();
    fs::write(&good[2].0, &good[2].1[..10]).unwrap();
    fs::write(&good[3].0, b"").unwrap();
    fs::write(&good[4].0, &good[0].1).unwrap();
    let second = stdout(&faultline(&args, repo(), home.path()));
    assert_eq!(first, second);
    assert_eq!(entries(&cache), good, "bad entries are rewritten");
}

#[test]
fn entry_names_depend_on_the_secret_key() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for cache in [&a, &b] {
        stdout(&faultline(
            &[
                "scan",
                "--cache-dir",
                cache.to_str().unwrap(),
                "fixtures/SEC004",
            ],
            repo(),
            home.path(),
        ));
        assert_eq!(fs::read(cache.join("key")).unwrap().len(), 32);
    }
    assert_ne!(
        fs::read(a.join("key")).unwrap(),
        fs::read(b.join("key")).unwrap()
    );
    let (na, nb) = (names(&a), names(&b));
    assert!(!na.is_empty());
    assert!(na.is_disjoint(&nb), "the same names under two keys");
}

/// A small git repository with two source files.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join(".git")).unwrap();
    fs::write(
        dir.path().join("a.ts"),
        "server.tool(\"a\", async () => { try { return await fetch(u); } catch (e) { return { content: [{ type: \"text\", text: String(e.stack) }] }; } });\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("b.py"),
        "import os\n\ndef f():\n    return os.environ.get(\"X\")\n",
    )
    .unwrap();
    dir
}

#[test]
fn the_default_cache_is_at_the_repository_root_with_a_gitignore_and_a_tag() {
    let home = tempfile::tempdir().unwrap();
    let tree = project();
    fs::create_dir(tree.path().join("sub")).unwrap();
    stdout(&faultline(
        &["scan", ".."],
        &tree.path().join("sub"),
        home.path(),
    ));
    assert!(!tree.path().join("sub/.faultline_cache").exists());
    let cache = tree.path().join(".faultline_cache");
    assert_eq!(
        fs::read_to_string(cache.join(".gitignore"))
            .unwrap()
            .trim_end()
            .lines()
            .last(),
        Some("*")
    );
    assert!(
        fs::read_to_string(cache.join("CACHEDIR.TAG"))
            .unwrap()
            .starts_with("Signature: 8a477f597d28d172789f06886806bc55")
    );
    // The key stays in the cache home, not in the (untrusted) tree.
    assert!(!cache.join("key").exists());
    assert!(home.path().join("faultline/key").exists());
    assert_eq!(names(&cache).len(), 2);
}

#[test]
fn ci_turns_the_default_cache_off_unless_a_cache_dir_is_named() {
    let home = tempfile::tempdir().unwrap();
    let tree = project();
    let ci = [("CI", "true")];
    stdout(&faultline_env(
        &["scan", "."],
        tree.path(),
        home.path(),
        &ci,
    ));
    assert!(!tree.path().join(".faultline_cache").exists());
    stdout(&faultline_env(
        &["scan", "--cache-dir", "restored", "."],
        tree.path(),
        home.path(),
        &ci,
    ));
    assert_eq!(names(&tree.path().join("restored")).len(), 2);
    assert!(tree.path().join("restored/key").exists());
    stdout(&faultline(
        &["scan", "--no-cache", "."],
        tree.path(),
        home.path(),
    ));
    assert!(!tree.path().join(".faultline_cache").exists());
}

#[cfg(unix)]
#[test]
fn a_cache_folder_that_is_a_link_is_not_used() {
    let home = tempfile::tempdir().unwrap();
    let tree = project();
    let elsewhere = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), tree.path().join(".faultline_cache")).unwrap();
    let with_link = faultline(&["scan", "--format", "json", "."], tree.path(), home.path());
    let without = faultline(
        &["scan", "--format", "json", "--no-cache", "."],
        tree.path(),
        home.path(),
    );
    assert_eq!(stdout(&with_link), stdout(&without));
    assert!(
        stderr(&with_link).contains("warning: cache disabled"),
        "{}",
        stderr(&with_link)
    );
    assert_eq!(fs::read_dir(elsewhere.path()).unwrap().count(), 0);
    // A configured cache-dir below a linked folder is refused as well.
    fs::remove_file(tree.path().join(".faultline_cache")).unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), tree.path().join("build")).unwrap();
    fs::write(
        tree.path().join("faultline.toml"),
        "cache-dir = \"build/c\"\n",
    )
    .unwrap();
    let linked = faultline(&["scan", "."], tree.path(), home.path());
    assert!(
        stderr(&linked).contains("cache disabled"),
        "{}",
        stderr(&linked)
    );
    assert_eq!(fs::read_dir(elsewhere.path()).unwrap().count(), 0);
}

#[test]
fn a_cache_that_cannot_be_written_is_turned_off_with_one_note() {
    let home = tempfile::tempdir().unwrap();
    let tree = project();
    fs::write(tree.path().join("not-a-folder"), "x").unwrap();
    let output = faultline(
        &["scan", "--cache-dir", "not-a-folder", "."],
        tree.path(),
        home.path(),
    );
    stdout(&output);
    let err = stderr(&output);
    assert_eq!(err.matches("cache disabled").count(), 1, "{err}");
}

#[test]
fn the_configured_cache_dir_is_inside_the_project() {
    let home = tempfile::tempdir().unwrap();
    let tree = project();
    fs::create_dir(tree.path().join("sub")).unwrap();
    fs::write(
        tree.path().join("faultline.toml"),
        "cache-dir = \"out/cache\"\n",
    )
    .unwrap();
    stdout(&faultline(
        &["scan", ".."],
        &tree.path().join("sub"),
        home.path(),
    ));
    assert_eq!(names(&tree.path().join("out/cache")).len(), 2);
    assert!(!tree.path().join(".faultline_cache").exists());
    for bad in ["../cache", "/tmp/cache", "a/../../b", ""] {
        fs::write(
            tree.path().join("faultline.toml"),
            format!("cache-dir = \"{bad}\"\n"),
        )
        .unwrap();
        let output = faultline(&["scan", "."], tree.path(), home.path());
        assert_eq!(output.status.code(), Some(2), "{bad}");
        assert!(stderr(&output).contains("`cache-dir` must be a relative path"));
    }
}

#[test]
fn clean_removes_only_a_tagged_cache() {
    let home = tempfile::tempdir().unwrap();
    let tree = project();
    stdout(&faultline(&["scan", "."], tree.path(), home.path()));
    assert!(tree.path().join(".faultline_cache").is_dir());
    let cleaned = faultline(&["clean"], tree.path(), home.path());
    assert_eq!(cleaned.status.code(), Some(0), "{}", stderr(&cleaned));
    assert!(!tree.path().join(".faultline_cache").exists());
    assert_eq!(
        faultline(&["clean", "."], tree.path(), home.path())
            .status
            .code(),
        Some(0)
    );
    // A folder faultline did not tag is never removed.
    fs::create_dir(tree.path().join("mine")).unwrap();
    fs::write(tree.path().join("mine/data"), "keep").unwrap();
    let refused = faultline(&["clean", "--cache-dir", "mine"], tree.path(), home.path());
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("CACHEDIR.TAG"),
        "{}",
        stderr(&refused)
    );
    assert!(tree.path().join("mine/data").exists());
}

#[test]
fn a_scan_of_the_whole_tree_prunes_unused_entries_and_old_versions() {
    let home = tempfile::tempdir().unwrap();
    let tree = project();
    let cache = tree.path().join(".faultline_cache");
    stdout(&faultline(&["scan", "."], tree.path(), home.path()));
    assert_eq!(names(&cache).len(), 2);
    fs::create_dir(cache.join("v1-0.0.0")).unwrap();
    fs::write(tree.path().join("a.ts"), "export const a = 2;\n").unwrap();
    // Only some files: nothing is pruned.
    stdout(&faultline(&["scan", "a.ts"], tree.path(), home.path()));
    assert_eq!(names(&cache).len(), 3);
    assert!(cache.join("v1-0.0.0").exists());
    // The whole tree: the old a.ts entry and the other version's folder go.
    stdout(&faultline(&["scan"], tree.path(), home.path()));
    assert_eq!(names(&cache).len(), 2);
    assert!(!cache.join("v1-0.0.0").exists());
    assert!(cache.join("CACHEDIR.TAG").exists());
}
