#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/fed_mesh_report.py (`make bench-fed-mesh`'s figures) on made-up
# logs of two nodes and two rounds whose answers are worked out by hand:
# the round's wall time and its phases, cut at the last hand-in, the
# aggregator's masked inputs all in (halfway between two polls), its
# completion, the last fetch, the last gate and the last install; the
# key exchange; the bytes of the aggregator and of the others over the
# plain update (the aggregator's by its last round, to the final sample).
# Needs no root.  Exits 0 when all pass, 77 (SKIPPED) without python3.
set -u
cd "$(dirname "$0")/../.." || exit 1
SRC=$PWD
command -v python3 >/dev/null || { echo "SKIPPED: no python3"; exit 77; }
tmp=$(mktemp -d /tmp/hn-fedmesh-report.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
failed=0
. tests/cli/lib.sh

cd "$tmp" || exit 1
# A (id 1) and B (id 2); B aggregates round 1, A round 2.  Round 1 starts
# at 102 (A's first round began 8 s before its line at 110), ends at
# 115.5 (B's round 2 began); round 2 ends at 122 (B done).
cat >trainer-A.log <<'EOF'
100.0 node 0: 10 items (weight 0.500), 4 parameters, 2 rounds of 40 steps, scale 2^20
110.0 round 1: 2 summed, loss 0.9000, validation 0.1000 -> 0.5000, accepted, model 0123456789abcdef (8.0 s)
120.0 round 2: 2 summed, loss 0.8000, validation 0.5000 -> 0.6000, accepted, model fedcba9876543210 (6.0 s)
121.0 campaign done: validation 0.6000
EOF
cat >trainer-B.log <<'EOF'
100.5 node 1: 12 items (weight 0.600), 4 parameters, 2 rounds of 40 steps, scale 2^20
111.0 round 1: 2 summed, loss 0.7000, validation 0.1000 -> 0.5000, accepted, model 0123456789abcdef (8.5 s)
120.5 round 2: 2 summed, loss 0.6000, validation 0.5000 -> 0.6000, accepted, model fedcba9876543210 (5.0 s)
122.0 campaign done: validation 0.6000
EOF
# updates of 32 bytes: 20 of values after the HNFV header
cat >calls-A.log <<'EOF'
submit 104.0 104.1 0 1 32
fetch 108.0 108.5 1 1
fetch 108.9 109.0 0 1
bytes 109.0 1 30
submit 116.0 116.2 0 2 32
fetch 118.4 118.5 0 2
bytes 118.5 2 60
bytes 125.0 end 400
EOF
cat >calls-B.log <<'EOF'
submit 105.0 105.5 0 1 32
fetch 109.0 109.5 0 1
bytes 109.5 1 300
submit 117.0 117.0 0 2 32
fetch 118.9 119.0 0 2
bytes 119.0 2 330
bytes 125.0 end 352
EOF
cat >agent-A.log <<'EOF'
1970-01-01T00:01:41.000Z hypernetd node 1 info: fed: round 1 attempt 0, aggregator 2
1970-01-01T00:01:47.200Z hypernetd node 1 info: fed: round 1 complete (aggregator 2, attempt 0): 2 updates summed
1970-01-01T00:01:54.500Z hypernetd node 1 info: fed: aggregating round 2 attempt 0
1970-01-01T00:01:57.600Z hypernetd node 1 info: fed: round 2 (sub-round 2) complete (aggregator 1, attempt 0): 2 updates summed
EOF
cat >agent-B.log <<'EOF'
1970-01-01T00:01:43.000Z hypernetd node 2 info: fed: aggregating round 1 attempt 0
1970-01-01T00:01:47.000Z hypernetd node 2 info: fed: round 1 complete (aggregator 2, attempt 0): 2 updates summed
1970-01-01T00:01:57.700Z hypernetd node 2 info: fed: round 2 (sub-round 2) complete (aggregator 1, attempt 0): 2 updates summed
EOF
cat >poll.log <<'EOF'
103.5 2 {"round":{"round":1,"aggregating":"shares"}}
104.5 2 {"round":{"round":1,"aggregating":"masked-inputs"}}
106.0 2 {"round":{"round":1,"aggregating":"masked-inputs"}}
106.4 2 {"round":{"round":1,"aggregating":"consistency"}}
115.0 1 {"round":{"round":2,"aggregating":"masked-inputs"}}
117.2 1 {"round":{"round":2,"aggregating":"masked-inputs"}}
118.0 1 {"round":{"round":3,"aggregating":"none"}}
EOF

if python3 "$SRC/bench/fed_mesh_report.py" . "A B" "1 2 3 4 5 6 2" \
	"64 16 32" >out.json 2>err.txt; then
	ok "the report of two made-up rounds"
else
	bad "the report failed: $(cat err.txt)"
fi
# want KEY VALUE: the report's KEY (a Python expression over j) is VALUE
want()
{
	local got
	got=$(python3 -c '
import json, sys
j = json.load(open("out.json"))
v = eval(sys.argv[1], {"j": j})
print(json.dumps(v, sort_keys=True))' "$1" 2>&1)
	if [ "$got" = "$2" ]; then
		ok "$1 = $2"
	else
		bad "$1 = $got, want $2"
	fi
}
want 'j["round_s"]' '[13.5, 6.5]'
want 'j["round_s_median"], j["round_s_max"]' '[10.0, 13.5]'
want 'j["per_round"][0]["phases_s"]' \
	'{"delivery": 2.5, "gate": 1.5, "install": 4.5, "masking": 0.7, "secagg": 0.8, "training": 3.5}'
want 'j["per_round"][1]["phases_s"]' \
	'{"delivery": 1.4, "gate": 1.5, "install": 1.5, "masking": 0.6, "secagg": 0.0, "training": 1.5}'
want '[p["key_exchange_s"] for p in j["per_round"]]' '[1.5, 0.5]'
want '[p["aggregator"] for p in j["per_round"]]' '[2, 1]'
want 'j["per_round"][0]["node_train_s_median"]' '2.55'
want 'j["validation"], j["all_nodes_decide_alike"]' '[[0.5, 0.6], true]'
want 'j["plain_update_bytes"], j["weights"]' '[20, 4]'
want 'j["secagg_expansion_nonagg_median"], j["secagg_expansion_agg"]' \
	'[1.5, [18.5]]'
want 'j["secagg_expansion_mean_node"]' '10.0'
want 'j["load_avg_start"], j["cpus"]' '[[1.0, 2.0, 3.0], 2]'

# nodes that decided otherwise are reported
sed -i 's/0.6000, accepted/0.6000, refused/' trainer-B.log
python3 "$SRC/bench/fed_mesh_report.py" . "A B" "1 2 3 4 5 6 2" \
	"64 16 32" >out.json 2>err.txt || bad "the report failed"
want 'j["all_nodes_decide_alike"]' 'false'
exit $failed
