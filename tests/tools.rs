//! `faultline tools`: the inventory of tools, by form, on small trees under tests/data/tools/.

use std::path::Path;
use std::process::Command;

fn tools(dir: &str) -> (serde_json::Value, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/tools");
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(["tools", ".", "--format", "json", "--isolated"])
        .current_dir(root.join(dir))
        .output()
        .expect("faultline runs");
    let json = serde_json::from_slice(&out.stdout).expect("JSON inventory");
    (json, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn names(inventory: &serde_json::Value) -> Vec<String> {
    let mut names: Vec<String> = inventory["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter(|t| t["form"] != "dispatcher")
        .map(|t| t["name"].as_str().expect("name").to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn a_fastmcp_mount_namespace_prefixes_the_mounted_servers_tools() {
    let (inventory, _) = tools("mount");
    assert_eq!(
        names(&inventory),
        [
            "health",
            "tickets_close_ticket",
            "tickets_open_ticket",
            "wiki_read_page"
        ]
    );
}

#[test]
fn a_tool_lists_its_handler_external_calls_and_error_exits() {
    let (inventory, _) = tools("basic");
    let tool = &inventory["tools"][0];
    assert_eq!(tool["name"], "forecast");
    assert_eq!(tool["form"], "server-tool");
    assert_eq!(tool["line"], 11);
    assert_eq!(tool["handlers"].as_array().map(Vec::len), Some(1));
    let call = &tool["external_calls"][0];
    assert_eq!(call["callee"], "fetch");
    assert_eq!(call["timeout"], "none");
    assert_eq!(call["breaker"], false);
    assert_eq!(call["line"], 7);
    assert_eq!(tool["error_exits"][0]["line"], 15);
}

#[test]
fn an_sdk_import_with_no_tool_is_said() {
    let (inventory, stderr) = tools("sdk_no_tools");
    assert!(names(&inventory).is_empty());
    assert!(stderr.contains("@modelcontextprotocol/sdk"), "{stderr}");
}

#[test]
fn scan_says_when_an_sdk_is_imported_and_no_tool_is_found() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/tools/sdk_no_tools");
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(["scan", ".", "--isolated", "--format", "json"])
        .current_dir(root)
        .output()
        .expect("faultline runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no MCP tool found"), "{stderr}");
}

#[test]
fn ts_fastmcp_add_tool_objects_are_tools_and_a_plugin_registry_is_not() {
    let (inventory, _) = tools("fastmcp_ts");
    assert_eq!(names(&inventory), ["incident_history", "service_status"]);
    let tool = &inventory["tools"][0];
    assert_eq!(tool["form"], "add-tool");
    assert_eq!(tool["handlers"][0]["name"], "execute");
}

#[test]
fn python_decorator_as_call_and_tool_from_function_are_tools() {
    let (inventory, _) = tools("python_forms");
    assert_eq!(
        names(&inventory),
        ["audit", "stock_count", "stock_reorder"],
        "{inventory}"
    );
}

#[test]
fn definition_objects_registered_in_a_loop_are_tools_and_prompts_columns_and_shortcuts_are_not() {
    let (inventory, _) = tools("definitions_ts");
    assert_eq!(
        names(&inventory),
        ["add_bookmark", "close_tab", "open_tab", "search_bookmarks"],
        "{inventory}"
    );
    for tool in inventory["tools"].as_array().expect("tools") {
        assert_eq!(tool["form"], "definition-object", "{tool}");
    }
    // Each tool's handler is its own definition's, not the loop's.
    let open = inventory["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .find(|t| t["name"] == "open_tab")
        .expect("open_tab");
    assert_eq!(open["external_calls"][0]["callee"], "fetch", "{open}");
}

#[test]
fn definitions_without_a_handler_take_the_one_a_table_keeps_under_their_name() {
    let (inventory, _) = tools("definitions_table");
    assert_eq!(
        names(&inventory),
        ["list_pipelines", "rerun_job"],
        "{inventory}"
    );
    for tool in inventory["tools"].as_array().expect("tools") {
        assert_eq!(tool["external_calls"][0]["callee"], "fetch", "{tool}");
    }
}

#[test]
fn a_server_subclass_registers_with_this_and_a_schema_object_names_its_tool() {
    let (inventory, _) = tools("definitions_class");
    assert_eq!(
        names(&inventory),
        ["browser_navigate", "create_refund", "list_disputes"],
        "{inventory}"
    );
}

#[test]
fn a_dispatcher_running_handlers_from_a_table_by_name_serves_one_tool_per_key() {
    let (inventory, _) = tools("dispatch_table");
    assert_eq!(
        names(&inventory),
        ["ack_alert", "list_alerts", "ping"],
        "{inventory}"
    );
    let listed = inventory["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .find(|t| t["name"] == "list_alerts")
        .expect("list_alerts");
    assert_eq!(listed["form"], "dispatch-table");
    assert_eq!(listed["external_calls"][0]["callee"], "fetch", "{listed}");
}

#[test]
fn a_table_of_formatters_in_a_dispatcher_of_declared_tools_serves_no_tool() {
    let (inventory, _) = tools("dispatch_table_declared");
    assert_eq!(names(&inventory), ["read_note"], "{inventory}");
}

#[test]
fn python_tools_named_by_constants_and_registered_by_a_server_subclass() {
    let (inventory, _) = tools("python_named");
    assert_eq!(
        names(&inventory),
        [
            "desk_assign_ticket",
            "desk_close_ticket",
            "desk_open_ticket",
            "desk_search",
            "history"
        ],
        "{inventory}"
    );
}

#[test]
fn python_definition_objects_of_a_project_class_and_the_decorators_that_make_them() {
    let (inventory, _) = tools("python_definitions");
    assert_eq!(
        names(&inventory),
        [
            "build",
            "column_lineage",
            "list",
            "list_models",
            "model_details"
        ],
        "{inventory}"
    );
}
