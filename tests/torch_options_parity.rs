//! Parity with PyTorch for the torch options beyond the public reference
//! set: `BCELoss(weight)`, `BCEWithLogitsLoss(weight)`,
//! `PoissonNLLLoss(eps)`, `ignore_index` for `CrossEntropyLoss` and
//! `NLLLoss`, `Linear(bias=False)`, `OneCycleLR(epochs, steps_per_epoch)`
//! and `LBFGS` driven by a learning-rate scheduler.
//!
//! The data, `tests/data/torch_options.json`, comes from
//! `scripts/reference/gen_torch_options.py` (the torch version is in its
//! header), built the way the public set is. A PyTorch `[N, C]` tensor is
//! our `C × N` matrix (samples as columns): our column-major storage is
//! PyTorch's row-major order. Tolerances are the reference README's: 1e-10
//! relative for single operations, 1e-8 along trajectories.

mod common;

use common::{assert_close_op, assert_close_trajectory, flat, reference};
use nalgebra::{SMatrix, SVector, Vector2};
use serde_json::Value;
use tapeless::Params;
use tapeless::loss::{self, Reduction};
use tapeless::nn::LinearNoBias;
use tapeless::optim::{Lbfgs, LearningRate, LineSearch, Optimizer, Sgd};
use tapeless::sched::{
    AnnealStrategy, ExponentialLr, LrScheduler, OneCycleLr, OneCycleLrConfig, StepLr,
};

fn data() -> Value {
    reference("torch_options.json")
}

fn section<'v>(data: &'v Value, section: &str, name: &str) -> &'v Value {
    data[section]
        .as_array()
        .expect("a section")
        .iter()
        .find(|case| case["name"] == name)
        .unwrap_or_else(|| panic!("no case {name} in {section}"))
}

fn reduction(case: &Value) -> Reduction {
    match case["args"]["reduction"].as_str().expect("reduction") {
        "mean" => Reduction::Mean,
        "sum" => Reduction::Sum,
        other => panic!("unexpected reduction {other}"),
    }
}

fn vector<const N: usize>(value: &Value) -> SVector<f64, N> {
    SVector::from_column_slice(&flat(value))
}

fn check<X: Params<Scalar = f64>>(case: &Value, value: f64, grad: &X) {
    let name = case["name"].as_str().expect("name");
    assert_close_op(&[value], &flat(&case["output"]), &format!("{name} value"));
    let mut flat_grad = vec![0.0; grad.num_params()];
    grad.copy_to_flat(&mut flat_grad);
    assert_close_op(
        &flat_grad,
        &flat(&case["grad_input"]),
        &format!("{name} grad"),
    );
}

/// Every case of one loss in the file, by the loss's torch name.
fn cases<'v>(data: &'v Value, loss: &str) -> Vec<&'v Value> {
    let found: Vec<_> = data["losses"]
        .as_array()
        .expect("losses")
        .iter()
        .filter(|case| case["loss"] == loss)
        .collect();
    assert!(!found.is_empty(), "no {loss} cases");
    found
}

#[test]
fn bce_with_weight() {
    let data = data();
    for case in cases(&data, "BCELoss") {
        let (x, t, w) = (
            vector::<8>(&case["input"]),
            vector::<8>(&case["target"]),
            vector::<8>(&case["args"]["weight"]),
        );
        let (value, pullback) = loss::bce_weighted_vjp(&x, &t, &w, reduction(case));
        assert_eq!(value, loss::bce_weighted(&x, &t, &w, reduction(case)));
        check(case, value, &pullback(1.0).0);
    }
}

#[test]
fn bce_with_logits_with_weight() {
    let data = data();
    for case in cases(&data, "BCEWithLogitsLoss") {
        let (x, t, w) = (
            vector::<8>(&case["input"]),
            vector::<8>(&case["target"]),
            vector::<8>(&case["args"]["weight"]),
        );
        let (value, pullback) = loss::bce_with_logits_weighted_vjp(&x, &t, &w, reduction(case));
        check(case, value, &pullback(1.0).0);
    }
}

#[test]
fn poisson_nll_with_eps() {
    let data = data();
    for case in cases(&data, "PoissonNLLLoss") {
        let args = &case["args"];
        let (x, t) = (vector::<8>(&case["input"]), vector::<8>(&case["target"]));
        let (log_input, full) = (
            args["log_input"].as_bool().expect("log_input"),
            args["full"].as_bool().expect("full"),
        );
        let eps = args["eps"].as_f64().expect("eps");
        let (value, pullback) =
            loss::poisson_nll_with_eps_vjp(&x, &t, log_input, full, eps, reduction(case));
        check(case, value, &pullback(1.0).0);
    }
}

fn classes<const B: usize>(value: &Value) -> [usize; B] {
    let list: Vec<usize> = value
        .as_array()
        .expect("targets")
        .iter()
        .map(|v| v.as_u64().expect("index") as usize)
        .collect();
    list.try_into().expect("batch size")
}

#[test]
fn cross_entropy_with_ignore_index() {
    let data = data();
    for case in cases(&data, "CrossEntropyLoss") {
        let args = &case["args"];
        let x = SMatrix::<f64, 4, 6>::from_column_slice(&flat(&case["input"]));
        let target = classes::<6>(&case["target"]);
        let ignore_index = args["ignore_index"].as_u64().expect("ignore_index") as usize;
        let weight = args["weight"]
            .as_array()
            .map(|_| vector::<4>(&args["weight"]));
        let smoothing = args["label_smoothing"].as_f64().expect("label_smoothing");
        let reduction = reduction(case);
        let (value, pullback) = loss::cross_entropy_ignore_index_vjp(
            &x,
            &target,
            ignore_index,
            weight.as_ref(),
            smoothing,
            reduction,
        );
        let plain = loss::cross_entropy_ignore_index(
            &x,
            &target,
            ignore_index,
            weight.as_ref(),
            smoothing,
            reduction,
        );
        assert_eq!(value, plain);
        check(case, value, &pullback(1.0).0);
    }
}

#[test]
fn nll_with_ignore_index() {
    let data = data();
    for case in cases(&data, "NLLLoss") {
        let args = &case["args"];
        let x = SMatrix::<f64, 3, 5>::from_column_slice(&flat(&case["input"]));
        let target = classes::<5>(&case["target"]);
        let ignore_index = args["ignore_index"].as_u64().expect("ignore_index") as usize;
        let weight = args["weight"]
            .as_array()
            .map(|_| vector::<3>(&args["weight"]));
        let (value, pullback) =
            loss::nll_ignore_index_vjp(&x, &target, ignore_index, weight.as_ref(), reduction(case));
        check(case, value, &pullback(1.0).0);
    }
}

/// A layer and its batch input from a `linear_case` (`[B, IN]` input, our
/// `IN × B`), checked: output, weight gradient, input gradient.
fn check_linear<const IN: usize, const OUT: usize, const B: usize>(case: &Value) {
    let name = case["name"].as_str().expect("name");
    assert!(case["bias"].is_null() && case["grad_bias"].is_null());
    // torch's weight is [OUT, IN] row-major: our OUT × IN, read by rows.
    let weight = SMatrix::<f64, OUT, IN>::from_row_slice(&flat(&case["weight"]));
    let layer = LinearNoBias::from_weight(weight);
    assert_eq!(layer.num_params(), IN * OUT);
    let x = SMatrix::<f64, IN, B>::from_column_slice(&flat(&case["input"]));
    let adjoint = SMatrix::<f64, OUT, B>::from_column_slice(&flat(&case["grad_output"]));
    let (y, pullback) = layer.forward_vjp(&x);
    assert_close_op(
        y.as_slice(),
        &flat(&case["output"]),
        &format!("{name} output"),
    );
    let (grad, grad_x) = pullback(adjoint);
    let grad_weight: Vec<f64> = (0..OUT)
        .flat_map(|o| (0..IN).map(move |i| (o, i)))
        .map(|(o, i)| grad.weight[(o, i)])
        .collect();
    assert_close_op(
        &grad_weight,
        &flat(&case["grad_weight"]),
        &format!("{name} grad_weight"),
    );
    assert_close_op(
        grad_x.as_slice(),
        &flat(&case["grad_input"]),
        &format!("{name} grad_input"),
    );
}

#[test]
fn linear_without_bias() {
    let data = data();
    check_linear::<3, 2, 4>(section(&data, "layers", "Linear_3_2_nobias_batch4"));
    check_linear::<4, 3, 1>(section(&data, "layers", "Linear_4_3_nobias_single"));
}

#[test]
fn one_cycle_from_epochs_and_steps_per_epoch() {
    let data = data();
    for (name, strategy) in [
        ("OneCycleLR_0.1_epochs4_steps5", AnnealStrategy::Cos),
        (
            "OneCycleLR_0.05_epochs3_steps4_linear",
            AnnealStrategy::Linear,
        ),
    ] {
        let case = section(&data, "schedulers", name);
        let args = &case["args"];
        let config = OneCycleLrConfig::with_epochs(
            args["max_lr"].as_f64().expect("max_lr"),
            args["epochs"].as_u64().expect("epochs") as usize,
            args["steps_per_epoch"].as_u64().expect("steps_per_epoch") as usize,
        )
        .anneal_strategy(strategy)
        .three_phase(args["three_phase"].as_bool().expect("three_phase"));
        let mut opt = Sgd::new(0.1).momentum(0.9);
        let mut schedule = OneCycleLr::new(&mut opt, config);
        let (mut lrs, mut momenta) = (
            vec![opt.lr()],
            vec![opt.momentum_or_beta1().expect("momentum")],
        );
        let mut x = 0.0_f64;
        for _ in 0..case["steps"].as_u64().expect("steps") {
            opt.step(&mut x, &0.0);
            schedule.step(&mut opt);
            lrs.push(opt.lr());
            momenta.push(opt.momentum_or_beta1().expect("momentum"));
        }
        assert_close_trajectory(&lrs, &flat(&case["lr"]), &format!("{name} lr"));
        assert_close_trajectory(
            &momenta,
            &flat(&case["momentum"]),
            &format!("{name} momentum"),
        );
    }
}

fn rosenbrock(p: &Vector2<f64>) -> (f64, Vector2<f64>) {
    let (x, y) = (p.x, p.y);
    let value = (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2);
    let grad = Vector2::new(
        -2.0 * (1.0 - x) - 400.0 * x * (y - x * x),
        200.0 * (y - x * x),
    );
    (value, grad)
}

/// Replays a case of `lbfgs`: an L-BFGS step, then the scheduler's step.
fn replay_lbfgs(
    case: &Value,
    mut lbfgs: Lbfgs<Vector2<f64>, 100>,
    mut schedule: impl LrScheduler<f64>,
) {
    let name = case["name"].as_str().expect("name");
    let mut p = Vector2::from_column_slice(&flat(&case["params"][0]));
    let (mut params, mut returns, mut lrs) = (p.as_slice().to_vec(), Vec::new(), vec![lbfgs.lr()]);
    for _ in 0..case["steps"].as_u64().expect("steps") {
        returns.push(lbfgs.step(&mut p, rosenbrock));
        schedule.step(&mut lbfgs);
        params.extend_from_slice(p.as_slice());
        lrs.push(lbfgs.lr());
    }
    assert_close_trajectory(&lrs, &flat(&case["lr"]), &format!("{name} lr"));
    assert_close_trajectory(&returns, &flat(&case["step_return"]), &format!("{name} f"));
    assert_close_trajectory(&params, &flat(&case["params"]), &format!("{name} params"));
}

#[test]
fn schedulers_drive_lbfgs() {
    let data = data();
    let case = section(&data, "lbfgs", "LBFGS_max_iter4_StepLR_2_0.5");
    let mut lbfgs = Lbfgs::<Vector2<f64>, 100>::new(1.0).max_iter(4);
    let schedule = StepLr::new(&mut lbfgs, 2, 0.5);
    replay_lbfgs(case, lbfgs, schedule);

    let case = section(
        &data,
        "lbfgs",
        "LBFGS_strong_wolfe_max_iter3_ExponentialLR_0.7",
    );
    let mut lbfgs = Lbfgs::<Vector2<f64>, 100>::new(1.0)
        .max_iter(3)
        .line_search_fn(Some(LineSearch::StrongWolfe));
    let schedule = ExponentialLr::new(&mut lbfgs, 0.7);
    replay_lbfgs(case, lbfgs, schedule);
}
