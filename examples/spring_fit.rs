//! A damped spring fitted to observed positions through its Euler
//! integration: the loss runs a recurrence whose length is the number of
//! observations, known only at run time.
//!
//! ```ignore
//! #[differentiable]
//! fn spring_loss(p: &Vector2<f64>, dt: f64, observed: &[f64]) -> f64 {
//!     let (k, c) = (p.x, p.y);           // stiffness, damping
//!     let (mut x, mut v) = (1.0, 0.0);   // released from rest at 1
//!     let mut loss = 0.0;
//!     for target in observed {
//!         let a = -k * x - c * v;
//!         x += dt * v;                // one Euler step
//!         v += dt * a;
//!         loss += (x - target) * (x - target);
//!     }
//!     loss / observed.len() as f64
//! }
//! ```
//!
//! `x` and `v` are carried from one step to the next, and the step count is
//! the slice's length, so the reverse sweep cannot keep every state in an
//! array of a size known at compile time. `#[differentiable]` keeps 64
//! snapshots of `(x, v)` on the stack instead and recomputes the states
//! between them (binomial checkpointing): no heap, whatever the number of
//! observations. Adam then fits `k` and `c` from a poor first guess.
//!
//! Run with `cargo run --release --example spring_fit [STEPS]` (default
//! 400 Adam steps).

mod common;

use common::{Chart, Mark, PALETTE, Result, Series, report_pictures, save_png};
use tapeless::prelude::*;

/// The time step of the integration, in seconds.
const DT: f64 = 0.01;

/// The positions of the spring after each Euler step.
fn trajectory(p: &Vector2<f64>, steps: usize) -> Vec<f64> {
    let (k, c) = (p.x, p.y);
    let (mut x, mut v) = (1.0, 0.0);
    (0..steps)
        .map(|_| {
            let a = -k * x - c * v;
            x += DT * v;
            v += DT * a;
            x
        })
        .collect()
}

/// The mean squared distance between the integrated and the observed
/// positions.
#[differentiable]
fn spring_loss(p: &Vector2<f64>, dt: f64, observed: &[f64]) -> f64 {
    let (k, c) = (p.x, p.y);
    let (mut x, mut v) = (1.0, 0.0);
    let mut loss = 0.0;
    for target in observed {
        let a = -k * x - c * v;
        x += dt * v;
        v += dt * a;
        loss += (x - target) * (x - target);
    }
    loss / observed.len() as f64
}

/// Observations of a spring with k = 6, c = 0.8 over 8 seconds, with a
/// small deterministic disturbance standing in for measurement noise.
fn observations() -> Vec<f64> {
    let truth = Vector2::new(6.0, 0.8);
    trajectory(&truth, 800)
        .into_iter()
        .enumerate()
        .map(|(i, x)| x + 0.02 * (1.3 * i as f64).sin() * (0.7 * i as f64).cos())
        .collect()
}

fn main() -> Result {
    let steps: usize = match std::env::args().nth(1) {
        Some(arg) => arg
            .parse()
            .map_err(|_| format!("STEPS must be a number, not `{arg}`"))?,
        None => 400,
    };
    let observed = observations();
    let start = Vector2::new(3.0, 0.1);
    let mut p = start;
    let mut adam = optim::Adam::new(0.05);
    let mut losses = Vec::with_capacity(steps);
    for step in 0..steps {
        let (loss, gradient) = spring_loss_grad(&p, DT, &observed);
        losses.push(loss);
        if step % 100 == 0 {
            println!(
                "step {step:4}: loss {loss:.6}, k = {:.4}, c = {:.4}",
                p.x, p.y
            );
        }
        adam.step(&mut p, &gradient);
    }
    let loss = spring_loss(&p, DT, &observed);
    println!(
        "after {steps} steps: loss {loss:.6}, k = {:.4} (true 6), c = {:.4} (true 0.8)",
        p.x, p.y
    );
    if steps >= 400 && ((p.x - 6.0).abs() > 0.1 || (p.y - 0.8).abs() > 0.1) {
        return Err(format!("the fit did not recover k = 6, c = 0.8: {p:?}").into());
    }

    let time = |i: usize| (i + 1) as f64 * DT;
    let series = |values: &[f64]| -> Vec<(f64, f64)> {
        values
            .iter()
            .enumerate()
            .map(|(i, &x)| (time(i), x))
            .collect()
    };
    let positions = Chart::new(
        "A damped spring fitted through 800 Euler steps",
        "t (s)",
        "x",
    )
    .with(Series::new(
        "observed",
        series(&observed).into_iter().step_by(8).collect(),
        PALETTE[0],
        Mark::Dots,
    ))
    .with(Series::new(
        "first guess (k = 3, c = 0.1)",
        series(&trajectory(&start, observed.len())),
        PALETTE[1],
        Mark::Line,
    ))
    .with(Series::new(
        format!("fitted (k = {:.2}, c = {:.2})", p.x, p.y),
        series(&trajectory(&p, observed.len())),
        PALETTE[3],
        Mark::Line,
    ));
    let mut loss_chart =
        Chart::new("Loss against the Adam step", "step", "loss").with(Series::new(
            "mean squared error",
            losses
                .iter()
                .enumerate()
                .map(|(i, &l)| (i as f64, l))
                .collect(),
            PALETTE[3],
            Mark::Line,
        ));
    loss_chart.log_y = true;
    let png = save_png("spring_fit.png", &[positions, loss_chart], 2, (640, 480))?;
    report_pictures(&[png])
}
