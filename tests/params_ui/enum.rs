use tapeless::Params;

#[derive(Clone, Params)]
enum Choice {
    Left(f64),
    Right(f64),
}

fn main() {}
