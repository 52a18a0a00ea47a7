//! The workloads of the benchmarks (issue 7), each written twice: the way a
//! tapeless user writes it (`#[differentiable]` loss functions over the
//! runtime's layers and losses, or `for` loops over samples), and as a
//! careful person's hand-derived gradient with nalgebra, without allocation.
//! The root benchmarks (`benches/gradients.rs`) and the peer benchmarks
//! (`benches/peers/`) both include this file, so every suite measures the
//! same functions on the same data.
//!
//! * W1 `mlp_bce`: Linear(3,10)-ReLU-Linear(10,1)-Sigmoid, mean BCE over a
//!   batch of 20 (51 parameters), in `f64` and `f32`.
//! * W2 `quad_fit`: `a t² + b t + c` over 20 points, MSE.
//! * W3 `mlp_adam`: Linear(3,32)-ReLU-Linear(32,1), summed squared error
//!   over 100 samples (161 parameters), one Adam step.
//! * W4 `rosenbrock`: `Σ_{i<n-1} 100 (x_{i+1} - x_i²)² + (1 - x_i)²`
//!   (the chained extended Rosenbrock function, scipy's `rosen`), n = 2, 10, 100.
#![allow(
    dead_code,
    unreachable_pub,
    reason = "each suite uses part of the workloads, as a private module; some primals are only called through their siblings"
)]

use nalgebra::{SMatrix, SVector, Vector3};
use tapeless::differentiable;
use tapeless::loss::{self, Reduction};
use tapeless::nn::{self, Linear, Module, Relu, Sigmoid};
use tapeless::optim::{Adam, Optimizer, Sgd};

/// A deterministic generator of data in `[-1, 1)` (a 64-bit LCG).
pub struct Lcg(pub u64);

impl Lcg {
    /// The next number in `[-1, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 11) as f64) / ((1_u64 << 53) as f64) * 2.0 - 1.0
    }
}

/// W1 in one scalar type: the models, the tapeless losses, the hand-written
/// gradients and the SGD steps.
macro_rules! mlp_bce_workload {
    ($module:ident, $scalar:ty) => {
        pub mod $module {
            use super::*;

            /// The scalar of this instance of the workload.
            pub type T = $scalar;
            /// Samples per batch.
            pub const BATCH: usize = 20;
            /// The network ending in a sigmoid: probabilities.
            pub type Probabilities = (Linear<3, 10, T>, Relu, Linear<10, 1, T>, Sigmoid);
            /// The same network without the sigmoid: logits.
            pub type Logits = (Linear<3, 10, T>, Relu, Linear<10, 1, T>);
            /// Inputs, samples as columns.
            pub type Inputs = SMatrix<T, 3, BATCH>;
            /// Labels in {0, 1}.
            pub type Labels = SMatrix<T, 1, BATCH>;

            /// The workload's data and parameters.
            pub struct Data {
                pub probabilities: Probabilities,
                pub logits: Logits,
                pub x: Inputs,
                pub y: Labels,
                pub xs: [Vector3<T>; BATCH],
                pub ys: [T; BATCH],
            }

            /// Seeded parameters (PyTorch's initialisation) and data.
            pub fn data() -> Data {
                let first = Linear::<3, 10, T>::seeded(1);
                let second = Linear::<10, 1, T>::seeded(2);
                let mut rng = Lcg(7);
                let x = Inputs::from_fn(|_, _| rng.next_f64() as T);
                let y = Labels::from_fn(|_, j| {
                    let column = x.column(j);
                    if column[0] + 0.5 * column[1] - column[2] > 0.0 {
                        1.0
                    } else {
                        0.0
                    }
                });
                Data {
                    probabilities: (first, Relu, second, Sigmoid),
                    logits: (first, Relu, second),
                    x,
                    y,
                    xs: core::array::from_fn(|j| x.column(j).into_owned()),
                    ys: core::array::from_fn(|j| y[j]),
                }
            }

            // ---- tapeless, as a user writes it ------------------------------

            /// `nn.BCELoss()(model(x), y)` on the whole batch.
            #[differentiable]
            pub fn batch_bce(model: &Probabilities, x: &Inputs, y: &Labels) -> T {
                let probabilities = model.forward(x);
                loss::bce(&probabilities, y, Reduction::Mean)
            }

            /// `nn.BCEWithLogitsLoss()(model(x), y)` on the whole batch.
            #[differentiable]
            pub fn batch_bce_with_logits(model: &Logits, x: &Inputs, y: &Labels) -> T {
                let logits = model.forward(x);
                loss::bce_with_logits(&logits, y, Reduction::Mean)
            }

            /// The mean of per-sample BCE after a sigmoid, in a `for` loop.
            #[differentiable]
            pub fn loop_bce(model: &Logits, xs: &[Vector3<T>], ys: &[T]) -> T {
                let mut total = 0.0;
                for (x, y) in xs.iter().zip(ys.iter()) {
                    let logit = model.forward(x)[0];
                    let p = nn::sigmoid(logit);
                    total += loss::bce(&p, y, Reduction::Sum);
                }
                total / xs.len() as T
            }

            /// The mean of per-sample BCE on logits, in a `for` loop.
            #[differentiable]
            pub fn loop_bce_with_logits(model: &Logits, xs: &[Vector3<T>], ys: &[T]) -> T {
                let mut total = 0.0;
                for (x, y) in xs.iter().zip(ys.iter()) {
                    let logit = model.forward(x)[0];
                    total += loss::bce_with_logits(&logit, y, Reduction::Sum);
                }
                total / xs.len() as T
            }

            // ---- by hand ----------------------------------------------------

            /// PyTorch's BCE of one probability, logs clamped at -100.
            #[inline]
            fn bce_of(p: T, y: T) -> T {
                -(y * p.ln().max(-100.0) + (1.0 - y) * (-p).ln_1p().max(-100.0))
            }

            /// The loss alone, by hand.
            pub fn hand_forward(model: &Logits, x: &Inputs, y: &Labels) -> T {
                let (first, _, second) = model;
                let mut total = 0.0;
                for j in 0..BATCH {
                    let hidden = (first.weight * x.column(j) + first.bias).map(|z| z.max(0.0));
                    let logit = second.weight.dot(&hidden.transpose()) + second.bias[0];
                    let p = 1.0 / (1.0 + (-logit).exp());
                    total += bce_of(p, y[j]);
                }
                total / BATCH as T
            }

            /// The loss and its gradient by hand. `shortcut`: the algebraic
            /// `dL/dz = (p - y)/N`; otherwise BCE's derivative (PyTorch's,
            /// with its `1e-12` floor) times the sigmoid's, which is the
            /// function tapeless differentiates in `batch_bce`.
            #[inline]
            pub fn hand_grad<const SHORTCUT: bool>(
                model: &Logits,
                x: &Inputs,
                y: &Labels,
            ) -> (T, Logits) {
                let (first, _, second) = model;
                let mut weight1 = SMatrix::<T, 10, 3>::zeros();
                let mut bias1 = SVector::<T, 10>::zeros();
                let mut weight2 = SMatrix::<T, 1, 10>::zeros();
                let mut bias2 = 0.0;
                let mut total = 0.0;
                let scale = 1.0 / BATCH as T;
                for j in 0..BATCH {
                    let input = x.column(j);
                    let pre = first.weight * input + first.bias;
                    let hidden = pre.map(|z| z.max(0.0));
                    let logit = second.weight.dot(&hidden.transpose()) + second.bias[0];
                    let p = 1.0 / (1.0 + (-logit).exp());
                    let target = y[j];
                    total += bce_of(p, target);
                    let adjoint_logit = if SHORTCUT {
                        (p - target) * scale
                    } else {
                        let slope = p * (1.0 - p);
                        (p - target) / slope.max(1e-12) * scale * slope
                    };
                    bias2 += adjoint_logit;
                    weight2 += hidden.transpose() * adjoint_logit;
                    let adjoint_pre = second
                        .weight
                        .transpose()
                        .zip_map(&pre, |w, z| if z > 0.0 { w * adjoint_logit } else { 0.0 });
                    bias1 += adjoint_pre;
                    weight1.ger(1.0, &adjoint_pre, &input, 1.0);
                }
                let gradient = (
                    Linear::from_weights(weight1, bias1),
                    Relu,
                    Linear::from_weights(weight2, SVector::<T, 1>::new(bias2)),
                );
                (total * scale, gradient)
            }

            /// One plain SGD step by hand (`p -= lr g`), shortcut gradient.
            #[inline]
            pub fn hand_sgd_step(model: &mut Logits, x: &Inputs, y: &Labels, lr: T) -> T {
                let (value, gradient) = hand_grad::<true>(model, x, y);
                model.0.weight -= gradient.0.weight * lr;
                model.0.bias -= gradient.0.bias * lr;
                model.2.weight -= gradient.2.weight * lr;
                model.2.bias -= gradient.2.bias * lr;
                value
            }

            /// One `optim::Sgd` step on `batch_bce_with_logits`'s gradient.
            #[inline]
            pub fn sgd_step_with_logits(
                model: &mut Logits,
                optimizer: &mut Sgd<Logits>,
                x: &Inputs,
                y: &Labels,
            ) -> T {
                let (value, gradient) = batch_bce_with_logits_grad(model, x, y);
                optimizer.step(model, &gradient);
                value
            }

            /// One `optim::Sgd` step on `batch_bce`'s gradient.
            #[inline]
            pub fn sgd_step_bce(
                model: &mut Probabilities,
                optimizer: &mut Sgd<Probabilities>,
                x: &Inputs,
                y: &Labels,
            ) -> T {
                let (value, gradient) = batch_bce_grad(model, x, y);
                optimizer.step(model, &gradient);
                value
            }
        }
    };
}

mlp_bce_workload!(mlp_bce_f64, f64);
mlp_bce_workload!(mlp_bce_f32, f32);

// ---- W2: quadratic fit ------------------------------------------------------

/// W2's data: the fastai lecture's noiseless quadratic at t = 0..20.
pub fn quad_data() -> (Vector3<f64>, Vec<f64>, Vec<f64>) {
    let t: Vec<f64> = (0..20).map(f64::from).collect();
    let y = t
        .iter()
        .map(|t| 0.75 * (t - 9.5) * (t - 9.5) + 1.0)
        .collect();
    (Vector3::new(0.3, -0.2, 1.5), t, y)
}

/// MSE of `a t² + b t + c`.
#[differentiable]
pub fn quadratic_mse(p: &Vector3<f64>, t: &[f64], y: &[f64]) -> f64 {
    let mut total = 0.0;
    for (ti, yi) in t.iter().zip(y.iter()) {
        let prediction = p.x * (ti * ti) + p.y * ti + p.z;
        let residual = prediction - yi;
        total += residual * residual;
    }
    total / t.len() as f64
}

/// [`quadratic_mse`] and its gradient by hand.
#[inline]
pub fn quadratic_mse_hand(p: &Vector3<f64>, t: &[f64], y: &[f64]) -> (f64, Vector3<f64>) {
    let (mut total, mut da, mut db, mut dc) = (0.0, 0.0, 0.0, 0.0);
    for (ti, yi) in t.iter().zip(y) {
        let square = ti * ti;
        let residual = p.x * square + p.y * ti + p.z - yi;
        total += residual * residual;
        da += residual * square;
        db += residual * ti;
        dc += residual;
    }
    let n = t.len() as f64;
    let scale = 2.0 / n;
    (total / n, Vector3::new(da, db, dc) * scale)
}

/// The whole SGD run with the generated gradient (`p -= lr ∇`).
pub fn quad_fit_tapeless(mut p: Vector3<f64>, t: &[f64], y: &[f64], steps: usize) -> Vector3<f64> {
    for _ in 0..steps {
        let (_, gradient) = quadratic_mse_grad(&p, t, y);
        p -= gradient * 1e-5;
    }
    p
}

/// The whole SGD run with the hand-written gradient.
pub fn quad_fit_hand(mut p: Vector3<f64>, t: &[f64], y: &[f64], steps: usize) -> Vector3<f64> {
    for _ in 0..steps {
        let (_, gradient) = quadratic_mse_hand(&p, t, y);
        p -= gradient * 1e-5;
    }
    p
}

// ---- W3: 3-32-1 regression, Adam --------------------------------------------

/// Samples in W3's batch.
pub const REGRESSION_BATCH: usize = 100;
/// W3's network.
pub type Regressor = (Linear<3, 32, f64>, Relu, Linear<32, 1, f64>);
/// W3's inputs, samples as columns.
pub type RegressionInputs = SMatrix<f64, 3, REGRESSION_BATCH>;
/// W3's targets.
pub type RegressionTargets = SMatrix<f64, 1, REGRESSION_BATCH>;

/// W3's parameters and data (targets a smooth function of the inputs).
pub fn regression_data() -> (
    Regressor,
    RegressionInputs,
    RegressionTargets,
    Vec<Vector3<f64>>,
    Vec<f64>,
) {
    let model = (Linear::seeded(3), Relu, Linear::seeded(4));
    let mut rng = Lcg(11);
    let x = RegressionInputs::from_fn(|_, _| rng.next_f64());
    let y = RegressionTargets::from_fn(|_, j| {
        let c = x.column(j);
        (c[0] * 2.0).sin() + c[1] * c[2]
    });
    let xs = (0..REGRESSION_BATCH)
        .map(|j| x.column(j).into_owned())
        .collect();
    let ys = y.iter().copied().collect();
    (model, x, y, xs, ys)
}

/// `nn.MSELoss(reduction='sum')(model(x), y)` on the batch.
#[differentiable]
pub fn regression_batch(model: &Regressor, x: &RegressionInputs, y: &RegressionTargets) -> f64 {
    let prediction = model.forward(x);
    loss::mse(&prediction, y, Reduction::Sum)
}

/// The same loss as a `for` loop over samples.
#[differentiable]
pub fn regression_loop(model: &Regressor, xs: &[Vector3<f64>], ys: &[f64]) -> f64 {
    let mut total = 0.0;
    for (x, y) in xs.iter().zip(ys.iter()) {
        let error = model.forward(x)[0] - y;
        total += error * error;
    }
    total
}

/// The loss and its gradient by hand.
#[inline]
pub fn regression_hand(
    model: &Regressor,
    x: &RegressionInputs,
    y: &RegressionTargets,
) -> (f64, Regressor) {
    let (first, _, second) = model;
    let mut weight1 = SMatrix::<f64, 32, 3>::zeros();
    let mut bias1 = SVector::<f64, 32>::zeros();
    let mut weight2 = SMatrix::<f64, 1, 32>::zeros();
    let mut bias2 = 0.0;
    let mut total = 0.0;
    for j in 0..REGRESSION_BATCH {
        let input = x.column(j);
        let pre = first.weight * input + first.bias;
        let hidden = pre.map(|z| z.max(0.0));
        let error = second.weight.dot(&hidden.transpose()) + second.bias[0] - y[j];
        total += error * error;
        let adjoint_output = 2.0 * error;
        bias2 += adjoint_output;
        weight2 += hidden.transpose() * adjoint_output;
        let adjoint_pre = second
            .weight
            .transpose()
            .zip_map(&pre, |w, z| if z > 0.0 { w * adjoint_output } else { 0.0 });
        bias1 += adjoint_pre;
        weight1.ger(1.0, &adjoint_pre, &input, 1.0);
    }
    let gradient = (
        Linear::from_weights(weight1, bias1),
        Relu,
        Linear::from_weights(weight2, SVector::<f64, 1>::new(bias2)),
    );
    (total, gradient)
}

/// torch.optim.Adam's state and defaults (betas 0.9, 0.999, eps 1e-8), by hand.
#[derive(Clone)]
pub struct HandAdam {
    lr: f64,
    step: i32,
    first: Regressor,
    second: Regressor,
}

impl HandAdam {
    /// Zero moments.
    pub fn new(lr: f64) -> Self {
        let zero = (
            Linear::from_weights(SMatrix::zeros(), SVector::zeros()),
            Relu,
            Linear::from_weights(SMatrix::zeros(), SVector::zeros()),
        );
        Self {
            lr,
            step: 0,
            first: zero,
            second: zero,
        }
    }

    /// One Adam step of `params` along `grad`.
    #[inline]
    pub fn step(&mut self, params: &mut Regressor, grad: &Regressor) {
        self.step += 1;
        let (beta1, beta2, eps) = (0.9_f64, 0.999_f64, 1e-8);
        let correction1 = 1.0 - beta1.powi(self.step);
        let correction2_sqrt = (1.0 - beta2.powi(self.step)).sqrt();
        let step_size = self.lr / correction1;
        let update = |p: &mut [f64], g: &[f64], m: &mut [f64], v: &mut [f64]| {
            for (((p, g), m), v) in p.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
                *m = beta1 * *m + (1.0 - beta1) * g;
                *v = beta2 * *v + (1.0 - beta2) * g * g;
                *p -= step_size * *m / (v.sqrt() / correction2_sqrt + eps);
            }
        };
        let (m, v) = (&mut self.first, &mut self.second);
        update(
            params.0.weight.as_mut_slice(),
            grad.0.weight.as_slice(),
            m.0.weight.as_mut_slice(),
            v.0.weight.as_mut_slice(),
        );
        update(
            params.0.bias.as_mut_slice(),
            grad.0.bias.as_slice(),
            m.0.bias.as_mut_slice(),
            v.0.bias.as_mut_slice(),
        );
        update(
            params.2.weight.as_mut_slice(),
            grad.2.weight.as_slice(),
            m.2.weight.as_mut_slice(),
            v.2.weight.as_mut_slice(),
        );
        update(
            params.2.bias.as_mut_slice(),
            grad.2.bias.as_slice(),
            m.2.bias.as_mut_slice(),
            v.2.bias.as_mut_slice(),
        );
    }
}

/// One Adam step with the generated gradient of [`regression_batch`].
#[inline]
pub fn adam_step_batch(
    model: &mut Regressor,
    optimizer: &mut Adam<Regressor>,
    x: &RegressionInputs,
    y: &RegressionTargets,
) -> f64 {
    let (value, gradient) = regression_batch_grad(model, x, y);
    optimizer.step(model, &gradient);
    value
}

/// One Adam step with the generated gradient of [`regression_loop`].
#[inline]
pub fn adam_step_loop(
    model: &mut Regressor,
    optimizer: &mut Adam<Regressor>,
    xs: &[Vector3<f64>],
    ys: &[f64],
) -> f64 {
    let (value, gradient) = regression_loop_grad(model, xs, ys);
    optimizer.step(model, &gradient);
    value
}

/// One Adam step by hand.
#[inline]
pub fn adam_step_hand(
    model: &mut Regressor,
    optimizer: &mut HandAdam,
    x: &RegressionInputs,
    y: &RegressionTargets,
) -> f64 {
    let (value, gradient) = regression_hand(model, x, y);
    optimizer.step(model, &gradient);
    value
}

// ---- W4: Rosenbrock ---------------------------------------------------------

/// The chained extended Rosenbrock function.
#[differentiable]
pub fn rosenbrock<const N: usize>(x: &SVector<f64, N>) -> f64 {
    let mut total = 0.0;
    for i in 0..N - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        total += 100.0 * (a * a) + b * b;
    }
    total
}

/// [`rosenbrock`] and its gradient by hand, as carefully as we can write
/// it: the adjoint of `x[i + 1]` from term `i` stays in a register (`next`)
/// and becomes part of `x[i]`'s in the following iteration, so every
/// element of the gradient is written once and never read back (no
/// store-to-load dependency from one iteration to the next), and `x[i + 1]`
/// is loaded once. The bar of W4.
#[inline]
pub fn rosenbrock_hand<const N: usize>(x: &SVector<f64, N>) -> (f64, SVector<f64, N>) {
    let mut gradient = SVector::<f64, N>::zeros();
    let mut total = 0.0;
    let mut next = 0.0;
    let mut xi = x[0];
    for i in 0..N - 1 {
        let following = x[i + 1];
        let a = following - xi * xi;
        let b = 1.0 - xi;
        total += 100.0 * (a * a) + b * b;
        gradient[i] = next - 400.0 * a * xi - 2.0 * b;
        next = 200.0 * a;
        xi = following;
    }
    gradient[N - 1] = next;
    (total, gradient)
}

/// The same gradient in two passes (issue 16's careful version): the first
/// writes `g[i] = -400 a xᵢ - 2 b`, the second adds `200 a` to `g[i + 1]`
/// (each element read and written once per pass).
#[inline]
pub fn rosenbrock_hand_two_pass<const N: usize>(x: &SVector<f64, N>) -> (f64, SVector<f64, N>) {
    let mut gradient = SVector::<f64, N>::zeros();
    let mut total = 0.0;
    for i in 0..N - 1 {
        let xi = x[i];
        let a = x[i + 1] - xi * xi;
        let b = 1.0 - xi;
        total += 100.0 * (a * a) + b * b;
        gradient[i] = -400.0 * a * xi - 2.0 * b;
    }
    for i in 0..N - 1 {
        gradient[i + 1] += 200.0 * (x[i + 1] - x[i] * x[i]);
    }
    (total, gradient)
}

/// The textbook hand gradient: both updates of term `i` read, add to and
/// write the gradient in memory (`g[i + 1]` is read back by the next
/// iteration, a store-to-load dependency).
#[inline]
pub fn rosenbrock_hand_simple<const N: usize>(x: &SVector<f64, N>) -> (f64, SVector<f64, N>) {
    let mut gradient = SVector::<f64, N>::zeros();
    let mut total = 0.0;
    for i in 0..N - 1 {
        let xi = x[i];
        let a = x[i + 1] - xi * xi;
        let b = 1.0 - xi;
        total += 100.0 * (a * a) + b * b;
        gradient[i] += -400.0 * a * xi - 2.0 * b;
        gradient[i + 1] += 200.0 * a;
    }
    (total, gradient)
}

/// W4's point: alternating -1.2, 1.0 (the classic start).
pub fn rosenbrock_start<const N: usize>() -> SVector<f64, N> {
    SVector::from_fn(|i, _| if i % 2 == 0 { -1.2 } else { 1.0 })
}
