#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Live reload (hnctl reload, SIGHUP) on real hypernetd agents, with data
# frames flowing from A to C through B the whole time:
#
#   a-app -- a-in [A 1] a-b ---- b-a [B 2] b-c ---- c-b [C 3]
#                                     b-d
#                                      |
#                                     d-b [D 4]
#
# Every node reads its mesh keys from a key file ($HN_WORK/NODE.keys).
# B's config does not list b-d at first.  Checks:
#   1. a port added by a reload on B (ahead of the others) is attached
#      and D joins the mesh; a port removed by the next is detached and D
#      leaves; A -> C through B's other ports loses no frame across both;
#   2. a reload that changes node-id is refused, naming it, and changes
#      nothing (a live change beside it is not applied either);
#   3. SIGHUP reloads too (a timer change shows in the agent's reply to
#      the next reload as no change);
#   4. mesh-key rotation node by node: key 2 added everywhere, then each
#      node in turn sends with it (one by SIGHUP), then key 1 removed
#      everywhere; A -> C loses no frame, no neighbour goes down and no
#      frame fails authentication on any node;
#   5. a node left on the old key only is cut off: B and C refuse each
#      other's frames (counted as unknown-key) and the routes to C go;
#   6. a model signing key added to the trusted-keys file (same path) is
#      trusted after a reload: a model it signed, refused before, is
#      installed.
# Frames lost count what the receiver did not get and its socket did not
# drop: the reloads change no route on the path, so the bound is 0.
# Exits 0 when all pass, 77 (SKIPPED) without root or namespaces.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mesh.sh"
hn_start
mesh_require hn-model

K1=$(openssl rand -hex 32) || hn_fail "openssl rand"
K2=$(openssl rand -hex 32) || hn_fail "openssl rand"

hn_nodes A 1 B 2 C 3 D 4
mesh_inject A
mesh_link A a-b B b-a
mesh_link B b-c C c-b
hn_link B b-d D d-b
MESH_PORTS[D]=" d-b"
NODES="A B C"

# keys NODE LINE...: NODE's key file, one line each ("ID HEX", "send ID")
keys()
{
	local n=$1
	shift
	install -m 600 /dev/null "$HN_WORK/$n.keys"
	printf '%s\n' "$@" >"$HN_WORK/$n.keys"
}

# conf NODE [KEY=VALUE...]: NODE's config, its ports from MESH_PORTS
conf()
{
	local n=$1 p
	shift
	mkdir -p "$HN_WORK/state/$n" && chmod 700 "$HN_WORK/state/$n"
	install -m 600 /dev/null "$HN_WORK/$n.conf"
	{
		echo "node-id = ${HN_ID[$n]}"
		for p in ${MESH_PORTS[$n]}; do
			echo "port = $p"
		done
		echo "mesh-key-file = $HN_WORK/$n.keys"
		echo "trusted-keys = $HN_WORK/sign.pub"
		echo "state-dir = $HN_WORK/state/$n"
		echo "pin-dir = $HN_WORK/bpf/$n/hypernet"
		echo "control-socket = $HN_WORK/state/$n/ctl"
		echo "keep-attached = 1"
		for p in "$@"; do
			echo "${p%%=*} = ${p#*=}"
		done
	} >"$HN_WORK/$n.conf"
}

# reload NODE: hnctl -j reload on NODE; prints its JSON, fails on error
reload()
{
	mesh_ctl "$1" -j reload 2>>"$HN_WORK/reload.err"
}

# routes NODE: how many routes NODE's agent has
routes()
{
	mesh_agent_get "$1" routes
}

# n_routes N NODES...: 0 when each of NODES has N routes
n_routes()
{
	local want=$1 n
	shift
	for n in "$@"; do
		[ "$(routes "$n")" = "$want" ] || return 1
	done
}

# cut_off: 0 when A and B route only to each other and C to nobody
cut_off()
{
	n_routes 1 A B && n_routes 0 C
}

# sum STAT NODES...: an agent counter summed over NODES
sum()
{
	local s=0 n stat=$1
	shift
	for n in "$@"; do
		s=$((s + $(mesh_agent_stat "$n" "$stat")))
	done
	echo "$s"
}

# dpstats NODE FILE: NODE's data plane counters into FILE
dpstats()
{
	hn_ctl "$1" -j stats >"$2"
}

# dpdelta OLD NEW: the counters that moved between two dpstats files
dpdelta()
{
	python3 -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
print(" ".join("%s=%d" % (k, b[k] - a.get(k, 0)) for k in sorted(b)
               if isinstance(b[k], int) and b[k] != a.get(k, 0)))' "$1" "$2"
}

# traffic_start N SEQ: N frames A -> C, 1 ms apart, in the background
traffic_start()
{
	TR_N=$1
	TR_OUT=$HN_WORK/recv.$2
	rm -f "$HN_WORK/rdy.$2"
	hn_x_bg C "$HNPKT" recv -j -i c-b --match-src 1 --match-type data \
		--timeout-ms 0 --count "$1" --ready "$HN_WORK/rdy.$2" >"$TR_OUT"
	TR_RP=$!
	hn_wait_file "$HN_WORK/rdy.$2"
	hn_pkt A send -j -i a-app --src 1 --dst 3 --count "$1" --seq "$2" \
		--interval-us 1000 >"$TR_OUT.send" &
	TR_SP=$!
}

# traffic_end: wait for the sender; prints "GOT SOCKDROP LOST SENDERR"
# (frames the sender's socket refused never entered the mesh)
traffic_end()
{
	local got sd se
	wait "$TR_SP"
	# the receiver ends at N frames; frames still queued for its socket
	# on a busy machine are not lost, so it gets 10 s before it is told
	for _ in $(seq 200); do
		kill -0 "$TR_RP" 2>/dev/null || break
		sleep 0.05
	done
	kill "$TR_RP" 2>/dev/null
	wait "$TR_RP" 2>/dev/null
	got=$(hn_jget "$(cat "$TR_OUT")" unique)
	sd=$(hn_jget "$(cat "$TR_OUT")" socket_drops)
	se=$(hn_jget "$(cat "$TR_OUT.send")" errors)
	echo "${got:-0} ${sd:-0} $((TR_N - ${got:-0} - ${sd:-0} - ${se:-0})) ${se:-0}"
}

for n in A B C D; do
	keys "$n" "1 $K1"
done
for n in A C D; do
	conf "$n"
done
conf B
cp "$HN_WORK/B.conf" "$HN_WORK/B.conf.nobd"
for n in A B C D; do
	hn_bg "agent-$n" "$n" "$HND" -c "$HN_WORK/$n.conf" 2>>"$HN_WORK/$n.log"
done
t=$(mesh_wait 15 mesh_converged $NODES)
check "three agents converge (D not linked yet)" \
	"$([ "$t" != timeout ] && [ "$(routes D)" = 0 ] && echo 1)" \
	"${t} s after start; D has $(routes D) routes"
[ "$t" = timeout ] && mesh_dump $NODES

# 1. a port added, then removed, by reloads on B, with traffic A -> C;
# added first, so that b-a and b-c (and their neighbours) move to other
# indexes and back while they carry the traffic
bports=${MESH_PORTS[B]}
MESH_PORTS[B]=" b-d$bports"
conf B
MESH_PORTS[B]=$bports
down0=$(sum neigh_down A B C)
traffic_start 3000 1000
sleep 0.5
j=$(reload B)
added=$(hn_jget "$j" ports_added)
first=$(mesh_ctl B -j agent status | python3 -c '
import json, sys
print(json.load(sys.stdin)["ports"][0]["name"])')
t=$(mesh_wait 20 mesh_converged A B C D)
xdp=$(ip -n "${HN_TAG}-B" link show dev b-d | grep -q xdp && echo 1 || echo 0)
check "a port added by reload is attached and D joins" \
	"$([ "$added" = "['b-d']" ] && [ "$xdp" = 1 ] && [ "$t" != timeout ] &&
	   [ "$first" = b-d ] && echo 1)" \
	"reload said ports_added $added; B's first port $first; XDP on b-d: $xdp;" \
	"four nodes converged ${t} s"
cp "$HN_WORK/B.conf.nobd" "$HN_WORK/B.conf"
j=$(reload B)
removed=$(hn_jget "$j" ports_removed)
xdp=$(ip -n "${HN_TAG}-B" link show dev b-d | grep -q xdp && echo 1 || echo 0)
t=$(mesh_wait 10 n_routes 2 A B C)
check "a port removed by reload is detached and D leaves" \
	"$([ "$removed" = "['b-d']" ] && [ "$xdp" = 0 ] && [ "$t" != timeout ] &&
	   echo 1)" "reload said ports_removed $removed; XDP on b-d: $xdp;" \
	"routes to D gone ${t} s"
read -r got sd lost se <<<"$(traffic_end)"
down=$(($(sum neigh_down A B C) - down0))
check "A -> C across the port reloads loses no frame, only D went down" \
	"$([ "$lost" = 0 ] && [ "$down" = 1 ] && echo 1)" \
	"neighbours down: $down;" \
	"$got/3000 received, $sd dropped by the receiver's socket, $se refused by the sender's, $lost lost"
hn_stop agent-D

# 2. a refused reload changes nothing
conf B node-id=9 hello-interval-ms=150
out=$(mesh_ctl B reload 2>&1)
rc=$?
jout=$(mesh_ctl B -j reload 2>/dev/null)
jrc=$?
node=$(mesh_agent_get B node)
check "a reload changing node-id is refused by name, nothing applied" \
	"$([ $rc != 0 ] && [ $jrc != 0 ] && [[ "$out" == *node-id* ]] &&
	   [[ "$out" == *"nothing changed"* ]] &&
	   [ "$(hn_jget "$jout" reloaded)" = False ] &&
	   [[ "$(hn_jget "$jout" error)" == *node-id* ]] &&
	   [ "$node" = 2 ] && echo 1)" \
	"exit $rc: $out; with -j, exit $jrc: $jout"
conf B
j=$(reload B)
check "the running config stayed as it was (hello interval not taken)" \
	"$([ "$(hn_jget "$j" changed_any)" = False ] && echo 1)" \
	"reload after restoring the file: $j"

# 3. SIGHUP reloads
conf C hello-interval-ms=150
kill -HUP "${HN_PID_OF[agent-C]}"
mesh_wait 5 grep -q "reloaded: hello-interval-ms" "$HN_WORK/C.log" >/dev/null
j=$(reload C)
check "SIGHUP reloads (the next reload finds no change)" \
	"$(grep -q 'reloaded: hello-interval-ms' "$HN_WORK/C.log" &&
	   [ "$(hn_jget "$j" changed_any)" = False ] && echo 1)" \
	"C's log: $(grep -c reloaded "$HN_WORK/C.log") reload line(s)"

# 4. key rotation, node by node, with traffic A -> C
down0=$(sum neigh_down $NODES)
bad0=$(sum rx_bad_unknown-key $NODES)
mac0=$(sum rx_bad_mac $NODES)
for n in $NODES; do dpstats $n "$HN_WORK/$n.dp0"; done
traffic_start 6000 10000
sleep 0.3
ok=1
for n in $NODES; do
	keys "$n" "1 $K1" "2 $K2"
	j=$(reload "$n")
	[ "$(hn_jget "$j" keys)" = "[1, 2]" ] || ok=0
done
for n in A B; do
	keys "$n" "1 $K1" "2 $K2" "send 2"
	j=$(reload "$n")
	[ "$(hn_jget "$j" send_key)" = 2 ] || ok=0
	sleep 0.5
done
# C by SIGHUP, its send key by mesh-key-send in the config
keys C "1 $K1" "2 $K2"
conf C hello-interval-ms=150 mesh-key-send=2
kill -HUP "${HN_PID_OF[agent-C]}"
mesh_wait 5 grep -q "sending with key 2" "$HN_WORK/C.log" >/dev/null ||
	ok=0
sleep 0.5
for n in $NODES; do
	keys "$n" "2 $K2" "send 2"
	j=$(reload "$n")
	[ "$(hn_jget "$j" keys)" = "[2]" ] || ok=0
	sleep 0.3
done
read -r got sd lost se <<<"$(traffic_end)"
down=$(($(sum neigh_down $NODES) - down0))
bad=$(($(sum rx_bad_unknown-key $NODES) - bad0 + $(sum rx_bad_mac $NODES) - mac0))
check "key rotation node by node: every step applied" "$ok" \
	"(see $HN_WORK/reload.err)"
check "key rotation: no neighbour down, no frame refused" \
	"$([ "$down" = 0 ] && [ "$bad" = 0 ] && n_routes 2 $NODES && echo 1)" \
	"neighbours down: $down; frames failing authentication: $bad"
check "key rotation: A -> C loses no frame" "$([ "$lost" = 0 ] && echo 1)" \
	"$got/6000 received, $sd dropped by the receiver's socket, $se refused by the sender's, $lost lost"
# where frames went, should some be missing
[ "$lost" = 0 ] || for n in $NODES; do
	dpstats $n "$HN_WORK/$n.dp1"
	echo "    $n: $(dpdelta "$HN_WORK/$n.dp0" "$HN_WORK/$n.dp1")"
done

# 5. C back on the old key only: cut off
bbad0=$(mesh_agent_stat B rx_bad_unknown-key)
cbad0=$(mesh_agent_stat C rx_bad_unknown-key)
keys C "1 $K1"
conf C
reload C >/dev/null
t=$(mesh_wait 10 cut_off)
bbad=$(($(mesh_agent_stat B rx_bad_unknown-key) - bbad0))
cbad=$(($(mesh_agent_stat C rx_bad_unknown-key) - cbad0))
check "a node left on the removed key is cut off and counted" \
	"$([ "$t" != timeout ] && [ "$bbad" -gt 0 ] && [ "$cbad" -gt 0 ] &&
	   [ "$(routes C)" = 0 ] && echo 1)" \
	"routes to C gone from A and B ${t} s; B refused $bbad of C's frames," \
	"C refused $cbad of B's; C has $(routes C) routes"

# 6. trusted model keys read again, in place: a model signed with a new
# key is refused at A, then installed once the key is in the file A
# trusts and A reloaded
"$HNCTL" keygen "$HN_WORK/sign2.key" "$HN_WORK/sign2.pub" >/dev/null ||
	hn_fail "hnctl keygen"
"$HN_OUT/bin/hn-model" quantize "$HN_ROOT/models/route-default.txt" \
	"$HN_WORK/new.hnm" --generation 7 >/dev/null || hn_fail "hn-model"
"$HNCTL" model sign "$HN_WORK/new.hnm" --key "$HN_WORK/sign2.key" \
	>/dev/null || hn_fail "hnctl model sign"
mesh_ctl A model push "$HN_WORK/new.hnm" >/dev/null 2>&1
before=$?
cat "$HN_WORK/sign2.pub" >>"$HN_WORK/sign.pub"
j=$(reload A)
mesh_ctl A model push "$HN_WORK/new.hnm" >/dev/null 2>&1
after=$?
check "trusted model keys are read again by a reload" \
	"$([ $before != 0 ] && [ $after = 0 ] &&
	   [[ "$j" == *"trusted-keys (contents)"* ]] &&
	   [ "$(mesh_agent_get A model_generation)" = 7 ] && echo 1)" \
	"push before: exit $before, after: exit $after; reload: $j"
[ $HN_FAILED -gt 0 ] && mesh_dump $NODES

if [ $HN_FAILED -gt 0 ]; then
	echo "test_agent_reload: $HN_FAILED check(s) failed"
	exit 1
fi
echo "test_agent_reload: all checks passed"
