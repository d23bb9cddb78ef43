#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The adaptive cut measured, inside the QEMU guest (tests/qemu/
# test_bsplit.sh, bench_split.sh), on the CNN's three stages (4 conv,
# 5 encoder, 6 head; Documentation/split-inference.rst).  Argument
# N:NACC:KBPS:NDEATH:BLK:SLOW: images per latency run, images of the
# accuracy run, the edge's uplink in kbit/s, images of the run during
# which the host dies, images per block of the interleaved latency runs
# (10), the uplink of the slow-link scenario in kbit/s (100).
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
# cut of a private stream (none with --verify), interleaved: N images in
# blocks of BLK, each block run by every mode in turn on the same images,
# the modes' order rotated from block to block, so that a change of the
# machine's load falls on every mode alike; the same again with the
# uplink a slow link (netem at SLOW kbit/s); each fixed cut again with
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
IFS=: read -r N NACC KBPS NDEATH BLK SLOW <<EOF
${1:-40:200:10000:120}
EOF
BLK=${BLK:-10}
SLOW=${SLOW:-100}
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

guest_mods veth sch_ingress cls_bpf sch_tbf sch_netem
modprobe hypernet
mkdir -p $L /run/bpf
# the images and labels decompressed once: each run of hn-edge reads them,
# and inflating 7.8 MB was most of a run's start in the edge's quarter CPU
gunzip -c $IMG >$L/images && gunzip -c $LBL >$L/labels &&
	IMG=$L/images LBL=$L/labels

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
	rc=$?
	echo "$name rc $rc" >>$L/rcs
	echo "$name $c0 $(cpu_stat)" | awk '{ printf "%s %d %d %d %d\n", $1,
		$6 - $2, $7 - $3, $8 - $4, $9 - $5 }' >>$L/cpustat
	# the blocks' reports (many) only when one failed
	case "$rc $name" in
	"0 "*.[0-9]*) ;;
	*) sed 's/^/    /' $L/$name.out >&2 ;;
	esac
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
# the edge's rate, for the chooser: everything here, 20 images
run rate --cut local --count 20 --skip 9100 >/dev/null
edge_rate=$(jget $L/rate.json edge_ns_per_mac)
AUTO="--cut auto --hosts $L/hosts --hop-us 100 --edge-ns-per-mac $edge_rate"

# ---- latency: everything here, each fixed cut, adaptive, private -----------
MODES="local cut0 cut1 cut2 auto private"
# lat_blocks PREFIX HOSTS [ARGS]: the latency runs of a scenario,
# interleaved: N images from image 1000 on, in blocks of BLK; each block
# run by every mode (a process each, PREFIXMODE.BLOCK), the order of the
# modes rotated by one from block to block; each mode's lines also in
# PREFIXMODE.lat; ARGS to every run.  The cgroup is the same for all.  Each process first runs one image untimed, the
# one before its block (its line dropped from PREFIXMODE.lat): a
# process's first image measured 20-50 ms more than the rest in the mesh
# modes, 80 in the adaptive ones (TCG translating the code paths again,
# the chooser's cold start), 0-10 here.
lat_blocks() {
	pre=$1
	auto="--cut auto --hosts $2 --hop-us 100 --edge-ns-per-mac $edge_rate"
	xa=${3:-}
	b=0
	while [ $((b * BLK)) -lt "$N" ]; do
		cnt=$((N - b * BLK))
		[ $cnt -le "$BLK" ] || cnt=$BLK
		set -- $MODES
		k=$((b % $#))
		while [ $k -gt 0 ]; do
			m=$1
			shift
			set -- "$@" "$m"
			k=$((k - 1))
		done
		for m in "$@"; do
			case $m in
			local) a="--cut local" ;;
			auto) a=$auto ;;
			private) a="$auto --private" ;;
			*) a="--cut ${m#cut}" ;;
			esac
			run $pre$m.$b $a $xa --count $((cnt + 1)) \
				--skip $((999 + b * BLK)) >/dev/null
			sed 1d $L/$pre$m.$b.lat >>$L/$pre$m.lat
		done
		b=$((b + 1))
	done
}
# lat_mean NAME: the mean latency (ms) of NAME.lat's lines
lat_mean() {
	awk '{ s += $2 - $1 } END { if (NR) printf "%.4f", 1000 * s / NR }' \
		$L/$1.lat
}
lat_blocks "" $L/hosts
lat_local=$(lat_mean local)
elapsed "latency runs"

# ---- the same on a slow link -----------------------------------------------
# netem, not tbf: a rate that delays each frame by its length (a link's
# serialisation); tbf's bucket, full again between the modes' turns,
# would let a raw image through at the speed of veth.
sed "s/ [0-9][0-9]*\$/ $SLOW/" $L/hosts >$L/hosts-slow
$IP netns exec E /usr/sbin/tc qdisc replace dev e-r root netem \
	rate ${SLOW}kbit
# (3.3 KB of cut 1 take 264 ms at 100 kbit/s: a timeout at 400 ms would
# send it again into the queue of the next mode's images)
lat_blocks slow- $L/hosts-slow "--timeout-ms $((TMO + 2 * 8 * 3400 / SLOW))"
slow_sent=$($IP netns exec E /usr/sbin/tc -s qdisc show dev e-r |
	sed -n 's/^ *Sent \([0-9]*\) bytes.*/\1/p' | head -n 1)
$IP netns exec E /usr/sbin/tc qdisc replace dev e-r root tbf \
	rate ${KBPS}kbit burst 4k latency 100ms
elapsed "slow link runs"
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
awk '$3 != 0 || $1 !~ /\.[0-9]+$/' $L/rcs | sed 's/^/    /'
echo "    $(wc -l <$L/rcs) runs, $(awk '$3 != 0' $L/rcs | wc -l) exited non-zero"
# cpu.stat per mode, its blocks summed
awk '{ sub(/\.[0-9]+$/, "", $1); if (!($1 in p)) o[n++] = $1
	p[$1] += $2; t[$1] += $3; u[$1] += $4; g[$1] += $5 }
	END { for (i = 0; i < n; i++) { k = o[i]
		printf "%s %d %d %d %d\n", k, p[k], t[k], u[k], g[k] } }' \
	$L/cpustat >$L/cpustat.sum
echo "    cpu.stat deltas: run nr_periods nr_throttled throttled_usec usage_usec"
sed 's/^/    cpu.stat /' $L/cpustat.sum

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
# jsum NAME KEY: KEY of NAME's blocks' JSON, summed
jsum() {
	cat $L/$1.[0-9]*.json | sed -n "s/.*\"$2\":\([-0-9.e]*\).*/\1/p" |
		awk '{ s += $1 } END { print s + 0 }'
}
# cutsum NAME CUT: the images NAME's blocks sent at CUT, summed
cutsum() {
	cat $L/$1.[0-9]*.json |
		sed -n "s/.*\"cuts\":{[^}]*\"$2\":\([0-9]*\).*/\1/p" |
		awk '{ s += $1 } END { print s + 0 }'
}
a0=$(jsum cut0 correct)
al=$(jsum local correct)
# with each block's untimed first image
NB=$(((N + BLK - 1) / BLK))
NW=$((N + NB))
[ "$a0" = "$al" ] && [ "$(jsum cut0 answered_mesh)" = "$NW" ] &&
	ok "bsplit-cut0-chain: $NW images through H14-H16, $al right as here" ||
	ko "bsplit-cut0-chain: mesh $(jsum cut0 answered_mesh) of $NW, $a0 vs $al right"
# every mode of a scenario ran the same images: N timed lines, N + NB
# images, and (the mesh's answers being the edge's) as many right
for pre in "" slow-; do
	v=$(for m in $MODES; do
		echo "$(wc -l <$L/$pre$m.lat) $(jsum $pre$m images) $(jsum $pre$m correct)"
	done | sort -u)
	[ "$v" = "$N $NW $al" ] &&
		ok "bsplit-interleaved-${pre:-fast-}same: $MODES: $N images timed, $al right each" ||
		ko "bsplit-interleaved-${pre:-fast-}same: lines images right: $(echo $v)"
done
# a quarter of a CPU against the module's measured rates: before any
# round trip is observed the chooser sends the image away
first=$(head -n 1 $L/auto.0.lat | cut -d' ' -f3)
sent=$(jsum auto answered_mesh)
[ "$first" = mesh ] &&
	ok "bsplit-auto-sends: the first image to the host, $sent of $N in all" ||
	ko "bsplit-auto-sends: the first image ${first:-?}, $sent of $N in all"
for pre in "" slow-; do
	priv0=$(cutsum ${pre}private 0)
	pm=$(jsum ${pre}private answered_mesh)
	pl=$(jsum ${pre}private answered_edge)
	[ "$priv0" = 0 ] && [ $((pm + pl)) = "$NW" ] &&
		ok "bsplit-private-no-raw${pre:+-slow}: cut 0 never, the mesh answered $pm, here $pl" ||
		ko "bsplit-private-no-raw${pre:+-slow}: cut 0 $priv0 times, $pm + $pl of $NW"
done
# the slow runs went through the slow link: the raw cut's N images at least
[ "${slow_sent:-0}" -ge $((N * 784)) ] &&
	ok "bsplit-slow-link: netem at $SLOW kbit/s passed $slow_sent bytes" ||
	ko "bsplit-slow-link: netem passed ${slow_sent:-?} bytes, < $N x 784"
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
printf '"block":%s,"modes":"%s","slow_kbps":%s,"slow_sent_bytes":%s,' \
	"$BLK" "$MODES" "$SLOW" "${slow_sent:-0}"
printf '"recovery_s":%s,"kill_after_images":%s,' "$rec" "${d:-0}"
printf '"cpu_stat":"%s",' "$(tr '\n' ';' <$L/cpustat.sum)"
printf '"death_teardown_s":%s,"death_timeouts":%s' \
	"$(awk -v a="$t_kill" -v b="$t_gone" 'BEGIN { printf "%.3f", b - a }')" \
	"$fb"
for c in rate chk0 chk1 chk2 acc death; do
	printf ',"%s":' $c
	cat $L/$c.json
done
# the interleaved modes: each one's latencies (ms, in order), its blocks'
# JSON (a line each)
for pre in "" slow-; do
	printf ',"%s":{\n' "${pre:-fast-}modes"
	sep=
	for m in $MODES; do
		printf '%s"%s":{"lat_ms":[' "$sep" $m
		awk '{ printf "%s%.4f", (NR > 1 ? "," : ""), 1000 * ($2 - $1) }' \
			$L/$pre$m.lat
		printf '],"blocks":[\n'
		b=0
		while [ -f $L/$pre$m.$b.json ]; do
			[ $b = 0 ] || printf ','
			cat $L/$pre$m.$b.json
			b=$((b + 1))
		done
		printf ']}\n'
		sep=,
	done
	printf '}'
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
