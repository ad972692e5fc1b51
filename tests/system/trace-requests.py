#!/usr/bin/env python3
"""Device requests in a Chrome trace (keelctl trace, docs/management.md).

  trace-requests.py TRACE.json LANE:NAME...
Each LANE (a thread named so, e.g. vm1-vnet) has at least one "X" event
(a device request, from its start to its completion) named NAME (read,
send, output, entropy, ...). Exit status 0 if all are there, else 1 with
each one missing and what the lane had on stderr.
"""
import json
import sys
from collections import defaultdict


def main():
    if len(sys.argv) < 3 or any(":" not in a for a in sys.argv[2:]):
        sys.exit("usage: trace-requests.py TRACE.json LANE:NAME...")
    with open(sys.argv[1]) as f:
        events = json.load(f)["traceEvents"]
    lanes = {(e["pid"], e["tid"]): e["args"]["name"] for e in events
             if e.get("ph") == "M" and e.get("name") == "thread_name"}
    spans = defaultdict(set)
    for e in events:
        if e.get("ph") == "X" and e.get("cat") == "device request":
            spans[lanes.get((e["pid"], e["tid"]), "?")].add(e["name"])
    missing = [a for a in sys.argv[2:] if a.split(":", 1)[1] not in spans[a.split(":", 1)[0]]]
    for a in missing:
        lane = a.split(":", 1)[0]
        sys.stderr.write(f"trace-requests: no {a.split(':', 1)[1]} request on {lane} "
                         f"(it has: {', '.join(sorted(spans[lane])) or 'none'})\n")
    if not missing:
        print("trace-requests: " + ", ".join(sys.argv[2:]))
    sys.exit(1 if missing else 0)


main()
