#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# List C functions longer than a limit, longest first:
#
#   tools/long-functions.sh [-n LINES] [FILE|DIR ...]
#
# One line per function: its length, FILE:LINE and its name.  A function's
# length runs from the first line of its definition to its closing brace.
# Without FILE or DIR: every *.c and *.h git tracks.  Default limit: 100.
# Universal Ctags finds the functions (it parses past comments, strings
# and macros such as SEC() that brace counting trips over).
set -u
cd "$(dirname "$0")/.." || exit 2

limit=100
if [ "${1:-}" = -n ]; then
	limit=${2:-}
	shift 2 || true
fi
case $limit in
'' | *[!0-9]*)
	echo "usage: $0 [-n LINES] [FILE|DIR ...]" >&2
	exit 2
	;;
esac
if ! ctags --version 2>/dev/null | grep -q 'Universal Ctags'; then
	echo "long-functions: needs Universal Ctags (apt-get install universal-ctags)" >&2
	exit 2
fi

if [ $# -eq 0 ]; then
	mapfile -t files < <(git ls-files '*.c' '*.h')
else
	mapfile -t files < <(find "$@" -type f \( -name '*.c' -o -name '*.h' \) |
		sort)
fi
[ ${#files[@]} -eq 0 ] && exit 0

# u-ctags' "end:" field is the line of the closing brace.
ctags -o - --language-force=C --kinds-C=f --fields=+ne "${files[@]}" |
	awk -F'\t' -v limit="$limit" '
	{
		line = end = 0
		for (i = 4; i <= NF; i++) {
			if ($i ~ /^line:/)
				line = substr($i, 6)
			else if ($i ~ /^end:/)
				end = substr($i, 5)
		}
		if (line && end && end - line + 1 > limit)
			printf "%d %s:%d %s\n", end - line + 1, $2, line, $1
	}' | sort -k1,1nr -k2,2
