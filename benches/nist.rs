//! The time to fit the 14 NIST StRD problems of `tests/data/nist/` from both
//! starts with the default `lsq::LevenbergMarquardt` (issue 15): all 28 fits
//! in one iteration (`nist/all_28_fits`), and each problem's two fits
//! (`nist/PROBLEM`). The data are read before timing; each fit starts from
//! NIST's starting point and counts its certified digits as
//! `tests/nist.rs` does. `cargo bench -p tapeless --bench nist`;
//! `scripts/nist_vs_lmfit.sh` runs it with lmfit's `leastsq` on the same
//! fits (`scripts/lmfit_nist.py`) and prints the ratio.
#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented functions"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

#[path = "common/nist.rs"]
mod nist;

fn nist_group(c: &mut Criterion) {
    let problems = nist::problems();
    // What is timed reaches the digits tests/nist.rs asks for.
    for (problem, fit) in &problems {
        for start in 0..2 {
            let outcome = fit(problem, start);
            println!(
                "{} start {}: {} evaluations, {} parameter digits, {} standard-error digits",
                outcome.name,
                outcome.start,
                outcome.evaluations,
                outcome.parameter_digits,
                outcome.std_error_digits
            );
            assert!(outcome.error.is_none() && outcome.parameter_digits >= 6);
        }
    }
    let mut group = c.benchmark_group("nist");
    group.bench_function("all_28_fits", |bench| {
        bench.iter(|| {
            for (problem, fit) in &problems {
                for start in 0..2 {
                    black_box(fit(black_box(problem), start));
                }
            }
        });
    });
    for (problem, fit) in &problems {
        group.bench_function(problem.name, |bench| {
            bench.iter(|| {
                black_box(fit(black_box(problem), 0));
                black_box(fit(black_box(problem), 1));
            });
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = nist_group
}
criterion_main!(benches);
