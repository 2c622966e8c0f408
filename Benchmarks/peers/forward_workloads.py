#!/usr/bin/env python3
"""PyTorch and JAX peers for Nabla's forward-mode workloads (issue 12; WORKLOADS.md, "JVP and
Jacobians"), one thread, float32:

  mlp-jvp         the JVP of W4's MLP forward pass (784-256-128-10, batch 64, zero biases) with
                  respect to (W1, W2, W3) along (W1, W2, W3); the logits are homogeneous of
                  degree 3 in the weights, so the JVP is 3·z (the check). Engines: torch-func
                  (torch.func.jvp, eager) and jax-jit (jax.jit(lambda w, v: jax.jvp(f, w, v))).
                  Metric jvps_per_s.
  jacobian-4x256  the Jacobian of f(x) = tanh(tanh(x A1) A2), x of 4 entries, A1 [4, 64],
                  A2 [64, 256]: forward (jacfwd: 4 JVPs) against reverse (jacrev: 256 VJPs).
                  Engines torch-func (torch.func.jacfwd/jacrev, eager) and jax-jit (jitted
                  jax.jacfwd/jacrev). Metric time_per_jacobian (µs) and the ratio.

Run with the peer venv (threads pinned to 1):
    ~/.venvs/nabla-peers/bin/python Benchmarks/peers/forward_workloads.py [mlp-jvp] [jacobian-4x256]
"""

from __future__ import annotations

import os
import sys

for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "XLA_FLAGS"):
    os.environ[var] = "1" if var != "XLA_FLAGS" else "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

reporter = harness.Reporter("forward_workloads")


def emit(workload: str, engine: str, metric: str, value: float, unit: str, **extra) -> None:
    reporter.emit({"workload": workload, "engine": engine, "metric": metric, "value": value, "unit": unit,
                   "threads": 1, **extra})


def torch_mlp_jvp() -> None:
    import torch
    from torch.func import jvp
    torch.set_num_threads(1)
    data = harness.w4_data(lambda v, s: torch.tensor(v, dtype=torch.float64).reshape(s).to(torch.float32),
                           lambda n: torch.zeros(n, dtype=torch.float32))
    x, b1, b2, b3 = data["X"], data["b1"], data["b2"], data["b3"]
    weights = (data["W1"], data["W2"], data["W3"])

    def logits(w1, w2, w3):
        return torch.relu(torch.relu(x @ w1 + b1) @ w2 + b2) @ w3 + b3

    z, dz = jvp(logits, weights, weights)
    err = (dz - 3 * z).abs().max().item()
    assert err <= 1e-4 * z.abs().max().item(), err
    t = harness.time_repeated(lambda: jvp(logits, weights, weights))
    emit("mlp-jvp", "torch-func", "jvps_per_s", 1e9 / t["value"], "jvps/s", best=1e9 / t["best"],
         rounds=t["rounds"], iters=t["iters"], torch=torch.__version__)


def jax_mlp_jvp() -> None:
    import jax
    import jax.numpy as jnp
    import numpy as np
    data = harness.w4_data(lambda v, s: np.asarray(v, dtype=np.float64).reshape(s).astype(np.float32),
                           lambda n: np.zeros(n, dtype=np.float32))
    x, b1, b2, b3 = (jnp.asarray(data[k]) for k in ("X", "b1", "b2", "b3"))
    weights = tuple(jnp.asarray(data[k]) for k in ("W1", "W2", "W3"))

    def logits(w):
        return jax.nn.relu(jax.nn.relu(x @ w[0] + b1) @ w[1] + b2) @ w[2] + b3

    f = jax.jit(lambda w, v: jax.jvp(logits, (w,), (v,)))
    z, dz = f(weights, weights)
    err = float(jnp.abs(dz - 3 * z).max())
    assert err <= 1e-4 * float(jnp.abs(z).max()), err
    t = harness.time_repeated(lambda: jax.block_until_ready(f(weights, weights)))
    emit("mlp-jvp", "jax-jit", "jvps_per_s", 1e9 / t["value"], "jvps/s", best=1e9 / t["best"],
         rounds=t["rounds"], iters=t["iters"], jax=jax.__version__)


def jacobian_data():
    import numpy as np
    rng = np.random.default_rng(12)
    a1 = rng.uniform(-0.5, 0.5, (4, 64)).astype(np.float32)
    a2 = rng.uniform(-0.125, 0.125, (64, 256)).astype(np.float32)
    x = rng.uniform(-1, 1, (4,)).astype(np.float32)
    return a1, a2, x


def torch_jacobian() -> None:
    import torch
    from torch.func import jacfwd, jacrev
    torch.set_num_threads(1)
    a1, a2, x = (torch.from_numpy(a) for a in jacobian_data())

    def f(v):
        return torch.tanh(torch.tanh(v @ a1) @ a2)

    times = {}
    for name, transform in (("forward", jacfwd), ("reverse", jacrev)):
        j = transform(f)(x)
        assert tuple(j.shape) == (256, 4)
        times[name] = harness.time_repeated(lambda: transform(f)(x))["value"]
    ratio = times["reverse"] / times["forward"]
    emit("jacobian-4x256", "torch-func-forward", "time_per_jacobian", times["forward"] / 1e3, "µs", passes=4)
    emit("jacobian-4x256", "torch-func-reverse", "time_per_jacobian", times["reverse"] / 1e3, "µs", passes=256,
         reverse_over_forward=ratio)


def jax_jacobian() -> None:
    import jax
    import jax.numpy as jnp
    a1, a2, x = (jnp.asarray(a) for a in jacobian_data())

    def f(v):
        return jnp.tanh(jnp.tanh(v @ a1) @ a2)

    times = {}
    for name, transform in (("forward", jax.jacfwd), ("reverse", jax.jacrev)):
        g = jax.jit(transform(f))
        assert g(x).shape == (256, 4)
        times[name] = harness.time_repeated(lambda: jax.block_until_ready(g(x)))["value"]
    ratio = times["reverse"] / times["forward"]
    emit("jacobian-4x256", "jax-jit-forward", "time_per_jacobian", times["forward"] / 1e3, "µs", passes=4)
    emit("jacobian-4x256", "jax-jit-reverse", "time_per_jacobian", times["reverse"] / 1e3, "µs", passes=256,
         reverse_over_forward=ratio)


def main(argv: list[str]) -> int:
    names = argv or ["mlp-jvp", "jacobian-4x256"]
    for name in names:
        if name == "mlp-jvp":
            torch_mlp_jvp()
            jax_mlp_jvp()
        elif name == "jacobian-4x256":
            torch_jacobian()
            jax_jacobian()
        else:
            reporter.log(f"unknown workload {name!r}")
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
