//! The dense n×n linear algebra of Levenberg–Marquardt, on column-major
//! slices (`a[i + j·n]` is row `i`, column `j`): the update of a triangle by
//! a block of new rows, QR with column pivoting, the damped least-squares
//! solve and the Levenberg–Marquardt parameter (LAPACK's `tpqrt`, MINPACK's
//! `qrfac`, `qrsolv` and `lmpar`).

use crate::Real;

/// `T::EPSILON⁴`: below it, a plain sum of squares may have lost terms to
/// underflow, and is recomputed scaled (above its reciprocal, to overflow).
#[inline(always)]
pub(super) fn underflow_bound<T: Real>() -> T {
    T::EPSILON * T::EPSILON * T::EPSILON * T::EPSILON
}

/// The Euclidean norm of `v`, safe from overflow and underflow: the plain
/// sum of squares where it is finite and not below `T::EPSILON⁴` (under which
/// squares may have underflowed), else a second pass with the scaled LAPACK
/// `nrm2` recurrence.
#[inline(always)]
pub(super) fn norm<T: Real, I>(v: I) -> T
where
    I: IntoIterator<Item = T>,
    I::IntoIter: Clone,
{
    let v = v.into_iter();
    let tiny = underflow_bound::<T>();
    let squares = v.clone().fold(T::ZERO, |s, x| s + x * x);
    if T::is_finite(squares) && squares >= tiny {
        return T::sqrt(squares);
    }
    let mut acc = SumSquares::new();
    for x in v {
        acc.add(x);
    }
    acc.norm()
}

/// A running sum of squares kept as `scale²·sum`, which neither overflows nor
/// underflows while the norm itself is representable.
#[derive(Clone, Copy, Debug)]
pub(super) struct SumSquares<T> {
    scale: T,
    sum: T,
}

impl<T: Real> SumSquares<T> {
    pub(super) fn new() -> Self {
        Self {
            scale: T::ZERO,
            sum: T::ONE,
        }
    }

    pub(super) fn add(&mut self, x: T) {
        let a = T::abs(x);
        if a == T::ZERO {
            return;
        }
        if self.scale < a {
            let r = self.scale / a;
            self.sum = T::ONE + self.sum * r * r;
            self.scale = a;
        } else {
            let r = a / self.scale;
            self.sum += r * r;
        }
    }

    /// `√(Σ x²)`.
    pub(super) fn norm(&self) -> T {
        self.scale * T::sqrt(self.sum)
    }
}

/// The Givens rotation `(cos, sin)` that maps `(a, b)` to `(r, 0)`, with
/// MINPACK's signs (`cos > 0` if `|a| ≥ |b|`, else `sin > 0`): from
/// `√(a² + b²)` and one division where the squares neither overflow nor
/// underflow, else by MINPACK's ratios.
#[inline]
fn givens<T: Real>(a: T, b: T) -> (T, T) {
    let tiny = underflow_bound::<T>();
    let squares = a * a + b * b;
    let larger = if T::abs(a) < T::abs(b) { b } else { a };
    if T::is_finite(squares) && squares >= tiny {
        let h = T::sqrt(squares);
        let inverse = if larger < T::ZERO {
            -T::ONE / h
        } else {
            T::ONE / h
        };
        return (a * inverse, b * inverse);
    }
    let quarter = T::HALF * T::HALF;
    if T::abs(a) < T::abs(b) {
        let cotan = a / b;
        let sin = T::HALF / T::sqrt(quarter + quarter * cotan * cotan);
        (sin * cotan, sin)
    } else {
        let tan = b / a;
        let cos = T::HALF / T::sqrt(quarter + quarter * tan * tan);
        (cos, cos * tan)
    }
}

/// A dot product `Σ a[i]·b[i]` over one or more pairs of slices, in four
/// interleaved sums, which vectorize.
#[derive(Clone, Copy)]
struct Dot<T>([T; 4]);

impl<T: Real> Dot<T> {
    #[inline(always)]
    fn new() -> Self {
        Self([T::ZERO; 4])
    }

    #[inline(always)]
    fn add(&mut self, a: &[T], b: &[T]) {
        let (a4, b4) = (a.chunks_exact(4), b.chunks_exact(4));
        for (l, (&x, &y)) in a4.remainder().iter().zip(b4.remainder()).enumerate() {
            self.0[l] += x * y;
        }
        for (x, y) in a4.zip(b4) {
            for l in 0..4 {
                self.0[l] += x[l] * y[l];
            }
        }
    }

    #[inline(always)]
    fn sum(self) -> T {
        (self.0[0] + self.0[2]) + (self.0[1] + self.0[3])
    }
}

/// `y ← y − s·x`, each group of four elements of `x` read before `y` is
/// written, so that it vectorizes even where `x` and `y` might overlap.
#[inline(always)]
fn sub_scaled<T: Real>(y: &mut [T], s: T, x: &[T]) {
    let mut y4 = y.chunks_exact_mut(4);
    let mut x4 = x.chunks_exact(4);
    for (y, x) in (&mut y4).zip(&mut x4) {
        let x = [x[0], x[1], x[2], x[3]];
        for l in 0..4 {
            y[l] -= s * x[l];
        }
    }
    for (y, &x) in y4.into_remainder().iter_mut().zip(x4.remainder()) {
        *y -= s * x;
    }
}

/// Whether every element of `xs` is finite: `x·0` is 0 for a finite `x`,
/// NaN otherwise, summed in four interleaved sums, which vectorize.
#[inline(always)]
pub(super) fn all_finite<T: Real>(xs: &[T]) -> bool {
    let mut acc = [T::ZERO; 4];
    let x4 = xs.chunks_exact(4);
    let tail = x4.remainder().iter().fold(T::ZERO, |s, &x| s + x * T::ZERO);
    for x in x4 {
        for l in 0..4 {
            acc[l] += x[l] * T::ZERO;
        }
    }
    (acc[0] + acc[2]) + (acc[1] + acc[3]) + tail == T::ZERO
}

/// Adds a block of rows `(W[i, ·], alpha[i])` to the least-squares system
/// `(R, qtb)`: on return, the upper triangle of `r` and `qtb` are those of
/// `[R; W]` and `[qtb; alpha]`, triangularized by one Householder reflection
/// per column (LAPACK's `tpqrt` for a triangle over a block; a block at a
/// time in place of MINPACK's `rwupdt`, a Givens rotation per row and column,
/// whose chain of divisions and square roots is latency-bound). The block
/// comes in `K` parts of `b` rows each, part `p` being the
/// rows `(w[p], alpha[p])`, with `w[p]` column-major (`w[p][i + j·b]` is its
/// row `i`, column `j`) so that each column is contiguous. Rows of zeros may
/// pad a partial block: they change nothing. `w` and `alpha` are
/// overwritten. The strict lower triangle of `r` is not read. The signs of
/// R's rows are those of the reflections, as in `qrfac`. Inlined into its
/// caller, where `n` and `b` are constants.
#[inline(always)]
pub(super) fn add_rows<T: Real, const K: usize>(
    n: usize,
    b: usize,
    used: usize,
    r: &mut [T],
    qtb: &mut [T],
    mut w: [&mut [T]; K],
    mut alpha: [&mut [T]; K],
) {
    let (r, qtb) = (&mut r[..n * n], &mut qtb[..n]);
    /// Column `k` of a part of `b` rows.
    #[inline(always)]
    fn column<T>(part: &[T], b: usize, k: usize) -> &[T] {
        &part[k * b..(k + 1) * b]
    }
    // Below it, squares may have underflowed: the norm is then computed scaled.
    let tiny = underflow_bound::<T>();
    for j in 0..n {
        let mut sum = Dot::new();
        for part in &w[..used] {
            let v = column(part, b, j);
            sum.add(v, v);
        }
        let sum = sum.sum();
        if sum == T::ZERO
            && w[..used]
                .iter()
                .all(|part| column(part, b, j).iter().all(|&x| x == T::ZERO))
        {
            continue;
        }
        let diagonal = r[j + j * n];
        let squares = diagonal * diagonal + sum;
        let norm = if T::is_finite(squares) && squares >= tiny {
            T::sqrt(squares)
        } else {
            let mut scaled = SumSquares::new();
            scaled.add(diagonal);
            for part in &w[..used] {
                for &x in column(part, b, j) {
                    scaled.add(x);
                }
            }
            scaled.norm()
        };
        // H = I − tau·u·uᵀ, u = (1, W[·, j] / (diagonal − beta)), maps
        // (diagonal, W[·, j]) to (beta, 0). u is formed (in place of W[·, j])
        // so that the products u·y stay in range where W[·, j]·y would not.
        let beta = if diagonal < T::ZERO { norm } else { -norm };
        let tau = (beta - diagonal) / beta;
        let inverse = T::ONE / (diagonal - beta);
        for part in &mut w[..used] {
            for x in &mut part[j * b..(j + 1) * b] {
                *x *= inverse;
            }
        }
        r[j + j * n] = beta;
        for k in j + 1..n {
            let mut d = Dot::new();
            for part in &w[..used] {
                d.add(column(part, b, j), column(part, b, k));
            }
            let s = tau * (r[j + k * n] + d.sum());
            r[j + k * n] -= s;
            for part in &mut w[..used] {
                let (head, tail) = part.split_at_mut(k * b);
                sub_scaled(&mut tail[..b], s, &head[j * b..(j + 1) * b]);
            }
        }
        let mut d = Dot::new();
        for (part, a) in w[..used].iter().zip(&alpha) {
            d.add(column(part, b, j), &a[..b]);
        }
        let s = tau * (qtb[j] + d.sum());
        qtb[j] -= s;
        for (part, a) in w[..used].iter().zip(&mut alpha) {
            sub_scaled(&mut a[..b], s, column(part, b, j));
        }
    }
}

/// QR factorization with column pivoting of the n×n matrix `a` (MINPACK's
/// `qrfac`, Householder reflections): `a·P = Q·R`, with `R` written to the
/// upper triangle of `a` (diagonal of decreasing magnitude), zeros below it,
/// `ipvt[j]` the column of the input that is column `j` of `R`, and `qtb`
/// replaced by `Qᵀ·qtb`.
pub(super) fn pivoted_qr<T: Real>(n: usize, a: &mut [T], ipvt: &mut [usize], qtb: &mut [T]) {
    for (j, p) in ipvt.iter_mut().enumerate().take(n) {
        *p = j;
    }
    for j in 0..n {
        // Bring the column of largest remaining norm to position j.
        let column_norm = |a: &[T], k: usize| norm(a[j + k * n..(k + 1) * n].iter().copied());
        let mut kmax = j;
        let mut largest = column_norm(a, j);
        for k in j + 1..n {
            let norm_k = column_norm(a, k);
            if norm_k > largest {
                kmax = k;
                largest = norm_k;
            }
        }
        if kmax != j {
            for i in 0..n {
                a.swap(i + j * n, i + kmax * n);
            }
            ipvt.swap(j, kmax);
        }
        if largest == T::ZERO {
            continue;
        }
        // The reflection H = I − v·vᵀ/v₀ that maps column j to −α·e_j.
        let alpha = if a[j + j * n] < T::ZERO {
            -largest
        } else {
            largest
        };
        for i in j..n {
            a[i + j * n] /= alpha;
        }
        a[j + j * n] += T::ONE;
        let v0 = a[j + j * n];
        for k in j + 1..n {
            let s: T = (j..n).map(|i| a[i + j * n] * a[i + k * n]).sum();
            let t = s / v0;
            for i in j..n {
                let vi = a[i + j * n];
                a[i + k * n] -= t * vi;
            }
        }
        let s: T = (j..n).map(|i| a[i + j * n] * qtb[i]).sum();
        let t = s / v0;
        for i in j..n {
            qtb[i] -= t * a[i + j * n];
        }
        a[j + j * n] = -alpha;
        for i in j + 1..n {
            a[i + j * n] = T::ZERO;
        }
    }
}

/// Solves `min ‖[R; D·Pᵀ] z − [qtb; 0]‖` for the upper triangular `R` of
/// `J·P = Q·R` and the diagonal `D = diag` (MINPACK's `qrsolv`), writing `z`
/// (in the original parameter order) to `x`. The upper triangle of `r` is
/// kept; its strict lower triangle receives `Sᵀ` without its diagonal, for
/// the upper triangular `S` of `Pᵀ(JᵀJ + D²)P = SᵀS`, and `sdiag` the
/// diagonal of `S`. `wa` is scratch.
#[allow(
    clippy::too_many_arguments,
    reason = "MINPACK's interface, internal to the module"
)]
#[inline(always)]
pub(super) fn damped_solve<T: Real>(
    n: usize,
    r: &mut [T],
    ipvt: &[usize],
    diag: &[T],
    qtb: &[T],
    x: &mut [T],
    sdiag: &mut [T],
    wa: &mut [T],
) {
    // Copy R's upper triangle into the lower one; keep the diagonal in x.
    for j in 0..n {
        for i in j..n {
            r[i + j * n] = r[j + i * n];
        }
        x[j] = r[j + j * n];
        wa[j] = qtb[j];
    }
    // Eliminate D·Pᵀ row by row with Givens rotations.
    for j in 0..n {
        let l = ipvt[j];
        if diag[l] != T::ZERO {
            sdiag[j..n].fill(T::ZERO);
            sdiag[j] = diag[l];
            let mut qtbpj = T::ZERO;
            for k in j..n {
                if sdiag[k] == T::ZERO {
                    continue;
                }
                let (cos, sin) = givens(r[k + k * n], sdiag[k]);
                r[k + k * n] = cos * r[k + k * n] + sin * sdiag[k];
                let temp = cos * wa[k] + sin * qtbpj;
                qtbpj = cos * qtbpj - sin * wa[k];
                wa[k] = temp;
                for i in k + 1..n {
                    let rik = r[i + k * n];
                    r[i + k * n] = cos * rik + sin * sdiag[i];
                    sdiag[i] = cos * sdiag[i] - sin * rik;
                }
            }
        }
        sdiag[j] = r[j + j * n];
        r[j + j * n] = x[j];
    }
    // Back substitution with S (a least-squares solution if singular).
    let rank = sdiag[..n].iter().position(|&s| s == T::ZERO).unwrap_or(n);
    wa[rank..n].fill(T::ZERO);
    for j in (0..rank).rev() {
        let s: T = (j + 1..rank).map(|i| r[i + j * n] * wa[i]).sum();
        wa[j] = (wa[j] - s) / sdiag[j];
    }
    for j in 0..n {
        x[ipvt[j]] = wa[j];
    }
}

/// Scratch vectors of length n for [`lm_parameter`].
pub(super) struct LmScratch<'a, T> {
    pub(super) sdiag: &'a mut [T],
    pub(super) wa1: &'a mut [T],
    pub(super) wa2: &'a mut [T],
}

/// The Levenberg–Marquardt parameter `par` and step `x` of the trust region
/// `‖D·x‖ ≤ delta` (MINPACK's `lmpar`): `x` solves
/// `min ‖J x + f‖² + par·‖D x‖²` with `par = 0` if the Gauss–Newton step is
/// inside the region, else `par > 0` such that `‖D x‖` is within 10 % of
/// `delta`. `r`, `ipvt` and `qtb` are `J·P = Q·R` and `Qᵀ f`; the strict
/// lower triangle of `r` is overwritten.
#[allow(
    clippy::too_many_arguments,
    reason = "MINPACK's interface, internal to the module"
)]
#[inline(always)]
pub(super) fn lm_parameter<T: Real>(
    n: usize,
    r: &mut [T],
    ipvt: &[usize],
    diag: &[T],
    qtb: &[T],
    delta: T,
    par: T,
    x: &mut [T],
    scratch: LmScratch<'_, T>,
) -> T {
    let LmScratch { sdiag, wa1, wa2 } = scratch;
    let tenth = T::from_f64_lossy(0.1);
    let dwarf = T::from_f64_lossy(f64::MIN_POSITIVE);
    let dwarf = if dwarf == T::ZERO {
        // f32: its own smallest normal number.
        T::from_f64_lossy(f64::from(f32::MIN_POSITIVE))
    } else {
        dwarf
    };

    // The Gauss–Newton direction (a least-squares solution if singular).
    let rank = (0..n).position(|j| r[j + j * n] == T::ZERO).unwrap_or(n);
    wa1[..n].copy_from_slice(&qtb[..n]);
    wa1[rank..n].fill(T::ZERO);
    for j in (0..rank).rev() {
        wa1[j] /= r[j + j * n];
        let temp = wa1[j];
        for i in 0..j {
            wa1[i] -= r[i + j * n] * temp;
        }
    }
    for j in 0..n {
        x[ipvt[j]] = wa1[j];
    }

    // Accept the Gauss–Newton step if it is (nearly) inside the region.
    for j in 0..n {
        wa2[j] = diag[j] * x[j];
    }
    let mut dxnorm = norm(wa2[..n].iter().copied());
    let mut fp = dxnorm - delta;
    if fp <= tenth * delta {
        return T::ZERO;
    }

    // A lower bound `parl` from the Newton step (0 if singular).
    let mut parl = T::ZERO;
    if rank == n {
        for j in 0..n {
            let l = ipvt[j];
            wa1[j] = diag[l] * (wa2[l] / dxnorm);
        }
        for j in 0..n {
            let s: T = (0..j).map(|i| r[i + j * n] * wa1[i]).sum();
            wa1[j] = (wa1[j] - s) / r[j + j * n];
        }
        let temp = norm(wa1[..n].iter().copied());
        parl = fp / delta / temp / temp;
    }

    // An upper bound `paru`.
    for j in 0..n {
        let s: T = (0..=j).map(|i| r[i + j * n] * qtb[i]).sum();
        wa1[j] = s / diag[ipvt[j]];
    }
    let gnorm = norm(wa1[..n].iter().copied());
    let mut paru = gnorm / delta;
    if paru == T::ZERO {
        paru = dwarf / T::min(delta, tenth);
    }

    let mut par = T::min(T::max(par, parl), paru);
    if par == T::ZERO {
        par = gnorm / dxnorm;
    }

    let mut iteration = 0;
    loop {
        iteration += 1;
        if par == T::ZERO {
            par = T::max(dwarf, T::from_f64_lossy(0.001) * paru);
        }
        let sqrt_par = T::sqrt(par);
        for j in 0..n {
            wa1[j] = sqrt_par * diag[j];
        }
        damped_solve(n, r, ipvt, wa1, qtb, x, sdiag, wa2);
        for j in 0..n {
            wa2[j] = diag[j] * x[j];
        }
        dxnorm = norm(wa2[..n].iter().copied());
        let previous = fp;
        fp = dxnorm - delta;
        if T::abs(fp) <= tenth * delta
            || (parl == T::ZERO && fp <= previous && previous < T::ZERO)
            || iteration == 10
        {
            return par;
        }
        // Newton's correction.
        for j in 0..n {
            let l = ipvt[j];
            wa1[j] = diag[l] * (wa2[l] / dxnorm);
        }
        for j in 0..n {
            wa1[j] /= sdiag[j];
            let temp = wa1[j];
            for i in j + 1..n {
                wa1[i] -= r[i + j * n] * temp;
            }
        }
        let temp = norm(wa1[..n].iter().copied());
        let parc = fp / delta / temp / temp;
        if fp > T::ZERO {
            parl = T::max(parl, par);
        } else if fp < T::ZERO {
            paru = T::min(paru, par);
        }
        par = T::max(parl, par + parc);
    }
}

/// The diagonal of `(RᵀR)⁻¹` for the upper triangle of the n×n `r` (of
/// `J·P = Q·R`), in the original parameter order, into `out`; `Err(rank)`
/// if `R` is numerically singular. `s` (n²) and `perm` are scratch.
pub(super) fn inverse_diagonal<T: Real>(
    n: usize,
    r: &[T],
    ipvt: &[usize],
    s: &mut [T],
    perm: &mut [usize],
    dummy: &mut [T],
    out: &mut [T],
) -> Result<(), usize> {
    // A rank-revealing factorization R·P₂ = Q₂·S.
    for j in 0..n {
        for i in 0..n {
            s[i + j * n] = if i <= j { r[i + j * n] } else { T::ZERO };
        }
    }
    pivoted_qr(n, s, perm, dummy);
    let largest = T::abs(s[0]);
    let tolerance = T::from_i32_lossy(n as i32) * T::EPSILON * largest;
    let rank = (0..n)
        .position(|j| T::abs(s[j + j * n]) <= tolerance || T::is_nan(s[j + j * n]))
        .unwrap_or(n);
    if rank < n {
        return Err(rank);
    }
    // S⁻¹ in place (LINPACK's `dtrdi`).
    for k in 0..n {
        s[k + k * n] = T::ONE / s[k + k * n];
        let t = -s[k + k * n];
        for i in 0..k {
            s[i + k * n] *= t;
        }
        for j in k + 1..n {
            let t = s[k + j * n];
            s[k + j * n] = T::ZERO;
            for i in 0..=k {
                let sik = s[i + k * n];
                s[i + j * n] += t * sik;
            }
        }
    }
    // diag((SᵀS)⁻¹)_i = Σ_j (S⁻¹)_{ij}², row i of S⁻¹.
    for i in 0..n {
        let v = norm((i..n).map(|j| s[i + j * n]));
        out[ipvt[perm[i]]] = v * v;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::add_rows;

    /// Folds `rows` (`[j₀, j₁, j₂, f]`, each times `scale`) into a triangle
    /// in blocks of two parts of `block` rows, and returns `(RᵀR, Rᵀ·qtb) / scale²`, which are
    /// `JᵀJ` and `Jᵀf` of the unscaled rows.
    fn normal_equations(rows: &[[f64; 4]], scale: f64, block: usize) -> ([f64; 9], [f64; 3]) {
        let (mut r, mut qtb) = ([0.0; 9], [0.0; 3]);
        // Blocks of two parts of `block` rows, column-major, the last one
        // padded with rows of zeros (its second part unused if empty).
        for chunk in rows.chunks(2 * block) {
            let (mut w0, mut w1) = ([0.0; 3 * 8], [0.0; 3 * 8]);
            let (mut alpha0, mut alpha1) = ([0.0; 8], [0.0; 8]);
            for (i, x) in chunk.iter().enumerate() {
                let (w, alpha, i) = if i < block {
                    (&mut w0, &mut alpha0, i)
                } else {
                    (&mut w1, &mut alpha1, i - block)
                };
                for j in 0..3 {
                    w[i + j * block] = x[j] * scale;
                }
                alpha[i] = x[3] * scale;
            }
            let used = chunk.len().div_ceil(block);
            add_rows(
                3,
                block,
                used,
                &mut r,
                &mut qtb,
                [&mut w0[..3 * block], &mut w1[..3 * block]],
                [&mut alpha0[..block], &mut alpha1[..block]],
            );
        }
        let upper = |i: usize, j: usize| if i <= j { r[i + j * 3] / scale } else { 0.0 };
        let (mut rtr, mut rtq) = ([0.0; 9], [0.0; 3]);
        for i in 0..3 {
            for j in 0..3 {
                rtr[i + j * 3] = (0..3).map(|k| upper(k, i) * upper(k, j)).sum();
            }
            rtq[i] = (0..3).map(|k| upper(k, i) * qtb[k] / scale).sum();
        }
        (rtr, rtq)
    }

    #[test]
    fn blocks_of_rows_keep_the_normal_equations_at_every_scale() {
        let mut rows = [[0.0; 4]; 11];
        for (i, row) in rows.iter_mut().enumerate() {
            let t = i as f64;
            *row = [1.0, t, 0.1 * t * t - 0.5, 1.0 - t];
        }
        for scale in [1.0, 1e-170, 1e170] {
            for block in [1, 3, 8] {
                let (rtr, rtq) = normal_equations(&rows, scale, block);
                for i in 0..3 {
                    let jtf: f64 = rows.iter().map(|x| x[i] * x[3]).sum();
                    assert!(
                        (rtq[i] - jtf).abs() <= 1e-12 * jtf.abs().max(1.0),
                        "scale {scale}, block {block}: {i}: {} vs {jtf}",
                        rtq[i]
                    );
                    for j in 0..3 {
                        let jtj: f64 = rows.iter().map(|x| x[i] * x[j]).sum();
                        let ours = rtr[i + j * 3];
                        assert!(
                            (ours - jtj).abs() <= 1e-12 * jtj.abs().max(1.0),
                            "scale {scale}, block {block}: ({i}, {j}) {ours} vs {jtj}"
                        );
                    }
                }
            }
        }
    }
}
