use nalgebra::Vector3;
use tapeless::differentiable;

#[differentiable]
fn total(w: &Vector3<f64>) -> f64 {
    let mut sum = 0.0;
    for x in w.iter() {
        sum += x * x;
    }
    sum
}

fn main() {}
