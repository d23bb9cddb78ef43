// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the module's tensor reassembly: kmod/reassembly.c
 * built for userspace (tests/kmod/shim/), fed what the module's worker
 * feeds it (fragments that passed hn_tensor_check(), frag_cnt > 1) and the
 * clock, and checked step by step against a reference written here the
 * slow, obvious way: element and index bitmaps per tensor.  Any
 * difference in a verdict, in the data of a completed tensor, in what
 * expires, or a broken bound aborts.
 *
 * Input: records.  0x00-0xef: a fragment, then key (origin = key >> 6,
 * tensor id = key & 63), frag_idx, frag_cnt, frag_off, total_len, element
 * count (u16 big endian each), stage = op & 1, then the elements (taken
 * from the input while it lasts).  0xf0-0xff: the clock moves on by the
 * next byte, in jiffies, and expired tensors are dropped.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <kshim.h>
#include <hypernet/frame.h>
#include "reassembly.h"

#define REF_MAX HN_REASM_MAX_TENSORS

struct ref {
	bool used;
	u32 origin, id;
	u16 cnt, total, nfrags, covered;
	u8 stage;
	unsigned long deadline;
	u8 fseen[65536 / 8];
	u8 eseen[HN_TENSOR_MAX_LEN / 8];
	s8 data[HN_TENSOR_MAX_LEN];
};

static struct ref refs[REF_MAX];
static struct hn_reasm r;

static bool bit(const u8 *m, unsigned int i)
{
	return m[i / 8] >> (i % 8) & 1;
}

static void set(u8 *m, unsigned int i)
{
	m[i / 8] |= 1 << (i % 8);
}

static struct ref *ref_find(u32 origin, u32 id)
{
	unsigned int i;

	for (i = 0; i < REF_MAX; i++)
		if (refs[i].used && refs[i].origin == origin &&
		    refs[i].id == id)
			return &refs[i];
	return NULL;
}

static unsigned int ref_count(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < REF_MAX; i++)
		n += refs[i].used;
	return n;
}

static struct ref *ref_new(const struct hn_tensor_hdr *t)
{
	unsigned int i;

	for (i = 0; i < REF_MAX; i++) {
		if (refs[i].used)
			continue;
		memset(&refs[i], 0, sizeof(refs[i]));
		refs[i].used = true;
		refs[i].origin = ntohl(t->origin);
		refs[i].id = ntohl(t->tensor_id);
		refs[i].cnt = ntohs(t->frag_cnt);
		refs[i].total = ntohs(t->total_len);
		refs[i].stage = t->stage;
		refs[i].deadline = jiffies + HN_REASM_TIMEOUT;
		return &refs[i];
	}
	abort(); /* the module holds more than HN_REASM_MAX_TENSORS */
}

/* The verdict the reference gives, applying the fragment to @e. */
static int ref_add(struct ref *e, const struct hn_tensor_hdr *t, const s8 *x,
		   unsigned int n)
{
	unsigned int idx = ntohs(t->frag_idx), off = ntohs(t->frag_off), i;

	if (e->cnt != ntohs(t->frag_cnt) || e->total != ntohs(t->total_len) ||
	    e->stage != t->stage)
		return HN_REASM_BAD;
	if (bit(e->fseen, idx))
		return HN_REASM_DUP;
	for (i = off; i < off + n; i++)
		if (bit(e->eseen, i))
			return HN_REASM_BAD;
	set(e->fseen, idx);
	for (i = 0; i < n; i++) {
		set(e->eseen, off + i);
		e->data[off + i] = x[i];
	}
	e->nfrags++;
	e->covered += n;
	if (e->covered < e->total && e->nfrags < e->cnt)
		return HN_REASM_QUEUED;
	if (e->covered == e->total && e->nfrags == e->cnt)
		return HN_REASM_DONE;
	e->used = false; /* can never complete: given up */
	return HN_REASM_BAD;
}

static void check_bounds(void)
{
	struct hn_reasm_ent *e, *tmp;
	size_t bytes = 0;
	unsigned int n = 0;

	list_for_each_entry_safe(e, tmp, &r.lru, lru) {
		struct ref *f = ref_find(e->origin, e->tensor_id);

		if (!f || f->nfrags != e->nfrags || f->covered != e->covered)
			abort();
		bytes += e->size;
		n++;
	}
	if (n != r.count || bytes != r.bytes || n != ref_count() ||
	    r.count > HN_REASM_MAX_TENSORS || r.bytes > HN_REASM_MAX_BYTES)
		abort();
}

static void fragment(const struct hn_tensor_hdr *t, const s8 *x, unsigned int n)
{
	u32 origin = ntohl(t->origin), id = ntohl(t->tensor_id);
	struct ref *f = ref_find(origin, id);
	struct hnhdr h = {
		.version = HN_VERSION,
		.type = HN_T_TENSOR,
		.ttl = HN_TTL_DEFAULT,
		.len = htons(HN_TENSOR_HDR_LEN + n),
		.src = htonl(origin),
		.dst = htonl(1),
	};
	struct hn_reasm_ent *done = NULL;
	int got, want;

	got = hn_reasm_add(&r, &h, t, x, n, &done);
	if (!f) {
		if (got == HN_REASM_FULL) {
			/*
			 * Only at a cap: no more tensors, or no room for the
			 * entry, its elements and two bitmaps (at most a
			 * bit each, plus a word of rounding).
			 */
			size_t most = sizeof(struct hn_reasm_ent) +
				      ntohs(t->total_len) * 9 / 8 +
				      ntohs(t->frag_cnt) / 8 + 2 * sizeof(long);

			if (r.count < HN_REASM_MAX_TENSORS &&
			    r.bytes + most <= HN_REASM_MAX_BYTES)
				abort();
			return;
		}
		f = ref_new(t);
	}
	want = ref_add(f, t, x, n);
	if (got != want)
		abort();
	if (got == HN_REASM_DONE) {
		if (!done || done->total != f->total ||
		    memcmp(done->data, f->data, f->total) ||
		    done->origin != origin || done->tensor_id != id)
			abort();
		hn_reasm_free(&r, done);
		f->used = false;
	}
}

static void tick(unsigned int dt)
{
	unsigned long next = 0, first = 0;
	unsigned int i, want = 0, got;
	bool left = false;

	jiffies += dt;
	for (i = 0; i < REF_MAX; i++) {
		if (!refs[i].used)
			continue;
		if ((long)(jiffies - refs[i].deadline) >= 0) {
			refs[i].used = false;
			want++;
		} else if (!left || (long)(refs[i].deadline - first) < 0) {
			first = refs[i].deadline;
			left = true;
		}
	}
	got = hn_reasm_expire(&r, jiffies, &next);
	if (got != want || (left && next != first))
		abort();
}

static u16 be16(const u8 *p)
{
	return (u16)(p[0] << 8 | p[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static s8 pattern[HN_TENSOR_MAX_LEN];
	const u8 *p = data, *end = data + size;

	memset(refs, 0, sizeof(refs));
	hn_reasm_init(&r);
	/* Near the wrap, as the kernel's jiffies start. */
	jiffies = (unsigned long)-1000;
	while (p < end) {
		u8 op = *p++;
		struct hn_tensor_hdr t = { .dtype = HN_DT_S8 };
		const s8 *x;
		unsigned int n;

		if (op >= 0xf0) {
			if (p < end)
				tick(*p++);
			continue;
		}
		if (end - p < 11)
			break;
		t.origin = htonl(0x0a000000 | p[0] >> 6);
		t.tensor_id = htonl(p[0] & 63);
		t.frag_idx = htons(be16(p + 1));
		t.frag_cnt = htons(be16(p + 3));
		t.frag_off = htons(be16(p + 5));
		t.total_len = htons(be16(p + 7));
		t.stage = op & 1;
		n = be16(p + 9);
		p += 11;
		/* What the worker hands over: checked, and fragmented. */
		if (hn_tensor_check(&t, HN_TENSOR_HDR_LEN + n,
				    HN_TENSOR_MAX_LEN) != HN_OK ||
		    ntohs(t.frag_cnt) == 1)
			continue;
		if ((size_t)(end - p) >= n) {
			x = (const s8 *)p;
			p += n;
		} else {
			for (unsigned int i = 0; i < n; i++)
				pattern[i] = (s8)(i * 31 + op);
			x = pattern;
		}
		fragment(&t, x, n);
		check_bounds();
	}
	hn_reasm_flush(&r);
	if (r.count || r.bytes)
		abort();
	return 0;
}
