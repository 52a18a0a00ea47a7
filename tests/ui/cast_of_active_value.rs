use tapeless::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    let narrow = x as f32;
    f64::from(narrow) * 2.0
}

fn main() {}
