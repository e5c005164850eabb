#!/usr/bin/python3
"""Wires our side and an echo peer together over the line-based JSON protocol and reports
PASS/FAIL per channel kind.

Each line one side prints on stdout is forwarded to the other side's stdin, except our side's
"result"/"done" lines, which are kept here. Both processes' stderr and the whole signaling
transcript (SDP included) go to --log-dir. Exit code: 0 when every cell passed, 1 otherwise,
2 on a setup error.

Usage: orchestrate.py --peer NAME --role OUR_ROLE --ours "CMD" --peer-cmd "CMD"
                      [--timeout S] [--log-dir DIR] [--json FILE] [--kinds a,b,c]
"""
import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time

KINDS = ["reliable", "unreliable", "negotiated"]


def our_reference_epoch_ms(results):
    """Our side's time zero on the wall clock, from its setup/clock result."""
    for r in results:
        if r.get("kind") == "setup" and r.get("check") == "clock":
            try:
                v = float(str(r.get("detail", "")).split()[2])
            except (IndexError, ValueError):
                return None
            return v if v > 0 else None
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--peer", required=True)
    ap.add_argument("--role", required=True, help="role of OUR side: offerer or answerer")
    ap.add_argument("--ours", required=True)
    ap.add_argument("--peer-cmd", required=True)
    ap.add_argument("--timeout", type=float, default=180)
    ap.add_argument("--log-dir", default=None)
    ap.add_argument("--json", default=None, help="write the cell results here")
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--ours-name", default="webrtcnative")
    ap.add_argument("--forward-results", action="store_true",
                    help="also forward our result/done lines to the peer (the browser shows them)")
    args = ap.parse_args()
    kinds = [k for k in args.kinds.split(",") if k]

    log_dir = args.log_dir or os.path.join("/tmp", "wrn-interop-%s-%s" % (args.peer, args.role))
    os.makedirs(log_dir, exist_ok=True)
    transcript = open(os.path.join(log_dir, "signaling.jsonl"), "w")
    tlock = threading.Lock()

    def spawn(cmd, name):
        err = open(os.path.join(log_dir, name + ".stderr.log"), "wb")
        return subprocess.Popen(shlex.split(cmd), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=err, start_new_session=True, bufsize=0)

    procs = {}
    try:
        procs["ours"] = spawn(args.ours, "ours")
        procs["peer"] = spawn(args.peer_cmd, "peer")
    except OSError as e:
        print("SETUP-ERROR cannot start: %s" % e, flush=True)
        for p in procs.values():
            p.kill()
        return 2

    results = []
    versions = {}
    done = threading.Event()
    state = {"ours_done": False}

    def forward(dst, line):
        try:
            procs[dst].stdin.write((line + "\n").encode())
            procs[dst].stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            pass

    def pump(src, dst, name):
        f = procs[src].stdout
        for raw in iter(f.readline, b""):
            line = raw.decode("utf-8", "replace").strip()
            if not line:
                continue
            with tlock:
                transcript.write("%8.3f %s %s\n" % (time.monotonic() - t0, name, line))
                transcript.flush()
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            t = msg.get("type")
            if t == "event" and msg.get("event") == "version":
                versions[src] = "%s %s" % (msg.get("peer"), msg.get("version"))
            if src == "peer" and t == "event" and msg.get("event") == "timeline":
                # The browser's own setup timeline (epoch ms), on our side's axis (ms since our
                # reference: offer created, or the peer's offer applied) when our side reported
                # its reference on the wall clock, else from the page's first step.
                pts = sorted(msg.get("points") or [], key=lambda p: p[1])
                zero = our_reference_epoch_ms(results)
                axis = "on our side's clock" if zero is not None else "from its first step"
                if pts:
                    base = zero if zero is not None else pts[0][1]
                    print("  peer timeline (%s): %s" % (axis, ", ".join(
                        "%s %+.1f ms" % (s, t - base) for s, t in pts)), flush=True)
                print("  peer stats: %s" % json.dumps(msg.get("stats"), sort_keys=True), flush=True)
            if src == "ours" and t == "result":
                results.append(msg)
                if args.forward_results:
                    forward(dst, line)
                print("  %s %s/%s: %s" % ("ok  " if msg.get("ok") else "FAIL", msg.get("kind"),
                                         msg.get("check"), msg.get("detail")), flush=True)
                continue
            if src == "ours" and t == "done":
                state["ours_done"] = True
                if args.forward_results:
                    forward(dst, line)
                continue
            forward(dst, line)
        if src == "ours":
            done.set()

    t0 = time.monotonic()
    threads = [threading.Thread(target=pump, args=("ours", "peer", "ours>"), daemon=True),
               threading.Thread(target=pump, args=("peer", "ours", "peer>"), daemon=True)]
    for t in threads:
        t.start()
    timed_out = not done.wait(args.timeout)
    # Give the peer a moment to act on "quit", then end both process groups.
    deadline = time.monotonic() + 5
    for p in procs.values():
        try:
            p.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    for name, p in procs.items():
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)
                p.wait(3)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait()
    transcript.close()

    setup_ok = any(r.get("kind") == "setup" and r.get("check") == "connect" and r.get("ok")
                   for r in results)
    setup_fail = [r for r in results if r.get("kind") == "setup" and not r.get("ok")]
    expected = {"open", "text-1B", "text-16KiB", "text-200KiB", "binary-1B", "binary-16KiB",
                "binary-200KiB", "close-by-us", "close-by-peer"}
    cells = []
    for k in kinds:
        rs = [r for r in results if r.get("kind") == k]
        checks = {r.get("check") for r in rs}
        failed = [r for r in rs if not r.get("ok")]
        missing = sorted(expected - checks)
        ok = setup_ok and not setup_fail and not failed and not missing and not timed_out
        notes = [r["detail"] for r in rs if r.get("ok") and str(r.get("detail", "")).startswith("not sent")]
        reason = ""
        if not ok:
            if timed_out:
                reason = "timed out after %.0f s; " % args.timeout
            if not setup_ok:
                reason += "not connected; "
            reason += "; ".join("%s: %s" % (r.get("check"), r.get("detail")) for r in failed + setup_fail)
            if missing:
                reason += " missing checks: " + ",".join(missing)
        cells.append({"peer": args.peer, "role": args.role, "kind": k, "pass": ok,
                      "checks": len(rs), "failed": len(failed), "reason": reason.strip(),
                      "notes": notes})
        print("%s %s ours=%s %s (%d checks%s)%s" % (
            "PASS" if ok else "FAIL", args.peer, args.role, k, len(rs),
            ", %d size(s) above the peer's max-message-size refused as required" % len(notes) if notes else "",
            "" if ok else ": " + reason.strip()), flush=True)

    exit_codes = {n: p.returncode for n, p in procs.items()}
    summary = {"peer": args.peer, "role": args.role, "versions": versions, "cells": cells,
               "results": results, "timed_out": timed_out, "exit_codes": exit_codes,
               "log_dir": log_dir}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=1)
    print("versions: %s" % ", ".join("%s=%s" % kv for kv in sorted(versions.items())), flush=True)
    print("logs: %s" % log_dir, flush=True)
    return 0 if cells and all(c["pass"] for c in cells) else 1


if __name__ == "__main__":
    sys.exit(main())
