//! The zero of x³, found the way the PyTorch tutorial finds it: minimise
//! |f(x) − 0| by gradient descent from x = 8 with learning rate 0.01.
//!
//! First by hand, on the gradient `#[differentiable]` generates:
//!
//! ```ignore
//! #[differentiable]
//! fn cube(x: f64) -> f64 { x * x * x }
//!
//! #[differentiable]
//! fn cube_abs(x: f64) -> f64 { (cube(x) - 0.0).abs() }
//!
//! let (loss, gradient) = cube_abs_grad(x); // forward and backward
//! x -= 0.01 * gradient;                    // no zero_grad(): a plain value
//! ```
//!
//! then as the tutorial writes it, with `optim::Sgd` and `loss::l1`
//! (PyTorch's `SGD([x], lr=0.01)` and `L1Loss()`); both reproduce PyTorch's
//! trajectory. The code is in `examples/common/tutorials.rs`, which
//! `tests/examples_output.rs` checks against PyTorch's numbers.
//!
//! Run with `cargo run --release --example cube_root [STEPS]` (default 10,
//! the tutorial's).

mod common;

use common::tutorials::{Trajectory, cube, cube_root_by_hand, cube_root_sgd};
use common::{Chart, Mark, PALETTE, Result, Series, report_pictures, save_png};

fn print(run: &Trajectory) {
    println!("step               x                f(x)");
    for (step, (x, y)) in run.x.iter().zip(&run.y).enumerate() {
        println!("{step:4} {x:18.12} {y:20.12}");
    }
}

fn main() -> Result {
    let steps: usize = match std::env::args().nth(1) {
        Some(arg) => arg
            .parse()
            .map_err(|_| format!("STEPS must be a number, not `{arg}`"))?,
        None => 10,
    };

    println!("By hand: x -= 0.01 * cube_abs_grad(x).1");
    let by_hand = cube_root_by_hand(steps);
    print(&by_hand);

    println!();
    println!("With optim::Sgd::new(0.01) and loss::l1(&cube(x), &0.0, Reduction::Mean)");
    let sgd = cube_root_sgd(steps);
    print(&sgd);

    let x = *sgd.x.last().ok_or("no steps")?;
    println!();
    println!("after {steps} steps: x = {x:.12}, f(x) = {:.12}", cube(x));
    if by_hand.x != sgd.x {
        return Err("the hand-written descent and optim::Sgd disagree".into());
    }
    if steps > 0 && (x.is_nan() || x.abs() >= 8.0) {
        return Err(format!("x = {x} did not move towards the zero of x³").into());
    }

    let curve = (0..=200)
        .map(|i| {
            let x = -1.0 + 9.5 * f64::from(i) / 200.0;
            (x, cube(x))
        })
        .collect();
    let points = sgd.x.iter().zip(&sgd.y).map(|(&x, &y)| (x, y)).collect();
    let descent = Chart::new(
        "Gradient descent on |x³| from x = 8, lr 0.01",
        "x",
        "f(x) = x³",
    )
    .with(Series::new("x³", curve, PALETTE[0], Mark::Line))
    .with(Series::new(
        "x after each step",
        points,
        PALETTE[3],
        Mark::LineDots,
    ));
    let steps_chart = Chart::new("x against the step", "step", "x").with(Series::new(
        "x",
        sgd.x
            .iter()
            .enumerate()
            .map(|(k, &x)| (k as f64, x))
            .collect(),
        PALETTE[3],
        Mark::LineDots,
    ));
    let png = save_png("cube_root.png", &[descent, steps_chart], 2, (640, 480))?;
    report_pictures(&[png])
}
