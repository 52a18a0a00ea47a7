use tapeless::differentiable;

#[differentiable]
struct Model {
    weight: f64,
}

fn main() {}
