// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Encoding and parsing of the secure-aggregation messages (sa_msg.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sa_msg.h"

/*
 * Body layout by type: a fixed length, or bytes before the count, item
 * size, count bound.
 */
struct body_shape {
	uint16_t fixed;
	uint8_t prefix;
	uint16_t item_len;
	uint32_t max_count;
	uint8_t sorted; /* items start with a strictly increasing u32 id */
};

static const struct body_shape shapes[__HN_SA_TYPE_MAX] = {
	[HN_SA_ADVERTISE] = { HN_SA_ADV_BODY, 0, 0, 0, 0 },
	[HN_SA_ADV_LIST] = { 0, 0, HN_SA_ADV_LEN, HN_SA_MAX_NODES, 0 },
	[HN_SA_SHARES] = { 0, 0, HN_SA_SHARE_ITEM, HN_SA_MAX_NODES, 1 },
	[HN_SA_SHARES_FWD] = { 0, 4, HN_SA_SHARE_ITEM, HN_SA_MAX_NODES, 1 },
	[HN_SA_MASKED] = { 0, 0, 4, HN_SA_MAX_DIM, 0 },
	[HN_SA_UNMASK_REQ] = { 0, 0, HN_SA_SIG_ITEM, HN_SA_MAX_NODES, 1 },
	[HN_SA_UNMASK] = { 0, 0, HN_SA_UNMASK_ITEM, HN_SA_MAX_NODES, 1 },
	[HN_SA_CONSIST_REQ] = { 0, 0, 4, HN_SA_MAX_NODES, 1 },
	[HN_SA_CONSIST] = { HN_SA_CONSIST_BODY, 0, 0, 0, 0 },
};

static const char *const type_names[__HN_SA_TYPE_MAX] = {
	[HN_SA_ADVERTISE] = "advertise", [HN_SA_ADV_LIST] = "advert-list",
	[HN_SA_SHARES] = "shares",	 [HN_SA_SHARES_FWD] = "shares-fwd",
	[HN_SA_MASKED] = "masked-input", [HN_SA_UNMASK_REQ] = "unmask-req",
	[HN_SA_UNMASK] = "unmask",	 [HN_SA_CONSIST_REQ] = "consist-req",
	[HN_SA_CONSIST] = "consist",
};

const char *hn_sa_type_name(unsigned int type)
{
	if (type >= __HN_SA_TYPE_MAX || !type_names[type])
		return "unknown";
	return type_names[type];
}

static size_t body_len(uint8_t type, uint32_t count)
{
	if (shapes[type].fixed)
		return shapes[type].fixed;
	return shapes[type].prefix + 4 + (size_t)count * shapes[type].item_len;
}

void hn_sa_msg_header(uint8_t *buf, uint8_t type, const uint8_t campaign[32],
		      uint32_t round, uint32_t sender, uint32_t blen)
{
	buf[0] = HN_SA_VERSION;
	buf[1] = type;
	buf[2] = 0;
	buf[3] = 0;
	hn_sa_put32(buf + 4, round);
	hn_sa_put32(buf + 8, sender);
	memcpy(buf + 12, campaign, 32);
	hn_sa_put32(buf + 44, blen);
}

uint8_t *hn_sa_msg_new(uint8_t type, const uint8_t campaign[32], uint32_t round,
		       uint32_t sender, uint32_t count, size_t *len)
{
	size_t blen = body_len(type, count);
	uint8_t *buf;

	*len = HN_SA_HDR_LEN + blen + HN_SA_SIG_LEN;
	buf = calloc(1, *len);
	if (!buf)
		return NULL;
	hn_sa_msg_header(buf, type, campaign, round, sender, blen);
	if (!shapes[type].fixed)
		hn_sa_put32(buf + HN_SA_HDR_LEN + shapes[type].prefix, count);
	return buf;
}

uint8_t *hn_sa_msg_items(uint8_t *buf)
{
	uint8_t type = buf[1];

	if (shapes[type].fixed)
		return buf + HN_SA_HDR_LEN;
	return buf + HN_SA_HDR_LEN + shapes[type].prefix + 4;
}

int hn_sa_msg_sign(uint8_t *buf, size_t len, const uint8_t sk[HN_SA_KEY_LEN])
{
	return hn_sa_sign(sk, buf, len - HN_SA_SIG_LEN,
			  buf + len - HN_SA_SIG_LEN);
}

int hn_sa_msg_verify(const struct hn_sa_msg *m, const uint8_t pk[HN_SA_KEY_LEN])
{
	return hn_sa_verify(pk, m->buf, m->signed_len, m->buf + m->signed_len);
}

static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

static int parse_header(const uint8_t *buf, size_t len, struct hn_sa_msg *m,
			char *err, size_t errlen)
{
	uint32_t blen;

	if (len < HN_SA_HDR_LEN + HN_SA_SIG_LEN)
		return bad(err, errlen,
			   "secagg: %zu bytes, shorter than "
			   "header and signature",
			   len);
	memset(m, 0, sizeof(*m));
	m->version = buf[0];
	m->type = buf[1];
	if (m->version != HN_SA_VERSION)
		return bad(err, errlen, "secagg: version %u, not %u",
			   m->version, HN_SA_VERSION);
	if (!m->type || m->type >= __HN_SA_TYPE_MAX)
		return bad(err, errlen, "secagg: unknown type %u", m->type);
	if (buf[2] || buf[3])
		return bad(err, errlen, "secagg: reserved bytes not zero");
	m->round = hn_sa_get32(buf + 4);
	m->sender = hn_sa_get32(buf + 8);
	memcpy(m->campaign, buf + 12, 32);
	blen = hn_sa_get32(buf + 44);
	if (blen != len - HN_SA_HDR_LEN - HN_SA_SIG_LEN)
		return bad(err, errlen,
			   "secagg: %s body of %u bytes in a "
			   "message of %zu",
			   hn_sa_type_name(m->type), blen, len);
	m->buf = buf;
	m->signed_len = HN_SA_HDR_LEN + blen;
	m->body = buf + HN_SA_HDR_LEN;
	return 0;
}

static int check_sorted(const struct hn_sa_msg *m, char *err, size_t errlen)
{
	uint32_t i, id, prev = 0;

	for (i = 0; i < m->count; i++) {
		id = hn_sa_get32(hn_sa_item(m, i));
		if (i && id <= prev)
			return bad(err, errlen,
				   "secagg: %s item %u: id %u "
				   "after %u, not increasing",
				   hn_sa_type_name(m->type), i, id, prev);
		prev = id;
	}
	return 0;
}

static int check_unmask(const struct hn_sa_msg *m, char *err, size_t errlen)
{
	const uint8_t *it;
	uint32_t i;

	for (i = 0; i < m->count; i++) {
		it = hn_sa_item(m, i);
		if (it[4] > HN_SA_KIND_S)
			return bad(err, errlen,
				   "secagg: unmask item %u: "
				   "kind %u",
				   i, it[4]);
		if (!it[5] && !it[6])
			return bad(err, errlen,
				   "secagg: unmask item %u: "
				   "share at x = 0",
				   i);
	}
	return 0;
}

/* Each item of a list is an advert of this round, senders increasing. */
static int check_adverts(const struct hn_sa_msg *m, char *err, size_t errlen)
{
	struct hn_sa_msg in;
	uint32_t i, prev = 0;
	int ret;

	for (i = 0; i < m->count; i++) {
		ret = hn_sa_msg_parse(hn_sa_item(m, i), HN_SA_ADV_LEN, &in, err,
				      errlen);
		if (ret)
			return ret;
		if (in.type != HN_SA_ADVERTISE || in.round != m->round ||
		    memcmp(in.campaign, m->campaign, 32))
			return bad(err, errlen,
				   "secagg: advert-list item %u "
				   "is not an advert of this round",
				   i);
		if (i && in.sender <= prev)
			return bad(err, errlen,
				   "secagg: advert-list item %u: "
				   "sender %u after %u",
				   i, in.sender, prev);
		prev = in.sender;
	}
	return 0;
}

static int parse_items(struct hn_sa_msg *m, char *err, size_t errlen)
{
	const struct body_shape *s = &shapes[m->type];
	size_t blen = m->signed_len - HN_SA_HDR_LEN;

	if (blen < (size_t)s->prefix + 4)
		return bad(err, errlen, "secagg: %s body of %zu bytes",
			   hn_sa_type_name(m->type), blen);
	if (s->prefix)
		m->to = hn_sa_get32(m->body);
	m->count = hn_sa_get32(m->body + s->prefix);
	m->item_len = s->item_len;
	m->items = m->body + s->prefix + 4;
	if (m->count > s->max_count)
		return bad(err, errlen, "secagg: %s of %u items, at most %u",
			   hn_sa_type_name(m->type), m->count, s->max_count);
	if (blen != body_len(m->type, m->count))
		return bad(err, errlen,
			   "secagg: %s of %u items in %zu "
			   "bytes",
			   hn_sa_type_name(m->type), m->count, blen);
	if (s->sorted)
		return check_sorted(m, err, errlen);
	return 0;
}

int hn_sa_msg_parse(const uint8_t *buf, size_t len, struct hn_sa_msg *m,
		    char *err, size_t errlen)
{
	int ret = parse_header(buf, len, m, err, errlen);

	if (ret)
		return ret;
	if (shapes[m->type].fixed) {
		if (m->signed_len !=
		    (size_t)HN_SA_HDR_LEN + shapes[m->type].fixed)
			return bad(
				err, errlen, "secagg: %s of %zu bytes, not %zu",
				hn_sa_type_name(m->type), len,
				(size_t)HN_SA_HDR_LEN + shapes[m->type].fixed +
					HN_SA_SIG_LEN);
		m->count = 1;
		m->items = m->body;
		m->item_len = shapes[m->type].fixed;
		return 0;
	}
	ret = parse_items(m, err, errlen);
	if (!ret && m->type == HN_SA_UNMASK)
		ret = check_unmask(m, err, errlen);
	if (!ret && m->type == HN_SA_ADV_LIST)
		ret = check_adverts(m, err, errlen);
	return ret;
}
