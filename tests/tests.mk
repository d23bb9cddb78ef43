# SPDX-License-Identifier: GPL-2.0
#
# Seed corpora of the fuzzers, regenerated from tests/fuzz/gen_seeds.c.
# The seeds are committed; this only rewrites them (deterministically).

.PHONY: fuzz-seeds
fuzz-seeds: $(O)/fuzz/gen-seeds
	@mkdir -p tests/fuzz/corpus/model tests/fuzz/corpus/frame \
		tests/fuzz/corpus/ctrl tests/fuzz/corpus/secagg \
		tests/fuzz/corpus/sa_proto tests/fuzz/corpus/campaign
	$(O)/fuzz/gen-seeds tests/fuzz/corpus/model tests/fuzz/corpus/frame \
		tests/fuzz/corpus/ctrl tests/fuzz/corpus/secagg \
		tests/fuzz/corpus/sa_proto tests/fuzz/corpus/campaign

$(O)/fuzz/gen-seeds: tests/fuzz/gen_seeds.c $(LIB)
	@mkdir -p $(@D)
	$(call msg,CC,$@)$(CC) $(ALL_CFLAGS) $(DEPFLAGS) $(ALL_LDFLAGS) -o $@ $< \
		$(LIB) $(PKG_LIBS) $(LDLIBS)

# Longer fuzzing than `make check` does (FUZZ_SECONDS per target, default
# 600), same corpora; crashes land in build/test-logs/fuzz_*.work/.
.PHONY: fuzz-long
fuzz-long: fuzz
	TESTS=fuzz_ FUZZ_SECONDS=$${FUZZ_SECONDS:-600} ./tests/run-tests.sh

# BPF programs the netns tests load beside the router (not the router's
# own objects, so no skeleton): tests/netns/*.bpf.c -> $(O)/tests/*.bpf.o
TEST_BPF_OBJS	:= $(patsubst tests/netns/%.bpf.c,$(O)/tests/%.bpf.o,\
			$(wildcard tests/netns/*.bpf.c))
tests: $(TEST_BPF_OBJS)

$(O)/tests/%.bpf.o: tests/netns/%.bpf.c $(DEPSTAMP)
	@mkdir -p $(@D)
	$(call msg,CLANG,$@)$(BPF_CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@

# Tests and fuzz targets that exercise a program's code link its archive
# (all its objects but main.o) and stub what they keep out: main.c's
# functions, the ports' sockets, the data plane.
HND_ARCHIVE	= $(1)/obj/hypernetd/libhypernetd.a
HND_TESTS	:= test_unit_agent test_unit_modelsync test_agent_core \
		   test_unit_fedround test_unit_reload
$(foreach t,$(HND_TESTS),$(eval $(O)/tests/$(t): $(call HND_ARCHIVE,$(O))))
$(foreach t,$(HND_TESTS),$(eval $(ASAN_O)/tests/$(t): $(call HND_ARCHIVE,$(ASAN_O))))
$(O)/fuzz/fuzz_config: $(call HND_ARCHIVE,$(FUZZ_O))
# The trainer's: the simulator's tests and the exported model's replay.
TRAIN_ARCHIVE	= $(1)/obj/hn-train/libhn-train.a
TRAIN_TESTS	:= test_unit_sim test_unit_simtopo test_train_xdp
$(foreach v,$(O) $(ASAN_O),$(foreach t,$(TRAIN_TESTS), \
	$(eval $(v)/tests/$(t): $(call TRAIN_ARCHIVE,$(v)))))
# The federated learning side of hn-fmnist (fed.c, mlp.c).
FMNIST_ARCHIVE	= $(1)/obj/hn-fmnist/libhn-fmnist.a
$(foreach v,$(O) $(ASAN_O),$(foreach t,test_unit_fedlocal test_unit_cnn, \
	$(eval $(v)/tests/$(t): $(call FMNIST_ARCHIVE,$(v)))))
$(O)/fuzz/fuzz_modelsync $(O)/fuzz/fuzz_ctlsock: $(FUZZ_O)/agent_stubs.o \
	$(call HND_ARCHIVE,$(FUZZ_O))

# Tests and fuzz targets of the learning code (simulator, IDX reader,
# quantiser) link its archive; the link rules put it after any program
# archive they add.
LEARN_ARCHIVE	= $(1)/learn/libhnlearn.a
LEARN_TESTS	:= test_unit_idx test_unit_fmnist test_unit_quant test_unit_bound \
		   test_unit_secagg test_unit_partition test_unit_fedlocal \
		   test_unit_cnn test_unit_fmnist_cnn \
		   test_unit_quant_golden test_unit_sim test_unit_simtopo \
		   test_train_xdp test_unit_graph
$(foreach v,$(O) $(ASAN_O),$(foreach t,$(LEARN_TESTS), \
	$(eval $(v)/tests/$(t): $(call LEARN_ARCHIVE,$(v)))))
$(O)/fuzz/fuzz_idx $(O)/fuzz/fuzz_model: $(call LEARN_ARCHIVE,$(FUZZ_O))

$(FUZZ_O)/agent_stubs.o: tests/fuzz/agent_stubs.c $(DEPSTAMP) | $(BPF_SKELS)
	@mkdir -p $(@D)
	$(call msg,CC,$@)$(FUZZ_COMPILE) $(DEPFLAGS) -fsanitize=fuzzer-no-link \
		-c $< -o $@

# Planted bugs, built as the sanitized unit tests and the fuzz targets are:
# tests/cli/test_sanitizers.sh checks that each makes a run fail.
SAN_PLANTED	:= $(ASAN_O)/tests/planted_bugs $(O)/fuzz/planted_ub
$(eval $(call test_rule,tests/unit/planted_bugs.c,$(ASAN_O),$$(SAN_CFLAGS)))
tests-asan fuzz: $(SAN_PLANTED)

# The module's negative tests, tables of bad frames and bad genl requests
# (tests/qemu/kmod_bad*.c), run inside the QEMU guest by guest_kmod.sh:
# they drive the device through hn-tensor's device side, its archive.
# tests/qemu/lib.sh copies $(O)/tests/qemu/* into the guest.
KMOD_BAD_SRCS	:= $(wildcard tests/qemu/kmod_bad*.c)
KMOD_BAD	:= $(O)/tests/qemu/kmod-bad
HNT_ARCHIVE	:= $(O)/obj/hn-tensor/libhn-tensor.a
tests: $(KMOD_BAD)

# Several sources in one command: their headers are listed, not generated.
KMOD_BAD_HDRS	:= tests/qemu/kmod_bad.h tools/hn-tensor/hn-tensor.h \
		   $(wildcard include/hypernet/*.h include/uapi/linux/*.h \
			      userspace/lib/*.h)
$(KMOD_BAD): $(KMOD_BAD_SRCS) $(KMOD_BAD_HDRS) $(HNT_ARCHIVE) $(LIB)
	@mkdir -p $(@D)
	$(call msg,LD,$@)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -Itools/hn-tensor -o $@ \
		$(KMOD_BAD_SRCS) $(HNT_ARCHIVE) $(LIB) $(PKG_LIBS) $(LDLIBS)

# The unit tests' helpers (tests/unit/helpers_*.c) as an archive that the
# BPF tests link too, so that both layers share one temporary directory
# and one random generator instead of copies.  Its objects are the
# helpers' own (variant_rules in the Makefile).
UNIT_HELPERS	:= $(wildcard tests/unit/helpers_*.c)
BPF_TESTS	:= $(basename $(notdir $(wildcard tests/bpf/test_*.c)))
define unit_helpers_rules
$(1)/tests/helpers/libhntest.a: \
		$(UNIT_HELPERS:tests/unit/%.c=$(1)/tests/helpers/%.o)
	$$(call msg,AR,$$@)rm -f $$@ && ar rcs $$@ $$^

$(BPF_TESTS:%=$(1)/tests/%): $(1)/tests/helpers/libhntest.a
endef
$(foreach v,$(O) $(ASAN_O),$(eval $(call unit_helpers_rules,$(v))))
