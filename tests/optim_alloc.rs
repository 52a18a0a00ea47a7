//! A training step allocates nothing: 1 000 steps of every optimizer (and of
//! two schedulers) on a 51-parameter model, under a global allocator that
//! counts the allocations made by this thread.

use nalgebra::{SMatrix, SVector};
use tapeless::Params;
use tapeless::optim::{
    Adadelta, Adagrad, Adam, AdamW, Adamax, Lbfgs, LineSearch, NAdam, Optimizer, RAdam, RmsProp,
    Sgd,
};
use tapeless::sched::{CosineAnnealingLr, LrScheduler, OneCycleLr, OneCycleLrConfig};

/// Allocations made by `f` on this thread, counted by the `#[global_allocator]`
/// of the `allocation-counter` crate. (The workspace forbids `unsafe_code`,
/// which an allocator written here would need.)
fn allocations_in(f: impl FnOnce()) -> u64 {
    allocation_counter::measure(f).count_total
}

/// A 3-10-1 network's parameters: 30 + 10 + 10 + 1 = 51 scalars.
type Model = (
    SMatrix<f64, 10, 3>,
    SVector<f64, 10>,
    SMatrix<f64, 1, 10>,
    SVector<f64, 1>,
);

fn model() -> Model {
    let mut p = Model::zeros();
    let mut value = 0.1;
    for k in 0..Model::SLICES {
        for x in p.slice_mut(k) {
            *x = value;
            value = -value * 1.07;
        }
    }
    p
}

/// Value and gradient of `Σ wᵢ·(pᵢ − 1)²/2` with weights from 1 to 2.
fn objective(p: &Model) -> (f64, Model) {
    let mut grad = *p;
    let mut value = 0.0;
    let mut index = 0.0;
    for k in 0..Model::SLICES {
        for g in grad.slice_mut(k) {
            let weight = 1.0 + index / 50.0;
            value += 0.5 * weight * (*g - 1.0) * (*g - 1.0);
            *g = weight * (*g - 1.0);
            index += 1.0;
        }
    }
    (value, grad)
}

fn assert_steps_allocate_nothing(name: &str, mut opt: impl Optimizer<Model>) {
    let mut params = model();
    let (start, _) = objective(&params);
    let count = allocations_in(|| {
        for _ in 0..1000 {
            let (_, grad) = objective(&params);
            opt.step(&mut params, &grad);
        }
    });
    assert_eq!(count, 0, "{name}: {count} allocations in 1000 steps");
    assert_eq!(opt.step_count(), 1000);
    let (end, _) = objective(&params);
    assert!(end < start, "{name} made progress: {start} -> {end}");
}

#[test]
fn optimizer_steps_do_not_allocate() {
    assert_eq!(model().num_params(), 51);
    // Sanity check of the counter itself.
    assert!(allocations_in(|| drop(std::hint::black_box(vec![1_u8; 10]))) > 0);

    assert_steps_allocate_nothing("Sgd", Sgd::new(0.01));
    assert_steps_allocate_nothing("Sgd nesterov", Sgd::new(0.01).momentum(0.9).nesterov(true));
    assert_steps_allocate_nothing("Adam", Adam::new(0.01));
    assert_steps_allocate_nothing(
        "Adam amsgrad",
        Adam::new(0.01).amsgrad(true).weight_decay(0.01),
    );
    assert_steps_allocate_nothing("AdamW", AdamW::new(0.01));
    assert_steps_allocate_nothing("Adagrad", Adagrad::new(0.1));
    assert_steps_allocate_nothing("Adadelta", Adadelta::new(1.0));
    assert_steps_allocate_nothing("RmsProp", RmsProp::new(0.01).centered(true).momentum(0.5));
    assert_steps_allocate_nothing("NAdam", NAdam::new(0.01));
    assert_steps_allocate_nothing("RAdam", RAdam::new(0.01));
    assert_steps_allocate_nothing("Adamax", Adamax::new(0.01));
}

#[test]
fn schedulers_do_not_allocate() {
    let mut params = model();
    let mut opt = Sgd::new(0.01).momentum(0.9);
    let mut cosine = CosineAnnealingLr::new(&mut opt, 100, 0.0);
    let count = allocations_in(|| {
        for _ in 0..1000 {
            let (_, grad) = objective(&params);
            opt.step(&mut params, &grad);
            cosine.step(&mut opt);
        }
    });
    assert_eq!(count, 0, "CosineAnnealingLr: {count} allocations");

    let mut opt = Adam::new(0.01);
    let mut one_cycle = OneCycleLr::new(&mut opt, OneCycleLrConfig::new(0.05, 1000));
    let count = allocations_in(|| {
        for _ in 0..1000 {
            let (_, grad) = objective(&params);
            opt.step(&mut params, &grad);
            one_cycle.step(&mut opt);
        }
    });
    assert_eq!(count, 0, "OneCycleLr: {count} allocations");
}

#[test]
fn lbfgs_steps_do_not_allocate() {
    for line_search in [None, Some(LineSearch::StrongWolfe)] {
        let mut params = model();
        let mut lbfgs = Lbfgs::<Model, 10>::new(1.0).line_search_fn(line_search);
        let mut evaluations = 0;
        let count = allocations_in(|| {
            for _ in 0..1000 {
                lbfgs.step(&mut params, |p| {
                    evaluations += 1;
                    objective(p)
                });
            }
        });
        assert_eq!(count, 0, "Lbfgs {line_search:?}: {count} allocations");
        assert!(evaluations >= 1000 && evaluations == lbfgs.func_evals());
        let value = objective(&params).0;
        assert!(
            value < 1e-8,
            "Lbfgs {line_search:?} converged: {value:e} after {evaluations} evaluations"
        );
    }
}
