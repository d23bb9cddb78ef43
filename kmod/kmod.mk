# SPDX-License-Identifier: GPL-2.0
# The kernel module and its QEMU tests.
#   make kmod [KDIR=...]   build kmod/hypernet.ko
#   make qemu-test         boot Debian's kernel under QEMU and run the suite
#   make bench-kmod        module vs userspace engine, build/bench/kmod.json
KDIR ?= $(or $(wildcard /lib/modules/$(shell uname -r)/build), \
	     $(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | \
		     sort -V | tail -n 1))
KMOD_SRCS := $(wildcard kmod/*.c kmod/*.h kmod/Kbuild) \
	     include/uapi/linux/hypernet.h include/uapi/linux/hypernet_packet.h \
	     include/hypernet/engine.h include/hypernet/frame.h

.PHONY: kmod kmod-clean qemu-test bench-kmod

kmod: kmod/hypernet.ko

kmod/hypernet.ko: $(KMOD_SRCS)
	@test -d "$(KDIR)" || { echo "kmod: no kernel build tree at KDIR='$(KDIR)'" >&2; \
		echo "hint: install linux-headers-amd64 or pass KDIR=/path" >&2; exit 1; }
	@# O= : ours (the build directory) must not reach Kbuild, where O
	@# names the kernel's output tree (make O=out kmod failed)
	$(MAKE) -C $(KDIR) M=$(CURDIR) O= modules

kmod-clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) O= clean

qemu-test: kmod progs $(O)/tests/qemu/kmod-bad
	bash tests/qemu/test_kmod.sh

bench-kmod: kmod progs
	bash tests/qemu/bench_kmod.sh
