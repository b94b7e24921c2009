//! What both fuzz targets do with a file: the whole analysis through `faultline::scan_source`,
//! then positions and fingerprints of what the rules found, on a worker thread with the scan's
//! stack. A panic anywhere aborts the process: a crash.

use std::sync::{Mutex, OnceLock, mpsc};

use faultline::knowledge::Knowledge;
use faultline::locate::{LineIndex, fingerprint};
use faultline::model::Language;
use faultline::rules::Registry;

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

pub const FILES: [(&str, Language); 4] = [
    ("src/server.ts", Language::TypeScript),
    ("src/server.tsx", Language::Tsx),
    ("src/server.js", Language::JavaScript),
    ("server.py", Language::Python),
];

/// One file through the analysis; runs on the worker's thread.
pub fn analyse_as(path: &str, language: Language, data: &[u8]) {
    let setup = setup();
    let Ok(findings) =
        faultline::scan_source(path, language, data, &setup.registry, &setup.knowledge)
    else {
        return;
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

type Job = Box<dyn FnOnce() + Send>;

fn worker() -> &'static Mutex<mpsc::Sender<(Job, mpsc::Sender<()>)>> {
    static WORKER: OnceLock<Mutex<mpsc::Sender<(Job, mpsc::Sender<()>)>>> = OnceLock::new();
    WORKER.get_or_init(|| {
        let (send, receive) = mpsc::channel::<(Job, mpsc::Sender<()>)>();
        std::thread::Builder::new()
            .stack_size(faultline::WORKER_STACK)
            .spawn(move || {
                for (job, done) in receive {
                    job();
                    let _ = done.send(());
                }
            })
            .expect("worker thread");
        Mutex::new(send)
    })
}

/// Runs `job` on the long-lived worker thread (spawning one per input is slow under ASan) and
/// waits for it. A panic on the worker aborts the process (libFuzzer's panic hook): a crash.
pub fn on_worker(job: impl FnOnce() + Send + 'static) {
    let (done, wait) = mpsc::channel();
    worker()
        .lock()
        .unwrap()
        .send((Box::new(job), done))
        .expect("worker alive");
    wait.recv().expect("worker finished the input");
}
