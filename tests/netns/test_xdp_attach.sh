#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hnctl attach and another XDP program on the same port:
#
#   h1-r [H1 20] -- r-h1 [R 10] r-h2 -- h2-r [H2 30]
#
#   1. a program that is not HyperNet's (xdp_count, attached with ip) is
#      refused, with what is there and a hint, and stays;
#   2. --force replaces it, and R forwards H1 -> H2;
#   3. our own program is replaced again without --force (a restart, or
#      attach run twice), in another mode too, and R still forwards;
#   4. detach leaves another program alone and says so;
#   5. hnctl status lists the ports our program runs on.
# Exits 0 when all pass, 77 (SKIPPED) without root or namespaces.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/line3.sh"
hn_start
CNT=$HN_OUT/tests/xdp_count.bpf.o
[ -f "$CNT" ] || hn_skip "no $CNT: run make first"

line3_up

# prog_on NODE DEV: "NAME ID MODE" of the XDP program on DEV, or "none"
prog_on()
{
	hn_x "$1" ip -d -j link show dev "$2" | python3 -c '
import json, sys
x = json.load(sys.stdin)[0].get("xdp", {})
p = x.get("prog") or {}
mode = {1: "native", 2: "generic", 3: "offload"}.get(x.get("mode"), "?")
print("%s %s %s" % (p["name"], p["id"], mode) if p else "none")'
}

# 1. another program is refused, and stays
hn_x R ip link set dev r-h1 xdpdrv obj "$CNT" sec xdp ||
	hn_fail "ip cannot attach $CNT"
before=$(prog_on R r-h1)
out=$(hn_ctl R attach r-h1 r-h2 2>&1)
rc=$?
after=$(prog_on R r-h1)
check "attach refuses another program" \
	"$([ $rc -ne 0 ] && [ "$after" = "$before" ] && echo 1)" \
	"rc $rc, before: $before, after: $after"
check "the refusal says what is there and how to go on" \
	"$(echo "$out" | grep -q "r-h1 already has XDP program xdp_count id $(echo "$before" | cut -d' ' -f2) (native); not replacing it" &&
	   echo "$out" | grep -q -- '--force' && echo 1)" "$out"
out=$(hn_ctl R attach r-h1 --multiprog 2>&1)
rc=$?
check "--multiprog refuses a program not loaded through libxdp" \
	"$([ $rc -ne 0 ] && [ "$(prog_on R r-h1)" = "$before" ] &&
	   echo "$out" | grep -q 'not loaded through libxdp' && echo 1)" \
	"rc $rc: $out"

# 2. --force replaces it
out=$(hn_ctl R attach r-h1 r-h2 --force 2>&1)
rc=$?
p1=$(prog_on R r-h1)
check "--force replaces it" \
	"$([ $rc = 0 ] && [ "${p1%% *}" = hn_xdp ] && echo 1)" \
	"rc $rc, r-h1 has $p1: $out"
line3_route
got=$(line3_send 100 1000)
check "R forwards after --force" "$([ "$got" = 100 ] && echo 1)" \
	"$got/100 at H2"

# 3. ours again, without --force: a new program replaces the old one
out=$(hn_ctl R attach r-h1 2>&1)
rc=$?
p2=$(prog_on R r-h1)
check "our own program is replaced without --force" \
	"$([ $rc = 0 ] && [ "${p2%% *}" = hn_xdp ] && [ "$p2" != "$p1" ] &&
	   echo 1)" "rc $rc, $p1 -> $p2: $out"
out=$(hn_ctl R attach r-h1 --generic 2>&1)
rc=$?
p3=$(prog_on R r-h1)
check "... in another mode too" \
	"$([ $rc = 0 ] && [ "${p3##* }" = generic ] && echo 1)" \
	"rc $rc, $p2 -> $p3: $out"
hn_ctl R attach r-h1 >/dev/null || hn_fail "native attach on R again"
got=$(line3_send 100 2000)
check "R forwards after attaching again" "$([ "$got" = 100 ] && echo 1)" \
	"$got/100 at H2"

# 4. detach leaves another program alone
hn_x R ip -force link set dev r-h2 xdpdrv obj "$CNT" sec xdp ||
	hn_fail "ip -force on r-h2"
p4=$(prog_on R r-h2)
out=$(hn_ctl R detach r-h2 2>&1)
rc=$?
check "detach leaves another program and says so" \
	"$([ $rc = 0 ] && [ "$(prog_on R r-h2)" = "$p4" ] &&
	   echo "$out" | grep -q 'not HyperNet.s: left in place' && echo 1)" \
	"rc $rc, r-h2 had $p4, has $(prog_on R r-h2): $out"
hn_ctl R detach r-h1 >/dev/null || hn_fail "detach r-h1"
check "detach takes our program off" \
	"$([ "$(prog_on R r-h1)" = none ] && echo 1)" "$(prog_on R r-h1)"

# 5. status: where our program runs, by the kernel's view
hn_ctl R attach r-h1 >/dev/null || hn_fail "attach r-h1 for status"
devs=$(hn_ctl R -j status | python3 -c '
import json, sys
print(" ".join(a["dev"] + ":" + a["prog"] for a in json.load(sys.stdin)["attached"]))')
check "status lists r-h1, not r-h2 with another program" \
	"$([ "$devs" = "r-h1:hn_xdp" ] && echo 1)" "attached: $devs"

if [ $HN_FAILED -gt 0 ]; then
	echo "test_xdp_attach: $HN_FAILED check(s) failed"
	exit 1
fi
echo "test_xdp_attach: all checks passed"
