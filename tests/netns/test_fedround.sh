#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Secure-aggregation rounds between eight real hypernetd agents, every
# message in FED frames through the XDP routers (no IP), on fedmesh.sh's
# 2x4 ladder, where most nodes reach the aggregator over several hops.
# One campaign lists all eight.
# Checks:
#   1. round 1: each node submits a deterministic vector of 10,000 values
#      (hn-secagg vec-gen); every node's result is the plain sum of the
#      eight (hn-secagg vec-sum) bit for bit, all eight survivors;
#   2. round 2 begins by itself; once every node's status shows it has
#      shared its keys (awaiting-input), node X (not the aggregator) is
#      killed, and restarted: it resumes at round 2 from its state
#      directory (too late for it); then the seven others get their
#      updates: the round completes on the seven, exactly, and every
#      node, X included, has its result;
#   3. X takes part in the next round, exact over all eight (a node
#      back after a round ended catching up is test_unit_fedround's);
#   4. a FED frame signed with another mesh key, injected at A for H, is
#      dropped by H's agent and counted (rx_bad_bad-mac).
# Exits 0 when all pass, 77 (SKIPPED) without root or namespaces.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mesh.sh"
. "$(dirname "$0")/fedmesh.sh"
hn_start
mesh_require hn-inject hn-secagg

NODES=$FED_NODES

fed_ladder
mesh_inject A

fed_roster
fed_vec_campaign 15 10

fed_start
t=$(mesh_wait 10 fed_done 0 $NODES)
check "all eight run the campaign's rounds" \
	"$([ "$t" != timeout ] && echo 1)" "${t} s"

# 1. a round of all eight
fed_submit 1 $NODES
t=$(mesh_wait 60 fed_done 1 $NODES)
check "round 1 completes on all eight" "$([ "$t" != timeout ] && echo 1)" \
	"${t} s"
[ "$t" = timeout ] && mesh_dump $NODES
s=$(fed_survivors A 1)
check "round 1 sums all eight" "$([ "$s" = "1 2 3 4 5 6 7 8" ] && echo 1)" \
	"survivors $s"
check "round 1's result is the plain sum at every node, bit for bit" \
	"$(fed_exact 1 $NODES && echo 1)" "$FED_DIM values"
mesh_ctl D campaign result --round 1 | sed 's/^/    /'
# what each node sent: round 1, and round 2's adverts and shares
for n in $NODES; do
	b=$(mesh_agent_stat "$n" fed_bytes_tx)
	printf '    %s: %s FED bytes on the wire, %s x its update\n' "$n" "$b" \
		"$(awk "BEGIN { printf \"%.3f\", $b / (4 * $FED_DIM) }")"
done

# 2. X drops after sharing its keys.  Round 2 begins on its own (its
# size is known); every node shares and waits for its update.
t=$(mesh_wait 30 fed_all_phase awaiting-input $NODES)
check "round 2: all eight have shared and await their updates" \
	"$([ "$t" != timeout ] && echo 1)" "${t} s"
agg=$(fed_get A aggregator)
X=
for n in B C D E F G H; do
	[ "${HN_ID[$n]}" != "$agg" ] && X=$n && break
done
rest=
for n in $NODES; do
	[ "$n" != "$X" ] && rest="$rest $n"
done
say "round 2: aggregator $agg, $X drops after sharing its keys"
mesh_stop "$X"
# X comes back before the others hand in their updates: the round still
# waits for them, and X, its shares lost with it, can only wait for the
# round's end (its advert of round 2 comes too late)
mesh_start "$X"
t=$(mesh_wait 30 fed_phase "$X" advertised)
check "$X restarted resumes at round 2 from its state directory" \
	"$([ "$t" != timeout ] && [ "$(fed_get "$X" last_result_round)" = 1 ] &&
	   echo 1)" "${t} s"
# shellcheck disable=SC2086
fed_submit 2 $rest
t=$(mesh_wait 60 fed_done 2 $NODES)
check "round 2 completes on the seven left; $X gets the result" \
	"$([ "$t" != timeout ] && echo 1)" "${t} s"
[ "$t" = timeout ] && mesh_dump $NODES
s=$(fed_survivors A 2)
check "round 2's survivors are the seven" \
	"$([ "$(echo "$s" | wc -w)" = 7 ] &&
	   [[ " $s " != *" ${HN_ID[$X]} "* ]] && echo 1)" "survivors $s"
check "round 2's result is exact at all eight" \
	"$(fed_exact 2 $NODES && echo 1)" "$FED_DIM values"

# 3. the next round: X takes part again
t=$(mesh_wait 30 fed_all_phase awaiting-input $NODES)
check "round 3: all eight, $X included, have shared" \
	"$([ "$t" != timeout ] && echo 1)" "${t} s"
fed_submit 3 $NODES
t=$(mesh_wait 60 fed_done 3 $NODES)
check "round 3 completes on all eight" "$([ "$t" != timeout ] && echo 1)" \
	"${t} s"
s=$(fed_survivors "$X" 3)
check "$X takes part in round 3" \
	"$([ "$s" = "1 2 3 4 5 6 7 8" ] && echo 1)" "survivors $s"
check "round 3 is exact at every node" "$(fed_exact 3 $NODES && echo 1)" \
	"$FED_DIM values"
a=$(mesh_agent_stat A fed_attempts)
check "no round needed a second attempt" "$([ "$a" = 0 ] && echo 1)" \
	"A: fed_attempts $a"
[ "$HN_FAILED" = 0 ] || mesh_dump $NODES

# 4. a FED frame from outside the mesh key
before=$(mesh_agent_stat H rx_bad_bad-mac)
hn_x A "$HNINJECT" fed -i a-app --src 77 --dst 8 --campaign 15 \
	--key "$(openssl rand -hex 32)" --repeat 5 || hn_fail "hn-inject fed"
count_bad()
{
	[ "$(mesh_agent_stat H rx_bad_bad-mac)" -ge $((before + 5)) ]
}
t=$(mesh_wait 5 count_bad)
check "FED frames without the mesh key are dropped and counted at H" \
	"$([ "$t" != timeout ] && echo 1)" \
	"rx_bad_bad-mac $before -> $(mesh_agent_stat H rx_bad_bad-mac)"
mesh_ctl H -j agent stats | python3 -c '
import json, sys
j = json.load(sys.stdin)
print("    H: " + ", ".join("%s %s" % (k, v) for k, v in j.items()
                          if k.startswith("fed_")))'

[ "$HN_FAILED" = 0 ] || exit 1
exit 0
