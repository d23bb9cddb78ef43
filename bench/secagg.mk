# SPDX-License-Identifier: GPL-2.0
#
# `make bench-secagg`: secure aggregation of one round of a 100,000-word
# update, simulated in one process (hn-secagg bench), at n = 16 and 64
# with no dropout and with 30 % dropping after sharing, and at n = 64 on
# the sparse graph chosen for 5 % dropouts.  Writes one JSON object a
# line to $(O)/bench/secagg.json (secagg_expansion, node CPU, exact).
# Needs no root; Documentation/federated.rst ("Figures") reads it.

SECAGG_RUNS	:= "-n 16" "-n 16 -x 5" "-n 64" "-n 64 -x 19" "-n 64 -p 50"

.PHONY: bench-secagg
bench-secagg: $(O)/bin/hn-secagg
	@mkdir -p $(O)/bench
	@rm -f $(O)/bench/secagg.json.tmp
	@for a in $(SECAGG_RUNS); do \
		$(O)/bin/hn-secagg bench $$a -d 100000 \
			>> $(O)/bench/secagg.json.tmp || exit 1; \
	done
	@mv $(O)/bench/secagg.json.tmp $(O)/bench/secagg.json
	@cat $(O)/bench/secagg.json
