//! A NIST StRD nonlinear regression (Rat43: the dry weight of onion bulbs
//! against growing time, Ratkowsky 1983; "higher level of difficulty"),
//! fitted with `lsq::LevenbergMarquardt` from both of NIST's starting
//! points. The residual is an ordinary `#[differentiable]` function; its
//! `_grad` is a row of the Jacobian, so the Jacobian is never stored:
//!
//! ```ignore
//! #[differentiable(hessian)]
//! fn rat43(b: &SVector<f64, 4>, x: f64, y: f64) -> f64 {
//!     b[0] / (1.0 + (b[1] - b[2] * x).exp()).powf(1.0 / b[3]) - y
//! }
//!
//! let fit = lsq::LevenbergMarquardt::new()
//!     .minimize(&mut b, xs.len(), |b, i| rat43_grad(b, xs[i], ys[i]))?;
//! ```
//!
//! Prints the certified values and standard errors against the fitted
//! ones (with the certified digits reached), checks the fit's gradient of
//! the sum of squares with `rat43_hessian` (second order, exact: at the
//! minimum the gradient vanishes and the Hessian is positive definite), and
//! draws the data with the fitted curve. Exits non-zero if a parameter has
//! fewer than 6 certified digits or a standard error fewer than 4.
//!
//! Run with `cargo run --release --example nist_fit`.

mod common;

use common::{Chart, Mark, PALETTE, Result, Series, report_pictures, save_png};
use tapeless::prelude::*;

#[differentiable(hessian)]
fn rat43(b: &SVector<f64, 4>, x: f64, y: f64) -> f64 {
    b[0] / (1.0 + (b[1] - b[2] * x).exp()).powf(1.0 / b[3]) - y
}

/// `tests/data/nist/Rat43.dat`: `(y, x)` observations.
const DATA: [(f64, f64); 15] = [
    (16.08, 1.0),
    (33.83, 2.0),
    (65.80, 3.0),
    (97.20, 4.0),
    (191.55, 5.0),
    (326.20, 6.0),
    (386.87, 7.0),
    (520.53, 8.0),
    (590.03, 9.0),
    (651.92, 10.0),
    (724.93, 11.0),
    (699.56, 12.0),
    (689.96, 13.0),
    (637.56, 14.0),
    (717.41, 15.0),
];

/// NIST's two starting points, certified values and standard errors.
const STARTS: [[f64; 4]; 2] = [[100.0, 10.0, 1.0, 1.0], [700.0, 5.0, 0.75, 1.3]];
const CERTIFIED: [f64; 4] = [
    6.9964151270E+02,
    5.2771253025E+00,
    7.5962938329E-01,
    1.2792483859E+00,
];
const CERTIFIED_STD_ERRORS: [f64; 4] = [
    1.6302297817E+01,
    2.0828735829E+00,
    1.9566123451E-01,
    6.8761936385E-01,
];
const CERTIFIED_RSS: f64 = 8.7864049080E+03;

/// Certified digits as NIST's test suites count them:
/// `−log10(| |a| − |b| | / |b|)`, rounded, 15 for an exact match.
fn digits(a: f64, b: f64) -> u32 {
    let error = (a.abs() - b.abs()).abs() / b.abs();
    if error == 0.0 {
        15
    } else if error.is_nan() {
        0
    } else {
        (-error.log10()).round().clamp(0.0, 15.0) as u32
    }
}

fn main() -> Result {
    let xs: Vec<f64> = DATA.iter().map(|(_, x)| *x).collect();
    let ys: Vec<f64> = DATA.iter().map(|(y, _)| *y).collect();
    let mut fitted = Vec::new();
    let mut worst = (15, 15);
    for (index, start) in STARTS.iter().enumerate() {
        let mut b = SVector::<f64, 4>::from_column_slice(start);
        let fit = lsq::LevenbergMarquardt::new()
            .minimize(&mut b, xs.len(), |b, i| rat43_grad(b, xs[i], ys[i]))?;
        println!(
            "Rat43 from start {}: {} evaluations, {} iterations, stopped: {:?}",
            index + 1,
            fit.evaluations,
            fit.iterations,
            fit.termination
        );
        println!(
            "  residual sum of squares {:.10e} (certified {CERTIFIED_RSS:.10e}, {} digits)",
            fit.rss,
            digits(fit.rss, CERTIFIED_RSS)
        );
        println!(
            "  {:<4} {:>18} {:>18} {:>6}   {:>16} {:>16} {:>6}",
            "", "certified", "fitted", "digits", "certified s.e.", "fitted s.e.", "digits"
        );
        for k in 0..4 {
            let (parameter_digits, error_digits) = (
                digits(b[k], CERTIFIED[k]),
                digits(fit.std_errors[k], CERTIFIED_STD_ERRORS[k]),
            );
            worst = (worst.0.min(parameter_digits), worst.1.min(error_digits));
            println!(
                "  b{:<3} {:>18.10e} {:>18.10e} {:>6}   {:>16.10e} {:>16.10e} {:>6}",
                k + 1,
                CERTIFIED[k],
                b[k],
                parameter_digits,
                CERTIFIED_STD_ERRORS[k],
                fit.std_errors[k],
                error_digits
            );
        }
        fitted.push(b);
    }

    // Second order at the minimum: the gradient of ½Σr² is Jᵀr ≈ 0, and its
    // Hessian JᵀJ + Σ r·∇²r (from `rat43_hessian` of each residual, exact)
    // is positive definite.
    let b = fitted[0];
    let mut gradient = SVector::<f64, 4>::zeros();
    let mut hessian = SMatrix::<f64, 4, 4>::zeros();
    for (x, y) in xs.iter().zip(&ys) {
        let (r, g, h) = rat43_hessian(&b, *x, *y);
        gradient += g * r;
        hessian += g * g.transpose() + h * r;
    }
    let eigenvalues = hessian.symmetric_eigenvalues();
    println!(
        "\nat the fit: |∇(½Σr²)| = {:.3e}, eigenvalues of ∇²(½Σr²): {:.4e} .. {:.4e}",
        gradient.norm(),
        eigenvalues.min(),
        eigenvalues.max()
    );
    if eigenvalues.min() <= 0.0 {
        return Err("the Hessian of the sum of squares is not positive definite at the fit".into());
    }

    let curve: Vec<(f64, f64)> = (0..=140)
        .map(|i| {
            let x = 1.0 + f64::from(i) * 0.1;
            (x, rat43(&b, x, 0.0))
        })
        .collect();
    let chart = Chart::new(
        "Rat43 (NIST StRD): Levenberg–Marquardt fit",
        "growing time x",
        "dry weight y",
    )
    .with(Series::new(
        "data",
        DATA.iter().map(|(y, x)| (*x, *y)).collect(),
        PALETTE[0],
        Mark::Dots,
    ))
    .with(Series::new(
        "fitted b1 / (1 + exp(b2 − b3 x))^(1/b4)",
        curve,
        PALETTE[1],
        Mark::Line,
    ));
    // Room above the data for the legend.
    let chart = Chart {
        y_range: Some(0.0..900.0),
        ..chart
    };
    let picture = save_png("nist_fit.png", &[chart], 1, (800, 500))?;
    report_pictures(&[picture])?;

    println!(
        "\nfewest certified digits: {} in the parameters (goal 6), {} in the standard errors (goal 4)",
        worst.0, worst.1
    );
    if worst.0 < 6 || worst.1 < 4 {
        return Err("a fit fell short of the certified digits".into());
    }
    Ok(())
}
