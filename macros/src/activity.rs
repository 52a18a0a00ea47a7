//! Activity analysis: which values need adjoint code.
//!
//! A value is *varied* when it depends, through differentiable operations,
//! on a differentiated parameter, and *useful* when the result depends on it
//! through differentiable operations. It is *active* when both hold: only
//! active values get adjoint code. Comparisons, casts to integers and other
//! piecewise-constant operations end dependence, so integer and boolean data
//! never become active, and neither does anything computed from data alone.

use crate::ctxt::Ctxt;
use crate::ir::{Block, ForRegion, Function, Op, Opacity, Stmt, ValueId};

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
        let mut regions = Regions {
            merges: vec![Vec::new(); count],
            loops: Vec::new(),
        };
        collect_regions(&function.body, &mut regions);
        let inputs: Vec<Vec<ValueId>> = (0..count)
            .map(|index| differentiable_inputs(function, index, &regions))
            .collect();

        // Operands precede users except around loops, so a forward pass
        // propagates variation, repeated until nothing changes...
        let mut varied = vec![false; count];
        loop {
            let mut changed = false;
            for (index, value) in function.values.iter().enumerate() {
                let now = match value.op {
                    Op::Param { index } => wrt.contains(&index),
                    _ => inputs[index].iter().any(|input| varied[input.index()]),
                };
                if now && !varied[index] {
                    varied[index] = true;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }

        // ...and a backward pass propagates usefulness the same way.
        let mut useful = vec![false; count];
        useful[function.result.value.index()] = true;
        loop {
            let mut changed = false;
            for index in (0..count).rev() {
                if !useful[index] {
                    continue;
                }
                for input in &inputs[index] {
                    if !useful[input.index()] {
                        useful[input.index()] = true;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }

        for region in &regions.loops {
            if let Some((ident, _)) = region
                .iter_uses
                .iter()
                .find(|(_, value)| varied[value.index()])
            {
                cx.error_spanned_by(
                    &region.iter,
                    format!(
                        "cannot iterate over `{ident}`, which is differentiated; loop over indices (`for i in 0..n`) and index it"
                    ),
                );
            }
        }

        let activity = Self { varied, useful };
        for (index, value) in function.values.iter().enumerate() {
            if let Op::Opaque {
                expr,
                opacity: Opacity::Unsupported(message) | Opacity::Binding(message),
                ..
            } = &value.op
            {
                if activity.is_active(ValueId::from_index(index)) {
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

/// What the regions of a function say about its values.
struct Regions<'f> {
    /// For phis, loop headers and loop outputs: the values they merge.
    merges: Vec<Vec<ValueId>>,
    loops: Vec<&'f ForRegion>,
}

fn collect_regions<'f>(block: &'f Block, regions: &mut Regions<'f>) {
    for stmt in &block.stmts {
        match stmt {
            Stmt::If(region) => {
                collect_regions(&region.then_block, regions);
                collect_regions(&region.else_block, regions);
                for phi in &region.phis {
                    regions.merges[phi.out.index()] = vec![phi.then_value, phi.else_value];
                }
            }
            Stmt::For(region) => {
                collect_regions(&region.body, regions);
                for carried in &region.carried {
                    regions.merges[carried.header.index()] = vec![carried.init, carried.next];
                    regions.merges[carried.out.index()] = vec![carried.header];
                }
                regions.loops.push(region);
            }
            Stmt::Def(_) | Stmt::Effect(_) => {}
        }
    }
}

/// The values whose adjoints the adjoint of value `index` flows into.
fn differentiable_inputs(function: &Function, index: usize, regions: &Regions<'_>) -> Vec<ValueId> {
    let value = &function.values[index];
    match &value.op {
        Op::Param { .. }
        | Op::Const { .. }
        | Op::LoopVar
        | Op::Opaque {
            opacity: Opacity::ZeroDerivative,
            ..
        } => Vec::new(),
        Op::Phi | Op::LoopHeader | Op::LoopOut => regions.merges[index].clone(),
        Op::Builtin {
            rule,
            receiver,
            args,
            ..
        } => std::iter::once(receiver)
            .chain(args)
            .zip(rule.operands)
            .filter(|(_, rule)| rule.is_some())
            .map(|(operand, _)| operand.value)
            .collect(),
        Op::Project { base, .. } => vec![base.value],
        _ => value.operands(),
    }
}
