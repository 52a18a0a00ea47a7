// Forms that differ only by association or spelling generate the code of
// `c * (a * a)`: one rule call for the square, its factor folded in. The
// reference form:
#[differentiable]
fn scaled_square(a: f64, c: f64) -> f64 {
    c * (a * a)
}

// `(c * a) * a`, `c` a constant scalar: the adjoint of `a` is the square's
// rule applied to `c * a`, not two products and a sum.
#[differentiable]
fn scaled_square_left(a: f64, c: f64) -> f64 {
    c * a * a
}

// `(a * a) * c`: already the square times a factor.
#[differentiable]
fn scaled_square_right(a: f64, c: f64) -> f64 {
    a * a * c
}

// `.powi(2)` reverses through the rule of `x * x`.
#[differentiable]
fn difference_squared(a: f64, b: f64) -> f64 {
    (a - b).powi(2)
}

#[differentiable]
fn squared(x: f64) -> f64 {
    x.powi(2)
}
