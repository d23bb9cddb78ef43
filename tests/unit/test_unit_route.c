// SPDX-License-Identifier: GPL-2.0
/*
 * The compiled routing model (route.h, hn_rt_compile() and the
 * *_compiled() functions the XDP router runs) against the reference
 * hn_rt_score(), on random models and features over the whole range the
 * loaders accept.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <hypernet/engine.h>
#include <hypernet/route.h>
#include "helpers_hn.h"

/* Pick extremes often: that is where a folded rounding constant breaks. */
static int32_t pick(int32_t lo, int32_t hi)
{
	switch (hn_t_rand() % 8) {
	case 0:
		return lo;
	case 1:
		return hi;
	default:
		return hn_t_range(lo, hi);
	}
}

static void rand_model(struct hn_rt_model *m)
{
	unsigned int j, i;

	for (j = 0; j < HN_RT_HIDDEN; j++) {
		for (i = 0; i < HN_RT_NFEAT; i++)
			m->w1[j][i] = (int8_t)pick(-128, 127);
		m->w2[j] = (int8_t)pick(-128, 127);
		/* small biases keep the units out of saturation more often */
		m->b1[j] = hn_t_rand() & 1 ? pick(-HN_BIAS_MAX, HN_BIAS_MAX) :
					     pick(-(1 << 16), 1 << 16);
	}
	m->b2 = pick(-HN_BIAS_MAX, HN_BIAS_MAX);
	m->shift1 = pick(0, HN_SHIFT_MAX);
}

/* hn_rt_score() of @x through the compiled functions, as XDP does it. */
static int32_t compiled_score(const struct hn_rt_compiled *c,
			      const uint8_t x[HN_RT_NFEAT])
{
	int32_t nb[HN_RT_HIDDEN], fr[HN_RT_HIDDEN];

	hn_rt_pre_neigh_compiled(c, &x[HN_NB_FEAT_FIRST], nb);
	hn_rt_pre_frame_compiled(c, &x[HN_FR_FEAT_FIRST], fr);
	return hn_rt_finish_compiled(c, nb, fr, x[HN_FEAT_DIST]);
}

static void check_vectors(const struct hn_rt_model *m, int n, int fmax)
{
	struct hn_rt_compiled c;
	int32_t nb[HN_RT_HIDDEN], nbc[HN_RT_HIDDEN], fr[HN_RT_HIDDEN];
	uint8_t x[HN_RT_NFEAT];
	int k, i;

	assert_int_equal(hn_rt_compile(m, &c), 0);
	for (k = 0; k < n; k++) {
		for (i = 0; i < HN_RT_NFEAT; i++)
			x[i] = pick(0, fmax);
		/* the neighbour part userspace precomputes: raw model */
		hn_rt_pre_neigh(m, &x[HN_NB_FEAT_FIRST], nb);
		hn_rt_pre_neigh_compiled(&c, &x[HN_NB_FEAT_FIRST], nbc);
		assert_memory_equal(nb, nbc, sizeof(nb));
		hn_rt_pre_frame_compiled(&c, &x[HN_FR_FEAT_FIRST], fr);
		assert_int_equal(hn_rt_finish_compiled(&c, nb, fr,
						       x[HN_FEAT_DIST]),
				 hn_rt_score(m, x));
		assert_int_equal(compiled_score(&c, x), hn_rt_score(m, x));
	}
}

/* 2,000 models x 100 vectors, features as the data plane scales them. */
static void test_compiled_random(void **state)
{
	struct hn_rt_model m;
	int iter;

	hn_t_seed(0x726f757465);
	for (iter = 0; iter < 2000; iter++) {
		rand_model(&m);
		check_vectors(&m, 100, HN_FEAT_MAX);
	}
}

/* Any u8 feature, which the range argument in route.h allows for. */
static void test_compiled_u8(void **state)
{
	struct hn_rt_model m;
	int iter;

	hn_t_seed(0x75382075);
	for (iter = 0; iter < 500; iter++) {
		rand_model(&m);
		check_vectors(&m, 100, 255);
	}
}

/* The corners of the int32 argument: largest |acc| with every shift. */
static void test_compiled_extremes(void **state)
{
	static const int8_t ws[] = { -128, 127 };
	static const uint8_t xs[] = { 0, 127, 255 };
	struct hn_rt_model m;
	struct hn_rt_compiled c;
	uint8_t x[HN_RT_NFEAT];
	unsigned int s, w, b, f, j, i;

	for (s = 0; s <= HN_SHIFT_MAX; s++)
		for (w = 0; w < 2; w++)
			for (b = 0; b < 3; b++)
				for (f = 0; f < 3; f++) {
					memset(&m, 0, sizeof(m));
					for (j = 0; j < HN_RT_HIDDEN; j++) {
						for (i = 0; i < HN_RT_NFEAT; i++)
							m.w1[j][i] = ws[(w + j) & 1];
						m.w2[j] = ws[(w + j + 1) & 1];
						m.b1[j] = b == 0 ? -HN_BIAS_MAX :
							  b == 1 ? HN_BIAS_MAX :
								   (int32_t)(j * 77777) - 300000;
					}
					m.b2 = (s & 1) ? HN_BIAS_MAX : -HN_BIAS_MAX;
					m.shift1 = s;
					memset(x, xs[f], sizeof(x));
					assert_int_equal(hn_rt_compile(&m, &c), 0);
					assert_int_equal(compiled_score(&c, x),
							 hn_rt_score(&m, x));
				}
}

/* What the compiled form cannot represent exactly, it refuses. */
static void test_compile_bounds(void **state)
{
	struct hn_rt_model m = {};
	struct hn_rt_compiled c;

	m.shift1 = HN_SHIFT_MAX;
	m.b1[3] = HN_BIAS_MAX;
	m.b1[4] = -HN_BIAS_MAX;
	assert_int_equal(hn_rt_compile(&m, &c), 0);
	assert_int_equal(c.round, 1 << (HN_SHIFT_MAX - 1));
	m.shift1 = 0;
	assert_int_equal(hn_rt_compile(&m, &c), 0);
	assert_int_equal(c.round, 0);
	m.shift1 = HN_SHIFT_MAX + 1;
	assert_int_equal(hn_rt_compile(&m, &c), -1);
	m.shift1 = 4;
	m.b1[0] = HN_BIAS_MAX + 1;
	assert_int_equal(hn_rt_compile(&m, &c), -1);
	m.b1[0] = -HN_BIAS_MAX - 1;
	assert_int_equal(hn_rt_compile(&m, &c), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compiled_random),
		cmocka_unit_test(test_compiled_u8),
		cmocka_unit_test(test_compiled_extremes),
		cmocka_unit_test(test_compile_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
