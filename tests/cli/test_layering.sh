#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The tree's layering, as Documentation/architecture.rst ("The tree")
# draws it:
#   - the router's binaries (hypernetd, hnctl, and the root tools
#     installed beside them, hn-pkt and hn-tensor) link the runtime
#     library, never the learning archive: it is not on their link lines
#     (make -n), they contain none of its symbols nor any simulator, IDX,
#     quantiser or trainer symbol (nm), and their sources and the
#     library's include none of its headers;
#   - the runtime library uses nothing the learning archive defines;
#   - the top- and second-level folders are the ones the tree lists.
# Needs no root.  Exits 0 when all hold, 77 (SKIPPED) without nm or a
# build.
set -u
cd "$(dirname "$0")/../.."
export LC_ALL=C		# one collation for sort and comm
O=${O:-build}
ROUTER_BINS="hypernetd hnctl hn-pkt hn-tensor"
ROUTER_SRCS="userspace/lib userspace/hypernetd userspace/hnctl tools/hn-pkt
	tools/hn-tensor"
LIB=$O/lib/libhypernet.a
LEARN=$O/learn/libhnlearn.a
# Learning code by name, wherever it would come from: the simulator and
# its bound, the IDX reader, the float models and quantiser, hn-train's
# and hn-fmnist's.
LEARN_NAMES='^(hn_(sim|bound|idx|fmodel|calib|quant|tr)_|hn_quantize$|fm_)'
DOC=Documentation/architecture.rst

command -v nm >/dev/null || { echo "SKIPPED: no nm (binutils)"; exit 77; }
for f in "$LIB" "$LEARN" $(for b in $ROUTER_BINS; do echo "$O/bin/$b"; done)
do
	[ -f "$f" ] || { echo "SKIPPED: no $f: run make first"; exit 77; }
done

failed=0
fail()
{
	echo "FAIL: $*"
	failed=1
}

# Global symbols the learning archive defines.
learn_syms=$(nm -g --defined-only "$LEARN" 2>/dev/null |
	     awk 'NF == 3 { print $3 }' | sort -u)
[ -n "$learn_syms" ] || fail "$LEARN defines no symbols"

# in_learn: the names on stdin that the learning archive defines.
in_learn()
{
	sort -u | comm -12 - <(echo "$learn_syms")
}

for b in $ROUTER_BINS; do
	bin=$O/bin/$b
	syms=$(nm --defined-only "$bin" 2>/dev/null |
	       awk 'NF == 3 { print $3 }')
	if [ -z "$syms" ]; then
		echo "SKIPPED: $bin has no symbol table (stripped)"
		exit 77
	fi
	bad=$( { in_learn <<<"$syms"; grep -E "$LEARN_NAMES" <<<"$syms"; } |
	       sort -u | tr '\n' ' ')
	if [ -n "$bad" ]; then
		fail "$bin contains learning code: $bad"
	else
		echo "ok:   $bin: none of the learning symbols" \
		     "($(wc -l <<<"$syms") defined)"
	fi

	# the link line make would run, without running it (one command a
	# line once continuations are joined)
	link=$(make -s -n -B "$bin" 2>/dev/null |
	       sed -e ':a' -e '/\\$/N; s/\\\n//; ta' | grep -- "-o $bin ")
	if [ -z "$link" ]; then
		fail "$b: no link line in make -n -B $bin"
	elif [[ "$link" == *libhnlearn* || "$link" == *"/learn/"* ]]; then
		fail "$b links the learning archive: $link"
	elif [[ "$link" != *"$LIB"* ]]; then
		fail "$b: the library is not on its link line: $link"
	else
		echo "ok:   $b: link line without the learning archive"
	fi
done

# No learning header in the router's sources or the library's.
hits=
for h in userspace/learn/*.h; do
	hits+=$(grep -lE "^#include [\"<]$(basename "$h")[\">]" \
		$(for d in $ROUTER_SRCS; do echo "$d"/*.[ch]; done) \
		2>/dev/null | sed "s|\$| includes $(basename "$h");|")
done
if [ -n "$hits" ]; then
	fail "learning headers in the router's code:" $hits
else
	echo "ok:   no learning header in" $ROUTER_SRCS
fi

# The library below the learning code, never the reverse.
bad=$(nm -u "$LIB" 2>/dev/null | awk '{ print $NF }' | in_learn | tr '\n' ' ')
if [ -n "$bad" ]; then
	fail "$LIB uses learning code: $bad"
else
	echo "ok:   $LIB uses nothing of $LEARN"
fi

# The folders the tree lists (the first literal block after "The tree":
# two spaces, a top-level folder; four, a second-level one) against the
# folders that hold files.
listed=$(awk '
	/^The tree$/ { intree = 1 }
	intree && /^::$/ { inblock = 1; next }
	inblock && /^[^ ]/ { exit }
	inblock && match($0, /^  [^ ]+\//) {
		name = substr($0, 3, RLENGTH - 3)
		top = name
		print name
	}
	inblock && match($0, /^    [^ ]+\//) {
		print top "/" substr($0, 5, RLENGTH - 5)
	}' "$DOC" | sort)
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# new files count before they are committed; the build's do not
	files=$(git ls-files --cached --others --exclude-standard |
		grep -v "^${O#./}/")
else
	files=$(find . -path "./$O" -prune -o -path ./.git -prune -o \
		-type f -print | sed 's|^\./||')
fi
present=$(awk -F/ 'NF > 1 { print $1 } NF > 2 { print $1 "/" $2 }' \
	  <<<"$files" | sort -u)
[ -n "$listed" ] || fail "$DOC: no tree found (a \"The tree\" section)"
missing=$(comm -13 <(echo "$listed") <(echo "$present") | xargs)
stale=$(comm -23 <(echo "$listed") <(echo "$present") | xargs)
[ -z "$missing" ] || fail "folders the tree in $DOC lacks: $missing"
[ -z "$stale" ] || fail "folders in the tree of $DOC that do not exist: $stale"
[ -z "$missing$stale" ] && [ -n "$listed" ] &&
	echo "ok:   $DOC lists the $(wc -l <<<"$listed") folders of the tree"

if [ $failed -ne 0 ]; then
	echo "test_layering: failures"
	exit 1
fi
echo "test_layering: all checks passed"
