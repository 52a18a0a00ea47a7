//! Generated gradients against hand-written ones, and against the forward
//! pass, in one run (issue 7). `cargo bench --bench gradients`; the peers
//! (num-dual, candle) are in `benches/peers/`. `scripts/bench.sh` runs both
//! and prints the README's table.
#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented functions"
)]

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use nalgebra::SVector;
use std::hint::black_box;
use std::time::Duration;
use tapeless::optim::{Adam, Sgd};

type SVector4 = SVector<f64, 4>;

#[path = "common/workloads.rs"]
mod workloads;
use workloads::*;

macro_rules! bench_mlp_bce {
    ($c:expr, $module:ident, $group:literal) => {{
        use $module::*;
        let data = data();
        let (x, y, xs, ys) = (&data.x, &data.y, &data.xs[..], &data.ys[..]);
        let (probabilities, logits) = (&data.probabilities, &data.logits);
        let mut group = $c.benchmark_group($group);
        group.bench_function("forward/tapeless_bce", |b| {
            b.iter(|| batch_bce(black_box(probabilities), black_box(x), black_box(y)))
        });
        group.bench_function("forward/tapeless_bce_with_logits", |b| {
            b.iter(|| batch_bce_with_logits(black_box(logits), black_box(x), black_box(y)))
        });
        group.bench_function("forward/tapeless_loop_bce", |b| {
            b.iter(|| loop_bce(black_box(logits), black_box(xs), black_box(ys)))
        });
        group.bench_function("forward/tapeless_loop_bce_with_logits", |b| {
            b.iter(|| loop_bce_with_logits(black_box(logits), black_box(xs), black_box(ys)))
        });
        group.bench_function("forward/hand", |b| {
            b.iter(|| hand_forward(black_box(logits), black_box(x), black_box(y)))
        });
        group.bench_function("gradient/tapeless_bce", |b| {
            b.iter(|| batch_bce_grad(black_box(probabilities), black_box(x), black_box(y)))
        });
        group.bench_function("gradient/tapeless_bce_with_logits", |b| {
            b.iter(|| batch_bce_with_logits_grad(black_box(logits), black_box(x), black_box(y)))
        });
        group.bench_function("gradient/tapeless_loop_bce", |b| {
            b.iter(|| loop_bce_grad(black_box(logits), black_box(xs), black_box(ys)))
        });
        group.bench_function("gradient/tapeless_loop_bce_with_logits", |b| {
            b.iter(|| loop_bce_with_logits_grad(black_box(logits), black_box(xs), black_box(ys)))
        });
        group.bench_function("gradient/hand_chain", |b| {
            b.iter(|| hand_grad::<false>(black_box(logits), black_box(x), black_box(y)))
        });
        group.bench_function("gradient/hand_shortcut", |b| {
            b.iter(|| hand_grad::<true>(black_box(logits), black_box(x), black_box(y)))
        });
        group.bench_function("sgd_step/tapeless_bce", |b| {
            b.iter_batched_ref(
                || (*probabilities, Sgd::new(0.1)),
                |(model, optimizer)| sgd_step_bce(model, optimizer, black_box(x), black_box(y)),
                BatchSize::SmallInput,
            )
        });
        group.bench_function("sgd_step/tapeless_bce_with_logits", |b| {
            b.iter_batched_ref(
                || (*logits, Sgd::new(0.1)),
                |(model, optimizer)| {
                    sgd_step_with_logits(model, optimizer, black_box(x), black_box(y))
                },
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
        group.finish();
    }};
}

fn mlp_bce(c: &mut Criterion) {
    bench_mlp_bce!(c, mlp_bce_f64, "w1_mlp_bce_f64");
    bench_mlp_bce!(c, mlp_bce_f32, "w1_mlp_bce_f32");
}

fn quad_fit(c: &mut Criterion) {
    let (p, t, y) = quad_data();
    let mut group = c.benchmark_group("w2_quad_fit");
    group.bench_function("forward/tapeless", |b| {
        b.iter(|| quadratic_mse(black_box(&p), black_box(&t), black_box(&y)))
    });
    group.bench_function("gradient/tapeless", |b| {
        b.iter(|| quadratic_mse_grad(black_box(&p), black_box(&t), black_box(&y)))
    });
    group.bench_function("gradient/hand", |b| {
        b.iter(|| quadratic_mse_hand(black_box(&p), black_box(&t), black_box(&y)))
    });
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("fit_1e6_steps/tapeless", |b| {
        b.iter(|| quad_fit_tapeless(black_box(p), black_box(&t), black_box(&y), 1_000_000))
    });
    group.bench_function("fit_1e6_steps/hand", |b| {
        b.iter(|| quad_fit_hand(black_box(p), black_box(&t), black_box(&y), 1_000_000))
    });
    group.finish();
}

fn mlp_adam(c: &mut Criterion) {
    let (model, x, y, xs, ys) = regression_data();
    let mut group = c.benchmark_group("w3_mlp_adam");
    group.bench_function("forward/tapeless_batch", |b| {
        b.iter(|| regression_batch(black_box(&model), black_box(&x), black_box(&y)))
    });
    group.bench_function("forward/tapeless_loop", |b| {
        b.iter(|| regression_loop(black_box(&model), black_box(&xs), black_box(&ys)))
    });
    group.bench_function("gradient/tapeless_batch", |b| {
        b.iter(|| regression_batch_grad(black_box(&model), black_box(&x), black_box(&y)))
    });
    group.bench_function("gradient/tapeless_loop", |b| {
        b.iter(|| regression_loop_grad(black_box(&model), black_box(&xs), black_box(&ys)))
    });
    group.bench_function("gradient/hand", |b| {
        b.iter(|| regression_hand(black_box(&model), black_box(&x), black_box(&y)))
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
    group.finish();
}

macro_rules! bench_rosenbrock {
    ($group:expr, $n:literal) => {{
        let x = rosenbrock_start::<$n>();
        // The gradients agree before any is timed.
        let (value, generated) = rosenbrock_grad(&x);
        for (hand_value, hand) in [
            rosenbrock_hand(&x),
            rosenbrock_hand_two_pass(&x),
            rosenbrock_hand_simple(&x),
        ] {
            assert!((value - hand_value).abs() <= 1e-12 * hand_value.abs());
            assert!((generated - hand).norm() <= 1e-12 * hand.norm());
        }
        $group.bench_function(concat!("n", $n, "/forward/tapeless"), |b| {
            b.iter(|| rosenbrock(black_box(&x)))
        });
        $group.bench_function(concat!("n", $n, "/gradient/tapeless"), |b| {
            b.iter(|| rosenbrock_grad(black_box(&x)))
        });
        $group.bench_function(concat!("n", $n, "/gradient/hand"), |b| {
            b.iter(|| rosenbrock_hand(black_box(&x)))
        });
        $group.bench_function(concat!("n", $n, "/gradient/hand_two_pass"), |b| {
            b.iter(|| rosenbrock_hand_two_pass(black_box(&x)))
        });
        $group.bench_function(concat!("n", $n, "/gradient/hand_simple"), |b| {
            b.iter(|| rosenbrock_hand_simple(black_box(&x)))
        });
    }};
}

fn rosenbrock_group(c: &mut Criterion) {
    let mut group = c.benchmark_group("w4_rosenbrock");
    bench_rosenbrock!(group, 2);
    bench_rosenbrock!(group, 10);
    bench_rosenbrock!(group, 100);
    group.finish();
}

/// Rat43 (NIST StRD): a residual and its Jacobian row, over the 15
/// observations, as a Gauss–Newton step accumulates them (JᵀJ and Jᵀr), by
/// `_grad` and by hand; one forward-mode direction by `_jvp` and by
/// num-dual's dual numbers; the exact Hessian of each residual by
/// `_hessian` (one pass) and by num-dual (10 hyper-dual passes, and one pass
/// of its `hessian`); and the Hessian-vector product.
mod rat43 {
    use nalgebra::{SMatrix, SVector};
    use num_dual::{Dual64, DualNum, HyperDual64};
    use tapeless::differentiable;

    pub(crate) const DATA: [(f64, f64); 15] = [
        (16.08, 1.0),
        (33.83, 2.0),
        (65.80, 3.0),
        (97.20, 4.0),
        (191.55, 5.0),
        (326.20, 6.0),
        (386.87, 7.0),
        (520.53, 8.0),
        (590.03, 9.0),
        (651.92, 10.0),
        (724.93, 11.0),
        (699.56, 12.0),
        (689.96, 13.0),
        (637.56, 14.0),
        (717.41, 15.0),
    ];

    pub(crate) fn b() -> SVector<f64, 4> {
        SVector::<f64, 4>::new(699.6, 5.277, 0.7596, 1.279)
    }

    #[differentiable(jvp, hessian)]
    #[allow(dead_code, reason = "called through its generated siblings")]
    pub(crate) fn residual(b: &SVector<f64, 4>, x: f64, y: f64) -> f64 {
        b[0] / (1.0 + (b[1] - b[2] * x).exp()).powf(1.0 / b[3]) - y
    }

    /// The residual with the power written as the hand-optimized row
    /// computes it, `exp(−ln d/b₄)`.
    #[differentiable]
    #[allow(dead_code, reason = "called through its generated siblings")]
    pub(crate) fn residual_exp_ln(b: &SVector<f64, 4>, x: f64, y: f64) -> f64 {
        b[0] * (-(1.0 + (b[1] - b[2] * x).exp()).ln() / b[3]).exp() - y
    }

    /// The Jacobian row by hand, keeping `powf`.
    #[inline]
    pub(crate) fn hand(b: &SVector<f64, 4>, x: f64, y: f64) -> (f64, SVector<f64, 4>) {
        let e = (b[1] - b[2] * x).exp();
        let d = 1.0 + e;
        let p = d.powf(-1.0 / b[3]);
        let r = b[0] * p - y;
        let d1 = -b[0] * p * e / (b[3] * d);
        (
            r,
            SVector::<f64, 4>::new(p, d1, -x * d1, b[0] * p * d.ln() / (b[3] * b[3])),
        )
    }

    /// The Jacobian row by hand, the power as `exp(−ln d/b₄)` and the
    /// subexpressions shared.
    #[inline]
    pub(crate) fn hand_optimized(b: &SVector<f64, 4>, x: f64, y: f64) -> (f64, SVector<f64, 4>) {
        let e = (b[1] - b[2] * x).exp();
        let d = 1.0 + e;
        let ln_d = d.ln();
        let inverse_b3 = 1.0 / b[3];
        let p = (-ln_d * inverse_b3).exp();
        let b0p = b[0] * p;
        let d1 = -b0p * inverse_b3 * e / d;
        (
            b0p - y,
            SVector::<f64, 4>::new(p, d1, -x * d1, b0p * ln_d * inverse_b3 * inverse_b3),
        )
    }

    /// JᵀJ and Jᵀr from a residual-and-row function.
    #[inline]
    pub(crate) fn normal_equations(
        row: impl Fn(&SVector<f64, 4>, f64, f64) -> (f64, SVector<f64, 4>),
        b: &SVector<f64, 4>,
    ) -> (SMatrix<f64, 4, 4>, SVector<f64, 4>) {
        let mut jtj = SMatrix::<f64, 4, 4>::zeros();
        let mut jtr = SVector::<f64, 4>::zeros();
        for (y, x) in DATA {
            let (r, g) = row(b, x, y);
            jtj += g * g.transpose();
            jtr += g * r;
        }
        (jtj, jtr)
    }

    fn generic<D: DualNum<Primitive = f64> + Copy>(b: [D; 4], x: f64, y: f64) -> D {
        // xᵖ as exp(p·ln x): num-dual's `powf` takes a constant exponent.
        let base = (b[1] - b[2] * x).exp() + 1.0;
        b[0] / (base.ln() / b[3]).exp() - y
    }

    /// One direction along the data, by `_jvp`.
    pub(crate) fn jvp_tapeless(b: &SVector<f64, 4>, direction: &SVector<f64, 4>) -> f64 {
        DATA.iter()
            .map(|(y, x)| {
                residual_jvp(
                    b,
                    *x,
                    *y,
                    direction,
                    tapeless::NoTangent,
                    tapeless::NoTangent,
                )
                .1
            })
            .sum()
    }

    /// One direction along the data, by num-dual's dual numbers.
    pub(crate) fn jvp_num_dual(b: &SVector<f64, 4>, direction: &SVector<f64, 4>) -> f64 {
        let dual: [Dual64; 4] = core::array::from_fn(|k| Dual64::new(b[k], direction[k]));
        DATA.iter().map(|(y, x)| generic(dual, *x, *y).eps).sum()
    }

    /// Σ of the residuals' Hessians, by `_hessian`.
    pub(crate) fn hessian_tapeless(b: &SVector<f64, 4>) -> SMatrix<f64, 4, 4> {
        DATA.iter()
            .map(|(y, x)| residual_hessian(b, *x, *y).2)
            .sum()
    }

    /// Σ of the residuals' Hessians, by hyper-dual numbers (10 passes, one
    /// per pair of coordinates).
    pub(crate) fn hessian_num_dual(b: &SVector<f64, 4>) -> SMatrix<f64, 4, 4> {
        let mut total = SMatrix::<f64, 4, 4>::zeros();
        for (y, x) in DATA {
            for i in 0..4 {
                for j in i..4 {
                    let dual: [HyperDual64; 4] = core::array::from_fn(|k| {
                        HyperDual64::new(
                            b[k],
                            f64::from(u8::from(k == i)),
                            f64::from(u8::from(k == j)),
                            0.0,
                        )
                    });
                    let second = generic(dual, x, y).eps1eps2;
                    total[(i, j)] += second;
                    if i != j {
                        total[(j, i)] += second;
                    }
                }
            }
        }
        total
    }

    /// Σ of the residuals' Hessians, by num-dual's `hessian` (one pass of
    /// `Dual2SVec64<4>` numbers: gradient and Hessian carried together).
    pub(crate) fn hessian_num_dual_one_pass(b: &SVector<f64, 4>) -> SMatrix<f64, 4, 4> {
        DATA.iter()
            .map(|(y, x)| {
                num_dual::hessian(
                    |b: SVector<num_dual::Dual2SVec64<4>, 4>| {
                        generic([b[0], b[1], b[2], b[3]], *x, *y)
                    },
                    b,
                )
                .2
            })
            .sum()
    }

    /// Σ of the residuals' Hessian-vector products, by `_hvp`.
    pub(crate) fn hvp_tapeless(b: &SVector<f64, 4>, v: &SVector<f64, 4>) -> SVector<f64, 4> {
        DATA.iter().map(|(y, x)| residual_hvp(b, *x, *y, v).2).sum()
    }

    /// Σ of the residuals' gradients, by `_grad` (the HVP's yardstick).
    pub(crate) fn gradient_tapeless(b: &SVector<f64, 4>) -> SVector<f64, 4> {
        DATA.iter().map(|(y, x)| residual_grad(b, *x, *y).1).sum()
    }
}

fn rat43_group(c: &mut Criterion) {
    let b = rat43::b();
    let direction = SVector4::new(0.1, -0.2, 0.3, 0.4);
    // The siblings agree with the hand derivative and with num-dual.
    let (generated, hand) = (
        rat43::normal_equations(rat43::residual_grad, &b),
        rat43::normal_equations(rat43::hand_optimized, &b),
    );
    assert!((generated.0 - hand.0).norm() <= 1e-9 * hand.0.norm());
    let (ours, theirs) = (rat43::hessian_tapeless(&b), rat43::hessian_num_dual(&b));
    assert!((ours - theirs).norm() <= 1e-10 * theirs.norm());
    let one_pass = rat43::hessian_num_dual_one_pass(&b);
    assert!((ours - one_pass).norm() <= 1e-10 * one_pass.norm());
    let mut group = c.benchmark_group("rat43");
    group.bench_function("jacobian_rows/tapeless_grad", |bench| {
        bench.iter(|| rat43::normal_equations(rat43::residual_grad, black_box(&b)));
    });
    group.bench_function("jacobian_rows/tapeless_grad_exp_ln", |bench| {
        bench.iter(|| rat43::normal_equations(rat43::residual_exp_ln_grad, black_box(&b)));
    });
    group.bench_function("jacobian_rows/hand_powf", |bench| {
        bench.iter(|| rat43::normal_equations(rat43::hand, black_box(&b)));
    });
    group.bench_function("jacobian_rows/hand_optimized", |bench| {
        bench.iter(|| rat43::normal_equations(rat43::hand_optimized, black_box(&b)));
    });
    group.bench_function("jvp/tapeless", |bench| {
        bench.iter(|| rat43::jvp_tapeless(black_box(&b), black_box(&direction)));
    });
    group.bench_function("jvp/num_dual", |bench| {
        bench.iter(|| rat43::jvp_num_dual(black_box(&b), black_box(&direction)));
    });
    group.bench_function("gradient/tapeless", |bench| {
        bench.iter(|| rat43::gradient_tapeless(black_box(&b)));
    });
    group.bench_function("hvp/tapeless", |bench| {
        bench.iter(|| rat43::hvp_tapeless(black_box(&b), black_box(&direction)));
    });
    group.bench_function("hessian/tapeless", |bench| {
        bench.iter(|| rat43::hessian_tapeless(black_box(&b)));
    });
    group.bench_function("hessian/num_dual_hyperdual", |bench| {
        bench.iter(|| rat43::hessian_num_dual(black_box(&b)));
    });
    group.bench_function("hessian/num_dual_one_pass", |bench| {
        bench.iter(|| rat43::hessian_num_dual_one_pass(black_box(&b)));
    });
    group.finish();
}

/// Recurrences of run-time length (issue 14): exponential smoothing, whose
/// one differentiated scalar makes `_grad` run in forward mode, against the
/// most careful hand derivative (forward mode carried alongside the
/// recurrence) and a hand reverse sweep over a buffer allocated before the
/// timed call; and a recurrent cell with a 4×4 weight over 10,000 steps,
/// whose reverse sweep is checkpointed (64 snapshots by default).
mod recurrences {
    use nalgebra::{Matrix4, Vector4};
    use tapeless::{differentiable, nn};

    #[differentiable]
    pub(crate) fn smoothing(alpha: f64, ys: &[f64]) -> f64 {
        let mut level = ys[0];
        let mut total = 0.0;
        for y in &ys[1..] {
            let error = y - level;
            total += error * error;
            level += alpha * error;
        }
        total
    }

    /// The derivative in `alpha`, carried alongside the recurrence.
    pub(crate) fn smoothing_hand_forward(alpha: f64, ys: &[f64]) -> (f64, f64) {
        let (mut level, mut dlevel) = (ys[0], 0.0);
        let (mut total, mut dtotal) = (0.0, 0.0);
        for y in &ys[1..] {
            let error = y - level;
            total += error * error;
            dtotal -= 2.0 * error * dlevel;
            dlevel += error - alpha * dlevel;
            level += alpha * error;
        }
        (total, dtotal)
    }

    /// A reverse sweep over the levels, kept in `levels` (allocated by the
    /// caller, `ys.len()` long).
    pub(crate) fn smoothing_hand_reverse(alpha: f64, ys: &[f64], levels: &mut [f64]) -> (f64, f64) {
        let mut level = ys[0];
        let mut total = 0.0;
        for (y, kept) in ys[1..].iter().zip(levels.iter_mut()) {
            *kept = level;
            let error = y - level;
            total += error * error;
            level += alpha * error;
        }
        let (mut adj_level, mut adj_alpha) = (0.0, 0.0);
        for (y, level) in ys[1..].iter().zip(levels.iter()).rev() {
            let error = y - level;
            adj_alpha += adj_level * error;
            let adj_error = 2.0 * error + adj_level * alpha;
            adj_level -= adj_error;
        }
        (total, adj_alpha)
    }

    #[differentiable]
    pub(crate) fn rnn(w: &Matrix4<f64>, u: &Vector4<f64>, xs: &[f64]) -> f64 {
        let mut h = Vector4::zeros();
        for x in xs {
            h = nn::tanh(w * h + u * *x);
        }
        h.sum()
    }

    #[differentiable(snapshots = 256)]
    #[allow(dead_code, reason = "timed through its generated gradient only")]
    pub(crate) fn rnn_256(w: &Matrix4<f64>, u: &Vector4<f64>, xs: &[f64]) -> f64 {
        let mut h = Vector4::zeros();
        for x in xs {
            h = nn::tanh(w * h + u * *x);
        }
        h.sum()
    }

    pub(crate) fn series(n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| {
                let t = i as f64;
                (0.1 * t).sin() + 0.01 * t + 0.3 * (1.7 * t).cos()
            })
            .collect()
    }

    pub(crate) fn weights() -> (Matrix4<f64>, Vector4<f64>) {
        (
            Matrix4::from_fn(|i, j| 0.3 * ((i * 4 + j) as f64).sin()),
            Vector4::new(0.5, -0.4, 0.3, 0.2),
        )
    }
}

fn recurrences_group(c: &mut Criterion) {
    use recurrences::*;
    let mut group = c.benchmark_group("recurrences");
    for n in [1000, 10_000] {
        let ys = series(n);
        let mut levels = vec![0.0; n];
        let alpha = 0.3;
        // The three gradients agree before any is timed.
        let generated = smoothing_grad(alpha, &ys).1;
        for hand in [
            smoothing_hand_forward(alpha, &ys).1,
            smoothing_hand_reverse(alpha, &ys, &mut levels).1,
        ] {
            assert!(
                (generated - hand).abs() <= 1e-9 * hand.abs(),
                "{generated} vs {hand}"
            );
        }
        group.bench_function(format!("smoothing_n{n}/forward/tapeless"), |b| {
            b.iter(|| smoothing(black_box(alpha), black_box(&ys)));
        });
        group.bench_function(format!("smoothing_n{n}/gradient/tapeless"), |b| {
            b.iter(|| smoothing_grad(black_box(alpha), black_box(&ys)));
        });
        group.bench_function(format!("smoothing_n{n}/gradient/hand_forward"), |b| {
            b.iter(|| smoothing_hand_forward(black_box(alpha), black_box(&ys)));
        });
        group.bench_function(format!("smoothing_n{n}/gradient/hand_reverse"), |b| {
            b.iter(|| smoothing_hand_reverse(black_box(alpha), black_box(&ys), &mut levels));
        });
    }
    let xs = series(10_000);
    let (w, u) = weights();
    group.bench_function("rnn4_n10000/forward/tapeless", |b| {
        b.iter(|| rnn(black_box(&w), black_box(&u), black_box(&xs)));
    });
    group.bench_function("rnn4_n10000/gradient/tapeless", |b| {
        b.iter(|| rnn_grad(black_box(&w), black_box(&u), black_box(&xs)));
    });
    group.bench_function("rnn4_n10000/gradient/tapeless_256_snapshots", |b| {
        b.iter(|| rnn_256_grad(black_box(&w), black_box(&u), black_box(&xs)));
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = mlp_bce, quad_fit, mlp_adam, rosenbrock_group, rat43_group, recurrences_group
}
criterion_main!(benches);
