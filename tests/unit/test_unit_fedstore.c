// SPDX-License-Identifier: GPL-2.0
/*
 * The store of round results (fedstore.h): a result per id, at most cap
 * of them (the lowest evicted, its file too), read back after a restart,
 * and a file that does not check (garbage, another id's result under
 * this id's name, a changed byte after it was kept) refused.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sys/stat.h>

#include "fedstore.h"
#include "fileio.h"
#include "helpers_hn.h"

static char dir[] = "/tmp/hn-fedstore-test-XXXXXX";

/*
 * A "result" of the tests: "RES", the id (4, BE), 32 bytes from the id,
 * and a checksum byte (the sum of the rest).
 */
#define RLEN 40

static void make(uint32_t id, uint8_t b[RLEN])
{
	unsigned int i;
	uint8_t sum = 0;

	memcpy(b, "RES", 3);
	b[3] = id >> 24;
	b[4] = id >> 16;
	b[5] = id >> 8;
	b[6] = id;
	for (i = 7; i < RLEN - 1; i++)
		b[i] = (uint8_t)(id * 31 + i);
	for (i = 0; i < RLEN - 1; i++)
		sum += b[i];
	b[RLEN - 1] = sum;
}

static int checks;

static int check(void *ctx, const uint8_t *b, size_t len, uint32_t *id)
{
	uint8_t sum = 0;
	unsigned int i;

	(void)ctx;
	checks++;
	if (len != RLEN || memcmp(b, "RES", 3))
		return -1;
	for (i = 0; i < RLEN - 1; i++)
		sum += b[i];
	if (sum != b[RLEN - 1])
		return -1;
	*id = (uint32_t)b[3] << 24 | b[4] << 16 | b[5] << 8 | b[6];
	return 0;
}

static void put(struct hn_fstore *s, uint32_t id, int want)
{
	uint8_t b[RLEN];
	char err[256];

	make(id, b);
	assert_int_equal(hn_fs_put(s, id, b, RLEN, err, sizeof(err)), want);
}

/* @id kept, read back as it was put. */
static void got(struct hn_fstore *s, uint32_t id)
{
	uint8_t want[RLEN], *b;
	char err[256];
	size_t len;

	make(id, want);
	assert_true(hn_fs_has(s, id));
	assert_int_equal(hn_fs_get(s, id, &b, &len, err, sizeof(err)), 0);
	assert_int_equal(len, RLEN);
	assert_memory_equal(b, want, RLEN);
	free(b);
}

/* The test's own directory, empty. */
static char sdir[600];

static void clean(const char *name)
{
	snprintf(sdir, sizeof(sdir), "%s", hn_t_path(name));
	assert_int_equal(mkdir(sdir, 0700), 0);
}

/* @name in the test's directory. */
static const char *fpath(const char *name)
{
	static char bufs[2][700];
	static unsigned int next;
	char *p = bufs[next++ % 2];

	snprintf(p, sizeof(bufs[0]), "%s/%s", sdir, name);
	return p;
}

static bool file_there(uint32_t id)
{
	char name[32];

	snprintf(name, sizeof(name), "fedres-%u.res", id);
	return access(fpath(name), F_OK) == 0;
}

static void open_store(struct hn_fstore *s, unsigned int cap)
{
	char err[256];

	assert_int_equal(
		hn_fs_open(s, sdir, cap, check, NULL, err, sizeof(err)), 0);
}

/* The cap: the lowest ids go, with their files. */
static void test_bounds(void **state)
{
	struct hn_fstore s;
	uint32_t id;
	uint8_t *b;
	size_t len;
	char err[256];

	clean("bounds");
	open_store(&s, 3);
	assert_int_equal(hn_fs_last(&s), 0);
	assert_int_equal(hn_fs_first(&s), 0);
	for (id = 1; id <= 5; id++)
		put(&s, id, 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(hn_fs_first(&s), 3);
	assert_int_equal(hn_fs_last(&s), 5);
	assert_false(hn_fs_has(&s, 2));
	assert_false(file_there(1));
	assert_false(file_there(2));
	for (id = 3; id <= 5; id++) {
		got(&s, id);
		assert_true(file_there(id));
	}
	assert_int_equal(hn_fs_get(&s, 2, &b, &len, err, sizeof(err)), -ENOENT);
	/* kept already; below the three highest: not taken */
	put(&s, 4, 1);
	put(&s, 1, 1);
	assert_false(file_there(1));
	/* a gap filled, out of order: 7 then 6 */
	put(&s, 7, 0);
	put(&s, 6, 0);
	assert_int_equal(hn_fs_first(&s), 5);
	assert_false(file_there(4));
	got(&s, 6);
	got(&s, 7);
	hn_fs_free(&s);
	assert_int_equal(hn_fs_open(&s, sdir, 0, check, NULL, err, sizeof(err)),
			 -1);
}

/* A restart: the files read back, the cap applied to them. */
static void test_restart(void **state)
{
	struct hn_fstore s;
	uint32_t id;

	clean("restart");
	open_store(&s, 8);
	for (id = 1; id <= 6; id++)
		put(&s, 100 + id * 256, 0);
	hn_fs_free(&s);
	open_store(&s, 8);
	assert_int_equal(s.n, 6);
	assert_int_equal(s.refused, 0);
	for (id = 1; id <= 6; id++)
		got(&s, 100 + id * 256);
	hn_fs_free(&s);
	/* a smaller cap: the four highest stay */
	open_store(&s, 4);
	assert_int_equal(s.n, 4);
	assert_int_equal(hn_fs_first(&s), 100 + 3 * 256);
	assert_false(file_there(100 + 2 * 256));
	hn_fs_free(&s);
}

/* Files that do not check are neither kept nor served. */
static void test_corrupt(void **state)
{
	uint8_t b[RLEN], *p;
	struct hn_fstore s;
	char err[256];
	size_t len;

	clean("corrupt");
	open_store(&s, 8);
	put(&s, 1, 0);
	put(&s, 2, 0);
	put(&s, 3, 0);
	hn_fs_free(&s);
	/* 2's file changed by a byte; 3's holds 1's result; junk named 4 */
	make(2, b);
	b[20] ^= 1;
	assert_int_equal(hn_write_file(fpath("fedres-2.res"), b, RLEN, 0600, 0,
				       err, sizeof(err)),
			 0);
	make(1, b);
	assert_int_equal(hn_write_file(fpath("fedres-3.res"), b, RLEN, 0600, 0,
				       err, sizeof(err)),
			 0);
	assert_int_equal(hn_write_file(fpath("fedres-4.res"), "junk", 4, 0600,
				       0, err, sizeof(err)),
			 0);
	/* names that are no id: never read */
	make(5, b);
	assert_int_equal(hn_write_file(fpath("fedres-05.res"), b, RLEN, 0600, 0,
				       err, sizeof(err)),
			 0);
	assert_int_equal(hn_write_file(fpath("fedres-5.res.tmp"), b, RLEN, 0600,
				       0, err, sizeof(err)),
			 0);
	checks = 0;
	open_store(&s, 8);
	assert_int_equal(checks, 4);
	assert_int_equal(s.refused, 3);
	assert_int_equal(s.n, 1);
	got(&s, 1);
	assert_false(hn_fs_has(&s, 2));
	assert_false(hn_fs_has(&s, 5));
	/* a good result for 2 takes the bad file's place */
	put(&s, 2, 0);
	got(&s, 2);
	/* changed on disk after it was kept: refused when read, dropped */
	assert_int_equal(hn_write_file(fpath("fedres-1.res"), "RES", 3, 0600, 0,
				       err, sizeof(err)),
			 0);
	assert_int_equal(hn_fs_get(&s, 1, &p, &len, err, sizeof(err)),
			 -EBADMSG);
	assert_false(hn_fs_has(&s, 1));
	assert_int_equal(s.refused, 4);
	hn_fs_free(&s);
}

static int teardown(void **state)
{
	return hn_t_dir_remove();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_restart),
		cmocka_unit_test(test_corrupt),
	};

	if (hn_t_dir_make(dir))
		return 1;
	return cmocka_run_group_tests_name("fedstore", tests, NULL, teardown);
}
