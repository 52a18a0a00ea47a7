//! The NIST StRD nonlinear regression problems (`tests/data/nist/`, 14 of
//! the 27, public domain): every problem from both starting points with the
//! default `LevenbergMarquardt`, counting the certified digits of the
//! parameters and of their standard errors as lmfit's NIST test counts them.
//! The goal (DESIGN.md, "Public contract"): ≥ 6 digits in every parameter
//! and ≥ 4 in every standard error, for every fit.
#![allow(
    dead_code,
    reason = "the models are only called through their generated siblings"
)]

use std::fmt::Write as _;
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
struct Problem {
    starts: [Vec<f64>; 2],
    certified: Vec<f64>,
    certified_std_errors: Vec<f64>,
    xs: Vec<f64>,
    ys: Vec<f64>,
}

/// Reads `tests/data/nist/NAME.dat`: parameter lines `b1 = start1 start2
/// value std_error` from line 41, data `y x` from line 61.
fn problem(name: &str) -> Problem {
    let path = format!("{}/tests/data/nist/{name}.dat", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let lines: Vec<&str> = text.lines().collect();
    let mut problem = Problem {
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
fn digits(a: f64, b: f64) -> u32 {
    let error = (a.abs() - b.abs()).abs() / b.abs();
    if error.is_nan() {
        0
    } else if error == 0.0 {
        15
    } else {
        (-error.log10()).round().clamp(0.0, 15.0) as u32
    }
}

/// One fit's outcome: the fewest certified digits of any parameter and of
/// any standard error (0 when the fit failed), with the failure.
struct Outcome {
    name: &'static str,
    start: usize,
    parameter_digits: u32,
    std_error_digits: u32,
    evaluations: usize,
    error: Option<String>,
}

type ResidualGrad<const P: usize> = fn(&SVector<f64, P>, f64, f64) -> (f64, SVector<f64, P>);

fn fit_problem<const P: usize>(name: &'static str, residual: ResidualGrad<P>) -> [Outcome; 2] {
    let data = problem(name);
    assert_eq!(data.certified.len(), P, "{name}: number of parameters");
    [0, 1].map(|start| {
        let mut b = SVector::<f64, P>::from_column_slice(&data.starts[start]);
        let (xs, ys) = (&data.xs, &data.ys);
        let result = lsq::LevenbergMarquardt::new()
            .minimize(&mut b, xs.len(), |b, i| residual(b, xs[i], ys[i]));
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
            name,
            start: start + 1,
            parameter_digits,
            std_error_digits,
            evaluations,
            error,
        }
    })
}

/// Fits that do not reach the goal, with the digits they reach
/// `(problem, start, parameter digits, standard-error digits)`. The test
/// fails if a listed fit reaches the goal (remove it then) or fewer digits
/// than listed, so the list stays accurate.
const KNOWN_SHORTFALLS: &[(&str, usize, u32, u32)] = &[
    // Lanczos1's data are its model rounded to 13 digits: the certified
    // residual sum of squares is 1.43e-25, residuals of about 8e-14 on
    // values up to 2.5, which f64 evaluates with an error of a few 1e-16
    // (the `exp`s and the sums). The sum of squares, and with it every
    // standard error, is then right to about 3 digits only; the parameters
    // have 11. No solver fixes this in f64.
    ("Lanczos1", 1, 11, 3),
    ("Lanczos1", 2, 11, 3),
];

const PARAMETER_GOAL: u32 = 6;
const STD_ERROR_GOAL: u32 = 4;

#[test]
fn every_problem_from_both_starts_to_certified_digits() {
    let outcomes: Vec<Outcome> = [
        fit_problem("Misra1a", misra1a_grad),
        fit_problem("Misra1b", misra1b_grad),
        fit_problem("Chwirut1", chwirut_grad),
        fit_problem("Chwirut2", chwirut_grad),
        fit_problem("DanWood", danwood_grad),
        fit_problem("Lanczos1", lanczos_grad),
        fit_problem("Lanczos3", lanczos_grad),
        fit_problem("Gauss1", gauss_grad),
        fit_problem("Gauss2", gauss_grad),
        fit_problem("Kirby2", kirby2_grad),
        fit_problem("MGH09", mgh09_grad),
        fit_problem("Thurber", thurber_grad),
        fit_problem("Rat43", rat43_grad),
        fit_problem("BoxBOD", boxbod_grad),
    ]
    .into_iter()
    .flatten()
    .collect();

    let mut table =
        String::from("problem   start  parameter digits  std-error digits  evaluations\n");
    for o in &outcomes {
        writeln!(
            table,
            "{:<9} {:>5}  {:>16}  {:>16}  {:>11}{}",
            o.name,
            o.start,
            o.parameter_digits,
            o.std_error_digits,
            o.evaluations,
            o.error
                .as_deref()
                .map(|e| format!("  error: {e}"))
                .unwrap_or_default()
        )
        .unwrap();
    }
    println!("{table}");

    let mut failures = Vec::new();
    for o in &outcomes {
        let reached = o.parameter_digits >= PARAMETER_GOAL && o.std_error_digits >= STD_ERROR_GOAL;
        let known = KNOWN_SHORTFALLS
            .iter()
            .find(|(name, start, _, _)| *name == o.name && *start == o.start);
        match (reached, known) {
            (true, None) => {}
            (true, Some(_)) => failures.push(format!(
                "{} start {} now reaches the goal: remove it from KNOWN_SHORTFALLS",
                o.name, o.start
            )),
            (false, None) => failures.push(format!(
                "{} start {}: {} parameter digits, {} standard-error digits",
                o.name, o.start, o.parameter_digits, o.std_error_digits
            )),
            (false, Some(&(_, _, parameter_digits, std_error_digits))) => {
                if o.parameter_digits < parameter_digits || o.std_error_digits < std_error_digits {
                    failures.push(format!(
                        "{} start {}: known shortfall reaches only ({}, {}) digits, listed as ({parameter_digits}, {std_error_digits})",
                        o.name, o.start, o.parameter_digits, o.std_error_digits
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}\n{table}", failures.join("\n"));
}
