// A recurrence over data of run-time length with two differentiated
// parameters: the forward sweep offers the state before each iteration
// (the level and the iterator) to at most K snapshots, and the reverse
// sweep recomputes the states between them.
#[differentiable(wrt = (alpha, scale))]
fn smoothing(alpha: f64, scale: f64, ys: &[f64]) -> f64 {
    let mut level = scale * ys[0];
    let mut total = 0.0;
    for y in &ys[1..] {
        let error = y - level;
        total += error * error;
        level += alpha * error;
    }
    total
}

// One scalar through such a recurrence: `_grad` carries the derivative
// alongside the recurrence (forward mode), with no snapshots.
#[differentiable]
fn smoothing_alpha(alpha: f64, ys: &[f64]) -> f64 {
    let mut level = ys[0];
    let mut total = 0.0;
    for y in &ys[1..] {
        let error = y - level;
        total += error * error;
        level += alpha * error;
    }
    total
}

// Newton's method until convergence: a `while` loop is a `for` loop over
// `0..` that its exit flag ends.
#[differentiable(wrt = (a, x0))]
fn newton_sqrt(a: f64, x0: f64) -> f64 {
    let mut x = x0;
    let mut step: f64 = 1.0;
    while step.abs() > 1e-13 * x {
        step = (x * x - a) / (2.0 * x);
        x -= step;
    }
    x
}

// An iterator chain and a local closure: the chain is the fused loop of
// its `for` form.
#[differentiable]
fn line_sse(p: &Vector2<f64>, t: &[f64], y: &[f64]) -> f64 {
    let model = |t: f64| p.x * t + p.y;
    t.iter().zip(y).map(|(t, y)| (model(*t) - y).powi(2)).sum::<f64>()
}
