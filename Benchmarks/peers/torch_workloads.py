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

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time

ENGINE = "torch-eager"
WORKLOADS = ("perop", "mlp-step")
DEFAULT_SIZES = (1, 8)     # W6: S in {1, 8}
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")

# W6 (WORKLOADS.md): 1000 recorded ops, and dL/dx as float32 peers give it.
PEROP_OPS = 1000
PEROP_GRAD = 1.0512770414352417

# W4 (WORKLOADS.md): shapes, data seeds, learning rate and the expected values.
BATCH = 64
LAYERS = ((784, 256), (256, 128), (128, 10))
X_SEED, W_SEED = 7, 8
LEARNING_RATE = 0.01
LOSS_STEP0 = 2.3044254779815674
LOSS_AFTER_10 = 2.2911059856414795
DATA_SUMS = {"X": 195.58283427904826, "W1": 0.04001665798045906, "W2": -4.570351224539991,
             "W3": -2.811662500083912}
REL_TOL = 1e-5             # float32 results (WORKLOADS.md W4, W6)

# Timing parameters (WORKLOADS.md, Conventions / Timing).
ROUNDS = 7                 # R = 5..9
ROUND_TARGET_S = 0.25      # K is chosen so that one round takes about 0.2-0.3 s
WARMUP_S = 0.1             # untimed warm-up before calibration (allocator caches, thread start-up)

torch = None               # imported by import_torch() once the thread variables are set
F = None                   # torch.nn.functional


def emit(record: dict) -> None:
    """Print one result record as a JSON line (flushed, so a parent process sees it at once)."""
    record.setdefault("torch", torch.__version__ if torch is not None else None)
    record.setdefault("python", platform.python_version())
    print(json.dumps(record), flush=True)


def log(msg: str) -> None:
    print(f"torch_workloads: {msg}", file=sys.stderr, flush=True)


def set_threads(threads: int) -> None:
    """Thread variables and CPU affinity for a threads-thread run (WORKLOADS.md, Threads).

    Must run before torch is imported: OpenMP and MKL read the variables when they are loaded.
    Their threads, started later, inherit the affinity mask.
    """
    for var in THREAD_VARS:
        if os.environ.get(var) not in (None, str(threads)):
            log(f"{var}={os.environ[var]} in the environment; setting it to {threads}")
        os.environ[var] = str(threads)
    cpus = set(range(threads))
    try:
        os.sched_setaffinity(0, cpus)
    except OSError as err:  # e.g. a container whose cpuset excludes CPU 0
        allowed = sorted(os.sched_getaffinity(0))
        log(f"cannot pin to CPUs {sorted(cpus)} ({err}); pinning to CPUs {allowed[:threads]} instead")
        os.sched_setaffinity(0, set(allowed[:threads]))


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


def rel_err(value: float, expected: float) -> float:
    return abs(value - expected) / abs(expected)


# ---------------------------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------------------------

def time_repeated(unit) -> dict:
    """Warm up, pick K so a round takes ~ROUND_TARGET_S, run ROUNDS rounds of K reps.

    Returns the per-repetition median over rounds (value) and fastest round (best), in ns.
    """
    clock = time.perf_counter_ns

    # Warm-up: at least one repetition, and ~WARMUP_S of them.
    unit()
    start = clock()
    while clock() - start < WARMUP_S * 1e9:
        unit()

    # Calibrate: double k until a batch takes >= 20 ms, then scale to the round target.
    k = 1
    while True:
        t0 = clock()
        for _ in range(k):
            unit()
        elapsed = clock() - t0
        if elapsed >= 20_000_000:
            break
        k *= 2
    per_rep = elapsed / k
    iters = max(1, round(ROUND_TARGET_S * 1e9 / per_rep))

    per_rep_ns = []
    for _ in range(ROUNDS):
        t0 = clock()
        for _ in range(iters):
            unit()
        per_rep_ns.append((clock() - t0) / iters)

    return {
        "value": statistics.median(per_rep_ns),
        "best": min(per_rep_ns),
        "rounds": ROUNDS,
        "iters": iters,
    }


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
            log("perop check failed: " + "; ".join(problems))
            emit({"workload": "perop", "engine": ENGINE, "metric": "works", "value": False,
                  "unit": "bool", "size": size, "threads": threads, "error": "; ".join(problems)})
            continue
        for metric, backward in (("us_per_op_fwd_bwd", True), ("us_per_op_fwd_only", False)):
            stats = time_repeated(lambda: perop_unit(size, backward))
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
                "cpus": sorted(os.sched_getaffinity(0)),
                **info,
            })
    return ok


# ---------------------------------------------------------------------------------------------
# W4: MLP training step
# ---------------------------------------------------------------------------------------------

class LCG:
    """WORKLOADS.md's shared 64-bit LCG: next() uses the new state's top 53 bits."""
    MASK = (1 << 64) - 1

    def __init__(self, seed: int) -> None:
        self.state = seed & self.MASK

    def next(self) -> float:
        self.state = (6364136223846793005 * self.state + 1442695040888963407) & self.MASK
        return (self.state >> 11) * 2.0 ** -53

    def uniform(self, lo: float, hi: float, count: int) -> list[float]:
        """count values lo + (hi - lo) * next(), in Double, in this order."""
        return [lo + (hi - lo) * self.next() for _ in range(count)]


def mlp_data() -> dict:
    """W4's data as float32 tensors: X [64, 784], y (int64), W1, W2, W3 ([in, out]), b1..b3 = 0.

    Every element is drawn in float64 and then rounded to float32.
    """
    def f32(values: list[float], shape: tuple) -> "torch.Tensor":
        return torch.tensor(values, dtype=torch.float64).reshape(shape).to(torch.float32)

    data = {"X": f32(LCG(X_SEED).uniform(-1.0, 1.0, BATCH * 784), (BATCH, 784)),
            "y": torch.arange(BATCH, dtype=torch.int64) % 10}
    rng = LCG(W_SEED)
    for k, (fan_in, fan_out) in enumerate(LAYERS, start=1):
        bound = 1.0 / math.sqrt(fan_in)
        data[f"W{k}"] = f32(rng.uniform(-bound, bound, fan_in * fan_out), (fan_in, fan_out))
        data[f"b{k}"] = torch.zeros(fan_out, dtype=torch.float32)
    return data


def check_data(data: dict) -> list[str]:
    """Problems with the float64 sums of X, W1, W2, W3 (WORKLOADS.md W4; empty: correct)."""
    problems = []
    for name, expected in DATA_SUMS.items():
        total = float(data[name].to(torch.float64).sum())
        if rel_err(total, expected) > 1e-12:
            problems.append(f"sum({name}) = {total!r}, expected {expected!r}")
    return problems


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
    problems = []
    if not rel_err(first, LOSS_STEP0) <= REL_TOL:
        problems.append(f"loss at step 0 = {first!r}, expected {LOSS_STEP0!r}")
    if not rel_err(tenth, LOSS_AFTER_10) <= REL_TOL:
        problems.append(f"loss after 10 updates = {tenth!r}, expected {LOSS_AFTER_10!r}")
    return problems, first, tenth


def run_mlp(threads: int, info: dict) -> bool:
    """W4: build the data and model, check 11 steps, then time steps (continuing training)."""
    data = mlp_data()
    problems = check_data(data)
    first = tenth = None
    if not problems:
        _, step = mlp_model(data)
        problems, first, tenth = check_mlp(step)
    if problems:
        log("mlp-step check failed: " + "; ".join(problems))
        emit({"workload": "mlp-step", "engine": ENGINE, "metric": "works", "value": False,
              "unit": "bool", "threads": threads, "error": "; ".join(problems)})
        return False
    stats = time_repeated(step)
    emit({
        "workload": "mlp-step",
        "engine": ENGINE,
        "metric": "steps_per_s",
        "value": 1e9 / stats["value"],
        "unit": "steps/s",
        "threads": threads,
        "best": 1e9 / stats["best"],   # the fastest round
        "rounds": stats["rounds"],
        "iters": stats["iters"],
        "time_per_step_ns": stats["value"],
        "loss_step0": first,
        "loss_after_10": tenth,
        "cpus": sorted(os.sched_getaffinity(0)),
        **info,
    })
    return True


# ---------------------------------------------------------------------------------------------

def self_test(sizes: list[int]) -> bool:
    ok = True
    for size in sizes:
        problems = check_perop(size)
        ok = ok and not problems
        for p in problems:
            log(f"self-test: perop FAILED: {p}")
        if not problems:
            log(f"self-test: perop size={size} ok")
    data = mlp_data()
    problems = check_data(data)
    if not problems:
        _, step = mlp_model(data)
        problems, first, tenth = check_mlp(step)
        if not problems:
            log(f"self-test: mlp-step ok (loss {first!r} at step 0, {tenth!r} after 10 updates)")
    for p in problems:
        log(f"self-test: mlp-step FAILED: {p}")
    return ok and not problems


def parse_sizes(text: str) -> list[int]:
    sizes = [int(s) for s in text.replace(",", " ").split()]
    if not sizes or any(n < 1 for n in sizes):
        raise ValueError(text)
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    # (No argparse `choices` here: with nargs="*" Python 3.11 also checks the empty default.)
    parser.add_argument("workloads", nargs="*", metavar="WORKLOAD",
                        help=f"one or more of {', '.join(WORKLOADS)}; none runs all")
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), metavar="S,S,...",
                        help=f"perop tensor sizes (default {','.join(map(str, DEFAULT_SIZES))})")
    parser.add_argument("--threads", type=int, choices=(1, 2), default=1,
                        help="torch threads, and CPUs pinned: 1 -> CPU 0, 2 -> CPUs 0,1 (default 1)")
    parser.add_argument("--self-test", action="store_true",
                        help="check results against WORKLOADS.md; alone, runs only the checks")
    args = parser.parse_args(argv)
    for workload in args.workloads:
        if workload not in WORKLOADS:
            parser.error(f"unknown workload {workload!r} (choose from {', '.join(WORKLOADS)})")
    try:
        sizes = parse_sizes(args.sizes)
    except ValueError:
        parser.error(f"--sizes must be positive integers separated by commas, not {args.sizes!r}")

    set_threads(args.threads)   # before torch (and so OpenMP/MKL) is loaded
    import_torch(args.threads)
    info = runtime_info()

    if args.self_test:
        if not self_test(sizes):
            return 1
        if not args.workloads:
            return 0

    status = 0
    for workload in args.workloads or WORKLOADS:
        if workload == "perop" and not run_perop(sizes, args.threads, info):
            status = 1
        if workload == "mlp-step" and not run_mlp(args.threads, info):
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
