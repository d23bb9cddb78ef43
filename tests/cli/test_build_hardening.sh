#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The build's hardening, as Debian builds packages (dpkg-buildflags with
# hardening=+all): every program in $O/bin is a PIE, fully RELRO (GNU_RELRO
# and BIND_NOW), built with the stack protector (__stack_chk_fail) and
# _FORTIFY_SOURCE (__*_chk calls).  And the Makefile honours CPPFLAGS,
# CFLAGS and LDFLAGS from the command line and the environment without
# dropping its own flags.  Needs no root.  Exits 0 when all hold, 77
# (SKIPPED) without readelf or a build.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}

command -v readelf >/dev/null || { echo "SKIPPED: no readelf (binutils)"; exit 77; }
bins=$(ls "$O"/bin/* 2>/dev/null)
[ -n "$bins" ] || { echo "SKIPPED: nothing in $O/bin: run make first"; exit 77; }

failed=0
fail()
{
	echo "FAIL: $*"
	failed=1
}

for b in $bins; do
	hdr=$(readelf -hW "$b") dyn=$(readelf -dW "$b") seg=$(readelf -lW "$b")
	syms=$(readelf --dyn-syms -W "$b")
	why=
	grep -q 'Type:[[:space:]]*DYN' <<<"$hdr" &&
		grep -q 'FLAGS_1.*PIE' <<<"$dyn" || why+=" not-PIE"
	grep -q 'GNU_RELRO' <<<"$seg" || why+=" no-GNU_RELRO"
	grep -Eq 'FLAGS.*BIND_NOW|FLAGS_1.*NOW' <<<"$dyn" || why+=" no-BIND_NOW"
	grep -q ' __stack_chk_fail' <<<"$syms" || why+=" no-stack-protector"
	grep -Eq ' __[a-z_]+_chk(@|$)' <<<"$(grep -v __stack_chk_fail <<<"$syms")" ||
		why+=" no-_FORTIFY_SOURCE"
	if [ -n "$why" ]; then
		fail "$b:$why"
	else
		echo "ok:   $b: PIE, RELRO, BIND_NOW, stack protector, fortified ($(grep -Eo ' __[a-z_]+_chk' <<<"$syms" | sort -u | wc -l) _chk functions)"
	fi
done

# The flags a compile and the link of hnctl would get, without building.
# make_lines VAR=VAL...: make's commands for them, from a scratch O.
make_lines()
{
	make -s -n -B O=/tmp/hn-flags-probe "$@" /tmp/hn-flags-probe/bin/hnctl \
		2>/dev/null | tr -d '\\' | tr '\n' ' ' | sed 's/ cc /\ncc /g'
}

# has LINE WORD...: every WORD is an argument in LINE
has()
{
	local line=$1 w
	shift
	for w in "$@"; do
		[[ " $line " == *" $w "* ]] || return 1
	done
}

check_flags()
{
	local how=$1 out compile link
	shift
	out=$(make_lines "$@")
	compile=$(grep -- 'userspace/hnctl/main.c' <<<"$out")
	link=$(grep -- '-o /tmp/hn-flags-probe/bin/hnctl ' <<<"$out")
	if ! has "$compile" -O1 -DHN_PROBE_CPP -Wall -Wextra -Iinclude \
		-fstack-protector-strong -D_FORTIFY_SOURCE=2 \
		-Werror=format-security || has "$compile" -O2; then
		fail "$how: compile of hnctl: $compile"
	elif ! has "$link" -Wl,--hn-probe -Wl,-z,relro -Wl,-z,now -pie; then
		fail "$how: link of hnctl: $link"
	else
		echo "ok:   $how: the user's flags and the project's"
	fi
}

check_flags "command line" CFLAGS=-O1 CPPFLAGS=-DHN_PROBE_CPP \
	LDFLAGS=-Wl,--hn-probe
CFLAGS=-O1 CPPFLAGS=-DHN_PROBE_CPP LDFLAGS=-Wl,--hn-probe \
	check_flags "environment"
# without the optimiser, _FORTIFY_SOURCE only warns: left out
out=$(make_lines CFLAGS="-O0 -g")
compile=$(grep -- 'userspace/hnctl/main.c' <<<"$out")
if [ -z "$compile" ] || has "$compile" -D_FORTIFY_SOURCE=2; then
	fail "CFLAGS=-O0: compile of hnctl: $compile"
else
	echo "ok:   CFLAGS=-O0: no _FORTIFY_SOURCE"
fi

if [ $failed -ne 0 ]; then
	echo "test_build_hardening: failures"
	exit 1
fi
echo "test_build_hardening: all checks passed"
