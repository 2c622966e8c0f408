#!/bin/sh
# chain-scan: W2's chain (N = 1,000,000) as a compiled static loop with its gradient, Nabla's
# Graph.loop against JAX's jit(value_and_grad(fori_loop)), in one run. From the repository root:
#
#     sh Benchmarks/peers/chain_scan.sh [ROUNDS]
#
# Builds nabla-bench in release, then runs Nabla and the JAX peer alternately (A B A B …, ROUNDS
# times each, default 3), each a fresh process pinned to CPU 0, with OPENBLAS_CORETYPE and
# OPENBLAS_L2_SIZE removed from the peer's environment. Prints every JSON record, then per metric
# the medians and the ratio JAX / Nabla (above 1, Nabla is faster), with the range of the
# per-round ratios.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
rounds=${1:-3}
python=${NABLA_PEER_VENV:-$HOME/.venvs/nabla-peers}/bin/python
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
swift build -c release --product nabla-bench >/dev/null
bench="$(swift build -c release --show-bin-path)/nabla-bench"
pin=""
if command -v taskset >/dev/null 2>&1; then pin="taskset -c 0"; fi
for round in $(seq "$rounds"); do
    $pin "$bench" --json chain-scan | sed "s/}\$/, \"round\": $round}/" >> "$out/nabla.jsonl"
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $pin "$python" Benchmarks/peers/jax_chain_scan.py \
        | sed "s/}\$/, \"round\": $round}/" >> "$out/jax.jsonl"
done
cat "$out/nabla.jsonl" "$out/jax.jsonl"
python3 - "$out/nabla.jsonl" "$out/jax.jsonl" <<'PY'
import json, statistics, sys
nabla = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
jax = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
def by(records, metric, engine):
    return {r["round"]: r["value"] for r in records if r.get("metric") == metric and r.get("engine") == engine}
engines = sorted({r["engine"] for r in nabla})
for metric in ("steady_forward_backward_seconds", "compile_plus_first_call_seconds"):
    b = by(jax, metric, "jax-jit")
    for engine in engines:
        a = by(nabla, metric, engine)
        ratios = [b[k] / a[k] for k in a if k in b]
        if not ratios:
            continue
        print(f"{metric:34} {engine:34} {statistics.median(a.values()):.4f} s   jax-jit {statistics.median(b.values()):.4f} s   "
              f"jax/nabla {statistics.median(ratios):.2f}x (rounds {min(ratios):.2f}-{max(ratios):.2f})")
compile_only = by(nabla, "build_and_compile_seconds", "nabla-static-loop")
first = by(jax, "compile_plus_first_call_seconds", "jax-jit")
print(f"{'build_and_compile_seconds':34} {'nabla-static-loop':34} {statistics.median(compile_only.values()):.6f} s   "
      f"jax-jit first call {statistics.median(first.values()):.4f} s   jax/nabla {statistics.median(first.values()) / statistics.median(compile_only.values()):.0f}x")
PY
