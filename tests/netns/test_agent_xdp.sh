#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hypernetd and the XDP programs on its ports, with real agents:
#
#   a-app -- a-in [A 1] a-b ---- b-a [B 2] b-c ---- c-b [C 3]
#
#   1. an agent refuses to start on a port with another program, saying
#      what is there and how to go on; with xdp-force = 1 it replaces it;
#   2. `hnctl detach` under a running agent: it logs a warning once, with
#      what the port has now, and `hnctl status` shows it (text and -j);
#   3. with xdp-reattach = 1 it puts its program back, and B forwards;
#   4. another program on the port is not replaced (xdp-force = 0) ...
#   5. ... unless xdp-force = 1, also another agent's data plane;
#   6. private-domain in the config reaches the data plane: private
#      frames cross the ports named and stop at the others.
# Exits 0 when all pass, 77 (SKIPPED) without root or namespaces.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mesh.sh"
hn_start
mesh_require
CNT=$HN_OUT/tests/xdp_count.bpf.o
[ -f "$CNT" ] || hn_skip "no $CNT: run make first"

hn_nodes A 1 B 2 C 3
mesh_link A a-b B b-a
mesh_link B b-c C c-b
mesh_inject A
NODES="A B C"

# prog_on NODE DEV: "NAME ID" of the XDP program on DEV, or "none"
prog_on()
{
	hn_x "$1" ip -d -j link show dev "$2" | python3 -c '
import json, sys
p = json.load(sys.stdin)[0].get("xdp", {}).get("prog") or {}
print("%s %s" % (p["name"], p["id"]) if p else "none")'
}

# port_get NODE PORT KEY: one field of PORT in NODE's agent status (-j)
port_get()
{
	mesh_ctl "$1" -j agent status | python3 -c '
import json, sys
for p in json.load(sys.stdin)["ports"]:
    if p["name"] == sys.argv[1]:
        print(p[sys.argv[2]])' "$2" "$3"
}

# send N SEQ: N data frames A -> C; prints how many C got
send()
{
	local j

	j=$(hn_transfer C c-b A a-app 1 3 "$1" "$2" 500 3000) || exit 1
	hn_jget "$j" unique
}

# restart NODE KEY=VALUE...: stop NODE's agent, start it with a new config
# (keep-attached, so the mesh forwards meanwhile), wait until converged
restart()
{
	local n=$1 t
	shift
	mesh_stop "$n"
	mesh_start "$n" keep-attached=1 "$@"
	t=$(mesh_wait 15 mesh_converged $NODES)
	[ "$t" = timeout ] && { mesh_dump $NODES; hn_fail "no convergence after restarting $n"; }
}

# 1. C's port has another program: C refuses to start; xdp-force = 1
hn_x C ip link set dev c-b xdpdrv obj "$CNT" sec xdp ||
	hn_fail "ip cannot attach $CNT"
foreign=$(prog_on C c-b)
mesh_conf C keep-attached=1
# it exits at once; one that took the port would run on, so it is cut off
hn_x C timeout 20 "$HND" -c "$HN_WORK/C.conf" 2>"$HN_WORK/C.refused"
rc=$?
check "an agent refuses to take a port with another program" \
	"$([ $rc -ne 0 ] && [ $rc -ne 124 ] && [ "$(prog_on C c-b)" = "$foreign" ] &&
	   grep -q "c-b already has XDP program xdp_count id ${foreign#* } (native); not replacing it" \
		"$HN_WORK/C.refused" &&
	   grep -q 'xdp-force = 1' "$HN_WORK/C.refused" && echo 1)" \
	"rc $rc: $(grep -m1 error "$HN_WORK/C.refused")"
for n in A B; do
	mesh_start "$n" keep-attached=1
done
mesh_start C keep-attached=1 xdp-force=1
t=$(mesh_wait 15 mesh_converged $NODES)
check "with xdp-force = 1 it replaces it, and the mesh converges" \
	"$([ "$t" != timeout ] && [ "$(prog_on C c-b | cut -d' ' -f1)" = hn_xdp ] &&
	   echo 1)" "${t} s, c-b has $(prog_on C c-b)"
[ "$t" = timeout ] && { mesh_dump $NODES; hn_fail "no convergence"; }
got=$(send 100 1000)
check "A -> C through B" "$([ "$got" = 100 ] && echo 1)" "$got/100"

# 2. detach under B's agent (xdp-reattach = 0, the default)
t0=$(date +%s.%N)
mesh_ctl B detach b-a >/dev/null || hn_fail "hnctl detach on B"
t=$(mesh_log_wait 10 "$t0" \
	'warning: port b-a: our XDP program was taken off; the port has no XDP program now' B)
check "B logs that its program was taken off b-a" \
	"$([ "$t" != timeout ] && echo 1)" "${t} s after the detach"
mesh_ctl B agent status >/dev/null	# after one more look ...
n=$(awk -v t0="$t0" '$1 >= t0 && /port b-a: our XDP program was taken off/' \
	"$HN_WORK/B.log" | wc -l)
check "... once" "$([ "$n" = 1 ] && echo 1)" "$n warning lines"
txt=$(mesh_ctl B status)
check "hnctl status shows b-a without our program (text)" \
	"$(echo "$txt" | grep -q 'port b-a ifindex [0-9]* xdp none (the hook has no XDP program)' &&
	   echo 1)" "$(echo "$txt" | grep 'port b-')"
check "... and in -j" \
	"$([ "$(port_get B b-a xdp)" = none ] &&
	   [ "$(port_get B b-a hook_prog_id)" = 0 ] &&
	   [ "$(port_get B b-c xdp)" = native ] && echo 1)" \
	"b-a xdp $(port_get B b-a xdp), hook $(port_get B b-a hook_prog_id); b-c xdp $(port_get B b-c xdp)"
check "counted in xdp_lost" \
	"$([ "$(mesh_agent_stat B xdp_lost)" = 1 ] && echo 1)" \
	"xdp_lost $(mesh_agent_stat B xdp_lost)"

# 3. xdp-reattach = 1: the agent puts it back
restart B xdp-reattach=1
t0=$(date +%s.%N)
mesh_ctl B detach b-a >/dev/null || hn_fail "hnctl detach on B"
t=$(mesh_log_wait 10 "$t0" 'warning: port b-a: XDP re-attached' B)
check "with xdp-reattach = 1 B puts its program back" \
	"$([ "$t" != timeout ] && [ "$(port_get B b-a xdp)" = native ] &&
	   [ "$(prog_on B b-a | cut -d' ' -f1)" = hn_xdp ] && echo 1)" \
	"${t} s; b-a xdp $(port_get B b-a xdp), has $(prog_on B b-a)"
got=$(send 100 2000)
check "A -> C through B again" "$([ "$got" = 100 ] && echo 1)" "$got/100"

# 4. another program is not replaced without xdp-force
t0=$(date +%s.%N)
hn_x B ip -force link set dev b-a xdpdrv obj "$CNT" sec xdp ||
	hn_fail "ip -force on b-a"
foreign=$(prog_on B b-a)
t=$(mesh_log_wait 10 "$t0" \
	"port b-a: our XDP program was taken off; the port has XDP program xdp_count id ${foreign#* } \(native\) now; not replacing another program" B)
# the agent decides in the look that logs: a status request after it
# is answered once that look is over
mesh_ctl B agent status >/dev/null
check "B says what took the port and does not replace it (xdp-force = 0)" \
	"$([ "$t" != timeout ] && [ "$(prog_on B b-a)" = "$foreign" ] &&
	   [ "$(port_get B b-a hook_prog)" = xdp_count ] &&
	   [ "$(port_get B b-a hook_foreign)" = 1 ] && echo 1)" \
	"${t} s; b-a has $(prog_on B b-a), status hook $(port_get B b-a hook_prog)"

# 5. xdp-force = 1: at start, then whenever it is taken
restart B xdp-reattach=1 xdp-force=1
check "with xdp-force = 1 B takes the port back at start" \
	"$([ "$(prog_on B b-a | cut -d' ' -f1)" = hn_xdp ] && echo 1)" \
	"b-a has $(prog_on B b-a)"
t0=$(date +%s.%N)
hn_x B ip -force link set dev b-a xdpdrv obj "$CNT" sec xdp ||
	hn_fail "ip -force on b-a"
t=$(mesh_log_wait 10 "$t0" 'warning: port b-a: replaced XDP program xdp_count' B)
check "... and when another program takes it" \
	"$([ "$t" != timeout ] && [ "$(prog_on B b-a | cut -d' ' -f1)" = hn_xdp ] &&
	   echo 1)" "${t} s, b-a has $(prog_on B b-a)"
# another agent's data plane (other pins) taking the port
t0=$(date +%s.%N)
hn_x B "$HNCTL" -P "$HN_WORK/bpf/B/other" attach b-a --force >/dev/null ||
	hn_fail "a second data plane on B"
t=$(mesh_log_wait 10 "$t0" \
	'port b-a: our XDP program was taken off; the port has XDP program hn_xdp id [0-9]* of another HyperNet data plane' B)
t2=$(mesh_log_wait 10 "$t0" 'warning: port b-a: XDP re-attached' B)
check "another data plane taking the port is named so, and replaced" \
	"$([ "$t" != timeout ] && [ "$t2" != timeout ] && echo 1)" \
	"${t} s, ${t2} s"
got=$(send 100 3000)
check "A -> C through B at the end" "$([ "$got" = 100 ] && echo 1)" \
	"$got/100"
check "re-attachments counted" \
	"$([ "$(mesh_agent_stat B xdp_reattached)" -ge 2 ] && echo 1)" \
	"xdp_reattached $(mesh_agent_stat B xdp_reattached)"

# 6. the privacy domain from the config: A's application and the A-B
#    link are inside it, B's link to C is not
# domain NODE: "DEV:inside|outside ..." of NODE's mesh ports, sorted
domain()
{
	mesh_ctl "$1" -j dp domain | python3 -c '
import json, sys
print(" ".join(sorted("%s:%s" % (p["dev"], "inside" if p["inside"] else "outside")
                      for p in json.load(sys.stdin))))'
}
restart A "private-domain=a-in a-b"
restart B xdp-reattach=1 xdp-force=1 private-domain=b-a
check "the agents write private-domain into their data planes" \
	"$([ "$(domain A)" = "a-b:inside a-in:inside" ] &&
	   [ "$(domain B)" = "b-a:inside b-c:outside" ] && echo 1)" \
	"A: $(domain A); B: $(domain B)"
mesh_ctl A stats reset && mesh_ctl B stats reset || hn_fail "stats reset"
hn_pkt A send -q -i a-app --src 1 --dst 3 --count 100 --seq 5000 \
	--interval-us 500 --flags private || hn_fail "hn-pkt send on A"
# plain frames after them, through the same rings: once they are in, so
# are the private ones
got=$(send 100 6000)
check "private frames cross A's domain port and stop at B's edge" \
	"$([ "$got" = 100 ] && [ "$(hn_stat A priv_drop_out)" = 0 ] &&
	   [ "$(hn_stat B priv_drop_out)" = 100 ] &&
	   [ "$(hn_stat B priv_drop_in)" = 0 ] && echo 1)" \
	"plain $got/100; A priv_drop_out $(hn_stat A priv_drop_out), B priv_drop_out $(hn_stat B priv_drop_out) priv_drop_in $(hn_stat B priv_drop_in)"

if [ $HN_FAILED -gt 0 ]; then
	mesh_dump $NODES
	echo "test_agent_xdp: $HN_FAILED check(s) failed"
	exit 1
fi
echo "test_agent_xdp: all checks passed"
