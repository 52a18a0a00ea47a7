use tapeless::differentiable;

// The message names the user's variables (`sse`, `level`), not the
// generated ones their reassignments become.
#[differentiable]
fn smoothing(alpha: f64, data: &[f64]) -> f64 {
    let mut level = data[0];
    level = level * 1.0;
    let mut sse = 0.0;
    sse = sse + 0.0;
    for t in data.iter() {
        sse += (t - level) * (t - level);
        level = level + alpha * (t - level);
    }
    sse
}

fn main() {}
