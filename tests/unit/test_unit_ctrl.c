// SPDX-License-Identifier: GPL-2.0
/*
 * Control-frame codecs (ctrl.h): round trips of every type at both ends of
 * its counts, a known-answer MAC, every refusal reason, bit flips and
 * truncations, the replay window and mesh key parsing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ctrl.h"
#include "helpers_hn.h"

#define SRC 0x0A000001U
#define PEER 0x0A000002U

/* clang-format off */
static const struct hn_mesh_key key = {
	.id = 7,
	.key = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
		 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
		 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
		 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f },
};
/* clang-format on */

static uint8_t chunk_data[HN_CHUNK_DATA_MAX];

/* ---- messages --------------------------------------------------------- */

static struct hn_ctrl_msg base(uint8_t type)
{
	struct hn_ctrl_msg m;

	memset(&m, 0, sizeof(m));
	m.type = type;
	m.ttl = HN_TTL_DEFAULT;
	m.tclass = 5;
	m.src = SRC;
	m.seq = 0xC0FFEE01;
	m.counter = 0x1122334455667788ULL;
	if (type == HN_T_PROBE || type == HN_T_ACK) {
		m.dst = PEER;
	} else {
		m.flags = HN_F_MCAST;
		m.dst = HN_GROUP_ALL;
	}
	return m;
}

static struct hn_ctrl_msg hello(unsigned int n)
{
	struct hn_ctrl_msg m = base(HN_T_HELLO);
	unsigned int i;

	m.ttl = 1;
	m.u.hello.interval_ms = 250;
	m.u.hello.load = 100;
	m.u.hello.capacity = 200;
	m.u.hello.model_gen = 0x0102030405060708ULL;
	m.u.hello.n_heard = n;
	for (i = 0; i < n; i++) {
		m.u.hello.heard[i].node = 0x0B000000 + i + 1;
		m.u.hello.heard[i].rx_ratio = (uint8_t)hn_t_rand();
	}
	return m;
}

static struct hn_ctrl_msg probe(uint8_t type)
{
	struct hn_ctrl_msg m = base(type);

	m.ttl = 1;
	m.u.probe.id = 0xA5A5A5A5;
	m.u.probe.t_ns = 0xFEDCBA9876543210ULL;
	return m;
}

static struct hn_ctrl_msg lsa(unsigned int links, unsigned int stages)
{
	struct hn_ctrl_msg m = base(HN_T_GOSSIP);
	unsigned int i;

	m.u.lsa.origin = SRC;
	m.u.lsa.seq = 0xFFFFFFF0;
	m.u.lsa.lifetime_s = 300;
	m.u.lsa.load = 3;
	m.u.lsa.capacity = 9;
	m.u.lsa.model_gen = 77;
	m.u.lsa.n_links = links;
	m.u.lsa.n_stages = stages;
	for (i = 0; i < links; i++) {
		m.u.lsa.links[i].node = 0x0C000000 + i + 1;
		m.u.lsa.links[i].cost = hn_t_range(1, 0xFFFF);
		m.u.lsa.links[i].quality = (uint8_t)hn_t_rand();
		m.u.lsa.links[i].delay = (uint8_t)hn_t_rand();
	}
	for (i = 0; i < stages; i++)
		m.u.lsa.stages[i] = 255 - i;
	return m;
}

/* An LSA that carries each link's utilisation (HN_LSA_F_UTIL). */
static struct hn_ctrl_msg lsa_util(unsigned int links, unsigned int stages)
{
	struct hn_ctrl_msg m = lsa(links, stages);
	unsigned int i;

	m.u.lsa.flags = HN_LSA_F_UTIL;
	for (i = 0; i < links; i++)
		m.u.lsa.links[i].util = (uint8_t)hn_t_rand();
	return m;
}

/* An LSA with utilisation and each stage's rate (HN_LSA_F_RATES). */
static struct hn_ctrl_msg lsa_rates(unsigned int links, unsigned int stages)
{
	struct hn_ctrl_msg m = lsa_util(links, stages);
	unsigned int i;

	m.u.lsa.flags |= HN_LSA_F_RATES;
	for (i = 0; i < stages; i++) {
		m.u.lsa.rates[i].ns_per_item = hn_t_rand();
		m.u.lsa.rates[i].busy = hn_t_range(0, HN_RATE_BUSY_MAX);
		m.u.lsa.rates[i].queue = (uint16_t)hn_t_rand();
	}
	return m;
}

static struct hn_ctrl_msg chunk(uint16_t len, uint32_t off, uint32_t total)
{
	struct hn_ctrl_msg m = base(HN_T_MODEL_CHUNK);
	unsigned int i;

	for (i = 0; i < sizeof(chunk_data); i++)
		chunk_data[i] = (uint8_t)hn_t_rand();
	m.u.chunk.generation = 0xDEADBEEFCAFEULL;
	memcpy(m.u.chunk.digest, "\x01\x23\x45\x67\x89\xab\xcd\xef", 8);
	m.u.chunk.total_len = total;
	m.u.chunk.offset = off;
	m.u.chunk.chunk_len = len;
	m.u.chunk.data = chunk_data;
	return m;
}

/* Every kind of message, at its smallest and largest. */
static unsigned int samples(struct hn_ctrl_msg *out)
{
	unsigned int n = 0;

	out[n++] = hello(0);
	out[n++] = hello(1);
	out[n++] = hello(HN_HELLO_MAX_HEARD);
	out[n++] = probe(HN_T_PROBE);
	out[n++] = probe(HN_T_ACK);
	out[n++] = lsa(0, 0);
	out[n++] = lsa(1, 0);
	out[n++] = lsa(0, 1);
	out[n++] = lsa(HN_LSA_MAX_LINKS, HN_LSA_MAX_STAGES);
	out[n++] = lsa_util(1, 0);
	out[n++] = lsa_util(HN_LSA_MAX_LINKS, HN_LSA_MAX_STAGES);
	out[n++] = lsa_rates(0, 1);
	out[n++] = lsa_rates(HN_LSA_MAX_LINKS, HN_LSA_MAX_STAGES);
	out[n] = lsa_rates(3, 2);
	out[n++].u.lsa.flags = HN_LSA_F_RATES; /* rates without utilisation */
	out[n++] = chunk(1, 0, 1);
	out[n] = chunk(5, 0, 5);
	out[n++].u.chunk.object = HN_OBJ_CAMPAIGN;
	out[n++] = chunk(HN_CHUNK_DATA_MAX,
			 HN_MODEL_XFER_MAX - HN_CHUNK_DATA_MAX,
			 HN_MODEL_XFER_MAX);
	return n;
}
#define N_SAMPLES 17

static size_t payload_len(const struct hn_ctrl_msg *m)
{
	switch (m->type) {
	case HN_T_HELLO:
		return 16 + 8 * m->u.hello.n_heard;
	case HN_T_GOSSIP:
		return 20 + 8 * m->u.lsa.n_links + m->u.lsa.n_stages +
		       (m->u.lsa.flags & HN_LSA_F_UTIL ? m->u.lsa.n_links : 0) +
		       (m->u.lsa.flags & HN_LSA_F_RATES ?
				8 * m->u.lsa.n_stages :
				0);
	case HN_T_MODEL_CHUNK:
		return 28 + m->u.chunk.chunk_len;
	case HN_T_ECHO:
		return 20 + m->u.echo.pad_len;
	}
	return 16;
}

static void assert_msg_equal(const struct hn_ctrl_msg *a,
			     const struct hn_ctrl_msg *b)
{
	unsigned int i;

	hn_t_assert_hdr_equal(a, b);
	assert_int_equal(a->counter, b->counter);
	switch (a->type) {
	case HN_T_HELLO:
		assert_int_equal(a->u.hello.interval_ms,
				 b->u.hello.interval_ms);
		assert_int_equal(a->u.hello.load, b->u.hello.load);
		assert_int_equal(a->u.hello.capacity, b->u.hello.capacity);
		assert_int_equal(a->u.hello.model_gen, b->u.hello.model_gen);
		assert_int_equal(a->u.hello.n_heard, b->u.hello.n_heard);
		for (i = 0; i < a->u.hello.n_heard; i++) {
			assert_int_equal(a->u.hello.heard[i].node,
					 b->u.hello.heard[i].node);
			assert_int_equal(a->u.hello.heard[i].rx_ratio,
					 b->u.hello.heard[i].rx_ratio);
		}
		break;
	case HN_T_PROBE:
	case HN_T_ACK:
		assert_int_equal(a->u.probe.id, b->u.probe.id);
		assert_int_equal(a->u.probe.t_ns, b->u.probe.t_ns);
		break;
	case HN_T_GOSSIP:
		assert_int_equal(a->u.lsa.seq, b->u.lsa.seq);
		assert_int_equal(a->u.lsa.lifetime_s, b->u.lsa.lifetime_s);
		assert_int_equal(a->u.lsa.load, b->u.lsa.load);
		assert_int_equal(a->u.lsa.capacity, b->u.lsa.capacity);
		assert_int_equal(a->u.lsa.model_gen, b->u.lsa.model_gen);
		assert_int_equal(a->u.lsa.n_links, b->u.lsa.n_links);
		assert_int_equal(a->u.lsa.n_stages, b->u.lsa.n_stages);
		assert_int_equal(a->u.lsa.flags, b->u.lsa.flags);
		for (i = 0; i < a->u.lsa.n_links; i++) {
			assert_int_equal(a->u.lsa.links[i].node,
					 b->u.lsa.links[i].node);
			assert_int_equal(a->u.lsa.links[i].cost,
					 b->u.lsa.links[i].cost);
			assert_int_equal(a->u.lsa.links[i].quality,
					 b->u.lsa.links[i].quality);
			assert_int_equal(a->u.lsa.links[i].delay,
					 b->u.lsa.links[i].delay);
			assert_int_equal(a->u.lsa.flags & HN_LSA_F_UTIL ?
						 a->u.lsa.links[i].util :
						 0,
					 b->u.lsa.links[i].util);
		}
		assert_memory_equal(a->u.lsa.stages, b->u.lsa.stages,
				    a->u.lsa.n_stages);
		for (i = 0; i < a->u.lsa.n_stages; i++) {
			int on = !!(a->u.lsa.flags & HN_LSA_F_RATES);

			assert_int_equal(on ? a->u.lsa.rates[i].ns_per_item : 0,
					 b->u.lsa.rates[i].ns_per_item);
			assert_int_equal(on ? a->u.lsa.rates[i].busy : 0,
					 b->u.lsa.rates[i].busy);
			assert_int_equal(on ? a->u.lsa.rates[i].queue : 0,
					 b->u.lsa.rates[i].queue);
		}
		break;
	case HN_T_MODEL_CHUNK:
		assert_int_equal(a->u.chunk.generation, b->u.chunk.generation);
		assert_memory_equal(a->u.chunk.digest, b->u.chunk.digest, 8);
		assert_int_equal(a->u.chunk.total_len, b->u.chunk.total_len);
		assert_int_equal(a->u.chunk.offset, b->u.chunk.offset);
		assert_int_equal(a->u.chunk.chunk_len, b->u.chunk.chunk_len);
		assert_int_equal(a->u.chunk.object, b->u.chunk.object);
		assert_memory_equal(a->u.chunk.data, b->u.chunk.data,
				    a->u.chunk.chunk_len);
		break;
	default:
		fail();
	}
}

/* ---- wire helpers ----------------------------------------------------- */

static void put_be(uint8_t *p, int width, uint64_t val)
{
	int i;

	for (i = width - 1; i >= 0; i--, val >>= 8)
		p[i] = val;
}

/*
 * Sign a frame the way the contract says, independently of ctrl.c:
 * HMAC-SHA256 over hnhdr (ttl 0) || payload || key_id || counter.
 */
static void resign(uint8_t *buf, const struct hn_mesh_key *k)
{
	size_t len = 20 + (buf[6] << 8 | buf[7]);
	uint8_t copy[HN_CTRL_MAX + 256], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;

	size_t l2 = hn_ctrl_link_local(buf[1]) ? 12 : 0;

	assert_true(len >= 20 + HN_AUTH_LEN && len + l2 <= sizeof(copy));
	/* link-local: the link's addresses first, all zero in these tests */
	memset(copy, 0, l2);
	memcpy(copy + l2, buf, len - HN_AUTH_MAC_LEN);
	copy[l2 + 3] = 0;
	copy[l2 + 5] = 0;
	assert_non_null(HMAC(EVP_sha256(), k->key, HN_KEY_LEN, copy,
			     l2 + len - HN_AUTH_MAC_LEN, md, &mdlen));
	assert_int_equal(mdlen, 32);
	memcpy(buf + len - HN_AUTH_MAC_LEN, md, HN_AUTH_MAC_LEN);
}

static int encode(const struct hn_ctrl_msg *m, uint8_t *buf)
{
	int len = hn_ctrl_encode(buf, HN_CTRL_MAX, m, &key);

	assert_int_equal(len, 20 + payload_len(m) + HN_AUTH_LEN);
	return len;
}

static char why[HN_CTRL_ERRLEN];

static int decode(const uint8_t *buf, size_t len, struct hn_ctrl_msg *out)
{
	struct hn_ctrl_msg scratch;
	int ret;

	ret = hn_ctrl_decode(buf, len, NULL, out ? out : &scratch, &key, 1, why,
			     sizeof(why));
	/* Every refusal says why, in one line. */
	if (ret)
		assert_true(why[0] && !strchr(why, '\n'));
	else
		assert_string_equal(why, "");
	return ret;
}

/*
 * Encode @m, write @val big endian over @width bytes at @off, re-sign if
 * asked (so the checks after the MAC are reached) and decode.
 */
static int patched(const struct hn_ctrl_msg *m, size_t off, int width,
		   uint64_t val, int sign)
{
	uint8_t buf[HN_CTRL_MAX];
	int len = encode(m, buf);

	put_be(buf + off, width, val);
	if (sign)
		resign(buf, &key);
	return decode(buf, len, NULL);
}

/* ---- tests ------------------------------------------------------------ */

static void test_roundtrip(void **state)
{
	struct hn_ctrl_msg s[N_SAMPLES], d;
	uint8_t buf[HN_CTRL_MAX], again[HN_CTRL_MAX];
	unsigned int i, n = samples(s);
	int len;

	assert_int_equal(n, N_SAMPLES);
	for (i = 0; i < n; i++) {
		len = encode(&s[i], buf);
		assert_true(len <= (int)HN_CTRL_MAX);
		assert_int_equal(decode(buf, len, &d), HN_CE_OK);
		assert_msg_equal(&s[i], &d);
		assert_int_equal(d.key_id, key.id);
		if (d.type == HN_T_GOSSIP)
			assert_int_equal(d.u.lsa.origin, SRC);
		if (d.type == HN_T_MODEL_CHUNK)
			/* data points into the frame, not a copy */
			assert_ptr_equal(d.u.chunk.data, buf + 48);
		/* Deterministic: decoded and re-encoded, same bytes. */
		assert_int_equal(hn_ctrl_encode(again, sizeof(again), &d, &key),
				 len);
		assert_memory_equal(buf, again, len);
	}
	/* The largest frame is exactly HN_CTRL_MAX. */
	assert_int_equal(encode(&s[N_SAMPLES - 1], buf), HN_CTRL_MAX);
}

static void test_wire_layout(void **state)
{
	struct hn_ctrl_msg m = lsa(2, 3);
	uint8_t buf[HN_CTRL_MAX];
	int len = encode(&m, buf);

	assert_int_equal(buf[0], HN_VERSION);
	assert_int_equal(buf[1], HN_T_GOSSIP);
	assert_int_equal(buf[2], HN_F_MCAST);
	assert_int_equal(buf[3], HN_TTL_DEFAULT);
	assert_int_equal(buf[4], 5);
	assert_int_equal(buf[5], 0);
	assert_int_equal(buf[6] << 8 | buf[7], 20 + 16 + 3 + 28);
	assert_memory_equal(buf + 8,
			    "\x0a\x00\x00\x01\xff\xff\xff\xff"
			    "\xc0\xff\xee\x01",
			    12);
	/* hn_lsa */
	assert_memory_equal(buf + 20, "\xff\xff\xff\xf0\x01\x2c\x03\x09", 8);
	assert_int_equal(buf[35], 77);
	assert_int_equal(buf[36], 2);
	assert_int_equal(buf[37], 3);
	assert_int_equal(buf[38] | buf[39], 0);
	/* links[1], then the stage ids */
	assert_memory_equal(buf + 48, "\x0c\x00\x00\x02", 4);
	assert_int_equal(buf[52] << 8 | buf[53], m.u.lsa.links[1].cost);
	assert_memory_equal(buf + 56, "\xff\xfe\xfd", 3);
	/* trailer: key_id, counter */
	assert_memory_equal(buf + 59, "\x00\x00\x00\x07", 4);
	assert_memory_equal(buf + 63, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	assert_int_equal(len, 59 + 28);
}

/* HN_LSA_F_UTIL: a utilisation byte per link after the stage ids. */
static void test_wire_layout_util(void **state)
{
	struct hn_ctrl_msg m = lsa_util(2, 3), d;
	uint8_t buf[HN_CTRL_MAX];
	int len;

	m.u.lsa.links[0].util = 0x80;
	m.u.lsa.links[1].util = 0xff;
	len = encode(&m, buf);
	assert_int_equal(buf[6] << 8 | buf[7], 20 + 16 + 3 + 2 + 28);
	assert_int_equal(buf[38] << 8 | buf[39], HN_LSA_F_UTIL);
	assert_memory_equal(buf + 56, "\xff\xfe\xfd\x80\xff", 5);
	assert_memory_equal(buf + 61, "\x00\x00\x00\x07", 4);
	assert_int_equal(len, 61 + 28);
	assert_int_equal(decode(buf, len, &d), HN_CE_OK);
	assert_int_equal(d.u.lsa.links[0].util, 0x80);
	assert_int_equal(d.u.lsa.links[1].util, 0xff);
	/* Without the flag the bytes are not there, and util reads 0. */
	m.u.lsa.flags = 0;
	len = encode(&m, buf);
	assert_int_equal(len, 59 + 28);
	assert_int_equal(decode(buf, len, &d), HN_CE_OK);
	assert_int_equal(d.u.lsa.links[1].util, 0);
	/* The flag set on a frame without the bytes: a length error. */
	buf[39] = HN_LSA_F_UTIL;
	assert_int_equal(decode(buf, len, NULL), HN_CE_LENGTH);
	assert_string_equal(
		why,
		"gossip: 2 links + 3 stages + utilisation need 41 payload bytes, frame has 39");
}

/*
 * HN_LSA_F_RATES: 8 bytes per stage (ns, busy, queue, big endian) after
 * the utilisation bytes; a malformed trailer is refused with its reason.
 */
static void test_wire_layout_rates(void **state)
{
	struct hn_ctrl_msg m = lsa_rates(2, 3), d;
	uint8_t buf[HN_CTRL_MAX];
	int len;

	m.u.lsa.rates[0] = (struct hn_ctrl_rate){ 0x01020304, 1000, 7 };
	m.u.lsa.rates[2] = (struct hn_ctrl_rate){ 0, 0, 0xFFFF };
	len = encode(&m, buf);
	assert_int_equal(buf[6] << 8 | buf[7], 20 + 16 + 3 + 2 + 24 + 28);
	assert_int_equal(buf[38] << 8 | buf[39],
			 HN_LSA_F_UTIL | HN_LSA_F_RATES);
	/* stage ids at 56, utilisation at 59, rates at 61 */
	assert_memory_equal(buf + 56, "\xff\xfe\xfd", 3);
	assert_memory_equal(buf + 61, "\x01\x02\x03\x04\x03\xe8\x00\x07", 8);
	assert_memory_equal(buf + 77, "\x00\x00\x00\x00\x00\x00\xff\xff", 8);
	assert_int_equal(len, 85 + 28);
	assert_int_equal(decode(buf, len, &d), HN_CE_OK);
	assert_msg_equal(&m, &d);

	/* busy past 1000 permille: a field error, after the MAC */
	assert_int_equal(patched(&m, 61 + 8 + 4, 2, HN_RATE_BUSY_MAX, 1),
			 HN_CE_OK);
	assert_int_equal(patched(&m, 61 + 8 + 4, 2, HN_RATE_BUSY_MAX + 1, 1),
			 HN_CE_FIELD);
	assert_string_equal(why, "gossip: stage 254 busy 1001 > 1000 permille");
	/* the flag on a frame without the entries: a length error */
	m.u.lsa.flags = HN_LSA_F_UTIL;
	len = encode(&m, buf);
	buf[39] |= HN_LSA_F_RATES;
	assert_int_equal(decode(buf, len, NULL), HN_CE_LENGTH);
	assert_string_equal(
		why,
		"gossip: 2 links + 3 stages + utilisation + rates need 65 payload bytes, frame has 41");
	/* one entry short, re-signed: still a length error */
	m = lsa_rates(2, 3);
	len = encode(&m, buf);
	buf[37] = 4; /* n_stages 4: a fourth entry the frame lacks */
	resign(buf, &key);
	assert_int_equal(decode(buf, len, NULL), HN_CE_LENGTH);
	/* without the flag the entries are not read, and rates read 0 */
	m.u.lsa.flags = HN_LSA_F_UTIL;
	len = encode(&m, buf);
	assert_int_equal(decode(buf, len, &d), HN_CE_OK);
	assert_int_equal(d.u.lsa.rates[0].ns_per_item, 0);
}

/* HELLO bytes written by hand, MAC from the contract, nothing of ctrl.c. */
static void test_known_answer(void **state)
{
	/* clang-format off */
	static const uint8_t frame[72 - HN_AUTH_MAC_LEN] = {
		/* hnhdr: v1 HELLO MCAST ttl 1, tclass 5, len 52 */
		0x01, 0x03, 0x01, 0x01, 0x05, 0x00, 0x00, 0x34,
		0x0a, 0x00, 0x00, 0x01, 0xff, 0xff, 0xff, 0xff,
		0x00, 0x00, 0x00, 0x2a,
		/* hn_hello: 100 ms, load 16, capacity 32, gen 7, 1 heard */
		0x00, 0x64, 0x10, 0x20, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x07, 0x01, 0x00, 0x00, 0x00,
		/* heard: node 0x0a000002 at 200/255 */
		0x0a, 0x00, 0x00, 0x02, 0xc8, 0x00, 0x00, 0x00,
		/* hn_auth: key_id 7, counter 0x0102030405060708 */
		0x00, 0x00, 0x00, 0x07, 0x01, 0x02, 0x03, 0x04,
		0x05, 0x06, 0x07, 0x08,
	};
	/* the link: broadcast from 02:00:00:00:00:01 */
	static const struct hn_ctrl_l2 l2 = {
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 },
	};
	/*
	 * Python's hmac over the link's addresses (dst, src), then the same
	 * bytes with ttl and reserved zeroed.
	 */
	static const uint8_t want_mac[HN_AUTH_MAC_LEN] = {
		0x19, 0x90, 0xc2, 0x08, 0x87, 0x1a, 0xd1, 0xbc,
		0x8b, 0x70, 0x78, 0x1f, 0x58, 0x9b, 0xfc, 0x2b,
	};
	/* clang-format on */
	uint8_t input[sizeof(l2) + sizeof(frame)], md[EVP_MAX_MD_SIZE];
	uint8_t want[72], buf[HN_CTRL_MAX];
	struct hn_ctrl_msg m, d;
	unsigned int mdlen;

	memcpy(input, &l2, sizeof(l2));
	memcpy(input + sizeof(l2), frame, sizeof(frame));
	input[sizeof(l2) + 3] = 0;
	assert_non_null(HMAC(EVP_sha256(), key.key, sizeof(key.key), input,
			     sizeof(input), md, &mdlen));
	assert_memory_equal(md, want_mac, HN_AUTH_MAC_LEN);
	memcpy(want, frame, sizeof(frame));
	memcpy(want + sizeof(frame), md, HN_AUTH_MAC_LEN);

	memset(&m, 0, sizeof(m));
	m.type = HN_T_HELLO;
	m.flags = HN_F_MCAST;
	m.ttl = 1;
	m.tclass = 5;
	m.src = SRC;
	m.dst = HN_GROUP_ALL;
	m.seq = 42;
	m.key_id = 99; /* ignored: key.id is written */
	m.counter = 0x0102030405060708ULL;
	m.l2 = l2;
	m.u.hello = (struct hn_ctrl_hello){ .interval_ms = 100,
					    .load = 16,
					    .capacity = 32,
					    .model_gen = 7,
					    .n_heard = 1 };
	m.u.hello.heard[0].node = PEER;
	m.u.hello.heard[0].rx_ratio = 200;
	assert_int_equal(hn_ctrl_encode(buf, sizeof(buf), &m, &key), 72);
	assert_memory_equal(buf, want, 72);
	assert_int_equal(hn_ctrl_decode(want, 72, &l2, &d, &key, 1, why,
					sizeof(why)),
			 HN_CE_OK);
	m.key_id = 7;
	assert_msg_equal(&m, &d);
	assert_int_equal(d.key_id, 7);
	/* on another link, or sent on from another address: refused */
	{
		struct hn_ctrl_l2 moved = l2;

		moved.src[5] = 2;
		assert_int_equal(hn_ctrl_decode(want, 72, &moved, &d, &key, 1,
						why, sizeof(why)),
				 HN_CE_MAC);
		moved = l2;
		moved.dst[0] = 0x02;
		assert_int_equal(hn_ctrl_decode(want, 72, &moved, &d, &key, 1,
						why, sizeof(why)),
				 HN_CE_MAC);
		assert_int_equal(decode(want, 72, &d), HN_CE_MAC);
	}
}

/* Flooding decrements TTL: every TTL but 0 verifies, the MAC unchanged. */
static void test_ttl_not_covered(void **state)
{
	struct hn_ctrl_msg m = lsa(3, 1), d;
	uint8_t buf[HN_CTRL_MAX], other[HN_CTRL_MAX];
	unsigned int ttl;
	int len = encode(&m, buf);

	for (ttl = 1; ttl <= 255; ttl++) {
		buf[3] = ttl;
		assert_int_equal(decode(buf, len, &d), HN_CE_OK);
		assert_int_equal(d.ttl, ttl);
	}
	buf[3] = 0;
	assert_int_equal(decode(buf, len, NULL), HN_CE_HEADER);
	assert_non_null(strstr(why, "ttl"));
	m.ttl = 1;
	encode(&m, other);
	assert_memory_equal(buf + len - 16, other + len - 16, 16);
}

static void test_truncated(void **state)
{
	struct hn_ctrl_msg s[N_SAMPLES];
	uint8_t buf[HN_CTRL_MAX];
	unsigned int i, n = samples(s);
	size_t cut;
	int len;

	for (i = 0; i < n; i++) {
		len = encode(&s[i], buf);
		for (cut = 0; cut < (size_t)len; cut++)
			assert_int_equal(decode(buf, cut, NULL),
					 HN_CE_TRUNCATED);
	}
	assert_int_equal(hn_ctrl_decode(NULL, 0, NULL, &s[0], &key, 1, why,
					sizeof(why)),
			 HN_CE_TRUNCATED);
	/* Padding after the frame is fine (short Ethernet frames). */
	len = encode(&s[3], buf);
	memset(buf + len, 0xEE, 20);
	assert_int_equal(decode(buf, len + 20, NULL), HN_CE_OK);
}

/*
 * Every byte but TTL and reserved (routers change both) is covered: any
 * change is refused, nothing crashes.
 */
static void test_flip_every_byte(void **state)
{
	static const uint8_t masks[] = { 0x01, 0x80, 0xff };
	struct hn_ctrl_msg s[N_SAMPLES];
	uint8_t buf[HN_CTRL_MAX], copy[HN_CTRL_MAX];
	unsigned int i, j, n = samples(s);
	int len, off, ret;

	for (i = 0; i < n; i++) {
		len = encode(&s[i], buf);
		for (off = 0; off < len; off++) {
			for (j = 0; j < sizeof(masks); j++) {
				memcpy(copy, buf, len);
				copy[off] ^= masks[j];
				ret = decode(copy, len, NULL);
				if (off == 3)
					assert_int_equal(
						ret, copy[3] ? HN_CE_OK :
							       HN_CE_HEADER);
				else if (off == 5)
					/* reserved: the data plane's mark */
					assert_int_equal(ret, HN_CE_OK);
				else
					assert_int_not_equal(ret, HN_CE_OK);
				assert_true(ret >= 0 && ret < __HN_CE_MAX);
			}
		}
	}
}

/* Random garbage, and garbage behind a plausible header: never a crash. */
static void test_garbage(void **state)
{
	uint8_t buf[HN_CTRL_MAX];
	unsigned int iter, i, len;
	int ret;

	hn_t_seed(4242);
	for (iter = 0; iter < 20000; iter++) {
		len = hn_t_range(0, sizeof(buf));
		for (i = 0; i < len; i++)
			buf[i] = (uint8_t)hn_t_rand();
		if (len >= 20 && (iter & 1)) {
			buf[0] = HN_VERSION;
			buf[1] = hn_t_range(HN_T_HELLO, HN_T_ACK);
			buf[2] = HN_F_MCAST;
			buf[3] |= 1;
			put_be(buf + 6, 2, hn_t_range(0, len - 20));
		}
		ret = decode(buf, len, NULL);
		assert_true(ret > HN_CE_OK && ret < __HN_CE_MAX);
	}
}

static void test_header(void **state)
{
	struct hn_ctrl_msg h = hello(2), p = probe(HN_T_PROBE);
	uint8_t buf[HN_CTRL_MAX];
	int len;

	assert_int_equal(patched(&h, 0, 1, 2, 0), HN_CE_HEADER);
	assert_non_null(strstr(why, "version 2"));
	assert_int_equal(patched(&h, 0, 1, 0, 0), HN_CE_HEADER);
	assert_int_equal(patched(&h, 2, 1, 0x10, 0), HN_CE_HEADER);
	/* raw data is never a control frame */
	assert_int_equal(patched(&h, 2, 1, HN_F_MCAST | HN_F_PRIVATE, 1),
			 HN_CE_FIELD);
	assert_int_equal(patched(&h, 2, 1, HN_F_MCAST | HN_F_ANYCAST, 0),
			 HN_CE_HEADER);
	assert_int_equal(patched(&h, 8, 4, 0, 0), HN_CE_HEADER);
	assert_non_null(strstr(why, "src 0x00000000"));
	assert_int_equal(patched(&p, 12, 4, 0, 0), HN_CE_HEADER);
	/* Unknown types, and data-plane types, are not control frames. */
	assert_int_equal(patched(&h, 1, 1, HN_T_UNSPEC, 0), HN_CE_TYPE);
	assert_int_equal(patched(&h, 1, 1, HN_T_MAX + 1, 0), HN_CE_TYPE);
	assert_int_equal(patched(&h, 1, 1, 0xFF, 0), HN_CE_TYPE);
	assert_int_equal(patched(&p, 1, 1, HN_T_DATA, 0), HN_CE_TYPE);
	assert_non_null(strstr(why, "data"));
	assert_int_equal(patched(&p, 1, 1, HN_T_TENSOR, 1), HN_CE_TYPE);
	/* A PROBE relabelled ACK is still signed as a PROBE. */
	assert_int_equal(patched(&p, 1, 1, HN_T_ACK, 0), HN_CE_MAC);
	/* hnhdr.reserved is the data plane's mark: not covered by the MAC. */
	assert_int_equal(patched(&p, 5, 1, HN_RSV_NOT_COPIED, 0), HN_CE_OK);
	assert_int_equal(patched(&p, 5, 1, 0x5A, 0), HN_CE_OK);

	/* hnhdr.len beyond the buffer: truncated. */
	len = encode(&h, buf);
	put_be(buf + 6, 2, len - 20 + 1);
	assert_int_equal(decode(buf, len, NULL), HN_CE_TRUNCATED);
	assert_non_null(strstr(why, "hnhdr.len"));
	put_be(buf + 6, 2, 0xFFFF);
	assert_int_equal(decode(buf, len, NULL), HN_CE_TRUNCATED);
}

static void test_length(void **state)
{
	struct hn_ctrl_msg m = lsa(2, 4), h = hello(3);
	uint8_t buf[HN_CTRL_MAX];
	int len;

	/* The counts claim more than hnhdr.len holds. */
	len = encode(&m, buf);
	buf[36] = 3;
	buf[37] = 0;
	assert_int_equal(decode(buf, len, NULL), HN_CE_LENGTH);
	assert_string_equal(
		why,
		"gossip: 3 links + 0 stages need 44 payload bytes, frame has 40");
	buf[37] = 5;
	assert_int_equal(decode(buf, len, NULL), HN_CE_LENGTH);
	assert_string_equal(
		why,
		"gossip: 3 links + 5 stages need 49 payload bytes, frame has 40");
	/* ... or less. */
	assert_int_equal(patched(&h, 32, 1, 2, 0), HN_CE_LENGTH);
	assert_string_equal(
		why, "hello: 2 heard need 32 payload bytes, frame has 40");
	/* hnhdr.len one more than the counts (the buffer has the byte). */
	len = encode(&h, buf);
	put_be(buf + 6, 2, len - 20 + 1);
	assert_int_equal(decode(buf, len + 1, NULL), HN_CE_LENGTH);
	put_be(buf + 6, 2, len - 20 - 1);
	assert_int_equal(decode(buf, len, NULL), HN_CE_LENGTH);
	/* Too short for the fixed payload header and the trailer. */
	put_be(buf + 6, 2, 16 + 28 - 1);
	assert_int_equal(decode(buf, len, NULL), HN_CE_LENGTH);
	assert_non_null(strstr(why, "hnhdr.len 43"));
	put_be(buf + 6, 2, 0);
	assert_int_equal(decode(buf, len, NULL), HN_CE_LENGTH);
	m = probe(HN_T_ACK);
	assert_int_equal(patched(&m, 6, 2, 20, 0), HN_CE_LENGTH);
	m = chunk(100, 0, 100);
	assert_int_equal(patched(&m, 44, 2, 101, 0), HN_CE_LENGTH);
	assert_string_equal(
		why,
		"model-chunk: chunk_len 101 needs 129 payload bytes, frame has 128");
	assert_int_equal(patched(&m, 44, 2, 99, 0), HN_CE_LENGTH);
}

/* Counts out of range are refused before any length arithmetic. */
static void test_counts(void **state)
{
	struct hn_ctrl_msg h = hello(1), l = lsa(1, 1), c = chunk(8, 0, 8);

	assert_int_equal(patched(&h, 32, 1, HN_HELLO_MAX_HEARD + 1, 0),
			 HN_CE_FIELD);
	assert_string_equal(why, "hello: n_heard 33 > 32");
	assert_int_equal(patched(&h, 32, 1, 0xFF, 0), HN_CE_FIELD);
	assert_int_equal(patched(&l, 36, 1, HN_LSA_MAX_LINKS + 1, 0),
			 HN_CE_FIELD);
	assert_non_null(strstr(why, "n_links 65"));
	assert_int_equal(patched(&l, 37, 1, HN_LSA_MAX_STAGES + 1, 0),
			 HN_CE_FIELD);
	assert_non_null(strstr(why, "n_stages 17"));
	assert_int_equal(patched(&c, 44, 2, HN_CHUNK_DATA_MAX + 1, 0),
			 HN_CE_FIELD);
	assert_int_equal(patched(&c, 44, 2, 0xFFFF, 0), HN_CE_FIELD);
}

static void test_keys(void **state)
{
	struct hn_mesh_key keys[3] = { key, key, key }, other = key;
	struct hn_ctrl_msg m = lsa(4, 2), d;
	uint8_t buf[HN_CTRL_MAX];
	int len;

	keys[0].id = 1;
	keys[0].key[0] ^= 1;
	keys[1].id = 2;
	keys[1].key[5] ^= 1;
	/* The sender rotated to key 7: the receiver still has 1 and 2. */
	len = encode(&m, buf);
	assert_int_equal(hn_ctrl_decode(buf, len, NULL, &d, keys, 2, why,
					sizeof(why)),
			 HN_CE_KEY);
	assert_string_equal(why, "gossip: key_id 7 not configured");
	assert_int_equal(hn_ctrl_decode(buf, len, NULL, &d, keys, 3, why,
					sizeof(why)),
			 HN_CE_OK);
	assert_int_equal(d.key_id, 7);
	assert_int_equal(hn_ctrl_decode(buf, len, NULL, &d, NULL, 0, why,
					sizeof(why)),
			 HN_CE_KEY);
	/* Signed with key 2: the receiver picks it by id. */
	len = hn_ctrl_encode(buf, sizeof(buf), &m, &keys[1]);
	assert_int_equal(hn_ctrl_decode(buf, len, NULL, &d, keys, 3, why,
					sizeof(why)),
			 HN_CE_OK);
	assert_int_equal(d.key_id, 2);
	/* Right id, wrong key. */
	other.key[31] ^= 0x80;
	len = hn_ctrl_encode(buf, sizeof(buf), &m, &other);
	assert_int_equal(decode(buf, len, NULL), HN_CE_MAC);
	assert_non_null(strstr(why, "mac"));
	/* Wrong key id on the wire. */
	assert_int_equal(patched(&m, len - 28, 4, 8, 0), HN_CE_KEY);
	/* key_id and counter are covered. */
	keys[2].id = 8;
	len = encode(&m, buf);
	put_be(buf + len - 28, 4, 8);
	assert_int_equal(hn_ctrl_decode(buf, len, NULL, &d, keys, 3, why,
					sizeof(why)),
			 HN_CE_MAC);
	assert_int_equal(patched(&m, len - 24, 8, 1, 0), HN_CE_MAC);
}

/* Field rules: signed frames with a bad field, then encoding them. */
static void test_fields(void **state)
{
	struct hn_ctrl_msg m;
	uint8_t buf[HN_CTRL_MAX];

	m = hello(3);
	assert_int_equal(patched(&m, 20, 2, 0, 1), HN_CE_FIELD);
	assert_string_equal(why, "hello: interval_ms 0");
	assert_int_equal(patched(&m, 36 + 8, 4, 0, 1), HN_CE_FIELD);
	assert_non_null(strstr(why, "heard 1"));
	assert_int_equal(patched(&m, 36 + 16, 4, SRC, 1), HN_CE_FIELD);
	assert_int_equal(patched(&m, 36 + 16, 4, 0x0B000001, 1), HN_CE_FIELD);
	assert_non_null(strstr(why, "heard 0 and 2"));
	/* the same node twice in a row */
	assert_int_equal(patched(&m, 36 + 8, 4, 0x0B000001, 1), HN_CE_FIELD);
	assert_non_null(strstr(why, "heard 0 and 1"));
	assert_int_equal(patched(&m, 36 + 16, 4, 0x0B000002, 1), HN_CE_FIELD);
	assert_non_null(strstr(why, "heard 1 and 2"));
	/* Addressing of one-hop and flooded frames. */
	assert_int_equal(patched(&m, 2, 1, 0, 1), HN_CE_FIELD);
	assert_non_null(strstr(why, "MCAST"));
	assert_int_equal(patched(&m, 2, 1, HN_F_MCAST | HN_F_RESULT, 1),
			 HN_CE_FIELD);
	assert_int_equal(patched(&m, 2, 1, HN_F_ANYCAST, 1), HN_CE_FIELD);
	assert_int_equal(patched(&m, 12, 4, PEER, 1), HN_CE_FIELD);
	/* GOSSIP and MODEL_CHUNK: flooded, or unicast to one neighbour. */
	m = lsa(1, 1);
	assert_int_equal(patched(&m, 12, 4, PEER, 1), HN_CE_FIELD);
	assert_non_null(strstr(why, "or unicast"));
	assert_int_equal(patched(&m, 2, 1, HN_F_ANYCAST, 1), HN_CE_FIELD);
	m.flags = 0;
	m.dst = PEER;
	assert_int_equal(patched(&m, 0, 0, 0, 0), HN_CE_OK);
	m = chunk(10, 0, 10);
	m.flags = 0;
	m.dst = PEER;
	assert_int_equal(patched(&m, 0, 0, 0, 0), HN_CE_OK);
	assert_int_equal(patched(&m, 2, 1, HN_F_RESULT, 1), HN_CE_FIELD);
	m = probe(HN_T_ACK);
	assert_int_equal(patched(&m, 2, 1, HN_F_MCAST, 1), HN_CE_FIELD);
	assert_non_null(strstr(why, "ack: flags 0x1"));
	/* Probe: reserved ignored, any id and time. */
	assert_int_equal(patched(&m, 24, 4, 0xFFFFFFFF, 1), HN_CE_OK);
	assert_int_equal(patched(&m, 28, 8, 0, 1), HN_CE_OK);

	m = lsa(3, 3);
	assert_int_equal(patched(&m, 24, 2, 0, 1), HN_CE_FIELD);
	assert_string_equal(why, "gossip: lifetime_s 0");
	assert_int_equal(patched(&m, 40 + 8 + 4, 2, 0, 1), HN_CE_FIELD);
	assert_string_equal(why, "gossip: link 1 (node 0x0c000002) cost 0");
	assert_int_equal(patched(&m, 40, 4, 0, 1), HN_CE_FIELD);
	assert_non_null(strstr(why, "link 0 node 0x00000000"));
	assert_int_equal(patched(&m, 40 + 16, 4, SRC, 1), HN_CE_FIELD);
	assert_non_null(strstr(why, "origin"));
	assert_int_equal(patched(&m, 40 + 16, 4, 0x0C000001, 1), HN_CE_FIELD);
	assert_non_null(strstr(why, "links 0 and 2"));
	assert_int_equal(patched(&m, 64 + 2, 1, 255, 1), HN_CE_FIELD);
	assert_non_null(strstr(why, "stages 0 and 2"));
	/* flags: RESYNC known, any other bit refused (append-only) */
	assert_int_equal(patched(&m, 38, 2, HN_LSA_F_RESYNC, 1), HN_CE_OK);
	assert_int_equal(patched(&m, 38, 2, 0x8000, 1), HN_CE_FIELD);
	assert_string_equal(why, "gossip: unknown flags 0x8000");

	m = chunk(100, 0, 100);
	assert_int_equal(patched(&m, 36, 4, 0, 1), HN_CE_FIELD);
	assert_non_null(strstr(why, "total_len 0"));
	assert_int_equal(patched(&m, 36, 4, HN_MODEL_XFER_MAX + 1, 1),
			 HN_CE_FIELD);
	assert_int_equal(patched(&m, 36, 4, 99, 1), HN_CE_FIELD);
	assert_string_equal(
		why, "model-chunk: offset 0 + chunk_len 100 > total_len 99");
	assert_int_equal(patched(&m, 40, 4, 1, 1), HN_CE_FIELD);
	/* offset + chunk_len wraps in 32 bits: still refused. */
	assert_int_equal(patched(&m, 40, 4, 0xFFFFFFC0, 1), HN_CE_FIELD);
	/* object: model and campaign known, any other refused */
	assert_int_equal(patched(&m, 46, 2, HN_OBJ_CAMPAIGN, 1), HN_CE_OK);
	assert_int_equal(patched(&m, 46, 2, 2, 1), HN_CE_FIELD);
	assert_string_equal(why, "model-chunk: unknown object 2");
	assert_int_equal(patched(&m, 46, 2, 0xFFFF, 1), HN_CE_FIELD);
	m = chunk(1, 0, 1);
	m.u.chunk.chunk_len = 0;
	m.u.chunk.total_len = 1;
	/* chunk_len 0: build by hand, encode refuses it. */
	assert_int_equal(hn_ctrl_encode(buf, sizeof(buf), &m, &key), -EINVAL);
	m.u.chunk.chunk_len = 1;
	encode(&m, buf);
	put_be(buf + 6, 2, 28 + 28);
	put_be(buf + 44, 2, 0);
	memmove(buf + 48, buf + 49, HN_AUTH_LEN); /* drop the data byte */
	resign(buf, &key);
	assert_int_equal(decode(buf, 20 + 56, NULL), HN_CE_FIELD);
	assert_string_equal(why, "model-chunk: chunk_len 0");
}

static void test_encode_errors(void **state)
{
	static const uint8_t bad_types[] = { HN_T_UNSPEC, HN_T_DATA,
					     HN_T_TENSOR, HN_T_MAX + 1, 255 };
	struct hn_ctrl_msg m;
	uint8_t buf[HN_CTRL_MAX + 1];
	size_t size;
	unsigned int i;
	int len;

	m = hello(HN_HELLO_MAX_HEARD);
	m.u.hello.n_heard++;
	assert_int_equal(hn_ctrl_encode(buf, sizeof(buf), &m, &key), -EINVAL);
	m = lsa(HN_LSA_MAX_LINKS, 0);
	m.u.lsa.n_links++;
	assert_int_equal(hn_ctrl_encode(buf, sizeof(buf), &m, &key), -EINVAL);
	m = lsa(0, HN_LSA_MAX_STAGES);
	m.u.lsa.n_stages++;
	assert_int_equal(hn_ctrl_encode(buf, sizeof(buf), &m, &key), -EINVAL);
	m = chunk(HN_CHUNK_DATA_MAX, 0, HN_MODEL_XFER_MAX);
	m.u.chunk.chunk_len++;
	assert_int_equal(hn_ctrl_encode(buf, sizeof(buf), &m, &key), -EINVAL);
	m = chunk(10, 0, 10);
	m.u.chunk.offset = 1;
	assert_int_equal(hn_ctrl_encode(buf, sizeof(buf), &m, &key), -EINVAL);
	m = chunk(10, 0, 10);
	m.u.chunk.total_len = HN_MODEL_XFER_MAX + 1;
	assert_int_equal(hn_ctrl_encode(buf, sizeof(buf), &m, &key), -EINVAL);
	m = chunk(10, 0, 10);
	m.u.chunk.data = NULL;
	assert_int_equal(hn_ctrl_encode(buf, sizeof(buf), &m, &key), -EINVAL);
	for (i = 0; i < sizeof(bad_types); i++) {
		m = probe(HN_T_PROBE);
		m.type = bad_types[i];
		assert_int_equal(hn_ctrl_encode(buf, sizeof(buf), &m, &key),
				 -EINVAL);
	}
	/* What the data plane or decode would refuse. */
	m = probe(HN_T_PROBE);
	m.ttl = 0;
	assert_int_equal(hn_ctrl_encode(buf, sizeof(buf), &m, &key), -EINVAL);
	m = probe(HN_T_PROBE);
	m.dst = 0;
	assert_int_equal(hn_ctrl_encode(buf, sizeof(buf), &m, &key), -EINVAL);
	m = probe(HN_T_PROBE);
	m.flags = 0x40;
	assert_int_equal(hn_ctrl_encode(buf, sizeof(buf), &m, &key), -EINVAL);
	m = hello(0);
	m.u.hello.interval_ms = 0;
	assert_int_equal(hn_ctrl_encode(buf, sizeof(buf), &m, &key), -EINVAL);
	m = lsa(2, 0);
	m.u.lsa.links[1].node = SRC;
	assert_int_equal(hn_ctrl_encode(buf, sizeof(buf), &m, &key), -EINVAL);
	m = lsa(2, 2);
	m.u.lsa.stages[1] = m.u.lsa.stages[0];
	assert_int_equal(hn_ctrl_encode(buf, sizeof(buf), &m, &key), -EINVAL);
	assert_int_equal(hn_ctrl_encode(NULL, 100, &m, &key), -EINVAL);
	assert_int_equal(hn_ctrl_encode(buf, sizeof(buf), NULL, &key), -EINVAL);
	assert_int_equal(hn_ctrl_encode(buf, sizeof(buf), &m, NULL), -EINVAL);

	/* Every buffer too small by any amount: -ENOSPC, buffer untouched. */
	m = lsa(5, 2);
	len = hn_ctrl_encode(buf, sizeof(buf), &m, &key);
	assert_true(len > 0);
	for (size = 0; size < (size_t)len; size++) {
		memset(buf, 0xAA, sizeof(buf));
		assert_int_equal(hn_ctrl_encode(buf, size, &m, &key), -ENOSPC);
		for (i = 0; i < sizeof(buf); i++)
			assert_int_equal(buf[i], 0xAA);
	}
	assert_int_equal(hn_ctrl_encode(buf, len, &m, &key), len);
	/* lsa.origin is not what is sent: m->src is. */
	m.u.lsa.origin = 0x12345678;
	assert_int_equal(hn_ctrl_encode(buf, len, &m, &key), len);
}

static void test_random_roundtrip(void **state)
{
	struct hn_ctrl_msg m, d;
	uint8_t buf[HN_CTRL_MAX];
	unsigned int iter, i, t;
	int len;

	hn_t_seed(77);
	for (iter = 0; iter < 2000; iter++) {
		t = hn_t_range(0, 3);
		if (t == 0) {
			m = hello(hn_t_range(0, HN_HELLO_MAX_HEARD));
			m.u.hello.interval_ms = hn_t_range(1, 0xFFFF);
		} else if (t == 1) {
			m = probe(hn_t_range(0, 1) ? HN_T_PROBE : HN_T_ACK);
			m.u.probe.id = hn_t_rand();
			m.u.probe.t_ns = hn_t_rand();
		} else if (t == 2) {
			m = lsa_rates(hn_t_range(0, HN_LSA_MAX_LINKS),
				      hn_t_range(0, HN_LSA_MAX_STAGES));
			m.u.lsa.flags = hn_t_range(0, 3) << 1;
			m.u.lsa.seq = hn_t_rand();
			m.u.lsa.lifetime_s = hn_t_range(1, 0xFFFF);
		} else {
			i = hn_t_range(1, HN_CHUNK_DATA_MAX);
			m = chunk(i, 0, i);
			m.u.chunk.total_len = hn_t_range(i, HN_MODEL_XFER_MAX);
			m.u.chunk.offset =
				hn_t_range(0, m.u.chunk.total_len - i);
		}
		m.ttl = hn_t_range(1, 255);
		m.tclass = hn_t_rand();
		m.src = hn_t_range(1, 0x7FFFFFFF);
		m.seq = hn_t_rand();
		m.counter = hn_t_rand();
		if (t == 1)
			m.dst = hn_t_range(1, 0x7FFFFFFF);
		len = hn_ctrl_encode(buf, sizeof(buf), &m, &key);
		assert_int_equal(len, 20 + payload_len(&m) + 28);
		assert_int_equal(decode(buf, len, &d), HN_CE_OK);
		assert_msg_equal(&m, &d);
	}
}

/*
 * Reference: every counter ever accepted, kept in an array; the window is
 * the HN_REPLAY_WINDOW highest of them.
 */
static int replay_ref(uint64_t *seen, unsigned int *n, uint64_t c)
{
	unsigned int i, above = 0;

	for (i = 0; i < *n; i++) {
		if (seen[i] == c)
			return above < HN_REPLAY_WINDOW ? -EALREADY : -ESTALE;
		above += seen[i] > c;
	}
	for (i = 0; i < *n; i++)
		if (seen[i] > c)
			continue;
	/* full, and c below the lowest of the window */
	if (above >= HN_REPLAY_WINDOW)
		return -ESTALE;
	seen[(*n)++] = c;
	return 0;
}

#define NS 1000000000ULL

static void test_replay(void **state)
{
	static uint64_t seen[4000];
	struct hn_replay r = { 0 };
	unsigned int n = 0, i;
	uint64_t base, c, t = 5 * NS;

	/* First counter accepted, whatever it is. */
	assert_int_equal(hn_replay_accept(&r, 1000, t), 0);
	assert_int_equal(hn_replay_accept(&r, 1000, t), -EALREADY);
	assert_int_equal(hn_replay_accept(&r, 1001, t), 0);
	/* Late: once. */
	assert_int_equal(hn_replay_accept(&r, 990, t), 0);
	assert_int_equal(hn_replay_accept(&r, 990, t), -EALREADY);
	assert_int_equal(hn_replay_accept(&r, 5, t), 0);
	/*
	 * The window is the 64 highest counters however far apart: 60 more
	 * a microsecond apart fill it (5 is the lowest), what is below the
	 * lowest is old, the next pushes 5 out.
	 */
	for (i = 1; i <= 60; i++)
		assert_int_equal(hn_replay_accept(&r, 1001 + i * 1000, t), 0);
	assert_int_equal(r.n, HN_REPLAY_WINDOW);
	assert_int_equal(hn_replay_accept(&r, 4, t), -ESTALE);
	assert_int_equal(hn_replay_accept(&r, 5, t), -EALREADY);
	assert_int_equal(hn_replay_accept(&r, 1001 + 61 * 1000, t), 0);
	assert_int_equal(hn_replay_accept(&r, 5, t), -ESTALE);
	assert_int_equal(hn_replay_accept(&r, 6, t), -ESTALE);
	assert_int_equal(hn_replay_accept(&r, 989, t), -ESTALE);
	/* between two of the window, never seen: taken, the lowest goes */
	assert_int_equal(hn_replay_accept(&r, 995, t), 0);
	assert_int_equal(hn_replay_accept(&r, 990, t), -ESTALE);
	assert_int_equal(hn_replay_accept(&r, 995, t), -EALREADY);
	assert_int_equal(r.seen[0], 995);
	/* Far ahead after as long (a restart that took the clock). */
	t += 1ULL << 60;
	assert_int_equal(hn_replay_accept(&r, 1ULL << 60, t), 0);
	assert_int_equal(hn_replay_accept(&r, 1128, t), 0);
	assert_int_equal(hn_replay_accept(&r, 1128, t), -EALREADY);
	assert_int_equal(hn_replay_accept(&r, 1ULL << 60, t), -EALREADY);

	/* The top of the 64-bit range, and 0 at the very start. */
	memset(&r, 0, sizeof(r));
	t = 1ULL << 63;
	assert_int_equal(hn_replay_accept(&r, UINT64_MAX - 1, t), 0);
	assert_int_equal(hn_replay_accept(&r, UINT64_MAX, t), 0);
	assert_int_equal(hn_replay_accept(&r, UINT64_MAX, t), -EALREADY);
	memset(&r, 0, sizeof(r));
	assert_int_equal(hn_replay_accept(&r, 5, t), 0);
	assert_int_equal(hn_replay_accept(&r, 0, t), 0);
	assert_int_equal(hn_replay_accept(&r, 0, t), -EALREADY);
	/* from 0 to the top of the range: no clock runs that far */
	t += UINT64_MAX / 4;
	assert_int_equal(hn_replay_accept(&r, UINT64_MAX, t), -ERANGE);
	assert_int_equal(hn_replay_accept(&r, 5, t), -EALREADY);

	/* Reordered and duplicated streams, against the reference. */
	hn_t_seed(99);
	memset(&r, 0, sizeof(r));
	base = 1700000000ULL * NS; /* a realtime clock's ns */
	t = 1000 * NS;
	for (i = 0; i < 3000; i++) {
		c = base + i - hn_t_range(0, 80) + hn_t_range(0, 3);
		if (hn_t_range(0, 50) == 0)
			c += hn_t_range(60, 70);
		assert_int_equal(hn_replay_accept(&r, c, t),
				 replay_ref(seen, &n, c));
	}
}

/*
 * How far ahead a counter may run: the sender's clock offset as seen so
 * far, plus the slack; the offset itself rises at most 1/64 as fast as
 * time passes.  A key holder's frame far ahead (counter 2^64 - 2, issue 12
 * item 6) is refused; frames a slack ahead are taken but walk the limit
 * no further, and the genuine sender's frames go on being taken below
 * them; a window full of forged frames shuts it out for the slack only.
 */
static void test_replay_bound(void **state)
{
	const uint64_t slack = HN_REPLAY_SLACK_NS, c0 = 1700000000ULL * NS;
	struct hn_replay r = { 0 };
	uint64_t t = 100 * NS, c = c0;
	int i;

	assert_int_equal(hn_replay_accept(&r, c, t), 0);
	/* no time passed: the slack only */
	assert_int_equal(hn_replay_accept(&r, c + slack + 1, t), -ERANGE);
	assert_int_equal(hn_replay_accept(&r, UINT64_MAX - 1, t), -ERANGE);
	assert_int_equal(r.seen[r.n - 1], c);
	assert_int_equal(hn_replay_accept(&r, c + slack, t), 0);
	/* ... and more frames each a slack ahead walk it no further */
	for (i = 2; i < 10; i++)
		assert_int_equal(hn_replay_accept(&r, c + i * slack, t),
				 -ERANGE);
	assert_int_equal(r.seen[r.n - 1], c + slack);
	/* the genuine sender goes on below the forged top */
	assert_int_equal(hn_replay_accept(&r, c + 1, t), 0);
	/* 64 s later: 64 s, one more for clock rates, and the slack */
	t += 64 * NS;
	c += 64 * NS;
	assert_int_equal(hn_replay_accept(&r, c + NS + slack + 1, t), -ERANGE);
	assert_int_equal(hn_replay_accept(&r, UINT64_MAX - 1, t), -ERANGE);
	assert_int_equal(hn_replay_accept(&r, c + NS + slack, t), 0);
	assert_int_equal(hn_replay_accept(&r, c, t), 0);
	/* a window full of forged frames a slack ahead ... */
	for (i = 0; i < HN_REPLAY_WINDOW - 1; i++)
		assert_int_equal(hn_replay_accept(&r, c + slack - i, t), 0);
	assert_int_equal(r.n, HN_REPLAY_WINDOW);
	assert_int_equal(r.seen[0], c + slack - (HN_REPLAY_WINDOW - 2));
	t += NS / 2;
	c += NS / 2;
	assert_int_equal(hn_replay_accept(&r, c, t), -ESTALE);
	/* ... shuts the genuine sender out until its clock passes them */
	t += slack;
	c += slack;
	assert_int_equal(hn_replay_accept(&r, c, t), 0);
	assert_int_equal(hn_replay_accept(&r, c, t), -EALREADY);
	/* a frame that took long on the way lowers nothing */
	t += 3 * NS;
	assert_int_equal(hn_replay_accept(&r, c + NS, t), 0);
	c += 3 * NS;
	assert_int_equal(hn_replay_accept(&r, c, t + 1), 0);
	/* a counter proven fresh (a challenge answered) starts it afresh */
	hn_replay_anchor(&r, c0, t);
	assert_int_equal(r.n, 1);
	assert_int_equal(hn_replay_accept(&r, c0, t), -EALREADY);
	assert_int_equal(hn_replay_accept(&r, c0 + 1, t), 0);
	assert_int_equal(hn_replay_accept(&r, c, t), -ERANGE);
}

/*
 * A first frame from the past (replayed to an agent that just started, or
 * one that took long on the way): the genuine sender's frames are too far
 * ahead, and two of them a second apart that agree on its clock start the
 * window afresh; one frame far ahead, or two that disagree, do not.
 */
static void test_replay_late_anchor(void **state)
{
	struct hn_replay r = { 0 };
	uint64_t t = 1000 * NS, c = 5000 * NS;

	/* anchored by a frame an hour old */
	assert_int_equal(hn_replay_accept(&r, c - 3600 * NS, t), 0);
	assert_int_equal(hn_replay_accept(&r, c, t), -ERANGE);
	/* half a second later: not yet */
	assert_int_equal(hn_replay_accept(&r, c + NS / 2, t + NS / 2), -ERANGE);
	/* a far frame that disagrees: not evidence either */
	assert_int_equal(hn_replay_accept(&r, c + 100 * NS, t + 2 * NS),
			 -ERANGE);
	/* the genuine clock again, over a second after its last */
	t += 4 * NS;
	c += 4 * NS;
	assert_int_equal(hn_replay_accept(&r, c - 2 * NS, t - 2 * NS), -ERANGE);
	assert_int_equal(hn_replay_accept(&r, c, t), 0);
	assert_int_equal(r.n, 1);
	/* from then on, as usual */
	assert_int_equal(hn_replay_accept(&r, c + 1, t), 0);
	assert_int_equal(hn_replay_accept(&r, c - 3600 * NS, t), 0);
	assert_int_equal(hn_replay_accept(&r, c + 10 * NS, t), -ERANGE);
	/* a single frame far ahead now and then never moves it */
	assert_int_equal(hn_replay_accept(&r, UINT64_MAX - 1, t + 2 * NS),
			 -ERANGE);
	assert_int_equal(hn_replay_accept(&r, c + 2 * NS, t + 2 * NS), 0);
	assert_int_equal(hn_replay_accept(&r, UINT64_MAX - 1, t + 9 * NS),
			 -ERANGE);
	assert_int_equal(hn_replay_accept(&r, UINT64_MAX - 2, t + 99 * NS),
			 -ERANGE);
}

static void test_key_parse(void **state)
{
	static const char *const bad[] = {
		"",
		"0",
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1",
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f0",
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
		" 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		"0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g",
		"g00102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		"00010203040506070809 a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	};
	struct hn_mesh_key k;
	unsigned int i;

	memset(&k, 0, sizeof(k));
	k.id = 7;
	assert_int_equal(hn_mesh_key_parse("000102030405060708090a0b0c0d0e0f"
					   "101112131415161718191a1b1c1d1e1f",
					   &k),
			 0);
	assert_memory_equal(&k, &key, sizeof(k));
	assert_int_equal(hn_mesh_key_parse("000102030405060708090A0B0C0D0E0F"
					   "101112131415161718191a1B1c1D1e1F",
					   &k),
			 0);
	assert_memory_equal(&k, &key, sizeof(k));
	assert_int_equal(hn_mesh_key_parse("ffFFffFFffFFffFFffFFffFFffFFffFF"
					   "ffFFffFFffFFffFFffFFffFFffFFffFF",
					   &k),
			 0);
	for (i = 0; i < HN_KEY_LEN; i++)
		assert_int_equal(k.key[i], 0xFF);
	assert_int_equal(k.id, 7);
	/* Refusals leave the key as it was. */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(hn_mesh_key_parse(bad[i], &k), -EINVAL);
		assert_int_equal(k.key[0], 0xFF);
		assert_int_equal(k.key[31], 0xFF);
	}
	assert_int_equal(hn_mesh_key_parse(NULL, &k), -EINVAL);
	assert_int_equal(hn_mesh_key_parse(bad[2], NULL), -EINVAL);
}

/*
 * ECHO: routed unicast, its zero padding counted by pad_len and covered
 * by the MAC; op and pad_len have rules, flags must be 0.
 */
static void test_echo(void **state)
{
	struct hn_ctrl_msg m = base(HN_T_ECHO), d;
	uint8_t buf[HN_CTRL_MAX];
	int len, i;

	m.flags = 0;
	m.dst = PEER;
	m.u.echo.id = 0x01020304;
	m.u.echo.seq = 7;
	m.u.echo.t_ns = 0x1122334455667788ULL;
	m.u.echo.op = HN_ECHO_REPLY;
	m.u.echo.pad_len = 100;
	len = hn_ctrl_encode(buf, sizeof(buf), &m, &key);
	assert_int_equal(len, 20 + 20 + 100 + 28);
	assert_int_equal(buf[1], 9);
	assert_memory_equal(buf + 20, "\x01\x02\x03\x04\x00\x00\x00\x07", 8);
	assert_memory_equal(buf + 28, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	assert_int_equal(buf[36], HN_ECHO_REPLY);
	assert_int_equal(buf[38] << 8 | buf[39], 100);
	for (i = 40; i < 140; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(decode(buf, len, &d), HN_CE_OK);
	assert_int_equal(d.u.echo.id, m.u.echo.id);
	assert_int_equal(d.u.echo.seq, 7);
	assert_int_equal(d.u.echo.t_ns, m.u.echo.t_ns);
	assert_int_equal(d.u.echo.op, HN_ECHO_REPLY);
	assert_int_equal(d.u.echo.pad_len, 100);
	assert_ptr_equal(d.u.echo.data, buf + 40);
	/* an EXPIRED reply's padding carries its hop: given, copied */
	{
		struct hn_ctrl_msg x = m;
		uint8_t hop[100] = { 1, 2, 3 }, xb[HN_CTRL_MAX];

		x.u.echo.op = HN_ECHO_EXPIRED;
		x.u.echo.data = hop;
		assert_int_equal(hn_ctrl_encode(xb, sizeof(xb), &x, &key), len);
		assert_memory_equal(xb + 40, hop, 100);
		assert_int_equal(decode(xb, len, &d), HN_CE_OK);
		assert_int_equal(d.u.echo.op, HN_ECHO_EXPIRED);
		assert_memory_equal(d.u.echo.data, hop, 100);
	}
	/* the padding is signed */
	buf[60] = 1;
	assert_int_equal(decode(buf, len, NULL), HN_CE_MAC);
	/* an unknown op, after the MAC; a pad_len the frame does not hold */
	assert_int_equal(patched(&m, 36, 1, __HN_ECHO_OP_MAX, 1), HN_CE_FIELD);
	assert_non_null(strstr(why, "echo: op"));
	assert_int_equal(patched(&m, 38, 2, 101, 1), HN_CE_LENGTH);
	assert_int_equal(patched(&m, 38, 2, HN_ECHO_PAD_MAX + 1, 1),
			 HN_CE_FIELD);
	/* routed unicast only */
	assert_int_equal(patched(&m, 2, 1, HN_F_MCAST, 1), HN_CE_FIELD);
	/* encode refuses the same */
	m.u.echo.pad_len = HN_ECHO_PAD_MAX + 1;
	assert_int_equal(hn_ctrl_encode(buf, sizeof(buf), &m, &key), -EINVAL);
	m.u.echo.pad_len = HN_ECHO_PAD_MAX;
	assert_true(hn_ctrl_encode(buf, sizeof(buf), &m, &key) <=
		    (int)HN_CTRL_MAX);
	m.u.echo.op = __HN_ECHO_OP_MAX;
	assert_int_equal(hn_ctrl_encode(buf, sizeof(buf), &m, &key), -EINVAL);
}

static void test_err_names(void **state)
{
	struct hn_ctrl_msg m = hello(1);
	uint8_t buf[HN_CTRL_MAX];
	char small[8];
	int i, j, len;

	for (i = 0; i < __HN_CE_MAX; i++) {
		assert_string_not_equal(hn_ctrl_err_name(i), "unknown");
		for (j = 0; j < i; j++)
			assert_string_not_equal(hn_ctrl_err_name(i),
						hn_ctrl_err_name(j));
	}
	assert_string_equal(hn_ctrl_err_name(HN_CE_MAC), "bad-mac");
	assert_string_equal(hn_ctrl_err_name(HN_CE_TRUNCATED), "truncated");
	assert_string_equal(hn_ctrl_err_name(-1), "unknown");
	assert_string_equal(hn_ctrl_err_name(__HN_CE_MAX), "unknown");
	/* err may be absent or small. */
	len = encode(&m, buf);
	buf[len - 1] ^= 1;
	assert_int_equal(hn_ctrl_decode(buf, len, NULL, &m, &key, 1, NULL, 0),
			 HN_CE_MAC);
	memset(small, 'x', sizeof(small));
	assert_int_equal(hn_ctrl_decode(buf, len, NULL, &m, &key, 1, small,
					sizeof(small)),
			 HN_CE_MAC);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	/* RFC 1982 comparisons. */
	assert_true(hn_seq_newer(1, 0));
	assert_false(hn_seq_newer(0, 1));
	assert_false(hn_seq_newer(5, 5));
	assert_true(hn_seq_newer(0, 0xFFFFFFFF));
	assert_true(hn_seq_newer(0x7FFFFFFF, 0));
	assert_false(hn_seq_newer(0x80000000, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_wire_layout),
		cmocka_unit_test(test_wire_layout_util),
		cmocka_unit_test(test_wire_layout_rates),
		cmocka_unit_test(test_known_answer),
		cmocka_unit_test(test_ttl_not_covered),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_flip_every_byte),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_encode_errors),
		cmocka_unit_test(test_random_roundtrip),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_replay_bound),
		cmocka_unit_test(test_replay_late_anchor),
		cmocka_unit_test(test_key_parse),
		cmocka_unit_test(test_echo),
		cmocka_unit_test(test_err_names),
	};

	return cmocka_run_group_tests_name("ctrl", tests, NULL, NULL);
}
