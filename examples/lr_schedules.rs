//! Every learning-rate scheduler of `tapeless::sched` driving an SGD
//! optimizer with base lr 0.1 for 100 steps, their learning-rate curves in
//! one figure. Each is stepped after each optimizer step, as in PyTorch:
//!
//! ```ignore
//! let mut sgd = optim::Sgd::new(0.1);
//! let mut scheduler = sched::CosineAnnealingLr::new(&mut sgd, 100, 0.0);
//! for _ in 0..100 {
//!     sgd.step(&mut params, &gradient);
//!     scheduler.step(&mut sgd);
//! }
//! ```
//!
//! The sequences equal torch.optim.lr_scheduler's (`tests/sched_parity.rs`).
//!
//! Run with `cargo run --release --example lr_schedules`.

mod common;

use common::{Chart, Mark, PALETTE, Result, Series, report_pictures, save_png};
use tapeless::optim::{LearningRate, Optimizer, Sgd};
use tapeless::sched::{
    ChainedScheduler, ConstantLr, CosineAnnealingLr, CosineAnnealingWarmRestarts, CyclicLr,
    CyclicLrConfig, CyclicMode, ExponentialLr, LambdaLr, LinearLr, LrScheduler, MultiStepLr,
    OneCycleLr, OneCycleLrConfig, PolynomialLr, ReduceLrOnPlateau, SequentialLr, StepLr,
};

const STEPS: usize = 100;
const BASE_LR: f64 = 0.1;

/// The learning rate of each of `STEPS` steps of SGD on x² under the
/// scheduler `make` attaches to the optimizer.
fn schedule<S: LrScheduler<f64>>(make: impl FnOnce(&mut Sgd<f64>) -> S) -> Vec<(f64, f64)> {
    let mut sgd = Sgd::new(BASE_LR).momentum(0.9);
    let mut scheduler = make(&mut sgd);
    let mut x = 1.0;
    (0..STEPS)
        .map(|step| {
            let lr = sgd.lr();
            let gradient = 2.0 * x;
            sgd.step(&mut x, &gradient);
            scheduler.step(&mut sgd);
            (step as f64, lr)
        })
        .collect()
}

fn main() -> Result {
    let mut curves: Vec<(&str, Vec<(f64, f64)>)> = vec![
        (
            "StepLR(step_size=30, gamma=0.5)",
            schedule(|o| StepLr::new(o, 30, 0.5)),
        ),
        (
            "MultiStepLR([20, 50, 80], 0.5)",
            schedule(|o| MultiStepLr::new(o, [20, 50, 80], 0.5)),
        ),
        (
            "ExponentialLR(gamma=0.97)",
            schedule(|o| ExponentialLr::new(o, 0.97)),
        ),
        (
            "LambdaLR(0.95 ** epoch)",
            schedule(|o| LambdaLr::new(o, |epoch| 0.95_f64.powi(epoch as i32))),
        ),
        (
            "CosineAnnealingLR(T_max=100)",
            schedule(|o| CosineAnnealingLr::new(o, 100, 0.0)),
        ),
        (
            "CosineAnnealingWarmRestarts(10, 2)",
            schedule(|o| CosineAnnealingWarmRestarts::new(o, 10, 2, 0.001)),
        ),
        (
            "LinearLR(0.1, 1.0, 40)",
            schedule(|o| LinearLr::new(o, 0.1, 1.0, 40)),
        ),
        (
            "ConstantLR(0.5, 30)",
            schedule(|o| ConstantLr::new(o, 0.5, 30)),
        ),
        (
            "PolynomialLR(100, power=2)",
            schedule(|o| PolynomialLr::new(o, 100, 2.0)),
        ),
        (
            "OneCycleLR(max_lr=0.1, 100)",
            schedule(|o| OneCycleLr::new(o, OneCycleLrConfig::new(0.1, 100))),
        ),
        (
            "CyclicLR(0.01, 0.1, 20, triangular2)",
            schedule(|o| {
                CyclicLr::new(
                    o,
                    CyclicLrConfig::new(0.01, 0.1)
                        .step_size_up(20)
                        .mode(CyclicMode::Triangular2),
                )
            }),
        ),
        (
            "SequentialLR(Linear warm-up 10, cosine)",
            schedule(|o| {
                let warm_up = LinearLr::new(o, 0.1, 1.0, 10);
                let cosine = CosineAnnealingLr::new(o, 90, 0.0);
                SequentialLr::new(o, warm_up, cosine, 10)
            }),
        ),
        (
            "ChainedScheduler(Exponential, Step)",
            schedule(|o| {
                let exponential = ExponentialLr::new(o, 0.99);
                let step = StepLr::new(o, 25, 0.5);
                ChainedScheduler::new(exponential, step)
            }),
        ),
    ];

    // ReduceLROnPlateau steps with a metric: a loss that stops improving
    // at step 30 and again at step 60.
    let mut sgd = Sgd::new(BASE_LR);
    let mut plateau = ReduceLrOnPlateau::new().patience(5).factor(0.5);
    let mut points = Vec::new();
    let mut x = 1.0_f64;
    for step in 0..STEPS {
        points.push((step as f64, sgd.lr()));
        let gradient = 0.0 * x;
        sgd.step(&mut x, &gradient);
        let metric = 1.0 / (1.0 + step.min(30) as f64 + (step.clamp(45, 60) - 45) as f64);
        plateau.step(&mut sgd, metric);
    }
    curves.push(("ReduceLROnPlateau(patience=5, 0.5)", points));

    println!(
        "{:<40} {:>10} {:>10} {:>10} {:>10}",
        "scheduler", "lr[0]", "lr[25]", "lr[50]", "lr[99]"
    );
    for (name, curve) in &curves {
        println!(
            "{name:<40} {:>10.6} {:>10.6} {:>10.6} {:>10.6}",
            curve[0].1, curve[25].1, curve[50].1, curve[99].1
        );
        if curve.iter().any(|&(_, lr)| !(0.0..=0.2).contains(&lr)) {
            return Err(format!("{name}: a learning rate outside [0, 0.2]").into());
        }
    }

    let charts: Vec<Chart> = curves
        .into_iter()
        .enumerate()
        .map(|(k, (name, curve))| {
            let mut chart = Chart::new(name, "step", "lr").with(Series::new(
                "",
                curve,
                PALETTE[k % PALETTE.len()],
                Mark::Line,
            ));
            chart.y_range = Some(0.0..0.105);
            chart
        })
        .collect();
    let png = save_png("lr_schedules.png", &charts, 4, (420, 300))?;
    report_pictures(&[png])
}
