#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian 12 packages HyperNet builds and tests with.
# Idempotent: installs only what is missing.  Needs root.
set -euo pipefail

PKGS=(
	make gcc clang clang-19 llvm pkg-config libclang-rt-14-dev
	libbpf-dev libelf-dev zlib1g-dev bpftool libxdp-dev xdp-tools
	libnl-3-dev libnl-genl-3-dev libssl-dev libcmocka-dev
	iproute2 ethtool kmod util-linux
	linux-headers-amd64 linux-image-amd64
	qemu-system-x86 busybox-static cpio
	dataset-fashion-mnist gnuplot-nox python3 universal-ctags
	# make style: clang-format pinned to Debian 12's (another version
	# formats differently), and the kernel's checkpatch.pl, which
	# linux-source ships in its tarball
	clang-format-14 linux-source-6.1 perl xz-utils
	# tests/netns/test_wireshark.sh: tshark (and dumpcap, from
	# wireshark-common) read captures with tools/wireshark/hypernet.lua
	tshark
	# make deb and its test: Debian packaging, DKMS, completion
	dpkg-dev debhelper dh-dkms dkms lintian fakeroot bash-completion
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#PKGS[@]} packages present"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing ${missing[*]}" >&2
	echo "hint: run 'make deps' as root (or with sudo)" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# wireshark-common asks whether non-root users may capture (a setuid
# dumpcap): no, as Debian's default; the tests capture as root
echo "wireshark-common wireshark-common/install-setuid boolean false" |
	debconf-set-selections
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
