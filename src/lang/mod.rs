//! Tree-sitter front ends: the only code that knows grammar node kinds.
//!
//! `lower_source` parses one file with a parser kept per thread and language, lowers the tree
//! into a [`Model`] and drops the tree.

mod builder;
mod comments;
mod fields;
mod javascript;
mod python;
mod shared;

use std::cell::{Cell, RefCell};
use std::ops::ControlFlow;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::time::{Duration, Instant};

use tree_sitter::{Node, ParseOptions, Parser, Tree, TreeCursor};

use crate::knowledge::LoweringVocabulary;
use crate::model::{Language, Model, Span};

thread_local! {
    static PARSERS: RefCell<[Option<Parser>; 4]> = const { RefCell::new([None, None, None, None]) };
}

fn grammar(language: Language) -> tree_sitter::Language {
    match language {
        Language::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
        Language::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
        Language::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
        Language::Python => tree_sitter_python::LANGUAGE.into(),
    }
}

fn slot(language: Language) -> usize {
    match language {
        Language::TypeScript => 0,
        Language::Tsx => 1,
        Language::JavaScript => 2,
        Language::Python => 3,
    }
}

/// Whether the code before `start` could end with the `await` whose operand starts there: the
/// keyword, or what may hide it (a comment, a line continuation, a non-ASCII space).
/// `Node::parent` walks down from the root, so the front ends ask for a call's parent only when
/// this says it may be an `await`.
pub(crate) fn may_follow_await(src: &[u8], start: usize) -> bool {
    let before = src[..start.min(src.len())].trim_ascii_end();
    let last_line = before.rsplit(|b| *b == b'\n').next().unwrap_or(before);
    before.ends_with(b"await")
        || before.ends_with(b"*/")
        || before.ends_with(b"\\")
        || before.last().is_some_and(|b| !b.is_ascii())
        || last_line.windows(2).any(|w| w == b"//")
}

/// Parses `source` with this thread's parser for `language`.
pub fn parse(language: Language, source: &[u8]) -> Option<Tree> {
    parse_until(language, source, None)
}

/// How long one file's parse and lowering may take before they are abandoned, in CPU time of
/// the thread doing them (see [`clock`]).
pub const FILE_BUDGET: Duration = Duration::from_secs(5);

/// The clock budgets are measured on: the calling thread's CPU time where the platform gives
/// it, so that a machine busy with other work does not put a file over its budget (a parse
/// is pure computation: it cannot wait on anything); the wall clock elsewhere.
pub fn clock() -> Duration {
    #[cfg(all(target_os = "linux", target_pointer_width = "64"))]
    {
        #[repr(C)]
        struct Timespec {
            seconds: i64,
            nanoseconds: i64,
        }
        unsafe extern "C" {
            fn clock_gettime(clock: i32, time: *mut Timespec) -> i32;
        }
        const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
        let mut time = Timespec {
            seconds: 0,
            nanoseconds: 0,
        };
        // SAFETY: `time` is a valid, writable timespec of the platform's layout (64-bit
        // `time_t` and `long` on 64-bit Linux); the call writes nothing else.
        if unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut time) } == 0 {
            return Duration::new(
                u64::try_from(time.seconds).unwrap_or(0),
                u32::try_from(time.nanoseconds).unwrap_or(0),
            );
        }
    }
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed()
}

/// Why a file's parse or lowering was given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Abandoned {
    /// The parse ran past the budget; tree-sitter's progress callback cancelled it.
    Parse(Duration),
    /// Building the model ran past the budget.
    Lowering(Duration),
}

impl std::fmt::Display for Abandoned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (stage, budget) = match self {
            Abandoned::Parse(b) => ("parsing", b),
            Abandoned::Lowering(b) => ("analysing", b),
        };
        write!(
            f,
            "{stage} took longer than the {} s budget of one file",
            budget.as_secs_f64()
        )
    }
}

thread_local! {
    /// The deadline of the lowering running on this thread, and a countdown to the next look
    /// at the clock.
    static DEADLINE: Cell<Option<Duration>> = const { Cell::new(None) };
    static COUNTDOWN: Cell<u32> = const { Cell::new(0) };
}

/// The unwinding payload that abandons a lowering past its deadline (not a panic: it never
/// reaches the panic hook, and [`lower_within`] catches it).
struct PastDeadline;

/// Called as the front ends walk the tree: past the deadline, unwinds to [`lower_within`].
/// Looks at the clock once every 1,024 calls.
#[inline]
pub(crate) fn check_deadline() {
    let left = COUNTDOWN.get();
    if left > 0 {
        COUNTDOWN.set(left - 1);
        return;
    }
    COUNTDOWN.set(1024);
    if DEADLINE.get().is_some_and(|d| clock() > d) {
        DEADLINE.set(None);
        resume_unwind(Box::new(PastDeadline));
    }
}

/// Parses and lowers one file within `budget`: a parse past it is cancelled by tree-sitter's
/// progress callback, a lowering past it is unwound, and the file's reason says which.
pub fn lower_within(
    language: Language,
    source: &[u8],
    budget: Duration,
) -> Result<Model, Abandoned> {
    lower_with(language, source, budget, LoweringVocabulary::builtin())
}

/// [`lower_within`] with the scan's vocabulary.
pub fn lower_with(
    language: Language,
    source: &[u8],
    budget: Duration,
    vocabulary: &LoweringVocabulary,
) -> Result<Model, Abandoned> {
    let deadline = clock().saturating_add(budget);
    let tree = parse_until(language, source, Some(deadline)).ok_or(Abandoned::Parse(budget))?;
    DEADLINE.set(Some(deadline));
    COUNTDOWN.set(0);
    let lowered = catch_unwind(AssertUnwindSafe(|| {
        lower_tree(language, &tree, source, vocabulary)
    }));
    DEADLINE.set(None);
    match lowered {
        Ok(model) => Ok(model),
        Err(payload) if payload.is::<PastDeadline>() => Err(Abandoned::Lowering(budget)),
        Err(payload) => resume_unwind(payload),
    }
}

fn parse_until(language: Language, source: &[u8], deadline: Option<Duration>) -> Option<Tree> {
    PARSERS.with(|parsers| {
        let mut parsers = parsers.borrow_mut();
        let parser = parsers[slot(language)].get_or_insert_with(|| {
            let mut parser = Parser::new();
            parser
                .set_language(&grammar(language))
                .expect("bundled grammar matches the tree-sitter version");
            parser
        });
        parser.reset();
        let Some(deadline) = deadline else {
            return parser.parse(source, None);
        };
        // The callback comes every hundred or so steps of the parser; the clock is a system
        // call, so it is read on every eighth.
        let mut calls = 0u32;
        let mut progress = |_: &tree_sitter::ParseState| {
            calls = calls.wrapping_add(1);
            if calls % 8 == 0 && clock() > deadline {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        };
        let len = source.len();
        let tree = parser.parse_with_options(
            &mut |i, _| if i < len { &source[i..] } else { &[] },
            None,
            Some(ParseOptions::new().progress_callback(&mut progress)),
        );
        if tree.is_none() {
            // A cancelled parse leaves its state behind for a resumption that will not come.
            parser.reset();
        }
        tree
    })
}

/// Parses and lowers one file within [`FILE_BUDGET`]. `None` when it is abandoned.
pub fn lower_source(language: Language, source: &[u8]) -> Option<Model> {
    lower_within(language, source, FILE_BUDGET).ok()
}

/// [`lower_source`] with the scan's vocabulary (the built-in words and the user's loggers).
pub fn lower_source_with(
    language: Language,
    source: &[u8],
    vocabulary: &LoweringVocabulary,
) -> Option<Model> {
    lower_with(language, source, FILE_BUDGET, vocabulary).ok()
}

fn lower_tree(
    language: Language,
    tree: &Tree,
    source: &[u8],
    vocabulary: &LoweringVocabulary,
) -> Model {
    let root = tree.root_node();
    let mut model = match language {
        Language::Python => python::lower(root, source, vocabulary),
        _ => javascript::lower(root, source, vocabulary),
    };
    model.comments = comments::collect(root, source);
    model
}

pub(crate) fn node_span(node: Node) -> Span {
    Span::new(node.start_byte(), node.end_byte())
}

/// The named children of `node`. `Node::named_child(i)` walks from the first child, so a
/// module or block with many statements goes through a cursor instead (one walk in all).
pub(crate) fn named_children<'t>(node: Node<'t>) -> NamedChildren<'t> {
    check_deadline();
    let count = node.named_child_count();
    if count <= 8 {
        NamedChildren::Indexed {
            node,
            next: 0,
            count,
        }
    } else {
        NamedChildren::Cursor {
            cursor: node.walk(),
            started: false,
        }
    }
}

pub(crate) enum NamedChildren<'t> {
    Indexed {
        node: Node<'t>,
        next: usize,
        count: usize,
    },
    Cursor {
        cursor: TreeCursor<'t>,
        started: bool,
    },
}

impl<'t> Iterator for NamedChildren<'t> {
    type Item = Node<'t>;

    fn next(&mut self) -> Option<Node<'t>> {
        match self {
            NamedChildren::Indexed { node, next, count } => {
                while *next < *count {
                    *next += 1;
                    if let Some(child) = node.named_child((*next - 1) as u32) {
                        return Some(child);
                    }
                }
                None
            }
            NamedChildren::Cursor { cursor, started } => loop {
                check_deadline();
                let moved = if *started {
                    cursor.goto_next_sibling()
                } else {
                    *started = true;
                    cursor.goto_first_child()
                };
                if !moved {
                    return None;
                }
                if cursor.node().is_named() {
                    return Some(cursor.node());
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;

    fn lower(language: Language, src: &str) -> Model {
        lower_source(language, src.as_bytes()).expect("parses")
    }

    fn text(src: &str, span: Span) -> &str {
        &src[span.start as usize..span.end as usize]
    }

    /// Each call's callee and whether it is the operand of an `await`.
    fn awaited(language: Language, src: &str) -> Vec<(String, bool)> {
        let m = lower(language, src);
        m.calls
            .iter()
            .map(|c| (c.callee.clone(), c.awaited))
            .collect()
    }

    fn pairs(expected: &[(&str, bool)]) -> Vec<(String, bool)> {
        expected.iter().map(|(c, a)| (c.to_string(), *a)).collect()
    }

    /// `awaited` is true exactly for a call that is the operand of an `await`, whatever lies
    /// between the keyword and the call (the parent is asked only after a possible `await`).
    #[test]
    fn a_call_is_awaited_only_as_the_operand_of_await() {
        let ts = "async function f() {\n  await a();\n  await /* why */ b();\n  await // why\n    c();\n  await\u{a0}d();\n  await (e());\n  await g().then(h);\n  noawait\n  k();\n}\n";
        assert_eq!(
            awaited(Language::TypeScript, ts),
            pairs(&[
                ("a", true),
                ("b", true),
                ("c", true),
                ("d", true),
                ("e", false),
                ("g", false),
                ("g().then", true),
                ("k", false),
            ])
        );
        let py = "async def f():\n    await a()\n    x = await b()\n    await \\\n        c()\n    await (d())\n    await e().g()\n    noawait = 1\n    k()\n";
        assert_eq!(
            awaited(Language::Python, py),
            pairs(&[
                ("a", true),
                ("b", true),
                ("c", true),
                ("d", false),
                ("e", false),
                ("e().g", true),
                ("k", false),
            ])
        );
    }

    /// Past the deadline, the front ends' next look at the clock unwinds to `lower_within`
    /// with the payload it catches (not a panic: the hook never sees it).
    #[test]
    fn a_lowering_past_its_deadline_unwinds_with_its_own_payload() {
        DEADLINE.set(Some(clock()));
        COUNTDOWN.set(0);
        // Spend some CPU time, so that the clock moves past the deadline.
        let started = clock();
        let mut spin = 0u64;
        while clock() == started {
            spin = spin.wrapping_add(1);
        }
        std::hint::black_box(spin);
        let unwound = catch_unwind(check_deadline).unwrap_err();
        assert!(unwound.is::<PastDeadline>());
        assert_eq!(DEADLINE.get(), None, "the deadline is spent once");
        // Without a deadline nothing unwinds, however often the clock is looked at.
        for _ in 0..5_000 {
            check_deadline();
        }
        assert_eq!(
            Abandoned::Lowering(Duration::from_secs(5)).to_string(),
            "analysing took longer than the 5 s budget of one file"
        );
    }

    /// A chain of calls is named within one walk of at most 64 steps in all (each call of the
    /// chain used to walk and copy the whole chain below it: quadratic, and as deep).
    #[test]
    fn a_call_chain_is_named_within_a_bounded_walk() {
        let ts = String::from("a.b()") + &"\n.c()".repeat(200) + ";\n";
        let py = String::from("x = (a.b()") + &"\n.c()".repeat(200) + ")\n";
        for (language, src) in [(Language::TypeScript, ts), (Language::Python, py)] {
            let m = lower(language, &src);
            assert_eq!(m.calls.len(), 201, "{language:?}");
            let callees: Vec<&str> = m.calls.iter().map(|c| c.callee.as_str()).collect();
            assert_eq!(callees.iter().filter(|c| **c == "a.b").count(), 1);
            assert_eq!(callees.iter().filter(|c| **c == "a.b().c").count(), 1);
            assert_eq!(callees.iter().filter(|c| **c == "a.b().c().c").count(), 1);
            // The longest names stop at the walk's 64 steps: 32 calls, each a member and a call.
            let longest = callees.iter().map(|c| c.matches("()").count()).max();
            assert_eq!(longest, Some(32), "{language:?}");
        }
    }

    #[test]
    fn conditions_and_result_reads_typescript() {
        let src = r#"
async function f(t: string, u: string) {
  if (!(await authz.check(u, "x"))) throw new Error("no");
  const ok = await verifyToken(t);
  if (!ok) return;
  const user = await authenticate(t);
  if (user && user.admin) audit(user);
  return ok ? 1 : 2;
}
"#;
        let m = lower(Language::TypeScript, src);
        let tested: Vec<(&str, TestedBy)> = m
            .conditions
            .iter()
            .map(|c| (text(src, c.span), c.how))
            .collect();
        assert!(tested.contains(&("authz.check(u, \"x\")", TestedBy::Not)));
        assert!(tested.contains(&("ok", TestedBy::Not)));
        assert!(tested.contains(&("ok", TestedBy::Ternary)));
        assert!(tested.contains(&("user.admin", TestedBy::If)));
        let reads = |n: &str| m.result_reads.iter().find(|r| r.name == n).map(|r| r.reads);
        assert_eq!(reads("ok"), Some(2));
        assert_eq!(reads("user"), Some(3));
    }

    #[test]
    fn conditions_and_result_reads_python() {
        let src = r#"
def f(t, u):
    if not verify_token(t):
        raise PermissionError()
    ok = check_permission(u, "x")
    if ok and u:
        pass
    decision = authorize(u)
    return decision.get("allowed") is True
"#;
        let m = lower(Language::Python, src);
        let tested: Vec<(&str, TestedBy)> = m
            .conditions
            .iter()
            .map(|c| (text(src, c.span), c.how))
            .collect();
        assert!(tested.contains(&("verify_token(t)", TestedBy::Not)));
        assert!(tested.contains(&("ok", TestedBy::If)));
        let reads = |n: &str| m.result_reads.iter().find(|r| r.name == n).map(|r| r.reads);
        assert_eq!(reads("ok"), Some(1));
        assert_eq!(reads("decision"), Some(1));
    }

    #[test]
    fn breaker_class_facts_typescript() {
        let src = r#"
class Breaker {
  private state: "closed" | "open" | "half_open" = "closed";
  constructor(private readonly action: (...a: unknown[]) => Promise<unknown>, opts: Opts) {}
  async fire(...args: unknown[]) {
    if (this.state === "open" && Date.now() < this.next) {
      return true;
    } else {
      this.state = CircuitState.HALF_OPEN;
    }
    switch (this.state) { case "closed": break; }
    return this.action(...args);
  }
}
"#;
        let m = lower(Language::TypeScript, src);
        let class = &m.breaker_classes[0];
        assert_eq!(class.name, "Breaker");
        assert_eq!(class.callable_fields, vec!["action".to_string()]);
        assert_eq!(class.writes[0].value, "CircuitState.HALF_OPEN");
        let test = &class.tests[0];
        assert_eq!(
            (test.field.as_str(), test.value.as_str(), test.equal),
            ("state", "open", true)
        );
        assert_eq!(test.joined, Joined::And);
        assert!(test.body_exits && !test.alternative_exits);
        assert!(class.tests.iter().any(|t| t.value == "closed"));
        let exit = m
            .exits
            .iter()
            .find(|e| text(src, e.span) == "return true;")
            .unwrap();
        assert_eq!(exit.value, Value::True);
    }

    #[test]
    fn breaker_class_facts_python() {
        let src = r#"
class Breaker:
    def __init__(self, func):
        self._func = func
        self.state = "closed"

    def call(self, *args):
        if self.state in (State.OPEN, State.HALF_OPEN):
            return {"degraded": True}
        elif self.is_open():
            raise Open()
        return self._func(*args)
"#;
        let m = lower(Language::Python, src);
        let class = &m.breaker_classes[0];
        assert_eq!(class.callable_fields, vec!["_func".to_string()]);
        assert_eq!(class.writes[0].value, "closed");
        let values: Vec<&str> = class.tests.iter().map(|t| t.value.as_str()).collect();
        assert_eq!(values, vec!["State.OPEN", "State.HALF_OPEN", "true"]);
        assert_eq!(class.tests[0].joined, Joined::Or);
        assert!(class.tests[2].body_exits);
        assert!(m.exits.iter().any(|e| e.value == Value::Degraded));
    }

    #[test]
    fn literals_and_decorator_calls() {
        let js = "const b = new CircuitBreaker(check, { failClosed: false, timeout: 3 });\nb.fallback(true);";
        let m = lower(Language::JavaScript, js);
        let keyed: Vec<(Option<&str>, Value)> = m
            .arg_literals
            .iter()
            .map(|l| (l.key.as_deref(), l.value))
            .collect();
        assert_eq!(
            keyed,
            vec![(Some("failClosed"), Value::False), (None, Value::True)]
        );

        let py = "@circuit(failure_threshold=3, fallback_function=allow)\ndef verify(t):\n    pass\nb = CircuitBreaker(fail_open=True)\n";
        let m = lower(Language::Python, py);
        let d = &m.decorator_calls[0];
        assert_eq!(m.calls[d.call].callee, "circuit");
        assert_eq!(m.functions[d.func].name.as_deref(), Some("verify"));
        assert!(
            m.arg_literals
                .iter()
                .any(|l| l.key.as_deref() == Some("fail_open") && l.value == Value::True)
        );
    }
}

#[cfg(test)]
mod vocabulary_tests {
    use super::*;

    /// Whether each catch / except handler only logs, with the given extra loggers.
    fn only_logs(language: Language, src: &str, loggers: &[&str]) -> Vec<bool> {
        let loggers: Vec<String> = loggers.iter().map(|s| s.to_string()).collect();
        let vocabulary = LoweringVocabulary::load(&loggers).expect("valid loggers");
        let model = lower_source_with(language, src.as_bytes(), &vocabulary).expect("parses");
        model
            .tries
            .iter()
            .flat_map(|t| t.handlers.iter().map(|h| h.only_logs))
            .collect()
    }

    #[test]
    fn a_user_logger_makes_a_handler_only_log() {
        let ts = "try { verify(t); } catch (e) { audit.record(e); }";
        assert_eq!(only_logs(Language::TypeScript, ts, &[]), [false]);
        assert_eq!(
            only_logs(Language::TypeScript, ts, &["audit.record"]),
            [true]
        );
        let py = "try:\n    verify(t)\nexcept Exception as e:\n    self.audit.record(e)\n";
        assert_eq!(only_logs(Language::Python, py, &[]), [false]);
        assert_eq!(only_logs(Language::Python, py, &["audit.record"]), [true]);
    }
}

/// Whether a Python name is written like a class: capitalised, after any leading underscores
/// (`Client`, `_ClientCacheEntry`).
pub(crate) fn class_like(name: &str) -> bool {
    name.trim_start_matches('_')
        .starts_with(|c: char| c.is_ascii_uppercase())
}
