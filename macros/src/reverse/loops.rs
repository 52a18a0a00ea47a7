//! `for` regions, by the kind the loop analysis found: a fused loop (its
//! reverse sweep runs in the forward loop), accumulators (the iterator
//! re-run, carried values that are not differentiated recomputed along), or
//! a recurrence (backwards over the values the forward sweep stored).

use super::{AdjointState, ReverseSweep, accumulated, contributed};
use crate::ir::{ArithOp, Carried, ForRegion, Op, ValueId};
use crate::loops::interior;
use crate::plan::{Contribution, Fused, How, Rev};
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::BTreeSet;

impl ReverseSweep<'_, '_> {
    /// The replay of a `for` loop. The adjoints of the carried variables
    /// after the loop flow backwards through the iterations; each iteration
    /// recomputes what its reverse sweep reads. A loop whose carried
    /// variables are all accumulators (`total += e`) replays its iterations
    /// in any order, re-running its iterator; any other loop (a recurrence,
    /// `x = f(x)`) replays them backwards from values the forward sweep
    /// stored, which needs a trip count known at compile time.
    pub(super) fn for_region(
        &mut self,
        region: &ForRegion,
        state: &mut AdjointState,
        out: &mut Vec<Rev>,
    ) {
        let emitter = self.emitter;
        let live: Vec<&Carried> = region
            .carried
            .iter()
            .filter(|carried| emitter.activity.is_active(carried.header))
            .collect();
        if !live
            .iter()
            .any(|carried| state.initialized[carried.out.index()])
        {
            return;
        }
        if let [carried] = live.as_slice() {
            if self.top_level
                && self.loops.is_accumulator(region, carried)
                && emitter.is_scalar_literal(carried.init)
            {
                self.fused_loop(region, carried, state, out);
                return;
            }
        }
        for carried in &live {
            if !state.initialized[carried.out.index()] {
                self.contribute(carried.out, Contribution::Zero(carried.init), state, out);
            }
        }
        let inside = interior(region);

        // Adjoints of outer values the iterations add to start at zero.
        let targets = self.outer_targets(state, &inside, |trial, trial_state, code| {
            trial.iteration(region, &live, trial_state, code);
        });
        for id in targets {
            if !state.initialized[id.index()] {
                self.contribute(id, Contribution::Zero(id), state, out);
            }
        }

        let mut inner = self.child();
        let mut iteration_state = state.clone();
        let mut code = Vec::new();
        inner.iteration(region, &live, &mut iteration_state, &mut code);
        let facts = self.loops.facts(region);
        let recurrence = live
            .iter()
            .any(|carried| !facts.accumulators.contains(&carried.header));
        // The carried values the reverse sweep of an iteration reads.
        let carried_reads = |outer_reads: &BTreeSet<ValueId>| -> Vec<&Carried> {
            region
                .carried
                .iter()
                .filter(|carried| outer_reads.contains(&carried.header))
                .collect()
        };
        let (mut recompute, mut outer_reads) =
            emitter.recompute(&region.body, &inner.reads, &inner.pullbacks, &inner.plan);
        // A loop that a `break` ends replays up to the same iteration.
        if let Some(flag) = region.exit {
            outer_reads.insert(flag);
        }
        let mut read = carried_reads(&outer_reads);
        let stored = match &facts.trip_count {
            Some(count) if recurrence || !read.is_empty() => Some(count),
            _ => None,
        };
        let checkpointed = facts.checkpointed;
        debug_assert_eq!(checkpointed, recurrence && stored.is_none());
        let head;
        let mut before = TokenStream::new();
        let mut after = TokenStream::new();
        let mut checkpointed_loop = None;
        if checkpointed {
            // Backwards from the snapshots the forward sweep kept, each
            // iteration's state recomputed from the nearest one before it.
            let (unpack, advance, advance_reads) =
                self.checkpoint_closures(region, &read, &inner.plan);
            outer_reads.extend(advance_reads);
            // The snapshots are taken by the loop's forward run: a region
            // that recomputes this loop's surroundings runs it again.
            self.reads
                .extend(region.carried.iter().map(|carried| carried.out));
            checkpointed_loop = Some((unpack, advance));
            head = TokenStream::new();
        } else if let Some(count) = stored {
            // Backwards over the values the forward sweep stored.
            let index = &emitter.loop_index(region);
            let mut loads = TokenStream::new();
            for carried in &read {
                self.plan.tapes.insert(carried.header, count.clone());
                let tape = emitter.names.tape(carried.header);
                let local = &emitter.names.local[carried.header.index()];
                loads.extend(quote!(let #local = #tape[#index];));
            }
            // The tapes are filled by the loop's forward run: a region that
            // recomputes this loop's surroundings (an enclosing loop's
            // iteration, a branch) must run the loop again, as it would to
            // produce the loop's results.
            self.reads
                .extend(region.carried.iter().map(|carried| carried.out));
            before = loads;
            head = quote!(#index in (0..#count).rev());
        } else {
            // Accumulators only: the iterator re-run, forwards. Carried
            // values the iterations read (a counter, say) are recomputed
            // along, from their initial values.
            while !read.is_empty() {
                let mut wanted = inner.reads.clone();
                wanted.extend(read.iter().map(|carried| carried.next));
                (recompute, outer_reads) =
                    emitter.recompute(&region.body, &wanted, &inner.pullbacks, &inner.plan);
                let again = carried_reads(&outer_reads);
                if again.len() == read.len() {
                    break;
                }
                read = again;
            }
            let mut inits = TokenStream::new();
            for carried in &read {
                let local = &emitter.names.local[carried.header.index()];
                let init = emitter.operand(crate::ir::Operand::plain(carried.init));
                self.reads.insert(carried.init);
                if carried.next == carried.header {
                    inits.extend(quote!(let #local = #init;));
                } else {
                    let next = emitter.operand(crate::ir::Operand::plain(carried.next));
                    inits.extend(quote!(let mut #local = #init;));
                    after.extend(quote!(#local = #next;));
                }
            }
            if !inits.is_empty() {
                out.push(Rev::Code(inits));
            }
            let pattern = emitter.loop_pattern(region);
            let iter = emitter.opaque(&region.iter, &region.iter_uses);
            head = quote!(#pattern in #iter);
        }
        self.plan.absorb(std::mem::take(&mut inner.plan));
        for (_, binding) in &region.bindings {
            outer_reads.remove(binding);
        }
        for carried in &region.carried {
            outer_reads.remove(&carried.header);
        }
        self.reads.extend(outer_reads);
        self.reads
            .extend(region.iter_uses.iter().map(|(_, value)| *value));
        let mut body = Vec::with_capacity(code.len() + 4);
        // The iterator re-run forwards stops where the forward sweep's did
        // (a `while` loop's iterator never ends by itself).
        if let (Some(flag), None, false) = (region.exit, stored, checkpointed) {
            let flag = &emitter.names.local[flag.index()];
            body.push(Rev::Code(quote!(if #flag { break; })));
        }
        if !before.is_empty() {
            body.push(Rev::Code(before));
        }
        if !recompute.is_empty() {
            body.push(Rev::Code(recompute));
        }
        body.extend(code);
        if !after.is_empty() {
            body.push(Rev::Code(after));
        }
        let code = body;
        match checkpointed_loop {
            Some((unpack, advance)) => {
                let names = emitter.names.checkpointed(region.id);
                out.push(Rev::Checkpointed {
                    checkpoints: names.checkpoints,
                    state: names.state,
                    advance,
                    unpack,
                    body: code,
                });
            }
            None => out.push(Rev::Loop { head, body: code }),
        }
        for carried in &live {
            let carry = &emitter.names.adjoint[carried.out.index()];
            self.contribute(
                carried.init,
                Contribution::Plain(quote!(#carry)),
                state,
                out,
            );
        }
    }

    /// The two halves of a checkpointed loop's reverse sweep, both starting
    /// from a state `(carried values.., iterator)` before an iteration: the
    /// unpacking before an iteration's reverse sweep (`let (x, mut iter) =
    /// state.clone(); if let Some(t) = iter.next()`), and the advance to the
    /// state after the iteration. Returns them with the outer values the
    /// advance reads.
    fn checkpoint_closures(
        &mut self,
        region: &ForRegion,
        read: &[&Carried],
        plan: &crate::plan::Plan,
    ) -> (TokenStream, TokenStream, BTreeSet<ValueId>) {
        let emitter = self.emitter;
        let krate = &emitter.krate;
        let core = quote!(#krate::__private::core);
        let names = emitter.names.checkpointed(region.id);
        let (iterator, state) = (&names.iterator, &names.state);
        // The state: the carried values an iteration's reverse sweep reads,
        // and those their updates read, transitively (an accumulator the
        // reverse sweep never reads is left out).
        let mut kept: BTreeSet<ValueId> = read.iter().map(|carried| carried.header).collect();
        let (code, mut reads) = loop {
            let nexts: BTreeSet<ValueId> = region
                .carried
                .iter()
                .filter(|carried| kept.contains(&carried.header))
                .map(|carried| carried.next)
                .collect();
            let (code, reads) = emitter.recompute(&region.body, &nexts, &BTreeSet::new(), plan);
            let before = kept.len();
            kept.extend(
                region
                    .carried
                    .iter()
                    .filter(|carried| reads.contains(&carried.header))
                    .map(|carried| carried.header),
            );
            if kept.len() == before {
                break (code, reads);
            }
        };
        let kept: Vec<&Carried> = region
            .carried
            .iter()
            .filter(|carried| kept.contains(&carried.header))
            .collect();
        self.plan.checkpointed.insert(
            region.id,
            kept.iter().map(|carried| carried.header).collect(),
        );
        let headers: Vec<_> = kept
            .iter()
            .map(|carried| &emitter.names.local[carried.header.index()])
            .collect();
        let pattern = emitter.loop_pattern(region);
        let unpack = quote! {
            #[allow(unused_variables, unused_mut)]
            let (#(#headers,)* mut #iterator) = #core::clone::Clone::clone(#state);
            if let #core::option::Option::Some(#pattern) = #core::iter::Iterator::next(&mut #iterator)
        };
        let next_values = kept
            .iter()
            .map(|carried| emitter.operand(crate::ir::Operand::plain(carried.next)));
        let advance = quote! {
            #unpack {
                #code
                (#(#next_values,)* #iterator)
            } else {
                (#(#headers,)* #iterator)
            }
        };
        for (_, binding) in &region.bindings {
            reads.remove(binding);
        }
        for carried in &region.carried {
            reads.remove(&carried.header);
        }
        (unpack, advance, reads)
    }

    /// A loop accumulating a scalar, `total += e`, at the top level of the
    /// function: its reverse sweep is linear in the adjoint of `total`, the
    /// same for every iteration, so the forward sweep runs each iteration's
    /// reverse sweep right after it with the adjoint 1 (summing the
    /// per-unit gradients of the outer values it reads), and the reverse
    /// sweep only scales those sums. One pass over the data, no
    /// recomputation: the mean-of-per-sample-losses case.
    pub(super) fn fused_loop(
        &mut self,
        region: &ForRegion,
        carried: &Carried,
        state: &mut AdjointState,
        out: &mut Vec<Rev>,
    ) {
        let emitter = self.emitter;
        let krate = &emitter.krate;
        // `total += e * e`: seeded with ½, the square's rule gives `e` itself
        // as the adjoint of `e` (`(½ + ½)·e`, folded), and the factor 2 it
        // would have put into every contribution of every iteration moves
        // into the one scaling after the loop. Halving and doubling are
        // exact, so the gradient is the same, bit for bit (barring overflow
        // and subnormal numbers).
        let halved = self.sums_squares(carried);
        let seed = {
            let like = emitter.reference(carried.next);
            if halved {
                Contribution::Plain(quote!(#krate::__private::half_like(#like)))
            } else {
                Contribution::Plain(quote!(#krate::__private::unit_like(#like)))
            }
        };
        let inside = interior(region);

        // The outer values the iterations add to.
        let targets = self.outer_targets(state, &inside, |trial, trial_state, code| {
            trial.sink.insert(carried.header);
            trial.contribute(carried.next, seed.clone(), trial_state, code);
            trial.block(&region.body, trial_state, code);
        });

        let mut inner = self.child();
        // The accumulator's own adjoint is the same in every iteration:
        // only the terms' adjoints are summed.
        inner.sink.insert(carried.header);
        let mut prelude = TokenStream::new();
        let mut iteration_state = state.clone();
        let mut sums = Vec::new();
        for id in targets {
            let name = emitter.names.unit_adjoint(region.id, id);
            let reference = emitter.reference(id);
            prelude
                .extend(quote!(let mut #name = #krate::__private::Params::zero_like(#reference);));
            inner.redirect.insert(id, name.clone());
            iteration_state.initialized[id.index()] = true;
            sums.push((id, name));
        }
        let mut code = Vec::new();
        inner.contribute(carried.next, seed, &mut iteration_state, &mut code);
        inner.block(&region.body, &mut iteration_state, &mut code);
        let carried_code = self.carry_offset_adjoints(region, &sums, &mut code);
        prelude.extend(carried_code.prelude);
        let mut mutable = BTreeSet::new();
        accumulated(&code, &mut mutable);
        let iteration = emitter.reverse(&code, &mutable);
        self.plan.absorb(inner.plan);
        self.plan.fused.insert(
            region.id,
            Fused {
                prelude,
                iteration,
                after: carried_code.after,
                accumulator: carried.header,
            },
        );

        let carry = &emitter.names.adjoint[carried.out.index()];
        let factor = if halved {
            quote!(#carry + #carry)
        } else {
            quote!(#carry)
        };
        for (id, name) in sums {
            let scaled = quote!(#krate::__private::scaled(#name, #factor));
            self.contribute(id, Contribution::Plain(scaled), state, out);
        }
        self.contribute(
            carried.init,
            Contribution::Plain(quote!(#carry)),
            state,
            out,
        );
    }

    /// Whether each iteration of a fused loop adds exactly a square to its
    /// accumulator (`total += e * e`, `total -= e.powi(2)`): the only
    /// adjoint an iteration starts from then passes through the square's
    /// rule, whose factor 2 is common to all its contributions.
    fn sums_squares(&self, carried: &Carried) -> bool {
        let emitter = self.emitter;
        let function = &emitter.function;
        let Op::Arith { op, lhs, rhs } = &function.value(carried.next).op else {
            return false;
        };
        let increment = match op {
            ArithOp::Add if lhs.value == carried.header => rhs.value,
            ArithOp::Add if rhs.value == carried.header => lhs.value,
            ArithOp::Sub if lhs.value == carried.header => rhs.value,
            _ => return false,
        };
        emitter.square_operand(increment).is_some()
    }

    /// The values outside `inside` whose adjoints the code that `generate`
    /// would produce contributes to: a dry run, whose code is discarded.
    pub(super) fn outer_targets(
        &self,
        state: &AdjointState,
        inside: &BTreeSet<ValueId>,
        generate: impl FnOnce(&mut Self, &mut AdjointState, &mut Vec<Rev>),
    ) -> BTreeSet<ValueId> {
        let mut trial = self.child();
        trial.dry_run = true;
        let mut trial_state = state.clone();
        let mut code = Vec::new();
        generate(&mut trial, &mut trial_state, &mut code);
        let mut targets = BTreeSet::new();
        contributed(&code, &mut targets);
        targets.retain(|id| !inside.contains(id));
        targets
    }

    /// The reverse sweep of one iteration: the carried adjoints seed the
    /// values at the end of the iteration, the body is reversed, and the
    /// adjoints at its start carry over to the previous iteration.
    pub(super) fn iteration(
        &mut self,
        region: &ForRegion,
        live: &[&Carried],
        state: &mut AdjointState,
        out: &mut Vec<Rev>,
    ) {
        let emitter = self.emitter;
        for carried in live {
            let carry = &emitter.names.adjoint[carried.out.index()];
            self.contribute(
                carried.next,
                Contribution::Plain(quote!(#carry)),
                state,
                out,
            );
        }
        self.block(&region.body, state, out);
        for carried in live {
            let contribution = if state.initialized[carried.header.index()] {
                let adjoint = &emitter.names.adjoint[carried.header.index()];
                Contribution::Plain(quote!(#adjoint))
            } else {
                self.reads.insert(carried.header);
                Contribution::Zero(carried.header)
            };
            out.push(Rev::Contribute {
                target: carried.out,
                how: How::Reassign,
                contribution,
                name: None,
            });
        }
    }
}
