/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Shamir secret sharing of 32-byte secrets, for secure aggregation
 * (Documentation/federated.rst).
 *
 * The field is GF(2^16) with the primitive polynomial x^16 + x^12 + x^3 +
 * x + 1; a secret is 16 big-endian 16-bit words, each shared with its own
 * polynomial of degree t - 1, all evaluated at the same x.  A share is the
 * holder's x (1..65535, distinct) and the 16 words of y, 32 bytes again.
 * Addition is XOR; multiplication runs in the same number of steps for
 * every operand (no table, no branch on data), so the arithmetic on
 * secrets and their shares is constant-time.  Lagrange coefficients depend
 * only on the x values, which are public.
 */
#ifndef _HN_LIB_SHAMIR_H
#define _HN_LIB_SHAMIR_H

#include <stddef.h>
#include <stdint.h>

#define HN_SHAMIR_LEN 32
/* Shares one split or combine handles, and so the largest threshold. */
#define HN_SHAMIR_MAX 1024

struct hn_shamir_share {
	uint16_t x;
	uint8_t y[HN_SHAMIR_LEN];
};

/* GF(2^16) product and inverse (0 has none: 0 is returned). */
uint16_t hn_gf16_mul(uint16_t a, uint16_t b);
uint16_t hn_gf16_inv(uint16_t a);

/*
 * Split @secret into @n <= HN_SHAMIR_MAX shares at the distinct non-zero
 * points @xs, any @t of which recover it (1 <= t <= n).  The coefficients come from
 * RAND_bytes().  0, or -EINVAL (bad t or points), -EIO (no randomness).
 */
int hn_shamir_split(const uint8_t secret[HN_SHAMIR_LEN], unsigned int t,
		    const uint16_t *xs, unsigned int n,
		    struct hn_shamir_share *out);

/*
 * Recover a secret from @m >= @t shares: the first @t are interpolated at
 * 0, and every further share must lie on the same polynomials.  0, or
 * -EINVAL (m < t, a zero or repeated x), -EBADMSG (a share off the
 * polynomial: corrupted).
 */
int hn_shamir_combine(const struct hn_shamir_share *sh, unsigned int m,
		      unsigned int t, uint8_t secret[HN_SHAMIR_LEN]);

#endif /* _HN_LIB_SHAMIR_H */
