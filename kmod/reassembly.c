// SPDX-License-Identifier: GPL-2.0
/*
 * Tensor reassembly.  A tensor is named by (origin, tensor_id); fragments
 * may come in any order.  Duplicates, overlaps and fragments that disagree
 * with the first one about count, length or stage are dropped; a tensor
 * whose fragments cannot add up is discarded whole.  Memory is bounded by
 * HN_REASM_MAX_TENSORS and HN_REASM_MAX_BYTES, and HN_REASM_TIMEOUT
 * bounds how long a tensor may wait for its missing fragments.
 */
#include <linux/bitmap.h>
#include <linux/hash.h>
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "reassembly.h"

void hn_reasm_init(struct hn_reasm *r)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(r->hash); i++)
		INIT_HLIST_HEAD(&r->hash[i]);
	INIT_LIST_HEAD(&r->lru);
	r->count = 0;
	r->bytes = 0;
}

static struct hlist_head *hn_reasm_bucket(struct hn_reasm *r, u32 origin,
					  u32 id)
{
	return &r->hash[hash_32(origin ^ hash_32(id, 32), HN_REASM_HASH_BITS)];
}

void hn_reasm_free(struct hn_reasm *r, struct hn_reasm_ent *e)
{
	hlist_del(&e->hnode);
	list_del(&e->lru);
	WRITE_ONCE(r->count, r->count - 1);
	r->bytes -= e->size;
	kfree(e);
}

static struct hn_reasm_ent *hn_reasm_new(struct hn_reasm *r,
					 const struct hnhdr *h,
					 const struct hn_tensor_hdr *t)
{
	u16 cnt = be16_to_cpu(t->frag_cnt), total = be16_to_cpu(t->total_len);
	size_t fbits = BITS_TO_LONGS(cnt) * sizeof(long);
	size_t ebits = BITS_TO_LONGS(total) * sizeof(long);
	struct hn_reasm_ent *e;
	size_t size;

	size = sizeof(*e) + fbits + ebits + total;
	if (r->count >= HN_REASM_MAX_TENSORS ||
	    r->bytes + size > HN_REASM_MAX_BYTES)
		return ERR_PTR(-ENOSPC);
	/* Charged to the device's creator: see hn_handle(). */
	e = kzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!e)
		return ERR_PTR(-ENOMEM);
	e->size = size;
	e->origin = be32_to_cpu(t->origin);
	e->tensor_id = be32_to_cpu(t->tensor_id);
	e->frag_cnt = cnt;
	e->total = total;
	e->stage = t->stage;
	e->hdr = *h;
	e->frag_seen = (unsigned long *)(e + 1);
	e->elem_seen = (unsigned long *)((u8 *)e->frag_seen + fbits);
	e->data = (s8 *)e->elem_seen + ebits;
	e->deadline = jiffies + HN_REASM_TIMEOUT;
	hlist_add_head(&e->hnode, hn_reasm_bucket(r, e->origin, e->tensor_id));
	list_add_tail(&e->lru, &r->lru);
	WRITE_ONCE(r->count, r->count + 1);
	r->bytes += size;
	return e;
}

int hn_reasm_add(struct hn_reasm *r, const struct hnhdr *h,
		 const struct hn_tensor_hdr *t, const s8 *data, u32 n,
		 struct hn_reasm_ent **done)
{
	u32 origin = be32_to_cpu(t->origin), id = be32_to_cpu(t->tensor_id);
	u16 idx = be16_to_cpu(t->frag_idx), off = be16_to_cpu(t->frag_off);
	struct hn_reasm_ent *e = NULL, *it;

	hlist_for_each_entry(it, hn_reasm_bucket(r, origin, id), hnode) {
		if (it->origin == origin && it->tensor_id == id) {
			e = it;
			break;
		}
	}
	if (!e) {
		e = hn_reasm_new(r, h, t);
		if (IS_ERR(e))
			return PTR_ERR(e) == -ENOSPC ? HN_REASM_FULL :
						       HN_REASM_NOMEM;
	} else if (e->frag_cnt != be16_to_cpu(t->frag_cnt) ||
		   e->total != be16_to_cpu(t->total_len) ||
		   e->stage != t->stage) {
		return HN_REASM_BAD;
	}
	if (test_bit(idx, e->frag_seen))
		return HN_REASM_DUP;
	/* hn_tensor_check() bounded off + n by total already. */
	if (find_next_bit(e->elem_seen, off + n, off) < off + n)
		return HN_REASM_BAD;
	__set_bit(idx, e->frag_seen);
	bitmap_set(e->elem_seen, off, n);
	memcpy(e->data + off, data, n);
	e->nfrags++;
	e->covered += n;
	if (e->covered < e->total && e->nfrags < e->frag_cnt)
		return HN_REASM_QUEUED;
	if (e->covered != e->total || e->nfrags != e->frag_cnt) {
		/* Counts and lengths can never add up: give the tensor up. */
		hn_reasm_free(r, e);
		return HN_REASM_BAD;
	}
	/* Complete: the caller computes, then hn_reasm_free()s it. */
	*done = e;
	return HN_REASM_DONE;
}

unsigned int hn_reasm_expire(struct hn_reasm *r, unsigned long now,
			     unsigned long *next)
{
	struct hn_reasm_ent *e, *tmp;
	unsigned int n = 0;

	list_for_each_entry_safe(e, tmp, &r->lru, lru) {
		if (time_before(now, e->deadline)) {
			*next = e->deadline;
			break;
		}
		hn_reasm_free(r, e);
		n++;
	}
	return n;
}

void hn_reasm_flush(struct hn_reasm *r)
{
	struct hn_reasm_ent *e, *tmp;

	list_for_each_entry_safe(e, tmp, &r->lru, lru)
		hn_reasm_free(r, e);
}
