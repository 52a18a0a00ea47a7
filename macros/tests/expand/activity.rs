// Data-only computations (counts, normalising constants, targets) get no
// adjoint code: only `p` and what depends on it are active.
#[differentiable]
fn weighted(p: f64, target: f64, n: usize) -> f64 {
    let count = n as f64;
    let normaliser = 1.0 / count;
    let scaled_target = target * 2.0 + normaliser;
    let residual = p - scaled_target;
    residual * residual * normaliser
}
