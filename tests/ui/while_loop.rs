use tapeless::differentiable;

#[differentiable]
fn newton(x: f64) -> f64 {
    let mut y = x;
    while y > 1.0 {
        y = y.sqrt();
    }
    y
}

fn main() {}
