//! The words the front ends read while lowering (`rules/lowering.toml`): loggers, error
//! properties and text conversions, allow keys and strings, server classes. The user's
//! `[vocabulary] loggers` extends the loggers.

use std::sync::LazyLock;

use serde::Deserialize;

use super::{NameSet, normalize};
use crate::model::{Language, LeakKind, Value};

const LOWERING: &str = include_str!("../../rules/lowering.toml");

/// What the front ends know about names, loaded once per scan.
#[derive(Debug)]
pub struct LoweringVocabulary {
    loggers: Loggers,
    error_text: ErrorText,
    decisions: Decisions,
    servers: Servers,
    /// How the SDKs register tools (`[tools]`).
    pub tools: ToolForms,
    /// The user's loggers (`[vocabulary] loggers`), matched like the other vocabulary keys.
    user_loggers: NameSet,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct LoweringFile {
    loggers: Loggers,
    error_text: ErrorText,
    decisions: Decisions,
    servers: Servers,
    tools: ToolForms,
}

/// The SDKs' tool registration forms (`[tools]` in `rules/lowering.toml`): methods, decorators
/// and keywords, by their last segment.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ToolForms {
    pub call_methods: Vec<String>,
    pub dispatch_methods: Vec<String>,
    pub dispatch_schemas: Vec<String>,
    pub decorators: Vec<String>,
    pub dispatch_decorators: Vec<String>,
    pub add_methods: Vec<String>,
    pub tool_factories: Vec<String>,
    pub dispatch_keywords: Vec<String>,
    pub object_methods: Vec<String>,
    pub object_handlers: Vec<String>,
    pub mount_methods: Vec<String>,
    pub mount_prefix_keywords: Vec<String>,
    pub mount_server_keywords: Vec<String>,
}

impl ToolForms {
    /// Whether `name` is one of `list`.
    pub fn has(list: &[String], name: &str) -> bool {
        named(list, name)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Loggers {
    functions: Vec<String>,
    methods: Vec<String>,
    receivers_containing: Vec<String>,
    receivers: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ErrorText {
    safe_properties: Vec<String>,
    stack_conversions: Vec<String>,
    message_conversions: Vec<String>,
    opaque_calls: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Decisions {
    allow_keys: Vec<String>,
    degraded_keys: Vec<String>,
    allow_strings: Vec<String>,
    deny_strings: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Servers {
    sdk_modules: Vec<String>,
    python_classes: Vec<String>,
    javascript_classes: Vec<String>,
    receiver_words: Vec<String>,
    python_receivers: Vec<String>,
}

fn named(list: &[String], name: &str) -> bool {
    list.iter().any(|s| s == name)
}

static BUILTIN: LazyLock<LoweringVocabulary> =
    LazyLock::new(|| LoweringVocabulary::load(&[]).expect("rules/lowering.toml is valid"));

impl LoweringVocabulary {
    /// The built-in words with the user's `loggers` added.
    pub fn load(user_loggers: &[String]) -> Result<LoweringVocabulary, String> {
        let mut file: LoweringFile =
            toml::from_str(LOWERING).map_err(|e| format!("rules/lowering.toml: {e}"))?;
        let lower = |list: &mut Vec<String>| list.iter_mut().for_each(|s| *s = s.to_lowercase());
        lower(&mut file.loggers.receivers_containing);
        lower(&mut file.loggers.receivers);
        let normalized = |list: &mut Vec<String>| list.iter_mut().for_each(|s| *s = normalize(s));
        normalized(&mut file.decisions.allow_keys);
        normalized(&mut file.decisions.degraded_keys);
        Ok(LoweringVocabulary {
            loggers: file.loggers,
            error_text: file.error_text,
            decisions: file.decisions,
            servers: file.servers,
            tools: file.tools,
            user_loggers: NameSet::new(user_loggers, &[])?,
        })
    }

    /// The built-in words alone.
    pub fn builtin() -> &'static LoweringVocabulary {
        &BUILTIN
    }

    /// A module of an MCP SDK, or one below it (`@modelcontextprotocol/sdk/server/mcp.js`,
    /// `mcp.server.fastmcp`, `fastmcp`).
    pub fn is_sdk_module(&self, module: &str) -> bool {
        self.servers.sdk_modules.iter().any(|m| {
            module == m
                || module
                    .strip_prefix(m.as_str())
                    .is_some_and(|rest| rest.starts_with(['/', '.']))
        })
    }

    /// Calls that write to a log or the console.
    pub fn is_logger(&self, callee: &str) -> bool {
        let loggers = &self.loggers;
        let built_in = match callee.rsplit_once('.') {
            None => named(&loggers.functions, callee),
            Some((receiver, method)) => {
                named(&loggers.methods, method) && {
                    let receiver = receiver.to_ascii_lowercase();
                    loggers
                        .receivers_containing
                        .iter()
                        .any(|part| receiver.contains(part.as_str()))
                        || named(&loggers.receivers, &receiver)
                }
            }
        };
        built_in || (!self.user_loggers.is_empty() && self.user_loggers.matches(callee).is_some())
    }

    /// Error properties that carry no text of the error: reading them leaks nothing.
    pub fn is_safe_error_property(&self, name: &str) -> bool {
        named(&self.error_text.safe_properties, name)
    }

    /// Calls that turn their argument into text.
    pub fn text_conversion(&self, callee: &str) -> Option<LeakKind> {
        if named(&self.error_text.stack_conversions, callee) {
            Some(LeakKind::Stack)
        } else if named(&self.error_text.message_conversions, callee) {
            Some(LeakKind::Message)
        } else {
            None
        }
    }

    /// Calls whose result says nothing of the error's text (type tests, predicates, logging).
    pub fn is_opaque_call(&self, callee: &str) -> bool {
        let last = callee.rsplit('.').next().unwrap_or(callee);
        named(&self.error_text.opaque_calls, last)
            || (last.len() > 2
                && last.starts_with("is")
                && last[2..].starts_with(|c: char| c.is_ascii_uppercase() || c == '_'))
            || self.is_logger(callee)
    }

    /// Keys of an object or dict that, set to true, grant access.
    pub fn is_allow_key(&self, key: &str) -> bool {
        named(&self.decisions.allow_keys, &normalize(key))
    }

    /// Keys of an object that, set to true, say the answer is a degraded stand-in.
    pub fn is_degraded_key(&self, key: &str) -> bool {
        named(&self.decisions.degraded_keys, &normalize(key))
    }

    /// What a returned string decides: `"allow"`, `"denied"`, or neither.
    pub fn string_decision(&self, content: &str) -> Value {
        let content = content.trim().to_ascii_lowercase();
        if named(&self.decisions.allow_strings, &content) {
            Value::Allow
        } else if named(&self.decisions.deny_strings, &content) {
            Value::Deny
        } else {
            Value::Literal
        }
    }

    /// Classes (and calls) whose result is an MCP server object (`FastMCP`, `McpServer`).
    pub fn is_server_class(&self, language: Language, class: &str) -> bool {
        let classes = match language {
            Language::Python => &self.servers.python_classes,
            _ => &self.servers.javascript_classes,
        };
        class
            .rsplit('.')
            .next()
            .is_some_and(|last| named(classes, last))
    }

    /// A receiver whose name says it holds a server: `server`, `this.mcpServer`, `app`.
    pub fn names_a_server(&self, language: Language, receiver: &str) -> bool {
        let last = receiver
            .rsplit('.')
            .next()
            .unwrap_or(receiver)
            .to_ascii_lowercase();
        self.servers
            .receiver_words
            .iter()
            .any(|word| last.contains(word.as_str()))
            || (language == Language::Python && named(&self.servers.python_receivers, &last))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loggers_are_data_and_the_user_adds_to_them() {
        let words = LoweringVocabulary::builtin();
        assert!(words.is_logger("console.error"));
        assert!(words.is_logger("self.logger.warning"));
        assert!(words.is_logger("catalog.warn"));
        assert!(words.is_logger("print"));
        assert!(words.is_logger("warnings.warn"));
        assert!(!words.is_logger("audit.record"));
        assert!(!words.is_logger("client.error"));
        let taught = LoweringVocabulary::load(&["audit.record".into()]).unwrap();
        assert!(taught.is_logger("self.audit.record"));
        assert!(taught.is_opaque_call("audit.record"));
    }

    #[test]
    fn decisions_and_conversions() {
        let words = LoweringVocabulary::builtin();
        assert!(words.is_allow_key("is_allowed"));
        assert!(words.is_allow_key("hasAccess"));
        assert!(words.is_degraded_key("fail_open"));
        assert_eq!(words.string_decision(" Granted "), Value::Allow);
        assert_eq!(words.string_decision("denied"), Value::Deny);
        assert_eq!(words.text_conversion("util.inspect"), Some(LeakKind::Stack));
        assert_eq!(words.text_conversion("str"), Some(LeakKind::Message));
        assert!(words.is_opaque_call("isinstance"));
        assert!(words.is_opaque_call("x.isValid"));
        assert!(words.is_server_class(Language::Python, "mcp.server.fastmcp.FastMCP"));
        assert!(!words.is_server_class(Language::TypeScript, "FastMCP"));
        assert!(words.names_a_server(Language::TypeScript, "this.mcpServer"));
        assert!(words.names_a_server(Language::Python, "app"));
        assert!(!words.names_a_server(Language::TypeScript, "app"));
    }
}
