#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the QEMU guest (from guest_xdp.sh): the XDP router shares a
# port with another program through libxdp's dispatcher (hnctl attach
# --multiprog, xdp-loader), loaded in either order.  Debian's kernel lets
# libxdp load its dispatcher's extension programs, which the host kernel
# of some sandboxes refuses; tests/netns/test_xdp_multiprog.sh is the
# same on the host where it can run.
#
#   vb --> va [router, node 100, + xdp_count] vc --> vd (receiver)
. /hn/guest_lib.sh
IP=/usr/sbin/ip
CNT=/hn/data/xdp_count.bpf.o
PIN=/sys/fs/bpf/hypernet

if ! command -v xdp-loader >/dev/null || [ ! -f $CNT ]; then
	echo "SKIP multiprog: no xdp-loader or $CNT in the guest"
	exit 0
fi
guest_mods veth sch_ingress cls_bpf
rm -rf $PIN /sys/fs/bpf/xdp
$IP link add va type veth peer name vb
$IP link add vc type veth peer name vd
for d in va vb vc vd; do $IP link set $d up; done
$IP addr add 192.0.2.2/24 dev vb
# frames redirected into vc need an XDP program on its peer
$IP link set dev vd xdpdrv obj $CNT sec xdp

# cid: the id of xdp_count behind va's dispatcher
cid() {
	xdp-loader status va |
		awk '{ for (i = 1; i < NF; i++) if ($i == "xdp_count") { print $(i + 1); exit } }'
}

# counter PROG KEY: entry KEY (0 HyperNet, 1 other) of the map of
# xdp_count program PROG (bpftool prints it by its BTF)
counter() {
	m=$(bpftool prog show id $1 | sed -n 's/.*map_ids \([0-9]*\).*/\1/p')
	bpftool -j map lookup id "$m" key $2 0 0 0 2>/dev/null |
		sed -n 's/.*"formatted":{"key":[0-9]*,"value":\([0-9]*\)}.*/\1/p'
}

# send N SEQ: N data frames for node 200 into va; prints how many vd got
send() {
	hn-pkt recv -j -i vd --match-dst 200 --count $1 --timeout-ms 3000 \
		--ready /tmp/mp.rdy >/tmp/mp.recv &
	rp=$!
	while [ ! -e /tmp/mp.rdy ]; do sleep 0.1; done
	hn-pkt send -q -i vb --src 7 --dst 200 --count $1 --seq $2 \
		--interval-us 500
	wait $rp
	rm -f /tmp/mp.rdy
	sed -n 's/.*"unique": *\([0-9]*\).*/\1/p' /tmp/mp.recv
}

# others: a few frames that are not HyperNet's (ARP) into va
others() {
	arping -c 3 -I vb 192.0.2.9 >/dev/null 2>&1
}

# send_counted FWD SEQ CNT HN: 50 frames from SEQ must cross the router
# (case FWD), and the counter must have seen HN of them and 3 or more
# other frames (case CNT)
send_counted() {
	got=$(send 50 $2)
	[ "$got" = 50 ] && ok "$1" || ko "$1 ($got/50)"
	others
	hn=$(counter $(cid) 0)
	oth=$(counter $(cid) 1)
	[ "$hn" = $4 ] && [ "$oth" -ge 3 ] && ok "$3" ||
		ko "$3 (HyperNet $hn/$4, others $oth >= 3)"
}

route_up() {
	hnctl config node 100 >/dev/null &&
	hnctl neigh set 0 node 200 dev vc \
		mac $($IP -br link show vd | awk '{ print $3 }') >/dev/null &&
	hnctl route set 200 via 0:1 >/dev/null
}

# 1. the counter first, at libxdp's default priority 50: before the router
check mp-xdp-loader-first xdp-loader load -m native va $CNT
check mp-dispatcher sh -c 'xdp-loader status va | grep -q xdp_dispatcher'
check mp-plain-refused sh -c '! hnctl attach va 2>/tmp/mp.err; cat /tmp/mp.err; grep -q "libxdp dispatcher" /tmp/mp.err'
check mp-attach-beside hnctl attach va --multiprog
check mp-attach-vc hnctl attach vc
route_up || ko "mp-route"
check mp-status sh -c 'hnctl status | grep "va xdp native" | grep -q "libxdp dispatcher"'
send_counted mp-forward-beside-counter 1000 mp-counter-runs-first 50
# our own program again, without --force: replaced, not doubled
check mp-reattach-own hnctl attach va --multiprog
n=$(xdp-loader status va | grep -c -E 'hn_xdp|xdp_count')
[ "$n" = 2 ] && ok "mp-reattach-own-once" || ko "mp-reattach-own-once ($n programs)"
got=$(send 20 2000)
[ "$got" = 20 ] && ok "mp-forward-after-reattach" ||
	ko "mp-forward-after-reattach ($got/20)"
# the other program leaves; the router goes on
check mp-unload-counter xdp-loader unload va -i "$(cid)"
got=$(send 20 3000)
[ "$got" = 20 ] && ok "mp-forward-alone" || ko "mp-forward-alone ($got/20)"
check mp-detach hnctl detach va

# 2. the router first, the counter after it (priority 70): it sees what
# the router passes and nothing the router forwards
check mp-router-first hnctl attach va --multiprog
check mp-xdp-loader-after xdp-loader load -m native -P 70 va $CNT
send_counted mp-forward-before-counter 4000 mp-counter-sees-passed 0
# detach takes ours only
check mp-detach-ours hnctl detach va
check mp-other-stays sh -c 'xdp-loader status va | grep -q xdp_count'
check mp-force sh -c 'hnctl attach va --force && ! xdp-loader status va | grep -q xdp_count'
hnctl detach va >/dev/null 2>&1

# 3. hypernetd in xdp-mode = multiprog beside the counter: joins, keeps
# one program of ours across a restart, joins again after a detach (it
# has no neighbours here: forwarding is the cases above)
check mp-agent-counter xdp-loader load -m native va $CNT
mkdir -p /tmp/hnd
chmod 700 /tmp/hnd
umask 077
echo "1 $(printf '5a%.0s' $(seq 32))" >/tmp/hnd/key
cat >/tmp/hnd/conf <<CONF
node-id = 100
port = va
port = vc
mesh-key-file = /tmp/hnd/key
state-dir = /tmp/hnd/state
pin-dir = $PIN
control-socket = /tmp/hnd/ctl
xdp-mode = multiprog
xdp-reattach = 1
keep-attached = 1
CONF
umask 022
agent() {
	hypernetd -c /tmp/hnd/conf 2>>/tmp/hnd/log &
	ap=$!
	i=0
	while [ $i -lt 100 ] && ! hnctl -S /tmp/hnd/ctl agent status >/dev/null 2>&1; do
		sleep 0.1
		i=$((i + 1))
	done
}
progs() { xdp-loader status va | grep -c -E '=>.*(hn_xdp|xdp_count)'; }
agent
check mp-agent-joins sh -c 'hnctl -S /tmp/hnd/ctl -j agent status | grep -q "\"name\":\"va\",[^}]*\"multiprog\":true" && [ $(xdp-loader status va | grep -c "=>") = 2 ]'
kill $ap
wait $ap
agent
n=$(progs)
[ "$n" = 2 ] && ok "mp-agent-restart-once" || ko "mp-agent-restart-once ($n programs)"
hnctl detach va >/dev/null 2>&1
i=0
while [ $i -lt 50 ] && ! grep -q 'port va: XDP re-attached' /tmp/hnd/log; do
	sleep 0.1
	i=$((i + 1))
done
check mp-agent-reattach sh -c 'grep "port va" /tmp/hnd/log; grep -q "port va: XDP re-attached" /tmp/hnd/log && [ $(xdp-loader status va | grep -c "=>") = 2 ]'
kill $ap
wait $ap
hnctl detach va >/dev/null 2>&1
hnctl detach vc >/dev/null 2>&1
$IP link del va
$IP link del vc
rm -rf $PIN
