#!/usr/bin/env python3
"""The floor for a cold sync: what the server itself needs to hand over the tables.

Sends the `monitor_cond_since` request `ovsdb sync` sends (every column of each TABLE, no
condition, no last transaction id) over a raw socket and reads the reply without parsing it:
it only counts `{` and `}` in each chunk (bytes.count, at C speed) until the outermost object
closes. That is exact as long as no string in the reply holds a brace, which holds for the
generated benchmark data (--check verifies it by parsing the reply afterwards). No schema, no
decoding, no rows kept: the time is the server computing, encoding and sending the initial
contents, plus the kernel moving the bytes.

Prints one JSON line: {"bytes": N, "elapsed_s": S} (elapsed from connect to the last byte).

    sync_floor.py unix:/path/nb.sock OVN_Northbound Logical_Switch_Port Logical_Switch
"""
import argparse
import json
import socket
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("remote", help="unix:PATH or tcp:HOST:PORT")
ap.add_argument("db")
ap.add_argument("tables", nargs="+")
ap.add_argument("--check", action="store_true", help="parse the reply and count its rows")
a = ap.parse_args()

t0 = time.perf_counter()
kind, _, where = a.remote.partition(":")
if kind == "unix":
    sock = socket.socket(socket.AF_UNIX)
    sock.connect(where)
else:
    host, _, port = where.rpartition(":")
    sock = socket.create_connection((host.strip("[]"), int(port)))

requests = {t: [{}] for t in a.tables}
params = [a.db, "floor", requests, "00000000-0000-0000-0000-000000000000"]
sock.sendall(json.dumps({"id": 1, "method": "monitor_cond_since", "params": params}).encode())

chunk = bytearray(1 << 20)
view = memoryview(chunk)
kept = [] if a.check else None
total = 0
depth = 0
started = False
while True:
    n = sock.recv_into(chunk)
    if n == 0:
        sys.exit("sync_floor.py: the server closed the connection mid-reply")
    total += n
    if kept is not None:
        kept.append(bytes(view[:n]))
    # Only the reply is sent to a fresh connection, and it starts with "{".
    opened = chunk.count(b"{", 0, n)
    depth += opened - chunk.count(b"}", 0, n)
    started = started or opened > 0
    if started and depth <= 0:
        break
elapsed = time.perf_counter() - t0
sock.close()

out = {"bytes": total, "elapsed_s": round(elapsed, 4)}
if kept is not None:
    reply = json.loads(b"".join(kept))
    if reply.get("error") is not None:
        sys.exit(f"sync_floor.py: the server refused: {reply['error']}")
    out["rows"] = {t: len(rows) for t, rows in reply["result"][2].items()}
print(json.dumps(out))
