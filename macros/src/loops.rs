//! Loop analysis, before any code is generated: which carried variables of
//! each `for` loop are accumulators, whether its trip count is known at
//! compile time, and so how its reverse sweep replays it. A loop that carries
//! a differentiated value from one iteration to the next (a recurrence)
//! without a known trip count is checkpointed: a fixed number of snapshots
//! of its state, and recomputation between them (the runtime's
//! `checkpoint` module).
//!
//! | carried variables (active ones)      | trip count     | reverse sweep                          |
//! |--------------------------------------|----------------|----------------------------------------|
//! | one accumulator from a scalar literal, at the top level | any | fused into the forward loop  |
//! | accumulators only                    | any            | the iterator re-run, in any order      |
//! | a recurrence (`x = f(x)`)            | `0..N`, `N` constant | backwards over stored values     |
//! | a recurrence                         | unknown        | backwards from snapshots, recomputing between them |

use crate::activity::Activity;
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
    /// A recurrence without a known trip count: the forward sweep keeps
    /// snapshots of the loop's state (the runtime's `Checkpoints`) and the
    /// reverse sweep recomputes the states between them.
    pub(crate) checkpointed: bool,
}

/// The facts of every loop of a function.
#[derive(Clone, Debug, Default)]
pub(crate) struct Loops {
    facts: BTreeMap<LoopId, LoopFacts>,
}

impl Loops {
    /// Classifies every loop of `function`, reporting recurrences without a
    /// known trip count.
    pub(crate) fn analyse(function: &Function, activity: &Activity) -> Self {
        let mut loops = Loops::default();
        let flow = Flow::new(function);
        let regions: BTreeMap<LoopId, &ForRegion> = all(&function.body)
            .into_iter()
            .map(|region| (region.id, region))
            .collect();
        for region in regions.values() {
            let accumulators: BTreeSet<ValueId> = region
                .carried
                .iter()
                .filter(|carried| is_accumulator(function, &flow, &regions, region, carried))
                .map(|carried| carried.header)
                .collect();
            let trip_count = trip_count(region);
            let recurrence = region.carried.iter().any(|carried| {
                activity.is_active(carried.header) && !accumulators.contains(&carried.header)
            });
            loops.facts.insert(
                region.id,
                LoopFacts {
                    checkpointed: recurrence && trip_count.is_none(),
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

/// Where each value's data comes from within one iteration of every loop:
/// its operands, and for the values regions define, their inputs (a phi's
/// incoming values, a loop header's initial value, a loop output's header
/// and last next value).
pub(crate) struct Flow {
    sources: Vec<Vec<ValueId>>,
    /// The loop and carried variable each loop output belongs to.
    outs: BTreeMap<ValueId, (LoopId, usize)>,
}

impl Flow {
    pub(crate) fn new(function: &Function) -> Self {
        let mut sources: Vec<Vec<ValueId>> = function
            .values
            .iter()
            .map(crate::ir::Value::operands)
            .collect();
        let mut outs = BTreeMap::new();
        fn walk(
            block: &Block,
            sources: &mut [Vec<ValueId>],
            outs: &mut BTreeMap<ValueId, (LoopId, usize)>,
        ) {
            for stmt in &block.stmts {
                match stmt {
                    Stmt::If(region) => {
                        walk(&region.then_block, sources, outs);
                        walk(&region.else_block, sources, outs);
                        for phi in &region.phis {
                            sources[phi.out.index()] = vec![phi.then_value, phi.else_value];
                        }
                    }
                    Stmt::For(region) => {
                        walk(&region.body, sources, outs);
                        for (position, carried) in region.carried.iter().enumerate() {
                            // Within an iteration, the header holds what
                            // came in; across iterations, what `next` left,
                            // which the output after the loop takes.
                            sources[carried.header.index()] = vec![carried.init];
                            sources[carried.out.index()] = vec![carried.header, carried.next];
                            outs.insert(carried.out, (region.id, position));
                        }
                    }
                    Stmt::Def(_) | Stmt::Effect(_) => {}
                }
            }
        }
        walk(&function.body, &mut sources, &mut outs);
        Self { sources, outs }
    }

    /// Whether `value` depends on any of `targets`.
    fn depends_on(&self, value: ValueId, targets: &BTreeSet<ValueId>) -> bool {
        let mut stack = vec![value];
        let mut seen = BTreeSet::new();
        while let Some(current) = stack.pop() {
            if targets.contains(&current) {
                return true;
            }
            if seen.insert(current) {
                stack.extend(self.sources[current.index()].iter().copied());
            }
        }
        false
    }

    /// The values whose data comes directly from `value`.
    fn users(&self, value: ValueId) -> impl Iterator<Item = ValueId> + '_ {
        self.sources
            .iter()
            .enumerate()
            .filter(move |(_, sources)| sources.contains(&value))
            .map(|(index, _)| ValueId::from_index(index))
    }
}

/// Whether `carried` is an accumulator: its value at the end of an
/// iteration is its value at the start plus or minus terms that do not
/// depend on it (`x += e`, `x = x - e`, such updates in each branch of an `if`, or in a
/// nested loop that accumulates it in turn), and nothing else reads it. Then
/// the adjoint at the start of an iteration equals the adjoint at its end,
/// the same for every iteration.
fn is_accumulator(
    function: &Function,
    flow: &Flow,
    regions: &BTreeMap<LoopId, &ForRegion>,
    region: &ForRegion,
    carried: &Carried,
) -> bool {
    // An increment may not depend on this variable. It may read other
    // carried values: a counter, or another differentiated variable, which
    // then is no accumulator itself (its users are not its chain), so the
    // loop is replayed as a recurrence.
    let headers = BTreeSet::from([carried.header]);
    let phis: BTreeSet<ValueId> = phis_in(&region.body);
    // The chain from `next` back to the header, through additions, phis and
    // nested loops that accumulate.
    let mut chain = BTreeSet::new();
    let mut stack = vec![carried.next];
    while let Some(link) = stack.pop() {
        if link == carried.header || !chain.insert(link) {
            continue;
        }
        if phis.contains(&link) {
            stack.extend(flow.sources[link.index()].iter().copied());
            continue;
        }
        if let Some((inner, position)) = flow.outs.get(&link) {
            // The output of a nested loop: a link if that loop accumulates
            // it, from its initial value (the nested loop's header and
            // next belong to its own chain).
            let inner = regions[inner];
            let inner_carried = &inner.carried[*position];
            if !is_accumulator(function, flow, regions, inner, inner_carried) {
                return false;
            }
            let mut inner_chain = inner_links(flow, inner_carried);
            // The nested loop's increments may not depend on this loop's
            // carried values either.
            let increments_read_headers = inner_chain.iter().any(|link| {
                flow.sources[link.index()].iter().any(|source| {
                    !inner_chain.contains(source)
                        && *source != inner_carried.init
                        && flow.depends_on(*source, &headers)
                })
            });
            if increments_read_headers {
                return false;
            }
            chain.append(&mut inner_chain);
            stack.push(inner_carried.init);
            continue;
        }
        let Op::Arith { op, lhs, rhs } = &function.value(link).op else {
            return false;
        };
        // The accumulated operand; the increment must not depend on the
        // carried values.
        let accumulated = match op {
            ArithOp::Add if !flow.depends_on(rhs.value, &headers) => lhs.value,
            ArithOp::Add if !flow.depends_on(lhs.value, &headers) => rhs.value,
            ArithOp::Sub if !flow.depends_on(rhs.value, &headers) => lhs.value,
            _ => return false,
        };
        stack.push(accumulated);
    }
    chain.insert(carried.header);
    chain.remove(&carried.next);
    // Every use of a link is the next link of the chain (or, for the
    // header, the value after the loop).
    chain.iter().all(|link| {
        flow.users(*link)
            .all(|user| user == carried.next || user == carried.out || chain.contains(&user))
    })
}

/// The values of a nested accumulator's own chain: its header, next and
/// output and the links between them (found again by walking back from
/// `next` through the same kinds of links).
fn inner_links(flow: &Flow, carried: &Carried) -> BTreeSet<ValueId> {
    let mut links = BTreeSet::from([carried.header, carried.next, carried.out]);
    let mut stack = vec![carried.next];
    while let Some(link) = stack.pop() {
        if link == carried.header {
            continue;
        }
        for source in &flow.sources[link.index()] {
            // Only the accumulated side is a link; the increments were
            // checked by the nested loop's own analysis.
            if flow.depends_on(*source, &BTreeSet::from([carried.header])) && links.insert(*source)
            {
                stack.push(*source);
            }
        }
    }
    links
}

/// The phis defined in `block` (and in `if` regions nested in it, not in
/// nested loops).
fn phis_in(block: &Block) -> BTreeSet<ValueId> {
    let mut phis = BTreeSet::new();
    for stmt in &block.stmts {
        if let Stmt::If(region) = stmt {
            phis.extend(phis_in(&region.then_block));
            phis.extend(phis_in(&region.else_block));
            phis.extend(region.phis.iter().map(|phi| phi.out));
        }
    }
    phis
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
        // A `usize` (the tape's length and index): `0..3_u8` is not one.
        Some(
            end @ syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(int),
                ..
            }),
        ) if starts_at_zero && matches!(int.suffix(), "" | "usize") => Some(quote!(#end)),
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

/// The largest spread between the offsets of the places `x[i + k]` whose
/// adjoints a fused loop carries from one iteration to the next (see
/// `ReverseSweep::carry_offset_adjoints`); a wider one keeps adding in
/// memory.
pub(crate) const MAX_CARRIED_SPREAD: i64 = 4;

/// The order in which a loop visits its index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stride {
    /// `for i in a..b`, `for i in a..=b`: each iteration's `i` is one more
    /// than the previous one's.
    Up,
    /// `for i in (a..b).rev()`: one less.
    Down,
}

/// The index of `for i in RANGE` or `for i in (RANGE).rev()` (a single name
/// bound by value) and the order it visits it in; `None` for any other
/// loop (a `step_by`, an iterator of data, a pattern). The iterations of
/// such a loop see distinct, consecutive values of `i`.
pub(crate) fn unit_stride_index(region: &ForRegion) -> Option<(ValueId, Stride)> {
    let [(_, index)] = region.bindings.as_slice() else {
        return None;
    };
    let syn::Pat::Ident(pat) = &region.pat else {
        return None;
    };
    if pat.by_ref.is_some() || pat.subpat.is_some() {
        return None;
    }
    fn unparenthesized(expr: &syn::Expr) -> &syn::Expr {
        match expr {
            syn::Expr::Paren(inner) => unparenthesized(&inner.expr),
            syn::Expr::Group(inner) => unparenthesized(&inner.expr),
            other => other,
        }
    }
    let bounded = |expr: &syn::Expr| matches!(unparenthesized(expr), syn::Expr::Range(range) if range.start.is_some() && range.end.is_some());
    match unparenthesized(&region.iter) {
        range if bounded(range) => Some((*index, Stride::Up)),
        syn::Expr::MethodCall(call)
            if call.method == "rev" && call.args.is_empty() && call.turbofish.is_none() =>
        {
            bounded(&call.receiver).then_some((*index, Stride::Down))
        }
        _ => None,
    }
}

/// `k` when `value` is `index`, `index + k`, `k + index` or `index - k`
/// (giving `-k`) for an integer literal `k` (unsuffixed or `usize`) of at
/// most [`MAX_CARRIED_SPREAD`].
pub(crate) fn index_offset(function: &Function, value: ValueId, index: ValueId) -> Option<i64> {
    if value == index {
        return Some(0);
    }
    let literal = |operand: &crate::ir::Operand| -> Option<i64> {
        let Op::Const {
            expr:
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Int(int),
                    ..
                }),
        } = &function.value(operand.value).op
        else {
            return None;
        };
        if !matches!(int.suffix(), "" | "usize") {
            return None;
        }
        int.base10_parse::<i64>()
            .ok()
            .filter(|k| *k <= MAX_CARRIED_SPREAD)
    };
    let is_index = |operand: &crate::ir::Operand| {
        operand.value == index && operand.access == crate::ir::Access::Plain
    };
    match &function.value(value).op {
        Op::Arith {
            op: ArithOp::Add,
            lhs,
            rhs,
        } if is_index(lhs) => literal(rhs),
        Op::Arith {
            op: ArithOp::Add,
            lhs,
            rhs,
        } if is_index(rhs) => literal(lhs),
        Op::Arith {
            op: ArithOp::Sub,
            lhs,
            rhs,
        } if is_index(lhs) => literal(rhs).map(|k| -k),
        _ => None,
    }
}
