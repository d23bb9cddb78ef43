#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The tree's style check, as `make style` runs it:
#   check-style.sh FILE... [--kmod FILE...]
# Every FILE (C sources and headers):
#   - clang-format --dry-run -Werror against .clang-format (the kernel's,
#     with this tree's loop macros), with the clang-format Debian 12 ships:
#     another version formats differently, and an option it does not know
#     is an error;
#   - an SPDX-License-Identifier on the first line, "// " in a .c file,
#     "/* */" in a header, as the kernel has it.
# Files after --kmod (the module's) also go through the kernel's
# scripts/checkpatch.pl ($CHECKPATCH; errors and warnings fail, lines up
# to 100 columns), and what checkpatch tolerates but the kernel's style
# does not: a C99 // comment other than the SPDX line.
# Prints one line per problem, "file:line: what", and exits 1 if any.
set -u
CLANG_FORMAT=${CLANG_FORMAT:-clang-format-14}
CLANG_FORMAT_VERSION=14
CHECKPATCH=${CHECKPATCH:-}

files=() kfiles=() kmod=0
for a in "$@"; do
	case $a in
	--kmod) kmod=1 ;;
	*) if [ $kmod = 1 ]; then kfiles+=("$a"); else files+=("$a"); fi ;;
	esac
done

failed=0
fail()
{
	echo "$*"
	failed=1
}

check_clang_format()
{
	local v

	if ! v=$("$CLANG_FORMAT" --version 2>/dev/null); then
		echo "style: no $CLANG_FORMAT" >&2
		echo "hint: make deps (installs clang-format-$CLANG_FORMAT_VERSION)" >&2
		exit 2
	fi
	if [[ $v != *"version $CLANG_FORMAT_VERSION."* ]]; then
		echo "style: $CLANG_FORMAT is not version $CLANG_FORMAT_VERSION: $v" >&2
		echo "hint: CLANG_FORMAT=clang-format-$CLANG_FORMAT_VERSION (Debian 12's)" >&2
		exit 2
	fi
	# An option this version does not know fails here, once, not per file.
	if ! "$CLANG_FORMAT" --dump-config --assume-filename=x.c \
		</dev/null >/dev/null; then
		echo "style: .clang-format has options $CLANG_FORMAT does not know" >&2
		exit 2
	fi
	# One line per file that differs: "file: N places differ".
	[ $# -gt 0 ] || return 0
	local out
	out=$("$CLANG_FORMAT" --dry-run -Werror "$@" 2>&1) && return 0
	out=$(printf '%s\n' "$out" |
		sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error: .*clang-format-violations.*/\1/p' |
		uniq -c | awk '{ print $2 ": " $1 " places differ from .clang-format" }')
	[ -n "$out" ] || out="clang-format failed: run $CLANG_FORMAT --dry-run -Werror"
	fail "$out"
	fail "($(printf '%s\n' "$out" | wc -l) files; make format rewrites them)"
}

check_spdx()
{
	local f first want

	for f in "$@"; do
		IFS= read -r first <"$f" || first=
		case $f in
		*.h) want='/\* SPDX-License-Identifier: .* \*/$' ;;
		*) want='^// SPDX-License-Identifier: ' ;;
		esac
		[[ $first =~ $want ]] ||
			fail "$f:1: no SPDX-License-Identifier line in the ${f##*.} file's comment style"
	done
}

check_kmod()
{
	local out

	[ $# -gt 0 ] || return 0
	if [ -z "$CHECKPATCH" ] || [ ! -f "$CHECKPATCH" ]; then
		echo "style: no checkpatch.pl (CHECKPATCH='$CHECKPATCH')" >&2
		echo "hint: make deps (installs linux-source-6.1), then make style" >&2
		exit 2
	fi
	out=$(perl "$CHECKPATCH" --no-tree --file --terse --quiet \
		--show-types --max-line-length=100 "$@" 2>&1) ||
		fail "$(printf '%s\n' "$out" | grep -v '^total: ')"
	# checkpatch allows // comments; the SPDX line is the only one here.
	out=$(awk 'FNR > 1 && /(^|[^:"\\])\/\// { print FILENAME ":" FNR \
		": C99 // comment: use /* */" }' "$@")
	[ -z "$out" ] || fail "$out"
}

check_clang_format "${files[@]}" "${kfiles[@]}"
check_spdx "${files[@]}" "${kfiles[@]}"
check_kmod "${kfiles[@]}"
exit $failed
