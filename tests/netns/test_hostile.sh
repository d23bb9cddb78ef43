#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hostile frames through real, attached XDP routers (tools/hn-hostile):
# every frame that comes out of a port is compared byte for byte with what
# the oracle says should come out of which port, nothing else may come
# out, and the routers' counters (hnctl -j stats) must be the oracle's.
#
# 1. One router R (node 1, no model, stale-ms 0), neighbours, routes and
#    tasks set by hand; S sends, every port captures (S's too: frames
#    routed back out of the ingress port).
#
#                           a-r [A: node 2]
#                           |
#     [S: node 5] s-r --- r-s [R: node 1] r-a
#                               r-b --- b-r [B: node 3]
#                               r-c --- c-r [C: node 4]
#                               r-dead (not attached: node 6)
#
#    Phases: every enum hn_frame_err class; every length of valid frames
#    from 0 bytes up, and padded; every type x flags combination; tensor
#    header edges; 802.1Q/802.1ad tagged frames; floods and the
#    de-duplication window; HN_HOSTILE_FRAMES (100,000) random and mutated
#    frames from HN_HOSTILE_SEED (printed; random when unset).
#
# 2. One flood with TTL 255 from a host into loops of routers, first with
#    the routers only attached (no node id), then configured:
#
#     two routers, two links:           a triangle:
#
#     H -- [X] x-y1 === y-x1 [Y] -- K         [Y2] -- K2
#              x-y2 === y-x2                 /    \
#                                    H2 -- [X2] -- [Z2] -- M2
#
#    Unconfigured, no router may copy anything; configured, each copies a
#    flood at most once; tagged floods are never copied.
#
# Exits 0 when all pass, 77 (SKIPPED) without root or namespaces.
set -u
. "$(dirname "$0")/lib.sh"
trap hn_cleanup EXIT
trap 'exit 1' INT TERM
hn_require
HOSTILE=$HN_OUT/bin/hn-hostile
XDP_PASS=$HN_OUT/tests/xdp_pass.bpf.o
[ -x "$HOSTILE" ] || hn_skip "no $HOSTILE: run make first"
[ -f "$XDP_PASS" ] || hn_skip "no $XDP_PASS: run make first"
SEED=${HN_HOSTILE_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
FRAMES=${HN_HOSTILE_FRAMES:-100000}
echo "seed $SEED (run again with HN_HOSTILE_SEED=$SEED)"
rc=0

# hostile_nodes NAME...: namespaces with IPv6 off before any link exists,
# so that nothing but the test's frames crosses the links.
hostile_nodes()
{
	local n
	for n in "$@"; do
		hn_node "$n" 0
		hn_no_ipv6 "$n" || hn_fail "cannot turn IPv6 off in $n"
	done
}

# hostile_end NODE DEV: a capture end, with XDP_PASS attached: veth wakes
# a peer for frames sent back out of a router's ingress port (XDP_TX) only
# if an XDP program runs there, and with one every frame, redirected or
# copied by TC, reaches the end through the same ring, first in, first out.
hostile_end()
{
	ip -n "$(hn_ns "$1")" link set dev "$2" xdpdrv obj "$XDP_PASS" \
		sec xdp || hn_fail "XDP_PASS on $1:$2"
}

# hostile_ring_drops NODE:DEV...: fail if a veth lost frames on their way
# to its peer (tx_dropped counts its ring full, for the stack's frames,
# XDP_TX and XDP redirects alike): the capture path lost them, not the
# router's decision, and the suite would blame the router.
hostile_ring_drops()
{
	local a d lost=
	for a in "$@"; do
		d=$(ip -n "$(hn_ns "${a%%:*}")" -s -j link show dev "${a#*:}" |
			python3 -c 'import json, sys
print(json.load(sys.stdin)[0]["stats64"]["tx"]["dropped"])') ||
			hn_fail "ip -s link show ${a#*:} in ${a%%:*}"
		[ "$d" = 0 ] || lost="$lost ${a#*:}:$d"
	done
	if [ -n "$lost" ]; then
		echo "FAIL: veth rings dropped frames (port:frames):$lost;" \
			"the capture path lost them, not the router"
		rc=1
	else
		echo "ok:   no veth ring dropped a frame ($*)"
	fi
}

# ---- 1. one router ---------------------------------------------------------

hostile_nodes R S A B C
hn_link R r-s S s-r
hn_link R r-a A a-r
hn_link R r-b B b-r
hn_link R r-c C c-r
hn_link R r-dead R r-dead2
hn_ctl R attach r-s r-a r-b r-c >/dev/null || hn_fail "hnctl attach on R"
# flood-idle-ms never: a data-flood window is not restarted after a quiet
# second, so what the oracle says does not hang on timing
hn_ctl R config node 1 margin 0 stale-ms 0 flood-idle-ms never ||
	hn_fail "hnctl config on R"
for n in S:s-r A:a-r B:b-r C:c-r; do
	hostile_end "${n%%:*}" "${n#*:}"
done

NEIGH=("0 node 2 dev r-a mac $(hn_mac A a-r)"
	"1 node 3 dev r-b mac $(hn_mac B b-r)"
	"2 node 4 dev r-c mac $(hn_mac C c-r)"
	"3 node 5 dev r-s mac $(hn_mac S s-r)"
	"4 node 6 dev r-dead mac 02:00:00:00:00:06")
ROUTE=("2 via 0" "3 via 1" "4 via 2" "5 via 3" "6 via 4"
	"7 via 0:2 1:2 default 1" "8 via 2:3")
TASK=("100 host 1" "101 host 8" "102 host 4 host 2" "103 host 9"
	"105 host 6")
GROUP=(100)
args=()
for x in "${NEIGH[@]}"; do
	hn_ctl R neigh set $x || hn_fail "hnctl neigh set $x"
	args+=(--neigh "$x")
done
for x in "${ROUTE[@]}"; do
	hn_ctl R route set $x || hn_fail "hnctl route set $x"
	args+=(--route "$x")
done
for x in "${TASK[@]}"; do
	hn_ctl R task set $x || hn_fail "hnctl task set $x"
	args+=(--task "$x")
done
for x in "${GROUP[@]}"; do
	hn_ctl R group join "$x" || hn_fail "hnctl group join $x"
	args+=(--group "$x")
done
hn_ctl R status | sed 's/^/    R: /'

start=$SECONDS
"$HOSTILE" router --seed "$SEED" --frames "$FRAMES" \
	--router-ns "$(hn_ns R)" --pins "$HN_WORK/bpf/R/hypernet" \
	--hnctl "$HNCTL" --node 1 \
	--port "r-s=$(hn_ns S):s-r" --port "r-a=$(hn_ns A):a-r" \
	--port "r-b=$(hn_ns B):b-r" --port "r-c=$(hn_ns C):c-r" \
	"${args[@]}" || rc=1
echo "    one router: $((SECONDS - start)) s"
hostile_ring_drops S:s-r R:r-s R:r-a R:r-b R:r-c
hn_ctl R stats | sed 's/^/    R: /'

# ---- 2. floods in loops of routers -------------------------------------------

# hostile_loop NAME FRAME ROUTER-ARGS...: one flood, checked.
hostile_loop()
{
	local name=$1 frame=$2
	shift 2
	"$HOSTILE" loop --hnctl "$HNCTL" --seed "$SEED" --name "$name" \
		--frame "$frame" "$@" || rc=1
}

# hostile_router NODE PORT...: the router attached on its ports, no more.
hostile_router()
{
	local n=$1
	shift
	hn_ctl "$n" attach "$@" >/dev/null || hn_fail "hnctl attach on $n"
}

hostile_nodes X Y H K
hn_link X x-y1 Y y-x1
hn_link X x-y2 Y y-x2
hn_link X x-h H h-x
hn_link Y y-k K k-y
hostile_router X x-y1 x-y2 x-h
hostile_router Y y-x1 y-x2 y-k
hostile_end H h-x
hostile_end K k-y
two=(--link X/x-y1=Y/y-x1 --link X/x-y2=Y/y-x2
	--host "H=$(hn_ns H):h-x@X/x-h" --host "K=$(hn_ns K):k-y@Y/y-k")

hostile_nodes X2 Y2 Z2 H2 K2 M2
hn_link X2 xy Y2 yx
hn_link Y2 yz Z2 zy
hn_link Z2 zx X2 xz
hn_link X2 xh H2 hx
hn_link Y2 yk K2 ky
hn_link Z2 zm M2 mz
hostile_router X2 xy xz xh
hostile_router Y2 yx yz yk
hostile_router Z2 zy zx zm
hostile_end H2 hx
hostile_end K2 ky
hostile_end M2 mz
tri=(--link X2/xy=Y2/yx --link Y2/yz=Z2/zy --link Z2/zx=X2/xz
	--host "H2=$(hn_ns H2):hx@X2/xh" --host "K2=$(hn_ns K2):ky@Y2/yk"
	--host "M2=$(hn_ns M2):mz@Z2/zm")

# routers NODE:ID...: --router arguments, ID 0 for "only attached"
routers()
{
	local a n
	for a in "$@"; do
		n=${a%%:*}
		echo "--router"
		echo "$n=$(hn_ns "$n"):$HN_WORK/bpf/$n/hypernet:${a#*:}"
	done
}

start=$SECONDS
mapfile -t r2 < <(routers X:0 Y:0)
mapfile -t r3 < <(routers X2:0 Y2:0 Z2:0)
hostile_loop "two unconfigured routers, two links" data "${r2[@]}" "${two[@]}"
hostile_loop "three unconfigured routers" data "${r3[@]}" "${tri[@]}"

for n in X:1 Y:2 X2:1 Y2:2 Z2:3; do
	hn_ctl "${n%%:*}" config node "${n#*:}" flood-idle-ms never ||
		hn_fail "hnctl config on ${n%%:*}"
done
mapfile -t r2 < <(routers X:1 Y:2)
mapfile -t r3 < <(routers X2:1 Y2:2 Z2:3)
for f in data dot1q dot1ad; do
	hostile_loop "two configured routers, two links, $f" "$f" \
		"${r2[@]}" "${two[@]}"
	hostile_loop "three configured routers, $f" "$f" "${r3[@]}" "${tri[@]}"
done
echo "    loops: $((SECONDS - start)) s"
hostile_ring_drops X:x-y1 X:x-y2 X:x-h Y:y-x1 Y:y-x2 Y:y-k \
	X2:xy X2:xz X2:xh Y2:yx Y2:yz Y2:yk Z2:zy Z2:zx Z2:zm

if [ $rc -ne 0 ]; then
	echo "test_hostile: some checks failed (seed $SEED)"
	exit 1
fi
echo "test_hostile: all checks passed (seed $SEED)"
exit 0
