//! The scalar tutorials of `tests/data/seeds.json`, with gradients from
//! `#[differentiable]` and descent written by hand, reproduce PyTorch's
//! trajectories (the same functions as `examples/cube_root.rs`).

#![allow(
    dead_code,
    reason = "the primals are only called through their generated siblings"
)]

mod common;

use common::{assert_close_trajectory, case, numbers, reference};
use tapeless::differentiable;

#[differentiable]
fn cube(x: f64) -> f64 {
    x * x * x
}

/// `L1Loss()(x³, 0)`.
#[differentiable]
fn cube_l1(x: f64) -> f64 {
    (cube(x) - 0.0).abs()
}

/// θ².
#[differentiable]
fn square(theta: f64) -> f64 {
    theta * theta
}

fn descend(
    grad: fn(f64) -> (f64, f64),
    x0: f64,
    learning_rate: f64,
    steps: usize,
) -> (Vec<f64>, Vec<f64>) {
    let mut x = x0;
    let mut xs = vec![x];
    let mut losses = Vec::new();
    for _ in 0..steps {
        let (loss, gradient) = grad(x);
        losses.push(loss);
        x -= learning_rate * gradient;
        xs.push(x);
    }
    (xs, losses)
}

#[test]
fn cube_root_matches_pytorch() {
    let seeds = reference("seeds.json");
    let cube_case = case(&seeds, "cube");
    let (xs, losses) = descend(cube_l1_grad, 8.0, 0.01, 10);
    assert_close_trajectory(&xs, &numbers(&cube_case["x"]), "cube x");
    assert_close_trajectory(&losses, &numbers(&cube_case["loss_values"]), "cube loss");
}

#[test]
fn square_gd_matches_pytorch() {
    let seeds = reference("seeds.json");
    let square_case = case(&seeds, "square_gd");
    let (xs, losses) = descend(square_grad, 1.0, 0.2, 20);
    assert_close_trajectory(&xs, &numbers(&square_case["x"]), "square_gd x");
    assert_close_trajectory(
        &losses,
        &numbers(&square_case["loss_values"]),
        "square_gd loss",
    );
}
