// SPDX-License-Identifier: GPL-2.0
/*
 * Robust aggregation by structure (userspace/lib/robust.h): the median
 * and the trimmed mean exact on small vectors, the grouping deterministic,
 * balanced and redrawn each round, the combination of group sums (a
 * scaled group outvoted where the plain sum follows it, a boosted group
 * cut to the median norm, malformed groups
 * left out, the weight coordinate used) and the acceptance gate's
 * decision at and around its bound.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "robust.h"

static void test_median(void **state)
{
	const double odd[] = { 3, -1, 2, 7, 0 }, even[] = { 4, 1, 3, 2 };
	const double dup[] = { 5, 5, 1, 5 }, one[] = { -2.5 };

	(void)state;
	assert_true(hn_rb_median(odd, 5) == 2);
	assert_true(hn_rb_median(even, 4) == 2.5);
	assert_true(hn_rb_median(dup, 4) == 5);
	assert_true(hn_rb_median(one, 1) == -2.5);
	assert_true(isnan(hn_rb_median(odd, 0)));
}

static void test_trimmed(void **state)
{
	const double v[] = { 1, 100, 2, -50, 3 }, w[] = { 1, 9, 3, 9, 0 };

	(void)state;
	assert_true(hn_rb_trimmed_mean(v, NULL, 5, 0) == 56.0 / 5);
	assert_true(hn_rb_trimmed_mean(v, NULL, 5, 1) == 2);
	assert_true(hn_rb_trimmed_mean(v, NULL, 5, 2) == 2);
	/* kept 1, 2, 3 with weights 1, 3, 0: (1 + 6) / 4 */
	assert_true(hn_rb_trimmed_mean(v, w, 5, 1) == 7.0 / 4);
	assert_true(isnan(hn_rb_trimmed_mean(v, NULL, 4, 2)));
	assert_true(isnan(hn_rb_trimmed_mean(v, w + 4, 1, 0))); /* weight 0 */
}

static void sizes(const unsigned int *group, unsigned int n, unsigned int g,
		  unsigned int *size)
{
	unsigned int i;

	memset(size, 0, g * sizeof(*size));
	for (i = 0; i < n; i++) {
		assert_true(group[i] < g);
		size[group[i]]++;
	}
}

static void test_groups(void **state)
{
	uint8_t camp[32], other[32];
	uint32_t ids[17];
	unsigned int a[17], b[17], size[5], i, moved = 0, r;

	(void)state;
	memset(camp, 0x11, sizeof(camp));
	memset(other, 0x12, sizeof(other));
	for (i = 0; i < 17; i++)
		ids[i] = 100 + 7 * i;
	assert_int_equal(hn_rb_groups(camp, 3, ids, 16, 4, a), 0);
	sizes(a, 16, 4, size);
	for (i = 0; i < 4; i++)
		assert_int_equal(size[i], 4);
	assert_int_equal(hn_rb_groups(camp, 3, ids, 17, 5, a), 0);
	sizes(a, 17, 5, size);
	for (i = 0; i < 5; i++)
		assert_true(size[i] == 3 || size[i] == 4);
	/* the same inputs, the same groups */
	assert_int_equal(hn_rb_groups(camp, 3, ids, 17, 5, b), 0);
	assert_memory_equal(a, b, sizeof(a));
	/* another round or campaign: other groups */
	for (r = 4; r < 8; r++) {
		assert_int_equal(hn_rb_groups(camp, r, ids, 17, 5, b), 0);
		moved += memcmp(a, b, sizeof(a)) != 0;
	}
	assert_int_equal(moved, 4);
	assert_int_equal(hn_rb_groups(other, 3, ids, 17, 5, b), 0);
	assert_memory_not_equal(a, b, sizeof(a));
	/* one group takes everyone; too many groups, too few nodes refused */
	assert_int_equal(hn_rb_groups(camp, 3, ids, 2, 1, a), 0);
	assert_int_equal(a[0] + a[1], 0);
	assert_int_equal(hn_rb_groups(camp, 3, ids, 11, 4, a), -EINVAL);
	assert_int_equal(hn_rb_groups(camp, 3, ids, 16, 0, a), -EINVAL);
	assert_int_equal(hn_rb_groups(camp, 3, ids, 0, 1, a), -EINVAL);
	assert_int_equal(hn_rb_groups(camp, 3, ids, 16, HN_RB_MAX_GROUPS + 1,
				      a),
			 -EINVAL);
}

#define D 3

/* Group j's sum: @weight times the mean @m (D coordinates). */
static void group_sum(float *s, const float *m, float weight)
{
	unsigned int i;

	for (i = 0; i < D; i++)
		s[i] = m[i] * weight;
	s[D] = weight;
}

static void test_scaled_outvoted(void **state)
{
	/* honest means of norm 3, so that none is cut to the median norm */
	static const float honest[3][D] = { { 1, 2, -2 },
					    { 2, 1, -2 },
					    { 2, 2, -1 } };
	static const unsigned int members[4] = { 4, 4, 4, 4 };
	float s[4][D + 1], out[D + 1], plain[D + 1] = { 0 };
	const float *sums[4] = { s[0], s[1], s[2], s[3] };
	struct hn_rb_opts o = { .rule = HN_RB_MEDIAN };
	float bad[D];
	unsigned int i, j, valid;

	(void)state;
	for (i = 0; i < D; i++)
		bad[i] = -100 * honest[0][i]; /* flipped and boosted */
	group_sum(s[0], honest[0], 2);
	group_sum(s[1], honest[1], 1);
	group_sum(s[2], honest[2], 3);
	group_sum(s[3], bad, 2);
	assert_int_equal(hn_rb_combine(sums, members, 4, D, &o, out, &valid),
			 0);
	assert_int_equal(valid, 4);
	assert_true(out[D] == 1);
	/*
	 * The bad mean is cut to the median norm, 3: (-1, -2, 2).  Per
	 * coordinate the median of four is the mean of the middle two.
	 */
	assert_float_equal(out[0], (1 + 2) / 2.0, 1e-6);
	assert_float_equal(out[1], (1 + 2) / 2.0, 1e-6);
	assert_float_equal(out[2], (-2 + -1) / 2.0, 1e-6);
	/* the plain weighted mean follows the bad group */
	for (j = 0; j < 4; j++)
		for (i = 0; i <= D; i++)
			plain[i] += s[j][i];
	assert_true(plain[0] / plain[D] < -20);
	/*
	 * The trimmed mean drops it too: in coordinate 0, -1 (bad) and one
	 * 2 (the later group, group 2) go; 1 and 2 are kept with the
	 * weights 2 and 1.
	 */
	o = (struct hn_rb_opts){ .rule = HN_RB_TRIMMED, .trim = 1 };
	assert_int_equal(hn_rb_combine(sums, members, 4, D, &o, out, NULL), 0);
	assert_float_equal(out[0], (1 * 2 + 2 * 1) / 3.0, 1e-6);
}

/* Trimming nothing, the boosted mean still loses its length. */
static void test_norm_cut(void **state)
{
	static const float m0[D] = { 1, 2, -2 }, m1[D] = { 2, 1, -2 };
	static const float boosted[D] = { 10, 10, -5 }; /* 5 times */
	static const unsigned int members[3] = { 3, 3, 3 };
	float s[3][D + 1], out[D + 1];
	const float *sums[3] = { s[0], s[1], s[2] };
	struct hn_rb_opts o = { .rule = HN_RB_TRIMMED, .trim = 0 };

	(void)state;
	group_sum(s[0], m0, 1);
	group_sum(s[1], m1, 1);
	group_sum(s[2], boosted, 1);
	assert_int_equal(hn_rb_combine(sums, members, 3, D, &o, out, NULL), 0);
	/* norms 3, 3, 15: the third becomes (2, 2, -1) */
	assert_float_equal(out[0], (1 + 2 + 2) / 3.0, 1e-6);
	assert_float_equal(out[1], (2 + 1 + 2) / 3.0, 1e-6);
	assert_float_equal(out[2], (-2 - 2 - 1) / 3.0, 1e-6);
}

static void test_invalid_groups(void **state)
{
	static const float m[D] = { 1, 2, 3 }, m2[D] = { 3, 2, 1 };
	static const unsigned int members[4] = { 3, 3, 3, 3 };
	float s[4][D + 1], out[D + 1];
	const float *sums[4] = { s[0], s[1], s[2], s[3] };
	struct hn_rb_opts o = { .rule = HN_RB_MEDIAN };
	unsigned int valid;

	(void)state;
	group_sum(s[0], m, 0.5);
	group_sum(s[1], m2, 4); /* more weight than 3 nodes can have */
	group_sum(s[2], m2, 0); /* no weight */
	group_sum(s[3], m2, 1);
	s[3][1] = NAN;
	assert_int_equal(hn_rb_combine(sums, members, 4, D, &o, out, &valid),
			 0);
	assert_int_equal(valid, 1);
	/* the one valid group's mean: its sum over its weight */
	assert_float_equal(out[0], 1, 1e-6);
	assert_float_equal(out[2], 3, 1e-6);
	/* none valid, or the trim keeping none: refused */
	assert_int_equal(hn_rb_combine(sums + 1, members, 3, D, &o, out,
				       &valid),
			 -EINVAL);
	assert_int_equal(valid, 0);
	o = (struct hn_rb_opts){ .rule = HN_RB_TRIMMED, .trim = 1 };
	assert_int_equal(hn_rb_combine(sums, members, 4, D, &o, out, NULL),
			 -EINVAL);
}

static void test_gate(void **state)
{
	(void)state;
	/* max drop 0.01 on 1,000 items: 10 fewer right passes, 11 not */
	assert_int_equal(hn_rb_gate(900, 900, 1000, 100), 1);
	assert_int_equal(hn_rb_gate(900, 950, 1000, 100), 1);
	assert_int_equal(hn_rb_gate(900, 890, 1000, 100), 1);
	assert_int_equal(hn_rb_gate(900, 889, 1000, 100), 0);
	assert_int_equal(hn_rb_gate(900, 0, 1000, 100), 0);
	/* no drop allowed; everything allowed */
	assert_int_equal(hn_rb_gate(900, 899, 1000, 0), 0);
	assert_int_equal(hn_rb_gate(900, 900, 1000, 0), 1);
	assert_int_equal(hn_rb_gate(1000, 0, 1000, 10000), 1);
	/* nonsense counts refused */
	assert_int_equal(hn_rb_gate(0, 0, 0, 100), 0);
	assert_int_equal(hn_rb_gate(900, 1001, 1000, 100), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_median),
		cmocka_unit_test(test_trimmed),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_scaled_outvoted),
		cmocka_unit_test(test_norm_cut),
		cmocka_unit_test(test_invalid_groups),
		cmocka_unit_test(test_gate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
