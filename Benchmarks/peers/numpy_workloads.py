#!/usr/bin/env python3
"""NumPy peer for Nabla's benchmarks (WORKLOADS.md W5: float32 matmul; W4: MLP step by hand).

Run with the peer venv's python (see setup-venv.sh):

    ~/.venvs/nabla-peers/bin/python Benchmarks/peers/numpy_workloads.py matmul --threads 1
    ~/.venvs/nabla-peers/bin/python Benchmarks/peers/numpy_workloads.py matmul --threads 2
    ~/.venvs/nabla-peers/bin/python Benchmarks/peers/numpy_workloads.py matmul --sizes 256,512
    ~/.venvs/nabla-peers/bin/python Benchmarks/peers/numpy_workloads.py mlp-step --threads 2
    ~/.venvs/nabla-peers/bin/python Benchmarks/peers/numpy_workloads.py --self-test

Workloads:
  matmul  W5: C = A @ B for square n x n float32 matrices, A and B uniform [-1, 1), C fresh per
          call (plain `a @ b`), n in 128, 256, 512, 1024 (--sizes). Metric matmul_gflops =
          2 n^3 / seconds / 1e9, the median round. Engine "numpy".
  mlp-step  W4: one SGD step of the 784-256-128-10 ReLU MLP on WORKLOADS.md's LCG data (X from
          LCG(7), W1, W2, W3 from one LCG(8), zero biases, weights [in, out] so a layer is
          x @ W + b), float32, with hand-written backprop: the softmax cross-entropy gradient
          (softmax - onehot) / 64, ReLU masks (derivative 1 where the pre-activation is > 0),
          matmuls; then p -= 0.01 * grad in place. Metric steps_per_s, the median round.
          Engine "numpy-manual": no autodiff, the BLAS floor.

Threads (WORKLOADS.md, Threads): --threads 1 pins this process to CPU 0, --threads 2 to CPUs 0
and 1, and OPENBLAS_NUM_THREADS = OMP_NUM_THREADS = MKL_NUM_THREADS = the count. OpenBLAS reads
those when it is loaded, so this script sets them before it imports numpy (compare.py also sets
them in the environment it starts the script with). One thread count per process: run the script
once per count (WORKLOADS.md, Isolation).

The script does not touch OPENBLAS_CORETYPE or OPENBLAS_L2_SIZE: on this machine kind the
environment may set them, and they roughly halve OpenBLAS (WORKLOADS.md, peer figures).
compare.py removes them from the peer's environment; run by hand, unset them yourself
(`env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE ...`). Each record reports the core OpenBLAS
chose ("blas_core") and the two variables' values where set ("openblas_env").

Every result is one JSON object per line on stdout:
  {"workload": "matmul", "engine": "numpy", "metric": "matmul_gflops", "value", "unit": "GFLOP/s",
   "n", "threads", "best", "rounds", "iters", "blas", ...}
  {"workload": "mlp-step", "engine": "numpy-manual", "metric": "steps_per_s", "value",
   "unit": "steps/s", "threads", "best", "rounds", "iters", "loss_step0", "loss_after_10", ...}
Diagnostics go to stderr.

--self-test checks a few entries of C against float64 dot products, and mlp-step's data sums, its
loss at step 0 (2.3044254779815674) and after 10 updates (2.2911059856414795), relative 1e-5
(these checks are also done, untimed, before each workload is timed; a failure is reported as a
"works": false record). Alone it runs only the checks; with workload names it runs them first.
"""

from __future__ import annotations

import argparse
import ctypes
import glob
import json
import os
import platform
import statistics
import sys
import time

ENGINE = "numpy"
MLP_ENGINE = "numpy-manual"
WORKLOADS = ("matmul", "mlp-step")
DEFAULT_SIZES = (128, 256, 512, 1024)
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
OVERRIDE_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")   # reported, never changed here
SEED = 5                   # any data works (WORKLOADS.md W5); fixed for repeatability

# W4 (WORKLOADS.md): shapes, data seeds, learning rate and the expected values.
BATCH = 64
LAYERS = ((784, 256), (256, 128), (128, 10))
X_SEED, W_SEED = 7, 8
LEARNING_RATE = 0.01
LOSS_STEP0 = 2.3044254779815674
LOSS_AFTER_10 = 2.2911059856414795
DATA_SUMS = {"X": 195.58283427904826, "W1": 0.04001665798045906, "W2": -4.570351224539991,
             "W3": -2.811662500083912}
REL_TOL = 1e-5             # float32 losses (WORKLOADS.md W4)

# Timing parameters (WORKLOADS.md, Conventions / Timing).
ROUNDS = 7                 # R = 5..9
ROUND_TARGET_S = 0.25      # K is chosen so that one round takes about 0.2-0.3 s
WARMUP_S = 0.1             # untimed warm-up before calibration (BLAS buffers, thread start-up)

np = None                  # numpy, imported by import_numpy() once the thread variables are set


def emit(record: dict) -> None:
    """Print one result record as a JSON line (flushed, so a parent process sees it at once)."""
    record.setdefault("numpy", np.__version__ if np is not None else None)
    record.setdefault("python", platform.python_version())
    print(json.dumps(record), flush=True)


def log(msg: str) -> None:
    print(f"numpy_workloads: {msg}", file=sys.stderr, flush=True)


def set_threads(threads: int) -> None:
    """Thread variables and CPU affinity for a threads-thread run (WORKLOADS.md, Threads).

    Must run before numpy is imported: OpenBLAS reads the variables when it is loaded. Its
    threads, started later, inherit the affinity mask.
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


def import_numpy() -> None:
    global np
    import numpy
    np = numpy


# ---------------------------------------------------------------------------------------------
# BLAS introspection (without threadpoolctl)
# ---------------------------------------------------------------------------------------------

def openblas_runtime() -> dict:
    """What the OpenBLAS that numpy loaded says about itself: config string, core, threads.

    numpy's wheels bundle scipy-openblas in numpy.libs/ with prefixed symbols
    (scipy_openblas_get_config64_ ...). The library is already loaded by numpy, so dlopen-ing it
    again returns the same instance. Fields that cannot be read are left out.
    """
    info: dict = {}
    libs = os.path.join(os.path.dirname(os.path.dirname(np.__file__)), "numpy.libs")
    candidates = sorted(glob.glob(os.path.join(libs, "*openblas*.so*")))
    for path in candidates:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix, suffix in (("scipy_openblas", "64_"), ("scipy_openblas", ""), ("openblas", "")):
            get_config = getattr(lib, f"{prefix}_get_config{suffix}", None)
            if get_config is None:
                continue
            get_config.restype = ctypes.c_char_p
            info["blas"] = get_config().decode().strip()
            get_core = getattr(lib, f"{prefix}_get_corename{suffix}", None)
            if get_core is not None:
                get_core.restype = ctypes.c_char_p
                info["blas_core"] = get_core().decode().strip()
            get_threads = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
            if get_threads is not None:
                get_threads.restype = ctypes.c_int
                info["blas_threads"] = get_threads()
            return info
    # Fall back to the build-time configuration string numpy records.
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        config = blas.get("openblas configuration") or f"{blas.get('name')} {blas.get('version')}"
        info["blas"] = config.strip() + " (build-time configuration)"
    except Exception:  # noqa: BLE001 - introspection is best effort
        pass
    return info


# ---------------------------------------------------------------------------------------------
# W5: float32 matmul
# ---------------------------------------------------------------------------------------------

def matrices(n: int):
    """A and B, n x n float32, uniform [-1, 1), C-contiguous."""
    rng = np.random.default_rng(SEED + n)
    a = (rng.random((n, n), dtype=np.float32) * 2 - 1).astype(np.float32)
    b = (rng.random((n, n), dtype=np.float32) * 2 - 1).astype(np.float32)
    return a, b


def check_matmul(a, b) -> list[str]:
    """Problems with a @ b at a few entries, against float64 dot products (empty: correct)."""
    n = a.shape[0]
    c = a @ b
    problems = []
    if c.dtype != np.float32 or c.shape != (n, n):
        problems.append(f"n={n}: C has dtype {c.dtype} and shape {c.shape}")
        return problems
    for i, j in ((0, 0), (n - 1, n - 1), (n // 2, n // 3)):
        exact = float(np.dot(a[i, :].astype(np.float64), b[:, j].astype(np.float64)))
        if abs(float(c[i, j]) - exact) > 1e-4 * n:
            problems.append(f"n={n}: C[{i}][{j}] = {float(c[i, j])!r}, expected {exact!r}")
    return problems


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


def run_matmul(sizes: list[int], threads: int, blas: dict) -> bool:
    """W5 at each n: check, then time `a @ b` (C allocated fresh by numpy per call)."""
    ok = True
    env = {v: os.environ[v] for v in OVERRIDE_VARS if v in os.environ}
    for n in sizes:
        a, b = matrices(n)
        problems = check_matmul(a, b)   # correctness first (untimed)
        if problems:
            ok = False
            log("matmul check failed: " + "; ".join(problems))
            emit({"workload": "matmul", "engine": ENGINE, "metric": "works", "value": False,
                  "unit": "bool", "n": n, "threads": threads, "error": "; ".join(problems)})
            continue
        stats = time_repeated(lambda: a @ b)
        flops = 2.0 * n * n * n
        record = {
            "workload": "matmul",
            "engine": ENGINE,
            "metric": "matmul_gflops",
            "value": flops / stats["value"],   # flops per ns = GFLOP/s
            "unit": "GFLOP/s",
            "n": n,
            "threads": threads,
            "best": flops / stats["best"],     # the fastest round
            "rounds": stats["rounds"],
            "iters": stats["iters"],
            "time_per_rep_ns": stats["value"],
            "cpus": sorted(os.sched_getaffinity(0)),
            **blas,
        }
        if env:
            record["openblas_env"] = env
        emit(record)
    return ok


# ---------------------------------------------------------------------------------------------
# W4: MLP training step, backprop by hand
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


def rel_err(value: float, expected: float) -> float:
    return abs(value - expected) / abs(expected)


def mlp_data() -> dict:
    """W4's data as float32 arrays: X [64, 784], y, W1, W2, W3 ([in, out]), b1..b3 = 0.

    Every element is drawn in float64 and then rounded to float32 (C-contiguous, row-major).
    """
    def f32(values: list[float], shape: tuple):
        return np.array(values, dtype=np.float64).reshape(shape).astype(np.float32)

    data = {"X": f32(LCG(X_SEED).uniform(-1.0, 1.0, BATCH * 784), (BATCH, 784)),
            "y": np.arange(BATCH) % 10}
    rng = LCG(W_SEED)
    for k, (fan_in, fan_out) in enumerate(LAYERS, start=1):
        bound = 1.0 / float(np.sqrt(fan_in))
        data[f"W{k}"] = f32(rng.uniform(-bound, bound, fan_in * fan_out), (fan_in, fan_out))
        data[f"b{k}"] = np.zeros(fan_out, dtype=np.float32)
    return data


def check_mlp_data(data: dict) -> list[str]:
    """Problems with the float64 sums of X, W1, W2, W3 (WORKLOADS.md W4; empty: correct)."""
    problems = []
    for name, expected in DATA_SUMS.items():
        total = float(data[name].astype(np.float64).sum())
        if rel_err(total, expected) > 1e-12:
            problems.append(f"sum({name}) = {total!r}, expected {expected!r}")
    return problems


def mlp_model(data: dict):
    """The parameters (fresh copies, updated in place) and the step function.

    step() runs one SGD step and returns the loss (float32, before the update).
    """
    x, y = data["X"], data["y"]
    w1, b1, w2, b2, w3, b3 = (data[k].copy() for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
    onehot = np.zeros((BATCH, LAYERS[-1][1]), dtype=np.float32)
    onehot[np.arange(BATCH), y] = 1.0
    rows = np.arange(BATCH)

    def step():
        # Forward.
        a1 = x @ w1 + b1
        h1 = np.maximum(a1, 0)
        a2 = h1 @ w2 + b2
        h2 = np.maximum(a2, 0)
        z = h2 @ w3 + b3
        zmax = z.max(axis=1, keepdims=True)
        e = np.exp(z - zmax)
        s = e.sum(axis=1, keepdims=True)
        lse = zmax[:, 0] + np.log(s[:, 0])                 # logsumexp(z_i)
        loss = (lse - z[rows, y]).mean()                   # mean_i (logsumexp(z_i) - z_i[y_i])
        # Backward: d loss / dz = (softmax - onehot) / B, then through the layers.
        dz = (e / s - onehot) / BATCH
        gw3 = h2.T @ dz
        gb3 = dz.sum(axis=0)
        da2 = (dz @ w3.T) * (a2 > 0)
        gw2 = h1.T @ da2
        gb2 = da2.sum(axis=0)
        da1 = (da2 @ w2.T) * (a1 > 0)
        gw1 = x.T @ da1
        gb1 = da1.sum(axis=0)
        # Update, in place.
        for p, g in ((w1, gw1), (b1, gb1), (w2, gw2), (b2, gb2), (w3, gw3), (b3, gb3)):
            p -= LEARNING_RATE * g
        return loss

    return step


def check_mlp(step) -> tuple[list[str], float, float]:
    """Run 11 steps: problems with the loss at step 0 and after 10 updates, and both losses."""
    first = step()
    for _ in range(9):
        step()
    tenth = step()   # the loss computed after 10 updates
    problems = []
    if first.dtype != np.float32:
        problems.append(f"loss has dtype {first.dtype}, expected float32")
    first, tenth = float(first), float(tenth)
    if not rel_err(first, LOSS_STEP0) <= REL_TOL:
        problems.append(f"loss at step 0 = {first!r}, expected {LOSS_STEP0!r}")
    if not rel_err(tenth, LOSS_AFTER_10) <= REL_TOL:
        problems.append(f"loss after 10 updates = {tenth!r}, expected {LOSS_AFTER_10!r}")
    return problems, first, tenth


def run_mlp(threads: int, blas: dict) -> bool:
    """W4: build the data and model, check 11 steps, then time steps (continuing training)."""
    data = mlp_data()
    problems = check_mlp_data(data)
    first = tenth = None
    if not problems:
        step = mlp_model(data)
        problems, first, tenth = check_mlp(step)
    if problems:
        log("mlp-step check failed: " + "; ".join(problems))
        emit({"workload": "mlp-step", "engine": MLP_ENGINE, "metric": "works", "value": False,
              "unit": "bool", "threads": threads, "error": "; ".join(problems)})
        return False
    stats = time_repeated(step)
    record = {
        "workload": "mlp-step",
        "engine": MLP_ENGINE,
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
        **blas,
    }
    env = {v: os.environ[v] for v in OVERRIDE_VARS if v in os.environ}
    if env:
        record["openblas_env"] = env
    emit(record)
    return True


# ---------------------------------------------------------------------------------------------

def self_test(sizes: list[int]) -> bool:
    ok = True
    for n in sizes:
        problems = check_matmul(*matrices(n))
        if problems:
            ok = False
            for p in problems:
                log(f"self-test: matmul FAILED: {p}")
        else:
            log(f"self-test: matmul n={n} ok")
    data = mlp_data()
    problems = check_mlp_data(data)
    if not problems:
        problems, first, tenth = check_mlp(mlp_model(data))
        if not problems:
            log(f"self-test: mlp-step ok (loss {first!r} at step 0, {tenth!r} after 10 updates)")
    for p in problems:
        ok = False
        log(f"self-test: mlp-step FAILED: {p}")
    return ok


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
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), metavar="N,N,...",
                        help=f"matrix sizes (default {','.join(map(str, DEFAULT_SIZES))})")
    parser.add_argument("--threads", type=int, choices=(1, 2), default=1,
                        help="BLAS threads, and CPUs pinned: 1 -> CPU 0, 2 -> CPUs 0,1 (default 1)")
    parser.add_argument("--self-test", action="store_true",
                        help="check results against float64; alone, runs only the checks")
    args = parser.parse_args(argv)
    for workload in args.workloads:
        if workload not in WORKLOADS:
            parser.error(f"unknown workload {workload!r} (choose from {', '.join(WORKLOADS)})")
    try:
        sizes = parse_sizes(args.sizes)
    except ValueError:
        parser.error(f"--sizes must be positive integers separated by commas, not {args.sizes!r}")

    set_threads(args.threads)   # before numpy (and so OpenBLAS) is loaded
    import_numpy()
    blas = openblas_runtime()
    if "blas_threads" in blas and blas["blas_threads"] != args.threads:
        log(f"OpenBLAS reports {blas['blas_threads']} threads, expected {args.threads}")
    overrides = [f"{v}={os.environ[v]}" for v in OVERRIDE_VARS if v in os.environ]
    if overrides:
        log(f"warning: {' '.join(overrides)} set; OpenBLAS may run slower kernels than it could")

    if args.self_test:
        if not self_test(sizes):
            return 1
        if not args.workloads:
            return 0

    status = 0
    for workload in args.workloads or WORKLOADS:
        if workload == "matmul" and not run_matmul(sizes, args.threads, blas):
            status = 1
        if workload == "mlp-step" and not run_mlp(args.threads, blas):
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
