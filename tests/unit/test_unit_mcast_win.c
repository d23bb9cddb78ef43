// SPDX-License-Identifier: GPL-2.0
/*
 * The flood de-duplication window of include/hypernet/dataplane.h
 * (hn_dp_mcast_win_first(), hn_dp_mcast_win_add()), which the XDP router
 * and the agent share: edges by hand, then long reordered and duplicated
 * streams against a reference that keeps every accepted number in a list.
 * These pin today's documented behaviour (Documentation/dataplane.rst):
 * new numbers ahead move the window, numbers up to 31 behind the newest
 * are accepted once, 32 and more behind are old.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <hypernet/dataplane.h>

#include "helpers_hn.h"

/* A window and what it says to @seq, checked against @want. */
static void see(__u64 *w, __u32 seq, int want)
{
	__u64 before = *w;
	int v = -1;

	*w = hn_dp_mcast_win_add(*w, seq, &v);
	if (v != want)
		fail_msg("seq %u (newest %u): verdict %d, want %d", seq,
			 (__u32)(before >> 32), v, want);
	/* a refused seq leaves the window untouched */
	if (want != HN_DP_MC_NEW)
		assert_true(*w == before);
}

static void test_first(void **state)
{
	__u64 w = hn_dp_mcast_win_first(1000);

	assert_int_equal(w >> 32, 1000);
	see(&w, 1000, HN_DP_MC_DUP);
	see(&w, 999, HN_DP_MC_NEW);
	see(&w, 999, HN_DP_MC_DUP);
}

/* After every move ahead the newest number is seen, and so are the older. */
static void test_advance_then_repeat(void **state)
{
	__u64 w = hn_dp_mcast_win_first(10);
	__u32 s;

	for (s = 11; s < 100; s++) {
		see(&w, s, HN_DP_MC_NEW);
		assert_int_equal(w >> 32, s);
		see(&w, s, HN_DP_MC_DUP);
		see(&w, s - 1, HN_DP_MC_DUP);
	}
	/* by two, by 5, by 31: the skipped numbers stay acceptable once */
	for (s = 2; s < 32; s += s < 5 ? 3 : 26) {
		__u32 top = w >> 32;

		see(&w, top + s, HN_DP_MC_NEW);
		see(&w, top + s, HN_DP_MC_DUP);
		see(&w, top, HN_DP_MC_DUP);
		see(&w, top + 1, HN_DP_MC_NEW);
		see(&w, top + 1, HN_DP_MC_DUP);
	}
}

static void test_edges_behind(void **state)
{
	__u64 w = hn_dp_mcast_win_first(500);

	see(&w, 500 - 31, HN_DP_MC_NEW); /* the window's last slot */
	see(&w, 500 - 31, HN_DP_MC_DUP);
	see(&w, 500 - 32, HN_DP_MC_OLD); /* just past it */
	see(&w, 500 - 33, HN_DP_MC_OLD);
	see(&w, 0, HN_DP_MC_OLD);
	/* half the number space behind is behind, not ahead */
	see(&w, 500 - 0x7fffffffU, HN_DP_MC_OLD);
	see(&w, 500 + 0x80000000U, HN_DP_MC_OLD);
	/* moving by one slides 469 to 32 behind: old now */
	see(&w, 501, HN_DP_MC_NEW);
	see(&w, 500 - 31, HN_DP_MC_OLD);
	see(&w, 501 - 31, HN_DP_MC_NEW);
}

static void test_edges_ahead(void **state)
{
	__u64 w = hn_dp_mcast_win_first(500);

	see(&w, 498, HN_DP_MC_NEW);
	/* 31 ahead: 500 lands in the last slot, 498 falls out */
	see(&w, 531, HN_DP_MC_NEW);
	see(&w, 500, HN_DP_MC_DUP);
	see(&w, 498, HN_DP_MC_OLD);
	see(&w, 501, HN_DP_MC_NEW);
	/* 32 ahead: a fresh window holding the newest alone */
	see(&w, 563, HN_DP_MC_NEW);
	see(&w, 563, HN_DP_MC_DUP);
	see(&w, 532, HN_DP_MC_NEW);
	see(&w, 531, HN_DP_MC_OLD);
	/* the largest step the window takes, and one more: a jump */
	see(&w, 563 + HN_DP_MCAST_JUMP_MAX + 1, HN_DP_MC_JUMP);
	see(&w, 563 + 0x7fffffffU, HN_DP_MC_JUMP);
	see(&w, 563 + HN_DP_MCAST_JUMP_MAX, HN_DP_MC_NEW);
	see(&w, 563 + HN_DP_MCAST_JUMP_MAX, HN_DP_MC_DUP);
	/* what a jump refused is no older for it */
	see(&w, 563 + 2 * HN_DP_MCAST_JUMP_MAX + 1, HN_DP_MC_JUMP);
	see(&w, 563 + 2 * HN_DP_MCAST_JUMP_MAX, HN_DP_MC_NEW);
}

static void test_wrap(void **state)
{
	__u64 w = hn_dp_mcast_win_first(0xfffffff0U);
	__u32 s;

	for (s = 0xfffffff1U; s != 20; s++) {
		see(&w, s, HN_DP_MC_NEW);
		see(&w, s, HN_DP_MC_DUP);
	}
	assert_int_equal(w >> 32, 19);
	see(&w, 0xffffffffU, HN_DP_MC_DUP); /* 20 behind, across 0 */
	see(&w, 0xfffffff4U, HN_DP_MC_DUP); /* 31 behind */
	see(&w, 0xfffffff3U, HN_DP_MC_OLD); /* 32 behind */
	see(&w, 0xfffffff0U, HN_DP_MC_OLD);
}

/* The reference: the newest number and every accepted one. */
struct ref {
	__u32 top;
	__u32 seen[8192];
	unsigned int n;
};

static int ref_add(struct ref *r, __u32 seq)
{
	__u32 ahead = seq - r->top;
	unsigned int i;

	if (r->n && ahead > HN_DP_MCAST_JUMP_MAX && ahead < 0x80000000U)
		return HN_DP_MC_JUMP;
	if (!r->n || (ahead && ahead < 0x80000000U)) {
		r->top = seq;
		r->seen[r->n++] = seq;
		return HN_DP_MC_NEW;
	}
	if (r->top - seq >= HN_DP_MCAST_WINDOW)
		return HN_DP_MC_OLD;
	for (i = 0; i < r->n; i++)
		if (r->seen[i] == seq)
			return HN_DP_MC_DUP;
	r->seen[r->n++] = seq;
	return HN_DP_MC_NEW;
}

/* Reordered, duplicated and jumping streams, across the wrap of 2^32. */
static void test_streams(void **state)
{
	static struct ref r;
	unsigned int run, i;

	hn_t_seed(12);
	for (run = 0; run < 4; run++) {
		__u32 base = run & 1 ? 0xffffffffU - 3000 : 7 + run * 100000;
		__u64 w = 0;

		memset(&r, 0, sizeof(r));
		for (i = 0; i < 6000; i++) {
			__u32 s = base + i - hn_t_range(0, 40);
			int want;

			if (hn_t_range(0, 60) == 0)
				s += hn_t_range(28, 36); /* a jump */
			if (hn_t_range(0, 8) == 0 && r.n)
				s = r.seen[hn_t_range(0, r.n - 1)];
			want = ref_add(&r, s);
			if (!i) {
				w = hn_dp_mcast_win_first(s);
				continue;
			}
			see(&w, s, want);
			assert_int_equal(w >> 32, r.top);
			if (r.n == sizeof(r.seen) / sizeof(r.seen[0]))
				break;
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first),
		cmocka_unit_test(test_advance_then_repeat),
		cmocka_unit_test(test_edges_behind),
		cmocka_unit_test(test_edges_ahead),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_streams),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
