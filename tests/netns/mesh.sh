# SPDX-License-Identifier: GPL-2.0
#
# Meshes of real hypernetd agents in namespaces, shared by
# tests/netns/test_agent.sh, tools/demo.sh and bench/agent.sh.  Source
# tests/netns/lib.sh first (and install its cleanup trap).
#
# Every node gets a config in $HN_WORK/NODE.conf, a state directory
# $HN_WORK/state/NODE (control socket "ctl" inside) and its own bpffs; the
# agent's log is $HN_WORK/NODE.log.  All nodes share one mesh key, and
# trust one model signing key ($HN_WORK/sign.pub, private $HN_WORK/sign.key).

HND=$HN_OUT/bin/hypernetd
HNINJECT=$HN_OUT/bin/hn-inject
MESH_KEY=
declare -A MESH_PORTS

# mesh_require [PROG...]: skip without hypernetd, openssl or the other
# programs named ($HN_OUT/bin/PROG); make the mesh's keys.
mesh_require()
{
	local p

	for p in "$HND" "${@/#/$HN_OUT/bin/}"; do
		[ -x "$p" ] || hn_skip "no $p: run make first"
	done
	command -v openssl >/dev/null || hn_skip "no openssl(1)"
	MESH_KEY=$(openssl rand -hex 32) || hn_fail "openssl rand"
	"$HNCTL" keygen "$HN_WORK/sign.key" "$HN_WORK/sign.pub" >/dev/null ||
		hn_fail "hnctl keygen"
}

# mesh_conf NODE [KEY=VALUE...]: write NODE's config (ports from
# MESH_PORTS[NODE]); extra settings are appended.
mesh_conf()
{
	local n=$1 p
	shift
	# private, as the agent insists: the config holds the mesh key
	mkdir -p "$HN_WORK/state/$n" && chmod 700 "$HN_WORK/state/$n"
	install -m 600 /dev/null "$HN_WORK/$n.conf"
	{
		echo "# hypernetd config of $n, written by tests/netns/mesh.sh"
		echo "node-id = ${HN_ID[$n]}"
		for p in ${MESH_PORTS[$n]}; do
			echo "port = $p"
		done
		echo "mesh-key = 1 $MESH_KEY"
		echo "trusted-keys = $HN_WORK/sign.pub"
		echo "state-dir = $HN_WORK/state/$n"
		echo "pin-dir = $HN_WORK/bpf/$n/hypernet"
		echo "control-socket = $HN_WORK/state/$n/ctl"
		for p in "$@"; do
			echo "${p%%=*} = ${p#*=}"
		done
	} >"$HN_WORK/$n.conf"
}

# mesh_start NODE [KEY=VALUE...]: config (if none yet) and agent.
mesh_start()
{
	local n=$1
	shift
	[ -f "$HN_WORK/$n.conf" ] && [ $# -eq 0 ] || mesh_conf "$n" "$@"
	hn_bg "agent-$n" "$n" "$HND" -c "$HN_WORK/$n.conf" \
		${MESH_VERBOSE:-} 2>>"$HN_WORK/$n.log"
}

mesh_stop()
{
	hn_stop "agent-$1"
}

# mesh_ctl NODE ARGS...: hnctl against NODE's maps and agent.
mesh_ctl()
{
	local n=$1
	shift
	hn_x "$n" "$HNCTL" -P "$HN_WORK/bpf/$n/hypernet" \
		-S "$HN_WORK/state/$n/ctl" -D "$HN_WORK/state/$n" "$@"
}

# mesh_dump NODES...: each node's agent status, routes and log tail, for
# a failed check.
mesh_dump()
{
	local n
	for n in "$@"; do
		echo "--- $n: agent"
		mesh_ctl "$n" agent status 2>&1 | sed 's/^/    /'
		mesh_ctl "$n" routes 2>&1 | sed 's/^/    /'
		echo "--- $n: log (tail)"
		tail -n 15 "$HN_WORK/$n.log" | sed 's/^/    /'
	done
}

# mesh_agent_get NODE KEY: one field of the agent's status (JSON).
mesh_agent_get()
{
	local j
	j=$(mesh_ctl "$1" -j agent status 2>/dev/null) || { echo ""; return; }
	hn_jget "$j" "$2"
}

mesh_agent_stat()
{
	local j
	j=$(mesh_ctl "$1" -j agent stats 2>/dev/null) || { echo ""; return; }
	hn_jget "$j" "$2"
}

# mesh_converged NODES...: 0 when every node has a route to all others.
mesh_converged()
{
	local want=$(($# - 1)) n r
	for n in "$@"; do
		r=$(mesh_agent_get "$n" routes)
		[ "$r" = "$want" ] || return 1
	done
	return 0
}

# mesh_timed_out LIMIT_S T0: true, having printed "timeout", once more
# than LIMIT_S seconds have passed since T0 (date +%s.%N).
mesh_timed_out()
{
	local now

	now=$(date +%s.%N)
	awk "BEGIN { exit !($now - $2 > $1) }" || return 1
	echo "timeout"
}

# mesh_wait TIMEOUT_S CMD...: poll CMD every 20 ms; prints seconds taken.
mesh_wait()
{
	local limit=$1 t0 now
	shift
	t0=$(date +%s.%N)
	while ! "$@"; do
		mesh_timed_out "$limit" "$t0" && return 1
		sleep 0.02
	done
	now=$(date +%s.%N)
	awk "BEGIN { printf \"%.3f\n\", $now - $t0 }"
}

# mesh_model_all NODES...: 0 when all run model generation $MESH_GEN.
mesh_model_all()
{
	local n
	for n in "$@"; do
		[ "$(mesh_agent_get "$n" model_generation)" = "$MESH_GEN" ] ||
			return 1
	done
}

# mesh_model FILE GEN [TXT]: the float model TXT (the default model)
# quantised at generation GEN, signed.
mesh_model()
{
	local out=$1 gen=$2 txt=${3:-$HN_ROOT/models/route-default.txt}
	"$HN_OUT/bin/hn-model" quantize "$txt" \
		"$out" --generation "$gen" >/dev/null ||
		hn_fail "hn-model quantize"
	"$HNCTL" model sign "$out" --key "$HN_WORK/sign.key" >/dev/null ||
		hn_fail "hnctl model sign"
}

# mesh_log_stamp T: unix time T (date +%s.%N) as agents stamp log lines,
# "2026-12-08T03:12:01.123Z": stamps compare as strings.
mesh_log_stamp()
{
	date -u -d "@$1" +%Y-%m-%dT%H:%M:%S.%3NZ
}

# mesh_log_wait TIMEOUT_S T0 REGEX NODES...: wait until the log of every
# NODE has a line matching REGEX stamped at or after T0 (date +%s.%N);
# prints the latest of those first stamps minus T0, in seconds, or
# "timeout".  Agent logs stamp each line with the realtime clock, so this
# times events where they happen instead of by polling the agents.
mesh_log_wait()
{
	local limit=$1 t0=$2 re=$3 n ts worst s0
	shift 3
	s0=$(mesh_log_stamp "$t0")
	while :; do
		worst=0
		for n in "$@"; do
			ts=$(awk -v s0="$s0" -v re="$re" \
				'$1 >= s0 && $0 ~ re { print $1; exit }' \
				"$HN_WORK/$n.log" 2>/dev/null)
			if [ -z "$ts" ]; then
				worst=
				break
			fi
			ts=$(date -u -d "$ts" +%s.%N)
			worst=$(awk "BEGIN { d = $ts - $t0; print (d > $worst) ? d : $worst }")
		done
		if [ -n "$worst" ]; then
			awk "BEGIN { printf \"%.3f\n\", $worst }"
			return 0
		fi
		mesh_timed_out "$limit" "$t0" && return 1
		sleep 0.05
	done
}

# mesh_link NODE1 DEV1 NODE2 DEV2: hn_link, and each end a mesh port of
# its node (appended to MESH_PORTS).
mesh_link()
{
	hn_link "$@"
	MESH_PORTS[$1]="${MESH_PORTS[$1]:-} $2"
	MESH_PORTS[$3]="${MESH_PORTS[$3]:-} $4"
}

# mesh_inject A: A's injection port pair "a-in" (a mesh port) and "a-app",
# where hn-pkt sends what A originates.
mesh_inject()
{
	local l=${1,,}
	hn_link "$1" "$l-in" "$1" "$l-app"
	MESH_PORTS[$1]="${MESH_PORTS[$1]:-} $l-in"
}

# mesh_grid6: six nodes A..F (ids 1..6) on a 2x3 grid, with A's injection
# port pair a-in/a-app; MESH_PORTS set, no agent started yet.
#
#   a-app -- a-in [A 1] a-b ---- b-a [B 2] b-c ---- c-b [C 3]
#                  a-d                  b-e                c-f
#                   |                    |                  |
#                  d-a                  e-b                f-c
#                 [D 4] d-e --------- e-d [E 5] e-f ---- f-e [F 6]
mesh_grid6()
{
	local n i=1
	for n in A B C D E F; do
		hn_node "$n" "$i"
		i=$((i + 1))
	done
	mesh_link A a-b B b-a
	mesh_link B b-c C c-b
	mesh_link A a-d D d-a
	mesh_link B b-e E e-b
	mesh_link C c-f F f-c
	mesh_link D d-e E e-d
	mesh_link E e-f F f-e
	mesh_inject A
}

# mesh_grid6_f_ports: F's mesh ports that are there, comma-separated (a
# dead neighbour took its link along).
mesh_grid6_f_ports()
{
	local d devs=
	for d in f-c f-e; do
		ip -n "${HN_TAG}-F" link show "$d" >/dev/null 2>&1 &&
			devs=${devs:+$devs,}$d
	done
	echo "$devs"
}

# mesh_grid6_send N SEQ [INTERVAL_US]: N frames A -> F on mesh_grid6,
# seqs from SEQ; prints F's receive summary (hn-pkt recv -j).
mesh_grid6_send()
{
	local n=$1 iv=${3:-200}
	hn_transfer F "$(mesh_grid6_f_ports)" A a-app 1 6 "$n" "$2" "$iv" \
		$((n * iv / 1000 + 3000))
}

# mesh_grid6_busiest: "NODE FRAMES", the transit node of mesh_grid6
# (B..E) whose data plane has forwarded the most frames.
mesh_grid6_busiest()
{
	local n f busy= most=-1
	for n in B C D E; do
		f=$(hn_stat "$n" fwd_redirect)
		[ "$f" -gt "$most" ] && most=$f busy=$n
	done
	echo "$busy $most"
}

# mesh_grid6_relink NODE: recreate NODE's links of mesh_grid6.
mesh_grid6_relink()
{
	case $1 in
	A) hn_link A a-b B b-a; hn_link A a-d D d-a ;;
	B) hn_link A a-b B b-a; hn_link B b-c C c-b; hn_link B b-e E e-b ;;
	C) hn_link B b-c C c-b; hn_link C c-f F f-c ;;
	D) hn_link A a-d D d-a; hn_link D d-e E e-d ;;
	E) hn_link B b-e E e-b; hn_link D d-e E e-d; hn_link E e-f F f-e ;;
	F) hn_link C c-f F f-c; hn_link E e-f F f-e ;;
	esac
}

# mesh_kill NODE: stop NODE's agent and delete its links (the peers'
# ends vanish with them), as when a router loses power.
mesh_kill()
{
	local dev
	mesh_stop "$1"
	for dev in $(ip -n "${HN_TAG}-$1" -br link show type veth |
		     awk '{ print $1 }' | cut -d@ -f1); do
		ip -n "${HN_TAG}-$1" link del "$dev"
	done
}
