#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The hypernetd benchmark (`make bench-agent`, as root): real agents on
# grids of network namespaces (tests/netns/lib.sh, mesh.sh), every node a
# namespace, every link a veth pair.  Node nK has id K; port "pJ" of nK
# faces nJ.  Grids are row-major, each node linked right and down:
#
#   2x3 (6):   n1 - n2 - n3       4x4 (16) and 4x8 (32) alike, n1 in a
#              |    |    |        corner.  The 2x3 grid gets an injection
#              n4 - n5 - n6       port pair on n1 (in <-> app) for traffic.
#
# Measured (Documentation/benchmarks.rst, "Agent benchmark"):
#   converge_N_s     last agent's "running" log line -> every node logged
#                    "routes to N-1 nodes" (also from the first "running")
#   control bytes    veth tx bytes of all nodes over a quiet window
#   failover         a 2x3 stream n1 -> n6 while its first-hop transit node
#                    is killed (agent stopped, veths deleted) or silenced
#                    (agent SIGSTOPped, its ports set down): the longest
#                    hole in the received seqs, and the time until every
#                    other node has withdrawn the dead one
#   model spread     push at n1 of the 32-node grid -> last install
# Results: $O/bench/agent.json, a table on stdout, the agents' logs in
# $O/bench/agent-logs/.  Steps log to stderr.  The exit status is 0 unless
# the bench itself broke; targets that are missed say MISS in the table.
#
# Environment: FAILOVER_RUNS (5 of each kind), FAILOVER_MODES ("kill
# silence"), WINDOW (20 s of quiet for control bytes), SETTLE (3 s after
# convergence before that window or the failover stream), STREAM_IV_US
# (200), NICE (-10: the stream's sender and sink), SIZES ("6 16 32"),
# AGENT_OPTS (extra hypernetd settings for every agent, e.g.
# "hello-interval-ms=100").
# shellcheck disable=SC2034,SC2046
# (SC2034: lib.sh's and mesh.sh's variables; SC2046: lists of log paths,
# which have no blanks, are meant to split)
set -u
cd "$(dirname "$0")/.." || exit 1
export O=${O:-build}
ID=$(( $$ % 10000 ))
HN_TAG=hna$ID
. tests/netns/lib.sh

FAILOVER_RUNS=${FAILOVER_RUNS:-5}
FAILOVER_MODES=${FAILOVER_MODES:-kill silence}
# two LSA refresh periods: one node's refresh more or less weighs little
WINDOW=${WINDOW:-20}
SETTLE=${SETTLE:-3}
STREAM_IV_US=${STREAM_IV_US:-200}
NICE=${NICE:--10}
SIZES=${SIZES:-6 16 32}
AGENT_OPTS=${AGENT_OPTS:-}
# the stream: 1.6 s of frames at the nominal pace (usleep() makes it
# longer), the failure some 0.5 s into it
STREAM_N=$((1600000 / STREAM_IV_US))
OUT=$HN_OUT/bench
JSON=$OUT/agent.json
LOGS=$OUT/agent-logs
REPORT="python3 bench/agent_report.py"
RESULTS=
BG_PIDS=()
NODES=()
declare -A DEG

die() { echo "bench-agent: $*" >&2; exit 1; }
log() { echo "bench-agent: $*" >&2; }
now() { date +%s.%N; }
# calc EXPR: awk arithmetic, 3 decimals
calc() { awk "BEGIN { printf \"%.3f\n\", $1 }"; }
. bench/lib.sh

# put_runs KEY FILE: the median of FILE's numbers as KEY, all as KEY_runs
put_runs()
{
	if [ -s "$2" ]; then
		put "$1" "$(median <"$2")"
		put "${1}_runs" "\"$(paste -sd' ' "$2")\""
	else
		put "$1" null
	fi
}

bench_cleanup()
{
	local p
	for p in "${BG_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	# a frozen agent would not see its SIGTERM
	for p in "${HN_PIDS[@]}"; do
		kill -CONT "$p" 2>/dev/null
	done
	hn_cleanup
}

[ "$(id -u)" -eq 0 ] || die "needs root (namespaces, XDP, bpffs)"
trap bench_cleanup EXIT
trap 'exit 130' INT TERM
hn_require
. tests/netns/mesh.sh
mesh_require
RESULTS=$HN_WORK/results
: >"$RESULTS"
rm -rf "$LOGS"
mkdir -p "$LOGS" || die "cannot create $LOGS"

# ---- topology ---------------------------------------------------------------

# A node without IPv6: the veths then carry HyperNet frames only.
bench_node()
{
	hn_node "n$1" "$1"
	hn_no_ipv6 "n$1" || die "cannot disable IPv6 in n$1"
	NODES+=("n$1")
	DEG[n$1]=0
}

bench_link()
{
	hn_link "n$1" "p$2" "n$2" "p$1"
	MESH_PORTS[n$1]+=" p$2"
	MESH_PORTS[n$2]+=" p$1"
	DEG[n$1]=$((${DEG[n$1]} + 1))
	DEG[n$2]=$((${DEG[n$2]} + 1))
}

# grid ROWS COLS [INJECT]: nodes n1.. row-major; INJECT gets a local
# port pair in <-> app, "in" being one of its mesh ports.
grid()
{
	local rows=$1 cols=$2 inj=${3:-} r c i
	for ((i = 1; i <= rows * cols; i++)); do
		bench_node $i
	done
	for ((r = 0; r < rows; r++)); do
		for ((c = 0; c < cols; c++)); do
			i=$((r * cols + c + 1))
			((c + 1 < cols)) && bench_link $i $((i + 1))
			((r + 1 < rows)) && bench_link $i $((i + cols))
		done
	done
	if [ -n "$inj" ]; then
		hn_link "n$inj" in "n$inj" app
		MESH_PORTS[n$inj]+=" in"
	fi
	# nothing but HyperNet may leave a port: no IPv6 address anywhere
	for i in "${NODES[@]}"; do
		[ -z "$(ip -n "$(hn_ns "$i")" -6 -o addr show)" ] ||
			die "$i has IPv6 addresses"
	done
}

logs_of() { local n; for n in "$@"; do echo "$HN_WORK/$n.log"; done; }

start_all()
{
	local n
	for n in "${NODES[@]}"; do
		# shellcheck disable=SC2086
		mesh_start "$n" keep-attached=1 $AGENT_OPTS
	done
}

# wait_conv TIMEOUT: prints "first-running last-running converged
# median-node-converged" (unix s) once every node logged routes to all
# others; "none" for what did not happen before the timeout.
wait_conv()
{
	local limit=$1 t0 r
	t0=$(date +%s)
	while :; do
		r=$($REPORT conv ${#NODES[@]} $(logs_of "${NODES[@]}"))
		case $r in *none*) ;; *) echo "$r"; return 0 ;; esac
		if [ $(($(date +%s) - t0)) -ge "$limit" ]; then
			echo "$r"
			return 1
		fi
		sleep 0.2
	done
}

# full_routes: how many nodes' agents report routes to all others.
full_routes()
{
	local n
	# one python for all: a python per node loads 2 CPUs for seconds
	for n in "${NODES[@]}"; do
		mesh_ctl "$n" -j agent status 2>/dev/null | tr -d '\n'
		echo
	done | $REPORT full $((${#NODES[@]} - 1))
}

# Stop everything of the current mesh; its logs go to $LOGS/PHASE.
teardown()
{
	local phase=$1 n p
	for n in "${NODES[@]}"; do
		p=${HN_PID_OF[agent-$n]:-}
		[ -n "$p" ] && kill -CONT "$p" 2>/dev/null
		mesh_stop "$n"
	done
	for n in "${NODES[@]}"; do
		ip netns del "$(hn_ns "$n")" 2>/dev/null
		mountpoint -q "$HN_WORK/bpf/$n" && umount "$HN_WORK/bpf/$n"
		rmdir "$HN_WORK/bpf/$n" 2>/dev/null
	done
	mkdir -p "$LOGS/$phase"
	mv "$HN_WORK"/*.log "$HN_WORK"/*.log.gz "$LOGS/$phase/" 2>/dev/null
	rm -rf "$HN_WORK/state" "$HN_WORK"/*.conf "$HN_WORK"/stream.* \
		"$HN_WORK"/rdy.*
	NODES=() HN_NODES=() HN_PIDS=()
	HN_ID=() HN_PID_OF=() MESH_PORTS=() DEG=()
}

# Sum of every node's mesh veth counters: "tx_bytes tx_packets".
veth_tx()
{
	local n
	for n in "${NODES[@]}"; do
		ip -n "$(hn_ns "$n")" -s -j link show type veth
		echo
	done | python3 -c '
import json, re, sys
b = p = 0
for line in sys.stdin:
    if not line.strip():
        continue
    for l in json.loads(line):
        if re.fullmatch(r"p\d+", l["ifname"]):
            b += l["stats64"]["tx"]["bytes"]
            p += l["stats64"]["tx"]["packets"]
print(b, p)'
}

# Sum of the agents' own counters: "tx_bytes tx_frames" (frames they
# sent themselves, Ethernet header included, not the data plane's floods).
agent_tx()
{
	local n
	for n in "${NODES[@]}"; do
		mesh_ctl "$n" -j agent stats 2>/dev/null | tr -d '\n'
		echo
	done | python3 -c '
import json, sys
b = f = 0
for line in sys.stdin:
    if line.strip():
        s = json.loads(line)
        b += s.get("tx_bytes", 0)
        f += s.get("tx_frames", 0)
print(b, f)'
}

# ---- convergence and control traffic ---------------------------------------

# mesh_phase N ROWS COLS: build, start, time convergence, measure the
# quiet control traffic; leaves the mesh running.
mesh_phase()
{
	local n=$1 rows=$2 cols=$3 r w first last conv med full deg
	local t0 t1 b0 p0 b1 p1 a0 f0 a1 f1 secs bps
	log "$n nodes: ${rows}x${cols} grid, starting the agents"
	grid "$rows" "$cols"
	start_all
	r=$(wait_conv $((20 + 2 * n))) || log "$n nodes: no convergence: $r"
	read -r first last conv med <<<"$r"
	full=$(full_routes)
	log "$n nodes: first running $first, last $last, converged $conv;" \
		"$full/$n agents report $((n - 1)) routes"
	put "crosscheck_full_routes_$n" "$full"
	if [ "$conv" != none ]; then
		put "converge_${n}_s" "$(calc "$conv - $last")"
		put "converge_${n}_from_first_start_s" \
			"$(calc "$conv - $first")"
		put "converge_${n}_median_node_s" "$(calc "$med - $last")"
		[ "$n" = 6 ] && calc "$conv - $last" >>"$HN_WORK/conv6"
	else
		put "converge_${n}_s" null
	fi
	put "start_spread_${n}_s" "$(calc "$last - $first")"
	deg=0
	for r in "${NODES[@]}"; do
		deg=$((deg + DEG[$r]))
	done
	put "ports_${n}" "$deg"
	put "topology_${n}" "\"${rows}x${cols} grid, $((deg / 2)) links\""
	sleep "$SETTLE"
	t0=$(now)
	read -r b0 p0 < <(veth_tx)
	read -r a0 f0 < <(agent_tx)
	sleep "$WINDOW"
	t1=$(now)
	read -r b1 p1 < <(veth_tx)
	read -r a1 f1 < <(agent_tx)
	secs=$(calc "$t1 - $t0")
	# A veth counts what its peer's XDP program saw: frames the agents
	# sent through the stack arrive there as skbs, Ethernet header
	# already pulled, so it is added back for those (the agents' own
	# frames); frames the data plane redirected are counted whole.
	bps=$(calc "($b1 - $b0 + 14 * ($f1 - $f0)) / $n / $secs")
	log "$n nodes: $((b1 - b0)) bytes, $((p1 - p0)) frames on the veths" \
		"in $secs s; the agents sent $((a1 - a0)) bytes in" \
		"$((f1 - f0)) frames: $bps B/s per node with Ethernet headers"
	put "control_bytes_per_s_node_$n" "$bps"
	put "control_veth_bytes_per_s_node_$n" \
		"$(calc "($b1 - $b0) / $n / $secs")"
	put "control_frames_per_s_node_$n" "$(calc "($p1 - $p0) / $n / $secs")"
	put "agent_tx_bytes_per_s_node_$n" "$(calc "($a1 - $a0) / $n / $secs")"
	put "agent_tx_frames_per_s_node_$n" \
		"$(calc "($f1 - $f0) / $n / $secs")"
	# candidates and costs keep moving a while after convergence
	r=$($REPORT lastwrite "$t0" $(logs_of "${NODES[@]}"))
	[ "$r" != none ] && put "converge_${n}_stable_s" "$(calc "$r - $last")"
	# a quiet mesh should not keep rewriting its routes
	read -r r w < <($REPORT writes "$t0" "$t1" $(logs_of "${NODES[@]}"))
	put "route_updates_per_s_node_$n" "$(calc "$r / $n / $secs")"
	put "routes_written_per_s_node_$n" "$(calc "$w / $n / $secs")"
	log "$n nodes: $r route updates ($w routes written) in the window"
	# still everyone, and did links flap after convergence?
	r=$($REPORT conv "$n" $(logs_of "${NODES[@]}"))
	case $r in *none*) log "$n nodes: routes changed in the window" ;; esac
	if [ "$conv" != none ]; then
		r=$($REPORT downs "$conv" $(logs_of "${NODES[@]}"))
		put "neigh_down_after_converge_$n" "$r"
		[ "$r" = 0 ] || log "$n nodes: $r neighbour downs after" \
			"convergence (see $LOGS/mesh-$n)"
	fi
}

# model_spread G: push generation G at n1, seconds until the last install.
model_spread()
{
	local g=$1 t0 t last i
	mesh_model "$HN_WORK/gen$g.hnm" "$g"
	t0=$(now)
	mesh_ctl n1 model push "$HN_WORK/gen$g.hnm" >/dev/null ||
		{ log "model push of generation $g at n1 failed"; return 1; }
	for i in $(seq 100); do
		last=$($REPORT model "$g" $(logs_of "${NODES[@]}"))
		[ "$last" != none ] && break
		sleep 0.1
	done
	if [ "$last" = none ]; then
		log "model generation $g: not on every node after 10 s"
		return 1
	fi
	t=$(calc "$last - $t0")
	log "model generation $g: on all ${#NODES[@]} nodes $t s after the push"
	echo "$t" >>"$HN_WORK/spread"
}

# ---- failover ----------------------------------------------------------------

# kill_node N / silence_node N: T_KILL just before the failure starts,
# T_KILLED when the last of N's links is gone.  The kernel takes a while
# per veth (it waits for RCU), so the links go one after the other.
node_batch()
{
	ip -n "$(hn_ns "$1")" -br link show type veth |
		awk -v c="$2" '{ sub(/@.*/, "", $1); printf c "\n", $1 }'
}

kill_node()
{
	local b
	# deleting one end of a veth deletes its peer too
	b=$(node_batch "$1" "link del %s")
	mesh_stop "$1"
	T_KILL=$(now)
	ip -n "$(hn_ns "$1")" -batch - <<<"$b"
	T_KILLED=$(now)
}

# Frozen agent, ports down: the peers' veths stay, without carrier, and
# their XDP redirects into them still succeed (veth drops the frames).
silence_node()
{
	local b
	b=$(node_batch "$1" "link set %s down")
	T_KILL=$(now)
	kill -STOP "${HN_PID_OF[agent-$1]}"
	ip -n "$(hn_ns "$1")" -batch - <<<"$b"
	T_KILLED=$(now)
}

# dpstat NODE COUNTER: one summed data-plane counter (no python: this
# runs while the stream is timed)
dpstat()
{
	hn_ctl "$1" -j stats | tr -d ' \n' |
		sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p"
}

fwd() { dpstat "$1" fwd_redirect; }

# failover MODE RUN: one fresh 2x3 mesh, one stream n1 -> n6, and the
# failure of the neighbour of n1 that carries it.
failover()
{
	local mode=$1 run=$2 r w first last conv transit a2 a4 seq fb0 fb1
	local rdy=$HN_WORK/rdy.$run out=$HN_WORK/stream.$mode.$run
	local rp sp s0 s1 iv step uniq ms p0 p1 alive=() n t
	grid 2 3 1
	start_all
	r=$(wait_conv 30) || { log "failover: no convergence: $r"; return 1; }
	read -r first last conv _ <<<"$r"
	calc "$conv - $last" >>"$HN_WORK/conv6"
	# link costs, and with them n1's choice between n2 and n4, move
	# while the first HELLO windows fill (16 HELLOs)
	sleep "$SETTLE"
	seq=$((run * 100000))
	# sender and sink are the instruments: a busy machine must not
	# stall them (a stalled sink loses frames in its socket buffer)
	nice -n "$NICE" ip netns exec "$(hn_ns n6)" "$HNPKT" recv -i p3,p5 \
		--print --match-src 1 --match-type data --timeout-ms 60000 \
		--ready "$rdy" >"$out" 2>/dev/null &
	rp=$!
	BG_PIDS+=("$rp")
	hn_wait_file "$rdy"
	p0=$(dpstat n6 local_pass)
	fb0=$(dpstat n1 fb_stale)
	s0=$(now)
	nice -n "$NICE" ip netns exec "$(hn_ns n1)" "$HNPKT" send -q -i app \
		--src 1 --dst 6 --count "$STREAM_N" --seq "$seq" \
		--interval-us "$STREAM_IV_US" &
	sp=$!
	BG_PIDS+=("$sp")
	sleep 0.2
	a2=$(fwd n2) a4=$(fwd n4)
	sleep 0.2
	a2=$(($(fwd n2) - a2)) a4=$(($(fwd n4) - a4))
	[ "$a2" -ge "$a4" ] && transit=n2 || transit=n4
	"${mode}_node" "$transit"
	wait "$sp"
	s1=$(now)
	sleep 0.3
	kill "$rp" 2>/dev/null
	wait "$rp" 2>/dev/null
	BG_PIDS=()
	p1=$(dpstat n6 local_pass)
	fb1=$(dpstat n1 fb_stale)
	read -r step _ uniq < <($REPORT gap "$out" "$seq" "$STREAM_N")
	# the sender's real pace, usleep() overshoot included
	iv=$(calc "($s1 - $s0) * 1000 / $STREAM_N")
	ms=$(calc "$step * $iv")
	log "failover $mode #$run: $transit failed (n2 forwarded $a2, n4" \
		"$a4 frames of the stream before; failing took" \
		"$(calc "($T_KILLED - $T_KILL) * 1000") ms); $uniq/$STREAM_N" \
		"frames at n6, longest hole $step seqs x $iv ms = $ms ms;" \
		"n1's data plane fell back from a stale neighbour" \
		"$((fb1 - fb0)) times"
	[ "$a2" -gt 0 ] && [ "$a4" -gt 0 ] &&
		log "failover $mode #$run: the stream was split, n2 $a2 n4 $a4"
	# n6's XDP passed up what reached it (the stream and a few control
	# frames): if the sink saw fewer, the sink lost them, not the mesh
	if [ $((p1 - p0 - uniq)) -gt 50 ]; then
		log "failover $mode #$run: not counted: n6 passed" \
			"$((p1 - p0)) frames up, the sink saw $uniq"
		echo "$mode $run" >>"$HN_WORK/fo_void"
	else
		echo "$ms" >>"$HN_WORK/fo_$mode"
	fi
	calc "($T_KILLED - $T_KILL) * 1000" >>"$HN_WORK/fo_took_$mode"
	echo "$iv" >>"$HN_WORK/fo_iv"
	for n in "${NODES[@]}"; do
		[ "$n" = "$transit" ] || alive+=("$n")
	done
	for n in $(seq 100); do
		t=$($REPORT routes 4 "$T_KILL" $(logs_of "${alive[@]}"))
		[ "$t" != none ] && break
		sleep 0.1
	done
	if [ "$t" = none ]; then
		log "failover $mode #$run: routes not withdrawn after 10 s"
	else
		ms=$(calc "($t - $T_KILL) * 1000")
		log "failover $mode #$run: all 5 others at 4 routes $ms ms" \
			"after the failure"
		echo "$ms" >>"$HN_WORK/fr_$mode"
	fi
	# what each data plane did, and the stream as the sink saw it
	for n in "${NODES[@]}"; do
		[ "$n" = "$transit" ] && [ "$mode" = kill ] && continue
		echo "$n $(hn_ctl "$n" -j stats | tr -d '\n')"
	done >"$HN_WORK/dp-stats.log"
	gzip -c "$out" >"$HN_WORK/stream.log.gz"
	teardown "failover-$mode-$run"
}

# ---- the batman-adv estimate -------------------------------------------------

# BATMAN IV: every node originates one OGM per second on each interface
# and rebroadcasts every other node's OGM once on each interface; BATMAN
# V's ELP adds a broadcast probe per interface every 500 ms.
OGM=24 ETH=14 TVLV=28 ELP=60
batman_estimate()
{
	local n=$1 ports=$2
	calc "$ports / $n * ($n * ($ETH + $OGM + $TVLV) / 1.0 + $ELP / 0.5)"
}

# ---- main ----------------------------------------------------------------------

# opt KEY DEFAULT: an agent setting, from AGENT_OPTS or hypernetd's default
opt()
{
	local kv v=$2
	for kv in $AGENT_OPTS; do
		[ "${kv%%=*}" = "$1" ] && v=${kv#*=}
	done
	echo "$v"
}
HELLO_MS=$(opt hello-interval-ms 200)

START=$(date -u +%Y-%m-%dT%H:%M:%SZ)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
T_START=$(date +%s)
: >"$HN_WORK/conv6"

for size in $SIZES; do
	case $size in
	6) mesh_phase 6 2 3 ;;
	16) mesh_phase 16 4 4 ;;
	32)
		mesh_phase 32 4 8
		: >"$HN_WORK/spread"
		for g in 1 2 3; do
			model_spread $g
			sleep 1
		done
		put_runs model_spread_32_s "$HN_WORK/spread"
		ports32=$(awk '$1 == "ports_32" { print $2 }' "$RESULTS")
		;;
	*) die "SIZES: 6, 16 or 32" ;;
	esac
	teardown "mesh-$size"
done

for mode in $FAILOVER_MODES; do
	for f in fo fr fo_took; do
		: >"$HN_WORK/${f}_$mode"
	done
	for run in $(seq "$FAILOVER_RUNS"); do
		failover "$mode" "$run" || teardown "failover-$mode-$run"
	done
done
put_runs failover_traffic_ms "$HN_WORK/fo_kill"
put_runs failover_routes_ms "$HN_WORK/fr_kill"
put_runs failover_silent_ms "$HN_WORK/fo_silence"
put_runs failover_silent_routes_ms "$HN_WORK/fr_silence"
[ -s "$HN_WORK/fo_void" ] &&
	put failover_runs_void "\"$(paste -sd, "$HN_WORK/fo_void")\""
put_runs failover_kill_took_ms "$HN_WORK/fo_took_kill"
put_runs failover_silence_took_ms "$HN_WORK/fo_took_silence"
[ -s "$HN_WORK/fo_iv" ] && put stream_interval_ms "$(median <"$HN_WORK/fo_iv")"
# every 2x3 start, the convergence mesh's and the failover meshes'
put_runs converge_6_all_s "$HN_WORK/conv6"

if [ -n "${ports32:-}" ]; then
	put batman_estimate_bytes_per_s_node "$(batman_estimate 32 "$ports32")"
	put control_bytes_per_s_node \
		"$(awk '$1 == "control_bytes_per_s_node_32" { print $2 }' \
			"$RESULTS")"
	put agent_tx_bytes_per_s_node \
		"$(awk '$1 == "agent_tx_bytes_per_s_node_32" { print $2 }' \
			"$RESULTS")"
fi
put batman_estimate_formula "\"per node: (ports / N) * (N * ($ETH + $OGM + $TVLV) B / 1 s + $ELP B / 0.5 s); BATMAN IV OGM $OGM B + Ethernet $ETH B + TVLVs $TVLV B (TT 4+4+8 for one VLAN, DAT 4, multicast 4+4), each node originating one OGM per interface per second and rebroadcasting every other node's once per interface, no aggregation; BATMAN V ELP 16 B + Ethernet 14 B padded to the 60 B Ethernet minimum, one per interface every 500 ms; no FCS, preamble or gap, as the veth counters\""
put duration_s $(($(date +%s) - T_START))

mkdir -p "$OUT"
DIRTY=$(git status --porcelain -- userspace bpf include 2>/dev/null)
python3 bench/agent_report.py report "$RESULTS" "$JSON" \
	"date=$START" "end=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
	"git=$(git rev-parse --short HEAD 2>/dev/null)${DIRTY:+-dirty}" \
	"kernel=$(uname -r)" "cpus=$(nproc)" \
	"cpu_model=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)" \
	"load_before=$LOAD0" "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" \
	"hello_interval_ms=$HELLO_MS" "dead_hellos=$(opt dead-hellos 3)" \
	"stale_ms=$(opt stale-ms $((2 * HELLO_MS + 50)))" \
	"lsa_refresh_s=$(opt lsa-refresh-s 10)" \
	"agent_opts=$AGENT_OPTS" "failover_runs=$FAILOVER_RUNS" \
	"window_s=$WINDOW" "stream_interval_us=$STREAM_IV_US" \
	"topology_32=4x8 grid" ||
	die "cannot write $JSON"
