#!/usr/bin/env bash
# Issue 17 reference: PEER against itself (pion or aiortc), offerer in wrn-a, answerer in wrn-b,
# the same namespaces and line protocol as the interop rows. Prints one timeline per run.
#   selfpair.sh pion|aiortc [RUNS]
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
peer="${1:-}"; runs="${2:-3}"
[ "$(id -u)" = 0 ] || { echo "SETUP-ERROR: network namespaces need root" >&2; exit 2; }
bin="$root/tests/Interop/bin"
case "$peer" in
pion)
	if [ ! -x "$bin/pion_peer" ] || [ "$root/tests/Interop/peers/pion_peer.go" -nt "$bin/pion_peer" ]; then
		"$root/scripts/interop/build-pion.sh" "$bin/pion_peer" >&2 || exit 2
	fi
	cmd="$bin/pion_peer" ;;
aiortc) cmd="/usr/bin/python3 $root/tests/Interop/peers/aiortc_peer.py" ;;
*) echo "usage: $0 pion|aiortc [RUNS]" >&2; exit 2 ;;
esac
exec 9>/run/wrn-interop.lock
flock -w 600 9 || { echo "SETUP-ERROR: lock busy" >&2; exit 2; }
trap '"$root/scripts/interop/netns.sh" down' EXIT INT TERM
"$root/scripts/interop/netns.sh" up >/dev/null || { echo "SETUP-ERROR: namespaces"; exit 2; }
for i in $(seq 1 "$runs"); do
	echo -n "$peer<->$peer run $i: "
	/usr/bin/python3 "$root/scripts/interop/selfpair.py" --a "ip netns exec wrn-a $cmd offerer" \
		--b "ip netns exec wrn-b $cmd answerer"
done
