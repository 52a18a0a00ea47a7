//! The tutorial's "live plot": x²/20 + tanh(sin x) minimised from x = 8 by
//! Adam with lr 2 for 15 steps, drawn frame by frame as the optimizer's
//! point moves along the curve — as an animated GIF — and the same with
//! SGD, RMSprop and Adagrad for comparison.
//!
//! ```ignore
//! #[differentiable]
//! fn bumpy(x: f64) -> f64 { x * x / 20.0 + x.sin().tanh() }
//!
//! let mut adam = optim::Adam::new(2.0);
//! for _ in 0..15 {
//!     let (y, gradient) = bumpy_grad(x);
//!     adam.step(&mut x, &gradient);
//! }
//! ```
//!
//! The code is `curve_runs` in `examples/common/tutorials.rs`; Adam's 15
//! steps equal PyTorch's (`tests/examples_output.rs`).
//!
//! Run with `cargo run --release --example curve_adam`.

mod common;

use common::tutorials::{Trajectory, bumpy, curve_runs};
use common::{
    Chart, Mark, PALETTE, Result, Series, output_dir, register_font, report_pictures, save_png,
};
use plotters::prelude::*;
use std::path::PathBuf;

const STEPS: usize = 15;

/// The curve with the optimizer's points up to `frame`.
fn frame_chart(name: &str, run: &Trajectory, frame: usize) -> Chart {
    let curve = (0..=400)
        .map(|i| {
            let x = -10.0 + 20.0 * f64::from(i) / 400.0;
            (x, bumpy(x))
        })
        .collect();
    let path = run.x[..=frame]
        .iter()
        .zip(&run.y)
        .map(|(&x, &y)| (x, y))
        .collect();
    let current = vec![(run.x[frame], run.y[frame])];
    let mut chart = Chart::new(&format!("{name}, step {frame}"), "x", "x²/20 + tanh(sin x)")
        .with(Series::new("f(x)", curve, PALETTE[0], Mark::Line))
        .with(Series::new("", path, PALETTE[1], Mark::LineDots))
        .with(Series::new("x", current, PALETTE[3], Mark::Dots));
    chart.x_range = Some(-10.0..10.0);
    chart.y_range = Some(-1.2..6.2);
    chart
}

/// An animated GIF of a run, one frame per step.
fn animate(file: &str, name: &str, run: &Trajectory) -> Result<PathBuf> {
    register_font();
    let path = output_dir()?.join(file);
    let root = BitMapBackend::gif(&path, (640, 480), 400)?.into_drawing_area();
    for frame in 0..run.x.len() {
        root.fill(&WHITE)?;
        frame_chart(name, run, frame).draw(&root)?;
        root.present()?;
    }
    Ok(path)
}

fn main() -> Result {
    let runs = curve_runs(STEPS);
    let mut pictures = Vec::new();
    let mut finals = Vec::new();
    for (name, run) in &runs {
        println!("{name}");
        println!("step               x                f(x)");
        for (step, (x, y)) in run.x.iter().zip(&run.y).enumerate() {
            println!("{step:4} {x:18.12} {y:18.12}");
        }
        println!();
        let stem = name.split('(').next().unwrap_or(name).to_lowercase();
        pictures.push(animate(&format!("curve_{stem}.gif"), name, run)?);
        finals.push(frame_chart(name, run, STEPS));
    }
    let (_, adam) = &runs[0];
    if adam.y[STEPS].is_nan() || adam.y[STEPS] >= adam.y[0] {
        return Err("Adam did not descend".into());
    }
    // Adam's frames as PNG files too, for viewers without GIF animation.
    for frame in 0..=STEPS {
        let name = format!("curve_adam_frame_{frame:02}.png");
        pictures.push(save_png(
            &name,
            &[frame_chart(runs[0].0, adam, frame)],
            1,
            (640, 480),
        )?);
    }
    pictures.push(save_png("curve_optimizers.png", &finals, 2, (640, 480))?);
    report_pictures(&pictures)
}
