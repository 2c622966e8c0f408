#!/usr/bin/env python3
"""Compare Nabla's benchmarks with the micrograd, NumPy, PyTorch and JAX peers (WORKLOADS.md W1,
W2, W3, W4, W5, W6, W7, and digits-epoch: see --help for the workloads WORKLOADS.md lacks).

Plain python3 (3.11), standard library only. From the repository root:

    python3 Benchmarks/compare.py                        # table
    python3 Benchmarks/compare.py --json                 # JSON lines
    python3 Benchmarks/compare.py tutorial-dynamic       # one workload
    python3 Benchmarks/compare.py matmul                 # W5 only: Nabla vs NumPy
    python3 Benchmarks/compare.py perop mlp-step         # W6, W4, W7: Nabla vs torch, NumPy, JAX
    python3 Benchmarks/compare.py micrograd-demo-step    # W3: vs micrograd, torch and JAX
    python3 Benchmarks/compare.py digits-epoch --digits PATH   # one Adam epoch: vs torch
    python3 Benchmarks/compare.py --micrograd-chain-n 1000000
    python3 Benchmarks/compare.py --rounds 5 matmul     # 5 interleaved rounds (default 3)
    python3 Benchmarks/compare.py --dry-run             # the jobs, in order; runs nothing

Rounds. The machines are shared and noisy, so Nabla's runs and the peers' are interleaved:
nabla-bench is built once, then each of R rounds (--rounds, default 3) runs, workload by
workload, Nabla's job for the workload and then each peer's job for it (A B A B ...), every job a
fresh process, before the next round starts. Each ratio below is computed per round, from that
round's records; the figure reported is the median of the per-round ratios (not the ratio of
medians), with each side's median over rounds, the min-max of the per-round ratios, and their
spread (max - min) / median in percent. A ratio whose spread exceeds 10% is flagged: UNSTABLE in
the table, "unstable": true in its JSON record. The foreign CPU load is recorded per job (with
its round) and summarised per round.

What it does, in one run (after the build, the jobs of steps 1-3 run in R rounds, as above):
  1. Builds nabla-bench (`swift build -c release --product nabla-bench`, not pinned, once), then
     runs the built binary, one process per workload: `taskset -c 0 .../nabla-bench --json
     WORKLOAD`. With no WORKLOAD arguments, the workloads compared here are requested:
     tutorial-dynamic, tutorial-static, chain-10m, matmul, perop, mlp-step, micrograd-demo-step,
     digits-epoch.
     matmul, mlp-step and digits-epoch run NOT under taskset: nabla-bench measures threads = 1
     and 2 itself and prints one record per (n, threads) / per thread count. perop (W6,
     threads = 1) and micrograd-demo-step (W3, threads = 1) run pinned like the others.
  2. Runs Benchmarks/peers/micrograd_workloads.py with the peer venv's python
     (${NABLA_PEER_VENV:-~/.venvs/nabla-peers}; Benchmarks/peers/setup-venv.sh is called first if
     the venv is missing), one process per workload, pinned to CPU 0; for micrograd-demo-step,
     one process per engine ("micrograd", GC on; "micrograd-gc-off"); micrograd's chain runs
     once a round, at its N, even where several chain-N are requested.
  3. For matmul and mlp-step, runs Benchmarks/peers/numpy_workloads.py (engines "numpy" and
     "numpy-manual") once per thread count, each in its own
     process: threads = 1 under `taskset -c 0`, threads = 2 under `taskset -c 0,1`, with
     OPENBLAS_NUM_THREADS = OMP_NUM_THREADS = MKL_NUM_THREADS = the count, and with
     OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from the peer's environment (this machine
     kind's environment may set them, and they roughly halve OpenBLAS; the output says so).
     For perop and mlp-step, runs Benchmarks/peers/torch_workloads.py (engine "torch-eager",
     torch must be in the venv: setup-venv.sh installs it), each workload and thread count in
     its own process: perop at threads = 1 under `taskset -c 0`; mlp-step at threads = 1 and 2,
     pinned and with the thread variables set as for NumPy (its environment otherwise
     unchanged).
     For perop and mlp-step, runs Benchmarks/peers/jax_workloads.py (engines "jax-jit" and
     "jax-eager", jax must be in the venv: setup-venv.sh installs it) the same way, one process
     per (workload, engine, thread count): so jax-jit's compile_plus_first_step (W7) is measured
     in a fresh process. The script sets XLA's thread flags (XLA_FLAGS) itself.
     For micrograd-demo-step (threads = 1, `taskset -c 0`), runs torch_workloads.py (engine
     "torch-f64-batched") and jax_workloads.py (engine "jax-jit-f64-batched", with its
     compile_plus_first_step), one process each. For digits-epoch, runs torch_workloads.py
     (engine "torch-eager") once per thread count as for mlp-step, with --digits PATH where
     compare.py was given one (else the script's default: the repository's
     Sources/Nabla/Data/Resources/digits.csv.gz).
  4. Prints the machine (CPU model, cores), the load average, the foreign CPU load of each round
     (the mean over its jobs, weighted by wall time, the highest of a job of 1 s or more, and
     each contended job: above 0.1 CPU-s/s), and the ratio micrograd time / Nabla time per
     workload:
       tutorial-dynamic, tutorial-static: time_per_rep (ns);
       chain: ns_per_node_total, micrograd at its N (default 100,000), Nabla at N = 3,333,334 steps
       (10,000,002 nodes)
       (or, for a requested "chain-N", at that N, and micrograd then at the same N by default);
     and for matmul, one row per (n, threads), the ratio the other way round:
     Nabla GFLOP/s / NumPy GFLOP/s (matmul_gflops; higher: Nabla faster);
     for perop, one row per (size S, peer): peer µs / Nabla µs (us_per_op_fwd_bwd; peers
     torch-eager, jax-eager and jax-jit; higher: Nabla faster), with the peer's forward-only
     figure shown alongside where it has one;
     for mlp-step, one row per (threads, Nabla engine, peer): Nabla steps/s / peer steps/s
     (steps_per_s; higher: Nabla faster): nabla-dynamic against torch-eager, numpy-manual and
     jax-eager, nabla-static against jax-jit;
     for W7 (static vs dynamic graph), one row per (threads, engine pair): static steps/s /
     dynamic steps/s, for nabla-static / nabla-dynamic and jax-jit / jax-eager, with each
     static engine's compile time (Nabla's graph compile_s; jax-jit's compile_plus_first_step);
     for micrograd-demo-step (W3), one row per (Nabla engine, peer): peer ms / Nabla ms
     (time_per_step; higher: Nabla faster): nabla-value and nabla-tape each against micrograd
     and micrograd-gc-off, nabla-tensor-dynamic against torch-f64-batched, nabla-tensor-static
     against jax-jit-f64-batched;
     and for digits-epoch, one row per (threads, Nabla engine): torch-eager ms / Nabla ms
     (epoch_ms; nabla-dynamic and nabla-static), with both sides' train accuracy.
     Each ratio row also shows min-max over rounds, the spread, and UNSTABLE above 10%.
     With --json, prints instead every record as JSON lines: the machine (with "rounds"), each
     job (with its "round" and "foreign_cpu_per_s"), each round ("record": "round": jobs, wall
     time, foreign CPU load), Nabla's and the peers' records (each with its "round"), the
     combined ratios ("value": the median ratio; "ratios": one a round; "rounds", "ratio_min",
     "ratio_max", "spread_pct", "unstable"; each side's figure its median), notes and errors.

A peer that fails (build error, crash, missing venv, non-JSON output) is reported (with its
round) and the run goes on with the rest; a row short of rounds says so ("2 of 3 rounds").

For testing without a built nabla-bench: --nabla-records FILE reads Nabla's JSON lines from FILE
(in every round) instead of running Swift. The pure parts (medians, spreads, the flag, the jobs
and their order) have unit tests: `python3 -m unittest discover Benchmarks/tests`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
PEERS_DIR = BENCH_DIR / "peers"
MICROGRAD_SCRIPT = PEERS_DIR / "micrograd_workloads.py"
NUMPY_SCRIPT = PEERS_DIR / "numpy_workloads.py"
TORCH_SCRIPT = PEERS_DIR / "torch_workloads.py"
JAX_SCRIPT = PEERS_DIR / "jax_workloads.py"
SETUP_VENV = PEERS_DIR / "setup-venv.sh"

# chain-10m is the 10,000,000-node chain: 3,333,334 steps of three nodes (N counts steps).
NABLA_CHAIN_N = 3_333_334
DEFAULT_MICROGRAD_CHAIN_N = 100_000
DEMO = "micrograd-demo-step"   # W3
DIGITS = "digits-epoch"
DEFAULT_NABLA_WORKLOADS = ["tutorial-dynamic", "tutorial-static", "chain-10m", "matmul",
                           "perop", "mlp-step", DEMO, DIGITS]

# Nabla workloads that nabla-bench runs in a process of its own, not under taskset (they set
# their thread counts themselves).
UNPINNED_NABLA_WORKLOADS = ("matmul", "mlp-step", DIGITS)
# Nabla workloads run pinned (taskset -c 0) but in a process of their own.
SEPARATE_PINNED_NABLA_WORKLOADS = (DEMO,)
# Workloads whose peers are NumPy, PyTorch and/or JAX rather than micrograd.
NUMPY_WORKLOADS = ("matmul", "mlp-step")
TORCH_WORKLOADS = ("perop", "mlp-step", DEMO, DIGITS)
JAX_WORKLOADS = ("perop", "mlp-step", DEMO)
JAX_ENGINES = ("jax-jit", "jax-eager")   # one process each (W7: compile in a fresh process)
# The JAX engines of each JAX workload; W3's is an engine of its own (one process).
JAX_WORKLOAD_ENGINES = {"perop": JAX_ENGINES, "mlp-step": JAX_ENGINES,
                        DEMO: ("jax-jit-f64-batched",)}
# W3's micrograd engines: one process each.
MICROGRAD_DEMO_ENGINES = ("micrograd", "micrograd-gc-off")
MATMUL_THREADS = (1, 2)              # WORKLOADS.md W5 and W4: threads = 1 and 2
MATMUL_CPUS = {1: "0", 2: "0,1"}     # taskset -c for each thread count
# Thread counts each torch workload runs at (one process per count): W6 and W3 are threads = 1
# only.
TORCH_THREADS = {"perop": (1,), "mlp-step": MATMUL_THREADS, DEMO: (1,), DIGITS: MATMUL_THREADS}
JAX_THREADS = TORCH_THREADS
# W3's rows, in table order: (Nabla engine, peer engine): the scalar engines against micrograd
# (GC on and off), the dynamic tensor engine against torch, the static one against jitted JAX.
DEMO_PAIRS = (("nabla-value", "micrograd"), ("nabla-value", "micrograd-gc-off"),
              ("nabla-tape", "micrograd"), ("nabla-tape", "micrograd-gc-off"),
              ("nabla-tensor-dynamic", "torch-f64-batched"),
              ("nabla-tensor-static", "jax-jit-f64-batched"))
# digits-epoch's Nabla engines, each against torch-eager at the same thread count.
DIGITS_NABLA_ENGINES = ("nabla-dynamic", "nabla-static")
DIGITS_PEER = "torch-eager"
PEROP_PEERS = ("torch-eager", "jax-eager", "jax-jit")   # perop's peer engines, in table order
# mlp-step's rows, in table order: (Nabla engine, peer engine), eager against eager and
# static (compiled) against jitted.
MLP_PAIRS = (("nabla-dynamic", "torch-eager"), ("nabla-dynamic", "numpy-manual"),
             ("nabla-dynamic", "jax-eager"), ("nabla-static", "jax-jit"))
# W7's rows: (static engine, dynamic engine) of the same library, in table order.
W7_PAIRS = (("nabla-static", "nabla-dynamic"), ("jax-jit", "jax-eager"))
BLAS_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
# Set by this machine kind's environment: they force OpenBLAS's Haswell kernels and a cache size
# that roughly halve its speed (WORKLOADS.md, peer figures). Removed for the NumPy peer only.
PEER_UNSET_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")

# Workload names accepted on the command line -> (Nabla workload, micrograd workload or None).
# nabla-bench also accepts "chain-N" (any N): that is compared with micrograd's chain too.
ALIASES = {
    "tutorial-dynamic": ("tutorial-dynamic", "tutorial-dynamic"),
    "tutorial-static": ("tutorial-static", "tutorial-static"),
    "chain-10m": ("chain-10m", "chain"),
    "chain": ("chain-10m", "chain"),
    "matmul": ("matmul", None),      # its peer is NumPy (NUMPY_WORKLOADS), not micrograd
    "perop": ("perop", None),        # peers: torch and JAX (TORCH_WORKLOADS, JAX_WORKLOADS)
    "mlp-step": ("mlp-step", None),  # peers: torch, NumPy and JAX
    DEMO: (DEMO, DEMO),              # peers: micrograd (GC on and off), torch and JAX
    DIGITS: (DIGITS, None),          # peer: torch
}


def chain_n_of(workload: str) -> int | None:
    """N (steps) of a nabla-bench "chain-N" workload ("chain-10m" is 3,333,334 steps), else None."""
    if workload == "chain-10m":
        return NABLA_CHAIN_N
    if workload.startswith("chain-") and workload[6:].isdigit():
        return int(workload[6:])
    return None


def resolve(workload: str) -> tuple[str, str | None]:
    """(Nabla workload, micrograd workload or None) for a command-line workload name."""
    if workload in ALIASES:
        return ALIASES[workload]
    return workload, ("chain" if chain_n_of(workload) else None)


@dataclass(frozen=True)
class Comparison:
    """One row of the table: which micrograd record is compared with which Nabla records."""
    label: str                 # row name
    micrograd_workload: str
    nabla_workload: str
    metric: str                # compared metric (same name on both sides)
    note: str = ""


COMPARISONS = [
    Comparison("tutorial-dynamic", "tutorial-dynamic", "tutorial-dynamic", "time_per_rep"),
    Comparison("tutorial-static", "tutorial-static", "tutorial-static", "time_per_rep",
               "micrograd has no static graph: its figure is the dynamic unit (rebuild the graph)"),
    Comparison("chain", "chain", "chain-10m", "ns_per_node_total",
               "per node (3 nodes per step); micrograd at its N, Nabla at the N shown "
               "(chain-10m: 3,333,334 steps = 10,000,002 nodes)"),
]


DEFAULT_ROUNDS = 3
# A ratio whose per-round values spread over more than this percentage of their median is flagged
# unstable: (max - min) / median * 100 > UNSTABLE_SPREAD_PCT.
UNSTABLE_SPREAD_PCT = 10.0


@dataclass
class Run:
    """Everything one compare.py run collects."""
    records: list[dict] = field(default_factory=list)   # every side's records, with "round"
    jobs: list[dict] = field(default_factory=list)      # one per subprocess: wall time, contention
    errors: list[dict] = field(default_factory=list)    # {"peer": ..., "error": ...}
    notes: list[dict] = field(default_factory=list)     # {"peer": ..., "note": ...}
    quiet_wait_s: float = 60.0   # how long run_job waits for a quiet machine (0: don't wait)
    timeout: float | None = 3600.0   # seconds allowed per subprocess
    rounds: int = DEFAULT_ROUNDS     # rounds requested (each: Nabla's job, then the peers')

    def error(self, peer: str, message: str, round_: int | None = None) -> None:
        rec = {"record": "error", "peer": peer, "error": message}
        if round_ is not None:
            rec["round"] = round_
        self.errors.append(rec)
        where = f" (round {round_})" if round_ is not None else ""
        print(f"compare: {peer}{where}: {message}", file=sys.stderr, flush=True)

    def note(self, peer: str, message: str) -> None:
        self.notes.append({"record": "note", "peer": peer, "note": message})


# ---------------------------------------------------------------------------------------------
# Machine and contention
# ---------------------------------------------------------------------------------------------

def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def machine_record(load_before: tuple, load_after: tuple, rounds: int = DEFAULT_ROUNDS) -> dict:
    return {
        "record": "machine",
        "rounds": rounds,
        "order": "interleaved: each round runs, per workload, Nabla's job and then each peer's",
        "unstable_spread_pct": UNSTABLE_SPREAD_PCT,
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)),
        "pinned_to": "cpu 0 (taskset -c 0)",
        "matmul_pinning": "nabla unpinned (measures threads 1 and 2 itself); "
                          "numpy threads=1 taskset -c 0, threads=2 taskset -c 0,1",
        "mlp_step_pinning": "nabla unpinned (measures threads 1 and 2 itself); torch, numpy and "
                            "jax threads=1 taskset -c 0, threads=2 taskset -c 0,1",
        "perop_pinning": "nabla, torch and jax taskset -c 0 (threads = 1)",
        "micrograd_demo_step_pinning": "nabla, micrograd, torch and jax taskset -c 0 "
                                       "(threads = 1)",
        "digits_epoch_pinning": "nabla unpinned (measures its thread counts itself); torch "
                                "threads=1 taskset -c 0, threads=2 taskset -c 0,1",
        "loadavg_before": list(load_before),
        "loadavg_after": list(load_after),
    }


def busy_cpu_seconds() -> float:
    """Machine-wide busy CPU time so far, from /proc/stat (all CPUs, in seconds)."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal [guest guest_nice: already in user/nice]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    """CPU time used by our waited-for children (and the children they waited for)."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def wait_for_quiet(peer: str, max_wait_s: float, window_s: float = 3.0,
                   threshold: float = 0.10) -> None:
    """Wait until the machine is quiet: < 10% CPU over a 3 s window (WORKLOADS.md, Contention).

    Gives up after max_wait_s, with a warning; the job's foreign-CPU figure still tells.
    """
    if max_wait_s <= 0:
        return
    ncpu = os.cpu_count() or 1
    deadline = time.monotonic() + max_wait_s
    while True:
        b0, t0 = busy_cpu_seconds(), time.monotonic()
        time.sleep(window_s)
        load = (busy_cpu_seconds() - b0) / ((time.monotonic() - t0) * ncpu)
        if load < threshold:
            return
        if time.monotonic() >= deadline:
            print(f"compare: {peer}: machine still busy ({load:.0%} CPU) after {max_wait_s:.0f} s; "
                  "running anyway", file=sys.stderr, flush=True)
            return


def run_job(run: Run, peer: str, cmd: list[str], timeout: float | None,
            cwd: Path = REPO_ROOT, quiet: bool = True, env: dict[str, str] | None = None,
            round_: int | None = None) -> subprocess.CompletedProcess | None:
    """Run one benchmark process; record its wall time and the foreign CPU load during it.

    Foreign CPU = machine busy time minus the job's own, per second of wall time
    (WORKLOADS.md, Contention: above 0.1 CPU-s/s the figures are suspect). Unless quiet is
    False (builds), first waits for the machine to be quiet. env, if given, is the job's whole
    environment (default: this process's). round_: the round the job belongs to (None: the
    build), kept in its job record.
    """
    if quiet:
        wait_for_quiet(peer, run.quiet_wait_s)
    busy0, own0, t0 = busy_cpu_seconds(), children_cpu_seconds(), time.monotonic()
    try:
        proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, timeout=timeout, env=env)
    except FileNotFoundError as err:
        run.error(peer, f"cannot run {cmd[0]!r}: {err}", round_)
        return None
    except subprocess.TimeoutExpired:
        run.error(peer, f"timed out after {timeout} s: {' '.join(cmd)}", round_)
        return None
    wall = time.monotonic() - t0
    foreign = max(0.0, (busy_cpu_seconds() - busy0) - (children_cpu_seconds() - own0))
    job = {"record": "job", "peer": peer, "command": cmd, "wall_s": round(wall, 3),
           "foreign_cpu_per_s": round(foreign / wall, 3) if wall > 0 else None,
           "returncode": proc.returncode}
    if round_ is not None:
        job["round"] = round_
    run.jobs.append(job)
    # /proc/stat counts 10 ms ticks: the figure means little for jobs much shorter than 1 s.
    if contended(job):
        print(f"compare: {peer}: warning: foreign CPU load {job['foreign_cpu_per_s']} CPU-s/s "
              "during the job; figures may be contended", file=sys.stderr, flush=True)
    return proc


def taskset_prefix(cpus: str = "0") -> list[str]:
    """`taskset -c 0` when available (1 thread per WORKLOADS.md); `-c 0,1` for 2 threads."""
    return ["taskset", "-c", cpus] if shutil.which("taskset") else []


# ---------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------

def parse_records(text: str) -> tuple[list[dict], list[str]]:
    """JSON-line records from a benchmark's stdout: objects with a "workload" key.

    Anything else (build chatter, log lines) is returned separately, for error messages.
    """
    records, other = [], []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("{"):
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                obj = None
            if isinstance(obj, dict) and "workload" in obj:
                records.append(obj)
                continue
        other.append(line)
    return records, other


def tail(lines: list[str] | str, n: int = 5) -> str:
    if isinstance(lines, str):
        lines = lines.strip().splitlines()
    return " | ".join(lines[-n:])


# ---------------------------------------------------------------------------------------------
# Jobs and rounds
# ---------------------------------------------------------------------------------------------

@dataclass
class Job:
    """One benchmark process: Nabla's (nabla-bench) or a peer script's, for one workload."""
    peer: str                  # the job's name, e.g. "nabla:matmul", "numpy:matmul:1t"
    side: str                  # "nabla", "micrograd", "numpy", "torch" or "jax"
    workload: str              # the Nabla workload whose unit the job belongs to
    cmd: list[str]
    env: dict[str, str] | None = None   # the whole environment (None: this process's)
    removed: dict[str, str] = field(default_factory=dict)   # variables removed from env
    records_file: Path | None = None    # --nabla-records: read records here, run nothing


@dataclass
class Unit:
    """One workload's jobs in the order a round runs them: Nabla's first, then each peer's."""
    workload: str
    jobs: list[Job]


def nabla_jobs(workload: str, nabla_bench: list[str]) -> list[Job]:
    """Nabla's job for a workload: `nabla-bench --json WORKLOAD`, pinned to CPU 0, except
    matmul, mlp-step and digits-epoch, unpinned (they measure threads = 1 and 2 themselves)."""
    prefix = [] if workload in UNPINNED_NABLA_WORKLOADS else taskset_prefix()
    return [Job(f"nabla:{workload}", "nabla", workload,
                prefix + nabla_bench + ["--json", workload])]


def micrograd_jobs(workload: str, python: Path, chain_n: int) -> list[Job]:
    """micrograd's jobs for a Nabla workload (none where micrograd has no peer), pinned to CPU 0;
    W3 one process per engine (GC on, GC off)."""
    peer_workload = resolve(workload)[1]
    if peer_workload is None:
        return []
    cmd = taskset_prefix() + [str(python), str(MICROGRAD_SCRIPT), peer_workload]
    if peer_workload == "chain":
        cmd += ["--chain-n", str(chain_n)]
    if peer_workload == DEMO:
        return [Job(f"micrograd:{DEMO}:{engine}", "micrograd", workload,
                    cmd + ["--engines", engine]) for engine in MICROGRAD_DEMO_ENGINES]
    return [Job(f"micrograd:{peer_workload}", "micrograd", workload, cmd)]


def thread_env(threads: int) -> dict[str, str]:
    """A peer's environment for a thread count: this one, with the thread variables set to the
    count (the torch and JAX peers'; the NumPy peer's starts from it, see numpy_env)."""
    env = dict(os.environ)
    for var in BLAS_THREAD_VARS:
        env[var] = str(threads)
    return env


def numpy_env(threads: int) -> tuple[dict[str, str], dict[str, str]]:
    """The NumPy peer's environment for a thread count, and the variables removed from it.

    BLAS thread variables are set to the count (OpenBLAS reads them when it is loaded);
    OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed (this peer's environment only).
    """
    env = thread_env(threads)
    removed = {var: env.pop(var) for var in PEER_UNSET_VARS if var in env}
    return env, removed


def numpy_jobs(workload: str, python: Path) -> list[Job]:
    """NumPy's jobs (matmul, mlp-step): one process per thread count, pinned to as many CPUs,
    with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed (numpy_env)."""
    if workload not in NUMPY_WORKLOADS:
        return []
    jobs = []
    for threads in MATMUL_THREADS:
        env, removed = numpy_env(threads)
        cmd = taskset_prefix(MATMUL_CPUS[threads]) + [
            str(python), str(NUMPY_SCRIPT), workload, "--threads", str(threads)]
        jobs.append(Job(f"numpy:{workload}:{threads}t", "numpy", workload, cmd, env, removed))
    return jobs


def torch_jobs(workload: str, python: Path, digits: Path | None = None) -> list[Job]:
    """torch's jobs: one process per thread count (TORCH_THREADS), pinned to as many CPUs;
    digits-epoch reads digits (--digits) where given, else the script's default."""
    if workload not in TORCH_WORKLOADS:
        return []
    jobs = []
    for threads in TORCH_THREADS[workload]:
        cmd = taskset_prefix(MATMUL_CPUS[threads]) + [
            str(python), str(TORCH_SCRIPT), workload, "--threads", str(threads)]
        if workload == DIGITS and digits is not None:
            cmd += ["--digits", str(digits)]
        jobs.append(Job(f"torch:{workload}:{threads}t", "torch", workload, cmd,
                        thread_env(threads)))
    return jobs


def jax_jobs(workload: str, python: Path) -> list[Job]:
    """JAX's jobs: one process per (engine, thread count), so that jax-jit's
    compile_plus_first_step (W7) is measured in a fresh process."""
    if workload not in JAX_WORKLOADS:
        return []
    jobs = []
    for engine in JAX_WORKLOAD_ENGINES[workload]:
        for threads in JAX_THREADS[workload]:
            cmd = taskset_prefix(MATMUL_CPUS[threads]) + [
                str(python), str(JAX_SCRIPT), workload, "--threads", str(threads)]
            if engine in JAX_ENGINES:   # W3's engine is the workload's own
                cmd += ["--engines", engine]
            jobs.append(Job(f"jax:{workload}:{engine}:{threads}t", "jax", workload, cmd,
                            thread_env(threads)))
    return jobs


PEER_SIDES = ("micrograd", "numpy", "torch", "jax")


def plan_units(workloads: list[str], *, nabla_bench: list[str] | None, python: Path | None,
               chain_n: int = DEFAULT_MICROGRAD_CHAIN_N, digits: Path | None = None,
               skip: frozenset[str] | set[str] = frozenset()) -> list[Unit]:
    """One unit per workload (duplicates dropped), in the order given: Nabla's job, then
    micrograd's, NumPy's, torch's and JAX's.

    nabla_bench: the command that runs nabla-bench (None: Nabla not run); python: the peer venv's
    interpreter (None: no peer run); skip: sides not run ("nabla", "micrograd", ...). A peer job
    that an earlier unit already has (micrograd's chain for chain-10m and chain-N) is not
    repeated.
    """
    units, seen = [], set()
    for workload in dict.fromkeys(workloads):
        jobs = []
        if nabla_bench is not None and "nabla" not in skip:
            jobs += nabla_jobs(workload, nabla_bench)
        if python is not None:
            for side, make in (("micrograd", lambda: micrograd_jobs(workload, python, chain_n)),
                               ("numpy", lambda: numpy_jobs(workload, python)),
                               ("torch", lambda: torch_jobs(workload, python, digits)),
                               ("jax", lambda: jax_jobs(workload, python))):
                if side not in skip:
                    jobs += make()
        jobs = [job for job in jobs if job.peer not in seen]
        seen.update(job.peer for job in jobs)
        if jobs:
            units.append(Unit(workload, jobs))
    return units


def schedule(units: list[Unit], rounds: int) -> list[tuple[int, Job]]:
    """(round, job) in the order they run: round 1 runs each unit's jobs (Nabla's, then each
    peer's for the same workload), then round 2 the same, and so on: A B A B ... per workload."""
    return [(r, job) for r in range(1, rounds + 1) for unit in units for job in unit.jobs]


def run_rounds(run: Run, units: list[Unit], rounds: int,
               execute: Callable[[Run, Job, int], None] | None = None) -> None:
    """Run schedule(units, rounds), each job through execute (default: execute_job)."""
    execute = execute or execute_job
    for r, job in schedule(units, rounds):
        execute(run, job, r)


def execute_job(run: Run, job: Job, round_: int) -> None:
    """Run one job (run_job) and add its records, tagged with the round, to run; an error for a
    failed exit, no records, or each "works": false record (e.g. micrograd's chain's recorded
    RecursionError, a failed check). With records_file, reads Nabla's records from it instead."""
    if job.records_file is not None:
        try:
            records, other = parse_records(job.records_file.read_text())
        except OSError as err:
            run.error(job.peer, f"cannot read {job.records_file}: {err}", round_)
            return
        if not records:
            run.error(job.peer, f"no JSON records in {job.records_file}: {tail(other)}", round_)
        run.records.extend({**rec, "round": round_} for rec in records)
        return

    proc = run_job(run, job.peer, job.cmd, run.timeout, env=job.env, round_=round_)
    if proc is None:
        return
    records, other = parse_records(proc.stdout)
    run.records.extend({**rec, "round": round_} for rec in records)
    program = "nabla-bench" if job.side == "nabla" else "the peer"
    if proc.returncode != 0:
        hint = (f" ({job.side} missing from the venv? run {SETUP_VENV})"
                if job.side in PEER_SIDES and f"No module named '{job.side}'" in proc.stderr
                else "")
        run.error(job.peer, f"{program} exited with status {proc.returncode}: "
                            f"{tail(proc.stderr or other)}{hint}", round_)
    elif not records:
        run.error(job.peer, f"{program} printed no JSON records: "
                            f"{tail(other + [proc.stderr])}", round_)
    for r in records:
        if r.get("metric") == "works" and r.get("value") is False:
            run.error(job.peer, r.get("error", "failed"), round_)


def build_nabla(run: Run) -> list[str] | None:
    """Build nabla-bench in release (unpinned, before any round) and return the command that
    runs the built binary, or None (with an error) where swift is missing or the build fails."""
    if not shutil.which("swift"):
        run.error("nabla", "swift not found on PATH")
        return None
    build = run_job(run, "nabla-build",
                    ["swift", "build", "-c", "release", "--product", "nabla-bench"],
                    run.timeout, quiet=False)
    if build is None:
        return None
    if build.returncode != 0:
        run.error("nabla", f"swift build failed ({build.returncode}): "
                           f"{tail(build.stderr or build.stdout)}")
        return None
    # The binary itself, not `swift run`: each round starts it afresh, and `swift run` would add
    # its own start-up to every job.
    where = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=REPO_ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    binary = Path(where.stdout.strip()) / "nabla-bench"
    if where.returncode != 0 or not binary.exists():
        run.error("nabla", f"nabla-bench not found after the build ({binary}): "
                           f"{tail(where.stderr)}")
        return None
    return [str(binary)]


def venv_python() -> Path:
    venv = Path(os.environ.get("NABLA_PEER_VENV", Path.home() / ".venvs" / "nabla-peers"))
    return venv / "bin" / "python"


def ensure_venv(run: Run, peer: str = "peers") -> Path | None:
    """The peer venv's python, running setup-venv.sh first if the venv is missing."""
    python = venv_python()
    if python.exists():
        return python
    print(f"compare: {python} missing; running {SETUP_VENV}", file=sys.stderr, flush=True)
    proc = subprocess.run(["bash", str(SETUP_VENV)], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0 or not python.exists():
        run.error(peer, f"setup-venv.sh failed ({proc.returncode}): {tail(proc.stdout)}")
        return None
    return python


def removed_env_note(units: list[Unit]) -> str | None:
    """The note on the variables removed from the NumPy peer's environment (None: no NumPy job)."""
    numpy = [job for unit in units for job in unit.jobs if job.side == "numpy"]
    if not numpy:
        return None
    removed = {k: v for job in numpy for k, v in job.removed.items()}
    if removed:
        return ("unset for the NumPy peer (its environment only): "
                + ", ".join(f"{k}={v}" for k, v in removed.items())
                + "; they force OpenBLAS kernels/cache sizes that roughly halve its speed")
    return (f"{' and '.join(PEER_UNSET_VARS)} would be unset for the NumPy peer; "
            "neither was set here")


def round_records(jobs: list[dict]) -> list[dict]:
    """Per round: its jobs, their wall time, and the foreign CPU load during them (the mean
    weighted by wall time, and the highest of any job of 1 s or more)."""
    out = []
    for r in sorted({job["round"] for job in jobs if job.get("round") is not None}):
        mine = [job for job in jobs if job.get("round") == r]
        wall = sum(job["wall_s"] for job in mine)
        loads = [(job["wall_s"], job["foreign_cpu_per_s"]) for job in mine
                 if job["foreign_cpu_per_s"] is not None]
        weighted = sum(w * f for w, f in loads)
        long_jobs = [f for w, f in loads if w >= 1.0]
        out.append({
            "record": "round",
            "round": r,
            "jobs": len(mine),
            "wall_s": round(wall, 3),
            "foreign_cpu_per_s": round(weighted / wall, 3) if wall > 0 and loads else None,
            "foreign_cpu_per_s_max": max(long_jobs) if long_jobs else None,
            "contended_jobs": [job["peer"] for job in mine if contended(job)],
        })
    return out


def contended(job: dict) -> bool:
    """Was a job of 1 s or more run with more than 0.1 CPU-s/s of foreign load (WORKLOADS.md)?"""
    return job["wall_s"] >= 1.0 and (job["foreign_cpu_per_s"] or 0) > 0.1


# ---------------------------------------------------------------------------------------------
# Ratios
# ---------------------------------------------------------------------------------------------

def is_nabla(record: dict) -> bool:
    return str(record.get("engine", "")).startswith("nabla")


def nabla_matches(record: dict, comp: Comparison) -> bool:
    """Does a Nabla record belong to this comparison's row?

    Accepts the workload named as in the comparison, any "chain-N" for the chain row, and a
    combined "tutorial" workload whose engine (nabla-dynamic / nabla-static) says which of the
    two rows it belongs to.
    """
    if not is_nabla(record) or record.get("metric") != comp.metric:
        return False
    workload = record.get("workload")
    if workload == comp.nabla_workload:
        return True
    if comp.label == "chain" and chain_n_of(str(workload)):
        return True
    if workload == "tutorial" and comp.label.startswith("tutorial-"):
        return record.get("engine") == "nabla-" + comp.label.removeprefix("tutorial-")
    return False


def ratio_records(records: list[dict]) -> list[dict]:
    """One ratio record per (comparison, Nabla engine) where both sides have a number."""
    out = []
    for comp in COMPARISONS:
        mg = find_record(records, engine="micrograd", workload=comp.micrograd_workload,
                         metric=comp.metric)
        for nb in (r for r in records if nabla_matches(r, comp)):
            ok = (mg is not None and isinstance(mg.get("value"), (int, float))
                  and isinstance(nb.get("value"), (int, float)) and nb["value"] > 0)
            rec = {
                "record": "ratio",
                "workload": comp.label,
                "engine": "ratio",
                "metric": f"micrograd_over_{nb.get('engine')}",
                "value": mg["value"] / nb["value"] if ok else None,
                "unit": "x",
                "compared_metric": comp.metric,
                "micrograd": mg.get("value") if mg else None,
                "nabla": nb.get("value"),
                "nabla_engine": nb.get("engine"),
                "compared_unit": nb.get("unit"),
            }
            if comp.label == "chain":
                rec["micrograd_n"] = mg.get("n") if mg else None
                rec["nabla_n"] = nb.get("n", chain_n_of(str(nb.get("workload"))))
            if comp.note:
                rec["note"] = comp.note
            out.append(rec)
    return (out + matmul_ratio_records(records) + perop_ratio_records(records)
            + mlp_ratio_records(records) + w7_ratio_records(records)
            + demo_ratio_records(records) + digits_ratio_records(records))


MATMUL_RATIO_NOTE = ("Nabla GFLOP/s / NumPy GFLOP/s (higher: Nabla faster); unlike the other "
                     "rows, whose ratio is peer time / Nabla time")


def matmul_key(record: dict) -> tuple | None:
    """(n, threads) of a W5 matmul_gflops record, else None."""
    if record.get("workload") != "matmul" or record.get("metric") != "matmul_gflops":
        return None
    try:
        return int(record["n"]), int(record["threads"])
    except (KeyError, TypeError, ValueError):
        return None


def matmul_ratio_records(records: list[dict]) -> list[dict]:
    """One ratio record per (n, threads) seen on either side: Nabla GFLOP/s / NumPy GFLOP/s."""
    nabla: dict[tuple, dict] = {}
    numpy: dict[tuple, dict] = {}
    for r in records:
        key = matmul_key(r)
        if key is None:
            continue
        if is_nabla(r):
            nabla.setdefault(key, r)
        elif r.get("engine") == "numpy":
            numpy.setdefault(key, r)
    out = []
    for key in sorted(set(nabla) | set(numpy)):
        nb, np_ = nabla.get(key), numpy.get(key)
        ok = (nb is not None and np_ is not None and isinstance(nb.get("value"), (int, float))
              and isinstance(np_.get("value"), (int, float)) and np_["value"] > 0)
        out.append({
            "record": "ratio",
            "workload": "matmul",
            "engine": "ratio",
            "metric": f"{nb.get('engine') if nb else 'nabla'}_over_numpy",
            "value": nb["value"] / np_["value"] if ok else None,
            "unit": "x",
            "n": key[0],
            "threads": key[1],
            "compared_metric": "matmul_gflops",
            "compared_unit": "GFLOP/s",
            "nabla": nb.get("value") if nb else None,
            "numpy": np_.get("value") if np_ else None,
            "nabla_engine": nb.get("engine") if nb else None,
            "note": MATMUL_RATIO_NOTE,
        })
    return out


PEROP_RATIO_NOTE = ("peer µs per op / Nabla µs per op (fwd + bwd; higher: Nabla faster); jax-jit "
                    "fuses the whole chain, so its figure is call overhead / 1000, not a "
                    "per-op cost")
MLP_RATIO_NOTE = ("Nabla steps/s / peer steps/s (higher: Nabla faster); unlike the micrograd "
                  "rows, whose ratio is peer time / Nabla time")
W7_RATIO_NOTE = ("static steps/s / dynamic steps/s of the same library (higher: its static "
                 "graph faster; W7's speedup_vs_<eager>)")


def int_field(record: dict, name: str) -> int | None:
    try:
        return int(record[name])
    except (KeyError, TypeError, ValueError):
        return None


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def perop_ratio_records(records: list[dict]) -> list[dict]:
    """W6: one ratio record per (size, peer) seen on either side: peer µs / Nabla µs
    (fwd + bwd), with the peer's forward-only figure where it has one."""
    metric = "us_per_op_fwd_bwd"
    nabla: dict[int, dict] = {}
    peers: dict[tuple[int, str], dict] = {}
    peers_fwd: dict[tuple[int, str], dict] = {}
    for r in records:
        size = int_field(r, "size")
        if r.get("workload") != "perop" or size is None:
            continue
        if is_nabla(r) and r.get("metric") == metric:
            nabla.setdefault(size, r)
        elif r.get("engine") in PEROP_PEERS and r.get("metric") == metric:
            peers.setdefault((size, r["engine"]), r)
        elif r.get("engine") in PEROP_PEERS and r.get("metric") == "us_per_op_fwd_only":
            peers_fwd.setdefault((size, r["engine"]), r)
    out = []
    for size in sorted(set(nabla) | {s for s, _ in peers}):
        nb = nabla.get(size)
        nb_engine = nb.get("engine") if nb else "nabla-dynamic"
        for peer in PEROP_PEERS:
            pr = peers.get((size, peer))
            if pr is None and (nb is None or peer != PEROP_PEERS[0]):
                continue   # a peer that did not run: no row (torch's row shows Nabla alone)
            ok = (nb is not None and pr is not None and is_number(nb.get("value"))
                  and is_number(pr.get("value")) and nb["value"] > 0)
            fwd = peers_fwd.get((size, peer))
            out.append({
                "record": "ratio",
                "workload": "perop",
                "engine": "ratio",
                "metric": f"{peer}_over_{nb_engine}",
                "value": pr["value"] / nb["value"] if ok else None,
                "unit": "x",
                "size": size,
                "threads": 1,
                "peer": peer,
                "compared_metric": metric,
                "compared_unit": "µs",
                "peer_value": pr.get("value") if pr else None,
                "peer_fwd_only": fwd.get("value") if fwd else None,
                "nabla": nb.get("value") if nb else None,
                "nabla_engine": nb.get("engine") if nb else None,
                "note": PEROP_RATIO_NOTE,
            })
    return out


def steps_per_s_records(records: list[dict]) -> dict[tuple[int, str], dict]:
    """W4's steps_per_s records by (threads, engine), the first of each."""
    out: dict[tuple[int, str], dict] = {}
    for r in records:
        threads = int_field(r, "threads")
        if (r.get("workload") == "mlp-step" and r.get("metric") == "steps_per_s"
                and threads is not None and isinstance(r.get("engine"), str)):
            out.setdefault((threads, r["engine"]), r)
    return out


def mlp_ratio_records(records: list[dict]) -> list[dict]:
    """W4: one ratio record per (threads, MLP_PAIRS row): Nabla steps/s / peer steps/s."""
    rates = steps_per_s_records(records)
    out = []
    for threads in sorted({t for t, _ in rates}):
        for nb_engine, peer in MLP_PAIRS:
            nb, pr = rates.get((threads, nb_engine)), rates.get((threads, peer))
            if nb is None and pr is None:
                continue
            if pr is None and peer.startswith("jax-"):
                continue   # JAX did not run (--skip-jax, or an older run): no JAX rows
            ok = (nb is not None and pr is not None and is_number(nb.get("value"))
                  and is_number(pr.get("value")) and pr["value"] > 0)
            out.append({
                "record": "ratio",
                "workload": "mlp-step",
                "engine": "ratio",
                "metric": f"{nb_engine}_over_{peer}",
                "value": nb["value"] / pr["value"] if ok else None,
                "unit": "x",
                "threads": threads,
                "peer": peer,
                "compared_metric": "steps_per_s",
                "compared_unit": "steps/s",
                "nabla": nb.get("value") if nb else None,
                "peer_value": pr.get("value") if pr else None,
                "nabla_engine": nb_engine,
                "note": MLP_RATIO_NOTE,
            })
    return out


def w7_ratio_records(records: list[dict]) -> list[dict]:
    """W7: one ratio record per (threads, W7_PAIRS row) where both engines ran: static steps/s
    / dynamic steps/s, with the static engine's compile time (Nabla's compile_s: the graph's
    compilation; jax-jit's compile_plus_first_step: jit, tracing, XLA compile and first step)."""
    rates = steps_per_s_records(records)
    out = []
    for threads in sorted({t for t, _ in rates}):
        for static, dynamic in W7_PAIRS:
            st, dy = rates.get((threads, static)), rates.get((threads, dynamic))
            if st is None or dy is None:
                continue
            ok = (is_number(st.get("value")) and is_number(dy.get("value"))
                  and dy["value"] > 0)
            if static == "jax-jit":
                compiled = find_record(records, workload="mlp-step", engine=static,
                                       metric="compile_plus_first_step", threads=threads)
                compile_s = compiled.get("value") if compiled else None
                compile_what = "compile_plus_first_step"
            else:
                compile_s = st.get("compile_s")
                compile_what = "compile_s (graph compile, no step)"
            out.append({
                "record": "ratio",
                "workload": "static-vs-dynamic",
                "engine": "ratio",
                "metric": f"speedup_vs_{dynamic}",
                "value": st["value"] / dy["value"] if ok else None,
                "unit": "x",
                "threads": threads,
                "static_engine": static,
                "dynamic_engine": dynamic,
                "compared_metric": "steps_per_s",
                "compared_unit": "steps/s",
                "static": st.get("value"),
                "dynamic": dy.get("value"),
                "compile_s": compile_s if is_number(compile_s) else None,
                "compile_metric": compile_what,
                "note": W7_RATIO_NOTE,
            })
    return out


DEMO_RATIO_NOTE = ("peer ms per step / Nabla ms per step (higher: Nabla faster); the scalar "
                   "engines against micrograd (GC on, and off during the step), the batched "
                   "float64 tensor engines against torch (dynamic) and jitted JAX (static)")
DIGITS_RATIO_NOTE = "torch-eager ms per epoch / Nabla ms per epoch (higher: Nabla faster)"
MS_PER_UNIT = {"s": 1e3, "ms": 1.0, "µs": 1e-3, "us": 1e-3, "ns": 1e-6}


def value_ms(record: dict | None) -> float | None:
    """A record's value in ms (its unit s, ms, µs or ns), else None."""
    if record is None or not is_number(record.get("value")):
        return None
    scale = MS_PER_UNIT.get(record.get("unit", "ms"))
    return record["value"] * scale if scale is not None else None


def demo_ratio_records(records: list[dict]) -> list[dict]:
    """W3: one ratio record per DEMO_PAIRS row where either side ran: peer ms / Nabla ms
    (time_per_step)."""
    times: dict[str, dict] = {}
    for r in records:
        if (r.get("workload") == DEMO and r.get("metric") == "time_per_step"
                and isinstance(r.get("engine"), str)):
            times.setdefault(r["engine"], r)
    out = []
    for nb_engine, peer in DEMO_PAIRS:
        nb, pr = times.get(nb_engine), times.get(peer)
        if nb is None and pr is None:
            continue
        nb_ms, pr_ms = value_ms(nb), value_ms(pr)
        out.append({
            "record": "ratio",
            "workload": DEMO,
            "engine": "ratio",
            "metric": f"{peer}_over_{nb_engine}",
            "value": pr_ms / nb_ms if nb_ms and pr_ms is not None else None,
            "unit": "x",
            "threads": 1,
            "peer": peer,
            "compared_metric": "time_per_step",
            "compared_unit": "ms",
            "peer_value": pr_ms,
            "nabla": nb_ms,
            "nabla_engine": nb_engine,
            "note": DEMO_RATIO_NOTE,
        })
    return out


def digits_ratio_records(records: list[dict]) -> list[dict]:
    """digits-epoch: one ratio record per (threads, Nabla engine) where either side ran:
    torch-eager ms / Nabla ms (epoch_ms) at the same thread count."""
    times: dict[tuple[int, str], dict] = {}
    for r in records:
        threads = int_field(r, "threads")
        if (r.get("workload") == DIGITS and r.get("metric") == "epoch_ms"
                and threads is not None and isinstance(r.get("engine"), str)):
            times.setdefault((threads, r["engine"]), r)
    out = []
    for threads in sorted({t for t, _ in times}):
        pr = times.get((threads, DIGITS_PEER))
        engines = [e for e in DIGITS_NABLA_ENGINES if (threads, e) in times]
        for nb_engine in engines or ([None] if pr is not None else []):
            nb = times.get((threads, nb_engine)) if nb_engine else None
            nb_ms, pr_ms = value_ms(nb), value_ms(pr)
            out.append({
                "record": "ratio",
                "workload": DIGITS,
                "engine": "ratio",
                "metric": f"{DIGITS_PEER}_over_{nb_engine or 'nabla'}",
                "value": pr_ms / nb_ms if nb_ms and pr_ms is not None else None,
                "unit": "x",
                "threads": threads,
                "peer": DIGITS_PEER,
                "compared_metric": "epoch_ms",
                "compared_unit": "ms",
                "peer_value": pr_ms,
                "nabla": nb_ms,
                "nabla_engine": nb_engine,
                "peer_train_accuracy": pr.get("train_accuracy") if pr else None,
                "nabla_train_accuracy": nb.get("train_accuracy") if nb else None,
                "note": DIGITS_RATIO_NOTE,
            })
    return out


# ---------------------------------------------------------------------------------------------
# Rounds: medians and the spread of each ratio
# ---------------------------------------------------------------------------------------------

# The fields that name a ratio row (the same row in every round); the others are figures.
RATIO_KEY_FIELDS = ("workload", "metric", "n", "size", "threads", "peer", "nabla_engine",
                    "static_engine", "dynamic_engine", "nabla_n")
# Each side's figures in a ratio record: combined over rounds by their median.
SIDE_FIELDS = ("micrograd", "nabla", "numpy", "peer_value", "peer_fwd_only", "static", "dynamic",
               "compile_s", "peer_train_accuracy", "nabla_train_accuracy")


def median(values) -> float | None:
    """The median of the numbers among values (booleans and None ignored), else None."""
    numbers = [v for v in values if is_number(v)]
    return statistics.median(numbers) if numbers else None


def ratio_spread(ratios) -> dict:
    """The median of per-round ratios (value), their min and max, and the spread
    (max - min) / median in percent; the spread is None with fewer than two ratios."""
    numbers = [v for v in ratios if is_number(v)]
    if not numbers:
        return {"value": None, "ratio_min": None, "ratio_max": None, "spread_pct": None}
    mid, lo, hi = statistics.median(numbers), min(numbers), max(numbers)
    spread = (hi - lo) / mid * 100 if len(numbers) > 1 and mid > 0 else None
    return {"value": mid, "ratio_min": lo, "ratio_max": hi, "spread_pct": spread}


def is_unstable(spread_pct: float | None, limit: float = UNSTABLE_SPREAD_PCT) -> bool:
    """Is a ratio's spread (percent) above the limit (default 10%)? False where there is none."""
    return spread_pct is not None and spread_pct > limit


def records_by_round(records: list[dict]) -> list[list[dict]]:
    """The records of each round, in round order (a record without "round" counts as round 0)."""
    rounds: dict[int, list[dict]] = {}
    for rec in records:
        rounds.setdefault(rec.get("round") or 0, []).append(rec)
    return [rounds[r] for r in sorted(rounds)]


def combine_rounds(per_round: list[list[dict]]) -> list[dict]:
    """One ratio record per row (RATIO_KEY_FIELDS) from each round's ratio records: each side's
    figure the median over rounds, value the median of the per-round ratios, with "ratios" (one a
    round that had both sides), "rounds" (how many), ratio_min, ratio_max, spread_pct and
    "unstable" (spread above UNSTABLE_SPREAD_PCT). Rows keep the order of their first round."""
    rows: dict[tuple, list[dict]] = {}
    for records in per_round:
        for rec in records:
            rows.setdefault(tuple(rec.get(f) for f in RATIO_KEY_FIELDS), []).append(rec)
    out = []
    for recs in rows.values():
        combined = dict(recs[0])
        for name in SIDE_FIELDS:
            if name in combined:
                combined[name] = median(r.get(name) for r in recs)
        ratios = [r["value"] for r in recs if is_number(r.get("value"))]
        combined.update(ratio_spread(ratios))
        combined["ratios"] = ratios
        combined["rounds"] = len(ratios)
        combined["unstable"] = is_unstable(combined["spread_pct"])
        out.append(combined)
    return out


def combined_ratio_records(records: list[dict]) -> list[dict]:
    """The ratio records of a run: ratio_records of each round, combined (combine_rounds)."""
    return combine_rounds([ratio_records(rs) for rs in records_by_round(records)])


def median_figure(records: list[dict], name: str = "value", **fields) -> float | None:
    """The median over rounds of a figure (name) of the records with these fields."""
    return median(r.get(name) for r in records if all(r.get(k) == v for k, v in fields.items()))


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------

def fmt_time(value, unit: str | None) -> str:
    """A time in the most readable unit (input in ns or s)."""
    if not isinstance(value, (int, float)):
        return "-"
    ns = value * 1e9 if unit == "s" else value
    for scale, name in ((1e9, "s"), (1e6, "ms"), (1e3, "µs")):
        if ns >= scale:
            return f"{ns / scale:.3g} {name}"
    return f"{ns:.3g} ns"


def print_table(run: Run, machine: dict) -> None:
    print(f"machine: {machine['cpu']}, {machine['cores']} cores "
          f"({machine['usable_cores']} usable), benchmarks pinned to {machine['pinned_to']}")
    print("load average: {} before, {} after".format(
        " ".join(f"{x:.2f}" for x in machine["loadavg_before"]),
        " ".join(f"{x:.2f}" for x in machine["loadavg_after"])))
    print(f"rounds: {run.rounds}, interleaved (each round runs, per workload, Nabla's job and "
          "then each peer's, every job a fresh process)")
    for job in run.jobs:
        if job.get("round") is None:   # the build
            print(f"  job {job['peer']} {job['wall_s']:.2f} s wall")
    for rnd in round_records(run.jobs):
        load, top = rnd["foreign_cpu_per_s"], rnd["foreign_cpu_per_s_max"]
        print(f"  round {rnd['round']}: {rnd['jobs']} jobs, {rnd['wall_s']:.1f} s wall, "
              f"foreign CPU {load if load is not None else '-'} CPU-s/s "
              f"(highest in a job of 1 s or more: {top if top is not None else '-'})")
        for job in run.jobs:
            if job.get("round") == rnd["round"] and contended(job):
                print(f"    contended: {job['peer']} {job['wall_s']:.2f} s wall, foreign CPU "
                      f"{job['foreign_cpu_per_s']} CPU-s/s")
    print("each ratio: the median of its per-round ratios (each side's figure: its median over "
          "rounds);")
    print(f"  min-max: of the per-round ratios; spread = (max - min) / median; "
          f"{UNSTABLE_FLAG.strip()}: a spread above {UNSTABLE_SPREAD_PCT:g}%")
    ratios = combined_ratio_records(run.records)
    notes = [f"{n['peer']}: {n['note']}" for n in run.notes]
    # workloads with a table of their own
    own_tables = ("matmul", "perop", "mlp-step", "static-vs-dynamic", DEMO, DIGITS)
    matmul_rows = [r for r in ratios if r["workload"] == "matmul"]
    perop_rows = [r for r in ratios if r["workload"] == "perop"]
    mlp_rows = [r for r in ratios if r["workload"] == "mlp-step"]
    w7_rows = [r for r in ratios if r["workload"] == "static-vs-dynamic"]
    demo_rows = [r for r in ratios if r["workload"] == DEMO]
    digits_rows = [r for r in ratios if r["workload"] == DIGITS]
    micrograd_rows = any(r["workload"] not in own_tables for r in ratios) or any(
        r.get("engine") == "micrograd" and r.get("workload") not in own_tables
        for r in run.records)
    if micrograd_rows or not (matmul_rows or perop_rows or mlp_rows or w7_rows or demo_rows
                              or digits_rows):
        print_micrograd_table(run, ratios, notes)
    if matmul_rows:
        print_matmul_table(run, matmul_rows, notes)
    if perop_rows:
        print_perop_table(run, perop_rows, notes)
    if mlp_rows:
        print_mlp_table(run, mlp_rows, notes)
    if w7_rows:
        print_w7_table(run, w7_rows, notes)
    if demo_rows:
        print_demo_table(run, demo_rows, notes)
    if digits_rows:
        print_digits_table(run, digits_rows, notes)
    if notes:
        print()
        print("notes:")
        for n in notes:
            print(f"  {n}")
    if run.errors:
        print()
        print("errors:")
        for e in run.errors:
            where = f" (round {e['round']})" if e.get("round") is not None else ""
            print(f"  {e['peer']}{where}: {e['error']}")


def find_record(records: list[dict], **fields) -> dict | None:
    """The first record with these fields (e.g. engine="numpy", workload="matmul"), else None."""
    return next((r for r in records if all(r.get(k) == v for k, v in fields.items())), None)


def print_table_head(*titles: str, header: str) -> None:
    """A table's opening: a blank line, the title lines, the column header and its rule."""
    print()
    for title in titles:
        print(title)
    print(header)
    print("-" * len(header))


def ratio_text(value, digits: int = 2) -> str:
    """A ratio as "1.23x" (digits after the point), or "n/a" where there is none."""
    return f"{value:.{digits}f}x" if value is not None else "n/a"


UNSTABLE_FLAG = "  UNSTABLE"
SPREAD_HEADER = f" {'min-max':>13} {'spread':>7}"


def spread_cells(row: dict, rounds: int, digits: int = 2) -> str:
    """A ratio row's spread columns (SPREAD_HEADER): min-max of its per-round ratios and the
    spread in percent, then UNSTABLE where the spread is above UNSTABLE_SPREAD_PCT and
    "(k of N rounds)" where only k of the N rounds gave a ratio."""
    lo, hi, spread = row.get("ratio_min"), row.get("ratio_max"), row.get("spread_pct")
    span = f"{lo:.{digits}f}-{hi:.{digits}f}" if is_number(lo) and is_number(hi) else "-"
    text = f" {span:>13} {f'{spread:.1f}%' if is_number(spread) else '-':>7}"
    if row.get("unstable"):
        text += UNSTABLE_FLAG
    if row.get("rounds", rounds) < rounds:
        text += f"  ({row['rounds']} of {rounds} rounds)"
    return text


def print_micrograd_table(run: Run, ratios: list[dict], notes: list[str]) -> None:
    print_table_head(
        "ratio = micrograd time / Nabla time (higher: Nabla faster)",
        header=(f"{'workload':<18} {'metric':<18} {'micrograd':<22} {'Nabla':<34} {'ratio':>9}"
                + SPREAD_HEADER))

    for comp in COMPARISONS:
        rows = [r for r in ratios if r["workload"] == comp.label]
        mg = find_record(run.records, engine="micrograd", workload=comp.micrograd_workload,
                         metric=comp.metric)
        if not rows and mg is None:
            continue
        if comp.note:
            notes.append(f"{comp.label}: {comp.note}")
        chain_n = f" (N={mg.get('n'):,})" if comp.label == "chain" and mg else ""
        if not rows:  # micrograd only: Nabla missing or failed
            mg_value = median_figure(run.records, engine="micrograd",
                                     workload=comp.micrograd_workload, metric=comp.metric)
            mg_text = fmt_time(mg_value, mg.get("unit")) + chain_n
            print(f"{comp.label:<18} {comp.metric:<18} {mg_text:<22} {'-':<34} {'n/a':>9}")
            continue
        for r in rows:
            mg_text = (fmt_time(r["micrograd"], mg.get("unit")) if mg else "-") + chain_n
            nb_text = f"{fmt_time(r['nabla'], r['compared_unit'])} ({r['nabla_engine']}"
            if comp.label == "chain" and isinstance(r["nabla_n"], int):
                nb_text += f", N={r['nabla_n']:,}"
            nb_text += ")"
            ratio = ratio_text(r["value"], 1)
            print(f"{comp.label:<18} {comp.metric:<18} {mg_text:<22} {nb_text:<34} {ratio:>9}"
                  + spread_cells(r, run.rounds, 1))


def print_matmul_table(run: Run, rows: list[dict], notes: list[str]) -> None:
    """W5: one row per (n, threads); the ratio is Nabla / NumPy (GFLOP/s, higher is better)."""
    def gflops(value) -> str:
        return f"{value:.1f}" if isinstance(value, (int, float)) else "-"

    print_table_head(
        "matmul (W5, float32 C = A @ B): matmul_gflops, median timing round, GFLOP/s",
        "ratio = Nabla / NumPy GFLOP/s (higher: Nabla faster)",
        header=(f"{'n':>6} {'threads':>8} {'NumPy GFLOP/s':>14} {'Nabla GFLOP/s':>14} "
                f"{'Nabla / NumPy':>14}" + SPREAD_HEADER))
    for r in rows:
        print(f"{r['n']:>6} {r['threads']:>8} {gflops(r['numpy']):>14} {gflops(r['nabla']):>14} "
              f"{ratio_text(r['value']):>14}" + spread_cells(r, run.rounds))
    np_rec = next((r for r in run.records
                   if r.get("engine") == "numpy" and matmul_key(r) is not None), None)
    nb_rec = next((r for r in run.records if is_nabla(r) and matmul_key(r) is not None), None)
    if np_rec and np_rec.get("blas"):
        core = f", core {np_rec['blas_core']}" if np_rec.get("blas_core") else ""
        notes.append(f"matmul: NumPy {np_rec.get('numpy', '')} with {np_rec['blas']}{core}")
    if nb_rec and nb_rec.get("kernel"):
        notes.append(f"matmul: Nabla kernel {nb_rec['kernel']}")
    notes.append("matmul: Nabla runs unpinned in one process and sets its threads itself; "
                 "NumPy runs once per thread count, taskset -c 0 (1 thread) / 0,1 (2 threads)")


def print_perop_table(run: Run, rows: list[dict], notes: list[str]) -> None:
    """W6: one row per (size, peer); the ratio is peer time / Nabla time (fwd + bwd, per op)."""
    def us(value) -> str:
        return f"{value:.3f}" if is_number(value) else "-"

    print_table_head(
        "perop (W6, 1000 recorded float32 ops, fwd + bwd, threads = 1): µs per op, median "
        "timing round",
        "ratio = peer µs / Nabla µs (higher: Nabla faster)",
        header=(f"{'size':>6} {'peer':<12} {'peer fwd+bwd':>13} {'peer fwd only':>14} "
                f"{'Nabla fwd+bwd':>14} {'peer / Nabla':>13}" + SPREAD_HEADER))
    for r in rows:
        print(f"{r['size']:>6} {r['peer']:<12} {us(r['peer_value']):>13} "
              f"{us(r['peer_fwd_only']):>14} {us(r['nabla']):>14} {ratio_text(r['value']):>13}"
              + spread_cells(r, run.rounds))
    pt = find_record(run.records, engine="torch-eager", workload="perop")
    jx = next((r for r in run.records if r.get("workload") == "perop"
               and str(r.get("engine", "")).startswith("jax-") and r.get("jax")), None)
    if pt and pt.get("torch"):
        notes.append(f"perop: torch {pt['torch']}; the tensor is created inside the timed unit; "
                     "Nabla and the peers all pinned to CPU 0")
    if jx:
        notes.append(f"perop: jax {jx['jax']} (XLA CPU): jax-eager is value_and_grad without jit "
                     "(its fwd only: jax.vjp, no backward); jax-jit is value_and_grad under jit, "
                     "which XLA fuses into one kernel, so its figure is call overhead / 1000, "
                     "not a per-op cost (x from np.ones, a host array, as a jitted function is "
                     "fed); Nabla's figure is its dynamic engine")


def rate_text(value) -> str:
    """A steps/s figure as "1,234", or "-" where there is none."""
    return f"{value:,.0f}" if is_number(value) else "-"


def print_mlp_table(run: Run, rows: list[dict], notes: list[str]) -> None:
    """W4: one row per (threads, Nabla engine, peer); the ratio is Nabla / peer steps/s
    (higher is better)."""
    print_table_head(
        "mlp-step (W4, 784-256-128-10 MLP, batch 64, float32 SGD step): steps/s, median "
        "timing round",
        "ratio = Nabla steps/s / peer steps/s (higher: Nabla faster); eager peers against "
        "nabla-dynamic, jax-jit against nabla-static",
        header=(f"{'threads':>8} {'Nabla engine':<14} {'peer':<14} {'peer steps/s':>13} "
                f"{'Nabla steps/s':>14} {'Nabla / peer':>13}" + SPREAD_HEADER))
    for r in rows:
        print(f"{r['threads']:>8} {r['nabla_engine']:<14} {r['peer']:<14} "
              f"{rate_text(r['peer_value']):>13} {rate_text(r['nabla']):>14} "
              f"{ratio_text(r['value']):>13}" + spread_cells(r, run.rounds))
    pt = find_record(run.records, engine="torch-eager", workload="mlp-step")
    np_rec = find_record(run.records, engine="numpy-manual", workload="mlp-step")
    if pt and pt.get("torch"):
        notes.append(f"mlp-step: torch-eager is torch {pt['torch']} (F.cross_entropy, autograd)")
    if np_rec:
        core = f", core {np_rec['blas_core']}" if np_rec.get("blas_core") else ""
        notes.append(f"mlp-step: numpy-manual is NumPy {np_rec.get('numpy', '')} with "
                     f"hand-written backprop{core}")
    jx = next((r for r in run.records if r.get("workload") == "mlp-step"
               and str(r.get("engine", "")).startswith("jax-") and r.get("jax")), None)
    if jx:
        notes.append(f"mlp-step: jax {jx['jax']} (XLA CPU): jax-jit jits the whole step "
                     "(value_and_grad and the update, parameters donated); jax-eager is the same "
                     "step without jit; both block until each step's results are ready")
    notes.append("mlp-step: Nabla runs unpinned in one process and sets its threads itself; "
                 "the peers run once per thread count, taskset -c 0 (1 thread) / 0,1 (2 threads)")


def print_w7_table(run: Run, rows: list[dict], notes: list[str]) -> None:
    """W7: one row per (threads, engine pair); the ratio is static / dynamic steps/s."""
    def seconds(value) -> str:   # 3 significant digits: Nabla's compile takes well under 1 ms
        return f"{value:.3g}" if is_number(value) else "-"

    print_table_head(
        "static vs dynamic graph (W7, the mlp-step above): steps/s, median timing round",
        "speedup = static steps/s / dynamic steps/s of the same library (higher: static faster)",
        header=(f"{'threads':>8} {'static':<13} {'dynamic':<14} {'static steps/s':>15} "
                f"{'dynamic steps/s':>16} {'speedup':>8} {'compile s':>10}" + SPREAD_HEADER))
    for r in rows:
        print(f"{r['threads']:>8} {r['static_engine']:<13} {r['dynamic_engine']:<14} "
              f"{rate_text(r['static']):>15} {rate_text(r['dynamic']):>16} "
              f"{ratio_text(r['value']):>8} {seconds(r['compile_s']):>10}"
              + spread_cells(r, run.rounds))
    notes.append("static vs dynamic: compile s is nabla-static's compile_s (the graph and its "
                 "gradients compiled, no step run; measured once, shown per thread count) and "
                 "jax-jit's compile_plus_first_step (jax.jit, tracing, XLA compilation and the "
                 "first step, in a fresh process)")


def ms_text(value) -> str:
    """A time in ms with 3 significant digits (thousands separated), or "-"."""
    if not is_number(value):
        return "-"
    return f"{value:,.0f}" if value >= 1000 else f"{value:.3g}"


def print_demo_table(run: Run, rows: list[dict], notes: list[str]) -> None:
    """W3: one row per (Nabla engine, peer); the ratio is peer ms / Nabla ms per step."""
    print_table_head(
        f"{DEMO} (W3, micrograd's demo: MLP(2, [16, 16, 1]) on 100 two-moons points, one "
        "full-batch step, threads = 1): ms per step, median over steps 1..",
        "ratio = peer ms / Nabla ms (higher: Nabla faster); scalar engines against micrograd, "
        "float64 tensor engines against batched torch (dynamic) and jitted JAX (static)",
        header=(f"{'Nabla engine':<22} {'peer':<20} {'peer ms':>10} {'Nabla ms':>10} "
                f"{'peer / Nabla':>13}" + SPREAD_HEADER))
    for r in rows:
        print(f"{r['nabla_engine']:<22} {r['peer']:<20} {ms_text(r['peer_value']):>10} "
              f"{ms_text(r['nabla']):>10} {ratio_text(r['value'], 1):>13}"
              + spread_cells(r, run.rounds, 1))
    for engine in ("micrograd", "micrograd-gc-off"):
        mg = find_record(run.records, workload=DEMO, engine=engine, metric="time_per_step")
        if mg:
            notes.append(f"{DEMO}: {engine}: {mg.get('rounds')} steps timed "
                         f"({mg.get('steps_timed', '')}), GC {mg.get('gc', '?')}")
    compiled = median_figure(run.records, workload=DEMO, engine="jax-jit-f64-batched",
                             metric="compile_plus_first_step")
    if compiled is not None:
        notes.append(f"{DEMO}: jax-jit-f64-batched compile_plus_first_step "
                     f"{compiled:.3g} s, median over rounds (jax.jit, tracing, XLA compilation "
                     "and the first step); the whole step, update included, is jitted")
    static = median_figure(run.records, "compile_s", workload=DEMO, engine="nabla-tensor-static",
                           metric="time_per_step")
    if static is not None:
        notes.append(f"{DEMO}: nabla-tensor-static compile_s {static:.3g} s, median over rounds")
    notes.append(f"{DEMO}: each peer checks its losses against WORKLOADS.md's trajectory (steps "
                 "0..99 and after 100 steps; a failed check is an error, with no figure)")
    for nb_engine in dict.fromkeys(e for e, _ in DEMO_PAIRS):
        nb = find_record(run.records, workload=DEMO, engine=nb_engine, metric="time_per_step")
        if nb and is_number(nb.get("loss_after_100")):
            notes.append(f"{DEMO}: {nb_engine} loss after 100 steps {nb['loss_after_100']!r} "
                         "(WORKLOADS.md: 0.011098512173890306)")


def print_digits_table(run: Run, rows: list[dict], notes: list[str]) -> None:
    """digits-epoch: one row per (threads, Nabla engine); the ratio is torch ms / Nabla ms."""
    def accuracy(value) -> str:
        return f"{value:.3f}" if is_number(value) else "-"

    print_table_head(
        f"{DIGITS} (one Adam epoch, 64-128-128-10 MLP, 1,437 8x8 digits, batch 32, float32): "
        "ms per epoch, median over 20 epochs",
        "ratio = torch-eager ms / Nabla ms (higher: Nabla faster); accuracy: train accuracy "
        "after the timed epochs",
        header=(f"{'threads':>8} {'Nabla engine':<14} {'torch ms':>10} {'Nabla ms':>10} "
                f"{'torch / Nabla':>14} {'torch acc':>10} {'Nabla acc':>10}" + SPREAD_HEADER))
    for r in rows:
        print(f"{r['threads']:>8} {r['nabla_engine'] or '-':<14} {ms_text(r['peer_value']):>10} "
              f"{ms_text(r['nabla']):>10} {ratio_text(r['value']):>14} "
              f"{accuracy(r['peer_train_accuracy']):>10} "
              f"{accuracy(r['nabla_train_accuracy']):>10}" + spread_cells(r, run.rounds))
    pt = find_record(run.records, workload=DIGITS, engine=DIGITS_PEER, metric="epoch_ms")
    if pt and pt.get("torch"):
        notes.append(f"{DIGITS}: torch-eager is torch {pt['torch']} (nn.Sequential, "
                     "F.cross_entropy, torch.optim.Adam(lr=1e-3)); Nabla runs unpinned and sets "
                     "its threads itself; torch runs once per thread count, taskset -c 0 "
                     "(1 thread) / 0,1 (2 threads)")


# ---------------------------------------------------------------------------------------------

WORKLOAD_HELP = f"""\
workloads added to WORKLOADS.md's:

{DEMO} (W3): micrograd's demo. MLP(2, [16, 16, 1]) (relu hidden layers, linear output),
  weights uniform(-1, 1) from LCG(1337) in micrograd's parameters() order, biases 0; the 100
  two-moons points from LCG(42); loss = (sum of relu(score * -y + 1)) / 100 + 1e-4 * sum p*p;
  step k: loss, zero grads, backward, p -= (1.0 - 0.9*k/100) * grad. Metric time_per_step (ms),
  the median over steps 1.., threads = 1; every engine's loss trajectory is checked against
  WORKLOADS.md. Nabla: nabla-value and nabla-tape (scalar engine: Value, GradientTape) against
  micrograd (GC on) and micrograd-gc-off (GC off in the step, collected between steps);
  nabla-tensor-dynamic against torch-f64-batched and nabla-tensor-static against
  jax-jit-f64-batched (float64 tensors, batched).

{DIGITS}: one training epoch of an MLP on scikit-learn's 8x8 digits (1,797 images; the
  repository's Sources/Nabla/Data/Resources/digits.csv.gz, gzip CSV: 64 pixel values 0..16 then
  the label a line). Training split: the images whose index i in file order has i % 5 != 0
  (1,437); inputs pixels / 16 as float32 [n, 64]. Model Linear(64, 128) -> ReLU ->
  Linear(128, 128) -> ReLU -> Linear(128, 10), PyTorch's default initialisation after
  torch.manual_seed(0); loss cross-entropy (batch mean); optimiser Adam(lr = 1e-3), otherwise
  defaults. Each epoch shuffles the training set with a seeded generator and cuts it into
  batches of 32, the last partial batch kept (45 batches); per batch: forward, zero_grad,
  backward, optimizer step. Timed unit: one full epoch, shuffle and batch slicing included.
  Metric epoch_ms (ms), the median over 20 epochs after 2 warm-up epochs, at threads = 1 and 2;
  the train accuracy after them is reported as a sanity figure (> 0.95). Nabla: nabla-dynamic
  and nabla-static against torch-eager at the same thread count.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Compare Nabla's benchmarks with micrograd, NumPy, PyTorch and JAX "
                    f"(WORKLOADS.md W1, W2, W3, W4, W5, W6, W7, and {DIGITS}).",
        epilog=WORKLOAD_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workloads", nargs="*", metavar="WORKLOAD",
                        help="Nabla workloads to run (default: "
                             f"{' '.join(DEFAULT_NABLA_WORKLOADS)}); 'chain' means chain-10m")
    parser.add_argument("--json", action="store_true",
                        help="print all records and ratios as JSON lines instead of a table")
    parser.add_argument("--micrograd-chain-n", type=int, metavar="N",
                        help="micrograd's chain length (default: the N of a requested chain-N "
                             f"other than chain-10m, else {DEFAULT_MICROGRAD_CHAIN_N:,})")
    parser.add_argument("--digits", type=Path, metavar="PATH",
                        help=f"{DIGITS}'s data for the torch peer (default: the repository's "
                             "Sources/Nabla/Data/Resources/digits.csv.gz)")
    parser.add_argument("--nabla-records", type=Path, metavar="FILE",
                        help="read Nabla's JSON lines from FILE instead of running Swift (testing)")
    parser.add_argument("--skip-nabla", action="store_true", help="do not run Nabla")
    parser.add_argument("--skip-micrograd", action="store_true", help="do not run micrograd")
    parser.add_argument("--skip-numpy", action="store_true", help="do not run NumPy")
    parser.add_argument("--skip-torch", action="store_true", help="do not run PyTorch")
    parser.add_argument("--skip-jax", action="store_true", help="do not run JAX")
    parser.add_argument("--quiet-wait", type=float, default=60.0, metavar="S",
                        help="before each job, wait up to S seconds for the machine to be quiet "
                             "(<10%% CPU for 3 s); 0 disables (default 60)")
    parser.add_argument("--timeout", type=float, default=3600.0,
                        help="seconds allowed per subprocess (default 3600)")
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS, metavar="R",
                        help="rounds, interleaved: each runs, per workload, Nabla's job and then "
                             "each peer's, every job a fresh process; each ratio is the median "
                             "of its per-round ratios, with their spread "
                             f"(default {DEFAULT_ROUNDS})")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the jobs in the order they would run, and run nothing")
    args = parser.parse_args(argv)
    if args.micrograd_chain_n is not None and args.micrograd_chain_n < 1:
        parser.error("--micrograd-chain-n must be >= 1")
    if args.rounds < 1:
        parser.error(f"--rounds must be >= 1, not {args.rounds}")

    # Nabla workloads as given; each peer runs those it knows (plan_units).
    nabla_workloads = [resolve(w)[0] for w in args.workloads] or list(DEFAULT_NABLA_WORKLOADS)
    # micrograd's chain N: explicit, else like-for-like with a requested chain-N (micrograd
    # cannot reasonably run 10M steps: ~4 GB and ~45 s at 1M), else the default.
    chain_n = args.micrograd_chain_n
    if chain_n is None:
        small = [n for w in nabla_workloads if (n := chain_n_of(w)) and n != NABLA_CHAIN_N]
        chain_n = small[0] if small else DEFAULT_MICROGRAD_CHAIN_N

    run = Run(quiet_wait_s=args.quiet_wait, timeout=args.timeout, rounds=args.rounds)
    skip = {side for side in ("nabla", *PEER_SIDES) if getattr(args, f"skip_{side}")}
    load_before = os.getloadavg()
    # Nabla: built once, before the rounds (--nabla-records: its records read in each round).
    nabla_bench = None
    if args.dry_run:
        nabla_bench = [str(REPO_ROOT / ".build" / "release" / "nabla-bench")]
    elif "nabla" not in skip and args.nabla_records is None:
        nabla_bench = build_nabla(run)
    units = plan_units(nabla_workloads, nabla_bench=nabla_bench, python=venv_python(),
                       chain_n=chain_n, digits=args.digits, skip=skip)
    if args.nabla_records is not None and "nabla" not in skip:
        units.insert(0, Unit("nabla-records", [Job("nabla", "nabla", "nabla-records", [],
                                                   records_file=args.nabla_records)]))
    if args.dry_run:
        for r, job in schedule(units, args.rounds):
            print(f"round {r}  {job.peer:<34} {' '.join(job.cmd) or job.records_file}")
        return 0
    if any(job.side in PEER_SIDES for unit in units for job in unit.jobs) \
            and ensure_venv(run) is None:
        units = [Unit(u.workload, [j for j in u.jobs if j.side not in PEER_SIDES])
                 for u in units]
    if (note := removed_env_note(units)) is not None:
        run.note("numpy", note)

    run_rounds(run, units, args.rounds)
    machine = machine_record(load_before, os.getloadavg(), args.rounds)

    if args.json:
        for rec in [machine, *run.jobs, *round_records(run.jobs), *run.records,
                    *combined_ratio_records(run.records), *run.notes, *run.errors]:
            print(json.dumps(rec))
    else:
        print_table(run, machine)
    return 1 if run.errors else 0


if __name__ == "__main__":
    sys.exit(main())
