# SPDX-License-Identifier: GPL-2.0
#
# `make style`: check the tree's style, change nothing (tools/check-style.sh
# says what it checks); `make check` runs it (tests/cli/test_style.sh).
# `make format`: rewrite the same files with clang-format.
#   STYLE_FILES  every C source and header of the tree, tracked or new
#                (git ls-files: build/ and generated files are ignored)
#   CHECKPATCH   the kernel's scripts/checkpatch.pl, for kmod/: Debian's
#                linux-source-6.1 ships it in its tarball; taken out once
#                with its word lists into $(O)/style/
CLANG_FORMAT	?= clang-format-14
STYLE_FILES	?= $(shell git ls-files --cached --others --exclude-standard \
			-- '*.c' '*.h' 2>/dev/null)
KSRC_TAR	?= $(lastword $(sort $(wildcard /usr/src/linux-source-*.tar.xz)))
KSRC_TOP	= $(notdir $(KSRC_TAR:.tar.xz=))
CHECKPATCH	:= $(O)/style/checkpatch.pl
CHECKPATCH_FILES := checkpatch.pl spelling.txt const_structs.checkpatch

.PHONY: style format

style: $(CHECKPATCH)
	$(call msg,STYLE,$(words $(STYLE_FILES)) files)CLANG_FORMAT=$(CLANG_FORMAT) \
		CHECKPATCH=$(CHECKPATCH) ./tools/check-style.sh \
		$(filter-out kmod/%,$(STYLE_FILES)) \
		--kmod $(filter kmod/%,$(STYLE_FILES))

format:
	$(call msg,FORMAT,$(words $(STYLE_FILES)) files)$(CLANG_FORMAT) -i \
		$(STYLE_FILES)

$(CHECKPATCH):
	@test -f "$(KSRC_TAR)" || { \
		echo "style: no /usr/src/linux-source-*.tar.xz (checkpatch.pl)" >&2; \
		echo "hint: make deps (installs linux-source-6.1)" >&2; exit 1; }
	@rm -rf $(@D).tmp && mkdir -p $(@D).tmp
	$(call msg,UNTAR,$@)tar -xJf $(KSRC_TAR) -C $(@D).tmp \
		--strip-components=2 \
		$(CHECKPATCH_FILES:%=$(KSRC_TOP)/scripts/%)
	@mkdir -p $(@D) && mv $(CHECKPATCH_FILES:%=$(@D).tmp/%) $(@D)/ && \
		rmdir $(@D).tmp
