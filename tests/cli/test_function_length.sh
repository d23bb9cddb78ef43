#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# No C function outside tests/ and bench/ is longer than 100 lines
# (tools/long-functions.sh lists them).  Test code may run long: a table of
# cases reads best in one piece.  First the lister itself, on planted
# functions of 100 and 101 lines, so that a broken lister cannot pass.
set -u
cd "$(dirname "$0")/../.."
LIST=tools/long-functions.sh
LIMIT=100

ctags --version 2>/dev/null | grep -q 'Universal Ctags' ||
	{ echo "SKIPPED: needs Universal Ctags (apt-get install universal-ctags)"; exit 77; }
git rev-parse --git-dir >/dev/null 2>&1 ||
	{ echo "SKIPPED: not a git checkout (the tree is what git tracks)"; exit 77; }

tmp=$(mktemp -d /tmp/hn-funclen.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
failed=0

# plant NAME LINES: a function of exactly LINES lines, with a brace in a
# string and in a comment, in $tmp/NAME.c
plant() {
	{
		echo "static int $1(int x)"
		echo "{"
		echo "	/* { a brace in a comment */"
		echo "	const char *s = \"}\";"
		for ((i = 0; i < $2 - 6; i++)); do
			echo "	x += $i;"
		done
		echo "	return x + s[0];"
		echo "}"
	} >"$tmp/$1.c"
}
plant at_limit $LIMIT
plant over_limit $((LIMIT + 1))
got=$("$LIST" -n $LIMIT "$tmp")
want="$((LIMIT + 1)) $tmp/over_limit.c:1 over_limit"
if [ "$got" = "$want" ]; then
	echo "ok:   the lister finds the planted $((LIMIT + 1))-line function only"
else
	echo "FAIL: the lister on planted functions said:"
	echo "$got" | sed 's/^/    /'
	echo "  want: $want"
	failed=1
fi

long=$("$LIST" -n $LIMIT | awk '$2 !~ /^(tests|bench)\//')
if [ -n "$long" ]; then
	echo "FAIL: functions over $LIMIT lines outside tests/ and bench/:"
	echo "$long" | sed 's/^/    /'
	echo "  split them into smaller functions whose names say what they do"
	failed=1
else
	echo "ok:   no function over $LIMIT lines outside tests/ and bench/"
fi
exit $failed
