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

# The agent's log lines, from an agent that stops at its data plane (a
# pin-dir on no bpffs): under the journal (JOURNAL_STREAM names stderr)
# syslog priorities "<N>", elsewhere a UTC stamp and the node as a node.
mkdir -m 700 "$tmp/state"
install -m 600 /dev/null "$tmp/a.conf"
printf 'node-id = 7\nport = hnnope0\nmesh-key = 1 %s\npin-dir = %s\nstate-dir = %s\ncontrol-socket = %s\n' \
	"$(printf '5a%.0s' $(seq 32))" "$tmp/pins" "$tmp/state" "$tmp/ctl" \
	>"$tmp/a.conf"
: >"$tmp/journal"
JOURNAL_STREAM=$(stat -c %d:%i "$tmp/journal") "$HND" -c "$tmp/a.conf" \
	2>>"$tmp/journal"
if grep -qx '<4>no trusted-keys: every model update will be refused' \
	"$tmp/journal" && grep -q '^<3>data plane: ' "$tmp/journal" &&
	! grep -qv '^<[0-7]>' "$tmp/journal"; then
	ok "under the journal: <4> for a warning, <3> for an error"
else
	bad "journal lines:"
	sed 's/^/    | /' "$tmp/journal"
fi
"$HND" -c "$tmp/a.conf" 2>"$tmp/plain"
stamp='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'
if grep -qE "^$stamp hypernetd node 7 warning: no trusted-keys" "$tmp/plain" &&
	grep -qE "^$stamp hypernetd node 7 error: data plane: " "$tmp/plain" &&
	! grep -qvE "^$stamp hypernetd node 7 " "$tmp/plain"; then
	ok "elsewhere: a UTC stamp, 'hypernetd node 7 LEVEL:'"
else
	bad "log lines:"
	sed 's/^/    | /' "$tmp/plain"
fi

if [ $failed -ne 0 ]; then
	echo "test_ops_cli: failures"
	exit 1
fi
echo "test_ops_cli: all checks passed"
