//! Generated gradients against hand-written ones, and against the forward
//! pass, in one run (issue 7). `cargo bench --bench gradients`; the peers
//! (num-dual, candle) are in `benches/peers/`. `scripts/bench.sh` runs both
//! and prints the README's table.
#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented functions"
)]

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;
use tapeless::optim::{Adam, Sgd};

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
        $group.bench_function(concat!("n", $n, "/forward/tapeless"), |b| {
            b.iter(|| rosenbrock(black_box(&x)))
        });
        $group.bench_function(concat!("n", $n, "/gradient/tapeless"), |b| {
            b.iter(|| rosenbrock_grad(black_box(&x)))
        });
        $group.bench_function(concat!("n", $n, "/gradient/hand"), |b| {
            b.iter(|| rosenbrock_hand(black_box(&x)))
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

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = mlp_bce, quad_fit, mlp_adam, rosenbrock_group
}
criterion_main!(benches);
