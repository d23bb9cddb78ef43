// SPDX-License-Identifier: GPL-2.0
/*
 * hn-tensor bench: the device path (send, queue, compute, emit, receive)
 * against the engine in this process on as many distinct inputs.  The two
 * alternate round by round, in ABBA order so that a drifting host load
 * hits both alike; each round gives one ratio, and the medians count: a
 * busy host (other benchmarks) slows single rounds, not the median.  The
 * module's compute alone comes from its compute_ns counter, per round as
 * well.
 */
#include <stdio.h>
#include <stdlib.h>

#include "hn-tensor.h"

/* The stage, the inputs and every round's figures. */
struct bench {
	struct stage s;
	unsigned int n_in, n_out, rounds;
	double macs; /* multiply-adds per tensor */
	int8_t *in;
	double *tk; /* device, seconds per round */
	double *tu; /* userspace, seconds per round */
	double *kc; /* module compute, ns per MAC */
	double *rt; /* tu / tk */
	double best_k, best_u;
};

/* Medians over the rounds, and the ratio's spread. */
struct bench_sum {
	double k, u, c, r, r_min, r_max;
};

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of @n values; sorts @v. */
static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), dcmp);
	return n & 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* -B's stage (784x128) loaded on the device, o.count random inputs. */
static int bench_setup(struct bench *b)
{
	unsigned int i;

	rng_state = o.seed;
	if (stage_parse(o.bench_layers, &b->s))
		return 2;
	stage_random(&b->s);
	if (genl_up() || pkt_open() || load_stage(&b->s))
		return 1;
	b->rounds = o.rounds;
	b->n_in = stage_in(&b->s);
	b->n_out = stage_out(&b->s);
	b->macs = 0;
	for (i = 0; i < b->s.g.n_layers; i++) {
		struct hn_op op = hn_genl_layer_op(&b->s.g.layers[i]);

		b->macs += (double)hn_op_macs(&op);
	}
	b->best_k = b->best_u = 1e30;
	b->in = malloc((size_t)b->n_in * o.count);
	b->tk = calloc(b->rounds, sizeof(*b->tk));
	b->tu = calloc(b->rounds, sizeof(*b->tu));
	b->kc = calloc(b->rounds, sizeof(*b->kc));
	b->rt = calloc(b->rounds, sizeof(*b->rt));
	if (!b->in || !b->tk || !b->tu || !b->kc || !b->rt)
		return 1;
	for (i = 0; i < b->n_in * o.count; i++)
		b->in[i] = (int8_t)rnd();
	return 0;
}

static void bench_free(struct bench *b)
{
	free(b->in);
	free(b->tk);
	free(b->tu);
	free(b->kc);
	free(b->rt);
}

/* Round @round through the device: its time, compute per MAC, CPU busy. */
static int bench_device(struct bench *b, unsigned int round, double busy[2])
{
	uint64_t st0[__HNET_STATS_A_MAX], st1[__HNET_STATS_A_MAX];
	unsigned long long ticks[4][2];
	unsigned int i;

	get_stats(st0);
	run_ticks = ticks;
	if (run_tensors(&b->s, o.count, 0xffff, 0x61000000 + (round << 20),
			&b->tk[round])) {
		result(false, "bench", "device run failed");
		return 1;
	}
	run_ticks = NULL;
	get_stats(st1);
	for (i = 0; i < 2; i++)
		busy[i] = ticks[3][i] > ticks[1][i] ?
				  100.0 * (ticks[2][i] - ticks[0][i]) /
					  (ticks[3][i] - ticks[1][i]) :
				  0;
	b->kc[round] = (double)(st1[HNET_STATS_A_COMPUTE_NS] -
				st0[HNET_STATS_A_COMPUTE_NS]) /
		       ((double)(st1[HNET_STATS_A_TENSORS_DONE] -
				 st0[HNET_STATS_A_TENSORS_DONE]) *
			b->macs);
	return 0;
}

/* Round @round in this process, through the same engine.h. */
static void bench_user(struct bench *b, unsigned int round)
{
	int8_t out[HN_TENSOR_MAX_LEN];
	volatile int sink = 0;
	unsigned int i;
	double t0 = now_s();

	for (i = 0; i < o.count; i++) {
		stage_ref(&b->s, b->in + (size_t)i * b->n_in, out);
		sink += out[i % b->n_out];
	}
	b->tu[round] = now_s() - t0;
}

/* One round, both sides, the user's first on odd rounds (ABBA). */
static int bench_round(struct bench *b, unsigned int round)
{
	bool user_first = round & 1;
	double busy[2] = { 0, 0 };
	int side;

	for (side = 0; side < 2; side++) {
		if (side != user_first)
			bench_user(b, round);
		else if (bench_device(b, round, busy))
			return 1;
	}
	b->rt[round] = b->tu[round] / b->tk[round];
	b->best_k = b->tk[round] < b->best_k ? b->tk[round] : b->best_k;
	b->best_u = b->tu[round] < b->best_u ? b->tu[round] : b->best_u;
	printf("bench: round %u: device %.0f/s (compute %.3f ns/MAC, CPU busy %.0f%% tool, %.0f%% worker), userspace %.0f/s, ratio %.3f\n",
	       round, o.count / b->tk[round], b->kc[round], busy[0], busy[1],
	       o.count / b->tu[round], b->rt[round]);
	return 0;
}

/* The medians; sorts the rounds' figures. */
static void bench_summary(struct bench *b, struct bench_sum *m)
{
	m->k = median(b->tk, b->rounds);
	m->u = median(b->tu, b->rounds);
	m->c = median(b->kc, b->rounds);
	m->r = median(b->rt, b->rounds);
	m->r_min = b->rt[0];
	m->r_max = b->rt[b->rounds - 1];
	printf("bench: %u tensors of %ux%u per round, median of %u: device %.0f tensors/s (%.3f ns/MAC end to end, %.3f ns/MAC compute), userspace %.0f tensors/s (%.3f ns/MAC), ratio %.2f (rounds %.2f..%.2f)\n",
	       o.count, b->n_in, b->n_out, b->rounds, o.count / m->k,
	       m->k * 1e9 / (o.count * b->macs), m->c, o.count / m->u,
	       m->u * 1e9 / (o.count * b->macs), m->r, m->r_min, m->r_max);
}

static int bench_json(const struct bench *b, const struct bench_sum *m)
{
	FILE *f = fopen(o.json, "w");

	if (!f) {
		perror(o.json);
		return 1;
	}
	fprintf(f,
		"{\n  \"stage\": \"%ux%u int8\",\n  \"layers\": \"%s\",\n"
		"  \"macs_per_tensor\": %.0f,\n  \"tensors\": %u,\n"
		"  \"rounds\": %u,\n"
		"  \"statistic\": \"median\",\n"
		"  \"kmod_tensors_per_s\": %.1f,\n"
		"  \"user_tensors_per_s\": %.1f,\n"
		"  \"kmod_ns_per_mac\": %.4f,\n"
		"  \"kmod_compute_ns_per_mac\": %.4f,\n"
		"  \"user_ns_per_mac\": %.4f,\n"
		"  \"ratio\": %.3f,\n"
		"  \"ratio_min\": %.3f,\n"
		"  \"ratio_max\": %.3f,\n"
		"  \"kmod_best_tensors_per_s\": %.1f,\n"
		"  \"user_best_tensors_per_s\": %.1f\n}\n",
		b->n_in, b->n_out, o.bench_layers, b->macs, o.count, b->rounds,
		o.count / m->k, o.count / m->u,
		m->k * 1e9 / (o.count * b->macs), m->c,
		m->u * 1e9 / (o.count * b->macs), m->r, m->r_min, m->r_max,
		o.count / b->best_k, o.count / b->best_u);
	fclose(f);
	return 0;
}

int cmd_bench(void)
{
	struct bench b = {};
	struct bench_sum m;
	unsigned int round;
	int ret = bench_setup(&b);

	if (ret)
		return ret;
	if (run_tensors(&b.s, 64, 0xffff, 0x60000000, NULL)) {
		result(false, "bench", "device warm-up failed");
		return 1;
	}
	for (round = 0; round < b.rounds; round++)
		if (bench_round(&b, round))
			return 1;
	bench_summary(&b, &m);
	if (o.json && bench_json(&b, &m))
		return 1;
	bench_free(&b);
	result(true, "bench", "%u tensors x %u rounds", o.count, b.rounds);
	return 0;
}
