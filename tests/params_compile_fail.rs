//! Misuses of `#[derive(Params)]` are compile errors with a clear message
//! (expected output in `tests/params_ui/*.stderr`).

#[test]
fn derive_params_misuse() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/params_ui/*.rs");
}
