//! The language-neutral facts that rules read.
//!
//! Front ends (`src/lang/`) walk a tree-sitter tree once and fill a [`Model`]; rules never see
//! grammar nodes. Positions are byte ranges into the file; lines and columns are computed only
//! when a finding is reported.

use serde::{Deserialize, Serialize};

/// A place in a source file as people count it: 1-based line, 1-based column in characters
/// (lines end at `\n`, `\r\n` or a lone `\r`; a UTF-8 byte order mark takes no column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
pub struct Position {
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
}

/// A byte range in one source file.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    pub fn contains(&self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    TypeScript,
    Tsx,
    JavaScript,
    Python,
}

impl Language {
    pub fn from_path(path: &std::path::Path) -> Option<Language> {
        let name = path.file_name()?.to_str()?;
        if name.ends_with(".d.ts") || name.ends_with(".d.mts") || name.ends_with(".d.cts") {
            return None;
        }
        match path.extension()?.to_str()? {
            "ts" | "mts" | "cts" => Some(Language::TypeScript),
            "tsx" => Some(Language::Tsx),
            "js" | "mjs" | "cjs" | "jsx" => Some(Language::JavaScript),
            "py" | "pyi" => Some(Language::Python),
            _ => None,
        }
    }

    /// The family name used in rule metadata (`languages = [...]`).
    pub fn family(self) -> &'static str {
        match self {
            Language::TypeScript | Language::Tsx => "typescript",
            Language::JavaScript => "javascript",
            Language::Python => "python",
        }
    }
}

/// Index of a function in [`Model::functions`]. Index 0 is the module's top level.
pub type FnId = usize;
/// Index of a try region in [`Model::tries`].
pub type TryId = usize;

pub const MODULE: FnId = 0;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Model {
    pub functions: Vec<Function>,
    pub calls: Vec<Call>,
    pub tries: Vec<Try>,
    pub exits: Vec<Exit>,
    pub tools: Vec<ToolRegistration>,
    /// Tools as `tools/list` shows them: name, description and parameters.
    pub tool_declarations: Vec<ToolDeclaration>,
    /// Environment variables read by a literal name.
    pub env_reads: Vec<EnvAccess>,
    /// Environment variables the code sets itself (`process.env.X = ...`).
    pub env_writes: Vec<EnvAccess>,
    pub imports: Vec<Import>,
    pub exports: Vec<Export>,
    /// Names bound to `new C(...)` / `C(...)` instances: `client` or `this.client`.
    pub instances: Vec<Instance>,
    /// `with` / `async with` blocks (Python).
    pub withs: Vec<WithBlock>,
    /// Assignments to a dotted target (`this.state = "open"`, `axios.defaults.timeout = 5000`).
    pub assignments: Vec<Assignment>,
    /// Parameters with a class as their type (`client: httpx.AsyncClient`, `http: AxiosInstance`).
    pub param_types: Vec<ParamType>,
    /// Number of ERROR / MISSING nodes tree-sitter recovered from.
    pub syntax_errors: usize,
    /// True when nesting went deeper than the front end follows; facts below that depth are lost.
    pub depth_limited: bool,
    /// Comments that hold a `faultline-ignore` directive (other comments are not kept).
    pub comments: Vec<Comment>,
    /// Expressions whose truthiness decides a branch: `if (x)`, `!x`, `x && y`, `not x`.
    pub conditions: Vec<Condition>,
    /// How often each local name that holds a call's result is read afterwards.
    pub result_reads: Vec<ResultReads>,
    /// Classes that keep a state in a field: the candidates for home-grown circuit breakers.
    pub breaker_classes: Vec<BreakerClass>,
    /// Branches on a breaker-like state outside classes (an inline breaker: `if time.monotonic()
    /// < _open_until: return ...` in the function that makes the call), and on fields of classes
    /// that write none.
    pub state_tests: Vec<StateTest>,
    /// Literal values given to calls: `true` as an argument, `{ failClosed: false }`,
    /// `fail_open=True`.
    pub arg_literals: Vec<ArgLiteral>,
    /// Decorators written as calls (`@circuit(fallback_function=f)`) and the function they
    /// decorate.
    pub decorator_calls: Vec<DecoratorCall>,
    /// Every class with the bases it extends, as written (`class Api extends Base`; none for
    /// `class Entry:`).
    pub class_bases: Vec<ClassBases>,
    /// What functions return, as far as a class or a name says it.
    pub returned: Vec<Returned>,
    /// Decorators of function definitions, where they are written (`@mcp.tool()`).
    pub decorators: Vec<Decorator>,
    /// Names bound to a string (`const NAME = "search"`, `TOOLS.search` for `const TOOLS =
    /// { search: "search" }`), in the order they are bound.
    pub string_constants: Vec<StringConstant>,
    /// Object and dict literals kept in a name or returned, with their entries.
    #[serde(default)]
    pub tables: Vec<Table>,
    /// Object literals shaped like tool definitions (`{ name: "x", description, inputSchema,
    /// handler }`), read by the link stage when a registration names its tool by a field of a
    /// value (`server.tool(tool.name, ...)`).
    #[serde(default)]
    pub definitions: Vec<Definition>,
    /// Branches chosen by whether a name holds something: `if x is None: return`,
    /// `if (!apiKey) return next()`, `if getattr(auth, "enabled", False): raise`.
    #[serde(default)]
    pub presence_tests: Vec<PresenceTest>,
    /// Branches chosen by a name being above a bound: `if current >= max_calls: return False,
    /// ...`, `if (count > LIMIT) throw ...`.
    #[serde(default)]
    pub limit_tests: Vec<LimitTest>,
    /// `return` statements whose value is empty: `{}`, `[]`, `0`, `""`, `dict()`: what a
    /// counter or a store reads as when nothing was counted yet.
    #[serde(default)]
    pub empty_returns: Vec<Span>,
}

/// The keys whose value runs a tool in a definition object (`execute: async (args) => ...`).
pub const DEFINITION_HANDLER_KEYS: &[&str] = &[
    "handler", "handle", "execute", "run", "call", "callback", "cb", "fn", "func", "invoke",
    "tool", "action", "impl",
];

/// An object literal with string fields and a description, a schema or a function:
/// a tool definition when a registration reads its tool's name from such an object.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Definition {
    /// The function it is written in.
    pub func: FnId,
    /// The object literal.
    pub span: Span,
    /// The constant it is kept in (`const searchTool = { ... }`).
    pub binding: Option<String>,
    /// Its entries, each with its key as `keyword`: strings (a nested object's as
    /// `outer.inner`), functions written there, names; any other value is `Other`.
    pub entries: Vec<Arg>,
}

impl Definition {
    /// The value of an entry.
    pub fn get(&self, key: &str) -> Option<&ArgValue> {
        self.entries
            .iter()
            .find(|e| e.keyword.as_deref() == Some(key))
            .map(|e| &e.value)
    }
}

/// An `if` whose branch depends on whether a name (or field path) holds something, as its
/// condition says: `x is None`, `x === undefined`, `!x`, `not x`, `x`, `x is not None`,
/// `getattr(x, "f", False)`, joined by `and` / `or`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PresenceTest {
    pub func: FnId,
    /// The name or field path as written (`apiKey`, `self._secret`).
    pub name: String,
    /// `true`: the branch is taken only when the name holds something (`if x:`, `if x is not
    /// None and ...`); `false`: the name holding nothing is enough to take it (`if x is None:`,
    /// `if (!x || ...)`).
    pub set: bool,
    /// The branch taken when the condition holds.
    pub body: Span,
    /// The branch returns or throws at its end.
    pub body_exits: bool,
}

/// A branch taken only when a name is above a bound (`if used >= quota:`, `if (limit < hits)`):
/// the name on the greater side of `>`, `>=`, `<` or `<=`, alone or under `and` / `or`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LimitTest {
    pub func: FnId,
    /// The name or field path as written (`current`, `self.count`).
    pub name: String,
    /// The branch taken when the condition holds.
    pub body: Span,
}

/// A decorator above a function definition: `@mcp.tool(name="x")`, `@server.call_tool()`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Decorator {
    pub func: FnId,
    /// The decorator without `@` and arguments, as in [`Function::decorators`]: `mcp.tool`.
    pub path: String,
    /// The whole decorator, `@` included.
    pub span: Span,
    /// Index in [`Model::calls`] of the decorator's call, when it is written as one.
    pub call: Option<usize>,
}

/// A name bound to a string: `const NAME = "search"`, or `TOOLS.search` for
/// `const TOOLS = { search: "search" }`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StringConstant {
    pub name: String,
    pub value: String,
    /// Where the binding is written: a name means the string only after it.
    pub at: u32,
}

/// A class and the bases it extends, as written: `class Api extends Base`, `class C(Base)`.
/// An object or dict literal kept in a name or returned (`const HANDLERS = { a, ...b() }`,
/// `return { get: async () => ... }`, `ACTIONS = {"a": do_a}`): calls through it
/// (`HANDLERS[name](req)`, `api.get()` on what a factory returned) reach its entries.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Table {
    /// The function it is written in.
    pub func: FnId,
    /// The name it is kept in; `None` when it is returned.
    pub name: Option<String>,
    /// Each entry's key (`None` for a spread) and value: a function, a name, or a call whose
    /// result is spread (`...makeHandlers(api)`).
    pub entries: Vec<(Option<String>, ArgValue)>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ClassBases {
    pub name: String,
    pub bases: Vec<String>,
}

/// What a function returns, when a class or a name says: its return annotation (`-> Client`,
/// `: Promise<Api>`), a constructor it returns (`return new Api()`, `return Client()`), or a
/// name it returns (`return _client`), which the link stage looks up among the instances.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Returned {
    pub func: FnId,
    /// A class as written (`Client`, `api.Client`).
    pub class: Option<String>,
    /// A returned name (`_client`, `this.client`).
    pub name: Option<String>,
}

impl Model {
    pub fn function(&self, id: FnId) -> &Function {
        &self.functions[id]
    }

    /// The string a constant's name holds where `at` reads it: its last binding before `at`,
    /// else its first (a module constant bound below the function that reads it). An enum
    /// member read through its value (`GitTools.STATUS.value`) is the member.
    pub fn string_constant(&self, path: &str, at: u32) -> Option<&str> {
        let path = path.strip_suffix(".value").unwrap_or(path);
        let mut bound = self.string_constants.iter().filter(|c| c.name == path);
        let first = bound.next()?;
        let before = std::iter::once(first).chain(bound).rfind(|c| c.at <= at);
        Some(before.unwrap_or(first).value.as_str())
    }

    /// The calls whose enclosing function is `id` (not nested functions).
    pub fn calls_in(&self, id: FnId) -> impl Iterator<Item = &Call> {
        self.calls.iter().filter(move |c| c.func == id)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Function {
    /// The name the function is declared with or bound to (`const f = () => ...`).
    pub name: Option<String>,
    /// The class, or object literal, the function is a method of.
    pub owner: Option<String>,
    pub span: Span,
    /// The span to point at when talking about the function (its name, else its head).
    pub name_span: Span,
    pub params: Vec<String>,
    pub is_async: bool,
    pub parent: Option<FnId>,
    /// Decorators as written, without `@` and arguments: `mcp.tool`, `circuit`.
    pub decorators: Vec<String>,
    /// Parameters whose value reaches this function's return value.
    pub param_flows: Vec<ParamFlow>,
    /// The declared return type as written, without `:` / `->` (`boolean`, `Promise<boolean>`,
    /// `bool`); `None` when not annotated.
    pub returns: Option<String>,
}

impl Function {
    pub fn display_name(&self) -> String {
        match (&self.owner, &self.name) {
            (Some(owner), Some(name)) => format!("{owner}.{name}"),
            (None, Some(name)) => name.clone(),
            _ => "<anonymous>".to_string(),
        }
    }
}

/// A parameter that reaches the return value, and how: as is, or as error text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParamFlow {
    pub index: usize,
    pub how: Flow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Flow {
    /// The value itself is returned (`return { text: s }`).
    Raw,
    /// Its message or string form is returned (`err.message`, `String(err)`).
    Text(LeakKind),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Call {
    /// The callee as written, as a dotted path: `axios.get`, `this.client.search`, `jwt.verify`.
    /// For `new C(...)` it is `C`.
    pub callee: String,
    pub span: Span,
    pub callee_span: Span,
    pub func: FnId,
    pub args: Vec<Arg>,
    pub awaited: bool,
    pub is_new: bool,
    /// The innermost try region whose protected body holds this call, in the same function.
    pub in_try: Option<TryId>,
    /// False when the call is a statement of its own (its result is thrown away).
    pub result_used: bool,
    /// `x = call(...)` or `const x = call(...)`: the name the result is stored in.
    pub assigned_to: Option<String>,
}

impl Call {
    /// The last segment of the callee: `verify` for `jwt.verify`.
    pub fn method(&self) -> &str {
        self.callee.rsplit('.').next().unwrap_or(&self.callee)
    }

    /// The callee without its last segment: `jwt` for `jwt.verify`.
    pub fn receiver(&self) -> Option<&str> {
        self.callee.rsplit_once('.').map(|(r, _)| r)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Arg {
    /// Python keyword argument name (`timeout=`).
    pub keyword: Option<String>,
    pub span: Span,
    pub value: ArgValue,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ArgValue {
    Function(FnId),
    Name(String),
    Str(String),
    /// An object / dict literal and its keys (`{ timeout: 5000 }`). A spread inside it
    /// (`{ ...defaults }`, `{**defaults}`) is the key `...`.
    Object(Vec<String>),
    /// Another call: its callee.
    Call(String),
    /// `...args` (JavaScript), `*args` / `**kwargs` (Python): arguments faultline cannot list.
    Spread,
    /// An array or list literal and its elements (`Promise.all([a(), b()])`).
    Array(Vec<Arg>),
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TryKind {
    /// `try { } catch { }` / `try: except:`
    Statement,
    /// `promise.catch(handler)`: the body is the receiver expression.
    PromiseCatch,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Try {
    pub func: FnId,
    pub kind: TryKind,
    /// The protected region.
    pub body: Span,
    pub handlers: Vec<Handler>,
}

/// One `catch` / `except` clause, or a promise's `.catch` callback.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Handler {
    /// The clause head (`catch (e)`, `except X as e:`) or the callback.
    pub span: Span,
    /// The whole clause, head and body.
    pub body: Span,
    /// The exception types the clause names, as written (`ValueError`, `jwt.InvalidTokenError`);
    /// empty for a bare `except:` / a `catch`.
    pub types: Vec<String>,
    pub binding: Option<String>,
    pub exits: Vec<HandlerExit>,
    /// Control can reach the end of the handler and continue after the try.
    pub falls_through: bool,
    /// The handler does nothing but log or `pass`.
    pub only_logs: bool,
    /// The handler throws the caught error itself, on some path (`except ToolError: raise`,
    /// `if (e instanceof McpError) throw e`): those errors pass through to the caller.
    pub rethrows: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HandlerExit {
    pub span: Span,
    pub kind: ExitKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExitKind {
    Return(Value),
    Throw,
    /// `next()` with no argument: Express passes the request on.
    CallsNext,
    /// `name = value` inside the handler.
    Assigns {
        target: String,
        value: Value,
    },
}

/// What a returned or assigned value means, as far as an access decision goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Value {
    True,
    False,
    /// `null`, `undefined`, `None`, nothing.
    Null,
    /// `{ allowed: true }`, `"allow"`.
    Allow,
    /// `{ allowed: false }`, `"deny"`.
    Deny,
    /// Any other literal object, string or number: a made-up value such as a guest identity.
    Literal,
    Other,
    /// An object that says it is a degraded answer (`{ degraded: true }`) and has no allow or
    /// deny key.
    Degraded,
    /// An expression that is a boolean by construction: a comparison, a negation,
    /// `Boolean(x)` / `bool(x)` / `any(...)`, or `&&` / `and` over one of those.
    Boolean,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExitStatement {
    Return,
    Throw,
}

/// A `return` (including an arrow function's expression body) or a `throw` / `raise`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Exit {
    pub statement: ExitStatement,
    pub span: Span,
    pub func: FnId,
    /// Error text the returned or thrown value carries.
    pub leaks: Vec<Leak>,
    /// What the returned value means as an access decision ([`Value::Other`] for a throw).
    pub value: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LeakKind {
    Message,
    Stack,
}

/// Error text inside a returned or thrown value.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Leak {
    /// The expression where the error text enters the value (`err.message`, `str(e)`).
    pub span: Span,
    /// The expression as written, shortened.
    pub text: String,
    pub kind: LeakKind,
    /// Where the error was caught (the catch binding).
    pub source: Span,
    /// Set when the error passes through a call whose effect the front end cannot see:
    /// the link stage decides from the callee's [`Function::param_flows`].
    pub via: Option<ViaCall>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ViaCall {
    pub callee: String,
    pub arg: usize,
    /// The error object itself was passed, not its text.
    pub raw_object: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ToolKind {
    /// `server.tool(...)`, `server.registerTool(...)`, `@mcp.tool()`.
    Single,
    /// `setRequestHandler(CallToolRequestSchema, ...)`, `@server.call_tool()`: one handler for all.
    Dispatcher,
}

/// How a tool is registered: the form `faultline tools` reports.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum ToolForm {
    /// `server.tool(name, ..., handler)`, `server.registerTool(name, config, handler)`.
    ServerTool,
    /// `@mcp.tool()` above a function.
    Decorator,
    /// The decorator applied as a call: `mcp.tool(name="x")(fn)`, `server.call_tool()(fn)`.
    DecoratorCall,
    /// `mcp.add_tool(fn)`, `add_tool(Tool.from_function(fn))`, TS FastMCP's `addTool({...})`.
    AddTool,
    /// One handler for every call: `setRequestHandler(CallToolRequestSchema | "tools/call")`,
    /// `@server.call_tool()`, `Server(on_call_tool=...)`.
    Dispatcher,
    /// A tool declared in a list (`{ name, inputSchema }`, `Tool(name=...)`) and served by a
    /// dispatcher.
    Declared,
    /// A `case "x":` / `if name == "x"` branch of a dispatcher.
    DispatchCase,
    /// A function a dispatcher runs from a table by the tool's name
    /// (`TOOL_HANDLERS[request.params.name](request)`), named by its key.
    DispatchTable,
    /// `{ name, description, inputSchema | parameters, handler | execute | ... }` objects,
    /// `defineTool({...})`, `tool({...})`.
    DefinitionObject,
    /// A project's own registrar: taught in the configuration or inferred.
    Registrar,
}

impl ToolForm {
    pub fn as_str(self) -> &'static str {
        match self {
            ToolForm::ServerTool => "server-tool",
            ToolForm::Decorator => "decorator",
            ToolForm::DecoratorCall => "decorator-call",
            ToolForm::AddTool => "add-tool",
            ToolForm::Dispatcher => "dispatcher",
            ToolForm::Declared => "declared",
            ToolForm::DispatchCase => "dispatch-case",
            ToolForm::DispatchTable => "dispatch-table",
            ToolForm::DefinitionObject => "definition-object",
            ToolForm::Registrar => "registrar",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ToolRegistration {
    pub kind: ToolKind,
    pub form: ToolForm,
    /// The tool's name, or the registering call's name for dispatchers (`CallTool`).
    pub name: String,
    pub span: Span,
    pub handlers: Vec<HandlerRef>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum HandlerRef {
    Function(FnId),
    /// A function referred to by name (`server.tool("x", schema, handleX)`, `wrap(handleX)`).
    Name(String),
    /// A function of another file (unit) of the project: the handler of a tool definition
    /// found in a table there. Set by the link stage only.
    Elsewhere {
        unit: usize,
        func: FnId,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Import {
    /// The local name the import binds.
    pub local: String,
    /// The module as written: `./api.js`, `.client`, `pkg.module`.
    pub source: String,
    /// The exported name imported; `None` binds the whole module (`import * as ns`, `import m`).
    pub imported: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Export {
    /// `export function f`, `export { f as g }`, `module.exports = { f }`.
    Name { exported: String, local: String },
    /// `export { f as g } from "./x"`.
    From {
        exported: String,
        imported: String,
        source: String,
    },
    /// `export * from "./x"`.
    All { source: String },
}

/// A comment and the code it speaks about, for inline suppressions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub span: Span,
    /// Where the comment starts, for the suppression stage's messages (which run before any
    /// file is read again).
    pub start: Position,
    /// The comment as written, markers included (`// ...`, `# ...`, `/* ... */`).
    pub text: String,
    /// Code precedes the comment on its line.
    pub trailing: bool,
    /// What the comment covers: trailing a line, the statement that ends on that line (from
    /// its first line); alone on a line, the next statement. `None` when nothing follows.
    pub covers: Option<Span>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Instance {
    /// `client`, `this.client`, `self.client`.
    pub name: String,
    pub class: String,
}

/// A `with` / `async with` block: the context manager's call, when it is one, and the body it
/// governs. The name it binds (`as client`) is the call's [`Call::assigned_to`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WithBlock {
    pub func: FnId,
    /// Index in [`Model::calls`] of the context manager's call (`httpx.AsyncClient(...)`).
    pub call: Option<usize>,
    pub body: Span,
}

/// `target = value` where the target is a dotted path (`self._state`, `axios.defaults.timeout`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Assignment {
    pub func: FnId,
    pub target: String,
    /// A simple value as written: a string's content, a number, a (dotted) name. `None` for
    /// anything else.
    pub value: Option<String>,
    pub span: Span,
}

/// A parameter annotated with a class.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ParamType {
    pub func: FnId,
    pub name: String,
    /// The type as written: `httpx.AsyncClient`, `AxiosInstance`.
    pub class: String,
}

/// Whether something carries a description, as far as the front end can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Described {
    Yes,
    No,
    /// The front end cannot tell: a variable, a spread, a computed value, a type it cannot see.
    Unknown,
}

/// A tool as the client's `tools/list` shows it: declared by `server.tool(...)` /
/// `server.registerTool(...)`, a decorated function (`@mcp.tool()`), or a tool definition in a
/// list (`{ name, description, inputSchema }`, `Tool(name=..., inputSchema=...)`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ToolDeclaration {
    /// The tool's name, or the expression that names it (`ToolName.Search`).
    pub name: String,
    /// The name as written, or the decorator of a decorated function.
    pub span: Span,
    pub description: Described,
    /// The parameters the front end could read; a schema it cannot see adds none.
    pub params: Vec<ToolParam>,
    /// The function the declaration is written in.
    pub func: FnId,
    /// A definition object kept in a constant its own file never mentions again
    /// (`export const createThingSchema = { name, description, inputSchema }`): a tool only if
    /// another file imports that name.
    pub unused_binding: Option<String>,
}

/// One parameter of a declared tool.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ToolParam {
    pub name: String,
    /// The parameter's key or name.
    pub span: Span,
    pub description: Described,
}

/// An environment variable read or set by a literal name: `process.env.X`, `os.getenv("X")`,
/// `os.environ["X"] = ...`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnvAccess {
    pub name: String,
    /// The variable's name as written.
    pub span: Span,
    pub func: FnId,
}

/// An expression tested for truthiness.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Condition {
    pub func: FnId,
    /// The tested expression without parentheses and `await`; for a call, the call's span.
    pub span: Span,
    /// The name or field path tested (`ok`, `decision.allowed`, `this.ok`); `None` for a call
    /// or another expression.
    pub name: Option<String>,
    /// Whether the tested expression is a call.
    pub is_call: bool,
    pub how: TestedBy,
}

/// The construct that tests a value for truthiness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TestedBy {
    /// `if`, `elif`, `while`, a loop condition.
    If,
    /// `c ? a : b`, `a if c else b`.
    Ternary,
    /// `!x`, `not x`.
    Not,
    /// `x && y`, `x and y`.
    And,
    /// `x || y`, `x or y`.
    Or,
}

/// A local name that holds a call's result (`const ok = await verify(t)`) and how many times
/// the function reads it afterwards, conditions included.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResultReads {
    pub func: FnId,
    pub name: String,
    pub reads: u32,
}

/// A class that writes constants to fields (`this.state = "open"`), with the facts a rule
/// needs to tell whether it is a circuit breaker and how it behaves.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BreakerClass {
    pub name: String,
    pub span: Span,
    pub name_span: Span,
    /// Constant writes to a field: `this.state = "half_open"`, `self._state = State.OPEN`.
    pub writes: Vec<StateWrite>,
    /// Branches taken on a field's value: `if (this.state === "open") { ... }`.
    pub tests: Vec<StateTest>,
    /// Fields that hold a function given to the class: `this.action = action`,
    /// `constructor(private readonly action: ...)`, `self._func = func`.
    pub callable_fields: Vec<String>,
}

/// `<object>.<field> = <constant>` inside a method of the class.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StateWrite {
    pub func: FnId,
    /// The field's name, without the object: `state` for `this.state` or `circuit.state`.
    pub field: String,
    /// The constant as written: `open` for `"open"`, `CircuitState.HALF_OPEN`, `true`.
    pub value: String,
    /// The whole assignment.
    pub span: Span,
}

/// A branch on a field's value: `if (this.state === "open")`, `if self.state != "closed":`,
/// `case "open":`, `if (this.isOpen())` (as field `isOpen`, value `true`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StateTest {
    pub func: FnId,
    pub field: String,
    pub value: String,
    /// `==` / `===` / `is` / `in` (true) or `!=` / `!==` / `is not` (false).
    pub equal: bool,
    /// How the test is joined to others in the same condition.
    pub joined: Joined,
    /// The branch taken when the condition holds.
    pub body: Span,
    /// The branch returns or throws at its end, so control never leaves it forwards.
    pub body_exits: bool,
    /// A plain `else` branch (not an `else if` / `elif` chain).
    pub alternative: Option<Span>,
    pub alternative_exits: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Joined {
    Single,
    And,
    Or,
}

/// A literal value given to a call, as a positional argument or as a key of an object literal
/// argument / a keyword argument.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArgLiteral {
    /// Index in [`Model::calls`].
    pub call: usize,
    /// `failClosed` in `{ failClosed: false }`, `fail_open` in `fail_open=True`; `None` for a
    /// positional argument.
    pub key: Option<String>,
    /// `true`, `false`, `True`, `False`, or the decision a literal object stands for.
    pub value: Value,
    pub span: Span,
}

/// `@name(...)` above a function definition.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DecoratorCall {
    pub func: FnId,
    /// Index in [`Model::calls`].
    pub call: usize,
}

/// Text as a message shows it: on one line, and cut to 60 characters.
pub fn short(text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 60 {
        let cut: String = one_line.chars().take(57).collect();
        format!("{cut}...")
    } else {
        one_line
    }
}
