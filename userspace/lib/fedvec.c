// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Update vector files (fedvec.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fedvec.h"
#include "model.h"

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

int hn_fv_parse(const void *buf, size_t len, uint32_t **vals, uint32_t *n,
		char *err, size_t errlen)
{
	const uint8_t *p = buf;
	uint32_t count, i;

	*vals = NULL;
	*n = 0;
	if (len < HN_FV_HDR_LEN || memcmp(p, HN_FV_MAGIC, 4))
		return hn_seterr(err, errlen,
				 "not an update vector (magic HNFV missing)");
	if (le32(p + 4) != HN_FV_VERSION)
		return hn_seterr(err, errlen,
				 "update vector version %u, expected %d",
				 le32(p + 4), HN_FV_VERSION);
	count = le32(p + 8);
	if (!count || count > HN_FV_MAX)
		return hn_seterr(err, errlen,
				 "update vector of %u values, not 1..%u", count,
				 HN_FV_MAX);
	if (len != HN_FV_HDR_LEN + (size_t)count * 4)
		return hn_seterr(
			err, errlen,
			"update vector says %u values (%zu bytes), file has %zu bytes",
			count, HN_FV_HDR_LEN + (size_t)count * 4, len);
	*vals = malloc((size_t)count * 4);
	if (!*vals)
		return hn_seterr(err, errlen, "out of memory");
	for (i = 0; i < count; i++)
		(*vals)[i] = le32(p + HN_FV_HDR_LEN + 4 * (size_t)i);
	*n = count;
	return 0;
}

int hn_fv_build(const uint32_t *vals, uint32_t n, uint8_t **buf, size_t *len)
{
	uint32_t i;

	*len = HN_FV_HDR_LEN + (size_t)n * 4;
	*buf = malloc(*len);
	if (!*buf)
		return -ENOMEM;
	memcpy(*buf, HN_FV_MAGIC, 4);
	put_le32(*buf + 4, HN_FV_VERSION);
	put_le32(*buf + 8, n);
	for (i = 0; i < n; i++)
		put_le32(*buf + HN_FV_HDR_LEN + 4 * (size_t)i, vals[i]);
	return 0;
}
