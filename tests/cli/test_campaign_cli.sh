#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hnctl campaign create / sign / show / verify: a roster of identity keys
# made with hnctl keygen, the file's checks as the operator meets them
# (messages, hints, exit codes) and the JSON.  Needs no root.  Exits 0
# when all pass, 77 (SKIPPED) when nothing is built.
set -u
cd "$(dirname "$0")/../.."
SRC=$PWD
O=${O:-build}
[[ $O = /* ]] || O=$PWD/$O	# the test runs in a temporary directory
HNCTL=$O/bin/hnctl

[ -x "$HNCTL" ] || { echo "SKIPPED: no $HNCTL: run make first"; exit 77; }
. tests/cli/lib.sh
cli_need_python
cli_scratch campaign-cli
cd "$tmp" || exit 1
hnctl() { "$HNCTL" "$@"; }


hnctl keygen model.key model.pub >/dev/null || exit 1
hnctl keygen other.key other.pub >/dev/null || exit 1
mkdir ids
for n in 1 2 3; do hnctl keygen ids/n$n.key ids/n$n.pub >/dev/null; done
printf '# node identity\n3 n3.pub\n1 n1.pub\n2 n2.pub\n' >ids/roster
cp "$SRC/tests/fuzz/corpus/model/stage.hnm" start.hnm
printf 'validation set\n' >val.bin

create() {
	hnctl campaign create -o c.hnc --id 5 --model start.hnm \
		--valset val.bin --roster ids/roster --rounds 10 --steps 20 \
		--lr 0.05 --clip 10 "$@"
}

expect 0 "3 nodes, unsigned" create
expect 0 "k 2, t 2 (chosen by hn_sa_choose" hnctl campaign show c.hnc
expect 0 "scale 2^26 (derived" hnctl campaign show c.hnc
expect 1 "refused (unsigned)" hnctl campaign verify c.hnc --keys model.pub
expect 0 "signed c.hnc -> s.hnc" \
	hnctl campaign sign c.hnc --key model.key -o s.hnc
expect 0 "accepted (campaign 5 generation 1, 3 nodes" \
	hnctl campaign verify s.hnc --keys model.pub
expect 1 "refused (bad-signature)" hnctl campaign verify s.hnc --keys other.pub
expect 1 "hint: sign it with a model key" \
	hnctl campaign verify s.hnc --keys other.pub

# The JSON: roster sorted by id, keys those of the .pub files.
hnctl -j campaign show s.hnc >show.json
python3 - ids <<'EOF' && ok "show -j" || bad "show -j"
import hashlib, json, sys
j = json.load(open('show.json'))
# the digest covers all before the trailer's digest and signature block
data = open('s.hnc', 'rb').read()
assert j['digest'] == hashlib.sha256(data[:-(32 + 4 + 64)]).hexdigest()
ids = [m['node'] for m in j['roster']]
assert ids == [1, 2, 3], ids
for m in j['roster']:
    key = open('%s/n%d.pub' % (sys.argv[1], m['node'])).read().split()[0]
    assert m['key'] == key, (m, key)
assert j['signed'] and j['k_t_chosen'] and j['scale_derived']
assert j['lr'] == 0.05 and j['clip'] == 10 and j['flags'] == 'none'
EOF
hnctl -j campaign verify s.hnc --keys other.pub >v.json
python3 -c "import json; j = json.load(open('v.json')); \
assert not j['accepted'] and j['reason'] == 'bad-signature'" &&
	ok "verify -j" || bad "verify -j"

# Refusals the operator can act on.
expect 1 "could overflow" create --scale-log2 29
expect 1 "hint: lower --scale-log2 or --clip" create --scale-log2 29
expect 0 "3 nodes" create --scale-log2 25
expect 1 "degree 1: even and below 2, or 2" create --k 1 --t 1
expect 0 "k 2, t 2 (given)" sh -c "$HNCTL campaign create -o g.hnc --id 5 \
	--model start.hnm --valset val.bin --roster ids/roster --rounds 1 \
	--steps 1 --lr 1 --clip 1 --k 2 --t 2 --no-defence &&
	$HNCTL campaign show g.hnc"
expect 0 "flags no-defence" hnctl campaign show g.hnc
# The grouped defence: 3 nodes make one group at most
expect 0 "1 groups, trimmed mean (0 dropped" sh -c "$HNCTL campaign create \
	-o gr.hnc --id 5 --model start.hnm --valset val.bin \
	--roster ids/roster --rounds 1 --steps 1 --lr 1 --clip 1 --groups 1 \
	--rule trim:0 && $HNCTL campaign show gr.hnc"
hnctl -j campaign show gr.hnc >gr.json
python3 -c "import json; j = json.load(open('gr.json')); \
assert j['groups'] == 1 and j['rule'] == 'trim' and j['trim'] == 0" &&
	ok "show -j: groups, rule, trim" || bad "show -j: groups"
expect 0 "the gate alone" hnctl campaign show s.hnc
expect 1 "2 groups of 3 nodes: each needs at least 3" create --groups 2
expect 1 "with the no-defence flag" create --groups 1 --no-defence
expect 1 "--rule needs --groups" create --rule median
expect 1 "--rule 'mean': median or trim:K" create --groups 1 --rule mean
expect 1 "trim 1 of 1 groups at each end leaves none" create --groups 1 \
	--rule trim:1
expect 1 "at most 6 decimals" create --lr 0.0000005
expect 1 "learning rate (millionths) 0" create --lr 0
expect 1 "rounds 0 out of range" create --rounds 0
expect 1 "required" hnctl campaign create -o x.hnc
printf '1 n1.pub\n2 n1.pub\n' >ids/dup
expect 1 "nodes 1 and 2 have the same key" create --roster ids/dup
expect 1 "hint: one line per node" create --roster ids/dup
printf '1 n1.pub\n2 n2.key\n' >ids/priv
expect 1 "n2.key is readable by its owner only" create --roster ids/priv
expect 1 "not a campaign file" hnctl campaign show start.hnm
expect 1 "--stopped" hnctl campaign create --stopped
head -c 100 s.hnc >cut.hnc
expect 1 "truncated at header" hnctl campaign show cut.hnc

# Update vectors: refused here, saying why, before any agent is asked.
SECAGG=$O/bin/hn-secagg
printf 'HNFV\001\000\000\000\003\000\000\000' >short.vec
run 1 "says 3 values (24 bytes), file has 12 bytes" \
	hnctl campaign submit short.vec
printf 'XXXX\001\000\000\000' >magic.vec
run 1 "not an update vector (magic HNFV missing)" \
	hnctl campaign submit magic.vec
printf 'HNFV\002\000\000\000\001\000\000\000abcd' >ver.vec
run 1 "update vector version 2" hnctl campaign submit ver.vec
run 1 "hint: an update vector" hnctl campaign submit ver.vec
run 1 "--round" hnctl campaign submit --round x short.vec
if [ -x "$SECAGG" ]; then
	"$SECAGG" vec-gen 7 5 good.vec && "$SECAGG" vec-gen 8 5 good2.vec &&
		"$SECAGG" vec-sum sum.vec good.vec good2.vec || bad "vec-gen"
	# a well-formed vector goes to the agent: none listens here
	run 1 "hypernetd is not running" hnctl -S "$tmp/none" \
		campaign submit good.vec
	python3 -c '
import struct, sys
r = lambda f: struct.unpack("<4sII5i", open(f, "rb").read())
a, b, s = r("good.vec"), r("good2.vec"), r("sum.vec")
assert s[:3] == (b"HNFV", 1, 5), s
assert all(((x + y + 2**31) % 2**32) - 2**31 == z
           for x, y, z in zip(a[3:], b[3:], s[3:])), (a, b, s)' &&
		ok "hn-secagg vec-sum is the sum mod 2^32" ||
		bad "hn-secagg vec-sum"
fi

[ "$failed" -eq 0 ] && echo "PASS" || echo "FAILED"
exit "$failed"
