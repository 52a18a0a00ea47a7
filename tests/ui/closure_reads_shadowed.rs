use tapeless::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    let a = x;
    let model = |t: f64| a * t;
    let a = 5.0;
    model(a)
}

fn main() {}
