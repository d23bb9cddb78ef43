# SPDX-License-Identifier: GPL-2.0
#
# `make bench-split`: the adaptive cut of split inference v2 measured
# inside QEMU (as root; not part of `make check`): the CNN's stages on a
# fast host two hops from a slow edge; latency of every cut and of the
# adaptive one, a private stream, accuracy over the mesh, the host killed
# mid-run.  Writes $(O)/bench/split.json; what it runs, its targets and
# sizes are in Documentation/split-mesh.rst ("The adaptive cut
# measured").  HN_SPLIT_IMAGES, HN_SPLIT_LAT_IMAGES,
# HN_SPLIT_DEATH_IMAGES, HN_SPLIT_KBPS, HN_SPLIT_BLOCK,
# HN_SPLIT_SLOW_KBPS override them.

.PHONY: bench-split
bench-split: bpf lib progs
	O=$(O) nice -n 15 ./tests/qemu/bench_split.sh
