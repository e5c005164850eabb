#!/usr/bin/env bash
# The browser chat demo end to end: samples/Signaling in wrn-a, headless Chromium on the
# BrowserChat page in wrn-b, the C# ChatPeer (samples/BrowserChat/ChatPeer) in wrn-a. The C# peer
# greets and sends a console line; the page (driven over DevTools) answers and sends 4 binary
# bytes that the C# peer echoes. Saves a screenshot.  Usage: chat-demo.sh [out.png]
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:-/tmp/wrn-chat-demo.png}"
py=/usr/bin/python3
command -v chromium >/dev/null || { echo "SKIP: chromium not installed"; exit 3; }
dotnet build -nologo -v q -c Release "$root/samples/Signaling" >&2 || exit 2
dotnet build -nologo -v q -c Release "$root/samples/BrowserChat/ChatPeer" >&2 || exit 2
[ -z "${WEBRTCNATIVE_LIBRARY:-}" ] && [ -f "$root/native/build/libwebrtcnative.so" ] &&
	export WEBRTCNATIVE_LIBRARY="$root/native/build/libwebrtcnative.so"
exec 9>/run/wrn-interop.lock
flock -w 600 9 || exit 2
prof="$(mktemp -d /tmp/wrn-chromium-profile.XXXXXX)"
sp=""; cp=""
cleanup() { [ -n "$cp" ] && kill "$cp" 2>/dev/null; [ -n "$sp" ] && kill "$sp" 2>/dev/null; sleep 0.3; "$root/scripts/interop/netns.sh" down; rm -rf "$prof"; }
trap cleanup EXIT INT TERM
"$root/scripts/interop/netns.sh" up || exit 2
ip netns exec wrn-a dotnet "$root/samples/Signaling/bin/Release/net10.0/Signaling.dll" --urls http://10.77.0.1:8080 \
	--web-root "$root/samples/BrowserChat/wwwroot" >/tmp/wrn-chat-signaling.log 2>&1 &
sp=$!
sleep 3
ip netns exec wrn-b chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
	--disable-component-update --disable-sync --no-first-run --disable-features=WebRtcHideLocalIpsWithMdns \
	--user-data-dir="$prof" --remote-debugging-address=127.0.0.1 --remote-debugging-port=9222 \
	--window-size=1280,760 "http://10.77.0.1:8080/?room=demo" >/tmp/wrn-chat-chromium.log 2>&1 &
cp=$!
(sleep 6; echo "typed on the C# console") | timeout 40 ip netns exec wrn-a dotnet \
	"$root/samples/BrowserChat/ChatPeer/bin/Release/net10.0/ChatPeer.dll" "ws://10.77.0.1:8080/ws?room=demo" \
	--bind 10.77.0.1 --exit-after 12 > /tmp/wrn-chat-peer.log 2>&1 &
chat=$!
sleep 9
ip netns exec wrn-b $py - "$root/scripts/interop" <<'PY'
import json, sys, urllib.request
sys.path.insert(0, sys.argv[1])
from wsclient import WebSocket
t = [x for x in json.load(urllib.request.urlopen("http://127.0.0.1:9222/json/list")) if x["type"] == "page"][0]
ws = WebSocket(t["webSocketDebuggerUrl"])
js = ('(() => { const i = document.getElementById("chatinput"); i.value = "hi from Chromium";'
      ' document.getElementById("chatform").requestSubmit(); return window.sendBinary([0, 1, 2, 255]); })()')
ws.send(json.dumps({"id": 1, "method": "Runtime.evaluate", "params": {"expression": js, "returnByValue": True}}))
print("page:", ws.recv()[:120])
PY
wait $chat
cat /tmp/wrn-chat-peer.log
ip netns exec wrn-b $py "$root/scripts/interop/cdp_screenshot.py" 9222 "$out" room=demo
grep -q "browser: hi from Chromium" /tmp/wrn-chat-peer.log && grep -q "echoed 4 binary bytes" /tmp/wrn-chat-peer.log
