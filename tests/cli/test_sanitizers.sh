#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Do sanitizer reports fail the tests?  Planted bugs, built exactly as the
# unit tests under ASan/UBSan ($O/asan/tests/planted_bugs) and the fuzz
# targets ($O/fuzz/planted_ub) are, must each make the run exit non-zero
# with the sanitizer's report, and a clean run must pass.  UBSan used to
# warn and go on: undefined behaviour never failed a fuzz run; and a fuzz
# target's failed check (abort()) made libFuzzer exit 77, which
# tests/run-tests.sh reported as SKIPPED.  Exits 0 when all hold, 77
# (SKIPPED) when the planted binaries are not built.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
[[ $O = /* ]] || O=$PWD/$O
UNIT=$O/asan/tests/planted_bugs
FUZZ=$O/fuzz/planted_ub

[ -x "$UNIT" ] || { echo "SKIPPED: no $UNIT: run make tests-asan"; exit 77; }
[ -x "$FUZZ" ] || { echo "SKIPPED: no $FUZZ: run make fuzz"; exit 77; }

tmp=$(mktemp -d /tmp/hn-san.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
failed=0

# expect WANT_RC NEEDLE CMD...: WANT_RC 0, or "fail": neither 0 nor 77
# (which tests/run-tests.sh takes for SKIPPED); NEEDLE in the output.
expect()
{
	local want=$1 needle=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if { [ "$want" = 0 ] && [ $rc -ne 0 ]; } ||
	   { [ "$want" = fail ] && { [ $rc -eq 0 ] || [ $rc -eq 77 ]; }; } ||
	   [[ "$out" != *"$needle"* ]]; then
		echo "FAIL: $* -> rc $rc, want $want and '$needle'; got:"
		echo "$out" | tail -n 15
		failed=1
	else
		echo "ok:   $* -> rc $rc, '$needle'"
	fi
}

# unit tests: every kind of report fails the run
expect 0 "no report" "$UNIT" none
expect fail "runtime error: signed integer overflow" "$UNIT" ub
expect fail "runtime error: shift exponent 40" "$UNIT" shift
expect fail "AddressSanitizer: heap-buffer-overflow" "$UNIT" heap
expect fail "AddressSanitizer: stack-buffer-overflow" "$UNIT" stack
expect fail "LeakSanitizer: detected memory leaks" "$UNIT" leak

# fuzz targets: one input, and a fuzz run over a corpus holding it
printf 'ub' >"$tmp/ub"
printf 'oob' >"$tmp/oob"
printf 'fine' >"$tmp/fine"
printf 'abort' >"$tmp/abort"
expect 0 "Executed $tmp/fine" "$FUZZ" "$tmp/fine"
expect fail "runtime error: signed integer overflow" "$FUZZ" "$tmp/ub"
expect fail "AddressSanitizer: heap-buffer-overflow" "$FUZZ" "$tmp/oob"
expect fail "deadly signal" "$FUZZ" -error_exitcode=1 "$tmp/abort"
# and as `make check` runs fuzz targets (tests/run-tests.sh): the bug
# planted in the target's corpus, one input that only asserts (libFuzzer
# exits 77 on a crash unless told otherwise: that would read as SKIPPED)
mkdir -p "$tmp/o/fuzz" "$tmp/o/test-logs/fuzz_planted_ub.work"
ln -s "$FUZZ" "$tmp/o/fuzz/fuzz_planted_ub"
cp "$tmp/fine" "$tmp/ub" "$tmp/o/test-logs/fuzz_planted_ub.work/"
expect fail "check: 0 passed, 1 failed, 0 skipped" \
	env O="$tmp/o" TESTS=fuzz_planted_ub FUZZ_SECONDS=5 tests/run-tests.sh
grep -q "runtime error: signed integer overflow" \
	"$tmp/o/test-logs/fuzz_planted_ub.log" ||
	{ echo "FAIL: no UBSan report in the fuzz run's log"; failed=1; }
ls "$tmp/o/test-logs/fuzz_planted_ub.work"/crash-* >/dev/null 2>&1 ||
	{ echo "FAIL: the fuzz run saved no crash input"; failed=1; }
rm -r "$tmp/o/test-logs"
mkdir -p "$tmp/o/test-logs/fuzz_planted_ub.work"
cp "$tmp/fine" "$tmp/abort" "$tmp/o/test-logs/fuzz_planted_ub.work/"
expect fail "check: 0 passed, 1 failed, 0 skipped" \
	env O="$tmp/o" TESTS=fuzz_planted_ub FUZZ_SECONDS=5 tests/run-tests.sh

if [ $failed -ne 0 ]; then
	echo "test_sanitizers: failures"
	exit 1
fi
echo "test_sanitizers: all checks passed"
