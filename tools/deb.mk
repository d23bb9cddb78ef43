# SPDX-License-Identifier: GPL-2.0
# Debian packages, built offline with debhelper (debian/):
#   make deb     hypernet and hypernet-dkms in $(O)/deb/, lintian-checked
# Built from a copy of the tree's files (tracked, and new ones not
# ignored), never from the build directory, so what the package holds is
# what a clean clone builds.  Needs dpkg-dev, debhelper, dh-dkms, lintian
# (make deps).
.PHONY: deb
deb:
	./tools/deb.sh $(O)/deb
