#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hn-edge replaces its models while a stream runs (SIGHUP), as a federated
# round installs a new encoder: no image is lost, the images read after
# the signal are encoded with the new set, and a file that does not load
# is refused while the running set goes on.
#
#   hn-edge (node 1) -> e0 ---- e1 (nobody answers)
#
# Nothing answers on the link, so every image times out and is answered
# by the head run here (the fallback): the answers show which encoder made
# each image's tensor.  The images come through a FIFO in three parts the
# test writes only after the previous part is fully answered, so what each
# part is encoded with does not depend on timing:
#   1. images 0-299 with the trained encoder;
#   2. a malformed file renamed over the encoder, SIGHUP, images 300-399:
#      the reload is refused, the trained encoder goes on;
#   3. an encoder with zero weights (its output is constant, so the head
#      answers one class) renamed over it, SIGHUP, images 400-699.
# Exits 0 when all pass, 77 (SKIPPED) without root, namespaces or data.
set -u
. "$(dirname "$0")/lib.sh"
hn_start

EDGE=$HN_OUT/bin/hn-edge
HNMODEL=$HN_OUT/bin/hn-model
DATA=${HN_FMNIST:-/usr/share/datasets/fashion-mnist}
IMAGES=$DATA/t10k-images-idx3-ubyte.gz
LABELS=$DATA/t10k-labels-idx1-ubyte.gz
ENC_TXT=$HN_OUT/models/fmnist-encoder.txt
HEAD=$HN_OUT/models/fmnist-head.hnm
[ -x "$EDGE" ] && [ -x "$HNMODEL" ] || hn_skip "no hn-edge: run make first"
[ -f "$IMAGES" ] && [ -f "$LABELS" ] ||
	hn_skip "no Fashion-MNIST in $DATA: apt-get install dataset-fashion-mnist"
[ -f "$ENC_TXT" ] && [ -f "$HEAD" ] ||
	hn_skip "no Fashion-MNIST models in $HN_OUT/models: run make models"

W=$HN_WORK
hn_node E 1
hn_link E e0 E e1

cp "$HN_OUT/models/fmnist-encoder.hnm" "$W/enc.hnm"
# The same encoder with every weight 0: a constant output.
python3 - "$ENC_TXT" >"$W/zero.txt" <<'EOF' || hn_fail "zero encoder text"
import re, sys
block = None
for line in open(sys.argv[1]):
    t = line.strip()
    if t in ('weights', 'bias') or t.startswith('layer'):
        block = t if t in ('weights', 'bias') else None
    elif block == 'weights' and re.fullmatch(r'[-0-9.e ]+', t):
        line = ' ' + ' '.join('0' for _ in t.split()) + '\n'
    sys.stdout.write(line)
EOF
"$HNMODEL" quantize "$W/zero.txt" "$W/zero.hnm" \
	--calib "$HN_ROOT/models/fmnist-encoder.calib" >/dev/null ||
	hn_fail "hn-model quantize of the zero encoder"

# feed FROM TO: raw images [FROM, TO) of the test set into the FIFO.
feed()
{
	python3 - "$IMAGES" "$1" "$2" <<'EOF' >&3
import gzip, sys
b = gzip.open(sys.argv[1]).read()
a, z = int(sys.argv[2]), int(sys.argv[3])
sys.stdout.buffer.write(b[16 + a * 784:16 + z * 784])
EOF
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

mkfifo "$W/fifo"
hn_bg edge E "$EDGE" run -i e0 --src 1 --dst 2 --encoder "$W/enc.hnm" \
	--head "$HEAD" --raw "$W/fifo" --labels "$LABELS" --timeout-ms 2 \
	--retries 0 --progress 100 -j "$W/out.json" >"$W/log" 2>&1
exec 3>"$W/fifo"

feed 0 300
answered 300
printf 'not a model\n' >"$W/bad.hnm"
mv "$W/bad.hnm" "$W/enc.hnm"
kill -HUP "${HN_PID_OF[edge]}"
feed 300 400
answered 400
cp "$W/zero.hnm" "$W/new.hnm"
mv "$W/new.hnm" "$W/enc.hnm"
kill -HUP "${HN_PID_OF[edge]}"
feed 400 700
exec 3>&-
wait "${HN_PID_OF[edge]}"
rc=$?
unset "HN_PID_OF[edge]"
sed 's/^/    | /' "$W/log" | grep -v progress

j=$(cat "$W/out.json") || hn_fail "no JSON from hn-edge"
get() { hn_jget "$j" "$@"; }
check "hn-edge exits 0" "$([ "$rc" = 0 ] && echo 1)" "rc $rc"
check "every image answered" \
	"$([ "$(get images)" = 700 ] && [ "$(get images_lost)" = 0 ] && echo 1)" \
	"$(get images) images, $(get images_lost) lost"
check "the malformed file refused, with why" \
	"$([ "$(get reloads_refused)" = 1 ] &&
		grep -q "reload refused; generation 0 goes on" "$W/log" && echo 1)" \
	"$(grep -m1 'enc.hnm:' "$W/log")"
check "the new encoder loaded" \
	"$([ "$(get reloads)" = 1 ] &&
		grep -q "models reloaded: generation 1" "$W/log" && echo 1)" \
	"$(get reloads) reload"
n0=$(get by_models 0 images)
n1=$(get by_models 1 images)
check "images 0-399 by the trained encoder, 400-699 by the new one" \
	"$([ "$n0" = 400 ] && [ "$n1" = 300 ] && echo 1)" "$n0 and $n1"
acc() {
	python3 -c 'import sys; print(int(sys.argv[1]) / int(sys.argv[2]))' \
		"$(get by_models "$1" correct)" "$(get by_models "$1" labelled)"
}
a0=$(acc 0)
a1=$(acc 1)
check "the trained encoder classifies (accuracy >= 0.8)" \
	"$(python3 -c "print(1 if $a0 >= 0.8 else 0)")" "$a0"
check "the zero encoder answers one class (accuracy < 0.3)" \
	"$(python3 -c "print(1 if $a1 < 0.3 else 0)")" "$a1"
[ "$HN_FAILED" = 0 ] || hn_fail "$HN_FAILED checks failed"
echo "PASS"
