# SPDX-License-Identifier: GPL-2.0
#
# `make demo` (as root): build what the demo needs, then run the diamond in
# network namespaces (tools/demo.sh).

.PHONY: demo
demo: bpf lib progs models
	./tools/demo.sh
