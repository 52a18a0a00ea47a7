// A differentiated function of the user's called with too few arguments:
// one error, rustc's, at the call (not a second one about the cotangents of
// the generated `g_vjp`).
use tapeless::prelude::*;

#[differentiable]
fn g(a: f64, b: f64) -> f64 {
    a * b
}

#[differentiable]
fn smooth(x: f64) -> f64 {
    g(x)
}

fn main() {}
