// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Round messages in FED fragments: sending with selective acknowledgement
 * and receiving within bounded memory (fedxfer.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fedxfer.h"

#define SACK_EVERY 16 /* new fragments between acknowledgements */

static bool bit(const uint8_t *bm, uint32_t i)
{
	return bm[i / 8] & (1u << (i % 8));
}

static void set_bit(uint8_t *bm, uint32_t i)
{
	bm[i / 8] |= 1u << (i % 8);
}

int hn_fx_out_init(struct hn_fx_out *o, uint32_t dst, const struct hn_fx_hdr *h,
		   uint8_t *buf, uint64_t now)
{
	memset(o, 0, sizeof(*o));
	if (!h->total_len || h->total_len > HN_FED_MSG_MAX || !h->kind ||
	    !h->campaign)
		return -EINVAL;
	o->dst = dst;
	o->h = *h;
	o->n_frags = hn_fed_frags(h->total_len);
	o->acked = calloc(1, (o->n_frags + 7) / 8);
	o->sent_ns = calloc(o->n_frags, sizeof(*o->sent_ns));
	if (!o->acked || !o->sent_ns) {
		free(o->acked);
		free(o->sent_ns);
		memset(o, 0, sizeof(*o));
		return -ENOMEM;
	}
	o->buf = buf;
	o->started_ns = now;
	o->progress_ns = now;
	return 0;
}

void hn_fx_out_free(struct hn_fx_out *o)
{
	free(o->buf);
	free(o->acked);
	free(o->sent_ns);
	memset(o, 0, sizeof(*o));
}

unsigned int hn_fx_out_due(struct hn_fx_out *o, uint64_t now, uint64_t rto_ns,
			   unsigned int window, uint32_t *idx, unsigned int max)
{
	unsigned int flight = 0, n = 0;
	uint32_t i;

	for (i = 0; i < o->n_frags; i++)
		flight += !bit(o->acked, i) && o->sent_ns[i] &&
			  now - o->sent_ns[i] < rto_ns;
	for (i = 0; i < o->n_frags && n < max && flight < window; i++) {
		if (bit(o->acked, i) ||
		    (o->sent_ns[i] && now - o->sent_ns[i] < rto_ns))
			continue;
		o->sent_ns[i] = now ? now : 1;
		idx[n++] = i;
		flight++;
	}
	return n;
}

static void fed_hdr(struct hn_ctrl_fed *f, const struct hn_fx_hdr *h)
{
	memset(f, 0, sizeof(*f));
	f->campaign = h->campaign;
	f->round = h->round;
	f->msg_id = h->msg_id;
	f->total_len = h->total_len;
	f->attempt = h->attempt;
	f->kind = h->kind;
}

void hn_fx_out_frag(const struct hn_fx_out *o, uint32_t i,
		    struct hn_ctrl_fed *f)
{
	uint32_t off = i * HN_FED_FRAG_MAX;
	uint32_t left = o->h.total_len - off;

	fed_hdr(f, &o->h);
	f->op = HN_FED_DATA;
	f->offset = off;
	f->frag_len = left < HN_FED_FRAG_MAX ? left : HN_FED_FRAG_MAX;
	f->data = o->buf + off;
}

/* Whether fragment header @f is about message @h. */
static bool same_msg(const struct hn_fx_hdr *h, const struct hn_ctrl_fed *f)
{
	return f->campaign == h->campaign && f->round == h->round &&
	       f->msg_id == h->msg_id && f->total_len == h->total_len &&
	       f->attempt == h->attempt && f->kind == h->kind;
}

int hn_fx_out_sack(struct hn_fx_out *o, const struct hn_ctrl_fed *f,
		   uint64_t now)
{
	uint32_t i;

	if (f->op != HN_FED_SACK || !same_msg(&o->h, f) ||
	    f->frag_len != (o->n_frags + 7) / 8)
		return -EINVAL;
	for (i = 0; i < o->n_frags; i++) {
		if (bit(o->acked, i) || !bit(f->data, i))
			continue;
		set_bit(o->acked, i);
		o->n_acked++;
		o->progress_ns = now;
	}
	return o->n_acked == o->n_frags;
}

int hn_fx_rx_init(struct hn_fx_rx *r, const struct hn_fx_limits *lim)
{
	memset(r, 0, sizeof(*r));
	if (!lim->slots || !lim->peer_live)
		return -EINVAL;
	r->lim = *lim;
	r->in = calloc(lim->slots, sizeof(*r->in));
	return r->in ? 0 : -ENOMEM;
}

static void slot_free(struct hn_fx_rx *r, struct hn_fx_in *in)
{
	if (in->buf)
		r->bytes -= in->h.total_len;
	free(in->buf);
	memset(in, 0, sizeof(*in));
}

void hn_fx_rx_free(struct hn_fx_rx *r)
{
	unsigned int i;

	for (i = 0; r->in && i < r->lim.slots; i++)
		slot_free(r, &r->in[i]);
	free(r->in);
	memset(r, 0, sizeof(*r));
}

void hn_fx_rx_expire(struct hn_fx_rx *r, uint64_t now)
{
	unsigned int i;

	for (i = 0; i < r->lim.slots; i++) {
		struct hn_fx_in *in = &r->in[i];

		if (!in->src || now - in->last_ns < r->lim.timeout_ns)
			continue;
		if (!in->done)
			r->st.expired++;
		slot_free(r, in);
	}
}

static struct hn_fx_in *find(struct hn_fx_rx *r, uint32_t src, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < r->lim.slots; i++)
		if (r->in[i].src == src && r->in[i].h.msg_id == id)
			return &r->in[i];
	return NULL;
}

/*
 * A slot for a new transfer of @len bytes from @src, within the caps; a
 * complete transfer (bitmap only) makes way, the oldest first, never a
 * live one.  NULL, counted, when over a cap.
 */
static struct hn_fx_in *new_slot(struct hn_fx_rx *r, uint32_t src, uint32_t len)
{
	struct hn_fx_in *free_in = NULL, *old = NULL;
	unsigned int i, live = 0;
	size_t peer = 0;

	for (i = 0; i < r->lim.slots; i++) {
		struct hn_fx_in *in = &r->in[i];

		if (!in->src) {
			free_in = free_in ?: in;
			continue;
		}
		if (in->done && (!old || in->last_ns < old->last_ns))
			old = in;
		if (in->src != src || in->done)
			continue;
		live++;
		peer += in->h.total_len;
	}
	if (live >= r->lim.peer_live || peer + len > r->lim.peer_bytes) {
		r->st.refused_peer++;
		return NULL;
	}
	if (r->bytes + len > r->lim.total_bytes) {
		r->st.refused_total++;
		return NULL;
	}
	if (!free_in && old) {
		slot_free(r, old);
		free_in = old;
	}
	if (!free_in)
		r->st.refused_slots++;
	return free_in;
}

enum hn_fx_res hn_fx_rx_add(struct hn_fx_rx *r, uint32_t src,
			    const struct hn_ctrl_fed *f, uint64_t now,
			    struct hn_fx_in **inp)
{
	struct hn_fx_in *in = find(r, src, f->msg_id);
	uint32_t i = f->offset / HN_FED_FRAG_MAX;

	*inp = NULL;
	if (in && !same_msg(&in->h, f)) {
		r->st.mismatched++;
		return HN_FX_MISMATCH;
	}
	if (!in) {
		in = new_slot(r, src, f->total_len);
		if (!in)
			return HN_FX_REFUSED;
		in->buf = malloc(f->total_len);
		if (!in->buf) {
			r->st.refused_total++;
			return HN_FX_REFUSED;
		}
		in->src = src;
		in->h = (struct hn_fx_hdr){ f->campaign,  f->round,   f->msg_id,
					    f->total_len, f->attempt, f->kind };
		in->n_frags = hn_fed_frags(f->total_len);
		r->bytes += f->total_len;
	}
	*inp = in;
	in->last_ns = now;
	if (in->done || bit(in->bits, i)) {
		r->st.dups++;
		return HN_FX_DUP;
	}
	memcpy(in->buf + f->offset, f->data, f->frag_len);
	set_bit(in->bits, i);
	in->n_have++;
	in->since_sack++;
	r->st.frags++;
	if (in->n_have < in->n_frags)
		return HN_FX_STORED;
	in->done = true;
	r->st.completed++;
	return HN_FX_COMPLETE;
}

bool hn_fx_rx_sack_due(struct hn_fx_in *in, enum hn_fx_res res)
{
	if (res == HN_FX_COMPLETE || res == HN_FX_DUP ||
	    in->since_sack >= SACK_EVERY) {
		in->since_sack = 0;
		return true;
	}
	return false;
}

void hn_fx_rx_sack(const struct hn_fx_in *in, struct hn_ctrl_fed *f)
{
	fed_hdr(f, &in->h);
	f->op = HN_FED_SACK;
	f->frag_len = (in->n_frags + 7) / 8;
	f->data = in->bits;
}

uint8_t *hn_fx_rx_take(struct hn_fx_rx *r, struct hn_fx_in *in)
{
	uint8_t *buf = in->buf;

	if (!in->done || !buf)
		return NULL;
	in->buf = NULL;
	r->bytes -= in->h.total_len;
	return buf;
}
