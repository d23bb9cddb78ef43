#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench-kmod`: tensors per second and ns per multiply-accumulate of a
# 784->128 int8 dense stage through the module, against the same engine in
# userspace, both inside the same QEMU guest.  Writes build/bench/kmod.json.
# A benchmark, not a test: TCG numbers compare the two paths, nothing else.
# HN_BENCH_TENSORS per round (1000), HN_BENCH_ROUNDS (11): the JSON has
# the medians over the rounds, which alternate device and userspace.
# HN_BENCH_STAGE: another stage, as hn-tensor -B takes it (a convolution's
# ns/MAC, e.g. conv16x16x16-32k3s1p1:9r,pool32x16x16k2s2).
set -u
cd "$(dirname "$0")/../.."
. tests/qemu/lib.sh

[ "$(id -u)" -eq 0 ] || skip "needs root"
qemu_prepare || exit 1
qemu_run bench "${HN_QEMU_TIMEOUT:-900}" \
	"${HN_BENCH_TENSORS:-1000}:${HN_BENCH_ROUNDS:-11}${HN_BENCH_STAGE:+:$HN_BENCH_STAGE}"
qemu_verdict || exit 1
mkdir -p "$O/bench"
sed -n '/^HN-JSON-BEGIN/,/^HN-JSON-END/p' "$QLOG.txt" | sed '1d;$d' \
	> "$O/bench/kmod.json"
grep '^bench:' "$QLOG.txt"
cat "$O/bench/kmod.json"
