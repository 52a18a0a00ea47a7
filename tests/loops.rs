//! `for` loops inside `#[differentiable]` functions: accumulators over data
//! of run-time length, nested loops, branches and calls inside loops,
//! recurrences with a fixed trip count; against central differences, hand
//! derivations and PyTorch's reference runs.
#![allow(
    dead_code,
    reason = "some primals are only called through their generated siblings"
)]

mod common;

use common::{assert_close_op, assert_close_trajectory, case, flat, numbers, reference, tight};
use nalgebra::{SMatrix, SVector, Vector3};
use tapeless::{Params, differentiable, nn};

/// The fastai lecture's quadratic fit: MSE of `a t² + b t + c` over data of
/// any length.
#[differentiable]
fn quadratic_mse(p: &Vector3<f64>, t: &[f64], y: &[f64]) -> f64 {
    let mut total = 0.0;
    for (ti, yi) in t.iter().zip(y.iter()) {
        let prediction = p.x * (ti * ti) + p.y * ti + p.z;
        let residual = prediction - yi;
        total += residual * residual;
    }
    total / t.len() as f64
}

#[test]
fn accumulator_over_slices_matches_hand_derivation_and_central_differences() {
    let t: Vec<f64> = (0..20).map(f64::from).collect();
    let y: Vec<f64> = t
        .iter()
        .map(|t| 0.75 * (t - 9.5) * (t - 9.5) + 1.0)
        .collect();
    let p = Vector3::new(0.3, -0.2, 1.5);
    let (value, gradient) = quadratic_mse_grad(&p, &t, &y);
    assert_eq!(value, quadratic_mse(&p, &t, &y));
    let mut hand = Vector3::zeros();
    for (ti, yi) in t.iter().zip(&y) {
        let residual = p.x * ti * ti + p.y * ti + p.z - yi;
        hand += Vector3::new(ti * ti, *ti, 1.0) * (2.0 * residual / 20.0);
    }
    assert!(
        (gradient - hand).norm() <= 1e-12 * hand.norm(),
        "{gradient} vs {hand}"
    );
    tight()
        .run(|p| quadratic_mse(p, &t, &y), &p, &gradient)
        .unwrap();
}

/// [`quadratic_mse`] with each square written as a product with 1 (and as
/// `powi(2)`, subtracted from a negated total): only the plain `total += r * r`
/// and the `powi` form take the sum of squares' path (its iterations seeded with ½, the
/// factor 2 applied after the loop).
#[differentiable]
fn quadratic_mse_unit_factor(p: &Vector3<f64>, t: &[f64], y: &[f64]) -> f64 {
    let mut total = 0.0;
    for (ti, yi) in t.iter().zip(y.iter()) {
        let residual = p.x * (ti * ti) + p.y * ti + p.z - yi;
        total += 1.0 * (residual * residual);
    }
    total / t.len() as f64
}

#[differentiable]
fn quadratic_mse_negated_powi(p: &Vector3<f64>, t: &[f64], y: &[f64]) -> f64 {
    let mut total = 0.0;
    for (ti, yi) in t.iter().zip(y.iter()) {
        let residual = p.x * (ti * ti) + p.y * ti + p.z - yi;
        total -= residual.powi(2);
    }
    -total / t.len() as f64
}

#[test]
fn sums_of_squares_move_the_factor_two_after_the_loop_exactly() {
    let t: Vec<f64> = (0..37).map(|i| f64::from(i) * 0.37 - 3.0).collect();
    let y: Vec<f64> = t.iter().map(|t| (1.3 * t).sin() + 0.1 * t * t).collect();
    for p in [
        Vector3::new(0.3, -0.2, 1.5),
        Vector3::new(-1.7e3, 2.5e-4, 0.1),
        Vector3::new(1e-150, -3.0, 7.0e10),
    ] {
        let (value, gradient) = quadratic_mse_grad(&p, &t, &y);
        let (unit_value, unit_gradient) = quadratic_mse_unit_factor_grad(&p, &t, &y);
        let (negated_value, negated_gradient) = quadratic_mse_negated_powi_grad(&p, &t, &y);
        assert_eq!(value, unit_value);
        assert_eq!(value, negated_value);
        // Halving the seed and doubling after the loop are exact.
        assert_eq!(gradient, unit_gradient, "at {p}");
        assert_eq!(gradient, negated_gradient, "at {p}");
    }
    let p = Vector3::new(0.3, -0.2, 1.5);
    let (_, gradient) = quadratic_mse_negated_powi_grad(&p, &t, &y);
    tight()
        .run(|p| quadratic_mse_negated_powi(p, &t, &y), &p, &gradient)
        .unwrap();
}

#[test]
fn quadratic_fit_reproduces_pytorch_for_20000_steps() {
    let seeds = reference("seeds.json");
    let fit = case(&seeds, "quadratic_fit");
    let t = numbers(&fit["t"]);
    let y = numbers(&fit["signal"]);
    let mut p = Vector3::from_vec(numbers(&fit["params0"]));
    let mut losses = Vec::new();
    let mut history = Vec::new();
    for step in 0..20_000 {
        let (loss, gradient) = quadratic_mse_grad(&p, &t, &y);
        if step % 1000 == 0 {
            losses.push(loss);
            history.extend(p.iter().copied());
        }
        p -= gradient * 1e-5;
    }
    assert_close_trajectory(&losses, &numbers(&fit["loss_history"]), "loss history");
    let expected: Vec<f64> = fit["params_history"]
        .as_array()
        .expect("rows")
        .iter()
        .flat_map(numbers)
        .collect();
    assert_close_trajectory(&history, &expected, "parameter history");
    assert_close_trajectory(
        p.as_slice(),
        &numbers(&fit["final_params"]),
        "final parameters",
    );
}

#[differentiable]
#[allow(
    clippy::needless_range_loop,
    reason = "index loops are one of the forms under test"
)]
fn indexed(w: &SVector<f64, 4>, data: &[[f64; 4]; 3]) -> f64 {
    let mut total = 0.0;
    for i in 0..3 {
        let mut row_sum = 0.0;
        for j in 0..4 {
            let term = w[j] * data[i][j];
            if term > 0.0 {
                row_sum += term.sqrt();
            } else {
                row_sum -= term * w[j];
            }
        }
        total += row_sum.tanh();
    }
    total
}

#[test]
fn nested_loops_with_branches_and_indexing() {
    let data = [
        [1.0, -2.0, 0.5, 3.0],
        [0.2, 0.4, -0.6, 0.8],
        [-1.0, 1.0, 2.0, -0.5],
    ];
    let w = SVector::<f64, 4>::new(0.7, -0.3, 1.1, 0.4);
    let (value, gradient) = indexed_grad(&w, &data);
    assert_eq!(value, indexed(&w, &data));
    tight().run(|w| indexed(w, &data), &w, &gradient).unwrap();
}

#[differentiable]
fn vector_accumulator(w: &Vector3<f64>, xs: &[Vector3<f64>]) -> f64 {
    let mut sum = Vector3::zeros();
    for x in xs.iter() {
        sum += x.component_mul(w) * x.dot(w);
    }
    sum.norm_squared()
}

#[test]
fn vector_valued_accumulators() {
    let xs = [
        Vector3::new(1.0, 2.0, -1.0),
        Vector3::new(0.5, -0.5, 2.0),
        Vector3::new(-1.0, 0.3, 0.7),
    ];
    let w = Vector3::new(0.2, -0.4, 0.9);
    let (value, gradient) = vector_accumulator_grad(&w, &xs);
    assert_eq!(value, vector_accumulator(&w, &xs));
    tight()
        .run(|w| vector_accumulator(w, &xs), &w, &gradient)
        .unwrap();
}

/// The recurrence: `s ← s − 0.3 sin(s c)`, ten times.
#[differentiable]
fn recurrence(s0: f64, c: f64) -> f64 {
    let mut s = s0;
    for i in 0..10 {
        let weight = 1.0 + i as f64 * 0.1;
        s = s - 0.3 * (s * c).sin() * weight;
    }
    s * s
}

const STEPS: usize = 6;

#[differentiable(wrt = (x, rate))]
fn two_recurrences(x: f64, rate: f64) -> f64 {
    let mut position = x;
    let mut velocity = 0.0;
    let mut energy = 0.0;
    for step in 0..STEPS {
        let force = -position * rate;
        velocity += force * 0.1;
        position += velocity * 0.1;
        energy += velocity * velocity + step as f64 * 0.0;
    }
    position + energy
}

#[test]
fn recurrences_with_a_fixed_trip_count_replay_stored_values() {
    for (s0, c) in [(0.5, 1.5), (-1.2, 0.7), (2.0, -2.0)] {
        let (value, ds0) = recurrence_grad(s0, c);
        assert_eq!(value, recurrence(s0, c));
        tight().run(|s0| recurrence(*s0, c), &s0, &ds0).unwrap();
        let (_, pullback) = recurrence_vjp(s0, c);
        assert_eq!(pullback(1.0).0, ds0);
    }
    let (value, (dx, drate)) = two_recurrences_grad(0.8, 2.0);
    assert_eq!(value, two_recurrences(0.8, 2.0));
    tight()
        .run(|x| two_recurrences(*x, 2.0), &0.8, &dx)
        .unwrap();
    tight()
        .run(|rate| two_recurrences(0.8, *rate), &2.0, &drate)
        .unwrap();
}

// ---- the tutorial's 3-10-1 network, written by hand with matrices -----------------

#[derive(Params, Clone, Copy, Debug, PartialEq)]
struct Mlp {
    w1: SMatrix<f64, 10, 3>,
    b1: SVector<f64, 10>,
    w2: SMatrix<f64, 1, 10>,
    b2: SVector<f64, 1>,
}

/// Mean binary cross-entropy of `sigmoid(w2 relu(w1 x + b1) + b2)`.
#[differentiable]
fn mlp_bce(model: &Mlp, xs: &[Vector3<f64>], ys: &[f64]) -> f64 {
    let mut total = 0.0;
    for (x, y) in xs.iter().zip(ys.iter()) {
        let hidden = nn::relu(model.w1 * x + model.b1);
        let logit = (model.w2 * hidden + model.b2)[0];
        let p = nn::sigmoid(logit);
        total -= y * p.ln() + (1.0 - y) * (1.0 - p).ln();
    }
    total / xs.len() as f64
}

fn matrix<const R: usize, const C: usize>(value: &serde_json::Value) -> SMatrix<f64, R, C> {
    let rows: Vec<Vec<f64>> = value
        .as_array()
        .expect("rows")
        .iter()
        .map(numbers)
        .collect();
    SMatrix::from_fn(|i, j| rows[i][j])
}

#[test]
fn hand_written_mlp_matches_pytorch_gradients() {
    let layers = reference("layers.json");
    let mlp_case = &layers["mlp_gradient_cases"][0];
    assert_eq!(mlp_case["name"], "mlp_3_10_1_relu_sigmoid_bce_mean");
    let params = &mlp_case["params"];
    let model = Mlp {
        w1: matrix::<10, 3>(&params[0]["value"]),
        b1: SVector::from_vec(numbers(&params[1]["value"])),
        w2: matrix::<1, 10>(&params[2]["value"]),
        b2: SVector::from_vec(numbers(&params[3]["value"])),
    };
    let xs: Vec<Vector3<f64>> = mlp_case["x"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| Vector3::from_vec(numbers(row)))
        .collect();
    let ys: Vec<f64> = mlp_case["y"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| numbers(row)[0])
        .collect();
    let (loss, gradient) = mlp_bce_grad(&model, &xs, &ys);
    assert_close_op(
        &[loss],
        &[mlp_case["loss_value"].as_f64().expect("a number")],
        "loss",
    );
    let grads = &mlp_case["grads"];
    assert_close_op(
        gradient.w1.transpose().as_slice(),
        &flat(&grads[0]["value"]),
        "w1",
    );
    assert_close_op(gradient.b1.as_slice(), &numbers(&grads[1]["value"]), "b1");
    assert_close_op(gradient.w2.as_slice(), &flat(&grads[2]["value"]), "w2");
    assert_close_op(gradient.b2.as_slice(), &numbers(&grads[3]["value"]), "b2");
    tight()
        .run(|m| mlp_bce(m, &xs, &ys), &model, &gradient)
        .unwrap();
}

// ---- places at constant offsets from the index (issue 16) -------------------
// The reverse sweep carries the adjoints of `x[i + k]` from one iteration to
// the next in locals; these check it for every form it accepts and for the
// forms that keep adding in memory.

/// scipy's `rosen`: `x[i]` and `x[i + 1]`.
#[differentiable]
fn rosen<const N: usize>(x: &SVector<f64, N>) -> f64 {
    let mut total = 0.0;
    for i in 0..N - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        total += 100.0 * a * a + b * b;
    }
    total
}

/// Through `rosen_vjp`, with an adjoint other than one.
#[differentiable]
fn scaled_rosen(x: &SVector<f64, 6>) -> f64 {
    3.0 * rosen(x) + x[0]
}

/// A reversed range, offsets -1 and 0, an array.
#[differentiable]
#[allow(
    clippy::needless_range_loop,
    reason = "index loops are the form under test"
)]
fn backward_differences(x: &[f64; 6]) -> f64 {
    let mut total = 0.0;
    for i in (1..6).rev() {
        let d = x[i] - x[i - 1];
        total += d * d * x[i];
    }
    total
}

/// Offsets 0, 1 and 2 (a gap at 1 in one term), an inclusive range, two
/// contributions to one place, and a second indexed argument.
#[differentiable(wrt = (x, w))]
fn three_point(x: &SVector<f64, 7>, w: &SVector<f64, 7>) -> f64 {
    let mut total = 0.0;
    for i in 1..=4 {
        let curvature = x[i - 1] - 2.0 * x[i] + x[i + 1];
        total += curvature * curvature * w[i] + x[i + 2] * x[i - 1].sin() + w[i + 2] * x[i];
    }
    total
}

/// A reversed range with offsets -2 and +1 (the farthest first).
#[differentiable]
fn spread_backwards(x: &[f64; 8]) -> f64 {
    let mut total = 0.0;
    for i in (2..7).rev() {
        total += (x[i + 1] * x[i - 2]).tanh() + x[i].cos();
    }
    total
}

/// Forms that keep adding in memory: a fixed place besides the offsets...
#[differentiable]
fn fixed_place(x: &SVector<f64, 6>) -> f64 {
    let mut total = 0.0;
    for i in 0..5 {
        total += x[i] * x[i + 1] + x[0] * x[i];
    }
    total
}

/// ... a branch that adds to `x[i + 1]`...
#[differentiable]
fn branch_place(x: &SVector<f64, 6>) -> f64 {
    let mut total = 0.0;
    for i in 0..5 {
        if x[i] > 0.0 {
            total += x[i + 1].exp() * x[i];
        } else {
            total += x[i] * x[i];
        }
    }
    total
}

/// ... a stride of 2...
#[differentiable]
fn strided_places(x: &SVector<f64, 6>) -> f64 {
    let mut total = 0.0;
    for i in (0..5).step_by(2) {
        total += x[i] * x[i + 1];
    }
    total
}

/// ... an index read from data.
#[differentiable]
fn data_places(x: &SVector<f64, 6>, k: &[usize; 3]) -> f64 {
    let mut total = 0.0;
    for j in k {
        total += x[*j] * x[j + 1];
    }
    total
}

/// A loop a `break` ends early, and a loop with no iterations.
#[differentiable]
fn stopped(x: &SVector<f64, 6>, stop: usize) -> f64 {
    let mut total = 0.0;
    for i in 0..5 {
        if i == stop {
            break;
        }
        total += x[i] * x[i + 1].sin();
    }
    let mut none = 0.0;
    for i in 0..stop.min(5) - stop.min(5) {
        none += x[i] * x[i + 1];
    }
    total + none
}

#[test]
fn offset_places_carried_across_iterations_match_central_differences() {
    let x6 = SVector::<f64, 6>::from_column_slice(&[-1.2, 1.0, 0.8, -0.4, 0.3, 1.7]);
    let (value, gradient) = rosen_grad(&x6);
    assert_eq!(value, rosen(&x6));
    tight().run(rosen, &x6, &gradient).unwrap();
    let (_, gradient) = scaled_rosen_grad(&x6);
    tight().run(scaled_rosen, &x6, &gradient).unwrap();
    // Two elements, and one: a single iteration, and none.
    let x2 = SVector::<f64, 2>::new(0.5, -0.3);
    tight().run(rosen, &x2, &rosen_grad(&x2).1).unwrap();
    let x1 = SVector::<f64, 1>::new(0.5);
    assert_eq!(rosen_grad(&x1), (0.0, SVector::<f64, 1>::zeros()));

    let array = [0.3, -0.7, 1.1, 0.2, -0.5, 0.9];
    tight()
        .run(
            backward_differences,
            &array,
            &backward_differences_grad(&array).1,
        )
        .unwrap();

    let w = SVector::<f64, 7>::from_fn(|i, _| 0.5 + 0.1 * i as f64);
    let x7 = SVector::<f64, 7>::from_fn(|i, _| (i as f64 * 0.7).sin());
    let (_, (gradient_x, gradient_w)) = three_point_grad(&x7, &w);
    tight()
        .run(|x| three_point(x, &w), &x7, &gradient_x)
        .unwrap();
    tight()
        .run(|w| three_point(&x7, w), &w, &gradient_w)
        .unwrap();

    let x8 = [0.1, 0.9, -0.4, 0.6, -1.3, 0.2, 0.8, -0.6];
    tight()
        .run(spread_backwards, &x8, &spread_backwards_grad(&x8).1)
        .unwrap();

    tight()
        .run(fixed_place, &x6, &fixed_place_grad(&x6).1)
        .unwrap();
    tight()
        .run(branch_place, &x6, &branch_place_grad(&x6).1)
        .unwrap();
    tight()
        .run(strided_places, &x6, &strided_places_grad(&x6).1)
        .unwrap();
    let k = [0, 3, 4];
    tight()
        .run(|x| data_places(x, &k), &x6, &data_places_grad(&x6, &k).1)
        .unwrap();
}

#[test]
fn offset_places_in_loops_that_stop_early() {
    let x = SVector::<f64, 6>::from_column_slice(&[0.4, -1.1, 0.7, 1.3, -0.2, 0.5]);
    for stop in [0, 1, 3, 5, 7] {
        let (value, gradient) = stopped_grad(&x, stop);
        assert_eq!(value, stopped(&x, stop));
        tight().run(|x| stopped(x, stop), &x, &gradient).unwrap();
    }
}
