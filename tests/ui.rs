//! Misuses of `#[differentiable]` are compile errors at the user's code,
//! saying what is unsupported and what to write instead. The expected
//! messages are the committed `tests/ui/*.stderr` files.

#[test]
fn compile_errors() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
