#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the Debian packages from a clean copy of the tree into OUTDIR:
#   tools/deb.sh OUTDIR
# then check them with lintian at the error level.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: tools/deb.sh OUTDIR}

for t in dpkg-buildpackage dh lintian; do
	command -v "$t" >/dev/null || {
		echo "deb: $t not found" >&2
		echo "hint: make deps (installs dpkg-dev, debhelper, dh-dkms, lintian)" >&2
		exit 1
	}
done
ver=$(dpkg-parsechangelog -S Version)
src=$out/src/hypernet-$ver
rm -rf "$out"
mkdir -p "$src"

# The tree's files: git's list when this is a clone (tracked and new,
# ignored ones left out), else everything but build directories.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		cpio -0 -pdm --quiet "$src"
else
	tar --exclude=./build --exclude=./debian/build -cf - . | tar -C "$src" -xf -
fi

jobs=$(nproc 2>/dev/null || echo 1)
(cd "$src" && DEB_BUILD_OPTIONS="parallel=$jobs ${DEB_BUILD_OPTIONS:-}" \
	dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1 || {
	tail -n 40 "$out/build.log" >&2
	echo "deb: dpkg-buildpackage failed (log: $out/build.log)" >&2
	exit 1
}
changes=$(ls "$out"/src/hypernet_"$ver"_*.changes)
mv "$out"/src/*.deb "$out"/src/*.changes "$out"/src/*.buildinfo "$out"/
changes=$out/$(basename "$changes")
if ! lintian --fail-on error --suppress-tags-from-file /dev/null \
	"$changes" >"$out/lintian.log" 2>&1; then
	cat "$out/lintian.log" >&2
	echo "deb: lintian found errors (log: $out/lintian.log)" >&2
	exit 1
fi
rm -rf "$out/src"
echo "deb: built $(cd "$out" && ls *.deb | tr '\n' ' ')in $out"
echo "deb: lintian: $(grep -c '^E:' "$out/lintian.log" || true) errors," \
	"$(grep -c '^W:' "$out/lintian.log" || true) warnings ($out/lintian.log)"
