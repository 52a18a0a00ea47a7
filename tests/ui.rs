//! Misuses of `#[differentiable]` are compile errors at the user's code,
//! saying what is unsupported and what to write instead. The expected
//! messages are the committed `tests/ui/*.stderr` files.

mod common;

#[test]
fn compile_errors() {
    // The messages are compared under the rustc they were written with.
    if !common::ui_messages_comparable() {
        return;
    }
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
