// SPDX-License-Identifier: GPL-2.0
/*
 * Shamir sharing over GF(2^16): the field itself, recovery at and above
 * the threshold from every subset of a small case, nothing below it, and
 * corrupted shares refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "shamir.h"

#define N 6
#define T 4

static const uint8_t secret[HN_SHAMIR_LEN] = {
	0xde, 0xad, 0xbe, 0xef, 1,  2,	  3,	4,  5,	6,    7,
	8,    9,    10,	  11,	12, 0xff, 0xfe, 0,  0,	0x80, 0x01,
	42,   43,   44,	  45,	46, 47,	  48,	49, 50, 51,
};

/* Every non-zero element has an inverse: the polynomial is irreducible. */
static void test_field(void **state)
{
	unsigned int a;

	for (a = 1; a < 65536; a++)
		assert_int_equal(hn_gf16_mul(a, hn_gf16_inv(a)), 1);
	assert_int_equal(hn_gf16_mul(0x8000, 2), 0x100b);
	assert_int_equal(hn_gf16_mul(3, 3), 5);
}

static void split(struct hn_shamir_share *sh)
{
	static const uint16_t xs[N] = { 1, 2, 3, 77, 1000, 65535 };

	assert_int_equal(hn_shamir_split(secret, T, xs, N, sh), 0);
}

/* Bitmask subsets of the N shares of a given size, in the order given. */
static unsigned int pick(const struct hn_shamir_share *sh, unsigned int mask,
			 struct hn_shamir_share *out)
{
	unsigned int i, m = 0;

	for (i = 0; i < N; i++)
		if (mask & 1u << i)
			out[m++] = sh[i];
	return m;
}

static void test_at_and_above_threshold(void **state)
{
	struct hn_shamir_share sh[N], sub[N];
	uint8_t out[HN_SHAMIR_LEN];
	unsigned int mask, m, tried = 0;

	split(sh);
	for (mask = 1; mask < 1u << N; mask++) {
		m = pick(sh, mask, sub);
		if (m < T)
			continue;
		memset(out, 0, sizeof(out));
		assert_int_equal(hn_shamir_combine(sub, m, T, out), 0);
		assert_memory_equal(out, secret, sizeof(out));
		tried++;
	}
	assert_int_equal(tried, 15 + 6 + 1);
}

/*
 * Below the threshold: refused, a t-1 interpolation gives a wrong secret,
 * and any value for one more share is consistent with the t-1 seen, each
 * giving another secret: the t-1 shares fix nothing.
 */
static void test_below_threshold(void **state)
{
	struct hn_shamir_share sh[N], sub[T];
	uint8_t out[HN_SHAMIR_LEN], prev[HN_SHAMIR_LEN];
	unsigned int mask, m, guess, tried = 0;

	split(sh);
	for (mask = 1; mask < 1u << N; mask++) {
		if (__builtin_popcount(mask) != T - 1)
			continue;
		m = pick(sh, mask, sub);
		assert_int_equal(hn_shamir_combine(sub, m, T, out), -EINVAL);
		assert_int_equal(hn_shamir_combine(sub, m, T - 1, out), 0);
		assert_memory_not_equal(out, secret, sizeof(out));
		sub[m].x = 4242;
		for (guess = 0; guess < 3; guess++) {
			memset(sub[m].y, guess * 85, HN_SHAMIR_LEN);
			assert_int_equal(hn_shamir_combine(sub, T, T, out), 0);
			if (guess)
				assert_memory_not_equal(out, prev, sizeof(out));
			memcpy(prev, out, sizeof(out));
		}
		tried++;
	}
	assert_int_equal(tried, 20);
}

/* A flipped bit in any share of T + 1 is caught; so are bad points. */
static void test_corrupted(void **state)
{
	struct hn_shamir_share sh[N], sub[T + 1];
	uint8_t out[HN_SHAMIR_LEN];
	unsigned int i;

	split(sh);
	for (i = 0; i <= T; i++) {
		memcpy(sub, sh, sizeof(sub));
		sub[i].y[i * 5 % HN_SHAMIR_LEN] ^= 0x10;
		assert_int_equal(hn_shamir_combine(sub, T + 1, T, out),
				 -EBADMSG);
	}
	memcpy(sub, sh, sizeof(sub));
	sub[1].x = sub[0].x;
	assert_int_equal(hn_shamir_combine(sub, T + 1, T, out), -EINVAL);
	sub[1].x = 0;
	assert_int_equal(hn_shamir_combine(sub, T + 1, T, out), -EINVAL);
}

static void test_split_args(void **state)
{
	static const uint16_t dup[3] = { 1, 2, 1 }, zero[3] = { 1, 0, 2 };
	struct hn_shamir_share sh[3];

	assert_int_equal(hn_shamir_split(secret, 2, dup, 3, sh), -EINVAL);
	assert_int_equal(hn_shamir_split(secret, 2, zero, 3, sh), -EINVAL);
	assert_int_equal(hn_shamir_split(secret, 4, zero, 3, sh), -EINVAL);
	assert_int_equal(hn_shamir_split(secret, 0, zero, 3, sh), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field),
		cmocka_unit_test(test_at_and_above_threshold),
		cmocka_unit_test(test_below_threshold),
		cmocka_unit_test(test_corrupted),
		cmocka_unit_test(test_split_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
