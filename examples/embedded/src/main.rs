//! tapeless on a Cortex-M3 without an allocator: the fits of [`fit`] run on
//! QEMU's `lm3s6965evb` board, print over semihosting, and exit with status
//! 0 when all three losses end below their thresholds, 1 otherwise.
//!
//! ```sh
//! cargo run --release   # in examples/embedded; the runner is QEMU
//! ```
#![no_std]
#![no_main]

mod fit;
mod stack;

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
use panic_semihosting as _;

/// Writes each line to the host's stdout through semihosting.
struct Semihosting;

impl fit::Log for Semihosting {
    fn line(&mut self, line: core::fmt::Arguments<'_>) {
        hprintln!("{}", line);
    }
}

#[entry]
fn main() -> ! {
    // Stack used by one training step of each fit (the step only: the fit
    // is built before the stack is painted).
    let mut quadratic = fit::Quadratic::new();
    let (quadratic_step, _) = stack::high_water_with(|| quadratic.step());
    let mut mlp = fit::Mlp::new();
    let (mlp_step, _) = stack::high_water_with(|| mlp.step());
    let mut spring = fit::Spring::new();
    let (spring_step, _) = stack::high_water_with(|| spring.step());
    hprintln!(
        "stack quadratic_step={} bytes (depth {} bytes)",
        quadratic_step.used,
        quadratic_step.depth
    );
    hprintln!(
        "stack mlp_step={} bytes (depth {} bytes)",
        mlp_step.used,
        mlp_step.depth
    );
    hprintln!(
        "stack spring_step={} bytes (depth {} bytes)",
        spring_step.used,
        spring_step.depth
    );

    // The fits proper, from fresh starts.
    let (total, (quadratic, mlp, spring)) = stack::high_water_with(|| {
        let quadratic = fit::Quadratic::new().run(&mut Semihosting);
        let mlp = fit::Mlp::new().run(&mut Semihosting);
        let spring = fit::Spring::new().run(&mut Semihosting);
        (quadratic, mlp, spring)
    });
    hprintln!(
        "stack fits={} bytes (depth {} bytes)",
        total.used,
        total.depth
    );

    let passed = quadratic < fit::QUADRATIC_THRESHOLD
        && mlp < fit::MLP_THRESHOLD
        && spring < fit::SPRING_THRESHOLD;
    hprintln!("result={}", if passed { "pass" } else { "fail" });
    debug::exit(if passed {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    // `exit` returns only without a semihosting host (a real board without a
    // debugger): sleep.
    loop {
        cortex_m::asm::wfi();
    }
}
