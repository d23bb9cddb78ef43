#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench-split`: all 10,000 Fashion-MNIST test images through the
# mesh of tests/qemu/guest_split.sh inside QEMU, twice: as fast as 16 in
# flight allow, then paced (HN_SPLIT_RATE images/s, 500) with head node H1
# removed a third of the way.  Writes build/bench/split.json (the paced
# run's figures, the steady run's as steady_*, accuracy_float from
# `hn-fmnist eval`) and prints the targets with PASS/MISS.
set -u
cd "$(dirname "$0")/../.."
. tests/qemu/test_split.sh

[ "$(id -u)" -eq 0 ] || skip "needs root"
N=${HN_SPLIT_IMAGES:-10000}
t0=$SECONDS
split_prepare || exit 1
qemu_prepare || exit 1
qemu_run split "${HN_QEMU_TIMEOUT:-1800}" \
	"$N:${SPLIT_FLOOR}:${HN_SPLIT_RATE:-500}"
qemu_verdict
verdict=$?
mkdir -p "$O/bench"
sed -n '/^HN-JSON-STEADY/,/^HN-JSON-FAILOVER/p' "$QLOG.txt" | sed '1d;$d' \
	> "$O/bench/split-steady.json"
sed -n '/^HN-JSON-FAILOVER/,/^HN-JSON-END/p' "$QLOG.txt" | sed '1d;$d' \
	> "$O/bench/split-failover.json"
float=null
if [ "$SPLIT_FLOOR" != 0 ] &&
	nice -n 15 "$O/bin/hn-fmnist" eval --data "$FMNIST_DATA" \
		--models models --out "$O/models" \
		--json "$O/bench/fmnist-eval.json" >/dev/null; then
	float=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("accuracy_float", "null"))' \
		"$O/bench/fmnist-eval.json")
fi
python3 - "$O/bench" "$float" "$QTIME" "$((SECONDS - t0))" "$SPLIT_FLOOR" <<'EOF'
import json, sys
d, flt, vm_s, all_s, floor = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
try:
    fo = json.load(open(d + "/split-failover.json"))
    st = json.load(open(d + "/split-steady.json"))
except (OSError, ValueError) as e:
    sys.exit("bench-split: no results from the guest (%s)" % e)
flt = None if flt == "null" else float(flt)
out = {
    "images": fo["images"],
    "accuracy_fixed": fo["accuracy_fixed"],
    "accuracy_float": flt,
    "payload_bytes_per_image": fo["payload_bytes_per_image"],
    "images_lost": fo["images_lost"],
    "head_removed": "H1, a third of the way",
    "answered_mesh": fo["answered_mesh"],
    "answered_local": fo["answered_local"],
    "retries": fo["retries"],
    "answers_by_node": fo["answers_by_node"],
    "mismatches": fo["mismatches"],
    "rate_images_per_s": round(fo["images_per_s"], 1),
    "latency_ms_p50": fo["latency_ms_p50"],
    "latency_ms_p90": fo["latency_ms_p90"],
    "latency_ms_p99": fo["latency_ms_p99"],
    "latency_ms_max": fo["latency_ms_max"],
    "wire_bytes_per_image": fo["wire_bytes_per_image"],
    "wire_bytes_out_per_image": fo["wire_bytes_out_per_image"],
    "wire_bytes_in_per_image": fo["wire_bytes_in_per_image"],
    "payload_bytes_sent_per_image": fo["payload_bytes_sent_per_image"],
    "steady_accuracy_fixed": st["accuracy_fixed"],
    "steady_images_per_s": st["images_per_s"],
    "steady_latency_ms_p50": st["latency_ms_p50"],
    "steady_latency_ms_p90": st["latency_ms_p90"],
    "steady_latency_ms_p99": st["latency_ms_p99"],
    "steady_mismatches": st["mismatches"],
    "trained_models": floor > 0,
    "vm_seconds": vm_s,
    "total_seconds": all_s,
}
json.dump(out, open(d + "/split.json", "w"), indent=2)
open(d + "/split.json", "a").write("\n")

def row(name, value, target, ok):
    res = "n/a" if ok is None else ("PASS" if ok else "MISS")
    print("%-34s %-12s %-18s %s" % (name, value, target, res))

acc = out["accuracy_fixed"]
print("%-34s %-12s %-18s %s" % ("target", "measured", "wanted", ""))
row("accuracy_fixed (mesh, %d images)" % out["images"], "%.4f" % acc, ">= 0.88",
    acc >= 0.88 if floor > 0 else None)
row("accuracy_float (hn-fmnist eval)", "-" if flt is None else "%.4f" % flt,
    "fixed within 0.005", None if flt is None else flt - acc <= 0.005)
row("payload_bytes_per_image", out["payload_bytes_per_image"], "<= 48",
    out["payload_bytes_per_image"] <= 48)
row("images_lost (H1 removed)", out["images_lost"], "0", out["images_lost"] == 0)
print("answered by the mesh %d (by node %s), here %d, retries %d; "
      "mismatches %d" % (out["answered_mesh"], out["answers_by_node"],
      out["answered_local"], out["retries"], out["mismatches"]))
print("paced %.0f/s: latency ms p50 %.2f p90 %.2f p99 %.2f max %.1f; "
      "wire %.1f B/image (%.1f out, %.1f in)" % (out["rate_images_per_s"],
      out["latency_ms_p50"], out["latency_ms_p90"], out["latency_ms_p99"],
      out["latency_ms_max"], out["wire_bytes_per_image"],
      out["wire_bytes_out_per_image"], out["wire_bytes_in_per_image"]))
print("steady %.0f/s (16 in flight): latency ms p50 %.2f p90 %.2f p99 %.2f" %
      (out["steady_images_per_s"], out["steady_latency_ms_p50"],
       out["steady_latency_ms_p90"], out["steady_latency_ms_p99"]))
print("VM %d s, bench %d s in all; %s/split.json" % (vm_s, all_s, d))
EOF
exit $verdict
