use tapeless::differentiable;

fn parse(s: &str) -> Option<f64> {
    s.parse().ok()
}

#[differentiable]
fn f(x: f64, s: &str) -> Option<f64> {
    let k = parse(s)?;
    Some(x * k)
}

fn main() {}
