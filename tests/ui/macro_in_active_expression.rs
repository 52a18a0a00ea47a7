use tapeless::differentiable;

macro_rules! double {
    ($e:expr) => {
        $e * 2.0
    };
}

#[differentiable]
fn f(x: f64) -> f64 {
    let y = double!(x);
    y.sin()
}

fn main() {}
