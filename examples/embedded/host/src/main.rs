//! The fits of the embedded example (`../src/fit.rs`, the same file) run on
//! the host. `.ci/run` compares its `final_loss=` lines with those printed
//! under QEMU.

#[path = "../../src/fit.rs"]
mod fit;

use std::process::ExitCode;

/// Prints each line on stdout.
struct Stdout;

impl fit::Log for Stdout {
    fn line(&mut self, line: core::fmt::Arguments<'_>) {
        println!("{line}");
    }
}

fn main() -> ExitCode {
    let quadratic = fit::Quadratic::new().run(&mut Stdout);
    let mlp = fit::Mlp::new().run(&mut Stdout);
    let spring = fit::Spring::new().run(&mut Stdout);
    let passed = quadratic < fit::QUADRATIC_THRESHOLD
        && mlp < fit::MLP_THRESHOLD
        && spring < fit::SPRING_THRESHOLD;
    println!("result={}", if passed { "pass" } else { "fail" });
    if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
