# SPDX-License-Identifier: GPL-2.0
#
# The split Fashion-MNIST model (Documentation/split-inference.rst).
#   make train-fmnist   retrain: rewrites models/fmnist-* and the .hnm files
#                       (a few minutes on one core, niced)
#   make fmnist-models  models/fmnist-* -> $(O)/models/fmnist-*.hnm, also
#                       part of `make models`
#   make eval-fmnist    float vs fixed-point split pipeline on the test set
#   make train-fmnist-cnn  retrain the CNN of split inference v2: rewrites
#                       models/fmnist-cnn-* (10-30 minutes, niced)
#   make eval-fmnist-cnn   its .hnm stages chained, and the float models
# Quantised by hn-model itself, with the calibration samples the trainer
# picked; the output is the trainer's own, byte for byte.

FMNIST_PARTS	:= encoder head head-a head-b cnn-conv cnn-enc cnn-head
FMNIST_HNM	:= $(FMNIST_PARTS:%=$(O)/models/fmnist-%.hnm)
FMNIST_DATA	?= /usr/share/datasets/fashion-mnist
FMNIST_QUANT	= $(O)/bin/hn-model quantize $(1) $@ \
		  --calib models/fmnist-$*.calib --generation 1

# The training loops are plain C: let the compiler vectorise them.
$(O)/obj/hn-fmnist/%.o: CFLAGS += -O3

.PHONY: fmnist-models train-fmnist eval-fmnist train-fmnist-cnn \
	eval-fmnist-cnn
models: fmnist-models
fmnist-models: $(FMNIST_HNM)

# The encoder's text (1 MB) ships gzip'ed.  More specific than
# models.mk's %.hnm rule, so these win for the heads' models/*.txt.
$(O)/models/fmnist-%.hnm: models/fmnist-%.txt.gz models/fmnist-%.calib \
		$(O)/bin/hn-model
	@mkdir -p $(@D)
	$(call msg,GUNZIP,$(O)/models/fmnist-$*.txt)gzip -dc $< \
		> $(O)/models/fmnist-$*.txt
	$(call msg,HNM,$@)$(call FMNIST_QUANT,$(O)/models/fmnist-$*.txt)

$(O)/models/fmnist-%.hnm: models/fmnist-%.txt models/fmnist-%.calib \
		$(O)/bin/hn-model
	@mkdir -p $(@D)
	$(call msg,HNM,$@)$(call FMNIST_QUANT,$<)

train-fmnist: $(O)/bin/hn-fmnist
	@mkdir -p $(O)/models
	@start=$$(date +%s); \
	nice -n 15 $(O)/bin/hn-fmnist train --data $(FMNIST_DATA) \
		--models models --out $(O)/models && \
	echo "train-fmnist: $$(( $$(date +%s) - start )) s"

eval-fmnist: $(O)/bin/hn-fmnist fmnist-models
	nice -n 15 $(O)/bin/hn-fmnist eval --data $(FMNIST_DATA) \
		--models models --out $(O)/models --json $(O)/fmnist-eval.json

# The CNN: the recipe is hn-fmnist train-cnn's defaults (seed 1).
train-fmnist-cnn: $(O)/bin/hn-fmnist
	@mkdir -p $(O)
	@start=$$(date +%s); \
	nice -n 15 $(O)/bin/hn-fmnist train-cnn --data $(FMNIST_DATA) \
		--models models --json $(O)/fmnist-cnn-train.json && \
	echo "train-fmnist-cnn: $$(( $$(date +%s) - start )) s"

eval-fmnist-cnn: $(O)/bin/hn-fmnist fmnist-models
	nice -n 15 $(O)/bin/hn-fmnist eval-cnn --data $(FMNIST_DATA) \
		--models models --out $(O)/models \
		--json $(O)/fmnist-cnn-eval.json
