#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hn-edge --cut: where the edge cuts its chain (encoder, head) and who runs
# the rest, on the trained Fashion-MNIST models.
#
#   hn-edge (node 1) -> e0 ---- e1 (nobody answers)
#
# The hosts come from a file in the agent's "hosts" form (what hypernetd
# tells local clients; --agent reads the same from its socket).  Nothing
# answers on the link, so an image sent to the mesh times out and the
# head run here answers it (the fallback, --retries 0).  Checks:
#   1. no host: every image is chosen to run here, no frame leaves, no
#      image is lost, the accuracy is the models'; --lat-log has a
#      line per image, each answered here, done after it was sent;
#   2. a host (node 5) of both stages, far faster than the edge over a
#      fast path: the first images go raw (cut 0) to node 5; their
#      round trips (timeouts) move the estimates and the chooser ends up
#      running the rest here; no image lost;
#      with tries left, a timed-out image is not sent to it again;
#      one image at a time, after the first timeout only probes go
#      to it (cut.h: a suspected host);
#      the same from an agent's socket (a stand-in), and nothing from
#      one that refuses;
#   3. the same stream marked private: never cut 0, so no raw image
#      leaves the edge;
#   4. a fixed cut (--cut 1) still sends to the stage's task class,
#      anycast, as the fixed path does;
#   5. options that cannot work are refused (exit 2 or 1);
#   6. the CNN's chain (stages 4, 5, 6): its own cut table counts the
#      convolutions' and pooling's MACs (Documentation/split-inference.rst).
# Exits 0 when all pass, 77 (SKIPPED) without root, namespaces or data.
set -u
. "$(dirname "$0")/lib.sh"
hn_start

EDGE=$HN_OUT/bin/hn-edge
DATA=${HN_FMNIST:-/usr/share/datasets/fashion-mnist}
IMAGES=$DATA/t10k-images-idx3-ubyte.gz
LABELS=$DATA/t10k-labels-idx1-ubyte.gz
ENC=$HN_OUT/models/fmnist-encoder.hnm
HEAD=$HN_OUT/models/fmnist-head.hnm
[ -x "$EDGE" ] || hn_skip "no hn-edge: run make first"
[ -f "$IMAGES" ] && [ -f "$LABELS" ] ||
	hn_skip "no Fashion-MNIST in $DATA: apt-get install dataset-fashion-mnist"
[ -f "$ENC" ] && [ -f "$HEAD" ] ||
	hn_skip "no Fashion-MNIST models in $HN_OUT/models: run make models"

W=$HN_WORK
N=300
hn_node E 1
hn_link E e0 E e1

# edge ARGS...: a run of N images; j its JSON, rc its exit status.
edge()
{
	rm -f "$W/out.json"
	hn_x E "$EDGE" run -i e0 --src 1 --encoder "$ENC" --head "$HEAD" \
		--images "$IMAGES" --labels "$LABELS" --count $N \
		--timeout-ms 50 --retries 0 -j "$W/out.json" "$@" \
		>"$W/log" 2>&1
	rc=$?
	sed 's/^/    | /' "$W/log"
	j=$(cat "$W/out.json" 2>/dev/null) || j='{}'
}
get() { hn_jget "$j" "$@"; }
# is KEY OP NUMBER: 1 if the JSON's KEY compares so (python's OP)
is()
{
	python3 -c "print(1 if float('$(get "$1" 2>/dev/null)' or 'nan') $2 $3 else 0)"
}

# 1. no host at all
: >"$W/hosts"
edge --cut auto --hosts "$W/hosts" --lat-log "$W/lat"
check "no host: every image runs here, none lost" \
	"$([ $rc = 0 ] && [ "$(get answered_edge)" = $N ] &&
	   [ "$(get images_lost)" = 0 ] && echo 1)" \
	"rc $rc, here $(get answered_edge), lost $(get images_lost)"
check "no host: no frame leaves the edge" "$(is frames_out_per_image == 0)" \
	"$(get frames_out_per_image) frames per image"
check "no host: --lat-log, a line per image, sent before done, here" \
	"$(awk -v n=$N '$3 == "here" && $2 >= $1 && $1 > 0 { k++ }
		END { print (k == n && NR == n) ? 1 : 0 }' "$W/lat")" \
	"$(wc -l <"$W/lat") lines, $(grep -vc ' here$' "$W/lat") not here"
acc=$(get accuracy_fixed)
check "no host: the models' accuracy" \
	"$(python3 -c "print(1 if $acc >= 0.85 else 0)")" "$acc"

# 2. node 5 hosts both stages at 1 ns a tensor over a 4 Tbit/s path
printf '%s\n' \
	"node stage self ns_per_item busy_pm queue load capacity cost lcost hops path_kbps" \
	"5 1 0 1 0 0 0 127 1 1 1 4000000000" \
	"5 2 0 1 0 0 0 127 1 1 1 4000000000" >"$W/hosts"
edge --cut auto --hosts "$W/hosts" --hop-us 0
check "a fast host: raw images go to it first (cut 0)" \
	"$([ $rc = 0 ] && [ "$(get cuts 0)" -gt 0 ] && echo 1)" \
	"rc $rc, cuts $(get cuts)"
check "its timeouts move the choice back here, none lost" \
	"$([ "$(get answered_edge)" -gt 0 ] && [ "$(get cut_switches)" -ge 2 ] &&
	   [ "$(get images_lost)" = 0 ] && echo 1)" \
	"here $(get answered_edge), fallback $(get answered_local), $(get cut_switches) switches"

# 2a. tries left: a timed-out image goes nowhere the chooser now thinks
# slow; here (another cut, or local), at once, not to the silent host
edge --cut auto --hosts "$W/hosts" --hop-us 0 --retries 3
check "retries: none to the silent host, none lost" \
	"$([ $rc = 0 ] && [ "$(get retries)" = 0 ] &&
	   [ "$(get images_lost)" = 0 ] && echo 1)" \
	"rc $rc, $(get retries) retries, fallback $(get answered_local)"

# 2b. one image at a time over 3 s: once the first has timed out, node 5
# is suspected down and gets nothing but probes, one a time, the first
# a second after the timeout, the next two seconds after that one's
# (so one or two of them in 3 s); everything else runs here
edge --cut auto --hosts "$W/hosts" --hop-us 0 --window 1 --rate 100
sent=$(($(get cuts 0) + $(get cuts 1)))
check "a dead host: only probes after its first timeout, none lost" \
	"$([ $rc = 0 ] && [ "$(get suspicions)" = 1 ] &&
	   [ "$sent" = $((1 + $(get probes))) ] &&
	   [ "$(get probes)" -ge 1 ] && [ "$(get probes)" -le 2 ] &&
	   [ "$(get answered_local)" = "$sent" ] &&
	   [ "$(get images_lost)" = 0 ] && echo 1)" \
	"rc $rc, to node 5 $sent, $(get suspicions) suspicions, $(get probes) probes, cuts $(get cuts)"

# 2c. the same hosts from an agent's control socket (a stand-in that
# answers "hosts" as hypernetd does), and from one that refuses
serve()
{
	rm -f "$W/agent.sock"
	hn_bg agent E python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind(sys.argv[1])
s.listen(4)
reply = (sys.argv[2] + "\n").encode() + open(sys.argv[3], "rb").read()
while True:
    c, _ = s.accept()
    if c.recv(256) == b"hosts\n":
        c.send(reply)
    c.close()' "$W/agent.sock" "$1" "$W/hosts"
	for _ in $(seq 100); do
		[ -S "$W/agent.sock" ] && return
		sleep 0.05
	done
	hn_fail "the stand-in agent did not start"
}
serve ok
edge --cut auto --agent "$W/agent.sock" --hop-us 0
check "--agent: the hosts from the agent's socket" \
	"$([ $rc = 0 ] && [ "$(get cuts 0)" -gt 0 ] && echo 1)" \
	"rc $rc, cuts $(get cuts)"
kill "${HN_PID_OF[agent]}" 2>/dev/null
wait "${HN_PID_OF[agent]}" 2>/dev/null
serve error
edge --cut auto --agent "$W/agent.sock" --hop-us 0
check "--agent refusing: every image here" \
	"$([ $rc = 0 ] && [ "$(get answered_edge)" = $N ] && echo 1)" \
	"rc $rc, cuts $(get cuts)"
kill "${HN_PID_OF[agent]}" 2>/dev/null
wait "${HN_PID_OF[agent]}" 2>/dev/null

# 3. private: the raw input never leaves
edge --cut auto --hosts "$W/hosts" --hop-us 0 --private
check "private: never cut 0, the encoder's output goes instead" \
	"$([ $rc = 0 ] && [ "$(get cuts 0)" = 0 ] && [ "$(get cuts 1)" -gt 0 ] &&
	   echo 1)" "rc $rc, cuts $(get cuts)"
check "private: only the bottleneck crossed" \
	"$(is payload_bytes_per_image == 48)" \
	"$(get payload_bytes_per_image) bytes"

# 4. a fixed cut: anycast to stage 2's task class, answered here after
edge --cut 1
check "--cut 1: every image sent once, answered by the fallback" \
	"$([ $rc = 0 ] && [ "$(get cuts 1)" = $N ] &&
	   [ "$(get answered_local)" = $N ] && echo 1)" \
	"rc $rc, cuts $(get cuts), fallback $(get answered_local)"
check "--cut 1: the encoder's 48 bytes an image" \
	"$(is payload_bytes_per_image == 48)" "$(get payload_bytes_per_image)"

# 5. refused
bad()
{
	hn_x E "$EDGE" run -i e0 --src 1 --encoder "$ENC" --head "$HEAD" \
		--images "$IMAGES" --count 1 "$@" >"$W/log" 2>&1
	echo $?
}
check "--cut auto needs --hosts or --agent" \
	"$([ "$(bad --cut auto)" = 2 ] && echo 1)" "$(cat "$W/log")"
check "--private refuses cut 0" \
	"$([ "$(bad --cut 0 --private)" = 2 ] && echo 1)" "$(cat "$W/log")"
check "--cut past the table" "$([ "$(bad --cut 2)" = 2 ] && echo 1)" \
	"$(cat "$W/log")"
printf 'result 10\ncut 7 0 784 100\n' >"$W/table"
check "a cut table whose stages are not the models'" \
	"$([ "$(bad --cut 0 --cut-table "$W/table")" = 1 ] && echo 1)" \
	"$(cat "$W/log")"
check "--cut with --task" \
	"$([ "$(bad --cut 1 --task 2)" = 2 ] && echo 1)" "$(cat "$W/log")"

# 6. the CNN: MACs before each cut and the bytes crossing it
CNN=$HN_OUT/models/fmnist-cnn
if [ -f "$CNN-conv.hnm" ] && [ -f "$CNN-enc.hnm" ] && [ -f "$CNN-head.hnm" ]; then
	: >"$W/hosts"
	hn_x E "$EDGE" run -i e0 --src 1 --encoder "$CNN-conv.hnm" \
		--head "$CNN-enc.hnm" --head "$CNN-head.hnm" --count 10 \
		--images "$IMAGES" --cut local --hosts "$W/hosts" \
		-j "$W/out.json" >"$W/log" 2>&1
	tab=$(python3 -c 'import json, sys
print(" ".join("%d/%d/%d/%d" % (c["stage"], c["macs_before"], c["bytes"],
      c["macs_after"]) for c in json.load(open(sys.argv[1]))["cut_table"]))' \
		"$W/out.json" 2>&1)
	check "the CNN's cut table: conv and pooling MACs" \
		"$([ "$tab" = "4/0/784/1061632 5/125440/3136/936192 6/1059968/16/1664" ] &&
		   echo 1)" "$tab"
else
	echo "skip: no CNN models in $HN_OUT/models (make fmnist-models)"
fi

if [ $HN_FAILED -gt 0 ]; then
	echo "test_edge_cut: $HN_FAILED check(s) failed"
	exit 1
fi
echo "test_edge_cut: all checks passed"
