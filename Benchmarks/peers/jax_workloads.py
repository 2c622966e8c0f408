#!/usr/bin/env python3
"""JAX (CPU) peer for Nabla's benchmarks (WORKLOADS.md W6, W4, W7 and W3): jax-jit, jax-eager
and jax-jit-f64-batched.

Run it with the peer venv's python (see setup-venv.sh, which installs jax):

    ~/.venvs/nabla-peers/bin/python Benchmarks/peers/jax_workloads.py perop
    ~/.venvs/nabla-peers/bin/python Benchmarks/peers/jax_workloads.py mlp-step --threads 1
    ~/.venvs/nabla-peers/bin/python Benchmarks/peers/jax_workloads.py mlp-step --threads 2 \\
        --engines jax-jit
    ~/.venvs/nabla-peers/bin/python Benchmarks/peers/jax_workloads.py micrograd-demo-step
    ~/.venvs/nabla-peers/bin/python Benchmarks/peers/jax_workloads.py --self-test

Engines (--engines, default both, for perop and mlp-step; compare.py runs each in a process of
its own):
  jax-jit    the function under jax.jit: compiled by XLA once, then each call runs the compiled
             program.
  jax-eager  the same Python code without jit: every primitive is dispatched on its own.
micrograd-demo-step has one engine of its own, jax-jit-f64-batched (--engines does not apply).

Workloads:
  perop     W6: x = S ones, float32, created inside the timed unit, S in 1, 8 (--sizes);
            y = x; for i in 0..999: y = y * 1.0001 (i even) or y + 0.0001 (i odd); L = y.sum();
            (L, dL/dx) = jax.value_and_grad(chain)(x), under jit for jax-jit; the unit blocks
            until dL/dx is ready. Metrics us_per_op_fwd_bwd = time per repetition / 1000 in µs,
            and, for jax-eager, us_per_op_fwd_only (jax.vjp(chain, x): the forward with its
            residuals recorded, and L, with no backward). Threads = 1 only. jax-eager creates x
            with jnp.ones (an eager op, ~0.1% of its 1000); jax-jit with np.ones, a host array
            that the jitted call takes in, as a jitted function is fed: jnp.ones is an eager
            dispatch that costs several times the jitted call itself (the "x_from" field).
  mlp-step  W4: one SGD step of the 784-256-128-10 ReLU MLP on WORKLOADS.md's LCG data (X from
            LCG(7), W1, W2, W3 from one LCG(8), zero biases, weights [in, out] so a layer is
            x @ W + b), loss mean_i (logsumexp(z_i) - z_i[y_i]); the loss and the gradients by
            jax.value_and_grad, then p - 0.01 * grad for every p. jax-jit jits the whole step,
            update included (the parameters donated, as a JAX training loop does); jax-eager runs
            the same step without jit. Each step blocks until the new parameters and the loss
            are ready. Metric steps_per_s, the median round, at --threads 1 or 2; jax-jit also
            reports W7's compile_plus_first_step (s): jax.jit, tracing, XLA compilation and the
            first step, until its results are ready (first in this process: run it fresh).
  micrograd-demo-step
            W3, engine "jax-jit-f64-batched": micrograd's demo (MLP(2, [16, 16, 1]) on the 100
            two-moons points, max-margin loss + 1e-4 L2, lr = 1.0 - 0.9*k/100) as batched
            float64 arrays (jax.enable_x64), x @ W + b per layer, weights from LCG(1337) in
            micrograd's order. The whole step is jitted, value_and_grad and the update
            p - lr * grad included (parameters donated; lr, computed in Python, passed in), and
            each step blocks until its results are ready. Each step is timed alone; a training
            run is steps 0..99 (the first run's losses are checked against WORKLOADS.md to
            1e-12 relative), and more runs from the same start follow until about 1 s of steps
            is timed. Metric time_per_step (ms), the median over steps 1..99 of every run; best
            the fastest step; also compile_plus_first_step (s), as for mlp-step. Threads = 1
            only.

Threads (WORKLOADS.md, Threads): --threads 1 pins this process to CPU 0 and sets
XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"; --threads 2 pins
it to CPUs 0 and 1 and sets XLA_FLAGS="--xla_cpu_multi_thread_eigen=true
intra_op_parallelism_threads=2". OMP_NUM_THREADS = MKL_NUM_THREADS = OPENBLAS_NUM_THREADS = the
count too, and JAX_PLATFORMS=cpu unless set; all before jax is imported (XLA reads its flags
when the backend starts). One thread count per process: run the script once per count
(WORKLOADS.md, Isolation). perop and micrograd-demo-step run at threads = 1 only; with
--threads 2 they are skipped.

Every result is one JSON object per line on stdout:
  {"workload": "perop", "engine": "jax-jit", "metric": "us_per_op_fwd_bwd", "value",
   "unit": "µs", "size", "threads", "best", "rounds", "iters", ...}
  {"workload": "mlp-step", "engine": "jax-jit", "metric": "steps_per_s", "value",
   "unit": "steps/s", "threads", "best", "rounds", "iters", "loss_step0", "loss_after_10", ...}
  {"workload": "mlp-step", "engine": "jax-jit", "metric": "compile_plus_first_step", "value",
   "unit": "s", "threads", ...}
  {"workload": "micrograd-demo-step", "engine": "jax-jit-f64-batched", "metric":
   "time_per_step", "value", "unit": "ms", "threads": 1, "best", "rounds" (steps timed),
   "iters": 1, "training_runs", "loss_step0", "loss_after_100", "losses", ...}, and its
   "compile_plus_first_step" record (s)
Diagnostics go to stderr.

Correctness, checked (untimed) before each workload is timed: perop's dL/dx =
1.0512770414352417 per element (float32, relative 1e-5); mlp-step's data sums (WORKLOADS.md W4),
the loss at step 0 = 2.3044254779815674 and after 10 updates = 2.2911059856414795 (relative
1e-5); micrograd-demo-step's data, initial parameters and 100-step loss trajectory (relative
1e-12). A failed check is reported as a "works": false record and the workload is not timed.
--self-test runs only the checks; with workload names it runs them first.
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))   # harness.py, from any cwd
import harness  # noqa: E402
from harness import BATCH, LEARNING_RATE, REL_TOL, check_losses, rel_err  # noqa: E402

ENGINES = ("jax-jit", "jax-eager")
WORKLOADS = ("perop", "mlp-step", "micrograd-demo-step")
DEFAULT_SIZES = (1, 8)     # W6: S in {1, 8}
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
# XLA's CPU thread flags for a thread count (WORKLOADS.md, Threads: "XLA's single-thread
# flags"). XLA ignores the bare intra_op_parallelism_threads word; it is kept as WORKLOADS.md's
# figures were measured with it.
XLA_THREAD_FLAGS = {
    1: "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
    2: "--xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads=2",
}

# W6 (WORKLOADS.md): 1000 recorded ops, and dL/dx as float32 peers give it.
PEROP_OPS = 1000
PEROP_GRAD = 1.0512770414352417

jax = None                 # imported by import_jax() once the thread variables are set
jnp = None                 # jax.numpy
np = None                  # numpy (jax's dependency): W4's data, float64 sums

REPORTER = harness.Reporter(
    "jax_workloads", lambda: {"jax": jax.__version__ if jax is not None else None})
emit, log = REPORTER.emit, REPORTER.log


def set_threads(threads: int) -> None:
    """Thread variables, XLA's thread flags and CPU affinity for a threads-thread run.

    Must run before jax is imported: XLA reads XLA_FLAGS when its CPU backend starts, and its
    thread pools, started later, inherit the affinity mask (and size themselves by it).
    """
    harness.set_threads(threads, log, THREAD_VARS)
    flags = XLA_THREAD_FLAGS[threads]
    if os.environ.get("XLA_FLAGS") not in (None, flags):
        log(f"XLA_FLAGS={os.environ['XLA_FLAGS']} in the environment; setting it to {flags!r}")
    os.environ["XLA_FLAGS"] = flags
    os.environ.setdefault("JAX_PLATFORMS", "cpu")   # no probing for GPU/TPU plugins


def import_jax() -> None:
    global jax, jnp, np
    import jax as jax_module
    import jax.numpy as jnp_module
    import numpy as np_module
    jax, jnp, np = jax_module, jnp_module, np_module
    if jax.default_backend() != "cpu":
        log(f"jax's default backend is {jax.default_backend()!r}, not 'cpu'")


def runtime_info() -> dict:
    """Fields describing jax's backend, for the records."""
    info = {"backend": jax.default_backend(), "devices": len(jax.devices()),
            "xla_flags": os.environ.get("XLA_FLAGS", "")}
    try:
        import jaxlib
        info["jaxlib"] = jaxlib.__version__
    except Exception:  # noqa: BLE001 - introspection is best effort
        pass
    return info


def block(tree):
    """Wait until every array in tree is computed (jax dispatches asynchronously)."""
    return jax.block_until_ready(tree)


# ---------------------------------------------------------------------------------------------
# W6: per-op overhead
# ---------------------------------------------------------------------------------------------

def perop_chain(x):
    """W6's forward: 1000 ops, written as 500 (mul, add) pairs (the same op sequence as "i
    even: mul, i odd: add" for i in 0..999, without a modulo per op), then L = sum."""
    y = x
    for _ in range(PEROP_OPS // 2):
        y = y * 1.0001
        y = y + 0.0001
    return jnp.sum(y)


def perop_ones(engine: str):
    """How an engine's unit creates x = S float32 ones: jnp.ones for jax-eager; for jax-jit,
    np.ones, the host array a jitted function is fed (see the module's doc)."""
    if engine == "jax-jit":
        return "np.ones", lambda size: np.ones((size,), np.float32)
    return "jnp.ones", lambda size: jnp.ones((size,), jnp.float32)


def perop_unit(engine: str, size: int, backward: bool = True):
    """One timed repetition of W6 for an engine: returns unit(), which creates x, computes
    (L, dL/dx) and blocks until dL/dx is ready; with backward False (jax-eager only), the
    forward with its vjp recorded, and L."""
    ones = perop_ones(engine)[1]
    if not backward:
        def forward_only():
            x = ones(size)
            loss, _vjp = jax.vjp(perop_chain, x)
            return block(loss)
        return forward_only

    value_and_grad = jax.value_and_grad(perop_chain)
    if engine == "jax-jit":
        value_and_grad = jax.jit(value_and_grad)

    def unit():
        x = ones(size)
        _loss, grad = value_and_grad(x)
        return block(grad)
    return unit


def check_perop(engine: str, size: int) -> list[str]:
    """Problems with W6's dL/dx at this size (empty: correct)."""
    grad = perop_unit(engine, size)()
    if grad.dtype != jnp.float32 or tuple(grad.shape) != (size,):
        return [f"{engine} size={size}: dL/dx is {grad!r}"]
    for i, g in enumerate(grad.tolist()):
        if rel_err(g, PEROP_GRAD) > REL_TOL:
            return [f"{engine} size={size}: dL/dx[{i}] = {g!r}, expected {PEROP_GRAD!r}"]
    return []


def run_perop(engines: list[str], sizes: list[int], threads: int, info: dict) -> bool:
    """W6 for each engine and size: check, then time fwd+bwd (and jax-eager's fwd only)."""
    if threads != 1:
        log("perop runs at threads = 1 only (WORKLOADS.md W6); skipped with --threads "
            f"{threads}")
        return True
    ok = True
    for engine in engines:
        metrics = [("us_per_op_fwd_bwd", True)]
        if engine == "jax-eager":
            metrics.append(("us_per_op_fwd_only", False))
        for size in sizes:
            problems = check_perop(engine, size)   # correctness first (untimed)
            if problems:
                ok = False
                REPORTER.fail("perop", engine, problems, size=size, threads=threads)
                continue
            for metric, backward in metrics:
                stats = harness.time_repeated(perop_unit(engine, size, backward))
                emit({
                    "workload": "perop",
                    "engine": engine,
                    "metric": metric,
                    "value": stats["value"] / PEROP_OPS / 1e3,   # ns per rep -> µs per op
                    "unit": "µs",
                    "size": size,
                    "threads": threads,
                    "best": stats["best"] / PEROP_OPS / 1e3,
                    "rounds": stats["rounds"],
                    "iters": stats["iters"],
                    "time_per_rep_ns": stats["value"],
                    "x_from": perop_ones(engine)[0],
                    "cpus": harness.pinned_cpus(),
                    **info,
                })
    return ok


# ---------------------------------------------------------------------------------------------
# W4 / W7: MLP training step
# ---------------------------------------------------------------------------------------------

def mlp_data() -> dict:
    """W4's data as float32 jax arrays: X [64, 784], y (int32), W1, W2, W3 ([in, out]),
    b1..b3 = 0. Every element is drawn in float64 and then rounded to float32."""
    def f32(values: list[float], shape: tuple):
        return jnp.asarray(np.asarray(values, dtype=np.float64).reshape(shape).astype(np.float32))

    data = harness.w4_data(f32, lambda n: jnp.zeros((n,), jnp.float32))
    data["y"] = jnp.arange(BATCH, dtype=jnp.int32) % 10
    return data


def mlp_loss(params, x, y):
    """mean_i (logsumexp(z_i) - z_i[y_i]) of the 784-256-128-10 ReLU MLP's logits z."""
    w1, b1, w2, b2, w3, b3 = params
    h1 = jax.nn.relu(x @ w1 + b1)
    h2 = jax.nn.relu(h1 @ w2 + b2)
    z = h2 @ w3 + b3
    picked = jnp.take_along_axis(z, y[:, None], axis=1)[:, 0]
    return jnp.mean(jax.nn.logsumexp(z, axis=1) - picked)


def sgd_step(params, x, y):
    """The loss and its gradients by value_and_grad, then p - 0.01 * grad for every p."""
    loss, grads = jax.value_and_grad(mlp_loss)(params, x, y)
    return tuple(p - LEARNING_RATE * g for p, g in zip(params, grads)), loss


def mlp_model(engine: str, data: dict, timings: dict):
    """The step function: runs one step on the current parameters (copies of data's), keeps
    the new ones, blocks until they and the loss are ready, and returns the loss.

    For jax-jit, the first step's wall time from jax.jit on (tracing, XLA compilation and the
    step) goes to timings["compile_plus_first_step"].
    """
    state = {"params": tuple(jnp.array(data[k]) for k in ("W1", "b1", "W2", "b2", "W3", "b3"))}
    x, y = data["X"], data["y"]
    start = time.perf_counter()
    if engine == "jax-jit":
        # The whole step, update included; the old parameters are donated (updated in place).
        run = jax.jit(sgd_step, donate_argnums=0)
    else:
        run = sgd_step

    def step():
        params, loss = run(state["params"], x, y)
        state["params"] = params
        return block((params, loss))[1]

    if engine == "jax-jit":
        first_loss = step()
        timings["compile_plus_first_step"] = time.perf_counter() - start
        pending = [first_loss]

        def first_then_step():   # the check's step 0 is the step already taken
            return pending.pop() if pending else step()
        return first_then_step
    return step


def check_mlp(step) -> tuple[list[str], float, float]:
    """Run 11 steps: problems with the loss at step 0 and after 10 updates, and both losses."""
    first = float(step())
    for _ in range(9):
        step()
    tenth = float(step())   # the loss computed after 10 updates
    return check_losses(first, tenth), first, tenth


def mlp_prepare(engine: str, timings: dict) -> tuple:
    """Build the data and model, check the data sums and 11 steps (harness.Prepare)."""
    return harness.prepare_mlp_step(
        mlp_data(), lambda a: float(np.asarray(a, dtype=np.float64).sum()),
        lambda data: mlp_model(engine, data, timings), check_mlp)


def run_mlp(engines: list[str], threads: int, info: dict, fresh: bool) -> bool:
    """W4 for each engine: build the data and model, check 11 steps, then time steps
    (continuing training); for jax-jit, also W7's compile_plus_first_step.

    fresh: no jit compiled in this process yet (no --self-test run before).
    """
    ok = True
    for engine in engines:
        timings: dict = {}
        if not harness.run_mlp_step(REPORTER, engine, threads,
                                    lambda: mlp_prepare(engine, timings), info):
            ok = False
            continue
        if "compile_plus_first_step" in timings:
            emit({
                "workload": "mlp-step",
                "engine": engine,
                "metric": "compile_plus_first_step",
                "value": timings["compile_plus_first_step"],
                "unit": "s",
                "threads": threads,
                "fresh_process": fresh,
                "cpus": harness.pinned_cpus(),
                **info,
            })
            fresh = False
    return ok


# ---------------------------------------------------------------------------------------------
# W3: micrograd's demo MLP on two moons, as batched float64 arrays, the whole step jitted
# ---------------------------------------------------------------------------------------------

DEMO_ENGINE = "jax-jit-f64-batched"


def demo_arrays() -> tuple:
    """W3's data as float64 arrays, X [100, 2] and y [100], and the initial parameters
    ((W1, b1), (W2, b2), (W3, b3)), W as [in, out] so a layer is x @ W + b. Under x64."""
    points, labels = harness.demo_data()
    x = jnp.asarray(np.asarray(points, dtype=np.float64))
    y = jnp.asarray(np.asarray(labels, dtype=np.float64))
    params = tuple((jnp.asarray(np.asarray(rows, dtype=np.float64).T.copy()),
                    jnp.asarray(np.asarray(biases, dtype=np.float64)))
                   for rows, biases in harness.demo_layers())
    return x, y, params


def demo_loss(params, x, y):
    """W3's loss, batched: relu hidden layers, linear output, max-margin loss
    relu(score * -y + 1) summed and scaled by 1/100, plus 1e-4 * Σ p*p; and the scores."""
    h = x
    for i, (w, b) in enumerate(params):
        h = h @ w + b
        if i < len(params) - 1:
            h = jax.nn.relu(h)   # its derivative is 1 where x > 0, else 0, as micrograd's
    scores = h[:, 0]
    data_loss = jnp.sum(jax.nn.relu(scores * -y + 1.0)) * (1.0 / scores.shape[0])
    reg_loss = harness.DEMO_ALPHA * sum(jnp.sum(p * p) for layer in params for p in layer)
    return data_loss + reg_loss, scores


def demo_accuracy(scores, y):
    return jnp.mean(((y > 0) == (scores > 0)).astype(jnp.float64))


def demo_sgd_step(params, lr, x, y):
    """One W3 step: the loss (before the update), its gradients by value_and_grad, and
    p - lr * grad for every p; returns (new parameters, loss, accuracy)."""
    (loss, scores), grads = jax.value_and_grad(demo_loss, has_aux=True)(params, x, y)
    new = jax.tree_util.tree_map(lambda p, g: p - lr * g, params, grads)
    return new, loss, demo_accuracy(scores, y)


def demo_evaluate(params, x, y):
    loss, scores = demo_loss(params, x, y)
    return loss, demo_accuracy(scores, y)


def demo_model(timings: dict):
    """(run, start): run() is one W3 training run from the initial parameters (harness's
    trajectory) with the jitted step; the first call's first step, from jax.jit on (tracing,
    XLA compilation and the step, until its results are ready), goes to
    timings["compile_plus_first_step"]. Must be called, and run, under x64."""
    x, y, initial = demo_arrays()
    start = time.perf_counter()
    # The whole step, update included; the old parameters are donated (updated in place).
    jitted = jax.jit(demo_sgd_step, donate_argnums=0)
    evaluate = jax.jit(demo_evaluate)

    def run() -> dict:
        state = {"params": jax.tree_util.tree_map(jnp.copy, initial)}

        def step(k: int, lr: float):
            params, loss, accuracy = jitted(state["params"], lr, x, y)
            state["params"] = params
            block((params, loss, accuracy))
            if "compile_plus_first_step" not in timings:
                timings["compile_plus_first_step"] = time.perf_counter() - start
            return loss, accuracy

        return harness.demo_trajectory(step, lambda: block(evaluate(state["params"], x, y)))

    return run


def run_demo(threads: int, info: dict, fresh: bool) -> bool:
    """W3: one checked training run (its first step includes the compilation: reported as
    compile_plus_first_step), then more runs until about 1 s of steps is timed;
    time_per_step is the median over steps 1..99 of every run.

    fresh: no jit compiled in this process yet (no --self-test run before).
    """
    if threads != 1:
        log(f"{harness.DEMO_WORKLOAD} runs at threads = 1 only (WORKLOADS.md W3); skipped "
            f"with --threads {threads}")
        return True
    problems = harness.check_demo_inputs()
    if problems:
        REPORTER.fail(harness.DEMO_WORKLOAD, DEMO_ENGINE, problems, threads=threads)
        return False
    timings: dict = {}
    with jax.enable_x64(True):
        run = demo_model(timings)
        first = run()
        problems, worst = harness.check_demo_trajectory(first, tensor=True)
        if problems:
            REPORTER.fail(harness.DEMO_WORKLOAD, DEMO_ENGINE, problems, threads=threads)
            return False
        times, runs = harness.demo_timed_runs(first, run)
    emit(harness.demo_time_record(DEMO_ENGINE, times, {
        "steps_timed": f"1..99 of {runs} training runs",
        "training_runs": runs,
        **harness.demo_check_fields(first, worst),
        **info,
    }))
    emit({
        "workload": harness.DEMO_WORKLOAD,
        "engine": DEMO_ENGINE,
        "metric": "compile_plus_first_step",
        "value": timings["compile_plus_first_step"],
        "unit": "s",
        "threads": threads,
        "fresh_process": fresh,
        "cpus": harness.pinned_cpus(),
        **info,
    })
    return True


def demo_self_test() -> bool:
    """--self-test's W3 part: the data, the parameters and one 100-step training run."""
    problems = harness.check_demo_inputs()
    ok = harness.self_test_report(log, harness.DEMO_WORKLOAD, problems,
                                  f"{harness.DEMO_WORKLOAD} data and parameters ok")
    if not ok:
        return False
    with jax.enable_x64(True):
        first = demo_model({})()
    return harness.demo_self_test(log, f"{harness.DEMO_WORKLOAD} {DEMO_ENGINE}", first,
                                  tensor=True)


# ---------------------------------------------------------------------------------------------

def self_test(engines: list[str], sizes: list[int]) -> bool:
    ok = True
    for engine in engines:
        for size in sizes:
            ok = harness.self_test_report(log, "perop", check_perop(engine, size),
                                          f"perop {engine} size={size} ok") and ok
        ok = harness.self_test_mlp_step(log, lambda: mlp_prepare(engine, {}),
                                        f"mlp-step {engine}") and ok
    return demo_self_test() and ok


def main(argv: list[str] | None = None) -> int:
    parser = harness.workload_parser(__doc__, WORKLOADS)
    harness.add_sizes_arg(parser, DEFAULT_SIZES, "S,S,...", "perop tensor sizes")
    harness.add_threads_arg(parser, "XLA")
    parser.add_argument("--engines", default=",".join(ENGINES), metavar="E,E",
                        help=f"engines to run, of {', '.join(ENGINES)} (default both)")
    harness.add_self_test_arg(parser, "WORKLOADS.md")
    args = harness.parse_workload_args(parser, argv, WORKLOADS)
    sizes = harness.sizes_arg(parser, args)
    engines = [e for e in args.engines.replace(",", " ").split()]
    if not engines or any(e not in ENGINES for e in engines):
        parser.error(f"--engines must name some of {', '.join(ENGINES)}, not {args.engines!r}")

    set_threads(args.threads)   # before jax (and so XLA) is loaded
    import_jax()
    info = runtime_info()

    return harness.run_workloads(args, lambda: self_test(engines, sizes), {
        "perop": lambda: run_perop(engines, sizes, args.threads, info),
        "mlp-step": lambda: run_mlp(engines, args.threads, info, fresh=not args.self_test),
        "micrograd-demo-step": lambda: run_demo(args.threads, info, fresh=not args.self_test),
    })


if __name__ == "__main__":
    sys.exit(main())
