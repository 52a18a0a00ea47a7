use tapeless::Params;

#[derive(Clone, Params)]
struct Mixed {
    single: f32,
    double: f64,
}

fn main() {}
