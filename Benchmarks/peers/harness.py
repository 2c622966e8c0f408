"""Shared pieces of Nabla's peer benchmark scripts (micrograd_workloads.py, numpy_workloads.py,
torch_workloads.py, jax_workloads.py), following Benchmarks/WORKLOADS.md:

  - timing: warm-up, then ROUNDS rounds of K back-to-back repetitions, K chosen so that a round
    takes about ROUND_TARGET_S; the median round is the value, the fastest the best;
  - threads: the BLAS/OpenMP thread variables and the CPU affinity for a 1- or 2-thread run;
  - reporting: one JSON object per line on stdout, diagnostics on stderr;
  - W4's data and checks: the shared LCG, the shapes, seeds and expected values;
  - W3's (micrograd-demo-step): the two-moons data, the initial parameters, the learning rate
    schedule, the expected loss trajectory and its check, and per-step timing of training runs.

Standard library only. The scripts are run as `python path/to/script.py`; each puts its own
directory on sys.path before `import harness`, so this works from any working directory.
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
from typing import Callable, Iterable

# ---------------------------------------------------------------------------------------------
# Timing (WORKLOADS.md, Conventions / Timing)
# ---------------------------------------------------------------------------------------------

ROUNDS = 7                 # R = 5..9
ROUND_TARGET_S = 0.25      # K is chosen so that one round takes about 0.2-0.3 s
WARMUP_S = 0.1             # untimed warm-up before calibration (caches, BLAS buffers, threads)
CALIBRATE_NS = 20_000_000  # calibration: double K until a batch takes at least this long


def time_repeated(unit: Callable[[], object]) -> dict:
    """Warm up, pick K so a round takes ~ROUND_TARGET_S, run ROUNDS rounds of K reps.

    Returns the per-repetition median over rounds (value) and fastest round (best), in ns, with
    the number of rounds and K ("iters").
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
        if elapsed >= CALIBRATE_NS:
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
# Reporting
# ---------------------------------------------------------------------------------------------

class Reporter:
    """A script's output: JSON-line records on stdout, diagnostics on stderr.

    prog prefixes the diagnostics; versions() gives the library-version fields (e.g.
    {"numpy": "2.4.6"}) added to each record that lacks them, before "python".
    """

    def __init__(self, prog: str, versions: Callable[[], dict] = dict) -> None:
        self.prog = prog
        self.versions = versions

    def log(self, msg: str) -> None:
        print(f"{self.prog}: {msg}", file=sys.stderr, flush=True)

    def emit(self, record: dict) -> None:
        """Print one result record as a JSON line (flushed, so a parent process sees it at once)."""
        for key, value in self.versions().items():
            record.setdefault(key, value)
        record.setdefault("python", platform.python_version())  # interpreter speed matters too
        print(json.dumps(record), flush=True)

    def fail(self, workload: str, engine: str, problems: list[str], **fields) -> None:
        """Log a failed correctness check and emit its "works": false record.

        fields (e.g. n=..., threads=...) stand between "unit" and "error" in the record.
        """
        error = "; ".join(problems)
        self.log(f"{workload} check failed: {error}")
        self.emit({"workload": workload, "engine": engine, "metric": "works", "value": False,
                   "unit": "bool", **fields, "error": error})


def pinned_cpus() -> list[int]:
    """The CPUs this process may run on (the records' "cpus")."""
    return sorted(os.sched_getaffinity(0))


# ---------------------------------------------------------------------------------------------
# Threads (WORKLOADS.md, Threads)
# ---------------------------------------------------------------------------------------------

THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def set_thread_vars(threads: int, log: Callable[[str], None] | None = None,
                    names: Iterable[str] = THREAD_VARS) -> None:
    """Set the thread variables to the count (before the library that reads them is loaded).

    With log, says so where the environment had another value.
    """
    for var in names:
        if log is not None and os.environ.get(var) not in (None, str(threads)):
            log(f"{var}={os.environ[var]} in the environment; setting it to {threads}")
        os.environ[var] = str(threads)


def pin_cpus(threads: int, log: Callable[[str], None]) -> None:
    """Pin this process to CPUs 0 .. threads-1 (threads started later inherit the mask).

    Where that is not allowed (e.g. a container whose cpuset excludes CPU 0), pins to the first
    `threads` CPUs it may use instead, and logs it.
    """
    cpus = set(range(threads))
    try:
        os.sched_setaffinity(0, cpus)
    except OSError as err:
        allowed = sorted(os.sched_getaffinity(0))
        log(f"cannot pin to CPUs {sorted(cpus)} ({err}); "
            f"pinning to CPUs {allowed[:threads]} instead")
        os.sched_setaffinity(0, set(allowed[:threads]))


def set_threads(threads: int, log: Callable[[str], None],
                names: Iterable[str] = THREAD_VARS) -> None:
    """Thread variables and CPU affinity for a threads-thread run: set_thread_vars + pin_cpus."""
    set_thread_vars(threads, log, names)
    pin_cpus(threads, log)


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------

def workload_parser(doc: str, workloads: Iterable[str]) -> argparse.ArgumentParser:
    """A parser described by doc's first paragraph, taking WORKLOAD arguments (none: all)."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    # (No argparse `choices` here: with nargs="*" Python 3.11 also checks the empty default.)
    parser.add_argument("workloads", nargs="*", metavar="WORKLOAD",
                        help=f"one or more of {', '.join(workloads)}; none runs all")
    return parser


def parse_workload_args(parser: argparse.ArgumentParser, argv: list[str] | None,
                        workloads: Iterable[str]) -> argparse.Namespace:
    """parser.parse_args(argv), with each WORKLOAD checked against workloads."""
    workloads = tuple(workloads)
    args = parser.parse_args(argv)
    for workload in args.workloads:
        if workload not in workloads:
            parser.error(f"unknown workload {workload!r} (choose from {', '.join(workloads)})")
    return args


def add_self_test_arg(parser: argparse.ArgumentParser, against: str) -> None:
    """--self-test: check results (against what) first; alone, only the checks run."""
    parser.add_argument("--self-test", action="store_true",
                        help=f"check results against {against}; alone, runs only the checks")


def add_sizes_arg(parser: argparse.ArgumentParser, default: Iterable[int], metavar: str,
                  what: str) -> None:
    """--sizes, a list of positive integers (read it with sizes_arg)."""
    default = ",".join(map(str, default))
    parser.add_argument("--sizes", default=default, metavar=metavar,
                        help=f"{what} (default {default})")


def add_threads_arg(parser: argparse.ArgumentParser, what: str) -> None:
    """--threads 1 or 2: the library's threads, and the CPUs pinned (set_threads)."""
    parser.add_argument("--threads", type=int, choices=(1, 2), default=1,
                        help=f"{what} threads, and CPUs pinned: 1 -> CPU 0, 2 -> CPUs 0,1 "
                             "(default 1)")


def parse_sizes(text: str) -> list[int]:
    """"128,256" or "128 256" -> [128, 256]; ValueError unless all are positive integers."""
    sizes = [int(s) for s in text.replace(",", " ").split()]
    if not sizes or any(n < 1 for n in sizes):
        raise ValueError(text)
    return sizes


def sizes_arg(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[int]:
    """args.sizes parsed; a usage error (exit 2) where it is not a list of positive integers."""
    try:
        return parse_sizes(args.sizes)
    except ValueError:
        parser.error(f"--sizes must be positive integers separated by commas, not {args.sizes!r}")


def run_workloads(args: argparse.Namespace, self_test: Callable[[], bool],
                  runners: dict[str, Callable[[], bool]]) -> int:
    """The exit status of a run: --self-test first (alone, it is all that runs), then each
    requested workload (none: all, in runners' order). 1 where a check or a workload failed."""
    if args.self_test:
        if not self_test():
            return 1
        if not args.workloads:
            return 0
    status = 0
    for workload in args.workloads or runners:
        if not runners[workload]():
            status = 1
    return status


def self_test_report(log: Callable[[str], None], name: str, problems: list[str],
                     ok_message: str) -> bool:
    """Log one --self-test check: each problem as "NAME FAILED", or ok_message where there are
    none. True where there are none."""
    for p in problems:
        log(f"self-test: {name} FAILED: {p}")
    if not problems:
        log(f"self-test: {ok_message}")
    return not problems


# ---------------------------------------------------------------------------------------------
# Deterministic data: WORKLOADS.md's shared LCG, and W4's data and expected values
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


def w4_data(f32: Callable[[list[float], tuple[int, int]], object],
            zeros: Callable[[int], object]) -> dict:
    """W4's X [64, 784], W1, W2, W3 ([in, out]) and b1..b3 = 0, in a library's arrays.

    f32(values, shape) turns row-major float64 values into a float32 array (every element is
    drawn in float64 and then rounded to float32); zeros(n) is n float32 zeros. X is
    uniform(-1, 1) from LCG(7); the weights are drawn consecutively from one LCG(8),
    uniform(-bnd, bnd) with bnd = 1 / sqrt(fan_in). The labels ("y") are the caller's.
    """
    data = {"X": f32(LCG(X_SEED).uniform(-1.0, 1.0, BATCH * 784), (BATCH, 784))}
    rng = LCG(W_SEED)
    for k, (fan_in, fan_out) in enumerate(LAYERS, start=1):
        bound = 1.0 / math.sqrt(fan_in)
        data[f"W{k}"] = f32(rng.uniform(-bound, bound, fan_in * fan_out), (fan_in, fan_out))
        data[f"b{k}"] = zeros(fan_out)
    return data


def rel_err(value: float, expected: float) -> float:
    return abs(value - expected) / abs(expected)


def check_data_sums(data: dict, sum64: Callable[[object], float]) -> list[str]:
    """Problems with the float64 sums of X, W1, W2, W3 (WORKLOADS.md W4; empty: correct).

    sum64(array) is the float64 sum of a float32 array.
    """
    problems = []
    for name, expected in DATA_SUMS.items():
        total = sum64(data[name])
        if rel_err(total, expected) > 1e-12:
            problems.append(f"sum({name}) = {total!r}, expected {expected!r}")
    return problems


def check_losses(first: float, tenth: float) -> list[str]:
    """Problems with W4's loss at step 0 and after 10 updates (relative REL_TOL)."""
    problems = []
    if not rel_err(first, LOSS_STEP0) <= REL_TOL:
        problems.append(f"loss at step 0 = {first!r}, expected {LOSS_STEP0!r}")
    if not rel_err(tenth, LOSS_AFTER_10) <= REL_TOL:
        problems.append(f"loss after 10 updates = {tenth!r}, expected {LOSS_AFTER_10!r}")
    return problems


# A W4 run. An engine's prepare() builds the data and the model, checks the data sums and runs
# 11 steps (prepare_mlp_step), and returns (problems, step, loss at step 0, loss after 10
# updates); step and the losses are None where the data check failed.
Prepare = Callable[[], tuple]


def prepare_mlp_step(data: dict, sum64: Callable[[object], float],
                     make_step: Callable[[dict], Callable], check_steps: Callable) -> tuple:
    """Check W4's data (sum64 as in check_data_sums), then build the step function with
    make_step(data) and run check_steps(step) -> (problems, loss 0, loss after 10 updates).

    Returns (problems, step, loss 0, loss after 10 updates), as a Prepare does.
    """
    problems = check_data_sums(data, sum64)
    if problems:
        return problems, None, None, None
    step = make_step(data)
    problems, first, tenth = check_steps(step)
    return problems, step, first, tenth


def run_mlp_step(reporter: Reporter, engine: str, threads: int, prepare: Prepare,
                 extra: dict) -> bool:
    """W4: prepare and check, then time steps (continuing training) and emit the steps_per_s
    record, extra's fields last; or, where a check failed, the "works": false record (False)."""
    problems, step, first, tenth = prepare()
    if problems:
        reporter.fail("mlp-step", engine, problems, threads=threads)
        return False
    stats = time_repeated(step)
    reporter.emit({
        "workload": "mlp-step",
        "engine": engine,
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
        "cpus": pinned_cpus(),
        **extra,
    })
    return True


def self_test_mlp_step(log: Callable[[str], None], prepare: Prepare,
                       name: str = "mlp-step") -> bool:
    """--self-test's W4 part: prepare and check, and log the outcome (as name, e.g. "mlp-step
    jax-jit" where a script has several engines). True where all is well."""
    problems, _, first, tenth = prepare()
    return self_test_report(log, name, problems,
                            f"{name} ok (loss {first!r} at step 0, {tenth!r} after 10 updates)")


# ---------------------------------------------------------------------------------------------
# W3 (WORKLOADS.md): micrograd's demo MLP on two moons; data, initial parameters, the learning
# rate schedule, the expected loss trajectory, and the per-step timing of a training run
# ---------------------------------------------------------------------------------------------

DEMO_WORKLOAD = "micrograd-demo-step"
DEMO_DATA_SEED, DEMO_PARAM_SEED = 42, 1337
DEMO_POINTS = 100              # 50 per moon
DEMO_SIZES = (2, 16, 16, 1)    # MLP(2, [16, 16, 1]): relu hidden layers, linear output
DEMO_PARAMETERS = 337
DEMO_ALPHA = 1e-4              # L2 weight
DEMO_STEPS = 100               # the trajectory: steps 0..99, then the loss after 100 steps
# Data and parameter checks.
DEMO_FIRST_POINT = (1.0136460653287815, -0.05490731421044975)
DEMO_LAST_POINT = (1.9018683669877046, 0.5064330538176164)
DEMO_DATA_SUM = 100.28566546631914            # Σ (x0 + 2·x1), left to right
DEMO_PARAM_SUM = -1.2762309423378122          # Σ params, in parameters() order
# The loss before the update at step k; key DEMO_STEPS: the loss after 100 steps.
DEMO_LOSSES = {
    0: 2.122264232169825,
    1: 1.8815118599611462,
    2: 2.5334266949659914,
    5: 0.29510522094952096,
    10: 0.2342757994920386,
    20: 0.18009358107819948,
    50: 0.0173269475681867,
    99: 0.011098996084844916,
    DEMO_STEPS: 0.011098512173890306,
}
DEMO_ACCURACIES = {0: 0.45, DEMO_STEPS: 1.0}
# Relative tolerances. micrograd's gradient sums run in an order set by object addresses, which
# changes the last bits from run to run and grows along the trajectory: about 1e-12 early, 1e-9
# late (WORKLOADS.md W3). The batched tensor peers run in a fixed order and must stay within
# 1e-12 all along.
DEMO_TOL_EARLY, DEMO_TOL_LATE, DEMO_TOL_TENSOR = 1e-12, 1e-9, 1e-12
DEMO_EARLY_STEPS = 10          # steps 0..10 at DEMO_TOL_EARLY


def demo_data() -> tuple[list[tuple[float, float]], list[float]]:
    """W3's 100 points (x0, x1) and labels (-1.0: outer moon, +1.0: inner), from LCG(42), in
    WORKLOADS.md's exact order of operations; not shuffled."""
    rng = LCG(DEMO_DATA_SEED)
    points, labels = [], []
    half = DEMO_POINTS // 2
    for moon in (0, 1):
        for i in range(half):
            t = math.pi * float(i) / 49.0                 # (pi * i) / 49
            nx = (2.0 * rng.next() - 1.0) * 0.1
            ny = (2.0 * rng.next() - 1.0) * 0.1
            if moon == 0:
                points.append((math.cos(t) + nx, math.sin(t) + ny))
                labels.append(-1.0)
            else:
                points.append((1.0 - math.cos(t) + nx, ((1.0 - math.sin(t)) - 0.5) + ny))
                labels.append(1.0)
    return points, labels


def demo_layers() -> list[tuple[list[list[float]], list[float]]]:
    """W3's initial parameters per layer: (W as nout rows of nin weights, b of nout zeros).

    In micrograd's parameters() order (layer by layer, neuron by neuron: its nin weights, then
    its bias), each weight is uniform(-1, 1) from one LCG(1337); biases are 0.0 and draw nothing.
    """
    rng = LCG(DEMO_PARAM_SEED)
    layers = []
    for nin, nout in zip(DEMO_SIZES, DEMO_SIZES[1:]):
        rows = [rng.uniform(-1.0, 1.0, nin) for _ in range(nout)]
        layers.append((rows, [0.0] * nout))
    return layers


def demo_parameters() -> list[float]:
    """W3's 337 initial parameters, flat, in micrograd's parameters() order."""
    flat = []
    for rows, biases in demo_layers():
        for row, bias in zip(rows, biases):
            flat.extend(row)
            flat.append(bias)
    return flat


def demo_lr(k: int) -> float:
    """The learning rate at step k: 1.0 - ((0.9 * k) / 100), as micrograd's demo computes it."""
    return 1.0 - 0.9 * k / 100


def check_demo_inputs() -> list[str]:
    """Problems with W3's data and initial parameters (WORKLOADS.md's check values)."""
    points, labels = demo_data()
    problems = []
    if points[0] != DEMO_FIRST_POINT:
        problems.append(f"first point {points[0]!r}, expected {DEMO_FIRST_POINT!r}")
    if points[-1] != DEMO_LAST_POINT:
        problems.append(f"last point {points[-1]!r}, expected {DEMO_LAST_POINT!r}")
    total = 0.0
    for x0, x1 in points:
        total += x0 + 2.0 * x1
    if total != DEMO_DATA_SUM:
        problems.append(f"Σ(x0 + 2·x1) = {total!r}, expected {DEMO_DATA_SUM!r}")
    if labels != [-1.0] * 50 + [1.0] * 50:
        problems.append("labels are not 50 × -1.0 then 50 × +1.0")
    params = demo_parameters()
    psum = 0.0
    for p in params:
        psum += p
    if len(params) != DEMO_PARAMETERS:
        problems.append(f"{len(params)} parameters, expected {DEMO_PARAMETERS}")
    if psum != DEMO_PARAM_SUM:
        problems.append(f"Σ params = {psum!r}, expected {DEMO_PARAM_SUM!r}")
    return problems


def demo_trajectory(step: Callable[[int, float], tuple], evaluate: Callable[[], tuple],
                    before: Callable[[int], None] | None = None,
                    after: Callable[[int], None] | None = None,
                    steps: int = DEMO_STEPS) -> dict:
    """One W3 training run: steps k = 0 .. steps-1, then the loss after them.

    step(k, lr) runs training step k (forward, zero the grads, backward, p -= lr * grad, with
    lr = demo_lr(k)) and returns (loss before the update, accuracy), as floats or as 0-d
    arrays that float() reads after the clock stops. Each step is timed alone
    (perf_counter_ns); before(k) and after(k), untimed, run around it. evaluate() -> (loss,
    accuracy) of the trained model (forward only), untimed.

    Returns {"losses", "accuracies", "times_ns" (per step), "final_loss", "final_accuracy"}.
    """
    clock = time.perf_counter_ns
    losses, accuracies, times = [], [], []
    for k in range(steps):
        lr = demo_lr(k)
        if before is not None:
            before(k)
        t0 = clock()
        loss, accuracy = step(k, lr)
        t1 = clock()
        if after is not None:
            after(k)
        losses.append(float(loss))
        accuracies.append(float(accuracy))
        times.append(t1 - t0)
    loss, accuracy = evaluate()
    return {"losses": losses, "accuracies": accuracies, "times_ns": times,
            "final_loss": float(loss), "final_accuracy": float(accuracy)}


def demo_tolerance(k: int, tensor: bool) -> float:
    """The relative tolerance for the loss at step k (k = DEMO_STEPS: after the run)."""
    if tensor:
        return DEMO_TOL_TENSOR
    return DEMO_TOL_EARLY if k <= DEMO_EARLY_STEPS else DEMO_TOL_LATE


def check_demo_trajectory(run: dict, tensor: bool) -> tuple[list[str], float]:
    """Problems with a W3 run's losses and accuracies against WORKLOADS.md's table, and the
    largest relative error seen (tensor: the batched peers' tolerance, 1e-12 at every step)."""
    problems, worst = [], 0.0
    losses = {k: run["losses"][k] for k in DEMO_LOSSES if k < len(run["losses"])}
    if len(run["losses"]) >= DEMO_STEPS:
        losses[DEMO_STEPS] = run["final_loss"]
    for k, loss in losses.items():
        err = rel_err(loss, DEMO_LOSSES[k]) if math.isfinite(loss) else math.inf
        worst = max(worst, err)
        if not err <= demo_tolerance(k, tensor):
            what = "after 100 steps" if k == DEMO_STEPS else f"at step {k}"
            problems.append(f"loss {what} = {loss!r}, expected {DEMO_LOSSES[k]!r} "
                            f"(relative error {err:.2g} > {demo_tolerance(k, tensor):g})")
    accuracies = {0: run["accuracies"][0]} if run["accuracies"] else {}
    if len(run["accuracies"]) >= DEMO_STEPS:
        accuracies[DEMO_STEPS] = run["final_accuracy"]
    for k, acc in accuracies.items():
        if acc != DEMO_ACCURACIES[k]:
            what = "after 100 steps" if k == DEMO_STEPS else f"at step {k}"
            problems.append(f"accuracy {what} = {acc!r}, expected {DEMO_ACCURACIES[k]!r}")
    return problems, worst


def demo_check_fields(run: dict, worst: float) -> dict:
    """The record fields that show a W3 run's trajectory (losses at the table's steps)."""
    fields = {"loss_step0": run["losses"][0], "accuracy_step0": run["accuracies"][0]}
    if len(run["losses"]) >= DEMO_STEPS:
        fields["loss_after_100"] = run["final_loss"]
        fields["accuracy_after_100"] = run["final_accuracy"]
    fields["losses"] = {str(k): run["losses"][k] for k in DEMO_LOSSES if k < len(run["losses"])}
    fields["trajectory_max_rel_err"] = worst
    return fields


def demo_time_record(engine: str, times_ns: list[int], extra: dict) -> dict:
    """W3's time_per_step record from per-step times (steps 1.. of each run; step 0 left out):
    the median in ms as value, the fastest step as best; rounds = the number of steps timed
    (each a round of one step), iters = 1; extra's fields last."""
    ms = [t / 1e6 for t in times_ns]
    return {
        "workload": DEMO_WORKLOAD,
        "engine": engine,
        "metric": "time_per_step",
        "value": statistics.median(ms),
        "unit": "ms",
        "threads": 1,
        "best": min(ms),
        "rounds": len(ms),
        "iters": 1,
        "cpus": pinned_cpus(),
        **extra,
    }


def demo_self_test(log: Callable[[str], None], name: str, run: dict, tensor: bool) -> bool:
    """--self-test's W3 part for one engine's run: log the outcome. True where all is well."""
    problems = check_demo_inputs()
    traj_problems, worst = check_demo_trajectory(run, tensor)
    return self_test_report(
        log, name, problems + traj_problems,
        f"{name} ok (loss {run['losses'][0]!r} at step 0, {run['final_loss']!r} after "
        f"{len(run['losses'])} steps, accuracy {run['final_accuracy']!r}; largest relative "
        f"error {worst:.2g})")


DEMO_TIME_S = 1.0          # the batched peers: training runs until this much is timed
DEMO_MIN_RUNS, DEMO_MAX_RUNS = 3, 200


def demo_timed_runs(first: dict, again: Callable[[], dict]) -> tuple[list[int], int]:
    """The per-step times (ns) of steps 1..99 of W3 training runs, for a fast (batched) engine:
    first's, then those of more runs again() (each from the initial parameters, the same
    trajectory) until DEMO_TIME_S of steps are timed (at least DEMO_MIN_RUNS runs, at most
    DEMO_MAX_RUNS). Returns (times, number of runs)."""
    times = list(first["times_ns"][1:])
    runs = 1
    while runs < DEMO_MAX_RUNS and (runs < DEMO_MIN_RUNS or sum(times) < DEMO_TIME_S * 1e9):
        times.extend(again()["times_ns"][1:])
        runs += 1
    return times, runs
