#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the QEMU guest for `make bench-kmod`: a 784->128 int8 stage
# through hnt0 against the same engine in userspace, same VM.
# Argument: TENSORS_PER_ROUND:ROUNDS[:STAGE], STAGE as hn-tensor -B takes
# it (default the 784->128 stage).
KVER=$(cat /etc/kver)
N=${1%%:*}
R=${1#*:}
S=
case $R in *:*) S=${R#*:}; R=${R%%:*} ;; esac
[ -n "$N" ] || N=1000
[ -n "$R" ] && [ "$R" != "$1" ] || R=11
insmod /lib/modules/$KVER/extra/hypernet.ko
/usr/sbin/ip link add hnt0 type hypernet
/usr/sbin/ip link set hnt0 up
# The tool (and the userspace engine) on CPU 0, the device's worker on
# CPU 1 (WQ_SYSFS): neither steals the other's vCPU.  128 in flight: two
# of the worker's batches, so it always has the next one queued.
echo 2 > /sys/devices/virtual/workqueue/hypernet/cpumask 2>/dev/null
# Results are taken in by the stack on CPU 0, with the reader (RPS): the
# worker only queues them there, and the reader's wakeup stays local.
echo 1 > /sys/class/net/hnt0/queues/rx-0/rps_cpus 2>/dev/null
taskset 1 hn-tensor bench hnt0 -n "$N" -R "$R" -w 128 -j /tmp/kmod.json \
	${S:+-B "$S"}
echo "HN-JSON-BEGIN"
cat /tmp/kmod.json
echo "HN-JSON-END"
/usr/sbin/ip link del hnt0
rmmod hypernet
