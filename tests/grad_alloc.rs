//! A generated gradient allocates nothing: the gradient of a loss over a
//! slice of 10 000 samples (a fused loop), of a loop that is replayed, of a
//! recurrence, of recurrences of run-time length over the 10 000 samples
//! (checkpointed, and in forward mode), of a `while` loop, an iterator chain
//! and a closure, and of a model with layers, under a global allocator that
//! counts this thread's allocations.

#![allow(
    dead_code,
    reason = "the primals are only called through their generated siblings"
)]

use nalgebra::{SMatrix, SVector, Vector3};
use tapeless::{Params, differentiable, nn};

fn allocations_in(f: impl FnOnce()) -> u64 {
    allocation_counter::measure(f).count_total
}

#[differentiable]
fn mean_squared_error(p: &Vector3<f64>, t: &[f64], y: &[f64]) -> f64 {
    let mut total = 0.0;
    for (ti, yi) in t.iter().zip(y.iter()) {
        let residual = p.x * ti * ti + p.y * ti + p.z - yi;
        total += residual * residual;
    }
    total / t.len() as f64
}

#[differentiable]
fn replayed(w: &Vector3<f64>, xs: &[Vector3<f64>]) -> f64 {
    let mut sum = Vector3::zeros();
    for x in xs.iter() {
        sum += x.component_mul(w);
    }
    sum.norm()
}

#[differentiable]
fn recurrence(s0: f64, c: f64) -> f64 {
    let mut s = s0;
    for _step in 0..64 {
        s = s - 0.3 * (s * c).sin();
    }
    s
}

/// A recurrence of run-time length (checkpointed), a `while` loop, an
/// iterator chain and a local closure.
#[differentiable]
fn run_time_lengths(p: &nalgebra::Vector2<f64>, ys: &[f64]) -> f64 {
    let model = |y: f64| p.x * y;
    let mut level = ys[0];
    let mut total = 0.0;
    for y in ys {
        let error = model(*y) - level;
        total += error * error;
        level += p.y * error;
    }
    let mut x = total.max(1.0);
    let mut step: f64 = 1.0;
    while step.abs() > 1e-12 {
        step = (x * x - total) / (2.0 * x);
        x -= step;
    }
    x + ys.iter().map(|y| (p.x * y).tanh()).sum::<f64>()
}

/// One scalar through a run-time-length recurrence: `_grad` in forward mode.
#[differentiable]
fn smoothing(alpha: f64, ys: &[f64]) -> f64 {
    let mut level = ys[0];
    let mut total = 0.0;
    for y in ys {
        let error = y - level;
        total += error * error;
        level += alpha * error;
    }
    total
}

#[derive(Params, Clone, Copy, Debug, PartialEq)]
struct Mlp {
    w1: SMatrix<f64, 10, 3>,
    b1: SVector<f64, 10>,
    w2: SMatrix<f64, 1, 10>,
}

#[differentiable]
fn mlp_loss(model: &Mlp, xs: &[Vector3<f64>], ys: &[f64]) -> f64 {
    let mut total = 0.0;
    for (x, y) in xs.iter().zip(ys.iter()) {
        let hidden = nn::tanh(model.w1 * x + model.b1);
        let error = (model.w2 * hidden)[0] - y;
        total += error * error;
    }
    total
}

#[test]
fn gradients_allocate_nothing() {
    // The data is allocated before counting starts.
    let t: Vec<f64> = (0..10_000).map(|i| f64::from(i) * 1e-3).collect();
    let y: Vec<f64> = t.iter().map(|t| 2.0 * t * t - t + 0.5).collect();
    let xs: Vec<Vector3<f64>> = t.iter().map(|t| Vector3::new(*t, 1.0 - t, t * t)).collect();
    let p = Vector3::new(0.1, 0.2, 0.3);
    let model = Mlp {
        w1: SMatrix::from_element(0.1),
        b1: SVector::from_element(-0.2),
        w2: SMatrix::from_element(0.3),
    };

    let mut sink = 0.0;
    let count = allocations_in(|| {
        let (value, gradient) = mean_squared_error_grad(&p, &t, &y);
        sink += value + gradient.sum();
        let (value, gradient) = replayed_grad(&p, &xs);
        sink += value + gradient.sum();
        let (value, gradient) = recurrence_grad(0.5, 1.5);
        sink += value + gradient;
        let (value, gradient) = mlp_loss_grad(&model, &xs, &y);
        sink += value + gradient.w1.sum();
        let (value, pullback) = mean_squared_error_vjp(&p, &t, &y);
        sink += value + pullback(1.0).0.sum();
        let q = nalgebra::Vector2::new(0.9, 0.3);
        let (value, gradient) = run_time_lengths_grad(&q, &y);
        sink += value + gradient.sum();
        let (value, pullback) = run_time_lengths_vjp(&q, &y);
        sink += value + pullback(1.0).0.sum();
        let (value, gradient) = smoothing_grad(0.3, &y);
        sink += value + gradient;
    });
    assert!(sink.is_finite());
    assert_eq!(count, 0, "a gradient allocated");
    // The counter does see allocations.
    assert!(allocations_in(|| drop(std::hint::black_box(vec![1.0_f64; 8]))) > 0);
}
