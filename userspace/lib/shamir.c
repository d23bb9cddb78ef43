// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Shamir secret sharing over GF(2^16), word by word (shamir.h).
 */
#include <errno.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "shamir.h"

#define WORDS (HN_SHAMIR_LEN / 2)
/* x^16 + x^12 + x^3 + x + 1, without the x^16 term. */
#define GF_POLY 0x100b

uint16_t hn_gf16_mul(uint16_t a, uint16_t b)
{
	uint32_t r = 0, x = a;
	unsigned int i;

	for (i = 0; i < 16; i++) {
		r ^= x & -(uint32_t)((b >> i) & 1);
		x = (x << 1) ^ (GF_POLY & -(x >> 15));
		x &= 0xffff;
	}
	return r;
}

/* a^(2^16 - 2) = a^-1: square and multiply on a public exponent. */
uint16_t hn_gf16_inv(uint16_t a)
{
	uint16_t r = 1;
	unsigned int i;

	for (i = 0; i < 15; i++) {
		a = hn_gf16_mul(a, a);
		r = hn_gf16_mul(r, a);
	}
	return r;
}

static uint16_t get_word(const uint8_t *p, unsigned int i)
{
	return (uint16_t)p[2 * i] << 8 | p[2 * i + 1];
}

static void put_word(uint8_t *p, unsigned int i, uint16_t w)
{
	p[2 * i] = w >> 8;
	p[2 * i + 1] = w & 0xff;
}

static int points_ok(const uint16_t *xs, unsigned int n)
{
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		if (!xs[i])
			return 0;
		for (j = 0; j < i; j++)
			if (xs[i] == xs[j])
				return 0;
	}
	return 1;
}

/* Horner: coef[0] is the secret word, coef[t - 1] the leading one. */
static uint16_t poly_eval(const uint16_t *coef, unsigned int t, uint16_t x)
{
	uint16_t r = 0;
	unsigned int i;

	for (i = t; i-- > 0;)
		r = hn_gf16_mul(r, x) ^ coef[i];
	return r;
}

int hn_shamir_split(const uint8_t secret[HN_SHAMIR_LEN], unsigned int t,
		    const uint16_t *xs, unsigned int n,
		    struct hn_shamir_share *out)
{
	uint16_t coef[HN_SHAMIR_MAX];
	unsigned int w, i;
	int err = 0;

	if (!t || t > n || n > HN_SHAMIR_MAX || !points_ok(xs, n))
		return -EINVAL;
	for (i = 0; i < n; i++)
		out[i].x = xs[i];
	for (w = 0; w < WORDS && !err; w++) {
		coef[0] = get_word(secret, w);
		if (t > 1 && RAND_bytes((unsigned char *)&coef[1],
					(t - 1) * sizeof(coef[0])) != 1)
			err = -EIO;
		for (i = 0; i < n; i++)
			put_word(out[i].y, w, poly_eval(coef, t, xs[i]));
	}
	OPENSSL_cleanse(coef, t * sizeof(coef[0]));
	return err;
}

/* Coefficients l_i(z) of Lagrange interpolation at z over the points xs. */
static void lagrange_at(const struct hn_shamir_share *sh, unsigned int t,
			uint16_t z, uint16_t *l)
{
	unsigned int i, j;
	uint16_t num, den;

	for (i = 0; i < t; i++) {
		num = 1;
		den = 1;
		for (j = 0; j < t; j++) {
			if (j == i)
				continue;
			num = hn_gf16_mul(num, z ^ sh[j].x);
			den = hn_gf16_mul(den, sh[i].x ^ sh[j].x);
		}
		l[i] = hn_gf16_mul(num, hn_gf16_inv(den));
	}
}

static void interpolate(const struct hn_shamir_share *sh, unsigned int t,
			const uint16_t *l, uint8_t out[HN_SHAMIR_LEN])
{
	unsigned int w, i;
	uint16_t acc;

	for (w = 0; w < WORDS; w++) {
		acc = 0;
		for (i = 0; i < t; i++)
			acc ^= hn_gf16_mul(l[i], get_word(sh[i].y, w));
		put_word(out, w, acc);
	}
}

static int check_extra(const struct hn_shamir_share *sh, unsigned int m,
		       unsigned int t, uint16_t *l)
{
	uint8_t y[HN_SHAMIR_LEN];
	unsigned int e;
	int bad = 0;

	for (e = t; e < m; e++) {
		lagrange_at(sh, t, sh[e].x, l);
		interpolate(sh, t, l, y);
		bad |= CRYPTO_memcmp(y, sh[e].y, sizeof(y));
	}
	OPENSSL_cleanse(y, sizeof(y));
	return bad ? -EBADMSG : 0;
}

int hn_shamir_combine(const struct hn_shamir_share *sh, unsigned int m,
		      unsigned int t, uint8_t secret[HN_SHAMIR_LEN])
{
	uint16_t xs[HN_SHAMIR_MAX], l[HN_SHAMIR_MAX];
	unsigned int i;
	int err;

	if (!t || m < t || m > HN_SHAMIR_MAX)
		return -EINVAL;
	for (i = 0; i < m; i++)
		xs[i] = sh[i].x;
	if (!points_ok(xs, m))
		return -EINVAL;
	err = check_extra(sh, m, t, l);
	if (err)
		return err;
	lagrange_at(sh, t, 0, l);
	interpolate(sh, t, l, secret);
	return 0;
}
