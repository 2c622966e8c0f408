#!/usr/bin/env python3
"""PyTorch (eager) peer for Nabla's benchmarks (WORKLOADS.md W6 and W4).

Run it with the peer venv's python (see setup-venv.sh, which installs torch):

    ~/.venvs/nabla-peers/bin/python Benchmarks/peers/torch_workloads.py perop
    ~/.venvs/nabla-peers/bin/python Benchmarks/peers/torch_workloads.py mlp-step --threads 1
    ~/.venvs/nabla-peers/bin/python Benchmarks/peers/torch_workloads.py mlp-step --threads 2
    ~/.venvs/nabla-peers/bin/python Benchmarks/peers/torch_workloads.py --self-test

Workloads:
  perop     W6: x = torch.ones(S, float32, requires_grad=True), created inside the timed unit,
            S in 1, 8 (--sizes); y = x; for i in 0..999: y = y * 1.0001 (i even) or
            y + 0.0001 (i odd); L = y.sum(); L.backward(); read x.grad. Metrics
            us_per_op_fwd_bwd = time per repetition / 1000 in µs, and us_per_op_fwd_only (the
            same forward, recorded for autograd, and L, with no backward). Threads = 1 only.
  mlp-step  W4: one SGD step of the 784-256-128-10 ReLU MLP on WORKLOADS.md's LCG data (X from
            LCG(7), W1, W2, W3 from one LCG(8), zero biases, weights [in, out] so a layer is
            x @ W + b), loss F.cross_entropy (mean over the batch of logsumexp(z_i) - z_i[y_i]);
            zero the grads, backward, p -= 0.01 * p.grad under no_grad. Metric steps_per_s,
            the median round, at --threads 1 or 2.

Threads (WORKLOADS.md, Threads): --threads 1 pins this process to CPU 0, --threads 2 to CPUs 0
and 1; OMP_NUM_THREADS = MKL_NUM_THREADS = OPENBLAS_NUM_THREADS = the count are set before torch
is imported, then torch.set_num_threads(count) and torch.set_num_interop_threads(1). One thread
count per process: run the script once per count (WORKLOADS.md, Isolation). perop runs at
threads = 1 only; with --threads 2 it is skipped (with a message).

Every result is one JSON object per line on stdout:
  {"workload": "perop", "engine": "torch-eager", "metric": "us_per_op_fwd_bwd", "value",
   "unit": "µs", "size", "threads", "best", "rounds", "iters", ...}
  {"workload": "mlp-step", "engine": "torch-eager", "metric": "steps_per_s", "value",
   "unit": "steps/s", "threads", "best", "rounds", "iters", "loss_step0", "loss_after_10", ...}
Diagnostics go to stderr.

Correctness, checked (untimed) before each workload is timed: perop's dL/dx =
1.0512770414352417 per element (float32, relative 1e-5); mlp-step's data sums (WORKLOADS.md W4),
the loss at step 0 = 2.3044254779815674 and after 10 updates = 2.2911059856414795 (relative
1e-5). A failed check is reported as a "works": false record and the workload is not timed.
--self-test runs only the checks; with workload names it runs them first.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))   # harness.py, from any cwd
import harness  # noqa: E402
from harness import BATCH, LEARNING_RATE, REL_TOL, check_losses, rel_err  # noqa: E402

ENGINE = "torch-eager"
WORKLOADS = ("perop", "mlp-step")
DEFAULT_SIZES = (1, 8)     # W6: S in {1, 8}
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")

# W6 (WORKLOADS.md): 1000 recorded ops, and dL/dx as float32 peers give it.
PEROP_OPS = 1000
PEROP_GRAD = 1.0512770414352417

torch = None               # imported by import_torch() once the thread variables are set
F = None                   # torch.nn.functional

REPORTER = harness.Reporter(
    "torch_workloads", lambda: {"torch": torch.__version__ if torch is not None else None})
emit, log = REPORTER.emit, REPORTER.log


def set_threads(threads: int) -> None:
    """Thread variables and CPU affinity for a threads-thread run (WORKLOADS.md, Threads).

    Must run before torch is imported: OpenMP and MKL read the variables when they are loaded.
    Their threads, started later, inherit the affinity mask.
    """
    harness.set_threads(threads, log, THREAD_VARS)


def import_torch(threads: int) -> None:
    global torch, F
    import torch as torch_module
    import torch.nn.functional as functional
    torch, F = torch_module, functional
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)   # no inter-op parallelism in eager mode; keep it idle
    if torch.get_num_threads() != threads:
        log(f"torch reports {torch.get_num_threads()} threads, expected {threads}")


def runtime_info() -> dict:
    """Fields describing torch's CPU backend, for the records."""
    info = {"torch_threads": torch.get_num_threads()}
    try:
        info["cpu_capability"] = torch.backends.cpu.get_cpu_capability()
    except Exception:  # noqa: BLE001 - introspection is best effort
        pass
    info["mkl"] = bool(torch.backends.mkl.is_available())
    info["mkldnn"] = bool(torch.backends.mkldnn.is_available())
    return info


# ---------------------------------------------------------------------------------------------
# W6: per-op overhead
# ---------------------------------------------------------------------------------------------

def perop_unit(size: int, backward: bool = True):
    """One timed repetition of W6: create x, 1000 recorded ops, L, backward, read x.grad.

    The loop is written as 500 (mul, add) pairs: the same op sequence as "i even: mul, i odd:
    add" for i in 0..999, without a modulo per op. With backward False: the forward only
    (recorded for autograd, since x requires grad), and L.
    """
    x = torch.ones(size, dtype=torch.float32, requires_grad=True)
    y = x
    for _ in range(PEROP_OPS // 2):
        y = y * 1.0001
        y = y + 0.0001
    loss = y.sum()
    if not backward:
        return loss
    loss.backward()
    return x.grad


def check_perop(size: int) -> list[str]:
    """Problems with W6's dL/dx at this size (empty: correct)."""
    grad = perop_unit(size)
    problems = []
    if grad is None or grad.dtype != torch.float32 or tuple(grad.shape) != (size,):
        return [f"size={size}: x.grad is {grad!r}"]
    for i, g in enumerate(grad.tolist()):
        if rel_err(g, PEROP_GRAD) > REL_TOL:
            problems.append(f"size={size}: dL/dx[{i}] = {g!r}, expected {PEROP_GRAD!r}")
            break
    return problems


def run_perop(sizes: list[int], threads: int, info: dict) -> bool:
    """W6 at each size: check, then time fwd+bwd and fwd only."""
    if threads != 1:
        log("perop runs at threads = 1 only (WORKLOADS.md W6); skipped with --threads "
            f"{threads}")
        return True
    ok = True
    for size in sizes:
        problems = check_perop(size)   # correctness first (untimed)
        if problems:
            ok = False
            REPORTER.fail("perop", ENGINE, problems, size=size, threads=threads)
            continue
        for metric, backward in (("us_per_op_fwd_bwd", True), ("us_per_op_fwd_only", False)):
            stats = harness.time_repeated(lambda: perop_unit(size, backward))
            emit({
                "workload": "perop",
                "engine": ENGINE,
                "metric": metric,
                "value": stats["value"] / PEROP_OPS / 1e3,   # ns per rep -> µs per op
                "unit": "µs",
                "size": size,
                "threads": threads,
                "best": stats["best"] / PEROP_OPS / 1e3,
                "rounds": stats["rounds"],
                "iters": stats["iters"],
                "time_per_rep_ns": stats["value"],
                "cpus": harness.pinned_cpus(),
                **info,
            })
    return ok


# ---------------------------------------------------------------------------------------------
# W4: MLP training step
# ---------------------------------------------------------------------------------------------

def mlp_data() -> dict:
    """W4's data as float32 tensors: X [64, 784], y (int64), W1, W2, W3 ([in, out]), b1..b3 = 0.

    Every element is drawn in float64 and then rounded to float32.
    """
    def f32(values: list[float], shape: tuple) -> "torch.Tensor":
        return torch.tensor(values, dtype=torch.float64).reshape(shape).to(torch.float32)

    data = harness.w4_data(f32, lambda n: torch.zeros(n, dtype=torch.float32))
    data["y"] = torch.arange(BATCH, dtype=torch.int64) % 10
    return data


def mlp_model(data: dict):
    """The parameters (leaves requiring grad) and the step function."""
    params = [data[k].clone().requires_grad_(True) for k in ("W1", "b1", "W2", "b2", "W3", "b3")]
    w1, b1, w2, b2, w3, b3 = params
    x, y = data["X"], data["y"]

    def step():
        h1 = torch.relu(x @ w1 + b1)
        h2 = torch.relu(h1 @ w2 + b2)
        z = h2 @ w3 + b3
        loss = F.cross_entropy(z, y)   # mean_i (logsumexp(z_i) - z_i[y_i])
        for p in params:               # zero the grads (optimizer.zero_grad's set_to_none)
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= LEARNING_RATE * p.grad
        return loss

    return params, step


def check_mlp(step) -> tuple[list[str], float, float]:
    """Run 11 steps: problems with the loss at step 0 and after 10 updates, and both losses."""
    first = step().item()
    for _ in range(9):
        step()
    tenth = step().item()   # the loss computed after 10 updates
    return check_losses(first, tenth), first, tenth


def mlp_prepare() -> tuple:
    """Build the data and model, check the data sums and 11 steps (harness.Prepare)."""
    return harness.prepare_mlp_step(mlp_data(), lambda t: float(t.to(torch.float64).sum()),
                                    lambda data: mlp_model(data)[1], check_mlp)


def run_mlp(threads: int, info: dict) -> bool:
    """W4: build the data and model, check 11 steps, then time steps (continuing training)."""
    return harness.run_mlp_step(REPORTER, ENGINE, threads, mlp_prepare, info)


# ---------------------------------------------------------------------------------------------

def self_test(sizes: list[int]) -> bool:
    ok = True
    for size in sizes:
        ok = harness.self_test_report(log, "perop", check_perop(size),
                                      f"perop size={size} ok") and ok
    return harness.self_test_mlp_step(log, mlp_prepare) and ok


def main(argv: list[str] | None = None) -> int:
    parser = harness.workload_parser(__doc__, WORKLOADS)
    harness.add_sizes_arg(parser, DEFAULT_SIZES, "S,S,...", "perop tensor sizes")
    harness.add_threads_arg(parser, "torch")
    harness.add_self_test_arg(parser, "WORKLOADS.md")
    args = harness.parse_workload_args(parser, argv, WORKLOADS)
    sizes = harness.sizes_arg(parser, args)

    set_threads(args.threads)   # before torch (and so OpenMP/MKL) is loaded
    import_torch(args.threads)
    info = runtime_info()

    return harness.run_workloads(args, lambda: self_test(sizes), {
        "perop": lambda: run_perop(sizes, args.threads, info),
        "mlp-step": lambda: run_mlp(args.threads, info),
    })


if __name__ == "__main__":
    sys.exit(main())
