use tapeless::differentiable;

// The message names the user's variables (`level`, `trend`), not the
// generated ones their reassignments become; `sse` is an accumulation and
// needs no storage, so it is not named.
#[differentiable]
fn smoothing(alpha: f64, data: &[f64]) -> f64 {
    let mut level = data[0];
    level = level * 1.0;
    let mut trend = 0.0;
    trend = trend + 0.0;
    let mut sse = 0.0;
    for t in data.iter() {
        sse += (t - level - trend) * (t - level - trend);
        level = level + alpha * (t - level);
        trend = 0.5 * trend + alpha * (t - level);
    }
    sse
}

fn main() {}
