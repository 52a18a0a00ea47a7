use tapeless::differentiable;

#[differentiable]
fn f(x: f64, data: &[f64]) -> f64 {
    data.iter().map(|d| d * x).take_while(|v| *v < 1.0).sum()
}

fn main() {}
