#!/usr/bin/env python3
"""JAX (CPU) peer for Nabla's chain-scan workload: W2's chain as a compiled loop.

    ~/.venvs/nabla-peers/bin/python Benchmarks/peers/jax_chain_scan.py [--n 1000000]

The chain of WORKLOADS.md W2 in float64 (jax.enable_x64): x_0 = 0.5,
x_{i+1} = tanh(x_i * 1.01 + 0.1) for i = 0 .. N-1, written as jax.lax.fori_loop, and
f = jax.jit(jax.value_and_grad(chain)): x_N and dx_N/dx_0 from one call. Threads = 1 (CPU 0,
XLA's single-thread flags, as jax_workloads.py sets them).

Records (one JSON line each):
  compile_plus_first_call_seconds  jax.jit, tracing, XLA compilation and the first call, until
                                   its results are ready (first in this process: a fresh one).
  steady_forward_backward_seconds  the median of later calls (harness.time_repeated), each
                                   blocking until its results are ready.
Correctness, checked first (untimed): at N = 10, 100 and 1000, x_N and dx_N/dx_0 against
WORKLOADS.md's table to 1e-12 relative; at large N, x_N and a finite gradient below 1e-300.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

XLA_SINGLE_THREAD = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
EXPECTED = {10: (0.6206833317225723, 0.012573678074345949),
            100: (0.6219347411545191, 2.366974524963232e-21),
            1000: (0.6219347411545191, 1.2692950621883635e-208)}
FIXED_POINT = 0.6219347411545191

REPORTER = harness.Reporter("jax_chain_scan")
emit, log = REPORTER.emit, REPORTER.log


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000, help="loop steps (default 1,000,000)")
    args = parser.parse_args(argv)

    harness.set_threads(1, log, ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"))
    os.environ["XLA_FLAGS"] = XLA_SINGLE_THREAD
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    def make(n: int):
        def chain(x0):
            return jax.lax.fori_loop(0, n, lambda i, x: jnp.tanh(x * 1.01 + 0.1), x0)
        return jax.jit(jax.value_and_grad(chain))

    n = args.n
    x0 = jnp.float64(0.5)
    start = time.perf_counter()
    f = make(n)
    value, grad = jax.block_until_ready(f(x0))
    first = time.perf_counter() - start

    problems = []
    for small, (xn, dx) in EXPECTED.items():
        v, g = jax.block_until_ready(make(small)(x0))
        if harness.rel_err(float(v), xn) > 1e-12 or harness.rel_err(float(g), dx) > 1e-12:
            problems.append(f"N = {small}: got ({float(v)!r}, {float(g)!r}), expected ({xn!r}, {dx!r})")
    if n >= 100_000 and (abs(float(value) - FIXED_POINT) > 1e-15 or not (abs(float(grad)) < 1e-300)):
        problems.append(f"N = {n}: got ({float(value)!r}, {float(grad)!r})")
    if problems:
        REPORTER.fail("chain-scan", "jax-jit", problems, n=n, threads=1)
        return 1

    common = {"workload": "chain-scan", "engine": "jax-jit", "n": n, "threads": 1, "jax": jax.__version__}
    emit({**common, "metric": "compile_plus_first_call_seconds", "value": first, "unit": "s"})
    stats = harness.time_repeated(lambda: jax.block_until_ready(f(x0)))
    emit({**common, "metric": "steady_forward_backward_seconds", "value": stats["value"] / 1e9, "unit": "s",
          "best": stats["best"] / 1e9, "rounds": stats["rounds"], "iters": stats["iters"]})
    return 0


if __name__ == "__main__":
    sys.exit(main())
