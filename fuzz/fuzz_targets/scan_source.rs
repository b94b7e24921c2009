//! Arbitrary bytes as a `.ts`, `.tsx`, `.js` and `.py` file, each through the whole analysis:
//! content checks, parse, lower, link, every rule, then positions and fingerprints of what the
//! rules found. A panic anywhere is a crash; libFuzzer's `-timeout` catches hangs.

#![no_main]

use std::sync::{Mutex, OnceLock, mpsc};

use faultline::knowledge::Knowledge;
use faultline::locate::{LineIndex, fingerprint};
use faultline::model::Language;
use faultline::rules::Registry;
use libfuzzer_sys::fuzz_target;

struct Setup {
    registry: Registry,
    knowledge: Knowledge,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| Setup {
        registry: Registry::builtin(),
        knowledge: Knowledge::builtin(),
    })
}

const FILES: [(&str, Language); 4] = [
    ("src/server.ts", Language::TypeScript),
    ("src/server.tsx", Language::Tsx),
    ("src/server.js", Language::JavaScript),
    ("server.py", Language::Python),
];

/// Runs on the worker's thread: the scan runs front ends on threads with a large stack, and so
/// does the fuzzer (one long-lived thread, as spawning one per input is slow under ASan).
fn analyse(data: &[u8]) {
    let setup = setup();
    for (path, language) in FILES {
        let Ok(findings) =
            faultline::scan_source(path, language, data, &setup.registry, &setup.knowledge)
        else {
            continue;
        };
        let text = std::str::from_utf8(data).expect("analysed input is UTF-8");
        let lines = LineIndex::new(text);
        for f in findings {
            assert!(
                f.span.start <= f.span.end && f.span.end as usize <= data.len(),
                "{} span {:?} outside the file",
                f.rule,
                f.span
            );
            lines.position(f.span.start as usize);
            lines.position(f.span.end as usize);
            for label in &f.labels {
                lines.position(label.span.start as usize);
                lines.position(label.span.end as usize);
            }
            let snippet = text
                .get(f.span.start as usize..f.span.end as usize)
                .unwrap_or("");
            fingerprint(f.rule, path, "", snippet);
        }
    }
}

type Job = (Vec<u8>, mpsc::Sender<()>);

fn worker() -> &'static Mutex<mpsc::Sender<Job>> {
    static WORKER: OnceLock<Mutex<mpsc::Sender<Job>>> = OnceLock::new();
    WORKER.get_or_init(|| {
        let (send, receive) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .stack_size(faultline::WORKER_STACK)
            .spawn(move || {
                for (data, done) in receive {
                    analyse(&data);
                    let _ = done.send(());
                }
            })
            .expect("worker thread");
        Mutex::new(send)
    })
}

fuzz_target!(|data: &[u8]| {
    let (done, wait) = mpsc::channel();
    worker()
        .lock()
        .unwrap()
        .send((data.to_vec(), done))
        .expect("worker alive");
    // A panic on the worker aborts the process (libFuzzer's panic hook): a crash.
    wait.recv().expect("worker finished the input");
});
