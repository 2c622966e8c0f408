#!/usr/bin/env python3
"""Data-parallel training's benchmarks over Open MPI (BENCHMARKS.md, "Data parallelism over
Open MPI"). Plain python3, standard library only; needs Open MPI (mpirun, mpicc). From the
repository root:

    python3 Benchmarks/mpi/run.py                 # build, then 3 interleaved rounds; a table
    python3 Benchmarks/mpi/run.py --rounds 5
    python3 Benchmarks/mpi/run.py --json          # the records, one JSON line each
    python3 Benchmarks/mpi/run.py weights         # one process vs two ranks: the weights' difference
    python3 Benchmarks/mpi/run.py scaling         # the model of 8 and 64 machines (no run)

What it runs. It builds `nabla-bench` in release with the MPI trait (`swift build -c release
--traits MPI --scratch-path .build-mpi --product nabla-bench`) and Benchmarks/mpi/allreduce.c
with `mpicc -O2`, then R rounds (--rounds, default 3) of these jobs, each a fresh process, in
this order:
  1. `nabla-bench --json digits-epoch`: one process, 1 and 2 kernel threads, no MPI, the
     steps called in a loop ("steps");
  2. `nabla-bench --json digits-epoch-fit`: the same epoch (the 64-128-128-10 MLP, Adam, batches
     of 32) trained by `Trainer.fit` in one process on one thread, without MPI ("fit": the
     baseline of the speed-ups);
  3. `mpirun -np 1 nabla-bench --json digits-epoch-ranks` and the same with `-np 2`: that `fit`
     data-parallel over 1 and 2 ranks (`Trainer.distribute(over:)`), one kernel thread each,
     with the time spent in the communicator's calls;
  4. `nabla-bench --json mlp-step-trainer`, then `mpirun -np 1` and `-np 2 nabla-bench --json
     mlp-step-ranks`: W4's model (784-256-128-10, SGD) stepped by a `Trainer` on a global batch
     of 64, in one process, then data-parallel over 1 and 2 ranks (64/N examples each);
  5. `mpirun -np 2 nabla-bench --json allreduce` (Nabla's MPICommunicator: with its timeout, as
     training calls it, `MPI_Iallreduce` polled by `MPI_Test`, and without, `MPI_Allreduce`),
     then the C loop over `MPI_Allreduce` (`allreduce-c`) and over `MPI_Iallreduce` + `MPI_Test`
     (`allreduce-c --nonblocking`), for 1 KB to 64 MB and the two models' gradient sizes.
Every ratio is computed per round and the median of the rounds' ratios is reported, with their
min-max (as Benchmarks/compare.py does): the machine is shared, so the jobs are interleaved. The
load average before each round is printed. `mpirun` gets `--oversubscribe`, and
`--allow-run-as-root` when run as root.

`weights` builds `nabla` with the MPI trait in debug (`--scratch-path .build-mpi`, as
.ci/check-mpi), trains `nabla train digits --epochs E` (E = 1 with --batch-size 1437, one
full-batch step, and E = 2 with the default batches of 32) in one process and under `mpirun -np
2 … --distributed`, dynamic and static, and prints the largest difference between the saved
weights, relative to each tensor's largest entry (the measure of Tests/NablaTests/MPITests.swift).
"""
import argparse
import json
import math
import os
import statistics
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRATCH = os.path.join(ROOT, ".build-mpi")


def mpirun(ranks):
    flags = ["--oversubscribe"] + (["--allow-run-as-root"] if os.geteuid() == 0 else [])
    return ["mpirun"] + flags + ["-np", str(ranks)]


def run(command):
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"run.py: {' '.join(command)} exited {result.returncode}:\n{result.stderr}")
    return result.stdout


def records(command):
    return [json.loads(line) for line in run(command).splitlines() if line.startswith("{")]


def build_benchmarks():
    subprocess.run(["swift", "build", "-c", "release", "--traits", "MPI", "--scratch-path", SCRATCH,
                    "--product", "nabla-bench"], cwd=ROOT, check=True)
    peer = os.path.join(SCRATCH, "allreduce-c")
    subprocess.run(["mpicc", "-O2", "-o", peer, os.path.join(ROOT, "Benchmarks/mpi/allreduce.c")], check=True)
    return os.path.join(SCRATCH, "release/nabla-bench"), peer


def one_round(bench, peer):
    """The round's records, each with the job that gave it."""
    out = []
    for r in records([bench, "--json", "digits-epoch"]):
        out.append(dict(r, setting=f"1 process, {r['threads']} thread{'s' if r['threads'] > 1 else ''}, steps"))
    for r in records([bench, "--json", "digits-epoch-fit"]):
        out.append(dict(r, setting="1 process, 1 thread, fit"))
    for ranks in (1, 2):
        for r in records(mpirun(ranks) + [bench, "--json", "digits-epoch-ranks"]):
            out.append(dict(r, setting=f"{ranks} rank{'s' if ranks > 1 else ''} (mpirun), 1 thread each"))
    for r in records([bench, "--json", "mlp-step-trainer"]):
        out.append(dict(r, setting="1 process, 1 thread, Trainer"))
    for ranks in (1, 2):
        for r in records(mpirun(ranks) + [bench, "--json", "mlp-step-ranks"]):
            out.append(dict(r, setting=f"{ranks} rank{'s' if ranks > 1 else ''} (mpirun), 1 thread each"))
    out += records(mpirun(2) + [bench, "--json", "allreduce"])
    for flags in ([], ["--nonblocking"]):
        for r in records(mpirun(2) + [peer] + flags):
            out.append(dict(r, engine=r.pop("peer")))
    return out


def summary(values):
    return f"{statistics.median(values):.3g} ({min(values):.3g}-{max(values):.3g})"


def report(rounds, as_json):
    def value(round_, **match):
        found = [r["value"] for r in round_ if all(r.get(k) == v for k, v in match.items())]
        assert len(found) == 1, (match, found)
        return found[0]

    lines = []
    # digits-epoch: ms per epoch, and the speed-up over one process on one thread.
    for mode in ("dynamic", "static"):
        engine = f"nabla-{mode}"
        settings = ["1 process, 1 thread, steps", "1 process, 2 threads, steps", "1 process, 1 thread, fit",
                    "1 rank (mpirun), 1 thread each", "2 ranks (mpirun), 1 thread each"]
        base = [value(r, workload="digits-epoch", engine=engine, setting="1 process, 1 thread, fit") for r in rounds]
        for setting in settings:
            times = [value(r, workload="digits-epoch", engine=engine, setting=setting) for r in rounds]
            speedups = [b / t for b, t in zip(base, times)]
            communication = [x["communication_ms"] for r in rounds for x in r
                             if x["workload"] == "digits-epoch" and x["engine"] == engine and x["setting"] == setting
                             and "communication_ms" in x]
            lines.append({"workload": "digits-epoch", "engine": engine, "setting": setting,
                          "epoch_ms": statistics.median(times), "epoch_ms_range": [min(times), max(times)],
                          "speedup_vs_fit": statistics.median(speedups),
                          "speedup_range": [min(speedups), max(speedups)],
                          "communication_ms": statistics.median(communication) if communication else None})
    # mlp-step (W4's model): steps/s, and the speed-up over the Trainer in 1 process.
    for mode in ("dynamic", "static"):
        engine = f"nabla-{mode}"
        settings = ["1 process, 1 thread, Trainer", "1 rank (mpirun), 1 thread each", "2 ranks (mpirun), 1 thread each"]
        base = [value(r, workload="mlp-step", engine=engine, setting=settings[0]) for r in rounds]
        for setting in settings:
            rates = [value(r, workload="mlp-step", engine=engine, setting=setting) for r in rounds]
            speedups = [t / b for b, t in zip(base, rates)]
            communication = [x["communication_ms"] for r in rounds for x in r
                             if x["workload"] == "mlp-step" and x["engine"] == engine and x["setting"] == setting
                             and "communication_ms" in x]
            lines.append({"workload": "mlp-step", "engine": engine, "setting": setting,
                          "steps_per_s": statistics.median(rates), "steps_per_s_range": [min(rates), max(rates)],
                          "speedup_vs_trainer": statistics.median(speedups), "speedup_range": [min(speedups), max(speedups)],
                          "communication_ms": statistics.median(communication) if communication else None})
    # allreduce: µs per call; Nabla's over the C loop's calling MPI the same way.
    sizes = sorted({r["bytes"] for r in rounds[0] if r["workload"] == "allreduce"})
    for size in sizes:
        times = {engine: [value(r, workload="allreduce", engine=engine, bytes=size) for r in rounds]
                 for engine in ("mpi-c-allreduce", "mpi-c-iallreduce", "nabla-mpi", "nabla-mpi-blocking")}
        ratio = lambda a, b: [x / y for x, y in zip(times[a], times[b])]
        lines.append({"workload": "allreduce", "bytes": size, "ranks": 2,
                      **{f"{engine}_us": statistics.median(t) for engine, t in times.items()},
                      "nabla_mpi_over_c_iallreduce": statistics.median(ratio("nabla-mpi", "mpi-c-iallreduce")),
                      "nabla_mpi_over_c_iallreduce_range": [min(ratio("nabla-mpi", "mpi-c-iallreduce")),
                                                            max(ratio("nabla-mpi", "mpi-c-iallreduce"))],
                      "nabla_blocking_over_c_allreduce": statistics.median(ratio("nabla-mpi-blocking", "mpi-c-allreduce")),
                      "nabla_blocking_over_c_allreduce_range": [min(ratio("nabla-mpi-blocking", "mpi-c-allreduce")),
                                                                max(ratio("nabla-mpi-blocking", "mpi-c-allreduce"))],
                      "nabla_mpi_over_c_allreduce": statistics.median(ratio("nabla-mpi", "mpi-c-allreduce")),
                      "nabla_busbw_GBps": statistics.median(
                          [x["busbw_GBps"] for r in rounds for x in r
                           if x["workload"] == "allreduce" and x["engine"] == "nabla-mpi" and x["bytes"] == size])})
    if as_json:
        for line in lines:
            print(json.dumps(line))
        return
    print(f"\ndigits-epoch, ms per epoch (median of {len(rounds)} rounds' medians; speed-up over `fit` in 1 process on 1 "
          "thread, median (min-max) of the rounds' ratios)")
    for line in (l for l in lines if l["workload"] == "digits-epoch"):
        communication = f", in the communicator {line['communication_ms']:.3g} ms" if line["communication_ms"] is not None else ""
        print(f"  {line['engine']:14} {line['setting']:32} {line['epoch_ms']:8.2f} ms  "
              f"x{line['speedup_vs_fit']:.2f} ({line['speedup_range'][0]:.2f}-{line['speedup_range'][1]:.2f}){communication}")
    print(f"\nmlp-step (W4's model, global batch 64), steps/s (median of {len(rounds)} rounds; speed-up over the Trainer in 1 "
          "process on 1 thread, median (min-max) of the rounds' ratios)")
    for line in (l for l in lines if l["workload"] == "mlp-step"):
        communication = f", in the communicator {line['communication_ms']:.3g} ms a step" if line["communication_ms"] is not None else ""
        print(f"  {line['engine']:14} {line['setting']:32} {line['steps_per_s']:8.1f} steps/s  "
              f"x{line['speedup_vs_trainer']:.2f} ({line['speedup_range'][0]:.2f}-{line['speedup_range'][1]:.2f}){communication}")
    print("\nallreduce on 2 ranks, us per call (medians); ratios Nabla / C, median (min-max) of the rounds")
    print(f"  {'bytes':>9} {'C Allreduce':>12} {'C Iallreduce':>13} {'Nabla':>10} {'Nabla blk':>10}  "
          f"{'Nabla/C Iall':>20} {'Nabla blk/C All':>20} {'Nabla/C All':>12} {'Nabla busbw':>12}")
    for line in (l for l in lines if l["workload"] == "allreduce"):
        r1, r2 = line["nabla_mpi_over_c_iallreduce_range"], line["nabla_blocking_over_c_allreduce_range"]
        print(f"  {line['bytes']:>9} {line['mpi-c-allreduce_us']:>12.2f} {line['mpi-c-iallreduce_us']:>13.2f} "
              f"{line['nabla-mpi_us']:>10.2f} {line['nabla-mpi-blocking_us']:>10.2f}  "
              f"{line['nabla_mpi_over_c_iallreduce']:>6.2f} ({r1[0]:.2f}-{r1[1]:.2f})"
              f" {line['nabla_blocking_over_c_allreduce']:>6.2f} ({r2[0]:.2f}-{r2[1]:.2f})"
              f" {line['nabla_mpi_over_c_allreduce']:>12.2f} {line['nabla_busbw_GBps']:>9.2f} GB/s")


def safetensors(path):
    """{name: [float]} of a file of float32 tensors."""
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        assert entry["dtype"] == "F32", entry
        start, end = entry["data_offsets"]
        tensors[name] = struct.unpack(f"<{(end - start) // 4}f", data[8 + length + start:8 + length + end])
    return tensors


def relative_difference(a, b):
    """max over tensors of max|a - b| / max|b|."""
    worst = 0.0
    for name in b:
        scale = max(abs(y) for y in b[name])
        difference = max(abs(x - y) for x, y in zip(a[name], b[name]))
        worst = max(worst, difference / scale if scale else difference)
    return worst


def weights():
    subprocess.run(["swift", "build", "--traits", "MPI", "--scratch-path", SCRATCH, "--product", "nabla"], cwd=ROOT, check=True)
    nabla = os.path.join(SCRATCH, "debug/nabla")
    with tempfile.TemporaryDirectory() as folder:
        for mode in ("dynamic", "static"):
            for options in (["--epochs", "1", "--batch-size", "1437"], ["--epochs", "2"]):
                command = ["train", "digits", "--mode", mode] + options
                alone, together = os.path.join(folder, "alone.safetensors"), os.path.join(folder, "together.safetensors")
                run([nabla] + command + ["--save", alone])
                run(mpirun(2) + [nabla] + command + ["--distributed", "--save", together])
                print(f"nabla {' '.join(command)}: largest relative difference, 2 ranks vs 1 process: "
                      f"{relative_difference(safetensors(together), safetensors(alone)):.3g}")


def ring_allreduce_seconds(machines, nbytes, link_bits_per_s, latency_s, logarithmic=False):
    """A ring allreduce of `nbytes` over `machines`: 2(N-1) steps, each a message latency, moving
    2(N-1)/N of the bytes through each machine's link. `logarithmic`: the same bytes in 2 log2 N
    steps (Rabenseifner's reduce-scatter and allgather by recursive halving and doubling, which
    MPI libraries choose for short messages on many machines)."""
    n = machines
    steps = 2 * math.ceil(math.log2(n)) if logarithmic else 2 * (n - 1)
    return steps * latency_s + 2 * (n - 1) / n * nbytes * 8 / link_bits_per_s


def scaling(arguments):
    """BENCHMARKS.md's model of data parallelism past one machine: per step, the compute time T
    measured on one machine (one thread), then two allreduces that do not overlap it (Nabla's
    backward pass is not asynchronous): the gradients (ring) and the step's small summary
    (latency only), each also paying Nabla's measured per-call overhead. Each machine keeps its
    batch (weak scaling, as DistributedDataParallel is used): speed-up = N T / (T + C(N))."""
    models = [("digits MLP (static)", arguments.digits_step_ms, 104_488),
              ("digits MLP (dynamic)", arguments.digits_dynamic_step_ms, 104_488),
              ("W4 MLP (static)", arguments.w4_step_ms, 940_584),
              ("W4 MLP (dynamic)", arguments.w4_dynamic_step_ms, 940_584)]
    links = [("10 Gbit/s", 10e9, arguments.latency_10_us * 1e-6), ("100 Gbit/s", 100e9, arguments.latency_100_us * 1e-6)]
    overhead = arguments.call_overhead_us * 1e-6
    print(f"{'2 log2 N' if arguments.logarithmic else 'ring: 2(N-1)'} latency steps; per-call overhead {arguments.call_overhead_us} us; message latency {arguments.latency_10_us} us at 10 Gbit/s, "
          f"{arguments.latency_100_us} us at 100 Gbit/s")
    print(f"{'model':22} {'T ms':>6} {'bytes':>8}  {'link':10} " + "  ".join(f"{'N=' + str(n):>24}" for n in arguments.machines))
    for name, step_ms, nbytes in models:
        t = step_ms * 1e-3
        for link, bits, latency in links:
            cells = []
            for n in arguments.machines:
                gradient = ring_allreduce_seconds(n, nbytes, bits, latency, arguments.logarithmic)
                summary = ring_allreduce_seconds(n, 8 * 16, bits, latency, arguments.logarithmic)
                c = gradient + summary + 2 * overhead
                cells.append(f"C {c * 1e3:6.3f} ms, x{n * t / (t + c):5.1f}{' *' if c > t else '  '}")
            print(f"{name:22} {step_ms:6.3f} {nbytes:8}  {link:10} " + "  ".join(f"{cell:>24}" for cell in cells))
    print("C: communication per step; xS: speed-up over one machine; *: communication longer than compute")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", nargs="?", choices=["benchmarks", "weights", "scaling"], default="benchmarks")
    model = parser.add_argument_group("scaling (defaults: the figures in BENCHMARKS.md)")
    model.add_argument("--digits-step-ms", type=float, default=0.217)
    model.add_argument("--digits-dynamic-step-ms", type=float, default=0.422)
    model.add_argument("--w4-step-ms", type=float, default=0.788)
    model.add_argument("--w4-dynamic-step-ms", type=float, default=1.020)
    model.add_argument("--call-overhead-us", type=float, default=2.0)
    model.add_argument("--latency-10-us", type=float, default=20.0)
    model.add_argument("--latency-100-us", type=float, default=3.0)
    model.add_argument("--machines", type=int, nargs="+", default=[2, 8, 64])
    model.add_argument("--logarithmic", action="store_true", help="2 log2 N latency steps instead of the ring's 2(N-1)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    arguments = parser.parse_args()
    if arguments.what == "weights":
        weights()
        return
    if arguments.what == "scaling":
        scaling(arguments)
        return
    bench, peer = build_benchmarks()
    rounds = []
    for k in range(arguments.rounds):
        with open("/proc/loadavg") as f:
            print(f"round {k + 1}/{arguments.rounds}: load average {f.read().split()[0]}", file=sys.stderr)
        rounds.append(one_round(bench, peer))
    report(rounds, arguments.json)


if __name__ == "__main__":
    main()
