/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Just enough of the kernel API for the module's device-free C
 * (kmod/reassembly.c, nlparse.c, stage.c, compute.c) to build unchanged
 * in userspace, for the unit test and the fuzzers: -Itests/kmod/shim puts
 * the headers of this directory in front of the kernel's names.
 *
 * Single-threaded: RCU and refcounts are plain, allocations are calloc(),
 * and the memory cgroup flags are accepted and ignored.  Whatever here has
 * semantics the module relies on (bit ops, hashing, jiffies comparison,
 * size arithmetic, netlink validation in kshim.c) follows the kernel's
 * documented behaviour; it is written for this shim, not copied.
 */
#ifndef _KSHIM_H
#define _KSHIM_H

#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>

#define __rcu
#define __read_mostly
#define __aligned(x) __attribute__((aligned(x)))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define container_of(p, type, member) \
	((type *)((char *)(p)-offsetof(type, member)))

#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b) ((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define clamp_t(t, v, lo, hi) min_t(t, max_t(t, v, lo), hi)
/* The kernel's abs() keeps the argument's width (stdlib's is int). */
#undef abs
#define abs(x) ((x) < 0 ? -(x) : (x))

#define be16_to_cpu(x) be16toh(x)
#define be32_to_cpu(x) be32toh(x)
#define cpu_to_be16(x) htobe16(x)
#define cpu_to_be32(x) htobe32(x)

/* ERR_PTR: the last 4095 addresses are errnos. */
#define MAX_ERRNO 4095
static inline void *ERR_PTR(long err)
{
	return (void *)err;
}

static inline long PTR_ERR(const void *p)
{
	return (long)p;
}

static inline bool IS_ERR(const void *p)
{
	return (unsigned long)p >= (unsigned long)-MAX_ERRNO;
}

/* Allocation: zeroed, never charged, never failing on purpose. */
#define GFP_KERNEL 0x1u
#define __GFP_ACCOUNT 0x2u
#define GFP_KERNEL_ACCOUNT (GFP_KERNEL | __GFP_ACCOUNT)
static inline void *kzalloc(size_t n, gfp_t gfp)
{
	return calloc(1, n);
}

static inline void *kvzalloc(size_t n, gfp_t gfp)
{
	return calloc(1, n);
}

static inline void kfree(const void *p)
{
	free((void *)p);
}

#define kvfree(p) free(p)
#define kvfree_rcu(p, field) free(p)

/* Size arithmetic that saturates at SIZE_MAX instead of wrapping. */
static inline size_t size_mul(size_t a, size_t b)
{
	size_t r;

	return __builtin_mul_overflow(a, b, &r) ? SIZE_MAX : r;
}

static inline size_t size_add(size_t a, size_t b)
{
	size_t r;

	return __builtin_add_overflow(a, b, &r) ? SIZE_MAX : r;
}

#define struct_size(p, member, n) \
	size_add(sizeof(*(p)), size_mul(sizeof(*(p)->member), (n)))

/* Bit maps of unsigned longs, bit i in word i / BITS_PER_LONG. */
#define BITS_PER_LONG (8 * sizeof(long))
#define BITS_TO_LONGS(n) (((n) + BITS_PER_LONG - 1) / BITS_PER_LONG)
static inline bool test_bit(unsigned long nr, const unsigned long *map)
{
	return (map[nr / BITS_PER_LONG] >> (nr % BITS_PER_LONG)) & 1;
}

static inline void __set_bit(unsigned long nr, unsigned long *map)
{
	map[nr / BITS_PER_LONG] |= 1UL << (nr % BITS_PER_LONG);
}

static inline void bitmap_set(unsigned long *map, unsigned int start,
			      unsigned int n)
{
	while (n--)
		__set_bit(start++, map);
}

/* First set bit in [offset, size), or size if none. */
static inline unsigned long find_next_bit(const unsigned long *map,
					  unsigned long size,
					  unsigned long offset)
{
	for (; offset < size; offset++)
		if (test_bit(offset, map))
			return offset;
	return size;
}

/* Multiplicative hashing: the top @bits of val * 2^32 / phi. */
static inline u32 hash_32(u32 val, unsigned int bits)
{
	return (u32)(val * 0x61C88647u) >> (32 - bits);
}

/* Time: a counter the test drives. */
/*
 * The scheduler: cond_resched() counts its calls (the compute must make
 * them, see kmod/stage.c), local_clock() is a counter too, so that the
 * shim's results never depend on timing.
 */
extern unsigned long kshim_resched, kshim_clock;
static inline void cond_resched(void)
{
	kshim_resched++;
}

static inline u64 local_clock(void)
{
	return kshim_clock++;
}

#define HZ 250
extern unsigned long jiffies;
#define time_after(a, b) ((long)((b) - (a)) < 0)
#define time_before(a, b) time_after(b, a)

/* Doubly linked lists, and hash lists with a one-pointer head. */
struct list_head {
	struct list_head *next, *prev;
};

static inline void INIT_LIST_HEAD(struct list_head *l)
{
	l->next = l;
	l->prev = l;
}

static inline void list_add_tail(struct list_head *n, struct list_head *head)
{
	n->prev = head->prev;
	n->next = head;
	head->prev->next = n;
	head->prev = n;
}

static inline void list_del(struct list_head *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
	e->next = e->prev = NULL;
}

#define list_entry(p, type, member) container_of(p, type, member)
#define list_for_each_entry_safe(pos, n, head, member)                  \
	for (pos = list_entry((head)->next, __typeof__(*pos), member),  \
	    n = list_entry(pos->member.next, __typeof__(*pos), member); \
	     &pos->member != (head);                                    \
	     pos = n, n = list_entry(n->member.next, __typeof__(*n), member))

struct hlist_node {
	struct hlist_node *next, **pprev;
};

struct hlist_head {
	struct hlist_node *first;
};

static inline void INIT_HLIST_HEAD(struct hlist_head *h)
{
	h->first = NULL;
}

static inline void hlist_add_head(struct hlist_node *n, struct hlist_head *h)
{
	n->next = h->first;
	if (h->first)
		h->first->pprev = &n->next;
	h->first = n;
	n->pprev = &h->first;
}

static inline void hlist_del(struct hlist_node *n)
{
	*n->pprev = n->next;
	if (n->next)
		n->next->pprev = n->pprev;
	n->next = NULL;
	n->pprev = NULL;
}

#define hlist_entry_safe(p, type, member) \
	((p) ? container_of(p, type, member) : NULL)
#define hlist_for_each_entry(pos, head, member)                               \
	for (pos = hlist_entry_safe((head)->first, __typeof__(*pos), member); \
	     pos; pos = hlist_entry_safe(pos->member.next, __typeof__(*pos),  \
					 member))

/* RCU and refcounts, single-threaded. */
struct rcu_head {
	void *next;
};

#define rcu_read_lock() \
	do {            \
	} while (0)
#define rcu_read_unlock() \
	do {              \
	} while (0)
#define rcu_dereference(p) (p)
#define rcu_replace_pointer(slot, p, c)       \
	({                                    \
		__typeof__(p) __old = (slot); \
		(slot) = (p);                 \
		__old;                        \
	})
#define lockdep_rtnl_is_held() 1

typedef struct {
	unsigned int refs;
} refcount_t;

static inline void refcount_set(refcount_t *r, unsigned int n)
{
	r->refs = n;
}

static inline bool refcount_inc_not_zero(refcount_t *r)
{
	return r->refs ? (r->refs++, true) : false;
}

static inline bool refcount_dec_and_test(refcount_t *r)
{
	if (!r->refs)
		abort(); /* the kernel would warn about an underflow */
	return --r->refs == 0;
}

#endif /* _KSHIM_H */
