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

// A chain over neighbouring elements (scipy's `rosen`): the reverse sweep
// stores the adjoint of `x[i]` once and carries that of `x[i + 1]` to the
// next iteration in a local (where it is part of `x[i]`'s), instead of
// adding both to the gradient in memory; the last one is stored after the
// loop.
#[differentiable]
fn rosenbrock<const N: usize>(x: &SVector<f64, N>) -> f64 {
    let mut total = 0.0;
    for i in 0..N - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        total += 100.0 * (a * a) + b * b;
    }
    total
}

// The same over a reversed range with a backward difference: the places
// complete from the highest index down.
#[differentiable]
fn backward_differences(x: &[f64; 6]) -> f64 {
    let mut total = 0.0;
    for i in (1..6).rev() {
        let d = x[i] - x[i - 1];
        total += d * d * x[i];
    }
    total
}
