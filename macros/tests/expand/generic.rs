// A generic scalar: the siblings add `T: Real`.
#[differentiable]
fn smooth<T: Float>(x: T) -> T {
    (x * x + T::one()).sqrt()
}
