/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Seeded partition of a labelled training set into the private shards of
 * n federated nodes (Documentation/federated.rst, "Learning"):
 *
 *   iid        shuffled, dealt round robin: sizes differ by at most one
 *   dir:ALPHA  per class, proportions over the nodes drawn from a
 *              symmetric Dirichlet(ALPHA) (Hsu et al. 2019); redrawn
 *              until every node holds at least HN_PART_MIN_SHARD items
 *   classes:K  each node holds K distinct classes (the nodes' first C
 *              class slots, in node order, take the C classes in a
 *              shuffled order, so every class has a holder); each class
 *              is split evenly among its holders
 *
 * Every item lands in exactly one shard, and the same (labels, scheme,
 * seed) give the same partition on every machine: one splitmix64 stream,
 * no libc randomness.
 */
#ifndef _HN_LEARN_PARTITION_H
#define _HN_LEARN_PARTITION_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define HN_PART_MAX_CLASSES 256
#define HN_PART_MAX_NODES 4096
#define HN_PART_MIN_SHARD 10
#define HN_PART_TRIES 1000 /* Dirichlet redraws before giving up */

enum hn_part_scheme { HN_PART_IID, HN_PART_DIRICHLET, HN_PART_CLASSES };

struct hn_part_opts {
	enum hn_part_scheme scheme;
	unsigned int nodes;
	double alpha; /* HN_PART_DIRICHLET */
	unsigned int k; /* HN_PART_CLASSES */
	uint64_t seed;
};

struct hn_partition {
	unsigned int nodes;
	size_t n; /* items */
	size_t *start; /* nodes + 1 offsets into ids */
	size_t *ids; /* node 0's items (increasing), then node 1's ... */
};

/* "iid", "dir:ALPHA" or "classes:K" into @o (scheme and its parameter). */
int hn_part_parse(const char *s, struct hn_part_opts *o, char *err,
		  size_t errlen);
/* The scheme as hn_part_parse() reads it, into @buf. */
const char *hn_part_name(const struct hn_part_opts *o, char *buf, size_t len);

/*
 * Partition @n items with @labels (each < @n_classes) as @o says.
 * 0, or -1 with the reason in @err (bad arguments, no Dirichlet draw
 * giving every node HN_PART_MIN_SHARD items, out of memory).
 */
int hn_partition_make(const uint8_t *labels, size_t n, unsigned int n_classes,
		      const struct hn_part_opts *o, struct hn_partition *p,
		      char *err, size_t errlen);
void hn_partition_free(struct hn_partition *p);

static inline size_t hn_part_size(const struct hn_partition *p, unsigned int i)
{
	return p->start[i + 1] - p->start[i];
}

/*
 * Index lists as text: a header line "# hn-partition NODES ITEMS SCHEME
 * seed SEED", then per node "node I N" and its N item indices, one line.
 */
int hn_partition_write(const struct hn_partition *p,
		       const struct hn_part_opts *o, FILE *f);

#endif /* _HN_LEARN_PARTITION_H */
