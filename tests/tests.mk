# SPDX-License-Identifier: GPL-2.0
#
# Seed corpora of the fuzzers, regenerated from tests/fuzz/gen_seeds.c.
# The seeds are committed; this only rewrites them (deterministically).

.PHONY: fuzz-seeds
fuzz-seeds: $(O)/fuzz/gen-seeds
	@mkdir -p tests/fuzz/corpus/model tests/fuzz/corpus/frame \
		tests/fuzz/corpus/ctrl
	$(O)/fuzz/gen-seeds tests/fuzz/corpus/model tests/fuzz/corpus/frame \
		tests/fuzz/corpus/ctrl

$(O)/fuzz/gen-seeds: tests/fuzz/gen_seeds.c $(LIB) $(HDR_DEPS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) $(LDLIBS)

# Longer fuzzing than `make check` does (FUZZ_SECONDS per target, default
# 600), same corpora; crashes land in build/test-logs/fuzz_*.work/.
.PHONY: fuzz-long
fuzz-long: fuzz
	TESTS=fuzz_ FUZZ_SECONDS=$${FUZZ_SECONDS:-600} ./tests/run-tests.sh

# Tests that compile sources of a program in (#include "../../x/y.c"):
# rebuilt when those change, as the program itself is.
AGENT_SRCS	:= $(wildcard userspace/hypernetd/*.c userspace/hypernetd/*.h)
TRAIN_SRCS	:= $(wildcard tools/hn-train/*.c tools/hn-train/*.h)
$(O)/tests/test_unit_agent $(O)/tests/test_agent_core: $(AGENT_SRCS)
$(O)/tests/test_unit_sim $(O)/tests/test_train_xdp: $(TRAIN_SRCS)
$(O)/fuzz/fuzz_config: $(AGENT_SRCS)
