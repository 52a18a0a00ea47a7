use nalgebra::Vector2;
use tapeless::differentiable;

// A `return` from inside a loop needs a scalar result (its value is kept in
// a variable that starts at zero).
#[differentiable]
fn first_large(x: &Vector2<f64>, data: &[f64]) -> Vector2<f64> {
    for t in data {
        if *t > 1.0 {
            return x * *t;
        }
    }
    *x
}

fn main() {}
