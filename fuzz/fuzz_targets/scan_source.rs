//! Arbitrary bytes as a `.ts`, `.tsx`, `.js` and `.py` file, each through the whole analysis:
//! content checks, pre-scan, parse, lower, link, every rule, then positions and fingerprints
//! of what the rules found. A panic anywhere is a crash; libFuzzer's `-timeout` catches hangs.

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let data = data.to_vec();
    common::on_worker(move || {
        for (path, language) in common::FILES {
            common::analyse_as(path, language, &data);
        }
    });
});
