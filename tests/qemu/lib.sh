#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# QEMU harness for the kernel module: builds an initramfs (busybox, the
# module, veth, the project's binaries and the guest's test programs of
# $O/tests/qemu, Debian's ip and bpftool, and
# util-linux's setpriv and unshare, with their libraries) into
# build/qemu/ and boots Debian's kernel on it under TCG.
# Inside, /init runs one guest script (tests/qemu/guest_*.sh, helpers in
# guest_lib.sh) that prints PASS/FAIL lines, dumps the kernel log and
# powers off.
#
#   . tests/qemu/lib.sh
#   qemu_prepare || exit $?      # 77 + "SKIPPED: why" if it cannot run
#   qemu_run kmod 600            # guest_kmod.sh, timeout in seconds
#   qemu_verdict                 # 0 iff all cases passed, log clean
set -u

HN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
O=${O:-build}
QDIR=$HN_ROOT/$O/qemu
# kmod/kmod.mk builds it out of tree; HN_KMOD= tests another build of it
KMOD=${HN_KMOD:-$HN_ROOT/$O/kmod/hypernet.ko}
QEMU=${QEMU:-qemu-system-x86_64}
QEMU_SMP=${QEMU_SMP:-2}

skip() {
	echo "SKIPPED: $*"
	exit 77
}

# qemu_need_kmod_build: skip unless root (the initramfs has device nodes)
# with kernel headers to build the module against.
qemu_need_kmod_build() {
	if [ "$(id -u)" -ne 0 ]; then
		skip "needs root (builds the initramfs with device nodes, runs QEMU)"
	fi
	if [ -z "${KDIR:-}" ] && [ ! -d "/lib/modules/$(uname -r)/build" ] &&
		! ls -d /usr/src/linux-headers-*-amd64 >/dev/null 2>&1; then
		skip "no kernel headers to build the module (apt-get install linux-headers-amd64, or KDIR=)"
	fi
}

# The kernel the module was built for, and its image and modules.
qemu_find_kernel() {
	[ -f "$KMOD" ] || { echo "qemu: $KMOD not built (make kmod)" >&2; return 1; }
	KVER=$(modinfo -F vermagic "$KMOD" 2>/dev/null | awk '{print $1}')
	[ -n "$KVER" ] || { echo "qemu: cannot read vermagic of $KMOD" >&2; return 1; }
	VMLINUZ=${VMLINUZ:-/boot/vmlinuz-$KVER}
	KMODDIR=/lib/modules/$KVER
	[ -r "$VMLINUZ" ] || skip "no kernel image $VMLINUZ (apt-get install linux-image-amd64)"
	[ -d "$KMODDIR" ] || skip "no modules in $KMODDIR"
	command -v "$QEMU" >/dev/null || skip "$QEMU not installed (apt-get install qemu-system-x86)"
	[ -x /bin/busybox ] || skip "busybox not installed (apt-get install busybox-static)"
	return 0
}

# Copy a binary and every library it needs, preserving paths.
_copy_bin() {
	local bin=$1 dst=$2 lib
	install -D -m 755 "$bin" "$QROOT$dst"
	for lib in $(ldd "$bin" 2>/dev/null | awk '/=> \//{print $3} /^\t\//{print $1}'); do
		[ -e "$QROOT$lib" ] || install -D -m 755 "$(readlink -f "$lib")" "$QROOT$lib"
	done
}

# A kernel module from the distribution tree, decompressed if need be.
_copy_kmod() {
	local name=$1 f
	f=$(find "$KMODDIR/kernel" -name "$name.ko*" | head -n1)
	[ -n "$f" ] || return 1
	mkdir -p "$QROOT/lib/modules/$KVER/kernel"
	case "$f" in
	*.ko) cp "$f" "$QROOT/lib/modules/$KVER/kernel/" ;;
	*.ko.xz) xz -dc "$f" > "$QROOT/lib/modules/$KVER/kernel/$name.ko" ;;
	*.ko.zst) zstd -qdc "$f" > "$QROOT/lib/modules/$KVER/kernel/$name.ko" ;;
	*.ko.gz) gzip -dc "$f" > "$QROOT/lib/modules/$KVER/kernel/$name.ko" ;;
	esac
}

qemu_build_initramfs() {
	local a b
	QROOT=$QDIR/root
	rm -rf "$QROOT"
	mkdir -p "$QROOT"/{bin,sbin,dev,proc,sys,run,tmp,etc,root,hn,var}
	ln -s ../run "$QROOT/var/run"
	cp /bin/busybox "$QROOT/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ "$a" = ip ] || [ "$a" = busybox ] && continue
		ln -sf busybox "$QROOT/bin/$a"
	done
	ln -sf ../bin/busybox "$QROOT/sbin/modprobe"
	_copy_bin "$(command -v ip)" /usr/sbin/ip
	# iproute2's tc: busybox's has no tbf (guest_bsplit.sh shapes links)
	b=$(command -v tc || true)
	[ -n "$b" ] && _copy_bin "$b" /usr/sbin/tc
	b=$(command -v bpftool || true)
	[ -n "$b" ] && _copy_bin "$b" /bin/bpftool
	# util-linux's setpriv and unshare (busybox's cannot change uid or
	# map one): the permission tests run as a user without capabilities.
	for b in setpriv unshare; do
		_copy_bin "$(command -v $b)" /usr/bin/$b || return 1
	done
	b=$(command -v xdp-loader || true)
	[ -n "$b" ] && _copy_bin "$b" /bin/xdp-loader
	# libxdp.so loads its dispatcher from a file (xdp-loader has its own)
	for b in /usr/lib/*/bpf/xdp-dispatcher.o; do
		[ -f "$b" ] && install -D -m 644 "$b" "$QROOT$b"
	done
	for b in "$HN_ROOT/$O"/bin/*; do
		[ -x "$b" ] && _copy_bin "$b" "/bin/$(basename "$b")"
	done
	# Test programs of the guest scripts (kmod-bad)
	for b in "$HN_ROOT/$O"/tests/qemu/*; do
		[ -f "$b" ] && [ -x "$b" ] && _copy_bin "$b" "/bin/$(basename "$b")"
	done
	# The module where modprobe finds it (autoload), plus veth.
	mkdir -p "$QROOT/lib/modules/$KVER/extra"
	cp "$KMOD" "$QROOT/lib/modules/$KVER/extra/"
	for a in veth sch_ingress cls_bpf sch_tbf sch_netem; do _copy_kmod $a || true; done
	[ -f "$HN_ROOT/$O/bpf/hypernet.bpf.o" ] &&
		cp "$HN_ROOT/$O/bpf/hypernet.bpf.o" "$QROOT/hn/"
	cp "$HN_ROOT"/tests/qemu/guest_*.sh "$QROOT/hn/"
	[ -d "$HN_ROOT/models" ] && cp -r "$HN_ROOT/models" "$QROOT/hn/models" 2>/dev/null
	# Files a guest script needs besides the binaries (data sets,
	# models): QEMU_FILES="a b ..." land in /hn/data/ by base name.
	for a in ${QEMU_FILES:-}; do
		install -D -m 644 "$a" "$QROOT/hn/data/$(basename "$a")" || return 1
	done
	# BPF programs the tests load beside the router (xdp_count)
	for a in "$HN_ROOT/$O"/tests/*.bpf.o; do
		[ -f "$a" ] && install -D -m 644 "$a" "$QROOT/hn/data/$(basename "$a")"
	done
	install -m 755 "$HN_ROOT/tests/qemu/init.sh" "$QROOT/init"
	echo "$KVER" > "$QROOT/etc/kver"
	(cd "$QROOT" && find . | cpio -o -H newc --quiet) | gzip -1 > "$QDIR/initramfs.cpio.gz"
}

qemu_prepare() {
	mkdir -p "$QDIR"
	qemu_find_kernel || return 1
	qemu_build_initramfs || return 1
}

# qemu_run NAME TIMEOUT [ARGS]: boot, run guest_NAME.sh, log to $QLOG.
qemu_run() {
	local name=$1 tmo=$2 args=${3:-} t0=$SECONDS rc
	QLOG=$QDIR/$name.log
	timeout --foreground -k 5 "$tmo" "$QEMU" -accel tcg -m 1G \
		-smp "$QEMU_SMP" -nographic -no-reboot \
		-kernel "$VMLINUZ" -initrd "$QDIR/initramfs.cpio.gz" \
		-append "console=ttyS0 panic=-1 oops=panic loglevel=4 hn_test=$name hn_args=$args" \
		</dev/null >"$QLOG" 2>&1
	rc=$?
	QTIME=$((SECONDS - t0))
	QTIMEOUT=0
	[ $rc -eq 124 ] || [ $rc -eq 137 ] && QTIMEOUT=1
	return 0
}

# Verdict over $QLOG: every case passed, the guest finished, the kernel
# log has no WARN/BUG/oops/leak.
qemu_verdict() {
	local pass fail bad
	# The serial console can interleave NULs and padding with the
	# guest's lines: drop them, so no verdict line hides in "binary".
	tr -d '\r\000' < "$QLOG" | sed 's/^[[:space:]]*\(PASS\|FAIL\|SKIP\) /\1 /' \
		> "$QLOG.txt"
	pass=$(grep -c '^PASS ' "$QLOG.txt")
	fail=$(grep -c '^FAIL ' "$QLOG.txt")
	grep -E '^(PASS|FAIL|SKIP) ' "$QLOG.txt"
	# Only what the kernel said once the test started (boot-time
	# mitigation notes mention "WARNING" and "leaks" on some CPUs).
	bad=$(sed -n '/^HN-START/,$p' "$QLOG.txt" | grep -E 'WARNING:|BUG:|Oops|general protection|Call Trace|kernel BUG|leak|UBSAN|KASAN|refcount_t:|hung_task|soft lockup|Kernel panic' |
		grep -v 'HN-IGNORE' | head -n 20)
	echo "qemu: $pass passed, $fail failed, $(grep -c '^SKIP ' "$QLOG.txt") skipped, ${QTIME}s in the VM (log: $QLOG)"
	if [ "$QTIMEOUT" = 1 ]; then
		echo "qemu: FAIL: the VM timed out"
		tail -n 40 "$QLOG.txt"
		return 1
	fi
	if ! grep -q '^HN-DONE' "$QLOG.txt"; then
		echo "qemu: FAIL: the guest did not finish"
		tail -n 40 "$QLOG.txt"
		return 1
	fi
	if [ -n "$bad" ]; then
		echo "qemu: FAIL: kernel log shows problems:"
		echo "$bad"
		return 1
	fi
	[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
}
