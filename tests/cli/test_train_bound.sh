#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hn-train bound: its text and JSON for a scenario below the max
# concurrent flow (lambda* = 1 / load, a finite bound under its iterate),
# at and above it (infeasible, said so, exit 0), and its usage errors.
# Needs no root.  Exits 0 when all pass, 77 (SKIPPED) when nothing is built.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
[[ $O = /* ]] || O=$PWD/$O
TRAIN=$O/bin/hn-train

[ -x "$TRAIN" ] || { echo "SKIPPED: no $TRAIN: run make first"; exit 77; }
command -v python3 >/dev/null ||
	{ echo "SKIPPED: python3 is needed to check the JSON"; exit 77; }
failed=0
. tests/cli/lib.sh

run 0 "lambda* 2.0000" "$TRAIN" bound --topo diamond --load 0.5
run 0 "bound" "$TRAIN" bound --topo lab --seed 2 --traffic lab --load 0.3
run 0 "bound: infinite" "$TRAIN" bound --topo diamond --load 1.0
run 2 "usage: hn-train bound" "$TRAIN" bound --traffic nosuch
run 2 "want a number >= 0" "$TRAIN" bound --load -1
run 1 "bad topology" "$TRAIN" bound --topo torus:4

# check_json LOAD FEASIBLE: the JSON's keys and what they must satisfy
check_json()
{
	local out
	out=$("$TRAIN" bound --topo grid:3 --traffic hotspot --load "$1" \
		--json - 2>&1) || { echo "FAIL: load $1: $out"; failed=1; return; }
	if python3 - "$1" "$2" "$out" <<'PY'; then
import json, math, sys
load, feasible, d = float(sys.argv[1]), sys.argv[2] == "1", json.loads(sys.argv[3])
keys = {"topo", "topo_seed", "seed", "traffic", "load", "offered_fps",
        "offered_bps", "lambda_max", "lambda_hi", "feasible", "bound_us",
        "iterate_us", "free_us", "floor_us", "max_util", "iterations",
        "seconds"}
assert keys <= set(d), keys - set(d)
assert d["traffic"] == "hotspot" and d["load"] == load
assert abs(d["lambda_max"] * load - 1) < 1e-5, d  # %.6g
assert d["lambda_max"] <= d["lambda_hi"] <= 1.01 * d["lambda_max"] * (1 + 1e-5)
assert d["feasible"] == feasible, d
if feasible:
    assert 0 < d["free_us"] <= d["floor_us"] < d["bound_us"] <= d["iterate_us"], d
    assert d["iterate_us"] <= 1.001 * d["bound_us"] * (1 + 1e-5), d
    assert d["max_util"] < 1, d
else:
    assert d["bound_us"] is None and "load below 1" in d["reason"], d
PY
		echo "ok:   json at load $1"
	else
		echo "FAIL: json at load $1: $out"
		failed=1
	fi
}
check_json 0.6 1
check_json 1.2 0

exit $failed
