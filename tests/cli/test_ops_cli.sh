#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The friction an operator met (issue 17): help and version options, help
# tables that list every word and cut none, the man pages documenting what
# the tools accept.  Needs no data plane, agent or module.
# Exits 0 when all pass, 77 (SKIPPED) when the tools are not built.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
[[ $O = /* ]] || O=$PWD/$O
HNCTL=$O/bin/hnctl
HND=$O/bin/hypernetd

for b in "$HNCTL" "$HND"; do
	[ -x "$b" ] || { echo "SKIPPED: no $b: run make first"; exit 77; }
done

. tests/cli/lib.sh
cli_scratch ops-cli

# help and version, long and short
run 0 "Usage: hnctl" "$HNCTL" --help
run 0 "Usage: hnctl" "$HNCTL" -h
run 0 "hnctl 0." "$HNCTL" -V
run 0 "hnctl 0." "$HNCTL" --version
run 0 "hypernetd 0." "$HND" -V
run 0 "hypernetd 0." "$HND" --version
run 0 "--version" "$HND" --help
run 1 "'hnctl help' lists" "$HNCTL" --bogus

# `hnctl help` names every word of the model and campaign families
top=$("$HNCTL" help)
before=$failed
for fam in model campaign; do
	line=$(echo "$top" | grep -m1 "^  $fam ")
	for w in $("$HNCTL" $fam help | sed -n 's/^  \([a-z-]*\) .*/\1/p'); do
		if [[ "$line" != *"$w"* ]]; then
			bad "'hnctl help' does not list '$fam $w': $line"
		fi
	done
done
[ "$failed" = "$before" ] && ok "hnctl help lists model's and campaign's words"

# no help table cuts its usage: every word's arguments as in the source
out=$("$HNCTL" dev help)
want='output DEV origin|local|node ID class N [stage S] [anycast] [src ID]'
if [[ "$out" == *"$want"* ]] && [[ "$out" == *"where results go"* ]]; then
	ok "hnctl dev help prints 'output' whole"
else
	bad "hnctl dev help cuts 'output':"
	echo "$out" | sed 's/^/    | /'
fi

# the man pages document what the tools accept
man8=Documentation/man/hnctl.8
for w in show stage output listen; do
	grep -q "^\.B.* \"*dev $w" "$man8" ||
		bad "$man8 does not document 'dev $w'"
done
grep -q '^\.BR \\-V ", " \\-\\-version' "$man8" ||
	bad "$man8 does not document --version"
grep -q '^\.BR \\-h ", " \\-\\-help' "$man8" ||
	bad "$man8 does not document --help"
grep -q '^\.BR \\-V ", " \\-\\-version' Documentation/man/hypernetd.8 ||
	bad "hypernetd.8 does not document --version"

if [ $failed -ne 0 ]; then
	echo "test_ops_cli: failures"
	exit 1
fi
echo "test_ops_cli: all checks passed"
