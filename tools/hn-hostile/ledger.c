// SPDX-License-Identifier: GPL-2.0
/*
 * The ledger: expected outputs as a multiset of (port, exact bytes), so a
 * frame that comes out twice, out of the wrong port, or changed in any
 * byte is unexpected, and one that never comes is missing.
 */
#include <errno.h>
#include <linux/if_ether.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"

#define HX_BUCKETS (1U << 16)

struct hx_exp {
	struct hx_exp *next;
	__u64 hash;
	__u32 frame;
	__u16 len;
	__u8 port;
	bool marker, got;
	__u8 *bytes;
};

static __u64 hx_hash(int port, const __u8 *b, size_t len)
{
	__u64 h = 0xcbf29ce484222325ULL ^ (__u64)port;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h ^ len;
}

/*
 * What a router may not change in a frame it forwards as it came (MACs
 * and TTL aside), to tell which sent frame an unexpected one is.
 */
static __u64 hx_key(const __u8 *b, size_t len)
{
	__u64 h = 0xcbf29ce484222325ULL ^ len;
	size_t i, ttl = 12;

	while (ttl + 2 <= len && (b[ttl] << 8 | b[ttl + 1]) != ETH_P_HYPERNET &&
	       ttl < 24)
		ttl += 4;
	ttl += 2 + 3;
	for (i = 12; i < len; i++)
		h = (h ^ (i == ttl ? 0 : b[i])) * 0x100000001b3ULL;
	return h;
}

int hx_ledger_init(struct hx_ledger *l, const struct hx_router *r)
{
	int p;

	memset(l, 0, sizeof(*l));
	l->nports = r->nports;
	for (p = 0; p < r->nports; p++)
		l->port_name[p] = r->port[p].name;
	l->bucket = calloc(HX_BUCKETS, sizeof(*l->bucket));
	l->kbucket = calloc(HX_BUCKETS, sizeof(*l->kbucket));
	return l->bucket && l->kbucket ? 0 : -ENOMEM;
}

void hx_ledger_reset(struct hx_ledger *l)
{
	size_t i;

	for (i = 0; i < l->nexp; i++) {
		free(l->all[i]->bytes);
		free(l->all[i]);
	}
	for (i = 0; i < l->nsent; i++)
		free(l->sent[i].bytes);
	memset(l->bucket, 0, HX_BUCKETS * sizeof(*l->bucket));
	memset(l->kbucket, 0, HX_BUCKETS * sizeof(*l->kbucket));
	l->nexp = l->nsent = 0;
	memset(l->ctr, 0, sizeof(l->ctr));
	memset(l->outstanding, 0, sizeof(l->outstanding));
	l->outs = l->matched = l->unexpected = l->markers_left = 0;
	l->nunexp = l->ntally = 0;
}

void hx_ledger_free(struct hx_ledger *l)
{
	hx_ledger_reset(l);
	free(l->bucket);
	free(l->kbucket);
	free(l->all);
	free(l->sent);
}

static struct hx_tally *hx_tally(struct hx_ledger *l, const char *cls,
				 const char *what)
{
	int i;

	for (i = 0; i < l->ntally; i++)
		if (l->tally[i].cls == cls && l->tally[i].what == what)
			return &l->tally[i];
	if (l->ntally == HX_MAX_TALLY)
		return &l->tally[HX_MAX_TALLY - 1];
	memset(&l->tally[l->ntally], 0, sizeof(l->tally[0]));
	l->tally[l->ntally].cls = cls;
	l->tally[l->ntally].what = what;
	return &l->tally[l->ntally++];
}

static void *hx_grow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 1024;
	void *q;

	if (need <= *cap)
		return p;
	while (n < need)
		n *= 2;
	q = realloc(p, n * size);
	if (q)
		*cap = n;
	return q;
}

int hx_ledger_sent(struct hx_ledger *l, const struct hx_case *c,
		   const struct hx_verdict *v)
{
	struct hx_sent *s;
	void *p;
	int i;

	p = hx_grow(l->sent, &l->capsent, l->nsent + 1, sizeof(*l->sent));
	if (!p)
		return -ENOMEM;
	l->sent = p;
	s = &l->sent[l->nsent];
	s->cls = c->cls;
	s->what = v->what;
	s->name = c->name[0] ? c->name : NULL;
	s->len = c->len;
	s->bytes = malloc(c->len ? c->len : 1);
	if (!s->bytes)
		return -ENOMEM;
	memcpy(s->bytes, c->buf, c->len);
	s->key = hx_key(c->buf, c->len);
	s->next = l->kbucket[s->key & (HX_BUCKETS - 1)];
	l->kbucket[s->key & (HX_BUCKETS - 1)] = l->nsent + 1;
	hx_tally(l, c->cls, v->what)->frames++;
	for (i = 0; i < HX_NCTR; i++)
		l->ctr[i] += v->ctr[i];
	for (i = 0; i < v->n_out; i++) {
		const struct hx_out *o = &v->out[i];
		struct hx_exp *e = calloc(1, sizeof(*e));

		p = hx_grow(l->all, &l->capexp, l->nexp + 1, sizeof(*l->all));
		if (!e || !p || !(e->bytes = malloc(o->len))) {
			free(e);
			return -ENOMEM;
		}
		l->all = p;
		l->all[l->nexp++] = e;
		memcpy(e->bytes, o->buf, o->len);
		e->len = o->len;
		e->port = o->port;
		e->frame = l->nsent;
		e->marker = c->marker;
		e->hash = hx_hash(o->port, o->buf, o->len);
		e->next = l->bucket[e->hash & (HX_BUCKETS - 1)];
		l->bucket[e->hash & (HX_BUCKETS - 1)] = e;
		l->outs++;
		l->outstanding[o->port]++;
		if (c->marker)
			l->markers_left++;
		hx_tally(l, c->cls, v->what)->outs++;
	}
	l->nsent++;
	return 0;
}

/* Count an unexpected frame against the sent frame it is a copy of. */
static void hx_blame(struct hx_ledger *l, const __u8 *buf, size_t len)
{
	__u64 k = hx_key(buf, len);
	size_t i;

	for (i = l->kbucket[k & (HX_BUCKETS - 1)]; i; i = l->sent[i - 1].next) {
		const struct hx_sent *s = &l->sent[i - 1];

		if (s->key == k && s->len == len) {
			hx_tally(l, s->cls, s->what)->unexpected++;
			return;
		}
	}
	hx_tally(l, "(no frame sent)", "-")->unexpected++;
}

int hx_ledger_match(struct hx_ledger *l, int port, const __u8 *buf, size_t len)
{
	__u64 h = hx_hash(port, buf, len);
	struct hx_exp *e;

	for (e = l->bucket[h & (HX_BUCKETS - 1)]; e; e = e->next) {
		if (e->got || e->hash != h || e->port != port ||
		    e->len != len || memcmp(e->bytes, buf, len))
			continue;
		e->got = true;
		free(e->bytes);
		e->bytes = NULL;
		l->matched++;
		l->outstanding[port]--;
		if (e->marker) {
			l->markers_left--;
			return 2;
		}
		return 1;
	}
	l->unexpected++;
	hx_blame(l, buf, len);
	if (l->nunexp < HX_KEEP_UNEXP) {
		l->unexp[l->nunexp].port = port;
		l->unexp[l->nunexp].len = len;
		memcpy(l->unexp[l->nunexp].buf, buf, len);
		l->nunexp++;
	}
	return 0;
}

static void hx_hex(const __u8 *b, size_t len)
{
	size_t i;

	for (i = 0; i < len && i < 64; i++)
		printf("%s%02x", i && !(i % 16) ? "\n        " : " ", b[i]);
	printf("%s\n", len > 64 ? " ..." : "");
}

/* The sent frame an unexpected one most looks like (MACs and TTL aside). */
static long hx_likely_source(const struct hx_ledger *l, const __u8 *b,
			     size_t len, size_t *same)
{
	size_t i, j, best = 0, n;
	long who = -1;

	for (i = 0; i < l->nsent; i++) {
		const struct hx_sent *s = &l->sent[i];

		if (s->len != len || len < 12)
			continue;
		for (n = 0, j = 12; j < len; j++)
			n += s->bytes[j] == b[j];
		if (n > best) {
			best = n;
			who = i;
		}
	}
	*same = best;
	return who;
}

static void hx_diff(const __u8 *a, const __u8 *b, size_t len)
{
	size_t i, shown = 0;

	printf("        differs at byte");
	for (i = 0; i < len && shown < 12; i++) {
		if (a[i] == b[i])
			continue;
		printf(" %zu (%02x->%02x)", i, a[i], b[i]);
		shown++;
	}
	printf("%s\n", shown ? "" : " none");
}

unsigned long hx_ledger_report(struct hx_ledger *l, const char *phase)
{
	unsigned long missing = 0;
	size_t i, shown = 0, same;
	int k;

	for (i = 0; i < l->nexp; i++) {
		struct hx_exp *e = l->all[i];
		const struct hx_sent *s = &l->sent[e->frame];

		if (e->got)
			continue;
		missing++;
		hx_tally(l, s->cls, s->what)->missing++;
		if (shown++ >= HX_KEEP_UNEXP)
			continue;
		printf("    missing on %s: frame #%u (%s%s%s), %u bytes: %s\n",
		       l->port_name[e->port], e->frame, s->cls,
		       s->name ? ": " : "", s->name ? s->name : "", e->len,
		       s->what);
		hx_hex(e->bytes, e->len);
	}
	for (k = 0; k < l->nunexp; k++) {
		long who = hx_likely_source(l, l->unexp[k].buf, l->unexp[k].len,
					    &same);

		printf("    unexpected on %s, %zu bytes",
		       l->port_name[l->unexp[k].port], l->unexp[k].len);
		if (who >= 0 && same * 10 >= (l->unexp[k].len - 12) * 9) {
			const struct hx_sent *s = &l->sent[who];

			printf(": looks like frame #%ld (%s%s%s), which the "
			       "oracle says goes: %s\n",
			       who, s->cls, s->name ? ": " : "",
			       s->name ? s->name : "", s->what);
			hx_diff(s->bytes, l->unexp[k].buf, s->len);
		} else {
			printf(", like no frame sent\n");
		}
		hx_hex(l->unexp[k].buf, l->unexp[k].len);
	}
	if (missing || l->unexpected) {
		printf("    %s by class and outcome (frames, outputs, missing, "
		       "unexpected):\n",
		       phase);
		for (k = 0; k < l->ntally; k++) {
			const struct hx_tally *t = &l->tally[k];

			if (!t->missing && !t->unexpected)
				continue;
			printf("      %-22s %-46s %6lu %6lu %6lu %6lu\n",
			       t->cls, t->what, t->frames, t->outs, t->missing,
			       t->unexpected);
		}
	}
	return missing + l->unexpected;
}
