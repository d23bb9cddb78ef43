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
# niced.  Documentation/federated.rst ("Learning") reads it.
# These runs are plain FedAvg (--no-defence, no validation set held out);
# the poisoning runs below measure the defence.  Then comes the mesh
# campaign's object (bench-fed-mesh, "run":"mesh", as root), and the last
# line of fed.json is the poisoning summary (bench-fed-poison).

FED_PARTS	:= dir:0.5 dir:0.1 classes:2
FED_ARGS	?= --nodes 16 --rounds 50 --local-steps 100 --lr 1e-3 --clip 4 \
		   --no-defence --valset 0

.PHONY: bench-fed
bench-fed: $(O)/bin/hn-fmnist bench-fed-poison bench-fed-mesh
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
	@sed 's/^{/{"run":"mesh",/' $(O)/bench/fed-mesh.json \
		>> $(O)/bench/fed.json.tmp
	@tail -n 1 $(O)/bench/fed-poison.json >> $(O)/bench/fed.json.tmp
	@mv $(O)/bench/fed.json.tmp $(O)/bench/fed.json
	@rm -f $(O)/bench/fed.json.tmp.log
	@cat $(O)/bench/fed.json

# `make bench-fed-poison`: 16 nodes, Dirichlet(0.5), POISON_FRAC of them
# poisoned (3 of 16 at 0.2; the same nodes all run long, picked by the
# seed), each attack in its own run, with the defence (groups, robust
# combination, acceptance gate on 1,000 held-out images) and without
# (--no-defence: one plain sum, no gate), and the clean run of each;
# then two short runs with 30 % of each secure-aggregation round's nodes
# dropping after sharing, exact or not.  20 rounds instead of 50 (about
# 3 minutes a run on one core, niced): the poisoning figures compare
# runs of the same length.  One JSON object a line in
# $(O)/bench/fed-poison.json, the summary last (bench/fed_poison.py:
# poison20_drop_max, dropout30_exact).

POISON_FRAC	?= 0.2
POISON_ATTACKS	:= signflip scale10 labelflip
POISON_ARGS	?= --nodes 16 --partition dir:0.5 --rounds 20 \
		   --local-steps 100 --lr 1e-3 --clip 4 --no-central
POISON_RUNS	:= $(foreach d,def nodef,clean-$(d) \
			$(foreach a,$(POISON_ATTACKS),$(a)-$(d)))
poison_flags	= $(if $(filter %-nodef,$(1)),--no-defence) \
		  $(if $(filter clean-%,$(1)),, \
		  --poison $(POISON_FRAC) --attack $(firstword $(subst -, ,$(1))))

.PHONY: bench-fed-poison
bench-fed-poison: $(O)/bin/hn-fmnist
	@mkdir -p $(O)/bench $(O)/fed-poison
	@rm -f $(O)/bench/fed-poison.json.tmp
	@$(foreach r,$(POISON_RUNS) drop30-def drop30-nodef, \
		echo "fed-poison: $(r)" && \
		nice -n 19 $(O)/bin/hn-fmnist fed --data $(FMNIST_DATA) \
			$(if $(filter drop30-%,$(r)), \
			--rounds 2 --qat-rounds 1 --local-steps 20 \
			--no-central --dropout 0.3 \
			$(if $(filter %-nodef,$(r)),--no-defence), \
			$(POISON_ARGS) $(call poison_flags,$(r))) \
			--out $(O)/fed-poison/$(r) --json - \
			> $(O)/fed-poison/$(r).log || exit 1; \
		tail -n 1 $(O)/fed-poison/$(r).log | \
			sed 's/^{/{"run":"$(r)",/' \
			>> $(O)/bench/fed-poison.json.tmp || exit 1;)
	@python3 bench/fed_poison.py $(POISON_FRAC) \
		< $(O)/bench/fed-poison.json.tmp >> $(O)/bench/fed-poison.json.tmp
	@mv $(O)/bench/fed-poison.json.tmp $(O)/bench/fed-poison.json
	@tail -n 1 $(O)/bench/fed-poison.json

# `make bench-fed-mesh` (as root): the campaign on the mesh, 16 real
# agents on a 2x8 ladder of namespaces, each with its trainer
# (bench/fed_mesh.sh: Dirichlet(0.5), the shipped split shape,
# FED_MESH_ROUNDS=5 rounds).  Wall time per round and each phase's share,
# bytes each node sends over its plain update (aggregator and the others
# apart), validation accuracy per round: $(O)/bench/fed-mesh.json, from
# the programs' own stamped output (bench/fed_mesh_report.py).  A few
# minutes, niced; the JSON gives the machine's load.

.PHONY: bench-fed-mesh
bench-fed-mesh: bpf lib progs
	O=$(O) FMNIST_DATA=$(FMNIST_DATA) ./bench/fed_mesh.sh
