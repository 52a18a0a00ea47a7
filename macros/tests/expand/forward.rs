// Forward mode: the tangent of each active value right after it, a loop
// carrying its tangent beside its value, a branch merging both.
#[differentiable(jvp)]
fn smoothed(x: f64, k: f64) -> f64 {
    let mut s = x;
    for _ in 0..3 {
        s = s * k + (s * x).sin();
    }
    if s > 0.0 { s.sqrt() } else { -s / x }
}
