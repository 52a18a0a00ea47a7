use tapeless::Params;

#[derive(Clone, Params)]
struct Labelled {
    weight: f64,
    label: &'static str,
}

fn main() {}
