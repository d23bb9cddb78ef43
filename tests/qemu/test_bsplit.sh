#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The adaptive cut and a host's death, short (run by `make check`):
# tests/qemu/guest_bsplit.sh with a slow edge (cpu.max, a quarter of a
# CPU), a tbf-shaped uplink and the head two hops away in the module.
# Checks counts, not times: the CNN's stages chained through the host's
# three devices answer as the edge does, the interleaved modes of the
# latency runs (on the tbf link and on the slow netem one) ran the same
# images, the chooser sends the first image to the measured host, a
# private stream sends no raw image (either link), no image is
# lost when the host dies and the edge then runs everything itself, the
# dead host costing a timeout only for the image in flight and probes.  `make bench-split` runs the
# same guest longer and reports the latencies.
# HN_BSPLIT (30:100:10000:90:10:100): N:NACC:KBPS:NDEATH:BLK:SLOW as
# guest_bsplit.sh takes them.
set -u
cd "$(dirname "$0")/../.."
. tests/qemu/lib.sh

FMNIST_DATA=${FMNIST_DATA:-/usr/share/datasets/fashion-mnist}

# bsplit_prepare: the models and data of guest_bsplit.sh into QEMU_FILES.
bsplit_prepare() {
	local p

	[ -f "$FMNIST_DATA/t10k-images-idx3-ubyte.gz" ] ||
		skip "no Fashion-MNIST in $FMNIST_DATA (apt-get install dataset-fashion-mnist)"
	command -v tc >/dev/null || skip "no tc (apt-get install iproute2)"
	if ! make -s kmod progs fmnist-models "$O/models/route-default.hnm" \
		>/dev/null; then
		echo "bsplit: building the module, tools or models failed" >&2
		return 1
	fi
	QEMU_FILES="$FMNIST_DATA/t10k-images-idx3-ubyte.gz
		    $FMNIST_DATA/t10k-labels-idx1-ubyte.gz
		    $O/models/route-default.hnm"
	for p in conv enc head; do
		QEMU_FILES="$QEMU_FILES $O/models/fmnist-cnn-$p.hnm"
	done
	export QEMU_FILES
}

# Sourced by bench_split.sh for bsplit_prepare only.
[ "${BASH_SOURCE[0]}" = "$0" ] || return 0

if [ "$(id -u)" -ne 0 ]; then
	skip "needs root (builds the initramfs with device nodes, runs QEMU)"
fi
if [ -z "${KDIR:-}" ] && [ ! -d "/lib/modules/$(uname -r)/build" ] &&
	! ls -d /usr/src/linux-headers-*-amd64 >/dev/null 2>&1; then
	skip "no kernel headers to build the module (apt-get install linux-headers-amd64, or KDIR=)"
fi
bsplit_prepare || exit 1
qemu_prepare || exit 1
qemu_run bsplit "${HN_QEMU_TIMEOUT:-600}" "${HN_BSPLIT:-30:100:10000:90:10:100}"
qemu_verdict
rc=$?
grep -E '^bsplit:|^    [a-z]* rc ' "$QLOG.txt"
exit $rc
