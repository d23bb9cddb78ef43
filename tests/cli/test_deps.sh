#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Header dependencies (-MMD -MP): a changed header recompiles exactly the
# objects that include it, directly or not, and no other.  make -n -W
# pretends the header changed without touching it; the objects its .d
# files name are the ones that must be recompiled.  Checked for headers
# with few and with many users.  Needs a build (make), no root; exits 77
# (SKIPPED) without one.
set -u
cd "$(dirname "$0")/../.."
export LC_ALL=C
O=${O:-build}
HEADERS="userspace/lib/sign.h userspace/hypernetd/hypernetd.h
	include/hypernet/route.h"

for d in "$O/lib" "$O/obj/hypernetd"; do
	ls "$d"/*.d >/dev/null 2>&1 ||
		{ echo "SKIPPED: no $d/*.d: run make first"; exit 77; }
done
make -s -q all 2>/dev/null ||
	{ echo "SKIPPED: the build is not up to date: run make first"; exit 77; }

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
failed=0
fail()
{
	echo "FAIL: $*"
	failed=1
}

# The objects of `make all` (library, learning archive, programs, BPF,
# test helpers) whose source still exists: an object left by a file
# moved away is no target any more.
objs()
{
	local o src

	find "$O/lib" "$O/learn" "$O/obj" "$O/bpf" "$O/tests/helpers" \
		-name '*.o' 2>/dev/null | sort | while read -r o; do
			[ -f "${o%.o}.d" ] || { echo "$o"; continue; }
			src=$(sed -n '1s/^[^:]*: *\([^ ]*\).*/\1/p' "${o%.o}.d")
			[ -f "$src" ] && echo "$o"
		done
}
objs >"$T/all"

for h in $HEADERS; do
	# The users: objects whose .d lists the header.
	while read -r o; do
		d=${o%.o}.d
		[ -f "$d" ] || { fail "$o has no $d"; continue; }
		grep -q "^$h:" "$d" && echo "$o"
	done <"$T/all" | sort >"$T/users"
	# What make would compile: the -o of every compile (-c) command.
	make -n -W "$h" V=1 all 2>/dev/null |
		grep -e ' -c ' | grep -o -e ' -o [^ ]*\.o' | cut -c5- |
		sort -u >"$T/built"
	n_users=$(wc -l <"$T/users")
	n_all=$(wc -l <"$T/all")
	echo "$h: $n_users of $n_all objects include it;" \
		"$(wc -l <"$T/built") recompiled"
	[ "$n_users" -gt 0 ] || fail "$h: no object's .d names it"
	[ "$n_users" -lt "$n_all" ] || fail "$h: every object includes it"
	if ! diff -u "$T/users" "$T/built" >"$T/diff"; then
		fail "$h: recompiled set differs from its users (-users +built):"
		cat "$T/diff"
	fi
done
exit $failed
