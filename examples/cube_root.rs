//! The zero of x³, found the way the PyTorch tutorial finds it: minimise
//! |f(x) − 0| by gradient descent from x = 8 with learning rate 0.01.
//!
//! The gradient comes from `#[differentiable]`; the descent step is written
//! by hand on `loss_grad`, which is all an optimizer does.
//!
//! Run with `cargo run --release --example cube_root [STEPS]` (default 10;
//! the first 10 values equal PyTorch's, see `tests/tutorial_seeds.rs`).

use tapeless::prelude::*;

/// f(x) = x³, whose zero we look for.
#[differentiable]
fn f(x: f64) -> f64 {
    x * x * x
}

/// PyTorch's `L1Loss()(f(x), 0)` for one sample: |f(x) − 0|.
#[differentiable]
fn loss(x: f64) -> f64 {
    (f(x) - 0.0).abs()
}

fn main() {
    let steps: usize = std::env::args()
        .nth(1)
        .map_or(10, |arg| arg.parse().expect("STEPS is a number"));
    let learning_rate = 0.01;
    let mut x = 8.0_f64;
    println!("step          x               f(x)            loss'(x)");
    for step in 0..steps {
        let (value, gradient) = loss_grad(x);
        println!("{step:4} {x:16.12} {:18.12} {gradient:18.12}", f(x));
        debug_assert_eq!(value, loss(x));
        x -= learning_rate * gradient;
    }
    println!("after {steps} steps: x = {x:.12}, f(x) = {:.12}", f(x));
}
