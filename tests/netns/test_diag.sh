#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Mesh diagnostics (hnctl ping, hnctl monitor) on three real agents in a
# line:
#
#   [A 1] a-b ---- b-a [B 2] b-c ---- c-b [C 3]
#
# Checks:
#   1. A pings C across B: every round trip answered, the reply's TTL one
#      below the sender's (B's data plane forwarded it), JSON and text;
#   2. hnctl traceroute A -> C: A's, then B's decision, C reached; a node
#      no one knows: A's data plane has no route;
#   3. a ping to a node no one knows: 100 % loss, "unreachable";
#   4. requests built outside the agent are answered under the mesh key,
#      and under another key draw no reply (no reflection for outsiders);
#   5. hnctl monitor (JSON lines and text) shows a data-plane drop, A's
#      link to B going down and up (neighbour, routes), and monitors that
#      hung up are let go;
#   6. a ping to C while C's agent is stopped (its route still known):
#      100 % loss after the wait, and the reason said.
# Exits 0 when all pass, 77 (SKIPPED) without root or namespaces.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mesh.sh"
hn_start
mesh_require

hn_node A 1
hn_node B 2
hn_node C 3
mesh_link A a-b B b-a
mesh_link B b-c C c-b
# B calls C dead only after 20 s of silence (6.)
mesh_start A keep-attached=1
mesh_start B keep-attached=1 dead-hellos=100 stale-ms=60000
mesh_start C keep-attached=1
t=$(mesh_wait 15 mesh_converged A B C)
check "three agents converge" "$([ "$t" != timeout ] && echo 1)" "${t} s"
[ "$t" = timeout ] && mesh_dump A B C

# 1. across two hops
j=$(mesh_ctl A -j ping 3 -c 3 -i 0.1 -s 100)
rc=$?
read -r rx loss ttls < <(python3 -c '
import json, sys
j = json.loads(sys.argv[1])
print(j["received"], j["loss_pct"], ",".join(str(r["ttl"]) for r in j["replies"]))
' "$j")
check "ping A -> C: 3 of 3 answered" \
	"$([ $rc = 0 ] && [ "$rx" = 3 ] && [ "$loss" = 0 ] && echo 1)" \
	"rc $rc, received $rx, loss $loss %"
check "replies crossed B's data plane (ttl 15)" \
	"$([ "$ttls" = 15,15,15 ] && echo 1)" "ttl $ttls"
fwd=$(hn_jget "$(mesh_ctl B -j stats)" fwd_redirect)
check "B forwarded the requests and replies" \
	"$([ "${fwd:-0}" -ge 6 ] && echo 1)" "fwd_redirect $fwd"
out=$(mesh_ctl A ping 3 -c 2 -i 0.1)
echo "$out" | indent
check "text output like ping(8)" \
	"$(echo "$out" | grep -q '^124 bytes from node 3: seq=2 ttl=15 time=' &&
	   echo "$out" | grep -q '^2 frames transmitted, 2 received, 0% loss' &&
	   echo "$out" | grep -q '^rtt min/avg/max/mdev = ' && echo 1)" \
	"see above"
req=$(mesh_agent_stat C echo_req_rx)
rep=$(mesh_agent_stat C echo_reply_tx)
check "C answered every request it got" \
	"$([ "$req" = 5 ] && [ "$rep" = 5 ] && echo 1)" \
	"echo_req_rx $req, echo_reply_tx $rep"

# 2. traceroute A -> C: A's own decision, then B's (TTL 1 runs out at
# B), then C answers; no model is installed, so each hop says no-model
j=$(mesh_ctl A -j traceroute 3)
rc=$?
hops=$(python3 -c '
import json, sys
j = json.loads(sys.argv[1])
print(j["reached"], " ".join("%d:%d>%s:%s" % (h["ttl"], h["node"],
      h.get("next", "-"), h.get("reason", "reached")) for h in j["hops"]))
' "$j")
check "traceroute A -> C: hops as each router decides them" \
	"$([ $rc = 0 ] &&
	   [ "$hops" = "True 0:1>2:no-model 1:2>3:no-model 2:3>-:reached" ] &&
	   echo 1)" "rc $rc, $hops"
out=$(mesh_ctl A traceroute 3)
echo "$out" | indent
check "traceroute text" \
	"$(echo "$out" | grep -Eq '^ 1  node 2 +[0-9.]+ ms  -> 3  no-model$' &&
	   echo "$out" | grep -Eq '^ 2  node 3 +[0-9.]+ ms  reached$' && echo 1)" \
	"see above"
out=$(mesh_ctl A traceroute 99 2>&1)
rc=$?
echo "$out" | indent
check "traceroute to a missing node: A's data plane has no route" \
	"$([ $rc = 1 ] &&
	   echo "$out" | grep -Eq '^ 0  node 1 +\(this node\)  dropped: no-route$' &&
	   echo 1)" "rc $rc"

# ... and with a model on every node and tracing on at B: B's hop says
# the model chose and gives its score; A, not tracing, gives none
mesh_model "$HN_WORK/gen1.hnm" 1
mesh_ctl A model push "$HN_WORK/gen1.hnm" >/dev/null || hn_fail "model push"
MESH_GEN=1
t=$(mesh_wait 5 mesh_model_all A B C)
mesh_ctl B dp config trace on || hn_fail "trace on at B"
j=$(mesh_ctl A -j traceroute 3)
rc=$?
hops=$(python3 -c '
import json, sys
j = json.loads(sys.argv[1])
print(" ".join("%d:%s:%s" % (h["ttl"], h.get("reason", "reached"),
      "score" if "score" in h else "-") for h in j["hops"]))
' "$j")
mesh_ctl A traceroute 3 | indent
check "traceroute with a model: B's model pick and its score" \
	"$([ "$t" != timeout ] && [ $rc = 0 ] &&
	   [ "$hops" = "0:model:- 1:model:score 2:reached:-" ] && echo 1)" \
	"model on all ${t} s; rc $rc, $hops"
mesh_ctl B dp config trace off || hn_fail "trace off at B"

# 3. a node no one knows
out=$(mesh_ctl A ping 99 -c 2 -i 0.1)
rc=$?
echo "$out" | indent
check "ping to a missing node: 100 % loss, unreachable" \
	"$([ $rc = 1 ] && echo "$out" | grep -q '100% loss' &&
	   echo "$out" | grep -q 'node 99 is unreachable' && echo 1)" \
	"rc $rc"

# 4. requests built outside the agent (tests/netns/l2tool.py), sent to B
# for C: with the mesh key they are answered, with another key they are
# refused and draw nothing
l2echo()
{
	hn_x A python3 "$(dirname "$0")/l2tool.py" echo a-b \
		"$(hn_mac B b-a)" 1 3 "$1" 5 || hn_fail "l2tool.py echo"
}
req=$(mesh_agent_stat C echo_req_rx)
l2echo "$MESH_KEY"
t=$(mesh_wait 3 eval '[ "$(mesh_agent_stat C echo_req_rx)" -ge $((req + 5)) ]')
check "requests under the mesh key are answered" \
	"$([ "$t" != timeout ] && echo 1)" \
	"echo_req_rx $req -> $(mesh_agent_stat C echo_req_rx)"
bad=$(mesh_agent_stat C rx_bad_bad-mac)
replies=$(mesh_agent_stat C echo_reply_tx)
req=$(mesh_agent_stat C echo_req_rx)
l2echo "$(openssl rand -hex 32)"
t=$(mesh_wait 3 eval '[ "$(mesh_agent_stat C rx_bad_bad-mac)" -ge $((bad + 5)) ]')
check "requests under another key: refused by C, no reply" \
	"$([ "$t" != timeout ] && [ "$(mesh_agent_stat C echo_reply_tx)" = "$replies" ] &&
	   [ "$(mesh_agent_stat C echo_req_rx)" = "$req" ] && echo 1)" \
	"bad-mac $bad -> $(mesh_agent_stat C rx_bad_bad-mac), replies $replies -> $(mesh_agent_stat C echo_reply_tx)"

# 5. hnctl monitor on A, JSON lines and text, while a data frame for no
# one is dropped by A's data plane and A's link to B goes down and up
mon_file()
{
	python3 -c '
import json, sys
want = json.loads(sys.argv[2])
for line in open(sys.argv[1]):
    e = json.loads(line)
    if all(e.get(k) == v for k, v in want.items()):
        sys.exit(0)
sys.exit(1)' "$HN_WORK/mon.json" "$1"
}
# the frames A's data plane dropped for want of a route, summed over the
# drop events (a second's boundary may split them)
no_route_5()
{
	python3 -c '
import json, sys
n = sum(e.get("count", 0) for e in map(json.loads, open(sys.argv[1]))
        if e["event"] == "drop" and e.get("reason") == "drop_no_route")
sys.exit(n < 5)' "$HN_WORK/mon.json"
}
monitors() { [ "$(mesh_agent_get A monitors)" = "$1" ]; }
hn_bg mon A "$HNCTL" -S "$HN_WORK/state/A/ctl" -j monitor >"$HN_WORK/mon.json"
hn_bg montext A "$HNCTL" -S "$HN_WORK/state/A/ctl" monitor >"$HN_WORK/mon.txt"
t=$(mesh_wait 5 monitors 2)
check "two monitors subscribed on A" "$([ "$t" != timeout ] && echo 1)" "${t} s"
hn_pkt B send -q -i b-a --src 2 --dst 99 --count 5 ||
	hn_fail "hn-pkt send on B"
hn_x A ip link set a-b down
t=$(mesh_wait 5 mon_file '{"event":"route-withdrawn","dst":3}')
hn_x A ip link set a-b up
t2=$(mesh_wait 10 mon_file '{"event":"route","dst":3,"via":2}')
t3=$(mesh_wait 3 no_route_5)
sed 's/^/     /' "$HN_WORK/mon.json"
ok=1
for want in '{"event":"neigh-down","neigh":2,"port":"a-b","node":1}' \
	'{"event":"route-withdrawn","dst":2}' \
	'{"event":"neigh-up","neigh":2,"port":"a-b"}' \
	'{"event":"route","dst":2,"via":2,"candidates":1}'; do
	mon_file "$want" || { ok=0; echo "     missing: $want"; }
done
check "monitor -j: the link's neighbour, routes and the drop, as JSON lines" \
	"$([ "$t" != timeout ] && [ "$t2" != timeout ] && [ "$t3" != timeout ] &&
	   [ $ok = 1 ] && echo 1)" \
	"withdrawn ${t} s, back ${t2} s, drop ${t3} s"
hn_stop montext
hn_stop mon
check "monitor text: one line an event" \
	"$(grep -Eq '^[0-9-]+ [0-9:.]+ neigh-down neigh=2 port=a-b reason=' \
		"$HN_WORK/mon.txt" &&
	   grep -Eq ' route dst=3 via=2 candidates=1$' "$HN_WORK/mon.txt" &&
	   echo 1)" "$(wc -l <"$HN_WORK/mon.txt") lines"
t=$(mesh_wait 3 monitors 0)
check "monitors that hung up are let go" "$([ "$t" != timeout ] && echo 1)" \
	"${t} s"
t=$(mesh_wait 15 mesh_converged A B C)

# 6. C's agent stopped, its XDP left on and B slow to call it dead
# (dead-hellos, stale-ms): A still routes to C, C's data plane passes the
# requests up, no one answers
mesh_stop C
pass0=$(hn_jget "$(mesh_ctl C -j stats)" local_pass)
j=$(mesh_ctl A -j ping 3 -c 2 -i 0.1 -W 0.5)
rc=$?
read -r tx rx loss < <(python3 -c '
import json, sys
j = json.loads(sys.argv[1])
print(j["transmitted"], j["received"], j["loss_pct"])' "$j")
out=$(mesh_ctl A ping 3 -c 1 -W 0.3)
echo "$out" | indent
pass1=$(hn_jget "$(mesh_ctl C -j stats)" local_pass)
check "ping to a node whose agent is down: times out, 100 % loss" \
	"$([ $rc = 1 ] && [ "$tx" = 2 ] && [ "$rx" = 0 ] && [ "$loss" = 100 ] &&
	   echo "$out" | grep -q 'no reply from node 3 within 0.3 s' &&
	   [ $((pass1 - pass0)) -ge 3 ] && echo 1)" \
	"rc $rc, $rx of $tx, loss $loss %, C's data plane passed up $((pass1 - pass0))"

if [ $HN_FAILED -gt 0 ]; then
	echo "test_diag: $HN_FAILED check(s) failed"
	exit 1
fi
echo "test_diag: all checks passed"
