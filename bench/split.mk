# SPDX-License-Identifier: GPL-2.0
#
# `make bench-split`: the split Fashion-MNIST pipeline over a mesh inside
# QEMU (as root; not part of `make check`): all 10,000 test images, a head
# node removed mid-run.  Writes $(O)/bench/split.json; the targets and how
# long it takes are in Documentation/split-inference.rst ("Across the
# mesh").  HN_SPLIT_IMAGES, HN_SPLIT_RATE override the stream.

.PHONY: bench-split
bench-split: bpf lib progs
	O=$(O) nice -n 15 ./tests/qemu/bench_split.sh
