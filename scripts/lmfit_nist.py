#!/usr/bin/env python3
"""lmfit's `leastsq` on the 14 NIST StRD problems of tests/data/nist/, from
both starts: the reference of issue 15's timing goal (tapeless' side is the
criterion benchmark `cargo bench -p tapeless --bench nist`;
scripts/nist_vs_lmfit.sh runs both and prints the ratio).

Each fit is `lmfit.minimize(residual, params, args=(x, y),
method="leastsq")` with lmfit's defaults (MINPACK's lmdif through scipy's
`leastsq`, a forward-difference Jacobian), the model written in NumPy as in
lmfit's own NIST test. Per fit it prints the certified digits of the
parameters and of the standard errors (the fewest of any; counted as
tests/nist.rs counts them, 0 when lmfit reports none), lmfit's `nfev` and
the median wall time of `minimize` over the sweeps (time.perf_counter;
building the starting Parameters is not timed). The total is the median over
the sweeps of the 28 fits' summed time. Not part of CI.

    scripts/lmfit_nist.py [--sweeps N]    (default 7)

The last line is `total_seconds SECONDS`, for scripts/nist_vs_lmfit.sh.
Without lmfit (or NumPy, SciPy) it says so and exits with status 0.
"""
import argparse
import math
import os
import platform
import statistics
import sys
import time

try:
    import lmfit
    import numpy as np
    import scipy
except ImportError as error:
    print(f"lmfit_nist.py: needs lmfit (pip install lmfit): {error}", file=sys.stderr)
    sys.exit(0)

DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "data", "nist")

# ---- the models (b is the array b1..bn) ----------------------------------------------


def misra1a(b, x):
    return b[0] * (1 - np.exp(-b[1] * x))


def misra1b(b, x):
    return b[0] * (1 - (1 + b[1] * x / 2) ** (-2))


def chwirut(b, x):
    return np.exp(-b[0] * x) / (b[1] + b[2] * x)


def danwood(b, x):
    return b[0] * x ** b[1]


def lanczos(b, x):
    return b[0] * np.exp(-b[1] * x) + b[2] * np.exp(-b[3] * x) + b[4] * np.exp(-b[5] * x)


def gauss(b, x):
    return (
        b[0] * np.exp(-b[1] * x)
        + b[2] * np.exp(-((x - b[3]) ** 2) / b[4] ** 2)
        + b[5] * np.exp(-((x - b[6]) ** 2) / b[7] ** 2)
    )


def kirby2(b, x):
    return (b[0] + b[1] * x + b[2] * x**2) / (1 + b[3] * x + b[4] * x**2)


def mgh09(b, x):
    return b[0] * (x**2 + x * b[1]) / (x**2 + x * b[2] + b[3])


def thurber(b, x):
    return (b[0] + b[1] * x + b[2] * x**2 + b[3] * x**3) / (1 + b[4] * x + b[5] * x**2 + b[6] * x**3)


def rat43(b, x):
    return b[0] / (1 + np.exp(b[1] - b[2] * x)) ** (1 / b[3])


def boxbod(b, x):
    return b[0] * (1 - np.exp(-b[1] * x))


# The order of benches/common/nist.rs.
PROBLEMS = [
    ("Misra1a", misra1a),
    ("Misra1b", misra1b),
    ("Chwirut1", chwirut),
    ("Chwirut2", chwirut),
    ("DanWood", danwood),
    ("Lanczos1", lanczos),
    ("Lanczos3", lanczos),
    ("Gauss1", gauss),
    ("Gauss2", gauss),
    ("Kirby2", kirby2),
    ("MGH09", mgh09),
    ("Thurber", thurber),
    ("Rat43", rat43),
    ("BoxBOD", boxbod),
]


def read(name):
    """NAME.dat: parameter lines `b1 = start1 start2 value std_error` from
    line 41, data `y x` from line 61 (as benches/common/nist.rs reads them)."""
    with open(os.path.join(DATA, f"{name}.dat")) as file:
        lines = file.read().splitlines()
    starts, certified, errors = ([], []), [], []
    for line in lines[40:60]:
        key, sep, values = line.partition("=")
        if not sep or not key.strip().startswith("b"):
            continue
        values = [float(v) for v in values.split()]
        assert len(values) == 4, line
        starts[0].append(values[0])
        starts[1].append(values[1])
        certified.append(values[2])
        errors.append(values[3])
    ys, xs = [], []
    for line in lines[60:]:
        values = [float(v) for v in line.split()]
        if values:
            assert len(values) == 2, line
            ys.append(values[0])
            xs.append(values[1])
    return starts, certified, errors, np.array(xs), np.array(ys)


def digits(a, b):
    """round(−log10(| |a| − |b| | / |b|)) in 0..=15, 15 for an exact match,
    0 for NaN or None (rounding half away from zero, as Rust's f64::round)."""
    if a is None:
        return 0
    error = abs(abs(a) - abs(b)) / abs(b)
    if math.isnan(error):
        return 0
    if error == 0:
        return 15
    return int(min(15, max(0, math.floor(-math.log10(error) + 0.5))))


def residual_of(model, n):
    names = [f"b{k + 1}" for k in range(n)]

    def residual(params, x, y):
        values = params.valuesdict()
        return model([values[name] for name in names], x) - y

    return residual, names


def fit(model, start, certified, errors, x, y):
    """One fit: (seconds, parameter digits, standard-error digits, nfev, note)."""
    residual, names = residual_of(model, len(start))
    params = lmfit.Parameters()
    for name, value in zip(names, start):
        params.add(name, value=value)
    began = time.perf_counter()
    try:
        result = lmfit.minimize(residual, params, args=(x, y), method="leastsq")
    except ValueError as error:  # NaN in the residuals (nan_policy="raise")
        return time.perf_counter() - began, 0, 0, 0, str(error).splitlines()[0]
    seconds = time.perf_counter() - began
    p = min(digits(result.params[n].value, c) for n, c in zip(names, certified))
    s = min(digits(result.params[n].stderr, e) for n, e in zip(names, errors))
    note = "" if result.success else result.message
    return seconds, p, s, result.nfev, note


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweeps", type=int, default=7, help="timed sweeps of the 28 fits (median)")
    sweeps = parser.parse_args().sweeps
    problems = [(name, model, read(name)) for name, model in PROBLEMS]
    fits = [(name, model, s, data) for name, model, data in problems for s in (0, 1)]

    outcomes = [None] * len(fits)
    times = [[] for _ in fits]
    totals = []
    for _ in range(sweeps):
        total = 0.0
        for i, (name, model, s, (starts, certified, errors, x, y)) in enumerate(fits):
            seconds, *outcome = fit(model, starts[s], certified, errors, x, y)
            times[i].append(seconds)
            total += seconds
            outcomes[i] = outcome
        totals.append(total)

    print(
        f"lmfit {lmfit.__version__}, numpy {np.__version__}, scipy {scipy.__version__}, "
        f"Python {platform.python_version()}; method leastsq, defaults; median of {sweeps} sweeps"
    )
    print(f"{'problem':<9} {'start':>5} {'parameter digits':>16} {'std-error digits':>16} {'nfev':>6} {'time (ms)':>10}")
    for (name, _, s, _), (p, e, nfev, note), t in zip(fits, outcomes, times):
        note = f"  {note}" if note else ""
        print(f"{name:<9} {s + 1:>5} {p:>16} {e:>16} {nfev:>6} {statistics.median(t) * 1e3:>10.3f}{note}")
    short = [f"{name} {s + 1}" for (name, _, s, _), (p, e, _, _) in zip(fits, outcomes) if p < 6 or e < 4]
    print(f"fits short of 6 parameter / 4 standard-error digits: {len(short)} ({', '.join(short) or 'none'})")
    total = statistics.median(totals)
    print(f"total of the 28 fits: {total * 1e3:.1f} ms (sweeps: {', '.join(f'{t * 1e3:.1f}' for t in totals)} ms)")
    print(f"total_seconds {total:.6f}")


if __name__ == "__main__":
    main()
