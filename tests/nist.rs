//! The NIST StRD nonlinear regression problems (`tests/data/nist/`, 14 of
//! the 27, public domain): every problem from both starting points with the
//! default `LevenbergMarquardt`, counting the certified digits of the
//! parameters and of their standard errors as lmfit's NIST test counts them.
//! The goal (DESIGN.md, "Public contract"): ≥ 6 digits in every parameter
//! and ≥ 4 in every standard error, for every fit.
#[path = "../benches/common/nist.rs"]
mod nist;

use nist::{Outcome, problems};
use std::fmt::Write as _;

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
    let outcomes: Vec<Outcome> = problems()
        .iter()
        .flat_map(|(problem, fit)| [fit(problem, 0), fit(problem, 1)])
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
