#!/usr/bin/env python3
"""The floor for small-transaction latency: a minimal raw-socket JSON-RPC loop.

Does exactly what `txn-bench` does (insert a Logical_Switch_Port and add it to its switch's
ports, with N transactions outstanding) with nothing but a socket, json.dumps and the standard
library's C-accelerated JSON decoder. No schema, no checking, no IDL: the least work a client
can do. Prints one JSON line in txn-bench's format.

    txn_floor.py unix:/path/nb.sock --count 2000 --in-flight 32
"""
import argparse
import json
import socket
import time

ap = argparse.ArgumentParser()
ap.add_argument("remote")
ap.add_argument("--count", type=int, default=2000)
ap.add_argument("--in-flight", type=int, default=1)
ap.add_argument("--switch", default="bench-python")
a = ap.parse_args()

kind, _, where = a.remote.partition(":")
if kind == "unix":
    sock = socket.socket(socket.AF_UNIX)
    sock.connect(where)
else:
    host, _, port = where.rpartition(":")
    sock = socket.create_connection((host.strip("[]"), int(port)))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

dec = json.JSONDecoder()
buf = ""
next_id = 0


def send(params):
    global next_id
    next_id += 1
    sock.sendall(json.dumps({"id": next_id, "method": "transact", "params": params}).encode())
    return next_id


def recv_one():
    """Returns the next complete message (echo requests are answered)."""
    global buf
    while True:
        s = buf.lstrip()
        if s:
            try:
                msg, end = dec.raw_decode(s)
                buf = s[end:]
                if msg.get("method") == "echo":
                    sock.sendall(json.dumps({"id": msg["id"], "result": msg["params"], "error": None}).encode())
                    continue
                return msg
            except ValueError:
                pass
        data = sock.recv(65536)
        if not data:
            raise SystemExit("server closed the connection")
        buf += data.decode()


def txn(i):
    return ["OVN_Northbound",
            {"op": "insert", "table": "Logical_Switch_Port", "uuid-name": "row1",
             "row": {"name": f"{a.switch}-p{i}",
                     "addresses": "00:00:00:%02x:%02x:%02x dynamic" % ((i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff)}},
            {"op": "mutate", "table": "Logical_Switch", "where": [["name", "==", a.switch]],
             "mutations": [["ports", "insert", ["named-uuid", "row1"]]]}]


send(["OVN_Northbound", {"op": "insert", "table": "Logical_Switch", "row": {"name": a.switch}}])
recv_one()


def run(start, count):
    lat = []
    sent = {}
    nxt, end = start, start + count
    while nxt < end and len(sent) < a.in_flight:
        sent[send(txn(nxt))] = time.perf_counter()
        nxt += 1
    while sent:
        msg = recv_one()
        t0 = sent.pop(msg["id"])
        if msg.get("error") is not None or any(r and "error" in r for r in msg["result"]):
            raise SystemExit(f"transaction failed: {msg}")
        lat.append(time.perf_counter() - t0)
        if nxt < end:
            sent[send(txn(nxt))] = time.perf_counter()
            nxt += 1
    return lat


run(0, 100)  # warm-up
t0 = time.perf_counter()
lat = sorted(run(100, a.count))
total = time.perf_counter() - t0
print(json.dumps({
    "client": "raw socket (Python floor)",
    "count": len(lat), "in_flight": a.in_flight, "total_s": total,
    "txn_per_s": len(lat) / total, "mean_ms": sum(lat) / len(lat) * 1e3,
    "p50_ms": lat[len(lat) // 2] * 1e3, "p99_ms": lat[len(lat) * 99 // 100] * 1e3,
}))
