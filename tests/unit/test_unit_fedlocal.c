// SPDX-License-Identifier: GPL-2.0
/*
 * The federated learning side of hn-fmnist (tools/hn-fmnist/fed.c) on a
 * tiny synthetic problem (two classes of 28x28 images, bright top half
 * or bright bottom half, seeded noise; a 784-8-4 | 8-10 net): one local
 * step applied through fm_fed_apply() lowers the shard's loss, the same
 * seed gives the same update bit for bit, the update is the weight times
 * the clipped difference of the weights and never longer than the clip,
 * FedAvg's weighted mean, refusals, and the updates of four nodes summed
 * by a secure-aggregation round (sa_sim.h) equal their plain sum; a
 * poisoned node's words, the held-out validation set, the parts a node
 * installs exported byte for byte as fm_export() writes them, and the
 * quantisation-aware rounds' rule.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../tools/hn-fmnist/fmnist.h"
#include "sa_fixed.h"
#include "sa_sim.h"

#define N_IMG 64

static struct fm_set set;
static size_t ids[N_IMG];
static const struct fm_train_opts topts = { .hidden = 8,
					    .bottleneck = 4,
					    .head_hidden = 8,
					    .batch = 16,
					    .calib_q = 0.99,
					    .seed = 3 };

static int setup(void **state)
{
	uint64_t s = 99;
	size_t i, k;

	(void)state;
	set.n = N_IMG;
	set.pix = malloc(N_IMG * FM_PIX);
	set.label = malloc(N_IMG);
	if (!set.pix || !set.label)
		return -1;
	for (i = 0; i < N_IMG; i++) {
		set.label[i] = i % 2;
		ids[i] = i;
		for (k = 0; k < FM_PIX; k++) {
			int top = k < FM_PIX / 2;
			int base = (size_t)top == i % 2 ? 200 : 20;

			set.pix[i * FM_PIX + k] = base + fm_rand(&s) % 40;
		}
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fm_free(&set);
	return 0;
}

struct two {
	struct fm_net global, work;
	size_t d;
	float *u, *v, *w;
};

static void two_init(struct two *t)
{
	assert_int_equal(fm_net_init(&t->global, &topts), 0);
	assert_int_equal(fm_net_init(&t->work, &topts), 0);
	t->d = fm_net_dim(&t->global);
	assert_int_equal(t->d, (784 + 1) * 8 + (8 + 1) * 4 + (4 + 1) * 8 +
				       (8 + 1) * 10);
	t->u = calloc(t->d + 1, sizeof(float));
	t->v = calloc(t->d + 1, sizeof(float));
	t->w = calloc(t->d + 1, sizeof(float));
	assert_non_null(t->u);
	assert_non_null(t->v);
	assert_non_null(t->w);
}

static void two_free(struct two *t)
{
	fm_net_free(&t->global);
	fm_net_free(&t->work);
	free(t->u);
	free(t->v);
	free(t->w);
}

static void update(struct two *t, double clip, double weight,
		   unsigned int steps, float *out)
{
	struct fm_local_opts lo = {
		.steps = steps, .lr = 0.01, .clip = clip, .weight = weight
	};
	uint64_t rng = 5;
	double loss, norm;

	assert_int_equal(fm_local_update(&t->global, &t->work, &set, ids, N_IMG,
					 &topts, &lo, &rng, out, &loss, &norm),
			 0);
	assert_true(loss > 0 && norm > 0);
}

static double norm_of(const float *x, size_t d)
{
	double ss = 0;
	size_t i;

	for (i = 0; i < d; i++)
		ss += (double)x[i] * x[i];
	return sqrt(ss);
}

static void test_step_lowers_loss(void **state)
{
	double before, after;
	struct two t;

	(void)state;
	two_init(&t);
	before = fm_net_loss(&t.global, &set, ids, N_IMG);
	update(&t, 1e6, 1, 1, t.u);
	update(&t, 1e6, 1, 1, t.v);
	/* deterministic: the same seed, the same update */
	assert_memory_equal(t.u, t.v, (t.d + 1) * sizeof(float));
	assert_int_equal(fm_fed_apply(&t.global, t.u), 0);
	after = fm_net_loss(&t.global, &set, ids, N_IMG);
	print_message("loss %.6f -> %.6f\n", before, after);
	assert_true(after < before);
	two_free(&t);
}

/* Unclipped, weight 1: the update is w_local - w_global exactly. */
static void test_update_is_difference(void **state)
{
	struct two t;
	size_t i;

	(void)state;
	two_init(&t);
	update(&t, 1e6, 1, 3, t.u);
	fm_net_get(&t.global, t.v);
	fm_net_get(&t.work, t.w);
	for (i = 0; i < t.d; i++)
		assert_true(t.u[i] == t.w[i] - t.v[i]);
	assert_true(t.u[t.d] == 1.0f);
	two_free(&t);
}

static void test_clip_and_weight(void **state)
{
	const double clip = 1e-3;
	double n_full, n_clip, dot = 0;
	struct two t;
	size_t i;

	(void)state;
	two_init(&t);
	update(&t, 1e6, 1, 3, t.u);
	n_full = norm_of(t.u, t.d);
	assert_true(n_full > 10 * clip);
	update(&t, clip, 0.25, 3, t.v);
	n_clip = norm_of(t.v, t.d);
	/* the bound holds, and the clip shortens without turning */
	assert_true(n_clip <= 0.25 * clip * (1 + 1e-6));
	assert_true(n_clip >= 0.25 * clip * (1 - 1e-4));
	for (i = 0; i < t.d; i++)
		dot += (double)t.u[i] * t.v[i];
	assert_true(dot / (n_full * n_clip) > 1 - 1e-6);
	assert_true(t.v[t.d] == 0.25f);
	two_free(&t);
}

/* w += sum / weight: the weighted mean of the nodes' deltas. */
static void test_apply_weighted_mean(void **state)
{
	struct two t;
	size_t i;

	(void)state;
	two_init(&t);
	fm_net_get(&t.global, t.w);
	/* node a: weight 1, delta 1; node b: weight 0.5, delta -2 */
	for (i = 0; i < t.d; i++)
		t.u[i] = 1 * 1.0f + 0.5f * -2.0f + 0.25f;
	t.u[t.d] = 1.5f;
	assert_int_equal(fm_fed_apply(&t.global, t.u), 0);
	fm_net_get(&t.global, t.v);
	for (i = 0; i < t.d; i++)
		assert_true(fabsf(t.v[i] - (t.w[i] + 0.25f / 1.5f)) < 1e-6f);
	t.u[t.d] = 0; /* nothing summed: refused, unchanged */
	assert_int_equal(fm_fed_apply(&t.global, t.u), -1);
	two_free(&t);
}

static void test_refusals(void **state)
{
	struct fm_local_opts lo = { .steps = 1, .lr = 0.01, .clip = 1 };
	uint64_t rng = 1;
	struct two t;

	(void)state;
	two_init(&t);
	lo.weight = 0;
	assert_int_equal(fm_local_update(&t.global, &t.work, &set, ids, N_IMG,
					 &topts, &lo, &rng, t.u, NULL, NULL),
			 -1);
	lo.weight = 1.5;
	assert_int_equal(fm_local_update(&t.global, &t.work, &set, ids, N_IMG,
					 &topts, &lo, &rng, t.u, NULL, NULL),
			 -1);
	lo.weight = 1;
	assert_int_equal(fm_local_update(&t.global, &t.work, &set, ids, 0,
					 &topts, &lo, &rng, t.u, NULL, NULL),
			 -1);
	two_free(&t);
}

/*
 * Four nodes' real updates (shards of 16), encoded as `hn-fmnist fed`
 * encodes them: the secure-aggregation round's unmasked sum is their
 * plain sum bit for bit, and decodes to the float sum within rounding.
 */
static void test_secagg_sum_is_plain_sum(void **state)
{
	const unsigned int n = 4;
	const double clip = 0.5, clip_enc = sqrt(clip * clip + 1);
	double scale = hn_sa_fxp_max_scale(n, clip_enc);
	struct hn_sa_sim s;
	uint32_t *sum, *plain;
	unsigned int k, got;
	uint8_t seed[32] = { 0 };
	char err[256];
	struct two t;
	float *fsum;
	size_t i;

	(void)state;
	two_init(&t);
	assert_true(scale > 0);
	assert_int_equal(hn_sa_sim_init(&s, n, n - 1, 3, t.d + 1, 1), 0);
	sum = calloc(t.d + 1, 4);
	plain = calloc(t.d + 1, 4);
	fsum = calloc(t.d + 1, sizeof(float));
	assert_non_null(sum);
	assert_non_null(plain);
	assert_non_null(fsum);
	for (k = 0; k < n; k++) {
		struct fm_local_opts lo = { .steps = 2,
					    .lr = 0.01,
					    .clip = clip,
					    .weight = 0.5 + 0.125 * k };
		uint64_t rng = k;

		assert_int_equal(fm_local_update(&t.global, &t.work, &set,
						 ids + 16 * k, 16, &topts, &lo,
						 &rng, t.u, NULL, NULL),
				 0);
		seed[0] = k;
		assert_int_equal(hn_sa_fxp_encode(t.u, t.d + 1, clip_enc, scale,
						  seed, s.q[k]),
				 0);
		for (i = 0; i <= t.d; i++) {
			plain[i] += s.q[k][i];
			fsum[i] += t.u[i];
		}
	}
	assert_int_equal(hn_sa_sim_run(&s, sum, &got, err, sizeof(err)), 0);
	assert_int_equal(got, n);
	assert_memory_equal(sum, plain, (t.d + 1) * 4);
	hn_sa_fxp_decode(sum, t.d + 1, scale, t.v);
	for (i = 0; i <= t.d; i++)
		assert_true(fabsf(t.v[i] - fsum[i]) <= n / scale + 1e-6f);
	assert_true(fabsf(t.v[t.d] - (0.5f + 0.625f + 0.75f + 0.875f)) < 1e-5f);
	hn_sa_sim_free(&s);
	free(sum);
	free(plain);
	free(fsum);
	two_free(&t);
}

/* A poisoned node's words: flipped or boosted, never past M. */
static void test_poison_encode(void **state)
{
	/* clip 1, scale 4: M = 5; the weight 0.5 encodes as 2 */
	const float u[4] = { 0.05f, -0.1f, 3.0f, 0.5f };
	const int32_t boost[4] = { 2, -4, 5, 2 }, flip[4] = { 0, 0, -5, 2 };
	const float v[4] = { -0.75f, 0.5f, -0.25f, 1.0f };
	const int32_t vflip[4] = { 3, -2, 1, 4 };
	uint32_t q[4];
	unsigned int i;

	(void)state;
	fm_poison_encode(u, 3, 10, 1, 4, q);
	for (i = 0; i < 4; i++)
		assert_int_equal((int32_t)q[i], boost[i]);
	fm_poison_encode(u, 3, -1, 1, 4, q);
	for (i = 0; i < 4; i++)
		assert_int_equal((int32_t)q[i], flip[i]);
	fm_poison_encode(v, 3, -1, 1, 4, q);
	for (i = 0; i < 4; i++)
		assert_int_equal((int32_t)q[i], vflip[i]);
}

/* Items numbered by their label and first pixel. */
static void numbered(struct fm_set *s, size_t n)
{
	size_t i;

	s->n = n;
	s->pix = calloc(n, FM_PIX);
	s->label = malloc(n);
	assert_non_null(s->pix);
	assert_non_null(s->label);
	for (i = 0; i < n; i++) {
		s->label[i] = i;
		s->pix[i * FM_PIX] = i;
		s->pix[i * FM_PIX + FM_PIX - 1] = 255 - i;
	}
}

/* Each item once, in val or rest, in order, its pixels with it. */
static void check_split(const struct fm_set *val, const struct fm_set *rest,
			size_t n)
{
	uint8_t seen[200] = { 0 };
	const struct fm_set *p[2] = { val, rest };
	unsigned int k;
	size_t i;

	assert_int_equal(val->n + rest->n, n);
	for (k = 0; k < 2; k++)
		for (i = 0; i < p[k]->n; i++) {
			uint8_t id = p[k]->label[i];

			assert_true(!i || id > p[k]->label[i - 1]);
			assert_int_equal(p[k]->pix[i * FM_PIX], id);
			assert_int_equal(p[k]->pix[i * FM_PIX + FM_PIX - 1],
					 255 - id);
			assert_int_equal(seen[id]++, 0);
		}
}

static void test_holdout(void **state)
{
	struct fm_set s, val, rest, val2, rest2;

	(void)state;
	numbered(&s, 200);
	assert_int_equal(fm_holdout(&s, 30, 7, &val, &rest), 0);
	assert_int_equal(val.n, 30);
	check_split(&val, &rest, 200);
	/* the same seed, the same set; another seed, another */
	assert_int_equal(fm_holdout(&s, 30, 7, &val2, &rest2), 0);
	assert_memory_equal(val.label, val2.label, 30);
	fm_free(&val2);
	fm_free(&rest2);
	assert_int_equal(fm_holdout(&s, 30, 8, &val2, &rest2), 0);
	check_split(&val2, &rest2, 200);
	assert_memory_not_equal(val.label, val2.label, 30);
	fm_free(&val2);
	fm_free(&rest2);
	/* all, none, more than there are */
	assert_int_equal(fm_holdout(&s, 200, 7, &val2, &rest2), 0);
	check_split(&val2, &rest2, 200);
	fm_free(&val2);
	fm_free(&rest2);
	assert_int_equal(fm_holdout(&s, 0, 7, &val2, &rest2), 0);
	check_split(&val2, &rest2, 200);
	fm_free(&val2);
	fm_free(&rest2);
	assert_int_equal(fm_holdout(&s, 201, 7, &val2, &rest2), -1);
	fm_free(&val);
	fm_free(&rest);
	fm_free(&s);
}

/*
 * fm_fed_qat(): the last @qat rounds only, and those calibrated: the
 * forward weights on their int8 grids, the master weights untouched.
 */
static void test_qat_rounds(void **state)
{
	struct fm_net net;
	uint64_t rng = 11;
	size_t d, i, off_grid = 0;
	float *w, *v;

	(void)state;
	assert_int_equal(fm_net_init(&net, &topts), 0);
	fm_train_steps(&net, &set, ids, N_IMG, &topts, 0.01, 5, &rng);
	d = fm_net_dim(&net);
	w = malloc(d * sizeof(*w));
	v = malloc(d * sizeof(*v));
	assert_non_null(w);
	assert_non_null(v);
	fm_net_get(&net, w);
	/* rounds 0..6 of 10 with 3 QAT rounds: float */
	for (i = 0; i < 7; i++)
		assert_int_equal(fm_fed_qat(&net, i, 10, 3, &set), 0);
	assert_int_equal(net.qat, 0);
	assert_memory_equal(net.l[0].wq, net.l[0].w,
			    (size_t)net.l[0].n_in * net.l[0].n_out *
				    sizeof(float));
	assert_int_equal(fm_fed_qat(&net, 7, 10, 3, &set), 1);
	assert_int_equal(net.qat, 1);
	for (i = 0; i < (size_t)net.l[0].n_in * net.l[0].n_out; i++) {
		float q = ldexpf(net.l[0].wq[i], -net.l[0].w_exp);

		assert_true(q == nearbyintf(q) && fabsf(q) <= 127);
		off_grid += net.l[0].wq[i] != net.l[0].w[i];
	}
	assert_true(off_grid > 0);
	fm_net_get(&net, v);
	assert_memory_equal(w, v, d * sizeof(*w));
	assert_int_equal(fm_fed_qat(&net, 9, 10, 3, &set), 1);
	assert_int_equal(fm_fed_qat(&net, 0, 10, 0, &set), 0);
	free(w);
	free(v);
	fm_net_free(&net);
}

/* A file's bytes (NULL: none), its length in *@len. */
static unsigned char *slurp(const char *dir, const char *name, size_t *len)
{
	char path[512];
	unsigned char *b;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	b = malloc(n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, n, f), (size_t)n);
	fclose(f);
	*len = n;
	return b;
}

static void same_file(const char *a, const char *b, const char *name)
{
	size_t la = 0, lb = 0;
	unsigned char *x = slurp(a, name, &la), *y = slurp(b, name, &lb);

	assert_non_null(x);
	assert_non_null(y);
	assert_int_equal(la, lb);
	assert_memory_equal(x, y, la);
	free(x);
	free(y);
}

static int exists(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return !access(path, F_OK);
}

/*
 * What a node installs (fm_export_parts() from memory, the parts asked
 * for only) is byte for byte what fm_export() writes through its text
 * and calibration files, for a trained, calibrated net.
 */
static void test_export_parts_same_bytes(void **state)
{
	char all[] = "/tmp/hn-fedlocal-all.XXXXXX";
	char enc[] = "/tmp/hn-fedlocal-enc.XXXXXX";
	char head[] = "/tmp/hn-fedlocal-head.XXXXXX";
	char both[] = "/tmp/hn-fedlocal-both.XXXXXX";
	char *dirs[] = { all, enc, head, both }, cmd[200], err[256];
	static const char *const files[] = { "fmnist-encoder.hnm",
					     "fmnist-head.hnm" };
	struct fm_net net;
	uint64_t rng = 11;
	unsigned int i;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_non_null(mkdtemp(dirs[i]));
	assert_int_equal(fm_net_init(&net, &topts), 0);
	fm_train_steps(&net, &set, ids, N_IMG, &topts, 0.01, 20, &rng);
	assert_true(fm_net_calibrate(&net, &set) >= 0);
	assert_int_equal(fm_export(&net, &set, all, all, err, sizeof(err)), 0);
	assert_int_equal(fm_export_parts(&net, &set, NULL, enc, FM_PART_ENC,
					 err, sizeof(err)),
			 0);
	assert_int_equal(fm_export_parts(&net, &set, NULL, head, FM_PART_HEAD,
					 err, sizeof(err)),
			 0);
	assert_int_equal(fm_export_parts(&net, &set, NULL, both,
					 FM_PART_ENC | FM_PART_HEAD, err,
					 sizeof(err)),
			 0);
	same_file(all, enc, files[0]);
	same_file(all, head, files[1]);
	same_file(all, both, files[0]);
	same_file(all, both, files[1]);
	/* nothing else: no other part, no text, no calibration file */
	assert_false(exists(enc, files[1]));
	assert_false(exists(head, files[0]));
	assert_false(exists(both, "fmnist-head-a.hnm"));
	assert_false(exists(both, "fmnist-encoder.txt.gz"));
	assert_false(exists(both, "fmnist-head.calib"));
	assert_true(exists(all, "fmnist-head.calib"));
	fm_net_free(&net);
	for (i = 0; i < 4; i++) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dirs[i]);
		assert_int_equal(system(cmd), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_step_lowers_loss),
		cmocka_unit_test(test_update_is_difference),
		cmocka_unit_test(test_clip_and_weight),
		cmocka_unit_test(test_apply_weighted_mean),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_secagg_sum_is_plain_sum),
		cmocka_unit_test(test_poison_encode),
		cmocka_unit_test(test_holdout),
		cmocka_unit_test(test_export_parts_same_bytes),
		cmocka_unit_test(test_qat_rounds),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
