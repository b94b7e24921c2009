//! The one call graph of the project and the one walk over it.
//!
//! An edge is a step from a function to one it may run: a nested function, a resolved callee, a
//! function passed by name, or the function a breaker was built around when the breaker is
//! fired (`breaker.fire(city)`). Each edge says whether a try region of the caller catches what
//! the target throws and which breakers and deadlines cover the step. Reach (which tool reaches
//! a function), escapes (whose exceptions reach the SDK), unguarded (reached with no breaker on
//! the path) and undeadlined (no deadline on the path) are the same breadth-first walk from the
//! tool handlers, each following the edges its question allows; so is the set one tool reaches
//! (`faultline tools`). Which functions make an external call is the one closure taken the
//! other way, from the calls out back to their callers.

use std::collections::{HashMap, HashSet, VecDeque};

use rayon::prelude::*;

use super::external::Cover;
use super::tools::{Root, handlers};
use super::{FnRef, Project, Reach};
use crate::model::*;

#[derive(Debug, Clone, Copy)]
struct Edge {
    target: FnRef,
    /// A try region of the caller catches what the target throws.
    caught: bool,
    /// Breakers and deadlines around the step.
    cover: Cover,
    /// The step runs the function a fired breaker was built around.
    wrapped: bool,
}

/// The call graph and the answers of its walks, per unit and function.
#[derive(Debug, Default)]
pub(super) struct CallGraph {
    edges: Vec<Vec<Vec<Edge>>>,
    reach: Vec<Vec<Option<Reach>>>,
    escapes: Vec<Vec<bool>>,
    /// Reach that also follows breakers to the functions they run.
    reached: Vec<Vec<Option<Reach>>>,
    unguarded: Vec<Vec<Option<Reach>>>,
    undeadlined: Vec<Vec<Option<Reach>>>,
    makes_external: Vec<Vec<bool>>,
}

impl CallGraph {
    /// Builds the graph; needs names resolved and the external facts (covers, breakers).
    pub(super) fn build(project: &Project) -> CallGraph {
        let subclasses = subclasses(project);
        let edges = (0..project.units.len())
            .into_par_iter()
            .map(|u| {
                (0..project.units[u].model.functions.len())
                    .map(|f| edges_of(project, &subclasses, FnRef { unit: u, func: f }))
                    .collect()
            })
            .collect();
        let mut graph = CallGraph {
            edges,
            ..CallGraph::default()
        };
        let roots = handlers(project);
        let all: Vec<&Root> = roots.iter().collect();
        let handlers: Vec<&Root> = roots.iter().filter(|r| !r.wrapper).collect();
        let external = &project.external;
        let fn_cover = |f: FnRef| external.fn_cover[f.unit][f.func];
        let root_cover =
            |f: FnRef| fn_cover(f).or(external.span_cover(f.unit, project.function(f).span));

        graph.reach = graph.walk(project, &all, |_| true, |e| !e.wrapped);
        graph.escapes = graph
            .walk(project, &all, |_| true, |e| !e.wrapped && !e.caught)
            .into_iter()
            .map(|fs| fs.into_iter().map(|r| r.is_some()).collect())
            .collect();
        graph.reached = graph.walk(project, &handlers, |_| true, |_| true);
        graph.unguarded = graph.walk(
            project,
            &handlers,
            |f| !root_cover(f).breaker,
            |e| !e.cover.or(fn_cover(e.target)).breaker,
        );
        graph.undeadlined = graph.walk(
            project,
            &handlers,
            |f| !root_cover(f).deadline,
            |e| !e.cover.or(fn_cover(e.target)).deadline,
        );
        graph.makes_external = graph.external_closure(project);
        graph
    }

    /// Reach from `roots` (those `start` accepts), along the edges `follow` accepts: each
    /// function gets the reach of the first root that gets to it.
    fn walk(
        &self,
        project: &Project,
        roots: &[&Root],
        start: impl Fn(FnRef) -> bool,
        follow: impl Fn(&Edge) -> bool,
    ) -> Vec<Vec<Option<Reach>>> {
        let mut out: Vec<Vec<Option<Reach>>> = project
            .units
            .iter()
            .map(|u| vec![None; u.model.functions.len()])
            .collect();
        let starts = roots
            .iter()
            .filter(|r| start(r.target))
            .map(|r| (r.target, &r.reach));
        self.breadth_first(starts, follow, &mut out);
        out
    }

    /// The one walk: breadth first from `starts`, along the edges `follow` accepts; `visits`
    /// keeps which functions were met, and from which start first.
    fn breadth_first<S: Copy>(
        &self,
        starts: impl IntoIterator<Item = (FnRef, S)>,
        follow: impl Fn(&Edge) -> bool,
        visits: &mut impl Visits<S>,
    ) {
        let mut queue: VecDeque<(FnRef, S)> = starts.into_iter().collect();
        while let Some((f, from)) = queue.pop_front() {
            if visits.met(f) || !visits.meet(f, from) {
                continue;
            }
            for edge in self.edges[f.unit].get(f.func).into_iter().flatten() {
                if !visits.met(edge.target) && follow(edge) {
                    queue.push_back((edge.target, from));
                }
            }
        }
    }

    /// Which functions make an external call, themselves or through what they run: the edges
    /// walked backwards from the functions that call out themselves. Nested functions do not
    /// count: defining a callback makes no call.
    fn external_closure(&self, project: &Project) -> Vec<Vec<bool>> {
        let mut out: Vec<Vec<bool>> = project
            .units
            .iter()
            .map(|u| vec![false; u.model.functions.len()])
            .collect();
        for (unit, u) in project.units.iter().enumerate() {
            for e in project.external_calls(unit) {
                out[unit][u.model.calls[e.call].func] = true;
            }
        }
        let mut callers: HashMap<FnRef, Vec<FnRef>> = HashMap::new();
        for (unit, functions) in self.edges.iter().enumerate() {
            let model = &project.units[unit].model;
            // Functions handed to a call (`.map(x => fetch(x))`, `breaker.fire(() => ...)`).
            let handed: HashSet<FnId> = model
                .calls
                .iter()
                .flat_map(|c| &c.args)
                .filter_map(|a| match a.value {
                    ArgValue::Function(id) => Some(id),
                    _ => None,
                })
                .collect();
            for (func, edges) in functions.iter().enumerate() {
                for e in edges {
                    let only_defined = e.target.unit == unit
                        && model.functions[e.target.func].parent == Some(func)
                        && !handed.contains(&e.target.func);
                    if !only_defined {
                        callers
                            .entry(e.target)
                            .or_default()
                            .push(FnRef { unit, func });
                    }
                }
            }
        }
        let mut queue: VecDeque<FnRef> = VecDeque::new();
        for (unit, functions) in out.iter().enumerate() {
            for (func, &external) in functions.iter().enumerate() {
                if external {
                    queue.push_back(FnRef { unit, func });
                }
            }
        }
        while let Some(f) = queue.pop_front() {
            for caller in callers.get(&f).into_iter().flatten() {
                if !out[caller.unit][caller.func] {
                    out[caller.unit][caller.func] = true;
                    queue.push_back(*caller);
                }
            }
        }
        out
    }
}

/// Whether a try region around a call (in its function) catches what the call throws: it has
/// handlers and none of them passes the caught error through (`except ToolError: raise`,
/// `if (e instanceof McpError) throw e`), whose errors would go on to the caller.
fn caught_around(model: &Model, call: &Call) -> bool {
    model.tries.iter().any(|t| {
        t.func == call.func
            && t.body.contains(call.span)
            && !t.handlers.is_empty()
            && !t.handlers.iter().any(|h| h.rethrows)
    })
}

/// The functions `f` may run, each with whether `f` catches what it throws and what covers
/// the step.
fn edges_of(project: &Project, subclasses: &Subclasses, f: FnRef) -> Vec<Edge> {
    let unit = f.unit;
    let index = &project.indexes[unit];
    let model = &project.units[unit].model;
    let external = &project.external;
    let mut out: Vec<Edge> = index.children[f.func]
        .iter()
        .map(|&child| Edge {
            target: FnRef { unit, func: child },
            caught: index.in_parent_try[child],
            cover: external.span_cover(unit, model.functions[child].span),
            wrapped: false,
        })
        .collect();
    for &c in &index.calls_by_fn[f.func] {
        let call = &model.calls[c];
        let caught = call.in_try.is_some() && caught_around(model, call);
        let cover = external.call_cover[unit][c];
        if let Some(target) = project.resolve_call(unit, call) {
            out.push(Edge {
                target,
                caught,
                cover,
                wrapped: false,
            });
            let function = project.function(target);
            if let (Some(owner), Some(name)) = (&function.owner, &function.name) {
                for target in overrides(project, subclasses, (target.unit, owner), name) {
                    out.push(Edge {
                        target,
                        caught,
                        cover,
                        wrapped: false,
                    });
                }
            }
        } else if let Some(("this" | "self", name)) = call.callee.split_once('.') {
            // A method the class leaves to its subclasses (`abstract perform()`).
            if let Some(owner) = super::resolve::enclosing_owner(model, call.func) {
                for target in overrides(project, subclasses, (unit, &owner), name) {
                    out.push(Edge {
                        target,
                        caught,
                        cover,
                        wrapped: false,
                    });
                }
            }
        }
        // A call through a table of handlers: `HANDLERS[name](req)`, `ACTIONS[action](**kw)`.
        if let Some(table) = call.callee.strip_suffix("[]") {
            for target in project.table_callees(unit, call.func, table) {
                out.push(Edge {
                    target,
                    caught,
                    cover,
                    wrapped: false,
                });
            }
        }
        for arg in &call.args {
            if let ArgValue::Name(name) = &arg.value {
                if let Some(target) = project.resolve_callee(unit, call.func, name) {
                    out.push(Edge {
                        target,
                        caught,
                        cover: external.span_cover(unit, arg.span),
                        wrapped: false,
                    });
                }
            }
        }
        if let Some((wrapped, deadline)) = external.breaker_runs(project, unit, call) {
            for target in wrapped {
                out.push(Edge {
                    target: *target,
                    caught,
                    cover: cover.or(Cover {
                        breaker: true,
                        deadline,
                    }),
                    wrapped: true,
                });
            }
        }
    }
    out
}

/// Per project class, the project classes that extend it directly.
type Subclasses = HashMap<ClassRef, Vec<ClassRef>>;

/// A project class: the unit that defines it and its name.
type ClassRef = (usize, String);

fn subclasses(project: &Project) -> Subclasses {
    let found: Vec<Vec<(ClassRef, ClassRef)>> = (0..project.units.len())
        .into_par_iter()
        .map(|unit| {
            project.indexes[unit]
                .bases
                .iter()
                .flat_map(|(class, bases)| {
                    bases.iter().filter_map(move |base| {
                        let parent = project.class_named(unit, base)?;
                        (parent != (unit, class.clone())).then(|| (parent, (unit, class.clone())))
                    })
                })
                .collect()
        })
        .collect();
    let mut out: Subclasses = HashMap::new();
    for (parent, child) in found.into_iter().flatten() {
        out.entry(parent).or_default().push(child);
    }
    out
}

/// At most this many overriding methods are followed from one call.
const MAX_OVERRIDES: usize = 64;

/// A call that resolves to a method of a project class may run the same method of any class
/// that extends it (`handler.run(args)` where `handler` is a `Handler` from a table of
/// subclasses, `self.process()` in a base class): the overrides below the method's class.
fn overrides(
    project: &Project,
    subclasses: &Subclasses,
    (unit, owner): (usize, &str),
    name: &str,
) -> Vec<FnRef> {
    if subclasses.is_empty() || name.contains('.') {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut seen: HashSet<(usize, String)> = HashSet::new();
    let mut queue: VecDeque<(usize, String)> = VecDeque::new();
    queue.push_back((unit, owner.to_string()));
    while let Some(class) = queue.pop_front() {
        if out.len() >= MAX_OVERRIDES || seen.len() > 4 * MAX_OVERRIDES {
            break;
        }
        for child in subclasses.get(&class).into_iter().flatten() {
            if !seen.insert(child.clone()) {
                continue;
            }
            let key = (child.1.clone(), name.to_string());
            if let Some(&func) = project.indexes[child.0].methods.get(&key) {
                out.push(FnRef {
                    unit: child.0,
                    func,
                });
            }
            queue.push_back(child.clone());
        }
    }
    out
}

impl CallGraph {
    /// Every function `roots` may run, through any edge (breakers' wrapped functions too), in
    /// the order a breadth-first walk meets them; at most `limit`.
    pub(super) fn reachable(&self, roots: &[FnRef], limit: usize) -> Vec<FnRef> {
        let mut visits = Reached {
            seen: HashSet::new(),
            order: Vec::new(),
            limit,
        };
        self.breadth_first(roots.iter().map(|&f| (f, ())), |_| true, &mut visits);
        visits.order
    }
}

/// What a walk keeps of the functions it meets.
trait Visits<S> {
    /// Whether `f` was met already.
    fn met(&self, f: FnRef) -> bool;
    /// Keeps `f`, met first from `from`; false when the walk keeps no more.
    fn meet(&mut self, f: FnRef, from: S) -> bool;
}

/// Per unit and function, the reach of the first root that got there.
impl<'r> Visits<&'r Reach> for Vec<Vec<Option<Reach>>> {
    fn met(&self, f: FnRef) -> bool {
        self[f.unit][f.func].is_some()
    }

    fn meet(&mut self, f: FnRef, from: &'r Reach) -> bool {
        self[f.unit][f.func] = Some(from.clone());
        true
    }
}

/// The functions met, in order, up to a limit.
struct Reached {
    seen: HashSet<FnRef>,
    order: Vec<FnRef>,
    limit: usize,
}

impl Visits<()> for Reached {
    fn met(&self, f: FnRef) -> bool {
        self.seen.contains(&f)
    }

    fn meet(&mut self, f: FnRef, _: ()) -> bool {
        if self.order.len() >= self.limit {
            return false;
        }
        self.seen.insert(f);
        self.order.push(f);
        true
    }
}

impl Project {
    /// The tool that reaches this function, if any.
    pub fn reach(&self, unit: usize, func: FnId) -> Option<&Reach> {
        self.graph.reach[unit].get(func).and_then(|r| r.as_ref())
    }

    /// Whether an exception thrown in this function reaches the MCP SDK uncaught.
    pub fn escapes(&self, unit: usize, func: FnId) -> bool {
        self.graph.escapes[unit].get(func).copied().unwrap_or(false)
    }

    /// The tool that reaches a function, following breakers to the functions they run.
    pub fn tool_reach(&self, unit: usize, func: FnId) -> Option<&Reach> {
        self.graph.reached[unit].get(func)?.as_ref()
    }

    /// The tool that reaches a function on a path no circuit breaker guards.
    pub fn reach_without_breaker(&self, unit: usize, func: FnId) -> Option<&Reach> {
        self.graph.unguarded[unit].get(func)?.as_ref()
    }

    /// The tool that reaches a function on a path no deadline bounds.
    pub fn reach_without_deadline(&self, unit: usize, func: FnId) -> Option<&Reach> {
        self.graph.undeadlined[unit].get(func)?.as_ref()
    }

    /// Whether a function makes an external call, itself or through functions it runs.
    pub fn makes_external_call(&self, f: FnRef) -> bool {
        self.graph.makes_external[f.unit]
            .get(f.func)
            .copied()
            .unwrap_or(false)
    }
}
