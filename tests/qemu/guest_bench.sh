#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the QEMU guest for `make bench-kmod`: a 784->128 int8 stage
# through hnt0 against the same engine in userspace, same VM.
KVER=$(cat /etc/kver)
N=${1:-2000}
insmod /lib/modules/$KVER/extra/hypernet.ko
/usr/sbin/ip link add hnt0 type hypernet
/usr/sbin/ip link set hnt0 up
# The tool (and the userspace engine) on CPU 0, the device's worker on
# CPU 1 (WQ_SYSFS): neither steals the other's vCPU.
echo 2 > /sys/devices/virtual/workqueue/hypernet/cpumask 2>/dev/null
taskset 1 hn-tensor bench hnt0 -n "$N" -w 64 -j /tmp/kmod.json
echo "HN-JSON-BEGIN"
cat /tmp/kmod.json
echo "HN-JSON-END"
/usr/sbin/ip link del hnt0
rmmod hypernet
