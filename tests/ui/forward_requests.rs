use nalgebra::{SVector, Vector2};
use tapeless::differentiable;

// A Jacobian of a scalar result: `_grad` is the one to use.
#[differentiable(jacobian)]
fn energy(x: &Vector2<f64>) -> f64 {
    x.norm_squared()
}

// A Hessian of a vector result, and of two arguments.
#[differentiable(hessian)]
fn field(x: &Vector2<f64>) -> Vector2<f64> {
    x * x.norm()
}

#[differentiable(hessian, wrt = (a, b))]
fn pair(a: &SVector<f64, 2>, b: &SVector<f64, 2>) -> f64 {
    a.dot(b)
}

// An option given twice.
#[differentiable(jvp, jvp)]
fn twice(x: f64) -> f64 {
    x
}

fn main() {}
