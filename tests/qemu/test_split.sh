#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Split Fashion-MNIST inference across a mesh inside QEMU (run by `make
# check`): tests/qemu/guest_split.sh builds namespaces E, R, H1, H2 with
# the XDP router and hypernet devices, streams test images from E with
# hn-edge, checks the module against userspace bit for bit, has a
# federated trainer (hn-fmnist node) install its accepted head into the
# module, chains two head stages across H1 and H2, and removes H1
# mid-stream.
# HN_SPLIT_IMAGES (1000) images per stream, with the trained models the
# project ships (make fmnist-models) and an accuracy floor of 0.86.
set -u
cd "$(dirname "$0")/../.."
. tests/qemu/lib.sh

FMNIST_DATA=${FMNIST_DATA:-/usr/share/datasets/fashion-mnist}

# fed_prepare DIR: a campaign of 2 rounds for the guest's trainer
# (guest_split.sh, "the federated head"): its starting model, of a shape
# unlike the shipped head's (784-32-16 | 24-10), a validation set of 200
# test images, two identity keys for the roster.  The campaign is not
# signed: the trainer checks digests, the agent (not in the guest) the
# signature.
fed_prepare() {
	local d=$1 n

	rm -rf "$d" && mkdir -p "$d/ids" "$d/data" || return 1
	# the guest's trainer trains on the test set (all it has): the
	# validation set is held out of it as the trainer holds it out
	for n in images-idx3 labels-idx1; do
		ln -s "$FMNIST_DATA/t10k-$n-ubyte.gz" \
			"$d/data/train-$n-ubyte.gz" || return 1
	done
	"$O/bin/hn-fmnist" fed-init --data "$d/data" --seed 3 \
		--hidden 32 --bottleneck 16 --head-hidden 24 \
		-o "$d/fed-start.hnfp" --valset-size 200 --valset-seed 1 \
		--valset-out "$d/fed-val.bin" >/dev/null || return 1
	for n in 1 2; do
		"$O/bin/hnctl" keygen "$d/ids/n$n.key" "$d/ids/n$n.pub" \
			>/dev/null || return 1
		echo "$n n$n.pub" >>"$d/ids/roster"
	done
	"$O/bin/hnctl" campaign create -o "$d/fed.hnc" --id 9 \
		--model "$d/fed-start.hnfp" --valset "$d/fed-val.bin" \
		--roster "$d/ids/roster" --rounds 2 --steps 20 --lr 0.003 \
		--clip 4 --max-drop 0.01 >/dev/null
}

# split_prepare: models and data into QEMU_FILES; sets SPLIT_FLOOR.
split_prepare() {
	local m p sd=$O/models

	[ -f "$FMNIST_DATA/t10k-images-idx3-ubyte.gz" ] ||
		skip "no Fashion-MNIST in $FMNIST_DATA (apt-get install dataset-fashion-mnist)"
	if ! make -s kmod progs "$O/models/route-default.hnm" >/dev/null; then
		echo "split: building the module, tools or route model failed" >&2
		return 1
	fi
	SPLIT_FLOOR=${HN_SPLIT_FLOOR:-0.86}
	if ! make -s fmnist-models >/dev/null ||
		[ ! -f "$sd/fmnist-head-b.hnm" ]; then
		echo "split: building the Fashion-MNIST models failed (make fmnist-models)" >&2
		return 1
	fi
	QEMU_FILES="$FMNIST_DATA/t10k-images-idx3-ubyte.gz
		    $FMNIST_DATA/t10k-labels-idx1-ubyte.gz
		    $O/models/route-default.hnm"
	for p in encoder head head-a head-b; do
		QEMU_FILES="$QEMU_FILES $sd/fmnist-$p.hnm"
	done
	if ! fed_prepare "$O/qemu/fed"; then
		echo "split: the federated campaign for the guest failed" >&2
		return 1
	fi
	QEMU_FILES="$QEMU_FILES $O/qemu/fed/fed.hnc $O/qemu/fed/fed-start.hnfp
		    $O/qemu/fed/fed-val.bin"
	export QEMU_FILES
	for m in $QEMU_FILES; do
		echo "split: $m"
	done
}

# Sourced by bench_split.sh for split_prepare only.
[ "${BASH_SOURCE[0]}" = "$0" ] || return 0

if [ "$(id -u)" -ne 0 ]; then
	skip "needs root (builds the initramfs with device nodes, runs QEMU)"
fi
if [ -z "${KDIR:-}" ] && [ ! -d "/lib/modules/$(uname -r)/build" ] &&
	! ls -d /usr/src/linux-headers-*-amd64 >/dev/null 2>&1; then
	skip "no kernel headers to build the module (apt-get install linux-headers-amd64, or KDIR=)"
fi
split_prepare || exit 1
qemu_prepare || exit 1
qemu_run split "${HN_QEMU_TIMEOUT:-600}" \
	"${HN_SPLIT_IMAGES:-1000}:$SPLIT_FLOOR:${HN_SPLIT_RATE:-250}"
qemu_verdict
rc=$?
grep -E '^split:|^ +hn-edge:|^ +R:' "$QLOG.txt"
exit $rc
