# SPDX-License-Identifier: GPL-2.0
#
# `make check-netns` (as root): only the namespace topologies, through
# tests/run-tests.sh so that they pass, fail and skip the same way.

.PHONY: check-netns
check-netns: bpf lib progs models
	@rc=0; for t in tests/netns/test_*.sh; do \
		TESTS=$$(basename $$t .sh) ./tests/run-tests.sh || rc=1; \
	done; exit $$rc
