# SPDX-License-Identifier: GPL-2.0
#
# Quantised models: models/NAME.txt -> $(O)/models/NAME.hnm.  The output
# depends only on the text (fixed generation, no expiry, fixed-seed default
# calibration), so it is reproducible byte for byte.

MODEL_SRCS	:= $(wildcard models/*.txt)
MODEL_BINS	:= $(MODEL_SRCS:models/%.txt=$(O)/models/%.hnm)

.PHONY: models
all: models
models: $(MODEL_BINS)

$(O)/models/%.hnm: models/%.txt $(O)/bin/hn-model
	@mkdir -p $(@D)
	$(call msg,HNM,$@)$(O)/bin/hn-model quantize $< $@ --generation 1
