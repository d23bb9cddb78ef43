#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The HyperNet demo (`make demo`, as root): six hypernetd agents on a grid
# of network namespaces whose links are shaped to 4, 6 and 8 Mbit/s find
# each other, route by ETT, take a signed model update, carry traffic with
# and without it side by side (a loaded fat path, an idle thinner one), show
# one decision hop by hop, lose a node and get it back; a short report at
# the end.  Everything it creates (namespaces, bpffs mounts, agents) is
# removed on exit.
#
# Figures are printed, never judged: the machine's noise could flip a
# comparison.  What fails the demo is what must not happen on any host:
# no convergence, a model that does not spread, or frames lost where the
# load is far below every link's capacity.  DEMO_FRAMES (300),
# DEMO_RUN_MS (3000), DEMO_HEAVY_FPS (1050), DEMO_LIGHT_FPS (100).
set -u
. "$(dirname "$0")/../tests/netns/lib.sh"
trap hn_cleanup EXIT
trap 'exit 1' INT TERM

hn_need_root demo
hn_require
. "$(dirname "$0")/../tests/netns/mesh.sh"
mesh_require
. "$(dirname "$0")/../tests/netns/lab.sh"
lab_require

N=${DEMO_FRAMES:-300}
RUN_MS=${DEMO_RUN_MS:-3000}
WARM_MS=1500	# the agents' load features need a sample period or two
# 1034-byte frames (1048 on the wire): 1050 a second is 110 % of the fat
# path's 8 Mbit/s, 100 a second a tenth of it
HEAVY=${DEMO_HEAVY_FPS:-1050}
LIGHT=${DEMO_LIGHT_FPS:-100}
NODES="A B C D E F"

# traffic SEQ: N small frames A -> F, none of which may be lost (they fit
# every queue even in one burst); sets GOT, VIA_C, VIA_E.
traffic()
{
	local j
	j=$(mesh_grid6_send "$N" "$1") || exit 1
	GOT=$(hn_jget "$j" unique)
	VIA_C=$(hn_jget "$j" devs f-c)
	VIA_E=$(hn_jget "$j" devs f-e)
	# a port F lost with a dead neighbour carried nothing
	VIA_C=${VIA_C:-0} VIA_E=${VIA_E:-0}
	[ "$GOT" = "$N" ] || { mesh_dump $NODES; hn_fail \
		"only $GOT of $N frames reached F on a mesh that had converged"; }
}

transit()
{
	local n out=
	for n in B C D E; do
		[ -e "/run/netns/${HN_TAG}-$n" ] || continue
		out="$out $n:$(hn_stat "$n" fwd_redirect)"
	done
	echo "$out"
}

# margin M: the data planes' margin threshold; out of reach, every
# decision takes the route's default next hop, the ETT route.
margin()
{
	local n
	for n in $NODES; do
		hn_ctl "$n" config margin "$1" >/dev/null ||
			hn_fail "hnctl config margin $1 at $n"
	done
}

# flow TAG FPS: FPS frames a second from A to F for RUN_MS (after WARM_MS
# untimed), half in class 0 and half in class 1 (the model decides per
# destination and class, and moves each a step at a time: splits,
# Documentation/learned-routing.rst); prints "mean_ms p99_ms
# loss_pct via_c via_e" from F's one-way latency samples.
flow()
{
	local tag=$1 fps=$(($2 / 2)) cls pids=() lat=$HN_WORK/$1.lat
	hn_bg "sink-$tag" F "$HNPKT" recv -j -i "$(mesh_grid6_f_ports)" \
		--match-dst 6 --match-type data \
		--timeout-ms 0 --latency-out "$lat" \
		--ready "$HN_WORK/$tag.rdy" >"$HN_WORK/$tag.recv"
	hn_wait_file "$HN_WORK/$tag.rdy"
	for cls in 0 1; do
		(
			hn_pkt A send -q -i a-app --src 1 --dst 6 --len 1000 \
				--rate "$fps" --class "$cls" \
				--seq $((cls * 1000000)) --duration-ms "$WARM_MS"
			# the sink counts a (source, seq) once: a range each
			hn_pkt A send -j -i a-app --src 1 --dst 6 --len 1000 \
				--rate "$fps" --class "$cls" \
				--seq $((10000000 + cls * 1000000)) \
				--timestamp --duration-ms "$RUN_MS" \
				>"$HN_WORK/$tag.send.$cls"
		) &
		pids+=($!)
	done
	wait "${pids[@]}"
	sleep 0.3 # a queue holds at most 50 ms
	hn_stop "sink-$tag"
	python3 - "$lat" "$HN_WORK/$tag.recv" "$HN_WORK/$tag.send".* <<'EOF'
import json, sys
lat = sorted(int(x) for x in open(sys.argv[1]) if x.strip())
recv = json.load(open(sys.argv[2]))
sent = sum(json.load(open(p)).get('rounds', 0) for p in sys.argv[3:])
devs = recv.get('devs') or {}
mean = sum(lat) / len(lat) / 1e6 if lat else 0
p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))] / 1e6 if lat else 0
loss = 100.0 * (sent - len(lat)) / sent if sent else 100.0
print('%.2f %.2f %.1f %d %d %d' % (mean, p99, loss, devs.get('f-c', 0),
                                   devs.get('f-e', 0), sent - len(lat)))
EOF
}

# trace_hops: one frame A -> F with tracing on at every router, then each
# router's decision for it, from A until F.
trace_hops()
{
	local n j out i=0
	for n in $NODES; do
		hn_ctl "$n" config trace on >/dev/null || hn_fail "trace on at $n"
	done
	j=$(hn_transfer F "$(mesh_grid6_f_ports)" A a-app 1 6 1 9000 1000 3000)
	[ "$(hn_jget "$j" unique)" = 1 ] || hn_fail "the traced frame was lost"
	n=A
	while [ "$n" != F ] && [ $i -lt 6 ]; do
		out=$(trace_hop "$n") || hn_fail "no decision for F traced at $n"
		say "${out#*|}"
		n=${out%%|*}
		i=$((i + 1))
	done
	for n in $NODES; do
		hn_ctl "$n" config trace off >/dev/null
	done
}

# trace_hop NODE: "NEXT|what NODE decided" for the traced frame to F,
# candidates named by node (hnctl trace, routes and neighbours).
trace_hop()
{
	python3 - "$1" "$(hn_ctl "$1" -j trace)" "$(hn_ctl "$1" -j routes)" \
		"$(mesh_ctl "$1" -j neighbours)" <<'EOF'
import json, sys
node = sys.argv[1]
tr, routes, nb = (json.loads(a) for a in sys.argv[2:])
tr = [t for t in tr if t.get('dst') == 6]
if not tr:
    sys.exit(1)
t = max(tr, key=lambda t: t['time_ns'])
name = {e.get('index'): 'ABCDEF'[int(e['node']) - 1]
        for e in (nb.get('dataplane') or [])}
via = next((r.get('via') or [] for r in routes if r.get('dst') == 6), [])
cands = []
for i, sc in enumerate(t.get('scores') or []):
    nm = name.get(via[i]['neigh'], '?') if i < len(via) else '?'
    mark = ' (ETT default)' if i < len(via) and via[i].get('default') else ''
    cands.append('%s %d%s' % (nm, sc, mark))
nxt = name.get(t.get('neigh'))
if nxt is None:
    sys.exit(1)
how = t.get('reason')
if len(t.get('scores') or []) == 1:
    how += ', the only loop-free candidate'
elif t.get('has_model'):
    how += ', lead %d' % t.get('margin', 0)
print('%s|%s: scores %s -> %s (%s)' % (
    nxt, node, ', '.join(cands) if cands else 'none', nxt, how))
EOF
}

printf "${HN_B}HyperNet demo: a mesh of hypernetd agents with a learned data plane${HN_R}\n"
cat <<'EOF2'

    a-app -- a-in [A 1] a-b ---6--- b-a [B 2] b-c ---6--- c-b [C 3]
                   a-d                   b-e                 c-f
                    8                     4                   6
                   d-a                   e-b                 f-c
                  [D 4] d-e ---8----- e-d [E 5] e-f ---8--- f-e [F 6]

   Six network namespaces, one hypernetd each, joined through a seventh
   ("wire") where each direction of a link is shaped by tbf to its
   capacity in Mbit/s (4, 6 or 8) with a 50 ms queue.  The agents load
   the XDP router, discover neighbours by HELLO, flood link state through
   the data plane, and write routes into its maps.  Links cost their ETT
   (ETX x airtime at their capacity, as batman-adv's B.A.T.M.A.N. V), so
   A's route to F takes the fat bottom path (3 x 1500 us); B, 2 x 2000 us
   from F over the top, is closer to F than A is, so A may also send
   through B (a loop-free candidate; a thinner top path would not be
   one).  A's packet socket sends on a-app, so A's router decides for
   what A sends.
EOF2

step "1. Start six agents and wait until every node has a route to every other"
lab_grid6 6000 4000 8000
t0=$(date +%s.%N)
# A busy host can keep an agent off the CPU for a few hundred ms: with the
# default liveness (stale-ms 450, 3 HELLOs) that alone could drop frames
# at light load, where the demo allows none.  A node's death is shown by
# its ports vanishing, which the agents see at once.
for n in $NODES; do
	lab_conf "$n" keep-attached=1 stale-ms=1500 dead-hellos=8
	mesh_start "$n"
done
T_CONV=$(mesh_log_wait 30 "$t0" "routes to 5 nodes" $NODES)
[ "$T_CONV" = timeout ] && hn_fail "the mesh did not converge in 30 s"
mesh_wait 10 mesh_converged $NODES >/dev/null ||
	hn_fail "the agents do not report 5 routes each"
say "converged ${T_CONV} s after the agents started"
say "the mesh as A sees it (hnctl topology, Graphviz DOT; cost = ETT in us):"
mesh_ctl A topology dot | indent
say "A's neighbours and routes (hnctl neighbours / routes):"
mesh_ctl A neighbours | indent
mesh_ctl A routes | indent

step "2. Traffic from A to F (no model yet: the ETT routes)"
traffic 1000
say "$GOT of $N frames reached F: $VIA_C through C, $VIA_E through E"

step "3. Sign a route model and push it at A (hnctl keygen / model sign / model push)"
mesh_model "$HN_WORK/gen1.hnm" 1
t0=$(date +%s.%N)
mesh_ctl A model push "$HN_WORK/gen1.hnm" | indent
T_MODEL=$(mesh_log_wait 20 "$t0" "model generation 1 .*installed" $NODES)
[ "$T_MODEL" = timeout ] && hn_fail "the model did not reach every node"
say "every node verified and installed generation 1 within ${T_MODEL} s:"
for n in $NODES; do
	printf '%s:gen%s ' "$n" "$(mesh_agent_get "$n" model_generation)"
done | indent
echo
out=$(mesh_ctl A model push "$HN_WORK/gen1.hnm" 2>&1)
say "pushing the same generation again is refused:"
echo "$out" | indent
MARGIN=$(hn_ctl A -j config | python3 -c \
	'import json, sys; print(json.load(sys.stdin)["margin"])') ||
	hn_fail "no data-plane config at A"

step "4. What the model is for: ETT alone against ETT with the model"
cat <<EOF2 | indent
A sends 1034-byte frames to F for $((RUN_MS / 1000)) s, in two traffic classes: at $LIGHT
frames/s (a tenth of the fat path) and at $HEAVY frames/s (110 % of the fat
path's 8 Mbit/s; A can send 14 Mbit/s over the fat and the top path
together).  "ETT alone": every router's margin threshold out of reach,
so each takes its route's default next hop, the ETT route (HyperNet
without a model, routing as batman-adv V).  "With the model": the model
decides, and when its pick changes the traffic follows a quarter every
500 ms (split-step), so that the idle path fills without overfilling.
Latency is one way, A's send stamp to F's receive stamp;
"via C/E": the frames F got through C and through E, warm-up included.
EOF2
declare -A R
for load in light heavy; do
	fps=$LIGHT
	[ $load = heavy ] && fps=$HEAVY
	for pol in ett model; do
		if [ $pol = ett ]; then margin 2147483647; else margin "$MARGIN"; fi
		say "$load load, $pol ..."
		R[$load-$pol]=$(flow "$load-$pol" "$fps") ||
			hn_fail "measuring $load-$pol"
		sleep 1 # queues drain, load features come down
	done
done
printf '\n     %-14s %-37s %s\n' "" "ETT alone" "with the model"
printf '     %-14s %-37s %s\n' "" \
	"mean ms  p99 ms  loss   via C/E" "mean ms  p99 ms  loss   via C/E"
for load in light heavy; do
	read -r m1 p1 l1 c1 e1 _ <<<"${R[$load-ett]}"
	read -r m2 p2 l2 c2 e2 _ <<<"${R[$load-model]}"
	printf '     %-14s %7s %7s %5s%% %5s/%-5s   %7s %7s %5s%% %5s/%s\n' \
		"$load" "$m1" "$p1" "$l1" "$c1" "$e1" "$m2" "$p2" "$l2" "$c2" "$e2"
done
echo
say "ETT's one path fills at heavy load: its 50 ms queue and drops are what a"
say "router also using the idle top path through B and C avoids.  Whether this"
say "model does is measured here, not assumed (make bench-learn: many runs)."
# Light load is far below every link's capacity: nothing may be lost.
for pol in ett model; do
	read -r _ _ _ _ _ lost <<<"${R[light-$pol]}"
	[ "$lost" = 0 ] || hn_fail "$lost frames lost at light load ($pol)"
done

step "5. One decision of the model, hop by hop (hnctl config trace on; hnctl trace)"
say "one frame A -> F; each router's last traced decision for F:"
trace_hops
say "(scores: the model's per candidate; reason model = its winner, margin ="
say " the default next hop because the lead was below the margin threshold)"

step "6. The busiest transit node dies (agent killed, links gone)"
say "frames forwarded per transit node so far:$(transit)"
read -r busy _ < <(mesh_grid6_busiest)
t0=$(date +%s.%N)
mesh_kill "$busy"
ALIVE=$(echo $NODES | tr ' ' '\n' | grep -v "^$busy$" | paste -sd' ')
j=$(mesh_grid6_send "$N" 3000) || exit 1
got=$(hn_jget "$j" unique)
say "$busy is gone; right away $got of $N frames reached F"
# Local repair needs a router before the dead node with another
# loop-free candidate; where there is none, frames wait for new routes.
if [ "$got" -gt 0 ]; then
	say "(local repair in XDP: a router on the path had another candidate)"
else
	say "(no router on the path had another loop-free candidate to repair"
	say " to; the frames wait for the routes below)"
fi
T_FAIL=$(mesh_log_wait 10 "$t0" "routes to 4 nodes" $ALIVE)
say "routes recomputed without $busy on every node within ${T_FAIL} s"
traffic 4000
say "then: $GOT of $N frames reached F: $VIA_C through C, $VIA_E through E"

step "7. $busy comes back (links recreated, agent restarted)"
lab_relink "$busy"
t0=$(date +%s.%N)
mesh_start "$busy"
T_BACK=$(mesh_log_wait 30 "$t0" "routes to 5 nodes" $NODES)
[ "$T_BACK" = timeout ] && hn_fail "the mesh did not converge again in 30 s"
say "all six converged again ${T_BACK} s after $busy restarted;" \
	"its model: generation $(mesh_agent_get "$busy" model_generation)"
traffic 5000
say "$GOT of $N frames reached F: $VIA_C through C, $VIA_E through E"

step "Report"
ctl=0
for n in $NODES; do
	ctl=$((ctl + $(mesh_agent_stat "$n" tx_bytes)))
done
up=$(mesh_agent_get A uptime_s)
read -r hm1 _ hl1 _ <<<"${R[heavy-ett]}"
read -r hm2 _ hl2 _ <<<"${R[heavy-model]}"
printf '   %-48s %s\n' \
	"convergence of 6 agents" "${T_CONV} s" \
	"signed model on all 6 nodes" "${T_MODEL} s" \
	"heavy load A -> F, ETT alone" "${hm1} ms mean, ${hl1} % lost" \
	"heavy load A -> F, with the model" "${hm2} ms mean, ${hl2} % lost" \
	"routes without the dead node (after the kill)" "${T_FAIL} s" \
	"reconvergence after its return" "${T_BACK} s" \
	"agent control traffic, per node" \
	"$(awk "BEGIN { printf \"%.0f B/s\", $ctl / 6 / $up }")"
say "data-plane counters of A:"
mesh_ctl A stats | indent

step "Done: cleaning up the namespaces"
