#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The mutant table of `make mutate` still applies: every mutant's snippet
# occurs exactly once in its file (an edit that changes one shows here,
# naming it, not an hour into `make mutate`), and the checker refuses a
# snippet that is missing or ambiguous.  Builds and runs nothing; needs no
# root.
set -u
cd "$(dirname "$0")/../.."
MUTATE=tests/mutate/mutate.py

command -v python3 >/dev/null ||
	{ echo "SKIPPED: python3 runs $MUTATE"; exit 77; }

tmp=$(mktemp -d /tmp/hn-mutants.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
failed=0
ok() { echo "ok:   $*"; }
bad() { echo "FAIL: $*"; failed=1; }

if out=$(python3 "$MUTATE" --check 2>&1); then
	ok "the table applies: ${out##*$'\n'}"
else
	echo "$out"
	bad "mutants no longer apply (update their 'from' snippets)"
fi

n=$(python3 "$MUTATE" --list | wc -l)
[ "$n" -ge 40 ] && ok "$n mutants" || bad "$n mutants, fewer than 40"

# a table of one mutant: FROM as given, expecting the checker to say WANT
table() {
	cat >"$tmp/t" <<-EOF
		[self-test]
		file: include/hypernet/engine.h
		kind: off-by-one
		tests: test_unit_engine
		from: $1
		to: x
	EOF
}
# refused FROM WANT OK BAD: the checker refuses a table of one mutant
# with FROM, saying WANT (a grep pattern); OK or BAD is the result
refused() {
	local out
	table "$1"
	out=$(python3 "$MUTATE" --table "$tmp/t" --check 2>&1)
	if [ $? -ne 0 ] && grep -q "$2" <<<"$out"; then
		ok "$3"
	else
		bad "$4: $out"
	fi
}
refused 'this snippet is nowhere' 'self-test.*occurs 0 times' \
	"a missing snippet is an error naming the mutant" \
	"missing snippet not refused"
refused '__hn_inline' 'self-test.*occurs [0-9]* times' \
	"an ambiguous snippet is an error naming the mutant" \
	"ambiguous snippet not refused"
table 'v += (__s64)1 << (shift - 1);'
if python3 "$MUTATE" --table "$tmp/t" --check >/dev/null 2>&1; then
	ok "a unique snippet applies"
else
	bad "a unique snippet was refused"
fi
exit $failed
