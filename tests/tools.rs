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
