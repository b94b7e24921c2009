//! Measures what the grammars and front ends take: every nesting and chaining construct of
//! `tests/hostile/mod.rs`, at growing sizes up to the file limit, parsed and lowered WITHOUT
//! the pre-scan, each in a child process (so that an abort is seen, not suffered). The bounds of
//! `src/prescan.rs` and the table in docs/performance.md come from its output.
//!
//!     cargo run --release --example shapes                # every construct, every size
//!     cargo run --release --example shapes -- python      # one family (typescript|javascript|python)
//!
//! A child prints `parse_ms lower_ms scan_ms prescan`, where `scan_ms` is the whole analysis
//! through `faultline::scan_source` (pre-scan included) and `prescan` what the pre-scan says.
//! `shapes parse FILE` parses one file without the pre-scan (the bisection of the Python bound).

#[path = "../tests/hostile/mod.rs"]
mod hostile;

use std::process::Command;
use std::time::{Duration, Instant};

use faultline::knowledge::Knowledge;
use faultline::model::Language;
use faultline::rules::Registry;

/// A child still running after this is killed and reported slow.
const TIMEOUT: Duration = Duration::from_secs(60);

const LIMIT: usize = faultline::discover::MAX_FILE_BYTES as usize;

fn family(name: &str) -> (Language, &'static [hostile::Construct]) {
    match name {
        "typescript" => (Language::TypeScript, hostile::JAVASCRIPT),
        "javascript" => (Language::JavaScript, hostile::JAVASCRIPT),
        _ => (Language::Python, hostile::PYTHON),
    }
}

fn child(family_name: &str, index: usize, n: usize) {
    let (language, constructs) = family(family_name);
    let source = (constructs[index].generate)(n);
    let started = Instant::now();
    let tree = faultline::lang::parse(language, source.as_bytes());
    let parse = started.elapsed();
    drop(tree);
    let started = Instant::now();
    let lowered =
        faultline::lang::lower_within(language, source.as_bytes(), Duration::from_secs(600));
    let lower = started.elapsed().saturating_sub(parse);
    let prescan = faultline::prescan::problem(language, source.as_bytes());
    let started = Instant::now();
    let scanned = faultline::scan_source(
        "server.x",
        language,
        source.as_bytes(),
        &Registry::builtin(),
        &Knowledge::builtin(),
    );
    let scan = started.elapsed();
    println!(
        "{} {} {} {} | {}",
        parse.as_millis(),
        lower.as_millis(),
        scan.as_millis(),
        if lowered.is_ok() {
            "lowered"
        } else {
            "abandoned"
        },
        match (prescan, scanned) {
            (Some(reason), _) => format!("pre-scan: {reason}"),
            (None, Ok(f)) => format!("{} findings", f.len()),
            (None, Err(e)) => format!("not analysed: {e}"),
        }
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("parse") {
        // `shapes parse FILE.py`: the raw parse, without the pre-scan (to find where a grammar
        // aborts); prints the tree's root kind.
        let path = std::path::PathBuf::from(&args[1]);
        let language = Language::from_path(&path).expect("a .ts, .tsx, .js or .py file");
        let source = std::fs::read(&path).unwrap();
        let tree = faultline::lang::parse(language, &source).expect("parsed");
        println!("{}", tree.root_node().kind());
        return;
    }
    if args.first().map(String::as_str) == Some("recipe") {
        // `shapes recipe FILE`: a fuzz input of the `shapes` target, timed stage by stage.
        let data = std::fs::read(&args[1]).unwrap();
        let (file, source) = hostile::recipe(&data).expect("a recipe");
        let (path, _) = hostile::FILES[file];
        let language = Language::from_path(std::path::Path::new(path)).unwrap();
        std::thread::Builder::new()
            .stack_size(faultline::WORKER_STACK)
            .spawn(move || {
                let started = Instant::now();
                let lowered = faultline::lang::lower_within(
                    language,
                    source.as_bytes(),
                    Duration::from_secs(600),
                );
                let lower = started.elapsed();
                let started = Instant::now();
                let scanned = faultline::scan_source(
                    path,
                    language,
                    source.as_bytes(),
                    &Registry::builtin(),
                    &Knowledge::builtin(),
                );
                println!(
                    "{path} {} bytes: parse+lower {lower:?} ({}), scan_source {:?} ({:?})",
                    source.len(),
                    if lowered.is_ok() { "ok" } else { "abandoned" },
                    started.elapsed(),
                    scanned.map(|f| f.len())
                );
            })
            .unwrap()
            .join()
            .unwrap();
        return;
    }
    if args.first().map(String::as_str) == Some("child") {
        let (f, i, n) = (
            args[1].clone(),
            args[2].parse().unwrap(),
            args[3].parse().unwrap(),
        );
        std::thread::Builder::new()
            .stack_size(faultline::WORKER_STACK)
            .spawn(move || child(&f, i, n))
            .unwrap()
            .join()
            .unwrap();
        return;
    }
    let families: Vec<&str> = match args.first() {
        Some(f) => vec![f.as_str()],
        None => vec!["typescript", "javascript", "python"],
    };
    let exe = std::env::current_exe().unwrap();
    for name in families {
        let (_, constructs) = family(name);
        for (index, construct) in constructs.iter().enumerate() {
            let max = hostile::levels_within(construct, LIMIT);
            let mut sizes: Vec<usize> = [100, 1_000, 10_000, 100_000, 1_000_000]
                .into_iter()
                .filter(|s| *s < max)
                .collect();
            sizes.push(max);
            for n in sizes {
                let bytes = (construct.generate)(n).len();
                let started = Instant::now();
                let mut process = Command::new(&exe)
                    .args(["child", name, &index.to_string(), &n.to_string()])
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap();
                while process.try_wait().unwrap().is_none() && started.elapsed() < TIMEOUT {
                    std::thread::sleep(Duration::from_millis(20));
                }
                let timed_out = process.try_wait().unwrap().is_none();
                if timed_out {
                    let _ = process.kill();
                }
                let out = process.wait_with_output().unwrap();
                let wall = started.elapsed();
                let result = if timed_out {
                    format!("SLOW: killed after {} s", TIMEOUT.as_secs())
                } else if out.status.success() {
                    String::from_utf8_lossy(&out.stdout).trim().to_string()
                } else {
                    format!(
                        "CRASH {:?}: {}",
                        out.status,
                        String::from_utf8_lossy(&out.stderr)
                            .lines()
                            .last()
                            .unwrap_or("")
                    )
                };
                println!(
                    "{name:<10} {:<24} n={n:<8} {bytes:>8} B  wall {:>6} ms  {result}",
                    construct.name,
                    wall.as_millis()
                );
            }
        }
    }
}
