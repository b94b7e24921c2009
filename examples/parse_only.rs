//! The floor under `faultline scan`: the same walk, reads, content checks and tree-sitter
//! parses, in parallel as the scan does them, but no lowering, linking or rules. The benchmark
//! (`scripts/bench/run`) times it next to the scan.
//!
//!     cargo run --release --example parse_only -- [-j N] [--no-ignore] [--list] PATH...
//!
//! Prints `files N bytes B` to stderr. `--list` prints, instead of parsing, the files a scan
//! would analyse (one path per line): the benchmark builds its catalogue from that list.

use std::path::PathBuf;
use std::process::ExitCode;

use faultline::discover::{self, MAX_FILE_BYTES, SourceFile, WalkOptions};
use rayon::prelude::*;

/// The allocator `faultline` itself uses (src/main.rs), so that the floor is comparable.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    faultline::allocator::tree_sitter_on_mimalloc();
    let mut threads = 0;
    let mut list = false;
    let mut respect_ignore_files = true;
    let mut paths = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-j" => match args.next().and_then(|n| n.parse().ok()) {
                Some(n) => threads = n,
                None => return usage(),
            },
            "--list" => list = true,
            "--no-ignore" => respect_ignore_files = false,
            _ if arg.starts_with('-') => return usage(),
            _ => paths.push(PathBuf::from(arg)),
        }
    }
    if paths.is_empty() {
        return usage();
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("worker threads");
    let walk = WalkOptions {
        respect_ignore_files,
        exclude: None,
    };
    let files = discover::discover(&paths, &walk).files;
    let parsed: Vec<Option<(SourceFile, usize)>> =
        pool.install(|| files.into_par_iter().map(|f| parse(f, list)).collect());
    let mut count = 0;
    let mut bytes = 0;
    for (file, len) in parsed.into_iter().flatten() {
        if list {
            println!("{}", file.path.display());
        }
        count += 1;
        bytes += len;
    }
    eprintln!("files {count} bytes {bytes}");
    ExitCode::SUCCESS
}

/// Reads and (unless only listing) parses one file, passing over what the scan passes over.
fn parse(file: SourceFile, list: bool) -> Option<(SourceFile, usize)> {
    let metadata = std::fs::metadata(&file.path).ok()?;
    if !metadata.is_file() || metadata.len() > MAX_FILE_BYTES {
        return None;
    }
    let bytes = std::fs::read(&file.path).ok()?;
    if discover::content_problem(&bytes).is_some() {
        return None;
    }
    if !list {
        faultline::lang::parse(file.language, &bytes)?;
    }
    Some((file, bytes.len()))
}

fn usage() -> ExitCode {
    eprintln!("usage: parse_only [-j N] [--no-ignore] [--list] PATH...");
    ExitCode::from(2)
}
