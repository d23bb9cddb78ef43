#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hn-model on a layer graph (issue 16): quantize a small CNN text model,
# show it as a table and as JSON, verify it, and refuse broken files with
# one line.  Needs no root.  Exits 0 when all pass, 77 (SKIPPED) when
# nothing is built.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
[[ $O = /* ]] || O=$PWD/$O	# the test runs in a temporary directory
HNMODEL=$O/bin/hn-model

[ -x "$HNMODEL" ] || { echo "SKIPPED: no $HNMODEL: run make first"; exit 77; }
. tests/cli/lib.sh
cli_need_python
cli_scratch model-cli
cd "$tmp" || exit 1

# conv 1x6x6 -> 2x6x6 k3 p1 relu, maxpool 2x2, dense 18 -> 3.
python3 - <<'EOF' >cnn.txt
import math
print("hnmodel-float 1\nkind stage 5\ninput_scale 0.0078125")
print("conv 1 6 6 2 3 1 1 relu")
print("weights", " ".join("%.4f" % (math.sin(i + 1) * 0.5) for i in range(18)))
print("bias 0.05 -0.02\nmaxpool 2 6 6 2 2\nlayer 18 3 linear")
print("weights", " ".join("%.4f" % (math.cos(i * 0.7) * 0.3) for i in range(54)))
print("bias 0.1 0 -0.1")
EOF

run 0 "stage model, 3 layers" "$HNMODEL" quantize cnn.txt cnn.hnm
run 0 "conv 1x6x6 -> 2x6x6 k3 s1 p1 relu shift" "$HNMODEL" show cnn.hnm
run 0 "maxpool 2x6x6 -> 2x3x3 k2 s2 p0 shift 0" "$HNMODEL" show cnn.hnm
run 0 "layer 2     18 -> 3 linear" "$HNMODEL" show cnn.hnm
run 0 "format      version 2" "$HNMODEL" show cnn.hnm
run 0 "OK (stage model" "$HNMODEL" verify cnn.hnm

"$HNMODEL" show -j cnn.hnm >cnn.json
if python3 - cnn.json <<'EOF'; then ok "show -j: conv and pool geometry"; else bad "show -j"; cat cnn.json; fi
import json, sys
j = json.load(open(sys.argv[1]))
L = j["layers"]
assert j["version"] == 2 and j["stage"] == 5, j
assert [l["op"] for l in L] == ["conv", "maxpool", "dense"], L
c, p, d = L
assert (c["in_c"], c["in_h"], c["in_w"], c["out_c"]) == (1, 6, 6, 2), c
assert (c["out_h"], c["out_w"], c["k"], c["stride"], c["pad"]) == (6, 6, 3, 1, 1), c
assert (c["n_in"], c["n_out"], c["macs"]) == (36, 72, 72 * 9), c
assert (p["k"], p["stride"], p["n_out"], p["shift"]) == (2, 2, 18, 0), p
assert p["out_exp"] == c["out_exp"] and p["w_exp"] == 0, p
assert (d["n_in"], d["n_out"]) == (18, 3) and "k" not in d, d
assert j["param_bytes"] == 18 + 8 + 54 + 12, j
assert j["macs"] == 72 * 9 + 18 * 4 + 54, j
EOF

# A broken geometry: the pool's window (offset 28 + 16 + 1) larger than
# its input.  The descriptors are checked before the digest.
python3 - cnn.hnm bad.hnm <<'EOF'
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
b[45] = 7
open(sys.argv[2], 'wb').write(b)
EOF
run 1 "layer 1: the window is larger than the padded input" \
	"$HNMODEL" verify bad.hnm
lines=$("$HNMODEL" show bad.hnm 2>&1 | wc -l)
[ "$lines" -eq 1 ] && ok "one line for a broken file" ||
	bad "show of a broken file printed $lines lines"

printf 'hnmodel-float 1\nkind stage 1\ninput_scale 1\nmaxpool 1 4 4 5 1\n' \
	>badtext.txt
run 1 "line 4: layer 0: the window is larger than the padded input" \
	"$HNMODEL" quantize badtext.txt x.hnm

exit $failed
