#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The XDP router beside another program on one port, through libxdp's
# dispatcher (hnctl attach --multiprog, xdp-loader, hypernetd xdp-mode =
# multiprog):
#
#   h1-r [H1 20] -- r-h1 [R 10] r-h2 -- h2-r [H2 30]
#
# xdp_count (tests/netns/xdp_count.bpf.o) counts what it sees on r-h1,
# HyperNet frames and others apart, and passes everything.
#   1. counter first (priority 50), router joins: H1 -> H2 forwarded, the
#      counter saw every frame (it runs before the router);
#   2. the router joins again without --force: replaced, not doubled;
#      the counter leaves, the router goes on;
#   3. router first, counter after it (priority 70): forwarded frames
#      never reach it, the frames the router passes (not HyperNet's) do;
#   4. detach takes the router only;
#   5. hypernetd with xdp-mode = multiprog joins beside the counter and,
#      with xdp-reattach = 1, joins again after a detach.
# libxdp's dispatcher needs the kernel to load freplace programs
# (BPF_PROG_TYPE_EXT); where it does not, this SKIPs (the QEMU suite runs
# the same cases on Debian's kernel, tests/qemu/guest_multiprog.sh).
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mesh.sh"
. "$(dirname "$0")/line3.sh"
hn_start
CNT=$HN_OUT/tests/xdp_count.bpf.o
[ -f "$CNT" ] || hn_skip "no $CNT: run make first"
command -v xdp-loader >/dev/null ||
	hn_skip "no xdp-loader (apt-get install xdp-tools)"

line3_up

hn_x R xdp-loader load -m native r-h1 "$CNT" >/dev/null 2>&1 ||
	hn_fail "xdp-loader cannot load $CNT"
if ! hn_x R xdp-loader status r-h1 | grep -q xdp_dispatcher; then
	hn_skip "libxdp cannot use its dispatcher on this kernel (it loads no freplace program, BPF_PROG_TYPE_EXT)"
fi

# cid: id of xdp_count behind r-h1's dispatcher
cid()
{
	hn_x R xdp-loader status r-h1 |
		awk '{ for (i = 1; i < NF; i++) if ($i == "xdp_count") { print $(i + 1); exit } }'
}

# counter KEY: xdp_count's count KEY (0 HyperNet, 1 other) on r-h1
counter()
{
	local m
	m=$(hn_x R bpftool -j prog show id "$(cid)" | python3 -c '
import json, sys
print(json.load(sys.stdin)["map_ids"][0])')
	hn_x R bpftool -j map lookup id "$m" key "$1" 0 0 0 | python3 -c '
import json, sys
print(json.load(sys.stdin)["formatted"]["value"])'
}

# others N: N frames of another EtherType (0x88B6) from H1 into r-h1
others()
{
	hn_x H1 python3 - "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("h1-r", 0))
src = bytes.fromhex(open("/sys/class/net/h1-r/address").read().strip().replace(":", ""))
frame = b"\xff" * 6 + src + b"\x88\xb6" + bytes(46)
for _ in range(int(sys.argv[1])):
    s.send(frame)
PY
}

# counted SEQ HN WHAT: 100 data frames H1 -> H2 from SEQ and 20 others;
# check WHAT: H2 got the 100, the counter saw HN of them and the others
counted()
{
	local got hn oth
	got=$(line3_send 100 "$1")
	others 20
	hn=$(counter 0) oth=$(counter 1)
	check "$3" \
		"$([ "$got" = 100 ] && [ "$hn" = "$2" ] && [ "$oth" -ge 20 ] && echo 1)" \
		"$got/100 at H2; counter: HyperNet $hn/$2, other $oth >= 20"
}

# n_on: programs behind r-h1's dispatcher, "hn_xdp xdp_count" sorted
n_on()
{
	hn_x R xdp-loader status r-h1 | awk '/=>/ { print $3 }' | sort |
		paste -sd' '
}

# 1. counter first, router beside it
out=$(hn_ctl R attach r-h1 2>&1)
check "a plain attach is refused beside the dispatcher" \
	"$(echo "$out" | grep -q 'libxdp dispatcher' && echo "$out" |
	   grep -q -- '--multiprog' && [ "$(n_on)" = xdp_count ] && echo 1)" "$out"
hn_ctl R attach r-h1 --multiprog >/dev/null || hn_fail "attach --multiprog"
hn_ctl R attach r-h2 >/dev/null || hn_fail "attach r-h2"
line3_route
check "both run on r-h1" "$([ "$(n_on)" = "hn_xdp xdp_count" ] && echo 1)" \
	"$(n_on)"
counted 1000 100 "forwarded beside the counter, which ran first"
st=$(hn_ctl R status | grep 'r-h1 xdp')
check "status shows the dispatcher" \
	"$(echo "$st" | grep -q 'libxdp dispatcher id [0-9]*, 2 programs' && echo 1)" "$st"

# 2. again without --force; the counter leaves
hn_ctl R attach r-h1 --multiprog >/dev/null || hn_fail "attach again"
check "our program replaced, not doubled" \
	"$([ "$(n_on)" = "hn_xdp xdp_count" ] && echo 1)" "$(n_on)"
hn_x R xdp-loader unload r-h1 -i "$(cid)" || hn_fail "unload the counter"
got=$(line3_send 100 2000)
check "the router goes on alone" "$([ "$got" = 100 ] && echo 1)" "$got/100"
hn_ctl R detach r-h1 >/dev/null || hn_fail "detach"

# 3. router first, counter after it
hn_ctl R attach r-h1 --multiprog >/dev/null || hn_fail "attach first"
hn_x R xdp-loader load -m native -P 70 r-h1 "$CNT" || hn_fail "counter after"
counted 3000 0 \
	"what the router forwards never reaches a program after it"

# 4. detach takes ours only
out=$(hn_ctl R detach r-h1 2>&1)
check "detach leaves the counter" \
	"$([ "$(n_on)" = xdp_count ] && echo 1)" "$(n_on): $out"

# 5. the agent in xdp-mode = multiprog (r-h2 is ours already: replaced)
mesh_require
MESH_PORTS[R]="r-h1 r-h2"
t0=$(date +%s.%N)
mesh_start R xdp-mode=multiprog xdp-reattach=1
t=$(mesh_log_wait 10 "$t0" \
	'port r-h1: XDP attached \(native, program id [0-9]* behind libxdp' R)
check "hypernetd joins the dispatcher beside the counter" \
	"$([ "$t" != timeout ] && [ "$(n_on)" = "hn_xdp xdp_count" ] && echo 1)" \
	"$(n_on); $(grep r-h1 "$HN_WORK/R.log" | tail -n 1)"
t0=$(date +%s.%N)
hn_ctl R detach r-h1 >/dev/null || hn_fail "detach under the agent"
t=$(mesh_log_wait 10 "$t0" 'warning: port r-h1: XDP re-attached' R)
mp=$(mesh_ctl R -j agent status | python3 -c '
import json, sys
print([p["multiprog"] for p in json.load(sys.stdin)["ports"]
       if p["name"] == "r-h1"][0])')
check "... and joins again after a detach" \
	"$([ "$t" != timeout ] && [ "$(n_on)" = "hn_xdp xdp_count" ] &&
	   [ "$mp" = True ] && echo 1)" "${t} s; $(n_on); multiprog $mp"

if [ $HN_FAILED -gt 0 ]; then
	echo "test_xdp_multiprog: $HN_FAILED check(s) failed"
	exit 1
fi
echo "test_xdp_multiprog: all checks passed"
