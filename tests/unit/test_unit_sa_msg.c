// SPDX-License-Identifier: GPL-2.0
/*
 * Secure-aggregation messages: each type round-trips, every truncation
 * and each malformed field is refused with its reason, and a signature
 * binds the message to its campaign, round and sender.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "sa_msg.h"

static const uint8_t campaign[32] = { 0xca, 0x3f, 1, 2, 3 };
static uint8_t sk[HN_SA_KEY_LEN], pk[HN_SA_KEY_LEN];
static char err[256];

static int setup(void **state)
{
	memset(sk, 0x11, sizeof(sk));
	return hn_sa_ed25519_public(sk, pk);
}

static uint8_t *advert(uint32_t sender, uint32_t round, size_t *len)
{
	uint8_t *m =
		hn_sa_msg_new(HN_SA_ADVERTISE, campaign, round, sender, 0, len);

	memset(hn_sa_msg_items(m), sender, HN_SA_ADV_BODY);
	assert_int_equal(hn_sa_msg_sign(m, *len, sk), 0);
	return m;
}

static uint8_t *unmask(uint32_t count, size_t *len)
{
	uint8_t *m = hn_sa_msg_new(HN_SA_UNMASK, campaign, 7, 5, count, len);
	uint8_t *it = hn_sa_msg_items(m);
	uint32_t i;

	for (i = 0; i < count; i++, it += HN_SA_UNMASK_ITEM) {
		hn_sa_put32(it, 10 + i);
		it[4] = i % 2;
		it[6] = 1 + i;
	}
	assert_int_equal(hn_sa_msg_sign(m, *len, sk), 0);
	return m;
}

static void expect_bad(const uint8_t *buf, size_t len, const char *why)
{
	struct hn_sa_msg m;

	err[0] = 0;
	assert_int_equal(hn_sa_msg_parse(buf, len, &m, err, sizeof(err)),
			 -EBADMSG);
	if (!strstr(err, why))
		fail_msg("error '%s' lacks '%s'", err, why);
}

static void test_advertise(void **state)
{
	struct hn_sa_msg m;
	size_t len, i;
	uint8_t *buf = advert(42, 7, &len);

	assert_int_equal(len, HN_SA_ADV_LEN);
	assert_int_equal(hn_sa_msg_parse(buf, len, &m, err, sizeof(err)), 0);
	assert_int_equal(m.type, HN_SA_ADVERTISE);
	assert_int_equal(m.round, 7);
	assert_int_equal(m.sender, 42);
	assert_memory_equal(m.campaign, campaign, 32);
	assert_int_equal(m.body[0], 42);
	assert_true(hn_sa_msg_verify(&m, pk));
	for (i = 0; i < len; i++)
		expect_bad(buf, i, "secagg");
	free(buf);
}

/* A signed message relabelled to another round, sender or campaign. */
static void test_replay(void **state)
{
	struct hn_sa_msg m;
	size_t len;
	uint8_t *buf = advert(42, 7, &len);
	static const unsigned int offs[] = { 7, 11, 12, 43, 60, 200 };
	unsigned int i;

	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		buf[offs[i]] ^= 1;
		assert_int_equal(hn_sa_msg_parse(buf, len, &m, err, 256), 0);
		assert_false(hn_sa_msg_verify(&m, pk));
		buf[offs[i]] ^= 1;
	}
	free(buf);
}

static void test_header(void **state)
{
	size_t len;
	uint8_t *buf = advert(1, 1, &len);

	buf[0] = 3;
	expect_bad(buf, len, "version 3");
	buf[0] = 1; /* before the consistency round: refused */
	expect_bad(buf, len, "version 1, not 2");
	buf[0] = HN_SA_VERSION;
	buf[1] = 0;
	expect_bad(buf, len, "unknown type 0");
	buf[1] = __HN_SA_TYPE_MAX;
	expect_bad(buf, len, "unknown type");
	buf[1] = HN_SA_ADVERTISE;
	buf[3] = 1;
	expect_bad(buf, len, "reserved");
	buf[3] = 0;
	buf[47] ^= 1;
	expect_bad(buf, len, "body of");
	free(buf);
}

static void test_unmask_items(void **state)
{
	struct hn_sa_msg m;
	size_t len;
	uint8_t *buf = unmask(3, &len), *it = hn_sa_msg_items(buf);

	assert_int_equal(hn_sa_msg_parse(buf, len, &m, err, 256), 0);
	assert_int_equal(m.count, 3);
	assert_int_equal(hn_sa_get32(hn_sa_item(&m, 2)), 12);
	assert_int_equal(hn_sa_item(&m, 1)[4], HN_SA_KIND_S);
	it[HN_SA_UNMASK_ITEM + 4] = 2;
	expect_bad(buf, len, "kind 2");
	it[HN_SA_UNMASK_ITEM + 4] = 1;
	it[2 * HN_SA_UNMASK_ITEM + 6] = 0;
	expect_bad(buf, len, "x = 0");
	it[2 * HN_SA_UNMASK_ITEM + 6] = 3;
	hn_sa_put32(it + HN_SA_UNMASK_ITEM, 10);
	expect_bad(buf, len, "not increasing");
	hn_sa_put32(it + HN_SA_UNMASK_ITEM, 11);
	hn_sa_put32(buf + HN_SA_HDR_LEN, 4);
	expect_bad(buf, len, "of 4 items");
	hn_sa_put32(buf + HN_SA_HDR_LEN, HN_SA_MAX_NODES + 1);
	expect_bad(buf, len, "at most");
	free(buf);
}

static void test_masked_and_fwd(void **state)
{
	struct hn_sa_msg m;
	size_t len;
	uint8_t *buf;

	buf = hn_sa_msg_new(HN_SA_MASKED, campaign, 3, 9, 1000, &len);
	assert_int_equal(len, HN_SA_HDR_LEN + 4 + 4000 + HN_SA_SIG_LEN);
	assert_int_equal(hn_sa_msg_parse(buf, len, &m, err, 256), 0);
	assert_int_equal(m.count, 1000);
	hn_sa_put32(buf + HN_SA_HDR_LEN, HN_SA_MAX_DIM + 1);
	expect_bad(buf, len, "at most");
	free(buf);
	buf = hn_sa_msg_new(HN_SA_SHARES_FWD, campaign, 3, 9, 2, &len);
	hn_sa_put32(buf + HN_SA_HDR_LEN, 77);
	hn_sa_put32(hn_sa_msg_items(buf), 5);
	hn_sa_put32(hn_sa_msg_items(buf) + HN_SA_SHARE_ITEM, 6);
	assert_int_equal(hn_sa_msg_parse(buf, len, &m, err, 256), 0);
	assert_int_equal(m.to, 77);
	assert_int_equal(m.count, 2);
	assert_int_equal(hn_sa_get32(hn_sa_item(&m, 1)), 6);
	expect_bad(buf, HN_SA_HDR_LEN + 6 + HN_SA_SIG_LEN, "body of");
	free(buf);
}

/*
 * Version 2's messages: CONSIST, a fixed 32-byte digest; CONSIST_REQ,
 * ids increasing; UNMASK_REQ, signer id and signature, ids increasing.
 */
static void test_consistency(void **state)
{
	static const uint8_t want[] = {
		2, HN_SA_CONSIST, 0, 0, 0, 0, 0, 7, 0, 0, 0, 5, 0xca
	};
	struct hn_sa_msg m;
	size_t len, i;
	uint8_t *buf, *it;

	buf = hn_sa_msg_new(HN_SA_CONSIST, campaign, 7, 5, 0, &len);
	assert_int_equal(len, 144);
	assert_int_equal(HN_SA_CONSIST_LEN, 144);
	memset(hn_sa_msg_items(buf), 0xd1, HN_SA_CONSIST_BODY);
	assert_int_equal(hn_sa_msg_sign(buf, len, sk), 0);
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(hn_sa_get32(buf + 44), 32);
	assert_int_equal(buf[48], 0xd1);
	assert_int_equal(hn_sa_msg_parse(buf, len, &m, err, 256), 0);
	assert_int_equal(m.type, HN_SA_CONSIST);
	assert_ptr_equal(m.body, buf + HN_SA_HDR_LEN);
	assert_true(hn_sa_msg_verify(&m, pk));
	for (i = 0; i < len; i++)
		expect_bad(buf, i, "secagg");
	hn_sa_put32(buf + 44, 33);
	buf = realloc(buf, len + 1);
	buf[len] = 0;
	expect_bad(buf, len + 1, "consist of 145 bytes, not 144");
	free(buf);

	buf = hn_sa_msg_new(HN_SA_CONSIST_REQ, campaign, 7, 1, 3, &len);
	assert_int_equal(len, HN_SA_HDR_LEN + 4 + 12 + HN_SA_SIG_LEN);
	it = hn_sa_msg_items(buf);
	for (i = 0; i < 3; i++)
		hn_sa_put32(it + 4 * i, 100 + 7 * i);
	assert_int_equal(hn_sa_msg_parse(buf, len, &m, err, 256), 0);
	assert_int_equal(m.count, 3);
	hn_sa_put32(it + 8, 107);
	expect_bad(buf, len, "consist-req item 2: id 107 after 107");
	free(buf);

	buf = hn_sa_msg_new(HN_SA_UNMASK_REQ, campaign, 7, 1, 2, &len);
	assert_int_equal(len, HN_SA_HDR_LEN + 4 + 2 * 68 + HN_SA_SIG_LEN);
	it = hn_sa_msg_items(buf);
	hn_sa_put32(it, 100);
	hn_sa_put32(it + HN_SA_SIG_ITEM, 107);
	assert_int_equal(hn_sa_msg_parse(buf, len, &m, err, 256), 0);
	assert_int_equal(m.item_len, HN_SA_SIG_ITEM);
	hn_sa_put32(it + HN_SA_SIG_ITEM, 100);
	expect_bad(buf, len, "unmask-req item 1: id 100 after 100");
	hn_sa_put32(buf + HN_SA_HDR_LEN, 3);
	expect_bad(buf, len, "unmask-req of 3 items");
	free(buf);
}

/* A list holds adverts of its own round only, senders increasing. */
static void test_advert_list(void **state)
{
	struct hn_sa_msg m;
	size_t len, alen;
	uint8_t *buf, *a1 = advert(3, 7, &alen), *a2 = advert(8, 7, &alen);
	uint8_t *a3 = advert(9, 6, &alen);

	buf = hn_sa_msg_new(HN_SA_ADV_LIST, campaign, 7, 1, 2, &len);
	memcpy(hn_sa_msg_items(buf), a1, alen);
	memcpy(hn_sa_msg_items(buf) + alen, a2, alen);
	assert_int_equal(hn_sa_msg_parse(buf, len, &m, err, 256), 0);
	assert_int_equal(m.count, 2);
	memcpy(hn_sa_msg_items(buf), a2, alen);
	expect_bad(buf, len, "sender 8 after 8");
	memcpy(hn_sa_msg_items(buf) + alen, a3, alen);
	expect_bad(buf, len, "not an advert of this round");
	hn_sa_msg_items(buf)[0] = 9;
	expect_bad(buf, len, "version 9");
	free(buf);
	free(a1);
	free(a2);
	free(a3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_advertise),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_unmask_items),
		cmocka_unit_test(test_masked_and_fwd),
		cmocka_unit_test(test_advert_list),
		cmocka_unit_test(test_consistency),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
