#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Wireshark dissector, tools/wireshark/hypernet.lua, read by tshark:
#
#   a-app -- a-in [A 1] a-b ---- b-a [B 2] b-c ---- c-b [C 3]
#
# Three hypernetd agents in a line, A with its injection port pair
# a-in/a-app.  dumpcap captures on a-app (what A sends out of a-in, what is
# sent into it) and on c-b (what C sends, and what C's data plane passes
# up: control frames, data for C) while the mesh converges, a model is
# pushed at A, hn-pkt sends data A -> C, and hn-inject floods a campaign's
# chunks and sends a FED fragment to C, A pings C and C traceroutes to A
# (ECHO requests, replies and B's EXPIRED answer).  Checks, in this
# order:
#   1. the dissector's constants (types, flags, sizes, limits) are those
#      of include/uapi/linux/hypernet_packet.h as compiled;
#   2. hand-made frames (wshark_frames.py): well-formed ones of every type,
#      flag and FED kind decode unflagged; malformed ones (truncated
#      header, bad version, unknown type, bad length, TTL 0, bad tensor,
#      control counts, lengths and fields) are flagged with the data
#      plane's and the agent's reason; each well-formed ECHO's
#      hypernet.echo.* fields (op, ids, padding, an EXPIRED answer's hop
#      record) are the values struct unpacks, its op and reason named;
#   3. with a mesh key as preference (hypernet.keys), MACs are checked:
#      signed frames verify (a flood's changed TTL and reserved byte
#      included), a wrong key, link or byte is bad-mac, an unknown key id
#      unknown-key, and the MAC is checked before the fields;
#   4. the frames of 2. cut short at every byte, as short frames and as
#      snapped captures, and changed at random, raise no Lua error and no
#      read past the buffer;
#   5. every 0x88B5 frame of the mesh's capture is dissected as HyperNet
#      and none is flagged (no drop reason, no agent refusal, no expert
#      info at all); every control frame's MAC verifies with the mesh key
#      (from a key file, preference hypernet.keys_file);
#   6. each of DATA, HELLO, PROBE, ACK, GOSSIP, MODEL_CHUNK (a model's and
#      a campaign's), FED and ECHO (REQUEST, REPLY, and EXPIRED with its
#      hop record) was captured and decoded by name.
# Exits 0 when all pass, 77 (SKIPPED) without tshark (make deps), root or
# namespaces.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mesh.sh"

LUA=$HN_ROOT/tools/wireshark/hypernet.lua
FRAMES=$HN_ROOT/tests/netns/wshark_frames.py

command -v tshark >/dev/null || hn_skip "no tshark: make deps"
command -v dumpcap >/dev/null || hn_skip "no dumpcap: make deps"
hn_start
mesh_require hn-inject hn-model

# hn_tshark ARGS...: tshark with the dissector, its root warning dropped.
hn_tshark()
{
	tshark -X "lua_script:$LUA" "$@" 2>"$HN_WORK/tshark.err"
}

# 1. the dissector's constants are the uapi's, as the compiler reads them:
# a type, flag, count or size appended there shows here
cat >"$HN_WORK/consts.c" <<'C'
#include <stdio.h>
#include <linux/hypernet_packet.h>
#include <hypernet/dataplane.h>
#include "sa_msg.h"
#define P(lua, v) printf("%s %llu\n", lua, (unsigned long long)(v))
int main(void)
{
	P("ETH_P_HYPERNET", ETH_P_HYPERNET); P("VERSION", HN_VERSION);
	P("HDR_LEN", sizeof(struct hnhdr)); P("AUTH_LEN", HN_AUTH_LEN);
	P("TENSOR_HDR_LEN", sizeof(struct hn_tensor_hdr));
	P("TENSOR_MAX_LEN", HN_TENSOR_MAX_LEN); P("GROUP_ALL", HN_GROUP_ALL);
	P("RSV_NOT_COPIED", HN_RSV_NOT_COPIED);
	P("F_MCAST", HN_F_MCAST); P("F_ANYCAST", HN_F_ANYCAST);
	P("F_RESULT", HN_F_RESULT); P("F_PRIVATE", HN_F_PRIVATE);
	P("F_ALL", __HN_F_ALL); P("LSA_F_RESYNC", HN_LSA_F_RESYNC);
	P("LSA_F_UTIL", HN_LSA_F_UTIL); P("LSA_F_RATES", HN_LSA_F_RATES);
	P("LSA_F_ALL", __HN_LSA_F_ALL);
	P("T_DATA", HN_T_DATA); P("T_TENSOR", HN_T_TENSOR);
	P("T_HELLO", HN_T_HELLO); P("T_GOSSIP", HN_T_GOSSIP);
	P("T_CHUNK", HN_T_MODEL_CHUNK); P("T_PROBE", HN_T_PROBE);
	P("T_ACK", HN_T_ACK); P("T_FED", HN_T_FED); P("T_ECHO", HN_T_ECHO);
	P("T_MAX", HN_T_MAX);
	P("HELLO_LEN", sizeof(struct hn_hello));
	P("HEARD_LEN", sizeof(struct hn_hello_heard));
	P("PROBE_LEN", sizeof(struct hn_probe));
	P("LSA_LEN", sizeof(struct hn_lsa));
	P("LINK_LEN", sizeof(struct hn_lsa_link));
	P("RATE_LEN", sizeof(struct hn_lsa_rate));
	P("CHUNK_LEN", sizeof(struct hn_model_chunk));
	P("FED_LEN", sizeof(struct hn_fed_frag));
	P("HELLO_MAX_HEARD", HN_HELLO_MAX_HEARD);
	P("LSA_MAX_LINKS", HN_LSA_MAX_LINKS);
	P("LSA_MAX_STAGES", HN_LSA_MAX_STAGES);
	P("RATE_BUSY_MAX", HN_RATE_BUSY_MAX);
	P("CHUNK_DATA_MAX", HN_CHUNK_DATA_MAX);
	P("MODEL_XFER_MAX", HN_MODEL_XFER_MAX); P("OBJ_MAX", __HN_OBJ_MAX);
	P("FED_FRAG_MAX", HN_FED_FRAG_MAX); P("FED_MSG_MAX", HN_FED_MSG_MAX);
	P("FED_OP_DATA", HN_FED_DATA); P("FED_OP_SACK", HN_FED_SACK);
	P("FED_OP_MAX", __HN_FED_OP_MAX);
	P("FED_K_RESULT", HN_FED_K_RESULT); P("FED_K_FETCH", HN_FED_K_FETCH);
	P("SA_TYPE_MAX", __HN_SA_TYPE_MAX - 1); P("DT_S8", HN_DT_S8);
	P("ECHO_LEN", sizeof(struct hn_echo));
	P("HOP_LEN", sizeof(struct hn_echo_hop));
	P("ECHO_PAD_MAX", HN_ECHO_PAD_MAX);
	P("ECHO_REQUEST", HN_ECHO_REQUEST); P("ECHO_REPLY", HN_ECHO_REPLY);
	P("ECHO_EXPIRED", HN_ECHO_EXPIRED);
	P("ECHO_OP_MAX", __HN_ECHO_OP_MAX); P("HOP_F_SCORE", HN_HOP_F_SCORE);
	P("HOP_NO_ROUTE", HN_HOP_NO_ROUTE); P("HOP_UNKNOWN", HN_HOP_UNKNOWN);
	P("DP_R_MODEL", HN_DP_R_MODEL); P("DP_R_NO_MODEL", HN_DP_R_NO_MODEL);
	P("DP_R_MARGIN", HN_DP_R_MARGIN); P("DP_R_STALE", HN_DP_R_STALE);
	P("DP_R_NO_LIVE", HN_DP_R_NO_LIVE);
	return 0;
}
C
${CC:-cc} -I "$HN_ROOT/include/uapi" -I "$HN_ROOT/include" \
	-I "$HN_ROOT/userspace/lib" -o "$HN_WORK/consts" \
	"$HN_WORK/consts.c" || hn_fail "cannot compile the uapi's constants"
out=$("$HN_WORK/consts" | python3 -c '
import re, sys
lua = {}
for m in re.finditer(r"^local ([A-Z_0-9, ]+) = ([0-9a-fA-FxX, ]+)$",
                     open(sys.argv[1]).read(), re.M):
    names = [n.strip() for n in m.group(1).split(",")]
    vals = [int(v.strip(), 0) for v in m.group(2).split(",")]
    lua.update(zip(names, vals))
bad = 0
for line in sys.stdin:
    name, val = line.split()
    if lua.get(name) != int(val):
        print(f"{name}: uapi {val}, dissector {lua.get(name)}")
        bad += 1
print(f"{bad} differ")' "$LUA")
echo "$out" | sed 's/^/    /'
check "the dissector's constants are the uapi's" \
	"$(echo "$out" | grep -qx '0 differ' && echo 1)" \
	"$(echo "$out" | tail -n 1)"

# 2. hand-made frames
python3 "$FRAMES" write "$HN_WORK/made.pcap" || hn_fail "wshark_frames.py"
# Wireshark can be built or configured (init.lua) to run no Lua as root:
# a skip.  A dissector that does not load when Lua runs is a failure.
cat >"$HN_WORK/probe.lua" <<'LUA'
local p = Proto("hnprobe", "probe")
function p.dissector(tvb, pinfo, tree) tree:add(p, tvb()) end
DissectorTable.get("ethertype"):add(0x88B5, p)
LUA
tshark -X "lua_script:$HN_WORK/probe.lua" -r "$HN_WORK/made.pcap" -c 1 \
	-T fields -e frame.protocols 2>/dev/null | grep -q ':hnprobe$' ||
	hn_skip "tshark runs no Lua script here (disabled for root?)"
hn_tshark -r "$HN_WORK/made.pcap" -c 1 -T fields -e frame.protocols |
	grep -q ':hypernet$' ||
	hn_fail "tshark did not load $LUA:" \
		"$(grep -v 'Running as user' "$HN_WORK/tshark.err" | head -c 300)"
out=$(hn_tshark -r "$HN_WORK/made.pcap" -T fields -E separator=/t \
	-e frame.number -e hypernet.type -e hypernet.malformed \
	-e hypernet.ctrl.error -e _ws.col.Info -e _ws.expert.message |
	python3 "$FRAMES" check)
rc=$?
echo "$out" | sed 's/^/    /'
check "hand-made frames: well-formed ones clean, malformed ones flagged" \
	"$([ $rc = 0 ] && echo 1)" \
	"$(echo "$out" | grep -c '^ok') ok, $(echo "$out" |
		grep -c '^FAIL') wrong"
# shellcheck disable=SC2046 # one -e per field
out=$(hn_tshark -r "$HN_WORK/made.pcap" -T fields -E separator=/t \
	$(python3 "$FRAMES" echo-fields) | python3 "$FRAMES" check-echo)
rc=$?
echo "$out" | sed 's/^/    /'
check "ECHO frames: every hypernet.echo.* field as the uapi lays it out" \
	"$([ $rc = 0 ] && echo 1)" "$(echo "$out" | tail -n 1)"

# 3. MACs checked with the mesh key given as a preference
python3 "$FRAMES" write-auth "$HN_WORK/auth.pcap" || hn_fail "write-auth"
out=$(hn_tshark -o "hypernet.keys:$(python3 "$FRAMES" auth-key)" \
	-r "$HN_WORK/auth.pcap" -T fields -E separator=/t -e frame.number \
	-e hypernet.auth.status -e hypernet.ctrl.error |
	python3 "$FRAMES" check-auth)
rc=$?
echo "$out" | sed 's/^/    /'
check "signed frames: good MACs verify, bad-mac and unknown-key flagged" \
	"$([ $rc = 0 ] && echo 1)" \
	"$(echo "$out" | grep -c '^ok') ok, $(echo "$out" |
		grep -c '^FAIL') wrong"

# 4. cut and mangled frames
n=$(python3 "$FRAMES" fuzz "$HN_WORK/fuzz.pcap") || hn_fail "fuzz frames"
hn_tshark -r "$HN_WORK/fuzz.pcap" -T fields -E separator=/t \
	-e frame.protocols -e _ws.expert.message >"$HN_WORK/fuzz.tsv"
rc=$?
hn=$(grep -c ':hypernet	' "$HN_WORK/fuzz.tsv")
# a Lua error is how a read past the tvb shows (Range is out of bounds)
re='Lua Error|Malformed Packet|Packet size limited'
errs=$(grep -cE "$re" "$HN_WORK/fuzz.tsv")
check "cut and mangled frames: no Lua error, no read past the buffer" \
	"$([ $rc = 0 ] && [ "$hn" = "$n" ] && [ "$errs" = 0 ] && echo 1)" \
	"$hn of $n frames dissected, $errs errors (tshark rc $rc)"
grep -m3 -E "$re" "$HN_WORK/fuzz.tsv" | sed 's/^/    /'

# the mesh, captured from its first frame
hn_nodes A 1 B 2 C 3
mesh_link A a-b B b-a
mesh_link B b-c C c-b
mesh_inject A
for p in A:a-app C:c-b; do
	hn_bg "cap-${p%%:*}" "${p%%:*}" dumpcap -q -i "${p#*:}" \
		-w "$HN_WORK/${p#*:}.pcapng" 2>"$HN_WORK/cap-${p#*:}.log"
done
# dumpcap says where it writes once it captures
for d in a-app c-b; do
	mesh_wait 5 grep -q "File: " "$HN_WORK/cap-$d.log" >/dev/null ||
		hn_fail "dumpcap on $d did not start: $(cat "$HN_WORK/cap-$d.log")"
done
for n in A B C; do
	mesh_start "$n" keep-attached=0
done
t=$(mesh_wait 15 mesh_converged A B C)
[ "$t" = timeout ] && mesh_dump A B C && hn_fail "the mesh did not converge"
mesh_model "$HN_WORK/gen1.hnm" 1
mesh_ctl A model push "$HN_WORK/gen1.hnm" >/dev/null || hn_fail "model push"
MESH_GEN=1
t=$(mesh_wait 10 mesh_model_all A B C)
[ "$t" = timeout ] && mesh_dump A B C && hn_fail "model not installed"
j=$(hn_transfer C c-b A a-app 1 3 20 100 1000 3000)
[ "$(hn_jget "$j" unique)" = 20 ] || hn_fail "data A -> C: $j"
inj() { hn_x A "$HNINJECT" "$@" -i a-app --src 77 --key "$MESH_KEY"; }
inj campaign "$HN_WORK/gen1.hnm" || hn_fail "hn-inject campaign"
inj fed --dst 3 || hn_fail "hn-inject fed"
# ECHO: A's requests to C and C's replies cross c-b; C's traceroute to A
# sends a TTL 1 request that B answers EXPIRED, with B's decision
mesh_ctl A ping 3 -c 2 -i 0.1 -s 50 >/dev/null || hn_fail "ping A -> C"
mesh_ctl C traceroute 1 >"$HN_WORK/trace.txt" ||
	hn_fail "traceroute C -> A: $(cat "$HN_WORK/trace.txt")"
# analyse: every 0x88B5 frame of both captures (as far as written), MACs
# checked with the mesh's key read from a key file as the agent's
# mesh-key-file; prints a summary: frames, flagged, types, missing
(umask 077; echo "1 $MESH_KEY" >"$HN_WORK/mesh.keys")
analyse()
{
	local d

	for d in a-app c-b; do
		hn_tshark -o "hypernet.keys_file:$HN_WORK/mesh.keys" \
			-r "$HN_WORK/$d.pcapng" \
			-Y 'eth.type == 0x88b5' -T fields -E separator=/t \
			-e frame.protocols -e hypernet.type \
			-e hypernet.chunk.object -e hypernet.malformed \
			-e hypernet.ctrl.error -e _ws.expert.message \
			-e _ws.col.Info -e hypernet.auth.status \
			-e hypernet.echo.op -e hypernet.echo.hop.reason
	done >"$HN_WORK/mesh.tsv"
	python3 - "$HN_WORK/mesh.tsv" <<'PY'
import collections, sys
names = {'1': 'DATA', '2': 'TENSOR', '3': 'HELLO', '4': 'GOSSIP',
         '5': 'MODEL_CHUNK', '6': 'PROBE', '7': 'ACK', '8': 'FED',
         '9': 'ECHO'}
ctrl = {'3', '4', '5', '6', '7', '8', '9'}
seen, bad = collections.Counter(), []
for line in open(sys.argv[1]):
    c = line.rstrip('\n').split('\t') + [''] * 10
    name = names.get(c[1], '?')
    # a control frame's MAC verifies with the mesh key
    mac_ok = c[7] == ('good' if c[1] in ctrl else '')
    if name == 'MODEL_CHUNK':
        name += {'0': '(model)', '1': '(campaign)'}.get(c[2], '(?)')
    if name == 'ECHO':
        # an EXPIRED answer counts once its hop record is decoded
        op = {'0': 'REQUEST', '1': 'REPLY'}.get(c[8], '?')
        if c[8] == '2' and c[9]:
            op = 'EXPIRED'
        name += f'({op})'
    info = c[6]
    ok = ':hypernet' in c[0] and not any(c[3:6]) and mac_ok and \
        info.startswith(name.split('(')[0] + ' ')
    seen[name] += 1
    if not ok:
        bad.append(line.strip())
want = ['DATA', 'HELLO', 'PROBE', 'ACK', 'GOSSIP', 'MODEL_CHUNK(model)',
        'MODEL_CHUNK(campaign)', 'FED', 'ECHO(REQUEST)', 'ECHO(REPLY)',
        'ECHO(EXPIRED)']
print('frames', sum(seen.values()), 'flagged', len(bad))
print('types', ' '.join(f'{k}:{v}' for k, v in sorted(seen.items())))
print('missing', ' '.join(w for w in want if not seen[w]))
for b in bad[:5]:
    print('flagged:', b)
PY
}

# the captures are complete when every type is in them (dumpcap writes as
# it reads): stop them then, or after 10 s
t=$(mesh_wait 10 eval '[ -z "$(analyse 2>/dev/null | sed -n "s/^missing *//p")" ]')
echo "    every type written to the captures: $t s"
hn_stop cap-A
hn_stop cap-C

# 5. and 6., on the captures closed
out=$(analyse)
echo "$out" | sed 's/^/    /'
total=$(echo "$out" | awk '/^frames/ { print $2 }')
flagged=$(echo "$out" | awk '/^frames/ { print $4 }')
missing=$(echo "$out" | sed -n 's/^missing *//p')
check "every captured frame dissected as HyperNet, none flagged, MACs good" \
	"$([ "${total:-0}" -gt 0 ] && [ "$flagged" = 0 ] && echo 1)" \
	"$total frames, $flagged flagged"
check "each control type and data decoded by name" \
	"$([ -z "$missing" ] && echo 1)" "missing: ${missing:-none}"

if [ $HN_FAILED -gt 0 ]; then
	echo "test_wireshark: $HN_FAILED check(s) failed"
	exit 1
fi
echo "test_wireshark: all checks passed"
