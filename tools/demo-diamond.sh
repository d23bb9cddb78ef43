#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The data-plane demo (`make demo-diamond`, as root): the XDP router on a
# diamond of four network namespaces, routing with the default model.  It
# shows traffic from A to D, the model's choice of next hop, what happens
# when B's link degrades and when B goes silent, and the counters.
# Everything it creates (namespaces, bpffs mounts, HELLO senders) is
# removed on exit.
set -u
. "$(dirname "$0")/../tests/netns/lib.sh"
trap hn_cleanup EXIT
trap 'exit 1' INT TERM

hn_need_root demo-diamond
hn_require
[ -f "$HN_OUT/models/route-default.hnm" ] ||
	hn_fail "no $HN_OUT/models/route-default.hnm: run make first"
. "$(dirname "$0")/../tests/netns/diamond.sh"

N=${DEMO_FRAMES:-200}
# traffic LABEL SEQ: send N frames A -> D and say which way they went.
traffic()
{
	local j b c got
	j=$(diamond_send_AD "$N" "$2") || hn_fail "sending A -> D"
	got=$(hn_jget "$j" unique)
	b=$(hn_jget "$j" devs d-b)
	c=$(hn_jget "$j" devs d-c)
	say "$1: $got of $N frames from A reached D: $b through B, $c through C"
}

# decision: one traced frame, then A's last decision in words.
decision()
{
	local j ch nb s0 s1 reason
	hn_ctl A config trace on >/dev/null
	hn_pkt A send -q -i a-app --src 1 --dst 4 --count 1 --seq "$1"
	hn_ctl A config trace off >/dev/null
	j=$(hn_ctl A -j trace) || return
	# the CPU whose decision is newest
	read -r ch nb s0 s1 reason < <(python3 -c '
import json, sys
t = max(json.loads(sys.argv[1]), key=lambda d: d["time_ns"])
s = t["scores"] + [0, 0]
print(t["chosen"], t["neigh"], s[0], s[1], t["reason"])' "$j")
	[ "$nb" = 0 ] && nb="0 (B)" || nb="1 (C)"
	say "A's decision for D: score via B $s0, via C $s1" \
		"-> neighbour $nb, reason: $reason"
}

printf "${HN_B}HyperNet demo: learned next-hop choice in XDP, on a diamond${HN_R}\n"
cat <<'EOF'

                     b-a [B id 2] b-d
                    /                \
    a-app -- a-in [A id 1]          [D id 4]
                    \                /
                     c-a [C id 3] c-d

   Four network namespaces joined by veth pairs.  The XDP router runs
   natively on every port; A's packet socket sends on a-app, so A's own
   router picks the next hop for what A sends to D.
EOF

step "1. Build the diamond, attach XDP, load the default route model"
diamond_up
say "namespaces: ${HN_TAG}-A ${HN_TAG}-B ${HN_TAG}-C ${HN_TAG}-D"
hn_ctl A status | indent
say "A's neighbours (features scaled 0..127) and routes:"
hn_ctl A neigh | indent
hn_ctl A route | indent

step "2. Traffic from A to D"
traffic "B's link is the better one" 1000
decision 1500

step "3. B's link degrades (hnctl neigh set 0 ... quality 400 delay-us 50000 loss 300)"
diamond_neigh A 0 B a-b b-a $DIAMOND_BAD
traffic "after the change" 2000
decision 2500

step "4. B's link recovers, then B falls silent (its HELLO sender stops)"
diamond_neigh A 0 B a-b b-a $DIAMOND_GOOD
traffic "B good again" 3000
hn_stop hello-B-b-a
say "B's HELLOs to A stopped; waiting $DIAMOND_STALE_MS ms for A to call B stale"
sleep "$(awk "BEGIN { print ($DIAMOND_STALE_MS + 300) / 1000 }")"
hn_ctl A neigh | indent
traffic "B silent, local repair in XDP" 4000
decision 4500

step "5. Counters"
for n in A B C D; do
	say "node $n:"
	hn_ctl "$n" stats | indent
done

step "Done: cleaning up the namespaces"
