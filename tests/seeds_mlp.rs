//! The two network tutorials of `tests/data/seeds.json`, trained end to end:
//! a sequential model and a loss in a `#[differentiable]` function, the
//! gradient from the macro, the step from `optim`. PyTorch's loss history
//! and final parameters are reproduced within 1e-8 in f64, and the f32 run
//! of `mlp_bce` ends within 1e-4 of the f64 one.

mod common;

use common::{assert_close_trajectory, case, flat, numbers, reference};
use nalgebra::{SMatrix, SVector};
use serde_json::Value;
use tapeless::loss::{self, Reduction};
use tapeless::nn::{Linear, Module, Relu, Sigmoid};
use tapeless::optim::{Adam, Optimizer, Sgd};
use tapeless::{Real, differentiable};

type Classifier<T> = (Linear<3, 10, T>, Relu, Linear<10, 1, T>, Sigmoid);
type Regressor = (Linear<3, 32, f64>, Relu, Linear<32, 1, f64>);

/// `nn.BCELoss()(model(x), y)` over the batch (samples as columns).
#[differentiable]
fn classifier_loss<T: Real>(
    model: &Classifier<T>,
    x: &SMatrix<T, 3, 20>,
    y: &SMatrix<T, 1, 20>,
) -> T {
    let prediction = model.forward(x);
    loss::bce(&prediction, y, Reduction::Mean)
}

/// `nn.MSELoss(reduction='sum')(model(x), y)`.
#[differentiable]
fn regressor_loss(model: &Regressor, x: &SMatrix<f64, 3, 100>, y: &SMatrix<f64, 1, 100>) -> f64 {
    let prediction = model.forward(x);
    loss::mse(&prediction, y, Reduction::Sum)
}

/// The named parameter of a PyTorch `named_parameters()` list, flattened
/// row-major.
fn parameter(list: &Value, name: &str) -> Vec<f64> {
    let entry = list
        .as_array()
        .expect("parameters")
        .iter()
        .find(|p| p["name"] == name)
        .expect(name);
    flat(&entry["value"])
}

fn linear<T: Real, const IN: usize, const OUT: usize>(
    list: &Value,
    index: usize,
) -> Linear<IN, OUT, T> {
    let weight = parameter(list, &format!("{index}.weight"));
    let bias = parameter(list, &format!("{index}.bias"));
    Linear::from_weights(
        SMatrix::from_row_iterator(weight.into_iter().map(T::from_f64_lossy)),
        SVector::from_iterator(bias.into_iter().map(T::from_f64_lossy)),
    )
}

/// Samples as columns: the JSON's `[N, features]` rows become columns.
fn batch<T: Real, const R: usize, const N: usize>(rows: &Value) -> SMatrix<T, R, N> {
    let values = flat(rows);
    SMatrix::from_iterator(values.into_iter().map(T::from_f64_lossy))
}

fn train_classifier<T: Real>(seed: &Value) -> (Vec<f64>, Classifier<T>) {
    let initial = &seed["initial_params"];
    let mut model: Classifier<T> = (linear(initial, 0), Relu, linear(initial, 2), Sigmoid);
    let x: SMatrix<T, 3, 20> = batch(&seed["x"]);
    let y: SMatrix<T, 1, 20> = batch(&seed["y"]);
    let mut optimizer = Sgd::new(T::from_f64_lossy(0.01));
    let mut losses = Vec::new();
    for _ in 0..100 {
        let (value, gradient) = classifier_loss_grad(&model, &x, &y);
        losses.push(T::to_f64_lossless(value));
        optimizer.step(&mut model, &gradient);
    }
    losses.push(T::to_f64_lossless(classifier_loss(&model, &x, &y)));
    (losses, model)
}

fn model_parameters<const H: usize>(
    first: &Linear<3, H, f64>,
    second: &Linear<H, 1, f64>,
) -> Vec<f64> {
    // PyTorch's order and layout: 0.weight (row-major), 0.bias, 2.weight, 2.bias.
    let mut values: Vec<f64> = first.weight.transpose().iter().copied().collect();
    values.extend(first.bias.iter());
    values.extend(second.weight.transpose().iter());
    values.extend(second.bias.iter());
    values
}

#[test]
fn mlp_bce_matches_pytorch_and_f32_follows_f64() {
    let seeds = reference("seeds.json");
    let seed = case(&seeds, "mlp_bce");
    let (losses, model) = train_classifier::<f64>(seed);
    assert_close_trajectory(
        &losses[..100],
        &numbers(&seed["loss_history"]),
        "loss history",
    );
    assert_close_trajectory(
        &losses[100..],
        &[seed["final_loss"].as_f64().expect("a number")],
        "final loss",
    );
    let expected: Vec<f64> = ["0.weight", "0.bias", "2.weight", "2.bias"]
        .iter()
        .flat_map(|name| parameter(&seed["final_params"], name))
        .collect();
    assert_close_trajectory(
        &model_parameters(&model.0, &model.2),
        &expected,
        "final parameters",
    );

    let (losses32, _) = train_classifier::<f32>(seed);
    let final64 = losses[100];
    let final32 = losses32[100];
    assert!(
        (final32 - final64).abs() <= 1e-4,
        "f32 final loss {final32} vs f64 {final64}"
    );
}

#[test]
fn mlp_adam_regression_matches_pytorch() {
    let seeds = reference("seeds.json");
    let seed = case(&seeds, "mlp_adam_regression");
    let initial = &seed["initial_params"];
    let mut model: Regressor = (linear(initial, 0), Relu, linear(initial, 2));
    let x: SMatrix<f64, 3, 100> = batch(&seed["x"]);
    let y: SMatrix<f64, 1, 100> = batch(&seed["y"]);
    let mut optimizer = Adam::new(0.08);
    let mut recorded = Vec::new();
    for step in 0..200 {
        let (value, gradient) = regressor_loss_grad(&model, &x, &y);
        if step % 10 == 0 {
            recorded.push(value);
        }
        optimizer.step(&mut model, &gradient);
    }
    assert_close_trajectory(&recorded, &numbers(&seed["loss_history"]), "loss history");
    let final_loss = regressor_loss(&model, &x, &y);
    assert_close_trajectory(
        &[final_loss],
        &[seed["final_loss"].as_f64().expect("a number")],
        "final loss",
    );
    let expected: Vec<f64> = ["0.weight", "0.bias", "2.weight", "2.bias"]
        .iter()
        .flat_map(|name| parameter(&seed["final_params"], name))
        .collect();
    assert_close_trajectory(
        &model_parameters(&model.0, &model.2),
        &expected,
        "final parameters",
    );
}
