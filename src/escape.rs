//! Text from the scanned tree (file names, source lines, names in messages) as reports may
//! print it. The tree may be hostile: a file name with a newline and `::error ...` after it
//! would be a GitHub Actions workflow command, an escape sequence would drive the terminal, and
//! a bidirectional override would show code other than what runs. Every renderer passes tree
//! text through here.

use std::borrow::Cow;

/// Whether a character is shown as an escape: C0 and C1 controls, DEL, the line and paragraph
/// separators, bidirectional controls and invisible formatting characters.
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{200b}'..='\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}'
        | '\u{feff}')
}

/// One line of text with every unsafe character written as an escape (`\n`, `\t`, `\u{1b}`),
/// so that it stays one line and shows what is really there.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_visible(&mut out, c);
    }
    Cow::Owned(out)
}

/// At most `max` characters of `text`, with `...` when some were left out: names and messages
/// from the tree stay short in error messages.
pub fn truncated(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some((cut, _)) => Cow::Owned(format!("{}...", &text[..cut])),
    }
}

/// A path as one visible line (see [`visible`]); a name that is not UTF-8 shows U+FFFD.
pub fn visible_path(path: &std::path::Path) -> String {
    visible(&path.to_string_lossy()).into_owned()
}

/// Appends `c`, escaped when it is unsafe.
pub fn push_visible(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if is_unsafe(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        c => out.push(c),
    }
}

/// The whole text report, line by line: no line may start a workflow command (`::name ...::`,
/// after any leading white space, as the Actions runner reads it), and the older `##[name]`
/// form is broken wherever it appears. Tree text was escaped before; this is the last guard
/// for what faultline itself writes around it.
pub fn no_workflow_commands(text: String) -> String {
    let risky = |line: &str| line.trim_start().starts_with("::") || line.contains("##[");
    if !text.lines().any(risky) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.split_inclusive('\n') {
        let line = line.replace("##[", "#\\#[");
        let indent = line.len() - line.trim_start().len();
        if line[indent..].starts_with("::") {
            out.push_str(&line[..indent]);
            out.push('\\');
            out.push_str(&line[indent..]);
        } else {
            out.push_str(&line);
        }
    }
    out
}

/// JSON (and SARIF) text with the unsafe characters serde_json leaves raw (DEL, C1 controls,
/// bidirectional and invisible characters) written as `\uXXXX` escapes: they can only occur
/// inside strings, where the escape means the same character.
pub fn json_ascii_controls(json: String) -> String {
    // `##[` (the runner's older command form) can only be inside a string too.
    let json = if json.contains("##[") {
        json.replace("##[", "##\\u005b")
    } else {
        json
    };
    // serde_json escapes every C0 control inside strings; a raw one is the layout's newline.
    let raw = |c: char| is_unsafe(c) && c >= '\u{7f}';
    if !json.chars().any(raw) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if raw(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_become_escapes_and_plain_text_is_borrowed() {
        assert!(matches!(visible("src/a.ts"), Cow::Borrowed(_)));
        assert_eq!(
            visible("a\n::error file=x::pwned"),
            "a\\n::error file=x::pwned"
        );
        assert_eq!(visible("\u{1b}[31mred"), "\\u{1b}[31mred");
        assert_eq!(visible("x\u{202e}y\u{9b}"), "x\\u{202e}y\\u{9b}");
        assert_eq!(visible("é ✓"), "é ✓");
    }

    #[test]
    fn truncation_counts_characters() {
        assert_eq!(truncated("abc", 3), "abc");
        assert_eq!(truncated("ééééé", 2), "éé...");
    }

    #[test]
    fn no_line_starts_a_workflow_command() {
        let text = "ok\n  ::error file=a::x\n::warning::y\nsee ##[error]z\n".to_string();
        let safe = no_workflow_commands(text);
        for line in safe.lines() {
            assert!(!line.trim_start().starts_with("::"), "{line}");
            assert!(!line.contains("##["), "{line}");
        }
        assert_eq!(safe.lines().count(), 4);
    }

    #[test]
    fn json_escapes_stay_valid_json() {
        let json = serde_json::to_string_pretty(&["a\u{9b}b\u{202e}c\u{1b} ##[error]"]).unwrap();
        let escaped = json_ascii_controls(json);
        assert!(escaped.is_ascii(), "{escaped}");
        assert!(!escaped.contains("##["), "{escaped}");
        let back: Vec<String> = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back, ["a\u{9b}b\u{202e}c\u{1b} ##[error]"]);
    }
}
