//! What the reverse sweep hands to emission: the adjoint statements as a
//! small tree ([`Rev`]) and a [`Plan`] of what the forward sweep must do for
//! them (store a loop's carried values, run a loop's reverse sweep inside
//! it). Data flows one way: `reverse` builds these, `emit` renders them.

use crate::ir::{LoopId, ValueId};
use proc_macro2::TokenStream;
use std::collections::BTreeMap;

/// How a contribution enters an adjoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum How {
    /// `let adj = c;` (first contribution in this scope)
    Let,
    /// `adj = c;` (first contribution to an adjoint declared before a region)
    Assign,
    /// `adj += c;`
    Accumulate,
    /// `adj = c;` replacing the adjoint (a loop's carried adjoint).
    Reassign,
}

/// What is contributed.
#[derive(Clone, Debug)]
pub(crate) enum Contribution {
    /// An expression of the adjoint's type.
    Plain(TokenStream),
    /// Its negation (`-c`, or `adj -= c`).
    Negated(TokenStream),
    /// A cotangent returned by a pullback (checked to be one), with the
    /// span of the argument it belongs to.
    Cotangent(TokenStream, proc_macro2::Span),
    /// Zero, of the type of the value named (the target itself, or a value
    /// of the same type that is at hand where the zero is written): an
    /// adjoint that a branch or loop does not touch, or that starts before
    /// a loop adds to it.
    Zero(ValueId),
    /// An adjoint for a place (`.field`, `[index]`) inside the target: the
    /// target's adjoint starts at zero and the place accumulates it. The
    /// third field is the index of a `[index]` place.
    Projected(TokenStream, TokenStream, Option<ValueId>),
}

/// A statement of the reverse sweep.
#[derive(Clone, Debug)]
pub(crate) enum Rev {
    /// Code that reads values (recomputation, pullback calls).
    Code(TokenStream),
    /// `let adj;`, for an adjoint set inside a region.
    Declare(ValueId),
    /// A contribution to the adjoint of a value.
    Contribute {
        target: ValueId,
        how: How,
        contribution: Contribution,
        /// Another adjoint variable to add to instead of the target's own
        /// (inside a fused loop: the per-unit gradient of the target).
        name: Option<proc_macro2::Ident>,
    },
    /// A replayed `for` loop: `for HEAD { body }`.
    Loop { head: TokenStream, body: Vec<Rev> },
    /// A checkpointed loop's reverse sweep:
    /// `checkpoints.reverse(|state| advance, |state| { unpack body })`.
    Checkpointed {
        /// The buffer of snapshots.
        checkpoints: proc_macro2::Ident,
        /// The closures' parameter.
        state: proc_macro2::Ident,
        /// The state after an iteration, from the state before it.
        advance: TokenStream,
        /// The state unpacked, and the item taken, before `body`:
        /// `let (x, iter) = state.clone(); if let Some(t) = iter.next()`.
        unpack: TokenStream,
        /// One iteration's reverse sweep.
        body: Vec<Rev>,
    },
    /// A replayed `if` region.
    If {
        condition: ValueId,
        then_branch: Vec<Rev>,
        else_branch: Vec<Rev>,
    },
}

/// A loop whose forward sweep also runs its reverse sweep (see
/// `ReverseSweep::fused_loop`).
#[derive(Clone, Debug)]
pub(crate) struct Fused {
    /// The declarations of the per-unit gradients, before the loop.
    pub(crate) prelude: TokenStream,
    /// The reverse sweep of one iteration, at the end of its body.
    pub(crate) iteration: TokenStream,
    /// What the reverse sweep leaves for after the loop (the adjoints it
    /// carried past the last iteration, stored).
    pub(crate) after: TokenStream,
    /// The accumulator's header: its update may come before the reverse
    /// sweep of the iteration, which never reads it; the other carried
    /// variables are updated after it, as it may recompute from them.
    pub(crate) accumulator: ValueId,
}

/// What the forward sweep must do for the reverse sweep, found while
/// generating it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Plan {
    /// Loop-carried values whose value at every iteration the forward sweep
    /// stores (in `tape_of_x: [_; N]`), with the trip count `N`.
    pub(crate) tapes: BTreeMap<ValueId, TokenStream>,
    /// Loops fused with their reverse sweep.
    pub(crate) fused: BTreeMap<LoopId, Fused>,
    /// Loops whose forward sweep records snapshots of their state, with the
    /// headers of the carried variables the state holds (besides the
    /// iterator).
    pub(crate) checkpointed: BTreeMap<LoopId, Vec<ValueId>>,
}

impl Plan {
    /// Adds what a sweep of an inner region planned.
    pub(crate) fn absorb(&mut self, inner: Plan) {
        self.tapes.extend(inner.tapes);
        self.fused.extend(inner.fused);
        self.checkpointed.extend(inner.checkpointed);
    }
}
