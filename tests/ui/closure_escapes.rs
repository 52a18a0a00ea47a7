use tapeless::differentiable;

fn apply(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    f(x)
}

#[differentiable]
fn f(x: f64) -> f64 {
    let scale = |t: f64| t * x;
    apply(scale, 2.0)
}

fn main() {}
