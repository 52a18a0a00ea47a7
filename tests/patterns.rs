//! `match` and `if let` on data inside differentiable functions, with arms
//! that compute differentiated values: against hand derivations and
//! central differences.

#![allow(
    dead_code,
    reason = "some primals are only called through their generated siblings"
)]

mod common;

use common::tight;
use nalgebra::{Vector2, Vector3};
use tapeless::differentiable;

/// Observations of three kinds, as a censored regression has them.
#[derive(Clone, Copy, Debug)]
enum Obs {
    Point(f64, f64),
    Censored { x: f64, above: f64 },
    Missing,
}

#[differentiable]
fn likelihood(p: &Vector2<f64>, data: &[Obs]) -> f64 {
    let mut total = 0.0;
    for obs in data.iter() {
        match obs {
            Obs::Point(x, y) => {
                let r = p.x * x + p.y - y;
                total += r * r;
            }
            Obs::Censored { x, above } if *above > 0.0 => total += (p.x * x - above).abs(),
            _ => {}
        }
    }
    total
}

#[test]
fn match_on_data_in_a_loop_matches_hand_derivation() {
    let data = [
        Obs::Point(1.0, 2.0),
        Obs::Censored { x: 2.0, above: 1.5 },
        Obs::Missing,
        Obs::Point(-0.5, 0.25),
        Obs::Censored {
            x: 1.0,
            above: -1.0,
        },
    ];
    let p = Vector2::new(0.7, -0.2);
    let (value, gradient) = likelihood_grad(&p, &data);
    assert_eq!(value, likelihood(&p, &data));
    let mut hand = Vector2::zeros();
    for obs in &data {
        match obs {
            Obs::Point(x, y) => {
                let r = p.x * x + p.y - y;
                hand += Vector2::new(2.0 * r * x, 2.0 * r);
            }
            Obs::Censored { x, above } if *above > 0.0 => {
                hand.x += (p.x * x - above).signum() * x;
            }
            _ => {}
        }
    }
    assert!(
        (gradient - hand).norm() <= 1e-12 * hand.norm(),
        "{gradient} vs {hand}"
    );
    tight()
        .run(|p| likelihood(p, &data), &p, &gradient)
        .unwrap();
}

/// `match` as an expression on an integer, each arm a different model.
#[differentiable]
fn piecewise_model(x: &Vector3<f64>, kind: usize, t: f64) -> f64 {
    let y = match kind {
        0 => x[0] * t,
        1 | 2 => x[1] * t.sin() + x[0],
        k if k > 10 => x[2].exp() * t,
        _ => x.norm_squared(),
    };
    y * y
}

#[test]
fn match_expression_arms_compute_differentiated_values() {
    let x = Vector3::new(0.3, -0.8, 0.4);
    for kind in [0, 1, 2, 5, 11] {
        let (value, gradient) = piecewise_model_grad(&x, kind, 1.3);
        assert_eq!(value, piecewise_model(&x, kind, 1.3), "kind {kind}");
        tight()
            .run(|x| piecewise_model(x, kind, 1.3), &x, &gradient)
            .unwrap();
    }
}

/// `if let` on optional data, and a scrutinee that is a call (evaluated
/// once).
#[differentiable]
fn optional_weights(w: f64, weights: &[Option<f64>]) -> f64 {
    let mut total = 0.0;
    for (i, weight) in weights.iter().enumerate() {
        if let Some(c) = weight {
            total += c * w * w;
        } else {
            total += w;
        }
        if let Some(first) = weights.first().copied().flatten() {
            total += first * w * (i as f64);
        }
    }
    total
}

#[test]
fn if_let_binds_data_for_the_branch() {
    let weights = [Some(2.0), None, Some(0.5)];
    let w = 1.5;
    let (value, gradient) = optional_weights_grad(w, &weights);
    assert_eq!(value, optional_weights(w, &weights));
    // Σ c·w² over Some(c) + w per None + first·w·i for i = 0..3.
    let hand = 2.0 * w * (2.0 + 0.5) + 1.0 + 2.0 * (0.0 + 1.0 + 2.0);
    assert!(
        (gradient - hand).abs() <= 1e-12 * hand,
        "{gradient} vs {hand}"
    );
}

/// A binding of a `match` on a differentiated value is an error, never a
/// missing gradient: see `tests/ui/match_on_differentiated_value.rs`.
#[differentiable]
fn match_on_data_scrutinee_call(x: f64, t: f64) -> f64 {
    match classify(t) {
        Class::Low => x * x,
        Class::High(scale) => x * scale,
    }
}

enum Class {
    Low,
    High(f64),
}

fn classify(t: f64) -> Class {
    if t < 0.0 {
        Class::Low
    } else {
        Class::High(t * 2.0)
    }
}

#[test]
fn a_scrutinee_call_is_evaluated_for_its_arm() {
    assert_eq!(match_on_data_scrutinee_call_grad(3.0, -1.0), (9.0, 6.0));
    assert_eq!(match_on_data_scrutinee_call_grad(3.0, 2.0), (12.0, 4.0));
}
