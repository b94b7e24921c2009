//! One test per fixture file, and one per rule for the examples in its TOML docs.
//!
//! A fixture declares its findings in `expect:` comments; its test compares the exact set of
//! (line, rule) found with that set, and a failure names the file and shows both sets. A file in
//! `fixtures/<RULE>/` is checked for that rule and for every rule its comments name; each folder
//! is scanned as one project (once, shared by its files' tests), so cross-file cases link as
//! they would in a repository.
//!
//! The documented examples run too (biome-style): in each ```ts / ```python block of a rule's
//! docs, the code after the `bad` marker must produce the rule's finding, the code after the
//! `good` marker none.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use faultline::knowledge::Knowledge;
use faultline::model::Language;
use faultline::rules::Registry;
use faultline::{ScanOptions, scan};

type Lines = BTreeSet<(usize, String)>;

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::builtin)
}

/// `// expect: SEC001` or `# expect: SEC004, REL002` at the end of a line.
fn expectations(text: &str) -> Lines {
    let mut out = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        let Some(at) = line.find("expect:") else {
            continue;
        };
        let before = &line[..at];
        if !(before.trim_end().ends_with("//") || before.trim_end().ends_with('#')) {
            continue;
        }
        for token in line[at + 7..].split(|c: char| c == ',' || c.is_whitespace()) {
            let is_id = token.len() == 6
                && token[..3].chars().all(|c| c.is_ascii_uppercase())
                && token[3..].chars().all(|c| c.is_ascii_digit());
            if is_id {
                out.insert((i + 1, token.to_string()));
            }
        }
    }
    out
}

fn files_below(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files_below(&path, out);
        } else if Language::from_path(&path).is_some() {
            out.push(path);
        }
    }
}

/// What the scan of one rule's folder found: per canonical path, (line, rule, message).
type FolderFindings = HashMap<PathBuf, Vec<(usize, String, String)>>;

fn scan_folder(rule: &str) -> FolderFindings {
    let dir = fixtures_root().join(rule);
    let registry = registry();
    let options = ScanOptions {
        paths: vec![dir.clone()],
        rules: registry.rules.iter().map(|r| r.meta.id.clone()).collect(),
        threads: Some(2),
        respect_ignore_files: false,
        vocabulary: Default::default(),
        ..Default::default()
    };
    let report = scan(&options, registry).expect("scan runs");
    assert!(
        report.errors.is_empty(),
        "errors scanning fixtures/{rule}: {:?}",
        report.errors
    );
    let mut out: FolderFindings = HashMap::new();
    for f in report.findings {
        let key = Path::new(&f.path).canonicalize().unwrap();
        out.entry(key)
            .or_default()
            .push((f.start.line, f.rule, f.message));
    }
    out
}

/// Each folder is scanned once, by whichever of its files' tests runs first.
fn folder(rule: &str) -> Arc<FolderFindings> {
    type Cell = Arc<OnceLock<Arc<FolderFindings>>>;
    static FOLDERS: OnceLock<Mutex<HashMap<String, Cell>>> = OnceLock::new();
    let cell: Cell = FOLDERS
        .get_or_init(Default::default)
        .lock()
        .unwrap()
        .entry(rule.to_string())
        .or_default()
        .clone();
    cell.get_or_init(|| Arc::new(scan_folder(rule))).clone()
}

fn show(set: &Lines) -> String {
    let items: Vec<String> = set.iter().map(|(l, r)| format!("{r}@{l}")).collect();
    format!("{{{}}}", items.join(", "))
}

/// Checks one fixture file, `relative` to `fixtures/`.
fn check_fixture(relative: &str) {
    let path = fixtures_root().join(relative);
    let rule = relative.split('/').next().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let expected = expectations(&text);
    let mut checked: BTreeSet<String> = expected.iter().map(|(_, r)| r.clone()).collect();
    checked.insert(rule.to_string());

    let findings = folder(rule);
    let mine = findings
        .get(&path.canonicalize().unwrap())
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let mut actual: Lines = BTreeSet::new();
    let mut problems = Vec::new();
    for (line, r, message) in mine.iter().filter(|(_, r, _)| checked.contains(r)) {
        if !actual.insert((*line, r.clone())) {
            problems.push(format!("twice   {r} at line {line}: {message}"));
        }
    }
    for (line, r) in expected.difference(&actual) {
        problems.push(format!("missing {r} at line {line}"));
    }
    for (line, r) in actual.difference(&expected) {
        let (_, _, message) = mine.iter().find(|(l, x, _)| l == line && x == r).unwrap();
        problems.push(format!("noisy   {r} at line {line}: {message}"));
    }
    assert!(
        problems.is_empty(),
        "fixtures/{relative} (rules checked: {})\n  expected {}\n  actual   {}\n{}",
        checked.iter().cloned().collect::<Vec<_>>().join(", "),
        show(&expected),
        show(&actual),
        problems.join("\n")
    );
}

macro_rules! fixture_tests {
    ($($name:ident => $path:literal,)*) => {
        $(
            #[test]
            fn $name() {
                check_fixture($path);
            }
        )*
        const LISTED: &[&str] = &[$($path),*];
    };
}

#[test]
fn every_fixture_file_has_its_test() {
    let root = fixtures_root();
    let mut files = Vec::new();
    files_below(&root, &mut files);
    let on_disk: BTreeSet<String> = files
        .iter()
        .map(|p| p.strip_prefix(&root).unwrap().display().to_string())
        .collect();
    let listed: BTreeSet<String> = LISTED.iter().map(|s| s.to_string()).collect();
    let unlisted: Vec<_> = on_disk.difference(&listed).collect();
    let gone: Vec<_> = listed.difference(&on_disk).collect();
    assert!(
        unlisted.is_empty() && gone.is_empty(),
        "add to fixture_tests! in tests/fixtures.rs: {unlisted:?}; remove: {gone:?}"
    );
    for rule in &registry().rules {
        let prefix = format!("{}/", rule.meta.id);
        assert!(
            LISTED.iter().any(|p| p.starts_with(&prefix)),
            "fixtures/{} has no fixture files",
            rule.meta.id
        );
    }
}

#[test]
fn expectation_comments_are_parsed_per_line() {
    let text =
        "a\nreturn true; // expect: SEC001\nx = 1  # expect: SEC004, REL002\nexpect: SEC005\n";
    let got = expectations(text);
    let want: Lines = [
        (2, "SEC001".to_string()),
        (3, "SEC004".to_string()),
        (3, "REL002".to_string()),
    ]
    .into_iter()
    .collect();
    assert_eq!(got, want);
}

/// The examples of one rule's docs: (language, "bad" | "good", code).
fn doc_examples(docs: &str) -> Vec<(Language, &'static str, String)> {
    let mut out = Vec::new();
    let mut lines = docs.lines();
    while let Some(line) = lines.next() {
        let language = match line.trim() {
            "```ts" | "```typescript" => Language::TypeScript,
            "```js" | "```javascript" => Language::JavaScript,
            "```python" | "```py" => Language::Python,
            _ => continue,
        };
        let mut part: Option<(&'static str, String)> = None;
        for line in lines.by_ref() {
            if line.trim() == "```" {
                break;
            }
            let marker = line
                .trim()
                .trim_start_matches("//")
                .trim_start_matches('#')
                .trim();
            let kind = if marker.starts_with("bad") {
                Some("bad")
            } else if marker.starts_with("good") {
                Some("good")
            } else {
                None
            };
            let comment = line.trim().starts_with("//") || line.trim().starts_with('#');
            if let (Some(kind), true) = (kind, comment) {
                out.extend(part.take().map(|(k, code)| (language, k, code)));
                part = Some((kind, String::new()));
            }
            if let Some((_, code)) = &mut part {
                code.push_str(line);
                code.push('\n');
            }
        }
        out.extend(part.map(|(k, code)| (language, k, code)));
    }
    out
}

/// Examples whose verdict depends on more than the snippet: DOC003 judges a server (a tree that
/// declares a tool) against its README and docs files, which a snippet does not have.
const CONTEXT_DEPENDENT: &[(&str, &str)] = &[("DOC003", "bad"), ("DOC003", "good")];

fn check_doc_examples(id: &str) {
    let registry = registry();
    let meta = registry.meta(id).expect("a built-in rule");
    let examples = doc_examples(&meta.docs);
    let knowledge = Knowledge::builtin();
    for lang in &meta.languages {
        let family_has_example = examples.iter().any(|(l, _, _)| l.family() == lang);
        let other_js =
            lang == "javascript" && examples.iter().any(|(l, _, _)| l.family() == "typescript");
        assert!(
            family_has_example || other_js,
            "{id}: the docs have no {lang} example"
        );
    }
    let mut problems = Vec::new();
    for (language, kind, code) in &examples {
        if CONTEXT_DEPENDENT.contains(&(id, kind)) {
            continue;
        }
        let path = match language {
            Language::Python => "example.py",
            _ => "example.ts",
        };
        let found = faultline::scan_source(path, *language, code.as_bytes(), registry, &knowledge)
            .expect("the example parses");
        let count = found.iter().filter(|f| f.rule == id).count();
        let ok = match *kind {
            "bad" => count >= 1,
            _ => count == 0,
        };
        if !ok {
            problems.push(format!(
                "the {kind} {} example gives {count} {id} finding(s):\n{code}",
                language.family()
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "rules/{id}.toml: {}",
        problems.join("\n")
    );
}

macro_rules! doc_example_tests {
    ($($name:ident => $id:literal,)*) => {
        $(
            #[test]
            fn $name() {
                check_doc_examples($id);
            }
        )*
        const DOCUMENTED: &[&str] = &[$($id),*];
    };
}

#[test]
fn every_rule_has_its_doc_example_test() {
    for rule in &registry().rules {
        assert!(
            DOCUMENTED.contains(&rule.meta.id.as_str()),
            "add {} to doc_example_tests! in tests/fixtures.rs",
            rule.meta.id
        );
    }
}

doc_example_tests! {
    docs_doc001 => "DOC001",
    docs_doc002 => "DOC002",
    docs_doc003 => "DOC003",
    docs_rel001 => "REL001",
    docs_rel002 => "REL002",
    docs_rel003 => "REL003",
    docs_rel004 => "REL004",
    docs_sec001 => "SEC001",
    docs_sec002 => "SEC002",
    docs_sec003 => "SEC003",
    docs_sec004 => "SEC004",
    docs_sec005 => "SEC005",
}

fixture_tests! {
    doc001_flag_fastmcp_py => "DOC001/flag_fastmcp.py",
    doc001_flag_fastmcp_named_py => "DOC001/flag_fastmcp_named.py",
    doc001_flag_fastmcp_addtool_ts => "DOC001/flag_fastmcp_addtool.ts",
    doc001_flag_list_tools_js => "DOC001/flag_list_tools.js",
    doc001_flag_lowlevel_list_tools_py => "DOC001/flag_lowlevel_list_tools.py",
    doc001_flag_server_tool_ts => "DOC001/flag_server_tool.ts",
    doc002_description_names_params_js => "DOC002/description_names_params.js",
    doc002_description_names_params_ts => "DOC002/description_names_params.ts",
    doc002_flag_fastmcp_params_py => "DOC002/flag_fastmcp_params.py",
    doc002_flag_json_schema_js => "DOC002/flag_json_schema.js",
    doc002_flag_lowlevel_schema_py => "DOC002/flag_lowlevel_schema.py",
    doc002_flag_zod_shapes_ts => "DOC002/flag_zod_shapes.ts",
    doc002_unlisted_definitions_js => "DOC002/unlisted_definitions.js",
    doc003_client_js => "DOC003/client.js",
    doc003_search_py => "DOC003/search.py",
    doc003_server_ts => "DOC003/server.ts",
    rel001_cross_file_py_init_py => "REL001/cross_file_py/__init__.py",
    rel001_cross_file_py_flights_py => "REL001/cross_file_py/flights.py",
    rel001_cross_file_py_server_py => "REL001/cross_file_py/server.py",
    rel001_cross_file_ts_billing_ts => "REL001/cross_file_ts/billing.ts",
    rel001_cross_file_ts_index_ts => "REL001/cross_file_ts/index.ts",
    rel001_flag_inline_lookalikes_js => "REL001/flag_inline_lookalikes.js",
    rel001_flag_inline_lookalikes_py => "REL001/flag_inline_lookalikes.py",
    rel001_flag_bundled_commonjs_cjs => "REL001/flag_bundled_commonjs.cjs",
    rel001_registry_helpers_cjs => "REL001/registry_helpers.cjs",
    rel001_flag_client_fields_js => "REL001/flag_client_fields.js",
    rel001_flag_client_fields_ts => "REL001/flag_client_fields.ts",
    rel001_flag_client_fields_py => "REL001/flag_client_fields.py",
    rel001_flag_wrapped_handlers_js => "REL001/flag_wrapped_handlers.js",
    rel001_flag_wrapped_handlers_ts => "REL001/flag_wrapped_handlers.ts",
    rel001_flag_wrapped_handlers_py => "REL001/flag_wrapped_handlers.py",
    rel001_flag_aliased_methods_js => "REL001/flag_aliased_methods.js",
    rel001_flag_cached_clients_js => "REL001/flag_cached_clients.js",
    rel001_flag_cached_clients_ts => "REL001/flag_cached_clients.ts",
    rel001_flag_cached_clients_py => "REL001/flag_cached_clients.py",
    rel001_flag_bound_methods_py => "REL001/flag_bound_methods.py",
    rel001_flag_factory_clients_py => "REL001/flag_factory_clients.py",
    rel001_flag_factory_clients_ts => "REL001/flag_factory_clients.ts",
    rel001_flag_handler_subclasses_py => "REL001/flag_handler_subclasses.py",
    rel001_flag_handler_tables_ts => "REL001/flag_handler_tables.ts",
    rel001_flag_handler_tables_js => "REL001/flag_handler_tables.js",
    rel001_flag_handler_tables_py => "REL001/flag_handler_tables.py",
    rel001_flag_template_method_ts => "REL001/flag_template_method.ts",
    rel001_flag_template_method_js => "REL001/flag_template_method.js",
    rel001_flag_repo_tools_py => "REL001/flag_repo_tools.py",
    rel001_flag_tracker_dispatcher_js => "REL001/flag_tracker_dispatcher.js",
    rel001_flag_weather_tools_ts => "REL001/flag_weather_tools.ts",
    rel001_ok_aiobreaker_py => "REL001/ok_aiobreaker.py",
    rel001_ok_brakes_js => "REL001/ok_brakes.js",
    rel001_ok_circuitbreaker_py => "REL001/ok_circuitbreaker.py",
    rel001_ok_cockatiel_ts => "REL001/ok_cockatiel.ts",
    rel001_ok_homegrown_breaker_py => "REL001/ok_homegrown_breaker.py",
    rel001_ok_homegrown_breaker_ts => "REL001/ok_homegrown_breaker.ts",
    rel001_ok_in_process_asgi_py => "REL001/ok_in_process_asgi.py",
    rel001_ok_inline_breaker_js => "REL001/ok_inline_breaker.js",
    rel001_ok_inline_breaker_py => "REL001/ok_inline_breaker.py",
    rel001_ok_inline_breaker_ts => "REL001/ok_inline_breaker.ts",
    rel001_ok_not_reached_and_not_external_py => "REL001/ok_not_reached_and_not_external.py",
    rel001_ok_not_reached_and_not_external_ts => "REL001/ok_not_reached_and_not_external.ts",
    rel001_ok_opossum_ts => "REL001/ok_opossum.ts",
    rel001_ok_purgatory_py => "REL001/ok_purgatory.py",
    rel001_ok_pybreaker_py => "REL001/ok_pybreaker.py",
    rel001_ok_same_name_other_client_py => "REL001/ok_same_name_other_client.py",
    rel002_cross_file_py_init_py => "REL002/cross_file_py/__init__.py",
    rel002_cross_file_py_catalogue_py => "REL002/cross_file_py/catalogue.py",
    rel002_cross_file_py_server_py => "REL002/cross_file_py/server.py",
    rel002_cross_file_ts_clients_ts => "REL002/cross_file_ts/clients.ts",
    rel002_cross_file_ts_index_ts => "REL002/cross_file_ts/index.ts",
    rel002_cross_file_ts_tickets_ts => "REL002/cross_file_ts/tickets.ts",
    rel002_flag_axios_got_js => "REL002/flag_axios_got.js",
    rel002_flag_fetch_without_signal_ts => "REL002/flag_fetch_without_signal.ts",
    rel002_flag_fastmcp_add_tool_ts => "REL002/flag_fastmcp_add_tool.ts",
    rel002_flag_decorator_as_call_py => "REL002/flag_decorator_as_call.py",
    rel002_flag_node_https_js => "REL002/flag_node_https.js",
    rel002_flag_objects_and_factories_py => "REL002/flag_objects_and_factories.py",
    rel002_flag_objects_and_factories_ts => "REL002/flag_objects_and_factories.ts",
    rel002_flag_options_position_and_sdks_ts => "REL002/flag_options_position_and_sdks.ts",
    rel002_flag_python_clients_py => "REL002/flag_python_clients.py",
    rel002_flag_sdks_py => "REL002/flag_sdks.py",
    rel002_flag_registrar_wrappers_js => "REL002/flag_registrar_wrappers.js",
    rel002_flag_tool_classes_py => "REL002/flag_tool_classes.py",
    rel002_registrar_ts_billing_ts => "REL002/registrar_ts/billing.ts",
    rel002_registrar_ts_context_ts => "REL002/registrar_ts/context.ts",
    rel002_registrar_ts_index_ts => "REL002/registrar_ts/index.ts",
    rel002_registry_py_init_py => "REL002/registry_py/__init__.py",
    rel002_registry_py_notes_tools_py => "REL002/registry_py/notes_tools.py",
    rel002_registry_py_registry_py => "REL002/registry_py/registry.py",
    rel002_registry_py_server_py => "REL002/registry_py/server.py",
    rel002_ok_js_deadlines_mjs => "REL002/ok_js_deadlines.mjs",
    rel002_ok_not_reached_ts => "REL002/ok_not_reached.ts",
    rel002_ok_objects_and_factories_py => "REL002/ok_objects_and_factories.py",
    rel002_ok_objects_and_factories_ts => "REL002/ok_objects_and_factories.ts",
    rel002_ok_options_position_and_sdks_ts => "REL002/ok_options_position_and_sdks.ts",
    rel002_ok_python_timeouts_py => "REL002/ok_python_timeouts.py",
    rel003_cross_file_py_init_py => "REL003/cross_file_py/__init__.py",
    rel003_cross_file_py_lookups_py => "REL003/cross_file_py/lookups.py",
    rel003_cross_file_py_server_py => "REL003/cross_file_py/server.py",
    rel003_cross_file_ts_index_ts => "REL003/cross_file_ts/index.ts",
    rel003_cross_file_ts_sources_ts => "REL003/cross_file_ts/sources.ts",
    rel003_flag_dispatcher_cjs => "REL003/flag_dispatcher.cjs",
    rel003_flag_fan_out_client_field_js => "REL003/flag_fan_out_client_field.js",
    rel003_flag_fan_out_js => "REL003/flag_fan_out.js",
    rel003_flag_fan_out_py => "REL003/flag_fan_out.py",
    rel003_flag_fan_out_ts => "REL003/flag_fan_out.ts",
    rel003_flag_gather_py => "REL003/flag_gather.py",
    rel003_flag_promise_all_ts => "REL003/flag_promise_all.ts",
    rel003_ok_fan_out_ts => "REL003/ok_fan_out.ts",
    rel003_ok_gather_py => "REL003/ok_gather.py",
    rel003_ok_promise_all_ts => "REL003/ok_promise_all.ts",
    rel004_flag_fallback_fetch_ts => "REL004/flag_fallback_fetch.ts",
    rel004_flag_inline_open_paths_py => "REL004/flag_inline_open_paths.py",
    rel004_flag_inline_open_paths_ts => "REL004/flag_inline_open_paths.ts",
    rel004_flag_policy_and_helper_js => "REL004/flag_policy_and_helper.js",
    rel004_flag_python_open_paths_py => "REL004/flag_python_open_paths.py",
    rel004_ok_inline_open_paths_js => "REL004/ok_inline_open_paths.js",
    rel004_ok_inline_open_paths_py => "REL004/ok_inline_open_paths.py",
    rel004_ok_light_open_path_ts => "REL004/ok_light_open_path.ts",
    sec001_flag_gate_exits_py => "SEC001/flag_gate_exits.py",
    sec001_flag_nothing_is_the_pass_py => "SEC001/flag_nothing_is_the_pass.py",
    sec001_flag_nothing_is_the_pass_ts => "SEC001/flag_nothing_is_the_pass.ts",
    sec001_flag_nothing_is_the_pass_js => "SEC001/flag_nothing_is_the_pass.js",
    sec001_ok_nothing_is_the_pass_py => "SEC001/ok_nothing_is_the_pass.py",
    sec001_ok_nothing_is_the_pass_ts => "SEC001/ok_nothing_is_the_pass.ts",
    sec001_flag_cleared_config_skips_check_py => "SEC001/flag_cleared_config_skips_check.py",
    sec001_flag_cleared_config_skips_check_ts => "SEC001/flag_cleared_config_skips_check.ts",
    sec001_flag_cleared_config_skips_check_js => "SEC001/flag_cleared_config_skips_check.js",
    sec001_flag_empty_count_under_limit_py => "SEC001/flag_empty_count_under_limit.py",
    sec001_flag_empty_count_under_limit_ts => "SEC001/flag_empty_count_under_limit.ts",
    sec001_flag_empty_count_under_limit_js => "SEC001/flag_empty_count_under_limit.js",
    sec001_ok_empty_count_under_limit_py => "SEC001/ok_empty_count_under_limit.py",
    sec001_ok_empty_count_under_limit_ts => "SEC001/ok_empty_count_under_limit.ts",
    sec001_flag_grant_effects_py => "SEC001/flag_grant_effects.py",
    sec001_flag_grant_effects_ts => "SEC001/flag_grant_effects.ts",
    sec001_ok_grant_effects_py => "SEC001/ok_grant_effects.py",
    sec001_ok_grant_effects_ts => "SEC001/ok_grant_effects.ts",
    sec001_ok_cleared_config_skips_check_py => "SEC001/ok_cleared_config_skips_check.py",
    sec001_ok_cleared_config_skips_check_ts => "SEC001/ok_cleared_config_skips_check.ts",
    sec001_ok_cleared_config_skips_check_js => "SEC001/ok_cleared_config_skips_check.js",
    sec001_flag_nothing_skips_refusal_py => "SEC001/flag_nothing_skips_refusal.py",
    sec001_flag_nothing_skips_refusal_ts => "SEC001/flag_nothing_skips_refusal.ts",
    sec001_flag_nothing_skips_refusal_js => "SEC001/flag_nothing_skips_refusal.js",
    sec001_ok_nothing_skips_refusal_py => "SEC001/ok_nothing_skips_refusal.py",
    sec001_ok_cleared_into_empty_answer_py => "SEC001/ok_cleared_into_empty_answer.py",
    sec001_flag_identity_left_unset_ts => "SEC001/flag_identity_left_unset.ts",
    sec001_ok_gate_exits_py => "SEC001/ok_gate_exits.py",
    sec001_ok_catch_already_answered_js => "SEC001/ok_catch_already_answered.js",
    sec001_flag_allow_dict_and_string_py => "SEC001/flag_allow_dict_and_string.py",
    sec001_flag_allow_object_ts => "SEC001/flag_allow_object.ts",
    sec001_flag_authorized_flag_set_ts => "SEC001/flag_authorized_flag_set.ts",
    sec001_flag_catch_return_true_ts => "SEC001/flag_catch_return_true.ts",
    sec001_flag_except_return_true_py => "SEC001/flag_except_return_true.py",
    sec001_flag_express_next_in_catch_ts => "SEC001/flag_express_next_in_catch.ts",
    sec001_flag_guest_fallback_identity_py => "SEC001/flag_guest_fallback_identity.py",
    sec001_flag_isvalid_flag_and_promise_js => "SEC001/flag_isvalid_flag_and_promise.js",
    sec001_flag_named_auth_check_non_auth_call_ts => "SEC001/flag_named_auth_check_non_auth_call.ts",
    sec001_flag_named_is_authorized_py => "SEC001/flag_named_is_authorized.py",
    sec001_flag_named_verify_session_js => "SEC001/flag_named_verify_session.js",
    sec001_flag_promise_catch_true_ts => "SEC001/flag_promise_catch_true.ts",
    sec001_flag_receiver_check_and_allow_string_mjs => "SEC001/flag_receiver_check_and_allow_string.mjs",
    sec001_flag_self_allowed_flag_py => "SEC001/flag_self_allowed_flag.py",
    sec001_flag_swallowed_and_next_cjs => "SEC001/flag_swallowed_and_next.cjs",
    sec001_flag_swallowed_except_py => "SEC001/flag_swallowed_except.py",
    sec001_flag_swallowed_verify_ts => "SEC001/flag_swallowed_verify.ts",
    sec001_ok_api_key_getter_js => "SEC001/ok_api_key_getter.js",
    sec001_ok_claims_checked_after_catch_ts => "SEC001/ok_claims_checked_after_catch.ts",
    sec001_ok_deny_and_rethrow_mjs => "SEC001/ok_deny_and_rethrow.mjs",
    sec001_ok_fail_closed_py => "SEC001/ok_fail_closed.py",
    sec001_ok_fail_closed_ts => "SEC001/ok_fail_closed.ts",
    sec001_ok_next_err_and_401_js => "SEC001/ok_next_err_and_401.js",
    sec001_ok_non_auth_catch_true_ts => "SEC001/ok_non_auth_catch_true.ts",
    sec001_ok_non_auth_fallbacks_cjs => "SEC001/ok_non_auth_fallbacks.cjs",
    sec001_ok_stale_cache_and_flags_py => "SEC001/ok_stale_cache_and_flags.py",
    sec001_ok_stale_cache_decision_ts => "SEC001/ok_stale_cache_decision.ts",
    sec001_ok_user_none_then_denied_py => "SEC001/ok_user_none_then_denied.py",
    sec001_flag_wrapped_identity_left_unset_js => "SEC001/flag_wrapped_identity_left_unset.js",
    sec001_flag_wrapped_identity_left_unset_ts => "SEC001/flag_wrapped_identity_left_unset.ts",
    sec001_flag_wrapped_identity_left_unset_py => "SEC001/flag_wrapped_identity_left_unset.py",
    sec001_ok_wrapped_identity_then_refused_js => "SEC001/ok_wrapped_identity_then_refused.js",
    sec001_ok_wrapped_identity_then_refused_ts => "SEC001/ok_wrapped_identity_then_refused.ts",
    sec001_ok_wrapped_identity_then_refused_py => "SEC001/ok_wrapped_identity_then_refused.py",
    sec001_flag_fail_mode_switch_py => "SEC001/flag_fail_mode_switch.py",
    sec001_flag_fail_mode_switch_ts => "SEC001/flag_fail_mode_switch.ts",
    sec001_flag_fail_mode_switch_js => "SEC001/flag_fail_mode_switch.js",
    sec001_ok_fail_mode_switch_py => "SEC001/ok_fail_mode_switch.py",
    sec001_ok_fail_mode_switch_ts => "SEC001/ok_fail_mode_switch.ts",
    sec002_flag_aliased_constructor_py => "SEC002/flag_aliased_constructor.py",
    sec002_flag_aliased_constructor_ts => "SEC002/flag_aliased_constructor.ts",
    sec002_flag_bound_method_ts => "SEC002/flag_bound_method.ts",
    sec002_flag_cockatiel_and_own_breaker_js => "SEC002/flag_cockatiel_and_own_breaker.js",
    sec002_flag_homegrown_breaker_ts => "SEC002/flag_homegrown_breaker.ts",
    sec002_flag_inline_breakers_js => "SEC002/flag_inline_breakers.js",
    sec002_flag_inline_breakers_py => "SEC002/flag_inline_breakers.py",
    sec002_flag_inline_breakers_ts => "SEC002/flag_inline_breakers.ts",
    sec002_flag_opossum_fallbacks_ts => "SEC002/flag_opossum_fallbacks.ts",
    sec002_flag_python_breakers_py => "SEC002/flag_python_breakers.py",
    sec002_ok_inline_breakers_js => "SEC002/ok_inline_breakers.js",
    sec002_ok_inline_breakers_py => "SEC002/ok_inline_breakers.py",
    sec002_ok_inline_breakers_ts => "SEC002/ok_inline_breakers.ts",
    sec002_ok_opossum_fallbacks_ts => "SEC002/ok_opossum_fallbacks.ts",
    sec002_ok_own_breakers_js => "SEC002/ok_own_breakers.js",
    sec002_ok_python_breakers_py => "SEC002/ok_python_breakers.py",
    sec003_flag_action_field_js => "SEC003/flag_action_field.js",
    sec003_flag_caller_request_probe_ts => "SEC003/flag_caller_request_probe.ts",
    sec003_flag_gate_breakers_js => "SEC003/flag_gate_breakers.js",
    sec003_flag_gate_breakers_py => "SEC003/flag_gate_breakers.py",
    sec003_flag_gate_breakers_ts => "SEC003/flag_gate_breakers.ts",
    sec003_flag_plugin_hooks_py => "SEC003/flag_plugin_hooks.py",
    sec003_flag_python_breakers_py => "SEC003/flag_python_breakers.py",
    sec003_flag_timer_reset_py => "SEC003/flag_timer_reset.py",
    sec003_flag_timer_reset_ts => "SEC003/flag_timer_reset.ts",
    sec003_ok_gate_breakers_js => "SEC003/ok_gate_breakers.js",
    sec003_ok_gate_breakers_py => "SEC003/ok_gate_breakers.py",
    sec003_ok_gate_breakers_ts => "SEC003/ok_gate_breakers.ts",
    sec003_ok_python_breakers_py => "SEC003/ok_python_breakers.py",
    sec003_ok_synthetic_probe_ts => "SEC003/ok_synthetic_probe.ts",
    sec004_cross_file_py_init_py => "SEC004/cross_file_py/__init__.py",
    sec004_cross_file_py_client_py => "SEC004/cross_file_py/client.py",
    sec004_cross_file_py_server_py => "SEC004/cross_file_py/server.py",
    sec004_cross_file_ts_api_ts => "SEC004/cross_file_ts/api.ts",
    sec004_cross_file_ts_index_ts => "SEC004/cross_file_ts/index.ts",
    sec004_flag_concat_and_tostring_js => "SEC004/flag_concat_and_tostring.js",
    sec004_flag_content_text_message_ts => "SEC004/flag_content_text_message.ts",
    sec004_flag_decorator_wrapper_py => "SEC004/flag_decorator_wrapper.py",
    sec004_flag_error_result_helper_ts => "SEC004/flag_error_result_helper.ts",
    sec004_flag_helper_call_cjs => "SEC004/flag_helper_call.cjs",
    sec004_flag_local_variable_and_catch_arrow_ts => "SEC004/flag_local_variable_and_catch_arrow.ts",
    sec004_flag_lowlevel_call_tool_py => "SEC004/flag_lowlevel_call_tool.py",
    sec004_flag_named_by_constant_ts => "SEC004/flag_named_by_constant.ts",
    sec004_flag_rethrown_mcp_errors_ts => "SEC004/flag_rethrown_mcp_errors.ts",
    sec004_flag_rethrown_tool_errors_py => "SEC004/flag_rethrown_tool_errors.py",
    sec004_flag_return_fstring_py => "SEC004/flag_return_fstring.py",
    sec004_flag_server_on_call_tool_py => "SEC004/flag_server_on_call_tool.py",
    sec004_flag_stack_and_json_ts => "SEC004/flag_stack_and_json.ts",
    sec004_flag_throw_and_nested_mjs => "SEC004/flag_throw_and_nested.mjs",
    sec004_flag_throw_mcp_error_ts => "SEC004/flag_throw_mcp_error.ts",
    sec004_flag_traceback_and_raise_py => "SEC004/flag_traceback_and_raise.py",
    sec004_ok_build_script_and_rethrow_mjs => "SEC004/ok_build_script_and_rethrow.mjs",
    sec004_ok_cli_main_unreachable_py => "SEC004/ok_cli_main_unreachable.py",
    sec004_ok_logged_generic_py => "SEC004/ok_logged_generic.py",
    sec004_ok_logged_generic_and_code_map_ts => "SEC004/ok_logged_generic_and_code_map.ts",
    sec004_ok_normalised_rethrow_ts => "SEC004/ok_normalised_rethrow.ts",
    sec004_ok_subprocess_output_py => "SEC004/ok_subprocess_output.py",
    sec004_ok_subprocess_output_ts => "SEC004/ok_subprocess_output.ts",
    sec004_ok_unreachable_cli_main_ts => "SEC004/ok_unreachable_cli_main.ts",
    sec005_flag_deny_reason_string_js => "SEC005/flag_deny_reason_string.js",
    sec005_flag_middleware_js => "SEC005/flag_middleware.js",
    sec005_flag_truthy_checks_py => "SEC005/flag_truthy_checks.py",
    sec005_flag_truthy_checks_ts => "SEC005/flag_truthy_checks.ts",
    sec005_ok_declared_boolean_py => "SEC005/ok_declared_boolean.py",
    sec005_ok_declared_boolean_ts => "SEC005/ok_declared_boolean.ts",
    sec005_ok_explicit_comparisons_py => "SEC005/ok_explicit_comparisons.py",
    sec005_ok_explicit_comparisons_ts => "SEC005/ok_explicit_comparisons.ts",
    sec005_flag_result_passed_to_helper_ts => "SEC005/flag_result_passed_to_helper.ts",
    sec005_flag_result_passed_to_helper_js => "SEC005/flag_result_passed_to_helper.js",
    sec005_flag_result_passed_to_helper_py => "SEC005/flag_result_passed_to_helper.py",
    sec005_ok_result_passed_to_helper_ts => "SEC005/ok_result_passed_to_helper.ts",
    sec005_ok_result_passed_to_helper_py => "SEC005/ok_result_passed_to_helper.py",
}
