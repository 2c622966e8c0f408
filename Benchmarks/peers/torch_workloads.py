#!/usr/bin/env python3
"""PyTorch (eager) peer for Nabla's benchmarks (WORKLOADS.md W6, W4 and W3; digits-epoch and
digits-cnn-epoch).

Run it with the peer venv's python (see setup-venv.sh, which installs torch):

    ~/.venvs/nabla-peers/bin/python Benchmarks/peers/torch_workloads.py perop
    ~/.venvs/nabla-peers/bin/python Benchmarks/peers/torch_workloads.py mlp-step --threads 1
    ~/.venvs/nabla-peers/bin/python Benchmarks/peers/torch_workloads.py mlp-step --threads 2
    ~/.venvs/nabla-peers/bin/python Benchmarks/peers/torch_workloads.py micrograd-demo-step
    ~/.venvs/nabla-peers/bin/python Benchmarks/peers/torch_workloads.py digits-epoch --threads 2 \
        --digits /path/to/digits.csv.gz
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
  micrograd-demo-step
            W3, engine "torch-f64-batched": micrograd's demo (MLP(2, [16, 16, 1]) on the 100
            two-moons points, max-margin loss + 1e-4 L2, lr = 1.0 - 0.9*k/100) as batched
            float64 tensors: x @ W + b per layer, weights from LCG(1337) in micrograd's order,
            autograd, p -= lr * p.grad under no_grad. Each step is timed alone; a training run
            is steps 0..99 (the first run's losses are checked against WORKLOADS.md to 1e-12
            relative), and more runs from the same start follow until about 1 s of steps is
            timed. Metric time_per_step (ms), the median over steps 1..99 of every run; best
            the fastest step. Threads = 1 only.
  digits-epoch
            One training epoch of a 64-128-128-10 ReLU MLP on scikit-learn's 8x8 digits
            (--digits PATH, default the repository's Sources/Nabla/Data/Resources/digits.csv.gz),
            Adam(lr=1e-3), cross-entropy, batch 32; the full definition is digits_epoch's
            docstring. Metric epoch_ms, the median over 20 epochs after 2 warm-up epochs, at
            --threads 1 or 2; the record has the train accuracy after them (must be > 0.95).
  digits-cnn-epoch
            digits-epoch with `nabla train digits --model cnn`'s model: Conv2d(1, 16, 3,
            padding=1), ReLU, MaxPool2d(2), Conv2d(16, 32, 3, padding=1), ReLU, MaxPool2d(2),
            Flatten, Linear(128, 10) on [n, 1, 8, 8]; the same data, optimiser, loop and metric.

Threads (WORKLOADS.md, Threads): --threads 1 pins this process to CPU 0, --threads 2 to CPUs 0
and 1; OMP_NUM_THREADS = MKL_NUM_THREADS = OPENBLAS_NUM_THREADS = the count are set before torch
is imported, then torch.set_num_threads(count) and torch.set_num_interop_threads(1). One thread
count per process: run the script once per count (WORKLOADS.md, Isolation). perop runs at
threads = 1 only, and so does micrograd-demo-step; with --threads 2 they are skipped (with a
message).

Every result is one JSON object per line on stdout:
  {"workload": "perop", "engine": "torch-eager", "metric": "us_per_op_fwd_bwd", "value",
   "unit": "µs", "size", "threads", "best", "rounds", "iters", ...}
  {"workload": "mlp-step", "engine": "torch-eager", "metric": "steps_per_s", "value",
   "unit": "steps/s", "threads", "best", "rounds", "iters", "loss_step0", "loss_after_10", ...}
  {"workload": "micrograd-demo-step", "engine": "torch-f64-batched", "metric": "time_per_step",
   "value", "unit": "ms", "threads": 1, "best", "rounds" (steps timed), "iters": 1,
   "training_runs", "loss_step0", "loss_after_100", "losses", "trajectory_max_rel_err", ...}
  {"workload": "digits-epoch" or "digits-cnn-epoch", "engine": "torch-eager", "metric":
   "epoch_ms", "value", "unit": "ms", "threads", "best", "rounds" (epochs timed), "iters": 1,
   "train_accuracy", "test_accuracy", "train_loss", ...}
Diagnostics go to stderr.

Correctness, checked (untimed) before each workload is timed: perop's dL/dx =
1.0512770414352417 per element (float32, relative 1e-5); mlp-step's data sums (WORKLOADS.md W4),
the loss at step 0 = 2.3044254779815674 and after 10 updates = 2.2911059856414795 (relative
1e-5); micrograd-demo-step's data, initial parameters and 100-step loss trajectory (relative
1e-12). A failed check is reported as a "works": false record and the workload is not timed.
digits-epoch checks its data file (1,797 images, pixel and label sums) first and the train
accuracy after training (> 0.95; a "works": false record follows the timing where it fails).
--self-test runs only the checks (digits-epoch's: the data and 22 epochs' accuracy; skipped,
with a message, where the data file is missing); with workload names it runs them first.
"""

from __future__ import annotations

import gzip
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))   # harness.py, from any cwd
import harness  # noqa: E402
from harness import BATCH, LEARNING_RATE, REL_TOL, check_losses, rel_err  # noqa: E402

ENGINE = "torch-eager"
WORKLOADS = ("perop", "mlp-step", "micrograd-demo-step", "digits-epoch", "digits-cnn-epoch")
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
# W3: micrograd's demo MLP on two moons, as batched float64 tensors
# ---------------------------------------------------------------------------------------------

DEMO_ENGINE = "torch-f64-batched"


def demo_tensors() -> tuple:
    """W3's data as float64 tensors, X [100, 2] and y [100], and the initial parameters
    [W1, b1, W2, b2, W3, b3] (W as [in, out], so a layer is x @ W + b) as leaves requiring
    grad."""
    points, labels = harness.demo_data()
    x = torch.tensor(points, dtype=torch.float64)
    y = torch.tensor(labels, dtype=torch.float64)
    params = []
    for rows, biases in harness.demo_layers():
        params.append(torch.tensor(rows, dtype=torch.float64).T.contiguous().requires_grad_(True))
        params.append(torch.tensor(biases, dtype=torch.float64).requires_grad_(True))
    return x, y, params


def demo_forward(params: list, x, y) -> tuple:
    """W3's loss and accuracy, batched: relu hidden layers, linear output, max-margin loss
    relu(score * -y + 1) summed and scaled by 1/100, plus 1e-4 * Σ p*p."""
    h = x
    layers = len(params) // 2
    for i in range(layers):
        h = h @ params[2 * i] + params[2 * i + 1]
        if i < layers - 1:
            h = torch.relu(h)   # backward: grad where the output is > 0, as micrograd's relu
    scores = h[:, 0]
    data_loss = torch.relu(scores * -y + 1.0).sum() * (1.0 / scores.shape[0])
    reg_loss = harness.DEMO_ALPHA * sum((p * p).sum() for p in params)
    accuracy = ((y > 0) == (scores > 0)).to(torch.float64).mean()
    return data_loss + reg_loss, accuracy


def demo_step_fn(params: list, x, y):
    """W3's timed unit, step(k, lr): loss, zero the grads, backward, p -= lr * p.grad under
    no_grad. Returns the loss (before the update) and the accuracy, as 0-d tensors."""
    def step(k: int, lr: float) -> tuple:
        loss, accuracy = demo_forward(params, x, y)
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
        return loss.detach(), accuracy
    return step


def demo_run() -> dict:
    """One W3 training run: 100 steps from the initial parameters, and the loss after them."""
    x, y, params = demo_tensors()

    def evaluate() -> tuple:
        with torch.no_grad():
            return demo_forward(params, x, y)
    return harness.demo_trajectory(demo_step_fn(params, x, y), evaluate)


def run_demo(threads: int, info: dict) -> bool:
    """W3: one checked training run, then more runs from the same start until about
    DEMO_TIME_S of steps are timed; time_per_step is the median over steps 1..99 of all runs."""
    if threads != 1:
        log(f"{harness.DEMO_WORKLOAD} runs at threads = 1 only (WORKLOADS.md W3); skipped "
            f"with --threads {threads}")
        return True
    problems = harness.check_demo_inputs()
    if not problems:
        first = demo_run()
        problems, worst = harness.check_demo_trajectory(first, tensor=True)
    if problems:
        REPORTER.fail(harness.DEMO_WORKLOAD, DEMO_ENGINE, problems, threads=threads)
        return False
    times, runs = harness.demo_timed_runs(first, demo_run)
    emit(harness.demo_time_record(DEMO_ENGINE, times, {
        "steps_timed": f"1..99 of {runs} training runs",
        "training_runs": runs,
        **harness.demo_check_fields(first, worst),
        **info,
    }))
    return True


# ---------------------------------------------------------------------------------------------
# digits-epoch: one training epoch of an MLP on the 8x8 digits
# ---------------------------------------------------------------------------------------------

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DIGITS_PATH = os.path.join(REPO_ROOT, "Sources", "Nabla", "Data", "Resources", "digits.csv.gz")
# The file's check values: scikit-learn's digits (sklearn/datasets/data/digits.csv.gz).
DIGITS_IMAGES, DIGITS_TRAIN = 1797, 1437
DIGITS_PIXEL_SUM, DIGITS_LABEL_SUM = 561718, 8070
DIGITS_BATCH, DIGITS_LR, DIGITS_SEED = 32, 1e-3, 0
DIGITS_WARMUP_EPOCHS, DIGITS_EPOCHS = 2, 20
DIGITS_MIN_ACCURACY = 0.95


def read_digits(path: str) -> tuple[list[list[float]], list[int]]:
    """The digits file: gzip CSV, one image a line, 64 pixel values 0..16 then the label."""
    images, labels = [], []
    with gzip.open(path, "rt") as f:
        for line in f:
            if not line.strip():
                continue
            values = [float(v) for v in line.split(",")]
            if len(values) != 65:
                raise ValueError(f"{path}: a line with {len(values)} values, expected 65")
            images.append(values[:64])
            labels.append(int(values[64]))
    return images, labels


def check_digits(images: list, labels: list) -> list[str]:
    """Problems with the digits data against scikit-learn's (counts and sums)."""
    problems = []
    if len(images) != DIGITS_IMAGES:
        problems.append(f"{len(images)} images, expected {DIGITS_IMAGES}")
    pixels = sum(sum(row) for row in images)
    if pixels != DIGITS_PIXEL_SUM:
        problems.append(f"pixel sum {pixels:g}, expected {DIGITS_PIXEL_SUM}")
    if sum(labels) != DIGITS_LABEL_SUM or any(not 0 <= c <= 9 for c in labels):
        problems.append(f"label sum {sum(labels)}, expected {DIGITS_LABEL_SUM} (labels 0..9)")
    return problems


def digits_epoch(images: list, labels: list, cnn: bool = False) -> tuple:
    """digits-epoch: one training epoch of an MLP on scikit-learn's 8x8 digits, PyTorch eager.
    With cnn, digits-cnn-epoch: the same with `nabla train digits --model cnn`'s model.

    Data: the 1,797 images of the digits file (gzip CSV, each line 64 pixel values 0..16 then
    the label; Sources/Nabla/Data/Resources/digits.csv.gz, or --digits PATH). The training
    split is the images whose index i in file order has i % 5 != 0: 1,437 images. Inputs are
    pixels / 16 as float32 [n, 64]; labels int64.
    Model: Linear(64, 128) -> ReLU -> Linear(128, 128) -> ReLU -> Linear(128, 10), PyTorch's
    default initialisation, created right after torch.manual_seed(0). digits-cnn-epoch's:
    Conv2d(1, 16, 3, padding=1) -> ReLU -> MaxPool2d(2) -> Conv2d(16, 32, 3, padding=1) -> ReLU
    -> MaxPool2d(2) -> Flatten -> Linear(128, 10) on the images as [n, 1, 8, 8] (torch's
    oneDNN convolutions where it uses them), created likewise.
    Loss: cross-entropy (F.cross_entropy, the batch mean). Optimiser: torch.optim.Adam(lr=1e-3),
    its other settings PyTorch's defaults.
    Epoch: a permutation of the training set from a torch.Generator seeded with 0 (a new
    permutation each epoch), cut into batches of 32 in that order, the last partial batch kept
    (45 batches: 44 of 32 and one of 29); per batch: gather the batch, forward, zero_grad,
    backward, optimizer.step.
    Timed unit: one full epoch, shuffle and batch gathering included. Metric: epoch_ms, the
    median over 20 epochs after 2 warm-up epochs (training goes on across all of them); best
    is the fastest epoch. The train accuracy after those 22 epochs (argmax of the model's
    output over the training split) is reported as a sanity figure and must exceed 0.95.

    Returns (epoch, evaluate): epoch() runs one epoch and returns the last batch's loss;
    evaluate() -> (train accuracy, test accuracy on the 360 images with i % 5 == 0, mean train
    loss), under no_grad.
    """
    nn = torch.nn
    data = torch.tensor(images, dtype=torch.float32) / 16.0
    target = torch.tensor(labels, dtype=torch.int64)
    train = torch.tensor([i for i in range(len(images)) if i % 5 != 0])
    test = torch.tensor([i for i in range(len(images)) if i % 5 == 0])
    if cnn:
        data = data.reshape(-1, 1, 8, 8)
    x_train, y_train = data[train].contiguous(), target[train].contiguous()
    x_test, y_test = data[test].contiguous(), target[test].contiguous()
    n = x_train.shape[0]

    torch.manual_seed(DIGITS_SEED)
    if cnn:
        model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Flatten(), nn.Linear(32 * 2 * 2, 10))
    else:
        model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(),
                              nn.Linear(128, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=DIGITS_LR)
    generator = torch.Generator().manual_seed(DIGITS_SEED)

    def epoch():
        order = torch.randperm(n, generator=generator)
        loss = None
        for start in range(0, n, DIGITS_BATCH):
            batch = order[start:start + DIGITS_BATCH]
            xb, yb = x_train[batch], y_train[batch]
            loss = F.cross_entropy(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return loss

    def evaluate() -> tuple[float, float, float]:
        with torch.no_grad():
            out = model(x_train)
            train_acc = (out.argmax(dim=1) == y_train).to(torch.float64).mean().item()
            test_acc = (model(x_test).argmax(dim=1) == y_test).to(torch.float64).mean().item()
            train_loss = F.cross_entropy(out, y_train).item()
        return train_acc, test_acc, train_loss

    return epoch, evaluate


def digits_train(path: str, cnn: bool = False) -> tuple:
    """Read and check the data, then 2 warm-up epochs and 20 timed ones (each timed alone);
    with cnn, digits-cnn-epoch's model.

    Returns (problems, epoch times in ns, (train accuracy, test accuracy, train loss)).
    """
    if not os.path.exists(path):
        return [f"digits data not found at {path} (pass --digits PATH: scikit-learn's "
                "sklearn/datasets/data/digits.csv.gz has the same format)"], None, None
    images, labels = read_digits(path)
    problems = check_digits(images, labels)
    if problems:
        return problems, None, None
    epoch, evaluate = digits_epoch(images, labels, cnn)
    for _ in range(DIGITS_WARMUP_EPOCHS):
        epoch()
    clock = time.perf_counter_ns
    times = []
    for _ in range(DIGITS_EPOCHS):
        t0 = clock()
        epoch()
        times.append(clock() - t0)
    sanity = evaluate()
    if not sanity[0] > DIGITS_MIN_ACCURACY:
        problems.append(f"train accuracy {sanity[0]!r} after "
                        f"{DIGITS_WARMUP_EPOCHS + DIGITS_EPOCHS} epochs, expected > "
                        f"{DIGITS_MIN_ACCURACY}")
    return problems, times, sanity


def run_digits(path: str, threads: int, info: dict, cnn: bool = False) -> bool:
    """digits-epoch (with cnn, digits-cnn-epoch): train, emit the epoch_ms record (with the
    accuracy), and a "works": false record where the data or the accuracy check failed."""
    workload = "digits-cnn-epoch" if cnn else "digits-epoch"
    problems, times, sanity = digits_train(path, cnn)
    if times is None:
        REPORTER.fail(workload, ENGINE, problems, threads=threads)
        return False
    ms = [t / 1e6 for t in times]
    train_acc, test_acc, train_loss = sanity
    emit({
        "workload": workload,
        "engine": ENGINE,
        "metric": "epoch_ms",
        "value": statistics.median(ms),
        "unit": "ms",
        "threads": threads,
        "best": min(ms),
        "rounds": len(ms),
        "iters": 1,
        "warmup_epochs": DIGITS_WARMUP_EPOCHS,
        "batches": -(-DIGITS_TRAIN // DIGITS_BATCH),
        "train_images": DIGITS_TRAIN,
        "train_accuracy": train_acc,
        "test_accuracy": test_acc,
        "train_loss": train_loss,
        "cpus": harness.pinned_cpus(),
        **info,
    })
    if problems:
        REPORTER.fail(workload, ENGINE, problems, threads=threads)
        return False
    return True


# ---------------------------------------------------------------------------------------------

def self_test(sizes: list[int], digits: str) -> bool:
    ok = True
    for size in sizes:
        ok = harness.self_test_report(log, "perop", check_perop(size),
                                      f"perop size={size} ok") and ok
    ok = harness.self_test_mlp_step(log, mlp_prepare) and ok
    problems = harness.check_demo_inputs()
    ok = harness.self_test_report(log, harness.DEMO_WORKLOAD, problems,
                                  f"{harness.DEMO_WORKLOAD} data and parameters ok") and ok
    if not problems:
        ok = harness.demo_self_test(log, f"{harness.DEMO_WORKLOAD} {DEMO_ENGINE}", demo_run(),
                                    tensor=True) and ok
    if not os.path.exists(digits):
        log(f"self-test: digits-epoch SKIPPED: no data at {digits} (pass --digits PATH)")
        return ok
    for workload, cnn in (("digits-epoch", False), ("digits-cnn-epoch", True)):
        problems, _, sanity = digits_train(digits, cnn)
        msg = (f"{workload} ok (train accuracy {sanity[0]:.4f}, test {sanity[1]:.4f} after "
               f"{DIGITS_WARMUP_EPOCHS + DIGITS_EPOCHS} epochs)" if sanity else "")
        ok = harness.self_test_report(log, workload, problems, msg) and ok
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = harness.workload_parser(__doc__, WORKLOADS)
    harness.add_sizes_arg(parser, DEFAULT_SIZES, "S,S,...", "perop tensor sizes")
    harness.add_threads_arg(parser, "torch")
    parser.add_argument("--digits", default=DIGITS_PATH, metavar="PATH",
                        help="digits-epoch's data: gzip CSV, 64 pixels 0..16 and the label a line "
                             "(default: the repository's Sources/Nabla/Data/Resources/"
                             "digits.csv.gz)")
    harness.add_self_test_arg(parser, "WORKLOADS.md")
    args = harness.parse_workload_args(parser, argv, WORKLOADS)
    sizes = harness.sizes_arg(parser, args)

    set_threads(args.threads)   # before torch (and so OpenMP/MKL) is loaded
    import_torch(args.threads)
    info = runtime_info()

    return harness.run_workloads(args, lambda: self_test(sizes, args.digits), {
        "perop": lambda: run_perop(sizes, args.threads, info),
        "mlp-step": lambda: run_mlp(args.threads, info),
        "micrograd-demo-step": lambda: run_demo(args.threads, info),
        "digits-epoch": lambda: run_digits(args.digits, args.threads, info),
        "digits-cnn-epoch": lambda: run_digits(args.digits, args.threads, info, cnn=True),
    })


if __name__ == "__main__":
    sys.exit(main())
