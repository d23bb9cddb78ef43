#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench-fed-mesh` (as root; part of `make bench-fed`, not of `make
# check`): a federated campaign on FED_MESH_NODES (16) real hypernetd
# agents on fedmesh.sh's 2x8 ladder, each with its trainer (`hn-fmnist
# node`) beside it: Dirichlet(0.5) shards, the shipped split model shape
# (784-256-48 | 128-10), FED_MESH_ROUNDS (5) rounds of 40 steps x 32
# images, every trainer quantising and installing each accepted model
# (encoder and head files).  Everything runs niced on whatever the
# machine is doing: the JSON says the load.
#
# Nothing here is timed by the bench itself beyond reading clocks; the
# figures come from what the programs already say:
#   - each trainer's stdout, every line stamped when it was written (the
#     trainer flushes after each): "node N: ..." (its data loaded, round 1
#     begins), "round R: ... (D s)" (round R applied and gated, D seconds
#     after the round began at this node), "campaign done";
#   - the trainer's hnctl calls, through a wrapper that stamps each
#     `campaign submit` (the update handed in: local training over) and
#     each `campaign result -o` (the sum fetched), and at each fetch reads
#     the agent's fed_bytes_tx (`agent stats`);
#   - the agents' logs (stamped by hypernetd): "aggregating round R",
#     "round R complete (aggregator X ...)";
#   - `campaign status -j` of the round's aggregator, polled: when its
#     "aggregating" left masked-inputs (every masked input in).
# bench/fed_mesh_report.py turns these into $O/bench/fed-mesh.json; the
# raw logs stay in $O/bench/fed-mesh-logs/.
#
# Environment: FED_MESH_NODES (16), FED_MESH_ROUNDS (5), FED_MESH_SHAPE
# ("256 48 128": hidden bottleneck head_hidden), FMNIST_DATA.
# shellcheck disable=SC2034
# (SC2034: variables lib.sh, mesh.sh and fedmesh.sh read)
set -u
cd "$(dirname "$0")/.." || exit 1
export O=${O:-build}
HN_TAG=hnfm$(($$ % 10000))
FED_SIZE=${FED_MESH_NODES:-16}
ROUNDS=${FED_MESH_ROUNDS:-5}
read -r H1 H2 H3 <<<"${FED_MESH_SHAPE:-256 48 128}"
DATA=${FMNIST_DATA:-/usr/share/datasets/fashion-mnist}
. tests/netns/lib.sh
. tests/netns/mesh.sh
. tests/netns/fedmesh.sh

die() { echo "bench-fed-mesh: $*" >&2; exit 1; }
log() { echo "bench-fed-mesh: $*" >&2; }

[ "$(id -u)" -eq 0 ] || die "needs root (namespaces, XDP, bpffs)"
[ -f "$DATA/train-images-idx3-ubyte.gz" ] ||
	[ -f "$DATA/train-images-idx3-ubyte" ] ||
	die "no Fashion-MNIST in $DATA (dataset-fashion-mnist)"
POLL=
trap '[ -n "$POLL" ] && kill "$POLL" 2>/dev/null; hn_cleanup' EXIT
trap 'exit 130' INT TERM
hn_require
mesh_require hn-fmnist
FM=$HN_OUT/bin/hn-fmnist
LOGS=$HN_OUT/bench/fed-mesh-logs
JSON=$HN_OUT/bench/fed-mesh.json
rm -rf "$LOGS"
mkdir -p "$LOGS" || die "cannot create $LOGS"
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

# No round may close on a straggler: on a busy machine the last of
# sixteen trainers hands its update in long after the first
FED_INPUT_MS=120000
fed_ladder
fed_roster
log "fed-init: the shipped shape $H1-$H2 | $H3"
nice -n 19 "$FM" fed-init --data "$DATA" --seed 7 --hidden "$H1" \
	--bottleneck "$H2" --head-hidden "$H3" -o "$HN_WORK/start.hnfp" \
	--valset-size 1000 --valset-out "$HN_WORK/val.bin" --valset-seed 1 \
	>/dev/null ||
	die "fed-init"
"$HNCTL" campaign create -o "$HN_WORK/c.hnc" --id 16 \
	--model "$HN_WORK/start.hnfp" --valset "$HN_WORK/val.bin" \
	--roster "$HN_WORK/roster" --rounds "$ROUNDS" --steps 40 --lr 0.003 \
	--clip 4 --max-drop 0.01 >/dev/null &&
	"$HNCTL" campaign sign "$HN_WORK/c.hnc" --key "$HN_WORK/sign.key" \
		>/dev/null || die "making the campaign"

# The trainers' hnctl: the real one, its submits and fetches stamped
cat >"$HN_WORK/hnctl-stamp" <<EOF
#!/bin/bash
# -S CTL campaign submit --round R FILE, -S CTL campaign result --round R
# -o FILE (the trainer passes --ctl)
t0=\$EPOCHREALTIME
"$HNCTL" "\$@"
rc=\$?
t1=\$EPOCHREALTIME
case " \$* " in
*" campaign submit "*)
	echo "submit \$t0 \$t1 \$rc \$6 \$(stat -c %s "\$7")" >>"\$FEDLOG" ;;
*" campaign result "*" -o "*)
	echo "fetch \$t0 \$t1 \$rc \$6" >>"\$FEDLOG"
	[ \$rc = 0 ] && v=\$("$HNCTL" -S "\$2" -j agent stats |
		sed -n 's/.*"fed_bytes_tx": *\([0-9]*\).*/\1/p') &&
		echo "bytes \$t1 \$6 \$v" >>"\$FEDLOG" ;;
esac
exit \$rc
EOF
chmod +x "$HN_WORK/hnctl-stamp"

fed_agents
t=$(mesh_wait 120 mesh_converged $FED_NODES)
[ "$t" != timeout ] || die "the $FED_SIZE agents do not converge"
log "$FED_SIZE agents converged in $t s"
out=$(mesh_ctl A campaign start "$HN_WORK/c.hnc" 2>&1)
[[ $out == *"verified and spreading"* ]] || die "campaign start: $out"

# poll: the aggregator's round status, stamped, every 0.2 s
poll()
{
	local j agg
	while :; do
		j=$("$HNCTL" -S "$HN_WORK/state/A/ctl" -j campaign status \
			2>/dev/null)
		agg=$(sed -n 's/.*"aggregator": *\([0-9]*\).*/\1/p' <<<"$j")
		if [ -n "$agg" ] && [ "$agg" -ge 1 ] && [ "$agg" -le "$FED_SIZE" ]; then
			set -- $FED_NODES
			j=$("$HNCTL" -S "$HN_WORK/state/${!agg}/ctl" -j \
				campaign status 2>/dev/null)
			echo "$EPOCHREALTIME $agg $(tr -d ' \n' <<<"$j")"
		fi
		sleep 0.2
	done
}
poll >"$LOGS/poll.log" &
POLL=$!

# stamp: stdin's lines, each after the time it was read
stamp()
{
	local l
	while IFS= read -r l; do
		echo "$EPOCHREALTIME $l"
	done
}
STAMPS=()
for n in $FED_NODES; do
	mkdir -p "$HN_WORK/trainer/$n" "$HN_WORK/edge/$n"
	mkfifo "$HN_WORK/out-$n" || die "mkfifo"
	stamp <"$HN_WORK/out-$n" >"$LOGS/trainer-$n.log" &
	STAMPS+=($!)
	hn_bg "trainer-$n" "$n" env FEDLOG="$LOGS/calls-$n.log" \
		nice -n 19 "$FM" node --data "$DATA" \
		--campaign "$HN_WORK/c.hnc" --start "$HN_WORK/start.hnfp" \
		--valset "$HN_WORK/val.bin" --state "$HN_WORK/trainer/$n" \
		--partition dir:0.5 --nodes "$FED_SIZE" \
		--node $((HN_ID[$n] - 1)) --seed 1 --batch 32 \
		--hnctl "$HN_WORK/hnctl-stamp" --ctl "$HN_WORK/state/$n/ctl" \
		--timeout 900 --encoder-out "$HN_WORK/edge/$n/enc.hnm" \
		--head-out "$HN_WORK/edge/$n/head.hnm" \
		>"$HN_WORK/out-$n" 2>&1
done

all_done()
{
	local n
	for n in $FED_NODES; do
		grep -q "campaign done" "$LOGS/trainer-$n.log" || return 1
	done
}
t=$(mesh_wait $((ROUNDS * 900)) all_done)
[ "$t" != timeout ] || die "the trainers do not finish: $(tail -qn 2 "$LOGS"/trainer-*.log)"
log "$ROUNDS rounds in $t s"
# the last round's aggregator sends its result to every node: let the
# resends settle, then every node's bytes once more
sleep 3
for n in $FED_NODES; do
	"$HNCTL" -S "$HN_WORK/state/$n/ctl" -j agent stats |
		sed -n "s/.*\"fed_bytes_tx\": *\([0-9]*\).*/bytes $EPOCHREALTIME end \1/p" \
		>>"$LOGS/calls-$n.log"
done
kill "$POLL" 2>/dev/null
POLL=
wait "${STAMPS[@]}"
for n in $FED_NODES; do
	cp "$HN_WORK/$n.log" "$LOGS/agent-$n.log"
done
python3 bench/fed_mesh_report.py "$LOGS" "$FED_NODES" \
	"$LOAD0 $(cut -d' ' -f1-3 /proc/loadavg) $(nproc)" \
	"$H1 $H2 $H3" >"$JSON.tmp" || die "report"
mv "$JSON.tmp" "$JSON"
cat "$JSON"
