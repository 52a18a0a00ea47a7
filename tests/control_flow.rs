//! Variables, blocks, `if`/`else` regions and inactive code inside
//! differentiable functions, checked against central differences, hand
//! derivations and PyTorch's activation data.

#![allow(
    dead_code,
    reason = "some primals are only called through their generated siblings"
)]

mod common;

use common::{assert_close_op, assert_rel, central_difference, numbers, reference};
use tapeless::differentiable;

fn check(name: &str, f: fn(f64) -> f64, grad: fn(f64) -> (f64, f64), points: &[f64]) {
    for &x in points {
        let (value, gradient) = grad(x);
        assert_eq!(
            value.to_bits(),
            f(x).to_bits(),
            "{name}({x}): the value equals the primal's, bit for bit"
        );
        assert_rel(
            gradient,
            central_difference(f, x),
            1e-6,
            &format!("{name}({x})"),
        );
    }
}

// ---- variables ---------------------------------------------------------------

#[differentiable]
#[allow(
    clippy::needless_late_init,
    reason = "late initialisation is one of the forms under test"
)]
fn renamings(x: f64) -> f64 {
    let y = x * 2.0;
    let y = y + x; // shadowing
    let mut z = y;
    z += x; // 4x
    z *= x; // 4x²
    z -= y; // 4x² - 3x
    z /= 2.0; // 2x² - 1.5x
    let w: f64;
    w = z * z;
    let (a, b) = (w, x.sin());
    a + b
}

#[test]
fn shadowing_reassignment_and_compound_operators() {
    for x in [-1.3, 0.0, 0.4, 2.2] {
        let z = 2.0 * x * x - 1.5 * x;
        let dz = 4.0 * x - 1.5;
        let (value, gradient) = renamings_grad(x);
        assert_rel(value, z * z + x.sin(), 1e-12, "value");
        assert_rel(gradient, 2.0 * z * dz + x.cos(), 1e-12, "hand derivation");
    }
    check("renamings", renamings, renamings_grad, &[-1.3, 0.4, 2.2]);
}

#[differentiable]
fn blocks(x: f64) -> f64 {
    let inner = {
        let t = x.exp();
        t * t
    };
    {
        let unrelated = 3.0;
        let _ = unrelated;
    }
    inner + { x * 3.0 }
}

#[test]
fn blocks_with_tails() {
    check("blocks", blocks, blocks_grad, &[-1.0, 0.5, 1.5]);
    assert_rel(
        blocks_grad(0.5).1,
        2.0 * (1.0_f64).exp() + 3.0,
        1e-12,
        "hand derivation",
    );
}

// ---- if / else -----------------------------------------------------------------

#[differentiable]
fn piecewise(x: f64) -> f64 {
    let mut y = x * x;
    if x > 1.0 {
        y = y.sqrt() * 3.0;
    } else if x < -1.0 {
        let k = x.exp();
        y = k * y.abs();
    } else {
        y += x;
    }
    y * 2.0
}

#[test]
fn if_else_if_else_with_different_assignments() {
    check(
        "piecewise",
        piecewise,
        piecewise_grad,
        &[-2.5, -1.1, -0.5, 0.0, 0.7, 1.2, 3.0],
    );
    assert_rel(piecewise_grad(3.0).1, 6.0, 1e-12, "x > 1 branch");
    assert_rel(
        piecewise_grad(-2.0).1,
        2.0 * (-2.0_f64).exp() * (4.0 - 4.0),
        1e-12,
        "x < -1 branch",
    );
    assert_rel(
        piecewise_grad(0.5).1,
        2.0 * (2.0 * 0.5 + 1.0),
        1e-12,
        "middle branch",
    );
}

#[differentiable(wrt = (x, y))]
fn select(x: f64, y: f64, use_x: bool) -> f64 {
    let chosen = if use_x { x.sin() } else { y * y };
    let mut only_sometimes = 1.0;
    if !use_x {
        only_sometimes = x;
    }
    chosen * only_sometimes
}

#[test]
fn if_as_expression_and_if_without_else() {
    assert_eq!(
        select_grad(0.3, 2.0, true),
        (0.3_f64.sin(), (0.3_f64.cos(), 0.0))
    );
    assert_eq!(select_grad(0.5, 2.0, false), (2.0, (4.0, 2.0)));
}

#[differentiable]
fn nested(x: f64, level: i32) -> f64 {
    let mut total = x;
    if level > 0 {
        let doubled = total * 2.0;
        if level > 1 {
            total = doubled.tanh();
        } else {
            total = doubled;
        }
        total *= x;
    }
    total
}

#[test]
fn nested_regions_recompute_what_they_need() {
    for level in [0, 1, 2] {
        for x in [-0.8, 0.3, 1.1] {
            let (value, gradient) = nested_grad(x, level);
            assert_eq!(value, nested(x, level));
            assert_rel(
                gradient,
                central_difference(|x| nested(x, level), x),
                1e-6,
                &format!("level {level} at {x}"),
            );
        }
    }
}

#[differentiable]
fn huber(x: f64, delta: f64) -> f64 {
    let magnitude = x.abs();
    if magnitude < delta {
        0.5 * x * x
    } else {
        delta * (magnitude - 0.5 * delta)
    }
}

#[test]
fn conditions_on_differentiated_values_are_not_differentiated() {
    // Huber's derivative is clamp(x, -delta, delta), also at the switch point.
    for x in [-3.0, -1.0, -0.4, 0.0, 0.4, 1.0, 3.0] {
        assert_rel(
            huber_grad(x, 1.0).1,
            x.clamp(-1.0, 1.0),
            1e-15,
            &format!("huber' at {x}"),
        );
    }
}

// ---- inactive code ---------------------------------------------------------------

#[differentiable]
fn with_data(x: f64, n: usize, scale: f64) -> f64 {
    let mut count = 0_usize;
    count += n * 2;
    let n_f = count as f64;
    let normaliser = 1.0 / n_f;
    let flag = n > 3 && scale > 0.0;
    let factor = if flag { scale } else { 1.0 };
    let steps = (x * 10.0) as i64; // a piecewise-constant use of x
    x * x * normaliser * factor + steps as f64 * 0.0
}

#[test]
fn integers_casts_and_flags_are_inactive() {
    let (value, gradient) = with_data_grad(1.5, 4, 3.0);
    assert_eq!(value, with_data(1.5, 4, 3.0));
    assert_rel(gradient, 2.0 * 1.5 / 8.0 * 3.0, 1e-15, "hand derivation");
}

#[differentiable]
fn with_effects(x: f64, verbose: bool) -> f64 {
    let y = x.exp();
    assert!(y > 0.0, "exp is positive");
    debug_assert!(y.is_finite());
    if verbose {
        println!("x = {x}, y = {y}");
    }
    let squared = y * y;
    let _ = squared;
    y + squared
}

#[test]
fn macro_statements_see_the_current_values() {
    let (value, gradient) = with_effects_grad(0.5, true);
    let y = 0.5_f64.exp();
    assert_eq!(value, y + y * y);
    assert_rel(gradient, y + 2.0 * y * y, 1e-15, "hand derivation");
}

#[differentiable]
fn constant(x: f64) -> f64 {
    let _ = x;
    2.0
}

#[differentiable]
#[allow(
    clippy::needless_return,
    reason = "a trailing `return` is one of the forms under test"
)]
fn trailing_return(x: f64) -> f64 {
    let y = x * 3.0;
    return y.sin();
}

#[test]
fn independent_result_and_trailing_return() {
    assert_eq!(constant_grad(4.0), (2.0, 0.0));
    assert_rel(
        trailing_return_grad(0.2).1,
        3.0 * 0.6_f64.cos(),
        1e-15,
        "trailing return",
    );
}

// ---- PyTorch's activations, written in plain Rust ---------------------------------

#[differentiable]
fn relu(x: f64) -> f64 {
    if x > 0.0 { x } else { 0.0 }
}

#[differentiable]
fn leaky_relu(x: f64) -> f64 {
    if x > 0.0 { x } else { 0.01 * x }
}

#[differentiable]
fn elu(x: f64) -> f64 {
    if x > 0.0 { x } else { x.exp_m1() }
}

#[differentiable]
fn tanh(x: f64) -> f64 {
    x.tanh()
}

#[differentiable]
fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

type Vjp<F> = fn(f64) -> (f64, F);

fn check_activation<F: FnOnce(f64) -> (f64,)>(name: &str, vjp: Vjp<F>, skip_extremes: bool) {
    let data = reference("activations.json");
    let mut checked = 0;
    for case in data["cases"].as_array().expect("cases") {
        let case_name = case["name"].as_str().expect("a name");
        if !case_name.starts_with(&format!("{name}_"))
            || (skip_extremes && case_name.ends_with("special"))
        {
            continue;
        }
        let input = numbers(&case["input"]);
        let grad_output = numbers(&case["grad_output"]);
        let mut values = Vec::new();
        let mut grads = Vec::new();
        for (x, g) in input.iter().zip(&grad_output) {
            let (value, pullback) = vjp(*x);
            values.push(value);
            grads.push(pullback(*g).0);
        }
        assert_close_op(
            &values,
            &numbers(&case["output"]),
            &format!("{case_name} output"),
        );
        assert_close_op(
            &grads,
            &numbers(&case["grad_input"]),
            &format!("{case_name} grad_input"),
        );
        checked += 1;
    }
    assert!(checked > 0, "no reference case for {name}");
}

#[test]
fn activations_written_with_if_match_pytorch_including_kinks() {
    check_activation("relu", relu_vjp, false);
    check_activation("leaky_relu", leaky_relu_vjp, false);
    check_activation("elu", elu_vjp, false);
    check_activation("tanh", tanh_vjp, false);
    // 1/(1 + e^-x) overflows to a NaN derivative at x = -800; the runtime's
    // `sigmoid` has the stable form. The random inputs match PyTorch.
    check_activation("sigmoid", sigmoid_vjp, true);
}
