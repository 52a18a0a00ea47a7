//! The R torch blog post's regression network, `Linear(3, 32)`, ReLU,
//! `Linear(32, 1)`, fitted to `y = 0.2 x1 − 1.3 x2 − 0.5 x3 + noise` (100
//! samples) with `MSELoss(reduction = 'sum')` and `Adam(lr = 0.08)` for 200
//! full-batch epochs, printing the loss every 10 epochs.
//!
//! ```ignore
//! type Regressor = (Linear<3, 32, f64>, Relu, Linear<32, 1, f64>);
//!
//! #[differentiable]
//! fn regressor_sse(model: &Regressor, x: &SMatrix<f64, 3, 100>, y: &SMatrix<f64, 1, 100>) -> f64 {
//!     let prediction = model.forward(x);
//!     loss::mse(&prediction, y, Reduction::Sum)
//! }
//! ```
//!
//! With PyTorch's data and initial weights the losses and the final weights
//! equal PyTorch's (`tests/examples_output.rs`); the code is in
//! `examples/common/tutorials.rs`.
//!
//! Run with `cargo run --release --example mlp_regression`.

mod common;

use common::tutorials::{regressor_sse, regressor_tutorial, train_regressor};
use common::{Chart, Mark, PALETTE, Result, Series, report_pictures, save_png};
use std::time::Instant;
use tapeless::nn::Module;

const EPOCHS: usize = 200;

fn main() -> Result {
    let (mut model, x, y) = regressor_tutorial();
    let start = Instant::now();
    let losses = train_regressor(&mut model, &x, &y, EPOCHS);
    let wall = start.elapsed();
    for (epoch, loss) in losses.iter().enumerate().step_by(10) {
        println!("Epoch: {:3}  Loss: {loss:.6}", epoch + 1);
    }
    let final_loss = regressor_sse(&model, &x, &y);
    println!("after {EPOCHS} epochs: loss {final_loss:.10} (PyTorch: 0.4838204994)");
    println!("wall time: {:.1} ms", wall.as_secs_f64() * 1e3);
    if final_loss.is_nan() || final_loss >= 1.0 {
        return Err(format!("the loss {final_loss} did not go below 1").into());
    }

    let prediction = model.forward(&x);
    let loss_chart = {
        let mut chart = Chart::new("MSE loss (sum), Adam lr 0.08", "epoch", "loss (log scale)")
            .with(Series::new(
                "loss",
                losses
                    .iter()
                    .enumerate()
                    .map(|(k, &l)| (k as f64 + 1.0, l))
                    .collect(),
                PALETTE[0],
                Mark::Line,
            ));
        chart.log_y = true;
        chart
    };
    let low = y.min().min(prediction.min());
    let high = y.max().max(prediction.max());
    let fit_chart = Chart::new("predictions against targets", "target y", "prediction")
        .with(Series::new(
            "y = ŷ",
            vec![(low, low), (high, high)],
            PALETTE[7],
            Mark::Line,
        ))
        .with(Series::new(
            "samples",
            y.iter()
                .zip(prediction.iter())
                .map(|(&t, &p)| (t, p))
                .collect(),
            PALETTE[3],
            Mark::Dots,
        ));
    let png = save_png(
        "mlp_regression.png",
        &[loss_chart, fit_chart],
        2,
        (640, 480),
    )?;
    report_pictures(&[png])
}
