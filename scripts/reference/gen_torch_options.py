#!/usr/bin/env python3
"""PyTorch reference data for the torch options tapeless added after the
public reference set (../shared/reference/gen_reference.py, whose `reflib.py`
is copied beside this file unchanged): BCELoss(weight),
BCEWithLogitsLoss(weight), PoissonNLLLoss(eps), ignore_index for
CrossEntropyLoss and NLLLoss, Linear(bias=False), OneCycleLR(epochs,
steps_per_epoch) and LBFGS with a learning-rate scheduler.

Usage:  python scripts/reference/gen_torch_options.py [output.json]
        (default: tests/data/torch_options.json)

Same conventions as the public set: float64, one CPU thread, deterministic
algorithms, explicit seeded generators, JSON floats written with repr()
(bit-exact); the torch version is recorded in the file's header.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import torch  # noqa: E402
import torch.optim.lr_scheduler as LR  # noqa: E402

import reflib as R  # noqa: E402
from reflib import gen  # noqa: E402

GEN = "scripts/reference/gen_torch_options.py"


def build_losses():
    cases = []
    S = 5000  # upstream seeds (unused: every case here is reduced)

    # ---- BCELoss(weight) ---------------------------------------------------
    g = gen(101)
    x = torch.sigmoid(torch.randn(8, generator=g))
    t = torch.tensor([0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.3, 0.8])
    w = torch.tensor([0.5, 2.0, 1.0, 0.0, 3.0, 1.5, 0.25, 1.0])
    for red in ("mean", "sum"):
        cases.append(R.loss_case(f"BCELoss_weight_{red}", "BCELoss", {"reduction": red, "weight": w}, x, t,
                                 S + len(cases), note="weight has the input's shape [8]"))

    # ---- BCEWithLogitsLoss(weight) ----------------------------------------
    g = gen(102)
    x = 3.0 * torch.randn(8, generator=g)
    t = torch.tensor([1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.25, 0.9])
    for red in ("mean", "sum"):
        cases.append(R.loss_case(f"BCEWithLogitsLoss_weight_{red}", "BCEWithLogitsLoss",
                                 {"reduction": red, "weight": w}, x, t, S + len(cases),
                                 note="weight has the input's shape [8]"))

    # ---- PoissonNLLLoss(eps) ----------------------------------------------
    g = gen(103)
    rate = torch.rand(8, generator=g) * 3.0
    rate[0] = 0.0  # a zero rate: the loss is finite only through eps
    counts = torch.tensor([0.0, 1.0, 2.0, 5.0, 0.0, 3.0, 1.0, 7.0])
    for full in (False, True):
        for red in ("mean", "sum"):
            cases.append(R.loss_case(f"PoissonNLLLoss_rate_eps0.5_full{full}_{red}", "PoissonNLLLoss",
                                     {"reduction": red, "log_input": False, "full": full, "eps": 0.5},
                                     rate, counts, S + len(cases), note="input[0] is a zero rate"))

    # ---- CrossEntropyLoss(ignore_index) -----------------------------------
    g = gen(104)
    x = 2.0 * torch.randn(6, 4, generator=g)
    t = torch.tensor([0, 7, 3, 1, 7, 2])
    cw = torch.tensor([1.0, 2.0, 0.5, 1.5])
    for label_smoothing in (0.0, 0.1):
        for weighted in (False, True):
            for red in ("mean", "sum"):
                kw = {"reduction": red, "ignore_index": 7}
                if label_smoothing:
                    kw["label_smoothing"] = label_smoothing
                if weighted:
                    kw["weight"] = cw
                name = f"CrossEntropyLoss_ignore7_ls{label_smoothing}_{'weighted' if weighted else 'plain'}_{red}"
                cases.append(R.loss_case(name, "CrossEntropyLoss", kw, x, t, S + len(cases),
                                         note="input [N=6, C=4] logits; samples 1 and 4 have the ignored "
                                              "target 7 (not a class)"))
    t1 = torch.tensor([0, 1, 3, 1, 2, 1])
    cases.append(R.loss_case("CrossEntropyLoss_ignore1_weighted_mean", "CrossEntropyLoss",
                             {"reduction": "mean", "ignore_index": 1, "weight": cw}, x, t1, S + len(cases),
                             note="the ignored index is a class (1)"))

    # ---- NLLLoss(ignore_index) --------------------------------------------
    g = gen(105)
    logp = torch.log_softmax(torch.randn(5, 3, generator=g), dim=1)
    t = torch.tensor([2, 0, 1, 0, 2])
    nw = torch.tensor([0.5, 2.0, 1.0])
    for weighted in (False, True):
        for red in ("mean", "sum"):
            kw = {"reduction": red, "ignore_index": 0}
            if weighted:
                kw["weight"] = nw
            cases.append(R.loss_case(f"NLLLoss_ignore0_{'weighted' if weighted else 'plain'}_{red}", "NLLLoss",
                                     kw, logp, t, S + len(cases),
                                     note="input [N=5, C=3] log-probabilities; samples 1 and 3 are ignored"))
    return cases


def build_layers():
    return [R.linear_case("Linear_3_2_nobias_batch4", 3, 2, 4, 211, bias=False),
            R.linear_case("Linear_4_3_nobias_single", 4, 3, None, 213, bias=False)]


def build_schedulers():
    return [R.scheduler_case("OneCycleLR_0.1_epochs4_steps5", "OneCycleLR",
                             {"max_lr": 0.1, "epochs": 4, "steps_per_epoch": 5}, steps=19,
                             opt_kwargs={"lr": 0.1, "momentum": 0.9},
                             note="total_steps = epochs * steps_per_epoch = 20"),
            R.scheduler_case("OneCycleLR_0.05_epochs3_steps4_linear", "OneCycleLR",
                             {"max_lr": 0.05, "epochs": 3, "steps_per_epoch": 4, "anneal_strategy": "linear",
                              "three_phase": True}, steps=11,
                             opt_kwargs={"lr": 0.1, "momentum": 0.9})]


def lbfgs_scheduled_case(name, lbfgs_kwargs, sched, sched_kwargs, steps, x0):
    """LBFGS on Rosenbrock, a scheduler stepped after each LBFGS step: the
    parameters, the objective and the learning rate after each step."""
    x = torch.tensor(x0).requires_grad_(True)
    opt = torch.optim.LBFGS([x], **lbfgs_kwargs)
    s = getattr(LR, sched)(opt, **sched_kwargs)
    problem = R.rosenbrock_problem("rosenbrock", x0)
    params, fvals, lrs = [R.tolist(x)], [], [float(opt.param_groups[0]["lr"])]
    for _ in range(steps):
        def closure():
            opt.zero_grad()
            f = R.objective(problem, x)
            f.backward()
            return f

        fvals.append(opt.step(closure).item())
        s.step()
        params.append(R.tolist(x))
        lrs.append(float(opt.param_groups[0]["lr"]))
    return {
        "name": name,
        "problem": "rosenbrock",
        "optimizer": "LBFGS",
        "kwargs": R.jsonable(lbfgs_kwargs),
        "scheduler": sched,
        "scheduler_kwargs": R.jsonable(sched_kwargs),
        "steps": steps,
        "params": params,
        "step_return": fvals,
        "lr": lrs,
        "note": "params[k] and lr[k] after k (LBFGS step, scheduler step) pairs; step_return[k] is the "
                "k-th step's return value (the objective where it started)",
    }


def build_lbfgs():
    return [lbfgs_scheduled_case("LBFGS_max_iter4_StepLR_2_0.5", {"lr": 1.0, "max_iter": 4},
                                 "StepLR", {"step_size": 2, "gamma": 0.5}, 8, [-1.5, 2.0]),
            lbfgs_scheduled_case("LBFGS_strong_wolfe_max_iter3_ExponentialLR_0.7",
                                 {"lr": 1.0, "max_iter": 3, "line_search_fn": "strong_wolfe"},
                                 "ExponentialLR", {"gamma": 0.7}, 6, [-1.2, 1.0])]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "tests", "data",
                                                              "torch_options.json")
    data = {**R.header(GEN, "torch options added after the public set: weighted BCE losses, "
                            "PoissonNLLLoss eps, ignore_index, Linear(bias=False), OneCycleLR from epochs, "
                            "LBFGS driven by a scheduler"),
            "losses": build_losses(),
            "layers": build_layers(),
            "schedulers": build_schedulers(),
            "lbfgs": build_lbfgs()}
    n = R.write_json(out, data)
    print(f"{out}: {n} bytes, torch {torch.__version__}")


if __name__ == "__main__":
    main()
