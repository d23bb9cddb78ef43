# SPDX-License-Identifier: GPL-2.0
#
# Mutation testing, opt-in (not part of `make check`; Documentation/
# testing.rst): each mutant of tests/mutate/mutants.txt is planted alone in
# a copy of the tree under /tmp (MUTATE_DIR), rebuilt there and run
# against the tests that should catch it.  As root, like make check.
#   make mutate                      all of them (about 20 minutes)
#   make mutate MUTANTS=bpf-,topo-   ids matching (substring or glob)
#   make mutate MUTATE_MIN=95        fail below this share killed (90)
#   make mutate-check                every mutant still applies (seconds)
# The table and a log per mutant land in $(O)/mutate.txt, $(O)/mutate-logs/.

.PHONY: mutate mutate-check
mutate:
	O=$(O) MUTANTS='$(MUTANTS)' python3 tests/mutate/mutate.py \
		$(if $(MUTATE_MIN),--min $(MUTATE_MIN))

mutate-check:
	python3 tests/mutate/mutate.py --check
