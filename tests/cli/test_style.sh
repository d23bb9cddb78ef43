#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make style` in `make check`: first that the checker catches what it
# must (planted files: a loop macro's brace on its own line, a missing
# SPDX line, checkpatch's errors and a // comment in module code) and
# passes a clean file, then that the tree itself is clean.
# Exits 77 (SKIPPED) without clang-format-14 or Debian's linux-source.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
CLANG_FORMAT=${CLANG_FORMAT:-clang-format-14}

command -v "$CLANG_FORMAT" >/dev/null ||
	{ echo "SKIPPED: no $CLANG_FORMAT (make deps)"; exit 77; }
ls /usr/src/linux-source-*.tar.xz >/dev/null 2>&1 ||
	{ echo "SKIPPED: no /usr/src/linux-source-*.tar.xz (make deps)"; exit 77; }
make -s "$O/style/checkpatch.pl" || exit 1
export CLANG_FORMAT CHECKPATCH=$O/style/checkpatch.pl

# Inside the tree, so that clang-format finds .clang-format.
T=$(mktemp -d "$O/style-test.XXXXXX")
trap 'rm -rf "$T"' EXIT

failed=0
fail()
{
	echo "FAIL: $*"
	failed=1
}

# expect PATTERN FILE...: check-style.sh fails and says PATTERN.
expect()
{
	local want=$1 out
	shift
	if out=$(./tools/check-style.sh "$@" 2>&1); then
		fail "check-style.sh $* passed; want '$want'"
	elif ! grep -q -- "$want" <<<"$out"; then
		fail "check-style.sh $*: no '$want' in: $out"
	fi
}

cat >"$T/good.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
#include <stddef.h>

struct nlattr;

#define nla_for_each_nested(pos, nla, rem) for (pos = nla, rem = 0; !rem;)

static int count(struct nlattr *nest)
{
	struct nlattr *a;
	int rem, n = 0;

	nla_for_each_nested(a, nest, rem) {
		n++;
		rem = 1;
	}
	return n;
}

int use(void)
{
	return count(NULL);
}
EOF
# The same loop, with the brace where clang-format puts it when the
# macro is not in ForEachMacros.
sed 's/^\tnla_for_each_nested(a, nest, rem) {$/\tnla_for_each_nested(a, nest, rem)\n\t{/' \
	"$T/good.c" >"$T/brace.c"
sed 1d "$T/good.c" >"$T/nospdx.c"
printf '/* SPDX-License-Identifier: GPL-2.0 */\n#define X 1\n' >"$T/good.h"
printf '// SPDX-License-Identifier: GPL-2.0\n#define X 1\n' >"$T/slash.h"
# Module code: trailing white space, then a // comment; both formatted.
sed 's/^\tint rem, n = 0;$/&  /' "$T/good.c" >"$T/kws.c"
sed 's|^\treturn n;$|\treturn n; // counted|' "$T/good.c" >"$T/kc99.c"

out=$(./tools/check-style.sh "$T/good.c" "$T/good.h" --kmod "$T/good.c" 2>&1) ||
	fail "clean files rejected: $out"
expect "brace.c: 1 places differ" "$T/brace.c"
expect "nospdx.c:1: no SPDX" "$T/nospdx.c"
expect "slash.h:1: no SPDX" "$T/slash.h"
expect "TRAILING_WHITESPACE" --kmod "$T/kws.c"
expect "kc99.c:17: C99 // comment" --kmod "$T/kc99.c"
# Outside kmod/ checkpatch does not run.
cp "$T/kc99.c" "$T/user99.c"
out=$(./tools/check-style.sh "$T/user99.c" 2>&1) ||
	fail "a // comment outside the module rejected: $out"

# The tree.
if ! out=$(make -s style 2>&1); then
	fail "make style:"
	printf '%s\n' "$out" | head -n 40
fi
[ $failed = 0 ] && echo "style: checker and tree OK"
exit $failed
