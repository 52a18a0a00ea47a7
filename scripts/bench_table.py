#!/usr/bin/env python3
"""Prints the README's performance tables from criterion's estimates.

Reads <group>/<bench>/new/estimates.json under each run directory of
RUNS_DIR (scripts/bench.sh keeps one per run of the gradients suite) and
gives the median of the runs' medians; a benchmark found in no run (the
peer suite, run once) is read from CRITERION_DIR, where criterion leaves
the last run's estimates (both suites share it when they share a target
directory, as scripts/bench.sh arranges).

    scripts/bench_table.py [CRITERION_DIR [RUNS_DIR]]
"""
import glob
import json
import os
import statistics
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
CRITERION = sys.argv[1] if len(sys.argv) > 1 else os.path.join(TARGET, "criterion")
RUNS = sys.argv[2] if len(sys.argv) > 2 else os.path.join(TARGET, "bench-runs")


def read_median(file):
    with open(file) as f:
        return json.load(f)["median"]["point_estimate"] * 1e-9


def median(path):
    """The median time of a benchmark in seconds (the median over the kept
    runs), or None if it did not run."""
    group, bench = path.split("/", 1)
    # criterion names a benchmark's directory with its `/`s turned into `_`s.
    relative = os.path.join(group, bench.replace("/", "_"), "new", "estimates.json")
    runs = sorted(glob.glob(os.path.join(RUNS, "*", relative)))
    if runs:
        return statistics.median(read_median(file) for file in runs)
    try:
        return read_median(os.path.join(CRITERION, relative))
    except FileNotFoundError:
        return None


def fmt_time(seconds):
    if seconds is None:
        return "–"
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if seconds >= scale:
            value = seconds / scale
            return f"{value:.3g} {unit}" if value < 100 else f"{value:.0f} {unit}"
    return f"{seconds * 1e9:.2f} ns"


def fmt_ratio(a, b):
    if a is None or b is None:
        return "–"
    r = a / b
    return f"{r:.2f}×" if r < 100 else f"{r:.0f}×"


def gradient_table():
    """tapeless against hand-written gradients and the forward pass."""
    print("| workload | tapeless variant | forward | tapeless gradient | hand-written gradient | tapeless / hand (target ≤ 1.10) | gradient / forward (target ≤ 3) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    rows = []
    for scalar in ("f64", "f32"):
        g = f"w1_mlp_bce_{scalar}"
        for variant, forward, hand in (
            ("bce", "tapeless_bce", "hand_chain"),
            ("bce", "tapeless_bce", "hand_shortcut"),
            ("bce_with_logits", "tapeless_bce_with_logits", "hand_shortcut"),
            ("loop_bce", "tapeless_loop_bce", "hand_chain"),
            ("loop_bce_with_logits", "tapeless_loop_bce_with_logits", "hand_shortcut"),
        ):
            rows.append((f"W1 mlp_bce {scalar}, batch of 20", f"{variant} vs {hand.replace('_', ' ')}",
                         f"{g}/forward/{forward}", f"{g}/gradient/tapeless_{variant}", f"{g}/gradient/{hand}"))
        rows.append((f"W1 mlp_bce {scalar}: one SGD step", "bce", None,
                     f"{g}/sgd_step/tapeless_bce", f"{g}/sgd_step/hand_shortcut"))
        rows.append((f"W1 mlp_bce {scalar}: one SGD step", "bce_with_logits", None,
                     f"{g}/sgd_step/tapeless_bce_with_logits", f"{g}/sgd_step/hand_shortcut"))
    rows.append(("W2 quad_fit, 20 points", "for loop", "w2_quad_fit/forward/tapeless",
                 "w2_quad_fit/gradient/tapeless", "w2_quad_fit/gradient/hand"))
    rows.append(("W2 quad_fit: 1,000,000 SGD steps", "for loop", None,
                 "w2_quad_fit/fit_1e6_steps/tapeless", "w2_quad_fit/fit_1e6_steps/hand"))
    for variant in ("batch", "loop"):
        rows.append(("W3 mlp_adam, 100 samples: gradient", variant, f"w3_mlp_adam/forward/tapeless_{variant}",
                     f"w3_mlp_adam/gradient/tapeless_{variant}", "w3_mlp_adam/gradient/hand"))
        rows.append(("W3 mlp_adam: one Adam step", variant, None,
                     f"w3_mlp_adam/adam_step/tapeless_{variant}", "w3_mlp_adam/adam_step/hand"))
    for n in (2, 10, 100):
        g = f"w4_rosenbrock/n{n}"
        rows.append((f"W4 rosenbrock n = {n}", "for loop", f"{g}/forward/tapeless",
                     f"{g}/gradient/tapeless", f"{g}/gradient/hand"))
    for label, variant, forward, tapeless, hand in rows:
        f, t, h = (median(p) if p else None for p in (forward, tapeless, hand))
        print(f"| {label} | {variant} | {fmt_time(f)} | {fmt_time(t)} | {fmt_time(h)} | "
              f"{fmt_ratio(t, h)} | {fmt_ratio(t, f) if f else '–'} |")


def peer_table():
    """tapeless against num-dual and candle, measured in the same run."""
    print("| workload | tapeless | hand-written | num-dual | candle | num-dual / tapeless | candle / tapeless (target ≥ 100) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    rows = [
        ("W1 mlp_bce f64: gradient (bce)", "peers_w1_mlp_bce_f64/gradient/tapeless_bce",
         "peers_w1_mlp_bce_f64/gradient/hand_shortcut", "peers_w1_mlp_bce_f64/gradient/num_dual",
         "peers_w1_mlp_bce_f64/gradient/candle"),
        ("W1 mlp_bce f64: SGD step (bce)", "peers_w1_mlp_bce_f64/sgd_step/tapeless_bce",
         "peers_w1_mlp_bce_f64/sgd_step/hand_shortcut", None,
         "peers_w1_mlp_bce_f64/sgd_step/candle"),
        ("W2 quad_fit: gradient", "peers_w2_quad_fit/gradient/tapeless", None,
         "peers_w2_quad_fit/gradient/num_dual", "peers_w2_quad_fit/gradient/candle"),
        ("W2 quad_fit: 1,000,000 SGD steps", "w2_quad_fit/fit_1e6_steps/tapeless", "w2_quad_fit/fit_1e6_steps/hand",
         "peers_w2_quad_fit/fit_1e6_steps/num_dual", None),
        ("W3 mlp_adam: gradient (batch)", "peers_w3_mlp_adam/gradient/tapeless_batch",
         "peers_w3_mlp_adam/gradient/hand", "peers_w3_mlp_adam/gradient/num_dual",
         "peers_w3_mlp_adam/gradient/candle"),
        ("W3 mlp_adam: gradient (loop)", "peers_w3_mlp_adam/gradient/tapeless_loop",
         "peers_w3_mlp_adam/gradient/hand", "peers_w3_mlp_adam/gradient/num_dual",
         "peers_w3_mlp_adam/gradient/candle"),
        ("W3 mlp_adam: Adam step (batch)", "peers_w3_mlp_adam/adam_step/tapeless_batch",
         "peers_w3_mlp_adam/adam_step/hand", None, "peers_w3_mlp_adam/adam_step/candle"),
        ("W3 mlp_adam: Adam step (loop)", "peers_w3_mlp_adam/adam_step/tapeless_loop",
         "peers_w3_mlp_adam/adam_step/hand", None, "peers_w3_mlp_adam/adam_step/candle"),
    ]
    for n in (2, 10, 100):
        g = f"peers_w4_rosenbrock/n{n}/gradient"
        rows.append((f"W4 rosenbrock n = {n}: gradient", f"{g}/tapeless", f"{g}/hand", f"{g}/num_dual", f"{g}/candle"))
    for label, tapeless, hand, dual, candle in rows:
        t, h, d, c = (median(p) if p else None for p in (tapeless, hand, dual, candle))
        print(f"| {label} | {fmt_time(t)} | {fmt_time(h)} | {fmt_time(d)} | {fmt_time(c)} | "
              f"{fmt_ratio(d, t)} | {fmt_ratio(c, t)} |")


if __name__ == "__main__":
    print("#### tapeless against hand-written gradients (`cargo bench --bench gradients`)\n")
    gradient_table()
    print("\n#### tapeless against num-dual and candle (`cargo bench --manifest-path benches/peers/Cargo.toml`)\n")
    peer_table()
