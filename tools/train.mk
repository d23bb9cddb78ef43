# SPDX-License-Identifier: GPL-2.0
#
# Learned routing (Documentation/learned-routing.rst):
#   make train-model   retrain models/route-default.txt in the simulator
#                      (seeded: the same file every time; prints the time)
#   make eval-model    learned vs ETT, load-aware ETT, hop count, ETX, the
#                      oracle and the lower bound, held-out topologies
#                      apart, lost frames charged (about 3 CPU minutes):
#                      $(O)/eval/learned.{md,json,svg}
# `make models` then quantises the text into $(O)/models/route-default.hnm.

TRAIN_ARGS	?= --seed 3 --generations 150 --pairs 10 --scenarios 8 \
		   --duration-ms 3000 --threads 2 --loss-weight 0 \
		   --move-weight 0.5 --split-step 64
EVAL_DIR	:= $(O)/eval

.PHONY: train-model eval-model
train-model: $(O)/bin/hn-train
	@start=$$(date +%s.%N); \
	$(O)/bin/hn-train train -o models/route-default.txt $(TRAIN_ARGS) \
		2>$(O)/train-model.log || { tail $(O)/train-model.log; exit 1; }; \
	tail -n 1 $(O)/train-model.log; \
	echo "train-model: $$(awk "BEGIN { printf \"%.1f\", $$(date +%s.%N) - $$start }") s wall clock (log: $(O)/train-model.log)"
	$(MAKE) --no-print-directory $(O)/models/route-default.hnm

eval-model: $(O)/bin/hn-train
	@mkdir -p $(EVAL_DIR)
	$(O)/bin/hn-train eval --model models/route-default.txt \
		--json $(EVAL_DIR)/learned.json \
		--report $(EVAL_DIR)/learned.md --plot $(EVAL_DIR)/learned.svg
