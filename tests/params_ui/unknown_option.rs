use tapeless::Params;

#[derive(Clone, Params)]
#[params(scalr = f64)]
struct Typo {
    x: f64,
}

fn main() {}
