use nalgebra::{Matrix3x4, Vector3};
use tapeless::differentiable;

#[differentiable]
fn layer(w: &Matrix3x4<f64>, x: &Vector3<f64>) -> f64 {
    let y = w * x;
    y.norm()
}

fn main() {}
