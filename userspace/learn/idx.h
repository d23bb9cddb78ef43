/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * IDX files (the MNIST family's container): big-endian header, magic
 * 00 00 TYPE NDIMS, NDIMS u32 dimensions, then the elements row major.
 * Only unsigned bytes (type 0x08) are supported: labels (idx1) and
 * images (idx3).  Files may be plain or gzip'ed; both are read whole and
 * every malformed file is rejected with a message saying what is wrong.
 */
#ifndef _HN_LEARN_IDX_H
#define _HN_LEARN_IDX_H

#include <stddef.h>
#include <stdint.h>

#define HN_IDX_TYPE_U8 0x08
#define HN_IDX_MAX_DIMS 4
/* Larger files are not data sets this project reads (fmnist: 47 MB). */
#define HN_IDX_MAX_BYTES (256u << 20)

struct hn_idx {
	unsigned int type; /* HN_IDX_TYPE_U8 */
	unsigned int n_dims;
	uint32_t dims[HN_IDX_MAX_DIMS];
	size_t n_items; /* dims[0] */
	size_t item_len; /* product of the other dims (1 for idx1) */
	uint8_t *data; /* n_items * item_len bytes */
};

/*
 * Parse an IDX image in memory, plain or gzip (by its 1f 8b magic).
 * @want_dims: 1 (labels), 3 (images), ... or 0 for any.  On success @x
 * owns its data (hn_idx_free()); on failure it is left empty and @err
 * (may be NULL) says why.  Returns 0 or -1.
 */
int hn_idx_parse(const void *buf, size_t len, unsigned int want_dims,
		 struct hn_idx *x, char *err, size_t errlen);
int hn_idx_read_file(const char *path, unsigned int want_dims, struct hn_idx *x,
		     char *err, size_t errlen);
void hn_idx_free(struct hn_idx *x);

/* Images and labels must describe the same number of items. */
int hn_idx_check_pair(const struct hn_idx *images, const struct hn_idx *labels,
		      char *err, size_t errlen);

/* Serialise @x (type, n_dims, dims, data), gzip'ed if @gzip. */
int hn_idx_serialize(const struct hn_idx *x, int gzip, void **buf, size_t *len,
		     char *err, size_t errlen);
int hn_idx_write_file(const char *path, const struct hn_idx *x, int gzip,
		      char *err, size_t errlen);

#endif /* _HN_LEARN_IDX_H */
