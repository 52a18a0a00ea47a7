use tapeless::differentiable;

// `scale` differentiates `x` only; its `_jvp` takes `NoTangent` for `k`.
#[differentiable(jvp)]
fn scale(x: f64, k: f64) -> f64 {
    x * k
}

// Here `k` is differentiated: forward mode needs `scale_jvp` to take a
// tangent for it, and says so instead of dropping it.
#[differentiable(jvp, wrt = (x, k))]
fn outer(x: f64, k: f64) -> f64 {
    scale(x, k) + x
}

fn main() {}
