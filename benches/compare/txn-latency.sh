#!/usr/bin/env bash
# Small-transaction latency: ovsdb-client (txn-bench) beside the raw-socket Python floor.
#
# For each client and each in-flight depth (1 and 32), starts a fresh standalone OVN northbound
# ovsdb-server on a unix socket in a temp dir, runs COUNT transactions (insert a
# Logical_Switch_Port + mutate its switch's ports) after 100 warm-up ones, and repeats RUNS
# times. Prints every run and, per depth, the medians and our ratio to the floor.
#
#   benches/compare/txn-latency.sh [COUNT] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
count=${1:-2000}
runs=${2:-5}
cargo build --release --quiet -p examples --bin txn-bench
bench="$PWD/target/release/txn-bench"
floor="$PWD/benches/compare/txn_floor.py"

dir=$(mktemp -d)
pid=""
stop() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""; fi
}
trap 'stop; rm -rf "$dir"' EXIT INT TERM

start() {
    stop
    rm -f "$dir"/nb.db "$dir"/nb.sock
    ovsdb-tool create "$dir/nb.db" /usr/share/ovn/ovn-nb.ovsschema
    OVS_RUNDIR="$dir" ovsdb-server "$dir/nb.db" --remote="punix:$dir/nb.sock" \
        --unixctl="$dir/nb.ctl" --log-file="$dir/nb.log" --no-chdir 2>/dev/null &
    pid=$!
    for _ in $(seq 100); do [ -S "$dir/nb.sock" ] && return; sleep 0.05; done
    echo "ovsdb-server did not start" >&2; exit 1
}

results="$dir/results.jsonl"
: > "$results"
for depth in 1 32; do
    for run in $(seq "$runs"); do
        for client in rust python; do
            start
            if [ "$client" = rust ]; then
                "$bench" "unix:$dir/nb.sock" --count "$count" --in-flight "$depth" | tee -a "$results"
            else
                python3 "$floor" "unix:$dir/nb.sock" --count "$count" --in-flight "$depth" | tee -a "$results"
            fi
        done
    done
done
stop
python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("\nmedians over runs:")
print(f"{'in-flight':>9} {'client':<28} {'txn/s':>9} {'mean ms':>8} {'p50 ms':>8} {'p99 ms':>8}")
for depth in sorted({r["in_flight"] for r in rows}):
    med = {}
    for client in sorted({r["client"] for r in rows}):
        rs = [r for r in rows if r["in_flight"] == depth and r["client"] == client]
        m = {k: statistics.median(r[k] for r in rs) for k in ("txn_per_s", "mean_ms", "p50_ms", "p99_ms")}
        med[client] = m
        print(f"{depth:>9} {client:<28} {m['txn_per_s']:>9.0f} {m['mean_ms']:>8.3f} {m['p50_ms']:>8.3f} {m['p99_ms']:>8.3f}")
    ours, floor = med["ovsdb-client (Rust)"], med["raw socket (Python floor)"]
    print(f"{'':>9} ours/floor: throughput {ours['txn_per_s']/floor['txn_per_s']:.3f}, mean latency {ours['mean_ms']/floor['mean_ms']:.3f}")
PY
