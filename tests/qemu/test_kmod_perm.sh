#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Who may use the module (run by `make check`): boots Debian's kernel under
# QEMU with tests/qemu/guest_kmod_perm.sh, which tries the results group
# as a user without capabilities, the family and the link kind from a user
# namespace (refused by default), and with userns=1 the per-netns bounds
# and the memory cgroup charge.  Fails if any case fails, the VM times out,
# or the kernel log shows WARN/BUG/oops/leak.
set -u
cd "$(dirname "$0")/../.."
. tests/qemu/lib.sh

if [ "$(id -u)" -ne 0 ]; then
	skip "needs root (builds the initramfs with device nodes, runs QEMU)"
fi
if [ -z "${KDIR:-}" ] && [ ! -d "/lib/modules/$(uname -r)/build" ] &&
	! ls -d /usr/src/linux-headers-*-amd64 >/dev/null 2>&1; then
	skip "no kernel headers to build the module (apt-get install linux-headers-amd64, or KDIR=)"
fi
if ! make -s kmod progs >/dev/null; then
	echo "test_kmod_perm: building the module or the tools failed" >&2
	exit 1
fi
qemu_prepare || exit 1
qemu_run kmod_perm "${HN_QEMU_TIMEOUT:-600}"
qemu_verdict
