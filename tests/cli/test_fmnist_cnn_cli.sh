#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hn-fmnist train-cnn and eval-cnn (tools/hn-fmnist/cnncmd.c, cnneval.c):
# bad arguments are refused with exit code 2; eval-cnn on the shipped
# CNN prints the issue's keys (accuracy on the first 1,000 test images
# as the model's comment records it, 16 bytes at the main cut, bytes per
# cut, MACs per stage); and a tiny net, its first stage ending in a 1x1
# convolution (--squeeze), trained, exported, quantised by hn-model and
# evaluated gives the accuracy its trainer recorded, so the export, the
# quantiser and the model library agree with the trainer.
# Exits 0 when all pass, 77 (SKIPPED) without the binaries, python3 or
# the data set.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
[[ $O = /* ]] || O=$PWD/$O
FM=$O/bin/hn-fmnist
HNM=$O/bin/hn-model
DATA=${HN_FMNIST_DATA:-/usr/share/datasets/fashion-mnist}

for b in "$FM" "$HNM" "$O/models/fmnist-cnn-head.hnm"; do
	[ -e "$b" ] || { echo "SKIPPED: no $b: run make first"; exit 77; }
done
[ -r "$DATA/t10k-labels-idx1-ubyte.gz" ] ||
	{ echo "SKIPPED: no Fashion-MNIST in $DATA"; exit 77; }
. tests/cli/lib.sh
cli_need_python
cli_scratch fmnist-cnn

run 2 "bad value: 21" "$FM" train-cnn --c1 21
run 2 "bad value: 21" "$FM" train-cnn --squeeze 21
run 2 "bad value: 97" "$FM" train-cnn --c3 97
run 2 "bad value: 2" "$FM" train-cnn --flip 2
run 2 "no arguments expected" "$FM" train-cnn stray
run 2 "usage: hn-fmnist eval-cnn" "$FM" eval-cnn --limit 0
run 1 "$tmp/none/fmnist-cnn-conv.hnm" "$FM" eval-cnn --out "$tmp/none"

# the recorded accuracy of model @1's first 1,000 test images
recorded() { sed -n 's/.*accuracy_1k \([0-9.]*\).*/\1/p' "$1" | head -1; }

# check JSON WANT_ACCURACY CUT_BYTES STAGE_MACS (python lists, or "")
check_json()
{
	python3 - "$@" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
want = float(sys.argv[2])
assert j["images"] == 1000, j
assert abs(j["accuracy_fixed"] - want) < 1e-9, (j["accuracy_fixed"], want)
assert 0 < j["accuracy_float"] <= 1, j
assert j["payload_bytes_per_image"] == j["cut_bytes"][2], j
assert j["cut_bytes"][0] == 784 and j["cut_bytes"][3] == 10, j
if sys.argv[3]:
    assert j["cut_bytes"] == json.loads(sys.argv[3]), j
    assert j["stage_macs"] == json.loads(sys.argv[4]), j
EOF
}

run 0 "images 1000" "$FM" eval-cnn --data "$DATA" --models models \
	--out "$O/models" --limit 1000 --json "$tmp/shipped.json"
if check_json "$tmp/shipped.json" "$(recorded models/fmnist-cnn-head.txt)" \
	"[784, 3136, 16, 10]" "[125440, 934528, 1664]"; then
	ok "shipped CNN: the recorded accuracy, 16 bytes, MACs per stage"
else
	bad "shipped CNN: $(cat "$tmp/shipped.json")"
fi

# a tiny net, end to end
run 0 "wrote $tmp/fmnist-cnn-" "$FM" train-cnn --data "$DATA" \
	--models "$tmp" --train-limit 400 --epochs 1 --qat-epochs 1 \
	--c1 2 --squeeze 1 --c2 3 --bottleneck 8 --head-hidden 8 --seed 5
for p in conv enc head; do
	txt=$tmp/fmnist-cnn-$p.txt
	[ -f "$txt" ] || gzip -dc "$txt.gz" > "$txt"
	run 0 "stage model" "$HNM" quantize "$txt" "$tmp/fmnist-cnn-$p.hnm" \
		--calib "$tmp/fmnist-cnn-$p.calib" --generation 1
done
run 0 "images 1000" "$FM" eval-cnn --data "$DATA" --models "$tmp" \
	--out "$tmp" --limit 1000 --json "$tmp/tiny.json"
if check_json "$tmp/tiny.json" "$(recorded "$tmp/fmnist-cnn-head.txt")" \
	"[784, 196, 8, 10]" "[16072, 7056, 144]"; then
	ok "tiny CNN: trained, exported, quantised, the recorded accuracy"
else
	bad "tiny CNN: $(cat "$tmp/tiny.json")"
fi
exit $failed
