// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Control-frame codecs of hypernetd (ctrl.h, Documentation/agent-protocol.rst).
 *
 * Decoding runs in three steps so that unauthenticated junk costs little
 * and tells a sender without the key nothing about our field rules:
 *   1. structure: hnhdr (hn_hdr_check()), type, counts against hnhdr.len;
 *      this is what locates the trailer;
 *   2. key and MAC;
 *   3. field rules (msg_check()), which encoding applies too, so that a
 *      daemon bug fails at send time instead of at every peer.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <endian.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "hypernet/frame.h"
#include "ctrl.h"

_Static_assert(sizeof(struct hn_auth) == 28, "hn_auth layout");
_Static_assert(sizeof(struct hn_hello) == 16, "hn_hello layout");
_Static_assert(sizeof(struct hn_hello_heard) == 8, "hn_hello_heard layout");
_Static_assert(sizeof(struct hn_probe) == 16, "hn_probe layout");
_Static_assert(sizeof(struct hn_lsa) == 20, "hn_lsa layout");
_Static_assert(sizeof(struct hn_lsa_link) == 8, "hn_lsa_link layout");
_Static_assert(sizeof(struct hn_lsa_rate) == 8, "hn_lsa_rate layout");
_Static_assert(sizeof(struct hn_model_chunk) == 28, "hn_model_chunk layout");
_Static_assert(sizeof(struct hn_fed_frag) == 32, "hn_fed_frag layout");
_Static_assert(sizeof(struct hn_fed_frag) + HN_FED_FRAG_MAX <=
		       sizeof(struct hn_model_chunk) + HN_CHUNK_DATA_MAX,
	       "a FED frame fits HN_CTRL_MAX");
_Static_assert(sizeof(struct hn_echo) == 20, "hn_echo layout");
_Static_assert(sizeof(struct hn_echo_hop) == 16, "hn_echo_hop layout");
_Static_assert(sizeof(struct hn_echo) + HN_ECHO_PAD_MAX <=
		       sizeof(struct hn_model_chunk) + HN_CHUNK_DATA_MAX,
	       "an ECHO frame fits HN_CTRL_MAX");

/* MAC input ends before the mac itself: key_id and counter are covered. */
#define AUTH_SIGNED (HN_AUTH_LEN - HN_AUTH_MAC_LEN)

static const char *const ce_names[__HN_CE_MAX] = {
	[HN_CE_OK] = "ok",
	[HN_CE_TRUNCATED] = "truncated",
	[HN_CE_HEADER] = "bad-header",
	[HN_CE_TYPE] = "bad-type",
	[HN_CE_LENGTH] = "bad-length",
	[HN_CE_FIELD] = "bad-field",
	[HN_CE_KEY] = "unknown-key",
	[HN_CE_MAC] = "bad-mac",
};

const char *hn_ctrl_err_name(int err)
{
	if (err < 0 || err >= __HN_CE_MAX)
		return "unknown";
	return ce_names[err];
}

static const char *type_name(unsigned int type)
{
	switch (type) {
	case HN_T_HELLO:
		return "hello";
	case HN_T_GOSSIP:
		return "gossip";
	case HN_T_MODEL_CHUNK:
		return "model-chunk";
	case HN_T_PROBE:
		return "probe";
	case HN_T_ACK:
		return "ack";
	case HN_T_FED:
		return "fed";
	case HN_T_ECHO:
		return "echo";
	case HN_T_DATA:
		return "data";
	case HN_T_TENSOR:
		return "tensor";
	}
	return "unknown";
}

static __attribute__((format(printf, 4, 5))) int
fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/* Payload bytes before the variable part, or 0 if not a control type. */
static size_t fixed_len(unsigned int type)
{
	switch (type) {
	case HN_T_HELLO:
		return sizeof(struct hn_hello);
	case HN_T_GOSSIP:
		return sizeof(struct hn_lsa);
	case HN_T_MODEL_CHUNK:
		return sizeof(struct hn_model_chunk);
	case HN_T_PROBE:
	case HN_T_ACK:
		return sizeof(struct hn_probe);
	case HN_T_FED:
		return sizeof(struct hn_fed_frag);
	case HN_T_ECHO:
		return sizeof(struct hn_echo);
	}
	return 0;
}

/* Variable payload bytes the counts of @m call for. */
static size_t var_len(const struct hn_ctrl_msg *m)
{
	switch (m->type) {
	case HN_T_HELLO:
		return m->u.hello.n_heard * sizeof(struct hn_hello_heard);
	case HN_T_GOSSIP:
		return m->u.lsa.n_links * sizeof(struct hn_lsa_link) +
		       m->u.lsa.n_stages +
		       (m->u.lsa.flags & HN_LSA_F_UTIL ? m->u.lsa.n_links : 0) +
		       (m->u.lsa.flags & HN_LSA_F_RATES ?
				m->u.lsa.n_stages * sizeof(struct hn_lsa_rate) :
				0);
	case HN_T_MODEL_CHUNK:
		return m->u.chunk.chunk_len;
	case HN_T_FED:
		return m->u.fed.frag_len;
	case HN_T_ECHO:
		return m->u.echo.pad_len;
	}
	return 0;
}

/*
 * The counts, range-checked before anything is sized from them (decode
 * checks them again from the wire before the MAC).
 */
static int counts_check(const struct hn_ctrl_msg *m, char *err, size_t errlen)
{
	switch (m->type) {
	case HN_T_HELLO:
		if (m->u.hello.n_heard > HN_HELLO_MAX_HEARD)
			return fail(err, errlen, HN_CE_FIELD,
				    "hello: n_heard %u > %d",
				    m->u.hello.n_heard, HN_HELLO_MAX_HEARD);
		break;
	case HN_T_GOSSIP:
		if (m->u.lsa.n_links > HN_LSA_MAX_LINKS)
			return fail(err, errlen, HN_CE_FIELD,
				    "gossip: n_links %u > %d", m->u.lsa.n_links,
				    HN_LSA_MAX_LINKS);
		if (m->u.lsa.n_stages > HN_LSA_MAX_STAGES)
			return fail(err, errlen, HN_CE_FIELD,
				    "gossip: n_stages %u > %d",
				    m->u.lsa.n_stages, HN_LSA_MAX_STAGES);
		break;
	case HN_T_MODEL_CHUNK:
		if (m->u.chunk.chunk_len > HN_CHUNK_DATA_MAX)
			return fail(err, errlen, HN_CE_FIELD,
				    "model-chunk: chunk_len %u > %d",
				    m->u.chunk.chunk_len, HN_CHUNK_DATA_MAX);
		break;
	case HN_T_FED:
		if (m->u.fed.frag_len > HN_FED_FRAG_MAX)
			return fail(err, errlen, HN_CE_FIELD,
				    "fed: frag_len %u > %d", m->u.fed.frag_len,
				    HN_FED_FRAG_MAX);
		break;
	case HN_T_ECHO:
		if (m->u.echo.pad_len > HN_ECHO_PAD_MAX)
			return fail(err, errlen, HN_CE_FIELD,
				    "echo: pad_len %u > %d", m->u.echo.pad_len,
				    HN_ECHO_PAD_MAX);
		break;
	}
	return HN_CE_OK;
}

/*
 * How a control type is addressed (hypernet_packet.h).  GOSSIP and
 * MODEL_CHUNK may also go unicast to one node (catching up a neighbour
 * that just came up); never anycast, never to another group.
 */
static int mode_check(const struct hn_ctrl_msg *m, char *err, size_t errlen)
{
	const char *name = type_name(m->type);
	int flood = m->flags == HN_F_MCAST && m->dst == HN_GROUP_ALL;

	switch (m->type) {
	case HN_T_HELLO:
		if (!flood)
			return fail(
				err, errlen, HN_CE_FIELD,
				"%s: flags 0x%x dst 0x%08x, must be MCAST to HN_GROUP_ALL",
				name, m->flags, m->dst);
		break;
	case HN_T_GOSSIP:
	case HN_T_MODEL_CHUNK:
		if (!flood && m->flags)
			return fail(
				err, errlen, HN_CE_FIELD,
				"%s: flags 0x%x dst 0x%08x, must be MCAST to HN_GROUP_ALL or unicast",
				name, m->flags, m->dst);
		break;
	case HN_T_PROBE:
	case HN_T_ACK:
	case HN_T_FED:
	case HN_T_ECHO:
		if (m->flags)
			return fail(err, errlen, HN_CE_FIELD,
				    "%s: flags 0x%x, must be 0 (unicast)", name,
				    m->flags);
		break;
	}
	return HN_CE_OK;
}

static int hello_check(const struct hn_ctrl_msg *m, char *err, size_t errlen)
{
	const struct hn_ctrl_hello *h = &m->u.hello;
	unsigned int i, j;

	if (h->interval_ms < 1)
		return fail(err, errlen, HN_CE_FIELD, "hello: interval_ms 0");
	for (i = 0; i < h->n_heard; i++) {
		if (h->heard[i].node == HN_NODE_NONE ||
		    h->heard[i].node == m->src)
			return fail(
				err, errlen, HN_CE_FIELD,
				"hello: heard %u node 0x%08x is 0 or the sender",
				i, h->heard[i].node);
		/* n <= 32: quadratic is cheaper than anything clever. */
		for (j = 0; j < i; j++)
			if (h->heard[j].node == h->heard[i].node)
				return fail(
					err, errlen, HN_CE_FIELD,
					"hello: heard %u and %u both name node 0x%08x",
					j, i, h->heard[i].node);
	}
	return HN_CE_OK;
}

/* Same rules as hn_topo_update(): no self, zero or duplicate links. */
static int lsa_check(const struct hn_ctrl_msg *m, char *err, size_t errlen)
{
	const struct hn_ctrl_lsa *l = &m->u.lsa;
	unsigned int i, j;

	if (l->lifetime_s < 1)
		return fail(err, errlen, HN_CE_FIELD, "gossip: lifetime_s 0");
	if (l->flags & ~__HN_LSA_F_ALL)
		return fail(err, errlen, HN_CE_FIELD,
			    "gossip: unknown flags 0x%04x", l->flags);
	for (i = 0; i < l->n_links; i++) {
		if (l->links[i].node == HN_NODE_NONE ||
		    l->links[i].node == m->src)
			return fail(
				err, errlen, HN_CE_FIELD,
				"gossip: link %u node 0x%08x is 0 or the origin",
				i, l->links[i].node);
		if (l->links[i].cost < 1)
			return fail(err, errlen, HN_CE_FIELD,
				    "gossip: link %u (node 0x%08x) cost 0", i,
				    l->links[i].node);
		for (j = 0; j < i; j++)
			if (l->links[j].node == l->links[i].node)
				return fail(
					err, errlen, HN_CE_FIELD,
					"gossip: links %u and %u both name node 0x%08x",
					j, i, l->links[i].node);
	}
	for (i = 0; i < l->n_stages; i++) {
		for (j = 0; j < i; j++)
			if (l->stages[j] == l->stages[i])
				return fail(err, errlen, HN_CE_FIELD,
					    "gossip: stages %u and %u both %u",
					    j, i, l->stages[i]);
		if ((l->flags & HN_LSA_F_RATES) &&
		    l->rates[i].busy > HN_RATE_BUSY_MAX)
			return fail(err, errlen, HN_CE_FIELD,
				    "gossip: stage %u busy %u > %d permille",
				    l->stages[i], l->rates[i].busy,
				    HN_RATE_BUSY_MAX);
	}
	return HN_CE_OK;
}

static int chunk_check(const struct hn_ctrl_msg *m, char *err, size_t errlen)
{
	const struct hn_ctrl_chunk *c = &m->u.chunk;

	if (c->total_len < 1 || c->total_len > HN_MODEL_XFER_MAX)
		return fail(err, errlen, HN_CE_FIELD,
			    "model-chunk: total_len %u not in 1..%d",
			    c->total_len, HN_MODEL_XFER_MAX);
	if (c->chunk_len < 1)
		return fail(err, errlen, HN_CE_FIELD,
			    "model-chunk: chunk_len 0");
	if (c->object >= __HN_OBJ_MAX)
		return fail(err, errlen, HN_CE_FIELD,
			    "model-chunk: unknown object %u", c->object);
	/* 64-bit sum: offset near 2^32 must not wrap into range. */
	if ((__u64)c->offset + c->chunk_len > c->total_len)
		return fail(
			err, errlen, HN_CE_FIELD,
			"model-chunk: offset %u + chunk_len %u > total_len %u",
			c->offset, c->chunk_len, c->total_len);
	return HN_CE_OK;
}

/*
 * A FED fragment: DATA at a fragment boundary, inside the message, and
 * full unless it is the last one; a SACK's bitmap exactly covers the
 * message's fragments.
 */
static int fed_check(const struct hn_ctrl_msg *m, char *err, size_t errlen)
{
	const struct hn_ctrl_fed *f = &m->u.fed;
	__u64 end = (__u64)f->offset + f->frag_len;

	if (f->total_len < 1 || f->total_len > HN_FED_MSG_MAX)
		return fail(err, errlen, HN_CE_FIELD,
			    "fed: total_len %u not in 1..%d", f->total_len,
			    HN_FED_MSG_MAX);
	if (f->op >= __HN_FED_OP_MAX || !f->kind || !f->campaign)
		return fail(err, errlen, HN_CE_FIELD,
			    "fed: op %u kind %u campaign %llu", f->op, f->kind,
			    (unsigned long long)f->campaign);
	if (f->op == HN_FED_SACK) {
		if (f->offset ||
		    f->frag_len != (hn_fed_frags(f->total_len) + 7) / 8)
			return fail(
				err, errlen, HN_CE_FIELD,
				"fed: sack of %u bytes with offset %u and a bitmap of %u bytes",
				f->total_len, f->offset, f->frag_len);
		return HN_CE_OK;
	}
	if (f->offset % HN_FED_FRAG_MAX || end > f->total_len || !f->frag_len ||
	    (end < f->total_len && f->frag_len != HN_FED_FRAG_MAX))
		return fail(
			err, errlen, HN_CE_FIELD,
			"fed: fragment at %u of %u bytes in a message of %u",
			f->offset, f->frag_len, f->total_len);
	return HN_CE_OK;
}

/* Field rules shared by encode and decode; HN_CE_OK or HN_CE_FIELD. */
static int msg_check(const struct hn_ctrl_msg *m, char *err, size_t errlen)
{
	int ret;

	ret = counts_check(m, err, errlen);
	if (!ret)
		ret = mode_check(m, err, errlen);
	if (ret)
		return ret;
	switch (m->type) {
	case HN_T_HELLO:
		return hello_check(m, err, errlen);
	case HN_T_GOSSIP:
		return lsa_check(m, err, errlen);
	case HN_T_MODEL_CHUNK:
		return chunk_check(m, err, errlen);
	case HN_T_FED:
		return fed_check(m, err, errlen);
	case HN_T_ECHO:
		if (m->u.echo.op >= __HN_ECHO_OP_MAX)
			return fail(err, errlen, HN_CE_FIELD,
				    "echo: op %u unknown", m->u.echo.op);
		break;
	}
	return HN_CE_OK; /* PROBE, ACK: any id and time will do */
}

/*
 * First HN_AUTH_MAC_LEN bytes of HMAC-SHA256 over the @n bytes of @frame
 * (hnhdr .. counter), with hnhdr.ttl and hnhdr.reserved read as 0: routers
 * change them on the way.  A link-local frame's MAC starts with the link's
 * two Ethernet addresses @l2.
 */
static int ctrl_mac(const struct hn_mesh_key *key, const __u8 *frame, size_t n,
		    const struct hn_ctrl_l2 *l2, __u8 out[HN_AUTH_MAC_LEN])
{
	static char digest[] = "SHA256";
	static const struct hn_ctrl_l2 none;
	unsigned char md[EVP_MAX_MD_SIZE];
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx = NULL;
	struct hnhdr h;
	EVP_MAC *mac;
	size_t mdlen;
	int ret = -EIO, ok;

	memcpy(&h, frame, sizeof(h));
	h.ttl = 0;
	h.reserved = 0;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (mac)
		ctx = EVP_MAC_CTX_new(mac);
	ok = ctx && EVP_MAC_init(ctx, key->key, HN_KEY_LEN, params);
	if (ok && hn_ctrl_link_local(h.type))
		ok = EVP_MAC_update(ctx, (const unsigned char *)(l2 ?: &none),
				    sizeof(*l2));
	if (ok && EVP_MAC_update(ctx, (const unsigned char *)&h, sizeof(h)) &&
	    EVP_MAC_update(ctx, frame + sizeof(h), n - sizeof(h)) &&
	    EVP_MAC_final(ctx, md, &mdlen, sizeof(md)) &&
	    mdlen >= HN_AUTH_MAC_LEN) {
		memcpy(out, md, HN_AUTH_MAC_LEN);
		ret = 0;
	}
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return ret;
}

/* HN_LSA_F_UTIL: one utilisation byte per link, after the stage ids. */
static void lsa_util_put(__u8 *p, const struct hn_ctrl_lsa *s)
{
	unsigned int i;

	for (i = 0; i < s->n_links; i++)
		p[i] = s->links[i].util;
}

static void lsa_util_get(struct hn_ctrl_lsa *d, const __u8 *p)
{
	unsigned int i;

	for (i = 0; i < d->n_links; i++)
		d->links[i].util = p[i];
}

/* HN_LSA_F_RATES: one struct hn_lsa_rate per stage, after the rest. */
static void lsa_rates_put(struct hn_lsa_rate *w, const struct hn_ctrl_lsa *s)
{
	unsigned int i;

	for (i = 0; i < s->n_stages; i++) {
		w[i].ns_per_item = htobe32(s->rates[i].ns_per_item);
		w[i].busy = htobe16(s->rates[i].busy);
		w[i].queue = htobe16(s->rates[i].queue);
	}
}

static void lsa_rates_get(struct hn_ctrl_lsa *d, const struct hn_lsa_rate *w)
{
	unsigned int i;

	for (i = 0; i < d->n_stages; i++) {
		d->rates[i].ns_per_item = be32toh(w[i].ns_per_item);
		d->rates[i].busy = be16toh(w[i].busy);
		d->rates[i].queue = be16toh(w[i].queue);
	}
}

/* Where the LSA's trailers start: after the stage ids. */
static size_t lsa_tail_off(const struct hn_ctrl_lsa *l)
{
	return sizeof(struct hn_lsa) + l->n_links * sizeof(struct hn_lsa_link) +
	       l->n_stages;
}

/* ECHO's fixed part, and its padding: zero (the caller's memset()) or given */
static void echo_put(struct hn_echo *w, const struct hn_ctrl_echo *s)
{
	if (s->data)
		memcpy(w + 1, s->data, s->pad_len);
	w->id = htobe32(s->id);
	w->seq = htobe32(s->seq);
	w->t_ns = htobe64(s->t_ns);
	w->op = s->op;
	w->pad_len = htobe16(s->pad_len);
}

/* Where HN_LSA_F_RATES's entries start: after the utilisation bytes. */
static size_t lsa_rates_off(const struct hn_ctrl_lsa *l)
{
	return lsa_tail_off(l) + (l->flags & HN_LSA_F_UTIL ? l->n_links : 0);
}

static void put_payload(__u8 *p, const struct hn_ctrl_msg *m)
{
	unsigned int i;

	switch (m->type) {
	case HN_T_HELLO: {
		const struct hn_ctrl_hello *s = &m->u.hello;
		struct hn_hello *w = (struct hn_hello *)p;
		struct hn_hello_heard *hw = (struct hn_hello_heard *)(w + 1);

		w->interval_ms = htobe16(s->interval_ms);
		w->load = s->load;
		w->capacity = s->capacity;
		w->model_gen = htobe64(s->model_gen);
		w->n_heard = s->n_heard;
		for (i = 0; i < s->n_heard; i++) {
			hw[i].node = htobe32(s->heard[i].node);
			hw[i].rx_ratio = s->heard[i].rx_ratio;
		}
		break;
	}
	case HN_T_PROBE:
	case HN_T_ACK: {
		struct hn_probe *w = (struct hn_probe *)p;

		w->id = htobe32(m->u.probe.id);
		w->t_ns = htobe64(m->u.probe.t_ns);
		break;
	}
	case HN_T_GOSSIP: {
		const struct hn_ctrl_lsa *s = &m->u.lsa;
		struct hn_lsa *w = (struct hn_lsa *)p;
		struct hn_lsa_link *lw = (struct hn_lsa_link *)(w + 1);

		w->lsa_seq = htobe32(s->seq);
		w->lifetime_s = htobe16(s->lifetime_s);
		w->load = s->load;
		w->capacity = s->capacity;
		w->model_gen = htobe64(s->model_gen);
		w->n_links = s->n_links;
		w->n_stages = s->n_stages;
		w->flags = htobe16(s->flags);
		for (i = 0; i < s->n_links; i++) {
			lw[i].node = htobe32(s->links[i].node);
			lw[i].cost = htobe16(s->links[i].cost);
			lw[i].quality = s->links[i].quality;
			lw[i].delay = s->links[i].delay;
		}
		memcpy(lw + s->n_links, s->stages, s->n_stages);
		if (s->flags & HN_LSA_F_UTIL)
			lsa_util_put(p + lsa_tail_off(s), s);
		if (s->flags & HN_LSA_F_RATES)
			lsa_rates_put(
				(struct hn_lsa_rate *)(p + lsa_rates_off(s)),
				s);
		break;
	}
	case HN_T_MODEL_CHUNK: {
		const struct hn_ctrl_chunk *s = &m->u.chunk;
		struct hn_model_chunk *w = (struct hn_model_chunk *)p;

		w->generation = htobe64(s->generation);
		memcpy(w->digest, s->digest, sizeof(w->digest));
		w->total_len = htobe32(s->total_len);
		w->offset = htobe32(s->offset);
		w->chunk_len = htobe16(s->chunk_len);
		w->object = htobe16(s->object);
		memcpy(w + 1, s->data, s->chunk_len);
		break;
	}
	case HN_T_FED: {
		const struct hn_ctrl_fed *s = &m->u.fed;
		struct hn_fed_frag *w = (struct hn_fed_frag *)p;

		w->campaign = htobe64(s->campaign);
		w->round = htobe32(s->round);
		w->msg_id = htobe32(s->msg_id);
		w->total_len = htobe32(s->total_len);
		w->offset = htobe32(s->offset);
		w->frag_len = htobe16(s->frag_len);
		w->attempt = s->attempt;
		w->kind = s->kind;
		w->op = s->op;
		memcpy(w + 1, s->data, s->frag_len);
		break;
	}
	case HN_T_ECHO:
		echo_put((struct hn_echo *)p, &m->u.echo);
		break;
	}
}

int hn_ctrl_encode(void *buf, size_t size, const struct hn_ctrl_msg *m,
		   const struct hn_mesh_key *key)
{
	__u8 *p = buf;
	struct hn_auth *a;
	struct hnhdr h;
	size_t plen, total;

	if (!buf || !m || !key || !fixed_len(m->type))
		return -EINVAL;
	if (msg_check(m, NULL, 0))
		return -EINVAL;
	if (m->type == HN_T_MODEL_CHUNK && !m->u.chunk.data)
		return -EINVAL;
	if (m->type == HN_T_FED && !m->u.fed.data)
		return -EINVAL;
	plen = fixed_len(m->type) + var_len(m);
	total = HN_HDR_LEN + plen + HN_AUTH_LEN;

	h.version = HN_VERSION;
	h.type = m->type;
	h.flags = m->flags;
	h.ttl = m->ttl;
	h.tclass = m->tclass;
	h.reserved = 0;
	h.len = htobe16(plen + HN_AUTH_LEN);
	h.src = htobe32(m->src);
	h.dst = htobe32(m->dst);
	h.seq = htobe32(m->seq);
	/* What a receiver's data plane would refuse (ttl 0, src 0 ...). */
	if (hn_hdr_check(&h, total))
		return -EINVAL;
	if (size < total)
		return -ENOSPC;

	memset(p, 0, total); /* reserved bytes */
	memcpy(p, &h, sizeof(h));
	put_payload(p + HN_HDR_LEN, m);
	a = (struct hn_auth *)(p + HN_HDR_LEN + plen);
	a->key_id = htobe32(key->id);
	a->counter = htobe64(m->counter);
	if (ctrl_mac(key, p, HN_HDR_LEN + plen + AUTH_SIGNED, &m->l2, a->mac))
		return -EIO;
	return total;
}

/* Fill @m's payload part from the checked wire bytes at @p. */
static void get_payload(const __u8 *p, struct hn_ctrl_msg *m)
{
	unsigned int i;

	switch (m->type) {
	case HN_T_HELLO: {
		const struct hn_hello *w = (const struct hn_hello *)p;
		const struct hn_hello_heard *hw = (const void *)(w + 1);
		struct hn_ctrl_hello *d = &m->u.hello;

		d->interval_ms = be16toh(w->interval_ms);
		d->load = w->load;
		d->capacity = w->capacity;
		d->model_gen = be64toh(w->model_gen);
		d->n_heard = w->n_heard;
		for (i = 0; i < d->n_heard; i++) {
			d->heard[i].node = be32toh(hw[i].node);
			d->heard[i].rx_ratio = hw[i].rx_ratio;
		}
		break;
	}
	case HN_T_PROBE:
	case HN_T_ACK: {
		const struct hn_probe *w = (const struct hn_probe *)p;

		m->u.probe.id = be32toh(w->id);
		m->u.probe.t_ns = be64toh(w->t_ns);
		break;
	}
	case HN_T_GOSSIP: {
		const struct hn_lsa *w = (const struct hn_lsa *)p;
		const struct hn_lsa_link *lw = (const void *)(w + 1);
		struct hn_ctrl_lsa *d = &m->u.lsa;

		d->origin = m->src;
		d->seq = be32toh(w->lsa_seq);
		d->lifetime_s = be16toh(w->lifetime_s);
		d->load = w->load;
		d->capacity = w->capacity;
		d->model_gen = be64toh(w->model_gen);
		d->n_links = w->n_links;
		d->n_stages = w->n_stages;
		d->flags = be16toh(w->flags);
		for (i = 0; i < d->n_links; i++) {
			d->links[i].node = be32toh(lw[i].node);
			d->links[i].cost = be16toh(lw[i].cost);
			d->links[i].quality = lw[i].quality;
			d->links[i].delay = lw[i].delay;
		}
		memcpy(d->stages, lw + d->n_links, d->n_stages);
		if (d->flags & HN_LSA_F_UTIL)
			lsa_util_get(d, p + lsa_tail_off(d));
		if (d->flags & HN_LSA_F_RATES)
			lsa_rates_get(d, (const void *)(p + lsa_rates_off(d)));
		break;
	}
	case HN_T_MODEL_CHUNK: {
		const struct hn_model_chunk *w = (const void *)p;
		struct hn_ctrl_chunk *d = &m->u.chunk;

		d->generation = be64toh(w->generation);
		memcpy(d->digest, w->digest, sizeof(d->digest));
		d->total_len = be32toh(w->total_len);
		d->offset = be32toh(w->offset);
		d->chunk_len = be16toh(w->chunk_len);
		d->object = be16toh(w->object);
		d->data = (const __u8 *)(w + 1);
		break;
	}
	case HN_T_FED: {
		const struct hn_fed_frag *w = (const void *)p;
		struct hn_ctrl_fed *d = &m->u.fed;

		d->campaign = be64toh(w->campaign);
		d->round = be32toh(w->round);
		d->msg_id = be32toh(w->msg_id);
		d->total_len = be32toh(w->total_len);
		d->offset = be32toh(w->offset);
		d->frag_len = be16toh(w->frag_len);
		d->attempt = w->attempt;
		d->kind = w->kind;
		d->op = w->op;
		d->data = (const __u8 *)(w + 1);
		break;
	}
	case HN_T_ECHO: {
		const struct hn_echo *w = (const void *)p;
		struct hn_ctrl_echo *d = &m->u.echo;

		d->id = be32toh(w->id);
		d->seq = be32toh(w->seq);
		d->t_ns = be64toh(w->t_ns);
		d->op = w->op;
		d->pad_len = be16toh(w->pad_len);
		d->data = (const __u8 *)(w + 1);
		break;
	}
	}
}

static int hdr_fail(const struct hnhdr *h, int ret, size_t len, char *err,
		    size_t errlen)
{
	switch (ret) {
	case HN_ERR_TRUNCATED:
	case HN_ERR_LENGTH:
		return fail(
			err, errlen, HN_CE_TRUNCATED,
			"truncated: hnhdr.len %u needs %u bytes, frame has %zu",
			be16toh(h->len), be16toh(h->len) + 20U, len);
	case HN_ERR_VERSION:
		return fail(err, errlen, HN_CE_HEADER,
			    "header: version %u, expected %d", h->version,
			    HN_VERSION);
	case HN_ERR_TYPE:
		return fail(err, errlen, HN_CE_TYPE,
			    "header: type %u is not a frame type (1..%d)",
			    h->type, HN_T_MAX);
	case HN_ERR_FLAGS:
		return fail(err, errlen, HN_CE_HEADER,
			    "header: flags 0x%02x unknown or MCAST|ANYCAST",
			    h->flags);
	case HN_ERR_TTL:
		return fail(err, errlen, HN_CE_HEADER, "header: ttl 0");
	case HN_ERR_ADDR:
		return fail(err, errlen, HN_CE_HEADER,
			    "header: src 0x%08x dst 0x%08x, 0 is never a node",
			    be32toh(h->src), be32toh(h->dst));
	}
	return fail(err, errlen, HN_CE_HEADER, "header: error %d", ret);
}

/* Step 1 for the counts: range, then hnhdr.len against them. */
static int length_check(const __u8 *p, unsigned int type, size_t have,
			char *err, size_t errlen)
{
	struct hn_ctrl_msg c = { .type = type };
	const char *name = type_name(type);
	size_t need = fixed_len(type);
	int ret;

	switch (type) {
	case HN_T_HELLO:
		c.u.hello.n_heard = ((const struct hn_hello *)p)->n_heard;
		break;
	case HN_T_GOSSIP:
		c.u.lsa.n_links = ((const struct hn_lsa *)p)->n_links;
		c.u.lsa.n_stages = ((const struct hn_lsa *)p)->n_stages;
		c.u.lsa.flags = be16toh(((const struct hn_lsa *)p)->flags);
		break;
	case HN_T_MODEL_CHUNK:
		c.u.chunk.chunk_len =
			be16toh(((const struct hn_model_chunk *)p)->chunk_len);
		break;
	case HN_T_FED:
		c.u.fed.frag_len =
			be16toh(((const struct hn_fed_frag *)p)->frag_len);
		break;
	case HN_T_ECHO:
		c.u.echo.pad_len =
			be16toh(((const struct hn_echo *)p)->pad_len);
		break;
	}
	ret = counts_check(&c, err, errlen);
	if (ret)
		return ret;
	need += var_len(&c);
	if (need == have)
		return HN_CE_OK;

	switch (type) {
	case HN_T_HELLO:
		return fail(
			err, errlen, HN_CE_LENGTH,
			"hello: %u heard need %zu payload bytes, frame has %zu",
			c.u.hello.n_heard, need, have);
	case HN_T_GOSSIP:
		return fail(
			err, errlen, HN_CE_LENGTH,
			"gossip: %u links + %u stages%s%s need %zu payload bytes, frame has %zu",
			c.u.lsa.n_links, c.u.lsa.n_stages,
			c.u.lsa.flags & HN_LSA_F_UTIL ? " + utilisation" : "",
			c.u.lsa.flags & HN_LSA_F_RATES ? " + rates" : "", need,
			have);
	case HN_T_MODEL_CHUNK:
		return fail(
			err, errlen, HN_CE_LENGTH,
			"model-chunk: chunk_len %u needs %zu payload bytes, frame has %zu",
			c.u.chunk.chunk_len, need, have);
	case HN_T_FED:
		return fail(
			err, errlen, HN_CE_LENGTH,
			"fed: frag_len %u needs %zu payload bytes, frame has %zu",
			c.u.fed.frag_len, need, have);
	case HN_T_ECHO:
		return fail(
			err, errlen, HN_CE_LENGTH,
			"echo: pad_len %u needs %zu payload bytes, frame has %zu",
			c.u.echo.pad_len, need, have);
	}
	return fail(err, errlen, HN_CE_LENGTH,
		    "%s: needs %zu payload bytes, frame has %zu", name, need,
		    have);
}

int hn_ctrl_decode(const void *buf, size_t len, const struct hn_ctrl_l2 *l2,
		   struct hn_ctrl_msg *m, const struct hn_mesh_key *keys,
		   unsigned int n_keys, char *err, size_t errlen)
{
	const __u8 *p = buf;
	const struct hnhdr *h = buf;
	const struct hn_mesh_key *key = NULL;
	const struct hn_auth *a;
	__u8 mac[HN_AUTH_MAC_LEN];
	size_t plen, have;
	unsigned int i;
	__u32 key_id;
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (!buf || len < HN_HDR_LEN)
		return fail(err, errlen, HN_CE_TRUNCATED,
			    "truncated: %zu bytes, hnhdr needs %zu", len,
			    HN_HDR_LEN);
	/* Bytes past HN_HDR_LEN + 0xFFFF are padding: keep avail in u32. */
	ret = hn_hdr_check(h, len > HN_HDR_LEN + 0xFFFF ? HN_HDR_LEN + 0xFFFF :
							  (__u32)len);
	if (ret)
		return hdr_fail(h, ret, len, err, errlen);
	if (!fixed_len(h->type))
		return fail(err, errlen, HN_CE_TYPE,
			    "type %u (%s) is not a control frame", h->type,
			    type_name(h->type));

	plen = be16toh(h->len);
	if (plen < fixed_len(h->type) + HN_AUTH_LEN)
		return fail(
			err, errlen, HN_CE_LENGTH,
			"%s: hnhdr.len %zu < %zu (payload header %zu + trailer %zu)",
			type_name(h->type), plen,
			fixed_len(h->type) + HN_AUTH_LEN, fixed_len(h->type),
			HN_AUTH_LEN);
	have = plen - HN_AUTH_LEN;
	ret = length_check(p + HN_HDR_LEN, h->type, have, err, errlen);
	if (ret)
		return ret;

	a = (const struct hn_auth *)(p + HN_HDR_LEN + have);
	key_id = be32toh(a->key_id);
	for (i = 0; keys && i < n_keys && !key; i++)
		if (keys[i].id == key_id)
			key = &keys[i];
	if (!key)
		return fail(err, errlen, HN_CE_KEY,
			    "%s: key_id %u not configured", type_name(h->type),
			    key_id);
	if (ctrl_mac(key, p, HN_HDR_LEN + have + AUTH_SIGNED, l2, mac))
		return fail(err, errlen, HN_CE_MAC, "%s: HMAC failed",
			    type_name(h->type));
	if (CRYPTO_memcmp(mac, a->mac, HN_AUTH_MAC_LEN))
		return fail(
			err, errlen, HN_CE_MAC,
			"%s: mac does not verify (src 0x%08x key_id %u counter %llu)",
			type_name(h->type), be32toh(h->src), key_id,
			(unsigned long long)be64toh(a->counter));

	memset(m, 0, sizeof(*m));
	m->type = h->type;
	m->flags = h->flags;
	m->ttl = h->ttl;
	m->tclass = h->tclass;
	m->src = be32toh(h->src);
	m->dst = be32toh(h->dst);
	m->seq = be32toh(h->seq);
	m->key_id = key_id;
	m->counter = be64toh(a->counter);
	if (l2)
		m->l2 = *l2;
	get_payload(p + HN_HDR_LEN, m);
	return msg_check(m, err, errlen);
}

/* @v clamped into [@lo, @hi]. */
static __int128 clamp128(__int128 v, __int128 lo, __int128 hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static __s64 offset_of(__u64 counter, __u64 now)
{
	return clamp128((__int128)counter - now, INT64_MIN, INT64_MAX);
}

void hn_replay_anchor(struct hn_replay *r, __u64 counter, __u64 now)
{
	r->seen[0] = counter;
	r->n = 1;
	r->offset = offset_of(counter, now);
	r->seen_ns = now;
	r->jump_ns = 0;
}

/*
 * A frame too far ahead at @now: 1 if it agrees with the last such frame,
 * at least HN_REPLAY_CONFIRM_NS before, on the sender's clock (then the
 * window was anchored by a frame from the past), else 0 and it is the
 * one to agree with.
 */
static int jump_confirmed(struct hn_replay *r, __u64 counter, __u64 now)
{
	__s64 off = offset_of(counter, now);
	__int128 d = (__int128)off - r->jump_offset;

	/* clamped: no clock is that far from ours */
	if (off == INT64_MAX || off == INT64_MIN)
		return 0;
	if (r->jump_ns && now - r->jump_ns >= HN_REPLAY_CONFIRM_NS &&
	    now - r->jump_ns <= 60 * HN_REPLAY_CONFIRM_NS &&
	    d <= HN_REPLAY_SLACK_NS && d >= -HN_REPLAY_SLACK_NS)
		return 1;
	r->jump_offset = off;
	r->jump_ns = now;
	return 0;
}

/*
 * The highest counter the sender's clock can have reached at @now; the
 * offset seen in this frame's @counter folded in.  In 128 bits: counters
 * and clocks are any u64, their difference any s65.
 */
static __u64 counter_limit(struct hn_replay *r, __u64 counter, __u64 now)
{
	__int128 seen = (__int128)counter - now, lim;
	__u64 dt = now > r->seen_ns ? now - r->seen_ns : 0;

	lim = (__int128)r->offset + dt / 64;
	if (seen > r->offset)
		r->offset =
			clamp128(seen < lim ? seen : lim, INT64_MIN, INT64_MAX);
	if (now > r->seen_ns)
		r->seen_ns = now;
	return clamp128(lim + now + HN_REPLAY_SLACK_NS, 0, UINT64_MAX);
}

/* Index of the first of r->seen not below @c. */
static unsigned int seen_pos(const struct hn_replay *r, __u64 c)
{
	unsigned int lo = 0, hi = r->n, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (r->seen[mid] < c)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int hn_replay_accept(struct hn_replay *r, __u64 counter, __u64 now)
{
	unsigned int i;
	__u64 max;

	if (!r->n) {
		hn_replay_anchor(r, counter, now);
		return 0;
	}
	max = counter_limit(r, counter, now);
	if (counter > r->seen[r->n - 1] && counter > max) {
		if (!jump_confirmed(r, counter, now))
			return -ERANGE;
		hn_replay_anchor(r, counter, now);
		return 0;
	}
	i = seen_pos(r, counter);
	if (i < r->n && r->seen[i] == counter)
		return -EALREADY;
	if (r->n == HN_REPLAY_WINDOW) {
		/* full: the lowest goes, and nothing at or below it comes */
		if (!i)
			return -ESTALE;
		memmove(r->seen, r->seen + 1, (i - 1) * sizeof(r->seen[0]));
		r->seen[i - 1] = counter;
		return 0;
	}
	memmove(r->seen + i + 1, r->seen + i, (r->n - i) * sizeof(r->seen[0]));
	r->seen[i] = counter;
	r->n++;
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hn_mesh_key_parse(const char *hex, struct hn_mesh_key *k)
{
	__u8 key[HN_KEY_LEN];
	int hi, lo;
	unsigned int i;

	if (!hex || !k)
		return -EINVAL;
	/* A NUL fails hex_digit(), so nothing past the string is read. */
	for (i = 0; i < HN_KEY_LEN; i++) {
		hi = hex_digit(hex[2 * i]);
		if (hi < 0)
			goto bad;
		lo = hex_digit(hex[2 * i + 1]);
		if (lo < 0)
			goto bad;
		key[i] = hi << 4 | lo;
	}
	if (hex[2 * HN_KEY_LEN])
		goto bad;
	memcpy(k->key, key, HN_KEY_LEN);
	OPENSSL_cleanse(key, sizeof(key));
	return 0;
bad:
	OPENSSL_cleanse(key, sizeof(key));
	return -EINVAL;
}
