// SPDX-License-Identifier: GPL-2.0
/*
 * The fixed-point engine (engine.h) and the routing model (route.h)
 * against plain, obviously correct references.
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
#include "model.h"

/* floor((acc + 2^(s-1)) / 2^s) in 64-bit arithmetic. */
static int32_t ref_rshift(int32_t acc, unsigned int s)
{
	int64_t v = acc, d;

	if (!s)
		return acc;
	v += (int64_t)1 << (s - 1);
	d = (int64_t)1 << s;
	return (int32_t)(v >= 0 ? v / d : -((-v + d - 1) / d));
}

static void test_rshift_round_known(void **state)
{
	assert_int_equal(hn_rshift_round(5, 1), 3); /* 2.5 -> 3 */
	assert_int_equal(hn_rshift_round(-5, 1), -2); /* -2.5 -> -2 */
	assert_int_equal(hn_rshift_round(7, 2), 2); /* 1.75 -> 2 */
	assert_int_equal(hn_rshift_round(-7, 2), -2);
	assert_int_equal(hn_rshift_round(6, 2), 2); /* 1.5 -> 2 */
	assert_int_equal(hn_rshift_round(-6, 2), -1); /* -1.5 -> -1 */
	assert_int_equal(hn_rshift_round(123, 0), 123);
	assert_int_equal(hn_rshift_round(INT32_MAX, 1), 1 << 30);
	assert_int_equal(hn_rshift_round(INT32_MIN, 30), -2);
	assert_int_equal(hn_rshift_round(INT32_MAX, 30), 2);
}

static void test_rshift_round_random(void **state)
{
	int i;

	for (i = 0; i < 200000; i++) {
		int32_t acc = (int32_t)hn_t_rand();
		unsigned int s = hn_t_range(0, HN_SHIFT_MAX);

		assert_int_equal(hn_rshift_round(acc, s), ref_rshift(acc, s));
	}
}

static void test_saturation(void **state)
{
	assert_int_equal(hn_sat_s8(127), 127);
	assert_int_equal(hn_sat_s8(128), 127);
	assert_int_equal(hn_sat_s8(INT32_MAX), 127);
	assert_int_equal(hn_sat_s8(-128), -128);
	assert_int_equal(hn_sat_s8(-129), -128);
	assert_int_equal(hn_sat_s8(INT32_MIN), -128);
	assert_int_equal(hn_sat_s8(0), 0);
	assert_int_equal(hn_sat_s8(-5), -5);
}

static void test_requant_relu(void **state)
{
	assert_int_equal(hn_requant(-1000, 2, 1), 0);
	assert_int_equal(hn_requant(-1000, 2, 0), -128);
	assert_int_equal(hn_requant(-300, 2, 0), -75);
	assert_int_equal(hn_requant(1000, 2, 1), 127);
	assert_int_equal(hn_requant(300, 2, 1), 75);
	/* -2 >> 2 rounds to 0 (half up): ReLU sees 0, not negative zero. */
	assert_int_equal(hn_requant(-2, 2, 1), 0);
	assert_int_equal(hn_requant(-3, 2, 0), -1);
}

static void ref_dense(const int8_t *w, const int32_t *b, const int8_t *x,
		      unsigned int n_in, unsigned int n_out, unsigned int shift,
		      int relu, int8_t *y, int32_t *acc)
{
	unsigned int o, i;

	for (o = 0; o < n_out; o++) {
		int64_t a = b ? b[o] : 0, v;

		for (i = 0; i < n_in; i++)
			a += (int64_t)w[o * n_in + i] * x[i];
		acc[o] = (int32_t)a;
		v = ref_rshift((int32_t)a, shift);
		if (relu && v < 0)
			v = 0;
		y[o] = v > 127 ? 127 : v < -128 ? -128 : (int8_t)v;
	}
}

static void test_dense_vs_reference(void **state)
{
	static int8_t w[256 * 64], x[256], y[64], ry[64];
	static int32_t b[64], acc[64], racc[64];
	int iter;

	for (iter = 0; iter < 500; iter++) {
		unsigned int n_in = hn_t_range(1, 256),
			     n_out = hn_t_range(1, 64);
		unsigned int shift = hn_t_range(0, 16), i;
		int relu = iter & 1, nobias = (iter % 7) == 0;

		for (i = 0; i < n_in * n_out; i++)
			w[i] = (int8_t)hn_t_range(-128, 127);
		for (i = 0; i < n_in; i++)
			x[i] = (int8_t)hn_t_range(-128, 127);
		for (i = 0; i < n_out; i++)
			b[i] = hn_t_range(-(1 << 20), 1 << 20);
		hn_dense_s8(w, nobias ? NULL : b, x, n_in, n_out, shift, relu,
			    y);
		hn_dense_s32(w, nobias ? NULL : b, x, n_in, n_out, acc);
		ref_dense(w, nobias ? NULL : b, x, n_in, n_out, shift, relu, ry,
			  racc);
		assert_memory_equal(y, ry, n_out);
		assert_memory_equal(acc, racc, n_out * sizeof(int32_t));
	}
}

static void test_dense_extremes(void **state)
{
	/* The worst case hn_layer_fits() admits must not overflow. */
	static int8_t w[4096], x[4096];
	int32_t b = (1 << 30) - 1, acc;
	int8_t y;

	memset(w, -128, sizeof(w));
	memset(x, -128, sizeof(x));
	assert_true(hn_layer_fits(4096, b));
	hn_dense_s32(w, &b, x, 4096, 1, &acc);
	assert_int_equal(acc, 4096 * 16384 + b);
	hn_dense_s8(w, &b, x, 4096, 1, HN_SHIFT_MAX, 0, &y);
	assert_int_equal(y, 1);
}

static void test_layer_fits(void **state)
{
	assert_false(hn_layer_fits(0, 0));
	assert_true(hn_layer_fits(1, 0));
	assert_true(hn_layer_fits(65536, (1 << 30) - 1));
	assert_false(hn_layer_fits(65536, 1 << 30));
	assert_false(hn_layer_fits(65537, 0));
	assert_true(hn_layer_fits(4096, ((int64_t)1 << 31) - 4096 * 16384 - 1));
	assert_false(hn_layer_fits(4096, ((int64_t)1 << 31) - 4096 * 16384));
}

/* ---- routing model ------------------------------------------------------ */

static void rand_rt(struct hn_rt_model *rt)
{
	hn_t_rand_rt(rt, 1 << 24, 14);
}

static int32_t ref_rt(const struct hn_rt_model *rt, const uint8_t *x)
{
	int64_t score = rt->b2;
	unsigned int j, i;

	for (j = 0; j < HN_RT_HIDDEN; j++) {
		int64_t a = rt->b1[j], h;

		for (i = 0; i < HN_RT_NFEAT; i++)
			a += (int64_t)rt->w1[j][i] * x[i];
		h = ref_rshift((int32_t)a, rt->shift1);
		h = h < 0 ? 0 : h > 127 ? 127 : h;
		score += h * rt->w2[j];
	}
	return (int32_t)score;
}

static void test_route_split(void **state)
{
	struct hn_rt_model rt;
	struct hn_model m;
	int32_t nb[HN_RT_HIDDEN], fr[HN_RT_HIDDEN], logit;
	uint8_t x[HN_RT_NFEAT];
	int8_t xs[HN_RT_NFEAT];
	int iter, k, i;

	for (iter = 0; iter < 300; iter++) {
		rand_rt(&rt);
		assert_int_equal(hn_model_from_rt(&rt, 1, &m, NULL, 0), 0);
		for (k = 0; k < 100; k++) {
			for (i = 0; i < HN_RT_NFEAT; i++)
				xs[i] = x[i] = hn_t_range(0, HN_FEAT_MAX);
			hn_rt_pre_neigh(&rt, &x[HN_NB_FEAT_FIRST], nb);
			hn_rt_pre_frame(&rt, &x[HN_FR_FEAT_FIRST], fr);
			assert_int_equal(hn_rt_finish(&rt, nb, fr,
						      x[HN_FEAT_DIST]),
					 hn_rt_score(&rt, x));
			assert_int_equal(hn_rt_score(&rt, x), ref_rt(&rt, x));
			/* The file-model reference computes the same. */
			hn_model_infer(&m, xs, NULL, &logit);
			assert_int_equal(logit, hn_rt_score(&rt, x));
		}
		hn_model_free(&m);
	}
}

/* Neighbour part reused across frames: still the same score. */
static void test_route_split_reuse(void **state)
{
	struct hn_rt_model rt;
	int32_t nb[HN_RT_HIDDEN], fr[HN_RT_HIDDEN];
	uint8_t x[HN_RT_NFEAT];
	int k, i;

	rand_rt(&rt);
	for (i = 0; i < HN_RT_NFEAT; i++)
		x[i] = hn_t_range(0, HN_FEAT_MAX);
	hn_rt_pre_neigh(&rt, &x[HN_NB_FEAT_FIRST], nb);
	for (k = 0; k < 1000; k++) {
		for (i = HN_FEAT_DIST; i < HN_RT_NFEAT; i++)
			x[i] = hn_t_range(0, HN_FEAT_MAX);
		hn_rt_pre_frame(&rt, &x[HN_FR_FEAT_FIRST], fr);
		assert_int_equal(hn_rt_finish(&rt, nb, fr, x[HN_FEAT_DIST]),
				 hn_rt_score(&rt, x));
	}
}

/* ---- feature scaling ---------------------------------------------------- */

static void test_scale_log(void **state)
{
	uint32_t x, prev = 0, v;

	assert_int_equal(hn_scale_log(0), 0);
	assert_int_equal(hn_scale_log(1), 8);
	assert_int_equal(hn_scale_log(1023), 80);
	assert_int_equal(hn_scale_log(0xFFFFFFFFU), HN_FEAT_MAX);
	for (x = 0; x < (1u << 20); x++) {
		v = hn_scale_log(x);
		assert_true(v >= prev);
		assert_true(v <= HN_FEAT_MAX);
		prev = v;
	}
	/* Sparse walk over the rest of the range. */
	for (x = 1u << 20; x < 0xFFFF0000U; x += 65521) {
		v = hn_scale_log(x);
		assert_true(v >= prev);
		prev = v;
	}
	assert_int_equal(hn_scale_log(0xFFFEFFFFU), HN_FEAT_MAX);
}

static void test_scale_linear(void **state)
{
	uint32_t x, p_ratio = 0, p_hops = 0, p_size = 0, p_ttl = 0, p_cls = 0;

	assert_int_equal(hn_scale_ratio(0), 0);
	assert_int_equal(hn_scale_ratio(1000), 127);
	assert_int_equal(hn_scale_ratio(500), 64);
	assert_int_equal(hn_scale_ratio(5000), 127);
	assert_int_equal(hn_scale_hops(1), 8);
	assert_int_equal(hn_scale_hops(1000), 120);
	assert_int_equal(hn_scale_class(7), 112);
	assert_int_equal(hn_scale_class(8), 0); /* only 3 bits */
	assert_int_equal(hn_scale_size(1500), 93);
	assert_int_equal(hn_scale_size(9000), 93);
	assert_int_equal(hn_scale_ttl(16), 8);
	assert_int_equal(hn_scale_ttl(255), 8);
	for (x = 0; x < 100000; x++) {
		assert_true(hn_scale_ratio(x) >= p_ratio);
		assert_true(hn_scale_hops(x) >= p_hops);
		assert_true(hn_scale_size(x) >= p_size);
		assert_true(hn_scale_ttl(x) >= p_ttl);
		p_ratio = hn_scale_ratio(x);
		p_hops = hn_scale_hops(x);
		p_size = hn_scale_size(x);
		p_ttl = hn_scale_ttl(x);
		assert_true(p_ratio <= 127 && p_hops <= 127 && p_size <= 127 &&
			    p_ttl <= 127);
	}
	for (x = 0; x < 8; x++) {
		assert_true(hn_scale_class(x) >= p_cls);
		p_cls = hn_scale_class(x);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rshift_round_known),
		cmocka_unit_test(test_rshift_round_random),
		cmocka_unit_test(test_saturation),
		cmocka_unit_test(test_requant_relu),
		cmocka_unit_test(test_dense_vs_reference),
		cmocka_unit_test(test_dense_extremes),
		cmocka_unit_test(test_layer_fits),
		cmocka_unit_test(test_route_split),
		cmocka_unit_test(test_route_split_reuse),
		cmocka_unit_test(test_scale_log),
		cmocka_unit_test(test_scale_linear),
	};

	return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
