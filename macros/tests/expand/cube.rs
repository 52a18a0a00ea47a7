// The tutorial's loss |x³|: a chain of products and a method.
#[differentiable]
fn loss(x: f64) -> f64 {
    (x * x * x).abs()
}
