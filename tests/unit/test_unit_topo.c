// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Link-state database and route computation (topo.h): hand-made
 * topologies with known answers, the database rules, DOT/JSON text, and
 * random graphs checked against an independent Floyd-Warshall, walking
 * every candidate to see that no choice of next hops can loop.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "helpers_hn.h"
#include "jsonw.h"
#include "names.h"
#include "topo.h"

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

#define SEC 1000000000ULL
#define MAX_T 16 /* nodes of the hand-made topologies */

/* ---- building LSAs ----------------------------------------------------- */

static void lsa_init(struct hn_ctrl_lsa *l, __u32 origin, __u32 seq)
{
	memset(l, 0, sizeof(*l));
	l->origin = origin;
	l->seq = seq;
	l->lifetime_s = 60;
}

static void lsa_add(struct hn_ctrl_lsa *l, __u32 node, __u16 cost)
{
	struct hn_ctrl_link *k = &l->links[l->n_links++];

	k->node = node;
	k->cost = cost;
	k->quality = 200;
}

/* A link as each end advertises it: ab by a, ba by b (0: not at all). */
struct edge {
	__u32 a, b;
	__u16 ab, ba;
};

static struct hn_ctrl_lsa *lsa_of(struct hn_ctrl_lsa *l, unsigned int *n,
				  __u32 id)
{
	unsigned int i;

	for (i = 0; i < *n; i++)
		if (l[i].origin == id)
			return &l[i];
	assert_true(*n < MAX_T);
	lsa_init(&l[*n], id, 1);
	return &l[(*n)++];
}

/* A database of @self holding one LSA for each node of @e (and self). */
static struct hn_topo *mesh(__u32 self, const struct edge *e, unsigned int n)
{
	struct hn_ctrl_lsa l[MAX_T];
	struct hn_topo *t = hn_topo_new(self);
	unsigned int i, nl = 0;

	assert_non_null(t);
	lsa_of(l, &nl, self);
	for (i = 0; i < n; i++) {
		if (e[i].ab)
			lsa_add(lsa_of(l, &nl, e[i].a), e[i].b, e[i].ab);
		else
			lsa_of(l, &nl, e[i].a);
		if (e[i].ba)
			lsa_add(lsa_of(l, &nl, e[i].b), e[i].a, e[i].ba);
		else
			lsa_of(l, &nl, e[i].b);
	}
	for (i = 0; i < nl; i++)
		assert_int_equal(hn_topo_update(t, &l[i], 0), 1);
	return t;
}

/* ---- checking routes --------------------------------------------------- */

static struct hn_topo_route rt[HN_TOPO_MAX_NODES];

static unsigned int routes(const struct hn_topo *t)
{
	unsigned int n = ~0U;

	assert_int_equal(hn_topo_routes(t, rt, HN_TOPO_MAX_NODES, &n), 0);
	return n;
}

/* The route to @dst among the @n that routes() wrote; fails if none. */
static const struct hn_topo_route *route_to(unsigned int n, __u32 dst)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (rt[i].dst == dst)
			return &rt[i];
	fail();
	return NULL;
}

/* Route to @dst of @n: cost, hops, then (neigh, cost, hops) per cand. */
static void expect(unsigned int n, __u32 dst, __u32 cost, __u8 hops,
		   unsigned int n_cand, ...)
{
	const struct hn_topo_route *r = route_to(n, dst);
	unsigned int i;
	va_list ap;

	assert_int_equal(r->cost, cost);
	assert_int_equal(r->hops, hops);
	assert_int_equal(r->def, 0);
	assert_int_equal(r->n_cand, n_cand);
	va_start(ap, n_cand);
	for (i = 0; i < n_cand; i++) {
		assert_int_equal(r->cand[i].neigh, va_arg(ap, unsigned int));
		assert_int_equal(r->cand[i].cost, va_arg(ap, unsigned int));
		assert_int_equal(r->cand[i].hops, va_arg(ap, unsigned int));
	}
	va_end(ap);
}

static void expect_sorted(unsigned int n)
{
	unsigned int i;

	for (i = 1; i < n; i++)
		assert_true(rt[i - 1].dst < rt[i].dst);
}

/* ---- hand-made topologies ---------------------------------------------- */

enum { A = 1, B, C, D, E, F };

/* A-B-D costs 1+1, A-C-D 2+1: both reach D downstream, B by default. */
static void test_diamond(void **state)
{
	static const struct edge e[] = {
		{ A, B, 1, 1 },
		{ B, D, 1, 1 },
		{ A, C, 2, 2 },
		{ C, D, 1, 1 },
	};
	struct hn_topo *t = mesh(A, e, 4);
	unsigned int n = routes(t);

	assert_int_equal(n, 3);
	expect_sorted(n);
	expect(n, D, 2, 2, 2, B, 2, 2, C, 3, 2);
	/* D(C, B) = 2 and D(B, C) = 2 are not below 1 and 2 */
	expect(n, B, 1, 1, 1, B, 1, 1);
	expect(n, C, 2, 1, 1, C, 2, 1);
	hn_topo_free(t);
}

/* @a advertises utilisation @util on its link to @b, in a newer LSA. */
static void set_util(struct hn_topo *t, __u32 a, __u32 b, __u8 util)
{
	struct hn_ctrl_lsa l = *hn_topo_get(t, a);
	unsigned int i;

	for (i = 0; i < l.n_links && l.links[i].node != b; i++)
		;
	assert_true(i < l.n_links);
	l.links[i].util = util;
	l.flags = HN_LSA_F_UTIL;
	l.seq++;
	assert_int_equal(hn_topo_update(t, &l, 0), 1);
}

/*
 * The diamond of test_diamond at costs x100, B->D full and A->B half:
 * load-aware costs weigh each direction by its sender's utilisation,
 * while candidates and their order stay those of the advertised costs.
 */
static void test_load_cost(void **state)
{
	static const struct edge e[] = {
		{ A, B, 100, 100 },
		{ B, D, 100, 100 },
		{ A, C, 200, 200 },
		{ C, D, 100, 100 },
	};
	struct hn_topo *t = mesh(A, e, 4);
	const struct hn_topo_route *r;
	unsigned int n = routes(t);

	/* idle: load-aware costs are the costs */
	r = route_to(n, D);
	assert_int_equal(r->load_cost, 200);
	assert_int_equal(r->cand[0].load_cost, 200);
	assert_int_equal(r->cand[1].load_cost, 300);
	/* the far end's utilisation weighs the other direction only */
	set_util(t, D, B, 255);
	n = routes(t);
	assert_int_equal(route_to(n, D)->load_cost, 200);
	set_util(t, B, D, 255);
	set_util(t, A, B, 128);
	n = routes(t);
	expect(n, D, 200, 2, 2, B, 200, 2, C, 300, 2);
	r = route_to(n, D);
	/* via B: 100 x 383 / 255 + 100 x 2; via C: idle */
	assert_int_equal(r->cand[0].load_cost, 150 + 200);
	assert_int_equal(r->cand[1].load_cost, 300);
	assert_int_equal(r->load_cost, 300);
	/* B's own route is weighed too */
	assert_int_equal(route_to(n, B)->load_cost, 150);
	hn_topo_free(t);
}

/* Equal totals: fewer hops first, then the lower neighbour id. */
static void test_ties(void **state)
{
	static const struct edge sq[] = {
		{ A, C, 1, 1 },
		{ C, D, 1, 1 },
		{ A, B, 1, 1 },
		{ B, D, 1, 1 },
	};
	static const struct edge hop[] = {
		{ A, B, 1, 1 },
		{ B, D, 1, 1 },
		{ A, D, 2, 2 },
	};
	struct hn_topo *t = mesh(A, sq, 4);
	unsigned int n = routes(t);

	expect(n, D, 2, 2, 2, B, 2, 2, C, 2, 2);
	hn_topo_free(t);
	t = mesh(A, hop, 3);
	n = routes(t);
	expect(n, D, 2, 1, 2, D, 2, 1, B, 2, 2);
	hn_topo_free(t);
}

/* 1 -2- 2 -3- 3 -4- 4: one way each, hops and costs add up. */
static void test_line(void **state)
{
	static const struct edge e[] = {
		{ A, B, 2, 2 },
		{ B, C, 3, 3 },
		{ C, D, 4, 4 },
	};
	struct hn_topo *t = mesh(A, e, 3);
	unsigned int n = routes(t);

	assert_int_equal(n, 3);
	expect(n, B, 2, 1, 1, B, 2, 1);
	expect(n, C, 5, 2, 1, B, 5, 2);
	expect(n, D, 9, 3, 1, B, 9, 3);
	hn_topo_free(t);
	t = mesh(B, e, 3);
	n = routes(t);
	assert_int_equal(n, 3);
	expect(n, A, 2, 1, 1, A, 2, 1);
	expect(n, D, 7, 2, 1, C, 7, 2);
	hn_topo_free(t);
}

/* Ring of 6, unit costs: only the opposite node has two candidates. */
static void test_ring(void **state)
{
	static const struct edge e[] = {
		{ A, B, 1, 1 }, { B, C, 1, 1 }, { C, D, 1, 1 },
		{ D, E, 1, 1 }, { E, F, 1, 1 }, { F, A, 1, 1 },
	};
	struct hn_topo *t = mesh(A, e, 6);
	unsigned int n = routes(t);

	assert_int_equal(n, 5);
	expect_sorted(n);
	expect(n, B, 1, 1, 1, B, 1, 1);
	expect(n, C, 2, 2, 1, B, 2, 2);
	expect(n, D, 3, 3, 2, B, 3, 3, F, 3, 3);
	expect(n, E, 2, 2, 1, F, 2, 2);
	expect(n, F, 1, 1, 1, F, 1, 1);
	hn_topo_free(t);
}

/* A link only one end advertises does not exist; nor what lies behind. */
static void test_unidirectional(void **state)
{
	static const struct edge e[] = {
		{ A, B, 1, 0 },
		{ B, C, 1, 1 },
		{ A, D, 5, 5 },
		{ D, C, 5, 0 },
	};
	struct hn_topo *t = mesh(A, e, 4);
	unsigned int n = routes(t);

	assert_int_equal(n, 1);
	expect(n, D, 5, 1, 1, D, 5, 1);
	hn_topo_free(t);
}

/* A says 1, B says 5: the link costs 5 both ways. */
static void test_asymmetric(void **state)
{
	static const struct edge e[] = {
		{ A, B, 1, 5 },
		{ B, C, 7, 2 },
		{ A, C, 20, 20 },
	};
	struct hn_topo *t = mesh(A, e, 3);
	unsigned int n = routes(t);

	expect(n, B, 5, 1, 1, B, 5, 1);
	expect(n, C, 12, 2, 2, B, 12, 2, C, 20, 1);
	hn_topo_free(t);
	t = mesh(C, e, 3);
	n = routes(t);
	expect(n, A, 12, 2, 2, B, 12, 2, A, 20, 1);
	hn_topo_free(t);
}

/* A node whose links nobody confirms has no route, and is not counted. */
static void test_disconnected(void **state)
{
	static const struct edge e[] = {
		{ A, B, 1, 1 },
		{ C, D, 1, 1 },
		{ E, E + 100, 3, 0 },
	};
	struct hn_topo *t = mesh(A, e, 3);
	unsigned int n = routes(t);

	assert_int_equal(hn_topo_count(t), 6);
	assert_int_equal(n, 1);
	expect(n, B, 1, 1, 1, B, 1, 1);
	hn_topo_free(t);
	t = mesh(E, e, 3); /* self alone: no routes, no error */
	assert_int_equal(routes(t), 0);
	hn_topo_free(t);
}

/* Ten neighbours all downstream of D: the 8 cheapest, cheapest first. */
static void test_cand_truncated(void **state)
{
	struct hn_topo *t = hn_topo_new(A);
	struct hn_ctrl_lsa self, l;
	const struct hn_topo_route *r;
	unsigned int i, n;

	lsa_init(&self, A, 1);
	for (i = 0; i < 10; i++) {
		/* ids fall as costs rise: order must come from cost */
		__u32 id = 109 - i;

		lsa_add(&self, id, 10 + i);
		lsa_init(&l, id, 1);
		lsa_add(&l, A, 10 + i);
		lsa_add(&l, 200, 1);
		assert_int_equal(hn_topo_update(t, &l, 0), 1);
	}
	assert_int_equal(hn_topo_update(t, &self, 0), 1);
	lsa_init(&l, 200, 1);
	for (i = 0; i < 10; i++)
		lsa_add(&l, 109 - i, 1);
	assert_int_equal(hn_topo_update(t, &l, 0), 1);
	n = routes(t);
	assert_int_equal(n, 11);
	r = &rt[n - 1];
	assert_int_equal(r->dst, 200);
	assert_int_equal(r->cost, 11);
	assert_int_equal(r->n_cand, HN_TOPO_MAX_CAND);
	for (i = 0; i < HN_TOPO_MAX_CAND; i++) {
		assert_int_equal(r->cand[i].neigh, 109 - i);
		assert_int_equal(r->cand[i].cost, 11 + i);
		assert_int_equal(r->cand[i].hops, 2);
	}
	hn_topo_free(t);
}

/* ---- database ---------------------------------------------------------- */

static void test_seq(void **state)
{
	struct hn_topo *t = hn_topo_new(A);
	struct hn_ctrl_lsa l;

	lsa_init(&l, B, 5);
	l.load = 1;
	assert_int_equal(hn_topo_update(t, &l, 0), 1);
	assert_int_equal(hn_topo_update(t, &l, 0), 0); /* duplicate */
	l.seq = 4;
	l.load = 2;
	assert_int_equal(hn_topo_update(t, &l, 0), 0); /* older */
	assert_int_equal(hn_topo_get(t, B)->load, 1);
	l.seq = 6;
	assert_int_equal(hn_topo_update(t, &l, 0), 1);
	assert_int_equal(hn_topo_get(t, B)->seq, 6);
	assert_int_equal(hn_topo_get(t, B)->load, 2);
	/* serial arithmetic, round to the wrap: 0 follows 0xffffffff */
	l.seq = 0xffffffff;
	assert_int_equal(hn_topo_update(t, &l, 0), 0); /* 6 - 7 */
	l.seq = 0x80000005;
	assert_int_equal(hn_topo_update(t, &l, 0), 1);
	l.seq = 0xffffffff;
	assert_int_equal(hn_topo_update(t, &l, 0), 1);
	l.seq = 0;
	assert_int_equal(hn_topo_update(t, &l, 0), 1);
	l.seq = 0xffffffff;
	assert_int_equal(hn_topo_update(t, &l, 0), 0);
	/* half the space away is neither newer nor older: keep what is held */
	l.seq = 0x80000000;
	assert_int_equal(hn_topo_update(t, &l, 0), 0);
	l.seq = 0x7fffffff;
	assert_int_equal(hn_topo_update(t, &l, 0), 1);
	assert_int_equal(hn_topo_count(t), 1);
	assert_ptr_equal(hn_topo_at(t, 0), hn_topo_get(t, B));
	assert_null(hn_topo_at(t, 1));
	assert_null(hn_topo_get(t, C));
	hn_topo_free(t);
}

static void test_expiry(void **state)
{
	static const struct edge e[] = {
		{ A, B, 1, 1 },
		{ B, C, 1, 1 },
	};
	struct hn_topo *t = mesh(A, e, 2);
	struct hn_ctrl_lsa l = *hn_topo_get(t, C);

	/* all stored at 0 with 60 s; refresh C at 30 s */
	l.seq++;
	assert_int_equal(hn_topo_update(t, &l, 30 * SEC), 1);
	assert_int_equal(hn_topo_expire(t, 60 * SEC - 1), 0);
	assert_int_equal(routes(t), 2);
	assert_int_equal(hn_topo_expire(t, 60 * SEC), 2);
	assert_int_equal(hn_topo_count(t), 1);
	assert_non_null(hn_topo_get(t, C));
	assert_int_equal(hn_topo_expire(t, 90 * SEC - 1), 0);
	assert_int_equal(hn_topo_expire(t, 90 * SEC), 1);
	assert_int_equal(hn_topo_count(t), 0);
	/* a clock behind the stored time expires nothing */
	lsa_init(&l, D, 1);
	assert_int_equal(hn_topo_update(t, &l, 100 * SEC), 1);
	assert_int_equal(hn_topo_expire(t, 5 * SEC), 0);
	/* lifetime 0 flushes at the next expiry */
	l.seq++;
	l.lifetime_s = 0;
	assert_int_equal(hn_topo_update(t, &l, 100 * SEC), 1);
	assert_int_equal(hn_topo_expire(t, 100 * SEC), 1);
	hn_topo_free(t);
}

/* Without B the diamond's D goes through C; without self, no routes. */
static void test_remove(void **state)
{
	static const struct edge e[] = {
		{ A, B, 1, 1 },
		{ B, D, 1, 1 },
		{ A, C, 2, 2 },
		{ C, D, 1, 1 },
	};
	struct hn_topo *t = mesh(A, e, 4);
	unsigned int n;

	assert_int_equal(hn_topo_remove(t, B), 0);
	assert_int_equal(hn_topo_remove(t, B), -ENOENT);
	n = routes(t);
	assert_int_equal(n, 2);
	expect(n, D, 3, 2, 1, C, 3, 2);
	expect(n, C, 2, 1, 1, C, 2, 1);
	assert_int_equal(hn_topo_remove(t, A), 0);
	n = 7;
	assert_int_equal(hn_topo_routes(t, rt, HN_TOPO_MAX_NODES, &n), -ENOENT);
	assert_int_equal(n, 0);
	hn_topo_free(t);
}

/* At most @max routes are written, the lowest dsts. */
static void test_routes_max(void **state)
{
	static const struct edge e[] = {
		{ A, B, 1, 1 },
		{ A, C, 1, 1 },
		{ A, D, 1, 1 },
	};
	struct hn_topo *t = mesh(A, e, 3);
	unsigned int n;

	assert_int_equal(hn_topo_routes(t, rt, 2, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(rt[0].dst, B);
	assert_int_equal(rt[1].dst, C);
	assert_int_equal(hn_topo_routes(t, NULL, 0, &n), 0);
	assert_int_equal(n, 0);
	hn_topo_free(t);
}

/* Whatever was in the buffer, the same LSAs give the same bytes. */
static void test_routes_memcmp(void **state)
{
	static const struct edge e[] = {
		{ A, B, 1, 1 },
		{ B, D, 1, 1 },
		{ A, C, 2, 2 },
		{ C, D, 1, 1 },
	};
	static struct hn_topo_route other[4];
	struct hn_topo *t = mesh(A, e, 4);
	unsigned int n, m;

	memset(rt, 0xa5, sizeof(rt[0]) * 4);
	memset(other, 0x5a, sizeof(other));
	assert_int_equal(hn_topo_routes(t, rt, 4, &n), 0);
	assert_int_equal(hn_topo_routes(t, other, 4, &m), 0);
	assert_int_equal(n, 3);
	assert_int_equal(m, 3);
	assert_memory_equal(rt, other, sizeof(other[0]) * n);
	hn_topo_free(t);
}

static void test_validation(void **state)
{
	struct hn_topo *t = hn_topo_new(A);
	struct hn_ctrl_lsa l, ok;

	lsa_init(&ok, B, 1);
	lsa_add(&ok, C, 1);
	lsa_add(&ok, D, 1);
	ok.n_stages = 2;
	l = ok;
	l.links[1].node = B; /* self-link */
	assert_int_equal(hn_topo_update(t, &l, 0), -EINVAL);
	l = ok;
	l.links[1].node = C; /* duplicate */
	assert_int_equal(hn_topo_update(t, &l, 0), -EINVAL);
	l = ok;
	l.links[0].cost = 0;
	assert_int_equal(hn_topo_update(t, &l, 0), -EINVAL);
	l = ok;
	l.links[0].node = 0;
	assert_int_equal(hn_topo_update(t, &l, 0), -EINVAL);
	l = ok;
	l.origin = 0;
	assert_int_equal(hn_topo_update(t, &l, 0), -EINVAL);
	l = ok;
	l.n_links = HN_LSA_MAX_LINKS + 1;
	assert_int_equal(hn_topo_update(t, &l, 0), -EINVAL);
	l = ok;
	l.n_stages = HN_LSA_MAX_STAGES + 1;
	assert_int_equal(hn_topo_update(t, &l, 0), -EINVAL);
	assert_int_equal(hn_topo_count(t), 0);
	/* a refused LSA does not shadow a later good one */
	assert_int_equal(hn_topo_update(t, &ok, 0), 1);
	/* the limits themselves are fine */
	lsa_init(&l, C, 1);
	while (l.n_links < HN_LSA_MAX_LINKS)
		lsa_add(&l, 1000 + l.n_links, 65535);
	l.n_stages = HN_LSA_MAX_STAGES;
	assert_int_equal(hn_topo_update(t, &l, 0), 1);
	hn_topo_free(t);
}

static void test_full(void **state)
{
	struct hn_topo *t = hn_topo_new(A);
	struct hn_ctrl_lsa l;
	unsigned int i;

	for (i = 0; i < HN_TOPO_MAX_NODES; i++) {
		lsa_init(&l, i + 1, 1);
		assert_int_equal(hn_topo_update(t, &l, 0), 1);
	}
	lsa_init(&l, HN_TOPO_MAX_NODES + 1, 1);
	assert_int_equal(hn_topo_update(t, &l, 0), -ENOSPC);
	lsa_init(&l, 7, 2); /* held origins still update */
	assert_int_equal(hn_topo_update(t, &l, 0), 1);
	assert_int_equal(hn_topo_remove(t, 7), 0);
	lsa_init(&l, HN_TOPO_MAX_NODES + 1, 1);
	assert_int_equal(hn_topo_update(t, &l, 0), 1);
	assert_int_equal(hn_topo_count(t), HN_TOPO_MAX_NODES);
	hn_topo_free(t);
}

/* ---- DOT and JSON ------------------------------------------------------ */

/*
 * 1-2 costs 3/4, 2-3 costs 1; 1->3 only one way, 9 alone.  2 sends at
 * half the capacity of its link to 1 and fills its link to 3.
 */
static struct hn_topo *small(void)
{
	static const struct edge e[] = {
		{ 2, 1, 3, 4 },
		{ 2, 3, 1, 1 },
		{ 1, 3, 5, 0 },
		{ 9, 3, 1, 0 },
	};
	struct hn_topo *t = mesh(1, e, 4);
	struct hn_ctrl_lsa l = *hn_topo_get(t, 2);

	l.seq = 7;
	l.load = 12;
	l.capacity = 34;
	l.model_gen = 5000000000ULL;
	l.n_stages = 2;
	l.stages[0] = 1;
	l.stages[1] = 4;
	l.links[0].quality = 90; /* the worse end's quality is shown */
	l.flags = HN_LSA_F_UTIL | HN_LSA_F_RATES;
	l.rates[0] = (struct hn_ctrl_rate){ 250000, 400, 3 };
	l.links[0].util = 128;
	l.links[1].util = 255;
	assert_int_equal(hn_topo_update(t, &l, 0), 1);
	return t;
}

static void test_dot(void **state)
{
	static const char want[] =
		"graph hypernet {\n"
		"\t\"1\" [label=\"1\", style=filled, fillcolor=lightblue];\n"
		"\t\"2\" [label=\"2\"];\n"
		"\t\"3\" [label=\"3\"];\n"
		"\t\"9\" [label=\"9\"];\n"
		"\t\"1\" -- \"2\" [label=\"4\\n0% / 50%\"];\n"
		"\t\"2\" -- \"3\" [label=\"1\\n100% / 0%\"];\n"
		"}\n";
	struct hn_topo *t = small();
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	hn_topo_dot(t, NULL, f);
	fclose(f);
	assert_string_equal(buf, want);
	free(buf);
	hn_topo_free(t);
}

/* With a names file: labels by name where it has one, keys by id. */
static void test_dot_names(void **state)
{
	static const char names_txt[] = "1 gw\n3 mast-3\n";
	struct hn_topo *t = small();
	struct hn_names *n;
	char *buf = NULL, err[128];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_int_equal(hn_names_parse(&n, names_txt, sizeof(names_txt) - 1,
					err, sizeof(err)),
			 0);
	assert_non_null(f);
	hn_topo_dot(t, n, f);
	fclose(f);
	assert_non_null(strstr(
		buf,
		"\t\"1\" [label=\"gw\", style=filled, fillcolor=lightblue];\n"));
	assert_non_null(strstr(buf, "\t\"2\" [label=\"2\"];\n"));
	assert_non_null(strstr(buf, "\t\"3\" [label=\"mast-3\"];\n"));
	assert_non_null(strstr(buf, "\t\"2\" -- \"3\" [label="));
	free(buf);
	hn_names_free(n);
	hn_topo_free(t);
}

static void test_json(void **state)
{
	static const char want[] =
		"{\"self\":1,\"nodes\":["
		"{\"id\":1,\"seq\":1,\"load\":0,\"capacity\":0,"
		"\"model_gen\":0,\"stages\":[],\"rates\":[]},"
		"{\"id\":2,\"seq\":7,\"load\":12,\"capacity\":34,"
		"\"model_gen\":5000000000,\"stages\":[1,4],\"rates\":["
		"{\"stage\":1,\"ns_per_item\":250000,\"busy_pm\":400,\"queue\":3},"
		"{\"stage\":4,\"ns_per_item\":0,\"busy_pm\":0,\"queue\":0}]},"
		"{\"id\":3,\"seq\":1,\"load\":0,\"capacity\":0,"
		"\"model_gen\":0,\"stages\":[],\"rates\":[]},"
		"{\"id\":9,\"seq\":1,\"load\":0,\"capacity\":0,"
		"\"model_gen\":0,\"stages\":[],\"rates\":[]}],"
		"\"links\":["
		"{\"a\":1,\"b\":2,\"cost\":4,\"quality\":90,"
		"\"util_ab\":0,\"util_ba\":128},"
		"{\"a\":2,\"b\":3,\"cost\":1,\"quality\":200,"
		"\"util_ab\":255,\"util_ba\":0}]}\n";
	struct hn_topo *t = small();
	struct jsonw jw;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	jsonw_init(&jw, f);
	hn_topo_json(t, &jw);
	fclose(f);
	assert_string_equal(buf, want);
	free(buf);
	hn_topo_free(t);
}

/* ---- random graphs against Floyd-Warshall ------------------------------ */

#define RG_MAX 64
#define RG_INF UINT64_MAX

struct rgraph {
	unsigned int n;
	__u32 id[RG_MAX]; /* ascending */
	struct hn_ctrl_lsa lsa[RG_MAX];
	__u32 w[RG_MAX][RG_MAX]; /* bidirectional cost, 0: none */
	uint64_t dist[RG_MAX][RG_MAX]; /* Floyd-Warshall on (cost, hops) */
	unsigned int hops[RG_MAX][RG_MAX];
	struct hn_topo_route rt[RG_MAX][RG_MAX]; /* each node's */
	unsigned int n_rt[RG_MAX];
};

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return (x > y) - (x < y);
}

static void rg_ids(struct rgraph *g)
{
	unsigned int i, j;

	for (i = 0; i < g->n; i++) {
		do {
			g->id[i] = (__u32)hn_t_rand();
			for (j = 0; j < i && g->id[j] != g->id[i]; j++)
				;
		} while (!g->id[i] || j < i);
	}
	qsort(g->id, g->n, sizeof(g->id[0]), cmp_u32);
	for (i = 0; i < g->n; i++) {
		lsa_init(&g->lsa[i], g->id[i], (__u32)hn_t_rand());
		g->lsa[i].lifetime_s = 60;
	}
}

/* A node id nobody holds an LSA for. */
static __u32 rg_phantom(const struct rgraph *g)
{
	__u32 id;

	do
		id = (__u32)hn_t_rand();
	while (!id || bsearch(&id, g->id, g->n, sizeof(id), cmp_u32));
	return id;
}

/* Some links one way only, some to nodes without an LSA, costs uneven. */
static void rg_links(struct rgraph *g, double p, int cmax)
{
	unsigned int i, j;

	memset(g->w, 0, sizeof(g->w));
	for (i = 0; i < g->n; i++)
		for (j = i + 1; j < g->n; j++) {
			__u16 ab = hn_t_range(1, cmax), ba = ab;

			if (hn_t_unit() >= p)
				continue;
			if (hn_t_rand() & 1)
				ba = hn_t_range(1, cmax);
			switch (hn_t_rand() % 10) {
			case 0:
				lsa_add(&g->lsa[i], g->id[j], ab);
				continue;
			case 1:
				lsa_add(&g->lsa[j], g->id[i], ba);
				continue;
			}
			lsa_add(&g->lsa[i], g->id[j], ab);
			lsa_add(&g->lsa[j], g->id[i], ba);
			g->w[i][j] = g->w[j][i] = ab > ba ? ab : ba;
		}
	for (i = 0; i < g->n; i++)
		if (hn_t_rand() % 8 == 0)
			lsa_add(&g->lsa[i], rg_phantom(g), 1);
}

static void rg_floyd(struct rgraph *g)
{
	unsigned int i, j, k;

	for (i = 0; i < g->n; i++)
		for (j = 0; j < g->n; j++) {
			g->dist[i][j] = i == j	   ? 0 :
					g->w[i][j] ? g->w[i][j] :
						     RG_INF;
			g->hops[i][j] = i != j;
		}
	for (k = 0; k < g->n; k++)
		for (i = 0; i < g->n; i++)
			for (j = 0; j < g->n; j++) {
				uint64_t d;
				unsigned int h;

				if (g->dist[i][k] == RG_INF ||
				    g->dist[k][j] == RG_INF)
					continue;
				d = g->dist[i][k] + g->dist[k][j];
				h = g->hops[i][k] + g->hops[k][j];
				if (d < g->dist[i][j] ||
				    (d == g->dist[i][j] && h < g->hops[i][j])) {
					g->dist[i][j] = d;
					g->hops[i][j] = h;
				}
			}
}

static unsigned int rg_index(const struct rgraph *g, __u32 id)
{
	const __u32 *p = bsearch(&id, g->id, g->n, sizeof(id), cmp_u32);

	assert_non_null(p);
	return p - g->id;
}

static const struct hn_topo_route *rg_route(const struct rgraph *g,
					    unsigned int x, unsigned int d)
{
	unsigned int i;

	for (i = 0; i < g->n_rt[x]; i++)
		if (g->rt[x][i].dst == g->id[d])
			return &g->rt[x][i];
	fail_msg("no route %u -> %u", x, d);
	return NULL;
}

/* The candidates of x to d, as the header defines them. */
static unsigned int rg_cands(const struct rgraph *g, unsigned int x,
			     unsigned int d, struct hn_topo_route *r)
{
	unsigned int y, k, all = 0;

	r->n_cand = 0;
	for (y = 0; y < g->n; y++) {
		struct hn_topo_cand c;

		if (!g->w[x][y] || g->dist[y][d] >= g->dist[x][d])
			continue;
		c.neigh = g->id[y];
		c.cost = g->w[x][y] + g->dist[y][d];
		c.hops = 1 + g->hops[y][d];
		all++;
		/* insertion into the sorted array, truncated */
		for (k = r->n_cand; k > 0; k--) {
			const struct hn_topo_cand *p = &r->cand[k - 1];

			if (p->cost < c.cost ||
			    (p->cost == c.cost &&
			     (p->hops < c.hops ||
			      (p->hops == c.hops && p->neigh < c.neigh))))
				break;
			if (k < HN_TOPO_MAX_CAND)
				r->cand[k] = *p;
		}
		if (k < HN_TOPO_MAX_CAND) {
			r->cand[k] = c;
			if (r->n_cand < HN_TOPO_MAX_CAND)
				r->n_cand++;
		}
	}
	return all;
}

static void rg_cands_equal(const struct hn_topo_route *r,
			   const struct hn_topo_route *want)
{
	unsigned int i;

	for (i = 0; i < want->n_cand; i++) {
		assert_int_equal(r->cand[i].neigh, want->cand[i].neigh);
		assert_int_equal(r->cand[i].cost, want->cand[i].cost);
		assert_int_equal(r->cand[i].hops, want->cand[i].hops);
	}
}

/* Routes of x match the Floyd-Warshall answer exactly. */
static unsigned int rg_check_routes(struct rgraph *g, unsigned int x)
{
	struct hn_topo_route want;
	unsigned int d, m = 0, trunc = 0;

	for (d = 0; d < g->n; d++) {
		const struct hn_topo_route *r;

		if (d == x || g->dist[x][d] == RG_INF)
			continue;
		assert_true(m < g->n_rt[x]);
		r = &g->rt[x][m++];
		assert_int_equal(r->dst, g->id[d]);
		assert_int_equal(r->cost, g->dist[x][d]);
		assert_int_equal(r->hops, g->hops[x][d]);
		assert_int_equal(r->def, 0);
		trunc += rg_cands(g, x, d, &want) > HN_TOPO_MAX_CAND;
		assert_int_equal(r->n_cand, want.n_cand);
		rg_cands_equal(r, &want);
	}
	assert_int_equal(m, g->n_rt[x]);
	return trunc;
}

/*
 * From x to d taking cand[first] and then, at every hop, a random
 * candidate (or the default): each step lowers the true distance, no
 * node comes twice, and d is reached within n - 1 hops.  Returns the
 * hops taken and adds the cost to *cost.
 */
static unsigned int rg_walk(const struct rgraph *g, unsigned int x,
			    unsigned int d, unsigned int first, int random,
			    uint64_t *cost)
{
	uint64_t seen = 0;
	unsigned int hops = 0, pick = first;

	while (x != d) {
		const struct hn_topo_route *r = rg_route(g, x, d);
		unsigned int y;

		assert_true(pick < r->n_cand);
		y = rg_index(g, r->cand[pick].neigh);
		assert_true(g->w[x][y] != 0);
		assert_true(g->dist[y][d] < g->dist[x][d]);
		assert_false(seen & 1ULL << x);
		seen |= 1ULL << x;
		*cost += g->w[x][y];
		x = y;
		hops++;
		assert_true(hops < g->n);
		if (x != d) {
			r = rg_route(g, x, d);
			pick = random ? hn_t_rand() % r->n_cand : r->def;
		}
	}
	return hops;
}

static void rg_check_walks(const struct rgraph *g, unsigned int x)
{
	unsigned int i, k;

	for (i = 0; i < g->n_rt[x]; i++) {
		const struct hn_topo_route *r = &g->rt[x][i];
		unsigned int d = rg_index(g, r->dst);
		uint64_t cost = 0;

		/* the default at every hop is the shortest path */
		assert_int_equal(rg_walk(g, x, d, r->def, 0, &cost), r->hops);
		assert_int_equal(cost, r->cost);
		for (k = 0; k < r->n_cand; k++) {
			/* cand[k] then defaults: its own cost and hops */
			cost = 0;
			assert_int_equal(rg_walk(g, x, d, k, 0, &cost),
					 r->cand[k].hops);
			assert_int_equal(cost, r->cand[k].cost);
			cost = 0;
			rg_walk(g, x, d, k, 1, &cost);
		}
	}
}

/* Every node's routes, from a database filled in a random order. */
static void rg_route_all(struct rgraph *g)
{
	unsigned int x, i, order[RG_MAX];

	for (i = 0; i < g->n; i++)
		order[i] = i;
	for (x = 0; x < g->n; x++) {
		struct hn_topo *t = hn_topo_new(g->id[x]);

		assert_non_null(t);
		for (i = g->n - 1; i > 0; i--) {
			unsigned int j = hn_t_rand() % (i + 1), s = order[i];

			order[i] = order[j];
			order[j] = s;
		}
		for (i = 0; i < g->n; i++)
			assert_int_equal(
				hn_topo_update(t, &g->lsa[order[i]], 0), 1);
		assert_int_equal(
			hn_topo_routes(t, g->rt[x], RG_MAX, &g->n_rt[x]), 0);
		hn_topo_free(t);
	}
}

static void test_random_graphs(void **state)
{
	static const int cmax[] = { 1, 3, 100, 65535 };
	struct rgraph *g = calloc(1, sizeof(*g));
	unsigned int iter, x, trunc = 0, multi = 0;

	assert_non_null(g);
	hn_t_seed(0x746f706f);
	for (iter = 0; iter < 200; iter++) {
		g->n = hn_t_range(10, RG_MAX);
		rg_ids(g);
		/* mostly sparse meshes, now and then dense ones */
		rg_links(g, iter % 5 ? 3.0 / g->n : 0.5, cmax[iter % 4]);
		rg_floyd(g);
		rg_route_all(g);
		for (x = 0; x < g->n; x++) {
			unsigned int i;

			trunc += rg_check_routes(g, x);
			rg_check_walks(g, x);
			for (i = 0; i < g->n_rt[x]; i++)
				multi += g->rt[x][i].n_cand > 1;
		}
	}
	/* the generator must exercise what it is meant to */
	print_message("random graphs: %u routes with several candidates, "
		      "%u truncated\n",
		      multi, trunc);
	assert_true(multi > 1000);
	assert_true(trunc > 100);
	free(g);
}

/* ---- timing ------------------------------------------------------------ */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Link a and b (0-based) both ways unless full or linked already. */
static void timing_link(struct hn_ctrl_lsa *l, unsigned int a, unsigned int b)
{
	__u16 c = hn_t_range(1, 100);
	unsigned int i;

	if (a == b || l[a].n_links >= HN_LSA_MAX_LINKS ||
	    l[b].n_links >= HN_LSA_MAX_LINKS)
		return;
	for (i = 0; i < l[a].n_links; i++)
		if (l[a].links[i].node == b + 1)
			return;
	lsa_add(&l[a], b + 1, c);
	lsa_add(&l[b], a + 1, c);
}

/*
 * Nodes 1..@n: a ring (so all connected) plus @chords random links; node
 * 1 gets HN_LSA_MAX_LINKS neighbours if @hub.
 */
static void timing_mesh(struct hn_ctrl_lsa *l, unsigned int n,
			unsigned int chords, int hub)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		lsa_init(&l[i], i + 1, 1);
	for (i = 0; i < n; i++)
		timing_link(l, i, (i + 1) % n);
	while (hub && l[0].n_links < HN_LSA_MAX_LINKS)
		timing_link(l, 0, hn_t_rand() % n);
	for (i = 0; i < chords; i++)
		timing_link(l, hn_t_rand() % n, hn_t_rand() % n);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Best of 3 calls, so a preempted run does not count as slow code. */
static double time_one(const struct hn_topo *t, unsigned int *n_rt)
{
	double best = 1e9, t0;
	int k;

	for (k = 0; k < 3; k++) {
		t0 = now_ms();
		assert_int_equal(hn_topo_routes(t, rt, HN_TOPO_MAX_NODES, n_rt),
				 0);
		t0 = now_ms() - t0;
		if (t0 < best)
			best = t0;
	}
	return best;
}

/*
 * hn_topo_routes() in ms with nodes 1..@selves of the mesh as self,
 * sorted into @ms: every node must reach all others.
 */
static void time_routes(const struct hn_ctrl_lsa *l, unsigned int n,
			unsigned int selves, double *ms)
{
	unsigned int s, i, n_rt;

	for (s = 0; s < selves; s++) {
		struct hn_topo *t = hn_topo_new(s + 1);

		assert_non_null(t);
		for (i = 0; i < n; i++)
			assert_int_equal(hn_topo_update(t, &l[i], 0), 1);
		ms[s] = time_one(t, &n_rt);
		assert_int_equal(n_rt, n - 1);
		hn_topo_free(t);
	}
	qsort(ms, selves, sizeof(*ms), cmp_double);
}

static void test_timing(void **state)
{
	struct hn_ctrl_lsa *l = calloc(HN_TOPO_MAX_NODES, sizeof(*l));
	double ms[256];

	assert_non_null(l);
	hn_t_seed(0x74696d65);
	/* 256 nodes, degree ~4: ring plus 256 chords */
	timing_mesh(l, 256, 256, 0);
	time_routes(l, 256, 256, ms);
	print_message("routes, 256 nodes degree ~4: median %.3f ms, "
		      "worst %.3f ms of 256 selves\n",
		      ms[128], ms[255]);
	if (!RUNNING_ON_VALGRIND)
		assert_true(ms[255] < 50);
	/* the limits: 1024 nodes degree ~8, node 1 with 64 neighbours */
	timing_mesh(l, 1024, 3072, 1);
	assert_int_equal(l[0].n_links, HN_LSA_MAX_LINKS);
	time_routes(l, 1024, 1, ms);
	print_message("routes, 1024 nodes, self with 64 neighbours: %.3f ms\n",
		      ms[0]);
	free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diamond),
		cmocka_unit_test(test_ties),
		cmocka_unit_test(test_load_cost),
		cmocka_unit_test(test_line),
		cmocka_unit_test(test_ring),
		cmocka_unit_test(test_unidirectional),
		cmocka_unit_test(test_asymmetric),
		cmocka_unit_test(test_disconnected),
		cmocka_unit_test(test_cand_truncated),
		cmocka_unit_test(test_seq),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_routes_max),
		cmocka_unit_test(test_routes_memcmp),
		cmocka_unit_test(test_validation),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_dot),
		cmocka_unit_test(test_dot_names),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_random_graphs),
		cmocka_unit_test(test_timing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
