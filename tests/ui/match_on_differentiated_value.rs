use tapeless::differentiable;

// A `match` binds data; a name bound out of a differentiated value is an
// error at the pattern, never a missing gradient.
#[differentiable]
fn f(x: f64) -> f64 {
    match (x, 2.0) {
        (a, b) => a * b,
    }
}

fn main() {}
