#!/usr/bin/python3
"""Issue 17 measurement: runs interop matrix rows (and the self-pairings) several times and prints,
per row, every "connected in" figure, the median, our side's retransmission counts and the
timeline of the median run; per self-pairing the times selfpair.sh prints. Root; every run takes
the namespace lock of the scripts it calls.

  setup_times.py [--runs N] [--rows SPEC,...] [--selfpair pion,aiortc,chromium] [--out FILE]
N rounds; each round runs every row and every self-pairing once (so that they share the load).
  row SPEC: PEER/SIDE/ROLE, e.g. pion/c/offerer, chromium/managed/answerer ("all": the 12 rows)
Chromium rows run as in the matrix (tests/Interop/InteropRunner.cs): mDNS off for the C driver,
default mDNS for C#, unless WRN_CHROMIUM_MDNS is set.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ALL = ["%s/%s/%s" % (p, s, r) for p in ("pion", "aiortc", "chromium") for s in ("c", "managed")
       for r in ("offerer", "answerer")]


def run_row(spec, log):
    peer, side, role = spec.split("/")
    fd, js = tempfile.mkstemp(prefix="wrn-setup-", suffix=".json")
    os.close(fd)
    logdir = tempfile.mkdtemp(prefix="wrn-setup-log-")
    env = dict(os.environ, WRN_OURS=side)
    if peer == "chromium":
        env.setdefault("WRN_CHROMIUM_MDNS", "default" if side == "managed" else "off")
        cmd = [os.path.join(ROOT, "scripts/interop/run-chromium.sh"), role]
    else:
        cmd = [os.path.join(ROOT, "scripts/interop/run.sh"), peer, role]
    cmd = ["flock", "/tmp/wrn-netns.lock"] + cmd + ["--json", js, "--log-dir", logdir]
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    log.write(p.stdout.decode("utf-8", "replace"))
    out = {"spec": spec, "rc": p.returncode, "logdir": logdir}
    try:
        with open(js) as f:
            doc = json.load(f)
    except (OSError, ValueError):
        return out
    finally:
        os.unlink(js)
    for r in doc.get("results", []):
        if r.get("kind") != "setup":
            continue
        d = r.get("detail", "")
        if r.get("check") == "connect":
            m = re.search(r"connected in (\d+) ms", d)
            out["ms"] = int(m.group(1)) if m else None
            m = re.search(r"remote \[[^\]]*typ (\w+)", d)
            out["remote_type"] = m.group(1) if m else "?"
        elif r.get("check") == "timeline":
            out["timeline"] = d
        elif r.get("check") == "clock":
            m = re.search(r"reference at ([\d.]+) epoch ms", d)
            out["clock"] = float(m.group(1)) if m else None
        elif r.get("check") == "retransmissions":
            m = re.search(r"(\d+) DTLS flight\(s\) and (\d+) ICE", d)
            out["rtx"] = (int(m.group(1)), int(m.group(2))) if m else None
    out["pass"] = all(c.get("pass") for c in doc.get("cells", []))
    # the page's own timeline (Chromium rows), from the transcript
    try:
        with open(os.path.join(logdir, "signaling.jsonl")) as f:
            for line in f:
                if '"event": "timeline"' in line or '"event":"timeline"' in line:
                    out["peer_timeline"] = json.loads(line.split(" peer> ", 1)[1])
    except (OSError, ValueError, IndexError):
        pass
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rows", default="all")
    ap.add_argument("--selfpair", default="")
    ap.add_argument("--out", default=None, help="also write every run as JSON here")
    args = ap.parse_args()
    rows = ALL if args.rows == "all" else [r for r in args.rows.split(",") if r]
    log = open(os.path.join(tempfile.gettempdir(), "wrn-setup-times.log"), "a")
    print("load: %s" % open("/proc/loadavg").read().strip(), flush=True)
    every = {spec: [] for spec in rows}
    pairs = {peer: [] for peer in args.selfpair.split(",") if peer}
    # Rounds: every row and self-pairing once per round, so that both see the same load.
    for _ in range(args.runs):
        for spec in rows:
            r = run_row(spec, log)
            every[spec].append(r)
            print("  %s run: %s ms, rtx %s, remote %s, pass %s; load %s" % (
                spec, r.get("ms"), r.get("rtx"), r.get("remote_type"), r.get("pass"),
                open("/proc/loadavg").read().split()[0]), flush=True)
        for peer in pairs:
            p = subprocess.run(["flock", "/tmp/wrn-netns.lock",
                                os.path.join(ROOT, "scripts/interop/selfpair.sh"), peer, "1"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=900)
            text = p.stdout.decode("utf-8", "replace")
            m = {k: float(v) for k, v in re.findall(r"\b([ab]) connected \+([\d.]+) ms", text)}
            pairs[peer].append({"text": text, "a": m.get("a"), "b": m.get("b")})
            print(text.rstrip(), flush=True)
            print("  load %s" % open("/proc/loadavg").read().split()[0], flush=True)
    print("\n=== summary ===")
    for spec, runs in every.items():
        ms = [r["ms"] for r in runs if r.get("ms") is not None]
        med = statistics.median(ms) if ms else None
        ours = [float(m.group(1)) for r in runs
                for m in [re.search(r"(?:^|, )state connected \+([\d.]+) ms", r.get("timeline") or "")] if m]
        print("%s: connected in %s -> median %s ms; our timeline to connected %s (median %s); rtx %s" % (
            spec, ms, med, ours, statistics.median(ours) if ours else None, [r.get("rtx") for r in runs]),
            flush=True)
        if ms:
            mid = min((r for r in runs if r.get("ms") is not None), key=lambda r: abs(r["ms"] - med))
            print("  timeline (median run): %s" % mid.get("timeline"), flush=True)
            if mid.get("peer_timeline"):
                pts = sorted(mid["peer_timeline"].get("points", []), key=lambda p: p[1])
                # on our side's axis when it reported its reference on the wall clock
                t0 = mid.get("clock") or (pts[0][1] if pts else 0)
                print("  peer timeline (%s): %s" % (
                    "on our clock" if mid.get("clock") else "from its first step",
                    ", ".join("%s %+.1f" % (s, t - t0) for s, t in pts)), flush=True)
                print("  peer stats: %s" % json.dumps(mid["peer_timeline"].get("stats"), sort_keys=True), flush=True)
    for peer, runs in pairs.items():
        a = [r["a"] for r in runs if r["a"] is not None]
        b = [r["b"] for r in runs if r["b"] is not None]
        both = [max(r["a"], r["b"]) for r in runs if r["a"] is not None and r["b"] is not None]
        print("%s<->%s: offerer connected %s (median %s), answerer %s (median %s), both %s (median %s)" % (
            peer, peer, a, statistics.median(a) if a else None, b, statistics.median(b) if b else None,
            both, statistics.median(both) if both else None), flush=True)
    every.update({"selfpair/" + k: v for k, v in pairs.items()})
    if args.out:
        with open(args.out, "w") as f:
            json.dump(every, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
