#!/usr/bin/env bash
# Cold-sync comparison: how long, and how much memory, a client needs to get a full copy of
# Kube-OVN-sized OVN northbound tables from a standalone ovsdb-server over a unix socket.
#
#   benches/compare/ovsdb-sync.sh [RUNS] [PORTS...]      (defaults: 5 runs; 10000 100000 ports)
#
# For each PORTS, gen_nb.py fills a fresh server with 100 Logical_Switches and PORTS
# Logical_Switch_Ports shaped as Kube-OVN leaves them; the database is compacted and kept. Then
# RUNS rounds each time every client below once, in turn, against a server freshly started on
# a copy of that database (so no client finds the server warmed by another's monitor):
#
#   ovsdb sync            target/release/ovsdb sync unix:... OVN_Northbound
#                         Logical_Switch_Port Logical_Switch (this workspace, replica store)
#   C IDL                 ovn-nbctl --no-leader-only --db=unix:... find Logical_Switch_Port
#                         name=none (monitor_cond_since of every column of Logical_Switch_Port
#                         but _version, the uuids of the tables it references, not
#                         Logical_Switch; the NB_Global row gen_nb.py creates spares it the
#                         transaction that would insert one)
#   Python IDL            py_idl_sync.py with the PyPI `ovs` package (pure-Python JSON parser
#                         unless its C extension could be built)
#   Python IDL (C json)   py_idl_sync.py with Debian's python3-openvswitch under
#                         /usr/bin/python3, whose `ovs._json` C parser is used
#   floor                 sync_floor.py: the same monitor_cond_since request over a raw socket,
#                         reply bytes only counted, never parsed: the server's own cost
#
# Wall time and peak RSS come from /usr/bin/time -f '%e %M' around each client process, so
# process start-up (and Python's imports) is included. The Python clients also report their
# in-process time (from just before connecting to the end). Prints every measurement, then per
# PORTS a table of medians with each client's wall time over the floor (the floor's in-process
# time: the server's cost without Python's start-up) and over the C IDL's.
#
# Installs what is missing: the Debian packages `time` and `python3-openvswitch` (apt-get) and
# the PyPI package `ovs` (pip, into $PYTHON, default python3). Everything runs in a temp dir
# that OVS_RUNDIR, OVS_LOGDIR, OVS_DBDIR and OVS_SYSCONFDIR point at; every server it starts
# is stopped and the dir removed on exit, failure or interrupt. Run it on an idle machine: the
# load average is printed after each size (the benchmark itself accounts for about 1 to 1.5).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
runs=${1:-5}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
switches=100
python=${PYTHON:-python3}
sys_python=/usr/bin/python3
schema=/usr/share/ovn/ovn-nb.ovsschema
here="$root/benches/compare"
export PATH="$PATH:/usr/sbin:/sbin"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Tools.
for b in ovsdb-server ovsdb-tool ovsdb-client ovs-appctl ovn-nbctl; do
    command -v "$b" >/dev/null || { echo "ovsdb-sync.sh: $b is missing (scripts/test installs OVS/OVN)" >&2; exit 1; }
done
[ -x /usr/bin/time ] || apt_install time
"$python" -c 'import ovs.db.idl' 2>/dev/null || "$python" -m pip install -q ovs
[ -x "$sys_python" ] && "$sys_python" -c 'import ovs._json' 2>/dev/null || apt_install python3-openvswitch
same_python=0
[ "$(readlink -f "$(command -v "$python")")" = "$(readlink -f "$sys_python")" ] && same_python=1
cargo build --release --quiet -p examples --bin ovsdb
ovsdb="$root/target/release/ovsdb"

dir=$(mktemp -d)
export OVS_RUNDIR="$dir" OVS_LOGDIR="$dir" OVS_DBDIR="$dir" OVS_SYSCONFDIR="$dir"
pid=""
stop_server() {
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        pid=""
    fi
}
trap 'stop_server; rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM

sock="$dir/nb.sock"
remote="unix:$sock"
# Starts a server on database file $1 and waits until it answers.
start_server() {
    stop_server
    rm -f "$sock" "$dir/nb.ctl"
    ovsdb-server "$1" --remote="punix:$sock" --unixctl="$dir/nb.ctl" \
        --log-file="$dir/nb.log" --no-chdir 2>/dev/null &
    pid=$!
    for _ in $(seq 600); do
        if [ -S "$sock" ] && ovsdb-client list-dbs "$remote" >/dev/null 2>&1; then return; fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    echo "ovsdb-server did not start; its log:" >&2
    tail -5 "$dir/nb.log" >&2 || true
    exit 1
}

# The clients, by name.
clients=("ovsdb sync" "C IDL" "Python IDL" "Python IDL (C json)" "floor")
[ "$same_python" = 1 ] && clients=("ovsdb sync" "C IDL" "Python IDL" "floor")
# Sets cmd to client $1's command line.
client_cmd() {
    local tables=(Logical_Switch_Port Logical_Switch)
    case "$1" in
        "ovsdb sync") cmd=("$ovsdb" sync --compact "$remote" OVN_Northbound "${tables[@]}") ;;
        "C IDL") cmd=(ovn-nbctl --no-leader-only --db="$remote" find Logical_Switch_Port name=none) ;;
        "Python IDL") cmd=("$python" "$here/py_idl_sync.py" "$remote" "$schema" "${tables[@]}") ;;
        "Python IDL (C json)") cmd=("$sys_python" "$here/py_idl_sync.py" "$remote" "$schema" "${tables[@]}") ;;
        floor) cmd=("$python" "$here/sync_floor.py" "$remote" OVN_Northbound "${tables[@]}") ;;
    esac
}

# Checks a client's output: the right row counts, or nothing at all for ovn-nbctl's find.
check_output() {
    local name=$1 ports=$2 out=$3
    case "$name" in
        "ovsdb sync")
            grep -qx "{\"Logical_Switch\":$switches,\"Logical_Switch_Port\":$ports}" "$out" ;;
        "C IDL") [ ! -s "$out" ] ;;
        "Python IDL"*)
            grep -q "\"rows\": {\"Logical_Switch_Port\": $ports, \"Logical_Switch\": $switches}" "$out" ;;
        floor) grep -q '"bytes": [1-9]' "$out" ;;
    esac
}

results="$dir/results.jsonl"
: > "$results"
printf '%-8s %-20s %4s %9s %9s  %s\n' ports client run "wall s" "RSS MB" "output"
for ports in "${sizes[@]}"; do
    # Generate the database once per size, compacted.
    db="$dir/nb-$ports.db"
    ovsdb-tool create "$db" "$schema"
    start_server "$db"
    python3 "$here/gen_nb.py" "$remote" --ports "$ports" --switches "$switches"
    ovs-appctl -t "$dir/nb.ctl" ovsdb-server/compact >/dev/null
    stop_server
    echo "# $ports ports: database $(du -h "$db" | cut -f1)" >&2

    for run in $(seq "$runs"); do
        for name in "${clients[@]}"; do
            cp "$db" "$dir/nb.db"
            start_server "$dir/nb.db"
            client_cmd "$name"
            out="$dir/out" err="$dir/err"
            if ! timeout 900 /usr/bin/time -f '%e %M' -o "$dir/time" "${cmd[@]}" > "$out" 2> "$err"; then
                echo "ovsdb-sync.sh: $name failed on $ports ports: $(tail -3 "$err")" >&2
                exit 1
            fi
            if ! check_output "$name" "$ports" "$out"; then
                echo "ovsdb-sync.sh: $name gave unexpected output on $ports ports: $(head -c 300 "$out")" >&2
                exit 1
            fi
            read -r wall rss_kb < <(tail -1 "$dir/time")
            stop_server
            printf '%-8s %-20s %4s %9s %9s  %s\n' "$ports" "$name" "$run" "$wall" \
                "$(awk "BEGIN { printf \"%.1f\", $rss_kb / 1024 }")" "$(head -c 150 "$out" | tr '\n' ' ')"
            python3 - "$ports" "$name" "$wall" "$rss_kb" "$out" >> "$results" <<'PY'
import json, sys
ports, name, wall, rss_kb, out = sys.argv[1:]
row = {"ports": int(ports), "client": name, "wall": float(wall), "rss_kb": int(rss_kb)}
try:
    row["inner"] = json.loads(open(out).read())["elapsed_s"]
except (ValueError, KeyError, TypeError):
    pass
print(json.dumps(row))
PY
        done
    done
    rm -f "$db"
    # One client and the server busy make about 1-1.5; much more means something else ran.
    echo "# $ports ports done; load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
done

python3 - "$results" "$runs" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
runs = sys.argv[2]
for ports in sorted({r["ports"] for r in rows}):
    by = {}
    for r in rows:
        if r["ports"] == ports:
            by.setdefault(r["client"], []).append(r)
    med = {}
    for c, rs in by.items():
        inner = [x["inner"] for x in rs if "inner" in x]
        med[c] = (statistics.median(x["wall"] for x in rs),
                  statistics.median(inner) if inner else None,
                  statistics.median(x["rss_kb"] for x in rs) / 1024)
    # The floor is the server's cost: connect to last reply byte, without Python's start-up.
    floor = med["floor"][1]
    cidl = med["C IDL"]
    print(f"\n{ports} Logical_Switch_Ports on 100 switches, medians of {runs} runs:")
    print(f"| {'client':<20} | {'wall s':>7} | {'in-process s':>12} | {'peak RSS MB':>11} | {'wall / floor':>12} | {'wall / C IDL':>12} | {'RSS / C IDL':>11} |")
    print(f"|{'-' * 22}|{'-' * 9}|{'-' * 14}|{'-' * 13}|{'-' * 14}|{'-' * 14}|{'-' * 13}|")
    for c, (w, i, m) in med.items():
        inner = f"{i:.2f}" if i is not None else "-"
        print(f"| {c:<20} | {w:>7.2f} | {inner:>12} | {m:>11.1f} | {w / floor:>12.2f} | {w / cidl[0]:>12.2f} | {m / cidl[2]:>11.2f} |")
    print(f"floor = {floor:.3f} s: sync_floor.py's time from connect to the reply's last byte, "
          "measured inside it (without Python's start-up, which its wall time includes).")
PY
