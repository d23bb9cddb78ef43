/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Fixed-point update vectors as files (Documentation/federated.rst,
 * "Update vectors"): what `hnctl campaign submit` hands an agent and
 * `hnctl campaign result -o` writes.  Little endian:
 *
 *	magic "HNFV" (4), version 1 (u32), count (u32),
 *	count values (int32, two's complement: the sum mod 2^32)
 */
#ifndef _HN_LIB_FEDVEC_H
#define _HN_LIB_FEDVEC_H

#include <stddef.h>
#include <stdint.h>

#define HN_FV_MAGIC "HNFV"
#define HN_FV_VERSION 1
#define HN_FV_HDR_LEN 12
#define HN_FV_MAX (1u << 24) /* values: HN_SA_MAX_DIM */

/* Parse @buf; *@vals (malloc()ed) gets *@n values.  0 or -1 with @err. */
int hn_fv_parse(const void *buf, size_t len, uint32_t **vals, uint32_t *n,
		char *err, size_t errlen);
/* The file image of @n values (malloc()ed into *@buf).  0 or -ENOMEM. */
int hn_fv_build(const uint32_t *vals, uint32_t n, uint8_t **buf, size_t *len);

#endif /* _HN_LIB_FEDVEC_H */
