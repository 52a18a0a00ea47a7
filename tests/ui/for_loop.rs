use tapeless::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    let mut total = 0.0;
    for i in 0..3 {
        total += x * i as f64;
    }
    total
}

fn main() {}
