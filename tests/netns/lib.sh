# SPDX-License-Identifier: GPL-2.0
#
# Helpers for HyperNet namespace topologies, sourced by tests/netns/test_*.sh
# and tools/demo.sh.  Every namespace, background process and bpffs mount a
# script makes is recorded here and removed by hn_cleanup, which the caller
# installs as an EXIT trap right after sourcing.
#
# Each node is a namespace "<tag>-<node>" with its own bpffs instance at
# $HN_WORK/bpf/<node>, passed to hnctl with -P: the nodes' pinned maps must
# not meet, and `ip netns exec` hides /sys/fs/bpf anyway (it remounts /sys).
# Commands run in a node (hn_x, hn_ctl, hn_pkt, hn_bg) get LIBXDP_BPFFS set
# to it too, so that libxdp (xdp-loader, hnctl attach --multiprog) keeps
# the node's dispatcher state there.

HN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
O=${O:-build}
case $O in /*) HN_OUT=$O ;; *) HN_OUT=$HN_ROOT/$O ;; esac
HNCTL=$HN_OUT/bin/hnctl
HNPKT=$HN_OUT/bin/hn-pkt
HN_TAG=${HN_TAG:-hn$$}
HN_WORK=
HN_NODES=()
HN_PIDS=()
declare -A HN_ID HN_PID_OF

hn_skip()
{
	echo "SKIPPED: $*"
	exit 77
}

hn_fail()
{
	echo "FAIL: $*" >&2
	exit 1
}

hn_log()
{
	printf '%s\n' "$*"
}

# hn_need_root TARGET: a demo's root check; unlike hn_require's skip, a
# demo run without root is a user error, so it fails with a hint.
hn_need_root()
{
	[ "$(id -u)" -eq 0 ] && return 0
	echo "$1: needs root (network namespaces, XDP, bpffs)" >&2
	echo "hint: sudo make $1" >&2
	exit 1
}

# hn_start: how every test topology begins: hn_cleanup removes it all on
# exit (INT and TERM exit through it too), and hn_require skips where it
# cannot be built.
hn_start()
{
	trap hn_cleanup EXIT
	trap 'exit 1' INT TERM
	hn_require
}

# Skip (exit 77) unless we can build namespaces and load XDP here.
hn_require()
{
	[ "$(id -u)" -eq 0 ] || hn_skip "needs root (namespaces, XDP, bpffs)"
	command -v ip >/dev/null || hn_skip "no ip(8): apt-get install iproute2"
	command -v python3 >/dev/null || hn_skip "no python3 (reads -j output)"
	local probe=${HN_TAG}-probe
	ip netns add "$probe" 2>/dev/null ||
		hn_skip "cannot create a network namespace"
	ip netns del "$probe"
	[ -x "$HNCTL" ] || hn_skip "no $HNCTL: run make first"
	[ -x "$HNPKT" ] || hn_skip "no $HNPKT: run make first"
	HN_WORK=$(mktemp -d /tmp/hn-netns.XXXXXX) ||
		hn_skip "cannot create a work directory"
	mkdir -p "$HN_WORK/bpf"
}

hn_cleanup()
{
	local p n
	for p in "${HN_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${HN_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	HN_PIDS=()
	for n in "${HN_NODES[@]}"; do
		ip netns del "${HN_TAG}-$n" 2>/dev/null
	done
	HN_NODES=()
	if [ -n "$HN_WORK" ] && [ -d "$HN_WORK" ]; then
		for n in "$HN_WORK"/bpf/*; do
			mountpoint -q "$n" 2>/dev/null && umount "$n"
		done
		rm -rf "$HN_WORK"
	fi
	HN_WORK=
}

hn_ns()
{
	echo "${HN_TAG}-$1"
}

# hn_x NODE CMD...: run CMD inside NODE's namespace.
hn_x()
{
	local n=$1
	shift
	ip netns exec "${HN_TAG}-$n" env LIBXDP_BPFFS="$HN_WORK/bpf/$n" "$@"
}

# hn_x_bg NODE CMD...: hn_x in the background, with $! the command's own
# pid (ip netns exec and env exec it), so that kill reaches the command
# and not a subshell that would leave it running.
hn_x_bg()
{
	local n=$1
	shift
	ip netns exec "${HN_TAG}-$n" env LIBXDP_BPFFS="$HN_WORK/bpf/$n" "$@" &
}

# hn_ctl NODE ARGS...: hnctl against NODE's own pinned maps.
hn_ctl()
{
	local n=$1
	shift
	hn_x "$n" "$HNCTL" -P "$HN_WORK/bpf/$n/hypernet" "$@"
}

hn_pkt()
{
	local n=$1
	shift
	hn_x "$n" "$HNPKT" "$@"
}

# hn_node NAME ID: a namespace with lo up and a private bpffs.
hn_node()
{
	local n=$1 id=$2
	ip netns add "${HN_TAG}-$n" || hn_fail "ip netns add ${HN_TAG}-$n"
	HN_NODES+=("$n")
	HN_ID[$n]=$id
	ip -n "${HN_TAG}-$n" link set lo up
	mkdir -p "$HN_WORK/bpf/$n"
	mount -t bpf bpf "$HN_WORK/bpf/$n" ||
		hn_fail "cannot mount bpffs on $HN_WORK/bpf/$n"
}

# hn_nodes NAME ID [NAME ID...]: hn_node for each pair.
hn_nodes()
{
	while [ $# -ge 2 ]; do
		hn_node "$1" "$2"
		shift 2
	done
}

# hn_link NODE1 DEV1 NODE2 DEV2: a veth pair between two nodes, both up.
# The same node twice makes a local injection port pair.
hn_link()
{
	ip link add "$2" netns "${HN_TAG}-$1" type veth \
		peer name "$4" netns "${HN_TAG}-$3" ||
		hn_fail "veth $1:$2 -- $3:$4"
	ip -n "${HN_TAG}-$1" link set "$2" up
	ip -n "${HN_TAG}-$3" link set "$4" up
}

# hn_no_ipv6 NODE: IPv6 off in NODE (no ND, MLD or router solicitations
# on its links); returns sysctl's status.
hn_no_ipv6()
{
	ip netns exec "${HN_TAG}-$1" sysctl -qw \
		net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
}

hn_mac()
{
	ip -n "${HN_TAG}-$1" -br link show dev "$2" | awk '{ print $3 }'
}

# hn_bg NAME NODE CMD...: CMD in NODE's namespace, in the background.
hn_bg()
{
	local name=$1 n=$2
	shift 2
	ip netns exec "${HN_TAG}-$n" env LIBXDP_BPFFS="$HN_WORK/bpf/$n" "$@" &
	HN_PIDS+=($!)
	HN_PID_OF[$name]=$!
}

# hn_stop NAME: stop one background command started with hn_bg.
hn_stop()
{
	local p=${HN_PID_OF[$1]:-}
	[ -n "$p" ] || return 0
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	unset "HN_PID_OF[$1]"
}

# hn_jget JSON KEY...: one value out of a JSON document ("" if absent).
hn_jget()
{
	python3 -c '
import json, sys
v = json.loads(sys.argv[1])
for k in sys.argv[2:]:
    if isinstance(v, list):
        k = int(k)
    elif k not in v:
        print(""); sys.exit(0)
    v = v[k]
print(v)' "$@"
}

# hn_stat NODE COUNTER: one summed data-plane counter of NODE.
hn_stat()
{
	local j
	j=$(hn_ctl "$1" -j stats) || hn_fail "hnctl stats on $1"
	hn_jget "$j" "$2"
}

# hn_wait_file PATH: wait (up to 5 s) for a receiver's ready file.
hn_wait_file()
{
	local i
	for i in $(seq 100); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	hn_fail "timed out waiting for $1"
}

# hn_transfer RX RXDEVS TX TXDEV SRC DST N SEQ GAP_US TIMEOUT_MS: N data
# frames SRC -> DST, seqs from SEQ, sent with hn-pkt on TX's TXDEV GAP_US
# apart while RX listens on RXDEVS (comma-separated) until N frames from
# SRC arrived or TIMEOUT_MS passed; prints RX's summary (hn-pkt recv -j).
hn_transfer()
{
	local rdy=$HN_WORK/rdy.$8 out=$HN_WORK/recv.$8 rp

	# a ready file left by an earlier transfer would not wait for this one
	rm -f "$rdy"
	hn_x "$1" "$HNPKT" recv -j -i "$2" --match-src "$5" --match-type data \
		--timeout-ms "${10}" --count "$7" --ready "$rdy" >"$out" &
	rp=$!
	hn_wait_file "$rdy"
	hn_pkt "$3" send -q -i "$4" --src "$5" --dst "$6" --count "$7" \
		--seq "$8" --interval-us "$9" || hn_fail "hn-pkt send on $3"
	wait "$rp"
	cat "$out"
}

# check WHAT OK DETAIL...: one test check; OK is 1 for a pass.  Failures
# are counted in HN_FAILED.
HN_FAILED=0
check()
{
	local what=$1 ok=$2
	shift 2
	if [ "$ok" = 1 ]; then
		echo "ok:   $what ($*)"
	else
		echo "FAIL: $what ($*)"
		HN_FAILED=$((HN_FAILED + 1))
	fi
}

# Demo output: step headings in bold on a terminal, indented text.
HN_B='\033[1m' HN_R='\033[0m'
[ -t 1 ] || HN_B= HN_R=

step()
{
	printf "\n${HN_B}== %s${HN_R}\n" "$*"
}

say()
{
	printf '   %s\n' "$*"
}

indent()
{
	sed 's/^/     /'
}
