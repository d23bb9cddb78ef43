#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the QEMU guest for `make bench-kmod`: a 784->128 int8 stage
# through hnt0 against the same engine in userspace, same VM.
KVER=$(cat /etc/kver)
N=${1:-3000}
insmod /lib/modules/$KVER/extra/hypernet.ko
/usr/sbin/ip link add hnt0 type hypernet
/usr/sbin/ip link set hnt0 up
hn-tensor bench hnt0 -n "$N" -w 64 -j /tmp/kmod.json
echo "HN-JSON-BEGIN"
cat /tmp/kmod.json
echo "HN-JSON-END"
/usr/sbin/ip link del hnt0
rmmod hypernet
