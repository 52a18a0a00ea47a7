//! `if` regions: the recorded condition selects the branch to replay; the
//! branch recomputes what its reverse sweep reads; adjoints of outer values
//! that only one branch touches are declared before the `if` and set to
//! zero in the other branch.

use super::{AdjointState, ReverseSweep};
use crate::ir::IfRegion;
use crate::loops::defined_in;
use crate::plan::{Contribution, How, Rev};
use quote::quote;
use std::collections::BTreeSet;

impl ReverseSweep<'_, '_> {
    /// The replay of an `if` region.
    pub(super) fn region(
        &mut self,
        region: &IfRegion,
        state: &mut AdjointState,
        out: &mut Vec<Rev>,
    ) {
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

    /// The reverse sweep of one branch: the phi adjoints flow to the
    /// branch's incoming values, then the branch's statements.
    pub(super) fn branch(
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
