#!/usr/bin/env python3
"""Parse a dpctl/dump-flows capture with Open vSwitch's own Python parser
(ovs.flow.odp.ODPFlow, Debian python3-openvswitch) and print one JSON
object per input line, for the differential test in ovs/dpflow
(pydiff_test.go) and for the side-by-side benchmark (bench.sh).

    pyflow_dump.py FILE            # JSON lines on stdout
    pyflow_dump.py --bench FILE    # time parsing only, print us/flow

Each object: {"line": N, "error": "..."} when ODPFlow raised, else
{"line", "ufid", "match": [[key, str(value)]...], "in_port", "packets",
"bytes", "used", "flags", "dp", "offloaded", "actions": [names],
"action_values": [decoded arguments], "outputs": [ports]}. Lines that are blank, comments or dump headers are
left out, as the Go scanner skips them.
"""
import json
import re
import sys
import time

from ovs.flow import decoders
from ovs.flow.odp import ODPFlow


def flow_lines(path):
    with open(path) as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\r\n")
            s = line.strip()
            if not s or s.startswith("#") or s.startswith("flow-dump from "):
                continue
            yield n, line


def norm(v):
    """A JSON form of a decoded value that Go can compare: integers (with
    masks) as decimal strings, MACs as 12 hex digits, IPs as text, nested
    fields as objects, anything else as its string."""
    if isinstance(v, dict):
        return {"fields": [[k, norm(x)] for k, x in v.items()]}
    if isinstance(v, decoders.IntMask):
        return {"int": str(v.value), "mask": str(v.mask)}
    if isinstance(v, decoders.EthMask):
        return {"mac": "%012x" % v.eth.value,
                "mask": "%012x" % v.mask.value if v.mask is not None else ""}
    if isinstance(v, decoders.IPMask):
        return {"ip": str(v.ip), "mask": str(v.mask)}
    if isinstance(v, bool):
        return {"str": ""}
    if isinstance(v, int):
        return {"int": str(v), "mask": ""}
    if isinstance(v, list):
        return {"list": [norm(x) for x in v]}
    return {"str": str(v)}


# Info fields the 3.1 parser rejects. When a line fails only because of
# them, they are cut out and the line parsed again, so the rest of the line
# is still compared; "stripped" lists what was cut.
STRIP = re.compile(r",\s*(offloaded|dp-extra-info|offload_packets|offload_bytes):[^,(]*(\([^)]*\))?")


def describe(n, line):
    stripped = []
    try:
        f = ODPFlow(line)
    except Exception as e:  # the parser raises many types
        err = "%s: %s" % (type(e).__name__, e)
        cut = STRIP.sub("", line)
        stripped = [m.group(1) for m in STRIP.finditer(line)]
        if not stripped:
            return {"line": n, "error": err}
        try:
            f = ODPFlow(cut)
        except Exception as e2:
            return {"line": n, "error": err, "error_stripped": "%s: %s" % (type(e2).__name__, e2)}
    info = f.info or {}
    match = f.match or {}
    out = {
        "line": n,
        "stripped": stripped,
        "ufid": str((f.dict().get("ufid") or {}).get("ufid", "")),
        "match": [[k, norm(v)] for k, v in match.items()],
        "in_port": str(match["in_port"]) if "in_port" in match else "",
        "packets": info.get("packets"),
        "bytes": info.get("bytes"),
        "used": info.get("used"),
        "flags": info.get("flags", ""),
        "dp": info.get("dp", ""),
        "offloaded": info.get("offloaded", ""),
        "actions": [],
        "action_values": [],
        "outputs": [],
    }
    for a in f.actions or []:
        name = next(iter(a)) if isinstance(a, dict) else str(a)
        out["actions"].append(name)
        out["action_values"].append(norm(a[name]) if isinstance(a, dict) else {"str": ""})
        if name == "output":
            out["outputs"].append(str(a[name]["port"]))
    return out


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--bench":
        lines = [l for _, l in flow_lines(sys.argv[2])]
        ok = 0
        c0 = time.process_time()
        t0 = time.perf_counter()
        for l in lines:
            try:
                ODPFlow(l)
                ok += 1
            except Exception:
                pass
        dt = time.perf_counter() - t0
        cpu = time.process_time() - c0
        n = max(len(lines), 1)
        print(json.dumps({"lines": len(lines), "parsed": ok, "seconds": dt,
                          "us_per_flow": dt / n * 1e6,
                          "cpu_us_per_flow": cpu / n * 1e6}))
        return
    w = sys.stdout
    for n, line in flow_lines(sys.argv[1]):
        w.write(json.dumps(describe(n, line)) + "\n")


main()
