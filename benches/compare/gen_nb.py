#!/usr/bin/env python3
"""Fills a running OVN northbound ovsdb-server with Kube-OVN-shaped switches and ports.

Creates the NB_Global row, SWITCHES Logical_Switches (`subnet-0`...) shaped as Kube-OVN 1.11
leaves its subnets (`other_config:subnet`, `external_ids:vendor=kube-ovn`), then PORTS
Logical_Switch_Ports spread evenly over them, shaped as Kube-OVN leaves a pod's port: name
`POD.NAMESPACE`, addresses and port_security "MAC IP", `external_ids` {ls, pod, ip,
vendor=kube-ovn} and a few `options`.

Each transaction inserts up to BATCH ports and adds them to their switches' `ports`; WINDOW
transactions are kept in flight over one unix-socket connection, so 100,000 ports take a few
seconds. Only the standard library is used. Prints one line: what it created and how long it
took.

    gen_nb.py unix:/path/nb.sock --ports 100000 [--switches 100] [--batch 1000] [--window 4]
"""
import argparse
import json
import socket
import sys
import time

DB = "OVN_Northbound"

ap = argparse.ArgumentParser()
ap.add_argument("remote", help="unix:PATH of the server")
ap.add_argument("--ports", type=int, required=True)
ap.add_argument("--switches", type=int, default=100)
ap.add_argument("--batch", type=int, default=1000)
ap.add_argument("--window", type=int, default=4)
a = ap.parse_args()

kind, _, path = a.remote.partition(":")
if kind != "unix":
    sys.exit("gen_nb.py: only unix: remotes are supported")
sock = socket.socket(socket.AF_UNIX)
sock.connect(path)

dec = json.JSONDecoder()
buf = ""
next_id = 0


def send(ops):
    """Sends one transaction; returns its id."""
    global next_id
    next_id += 1
    msg = {"id": next_id, "method": "transact", "params": [DB] + ops}
    sock.sendall(json.dumps(msg, separators=(",", ":")).encode())
    return next_id


def recv_reply():
    """Returns the next reply, answering the server's echo requests on the way."""
    global buf
    while True:
        s = buf.lstrip()
        if s:
            try:
                msg, end = dec.raw_decode(s)
            except ValueError:
                msg = None
            if msg is not None:
                buf = s[end:]
                if msg.get("method") == "echo":
                    reply = {"id": msg["id"], "result": msg["params"], "error": None}
                    sock.sendall(json.dumps(reply).encode())
                    continue
                return msg
        data = sock.recv(1 << 16)
        if not data:
            sys.exit("gen_nb.py: the server closed the connection")
        buf += data.decode()


def check(msg):
    results = msg.get("result")
    if msg.get("error") is not None or not isinstance(results, list) or any(
        isinstance(r, dict) and "error" in r for r in results
    ):
        sys.exit(f"gen_nb.py: transaction failed: {json.dumps(msg)[:500]}")


def mac(i):
    return "00:00:%02x:%02x:%02x:%02x" % ((i >> 24) & 0xFF, (i >> 16) & 0xFF, (i >> 8) & 0xFF, i & 0xFF)


def ip(sw, n):
    # Subnet 10.S.0.0/16 (S < 256) or 10.S/256.S%256.0/24 style beyond; n < 65000 hosts.
    return "10.%d.%d.%d" % (sw % 256, (n + 2) // 256 % 256, (n + 2) % 256)


def switch_row(sw):
    return {
        "name": f"subnet-{sw}",
        "other_config": ["map", [["subnet", f"10.{sw % 256}.0.0/16"],
                                 ["exclude_ips", f"10.{sw % 256}.0.1"],
                                 ["mcast_snoop", "false"]]],
        "external_ids": ["map", [["vendor", "kube-ovn"]]],
    }


def port_row(i, sw, n):
    ns = f"ns-{sw}"
    pod = f"pod-{n}"
    addr = f"{mac(i)} {ip(sw, n)}"
    return {
        "name": f"{pod}.{ns}",
        "addresses": addr,
        "port_security": addr,
        "external_ids": ["map", [["ls", f"subnet-{sw}"], ["pod", f"{ns}/{pod}"],
                                 ["ip", ip(sw, n)], ["vendor", "kube-ovn"]]],
        "options": ["map", [["requested-chassis", f"node-{i % 50}"],
                            ["iface-id-ver", f"{i:08x}-0000-4000-8000-000000000000"]]],
    }


t0 = time.monotonic()
# The NB_Global row every real northbound database has (ovn-nbctl would otherwise insert one,
# in a transaction of its own, the first time it runs).
send([{"op": "insert", "table": "NB_Global", "row": {}}]
     + [{"op": "insert", "table": "Logical_Switch", "row": switch_row(sw)} for sw in range(a.switches)])
check(recv_reply())

# Port i goes to switch i % switches, as its n-th port.
in_flight = 0
for start in range(0, a.ports, a.batch):
    ops = []
    by_switch = {}
    for i in range(start, min(start + a.batch, a.ports)):
        sw, n = i % a.switches, i // a.switches
        name = f"p{i}"
        ops.append({"op": "insert", "table": "Logical_Switch_Port", "uuid-name": name,
                    "row": port_row(i, sw, n)})
        by_switch.setdefault(sw, []).append(["named-uuid", name])
    for sw, refs in by_switch.items():
        ops.append({"op": "mutate", "table": "Logical_Switch",
                    "where": [["name", "==", f"subnet-{sw}"]],
                    "mutations": [["ports", "insert", ["set", refs]]]})
    send(ops)
    in_flight += 1
    if in_flight >= a.window:
        check(recv_reply())
        in_flight -= 1
while in_flight:
    check(recv_reply())
    in_flight -= 1

print(f"created {a.switches} switches and {a.ports} ports in {time.monotonic() - t0:.1f} s",
      file=sys.stderr)
