//! Minimising |x|·5 with SGD (lr 0.5) whose learning rate decays by a factor
//! 0.8 after each step (`ExponentialLR(gamma=0.8)`), from x = 8, printing y
//! and the learning rate after each step as the PyTorch tutorial does.
//!
//! ```ignore
//! let mut sgd = optim::Sgd::new(0.5);
//! let mut scheduler = sched::ExponentialLr::new(&mut sgd, 0.8);
//! for _ in 0..150 {
//!     let (loss, gradient) = abs5_l1_grad(x); // L1Loss()(|x|·5, 0)
//!     sgd.step(&mut x, &gradient);
//!     scheduler.step(&mut sgd);
//! }
//! ```
//!
//! The code is `exponential_lr` in `examples/common/tutorials.rs`; all 150
//! steps equal PyTorch's (`tests/examples_output.rs`).
//!
//! Run with `cargo run --release --example exponential_lr`.

mod common;

use common::tutorials::exponential_lr;
use common::{Chart, Mark, PALETTE, Result, Series, report_pictures, save_png};

fn main() -> Result {
    let steps = 150;
    let run = exponential_lr(steps);
    println!("step              y=f(x)                  lr");
    for step in 0..steps {
        // y after this step, and the learning rate this step used.
        println!(
            "{:4} {:20.12e} {:20.12e}",
            step + 1,
            run.y[step + 1],
            run.lr[step]
        );
    }
    let y = run.y[steps];
    println!();
    println!("after {steps} steps: x = {:.6e}, y = {y:.6e}", run.x[steps]);
    if y.is_nan() || y >= 1e-6 {
        return Err(format!("y = {y} did not reach 0").into());
    }

    let against_step = |values: &[f64]| {
        values
            .iter()
            .enumerate()
            .map(|(k, &v)| (k as f64, v))
            .collect::<Vec<_>>()
    };
    let mut y_chart = Chart::new("y = 5|x| after each step", "step", "y (log scale)").with(
        Series::new("y", against_step(&run.y), PALETTE[0], Mark::Line),
    );
    y_chart.log_y = true;
    let mut lr_chart = Chart::new("ExponentialLR(gamma = 0.8)", "step", "lr (log scale)").with(
        Series::new("lr", against_step(&run.lr), PALETTE[1], Mark::Line),
    );
    lr_chart.log_y = true;
    let png = save_png("exponential_lr.png", &[y_chart, lr_chart], 2, (640, 480))?;
    report_pictures(&[png])
}
