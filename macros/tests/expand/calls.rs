// Calls are linked by name through `_vjp`: the forward sweep keeps the
// pullback, the reverse sweep calls it.
#[differentiable(wrt = (a, b))]
fn combined(a: &f64, b: f64) -> f64 {
    let s = softplus(*a * b);
    s * scale(b, 3.0)
}
