#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs every test layer and prints one line per test and a summary:
#   build/tests/test_*        cmocka units and BPF_PROG_TEST_RUN tables
#   build/asan/tests/test_*   the same under ASan/UBSan, as test_*-asan:
#                             a sanitizer report fails them
#   tests/netns/test_*.sh     namespace topologies (root)
#   tests/qemu/test_*.sh      the module inside Debian's kernel under QEMU
#   build/fuzz/fuzz_*         short libFuzzer runs over the seed corpora
# A test exits 0 to pass, 77 to say SKIPPED (after printing why), anything
# else fails.  Logs go to build/test-logs/.  TESTS="pattern" narrows.
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
LOGS=$O/test-logs
mkdir -p "$LOGS"
pattern=${TESTS:-}
pass=0 fail=0 skip=0
failed=()

run_one() {
	local name=$1; shift
	[ -n "$pattern" ] && [[ "$name" != *$pattern* ]] && return
	local log=$LOGS/$name.log start=$SECONDS rc
	"$@" >"$log" 2>&1
	rc=$?
	local t=$((SECONDS - start))
	case $rc in
	0) pass=$((pass + 1)); printf 'PASS    %-40s %3ss\n' "$name" "$t" ;;
	77) skip=$((skip + 1))
	    printf 'SKIPPED %-40s %s\n' "$name" \
		"$(grep -m1 -i 'skip' "$log" | cut -c1-100)" ;;
	*) fail=$((fail + 1)); failed+=("$name")
	   printf 'FAIL    %-40s %3ss (rc %d)\n' "$name" "$t" "$rc"
	   tail -n 30 "$log" | sed 's/^/    | /' ;;
	esac
}

for t in "$O"/tests/test_*; do
	[ -x "$t" ] && run_one "$(basename "$t")" "$t"
done
# ASan clears the shadow of large areas (thread stacks, big blocks) by
# mapping it anew unless told to memset() it: on VMs the remaps' TLB
# shootdowns made the sanitized tests twice as slow (test_unit_sim 34 s
# instead of 14).  Detection is the same.
for t in "$O"/asan/tests/test_*; do
	[ -x "$t" ] && run_one "$(basename "$t")-asan" env \
		ASAN_OPTIONS="${ASAN_OPTIONS:-clear_shadow_mmap_threshold=1073741824}" \
		UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}" "$t"
done
for t in tests/cli/test_*.sh tests/netns/test_*.sh tests/qemu/test_*.sh; do
	[ -f "$t" ] && run_one "$(basename "$t" .sh)" bash "$t"
done
for f in "$O"/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	n=$(basename "$f")
	corpus=tests/fuzz/corpus/${n#fuzz_}
	mkdir -p "$LOGS/$n.work"
	# libFuzzer exits 77 on a crash by default: our SKIPPED
	run_one "$n" "$f" -error_exitcode=1 \
		-max_total_time="${FUZZ_SECONDS:-20}" \
		-artifact_prefix="$LOGS/$n.work/" "$LOGS/$n.work" \
		$( [ -d "$corpus" ] && echo "$corpus")
done

echo
[ ${#failed[@]} -gt 0 ] && echo "failed: ${failed[*]}"
echo "check: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
