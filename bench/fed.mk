# SPDX-License-Identifier: GPL-2.0
#
# `make bench-fed`: federated averaging of the split Fashion-MNIST model
# over 16 nodes in one process (hn-fmnist fed): local training, clipping,
# the fixed-point encoding and a real secure-aggregation round each round,
# then the int8 model through the quantiser on the 10,000 test images,
# against centralised training on the union of the shards with the same
# steps.  One JSON object a line in $(O)/bench/fed.json, one per
# partition: Dirichlet(0.5) (fed_acc is fed_acc_dir05), Dirichlet(0.1),
# 2 classes per node.  Needs no root, but the data set
# (dataset-fashion-mnist) and about 10 minutes a partition on one core,
# niced.  Documentation/federated.rst ("Learning") reads it.  The mesh
# campaign (hypernetd over HyperNet frames) is not measured here yet.

FED_PARTS	:= dir:0.5 dir:0.1 classes:2
FED_ARGS	?= --nodes 16 --rounds 50 --local-steps 100 --lr 1e-3 --clip 4

.PHONY: bench-fed
bench-fed: $(O)/bin/hn-fmnist
	@mkdir -p $(O)/bench
	@rm -f $(O)/bench/fed.json.tmp
	@for p in $(FED_PARTS); do \
		mkdir -p $(O)/fed-models/$$p && \
		nice -n 19 $(O)/bin/hn-fmnist fed --data $(FMNIST_DATA) \
			$(FED_ARGS) --partition $$p \
			--out $(O)/fed-models/$$p --json - \
			>> $(O)/bench/fed.json.tmp.log || exit 1; \
		tail -n 1 $(O)/bench/fed.json.tmp.log >> $(O)/bench/fed.json.tmp; \
	done
	@mv $(O)/bench/fed.json.tmp $(O)/bench/fed.json
	@rm -f $(O)/bench/fed.json.tmp.log
	@cat $(O)/bench/fed.json
