use tapeless::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    let y = unsafe { core::ptr::read(&x) };
    y
}

#[differentiable]
async fn g(x: f64) -> f64 {
    x
}

fn main() {}
