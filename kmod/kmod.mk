# SPDX-License-Identifier: GPL-2.0
# The kernel module and its QEMU tests.
#   make kmod [KDIR=...]   build $(O)/kmod/hypernet.ko
#   make kmod-install      install it for KDIR's kernel (updates/), depmod
#   make qemu-test         boot Debian's kernel under QEMU and run the suite
#   make bench-kmod        module vs userspace engine, build/bench/kmod.json
KDIR ?= $(or $(wildcard /lib/modules/$(shell uname -r)/build), \
	     $(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | \
		     sort -V | tail -n 1))
# Built out of the source tree, so kmod/ holds sources only.  Kbuild
# puts objects beside the sources it is given (M=; MO= came with Linux
# 6.13, Debian 12 builds against 6.1): $(KMOD_O) gets a symbolic link to
# each source, the objects land there.  A link, not a copy: a compiler
# message names build/kmod/x.c, and an editor that opens it edits kmod/x.c.
KMOD_O		:= $(O)/kmod
KMOD		:= $(KMOD_O)/hypernet.ko
KMOD_LINKS	:= $(patsubst kmod/%,$(KMOD_O)/%,$(wildcard kmod/*.c kmod/*.h) \
			      kmod/Kbuild)
# What the module includes from include/: Kbuild tracks every header
# itself, these only tell this make that Kbuild has work to do.
KMOD_SRCS	:= $(KMOD_LINKS) include/uapi/linux/hypernet.h \
		   include/uapi/linux/hypernet_packet.h \
		   include/hypernet/engine.h include/hypernet/frame.h
# O= : ours (the build directory) must not reach Kbuild, where O names
# the kernel's output tree (make O=out kmod failed).  HN_SRCTREE: where
# kmod/Kbuild finds include/, as the links' directory has no ../include.
KBUILD_MAKE	= $(MAKE) -C $(KDIR) M=$(abspath $(KMOD_O)) O= \
		  HN_SRCTREE=$(CURDIR)
# The release KDIR's headers are for, and the one running: they differ on
# a host whose kernel has no headers package (the module is then for
# QEMU, or for another machine).
KMOD_KVER	= $(shell sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' \
		    $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
HOST_KVER	:= $(shell uname -r)

.PHONY: kmod kmod-clean kmod-install qemu-test bench-kmod

kmod: $(KMOD)

$(KMOD_O)/%: kmod/%
	@mkdir -p $(@D)
	$(call msg,LN,$@)ln -sfn $(CURDIR)/$< $@

$(KMOD): $(KMOD_SRCS)
	@test -d "$(KDIR)" || { echo "kmod: no kernel build tree at KDIR='$(KDIR)'" >&2; \
		echo "hint: install linux-headers-amd64 or pass KDIR=/path" >&2; exit 1; }
	@echo "kmod: building for Linux $(or $(KMOD_KVER),?) (KDIR=$(KDIR))"
	@if [ "$(KMOD_KVER)" != "$(HOST_KVER)" ]; then \
		echo "kmod: note: this host runs $(HOST_KVER); the module loads only in $(KMOD_KVER)" >&2; \
		echo "hint: for this host install its headers, or pass KDIR=/lib/modules/\$$(uname -r)/build" >&2; fi
	$(Q)$(KBUILD_MAKE) modules

# Where modules_install puts out-of-tree modules by default (extra/) would
# do too; updates/ is where DKMS puts its own, and modprobe prefers it
# over the kernel's tree.
kmod-install: $(KMOD)
	$(Q)$(KBUILD_MAKE) INSTALL_MOD_DIR=updates modules_install
	depmod -a $(KMOD_KVER)

kmod-clean:
	$(if $(wildcard $(KMOD_O)),$(KBUILD_MAKE) clean)
	rm -f $(KMOD_LINKS)

qemu-test: kmod progs $(O)/tests/qemu/kmod-bad
	bash tests/qemu/test_kmod.sh

bench-kmod: kmod progs
	bash tests/qemu/bench_kmod.sh
