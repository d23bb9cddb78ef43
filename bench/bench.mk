# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: the data-plane benchmark (as root; not part of `make check`).
#   bench/*.bpf.c  -> $(O)/bench/*.bpf.o and *.skel.h   (generator, sink,
#                     the plain L2 baseline ...; bpf/*.h included)
#   bench/*.c      -> $(O)/bench/obj/*.o -> $(O)/bench/hn-bench
# bench/run.sh builds the namespaces, runs every measurement and writes
# $(O)/bench/dataplane.json.  Documentation/benchmarks.rst explains it.

BENCH_BPF_SRCS	:= $(wildcard bench/*.bpf.c)
BENCH_BPF_OBJS	:= $(BENCH_BPF_SRCS:bench/%.bpf.c=$(O)/bench/%.bpf.o)
BENCH_SKELS	:= $(BENCH_BPF_SRCS:bench/%.bpf.c=$(O)/bench/%.skel.h)
BENCH_SRCS	:= $(filter-out $(BENCH_BPF_SRCS),$(wildcard bench/*.c))
BENCH_OBJS	:= $(BENCH_SRCS:bench/%.c=$(O)/bench/obj/%.o)
BENCH_BIN	:= $(O)/bench/hn-bench
DEP_DIRS	+= $(O)/bench $(O)/bench/obj

.PHONY: bench bench-build
bench-build: $(BENCH_BIN)
# tests/netns/test_bench_stats.sh runs hn-bench's live pieces
tests: $(BENCH_BIN)

bench: $(BENCH_BIN)
	O=$(O) ./bench/run.sh

$(O)/bench/%.bpf.o: bench/%.bpf.c $(DEPSTAMP)
	@mkdir -p $(@D)
	$(call msg,CLANG,$@)$(BPF_CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -Ibench \
		-c $< -o $@

$(O)/bench/%.skel.h: $(O)/bench/%.bpf.o
	$(call msg,GEN,$@)$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

# HyperNet comes through its loader (libhypernet), the rest through their
# generated skeletons: $(O)/bench first, before an old build's
# $(O)/bpf/plain_fwd.skel.h.
$(O)/bench/obj/%.o: bench/%.c $(DEPSTAMP) | $(BENCH_SKELS) $(BPF_SKELS)
	@mkdir -p $(@D)
	$(call msg,CC,$@)$(CC) -Ibench -I$(O)/bench $(ALL_CFLAGS) $(DEPFLAGS) \
		-c $< -o $@

$(BENCH_BIN): $(BENCH_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(call msg,LD,$@)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ \
		$(PKG_LIBS) $(LDLIBS)

.SECONDARY: $(BENCH_BPF_OBJS)
