#!/usr/bin/env python3
"""Times how long a switch takes to hand over its whole flow table, read raw.

    raw_dump.py SOCKET [RUNS]        (SOCKET: a bridge's management socket, e.g. br0.mgmt)

Sends one OpenFlow 1.5 flow stats request for every flow of every table and reads the
reply without decoding the flows, timing the first byte and the last part. This is the
floor of any no-op `replace-flows` (ours or ovs-ofctl's): Open vSwitch builds every part
of the reply before it sends the first one, and a client that reads faster than the switch
writes waits for it. `openflow.sh` compares against ovs-ofctl; this shows how close to the
switch our `replace-flows` is.
"""
import socket
import struct
import sys
import time

OFP15 = 6
OFPT_HELLO, OFPT_MULTIPART_REQUEST, OFPT_MULTIPART_REPLY = 0, 18, 19
OFPMP_FLOW = 1
XID = 7


def read_message(s, buf):
    """One whole message from `s` (after the bytes in `buf`); returns it and the rest."""
    while len(buf) < 8 or len(buf) < struct.unpack("!H", buf[2:4])[0]:
        data = s.recv(1 << 20)
        if not data:
            raise SystemExit("the switch closed the connection")
        buf += data
    n = struct.unpack("!H", buf[2:4])[0]
    return buf[:n], buf[n:]


def dump_once(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    # A hello offering OpenFlow 1.5 only (a version bitmap element).
    s.sendall(struct.pack("!BBHI", OFP15, OFPT_HELLO, 16, 1) + struct.pack("!HHI", 1, 8, 1 << OFP15))
    _, buf = read_message(s, b"")
    # ofp_flow_stats_request: every table, any port and group, no cookie, the empty match.
    body = struct.pack("!B3xII4xQQ", 0xFF, 0xFFFFFFFF, 0xFFFFFFFF, 0, 0) + struct.pack("!HH4x", 1, 4)
    mp = struct.pack("!HH4x", OFPMP_FLOW, 0) + body
    start = time.monotonic()
    s.sendall(struct.pack("!BBHI", OFP15, OFPT_MULTIPART_REQUEST, 8 + len(mp), XID) + mp)
    first, total, parts, done = None, 0, 0, False
    while not done:
        data = s.recv(1 << 20)
        if not data:
            raise SystemExit("the switch closed the connection")
        if first is None:
            first = time.monotonic()
        total += len(data)
        buf += data
        while len(buf) >= 8 and len(buf) >= struct.unpack("!H", buf[2:4])[0]:
            n = struct.unpack("!H", buf[2:4])[0]
            msg, buf = buf[:n], buf[n:]
            if msg[1] == OFPT_MULTIPART_REPLY and struct.unpack("!I", msg[4:8])[0] == XID:
                parts += 1
                # OFPMPF_REPLY_MORE unset: the last part.
                if not struct.unpack("!H", msg[10:12])[0] & 1:
                    done = True
    end = time.monotonic()
    s.close()
    print(f"first byte after {first - start:.3f} s, last part after {end - start:.3f} s "
          f"({total} bytes, {parts} parts)")


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    for _ in range(int(sys.argv[2]) if len(sys.argv) > 2 else 1):
        dump_once(sys.argv[1])


if __name__ == "__main__":
    main()
