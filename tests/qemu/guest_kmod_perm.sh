#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the QEMU guest (busybox sh): who may use the module.  A user
# without capabilities must not read results.  One PASS/FAIL line per
# case; the host (test_kmod_perm.sh) judges.
. /hn/guest_lib.sh
KO=/lib/modules/$KVER/extra/hypernet.ko
IP=/usr/sbin/ip
SETPRIV=/usr/bin/setpriv
dmesg -c >/dev/null

# A user without capabilities (uid and gid 1000, no groups).
as_user() {
	$SETPRIV --reuid=1000 --regid=1000 --clear-groups --inh-caps=-all \
		-- "$@"
}
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

check mkmodel-small hn-tensor mkmodel /tmp/small.hnm -L 40x8:5r -s 1 -S 3
chmod 644 /tmp/small.hnm

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

check rmmod-final rmmod hypernet

if dmesg | grep -E 'WARNING:|BUG:|Oops|Call Trace|leak|refcount_t'; then
	ko dmesg-clean
else
	ok dmesg-clean
fi
