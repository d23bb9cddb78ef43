/* SPDX-License-Identifier: GPL-2.0 */
/* Shared helpers of the HyperNet unit tests (linked into each of them). */
#ifndef _HN_TEST_HELPERS_H
#define _HN_TEST_HELPERS_H

#include <stddef.h>
#include <stdint.h>
#include "model.h"

/* Deterministic xorshift64 generator, so failures reproduce. */
uint64_t hn_t_rand(void);
void hn_t_seed(uint64_t seed);
/* Uniform in [lo, hi]. */
int32_t hn_t_range(int32_t lo, int32_t hi);
/* Uniform in [0, 1). */
double hn_t_unit(void);

/*
 * A small valid STAGE model: 4 -> 3 relu -> 2 linear, random weights.
 * Byte offsets of its serialised form are in test_model.c.
 */
void hn_t_stage_model(struct hn_model *m);
/* A random valid ROUTE model. */
void hn_t_route_model(struct hn_model *m);

/* Recompute the digest of a serialised model whose signature is none. */
void hn_t_redigest(uint8_t *buf, size_t len);

/* Path of a source file, relative to the repository root. */
const char *hn_t_src(const char *rel);

#endif
