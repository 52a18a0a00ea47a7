use tapeless::differentiable;

struct State {
    total: f64,
}

#[differentiable]
fn f(x: f64, out: &State) -> f64 {
    let mut s = State { total: 0.0 };
    s.total = x * 2.0;
    *out = 1.0;
    x
}

fn main() {}
