#!/usr/bin/python3
"""Reference for issue 17: a foreign stack against itself, in the same namespaces and through the
same line protocol as the interop rows. The echo peer in wrn-a is told to create a channel and to
offer; the one in wrn-b answers; every line one prints goes to the other's stdin. Reported per
run: ms from the offer control to the offerer's description, to each side's "connected" state
event and to each side's channel open (the clock points both stacks expose).
--timeline (Chromium): each side is then asked for its own timeline ({"action":"timeline"}: the
page's JS timestamps of its descriptions, candidates, ICE/DTLS/SCTP transport states and channel
open, in epoch ms, plus getStats figures), printed on the same clock (ms since the offer control).

Usage (root, namespaces up: run through selfpair.sh): selfpair.py --a CMD --b CMD [--timeline]
"""
import argparse
import json
import shlex
import subprocess
import sys
import threading
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", required=True, help="offering peer command (runs in wrn-a)")
    ap.add_argument("--b", required=True, help="answering peer command (runs in wrn-b)")
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("--timeline", action="store_true", help="ask both sides for their timeline")
    args = ap.parse_args()
    procs = {n: subprocess.Popen(shlex.split(c), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, bufsize=0)
             for n, c in (("a", args.a), ("b", args.b))}
    marks, ready = {}, {"a": threading.Event(), "b": threading.Event()}
    done = threading.Event()
    t0 = [None]
    t0_epoch = [None]
    timelines = {}
    got_timelines = threading.Event()

    def send(dst, obj):
        try:
            procs[dst].stdin.write((json.dumps(obj) + "\n").encode())
            procs[dst].stdin.flush()
        except OSError:
            pass

    def pump(src, dst):
        for raw in iter(procs[src].stdout.readline, b""):
            line = raw.decode("utf-8", "replace").strip()
            try:
                m = json.loads(line)
            except ValueError:
                continue
            now = time.monotonic()
            ev = m.get("event")
            if ev == "version":
                ready[src].set()
                continue
            if ev == "timeline":
                timelines[src] = m
                if len(timelines) == 2:
                    got_timelines.set()
                continue
            if m.get("type") in ("offer", "answer"):
                marks.setdefault("%s %s" % (src, m["type"]), now)
            if ev == "state" and m.get("state") == "connected":
                marks.setdefault("%s connected" % src, now)
            if ev == "open":
                marks.setdefault("%s open" % src, now)
            if all(k in marks for k in ("a open", "b open", "a connected", "b connected")):
                done.set()
            if m.get("type") in ("offer", "answer", "candidate"):
                send(dst, m)

    for s, d in (("a", "b"), ("b", "a")):
        threading.Thread(target=pump, args=(s, d), daemon=True).start()
    ok = ready["a"].wait(60) and ready["b"].wait(60)
    if ok:
        send("a", {"type": "control", "action": "create", "label": "reliable", "kind": "reliable"})
        t0[0], t0_epoch[0] = time.monotonic(), time.time()
        send("a", {"type": "control", "action": "offer"})
        ok = done.wait(args.timeout)
    if args.timeline and t0[0] is not None:
        for n in ("a", "b"):
            send(n, {"type": "control", "action": "timeline"})
        got_timelines.wait(10)
    for n in ("a", "b"):
        send(n, {"type": "control", "action": "quit"})
    time.sleep(0.3)
    for p in procs.values():
        p.kill()
    if not ok or t0[0] is None:
        print("FAIL: not connected (%s)" % sorted(marks))
        return 1
    print(", ".join("%s +%.1f ms" % (k, (v - t0[0]) * 1000)
                    for k, v in sorted(marks.items(), key=lambda kv: kv[1])))
    for n, role in (("a", "offerer"), ("b", "answerer")):
        tl = timelines.get(n)
        if tl is None:
            if args.timeline:
                print("  %s (%s) timeline: none reported" % (n, role))
            continue
        pts = sorted(tl.get("points", []), key=lambda p: p[1])
        print("  %s (%s) timeline: %s" % (n, role, ", ".join(
            "%s %+.1f" % (step, t - t0_epoch[0] * 1000) for step, t in pts)))
        print("  %s (%s) stats: %s" % (n, role, json.dumps(tl.get("stats"), sort_keys=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
