use tapeless::differentiable;

#[differentiable]
fn iterate(s0: f64, c: f64, steps: usize) -> f64 {
    let mut s = s0;
    for _ in 0..steps {
        s = s - 0.3 * (s * c).sin();
    }
    s
}

fn main() {}
