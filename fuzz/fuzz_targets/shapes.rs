//! Deep and long constructs: each input is a recipe (`tests/hostile/mod.rs`, `recipe`) for
//! one of the nesting and chaining constructs of TypeScript, JavaScript or Python, up to
//! 65,535 levels, with the rest of the input spliced into it; the result goes through the
//! same analysis as `scan_source`.

#![no_main]

mod common;

#[path = "../../tests/hostile/mod.rs"]
mod hostile;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((file, source)) = hostile::recipe(data) else {
        return;
    };
    common::on_worker(move || {
        let (path, language) = common::FILES[file];
        common::analyse_as(path, language, source.as_bytes());
    });
});
