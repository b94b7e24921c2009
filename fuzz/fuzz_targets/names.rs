//! Arbitrary text as the names a hostile tree or command line can give faultline: the rules of
//! an inline directive, `--select` / `--ignore` selectors, configuration values (selections,
//! severities, globs, vocabulary entries) and a method name an auth rule reads. Nothing may
//! panic; errors are fine.

#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use faultline::config;
use faultline::knowledge::{Knowledge, VocabularyExtension};
use faultline::model::Language;
use faultline::rules::Registry;
use libfuzzer_sys::fuzz_target;

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::builtin)
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let name: String = text.chars().filter(|c| !matches!(c, '\n' | '\r')).collect();
    let registry = registry();

    let _ = faultline::suppress::parse(&format!("// faultline-ignore[{name}]: reason"));
    let _ = faultline::suppress::parse(&text);
    let _ = registry.expand(&name);
    let _ = registry.find(&name);
    let _ = config::expand_all(registry, std::slice::from_ref(&name));

    let quoted = name.replace('\\', "\\\\").replace('"', "\\\"");
    for body in [
        format!("select = [\"{quoted}\"]\n"),
        format!("fail-on = \"{quoted}\"\n"),
        format!("exclude = [\"{quoted}\"]\n"),
        format!("[severity]\n\"{quoted}\" = \"low\"\n"),
        format!("[per-file-ignores]\n\"{quoted}\" = [\"SEC\"]\n"),
        format!("[vocabulary]\nauth-calls = [\"{quoted}\"]\n"),
        text.to_string(),
    ] {
        if let Ok(file) = config::parse(&body, Path::new("faultline.toml")) {
            let loaded = config::Loaded {
                path: "faultline.toml".into(),
                config: file,
            };
            if let Ok(settings) =
                config::Settings::resolve(Some(&loaded), &config::Overrides::default(), registry)
            {
                let _ = settings.filters();
            }
        }
        let _ = config::from_pyproject(&body, Path::new("pyproject.toml"));
    }

    // Loading a vocabulary compiles every glob set: only one input in eight pays for it.
    if data.first().is_none_or(|b| b % 8 != 0) {
        return;
    }
    let extension = VocabularyExtension {
        auth_calls: vec![name.clone()],
        ..VocabularyExtension::default()
    };
    if let Ok(knowledge) = Knowledge::load(&extension) {
        let ident: String = name
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == '_')
            .take(64)
            .collect();
        let source = format!(
            "server.tool('t', {{}}, async (a) => {{ if (!auth.check{ident}Permission(a)) {{ return 1; }} return 2; }});\n"
        );
        let _ = faultline::scan_source(
            "src/server.ts",
            Language::TypeScript,
            source.as_bytes(),
            registry,
            &knowledge,
        );
    }
});
