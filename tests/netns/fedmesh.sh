# SPDX-License-Identifier: GPL-2.0
#
# Federated rounds on real agents, shared by test_fedround.sh,
# test_fedcampaign.sh and bench/fed_mesh.sh.  Source lib.sh and mesh.sh
# first.  The mesh is a 2xK ladder of FED_SIZE nodes (set before sourcing:
# even, 4 to 26, 8 by default), every node with at most three neighbours,
# so that whichever node aggregates, most reach it over several hops.
# The nodes are the first FED_SIZE capital letters, ids 1..FED_SIZE, the
# first half the top row; at 8 (A..H, ids 1..8):
#
#   a-app -- a-in [A 1] a-b -- b-a [B 2] b-c -- c-b [C 3] c-d -- d-c [D 4]
#                  a-e              b-f              c-g              d-h
#                   |                |                |                |
#                  e-a              f-b              g-c              h-d
#                 [E 5] e-f ---- f-e [F 6] f-g ---- g-f [G 7] g-h -- h-g [H 8]
#
# At 16 the top row is A..H, the bottom row I..P (A-I, ..., H-P).

FED_SIZE=${FED_SIZE:-8}
FED_NODES=$(echo {A..Z} | cut -d' ' -f1-"$FED_SIZE")

# fed_ladder: the nodes and their links
fed_ladder()
{
	local nodes k=$((FED_SIZE / 2)) i a b u v

	read -ra nodes <<<"$FED_NODES"
	for i in "${!nodes[@]}"; do
		hn_node "${nodes[$i]}" $((i + 1))
	done
	# each row left to right, then the rungs
	for i in "${!nodes[@]}"; do
		[ $(((i + 1) % k)) = 0 ] && continue
		a=${nodes[$i]} b=${nodes[$((i + 1))]}
		u=${a,,} v=${b,,}
		mesh_link "$a" "$u-$v" "$b" "$v-$u"
	done
	for ((i = 0; i < k; i++)); do
		a=${nodes[$i]} b=${nodes[$((i + k))]}
		u=${a,,} v=${b,,}
		mesh_link "$a" "$u-$v" "$b" "$v-$u"
	done
}

# fed_roster: an identity key per node ($HN_WORK/id-NODE.key) and the
# campaign roster listing them all ($HN_WORK/roster)
fed_roster()
{
	local n
	for n in $FED_NODES; do
		"$HNCTL" keygen "$HN_WORK/id-$n.key" "$HN_WORK/id-$n.pub" \
			>/dev/null || hn_fail "keygen $n"
		echo "${HN_ID[$n]} id-$n.pub" >>"$HN_WORK/roster"
	done
}

# fed_agents: start the agents with their identity keys.  A loaded
# machine may hold an agent up for a while: neighbours are not declared
# dead for 2 s, a phase waits up to $FED_PHASE_MS (10 s) for all (it
# closes as soon as all are in), the inputs $FED_INPUT_MS (8 s) after the
# first
fed_agents()
{
	local n
	for n in $FED_NODES; do
		mesh_start "$n" keep-attached=1 \
			"identity-key=$HN_WORK/id-$n.key" dead-hellos=10 \
			"fed-phase-ms=${FED_PHASE_MS:-10000}" "fed-input-ms=${FED_INPUT_MS:-8000}"
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

# fed_campaign ID "H1 H2 H3" ROUNDS [CREATE-ARGS...]: the starting model
# $HN_WORK/start.hnfp (seed 7, that shape), its 1,000-image validation set
# $HN_WORK/val.bin held out of the training set with the trainers' seed
# 1, and the signed campaign $HN_WORK/c.hnc: ROUNDS rounds of 40 steps,
# lr 0.003, clip 4, max drop 0.01.  Needs $DATA (Fashion-MNIST).
fed_campaign()
{
	local id=$1 h1 h2 h3 rounds=$3

	read -r h1 h2 h3 <<<"$2"
	shift 3
	nice -n 19 "$HN_OUT/bin/hn-fmnist" fed-init --data "$DATA" --seed 7 \
		--hidden "$h1" --bottleneck "$h2" --head-hidden "$h3" \
		-o "$HN_WORK/start.hnfp" --valset-size 1000 \
		--valset-out "$HN_WORK/val.bin" --valset-seed 1 >/dev/null ||
		hn_fail "fed-init"
	"$HNCTL" campaign create -o "$HN_WORK/c.hnc" --id "$id" \
		--model "$HN_WORK/start.hnfp" --valset "$HN_WORK/val.bin" \
		--roster "$HN_WORK/roster" --rounds "$rounds" --steps 40 \
		--lr 0.003 --clip 4 --max-drop 0.01 "$@" >/dev/null &&
		"$HNCTL" campaign sign "$HN_WORK/c.hnc" \
			--key "$HN_WORK/sign.key" >/dev/null ||
		hn_fail "making the campaign"
}

# fed_trainer_cmd NODE NAME: in FED_CMD, the trainer of fed_campaign's
# campaign on NODE's agent, its Dirichlet(0.5) shard, its state
# $HN_WORK/trainer/NAME; ${FED_HNCTL:-$HNCTL}, ${FED_TIMEOUT:-120} s.
# Options added after it go to the trainer.
fed_trainer_cmd()
{
	mkdir -p "$HN_WORK/trainer"
	FED_CMD=(nice -n 19 "$HN_OUT/bin/hn-fmnist" node --data "$DATA"
		--campaign "$HN_WORK/c.hnc" --start "$HN_WORK/start.hnfp"
		--valset "$HN_WORK/val.bin" --state "$HN_WORK/trainer/$2"
		--partition dir:0.5 --nodes "$FED_SIZE"
		--node $((HN_ID[$1] - 1)) --seed 1 --batch 32
		--hnctl "${FED_HNCTL:-$HNCTL}" --ctl "$HN_WORK/state/$1/ctl"
		--timeout "${FED_TIMEOUT:-120}")
}

# fed_logged N NAME PATTERN: 0 when trainer NAME's log
# ($HN_WORK/trainer-NAME.log) has PATTERN N times
fed_logged()
{
	[ "$(grep -c -- "$3" "$HN_WORK/trainer-$2.log" 2>/dev/null)" -ge "$1" ]
}

# fed_all_done: 0 when every node's trainer has finished the campaign
fed_all_done()
{
	local n
	for n in $FED_NODES; do
		fed_logged 1 "$n" "^campaign done" || return 1
	done
}

# fed_decisions NAME: what each round decided at trainer NAME: validation
# before -> after, accepted or not, the digest of the model written
fed_decisions()
{
	sed -n 's/^\(round [0-9]*\):.*\(validation .*\) (.*/\1 \2/p' \
		"$HN_WORK/trainer-$1.log" | sort -u
}

# fed_check_alike ROUNDS WHAT: checks that every node's trainer decided
# each of ROUNDS rounds as A's did and ends with the same model bytes
fed_check_alike()
{
	local n same=1 sums

	for n in $FED_NODES; do
		[ "$(fed_decisions "$n")" = "$(fed_decisions A)" ] || {
			same=0
			echo "    $n differs:" && fed_decisions "$n"
		}
	done
	check "every round, the trainers decide alike and hold the same model" \
		"$([ $same = 1 ] && [ "$(fed_decisions A | wc -l)" = "$1" ] &&
			echo 1)" "$(fed_decisions A | wc -l) rounds$2"
	sums=$(for n in $FED_NODES; do
		sha256sum <"$HN_WORK/trainer/$n/model.hnfp"
	done | sort -u | wc -l)
	check "the final models are the same bytes" \
		"$([ "$sums" = 1 ] && echo 1)" "$sums distinct"
}

# Rounds of plain vectors, no trainer (test_fedround.sh,
# test_fedpartition.sh): each node's update of round R is a deterministic
# HNFV vector of FED_DIM values (hn-secagg vec-gen).
FED_DIM=${FED_DIM:-10000}

# fed_vec_campaign ID ROUNDS: the signed campaign $HN_WORK/c.hnc over a
# stage model of the fuzz corpus and a stand-in validation set (nothing
# here trains or validates)
fed_vec_campaign()
{
	printf 'validation set\n' >"$HN_WORK/val.bin"
	"$HNCTL" campaign create -o "$HN_WORK/c.hnc" --id "$1" \
		--model "$HN_ROOT/tests/fuzz/corpus/model/stage.hnm" \
		--valset "$HN_WORK/val.bin" --roster "$HN_WORK/roster" \
		--rounds "$2" --steps 10 --lr 0.05 --clip 10 >/dev/null &&
		"$HNCTL" campaign sign "$HN_WORK/c.hnc" \
			--key "$HN_WORK/sign.key" >/dev/null ||
		hn_fail "making the campaign"
}

# fed_vec R NODE: NODE's update of round R, its file name
fed_vec()
{
	local f=$HN_WORK/u$1-$2
	[ -f "$f" ] || "$HN_OUT/bin/hn-secagg" vec-gen \
		$((1000 * $1 + HN_ID[$2])) "$FED_DIM" "$f" || hn_fail "vec-gen"
	echo "$f"
}

# fed_submit R NODES...: each NODE's update of round R to its agent
fed_submit()
{
	local r=$1 n out
	shift
	for n in "$@"; do
		out=$(mesh_ctl "$n" campaign submit --round "$r" \
			"$(fed_vec "$r" "$n")" 2>&1) ||
			hn_fail "submit on $n: $out"
	done
}

# fed_exact R NODES...: 0 when every NODE's round R result equals the
# plain sum of the updates of the survivors it names, bit for bit
fed_exact()
{
	local r=$1 n id m files want
	shift
	for n in "$@"; do
		files=
		for id in $(fed_survivors "$n" "$r"); do
			for m in $FED_NODES; do
				[ "${HN_ID[$m]}" = "$id" ] &&
					files="$files $(fed_vec "$r" "$m")"
			done
		done
		want=$HN_WORK/want$r-$n
		# shellcheck disable=SC2086
		"$HN_OUT/bin/hn-secagg" vec-sum "$want" $files || return 1
		mesh_ctl "$n" campaign result --round "$r" \
			-o "$HN_WORK/got$r-$n" >/dev/null ||
			{ echo "    $n: no result" >&2; return 1; }
		cmp "$want" "$HN_WORK/got$r-$n" >&2 || return 1
	done
}

# fed_start: the agents started and converged, the campaign
# $HN_WORK/c.hnc started at A (both checked)
fed_start()
{
	local t out

	fed_agents
	t=$(mesh_wait 30 mesh_converged $FED_NODES)
	check "eight agents converge" "$([ "$t" != timeout ] && echo 1)" \
		"${t} s"
	[ "$t" = timeout ] && mesh_dump $FED_NODES
	out=$(mesh_ctl A campaign start "$HN_WORK/c.hnc" 2>&1)
	check "campaign start at A" \
		"$([[ $out == *"verified and spreading"* ]] && echo 1)" "$out"
}
