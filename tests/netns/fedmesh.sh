# SPDX-License-Identifier: GPL-2.0
#
# Federated rounds on eight real agents, shared by test_fedround.sh and
# test_fedcampaign.sh.  Source lib.sh and mesh.sh first.  The mesh is a
# 2x4 ladder (nodes A..H, ids 1..8), every node with at most three
# neighbours, so that whichever node aggregates, most reach it over
# several hops:
#
#   a-app -- a-in [A 1] a-b -- b-a [B 2] b-c -- c-b [C 3] c-d -- d-c [D 4]
#                  a-e              b-f              c-g              d-h
#                   |                |                |                |
#                  e-a              f-b              g-c              h-d
#                 [E 5] e-f ---- f-e [F 6] f-g ---- g-f [G 7] g-h -- h-g [H 8]

FED_NODES="A B C D E F G H"

# fed_ladder: the eight nodes and their links
fed_ladder()
{
	hn_nodes A 1 B 2 C 3 D 4 E 5 F 6 G 7 H 8
	mesh_link A a-b B b-a
	mesh_link B b-c C c-b
	mesh_link C c-d D d-c
	mesh_link E e-f F f-e
	mesh_link F f-g G g-f
	mesh_link G g-h H h-g
	mesh_link A a-e E e-a
	mesh_link B b-f F f-b
	mesh_link C c-g G g-c
	mesh_link D d-h H h-d
}

# fed_roster: an identity key per node ($HN_WORK/id-NODE.key) and the
# campaign roster listing all eight ($HN_WORK/roster)
fed_roster()
{
	local n
	for n in $FED_NODES; do
		"$HNCTL" keygen "$HN_WORK/id-$n.key" "$HN_WORK/id-$n.pub" \
			>/dev/null || hn_fail "keygen $n"
		echo "${HN_ID[$n]} id-$n.pub" >>"$HN_WORK/roster"
	done
}

# fed_agents: start the eight agents with their identity keys.  A loaded
# machine may hold an agent up for a while: neighbours are not declared
# dead for 2 s, a phase waits up to 10 s for all (it closes as soon as
# all are in), the inputs $FED_INPUT_MS (8 s) after the first
fed_agents()
{
	local n
	for n in $FED_NODES; do
		mesh_start "$n" keep-attached=1 \
			"identity-key=$HN_WORK/id-$n.key" dead-hellos=10 \
			fed-phase-ms=10000 "fed-input-ms=${FED_INPUT_MS:-8000}"
	done
}

# fed_get NODE KEY: KEY of NODE's round status ("" without one)
fed_get()
{
	local j
	j=$(mesh_ctl "$1" -j campaign status 2>/dev/null) || { echo ""; return; }
	hn_jget "$j" round "$2"
}

# fed_done R NODES...: 0 when every NODE has round R's result
fed_done()
{
	local r=$1 n
	shift
	for n in "$@"; do
		[ "$(fed_get "$n" last_result_round)" = "$r" ] || return 1
	done
}

# fed_phase NODE PHASE: 0 when NODE's round is in PHASE
fed_phase()
{
	[ "$(fed_get "$1" phase)" = "$2" ]
}

# fed_all_phase PHASE NODES...: 0 when every NODE is in PHASE
fed_all_phase()
{
	local p=$1 n
	shift
	for n in "$@"; do
		fed_phase "$n" "$p" || return 1
	done
}

# fed_survivors NODE R: round R's survivor ids at NODE, space-separated
fed_survivors()
{
	mesh_ctl "$1" -j campaign result --round "$2" | python3 -c '
import json, sys
print(" ".join(str(i) for i in json.load(sys.stdin)["survivors"]))'
}
