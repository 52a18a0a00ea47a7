use tapeless::differentiable;

#[differentiable(wrt = n)]
fn by_count(x: f64, n: usize) -> f64 {
    x * n as f64
}

#[differentiable(wrt = flag)]
fn by_flag(x: f64, flag: bool) -> f64 {
    if flag { x } else { -x }
}

#[differentiable(wrt = (letter, name))]
fn by_text(x: f64, letter: char, name: &str) -> f64 {
    let _ = (letter, name);
    x
}

#[differentiable]
fn first_is_an_integer(n: i32, x: f64) -> f64 {
    x.powi(n)
}

fn main() {}
