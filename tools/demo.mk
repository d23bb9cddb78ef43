# SPDX-License-Identifier: GPL-2.0
#
# `make demo` (as root): build what the demo needs, then run a mesh of six
# hypernetd agents in network namespaces on shaped links, ETT alone and
# with the model side by side (tools/demo.sh).
# `make demo-diamond`: the data plane alone on a diamond, steered by hand
# with hnctl (tools/demo-diamond.sh).

.PHONY: demo demo-diamond
demo: bpf lib progs models
	./tools/demo.sh

demo-diamond: bpf lib progs models
	./tools/demo-diamond.sh
