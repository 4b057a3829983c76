#!/usr/bin/env python3
"""A cold sync through the Open vSwitch Python IDL (the `ovs` package, `ovs.db.idl`).

Builds an `ovs.db.idl.Idl` for SCHEMA with every column of each TABLE registered, runs it until
it has the database's initial contents (`has_ever_connected()`: the monitor reply has been
applied), prints the row counts, and exits. Also prints which `ovs` package was used and
whether its JSON parser is the C extension (`ovs._json`, used by `ovs.json` when importable)
or the pure-Python one, since that decides most of the time.

Prints one JSON line: {"rows": {TABLE: N}, "elapsed_s": S, "c_json": bool, "ovs": PATH}.

    py_idl_sync.py unix:/path/nb.sock /usr/share/ovn/ovn-nb.ovsschema Logical_Switch_Port ...
"""
import argparse
import json
import sys
import time

import ovs.db.idl
import ovs.json
import ovs.poller

try:
    import ovs._json  # noqa: F401  (only its presence matters)

    C_JSON = True
except ImportError:
    C_JSON = False

ap = argparse.ArgumentParser()
ap.add_argument("remote")
ap.add_argument("schema", help="the .ovsschema file")
ap.add_argument("tables", nargs="+")
ap.add_argument("--timeout", type=float, default=600)
a = ap.parse_args()

t0 = time.perf_counter()
helper = ovs.db.idl.SchemaHelper(location=a.schema)
for t in a.tables:
    helper.register_table(t)
# leader_only=False, as ovn-nbctl --no-leader-only: the remote is a standalone server anyway.
idl = ovs.db.idl.Idl(a.remote, helper, leader_only=False)
while not idl.has_ever_connected():
    if time.perf_counter() - t0 > a.timeout:
        sys.exit(f"py_idl_sync.py: no initial contents after {a.timeout} s")
    idl.run()
    if idl.has_ever_connected():
        break
    poller = ovs.poller.Poller()
    idl.wait(poller)
    poller.block()
elapsed = time.perf_counter() - t0
rows = {t: len(idl.tables[t].rows) for t in a.tables}
idl.close()
print(json.dumps({"rows": rows, "elapsed_s": round(elapsed, 4), "c_json": C_JSON,
                  "ovs": ovs.__file__}))
