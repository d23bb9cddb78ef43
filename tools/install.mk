# SPDX-License-Identifier: GPL-2.0
#
# `make install` and `make uninstall` (as root, or with DESTDIR for a
# staging tree):
#
#   make install                          # under /usr/local
#   make install PREFIX=/usr              # as a distribution would
#   make install DESTDIR=/tmp/stage       # staged; nothing outside it
#
# What goes where (Documentation/operations.rst explains the choices):
#
#   $(SBINDIR)   hypernetd, hn-pkt, hn-tensor   root only: XDP, raw sockets,
#                                              the tensor device
#   $(BINDIR)    hnctl, hn-model                also used without root: key
#                                              generation, signing and
#                                              checking model files (hnctl's
#                                              node commands still need root)
#   $(MANDIR)    man1/hn-model.1, man1/hn-pkt.1, man1/hn-tensor.1,
#                man8/hnctl.8, man8/hypernetd.8
#   $(UNITDIR)   hypernetd.service, ExecStart rewritten to $(SBINDIR)
#   $(COMPLDIR)  hnctl's bash completion (tools/completion/hnctl)
#   $(WSPLUGINDIR)  the Wireshark dissector (tools/wireshark/hypernet.lua);
#                Wireshark looks there when PREFIX is /usr
#   $(SYSCONFDIR)/hypernet/hypernetd.conf.example   (never hypernetd.conf:
#                                              an install does not touch a
#                                              router's configuration)
#
# The unit always goes to $(PREFIX)/lib/systemd/system: systemd searches
# both /usr/local/lib/systemd/system and /usr/lib/systemd/system for system
# units, so it is found for either usual PREFIX.  For any other PREFIX set
# UNITDIR=/etc/systemd/system.  tools/hn-inject (forges control frames for
# the tests) and tools/hn-hostile (the hostile-frame suite's generator and
# checker) are deliberately not installed, nor their manual pages; nor are
# the build-tree tools hn-edge, hn-fmnist, hn-secagg and hn-train, nor
# their pages.
#
# The binaries are the build's, $(O)/bin/*: installing builds what is out
# of date first.  Variables follow the GNU conventions and can be set on
# the command line.

PREFIX		?= /usr/local
BINDIR		?= $(PREFIX)/bin
SBINDIR		?= $(PREFIX)/sbin
MANDIR		?= $(PREFIX)/share/man
UNITDIR		?= $(PREFIX)/lib/systemd/system
COMPLDIR	?= $(PREFIX)/share/bash-completion/completions
WSPLUGINDIR	?= $(PREFIX)/lib/$(ARCH_TRIPLET)/wireshark/plugins
SYSCONFDIR	?= /etc
INSTALL		?= install

HN_INST_SBIN	:= hypernetd hn-pkt hn-tensor
HN_INST_BIN	:= hnctl hn-model
HN_INST_MAN1	:= Documentation/man/hn-model.1 Documentation/man/hn-pkt.1 \
		   Documentation/man/hn-tensor.1
HN_INST_MAN8	:= Documentation/man/hnctl.8 Documentation/man/hypernetd.8
HN_INST_UNIT	:= tools/systemd/hypernetd.service
HN_INST_CONF	:= tools/hypernetd.conf.example
HN_INST_COMPL	:= tools/completion/hnctl
HN_INST_WS	:= tools/wireshark/hypernet.lua

.PHONY: install install-bins uninstall
# What install builds, and only that (debian/rules builds with it).
install-bins: $(HN_INST_SBIN:%=$(O)/bin/%) $(HN_INST_BIN:%=$(O)/bin/%)

install: install-bins $(HN_INST_MAN1) $(HN_INST_MAN8) $(HN_INST_UNIT) \
	 $(HN_INST_CONF) $(HN_INST_COMPL) $(HN_INST_WS)
	$(INSTALL) -d -m 0755 $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/hypernet \
		$(DESTDIR)$(COMPLDIR) $(DESTDIR)$(WSPLUGINDIR)
	$(INSTALL) -m 0755 $(HN_INST_SBIN:%=$(O)/bin/%) $(DESTDIR)$(SBINDIR)/
	$(INSTALL) -m 0755 $(HN_INST_BIN:%=$(O)/bin/%) $(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 0644 $(HN_INST_MAN1) $(DESTDIR)$(MANDIR)/man1/
	$(INSTALL) -m 0644 $(HN_INST_MAN8) $(DESTDIR)$(MANDIR)/man8/
	sed -e 's|/usr/local/sbin/hypernetd|$(SBINDIR)/hypernetd|g' \
	    -e 's|/etc/hypernet/|$(SYSCONFDIR)/hypernet/|g' \
		$(HN_INST_UNIT) >$(DESTDIR)$(UNITDIR)/hypernetd.service.tmp
	chmod 0644 $(DESTDIR)$(UNITDIR)/hypernetd.service.tmp
	mv -f $(DESTDIR)$(UNITDIR)/hypernetd.service.tmp \
		$(DESTDIR)$(UNITDIR)/hypernetd.service
	$(INSTALL) -m 0644 $(HN_INST_CONF) \
		$(DESTDIR)$(SYSCONFDIR)/hypernet/hypernetd.conf.example
	$(INSTALL) -m 0644 $(HN_INST_COMPL) $(DESTDIR)$(COMPLDIR)/hnctl
	$(INSTALL) -m 0644 $(HN_INST_WS) $(DESTDIR)$(WSPLUGINDIR)/hypernet.lua
	@if [ -z "$(DESTDIR)" ]; then \
		echo "next: write $(SYSCONFDIR)/hypernet/hypernetd.conf (mode 0600)"; \
		echo "      from hypernetd.conf.example, then"; \
		echo "      systemctl daemon-reload; systemctl enable --now hypernetd"; \
	fi

# Leaves $(SYSCONFDIR)/hypernet/hypernetd.conf, /var/lib/hypernet and the
# pinned maps alone: they are the router's, not the package's.
uninstall:
	rm -f $(HN_INST_SBIN:%=$(DESTDIR)$(SBINDIR)/%) \
	      $(HN_INST_BIN:%=$(DESTDIR)$(BINDIR)/%) \
	      $(patsubst %,$(DESTDIR)$(MANDIR)/man1/%,$(notdir $(HN_INST_MAN1))) \
	      $(patsubst %,$(DESTDIR)$(MANDIR)/man8/%,$(notdir $(HN_INST_MAN8))) \
	      $(DESTDIR)$(UNITDIR)/hypernetd.service \
	      $(DESTDIR)$(COMPLDIR)/hnctl \
	      $(DESTDIR)$(WSPLUGINDIR)/hypernet.lua \
	      $(DESTDIR)$(SYSCONFDIR)/hypernet/hypernetd.conf.example
	rmdir $(DESTDIR)$(SYSCONFDIR)/hypernet 2>/dev/null || true
