// Methods of `f64` without a derivative rule, on differentiated values: the
// error names the methods with rules and the `_vjp` to write.
use tapeless::prelude::*;

#[differentiable]
fn phase(x: f64) -> f64 {
    let (s, c) = x.sin_cos();
    s * c + x.rem_euclid(1.0)
}

fn main() {}
