#!/usr/bin/env python3
"""micrograd peer for Nabla's benchmarks (WORKLOADS.md W1, W2 and W3).

Run it with the peer venv's python (see setup-venv.sh):

    ~/.venvs/nabla-peers/bin/python Benchmarks/peers/micrograd_workloads.py              # all
    ~/.venvs/nabla-peers/bin/python Benchmarks/peers/micrograd_workloads.py tutorial-dynamic
    ~/.venvs/nabla-peers/bin/python Benchmarks/peers/micrograd_workloads.py chain --chain-n 1000000
    ~/.venvs/nabla-peers/bin/python Benchmarks/peers/micrograd_workloads.py micrograd-demo-step \
        --engines micrograd-gc-off
    ~/.venvs/nabla-peers/bin/python Benchmarks/peers/micrograd_workloads.py --self-test

Workloads:
  tutorial-dynamic  W1: build the tutorial graph with micrograd operators, backward, read grads.
  tutorial-static   micrograd has no static graph; the comparable unit is the same as
                    tutorial-dynamic (it must rebuild the graph for new inputs), measured again
                    and reported under this name with a "note".
  chain             W2: x_{i+1} = tanh(x_i*1.01 + 0.1), x_0 = 0.5, N steps, single shot.
                    Run in a fresh process: when "all" workloads run, the chain is started in a
                    child process of this script.
  micrograd-demo-step
                    W3: micrograd's demo, MLP(2, [16, 16, 1]) (micrograd.nn.MLP, its parameters
                    overwritten in parameters() order from LCG(1337)) trained full-batch on the
                    100 two-moons points from LCG(42), max-margin loss + 1e-4 L2, lr =
                    1.0 - 0.9*k/100. One training run per engine: steps 0..99, each timed
                    alone, then the loss after 100 steps. Metric time_per_step (ms), the median
                    over steps 1.. (step 0 left out), best the fastest step. Engines (--engines,
                    default both, one run each):
                      micrograd         the cyclic GC on (Python's default). Its steps take
                                        ~1.5 s, so only steps 0..N-1 are timed (--gc-on-steps,
                                        default 6: the median over 5 steps); the run then goes
                                        on to step 99 untimed, as micrograd-gc-off does.
                      micrograd-gc-off  GC disabled during each step, gc.collect() between
                                        steps, untimed; every step is timed (99 in the median).
                    The losses at steps 0, 1, 2, 5, 10, 20, 50, 99 and after 100 steps, and the
                    accuracy at step 0 and after 100 steps, are checked against WORKLOADS.md
                    (relative 1e-12 to step 10, 1e-9 later: micrograd's gradient sums run in
                    an address-dependent order); they are in the record, and a failed check is
                    a "works": false record instead of the timing.

Every result is one JSON object per line on stdout:
  {"workload", "engine": "micrograd", "metric", "value", "unit", "best", "rounds", "iters", ...}
W3's record: {"workload": "micrograd-demo-step", "engine": "micrograd" | "micrograd-gc-off",
  "metric": "time_per_step", "value", "unit": "ms", "threads": 1, "best", "rounds" (steps
  timed), "iters": 1, "step0_ms", "gc", "loss_step0", "accuracy_step0", "loss_after_100",
  "accuracy_after_100", "losses" (by step), "trajectory_max_rel_err", ...}
Diagnostics go to stderr.

--self-test checks the tutorial values, the chain gradient at N = 10/100/1000 and W3's data,
parameters and 100-step loss trajectory (with the GC off) against WORKLOADS.md. Alone it runs
only the checks; with workload names it runs them afterwards.
"""

from __future__ import annotations

import gc
import math
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))   # harness.py, from any cwd
import harness  # noqa: E402
from micrograd.engine import Value  # noqa: E402
from micrograd.nn import MLP  # noqa: E402

ENGINE = "micrograd"
WORKLOADS = ("tutorial-dynamic", "tutorial-static", "chain", harness.DEMO_WORKLOAD)
DEFAULT_CHAIN_N = 100_000
DEMO_ENGINES = ("micrograd", "micrograd-gc-off")   # W3's engines, in the order they run
DEFAULT_GC_ON_STEPS = 6                            # W3 with the GC on: steps 0..5 timed

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
# W3: micrograd's demo MLP on two moons
# ---------------------------------------------------------------------------------------------

def demo_model() -> MLP:
    """micrograd's MLP(2, [16, 16, 1]) with WORKLOADS.md's initial parameters: every p.data
    overwritten, in parameters() order, from harness.demo_parameters() (biases 0.0)."""
    model = MLP(2, [16, 16, 1])
    params = model.parameters()
    values = harness.demo_parameters()
    assert len(params) == len(values), (len(params), len(values))
    for p, v in zip(params, values):
        p.data = v
        p.grad = 0.0
    return model


def demo_loss(model: MLP, points: list, labels: list) -> tuple[Value, float]:
    """micrograd's demo loss, written as its demo writes it: inputs wrapped in Values, scores,
    max-margin losses relu(1 + -y*score) summed left to right and scaled by 1/100, plus
    1e-4 * Σ p*p in parameter order; and the accuracy."""
    inputs = [list(map(Value, xrow)) for xrow in points]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(labels, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = harness.DEMO_ALPHA * sum((p * p for p in model.parameters()))
    total_loss = data_loss + reg_loss
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(labels, scores)]
    return total_loss, sum(accuracy) / len(accuracy)


def demo_step_fn(model: MLP, points: list, labels: list):
    """W3's timed unit, step(k, lr): loss, zero_grad, backward, p.data -= lr * p.grad (as the
    demo's training loop, with lr = 1.0 - 0.9*k/100 passed in). Returns (loss, accuracy)."""
    def step(k: int, lr: float) -> tuple[float, float]:
        total_loss, acc = demo_loss(model, points, labels)
        model.zero_grad()
        total_loss.backward()
        for p in model.parameters():
            p.data -= lr * p.grad
        return total_loss.data, acc
    return step


def demo_run(engine: str, gc_on_steps: int) -> dict:
    """One W3 training run (harness.demo_trajectory) for an engine; times_ns are the timed
    steps' times from step 1 on.

    micrograd: steps 0 .. gc_on_steps-1 with the GC on (as Python leaves it: no collection
    between them either), then the rest with the GC off, untimed. micrograd-gc-off (and the
    self-test's run): every step with the GC disabled, gc.collect() before each step, untimed.
    """
    points, labels = harness.demo_data()
    model = demo_model()
    timed = gc_on_steps if engine == "micrograd" else harness.DEMO_STEPS

    def gc_on(k: int) -> bool:
        return engine == "micrograd" and k < gc_on_steps

    def before(k: int) -> None:
        if not gc_on(k):
            gc.collect()        # the previous steps' graphs (reference cycles): untimed
            gc.disable()

    def after(k: int) -> None:
        gc.enable()

    def evaluate() -> tuple[float, float]:
        total_loss, acc = demo_loss(model, points, labels)
        return total_loss.data, acc

    was_enabled = gc.isenabled()
    gc.enable()
    try:
        run = harness.demo_trajectory(demo_step_fn(model, points, labels), evaluate,
                                      before, after)
    finally:
        gc.collect()
        if not was_enabled:
            gc.disable()
    run["timed_steps_ns"] = run["times_ns"][1:timed]
    return run


def run_demo(engines: list[str], gc_on_steps: int) -> bool:
    """W3 for each engine: one checked training run, its steps timed; the time_per_step record,
    or a "works": false record where the data or the trajectory check failed."""
    ok = True
    input_problems = harness.check_demo_inputs()
    for engine in engines:
        if input_problems:
            REPORTER.fail(harness.DEMO_WORKLOAD, engine, input_problems, threads=1)
            ok = False
            continue
        log(f"{harness.DEMO_WORKLOAD} {engine}: training 100 steps")
        run = demo_run(engine, gc_on_steps)
        problems, worst = harness.check_demo_trajectory(run, tensor=False)
        if problems:
            REPORTER.fail(harness.DEMO_WORKLOAD, engine, problems, threads=1)
            ok = False
            continue
        steps = len(run["timed_steps_ns"])
        gc_mode = (f"on (Python's default) for the timed steps 0..{steps}; off for the rest"
                   if engine == "micrograd"
                   else "off during each step; gc.collect() between steps, untimed")
        emit(harness.demo_time_record(engine, run["timed_steps_ns"], {
            "steps_timed": f"1..{steps}",
            "step0_ms": run["times_ns"][0] / 1e6,
            "gc": gc_mode,
            **harness.demo_check_fields(run, worst),
        }))
    return ok


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
    log("self-test: micrograd-demo-step: training 100 steps with the GC off (untimed)")
    ok = harness.demo_self_test(log, "micrograd-demo-step", demo_run("micrograd-gc-off", 0),
                                tensor=False) and ok
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = harness.workload_parser(__doc__, WORKLOADS)
    parser.add_argument("--chain-n", type=int, default=DEFAULT_CHAIN_N,
                        help=f"chain length N (default {DEFAULT_CHAIN_N})")
    parser.add_argument("--engines", default=",".join(DEMO_ENGINES), metavar="E,E",
                        help=f"{harness.DEMO_WORKLOAD}'s engines, of {', '.join(DEMO_ENGINES)} "
                             "(default both)")
    parser.add_argument("--gc-on-steps", type=int, default=DEFAULT_GC_ON_STEPS, metavar="N",
                        help=f"{harness.DEMO_WORKLOAD} with the GC on: steps 0..N-1 are timed "
                             f"(the median over steps 1..N-1; default {DEFAULT_GC_ON_STEPS})")
    harness.add_self_test_arg(parser, "WORKLOADS.md")
    args = harness.parse_workload_args(parser, argv, WORKLOADS)
    if args.chain_n < 1:
        parser.error("--chain-n must be >= 1")
    if not 2 <= args.gc_on_steps <= harness.DEMO_STEPS:
        parser.error(f"--gc-on-steps must be 2..{harness.DEMO_STEPS}")
    engines = args.engines.replace(",", " ").split()
    if not engines or any(e not in DEMO_ENGINES for e in engines):
        parser.error(f"--engines must name some of {', '.join(DEMO_ENGINES)}, "
                     f"not {args.engines!r}")

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
        harness.DEMO_WORKLOAD: lambda: run_demo(engines, args.gc_on_steps),
    })


if __name__ == "__main__":
    code = main()
    # Skip interpreter teardown: freeing millions of cyclic Values after a large chain takes
    # seconds and measures nothing.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
