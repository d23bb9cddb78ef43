// SPDX-License-Identifier: GPL-2.0
/*
 * The module's tensor reassembly (kmod/reassembly.c, the same C built for
 * userspace through tests/kmod/shim/): fragments that touch, overlap by
 * one element at either end, repeat, leave gaps or disagree, the caps and
 * the timeout.  Deterministic; the fuzzer fuzz_kmod_reasm covers the
 * rest.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <kshim.h>
#include <arpa/inet.h>
#include "reassembly.h"

#define ORIGIN 0x0a000001
#define TOTAL 40

static struct hn_reasm r;
static s8 src[HN_TENSOR_MAX_LEN], junk[HN_TENSOR_MAX_LEN];

struct frag {
	u32 id;
	u16 idx, cnt, off, n, total;
	u8 stage;
	const s8 *data; /* the tensor's elements; NULL: src */
};

/* hn_reasm_add() for fragment @f (elements @f->data + off); *@done set. */
static int add(const struct frag *f, struct hn_reasm_ent **done)
{
	struct hnhdr h = {
		.version = HN_VERSION,
		.type = HN_T_TENSOR,
		.ttl = HN_TTL_DEFAULT,
		.len = htons(HN_TENSOR_HDR_LEN + f->n),
		.src = htonl(ORIGIN),
		.dst = htonl(2),
	};
	struct hn_tensor_hdr t = {
		.tensor_id = htonl(f->id),
		.origin = htonl(ORIGIN),
		.stage = f->stage,
		.dtype = HN_DT_S8,
		.frag_idx = htons(f->idx),
		.frag_cnt = htons(f->cnt),
		.frag_off = htons(f->off),
		.total_len = htons(f->total ? f->total : TOTAL),
	};
	const s8 *d = f->data ? f->data : src;

	*done = NULL;
	return hn_reasm_add(&r, &h, &t, d + f->off, f->n, done);
}

static void expect(const struct frag *f, int want)
{
	struct hn_reasm_ent *e;

	assert_int_equal(add(f, &e), want);
	if (want == HN_REASM_DONE) {
		assert_non_null(e);
		/* Every element from the fragments that were accepted. */
		assert_memory_equal(e->data, src, e->total);
		hn_reasm_free(&r, e);
	}
}

static int setup(void **state)
{
	unsigned int i;

	for (i = 0; i < sizeof(src); i++) {
		src[i] = (s8)(i * 7 + 3);
		junk[i] = (s8)~src[i];
	}
	jiffies = 1000;
	hn_reasm_init(&r);
	return 0;
}

static int teardown(void **state)
{
	hn_reasm_flush(&r);
	assert_int_equal(r.count, 0);
	assert_int_equal(r.bytes, 0);
	return 0;
}

/* Fragments that touch but do not overlap, in either order. */
static void test_adjacent(void **state)
{
	expect(&(struct frag){ 1, 0, 3, 0, 16 }, HN_REASM_QUEUED);
	expect(&(struct frag){ 1, 2, 3, 32, 8 }, HN_REASM_QUEUED);
	expect(&(struct frag){ 1, 1, 3, 16, 16 }, HN_REASM_DONE);
	expect(&(struct frag){ 2, 1, 2, 1, 39 }, HN_REASM_QUEUED);
	expect(&(struct frag){ 2, 0, 2, 0, 1 }, HN_REASM_DONE);
	assert_int_equal(r.count, 0);
}

/*
 * A new fragment whose first element is an old one's last: refused, the
 * old data kept (junk would show), the tensor still completes.
 */
static void test_overlap_one_at_start(void **state)
{
	expect(&(struct frag){ 3, 0, 2, 0, 16 }, HN_REASM_QUEUED);
	expect(&(struct frag){ 3, 1, 2, 15, 25, .data = junk }, HN_REASM_BAD);
	assert_int_equal(r.count, 1);
	expect(&(struct frag){ 3, 1, 2, 16, 24 }, HN_REASM_DONE);
}

/* A new fragment whose last element is an old one's first. */
static void test_overlap_one_at_end(void **state)
{
	expect(&(struct frag){ 4, 1, 2, 16, 24 }, HN_REASM_QUEUED);
	expect(&(struct frag){ 4, 0, 2, 0, 17, .data = junk }, HN_REASM_BAD);
	assert_int_equal(r.count, 1);
	expect(&(struct frag){ 4, 0, 2, 0, 16 }, HN_REASM_DONE);
}

/* One element fragments: the same element under another index. */
static void test_overlap_single_element(void **state)
{
	expect(&(struct frag){ 5, 0, 3, 0, 1, .total = 3 }, HN_REASM_QUEUED);
	expect(&(struct frag){ 5, 1, 3, 0, 1, .total = 3, .data = junk },
	       HN_REASM_BAD);
	expect(&(struct frag){ 5, 2, 3, 2, 1, .total = 3 }, HN_REASM_QUEUED);
	expect(&(struct frag){ 5, 1, 3, 2, 1, .total = 3, .data = junk },
	       HN_REASM_BAD);
	expect(&(struct frag){ 5, 1, 3, 1, 1, .total = 3 }, HN_REASM_DONE);
}

/* A fragment inside another, and one covering another. */
static void test_overlap_inside(void **state)
{
	expect(&(struct frag){ 6, 0, 3, 0, 20 }, HN_REASM_QUEUED);
	expect(&(struct frag){ 6, 1, 3, 5, 10, .data = junk }, HN_REASM_BAD);
	expect(&(struct frag){ 7, 1, 3, 10, 5 }, HN_REASM_QUEUED);
	expect(&(struct frag){ 7, 0, 3, 0, 40, .data = junk }, HN_REASM_BAD);
	assert_int_equal(r.count, 2);
}

/* Exact duplicates are counted apart (DUP) and change nothing. */
static void test_duplicate(void **state)
{
	expect(&(struct frag){ 8, 0, 2, 0, 16 }, HN_REASM_QUEUED);
	expect(&(struct frag){ 8, 0, 2, 0, 16 }, HN_REASM_DUP);
	expect(&(struct frag){ 8, 0, 2, 0, 16, .data = junk }, HN_REASM_DUP);
	expect(&(struct frag){ 8, 1, 2, 16, 24 }, HN_REASM_DONE);
	/* The same range under another index is an overlap, not a DUP. */
	expect(&(struct frag){ 9, 0, 2, 0, 16 }, HN_REASM_QUEUED);
	expect(&(struct frag){ 9, 1, 2, 0, 16 }, HN_REASM_BAD);
}

/*
 * All fragments there but a gap left: the tensor can never complete and
 * is given up at once; so is one complete before its last fragment.
 */
static void test_gaps(void **state)
{
	expect(&(struct frag){ 10, 0, 2, 0, 16 }, HN_REASM_QUEUED);
	expect(&(struct frag){ 10, 1, 2, 17, 23 }, HN_REASM_BAD);
	assert_int_equal(r.count, 0);
	expect(&(struct frag){ 11, 0, 3, 0, 20 }, HN_REASM_QUEUED);
	expect(&(struct frag){ 11, 2, 3, 20, 20 }, HN_REASM_BAD);
	assert_int_equal(r.count, 0);
	/* A gap of one element, filled: fine. */
	expect(&(struct frag){ 12, 0, 3, 0, 20 }, HN_REASM_QUEUED);
	expect(&(struct frag){ 12, 2, 3, 21, 19 }, HN_REASM_QUEUED);
	expect(&(struct frag){ 12, 1, 3, 20, 1 }, HN_REASM_DONE);
}

/* Siblings must agree with the first fragment; the tensor survives. */
static void test_disagree(void **state)
{
	expect(&(struct frag){ 13, 0, 3, 0, 10 }, HN_REASM_QUEUED);
	expect(&(struct frag){ 13, 1, 4, 10, 10 }, HN_REASM_BAD);
	expect(&(struct frag){ 13, 1, 3, 10, 10, .total = 41 }, HN_REASM_BAD);
	expect(&(struct frag){ 13, 1, 3, 10, 10, .stage = 1 }, HN_REASM_BAD);
	expect(&(struct frag){ 13, 1, 3, 10, 10 }, HN_REASM_QUEUED);
	expect(&(struct frag){ 13, 2, 3, 20, 20 }, HN_REASM_DONE);
}

/* HN_REASM_MAX_TENSORS in flight, and HN_REASM_MAX_BYTES. */
static void test_caps(void **state)
{
	struct hn_reasm_ent *e;
	unsigned int i;

	for (i = 0; i < HN_REASM_MAX_TENSORS; i++)
		expect(&(struct frag){ 100 + i, 0, 2, 0, 1 }, HN_REASM_QUEUED);
	expect(&(struct frag){ 99, 0, 2, 0, 1 }, HN_REASM_FULL);
	/* Others in flight still complete. */
	expect(&(struct frag){ 100, 1, 2, 1, 39 }, HN_REASM_DONE);
	hn_reasm_flush(&r);

	/* Big bitmaps: the byte cap comes first. */
	for (i = 0;; i++) {
		int ret = add(&(struct frag){ 200 + i, 0, 65535, 0, 1,
					      .total = HN_TENSOR_MAX_LEN },
			      &e);

		assert_true(r.bytes <= HN_REASM_MAX_BYTES);
		if (ret == HN_REASM_FULL)
			break;
		assert_int_equal(ret, HN_REASM_QUEUED);
	}
	assert_true(i < HN_REASM_MAX_TENSORS);
	assert_int_equal(r.count, i);
}

/* A tensor waits HN_REASM_TIMEOUT for its fragments, not a jiffy more. */
static void test_timeout(void **state)
{
	unsigned long next = 0;

	expect(&(struct frag){ 300, 0, 2, 0, 16 }, HN_REASM_QUEUED);
	jiffies += HN_REASM_TIMEOUT - 1;
	expect(&(struct frag){ 301, 0, 2, 0, 16 }, HN_REASM_QUEUED);
	assert_int_equal(hn_reasm_expire(&r, jiffies, &next), 0);
	assert_int_equal(next, 1000 + HN_REASM_TIMEOUT);
	assert_int_equal(hn_reasm_expire(&r, jiffies + 1, &next), 1);
	assert_int_equal(r.count, 1);
	assert_int_equal(next, 1000 + 2 * HN_REASM_TIMEOUT - 1);
	/* The same id again is a new tensor. */
	expect(&(struct frag){ 300, 1, 2, 16, 24 }, HN_REASM_QUEUED);
	assert_int_equal(r.count, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_adjacent),
		T(test_overlap_one_at_start),
		T(test_overlap_one_at_end),
		T(test_overlap_single_element),
		T(test_overlap_inside),
		T(test_duplicate),
		T(test_gaps),
		T(test_disagree),
		T(test_caps),
		T(test_timeout),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
