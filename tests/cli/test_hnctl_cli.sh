#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hnctl's command names: `hnctl dp WORD` reads the data plane, `hnctl
# agent WORD` asks hypernetd, and the older top-level names (neigh, route,
# routes, neighbours) still do exactly what the new ones do.  Pointed at a
# pin directory that does not exist, every data-plane command fails the
# same way, so old and new names are compared without a data plane.
# Exits 0 when all pass, 77 (SKIPPED) when hnctl is not built.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
[[ $O = /* ]] || O=$PWD/$O
HNCTL=$O/bin/hnctl

[ -x "$HNCTL" ] || { echo "SKIPPED: no $HNCTL: run make first"; exit 77; }

. tests/cli/lib.sh
cli_scratch hnctl-names
# no data plane and no agent here
ctl=("$HNCTL" -P "$tmp/nopins" -S "$tmp/none.sock" -D "$tmp")

# same OLD... -- NEW...: the old name prints and exits as the new one.
same()
{
	local old=() new out_old out_new rc_old rc_new

	while [ "$1" != -- ]; do
		old+=("$1")
		shift
	done
	shift
	new=("$@")
	out_old=$("${ctl[@]}" "${old[@]}" 2>&1)
	rc_old=$?
	out_new=$("${ctl[@]}" "${new[@]}" 2>&1)
	rc_new=$?
	if [ "$rc_old" -ne "$rc_new" ] || [ "$out_old" != "$out_new" ]; then
		echo "FAIL: '${old[*]}' (rc $rc_old) is not '${new[*]}' (rc $rc_new)"
		echo "      old: $out_old"
		echo "      new: $out_new"
		failed=1
	else
		echo "ok:   '${old[*]}' = '${new[*]}' -> $(echo "$out_new" | head -1)"
	fi
}

# help names both families and the older names
run 0 "dp COMMAND [ARGS]" "$HNCTL" help
run 0 "agent [COMMAND]" "$HNCTL" help
run 0 "the same as 'hnctl agent neighbours'" "$HNCTL" help
run 0 "the same as 'hnctl dp route list'" "$HNCTL" help
run 0 "neigh [list|set IDX ...|del IDX]" "$HNCTL" dp help
run 0 "neighbours" "$HNCTL" agent help
run 1 "unknown command 'neighbours' for 'hnctl dp'" "$HNCTL" dp neighbours
run 1 "usage: hnctl agent [status|stats]" "$HNCTL" agent neigh

# the data plane's words read the pins, and say when there are none
run 1 "the data plane is not loaded under $tmp/nopins" "${ctl[@]}" dp neigh
run 1 "the data plane is not loaded under $tmp/nopins" "${ctl[@]}" dp route
run 1 "the data plane is not loaded under $tmp/nopins" \
	"${ctl[@]}" agent neighbours
run 1 "hnctl dp neigh del IDX" "${ctl[@]}" dp neigh del x
run 1 "hnctl dp route del DST" "${ctl[@]}" dp route del x
run 1 "mac: 'x' is not xx:xx:xx:xx:xx:xx" \
	"${ctl[@]}" dp neigh set 0 node 1 dev lo mac x
run 1 "no data plane pinned under $tmp/nopins" \
	"${ctl[@]}" dp route set 5 via 0
run 0 "domain [list|set DEV inside|outside]" "$HNCTL" dp help
run 1 "the data plane is not loaded under $tmp/nopins" "${ctl[@]}" dp domain
run 1 "hnctl dp domain set DEV inside|outside" \
	"${ctl[@]}" dp domain set lo maybe

# the older names do what the new ones do
same neigh -- dp neigh
same neigh list -- dp neigh list
same neigh del x -- dp neigh del x
same neigh bogus -- dp neigh bogus
same route -- dp route
same route del 7 x -- dp route del 7 x
same route set 5 via 0 -- dp route set 5 via 0
same routes -- dp route list
same neighbours -- agent neighbours
same stats -- dp stats
same config -- dp config
same task -- dp task
same group -- dp group

if [ $failed -ne 0 ]; then
	echo "test_hnctl_cli: failures"
	exit 1
fi
echo "test_hnctl_cli: all checks passed"
