// SPDX-License-Identifier: GPL-2.0
/*
 * FED frames (ctrl.h) and round-message transfers (fedxfer.h): codec
 * round trips and refusals, a message through loss and reordering with
 * selective acknowledgement, and the receiver's caps.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "ctrl.h"
#include "fedvec.h"
#include "fedxfer.h"

static const struct hn_mesh_key key = { .id = 3, .key = { 1, 2, 3, 4 } };

static struct hn_ctrl_msg fed_msg(const struct hn_ctrl_fed *f)
{
	struct hn_ctrl_msg m;

	memset(&m, 0, sizeof(m));
	m.type = HN_T_FED;
	m.ttl = 16;
	m.src = 11;
	m.dst = 22;
	m.counter = 99;
	m.u.fed = *f;
	return m;
}

static int enc(const struct hn_ctrl_fed *f, uint8_t *buf)
{
	struct hn_ctrl_msg m = fed_msg(f);

	return hn_ctrl_encode(buf, HN_CTRL_MAX, &m, &key);
}

static uint8_t payload[HN_FED_FRAG_MAX];

static struct hn_ctrl_fed data_frag(uint32_t total, uint32_t idx)
{
	struct hn_ctrl_fed f = { .campaign = 5,
				 .round = 2,
				 .msg_id = 77,
				 .total_len = total,
				 .attempt = 1,
				 .kind = 3,
				 .op = HN_FED_DATA };
	uint32_t left = total - idx * HN_FED_FRAG_MAX;

	f.offset = idx * HN_FED_FRAG_MAX;
	f.frag_len = left < HN_FED_FRAG_MAX ? left : HN_FED_FRAG_MAX;
	f.data = payload;
	return f;
}

static void test_codec_roundtrip(void **state)
{
	uint8_t buf[HN_CTRL_MAX];
	struct hn_ctrl_fed f = data_frag(3000, 2);
	struct hn_ctrl_msg m;
	char err[HN_CTRL_ERRLEN];
	int len;

	memset(payload, 0xab, sizeof(payload));
	len = enc(&f, buf);
	assert_int_equal(len, HN_HDR_LEN + 32 + 960 + HN_AUTH_LEN);
	assert_int_equal(hn_ctrl_decode(buf, len, NULL, &m, &key, 1, err,
					sizeof(err)),
			 HN_CE_OK);
	assert_int_equal(m.type, HN_T_FED);
	assert_int_equal(m.u.fed.campaign, 5);
	assert_int_equal(m.u.fed.round, 2);
	assert_int_equal(m.u.fed.msg_id, 77);
	assert_int_equal(m.u.fed.total_len, 3000);
	assert_int_equal(m.u.fed.offset, 2040);
	assert_int_equal(m.u.fed.frag_len, 960);
	assert_int_equal(m.u.fed.attempt, 1);
	assert_int_equal(m.u.fed.kind, 3);
	assert_memory_equal(m.u.fed.data, payload, 960);
	/* the largest fragment fits the largest control frame */
	f = data_frag(HN_FED_MSG_MAX, 0);
	assert_int_equal(enc(&f, buf), HN_CTRL_MAX);
	/* a flipped byte of the fragment header fails the MAC */
	f = data_frag(3000, 0);
	len = enc(&f, buf);
	buf[HN_HDR_LEN + 11] ^= 1;
	assert_int_equal(hn_ctrl_decode(buf, len, NULL, &m, &key, 1, err,
					sizeof(err)),
			 HN_CE_MAC);
}

static void test_codec_refusals(void **state)
{
	uint8_t buf[HN_CTRL_MAX];
	struct hn_ctrl_fed f;
	struct hn_ctrl_msg m;
	char err[HN_CTRL_ERRLEN];
	int len;

	f = data_frag(3000, 0);
	f.offset = 5; /* not a fragment boundary */
	assert_int_equal(enc(&f, buf), -EINVAL);
	f = data_frag(3000, 0);
	f.frag_len = 100; /* short but not the last */
	assert_int_equal(enc(&f, buf), -EINVAL);
	f = data_frag(3000, 2);
	f.frag_len = 961; /* past total_len */
	assert_int_equal(enc(&f, buf), -EINVAL);
	f = data_frag(HN_FED_MSG_MAX + 1, 0);
	assert_int_equal(enc(&f, buf), -EINVAL);
	f = data_frag(3000, 0);
	f.campaign = 0;
	assert_int_equal(enc(&f, buf), -EINVAL);
	f = data_frag(3000, 0);
	f.op = __HN_FED_OP_MAX;
	assert_int_equal(enc(&f, buf), -EINVAL);
	f = data_frag(3000, 0);
	f.op = HN_FED_SACK;
	f.frag_len = 2; /* 3 fragments: one bitmap byte */
	assert_int_equal(enc(&f, buf), -EINVAL);
	f.frag_len = 1;
	f.offset = 0;
	assert_true(enc(&f, buf) > 0);
	/* flooded FED is refused: unicast only */
	f = data_frag(3000, 0);
	m = fed_msg(&f);
	m.flags = HN_F_MCAST;
	m.dst = HN_GROUP_ALL;
	assert_int_equal(hn_ctrl_encode(buf, sizeof(buf), &m, &key), -EINVAL);
	/* hnhdr.len shorter than frag_len says */
	f = data_frag(3000, 0);
	len = enc(&f, buf);
	assert_int_equal(hn_ctrl_decode(buf, len - 1, NULL, &m, &key, 1, err,
					sizeof(err)),
			 HN_CE_TRUNCATED);
	buf[HN_HDR_LEN + 24] = 0x10; /* frag_len 4096 + ... */
	assert_int_equal(hn_ctrl_decode(buf, len, NULL, &m, &key, 1, err,
					sizeof(err)),
			 HN_CE_FIELD);
}

static uint8_t *pattern(uint32_t len, uint8_t seed)
{
	uint8_t *p = malloc(len);
	uint32_t i;

	assert_non_null(p);
	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 31 + seed + (i >> 8));
	return p;
}

static const struct hn_fx_limits lim = {
	.slots = 8,
	.peer_live = 2,
	.peer_bytes = 100000,
	.total_bytes = 150000,
	.timeout_ns = 1000,
};

/*
 * A 50 KB message over a link that loses every third fragment and every
 * other SACK and delivers each burst backwards: complete, byte for byte,
 * once.
 */
static void test_transfer_lossy(void **state)
{
	struct hn_fx_hdr h = { 9, 4, 1234, 50000, 0, 5 };
	uint8_t *msg = pattern(h.total_len, 7), *got = NULL;
	struct hn_fx_out o;
	struct hn_fx_rx r;
	struct hn_fx_in *in;
	uint32_t idx[64];
	uint64_t now = 1;
	unsigned int n, i, sent = 0, sacks = 0, complete = 0;
	int done = 0;

	assert_int_equal(hn_fx_rx_init(&r, &lim), 0);
	assert_int_equal(
		hn_fx_out_init(&o, 22, &h, pattern(h.total_len, 7), now), 0);
	assert_int_equal(o.n_frags, 50);
	while (!done && now < 100000) {
		n = hn_fx_out_due(&o, now, 50, 16, idx, 64);
		assert_true(n <= 16);
		for (i = n; i-- > 0;) {
			struct hn_ctrl_fed f, s;
			enum hn_fx_res res;

			hn_fx_out_frag(&o, idx[i], &f);
			if (++sent % 3 == 0)
				continue; /* lost */
			res = hn_fx_rx_add(&r, 11, &f, now, &in);
			assert_non_null(in);
			if (res == HN_FX_COMPLETE) {
				complete++;
				got = hn_fx_rx_take(&r, in);
			}
			if (!hn_fx_rx_sack_due(in, res) || ++sacks % 2)
				continue;
			hn_fx_rx_sack(in, &s);
			done = hn_fx_out_sack(&o, &s, now) == 1;
		}
		now += 10;
	}
	assert_true(done);
	assert_int_equal(complete, 1);
	assert_non_null(got);
	assert_memory_equal(got, msg, h.total_len);
	assert_int_equal(r.bytes, 0);
	free(got);
	free(msg);
	hn_fx_out_free(&o);
	hn_fx_rx_free(&r);
}

/* A fragment whose header disagrees with its message's is refused. */
static void test_mismatch(void **state)
{
	struct hn_ctrl_fed f = data_frag(3000, 0);
	struct hn_fx_rx r;
	struct hn_fx_in *in;

	assert_int_equal(hn_fx_rx_init(&r, &lim), 0);
	assert_int_equal(hn_fx_rx_add(&r, 11, &f, 1, &in), HN_FX_STORED);
	f = data_frag(3000, 1);
	f.round = 3;
	assert_int_equal(hn_fx_rx_add(&r, 11, &f, 1, &in), HN_FX_MISMATCH);
	f = data_frag(3000, 0);
	assert_int_equal(hn_fx_rx_add(&r, 11, &f, 1, &in), HN_FX_DUP);
	assert_int_equal(r.st.mismatched, 1);
	hn_fx_rx_free(&r);
}

static enum hn_fx_res start(struct hn_fx_rx *r, uint32_t src, uint32_t id,
			    uint32_t len, uint64_t now)
{
	struct hn_ctrl_fed f = data_frag(len, 0);
	struct hn_fx_in *in;

	f.msg_id = id;
	return hn_fx_rx_add(r, src, &f, now, &in);
}

/*
 * Caps: live transfers and bytes per sender, bytes in all, slots; refused
 * and counted, no live transfer evicted; an idle one expires and frees
 * its room.
 */
static void test_caps(void **state)
{
	struct hn_fx_rx r;

	assert_int_equal(hn_fx_rx_init(&r, &lim), 0);
	assert_int_equal(start(&r, 1, 1, 60000, 1), HN_FX_STORED);
	/* per-sender bytes: 60000 + 50000 > 100000 */
	assert_int_equal(start(&r, 1, 2, 50000, 1), HN_FX_REFUSED);
	assert_int_equal(r.st.refused_peer, 1);
	assert_int_equal(start(&r, 1, 3, 30000, 1), HN_FX_STORED);
	/* per-sender live transfers: 2 */
	assert_int_equal(start(&r, 1, 4, 100, 1), HN_FX_REFUSED);
	assert_int_equal(r.st.refused_peer, 2);
	/* total: 90000 + 70000 > 150000 */
	assert_int_equal(start(&r, 2, 1, 70000, 1), HN_FX_REFUSED);
	assert_int_equal(r.st.refused_total, 1);
	assert_int_equal(r.bytes, 90000);
	/* small single-fragment messages fill the slots; they complete */
	assert_int_equal(start(&r, 3, 1, 10, 1), HN_FX_COMPLETE);
	free(hn_fx_rx_take(&r, &r.in[2]));
	/* the first fragment again: a duplicate, not a new transfer */
	assert_int_equal(start(&r, 1, 1, 60000, 2), HN_FX_DUP);
	/* transfers 1/1 and 1/3 idle past the timeout go, 3/1 too */
	hn_fx_rx_expire(&r, 1001);
	assert_int_equal(r.st.expired, 1); /* 1/3; 1/1 was seen at 2 */
	hn_fx_rx_expire(&r, 1002);
	assert_int_equal(r.st.expired, 2);
	assert_int_equal(r.bytes, 0);
	assert_int_equal(start(&r, 2, 1, 70000, 1004), HN_FX_STORED);
	hn_fx_rx_free(&r);
}

/* Complete transfers make way for new ones when the slots run out. */
static void test_slots(void **state)
{
	struct hn_fx_rx r;
	struct hn_fx_limits l = lim;
	unsigned int i;

	l.slots = 2;
	assert_int_equal(hn_fx_rx_init(&r, &l), 0);
	assert_int_equal(start(&r, 1, 1, 5000, 1), HN_FX_STORED);
	assert_int_equal(start(&r, 2, 1, 5000, 1), HN_FX_STORED);
	assert_int_equal(start(&r, 3, 1, 10, 1), HN_FX_REFUSED);
	assert_int_equal(r.st.refused_slots, 1);
	hn_fx_rx_free(&r);
	assert_int_equal(hn_fx_rx_init(&r, &l), 0);
	for (i = 1; i <= 10; i++)
		assert_int_equal(start(&r, i, 1, 10, i), HN_FX_COMPLETE);
	assert_int_equal(r.st.refused_slots, 0);
	hn_fx_rx_free(&r);
}

/* Update vector files: a round trip, and each refusal with its reason. */
static void test_vector_file(void **state)
{
	uint32_t v[3] = { 1, 0xffffffffu, 0x80000000u }, *got, n;
	uint8_t *img;
	size_t len;
	char err[256];

	assert_int_equal(hn_fv_build(v, 3, &img, &len), 0);
	assert_int_equal(len, 24);
	assert_memory_equal(img, "HNFV\1\0\0\0\3\0\0\0\1\0\0\0", 16);
	assert_int_equal(hn_fv_parse(img, len, &got, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(got, v, sizeof(v));
	free(got);
	assert_int_equal(hn_fv_parse(img, len - 1, &got, &n, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "says 3 values"));
	assert_null(got);
	img[4] = 2;
	assert_int_equal(hn_fv_parse(img, len, &got, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "version 2"));
	img[4] = 1;
	img[8] = 0;
	assert_int_equal(hn_fv_parse(img, 12, &got, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "0 values"));
	img[0] = 'X';
	assert_int_equal(hn_fv_parse(img, len, &got, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "magic"));
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codec_roundtrip),
		cmocka_unit_test(test_codec_refusals),
		cmocka_unit_test(test_transfer_lossy),
		cmocka_unit_test(test_mismatch),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_slots),
		cmocka_unit_test(test_vector_file),
	};

	return cmocka_run_group_tests_name("fedxfer", tests, NULL, NULL);
}
