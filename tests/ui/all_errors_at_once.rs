use tapeless::differentiable;

#[differentiable(wrt = (x, nope))]
fn f(x: f64, y: &mut f64) -> f64 {
    let g = |t: f64| t;
    while x > 0.0 {}
    let z = vec![x][0];
    g(z) + *y
}

fn main() {}
