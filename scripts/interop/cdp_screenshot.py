#!/usr/bin/python3
"""Saves a PNG screenshot of a page of a running headless Chromium through its DevTools
protocol (--remote-debugging-port on 127.0.0.1), stdlib only.
Usage: cdp_screenshot.py PORT OUT.png [URL-SUBSTRING] [--wait-done SECONDS]
With --wait-done, first waits until document.body.dataset.done is set (the BrowserChat page sets
it after the exchange)."""
import base64
import json
import os
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from wsclient import WebSocket  # noqa: E402


def main():
    port, out = int(sys.argv[1]), sys.argv[2]
    needle = sys.argv[3] if len(sys.argv) > 3 and not sys.argv[3].startswith("--") else ""
    wait_done = float(sys.argv[sys.argv.index("--wait-done") + 1]) if "--wait-done" in sys.argv else 0
    deadline = time.monotonic() + 20
    target = None
    while target is None:
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port, timeout=3) as r:
                pages = [t for t in json.load(r) if t.get("type") == "page" and needle in t.get("url", "")]
            target = pages[0] if pages else None
        except OSError:
            pass
        if target is None:
            if time.monotonic() > deadline:
                sys.stderr.write("cdp: no page matching %r on port %d\n" % (needle, port))
                return 2
            time.sleep(0.3)
    ws = WebSocket(target["webSocketDebuggerUrl"])
    ids = iter(range(1, 1 << 30))

    def call(method, **params):
        i = next(ids)
        ws.send(json.dumps({"id": i, "method": method, "params": params}))
        while True:
            m = ws.recv()
            if m is None:
                raise ConnectionError("devtools socket closed")
            m = json.loads(m)
            if m.get("id") == i:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})

    done = ""
    end = time.monotonic() + wait_done
    while wait_done:
        r = call("Runtime.evaluate", expression="document.body && document.body.dataset.done || ''",
                 returnByValue=True)
        done = r.get("result", {}).get("value", "")
        if done or time.monotonic() > end:
            break
        time.sleep(0.3)
    time.sleep(0.3)
    shot = call("Page.captureScreenshot", format="png")
    with open(out, "wb") as f:
        f.write(base64.b64decode(shot["data"]))
    ws.close()
    print("screenshot %s (page done=%r)" % (out, done))
    return 0


if __name__ == "__main__":
    sys.exit(main())
