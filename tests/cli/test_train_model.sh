#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make train-model, shrunk by TRAIN_ARGS to seconds: it writes its model
# and the .hnm to TRAIN_OUT and leaves the shipped, tracked
# models/route-default.txt alone; on a terminal (script(1) gives it one)
# each generation's line shows as training goes, elsewhere only the end.
# Needs a build that is up to date, no root; exits 77 (SKIPPED) otherwise.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
[[ $O = /* ]] || O=$PWD/$O
[ -x "$O/bin/hn-train" ] || { echo "SKIPPED: no $O/bin/hn-train: run make first"; exit 77; }
command -v script >/dev/null || { echo "SKIPPED: no script(1)"; exit 77; }
make -s -q O="$O" "$O/bin/hn-train" "$O/bin/hn-model" 2>/dev/null ||
	{ echo "SKIPPED: the build is not up to date: run make first"; exit 77; }

. tests/cli/lib.sh
cli_scratch train-model
ARGS="--seed 1 --generations 3 --pairs 2 --scenarios 1 --duration-ms 500 --threads 1"
shipped=$(sha256sum models/route-default.txt)

out=$(make -s O="$O" train-model TRAIN_OUT="$tmp/a/route.txt" \
	TRAIN_ARGS="$ARGS" </dev/null 2>&1)
rc=$?
if [ $rc -eq 0 ] && [ -s "$tmp/a/route.txt" ] && [ -s "$tmp/a/route.hnm" ] &&
	[[ $out == *"to ship it: cp $tmp/a/route.txt models/route-default.txt"* ]]; then
	ok "train-model writes TRAIN_OUT and its .hnm, says how to ship it"
else
	bad "train-model (rc $rc) did not write $tmp/a/route.{txt,hnm}:"
	echo "$out" | sed 's/^/    | /'
fi
[[ $out != *"gen   1"* ]] && ok "no progress lines without a terminal" ||
	bad "progress lines without a terminal"
[ "$(sha256sum models/route-default.txt)" = "$shipped" ] &&
	ok "models/route-default.txt untouched" ||
	bad "train-model rewrote models/route-default.txt"

# on a terminal: every generation's line, before the summary
script -qec "make -s O='$O' train-model TRAIN_OUT='$tmp/b/route.txt' TRAIN_ARGS='$ARGS'" \
	"$tmp/typescript" >/dev/null 2>&1
rc=$?
tr -d '\r' <"$tmp/typescript" >"$tmp/tty"
gens=$(grep -c '^gen ' "$tmp/tty")
first=$(grep -n -m1 '^gen ' "$tmp/tty" | cut -d: -f1)
end=$(grep -n -m1 's wall clock' "$tmp/tty" | cut -d: -f1)
if [ $rc -eq 0 ] && [ "$gens" -ge 3 ] && [ -n "$end" ] &&
	[ "${first:-0}" -gt 0 ] && [ "$first" -lt "$end" ]; then
	ok "on a terminal: $gens generation lines, then the summary"
else
	bad "on a terminal (rc $rc): $gens generation lines:"
	sed 's/^/    | /' "$tmp/tty"
fi

if [ $failed -ne 0 ]; then
	echo "test_train_model: failures"
	exit 1
fi
echo "test_train_model: all checks passed"
