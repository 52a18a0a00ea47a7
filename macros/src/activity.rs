//! Activity analysis: which values need adjoint code.
//!
//! A value is *varied* when it depends, through differentiable operations,
//! on a differentiated parameter, and *useful* when the result depends on it
//! through differentiable operations. It is *active* when both hold: only
//! active values get adjoint code. Comparisons, casts to integers and other
//! piecewise-constant operations end dependence, so integer and boolean data
//! never become active, and neither does anything computed from data alone.

use crate::ctxt::Ctxt;
use crate::ir::{Block, Function, Op, Opacity, Stmt, ValueId};

/// The result of the analysis.
pub(crate) struct Activity {
    varied: Vec<bool>,
    useful: Vec<bool>,
}

impl Activity {
    /// Analyses `function` differentiated with respect to the parameters
    /// `wrt`, and reports in `cx` every unsupported operation that is active.
    pub(crate) fn analyse(cx: &Ctxt, function: &Function, wrt: &[usize]) -> Self {
        let count = function.values.len();
        let mut phi_inputs = vec![None; count];
        collect_phis(&function.body, &mut phi_inputs);

        // Operands precede users, so one forward pass propagates variation...
        let mut varied = vec![false; count];
        for (index, value) in function.values.iter().enumerate() {
            varied[index] = match &value.op {
                Op::Param { index } => wrt.contains(index),
                Op::Const { .. }
                | Op::Opaque {
                    opacity: Opacity::ZeroDerivative,
                    ..
                } => false,
                Op::Phi => {
                    let (then_value, else_value): (ValueId, ValueId) =
                        phi_inputs[index].expect("phi of a region");
                    varied[then_value.index()] || varied[else_value.index()]
                }
                Op::Builtin {
                    rule,
                    receiver,
                    args,
                    ..
                } => std::iter::once(receiver)
                    .chain(args)
                    .zip(rule.operands)
                    .any(|(operand, rule)| rule.is_some() && varied[operand.value.index()]),
                _ => value
                    .operands()
                    .iter()
                    .any(|operand| varied[operand.index()]),
            };
        }

        // ...and one backward pass propagates usefulness.
        let mut useful = vec![false; count];
        useful[function.result.value.index()] = true;
        for index in (0..count).rev() {
            if !useful[index] {
                continue;
            }
            match &function.values[index].op {
                Op::Opaque {
                    opacity: Opacity::ZeroDerivative,
                    ..
                }
                | Op::Const { .. }
                | Op::Param { .. } => {}
                Op::Phi => {
                    let (then_value, else_value) = phi_inputs[index].expect("phi of a region");
                    useful[then_value.index()] = true;
                    useful[else_value.index()] = true;
                }
                Op::Builtin {
                    rule,
                    receiver,
                    args,
                    ..
                } => {
                    for (operand, rule) in std::iter::once(receiver).chain(args).zip(rule.operands)
                    {
                        if rule.is_some() {
                            useful[operand.value.index()] = true;
                        }
                    }
                }
                other_op => {
                    let _ = other_op;
                    for operand in function.values[index].operands() {
                        useful[operand.index()] = true;
                    }
                }
            }
        }

        let activity = Self { varied, useful };
        for (index, value) in function.values.iter().enumerate() {
            if let Op::Opaque {
                expr,
                opacity: Opacity::Unsupported(message),
                ..
            } = &value.op
            {
                if activity.is_active(ValueId(
                    u32::try_from(index).expect("fewer than 2^32 values"),
                )) {
                    cx.error_spanned_by(expr, message);
                }
            }
        }
        activity
    }

    /// Whether `value` depends on a differentiated parameter.
    pub(crate) fn is_varied(&self, value: ValueId) -> bool {
        self.varied[value.index()]
    }

    /// Whether `value` needs adjoint code.
    pub(crate) fn is_active(&self, value: ValueId) -> bool {
        self.varied[value.index()] && self.useful[value.index()]
    }
}

fn collect_phis(block: &Block, phi_inputs: &mut [Option<(ValueId, ValueId)>]) {
    for stmt in &block.stmts {
        if let Stmt::If(region) = stmt {
            collect_phis(&region.then_block, phi_inputs);
            collect_phis(&region.else_block, phi_inputs);
            for phi in &region.phis {
                phi_inputs[phi.out.index()] = Some((phi.then_value, phi.else_value));
            }
        }
    }
}
