#!/usr/bin/env bash
# Creates (up) or removes (down) the two test network namespaces used by the interop tests:
#   wrn-a (our side, 10.77.0.1/30 on wrn-va) <-- veth --> wrn-b (the other stack, 10.77.0.2/30 on wrn-vb)
# No default route and IPv6 off inside: nothing in them can reach anything but each other (and
# their own loopback). Usage: netns.sh up|down
# WRN_LOSS_PCT=N (1-99): each namespace also drops N % of the UDP packets it receives from the
# veth, chosen by the kernel (nftables numgen random; this kernel has no netem); `down` prints how
# many packets each side dropped ("nft-loss: wrn-a dropped 12 of 300 UDP packets ...").
# Dropped on input, not on output: a packet dropped in the sender's output hook fails its
# sendmsg() with EPERM, which a lossy path never tells a sender (libnice fails an ICE pair at once
# when its first check's send fails; one run in ~20 failed to connect that way).
set -uo pipefail
A=wrn-a B=wrn-b
loss_report() {
	local ns=$1 rules dropped passed
	rules=$(ip netns exec "$ns" nft list chain inet wrnloss in 2>/dev/null) || return 0
	dropped=$(printf '%s\n' "$rules" | sed -n 's/.*counter packets \([0-9]*\) .*drop.*/\1/p' | head -n1)
	passed=$(printf '%s\n' "$rules" | sed -n 's/.*counter packets \([0-9]*\) .*accept.*/\1/p' | head -n1)
	echo "nft-loss: $ns dropped ${dropped:-0} of $(( ${dropped:-0} + ${passed:-0} )) UDP packets received on the veth"
}
down() {
	for ns in $A $B; do
		if ip netns list | grep -qw "$ns"; then
			loss_report "$ns"
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
loss_rules() {
	cat <<RULES
table inet wrnloss {
	chain in {
		type filter hook input priority 0; policy accept;
		iifname "$1" meta l4proto udp numgen random mod 100 < $WRN_LOSS_PCT counter drop
		iifname "$1" meta l4proto udp counter accept
	}
}
RULES
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
	if [ -n "${WRN_LOSS_PCT:-}" ]; then
		case "$WRN_LOSS_PCT" in [1-9] | [1-9][0-9]) ;; *) echo "netns: WRN_LOSS_PCT must be 1-99" >&2; return 1 ;; esac
		ip netns exec $A nft -f - <<<"$(loss_rules wrn-va)"
		ip netns exec $B nft -f - <<<"$(loss_rules wrn-vb)"
	fi
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
