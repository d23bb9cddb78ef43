#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The HyperNet demo (`make demo`, as root): six hypernetd agents on a grid
# of network namespaces find each other, route, take a signed model update,
# lose a node and get it back; a short report at the end.  Everything it
# creates (namespaces, bpffs mounts, agents) is removed on exit.
set -u
. "$(dirname "$0")/../tests/netns/lib.sh"
trap hn_cleanup EXIT
trap 'exit 1' INT TERM

hn_need_root demo
hn_require
. "$(dirname "$0")/../tests/netns/mesh.sh"
mesh_require

N=${DEMO_FRAMES:-300}
NODES="A B C D E F"
# traffic SEQ: N frames A -> F; sets GOT, VIA_C, VIA_E.
traffic()
{
	local j
	j=$(mesh_grid6_send "$N" "$1") || exit 1
	GOT=$(hn_jget "$j" unique)
	VIA_C=$(hn_jget "$j" devs f-c)
	VIA_E=$(hn_jget "$j" devs f-e)
	# a port F lost with a dead neighbour carried nothing
	VIA_C=${VIA_C:-0} VIA_E=${VIA_E:-0}
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

printf "${HN_B}HyperNet demo: a mesh of hypernetd agents with a learned data plane${HN_R}\n"
cat <<'EOF2'

    a-app -- a-in [A 1] a-b ---- b-a [B 2] b-c ---- c-b [C 3]
                   a-d                  b-e                c-f
                    |                    |                  |
                   d-a                  e-b                f-c
                  [D 4] d-e --------- e-d [E 5] e-f ---- f-e [F 6]

   Six network namespaces joined by veth pairs, one hypernetd each.  The
   agents load the XDP router, discover neighbours by HELLO, flood link
   state through the data plane, and write routes into its maps.  A's
   packet socket sends on a-app, so A's router decides for what A sends.
EOF2

step "1. Start six agents and wait until every node has a route to every other"
mesh_grid6
t0=$(date +%s.%N)
for n in $NODES; do
	mesh_start "$n" keep-attached=1
done
T_CONV=$(mesh_log_wait 20 "$t0" "routes to 5 nodes" $NODES)
[ "$T_CONV" = timeout ] && hn_fail "the mesh did not converge in 20 s"
mesh_wait 5 mesh_converged $NODES >/dev/null ||
	hn_fail "the agents do not report 5 routes each"
say "converged ${T_CONV} s after the agents started"
say "the mesh as A sees it (hnctl topology, Graphviz DOT):"
mesh_ctl A topology dot | indent
say "A's neighbours and routes (hnctl neighbours / routes):"
mesh_ctl A neighbours | indent
mesh_ctl A routes | indent

step "2. Traffic from A to F (no model yet: shortest paths)"
traffic 1000
say "$GOT of $N frames reached F: $VIA_C through C, $VIA_E through E"

step "3. Sign a route model and push it at A (hnctl keygen / model sign / model push)"
mesh_model "$HN_WORK/gen1.hnm" 1
t0=$(date +%s.%N)
mesh_ctl A model push "$HN_WORK/gen1.hnm" | indent
T_MODEL=$(mesh_log_wait 10 "$t0" "model generation 1 .*installed" $NODES)
say "every node verified and installed generation 1 within ${T_MODEL} s:"
for n in $NODES; do
	printf '%s:gen%s ' "$n" "$(mesh_agent_get "$n" model_generation)"
done | indent
echo
traffic 2000
say "with the model: $GOT of $N frames reached F: $VIA_C through C, $VIA_E through E"
say "frames forwarded per transit node so far:$(transit)"
out=$(mesh_ctl A model push "$HN_WORK/gen1.hnm" 2>&1)
say "pushing the same generation again is refused:"
echo "$out" | indent

step "4. The busiest transit node dies (agent killed, links gone)"
read -r busy _ < <(mesh_grid6_busiest)
t0=$(date +%s.%N)
mesh_kill "$busy"
ALIVE=$(echo $NODES | tr ' ' '\n' | grep -v "^$busy$" | paste -sd' ')
traffic 3000
say "$busy is gone; right away $GOT of $N frames reached F (local repair in XDP)"
T_FAIL=$(mesh_log_wait 10 "$t0" "routes to 4 nodes" $ALIVE)
say "routes recomputed without $busy on every node within ${T_FAIL} s"
traffic 4000
say "then: $GOT of $N frames reached F: $VIA_C through C, $VIA_E through E"

step "5. $busy comes back (links recreated, agent restarted)"
mesh_grid6_relink "$busy"
t0=$(date +%s.%N)
mesh_start "$busy"
T_BACK=$(mesh_log_wait 20 "$t0" "routes to 5 nodes" $NODES)
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
printf '   %-44s %s\n' \
	"convergence of 6 agents" "${T_CONV} s" \
	"signed model on all 6 nodes" "${T_MODEL} s" \
	"routes without the dead node (after the kill)" "${T_FAIL} s" \
	"reconvergence after its return" "${T_BACK} s" \
	"agent control traffic, per node" \
	"$(awk "BEGIN { printf \"%.0f B/s\", $ctl / 6 / $up }")"
say "data-plane counters of A:"
mesh_ctl A stats | indent

step "Done: cleaning up the namespaces"
