# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the command-line tests of tests/cli, which set failed=0
# (cli_scratch does).
#
ok() { echo "ok:   $*"; }
bad() { echo "FAIL: $*"; failed=1; }

# expect WANT_RC NEEDLE CMD...: as run, and on failure the whole output.
expect()
{
	local want=$1 needle=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		bad "$* exited $rc, not $want"
		echo "$out" | sed 's/^/    | /'
	elif [[ "$out" != *"$needle"* ]]; then
		bad "$* does not say '$needle'"
		echo "$out" | sed 's/^/    | /'
	else
		ok "$* -> $rc ($needle)"
	fi
}

# run WANT_RC NEEDLE CMD...: exit code WANT_RC, NEEDLE in stdout+stderr.
run()
{
	local want=$1 needle=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -ne "$want" ] || [[ "$out" != *"$needle"* ]]; then
		echo "FAIL: $* -> rc $rc, want $want and '$needle'; got: $out"
		failed=1
	else
		echo "ok:   $* -> $(echo "$out" | head -1)"
	fi
}

# cli_scratch NAME: $tmp, a new directory removed on exit; failed=0.
cli_scratch()
{
	tmp=$(mktemp -d "/tmp/hn-$1.XXXXXX") || exit 1
	trap 'rm -rf "$tmp"' EXIT
	failed=0
}

# cli_need_python: SKIPPED (77) without python3 to read the JSON.
cli_need_python()
{
	command -v python3 >/dev/null ||
		{ echo "SKIPPED: python3 is needed to check the JSON"; exit 77; }
}
