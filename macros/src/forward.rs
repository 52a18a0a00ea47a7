//! The forward sweep: the primal computation with SSA names, keeping the
//! pullbacks of active calls, storing the carried values that loops'
//! reverse sweeps read and running fused loops' reverse sweeps (as the
//! [`Plan`] says); and the recomputation of a region's values where a
//! reverse sweep needs them.

use crate::ir::{Access, Block, ForRegion, IfRegion, Op, Operand, Stmt, ValueId};
use crate::plan::Plan;
use crate::render::Emitter;
use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};
use std::collections::BTreeSet;

/// Which calls of a block the forward sweep keeps pullbacks of.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pullbacks {
    /// Active calls whose pullbacks do not borrow locals that die before
    /// the pullback is called (the function body).
    TopLevel,
    /// Every active call (the body of a fused loop, reversed in place).
    Active,
    /// None (regions replayed by the reverse sweep).
    None,
}

/// What a recomputation must produce.
struct Demand {
    values: BTreeSet<ValueId>,
    pullbacks: BTreeSet<ValueId>,
}

impl Emitter<'_> {
    /// The forward sweep of the function body: active calls at the top level
    /// keep their pullbacks; regions run as written (their reverse sweep
    /// recomputes what it needs).
    pub(crate) fn forward(&self, plan: &Plan) -> TokenStream {
        self.forward_block(&self.function.body, Pullbacks::TopLevel, None, plan)
    }

    /// A definition: `let y = x * w;`, or `let (y, y_pullback) = f_vjp(x);`.
    pub(crate) fn def(&self, id: ValueId, with_pullback: bool) -> TokenStream {
        if self.inline[id.index()] {
            return TokenStream::new();
        }
        let value = self.function.value(id);
        let local = &self.names.local[id.index()];
        let is_call = matches!(value.op, Op::Call { .. } | Op::MethodCall { .. });
        if with_pullback && is_call {
            let expression = self.expression(id, true);
            let pullback = &self.names.pullback[id.index()];
            return quote!(let (#local, #pullback) = #expression;);
        }
        let mut expression = self.expression(id, false);
        if let Some(like) = value.like {
            let (krate, like) = (&self.krate, self.reference(like));
            expression = quote!(#krate::__private::typed_like(#like, #expression));
        }
        match &value.ty {
            Some(ty) => quote!(let #local: #ty = #expression;),
            None => quote!(let #local = #expression;),
        }
    }

    /// A module call `m.forward(&x)` through the split convention where `m`
    /// implements `SplitModule` (its `_vjp` otherwise, chosen by rustc):
    /// the record is a local of this frame that the forward pass fills and
    /// the pullback borrows. `None` for any other call, and in a `_vjp`,
    /// whose pullback outlives the frame.
    ///
    /// ```text
    /// let mut record_of_y = (&&Split(m, x)).tag().new_record(m, x);
    /// let (y, y_pullback) = (&&Split(m, x)).tag().record_vjp(m, x, &mut record_of_y, || m.forward_vjp(x));
    /// ```
    fn def_split(&self, id: ValueId) -> Option<TokenStream> {
        if self.pullback_escapes || self.inline[id.index()] {
            return None;
        }
        let value = self.function.value(id);
        let Op::MethodCall {
            receiver,
            method,
            turbofish: None,
            args,
            ..
        } = &value.op
        else {
            return None;
        };
        let [arg] = args.as_slice() else {
            return None;
        };
        let by_reference =
            arg.access == Access::Ref || (arg.access == Access::Plain && self.is_ref(arg.value));
        if method != "forward" || receiver.access != Access::Plain || !by_reference {
            return None;
        }
        let krate = &self.krate;
        let span = value.span;
        let (model, input) = (self.reference(receiver.value), self.operand(*arg));
        let vjp = self.expression(id, true);
        let (local, pullback, record) = (
            &self.names.local[id.index()],
            &self.names.pullback[id.index()],
            &self.names.record[id.index()],
        );
        let record_vjp = if self.activity.is_varied(arg.value) {
            quote!(record_vjp)
        } else {
            quote!(record_vjp_of_module)
        };
        let traits = quote!(use #krate::__private::{ViaSplit as _, ViaVjp as _};);
        let probe = quote!((&&#krate::__private::Split(#model, #input)).tag());
        Some(quote_spanned! {span=>
            let mut #record = { #traits #probe.new_record(#model, #input) };
            let (#local, #pullback) = {
                #traits
                #probe.#record_vjp(#model, #input, &mut #record, || #vjp)
            };
        })
    }

    /// Renders `block`. With `demand`, only the definitions it lists (and
    /// the regions defining phis it lists) are rendered, for recomputation.
    fn forward_block(
        &self,
        block: &Block,
        pullbacks: Pullbacks,
        demand: Option<&Demand>,
        plan: &Plan,
    ) -> TokenStream {
        let mut tokens = TokenStream::new();
        for stmt in &block.stmts {
            match stmt {
                Stmt::Def(id) => {
                    let with_pullback = match demand {
                        None => match pullbacks {
                            Pullbacks::TopLevel => {
                                self.activity.is_active(*id) && !self.recomputes_pullback(*id)
                            }
                            Pullbacks::Active => self.activity.is_active(*id),
                            Pullbacks::None => false,
                        },
                        Some(demand) => {
                            if !demand.values.contains(id) {
                                continue;
                            }
                            demand.pullbacks.contains(id)
                        }
                    };
                    if with_pullback && demand.is_none() && pullbacks == Pullbacks::TopLevel {
                        if let Some(split) = self.def_split(*id) {
                            tokens.extend(split);
                            continue;
                        }
                    }
                    tokens.extend(self.def(*id, with_pullback));
                }
                Stmt::If(region) => {
                    if let Some(demand) = demand {
                        if !region
                            .phis
                            .iter()
                            .any(|phi| demand.values.contains(&phi.out))
                        {
                            continue;
                        }
                    }
                    tokens.extend(self.forward_region(region, demand, plan));
                }
                Stmt::For(region) => {
                    if let Some(demand) = demand {
                        if !region
                            .carried
                            .iter()
                            .any(|carried| demand.values.contains(&carried.out))
                        {
                            continue;
                        }
                    }
                    tokens.extend(self.forward_loop(region, demand, plan));
                }
                Stmt::Effect(effect) => {
                    if demand.is_none() {
                        let rebind = self.rebind(&effect.uses);
                        let stmt = &effect.stmt;
                        if rebind.is_empty() {
                            tokens.extend(quote!(#stmt));
                        } else {
                            tokens.extend(quote!({ #rebind #stmt }));
                        }
                    }
                }
            }
        }
        tokens
    }

    /// `let (y, z) = if c { ...; (y_then, z_then) } else { ...; (y, z_else) };`
    fn forward_region(
        &self,
        region: &IfRegion,
        demand: Option<&Demand>,
        plan: &Plan,
    ) -> TokenStream {
        let condition = self.operand(Operand::plain(region.condition));
        let phis: Vec<_> = region
            .phis
            .iter()
            .filter(|phi| demand.is_none_or(|d| d.values.contains(&phi.out)))
            .collect();
        let then_block = self.forward_block(&region.then_block, Pullbacks::None, demand, plan);
        let else_block = self.forward_block(&region.else_block, Pullbacks::None, demand, plan);
        let then_values: Vec<_> = phis
            .iter()
            .map(|phi| self.operand(Operand::plain(phi.then_value)))
            .collect();
        let else_values: Vec<_> = phis
            .iter()
            .map(|phi| self.operand(Operand::plain(phi.else_value)))
            .collect();
        let outs: Vec<_> = phis
            .iter()
            .map(|phi| &self.names.local[phi.out.index()])
            .collect();
        match phis.len() {
            0 if else_block.is_empty() => quote!(if #condition { #then_block }),
            0 => quote!(if #condition { #then_block } else { #else_block }),
            1 => {
                quote!(let #(#outs)* = if #condition { #then_block #(#then_values)* } else { #else_block #(#else_values)* };)
            }
            _ => quote! {
                let (#(#outs),*) = if #condition { #then_block (#(#then_values),*) } else { #else_block (#(#else_values),*) };
            },
        }
    }

    /// `let mut x = init; for i in iter { tape_of_x[i] = x; ...; x = next; }
    /// let x_out = x;`
    fn forward_loop(
        &self,
        region: &ForRegion,
        demand: Option<&Demand>,
        plan: &Plan,
    ) -> TokenStream {
        let tapes = &plan.tapes;
        let mut before = TokenStream::new();
        let mut at_start = TokenStream::new();
        let mut at_end = TokenStream::new();
        // The updates of carried variables a fused loop's reverse sweep may
        // recompute from (all but its accumulator): after that sweep.
        let mut at_end_after_reverse = TokenStream::new();
        let fused = plan.fused.get(&region.id).filter(|_| demand.is_none());
        let mut after = TokenStream::new();
        let index = self.loop_index(region);
        for carried in &region.carried {
            let header = &self.names.local[carried.header.index()];
            let init = self.operand(Operand::plain(carried.init));
            let out = &self.names.local[carried.out.index()];
            if carried.next == carried.header {
                before.extend(quote!(let #header = #init;));
            } else {
                let next = self.operand(Operand::plain(carried.next));
                before.extend(quote!(let mut #header = #init;));
                if fused.is_some_and(|fused| fused.accumulator != carried.header) {
                    at_end_after_reverse.extend(quote!(#header = #next;));
                } else {
                    at_end.extend(quote!(#header = #next;));
                }
            }
            if let Some(count) = tapes.get(&carried.header) {
                let tape = self.names.tape(carried.header);
                before.extend(quote!(let mut #tape = [#header; #count];));
                at_start.extend(quote!(#tape[#index] = #header;));
            }
            after.extend(quote!(let #out = #header;));
        }
        let taped = region
            .carried
            .iter()
            .any(|carried| tapes.contains_key(&carried.header));
        // A loop that a `break` ends stops at the first iteration that finds
        // the flag set; with a tape, its reverse sweep replays all `N`
        // iterations, so the forward sweep runs them too (inert).
        let exit = match region.exit {
            Some(flag) if !taped => {
                let flag = &self.names.local[flag.index()];
                quote!(if #flag { break; })
            }
            _ => TokenStream::new(),
        };
        let pattern = if taped {
            index.to_token_stream()
        } else {
            self.loop_pattern(region)
        };
        let iter = self.opaque(&region.iter, &region.iter_uses);
        if let Some(fused) = fused {
            let (prelude, iteration, after_reverse) =
                (&fused.prelude, &fused.iteration, &fused.after);
            let body = self.forward_block(&region.body, Pullbacks::Active, None, plan);
            return quote! {
                #before
                #prelude
                for #pattern in #iter {
                    #exit
                    #body
                    #at_end
                    #iteration
                    #at_end_after_reverse
                }
                #after_reverse
                #after
            };
        }
        let body = self.forward_block(&region.body, Pullbacks::None, demand, plan);
        if let Some(state) = plan.checkpointed.get(&region.id) {
            // The state before each iteration (the carried values and the
            // iterator) is offered to the snapshots.
            let krate = &self.krate;
            let core = quote!(#krate::__private::core);
            let names = self.names.checkpointed(region.id);
            let (checkpoints, iterator, saved) =
                (&names.checkpoints, &names.iterator, &names.saved);
            let snapshots = &self.snapshots;
            let headers = state.iter().map(|header| {
                let header = &self.names.local[header.index()];
                quote!(#core::clone::Clone::clone(&#header))
            });
            return quote! {
                #before
                let mut #checkpoints = #krate::__private::Checkpoints::<_, #snapshots>::new();
                let mut #iterator = #core::iter::IntoIterator::into_iter(#iter);
                loop {
                    #exit
                    let #saved = #core::clone::Clone::clone(&#iterator);
                    let #core::option::Option::Some(#pattern) = #core::iter::Iterator::next(&mut #iterator) else {
                        break;
                    };
                    #checkpoints.record(&(#(#headers,)* #saved));
                    #body
                    #at_end
                }
                #after
            };
        }
        quote! {
            #before
            for #pattern in #iter {
                #exit
                #at_start
                #body
                #at_end
            }
            #after
        }
    }

    /// The code recomputing, at the start of a replayed branch, the values of
    /// `block` that its reverse sweep `reads` (and the pullbacks it calls),
    /// with the values they need from outside the block.
    pub(crate) fn recompute(
        &self,
        block: &Block,
        reads: &BTreeSet<ValueId>,
        pullbacks: &BTreeSet<ValueId>,
        plan: &Plan,
    ) -> (TokenStream, BTreeSet<ValueId>) {
        let mut demand = Demand {
            values: BTreeSet::new(),
            pullbacks: pullbacks.clone(),
        };
        let mut outer = reads.clone();
        outer.extend(pullbacks.iter().copied());
        self.demand(block, &mut outer, &mut demand.values);
        (
            self.forward_block(block, Pullbacks::None, Some(&demand), plan),
            outer,
        )
    }

    /// Moves from `wanted` to `found` every value `block` defines, adding
    /// what computing it needs to `wanted`.
    fn demand(&self, block: &Block, wanted: &mut BTreeSet<ValueId>, found: &mut BTreeSet<ValueId>) {
        for stmt in block.stmts.iter().rev() {
            match stmt {
                Stmt::Def(id) => {
                    if wanted.remove(id) {
                        found.insert(*id);
                        wanted.extend(self.function.value(*id).operands());
                        wanted.extend(self.function.value(*id).like);
                    }
                }
                Stmt::If(region) => {
                    let mut any = false;
                    for phi in &region.phis {
                        if wanted.remove(&phi.out) {
                            any = true;
                            found.insert(phi.out);
                            wanted.insert(phi.then_value);
                            wanted.insert(phi.else_value);
                        }
                    }
                    if any {
                        wanted.insert(region.condition);
                        self.demand(&region.then_block, wanted, found);
                        self.demand(&region.else_block, wanted, found);
                    }
                }
                Stmt::For(region) => {
                    if !region
                        .carried
                        .iter()
                        .any(|carried| wanted.contains(&carried.out))
                    {
                        continue;
                    }
                    let mut inner = BTreeSet::new();
                    for carried in &region.carried {
                        wanted.remove(&carried.out);
                        found.insert(carried.out);
                        found.insert(carried.header);
                        wanted.insert(carried.init);
                        inner.insert(carried.next);
                    }
                    self.demand(&region.body, &mut inner, found);
                    for (_, binding) in &region.bindings {
                        found.insert(*binding);
                        inner.remove(binding);
                    }
                    for carried in &region.carried {
                        inner.remove(&carried.header);
                    }
                    wanted.extend(inner);
                    wanted.extend(region.iter_uses.iter().map(|(_, value)| *value));
                }
                Stmt::Effect(_) => {}
            }
        }
    }
}
