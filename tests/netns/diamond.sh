# SPDX-License-Identifier: GPL-2.0
#
# The diamond topology, shared by tests/netns/test_diamond.sh and
# tools/demo.sh.  Source tests/netns/lib.sh first.
#
#                    b-a [B id 2] b-d
#                   /                \
#   a-app -- a-in [A id 1]          [D id 4]
#                   \                /
#                    c-a [C id 3] c-d
#
#   A: a-b (to B), a-c (to C), a-in (local injection port: packet sockets
#      send on its peer a-app, so A's XDP program routes what A
#      originates).  Neighbour indexes: 0 = B, 1 = C.
#   B: b-a, b-d; neighbours 0 = A, 1 = D.   C: c-a, c-d; 0 = A, 1 = D.
#   D: d-b, d-c; neighbours 0 = B, 1 = C.
#
# Every port of every node has the XDP program attached natively, and
# every node sends HELLOs out of its mesh ports (hn-pkt hello) so that its
# neighbours see it live.

DIAMOND_HELLO_MS=${DIAMOND_HELLO_MS:-50}
DIAMOND_STALE_MS=${DIAMOND_STALE_MS:-400}
DIAMOND_MODEL=${DIAMOND_MODEL:-$HN_OUT/models/route-default.hnm}

# Link features of a good and a bad link (hnctl neigh set units).
DIAMOND_GOOD="quality 990 delay-us 100 loss 0 load 100 capacity-kbps 1000000"
DIAMOND_FAIR="quality 900 delay-us 2000 loss 20 load 300 capacity-kbps 100000"
DIAMOND_BAD="quality 400 delay-us 50000 loss 300 load 900 capacity-kbps 1000"

# diamond_neigh NODE IDX PEER DEV PEERDEV FEATURES...
diamond_neigh()
{
	local n=$1 idx=$2 peer=$3 dev=$4 pdev=$5
	shift 5
	hn_ctl "$n" neigh set "$idx" node "${HN_ID[$peer]}" dev "$dev" \
		mac "$(hn_mac "$peer" "$pdev")" "$@" ||
		hn_fail "hnctl neigh set on $n ($idx: $peer via $dev)"
}

# diamond_hello NODE DEV: HELLOs out of one port, as job hello-NODE-DEV.
diamond_hello()
{
	hn_bg "hello-$1-$2" "$1" "$HNPKT" hello -q -i "$2" \
		--src "${HN_ID[$1]}" --interval-ms "$DIAMOND_HELLO_MS"
}

diamond_up()
{
	local n

	hn_nodes A 1 B 2 C 3 D 4
	hn_link A a-b B b-a
	hn_link A a-c C c-a
	hn_link B b-d D d-b
	hn_link C c-d D d-c
	hn_link A a-in A a-app

	hn_ctl A attach a-b a-c a-in >/dev/null || hn_fail "hnctl attach on A"
	hn_ctl B attach b-a b-d >/dev/null || hn_fail "hnctl attach on B"
	hn_ctl C attach c-a c-d >/dev/null || hn_fail "hnctl attach on C"
	hn_ctl D attach d-b d-c >/dev/null || hn_fail "hnctl attach on D"
	for n in A B C D; do
		hn_ctl "$n" config node "${HN_ID[$n]}" margin 0 \
			stale-ms "$DIAMOND_STALE_MS" ||
			hn_fail "hnctl config on $n"
	done

	diamond_neigh A 0 B a-b b-a $DIAMOND_GOOD
	diamond_neigh A 1 C a-c c-a $DIAMOND_FAIR
	diamond_neigh B 0 A b-a a-b $DIAMOND_GOOD
	diamond_neigh B 1 D b-d d-b $DIAMOND_GOOD
	diamond_neigh C 0 A c-a a-c $DIAMOND_GOOD
	diamond_neigh C 1 D c-d d-c $DIAMOND_GOOD
	diamond_neigh D 0 B d-b b-d $DIAMOND_GOOD
	diamond_neigh D 1 C d-c c-d $DIAMOND_GOOD

	# A reaches D through B or C (2 hops); B and C reach D directly.
	hn_ctl A route set 4 via 0:2 1:2 default 0 || hn_fail "route on A"
	hn_ctl A route set 2 via 0:1 1:3 || hn_fail "route on A"
	hn_ctl A route set 3 via 1:1 0:3 || hn_fail "route on A"
	hn_ctl B route set 4 via 1:1 || hn_fail "route on B"
	hn_ctl B route set 1 via 0:1 || hn_fail "route on B"
	hn_ctl C route set 4 via 1:1 || hn_fail "route on C"
	hn_ctl C route set 1 via 0:1 || hn_fail "route on C"
	hn_ctl D route set 1 via 0:2 1:2 default 0 || hn_fail "route on D"

	for n in A B C D; do
		hn_ctl "$n" model load "$DIAMOND_MODEL" >/dev/null ||
			hn_fail "hnctl model load on $n"
	done

	# HELLOs: one sender per node and port, so one link can go quiet.
	diamond_hello A a-b
	diamond_hello A a-c
	diamond_hello B b-a
	diamond_hello B b-d
	diamond_hello C c-a
	diamond_hello C c-d
	diamond_hello D d-b
	diamond_hello D d-c
	# Let every neighbour be heard at least once.
	sleep 0.3
}

# diamond_send_AD N [SEQ]: N data frames from A to D; prints D's receive
# summary (JSON) with per-port counts: d-b means via B, d-c via C.
diamond_send_AD()
{
	hn_transfer D d-b,d-c A a-app 1 4 "$1" "${2:-0}" 200 3000
}
