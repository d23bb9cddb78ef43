#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the QEMU guest (busybox sh): the module's test suite.  One
# PASS/FAIL line per case; the host (test_kmod.sh) judges.
. /hn/guest_lib.sh
KO=/lib/modules/$KVER/extra/hypernet.ko
N=${HN_TENSORS:-1000}
dmesg -c >/dev/null
# busybox sh runs its own applets first: Debian's iproute2 by full path.
export IP=/usr/sbin/ip
ip() { $IP "$@"; }

# refuse NAME CMD...: as check (guest_lib.sh), but CMD must fail.
refuse() {
	name=$1
	shift
	if out=$("$@" 2>&1); then
		ko "$name (accepted)"
	else
		ok "$name"
	fi
	[ -n "$out" ] && echo "$out" | sed 's/^/    /'
}
# hn-tensor prints its own PASS/FAIL lines.
tensor() {
	hn-tensor "$@" 2>&1 | sed 's/^\([^PF]\)/    \1/'
}
# So does kmod-bad (tests/qemu/kmod_bad*.c); beyond a failed case (exit
# status 1, its FAIL line printed), a failure to run fails too.
bad() {
	out=$(kmod-bad "$@" 2>&1)
	rc=$?
	[ -n "$out" ] && echo "$out" | sed 's/^\([^PF]\)/    \1/'
	[ $rc -le 1 ] || ko "kmod-bad-$1 (rc $rc)"
}

check insmod insmod "$KO"
check genl-family-registered sh -c 'grep -q hypernet /proc/modules'

# Devices: several, in the init netns and in two others.
check link-add ip link add hnt0 type hypernet
check link-add-2 ip link add hnt1 type hypernet
check link-add-3 ip link add hnt2 type hypernet
for d in hnt0 hnt1 hnt2; do ip link set "$d" up; done
check link-show-kind sh -c '$IP -d link show hnt0 | grep -q hypernet'
refuse link-add-bad-mac ip link add hntx address 01:00:00:00:00:01 type hypernet
refuse link-mtu-too-small ip link set hnt0 mtu 30
check link-mtu-jumbo ip link set hnt0 mtu 9000
ip link set hnt0 mtu 1500
check netns-add ip netns add ns1
check netns-add-2 ip netns add ns2
for ns in ns1 ns2; do
	check "netns-link-add-$ns" ip -n $ns link add hnt0 type hypernet
	ip -n $ns link set hnt0 up
	ip -n $ns link set lo up
done

# The bit-exact suite: single-frame and fragmented (shuffled) tensors.
tensor run hnt0 -n "$N" -s 1 -L 64x32:7r,32x16:6
# Private (raw) inputs are computed here; results leave without the flag.
tensor run hnt0 -n 100 -s 23 -P -L 64x32:7r,32x16:6
# Small MTU: inputs and results both fragmented.
ip link set hnt1 mtu 200
tensor run hnt1 -n 100 -s 2 -L 500x300:9r,300x260:8 -f 0
# Results delivered locally, as notifications.
tensor run hnt2 -n 200 -s 3 -L 100x50:7r -l
hnctl dev show hnt2 | sed 's/^/    /'
# Same name in two namespaces at once: netns-aware lookup and traffic.
ip netns exec ns1 hn-tensor run hnt0 -n 200 -s 4 -L 48x24:6r >/tmp/ns1.out 2>&1 &
p1=$!
ip netns exec ns2 hn-tensor run hnt0 -n 200 -s 5 -L 40x40:6 >/tmp/ns2.out 2>&1 &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
sed 's/^\([^PF]\)/    \1/' /tmp/ns1.out /tmp/ns2.out
[ $r1 -eq 0 ] && [ $r2 -eq 0 ] && ok netns-parallel || ko netns-parallel

# Stage replaced again and again while tensors flow: two stages of the
# same shape in turn, every 64 tensors sent (6 reloads); nothing may be
# lost and every result must be one stage's or the other's.
tensor run hnt0 -n 400 -s 6 -L 96x48:7r,48x12:5 -r

# Results on to the next stage's node, from the device's own node id;
# back to the origin from a configured node id.
tensor run hnt0 -n 200 -s 17 -L 50x20:6r -N 7 -C 2 -I 33
tensor run hnt0 -n 100 -s 18 -L 50x20:6r -I 44

check stats-counters sh -c '
	tx=$(cat /sys/class/net/hnt0/statistics/tx_packets)
	rx=$(cat /sys/class/net/hnt0/statistics/rx_packets)
	echo "hnt0 tx $tx rx $rx"; [ "$tx" -ge '"$N"' ] && [ "$rx" -ge '"$N"' ]'
ip -s link show hnt0 | sed 's/^/    /'

# hnctl dev
check hnctl-dev-show hnctl dev show
check hnctl-dev-show-json sh -c 'hnctl -j dev show hnt0 | grep -q "\"ifname\""'
check hnctl-dev-output-node hnctl dev output hnt0 node 7 class 2
check hnctl-dev-output-origin hnctl dev output hnt0 origin
refuse hnctl-dev-show-nodev hnctl dev show nosuchdev
# A dump larger than one netlink message.
for i in $(seq 10 69); do ip link add hnm$i type hypernet; done
check dump-many-devices sh -c 'n=$(hnctl dev show | grep -c "^hnm"); echo "$n devices"; [ "$n" -eq 60 ]'
check dump-many-devices-json sh -c '[ $(hnctl -j dev show | grep -o "\"ifname\"" | wc -l) -ge 63 ]'
for i in $(seq 10 69); do ip link del hnm$i; done

# A .hnm file loaded by hnctl, checked against the model library's
# reference inference.
check mkmodel hn-tensor mkmodel /tmp/stage.hnm -L 120x60:7r,60x30:6 -s 11 -S 5
check hnctl-dev-stage-load hnctl dev stage load hnt2 /tmp/stage.hnm
tensor run hnt2 -m /tmp/stage.hnm -k -n 200 -s 12
refuse hnctl-dev-stage-load-missing hnctl dev stage load hnt2 /nonexistent.hnm

# Convolutional stages (issue 16).  Random conv + pool + dense stages
# through genl, every result against engine.h's hn_op_run() bit for bit
# (fragmented inputs too); the same CNN as a .hnm loaded by hnctl, against
# the model library's inference; a ~1.2M-MAC convolution, which the module
# computes in sections, its ns/MAC measured.  Malformed ones: kmod-bad genl.
CNN=conv1x28x28-8k3s1p1:7r,pool8x28x28k2s2,conv8x14x14-16k3s1p1:8r
CNN=$CNN,pool16x14x14k2s2,784x32:9r,32x10:6
tensor run hnt0 -n 200 -s 21 -L "$CNN" -f 0
tensor run hnt1 -n 100 -s 22 -L conv3x10x10-5k5s2p2:6r,pool5x5x5k2s1,80x7:5
check mkmodel-cnn hn-tensor mkmodel /tmp/cnn.hnm -L "$CNN" -s 23 -S 6
check hnctl-dev-stage-load-cnn hnctl dev stage load hnt2 /tmp/cnn.hnm
check hnctl-dev-show-cnn sh -c 'out=$(hnctl dev show hnt2); echo "$out"
	echo "$out" | grep -q "stage 6 .*\[conv 1x28x28>8 k3s1p1\]>>7+relu \[maxpool"'
check hnctl-dev-show-cnn-json sh -c 'hnctl -j dev show hnt2 |
	grep -q "\"op\": *\"conv\""'
tensor run hnt2 -m /tmp/cnn.hnm -k -n 200 -s 24
BIG=conv16x16x16-32k3s1p1:9r,pool32x16x16k2s2
tensor run hnt0 -n 20 -s 25 -L "$BIG"
tensor bench hnt0 -B "$BIG" -n 20 -R 3 -w 8
check hnctl-dev-stage-clear hnctl dev stage clear hnt2
check hnctl-dev-show-nostage sh -c 'hnctl dev show hnt2 | grep -q "no stage"'
# hnctl dev listen sees local results.  However late it joins: tensors go
# one at a time until it has its three and exits (a bound of 100).
hnctl dev listen hnt2 count 3 >/tmp/listen.out 2>&1 &
lp=$!
hnctl dev stage load hnt2 /tmp/stage.hnm >/dev/null
hnctl dev output hnt2 local
sent=0
while kill -0 $lp 2>/dev/null && [ $sent -lt 100 ]; do
	sent=$((sent + 1))
	hn-tensor run hnt2 -m /tmp/stage.hnm -k -n 1 -s $((1300 + sent)) -l \
		>/dev/null 2>&1
done
kill $lp 2>/dev/null
wait $lp
check hnctl-dev-listen sh -c 'echo "'$sent' tensors sent"; cat /tmp/listen.out
	[ $(grep -c "^hnt2: tensor" /tmp/listen.out) -eq 3 ]'
hnctl dev output hnt2 origin

# Bad input: frames and fragments, then genl requests (the tables of
# kmod_bad_frames.c and kmod_bad_genl.c), then a flood.
bad frames hnt0 -s 7
bad genl hnt0 -s 8
tensor flood hnt0 -n 2500 -s 9

# XDP redirect from the data plane, if it is there.
if [ -f /hn/guest_xdp.sh ] && hnctl help 2>/dev/null | grep -q attach; then
	sh /hn/guest_xdp.sh
else
	echo "    (no XDP data plane in hnctl: redirect case left out)"
fi

# Deleting devices, directly and with their namespace.
check link-del ip link del hnt1
check netns-del-with-device ip netns del ns2
refuse link-gone ip link show hnt1

# Unload while devices exist and everything moves at once: tensors in
# two namespaces, fragments left incomplete, stage reloads, a listener.
ip link add hnt3 type hypernet
ip link set hnt3 up
hnctl dev output hnt3 local
hnctl dev listen >/dev/null 2>&1 &
b0=$!
hn-tensor run hnt0 -n 100000 -s 10 -w 64 -t 20000 >/tmp/bg1.out 2>&1 &
b1=$!
ip netns exec ns1 hn-tensor run hnt0 -n 10000 -s 14 -w 64 -t 20000 \
	-L 300x100:7r -f 64 >/tmp/bg2.out 2>&1 &
b2=$!
hn-tensor run hnt3 -n 100000 -s 15 -l -r -t 20000 >/tmp/bg3.out 2>&1 &
b3=$!
hn-tensor flood hnt2 -n 2500 -s 16 >/tmp/bg4.out 2>&1 &
b4=$!
sleep 3
hnctl dev show | grep -E '^(hnt|  frames)' | sed 's/^/    /'
ip netns exec ns1 hnctl dev show | grep frames_in | sed 's/^/    ns1 /'
check rmmod-under-traffic rmmod hypernet
wait $b1 $b2 $b3 $b4 2>/dev/null
kill $b0 2>/dev/null
tail -q -n 1 /tmp/bg1.out /tmp/bg2.out /tmp/bg3.out /tmp/bg4.out | sed 's/^/    after: /'
refuse devices-gone ip link show hnt0
refuse devices-gone-ns1 ip -n ns1 link show hnt0

# Autoload by link kind and by genl family (MODULE_ALIAS_*).
check autoload-rtnl ip link add hnt5 type hypernet
check autoload-rtnl-loaded sh -c 'grep -q "^hypernet " /proc/modules'
ip link del hnt5
rmmod hypernet
check autoload-genl hnctl dev show
check autoload-genl-loaded sh -c 'grep -q "^hypernet " /proc/modules'
check rmmod-final rmmod hypernet

# The kernel must not have complained.
if dmesg | grep -E 'WARNING:|BUG:|Oops|Call Trace|leak|refcount_t'; then
	ko dmesg-clean
else
	ok dmesg-clean
fi
