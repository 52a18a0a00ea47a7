//! # tapeless
//!
//! Compile-time reverse-mode automatic differentiation for Rust: what
//! PyTorch's autograd and `torch.optim` do for small models, done while your
//! crate compiles.
//!
//! A `#[differentiable]` attribute turns an ordinary Rust loss function into
//! straight-line gradient code. A `no_std` runtime supplies the derivative
//! rules, parameter sets ([`Params`]), fixed-size nalgebra layers ([`nn`]),
//! and PyTorch's losses ([`loss`]), optimizers ([`optim`]) and learning-rate
//! schedulers ([`sched`]) with PyTorch's semantics, step for step. There is
//! no tape, no graph at run time and no heap allocation in a training step;
//! gradients are plain values, so there is no `zero_grad()`.
//!
//! ```
//! use tapeless::prelude::*;
//!
//! #[differentiable] // generates quadratic_mse_grad (and quadratic_mse_vjp)
//! fn quadratic_mse(p: &Vector3<f64>, t: &[f64], y: &[f64]) -> f64 {
//!     let mut total = 0.0;
//!     for (t, y) in t.iter().zip(y.iter()) {
//!         let residual = p.x * (t * t) + p.y * t + p.z - y;
//!         total += residual * residual;
//!     }
//!     total / t.len() as f64
//! }
//!
//! let (t, y) = ([0.0, 1.0, 2.0, 3.0], [1.0, 0.2, 1.1, 4.1]);
//! let mut params = Vector3::new(0.0, 0.0, 0.0);
//! let mut sgd = optim::Sgd::new(0.01);
//! let initial = quadratic_mse(&params, &t, &y);
//! for _ in 0..5000 {
//!     let (_loss, gradient) = quadratic_mse_grad(&params, &t, &y); // forward + backward
//!     sgd.step(&mut params, &gradient);                            // no zero_grad()
//! }
//! assert!(quadratic_mse(&params, &t, &y) < 0.05 * initial);
//! ```
//!
//! The same in PyTorch:
//!
//! ```python
//! p = torch.zeros(3, requires_grad=True)
//! opt = torch.optim.SGD([p], lr=0.01)
//! for _ in range(5000):
//!     opt.zero_grad()
//!     loss = ((p[0] * t**2 + p[1] * t + p[2] - y) ** 2).mean()
//!     loss.backward()
//!     opt.step()
//! ```
//!
//! The repository's examples are the PyTorch tutorials written with tapeless
//! (`cargo run --release --example quadratic_fit`, `cube_root`,
//! `exponential_lr`, `curve_adam`, `mlp_classifier`, `mlp_regression`,
//! `optimizers_tour`, `lr_schedules`, `custom_rule`), each printing PyTorch's
//! numbers and drawing the tutorial's pictures.
//!
//! See [`differentiable`] for what the attribute generates and accepts,
//! [`check_grad`] to verify a gradient against finite differences, and the
//! runtime's modules for parameter sets ([`Params`]), layers and
//! activations ([`nn`]), losses ([`loss`]), optimizers ([`optim`]) and
//! schedulers ([`sched`]).
//!
//! # Features
//!
//! * `std` (default): the platform's math library instead of `libm`.
//! * `serde`: parameter sets, layers, every optimizer and every scheduler
//!   serialize and deserialize their whole state (torch's `state_dict`), so
//!   a run saved after k steps and loaded into fresh values continues on the
//!   bit-identical trajectory; a checkpoint of another optimizer or
//!   scheduler, of other shapes, truncated or corrupt, is an error
//!   (`cargo run --release --features serde --example checkpoint`). no_std
//!   compatible.
#![no_std]

/// Turns a function into its gradient code at compile time.
///
/// For a function `NAME` with a scalar result, `#[differentiable]` keeps the
/// function unchanged and generates two siblings in the same scope, with the
/// same visibility, generics and parameters:
///
/// * `NAME_grad(args) -> (value, gradient)`: the value and the gradient with
///   respect to the differentiated parameters (the first parameter unless
///   `wrt` says otherwise, like `jax.grad`). The gradient has the type of the
///   parameter without its reference; several parameters give a tuple.
/// * `NAME_vjp(args) -> (value, pullback)`: the value and a closure from the
///   cotangent of the result to a tuple with one cotangent per parameter
///   (`NoTangent` for those not differentiated), like `jax.vjp`. Callers that
///   differentiate through `NAME` use it, and so can you.
///
/// ```
/// use tapeless::prelude::*;
///
/// #[differentiable]
/// fn f(x: f64, k: f64) -> f64 {
///     (x * k).sin()
/// }
///
/// let (value, gradient) = f_grad(0.5, 2.0);
/// assert_eq!(value, f(0.5, 2.0));
/// assert!((gradient - 2.0 * 1.0_f64.cos()).abs() < 1e-15);
///
/// let (value, pullback) = f_vjp(0.5, 2.0);
/// let (dx, dk) = pullback(3.0);
/// assert_eq!(value, f(0.5, 2.0));
/// assert!((dx - 3.0 * 2.0 * 1.0_f64.cos()).abs() < 1e-15);
/// assert_eq!(dk, NoTangent); // `k` is not differentiated
/// ```
///
/// # Arguments of the attribute
///
/// * `wrt = x` or `wrt = (x, y)`: the parameters to differentiate with
///   respect to (default: the first). Their types must be differentiable:
///   `f32`, `f64`, nalgebra vectors and matrices, arrays, tuples or a
///   `#[derive(Params)]` struct; integers, `bool`, `char` and strings are
///   rejected.
/// * `grad`: require `NAME_grad` (an error if the result is not a scalar).
///   Without it, `NAME_grad` is generated when the return type is `f32`,
///   `f64` or a scalar type parameter, and only `NAME_vjp` otherwise.
/// * `crate = path`: how the generated code names this crate (default
///   `::tapeless`), for code inside the runtime or a re-exporting crate.
/// * `snapshots = K`: the states a checkpointed loop (a recurrence whose
///   trip count is not a compile-time constant) keeps on the stack (default
///   [`checkpoint::DEFAULT_SNAPSHOTS`], 64); about `2 · K` times the size of
///   the loop's state.
/// * `jvp`: also `NAME_jvp(args.., tangents..) -> (value, tangent)`, forward
///   mode: one tangent per parameter after the parameters, `&X` for a
///   differentiated parameter of type `X` or `&X` (or `NoTangent`, a zero
///   tangent: any [`TangentArg`]) and `NoTangent` for the others. A call
///   `g(a, b)` differentiates through `g_jvp(a, b, &ȧ, NoTangent)`, so a
///   hand-written `g_jvp` beside a plain `g` is a custom forward rule.
/// * `jacobian`: also `NAME_jacobian(args) -> (value, jacobian)` for a result
///   `SVector<T, M>` of one differentiated `SVector<T, N>` (N calls of
///   `NAME_jvp`, which it generates too).
/// * `hessian`: also `NAME_hessian(args) -> (value, gradient, hessian)`,
///   `NAME_hvp(args.., v) -> (value, gradient, hessian · v)` and the
///   hyper-dual `NAME_jvp2` they call once, for a scalar result of one
///   differentiated `SVector<T, N>` or scalar: exact second-order forward
///   mode, every direction in one pass ([`forward::Hyper`]). A call of
///   another function links to its `_jvp2`, so the callee needs `hessian`
///   too, or `jvp2` alone (which generates only `NAME_jvp2`, for any
///   differentiated parameters and result).
///
/// ```
/// use tapeless::prelude::*;
///
/// #[differentiable(jvp, hessian)]
/// fn g(p: &Vector2<f64>, k: f64) -> f64 {
///     (p.x * p.y * k).sin()
/// }
///
/// let p = Vector2::new(0.5, 2.0);
/// let (value, tangent) = g_jvp(&p, 1.5, &Vector2::new(1.0, 0.0), NoTangent);
/// assert_eq!(value, g(&p, 1.5));
/// assert!((tangent - 2.0 * 1.5 * 1.5_f64.cos()).abs() < 1e-15); // ∂g/∂p.x
///
/// let (_, gradient, hessian) = g_hessian(&p, 1.5);
/// // ∂²g/∂x∂y = k·cos(kxy) − k²xy·sin(kxy)
/// let mixed = 1.5 * 1.5_f64.cos() - 1.5 * 1.5 * 1.0 * 1.5_f64.sin();
/// assert!((hessian[(0, 1)] - mixed).abs() < 1e-14);
/// assert_eq!(hessian[(0, 1)], hessian[(1, 0)]);
/// assert!((gradient.x - tangent).abs() < 1e-15);
///
/// let (_, _, product) = g_hvp(&p, 1.5, &Vector2::new(0.0, 1.0));
/// assert!((product.x - hessian[(0, 1)]).abs() < 1e-15);
///
/// #[differentiable(jacobian)]
/// fn polar(q: &Vector2<f64>) -> Vector2<f64> {
///     Vector2::new(q.x * q.y.cos(), q.x * q.y.sin())
/// }
/// let (_, jacobian) = polar_jacobian(&Vector2::new(2.0, 0.0));
/// assert_eq!(jacobian, Matrix2::new(1.0, 0.0, 0.0, 2.0));
/// ```
///
/// ```
/// use tapeless::prelude::*;
///
/// #[differentiable(wrt = (r, h))]
/// fn cylinder_volume(r: f64, h: f64, density: f64) -> f64 {
///     core::f64::consts::PI * r * r * h * density
/// }
///
/// let (_, (dr, dh)) = cylinder_volume_grad(2.0, 3.0, 1.0);
/// let pi = core::f64::consts::PI;
/// assert!((dr - 12.0 * pi).abs() < 1e-12 && (dh - 4.0 * pi).abs() < 1e-12);
/// ```
///
/// # Parameters by value or by reference, and generic scalars
///
/// Parameters may be taken by value or by shared reference. A function may
/// be generic over its scalar, bounded by [`Real`], `num_traits::Float` or
/// `nalgebra::RealField`, all three in the [`prelude`] (the siblings add the
/// bound `T: Real`, which `f32` and `f64` satisfy; every `Real` is a
/// one-element [`Params`](trait@Params)).
/// With `Real` alone, the prelude's [`RealMethods`] gives `x.tanh()`; in a
/// `#[differentiable]` function the macro brings it into scope itself.
///
/// ```
/// use tapeless::prelude::*;
///
/// #[differentiable]
/// fn softplus<T: Float>(x: &T) -> T {
///     (T::one() + x.exp()).ln()
/// }
///
/// #[differentiable]
/// fn area<T: RealField + Copy>(p: &Vector2<T>) -> T {
///     p.x * p.y
/// }
///
/// let (_, gradient) = softplus_grad(&0.0_f32);
/// assert_eq!(gradient, 0.5);
/// let (_, gradient) = softplus_grad(&0.0_f64);
/// assert_eq!(gradient, 0.5);
/// assert_eq!(area_grad(&Vector2::new(2.0, 3.0)).1, Vector2::new(3.0, 2.0));
/// ```
///
/// # Stopping a gradient
///
/// [`detach(x)`](detach) is `x`, but a constant for differentiation (JAX's
/// `stop_gradient`, PyTorch's `.detach()`):
///
/// ```
/// use tapeless::prelude::*;
///
/// #[differentiable]
/// fn scaled(x: f64) -> f64 {
///     detach(x * x) * x // d/dx = x², not 3x²
/// }
///
/// assert_eq!(scaled_grad(2.0), (8.0, 4.0));
/// ```
///
/// # What the body may contain
///
/// * Arithmetic `+ - * /`, unary `-`, literals, constants, parentheses,
///   blocks with tail expressions, `let`, shadowing, reassignment and
///   `+= -= *= /=`; `&x` and `*x`.
/// * The scalar methods `exp`, `exp2`, `exp_m1`, `ln`, `ln_1p`, `log`,
///   `log2`, `log10`, `sqrt`, `cbrt`, `recip`, `powi`, `powf`, `sin`, `cos`,
///   `tan`, `asin`, `acos`, `atan`, `atan2`, `sinh`, `cosh`, `tanh`, `asinh`,
///   `acosh`, `atanh`, `abs`, `hypot`, `max`, `min`, `clamp`, `mul_add`,
///   `to_degrees`, `to_radians`, `fract`, also called as `f64::exp(x)`.
///   `signum`, `floor`, `ceil`, `round`, `trunc` and the predicates have a
///   zero derivative. Where a derivative is undefined, tapeless follows
///   PyTorch: `abs'(0) = 0`; ties of `max`/`min` split the gradient evenly
///   (as `torch.maximum`); `clamp` passes the gradient where
///   `min ≤ x ≤ max`; `powf` has a zero base-derivative for exponent 0 and a
///   zero exponent-derivative at base 0; `hypot` and `atan2` give 0 at the
///   origin; `sqrt'(0)` is `+∞`.
/// * `if` / `else if` / `else` on conditions that are not differentiated
///   (comparisons of any values are not), assigning different variables in
///   each branch, as statements or as expressions. The branch taken is
///   replayed in the reverse sweep.
/// * Integer and boolean computations, casts to integers, and statements kept
///   for their effect (`assert!`, `println!`) anywhere; a trailing `return`.
/// * Calls to other differentiable functions and methods, linked by name
///   (below).
/// * nalgebra vectors and matrices: `+ - *` for every valid shape pair
///   (scalar × matrix, matrix × vector, matrix × matrix, column × row), `/`
///   by a scalar, and the methods `dot`, `component_mul`, `component_div`,
///   `transpose`, `sum`, `mean`, `norm`, `norm_squared`, `max`, `min`
///   (of the elements; ties share the gradient, as `torch.amax`) and
///   `abs`; the runtime's elementwise functions (`nn::relu(v)`,
///   `nn::tanh(v)`, ...) through their `_vjp` rules.
/// * Places and construction: fields (`p.x`, `model.layer.weight`), tuple
///   fields (`t.0`), indexing (`v[i]`, `m[(i, j)]`, `a[i]`) with indices that
///   are not differentiated; `Vector3::new(a, b, c)`, `Matrix2::new(...)`,
///   `SVector::from([a, b])`, arrays `[a, b]`, tuples and struct literals;
///   `let (a, b) = f(x);`. Parameters may be `#[derive(Params)]` structs, and
///   methods in `impl` blocks are differentiable (`wrt = (self, x)`); their
///   gradient is a value of the struct's own type.
/// * `match` and `if let` on data, with arms that compute differentiated
///   values; early `return` from branches, arms and loops.
/// * `for`, `while` and `loop` loops, over ranges, iterators of data and the
///   elements of differentiated vectors (`for w in v.iter()`), nested, with
///   `break` and `continue` anywhere. A variable updated only by
///   accumulation (`total += e`, also in `if` branches) needs no storage: a
///   scalar accumulator at the top level is reversed in the same pass as the
///   forward sweep (the mean-of-per-sample-losses case, as fast as a
///   hand-written gradient), other accumulators by re-running the loop. Any
///   other carried variable (`s = f(s)`, a recurrence) needs the state of
///   every iteration: over `0..N` with `N` a literal or a constant the states
///   are kept in an array of that size; for any other trip count they are
///   checkpointed, at most `K` snapshots on the stack (`snapshots = K`,
///   default 64) and the states between them recomputed (binomial
///   checkpointing, see [`checkpoint`]). With one differentiated scalar and
///   such a recurrence, `NAME_grad` runs in forward mode instead. Nothing is
///   allocated either way.
/// * Iterator chains (`iter`, `into_iter`, `copied`, `cloned`, `zip`,
///   `enumerate`, `skip`, `take`, `step_by`, `rev`, `map`, `filter` on data)
///   consumed by `sum`, `product`, `fold`, `count` or a `for` loop; nalgebra's
///   `v.map(|e| ..)` and `a.zip_map(&b, |x, y| ..)`; closures bound to a local
///   and called (inlined at each call).
/// ```
/// use tapeless::prelude::*;
///
/// /// The mean squared error of a quadratic over data of any length.
/// #[differentiable]
/// fn fit(p: &Vector3<f64>, t: &[f64], y: &[f64]) -> f64 {
///     let mut total = 0.0;
///     for (ti, yi) in t.iter().zip(y.iter()) {
///         let residual = p.x * ti * ti + p.y * ti + p.z - yi;
///         total += residual * residual;
///     }
///     total / t.len() as f64
/// }
///
/// let t = [0.0, 1.0, 2.0];
/// let y = [1.0, 2.0, 5.0];
/// let (value, gradient) = fit_grad(&Vector3::new(1.0, 0.0, 1.0), &t, &y);
/// assert_eq!(value, 0.0);
/// assert_eq!(gradient, Vector3::zeros());
///
/// #[derive(Params, Clone, Copy, Debug, PartialEq)]
/// struct Layer {
///     weight: Matrix2x3<f64>,
///     bias: Vector2<f64>,
/// }
///
/// impl Layer {
///     #[differentiable(wrt = (self, x))]
///     fn forward(&self, x: &Vector3<f64>) -> Vector2<f64> {
///         self.weight * x + self.bias
///     }
/// }
///
/// #[differentiable]
/// fn loss(layer: &Layer, x: &Vector3<f64>) -> f64 {
///     nn::tanh(layer.forward(x)).norm_squared()
/// }
///
/// let layer = Layer { weight: Matrix2x3::from_element(0.1), bias: Vector2::new(0.0, 0.2) };
/// let x = Vector3::new(1.0, -1.0, 0.5);
/// let (_, gradient) = loss_grad(&layer, &x);
/// assert!(check_grad(|l: &Layer| loss(l, &x), &layer, &gradient).is_ok());
/// ```
///
/// ```
/// use tapeless::prelude::*;
///
/// #[differentiable]
/// fn huber(x: f64, delta: f64) -> f64 {
///     let magnitude = x.abs();
///     if magnitude < delta {
///         0.5 * x * x
///     } else {
///         delta * (magnitude - 0.5 * delta)
///     }
/// }
///
/// assert_eq!(huber_grad(0.3, 1.0).1, 0.3);
/// assert_eq!(huber_grad(-4.0, 1.0).1, -1.0);
/// ```
///
/// # Calls and custom derivatives
///
/// A call `g(a, b)` whose arguments are differentiated is differentiated
/// through `g_vjp(a, b)`, and a method call `x.m(a)` through `x.m_vjp(a)`.
/// A `#[differentiable]` function provides its `_vjp`; so can you: a
/// hand-written `NAME_vjp` beside a plain function is a custom derivative
/// rule (JAX's `custom_vjp`), used wherever `NAME` is called. Its signature:
/// the arguments of `NAME`, returning the value and a pullback from the
/// result's cotangent to a tuple of one cotangent per argument.
///
/// ```
/// use tapeless::prelude::*;
///
/// /// Rounds to a tenth; its custom rule is the straight-through estimator.
/// fn quantise(x: f64) -> f64 {
///     (x * 10.0).round() / 10.0
/// }
///
/// fn quantise_vjp(x: f64) -> (f64, impl FnOnce(f64) -> (f64,)) {
///     (quantise(x), |adjoint| (adjoint,))
/// }
///
/// #[differentiable]
/// fn loss(x: f64) -> f64 {
///     let q = quantise(x);
///     q * q
/// }
///
/// assert_eq!(loss_grad(0.33), (0.3 * 0.3, 2.0 * 0.3));
/// ```
///
/// One call is faster than its `_vjp`: `module.forward(&x)` in a `_grad`,
/// for a module that implements [`nn::SplitModule`] (`Linear`,
/// `LinearNoBias`, the activation modules, sequential tuples of them). The generated function
/// then owns the module's record in its own frame, the forward pass fills
/// it and the reverse pass borrows it, so a batch's activations are never
/// moved. rustc chooses the convention; other modules, and the `_vjp`
/// sibling, call `forward_vjp`.
///
/// # Errors
///
/// Code the macro cannot differentiate is a compile error at that code,
/// saying what to write instead, with every error of the function reported
/// at once: labeled loops, `return` inside a loop of a function whose result
/// is not a scalar, `?`, closures that escape (passed or returned instead of
/// called), iterator adapters other than those above, `unsafe`, `async`,
/// macro calls and `as` casts to floats on differentiated values, a `match`
/// binding taken out of a differentiated value, `&mut` parameters,
/// assignment through references or fields, `wrt` naming a missing or
/// non-differentiable parameter, a missing return type, a product of
/// mismatched shapes, and a callee whose `_vjp` does not differentiate an
/// argument that is differentiated at the call.
///
/// ```compile_fail
/// use tapeless::prelude::*;
///
/// fn apply(f: impl Fn(f64) -> f64, x: f64) -> f64 {
///     f(x)
/// }
///
/// #[differentiable]
/// fn scaled(x: f64) -> f64 {
///     let scale = |t: f64| t * x;
///     apply(scale, 2.0) // error: the closure `scale` escapes here
/// }
/// ```
#[doc(inline)]
pub use tapeless_macros::differentiable;

/// Derives [`Params`](trait@Params) for a struct whose fields are
/// parameter sets, so that the struct is one: a model, or the parameters
/// of a fit.
///
/// What the struct needs:
///
/// * every field a parameter set of one scalar type: `f32` or `f64`,
///   nalgebra vectors and matrices of it, arrays and tuples of them, the
///   layers and activation modules of [`nn`], or another `#[derive(Params)]`
///   struct (generic structs too, `struct Model<T: Real>`);
/// * `Clone` (usually `#[derive(Clone, Copy, Debug, Params)]`): `Params`
///   values are copied by optimizers and gradients. Without it the derive
///   reports one error at the struct's name: "consider annotating `NAME`
///   with `#[derive(Clone)]`".
///
/// What it gives: `Params` (the fields' scalars as flat slices, field by
/// field in declaration order; `num_params()`, `zeros()`), and the operators
/// `+`, `-`, `+=`, `-=`, unary `-` and `* scalar`, so that the struct is its
/// own gradient type and optimizers step it. Options on the struct:
/// `#[params(scalar = f64)]` names the scalar (needed for a struct without
/// fields; otherwise the first field's), `#[params(no_ops)]` leaves out the
/// operators, `#[params(crate = path)]` names a crate that re-exports
/// tapeless. Enums, unions and fields that are not parameter sets are
/// compile errors.
///
/// ```
/// use tapeless::prelude::*;
///
/// #[derive(Clone, Copy, Debug, PartialEq, Params)]
/// struct Line {
///     slope: f64,
///     offset: f64,
/// }
///
/// #[differentiable]
/// fn squared_error(line: &Line, x: f64, y: f64) -> f64 {
///     let residual = line.slope * x + line.offset - y;
///     residual * residual
/// }
///
/// let line = Line { slope: 1.0, offset: 0.0 };
/// assert_eq!(line.num_params(), 2);
/// // The gradient is a `Line`: d/d(slope) = 2r·x, d/d(offset) = 2r, with r = 1·2 + 0 − 3.
/// let (_, gradient) = squared_error_grad(&line, 2.0, 3.0);
/// assert_eq!(gradient, Line { slope: -4.0, offset: -2.0 });
///
/// let mut fitted = line;
/// let mut sgd = optim::Sgd::new(0.05);
/// for _ in 0..200 {
///     let (_, gradient) = squared_error_grad(&fitted, 2.0, 3.0);
///     sgd.step(&mut fitted, &gradient);
/// }
/// assert!(squared_error(&fitted, 2.0, 3.0) < 1e-12);
/// ```
///
/// A model of layers:
///
/// ```
/// use tapeless::prelude::*;
///
/// #[derive(Clone, Copy, Debug, Params)]
/// struct Mlp {
///     hidden: nn::Linear<2, 4, f64>,
///     output: nn::Linear<4, 1, f64>,
/// }
///
/// let model = Mlp { hidden: nn::Linear::seeded(1), output: nn::Linear::seeded(2) };
/// assert_eq!(model.num_params(), 2 * 4 + 4 + 4 + 1);
/// let doubled = model + model;
/// assert_eq!(doubled.output.bias, model.output.bias * 2.0);
/// ```
#[doc(inline)]
pub use tapeless_macros::Params;

pub use tapeless_runtime::*;

/// nalgebra, whose fixed-size vectors and matrices tapeless differentiates.
pub use nalgebra;

/// The num-traits crate tapeless builds on, so that generic code can bound
/// its scalar by [`num_traits::Float`] without a dependency of its own (the
/// prelude has `Float`).
pub use num_traits;

/// What most programs need: `use tapeless::prelude::*;`.
pub mod prelude {
    pub use crate::loss::Reduction;
    pub use crate::nn::Module;
    pub use crate::optim::{LearningRate, Optimizer};
    pub use crate::sched::LrScheduler;
    pub use crate::{
        GradCheck, NoTangent, Params, Real, RealMethods, check_grad, detach, differentiable,
    };
    pub use crate::{loss, lsq, nn, optim, sched};
    pub use nalgebra::RealField;
    pub use nalgebra::{
        Matrix1, Matrix2, Matrix2x3, Matrix3, Matrix3x2, Matrix4, RowVector2, RowVector3,
        RowVector4, SMatrix, SVector, Vector1, Vector2, Vector3, Vector4, Vector5, Vector6,
    };
    pub use num_traits::Float;
}
