/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * One secure-aggregation round (secagg.h) played in-process: n nodes and
 * an aggregator, each message handed over as bytes, nodes dropping out
 * where told.  It counts every byte each party sends and the CPU time
 * each spends, for the unit tests and the hn-secagg bench.
 */
#ifndef _HN_LEARN_SA_SIM_H
#define _HN_LEARN_SA_SIM_H

#include <stdint.h>

#include "secagg.h"

/* Where a node stops. */
enum hn_sa_drop {
	HN_SA_STAY, /* to the end */
	HN_SA_AFTER_ADV, /* sends its advert, then nothing */
	HN_SA_AFTER_SHARE, /* sends its shares, not its masked input */
	HN_SA_AFTER_MASK, /* sends its masked input, not its signature */
	HN_SA_AFTER_CONSIST, /* signs U3, sends no unmask shares */
};

struct hn_sa_sim {
	struct hn_sa_config cfg;
	struct hn_sa_member *roster; /* ids 100, 107, 114 ... */
	uint8_t (*id_sk)[HN_SA_KEY_LEN];
	uint8_t *drop; /* enum hn_sa_drop, by node; all STAY at init */
	uint32_t **q; /* each node's encoded input, zero at init */
	struct hn_sa_node *nodes;
	struct hn_sa_agg agg; /* roster[0] aggregates; kept after a run */
	uint64_t *sent; /* bytes each node sent */
	double *cpu; /* seconds of CPU each node spent */
	uint64_t agg_sent;
	double agg_cpu;
	/*
	 * Called, when set, on each node's message before the aggregator
	 * gets it: a test's malicious node or network.  It may change the
	 * bytes (not the length) and re-sign them with s->id_sk[i].
	 */
	void (*tamper)(struct hn_sa_sim *s, unsigned int i, uint8_t *msg,
		       size_t len);
	void *priv;
};

/* n nodes, degree k, threshold t, inputs of dim words. */
int hn_sa_sim_init(struct hn_sa_sim *s, unsigned int n, unsigned int k,
		   unsigned int t, uint32_t dim, uint32_t round);
void hn_sa_sim_free(struct hn_sa_sim *s);
/* Mark @count nodes, picked by @seed, to drop at @where. */
void hn_sa_sim_drop(struct hn_sa_sim *s, unsigned int count,
		    enum hn_sa_drop where, unsigned int seed);
/* The round; @sum as hn_sa_agg_finish() gives it. */
int hn_sa_sim_run(struct hn_sa_sim *s, uint32_t *sum, unsigned int *n_summed,
		  char *err, size_t errlen);
/* The plain sum mod 2^32 of the inputs of nodes that sent them. */
void hn_sa_sim_expected(const struct hn_sa_sim *s, uint32_t *sum,
			unsigned int *n_summed);

#endif /* _HN_LEARN_SA_SIM_H */
