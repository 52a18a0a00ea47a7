//! The fastai lecture's quadratic fit: the speed of a roller coaster over 20
//! seconds, `0.75 (t − 9.5)² + 1` plus noise, fitted by `a t² + b t + c`
//! with plain SGD (lr 1e-5) on the mean squared error — 1,000,000 steps.
//!
//! ```ignore
//! #[differentiable]
//! fn quadratic_mse_loop(params: &Vector3<f64>, t: &[f64], signal: &[f64]) -> f64 {
//!     let mut total = 0.0;
//!     for (t, y) in t.iter().zip(signal.iter()) {
//!         let residual = params.x * (t * t) + params.y * t + params.z - y;
//!         total += residual * residual;
//!     }
//!     total / t.len() as f64
//! }
//!
//! let mut sgd = optim::Sgd::new(1e-5);
//! for _ in 0..1_000_000 {
//!     let (loss, gradient) = quadratic_mse_loop_grad(&params, &t, &signal);
//!     sgd.step(&mut params, &gradient); // no zero_grad(), no tape
//! }
//! ```
//!
//! The data and the initial parameters are PyTorch's (`tests/data/seeds.json`);
//! the first 20,000 steps equal PyTorch's run in both forms of the loss
//! (this loop and the vectorised `quadratic_mse` over `SVector<f64, 20>`,
//! `examples/common/tutorials.rs`), checked by `tests/examples_output.rs`.
//!
//! Run with `cargo run --release --example quadratic_fit [STEPS]`.

mod common;

use common::tutorials::{QuadraticFit, quadratic};
use common::{Chart, Mark, PALETTE, Result, Series, report_pictures, save_png};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::Instant;

/// PyTorch's loss after 20,000 steps (`seeds.json`, `final_loss`).
const TORCH_LOSS_AT_20000: f64 = 627.7315592894466;

fn main() -> Result {
    let steps: usize = match std::env::args().nth(1) {
        Some(arg) => arg
            .parse()
            .map_err(|_| format!("STEPS must be a number, not `{arg}`"))?,
        None => 1_000_000,
    };
    let checkpoint_every = (steps / 5).max(1);
    let mut fit = QuadraticFit::tutorial();
    let data = fit.data.clone();
    println!("data: t = 0..19, signal = 0.75 (t - 9.5)² + 1 + 3·noise (PyTorch's draw)");
    println!(
        "initial [a, b, c] = [{:.6}, {:.6}, {:.6}]",
        fit.params.x, fit.params.y, fit.params.z
    );
    println!("SGD(lr = 1e-5), {steps} steps");

    let bar = ProgressBar::new(steps as u64).with_style(ProgressStyle::with_template(
        "{bar:40} {pos:>7}/{len} steps {per_sec} eta {eta}",
    )?);
    let mut checkpoints = Vec::new(); // (step, params)
    let mut losses = Vec::new(); // (step, loss) every 1000 steps
    let mut at_20000 = None;
    let start = Instant::now();
    for step in 0..steps {
        let params = fit.params;
        let loss = fit.step_loop();
        if step % 1000 == 0 {
            losses.push((step as f64, loss));
            bar.inc(1000.min(steps - step) as u64);
        }
        if step == 20_000 {
            at_20000 = Some(loss);
        }
        if step % checkpoint_every == 0 {
            checkpoints.push((step, params));
            bar.suspend(|| println!("step {step:>9}  loss {loss:16.9}"));
        }
    }
    let wall = start.elapsed();
    bar.finish_and_clear();
    if !std::io::stderr().is_terminal() {
        // No bar was drawn (stderr is a file or a pipe): one line in its place.
        eprintln!(
            "progress: {}/{steps} steps in {:.3} s ({:.1} million steps per second)",
            bar.position(),
            wall.as_secs_f64(),
            steps as f64 / wall.as_secs_f64().max(1e-9) / 1e6
        );
    }
    let final_loss = fit.loss();
    checkpoints.push((steps, fit.params));
    losses.push((steps as f64, final_loss));
    println!("step {steps:>9}  loss {final_loss:16.9}");
    println!(
        "fitted [a, b, c] = [{:.6}, {:.6}, {:.6}]  (the signal was 0.75 t² - 14.25 t + 68.69 + noise)",
        fit.params.x, fit.params.y, fit.params.z
    );
    if let Some(loss) = at_20000 {
        println!("loss after 20000 steps: {loss:.10} (PyTorch: {TORCH_LOSS_AT_20000:.10})");
    }
    println!(
        "wall time: {:.3} s for {steps} steps ({:.1} ns per step: forward, gradient and SGD update)",
        wall.as_secs_f64(),
        wall.as_secs_f64() * 1e9 / steps.max(1) as f64
    );

    // The vectorised form of the same loss gives the same fit.
    let mut vectorised = QuadraticFit::tutorial();
    let start = Instant::now();
    for _ in 0..steps {
        vectorised.step();
    }
    let wall_vectorised = start.elapsed();
    let gap = (vectorised.params - fit.params).norm() / fit.params.norm();
    println!(
        "vectorised form (SVector<f64, 20>): {:.3} s, relative difference of the fits {gap:.1e}",
        wall_vectorised.as_secs_f64()
    );
    if !final_loss.is_finite() || (steps > 0 && final_loss >= losses[0].1) || gap > 1e-9 {
        return Err("the fit did not converge".into());
    }

    let mut fits =
        Chart::new("Quadratic fit: data and a t² + b t + c", "t", "speed").with(Series::new(
            "data",
            data.t
                .iter()
                .zip(data.signal.iter())
                .map(|(&t, &y)| (t, y))
                .collect(),
            PALETTE[0],
            Mark::Dots,
        ));
    for (k, (step, params)) in checkpoints.iter().enumerate() {
        let curve = (0..=190).map(|i| {
            let t = f64::from(i) / 10.0;
            (t, quadratic(params, t))
        });
        fits = fits.with(Series::new(
            format!("step {step}"),
            curve.collect(),
            PALETTE[(k + 1) % PALETTE.len()],
            Mark::Line,
        ));
    }
    let mut loss_chart = Chart::new("MSE loss", "step", "loss (log scale)").with(Series::new(
        "loss",
        losses,
        PALETTE[3],
        Mark::Line,
    ));
    loss_chart.log_y = true;
    let png = save_png("quadratic_fit.png", &[fits, loss_chart], 2, (720, 540))?;
    report_pictures(&[png])
}
