#!/bin/sh
# W1 through emitted code against Swift's _Differentiation, in one run (see WORKLOADS.md and
# nabla-bench's tutorial-emitted workload). From the repository root:
#
#     sh Benchmarks/peers/swift_differentiation.sh
#
# Builds nabla-bench in release and the peer (differentiation/main.swift) with `swiftc -O`, runs
# both pinned to CPU 0, one after the other, and prints their JSON records and the ratios
# (time per repetition of the peer / of each Nabla engine: above 1, Nabla is faster).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
swift build -c release --product nabla-bench >/dev/null
swiftc -O Benchmarks/peers/differentiation/main.swift -o "$build/differentiation"
pin=""
if command -v taskset >/dev/null 2>&1; then pin="taskset -c 0"; fi
$pin "$(swift build -c release --show-bin-path)/nabla-bench" --json tutorial-emitted > "$build/nabla.jsonl"
$pin "$build/differentiation" > "$build/peer.jsonl"
cat "$build/nabla.jsonl" "$build/peer.jsonl"
python3 - "$build/nabla.jsonl" "$build/peer.jsonl" <<'PY'
import json, sys
records = [json.loads(line) for path in sys.argv[1:] for line in open(path) if line.strip()]
ns = {r["engine"]: r["value"] for r in records}
for engine, peer in (("nabla-emitted-swift", "swift-differentiation"), ("nabla-emitted-swift-call", "swift-differentiation-call"),
                     ("nabla-static", "swift-differentiation")):
    print(f"{engine:26} {ns[engine]:8.2f} ns   {peer} {ns[peer]:.2f} ns / {engine} = {ns[peer] / ns[engine]:.2f}x")
PY
