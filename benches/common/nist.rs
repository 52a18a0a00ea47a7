//! The 14 NIST StRD nonlinear regression problems of `tests/data/nist/`
//! (public domain): their models as `#[differentiable]` residuals, a reader
//! of the `.dat` files, one fit with the default `LevenbergMarquardt`, and
//! the certified digits it reaches. `tests/nist.rs` checks the digits;
//! `benches/nist.rs` times the 28 fits (against lmfit's `leastsq` on the
//! same fits: `scripts/lmfit_nist.py`, `scripts/nist_vs_lmfit.sh`).
#![allow(
    dead_code,
    unreachable_pub,
    reason = "a private module of each suite; the models are only called through their generated siblings"
)]

use tapeless::differentiable;
use tapeless::prelude::*;

// ---- the models, as residuals ------------------------------------------------------

#[differentiable]
fn misra1a(b: &SVector<f64, 2>, x: f64, y: f64) -> f64 {
    b[0] * (1.0 - (-b[1] * x).exp()) - y
}

#[differentiable]
fn misra1b(b: &SVector<f64, 2>, x: f64, y: f64) -> f64 {
    b[0] * (1.0 - (1.0 + b[1] * x / 2.0).powi(-2)) - y
}

#[differentiable]
fn chwirut(b: &SVector<f64, 3>, x: f64, y: f64) -> f64 {
    (-b[0] * x).exp() / (b[1] + b[2] * x) - y
}

#[differentiable]
fn danwood(b: &SVector<f64, 2>, x: f64, y: f64) -> f64 {
    b[0] * x.powf(b[1]) - y
}

#[differentiable]
fn lanczos(b: &SVector<f64, 6>, x: f64, y: f64) -> f64 {
    b[0] * (-b[1] * x).exp() + b[2] * (-b[3] * x).exp() + b[4] * (-b[5] * x).exp() - y
}

#[differentiable]
fn gauss(b: &SVector<f64, 8>, x: f64, y: f64) -> f64 {
    b[0] * (-b[1] * x).exp()
        + b[2] * (-(x - b[3]).powi(2) / b[4].powi(2)).exp()
        + b[5] * (-(x - b[6]).powi(2) / b[7].powi(2)).exp()
        - y
}

#[differentiable]
fn kirby2(b: &SVector<f64, 5>, x: f64, y: f64) -> f64 {
    (b[0] + b[1] * x + b[2] * x * x) / (1.0 + b[3] * x + b[4] * x * x) - y
}

#[differentiable]
fn mgh09(b: &SVector<f64, 4>, x: f64, y: f64) -> f64 {
    b[0] * (x * x + x * b[1]) / (x * x + x * b[2] + b[3]) - y
}

#[differentiable]
fn thurber(b: &SVector<f64, 7>, x: f64, y: f64) -> f64 {
    let x2 = x * x;
    let x3 = x2 * x;
    (b[0] + b[1] * x + b[2] * x2 + b[3] * x3) / (1.0 + b[4] * x + b[5] * x2 + b[6] * x3) - y
}

#[differentiable]
fn rat43(b: &SVector<f64, 4>, x: f64, y: f64) -> f64 {
    b[0] / (1.0 + (b[1] - b[2] * x).exp()).powf(1.0 / b[3]) - y
}

#[differentiable]
fn boxbod(b: &SVector<f64, 2>, x: f64, y: f64) -> f64 {
    b[0] * (1.0 - (-b[1] * x).exp()) - y
}

// ---- the .dat files ------------------------------------------------------------------

/// A NIST StRD problem as its `.dat` file states it.
pub struct Problem {
    pub name: &'static str,
    pub starts: [Vec<f64>; 2],
    pub certified: Vec<f64>,
    pub certified_std_errors: Vec<f64>,
    pub xs: Vec<f64>,
    pub ys: Vec<f64>,
}

/// Reads `tests/data/nist/NAME.dat`: parameter lines `b1 = start1 start2
/// value std_error` from line 41, data `y x` from line 61.
pub fn problem(name: &'static str) -> Problem {
    let path = format!("{}/tests/data/nist/{name}.dat", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let lines: Vec<&str> = text.lines().collect();
    let mut problem = Problem {
        name,
        starts: [Vec::new(), Vec::new()],
        certified: Vec::new(),
        certified_std_errors: Vec::new(),
        xs: Vec::new(),
        ys: Vec::new(),
    };
    let number = |s: &str| -> f64 { s.parse().unwrap_or_else(|e| panic!("{path}: {s:?}: {e}")) };
    for line in &lines[40..60] {
        let Some((name, values)) = line.split_once('=') else {
            continue;
        };
        if !name.trim().starts_with('b') {
            continue;
        }
        let values: Vec<f64> = values.split_whitespace().map(number).collect();
        assert_eq!(values.len(), 4, "{path}: {line}");
        problem.starts[0].push(values[0]);
        problem.starts[1].push(values[1]);
        problem.certified.push(values[2]);
        problem.certified_std_errors.push(values[3]);
    }
    for line in &lines[60..] {
        let values: Vec<f64> = line.split_whitespace().map(number).collect();
        if values.is_empty() {
            continue;
        }
        assert_eq!(values.len(), 2, "{path}: {line}");
        problem.ys.push(values[0]);
        problem.xs.push(values[1]);
    }
    assert!(
        !problem.certified.is_empty() && !problem.xs.is_empty(),
        "{path}"
    );
    problem
}

/// Certified digits as lmfit's NIST test counts them:
/// `round(−log10(| |a| − |b| | / |b|))`, 15 for an exact match, 0 for NaN.
pub fn digits(a: f64, b: f64) -> u32 {
    let error = (a.abs() - b.abs()).abs() / b.abs();
    if error.is_nan() {
        0
    } else if error == 0.0 {
        15
    } else {
        (-error.log10()).round().clamp(0.0, 15.0) as u32
    }
}

// ---- the fits ------------------------------------------------------------------------

/// One fit's outcome: the fewest certified digits of any parameter and of
/// any standard error (0 when the fit failed), with the failure.
pub struct Outcome {
    pub name: &'static str,
    pub start: usize,
    pub parameter_digits: u32,
    pub std_error_digits: u32,
    pub evaluations: usize,
    pub error: Option<String>,
}

type ResidualGrad<const P: usize> = fn(&SVector<f64, P>, f64, f64) -> (f64, SVector<f64, P>);

/// Fits `data` from its start `start` (0 or 1) with the default
/// `LevenbergMarquardt`.
fn fit<const P: usize>(data: &Problem, start: usize, residual: ResidualGrad<P>) -> Outcome {
    assert_eq!(
        data.certified.len(),
        P,
        "{}: number of parameters",
        data.name
    );
    let mut b = SVector::<f64, P>::from_column_slice(&data.starts[start]);
    let (xs, ys) = (&data.xs, &data.ys);
    let result =
        lsq::LevenbergMarquardt::new().minimize(&mut b, xs.len(), |b, i| residual(b, xs[i], ys[i]));
    let parameter_digits = (0..P)
        .map(|k| digits(b[k], data.certified[k]))
        .min()
        .unwrap();
    let (std_error_digits, evaluations, error) = match result {
        Ok(fit) => (
            (0..P)
                .map(|k| digits(fit.std_errors[k], data.certified_std_errors[k]))
                .min()
                .unwrap(),
            fit.evaluations,
            None,
        ),
        Err(error) => (0, 0, Some(error.to_string())),
    };
    Outcome {
        name: data.name,
        start: start + 1,
        parameter_digits,
        std_error_digits,
        evaluations,
        error,
    }
}

/// A fit of one problem from one start (0 or 1).
pub type Fitter = fn(&Problem, usize) -> Outcome;

/// The 14 problems, each with its model.
pub const PROBLEMS: [(&str, Fitter); 14] = [
    ("Misra1a", |p, s| fit(p, s, misra1a_grad)),
    ("Misra1b", |p, s| fit(p, s, misra1b_grad)),
    ("Chwirut1", |p, s| fit(p, s, chwirut_grad)),
    ("Chwirut2", |p, s| fit(p, s, chwirut_grad)),
    ("DanWood", |p, s| fit(p, s, danwood_grad)),
    ("Lanczos1", |p, s| fit(p, s, lanczos_grad)),
    ("Lanczos3", |p, s| fit(p, s, lanczos_grad)),
    ("Gauss1", |p, s| fit(p, s, gauss_grad)),
    ("Gauss2", |p, s| fit(p, s, gauss_grad)),
    ("Kirby2", |p, s| fit(p, s, kirby2_grad)),
    ("MGH09", |p, s| fit(p, s, mgh09_grad)),
    ("Thurber", |p, s| fit(p, s, thurber_grad)),
    ("Rat43", |p, s| fit(p, s, rat43_grad)),
    ("BoxBOD", |p, s| fit(p, s, boxbod_grad)),
];

/// The 14 problems read from their files, each with its fit.
pub fn problems() -> Vec<(Problem, Fitter)> {
    PROBLEMS
        .iter()
        .map(|&(name, fitter)| (problem(name), fitter))
        .collect()
}
