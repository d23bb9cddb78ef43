# SPDX-License-Identifier: GPL-2.0
#
# `make bench-agent`: the hypernetd benchmark (as root; not part of `make
# check`).  bench/agent.sh runs real agents on grids of network namespaces
# and writes $(O)/bench/agent.json; Documentation/benchmarks.rst explains
# it.  It needs the agent, hnctl, hn-pkt and hn-model, and the data plane
# they load.

.PHONY: bench-agent
bench-agent: bpf lib progs
	O=$(O) ./bench/agent.sh
