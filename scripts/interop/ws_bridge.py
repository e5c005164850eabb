#!/usr/bin/python3
"""Bridges the line protocol (stdin/stdout) to a signaling-server room (WebSocket), so that the
C driver or the managed peer can talk to a browser exactly as they talk to aiortc or pion.
Lines read on stdin are held until the other member of the room has joined, then sent as text
messages; messages from the room are written as lines on stdout (server notices included; the
driver ignores types it does not know).
Usage: ws_bridge.py ws://HOST:PORT/ws?room=NAME [--wait-timeout S]"""
import json
import sys
import threading
import time

sys.path.insert(0, __import__("os").path.dirname(__file__))
from wsclient import WebSocket  # noqa: E402


def main():
    url = sys.argv[1]
    wait_timeout = float(sys.argv[sys.argv.index("--wait-timeout") + 1]) if "--wait-timeout" in sys.argv else 60
    deadline = time.monotonic() + 15
    while True:
        try:
            ws = WebSocket(url)
            break
        except OSError as e:
            if time.monotonic() > deadline:
                sys.stderr.write("bridge: cannot connect to %s: %s\n" % (url, e))
                return 2
            time.sleep(0.2)
    paired = threading.Event()
    out_lock = threading.Lock()

    def reader():
        while True:
            msg = ws.recv()
            if msg is None:
                break
            try:
                obj = json.loads(msg)
            except ValueError:
                continue
            t = obj.get("type")
            if t == "peer-joined" or (t == "joined" and obj.get("peers") == 2):
                paired.set()
            if t == "peer-left":
                sys.stderr.write("bridge: peer left\n")
            with out_lock:
                sys.stdout.write(json.dumps(obj) + "\n")
                sys.stdout.flush()
        sys.stderr.write("bridge: signaling socket closed\n")

    threading.Thread(target=reader, daemon=True).start()
    if not paired.wait(wait_timeout):
        sys.stderr.write("bridge: nobody joined the room within %.0f s\n" % wait_timeout)
        ws.close()
        return 3
    for line in sys.stdin:
        line = line.strip()
        if line:
            ws.send(line)
    time.sleep(0.5)
    ws.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
