#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module's suite under QEMU (run by `make check` and `make qemu-test`):
# builds the module and the tools if needed, boots Debian's kernel with an
# initramfs that runs tests/qemu/guest_kmod.sh, and fails if any case
# fails, the VM times out, or the kernel log shows WARN/BUG/oops/leak.
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
if ! make -s O="${O:-build}" kmod progs "${O:-build}/tests/qemu/kmod-bad" \
	>/dev/null; then
	echo "test_kmod: building the module or the tools failed" >&2
	exit 1
fi
qemu_prepare || exit 1
qemu_run kmod "${HN_QEMU_TIMEOUT:-900}"
qemu_verdict
