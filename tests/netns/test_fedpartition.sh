#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A partition pauses a secure-aggregation campaign without corrupting it.
# Eight real hypernetd agents on fedmesh.sh's 2x4 ladder, one campaign of
# all eight; each node's update of a round is a deterministic vector of
# 10,000 values (hn-secagg vec-gen) handed to its agent with `hnctl
# campaign submit`, as test_fedround.sh does: no trainer, so the sums can
# be checked bit for bit and the CPU stays with the agents.  Round 2 is
# under way (every node has shared its keys) when links B-C and F-G go
# down, which cuts the ladder into two halves of four:
#
#          left half          |          right half
#   [A 1] a-b -- b-a [B 2] b-c   X   c-b [C 3] c-d -- d-c [D 4]
#    a-e              b-f         |         c-g              d-h
#     |                |          |          |                |
#    e-a              f-b         |         g-c              h-d
#   [E 5] e-f -- f-e [F 6] f-g   X   g-f [G 7] g-h -- h-g [H 8]
#
# The roster has n = 8 nodes, threshold t = 4 (hn_sa_choose(8, 10));
# unmasking needs tc = max(t, 2n/3 + 1) = 6 masked inputs and 6
# signatures on them: a half of four can begin attempts of its own
# (t = 4 of them are live) but never finish one.  Checks:
#   1. round 1, all eight, exact at every node;
#   2. with the links down and every node's round 2 update submitted,
#      both halves give up on the aggregator they lost and run their own
#      attempts (every node at attempt 2 or later): no node has a result
#      for round 2, no aggregator finished, every node's kept result files
#      are unchanged and round 1's still verifies and is exact;
#   3. links up again: the mesh converges, round 2 completes at every
#      node at a later attempt, over nodes of both halves (at least tc),
#      exact (the plain sum of its survivors' updates: a node that the
#      new attempt's aggregator did not yet see as live is left out, as
#      any dropout) and the same at every node;
#   4. round 3 completes at every node, over nodes of both halves (at
#      least tc), exact.  Not necessarily over all eight: a node that
#      had round 2's result late (left out of it) begins round 3 late and
#      can sit one attempt behind the others, a dropout of that attempt
#      (seen under two make checks side by side; Documentation/
#      federated.rst, "Partitions", limits).
# Exits 0 when all pass, 77 (SKIPPED) without root or namespaces.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mesh.sh"
. "$(dirname "$0")/fedmesh.sh"
hn_start
mesh_require hn-secagg

NODES=$FED_NODES
# a node gives up on its aggregator after fed-input-ms + 6 x
# fed-phase-ms (17 s here): short enough for two attempts of each half
# in the test's time, long enough for a loaded machine's phases
FED_PHASE_MS=2500
FED_INPUT_MS=2000
CUT="B b-c C c-b F f-g G g-f"

fed_ladder
fed_roster
fed_vec_campaign 16 4

# both_halves S: 0 when the survivor ids S are at least tc = 6 and
# include nodes of both halves (ids 1 2 5 6 and 3 4 7 8)
both_halves()
{
	local l=0 r=0 id
	for id in $1; do
		case $id in
		1 | 2 | 5 | 6) l=$((l + 1)) ;;
		*) r=$((r + 1)) ;;
		esac
	done
	[ $((l + r)) -ge 6 ] && [ $l -gt 0 ] && [ $r -gt 0 ]
}

# links up|down: the links the partition cuts, both ends
links()
{
	local state=$1 n d

	# shellcheck disable=SC2086
	set -- $CUT
	while [ $# -gt 0 ]; do
		n=$1 d=$2
		shift 2
		ip -n "${HN_TAG}-$n" link set "$d" "$state" ||
			hn_fail "link $d of $n $state"
	done
}

# kept: every node's kept result files and their digests
kept()
{
	local n
	for n in $NODES; do
		(cd "$HN_WORK/state/$n" && sha256sum fedres-*.res 2>/dev/null |
			sed "s/^/$n /")
	done
}

# attempts_from A NODES...: 0 when every NODE's round 2 is at attempt A
# or later
attempts_from()
{
	local a=$1 n v
	shift
	for n in "$@"; do
		[ "$(fed_get "$n" round)" = 2 ] || return 1
		v=$(fed_get "$n" attempt)
		[ -n "$v" ] && [ "$v" -ge "$a" ] || return 1
	done
}

# no_result_2: 0 when no node has a result of round 2 (none kept, none
# in the store, none reported)
no_result_2()
{
	local n
	for n in $NODES; do
		[ "$(fed_get "$n" last_result_round)" = 1 ] || return 1
		[ -e "$HN_WORK/state/$n/fedres-2.res" ] && return 1
	done
	return 0
}

fed_start
t=$(mesh_wait 10 fed_done 0 $NODES)
check "all eight run the campaign's rounds" \
	"$([ "$t" != timeout ] && echo 1)" "${t} s"

# 1. a round of all eight
fed_submit 1 $NODES
t=$(mesh_wait 60 fed_done 1 $NODES)
check "round 1 completes on all eight" "$([ "$t" != timeout ] && echo 1)" \
	"${t} s"
s=$(fed_survivors A 1)
check "round 1 sums all eight" "$([ "$s" = "1 2 3 4 5 6 7 8" ] && echo 1)" \
	"survivors $s"
check "round 1 is exact at every node" "$(fed_exact 1 $NODES && echo 1)" \
	"$FED_DIM values"

# 2. the partition, while round 2 is under way
t=$(mesh_wait 30 fed_all_phase awaiting-input $NODES)
check "round 2: all eight have shared and await their updates" \
	"$([ "$t" != timeout ] && echo 1)" "${t} s"
agg=$(fed_get A aggregator)
kept >"$HN_WORK/kept-before"
failed0=0
for n in $NODES; do
	failed0=$((failed0 + $(mesh_agent_stat "$n" fed_agg_failed)))
done
links down
t0=$(date +%s.%N)
say "round 2: aggregator $agg; links B-C and F-G down"
fed_submit 2 $NODES
t=$(mesh_wait 120 attempts_from 2 $NODES)
pause=$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $t0 }")
check "both halves give up on round 2's aggregator and run attempts of their own" \
	"$([ "$t" != timeout ] && echo 1)" "every node at attempt 2 after ${t} s"
[ "$t" = timeout ] && mesh_dump $NODES
failed=0
for n in $NODES; do
	failed=$((failed + $(mesh_agent_stat "$n" fed_agg_failed)))
	printf '    %s: attempt %s, phase %s, aggregator %s\n' "$n" \
		"$(fed_get "$n" attempt)" "$(fed_get "$n" phase)" \
		"$(fed_get "$n" aggregator)"
done
say "aggregations stopped for too few nodes during the partition: $((failed - failed0))"
check "neither half completes round 2" "$(no_result_2 && echo 1)" \
	"paused ${pause} s"
kept >"$HN_WORK/kept-during"
check "every node's kept results are unchanged" \
	"$(cmp -s "$HN_WORK/kept-before" "$HN_WORK/kept-during" && echo 1)" \
	"$(wc -l <"$HN_WORK/kept-during") files"
check "round 1's kept result still verifies and is exact at every node" \
	"$(fed_exact 1 $NODES && echo 1)" "$FED_DIM values"

# 3. the links back: round 2 resumes at the next attempt after every
# node's link-state view has the other half again
links up
t1=$(date +%s.%N)
t=$(mesh_wait 60 mesh_converged $NODES)
check "healed, the eight converge again" "$([ "$t" != timeout ] && echo 1)" \
	"${t} s after the links came up"
t=$(mesh_wait 120 fed_done 2 $NODES)
heal=$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $t1 }")
check "healed, round 2 completes at every node" \
	"$([ "$t" != timeout ] && echo 1)" "${heal} s after the links came up"
[ "$t" = timeout ] && mesh_dump $NODES
s=$(fed_survivors A 2)
check "round 2 sums nodes of both halves, at least tc = 6" \
	"$(both_halves "$s" && echo 1)" \
	"survivors $s, attempt $(mesh_ctl A -j campaign result --round 2 |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["attempt"])')"
check "round 2 is exact at every node (the sum of its survivors' updates)" \
	"$(fed_exact 2 $NODES && echo 1)" "$FED_DIM values"

# when each node began its attempts of round 2, and their aggregators
for n in $NODES; do
	awk -v t0="$t0" -v n="$n" '
		/fed: round 2 attempt [0-9]+, aggregator/ {
			s = s sprintf(" %.1f (%s)", $1 - t0, $NF)
		}
		END { print "    " n ": round 2 attempts at" s }' "$HN_WORK/$n.log"
done
down=$(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }")
say "the links came up ${down} s after they went down"

# 4. the next round, as usual
fed_submit 3 $NODES
t=$(mesh_wait 60 fed_done 3 $NODES)
check "round 3 completes on all eight" "$([ "$t" != timeout ] && echo 1)" \
	"${t} s"
s=$(fed_survivors A 3)
check "round 3 sums nodes of both halves, at least tc = 6" \
	"$(both_halves "$s" && echo 1)" "survivors $s"
check "round 3 is exact at every node" "$(fed_exact 3 $NODES && echo 1)" \
	"$FED_DIM values"
say "links down ${down} s (all at attempt 2 after ${pause} s); round 2 done ${heal} s after the heal"
[ "$HN_FAILED" = 0 ] || mesh_dump $NODES
[ "$HN_FAILED" = 0 ] || exit 1
exit 0
