//! Generators of hostile source: every construct that nests or chains, in TypeScript,
//! JavaScript and Python, `n` levels deep or long, one level per line (so that no file is
//! taken for minified). Shared by `tests/robustness.rs` and `examples/shapes.rs` (which
//! measured the bounds of `src/prescan.rs`).

#![allow(dead_code)]

/// A construct: its name, the languages it is written in, and its source at `n` levels.
pub struct Construct {
    pub name: &'static str,
    pub python: bool,
    pub generate: fn(usize) -> String,
}

fn nest(open: &str, middle: &str, close: &str, n: usize) -> String {
    let mut s = String::with_capacity(n * (open.len() + close.len()) + middle.len());
    for _ in 0..n {
        s += open;
    }
    s += middle;
    for _ in 0..n {
        s += close;
    }
    s
}

fn repeat_then(head: &str, each: &str, tail: &str, n: usize) -> String {
    let mut s = String::with_capacity(head.len() + n * each.len() + tail.len());
    s += head;
    for _ in 0..n {
        s += each;
    }
    s += tail;
    s
}

/// Python blocks nested by indentation, one space deeper per level, ending in an external
/// call inside a string-taking call (an open string delimiter, as in the file).
fn indented(header: &str, n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        s += &" ".repeat(i);
        s += &header.replace("{i}", &i.to_string());
        s += "\n";
    }
    s += &" ".repeat(n);
    s += "return requests.get(\"http://x\")\n";
    s
}

pub const JAVASCRIPT: &[Construct] = &[
    Construct {
        name: "arrays",
        python: false,
        generate: |n| format!("const x = {};\n", nest("[\n", "1\n", "]\n", n)),
    },
    Construct {
        name: "parentheses",
        python: false,
        generate: |n| format!("const x = {};\n", nest("(\n", "1\n", ")\n", n)),
    },
    Construct {
        name: "objects",
        python: false,
        generate: |n| format!("const x = {};\n", nest("{ a:\n", "1\n", "}\n", n)),
    },
    Construct {
        name: "blocks",
        python: false,
        generate: |n| nest("{\n", "fetch('http://x');\n", "}\n", n),
    },
    Construct {
        name: "functions",
        python: false,
        generate: |n| nest("function f() {\n", "return fetch('http://x');\n", "}\n", n),
    },
    Construct {
        name: "arrow functions",
        python: false,
        generate: |n| {
            format!(
                "const f = {};\n",
                repeat_then("", "() =>\n", "fetch('http://x')", n)
            )
        },
    },
    Construct {
        name: "nested calls",
        python: false,
        generate: |n| format!("{};\n", nest("f(\n", "1\n", ")\n", n)),
    },
    Construct {
        name: "call chain",
        python: false,
        generate: |n| repeat_then("const x = a.b()\n", ".b()\n", ";\n", n),
    },
    Construct {
        name: "member chain",
        python: false,
        generate: |n| repeat_then("const x = a\n", ".b\n", ";\n", n),
    },
    Construct {
        name: "binary operators",
        python: false,
        generate: |n| repeat_then("const x = 1\n", "+ 1\n", ";\n", n),
    },
    Construct {
        name: "logical operators",
        python: false,
        generate: |n| repeat_then("const x = a\n", "&& a\n", ";\n", n),
    },
    Construct {
        name: "ternaries",
        python: false,
        generate: |n| repeat_then("const x =\n", "a ? b :\n", "c;\n", n),
    },
    Construct {
        name: "unary operators",
        python: false,
        generate: |n| repeat_then("const x =\n", "!\n", "a;\n", n),
    },
    Construct {
        name: "awaits",
        python: false,
        generate: |n| {
            repeat_then(
                "async function f() {\nreturn\n",
                "await\n",
                "fetch('http://x');\n}\n",
                n,
            )
        },
    },
    Construct {
        name: "assignments",
        python: false,
        generate: |n| repeat_then("let a;\n", "a =\n", "1;\n", n),
    },
    Construct {
        name: "if statements",
        python: false,
        generate: |n| nest("if (a) {\n", "fetch('http://x');\n", "}\n", n),
    },
    Construct {
        name: "else-if chain",
        python: false,
        generate: |n| repeat_then("if (a) {}\n", "else if (a) {}\n", "\n", n),
    },
    Construct {
        name: "try statements",
        python: false,
        generate: |n| {
            nest(
                "try {\n",
                "verifyToken(t);\n",
                "} catch (e) { return true; }\n",
                n,
            )
        },
    },
    Construct {
        name: "classes",
        python: false,
        generate: |n| {
            format!(
                "const C = {};\n",
                nest("class {\nm() {\nreturn\n", "1\n", "}\n}\n", n)
            )
        },
    },
    Construct {
        name: "templates",
        python: false,
        generate: |n| format!("const t = {};\n", nest("`${\n", "a\n", "}`\n", n)),
    },
    Construct {
        name: "strings concatenated",
        python: false,
        generate: |n| repeat_then("const s = 'a'\n", "+ 'a'\n", ";\n", n),
    },
    Construct {
        name: "statements",
        python: false,
        generate: |n| repeat_then("", "a.b();\n", "", n),
    },
];

pub const PYTHON: &[Construct] = &[
    Construct {
        name: "nested defs",
        python: true,
        generate: |n| indented("def f{i}():", n),
    },
    Construct {
        name: "nested ifs",
        python: true,
        generate: |n| indented("if a:", n),
    },
    Construct {
        name: "nested try",
        python: true,
        generate: |n| {
            // Each level is a try whose handler is on the same level.
            let mut s = String::new();
            for i in 0..n {
                s += &" ".repeat(i);
                s += "try:\n";
            }
            s += &" ".repeat(n);
            s += "verify_token(t)\n";
            for i in (0..n).rev() {
                s += &" ".repeat(i);
                s += "except Exception:\n";
                s += &" ".repeat(i + 1);
                s += "pass\n";
            }
            s
        },
    },
    Construct {
        name: "lists",
        python: true,
        generate: |n| format!("x = {}\n", nest("[\n", "1\n", "]\n", n)),
    },
    Construct {
        name: "parentheses",
        python: true,
        generate: |n| format!("x = {}\n", nest("(\n", "1\n", ")\n", n)),
    },
    Construct {
        name: "dicts",
        python: true,
        generate: |n| format!("x = {}\n", nest("{'a':\n", "1\n", "}\n", n)),
    },
    Construct {
        name: "nested calls",
        python: true,
        generate: |n| format!("{}\n", nest("f(\n", "1\n", ")\n", n)),
    },
    Construct {
        name: "call chain",
        python: true,
        generate: |n| repeat_then("x = (a.b()\n", ".b()\n", ")\n", n),
    },
    Construct {
        name: "attribute chain",
        python: true,
        generate: |n| repeat_then("x = (a\n", ".b\n", ")\n", n),
    },
    Construct {
        name: "binary operators",
        python: true,
        generate: |n| repeat_then("x = (1\n", "+ 1\n", ")\n", n),
    },
    Construct {
        name: "boolean operators",
        python: true,
        generate: |n| repeat_then("x = (a\n", "and a\n", ")\n", n),
    },
    Construct {
        name: "comparisons",
        python: true,
        generate: |n| repeat_then("x = (a\n", "< a\n", ")\n", n),
    },
    Construct {
        name: "not",
        python: true,
        generate: |n| repeat_then("x = (\n", "not\n", "a)\n", n),
    },
    Construct {
        name: "conditional expressions",
        python: true,
        generate: |n| repeat_then("x = (\n", "a if b else\n", "c)\n", n),
    },
    Construct {
        name: "lambdas",
        python: true,
        generate: |n| repeat_then("x = (\n", "lambda:\n", "requests.get('http://x'))\n", n),
    },
    Construct {
        name: "awaits",
        python: true,
        generate: |n| repeat_then("async def f():\n    return (\n", "await\n", "g())\n", n),
    },
    Construct {
        name: "subscripts",
        python: true,
        generate: |n| repeat_then("x = (a\n", "[0]\n", ")\n", n),
    },
    Construct {
        name: "f-strings",
        python: true,
        generate: |n| format!("x = {}\n", nest("f\"{\n", "a\n", "}\"\n", n)),
    },
    Construct {
        name: "elif chain",
        python: true,
        generate: |n| repeat_then("if a:\n    pass\n", "elif a:\n    pass\n", "", n),
    },
    Construct {
        name: "statements",
        python: true,
        generate: |n| repeat_then("", "a.b()\n", "", n),
    },
];

/// The most levels of `construct` that fit in `limit` bytes (doubling, then halving back).
pub fn levels_within(construct: &Construct, limit: usize) -> usize {
    let size = |n: usize| (construct.generate)(n).len();
    let mut low = 1;
    let mut high = 2;
    while size(high) <= limit {
        low = high;
        high *= 2;
    }
    while high - low > 1 {
        let mid = low + (high - low) / 2;
        if size(mid) <= limit {
            low = mid;
        } else {
            high = mid;
        }
    }
    low
}

/// The four files a fuzz input becomes: path, and whether it is Python.
pub const FILES: [(&str, bool); 4] = [
    ("src/server.ts", false),
    ("src/server.tsx", false),
    ("src/server.js", false),
    ("server.py", true),
];

/// A fuzz input read as a recipe for a deep or long construct (the `shapes` fuzz target and
/// its replay in tests/robustness.rs): byte 0 picks the file kind and the construct, bytes 1-2
/// the levels (up to 65,535), byte 3 where the rest of the input is spliced into the generated
/// source (so that the fuzzer mutates deep code, not only its prelude). `None` when too short.
pub fn recipe(data: &[u8]) -> Option<(usize, String)> {
    let [pick, high, low, at, rest @ ..] = data else {
        return None;
    };
    let file = usize::from(*pick) % FILES.len();
    let constructs = if FILES[file].1 { PYTHON } else { JAVASCRIPT };
    let construct = &constructs[usize::from(*pick / 4) % constructs.len()];
    let levels = usize::from(u16::from_be_bytes([*high, *low]));
    // Indentation grows as the square of the levels: keep those within the file limit.
    let levels = if construct.python && construct.name.starts_with("nested") {
        levels % 2_048
    } else {
        levels
    };
    let mut source = (construct.generate)(levels);
    let mut cut = source.len() * usize::from(*at) / 255;
    while !source.is_char_boundary(cut) {
        cut -= 1;
    }
    source.insert_str(cut, &String::from_utf8_lossy(rest));
    Some((file, source))
}
