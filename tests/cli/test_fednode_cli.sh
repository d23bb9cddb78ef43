#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hn-fmnist fed-init and node without an agent: the float checkpoint as
# a campaign's starting model (hnctl campaign create takes it, kind
# stage, its digest), the trainer's refusals (a start file or validation
# set of another digest, a corrupt state file, usage), a state file at
# the campaign's last round (nothing left to do: no agent needed), and
# an agent that never answers (the round times out); whole rounds
# against a stand-in for hnctl (the gate, the head staged).  Needs no root.
# Exits 0 when all pass, 77 (SKIPPED) without the build or the data set.
set -u
cd "$(dirname "$0")/../.." || exit 1
SRC=$PWD
O=${O:-build}
[[ $O = /* ]] || O=$PWD/$O	# the test runs in a temporary directory
HNCTL=$O/bin/hnctl
FM=$O/bin/hn-fmnist
DATA=${HN_FMNIST_DATA:-/usr/share/datasets/fashion-mnist}

[ -x "$HNCTL" ] && [ -x "$FM" ] ||
	{ echo "SKIPPED: no $FM: run make first"; exit 77; }
[ -f "$DATA/train-labels-idx1-ubyte.gz" ] ||
	[ -f "$DATA/train-labels-idx1-ubyte" ] ||
	{ echo "SKIPPED: no Fashion-MNIST in $DATA"; exit 77; }
command -v python3 >/dev/null ||
	{ echo "SKIPPED: python3 is needed to check the JSON"; exit 77; }

tmp=$(mktemp -d /tmp/hn-fednode-cli.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
failed=0

. "$SRC/tests/cli/lib.sh"

small=(--hidden 16 --bottleneck 8 --head-hidden 8)
run 0 "sha256" "$FM" fed-init --data "$DATA" --seed 3 "${small[@]}" \
	-o start.hnfp --valset-size 200 --valset-out val.bin --valset-seed 1
run 0 "sha256" "$FM" fed-init --data "$DATA" --seed 4 "${small[@]}" \
	-o other.hnfp
run 2 "usage" "$FM" fed-init --seed 3
mkdir ids
for n in 1 2; do
	"$HNCTL" keygen ids/n$n.key ids/n$n.pub >/dev/null || exit 1
	echo "$n n$n.pub" >>ids/roster
done

# create FILE: a campaign of 3 rounds starting from FILE
create()
{
	"$HNCTL" campaign create -o c.hnc --id 5 --model "$1" \
		--valset val.bin --roster ids/roster --rounds 3 --steps 5 \
		--lr 0.003 --clip 4
}
run 0 "" create start.hnfp
j=$("$HNCTL" -j campaign show c.hnc)
want=$(sha256sum <start.hnfp | cut -d' ' -f1)
got=$(python3 -c '
import json, sys
j = json.loads(sys.argv[1])
print(j["kind"], j["stage"], j["model_sha256"])' "$j")
if [ "$got" = "stage 2 $want" ]; then
	ok "a float checkpoint starts a campaign of kind stage, stage 2, its digest"
else
	bad "campaign show says '$got', want 'stage 2 $want'"
fi
printf 'HNXX not a model\n' >junk.bin
run 1 "float checkpoint" create junk.bin

node()
{
	"$FM" node --data "$DATA" --campaign c.hnc --valset val.bin \
		--nodes 2 --node 0 --seed 1 --hnctl "$HNCTL" --ctl nowhere \
		--timeout 1 "$@"
}
run 1 "the campaign's starting model is" node --start other.hnfp --state s1
cp val.bin val2.bin
printf 'x' | dd of=val2.bin bs=1 seek=100 conv=notrunc 2>/dev/null
run 1 "the campaign's validation set is" node --start start.hnfp \
	--state s2 --valset val2.bin
run 2 "required" "$FM" node --campaign c.hnc --start start.hnfp \
	--valset val.bin --state s3
run 2 "--edge-pid goes with --encoder-out" node --start start.hnfp \
	--state s3 --edge-pid 1234
run 2 "bad value: bogus" node --start start.hnfp --state s3 --poison bogus
# no agent: the update is never taken, the round times out
run 1 "the agent took no update" node --start start.hnfp --state s4

# the shard from hn-fmnist partition's file: node 1's items, as counted
# there (the agent never answers: the round times out after it)
"$FM" partition --data "$DATA" --nodes 3 --partition dir:0.5 --seed 1 \
	--valset 200 --out p.txt 2>/dev/null || bad "hn-fmnist partition"
n1=$(sed -n 's/^node 1 //p' p.txt)

# The validation set is 200 training images (not test images), and no
# shard holds one: the lists index the training images left after the
# hold-out, in order (fed's rule), so map them back and compare images.
python3 - "$DATA" val.bin p.txt <<'PY' || bad "the validation set and the shards overlap"
import gzip, sys
d, vf, pf = sys.argv[1:]
def rd(name, off):
    return gzip.open("%s/%s.gz" % (d, name), "rb").read()[off:]
pix = rd("train-images-idx3-ubyte", 16)
lab = rd("train-labels-idx1-ubyte", 8)
n = len(lab)
items = [pix[i * 784:(i + 1) * 784] + lab[i:i + 1] for i in range(n)]
v = open(vf, "rb").read()
nv = len(v) // 785
val = set(v[i * 784:(i + 1) * 784] + v[nv * 784 + i:nv * 784 + i + 1]
          for i in range(nv))
held = [i for i in range(n) if items[i] in val]
found = set(items[i] for i in held)
if len(found) != nv or len(val) != nv:
    sys.exit("%d of %d validation images are training images" %
             (len(found), nv))
rest = [i for i in range(n) if items[i] not in val]
lines = open(pf).read().split("\n")
if int(lines[0].split()[3]) != len(rest):
    sys.exit("the lists cover %s images, not the %d left" %
             (lines[0].split()[3], len(rest)))
for k in range(2, len(lines), 2):
    for j in lines[k].split():
        if items[rest[int(j)]] in val:
            sys.exit("a validation image in a shard")
print("ok:   the %d validation images are training images, in no shard" % nv)
PY
# one rule: hn-fmnist fed, seed 1, holds out the very same 200 images
nice -n 19 "$FM" fed --data "$DATA" --nodes 4 --seed 1 --rounds 1 \
	--local-steps 1 --qat-rounds 0 --valset 200 --no-central --groups 1 \
	--out fedout >/dev/null 2>&1 || bad "hn-fmnist fed"
if cmp -s val.bin fedout/valset.bin; then
	ok "fed-init's validation set is fed's hold-out, byte for byte"
else
	bad "fed-init's validation set is not fed's"
fi
# a validation set that is not the hold-out of the node's seed, and
# lists cut after another hold-out, are refused
run 1 "not the 200 training images held out with seed 2" node \
	--start start.hnfp --state s6 --seed 2
"$FM" partition --data "$DATA" --nodes 3 --partition dir:0.5 --seed 1 \
	--valset 100 --out p0.txt 2>/dev/null || bad "hn-fmnist partition"
run 1 "not the index lists" node --start start.hnfp --state s6 \
	--shard p0.txt --node 1
"$FM" partition --data "$DATA" --nodes 3 --partition dir:0.5 --seed 2 \
	--valset 200 --out p2.txt 2>/dev/null || bad "hn-fmnist partition"
run 1 "not the index lists" node --start start.hnfp --state s6 \
	--shard p2.txt --node 1
run 1 "node 1: $n1 items" node --start start.hnfp --state s6 --shard p.txt \
	--node 1
# recomputed, the shard is the file's: cut from the same images left
run 1 "node 1: $n1 items" node --start start.hnfp --state s6 --nodes 3 \
	--partition dir:0.5 --node 1
run 1 "node 3 of 3" node --start start.hnfp --state s6 --shard p.txt \
	--node 3
sed '3s/^\([0-9]*\) /\1 \1 /' p.txt >dup.txt # an item in a shard twice
run 1 "not the index lists" node --start start.hnfp --state s6 \
	--shard dup.txt --node 0
head -c 1000 p.txt >short.txt
run 1 "not the index lists" node --start start.hnfp --state s6 \
	--shard short.txt --node 0

# Whole rounds against a stand-in for hnctl: it keeps the update handed
# in and returns it as the round's sum (one node), or, in the rounds of
# $FAKE_POISON, the update's coordinates times -10 (the weight kept): the
# gate must refuse that round and keep the model, and the rounds around
# it are applied and accepted.
cat >fake-hnctl <<'PY'
#!/usr/bin/env python3
import os, shutil, struct, sys
a = sys.argv[1:]
if a[:1] == ["-S"]:
    a = a[2:]
js = a[:1] == ["-j"]
a = a[1:] if js else a
d = os.environ["FAKE_DIR"]
if a[:3] == ["dev", "stage", "load"]:
    open(d + "/staged", "a").write(" ".join(a[3:]) + "\n")
    sys.exit(0)
if a[:2] == ["campaign", "status"]:
    print('{"round": {"done_round": %s, "keep_from": %s}}' %
          (os.environ.get("FAKE_AHEAD", "0"),
           os.environ.get("FAKE_KEEP_FROM", "1")))
    sys.exit(0)
if a[:2] == ["campaign", "submit"]:
    shutil.copy(a[4], "%s/u%s" % (d, a[3]))
    open(d + "/submits", "a").write(a[3] + "\n")
    sys.exit(0)
if (a[:2] != ["campaign", "result"] or
        int(a[3]) < int(os.environ.get("FAKE_KEEP_FROM", "1")) or
        not os.path.exists("%s/u%s" % (d, a[3]))):
    sys.exit(1)
if js:
    print('{"round": %s, "n_summed": 1}' % a[3])
    sys.exit(0)
b = open("%s/u%s" % (d, a[3]), "rb").read()
n = struct.unpack("<I", b[8:12])[0]
v = list(struct.unpack("<%di" % n, b[12:]))
if a[3] in os.environ.get("FAKE_POISON", "").split():
    v = [max(-2**31, min(2**31 - 1, -10 * x)) for x in v[:-1]] + v[-1:]
open(a[5], "wb").write(b[:12] + struct.pack("<%di" % n, *v))
PY
chmod +x fake-hnctl
mkdir fake
"$HNCTL" campaign create -o c2.hnc --id 6 --model start.hnfp \
	--valset val.bin --roster ids/roster --rounds 3 --steps 30 \
	--lr 0.003 --clip 4 --max-drop 0.01 >/dev/null || bad "campaign create"
FAKE_DIR=$PWD/fake FAKE_POISON=2 "$FM" node --data "$DATA" --campaign c2.hnc \
	--valset val.bin --start start.hnfp --state s7 --nodes 2 --node 0 \
	--hnctl ./fake-hnctl --timeout 10 --head-out "$PWD/head.hnm" \
	--stage-dev hnt7 >rounds.log 2>&1 ||
	bad "rounds against the stand-in: $(cat rounds.log)"
sed 's/^/    | /' rounds.log
# acc R before|after: round R's validation accuracy
acc()
{
	sed -n "s/^round $1:.*validation \([0-9.]*\) -> \([0-9.]*\).*/\\$2/p" \
		rounds.log
}
if grep -q "^round 1:.*accepted" rounds.log &&
	grep -q "^round 2:.*refused" rounds.log &&
	grep -q "^round 3:.*accepted" rounds.log &&
	[ "$(acc 2 1)" = "$(acc 1 2)" ] && [ "$(acc 3 1)" = "$(acc 2 1)" ] &&
	awk "BEGIN { exit !($(acc 2 2) < $(acc 2 1) - 0.01) }"; then
	ok "a poisoned sum is refused by the gate, the model kept; the others applied"
else
	bad "the gate's rounds went otherwise"
fi

# each accepted model's head is installed and loaded into the device
want=$(printf 'hnt7 %s\n' "$PWD/head.hnm" "$PWD/head.hnm")
if [ "$(cat fake/staged 2>/dev/null)" = "$want" ] &&
	"$O/bin/hn-model" verify head.hnm >/dev/null; then
	ok "the head of each of the 2 accepted rounds is staged: hnctl dev stage load hnt7"
else
	bad "staged: '$(cat fake/staged 2>/dev/null)', want '$want'"
fi

# only the part installed is quantised: no text, no calibration file
q=$(cd s7/quantised && echo *)
if [ "$q" = fmnist-head.hnm ]; then
	ok "the head alone is quantised for its install, no text files"
else
	bad "s7/quantised holds '$q', want fmnist-head.hnm"
fi

# the agent went on without this trainer for three rounds and keeps
# their results: the trainer applies them in order, trains and submits
# nothing, and ends with the model of the trainer that took part
subs=$(wc -l <fake/submits)
FAKE_DIR=$PWD/fake FAKE_POISON=2 FAKE_AHEAD=3 "$FM" node --data "$DATA" \
	--campaign c2.hnc --valset val.bin --start start.hnfp --state s9 \
	--nodes 2 --node 0 --hnctl ./fake-hnctl --timeout 10 >caught.log 2>&1 ||
	bad "catching up: $(cat caught.log)"
sed 's/^/    | /' caught.log
if [ "$(grep -c '^round [123]: 1 summed, caught up' caught.log)" = 3 ] &&
	grep -q "^round 2:.*refused" caught.log &&
	[ "$(wc -l <fake/submits)" = "$subs" ] &&
	cmp -s s7/model.hnfp s9/model.hnfp; then
	ok "three missed rounds applied in order, none trained: the same model"
else
	bad "catching up went otherwise"
fi

# --qat-rounds 1: round 3 of 3 trains and gates with the int8 forward
# (fm_fed_qat(), fed's rule); a trainer that only applies the same sums
# calibrates alike and ends with the same model
mkdir fakeq
FAKE_DIR=$PWD/fakeq "$FM" node --data "$DATA" --campaign c2.hnc \
	--valset val.bin --start start.hnfp --state sq --nodes 2 --node 0 \
	--hnctl ./fake-hnctl --timeout 10 --qat-rounds 1 --export-all \
	>qat.log 2>&1 || bad "QAT rounds: $(cat qat.log)"
FAKE_DIR=$PWD/fakeq FAKE_AHEAD=3 "$FM" node --data "$DATA" \
	--campaign c2.hnc --valset val.bin --start start.hnfp --state sq2 \
	--nodes 2 --node 0 --hnctl ./fake-hnctl --timeout 10 --qat-rounds 1 \
	>qatc.log 2>&1 || bad "QAT rounds caught up: $(cat qatc.log)"
sed 's/^/    | /' qat.log
if [ "$(grep -c ', QAT,' qat.log)" = 1 ] && grep -q '^round 3:.*, QAT,' qat.log &&
	grep -q '^round 3:.*caught up, QAT,' qatc.log &&
	cmp -s sq/model.hnfp sq2/model.hnfp &&
	"$O/bin/hn-model" verify sq/quantised/fmnist-head-b.hnm >/dev/null; then
	ok "the last round is quantisation-aware, alike when caught up"
else
	bad "QAT rounds went otherwise"
fi

# the agent keeps rounds from 2 on only: the trainer at round 1 says it
# cannot follow, at once; a result the agent misses but keeps fetching
# is waited for (the timeout)
mkdir fake2
run 1 "round 1: its result is gone" env FAKE_DIR="$PWD/fake2" FAKE_AHEAD=2 \
	FAKE_KEEP_FROM=2 "$FM" node --data "$DATA" --campaign c2.hnc \
	--valset val.bin --start start.hnfp --state s8 --nodes 2 --node 0 \
	--hnctl ./fake-hnctl --timeout 100
run 1 "round 1: no result after 2 s (a missed round's, not fetched)" \
	env FAKE_DIR="$PWD/fake2" FAKE_AHEAD=2 "$FM" node --data "$DATA" \
	--campaign c2.hnc --valset val.bin --start start.hnfp --state s10 \
	--nodes 2 --node 0 --hnctl ./fake-hnctl --timeout 2

# a state directory of another campaign
run 1 "belongs to another campaign" node --start start.hnfp --state s7

# a state file at round 3 of 3: resumes past the end, nothing to do
mkdir s5
run 1 "the agent took no update" node --start start.hnfp --state s5
python3 -c '
import struct, sys
b = bytearray(open("start.hnfp", "rb").read())
b[20:24] = struct.pack("<I", 3)
open("s5/model.hnfp", "wb").write(b)'
run 0 "resuming at round 4" node --start start.hnfp --state s5
run 0 "campaign done" node --start start.hnfp --state s5
# a corrupt state file is refused, not trained over
printf 'HNFP' >s5/model.hnfp
run 1 "not a float checkpoint" node --start start.hnfp --state s5

exit $failed
