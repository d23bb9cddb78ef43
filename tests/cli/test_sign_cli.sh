#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hnctl keygen / model sign / model verify on the default routing model:
# the commands, their exit codes, their messages and their JSON.  Needs
# no root.  Exits 0 when all pass, 77 (SKIPPED) when nothing is built.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
O=${O:-build}
[[ $O = /* ]] || O=$PWD/$O	# the test runs in a temporary directory
HNCTL=$O/bin/hnctl
MODEL=$O/models/route-default.hnm

[ -x "$HNCTL" ] || { echo "SKIPPED: no $HNCTL: run make first"; exit 77; }
[ -f "$MODEL" ] ||
	{ echo "SKIPPED: no $MODEL: run make models first"; exit 77; }
. tests/cli/lib.sh
cli_need_python
cli_scratch sign-cli
cd "$tmp" || exit 1
hnctl() { "$HNCTL" "$@"; }

# is GOT WANT WHAT
is() {
	if [ "$1" = "$2" ]; then ok "$3"; else bad "$3: '$1', not '$2'"; fi
}


# flip FILE OFFSET [redigest]: flip one bit, optionally fix the digest.
flip() {
	python3 - "$@" <<'EOF'
import hashlib, sys
path, off = sys.argv[1], int(sys.argv[2])
b = bytearray(open(path, 'rb').read())
b[off] ^= 0x10
if len(sys.argv) > 3:
    # digest at 196 - 36 in the default route model, signature after it
    b[160:192] = hashlib.sha256(b[:160]).digest()
open(path, 'wb').write(b)
EOF
}

# json_get FILE KEY: print one field of a JSON object, fail if not JSON.
json_get() {
	python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

# Keys.
expect 0 "public key" hnctl keygen a.key a.pub
expect 0 "public key" hnctl keygen b.key b.pub
is "$(stat -c %a a.key)" 600 "a.key mode"
is "$(stat -c %a a.pub)" 644 "a.pub mode"
cp a.key a.key.orig
expect 1 "already exists" hnctl keygen a.key c.pub
cmp -s a.key a.key.orig && ok "a.key untouched" || bad "keygen overwrote a.key"
[ ! -e c.pub ] && ok "no c.pub left behind" || bad "c.pub left behind"
expect 1 "usage" hnctl keygen a.key

# Signing.
expect 1 "refused (unsigned)" hnctl model verify "$MODEL" --keys a.pub
expect 0 "signed" hnctl model sign "$MODEL" --key a.key -o s.hnm
is "$(stat -c %s s.hnm)" 260 "signed size (196 + 64 bytes)"
expect 0 "accepted" hnctl model verify s.hnm --keys a.pub
expect 0 "accepted" hnctl model verify s.hnm --keys a.pub --installed 0
# An expiry is shown as a date, not unix seconds.
if "$O/bin/hn-model" quantize "$ROOT/models/route-default.txt" exp.hnm \
	--expiry 4102444800 >/dev/null 2>&1; then
	expect 0 "signed" hnctl model sign exp.hnm --key a.key -o exps.hnm
	TZ=UTC expect 0 "expires 2100-01-01 00:00:00 UTC" \
		hnctl model verify exps.hnm --keys a.pub
else
	bad "hn-model quantize --expiry"
fi
cp "$MODEL" inplace.hnm
chmod 640 inplace.hnm
expect 0 "signed" hnctl model sign inplace.hnm --key a.key
cmp -s s.hnm inplace.hnm && ok "in place: same bytes" || bad "in place differs"
is "$(stat -c %a inplace.hnm)" 640 "in place keeps the mode"
ls inplace.hnm.* >/dev/null 2>&1 && bad "temporary file left" ||
	ok "no temporary file left"
expect 1 "needs a value" hnctl model sign s.hnm --key
expect 1 "unknown option" hnctl model sign s.hnm --kye a.key
expect 1 "No such file" hnctl model sign s.hnm --key none.key
chmod 640 b.key
expect 1 "chmod 600" hnctl model sign s.hnm --key b.key -o x.hnm
[ ! -e x.hnm ] && ok "nothing written with a refused key" || bad "x.hnm written"
chmod 600 b.key
echo "not a model" > junk.hnm
expect 1 "bad magic" hnctl model sign junk.hnm --key a.key

# Refusals.
expect 1 "signed by none of the 1 trusted keys, or forged" \
	hnctl model verify s.hnm --keys b.pub
cat a.pub b.pub > ab.pub
expect 0 "signed by one of 2 trusted keys" hnctl model verify s.hnm --keys ab.pub
expect 1 "generation 1 is not newer than installed 1" \
	hnctl model verify s.hnm --keys a.pub --installed 1
expect 1 "not a generation number" \
	hnctl model verify s.hnm --keys a.pub --installed x
cp s.hnm t1.hnm && flip t1.hnm 60
expect 1 "refused (malformed): digest mismatch" \
	hnctl model verify t1.hnm --keys a.pub
cp s.hnm t2.hnm && flip t2.hnm 60 redigest
expect 1 "refused (bad-signature)" hnctl model verify t2.hnm --keys a.pub
# a forged generation says nothing about versions either
cp s.hnm t3.hnm && flip t3.hnm 15 redigest
expect 1 "refused (bad-signature)" \
	hnctl model verify t3.hnm --keys a.pub --installed 5
cp s.hnm t4.hnm && flip t4.hnm 250
expect 1 "refused (bad-signature)" hnctl model verify t4.hnm --keys a.pub
echo "d75a98" > short.pub
expect 1 "line 1: 6 hex digits" hnctl model verify s.hnm --keys short.pub

# JSON.
hnctl -j model verify s.hnm --keys a.pub > ok.json
is "$(json_get ok.json accepted)" True "-j: accepted"
is "$(json_get ok.json generation)" 1 "-j: generation"
hnctl -j model verify s.hnm --keys b.pub > no.json
is $? 1 "-j: refusal exit code"
is "$(json_get no.json reason)" bad-signature "-j: reason"
is "$(json_get no.json accepted)" False "-j: refused"
hnctl -j keygen j.key j.pub > kg.json
is "$(json_get kg.json public_key)" "$(cat j.pub)" "-j keygen: public key"
hnctl -j model sign "$MODEL" --key j.key -o j.hnm > sg.json
is "$(json_get sg.json kind)" route "-j sign: kind"

[ $failed = 0 ] && echo "all passed"
exit $failed
