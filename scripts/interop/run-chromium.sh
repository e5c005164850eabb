#!/usr/bin/env bash
# Chromium row of the interop matrix: our side (C driver, or WRN_OURS=managed) in wrn-a talks to
# headless Chromium in wrn-b through samples/Signaling (Kestrel, on 10.77.0.1:8080 in wrn-a) and
# the samples/BrowserChat page. The page echoes, shows the checks and reports back through the
# signaling socket; a screenshot of it is saved after the exchange.
#   run-chromium.sh offerer|answerer [--screenshot FILE] [orchestrate.py options]
# WRN_CHROMIUM_MDNS=default (the default): Chromium as shipped, hiding its host address behind a
#   "<uuid>.local" mDNS candidate that our side resolves by multicast DNS on the veth; =off:
#   --disable-features=WebRtcHideLocalIpsWithMdns, the plain address in the candidate.
# Exit: 0 all passed, 1 a failure, 2 setup error, 3 chromium not installed.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
role="${1:-}"; shift || true
case "$role" in offerer|answerer) ;; *) echo "usage: $0 offerer|answerer [--screenshot FILE]" >&2; exit 2 ;; esac
shot=""
if [ "${1:-}" = --screenshot ]; then shot="$2"; shift 2; fi
[ "$(id -u)" = 0 ] || { echo "SETUP-ERROR: network namespaces need root" >&2; exit 2; }
chromium_bin="${WRN_CHROMIUM:-$(command -v chromium || true)}"
[ -n "$chromium_bin" ] || { echo "SKIP: chromium not installed"; exit 3; }
bin="$root/tests/Interop/bin"
py=/usr/bin/python3

sig_dll="$root/samples/Signaling/bin/Release/net10.0/Signaling.dll"
if [ ! -f "$sig_dll" ] || [ -n "$(find "$root/samples/Signaling" -name '*.cs' -newer "$sig_dll")" ]; then
	dotnet build -c Release "$root/samples/Signaling" >&2 || { echo "SETUP-ERROR: signaling build failed"; exit 2; }
fi
if [ "${WRN_OURS:-c}" = managed ]; then
	# the library of this tree (as the C driver uses), unless the caller chose one
	[ -z "${WEBRTCNATIVE_LIBRARY:-}" ] && [ -f "${WRN_NATIVE_BUILD:-$root/native/build}/libwebrtcnative.so" ] &&
		export WEBRTCNATIVE_LIBRARY="${WRN_NATIVE_BUILD:-$root/native/build}/libwebrtcnative.so"
	dll="$root/tests/Interop/ManagedPeer/bin/Release/net10.0/ManagedPeer.dll"
	# incremental: a few seconds when nothing changed
	dotnet build -nologo -v q -c Release "$root/tests/Interop/ManagedPeer" >&2 ||
		{ echo "SETUP-ERROR: ManagedPeer build failed"; exit 2; }
	ours_cmd="dotnet $dll --role $role --bind 10.77.0.1 --timeout 60 ${WRN_MANAGED_ARGS:-}"; ours_name=managed
else
	if [ ! -x "$bin/interop_driver" ] || [ -n "$(find "$root/tests/Interop/driver" -newer "$bin/interop_driver" -name '*.[ch]')" ]; then
		"$root/scripts/interop/build-driver.sh" >&2 || { echo "SETUP-ERROR: driver build failed"; exit 2; }
	fi
	ours_cmd="$bin/interop_driver --role $role --bind 10.77.0.1 --timeout 60 ${WRN_DRIVER_ARGS:-}"; ours_name=c-driver
fi

exec 9>/run/wrn-interop.lock
flock -w 600 9 || { echo "SETUP-ERROR: lock busy" >&2; exit 2; }
logdir="${WRN_LOGDIR:-/tmp/wrn-interop-chromium-$role}"
rm -rf "$logdir"; mkdir -p "$logdir"
profile="$(mktemp -d /tmp/wrn-chromium-profile.XXXXXX)"
sig_pid=""; chrome_pid=""
cleanup() {
	[ -n "$chrome_pid" ] && kill "$chrome_pid" 2>/dev/null
	[ -n "$sig_pid" ] && kill "$sig_pid" 2>/dev/null
	sleep 0.3
	"$root/scripts/interop/netns.sh" down
	rm -rf "$profile"
}
trap cleanup EXIT INT TERM
"$root/scripts/interop/netns.sh" up || { echo "SETUP-ERROR: namespaces"; exit 2; }

ip netns exec wrn-a dotnet "$sig_dll" --urls http://10.77.0.1:8080 --web-root "$root/samples/BrowserChat/wwwroot" \
	>"$logdir/signaling.log" 2>&1 &
sig_pid=$!
for _ in $(seq 100); do
	ip netns exec wrn-a $py -c 'import urllib.request,sys; sys.exit(0 if urllib.request.urlopen("http://10.77.0.1:8080/healthz", timeout=1).read()==b"ok" else 1)' 2>/dev/null && break
	kill -0 "$sig_pid" 2>/dev/null || { echo "SETUP-ERROR: signaling server exited"; cat "$logdir/signaling.log"; exit 2; }
	sleep 0.2
done

room="interop-$role-$$"
# Chromium gathers host candidates only on its default route's interface: route via the veth
# peer (wrn-a routes nowhere, so nothing leaves the two namespaces).
ip -n wrn-b route add default via 10.77.0.1 dev wrn-vb || { echo "SETUP-ERROR: default route in wrn-b"; exit 2; }
. "$root/scripts/interop/chromium-flags.sh" || exit 2
ip netns exec wrn-b "$chromium_bin" "${chromium_flags[@]}" --user-data-dir="$profile" \
	--remote-debugging-address=127.0.0.1 --remote-debugging-port=9222 \
	"http://10.77.0.1:8080/?room=$room" >"$logdir/chromium.log" 2>&1 &
chrome_pid=$!

$py "$root/scripts/interop/orchestrate.py" --peer chromium --role "$role" --ours-name "$ours_name" \
	--forward-results --log-dir "$logdir" \
	--ours "ip netns exec wrn-a $ours_cmd" \
	--peer-cmd "ip netns exec wrn-a $py $root/scripts/interop/ws_bridge.py ws://10.77.0.1:8080/ws?room=$room" "$@"
rc=$?
if [ -n "$shot" ]; then
	ip netns exec wrn-b $py "$root/scripts/interop/cdp_screenshot.py" 9222 "$shot" "room=$room" --wait-done 10 ||
		echo "screenshot failed" >&2
fi
# the page's own report, kept by the signaling server
ip netns exec wrn-a $py -c "import urllib.request; print('browser report:', urllib.request.urlopen('http://10.77.0.1:8080/reports/$room', timeout=3).read().decode())" 2>/dev/null | cut -c1-600
exit $rc
