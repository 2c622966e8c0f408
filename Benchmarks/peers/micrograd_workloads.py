#!/usr/bin/env python3
"""micrograd peer for Nabla's benchmarks (WORKLOADS.md W1 and W2).

Run it with the peer venv's python (see setup-venv.sh):

    ~/.venvs/nabla-peers/bin/python Benchmarks/peers/micrograd_workloads.py              # all
    ~/.venvs/nabla-peers/bin/python Benchmarks/peers/micrograd_workloads.py tutorial-dynamic
    ~/.venvs/nabla-peers/bin/python Benchmarks/peers/micrograd_workloads.py chain --chain-n 1000000
    ~/.venvs/nabla-peers/bin/python Benchmarks/peers/micrograd_workloads.py --self-test

Workloads:
  tutorial-dynamic  W1: build the tutorial graph with micrograd operators, backward, read grads.
  tutorial-static   micrograd has no static graph; the comparable unit is the same as
                    tutorial-dynamic (it must rebuild the graph for new inputs), measured again
                    and reported under this name with a "note".
  chain             W2: x_{i+1} = tanh(x_i*1.01 + 0.1), x_0 = 0.5, N steps, single shot.
                    Run in a fresh process: when "all" workloads run, the chain is started in a
                    child process of this script.

Every result is one JSON object per line on stdout:
  {"workload", "engine": "micrograd", "metric", "value", "unit", "best", "rounds", "iters", ...}
Diagnostics go to stderr.

--self-test checks the tutorial values and the chain gradient at N = 10/100/1000 against
WORKLOADS.md. Alone it runs only the checks; with workload names it runs them afterwards.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))   # harness.py, from any cwd
import harness  # noqa: E402
from micrograd.engine import Value  # noqa: E402

ENGINE = "micrograd"
WORKLOADS = ("tutorial-dynamic", "tutorial-static", "chain")
DEFAULT_CHAIN_N = 100_000

REPORTER = harness.Reporter("micrograd_workloads")
emit, log = REPORTER.emit, REPORTER.log


def pin_to_cpu0() -> None:
    """1 thread per WORKLOADS.md: pin to CPU 0 (threads started later inherit the mask)."""
    harness.set_thread_vars(1)   # irrelevant for pure-Python micrograd, set for consistency
    harness.pin_cpus(1, log)


# ---------------------------------------------------------------------------------------------
# W1: the tutorial graph
# ---------------------------------------------------------------------------------------------

def tutorial_unit() -> tuple[float, float, float]:
    """One timed repetition of W1: leaves, graph (eager forward), backward, read both gradients.

    Written exactly as the tutorial's dynamic implementation writes it, with micrograd's Value
    in place of the tutorial's Node (the two classes have the same operators).
    """
    a = Value(2.0)
    o = Value(1.0)
    b = Value(5.0) - a * 3
    c = b * 2 + 3
    d = b * 5 + 6
    e = c * 7 + d ** 2
    f = e * 2
    g = f * 3 - o
    g.backward()
    return g.data, a.grad, o.grad


def check_tutorial() -> None:
    g, da, do = tutorial_unit()
    assert g == 47, f"g = {g}, expected 47"
    assert da == -432, f"dg/da = {da}, expected -432"
    assert do == -1, f"dg/do = {do}, expected -1"


def run_tutorial(workload: str) -> bool:
    check_tutorial()  # correctness first (untimed)
    stats = harness.time_repeated(tutorial_unit)
    record = {
        "workload": workload,
        "engine": ENGINE,
        "metric": "time_per_rep",
        "value": stats["value"],
        "unit": "ns",
        "best": stats["best"],
        "rounds": stats["rounds"],
        "iters": stats["iters"],
        "threads": 1,
    }
    if workload == "tutorial-static":
        record["note"] = "micrograd has no static graph; same unit as tutorial-dynamic"
    emit(record)
    return True


# ---------------------------------------------------------------------------------------------
# W2: the deep chain
# ---------------------------------------------------------------------------------------------

def tanh(x: Value) -> Value:
    """tanh in micrograd's own style (micrograd 0.1.0 on PyPI has none)."""
    t = math.tanh(x.data)
    out = Value(t, (x,), 'tanh')

    def _backward():
        x.grad += (1 - t * t) * out.grad
    out._backward = _backward

    return out


def chain(n: int) -> dict:
    """Build the N-step chain, backward once from x_N; return timings, x_N and dx_N/dx_0."""
    clock = time.perf_counter_ns
    t0 = clock()
    x0 = Value(0.5)
    x = x0
    for _ in range(n):
        x = tanh(x * 1.01 + 0.1)   # three graph nodes per step: mul, add, tanh
    t1 = clock()
    x.backward()                   # micrograd's recursive topological sort, then the sweep
    grad = x0.grad
    t2 = clock()
    return {"forward_ns": t1 - t0, "backward_ns": t2 - t1, "x_n": x.data, "grad": grad}


def in_big_stack_thread(fn, n: int):
    """Run fn() in a thread whose C stack is large enough for micrograd's recursion at depth ~3N.

    The recursion limit is raised to 4N + 1000 (WORKLOADS.md: micrograd-raised-recursion-limit).
    Returns fn's result, or raises the exception it raised.
    """
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 4 * n + 1000))
    # ~1 KiB of C stack per level is generous for CPython 3.11 (Python-to-Python calls do not
    # nest C frames, but set/dict operations inside build_topo do); at least 64 MiB. The stack
    # is reserved virtual memory, touched only as deep as the recursion goes.
    stack = min(max(64 << 20, 4 * n * 1024), 8 << 30)
    old = threading.stack_size(stack)
    box: dict = {}

    def target():
        try:
            box["result"] = fn()
        except BaseException as err:  # noqa: BLE001 - reported to the caller
            box["error"] = err

    try:
        thread = threading.Thread(target=target, name="chain")
        thread.start()
        thread.join()
    finally:
        threading.stack_size(old)
    if "error" in box:
        raise box["error"]
    return box["result"]


# Reference values from WORKLOADS.md, W2 table.
CHAIN_REFERENCE = {
    10: (0.6206833317225723, 0.012573678074345949),
    100: (0.6219347411545191, 2.366974524963232e-21),
    1000: (0.6219347411545191, 1.2692950621883635e-208),
}
X_FIXED_POINT = 0.6219347411545191


def check_chain_result(n: int, res: dict) -> list[str]:
    """Return a list of problems with a chain result (empty when it is correct)."""
    problems = []
    x_n, grad = res["x_n"], res["grad"]
    if n in CHAIN_REFERENCE:
        ref_x, ref_g = CHAIN_REFERENCE[n]
        if not math.isclose(grad, ref_g, rel_tol=1e-12, abs_tol=0.0):
            problems.append(f"N={n}: dx_N/dx_0 = {grad!r}, expected {ref_g!r} (rel tol 1e-12)")
        # x_N may differ in the last ulp between tanh implementations.
        if abs(x_n - ref_x) > 4 * math.ulp(ref_x):
            problems.append(f"N={n}: x_N = {x_n!r}, expected {ref_x!r}")
    elif n >= 100_000:
        if not (math.isfinite(grad) and abs(grad) < 1e-300):
            problems.append(f"N={n}: dx_N/dx_0 = {grad!r}, expected finite and < 1e-300")
        if abs(x_n - X_FIXED_POINT) > 4 * math.ulp(X_FIXED_POINT):
            problems.append(f"N={n}: x_N = {x_n!r}, expected {X_FIXED_POINT!r}")
    return problems


def run_chain(n: int) -> None:
    """W2, single shot in this (fresh) process. Emits the four metrics, or a failure record."""
    base = {"workload": "chain", "engine": ENGINE, "n": n, "rounds": 1, "iters": 1, "threads": 1}
    try:
        res = in_big_stack_thread(lambda: chain(n), n)
    except (RecursionError, MemoryError) as err:
        emit({**base, "metric": "works", "value": False, "unit": "bool",
              "error": f"{type(err).__name__}: {err}"})
        return

    problems = check_chain_result(n, res)
    fwd_s = res["forward_ns"] / 1e9
    bwd_s = res["backward_ns"] / 1e9
    total_s = fwd_s + bwd_s
    extra = {"works": not problems, "x_n": res["x_n"], "grad": res["grad"]}
    if problems:
        extra["error"] = "; ".join(problems)
        log("chain check failed: " + extra["error"])
    for metric, value, unit in (
        ("forward_time", fwd_s, "s"),
        ("backward_time", bwd_s, "s"),
        ("total_time", total_s, "s"),
        ("ns_per_node_total", total_s * 1e9 / (3 * n), "ns"),
    ):
        emit({**base, "metric": metric, "value": value, "unit": unit, "best": value, **extra})


def run_chain_in_child(n: int) -> bool:
    """Run the chain in a fresh child process (WORKLOADS.md: single shot, fresh process).

    The child's stdout (JSON lines) is passed through; a crash is reported as a failure record.
    """
    cmd = [sys.executable, os.path.abspath(__file__), "chain", "--chain-n", str(n)]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    sys.stdout.write(proc.stdout)
    sys.stdout.flush()
    if proc.returncode != 0:
        emit({"workload": "chain", "engine": ENGINE, "n": n, "metric": "works", "value": False,
              "unit": "bool", "error": f"child exited with status {proc.returncode}"})
        return False
    return True


# ---------------------------------------------------------------------------------------------

def self_test() -> bool:
    ok = True
    try:
        check_tutorial()
        log("self-test: tutorial g=47, dg/da=-432, dg/do=-1 ok")
    except AssertionError as err:
        log(f"self-test: tutorial FAILED: {err}")
        ok = False
    for n in sorted(CHAIN_REFERENCE):
        res = in_big_stack_thread(lambda: chain(n), n)
        ok = harness.self_test_report(
            log, "chain", check_chain_result(n, res),
            f"chain N={n} x_N={res['x_n']!r} grad={res['grad']!r} ok") and ok
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = harness.workload_parser(__doc__, WORKLOADS)
    parser.add_argument("--chain-n", type=int, default=DEFAULT_CHAIN_N,
                        help=f"chain length N (default {DEFAULT_CHAIN_N})")
    harness.add_self_test_arg(parser, "WORKLOADS.md")
    args = harness.parse_workload_args(parser, argv, WORKLOADS)
    if args.chain_n < 1:
        parser.error("--chain-n must be >= 1")

    pin_to_cpu0()

    def run_chain_workload() -> bool:
        if args.workloads:
            run_chain(args.chain_n)          # this process was started for it: fresh
            return True
        return run_chain_in_child(args.chain_n)

    return harness.run_workloads(args, self_test, {
        "tutorial-dynamic": lambda: run_tutorial("tutorial-dynamic"),
        "tutorial-static": lambda: run_tutorial("tutorial-static"),
        "chain": run_chain_workload,
    })


if __name__ == "__main__":
    code = main()
    # Skip interpreter teardown: freeing millions of cyclic Values after a large chain takes
    # seconds and measures nothing.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
