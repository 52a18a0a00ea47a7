//! Every scalar operation `#[differentiable]` knows, checked at several points
//! against a hand derivation and against central differences.

mod common;

use common::{assert_rel, central_difference};
use tapeless::differentiable;

/// Defines one differentiable function of `x` per case and a test comparing
/// its `_grad` with the hand-derived derivative and with central differences.
macro_rules! unary_cases {
    ($($name:ident($x:ident) = $body:expr, derivative $derivative:expr, at [$($point:expr),+ $(,)?];)+) => {
        $(
            #[differentiable]
            fn $name($x: f64) -> f64 {
                $body
            }
        )+

        #[test]
        fn unary_methods_match_hand_derivations_and_central_differences() {
            $(
                for $x in [$($point),+] {
                    let what = concat!(stringify!($name), " at ");
                    let (value, gradient) = paste_grad!($name)($x);
                    assert_eq!(value, $name($x), "{what}{}: value", $x);
                    assert_rel(gradient, $derivative, 1e-12, &format!("{what}{}: hand derivation", $x));
                    let numeric = central_difference($name, $x);
                    assert_rel(gradient, numeric, 1e-6, &format!("{what}{}: central difference", $x));
                }
            )+
        }
    };
}

/// `paste_grad!(f)` is `f_grad` (the generated sibling), spelled through a
/// path so the macro above needs no identifier concatenation.
macro_rules! paste_grad {
    ($name:ident) => {
        grads::$name
    };
}

/// The generated `_grad` functions under the primal's name, for the macro.
mod grads {
    macro_rules! reexport {
        ($($name:ident => $grad:ident),+ $(,)?) => {
            $(pub(super) use super::$grad as $name;)+
        };
    }
    reexport! {
        exp => exp_grad, exp2 => exp2_grad, exp_m1 => exp_m1_grad, ln => ln_grad, ln_1p => ln_1p_grad,
        log2 => log2_grad, log10 => log10_grad, sqrt => sqrt_grad, cbrt => cbrt_grad, recip => recip_grad,
        sin => sin_grad, cos => cos_grad, tan => tan_grad, asin => asin_grad, acos => acos_grad,
        atan => atan_grad, sinh => sinh_grad, cosh => cosh_grad, tanh => tanh_grad, asinh => asinh_grad,
        acosh => acosh_grad, atanh => atanh_grad, abs => abs_grad, to_degrees => to_degrees_grad,
        to_radians => to_radians_grad, fract => fract_grad, powi3 => powi3_grad, powi_neg2 => powi_neg2_grad,
        powf_const => powf_const_grad, polynomial => polynomial_grad, quotient => quotient_grad,
        negation => negation_grad, path_call => path_call_grad, sigmoid => sigmoid_grad,
    }
}

unary_cases! {
    exp(x) = x.exp(), derivative x.exp(), at [-2.5, -0.7, 0.3, 1.0, 1.9];
    exp2(x) = x.exp2(), derivative x.exp2() * std::f64::consts::LN_2, at [-2.5, 0.3, 1.9];
    exp_m1(x) = x.exp_m1(), derivative x.exp(), at [-2.5, 1e-9, 0.3, 1.9];
    ln(x) = x.ln(), derivative 1.0 / x, at [0.2, 1.0, 2.5, 7.0];
    ln_1p(x) = x.ln_1p(), derivative 1.0 / (1.0 + x), at [-0.9, 1e-9, 0.3, 7.0];
    log2(x) = x.log2(), derivative 1.0 / (x * std::f64::consts::LN_2), at [0.2, 2.5];
    log10(x) = x.log10(), derivative 1.0 / (x * std::f64::consts::LN_10), at [0.2, 2.5];
    sqrt(x) = x.sqrt(), derivative 0.5 / x.sqrt(), at [0.2, 1.0, 2.5, 7.0];
    cbrt(x) = x.cbrt(), derivative 1.0 / (3.0 * x.cbrt() * x.cbrt()), at [-2.5, 0.2, 7.0];
    recip(x) = x.recip(), derivative -1.0 / (x * x), at [-2.5, 0.3, 1.9];
    sin(x) = x.sin(), derivative x.cos(), at [-2.5, -0.7, 0.0, 0.3, 1.9];
    cos(x) = x.cos(), derivative -x.sin(), at [-2.5, -0.7, 0.0, 0.3, 1.9];
    tan(x) = x.tan(), derivative 1.0 / (x.cos() * x.cos()), at [-0.7, 0.3, 1.2];
    asin(x) = x.asin(), derivative 1.0 / (1.0 - x * x).sqrt(), at [-0.9, -0.3, 0.2, 0.75];
    acos(x) = x.acos(), derivative -1.0 / (1.0 - x * x).sqrt(), at [-0.9, -0.3, 0.2, 0.75];
    atan(x) = x.atan(), derivative 1.0 / (1.0 + x * x), at [-2.5, -0.7, 0.3, 1.9];
    sinh(x) = x.sinh(), derivative x.cosh(), at [-2.5, 0.3, 1.9];
    cosh(x) = x.cosh(), derivative x.sinh(), at [-2.5, 0.3, 1.9];
    tanh(x) = x.tanh(), derivative 1.0 - x.tanh() * x.tanh(), at [-2.5, -0.7, 0.0, 0.3, 1.9];
    asinh(x) = x.asinh(), derivative 1.0 / (x * x + 1.0).sqrt(), at [-2.5, 0.3, 1.9];
    acosh(x) = x.acosh(), derivative 1.0 / (x * x - 1.0).sqrt(), at [1.5, 2.5, 7.0];
    atanh(x) = x.atanh(), derivative 1.0 / (1.0 - x * x), at [-0.9, -0.3, 0.2, 0.75];
    abs(x) = x.abs(), derivative x.signum(), at [-2.5, -0.7, 0.3, 1.9];
    to_degrees(x) = x.to_degrees(), derivative 180.0 / std::f64::consts::PI, at [-0.7, 1.9];
    to_radians(x) = x.to_radians(), derivative std::f64::consts::PI / 180.0, at [-40.0, 95.0];
    fract(x) = x.fract(), derivative 1.0, at [-2.5, 0.3, 1.9];
    powi3(x) = x.powi(3), derivative 3.0 * x * x, at [-2.5, -0.7, 0.3, 1.9];
    powi_neg2(x) = x.powi(-2), derivative -2.0 / (x * x * x), at [-2.5, 0.3, 1.9];
    powf_const(x) = x.powf(2.5), derivative 2.5 * x.powf(1.5), at [0.2, 1.0, 2.5, 7.0];
    polynomial(x) = 3.0 * x * x - 2.0 * x + 1.0, derivative 6.0 * x - 2.0, at [-2.5, 0.0, 1.9];
    quotient(x) = (x + 1.0) / (x * x + 2.0), derivative (x * x + 2.0 - 2.0 * x * (x + 1.0)) / ((x * x + 2.0) * (x * x + 2.0)), at [-2.5, 0.3, 1.9];
    negation(x) = -x * x.exp(), derivative -(1.0 + x) * x.exp(), at [-0.7, 0.3];
    path_call(x) = f64::sin(x) * f64::max(x, 0.5), derivative if x > 0.5 { x.cos() * x + x.sin() } else { 0.5 * x.cos() }, at [-0.7, 0.3, 1.9];
    sigmoid(x) = 1.0 / (1.0 + (-x).exp()), derivative { let s = 1.0 / (1.0 + (-x).exp()); s * (1.0 - s) }, at [-5.0, -0.5, 0.0, 3.0];
}

// ---- operations of two differentiated operands -------------------------------

#[differentiable(wrt = (x, y))]
fn product(x: f64, y: f64) -> f64 {
    x * y
}

#[differentiable(wrt = (x, y))]
fn ratio(x: f64, y: f64) -> f64 {
    x / y
}

#[differentiable(wrt = (x, y))]
fn difference(x: f64, y: f64) -> f64 {
    x - y + (x + y) * 0.5
}

#[differentiable(wrt = (x, y))]
fn power(x: f64, y: f64) -> f64 {
    x.powf(y)
}

#[differentiable(wrt = (x, y))]
fn angle(x: f64, y: f64) -> f64 {
    x.atan2(y)
}

#[differentiable(wrt = (x, y))]
fn hypotenuse(x: f64, y: f64) -> f64 {
    x.hypot(y)
}

#[differentiable(wrt = (x, y))]
fn larger(x: f64, y: f64) -> f64 {
    x.max(y)
}

#[differentiable(wrt = (x, y))]
fn smaller(x: f64, y: f64) -> f64 {
    x.min(y)
}

#[differentiable(wrt = (x, y))]
fn logarithm(x: f64, y: f64) -> f64 {
    x.log(y)
}

#[differentiable(wrt = (x, y))]
fn fused(x: f64, y: f64) -> f64 {
    x.mul_add(y, x)
}

#[differentiable(wrt = (x, y))]
fn clamped(x: f64, y: f64) -> f64 {
    x.clamp(y, 2.0)
}

type Binary = fn(f64, f64) -> f64;
type BinaryGrad = fn(f64, f64) -> (f64, (f64, f64));

fn check_binary(
    name: &str,
    f: Binary,
    grad: BinaryGrad,
    hand: fn(f64, f64) -> (f64, f64),
    points: &[(f64, f64)],
) {
    for &(x, y) in points {
        let (value, (dx, dy)) = grad(x, y);
        assert_eq!(value, f(x, y), "{name}({x}, {y}): value");
        let (hx, hy) = hand(x, y);
        assert_rel(dx, hx, 1e-12, &format!("{name}({x}, {y}): d/dx by hand"));
        assert_rel(dy, hy, 1e-12, &format!("{name}({x}, {y}): d/dy by hand"));
        assert_rel(
            dx,
            central_difference(|x| f(x, y), x),
            1e-6,
            &format!("{name}({x}, {y}): d/dx numerically"),
        );
        assert_rel(
            dy,
            central_difference(|y| f(x, y), y),
            1e-6,
            &format!("{name}({x}, {y}): d/dy numerically"),
        );
    }
}

#[test]
fn binary_operations_match_hand_derivations_and_central_differences() {
    let points = [(0.7, 1.3), (2.0, -0.5), (-1.5, 0.25)];
    check_binary("product", product, product_grad, |x, y| (y, x), &points);
    check_binary(
        "ratio",
        ratio,
        ratio_grad,
        |x, y| (1.0 / y, -x / (y * y)),
        &points,
    );
    check_binary(
        "difference",
        difference,
        difference_grad,
        |_, _| (1.5, -0.5),
        &points,
    );
    let positive = [(0.7, 1.3), (2.0, -0.5), (1.5, 2.25)];
    check_binary(
        "power",
        power,
        power_grad,
        |x, y| (y * x.powf(y - 1.0), x.powf(y) * x.ln()),
        &positive,
    );
    check_binary(
        "angle",
        angle,
        angle_grad,
        |x, y| (y / (x * x + y * y), -x / (x * x + y * y)),
        &points,
    );
    check_binary(
        "hypotenuse",
        hypotenuse,
        hypotenuse_grad,
        |x, y| (x / x.hypot(y), y / x.hypot(y)),
        &points,
    );
    check_binary(
        "larger",
        larger,
        larger_grad,
        |x, y| if x > y { (1.0, 0.0) } else { (0.0, 1.0) },
        &points,
    );
    check_binary(
        "smaller",
        smaller,
        smaller_grad,
        |x, y| if x < y { (1.0, 0.0) } else { (0.0, 1.0) },
        &points,
    );
    let bases = [(0.7, 1.3), (2.0, 0.5), (5.0, 3.0)];
    check_binary(
        "logarithm",
        logarithm,
        logarithm_grad,
        |x, y| (1.0 / (x * y.ln()), -x.ln() / (y * y.ln() * y.ln())),
        &bases,
    );
    check_binary("fused", fused, fused_grad, |x, y| (y + 1.0, x), &points);
    let inside = [(0.7, -1.3), (1.5, 0.25)];
    check_binary("clamped", clamped, clamped_grad, |_, _| (1.0, 0.0), &inside);
    let below = [(-1.5, 0.25), (0.1, 0.5)];
    check_binary("clamped", clamped, clamped_grad, |_, _| (0.0, 1.0), &below);
}

// ---- PyTorch's conventions at kinks ----------------------------------------------

#[test]
fn kinks_follow_pytorch() {
    // abs'(0) = 0 (torch.abs)
    assert_eq!(abs_grad(0.0), (0.0, 0.0));
    // ties of max/min split the gradient evenly (torch.maximum / torch.minimum)
    assert_eq!(larger_grad(1.5, 1.5), (1.5, (0.5, 0.5)));
    assert_eq!(smaller_grad(-2.0, -2.0), (-2.0, (0.5, 0.5)));
    // clamp's bounds are inclusive for the value (torch.clamp)
    assert_eq!(clamped_grad(0.25, 0.25).1, (1.0, 0.0));
    assert_eq!(clamped_grad(2.0, 0.25).1, (1.0, 0.0));
    // x^0 has derivative 0 for the base, and the exponent's derivative at x = 0 is 0
    assert_eq!(power_grad(0.0, 2.0).1, (0.0, 0.0));
    // signum, floor and friends are piecewise constant: no gradient flows
    assert_eq!(steps_grad(1.7), (steps(1.7), 0.0));
    // hypot at the origin takes the norm's subgradient 0
    assert_eq!(hypotenuse_grad(0.0, 0.0).1, (0.0, 0.0));
}

#[differentiable]
fn steps(x: f64) -> f64 {
    x.signum() + x.floor() + x.ceil() + x.round() + x.trunc()
}
