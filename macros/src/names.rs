//! Names of the generated locals: one per value (`y`, `y_1` after a
//! reassignment, `v7` for a temporary), its adjoint (`adj_of_y`), an active
//! call's pullback and cotangents, a loop's stored values (`tape_of_y`),
//! per-unit gradients of fused loops (`unit_adj_of_x`), loop indices and
//! forward-mode tangents (`tangent_of_y`).
//! Every name is fresh (a clash with the user's names or another generated
//! one gets a suffix) and carries `Span::mixed_site()` hygiene, so it can
//! neither capture nor shadow the user's names.

use crate::activity::Activity;
use crate::build::Param;
use crate::ir::{Function, LoopId, Op, Operand, ValueId};
use proc_macro2::{Ident, Span};
use quote::format_ident;
use std::collections::{HashMap, HashSet};

/// The names of one function's generated locals.
pub(crate) struct Names {
    /// The local holding each value.
    pub(crate) local: Vec<Ident>,
    /// The local holding each value's adjoint.
    pub(crate) adjoint: Vec<Ident>,
    /// The local holding each active call's pullback.
    pub(crate) pullback: Vec<Ident>,
    /// The record a method call `m.forward(&x)` keeps for its module's
    /// reverse pass (the split convention of `SplitModule`).
    pub(crate) record: Vec<Ident>,
    /// The cotangents each call's pullback returns, per argument.
    cotangents: HashMap<(ValueId, usize), Ident>,
    /// The per-unit gradient of an outer value in a fused loop, one name per
    /// loop and value (two loops adding to `x` sum into different locals).
    unit_adjoints: HashMap<(LoopId, ValueId), Ident>,
    /// The adjoints of places `x[i + k]` of an outer value that a fused
    /// loop carries to its next iteration, per loop and value (one local
    /// per offset: at most `MAX_CARRIED_SPREAD`).
    carried_adjoints: HashMap<(LoopId, ValueId), Vec<Ident>>,
    /// The last index a loop with carried adjoints visited (`last_i`).
    last_indices: HashMap<LoopId, Ident>,
    /// The local holding the per-iteration values of a carried variable.
    tapes: HashMap<ValueId, Ident>,
    /// The index of each `for _ in 0..N` loop (whose pattern names none).
    loop_indices: HashMap<LoopId, Ident>,
    /// The locals of each checkpointed loop.
    checkpointed: HashMap<LoopId, CheckpointNames>,
    /// The locals holding each value's tangents in forward mode: along `u`
    /// (`tangent_of_y`, the only one of `_jvp`), along `v`
    /// (`tangent_v_of_y`) and the second-order one (`tangent_uv_of_y`).
    pub(crate) tangent: [Vec<Ident>; 3],
    /// The directions `_jacobian`, `_hessian` and `_hvp` pass to the
    /// forward-mode siblings.
    pub(crate) directions: [Ident; 3],
    /// The lane indices of `_jvp2`'s tangents along `u` and `v`
    /// (`lane_u`, `lane_v`) and their numbers, its const parameters
    /// (`LANES_U`, `LANES_V`).
    pub(crate) lanes: [Ident; 2],
    /// See [`Names::lanes`].
    pub(crate) lane_counts: [Ident; 2],
}

/// The locals of a checkpointed loop (see `crate::loops::LoopFacts`).
#[derive(Clone)]
pub(crate) struct CheckpointNames {
    /// The snapshots of the loop's state (`checkpoints_of_loop0`).
    pub(crate) checkpoints: Ident,
    /// The loop's iterator, advanced by hand (`iter_of_loop0`).
    pub(crate) iterator: Ident,
    /// The iterator before an iteration takes its item.
    pub(crate) saved: Ident,
    /// The state a recomputation or a reverse step starts from.
    pub(crate) state: Ident,
}

/// The names taken so far.
struct Taken(HashSet<String>);

impl Taken {
    fn fresh(&mut self, wanted: &str) -> Ident {
        let mut name = wanted.to_owned();
        let mut suffix = 1;
        while !self.0.insert(name.clone()) {
            name = format!("{wanted}_{suffix}");
            suffix += 1;
        }
        Ident::new(&name, Span::mixed_site())
    }
}

impl Names {
    /// Names every generated local of `function`.
    pub(crate) fn new(function: &Function, activity: &Activity, params: &[Param]) -> Self {
        let mut taken = Taken(params.iter().map(|p| p.ident.to_string()).collect());
        let local: Vec<Ident> = function
            .values
            .iter()
            .enumerate()
            .map(|(index, value)| match (&value.op, &value.name) {
                (Op::Param { index }, _) => params[*index].ident.clone(),
                (_, Some(name)) => taken.fresh(name),
                (_, None) => taken.fresh(&format!("v{index}")),
            })
            .collect();
        let adjoint: Vec<Ident> = local
            .iter()
            .map(|name| taken.fresh(&format!("adj_of_{}", unraw(name))))
            .collect();
        let mut pullback = Vec::with_capacity(local.len());
        let mut record = Vec::with_capacity(local.len());
        let mut cotangents = HashMap::new();
        for (index, value) in function.values.iter().enumerate() {
            let arguments: Vec<Operand> = match &value.op {
                Op::Call { args, .. } => args.clone(),
                Op::MethodCall { receiver, args, .. } => std::iter::once(*receiver)
                    .chain(args.iter().copied())
                    .collect(),
                _ => {
                    pullback.push(format_ident!("unused_pullback"));
                    record.push(format_ident!("unused_record"));
                    continue;
                }
            };
            pullback.push(taken.fresh(&format!("{}_pullback", unraw(&local[index]))));
            record.push(if matches!(value.op, Op::MethodCall { .. }) {
                taken.fresh(&format!("record_of_{}", unraw(&local[index])))
            } else {
                format_ident!("unused_record")
            });
            for (position, argument) in arguments.iter().enumerate() {
                let argument_name = unraw(&local[argument.value.index()]);
                cotangents.insert(
                    (ValueId::from_index(index), position),
                    taken.fresh(&format!("cotangent_of_{argument_name}")),
                );
            }
        }
        let mut unit_adjoints = HashMap::new();
        let mut carried_adjoints = HashMap::new();
        let mut last_indices = HashMap::new();
        let mut tapes = HashMap::new();
        let mut loop_indices = HashMap::new();
        let mut checkpointed = HashMap::new();
        for region in crate::loops::all(&function.body) {
            let inside = crate::loops::interior(region);
            for (index, adjoint) in adjoint.iter().enumerate() {
                let id = ValueId::from_index(index);
                if !inside.contains(&id) && activity.is_varied(id) {
                    let name = taken.fresh(&format!("unit_{}", unraw(adjoint)));
                    unit_adjoints.insert((region.id, id), name);
                }
            }
            if let Some((index, _)) = crate::loops::unit_stride_index(region) {
                // The outer values the loop indexes (`x[i + 1]`).
                for id in &inside {
                    let Op::Project {
                        base,
                        projection: crate::ir::Projection::Index(_),
                    } = &function.value(*id).op
                    else {
                        continue;
                    };
                    let key = (region.id, base.value);
                    if inside.contains(&base.value)
                        || !activity.is_varied(base.value)
                        || carried_adjoints.contains_key(&key)
                    {
                        continue;
                    }
                    let wanted = format!("carried_{}", unraw(&adjoint[base.value.index()]));
                    let spread =
                        usize::try_from(crate::loops::MAX_CARRIED_SPREAD).expect("a small spread");
                    let names = (0..spread).map(|_| taken.fresh(&wanted)).collect();
                    carried_adjoints.insert(key, names);
                }
                let name = format!("last_{}", unraw(&local[index.index()]));
                last_indices.insert(region.id, taken.fresh(&name));
            }
            for carried in &region.carried {
                let header = carried.header;
                let name = taken.fresh(&format!("tape_of_{}", unraw(&local[header.index()])));
                tapes.insert(header, name);
            }
            if region.bindings.is_empty() {
                loop_indices.insert(region.id, taken.fresh("iteration"));
            }
            let id = region.id;
            checkpointed.insert(
                id,
                CheckpointNames {
                    checkpoints: taken.fresh(&format!("checkpoints_of_{id}")),
                    iterator: taken.fresh(&format!("iter_of_{id}")),
                    saved: taken.fresh(&format!("saved_iter_of_{id}")),
                    state: taken.fresh(&format!("state_of_{id}")),
                },
            );
        }
        let tangent = ["tangent_of_", "tangent_v_of_", "tangent_uv_of_"].map(|prefix| {
            local
                .iter()
                .map(|name| taken.fresh(&format!("{prefix}{}", unraw(name))))
                .collect()
        });
        let directions = [
            taken.fresh("direction_u"),
            taken.fresh("direction_v"),
            taken.fresh("direction"),
        ];
        let lanes = [taken.fresh("lane_u"), taken.fresh("lane_v")];
        let lane_counts = [taken.fresh("LANES_U"), taken.fresh("LANES_V")];
        Self {
            tangent,
            directions,
            lanes,
            lane_counts,
            local,
            adjoint,
            pullback,
            record,
            cotangents,
            unit_adjoints,
            carried_adjoints,
            last_indices,
            tapes,
            loop_indices,
            checkpointed,
        }
    }

    /// The locals of a checkpointed loop.
    pub(crate) fn checkpointed(&self, region: LoopId) -> CheckpointNames {
        self.checkpointed[&region].clone()
    }

    /// The sum of per-unit adjoints of the outer value `value` in the fused
    /// loop `region`.
    pub(crate) fn unit_adjoint(&self, region: LoopId, value: ValueId) -> Ident {
        self.unit_adjoints[&(region, value)].clone()
    }

    /// The adjoints of places of `value` that the fused loop `region`
    /// carries to its next iteration, if it indexes `value`.
    pub(crate) fn carried_adjoints(&self, region: LoopId, value: ValueId) -> Option<&[Ident]> {
        self.carried_adjoints
            .get(&(region, value))
            .map(Vec::as_slice)
    }

    /// The last index visited by the loop `region` (one with a unit stride).
    pub(crate) fn last_index(&self, region: LoopId) -> Option<&Ident> {
        self.last_indices.get(&region)
    }

    /// The cotangent of argument `position` that `call`'s pullback returns.
    pub(crate) fn cotangent(&self, call: ValueId, position: usize) -> Ident {
        self.cotangents[&(call, position)].clone()
    }

    /// The local holding the per-iteration values of a carried variable.
    pub(crate) fn tape(&self, header: ValueId) -> Ident {
        self.tapes[&header].clone()
    }

    /// The index of a `for _ in 0..N` loop.
    pub(crate) fn loop_index(&self, region: LoopId) -> Ident {
        self.loop_indices[&region].clone()
    }
}

/// The text of an identifier without its `r#`.
pub(crate) fn unraw(ident: &Ident) -> String {
    let text = ident.to_string();
    text.strip_prefix("r#")
        .map_or(text.clone(), ToOwned::to_owned)
}
