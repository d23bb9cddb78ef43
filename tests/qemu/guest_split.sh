#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Split Fashion-MNIST inference across a mesh of namespaces, inside the
# QEMU guest (tests/qemu/test_split.sh, bench_split.sh).  Argument
# N:FLOOR:RATE: images per stream, accuracy floor (0: none), images per
# second of the stream during which H1 is removed.
#
#   E (1) e-r ---- r-e  R (2)  r-h1 ---- h1-r H1 (11) hnt0: head, stage 2
#                              r-h2 ---- h2-r H2 (12) hnt0: head, stage 2
#
# E runs hn-edge: encoder here, one anycast tensor frame per image to task
# class 2.  R's XDP router places it on a host of task 2 (hn_tasks: H1 and
# H2 with their load, the route model scores them); the host's router
# redirects it into hnt0 (config tensor-dev), the head runs in the module
# and the result frame leaves hnt0's receive side through the router
# (generic XDP on hnt0) back to E.  No agents: routes, neighbours and
# tasks are set with hnctl; hn-edge beacon sends the HELLOs that keep the
# nodes live in R's view (stale-ms), as hypernetd's would.
. /hn/guest_lib.sh
IP=/usr/sbin/ip
D=/hn/data
IMG=$D/t10k-images-idx3-ubyte.gz
LBL=$D/t10k-labels-idx1-ubyte.gz
ENC=$D/fmnist-encoder.hnm
HEAD=$D/fmnist-head.hnm
HEADA=$D/fmnist-head-a.hnm
HEADB=$D/fmnist-head-b.hnm
IFS=: read -r N FLOOR RATE <<EOF
${1:-1000:0.86:250}
EOF
T0=$(date +%s)

# ctl NODE ARGS: hnctl on NODE's data plane (its own pin directory).
ctl() {
	n=$1
	shift
	$IP netns exec "$n" hnctl -P /run/bpf/$n/hypernet "$@" >/dev/null
}
# jget FILE KEY: a number from hn-edge's one-line JSON.
jget() {
	sed -n "s/.*\"$2\":\([-0-9.e]*\).*/\1/p" "$1"
}
node_answers() {
	sed -n "s/.*\"answers_by_node\":{[^}]*\"$2\":\([0-9]*\).*/\1/p" "$1"
}
stage_done() {
	$IP netns exec "$1" hnctl -j dev show hnt0 2>/dev/null |
		sed -n 's/.*"tensors_done": *\([0-9]*\).*/\1/p'
}
edge() {
	$IP netns exec E hn-edge "$@" -i e-r --src 1
}
elapsed() { echo "split: $1 at $(($(date +%s) - T0)) s"; }

# gen DEV: the generation of DEV's stage ("" without one)
gen() {
	hnctl -j dev show "$1" | tr -d ' \n' |
		sed -n 's/.*"generation":\([0-9]*\).*/\1/p'
}
# layers DEV: DEV's stage's layers, "INxOUT ..."
layers() {
	hnctl -j dev show "$1" | tr -d ' \n' | sed 's/"in":/\n/g' |
		sed -n 's/^\([0-9]*\),"out":\([0-9]*\).*/\1x\2/p' |
		tr '\n' ' ' | sed 's/ *$//'
}

# ---- the federated head ----------------------------------------------------
# hn-fmnist node, the trainer of a federated campaign (2 rounds, a small
# model: encoder 784-32-16, head 16-24-10), with --head-out and
# --stage-dev hnt9: after an accepted round it runs `hnctl dev stage load
# hnt9 HEAD`, the real hnctl into the real module.  The campaign's
# commands (submit, result) go to a stand-in for the agent: the sum of a
# round is the node's own update, except round 2's, whose coordinates are
# all 0x7f7f7f7f (the weight kept): the gate must refuse it and leave the
# module's stage as round 1 made it.  The trainer's data: the test set
# (the training set is not in the guest).
fed_head() {
	F=/tmp/fed
	if [ ! -f $D/fed.hnc ]; then
		echo "SKIP fed-head: no campaign (tests/qemu/test_split.sh makes it)"
		return 0
	fi
	mkdir -p $F/data $F/fake
	ln -s $IMG $F/data/train-images-idx3-ubyte.gz
	ln -s $LBL $F/data/train-labels-idx1-ubyte.gz
	cat >$F/hnctl <<'EOS'
#!/bin/sh
F=/tmp/fed
[ "$1" = -S ] && shift 2
js=
[ "$1" = -j ] && js=1 && shift
case "$1 $2 $3" in
"dev stage load")
	hnctl dev stage load "$4" "$5" >/dev/null || exit 1
	n=0
	while [ -e $F/fake/staged$n ]; do n=$((n + 1)); done
	hnctl -j dev show "$4" >$F/fake/staged$n
	exit 0 ;;
"campaign status "*)
	echo '{"round": {"last_result_round": 0}}'
	exit 0 ;;
"campaign submit "*)
	cp "$5" $F/fake/u$4
	exit 0 ;;
esac
[ "$1 $2" = "campaign result" ] && [ -f $F/fake/u$4 ] || exit 1
if [ -n "$js" ]; then
	echo "{\"round\": $4, \"n_summed\": 1}"
	exit 0
fi
u=$F/fake/u$4
if [ "$4" = 2 ]; then
	n=$(($(stat -c %s $u) / 4 - 4))
	{ head -c 12 $u; head -c $((n * 4)) /dev/zero | tr '\000' '\177'
	  tail -c 4 $u; } >"$6"
else
	cp $u "$6"
fi
EOS
	chmod +x $F/hnctl
	g0=$(gen hnt9)
	l0=$(layers hnt9)
	hn-fmnist node --data $F/data --campaign $D/fed.hnc \
		--start $D/fed-start.hnfp --valset $D/fed-val.bin \
		--state $F/state --nodes 2 --node 0 --seed 1 --batch 32 \
		--hnctl $F/hnctl --timeout 60 --encoder-out $F/enc.hnm \
		--head-out $F/head.hnm --stage-dev hnt9 >$F/log 2>&1
	rc=$?
	sed 's/^/    /' $F/log
	grep -q '^round 1:.*accepted' $F/log &&
		grep -q '^round 2:.*refused' $F/log && [ $rc = 0 ] &&
		ok "fed-head-rounds: round 1 accepted, round 2's sum refused" ||
		ko "fed-head-rounds: rc $rc"
	g1=$(tr -d ' \n' <$F/fake/staged0 2>/dev/null |
		sed -n 's/.*"generation":\([0-9]*\).*/\1/p')
	l1=$(layers hnt9)
	[ -f $F/fake/staged0 ] && [ ! -e $F/fake/staged1 ] &&
		[ "${g1:-0}" -gt "${g0:-0}" ] && [ "$l1" = "16x24 24x10" ] &&
		ok "fed-head-staged: generation $g0 -> $g1, layers $l0 -> $l1" ||
		ko "fed-head-staged: generation $g0 -> ${g1:-none}, layers $l0 -> $l1"
	[ "$(gen hnt9)" = "$g1" ] &&
		ok "fed-head-refused-kept: generation $(gen hnt9) after round 2" ||
		ko "fed-head-refused-kept: generation $(gen hnt9), not $g1"
	check fed-head-answers hn-edge check -i hnt9 --src 1 --dst 9 \
		--encoder $F/enc.hnm --head $F/head.hnm --images $IMG \
		--count 100 --strict
}

guest_mods veth sch_ingress cls_bpf
modprobe hypernet

# ---- the mesh -------------------------------------------------------------
mkdir -p /run/bpf
for n in E R H1 H2; do
	$IP netns add $n
	$IP -n $n link set lo up
	mkdir -p /run/bpf/$n
	mount -t bpf bpf /run/bpf/$n
done
# MACs that name both ends: 02:00:00:<self>:00:<peer>
link() { # NS1 DEV1 ID1 NS2 DEV2 ID2
	$IP link add $2 netns $1 address 02:00:00:$3:00:$6 type veth \
		peer name $5 netns $4 address 02:00:00:$6:00:$3
	$IP -n $1 link set $2 up
	$IP -n $4 link set $5 up
}
link E e-r 01 R r-e 02
link R r-h1 02 H1 h1-r 11
link R r-h2 02 H2 h2-r 12

setup_r() {
	ctl R attach r-e r-h1 r-h2 &&
	ctl R config node 2 stale-ms 3000 &&
	ctl R neigh set 0 node 1 dev r-e mac 02:00:00:01:00:02 &&
	ctl R neigh set 1 node 11 dev r-h1 mac 02:00:00:11:00:02 &&
	ctl R neigh set 2 node 12 dev r-h2 mac 02:00:00:12:00:02 &&
	ctl R route set 1 via 0 &&
	ctl R route set 11 via 1 &&
	ctl R route set 12 via 2 &&
	ctl R model load $D/route-default.hnm &&
	# H1 less loaded: the placement's choice while it lives
	ctl R task set 2 host 11:10:64 host 12:90:64
}
setup_h() { # NS ID
	$IP -n $1 link add hnt0 type hypernet &&
	$IP -n $1 link set hnt0 up &&
	ctl $1 attach h$3-r &&
	ctl $1 attach hnt0 --generic &&
	ctl $1 config node $2 tensor-dev hnt0 stale-ms 0 &&
	ctl $1 neigh set 0 node 2 dev h$3-r mac 02:00:00:02:00:$2 &&
	ctl $1 route set 1 via 0 &&
	ctl $1 route set 2 via 0 &&
	ctl $1 route set $((23 - $2)) via 0 &&
	$IP netns exec $1 hnctl dev stage load hnt0 $HEAD >/dev/null
}
# E is a router too: a veth peer receives redirected frames only with
# NAPI on, which XDP on it turns on; results for E pass to its stack.
setup_e() {
	ctl E attach e-r &&
	ctl E config node 1 &&
	ctl E neigh set 0 node 2 dev e-r mac 02:00:00:02:00:01
}
check split-mesh-edge setup_e
check split-mesh-router setup_r
elapsed "router"
check split-mesh-h1 setup_h H1 11 1
check split-mesh-h2 setup_h H2 12 2
elapsed "mesh up"
$IP netns exec E hn-edge beacon -i e-r --src 1 2>/dev/null &
B_E=$!
$IP netns exec H1 hn-edge beacon -i h1-r --src 11 2>/dev/null &
B_H1=$!
$IP netns exec H2 hn-edge beacon -i h2-r --src 12 2>/dev/null &
B_H2=$!
sleep 1

# ---- bit identity: the module's stages against userspace -----------------
# The encoder and the head straight into a device (no router on it).
$IP link add hnt9 type hypernet
$IP link set hnt9 up
hnctl dev stage load hnt9 $ENC >/dev/null
check split-bitexact-encoder hn-edge check -i hnt9 --src 1 --dst 9 \
	--head $ENC --images $IMG --count 200 --strict
hnctl dev stage load hnt9 $HEAD >/dev/null
check split-bitexact-head hn-edge check -i hnt9 --src 1 --dst 9 \
	--encoder $ENC --head $HEAD --images $IMG --count 200 --strict
fed_head
elapsed "federated head"
$IP link del hnt9
# Through the mesh: every answer of H1/H2 against the head here.
check split-bitexact-mesh edge check --task 2 --encoder $ENC --head $HEAD \
	--images $IMG --count 200 --skip 5000 --timeout-ms 3000 --strict
elapsed "bit identity"

# ---- placement follows load ----------------------------------------------
ctl R task set 2 host 11:90:64 host 12:10:64
edge run --task 2 --encoder $ENC --head $HEAD --images $IMG --count 100 \
	--skip 9000 --timeout-ms 3000 -j /tmp/swap.json >/dev/null
ctl R task set 2 host 11:10:64 host 12:90:64
a11=$(node_answers /tmp/swap.json 11)
a12=$(node_answers /tmp/swap.json 12)
if [ "${a12:-0}" -ge 90 ]; then
	ok "split-placement-least-loaded: H2 less loaded: H1 ${a11:-0}, H2 $a12 of 100"
else
	ko "split-placement-least-loaded: H1 ${a11:-0}, H2 ${a12:-0} of 100"
fi

# ---- the cut chosen per image (hn-edge --cut auto) -------------------------
# H2's head advertised far faster than this edge (a first guess of 50 ns a
# MAC) over a fast path: the chooser sends the encoder's output to H2
# itself (unicast), the module answers, every answer is the head's here.
# The round trips it then observes may keep later images here: none lost.
printf '%s\n' \
	"node stage self ns_per_item busy_pm queue load capacity cost lcost hops path_kbps" \
	"12 2 0 1 0 0 0 127 1 1 2 4000000000" >/tmp/hosts
check split-cut-auto edge check --cut auto --hosts /tmp/hosts --hop-us 0 \
	--edge-ns-per-mac 50 --encoder $ENC --head $HEAD --images $IMG \
	--count 200 --skip 3000 --timeout-ms 3000 -j /tmp/cut.json
a12=$(node_answers /tmp/cut.json 12)
if [ "${a12:-0}" -ge 1 ] && [ "$(jget /tmp/cut.json images_lost)" = 0 ]; then
	ok "split-cut-auto-to-h2: H2 answered $a12, $(jget /tmp/cut.json answered_edge) chosen here, of 200"
else
	ko "split-cut-auto-to-h2: H2 ${a12:-0}, lost $(jget /tmp/cut.json images_lost)"
fi
elapsed "cut chosen"

# ---- chained: head-a on H1 -> (anycast task 3) -> head-b on H2 -> E ------
chain_on() {
	ctl R task set 2 host 11 &&
	ctl R task set 3 host 12 &&
	ctl H1 task set 3 host 12 &&
	$IP netns exec H1 hnctl dev stage load hnt0 $HEADA >/dev/null &&
	$IP netns exec H1 hnctl dev output hnt0 node 3 anycast >/dev/null &&
	$IP netns exec H2 hnctl dev stage load hnt0 $HEADB >/dev/null
}
chain_off() {
	$IP netns exec H1 hnctl dev output hnt0 origin >/dev/null &&
	$IP netns exec H1 hnctl dev stage load hnt0 $HEAD >/dev/null &&
	$IP netns exec H2 hnctl dev stage load hnt0 $HEAD >/dev/null &&
	ctl R task set 2 host 11:10:64 host 12:90:64 &&
	ctl R task del 3
}
check split-chain-setup chain_on
check split-chain-h1-h2 edge check --task 2 --encoder $ENC --head $HEADA \
	--head $HEADB --images $IMG --count 200 --skip 6000 \
	--timeout-ms 3000 --strict -j /tmp/chain.json
c12=$(node_answers /tmp/chain.json 12)
[ "${c12:-0}" -eq 200 ] && ok "split-chain-answers-from-h2: 200 of 200" ||
	ko "split-chain-answers-from-h2: ${c12:-0} of 200"
check split-chain-restore chain_off
elapsed "chain"

# ---- the stream -------------------------------------------------------------
# As fast as 16 in flight allow, every answer checked against userspace.
edge run --task 2 --encoder $ENC --head $HEAD --images $IMG --labels $LBL \
	--count "$N" --window 16 --timeout-ms 2000 --verify \
	-j /tmp/steady.json >/tmp/steady.out 2>&1
rc=$?
sed 's/^/    /' /tmp/steady.out
acc=$(jget /tmp/steady.json accuracy_fixed)
mis=$(jget /tmp/steady.json mismatches)
[ $rc -eq 0 ] && [ "$mis" = 0 ] &&
	ok "split-stream-bitexact: $N images, every mesh answer as here" ||
	ko "split-stream-bitexact: rc $rc, ${mis:-?} mesh answers differ"
if awk "BEGIN { exit !($FLOOR > 0) }"; then
	awk "BEGIN { exit !($acc >= $FLOOR) }" &&
		ok "split-accuracy: $acc >= $FLOOR on $N images over the mesh" ||
		ko "split-accuracy: $acc < $FLOOR on $N images"
else
	echo "SKIP split-accuracy: stand-in random models ($acc)"
fi
elapsed "stream"

# ---- the stream again, paced, H1 removed a third of the way --------------
# H1 serves (less loaded) until it dies; then the first frame R cannot
# hand to r-h1 marks H1 dead, the placement moves to H2, and what was in
# flight on H1 times out and is sent again.
kill_at=$((N / 3))
edge run --task 2 --encoder $ENC --head $HEAD --images $IMG --labels $LBL \
	--count "$N" --rate "$RATE" --window 16 --timeout-ms 500 --retries 2 \
	--verify --progress 20 -j /tmp/split.json >/tmp/split.out 2>&1 &
EDGE=$!
while kill -0 $EDGE 2>/dev/null; do
	done_n=$(sed -n 's/^progress: \([0-9]*\) images.*/\1/p' /tmp/split.out |
		tail -n 1)
	[ "${done_n:-0}" -ge "$kill_at" ] && break
	sleep 0.1
done
h1_done=$(stage_done H1)
kill $B_H1
wait $B_H1 2>/dev/null
$IP netns del H1
elapsed "H1 removed after ${done_n:-0} images (H1 ran ${h1_done:-?} tensors)"
wait $EDGE
rc=$?
elapsed "paced stream done"
grep -v '^progress' /tmp/split.out | sed 's/^/    /'
lost=$(jget /tmp/split.json images_lost)
acc2=$(jget /tmp/split.json accuracy_fixed)
mis=$(jget /tmp/split.json mismatches)
a11=$(node_answers /tmp/split.json 11)
a12=$(node_answers /tmp/split.json 12)
[ $rc -eq 0 ] && [ "$lost" = 0 ] &&
	ok "split-failover-no-image-lost: $N images, lost $lost" ||
	ko "split-failover-no-image-lost: rc $rc, lost ${lost:-?}"
[ "${a11:-0}" -gt 0 ] && [ "${a12:-0}" -gt 0 ] &&
	[ "$((${a11:-0} + ${a12:-0}))" -ge $((N * 9 / 10)) ] &&
	ok "split-failover-continues-on-h2: H1 answered ${a11:-0}, H2 ${a12:-0}" ||
	ko "split-failover-continues-on-h2: H1 ${a11:-0}, H2 ${a12:-0}"
[ "$mis" = 0 ] && [ "$acc2" = "$acc" ] &&
	ok "split-failover-same-answers: accuracy $acc2, mesh answers as here" ||
	ko "split-failover-same-answers: accuracy $acc2 vs $acc, ${mis:-?} differ"
$IP netns exec R hnctl -P /run/bpf/R/hypernet stats 2>/dev/null |
	grep -E 'any_|drop_no_port|fb_stale|drop_no_live|cache_hit|decisions' |
	sed 's/^/    R: /'
echo "HN-JSON-STEADY"
cat /tmp/steady.json
echo "HN-JSON-FAILOVER"
cat /tmp/split.json
echo "HN-JSON-END"

kill $B_E $B_H2 2>/dev/null
wait 2>/dev/null
for n in E R H2; do
	$IP netns del $n
done
for n in E R H1 H2; do
	umount /run/bpf/$n
done
elapsed "end"
