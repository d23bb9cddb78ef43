# SPDX-License-Identifier: GPL-2.0
# The loader embeds the BPF object through its skeleton, so it must be
# rebuilt when the object changes (the generic rule only orders them).
$(O)/lib/dataplane.o: $(O)/bpf/hypernet.skel.h
