// SPDX-License-Identifier: GPL-2.0
/*
 * The fixed-point encoding: the overflow bound (n updates at the largest
 * clipped value sum exactly, one more is refused), clipping, stochastic
 * rounding without bias, and the refusals.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <math.h>
#include <cmocka.h>

#include "sa_fixed.h"

#define D 8

static uint8_t seed_of(unsigned int i, uint8_t seed[32])
{
	memset(seed, 0, 32);
	memcpy(seed, &i, sizeof(i));
	return seed[0];
}

/* The bound itself, and the largest safe scale at the edge of it. */
static void test_check(void **state)
{
	char err[128];
	double s;

	assert_int_equal(hn_sa_fxp_max_abs(1.0, 1024), 1025);
	assert_int_equal(hn_sa_fxp_check(2095105, 1.0, 1024, err, 128), 0);
	assert_int_equal(hn_sa_fxp_check(2095106, 1.0, 1024, err, 128),
			 -ERANGE);
	assert_non_null(strstr(err, "overflow"));
	assert_int_equal(hn_sa_fxp_check(4, 0, 1, err, 128), -EINVAL);
	assert_int_equal(hn_sa_fxp_check(4, 1, NAN, err, 128), -EINVAL);
	assert_int_equal(hn_sa_fxp_check(0, 1, 1, err, 128), -EINVAL);
	s = hn_sa_fxp_max_scale(64, 10.0);
	assert_true(s > 0);
	assert_int_equal(hn_sa_fxp_check(64, 10.0, s, err, 128), 0);
	assert_int_equal(hn_sa_fxp_check(64, 10.0, 2 * s, err, 128), -ERANGE);
	assert_true(s == ldexp(1.0, 21)); /* 64 * (10 * 2^21 + 1) < 2^31 */
}

/*
 * n updates, each all its norm on coordinate 0 at the clip (same sign:
 * the worst case), plus a mixed-sign coordinate: the sum mod 2^32 read
 * as int32 is the exact integer sum, at the largest safe scale.
 */
static void test_max_n_fits(void **state)
{
	const unsigned int n = 64;
	const double clip = 10.0, scale = hn_sa_fxp_max_scale(n, clip);
	float x[D] = { 0 };
	uint32_t q[D], sum[D] = { 0 };
	int64_t exact[D] = { 0 };
	uint8_t seed[32];
	unsigned int u, i;

	for (u = 0; u < n; u++) {
		x[0] = u % 2 ? 1e6f : 10.0f; /* clipped to 10 */
		x[1] = u % 2 ? 1e-3f : -1e-3f;
		seed_of(u, seed);
		assert_int_equal(hn_sa_fxp_encode(x, D, clip, scale, seed, q),
				 0);
		for (i = 0; i < D; i++) {
			sum[i] += q[i];
			exact[i] += (int32_t)q[i];
		}
		assert_true((int32_t)q[0] <= (int64_t)(clip * scale) + 1);
	}
	for (i = 0; i < D; i++)
		assert_true((int32_t)sum[i] == exact[i]);
	assert_true(exact[0] > (int64_t)(n * clip * scale) - n);
	assert_true(exact[0] < 0x7fffffff);
}

static void test_clip(void **state)
{
	float x[D] = { 30, 40 }, out[D];
	uint32_t q[D];
	uint8_t seed[32];

	seed_of(1, seed);
	assert_int_equal(hn_sa_fxp_encode(x, D, 5.0, 65536, seed, q), 0);
	hn_sa_fxp_decode(q, D, 65536, out);
	assert_true(fabsf(out[0] - 3.0f) < 1e-4f);
	assert_true(fabsf(out[1] - 4.0f) < 1e-4f);
	assert_true(out[2] == 0.0f);
	x[2] = NAN;
	assert_int_equal(hn_sa_fxp_encode(x, D, 5.0, 65536, seed, q), -EINVAL);
	x[2] = INFINITY;
	assert_int_equal(hn_sa_fxp_encode(x, D, 5.0, 65536, seed, q), -EINVAL);
	x[2] = 0;
	assert_int_equal(hn_sa_fxp_encode(x, D, 5.0, 0, seed, q), -EINVAL);
}

/* 0.3 at scale 1 rounds to 0 or 1, to 1 about 30 % of the time. */
static void test_stochastic_rounding(void **state)
{
	enum { REPS = 20000 };
	float x[1] = { 0.3f }, y[1] = { -0.3f };
	uint32_t q[1];
	uint8_t seed[32];
	long up = 0, down = 0;
	unsigned int r;

	for (r = 0; r < REPS; r++) {
		seed_of(r, seed);
		assert_int_equal(hn_sa_fxp_encode(x, 1, 1.0, 1.0, seed, q), 0);
		assert_true(q[0] == 0 || q[0] == 1);
		up += q[0];
		assert_int_equal(hn_sa_fxp_encode(y, 1, 1.0, 1.0, seed, q), 0);
		assert_true(q[0] == 0 || q[0] == 0xffffffff);
		down += q[0] ? 1 : 0;
	}
	/* binomial sd is 65: 5 sd either side, for these fixed seeds */
	assert_true(labs(up - 6000) < 325);
	assert_true(labs(down - 6000) < 325);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_max_n_fits),
		cmocka_unit_test(test_clip),
		cmocka_unit_test(test_stochastic_rounding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
