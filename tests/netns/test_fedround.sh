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
SECAGG=$HN_OUT/bin/hn-secagg
START=$HN_ROOT/tests/fuzz/corpus/model/stage.hnm
DIM=10000

fed_ladder
mesh_inject A

fed_roster
printf 'validation set\n' >"$HN_WORK/val.bin"
"$HNCTL" campaign create -o "$HN_WORK/c.hnc" --id 15 --model "$START" \
	--valset "$HN_WORK/val.bin" --roster "$HN_WORK/roster" \
	--rounds 10 --steps 10 --lr 0.05 --clip 10 >/dev/null &&
	"$HNCTL" campaign sign "$HN_WORK/c.hnc" --key "$HN_WORK/sign.key" \
		>/dev/null || hn_fail "making the campaign"

# vec R NODE: NODE's update of round R (deterministic), its file name
vec()
{
	local f=$HN_WORK/u$1-$2
	[ -f "$f" ] || "$SECAGG" vec-gen $((1000 * $1 + HN_ID[$2])) $DIM "$f" ||
		hn_fail "vec-gen"
	echo "$f"
}

# submit R NODES...: each NODE's update of round R to its agent
submit()
{
	local r=$1 n out
	shift
	for n in "$@"; do
		out=$(mesh_ctl "$n" campaign submit --round "$r" "$(vec "$r" "$n")" 2>&1) ||
			hn_fail "submit on $n: $out"
	done
}

# exact R NODES...: 0 when every NODE's round R result equals the plain
# sum of the updates of the survivors it names, bit for bit
exact()
{
	local r=$1 n id m files want
	shift
	for n in "$@"; do
		files=
		for id in $(fed_survivors "$n" "$r"); do
			for m in $NODES; do
				[ "${HN_ID[$m]}" = "$id" ] && files="$files $(vec "$r" "$m")"
			done
		done
		want=$HN_WORK/want$r-$n
		# shellcheck disable=SC2086
		"$SECAGG" vec-sum "$want" $files || return 1
		mesh_ctl "$n" campaign result --round "$r" -o "$HN_WORK/got$r-$n" \
			>/dev/null || { echo "    $n: no result" >&2; return 1; }
		cmp "$want" "$HN_WORK/got$r-$n" >&2 || return 1
	done
}

fed_agents
t=$(mesh_wait 30 mesh_converged $NODES)
check "eight agents converge" "$([ "$t" != timeout ] && echo 1)" "${t} s"
[ "$t" = timeout ] && mesh_dump $NODES

out=$(mesh_ctl A campaign start "$HN_WORK/c.hnc" 2>&1)
check "campaign start at A" \
	"$([[ $out == *"verified and spreading"* ]] && echo 1)" "$out"
t=$(mesh_wait 10 fed_done 0 $NODES)
check "all eight run the campaign's rounds" \
	"$([ "$t" != timeout ] && echo 1)" "${t} s"

# 1. a round of all eight
submit 1 $NODES
t=$(mesh_wait 60 fed_done 1 $NODES)
check "round 1 completes on all eight" "$([ "$t" != timeout ] && echo 1)" \
	"${t} s"
[ "$t" = timeout ] && mesh_dump $NODES
s=$(fed_survivors A 1)
check "round 1 sums all eight" "$([ "$s" = "1 2 3 4 5 6 7 8" ] && echo 1)" \
	"survivors $s"
check "round 1's result is the plain sum at every node, bit for bit" \
	"$(exact 1 $NODES && echo 1)" "$DIM values"
mesh_ctl D campaign result --round 1 | sed 's/^/    /'
# what each node sent: round 1, and round 2's adverts and shares
for n in $NODES; do
	b=$(mesh_agent_stat "$n" fed_bytes_tx)
	printf '    %s: %s FED bytes on the wire, %s x its update\n' "$n" "$b" \
		"$(awk "BEGIN { printf \"%.3f\", $b / (4 * $DIM) }")"
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
submit 2 $rest
t=$(mesh_wait 60 fed_done 2 $NODES)
check "round 2 completes on the seven left; $X gets the result" \
	"$([ "$t" != timeout ] && echo 1)" "${t} s"
[ "$t" = timeout ] && mesh_dump $NODES
s=$(fed_survivors A 2)
check "round 2's survivors are the seven" \
	"$([ "$(echo "$s" | wc -w)" = 7 ] &&
	   [[ " $s " != *" ${HN_ID[$X]} "* ]] && echo 1)" "survivors $s"
check "round 2's result is exact at all eight" \
	"$(exact 2 $NODES && echo 1)" "$DIM values"

# 3. the next round: X takes part again
t=$(mesh_wait 30 fed_all_phase awaiting-input $NODES)
check "round 3: all eight, $X included, have shared" \
	"$([ "$t" != timeout ] && echo 1)" "${t} s"
submit 3 $NODES
t=$(mesh_wait 60 fed_done 3 $NODES)
check "round 3 completes on all eight" "$([ "$t" != timeout ] && echo 1)" \
	"${t} s"
s=$(fed_survivors "$X" 3)
check "$X takes part in round 3" \
	"$([ "$s" = "1 2 3 4 5 6 7 8" ] && echo 1)" "survivors $s"
check "round 3 is exact at every node" "$(exact 3 $NODES && echo 1)" \
	"$DIM values"
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
