#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The operator's friction of issue 17, against real agents:
#
#   [A 1] a-b ---- b-a [B 2] b-c ---- c-b [C 3]
#    agent, pins on          no agent      agent started as by hand,
#    the test's bpffs                      'ip netns exec': default
#                                          pin-dir, a private bpffs
#
#   1. model push refusals: each reason with its own hint (not "sign it"
#      for a model that is signed), and with -j a JSON object saying why;
#   2. a route through a neighbour index the table does not hold and a
#      detach from a port HyperNet never ran on are refused;
#   3. hnctl status beside an agent whose pins it cannot see (C's, behind
#      'ip netns exec'; A's, with the wrong -P) says so and what to do,
#      and never suggests 'hnctl attach'; the command it suggests works;
#   4. the log: stamps, levels, the node id, no libbpf chatter;
#   5. after a SIGKILL, hnctl names the stale socket it finds.
# Exits 0 when all pass, 77 (SKIPPED) without root or namespaces.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mesh.sh"
hn_start
mesh_require hn-model
command -v nsenter >/dev/null || hn_skip "no nsenter(1)"

hn_nodes A 1 B 2 C 3
mesh_link A a-b B b-a
mesh_link C c-b B b-c
hn_link A a-x A a-y # a port HyperNet never runs on
mesh_start A
mesh_conf C
sed -i 's|^pin-dir = .*|pin-dir = /sys/fs/bpf/hypernet|' "$HN_WORK/C.conf"
mesh_start C
up() { mesh_ctl "$1" agent status >/dev/null 2>&1; }
for n in A C; do
	t=$(mesh_wait 10 up $n)
	[ "$t" = timeout ] && { mesh_dump $n; hn_fail "agent $n did not start"; }
done

# run WANT_RC NEEDLE CMD...: one check of a command's exit code and output
run()
{
	local want=$1 needle=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	check "$(echo "$*" | sed "s|$HN_WORK|W|g; s|$HN_OUT/bin/||g")" \
		"$([ "$rc" = "$want" ] && [[ "$out" == *"$needle"* ]] && echo 1)" \
		"rc $rc, want $want and '$needle': $out"
}
# lacks NEEDLE CMD...: CMD's output does not hold NEEDLE
lacks()
{
	local needle=$1 out
	shift
	out=$("$@" 2>&1)
	check "... without '$needle'" \
		"$([[ "$out" != *"$needle"* ]] && echo 1)" "$out"
}

# 1. model refusals
M=$HN_WORK/m
"$HNCTL" keygen "$HN_WORK/other.key" "$HN_WORK/other.pub" >/dev/null ||
	hn_fail "keygen"
mesh_model "$M-5.hnm" 5
mesh_model "$M-3.hnm" 3
"$HN_OUT/bin/hn-model" quantize "$HN_ROOT/models/route-default.txt" \
	"$M-u.hnm" --generation 9 >/dev/null || hn_fail "quantize"
cp "$M-u.hnm" "$M-o.hnm"
"$HNCTL" model sign "$M-o.hnm" --key "$HN_WORK/other.key" >/dev/null ||
	hn_fail "sign with the other key"
"$HN_OUT/bin/hn-model" quantize "$HN_ROOT/models/route-default.txt" \
	"$M-e.hnm" --generation 9 --expiry 1000 >/dev/null || hn_fail "quantize"
"$HNCTL" model sign "$M-e.hnm" --key "$HN_WORK/sign.key" >/dev/null ||
	hn_fail "sign the expired model"

run 0 "model generation 5 installed" mesh_ctl A model push "$M-5.hnm"
run 1 "hint: sign it: 'hnctl model sign" mesh_ctl A model push "$M-u.hnm"
run 1 "in the agent's trusted-keys file" mesh_ctl A model push "$M-o.hnm"
lacks "hnctl model sign'" mesh_ctl A model push "$M-o.hnm"
run 1 "--generation N' (N above the installed one)" \
	mesh_ctl A model push "$M-3.hnm"
lacks "hnctl model sign'" mesh_ctl A model push "$M-3.hnm"
run 1 "a later --expiry" mesh_ctl A model push "$M-e.hnm"
j=$(mesh_ctl A -j model push "$M-o.hnm" 2>/dev/null)
check "-j model push refused: a JSON object saying why" \
	"$([ "$(hn_jget "$j" installed)" = False ] &&
	   [ "$(hn_jget "$j" reason)" = bad-signature ] &&
	   [[ "$(hn_jget "$j" message)" == "refused (bad-signature): "* ]] &&
	   echo 1)" "$j"
j=$(mesh_ctl A -j model push "$M-3.hnm" 2>/dev/null)
check "... and for an old one" \
	"$([ "$(hn_jget "$j" reason)" = old-version ] && echo 1)" "$j"

# 2. a route through no neighbour, a detach from a port never attached
run 1 "no neighbour 9 in the table" mesh_ctl A dp route set 4 via 9:1
routes=$(mesh_ctl A dp route list)
check "... and no route to 4 written" \
	"$(echo "$routes" | grep -q '^4 via' || echo 1)" "$routes"
run 1 "a-x: HyperNet is not attached to it" mesh_ctl A detach a-x
run 0 "a-b xdp native" mesh_ctl A status

# 3. an agent whose pins hnctl cannot see
pid=$(hn_jget "$(mesh_ctl C -j agent status)" pid)
C_CTL=("$HNCTL" -S "$HN_WORK/state/C/ctl")
run 1 "hypernetd runs (pid $pid, pin-dir /sys/fs/bpf/hypernet), but /sys/fs/bpf/hypernet holds none of its maps" \
	hn_x C "${C_CTL[@]}" status
run 1 "nsenter -t $pid -m -n hnctl status" hn_x C "${C_CTL[@]}" status
lacks "hnctl attach DEV" hn_x C "${C_CTL[@]}" status
run 0 "attached: c-b xdp" nsenter -t "$pid" -m -n "${C_CTL[@]}" status
run 1 "$HN_WORK/bpf/C/hypernet holds none of its maps" \
	mesh_ctl A -S "$HN_WORK/state/C/ctl" -P "$HN_WORK/bpf/C/hypernet" status
run 1 "holds another data plane's maps" \
	mesh_ctl A -S "$HN_WORK/state/C/ctl" status

# 4. the agent's log: a time stamp an operator reads, the node as a node
# (not in the place of a pid), no lines from libbpf or libxdp below their
# warnings
bad_lines=$(grep -Ev '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z hypernetd node 1 (error|warning|notice|info|debug): ' \
	"$HN_WORK/A.log")
check "every line of A's log: 'UTC-STAMP hypernetd node 1 LEVEL: '" \
	"$([ -z "$bad_lines" ] && [ -s "$HN_WORK/A.log" ] && echo 1)" \
	"$(echo "$bad_lines" | head -3)"
lib=$(grep -hE '(^|: )lib(bpf|xdp): ' "$HN_WORK/A.log" "$HN_WORK/C.log" |
	grep -v ' warning: lib')
check "no info or debug lines of libbpf or libxdp" \
	"$([ -z "$lib" ] && echo 1)" "$(echo "$lib" | head -3)"

# 5. an agent killed (SIGKILL) leaves its socket file: hnctl says that
# nothing listens on it, not that there is none; a new start replaces it
kill -KILL "${HN_PID_OF[agent-A]}"
wait "${HN_PID_OF[agent-A]}" 2>/dev/null
run 1 "nothing listens on the stale socket $HN_WORK/state/A/ctl" \
	mesh_ctl A agent
run 0 "agent:    not running (nothing listens on the stale socket" \
	mesh_ctl A status
mesh_start A
t=$(mesh_wait 10 up A)
check "a new agent replaces the stale socket" \
	"$([ "$t" != timeout ] && echo 1)" "$t s"

if [ $HN_FAILED -gt 0 ]; then
	echo "test_ops: $HN_FAILED check(s) failed"
	exit 1
fi
echo "test_ops: all checks passed"
