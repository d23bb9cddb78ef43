#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Six real hypernetd agents on a 2x3 grid of namespaces:
#
#   a-app -- a-in [A 1] a-b ---- b-a [B 2] b-c ---- c-b [C 3]
#                  a-d                  b-e                c-f
#                   |                    |                  |
#                  d-a                  e-b                f-c
#                 [D 4] d-e --------- e-d [E 5] e-f ---- f-e [F 6]
#
# a-in/a-app is A's injection port pair: packet sockets send on a-app so
# that A's XDP program routes what A originates.  Checks:
#   1. the mesh converges: every node has a route to every other;
#   2. a model pushed at A is installed on all six;
#   3. data frames flow from A to F; anycast frames for a task class that
#      C and E advertise land on one of them;
#   4. killing the busiest transit node (agent and links) reroutes: every
#      other node withdraws it and frames reach F again;
#   5. forged, unknown-key and older models, and a replayed HELLO, are
#      refused on every node, which keeps its model;
#   6. restarting a transit node's agent keeps forwarding (no loss);
#   7. stopping an agent (keep-attached = 0) detaches it cleanly.
# Exits 0 when all pass, 77 (SKIPPED) without root or namespaces.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mesh.sh"
hn_start
mesh_require hn-inject

NODES="A B C D E F"

# push GEN WHAT NODES...: sign model generation GEN and push it at A;
# check WHAT: NODES all install it within 5 s
push()
{
	local gen=$1 what=$2 t
	shift 2
	mesh_model "$HN_WORK/gen$gen.hnm" "$gen"
	mesh_ctl A model push "$HN_WORK/gen$gen.hnm" >/dev/null ||
		hn_fail "model push gen $gen at A"
	MESH_GEN=$gen
	t=$(mesh_wait 5 mesh_model_all "$@")
	check "$what" "$([ "$t" != timeout ] && echo 1)" "${t} s"
	if [ "$t" = timeout ]; then
		mesh_dump "$@"
	fi
}

mesh_grid6

# 1. convergence
for n in $NODES; do
	case $n in
	C | E) mesh_start "$n" keep-attached=1 stages=7 ;;
	*) mesh_start "$n" keep-attached=1 ;;
	esac
done
t=$(mesh_wait 15 mesh_converged $NODES)
check "six agents converge (5 routes each)" \
	"$([ "$t" != timeout ] && echo 1)" "${t} s after start"
[ "$t" = timeout ] && mesh_dump $NODES
mesh_ctl A topology dot | sed 's/^/    /'

# 2. model push at A reaches all six
push 1 "model generation 1 pushed at A is installed on all six" $NODES

# 3. data
j=$(mesh_grid6_send 200 1000)
got=$(hn_jget "$j" unique)
check "A -> F delivery" "$([ "$got" = 200 ] && echo 1)" \
	"$got/200 at F, via C $(hn_jget "$j" devs f-c), via E $(hn_jget "$j" devs f-e)"

# 3b. task placement: C and E advertise stage 7; anycast frames from A
# for task 7 are placed on one of them by A's data plane
tasks=$(mesh_ctl A -j task | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    if t["task"] == 7:
        print(" ".join(str(h["node"]) for h in t["hosts"]))')
check "A learned the hosts of task 7 from gossip" \
	"$([ "$(echo $tasks | tr ' ' '\n' | sort | paste -sd' ')" = "3 5" ] &&
	   echo 1)" "hosts: $tasks"
for n in C E; do
	case $n in C) devs=c-b,c-f ;; E) devs=e-b,e-d,e-f ;; esac
	hn_bg "trecv-$n" "$n" "$HNPKT" recv -j -i "$devs" --match-src 1 \
		--match-type data --timeout-ms 2000 \
		--ready "$HN_WORK/trdy.$n" >"$HN_WORK/trecv.$n"
done
hn_wait_file "$HN_WORK/trdy.C"
hn_wait_file "$HN_WORK/trdy.E"
hn_pkt A send -q -i a-app --src 1 --dst 7 --flags anycast --count 50 \
	--seq 8000 --interval-us 200 || hn_fail "hn-pkt anycast on A"
wait "${HN_PID_OF[trecv-C]}" "${HN_PID_OF[trecv-E]}"
atc=$(hn_jget "$(cat "$HN_WORK/trecv.C")" unique)
ate=$(hn_jget "$(cat "$HN_WORK/trecv.E")" unique)
check "anycast frames for task 7 all land on a host" \
	"$([ $((atc + ate)) = 50 ] && echo 1)" "at C $atc, at E $ate of 50"

# 4. kill the busiest transit node
read -r busy most < <(mesh_grid6_busiest)
echo "    busiest transit node: $busy ($most frames forwarded)"
mesh_kill "$busy"
ALIVE=$(echo $NODES | tr ' ' '\n' | grep -v "^$busy$" | paste -sd' ')
j=$(mesh_grid6_send 200 2000)
early=$(hn_jget "$j" unique)
t=$(mesh_wait 5 mesh_converged $ALIVE)
check "routes withdrawn around dead $busy (4 routes on each of $ALIVE)" \
	"$([ "$t" != timeout ] && echo 1)" "${t} s after the kill"
j=$(mesh_grid6_send 200 3000)
got=$(hn_jget "$j" unique)
check "A -> F after $busy died" "$([ "$got" = 200 ] && echo 1)" \
	"$got/200 (right after the kill, by local repair: $early/200)"
[ "$got" = 200 ] || mesh_dump $ALIVE

# 5. hostile models and frames, injected at A with the mesh key
push 2 "generation 2 installed on the five" $ALIVE
declare -A bad0 old0 rep0
for n in $ALIVE; do
	bad0[$n]=$(mesh_agent_stat "$n" model_refused_bad-signature)
	old0[$n]=$(mesh_agent_stat "$n" chunk_old)
done
rep0=$(mesh_agent_stat A rx_replay)
# forged: a good generation 3 file with one signature byte changed
mesh_model "$HN_WORK/gen3.hnm" 3
python3 - "$HN_WORK/gen3.hnm" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
b[-10] ^= 0x40
open(p + '.forged', 'wb').write(b)
PY
"$HNCTL" keygen "$HN_WORK/other.key" "$HN_WORK/other.pub" >/dev/null
"$HN_OUT/bin/hn-model" quantize "$HN_ROOT/models/route-default.txt" \
	"$HN_WORK/gen4.hnm" --generation 4 >/dev/null
"$HNCTL" model sign "$HN_WORK/gen4.hnm" --key "$HN_WORK/other.key" \
	>/dev/null
# as node 77, an insider with the mesh key but no signing key
inj() { hn_x A "$HNINJECT" "$@" -i a-app --src 77 --key "$MESH_KEY"; }
inj model "$HN_WORK/gen3.hnm.forged"
inj model "$HN_WORK/gen4.hnm"
inj model "$HN_WORK/gen1.hnm"
inj hello --repeat 3
out=$(mesh_ctl A model push "$HN_WORK/gen1.hnm" 2>&1)
check "older model pushed at A is refused with a reason" \
	"$(echo "$out" | grep -q 'not newer' && echo 1)" "$out"
sleep 1
summary= ok=1
for n in $ALIVE; do
	g=$(mesh_agent_get "$n" model_generation)
	b=$(( $(mesh_agent_stat "$n" model_refused_bad-signature) - bad0[$n] ))
	o=$(( $(mesh_agent_stat "$n" chunk_old) - old0[$n] ))
	summary="$summary $n:gen$g,bad-sig+$b,old+$o"
	[ "$g" = 2 ] && [ "$b" -ge 2 ] && [ "$o" -ge 1 ] || ok=0
done
check "forged, unknown-key and older models refused on every node" \
	"$ok" "$summary"
[ "$ok" = 1 ] || mesh_dump $ALIVE
rep=$(( $(mesh_agent_stat A rx_replay) - rep0 ))
check "a replayed HELLO is dropped" "$([ "$rep" -ge 2 ] && echo 1)" \
	"rx_replay +$rep at A"

# 6. restart a transit node's agent while traffic flows.  What the feature
# promises: the transit's data plane forwards on with its maps while its
# agent is away, so it drops nothing, and no frame is lost silently.  If
# the machine is so busy that the restart outlasts its neighbours' stale
# time, they count the frames they could not send on (drop_no_live), and
# the receiver counts what its socket could not queue: those are load,
# not the restart.
transit=E
[ "$busy" = E ] && transit=B
drops()
{
	local j
	j=$(hn_ctl "$1" -j stats) || hn_fail "hnctl stats on $1"
	python3 -c '
import json, sys
s = json.loads(sys.argv[1])
print(sum(v for k, v in s.items() if isinstance(v, int) and
          (k.startswith("drop_") or k.startswith("bad_") or
           k == "ttl_expired")))' "$j"
}
declare -A drop0 stale0
for n in $ALIVE; do
	drop0[$n]=$(drops "$n")
	stale0[$n]=$(hn_stat "$n" drop_no_live)
done
rdy=$HN_WORK/rdy.restart out=$HN_WORK/recv.restart
# on F's ports that are left: the busiest node of step 4 stays dead
hn_x_bg F "$HNPKT" recv -j -i "$(mesh_grid6_f_ports)" --match-src 1 \
	--match-type data --timeout-ms 0 --count 3000 --ready "$rdy" >"$out"
rp=$!
hn_wait_file "$rdy"
hn_pkt A send -q -i a-app --src 1 --dst 6 --count 3000 --seq 5000 \
	--interval-us 1000 &
sp=$!
sleep 0.5
mesh_stop "$transit"
sleep 0.2
mesh_start "$transit"
wait "$sp"
# the receiver ends at 3000, or when told: after the sender, a second
sleep 1
kill "$rp" 2>/dev/null
wait "$rp"
got=$(hn_jget "$(cat "$out")" unique)
sockdrop=$(hn_jget "$(cat "$out")" socket_drops)
tdrop=$(( $(drops "$transit") - ${drop0[$transit]} ))
stale=0
for n in $ALIVE; do
	[ "$n" = "$transit" ] && continue
	stale=$(( stale + $(hn_stat "$n" drop_no_live) - ${stale0[$n]} ))
done
t=$(mesh_wait 30 mesh_converged $ALIVE)
check "agent restart on $transit keeps forwarding" \
	"$([ "$tdrop" = 0 ] && [ $((got + stale + sockdrop)) -ge 3000 ] &&
	   [ "$t" != timeout ] && echo 1)" \
	"$got/3000 frames across the restart; dropped by $transit: $tdrop;" \
	"by its neighbours while it was stale: $stale; by the receiver's" \
	"socket: $sockdrop; converged again ${t} s"
[ "$got" -ge 3000 ] || mesh_dump $ALIVE

# 7. a clean stop detaches
mesh_stop D
mesh_conf D keep-attached=0
mesh_start D
mesh_wait 5 mesh_converged $ALIVE >/dev/null
mesh_stop D
att=$(mesh_ctl D -j status | python3 -c '
import json, sys
print(len(json.load(sys.stdin)["attached"]))')
check "stopped agent detached XDP from its ports" \
	"$([ "$att" = 0 ] && echo 1)" "$att ports still attached"

for n in $ALIVE; do
	echo "--- $n: $(mesh_ctl "$n" agent stats | awk '$2 != 0' |
		paste -sd' ' | tr -s ' ')"
done
if [ $HN_FAILED -gt 0 ]; then
	echo "test_agent: $HN_FAILED check(s) failed"
	exit 1
fi
echo "test_agent: all checks passed"
