#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /init of the test initramfs: mount, run /hn/guest_$hn_test.sh, dump the
# kernel log, power off.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mkdir -p /sys/fs/bpf /run/netns
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
ip link set lo up
KVER=$(cat /etc/kver)
depmod "$KVER" 2>/dev/null
name=$(sed -n 's/.*hn_test=\([^ ]*\).*/\1/p' /proc/cmdline)
args=$(sed -n 's/.*hn_args=\([^ ]*\).*/\1/p' /proc/cmdline)
echo "HN-START $name"
sh /hn/guest_$name.sh $args
echo "HN-DONE rc=$?"
echo "HN-DMESG-BEGIN"
dmesg
echo "HN-DMESG-END"
poweroff -f
