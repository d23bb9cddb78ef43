# SPDX-License-Identifier: GPL-2.0
# Helpers of the guest scripts (busybox sh), sourced from /hn/guest_lib.sh:
# qemu_build_initramfs copies it with the guest_*.sh it serves.  Not a
# guest test of its own.
KVER=$(cat /etc/kver)

ok() { echo "PASS $*"; }
ko() { echo "FAIL $*"; }
# check NAME CMD...: run CMD, PASS if it exits 0 (its output indented).
check() {
	name=$1
	shift
	if out=$("$@" 2>&1); then ok "$name"; else ko "$name (rc $?)"; fi
	[ -n "$out" ] && echo "$out" | sed 's/^/    /'
}
# refuse_says NAME PATTERN CMD...: CMD must fail and say PATTERN (the
# extack).
refuse_says() {
	name=$1 pat=$2
	shift 2
	if out=$("$@" 2>&1); then
		ko "$name (accepted)"
	elif echo "$out" | grep -q "$pat"; then
		ok "$name"
	else
		ko "$name (no '$pat' in the error)"
	fi
	[ -n "$out" ] && echo "$out" | sed 's/^/    /'
}
# guest_mods MOD...: load Debian's modules MOD unless loaded (the data
# plane needs veth, and sch_ingress and cls_bpf for its TC hook).
guest_mods() {
	for m in "$@"; do
		grep -q "^$m " /proc/modules ||
			insmod /lib/modules/$KVER/kernel/$m.ko 2>/dev/null
	done
}
