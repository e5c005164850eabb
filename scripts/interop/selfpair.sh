#!/usr/bin/env bash
# Issue 17 reference: PEER against itself, offerer in wrn-a, answerer in wrn-b, the same namespaces
# and line protocol as the interop rows. Prints one timeline per run.
#   selfpair.sh pion|aiortc|chromium [RUNS]
# chromium: two headless Chromiums (flags of the brief, default mDNS host candidates unless
#   WRN_CHROMIUM_MDNS=off), one per namespace, each with a default route via the veth peer (it
#   gathers host candidates only on its default route's interface; neither namespace routes
#   further). Each loads the BrowserChat page from samples/Signaling on 10.77.0.1:8080 (in wrn-a)
#   in a room of its own, joined by ws_bridge.py: the signalling path of the Chromium rows. Each
#   page also reports its JS timeline and getStats figures (selfpair.py --timeline). Two fresh
#   browsers per run, so every run starts from a new page and a new RTCPeerConnection.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
peer="${1:-}"; runs="${2:-3}"
[ "$(id -u)" = 0 ] || { echo "SETUP-ERROR: network namespaces need root" >&2; exit 2; }
bin="$root/tests/Interop/bin"
py=/usr/bin/python3
case "$peer" in
pion)
	if [ ! -x "$bin/pion_peer" ] || [ "$root/tests/Interop/peers/pion_peer.go" -nt "$bin/pion_peer" ]; then
		"$root/scripts/interop/build-pion.sh" "$bin/pion_peer" >&2 || exit 2
	fi
	cmd="$bin/pion_peer" ;;
aiortc) cmd="$py $root/tests/Interop/peers/aiortc_peer.py" ;;
chromium)
	chromium_bin="${WRN_CHROMIUM:-$(command -v chromium || true)}"
	[ -n "$chromium_bin" ] || { echo "SKIP: chromium not installed"; exit 3; }
	sig_dll="$root/samples/Signaling/bin/Release/net10.0/Signaling.dll"
	if [ ! -f "$sig_dll" ] || [ -n "$(find "$root/samples/Signaling" -name '*.cs' -newer "$sig_dll")" ]; then
		dotnet build -c Release "$root/samples/Signaling" >&2 || { echo "SETUP-ERROR: signaling build failed"; exit 2; }
	fi ;;
*) echo "usage: $0 pion|aiortc|chromium [RUNS]" >&2; exit 2 ;;
esac
exec 9>/run/wrn-interop.lock
flock -w 600 9 || { echo "SETUP-ERROR: lock busy" >&2; exit 2; }
pids=(); profiles=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	sleep 0.3
	"$root/scripts/interop/netns.sh" down
	for d in "${profiles[@]}"; do rm -rf "$d"; done
}
trap cleanup EXIT INT TERM
"$root/scripts/interop/netns.sh" up >/dev/null || { echo "SETUP-ERROR: namespaces"; exit 2; }

if [ "$peer" != chromium ]; then
	for i in $(seq 1 "$runs"); do
		echo -n "$peer<->$peer run $i: "
		$py "$root/scripts/interop/selfpair.py" --a "ip netns exec wrn-a $cmd offerer" \
			--b "ip netns exec wrn-b $cmd answerer"
	done
	exit 0
fi

logdir="${WRN_LOGDIR:-/tmp/wrn-selfpair-chromium}"
rm -rf "$logdir"; mkdir -p "$logdir"
ip netns exec wrn-a dotnet "$sig_dll" --urls http://10.77.0.1:8080 --web-root "$root/samples/BrowserChat/wwwroot" \
	>"$logdir/signaling.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
	ip netns exec wrn-a $py -c 'import urllib.request,sys; sys.exit(0 if urllib.request.urlopen("http://10.77.0.1:8080/healthz", timeout=1).read()==b"ok" else 1)' 2>/dev/null && break
	sleep 0.2
done
ip -n wrn-a route add default via 10.77.0.2 dev wrn-va || { echo "SETUP-ERROR: default route in wrn-a"; exit 2; }
ip -n wrn-b route add default via 10.77.0.1 dev wrn-vb || { echo "SETUP-ERROR: default route in wrn-b"; exit 2; }
. "$root/scripts/interop/chromium-flags.sh" 2>&1 || exit 2
browser() { # namespace room log
	local profile
	profile="$(mktemp -d /tmp/wrn-chromium-profile.XXXXXX)"; profiles+=("$profile")
	ip netns exec "$1" "$chromium_bin" "${chromium_flags[@]}" --user-data-dir="$profile" \
		"http://10.77.0.1:8080/?room=$2" >"$3" 2>&1 &
	pids+=($!)
}
for i in $(seq 1 "$runs"); do
	ra="self-a-$$-$i" rb="self-b-$$-$i"
	n=${#pids[@]}
	browser wrn-a "$ra" "$logdir/chromium-a-$i.log"
	browser wrn-b "$rb" "$logdir/chromium-b-$i.log"
	echo -n "chromium<->chromium run $i: "
	$py "$root/scripts/interop/selfpair.py" --timeline --timeout 60 \
		--a "ip netns exec wrn-a $py $root/scripts/interop/ws_bridge.py ws://10.77.0.1:8080/ws?room=$ra" \
		--b "ip netns exec wrn-a $py $root/scripts/interop/ws_bridge.py ws://10.77.0.1:8080/ws?room=$rb"
	for p in "${pids[@]:$n}"; do kill "$p" 2>/dev/null; done
	sleep 1
done
