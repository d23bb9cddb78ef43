// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The aggregator's side of a secure-aggregation round (secagg.h): it
 * collects each phase's messages, decides the survivor sets U1 (sent an
 * advert), U2 (sent shares), U3 (sent a masked input), U4 (signed U3),
 * relays what nodes need, and removes the masks from the sum of U3's
 * inputs with the secrets it recovers from U4's unmask shares.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "secagg.h"

enum { A_ADVERTS, A_SHARES, A_MASKED, A_CONSIST, A_UNMASK, A_DONE };
enum { A_U1 = 1, A_U2 = 2, A_U3 = 4, A_U4 = 8, A_U5 = 16 };

int hn_sa_agg_init(struct hn_sa_agg *ag, const struct hn_sa_config *cfg,
		   const uint8_t id_sk[HN_SA_KEY_LEN], char *err, size_t errlen)
{
	int ret;

	memset(ag, 0, sizeof(*ag));
	ret = hn_sa_ctx_init(&ag->ctx, cfg, cfg->aggregator, id_sk, err,
			     errlen);
	if (ret)
		return ret;
	ag->peer = calloc(cfg->n, sizeof(*ag->peer));
	ag->sum = calloc(cfg->dim, sizeof(*ag->sum));
	if (!ag->peer || !ag->sum) {
		hn_sa_agg_free(ag);
		return hn_sa_fail(err, errlen, -ENOMEM, "secagg: no memory");
	}
	return 0;
}

void hn_sa_agg_free(struct hn_sa_agg *ag)
{
	unsigned int i;

	for (i = 0; ag->peer && i < ag->ctx.n; i++) {
		free(ag->peer[i].shares);
		if (ag->peer[i].got)
			OPENSSL_cleanse(ag->peer[i].got,
					ag->ctx.k * sizeof(*ag->peer[i].got));
		free(ag->peer[i].got);
	}
	free(ag->peer);
	free(ag->sum);
	ag->peer = NULL;
	ag->sum = NULL;
	hn_sa_ctx_free(&ag->ctx);
}

static uint32_t id_of(const struct hn_sa_agg *ag, unsigned int i)
{
	return ag->ctx.roster[i].id;
}

/*
 * A node's message of @type in phase @phase: well formed, of this round,
 * from a roster node in @need (all of them: 0) not yet in @got, signed by
 * it.  *@idx is the sender's roster index.
 */
static int from_node(struct hn_sa_agg *ag, const uint8_t *in, size_t inlen,
		     uint8_t type, int phase, uint8_t need, uint8_t got,
		     struct hn_sa_msg *m, unsigned int *idx, char *err,
		     size_t errlen)
{
	int ret = hn_sa_msg_parse(in, inlen, m, err, errlen), i;

	if (ret)
		return ret;
	if (m->type != type)
		return hn_sa_fail(err, errlen, -EPROTO,
				  "secagg: %s where %s was due",
				  hn_sa_type_name(m->type),
				  hn_sa_type_name(type));
	if (ag->phase != phase)
		return hn_sa_fail(err, errlen, -EPROTO,
				  "secagg: %s from %u too late",
				  hn_sa_type_name(type), m->sender);
	if (memcmp(m->campaign, ag->ctx.campaign, 32) ||
	    m->round != ag->ctx.round)
		return hn_sa_fail(err, errlen, -EPROTO,
				  "secagg: %s of round %u, not %u",
				  hn_sa_type_name(type), m->round,
				  ag->ctx.round);
	i = hn_sa_index(&ag->ctx, m->sender);
	if (i < 0 || (ag->peer[i].flags & need) != need)
		return hn_sa_fail(err, errlen, -EPROTO,
				  "secagg: %s from %u, %s",
				  hn_sa_type_name(type), m->sender,
				  i < 0 ? "not in the roster" :
					  "dropped earlier in the round");
	if (ag->peer[i].flags & got)
		return hn_sa_fail(err, errlen, -EALREADY,
				  "secagg: %s from %u again",
				  hn_sa_type_name(type), m->sender);
	if (!hn_sa_msg_verify(m, ag->ctx.roster[i].key))
		return hn_sa_fail(err, errlen, -EBADMSG,
				  "secagg: %s from %u: bad signature",
				  hn_sa_type_name(type), m->sender);
	*idx = i;
	return 0;
}

static unsigned int count_flag(const struct hn_sa_agg *ag, uint8_t flag)
{
	unsigned int i, c = 0;

	for (i = 0; i < ag->ctx.n; i++)
		c += !!(ag->peer[i].flags & flag);
	return c;
}

static int enough(const struct hn_sa_agg *ag, uint8_t flag, unsigned int need,
		  const char *what, char *err, size_t errlen)
{
	unsigned int c = count_flag(ag, flag);

	if (c < need)
		return hn_sa_fail(err, errlen, -EAGAIN,
				  "secagg: %u nodes %s, threshold %u", c, what,
				  need);
	return 0;
}

static int sign_out(struct hn_sa_agg *ag, uint8_t *buf, size_t len,
		    uint8_t **out, size_t *outlen, int phase, char *err,
		    size_t errlen)
{
	int ret = hn_sa_sign_out(&ag->ctx, buf, len, out, outlen, err, errlen);

	if (!ret)
		ag->phase = phase;
	return ret;
}

static uint8_t *new_msg(struct hn_sa_agg *ag, uint8_t type, uint32_t count,
			size_t *len, char *err, size_t errlen)
{
	uint8_t *buf = hn_sa_msg_new(type, ag->ctx.campaign, ag->ctx.round,
				     id_of(ag, ag->ctx.self), count, len);

	if (!buf)
		hn_sa_fail(err, errlen, -ENOMEM, "secagg: no memory");
	return buf;
}

int hn_sa_agg_add_advertise(struct hn_sa_agg *ag, const uint8_t *in,
			    size_t inlen, char *err, size_t errlen)
{
	struct hn_sa_msg m;
	unsigned int i;
	int ret = from_node(ag, in, inlen, HN_SA_ADVERTISE, A_ADVERTS, 0, A_U1,
			    &m, &i, err, errlen);

	if (ret)
		return ret;
	memcpy(ag->peer[i].adv, in, HN_SA_ADV_LEN);
	ag->peer[i].flags |= A_U1;
	return 0;
}

int hn_sa_agg_adv_list(struct hn_sa_agg *ag, uint8_t **out, size_t *len,
		       char *err, size_t errlen)
{
	uint8_t *buf, *it;
	unsigned int i;
	int ret = ag->phase == A_ADVERTS ? 0 : -EPROTO;

	if (ret)
		return hn_sa_fail(err, errlen, ret, "secagg: adverts closed");
	ret = enough(ag, A_U1, ag->ctx.t, "advertised", err, errlen);
	if (ret)
		return ret;
	buf = new_msg(ag, HN_SA_ADV_LIST, count_flag(ag, A_U1), len, err,
		      errlen);
	if (!buf)
		return -ENOMEM;
	it = hn_sa_msg_items(buf);
	for (i = 0; i < ag->ctx.n; i++) {
		if (!(ag->peer[i].flags & A_U1))
			continue;
		memcpy(it, ag->peer[i].adv, HN_SA_ADV_LEN);
		it += HN_SA_ADV_LEN;
	}
	return sign_out(ag, buf, *len, out, len, A_SHARES, err, errlen);
}

/* Every share goes to a neighbour of the sender that advertised. */
static int check_dests(struct hn_sa_agg *ag, const struct hn_sa_msg *m,
		       unsigned int from, char *err, size_t errlen)
{
	uint32_t i, to;
	int j;

	if (m->count < ag->ctx.t)
		return hn_sa_fail(err, errlen, -EPROTO,
				  "secagg: %u shares from %u, threshold %u",
				  m->count, m->sender, ag->ctx.t);
	for (i = 0; i < m->count; i++) {
		to = hn_sa_get32(hn_sa_item(m, i));
		j = hn_sa_index(&ag->ctx, to);
		if (j < 0 || !(ag->peer[j].flags & A_U1) ||
		    !hn_sa_neighbours(&ag->ctx, from, j))
			return hn_sa_fail(err, errlen, -EPROTO,
					  "secagg: share from %u to %u, no "
					  "advertised neighbour",
					  m->sender, to);
	}
	return 0;
}

int hn_sa_agg_add_shares(struct hn_sa_agg *ag, const uint8_t *in, size_t inlen,
			 char *err, size_t errlen)
{
	struct hn_sa_agg_peer *p;
	struct hn_sa_msg m;
	unsigned int i;
	int ret = from_node(ag, in, inlen, HN_SA_SHARES, A_SHARES, A_U1, A_U2,
			    &m, &i, err, errlen);

	if (!ret)
		ret = check_dests(ag, &m, i, err, errlen);
	if (ret)
		return ret;
	p = &ag->peer[i];
	p->shares = malloc((size_t)m.count * m.item_len);
	if (!p->shares)
		return hn_sa_fail(err, errlen, -ENOMEM, "secagg: no memory");
	memcpy(p->shares, m.items, (size_t)m.count * m.item_len);
	p->n_shares = m.count;
	p->flags |= A_U2;
	return 0;
}

/* The item of @from's shares addressed to @to, or NULL. */
static const uint8_t *share_to(const struct hn_sa_agg_peer *from, uint32_t to)
{
	uint32_t i;

	for (i = 0; i < from->n_shares; i++)
		if (hn_sa_get32(from->shares + i * HN_SA_SHARE_ITEM) == to)
			return from->shares + i * HN_SA_SHARE_ITEM;
	return NULL;
}

int hn_sa_agg_forward(struct hn_sa_agg *ag, uint32_t to, uint8_t **out,
		      size_t *len, char *err, size_t errlen)
{
	unsigned int i, c = 0;
	const uint8_t *item;
	uint8_t *buf, *it;
	int j = hn_sa_index(&ag->ctx, to);

	if (ag->phase != A_SHARES && ag->phase != A_MASKED)
		return hn_sa_fail(err, errlen, -EPROTO,
				  "secagg: not forwarding shares now");
	if (j < 0 || !(ag->peer[j].flags & A_U2))
		return hn_sa_fail(err, errlen, -EPROTO,
				  "secagg: %u sent no shares", to);
	for (i = 0; i < ag->ctx.n; i++)
		c += (ag->peer[i].flags & A_U2) && share_to(&ag->peer[i], to);
	buf = new_msg(ag, HN_SA_SHARES_FWD, c, len, err, errlen);
	if (!buf)
		return -ENOMEM;
	hn_sa_put32(buf + HN_SA_HDR_LEN, to);
	it = hn_sa_msg_items(buf);
	for (i = 0; i < ag->ctx.n; i++) {
		item = (ag->peer[i].flags & A_U2) ? share_to(&ag->peer[i], to) :
						    NULL;
		if (!item)
			continue;
		hn_sa_put32(it, id_of(ag, i));
		memcpy(it + 4, item + 4, HN_SA_SHARE_CT_LEN);
		it += HN_SA_SHARE_ITEM;
	}
	return sign_out(ag, buf, *len, out, len, A_MASKED, err, errlen);
}

int hn_sa_agg_add_masked(struct hn_sa_agg *ag, const uint8_t *in, size_t inlen,
			 char *err, size_t errlen)
{
	struct hn_sa_msg m;
	unsigned int i;
	uint32_t w;
	int ret = from_node(ag, in, inlen, HN_SA_MASKED, A_MASKED, A_U2, A_U3,
			    &m, &i, err, errlen);

	if (ret)
		return ret;
	if (m.count != ag->ctx.dim)
		return hn_sa_fail(err, errlen, -EPROTO,
				  "secagg: input of %u words from %u, not %u",
				  m.count, m.sender, ag->ctx.dim);
	for (w = 0; w < m.count; w++)
		ag->sum[w] += hn_sa_get32(m.items + 4 * (size_t)w);
	ag->peer[i].flags |= A_U3;
	return 0;
}

/* U3, at least tc of them (fewer cannot give tc signatures). */
int hn_sa_agg_consist_request(struct hn_sa_agg *ag, uint8_t **out, size_t *len,
			      char *err, size_t errlen)
{
	uint8_t *buf, *it;
	unsigned int i, c;
	int ret = ag->phase == A_MASKED ? 0 : -EPROTO;

	if (ret)
		return hn_sa_fail(err, errlen, ret,
				  "secagg: no masked inputs being collected");
	ret = enough(ag, A_U3, ag->ctx.tc, "sent a masked input", err, errlen);
	if (ret)
		return ret;
	c = count_flag(ag, A_U3);
	buf = new_msg(ag, HN_SA_CONSIST_REQ, c, len, err, errlen);
	if (!buf)
		return -ENOMEM;
	it = hn_sa_msg_items(buf);
	for (i = 0; i < ag->ctx.n; i++) {
		if (!(ag->peer[i].flags & A_U3))
			continue;
		hn_sa_put32(it, id_of(ag, i));
		it += 4;
	}
	hn_sa_survivors_digest(&ag->ctx, hn_sa_msg_items(buf), c, ag->u3);
	return sign_out(ag, buf, *len, out, len, A_CONSIST, err, errlen);
}

int hn_sa_agg_add_consist(struct hn_sa_agg *ag, const uint8_t *in, size_t inlen,
			  char *err, size_t errlen)
{
	struct hn_sa_msg m;
	unsigned int i;
	int ret = from_node(ag, in, inlen, HN_SA_CONSIST, A_CONSIST, A_U3, A_U4,
			    &m, &i, err, errlen);

	if (ret)
		return ret;
	if (CRYPTO_memcmp(m.body, ag->u3, HN_SA_CONSIST_BODY))
		return hn_sa_fail(err, errlen, -EPROTO,
				  "secagg: %u signed another survivor set",
				  m.sender);
	memcpy(ag->peer[i].sig, m.buf + m.signed_len, HN_SA_SIG_LEN);
	ag->peer[i].flags |= A_U4;
	return 0;
}

int hn_sa_agg_unmask_request(struct hn_sa_agg *ag, uint8_t **out, size_t *len,
			     char *err, size_t errlen)
{
	uint8_t *buf, *it;
	unsigned int i;
	int ret = ag->phase == A_CONSIST ? 0 : -EPROTO;

	if (ret)
		return hn_sa_fail(err, errlen, ret,
				  "secagg: no consistency signatures being "
				  "collected");
	ret = enough(ag, A_U4, ag->ctx.tc, "signed the survivor set", err,
		     errlen);
	if (ret)
		return ret;
	buf = new_msg(ag, HN_SA_UNMASK_REQ, count_flag(ag, A_U4), len, err,
		      errlen);
	if (!buf)
		return -ENOMEM;
	it = hn_sa_msg_items(buf);
	for (i = 0; i < ag->ctx.n; i++) {
		if (!(ag->peer[i].flags & A_U4))
			continue;
		hn_sa_put32(it, id_of(ag, i));
		memcpy(it + 4, ag->peer[i].sig, HN_SA_SIG_LEN);
		it += HN_SA_SIG_ITEM;
	}
	return sign_out(ag, buf, *len, out, len, A_UNMASK, err, errlen);
}

/*
 * One unmask item from holder @h: a share of a U2 neighbour's secret,
 * checked, and kept when @keep (a message is checked whole first, so a
 * bad item leaves nothing of it behind).
 */
static int take_unmask(struct hn_sa_agg *ag, unsigned int h, const uint8_t *it,
		       bool keep, char *err, size_t errlen)
{
	uint32_t owner = hn_sa_get32(it);
	struct hn_sa_agg_peer *p;
	int i = hn_sa_index(&ag->ctx, owner);
	uint8_t kind;

	if (i < 0 || !(ag->peer[i].flags & A_U2) ||
	    !hn_sa_neighbours(&ag->ctx, h, i))
		return hn_sa_fail(err, errlen, -EPROTO,
				  "secagg: unmask share of %u from %u: not a "
				  "neighbour that shared",
				  owner, id_of(ag, h));
	p = &ag->peer[i];
	kind = p->flags & A_U3 ? HN_SA_KIND_B : HN_SA_KIND_S;
	if (it[4] != kind || ((unsigned int)it[5] << 8 | it[6]) != h + 1)
		return hn_sa_fail(err, errlen, -EPROTO,
				  "secagg: unmask share of %u from %u: wrong "
				  "kind or x",
				  owner, id_of(ag, h));
	if (!p->got)
		p->got = calloc(ag->ctx.k, sizeof(*p->got));
	if (!p->got || p->n_got >= ag->ctx.k)
		return hn_sa_fail(err, errlen, -ENOMEM,
				  "secagg: no room for shares of %u", owner);
	if (!keep)
		return 0;
	p->got[p->n_got].x = h + 1;
	memcpy(p->got[p->n_got].y, it + 7, HN_SHAMIR_LEN);
	p->n_got++;
	return 0;
}

int hn_sa_agg_add_unmask(struct hn_sa_agg *ag, const uint8_t *in, size_t inlen,
			 char *err, size_t errlen)
{
	struct hn_sa_msg m;
	unsigned int h;
	uint32_t i;
	int ret = from_node(ag, in, inlen, HN_SA_UNMASK, A_UNMASK, A_U4, A_U5,
			    &m, &h, err, errlen);

	for (i = 0; !ret && i < m.count; i++)
		ret = take_unmask(ag, h, hn_sa_item(&m, i), false, err, errlen);
	for (i = 0; !ret && i < m.count; i++)
		take_unmask(ag, h, hn_sa_item(&m, i), true, NULL, 0);
	if (!ret)
		ag->peer[h].flags |= A_U5;
	return ret;
}

/* Whether @secret is the b (or s_sk) that @i's advert committed to. */
static bool matches(const struct hn_sa_agg *ag, unsigned int i,
		    const uint8_t *secret)
{
	const uint8_t *body = ag->peer[i].adv + HN_SA_HDR_LEN;
	uint8_t v[HN_SA_KEY_LEN];
	bool ok;

	if (ag->peer[i].flags & A_U3) {
		hn_sa_commit(&ag->ctx, id_of(ag, i), secret, v);
		ok = !CRYPTO_memcmp(v, body + 2 * HN_SA_KEY_LEN, sizeof(v));
	} else {
		ok = !hn_sa_x25519_public(secret, v) &&
		     !CRYPTO_memcmp(v, body + HN_SA_KEY_LEN, sizeof(v));
	}
	return ok;
}

/*
 * The t shares from @start on, cyclically, that give the committed
 * secret: one window of the m held leaves out any m - t consecutive
 * shares, so a corrupt holder (or several, placed together) is passed.
 */
static int recover_windows(struct hn_sa_agg *ag, unsigned int i,
			   uint8_t *secret)
{
	struct hn_sa_agg_peer *p = &ag->peer[i];
	unsigned int t = ag->ctx.t, start, j;
	struct hn_shamir_share *sub = calloc(t, sizeof(*sub));
	int ret = -EBADMSG;

	if (!sub)
		return -ENOMEM;
	for (start = 0; ret && start < p->n_got; start++) {
		for (j = 0; j < t; j++)
			sub[j] = p->got[(start + j) % p->n_got];
		if (!hn_shamir_combine(sub, t, t, secret) &&
		    matches(ag, i, secret))
			ret = 0;
	}
	OPENSSL_cleanse(sub, t * sizeof(*sub));
	free(sub);
	return ret;
}

static int recover(struct hn_sa_agg *ag, unsigned int i, uint8_t *secret,
		   char *err, size_t errlen)
{
	struct hn_sa_agg_peer *p = &ag->peer[i];
	const char *what = p->flags & A_U3 ? "self-mask seed" : "mask key";
	int ret;

	if (p->n_got < ag->ctx.t)
		return hn_sa_fail(err, errlen, -EAGAIN,
				  "secagg: %u shares of the %s of %u, "
				  "threshold %u: masks stay",
				  p->n_got, what, id_of(ag, i), ag->ctx.t);
	if (!hn_shamir_combine(p->got, p->n_got, ag->ctx.t, secret) &&
	    matches(ag, i, secret))
		return 0;
	ret = recover_windows(ag, i, secret);
	if (ret)
		return hn_sa_fail(err, errlen, ret,
				  "secagg: shares of the %s of %u disagree "
				  "with its commitment",
				  what, id_of(ag, i));
	return 0;
}

/* Undo the pairwise masks that U3 nodes added with the dropped node @w. */
static int unmask_dropped(struct hn_sa_agg *ag, unsigned int w,
			  const uint8_t *s_sk, uint32_t *acc)
{
	const struct hn_sa_agg_peer *p = &ag->peer[w];
	uint8_t seed[HN_SA_KEY_LEN];
	uint32_t e, vid, wid = id_of(ag, w);
	int v, ret = 0;

	for (e = 0; !ret && e < p->n_shares; e++) {
		vid = hn_sa_get32(p->shares + e * HN_SA_SHARE_ITEM);
		v = hn_sa_index(&ag->ctx, vid);
		if (!(ag->peer[v].flags & A_U3))
			continue;
		ret = hn_sa_pair_seed(&ag->ctx, s_sk,
				      ag->peer[v].adv + HN_SA_HDR_LEN +
					      HN_SA_KEY_LEN,
				      wid, vid, seed);
		/* v added +PRG when vid < wid: take it away */
		if (!ret)
			ret = hn_sa_prg_add(seed, vid < wid, acc, ag->ctx.dim);
	}
	OPENSSL_cleanse(seed, sizeof(seed));
	return ret;
}

static int unmask_one(struct hn_sa_agg *ag, unsigned int i, uint32_t *acc,
		      char *err, size_t errlen)
{
	uint8_t secret[HN_SHAMIR_LEN];
	int ret = recover(ag, i, secret, err, errlen);

	if (ret)
		return ret;
	if (ag->peer[i].flags & A_U3)
		ret = hn_sa_prg_add(secret, 1, acc, ag->ctx.dim);
	else
		ret = unmask_dropped(ag, i, secret, acc);
	OPENSSL_cleanse(secret, sizeof(secret));
	if (ret)
		return hn_sa_fail(err, errlen, ret, "secagg: cannot unmask %u",
				  id_of(ag, i));
	return 0;
}

int hn_sa_agg_finish(struct hn_sa_agg *ag, uint32_t *sum,
		     unsigned int *n_summed, char *err, size_t errlen)
{
	unsigned int i;
	int ret = ag->phase == A_UNMASK ? 0 : -EPROTO;

	if (ret)
		return hn_sa_fail(err, errlen, ret,
				  "secagg: not collecting unmask shares");
	memcpy(sum, ag->sum, (size_t)ag->ctx.dim * 4);
	for (i = 0; !ret && i < ag->ctx.n; i++)
		if (ag->peer[i].flags & A_U2)
			ret = unmask_one(ag, i, sum, err, errlen);
	if (ret) {
		memset(sum, 0, (size_t)ag->ctx.dim * 4);
		return ret;
	}
	ag->phase = A_DONE;
	*n_summed = count_flag(ag, A_U3);
	return 0;
}

bool hn_sa_agg_summed(const struct hn_sa_agg *ag, uint32_t id)
{
	int i = hn_sa_index(&ag->ctx, id);

	return ag->phase == A_DONE && i >= 0 && (ag->peer[i].flags & A_U3);
}
