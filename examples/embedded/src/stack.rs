//! Stack painting: how much stack a piece of code uses.
//!
//! [`high_water_with`] fills the free stack (everything below its own
//! frame, down to the end of `.bss`) with a pattern, runs the code, and
//! finds the lowest word the code overwrote. The difference to the stack
//! pointer at the call is the code's peak stack use, including the frames
//! of everything it calls (semihosting, formatting, the runtime).
//!
//! This is the one module with `unsafe`: it writes and reads stack memory
//! below the current stack pointer, which no Rust value owns.

use core::ptr;

/// What free stack is painted with. A word that the measured code writes
/// with exactly this value is not seen, so a measurement can be low by the
/// gap to the next written word; with a value that is neither a small
/// integer, an address nor a plausible `f32`, this does not happen in
/// practice.
const PAINT: u32 = 0xA5C3_5A3C;

unsafe extern "C" {
    /// The lowest address the stack may grow to: cortex-m-rt's linker script
    /// puts it after `.bss` and `.uninit`, 4-byte aligned.
    static _stack_end: u32;
    /// The initial stack pointer: the top of RAM.
    static _stack_start: u32;
}

/// A measurement of [`high_water_with`].
#[derive(Clone, Copy, Debug)]
pub struct StackUse {
    /// Bytes of stack the code used below the caller's stack pointer.
    pub used: usize,
    /// Bytes from the top of RAM down to the lowest word the code wrote:
    /// the program's stack depth at its deepest point inside the code.
    pub depth: usize,
}

/// Runs `f` and measures the stack it uses.
///
/// It must be called with interrupts disabled or without interrupt
/// handlers (as in this program), since a handler would use the painted
/// stack too.
#[inline(never)]
pub fn high_water_with<R>(f: impl FnOnce() -> R) -> (StackUse, R) {
    let top = cortex_m::register::msp::read() as usize;
    let bottom = (&raw const _stack_end) as usize;
    let ram_top = (&raw const _stack_start) as usize;

    let mut address = bottom;
    while address < top {
        // SAFETY: `[bottom, top)` lies between the end of the static data
        // and this function's stack pointer: no live value is stored there
        // (the Arm procedure call standard has no red zone below the stack
        // pointer), no interrupt handler runs, and there is no heap. Every
        // address is 4-byte aligned (`_stack_end` is asserted aligned by
        // the linker script and the stack pointer is 8-byte aligned).
        unsafe { ptr::write_volatile(address as *mut u32, PAINT) };
        address += 4;
    }

    // A separate frame, so that none of `f`'s locals are placed in this
    // function's frame, above `top`, where they would not be counted.
    let result = call(f);

    let mut lowest = bottom;
    // SAFETY: the same words as above, 4-byte aligned, now below the stack
    // pointer again; reading them observes what `f` left there.
    while lowest < top && unsafe { ptr::read_volatile(lowest as *const u32) } == PAINT {
        lowest += 4;
    }
    let usage = StackUse {
        used: top - lowest,
        depth: ram_top - lowest,
    };
    (usage, result)
}

/// Calls `f` in a frame of its own.
#[inline(never)]
fn call<R>(f: impl FnOnce() -> R) -> R {
    f()
}
