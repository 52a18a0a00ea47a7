//! The reverse sweep: adjoint statements for the active values, in reverse
//! order, as a small tree ([`Rev`]) that [`crate::emit`] renders.
//!
//! The first contribution to an adjoint initialises it (`let adj_of_x = ...`)
//! and later ones add (`adj_of_x += ...`), so there is no zero-fill. An `if`
//! region is replayed: its recorded condition selects the branch, the branch
//! recomputes the values its reverse sweep reads, and adjoints of values from
//! before the region that only one branch touches are declared before the
//! `if` and set in each branch (to zero in a branch that does not touch
//! them).
//!
//! Before (`y = x * w; if c { z = y.sin() } else { z = y }; z`), after:
//! ```text
//! if c {
//!     let adj_of_y = scalar_rules::sin(&adj_of_z, &y, &z_then);   // recomputed z_then = y.sin()
//! } else {
//!     let adj_of_y = adj_of_z;
//! }
//! let adj_of_x = MulRule::mul_lhs(&adj_of_y, &x, &w);
//! ```

use crate::ir::{ArithOp, Block, Carried, ForRegion, IfRegion, Op, Projection, Stmt, ValueId};
use crate::loops::{Loops, defined_in, interior};
use crate::plan::{Contribution, Fused, How, Plan, Rev};
use crate::render::Emitter;
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::{BTreeMap, BTreeSet};

/// Which adjoints exist at a point of the reverse sweep.
#[derive(Clone)]
pub(crate) struct AdjointState {
    pub(crate) initialized: Vec<bool>,
    deferred: Vec<bool>,
}

impl AdjointState {
    pub(crate) fn new(count: usize) -> Self {
        Self {
            initialized: vec![false; count],
            deferred: vec![false; count],
        }
    }
}

/// Generates the reverse sweep of a function.
pub(crate) struct ReverseSweep<'e, 'a> {
    pub(crate) emitter: &'e Emitter<'a>,
    /// The loop analysis.
    loops: &'e Loops,
    /// Primal values the reverse code generated so far reads.
    pub(crate) reads: BTreeSet<ValueId>,
    /// Active calls whose pullbacks the reverse code calls.
    pub(crate) pullbacks: BTreeSet<ValueId>,
    /// Whether this sweep reverses the function body itself (not a branch
    /// that recomputes its values).
    top_level: bool,
    /// Adjoints redirected to other variables (see [`Rev::Contribute`]).
    redirect: BTreeMap<ValueId, proc_macro2::Ident>,
    /// Values whose adjoints are not needed (a fused loop's accumulator).
    sink: BTreeSet<ValueId>,
    /// Whether this sweep is a dry run whose code is discarded (and whose
    /// plan is too: the real sweep of the same region makes it once).
    dry_run: bool,
    /// What the forward sweep must do for the code generated so far.
    pub(crate) plan: Plan,
}

impl<'e, 'a> ReverseSweep<'e, 'a> {
    pub(crate) fn new(emitter: &'e Emitter<'a>, loops: &'e Loops) -> Self {
        Self {
            emitter,
            loops,
            reads: BTreeSet::new(),
            pullbacks: BTreeSet::new(),
            top_level: true,
            redirect: BTreeMap::new(),
            sink: BTreeSet::new(),
            dry_run: false,
            plan: Plan::default(),
        }
    }

    /// A sweep for a region inside this one.
    fn child(&self) -> Self {
        Self {
            top_level: false,
            redirect: self.redirect.clone(),
            sink: self.sink.clone(),
            dry_run: self.dry_run,
            ..Self::new(self.emitter, self.loops)
        }
    }

    /// Adds a contribution to the adjoint of `target`, if `target` is varied.
    pub(crate) fn contribute(
        &mut self,
        target: ValueId,
        contribution: Contribution,
        state: &mut AdjointState,
        out: &mut Vec<Rev>,
    ) {
        if !self.emitter.activity.is_varied(target) || self.sink.contains(&target) {
            return;
        }
        // The values the rendered contribution names (for its type).
        match &contribution {
            Contribution::Zero(like) => {
                self.reads.insert(*like);
            }
            Contribution::Projected(..) | Contribution::Cotangent(..) => {
                self.reads.insert(target);
            }
            Contribution::Plain(_) | Contribution::Negated(_) => {}
        }
        if let Some(name) = self.redirect.get(&target) {
            out.push(Rev::Contribute {
                target,
                how: How::Accumulate,
                contribution,
                name: Some(name.clone()),
            });
            return;
        }
        let index = target.index();
        let how = if state.initialized[index] {
            How::Accumulate
        } else if state.deferred[index] {
            state.deferred[index] = false;
            state.initialized[index] = true;
            How::Assign
        } else {
            state.initialized[index] = true;
            How::Let
        };
        out.push(Rev::Contribute {
            target,
            how,
            contribution,
            name: None,
        });
    }

    /// The reverse sweep of `block`, appended to `out`.
    pub(crate) fn block(&mut self, block: &Block, state: &mut AdjointState, out: &mut Vec<Rev>) {
        for stmt in block.stmts.iter().rev() {
            match stmt {
                Stmt::Def(id) => {
                    if self.emitter.activity.is_active(*id) && state.initialized[id.index()] {
                        self.def(*id, state, out);
                    }
                }
                Stmt::If(region) => self.region(region, state, out),
                Stmt::For(region) => self.for_region(region, state, out),
                Stmt::Effect(_) => {}
            }
        }
    }

    /// A reference to `value` as an argument of the rule of the value being
    /// reversed, located at that value's expression (so that a type error
    /// in the rule call underlines the user's `w * x`, not the declaration
    /// of `w`).
    fn read(&mut self, value: ValueId, at: proc_macro2::Span) -> TokenStream {
        self.reads.insert(value);
        located_at(self.emitter.reference(value), at)
    }

    fn def(&mut self, id: ValueId, state: &mut AdjointState, out: &mut Vec<Rev>) {
        let emitter = self.emitter;
        let krate = &emitter.krate;
        let value = emitter.function.value(id);
        let adjoint = &emitter.names.adjoint[id.index()];
        match &value.op {
            Op::Arith { op, lhs, rhs } => {
                let (lhs, rhs) = (lhs.value, rhs.value);
                match op {
                    ArithOp::Add | ArithOp::Sub => {
                        self.contribute(lhs, Contribution::Plain(quote!(#adjoint)), state, out);
                        let rhs_contribution = if *op == ArithOp::Add {
                            Contribution::Plain(quote!(#adjoint))
                        } else {
                            Contribution::Negated(quote!(#adjoint))
                        };
                        self.contribute(rhs, rhs_contribution, state, out);
                    }
                    ArithOp::Mul if lhs == rhs => {
                        // `x * x`: one rule call for both contributions.
                        if emitter.activity.is_varied(lhs) {
                            let operand = self.read(lhs, value.span);
                            let call = located_at(
                                quote!(#krate::__private::SquareRule::square(&#adjoint, #operand)),
                                value.span,
                            );
                            self.contribute(lhs, Contribution::Plain(call), state, out);
                        }
                    }
                    ArithOp::Mul => {
                        for (target, rule) in [(lhs, quote!(mul_lhs)), (rhs, quote!(mul_rhs))] {
                            if emitter.activity.is_varied(target) {
                                let (l, r) =
                                    (self.read(lhs, value.span), self.read(rhs, value.span));
                                let call = located_at(
                                    quote!(#krate::__private::MulRule::#rule(&#adjoint, #l, #r)),
                                    value.span,
                                );
                                self.contribute(target, Contribution::Plain(call), state, out);
                            }
                        }
                    }
                    ArithOp::Div => {
                        for (target, rule) in [(lhs, quote!(div_lhs)), (rhs, quote!(div_rhs))] {
                            if emitter.activity.is_varied(target) {
                                let (l, r, y) = (
                                    self.read(lhs, value.span),
                                    self.read(rhs, value.span),
                                    self.read(id, value.span),
                                );
                                let call = located_at(
                                    quote!(#krate::__private::DivRule::#rule(&#adjoint, #l, #r, #y)),
                                    value.span,
                                );
                                self.contribute(target, Contribution::Plain(call), state, out);
                            }
                        }
                    }
                }
            }
            Op::Copy { arg } => {
                self.contribute(arg.value, Contribution::Plain(quote!(#adjoint)), state, out);
            }
            Op::Neg { arg } => self.contribute(
                arg.value,
                Contribution::Negated(quote!(#adjoint)),
                state,
                out,
            ),
            Op::Builtin {
                rule,
                receiver,
                args,
                ..
            } => {
                let operands: Vec<ValueId> = std::iter::once(receiver.value)
                    .chain(args.iter().map(|a| a.value))
                    .collect();
                for (position, rule_name) in rule.operands.iter().enumerate() {
                    let Some(rule_name) = rule_name else { continue };
                    let target = operands[position];
                    if !emitter.activity.is_varied(target) {
                        continue;
                    }
                    let references: Vec<TokenStream> = operands
                        .iter()
                        .map(|operand| self.read(*operand, value.span))
                        .collect();
                    let output = self.read(id, value.span);
                    let rule: syn::Path = syn::parse_str(rule_name).expect("a rule path");
                    let call = located_at(
                        quote!(#krate::__private::#rule(&#adjoint, #(#references,)* #output)),
                        value.span,
                    );
                    self.contribute(target, Contribution::Plain(call), state, out);
                }
            }
            Op::Call { args, spans, .. } => {
                let arguments: Vec<ValueId> = args.iter().map(|a| a.value).collect();
                self.pullback(id, &arguments, spans, state, out);
            }
            Op::MethodCall {
                receiver,
                args,
                spans,
                ..
            } => {
                let arguments: Vec<ValueId> = std::iter::once(receiver.value)
                    .chain(args.iter().map(|a| a.value))
                    .collect();
                self.pullback(id, &arguments, spans, state, out);
            }
            Op::Project { base, projection } => {
                let place = match projection {
                    Projection::Field(member) => quote!(.#member),
                    Projection::Index(index) => {
                        self.reads.insert(index.value);
                        let index = emitter.operand(*index);
                        quote!([#index])
                    }
                };
                self.reads.insert(base.value);
                self.contribute(
                    base.value,
                    Contribution::Projected(place, quote!(#adjoint)),
                    state,
                    out,
                );
            }
            Op::Tuple { elements } => {
                for (position, element) in elements.iter().enumerate() {
                    let index = syn::Index::from(position);
                    self.contribute(
                        element.value,
                        Contribution::Plain(quote!(#adjoint.#index)),
                        state,
                        out,
                    );
                }
            }
            Op::Array { elements } => {
                for (position, element) in elements.iter().enumerate() {
                    self.contribute(
                        element.value,
                        Contribution::Plain(quote!(#adjoint[#position])),
                        state,
                        out,
                    );
                }
            }
            Op::Struct { fields, .. } => {
                for (member, field) in fields {
                    self.contribute(
                        field.value,
                        Contribution::Plain(quote!(#adjoint.#member)),
                        state,
                        out,
                    );
                }
            }
            Op::NewMatrix { args, .. } => {
                for (position, argument) in args.iter().enumerate() {
                    let call =
                        quote!(#krate::__private::matrix_rules::new_argument(&#adjoint, #position));
                    self.contribute(argument.value, Contribution::Plain(call), state, out);
                }
            }
            Op::VectorFrom { arg, .. } => {
                let call = quote!(#krate::__private::matrix_rules::vector_from_argument(&#adjoint));
                self.contribute(arg.value, Contribution::Plain(call), state, out);
            }
            // Parameters and constants have no operands; phis and loop values
            // are handled by their region; unsupported opaque values were
            // reported.
            Op::LoopVar | Op::LoopHeader | Op::LoopOut => {}
            Op::Param { .. } | Op::Const { .. } | Op::Opaque { .. } | Op::Phi => {}
        }
    }

    /// `let (cotangent_of_a, _) = y_pullback(adj_of_y);` and the
    /// contributions of the cotangents.
    fn pullback(
        &mut self,
        id: ValueId,
        arguments: &[ValueId],
        spans: &[proc_macro2::Span],
        state: &mut AdjointState,
        out: &mut Vec<Rev>,
    ) {
        let emitter = self.emitter;
        self.pullbacks.insert(id);
        let pullback = &emitter.names.pullback[id.index()];
        let adjoint = &emitter.names.adjoint[id.index()];
        let mut patterns = Vec::new();
        let mut contributions = Vec::new();
        for (position, argument) in arguments.iter().enumerate() {
            if emitter.activity.is_varied(*argument) {
                let name = emitter.names.cotangent(id, position);
                patterns.push(quote!(#name));
                contributions.push((*argument, name, spans[position]));
            } else {
                patterns.push(quote!(_));
            }
        }
        if self.top_level && emitter.recomputes_pullback(id) {
            out.push(Rev::Code(emitter.make_pullback(id)));
        }
        out.push(Rev::Code(
            quote!(let (#(#patterns,)*) = #pullback(#adjoint);),
        ));
        for (argument, mut name, span) in contributions {
            // A type error in the cotangent points at the user's argument.
            name.set_span(name.span().located_at(span));
            self.reads.insert(argument);
            self.contribute(
                argument,
                Contribution::Cotangent(quote!(#name), span),
                state,
                out,
            );
        }
    }

    /// The replay of an `if` region.
    fn region(&mut self, region: &IfRegion, state: &mut AdjointState, out: &mut Vec<Rev>) {
        if !region
            .phis
            .iter()
            .any(|phi| state.initialized[phi.out.index()])
        {
            // Nothing flows into the region: its adjoints are all zero.
            return;
        }
        let then_defined = defined_in(&region.then_block);
        let else_defined = defined_in(&region.else_block);

        // The adjoints of outer values the branches start.
        let mut pending = BTreeSet::new();
        for (then_side, defined) in [(true, &then_defined), (false, &else_defined)] {
            pending.extend(
                self.outer_targets(state, defined, |trial, trial_state, code| {
                    trial.branch(region, then_side, trial_state, code);
                }),
            );
        }
        pending.retain(|id| !state.initialized[id.index()]);
        for id in &pending {
            // An adjoint an enclosing region declared is declared already.
            if !state.deferred[id.index()] {
                out.push(Rev::Declare(*id));
            }
        }

        let mut branches = Vec::new();
        for then_side in [true, false] {
            let mut inner = self.child();
            let mut branch_state = state.clone();
            for id in &pending {
                branch_state.deferred[id.index()] = true;
            }
            let mut code = Vec::new();
            inner.branch(region, then_side, &mut branch_state, &mut code);
            for id in &pending {
                if branch_state.deferred[id.index()] {
                    inner.reads.insert(*id);
                    code.push(Rev::Contribute {
                        target: *id,
                        how: How::Assign,
                        contribution: Contribution::Zero(*id),
                        name: None,
                    });
                }
            }
            let block = if then_side {
                &region.then_block
            } else {
                &region.else_block
            };
            let (recompute, outer_reads) =
                self.emitter
                    .recompute(block, &inner.reads, &inner.pullbacks, &inner.plan);
            self.plan.absorb(inner.plan);
            self.reads.extend(outer_reads);
            let mut rendered = Vec::with_capacity(code.len() + 1);
            if !recompute.is_empty() {
                rendered.push(Rev::Code(recompute));
            }
            rendered.extend(code);
            branches.push(rendered);
        }
        for id in &pending {
            state.initialized[id.index()] = true;
            state.deferred[id.index()] = false;
        }
        self.reads.insert(region.condition);
        let else_branch = branches.pop().expect("two branches");
        let then_branch = branches.pop().expect("two branches");
        out.push(Rev::If {
            condition: region.condition,
            then_branch,
            else_branch,
        });
    }

    /// The replay of a `for` loop. The adjoints of the carried variables
    /// after the loop flow backwards through the iterations; each iteration
    /// recomputes what its reverse sweep reads. A loop whose carried
    /// variables are all accumulators (`total += e`) replays its iterations
    /// in any order, re-running its iterator; any other loop (a recurrence,
    /// `x = f(x)`) replays them backwards from values the forward sweep
    /// stored, which needs a trip count known at compile time.
    fn for_region(&mut self, region: &ForRegion, state: &mut AdjointState, out: &mut Vec<Rev>) {
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
        let mut read = carried_reads(&outer_reads);
        let stored = match &facts.trip_count {
            Some(count) if recurrence || !read.is_empty() => Some(count),
            // The analysis reported the recurrence.
            None if recurrence => return,
            _ => None,
        };
        let head;
        let mut before = TokenStream::new();
        let mut after = TokenStream::new();
        if let Some(count) = stored {
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
        let mut body = Vec::with_capacity(code.len() + 3);
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
        out.push(Rev::Loop { head, body: code });
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

    /// A loop accumulating a scalar, `total += e`, at the top level of the
    /// function: its reverse sweep is linear in the adjoint of `total`, the
    /// same for every iteration, so the forward sweep runs each iteration's
    /// reverse sweep right after it with the adjoint 1 (summing the
    /// per-unit gradients of the outer values it reads), and the reverse
    /// sweep only scales those sums. One pass over the data, no
    /// recomputation: the mean-of-per-sample-losses case.
    fn fused_loop(
        &mut self,
        region: &ForRegion,
        carried: &Carried,
        state: &mut AdjointState,
        out: &mut Vec<Rev>,
    ) {
        let emitter = self.emitter;
        let krate = &emitter.krate;
        let seed = {
            let like = emitter.reference(carried.next);
            Contribution::Plain(quote!(#krate::__private::unit_like(#like)))
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
        let mut mutable = BTreeSet::new();
        accumulated(&code, &mut mutable);
        let iteration = emitter.reverse(&code, &mutable);
        self.plan.absorb(inner.plan);
        self.plan
            .fused
            .insert(region.id, Fused { prelude, iteration });

        let carry = &emitter.names.adjoint[carried.out.index()];
        for (id, name) in sums {
            let scaled = quote!(#krate::__private::scaled(#name, #carry));
            self.contribute(id, Contribution::Plain(scaled), state, out);
        }
        self.contribute(
            carried.init,
            Contribution::Plain(quote!(#carry)),
            state,
            out,
        );
    }

    /// The values outside `inside` whose adjoints the code that `generate`
    /// would produce contributes to: a dry run, whose code is discarded.
    fn outer_targets(
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
    fn iteration(
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

    /// The reverse sweep of one branch: the phi adjoints flow to the
    /// branch's incoming values, then the branch's statements.
    fn branch(
        &mut self,
        region: &IfRegion,
        then_side: bool,
        state: &mut AdjointState,
        out: &mut Vec<Rev>,
    ) {
        for phi in &region.phis {
            if state.initialized[phi.out.index()] {
                let adjoint = &self.emitter.names.adjoint[phi.out.index()];
                let incoming = if then_side {
                    phi.then_value
                } else {
                    phi.else_value
                };
                self.contribute(incoming, Contribution::Plain(quote!(#adjoint)), state, out);
            }
        }
        let block = if then_side {
            &region.then_block
        } else {
            &region.else_block
        };
        self.block(block, state, out);
    }
}

/// The tokens with their location moved to `span` (their hygiene kept).
fn located_at(tokens: TokenStream, span: proc_macro2::Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let proc_macro2::TokenTree::Group(group) = &token {
                let mut relocated =
                    proc_macro2::Group::new(group.delimiter(), located_at(group.stream(), span));
                relocated.set_span(group.span().located_at(span));
                return proc_macro2::TokenTree::Group(relocated);
            }
            token.set_span(token.span().located_at(span));
            token
        })
        .collect()
}

/// The values whose adjoints `code` contributes to.
fn contributed(code: &[Rev], found: &mut BTreeSet<ValueId>) {
    for rev in code {
        match rev {
            Rev::Contribute { target, .. } => {
                found.insert(*target);
            }
            Rev::If {
                then_branch,
                else_branch,
                ..
            } => {
                contributed(then_branch, found);
                contributed(else_branch, found);
            }
            Rev::Loop { body, .. } => contributed(body, found),
            Rev::Code(_) | Rev::Declare(_) => {}
        }
    }
}

/// The adjoints that are added to after their first contribution, which
/// must be declared `mut`.
pub(crate) fn accumulated(code: &[Rev], found: &mut BTreeSet<ValueId>) {
    for rev in code {
        match rev {
            Rev::Contribute { name: Some(_), .. } => {}
            Rev::Contribute {
                target,
                how: How::Accumulate,
                ..
            }
            | Rev::Contribute {
                target,
                contribution: Contribution::Projected(..),
                ..
            } => {
                found.insert(*target);
            }
            Rev::Contribute {
                target,
                how: How::Reassign,
                ..
            } => {
                found.insert(*target);
            }
            Rev::If {
                then_branch,
                else_branch,
                ..
            } => {
                accumulated(then_branch, found);
                accumulated(else_branch, found);
            }
            Rev::Loop { body, .. } => accumulated(body, found),
            _ => {}
        }
    }
}
