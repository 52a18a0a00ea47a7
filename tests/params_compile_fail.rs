//! Misuses of `#[derive(Params)]` are compile errors with a clear message
//! (expected output in `tests/params_ui/*.stderr`).

mod common;

#[test]
fn derive_params_misuse() {
    // The messages are compared under the rustc they were written with.
    if !common::ui_messages_comparable() {
        return;
    }
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/params_ui/*.rs");
}
