// SPDX-License-Identifier: GPL-2.0
/*
 * The frames of hn-hostile: explicit cases, each with a hand-written
 * expectation (a counter that must move and where the frame goes), and a
 * seeded generator of random and mutated frames.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "hostile.h"

/* ---- random numbers: splitmix64 seeds xoshiro256** ----------------------- */

static __u64 hx_splitmix(__u64 *x)
{
	__u64 z = (*x += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

void hx_rng_seed(struct hx_rng *g, __u64 seed)
{
	int i;

	for (i = 0; i < 4; i++)
		g->s[i] = hx_splitmix(&seed);
}

static __u64 hx_rotl(__u64 x, int k)
{
	return (x << k) | (x >> (64 - k));
}

__u64 hx_rnd(struct hx_rng *g)
{
	__u64 *s = g->s, r = hx_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = hx_rotl(s[3], 45);
	return r;
}

__u32 hx_below(struct hx_rng *g, __u32 n)
{
	return n ? (__u32)((hx_rnd(g) >> 32) * n >> 32) : 0;
}

/* ---- building frames ----------------------------------------------------- */

static const __u8 hx_dmac[6] = { 0x02, 0x48, 0x4e, 0x00, 0x00, 0x01 };
static const __u8 hx_smac[6] = { 0x02, 0x48, 0x4e, 0x00, 0x00, 0x99 };

void hx_hdr_default(struct hx_hdr *h, __u8 type, __u8 flags, __u32 src,
		    __u32 dst, __u32 seq)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->dmac, hx_dmac, 6);
	memcpy(h->smac, hx_smac, 6);
	h->version = HN_VERSION;
	h->type = type;
	h->flags = flags;
	h->ttl = HN_TTL_DEFAULT;
	h->src = src;
	h->dst = dst;
	h->seq = seq;
	h->len = -1;
}

void hx_build(struct hx_case *c, const struct hx_hdr *h, const void *payload,
	      size_t plen, __u32 tag)
{
	__u8 *p = c->buf;
	struct hnhdr *hn = (struct hnhdr *)(p + HX_ETH_HLEN);
	__u16 proto = h->proto ? h->proto : ETH_P_HYPERNET;

	if (plen > HX_WIRE_MAX - HX_ETH_HLEN - HN_HDR_LEN)
		plen = HX_WIRE_MAX - HX_ETH_HLEN - HN_HDR_LEN;
	memcpy(p, h->dmac, 6);
	memcpy(p + 6, h->smac, 6);
	p[12] = proto >> 8;
	p[13] = proto;
	hn->version = h->version;
	hn->type = h->type;
	hn->flags = h->flags;
	hn->ttl = h->ttl;
	hn->tclass = h->tclass;
	hn->reserved = h->reserved;
	hn->len = htons(h->len < 0 ? plen : (__u16)h->len);
	hn->src = htonl(h->src);
	hn->dst = htonl(h->dst);
	hn->seq = htonl(h->seq);
	if (plen)
		memcpy(hn + 1, payload, plen);
	c->len = HX_ETH_HLEN + HN_HDR_LEN + plen;
	/* the tag: in the last 4 bytes, never inside a tensor header */
	if (plen >= HN_TENSOR_HDR_LEN + 4) {
		__be32 t = htonl(tag);

		memcpy(p + c->len - 4, &t, 4);
	}
}

size_t hx_tensor_payload(__u8 *p, __u16 idx, __u16 cnt, __u16 off, __u16 total,
			 __u8 dtype, size_t n)
{
	struct hn_tensor_hdr t = {
		.tensor_id = htonl(0x7e450001),
		.origin = htonl(1000),
		.stage = 1,
		.dtype = dtype,
		.frag_idx = htons(idx),
		.frag_cnt = htons(cnt),
		.frag_off = htons(off),
		.total_len = htons(total),
	};
	size_t i;

	if (n > HX_WIRE_MAX - HX_ETH_HLEN - HN_HDR_LEN - HN_TENSOR_HDR_LEN)
		n = HX_WIRE_MAX - HX_ETH_HLEN - HN_HDR_LEN - HN_TENSOR_HDR_LEN;
	memcpy(p, &t, sizeof(t));
	for (i = 0; i < n; i++)
		p[HN_TENSOR_HDR_LEN + i] = (__u8)(i * 7 + 3);
	return HN_TENSOR_HDR_LEN + n;
}

void hx_tag(struct hx_case *c, __u16 tpid, __u16 tci)
{
	memmove(c->buf + 16, c->buf + 12, c->len - 12);
	c->buf[12] = tpid >> 8;
	c->buf[13] = tpid;
	c->buf[14] = tci >> 8;
	c->buf[15] = tci;
	c->len += 4;
}

/* ---- explicit cases ------------------------------------------------------ */

struct hx_cb {
	const struct hx_scn *s;
	struct hx_case *c;
	int n, max;
	__u32 k; /* floods: payload variant of the next case */
	__u8 pl[HX_FRAME_MAX]; /* scratch payload */
};

/* A new case: class, hand-written counter and where it goes, its name. */
static struct hx_case *cb_new(struct hx_cb *b, const char *cls, int ctr,
			      enum hx_where where, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static struct hx_case *cb_new(struct hx_cb *b, const char *cls, int ctr,
			      enum hx_where where, const char *fmt, ...)
{
	static struct hx_case spare;
	struct hx_case *c;
	va_list ap;

	if (b->n == b->max) {
		fprintf(stderr, "hn-hostile: more than %d cases in a phase\n",
			b->max);
		c = &spare; /* dropped; the count says so */
	} else {
		c = &b->c[b->n++];
	}
	memset(c, 0, sizeof(*c));
	c->cls = cls;
	c->want_ctr = ctr;
	c->want_where = where;
	va_start(ap, fmt);
	vsnprintf(c->name, sizeof(c->name), fmt, ap);
	va_end(ap);
	return c;
}

/* Payload of @n bytes that varies by @k. */
static const __u8 *cb_payload(struct hx_cb *b, size_t n, __u32 k)
{
	size_t i;

	for (i = 0; i < n && i < sizeof(b->pl); i++)
		b->pl[i] = (__u8)(i * 13 + k * 29 + 1);
	return b->pl;
}

/* The first, second ... node reached directly on another port than S's. */
static __u32 cb_node(const struct hx_scn *s, int which)
{
	int p;

	for (p = 0; p < s->r->nports; p++) {
		if (p == s->in || !s->to_port[p])
			continue;
		if (!which--)
			return s->to_port[p];
	}
	return 0;
}

static void cb_frame(struct hx_case *c, const struct hx_hdr *h, const void *pl,
		     size_t plen)
{
	static __u32 tag = 0x7a000000;

	hx_build(c, h, pl, plen, tag++);
}

/* Valid unicast data from node 1000 to @dst: what a case starts from. */
static void cb_base(struct hx_hdr *h, __u32 dst)
{
	hx_hdr_default(h, HN_T_DATA, 0, 1000, dst, 1);
}

/* HN_ERR_TRUNCATED */
static void classes_truncated(struct hx_cb *b, __u32 da, __u32 db)
{
	struct hx_case *c;
	struct hx_hdr h;
	size_t n;

	cb_base(&h, da);
	c = cb_new(b, "malformed", HX_C_BAD_TRUNCATED, HX_W_NONE,
		   "Ethernet header only");
	cb_frame(c, &h, NULL, 0);
	c->len = HX_ETH_HLEN;
	for (n = 1; n < HN_HDR_LEN; n += 6) {
		c = cb_new(b, "malformed", HX_C_BAD_TRUNCATED, HX_W_NONE,
			   "%zu bytes of hnhdr", n);
		cb_frame(c, &h, NULL, 0);
		c->len = HX_ETH_HLEN + n;
	}
	hx_hdr_default(&h, HN_T_TENSOR, 0, 1000, db, 1);
	n = hx_tensor_payload(b->pl, 0, 1, 0, 16, HN_DT_S8, 16);
	c = cb_new(b, "malformed", HX_C_BAD_TRUNCATED, HX_W_NONE,
		   "tensor, len 19: short of a tensor header");
	h.len = 19;
	cb_frame(c, &h, b->pl, 19);
	c = cb_new(b, "malformed", HX_C_BAD_TRUNCATED, HX_W_NONE,
		   "tensor, frame ends inside the tensor header");
	h.len = 10;
	cb_frame(c, &h, b->pl, 10);
	c = cb_new(b, "malformed", HX_C_BAD_TRUNCATED, HX_W_NONE,
		   "tensor, len 0, padded frame");
	h.len = 0;
	cb_frame(c, &h, b->pl, n);
}

/* HN_ERR_VERSION, also ahead of every later check */
static void classes_version(struct hx_cb *b, __u32 da)
{
	static const __u8 bad_ver[] = { 0, 2, 3, 255 };
	struct hx_case *c;
	struct hx_hdr h;
	size_t i;

	for (i = 0; i < sizeof(bad_ver); i++) {
		cb_base(&h, da);
		h.version = bad_ver[i];
		c = cb_new(b, "malformed", HX_C_BAD_VERSION, HX_W_NONE,
			   "version %u", bad_ver[i]);
		cb_frame(c, &h, cb_payload(b, 40, i), 40);
	}
	hx_hdr_default(&h, HN_T_DATA, HN_F_MCAST | HN_F_ANYCAST, 1000,
		       HN_GROUP_ALL, 1);
	h.version = 2;
	c = cb_new(b, "malformed", HX_C_BAD_VERSION, HX_W_NONE,
		   "version 2 flood with MCAST|ANYCAST");
	cb_frame(c, &h, cb_payload(b, 40, 9), 40);
	cb_base(&h, da);
	h.version = 0;
	h.type = 0;
	h.flags = 0xff;
	h.ttl = 0;
	h.src = 0;
	c = cb_new(b, "malformed", HX_C_BAD_VERSION, HX_W_NONE,
		   "version 0 and everything else wrong too");
	cb_frame(c, &h, NULL, 0);
}

/* HN_ERR_TYPE */
static void classes_type(struct hx_cb *b, __u32 da)
{
	static const __u8 bad_type[] = { HN_T_UNSPEC, HN_T_MAX + 1, 100, 255 };
	struct hx_case *c;
	struct hx_hdr h;
	size_t i;

	for (i = 0; i < sizeof(bad_type); i++) {
		cb_base(&h, da);
		h.type = bad_type[i];
		c = cb_new(b, "malformed", HX_C_BAD_TYPE, HX_W_NONE, "type %u",
			   bad_type[i]);
		cb_frame(c, &h, cb_payload(b, 40, i), 40);
	}
	cb_base(&h, da);
	h.type = 0;
	h.flags = 0x80;
	h.ttl = 0;
	c = cb_new(b, "malformed", HX_C_BAD_TYPE, HX_W_NONE,
		   "type 0 with bad flags and TTL 0");
	cb_frame(c, &h, NULL, 0);
}

/* HN_ERR_FLAGS */
static void classes_flags(struct hx_cb *b, __u32 da)
{
	static const __u8 bad_flags[] = { 1U << 4,
					  1U << 5,
					  1U << 7,
					  0xf8,
					  0xff,
					  HN_F_MCAST | HN_F_ANYCAST,
					  HN_F_MCAST | HN_F_ANYCAST |
						  HN_F_RESULT };
	struct hx_case *c;
	struct hx_hdr h;
	size_t i;

	for (i = 0; i < sizeof(bad_flags); i++) {
		cb_base(&h, da);
		h.flags = bad_flags[i];
		c = cb_new(b, "malformed", HX_C_BAD_FLAGS, HX_W_NONE,
			   "flags 0x%02x", bad_flags[i]);
		cb_frame(c, &h, cb_payload(b, 40, i), 40);
	}
	cb_base(&h, da);
	h.flags = HN_F_MCAST | HN_F_ANYCAST;
	h.len = 1000;
	c = cb_new(b, "malformed", HX_C_BAD_FLAGS, HX_W_NONE,
		   "MCAST|ANYCAST and a len too long");
	cb_frame(c, &h, cb_payload(b, 40, 1), 40);
}

/* HN_ERR_LENGTH, and lengths short of the frame (padding) */
static void classes_length(struct hx_cb *b, __u32 da)
{
	struct hx_case *c;
	struct hx_hdr h;

	cb_base(&h, da);
	h.len = 41;
	c = cb_new(b, "malformed", HX_C_BAD_LENGTH, HX_W_NONE,
		   "len one more than held");
	cb_frame(c, &h, cb_payload(b, 40, 2), 40);
	h.len = 0xffff;
	c = cb_new(b, "malformed", HX_C_BAD_LENGTH, HX_W_NONE, "len 65535");
	cb_frame(c, &h, cb_payload(b, 40, 3), 40);
	h.len = 1;
	c = cb_new(b, "malformed", HX_C_BAD_LENGTH, HX_W_NONE,
		   "len 1, no payload");
	cb_frame(c, &h, NULL, 0);
	h.len = 41;
	h.ttl = 0;
	h.dst = 0;
	c = cb_new(b, "malformed", HX_C_BAD_LENGTH, HX_W_NONE,
		   "len too long, TTL 0 and dst 0");
	cb_frame(c, &h, cb_payload(b, 40, 4), 40);
	cb_base(&h, da);
	h.len = 20;
	c = cb_new(b, "valid", HX_C_FWD_REDIRECT, HX_W_ONE,
		   "len shorter than the frame (padding): forwarded whole");
	cb_frame(c, &h, cb_payload(b, 60, 5), 60);
	h.len = 0;
	c = cb_new(b, "valid", HX_C_FWD_REDIRECT, HX_W_ONE,
		   "len 0, 40 bytes of padding");
	cb_frame(c, &h, cb_payload(b, 40, 6), 40);
}

/* HN_ERR_TTL */
static void classes_ttl(struct hx_cb *b, __u32 da)
{
	struct hx_case *c;
	struct hx_hdr h;

	cb_base(&h, da);
	h.ttl = 0;
	c = cb_new(b, "malformed", HX_C_BAD_TTL, HX_W_NONE, "unicast, TTL 0");
	cb_frame(c, &h, cb_payload(b, 40, 7), 40);
	hx_hdr_default(&h, HN_T_DATA, HN_F_MCAST, 1000, HN_GROUP_ALL, 77);
	h.ttl = 0;
	c = cb_new(b, "malformed", HX_C_BAD_TTL, HX_W_NONE, "flood, TTL 0");
	cb_frame(c, &h, cb_payload(b, 40, 8), 40);
	hx_hdr_default(&h, HN_T_HELLO, HN_F_MCAST, 1000, HN_GROUP_ALL, 1);
	h.ttl = 0;
	c = cb_new(b, "malformed", HX_C_BAD_TTL, HX_W_NONE, "hello, TTL 0");
	cb_frame(c, &h, cb_payload(b, 40, 9), 40);
	cb_base(&h, da);
	h.ttl = 0;
	h.src = 0;
	h.dst = 0;
	c = cb_new(b, "malformed", HX_C_BAD_TTL, HX_W_NONE,
		   "TTL 0, src and dst 0");
	cb_frame(c, &h, NULL, 0);
}

/* HN_ERR_ADDR */
static void classes_addr(struct hx_cb *b, __u32 da)
{
	struct hx_case *c;
	struct hx_hdr h;

	cb_base(&h, da);
	h.src = 0;
	c = cb_new(b, "malformed", HX_C_BAD_ADDR, HX_W_NONE, "src 0");
	cb_frame(c, &h, cb_payload(b, 40, 10), 40);
	cb_base(&h, da);
	h.dst = 0;
	c = cb_new(b, "malformed", HX_C_BAD_ADDR, HX_W_NONE, "dst 0");
	cb_frame(c, &h, cb_payload(b, 40, 11), 40);
	hx_hdr_default(&h, HN_T_DATA, HN_F_MCAST, 0, HN_GROUP_ALL, 78);
	c = cb_new(b, "malformed", HX_C_BAD_ADDR, HX_W_NONE,
		   "flood from src 0");
	cb_frame(c, &h, cb_payload(b, 40, 12), 40);
	hx_hdr_default(&h, HN_T_DATA, HN_F_MCAST, 1000, 0, 79);
	c = cb_new(b, "malformed", HX_C_BAD_ADDR, HX_W_NONE,
		   "flood to group 0");
	cb_frame(c, &h, cb_payload(b, 40, 13), 40);
	hx_hdr_default(&h, HN_T_DATA, HN_F_ANYCAST, 1000, 0, 1);
	c = cb_new(b, "malformed", HX_C_BAD_ADDR, HX_W_NONE,
		   "anycast to task 0");
	cb_frame(c, &h, cb_payload(b, 40, 14), 40);
}

/* Valid frames that stop here: HELLOs */
static void classes_hello(struct hx_cb *b, __u32 da)
{
	struct hx_case *c;
	struct hx_hdr h;

	hx_hdr_default(&h, HN_T_HELLO, HN_F_MCAST, 1000, HN_GROUP_ALL, 1);
	h.ttl = 1;
	c = cb_new(b, "valid", HX_C_HELLO_UNKNOWN, HX_W_NONE,
		   "hello from an unknown node");
	cb_frame(c, &h, cb_payload(b, 44, 15), 44);
	h.src = da;
	c = cb_new(b, "valid", HX_C_HELLO, HX_W_NONE, "hello from a neighbour");
	cb_frame(c, &h, cb_payload(b, 44, 16), 44);
	hx_hdr_default(&h, HN_T_HELLO, 0, 1000, da, 2);
	h.ttl = 200;
	c = cb_new(b, "valid", HX_C_HELLO, HX_W_NONE,
		   "unicast hello, TTL 200: never forwarded");
	cb_frame(c, &h, cb_payload(b, 44, 17), 44);
}

/* Valid unicast that stops here: for this node, TTL, no route or port */
static void classes_unicast_end(struct hx_cb *b, __u32 da)
{
	const struct hx_scn *s = b->s;
	struct hx_case *c;
	struct hx_hdr h;

	hx_hdr_default(&h, HN_T_DATA, 0, 1000, s->node, 1);
	c = cb_new(b, "valid", HX_C_LOCAL_PASS, HX_W_NONE, "for this node");
	cb_frame(c, &h, cb_payload(b, 40, 18), 40);
	h.ttl = 1;
	c = cb_new(b, "valid", HX_C_LOCAL_PASS, HX_W_NONE,
		   "for this node, TTL 1");
	cb_frame(c, &h, cb_payload(b, 40, 19), 40);
	cb_base(&h, da);
	h.ttl = 1;
	c = cb_new(b, "valid", HX_C_TTL_EXPIRED, HX_W_NONE,
		   "unicast through, TTL 1");
	cb_frame(c, &h, cb_payload(b, 40, 20), 40);
	cb_base(&h, da);
	h.dst = HX_DST_NOROUTE;
	c = cb_new(b, "valid", HX_C_DROP_NO_ROUTE, HX_W_NONE, "no route");
	cb_frame(c, &h, cb_payload(b, 40, 21), 40);
	h.dst = HN_GROUP_ALL;
	c = cb_new(b, "valid", HX_C_DROP_NO_ROUTE, HX_W_NONE,
		   "unicast to 0xffffffff without MCAST");
	cb_frame(c, &h, cb_payload(b, 40, 22), 40);
	h.dst = HX_DST_DEADPORT;
	c = cb_new(b, "valid", HX_C_DROP_NO_PORT, HX_W_NONE,
		   "next hop on a port that is no mesh port");
	cb_frame(c, &h, cb_payload(b, 40, 23), 40);
	h.dst = HX_DST_TWO;
	c = cb_new(b, "valid", HX_C_FWD_REDIRECT, HX_W_ONE,
		   "two candidates, no model: the default");
	cb_frame(c, &h, cb_payload(b, 40, 24), 40);
	h.dst = HX_DST_FAR;
	h.ttl = 255;
	h.tclass = 7;
	h.reserved = 0xa5;
	c = cb_new(b, "valid", HX_C_FWD_REDIRECT, HX_W_ONE,
		   "3 hops away, TTL 255, class 7, reserved 0xa5");
	cb_frame(c, &h, cb_payload(b, 40, 25), 40);
}

/* Anycast placed here, elsewhere or nowhere */
static void classes_anycast(struct hx_cb *b, __u32 da)
{
	struct hx_case *c;
	struct hx_hdr h;
	size_t i;

	cb_base(&h, da);
	h.dst = 0;
	h.flags = HN_F_ANYCAST;
	for (i = 0; i < 6; i++) {
		static const int ctr[] = {
			HX_C_ANY_LOCAL,	   HX_C_ANY_REMOTE,   HX_C_ANY_REMOTE,
			HX_C_DROP_NO_LIVE, HX_C_DROP_NO_TASK, HX_C_DROP_NO_PORT
		};
		static const enum hx_where w[] = { HX_W_NONE, HX_W_ONE,
						   HX_W_ONE,  HX_W_NONE,
						   HX_W_NONE, HX_W_NONE };

		h.dst = HX_TASK_HERE + i;
		c = cb_new(b, "valid", ctr[i], w[i], "anycast to task %u",
			   h.dst);
		cb_frame(c, &h, cb_payload(b, 40, 26 + i), 40);
	}
	h.dst = HX_TASK_HERE;
	h.ttl = 1;
	c = cb_new(b, "valid", HX_C_ANY_LOCAL, HX_W_NONE,
		   "anycast placed here, TTL 1");
	cb_frame(c, &h, cb_payload(b, 40, 32), 40);
	h.dst = HX_TASK_FAR;
	c = cb_new(b, "valid", HX_C_TTL_EXPIRED, HX_W_NONE,
		   "anycast placed elsewhere, TTL 1");
	cb_frame(c, &h, cb_payload(b, 40, 33), 40);
	h.ttl = 2;
	h.flags |= HN_F_RESULT;
	c = cb_new(b, "valid", HX_C_ANY_REMOTE, HX_W_ONE,
		   "anycast|result placed elsewhere, TTL 2");
	cb_frame(c, &h, cb_payload(b, 40, 34), 40);
}

/* One case per reason a router stops a frame, and valid ones around them. */
int hx_phase_classes(const struct hx_scn *s, struct hx_case *cs, int max)
{
	struct hx_cb b = { .s = s, .c = cs, .max = max };
	__u32 da = cb_node(s, 0), db = cb_node(s, 1);
	struct hx_case *c;
	struct hx_hdr h;

	cb_base(&h, da);
	c = cb_new(&b, "valid", HX_C_FWD_REDIRECT, HX_W_ONE,
		   "valid unicast data");
	cb_frame(c, &h, cb_payload(&b, 40, 0), 40);
	classes_truncated(&b, da, db);
	classes_version(&b, da);
	classes_type(&b, da);
	classes_flags(&b, da);
	classes_length(&b, da);
	classes_ttl(&b, da);
	classes_addr(&b, da);
	classes_hello(&b, da);
	classes_unicast_end(&b, da);
	classes_anycast(&b, da);
	return b.n;
}

/*
 * Every length of a valid frame from 0 to its full length (Ethernet
 * header included), then with padding.  Shorter than its Ethernet header
 * the kernel's packet socket refuses it; shorter than Ethernet + hnhdr
 * it is truncated; shorter than what len says, a length error.
 */
static void cb_truncations(struct hx_cb *b, const char *what,
			   const struct hx_case *full)
{
	struct hx_case *c;
	int n, ctr;

	for (n = 0; n <= full->len + 4 && n <= (int)HX_WIRE_MAX; n++) {
		if (n < HX_ETH_HLEN)
			ctr = HX_C_PASS_OTHER;
		else if (n < HX_ETH_HLEN + (int)HN_HDR_LEN)
			ctr = HX_C_BAD_TRUNCATED;
		else if (n < full->len)
			ctr = HX_C_BAD_LENGTH;
		else
			ctr = -1;
		c = cb_new(b, "truncation", ctr,
			   n < full->len ? HX_W_NONE : HX_W_ANY,
			   "%s, %d of %u bytes", what, n, full->len);
		memcpy(c->buf, full->buf, full->len);
		/* padding: bytes the frame did not have */
		if (n > full->len)
			memset(c->buf + full->len, 0xee, n - full->len);
		c->len = n;
	}
}

int hx_phase_trunc(const struct hx_scn *s, struct hx_case *cs, int max)
{
	struct hx_cb b = { .s = s, .c = cs, .max = max };
	__u32 da = cb_node(s, 0), db = cb_node(s, 1);
	struct hx_case full;
	struct hx_hdr h;
	size_t n;

	hx_hdr_default(&h, HN_T_DATA, 0, 1100, da, 1);
	cb_frame(&full, &h, cb_payload(&b, 46, 1), 46);
	cb_truncations(&b, "unicast", &full);
	hx_hdr_default(&h, HN_T_TENSOR, 0, 1100, db, 2);
	n = hx_tensor_payload(b.pl, 1, 2, 16, 40, HN_DT_S8, 24);
	cb_frame(&full, &h, b.pl, n);
	cb_truncations(&b, "tensor", &full);
	hx_hdr_default(&h, HN_T_DATA, HN_F_MCAST, 1101, HN_GROUP_ALL, 1);
	cb_frame(&full, &h, cb_payload(&b, 30, 2), 30);
	cb_truncations(&b, "member flood", &full);
	hx_hdr_default(&h, HN_T_DATA, HN_F_MCAST, 1102, HX_GROUP_OUT, 1);
	cb_frame(&full, &h, cb_payload(&b, 30, 3), 30);
	cb_truncations(&b, "other-group flood", &full);
	hx_hdr_default(&h, HN_T_DATA, HN_F_ANYCAST, 1100, HX_TASK_FAR, 3);
	cb_frame(&full, &h, cb_payload(&b, 30, 4), 30);
	cb_truncations(&b, "anycast", &full);
	hx_hdr_default(&h, HN_T_HELLO, HN_F_MCAST, 1103, HN_GROUP_ALL, 1);
	h.ttl = 1;
	cb_frame(&full, &h, cb_payload(&b, 44, 5), 44);
	cb_truncations(&b, "hello", &full);
	return b.n;
}

/* Every type x every flag combination (and bits beyond), to many places. */
int hx_phase_matrix(const struct hx_scn *s, struct hx_case *cs, int max)
{
	struct hx_cb b = { .s = s, .c = cs, .max = max };
	static const __u8 flags[] = { 0, 1, 2,	  3,	4,    5,   6,
				      7, 8, 0x10, 0x40, 0x80, 0xff };
	__u32 dsts[] = { cb_node(s, 0), s->node,      HN_GROUP_ALL,
			 HX_GROUP_IN,	HX_GROUP_OUT, HX_DST_NOROUTE,
			 HX_TASK_FAR };
	__u32 seq[HN_T_MAX + 2] = { 0 };
	unsigned int t, f, d;
	int ctr;
	struct hx_case *c;
	struct hx_hdr h;
	size_t n;

	for (t = 0; t <= HN_T_MAX + 1; t++) {
		for (f = 0; f < sizeof(flags); f++) {
			for (d = 0; d < sizeof(dsts) / sizeof(dsts[0]); d++) {
				__u8 ty = t <= HN_T_MAX ? t : 255;
				__u8 fl = flags[f];

				hx_hdr_default(&h, ty, fl, 2000 + t, dsts[d],
					       ++seq[t]);
				/* frame.h's order: type, then flags */
				if (ty == HN_T_UNSPEC || ty > HN_T_MAX)
					ctr = HX_C_BAD_TYPE;
				else if ((fl & ~__HN_F_ALL) || (fl & 3) == 3)
					ctr = HX_C_BAD_FLAGS;
				else if (fl & HN_F_PRIVATE)
					/* no port is in a privacy domain */
					ctr = HX_C_PRIV_DROP_IN;
				else
					ctr = -1;
				c = cb_new(&b, "type x flags", ctr,
					   ctr < 0 ? HX_W_ANY : HX_W_NONE,
					   "type %u flags 0x%02x dst %u", ty,
					   fl, dsts[d]);
				if (ty == HN_T_TENSOR) {
					n = hx_tensor_payload(b.pl, 0, 1, 0, 24,
							      HN_DT_S8, 24);
					cb_frame(c, &h, b.pl, n);
				} else {
					cb_frame(c, &h,
						 cb_payload(&b, 36, t * 64 + f),
						 36);
				}
			}
		}
	}
	return b.n;
}

int hx_phase_tensor(const struct hx_scn *s, struct hx_case *cs, int max)
{
	struct hx_cb b = { .s = s, .c = cs, .max = max };
	const int X = HX_C_BAD_TENSOR, T = HX_C_BAD_TRUNCATED;
	__u32 db = cb_node(s, 1);
	static const struct {
		__u16 idx, cnt, off, total;
		__u8 dtype;
		__u16 n;
		int ctr;
		const char *what;
	} tc[] = {
		{ 0, 1, 0, 64, HN_DT_S8, 64, HX_C_FWD_REDIRECT,
		  "one fragment, whole tensor" },
		{ 0, 1, 0, 1, HN_DT_S8, 1, HX_C_FWD_REDIRECT, "one element" },
		{ 3, 4, 3072, 4096, HN_DT_S8, 1024, HX_C_FWD_REDIRECT,
		  "largest tensor, last fragment" },
		{ 1, 2, 4095, 4096, HN_DT_S8, 1, HX_C_FWD_REDIRECT,
		  "last element of the largest tensor" },
		{ 99, 100, 99, 100, HN_DT_S8, 1, HX_C_FWD_REDIRECT,
		  "frag_cnt == total_len" },
		{ 0, 2, 0, 100, HN_DT_S8, 100, HX_C_FWD_REDIRECT,
		  "first of two fragments holds it all" },
		{ 0, 1, 0, 64, HN_DT_UNSPEC, 64, X, "dtype 0" },
		{ 0, 1, 0, 64, 2, 64, X, "dtype 2" },
		{ 0, 1, 0, 64, 255, 64, X, "dtype 255" },
		{ 0, 0, 0, 64, HN_DT_S8, 64, X, "frag_cnt 0" },
		{ 2, 2, 0, 64, HN_DT_S8, 32, X, "frag_idx == frag_cnt" },
		{ 9, 2, 0, 64, HN_DT_S8, 32, X, "frag_idx > frag_cnt" },
		{ 0, 1, 0, 0, HN_DT_S8, 4, X, "total_len 0" },
		{ 0, 2, 0, 4097, HN_DT_S8, 64, X, "total_len 4097" },
		{ 0, 2, 0, 65535, HN_DT_S8, 64, X, "total_len 65535" },
		{ 0, 1, 0, 64, HN_DT_S8, 0, X, "no elements" },
		{ 1, 2, 64, 64, HN_DT_S8, 8, X, "frag_off == total_len" },
		{ 1, 2, 60, 64, HN_DT_S8, 8, X, "past the end by 4" },
		{ 0, 1, 1, 64, HN_DT_S8, 63, X, "one fragment, offset 1" },
		{ 0, 1, 0, 64, HN_DT_S8, 63, X, "one fragment, one short" },
		/* issue 12: frag_cnt beyond total_len is malformed */
		{ 0, 5000, 0, 100, HN_DT_S8, 10, X,
		  "frag_cnt 5000 > total_len 100" },
		{ 0, 101, 0, 100, HN_DT_S8, 1, X,
		  "frag_cnt 101 > total_len 100" },
		{ 0, 65535, 0, 1, HN_DT_S8, 1, X,
		  "frag_cnt 65535 > total_len 1" },
	};
	struct hx_case *c;
	struct hx_hdr h;
	size_t i, n;

	for (i = 0; i < sizeof(tc) / sizeof(tc[0]); i++) {
		hx_hdr_default(&h, HN_T_TENSOR, 0, 1200, db, i + 1);
		n = hx_tensor_payload(b.pl, tc[i].idx, tc[i].cnt, tc[i].off,
				      tc[i].total, tc[i].dtype, tc[i].n);
		c = cb_new(&b, "tensor", tc[i].ctr,
			   tc[i].ctr == X ? HX_W_NONE : HX_W_ONE, "tensor, %s",
			   tc[i].what);
		cb_frame(c, &h, b.pl, n);
	}
	hx_hdr_default(&h, HN_T_TENSOR, 0, 1200, db, 100);
	n = hx_tensor_payload(b.pl, 0, 1, 0, 16, HN_DT_S8, 16);
	h.len = n;
	c = cb_new(&b, "tensor", HX_C_FWD_REDIRECT, HX_W_ONE,
		   "tensor with 30 bytes of padding");
	cb_frame(c, &h, b.pl, n + 30);
	h.len = n + 1;
	c = cb_new(&b, "tensor", HX_C_BAD_LENGTH, HX_W_NONE,
		   "tensor, len one more than held");
	cb_frame(c, &h, b.pl, n);
	h.len = -1;
	h.dst = s->node;
	c = cb_new(&b, "tensor", HX_C_LOCAL_PASS, HX_W_NONE,
		   "tensor for this node (no tensor-dev)");
	cb_frame(c, &h, b.pl, n);
	h.dst = HX_TASK_FAR;
	h.flags = HN_F_ANYCAST | HN_F_RESULT;
	c = cb_new(&b, "tensor", HX_C_ANY_REMOTE, HX_W_ONE,
		   "tensor result, anycast");
	cb_frame(c, &h, b.pl, n);
	h.dst = db;
	h.flags = 0;
	h.len = 19;
	c = cb_new(&b, "tensor", T, HX_W_NONE, "tensor, len 19");
	cb_frame(c, &h, b.pl, n);
	return b.n;
}

/*
 * 802.1Q and 802.1ad tagged HyperNet frames: XDP passes them untouched and
 * nothing may leave another port, whatever the frame inside says.
 */
int hx_phase_tagged(const struct hx_scn *s, struct hx_case *cs, int max)
{
	struct hx_cb b = { .s = s, .c = cs, .max = max };
	static const struct {
		__u16 tpid, tci, tpid2, tci2;
		const char *what;
	} tags[] = {
		{ 0x8100, 5, 0, 0, "802.1Q VID 5" },
		{ 0x8100, 0xe000, 0, 0, "802.1Q priority tag (VID 0)" },
		{ 0x88a8, 7, 0, 0, "802.1ad VID 7" },
		{ 0x88a8, 7, 0x8100, 5, "802.1ad + 802.1Q (QinQ)" },
		{ 0x8100, 5, 0x8100, 6, "802.1Q twice" },
	};
	__u32 da = cb_node(s, 0), db = cb_node(s, 1);
	struct hx_case *c, inner;
	struct hx_hdr h[9];
	size_t i, j, n;
	__u32 seq = 1;

	hx_hdr_default(&h[0], HN_T_DATA, HN_F_MCAST, 1300, HN_GROUP_ALL, 0);
	hx_hdr_default(&h[1], HN_T_DATA, HN_F_MCAST, 1300, HX_GROUP_IN, 0);
	hx_hdr_default(&h[2], HN_T_DATA, HN_F_MCAST, 1300, HX_GROUP_OUT, 0);
	hx_hdr_default(&h[3], HN_T_DATA, 0, 1300, da, 0);
	hx_hdr_default(&h[4], HN_T_DATA, HN_F_ANYCAST, 1300, HX_TASK_FAR, 0);
	hx_hdr_default(&h[5], HN_T_HELLO, HN_F_MCAST, 1300, HN_GROUP_ALL, 0);
	hx_hdr_default(&h[6], HN_T_GOSSIP, HN_F_MCAST, 1300, HN_GROUP_ALL, 0);
	hx_hdr_default(&h[7], HN_T_DATA, HN_F_MCAST | HN_F_ANYCAST, 1300,
		       HN_GROUP_ALL, 0);
	h[7].version = 2;
	hx_hdr_default(&h[8], HN_T_TENSOR, 0, 1300, db, 0);
	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		for (j = 0; j < sizeof(h) / sizeof(h[0]); j++) {
			h[j].seq = seq++;
			h[j].ttl = 255;
			c = cb_new(&b, "tagged", HX_C_PASS_OTHER, HX_W_NONE,
				   "%s: %s %u flags 0x%x", tags[i].what,
				   j == 8 ? "tensor" : "type", h[j].type,
				   h[j].flags);
			if (h[j].type == HN_T_TENSOR) {
				n = hx_tensor_payload(b.pl, 0, 1, 0, 32,
						      HN_DT_S8, 32);
				cb_frame(c, &h[j], b.pl, n);
			} else {
				cb_frame(c, &h[j], cb_payload(&b, 40, seq), 40);
			}
			if (tags[i].tpid2)
				hx_tag(c, tags[i].tpid2, tags[i].tci2);
			hx_tag(c, tags[i].tpid, tags[i].tci);
		}
	}
	/* issue 12: one tagged flood sent 20 times gave 80 copies */
	hx_hdr_default(&h[0], HN_T_DATA, HN_F_MCAST, 1301, HN_GROUP_ALL, 1);
	h[0].ttl = 255;
	cb_frame(&inner, &h[0], cb_payload(&b, 40, 99), 40);
	hx_tag(&inner, 0x8100, 5);
	for (i = 0; i < 20; i++) {
		c = cb_new(&b, "tagged", HX_C_PASS_OTHER, HX_W_NONE,
			   "802.1Q flood, the same frame %zu of 20", i + 1);
		memcpy(c->buf, inner.buf, inner.len);
		c->len = inner.len;
	}
	return b.n;
}

/*
 * A data flood from @src to group @grp, seq @seq, with a payload of its
 * own (b->k), expecting @ctr and @where.
 */
static struct hx_case *cb_flood(struct hx_cb *b, __u32 src, __u32 grp,
				__u32 seq, int ctr, enum hx_where where,
				const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
static struct hx_case *cb_flood(struct hx_cb *b, __u32 src, __u32 grp,
				__u32 seq, int ctr, enum hx_where where,
				const char *fmt, ...)
{
	struct hx_case *c;
	struct hx_hdr h;
	va_list ap;

	hx_hdr_default(&h, HN_T_DATA, HN_F_MCAST, src, grp, seq);
	c = cb_new(b, "flood", ctr, where, "%s", "");
	va_start(ap, fmt);
	vsnprintf(c->name, sizeof(c->name), fmt, ap);
	va_end(ap);
	cb_frame(c, &h, cb_payload(b, 40, b->k++), 40);
	return c;
}

/* hnhdr.ttl of built case @c */
static void cb_ttl(struct hx_case *c, __u8 ttl)
{
	c->buf[HX_ETH_HLEN + offsetof(struct hnhdr, ttl)] = ttl;
}

/* One source's window: ahead, behind, seen; groups joined or not. */
static void floods_window(struct hx_cb *b)
{
	const int LOC = HX_C_MCAST_LOCAL, DUP = HX_C_MCAST_DUP,
		  OLD = HX_C_MCAST_OLD;

	cb_flood(b, 3000, HN_GROUP_ALL, 100, LOC, HX_W_FLOOD,
		 "first from a source");
	cb_flood(b, 3000, HN_GROUP_ALL, 100, DUP, HX_W_NONE,
		 "the same seq again");
	cb_flood(b, 3000, HN_GROUP_ALL, 101, LOC, HX_W_FLOOD, "next seq");
	cb_flood(b, 3000, HN_GROUP_ALL, 105, LOC, HX_W_FLOOD, "4 ahead");
	cb_flood(b, 3000, HN_GROUP_ALL, 103, LOC, HX_W_FLOOD,
		 "2 behind, unseen");
	cb_flood(b, 3000, HN_GROUP_ALL, 103, DUP, HX_W_NONE, "2 behind, seen");
	cb_flood(b, 3000, HN_GROUP_ALL, 105, DUP, HX_W_NONE, "the top again");
	cb_flood(b, 3000, HN_GROUP_ALL, 65, OLD, HX_W_NONE, "40 behind");
	cb_flood(b, 3000, HN_GROUP_ALL, 74, LOC, HX_W_FLOOD,
		 "31 behind, unseen");
	cb_flood(b, 3000, HN_GROUP_ALL, 74, DUP, HX_W_NONE, "31 behind, seen");
	cb_flood(b, 3000, HN_GROUP_ALL, 73, -1, HX_W_ANY,
		 "32 behind (the shared window decides)");
	cb_flood(b, 3000, HN_GROUP_ALL, 106, LOC, HX_W_FLOOD,
		 "next after all that");
	cb_flood(b, 3001, HX_GROUP_IN, 1, LOC, HX_W_FLOOD, "joined group");
	cb_flood(b, 3002, HX_GROUP_OUT, 1, HX_C_MCAST_FWD, HX_W_FLOOD,
		 "group not joined: XDP broadcast");
	cb_flood(b, 3002, HX_GROUP_OUT, 1, DUP, HX_W_NONE,
		 "group not joined, again");
	cb_flood(b, 3002, 12345, 2, HX_C_MCAST_FWD, HX_W_FLOOD,
		 "another group not joined");
}

/* TTL 1, 2 and 255, to a group joined and not */
static void floods_ttl(struct hx_cb *b)
{
	struct hx_case *c;

	c = cb_flood(b, 3003, HN_GROUP_ALL, 1, HX_C_MCAST_TTL_LAST, HX_W_NONE,
		     "member flood, TTL 1: delivered, not copied");
	cb_ttl(c, 1);
	c = cb_flood(b, 3003, HN_GROUP_ALL, 2, HX_C_MCAST_LOCAL, HX_W_FLOOD,
		     "member flood, TTL 2: copies leave with TTL 1");
	cb_ttl(c, 2);
	c = cb_flood(b, 3003, HN_GROUP_ALL, 3, HX_C_MCAST_LOCAL, HX_W_FLOOD,
		     "member flood, TTL 255");
	cb_ttl(c, 255);
	c = cb_flood(b, 3003, HX_GROUP_OUT, 4, HX_C_TTL_EXPIRED, HX_W_NONE,
		     "other group, TTL 1");
	cb_ttl(c, 1);
	c = cb_flood(b, 3003, HX_GROUP_OUT, 5, HX_C_MCAST_FWD, HX_W_FLOOD,
		     "other group, TTL 2");
	cb_ttl(c, 2);
}

/* issue 12: one forged flood far ahead must not silence a source */
static void floods_jump(struct hx_cb *b)
{
	const int LOC = HX_C_MCAST_LOCAL, JMP = HX_C_MCAST_JUMP;

	cb_flood(b, 3004, HN_GROUP_ALL, 10, LOC, HX_W_FLOOD,
		 "source before a jump");
	cb_flood(b, 3004, HN_GROUP_ALL, 10 + (1U << 20), JMP, HX_W_NONE,
		 "forged: 2^20 ahead of the top");
	cb_flood(b, 3004, HN_GROUP_ALL, 11, LOC, HX_W_FLOOD,
		 "the source's next flood after the forged one");
	cb_flood(b, 3004, HN_GROUP_ALL, 10 + 0x7fffffffU, JMP, HX_W_NONE,
		 "forged: 2^31 - 1 ahead of the top");
	cb_flood(b, 3004, HN_GROUP_ALL, 12, LOC, HX_W_FLOOD,
		 "the source's next flood after that");
	cb_flood(b, 3004, HN_GROUP_ALL, 12 + 1000, -1, HX_W_ANY,
		 "1000 ahead (the shared window's bound decides)");
}

/* issue 12: control floods wait for the agent's confirmation */
static void floods_control(struct hx_cb *b)
{
	struct hx_case *c;
	struct hx_hdr h;

	hx_hdr_default(&h, HN_T_GOSSIP, HN_F_MCAST, 3005, HN_GROUP_ALL, 1);
	c = cb_new(b, "flood", HX_C_MCAST_SLOW, HX_W_NONE,
		   "gossip flood, no agent: up for the agent, not copied");
	cb_frame(c, &h, cb_payload(b, 60, b->k++), 60);
	hx_hdr_default(&h, HN_T_MODEL_CHUNK, HN_F_MCAST, 3005, HN_GROUP_ALL, 2);
	c = cb_new(b, "flood", HX_C_MCAST_SLOW, HX_W_NONE,
		   "model-chunk flood, no agent: up for the agent, not copied");
	cb_frame(c, &h, cb_payload(b, 80, b->k++), 80);
	hx_hdr_default(&h, HN_T_GOSSIP, HN_F_MCAST, 3005, HX_GROUP_OUT, 3);
	c = cb_new(b, "flood", HX_C_MCAST_UNCONFIRMED, HX_W_NONE,
		   "gossip flood to a group not joined: dropped");
	cb_frame(c, &h, cb_payload(b, 60, b->k++), 60);
	hx_hdr_default(&h, HN_T_GOSSIP, HN_F_MCAST, 3006, HN_GROUP_ALL,
		       0xfffffff0U);
	c = cb_new(b, "flood", HX_C_MCAST_SLOW, HX_W_NONE,
		   "gossip flood with a high seq: up for the agent");
	cb_frame(c, &h, cb_payload(b, 60, b->k++), 60);
	cb_flood(b, 3006, HN_GROUP_ALL, 1, HX_C_MCAST_LOCAL, HX_W_FLOOD,
		 "data flood of that source, seq 1: a window of its own");
}

/* other frame types flood too */
static void floods_types(struct hx_cb *b)
{
	struct hx_case *c;
	struct hx_hdr h;
	__u32 i;

	hx_hdr_default(&h, HN_T_TENSOR, HN_F_MCAST | HN_F_RESULT, 3007,
		       HN_GROUP_ALL, 1);
	c = cb_new(b, "flood", HX_C_MCAST_LOCAL, HX_W_FLOOD,
		   "tensor result flood");
	cb_frame(c, &h, b->pl,
		 hx_tensor_payload(b->pl, 0, 1, 0, 32, HN_DT_S8, 32));
	/* PROBE and ACK are the agent's, as GOSSIP is: not copied here */
	for (i = HN_T_PROBE; i <= HN_T_ACK; i++) {
		hx_hdr_default(&h, i, HN_F_MCAST, 3007, HN_GROUP_ALL, 1 + i);
		c = cb_new(b, "flood", HX_C_MCAST_SLOW, HX_W_NONE,
			   "type %u flood: up for the agent", i);
		cb_frame(c, &h, cb_payload(b, 40, b->k++), 40);
	}
	cb_flood(b, b->s->node, HN_GROUP_ALL, 1, HX_C_MCAST_LOCAL, HX_W_FLOOD,
		 "flood from this node's own id");
}

/* Many sources, then each again; one frame sent 20 times: copied once */
static void floods_repeated(struct hx_cb *b)
{
	struct hx_case *c, once;
	struct hx_hdr h;
	__u32 i;

	for (i = 0; i < 200; i++)
		cb_flood(b, 3100 + i, HN_GROUP_ALL, 7, HX_C_MCAST_LOCAL,
			 HX_W_FLOOD, "source %u of 200", i + 1);
	for (i = 0; i < 200; i++)
		cb_flood(b, 3100 + i, HN_GROUP_ALL, 7, HX_C_MCAST_DUP,
			 HX_W_NONE, "source %u of 200, again", i + 1);
	hx_hdr_default(&h, HN_T_DATA, HN_F_MCAST, 3400, HN_GROUP_ALL, 1);
	h.ttl = 255;
	cb_frame(&once, &h, cb_payload(b, 40, b->k++), 40);
	for (i = 0; i < 20; i++) {
		c = cb_new(b, "flood", i ? HX_C_MCAST_DUP : HX_C_MCAST_LOCAL,
			   i ? HX_W_NONE : HX_W_FLOOD,
			   "the same flood, %u of 20", i + 1);
		memcpy(c->buf, once.buf, once.len);
		c->len = once.len;
	}
}

/* The de-duplication window and the flood contract on one router. */
int hx_phase_floods(const struct hx_scn *s, struct hx_case *cs, int max)
{
	struct hx_cb b = { .s = s, .c = cs, .max = max };

	floods_window(&b);
	floods_ttl(&b);
	floods_jump(&b);
	floods_control(&b);
	floods_types(&b);
	floods_repeated(&b);
	return b.n;
}

/* ---- random and mutated frames ------------------------------------------- */

void hx_random_init(struct hx_randgen *g, const struct hx_scn *s, __u64 seed)
{
	memset(g, 0, sizeof(*g));
	hx_rng_seed(&g->rng, seed);
	g->s = s;
}

static __u32 rg_pick(struct hx_randgen *g, const __u32 *v, size_t n)
{
	return v[hx_below(&g->rng, n)];
}

static __u8 rg_ttl(struct hx_randgen *g)
{
	static const __u8 edge[] = { 0, 1, 1, 2, 255, 254 };
	__u32 r = hx_below(&g->rng, 16);

	if (r < 4)
		return edge[hx_below(&g->rng, sizeof(edge))];
	return 1 + hx_below(&g->rng, 64);
}

static size_t rg_plen(struct hx_randgen *g)
{
	__u32 r = hx_below(&g->rng, 20);

	if (r < 10)
		return hx_below(&g->rng, 65);
	if (r < 17)
		return 64 + hx_below(&g->rng, 449);
	return 512 + hx_below(&g->rng, 969);
}

/* A sequence number for pool source @top: mostly next, some far. */
static __u32 rg_seq(struct hx_randgen *g, __u32 *top)
{
	__u32 r = hx_below(&g->rng, 100), seq;

	if (r < 60)
		seq = *top + 1;
	else if (r < 75)
		seq = *top - hx_below(&g->rng, 4);
	else if (r < 90)
		seq = *top - hx_below(&g->rng, 48);
	else if (r < 96)
		seq = *top + 2 + hx_below(&g->rng, 40);
	else if (r < 98)
		seq = *top + (1U << 20) + hx_below(&g->rng, 1U << 30);
	else
		seq = (__u32)hx_rnd(&g->rng);
	if ((__s32)(seq - *top) > 0 && (__s32)(seq - *top) < 64)
		*top = seq;
	return seq;
}

static void rg_mutate(struct hx_randgen *g, struct hx_case *c)
{
	struct hnhdr *h = (struct hnhdr *)(c->buf + HX_ETH_HLEN);
	struct hn_tensor_hdr *t = (struct hn_tensor_hdr *)(h + 1);
	__u32 r = hx_below(&g->rng, 10), i;
	bool tens = c->len >= HX_ETH_HLEN + HN_HDR_LEN + HN_TENSOR_HDR_LEN;

	switch (r) {
	case 0: /* flip a bit past the EtherType */
	case 1:
		i = HX_ETH_HLEN + hx_below(&g->rng, c->len - HX_ETH_HLEN);
		c->buf[i] ^= 1U << hx_below(&g->rng, 8);
		break;
	case 2: /* a random byte in the HyperNet header */
		i = HX_ETH_HLEN + hx_below(&g->rng, HN_HDR_LEN);
		c->buf[i] = hx_rnd(&g->rng);
		break;
	case 3: /* cut short */
		c->len = HX_ETH_HLEN + hx_below(&g->rng, c->len - HX_ETH_HLEN);
		break;
	case 4: /* padding */
		i = 1 + hx_below(&g->rng, 32);
		if (c->len + i > HX_WIRE_MAX)
			i = HX_WIRE_MAX - c->len;
		while (i--)
			c->buf[c->len++] = hx_rnd(&g->rng);
		break;
	case 5: /* len off by a little or a lot */
		i = hx_below(&g->rng, 2) ? 1 + hx_below(&g->rng, 3) :
					   hx_rnd(&g->rng);
		h->len = htons(ntohs(h->len) + i);
		break;
	case 6: /* an edge value in a header field */
		switch (hx_below(&g->rng, 6)) {
		case 0:
			h->version = hx_below(&g->rng, 3);
			break;
		case 1:
			h->type = hx_below(&g->rng, 2) ? 0 : HN_T_MAX + 1;
			break;
		case 2:
			h->flags |= 1U << hx_below(&g->rng, 8);
			break;
		case 3:
			h->ttl = hx_below(&g->rng, 3);
			break;
		case 4:
			h->src = 0;
			break;
		default:
			h->dst = hx_below(&g->rng, 2) ? 0 : htonl(HN_GROUP_ALL);
			break;
		}
		break;
	case 7: /* an edge value in a tensor header */
		if (!tens)
			break;
		switch (hx_below(&g->rng, 5)) {
		case 0:
			t->frag_cnt = htons(hx_below(&g->rng, 2) ?
						    0 :
						    ntohs(t->total_len) + 1);
			break;
		case 1:
			t->frag_idx = t->frag_cnt;
			break;
		case 2:
			t->frag_off = t->total_len;
			break;
		case 3:
			t->total_len = htons(hx_below(&g->rng, 2) ? 0 : 4097);
			break;
		default:
			t->dtype = hx_below(&g->rng, 3) ? 0 : 2;
			break;
		}
		break;
	default: /* a few random bytes anywhere past the EtherType */
		for (i = 0; i < 3; i++)
			c->buf[HX_ETH_HLEN +
			       hx_below(&g->rng, c->len - HX_ETH_HLEN)] =
				hx_rnd(&g->rng);
		break;
	}
}

static const __u32 rg_groups[] = { HN_GROUP_ALL, HN_GROUP_ALL, HX_GROUP_IN,
				   HX_GROUP_OUT, 777 };
static const __u32 rg_tasks[] = { HX_TASK_HERE,	   HX_TASK_FAR,	 HX_TASK_TIE,
				  HX_TASK_NOROUTE, HX_TASK_NONE, HX_TASK_DEAD };

/* A unicast destination: a neighbour, this node, or one of the routes. */
static __u32 rg_dst(struct hx_randgen *g)
{
	const struct hx_scn *s = g->s;
	__u32 dsts[] = { cb_node(s, 0), cb_node(s, 1),	 cb_node(s, 2),
			 s->node,	HX_DST_DEADPORT, HX_DST_TWO,
			 HX_DST_FAR,	HX_DST_NOROUTE };

	return rg_pick(g, dsts, sizeof(dsts) / 4);
}

/* A tensor fragment, its header in @h and its payload in @pl. */
static size_t rg_tensor(struct hx_randgen *g, struct hx_hdr *h, __u8 *pl)
{
	__u16 total = 1 + hx_below(&g->rng, 1400), cnt, idx, off, n;
	bool any;

	cnt = 1 + hx_below(&g->rng, total < 8 ? total : 8);
	idx = hx_below(&g->rng, cnt);
	off = cnt == 1 ? 0 : hx_below(&g->rng, total);
	n = cnt == 1 ? total : 1 + hx_below(&g->rng, total - off);
	any = hx_below(&g->rng, 4) == 0;

	hx_hdr_default(h, HN_T_TENSOR, any ? HN_F_ANYCAST : 0,
		       1 + hx_below(&g->rng, 5000),
		       any ? rg_pick(g, rg_tasks, sizeof(rg_tasks) / 4) :
			     rg_dst(g),
		       hx_rnd(&g->rng));
	return hx_tensor_payload(pl, idx, cnt, off, total, HN_DT_S8, n);
}

/*
 * The header of a frame of @kind (0..99: how likely each class is), and
 * for a tensor its payload in @pl and length in *@plen; returns the class.
 */
static const char *rg_header(struct hx_randgen *g, __u32 kind, struct hx_hdr *h,
			     __u8 *pl, size_t *plen)
{
	const struct hx_scn *s = g->s;
	__u32 k;

	if (kind < 28) {
		hx_hdr_default(h, HN_T_DATA, 0, 1 + hx_below(&g->rng, 5000),
			       rg_dst(g), hx_rnd(&g->rng));
		return "random: unicast";
	}
	if (kind < 40) {
		hx_hdr_default(h, HN_T_DATA, HN_F_ANYCAST,
			       1 + hx_below(&g->rng, 5000),
			       rg_pick(g, rg_tasks, sizeof(rg_tasks) / 4),
			       hx_rnd(&g->rng));
		return "random: anycast";
	}
	if (kind < 70) {
		k = hx_below(&g->rng, 64);
		hx_hdr_default(h, HN_T_DATA, HN_F_MCAST, HX_DATA_POOL + k,
			       rg_pick(g, rg_groups, sizeof(rg_groups) / 4),
			       rg_seq(g, &g->data_top[k]));
		return "random: data flood";
	}
	if (kind < 80) {
		k = hx_below(&g->rng, 16);
		hx_hdr_default(h,
			       hx_below(&g->rng, 2) ? HN_T_GOSSIP :
						      HN_T_MODEL_CHUNK,
			       HN_F_MCAST, HX_CTL_POOL + k, HN_GROUP_ALL,
			       rg_seq(g, &g->ctl_top[k]));
		return "random: control flood";
	}
	if (kind < 86) {
		hx_hdr_default(h, HN_T_HELLO, HN_F_MCAST,
			       hx_below(&g->rng, 2) ? cb_node(s, 0) :
						      1 + hx_below(&g->rng, 99),
			       HN_GROUP_ALL, hx_rnd(&g->rng));
		return "random: hello";
	}
	*plen = rg_tensor(g, h, pl);
	return "random: tensor";
}

/* Random MACs, TTL, class, reserved byte, flags and types on top. */
static void rg_fields(struct hx_randgen *g, struct hx_hdr *h)
{
	int i;

	for (i = 0; i < 6; i++) {
		h->dmac[i] = hx_rnd(&g->rng);
		h->smac[i] = hx_rnd(&g->rng);
	}
	h->ttl = rg_ttl(g);
	h->tclass = hx_rnd(&g->rng);
	if (hx_below(&g->rng, 8) == 0)
		h->reserved = hx_rnd(&g->rng);
	if (hx_below(&g->rng, 8) == 0)
		h->flags |= HN_F_RESULT;
	if (h->type == HN_T_DATA && hx_below(&g->rng, 10) == 0)
		h->type = HN_T_PROBE + hx_below(&g->rng, 2);
}

/*
 * Floods keep to the pools: the router's window map is an LRU, and a
 * control flood's window is the agent's (contract), so neither may share
 * a source with the data floods.
 */
static void rg_keep_pools(struct hx_randgen *g, struct hx_case *c)
{
	struct hnhdr *hn = (struct hnhdr *)(c->buf + HX_ETH_HLEN);
	__u32 src, pool, n;
	bool ctl;

	if (hx_validate(c->buf, c->len) || !(hn->flags & HN_F_MCAST) ||
	    hn->type == HN_T_HELLO)
		return;
	ctl = hn->type == HN_T_GOSSIP || hn->type == HN_T_MODEL_CHUNK;
	src = ntohl(hn->src);
	pool = ctl ? HX_CTL_POOL : HX_DATA_POOL;
	n = ctl ? 16 : 64;
	if (src - pool >= n)
		hn->src = htonl(pool + hx_below(&g->rng, n));
}

void hx_random_frame(struct hx_randgen *g, struct hx_case *c, __u32 tag)
{
	__u8 pl[HX_FRAME_MAX];
	__u32 kind = hx_below(&g->rng, 100), i, k;
	struct hx_hdr h;
	size_t plen = rg_plen(g);

	memset(c, 0, sizeof(*c));
	for (i = 0; i < plen; i++)
		pl[i] = hx_rnd(&g->rng);
	c->cls = rg_header(g, kind, &h, pl, &plen);
	rg_fields(g, &h);
	hx_build(c, &h, pl, plen, tag);
	if (hx_below(&g->rng, 100) < 45) {
		c->cls = "random: mutated";
		k = 1 + hx_below(&g->rng, 3);
		while (k--)
			rg_mutate(g, c);
	}
	rg_keep_pools(g, c);
}
