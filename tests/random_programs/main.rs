//! Random-program differential testing: a few hundred random
//! `#[differentiable]` functions combining every supported construct
//! (see `random_programs/grammar.rs`), compiled in one crate, each sibling
//! checked against Richardson-extrapolated central differences. A program
//! whose expansion does not compile, panics or returns a wrong gradient is
//! a failure; each failure is shrunk to a small program, printed, and
//! fails the test.
//!
//! `cargo test` runs a fixed set of seeds. Many more, with new seeds:
//!
//! ```text
//! TAPELESS_RANDOM_SEEDS=1000..1020 TAPELESS_RANDOM_PROGRAMS=200 \
//!     cargo test --release --test random_programs -- --nocapture
//! ```
//!
//! Shrunk failures belong in `tests/random_regressions.rs` once fixed.

mod grammar;
mod harness;

use grammar::{Callee, Program, Rng};
use harness::{Entry, Outcome, Scratch};
use std::collections::BTreeMap;

/// The seeds `cargo test` runs, and the programs per seed.
const SEEDS: &[u64] = &[1, 2, 3, 4];
const PROGRAMS: usize = 100;

fn seeds() -> Vec<u64> {
    match std::env::var("TAPELESS_RANDOM_SEEDS") {
        Ok(text) => {
            if let Some((lo, hi)) = text.split_once("..") {
                let (lo, hi): (u64, u64) =
                    (lo.parse().expect("a seed"), hi.parse().expect("a seed"));
                (lo..hi).collect()
            } else {
                text.split(',')
                    .map(|s| s.trim().parse().expect("a seed"))
                    .collect()
            }
        }
        Err(_) => SEEDS.to_vec(),
    }
}

fn programs_per_seed() -> usize {
    std::env::var("TAPELESS_RANDOM_PROGRAMS")
        .map(|n| n.parse().expect("a count"))
        .unwrap_or(PROGRAMS)
}

/// The programs of one seed; each may call the ones before it.
fn generate(seed: u64, count: usize) -> Vec<Entry> {
    let mut rng = Rng::new(seed);
    let mut entries: Vec<Entry> = Vec::new();
    for index in 0..count {
        let callees: Vec<Callee> = if rng.chance(30) {
            entries
                .iter()
                .rev()
                .take(3)
                .map(|e| Callee {
                    index: e.program.index,
                    wrt: e.program.wrt,
                })
                .collect()
        } else {
            Vec::new()
        };
        let program = grammar::generate(&mut rng, index, &callees);
        entries.push(Entry::new(program, &mut rng));
    }
    entries
}

/// The programs `program` calls, directly or not.
fn support(program: &Program, all: &[Entry]) -> Vec<Entry> {
    let mut needed: Vec<usize> = program.callees();
    let mut found = Vec::new();
    while let Some(index) = needed.pop() {
        if found.iter().any(|e: &Entry| e.program.index == index) {
            continue;
        }
        let entry = all
            .iter()
            .find(|e| e.program.index == index)
            .expect("a callee");
        needed.extend(entry.program.callees());
        found.push(entry.clone());
    }
    found.sort_by_key(|e| e.program.index);
    found
}

/// A failure being shrunk.
struct Shrinking {
    entry: Entry,
    outcome: Outcome,
    support: Vec<Entry>,
    done: bool,
}

/// Shrinks failing programs, all at once: each round compiles every
/// failure's one-step variants in one crate, and each failure moves to its
/// smallest variant that still fails the same way, until none does.
fn shrink(scratch: &Scratch, failures: &mut [Shrinking]) {
    for round in 0..40 {
        let mut variants = Vec::new();
        let mut support: Vec<Entry> = Vec::new();
        for (f, failure) in failures.iter().enumerate() {
            if failure.done {
                continue;
            }
            for (k, program) in grammar::shrink(&failure.entry.program)
                .into_iter()
                .take(60)
                .enumerate()
            {
                variants.push((
                    f,
                    Entry {
                        module: format!("f{f}_r{round}_{k}"),
                        program,
                        point: failure.entry.point,
                    },
                ));
            }
            for entry in &failure.support {
                if !support.iter().any(|e| e.module == entry.module) {
                    support.push(entry.clone());
                }
            }
        }
        if variants.is_empty() {
            return;
        }
        support.sort_by_key(|e| e.program.index);
        let entries: Vec<Entry> = variants.iter().map(|(_, e)| e.clone()).collect();
        let outcomes = scratch.run(&entries, &support);
        for (f, failure) in failures.iter_mut().enumerate() {
            if failure.done {
                continue;
            }
            // Variants come smallest first.
            let smaller = variants.iter().find(|(owner, variant)| {
                *owner == f
                    && outcomes
                        .get(&variant.module)
                        .is_some_and(|o| o.key() == failure.outcome.key())
            });
            match smaller {
                Some((_, variant)) => {
                    failure.outcome = outcomes[&variant.module].clone();
                    failure.entry.program = variant.program.clone();
                }
                None => failure.done = true,
            }
        }
    }
}

fn kind(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Passed { .. } => "passed",
        Outcome::Skipped(_) => "skipped",
        Outcome::Wrong(_) => "wrong gradient",
        Outcome::Compile { .. } => "does not compile",
        Outcome::Panicked(_) => "panicked",
    }
}

#[test]
fn random_programs_match_central_differences() {
    let scratch = Scratch::new("crate");
    scratch.install_checker();
    let count = programs_per_seed();
    let mut report = String::new();
    let mut failures = 0;
    let mut totals: BTreeMap<&str, usize> = BTreeMap::new();
    for seed in seeds() {
        let entries = generate(seed, count);
        let outcomes = scratch.run(&entries, &[]);
        let mut found = Vec::new();
        for entry in &entries {
            let outcome = &outcomes[&entry.module];
            *totals.entry(kind(outcome)).or_default() += 1;
            if outcome.is_failure() {
                found.push(Shrinking {
                    entry: entry.clone(),
                    outcome: outcome.clone(),
                    support: support(&entry.program, &entries),
                    done: false,
                });
            }
        }
        failures += found.len();
        let originals: Vec<Entry> = found.iter().map(|f| f.entry.clone()).collect();
        if std::env::var_os("TAPELESS_RANDOM_NO_SHRINK").is_none() {
            shrink(&scratch, &mut found);
        }
        for (original, failure) in originals.iter().zip(&found) {
            let detail = match &failure.outcome {
                Outcome::Compile { message, .. } => message.clone(),
                Outcome::Wrong(why) | Outcome::Panicked(why) => why.clone(),
                _ => String::new(),
            };
            report.push_str(&format!(
                "\n== seed {seed}, program {}: {}; shrunk from size {} to {}, at {:?}\n{}{detail}\n",
                original.program.index,
                kind(&failure.outcome),
                original.program.size(),
                failure.entry.program.size(),
                original.point,
                failure.entry.program.render(&original.module),
            ));
        }
    }
    println!("random programs: {totals:?}");
    assert!(
        failures == 0,
        "{failures} random programs failed: {totals:?}\n{report}"
    );
    assert!(
        totals.get("passed").copied().unwrap_or(0) * 10 >= count * 7 * seeds().len(),
        "too few programs were compared: {totals:?}"
    );
}
