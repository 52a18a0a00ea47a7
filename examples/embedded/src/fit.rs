//! The two fits, shared word for word by the Cortex-M program
//! (`src/main.rs`) and the host program (`host/src/main.rs`), so that the
//! two transcripts can be compared: `no_std`, no allocator, `f32`.
//!
//! * [`Quadratic`]: `a t² + b t + c` fitted to the seeds' `quadratic_fit`
//!   signal (tests/data/seeds.json) by SGD with lr 1e-5 on the mean squared
//!   error, 20 000 steps, as the PyTorch reference does in `f64`.
//! * [`Mlp`]: a 2-8-1 perceptron with tanh and a sigmoid output, fitted to
//!   32 XOR points by Adam on the binary cross entropy, full batch, with a
//!   cosine-annealed learning rate.
//! * [`Spring`]: a damped spring's stiffness and damping fitted by Adam to
//!   observed positions through its Euler integration, a recurrence whose
//!   length is the observations' (known at run time only): the reverse sweep
//!   recomputes states from 16 snapshots on the stack.
//!
//! Everything lives in fixed-size values on the stack; the data are
//! `static`s, so they stay in flash.

use tapeless::loss::{self, Reduction};
use tapeless::nn::{Linear, Module, Sigmoid, Tanh};
use tapeless::optim::{Adam, LearningRate, Optimizer, Sgd};
use tapeless::prelude::{SMatrix, Vector2, Vector3, differentiable};
use tapeless::sched::{CosineAnnealingLr, LrScheduler};

/// Where the fits write their progress: semihosting on the board, stdout
/// on the host. One call per line.
pub trait Log {
    /// Writes one line.
    fn line(&mut self, line: core::fmt::Arguments<'_>);
}

// ---------------------------------------------------------------------------
// Quadratic curve fit

/// The sample times `t = 0, 1, ..., 19`.
pub static QUADRATIC_T: [f32; 20] = [
    0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0,
    17.0, 18.0, 19.0,
];

/// The seeds' `signal`, `0.75(t − 9.5)² + 1 + 3·noise`, as stored there
/// (`f64` decimals; the compiler rounds each to the nearest `f32`).
#[allow(clippy::excessive_precision, reason = "the seeds' digits, verbatim")]
pub static QUADRATIC_SIGNAL: [f32; 20] = [
    66.43880709472299,
    59.08547463767946,
    44.38321389523229,
    36.570713688825435,
    24.422980023399667,
    13.518805592852505,
    6.396862564929023,
    7.646941682405771,
    7.116312221758982,
    -2.975641820398324,
    -1.2664907664903255,
    -1.509156190793294,
    2.235696226122524,
    8.749933083621404,
    18.070957998339296,
    26.752724571444293,
    32.97911656775195,
    49.453903109100374,
    58.19486012639066,
    70.94332082072148,
];

/// The seeds' `params0`, `[a, b, c]`, verbatim.
#[allow(clippy::excessive_precision, reason = "the seeds' digits, verbatim")]
pub const QUADRATIC_PARAMS0: (f32, f32, f32) = (
    0.34466055211802066,
    0.3375998575966334,
    -0.38344308171021635,
);

/// SGD's learning rate, as the seeds.
pub const QUADRATIC_LR: f32 = 1e-5;

/// Steps, as the seeds.
pub const QUADRATIC_STEPS: usize = 20_000;

/// The loss the fit must end below (PyTorch reaches 627.73 in `f64` from
/// 2081.68).
pub const QUADRATIC_THRESHOLD: f32 = 650.0;

/// The mean squared error of `a t² + b t + c` over the samples, with
/// `p = (a, b, c)`, in the order of operations of the PyTorch reference
/// (`a*(t**2) + (b*t) + c`). The loop is an accumulation, so the generated
/// gradient replays it without storing anything per sample.
#[differentiable]
pub fn quadratic_mse(p: &Vector3<f32>, t: &[f32], y: &[f32]) -> f32 {
    let mut total = 0.0;
    for (ti, yi) in t.iter().zip(y.iter()) {
        let prediction = p.x * (ti * ti) + p.y * ti + p.z;
        let residual = prediction - yi;
        total += residual * residual;
    }
    total / t.len() as f32
}

/// The quadratic fit in progress: parameters `(a, b, c)` and the optimizer.
pub struct Quadratic {
    /// `(a, b, c)`.
    pub params: Vector3<f32>,
    optimizer: Sgd<Vector3<f32>>,
}

impl Default for Quadratic {
    fn default() -> Self {
        Self::new()
    }
}

impl Quadratic {
    /// The fit at the seeds' starting point.
    #[must_use]
    pub fn new() -> Self {
        let (a, b, c) = QUADRATIC_PARAMS0;
        Self {
            params: Vector3::new(a, b, c),
            optimizer: Sgd::new(QUADRATIC_LR),
        }
    }

    /// The mean squared error at the current parameters.
    #[must_use]
    pub fn loss(&self) -> f32 {
        quadratic_mse(&self.params, &QUADRATIC_T, &QUADRATIC_SIGNAL)
    }

    /// The mean squared error and its gradient at the current parameters.
    #[must_use]
    pub fn loss_and_gradient(&self) -> (f32, Vector3<f32>) {
        quadratic_mse_grad(&self.params, &QUADRATIC_T, &QUADRATIC_SIGNAL)
    }

    /// One SGD step; returns the loss before it.
    pub fn step(&mut self) -> f32 {
        let (loss, gradient) = self.loss_and_gradient();
        self.optimizer.step(&mut self.params, &gradient);
        loss
    }

    /// Runs the whole fit, logging the loss every 4000 steps (before the
    /// step, as the seeds' `loss_history`) and the final loss and
    /// parameters. Returns the final loss.
    pub fn run(&mut self, log: &mut impl Log) -> f32 {
        for step in 0..QUADRATIC_STEPS {
            let loss = self.step();
            if step % 4000 == 0 {
                log.line(format_args!("quadratic step={step} loss={loss}"));
            }
        }
        let final_loss = self.loss();
        let [a, b, c] = [self.params.x, self.params.y, self.params.z];
        log.line(format_args!("quadratic a={a} b={b} c={c}"));
        log.line(format_args!("quadratic final_loss={final_loss}"));
        final_loss
    }
}

// ---------------------------------------------------------------------------
// MLP classifier

/// Samples in the classification data set.
pub const MLP_SAMPLES: usize = 32;

/// 32 points in four jittered clusters around `(±0.6, ±0.6)`; columns of
/// the input batch.
pub static MLP_X: [[f32; 2]; MLP_SAMPLES] = [
    [0.41, 0.92],
    [-0.86, -0.46],
    [0.31, -0.78],
    [-0.25, 0.4],
    [0.7, 0.57],
    [-0.63, -0.6],
    [0.38, -0.37],
    [-0.89, 0.41],
    [0.26, 0.44],
    [-0.66, -0.32],
    [0.52, -0.87],
    [-0.77, 0.94],
    [0.29, 0.68],
    [-0.69, -0.49],
    [0.49, -0.47],
    [-0.6, 0.7],
    [0.88, 0.66],
    [-0.85, -0.9],
    [0.91, -0.61],
    [-0.81, 0.91],
    [0.66, 0.76],
    [-0.33, -0.75],
    [0.5, -0.34],
    [-0.86, 0.79],
    [0.32, 0.73],
    [-0.46, -0.29],
    [0.84, -0.6],
    [-0.81, 0.36],
    [0.62, 0.61],
    [-0.9, -0.32],
    [0.61, -0.46],
    [-0.8, 0.42],
];

/// XOR labels: 1 where the two coordinates have opposite signs.
pub static MLP_Y: [f32; MLP_SAMPLES] = [
    0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0,
    1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0,
];

/// `nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1), nn.Sigmoid())`.
pub type Model = (Linear<2, 8, f32>, Tanh, Linear<8, 1, f32>, Sigmoid);

/// A batch of inputs, one sample per column.
pub type Inputs = SMatrix<f32, 2, MLP_SAMPLES>;

/// A batch of targets, one per column.
pub type Targets = SMatrix<f32, 1, MLP_SAMPLES>;

/// Adam's initial learning rate.
pub const MLP_LR: f32 = 0.01;

/// Full-batch steps; also the cosine schedule's `T_max`.
pub const MLP_STEPS: usize = 500;

/// The loss the fit must end below (it starts near ln 2 ≈ 0.69).
pub const MLP_THRESHOLD: f32 = 0.05;

/// The mean binary cross entropy of the model's predictions.
#[differentiable]
pub fn mlp_loss(model: &Model, x: &Inputs, y: &Targets) -> f32 {
    let prediction = model.forward(x);
    loss::bce(&prediction, y, Reduction::Mean)
}

/// The MLP fit in progress.
pub struct Mlp {
    /// The model: its parameters.
    pub model: Model,
    optimizer: Adam<Model>,
    scheduler: CosineAnnealingLr<f32>,
    x: Inputs,
    y: Targets,
}

impl Default for Mlp {
    fn default() -> Self {
        Self::new()
    }
}

impl Mlp {
    /// A model initialised as PyTorch's `nn.Linear` does, from fixed seeds,
    /// and the data copied from flash into batch matrices.
    #[must_use]
    pub fn new() -> Self {
        let model = (Linear::seeded(1), Tanh, Linear::seeded(2), Sigmoid);
        let mut optimizer = Adam::new(MLP_LR);
        let scheduler = CosineAnnealingLr::new(&mut optimizer, MLP_STEPS, 0.0);
        Self {
            model,
            optimizer,
            scheduler,
            x: SMatrix::from_fn(|row, column| MLP_X[column][row]),
            y: SMatrix::from_fn(|_, column| MLP_Y[column]),
        }
    }

    /// The loss at the current parameters.
    #[must_use]
    pub fn loss(&self) -> f32 {
        mlp_loss(&self.model, &self.x, &self.y)
    }

    /// One Adam step and one scheduler step; returns the loss before them.
    pub fn step(&mut self) -> f32 {
        let (loss, gradient) = mlp_loss_grad(&self.model, &self.x, &self.y);
        self.optimizer.step(&mut self.model, &gradient);
        self.scheduler.step(&mut self.optimizer);
        loss
    }

    /// Runs the whole fit, logging the loss every 100 steps, then the
    /// final parameters and loss. Returns the final loss.
    pub fn run(&mut self, log: &mut impl Log) -> f32 {
        for step in 0..MLP_STEPS {
            let lr = self.optimizer.lr();
            let loss = self.step();
            if step % 100 == 0 {
                log.line(format_args!("mlp step={step} loss={loss} lr={lr}"));
            }
        }
        let (hidden, _, output, _) = &self.model;
        for row in 0..8 {
            log.line(format_args!(
                "mlp hidden[{row}] weight=[{}, {}] bias={}",
                hidden.weight[(row, 0)],
                hidden.weight[(row, 1)],
                hidden.bias[row],
            ));
        }
        let w = &output.weight;
        log.line(format_args!(
            "mlp output weight=[{}, {}, {}, {}, {}, {}, {}, {}] bias={}",
            w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], output.bias[0],
        ));
        let final_loss = self.loss();
        log.line(format_args!("mlp final_loss={final_loss}"));
        final_loss
    }
}

// ---------------------------------------------------------------------------
// Damped spring, through a recurrence of run-time length

/// Observed positions (one per Euler step).
pub const SPRING_SAMPLES: usize = 300;

/// The Euler step, in seconds.
pub const SPRING_DT: f32 = 0.02;

/// The stiffness and damping that produced the observations.
pub const SPRING_TRUTH: (f32, f32) = (6.0, 0.8);

/// Adam steps.
pub const SPRING_STEPS: usize = 300;

/// The loss the fit must end below (it starts at about 0.3).
pub const SPRING_THRESHOLD: f32 = 1e-3;

/// The positions of a spring released from rest at 1, after each Euler step.
fn spring_positions(k: f32, c: f32) -> [f32; SPRING_SAMPLES] {
    let mut positions = [0.0; SPRING_SAMPLES];
    let (mut x, mut v) = (1.0_f32, 0.0_f32);
    for position in &mut positions {
        let a = -k * x - c * v;
        x += SPRING_DT * v;
        v += SPRING_DT * a;
        *position = x;
    }
    positions
}

/// The mean squared distance between the integrated and the observed
/// positions, `p = (k, c)`. The loop carries `x` and `v` for as many steps
/// as there are observations: its reverse sweep keeps 16 snapshots of them
/// and recomputes the rest.
#[differentiable(snapshots = 16)]
pub fn spring_loss(p: &Vector2<f32>, dt: f32, observed: &[f32]) -> f32 {
    let (k, c) = (p.x, p.y);
    let mut x = 1.0;
    let mut v = 0.0;
    let mut loss = 0.0;
    for target in observed {
        let a = -k * x - c * v;
        x += dt * v;
        v += dt * a;
        loss += (x - target) * (x - target);
    }
    loss / observed.len() as f32
}

/// The spring fit in progress.
pub struct Spring {
    /// `(k, c)`.
    pub params: Vector2<f32>,
    observed: [f32; SPRING_SAMPLES],
    optimizer: Adam<Vector2<f32>>,
}

impl Default for Spring {
    fn default() -> Self {
        Self::new()
    }
}

impl Spring {
    /// The fit from `k = 3, c = 0.1`, the observations integrated from the
    /// true parameters.
    #[must_use]
    pub fn new() -> Self {
        Self {
            params: Vector2::new(3.0, 0.1),
            observed: spring_positions(SPRING_TRUTH.0, SPRING_TRUTH.1),
            optimizer: Adam::new(0.05),
        }
    }

    /// One Adam step; returns the loss before it.
    pub fn step(&mut self) -> f32 {
        let (loss, gradient) = spring_loss_grad(&self.params, SPRING_DT, &self.observed);
        self.optimizer.step(&mut self.params, &gradient);
        loss
    }

    /// Runs the whole fit, logging the loss every 100 steps, then the
    /// final parameters and loss. Returns the final loss.
    pub fn run(&mut self, log: &mut impl Log) -> f32 {
        for step in 0..SPRING_STEPS {
            let loss = self.step();
            if step % 100 == 0 {
                log.line(format_args!("spring step={step} loss={loss}"));
            }
        }
        let final_loss = spring_loss(&self.params, SPRING_DT, &self.observed);
        log.line(format_args!(
            "spring k={} c={}",
            self.params.x, self.params.y
        ));
        log.line(format_args!("spring final_loss={final_loss}"));
        final_loss
    }
}
