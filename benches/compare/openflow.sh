#!/usr/bin/env bash
# OpenFlow comparison with ovs-ofctl, in one run, on a userspace (netdev) bridge of a private
# ovs-vswitchd, OpenFlow 1.5 over the bridge's unix management socket:
#
#   benches/compare/openflow.sh [RUNS] [FLOWS]        (defaults: 5 runs, 100000 flows)
#
#   install    ofctl --bundle add-flows  vs  ovs-ofctl --bundle add-flows (FLOWS OVN-like flows
#              from gen_flows.py in one atomic bundle; until the commit reply); the flows are
#              deleted between runs, and both installs are checked to dump the same
#   parse      ofctl parse-flows  vs  ovs-ofctl parse-flows (text -> flow_mod -> text)
#   decode     ofctl ofp-parse  vs  ovs-ofctl ofp-parse, on the same binary of flow_mods
#              (written by ofctl encode-flows; both outputs are checked identical)
#   dump       ofctl --no-stats dump-flows  vs  ovs-ofctl's, of the FLOWS flows (not a target
#              of the issue; both outputs are checked identical, sorted)
#   no-op sync ofctl replace-flows  vs  ovs-ofctl --bundle replace-flows, with the switch
#              already holding exactly the file's flows; the OpenFlow messages the switch
#              receives during each are counted (its ofproto_recv_openflow coverage counter:
#              flow_mods or bundle adds, plus a few requests, barriers and bundle controls)
#
# Each command is timed by bash's `time` to the millisecond (wall, user, system seconds of
# the client process, its threads included; the switch's CPU is not included). Prints every measurement and a table of
# medians with the ratios the issue sets targets for. Run on an idle machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
runs=${1:-5}
n=${2:-100000}
export PATH="$PATH:/usr/sbin:/sbin"
for b in ovsdb-server ovsdb-tool ovs-vsctl ovs-vswitchd ovs-ofctl ovs-appctl; do
    command -v "$b" >/dev/null || { echo "openflow.sh: $b is missing (scripts/test installs OVS)" >&2; exit 1; }
done
cargo build --release --quiet -p examples --bin ofctl
# One userspace datapath per machine: wait for any test's switch to go (the lock testkit's
# Vswitch holds), and keep the tests' switches out while this one runs.
exec 9>/tmp/testkit-ovs-netdev.lock
flock 9
ofctl="${CARGO_TARGET_DIR:-$root/target}/release/ofctl"

dir=$(mktemp -d /tmp/of-compare.XXXXXX)
export OVS_RUNDIR="$dir" OVS_LOGDIR="$dir" OVS_DBDIR="$dir" OVS_SYSCONFDIR="$dir"
db_pid="" sw_pid=""
cleanup() {
    [ -n "$sw_pid" ] && { kill "$sw_pid" 2>/dev/null || true; wait "$sw_pid" 2>/dev/null || true; }
    [ -n "$db_pid" ] && { kill "$db_pid" 2>/dev/null || true; wait "$db_pid" 2>/dev/null || true; }
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The switch: a vswitch database and ovs-vswitchd with one netdev bridge.
ovsdb-tool create "$dir/conf.db" /usr/share/openvswitch/vswitch.ovsschema
ovsdb-server "$dir/conf.db" --remote="punix:$dir/db.sock" --unixctl="$dir/db.ctl" \
    --log-file="$dir/db.log" --no-chdir 2>/dev/null &
db_pid=$!
for _ in $(seq 200); do [ -S "$dir/db.sock" ] && break; sleep 0.05; done
ovs-vsctl --db="unix:$dir/db.sock" --no-wait init
ovs-vswitchd "unix:$dir/db.sock" --unixctl="$dir/sw.ctl" --log-file="$dir/sw.log" \
    --no-chdir -vconsole:off 2>/dev/null &
sw_pid=$!
ovs-vsctl --db="unix:$dir/db.sock" --timeout=30 add-br br0 -- set bridge br0 \
    datapath_type=netdev protocols=OpenFlow13,OpenFlow14,OpenFlow15 fail-mode=secure
sw="unix:$dir/br0.mgmt"
for _ in $(seq 200); do [ -S "$dir/br0.mgmt" ] && break; sleep 0.05; done

flows="$dir/flows.txt"
python3 benches/compare/gen_flows.py "$n" > "$flows"
bin="$dir/flows.bin"
"$ofctl" -O OpenFlow15 encode-flows "$flows" "$bin"
echo "# $n flows: text $(du -h "$flows" | cut -f1), flow_mods $(du -h "$bin" | cut -f1)" >&2

results="$dir/results"
: > "$results"
# Runs "$@" under bash's `time`, stdout to $out, stderr to $dir/stderr (shown if it fails);
# records "CASE CLIENT wall user sys".
# Each command a switch takes part in starts a second after the one before, so that work
# the switch defers (freeing 100k replaced or deleted flows) does not fall on the next.
measure() {
    local case=$1 client=$2 out=$3
    shift 3
    [ "$case" = parse ] || [ "$case" = decode ] || sleep 1
    local TIMEFORMAT='%3R %3U %3S' status=0
    { time "$@" > "$out" 2> "$dir/stderr" || status=$?; } 2> "$dir/time"
    [ "$status" = 0 ] || { cat "$dir/stderr" >&2; echo "$case $client failed ($status)" >&2; exit 1; }
    read -r wall user sys < "$dir/time"
    printf '%-10s %-10s %8s %8s %8s\n' "$case" "$client" "$wall" "$user" "$sys"
    echo "$case $client $wall $user $sys" >> "$results"
}
dump() { ovs-ofctl -O OpenFlow15 --no-stats dump-flows "$sw" | sort; }
# OpenFlow messages the switch has received so far.
received() { ovs-appctl -t "$dir/sw.ctl" coverage/read-counter ofproto_recv_openflow; }

printf '%-10s %-10s %8s %8s %8s\n' case client "wall s" "user s" "sys s"
for run in $(seq "$runs"); do
    ovs-ofctl -O OpenFlow15 del-flows "$sw"
    measure install ovs-ofctl /dev/null ovs-ofctl -O OpenFlow15 --bundle add-flows "$sw" "$flows"
    [ "$run" = 1 ] && dump > "$dir/dump.theirs"
    ovs-ofctl -O OpenFlow15 del-flows "$sw"
    measure install ofctl /dev/null "$ofctl" -O OpenFlow15 --bundle add-flows "$sw" "$flows"
    if [ "$run" = 1 ]; then
        dump > "$dir/dump.ours"
        cmp -s "$dir/dump.theirs" "$dir/dump.ours" || { echo "the two installs dump differently" >&2; exit 1; }
        [ "$(wc -l < "$dir/dump.ours")" = "$n" ] || { echo "expected $n flows installed" >&2; exit 1; }
    fi

    measure parse ovs-ofctl "$dir/parse.theirs" ovs-ofctl -O OpenFlow15 parse-flows "$flows"
    measure parse ofctl "$dir/parse.ours" "$ofctl" -O OpenFlow15 parse-flows "$flows"
    measure decode ovs-ofctl "$dir/decode.theirs" ovs-ofctl ofp-parse "$bin"
    measure decode ofctl "$dir/decode.ours" "$ofctl" ofp-parse "$bin"
    if [ "$run" = 1 ]; then
        grep -v '^usable\|^chosen' "$dir/parse.theirs" | cmp -s - "$dir/parse.ours" \
            || { echo "parse-flows outputs differ" >&2; exit 1; }
        cmp -s "$dir/decode.theirs" "$dir/decode.ours" || { echo "ofp-parse outputs differ" >&2; exit 1; }
    fi

    measure dump ovs-ofctl "$dir/list.theirs" ovs-ofctl -O OpenFlow15 --no-stats dump-flows "$sw"
    measure dump ofctl "$dir/list.ours" "$ofctl" -O OpenFlow15 --no-stats dump-flows "$sw"
    if [ "$run" = 1 ]; then
        grep '^ ' "$dir/list.theirs" | sort > "$dir/list.theirs.sorted"
        sort "$dir/list.ours" | cmp -s - "$dir/list.theirs.sorted" \
            || { echo "dump-flows outputs differ" >&2; exit 1; }
    fi

    # The switch holds exactly the file's flows (installed by ofctl above).
    before=$(received)
    measure noop-sync ovs-ofctl /dev/null ovs-ofctl -O OpenFlow15 --bundle replace-flows "$sw" "$flows"
    middle=$(received)
    measure noop-sync ofctl "$dir/sync.ours" "$ofctl" -O OpenFlow15 replace-flows "$sw" "$flows"
    after=$(received)
    if [ "$run" = 1 ]; then
        sent="$((middle - before)) vs ours $((after - middle))"
        echo "# no-op replace-flows: the switch received $((middle - before)) messages from ovs-ofctl, $((after - middle)) from ofctl ($(cat "$dir/sync.ours"))" >&2
    fi
done

python3 - "$results" "$sent" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
med = {}
for case, client, wall, user, sys_ in rows:
    med.setdefault((case, client), []).append((float(wall), float(user) + float(sys_)))
def m(case, client, i):
    return statistics.median(v[i] for v in med[(case, client)])
print()
print(f"{'case':<10} {'ovs-ofctl wall':>14} {'ofctl wall':>10} {'wall ratio':>10} {'ovs-ofctl cpu':>13} {'ofctl cpu':>9} {'cpu ratio':>9}")
for case in ["install", "parse", "decode", "dump", "noop-sync"]:
    tw, ow = m(case, "ovs-ofctl", 0), m(case, "ofctl", 0)
    tc, oc = m(case, "ovs-ofctl", 1), m(case, "ofctl", 1)
    print(f"{case:<10} {tw:>14.3f} {ow:>10.3f} {ow / tw if tw else 0:>10.3f} {tc:>13.3f} {oc:>9.3f} {oc / tc if tc else 0:>9.3f}")
print()
print("targets: install wall <= 0.8 and cpu <= 0.1; parse and decode wall <= 0.1; "
      f"no-op sync wall <= 0.1 sending 0 flow_mods (messages received by the switch: ovs-ofctl {sys.argv[2]})")
PY
