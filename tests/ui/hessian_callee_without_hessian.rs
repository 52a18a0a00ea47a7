use nalgebra::SVector;
use tapeless::differentiable;

// The callee has no `hessian`: the call links to a `square_jvp2` that does
// not exist.
#[differentiable]
fn square(x: f64) -> f64 {
    x * x
}

#[differentiable(hessian)]
fn composed(x: &SVector<f64, 2>) -> f64 {
    square(x[0]) + x[1]
}

fn main() {}
