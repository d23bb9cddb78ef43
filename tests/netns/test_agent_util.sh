#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Link utilisation in link state, with three real hypernetd agents:
#
#   [A 1] a-b ---- b-a [B 2] b-c ---- c-b [C 3]
#
# A believes its only port carries 1000 kbit/s (link-kbps) and sends
# about 2 Mbit/s out of it.  Every LSA lives 30 s between refreshes, so
# only a new LSA flooded because the utilisation moved (HN_UTIL_READV)
# can bring it to C within the deadlines.  Checks:
#   1. C, two hops away, sees A's link to B loaded (A -> B), in its
#      topology (hnctl -j topology, util_ab), and the other direction and
#      the idle link B-C not;
#   2. once A stops sending, C sees the link idle again;
#   3. the DOT view shows the utilisation in the link's label;
#   4. A hosts stage 2 at a configured rate: C lists A as its host with
#      that rate (hnctl -j agent hosts 2); a rate A's runner then tells
#      its agent reaches C by an LSA of its own, before any refresh.
# Exits 0 when all pass, 77 (SKIPPED) without root or namespaces.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mesh.sh"
hn_start
mesh_require

hn_nodes A 1 B 2 C 3
mesh_link A a-b B b-a
mesh_link B b-c C c-b
NODES="A B C"

# refresh every 30 s: what C learns sooner came by a utilisation change
for n in $NODES; do
	case $n in
	A) mesh_start "$n" link-kbps=1000 lsa-refresh-s=30 \
		lsa-lifetime-s=120 stages=2 "stage-rate=2 800000" \
		rate-window-ms=10000 ;;
	*) mesh_start "$n" lsa-refresh-s=30 lsa-lifetime-s=120 ;;
	esac
done
t=$(mesh_wait 15 mesh_converged $NODES)
check "three agents converge" "$([ "$t" != timeout ] && echo 1)" \
	"${t} s after start"
[ "$t" = timeout ] && mesh_dump $NODES

# util NODE A B: "AB BA", the utilisation of link A-B each way (ids, A
# the lower) in NODE's topology; "none" without that link
util()
{
	mesh_ctl "$1" -j topology 2>/dev/null | python3 -c '
import json, sys
a, b = int(sys.argv[1]), int(sys.argv[2])
for l in json.load(sys.stdin).get("links", []):
    if (l["a"], l["b"]) == (a, b):
        print(l.get("util_ab", "none"), l.get("util_ba", "none"))
        break
else:
    print("none")' "$2" "$3"
}

# loaded NODE: 0 when NODE sees A -> B at half or more, B -> A not
loaded()
{
	local u
	u=$(util "$1" 1 2)
	set -- $u
	[ $# = 2 ] && [ "$1" -ge 128 ] && [ "$2" -lt 32 ]
}

# idle NODE: 0 when NODE sees A -> B below an eighth
idle()
{
	local u
	u=$(util "$1" 1 2)
	set -- $u
	[ $# = 2 ] && [ "$1" -lt 32 ]
}

check "C sees the link A-B idle before" \
	"$(idle C && echo 1)" "A-B: $(util C 1 2)"

# 1. about 2 Mbit/s out of a-b, twice what A believes it carries; B
# delivers the frames (to itself) and drops them
lsa0=$(mesh_agent_stat A lsa_tx)
hn_x_bg A "$HNPKT" send -q -i a-b --src 1 --dst 2 --len 1000 --rate 250 \
	--duration-ms 20000
sp=$!
t=$(mesh_wait 12 loaded C)
check "C sees A's link to B loaded (A -> B, from A's LSA)" \
	"$([ "$t" != timeout ] && echo 1)" \
	"${t} s after the load began; A-B: $(util C 1 2), B-C: $(util C 2 3)"
[ "$t" = timeout ] && mesh_dump $NODES
bc=$(util C 2 3)
check "the idle link B-C stays idle" \
	"$(echo "$bc" | awk '$1 < 32 && $2 < 32 { print 1 }')" "B-C: $bc"

# 3. the DOT view labels a link in use with its utilisation each way
dot=$(mesh_ctl C topology dot)
check "C's DOT view shows A-B's utilisation" \
	"$(echo "$dot" | grep -q '"1" -- "2" \[label="[0-9]*\\n[0-9]*% / [0-9]*%"\]' &&
	   echo 1)" "$(echo "$dot" | grep -- '--' | paste -sd' ')"

# 2. the load stops: back to idle, again by an LSA, not a refresh
kill "$sp" 2>/dev/null
wait "$sp" 2>/dev/null
t=$(mesh_wait 12 idle C)
check "C sees the link idle again once A stops" \
	"$([ "$t" != timeout ] && echo 1)" \
	"${t} s after the load stopped; A-B: $(util C 1 2)"
[ "$t" = timeout ] && mesh_dump $NODES
echo "    A flooded $(( $(mesh_agent_stat A lsa_tx) - lsa0 )) LSA(s) meanwhile"

# 4. stage rates in link state: A's, as C's agent lists the hosts
# rate NODE: "NS BUSY QUEUE" of node 1's stage 2 as NODE lists it
rate()
{
	mesh_ctl "$1" -j agent hosts 2 2>/dev/null | python3 -c '
import json, sys
for h in json.load(sys.stdin):
    if h["node"] == 1 and h["stage"] == 2:
        print(h["ns_per_item"], h["busy_pm"], h["queue"])
        break
else:
    print("none")'
}
# rate_is NODE NS BUSY QUEUE
rate_is() { [ "$(rate "$1")" = "$2 $3 $4" ]; }
t=$(mesh_wait 5 rate_is C 800000 0 0)
check "C lists A as stage 2's host at its configured rate" \
	"$([ "$t" != timeout ] && echo 1)" "C: $(rate C)"
lsa0=$(mesh_agent_stat A lsa_tx)
out=$(mesh_ctl A agent stage-rate 2 2000000 700 5 2>&1)
check "A's agent takes a runner's rate" \
	"$(echo "$out" | grep -q 'stage 2: 2000000 ns per item' && echo 1)" \
	"$out"
t=$(mesh_wait 5 rate_is C 2000000 700 5)
check "the new rate reaches C by an LSA, not a refresh" \
	"$([ "$t" != timeout ] && \
	   [ "$(mesh_agent_stat A lsa_tx)" -gt "$lsa0" ] && echo 1)" \
	"${t} s; C: $(rate C)"
[ "$t" = timeout ] && mesh_dump $NODES
tab=$(mesh_ctl C agent hosts 2)
check "C's table shows A's rate and a two-hop path" \
	"$(echo "$tab" | awk '$1 == 1 && $2 == 2 && $4 == 2000000 &&
		$11 == 2 { print 1 }')" "$(echo "$tab" | paste -sd'|')"

if [ $HN_FAILED -gt 0 ]; then
	echo "test_agent_util: $HN_FAILED check(s) failed"
	exit 1
fi
echo "test_agent_util: all checks passed"
