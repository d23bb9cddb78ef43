#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Training campaigns spreading between three real hypernetd agents, over
# HyperNet control frames only (no IP), on a line of namespaces:
#
#   a-app -- a-in [A 1] a-b ---- b-a [B 2] b-c ---- c-b [C 3]
#
# Each agent has its own identity key (identity-key); the campaign's
# roster lists the three public halves.  Checks:
#   1. a campaign signed with the trusted key and started at A is held,
#      verified, by all three (idle, waiting for rounds; each in the
#      roster under its own identity key);
#   2. a campaign signed by an untrusted key, flooded from A's injection
#      port by a mesh insider, is refused on all three with the reason
#      (bad-signature), and they keep the first;
#   3. C's agent, restarted, holds the campaign again from its state
#      directory;
#   4. a stop (a later generation with the STOPPED flag) started at C
#      reaches A and B, which then hold the campaign as stopped.
# Exits 0 when all pass, 77 (SKIPPED) without root or namespaces.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mesh.sh"
hn_start
mesh_require hn-inject

NODES="A B C"
START=$HN_ROOT/tests/fuzz/corpus/model/stage.hnm

hn_nodes A 1 B 2 C 3
mesh_link A a-b B b-a
mesh_link B b-c C c-b
mesh_inject A

# Identity keys, one per node, and the roster of their public halves.
for n in $NODES; do
	"$HNCTL" keygen "$HN_WORK/id-$n.key" "$HN_WORK/id-$n.pub" >/dev/null ||
		hn_fail "keygen $n"
	echo "${HN_ID[$n]} id-$n.pub" >>"$HN_WORK/roster"
done
printf 'validation set\n' >"$HN_WORK/val.bin"

# campaign OUT SIGNKEY [OPTION...]: campaign 42 on the roster, signed
campaign()
{
	local out=$1 key=$2
	shift 2
	"$HNCTL" campaign create -o "$out" --id 42 --model "$START" \
		--valset "$HN_WORK/val.bin" --roster "$HN_WORK/roster" \
		--rounds 5 --steps 10 --lr 0.05 --clip 10 "$@" >/dev/null &&
		"$HNCTL" campaign sign "$out" --key "$key" >/dev/null ||
		hn_fail "making $out"
}

# cp_get NODE KEY: KEY of NODE's campaign status
cp_get()
{
	local j
	j=$(mesh_ctl "$1" -j campaign status 2>/dev/null) || { echo ""; return; }
	hn_jget "$j" "$2"
}

# cp_all STATE GEN NODES...: 0 when all hold generation GEN in STATE
cp_all()
{
	local st=$1 gen=$2 n
	shift 2
	for n in "$@"; do
		[ "$(cp_get "$n" state)" = "$st" ] &&
			[ "$(cp_get "$n" generation)" = "$gen" ] || return 1
	done
}

# cp_refused NODES...: 0 when each has refused a campaign (bad signature)
cp_refused()
{
	local n j
	for n in "$@"; do
		j=$(mesh_ctl "$n" -j campaign status 2>/dev/null) || return 1
		echo "$j" | python3 -c '
import json, sys
j = json.load(sys.stdin)
r = j.get("last_refused") or {}
sys.exit(not (r.get("reason") == "bad-signature" and
              "trusted keys" in r.get("message", "")))' || return 1
	done
}

for n in $NODES; do
	mesh_start "$n" keep-attached=1 "identity-key=$HN_WORK/id-$n.key"
done
t=$(mesh_wait 15 mesh_converged $NODES)
check "three agents converge" "$([ "$t" != timeout ] && echo 1)" "${t} s"
[ "$t" = timeout ] && mesh_dump $NODES
idb=$(mesh_agent_get B identity)
check "B's status shows its identity key" \
	"$([ "$idb" = "$(cut -c1-64 "$HN_WORK/id-B.pub")" ] && echo 1)" "$idb"

# 1. start at A reaches all
campaign "$HN_WORK/c1.hnc" "$HN_WORK/sign.key"
out=$(mesh_ctl A campaign start "$HN_WORK/c1.hnc" 2>&1)
check "campaign start at A" \
	"$([[ $out == *"verified and spreading"* ]] && echo 1)" "$out"
t=$(mesh_wait 5 cp_all idle 1 $NODES)
check "campaign 42 verified on all three" \
	"$([ "$t" != timeout ] && echo 1)" "${t} s"
for n in $NODES; do
	m=$(cp_get "$n" member)
	check "$n is in the roster under its identity key" \
		"$([ "$m" = yes ] && echo 1)" "member: $m"
done
[ "$t" = timeout ] && mesh_dump $NODES
want=$("$HNCTL" -j campaign show "$HN_WORK/c1.hnc" | python3 -c '
import json, sys
print(json.load(sys.stdin)["digest"])')
got=$(cp_get C digest)
check "C holds the very campaign started (digest)" \
	"$([ "$got" = "$want" ] && echo 1)" "$got"
mesh_ctl B campaign status | sed 's/^/    /'

# 2. untrusted signer: refused everywhere with the reason
"$HNCTL" keygen "$HN_WORK/evil.key" "$HN_WORK/evil.pub" >/dev/null
campaign "$HN_WORK/evil.hnc" "$HN_WORK/evil.key" --generation 7
out=$(mesh_ctl A campaign start "$HN_WORK/evil.hnc" 2>&1)
check "hnctl campaign start refuses the untrusted campaign at A" \
	"$([[ $out == *bad-signature* || $out == *"trusted keys"* ]] &&
	   echo 1)" "$out"
hn_x A "$HNINJECT" campaign -i a-app --src 77 --key "$MESH_KEY" \
	"$HN_WORK/evil.hnc" || hn_fail "hn-inject campaign"
t=$(mesh_wait 5 cp_refused $NODES)
check "untrusted campaign refused on all three (bad-signature)" \
	"$([ "$t" != timeout ] && echo 1)" "${t} s"
mesh_ctl C campaign status | sed 's/^/    /'
check "all three still hold generation 1" \
	"$(cp_all idle 1 $NODES && echo 1)" \
	"$(for n in $NODES; do printf '%s:%s ' "$n" "$(cp_get "$n" generation)"; done)"

# 3. a restarted agent keeps it
mesh_stop C
mesh_start C
t=$(mesh_wait 10 cp_all idle 1 C)
check "C restarted holds campaign 42 again" \
	"$([ "$t" != timeout ] && echo 1)" \
	"${t} s, from $(cp_get C from)"
check "... restored from its state directory" \
	"$([ "$(cp_get C from)" = state-dir ] && echo 1)" "$(cp_get C from)"
mesh_wait 15 mesh_converged $NODES >/dev/null

# 4. a stop started at C spreads
campaign "$HN_WORK/stop.hnc" "$HN_WORK/sign.key" --generation 2 --stopped
out=$(mesh_ctl C campaign start "$HN_WORK/stop.hnc" 2>&1)
check "campaign start refuses a stopped file (stop is for that)" \
	"$([[ $out == *"is a stopped campaign"* ]] && echo 1)" "$out"
out=$(mesh_ctl C campaign stop "$HN_WORK/stop.hnc" 2>&1)
check "campaign stop at C" \
	"$([[ $out == *"verified and spreading"* ]] && echo 1)" "$out"
t=$(mesh_wait 5 cp_all stopped 2 $NODES)
check "stop reached all three" "$([ "$t" != timeout ] && echo 1)" "${t} s"
out=$(mesh_ctl A campaign start "$HN_WORK/c1.hnc" 2>&1)
check "the old generation is refused after the stop" \
	"$([[ $out == *"not newer"* ]] && echo 1)" "$out"
mesh_ctl A campaign status | sed 's/^/    /'

if [ $HN_FAILED -gt 0 ]; then
	for n in $NODES; do
		echo "--- $n log:"
		grep -i campaign "$HN_WORK/$n.log" | tail -5
	done
	echo "test_campaign: $HN_FAILED check(s) failed"
	exit 1
fi
echo "test_campaign: all checks passed"
