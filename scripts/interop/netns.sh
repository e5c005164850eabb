#!/usr/bin/env bash
# Creates (up) or removes (down) the two test network namespaces used by the interop tests:
#   wrn-a (our side, 10.77.0.1/30 on wrn-va) <-- veth --> wrn-b (the other stack, 10.77.0.2/30 on wrn-vb)
# No default route and IPv6 off inside: nothing in them can reach anything but each other (and
# their own loopback). Usage: netns.sh up|down
set -uo pipefail
A=wrn-a B=wrn-b
down() {
	for ns in $A $B; do
		if ip netns list | grep -qw "$ns"; then
			# processes this test started inside the namespace
			for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$pid" 2>/dev/null; done
			sleep 0.2
			for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
			ip netns del "$ns" 2>/dev/null
		fi
	done
	ip link del wrn-va 2>/dev/null || true
	return 0
}
up() {
	down
	set -e
	ip netns add $A
	ip netns add $B
	ip link add wrn-va type veth peer name wrn-vb
	ip link set wrn-va netns $A
	ip link set wrn-vb netns $B
	for ns in $A $B; do
		ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
		ip -n $ns link set lo up
	done
	ip -n $A addr add 10.77.0.1/30 dev wrn-va
	ip -n $B addr add 10.77.0.2/30 dev wrn-vb
	ip -n $A link set wrn-va up
	ip -n $B link set wrn-vb up
	# wait for the veth link to come up
	for _ in $(seq 50); do
		ip -n $A link show wrn-va | grep -q LOWER_UP && ip -n $B link show wrn-vb | grep -q LOWER_UP &&
			! ip -n $A addr show wrn-va | grep -q tentative && return 0
		sleep 0.1
	done
	ip -n $A -br addr >&2
	echo "netns: veth link 10.77.0.1 <-> 10.77.0.2 not working" >&2
	return 1
}
case "${1:-}" in
up) up ;;
down) down ;;
*) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
