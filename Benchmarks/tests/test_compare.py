"""Unit tests for Benchmarks/compare.py's pure parts: medians, the spread of a ratio over rounds
and its 10% flag, the jobs of each workload and the interleaved order of the rounds. No benchmark
runs. Standard library only:

    python3 -m unittest discover Benchmarks/tests
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
import unittest
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import compare  # noqa: E402  (Benchmarks/compare.py)

PYTHON = Path("/venv/bin/python")
NABLA = ["/build/nabla-bench"]


def units_for(workloads, **kwargs):
    kwargs.setdefault("nabla_bench", NABLA)
    kwargs.setdefault("python", PYTHON)
    return compare.plan_units(workloads, **kwargs)


def without_taskset(cmd: list[str]) -> list[str]:
    """cmd without its `taskset -c CPUS` prefix (present only where taskset is installed)."""
    return cmd[3:] if cmd[:1] == ["taskset"] else cmd


class MedianTests(unittest.TestCase):
    def test_odd_count_is_middle_value(self):
        self.assertEqual(compare.median([3.0, 1.0, 2.0]), 2.0)

    def test_even_count_is_mean_of_middle_two(self):
        self.assertEqual(compare.median([4.0, 1.0, 3.0, 2.0]), 2.5)

    def test_ignores_missing_and_booleans(self):
        self.assertEqual(compare.median([None, 5.0, True, "x", 7.0]), 6.0)

    def test_nothing_to_take_is_none(self):
        self.assertIsNone(compare.median([None, None]))
        self.assertIsNone(compare.median([]))


class RatioSpreadTests(unittest.TestCase):
    def test_median_min_max_and_spread(self):
        # ratios 0.9, 1.0, 1.2: median 1.0, spread (1.2 - 0.9) / 1.0 = 30%
        spread = compare.ratio_spread([1.2, 0.9, 1.0])
        self.assertEqual(spread["value"], 1.0)
        self.assertEqual(spread["ratio_min"], 0.9)
        self.assertEqual(spread["ratio_max"], 1.2)
        self.assertAlmostEqual(spread["spread_pct"], 30.0)

    def test_spread_is_relative_to_the_median(self):
        # ratios 190, 200, 210: spread 20 / 200 = 10%
        self.assertAlmostEqual(compare.ratio_spread([210.0, 190.0, 200.0])["spread_pct"], 10.0)

    def test_one_ratio_has_no_spread(self):
        spread = compare.ratio_spread([1.5])
        self.assertEqual(spread["value"], 1.5)
        self.assertIsNone(spread["spread_pct"])

    def test_no_ratio(self):
        self.assertEqual(compare.ratio_spread([None]), {
            "value": None, "ratio_min": None, "ratio_max": None, "spread_pct": None})


class UnstableFlagTests(unittest.TestCase):
    def test_above_ten_percent_is_unstable(self):
        self.assertTrue(compare.is_unstable(10.5))
        self.assertTrue(compare.is_unstable(40.0))

    def test_ten_percent_or_less_is_stable(self):
        self.assertFalse(compare.is_unstable(10.0))
        self.assertFalse(compare.is_unstable(0.0))

    def test_no_spread_is_not_flagged(self):
        self.assertFalse(compare.is_unstable(None))

    def test_limit_is_ten_percent(self):
        self.assertEqual(compare.UNSTABLE_SPREAD_PCT, 10.0)


def matmul_records(round_: int, nabla: float, numpy: float) -> list[dict]:
    """One round's W5 records at n = 256, threads = 1."""
    common = {"workload": "matmul", "metric": "matmul_gflops", "unit": "GFLOP/s", "n": 256,
              "threads": 1, "round": round_}
    return [{**common, "engine": "nabla-dynamic", "value": nabla},
            {**common, "engine": "numpy", "value": numpy}]


class CombineRoundsTests(unittest.TestCase):
    def test_matmul_ratio_over_three_rounds(self):
        # Nabla 90, 100, 80 GFLOP/s against NumPy 100, 100, 100: ratios 0.9, 1.0, 0.8.
        records = (matmul_records(1, 90.0, 100.0) + matmul_records(2, 100.0, 100.0)
                   + matmul_records(3, 80.0, 100.0))
        [row] = compare.combined_ratio_records(records)
        self.assertEqual((row["workload"], row["n"], row["threads"]), ("matmul", 256, 1))
        self.assertEqual(row["nabla"], 90.0)   # median of 90, 100, 80
        self.assertEqual(row["numpy"], 100.0)
        self.assertEqual(row["ratios"], [0.9, 1.0, 0.8])
        self.assertEqual(row["rounds"], 3)
        self.assertAlmostEqual(row["value"], 0.9)
        self.assertAlmostEqual(row["ratio_min"], 0.8)
        self.assertAlmostEqual(row["ratio_max"], 1.0)
        self.assertAlmostEqual(row["spread_pct"], 0.2 / 0.9 * 100)
        self.assertTrue(row["unstable"])

    def test_steady_ratio_is_not_flagged(self):
        # ratios 1.00, 1.04, 0.98: spread 0.06 / 1.00 = 6%
        records = (matmul_records(1, 100.0, 100.0) + matmul_records(2, 104.0, 100.0)
                   + matmul_records(3, 98.0, 100.0))
        [row] = compare.combined_ratio_records(records)
        self.assertAlmostEqual(row["spread_pct"], 6.0)
        self.assertFalse(row["unstable"])

    def test_median_ratio_is_not_ratio_of_medians(self):
        # Nabla 1, 2, 4 against micrograd 4, 2, 1 (time, ns): ratios 4, 1, 0.25, median 1.
        records = []
        for r, (nb, mg) in enumerate([(1.0, 4.0), (2.0, 2.0), (4.0, 1.0)], start=1):
            common = {"workload": "tutorial-dynamic", "metric": "time_per_rep", "unit": "ns",
                      "round": r}
            records += [{**common, "engine": "nabla-dynamic", "value": nb},
                        {**common, "engine": "micrograd", "value": mg}]
        [row] = compare.combined_ratio_records(records)
        self.assertEqual(row["ratios"], [4.0, 1.0, 0.25])
        self.assertEqual(row["value"], 1.0)
        self.assertEqual(row["nabla"], 2.0)
        self.assertEqual(row["micrograd"], 2.0)

    def test_round_missing_a_side_is_left_out(self):
        records = (matmul_records(1, 90.0, 100.0) + matmul_records(2, 100.0, 100.0)
                   + matmul_records(3, 80.0, 100.0)[:1])   # round 3: NumPy failed
        [row] = compare.combined_ratio_records(records)
        self.assertEqual(row["rounds"], 2)
        self.assertEqual(row["ratios"], [0.9, 1.0])
        self.assertAlmostEqual(row["value"], 0.95)

    def test_rows_stay_apart(self):
        records = []
        for r in (1, 2):
            for threads, nabla in ((1, 90.0), (2, 180.0)):
                common = {"workload": "matmul", "metric": "matmul_gflops", "n": 512,
                          "threads": threads, "round": r}
                records += [{**common, "engine": "nabla-dynamic", "value": nabla},
                            {**common, "engine": "numpy", "value": 100.0 * threads}]
        rows = compare.combined_ratio_records(records)
        self.assertEqual([row["threads"] for row in rows], [1, 2])
        self.assertEqual([row["ratios"] for row in rows], [[0.9, 0.9], [0.9, 0.9]])
        self.assertEqual([row["spread_pct"] for row in rows], [0.0, 0.0])

    def test_records_by_round(self):
        records = [{"round": 2, "v": "b"}, {"round": 1, "v": "a"}, {"round": 2, "v": "c"}]
        self.assertEqual(compare.records_by_round(records),
                         [[{"round": 1, "v": "a"}],
                          [{"round": 2, "v": "b"}, {"round": 2, "v": "c"}]])


class SpreadCellsTests(unittest.TestCase):
    def test_unstable_row_is_flagged_in_the_table(self):
        row = {"ratio_min": 0.8, "ratio_max": 1.0, "spread_pct": 22.2, "unstable": True,
               "rounds": 3}
        text = compare.spread_cells(row, 3)
        self.assertIn("0.80-1.00", text)
        self.assertIn("22.2%", text)
        self.assertIn("UNSTABLE", text)

    def test_stable_row_is_not_flagged(self):
        row = {"ratio_min": 0.98, "ratio_max": 1.04, "spread_pct": 6.0, "unstable": False,
               "rounds": 3}
        self.assertNotIn("UNSTABLE", compare.spread_cells(row, 3))

    def test_rounds_short_of_requested_are_shown(self):
        row = {"ratio_min": 0.9, "ratio_max": 1.0, "spread_pct": 10.5, "unstable": True,
               "rounds": 2}
        self.assertIn("(2 of 3 rounds)", compare.spread_cells(row, 3))


class PlanTests(unittest.TestCase):
    def test_each_unit_runs_nabla_first_then_its_peers(self):
        units = units_for(["matmul", "tutorial-dynamic", "perop", "mlp-step", "digits-epoch",
                           "micrograd-demo-step"])
        self.assertEqual([u.workload for u in units],
                         ["matmul", "tutorial-dynamic", "perop", "mlp-step", "digits-epoch",
                          "micrograd-demo-step"])
        peers = {u.workload: [j.peer for j in u.jobs] for u in units}
        self.assertEqual(peers["matmul"], ["nabla:matmul", "numpy:matmul:1t", "numpy:matmul:2t"])
        self.assertEqual(peers["tutorial-dynamic"],
                         ["nabla:tutorial-dynamic", "micrograd:tutorial-dynamic"])
        self.assertEqual(peers["perop"], ["nabla:perop", "torch:perop:1t",
                                          "jax:perop:jax-jit:1t", "jax:perop:jax-eager:1t"])
        self.assertEqual(peers["mlp-step"], [
            "nabla:mlp-step", "numpy:mlp-step:1t", "numpy:mlp-step:2t", "torch:mlp-step:1t",
            "torch:mlp-step:2t", "jax:mlp-step:jax-jit:1t", "jax:mlp-step:jax-jit:2t",
            "jax:mlp-step:jax-eager:1t", "jax:mlp-step:jax-eager:2t"])
        self.assertEqual(peers["digits-epoch"], ["nabla:digits-epoch", "torch:digits-epoch:1t",
                                                 "torch:digits-epoch:2t"])
        self.assertEqual(peers["micrograd-demo-step"], [
            "nabla:micrograd-demo-step", "micrograd:micrograd-demo-step:micrograd",
            "micrograd:micrograd-demo-step:micrograd-gc-off", "torch:micrograd-demo-step:1t",
            "jax:micrograd-demo-step:jax-jit-f64-batched:1t"])

    def test_nabla_pinning(self):
        jobs = {u.workload: u.jobs[0] for u in units_for(["tutorial-dynamic", "matmul"])}
        self.assertEqual(jobs["matmul"].cmd, NABLA + ["--json", "matmul"])   # unpinned
        self.assertEqual(jobs["tutorial-dynamic"].cmd,
                         compare.taskset_prefix("0") + NABLA + ["--json", "tutorial-dynamic"])

    def test_peer_thread_counts_are_pinned_to_as_many_cpus(self):
        [unit] = units_for(["matmul"])
        one, two = unit.jobs[1:]
        self.assertEqual(one.cmd[:len(compare.taskset_prefix("0"))], compare.taskset_prefix("0"))
        self.assertEqual(two.cmd[:len(compare.taskset_prefix("0,1"))],
                         compare.taskset_prefix("0,1"))
        self.assertEqual(without_taskset(one.cmd)[-2:], ["--threads", "1"])
        self.assertEqual(without_taskset(two.cmd)[-2:], ["--threads", "2"])
        for var in compare.BLAS_THREAD_VARS:
            self.assertEqual((one.env[var], two.env[var]), ("1", "2"))

    def test_openblas_variables_removed_for_numpy_only(self):
        env = {"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_L2_SIZE": "1048576", "HOME": "/h"}
        with mock.patch.dict(os.environ, env):
            units = units_for(["matmul", "mlp-step"])
        jobs = [j for u in units for j in u.jobs]
        for job in jobs:
            if job.side == "numpy":
                self.assertNotIn("OPENBLAS_CORETYPE", job.env)
                self.assertNotIn("OPENBLAS_L2_SIZE", job.env)
                self.assertEqual(job.removed, {"OPENBLAS_CORETYPE": "Haswell",
                                               "OPENBLAS_L2_SIZE": "1048576"})
            elif job.side == "nabla":
                self.assertIsNone(job.env)   # this process's environment, unchanged
            else:   # torch and JAX: unchanged but for the thread variables
                self.assertEqual(job.env["OPENBLAS_CORETYPE"], "Haswell")
                self.assertEqual(job.env["OPENBLAS_L2_SIZE"], "1048576")
        self.assertIn("OPENBLAS_CORETYPE=Haswell", compare.removed_env_note(units))

    def test_skipped_sides_and_missing_nabla(self):
        units = units_for(["mlp-step"], skip={"torch", "jax"})
        self.assertEqual([j.side for j in units[0].jobs], ["nabla", "numpy", "numpy"])
        units = units_for(["mlp-step"], nabla_bench=None, skip={"numpy", "jax"})
        self.assertEqual([j.side for j in units[0].jobs], ["torch", "torch"])
        self.assertEqual(units_for(["matmul"], python=None, skip={"nabla"}), [])

    def test_micrograd_chain_runs_once_at_its_n(self):
        units = units_for(["chain-10m", "chain-1000"], chain_n=1000)
        self.assertEqual([[j.peer for j in u.jobs] for u in units],
                         [["nabla:chain-10m", "micrograd:chain"], ["nabla:chain-1000"]])
        self.assertEqual(without_taskset(units[0].jobs[1].cmd)[-2:], ["--chain-n", "1000"])

    def test_duplicate_workloads_run_once(self):
        self.assertEqual(len(units_for(["tutorial-dynamic", "tutorial-dynamic"])), 1)

    def test_digits_path_passed_to_torch(self):
        [unit] = units_for(["digits-epoch"], digits=Path("/data/d.csv.gz"))
        for job in unit.jobs[1:]:
            self.assertEqual(job.cmd[-2:], ["--digits", "/data/d.csv.gz"])


class InterleavingTests(unittest.TestCase):
    def test_schedule_alternates_nabla_and_peers_round_by_round(self):
        units = units_for(["tutorial-dynamic", "matmul"])
        order = [(r, job.peer) for r, job in compare.schedule(units, 3)]
        one_round = ["nabla:tutorial-dynamic", "micrograd:tutorial-dynamic",
                     "nabla:matmul", "numpy:matmul:1t", "numpy:matmul:2t"]
        self.assertEqual(order, [(r, peer) for r in (1, 2, 3) for peer in one_round])

    def test_run_rounds_calls_the_runner_in_schedule_order(self):
        calls = []

        def fake(run, job, round_):
            calls.append((round_, job.peer))
            value = 100.0 if job.side == "nabla" else 50.0 * round_
            run.records.append({"workload": "tutorial-dynamic", "metric": "time_per_rep",
                                "engine": "nabla-dynamic" if job.side == "nabla" else "micrograd",
                                "value": value, "unit": "ns", "round": round_})

        run = compare.Run(rounds=2)
        compare.run_rounds(run, units_for(["tutorial-dynamic"]), 2, fake)
        self.assertEqual(calls, [(1, "nabla:tutorial-dynamic"), (1, "micrograd:tutorial-dynamic"),
                                 (2, "nabla:tutorial-dynamic"), (2, "micrograd:tutorial-dynamic")])
        [row] = compare.combined_ratio_records(run.records)
        self.assertEqual(row["ratios"], [0.5, 1.0])   # micrograd 50, 100 ns / Nabla 100 ns
        self.assertAlmostEqual(row["spread_pct"], 0.5 / 0.75 * 100)
        self.assertTrue(row["unstable"])


class RoundRecordTests(unittest.TestCase):
    def test_foreign_load_per_round(self):
        jobs = [
            {"peer": "nabla:matmul", "round": 1, "wall_s": 3.0, "foreign_cpu_per_s": 0.0},
            {"peer": "numpy:matmul:1t", "round": 1, "wall_s": 1.0, "foreign_cpu_per_s": 0.4},
            {"peer": "nabla:matmul", "round": 2, "wall_s": 2.0, "foreign_cpu_per_s": 0.05},
            {"peer": "nabla-build", "wall_s": 100.0, "foreign_cpu_per_s": 1.0},   # no round
        ]
        one, two = compare.round_records(jobs)
        self.assertEqual((one["round"], one["jobs"], one["wall_s"]), (1, 2, 4.0))
        self.assertEqual(one["foreign_cpu_per_s"], 0.1)   # (3 * 0 + 1 * 0.4) / 4
        self.assertEqual(one["foreign_cpu_per_s_max"], 0.4)
        self.assertEqual(one["contended_jobs"], ["numpy:matmul:1t"])
        self.assertEqual((two["round"], two["foreign_cpu_per_s"], two["contended_jobs"]),
                         (2, 0.05, []))


class RecordsFileTests(unittest.TestCase):
    """--nabla-records with every peer skipped: no process runs, Nabla's records are read in each
    round, and the JSON lines carry the rounds."""

    def test_json_lines_with_rounds(self):
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
            f.write(json.dumps({"workload": "matmul", "engine": "nabla-dynamic",
                                "metric": "matmul_gflops", "value": 90.0, "n": 256,
                                "threads": 1}) + "\n")
        self.addCleanup(os.unlink, f.name)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = compare.main(["matmul", "--json", "--rounds", "2", "--nabla-records", f.name,
                                   "--skip-micrograd", "--skip-numpy", "--skip-torch",
                                   "--skip-jax", "--quiet-wait", "0"])
        self.assertEqual(status, 0)
        lines = [json.loads(line) for line in out.getvalue().splitlines()]
        machine = next(r for r in lines if r.get("record") == "machine")
        self.assertEqual(machine["rounds"], 2)
        nabla = [r for r in lines if r.get("engine") == "nabla-dynamic"]
        self.assertEqual([r["round"] for r in nabla], [1, 2])
        [ratio] = [r for r in lines if r.get("record") == "ratio"]
        self.assertIsNone(ratio["value"])   # no NumPy: no ratio
        self.assertEqual(ratio["nabla"], 90.0)
        self.assertFalse(ratio["unstable"])

    def test_dry_run_lists_the_interleaved_jobs(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = compare.main(["tutorial-dynamic", "--dry-run", "--rounds", "2"])
        self.assertEqual(status, 0)
        names = [line.split()[2] for line in out.getvalue().splitlines()]
        self.assertEqual(names, ["nabla:tutorial-dynamic", "micrograd:tutorial-dynamic"] * 2)

    def test_rounds_must_be_positive(self):
        with contextlib.redirect_stderr(io.StringIO()), self.assertRaises(SystemExit):
            compare.main(["--rounds", "0", "--dry-run"])


if __name__ == "__main__":
    unittest.main()
