use tapeless::differentiable;

// A `return` from inside a loop is not supported yet (a `return` from `if`
// branches is): the message says what to write instead.
#[differentiable]
fn first_large(x: f64, data: &[f64]) -> f64 {
    let mut total = 0.0;
    for t in data.iter() {
        if *t > 10.0 {
            return total;
        }
        total += x * t;
    }
    total
}

fn main() {}
