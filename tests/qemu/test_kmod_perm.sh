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

qemu_need_kmod_build
if ! make -s kmod progs >/dev/null; then
	echo "test_kmod_perm: building the module or the tools failed" >&2
	exit 1
fi
qemu_prepare || exit 1
qemu_run kmod_perm "${HN_QEMU_TIMEOUT:-600}"
qemu_verdict
