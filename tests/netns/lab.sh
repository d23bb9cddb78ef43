# SPDX-License-Identifier: GPL-2.0
#
# A link emulator for HyperNet meshes in namespaces, sourced after
# tests/netns/lib.sh and tests/netns/mesh.sh (bench/learn.sh uses it).
#
# XDP_REDIRECT into a veth hands frames straight to its peer: no qdisc on
# the router's own veth ever sees a forwarded frame, so tbf there shapes
# nothing.  Here every router port instead leads into one "wire" namespace
# W, where a two-port bridge per link joins the two routers' peers, and a
# tbf on each of W's veths gives the direction towards that router its
# capacity and its queue:
#
#        router A                 namespace W                  router B
#   +-------------+   +-------------------------------------+   +--------+
#   | XDP    a-b ---------- wa-b --[ br a-b ]-- wb-a ------------ b-a XDP |
#   +-------------+   |   (rx, GRO)   bridge  (tx: tbf A->B) |   +--------+
#                     |  tbf B->A on wa-b, shapes what A gets |
#                     +-------------------------------------+
#
# A frame A sends to B: A's XDP redirects it out of a-b; veth puts it on
# wa-b's NAPI queue (that needs NAPI on wa-b: GRO is switched on there,
# else veth refuses redirected frames); the bridge forwards it to wb-a,
# whose tbf (rate = the link's A->B capacity, latency = its queue) sends
# it on to b-a, where B's XDP program gets it.  Queueing delay builds in
# the tbf queue under load, and HELLOs and PROBEs wait in it too, so the
# agents' DELAY and LOSS features see the congestion the data sees.
#
# Interface names: router port "a-b" (A's port towards B), W's peers
# "wa-b" and "wb-a", bridge "ba-b".  Node names are single letters or
# short words; names stay within 15 characters for names up to 5 long.

LAB_W=W
LAB_QUEUE_MS=${LAB_QUEUE_MS:-50}	# tbf latency: the longest queue
declare -A LAB_KBPS	# "A>B": capacity of direction A->B, kbit/s

lab_require()
{
	command -v tc >/dev/null || hn_skip "no tc(8): apt-get install iproute2"
	command -v ethtool >/dev/null ||
		hn_skip "no ethtool(8): apt-get install ethtool"
}

# lab_wire: the wire namespace (no agent runs there).
lab_wire()
{
	hn_node "$LAB_W" 0
	hn_no_ipv6 "$LAB_W"
}

# lab_shape DEV KBPS: tbf on W's DEV, the queue LAB_QUEUE_MS long.
lab_shape()
{
	local dev=$1 kbps=$2 burst
	# a few full frames of burst: enough for the rate at HZ-free tbf,
	# small enough that the link does not pass bursts at line rate
	burst=$((kbps / 8 / 100))
	[ "$burst" -lt 4500 ] && burst=4500
	ip netns exec "${HN_TAG}-$LAB_W" tc qdisc replace dev "$dev" root tbf \
		rate "${kbps}kbit" burst "$burst" latency "${LAB_QUEUE_MS}ms" ||
		hn_fail "tbf on W:$dev"
}

declare -A LAB_BR	# "A>B": the bridge in W of link A-B (both ways)

# lab_end A B: A's end of the link A-B whose bridge exists: port "a-b" on
# A, its peer "wa-b" in W on the link's bridge with NAPI on, the tbf there
# shaping what A gets (B->A's capacity), both up.  lab_relink calls it
# again for the ends a dead router took along.
lab_end()
{
	local a=$1 b=$2 la=${1,,} lb=${2,,}
	local pa=$la-$lb wa=w$la-$lb w=${HN_TAG}-$LAB_W

	ip link add "$pa" netns "${HN_TAG}-$a" type veth \
		peer name "$wa" netns "$w" || hn_fail "veth $a:$pa -- W:$wa"
	ip -n "$w" link set "$wa" master "${LAB_BR[$a>$b]}"
	# NAPI on W's end: veth drops XDP-redirected frames without it
	ip netns exec "$w" ethtool -K "$wa" gro on >/dev/null 2>&1 ||
		hn_fail "ethtool -K $wa gro on"
	lab_shape "$wa" "${LAB_KBPS[$b>$a]}"
	ip -n "$w" link set "$wa" up
	ip -n "${HN_TAG}-$a" link set "$pa" up
}

# lab_link A B KBPS [KBPS_BA]: a shaped link between routers A and B
# (B->A gets KBPS_BA, default the same); ports "a-b" on A, "b-a" on B.
lab_link()
{
	local a=$1 b=$2 la=${1,,} lb=${2,,}
	local br=b$la-$lb w=${HN_TAG}-$LAB_W

	LAB_KBPS[$a>$b]=$3
	LAB_KBPS[$b>$a]=${4:-$3}
	ip -n "$w" link add "$br" type bridge || hn_fail "bridge $br"
	LAB_BR[$a>$b]=$br
	LAB_BR[$b>$a]=$br
	lab_end "$a" "$b"
	lab_end "$b" "$a"
	ip -n "$w" link set "$br" up
	MESH_PORTS[$a]="${MESH_PORTS[$a]:-} $la-$lb"
	MESH_PORTS[$b]="${MESH_PORTS[$b]:-} $lb-$la"
}

# lab_relink NODE: NODE's ends of its links again, after mesh_kill took
# them (and their peers in W) away; the bridges and far ends stayed.
lab_relink()
{
	local n=$1 k p
	for k in "${!LAB_BR[@]}"; do
		[ "${k%%>*}" = "$n" ] || continue
		p=${k#*>}
		ip -n "${HN_TAG}-$n" link show "${n,,}-${p,,}" \
			>/dev/null 2>&1 && continue
		lab_end "$n" "$p"
	done
}

# lab_port_kbps A PORT: the capacity of A's port PORT (its direction out).
lab_port_kbps()
{
	local a=$1 p=$2 b
	for b in "${!HN_ID[@]}"; do
		[ "${b,,}" = "${p#*-}" ] && { echo "${LAB_KBPS[$a>$b]:-}"; return; }
	done
}

# lab_conf NODE [KEY=VALUE...]: NODE's agent config, each shaped port with
# its capacity ("port = a-b 10000"), the injection port unshaped.
lab_conf()
{
	local n=$1 p k ports=()
	shift
	for p in ${MESH_PORTS[$n]}; do
		k=$(lab_port_kbps "$n" "$p")
		ports+=("port=$p${k:+ $k}")
	done
	local saved=${MESH_PORTS[$n]}
	MESH_PORTS[$n]=
	mesh_conf "$n" "${ports[@]}" "$@"
	MESH_PORTS[$n]=$saved
}

# lab_qdisc_json: every tbf of W as JSON (tc -s), for drops and backlog.
lab_qdisc_json()
{
	ip netns exec "${HN_TAG}-$LAB_W" tc -s -j qdisc show
}

# lab_grid3: nine routers A..I (ids 1..9) on a 3x3 grid through W, with
# capacities (Mbit/s, the same both ways) as drawn; injection ports on
# every node.  The top row and right column are thin, the left column,
# bottom row and the middle fat: the default tie-break (lowest node id)
# leads corner-to-corner traffic along the thin ones.
#
#    [A 1] -5-- [B 2] -5-- [C 3]
#      |20        |10        |5
#    [D 4] -10- [E 5] -10- [F 6]
#      |20        |10        |5
#    [G 7] -20- [H 8] -20- [I 9]
lab_grid3()
{
	local n i=1
	lab_wire
	for n in A B C D E F G H I; do
		hn_node "$n" "$i"
		hn_no_ipv6 "$n"
		MESH_PORTS[$n]=
		i=$((i + 1))
	done
	lab_link A B ${LAB_THIN:-5000}
	lab_link B C ${LAB_THIN:-5000}
	lab_link C F ${LAB_THIN:-5000}
	lab_link F I ${LAB_THIN:-5000}
	lab_link A D ${LAB_FAT:-20000}
	lab_link D G ${LAB_FAT:-20000}
	lab_link G H ${LAB_FAT:-20000}
	lab_link H I ${LAB_FAT:-20000}
	lab_link B E ${LAB_MID:-10000}
	lab_link D E ${LAB_MID:-10000}
	lab_link E F ${LAB_MID:-10000}
	lab_link E H ${LAB_MID:-10000}
	for n in A B C D E F G H I; do
		mesh_inject "$n"
	done
}

# lab_grid6 THIN MID FAT: six routers A..F (ids 1..6) on the 2x3 grid of
# mesh_grid6, through W, capacities in kbit/s (the same both ways) as
# drawn; A's injection port pair a-in/a-app.  The bottom path from A to F
# is fat and ETT's route; the top one thinner and idle (tools/demo.sh).
#
#    [A 1] -thin- [B 2] -thin- [C 3]
#      |fat         |mid         |thin
#    [D 4] -fat-- [E 5] -fat-- [F 6]
lab_grid6()
{
	local n i=1
	lab_wire
	for n in A B C D E F; do
		hn_node "$n" "$i"
		hn_no_ipv6 "$n"
		MESH_PORTS[$n]=
		i=$((i + 1))
	done
	lab_link A B "$1"
	lab_link B C "$1"
	lab_link C F "$1"
	lab_link B E "$2"
	lab_link A D "$3"
	lab_link D E "$3"
	lab_link E F "$3"
	mesh_inject A
}
