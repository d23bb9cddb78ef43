/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hn-edge: the edge end of split inference (Documentation/man/hn-edge.1).
 * Images are encoded here, the representation crosses the mesh as a
 * tensor frame to a task class, the head stage runs in some node's
 * hypernet device and the logits come back as a result frame.
 */
#ifndef _HN_EDGE_H
#define _HN_EDGE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "model.h"

#define EDGE_MAX_HEADS 4
#define EDGE_FRAME_MAX 9100

struct edge_opts {
	const char *dev;
	uint32_t src; /* our node id: hnhdr.src and the tensors' origin */
	uint32_t task; /* anycast task class, or */
	uint32_t dst; /* a node (unicast) */
	uint8_t tclass;
	int stage; /* stage id of what we send; -1: from the models */
	const char *encoder;
	const char *heads[EDGE_MAX_HEADS];
	unsigned int n_heads;
	const char *images, *labels, *raw;
	unsigned int count; /* 0: all */
	unsigned int skip;
	unsigned int window;
	int timeout_ms;
	unsigned int retries;
	unsigned int progress; /* a line every N images */
	unsigned int rate; /* images per second, 0: as the window allows */
	uint32_t id_base;
	const char *json;
	bool verify; /* mesh answers against the local models */
	bool strict; /* check: any fallback or mismatch fails */
	unsigned int interval_ms; /* beacon */
	const char *key_hex; /* beacon */
};

/* Images: an IDX file read whole, or a raw stream read as it comes. */
struct edge_src {
	uint8_t *pix; /* IDX: n x item_len */
	uint8_t *labels; /* NULL: none */
	size_t n, item_len;
	FILE *raw; /* raw stream of item_len-byte frames */
};

/* beacon.c */
int edge_beacon(const struct edge_opts *o);

#endif /* _HN_EDGE_H */
