//! The PyTorch tutorial's small classifier,
//! `nn.Sequential(nn.Linear(3, 10), nn.ReLU(), nn.Linear(10, 1), nn.Sigmoid())`,
//! trained with `BCELoss` and `SGD(lr=1e-2)` on its 20 points (ten around 0
//! labelled 0, ten shifted by 0.25 labelled 1), with PyTorch's initial weights.
//!
//! ```ignore
//! type Classifier = (Linear<3, 10, f64>, Relu, Linear<10, 1, f64>, Sigmoid);
//!
//! #[differentiable]
//! fn classifier_bce(model: &Classifier, x: &SMatrix<f64, 3, 20>, y: &SMatrix<f64, 1, 20>) -> f64 {
//!     let probability = model.forward(x);
//!     loss::bce(&probability, y, Reduction::Mean)
//! }
//!
//! let (loss, gradient) = classifier_bce_grad(&model, &x, &y); // gradient: a Classifier
//! sgd.step(&mut model, &gradient);
//! ```
//!
//! The tutorial shows `model[0].weight.grad` before and after `backward()`
//! and the weights before and after `optimizer.step()`, and warns to call
//! `optimizer.zero_grad()` because PyTorch accumulates gradients. Here the
//! gradient is a value returned by `classifier_bce_grad`: computing it twice
//! gives the same value, and there is nothing to zero.
//!
//! The code is in `examples/common/tutorials.rs`; the 100 losses and the final
//! weights equal PyTorch's (`tests/examples_output.rs`).
//!
//! Run with `cargo run --release --example mlp_classifier`.

mod common;

use common::tutorials::{
    classifier_bce, classifier_bce_grad, classifier_tutorial, train_classifier,
};
use common::{Chart, Mark, PALETTE, Result, Series, report_pictures, save_png};
use tapeless::optim::{Optimizer, Sgd};

const STEPS: usize = 100;

fn main() -> Result {
    let (mut model, x, y) = classifier_tutorial();
    println!("model: (Linear<3, 10>, Relu, Linear<10, 1>, Sigmoid), PyTorch's initial weights");

    println!(
        "first layer's weight (out × in), before the step:\n{}",
        model.0.weight
    );
    let (loss, gradient) = classifier_bce_grad(&model, &x, &y);
    println!("loss = {loss:.12}");
    println!("first layer's weight gradient:\n{}", gradient.0.weight);
    let (_, again) = classifier_bce_grad(&model, &x, &y);
    println!(
        "computed again, the gradient is {} (a value, nothing accumulates: no zero_grad)",
        if again == gradient {
            "the same"
        } else {
            "DIFFERENT"
        }
    );
    if again != gradient {
        return Err("the gradient changed between two calls".into());
    }
    let before = model.0.weight;
    Sgd::new(0.01).step(&mut model, &gradient);
    println!(
        "first layer's weight after one SGD step (lr = 0.01):\n{}",
        model.0.weight
    );
    let change = (model.0.weight - before + 0.01 * gradient.0.weight).norm();
    if change > 1e-15 {
        return Err("the step is not weight -= lr * grad".into());
    }

    // The full run from the initial weights, as the tutorial's training loop.
    let (mut model, x, y) = classifier_tutorial();
    let losses = train_classifier(&mut model, &x, &y, STEPS);
    for (step, loss) in losses.iter().enumerate().step_by(10) {
        println!("step {step:3}  loss {loss:.12}");
    }
    let final_loss = classifier_bce(&model, &x, &y);
    println!("after {STEPS} steps: loss {final_loss:.12} (PyTorch: 0.683311462071)");
    if final_loss.is_nan() || final_loss >= losses[0] {
        return Err("the loss did not decrease".into());
    }
    let probability = tapeless::nn::Module::forward(&model, &x);
    let correct = (0..20)
        .filter(|&i| (probability[i] > 0.5) == (y[i] > 0.5))
        .count();
    println!("training accuracy: {correct}/20");

    let mut points: Vec<(f64, f64)> = losses
        .iter()
        .enumerate()
        .map(|(k, &l)| (k as f64, l))
        .collect();
    points.push((STEPS as f64, final_loss));
    let loss_chart = Chart::new("BCE loss, SGD lr 0.01", "step", "loss").with(Series::new(
        "loss",
        points,
        PALETTE[0],
        Mark::Line,
    ));
    let by_class = |label: f64| {
        (0..20)
            .filter(|&i| y[i] == label)
            .map(|i| (i as f64, probability[i]))
            .collect::<Vec<_>>()
    };
    let mut predictions = Chart::new("model output after training", "sample", "P(class 1)")
        .with(Series::new(
            "class 0",
            by_class(0.0),
            PALETTE[0],
            Mark::Dots,
        ))
        .with(Series::new(
            "class 1",
            by_class(1.0),
            PALETTE[3],
            Mark::Dots,
        ))
        .with(Series::new(
            "",
            vec![(0.0, 0.5), (19.0, 0.5)],
            PALETTE[7],
            Mark::Line,
        ));
    predictions.y_range = Some(0.0..1.0);
    let png = save_png(
        "mlp_classifier.png",
        &[loss_chart, predictions],
        2,
        (640, 480),
    )?;
    report_pictures(&[png])
}
