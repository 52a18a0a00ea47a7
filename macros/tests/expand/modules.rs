// A module call `model.forward(&x)` in `_grad` goes through the split
// convention where the module implements `SplitModule`: its record is a
// local of the generated frame, filled by the forward sweep and borrowed by
// the pullback (rustc falls back to `forward_vjp` otherwise). The `_vjp`
// sibling's pullback outlives the frame, so it calls `forward_vjp`.
#[differentiable(wrt = (model, x))]
fn regression(model: &Model, x: &Inputs, y: &Targets) -> f64 {
    let hidden = model.0.forward(x);
    let prediction = model.1.forward(&hidden);
    loss::mse(&prediction, y, Reduction::Sum)
}
