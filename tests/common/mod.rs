//! Helpers shared by the integration tests: reference data and tolerances.
#![allow(dead_code, reason = "each test binary uses a different subset")]

use serde_json::Value;

/// Loads `tests/data/NAME` (PyTorch's golden data, see `tests/data/REFERENCE.md`).
pub(crate) fn reference(name: &str) -> Value {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("cannot parse {path}: {e}"))
}

/// The case named `name` of `file`'s `cases`.
pub(crate) fn case<'v>(file: &'v Value, name: &str) -> &'v Value {
    file["cases"]
        .as_array()
        .expect("a `cases` array")
        .iter()
        .find(|case| case["name"] == name)
        .unwrap_or_else(|| panic!("no case {name}"))
}

/// A JSON array of numbers.
pub(crate) fn numbers(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_f64().expect("a number"))
        .collect()
}

/// Every number of a nested JSON list, row-major (PyTorch's order).
pub(crate) fn flat(value: &Value) -> Vec<f64> {
    match value {
        Value::Array(items) => items.iter().flat_map(flat).collect(),
        Value::Number(n) => vec![n.as_f64().expect("f64")],
        other => panic!("not a number or list: {other}"),
    }
}

/// The entries of a matrix in row-major order (PyTorch's).
pub(crate) fn row_major<const R: usize, const C: usize>(
    m: &nalgebra::SMatrix<f64, R, C>,
) -> Vec<f64> {
    (0..R)
        .flat_map(|r| (0..C).map(move |c| m[(r, c)]))
        .collect()
}

/// The single-operation tolerance of the reference README:
/// `|a - b| <= 1e-10 |b| + 1e-13 max(1, max |b|)`.
pub(crate) fn assert_close_op(actual: &[f64], expected: &[f64], what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}: lengths differ");
    let scale = expected.iter().fold(1.0_f64, |m, b| m.max(b.abs()));
    for (i, (a, b)) in actual.iter().zip(expected).enumerate() {
        let bound = 1e-10 * b.abs() + 1e-13 * scale;
        assert!(
            (a - b).abs() <= bound,
            "{what}[{i}]: {a} vs {b} (bound {bound:e})"
        );
    }
}

/// The trajectory tolerance of the reference README:
/// `|a - b| <= 1e-8 max(|b|, S)` with `S = max(1, max |b|)`.
pub(crate) fn assert_close_trajectory(actual: &[f64], expected: &[f64], what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}: lengths differ");
    let scale = expected.iter().fold(1.0_f64, |m, b| m.max(b.abs()));
    for (i, (a, b)) in actual.iter().zip(expected).enumerate() {
        let bound = 1e-8 * b.abs().max(scale);
        assert!(
            (a - b).abs() <= bound,
            "{what}[{i}]: {a} vs {b} (bound {bound:e})"
        );
    }
}

/// Relative closeness for hand derivations: `|a - b| <= tol max(1, |b|)`.
pub(crate) fn assert_rel(actual: f64, expected: f64, tol: f64, what: &str) {
    let bound = tol * expected.abs().max(1.0);
    assert!(
        (actual - expected).abs() <= bound || (actual.is_nan() && expected.is_nan()),
        "{what}: {actual} vs {expected}"
    );
}

/// Central-difference settings for smooth `f64` functions of moderate size:
/// relative 1e-7, absolute 1e-9.
pub(crate) fn tight() -> tapeless::GradCheck<f64> {
    tapeless::GradCheck {
        rtol: 1e-7,
        atol: 1e-9,
        ..tapeless::GradCheck::default()
    }
}

/// Central difference of a scalar function of one variable.
pub(crate) fn central_difference(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    let h = 1e-6 * x.abs().max(1.0);
    (f(x + h) - f(x - h)) / (2.0 * h)
}

/// The rustc release the committed `.stderr` files of the compile-error
/// tests (`tests/ui/`, `tests/params_ui/`) were written with. Their text is
/// partly rustc's and nalgebra's, which change between releases; the tests
/// compare it only under this release, so that they fail for a changed
/// message of ours, not of rustc's. Under another release they print why
/// they were skipped (set `TAPELESS_UI_ANY_RUSTC=1` to compare anyway, or
/// re-bless with `TRYBUILD=overwrite` when moving to a new release, and
/// change this constant).
pub(crate) const UI_RUSTC: &str = "1.95";

/// Whether the compile-error tests compare their messages here (see
/// [`UI_RUSTC`]).
pub(crate) fn ui_messages_comparable() -> bool {
    if std::env::var_os("TAPELESS_UI_ANY_RUSTC").is_some() {
        return true;
    }
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let version = std::process::Command::new(rustc)
        .arg("--version")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
        .unwrap_or_default();
    let comparable = version.starts_with(&format!("rustc {UI_RUSTC}."));
    if !comparable {
        eprintln!(
            "compile-error messages not compared: they were written with rustc {UI_RUSTC}, this is {}",
            version.trim()
        );
    }
    comparable
}
