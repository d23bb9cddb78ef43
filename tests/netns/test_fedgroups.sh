#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The grouped defence on eight real hypernetd agents (fedmesh.sh's 2x4
# ladder), each with its trainer: a campaign of 2 groups (the most the
# grouping's 3-member rule allows for 8) combined by the coordinate-wise
# median.  Each round every group runs its own secure aggregation in FED
# frames (sub-round round x 256 + group, its own aggregator), every
# agent gets and keeps both group sums, and every trainer combines them
# with hn_rb_combine() and gates the result.  Node C's trainer is
# poisoned: it skips its clip and sends its update times 10.  Checks:
#   1. every trainer finishes the campaign; each round it fetched both
#      group sums (2 of 2 valid) and all eight decided alike and wrote
#      the same model (digests logged), ending with the same bytes;
#   2. each round's two sub-rounds sum the two groups robust.h deals
#      (survivors), aggregated by a member of the group;
#   3. a ninth trainer that took no part, started on A's agent once the
#      campaign is over, recomputes every round from the kept group sums
#      (untrained) and ends with the same model bytes: what the eight
#      installed is the combination of the group sums;
#   4. the same computed independently (Python, from A's kept group
#      sums and the start) to within float rounding.
# Exits 0 when all pass, 77 (SKIPPED) without root, namespaces or the
# data set.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mesh.sh"
. "$(dirname "$0")/fedmesh.sh"
hn_start
mesh_require hn-fmnist

DATA=${HN_FMNIST_DATA:-/usr/share/datasets/fashion-mnist}
[ -f "$DATA/train-images-idx3-ubyte" ] || [ -f "$DATA/train-images-idx3-ubyte.gz" ] ||
	hn_skip "no Fashion-MNIST in $DATA (Debian's dataset-fashion-mnist)"
ROUNDS=${FEDG_ROUNDS:-3}
POISONED=C

fed_ladder
fed_roster
fed_campaign 16 "64 16 32" "$ROUNDS" --groups 2 --rule median

# trainer NAME NODE [ARGS...]: a trainer on NODE's agent, its state
# $HN_WORK/trainer/NAME, its log $HN_WORK/trainer-NAME.log
trainer()
{
	local name=$1 n=$2
	shift 2
	fed_trainer_cmd "$n" "$name"
	hn_bg "trainer-$name" "$n" "${FED_CMD[@]}" "$@" \
		>>"$HN_WORK/trainer-$name.log" 2>&1
}

fed_start
t0=$(date +%s.%N)
for n in $FED_NODES; do
	if [ "$n" = $POISONED ]; then
		trainer "$n" "$n" --poison scale10
	else
		trainer "$n" "$n"
	fi
done

# 1. all eight finish, alike, with both group sums every round
t=$(mesh_wait 600 fed_all_done)
check "all eight trainers finish $ROUNDS rounds" \
	"$([ "$t" != timeout ] && echo 1)" "${t} s"
[ "$t" = timeout ] && { tail -n 5 "$HN_WORK"/trainer-*.log; mesh_dump $FED_NODES; }
wall=$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $t0 }")
sed 's/^/    A: /' "$HN_WORK/trainer-A.log"
fed_check_alike "$ROUNDS" ", $wall s"
groups_ok=1
for n in $FED_NODES; do
	[ "$(grep -c ", 2 of 2 groups valid" "$HN_WORK/trainer-$n.log")" = $ROUNDS ] ||
		groups_ok=0
done
check "every trainer combines both group sums every round" "$groups_ok" \
	"$(grep -c ", 2 of 2 groups valid" "$HN_WORK/trainer-A.log") rounds at A"

# 2. the sub-rounds: robust.h's groups, each summed and aggregated within
# itself (the JSON of A's kept results)
subs_ok=1
for r in $(seq 1 $ROUNDS); do
	for g in 0 1; do
		j=$(mesh_ctl A -j campaign result --round $((r * 256 + g))) ||
			{ subs_ok=0; continue; }
		echo "$j" | python3 -c '
import json, sys
j = json.load(sys.stdin)
print("    round %s group %s: aggregator %d, survivors %s" %
      (sys.argv[1], sys.argv[2], j["aggregator"], j["survivors"]))
sys.exit(0 if len(j["survivors"]) == 4 and
         j["aggregator"] in j["survivors"] else 1)' "$r" "$g" || subs_ok=0
		echo "$j" >"$HN_WORK/sub-$r-$g.json"
	done
	python3 -c '
import json, sys
a, b = (set(json.load(open(f))["survivors"]) for f in sys.argv[1:])
sys.exit(0 if not a & b and a | b == set(range(1, 9)) else 1)' \
		"$HN_WORK/sub-$r-0.json" "$HN_WORK/sub-$r-1.json" || subs_ok=0
done
check "each round, two sub-rounds of 4 disjoint members, each aggregated by one of its own" \
	"$subs_ok"

# 3. a trainer that took no part recomputes the rounds from the kept sums
trainer replay A
t=$(mesh_wait 120 fed_logged 1 replay "^campaign done")
check "a ninth trainer on A's agent replays the $ROUNDS rounds, untrained" \
	"$([ "$t" != timeout ] &&
	   [ "$(grep -c "caught up, 2 of 2 groups valid" \
		"$HN_WORK/trainer-replay.log")" = $ROUNDS ] && echo 1)" "${t} s"
check "its model is the eight's, the combination of the group sums" \
	"$(cmp -s "$HN_WORK/trainer/replay/model.hnfp" \
		"$HN_WORK/trainer/A/model.hnfp" && echo 1)" \
	"$(sha256sum <"$HN_WORK/trainer/replay/model.hnfp" | cut -c1-16)"

# 4. the same, independently: the group sums of A's agent decoded,
# combined as robust.h says (group means, the longer cut to the median
# norm, coordinate-wise median) and applied to the start in Python
for r in $(seq 1 $ROUNDS); do
	for g in 0 1; do
		mesh_ctl A campaign result --round $((r * 256 + g)) \
			-o "$HN_WORK/sum-$r-$g.hnfv" >/dev/null || hn_fail "result"
	done
done
scale=$(sed -n 's/.*, scale 2^\([0-9]*\)$/\1/p' "$HN_WORK/trainer-A.log")
out=$(python3 - "$HN_WORK" "$ROUNDS" "$scale" <<'PY'
import math, struct, sys
work, rounds, scale = sys.argv[1], int(sys.argv[2]), 2.0 ** int(sys.argv[3])
def floats(path, hdr, fmt):
    b = open(path, "rb").read()
    n = (len(b) - hdr) // 4
    return list(struct.unpack("<%d%s" % (n, fmt), b[hdr:]))
w = floats(work + "/start.hnfp", 28, "f")
d = len(w)
log = open(work + "/trainer-A.log").read().splitlines()
for r in range(1, rounds + 1):
    sums = [[x / scale for x in floats("%s/sum-%d-%d.hnfv" % (work, r, g),
                                       12, "i")] for g in (0, 1)]
    assert all(len(s) == d + 1 and 0 < s[d] <= 4 for s in sums)
    norms = [math.sqrt(sum(x * x for x in s[:d])) / s[d] for s in sums]
    ref = sorted(norms)[0] / 2 + sorted(norms)[1] / 2
    f = [1 / s[d] * (ref / nm if nm > ref else 1) for s, nm in zip(sums, norms)]
    if any(l.startswith("round %d:" % r) and "accepted" in l for l in log):
        w = [wi + (sums[0][i] * f[0] + sums[1][i] * f[1]) / 2
             for i, wi in enumerate(w)]
got = floats(work + "/trainer/A/model.hnfp", 28, "f")
print("%.3g %.3g" % (max(abs(a - b) for a, b in zip(w, got)),
                     max(norms) / min(norms)))
PY
)
read -r diff ratio <<<"$out"
check "an independent recomputation from the group sums gives the same weights" \
	"$(awk "BEGIN { exit !(${diff:-1} < 1e-5) }" && echo 1)" \
	"max difference ${diff:-?}, round $ROUNDS group norms ${ratio:-?}:1"

acc=$(sed -n 's/^campaign done: validation //p' "$HN_WORK/trainer-A.log")
say "validation accuracy after round $ROUNDS: $acc (node $POISONED sends x10)"

[ "$HN_FAILED" = 0 ] || exit 1
exit 0
