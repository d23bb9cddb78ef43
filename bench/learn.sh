#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench-learn`: the learned route model against the agents' own
# routing by ETT (B.A.T.M.A.N. V's metric), by load-aware ETT (Babel with
# a cost from measured load) and by hop count, on a real data plane (as
# root; not part of `make check`).
#
# Nine hypernetd agents on the 3x3 grid of tests/netns/lab.sh, every link
# shaped in the wire namespace (LAB_THIN/LAB_MID/LAB_FAT: 4, 4 or 8
# Mbit/s, 50 ms of queue).  Four sources send timestamped frames to I,
# at a light load (about a tenth of the fat path's capacity) and a heavy
# one (110 % of the fat link H->I that every ETT route shares, 73 % of
# what I can take in over H->I and the thin F->I together): a router
# that sends part of it over the idle thin path delivers more, sooner.
# The model quantised from models/route-default.txt (LEARN_MODEL:
# another float model) is signed and pushed at A, as tests/netns/mesh.sh
# does.  Four policies on the same agents and links:
#   learned  the model decides (the agents' margin threshold);
#   ett      the data plane's margin threshold out of reach, so every
#            router forwards on its route's default next hop, the ETT
#            route (route-metric = ett, the default): HyperNet without a
#            model, routing as batman-adv V;
#   hops     the same with the agents restarted at route-metric = hops;
#   ettload  the same at route-metric = ett-load: each link costs its ETT
#            times 1 + its measured utilisation, so the default routes
#            themselves move off loaded links (Babel-like).
# learned and ett alternate on the same agents; hops and ettload run on
# the same mesh after a restart each (hypernetd reloads no
# configuration), orders alternating by round.  LEARN_ROUNDS (4) rounds, each on a mesh built
# afresh.
#
# Each run: LEARN_WARM_MS of traffic without timestamps (the agents' 500 ms
# feature period must see the load before we measure), then LEARN_RUN_MS
# with timestamps; the sinks report one-way latency of those frames, and
# loss is timestamped frames sent minus received.  Ports' byte counters
# before and after each run give every link's load (which paths carried
# the traffic), W's tbf counters the drops per link direction, the
# data plane's forwarding counters the hops per frame, the routes the
# defaults; the agents' neighbour tables and port counters are sampled
# every second.
#
# If $(O)/bin/hn-train exists, its simulation eval (hn-train eval --json)
# of the same model is merged in; else those keys are null.  Writes
# $(O)/bench/learn.json and logs under $(O)/bench/learn-logs; prints a
# table with PASS/MISS.  Settings: LEARN_ROUNDS, LEARN_WARM_MS (3000),
# LEARN_RUN_MS (12000), LEARN_LEN (1000), LEARN_LIGHT and LEARN_HEAVY
# (flows), LAB_THIN/LAB_MID/LAB_FAT (kbit/s), LAB_QUEUE_MS (50), NICE
# (-10), LEARN_NAME (another name for the results), LEARN_LOSS_MS (100,
# the least a lost frame costs in the figures).
set -u
. "$(dirname "$0")/../tests/netns/lib.sh"
trap hn_cleanup EXIT
trap 'exit 1' INT TERM
hn_require
. "$(dirname "$0")/../tests/netns/mesh.sh"
mesh_require
. "$(dirname "$0")/../tests/netns/lab.sh"
lab_require

OUT=$HN_OUT/bench
# LEARN_NAME: another name for the results (variants of the lab)
NAME=${LEARN_NAME:-learn}
LOGS=$OUT/$NAME-logs
WARM_MS=${LEARN_WARM_MS:-3000}
RUN_MS=${LEARN_RUN_MS:-12000}
LEN=${LEARN_LEN:-1000}		# payload bytes: frames of 1034
ROUNDS=${LEARN_ROUNDS:-4}	# rounds: even, for as many of each order
NICE=${NICE:--10}		# nice level of the senders and sinks
NODES="A B C D E F G H I"
# SRC:DST:FPS[:CLASS] flows, one traffic class each as in the trainer's
# simulator (decisions are per destination and class).  The agents'
# default next hops route by ETT (Documentation/agent.rst, Link cost),
# so without a model the flows take the fat links; the heavy load fills
# them, and a model earns its keep by spreading flows onto thin ones.
LIGHT=${LEARN_LIGHT:-"A:I:30:0 B:I:25:1 D:I:30:2 G:I:20:3"}
HEAVY=${LEARN_HEAVY:-"A:I:300:0 B:I:250:1 D:I:300:2 G:I:200:3"}
# Link capacities (kbit/s): low enough that the heavy load stays a
# thousand frames a second, which a busy 2-core host forwards without
# becoming the bottleneck itself.  The thin links are half the fat ones,
# not a quarter: a router may only send to a neighbour closer to the
# destination by ETT than itself (loop-free candidates), and with 2
# Mbit/s on C-F and F-I no router that carries a flow had F among its
# candidates to I: the spare capacity was out of every decision's reach
# (the first run of this lab measured exactly that).  At 4 Mbit/s B may
# go through C or A, and E through F.
export LAB_THIN=${LAB_THIN:-4000} LAB_MID=${LAB_MID:-4000}
export LAB_FAT=${LAB_FAT:-8000}
rm -rf "$LOGS"
mkdir -p "$LOGS"

# port_bytes: "NODE PORT tx_bytes" for every router port.
port_bytes()
{
	local n p
	for n in $NODES; do
		for p in ${MESH_PORTS[$n]}; do
			echo "$n $p $(hn_x "$n" cat \
				/sys/class/net/"$p"/statistics/tx_bytes)"
		done
	done
}

# sample_neigh TAG: every node's neighbour table (features) and its
# ports' byte counters once a second until killed, a JSON line per node.
sample_neigh()
{
	local tag=$1 n p tx
	while :; do
		for n in $NODES; do
			tx=
			for p in ${MESH_PORTS[$n]}; do
				tx="$tx${tx:+, }\"$p\": $(hn_x "$n" cat \
					/sys/class/net/"$p"/statistics/tx_bytes)"
			done
			printf '{"t": %s, "node": "%s", "tx": {%s}, "neigh": %s}\n' \
				"$(date +%s.%N)" "$n" "$tx" \
				"$(mesh_ctl "$n" -j neighbours 2>/dev/null ||
				   echo null)"
		done
		sleep 1
	done >"$LOGS/$tag.neigh.jsonl"
}

# run TAG FLOWS: one measured run; results in $LOGS/TAG.*.
run()
{
	local tag=$1 flows=$2 f src dst fps sinks= s pids=() i=0
	for f in $flows; do
		dst=${f#*:}
		dst=${dst%%:*}
		case " $sinks " in *" $dst "*) ;; *) sinks="$sinks $dst" ;; esac
	done
	for s in $sinks; do
		hn_bg "sink-$s" "$s" nice -n "$NICE" "$HNPKT" recv -j \
			--match-dst "${HN_ID[$s]}" \
			--match-type data --timeout-ms 0 \
			--latency-out "$LOGS/$tag.lat.$s" \
			--ready "$LOGS/$tag.rdy.$s" >"$LOGS/$tag.recv.$s"
		hn_wait_file "$LOGS/$tag.rdy.$s"
	done
	for n in $NODES; do
		hn_ctl "$n" stats reset >/dev/null 2>&1
		# the defaults the shortest path takes, for the report
		hn_ctl "$n" -j routes >"$LOGS/$tag.routes.$n" 2>/dev/null
	done
	port_bytes >"$LOGS/$tag.ports0"
	lab_qdisc_json >"$LOGS/$tag.qdisc0"
	sample_neigh "$tag" &
	local sampler=$!
	for f in $flows; do
		IFS=: read -r src dst fps cls <<<"$f"
		i=$((i + 1))
		# warm-up without timestamps, then the measured part: the
		# sinks time only timestamped frames
		(
			hn_x "$src" nice -n "$NICE" "$HNPKT" send -j \
				-i "${src,,}-app" \
				--src "${HN_ID[$src]}" --dst "${HN_ID[$dst]}" \
				--len "$LEN" --rate "$fps" --seq 0 \
				--class "${cls:-0}" \
				--duration-ms "$WARM_MS" \
				>"$LOGS/$tag.warm.$i.$src-$dst"
			hn_x "$src" nice -n "$NICE" "$HNPKT" send -j \
				-i "${src,,}-app" \
				--src "${HN_ID[$src]}" --dst "${HN_ID[$dst]}" \
				--len "$LEN" --rate "$fps" --seq 10000000 \
				--class "${cls:-0}" \
				--timestamp --duration-ms "$RUN_MS" \
				>"$LOGS/$tag.send.$i.$src-$dst"
		) &
		pids+=($!)
	done
	wait "${pids[@]}"
	# the longest queue is 50 ms a hop: let the last frames land
	sleep 0.5
	port_bytes >"$LOGS/$tag.ports1"
	kill "$sampler" 2>/dev/null
	wait "$sampler" 2>/dev/null
	for s in $sinks; do
		hn_stop "sink-$s"
	done
	for n in $NODES; do
		hn_ctl "$n" -j stats >"$LOGS/$tag.stats.$n" 2>/dev/null
	done
	lab_qdisc_json >"$LOGS/$tag.qdisc1"
}

# The model of models/route-default.txt (`make train-model` regenerates
# it), from a copy: the lab and the simulator's eval must judge the same
# model even if the file changes meanwhile.
MODEL_TXT=${LEARN_MODEL:-$HN_ROOT/models/route-default.txt}
cp "$MODEL_TXT" "$LOGS/model.txt" || hn_fail "no model $MODEL_TXT"
echo "3x3 grid, links $LAB_THIN/$LAB_MID/$LAB_FAT kbit/s (thin/mid/fat), tbf queues ${LAB_QUEUE_MS} ms" \
	>"$LOGS/topology"

# policy learned|ett|hops|ettload: every router forwards on its routes'
# defaults (margin threshold out of reach: every decision falls back to
# the default, counted as fb_margin) or as the model says (the agents'
# own margin threshold, MARGIN).  The agents' route-metric (ett, hops or
# ett-load) is set by agents_start; here only the data plane's margin.
policy()
{
	local m=$MARGIN n
	[ "$1" = learned ] || m=2147483647
	for n in $NODES; do
		hn_ctl "$n" config margin "$m" >/dev/null ||
			hn_fail "margin $m at $n"
	done
}

# lab_settled METRIC: 0 once every agent runs METRIC, has a route to the
# eight others, every link in its topology costs what METRIC says
# (hops: 256 each; ett and ett-load, idle: the airtime at the link's
# capacity, never 256 at these rates) and the routes' default next hops
# of all nine are the same
# as at the previous call.  Polled once a second by agents_start: the
# routes have converged when two polls in a row agree.
lab_settled()
{
	local metric=$1 n sig=
	for n in $NODES; do
		sig="$sig $n:$({ mesh_ctl "$n" -j agent status &&
			mesh_ctl "$n" -j topology &&
			hn_ctl "$n" -j routes; } 2>/dev/null |
			python3 -c '
import json, sys
metric = sys.argv[1]
dec = json.JSONDecoder()
text, docs, i = sys.stdin.read(), [], 0
while i < len(text):
    while i < len(text) and text[i].isspace():
        i += 1
    if i < len(text):
        d, i = dec.raw_decode(text, i)
        docs.append(d)
if len(docs) != 3:
    sys.exit(1)
st, topo, routes = docs
links = topo.get("links") or []
ok = (st.get("route_metric") == metric and st.get("routes") == 8 and
      len(links) >= 12 and
      all((l["cost"] == 256) == (metric == "hops") and l["cost"] < 65535
          for l in links))
if not ok:
    sys.exit(1)
print(",".join("%s>%s" % (r.get("dst"), r.get("default_neigh"))
               for r in sorted(routes, key=lambda r: r.get("dst"))))
' "$metric")" || { LAB_SIG=; return 1; }
	done
	[ "$sig" = "${LAB_SIG:-}" ] && return 0
	LAB_SIG=$sig
	return 1
}

# agents_start METRIC: (re)start the nine agents with route-metric
# METRIC and wait until the routes converge (lab_settled) and the model
# is back (pushed once a round; a restart restores it from the state
# directory).  hypernetd does not reload its configuration (SIGHUP says
# so), hence the restart, with keep-attached = 0 so that no route of the
# old metric survives in a data plane.
agents_start()
{
	local metric=$1 n t0 t
	for n in $NODES; do
		mesh_stop "$n"
	done
	t0=$(date +%s.%N)
	for n in $NODES; do
		lab_conf "$n" keep-attached=0 route-metric="$metric"
		mesh_start "$n"
	done
	LAB_SIG=
	t=$(mesh_wait 60 lab_settled "$metric")
	[ "$t" = timeout ] || [ -z "$t" ] &&
		hn_fail "the agents (route-metric $metric) did not converge in 60 s"
	if [ -n "${MESH_GEN:-}" ]; then
		mesh_wait 20 mesh_model_all $NODES >/dev/null ||
			hn_fail "the model was not restored on all nine"
	fi
	echo "  round $r: route-metric $metric, routes settled in $(awk \
		"BEGIN { printf \"%.1f\", $(date +%s.%N) - $t0 }") s"
}

# block METRIC ORDER: the runs of the policies in ORDER, at light then
# heavy load, on agents routing by METRIC.
block()
{
	local metric=$1 order=$2 load phase
	[ "$(mesh_agent_get A route_metric)" = "$metric" ] ||
		agents_start "$metric"
	for load in light heavy; do
		for phase in $order; do
			echo "  round $r: $load / $phase ..."
			policy "$phase"
			if [ "$load" = light ]; then
				run "$phase-$load-r$r" "$LIGHT"
			else
				run "$phase-$load-r$r" "$HEAVY"
			fi
			# drain the queues, let the features come back down
			sleep 2
			echo "$phase $load $(date +%s.%N)" >>"$LOGS/order"
		done
	done
}

# Rounds, each on a mesh built afresh: which of the equal-cost paths a
# route's default takes depends on the order the LSAs arrived in (the
# default sticks to the first one installed), so one mesh is one draw of
# those tie-breaks.  The model is pushed once a round, before any run.
# "learned" and "ett" take turns on the same agents, defaults and model,
# only the data plane's margin threshold telling them apart; "hops" runs
# on the same mesh with the agents restarted at route-metric = hops.
# "ettload" likewise at route-metric = ett-load.  Orders alternate from
# round to round (odd: ett, learned, then hops, then ettload; even:
# ettload, then hops, then learned, ett), so that what a run leaves
# behind and the restarts weigh on all alike.
echo "bench-learn: 3x3 grid of hypernetd agents, links shaped in a wire namespace"
: >"$LOGS/order"
for r in $(seq "$ROUNDS"); do
	if [ "$r" -gt 1 ]; then
		hn_cleanup
		hn_require
		mesh_require
	fi
	MESH_GEN=
	lab_grid3
	first=ett
	[ $((r % 2)) -eq 0 ] && first=ett-load
	agents_start "$first"
	mesh_model "$HN_WORK/learn.hnm" 1 "$LOGS/model.txt"
	MESH_GEN=1
	mesh_ctl A model push "$HN_WORK/learn.hnm" >/dev/null ||
		hn_fail "model push at A"
	t=$(mesh_wait 20 mesh_model_all $NODES)
	[ "$t" = timeout ] && hn_fail "the model did not reach all nine"
	echo "  round $r: model on all nine in ${t} s"
	MARGIN=$(hn_ctl A -j config | python3 -c \
		'import json, sys; print(json.load(sys.stdin)["margin"])') ||
		hn_fail "no data-plane config at A"
	# let probes and utilisation settle before the first run
	sleep 2
	if [ "$first" = ett ]; then
		block ett "ett learned"
		block hops hops
		block ett-load ettload
	else
		block ett-load ettload
		block hops hops
		block ett "learned ett"
	fi
	for n in $NODES; do
		cp "$HN_WORK/$n.log" "$LOGS/agent.r$r.$n.log" 2>/dev/null
		cp "$HN_WORK/$n.conf" "$LOGS/agent.r$r.$n.conf" 2>/dev/null
	done
done

SIM=
if [ -x "$HN_OUT/bin/hn-train" ]; then
	echo "  hn-train eval (simulation) ..."
	if "$HN_OUT/bin/hn-train" eval --model "$LOGS/model.txt" \
		--json "$LOGS/sim.json" \
		>"$LOGS/sim.log" 2>&1; then
		SIM=$LOGS/sim.json
	else
		echo "  hn-train eval failed: see $LOGS/sim.log"
	fi
fi

python3 "$(dirname "$0")/learn_report.py" "$LOGS" "$OUT/$NAME.json" \
	"${SIM:-}" "$LIGHT" "$HEAVY" "$WARM_MS" "$RUN_MS" "$LEN" "$ROUNDS" \
	"${LEARN_LOSS_MS:-100}"
