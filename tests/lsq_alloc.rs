//! A least-squares fit allocates nothing: Levenberg–Marquardt on a
//! 4-parameter model over 200 residuals, under a global allocator that
//! counts the allocations made by this thread.

use tapeless::differentiable;
use tapeless::lsq::LevenbergMarquardt;
use tapeless::prelude::*;

/// Allocations made by `f` on this thread, counted by the `#[global_allocator]`
/// of the `allocation-counter` crate.
fn allocations_in(f: impl FnOnce()) -> u64 {
    allocation_counter::measure(f).count_total
}

#[differentiable]
fn rat43(b: &SVector<f64, 4>, x: f64, y: f64) -> f64 {
    b[0] / (1.0 + (b[1] - b[2] * x).exp()).powf(1.0 / b[3]) - y
}

#[test]
fn a_fit_allocates_nothing() {
    // Sanity check of the counter itself.
    assert!(allocations_in(|| drop(std::hint::black_box(vec![1_u8; 10]))) > 0);

    let truth = SVector::<f64, 4>::new(700.0, 5.3, 0.76, 1.3);
    let xs: [f64; 200] = core::array::from_fn(|i| 1.0 + 14.0 * i as f64 / 199.0);
    let ys: [f64; 200] = core::array::from_fn(|i| {
        rat43(&truth, xs[i], 0.0) + 3.0 * ((i * 7919 % 13) as f64 / 6.0 - 1.0)
    });
    let mut b = SVector::<f64, 4>::new(100.0, 10.0, 1.0, 1.0);
    let mut result = None;
    let count = allocations_in(|| {
        result = Some(
            LevenbergMarquardt::new()
                .minimize(&mut b, xs.len(), |b, i| rat43_grad(b, xs[i], ys[i])),
        );
    });
    assert_eq!(count, 0, "{count} allocations in a fit");
    let fit = result.unwrap().unwrap();
    assert!(
        fit.evaluations > 10,
        "a real fit: {} evaluations",
        fit.evaluations
    );
    assert!((b[0] - 700.0).abs() < 10.0, "{b}");
}
