//! The forward-mode siblings allocate nothing: `_jvp`, `_jacobian`,
//! `_hessian` and `_hvp` of a loss over 10 000 samples with a branch, and of
//! a recurrence, under a global allocator that counts this thread's
//! allocations.

#![allow(
    dead_code,
    reason = "the primals are only called through their generated siblings"
)]

use nalgebra::{Vector2, Vector3};
use tapeless::{NoTangent, differentiable};

fn allocations_in(f: impl FnOnce()) -> u64 {
    allocation_counter::measure(f).count_total
}

#[differentiable(jvp, hessian)]
fn mean_squared_error(p: &Vector3<f64>, t: &[f64], y: &[f64]) -> f64 {
    let mut total = 0.0;
    for (ti, yi) in t.iter().zip(y.iter()) {
        let model = if *ti > 5.0 {
            p.x * ti.sqrt()
        } else {
            p.x * ti * ti
        };
        let residual = model + (p.y * ti).sin() + p.z - yi;
        total += residual * residual;
    }
    total / t.len() as f64
}

#[differentiable(jacobian)]
fn flow(q: &Vector2<f64>) -> Vector2<f64> {
    let mut state = *q;
    for _ in 0..100 {
        state = Vector2::new(state.y, -state.x.sin()) * 0.01 + state;
    }
    state
}

#[test]
fn forward_siblings_allocate_nothing() {
    // The data is allocated before counting starts.
    let t: Vec<f64> = (0..10_000).map(|i| f64::from(i) * 1e-3).collect();
    let y: Vec<f64> = t.iter().map(|t| 2.0 * t * t - t + 0.5).collect();
    let p = Vector3::new(0.1, 0.2, 0.3);
    let mut sink = 0.0;
    let count = allocations_in(|| {
        let (value, tangent) = mean_squared_error_jvp(&p, &t, &y, &p, NoTangent, NoTangent);
        sink += value + tangent;
        let (value, gradient, hessian) = mean_squared_error_hessian(&p, &t, &y);
        sink += value + gradient.sum() + hessian.sum();
        let (value, gradient, product) = mean_squared_error_hvp(&p, &t, &y, &p);
        sink += value + gradient.sum() + product.sum();
        let (value, jacobian) = flow_jacobian(&Vector2::new(0.3, 0.1));
        sink += value.sum() + jacobian.sum();
    });
    assert!(sink.is_finite());
    assert_eq!(count, 0, "a forward-mode sibling allocated");
    // The counter does see allocations.
    assert!(allocations_in(|| drop(std::hint::black_box(vec![1.0_f64; 8]))) > 0);
}
