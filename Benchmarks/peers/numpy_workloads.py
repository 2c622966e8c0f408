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

import ctypes
import glob
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))   # harness.py, from any cwd
import harness  # noqa: E402
from harness import BATCH, LAYERS, LEARNING_RATE, check_losses  # noqa: E402

ENGINE = "numpy"
MLP_ENGINE = "numpy-manual"
WORKLOADS = ("matmul", "mlp-step")
DEFAULT_SIZES = (128, 256, 512, 1024)
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
OVERRIDE_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")   # reported, never changed here
SEED = 5                   # any data works (WORKLOADS.md W5); fixed for repeatability

np = None                  # numpy, imported by import_numpy() once the thread variables are set

REPORTER = harness.Reporter(
    "numpy_workloads", lambda: {"numpy": np.__version__ if np is not None else None})
emit, log = REPORTER.emit, REPORTER.log


def set_threads(threads: int) -> None:
    """Thread variables and CPU affinity for a threads-thread run (WORKLOADS.md, Threads).

    Must run before numpy is imported: OpenBLAS reads the variables when it is loaded. Its
    threads, started later, inherit the affinity mask.
    """
    harness.set_threads(threads, log, THREAD_VARS)


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


def run_matmul(sizes: list[int], threads: int, blas: dict) -> bool:
    """W5 at each n: check, then time `a @ b` (C allocated fresh by numpy per call)."""
    ok = True
    env = {v: os.environ[v] for v in OVERRIDE_VARS if v in os.environ}
    for n in sizes:
        a, b = matrices(n)
        problems = check_matmul(a, b)   # correctness first (untimed)
        if problems:
            ok = False
            REPORTER.fail("matmul", ENGINE, problems, n=n, threads=threads)
            continue
        stats = harness.time_repeated(lambda: a @ b)
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
            "cpus": harness.pinned_cpus(),
            **blas,
        }
        if env:
            record["openblas_env"] = env
        emit(record)
    return ok


# ---------------------------------------------------------------------------------------------
# W4: MLP training step, backprop by hand
# ---------------------------------------------------------------------------------------------

def mlp_data() -> dict:
    """W4's data as float32 arrays: X [64, 784], y, W1, W2, W3 ([in, out]), b1..b3 = 0.

    Every element is drawn in float64 and then rounded to float32 (C-contiguous, row-major).
    """
    def f32(values: list[float], shape: tuple):
        return np.array(values, dtype=np.float64).reshape(shape).astype(np.float32)

    data = harness.w4_data(f32, lambda n: np.zeros(n, dtype=np.float32))
    data["y"] = np.arange(BATCH) % 10
    return data


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
    problems += check_losses(first, tenth)
    return problems, first, tenth


def mlp_prepare() -> tuple:
    """Build the data and model, check the data sums and 11 steps (harness.Prepare)."""
    return harness.prepare_mlp_step(mlp_data(), lambda a: float(a.astype(np.float64).sum()),
                                    mlp_model, check_mlp)


def run_mlp(threads: int, blas: dict) -> bool:
    """W4: build the data and model, check 11 steps, then time steps (continuing training)."""
    env = {v: os.environ[v] for v in OVERRIDE_VARS if v in os.environ}
    return harness.run_mlp_step(REPORTER, MLP_ENGINE, threads, mlp_prepare,
                                {**blas, **({"openblas_env": env} if env else {})})


# ---------------------------------------------------------------------------------------------

def self_test(sizes: list[int]) -> bool:
    ok = True
    for n in sizes:
        ok = harness.self_test_report(log, "matmul", check_matmul(*matrices(n)),
                                      f"matmul n={n} ok") and ok
    return harness.self_test_mlp_step(log, mlp_prepare) and ok


def main(argv: list[str] | None = None) -> int:
    parser = harness.workload_parser(__doc__, WORKLOADS)
    harness.add_sizes_arg(parser, DEFAULT_SIZES, "N,N,...", "matrix sizes")
    harness.add_threads_arg(parser, "BLAS")
    harness.add_self_test_arg(parser, "float64")
    args = harness.parse_workload_args(parser, argv, WORKLOADS)
    sizes = harness.sizes_arg(parser, args)

    set_threads(args.threads)   # before numpy (and so OpenBLAS) is loaded
    import_numpy()
    blas = openblas_runtime()
    if "blas_threads" in blas and blas["blas_threads"] != args.threads:
        log(f"OpenBLAS reports {blas['blas_threads']} threads, expected {args.threads}")
    overrides = [f"{v}={os.environ[v]}" for v in OVERRIDE_VARS if v in os.environ]
    if overrides:
        log(f"warning: {' '.join(overrides)} set; OpenBLAS may run slower kernels than it could")

    return harness.run_workloads(args, lambda: self_test(sizes), {
        "matmul": lambda: run_matmul(sizes, args.threads, blas),
        "mlp-step": lambda: run_mlp(args.threads, blas),
    })


if __name__ == "__main__":
    sys.exit(main())
