#!/usr/bin/env bash
# TURN check: starts coturn on 127.0.0.1 with a static user, then runs tests/Interop/bin/turn_test
# (two WebRtcNative peers, iceTransportPolicy relay) with good and with wrong credentials.
# Usage: turn.sh [good|bad|all]   Exit 0 when every case passed, 3 when coturn is not installed.
# coturn refuses to relay to loopback peers unless --allow-loopback-peers is given; since both
# peers' relayed addresses are on 127.0.0.1 it is needed here (and only safe because coturn listens
# on 127.0.0.1 only).
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
what="${1:-all}"
command -v turnserver >/dev/null || { echo "SKIP: coturn (turnserver) not installed"; exit 3; }
bin="$root/tests/Interop/bin"
if [ ! -x "$bin/turn_test" ] || [ "$root/tests/Interop/driver/turn_test.c" -nt "$bin/turn_test" ]; then
	"$root/scripts/interop/build-driver.sh" >&2 || { echo "SETUP-ERROR: build failed"; exit 2; }
fi
# a free UDP/TCP port on 127.0.0.1 for coturn's listener
port="$(/usr/bin/python3 -c 'import socket
for p in range(34780, 34900):
    try:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", p))
        t = socket.socket(); t.bind(("127.0.0.1", p)); u.close(); t.close(); print(p); break
    except OSError: pass')"
logdir="${WRN_TURN_LOGDIR:-/tmp/wrn-turn}"
mkdir -p "$logdir"
turnserver -n --no-cli --lt-cred-mech --user u:p --realm r --no-tls --no-dtls \
	--listening-ip 127.0.0.1 --relay-ip 127.0.0.1 --listening-port "$port" \
	--min-port 50100 --max-port 50199 --allow-loopback-peers --no-multicast-peers \
	--log-file stdout --simple-log --no-stun-backward-compatibility >"$logdir/coturn.log" 2>&1 &
tpid=$!
trap 'kill "$tpid" 2>/dev/null; wait "$tpid" 2>/dev/null' EXIT INT TERM
for _ in $(seq 50); do
	grep -q "Total General servers" "$logdir/coturn.log" 2>/dev/null && break
	kill -0 "$tpid" 2>/dev/null || { echo "SETUP-ERROR: turnserver exited"; cat "$logdir/coturn.log"; exit 2; }
	sleep 0.1
done
sleep 0.3
echo "coturn $(turnserver --version 2>/dev/null | head -1) on 127.0.0.1:$port (pid $tpid)"
rc=0
if [ "$what" = good ] || [ "$what" = all ]; then
	echo "== relay-only with good credentials"
	timeout 90 "$bin/turn_test" good "turn:u:p@127.0.0.1:$port" 40 2>"$logdir/good.stderr.log" || rc=1
fi
if [ "$what" = bad ] || [ "$what" = all ]; then
	echo "== relay-only with wrong credentials"
	timeout ${WRN_TURN_TIMEOUT:-90} "$bin/turn_test" bad "turn:u:wrong@127.0.0.1:$port" ${WRN_TURN_BOUND:-40} 2>"$logdir/bad.stderr.log" || rc=1
fi
echo "logs: $logdir"
exit $rc
