// SPDX-License-Identifier: GPL-2.0
/*
 * hn-secagg: measure secure aggregation (Documentation/federated.rst).
 *
 *	hn-secagg bench [-n NODES] [-d WORDS] [-p DROP_PERMILLE]
 *			[-x DROPPED_AFTER_SHARING]
 *
 * plays one round of NODES simulated nodes in this process (degree and
 * threshold chosen for DROP_PERMILLE dropouts, default 300), the inputs
 * random updates of WORDS coordinates clipped and rounded, and prints one
 * JSON object: the bytes each node sent over its plain update (4 bytes a
 * coordinate; its consistency signature included), the CPU each spent, the aggregator's, and whether the
 * unmasked sum equals the plain sum bit for bit.
 *
 *	hn-secagg vec-gen SEED DIM [RANGE] OUT, vec-sum OUT FILE...
 *
 * write update vector files (vec.c): a deterministic one, and the plain
 * sum of several, for tests of rounds on the mesh.
 *
 * Exit codes: 0 success, 1 failure, 2 usage error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hn-secagg.h"
#include "sa_fixed.h"
#include "sa_sim.h"

#define CLIP 10.0

struct opts {
	unsigned int n, dim, drop_permille, dropped;
};

struct figures {
	double exp_mean, exp_max, cpu_mean, cpu_max;
};

static int usage(void)
{
	fprintf(stderr, "usage: hn-secagg bench [-n NODES] [-d WORDS] "
			"[-p DROP_PERMILLE] [-x DROPPED_AFTER_SHARING]\n");
	return 2;
}

static int parse(int argc, char **argv, struct opts *o)
{
	int c;

	*o = (struct opts){ 16, 100000, 300, 0 };
	if (argc < 2 || strcmp(argv[1], "bench"))
		return -1;
	optind = 2;
	while ((c = getopt(argc, argv, "n:d:p:x:")) != -1) {
		switch (c) {
		case 'n':
			o->n = strtoul(optarg, NULL, 0);
			break;
		case 'd':
			o->dim = strtoul(optarg, NULL, 0);
			break;
		case 'p':
			o->drop_permille = strtoul(optarg, NULL, 0);
			break;
		case 'x':
			o->dropped = strtoul(optarg, NULL, 0);
			break;
		default:
			return -1;
		}
	}
	if (optind != argc || o->n < 3 || o->n > HN_SA_MAX_NODES || !o->dim ||
	    o->dim > HN_SA_MAX_DIM || o->drop_permille >= 1000 ||
	    o->dropped >= o->n)
		return -1;
	return 0;
}

/* Uniform floats in [-1, 1) from a fixed LCG: inputs, not secrets. */
static int inputs(struct hn_sa_sim *s, unsigned int dim)
{
	double scale = hn_sa_fxp_max_scale(s->cfg.n, CLIP);
	float *x = malloc((size_t)dim * sizeof(*x));
	uint32_t r = 12345;
	uint8_t seed[32] = { 0 };
	unsigned int i, w;
	int ret = 0;

	if (!x)
		return -1;
	for (i = 0; !ret && i < s->cfg.n; i++) {
		for (w = 0; w < dim; w++) {
			r = r * 1664525u + 1013904223u;
			x[w] = (int32_t)r / 2147483648.0f;
		}
		memcpy(seed, &i, sizeof(i));
		ret = hn_sa_fxp_encode(x, dim, CLIP, scale, seed, s->q[i]);
	}
	free(x);
	return ret;
}

static void summarise(const struct hn_sa_sim *s, struct figures *f)
{
	double plain = 4.0 * s->cfg.dim, e;
	unsigned int i, c = 0;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < s->cfg.n; i++) {
		if (s->drop[i] != HN_SA_STAY)
			continue;
		e = s->sent[i] / plain;
		f->exp_mean += e;
		f->cpu_mean += s->cpu[i];
		f->exp_max = e > f->exp_max ? e : f->exp_max;
		f->cpu_max = s->cpu[i] > f->cpu_max ? s->cpu[i] : f->cpu_max;
		c++;
	}
	f->exp_mean /= c;
	f->cpu_mean /= c;
}

static void report(const struct hn_sa_sim *s, const struct opts *o,
		   unsigned int summed, int exact)
{
	struct figures f;

	summarise(s, &f);
	printf("{\"n\": %u, \"k\": %u, \"t\": %u, \"tc\": %u, \"dim\": %u, "
	       "\"dropped_after_sharing\": %u, \"summed\": %u, "
	       "\"plain_bytes\": %u, \"secagg_expansion\": %.4f, "
	       "\"secagg_expansion_max\": %.4f, \"node_cpu_ms\": %.2f, "
	       "\"node_cpu_ms_max\": %.2f, \"agg_cpu_ms\": %.2f, "
	       "\"agg_sent_bytes\": %llu, \"exact\": %s}\n",
	       s->cfg.n, s->cfg.k, s->cfg.t, s->agg.ctx.tc, s->cfg.dim,
	       o->dropped, summed, 4 * s->cfg.dim, f.exp_mean, f.exp_max,
	       f.cpu_mean * 1e3, f.cpu_max * 1e3, s->agg_cpu * 1e3,
	       (unsigned long long)s->agg_sent, exact ? "true" : "false");
}

static int bench(const struct opts *o)
{
	uint32_t *sum = malloc((size_t)o->dim * 4);
	uint32_t *want = malloc((size_t)o->dim * 4);
	unsigned int k, t, summed, want_n;
	struct hn_sa_sim s;
	char err[256];
	int ret;

	hn_sa_choose(o->n, o->drop_permille, &k, &t);
	ret = !sum || !want || hn_sa_sim_init(&s, o->n, k, t, o->dim, 1) ||
	      inputs(&s, o->dim);
	if (!ret) {
		hn_sa_sim_drop(&s, o->dropped, HN_SA_AFTER_SHARE, 1);
		ret = hn_sa_sim_run(&s, sum, &summed, err, sizeof(err));
		if (ret)
			fprintf(stderr, "hn-secagg: %s\n", err);
	}
	if (!ret) {
		hn_sa_sim_expected(&s, want, &want_n);
		report(&s, o, summed,
		       want_n == summed && !memcmp(sum, want, 4 * o->dim));
	}
	hn_sa_sim_free(&s);
	free(sum);
	free(want);
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct opts o;

	if (argc >= 2 &&
	    (!strcmp(argv[1], "vec-gen") || !strcmp(argv[1], "vec-sum")))
		return hn_secagg_vec(argc, argv);
	if (parse(argc, argv, &o))
		return usage();
	return bench(&o);
}
