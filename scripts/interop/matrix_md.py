#!/usr/bin/python3
"""Markdown table of the interop matrix from the JSON files of scripts/interop/matrix.sh."""
import glob
import json
import os
import sys

d = sys.argv[1] if len(sys.argv) > 1 else "/tmp/wrn-matrix"
rows = {}
versions = {}
for f in sorted(glob.glob(os.path.join(d, "*.json"))):
    j = json.load(open(f))
    rows[(j["peer"], j["role"])] = {c["kind"]: c for c in j["cells"]}
    versions.update({j["peer"]: j["versions"].get("peer", "?"), "ours": j["versions"].get("ours", "?")})
kinds = ["reliable", "unreliable", "negotiated"]
print("| peer (version) | our side | " + " | ".join(kinds) + " |")
print("|---|---|" + "---|" * len(kinds))
for peer in ["aiortc", "pion", "chromium"]:
    for role in ["offerer", "answerer"]:
        cells = rows.get((peer, role))
        if cells is None:
            continue
        out = []
        for k in kinds:
            c = cells.get(k)
            if c is None:
                out.append("—")
            elif c["pass"]:
                out.append("PASS" + (" ¹" if c.get("notes") else ""))
            else:
                out.append("**FAIL** ²")
        print("| %s | %s | %s |" % (versions.get(peer, peer), role, " | ".join(out)))
print()
print("our side: %s" % versions.get("ours"))
