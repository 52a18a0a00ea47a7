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
//!
//! One submodule per topic: [`def`] (the adjoint of each kind of value, and
//! of calls through their pullbacks), [`branch`] (`if` regions), [`loops`]
//! (`for` regions, by the kind [`crate::loops`] found), [`carry`] (adjoints
//! of places `x[i + k]` a fused loop carries across iterations).

mod branch;
mod carry;
mod def;
mod loops;

use crate::ir::{Block, Stmt, ValueId};
use crate::loops::Loops;
use crate::plan::{Contribution, How, Plan, Rev};
use crate::render::Emitter;
use proc_macro2::TokenStream;
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
    pub(super) fn child(&self) -> Self {
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
    pub(super) fn read(&mut self, value: ValueId, at: proc_macro2::Span) -> TokenStream {
        self.reads.insert(value);
        located_at(self.emitter.reference(value), at)
    }
}

/// The tokens with their location moved to `span` (their hygiene kept).
pub(crate) fn located_at(tokens: TokenStream, span: proc_macro2::Span) -> TokenStream {
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
pub(super) fn contributed(code: &[Rev], found: &mut BTreeSet<ValueId>) {
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
            Rev::Loop { body, .. } | Rev::Checkpointed { body, .. } => contributed(body, found),
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
            Rev::Loop { body, .. } | Rev::Checkpointed { body, .. } => {
                accumulated(body, found);
            }
            _ => {}
        }
    }
}
