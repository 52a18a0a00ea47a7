//! Checkpointed reversal of loops whose trip count is known only at run time,
//! with a fixed number of snapshots on the stack and no heap.
//!
//! The reverse sweep of a recurrence (`x = f(x)`, repeated `n` times) needs
//! the state before every iteration, last iteration first. Storing all `n`
//! states needs memory proportional to `n`, which a `no_std` training step
//! does not have. [`Checkpoints`] keeps at most `K` of them instead:
//!
//! * **Recording** (the forward sweep, [`Checkpoints::record`]): the state
//!   before each iteration is offered. While fewer than `K` iterations have
//!   run, every state is kept. When the buffer is full, every other snapshot
//!   is dropped and the stride between kept states doubles (after the first
//!   thinning at most `K / 2` are kept, so that the reverse sweep has at
//!   least `K / 2` free snapshots to work with). The trip count need not be
//!   known in advance, so `while` loops and loops over iterators work.
//! * **Reversal** ([`Checkpoints::reverse`]): the segments between kept
//!   states are reversed last to first. Inside a segment of `l` iterations
//!   with `s` free snapshots, binomial checkpointing (Griewank and Walther,
//!   "Algorithm 799: revolve", ACM TOMS 26(1), 2000) advances from the
//!   segment's start to a split point, keeps that state, reverses the part
//!   after it with one snapshot fewer and then the part before it. The split
//!   is chosen so that with `r` the smallest number of sweeps for which
//!   `C(s + r, s) >= l`, no iteration is recomputed more than `r` times.
//!
//! Trip counts up to `K` keep every state and recompute nothing. Beyond
//! that, each iteration is recomputed a small number of times (two for
//! 10,000 iterations with the default 64 snapshots). The snapshots are the
//! buffer's `K` slots plus, during reversal, one state per recursion level
//! (at most `K`) on the stack: about `2 · K · size_of::<S>()` bytes.
//!
//! `#[differentiable]` uses this for every loop that carries a
//! differentiated value from one iteration to the next when its trip count
//! is not a compile-time constant; `#[differentiable(snapshots = K)]` sets
//! `K` (default [`DEFAULT_SNAPSHOTS`]).

/// The number of snapshots `#[differentiable]` keeps per checkpointed loop
/// unless `#[differentiable(snapshots = K)]` says otherwise.
pub const DEFAULT_SNAPSHOTS: usize = 64;

/// The states of a loop kept for its reverse sweep: at most `K` of them.
///
/// ```
/// use tapeless_runtime::checkpoint::Checkpoints;
///
/// // x ← x·a, 1000 times; the reverse sweep needs x before each step.
/// let a = 0.999_f64;
/// let mut checkpoints = Checkpoints::<f64, 8>::new();
/// let mut x = 2.0;
/// for _ in 0..1000 {
///     checkpoints.record(&x);
///     x *= a;
/// }
/// // d x_n / d x_0 by the reverse sweep: multiply the adjoint by ∂(x·a)/∂x.
/// let mut adjoint = 1.0;
/// let mut visited = 0;
/// checkpoints.reverse(|x| x * a, |_x| {
///     adjoint *= a;
///     visited += 1;
/// });
/// assert_eq!(visited, 1000);
/// assert!((adjoint - a.powi(1000)).abs() < 1e-12);
/// ```
#[derive(Clone, Debug)]
pub struct Checkpoints<S, const K: usize> {
    /// The kept states, of iterations `0, stride, 2·stride, ...`.
    slots: [Option<S>; K],
    /// How many slots hold states.
    stored: usize,
    /// The distance in iterations between kept states.
    stride: usize,
    /// How many states were offered (the trip count so far).
    recorded: usize,
}

impl<S: Clone, const K: usize> Default for Checkpoints<S, K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Clone, const K: usize> Checkpoints<S, K> {
    /// An empty buffer of `K` snapshots (`K ≥ 1`, checked at compile time).
    #[inline]
    pub fn new() -> Self {
        const { assert!(K >= 1, "a checkpointed loop needs at least one snapshot") };
        Self {
            slots: [const { None }; K],
            stored: 0,
            stride: 1,
            recorded: 0,
        }
    }

    /// The number of iterations recorded so far.
    #[inline]
    pub fn len(&self) -> usize {
        self.recorded
    }

    /// Whether no iteration was recorded.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.recorded == 0
    }

    /// Offers the state before the next iteration (iteration
    /// [`len`](Self::len)); it is kept if the current stride says so.
    #[inline]
    pub fn record(&mut self, state: &S) {
        let index = self.recorded;
        self.recorded += 1;
        if !index.is_multiple_of(self.stride) {
            return;
        }
        // Full: drop every other state. After the first thinning, keep at
        // most half the buffer, leaving the rest to the reverse sweep.
        let cap = if self.stride == 1 { K } else { (K / 2).max(1) };
        while self.stored >= cap && self.stored >= 2 {
            self.thin();
        }
        if index.is_multiple_of(self.stride) && self.stored < K {
            self.slots[self.stored] = Some(state.clone());
            self.stored += 1;
        }
    }

    /// Keeps the states of even slots, compacted, and doubles the stride.
    fn thin(&mut self) {
        let kept = self.stored.div_ceil(2);
        for slot in 1..kept {
            self.slots[slot] = self.slots[2 * slot].take();
        }
        for slot in kept..self.stored {
            self.slots[slot] = None;
        }
        self.stored = kept;
        self.stride *= 2;
    }

    /// Runs the reverse sweep: `step` is called with the state before each
    /// recorded iteration, last iteration first; `advance` computes the state
    /// after an iteration from the state before it, to recompute the states
    /// that were not kept. Empties the buffer.
    #[inline]
    pub fn reverse(&mut self, mut advance: impl FnMut(&S) -> S, mut step: impl FnMut(&S)) {
        let total = self.recorded;
        for slot in (0..self.stored).rev() {
            let start = slot * self.stride;
            let end = if slot + 1 == self.stored {
                total
            } else {
                (slot + 1) * self.stride
            };
            if let Some(state) = self.slots[slot].take() {
                if end > start {
                    let free = K - slot - 1;
                    segment(&state, end - start, free, &mut advance, &mut step);
                }
            }
        }
        self.stored = 0;
        self.stride = 1;
        self.recorded = 0;
    }
}

/// Reverses `len` iterations starting from `state`, with `free` snapshots.
fn segment<S: Clone>(
    state: &S,
    len: usize,
    free: usize,
    advance: &mut impl FnMut(&S) -> S,
    step: &mut impl FnMut(&S),
) {
    match len {
        0 => {}
        1 => step(state),
        _ if free == 0 => {
            // No snapshot left: recompute each state from the start.
            for last in (0..len).rev() {
                let mut current = state.clone();
                for _ in 0..last {
                    current = advance(&current);
                }
                step(&current);
            }
        }
        _ => {
            let split = split(len, free);
            let mut middle = state.clone();
            for _ in 0..split {
                middle = advance(&middle);
            }
            segment(&middle, len - split, free - 1, advance, step);
            segment(state, split, free, advance, step);
        }
    }
}

/// `C(s + r, s)`, the most iterations `s` snapshots reverse with no
/// iteration recomputed more than `r` times, saturating.
fn binomial(s: usize, r: usize) -> usize {
    let mut value: usize = 1;
    for i in 1..=s.min(r) {
        // C(s + r, i) from C(s + r, i - 1), exact at every step.
        value = match value.checked_mul(s.max(r) + i) {
            Some(product) => product / i,
            None => return usize::MAX,
        };
    }
    value
}

/// Where to split `len > 1` iterations with `free ≥ 1` snapshots: the
/// number of iterations before the kept state, in `1..len`.
fn split(len: usize, free: usize) -> usize {
    let mut sweeps = 1;
    while binomial(free, sweeps) < len {
        sweeps += 1;
    }
    // The part after the split is reversed with one snapshot fewer and the
    // same number of sweeps; the part before it with one sweep fewer.
    let after = binomial(free - 1, sweeps).min(len - 1);
    (len - after).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reverses `n` iterations of `x ← x + 1` from 0 with `K` snapshots;
    /// returns the states `step` saw and how many times `advance` ran.
    fn run<const K: usize>(n: usize) -> ([usize; 512], usize, usize) {
        let mut checkpoints = Checkpoints::<usize, K>::new();
        for x in 0..n {
            checkpoints.record(&x);
        }
        let mut seen = [usize::MAX; 512];
        let mut steps = 0;
        let mut advances = 0;
        checkpoints.reverse(
            |x| {
                advances += 1;
                x + 1
            },
            |x| {
                seen[steps] = *x;
                steps += 1;
            },
        );
        (seen, steps, advances)
    }

    fn check<const K: usize>() {
        for n in 0..400 {
            let (seen, steps, advances) = run::<K>(n);
            assert_eq!(steps, n, "K = {K}, n = {n}");
            for (position, state) in seen[..n].iter().enumerate() {
                assert_eq!(*state, n - 1 - position, "K = {K}, n = {n}");
            }
            if n <= K {
                assert_eq!(advances, 0, "K = {K}, n = {n}: nothing to recompute");
            }
        }
    }

    #[test]
    fn every_trip_count_is_reversed_in_order_for_every_buffer_size() {
        check::<1>();
        check::<2>();
        check::<3>();
        check::<4>();
        check::<7>();
        check::<16>();
        check::<64>();
    }

    #[test]
    fn recomputation_stays_logarithmic() {
        // 10,000 iterations with 64 snapshots: each iteration is advanced
        // about twice in the reverse sweep, not n/K times.
        let mut checkpoints = Checkpoints::<u32, 64>::new();
        for i in 0..10_000 {
            checkpoints.record(&i);
        }
        let mut advances = 0_usize;
        let mut expected = 10_000;
        checkpoints.reverse(
            |x| {
                advances += 1;
                x + 1
            },
            |x| {
                expected -= 1;
                assert_eq!(*x, expected);
            },
        );
        assert_eq!(expected, 0);
        assert!(advances <= 2 * 10_000, "{advances} advances");
    }

    #[test]
    fn binomial_is_the_revolve_bound() {
        assert_eq!(binomial(1, 1), 2);
        assert_eq!(binomial(3, 2), 10);
        assert_eq!(binomial(5, 0), 1);
        assert_eq!(binomial(64, 2), 2145);
        assert_eq!(binomial(200, 200), usize::MAX);
    }
}
