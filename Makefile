# SPDX-License-Identifier: GPL-2.0
#
# HyperNet build.  Generic rules live here; each part adds files, not rules:
#   bpf/*.bpf.c            -> $(O)/bpf/*.bpf.o and *.skel.h
#   userspace/lib/*.c      -> $(O)/lib/libhypernet.a     what routers run
#   userspace/learn/*.c    -> $(O)/learn/libhnlearn.a    offline learning
#     (simulator, IDX reader, quantiser), linked by LEARN_PROGS and by
#     the tests that add it as a prerequisite, never by a router's binary
#   userspace/<prog>/*.c   -> $(O)/bin/<prog>      (one program per directory)
#   tools/<prog>/*.c       -> $(O)/bin/<prog>
#     a program with a main.c also gets $(O)/obj/<prog>/lib<prog>.a: all
#     its objects but main.o, for the tests and fuzzers that exercise it
#   tests/unit/test_*.c    -> $(O)/tests/test_*    (cmocka)
#   tests/bpf/test_*.c     -> $(O)/tests/test_*    (BPF_PROG_TEST_RUN, root)
#     and again under ASan/UBSan -> $(O)/asan/tests/test_*
#   tests/fuzz/fuzz_*.c    -> $(O)/fuzz/fuzz_*     (libFuzzer, clang)
# and may add targets in a <dir>/*.mk fragment.  `make check` runs every
# test layer through tests/run-tests.sh.
#
# Every compile writes its header dependencies (-MMD -MP, $(DEPFLAGS)):
# a changed header rebuilds what includes it and nothing else.  The
# output is one line per target ("  CC      build/lib/ctrl.o"); V=1 shows
# the full commands.
#
# CPPFLAGS, CFLAGS and LDFLAGS from the command line or the environment
# are honoured: they come after the project's own flags (HN_*) and
# Debian's hardening (HARDEN_*), so `make CFLAGS=-O0` changes the
# optimisation but keeps the warnings, include paths and hardening.

O		?= build
CC		?= gcc
BPF_CLANG	?= $(firstword $(shell command -v clang-19 clang-14 clang 2>/dev/null))
BPFTOOL		?= $(firstword $(shell command -v bpftool /usr/sbin/bpftool 2>/dev/null))
ARCH_TRIPLET	:= $(shell $(CC) -dumpmachine 2>/dev/null)
PKGS		:= libbpf libxdp libnl-genl-3.0 libcrypto

INCLUDES	:= -Iinclude -Iinclude/uapi -Iuserspace/lib -Iuserspace/learn \
		   -I$(O)/bpf
# Lazily expanded: after `make deps` the flags exist even in this run.
PKG_CFLAGS	= $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	= $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS		?= -O2 -g
HN_CPPFLAGS	:= -DHN_VERSION_STRING=\"0.1\" -D_GNU_SOURCE $(INCLUDES)
HN_CFLAGS	:= -std=gnu11 -Wall -Wextra -Wno-unused-parameter
# What dpkg-buildflags gives on Debian 12 with hardening=+all, PIE spelt
# out for compilers that do not default to it.  _FORTIFY_SOURCE needs the
# optimiser: left out when CFLAGS ends on -O0 (or has no -O at all).
HARDEN_CPPFLAGS	= $(if $(filter-out -O0,$(lastword $(filter -O%,$(CFLAGS)))), \
		    -D_FORTIFY_SOURCE=2)
HARDEN_CFLAGS	:= -fstack-protector-strong -Wformat -Werror=format-security \
		   -fPIE
HARDEN_LDFLAGS	:= -pie -Wl,-z,relro -Wl,-z,now
# Every userspace compile and link rule uses these two.
ALL_CFLAGS	= $(HN_CPPFLAGS) $(HARDEN_CPPFLAGS) $(CPPFLAGS) $(HN_CFLAGS) \
		  $(HARDEN_CFLAGS) $(CFLAGS) $(PKG_CFLAGS)
ALL_LDFLAGS	= $(HARDEN_LDFLAGS) $(LDFLAGS)
LDLIBS		+= -lelf -lz -lm
# Header dependencies, written beside each object (x.o -> x.d, a program
# or test -> its name + .d); -MP keeps a deleted header from breaking
# the build.
DEPFLAGS	:= -MMD -MP
# Every compile depends on this stamp: a build tree from before -MMD
# (objects without .d files, so without their headers) is rebuilt once
# instead of going stale.
DEPSTAMP	:= $(O)/.depfiles

# Quiet by default, as the kernel's build: a recipe starts with
# $(call msg,TAG,target), which prints "  TAG     target" and hides the
# command; V=1 prints the command instead, make -s neither.
# $(Q) hides a command that prints its own lines (Kbuild's).
ifeq ($(V),1)
msg		=
Q		:=
else ifneq ($(findstring s,$(firstword -$(MAKEFLAGS))),)
msg		= @
Q		:= @
else
msg		= @printf '  %-7s %s\n' '$(1)' '$(2)';
Q		:= @
endif

BPF_CFLAGS	:= -target bpf -mcpu=v3 -O2 -g -Wall -Wno-unused-function \
		   -Iinclude -Iinclude/uapi -Ibpf -I/usr/include/$(ARCH_TRIPLET)

BPF_SRCS	:= $(wildcard bpf/*.bpf.c)
BPF_OBJS	:= $(BPF_SRCS:bpf/%.bpf.c=$(O)/bpf/%.bpf.o)
BPF_SKELS	:= $(BPF_SRCS:bpf/%.bpf.c=$(O)/bpf/%.skel.h)

LIB		:= $(O)/lib/libhypernet.a
# The userspace engine (hn_model_infer(): hn-edge's stages, every
# reference) at -O3, as the module's compute.o, so conv rows vectorise.
$(O)/lib/model.o: CFLAGS += -O3
# The learning code may use the runtime library, never the reverse; of the
# programs only these link it (tests/cli/test_layering.sh checks that the
# router's binaries do not).  hn-model is an operator's tool: its
# `quantize` turns the trainer's float text into a .hnm file.
LEARN		:= $(O)/learn/libhnlearn.a
LEARN_PROGS	:= hn-edge hn-fmnist hn-model hn-secagg hn-train
LIB_DIRS	:= userspace/lib userspace/learn

PROG_DIRS	:= $(sort $(filter-out $(LIB_DIRS),$(patsubst %/,%,$(dir \
			$(wildcard userspace/*/*.c tools/*/*.c)))))
PROGS		:= $(foreach d,$(PROG_DIRS),$(O)/bin/$(notdir $(d)))

UNIT_SRCS	:= $(wildcard tests/unit/test_*.c tests/bpf/test_*.c)
UNIT_BINS	:= $(foreach s,$(UNIT_SRCS),$(O)/tests/$(basename $(notdir $(s))))
TEST_HELPERS	:= $(wildcard tests/unit/helpers_*.c tests/bpf/helpers_*.c)
# A test links the helpers of its own directory, built once per variant.
test_helpers	= $(patsubst %.c,$(2)/tests/helpers/%.o,$(notdir \
			$(filter $(dir $(1))%,$(TEST_HELPERS))))

# The unit and BPF tests once more under ASan and UBSan; any report fails
# the test (UBSan halts instead of warning).  No _FORTIFY_SOURCE: ASan
# checks the plain calls, and more closely.
ASAN_O		:= $(O)/asan
SAN_CFLAGS	:= -fsanitize=address,undefined -fno-sanitize-recover=all \
		   -fno-omit-frame-pointer -U_FORTIFY_SOURCE
ASAN_BINS	:= $(foreach s,$(UNIT_SRCS),$(ASAN_O)/tests/$(basename $(notdir $(s))))

# libFuzzer targets, with the library and the programs' archives built
# once for them.  UBSan halts too: undefined behaviour fails a fuzz run.
FUZZ_CC		?= clang
FUZZ_SAN	:= -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS	:= -g -O1 $(FUZZ_SAN)
FUZZ_COMPILE	= $(FUZZ_CC) $(HN_CPPFLAGS) $(HN_CFLAGS) $(PKG_CFLAGS) $(FUZZ_CFLAGS)
FUZZ_O		:= $(O)/fuzz-obj
FUZZ_SRCS	:= $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS	:= $(FUZZ_SRCS:tests/fuzz/%.c=$(O)/fuzz/%)

.PHONY: all bpf lib learn progs tests tests-asan fuzz check deps clean format
all: bpf lib learn progs tests

bpf: $(BPF_OBJS) $(BPF_SKELS)
lib: $(LIB)
learn: $(LEARN)
progs: $(PROGS)
tests: $(UNIT_BINS)
tests-asan: $(ASAN_BINS)
fuzz: $(FUZZ_BINS)

$(O)/bpf/%.bpf.o: bpf/%.bpf.c $(DEPSTAMP)
	@mkdir -p $(@D)
	$(call msg,CLANG,$@)$(BPF_CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(O)/bpf/%.skel.h: $(O)/bpf/%.bpf.o
	$(call msg,GEN,$@)$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

$(DEPSTAMP):
	@mkdir -p $(@D) && touch $@

# Object rules of one build variant: $(1) its directory, $(2) the
# compiler and its flags.
#   $(1)/lib/libhypernet.a                  userspace/lib
#   $(1)/learn/libhnlearn.a                 userspace/learn
#   $(1)/obj/<prog>/*.o, lib<prog>.a        each program; the archive has
#                                           all but main.o, when there is
#                                           a main.c
#   $(1)/tests/helpers/*.o                  tests/{unit,bpf}/helpers_*.c
define variant_rules
$(call lib_objs,userspace/lib,$(1)/lib,libhypernet.a,$(2))
$(call lib_objs,userspace/learn,$(1)/learn,libhnlearn.a,$(2))
$(foreach d,$(PROG_DIRS),$(call prog_objs,$(d),$(1)/obj/$(notdir $(d)),$(2)))

$(1)/tests/helpers/%.o: tests/unit/%.c $(DEPSTAMP) | $(BPF_SKELS)
	@mkdir -p $$(@D)
	$$(call msg,CC,$$@)$(2) $$(DEPFLAGS) -Itests/unit -Itests/bpf -c $$< -o $$@

$(1)/tests/helpers/%.o: tests/bpf/%.c $(DEPSTAMP) | $(BPF_SKELS)
	@mkdir -p $$(@D)
	$$(call msg,CC,$$@)$(2) $$(DEPFLAGS) -Itests/unit -Itests/bpf -c $$< -o $$@
endef

# $(1) library source directory, $(2) object directory, $(3) the archive's
# name, $(4) compiler and its flags.  The skeletons are generated
# headers: they exist before the first compile (order-only), and an
# object that includes one (the loader embeds the BPF object through it)
# depends on it through its .d file.
define lib_objs
$(2)/%.o: $(1)/%.c $(DEPSTAMP) | $(BPF_SKELS)
	@mkdir -p $$(@D)
	$$(call msg,CC,$$@)$(4) $$(DEPFLAGS) -fPIC -c $$< -o $$@

$(2)/$(3): $(patsubst $(1)/%.c,$(2)/%.o,$(wildcard $(1)/*.c))
	@mkdir -p $$(@D)
	$$(call msg,AR,$$@)rm -f $$@ && ar rcs $$@ $$^

endef

# $(1) program source directory, $(2) object directory, $(3) compiler
# and its flags.
define prog_objs
$(2)/%.o: $(1)/%.c $(DEPSTAMP) | $(BPF_SKELS)
	@mkdir -p $$(@D)
	$$(call msg,CC,$$@)$(3) $$(DEPFLAGS) -I$(1) -c $$< -o $$@

$(2)/lib$(notdir $(1)).a: $(patsubst $(1)/%.c,$(2)/%.o,$(filter-out \
		$(1)/main.c,$(wildcard $(1)/*.c)))
	@mkdir -p $$(@D)
	$$(call msg,AR,$$@)rm -f $$@ && ar rcs $$@ $$^

endef

$(eval $(call variant_rules,$(O),$$(CC) $$(ALL_CFLAGS)))
$(eval $(call variant_rules,$(ASAN_O),$$(CC) $$(ALL_CFLAGS) $$(SAN_CFLAGS)))
$(eval $(call variant_rules,$(FUZZ_O),$$(FUZZ_COMPILE) -fsanitize=fuzzer-no-link))

# A program with a main.c links main.o and its archive, so that it runs
# the very objects its tests link; others link all their objects.  Then
# the learning archive (LEARN_PROGS only) and the library, in that order:
# each archive may use the next.
prog_link = $(if $(wildcard $(1)/main.c),$(2)/main.o $(2)/lib$(notdir $(1)).a, \
		$(patsubst $(1)/%.c,$(2)/%.o,$(wildcard $(1)/*.c))) \
	    $(if $(filter $(notdir $(1)),$(LEARN_PROGS)),$(LEARN))
define prog_rule
$(O)/bin/$(notdir $(1)): $(call prog_link,$(1),$(O)/obj/$(notdir $(1))) $(LIB)
	@mkdir -p $$(@D)
	$$(call msg,LD,$$@)$$(CC) $$(ALL_CFLAGS) $$(ALL_LDFLAGS) -o $$@ $$^ \
		$$(PKG_LIBS) $$(LDLIBS)
endef
$(foreach d,$(PROG_DIRS),$(eval $(call prog_rule,$(d))))

# The archives among $(1) but the library, in link order: each may use
# those after it.
arch_order = $(filter-out %/libhnlearn.a %/libhypernet.a,$(filter %.a,$(1))) \
	     $(filter %/libhnlearn.a,$(1))

# $(1) the test's source, $(2) the variant's directory, $(3) extra flags.
# A test that exercises a program's code adds its archive as a
# prerequisite (tests/tests.mk), and so does one of the learning code:
# every archive among the prerequisites is linked, programs' first, then
# the learning archive, then the library (arch_order).  One source per
# command: its .d is then the test's own ($@.d).
define test_rule
$(2)/tests/$(basename $(notdir $(1))): $(1) $(call test_helpers,$(1),$(2)) \
		$(DEPSTAMP) \
		$(2)/lib/libhypernet.a | $(BPF_SKELS)
	@mkdir -p $$(@D)
	$$(call msg,CC,$$@)$$(CC) $$(ALL_CFLAGS) $(3) $$(DEPFLAGS) \
		$$(ALL_LDFLAGS) -Itests/unit -Itests/bpf \
		-o $$@ $(1) $(call test_helpers,$(1),$(2)) \
		$$(call arch_order,$$^) $(2)/lib/libhypernet.a -lcmocka \
		$$(PKG_LIBS) $$(LDLIBS)
endef
$(foreach s,$(UNIT_SRCS),$(eval $(call test_rule,$(s),$(O))))
$(foreach s,$(UNIT_SRCS),$(eval $(call test_rule,$(s),$(ASAN_O),$$(SAN_CFLAGS))))

# A fuzz target links the library, and objects and archives (a program's
# code, stubs of what it keeps out, the learning code) that it adds as
# prerequisites (tests/tests.mk).
$(O)/fuzz/%: tests/fuzz/%.c $(DEPSTAMP) $(FUZZ_O)/lib/libhypernet.a | \
		$(BPF_SKELS)
	@mkdir -p $(@D)
	$(call msg,CC,$@)$(FUZZ_COMPILE) $(DEPFLAGS) -fsanitize=fuzzer \
		-o $@ $< $(filter %.o,$^) \
		$(call arch_order,$^) $(FUZZ_O)/lib/libhypernet.a \
		$(PKG_LIBS) $(LDLIBS)

# Debian packages the project needs; idempotent, as root.
deps:
	./tools/install-deps.sh

check: all tests-asan fuzz
	./tests/run-tests.sh

clean:
	rm -rf $(O)

# Parts add their own targets (demo, bench, kmod, qemu, fuzz ...), and
# the directories where their compiles write .d files to DEP_DIRS.
DEP_DIRS	:= $(O)/bpf $(O)/fuzz $(foreach v,$(O) $(ASAN_O) $(FUZZ_O), \
			$(v) $(v)/lib $(v)/learn $(v)/obj/* $(v)/tests \
			$(v)/tests/helpers)
-include $(wildcard */*.mk)

-include $(wildcard $(addsuffix /*.d,$(DEP_DIRS)))
