# SPDX-License-Identifier: GPL-2.0
#
# `make bench-learn`: the learned route model against the agents routing
# by ETT (batman-adv V's metric), by load-aware ETT and by hop count, on a
# real data plane (as root; not part of `make check`).  bench/learn.sh
# runs nine hypernetd agents on a 3x3 grid of namespaces whose links are
# shaped in a wire namespace (tests/netns/lab.sh), at light and heavy
# load, the four policies taking turns on the same agents and links; it merges `hn-train
# eval` when $(O)/bin/hn-train exists and writes $(O)/bench/learn.json.
# Documentation/benchmarks.rst explains it.

.PHONY: bench-learn
bench-learn: bpf lib progs
	O=$(O) ./bench/learn.sh
