// SPDX-License-Identifier: GPL-2.0
/*
 * Frame builder/parser round trips, every malformed-frame reason, tensor
 * fragmentation and bounded reassembly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "frames.h"
#include "helpers_hn.h"

#define BUF 9100

static const uint8_t payload[] = "hello, mesh";

static struct hn_frame data_frame(void)
{
	struct hn_frame f = hn_t_data_frame(payload, sizeof(payload));

	f.tclass = 3;
	f.src = 0x0A000001;
	f.dst = 0x0A000002;
	f.seq = 0xDEADBEEF;
	return f;
}

static struct hn_frame tensor_frame(const int8_t *data, uint16_t total)
{
	struct hn_frame f = data_frame();

	f.type = HN_T_TENSOR;
	f.tensor_id = 77;
	f.origin = 0x0A000001;
	f.stage = 2;
	f.dtype = HN_DT_S8;
	f.frag_cnt = 1;
	f.total_len = total;
	f.payload = data;
	f.payload_len = total;
	return f;
}

static void assert_same(const struct hn_frame *a, const struct hn_frame *b)
{
	assert_memory_equal(a->dst_mac, b->dst_mac, 6);
	assert_memory_equal(a->src_mac, b->src_mac, 6);
	hn_t_assert_hdr_equal(a, b);
	assert_int_equal(a->payload_len, b->payload_len);
	assert_memory_equal(a->payload, b->payload, a->payload_len);
	if (a->type == HN_T_TENSOR) {
		assert_int_equal(a->tensor_id, b->tensor_id);
		assert_int_equal(a->origin, b->origin);
		assert_int_equal(a->stage, b->stage);
		assert_int_equal(a->dtype, b->dtype);
		assert_int_equal(a->frag_idx, b->frag_idx);
		assert_int_equal(a->frag_cnt, b->frag_cnt);
		assert_int_equal(a->frag_off, b->frag_off);
		assert_int_equal(a->total_len, b->total_len);
	}
}

static void test_roundtrip(void **state)
{
	static const uint8_t flags[] = { 0, HN_F_MCAST, HN_F_ANYCAST,
					 HN_F_RESULT,
					 HN_F_MCAST | HN_F_RESULT };
	uint8_t buf[BUF];
	struct hn_frame f, p;
	size_t len;
	unsigned int t, i;

	for (t = HN_T_DATA; t <= HN_T_MAX; t++) {
		if (t == HN_T_TENSOR)
			continue;
		for (i = 0; i < sizeof(flags); i++) {
			f = data_frame();
			f.type = t;
			f.flags = flags[i];
			assert_int_equal(
				hn_frame_build(&f, buf, sizeof(buf), &len), 0);
			assert_int_equal(len, 14 + 20 + sizeof(payload));
			assert_int_equal(hn_frame_parse(buf, len, 0, &p), 0);
			assert_same(&f, &p);
		}
	}
	/* Wire layout: EtherType and big-endian fields. */
	f = data_frame();
	hn_frame_build(&f, buf, sizeof(buf), &len);
	assert_int_equal(buf[12], 0x88);
	assert_int_equal(buf[13], 0xB5);
	assert_int_equal(buf[14], HN_VERSION);
	assert_int_equal(buf[21] + 256 * buf[20], sizeof(payload));
	assert_int_equal(buf[30], 0xDE);
	/* Empty payload; Ethernet padding after the frame is fine. */
	f.payload = NULL;
	f.payload_len = 0;
	assert_int_equal(hn_frame_build(&f, buf, sizeof(buf), &len), 0);
	assert_int_equal(hn_frame_parse(buf, 60, 0, &p), 0);
	assert_int_equal(p.payload_len, 0);
}

static void test_tensor_roundtrip(void **state)
{
	int8_t data[HN_TENSOR_MAX_LEN];
	uint8_t buf[BUF];
	struct hn_frame f, p;
	size_t len, i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (int8_t)hn_t_rand();
	f = tensor_frame(data, HN_TENSOR_MAX_LEN);
	f.flags = HN_F_ANYCAST;
	assert_int_equal(hn_frame_build(&f, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 14 + 40 + HN_TENSOR_MAX_LEN);
	assert_int_equal(hn_frame_parse(buf, len, 0, &p), 0);
	assert_same(&f, &p);
	/* A receiver whose largest stage takes 784 elements drops it. */
	assert_int_equal(hn_frame_parse(buf, len, 784, &p), HN_ERR_TENSOR);
}

/* Build a good data frame, then break one thing on the wire. */
static int parse_patched(size_t off, int width, uint32_t val, long cut)
{
	struct hn_frame f = data_frame(), p;
	uint8_t buf[BUF];
	size_t len;
	int i;

	assert_int_equal(hn_frame_build(&f, buf, sizeof(buf), &len), 0);
	for (i = width - 1; i >= 0; i--, val >>= 8)
		buf[off + i] = val;
	if (cut >= 0)
		len = cut;
	return hn_frame_parse(buf, len, 0, &p);
}

static void test_malformed_header(void **state)
{
	assert_int_equal(parse_patched(0, 0, 0, 0), HN_ERR_TRUNCATED);
	assert_int_equal(parse_patched(0, 0, 0, 13), HN_ERR_TRUNCATED);
	assert_int_equal(parse_patched(0, 0, 0, 14 + 19), HN_ERR_TRUNCATED);
	assert_int_equal(parse_patched(12, 2, 0x0800, -1), -ENOMSG);
	assert_int_equal(parse_patched(14, 1, 2, -1), HN_ERR_VERSION);
	assert_int_equal(parse_patched(14, 1, 0, -1), HN_ERR_VERSION);
	assert_int_equal(parse_patched(15, 1, HN_T_UNSPEC, -1), HN_ERR_TYPE);
	assert_int_equal(parse_patched(15, 1, HN_T_MAX + 1, -1), HN_ERR_TYPE);
	assert_int_equal(parse_patched(15, 1, 255, -1), HN_ERR_TYPE);
	assert_int_equal(parse_patched(16, 1, 0x10, -1), HN_ERR_FLAGS);
	assert_int_equal(parse_patched(16, 1, HN_F_MCAST | HN_F_ANYCAST, -1),
			 HN_ERR_FLAGS);
	assert_int_equal(parse_patched(17, 1, 0, -1), HN_ERR_TTL);
	assert_int_equal(parse_patched(20, 2, sizeof(payload) + 1, -1),
			 HN_ERR_LENGTH);
	assert_int_equal(parse_patched(20, 2, 0xFFFF, -1), HN_ERR_LENGTH);
	assert_int_equal(parse_patched(0, 0, 0, 14 + 20 + 3), HN_ERR_LENGTH);
	assert_int_equal(parse_patched(22, 4, 0, -1), HN_ERR_ADDR);
	assert_int_equal(parse_patched(26, 4, 0, -1), HN_ERR_ADDR);
	/* Reserved is ignored on receive. */
	assert_int_equal(parse_patched(19, 1, 0xFF, -1), HN_OK);
}

/* Tensor frame of 10 elements, then patch its tensor header (at 34). */
static int tparse(size_t off, int width, uint32_t val, long hnlen)
{
	int8_t data[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	struct hn_frame f = tensor_frame(data, 10), p;
	uint8_t buf[BUF];
	size_t len;
	int i;

	assert_int_equal(hn_frame_build(&f, buf, sizeof(buf), &len), 0);
	for (i = width - 1; i >= 0; i--, val >>= 8)
		buf[34 + off + i] = val;
	if (hnlen >= 0) {
		buf[20] = hnlen >> 8;
		buf[21] = hnlen;
	}
	return hn_frame_parse(buf, len, 0, &p);
}

static void test_malformed_tensor(void **state)
{
	/* tensor header: 0 id, 4 origin, 8 stage, 9 dtype, 10 idx, 12 cnt,
	 * 14 off, 16 total, 18 reserved */
	assert_int_equal(tparse(0, 0, 0, 19), HN_ERR_TRUNCATED);
	assert_int_equal(tparse(0, 0, 0, 0), HN_ERR_TRUNCATED);
	assert_int_equal(tparse(0, 0, 0, 20), HN_ERR_TENSOR); /* n == 0 */
	assert_int_equal(tparse(9, 1, HN_DT_UNSPEC, -1), HN_ERR_TENSOR);
	assert_int_equal(tparse(9, 1, 7, -1), HN_ERR_TENSOR);
	assert_int_equal(tparse(12, 2, 0, -1), HN_ERR_TENSOR); /* cnt 0 */
	assert_int_equal(tparse(10, 2, 1, -1), HN_ERR_TENSOR); /* idx>=cnt */
	assert_int_equal(tparse(16, 2, 0, -1), HN_ERR_TENSOR); /* total 0 */
	assert_int_equal(tparse(16, 2, HN_TENSOR_MAX_LEN + 1, -1),
			 HN_ERR_TENSOR);
	assert_int_equal(tparse(16, 2, 9, -1), HN_ERR_TENSOR); /* n>total */
	/* cnt 1 must carry everything from 0 */
	assert_int_equal(tparse(16, 2, 20, -1), HN_ERR_TENSOR);
	assert_int_equal(tparse(14, 2, 1, -1), HN_ERR_TENSOR);
	{
		/* idx 1 of 2, off 15 of total 20: fine; off 20: not. */
		int8_t d[5] = { 0 };
		struct hn_frame f = tensor_frame(d, 20), p;
		uint8_t buf[BUF];
		size_t len;

		f.frag_idx = 1;
		f.frag_cnt = 2;
		f.frag_off = 15;
		f.payload_len = 5;
		assert_int_equal(hn_frame_build(&f, buf, sizeof(buf), &len), 0);
		assert_int_equal(hn_frame_parse(buf, len, 0, &p), 0);
		buf[34 + 15] = 20;
		assert_int_equal(hn_frame_parse(buf, len, 0, &p),
				 HN_ERR_TENSOR);
		buf[34 + 15] = 16; /* 16 + 5 > 20 */
		assert_int_equal(hn_frame_parse(buf, len, 0, &p),
				 HN_ERR_TENSOR);
	}
	assert_int_equal(tparse(18, 2, 0xFFFF, -1), HN_OK); /* reserved */
}

static void test_build_errors(void **state)
{
	struct hn_frame f = data_frame();
	static uint8_t big[70000];
	uint8_t buf[64];
	size_t len;

	assert_int_equal(hn_frame_build(&f, buf, 14 + 20, &len), -ENOSPC);
	f.ttl = 0;
	assert_int_equal(hn_frame_build(&f, buf, sizeof(buf), &len),
			 HN_ERR_TTL);
	f = data_frame();
	f.src = 0;
	assert_int_equal(hn_frame_build(&f, buf, sizeof(buf), &len),
			 HN_ERR_ADDR);
	f = data_frame();
	f.type = 0;
	assert_int_equal(hn_frame_build(&f, buf, sizeof(buf), &len),
			 HN_ERR_TYPE);
	f = data_frame();
	f.flags = 0x40;
	assert_int_equal(hn_frame_build(&f, buf, sizeof(buf), &len),
			 HN_ERR_FLAGS);
	f = data_frame();
	f.payload = big;
	f.payload_len = 65536;
	assert_int_equal(hn_frame_build(&f, big, sizeof(big), &len), -EMSGSIZE);
	f = data_frame();
	f.payload = NULL;
	assert_int_equal(hn_frame_build(&f, buf, sizeof(buf), &len), -EINVAL);
	f = tensor_frame((int8_t *)payload, 5);
	f.total_len = 4;
	assert_int_equal(hn_frame_build(&f, buf, sizeof(buf), &len),
			 HN_ERR_TENSOR);
}

static void test_strerror(void **state)
{
	/* clang-format off */
	static const int errs[] = {
		HN_ERR_TRUNCATED, HN_ERR_VERSION, HN_ERR_TYPE, HN_ERR_FLAGS,
		HN_ERR_LENGTH, HN_ERR_TTL, HN_ERR_ADDR, HN_ERR_TENSOR,
		-ENOSPC, -ENOMSG, -EMSGSIZE, -EXDEV, -EALREADY, -EPROTO,
		-EINVAL,
	};
	/* clang-format on */
	size_t i, j;

	assert_string_equal(hn_frame_strerror(HN_OK), "ok");
	assert_string_equal(hn_frame_strerror(99), "unknown error");
	assert_string_equal(hn_frame_strerror(__HN_ERR_MAX), "unknown error");
	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		assert_string_not_equal(hn_frame_strerror(errs[i]),
					"unknown error");
		for (j = 0; j < i; j++)
			assert_string_not_equal(hn_frame_strerror(errs[i]),
						hn_frame_strerror(errs[j]));
	}
	assert_non_null(strstr(hn_frame_strerror(HN_ERR_TTL), "TTL"));
}

/* ---- fragmentation and reassembly --------------------------------------- */

struct frags {
	int n;
	uint8_t buf[HN_TENSOR_MAX_LEN][128]; /* enough for small MTUs */
	size_t len[HN_TENSOR_MAX_LEN];
};

static struct frags fr;
static int8_t tensor[HN_TENSOR_MAX_LEN];

static void fragment(size_t total, unsigned int mtu)
{
	struct hn_frame tmpl = data_frame();
	int i;

	for (i = 0; i < (int)total; i++)
		tensor[i] = (int8_t)hn_t_rand();
	tmpl.tensor_id = 5;
	tmpl.origin = 0x0A000009;
	tmpl.stage = 1;
	fr.n = hn_tensor_frag_count(total, mtu);
	assert_true(fr.n > 0);
	for (i = 0; i < fr.n; i++)
		assert_int_equal(hn_tensor_frag_build(&tmpl, tensor, total, mtu,
						      i, fr.buf[i],
						      sizeof(fr.buf[i]),
						      &fr.len[i]),
				 0);
}

static int add(struct hn_reasm *r, int i)
{
	struct hn_frame f;

	assert_int_equal(hn_frame_parse(fr.buf[i], fr.len[i], 0, &f), 0);
	assert_true(fr.len[i] - 14 <= 100);
	return hn_reasm_add(r, &f);
}

static void test_frag_count(void **state)
{
	assert_int_equal(hn_tensor_frag_count(4096, 1500), 3);
	assert_int_equal(hn_tensor_frag_count(1460, 1500), 1);
	assert_int_equal(hn_tensor_frag_count(1461, 1500), 2);
	assert_int_equal(hn_tensor_frag_count(784, 41), 784);
	assert_int_equal(hn_tensor_frag_count(784, 40), -EINVAL);
	assert_int_equal(hn_tensor_frag_count(0, 1500), -EINVAL);
	assert_int_equal(hn_tensor_frag_count(4097, 1500), -EMSGSIZE);
}

static void test_frag_mtu(void **state)
{
	struct hn_frame tmpl = data_frame();
	static uint8_t buf[BUF];
	size_t len;

	tmpl.tensor_id = 1;
	tmpl.origin = 1;
	fragment(784, 100); /* 60 elements per frame */
	assert_int_equal(fr.n, 14);
	assert_int_equal(fr.len[0], 14 + 100);
	assert_int_equal(fr.len[13], 14 + 40 + 784 - 13 * 60);
	/* Whole tensor in one frame at jumbo MTU. */
	assert_int_equal(hn_tensor_frag_build(&tmpl, tensor, 4096, 9000, 0, buf,
					      sizeof(buf), &len),
			 0);
	assert_int_equal(len, 14 + 40 + 4096);
	assert_int_equal(hn_tensor_frag_build(&tmpl, tensor, 4096, 9000, 1, buf,
					      sizeof(buf), &len),
			 -EINVAL);
	assert_int_equal(hn_tensor_frag_build(&tmpl, tensor, 4096, 1500, 0, buf,
					      100, &len),
			 -ENOSPC);
}

static void test_reasm_orders(void **state)
{
	static struct hn_reasm r;
	int order[HN_TENSOR_MAX_LEN], i, j, t, mode;

	for (mode = 0; mode < 3; mode++) {
		fragment(784, 100);
		for (i = 0; i < fr.n; i++)
			order[i] = mode == 1 ? fr.n - 1 - i : i;
		if (mode == 2) /* shuffled */
			for (i = fr.n - 1; i > 0; i--) {
				j = hn_t_rand() % (i + 1);
				t = order[i];
				order[i] = order[j];
				order[j] = t;
			}
		hn_reasm_init(&r, 0);
		assert_int_equal(hn_reasm_missing(&r), 0);
		for (i = 0; i < fr.n - 1; i++)
			assert_int_equal(add(&r, order[i]), 0);
		assert_true(hn_reasm_missing(&r) > 0);
		assert_int_equal(add(&r, order[fr.n - 1]), 1);
		assert_int_equal(hn_reasm_missing(&r), 0);
		assert_memory_equal(r.data, tensor, 784);
	}
}

static void test_reasm_one_per_frame(void **state)
{
	static struct hn_reasm r;
	int i;

	fragment(HN_TENSOR_MAX_LEN, 41); /* 1 element per frame */
	assert_int_equal(fr.n, HN_TENSOR_MAX_LEN);
	hn_reasm_init(&r, 0);
	for (i = fr.n - 1; i > 0; i--)
		assert_int_equal(add(&r, i), 0);
	assert_int_equal(add(&r, 0), 1);
	assert_memory_equal(r.data, tensor, HN_TENSOR_MAX_LEN);
}

static void test_reasm_dup_missing(void **state)
{
	static struct hn_reasm r;
	int i;

	fragment(300, 100); /* 5 fragments */
	hn_reasm_init(&r, 0);
	assert_int_equal(add(&r, 0), 0);
	assert_int_equal(add(&r, 0), -EALREADY);
	assert_int_equal(add(&r, 2), 0);
	assert_int_equal(add(&r, 2), -EALREADY);
	assert_int_equal(add(&r, 4), 0);
	/* 1 and 3 missing: never complete. */
	assert_int_equal(hn_reasm_missing(&r), 120);
	assert_int_equal(add(&r, 1), 0);
	assert_int_equal(hn_reasm_missing(&r), 60);
	assert_int_equal(add(&r, 3), 1);
	/* Duplicates after completion are still harmless. */
	for (i = 0; i < 5; i++)
		assert_int_equal(add(&r, i), -EALREADY);
	assert_memory_equal(r.data, tensor, 300);
}

static void test_reasm_reject(void **state)
{
	static struct hn_reasm r;
	struct hn_frame f;
	int8_t d[8] = { 0 };

	fragment(300, 100);
	/* Oversize for this receiver. */
	hn_reasm_init(&r, 256);
	assert_int_equal(add(&r, 0), -EMSGSIZE);
	assert_int_equal(hn_reasm_missing(&r), 0);
	hn_reasm_init(&r, 0);
	assert_int_equal(add(&r, 0), 0);
	assert_int_equal(hn_frame_parse(fr.buf[1], fr.len[1], 0, &f), 0);
	/* Another tensor. */
	f.tensor_id++;
	assert_int_equal(hn_reasm_add(&r, &f), -EXDEV);
	f.tensor_id--;
	f.origin++;
	assert_int_equal(hn_reasm_add(&r, &f), -EXDEV);
	f.origin--;
	/* Same tensor, inconsistent size, count or stage. */
	f.total_len = 301;
	assert_int_equal(hn_reasm_add(&r, &f), -EINVAL);
	f.total_len = 300;
	f.frag_cnt = 6;
	assert_int_equal(hn_reasm_add(&r, &f), -EINVAL);
	f.frag_cnt = 5;
	f.stage = 9;
	assert_int_equal(hn_reasm_add(&r, &f), -EINVAL);
	f.stage = 1;
	/* Overlap with fragment 0 under a new index. */
	f.frag_off = 30;
	assert_int_equal(hn_reasm_add(&r, &f), -EINVAL);
	f.frag_off = 60;
	/* Hand-made nonsense is caught too. */
	f.payload_len = 0;
	assert_int_equal(hn_reasm_add(&r, &f), -EINVAL);
	f.payload_len = 60;
	f.frag_idx = 5;
	assert_int_equal(hn_reasm_add(&r, &f), -EINVAL);
	f.frag_idx = 1;
	f.payload = NULL;
	assert_int_equal(hn_reasm_add(&r, &f), -EINVAL);
	f.payload = d;
	f.type = HN_T_DATA;
	assert_int_equal(hn_reasm_add(&r, &f), -EPROTO);
	f.type = HN_T_TENSOR;
	/* The real fragment still goes in. */
	assert_int_equal(add(&r, 1), 0);
	assert_int_equal(hn_reasm_missing(&r), 180);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_tensor_roundtrip),
		cmocka_unit_test(test_malformed_header),
		cmocka_unit_test(test_malformed_tensor),
		cmocka_unit_test(test_build_errors),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_frag_count),
		cmocka_unit_test(test_frag_mtu),
		cmocka_unit_test(test_reasm_orders),
		cmocka_unit_test(test_reasm_one_per_frame),
		cmocka_unit_test(test_reasm_dup_missing),
		cmocka_unit_test(test_reasm_reject),
	};

	return cmocka_run_group_tests_name("frames", tests, NULL, NULL);
}
