# SPDX-License-Identifier: GPL-2.0
# The module's device-free C built for userspace through tests/kmod/shim/:
#   $(O)/tests/test_kmod_reasm   reassembly unit test (cmocka), in `make tests`
#   $(O)/fuzz/fuzz_kmod_reasm    reassembly against a reference model
#   $(O)/fuzz/fuzz_kmod_nl       the module's request parsing (nlparse.c)
# Explicit rules: they win over the generic fuzz rule, which links the
# userspace library instead.  Undefined behaviour halts here.
KSHIM_CFLAGS	:= -std=gnu11 -g -O1 -fno-omit-frame-pointer -Wall -Wextra \
		   -Wno-unused-parameter -Wno-sign-compare \
		   -Wno-missing-field-initializers \
		   -Itests/kmod/shim -Iinclude -Iinclude/uapi -Ikmod
KSHIM_SAN	:= -fsanitize=address,undefined -fno-sanitize-recover=all
KSHIM_DEPS	:= $(wildcard tests/kmod/shim/*.[ch] tests/kmod/shim/*/*.h \
			      kmod/*.h) include/uapi/linux/hypernet.h \
		   include/uapi/linux/hypernet_packet.h \
		   include/hypernet/engine.h include/hypernet/frame.h
KSHIM_NL_SRCS	:= kmod/nlparse.c kmod/stage.c kmod/compute.c

.PHONY: fuzz-seeds-kmod
tests: $(O)/tests/test_kmod_reasm

$(O)/tests/test_kmod_reasm: tests/kmod/test_kmod_reasm.c kmod/reassembly.c \
			    $(KSHIM_DEPS)
	@mkdir -p $(@D)
	$(CC) $(KSHIM_CFLAGS) $(KSHIM_SAN) -o $@ $< kmod/reassembly.c \
		tests/kmod/shim/kshim.c -lcmocka

$(O)/fuzz/fuzz_kmod_reasm: tests/fuzz/fuzz_kmod_reasm.c kmod/reassembly.c \
			   $(KSHIM_DEPS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(KSHIM_CFLAGS) -fsanitize=fuzzer $(KSHIM_SAN) -o $@ $< \
		kmod/reassembly.c tests/kmod/shim/kshim.c

$(O)/fuzz/fuzz_kmod_nl: tests/fuzz/fuzz_kmod_nl.c $(KSHIM_NL_SRCS) \
			$(KSHIM_DEPS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(KSHIM_CFLAGS) -fsanitize=fuzzer $(KSHIM_SAN) -o $@ $< \
		$(KSHIM_NL_SRCS) tests/kmod/shim/kshim.c

# Their seed corpora, regenerated deterministically (the seeds are
# committed, as those of tests/tests.mk).
fuzz-seeds-kmod: $(O)/fuzz/gen-kmod-seeds
	@mkdir -p tests/fuzz/corpus/kmod_reasm tests/fuzz/corpus/kmod_nl
	$(O)/fuzz/gen-kmod-seeds tests/fuzz/corpus/kmod_reasm \
		tests/fuzz/corpus/kmod_nl

$(O)/fuzz/gen-kmod-seeds: tests/kmod/gen_kmod_seeds.c $(KSHIM_DEPS)
	@mkdir -p $(@D)
	$(CC) $(KSHIM_CFLAGS) -o $@ $<
