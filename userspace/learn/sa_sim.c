// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * A secure-aggregation round in one process (sa_sim.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/sha.h>

#include "sa_sim.h"

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int make_roster(struct hn_sa_sim *s, unsigned int n)
{
	uint8_t in[16] = "hn-sa sim key";
	unsigned int i;

	for (i = 0; i < n; i++) {
		in[14] = i >> 8;
		in[15] = i;
		SHA256(in, sizeof(in), s->id_sk[i]);
		s->roster[i].id = 100 + 7 * i;
		if (hn_sa_ed25519_public(s->id_sk[i], s->roster[i].key))
			return -EIO;
	}
	return 0;
}

int hn_sa_sim_init(struct hn_sa_sim *s, unsigned int n, unsigned int k,
		   unsigned int t, uint32_t dim, uint32_t round)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	s->roster = calloc(n, sizeof(*s->roster));
	s->id_sk = calloc(n, sizeof(*s->id_sk));
	s->drop = calloc(n, 1);
	s->q = calloc(n, sizeof(*s->q));
	s->nodes = calloc(n, sizeof(*s->nodes));
	s->sent = calloc(n, sizeof(*s->sent));
	s->cpu = calloc(n, sizeof(*s->cpu));
	if (!s->roster || !s->id_sk || !s->drop || !s->q || !s->nodes ||
	    !s->sent || !s->cpu)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (!(s->q[i] = calloc(dim, 4)))
			return -ENOMEM;
	memset(s->cfg.campaign, 0xc5, sizeof(s->cfg.campaign));
	s->cfg.round = round;
	s->cfg.roster = s->roster;
	s->cfg.n = n;
	s->cfg.k = k;
	s->cfg.t = t;
	s->cfg.dim = dim;
	s->cfg.aggregator = 100;
	return make_roster(s, n);
}

void hn_sa_sim_free(struct hn_sa_sim *s)
{
	unsigned int i;

	for (i = 0; s->q && i < s->cfg.n; i++)
		free(s->q[i]);
	for (i = 0; s->nodes && i < s->cfg.n; i++)
		hn_sa_node_free(&s->nodes[i]);
	hn_sa_agg_free(&s->agg);
	free(s->roster);
	free(s->id_sk);
	free(s->drop);
	free(s->q);
	free(s->nodes);
	free(s->sent);
	free(s->cpu);
	memset(s, 0, sizeof(*s));
}

void hn_sa_sim_drop(struct hn_sa_sim *s, unsigned int count,
		    enum hn_sa_drop where, unsigned int seed)
{
	unsigned int n = s->cfg.n, i, staying = 0;
	uint32_t x = seed * 2654435761u + 1;

	for (i = 0; i < n; i++)
		staying += s->drop[i] == HN_SA_STAY;
	if (count > staying)
		count = staying;
	while (count) {
		x = x * 1103515245u + 12345u;
		i = (x >> 8) % n;
		if (s->drop[i] != HN_SA_STAY)
			continue;
		s->drop[i] = where;
		count--;
	}
}

/* Who takes part in @phase: nodes that did not stop before it. */
static int active(const struct hn_sa_sim *s, unsigned int i,
		  enum hn_sa_drop phase)
{
	return s->drop[i] == HN_SA_STAY || s->drop[i] > phase;
}

typedef int (*agg_add_fn)(struct hn_sa_agg *, const uint8_t *, size_t, char *,
			  size_t);

/* A node's message to the aggregator: counted, handed over, freed. */
static int deliver(struct hn_sa_sim *s, unsigned int i, uint8_t *msg,
		   size_t len, agg_add_fn add, char *err, size_t errlen)
{
	double t0 = cpu_now();
	int ret;

	s->sent[i] += len;
	if (s->tamper)
		s->tamper(s, i, msg, len);
	ret = add(&s->agg, msg, len, err, errlen);
	s->agg_cpu += cpu_now() - t0;
	free(msg);
	return ret;
}

static int phase_advertise(struct hn_sa_sim *s, char *err, size_t errlen)
{
	unsigned int i;
	uint8_t *msg;
	size_t len;
	double t0;
	int ret = 0;

	for (i = 0; !ret && i < s->cfg.n; i++) {
		t0 = cpu_now();
		ret = hn_sa_node_init(&s->nodes[i], &s->cfg, s->roster[i].id,
				      s->id_sk[i], err, errlen);
		if (!ret)
			ret = hn_sa_node_advertise(&s->nodes[i], &msg, &len,
						   err, errlen);
		s->cpu[i] += cpu_now() - t0;
		if (!ret)
			ret = deliver(s, i, msg, len, hn_sa_agg_add_advertise,
				      err, errlen);
	}
	return ret;
}

/* The aggregator's message to node i (its bytes counted once per node). */
static int agg_out(struct hn_sa_sim *s, uint8_t **msg, size_t *len,
		   uint32_t fwd_to, char *err, size_t errlen,
		   int (*make)(struct hn_sa_agg *, uint8_t **, size_t *, char *,
			       size_t))
{
	double t0 = cpu_now();
	int ret;

	if (make)
		ret = make(&s->agg, msg, len, err, errlen);
	else
		ret = hn_sa_agg_forward(&s->agg, fwd_to, msg, len, err, errlen);
	s->agg_cpu += cpu_now() - t0;
	return ret;
}

static int phase_share(struct hn_sa_sim *s, char *err, size_t errlen)
{
	uint8_t *list = NULL, *msg;
	size_t llen, len;
	unsigned int i;
	double t0;
	int ret = agg_out(s, &list, &llen, 0, err, errlen, hn_sa_agg_adv_list);

	for (i = 0; !ret && i < s->cfg.n; i++) {
		if (!active(s, i, HN_SA_AFTER_ADV))
			continue;
		s->agg_sent += llen;
		t0 = cpu_now();
		ret = hn_sa_node_share(&s->nodes[i], list, llen, &msg, &len,
				       err, errlen);
		s->cpu[i] += cpu_now() - t0;
		if (!ret)
			ret = deliver(s, i, msg, len, hn_sa_agg_add_shares, err,
				      errlen);
	}
	free(list);
	return ret;
}

static int mask_one(struct hn_sa_sim *s, unsigned int i, char *err,
		    size_t errlen)
{
	uint8_t *fwd, *msg;
	size_t flen, len;
	double t0;
	int ret = agg_out(s, &fwd, &flen, s->roster[i].id, err, errlen, NULL);

	if (ret)
		return ret;
	s->agg_sent += flen;
	t0 = cpu_now();
	ret = hn_sa_node_mask(&s->nodes[i], fwd, flen, s->q[i], &msg, &len, err,
			      errlen);
	s->cpu[i] += cpu_now() - t0;
	free(fwd);
	if (!ret)
		ret = deliver(s, i, msg, len, hn_sa_agg_add_masked, err,
			      errlen);
	return ret;
}

static int phase_mask(struct hn_sa_sim *s, char *err, size_t errlen)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && i < s->cfg.n; i++)
		if (active(s, i, HN_SA_AFTER_SHARE))
			ret = mask_one(s, i, err, errlen);
	return ret;
}

typedef int (*node_step_fn)(struct hn_sa_node *, const uint8_t *, size_t,
			    uint8_t **, size_t *, char *, size_t);
typedef int (*agg_make_fn)(struct hn_sa_agg *, uint8_t **, size_t *, char *,
			   size_t);

/*
 * The aggregator's request, the same to every node still there (past
 * @gone), and each node's answer: the consistency and unmask phases.
 */
static int phase_answer(struct hn_sa_sim *s, enum hn_sa_drop gone,
			agg_make_fn make, node_step_fn step, agg_add_fn add,
			char *err, size_t errlen)
{
	uint8_t *req = NULL, *msg;
	size_t rlen, len;
	unsigned int i;
	double t0;
	int ret = agg_out(s, &req, &rlen, 0, err, errlen, make);

	for (i = 0; !ret && i < s->cfg.n; i++) {
		if (!active(s, i, gone))
			continue;
		s->agg_sent += rlen;
		t0 = cpu_now();
		ret = step(&s->nodes[i], req, rlen, &msg, &len, err, errlen);
		s->cpu[i] += cpu_now() - t0;
		if (!ret)
			ret = deliver(s, i, msg, len, add, err, errlen);
	}
	free(req);
	return ret;
}

int hn_sa_sim_run(struct hn_sa_sim *s, uint32_t *sum, unsigned int *n_summed,
		  char *err, size_t errlen)
{
	double t0;
	int ret;

	ret = hn_sa_agg_init(&s->agg, &s->cfg, s->id_sk[0], err, errlen);
	if (!ret)
		ret = phase_advertise(s, err, errlen);
	if (!ret)
		ret = phase_share(s, err, errlen);
	if (!ret)
		ret = phase_mask(s, err, errlen);
	if (!ret)
		ret = phase_answer(s, HN_SA_AFTER_MASK,
				   hn_sa_agg_consist_request,
				   hn_sa_node_consist, hn_sa_agg_add_consist,
				   err, errlen);
	if (!ret)
		ret = phase_answer(s, HN_SA_AFTER_CONSIST,
				   hn_sa_agg_unmask_request, hn_sa_node_unmask,
				   hn_sa_agg_add_unmask, err, errlen);
	if (ret)
		return ret;
	t0 = cpu_now();
	ret = hn_sa_agg_finish(&s->agg, sum, n_summed, err, errlen);
	s->agg_cpu += cpu_now() - t0;
	return ret;
}

void hn_sa_sim_expected(const struct hn_sa_sim *s, uint32_t *sum,
			unsigned int *n_summed)
{
	unsigned int i;
	uint32_t w;

	memset(sum, 0, (size_t)s->cfg.dim * 4);
	*n_summed = 0;
	for (i = 0; i < s->cfg.n; i++) {
		if (!active(s, i, HN_SA_AFTER_SHARE))
			continue;
		for (w = 0; w < s->cfg.dim; w++)
			sum[w] += s->q[i][w];
		(*n_summed)++;
	}
}
