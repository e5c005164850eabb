#!/usr/bin/env bash
# Runs one row of the interop matrix: our side against PEER with OUR side in ROLE.
#   run.sh aiortc|pion offerer|answerer [--json FILE] [--log-dir DIR] [--timeout S]
# Our side is the C driver (tests/Interop/driver) unless WRN_OURS=managed (tests/Interop/ManagedPeer).
# Creates network namespaces wrn-a (ours, 10.77.0.1) and wrn-b (peer, 10.77.0.2), removed on exit.
# Prints "PASS|FAIL <peer> ours=<role> <kind> ..." per channel kind; exit 0 when all passed,
# 1 on a failure, 2 on a setup error, 3 when the peer is not installed.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
peer="${1:-}"; role="${2:-}"
shift 2 2>/dev/null || true
case "$role" in offerer) peer_role=answerer ;; answerer) peer_role=offerer ;; *)
	echo "usage: $0 aiortc|pion offerer|answerer [orchestrate.py options]" >&2; exit 2 ;; esac
[ "$(id -u)" = 0 ] || { echo "SETUP-ERROR: network namespaces need root" >&2; exit 2; }
bin="$root/tests/Interop/bin"

case "$peer" in
aiortc)
	/usr/bin/python3 -c 'import aiortc' 2>/dev/null || { echo "SKIP: python3-aiortc not installed"; exit 3; }
	peer_cmd="/usr/bin/python3 $root/tests/Interop/peers/aiortc_peer.py $peer_role" ;;
pion)
	[ -d /usr/share/gocode/src/github.com/pion/webrtc ] && command -v go >/dev/null ||
		{ echo "SKIP: golang-go / golang-github-pion-webrtc.v3-dev not installed"; exit 3; }
	if [ ! -x "$bin/pion_peer" ] || [ "$root/tests/Interop/peers/pion_peer.go" -nt "$bin/pion_peer" ]; then
		"$root/scripts/interop/build-pion.sh" "$bin/pion_peer" >&2 || { echo "SETUP-ERROR: pion build failed"; exit 2; }
	fi
	peer_cmd="$bin/pion_peer $peer_role" ;;
*) echo "unknown peer '$peer' (aiortc|pion)" >&2; exit 2 ;;
esac

if [ "${WRN_OURS:-c}" = managed ]; then
	# the library of this tree (as the C driver uses), unless the caller chose one
	[ -z "${WEBRTCNATIVE_LIBRARY:-}" ] && [ -f "${WRN_NATIVE_BUILD:-$root/native/build}/libwebrtcnative.so" ] &&
		export WEBRTCNATIVE_LIBRARY="${WRN_NATIVE_BUILD:-$root/native/build}/libwebrtcnative.so"
	dll="$root/tests/Interop/ManagedPeer/bin/Release/net10.0/ManagedPeer.dll"
	# incremental: a few seconds when nothing changed
	dotnet build -nologo -v q -c Release "$root/tests/Interop/ManagedPeer" >&2 ||
		{ echo "SETUP-ERROR: ManagedPeer build failed"; exit 2; }
	ours_cmd="dotnet $dll --role $role --bind 10.77.0.1 ${WRN_MANAGED_ARGS:-}"
	ours_name=managed
else
	if [ ! -x "$bin/interop_driver" ] || [ -n "$(find "$root/tests/Interop/driver" -newer "$bin/interop_driver" -name '*.[ch]')" ]; then
		"$root/scripts/interop/build-driver.sh" >&2 || { echo "SETUP-ERROR: driver build failed"; exit 2; }
	fi
	ours_cmd="$bin/interop_driver --role $role --bind 10.77.0.1 ${WRN_DRIVER_ARGS:-}"
	ours_name=c-driver
fi

# One matrix row at a time on this machine: the namespace names are fixed.
exec 9>/run/wrn-interop.lock
flock -w 600 9 || { echo "SETUP-ERROR: lock busy" >&2; exit 2; }
trap '"$root/scripts/interop/netns.sh" down' EXIT INT TERM
"$root/scripts/interop/netns.sh" up || { echo "SETUP-ERROR: namespaces"; exit 2; }

/usr/bin/python3 "$root/scripts/interop/orchestrate.py" --peer "$peer" --role "$role" \
	--ours-name "$ours_name" \
	--ours "ip netns exec wrn-a $ours_cmd" --peer-cmd "ip netns exec wrn-b $peer_cmd" "$@"
