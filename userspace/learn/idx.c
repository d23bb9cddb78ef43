// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * IDX reader and writer.  Plain and gzip'ed files go through one byte
 * source, so both encodings get the same checks and the same messages;
 * the header decides the size before anything is allocated, so a small
 * gzip file cannot make us inflate gigabytes.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/types.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fileio.h"
#include "idx.h"
#include "model.h"

/* Bytes come either straight from a buffer or out of zlib. */
struct src {
	const uint8_t *p;
	size_t len, off; /* plain: position in p */
	int gz;
	z_stream z;
	char *err;
	size_t errlen;
};

static const char *type_name(unsigned int type)
{
	static const char *const names[] = {
		[0x08] = "unsigned byte", [0x09] = "signed byte",
		[0x0b] = "short",	  [0x0c] = "int",
		[0x0d] = "float",	  [0x0e] = "double",
	};

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : NULL;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* Up to @n bytes into @dst; returns how many (fewer at the end), or -1. */
static ssize_t src_read(struct src *s, void *dst, size_t n)
{
	size_t want = n;
	int r;

	if (!s->gz) {
		if (n > s->len - s->off)
			n = s->len - s->off;
		memcpy(dst, s->p + s->off, n);
		s->off += n;
		return n;
	}
	s->z.next_out = dst;
	while (want) {
		/* zlib counts in uInt: feed huge reads in pieces */
		s->z.avail_out = want > (1u << 30) ? 1u << 30 : want;
		want -= s->z.avail_out;
		r = inflate(&s->z, Z_NO_FLUSH);
		want += s->z.avail_out;
		if (r == Z_STREAM_END)
			break;
		if (r == Z_BUF_ERROR && !s->z.avail_in)
			return hn_seterr(
				s->err, s->errlen,
				"truncated gzip stream (after %lu bytes of data)",
				s->z.total_out);
		if (r != Z_OK)
			return hn_seterr(s->err, s->errlen,
					 "corrupt gzip data: %s",
					 s->z.msg ? s->z.msg : zError(r));
	}
	return n - want;
}

static int src_open(struct src *s, const uint8_t *buf, size_t len)
{
	memset(&s->z, 0, sizeof(s->z));
	s->p = buf;
	s->len = len;
	s->off = 0;
	s->gz = len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b;
	if (!s->gz)
		return 0;
	if (len > UINT32_MAX)
		return hn_seterr(s->err, s->errlen, "gzip file too large");
	s->z.next_in = (uint8_t *)buf;
	s->z.avail_in = len;
	/* 16 + MAX_WBITS: gzip wrapper only, with its CRC and length */
	if (inflateInit2(&s->z, 16 + MAX_WBITS) != Z_OK)
		return hn_seterr(s->err, s->errlen, "zlib: out of memory");
	return 0;
}

static void src_close(struct src *s)
{
	if (s->gz)
		inflateEnd(&s->z);
}

/* After the data: the file (or gzip stream) must end right there. */
static int src_check_end(struct src *s, size_t expect)
{
	uint8_t extra[256];
	size_t more = 0;
	ssize_t got;

	while ((got = src_read(s, extra, sizeof(extra))) > 0)
		more += got;
	if (got < 0)
		return -1;
	if (more)
		return hn_seterr(
			s->err, s->errlen,
			"%s%zu bytes after the data (the header says %zu bytes in all): dims disagree with the file size",
			s->gz ? "gzip stream has " : "", more, expect);
	if (s->gz && s->z.avail_in)
		return hn_seterr(s->err, s->errlen,
				 "%u trailing bytes after the gzip stream",
				 s->z.avail_in);
	return 0;
}

static int check_magic(struct src *s, const uint8_t *h, unsigned int want,
		       struct hn_idx *x)
{
	const char *tn = type_name(h[2]);

	if (h[0] || h[1])
		return hn_seterr(
			s->err, s->errlen,
			"bad magic %02x %02x %02x %02x (an IDX file starts with 00 00 TYPE NDIMS)",
			h[0], h[1], h[2], h[3]);
	if (!tn)
		return hn_seterr(s->err, s->errlen, "unknown type code 0x%02x",
				 h[2]);
	if (h[2] != HN_IDX_TYPE_U8)
		return hn_seterr(
			s->err, s->errlen,
			"type code 0x%02x (%s) not supported, only 0x08 (unsigned byte)",
			h[2], tn);
	if (!h[3])
		return hn_seterr(s->err, s->errlen, "no dimensions (NDIMS 0)");
	if (h[3] > HN_IDX_MAX_DIMS)
		return hn_seterr(s->err, s->errlen,
				 "%u dimensions, at most %u supported", h[3],
				 HN_IDX_MAX_DIMS);
	if (want && h[3] != want)
		return hn_seterr(s->err, s->errlen,
				 "%u dimensions, expected %u (idx%u)", h[3],
				 want, want);
	x->type = h[2];
	x->n_dims = h[3];
	return 0;
}

/* Dimensions: none zero, and the product within HN_IDX_MAX_BYTES. */
static int check_dims(struct src *s, const uint8_t *d, struct hn_idx *x)
{
	unsigned long long total = 1;
	unsigned int i;

	for (i = 0; i < x->n_dims; i++) {
		x->dims[i] = get_be32(d + 4 * i);
		if (!x->dims[i])
			return hn_seterr(s->err, s->errlen,
					 "dimension %u is zero", i);
		total *= x->dims[i];
		if (total > HN_IDX_MAX_BYTES)
			return hn_seterr(
				s->err, s->errlen,
				"too large: more than %u bytes of data (dimension %u is %u)",
				HN_IDX_MAX_BYTES, i, x->dims[i]);
	}
	x->n_items = x->dims[0];
	x->item_len = total / x->dims[0];
	return 0;
}

static int parse_src(struct src *s, unsigned int want, struct hn_idx *x)
{
	uint8_t hdr[4 + 4 * HN_IDX_MAX_DIMS];
	size_t hlen, dlen;
	ssize_t got;

	got = src_read(s, hdr, 4);
	if (got < 0)
		return -1;
	if (got < 4)
		return hn_seterr(s->err, s->errlen,
				 "truncated: %zd bytes, the magic alone is 4",
				 got);
	if (check_magic(s, hdr, want, x))
		return -1;
	hlen = 4 + 4 * x->n_dims;
	got = src_read(s, hdr + 4, hlen - 4);
	if (got < 0)
		return -1;
	if ((size_t)got < hlen - 4)
		return hn_seterr(
			s->err, s->errlen,
			"truncated in the dimensions: %zd of %zu bytes", got,
			hlen - 4);
	if (check_dims(s, hdr + 4, x))
		return -1;
	dlen = x->n_items * x->item_len;
	/* The plain size is known: refuse a short file before allocating. */
	if (!s->gz && s->len - s->off < dlen)
		return hn_seterr(
			s->err, s->errlen,
			"truncated: %zu bytes of data, dims say %zu: dims disagree with the file size",
			s->len - s->off, dlen);
	x->data = malloc(dlen);
	if (!x->data)
		return hn_seterr(s->err, s->errlen, "out of memory (%zu bytes)",
				 dlen);
	got = src_read(s, x->data, dlen);
	if (got < 0)
		return -1;
	if ((size_t)got < dlen)
		return hn_seterr(s->err, s->errlen,
				 "truncated: %zd bytes of data, dims say %zu",
				 got, dlen);
	return src_check_end(s, hlen + dlen);
}

int hn_idx_parse(const void *buf, size_t len, unsigned int want_dims,
		 struct hn_idx *x, char *err, size_t errlen)
{
	struct src s = { .err = err, .errlen = errlen };
	int ret;

	memset(x, 0, sizeof(*x));
	if (len > HN_IDX_MAX_BYTES)
		return hn_seterr(err, errlen,
				 "too large: %zu bytes, at most %u", len,
				 HN_IDX_MAX_BYTES);
	if (src_open(&s, buf, len))
		return -1;
	ret = parse_src(&s, want_dims, x);
	src_close(&s);
	if (ret)
		hn_idx_free(x);
	return ret;
}

int hn_idx_read_file(const char *path, unsigned int want_dims, struct hn_idx *x,
		     char *err, size_t errlen)
{
	char msg[256];
	void *buf;
	size_t len;
	int ret;

	memset(x, 0, sizeof(*x));
	if (hn_read_file(path, HN_IDX_MAX_BYTES, 0, &buf, &len, err, errlen))
		return -1;
	ret = hn_idx_parse(buf, len, want_dims, x, msg, sizeof(msg));
	if (ret)
		hn_seterr(err, errlen, "%s: %s", path, msg);
	free(buf);
	return ret;
}

void hn_idx_free(struct hn_idx *x)
{
	if (!x)
		return;
	free(x->data);
	memset(x, 0, sizeof(*x));
}

int hn_idx_check_pair(const struct hn_idx *images, const struct hn_idx *labels,
		      char *err, size_t errlen)
{
	if (images->n_items != labels->n_items)
		return hn_seterr(err, errlen,
				 "%zu images but %zu labels: dims disagree",
				 images->n_items, labels->n_items);
	return 0;
}

/* ---- writer ------------------------------------------------------------- */

static int gzip_buf(const uint8_t *in, size_t len, void **buf, size_t *olen,
		    char *err, size_t errlen)
{
	uLong cap = compressBound(len) + 32; /* + gzip header and trailer */
	z_stream z = { 0 };
	uint8_t *out;
	int r;

	out = malloc(cap);
	if (!out)
		return hn_seterr(err, errlen, "out of memory");
	if (deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		free(out);
		return hn_seterr(err, errlen, "zlib: deflateInit failed");
	}
	z.next_in = (uint8_t *)in;
	z.avail_in = len;
	z.next_out = out;
	z.avail_out = cap;
	r = deflate(&z, Z_FINISH);
	*olen = z.total_out;
	deflateEnd(&z);
	if (r != Z_STREAM_END) {
		free(out);
		return hn_seterr(err, errlen, "zlib: deflate failed (%d)", r);
	}
	*buf = out;
	return 0;
}

int hn_idx_serialize(const struct hn_idx *x, int gzip, void **buf, size_t *len,
		     char *err, size_t errlen)
{
	size_t hlen = 4 + 4 * x->n_dims, dlen = x->n_items * x->item_len;
	unsigned int i;
	uint8_t *p;
	int ret = 0;

	if (!x->n_dims || x->n_dims > HN_IDX_MAX_DIMS ||
	    dlen > HN_IDX_MAX_BYTES)
		return hn_seterr(err, errlen, "bad IDX shape to write");
	p = malloc(hlen + dlen);
	if (!p)
		return hn_seterr(err, errlen, "out of memory");
	p[0] = p[1] = 0;
	p[2] = x->type;
	p[3] = x->n_dims;
	for (i = 0; i < x->n_dims; i++)
		put_be32(p + 4 + 4 * i, x->dims[i]);
	memcpy(p + hlen, x->data, dlen);
	if (!gzip) {
		*buf = p;
		*len = hlen + dlen;
		return 0;
	}
	ret = gzip_buf(p, hlen + dlen, buf, len, err, errlen);
	free(p);
	return ret;
}

int hn_idx_write_file(const char *path, const struct hn_idx *x, int gzip,
		      char *err, size_t errlen)
{
	void *buf;
	size_t len;
	int ret;

	if (hn_idx_serialize(x, gzip, &buf, &len, err, errlen))
		return -1;
	ret = hn_save_file(path, buf, len, err, errlen);
	free(buf);
	return ret;
}
