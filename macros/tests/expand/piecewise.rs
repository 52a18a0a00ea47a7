// An `if` region with assignments in each branch: the reverse sweep replays
// the branch taken and recomputes what it reads there.
#[differentiable]
fn piecewise(x: f64, k: f64) -> f64 {
    let mut y = x * k;
    if y > 1.0 {
        y = y.ln();
    } else {
        y = y * y;
    }
    y + x
}
