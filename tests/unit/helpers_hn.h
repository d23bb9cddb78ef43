/* SPDX-License-Identifier: GPL-2.0 */
/* Shared helpers of the HyperNet unit tests (linked into each of them). */
#ifndef _HN_TEST_HELPERS_H
#define _HN_TEST_HELPERS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>
#include "frames.h"
#include "model.h"

/* Deterministic xorshift64 generator, so failures reproduce. */
uint64_t hn_t_rand(void);
void hn_t_seed(uint64_t seed);
/* Uniform in [lo, hi]. */
int32_t hn_t_range(int32_t lo, int32_t hi);
/* Uniform in [0, 1). */
double hn_t_unit(void);

/*
 * The small STAGE model's shape, 4 -> 3 relu -> 2 linear, with no weights
 * yet: shared by hn_t_stage_model() and the fuzz seeds (gen_seeds.c).
 */
static inline void hn_t_stage_shape(struct hn_model *m, uint8_t stage,
				    uint64_t generation)
{
	memset(m, 0, sizeof(*m));
	m->kind = HN_MODEL_STAGE;
	m->stage = stage;
	m->n_layers = 2;
	m->in_exp = -7;
	m->generation = generation;
	m->layers[0] = (struct hn_model_layer){ .n_in = 4,
						.n_out = 3,
						.shift = 3,
						.flags = HN_LF_RELU,
						.w_exp = -6,
						.out_exp = -10 };
	m->layers[1] = (struct hn_model_layer){ .n_in = 3,
						.n_out = 2,
						.shift = 4,
						.flags = 0,
						.w_exp = -5,
						.out_exp = -11 };
}

/*
 * A small valid STAGE model: 4 -> 3 relu -> 2 linear, random weights.
 * Byte offsets of its serialised form are in test_model.c.
 */
void hn_t_stage_model(struct hn_model *m);
/*
 * Random routing weights: int8 weights, biases in [-@bias, @bias], shift
 * in [0, @shift].
 */
void hn_t_rand_rt(struct hn_rt_model *rt, int32_t bias, int32_t shift);
/* A random valid ROUTE model. */
void hn_t_route_model(struct hn_model *m);
/* hn_t_route_model() if @kind is HN_MODEL_ROUTE, else hn_t_stage_model(). */
void hn_t_kind_model(struct hn_model *m, int kind);

/*
 * A DATA frame from 02:00:00:00:00:02 to 02:00:00:00:00:01 at the default
 * TTL carrying @payload, the rest zero: shared by the frame tests and the
 * fuzz seeds (gen_seeds.c), which set addresses and sequence.
 */
static inline struct hn_frame hn_t_data_frame(const void *payload,
					      size_t payload_len)
{
	return (struct hn_frame){
		.dst_mac = { 2, 0, 0, 0, 0, 1 },
		.src_mac = { 2, 0, 0, 0, 0, 2 },
		.type = HN_T_DATA,
		.ttl = HN_TTL_DEFAULT,
		.payload = payload,
		.payload_len = payload_len,
	};
}

/* Recompute the digest of a serialised model whose signature is none. */
void hn_t_redigest(uint8_t *buf, size_t len);

/*
 * The HyperNet header fields that a parsed frame (struct hn_frame) and a
 * control message (struct hn_ctrl_msg) both have: equal in *@a and *@b.
 * A macro for both types; a cmocka test includes <cmocka.h> before.
 */
#define hn_t_assert_hdr_equal(a, b)                         \
	do {                                                \
		assert_int_equal((a)->type, (b)->type);     \
		assert_int_equal((a)->flags, (b)->flags);   \
		assert_int_equal((a)->ttl, (b)->ttl);       \
		assert_int_equal((a)->tclass, (b)->tclass); \
		assert_int_equal((a)->src, (b)->src);       \
		assert_int_equal((a)->dst, (b)->dst);       \
		assert_int_equal((a)->seq, (b)->seq);       \
	} while (0)

/* Path of a source file, relative to the repository root. */
const char *hn_t_src(const char *rel);

/*
 * All of the open file @z (gzip'ed or plain, up to 8 MiB; a test fails
 * on more) into a new buffer, its size into *@len; closes @z.
 */
char *hn_t_gz_read(gzFile z, size_t *len);

/*
 * A private directory for a test's files.  hn_t_dir_make() creates it
 * from @tmpl ("/tmp/...XXXXXX", completed in place by mkdtemp()), so the
 * test knows its name; hn_t_path() names a file in it (the last four
 * results stay valid); hn_t_dir_remove() removes it and all it holds,
 * returning rmdir()'s result (-1 if it cannot be opened).
 */
int hn_t_dir_make(char *tmpl);
const char *hn_t_path(const char *name);
int hn_t_dir_remove(void);
/*
 * A signing key pair @name.key, @name.pub in the test's directory, the
 * public key loaded into *@pub unless NULL: 0, or -1 after saying why.
 */
struct hn_pubkey;
int hn_t_keypair(const char *name, struct hn_pubkey *pub);
/* Remove directory @path and all it holds, as hn_t_dir_remove() does. */
int hn_t_rm_tree(const char *path);

#endif
