//! Loop analysis, before any code is generated: which carried variables of
//! each `for` loop are accumulators, whether its trip count is known at
//! compile time, and so how its reverse sweep replays it. A loop that carries
//! a differentiated value from one iteration to the next (a recurrence)
//! without a known trip count is reported here, through [`Ctxt`], so that
//! generation cannot fail.
//!
//! | carried variables (active ones)      | trip count     | reverse sweep                          |
//! |--------------------------------------|----------------|----------------------------------------|
//! | one accumulator from a scalar literal, at the top level | any | fused into the forward loop  |
//! | accumulators only                    | any            | the iterator re-run, in any order      |
//! | a recurrence (`x = f(x)`)            | `0..N`, `N` constant | backwards over stored values     |
//! | a recurrence                         | unknown        | error (reported here)                  |

use crate::activity::Activity;
use crate::ctxt::Ctxt;
use crate::ir::{ArithOp, Block, Carried, ForRegion, Function, LoopId, Op, Stmt, ValueId};
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::{BTreeMap, BTreeSet};

/// What the analysis found about one loop.
#[derive(Clone, Debug)]
pub(crate) struct LoopFacts {
    /// `N` of `for i in 0..N` with `N` a literal or a constant.
    pub(crate) trip_count: Option<TokenStream>,
    /// The headers of the carried variables that are accumulators.
    pub(crate) accumulators: BTreeSet<ValueId>,
}

/// The facts of every loop of a function.
#[derive(Clone, Debug, Default)]
pub(crate) struct Loops {
    facts: BTreeMap<LoopId, LoopFacts>,
}

impl Loops {
    /// Classifies every loop of `function`, reporting recurrences without a
    /// known trip count.
    pub(crate) fn analyse(cx: &Ctxt, function: &Function, activity: &Activity) -> Self {
        let mut loops = Loops::default();
        for region in all(&function.body) {
            let accumulators: BTreeSet<ValueId> = region
                .carried
                .iter()
                .filter(|carried| is_accumulator(function, activity, region, carried))
                .map(|carried| carried.header)
                .collect();
            let trip_count = trip_count(region);
            let recurrences: Vec<String> = region
                .carried
                .iter()
                .filter(|carried| {
                    activity.is_active(carried.header) && !accumulators.contains(&carried.header)
                })
                .map(|carried| {
                    let value = function.value(carried.header);
                    format!("`{}`", value.name.as_deref().unwrap_or("_"))
                })
                .collect();
            if trip_count.is_none() && !recurrences.is_empty() {
                cx.error_at(
                    region.span,
                    format!(
                        "this loop carries {} from one iteration to the next, so its reverse sweep needs the value of every iteration: loop over `0..N` with `N` a literal or a constant (the values are kept in an array of that size), or accumulate (`total += ...`), which needs no storage",
                        recurrences.join(", ")
                    ),
                );
            }
            loops.facts.insert(
                region.id,
                LoopFacts {
                    trip_count,
                    accumulators,
                },
            );
        }
        loops
    }

    /// The facts about `region`.
    pub(crate) fn facts(&self, region: &ForRegion) -> &LoopFacts {
        &self.facts[&region.id]
    }

    /// Whether `carried` is an accumulator of its loop (see
    /// [`is_accumulator`]).
    pub(crate) fn is_accumulator(&self, region: &ForRegion, carried: &Carried) -> bool {
        self.facts(region).accumulators.contains(&carried.header)
    }
}

/// Every `for` region of `block`, nested ones included, in source order.
pub(crate) fn all(block: &Block) -> Vec<&ForRegion> {
    fn collect<'b>(block: &'b Block, found: &mut Vec<&'b ForRegion>) {
        for stmt in &block.stmts {
            match stmt {
                Stmt::For(region) => {
                    found.push(region);
                    collect(&region.body, found);
                }
                Stmt::If(region) => {
                    collect(&region.then_block, found);
                    collect(&region.else_block, found);
                }
                Stmt::Def(_) | Stmt::Effect(_) => {}
            }
        }
    }
    let mut found = Vec::new();
    collect(block, &mut found);
    found
}

/// Whether `carried` is an accumulator: its value at the end of an
/// iteration is its value at the start plus or minus terms that do not
/// depend on it or on the loop's other differentiated carried values (`x += e`, `x = x - e`, or such
/// updates in each branch of an `if`), and nothing else reads it. Then the
/// adjoint at the start of an iteration equals the adjoint at its end, the
/// same for every iteration.
fn is_accumulator(
    function: &Function,
    activity: &Activity,
    region: &ForRegion,
    carried: &Carried,
) -> bool {
    // The carried values an increment may not depend on: this one, and the
    // differentiated ones (a counter, `n += 1.0`, may be read).
    let headers: BTreeSet<ValueId> = region
        .carried
        .iter()
        .map(|c| c.header)
        .filter(|header| *header == carried.header || activity.is_varied(*header))
        .collect();
    let mut merges = BTreeMap::new();
    collect_merges(&region.body, &mut merges);
    // The chain from `next` back to the header, through additions and phis.
    let mut chain = BTreeSet::new();
    let mut stack = vec![carried.next];
    while let Some(link) = stack.pop() {
        if link == carried.header || !chain.insert(link) {
            continue;
        }
        if let Some(inputs) = merges.get(&link) {
            stack.extend(inputs.iter().copied());
            continue;
        }
        let Op::Arith { op, lhs, rhs } = &function.value(link).op else {
            return false;
        };
        // The accumulated operand; the increment must not depend on the
        // carried values.
        let accumulated = match op {
            ArithOp::Add if !depends_on(function, rhs.value, &headers) => lhs.value,
            ArithOp::Add if !depends_on(function, lhs.value, &headers) => rhs.value,
            ArithOp::Sub if !depends_on(function, rhs.value, &headers) => lhs.value,
            _ => return false,
        };
        stack.push(accumulated);
    }
    chain.insert(carried.header);
    chain.remove(&carried.next);
    // Every read of a link is the next link of the chain.
    let users = |value: ValueId| {
        function
            .values
            .iter()
            .enumerate()
            .filter(move |(_, user)| user.operands().contains(&value))
            .map(|(index, _)| ValueId::from_index(index))
    };
    chain.iter().all(|link| {
        users(*link).all(|user| user == carried.next || chain.contains(&user))
            && merges
                .iter()
                .filter(|(_, inputs)| inputs.contains(link))
                .all(|(merge, _)| *merge == carried.next || chain.contains(merge))
    })
}

/// The inputs of the phis of a loop body (and of nested regions' outputs).
fn collect_merges(block: &Block, merges: &mut BTreeMap<ValueId, Vec<ValueId>>) {
    for stmt in &block.stmts {
        match stmt {
            Stmt::If(region) => {
                collect_merges(&region.then_block, merges);
                collect_merges(&region.else_block, merges);
                for phi in &region.phis {
                    merges.insert(phi.out, vec![phi.then_value, phi.else_value]);
                }
            }
            Stmt::For(region) => {
                for carried in &region.carried {
                    // A nested loop's output is not an accumulation link.
                    merges.remove(&carried.out);
                }
            }
            Stmt::Def(_) | Stmt::Effect(_) => {}
        }
    }
}

/// Whether `value` depends on any of `sources` through operands.
fn depends_on(function: &Function, value: ValueId, sources: &BTreeSet<ValueId>) -> bool {
    let mut stack = vec![value];
    let mut seen = BTreeSet::new();
    while let Some(current) = stack.pop() {
        if sources.contains(&current) {
            return true;
        }
        if seen.insert(current) {
            stack.extend(function.value(current).operands());
        }
    }
    false
}

/// The trip count of `for i in 0..N` with `N` a literal or a constant's
/// name, as tokens usable as an array length.
fn trip_count(region: &ForRegion) -> Option<TokenStream> {
    let single_index =
        matches!(region.bindings.as_slice(), [_]) && matches!(region.pat, syn::Pat::Ident(_));
    if !single_index && !matches!(region.pat, syn::Pat::Wild(_)) {
        return None;
    }
    let syn::Expr::Range(range) = &region.iter else {
        return None;
    };
    if !matches!(range.limits, syn::RangeLimits::HalfOpen(_)) {
        return None;
    }
    let starts_at_zero = match range.start.as_deref() {
        None => true,
        Some(syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(int),
            ..
        })) => int.base10_parse::<u128>().is_ok_and(|start| start == 0),
        Some(_) => false,
    };
    match range.end.as_deref() {
        Some(
            end @ syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(_),
                ..
            }),
        ) if starts_at_zero => Some(quote!(#end)),
        Some(syn::Expr::Path(path)) if starts_at_zero && path.qself.is_none() => {
            // A constant or const generic: an upper-case name by convention.
            let last = &path.path.segments.last()?.ident;
            last.to_string()
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_uppercase())
                .then(|| quote!(#path))
        }
        _ => None,
    }
}

/// The values a loop defines for its body: the body's, the pattern's and
/// the carried variables' values at the start of an iteration.
pub(crate) fn interior(region: &ForRegion) -> BTreeSet<ValueId> {
    let mut inside = defined_in(&region.body);
    inside.extend(region.bindings.iter().map(|(_, id)| *id));
    inside.extend(region.carried.iter().map(|carried| carried.header));
    inside
}

/// Every value defined inside `block`, nested regions included.
pub(crate) fn defined_in(block: &Block) -> BTreeSet<ValueId> {
    let mut defined = BTreeSet::new();
    collect_defined(block, &mut defined);
    defined
}

fn collect_defined(block: &Block, defined: &mut BTreeSet<ValueId>) {
    for stmt in &block.stmts {
        match stmt {
            Stmt::Def(id) => {
                defined.insert(*id);
            }
            Stmt::If(region) => {
                collect_defined(&region.then_block, defined);
                collect_defined(&region.else_block, defined);
                defined.extend(region.phis.iter().map(|phi| phi.out));
            }
            Stmt::For(region) => {
                collect_defined(&region.body, defined);
                defined.extend(region.bindings.iter().map(|(_, id)| *id));
                for carried in &region.carried {
                    defined.insert(carried.header);
                    defined.insert(carried.out);
                }
            }
            Stmt::Effect(_) => {}
        }
    }
}
