#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the QEMU guest (busybox sh): who may use the module, and what
# it costs them.  A user without capabilities must not read results; by
# default a user namespace gets nothing (devices, stages, dumps); with
# userns=1 it may, within the per-netns bounds and charged to its memory
# cgroup.  One PASS/FAIL line per case; the host (test_kmod_perm.sh)
# judges.
. /hn/guest_lib.sh
KO=/lib/modules/$KVER/extra/hypernet.ko
IP=/usr/sbin/ip
SETPRIV=/usr/bin/setpriv
UNSHARE=/usr/bin/unshare
CG=/sys/fs/cgroup
dmesg -c >/dev/null

# A user without capabilities (uid and gid 1000, no groups), and the same
# user in a user and network namespace of its own, as `unshare -Urn`.
as_user() {
	$SETPRIV --reuid=1000 --regid=1000 --clear-groups --inh-caps=-all \
		-- "$@"
}
in_userns() { as_user $UNSHARE -Urn "$@"; }
# wait_until CMD...: poll CMD up to 600 times, 0.1 s apart.  A bound on a
# hang, not a guess at how long something takes.
wait_until() {
	i=0
	until "$@"; do
		i=$((i + 1))
		[ $i -ge 600 ] && return 1
		sleep 0.1
	done
}
gone() { ! kill -0 "$1" 2>/dev/null; }

[ -w /proc/sys/kernel/unprivileged_userns_clone ] &&
	echo 1 >/proc/sys/kernel/unprivileged_userns_clone
# A 1 MB stage is one netlink message; an unprivileged socket's send
# buffer is capped by wmem_max (208 KiB by default).
sysctl -w net.core.wmem_max=4194304 >/dev/null
check mkmodel-small hn-tensor mkmodel /tmp/small.hnm -L 40x8:5r -s 1 -S 3
check mkmodel-big hn-tensor mkmodel /tmp/big.hnm -L 1000x1000:9 -s 2 -S 3
chmod 644 /tmp/small.hnm /tmp/big.hnm

# ---- The results group needs CAP_NET_ADMIN -------------------------------
check insmod insmod "$KO"
$IP link add hnt0 type hypernet
$IP link set hnt0 up
check stage-load-root hnctl dev stage load hnt0 /tmp/small.hnm
check output-local hnctl dev output hnt0 local
# Both listeners start; results are sent one at a time until the root one
# has its three, so neither depends on how soon a listener joins.  The
# user's must have failed to join by then, and have printed no result.
as_user timeout 120 hnctl dev listen hnt0 count 3 >/tmp/user-listen.out 2>&1 &
up=$!
timeout 120 hnctl dev listen hnt0 count 3 >/tmp/root-listen.out 2>&1 &
rp=$!
sent=0
while ! gone $rp && [ $sent -lt 100 ]; do
	sent=$((sent + 1))
	hn-tensor run hnt0 -m /tmp/small.hnm -k -l -n 1 -s $((100 + sent)) \
		>/dev/null 2>&1
done
wait $rp
wait_until gone $up
wait $up
urc=$?
check results-root-receives sh -c '
	cat /tmp/root-listen.out
	[ $(grep -c "^hnt0: tensor" /tmp/root-listen.out) -eq 3 ]'
if [ $urc -ne 0 ] && ! grep -q "^hnt0: tensor" /tmp/user-listen.out &&
	grep -q "Operation not permitted" /tmp/user-listen.out; then
	ok "results-user-refused: $sent tensors sent"
else
	ko "results-user-refused: rc $urc, $(grep -c '^hnt0: tensor' /tmp/user-listen.out) results read by uid 1000"
fi
sed 's/^/    /' /tmp/user-listen.out
$IP link del hnt0

# ---- Default: user namespaces get nothing --------------------------------
check userns-default-off sh -c '
	p=/sys/module/hypernet/parameters
	echo "userns $(cat $p/userns) max_devices $(cat $p/max_devices) max_stage_kib $(cat $p/max_stage_kib)"
	[ "$(cat $p/userns)" = N ] && [ "$(cat $p/max_devices)" = 64 ] &&
		[ "$(cat $p/max_stage_kib)" = 32768 ]'
# Also when the user's request is what loads the module (autoload).
rmmod hypernet
refuse_says userns-link-add-refused "initial user namespace" \
	in_userns $IP link add hnt0 type hypernet
check userns-autoloaded sh -c 'grep -q "^hypernet " /proc/modules'
# A device root made in the user's namespace: no stage, output or dump.
rm -f /tmp/uns.pid
in_userns sh -c '
	echo $$ >/tmp/uns.pid
	i=0
	until '$IP' link show hnt0 >/dev/null 2>&1; do
		i=$((i + 1)); [ $i -ge 600 ] && exit 9; sleep 0.1
	done
	hnctl dev stage load hnt0 /tmp/small.hnm >/tmp/uns-load.out 2>&1
	echo $? >/tmp/uns-load.rc
	hnctl dev output hnt0 local >/tmp/uns-output.out 2>&1
	echo $? >/tmp/uns-output.rc
	hnctl dev show >/tmp/uns-show.out 2>&1
	echo $? >/tmp/uns-show.rc
' &
uns=$!
wait_until test -s /tmp/uns.pid
check userns-root-adds-device nsenter -t "$(cat /tmp/uns.pid)" -n \
	$IP link add hnt0 type hypernet
wait $uns
for c in load output show; do
	if [ "$(cat /tmp/uns-$c.rc 2>/dev/null)" != 0 ] &&
		grep -q "Operation not permitted" /tmp/uns-$c.out; then
		ok "userns-$c-refused"
	else
		ko "userns-$c-refused (rc $(cat /tmp/uns-$c.rc 2>/dev/null))"
	fi
	sed 's/^/    /' /tmp/uns-$c.out
done
check userns-load-says-why grep -q "initial user namespace" /tmp/uns-load.out

# ---- userns=1: bounded per namespace, charged to the memory cgroup -------
rmmod hypernet
check insmod-userns insmod "$KO" userns=1 max_devices=9 max_stage_kib=8500
mount -t cgroup2 none $CG 2>/dev/null
echo +memory >$CG/cgroup.subtree_control
mkdir -p $CG/hn
# The user's side: 9 devices (a 10th refused), 8 stages of 1 MB (a 9th
# refused), memory.current around the loads, a second netns of the same
# user with a budget of its own.
cat >/tmp/userns.sh <<'EOF'
. /hn/guest_lib.sh
IP=/usr/sbin/ip
CG=/sys/fs/cgroup/hn
$IP link set lo up
n=0
for i in 0 1 2 3 4 5 6 7 8; do
	$IP link add hnt$i type hypernet && n=$((n + 1))
done
[ $n -eq 9 ] && ok "userns-devices: $n" || ko "userns-devices: $n of 9"
refuse_says userns-max-devices max_devices $IP link add hnt9 type hypernet
m0=$(cat $CG/memory.current)
n=0
for i in 0 1 2 3 4 5 6 7; do
	hnctl dev stage load hnt$i /tmp/big.hnm >/dev/null && n=$((n + 1))
done
m1=$(cat $CG/memory.current)
[ $n -eq 8 ] && ok "userns-stages: $n" || ko "userns-stages: $n of 8"
# 8 stages of 1,004,000 bytes of parameters must be charged.  Slack 2 MiB:
# per-CPU charge caches and RCU-freed objects of the processes before m0.
want=$((8 * 1004000 - 2 * 1048576))
if [ $((m1 - m0)) -ge $want ]; then
	ok "memcg-charged: memory.current +$((m1 - m0)) (want >= $want)"
else
	ko "memcg-charged: memory.current +$((m1 - m0)) (want >= $want)"
fi
refuse_says userns-max-stage max_stage_kib hnctl dev stage load hnt8 /tmp/big.hnm
check userns-stage-replace hnctl dev stage load hnt0 /tmp/big.hnm
check userns-stage-clear hnctl dev stage clear hnt1
check userns-stage-after-clear hnctl dev stage load hnt8 /tmp/big.hnm
$IP link set hnt8 up
hn-tensor run hnt8 -m /tmp/big.hnm -k -n 20 -s 5 2>&1 |
	sed 's/^\([^PF]\)/    \1/'
check userns-netns-own-budget $UNSHARE -n sh -c \
	"$IP link add hnt0 type hypernet && hnctl dev stage load hnt0 /tmp/big.hnm"
EOF
sh -c "echo \$\$ >$CG/hn/cgroup.procs && exec $SETPRIV --reuid=1000 \
	--regid=1000 --clear-groups --inh-caps=-all -- \
	env UNSHARE=$UNSHARE $UNSHARE -Urn sh /tmp/userns.sh"
check rmmod-final rmmod hypernet

if dmesg | grep -E 'WARNING:|BUG:|Oops|Call Trace|leak|refcount_t'; then
	ko dmesg-clean
else
	ok dmesg-clean
fi
