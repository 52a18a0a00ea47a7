//! A training run that survives being killed: checkpoint, interrupt, resume
//! (torch's `state_dict`/`load_state_dict`), with the `serde` feature.
//!
//! The run fits `a·sin(b·t) + c` to 32 points with Adam and a cosine
//! learning-rate schedule for 3,000 steps. Every 250 steps it saves the
//! parameters, the optimizer (moment estimates and step count included) and
//! the scheduler **atomically**: the checkpoint is written to a temporary
//! file, flushed to disk, and renamed over the previous one, so a crash
//! leaves either the old or the new checkpoint, never half of one.
//!
//! ```ignore
//! let checkpoint = (step, &params, &adam, &schedule);
//! save_atomically(&path, &serde_json::to_vec(&checkpoint)?)?;
//! // ... later, in a fresh process:
//! let (step, params, adam, schedule): (usize, Vector3<f64>, Adam<_>, CosineAnnealingLr<f64>) =
//!     serde_json::from_slice(&std::fs::read(&path)?)?;
//! ```
//!
//! The example runs the whole fit once without interruption, then starts
//! itself again as a child process that exits abruptly at step 1,900 (as if
//! killed: no unwinding, no cleanup), loads the last checkpoint (step 1,750)
//! into fresh values, finishes the run, and checks that the final
//! parameters, loss and learning rate equal the uninterrupted run's **bit
//! for bit**. It also shows that a truncated checkpoint and a checkpoint of
//! another optimizer are refused with an error. Exits non-zero if anything
//! differs.
//!
//! Run with `cargo run --release --features serde --example checkpoint`.

use std::error::Error;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use tapeless::optim::{Adam, Optimizer, Sgd};
use tapeless::prelude::*;
use tapeless::sched::{CosineAnnealingLr, LrScheduler};

type Result<T = ()> = std::result::Result<T, Box<dyn Error>>;

const STEPS: usize = 3000;
const CHECKPOINT_EVERY: usize = 250;
const INTERRUPT_AT: usize = 1900;
/// The exit code of the interrupted child.
const INTERRUPTED: i32 = 75;
/// Set in the child's environment: the folder of its checkpoint.
const CHILD_ENV: &str = "TAPELESS_CHECKPOINT_CHILD";

#[differentiable]
fn sine_mse(p: &Vector3<f64>, t: &[f64; 32], y: &[f64; 32]) -> f64 {
    let mut total = 0.0;
    for (t, y) in t.iter().zip(y.iter()) {
        let residual = p.x * (p.y * t).sin() + p.z - y;
        total += residual * residual;
    }
    total / 32.0
}

/// The data: `1.5·sin(0.8·t) + 0.25`, with a deterministic wobble.
fn data() -> ([f64; 32], [f64; 32]) {
    let t: [f64; 32] = std::array::from_fn(|i| i as f64 * 0.25);
    let y = std::array::from_fn(|i| 1.5 * (0.8 * t[i]).sin() + 0.25 + 0.05 * (7.0 * t[i]).cos());
    (t, y)
}

/// Everything the run needs to continue: the step reached, the parameters,
/// the optimizer and the scheduler.
type Checkpoint = (
    usize,
    Vector3<f64>,
    Adam<Vector3<f64>>,
    CosineAnnealingLr<f64>,
);

fn fresh() -> Checkpoint {
    let params = Vector3::new(1.0, 1.0, 0.0);
    let mut adam = Adam::new(0.05);
    let schedule = CosineAnnealingLr::new(&mut adam, STEPS, 1e-4);
    (0, params, adam, schedule)
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, flushed
/// to disk, then renamed over `path` (a rename within one folder replaces
/// the file in one step on POSIX and Windows).
fn save_atomically(path: &Path, bytes: &[u8]) -> Result {
    let temporary = path.with_extension("json.tmp");
    let mut file = File::create(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&temporary, path)?;
    Ok(())
}

fn load(path: &Path) -> Result<Checkpoint> {
    let bytes = fs::read(path)?;
    Ok(serde_json::from_slice(&bytes)?)
}

/// Trains from `state` to `STEPS`. With a checkpoint path, saves every
/// `CHECKPOINT_EVERY` steps; with `interrupt_at`, exits the process
/// abruptly when that step is reached.
fn train(
    mut state: Checkpoint,
    checkpoint: Option<&Path>,
    interrupt_at: Option<usize>,
) -> Result<Checkpoint> {
    let (t, y) = data();
    while state.0 < STEPS {
        if Some(state.0) == interrupt_at {
            // As if the machine went down: no unwinding, no flushing.
            std::process::exit(INTERRUPTED);
        }
        let (step, params, adam, schedule) = &mut state;
        let (_loss, gradient) = sine_mse_grad(params, &t, &y);
        adam.step(params, &gradient);
        schedule.step(adam);
        *step += 1;
        if let Some(path) = checkpoint
            && state.0.is_multiple_of(CHECKPOINT_EVERY)
        {
            save_atomically(path, &serde_json::to_vec(&state)?)?;
        }
    }
    Ok(state)
}

fn folder() -> PathBuf {
    std::env::temp_dir().join(format!("tapeless-checkpoint-{}", std::process::id()))
}

fn main() -> ExitCode {
    if let Ok(dir) = std::env::var(CHILD_ENV) {
        // The child: train with checkpoints until the interruption.
        let path = Path::new(&dir).join("checkpoint.json");
        return match train(fresh(), Some(&path), Some(INTERRUPT_AT)) {
            Ok(_) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("child: {error}");
                ExitCode::FAILURE
            }
        };
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result {
    let (t, y) = data();
    let uninterrupted = train(fresh(), None, None)?;
    let loss_of = |state: &Checkpoint| sine_mse(&state.1, &t, &y);
    println!(
        "uninterrupted: {STEPS} steps, loss {:.6e}, p = ({:.6}, {:.6}, {:.6})",
        loss_of(&uninterrupted),
        uninterrupted.1.x,
        uninterrupted.1.y,
        uninterrupted.1.z
    );

    let dir = folder();
    fs::create_dir_all(&dir)?;
    let path = dir.join("checkpoint.json");
    let status = Command::new(std::env::current_exe()?)
        .env(CHILD_ENV, &dir)
        .status()?;
    if status.code() != Some(INTERRUPTED) {
        return Err(
            format!("the child should have been interrupted, but ended with {status}").into(),
        );
    }
    println!("child process: interrupted at step {INTERRUPT_AT} ({status})");

    let loaded = load(&path)?;
    let size = fs::metadata(&path)?.len();
    println!(
        "checkpoint: step {}, {size} bytes, lr {:.6e}, Adam step count {}",
        loaded.0,
        loaded.2.lr(),
        loaded.2.step_count()
    );
    if loaded.0 != INTERRUPT_AT / CHECKPOINT_EVERY * CHECKPOINT_EVERY {
        return Err(format!("the last checkpoint is of step {}", loaded.0).into());
    }
    let resumed = train(loaded, None, None)?;
    println!(
        "resumed:       {STEPS} steps, loss {:.6e}, p = ({:.6}, {:.6}, {:.6})",
        loss_of(&resumed),
        resumed.1.x,
        resumed.1.y,
        resumed.1.z
    );

    let bits = |state: &Checkpoint| {
        let mut bits: Vec<u64> = state.1.iter().map(|x| x.to_bits()).collect();
        bits.push(loss_of(state).to_bits());
        bits.push(state.2.lr().to_bits());
        bits
    };
    let same_state = serde_json::to_string(&resumed)? == serde_json::to_string(&uninterrupted)?;
    if bits(&resumed) != bits(&uninterrupted) || !same_state {
        return Err("the resumed run differs from the uninterrupted run".into());
    }
    println!("resumed == uninterrupted, bit for bit (parameters, loss, lr, optimizer state)");

    // What a half-written file would be, and another optimizer's state.
    let bytes = fs::read(&path)?;
    let truncated = serde_json::from_slice::<Checkpoint>(&bytes[..bytes.len() / 2]);
    let sgd_checkpoint = serde_json::to_vec(&(
        0_usize,
        Vector3::<f64>::zeros(),
        Sgd::<Vector3<f64>>::new(0.1),
        CosineAnnealingLr::new(&mut Sgd::<Vector3<f64>>::new(0.1), STEPS, 0.0),
    ))?;
    let other_optimizer = serde_json::from_slice::<Checkpoint>(&sgd_checkpoint);
    match (truncated, other_optimizer) {
        (Err(truncated), Err(other)) => {
            println!("a truncated checkpoint is refused: {truncated}");
            println!("an Sgd checkpoint is refused: {other}");
        }
        _ => return Err("a bad checkpoint was accepted".into()),
    }
    fs::remove_dir_all(&dir)?;
    Ok(())
}
