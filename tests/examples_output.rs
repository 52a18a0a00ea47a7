//! The numbers the examples print, against PyTorch's runs of the same
//! tutorials (`tests/data/seeds.json`), wherever the tutorial's run is
//! reproducible: the examples and this test call the same functions
//! (`examples/common/tutorials.rs`), so what `cargo run --example NAME`
//! prints is what is checked here.
//!
//! Tolerance along trajectories, as `tests/data/REFERENCE.md` suggests:
//! `|a - b| <= 1e-8·max(|b|, S)` with `S = max(1, max|b|)` over the record.

mod common;
#[path = "../examples/common/tutorials.rs"]
mod tutorials;

use common::assert_close_trajectory;
use tutorials::{Trajectory, flat, seed_case};

/// Every record of a `scalar_trajectory` case.
fn assert_scalar_case(run: &Trajectory, name: &str) {
    let case = seed_case(name);
    assert_close_trajectory(&run.x, &flat(&case["x"]), &format!("{name} x"));
    assert_close_trajectory(&run.y, &flat(&case["y"]), &format!("{name} y"));
    assert_close_trajectory(
        &run.loss,
        &flat(&case["loss_values"]),
        &format!("{name} loss"),
    );
    assert_close_trajectory(&run.lr, &flat(&case["lr"]), &format!("{name} lr"));
}

#[test]
fn cube_root_by_hand_and_with_sgd_and_l1() {
    assert_scalar_case(&tutorials::cube_root_by_hand(10), "cube");
    assert_scalar_case(&tutorials::cube_root_sgd(10), "cube");
}

#[test]
fn exponential_lr() {
    assert_scalar_case(&tutorials::exponential_lr(150), "abs_exponential");
}

#[test]
fn curve_adam() {
    let runs = tutorials::curve_runs(15);
    let (name, adam) = &runs[0];
    assert!(name.starts_with("Adam"));
    assert_scalar_case(adam, "curve_adam");
}

#[test]
fn quadratic_fit_first_20000_steps() {
    check_quadratic_fit(tutorials::QuadraticFit::step);
}

#[test]
fn quadratic_fit_first_20000_steps_loop_form() {
    check_quadratic_fit(tutorials::QuadraticFit::step_loop);
}

fn check_quadratic_fit(take_step: fn(&mut tutorials::QuadraticFit) -> f64) {
    let case = seed_case("quadratic_fit");
    let record_every = case["record_every"].as_u64().expect("record_every") as usize;
    let steps = case["steps"].as_u64().expect("steps") as usize;
    let mut fit = tutorials::QuadraticFit::tutorial();
    let (mut losses, mut params) = (Vec::new(), Vec::new());
    for step in 0..steps {
        let before = fit.params;
        let loss = take_step(&mut fit);
        if step % record_every == 0 {
            losses.push(loss);
            params.extend_from_slice(before.as_slice());
        }
    }
    assert_close_trajectory(&losses, &flat(&case["loss_history"]), "loss_history");
    assert_close_trajectory(&params, &flat(&case["params_history"]), "params_history");
    assert_close_trajectory(&[fit.loss()], &flat(&case["final_loss"]), "final_loss");
    assert_close_trajectory(
        fit.params.as_slice(),
        &flat(&case["final_params"]),
        "final_params",
    );
}

/// The `final_params` of an `mlp_training` case against a trained model.
fn assert_final_params(case: &serde_json::Value, actual: &[(&str, Vec<f64>)]) {
    for (name, values) in actual {
        let expected = case["final_params"]
            .as_array()
            .expect("final_params")
            .iter()
            .find(|p| p["name"] == *name)
            .expect("a named parameter");
        assert_close_trajectory(values, &flat(&expected["value"]), name);
    }
}

#[test]
fn mlp_classifier() {
    let case = seed_case("mlp_bce");
    let steps = case["steps"].as_u64().expect("steps") as usize;
    let (mut model, x, y) = tutorials::classifier_tutorial();
    let losses = tutorials::train_classifier(&mut model, &x, &y, steps);
    assert_close_trajectory(&losses, &flat(&case["loss_history"]), "loss_history");
    let final_loss = tutorials::classifier_bce(&model, &x, &y);
    assert_close_trajectory(&[final_loss], &flat(&case["final_loss"]), "final_loss");
    assert_final_params(&case, &tutorials::torch_order(&model.0, &model.2));
}

#[test]
fn mlp_regression() {
    let case = seed_case("mlp_adam_regression");
    let steps = case["steps"].as_u64().expect("steps") as usize;
    let record_every = case["record_every"].as_u64().expect("record_every") as usize;
    let (mut model, x, y) = tutorials::regressor_tutorial();
    let losses = tutorials::train_regressor(&mut model, &x, &y, steps);
    let recorded: Vec<f64> = losses.iter().copied().step_by(record_every).collect();
    assert_close_trajectory(&recorded, &flat(&case["loss_history"]), "loss_history");
    let final_loss = tutorials::regressor_sse(&model, &x, &y);
    assert_close_trajectory(&[final_loss], &flat(&case["final_loss"]), "final_loss");
    assert_final_params(&case, &tutorials::torch_order(&model.0, &model.2));
}
