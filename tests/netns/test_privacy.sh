#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The privacy rule (Documentation/dataplane.rst, Privacy): frames of raw
# inputs (HN_F_PRIVATE) never leave their origin node, or its privacy
# domain, whatever routes, model, task placement or floods say.
#
#   o-app -- o-in [O id 1] o-r ------ r-o [R id 2] r-f ------ f-r [F id 3]
#            inside    o-x outside,   capture in  outside,   capture
#                       |  inside     1, router   inside at  from 2
#                       |  from 2     and inside  the end
#                       |             from 2      of 2
#                      x-o [X id 4]: outside, a capture throughout
#
#   O, the origin: its application sends on o-app, the local injection
#   port pair, so O's XDP program handles what O originates; o-in is in
#   O's privacy domain (its far side is O itself).  O routes node 3 and
#   node 2 through R, places task 7 on F and floods to every node; X is
#   a neighbour that is never inside, so floods always have a port to
#   keep them from.
#
# Checks, each printed with its figures:
#   1. with only o-in inside, no private frame crosses o-r (a capture on
#      R's r-o, only XDP_PASS there): unicast to F, anycast to F's task, a flood
#      to every node, a flood to a group O is not in; O counts each
#      frame or withheld copy in priv_drop_out; plain frames still cross;
#   2. with o-r and R's r-o inside, private frames (unicast, floods to
#      every node and to a group) reach R, which keeps them from r-f
#      (outside): none at F's capture, R counts them; with r-f inside
#      too they all reach F, once each (the capture can see them); X
#      gets none of them all along;
#   3. a private frame coming in on a port outside the domain is dropped
#      (priv_drop_in) and goes nowhere, not even up to R's stack.
# Exits 0 when all pass, 77 (SKIPPED) without root or namespaces.
set -u
. "$(dirname "$0")/lib.sh"
hn_start
MODEL=$HN_OUT/models/route-default.hnm
XDP_PASS=$HN_OUT/tests/xdp_pass.bpf.o
[ -f "$MODEL" ] || hn_skip "no $MODEL: run make first"
[ -f "$XDP_PASS" ] || hn_skip "no $XDP_PASS: run make first"

N=50
GOOD="quality 990 delay-us 100 loss 0 load 100 capacity-kbps 1000000"

hn_nodes O 1 R 2 F 3 X 4
hn_link O o-r R r-o
hn_link R r-f F f-r
hn_link O o-x X x-o
hn_link O o-in O o-app
for n in O R F X; do
	hn_no_ipv6 "$n" || hn_fail "sysctl on $n"
done

# pass_end NODE DEV: a capture end, with XDP_PASS attached: veth hands an
# XDP redirect to its peer only if an XDP program runs there.
pass_end()
{
	local n=$1 dev=$2
	shift 2
	ip -n "$(hn_ns "$n")" link set dev "$dev" xdpdrv "$@" ||
		hn_fail "XDP on $n:$dev"
}

pass_end R r-o obj "$XDP_PASS" sec xdp
pass_end F f-r obj "$XDP_PASS" sec xdp
pass_end X x-o obj "$XDP_PASS" sec xdp
hn_ctl O attach o-r o-in o-x >/dev/null || hn_fail "hnctl attach on O"
hn_ctl O config node 1 || hn_fail "hnctl config on O"
hn_ctl O neigh set 0 node 2 dev o-r mac "$(hn_mac R r-o)" $GOOD ||
	hn_fail "neigh on O"
hn_ctl O neigh set 1 node 4 dev o-x mac "$(hn_mac X x-o)" $GOOD ||
	hn_fail "neigh on O"
hn_ctl O route set 2 via 0:1 || hn_fail "route on O"
hn_ctl O route set 4 via 1:1 || hn_fail "route on O"
hn_ctl O route set 3 via 0:2 || hn_fail "route on O"
hn_ctl O task set 7 host 3 || hn_fail "task on O"
hn_ctl O model load "$MODEL" >/dev/null || hn_fail "model on O"
hn_ctl O dp domain set o-in inside || hn_fail "domain on O"
out=$(hn_ctl O dp domain set lo inside 2>&1)
rc=$?
check "only a mesh port can be put inside" \
	"$([ $rc -ne 0 ] && echo "$out" | grep -q 'is not a mesh port' && echo 1)" \
	"$(echo "$out" | head -1)"

# send NODE DEV ARGS...: N frames from node 1 out of NODE's DEV
send()
{
	local n=$1 dev=$2
	shift 2
	hn_pkt "$n" send -q -i "$dev" --count $N --interval-us 200 "$@" ||
		hn_fail "hn-pkt send on $n"
}

# capture NODE DEV NAME COUNT [SRC [MS]]: hn-pkt recv of every frame from
# node SRC (default 1) on NODE's DEV until COUNT arrived (or MS, default
# 60000, passed: a bound, not a wait), its JSON.  X's captures span several
# steps, whose time depends on the machine's load, and end on the plain
# frames sent last: their bound is the run's, not a step's.  Output
# into $HN_WORK/NAME.  Frames sent after the ones a check is about: they
# come through the same veth rings, so when they are in, so are those.
capture()
{
	local rdy=$HN_WORK/$3.rdy
	hn_x "$1" "$HNPKT" recv -j -i "$2" --match-src "${5:-1}" \
		--timeout-ms "${6:-60000}" --count "$4" --ready "$rdy" >"$HN_WORK/$3" &
	CAP_PID=$!
	hn_wait_file "$rdy"
}

got()
{
	hn_jget "$(cat "$HN_WORK/$1")" "$2"
}

# 1. nothing private leaves O.  Private frames first, plain ones after:
#    the capture ends at N frames, so a leak shows as private > 0.
hn_ctl O stats reset || hn_fail "stats reset on O"
capture X x-o capx1 $N 1 600000
XPID=$CAP_PID
capture R r-o cap1 $N
send O o-app --src 1 --dst 3 --seq 100 --flags private
send O o-app --src 1 --dst 7 --seq 200 --flags anycast,private
send O o-app --src 1 --dst 4294967295 --seq 300 --flags mcast,private
send O o-app --src 1 --dst 600 --seq 400 --flags mcast,private
send O o-app --src 1 --dst 3 --seq 500
wait "$CAP_PID"
send O o-app --src 1 --dst 4 --seq 500
wait "$XPID"
check "no raw-class frame leaves the origin" \
	"$([ "$(got cap1 private)" = 0 ] && [ "$(got capx1 private)" = 0 ] &&
		echo 1)" \
	"private frames at R: $(got cap1 private), at X: $(got capx1 private)"
check "plain frames still leave it" \
	"$([ "$(got cap1 unique)" = $N ] && [ "$(got capx1 unique)" = $N ] &&
		echo 1)" \
	"plain at R: $(got cap1 unique) of $N, at X: $(got capx1 unique)"
out=$(hn_stat O priv_drop_out)
# unicast and anycast one each, floods one for each of o-r and o-x
check "O counts every private frame or copy it kept" \
	"$([ "$out" = $((6 * N)) ] && echo 1)" \
	"priv_drop_out $out, want $((6 * N))"
check "and refused none at its door" \
	"$([ "$(hn_stat O priv_drop_in)" = 0 ] && echo 1)" \
	"priv_drop_in $(hn_stat O priv_drop_in)"

# 2. the domain grows to R: R is a router now, F's port the capture.
pass_end R r-o off
hn_ctl R attach r-o r-f >/dev/null || hn_fail "hnctl attach on R"
hn_ctl R config node 2 || hn_fail "hnctl config on R"
hn_ctl R neigh set 0 node 1 dev r-o mac "$(hn_mac O o-r)" $GOOD ||
	hn_fail "neigh on R"
hn_ctl R neigh set 1 node 3 dev r-f mac "$(hn_mac F f-r)" $GOOD ||
	hn_fail "neigh on R"
hn_ctl R route set 3 via 1:1 || hn_fail "route on R"
hn_ctl R route set 1 via 0:1 || hn_fail "route on R"
hn_ctl R model load "$MODEL" >/dev/null || hn_fail "model on R"
hn_ctl O dp domain set o-r inside || hn_fail "domain on O"
hn_ctl R dp domain set r-o inside || hn_fail "domain on R"
hn_ctl R stats reset || hn_fail "stats reset on R"
hn_ctl O stats reset || hn_fail "stats reset on O"

# private_all SEQ: N private frames each of unicast to F, a flood to
# every node (TC copies it on) and one to group 600 (XDP broadcasts it);
# flood seqs from SEQ, unicast seqs from SEQ + 5000
private_all()
{
	send O o-app --src 1 --dst 3 --seq $(($1 + 5000)) --flags private
	send O o-app --src 1 --dst 4294967295 --seq "$1" --flags mcast,private
	send O o-app --src 1 --dst 600 --seq $(($1 + 100)) --flags mcast,private
}

capture X x-o capx2 $N 1 600000
XPID=$CAP_PID
capture F f-r cap2 $N
private_all 1200
send O o-app --src 1 --dst 3 --seq 700
wait "$CAP_PID"
check "private frames stop at the domain's edge (R)" \
	"$([ "$(got cap2 private)" = 0 ] &&
		[ "$(hn_stat R priv_drop_out)" = $((3 * N)) ] && echo 1)" \
	"private at F $(got cap2 private), R priv_drop_out $(hn_stat R priv_drop_out) of $((3 * N))"
check "plain frames go on to F" \
	"$([ "$(got cap2 unique)" = $N ] && echo 1)" \
	"plain at F: $(got cap2 unique) of $N"

hn_ctl R dp domain set r-f inside || hn_fail "domain on R"
capture F f-r cap3 $((3 * N))
private_all 1400
wait "$CAP_PID"
check "inside the domain they are forwarded, flooded and copied" \
	"$([ "$(got cap3 private)" = $((3 * N)) ] &&
		[ "$(got cap3 unique)" = $((3 * N)) ] && echo 1)" \
	"private at F: $(got cap3 private) of $((3 * N)), unique $(got cap3 unique)"
send O o-app --src 1 --dst 4 --seq 600
wait "$XPID"
out=$(hn_stat O priv_drop_out)
check "none of them reaches X, outside all along" \
	"$([ "$(got capx2 private)" = 0 ] && [ "$(got capx2 unique)" = $N ] &&
		[ "$out" = $((4 * N)) ] && echo 1)" \
	"private at X $(got capx2 private), plain $(got capx2 unique); O priv_drop_out $out of $((4 * N))"

# 3. raw data claimed from outside: F sends through r-f, outside again.
hn_ctl R dp domain set r-f outside || hn_fail "domain on R"
hn_ctl R stats reset || hn_fail "stats reset on R"
capture R r-f cap4 $N 3
send F f-r --src 3 --dst 1 --seq 900 --flags private
send F f-r --src 3 --dst 7 --seq 1000 --flags anycast,private
send F f-r --src 3 --dst 2 --seq 1100
wait "$CAP_PID"
in=$(hn_stat R priv_drop_in)
fwd=$(($(hn_stat R fwd_redirect) + $(hn_stat R fwd_tx) + $(got cap4 private)))
check "private frames from outside the domain are refused" \
	"$([ "$in" = $((2 * N)) ] && [ "$fwd" = 0 ] &&
		[ "$(got cap4 unique)" = $N ] && echo 1)" \
	"R priv_drop_in $in of $((2 * N)), forwarded or delivered $fwd"

st=$(hn_ctl O -j status | python3 -c '
import json, sys
print(" ".join(sorted("%s:%d" % (a["dev"], a["private_domain"])
                      for a in json.load(sys.stdin)["attached"])))')
check "hnctl status shows each port's side" \
	"$([ "$st" = "o-in:1 o-r:1 o-x:0" ] &&
		hn_ctl O status | grep -q 'o-r xdp .*, inside the privacy domain' &&
		echo 1)" "$st"
hn_ctl O dp domain list | sed 's/^/    O: /'
hn_ctl R dp domain list | sed 's/^/    R: /'
[ "$HN_FAILED" -eq 0 ] || hn_fail "$HN_FAILED check(s) failed"
echo "PASS: test_privacy"
