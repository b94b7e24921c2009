//! `--format github`: one GitHub Actions workflow command per finding, which GitHub shows as an
//! annotation on the file and line:
//!
//! `::error file=src/a.ts,line=3,endLine=3,col=5,endColumn=17,title=SEC001 fail-open-auth::message`
//!
//! high and medium are `error`, low `warning`, info `notice`. A span over several lines drops
//! the columns (GitHub would otherwise mark the wrong range).

use crate::Report;
use crate::finding::Severity;
use crate::locate::Located;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    // Suppressed and baselined findings get no annotation.
    for finding in report.active() {
        out.push_str(&command(finding));
        out.push('\n');
    }
    out
}

fn command(f: &Located) -> String {
    let kind = match f.severity {
        Severity::High | Severity::Medium => "error",
        Severity::Low => "warning",
        Severity::Info => "notice",
    };
    let mut properties = vec![
        ("file", f.path.clone()),
        ("line", f.start.line.to_string()),
        ("endLine", f.end.line.to_string()),
    ];
    if f.start.line == f.end.line {
        properties.push(("col", f.start.column.to_string()));
        properties.push(("endColumn", f.end.column.to_string()));
    }
    properties.push(("title", format!("{} {}", f.rule, f.name)));
    let properties: Vec<String> = properties
        .into_iter()
        .map(|(key, value)| format!("{key}={}", escape_property(&value)))
        .collect();
    format!(
        "::{kind} {}::{}",
        properties.join(","),
        escape_data(&f.message)
    )
}

/// GitHub's escaping for a workflow command's message, then every other control or invisible
/// character written as an escape and the older `##[` command form broken.
pub fn escape_data(text: &str) -> String {
    let escaped = text
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    crate::escape::visible(&escaped).replace("##[", "#\\#[")
}

/// GitHub's escaping for a workflow command's property values: also `:` and `,`.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Axis;
    use crate::locate::Position;
    use crate::score::tests::finding;

    #[test]
    fn escapes_follow_githubs_workflow_command_rules() {
        assert_eq!(
            escape_data("50% of a\r\nb: c, d"),
            "50%25 of a%0D%0Ab: c, d"
        );
        assert_eq!(escape_property("dir,1/a:b%.ts\n"), "dir%2C1/a%3Ab%25.ts%0A");
        assert_eq!(
            escape_data("a\u{1b}[2Jb ##[error]x"),
            "a\\u{1b}[2Jb #\\#[error]x"
        );
    }

    #[test]
    fn single_line_spans_have_columns_and_multi_line_spans_do_not() {
        let mut f = finding("SEC004", Axis::Security, Severity::Medium, "src/a,b.ts", 3);
        f.start.column = 5;
        f.end.column = 17;
        f.message = "returns `e` to the client: 100% of it\nand more".into();
        assert_eq!(
            command(&f),
            "::error file=src/a%2Cb.ts,line=3,endLine=3,col=5,endColumn=17,\
             title=SEC004 SEC004-name::returns `e` to the client: 100%25 of it%0Aand more"
        );
        f.end = Position { line: 5, column: 2 };
        f.severity = Severity::Low;
        assert_eq!(
            command(&f),
            "::warning file=src/a%2Cb.ts,line=3,endLine=5,title=SEC004 SEC004-name::\
             returns `e` to the client: 100%25 of it%0Aand more"
        );
        f.severity = Severity::Info;
        assert!(command(&f).starts_with("::notice file="));
    }
}
