use tapeless::differentiable;

#[differentiable]
fn scale(x: f64, factor: f64) -> f64 {
    x * factor
}

#[differentiable]
fn f(factor: f64) -> f64 {
    scale(2.0, factor)
}

fn main() {}
