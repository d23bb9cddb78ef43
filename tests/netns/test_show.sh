#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hnctl show, names and metrics, with three real hypernetd agents:
#
#   [A 1 alpha] a-b ---- b-a [B 2 beta] b-c ---- c-b [C 3, no name]
#
# A names file names A and B, not C.  Checks:
#   1. `hnctl -n NAMES show` on B shows both neighbours, A by name and
#      id, C by id; their ports, "last hello: now" or "N s ago", and
#      control frames counted both ways; -j gives the raw numbers;
#   2. `dp neigh` and `dp route` on B show nodes by name, next hops as
#      NODE/DEV, and no raw milliseconds;
#   3. `hnctl metrics` (Prometheus text) and `--openmetrics` pass a strict
#      parser (metrics_check.py, itself checked on bad input first), with
#      B's two neighbours up, their names, and counters that moved;
#   4. B's agent, given the names file in its config (names = FILE),
#      logs and lists its neighbours by name, with ages;
#   5. B's data plane counts per neighbour (neigh-counters = 1): 50 data
#      frames A -> C through B show as 50 forwarded to C, in show, its
#      JSON and the metrics, and none to A; A, without it, counts none;
#   6. with C's agent stopped, `hnctl show` on C says so and lists the
#      data plane's neighbours; attached again with `hnctl attach
#      --neigh-counters`, C counts the 20 frames it turns back to B;
#   7. -n naming no file fails, and says so.
# Exits 0 when all pass, 77 (SKIPPED) without root or namespaces.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mesh.sh"
hn_start
mesh_require
CHECK="python3 $(dirname "$0")/metrics_check.py"
command -v python3 >/dev/null || hn_skip "no python3"

hn_nodes A 1 B 2 C 3
mesh_link A a-b B b-a
mesh_link B b-c C c-b
NODES="A B C"
NAMES=$HN_WORK/names
printf '# the lab\n1 alpha\n2 beta   # the middle\n' >"$NAMES"

mesh_start A
mesh_start B names="$NAMES" neigh-counters=1
mesh_start C
t=$(mesh_wait 15 mesh_converged $NODES)
check "three agents converge" "$([ "$t" != timeout ] && echo 1)" \
	"${t} s after start"
[ "$t" = timeout ] && mesh_dump $NODES

# 1. show
out=$(mesh_ctl B -n "$NAMES" show 2>&1)
echo "$out" | sed 's/^/    B: /'
check "show: B by name" "$(grep -qx 'node: beta (2)' <<<"$out" && echo 1)" \
	"$(head -1 <<<"$out")"
check "show: A by name, C by id" \
	"$(grep -qx 'neighbour: alpha (1)' <<<"$out" &&
		grep -qx 'neighbour: 3' <<<"$out" && echo 1)" \
	"$(grep '^neighbour' <<<"$out" | tr '\n' ' ')"
check "show: ports and states" \
	"$(grep -q 'port: b-a, mac' <<<"$out" &&
		grep -q 'port: b-c, mac' <<<"$out" &&
		[ "$(grep -c '  state: up' <<<"$out")" = 2 ] && echo 1)"
check "show: last hello as an age" \
	"$(grep -Eqc '  last hello: (now|[0-9]+ s ago)$' <<<"$out" && echo 1)" \
	"$(grep 'last hello' <<<"$out" | tr '\n' ' ')"
ctl=$(grep -E '^  control: [1-9][0-9]* frames / [0-9.]+ (B|KiB|MiB) received, [1-9][0-9]* frames / [0-9.]+ (B|KiB|MiB) sent$' <<<"$out" | wc -l)
check "show: control frames counted both ways" "$([ "$ctl" = 2 ] && echo 1)" \
	"$ctl of 2"
j=$(mesh_ctl B -n "$NAMES" -j show)
ok=$(python3 -c '
import json, sys
j = json.loads(sys.argv[1])
nb = {n["node"]: n for n in j["neighbours"]}
ok = (j["node"] == 2 and j["name"] == "beta" and j["agent"]["pid"] > 0 and
      set(nb) == {1, 3} and nb[1]["name"] == "alpha" and
      nb[3]["name"] is None and
      all(n["rx_frames"] > 0 and n["tx_frames"] > 0 and
          n["rx_bytes"] >= 60 * n["rx_frames"] and
          n["state"] == "up" and n["last_hello_ns_ago"] < 5e9
          for n in nb.values()))
print(1 if ok else 0)' "$j" 2>&1)
check "show -j: raw numbers, names or null" "$ok" "$j"

out=$(mesh_ctl B -n "$NAMES" status)
j=$(mesh_ctl B -n "$NAMES" -j status)
check "status: the node by name" \
	"$(grep -qx 'node:     beta (2)' <<<"$out" &&
		[ "$(hn_jget "$j" name)" = beta ] && echo 1)" "$(grep node: <<<"$out")"

# 2. names in the data plane's listings
nl=$(mesh_ctl B -n "$NAMES" dp neigh)
rl=$(mesh_ctl B -n "$NAMES" dp route)
echo "$nl" "$rl" | sed 's/^/    B: /'
check "dp neigh: names, ages" \
	"$(grep -q '^[0-9]* *alpha *b-a ' <<<"$nl" &&
		grep -q '^[0-9]* *3 *b-c ' <<<"$nl" &&
		! grep -q 'ms ago' <<<"$nl" && echo 1)"
check "dp route: next hops as NODE/DEV" \
	"$(grep -q '^alpha via alpha/b-a:1\*$' <<<"$rl" &&
		grep -q '^3 via 3/b-c:1\*$' <<<"$rl" && echo 1)"

# 3. metrics, through a strict parser that must refuse bad text first
bad=0
for t in '# HELP a x\n# TYPE a counter\na 1\n# EOF\n' \
	'# HELP a x\n# TYPE a gauge\na 1\n' \
	'a 1\n# HELP a x\n# TYPE a gauge\n# EOF\n' \
	'# HELP a x\n# TYPE a gauge\na{x="1} 1\n# EOF\n' \
	'# HELP a x\n# TYPE a gauge\na 1\n# HELP b x\n# TYPE b gauge\nb 1\na 2\n# EOF\n'; do
	printf "$t" | $CHECK openmetrics >/dev/null 2>&1 || bad=$((bad + 1))
done
check "the parser refuses bad text" "$([ "$bad" = 5 ] && echo 1)" "$bad of 5"
for fmt in prometheus openmetrics; do
	arg=
	[ $fmt = openmetrics ] && arg=--openmetrics
	m=$(mesh_ctl B -n "$NAMES" metrics $arg)
	s=$($CHECK $fmt <<<"$m" 2>&1)
	check "metrics ($fmt) parse" "$([ $? = 0 ] && echo 1)" \
		"$(tail -1 <<<"$s"); $(wc -l <<<"$m") lines"
	v()
	{
		awk -v k="$1" '$1 == k { print $2 }' <<<"$s"
	}
	gt0()
	{
		awk -v x="$(v "$1")" 'BEGIN { exit !(x > 0) }'
	}
	check "metrics ($fmt): values" \
		"$([ "$(v 'hypernet_node_info{name="beta",node="2",version="0.1"}')" = 1 ] &&
			[ "$(v 'hypernet_neighbours{state="up"}')" = 2 ] &&
			[ "$(v hypernet_routes)" = 2 ] &&
			[ "$(v hypernet_agent_up)" = 1 ] &&
			gt0 hypernet_dp_rx_frames_total &&
			gt0 'hypernet_neighbour_control_frames_total{direction="rx",name="alpha",neighbour="1",port="b-a"}' &&
			gt0 'hypernet_neighbour_control_bytes_total{direction="tx",neighbour="3",port="b-c"}' &&
			gt0 'hypernet_neighbour_link_quality_ratio{direction="rx",neighbour="3",port="b-c"}' &&
			[ -n "$(v 'hypernet_dp_dropped_frames_total{reason="drop_no_route"}')" ] &&
			echo 1)" "$(grep -c . <<<"$s") samples"
done
if python3 -c 'import prometheus_client.openmetrics.parser' 2>/dev/null; then
	mesh_ctl B metrics --openmetrics | python3 -c '
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
print(len(list(text_string_to_metric_families(sys.stdin.read()))))' \
		>/dev/null
	check "prometheus_client parses the OpenMetrics text" \
		"$([ $? = 0 ] && echo 1)"
fi

# 4. the agent's own names
check "agent log: neighbours by name" \
	"$(grep -q 'neighbour alpha (1) up on b-a' "$HN_WORK/B.log" &&
		grep -q 'neighbour 3 up on b-c' "$HN_WORK/B.log" && echo 1)" \
	"$(grep 'neighbour.* up' "$HN_WORK/B.log" | tr '\n' ' ')"
out=$(mesh_ctl B agent neighbours 2>&1)
check "agent neighbours: names and ages" \
	"$(grep -Eq '^alpha +up +b-a .*  (now|[0-9]+ s ago)$' <<<"$out" &&
		echo 1)" "$(grep -A3 'hypernetd sees' <<<"$out" | tr '\n' ' ')"
j=$(mesh_ctl B -j agent neighbours 2>&1)
check "agent neighbours -j: the name" \
	"$(python3 -c '
import json, sys
a = json.loads(sys.argv[1])["agent"]
print(1 if {n["node"]: n["name"] for n in a} == {1: "alpha", 3: None} else 0)' "$j")" "$j"

# 5. data-plane counters per neighbour, on B (neigh-counters = 1)
r=$(hn_transfer C c-b A a-b 1 3 50 1000 200 3000)
got=$(hn_jget "$r" frames)
check "50 frames A -> C through B" "$([ "$got" = 50 ] && echo 1)" "$r"
out=$(mesh_ctl B -n "$NAMES" show)
fw=$(sed -n '/^neighbour: 3$/,/^$/p' <<<"$out" | grep '  forwarded:')
check "show: 50 frames forwarded to C" \
	"$(grep -Eq '^  forwarded: 50 frames / [0-9.]+ (B|KiB) sent$' <<<"$fw" &&
		! sed -n '/^neighbour: alpha/,/^$/p' <<<"$out" |
			grep -q forwarded && echo 1)" "$fw"
j=$(mesh_ctl B -j show)
check "show -j: dp_tx_frames" "$(python3 -c '
import json, sys
nb = {n["node"]: n for n in json.loads(sys.argv[1])["neighbours"]}
print(1 if nb[3]["dp_tx_frames"] == 50 and nb[1]["dp_tx_frames"] == 0 and
      nb[3]["dp_tx_bytes"] >= 50 * 34 else 0)' "$j")" "$j"
s=$(mesh_ctl B -n "$NAMES" metrics --openmetrics | $CHECK openmetrics)
check "metrics: forwarded frames to C" \
	"$(grep -qx 'hypernet_neighbour_forwarded_frames_total{neighbour="3",port="b-c"} 50' <<<"$s" &&
		grep -qx 'hypernet_neighbour_forwarded_frames_total{name="alpha",neighbour="1",port="b-a"} 0' <<<"$s" &&
		echo 1)" "$(grep forwarded_frames <<<"$s" | tr '\n' ' ')"
# A counts nothing: its agent runs without neigh-counters
j=$(mesh_ctl A -j show)
check "A, counters off: none counted" "$(python3 -c '
import json, sys
print(1 if all(n["dp_tx_frames"] == 0
               for n in json.loads(sys.argv[1])["neighbours"]) else 0)' "$j")" "$j"

# 6. without the agent
mesh_stop C
out=$(mesh_ctl C -n "$NAMES" show 2>&1)
echo "$out" | sed 's/^/    C: /'
check "show without the agent: the data plane's view" \
	"$(grep -q 'agent: not running' <<<"$out" &&
		grep -qx 'neighbour: beta (2)' <<<"$out" &&
		grep -q '  port: c-b, mac' <<<"$out" && echo 1)"
m=$(mesh_ctl C metrics)
s=$($CHECK prometheus <<<"$m" 2>&1)
check "metrics without the agent" \
	"$([ $? = 0 ] && grep -qx 'hypernet_agent_up 0' <<<"$s" && echo 1)" \
	"$(tail -1 <<<"$s")"
# hnctl attach --neigh-counters on C, the agent gone: frames from B to A
# sent to C turn back out of c-b (XDP_TX) and count for C's neighbour B
mesh_ctl C attach c-b --generic --neigh-counters >/dev/null ||
	hn_fail "hnctl attach --neigh-counters on C"
# C's data plane sees B live again once a HELLO of B's reaches it
b_live()
{
	mesh_ctl C -j dp neigh | python3 -c '
import json, sys
sys.exit(0 if any(n["node"] == 2 and n["live"] for n in json.load(sys.stdin)) else 1)'
}
t=$(mesh_wait 5 b_live)
check "C's data plane sees B live" "$([ "$t" != timeout ] && echo 1)" "$t s"
hn_pkt B send -q -i b-c --src 2 --dst 1 --count 20 --seq 1 \
	--interval-us 200 || hn_fail "hn-pkt send on B"
# hn-pkt returns once the frames are sent; C's XDP turns them back when
# the veth's NAPI gets to them, later on a loaded machine: wait for it
c_counted()
{
	mesh_ctl C -n "$NAMES" show 2>&1 |
		grep -Eqx '  forwarded: 20 frames / [0-9.]+ (B|KiB) sent'
}
t=$(mesh_wait 5 c_counted)
out=$(mesh_ctl C -n "$NAMES" show 2>&1)
check "attach --neigh-counters: C counts what it sends B" \
	"$([ "$t" != timeout ] &&
		grep -Eqx '  forwarded: 20 frames / [0-9.]+ (B|KiB) sent' <<<"$out" &&
		echo 1)" "$(grep -A5 '^neighbour' <<<"$out" | tr '\n' ' ')"

# 7. a names file that is not there
out=$(mesh_ctl B -n "$HN_WORK/none" show 2>&1)
check "-n without a file fails" \
	"$([ $? = 1 ] && grep -q "no names file $HN_WORK/none" <<<"$out" &&
		echo 1)" "$out"

[ "$HN_FAILED" = 0 ] || exit 1
