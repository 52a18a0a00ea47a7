//! The computations of the tutorials, apart from their printing and plotting:
//! the examples call these functions and show the results, and
//! `tests/examples_output.rs` calls the same functions and compares the
//! results with PyTorch's runs in `tests/data/seeds.json`.
//!
//! Every gradient here comes from `#[differentiable]`; every update from
//! `tapeless::optim` and `tapeless::sched`.
#![allow(
    dead_code,
    reason = "each example uses only the tutorials it shows; the primals are also called through their generated siblings"
)]

use serde_json::Value;
use tapeless::loss::{self, Reduction};
use tapeless::nn::{Linear, Relu, Sigmoid};
use tapeless::optim::{Adagrad, Adam, Optimizer, RmsProp, Sgd};
use tapeless::prelude::*;
use tapeless::sched::ExponentialLr;

// ---- the tutorials' data, as PyTorch generated it ---------------------------------

/// `tests/data/seeds.json`: PyTorch's runs of the tutorials (its data,
/// initial weights and results), compiled into the examples.
const SEEDS: &str = include_str!("../../tests/data/seeds.json");

/// The case `name` of `seeds.json`.
#[must_use]
pub(crate) fn seed_case(name: &str) -> Value {
    let seeds: Value = serde_json::from_str(SEEDS).expect("seeds.json is valid JSON");
    seeds["cases"]
        .as_array()
        .expect("seeds.json has cases")
        .iter()
        .find(|case| case["name"] == name)
        .unwrap_or_else(|| panic!("seeds.json has no case `{name}`"))
        .clone()
}

/// All numbers of a nested JSON list, in row-major order.
#[must_use]
pub(crate) fn flat(value: &Value) -> Vec<f64> {
    match value {
        Value::Array(items) => items.iter().flat_map(flat).collect(),
        Value::Number(number) => vec![number.as_f64().expect("an f64")],
        other => panic!("not a number or a list: {other}"),
    }
}

/// A scalar parameter's run: `x[k]` and `y[k] = f(x[k])` before step `k`
/// (and after the last step), the loss step `k` minimised and the learning
/// rate it used. The layout of the `scalar_trajectory` cases of
/// `seeds.json`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Trajectory {
    /// The parameter: `x[0]` is x0, `x[k]` the value after `k` steps.
    pub(crate) x: Vec<f64>,
    /// `f(x[k])`.
    pub(crate) y: Vec<f64>,
    /// The loss computed in step `k`, before its update.
    pub(crate) loss: Vec<f64>,
    /// The learning rate of step `k`.
    pub(crate) lr: Vec<f64>,
}

/// Minimises a scalar loss from `x0` with `optimizer`, calling `schedule`
/// after each optimizer step (a scheduler's `step`, or nothing).
pub(crate) fn descend<O: Optimizer<f64> + ?Sized>(
    f: fn(f64) -> f64,
    loss_grad: fn(f64) -> (f64, f64),
    x0: f64,
    steps: usize,
    optimizer: &mut O,
    mut schedule: impl FnMut(&mut O),
) -> Trajectory {
    let mut x = x0;
    let mut run = Trajectory::default();
    for _ in 0..steps {
        run.x.push(x);
        run.y.push(f(x));
        let (loss, gradient) = loss_grad(x);
        run.loss.push(loss);
        run.lr.push(optimizer.lr());
        optimizer.step(&mut x, &gradient); // no zero_grad: the gradient is a value
        schedule(optimizer);
    }
    run.x.push(x);
    run.y.push(f(x));
    run
}

// ---- cube_root: the zero of x³ ---------------------------------------------------

/// f(x) = x³, whose zero the tutorial looks for.
#[differentiable]
pub(crate) fn cube(x: f64) -> f64 {
    x * x * x
}

/// |f(x) − 0|, written out.
#[differentiable]
pub(crate) fn cube_abs(x: f64) -> f64 {
    (cube(x) - 0.0).abs()
}

/// PyTorch's `L1Loss()(f(x), 0)`, with the runtime's loss.
#[differentiable]
pub(crate) fn cube_l1(x: f64) -> f64 {
    loss::l1(&cube(x), &0.0, Reduction::Mean)
}

/// The first half of the tutorial: descent written by hand on `cube_abs_grad`.
#[must_use]
pub(crate) fn cube_root_by_hand(steps: usize) -> Trajectory {
    let learning_rate = 0.01;
    let mut x = 8.0;
    let mut run = Trajectory::default();
    for _ in 0..steps {
        run.x.push(x);
        run.y.push(cube(x));
        let (loss, gradient) = cube_abs_grad(x);
        run.loss.push(loss);
        run.lr.push(learning_rate);
        x -= learning_rate * gradient;
    }
    run.x.push(x);
    run.y.push(cube(x));
    run
}

/// The second half: `optim::Sgd(lr = 0.01)` on `loss::l1`.
#[must_use]
pub(crate) fn cube_root_sgd(steps: usize) -> Trajectory {
    descend(cube, cube_l1_grad, 8.0, steps, &mut Sgd::new(0.01), |_| {})
}

// ---- exponential_lr: |x|·5 with a decaying learning rate ----------------------------

/// f(x) = |x|·5.
#[differentiable]
pub(crate) fn abs5(x: f64) -> f64 {
    x.abs() * 5.0
}

/// `L1Loss()(f(x), 0)`.
#[differentiable]
pub(crate) fn abs5_l1(x: f64) -> f64 {
    loss::l1(&abs5(x), &0.0, Reduction::Mean)
}

/// SGD with lr 0.5 and `ExponentialLR(gamma = 0.8)` from x0 = 8.
#[must_use]
pub(crate) fn exponential_lr(steps: usize) -> Trajectory {
    let mut sgd = Sgd::new(0.5);
    let mut scheduler = ExponentialLr::new(&mut sgd, 0.8);
    descend(abs5, abs5_l1_grad, 8.0, steps, &mut sgd, |sgd| {
        scheduler.step(sgd);
    })
}

// ---- curve_adam: a bumpy curve and four optimizers -------------------------------

/// f(x) = x²/20 + tanh(sin x): a parabola with bumps, minimised directly.
#[differentiable]
pub(crate) fn bumpy(x: f64) -> f64 {
    x * x / 20.0 + x.sin().tanh()
}

/// The tutorial's run (Adam, lr 2, 15 steps from x0 = 8) and the same
/// start with SGD, RMSprop and Adagrad, as `(name, trajectory)`.
#[must_use]
pub(crate) fn curve_runs(steps: usize) -> Vec<(&'static str, Trajectory)> {
    let run = |optimizer: &mut dyn Optimizer<f64>| {
        descend(bumpy, bumpy_grad, 8.0, steps, optimizer, |_| {})
    };
    vec![
        ("Adam(lr=2)", run(&mut Adam::new(2.0))),
        ("SGD(lr=2)", run(&mut Sgd::new(2.0))),
        ("RMSprop(lr=0.5)", run(&mut RmsProp::new(0.5))),
        ("Adagrad(lr=2)", run(&mut Adagrad::new(2.0))),
    ]
}

// ---- quadratic_fit: a t² + b t + c by gradient descent ------------------------------

/// Number of samples of the quadratic fit.
pub(crate) const SAMPLES: usize = 20;

/// A column of the quadratic fit's samples.
pub(crate) type Samples = SVector<f64, SAMPLES>;

/// The tutorial's data: times `t = 0..19` and the noisy signal
/// `0.75 (t − 9.5)² + 1 + 3·noise` that PyTorch drew.
#[derive(Clone, Debug)]
pub(crate) struct QuadraticData {
    /// The times.
    pub(crate) t: Samples,
    /// The times squared.
    pub(crate) t_squared: Samples,
    /// Ones, for the constant term.
    pub(crate) ones: Samples,
    /// The measured speeds.
    pub(crate) signal: Samples,
}

impl QuadraticData {
    /// The data PyTorch drew (stored in `seeds.json`).
    #[must_use]
    pub(crate) fn tutorial() -> Self {
        let case = seed_case("quadratic_fit");
        let t = Samples::from_column_slice(&flat(&case["t"]));
        Self {
            t,
            t_squared: t.component_mul(&t),
            ones: Samples::repeat(1.0),
            signal: Samples::from_column_slice(&flat(&case["signal"])),
        }
    }
}

/// The model `a t² + b t + c` at one time.
#[must_use]
pub(crate) fn quadratic(params: &Vector3<f64>, t: f64) -> f64 {
    params.x * (t * t) + params.y * t + params.z
}

/// `MSELoss()(a t² + b t + c, signal)` over the samples, with
/// `params = [a, b, c]`.
#[differentiable]
pub(crate) fn quadratic_mse(
    params: &Vector3<f64>,
    t: &Samples,
    t_squared: &Samples,
    ones: &Samples,
    signal: &Samples,
) -> f64 {
    let prediction = t_squared * params.x + t * params.y + ones * params.z;
    loss::mse(&prediction, signal, Reduction::Mean)
}

/// The same loss written as the lecture writes it, one sample at a time, for
/// data of any length: `mean((a t² + b t + c − y)²)`.
#[differentiable]
pub(crate) fn quadratic_mse_loop(params: &Vector3<f64>, t: &[f64], signal: &[f64]) -> f64 {
    let mut total = 0.0;
    for (t, y) in t.iter().zip(signal.iter()) {
        let residual = params.x * (t * t) + params.y * t + params.z - y;
        total += residual * residual;
    }
    total / t.len() as f64
}

/// The tutorial's fit: its data, its initial parameters (PyTorch's
/// `torch.randn(3)`) and plain SGD with lr 1e-5.
#[derive(Clone, Debug)]
pub(crate) struct QuadraticFit {
    /// The samples.
    pub(crate) data: QuadraticData,
    /// `[a, b, c]`.
    pub(crate) params: Vector3<f64>,
    /// The optimizer.
    pub(crate) sgd: Sgd<Vector3<f64>>,
}

impl QuadraticFit {
    /// The fit before its first step.
    #[must_use]
    pub(crate) fn tutorial() -> Self {
        let case = seed_case("quadratic_fit");
        Self {
            data: QuadraticData::tutorial(),
            params: Vector3::from_column_slice(&flat(&case["params0"])),
            sgd: Sgd::new(1e-5),
        }
    }

    /// One SGD step; returns the loss before it.
    #[inline]
    pub(crate) fn step(&mut self) -> f64 {
        let data = &self.data;
        let (loss, gradient) = quadratic_mse_grad(
            &self.params,
            &data.t,
            &data.t_squared,
            &data.ones,
            &data.signal,
        );
        self.sgd.step(&mut self.params, &gradient);
        loss
    }

    /// One SGD step on the gradient of the loop form
    /// ([`quadratic_mse_loop`]); returns the loss before it.
    #[inline]
    pub(crate) fn step_loop(&mut self) -> f64 {
        let data = &self.data;
        let (loss, gradient) =
            quadratic_mse_loop_grad(&self.params, data.t.as_slice(), data.signal.as_slice());
        self.sgd.step(&mut self.params, &gradient);
        loss
    }

    /// The loss at the current parameters.
    #[must_use]
    pub(crate) fn loss(&self) -> f64 {
        let data = &self.data;
        quadratic_mse(
            &self.params,
            &data.t,
            &data.t_squared,
            &data.ones,
            &data.signal,
        )
    }
}

// ---- the MLPs -------------------------------------------------------------------

/// A `Linear` layer with PyTorch's weights (`weight` row-major `[out, in]`).
fn linear<const IN: usize, const OUT: usize>(weight: &Value, bias: &Value) -> Linear<IN, OUT, f64> {
    Linear::from_weights(
        SMatrix::from_row_slice(&flat(weight)),
        SVector::from_column_slice(&flat(bias)),
    )
}

/// The value of the parameter `name` (`"0.weight"`, ...) in a list of
/// `named_parameters()`.
fn named<'a>(params: &'a Value, name: &str) -> &'a Value {
    &params
        .as_array()
        .expect("a parameter list")
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no parameter `{name}`"))["value"]
}

/// A batch of `B` samples with `N` features as the columns of an
/// `N × B` matrix, from PyTorch's `[B, N]` tensor.
fn columns<const N: usize, const B: usize>(value: &Value) -> SMatrix<f64, N, B> {
    SMatrix::from_column_slice(&flat(value))
}

/// `nn.Sequential(nn.Linear(3, 10), nn.ReLU(), nn.Linear(10, 1), nn.Sigmoid())`.
pub(crate) type Classifier = (Linear<3, 10, f64>, Relu, Linear<10, 1, f64>, Sigmoid);

/// The classifier's 20 samples, as columns.
pub(crate) type ClassifierInput = SMatrix<f64, 3, 20>;

/// Its 20 targets (0 or 1).
pub(crate) type ClassifierTarget = SMatrix<f64, 1, 20>;

/// `BCELoss()(model(x), y)`.
#[differentiable]
pub(crate) fn classifier_bce(model: &Classifier, x: &ClassifierInput, y: &ClassifierTarget) -> f64 {
    let probability = model.forward(x);
    loss::bce(&probability, y, Reduction::Mean)
}

/// The classifier with PyTorch's initial weights, and its data.
#[must_use]
pub(crate) fn classifier_tutorial() -> (Classifier, ClassifierInput, ClassifierTarget) {
    let case = seed_case("mlp_bce");
    let params = &case["initial_params"];
    let model = (
        linear(named(params, "0.weight"), named(params, "0.bias")),
        Relu,
        linear(named(params, "2.weight"), named(params, "2.bias")),
        Sigmoid,
    );
    (model, columns(&case["x"]), columns(&case["y"]))
}

/// Trains the classifier with `SGD(lr = 0.01)` for `steps` steps; returns
/// the loss before each step.
pub(crate) fn train_classifier(
    model: &mut Classifier,
    x: &ClassifierInput,
    y: &ClassifierTarget,
    steps: usize,
) -> Vec<f64> {
    let mut sgd = Sgd::new(0.01);
    (0..steps)
        .map(|_| {
            let (loss, gradient) = classifier_bce_grad(model, x, y);
            sgd.step(model, &gradient);
            loss
        })
        .collect()
}

/// The R torch post's regression network: `Linear(3, 32)`, ReLU, `Linear(32, 1)`.
pub(crate) type Regressor = (Linear<3, 32, f64>, Relu, Linear<32, 1, f64>);

/// The regression's 100 samples, as columns.
pub(crate) type RegressorInput = SMatrix<f64, 3, 100>;

/// Its 100 targets.
pub(crate) type RegressorTarget = SMatrix<f64, 1, 100>;

/// `MSELoss(reduction = 'sum')(model(x), y)`.
#[differentiable]
pub(crate) fn regressor_sse(model: &Regressor, x: &RegressorInput, y: &RegressorTarget) -> f64 {
    let prediction = model.forward(x);
    loss::mse(&prediction, y, Reduction::Sum)
}

/// The regressor with PyTorch's initial weights, and its data.
#[must_use]
pub(crate) fn regressor_tutorial() -> (Regressor, RegressorInput, RegressorTarget) {
    let case = seed_case("mlp_adam_regression");
    let params = &case["initial_params"];
    let model = (
        linear(named(params, "0.weight"), named(params, "0.bias")),
        Relu,
        linear(named(params, "2.weight"), named(params, "2.bias")),
    );
    (model, columns(&case["x"]), columns(&case["y"]))
}

/// Trains the regressor with `Adam(lr = 0.08)` for `epochs` full-batch
/// steps; returns the loss before each step.
pub(crate) fn train_regressor(
    model: &mut Regressor,
    x: &RegressorInput,
    y: &RegressorTarget,
    epochs: usize,
) -> Vec<f64> {
    let mut adam = Adam::new(0.08);
    (0..epochs)
        .map(|_| {
            let (loss, gradient) = regressor_sse_grad(model, x, y);
            adam.step(model, &gradient);
            loss
        })
        .collect()
}

/// The parameters of a two-`Linear` model in PyTorch's
/// `named_parameters()` order, each row-major, for comparison with
/// `seeds.json`.
#[must_use]
pub(crate) fn torch_order<const A: usize, const B: usize, const C: usize>(
    first: &Linear<A, B, f64>,
    second: &Linear<B, C, f64>,
) -> Vec<(&'static str, Vec<f64>)> {
    let row_major = |m: &dyn Fn(usize, usize) -> f64, rows: usize, cols: usize| {
        (0..rows)
            .flat_map(|r| (0..cols).map(move |c| (r, c)))
            .map(|(r, c)| m(r, c))
            .collect::<Vec<_>>()
    };
    vec![
        ("0.weight", row_major(&|r, c| first.weight[(r, c)], B, A)),
        ("0.bias", first.bias.as_slice().to_vec()),
        ("2.weight", row_major(&|r, c| second.weight[(r, c)], C, B)),
        ("2.bias", second.bias.as_slice().to_vec()),
    ]
}
