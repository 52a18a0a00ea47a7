// Second order: `_jvp2` carries tangents along `u` and `v` and the
// second-order one; `_hessian` and `_hvp` call it along unit vectors.
#[differentiable(hessian)]
fn rat43(b: &SVector<f64, 4>, x: f64) -> f64 {
    b[0] / (1.0 + (b[1] - b[2] * x).exp()).powf(1.0 / b[3])
}
