//! A custom derivative: a function the macro cannot differentiate (it solves
//! an equation with a `while` loop) gets a hand-written `_vjp` rule, and a
//! `#[differentiable]` loss calls it like any other function. `check_grad`
//! then compares the generated gradient with central differences.
//!
//! `cube_root(a)` solves `y³ = a` by Newton's method. Differentiating the
//! iterations would be slow and approximate; the implicit function theorem
//! gives the exact derivative from the solution alone: `3y² dy = da`, so
//! `dy/da = 1 / (3y²)`. That is the rule:
//!
//! ```ignore
//! fn cube_root_vjp(a: f64) -> (f64, impl FnOnce(f64) -> (f64,)) {
//!     let y = cube_root(a);
//!     (y, move |adjoint| (adjoint / (3.0 * y * y),))
//! }
//! ```
//!
//! JAX calls this `custom_vjp`; PyTorch, a `torch.autograd.Function` with a
//! hand-written `backward`.
//!
//! Run with `cargo run --release --example custom_rule`.

mod common;

use common::{Chart, Mark, PALETTE, Result, Series, report_pictures, save_png};
use tapeless::prelude::*;

/// The real cube root of `a`, by Newton's method on `y³ − a`.
fn cube_root(a: f64) -> f64 {
    if a == 0.0 {
        return 0.0;
    }
    let mut y = a.abs().max(1.0); // above the root: Newton decreases monotonically
    for _ in 0..200 {
        let next = y - (y * y * y - a.abs()) / (3.0 * y * y);
        if next >= y {
            break; // converged to the last bit
        }
        y = next;
    }
    y.copysign(a)
}

/// The custom rule of [`cube_root`], linked by name from `#[differentiable]`
/// code: the value, and a pullback from the result's adjoint to one adjoint
/// per argument. From `y³ = a`: `dy/da = 1 / (3y²)`.
fn cube_root_vjp(a: f64) -> (f64, impl FnOnce(f64) -> (f64,)) {
    let y = cube_root(a);
    (y, move |adjoint| (adjoint / (3.0 * y * y),))
}

/// Fits the side `s` of a cube to a volume and a surface area: squared
/// errors of `cube_root(volume)` against `s` and of `surface` against `6s²`.
#[differentiable(wrt = params)]
fn cube_fit(params: &Vector2<f64>, volume: f64, surface: f64) -> f64 {
    let side = cube_root(params.x * volume); // the custom rule inside generated code
    let area_error = 6.0 * side * side - surface * params.y;
    (side - 2.0).powi(2) + area_error * area_error
}

fn main() -> Result {
    // The rule against central differences, at a few points.
    println!(
        "{:>8} {:>14} {:>16} {:>16}",
        "a", "cube_root(a)", "rule 1/(3y²)", "central diff."
    );
    let mut derivative = Vec::new();
    let mut differences = Vec::new();
    for a in [-27.0, -2.0, 0.5, 1.0, 8.0, 100.0] {
        let (y, pullback) = cube_root_vjp(a);
        let (rule,) = pullback(1.0);
        let h = 1e-6 * a.abs().max(1.0);
        let central = (cube_root(a + h) - cube_root(a - h)) / (2.0 * h);
        println!("{a:8} {y:14.10} {rule:16.12} {central:16.12}");
        if (rule - central).abs() > 1e-6 * rule.abs() {
            return Err(format!("the rule disagrees with central differences at {a}").into());
        }
    }
    for i in 1..=200 {
        let a = -8.0 + 16.0 * f64::from(i) / 201.0;
        let (_, pullback) = cube_root_vjp(a);
        derivative.push((a, pullback(1.0).0.min(3.0)));
        if i % 8 == 0 {
            let h = 1e-6;
            differences.push((a, (cube_root(a + h) - cube_root(a - h)) / (2.0 * h)));
        }
    }

    // The generated gradient of a loss that calls the custom rule.
    let params = Vector2::new(6.0, 0.8);
    let (value, gradient) = cube_fit_grad(&params, 1.5, 20.0);
    println!();
    println!(
        "cube_fit at [{}, {}]: value {value:.10}, gradient [{:.10}, {:.10}]",
        params.x, params.y, gradient.x, gradient.y
    );
    check_grad(
        |p: &Vector2<f64>| cube_fit(p, 1.5, 20.0),
        &params,
        &gradient,
    )
    .map_err(|e| format!("check_grad failed: {e}"))?;
    println!("check_grad: the generated gradient agrees with central differences");

    let curve = Chart::new("cube_root(a) and its custom derivative", "a", "")
        .with(Series::new(
            "cube_root(a)",
            derivative.iter().map(|&(a, _)| (a, cube_root(a))).collect(),
            PALETTE[0],
            Mark::Line,
        ))
        .with(Series::new(
            "rule 1/(3y²), clipped at 3",
            derivative,
            PALETTE[1],
            Mark::Line,
        ))
        .with(Series::new(
            "central differences",
            differences,
            PALETTE[3],
            Mark::Dots,
        ));
    let png = save_png("custom_rule.png", &[curve], 1, (720, 540))?;
    report_pictures(&[png])
}
