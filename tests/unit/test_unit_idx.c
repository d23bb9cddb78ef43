// SPDX-License-Identifier: GPL-2.0
/*
 * The IDX reader: every malformed case, plain and gzip'ed (the same bytes
 * deflated must fail with the same message), gzip-only faults, then round
 * trips through files in a temporary directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>

#include "idx.h"

/* A valid idx3: 3 images of 2 x 2, elements 0..11; 28 bytes. */
#define IMG_LEN (16 + 12)

static size_t good_images(uint8_t *b)
{
	static const uint8_t hdr[16] = { 0, 0, 8, 3, 0, 0, 0, 3,
					 0, 0, 0, 2, 0, 0, 0, 2 };
	unsigned int i;

	memcpy(b, hdr, sizeof(hdr));
	for (i = 0; i < 12; i++)
		b[16 + i] = i;
	return IMG_LEN;
}

/* gzip of @len bytes into @out (room for @len + 64); returns its size. */
static size_t gz(const uint8_t *in, size_t len, uint8_t *out)
{
	z_stream z = { 0 };

	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8,
				      Z_DEFAULT_STRATEGY),
			 Z_OK);
	z.next_in = (uint8_t *)in;
	z.avail_in = len;
	z.next_out = out;
	z.avail_out = len + 64;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	deflateEnd(&z);
	return z.total_out;
}

struct icase {
	const char *name;
	int off; /* -1: no byte patch */
	uint8_t val;
	int len_delta; /* cut (<0) or extend (>0) the file */
	unsigned int want_dims;
	const char *msg; /* substring of the error */
};

static const struct icase cases[] = {
	{ "bad magic byte 0", 0, 0x01, 0, 3, "bad magic" },
	{ "bad magic byte 1", 1, 0x08, 0, 3, "bad magic" },
	{ "unknown type code", 2, 0x07, 0, 3, "unknown type code 0x07" },
	{ "float type code", 2, 0x0d, 0, 3, "0x0d (float) not supported" },
	{ "int type code", 2, 0x0c, 0, 3, "0x0c (int) not supported" },
	{ "no dims", 3, 0, 0, 0, "no dimensions" },
	{ "too many dims", 3, 5, 0, 0, "at most 4" },
	{ "labels wanted", -1, 0, 0, 1, "3 dimensions, expected 1" },
	{ "zero items", 7, 0, 0, 3, "dimension 0 is zero" },
	{ "zero columns", 15, 0, 0, 3, "dimension 2 is zero" },
	{ "too large", 4, 0x7f, 0, 3, "too large" },
	{ "more items than data", 7, 4, 0, 3, "dims say 16" },
	{ "fewer items than data", 7, 2, 0, 3, "4 bytes after the data" },
	{ "truncated magic", -1, 0, -(IMG_LEN - 3), 3, "truncated: 3 bytes" },
	{ "truncated dims", -1, 0, -(IMG_LEN - 9), 3,
	  "truncated in the dimensions" },
	{ "truncated data", -1, 0, -1, 3, "dims say 12" },
	{ "empty file", -1, 0, -IMG_LEN, 3, "truncated: 0 bytes" },
	{ "trailing byte", -1, 0, 1, 3, "1 bytes after the data" },
	{ "4 dims, 3 given", 3, 4, 0, 0, "truncated" },
};

static void expect_fail(const uint8_t *buf, size_t len, const struct icase *c,
			const char *enc)
{
	struct hn_idx x;
	char err[256] = "";

	if (!hn_idx_parse(buf, len, c->want_dims, &x, err, sizeof(err)))
		fail_msg("%s (%s): accepted", c->name, enc);
	if (!strstr(err, c->msg))
		fail_msg("%s (%s): message '%s' lacks '%s'", c->name, enc, err,
			 c->msg);
	assert_null(x.data);
}

static void test_malformed(void **state)
{
	uint8_t buf[IMG_LEN + 8], zbuf[IMG_LEN + 128];
	unsigned int i;
	size_t len;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct icase *c = &cases[i];

		memset(buf, 0xaa, sizeof(buf));
		len = good_images(buf);
		if (c->off >= 0)
			buf[c->off] = c->val;
		len += c->len_delta;
		expect_fail(buf, len, c, "plain");
		expect_fail(zbuf, gz(buf, len, zbuf), c, "gzip");
	}
}

static void gz_fail(const uint8_t *z, size_t len, const char *msg)
{
	struct hn_idx x;
	char err[256] = "";

	assert_int_equal(hn_idx_parse(z, len, 3, &x, err, sizeof(err)), -1);
	if (!strstr(err, msg))
		fail_msg("message '%s' lacks '%s'", err, msg);
}

static void test_gzip_faults(void **state)
{
	uint8_t buf[IMG_LEN], z[IMG_LEN + 128];
	size_t zlen = gz(buf, good_images(buf), z);

	(void)state;
	/* the stream ends before its own end marker */
	gz_fail(z, zlen - 12, "truncated gzip stream");
	/* garbage after a complete member */
	z[zlen] = 0x42;
	gz_fail(z, zlen + 1, "1 trailing bytes after the gzip stream");
	/* the CRC-32 in the trailer no longer matches */
	z[zlen - 8] ^= 0xff;
	gz_fail(z, zlen, "corrupt gzip data");
	z[zlen - 8] ^= 0xff;
	/* an invalid deflate block type in the first block */
	z[10] |= 0x06;
	gz_fail(z, zlen, "corrupt gzip data");
}

static void test_pair(void **state)
{
	struct hn_idx img = { .n_items = 3 }, lab = { .n_items = 2 };
	char err[128] = "";

	(void)state;
	assert_int_equal(hn_idx_check_pair(&img, &lab, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "3 images but 2 labels"));
	lab.n_items = 3;
	assert_int_equal(hn_idx_check_pair(&img, &lab, err, sizeof(err)), 0);
}

/* ---- files ------------------------------------------------------------- */

static char tmpdir[64];

static int setup_dir(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/hn-idx-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd);
}

static void round_trip(const struct hn_idx *x, int gzip, const char *name)
{
	char path[128], err[256] = "";
	struct hn_idx y;
	uint8_t magic[2];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	assert_int_equal(hn_idx_write_file(path, x, gzip, err, sizeof(err)), 0);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(magic, 1, 2, f), 2);
	fclose(f);
	assert_int_equal(magic[0] == 0x1f && magic[1] == 0x8b, !!gzip);
	if (hn_idx_read_file(path, x->n_dims, &y, err, sizeof(err)))
		fail_msg("%s: %s", name, err);
	assert_int_equal(y.type, HN_IDX_TYPE_U8);
	assert_int_equal(y.n_dims, x->n_dims);
	assert_memory_equal(y.dims, x->dims, sizeof(x->dims));
	assert_int_equal(y.n_items, x->n_items);
	assert_int_equal(y.item_len, x->item_len);
	assert_memory_equal(y.data, x->data, x->n_items * x->item_len);
	hn_idx_free(&y);
}

static void test_round_trip(void **state)
{
	static uint8_t pix[5 * 7 * 6], lab[5] = { 9, 0, 3, 7, 1 };
	struct hn_idx img = { .type = HN_IDX_TYPE_U8,
			      .n_dims = 3,
			      .dims = { 5, 7, 6 },
			      .n_items = 5,
			      .item_len = 42,
			      .data = pix };
	struct hn_idx labels = { .type = HN_IDX_TYPE_U8,
				 .n_dims = 1,
				 .dims = { 5 },
				 .n_items = 5,
				 .item_len = 1,
				 .data = lab };
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(pix); i++)
		pix[i] = i * 37 + 11;
	round_trip(&img, 0, "images-idx3-ubyte");
	round_trip(&img, 1, "images-idx3-ubyte.gz");
	round_trip(&labels, 0, "labels-idx1-ubyte");
	round_trip(&labels, 1, "labels-idx1-ubyte.gz");
}

static void test_file_errors(void **state)
{
	char path[128], err[256] = "";
	struct hn_idx x;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/missing", tmpdir);
	assert_int_equal(hn_idx_read_file(path, 1, &x, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	assert_int_equal(hn_idx_read_file(tmpdir, 1, &x, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));
	/* a message from the parser names the file too */
	snprintf(path, sizeof(path), "%s/bad", tmpdir);
	f = fopen(path, "wb");
	assert_non_null(f);
	fputs("P5 28 28", f);
	fclose(f);
	assert_int_equal(hn_idx_read_file(path, 3, &x, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "bad magic"));
}

/* The Debian data set, when installed: the headers of the real files. */
static void test_real_files(void **state)
{
	static const char *dir = "/usr/share/datasets/fashion-mnist";
	char path[160], err[256] = "";
	struct hn_idx img, lab;

	(void)state;
	snprintf(path, sizeof(path), "%s/t10k-labels-idx1-ubyte.gz", dir);
	if (access(path, R_OK))
		skip();
	assert_int_equal(hn_idx_read_file(path, 1, &lab, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/t10k-images-idx3-ubyte.gz", dir);
	assert_int_equal(hn_idx_read_file(path, 3, &img, err, sizeof(err)), 0);
	assert_int_equal(img.n_items, 10000);
	assert_int_equal(img.item_len, 784);
	assert_int_equal(hn_idx_check_pair(&img, &lab, err, sizeof(err)), 0);
	hn_idx_free(&img);
	hn_idx_free(&lab);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_gzip_faults),
		cmocka_unit_test(test_pair),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_real_files),
	};

	return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
