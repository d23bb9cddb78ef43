#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The live bench's stats method (bench/run.sh, LIVE_METHOD=prog_stats):
#
#   g0 [G] <==veth==> r0 [R] r1 <==veth==> s0 [S]
#
# hn-bench pktgen sends N frames from G through AF_PACKET; the router's XDP
# program on r0 (the plain forward, then HyperNet deciding over 8
# candidates for 1024 destinations) redirects them to the sink on s0.
#   1. the program's run_cnt grows by exactly the frames sent, and its
#      run_time_ns grows (the kernel's statistics were on);
#   2. HyperNet forwarded every one of them (its own counters);
#   3. the statistics are off again afterwards: the sysctl is unchanged;
#   4. livecheck's exit status agrees with what it prints.
# No timing in any pass condition.  Exits 0 when all pass, 77 (SKIPPED)
# without root or namespaces.
set -u
. "$(dirname "$0")/lib.sh"
hn_start
BENCH=$HN_OUT/bench/hn-bench
[ -x "$BENCH" ] || hn_skip "no $BENCH: run make first"
N=1000
MAC_G0=02:48:4e:42:00:01 MAC_R0=02:48:4e:42:00:02
MAC_R1=02:48:4e:42:00:03 MAC_S0=02:48:4e:42:00:04

hn_nodes G 1 R 2 S 3
# no IPv6 chatter (ND, MLD) among the frames the program counts
for n in G R S; do
	hn_no_ipv6 $n || hn_fail "cannot turn IPv6 off in $n"
done
hn_link G g0 R r0
hn_link R r1 S s0
ip -n "$(hn_ns G)" link set g0 address $MAC_G0
ip -n "$(hn_ns R)" link set r0 address $MAC_R0
ip -n "$(hn_ns R)" link set r1 address $MAC_R1
ip -n "$(hn_ns S)" link set s0 address $MAC_S0
hn_x S "$BENCH" attach sink --dev s0 || hn_fail "cannot attach the sink"

# val KEY TEXT: the value on TEXT's "KEY value" line
val() { awk -v k="$1" '$1 == k { print $2 }' <<<"$2"; }

# one_router NAME ATTACH-ARGS...: send N frames through router NAME
one_router()
{
	local name=$1 p0 p1 g hn0 hn1 sent runs ns
	shift
	hn_x R "$BENCH" detach r0 2>/dev/null
	hn_x R "$BENCH" attach "$@" --dev r0 --out r1 --smac $MAC_R1 \
		--dmac $MAC_S0 || hn_fail "cannot attach $name"
	p0=$(hn_x R "$BENCH" progstats r0) || hn_fail "progstats r0"
	hn0=$(hn_x R "$BENCH" hnstats r0 2>/dev/null)
	g=$(hn_x G "$BENCH" pktgen --dev g0 --smac $MAC_G0 --dmac $MAC_R0 \
		--ttl 255 --dst 100 --vary-dst 1024 --count $N --prog-stats)
	p1=$(hn_x R "$BENCH" progstats r0) || hn_fail "progstats r0"
	hn1=$(hn_x R "$BENCH" hnstats r0 2>/dev/null)
	sent=$(val gen_frames "$g")
	runs=$(($(val run_cnt "$p1") - $(val run_cnt "$p0")))
	ns=$(($(val run_time_ns "$p1") - $(val run_time_ns "$p0")))
	check "$name: the generator sent or counted every frame" \
		"$([ $((sent + $(val gen_refused "$g"))) = $N ] &&
		   [ "$sent" -gt 0 ] && echo 1)" "$(echo $g)"
	check "$name: run_cnt grew by the frames sent" \
		"$([ "$runs" = "$sent" ] && echo 1)" "$runs runs, $sent sent"
	check "$name: run_time_ns grew" "$([ "$ns" -gt 0 ] && echo 1)" \
		"$ns ns"
	[ -n "$hn1" ] || return 0
	check "$name: every frame was forwarded" \
		"$([ $(($(val fwd_redirect "$hn1") - $(val fwd_redirect "$hn0"))) \
		     = "$sent" ] && echo 1)" "$(echo $hn1)"
}

stats0=$(cat /proc/sys/kernel/bpf_stats_enabled)
one_router plain plain
one_router hypernet hypernet --dsts 1024 --cands 8
check "the statistics sysctl is as it was" \
	"$([ "$(cat /proc/sys/kernel/bpf_stats_enabled)" = "$stats0" ] &&
	   echo 1)" "before $stats0"

out=$(hn_x G "$BENCH" livecheck g0)
rc=$?
check "livecheck's status agrees with its words" \
	"$( ([ $rc = 0 ] && [ "$out" = "live_frames ok" ]) ||
	    ([ $rc != 0 ] && [[ "$out" == "live_frames refused: "* ]]) &&
	    echo 1)" "rc $rc: $out"

if [ $HN_FAILED -gt 0 ]; then
	echo "test_bench_stats: $HN_FAILED check(s) failed"
	exit 1
fi
echo "test_bench_stats: all checks passed"
