#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages, as an operator installs them (run by `make check`):
#   1. `make deb`'s script builds hypernet and hypernet-dkms from a clean
#      copy of the tree and lintian finds no error;
#   2. both install; DKMS builds the module for Debian's kernel (the one
#      whose headers are installed: the host's own may have none);
#   3. the installed tools run, their manual pages and hnctl's bash
#      completion are where man and bash-completion look;
#   4. the DKMS-built module passes the module suite under QEMU, booting
#      that kernel (tests/qemu/guest_kmod.sh, as test_kmod);
#   5. both purge, leaving no file of theirs and no DKMS state.
# Installs into this machine's /usr: it refuses to run where either
# package is already installed, so it never replaces an operator's, and
# two runs at once (two clones' make check) take turns from the install
# to the purge.
set -u
cd "$(dirname "$0")/../.."
. tests/qemu/lib.sh

[ "$(id -u)" -eq 0 ] || skip "needs root (installs the packages, runs QEMU)"
for t in dpkg-buildpackage dh dkms lintian; do
	command -v "$t" >/dev/null || skip "$t not installed (make deps)"
done
hdr=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)
[ -n "$hdr" ] || skip "no kernel headers (apt-get install linux-headers-amd64)"
kver=${hdr#/usr/src/linux-headers-}

fail() {
	echo "FAIL: $*"
	exit 1
}

DEB=$O/deb
# As an operator would (apt resolves the dependencies), waiting for
# another apt or dpkg to finish rather than failing on its lock.
APT=(env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=300)
purge() {
	"${APT[@]}" purge hypernet-dkms hypernet >/dev/null 2>&1
}

echo "== build"
./tools/deb.sh "$DEB" || fail "the packages did not build or lintian found errors"
grep -q '^E:' "$DEB/lintian.log" && fail "lintian errors in $DEB/lintian.log"
ver=$(dpkg-parsechangelog -S Version)

echo "== install"
exec 9>/run/lock/hypernet-test-deb.lock
flock -w 1200 9 || fail "another test_deb held the lock for 20 minutes"
for p in hypernet hypernet-dkms; do
	if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q installed; then
		skip "package $p is installed on this machine; not touching it"
	fi
done
trap purge EXIT
deb_abs=$(cd "$DEB" && pwd)
"${APT[@]}" --no-install-recommends install "$deb_abs/hypernet_${ver}_amd64.deb" \
	"$deb_abs/hypernet-dkms_${ver}_all.deb" || fail "apt-get install of the packages failed"
[ "$(dpkg-query -W -f='${Status}' hypernet)" = "install ok installed" ] ||
	fail "hypernet is not installed"
# The package's postinst builds for the running kernel when it has
# headers; here it is Debian's 6.1 the QEMU suite boots.
dkms install -m hypernet -v "$ver" -k "$kver" || fail "dkms install for $kver failed"
ko=/lib/modules/$kver/updates/dkms/hypernet.ko
[ -f "$ko" ] || fail "no module $ko"
dkms status -m hypernet -v "$ver" -k "$kver" | grep -q installed ||
	fail "dkms status does not say installed"
[ "$(modinfo -F vermagic "$ko" | awk '{print $1}')" = "$kver" ] ||
	fail "the module's vermagic is not $kver"
echo "ok: dkms built $ko"

echo "== installed files"
/usr/bin/hnctl help | grep -q '^Commands:' || fail "hnctl help"
/usr/sbin/hypernetd -h 2>&1 | grep -qi usage || fail "hypernetd -h"
/usr/bin/hn-model 2>&1 | grep -qi usage || fail "hn-model usage"
for m in hnctl.8 hypernetd.8 hn-model.1 hn-pkt.1 hn-tensor.1; do
	[ -f "/usr/share/man/man${m##*.}/$m.gz" ] || fail "no manual page $m"
done
[ -f /lib/systemd/system/hypernetd.service ] || fail "no unit"
grep -q '^ExecStart=/usr/sbin/hypernetd ' /lib/systemd/system/hypernetd.service ||
	fail "the unit does not start /usr/sbin/hypernetd"
[ -f /etc/hypernet/hypernetd.conf.example ] || fail "no example config"
ws=/usr/lib/$(gcc -dumpmachine)/wireshark/plugins/hypernet.lua
[ -f "$ws" ] || fail "no Wireshark dissector at $ws"
if command -v tshark >/dev/null; then
	tshark -G protocols 2>/dev/null | grep -qw hypernet ||
		fail "tshark does not load the installed dissector"
fi
if [ -r /usr/share/bash-completion/bash_completion ]; then
	got=$(bash -c '
		. /usr/share/bash-completion/bash_completion
		. /usr/share/bash-completion/completions/hnctl
		COMP_WORDS=(hnctl d); COMP_CWORD=1; COMP_LINE="hnctl d"
		COMP_POINT=${#COMP_LINE}; _hnctl; echo "${COMPREPLY[*]}"
		COMP_WORDS=(hnctl model s); COMP_CWORD=2
		COMP_LINE="hnctl model s"; COMP_POINT=${#COMP_LINE}
		_hnctl; echo "${COMPREPLY[*]}"')
	echo "completion: $(echo "$got" | tr '\n' '|')"
	echo "$got" | head -n1 | grep -qw dp || fail "completion of 'hnctl d' lacks dp"
	echo "$got" | head -n1 | grep -qw dev || fail "completion of 'hnctl d' lacks dev"
	echo "$got" | tail -n1 | grep -qw sign || fail "completion of 'hnctl model s' lacks sign"
else
	echo "note: bash-completion not installed, completion not exercised"
fi

echo "== the DKMS module under QEMU ($kver)"
make -s O="$O" progs "$O/tests/qemu/kmod-bad" >/dev/null ||
	fail "building the tools for the guest failed"
KMOD=$ko
qemu_prepare || exit $?
qemu_run kmod "${HN_QEMU_TIMEOUT:-900}"
qemu_verdict || fail "the module suite failed with the DKMS-built module"

echo "== purge"
"${APT[@]}" purge hypernet-dkms hypernet || fail "apt-get purge failed"
trap - EXIT
left=$(ls -d /usr/src/hypernet-"$ver" /var/lib/dkms/hypernet \
	/lib/modules/*/updates/dkms/hypernet.ko* /usr/sbin/hypernetd \
	/usr/bin/hnctl /lib/systemd/system/hypernetd.service \
	/usr/share/bash-completion/completions/hnctl "$ws" 2>/dev/null)
[ -z "$left" ] || fail "left after purge: $left"
echo "PASS: built, lintian clean, installed, module suite passed, purged"
