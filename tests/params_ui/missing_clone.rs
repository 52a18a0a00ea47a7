// A parameter struct without `Clone`: one error that says what to add.
use tapeless::prelude::*;
#[derive(Params)]
struct M { w: Vector2<f64>, b: f64 }
fn main() {}
