//! Regressions found by random programs (`tests/random_programs/`) and by
//! the audit that followed them: each function is a shrunk failure (or the
//! report's own case), checked against a hand derivation where one is short
//! and against central differences always.
#![allow(
    dead_code,
    unused_mut,
    unused_variables,
    unused_assignments,
    clippy::let_and_return,
    clippy::assign_op_pattern,
    clippy::match_single_binding,
    reason = "shrunk programs keep the shape that failed"
)]

mod common;

use common::tight;
use nalgebra::{Vector2, Vector3};
use tapeless::differentiable;

/// Two accumulations at the top level into the same argument: each fused
/// loop needs its own per-unit gradient (they shared one local, and the
/// gradient was `[8, 0, 0]`).
#[differentiable]
fn two_accumulations(x: &Vector3<f64>) -> f64 {
    let mut a = 0.0;
    for _i in 0..4 {
        a += x[2];
    }
    let mut b = 0.0;
    for _i in 0..4 {
        b += x[0];
    }
    a + b
}

#[test]
fn two_accumulating_loops_keep_their_own_gradients() {
    let x = Vector3::new(0.3, -1.2, 2.5);
    let (value, gradient) = two_accumulations_grad(&x);
    assert_eq!(value, two_accumulations(&x));
    assert_eq!(gradient, Vector3::new(4.0, 0.0, 4.0));
}

/// A data term and a penalty, each its own loop: the report's second case.
#[differentiable]
fn ridge_like(x: &Vector3<f64>, ts: &[f64], ys: &[f64]) -> f64 {
    let mut data = 0.0;
    for (t, y) in ts.iter().zip(ys) {
        let r = x[0] * t + x[1] - y;
        data += r * r;
    }
    let mut pen = 0.0;
    for i in 0..3 {
        pen += x[i] * x[i];
    }
    data + 0.1 * pen
}

#[test]
fn data_term_plus_penalty_matches_hand_derivation() {
    let x = Vector3::new(1.045, 0.159, -0.6);
    let (ts, ys) = ([0.0, 1.0, 2.0, 3.0], [1.0, 2.5, 3.9, 6.1]);
    let (_, gradient) = ridge_like_grad(&x, &ts, &ys);
    let mut hand = x * 0.2;
    for (t, y) in ts.iter().zip(&ys) {
        let r = x[0] * t + x[1] - y;
        hand[0] += 2.0 * r * t;
        hand[1] += 2.0 * r;
    }
    assert!(
        (gradient - hand).norm() <= 1e-12 * hand.norm(),
        "{gradient} vs {hand}"
    );
    assert!((gradient - Vector3::new(-25.823, -13.156, -0.12)).norm() < 1e-2);
    tight()
        .run(|x| ridge_like(x, &ts, &ys), &x, &gradient)
        .unwrap();
}

/// A local that renames a projection, read by a branch condition: the
/// condition named a local that the generated code never declared.
#[differentiable]
fn projection_in_condition(p: &Vector2<f64>) -> f64 {
    let r = p.x;
    if r > 0.5 { r.sin() } else { r.cos() }
}

#[test]
fn a_projection_alias_can_be_a_branch_condition() {
    for x in [0.2, 0.9] {
        let p = Vector2::new(x, 3.0);
        let (value, gradient) = projection_in_condition_grad(&p);
        assert_eq!(value, projection_in_condition(&p));
        let expected = if x > 0.5 { x.cos() } else { -x.sin() };
        assert_eq!(gradient, Vector2::new(expected, 0.0));
    }
}

/// A recurrence inside a recurrence: the inner loop's stored values must be
/// refilled for every outer iteration of the reverse sweep.
#[differentiable]
fn nested_recurrences(x: &Vector3<f64>) -> f64 {
    let mut v = x[0];
    for _ in 0..3 {
        for _ in 0..2 {
            v /= 0.5 + v * 0.1;
        }
        v = v * x[1];
    }
    x.z + v
}

#[test]
fn nested_recurrences_replay_the_inner_loop_per_outer_iteration() {
    let x = Vector3::new(0.8, 0.9, -0.3);
    let (value, gradient) = nested_recurrences_grad(&x);
    assert_eq!(value, nested_recurrences(&x));
    tight().run(nested_recurrences, &x, &gradient).unwrap();
}

/// `let v = *x;` carried by a loop: the variable holds a copy, not the
/// reference the loop's first iteration would have started from.
#[differentiable]
fn dereferenced_and_carried(x: &Vector3<f64>, d: &[f64]) -> f64 {
    let mut v = *x;
    for t in d.iter() {
        v += *x * *t;
    }
    let mut w = Vector3::<f64>::zeros();
    for _ in 0..2 {
        w = *x;
    }
    v.dot(&w)
}

#[test]
fn a_dereferenced_argument_can_be_carried_by_loops() {
    let x = Vector3::new(0.4, -0.7, 1.1);
    let d = [0.5, -0.25, 2.0];
    let (value, gradient) = dereferenced_and_carried_grad(&x, &d);
    assert_eq!(value, dereferenced_and_carried(&x, &d));
    // v = x (1 + Σd), w = x: f = (1 + Σd) |x|², ∇f = 2 (1 + Σd) x.
    let hand = x * (2.0 * (1.0 + d.iter().sum::<f64>()));
    assert!((gradient - hand).norm() <= 1e-12 * hand.norm());
}

/// `let v = *t;` on the data, then a recurrence on it inside the loop.
#[differentiable]
fn dereferenced_element(s: f64, d: &[f64]) -> f64 {
    let mut total = 0.0;
    for t in d.iter() {
        let mut v = *t;
        for _ in 0..2 {
            v *= s;
        }
        total += v;
    }
    total
}

#[test]
fn a_dereferenced_element_can_start_a_recurrence() {
    let d = [0.5, -0.25, 2.0];
    let s = 1.3;
    let (value, gradient) = dereferenced_element_grad(s, &d);
    assert_eq!(value, dereferenced_element(s, &d));
    let hand: f64 = d.iter().map(|t| 2.0 * t * s).sum();
    assert!((gradient - hand).abs() <= 1e-12 * hand.abs());
}

/// An accumulation over the data inside a recurrence, adding a value the
/// enclosing iteration computed: the reverse sweep named that value before
/// recomputing it.
#[differentiable]
fn accumulation_inside_recurrence(x: &Vector3<f64>, d: &[f64]) -> f64 {
    let mut total: f64 = 0.5;
    for _ in 0..2 {
        let step = 0.5 - x[0] * total;
        for _t in d.iter() {
            total -= step;
        }
    }
    let mut inner: f64 = 0.5;
    if d[0] < 0.144 {
        let mut sum: f64 = 0.0;
        for _t in d.iter() {
            sum += x[1];
        }
        for _ in 0..1 {
            inner -= sum;
        }
    }
    total + inner
}

#[test]
fn accumulation_inside_recurrence_matches_central_differences() {
    let x = Vector3::new(0.3, -0.4, 0.2);
    for d in [[0.1, 0.2, -0.3], [0.5, 0.2, -0.3]] {
        let (value, gradient) = accumulation_inside_recurrence_grad(&x, &d);
        assert_eq!(value, accumulation_inside_recurrence(&x, &d));
        tight()
            .run(|x| accumulation_inside_recurrence(x, &d), &x, &gradient)
            .unwrap();
    }
}

/// An expression that binds a name of its own (a `match` arm) which is also
/// a local: renaming the local inside it changed the primal's value.
#[differentiable]
fn shadowing_pattern(x: f64, d: &[f64]) -> f64 {
    let mut v = 2.0;
    v = v * x;
    let count = match d.len() {
        v => v as f64,
    };
    v * count
}

#[test]
fn a_pattern_inside_an_expression_keeps_its_own_binding() {
    let d = [1.0, 2.0, 3.0];
    let (value, gradient) = shadowing_pattern_grad(0.5, &d);
    assert_eq!(value, shadowing_pattern(0.5, &d));
    assert_eq!(value, 3.0);
    assert_eq!(gradient, 6.0);
}

/// Generated names cannot collide with the user's: locals called like the
/// generator's tapes, per-unit gradients and loop indices.
#[differentiable]
fn generated_names(x: f64) -> f64 {
    let mut tape_of_v = 0.25;
    let mut unit_adj_of_x = 0.5;
    let iteration = 2.0;
    let mut v = x;
    for _ in 0..3 {
        v = v * x + tape_of_v;
    }
    let mut acc = 0.0;
    for _ in 0..2 {
        acc += x * unit_adj_of_x;
    }
    v * iteration + acc
}

#[test]
fn users_names_do_not_collide_with_generated_ones() {
    let x = 0.7;
    let (value, gradient) = generated_names_grad(x);
    assert_eq!(value, generated_names(x));
    // v = x⁴ + 0.25 (x² + x + 1), acc = x; f = 2 v + acc.
    let hand = 2.0 * (4.0 * x * x * x + 0.25 * (2.0 * x + 1.0)) + 1.0;
    assert!((gradient - hand).abs() <= 1e-12 * hand.abs());
}

/// A float literal assigned to a variable whose type came from elsewhere,
/// then a method called on it: the assignment's new local needs the
/// variable's type (it was an ambiguous `{float}`).
#[differentiable]
fn literal_reassigned(x: &Vector3<f64>, s: f64) -> f64 {
    let mut v = s;
    for _ in 0..2 {
        v = 1.064;
        v *= v.tanh() * x[0];
    }
    v
}

#[test]
fn a_literal_assigned_to_a_variable_takes_its_type() {
    let x = Vector3::new(0.3, 0.0, 0.0);
    let (value, gradient) = literal_reassigned_grad(&x, 2.0);
    assert_eq!(value, literal_reassigned(&x, 2.0));
    // The last iteration decides: v = 1.064² tanh(1.064) x₀.
    let hand = 1.064_f64 * 1.064_f64.tanh();
    assert_eq!(gradient, Vector3::new(hand, 0.0, 0.0));
}

/// `clamp` at its bounds passes the gradient, as torch.clamp's does
/// (`min <= x <= max`); the random programs met this kink exactly.
#[differentiable]
fn clamped(x: &Vector3<f64>) -> f64 {
    x.x.clamp(-0.7, 0.8)
}

#[test]
fn clamp_at_its_bounds_follows_pytorch() {
    for (at, expected) in [(0.8, 1.0), (-0.7, 1.0), (0.9, 0.0), (0.0, 1.0)] {
        let (_, gradient) = clamped_grad(&Vector3::new(at, 0.0, 0.0));
        assert_eq!(gradient[0], expected, "at {at}");
    }
}

/// Accumulations over the data that read a counter the loop carries: the
/// reverse sweep recomputes the counter along the data, with no storage
/// (this was a "carries `acc`" error).
#[differentiable]
fn counted(w: f64, d: &[f64]) -> f64 {
    let mut n = 0.0;
    let mut weighted = 0.0;
    let mut squares = 0.0;
    for t in d.iter() {
        n += 1.0;
        weighted += w * n * t;
        squares += w * w;
    }
    weighted * squares
}

#[test]
fn accumulations_may_read_a_counter() {
    let d = [0.5, -1.5, 2.0, 0.25];
    let w = 0.7;
    let (value, gradient) = counted_grad(w, &d);
    assert_eq!(value, counted(w, &d));
    // f = (w S)(4 w²) with S = Σ k t_k: f' = 12 w² S.
    let s: f64 = d.iter().enumerate().map(|(k, t)| (k + 1) as f64 * t).sum();
    let hand = 12.0 * w * w * s;
    assert!(
        (gradient - hand).abs() <= 1e-12 * hand.abs(),
        "{gradient} vs {hand}"
    );
}

/// The same through a constant expression (`-(-1.98)`), which random
/// programs met next.
#[differentiable]
fn constant_reassigned(s: f64) -> f64 {
    let mut v = s;
    v = -(-1.98);
    v.clamp(-0.7, 0.8) + s
}

#[test]
fn a_constant_expression_assigned_to_a_variable_takes_its_type() {
    assert_eq!(constant_reassigned_grad(0.5), (1.3, 1.0));
}

/// A fused accumulation whose iteration recomputes, in a branch, a value
/// from a counter: the reverse sweep ran after the counter's update and
/// counted twice (seed 530).
#[differentiable]
fn fused_with_counter(x: &Vector3<f64>, d: &[f64]) -> f64 {
    let mut total: f64 = 0.0;
    let mut n: f64 = 0.5;
    for _t in d.iter() {
        n += 1.0;
        if let Some(_far) = d.get(10) {
            break;
        }
        total += f64::powf(0.5, n) * x[2];
    }
    0.5 - total
}

/// The same through a nested loop, with a variable the outer loop halves
/// (seed 505).
#[differentiable(wrt = s)]
fn fused_nested(x: &Vector3<f64>, s: f64, d: &[f64]) -> f64 {
    let mut scale: f64 = -0.5;
    let mut total: f64 = 0.0;
    for _ in 0..2 {
        for _t in d.iter() {
            total -= scale / s;
        }
        scale *= 0.5;
    }
    0.5 * total + x[0]
}

/// An accumulation over the data through a recurrence over a range that
/// holds another loop over the data (seed 529: did not compile).
#[differentiable]
fn accumulation_through_recurrence(x: &Vector3<f64>, s: f64, d: &[f64]) -> f64 {
    let mut total = s;
    for _row in d.iter() {
        let mut step: f64 = 0.5;
        for _ in 0..2 {
            for _t in d.iter() {
                total -= step;
            }
            step /= x[0];
        }
    }
    0.5 * total
}

#[test]
fn fused_loops_recompute_from_the_iterations_own_values() {
    let x = Vector3::new(0.3, -0.4, 1.2);
    let d = [0.1, 0.2, -0.3, 0.4];
    // Σ 0.5^(1.5 + k) for k = 0..4, times -1.
    let hand: f64 = -(0..4).map(|k| 0.5_f64.powf(1.5 + k as f64)).sum::<f64>();
    let (_, gradient) = fused_with_counter_grad(&x, &d);
    assert!(
        (gradient[2] - hand).abs() <= 1e-12,
        "{} vs {hand}",
        gradient[2]
    );
    tight()
        .run(|x| fused_with_counter(x, &d), &x, &gradient)
        .unwrap();

    let s = -1.1;
    let (value, gradient) = fused_nested_grad(&x, s, &d);
    assert_eq!(value, fused_nested(&x, s, &d));
    // total = -4 (scale₀ + scale₁) / s with scales -0.5, -0.25.
    let hand = 0.5 * 4.0 * (-0.75) / (s * s);
    assert!(
        (gradient - hand).abs() <= 1e-12 * hand.abs(),
        "{gradient} vs {hand}"
    );

    let x = Vector3::new(0.8, 0.0, 0.0);
    let (value, gradient) = accumulation_through_recurrence_grad(&x, 0.3, &d);
    assert_eq!(value, accumulation_through_recurrence(&x, 0.3, &d));
    tight()
        .run(
            |x| accumulation_through_recurrence(x, 0.3, &d),
            &x,
            &gradient,
        )
        .unwrap();
}
