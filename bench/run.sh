#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The HyperNet data-plane benchmark (`make bench`, as root).  Builds
#
#   [gen ns] g0 <==veth==> r0 [rtr ns] r1 <==veth==> s0 [sink ns]
#
# and measures, in one run:
#   1. BPF_PROG_TEST_RUN: plain forward, HyperNet to one destination (a
#      cache hit before table routes skipped the cache: the *cache* keys),
#      HyperNet deciding every frame with 4 and 8 candidates, verifier
#      insns;
#   2. live: frames made by a BPF_F_TEST_XDP_LIVE_FRAMES generator on g0,
#      forwarded by the router namespace, counted by an XDP sink on s0,
#      with (a) the plain forward, (b) HyperNet to one destination, (c)
#      HyperNet deciding every frame with 8 candidates (1024
#      destinations), (d) Linux IPv4 forwarding.  Where the kernel
#      refuses live-frames test runs: (a)-(c) with frames from an
#      AF_PACKET socket, each router's cost from the kernel's statistics
#      of its program (stats_run), (d) skipped.
# Results: $O/bench/dataplane.json and a table on stdout.  Every address
# used lives in the namespaces this script makes and removes.
#
# Environment: WINDOW (s, default 2), WARMUP (s, 1), LIVE_REPEATS (10),
# TR_TOTAL (1000000), TR_RUNS (3), DSTS (1024), LIVE_MODE (1cpu, 2cpu,
# softirq, both = 1cpu and 2cpu, all; default 1cpu), NICE (-10: priority
# of the measured work), LIVE_METHOD (auto, frames, prog_stats; auto:
# frames where the kernel runs live-frames test runs, else prog_stats).
#
# Live modes.  1cpu (the live_* keys): everything on the generator's CPU.
# With live frames, no threaded NAPI: the router's and the sink's veth
# NAPI run in softirq right after each batch, and the rate is that of the
# whole pipeline on one core.  With prog_stats, their NAPI runs in
# kthreads on that CPU, so that the router takes the AF_PACKET frames in
# batches (see stats_run).  2cpu (the live2cpu_* keys): generator on CPU
# 0, the router's and the sink's NAPI in kthreads pinned to CPU 1.
# softirq (live_softirq_*): no threaded NAPI, whatever the method.
set -u
cd "$(dirname "$0")/.." || exit 1
O=${O:-build}
BENCH=$O/bench/hn-bench
OUT=$O/bench
JSON=$OUT/dataplane.json
WINDOW=${WINDOW:-2}
WARMUP=${WARMUP:-1}
LIVE_REPEATS=${LIVE_REPEATS:-10}
TR_TOTAL=${TR_TOTAL:-1000000}
TR_RUNS=${TR_RUNS:-3}
DSTS=${DSTS:-1024}
LIVE_MODE=${LIVE_MODE:-1cpu}
NICE=${NICE:--10}
LIVE_METHOD=${LIVE_METHOD:-auto}

ID=$(( $$ % 10000 ))
TAG=hnb$ID
NS_GEN=$TAG-gen NS_RTR=$TAG-rtr NS_SINK=$TAG-sink
G0=hb${ID}g0 R0=hb${ID}r0 R1=hb${ID}r1 S0=hb${ID}s0
MAC_G0=02:48:4e:42:00:01 MAC_R0=02:48:4e:42:00:02
MAC_R1=02:48:4e:42:00:03 MAC_S0=02:48:4e:42:00:04
# RFC 2544 benchmarking range, only ever inside these namespaces.
IP_G0=198.18.0.1 IP_R0=198.18.0.2 IP_R1=198.19.0.1 IP_S0=198.19.0.2
GEN_CPU=0 RTR_CPU=1
WORK=
RESULTS=
GEN_PID=

die() { echo "bench: $*" >&2; exit 1; }
log() { echo "bench: $*" >&2; }

cleanup()
{
	[ -n "$GEN_PID" ] && kill "$GEN_PID" 2>/dev/null && wait "$GEN_PID"
	ip netns del "$NS_GEN" 2>/dev/null
	ip netns del "$NS_RTR" 2>/dev/null
	ip netns del "$NS_SINK" 2>/dev/null
	[ -n "$WORK" ] && rm -rf "$WORK"
}

[ "$(id -u)" -eq 0 ] || die "needs root (namespaces, XDP, BPF_PROG_TEST_RUN)"
[ -x "$BENCH" ] || die "no $BENCH: run 'make bench'"
trap cleanup EXIT
trap 'exit 130' INT TERM
WORK=$(mktemp -d /tmp/hn-bench.XXXXXX) || die "no work directory"
RESULTS=$WORK/results
: >"$RESULTS"

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
. bench/lib.sh

setup()
{
	ip netns add "$NS_GEN" && ip netns add "$NS_RTR" &&
		ip netns add "$NS_SINK" || die "cannot create namespaces"
	ip -n "$NS_GEN" link add "$G0" address $MAC_G0 type veth \
		peer name "$R0" address $MAC_R0 netns "$NS_RTR" &&
	ip -n "$NS_RTR" link add "$R1" address $MAC_R1 type veth \
		peer name "$S0" address $MAC_S0 netns "$NS_SINK" ||
		die "cannot create the veth pairs"
	# down veths that hold the measured programs in the XDP dispatcher
	ip -n "$NS_GEN" link add hb${ID}gp type veth peer name hb${ID}gq ||
		die "cannot create the parking veths"
	for i in 0 1 2 3 4; do
		ip -n "$NS_RTR" link add hb${ID}p$i type veth peer name hb${ID}q$i ||
			die "cannot create the parking veths"
	done
	ip -n "$NS_GEN" addr add $IP_G0/24 dev "$G0"
	ip -n "$NS_RTR" addr add $IP_R0/24 dev "$R0"
	ip -n "$NS_RTR" addr add $IP_R1/24 dev "$R1"
	ip -n "$NS_SINK" addr add $IP_S0/24 dev "$S0"
	for ns in "$NS_GEN" "$NS_RTR" "$NS_SINK"; do
		ip -n "$ns" link set lo up
	done
	ip -n "$NS_GEN" link set "$G0" up
	ip -n "$NS_RTR" link set "$R0" up
	ip -n "$NS_RTR" link set "$R1" up
	ip -n "$NS_SINK" link set "$S0" up
	in_ns "$NS_RTR" sysctl -qw net.ipv4.ip_forward=0
	in_ns "$NS_RTR" sysctl -qw net.ipv4.conf.all.rp_filter=0
	in_ns "$NS_RTR" sysctl -qw net.ipv4.conf.$R0.rp_filter=0
	# The sink drops everything, ARP included: resolve it statically.
	ip -n "$NS_RTR" neigh replace $IP_S0 lladdr $MAC_S0 dev "$R1" nud permanent
	in_ns "$NS_SINK" "$BENCH" attach sink --dev "$S0" ||
		die "cannot attach the sink"
}

# Threaded NAPI for the router's and the sink's veth: their work runs in
# kthreads that we can pin.  NAPI instances come and go with XDP programs,
# so pin again after every router change.  2cpu: kthreads on RTR_CPU, at
# the measured work's priority; kthread (the stats method's 1cpu): on the
# generator's CPU at their own, so that the generator fills the veth's
# ring and the router takes frames in batches; else no kthreads.
napi_threads()
{
	local mode=$1 dev pid cpu=$RTR_CPU on=1
	case $mode in
	2cpu) ;;
	kthread) cpu=$GEN_CPU ;;
	*) on=0 ;;
	esac
	in_ns "$NS_RTR" sh -c "echo $on > /sys/class/net/$R0/threaded" \
		2>/dev/null
	in_ns "$NS_SINK" sh -c "echo $on > /sys/class/net/$S0/threaded" \
		2>/dev/null
	[ $on = 1 ] || return 0
	sleep 0.2
	for dev in "$R0" "$S0"; do
		for pid in $(ps -eo pid=,comm= | awk -v p="napi/$dev-" \
				'index($2, p) == 1 { print $1 }'); do
			taskset -p -c $cpu "$pid" >/dev/null ||
				log "cannot pin NAPI thread $pid"
			[ "$mode" = 2cpu ] && renice -n "$NICE" -p "$pid" >/dev/null
		done
	done
}

router_none()
{
	in_ns "$NS_RTR" "$BENCH" detach "$R0" 2>/dev/null
	in_ns "$NS_RTR" sysctl -qw net.ipv4.ip_forward=0
	in_ns "$NS_RTR" ethtool -K "$R0" gro off >/dev/null 2>&1
}

router_plain()
{
	router_none
	in_ns "$NS_RTR" "$BENCH" attach plain --dev "$R0" --out "$R1" \
		--smac $MAC_R1 --dmac $MAC_S0
}

router_hn()
{
	router_none
	in_ns "$NS_RTR" "$BENCH" attach hypernet --dev "$R0" --out "$R1" \
		--smac $MAC_R1 --dmac $MAC_S0 --node 1 --nexthop 2 --dst 100 \
		--dsts "$DSTS" --cands 8
}

router_kernel()
{
	router_none
	# veth takes XDP frames only with NAPI, i.e. XDP or GRO on: GRO here.
	in_ns "$NS_RTR" ethtool -K "$R0" gro on >/dev/null
	in_ns "$NS_RTR" sysctl -qw net.ipv4.ip_forward=1
}

# live_run KEY MODE ROUTER-FN GEN-ARGS...: one window of one case; the
# sink's Mpps goes to $WORK/vals.KEY, the router's hit ratio to hit.KEY.
live_run()
{
	local key=$1 mode=$2 router=$3 out v secs=$((WARMUP + WINDOW + 1))
	local hn0 hn1
	shift 3
	if ! $router; then
		log "$key: router setup failed"
		return
	fi
	napi_threads "$mode"
	hn0=$(in_ns "$NS_RTR" "$BENCH" hnstats "$R0" 2>/dev/null)
	nice -n "$NICE" ip netns exec "$NS_GEN" \
		"$BENCH" gen --dev "$G0" --smac $MAC_G0 \
		--dmac $MAC_R0 --seconds $secs --cpu $GEN_CPU \
		--park hb${ID}gp "$@" \
		>"$WORK/gen.out" 2>&1 &
	GEN_PID=$!
	sleep "$WARMUP"
	out=$(in_ns "$NS_SINK" "$BENCH" rate "$S0" "$WINDOW")
	wait "$GEN_PID"
	GEN_PID=
	hn1=$(in_ns "$NS_RTR" "$BENCH" hnstats "$R0" 2>/dev/null)
	v=$(awk '$1 == "sink_mpps" { print $2 }' <<<"$out")
	echo "${v:-0}" >>"$WORK/vals.$key"
	log "$key: sink $(awk '$1 ~ /mpps/ { printf "%s %s  ", $1, $2 }' \
		<<<"$out")gen $(awk '$1 == "gen_mpps" { print $2 }' \
		"$WORK/gen.out") Mpps"
	hn_window "$key" "$hn0" "$hn1"
}

# hn_window KEY BEFORE AFTER: the HyperNet router's counters over a window
# (`hn-bench hnstats` before and after) logged, its hit ratio to hit.KEY.
hn_window()
{
	local key=$1 hn0=$2 hn1=$3

	[ -n "$hn1" ] || return 0
	# what the HyperNet router did in this window: forwarded, hit, drops
	paste <(echo "$hn0") <(echo "$hn1") | awk -v k="$key" '
		{ d[$1] = $4 - $2 }
		END {
			n = d["cache_hit"] + d["decisions"];
			printf "bench: %s   rx %d fwd %d hit %d decide %d " \
				"ttl_expired %d no_route %d\n",
				k, d["rx"], d["fwd_redirect"], d["cache_hit"],
				d["decisions"], d["ttl_expired"],
				d["drop_no_route"] > "/dev/stderr";
			if (n) printf "%.4f\n", d["cache_hit"] / n;
		}' >>"$WORK/hit.$key"
}

# The live cases, (a) to (d) of the report.
LIVE_CASES="plain cache decide_k8 kernel_ipv4"

# live_case PFX MODE CASE: one window of one case.
live_case()
{
	local pfx=$1 mode=$2
	case $3 in
	plain) live_run ${pfx}_plain_mpps "$mode" router_plain --ttl 255 ;;
	cache) live_run ${pfx}_cache_mpps "$mode" router_hn --ttl 255 \
		--dst 100 ;;
	decide_k8) live_run ${pfx}_decide_k8_mpps "$mode" router_hn \
		--ttl 255 --dst 100 --vary-dst "$DSTS" ;;
	kernel_ipv4) live_run ${pfx}_kernel_ipv4_mpps "$mode" router_kernel \
		--ipv4 --ip-src $IP_G0 --ip-dst $IP_S0 --ttl 64 ;;
	esac
}

# The cases take turns, window after window, so that a busy spell of the
# (shared) machine does not land on one case only, in an order reversed
# every other round, so that none always follows the same one.
live_mode()
{
	local mode=$1 pfx i k c order
	case $mode in
	1cpu) pfx=live ;;
	2cpu) pfx=live2cpu ;;
	*) pfx=live_$mode ;;
	esac
	log "live, $mode: ${LIVE_REPEATS} rounds of ${WINDOW} s windows"
	for i in $(seq "$LIVE_REPEATS"); do
		order=$LIVE_CASES
		[ $((i % 2)) = 0 ] && order=$(printf '%s\n' $LIVE_CASES | tac)
		for c in $order; do
			live_case "$pfx" "$mode" "$c"
		done
	done
	router_none
	for k in $LIVE_CASES; do
		k=${pfx}_${k}_mpps
		if [ -s "$WORK/vals.$k" ]; then
			put "$k" "$(median <"$WORK/vals.$k")"
			put "${k}_runs" "\"$(tr '\n' ' ' <"$WORK/vals.$k" | sed 's/ $//')\""
		else
			put "$k" null
		fi
		[ -s "$WORK/hit.$k" ] &&
			put "${k}_hit_ratio" "$(median <"$WORK/hit.$k")"
		log "$k: median $(median <"$WORK/vals.$k" 2>/dev/null) Mpps"
	done
}

# Kernels that refuse live-frames test runs (BPF_F_TEST_XDP_LIVE_FRAMES)
# get the stats method: real frames from an AF_PACKET socket on g0, and
# the per-frame cost of the router's XDP program from the kernel's own
# program statistics (run_time_ns / run_cnt over the window), which
# `hn-bench pktgen --prog-stats` turns on for as long as it runs.  They
# time the program only: the redirect's transmit, the same for every
# router, and the generator's rate are not in them.
STATS_CASES="plain cache decide_k8"

# stats_run KEY MODE ROUTER-FN GEN-ARGS...: one window of one case; the
# program's ns per run goes to $WORK/ns.KEY, the sink's Mpps to vals.KEY,
# the frames it ran on to cnt.KEY ("null" for a failed window, so that
# round i of every case stays on line i).
stats_run()
{
	local key=$1 mode=$2 router=$3 secs=$((WARMUP + WINDOW + 1))
	local p0 p1 hn0 hn1 out v
	shift 3
	if ! $router; then
		log "$key: router setup failed"
		printf 'null\n' | tee -a "$WORK/ns.$key" "$WORK/cnt.$key" \
			>>"$WORK/vals.$key"
		return
	fi
	# AF_PACKET hands the veth one frame a syscall: with NAPI in softirq
	# the router would run one frame a poll, caches cold from the send
	# path; a kthread on the same CPU takes them in batches instead
	[ "$mode" = 1cpu ] && mode=kthread
	napi_threads "$mode"
	nice -n "$NICE" ip netns exec "$NS_GEN" \
		"$BENCH" pktgen --dev "$G0" --smac $MAC_G0 --dmac $MAC_R0 \
		--seconds $secs --cpu $GEN_CPU --prog-stats "$@" \
		>"$WORK/gen.out" 2>&1 &
	GEN_PID=$!
	sleep "$WARMUP"
	hn0=$(in_ns "$NS_RTR" "$BENCH" hnstats "$R0" 2>/dev/null)
	p0=$(in_ns "$NS_RTR" "$BENCH" progstats "$R0")
	out=$(in_ns "$NS_SINK" "$BENCH" rate "$S0" "$WINDOW")
	p1=$(in_ns "$NS_RTR" "$BENCH" progstats "$R0")
	hn1=$(in_ns "$NS_RTR" "$BENCH" hnstats "$R0" 2>/dev/null)
	wait "$GEN_PID"
	GEN_PID=
	# the same program before and after, and frames it ran on
	v=$(paste <(echo "$p0") <(echo "$p1") | awk '
		{ a[$1] = $2; b[$1] = $4 }
		END {
			n = b["run_cnt"] - a["run_cnt"];
			if (a["prog_id"] != b["prog_id"] || n <= 0)
				print "null null";
			else
				printf "%.3f %d\n",
					(b["run_time_ns"] - a["run_time_ns"]) / n, n;
		}')
	echo "${v% *}" >>"$WORK/ns.$key"
	echo "${v#* }" >>"$WORK/cnt.$key"
	v=$(awk '$1 == "sink_mpps" { print $2 }' <<<"$out")
	echo "${v:-null}" >>"$WORK/vals.$key"
	log "$key: program $(tail -n1 "$WORK/ns.$key") ns a run over" \
		"$(tail -n1 "$WORK/cnt.$key") runs; sink ${v:-?} Mpps, gen" \
		"$(awk '$1 == "gen_mpps" { print $2 }' "$WORK/gen.out") Mpps"
	hn_window "$key" "$hn0" "$hn1"
}

# stats_case PFX MODE CASE: one window of one case, frames as live_case's.
stats_case()
{
	local pfx=$1 mode=$2
	case $3 in
	plain) stats_run ${pfx}_plain "$mode" router_plain --ttl 255 ;;
	cache) stats_run ${pfx}_cache "$mode" router_hn --ttl 255 --dst 100 ;;
	decide_k8) stats_run ${pfx}_decide_k8 "$mode" router_hn --ttl 255 \
		--dst 100 --vary-dst "$DSTS" ;;
	esac
}

# The stats method's rounds, ordered as live_mode's.  Per case: the
# per-round program ns (*_prog_ns_runs, paired by round in report.py),
# the sink's Mpps (*_sink_mpps: the generator's pace, not the router's).
stats_mode()
{
	local mode=$1 pfx i k c order
	case $mode in
	1cpu) pfx=live ;;
	2cpu) pfx=live2cpu ;;
	*) pfx=live_$mode ;;
	esac
	log "live ($LIVE_METHOD), $mode: ${LIVE_REPEATS} rounds of ${WINDOW} s windows"
	for i in $(seq "$LIVE_REPEATS"); do
		order=$STATS_CASES
		[ $((i % 2)) = 0 ] && order=$(printf '%s\n' $STATS_CASES | tac)
		for c in $order; do
			stats_case "$pfx" "$mode" "$c"
		done
	done
	router_none
	for c in $STATS_CASES; do
		k=${pfx}_$c
		[ -s "$WORK/ns.$k" ] || continue
		put "${k}_prog_ns_runs" "\"$(paste -sd' ' "$WORK/ns.$k")\""
		put "${k}_prog_runs" "\"$(paste -sd' ' "$WORK/cnt.$k")\""
		put "${k}_sink_mpps" "$(grep -v null "$WORK/vals.$k" | median)"
		[ -s "$WORK/hit.$k" ] &&
			put "${k}_hit_ratio" "$(median <"$WORK/hit.$k")"
	done
	put "${pfx}_kernel_ipv4_skipped" \
		"\"no XDP program to time (the stats method times programs)\""
}

# live_method MODE: the live measurement this kernel allows.
live_method()
{
	local why

	if [ "$LIVE_METHOD" = auto ]; then
		if why=$(in_ns "$NS_GEN" "$BENCH" livecheck "$G0"); then
			LIVE_METHOD=frames
		else
			log "SKIPPED live frames: $why"
			put live_frames_skipped "\"$why\""
			LIVE_METHOD=prog_stats
		fi
	fi
	put live_method "$LIVE_METHOD"
	case $LIVE_METHOD in
	frames) live_mode "$1" ;;
	prog_stats) stats_mode "$1" ;;
	*) die "LIVE_METHOD is auto, frames or prog_stats" ;;
	esac
}

START=$(date -u +%Y-%m-%dT%H:%M:%SZ)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
setup
log "BPF_PROG_TEST_RUN: $TR_TOTAL runs per case, median of $TR_RUNS"
if nice -n "$NICE" ip netns exec "$NS_RTR" "$BENCH" progrun \
	--dev "$R0" --out "$R1" \
	--smac $MAC_R1 --dmac $MAC_S0 --total "$TR_TOTAL" --runs "$TR_RUNS" \
	--dsts "$DSTS" --cpu $RTR_CPU --park hb${ID}p0,hb${ID}p1,hb${ID}p2,hb${ID}p3,hb${ID}p4 \
	>"$WORK/progrun" 2>"$WORK/progrun.err"
then
	cat "$WORK/progrun.err" >&2
	cat "$WORK/progrun" >>"$RESULTS"
else
	cat "$WORK/progrun.err" >&2
	log "BPF_PROG_TEST_RUN measurement failed"
	cat "$WORK/progrun" >>"$RESULTS"
	put tr_failed 1
fi

case $LIVE_MODE in
both) live_method 1cpu; live_method 2cpu ;;
all) live_method 1cpu; live_method 2cpu; live_method softirq ;;
2cpu|1cpu|softirq) live_method "$LIVE_MODE" ;;
*) die "LIVE_MODE is 2cpu, 1cpu, softirq, both or all" ;;
esac

mkdir -p "$OUT"
CPU_MODEL=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
DIRTY=$(git status --porcelain -- bpf include 2>/dev/null)
python3 bench/report.py "$RESULTS" "$JSON" \
	"date=$START" "end=$(date -u +%Y-%m-%dT%H:%M:%SZ)" "kernel=$(uname -r)" \
	"cpus=$(nproc)" "cpu_model=$CPU_MODEL" \
	"load_before=$LOAD0" "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" \
	"window_s=$WINDOW" "live_repeats=$LIVE_REPEATS" "live_mode=$LIVE_MODE" \
	"live_method=$LIVE_METHOD" \
	"hypernet_bpf_sha256=$(sha256sum bpf/hypernet.bpf.c | cut -c1-12)" \
	"git=$(git rev-parse --short HEAD 2>/dev/null)${DIRTY:+-dirty}"
