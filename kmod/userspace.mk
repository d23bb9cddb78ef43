# SPDX-License-Identifier: GPL-2.0
# The module's device-free C built for userspace through tests/kmod/shim/:
#   $(O)/tests/test_kmod_reasm   reassembly unit test (cmocka), in `make tests`
#   $(O)/tests/test_kmod_nl      stage loading and compute (cmocka), likewise
#   $(O)/fuzz/fuzz_kmod_reasm    reassembly against a reference model
#   $(O)/fuzz/fuzz_kmod_nl       the module's request parsing (nlparse.c)
# Explicit rules: they win over the generic fuzz rule, which links the
# userspace library instead.  Undefined behaviour halts here.
KSHIM_CFLAGS	:= -std=gnu11 -g -O1 -fno-omit-frame-pointer -Wall -Wextra \
		   -Wno-unused-parameter -Wno-sign-compare \
		   -Wno-missing-field-initializers \
		   -Itests/kmod/shim -Iinclude -Iinclude/uapi -Ikmod
KSHIM_SAN	:= -fsanitize=address,undefined -fno-sanitize-recover=all
KSHIM_NL_SRCS	:= kmod/nlparse.c kmod/stage.c kmod/compute.c
# The module's C and the shim, built once per use: $(O)/kshim/ for the
# cmocka test (gcc), $(O)/kshim-fuzz/ for the fuzz targets (clang, with
# libFuzzer's coverage).  One object per source, so each has its .d.
KSHIM_C		= $(CC) $(KSHIM_CFLAGS) $(KSHIM_SAN)
KSHIM_FUZZ_C	= $(FUZZ_CC) $(KSHIM_CFLAGS) $(KSHIM_SAN)
kshim_objs	= $(patsubst %.c,$(1)/%.o,$(notdir $(2) tests/kmod/shim/kshim.c))
DEP_DIRS	+= $(O)/kshim $(O)/kshim-fuzz

.PHONY: fuzz-seeds-kmod
tests: $(O)/tests/test_kmod_reasm $(O)/tests/test_kmod_nl

$(O)/kshim/%.o: kmod/%.c $(DEPSTAMP)
	@mkdir -p $(@D)
	$(call msg,CC,$@)$(KSHIM_C) $(DEPFLAGS) -c $< -o $@

$(O)/kshim/%.o: tests/kmod/shim/%.c $(DEPSTAMP)
	@mkdir -p $(@D)
	$(call msg,CC,$@)$(KSHIM_C) $(DEPFLAGS) -c $< -o $@

$(O)/kshim-fuzz/%.o: kmod/%.c $(DEPSTAMP)
	@mkdir -p $(@D)
	$(call msg,CC,$@)$(KSHIM_FUZZ_C) $(DEPFLAGS) -fsanitize=fuzzer-no-link \
		-c $< -o $@

$(O)/kshim-fuzz/%.o: tests/kmod/shim/%.c $(DEPSTAMP)
	@mkdir -p $(@D)
	$(call msg,CC,$@)$(KSHIM_FUZZ_C) $(DEPFLAGS) -fsanitize=fuzzer-no-link \
		-c $< -o $@

$(O)/tests/test_kmod_reasm: tests/kmod/test_kmod_reasm.c \
		$(DEPSTAMP) \
		$(call kshim_objs,$(O)/kshim,kmod/reassembly.c)
	@mkdir -p $(@D)
	$(call msg,CC,$@)$(KSHIM_C) $(DEPFLAGS) -o $@ $< $(filter %.o,$^) \
		-lcmocka

$(O)/tests/test_kmod_nl: tests/kmod/test_kmod_nl.c \
		$(DEPSTAMP) \
		$(call kshim_objs,$(O)/kshim,$(KSHIM_NL_SRCS))
	@mkdir -p $(@D)
	$(call msg,CC,$@)$(KSHIM_C) $(DEPFLAGS) -o $@ $< $(filter %.o,$^) \
		-lcmocka

$(O)/fuzz/fuzz_kmod_reasm: tests/fuzz/fuzz_kmod_reasm.c \
		$(DEPSTAMP) \
		$(call kshim_objs,$(O)/kshim-fuzz,kmod/reassembly.c)
	@mkdir -p $(@D)
	$(call msg,CC,$@)$(KSHIM_FUZZ_C) $(DEPFLAGS) -fsanitize=fuzzer -o $@ $< \
		$(filter %.o,$^)

$(O)/fuzz/fuzz_kmod_nl: tests/fuzz/fuzz_kmod_nl.c \
		$(DEPSTAMP) \
		$(call kshim_objs,$(O)/kshim-fuzz,$(KSHIM_NL_SRCS))
	@mkdir -p $(@D)
	$(call msg,CC,$@)$(KSHIM_FUZZ_C) $(DEPFLAGS) -fsanitize=fuzzer -o $@ $< \
		$(filter %.o,$^)

# Their seed corpora, regenerated deterministically (the seeds are
# committed, as those of tests/tests.mk).
fuzz-seeds-kmod: $(O)/fuzz/gen-kmod-seeds
	@mkdir -p tests/fuzz/corpus/kmod_reasm tests/fuzz/corpus/kmod_nl
	$(O)/fuzz/gen-kmod-seeds tests/fuzz/corpus/kmod_reasm \
		tests/fuzz/corpus/kmod_nl

$(O)/fuzz/gen-kmod-seeds: tests/kmod/gen_kmod_seeds.c
	@mkdir -p $(@D)
	$(call msg,CC,$@)$(CC) $(KSHIM_CFLAGS) $(DEPFLAGS) -o $@ $<
