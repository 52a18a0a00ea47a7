use tapeless::Params;

#[derive(Clone, Params)]
struct Nothing;

fn main() {}
