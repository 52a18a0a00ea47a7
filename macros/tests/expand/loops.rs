// A mean over data of run-time length: the loop accumulates a scalar, so
// each iteration's reverse sweep runs right after its forward sweep with
// adjoint 1, and the reverse sweep scales the sums (one pass, no storage).
#[differentiable]
fn mean_squared_error(p: &Vector3<f64>, t: &[f64], y: &[f64]) -> f64 {
    let mut total = 0.0;
    for (ti, yi) in t.iter().zip(y.iter()) {
        let residual = p.x * ti * ti + p.y * ti + p.z - yi;
        total += residual * residual;
    }
    total / t.len() as f64
}

// A recurrence over a fixed trip count: the forward sweep keeps `s` of every
// iteration in an array, the reverse sweep replays the iterations backwards.
#[differentiable]
fn recurrence(s0: f64, c: f64) -> f64 {
    let mut s = s0;
    for i in 0..8 {
        s = s - 0.3 * (s * c).sin();
    }
    s
}
