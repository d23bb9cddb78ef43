#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The README's "Using it" block, followed as written up to `hypernetd
# --check`, in a scratch root: the operator's machine is one directory,
# the router's /etc/hypernet another.  Only what cannot run here is
# replaced: `make install` by installing the example config (the binaries
# are build/bin's), `scp operator:F` by a copy, `$EDITOR` by setting
# node-id and a port, and /etc/hypernet by the scratch root's.  Then:
# the router's config finds its trusted keys where the README put them,
# trusts the model the README signed, and holds no private signing key.
# Exits 0 when all pass, 77 (SKIPPED) when the tools are not built.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
O=${O:-build}
[[ $O = /* ]] || O=$PWD/$O
for b in hnctl hn-model hypernetd; do
	[ -x "$O/bin/$b" ] || { echo "SKIPPED: no $O/bin/$b: run make first"; exit 77; }
done
command -v openssl >/dev/null || { echo "SKIPPED: no openssl(1)"; exit 77; }

. tests/cli/lib.sh
cli_scratch readme
OP=$tmp/operator RT=$tmp/router ETC=$tmp/root/etc/hypernet
mkdir -p "$OP" "$RT"
ln -s "$ROOT/models" "$OP/models" # the operator works in the source tree
export PATH=$O/bin:$PATH

# the block, continuation lines joined
block=$(awk '/^## Using it/ { on = 1 } on && /^```/ { if (inb) exit; inb = 1; next }
	inb' README.md | sed -e ':a' -e '/\\$/N; s/\\\n//; ta')
[ -n "$block" ] || { bad "no 'Using it' block in README.md"; exit 1; }

where= reached=0
while IFS= read -r line; do
	case $line in
	"# on the operator's machine"*) where=$OP; continue ;;
	"# on each router"* | "# on a router"*) where=$RT; continue ;;
	"#"* | "") continue ;;
	esac
	[ -n "$where" ] || { bad "'$line': on which machine?"; continue; }
	cmd=${line//\/etc\/hypernet/$ETC}
	cmd=${cmd//scp operator:/cp $OP\/}
	case $cmd in
	"make && make install"*)
		cmd="install -d $ETC && sed 's|/etc/hypernet/|$ETC/|g' \
			$ROOT/tools/hypernetd.conf.example \
			>$ETC/hypernetd.conf.example" ;;
	'$EDITOR '*)
		cmd="sed -i 's/^#node-id = .*/node-id = 7/; s/^#port = eth1\$/port = eth1/' ${cmd#\$EDITOR }" ;;
	esac
	out=$(cd "$where" && bash -c "$cmd" 2>&1)
	rc=$?
	if [ $rc -ne 0 ]; then
		bad "'$line' exited $rc"
		echo "$out" | sed 's/^/    | /'
	else
		ok "$line"
	fi
	if [[ $line == "hypernetd --check"* ]]; then
		reached=1
		[[ $out == *"configuration ok: node 7"* ]] ||
			bad "hypernetd --check: '$out'"
		break
	fi
done <<<"$block"
[ $reached = 1 ] || bad "the block never runs 'hypernetd --check'"

# the router trusts what the operator signed, by the config's own path
conf=$ETC/hypernetd.conf
keys=$(sed -n 's/^trusted-keys = //p' "$conf" 2>/dev/null)
if [ -z "$keys" ] || [ ! -f "$keys" ]; then
	bad "trusted-keys '$keys' of the README's config does not exist"
else
	expect 0 "accepted" hnctl model verify "$OP/new.hnm" --keys "$keys"
fi
# and never holds the signing key
leak=$(find "$tmp/root" "$RT" -type f -exec cmp -s "$OP/models.key" {} \; \
	-print 2>/dev/null)
[ -f "$OP/models.key" ] || bad "the operator has no models.key"
[ -z "$leak" ] && ok "no router file is the signing key" ||
	bad "the signing key is on the router: $leak"

if [ $failed -ne 0 ]; then
	echo "test_readme: failures"
	exit 1
fi
echo "test_readme: all checks passed"
