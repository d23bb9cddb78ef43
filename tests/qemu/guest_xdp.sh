#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the QEMU guest after guest_kmod.sh's data-path cases: the XDP
# router on a veth port redirects tensor frames addressed to this node into
# hnt0 (config tensor-dev), natively and in generic (skb) mode.
. /hn/guest_lib.sh
IP=/usr/sbin/ip
NODE=100
PIN=/sys/fs/bpf/hypernet

unload() {
	hnctl detach va >/dev/null 2>&1
	$IP link set va xdpdrv off 2>/dev/null
	$IP link set va xdpgeneric off 2>/dev/null
	rm -rf $PIN
}

# The data plane also hooks TC (clsact + cls_bpf) for multicast.
guest_mods veth sch_ingress cls_bpf
rm -rf $PIN
check xdp-veth-add $IP link add va type veth peer name vb
$IP link set va up
$IP link set vb up
for mode in native generic; do
	flag=
	[ $mode = generic ] && flag=--generic
	# The router must verify on Debian's 6.1 kernel too (BPF ISA v3, no
	# private stacks): a load failure here is a data-plane bug.
	if ! out=$(hnctl attach va $flag 2>&1); then
		{ echo "$out" | grep -iE 'stack|too large|invalid' | head -n 3
		  echo "$out" | tail -n 2; } | sed 's/^/    /'
		ko "xdp-attach-$mode: the XDP router does not load on this kernel"
		unload
		continue
	fi
	ok "xdp-attach-$mode"
	check "xdp-config-$mode" hnctl config node $NODE tensor-dev hnt0
	hn-tensor run hnt0 -i vb -d $NODE -n 300 -s 21 -L 80x40:7r,40x20:6 2>&1 |
		sed "s/^PASS run-hnt0-frames-via-vb/PASS xdp-redirect-$mode/;
		     s/^FAIL run-hnt0-frames-via-vb/FAIL xdp-redirect-$mode/;
		     s/^\([^PF]\)/    \1/"
	$IP -d link show va | grep -o 'prog/xdp[a-z]* id [0-9]*' | sed 's/^/    /'
	unload
done
$IP link del va
# sharing a port with other programs through libxdp
[ -f /hn/guest_multiprog.sh ] && sh /hn/guest_multiprog.sh
