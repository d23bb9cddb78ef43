/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HN_REASSEMBLY_H
#define _HN_REASSEMBLY_H

#include <linux/list.h>
#include <linux/types.h>
#include <linux/hypernet_packet.h>

/* Bounds per device: tensors in flight, their bytes, and their age. */
#define HN_REASM_MAX_TENSORS 64
#define HN_REASM_MAX_BYTES (512 * 1024)
#define HN_REASM_TIMEOUT (HZ / 2)
#define HN_REASM_HASH_BITS 6

/* One tensor being reassembled; the worker is its only user. */
struct hn_reasm_ent {
	struct hlist_node hnode;
	struct list_head lru; /* oldest first */
	unsigned long deadline; /* jiffies */
	size_t size; /* accounted bytes */
	u32 origin, tensor_id;
	u16 frag_cnt, total;
	u16 nfrags, covered;
	u8 stage;
	struct hnhdr hdr; /* of the first fragment to arrive */
	unsigned long *frag_seen; /* frag_cnt bits */
	unsigned long *elem_seen; /* total bits */
	s8 *data; /* total elements */
};

struct hn_reasm {
	struct hlist_head hash[1 << HN_REASM_HASH_BITS];
	struct list_head lru;
	unsigned int count; /* READ_ONCE by netlink dumps */
	size_t bytes;
};

enum hn_reasm_res {
	HN_REASM_QUEUED, /* stored, tensor incomplete */
	HN_REASM_DONE, /* *done is complete: caller frees it */
	HN_REASM_DUP, /* dropped: fragment index seen before */
	HN_REASM_BAD, /* dropped: inconsistent fragment */
	HN_REASM_FULL, /* dropped: in-flight caps reached */
	HN_REASM_NOMEM,
};

void hn_reasm_init(struct hn_reasm *r);
/* Add a validated fragment; @data holds its elements. */
int hn_reasm_add(struct hn_reasm *r, const struct hnhdr *h,
		 const struct hn_tensor_hdr *t, const s8 *data, u32 n,
		 struct hn_reasm_ent **done);
void hn_reasm_free(struct hn_reasm *r, struct hn_reasm_ent *e);
/* Drop expired tensors; returns how many.  *next: earliest deadline. */
unsigned int hn_reasm_expire(struct hn_reasm *r, unsigned long now,
			     unsigned long *next);
void hn_reasm_flush(struct hn_reasm *r);

#endif /* _HN_REASSEMBLY_H */
