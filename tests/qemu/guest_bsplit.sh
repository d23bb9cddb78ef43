#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The adaptive cut measured, inside the QEMU guest (tests/qemu/
# test_bsplit.sh, bench_split.sh), on the CNN's three stages (4 conv,
# 5 encoder, 6 head; Documentation/split-inference.rst).  Argument
# N:NACC:KBPS:NDEATH: images per latency run, images of the accuracy run,
# the edge's uplink in kbit/s, images of the run during which the host
# dies.
#
#   E (1) e-r ---- r-e  R (2)  r-h14 ---- h-r H14: hnt0 stage 4 -> task 5
#                              r-h15 ---- h-r H15: hnt0 stage 5 -> task 6
#                              r-h16 ---- h-r H16: hnt0 stage 6 -> origin
#
# The slow edge: hn-edge in a cgroup of cpu.max 1000/4000 (a quarter of
# a CPU with the least quota cgroup v2 takes, 1 ms: with 2500/10000 a
# burst of compute under 2.5 ms ran at full speed, the conv block at the
# edge measured 12 ns/MAC against 73 for the whole chain); e-r shaped by
# tbf at KBPS (what E sends: the hops after it are XDP redirects, which
# no qdisc sees).  The fast host is H14-H16: a
# hypernet device holds one stage, so the host's three stages are three
# nodes, each two hops from E, whose module is not throttled; it dies as
# a whole.  Its rates are measured, not assumed: a first stream with the
# raw cut, then each device's compute_ns / tensors_done go into the hosts
# table the edge's chooser reads (what hypernetd advertises from the same
# counters); the edge's ns per MAC is what it measured running
# everything.  Then, each with a line per image (--lat-log), window 1:
# everything on the edge, each fixed cut, the adaptive cut, the adaptive
# cut of a private stream (none with --verify); each fixed cut again with
# --verify; NACC labelled images with the adaptive cut (4 in flight:
# accuracy, bytes, --verify); last NDEATH images with the adaptive
# cut and the host removed a third of the way.  The figures go to the
# console as one JSON object between HN-JSON-BSPLIT and HN-JSON-END.
. /hn/guest_lib.sh
IP=/usr/sbin/ip
D=/hn/data
IMG=$D/t10k-images-idx3-ubyte.gz
LBL=$D/t10k-labels-idx1-ubyte.gz
CONV=$D/fmnist-cnn-conv.hnm
ENC=$D/fmnist-cnn-enc.hnm
HEAD=$D/fmnist-cnn-head.hnm
IFS=: read -r N NACC KBPS NDEATH <<EOF
${1:-40:200:10000:120}
EOF
T0=$(date +%s)
CG=/sys/fs/cgroup
L=/tmp/bs
HOSTS="14 15 16"
TMO=400

ctl() {
	n=$1
	shift
	$IP netns exec "$n" hnctl -P /run/bpf/$n/hypernet "$@" >/dev/null
}
jget() {
	sed -n "s/.*\"$2\":\([-0-9.e]*\).*/\1/p" "$1"
}
elapsed() { echo "bsplit: $1 at $(($(date +%s) - T0)) s"; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }
# dev_stat NS KEY: a counter of NS's hnt0
dev_stat() {
	$IP netns exec "$1" hnctl -j dev show hnt0 2>/dev/null | tr -d ' \n' |
		sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p"
}

guest_mods veth sch_ingress cls_bpf sch_tbf
modprobe hypernet
mkdir -p $L /run/bpf

# ---- the slow edge: a quarter of a CPU --------------------------------------
mount -t cgroup2 none $CG &&
	echo +cpu >$CG/cgroup.subtree_control &&
	mkdir -p $CG/edge && echo "1000 4000" >$CG/edge/cpu.max &&
	ok "bsplit-slow-edge: cpu.max $(cat $CG/edge/cpu.max)" ||
	ko "bsplit-slow-edge: no cgroup v2 cpu controller"
# slow ARGS: hn-edge ARGS on E, in the edge's cgroup
slow() {
	sh -c 'echo $$ >'$CG'/edge/cgroup.procs && exec "$@"' sh \
		$IP netns exec E hn-edge "$@" -i e-r --src 1
}

# ---- the mesh ------------------------------------------------------------
for n in E R H14 H15 H16; do
	$IP netns add $n
	$IP -n $n link set lo up
	mkdir -p /run/bpf/$n
	mount -t bpf bpf /run/bpf/$n
done
link() { # NS1 DEV1 ID1 NS2 DEV2 ID2
	$IP link add $2 netns $1 address 02:00:00:$3:00:$6 type veth \
		peer name $5 netns $4 address 02:00:00:$6:00:$3
	$IP -n $1 link set $2 up
	$IP -n $4 link set $5 up
}
link E e-r 01 R r-e 02
for h in $HOSTS; do
	link R r-h$h 02 H$h h-r $h
done
setup_r() {
	ctl E attach e-r &&
	ctl E config node 1 &&
	ctl E neigh set 0 node 2 dev e-r mac 02:00:00:02:00:01 &&
	ctl R attach r-e r-h14 r-h15 r-h16 &&
	ctl R config node 2 stale-ms 3000 &&
	ctl R neigh set 0 node 1 dev r-e mac 02:00:00:01:00:02 &&
	ctl R route set 1 via 0 &&
	for h in $HOSTS; do
		ctl R neigh set $((h - 13)) node $h dev r-h$h \
			mac 02:00:00:$h:00:02 &&
		ctl R route set $h via $((h - 13)) || return 1
	done &&
	ctl R model load $D/route-default.hnm &&
	ctl R task set 4 host 14 &&
	ctl R task set 5 host 15 &&
	ctl R task set 6 host 16 &&
	$IP netns exec E /usr/sbin/tc qdisc add dev e-r root tbf \
		rate ${KBPS}kbit burst 4k latency 100ms
}
setup_h() { # ID MODEL NEXT-NODE (0: back to the origin)
	n=H$1
	$IP -n $n link add hnt0 type hypernet &&
	$IP -n $n link set hnt0 up &&
	ctl $n attach h-r &&
	ctl $n attach hnt0 --generic &&
	ctl $n config node $1 tensor-dev hnt0 stale-ms 0 &&
	ctl $n neigh set 0 node 2 dev h-r mac 02:00:00:02:00:$1 &&
	for r in 1 2 $HOSTS; do
		[ $r = $1 ] || ctl $n route set $r via 0 || return 1
	done &&
	$IP netns exec $n hnctl dev stage load hnt0 $2 >/dev/null &&
	if [ "$3" != 0 ]; then
		ctl $n task set $(($3 - 10)) host $3 &&
		$IP netns exec $n hnctl dev output hnt0 node $(($3 - 10)) \
			anycast >/dev/null
	fi
}
check bsplit-mesh-router setup_r
check bsplit-mesh-h14 setup_h 14 $CONV 15
check bsplit-mesh-h15 setup_h 15 $ENC 16
check bsplit-mesh-h16 setup_h 16 $HEAD 0
$IP netns exec E hn-edge beacon -i e-r --src 1 2>/dev/null &
B_E=$!
B_H=
for h in $HOSTS; do
	$IP netns exec H$h hn-edge beacon -i h-r --src $h 2>/dev/null &
	B_H="$B_H $!"
done
sleep 1
elapsed "mesh up"

# cpu_stat: the edge cgroup's nr_periods nr_throttled throttled_usec
# usage_usec
cpu_stat() {
	awk '{ v[$1] = $2 } END { print v["nr_periods"] + 0,
		v["nr_throttled"] + 0, v["throttled_usec"] + 0,
		v["usage_usec"] + 0 }' $CG/edge/cpu.stat
}
# run NAME ARGS: a stream of the slow edge, window 1 unless ARGS say, its
# JSON in $L/NAME.json, its lines in $L/NAME.lat, what the cgroup's
# cpu.stat counted meanwhile in $L/cpustat; the mean latency (ms) echoed.
# The runs timed for latency do not --verify: the check runs the host's
# stages again at the edge, in the edge's quarter CPU, so the cgroup is
# throttled when the next image starts (the edge's part of cut 1 waited
# for the next period).  Separate runs (chk0-2, acc) check the answers.
: >$L/rcs
: >$L/cpustat
run() {
	name=$1
	shift
	c0=$(cpu_stat)
	slow run --encoder $CONV --head $ENC --head $HEAD --images $IMG \
		--labels $LBL --window 1 --timeout-ms $TMO \
		--lat-log $L/$name.lat -j $L/$name.json "$@" \
		>$L/$name.out 2>&1
	echo "$name rc $?" >>$L/rcs
	echo "$name $c0 $(cpu_stat)" | awk '{ printf "%s %d %d %d %d\n", $1,
		$6 - $2, $7 - $3, $8 - $4, $9 - $5 }' >>$L/cpustat
	sed 's/^/    /' $L/$name.out >&2
	awk '{ s += $2 - $1 } END { if (NR) printf "%.4f", 1000 * s / NR }' \
		$L/$name.lat
}

# ---- the host's rates and the edge's, measured -------------------------------
run calib --cut 0 --count 50 --skip 9000 >/dev/null
: >$L/hosts.rows
for h in $HOSTS; do
	d=$(dev_stat H$h tensors_done)
	ns=$(dev_stat H$h compute_ns)
	[ "${d:-0}" -ge 50 ] && [ "${ns:-0}" -gt 0 ] &&
		ok "bsplit-host-rate-$h: $d tensors, $((ns / d)) ns each" ||
		ko "bsplit-host-rate-$h: ${d:-0} tensors (${ns:-?} ns)"
	echo "$h $((h - 10)) 0 $((${ns:-0} / (${d:-0} + (${d:-0} == 0)))) 0 0 0 127 2 2 2 $KBPS" \
		>>$L/hosts.rows
done
{
	echo "node stage self ns_per_item busy_pm queue load capacity cost lcost hops path_kbps"
	cat $L/hosts.rows
} >$L/hosts
sed 's/^/    hosts: /' $L/hosts
lat_local=$(run local --cut local --count $N --skip 1000)
edge_rate=$(jget $L/local.json edge_ns_per_mac)
AUTO="--cut auto --hosts $L/hosts --hop-us 100 --edge-ns-per-mac $edge_rate"

# ---- latency: each fixed cut, adaptive, adaptive private -------------------
lat_cut0=$(run cut0 --cut 0 --count $N --skip 1000)
lat_cut1=$(run cut1 --cut 1 --count $N --skip 1000)
lat_cut2=$(run cut2 --cut 2 --count $N --skip 1000)
lat_auto=$(run auto $AUTO --count $N --skip 1000)
lat_priv=$(run private $AUTO --private --count $N --skip 1000)
elapsed "latency runs"
# ---- the mesh's answers against the edge's, each cut (untimed) -------------
for c in 0 1 2; do
	run chk$c --cut $c --count $N --skip 1000 --verify >/dev/null
done

# ---- accuracy over the mesh: the adaptive cut, NACC images ----------------
run acc $AUTO --count $NACC --window 4 --verify >/dev/null
elapsed "accuracy run"

# ---- the host dies a third of the way through the adaptive stream ---------
kill_at=$((NDEATH / 3))
slow run --encoder $CONV --head $ENC --head $HEAD --images $IMG \
	--labels $LBL --window 1 --timeout-ms $TMO --retries 1 \
	--progress 5 \
	--lat-log $L/death.lat -j $L/death.json $AUTO --count $NDEATH \
	--skip 2000 >$L/death.out 2>&1 &
EDGE=$!
while kill -0 $EDGE 2>/dev/null; do
	d=$(sed -n 's/^progress: \([0-9]*\) images.*/\1/p' $L/death.out |
		tail -n 1)
	[ "${d:-0}" -ge "$kill_at" ] && break
	sleep 0.05
done
t_kill=$(uptime_s)
kill $B_H
for h in $HOSTS; do
	$IP netns del H$h
done
t_gone=$(uptime_s)
elapsed "host removed after ${d:-0} images"
wait $EDGE
echo "death rc $?" >>$L/rcs
grep -v '^progress' $L/death.out | sed 's/^/    /'
# recovered: the first run of 5 images sent after the kill whose mean
# latency is within 10 % of local-only; its first send is the time.
rec=$(awk -v tk="$t_kill" -v loc="$lat_local" '
	BEGIN { tk += 0; loc += 0; n = 0 }
	$1 + 0 >= tk { s[n] = $1; l[n] = 1000 * ($2 - $1); n++ }
	END {
		for (i = 0; i + 5 <= n; i++) {
			m = 0
			for (k = i; k < i + 5; k++) m += l[k]
			if (m / 5 <= 1.1 * loc) {
				printf "%.3f", s[i] - tk
				exit
			}
		}
		printf "-1"
	}' $L/death.lat)
elapsed "host death"
sed 's/^/    /' $L/rcs
echo "    cpu.stat deltas: run nr_periods nr_throttled throttled_usec usage_usec"
sed 's/^/    cpu.stat /' $L/cpustat

# ---- checks that do not depend on timing luck ----------------------------
# the module's answers are the edge's, whichever cut
for c in chk0 chk1 chk2 acc; do
	[ "$(jget $L/$c.json mismatches)" = 0 ] &&
		ok "bsplit-bitexact-$c: the mesh's answers are the edge's" ||
		ko "bsplit-bitexact-$c: $(jget $L/$c.json mismatches) differ"
done
# --verify's check of an answer (the host's stages run again here) comes
# after the answer is timed: each mesh line's done <= checked
v=$(awk '$3 == "mesh" && NF == 4 && $2 >= $1 && $4 >= $2 { k++ }
	$3 == "mesh" { n++ } END { print k + 0, n + 0 }' $L/chk0.lat)
[ "${v% *}" = "${v#* }" ] && [ "${v#* }" -gt 0 ] &&
	ok "bsplit-verify-untimed: $v answers timed before their check" ||
	ko "bsplit-verify-untimed: $v answers timed before their check"
a0=$(jget $L/cut0.json accuracy_fixed)
al=$(jget $L/local.json accuracy_fixed)
[ "$a0" = "$al" ] && [ "$(jget $L/cut0.json answered_mesh)" = "$N" ] &&
	ok "bsplit-cut0-chain: $N images through H14-H16, accuracy as here ($al)" ||
	ko "bsplit-cut0-chain: mesh $(jget $L/cut0.json answered_mesh) of $N, $a0 vs $al"
# a quarter of a CPU against the module's measured rates: before any
# round trip is observed the chooser sends the image away
first=$(head -n 1 $L/auto.lat | cut -d' ' -f3)
sent=$(jget $L/auto.json answered_mesh)
[ "$first" = mesh ] &&
	ok "bsplit-auto-sends: the first image to the host, $sent of $N in all" ||
	ko "bsplit-auto-sends: the first image ${first:-?}, $sent of $N in all"
priv0=$(sed -n 's/.*"cuts":{"0":\([0-9]*\).*/\1/p' $L/private.json)
[ "$priv0" = 0 ] && [ "$(jget $L/private.json answered_mesh)" -gt 0 ] &&
	ok "bsplit-private-no-raw: cut 0 never, the mesh answered $(jget $L/private.json answered_mesh)" ||
	ko "bsplit-private-no-raw: cut 0 ${priv0:-?} times"
lost=$(jget $L/death.json images_lost)
[ "$lost" = 0 ] && [ "$(wc -l <$L/death.lat)" = "$NDEATH" ] &&
	ok "bsplit-death-no-image-lost: $NDEATH images, lost $lost" ||
	ko "bsplit-death-no-image-lost: lost ${lost:-?}"
# (a namespace's teardown is asynchronous: a second's margin)
late=$(awk -v tg="$t_gone" '$1 + 0 >= tg + 1 && $3 == "mesh"' \
	$L/death.lat | wc -l)
here=$(awk -v tk="$t_kill" '$1 + 0 >= tk + 0 && $3 != "mesh"' $L/death.lat |
	wc -l)
echo "    host removed at $t_kill s; the log from $(head -n 1 $L/death.lat)" \
	"to $(tail -n 1 $L/death.lat)"
[ "$late" = 0 ] && [ "$here" -gt 0 ] &&
	ok "bsplit-death-runs-here: $here images here after the host died" ||
	ko "bsplit-death-runs-here: $late answered by the dead host, $here here"
# after the kill the dead host costs a timeout (a fallback) only for the
# image in flight then, the chooser's probes (one at a time) and an image
# after each revival (an answer while the namespaces were going)
probes=$(jget $L/death.json probes)
rev=$(jget $L/death.json revivals)
fb=$(awk -v tk="$t_kill" '$1 + 0 >= tk + 0 && $3 == "fallback"' \
	$L/death.lat | wc -l)
awk -v tk="$t_kill" '$2 + 0 >= tk + 0 { printf "    after the kill: sent %+.3f s, done %+.3f s, %s\n", $1 - tk, $2 - tk, $3 }' \
	$L/death.lat | head -n 8
[ -n "$probes" ] && [ "$fb" -le $((1 + probes + ${rev:-0})) ] &&
	[ "$(jget $L/death.json suspicions)" -ge 1 ] &&
	ok "bsplit-death-suspected: $fb timeouts after the kill, $probes probes, $rev revivals" ||
	ko "bsplit-death-suspected: $fb timeouts after the kill, ${probes:-?} probes, ${rev:-?} revivals"

echo "HN-JSON-BSPLIT"
printf '{"images":%s,"edge_kbps":%s,"edge_ns_per_mac":%s,' \
	"$N" "$KBPS" "$edge_rate"
printf '"hosts":"%s",' "$(tr '\n' ';' <$L/hosts.rows)"
printf '"lat_ms_local":%s,"lat_ms_cut":[%s,%s,%s],' \
	"$lat_local" "$lat_cut0" "$lat_cut1" "$lat_cut2"
printf '"lat_ms_auto":%s,"lat_ms_private":%s,' "$lat_auto" "$lat_priv"
printf '"recovery_s":%s,"kill_after_images":%s,' "$rec" "${d:-0}"
printf '"cpu_stat":"%s",' "$(tr '\n' ';' <$L/cpustat)"
printf '"death_teardown_s":%s,"death_timeouts":%s' \
	"$(awk -v a="$t_kill" -v b="$t_gone" 'BEGIN { printf "%.3f", b - a }')" \
	"$fb"
for c in local cut0 cut1 cut2 auto private chk0 chk1 chk2 acc death; do
	printf ',"%s":' $c
	cat $L/$c.json
done
echo "}"
echo "HN-JSON-END"

kill $B_E 2>/dev/null
wait 2>/dev/null
for n in E R; do
	$IP netns del $n
done
for n in E R H14 H15 H16; do
	umount /run/bpf/$n
done
elapsed "end"
