// SPDX-License-Identifier: GPL-2.0
/*
 * Secure aggregation's primitives: the mask generator (a known answer,
 * determinism, chunk boundaries), pairwise masks that cancel in a sum,
 * X25519 agreement, the AEAD refusing any changed byte, Ed25519.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "sa_crypto.h"

#define D 10007 /* crosses the generator's chunks */
#define PARTIES 5

/* AES-256 of the zero block under the zero key (FIPS-197 style KAT). */
static void test_prg_known_answer(void **state)
{
	static const uint8_t zero[HN_SA_KEY_LEN];
	uint32_t v[4] = { 0 };

	assert_int_equal(hn_sa_prg_add(zero, 0, v, 4), 0);
	assert_int_equal(v[0], 0x78c095dc);
	assert_int_equal(v[1], 0x898940a2);
	assert_int_equal(v[2], 0x14a248ad);
	assert_int_equal(v[3], 0x87208492);
}

static void test_prg_deterministic(void **state)
{
	uint8_t seed[HN_SA_KEY_LEN], other[HN_SA_KEY_LEN];
	uint32_t *a = calloc(D, 4), *b = calloc(D, 4), *c = calloc(D, 4);
	size_t i, same = 0;

	memset(seed, 7, sizeof(seed));
	memcpy(other, seed, sizeof(seed));
	other[31] ^= 1;
	assert_int_equal(hn_sa_prg_add(seed, 0, a, D), 0);
	assert_int_equal(hn_sa_prg_add(seed, 0, b, D), 0);
	assert_int_equal(hn_sa_prg_add(other, 0, c, D), 0);
	assert_memory_equal(a, b, D * 4);
	for (i = 0; i < D; i++)
		same += a[i] == c[i];
	assert_true(same < 3);
	/* A prefix is the same stream; negating undoes adding. */
	memset(b, 0, D * 4);
	assert_int_equal(hn_sa_prg_add(seed, 0, b, 3), 0);
	assert_memory_equal(a, b, 3 * 4);
	assert_int_equal(hn_sa_prg_add(seed, 1, a, D), 0);
	for (i = 0; i < D; i++)
		assert_int_equal(a[i], 0);
	free(a);
	free(b);
	free(c);
}

static void pair_seed(const uint8_t sk[HN_SA_KEY_LEN],
		      const uint8_t pk[HN_SA_KEY_LEN],
		      uint8_t seed[HN_SA_KEY_LEN])
{
	uint8_t shared[HN_SA_KEY_LEN];

	assert_int_equal(hn_sa_x25519(sk, pk, shared), 0);
	assert_int_equal(hn_sa_hkdf(shared, sizeof(shared),
				    (const uint8_t *)"s", 1,
				    (const uint8_t *)"i", 1, seed),
			 0);
}

/* Each party masks its vector with every other; the sum is unchanged. */
static void test_masks_cancel(void **state)
{
	uint8_t sk[PARTIES][HN_SA_KEY_LEN], pk[PARTIES][HN_SA_KEY_LEN];
	uint8_t s1[HN_SA_KEY_LEN], s2[HN_SA_KEY_LEN];
	uint32_t *y[PARTIES], plain = 0, sum;
	unsigned int u, v;
	size_t i, masked = 0;

	for (u = 0; u < PARTIES; u++) {
		assert_int_equal(hn_sa_x25519_keygen(sk[u], pk[u]), 0);
		y[u] = calloc(D, 4);
		for (i = 0; i < D; i++)
			y[u][i] = u * 1000 + i;
	}
	for (u = 0; u < PARTIES; u++)
		for (v = 0; v < PARTIES; v++) {
			if (u == v)
				continue;
			pair_seed(sk[u], pk[v], s1);
			pair_seed(sk[v], pk[u], s2);
			assert_memory_equal(s1, s2, sizeof(s1));
			assert_int_equal(hn_sa_prg_add(s1, u > v, y[u], D), 0);
		}
	for (i = 0; i < D; i++) {
		plain = 0;
		sum = 0;
		for (u = 0; u < PARTIES; u++) {
			plain += u * 1000 + i;
			sum += y[u][i];
			masked += y[u][i] != u * 1000 + i;
		}
		assert_int_equal(sum, plain);
	}
	assert_true(masked > PARTIES * D - 10);
	for (u = 0; u < PARTIES; u++)
		free(y[u]);
}

static void test_x25519_public(void **state)
{
	uint8_t sk[HN_SA_KEY_LEN], pk[HN_SA_KEY_LEN], pk2[HN_SA_KEY_LEN];
	static const uint8_t low[HN_SA_KEY_LEN]; /* order-1 point */
	uint8_t shared[HN_SA_KEY_LEN];

	assert_int_equal(hn_sa_x25519_keygen(sk, pk), 0);
	assert_int_equal(hn_sa_x25519_public(sk, pk2), 0);
	assert_memory_equal(pk, pk2, sizeof(pk));
	assert_int_equal(hn_sa_x25519(sk, low, shared), -EINVAL);
}

static void test_aead(void **state)
{
	uint8_t key[HN_SA_KEY_LEN], msg[40], ct[40 + HN_SA_TAG_LEN], pt[40];
	static const uint8_t aad[] = "campaign|round|from|to";
	unsigned int i;

	memset(key, 3, sizeof(key));
	memset(msg, 0x5a, sizeof(msg));
	assert_int_equal(hn_sa_seal(key, aad, sizeof(aad), msg, 40, ct), 0);
	assert_memory_not_equal(ct, msg, 40);
	assert_int_equal(hn_sa_open(key, aad, sizeof(aad), ct, 40, pt), 0);
	assert_memory_equal(pt, msg, 40);
	for (i = 0; i < sizeof(ct); i++) {
		ct[i] ^= 1;
		assert_int_equal(hn_sa_open(key, aad, sizeof(aad), ct, 40, pt),
				 -EBADMSG);
		ct[i] ^= 1;
	}
	assert_int_equal(hn_sa_open(key, aad, sizeof(aad) - 1, ct, 40, pt),
			 -EBADMSG);
}

static void test_ed25519(void **state)
{
	uint8_t sk[HN_SA_KEY_LEN], pk[HN_SA_KEY_LEN], sig[HN_SA_SIG_LEN];
	static const uint8_t msg[] = "advertise";

	memset(sk, 9, sizeof(sk));
	assert_int_equal(hn_sa_ed25519_public(sk, pk), 0);
	assert_int_equal(hn_sa_sign(sk, msg, sizeof(msg), sig), 0);
	assert_true(hn_sa_verify(pk, msg, sizeof(msg), sig));
	sig[10] ^= 4;
	assert_false(hn_sa_verify(pk, msg, sizeof(msg), sig));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prg_known_answer),
		cmocka_unit_test(test_prg_deterministic),
		cmocka_unit_test(test_masks_cancel),
		cmocka_unit_test(test_x25519_public),
		cmocka_unit_test(test_aead),
		cmocka_unit_test(test_ed25519),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
