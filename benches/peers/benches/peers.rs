//! tapeless against its peers on the workloads of issue 7, in one run:
//! num-dual 0.15 (forward mode, one `DualSVec64<P>` per scalar, P the
//! number of parameters) and candle-core 0.9 (a tape: reverse mode over
//! dynamically shaped CPU tensors). The tapeless and hand-written functions
//! are those of the root suite (`benches/common/workloads.rs`).
//!
//! `cargo bench --manifest-path benches/peers/Cargo.toml`
#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented functions"
)]

use candle_core::{DType, Device, Tensor, Var};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use nalgebra::{SMatrix, SVector};
use num_dual::{DualNum, DualSVec64, gradient};
use std::hint::black_box;
use std::time::Duration;
use tapeless::optim::{Adam, Sgd};

#[path = "../../common/workloads.rs"]
mod workloads;
use workloads::*;

// ---- num-dual: the workloads over any dual number ----------------------------

/// PyTorch's BCE of one probability, logs clamped at -100.
fn dual_bce<D: DualNum<Primitive = f64> + Copy>(p: D, y: f64) -> D {
    let clamp = |v: D| if v < -100.0 { D::from(-100.0) } else { v };
    -(clamp(p.ln()) * y + clamp((-p).ln_1p()) * (1.0 - y))
}

/// W1 with the 51 parameters flattened: weight1 (10×3, column-major),
/// bias1, weight2, bias2.
fn dual_mlp_bce<D: DualNum<Primitive = f64> + Copy>(
    params: &[D],
    x: &SMatrix<f64, 3, 20>,
    y: &SMatrix<f64, 1, 20>,
) -> D {
    let (weight1, rest) = params.split_at(30);
    let (bias1, rest) = rest.split_at(10);
    let (weight2, bias2) = rest.split_at(10);
    let mut total = D::from(0.0);
    for j in 0..20 {
        let mut logit = bias2[0];
        for o in 0..10 {
            let mut pre = bias1[o];
            for i in 0..3 {
                pre += weight1[o + 10 * i] * x[(i, j)];
            }
            if pre > 0.0 {
                logit += weight2[o] * pre;
            }
        }
        let p = (D::from(1.0) + (-logit).exp()).recip();
        total += dual_bce(p, y[j]);
    }
    total / 20.0
}

/// W3 with the 161 parameters flattened as W1's.
fn dual_regression<D: DualNum<Primitive = f64> + Copy>(
    params: &[D],
    x: &RegressionInputs,
    y: &RegressionTargets,
) -> D {
    let (weight1, rest) = params.split_at(96);
    let (bias1, rest) = rest.split_at(32);
    let (weight2, bias2) = rest.split_at(32);
    let mut total = D::from(0.0);
    for j in 0..REGRESSION_BATCH {
        let mut output = bias2[0];
        for o in 0..32 {
            let mut pre = bias1[o];
            for i in 0..3 {
                pre += weight1[o + 32 * i] * x[(i, j)];
            }
            if pre > 0.0 {
                output += weight2[o] * pre;
            }
        }
        let error = output - y[j];
        total += error * error;
    }
    total
}

fn dual_quadratic_mse<D: DualNum<Primitive = f64> + Copy>(p: &[D], t: &[f64], y: &[f64]) -> D {
    let mut total = D::from(0.0);
    for (ti, yi) in t.iter().zip(y) {
        let residual = p[0] * (ti * ti) + p[1] * *ti + p[2] - *yi;
        total += residual * residual;
    }
    total / t.len() as f64
}

fn dual_rosenbrock<D: DualNum<Primitive = f64> + Copy>(x: &[D]) -> D {
    let mut total = D::from(0.0);
    for i in 0..x.len() - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = -x[i] + 1.0;
        total += a * a * 100.0 + b * b;
    }
    total
}

/// A layer's parameters, flattened as the num-dual functions expect.
fn flatten<const P: usize>(slices: &[&[f64]]) -> SVector<f64, P> {
    SVector::from_iterator(slices.iter().flat_map(|s| s.iter().copied()))
}

// ---- candle ----------------------------------------------------------------

fn tensor<const R: usize, const C: usize>(m: &SMatrix<f64, R, C>) -> Tensor {
    // Row-major R×C from nalgebra's column-major storage.
    let rows: Vec<f64> = (0..R)
        .flat_map(|r| (0..C).map(move |c| m[(r, c)]))
        .collect();
    Tensor::from_vec(rows, (R, C), &Device::Cpu).expect("tensor")
}

/// A two-layer network's parameters as candle variables (PyTorch's layout).
struct CandleMlp {
    weight1: Var,
    bias1: Var,
    weight2: Var,
    bias2: Var,
}

impl CandleMlp {
    fn new<const IN: usize, const H: usize>(
        first: &tapeless::nn::Linear<IN, H, f64>,
        second: &tapeless::nn::Linear<H, 1, f64>,
    ) -> Self {
        let var = |t: Tensor| Var::from_tensor(&t).expect("var");
        Self {
            weight1: var(tensor(&first.weight)),
            bias1: var(tensor(&first.bias.transpose())),
            weight2: var(tensor(&second.weight)),
            bias2: var(tensor(&second.bias.transpose())),
        }
    }

    fn vars(&self) -> [&Var; 4] {
        [&self.weight1, &self.bias1, &self.weight2, &self.bias2]
    }

    /// Outputs (batch × 1) for inputs (batch × IN).
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let hidden = x
            .matmul(&self.weight1.as_tensor().t()?)?
            .broadcast_add(self.bias1.as_tensor())?
            .relu()?;
        hidden
            .matmul(&self.weight2.as_tensor().t()?)?
            .broadcast_add(self.bias2.as_tensor())
    }

    /// W1's loss: BCE (logs clamped at -100) after a sigmoid, mean.
    fn bce(&self, x: &Tensor, y: &Tensor) -> candle_core::Result<Tensor> {
        let p = (self.forward(x)?.neg()?.exp()? + 1.0)?.recip()?;
        let log_p = p.log()?.maximum(-100.0)?;
        let log_not_p = p.affine(-1.0, 1.0)?.log()?.maximum(-100.0)?;
        let not_y = y.affine(-1.0, 1.0)?;
        ((y * log_p)? + (not_y * log_not_p)?)?.mean_all()?.neg()
    }

    /// W3's loss: summed squared error.
    fn squared_error(&self, x: &Tensor, y: &Tensor) -> candle_core::Result<Tensor> {
        (self.forward(x)? - y)?.sqr()?.sum_all()
    }

    /// The loss and the gradients of the four variables.
    fn gradient(&self, loss: &Tensor) -> candle_core::Result<[Tensor; 4]> {
        let grads = loss.backward()?;
        let get = |v: &Var| grads.get(v.as_tensor()).expect("a gradient").clone();
        Ok(self.vars().map(get))
    }
}

/// torch.optim.Adam (betas 0.9, 0.999, eps 1e-8) in candle tensor ops, as
/// candle-nn's AdamW without weight decay.
struct CandleAdam {
    lr: f64,
    step: i32,
    moments: Vec<(Var, Var)>,
}

impl CandleAdam {
    fn new(lr: f64, model: &CandleMlp) -> Self {
        let zeros = |v: &Var| Var::zeros(v.shape(), DType::F64, &Device::Cpu).expect("zeros");
        Self {
            lr,
            step: 0,
            moments: model.vars().iter().map(|v| (zeros(v), zeros(v))).collect(),
        }
    }

    fn step(&mut self, model: &CandleMlp, grads: &[Tensor; 4]) -> candle_core::Result<()> {
        self.step += 1;
        let (beta1, beta2, eps) = (0.9_f64, 0.999_f64, 1e-8);
        let correction1 = 1.0 - beta1.powi(self.step);
        let correction2 = 1.0 - beta2.powi(self.step);
        for ((var, grad), (m, v)) in model.vars().iter().zip(grads).zip(&self.moments) {
            let next_m = ((m.as_tensor() * beta1)? + (grad * (1.0 - beta1))?)?;
            let next_v = ((v.as_tensor() * beta2)? + (grad.sqr()? * (1.0 - beta2))?)?;
            let m_hat = (&next_m / correction1)?;
            let v_hat = (&next_v / correction2)?;
            let update = (m_hat / (v_hat.sqrt()? + eps)?)?;
            var.set(&var.as_tensor().sub(&(update * self.lr)?)?)?;
            m.set(&next_m)?;
            v.set(&next_v)?;
        }
        Ok(())
    }
}

// ---- the benchmarks --------------------------------------------------------

fn mlp_bce(c: &mut Criterion) {
    use mlp_bce_f64::*;
    let data = data();
    let (x, y, logits, probabilities) = (&data.x, &data.y, &data.logits, &data.probabilities);
    let params: SVector<f64, 51> = flatten(&[
        logits.0.weight.as_slice(),
        logits.0.bias.as_slice(),
        logits.2.weight.as_slice(),
        logits.2.bias.as_slice(),
    ]);
    let candle = CandleMlp::new(&logits.0, &logits.2);
    let (x_tensor, y_tensor) = (tensor(&x.transpose()), tensor(&y.transpose()));

    // The three agree on the value and the gradient.
    let (value, tapeless_gradient) = batch_bce_grad(probabilities, x, y);
    let (dual_value, dual_gradient) = gradient(|p| dual_mlp_bce(p.as_slice(), x, y), &params);
    let candle_loss = candle.bce(&x_tensor, &y_tensor).expect("loss");
    let candle_value: f64 = candle_loss.to_scalar().expect("scalar");
    let candle_bias2: Vec<f64> = candle.gradient(&candle_loss).expect("grads")[3]
        .flatten_all()
        .and_then(|t| t.to_vec1())
        .expect("vec");
    assert!((value - dual_value).abs() < 1e-12 && (value - candle_value).abs() < 1e-12);
    assert!((tapeless_gradient.2.bias[0] - dual_gradient[50]).abs() < 1e-12);
    assert!((tapeless_gradient.2.bias[0] - candle_bias2[0]).abs() < 1e-12);

    let mut group = c.benchmark_group("peers_w1_mlp_bce_f64");
    group.bench_function("gradient/tapeless_bce", |b| {
        b.iter(|| batch_bce_grad(black_box(probabilities), black_box(x), black_box(y)))
    });
    group.bench_function("gradient/tapeless_bce_with_logits", |b| {
        b.iter(|| batch_bce_with_logits_grad(black_box(logits), black_box(x), black_box(y)))
    });
    group.bench_function("gradient/hand_shortcut", |b| {
        b.iter(|| hand_grad::<true>(black_box(logits), black_box(x), black_box(y)))
    });
    group.bench_function("gradient/num_dual", |b| {
        b.iter(|| {
            gradient(
                |p: SVector<DualSVec64<51>, 51>| dual_mlp_bce(p.as_slice(), x, y),
                black_box(&params),
            )
        })
    });
    group.bench_function("gradient/candle", |b| {
        b.iter(|| {
            let loss = candle.bce(black_box(&x_tensor), black_box(&y_tensor))?;
            candle.gradient(&loss)
        })
    });
    group.bench_function("sgd_step/tapeless_bce", |b| {
        b.iter_batched_ref(
            || (*probabilities, Sgd::new(0.1)),
            |(model, optimizer)| sgd_step_bce(model, optimizer, black_box(x), black_box(y)),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("sgd_step/hand_shortcut", |b| {
        b.iter_batched_ref(
            || *logits,
            |model| hand_sgd_step(model, black_box(x), black_box(y), 0.1),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("sgd_step/candle", |b| {
        let model = CandleMlp::new(&logits.0, &logits.2);
        b.iter(|| -> candle_core::Result<()> {
            let loss = model.bce(black_box(&x_tensor), black_box(&y_tensor))?;
            let grads = model.gradient(&loss)?;
            for (var, grad) in model.vars().iter().zip(&grads) {
                var.set(&var.as_tensor().sub(&(grad * 0.1)?)?)?;
            }
            Ok(())
        })
    });
    group.finish();
}

fn quad_fit(c: &mut Criterion) {
    let (p, t, y) = quad_data();
    let device = Device::Cpu;
    let t_tensor = Tensor::from_slice(&t, 20, &device).expect("t");
    let y_tensor = Tensor::from_slice(&y, 20, &device).expect("y");
    let candle_p = Var::from_slice(p.as_slice(), 3, &device).expect("p");
    let candle_gradient = |p: &Var| -> candle_core::Result<Tensor> {
        let coefficients = p.as_tensor();
        let a = coefficients.narrow(0, 0, 1)?;
        let b = coefficients.narrow(0, 1, 1)?;
        let c = coefficients.narrow(0, 2, 1)?;
        let prediction = t_tensor
            .sqr()?
            .broadcast_mul(&a)?
            .add(&t_tensor.broadcast_mul(&b)?)?
            .broadcast_add(&c)?;
        let loss = (prediction - &y_tensor)?.sqr()?.mean_all()?;
        let grads = loss.backward()?;
        Ok(grads.get(coefficients).expect("a gradient").clone())
    };
    let candle_value: Vec<f64> = candle_gradient(&candle_p)
        .and_then(|g| g.to_vec1())
        .expect("gradient");
    let (_, tapeless_gradient) = quadratic_mse_grad(&p, &t, &y);
    assert!((candle_value[0] - tapeless_gradient[0]).abs() < 1e-9 * tapeless_gradient[0].abs());

    let mut group = c.benchmark_group("peers_w2_quad_fit");
    group.bench_function("gradient/tapeless", |b| {
        b.iter(|| quadratic_mse_grad(black_box(&p), black_box(&t), black_box(&y)))
    });
    group.bench_function("gradient/num_dual", |b| {
        b.iter(|| {
            gradient(
                |p: SVector<DualSVec64<3>, 3>| dual_quadratic_mse(p.as_slice(), &t, &y),
                black_box(&p),
            )
        })
    });
    group.bench_function("gradient/candle", |b| {
        b.iter(|| candle_gradient(black_box(&candle_p)))
    });
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("fit_1e6_steps/num_dual", |b| {
        b.iter(|| {
            let mut p = black_box(p);
            for _ in 0..1_000_000 {
                let (_, g) = gradient(
                    |p: SVector<DualSVec64<3>, 3>| dual_quadratic_mse(p.as_slice(), &t, &y),
                    &p,
                );
                p -= g * 1e-5;
            }
            p
        })
    });
    group.finish();
}

fn mlp_adam(c: &mut Criterion) {
    let (model, x, y, xs, ys) = regression_data();
    let params: SVector<f64, 161> = flatten(&[
        model.0.weight.as_slice(),
        model.0.bias.as_slice(),
        model.2.weight.as_slice(),
        model.2.bias.as_slice(),
    ]);
    let (x_tensor, y_tensor) = (tensor(&x.transpose()), tensor(&y.transpose()));
    let candle = CandleMlp::new(&model.0, &model.2);
    let (value, _) = regression_batch_grad(&model, &x, &y);
    let (dual_value, _) = gradient(
        |p: SVector<DualSVec64<161>, 161>| dual_regression(p.as_slice(), &x, &y),
        &params,
    );
    let candle_value: f64 = candle
        .squared_error(&x_tensor, &y_tensor)
        .and_then(|l| l.to_scalar())
        .expect("loss");
    assert!(
        (value - dual_value).abs() < 1e-9 * value && (value - candle_value).abs() < 1e-9 * value
    );

    let mut group = c.benchmark_group("peers_w3_mlp_adam");
    group.bench_function("gradient/tapeless_batch", |b| {
        b.iter(|| regression_batch_grad(black_box(&model), black_box(&x), black_box(&y)))
    });
    group.bench_function("gradient/tapeless_loop", |b| {
        b.iter(|| regression_loop_grad(black_box(&model), black_box(&xs), black_box(&ys)))
    });
    group.bench_function("gradient/hand", |b| {
        b.iter(|| regression_hand(black_box(&model), black_box(&x), black_box(&y)))
    });
    group.bench_function("gradient/candle", |b| {
        b.iter(|| {
            let loss = candle.squared_error(black_box(&x_tensor), black_box(&y_tensor))?;
            candle.gradient(&loss)
        })
    });
    group.bench_function("adam_step/tapeless_batch", |b| {
        b.iter_batched_ref(
            || (model, Adam::new(1e-3)),
            |(model, optimizer)| adam_step_batch(model, optimizer, black_box(&x), black_box(&y)),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("adam_step/tapeless_loop", |b| {
        b.iter_batched_ref(
            || (model, Adam::new(1e-3)),
            |(model, optimizer)| adam_step_loop(model, optimizer, black_box(&xs), black_box(&ys)),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("adam_step/hand", |b| {
        b.iter_batched_ref(
            || (model, HandAdam::new(1e-3)),
            |(model, optimizer)| adam_step_hand(model, optimizer, black_box(&x), black_box(&y)),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("adam_step/candle", |b| {
        let candle = CandleMlp::new(&model.0, &model.2);
        let mut optimizer = CandleAdam::new(1e-3, &candle);
        b.iter(|| -> candle_core::Result<()> {
            let loss = candle.squared_error(black_box(&x_tensor), black_box(&y_tensor))?;
            let grads = candle.gradient(&loss)?;
            optimizer.step(&candle, &grads)
        })
    });
    group.sample_size(20);
    group.bench_function("gradient/num_dual", |b| {
        b.iter(|| {
            gradient(
                |p: SVector<DualSVec64<161>, 161>| dual_regression(p.as_slice(), &x, &y),
                black_box(&params),
            )
        })
    });
    group.finish();
}

macro_rules! bench_rosenbrock {
    ($group:expr, $n:literal) => {{
        let x = rosenbrock_start::<$n>();
        let candle_x = Var::from_slice(x.as_slice(), $n, &Device::Cpu).expect("x");
        let candle_gradient = |x: &Var| -> candle_core::Result<Tensor> {
            let x = x.as_tensor();
            let head = x.narrow(0, 0, $n - 1)?;
            let tail = x.narrow(0, 1, $n - 1)?;
            let a = (tail - head.sqr()?)?;
            let b = head.affine(-1.0, 1.0)?;
            let loss = ((a.sqr()? * 100.0)? + b.sqr()?)?.sum_all()?;
            let grads = loss.backward()?;
            Ok(grads.get(x).expect("a gradient").clone())
        };
        let (_, expected) = rosenbrock_hand(&x);
        let (_, dual) = gradient(
            |x: SVector<DualSVec64<$n>, $n>| dual_rosenbrock(x.as_slice()),
            &x,
        );
        let from_candle: Vec<f64> = candle_gradient(&candle_x)
            .and_then(|g| g.to_vec1())
            .expect("gradient");
        assert!((dual - expected).norm() < 1e-9 * expected.norm());
        assert!(
            (SVector::<f64, $n>::from_vec(from_candle) - expected).norm() < 1e-9 * expected.norm()
        );
        $group.bench_function(concat!("n", $n, "/gradient/tapeless"), |b| {
            b.iter(|| rosenbrock_grad(black_box(&x)))
        });
        $group.bench_function(concat!("n", $n, "/gradient/hand"), |b| {
            b.iter(|| rosenbrock_hand(black_box(&x)))
        });
        $group.bench_function(concat!("n", $n, "/gradient/num_dual"), |b| {
            b.iter(|| {
                gradient(
                    |x: SVector<DualSVec64<$n>, $n>| dual_rosenbrock(x.as_slice()),
                    black_box(&x),
                )
            })
        });
        $group.bench_function(concat!("n", $n, "/gradient/candle"), |b| {
            b.iter(|| candle_gradient(black_box(&candle_x)))
        });
    }};
}

fn rosenbrock_group(c: &mut Criterion) {
    let mut group = c.benchmark_group("peers_w4_rosenbrock");
    bench_rosenbrock!(group, 2);
    bench_rosenbrock!(group, 10);
    bench_rosenbrock!(group, 100);
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = mlp_bce, quad_fit, mlp_adam, rosenbrock_group
}
criterion_main!(benches);
