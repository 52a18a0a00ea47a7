//! Adjoints of places `x[i + k]` that a fused loop carries from one
//! iteration to the next in locals, instead of adding them in memory.
//!
//! A fused loop's reverse sweep adds the adjoint of each place it reads to
//! the per-unit gradient of the outer value, in memory. For a chain such
//! as `x[i + 1] - x[i] * x[i]`, the next iteration then reads back what
//! this one stored at `[i + 1]`: a store-to-load dependency from one
//! iteration to the next. When the loop visits distinct, consecutive
//! indices (`for i in a..b`, `a..=b`, or `.rev()` of one) and every
//! contribution of an iteration to that gradient is, at the top level of
//! the iteration, to a place `x[i + k]` at a constant offset `k`, the place
//! of the lowest offset (the highest for `.rev()`) is reached by no later
//! iteration: its adjoint is complete, and is stored once. The others are
//! carried in locals, each one step closer to complete in the next
//! iteration; after the loop, those left are stored at the places the last
//! iteration named. Every element of the gradient is then written once
//! (not read, as no other code adds to it) and nothing is read back.
//!
//! Before (`total += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2)`):
//! ```text
//! let mut unit_adj_of_x = Params::zero_like(x);
//! for i in 0..N - 1 {
//!     let v5 = i + 1;
//!     ...
//!     accumulate(&mut unit_adj_of_x[i], adj_of_v7);
//!     accumulate(&mut unit_adj_of_x[v5], adj_of_v6);
//! }
//! ```
//! After:
//! ```text
//! let mut unit_adj_of_x = Params::zero_like(x);
//! let mut carried_adj_of_x = zero_element(&unit_adj_of_x);
//! let mut last_i = None;
//! for i in 0..N - 1 {
//!     let v5 = i + 1;
//!     ...
//!     accumulate(&mut carried_adj_of_x, adj_of_v7);
//!     unit_adj_of_x[i] = carried_adj_of_x;
//!     carried_adj_of_x = adj_of_v6;
//!     last_i = Some(i);
//! }
//! if let Some(last_i) = last_i {
//!     unit_adj_of_x[last_i + 1] = carried_adj_of_x;
//! }
//! ```
//! Any other loop, or a gradient that other code adds to (a place at an
//! index that is not the loop's plus a constant, the whole value, a branch
//! or nested loop of the iteration), keeps adding in memory.

use super::{ReverseSweep, contributed};
use crate::ir::{ForRegion, ValueId};
use crate::loops::{MAX_CARRIED_SPREAD, Stride, index_offset, unit_stride_index};
use crate::plan::{Contribution, Rev};
use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;
use std::collections::{BTreeMap, BTreeSet};

/// What carrying adjoints adds around a fused loop.
#[derive(Default)]
pub(super) struct CarriedCode {
    /// Before the loop: the carried adjoints, and the last index.
    pub(super) prelude: TokenStream,
    /// After the loop: the carried adjoints stored at their places.
    pub(super) after: TokenStream,
}

/// One contribution of an iteration to a place `x[i + offset]`.
struct Placed {
    /// Its position in the iteration's code.
    position: usize,
    offset: i64,
    /// `[index]`, as the iteration writes it.
    place: TokenStream,
    adjoint: TokenStream,
}

impl ReverseSweep<'_, '_> {
    /// Rewrites `code`, the reverse sweep of one iteration of the fused
    /// loop `region`, so that the contributions to the per-unit gradients
    /// `sums` (target, local) at places `x[i + k]` are carried across
    /// iterations (see the module documentation); returns what goes before
    /// and after the loop.
    pub(super) fn carry_offset_adjoints(
        &self,
        region: &ForRegion,
        sums: &[(ValueId, Ident)],
        code: &mut Vec<Rev>,
    ) -> CarriedCode {
        let emitter = self.emitter;
        let krate = &emitter.krate;
        let mut carried_code = CarriedCode::default();
        let (Some((index, stride)), Some(last)) = (
            unit_stride_index(region),
            emitter.names.last_index(region.id),
        ) else {
            return carried_code;
        };
        let index_local = &emitter.names.local[index.index()];
        let mut removed = BTreeSet::new();
        let mut epilogue = TokenStream::new();
        let mut tails = TokenStream::new();
        for (target, unit) in sums {
            let Some(carried) = emitter.names.carried_adjoints(region.id, *target) else {
                continue;
            };
            let Some(placed) = self.placed_contributions(*target, index, code) else {
                continue;
            };
            let (Some(lowest), Some(highest)) = (
                placed.iter().map(|p| p.offset).min(),
                placed.iter().map(|p| p.offset).max(),
            ) else {
                continue;
            };
            let spread = highest - lowest;
            if spread > MAX_CARRIED_SPREAD {
                continue;
            }
            // The offsets in the order their places complete: `order[0]`
            // after this iteration, `order[j]` after `j` more.
            let order: Vec<i64> = (0..=spread)
                .map(|j| match stride {
                    Stride::Up => lowest + j,
                    Stride::Down => highest - j,
                })
                .collect();
            let mut by_offset: BTreeMap<i64, Vec<&Placed>> = BTreeMap::new();
            for p in &placed {
                by_offset.entry(p.offset).or_default().push(p);
                removed.insert(p.position);
            }
            let place_of = |offset: i64| -> TokenStream {
                by_offset.get(&offset).map_or_else(
                    || {
                        let shifted = shifted(index_local, offset);
                        quote!([#shifted])
                    },
                    |placed| placed[0].place.clone(),
                )
            };
            let adjoints = |offset: i64| -> Vec<&TokenStream> {
                by_offset
                    .get(&offset)
                    .map(|placed| placed.iter().map(|p| &p.adjoint).collect())
                    .unwrap_or_default()
            };
            let complete = place_of(order[0]);
            if spread == 0 {
                // Each iteration reaches its own place only: stored, not
                // added to.
                let adjoints = adjoints(order[0]);
                let (first, rest) = adjoints.split_first().expect("a contribution");
                epilogue.extend(quote!(#unit #complete = #first;));
                for adjoint in rest {
                    epilogue.extend(
                        quote!(#krate::__private::accumulate(&mut #unit #complete, #adjoint);),
                    );
                }
                continue;
            }
            let carried = &carried[..usize::try_from(spread).expect("a small spread")];
            for local in carried {
                carried_code
                    .prelude
                    .extend(quote!(let mut #local = #krate::__private::zero_element(&#unit);));
            }
            let first = &carried[0];
            for adjoint in adjoints(order[0]) {
                epilogue.extend(quote!(#krate::__private::accumulate(&mut #first, #adjoint);));
            }
            epilogue.extend(quote!(#unit #complete = #first;));
            for (j, offset) in order.iter().enumerate().skip(1) {
                let local = &carried[j - 1];
                let mut adjoints = adjoints(*offset).into_iter();
                let start = match carried.get(j) {
                    Some(next) => quote!(#next),
                    None => {
                        let first = adjoints.next().expect("the farthest offset has one");
                        quote!(#first)
                    }
                };
                epilogue.extend(quote!(#local = #start;));
                for adjoint in adjoints {
                    epilogue.extend(quote!(#krate::__private::accumulate(&mut #local, #adjoint);));
                }
                let shifted = shifted(last, *offset);
                tails.extend(quote!(#unit[#shifted] = #local;));
            }
        }
        if !tails.is_empty() {
            let option = quote!(#krate::__private::core::option::Option);
            carried_code
                .prelude
                .extend(quote!(let mut #last = #option::None;));
            epilogue.extend(quote!(#last = #option::Some(#index_local);));
            carried_code.after.extend(quote! {
                if let #option::Some(#last) = #last {
                    #tails
                }
            });
        }
        if removed.is_empty() {
            return carried_code;
        }
        let mut position = 0;
        code.retain(|_| {
            position += 1;
            !removed.contains(&(position - 1))
        });
        code.push(Rev::Code(epilogue));
        carried_code
    }

    /// The contributions of `code` to the per-unit gradient of `target`, if
    /// all of them are at the top level and to places at constant offsets
    /// from the loop's `index`.
    fn placed_contributions(
        &self,
        target: ValueId,
        index: ValueId,
        code: &[Rev],
    ) -> Option<Vec<Placed>> {
        let mut placed = Vec::new();
        for (position, rev) in code.iter().enumerate() {
            match rev {
                Rev::Contribute {
                    target: to,
                    contribution,
                    name: Some(_),
                    ..
                } if *to == target => {
                    let Contribution::Projected(place, adjoint, Some(at)) = contribution else {
                        return None;
                    };
                    placed.push(Placed {
                        position,
                        offset: index_offset(self.emitter.function, *at, index)?,
                        place: place.clone(),
                        adjoint: adjoint.clone(),
                    });
                }
                Rev::Contribute { target: to, .. } if *to == target => return None,
                Rev::If { .. } | Rev::Loop { .. } | Rev::Checkpointed { .. } => {
                    let mut found = BTreeSet::new();
                    contributed(std::slice::from_ref(rev), &mut found);
                    if found.contains(&target) {
                        return None;
                    }
                }
                Rev::Contribute { .. } | Rev::Code(_) | Rev::Declare(_) => {}
            }
        }
        Some(placed)
    }
}

/// `base`, `base + k` or `base - k`.
fn shifted(base: &Ident, offset: i64) -> TokenStream {
    let magnitude = Literal::u64_unsuffixed(offset.unsigned_abs());
    match offset {
        0 => quote!(#base),
        k if k > 0 => quote!(#base + #magnitude),
        _ => quote!(#base - #magnitude),
    }
}
