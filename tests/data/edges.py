"""PyTorch's behaviour on non-finite numbers, for tests/edges.rs.

Run: python3 tests/data/edges.py > tests/data/edges.json
Non-finite floats are written as the strings "nan", "inf" and "-inf".
"""
import json
import math

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def enc(x):
    if isinstance(x, torch.Tensor):
        return [enc(v) for v in x.reshape(-1).tolist()]
    if isinstance(x, (list, tuple)):
        return [enc(v) for v in x]
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


out = {"torch_version": torch.__version__}

# Activations at NaN, ±inf and ±1000: values and input gradients.
points = [float("nan"), float("inf"), float("-inf"), 1000.0, -1000.0, 0.5, -0.5]
acts = {
    "relu": lambda x: F.relu(x),
    "leaky_relu": lambda x: F.leaky_relu(x, 0.01),
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "softplus": lambda x: F.softplus(x, 1.0, 20.0),
    "elu": lambda x: F.elu(x, 1.0),
    "gelu": lambda x: F.gelu(x),
    "silu": F.silu,
}
out["activations"] = {}
for name, f in acts.items():
    x = torch.tensor(points, requires_grad=True)
    y = f(x)
    (g,) = torch.autograd.grad(y.sum(), x)
    out["activations"][name] = {"x": enc(points), "y": enc(y.detach()), "grad": enc(g)}

# Optimizers: two steps on p = [1, 2, 3, 4, 5], the first gradient holding
# NaN and ±inf, the second finite.
grads = [
    [float("nan"), float("inf"), float("-inf"), 0.5, 1.0],
    [0.1, 0.2, 0.3, 0.4, 0.5],
]
optimizers = {
    "Sgd": lambda p: torch.optim.SGD(p, lr=0.1),
    "SgdMomentum": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
    "Adam": lambda p: torch.optim.Adam(p, lr=0.1),
    "AdamAmsgrad": lambda p: torch.optim.Adam(p, lr=0.1, amsgrad=True),
    "AdamW": lambda p: torch.optim.AdamW(p, lr=0.1),
    "Adagrad": lambda p: torch.optim.Adagrad(p, lr=0.1),
    "Adadelta": lambda p: torch.optim.Adadelta(p, lr=1.0),
    "RmsProp": lambda p: torch.optim.RMSprop(p, lr=0.01),
    "RmsPropCentered": lambda p: torch.optim.RMSprop(p, lr=0.01, centered=True, momentum=0.5),
    "NAdam": lambda p: torch.optim.NAdam(p, lr=0.1),
    "RAdam": lambda p: torch.optim.RAdam(p, lr=0.1),
    "Adamax": lambda p: torch.optim.Adamax(p, lr=0.1),
}
out["optimizers"] = {}
for name, make in optimizers.items():
    p = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0], requires_grad=True)
    opt = make([p])
    steps = []
    for g in grads:
        p.grad = torch.tensor(g)
        opt.step()
        steps.append(enc(p.detach()))
    out["optimizers"][name] = {"grads": enc(grads), "params": steps}

# L-BFGS on f(p) = Σ w_i (p_i − c_i)² with a NaN weight (bad data): the loss
# and one gradient component are NaN from the start.
out["lbfgs"] = {}
for name, ls in [("none", None), ("strong_wolfe", "strong_wolfe")]:
    w = torch.tensor([float("nan"), 1.0, 2.0])
    c = torch.tensor([1.0, -1.0, 0.5])
    p = torch.tensor([0.0, 0.0, 0.0], requires_grad=True)
    opt = torch.optim.LBFGS([p], lr=1.0, max_iter=20, history_size=5, line_search_fn=ls)
    evals = [0]

    def closure():
        evals[0] += 1
        opt.zero_grad()
        loss = (w * (p - c) ** 2).sum()
        loss.backward()
        return loss

    losses = [enc(opt.step(closure).item()) for _ in range(2)]
    state = opt.state[p]
    out["lbfgs"][name] = {
        "losses": losses,
        "params": enc(p.detach()),
        "func_evals": state["func_evals"],
        "n_iter": state["n_iter"],
        "closure_calls": evals[0],
    }

# clip_grad_norm_ on non-finite gradients.
out["clip_grad_norm"] = []
for grad, norm_type in [
    ([float("nan"), 1.0, 2.0], 2.0),
    ([float("inf"), 1.0, 2.0], 2.0),
    ([float("-inf"), 1.0, 2.0], float("inf")),
    ([float("nan"), 1.0, 2.0], float("inf")),
    ([float("nan"), 1.0, 2.0], 1.0),
    ([3.0, 4.0, 0.0], 2.0),
]:
    p = torch.zeros(3, requires_grad=True)
    p.grad = torch.tensor(grad)
    norm = torch.nn.utils.clip_grad_norm_([p], 1.0, norm_type)
    q = torch.zeros(3, requires_grad=True)
    q.grad = torch.tensor(grad)
    try:
        torch.nn.utils.clip_grad_norm_([q], 1.0, norm_type, error_if_nonfinite=True)
        error = None
    except RuntimeError as e:
        error = str(e)
    out["clip_grad_norm"].append({
        "grad": enc(grad),
        "norm_type": enc(norm_type),
        "max_norm": 1.0,
        "norm": enc(norm.item()),
        "clipped": enc(p.grad),
        "error_if_nonfinite": error,
        "grad_after_error": enc(q.grad),
    })

# Losses with one NaN in the input (and one in the target where torch
# accepts float targets): the value and the input gradient.
x = torch.tensor([0.3, float("nan"), -0.7, 0.9])
t = torch.tensor([0.5, 0.1, -0.2, 0.4])
p = torch.tensor([0.3, float("nan"), 0.6, 0.9])
y = torch.tensor([1.0, 0.0, 1.0, 0.0])
losses = {
    "l1": (x, t, lambda a, b: F.l1_loss(a, b)),
    "mse": (x, t, lambda a, b: F.mse_loss(a, b)),
    "huber": (x, t, lambda a, b: F.huber_loss(a, b, delta=1.0)),
    "smooth_l1": (x, t, lambda a, b: F.smooth_l1_loss(a, b, beta=1.0)),
    "bce": (p, y, lambda a, b: F.binary_cross_entropy(a, b)),
    "bce_with_logits": (x, y, lambda a, b: F.binary_cross_entropy_with_logits(a, b)),
    "poisson_nll": (x, t.abs(), lambda a, b: F.poisson_nll_loss(a, b)),
    "kl_div": (x, t.abs(), lambda a, b: F.kl_div(a, b, reduction="sum")),
}
out["losses_nan"] = {}
for name, (a, b, f) in losses.items():
    a = a.clone().requires_grad_(True)
    try:
        v = f(a, b)
    except RuntimeError as e:
        # torch refuses (BCELoss checks 0 <= p <= 1, which NaN fails).
        out["losses_nan"][name] = {"input": enc(a.detach()), "target": enc(b), "error": str(e)}
        continue
    (g,) = torch.autograd.grad(v, a)
    out["losses_nan"][name] = {"input": enc(a.detach()), "target": enc(b), "value": enc(v.item()), "grad": enc(g)}
# cross_entropy and nll over 3 classes, 2 samples, the first logit NaN.
logits = torch.tensor([[float("nan"), 0.5, -0.5], [1.0, 2.0, 3.0]], requires_grad=True)
target = torch.tensor([1, 2])
v = F.cross_entropy(logits, target)
(g,) = torch.autograd.grad(v, logits)
out["losses_nan"]["cross_entropy"] = {"input": enc(logits.detach()), "target": [1, 2], "value": enc(v.item()), "grad": enc(g)}
logp = torch.tensor([[float("nan"), -0.5, -1.5], [-1.0, -2.0, -0.1]], requires_grad=True)
v = F.nll_loss(logp, target)
(g,) = torch.autograd.grad(v, logp)
out["losses_nan"]["nll"] = {"input": enc(logp.detach()), "target": [1, 2], "value": enc(v.item()), "grad": enc(g)}

# ReduceLROnPlateau fed NaN metrics: a NaN is never better than the best.
metrics = [1.0, 0.5, float("nan"), float("nan"), float("nan"), 0.1, float("nan"), float("nan")]
p = torch.zeros(1, requires_grad=True)
opt = torch.optim.SGD([p], lr=1.0)
sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=1, factor=0.5)
lrs = []
for m in metrics:
    sched.step(m)
    lrs.append(opt.param_groups[0]["lr"])
out["plateau_nan"] = {"metrics": enc(metrics), "lrs": lrs, "best": enc(sched.best)}

print(json.dumps(out, indent=1))
