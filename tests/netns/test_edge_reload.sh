#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hn-edge replaces its models while a stream runs (SIGHUP), as a federated
# round installs a new encoder: no image is lost, the images read after
# the signal are encoded with the new set, images in flight finish with
# the set that encoded them, and a file that does not load is refused
# while the running set goes on.
#
#   hn-edge (node 1) -> e0 ---- e1 (nobody answers)
#
# Nothing answers on the link, so every image times out and is answered
# by the head run here (the fallback): the answers show which models made
# each image's answer.  Images come through a FIFO in parts the test
# writes one after the other, so which set encodes an image does not
# depend on timing.  One stream, timeout 2 ms:
#   1. images 0-299 with the trained encoder;
#   2. a malformed file renamed over the encoder, SIGHUP, images 300-399:
#      the reload is refused, the trained encoder goes on;
#   3. an encoder with zero weights (its output is constant, so the head
#      answers one class) renamed over it, SIGHUP, images 400-699.
# A second stream, timeout 4 s, so that images are in flight at the
# reload: images 0-31, then a zero-weight head, SIGHUP, images 32-63.
# Images 0-31 must still be answered by the trained head they were
# encoded for.  (Were the machine so slow that they timed out before the
# test wrote images 32-63, the run would not exercise the overlap but
# would pass all the same: no check depends on timing.)
# Exits 0 when all pass, 77 (SKIPPED) without root, namespaces or data.
set -u
. "$(dirname "$0")/lib.sh"
hn_start

EDGE=$HN_OUT/bin/hn-edge
HNMODEL=$HN_OUT/bin/hn-model
DATA=${HN_FMNIST:-/usr/share/datasets/fashion-mnist}
IMAGES=$DATA/t10k-images-idx3-ubyte.gz
LABELS=$DATA/t10k-labels-idx1-ubyte.gz
ENC=$HN_OUT/models/fmnist-encoder
HEAD=$HN_OUT/models/fmnist-head.hnm
[ -x "$EDGE" ] && [ -x "$HNMODEL" ] || hn_skip "no hn-edge: run make first"
[ -f "$IMAGES" ] && [ -f "$LABELS" ] ||
	hn_skip "no Fashion-MNIST in $DATA: apt-get install dataset-fashion-mnist"
[ -f "$ENC.txt" ] && [ -f "$ENC.hnm" ] && [ -f "$HEAD" ] ||
	hn_skip "no Fashion-MNIST models in $HN_OUT/models: run make models"

W=$HN_WORK
hn_node E 1
hn_link E e0 E e1

# zero TXT CALIB OUT: the float model TXT with every weight 0 (its output
# is its biases', whatever the input), quantised to OUT.
zero()
{
	python3 -c '
import re, sys
block = None
for line in open(sys.argv[1]):
    t = line.strip()
    if t in ("weights", "bias") or t.startswith("layer"):
        block = t if t in ("weights", "bias") else None
    elif block == "weights" and re.fullmatch(r"[-0-9.e ]+", t):
        line = " " + " ".join("0" for _ in t.split()) + "\n"
    sys.stdout.write(line)' "$1" >"$W/zero.txt" || hn_fail "zeroing $1"
	"$HNMODEL" quantize "$W/zero.txt" "$3" --calib "$2" >/dev/null ||
		hn_fail "hn-model quantize of zeroed $1"
}
zero "$ENC.txt" "$HN_ROOT/models/fmnist-encoder.calib" "$W/zero-enc.hnm"
zero "$HN_ROOT/models/fmnist-head.txt" "$HN_ROOT/models/fmnist-head.calib" \
	"$W/zero-head.hnm"

# feed FROM TO: raw images [FROM, TO) of the test set into the FIFO.
feed()
{
	python3 -c '
import gzip, sys
b = gzip.open(sys.argv[1]).read()
a, z = int(sys.argv[2]), int(sys.argv[3])
sys.stdout.buffer.write(b[16 + a * 784:16 + z * 784])' "$IMAGES" "$1" "$2" >&3
}

# answered N: wait until hn-edge has answered N images in all.
answered()
{
	local i
	for i in $(seq 600); do
		grep -q "^progress: $1 images" "$W/log" && return 0
		kill -0 "${HN_PID_OF[edge]}" 2>/dev/null ||
			hn_fail "hn-edge exited early: $(cat "$W/log")"
		sleep 0.05
	done
	hn_fail "hn-edge did not answer $1 images: $(tail -3 "$W/log")"
}

# edge TIMEOUT_MS: hn-edge on a FIFO in the background, fd 3 its input.
edge()
{
	cp "$ENC.hnm" "$W/enc.hnm"
	cp "$HEAD" "$W/head.hnm"
	rm -f "$W/fifo" "$W/log" "$W/out.json"
	mkfifo "$W/fifo"
	hn_bg edge E "$EDGE" run -i e0 --src 1 --dst 2 \
		--encoder "$W/enc.hnm" --head "$W/head.hnm" --raw "$W/fifo" \
		--labels "$LABELS" --timeout-ms "$1" --retries 0 --window 64 \
		--progress 100 -j "$W/out.json" >"$W/log" 2>&1
	exec 3>"$W/fifo"
}

# replace NAME NEW: rename a copy of NEW over model NAME, SIGHUP hn-edge.
replace()
{
	cp "$2" "$W/new.hnm"
	mv "$W/new.hnm" "$W/$1"
	kill -HUP "${HN_PID_OF[edge]}"
}

# finish: close the input and wait for hn-edge; j its JSON, rc its status.
finish()
{
	exec 3>&-
	wait "${HN_PID_OF[edge]}"
	rc=$?
	unset "HN_PID_OF[edge]"
	grep -v '^progress' "$W/log" | sed 's/^/    | /'
	j=$(cat "$W/out.json") || hn_fail "no JSON from hn-edge"
}

get() { hn_jget "$j" "$@"; }
# acc GENERATION: the accuracy of the images that generation encoded.
acc()
{
	python3 -c 'import sys; print(int(sys.argv[1]) / int(sys.argv[2]))' \
		"$(get by_models "$1" correct)" "$(get by_models "$1" labelled)"
}
at_least() { python3 -c "print(1 if $1 >= $2 else 0)"; }
below() { python3 -c "print(1 if $1 < $2 else 0)"; }

# generations WHAT0 MIN WHAT1 MAX: the images generation 0 answered
# reach accuracy MIN (trained models), generation 1's stay below MAX (a
# zero model answers one class).
generations()
{
	local a0 a1
	a0=$(acc 0)
	a1=$(acc 1)
	check "$1 (accuracy >= $2)" "$(at_least "$a0" "$2")" "$a0"
	check "$3 (accuracy < $4)" "$(below "$a1" "$4")" "$a1"
}

echo "-- one stream: a refused reload, then a new encoder"
edge 2
feed 0 300
answered 300
printf 'not a model\n' >"$W/bad.hnm"
replace enc.hnm "$W/bad.hnm"
feed 300 400
answered 400
replace enc.hnm "$W/zero-enc.hnm"
feed 400 700
finish

check "hn-edge exits 0" "$([ "$rc" = 0 ] && echo 1)" "rc $rc"
check "every image answered" \
	"$([ "$(get images)" = 700 ] && [ "$(get images_lost)" = 0 ] && echo 1)" \
	"$(get images) images, $(get images_lost) lost"
check "the malformed file refused, with why" \
	"$([ "$(get reloads_refused)" = 1 ] &&
		grep -q "reload refused; generation 0 goes on" "$W/log" &&
		grep -q "enc.hnm: bad magic" "$W/log" && echo 1)" \
	"$(get reloads_refused) refused"
check "the new encoder loaded" \
	"$([ "$(get reloads)" = 1 ] &&
		grep -q "models reloaded: generation 1" "$W/log" && echo 1)" \
	"$(get reloads) reload"
n0=$(get by_models 0 images)
n1=$(get by_models 1 images)
check "images 0-399 by the trained encoder, 400-699 by the new one" \
	"$([ "$n0" = 400 ] && [ "$n1" = 300 ] && echo 1)" "$n0 and $n1"
generations "the trained encoder classifies" 0.8 \
	"the zero encoder answers one class" 0.3

echo "-- images in flight at the reload"
edge 4000
feed 0 32
replace head.hnm "$W/zero-head.hnm"
feed 32 64
finish
check "every image answered, after one reload" \
	"$([ "$(get images)" = 64 ] && [ "$(get images_lost)" = 0 ] &&
		[ "$(get reloads)" = 1 ] && echo 1)" \
	"$(get images) images, $(get images_lost) lost, $(get reloads) reload"
generations \
	"images 0-31, in flight, answered by the head they were encoded for" \
	0.75 "images 32-63 answered by the new head" 0.4

[ "$HN_FAILED" = 0 ] || hn_fail "$HN_FAILED checks failed"
echo "PASS"
