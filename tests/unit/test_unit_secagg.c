// SPDX-License-Identifier: GPL-2.0
/*
 * Secure aggregation end to end, n = 16 and 64 simulated nodes: the
 * unmasked sum equals the plain sum of the surviving nodes' clipped,
 * rounded updates bit for bit with 0, 1 and 30 % of nodes dropping after
 * each phase; below the threshold the masks stay (and a t-1 recovery,
 * tried, fails); replayed, forged and out-of-place messages are refused;
 * an active aggregator that shows nodes different survivor sets, or
 * forges or replays their consistency signatures, learns no share.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <math.h>
#include <cmocka.h>

#include "sa_fixed.h"
#include "sa_sim.h"

#define DIM 1000
#define CLIP 4.0

static char err[256];

/* Node i's update: a few coordinates past the clip, the rest small. */
static void make_inputs(struct hn_sa_sim *s)
{
	double scale = hn_sa_fxp_max_scale(s->cfg.n, CLIP);
	float x[DIM];
	uint8_t seed[32] = { 0 };
	unsigned int i, w;

	for (i = 0; i < s->cfg.n; i++) {
		for (w = 0; w < DIM; w++)
			x[w] = sinf(i * 31 + w * 0.7f) * (w % 97 ? 0.05f : 3.f);
		seed[0] = i;
		seed[1] = i >> 8;
		assert_int_equal(hn_sa_fxp_encode(x, DIM, CLIP, scale, seed,
						  s->q[i]),
				 0);
	}
}

static void sim_round(struct hn_sa_sim *s, unsigned int n,
		      unsigned int drop_permille, uint32_t round)
{
	unsigned int k, t;

	hn_sa_choose(n, drop_permille, &k, &t);
	assert_int_equal(hn_sa_sim_init(s, n, k, t, DIM, round), 0);
	make_inputs(s);
}

static void sim_setup(struct hn_sa_sim *s, unsigned int n,
		      unsigned int drop_permille)
{
	sim_round(s, n, drop_permille, 5);
}

/* One round with @count nodes dropping at @where: exact, or fails. */
static void round_exact(unsigned int n, unsigned int drop_permille,
			unsigned int count, enum hn_sa_drop where)
{
	uint32_t sum[DIM], want[DIM];
	unsigned int got_n, want_n;
	struct hn_sa_sim s;
	int ret;

	sim_setup(&s, n, drop_permille);
	hn_sa_sim_drop(&s, count, where, n + count + where);
	ret = hn_sa_sim_run(&s, sum, &got_n, err, sizeof(err));
	if (ret)
		fail_msg("n %u k %u drop %u at %d: %s", n, s.cfg.k, count,
			 where, err);
	hn_sa_sim_expected(&s, want, &want_n);
	assert_int_equal(got_n, want_n);
	assert_int_equal(want_n, n - (where >= HN_SA_AFTER_MASK ? 0 : count));
	assert_memory_equal(sum, want, sizeof(sum));
	print_message("n %u k %u t %u: %u dropped after phase %d: %u summed, "
		      "exact\n",
		      n, s.cfg.k, s.cfg.t, count, where, got_n);
	hn_sa_sim_free(&s);
}

static void drops_at_each_phase(unsigned int n, unsigned int drop_permille,
				unsigned int many)
{
	enum hn_sa_drop w;

	round_exact(n, drop_permille, 0, HN_SA_STAY);
	for (w = HN_SA_AFTER_ADV; w <= HN_SA_AFTER_CONSIST; w++) {
		round_exact(n, drop_permille, 1, w);
		round_exact(n, drop_permille, many, w);
	}
}

/* 30 %, rounded up: 5 of 16, 20 of 64; parameters chosen for 30 %. */
static void test_n16(void **state)
{
	drops_at_each_phase(16, 300, 5);
}

static void test_n64(void **state)
{
	drops_at_each_phase(64, 300, 20);
}

/* The sparse graph: n = 64 chosen for 5 % dropouts (k = 20, t = 11). */
static void test_n64_sparse(void **state)
{
	unsigned int k, t;

	hn_sa_choose(64, 50, &k, &t);
	assert_int_equal(k, 20);
	assert_int_equal(t, 11);
	drops_at_each_phase(64, 50, 4);
}

/* Degree grows with log n at a fixed dropout rate (federated.rst). */
static void test_choose(void **state)
{
	static const unsigned int want[][4] = {
		{ 16, 300, 15, 8 },	 { 64, 300, 63, 32 },
		{ 64, 100, 32, 17 },	 { 256, 300, 196, 99 },
		{ 1024, 100, 38, 20 },	 { 4096, 50, 26, 14 },
		{ 4096, 300, 228, 115 },
	};
	unsigned int i, k, t;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		hn_sa_choose(want[i][0], want[i][1], &k, &t);
		assert_int_equal(k, want[i][2]);
		assert_int_equal(t, want[i][3]);
	}
}

/* The graph: degree k everywhere, symmetric, the same for every node. */
static void test_graph(void **state)
{
	struct hn_sa_sim s;
	unsigned int i, j, deg;

	sim_setup(&s, 64, 50);
	assert_int_equal(hn_sa_ctx_init(&s.agg.ctx, &s.cfg, 100, s.id_sk[0],
					err, sizeof(err)),
			 0);
	for (i = 0; i < 64; i++) {
		for (j = 0, deg = 0; j < 64; j++) {
			deg += hn_sa_neighbours(&s.agg.ctx, i, j);
			assert_int_equal(hn_sa_neighbours(&s.agg.ctx, i, j),
					 hn_sa_neighbours(&s.agg.ctx, j, i));
		}
		assert_int_equal(deg, 20);
	}
	/* every node draws the same ring; another round, another ring */
	assert_int_equal(hn_sa_ctx_init(&s.nodes[0].ctx, &s.cfg, 163,
					s.id_sk[9], err, sizeof(err)),
			 0);
	assert_memory_equal(s.agg.ctx.pos, s.nodes[0].ctx.pos, 64 * 4);
	hn_sa_ctx_free(&s.nodes[0].ctx);
	s.cfg.round++;
	assert_int_equal(hn_sa_ctx_init(&s.nodes[0].ctx, &s.cfg, 100,
					s.id_sk[0], err, sizeof(err)),
			 0);
	assert_memory_not_equal(s.agg.ctx.pos, s.nodes[0].ctx.pos, 64 * 4);
	hn_sa_ctx_free(&s.nodes[0].ctx);
	hn_sa_sim_free(&s);
}

/*
 * 9 of 16 drop after signing U3: 7 holders answer, t = 8.
 * finish() refuses, and interpolating the 7 b shares of a node held,
 * tried here, gives a seed whose mask does not come off.
 */
static void test_below_threshold(void **state)
{
	uint32_t sum[DIM], want[DIM], guess[DIM];
	struct hn_shamir_share *got;
	uint8_t b[HN_SHAMIR_LEN], commit[HN_SA_KEY_LEN];
	unsigned int n_summed, want_n, i;
	struct hn_sa_sim s;

	sim_setup(&s, 16, 300);
	assert_int_equal(s.cfg.t, 8);
	hn_sa_sim_drop(&s, 9, HN_SA_AFTER_CONSIST, 3);
	assert_int_equal(hn_sa_sim_run(&s, sum, &n_summed, err, sizeof(err)),
			 -EAGAIN);
	assert_non_null(strstr(err, "threshold 8: masks stay"));
	for (i = 0; i < DIM; i++)
		assert_int_equal(sum[i], 0);
	hn_sa_sim_expected(&s, want, &want_n);
	for (i = 0; i < 16; i++) {
		got = s.agg.peer[i].got;
		assert_true(s.agg.peer[i].n_got < 8);
		assert_int_equal(hn_shamir_combine(got, s.agg.peer[i].n_got, 8,
						   b),
				 -EINVAL);
		assert_int_equal(hn_shamir_combine(got, s.agg.peer[i].n_got,
						   s.agg.peer[i].n_got, b),
				 0);
		hn_sa_commit(&s.agg.ctx, s.roster[i].id, b, commit);
		assert_memory_not_equal(
			commit, s.agg.peer[i].adv + HN_SA_HDR_LEN + 64, 32);
		memcpy(guess, want, sizeof(guess));
		assert_int_equal(hn_sa_prg_add(b, 0, guess, DIM), 0);
		assert_int_equal(hn_sa_prg_add(s.nodes[i].b, 1, guess, DIM), 0);
		assert_memory_not_equal(guess, want, sizeof(guess));
	}
	hn_sa_sim_free(&s);
}

static void expect(int got, int want, const char *why)
{
	assert_int_equal(got, want);
	if (!strstr(err, why))
		fail_msg("error '%s' lacks '%s'", err, why);
}

/* A holder (node 5) lies about one b share it reveals, and re-signs. */
static void corrupt_unmask(struct hn_sa_sim *s, unsigned int i, uint8_t *msg,
			   size_t len)
{
	if (i != 5 || msg[1] != HN_SA_UNMASK)
		return;
	hn_sa_msg_items(msg)[7 + 3] ^= 0x40;
	assert_int_equal(hn_sa_msg_sign(msg, len, s->id_sk[5]), 0);
	*(int *)s->priv += 1;
}

/* The commitment catches the lie; other shares still give the sum. */
static void test_corrupt_share(void **state)
{
	uint32_t sum[DIM], want[DIM];
	unsigned int n_summed, want_n;
	struct hn_sa_sim s;
	int called = 0;

	sim_setup(&s, 16, 300);
	s.tamper = corrupt_unmask;
	s.priv = &called;
	assert_int_equal(hn_sa_sim_run(&s, sum, &n_summed, err, sizeof(err)),
			 0);
	assert_int_equal(called, 1);
	hn_sa_sim_expected(&s, want, &want_n);
	assert_memory_equal(sum, want, sizeof(sum));
	hn_sa_sim_free(&s);
}

/* Node 5 asks for the wrong secret in its last item, and re-signs. */
static void bad_last_item(struct hn_sa_sim *s, unsigned int i, uint8_t *msg,
			  size_t len)
{
	struct hn_sa_msg m;

	if (i != 5 || msg[1] != HN_SA_UNMASK)
		return;
	assert_int_equal(hn_sa_msg_parse(msg, len, &m, err, sizeof(err)), 0);
	hn_sa_msg_items(msg)[(m.count - 1) * HN_SA_UNMASK_ITEM + 4] ^= 1;
	assert_int_equal(hn_sa_msg_sign(msg, len, s->id_sk[5]), 0);
}

/* The message is refused whole: none of node 5's shares are kept. */
static void test_bad_unmask_item(void **state)
{
	uint32_t sum[DIM];
	unsigned int n_summed, i, j;
	struct hn_sa_sim s;

	sim_setup(&s, 16, 300);
	s.tamper = bad_last_item;
	expect(hn_sa_sim_run(&s, sum, &n_summed, err, sizeof(err)), -EPROTO,
	       "from 135: wrong kind or x");
	for (i = 0; i < 16; i++)
		for (j = 0; j < s.agg.peer[i].n_got; j++)
			assert_int_not_equal(s.agg.peer[i].got[j].x, 6);
	assert_int_equal(s.agg.peer[0].n_got, 4);
	hn_sa_sim_free(&s);
}

/* Adverts of another round, relabelled, forged, repeated, late. */
static void test_replayed_adverts(void **state)
{
	struct hn_sa_agg ag5, ag6;
	struct hn_sa_config c6;
	struct hn_sa_sim s;
	uint8_t *adv, *adv2;
	size_t len, len2;

	sim_setup(&s, 16, 300);
	c6 = s.cfg;
	c6.round = 6;
	assert_int_equal(hn_sa_agg_init(&ag5, &s.cfg, s.id_sk[0], err, 256), 0);
	assert_int_equal(hn_sa_agg_init(&ag6, &c6, s.id_sk[0], err, 256), 0);
	assert_int_equal(hn_sa_node_init(&s.nodes[3], &s.cfg, s.roster[3].id,
					 s.id_sk[3], err, 256),
			 0);
	assert_int_equal(
		hn_sa_node_advertise(&s.nodes[3], &adv, &len, err, 256), 0);
	expect(hn_sa_node_advertise(&s.nodes[3], &adv2, &len2, err, 256),
	       -EPROTO, "out of order");
	expect(hn_sa_agg_add_advertise(&ag6, adv, len, err, 256), -EPROTO,
	       "round 5, not 6");
	hn_sa_put32(adv + 4, 6);
	expect(hn_sa_agg_add_advertise(&ag6, adv, len, err, 256), -EBADMSG,
	       "bad signature");
	hn_sa_put32(adv + 4, 5);
	hn_sa_put32(adv + 8, s.roster[4].id);
	expect(hn_sa_agg_add_advertise(&ag5, adv, len, err, 256), -EBADMSG,
	       "bad signature");
	hn_sa_put32(adv + 8, 5);
	expect(hn_sa_agg_add_advertise(&ag5, adv, len, err, 256), -EPROTO,
	       "not in the roster");
	hn_sa_put32(adv + 8, s.roster[3].id);
	assert_int_equal(hn_sa_agg_add_advertise(&ag5, adv, len, err, 256), 0);
	expect(hn_sa_agg_add_advertise(&ag5, adv, len, err, 256), -EALREADY,
	       "again");
	expect(hn_sa_agg_add_shares(&ag5, adv, len, err, 256), -EPROTO,
	       "advertise where shares was due");
	free(adv);
	hn_sa_agg_free(&ag5);
	hn_sa_agg_free(&ag6);
	hn_sa_sim_free(&s);
}

/* Run a round's first two phases by hand, up to the forwarded shares. */
static void two_phases(struct hn_sa_sim *s, uint8_t **list, size_t *llen)
{
	uint8_t *m;
	size_t len;
	unsigned int i;

	assert_int_equal(
		hn_sa_agg_init(&s->agg, &s->cfg, s->id_sk[0], err, 256), 0);
	for (i = 0; i < s->cfg.n; i++) {
		assert_int_equal(hn_sa_node_init(&s->nodes[i], &s->cfg,
						 s->roster[i].id, s->id_sk[i],
						 err, 256),
				 0);
		assert_int_equal(hn_sa_node_advertise(&s->nodes[i], &m, &len,
						      err, 256),
				 0);
		assert_int_equal(
			hn_sa_agg_add_advertise(&s->agg, m, len, err, 256), 0);
		free(m);
	}
	assert_int_equal(hn_sa_agg_adv_list(&s->agg, list, llen, err, 256), 0);
	for (i = 0; i < s->cfg.n; i++) {
		assert_int_equal(hn_sa_node_share(&s->nodes[i], *list, *llen,
						  &m, &len, err, 256),
				 0);
		assert_int_equal(
			hn_sa_agg_add_shares(&s->agg, m, len, err, 256), 0);
		free(m);
	}
}

/*
 * What a node refuses from the aggregator: a list not signed by it, a
 * forwarded share it altered or readdressed (the AEAD binds sender and
 * recipient), a second unmask.
 */
static void test_forged_by_aggregator(void **state)
{
	struct hn_sa_sim s;
	uint8_t *list, *fwd, *m, *req;
	size_t llen, flen, len, rlen;
	uint32_t id1;

	sim_setup(&s, 16, 300);
	two_phases(&s, &list, &llen);
	id1 = s.roster[1].id;
	assert_int_equal(hn_sa_agg_forward(&s.agg, id1, &fwd, &flen, err, 256),
			 0);
	/* signed by node 2, not by the aggregator */
	assert_int_equal(hn_sa_msg_sign(fwd, flen, s.id_sk[2]), 0);
	expect(hn_sa_node_mask(&s.nodes[1], fwd, flen, s.q[1], &m, &len, err,
			       256),
	       -EBADMSG, "bad signature");
	/* readdressed to node 2 */
	hn_sa_put32(fwd + HN_SA_HDR_LEN, s.roster[2].id);
	assert_int_equal(hn_sa_msg_sign(fwd, flen, s.id_sk[0]), 0);
	expect(hn_sa_node_mask(&s.nodes[2], fwd, flen, s.q[2], &m, &len, err,
			       256),
	       -EBADMSG, "do not open");
	/* one ciphertext byte altered */
	hn_sa_put32(fwd + HN_SA_HDR_LEN, id1);
	hn_sa_msg_items(fwd)[HN_SA_SHARE_ITEM + 20] ^= 1;
	assert_int_equal(hn_sa_msg_sign(fwd, flen, s.id_sk[0]), 0);
	expect(hn_sa_node_mask(&s.nodes[1], fwd, flen, s.q[1], &m, &len, err,
			       256),
	       -EBADMSG, "do not open");
	/* the list of round 5 handed over as the forwarded shares */
	expect(hn_sa_node_mask(&s.nodes[1], list, llen, s.q[1], &m, &len, err,
			       256),
	       -EPROTO, "advert-list where shares-fwd was due");
	hn_sa_msg_items(fwd)[HN_SA_SHARE_ITEM + 20] ^= 1;
	assert_int_equal(hn_sa_msg_sign(fwd, flen, s.id_sk[0]), 0);
	assert_int_equal(hn_sa_node_mask(&s.nodes[1], fwd, flen, s.q[1], &m,
					 &len, err, 256),
			 0);
	assert_int_equal(hn_sa_agg_add_masked(&s.agg, m, len, err, 256), 0);
	expect(hn_sa_agg_add_masked(&s.agg, m, len, err, 256), -EALREADY,
	       "again");
	free(m);
	assert_int_equal(hn_sa_agg_consist_request(&s.agg, &req, &rlen, err,
						   256),
			 -EAGAIN);
	free(fwd);
	free(list);
	hn_sa_sim_free(&s);
}

/* Then the masked inputs of every node, up to the consistency round. */
static void three_phases(struct hn_sa_sim *s)
{
	uint8_t *list, *fwd, *m;
	size_t llen, flen, len;
	unsigned int i;

	two_phases(s, &list, &llen);
	free(list);
	for (i = 0; i < s->cfg.n; i++) {
		assert_int_equal(hn_sa_agg_forward(&s->agg, s->roster[i].id,
						   &fwd, &flen, err, 256),
				 0);
		assert_int_equal(hn_sa_node_mask(&s->nodes[i], fwd, flen,
						 s->q[i], &m, &len, err, 256),
				 0);
		assert_int_equal(
			hn_sa_agg_add_masked(&s->agg, m, len, err, 256), 0);
		free(fwd);
		free(m);
	}
}

/* A message of the aggregator (roster[0]) made by a test: it lies. */
static uint8_t *agg_msg(struct hn_sa_sim *s, uint8_t type, uint32_t count,
			size_t *len)
{
	uint8_t *buf = hn_sa_msg_new(type, s->cfg.campaign, s->cfg.round,
				     s->roster[0].id, count, len);

	assert_non_null(buf);
	return buf;
}

static void agg_sign(struct hn_sa_sim *s, uint8_t *buf, size_t len)
{
	assert_int_equal(hn_sa_msg_sign(buf, len, s->id_sk[0]), 0);
}

/* A CONSIST_REQ of every node but @skip (none: n). */
static uint8_t *survivors_but(struct hn_sa_sim *s, unsigned int skip,
			      size_t *len)
{
	uint8_t *buf = agg_msg(s, HN_SA_CONSIST_REQ,
			       s->cfg.n - (skip < s->cfg.n), len);
	uint8_t *it = hn_sa_msg_items(buf);
	unsigned int i;

	for (i = 0; i < s->cfg.n; i++) {
		if (i == skip)
			continue;
		hn_sa_put32(it, s->roster[i].id);
		it += 4;
	}
	agg_sign(s, buf, *len);
	return buf;
}

/* An UNMASK_REQ carrying the signatures of the CONSIST messages @from. */
static uint8_t *unmask_req(struct hn_sa_sim *s, uint8_t **from, unsigned int lo,
			   unsigned int hi, size_t *len)
{
	uint8_t *buf = agg_msg(s, HN_SA_UNMASK_REQ, hi - lo, len);
	uint8_t *it = hn_sa_msg_items(buf);
	unsigned int i;

	for (i = lo; i < hi; i++, it += HN_SA_SIG_ITEM) {
		hn_sa_put32(it, s->roster[i].id);
		memcpy(it + 4, from[i] + HN_SA_CONSIST_LEN - HN_SA_SIG_LEN,
		       HN_SA_SIG_LEN);
	}
	agg_sign(s, buf, *len);
	return buf;
}

/* Node @i, given @req, refuses with @ret and @why, revealing nothing. */
static void refuses(struct hn_sa_sim *s, unsigned int i, uint8_t *req,
		    size_t rlen, int ret, const char *why)
{
	uint8_t *out = NULL;
	size_t len = 0;

	expect(hn_sa_node_unmask(&s->nodes[i], req, rlen, &out, &len, err, 256),
	       ret, why);
	assert_null(out);
}

/*
 * The attack of an active aggregator: nodes 0..7 are told U3 is all 16,
 * nodes 8..15 that node 3 dropped, so that the first reveal node 3's b
 * shares and the others its s_sk shares.  Each half signs its own set;
 * neither gathers tc = 11 signatures, so no node reveals anything, with
 * its own half's signatures, with all 16, or through the real aggregator.
 */
static void test_split_view(void **state)
{
	uint8_t *req_a, *req_b, *sig[16], *u;
	size_t alen, blen, len, ulen;
	unsigned int i, n_summed;
	uint32_t sum[DIM];
	struct hn_sa_sim s;

	sim_setup(&s, 16, 300);
	three_phases(&s);
	assert_int_equal(s.agg.ctx.tc, 11);
	assert_int_equal(
		hn_sa_agg_consist_request(&s.agg, &req_a, &alen, err, 256), 0);
	req_b = survivors_but(&s, 3, &blen);
	for (i = 0; i < 16; i++) {
		assert_int_equal(hn_sa_node_consist(&s.nodes[i],
						    i < 8 ? req_a : req_b,
						    i < 8 ? alen : blen,
						    &sig[i], &len, err, 256),
				 0);
		assert_int_equal(len, HN_SA_CONSIST_LEN);
		if (i < 8)
			assert_int_equal(hn_sa_agg_add_consist(&s.agg, sig[i],
							       len, err, 256),
					 0);
		else
			expect(hn_sa_agg_add_consist(&s.agg, sig[i], len, err,
						     256),
			       -EPROTO, "signed another survivor set");
	}
	expect(hn_sa_agg_unmask_request(&s.agg, &u, &ulen, err, 256), -EAGAIN,
	       "8 nodes signed the survivor set, threshold 11");
	for (i = 0; i < 16; i++) {
		u = unmask_req(&s, sig, i < 8 ? 0 : 8, i < 8 ? 8 : 16, &ulen);
		refuses(&s, i, u, ulen, -EAGAIN,
			"8 consistency signatures, need 11");
		free(u);
		u = unmask_req(&s, sig, 0, 16, &ulen);
		refuses(&s, i, u, ulen, -EBADMSG,
			"does not match our survivor set");
		free(u);
	}
	expect(hn_sa_agg_finish(&s.agg, sum, &n_summed, err, 256), -EPROTO,
	       "not collecting unmask shares");
	for (i = 0; i < 16; i++)
		free(sig[i]);
	free(req_a);
	free(req_b);
	hn_sa_sim_free(&s);
}

/* Every node's CONSIST of round @s's honest U3, the aggregator's too. */
static void sign_all(struct hn_sa_sim *s, uint8_t **sig)
{
	uint8_t *req;
	size_t rlen, len;
	unsigned int i;

	assert_int_equal(
		hn_sa_agg_consist_request(&s->agg, &req, &rlen, err, 256), 0);
	for (i = 0; i < s->cfg.n; i++) {
		assert_int_equal(hn_sa_node_consist(&s->nodes[i], req, rlen,
						    &sig[i], &len, err, 256),
				 0);
		assert_int_equal(hn_sa_agg_add_consist(&s->agg, sig[i], len,
						       err, 256),
				 0);
	}
	free(req);
}

/*
 * Signatures of round 6 on the same survivors, replayed into round 5, a
 * forged one, one of a node outside U3: each refused, nothing revealed;
 * the aggregator's own request, then, is answered.
 */
static void test_consist_replay(void **state)
{
	uint8_t *s5[16], *s6[16], *u, *out;
	struct hn_sa_sim a, b;
	size_t ulen, len;
	unsigned int i;

	sim_round(&a, 16, 300, 5);
	sim_round(&b, 16, 300, 6);
	three_phases(&a);
	three_phases(&b);
	sign_all(&a, s5);
	sign_all(&b, s6);
	expect(hn_sa_agg_add_consist(&a.agg, s6[2], HN_SA_CONSIST_LEN, err,
				     256),
	       -EPROTO, "round 6, not 5");
	expect(hn_sa_agg_add_consist(&a.agg, s5[2], HN_SA_CONSIST_LEN, err,
				     256),
	       -EALREADY, "again");
	u = unmask_req(&a, s6, 0, 16, &ulen);
	refuses(&a, 4, u, ulen, -EBADMSG, "consistency signature of 100 does");
	free(u);
	u = unmask_req(&a, s5, 0, 16, &ulen);
	hn_sa_msg_items(u)[5 * HN_SA_SIG_ITEM + 30] ^= 1;
	agg_sign(&a, u, ulen);
	refuses(&a, 4, u, ulen, -EBADMSG, "consistency signature of 135 does");
	hn_sa_msg_items(u)[5 * HN_SA_SIG_ITEM + 30] ^= 1;
	hn_sa_put32(hn_sa_msg_items(u) + 5 * HN_SA_SIG_ITEM, 136);
	agg_sign(&a, u, ulen);
	refuses(&a, 4, u, ulen, -EPROTO, "of 136, not a survivor");
	free(u);
	assert_int_equal(hn_sa_agg_unmask_request(&a.agg, &u, &ulen, err, 256),
			 0);
	assert_int_equal(hn_sa_node_unmask(&a.nodes[4], u, ulen, &out, &len,
					   err, 256),
			 0);
	assert_int_equal(hn_sa_agg_add_unmask(&a.agg, out, len, err, 256), 0);
	free(out);
	free(u);
	for (i = 0; i < 16; i++) {
		free(s5[i]);
		free(s6[i]);
	}
	hn_sa_sim_free(&a);
	hn_sa_sim_free(&b);
}

struct reveal_check {
	unsigned int seen;
};

/* Each UNMASK names every owner once, b for U3 members, s_sk else. */
static void one_share_each(struct hn_sa_sim *s, unsigned int i, uint8_t *msg,
			   size_t len)
{
	struct hn_sa_msg m;
	const uint8_t *it;
	uint32_t j;
	int o;

	if (msg[1] != HN_SA_UNMASK)
		return;
	assert_int_equal(hn_sa_msg_parse(msg, len, &m, err, 256), 0);
	for (j = 0; j < m.count; j++) {
		it = hn_sa_item(&m, j);
		o = hn_sa_index(&s->agg.ctx, hn_sa_get32(it));
		assert_true(o >= 0);
		assert_int_equal(it[4], s->drop[o] == HN_SA_AFTER_SHARE ?
						HN_SA_KIND_S :
						HN_SA_KIND_B);
	}
	((struct reveal_check *)s->priv)->seen++;
}

/*
 * A node never reveals both shares of one peer: one kind per owner (the
 * parser refuses a repeated owner), and once it signed U3 it neither
 * signs another nor answers a second unmask request.
 */
static void test_one_share_each(void **state)
{
	struct reveal_check rc = { 0 };
	uint8_t *req, *out = NULL;
	uint32_t sum[DIM];
	unsigned int n_summed;
	struct hn_sa_sim s;
	size_t rlen, len;
	unsigned int i = 0;

	sim_setup(&s, 16, 300);
	hn_sa_sim_drop(&s, 3, HN_SA_AFTER_SHARE, 7);
	s.tamper = one_share_each;
	s.priv = &rc;
	assert_int_equal(hn_sa_sim_run(&s, sum, &n_summed, err, 256), 0);
	assert_int_equal(rc.seen, 13);
	while (s.drop[i] != HN_SA_STAY)
		i++;
	req = survivors_but(&s, (i + 1) % 16, &rlen);
	expect(hn_sa_node_consist(&s.nodes[i], req, rlen, &out, &len, err, 256),
	       -EPROTO, "consistency check out of order");
	expect(hn_sa_node_unmask(&s.nodes[i], req, rlen, &out, &len, err, 256),
	       -EPROTO, "unmask out of order");
	assert_null(out);
	free(req);
	hn_sa_sim_free(&s);
}

/*
 * A node signs only a survivor set that holds it and at least tc nodes,
 * and only one set; refusing leaves it able to sign the right one.
 */
static void test_consist_node_checks(void **state)
{
	uint8_t *req, *out = NULL;
	size_t rlen, len;
	struct hn_sa_sim s;
	unsigned int i;

	sim_setup(&s, 16, 300);
	three_phases(&s);
	req = survivors_but(&s, 6, &rlen);
	expect(hn_sa_node_consist(&s.nodes[6], req, rlen, &out, &len, err, 256),
	       -EPROTO, "survivor set without us");
	free(req);
	req = agg_msg(&s, HN_SA_CONSIST_REQ, 10, &rlen);
	for (i = 0; i < 10; i++)
		hn_sa_put32(hn_sa_msg_items(req) + 4 * i, s.roster[i].id);
	agg_sign(&s, req, rlen);
	expect(hn_sa_node_consist(&s.nodes[6], req, rlen, &out, &len, err, 256),
	       -EAGAIN, "10 masked inputs, 11 must sign");
	free(req);
	assert_null(out);
	req = survivors_but(&s, 16, &rlen);
	assert_int_equal(hn_sa_node_consist(&s.nodes[6], req, rlen, &out, &len,
					    err, 256),
			 0);
	free(out);
	free(req);
	/* a second set, once it signed one: refused */
	out = NULL;
	req = survivors_but(&s, 3, &rlen);
	expect(hn_sa_node_consist(&s.nodes[6], req, rlen, &out, &len, err, 256),
	       -EPROTO, "consistency check out of order");
	assert_null(out);
	free(req);
	hn_sa_sim_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_n16),
		cmocka_unit_test(test_n64),
		cmocka_unit_test(test_n64_sparse),
		cmocka_unit_test(test_choose),
		cmocka_unit_test(test_graph),
		cmocka_unit_test(test_below_threshold),
		cmocka_unit_test(test_corrupt_share),
		cmocka_unit_test(test_bad_unmask_item),
		cmocka_unit_test(test_replayed_adverts),
		cmocka_unit_test(test_forged_by_aggregator),
		cmocka_unit_test(test_split_view),
		cmocka_unit_test(test_consist_replay),
		cmocka_unit_test(test_one_share_each),
		cmocka_unit_test(test_consist_node_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
