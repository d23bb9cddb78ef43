// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * A node's side of a secure-aggregation round (secagg.h): its round keys,
 * the shares it deals and holds, its masked input and what it reveals.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "secagg.h"

enum {
	PHASE_INIT,
	PHASE_ADVERTISED,
	PHASE_SHARED,
	PHASE_MASKED,
	PHASE_SIGNED,
	PHASE_DONE
};
enum { P_ADV = 1, P_SHARED = 2, P_U3 = 4 };

#define AAD_LEN (1 + 32 + 4 + 4 + 4)

int hn_sa_node_init(struct hn_sa_node *nd, const struct hn_sa_config *cfg,
		    uint32_t self_id, const uint8_t id_sk[HN_SA_KEY_LEN],
		    char *err, size_t errlen)
{
	int ret;

	memset(nd, 0, sizeof(*nd));
	ret = hn_sa_ctx_init(&nd->ctx, cfg, self_id, id_sk, err, errlen);
	if (ret)
		return ret;
	nd->peer = calloc(cfg->n, sizeof(*nd->peer));
	if (!nd->peer)
		ret = -ENOMEM;
	if (!ret)
		ret = hn_sa_x25519_keygen(nd->c_sk, nd->c_pk);
	if (!ret)
		ret = hn_sa_x25519_keygen(nd->s_sk, nd->s_pk);
	if (!ret && RAND_priv_bytes(nd->b, sizeof(nd->b)) != 1)
		ret = -EIO;
	if (ret) {
		hn_sa_node_free(nd);
		return hn_sa_fail(err, errlen, ret, "secagg: node init: %s",
				  ret == -ENOMEM ? "no memory" : "no keys");
	}
	return 0;
}

void hn_sa_node_free(struct hn_sa_node *nd)
{
	if (nd->peer)
		OPENSSL_cleanse(nd->peer, nd->ctx.n * sizeof(*nd->peer));
	free(nd->peer);
	nd->peer = NULL;
	hn_sa_ctx_free(&nd->ctx);
	OPENSSL_cleanse(nd->c_sk, sizeof(nd->c_sk));
	OPENSSL_cleanse(nd->s_sk, sizeof(nd->s_sk));
	OPENSSL_cleanse(nd->b, sizeof(nd->b));
}

static int phase_is(struct hn_sa_node *nd, int phase, const char *what,
		    char *err, size_t errlen)
{
	if (nd->phase != phase)
		return hn_sa_fail(err, errlen, -EPROTO,
				  "secagg: %s out of order (phase %d)", what,
				  nd->phase);
	return 0;
}

static uint32_t self_id(const struct hn_sa_node *nd)
{
	return nd->ctx.roster[nd->ctx.self].id;
}

static int finish_msg(struct hn_sa_node *nd, uint8_t *buf, size_t len,
		      uint8_t **out, size_t *outlen, int phase, char *err,
		      size_t errlen)
{
	int ret = hn_sa_sign_out(&nd->ctx, buf, len, out, outlen, err, errlen);

	if (!ret)
		nd->phase = phase;
	return ret;
}

static uint8_t *new_msg(struct hn_sa_node *nd, uint8_t type, uint32_t count,
			size_t *len)
{
	return hn_sa_msg_new(type, nd->ctx.campaign, nd->ctx.round, self_id(nd),
			     count, len);
}

int hn_sa_node_advertise(struct hn_sa_node *nd, uint8_t **out, size_t *len,
			 char *err, size_t errlen)
{
	uint8_t *buf, *body;
	int ret = phase_is(nd, PHASE_INIT, "advertise", err, errlen);

	if (ret)
		return ret;
	buf = new_msg(nd, HN_SA_ADVERTISE, 0, len);
	if (!buf)
		return hn_sa_fail(err, errlen, -ENOMEM, "secagg: no memory");
	body = hn_sa_msg_items(buf);
	memcpy(body, nd->c_pk, HN_SA_KEY_LEN);
	memcpy(body + HN_SA_KEY_LEN, nd->s_pk, HN_SA_KEY_LEN);
	hn_sa_commit(&nd->ctx, self_id(nd), nd->b, body + 2 * HN_SA_KEY_LEN);
	return finish_msg(nd, buf, *len, out, len, PHASE_ADVERTISED, err,
			  errlen);
}

/* A message from this round's aggregator, of @type, signed by it. */
static int from_agg(const struct hn_sa_ctx *c, const uint8_t *in, size_t inlen,
		    uint8_t type, struct hn_sa_msg *m, char *err, size_t errlen)
{
	int ret = hn_sa_msg_parse(in, inlen, m, err, errlen);

	if (ret)
		return ret;
	if (m->type != type)
		return hn_sa_fail(err, errlen, -EPROTO,
				  "secagg: %s where %s was due",
				  hn_sa_type_name(m->type),
				  hn_sa_type_name(type));
	if (memcmp(m->campaign, c->campaign, 32) || m->round != c->round ||
	    m->sender != c->roster[c->agg].id)
		return hn_sa_fail(err, errlen, -EPROTO,
				  "secagg: %s of round %u from %u, not of "
				  "round %u from the aggregator %u",
				  hn_sa_type_name(type), m->round, m->sender,
				  c->round, c->roster[c->agg].id);
	if (!hn_sa_msg_verify(m, c->roster[c->agg].key))
		return hn_sa_fail(err, errlen, -EBADMSG,
				  "secagg: %s: bad signature",
				  hn_sa_type_name(type));
	return 0;
}

static int same_key(const uint8_t *a, const uint8_t *b)
{
	return !CRYPTO_memcmp(a, b, HN_SA_KEY_LEN);
}

/* One advert of the list: checked, kept if a neighbour's. */
static int take_advert(struct hn_sa_node *nd, const uint8_t *item,
		       bool *seen_self, char *err, size_t errlen)
{
	struct hn_sa_msg a;
	struct hn_sa_peer *p;
	int i;

	hn_sa_msg_parse(item, HN_SA_ADV_LEN, &a, NULL, 0);
	i = hn_sa_index(&nd->ctx, a.sender);
	if (i >= 0 && (unsigned int)i != nd->ctx.self &&
	    !hn_sa_neighbours(&nd->ctx, nd->ctx.self, i))
		return 0;
	if (i < 0 || !hn_sa_msg_verify(&a, nd->ctx.roster[i].key))
		return hn_sa_fail(err, errlen, -EBADMSG,
				  "secagg: advert of %u: %s", a.sender,
				  i < 0 ? "not in the roster" :
					  "bad signature");
	if ((unsigned int)i == nd->ctx.self) {
		*seen_self = same_key(a.body, nd->c_pk) &&
			     same_key(a.body + HN_SA_KEY_LEN, nd->s_pk);
		return 0;
	}
	if (same_key(a.body, nd->c_pk) ||
	    same_key(a.body + HN_SA_KEY_LEN, nd->s_pk))
		return hn_sa_fail(err, errlen, -EBADMSG,
				  "secagg: advert of %u reflects ours",
				  a.sender);
	p = &nd->peer[i];
	memcpy(p->c_pk, a.body, HN_SA_KEY_LEN);
	memcpy(p->s_pk, a.body + HN_SA_KEY_LEN, HN_SA_KEY_LEN);
	if (hn_sa_x25519(nd->c_sk, p->c_pk, p->c_shared))
		return hn_sa_fail(err, errlen, -EBADMSG,
				  "secagg: advert of %u: bad key", a.sender);
	p->flags |= P_ADV;
	return 0;
}

/* The key and associated data of the shares @from deals to @to. */
static int share_key(const struct hn_sa_node *nd, const uint8_t *shared,
		     uint32_t from, uint32_t to, uint8_t key[HN_SA_KEY_LEN],
		     uint8_t aad[AAD_LEN])
{
	uint8_t info[11 + 8];

	aad[0] = HN_SA_VERSION;
	memcpy(aad + 1, nd->ctx.campaign, 32);
	hn_sa_put32(aad + 33, nd->ctx.round);
	hn_sa_put32(aad + 37, from);
	hn_sa_put32(aad + 41, to);
	memcpy(info, "hn-sa share", 11);
	memcpy(info + 11, aad + 37, 8);
	return hn_sa_hkdf(shared, HN_SA_KEY_LEN, aad + 1, 36, info,
			  sizeof(info), key);
}

static void put_share(uint8_t *p, const struct hn_shamir_share *sh)
{
	p[0] = sh->x >> 8;
	p[1] = sh->x & 0xff;
	memcpy(p + 2, sh->y, HN_SHAMIR_LEN);
}

static void get_share(const uint8_t *p, struct hn_shamir_share *sh)
{
	sh->x = (uint16_t)p[0] << 8 | p[1];
	memcpy(sh->y, p + 2, HN_SHAMIR_LEN);
}

/* Item i of SHARES: to @v, its shares of b and s_sk, sealed. */
static int seal_item(struct hn_sa_node *nd, unsigned int v,
		     const struct hn_shamir_share *bs,
		     const struct hn_shamir_share *ss, uint8_t *item)
{
	uint8_t pt[HN_SA_SHARE_PT_LEN], key[HN_SA_KEY_LEN], aad[AAD_LEN];
	int ret;

	hn_sa_put32(item, nd->ctx.roster[v].id);
	put_share(pt, bs);
	put_share(pt + 2 + HN_SHAMIR_LEN, ss);
	ret = share_key(nd, nd->peer[v].c_shared, self_id(nd),
			nd->ctx.roster[v].id, key, aad);
	if (!ret)
		ret = hn_sa_seal(key, aad, AAD_LEN, pt, sizeof(pt), item + 4);
	OPENSSL_cleanse(pt, sizeof(pt));
	OPENSSL_cleanse(key, sizeof(key));
	return ret;
}

struct dealing {
	unsigned int h, *idx;
	uint16_t *xs;
	struct hn_shamir_share *b, *s;
};

static void dealing_free(struct dealing *d)
{
	if (d->b)
		OPENSSL_cleanse(d->b, d->h * sizeof(*d->b));
	if (d->s)
		OPENSSL_cleanse(d->s, d->h * sizeof(*d->s));
	free(d->idx);
	free(d->xs);
	free(d->b);
	free(d->s);
}

/* Shares of b and s_sk for every neighbour that advertised. */
static int deal(struct hn_sa_node *nd, struct dealing *d)
{
	unsigned int i, n = nd->ctx.n;

	memset(d, 0, sizeof(*d));
	d->idx = calloc(n, sizeof(*d->idx));
	d->xs = calloc(n, sizeof(*d->xs));
	d->b = calloc(n, sizeof(*d->b));
	d->s = calloc(n, sizeof(*d->s));
	if (!d->idx || !d->xs || !d->b || !d->s)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (!(nd->peer[i].flags & P_ADV))
			continue;
		d->idx[d->h] = i;
		d->xs[d->h++] = i + 1;
	}
	if (d->h < nd->ctx.t)
		return -EAGAIN;
	if (hn_shamir_split(nd->b, nd->ctx.t, d->xs, d->h, d->b) ||
	    hn_shamir_split(nd->s_sk, nd->ctx.t, d->xs, d->h, d->s))
		return -EIO;
	return 0;
}

static int shares_msg(struct hn_sa_node *nd, uint8_t **out, size_t *len,
		      char *err, size_t errlen)
{
	struct dealing d;
	uint8_t *buf = NULL, *items;
	unsigned int j;
	int ret = deal(nd, &d);

	if (!ret) {
		buf = new_msg(nd, HN_SA_SHARES, d.h, len);
		ret = buf ? 0 : -ENOMEM;
	}
	items = buf ? hn_sa_msg_items(buf) : NULL;
	for (j = 0; !ret && j < d.h; j++)
		ret = seal_item(nd, d.idx[j], &d.b[j], &d.s[j],
				items + (size_t)j * HN_SA_SHARE_ITEM);
	if (ret == -EAGAIN)
		hn_sa_fail(err, errlen, ret,
			   "secagg: %u neighbours advertised, threshold %u",
			   d.h, nd->ctx.t);
	else if (ret)
		hn_sa_fail(err, errlen, ret, "secagg: cannot deal shares");
	dealing_free(&d);
	if (ret) {
		free(buf);
		return ret;
	}
	return finish_msg(nd, buf, *len, out, len, PHASE_SHARED, err, errlen);
}

/* A refused message leaves nothing behind: what it set is unset. */
static void clear_flag(struct hn_sa_node *nd, uint8_t flag)
{
	unsigned int i;

	for (i = 0; i < nd->ctx.n; i++)
		nd->peer[i].flags &= ~flag;
}

int hn_sa_node_share(struct hn_sa_node *nd, const uint8_t *in, size_t inlen,
		     uint8_t **out, size_t *len, char *err, size_t errlen)
{
	struct hn_sa_msg m;
	bool seen_self = false;
	uint32_t i;
	int ret = phase_is(nd, PHASE_ADVERTISED, "share", err, errlen);

	if (!ret)
		ret = from_agg(&nd->ctx, in, inlen, HN_SA_ADV_LIST, &m, err,
			       errlen);
	for (i = 0; !ret && i < m.count; i++)
		ret = take_advert(nd, hn_sa_item(&m, i), &seen_self, err,
				  errlen);
	if (ret) {
		clear_flag(nd, P_ADV);
		return ret;
	}
	if (!seen_self)
		return hn_sa_fail(err, errlen, -EPROTO,
				  "secagg: our advert is not in the list");
	return shares_msg(nd, out, len, err, errlen);
}

/* One forwarded item: a neighbour's shares for us, opened and kept. */
static int take_share(struct hn_sa_node *nd, const uint8_t *item, char *err,
		      size_t errlen)
{
	uint8_t pt[HN_SA_SHARE_PT_LEN], key[HN_SA_KEY_LEN], aad[AAD_LEN];
	uint32_t from = hn_sa_get32(item);
	struct hn_sa_peer *p;
	int i = hn_sa_index(&nd->ctx, from), ret;

	if (i < 0 || !(nd->peer[i].flags & P_ADV))
		return hn_sa_fail(err, errlen, -EPROTO,
				  "secagg: shares from %u, no neighbour", from);
	p = &nd->peer[i];
	ret = share_key(nd, p->c_shared, from, self_id(nd), key, aad);
	if (!ret)
		ret = hn_sa_open(key, aad, AAD_LEN, item + 4,
				 HN_SA_SHARE_PT_LEN, pt);
	OPENSSL_cleanse(key, sizeof(key));
	if (ret)
		return hn_sa_fail(err, errlen, -EBADMSG,
				  "secagg: shares from %u do not open", from);
	get_share(pt, &p->b);
	get_share(pt + 2 + HN_SHAMIR_LEN, &p->s);
	OPENSSL_cleanse(pt, sizeof(pt));
	if (p->b.x != nd->ctx.self + 1 || p->s.x != nd->ctx.self + 1)
		return hn_sa_fail(err, errlen, -EBADMSG,
				  "secagg: shares from %u at the wrong x",
				  from);
	p->flags |= P_SHARED;
	return 0;
}

/* y = q + PRG(b) + sum over neighbours that shared of +-PRG(s_uv). */
static int mask_input(struct hn_sa_node *nd, const uint32_t *q, uint8_t *out)
{
	uint32_t *y = malloc((size_t)nd->ctx.dim * 4), me = self_id(nd), id;
	uint8_t seed[HN_SA_KEY_LEN];
	unsigned int i;
	int ret;

	if (!y)
		return -ENOMEM;
	memcpy(y, q, (size_t)nd->ctx.dim * 4);
	ret = hn_sa_prg_add(nd->b, 0, y, nd->ctx.dim);
	for (i = 0; !ret && i < nd->ctx.n; i++) {
		if (!(nd->peer[i].flags & P_SHARED))
			continue;
		id = nd->ctx.roster[i].id;
		ret = hn_sa_pair_seed(&nd->ctx, nd->s_sk, nd->peer[i].s_pk, me,
				      id, seed);
		if (!ret)
			ret = hn_sa_prg_add(seed, me > id, y, nd->ctx.dim);
	}
	OPENSSL_cleanse(seed, sizeof(seed));
	for (i = 0; i < nd->ctx.dim; i++)
		hn_sa_put32(out + 4 * (size_t)i, y[i]);
	free(y);
	return ret;
}

static unsigned int count_flag(const struct hn_sa_node *nd, uint8_t flag)
{
	unsigned int i, c = 0;

	for (i = 0; i < nd->ctx.n; i++)
		c += !!(nd->peer[i].flags & flag);
	return c;
}

int hn_sa_node_mask(struct hn_sa_node *nd, const uint8_t *in, size_t inlen,
		    const uint32_t *q, uint8_t **out, size_t *len, char *err,
		    size_t errlen)
{
	struct hn_sa_msg m;
	uint8_t *buf;
	uint32_t i;
	int ret = phase_is(nd, PHASE_SHARED, "mask", err, errlen);

	if (!ret)
		ret = from_agg(&nd->ctx, in, inlen, HN_SA_SHARES_FWD, &m, err,
			       errlen);
	if (!ret && m.to != self_id(nd))
		ret = hn_sa_fail(err, errlen, -EPROTO,
				 "secagg: shares for %u, not us", m.to);
	for (i = 0; !ret && i < m.count; i++)
		ret = take_share(nd, hn_sa_item(&m, i), err, errlen);
	if (ret) {
		clear_flag(nd, P_SHARED);
		return ret;
	}
	if (count_flag(nd, P_SHARED) < nd->ctx.t)
		return hn_sa_fail(err, errlen, -EAGAIN,
				  "secagg: %u neighbours shared, threshold %u",
				  count_flag(nd, P_SHARED), nd->ctx.t);
	buf = new_msg(nd, HN_SA_MASKED, nd->ctx.dim, len);
	if (!buf)
		return hn_sa_fail(err, errlen, -ENOMEM, "secagg: no memory");
	ret = mask_input(nd, q, hn_sa_msg_items(buf));
	if (ret) {
		free(buf);
		return hn_sa_fail(err, errlen, ret, "secagg: cannot mask");
	}
	return finish_msg(nd, buf, *len, out, len, PHASE_MASKED, err, errlen);
}

/*
 * U3 of a CONSIST_REQ, marked P_U3 only when whole and good: at least tc
 * roster nodes (fewer cannot give tc signatures), ourselves among them.
 */
static int read_survivors(struct hn_sa_node *nd, const struct hn_sa_msg *m,
			  char *err, size_t errlen)
{
	uint32_t i, id;
	int j;

	if (m->count < nd->ctx.tc)
		return hn_sa_fail(err, errlen, -EAGAIN,
				  "secagg: %u masked inputs, %u must sign",
				  m->count, nd->ctx.tc);
	for (i = 0; i < m->count; i++) {
		id = hn_sa_get32(hn_sa_item(m, i));
		if (hn_sa_index(&nd->ctx, id) < 0)
			return hn_sa_fail(err, errlen, -EPROTO,
					  "secagg: survivor %u not in the "
					  "roster",
					  id);
	}
	for (i = 0; i < m->count; i++) {
		j = hn_sa_index(&nd->ctx, hn_sa_get32(hn_sa_item(m, i)));
		nd->peer[j].flags |= P_U3;
	}
	if (nd->peer[nd->ctx.self].flags & P_U3)
		return 0;
	clear_flag(nd, P_U3);
	return hn_sa_fail(err, errlen, -EPROTO,
			  "secagg: survivor set without us");
}

int hn_sa_node_consist(struct hn_sa_node *nd, const uint8_t *in, size_t inlen,
		       uint8_t **out, size_t *len, char *err, size_t errlen)
{
	struct hn_sa_msg m;
	uint8_t *buf;
	int ret = phase_is(nd, PHASE_MASKED, "consistency check", err, errlen);

	if (!ret)
		ret = from_agg(&nd->ctx, in, inlen, HN_SA_CONSIST_REQ, &m, err,
			       errlen);
	if (!ret)
		ret = read_survivors(nd, &m, err, errlen);
	if (ret)
		return ret;
	hn_sa_survivors_digest(&nd->ctx, m.items, m.count, nd->u3);
	buf = new_msg(nd, HN_SA_CONSIST, 0, len);
	if (!buf) {
		clear_flag(nd, P_U3);
		return hn_sa_fail(err, errlen, -ENOMEM, "secagg: no memory");
	}
	memcpy(hn_sa_msg_items(buf), nd->u3, HN_SA_CONSIST_BODY);
	ret = finish_msg(nd, buf, *len, out, len, PHASE_SIGNED, err, errlen);
	if (ret)
		clear_flag(nd, P_U3);
	return ret;
}

/*
 * The signatures of an UNMASK_REQ: at least tc, each (ids increasing, so
 * distinct) from a member of the U3 we signed and valid over its digest.
 * An honest node signs one U3 a round, so another U3 cannot gather them.
 */
static int check_signatures(struct hn_sa_node *nd, const struct hn_sa_msg *m,
			    char *err, size_t errlen)
{
	const uint8_t *it;
	uint32_t i, id;
	int j;

	if (m->count < nd->ctx.tc)
		return hn_sa_fail(err, errlen, -EAGAIN,
				  "secagg: %u consistency signatures, need %u",
				  m->count, nd->ctx.tc);
	for (i = 0; i < m->count; i++) {
		it = hn_sa_item(m, i);
		id = hn_sa_get32(it);
		j = hn_sa_index(&nd->ctx, id);
		if (j < 0 || !(nd->peer[j].flags & P_U3))
			return hn_sa_fail(err, errlen, -EPROTO,
					  "secagg: consistency signature of "
					  "%u, not a survivor",
					  id);
		if (!hn_sa_consist_valid(&nd->ctx, j, nd->u3, it + 4))
			return hn_sa_fail(err, errlen, -EBADMSG,
					  "secagg: consistency signature of "
					  "%u does not match our survivor set",
					  id);
	}
	return 0;
}

/*
 * For each neighbour that dealt us shares: its b share if it is in the
 * U3 we signed, else its s_sk share.  Never both for one neighbour: U3 is
 * fixed when we sign (once a round) and we reveal once.
 */
static int reveal(struct hn_sa_node *nd, uint8_t **out, size_t *len, char *err,
		  size_t errlen)
{
	struct hn_sa_peer *p;
	uint8_t *buf, *it;
	unsigned int i;

	buf = new_msg(nd, HN_SA_UNMASK, count_flag(nd, P_SHARED), len);
	if (!buf)
		return hn_sa_fail(err, errlen, -ENOMEM, "secagg: no memory");
	it = hn_sa_msg_items(buf);
	for (i = 0; i < nd->ctx.n; i++) {
		p = &nd->peer[i];
		if (!(p->flags & P_SHARED))
			continue;
		hn_sa_put32(it, nd->ctx.roster[i].id);
		it[4] = p->flags & P_U3 ? HN_SA_KIND_B : HN_SA_KIND_S;
		put_share(it + 5, p->flags & P_U3 ? &p->b : &p->s);
		it += HN_SA_UNMASK_ITEM;
	}
	return finish_msg(nd, buf, *len, out, len, PHASE_DONE, err, errlen);
}

int hn_sa_node_unmask(struct hn_sa_node *nd, const uint8_t *in, size_t inlen,
		      uint8_t **out, size_t *len, char *err, size_t errlen)
{
	struct hn_sa_msg m;
	int ret = phase_is(nd, PHASE_SIGNED, "unmask", err, errlen);

	if (!ret)
		ret = from_agg(&nd->ctx, in, inlen, HN_SA_UNMASK_REQ, &m, err,
			       errlen);
	if (!ret)
		ret = check_signatures(nd, &m, err, errlen);
	if (!ret)
		ret = reveal(nd, out, len, err, errlen);
	return ret;
}
