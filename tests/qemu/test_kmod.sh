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

qemu_need_kmod_build
if ! make -s O="${O:-build}" kmod progs "${O:-build}/tests/qemu/kmod-bad" \
	>/dev/null; then
	echo "test_kmod: building the module or the tools failed" >&2
	exit 1
fi
qemu_prepare || exit 1
qemu_run kmod "${HN_QEMU_TIMEOUT:-900}"
qemu_verdict
