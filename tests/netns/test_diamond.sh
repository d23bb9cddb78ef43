#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The XDP router on a diamond of four namespaces (tests/netns/diamond.sh):
#
#                    b-a [B id 2] b-d
#                   /                \
#   a-app -- a-in [A id 1]          [D id 4]
#                   \                /
#                    c-a [C id 3] c-d
#
# Checks, each printed with its figures:
#   1. data frames sent from a packet socket at A all reach D;
#   2. the model follows A's neighbour features: traffic goes through B
#      while B's link is better, and through C once B's features worsen;
#   3. local repair: with B's link good again, silencing B's HELLOs moves
#      traffic to C in the data plane alone (fb_stale counts it);
#   4. one multicast frame to every node reaches each node exactly once.
# Exits 0 when all pass, 77 (SKIPPED) without root or namespaces.
set -u
. "$(dirname "$0")/lib.sh"
trap hn_cleanup EXIT
trap 'exit 1' INT TERM
hn_require
[ -f "$HN_OUT/models/route-default.hnm" ] ||
	hn_skip "no $HN_OUT/models/route-default.hnm: run make first"
. "$(dirname "$0")/diamond.sh"

N=200

dump_counters()
{
	local n
	for n in "$@"; do
		echo "--- counters of $n:"
		hn_ctl "$n" stats | sed 's/^/    /'
	done
}

diamond_up
echo "topology up: A B C D (namespaces ${HN_TAG}-*)"
hn_ctl A status | sed 's/^/    A: /'

# 0. the router runs natively on every port of every node
att=
for n in A B C D; do
	j=$(hn_ctl "$n" -j status) || hn_fail "hnctl status on $n"
	att="$att $n:$(python3 -c '
import json, sys
print(",".join(a["dev"] for a in json.loads(sys.argv[1])["attached"]
               if a["mode"] == "native"))' "$j")"
done
want=" A:a-b,a-c,a-in B:b-a,b-d C:c-a,c-d D:d-b,d-c"
sorted_att=$(for x in $att; do
	echo "${x%%:*}:$(echo "${x#*:}" | tr , '\n' | sort | paste -sd,)"
done | paste -sd' ')
check "XDP native on every mesh port" \
	"$([ " $sorted_att" = "$want" ] && echo 1)" "$sorted_att"

# 1. reachability
b0=$(hn_stat B fwd_redirect) c0=$(hn_stat C fwd_redirect)
j=$(diamond_send_AD $N 1000) || hn_fail "sending A -> D"
got=$(hn_jget "$j" unique) viab=$(hn_jget "$j" devs d-b)
viac=$(hn_jget "$j" devs d-c) dup=$(hn_jget "$j" duplicates)
check "A -> D delivery" "$([ "$got" -eq $N ] && [ "$dup" -eq 0 ] && echo 1)" \
	"$got/$N unique at D, $dup duplicates; via B $viab, via C $viac"
[ "$got" -eq $N ] || dump_counters A B C D

# 2a. B's link better than C's: the model picks B
check "model prefers the better link (B)" \
	"$([ "$viab" -ge $((N * 95 / 100)) ] && echo 1)" \
	"via B $viab, via C $viac of $N"
hn_ctl A config trace on >/dev/null
hn_pkt A send -q -i a-app --src 1 --dst 4 --count 1 --seq 5000
echo "    A's last decision:"
hn_ctl A trace | sed 's/^/    /'
hn_ctl A config trace off >/dev/null

# 2b. B's link degrades (features only, B stays live): traffic moves to C
diamond_neigh A 0 B a-b b-a $DIAMOND_BAD
b1=$(hn_stat B fwd_redirect) c1=$(hn_stat C fwd_redirect)
j=$(diamond_send_AD $N 2000) || hn_fail "sending A -> D"
viab=$(hn_jget "$j" devs d-b) viac=$(hn_jget "$j" devs d-c)
b2=$(hn_stat B fwd_redirect) c2=$(hn_stat C fwd_redirect)
check "worse features at A move traffic from B to C" \
	"$([ "$viac" -ge $((N * 95 / 100)) ] && echo 1)" \
	"via B $viab, via C $viac of $N; forwarded by B +$((b2 - b1)), by C +$((c2 - c1))"
[ "$viac" -ge $((N * 95 / 100)) ] || dump_counters A B C

# 3. local repair: B good again, then silent
diamond_neigh A 0 B a-b b-a $DIAMOND_GOOD
j=$(diamond_send_AD $N 3000) || hn_fail "sending A -> D"
viab=$(hn_jget "$j" devs d-b)
check "B preferred again once its link is good" \
	"$([ "$viab" -ge $((N * 95 / 100)) ] && echo 1)" "via B $viab of $N"
hn_stop hello-B-b-a
sleep "$(awk "BEGIN { print ($DIAMOND_STALE_MS + 300) / 1000 }")"
s0=$(hn_stat A fb_stale)
j=$(diamond_send_AD $N 4000) || hn_fail "sending A -> D"
viab=$(hn_jget "$j" devs d-b) viac=$(hn_jget "$j" devs d-c)
got=$(hn_jget "$j" unique)
s1=$(hn_stat A fb_stale)
check "silent B: local repair moves traffic to C" \
	"$([ "$viac" -ge $((N * 95 / 100)) ] && [ $((s1 - s0)) -gt 0 ] && echo 1)" \
	"via B $viab, via C $viac of $N; A fb_stale +$((s1 - s0))"
[ "$viac" -ge $((N * 95 / 100)) ] || { dump_counters A; hn_ctl A neigh; }
hn_ctl A neigh | sed 's/^/    A: /'

# 4. multicast to every node: exactly once each
for n in A B C D; do
	case $n in
	A) devs=a-in,a-b,a-c ;;
	B) devs=b-a,b-d ;;
	C) devs=c-a,c-d ;;
	D) devs=d-b,d-c ;;
	esac
	hn_bg "mrecv-$n" "$n" "$HNPKT" recv -j -i "$devs" --match-src 1 \
		--match-type data --timeout-ms 1500 \
		--ready "$HN_WORK/mrdy.$n" >"$HN_WORK/mrecv.$n"
done
for n in A B C D; do
	hn_wait_file "$HN_WORK/mrdy.$n"
done
hn_pkt A send -q -i a-app --src 1 --dst 0xffffffff --flags mcast \
	--count 1 --seq 9000 || hn_fail "hn-pkt send mcast on A"
for n in A B C D; do
	wait "${HN_PID_OF[mrecv-$n]}"
done
mfail=0
summary=
for n in A B C D; do
	j=$(cat "$HN_WORK/mrecv.$n")
	f=$(hn_jget "$j" frames)
	summary="$summary $n=$f"
	[ "$f" = 1 ] || mfail=1
done
check "multicast reaches every node exactly once" \
	"$([ $mfail = 0 ] && echo 1)" "frames per node:$summary"
if [ $mfail = 1 ]; then
	for n in A B C D; do
		echo "--- $n: $(cat "$HN_WORK/mrecv.$n")"
	done
	dump_counters A B C D
fi
for n in A B C D; do
	echo "    $n: mcast_local $(hn_stat $n mcast_local)" \
		"mcast_dup $(hn_stat $n mcast_dup) tc_clone $(hn_stat $n tc_clone)"
done

if [ $HN_FAILED -gt 0 ]; then
	echo "test_diamond: $HN_FAILED check(s) failed"
	exit 1
fi
echo "test_diamond: all checks passed"
exit 0
