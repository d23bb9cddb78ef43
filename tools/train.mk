# SPDX-License-Identifier: GPL-2.0
#
# Learned routing (Documentation/learned-routing.rst):
#   make train-model   train a route model in the simulator (seeded: the
#                      same weights every time) into $(TRAIN_OUT) and its
#                      .hnm beside it; on a terminal the generations show
#                      as they finish (about 20 CPU minutes).  It never
#                      touches the shipped models/route-default.txt: copy
#                      the result there to ship it.
#   make eval-model    learned vs ETT, load-aware ETT, hop count, ETX, the
#                      oracle and the lower bound, held-out topologies
#                      apart, lost frames charged (about 3 CPU minutes):
#                      $(O)/eval/learned.{md,json,svg}
# `make models` quantises the shipped text into $(O)/models/route-default.hnm.

TRAIN_ARGS	?= --seed 3 --generations 150 --pairs 10 --scenarios 8 \
		   --duration-ms 3000 --threads 2 --loss-weight 0 \
		   --move-weight 0.5 --split-step 64
TRAIN_OUT	?= $(O)/train/route-default.txt
TRAIN_LOG	:= $(O)/train-model.log
EVAL_DIR	:= $(O)/eval

.PHONY: train-model eval-model
# hn-train's progress (a line per generation) goes to the log, and to the
# terminal too when there is one; the exit status through a file, as sh
# has no pipefail.
train-model: $(O)/bin/hn-train $(O)/bin/hn-model
	@mkdir -p $(dir $(TRAIN_OUT)); start=$$(date +%s.%N); \
	if [ -t 1 ]; then \
		echo "train-model: training $(TRAIN_OUT); progress here and in $(TRAIN_LOG)"; \
		{ $(O)/bin/hn-train train -o $(TRAIN_OUT) $(TRAIN_ARGS) 2>&1; \
		  echo $$? >$(TRAIN_LOG).rc; } | tee $(TRAIN_LOG); \
	else \
		$(O)/bin/hn-train train -o $(TRAIN_OUT) $(TRAIN_ARGS) \
			2>$(TRAIN_LOG); echo $$? >$(TRAIN_LOG).rc; \
	fi; \
	rc=$$(cat $(TRAIN_LOG).rc); rm -f $(TRAIN_LOG).rc; \
	[ "$$rc" = 0 ] || { tail $(TRAIN_LOG); exit 1; }; \
	[ -t 1 ] || tail -n 1 $(TRAIN_LOG); \
	$(O)/bin/hn-model quantize $(TRAIN_OUT) $(TRAIN_OUT:.txt=.hnm) \
		--generation 1 >/dev/null || exit 1; \
	echo "train-model: $$(awk "BEGIN { printf \"%.1f\", $$(date +%s.%N) - $$start }") s wall clock: $(TRAIN_OUT), $(TRAIN_OUT:.txt=.hnm)"; \
	echo "train-model: to ship it: cp $(TRAIN_OUT) models/route-default.txt && make models"

eval-model: $(O)/bin/hn-train
	@mkdir -p $(EVAL_DIR)
	$(O)/bin/hn-train eval --model models/route-default.txt \
		--json $(EVAL_DIR)/learned.json \
		--report $(EVAL_DIR)/learned.md --plot $(EVAL_DIR)/learned.svg
