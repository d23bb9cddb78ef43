// SPDX-License-Identifier: GPL-2.0
/*
 * fileio.c: private files and directories (what the agent refuses), and
 * durable replacement of a file (what it persists).  fsync() and rename()
 * are wrapped here, passing through to the kernel, so that the test sees
 * what was synced, and in which order.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cmocka.h>

#include "fileio.h"
#include "helpers_hn.h"

/* ---- what reached the disk: fsync() and rename(), in order -------------- */

struct op {
	char what; /* 's' fsync, 'r' rename */
	ino_t ino; /* of the file synced or renamed */
	bool dir;
};

static struct op ops[32];
static unsigned int n_ops;

static void record(char what, ino_t ino, bool dir)
{
	if (n_ops < sizeof(ops) / sizeof(ops[0]))
		ops[n_ops++] = (struct op){ what, ino, dir };
}

int fsync(int fd)
{
	struct stat st;

	if (!fstat(fd, &st))
		record('s', st.st_ino, S_ISDIR(st.st_mode));
	return syscall(SYS_fsync, fd);
}

int rename(const char *from, const char *to)
{
	struct stat st;

	if (!stat(from, &st))
		record('r', st.st_ino, false);
	return syscall(SYS_renameat, AT_FDCWD, from, AT_FDCWD, to);
}

/* ---- fixtures ----------------------------------------------------------- */

static char dir[] = "/tmp/hn-fileio-test-XXXXXX";

static int setup(void **state)
{
	return hn_t_dir_make(dir);
}

static unsigned int dir_entries(const char *path)
{
	struct dirent *de;
	unsigned int n = 0;
	DIR *d = opendir(path);

	assert_non_null(d);
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

static int teardown(void **state)
{
	return hn_t_dir_remove();
}

static void assert_contents(const char *path, const char *want)
{
	char buf[256];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = 0;
	assert_string_equal(buf, want);
}

/* ---- hn_write_file() ---------------------------------------------------- */

/* Data synced, then renamed into place, then the directory synced. */
static void test_write_durable(void **state)
{
	const char *p = hn_t_path("lsa-seq");
	struct stat st, dst;
	char err[512] = "";

	n_ops = 0;
	assert_int_equal(
		hn_write_file(p, "1024\n", 5, 0600, 0, err, sizeof(err)), 0);
	assert_contents(p, "1024\n");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(stat(dir, &dst), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(dir_entries(dir), 1); /* no temporary left */
	assert_int_equal(n_ops, 3);
	assert_int_equal(ops[0].what, 's');
	assert_int_equal(ops[0].ino, st.st_ino);
	assert_false(ops[0].dir);
	assert_int_equal(ops[1].what, 'r');
	assert_int_equal(ops[1].ino, st.st_ino);
	assert_int_equal(ops[2].what, 's');
	assert_true(ops[2].dir);
	assert_int_equal(ops[2].ino, dst.st_ino);
	unlink(p);
}

/* A new file replaces the old one whole: another inode, the new mode. */
static void test_write_replaces(void **state)
{
	const char *p = hn_t_path("model.gen");
	struct stat before, after;
	char err[512] = "";

	assert_int_equal(hn_write_file(p, "7\n", 2, 0600, 0, err, sizeof(err)),
			 0);
	assert_int_equal(stat(p, &before), 0);
	assert_int_equal(
		hn_write_file(p, "12345\n", 6, 0644, 0, err, sizeof(err)), 0);
	assert_int_equal(stat(p, &after), 0);
	assert_int_not_equal(before.st_ino, after.st_ino);
	assert_int_equal(after.st_mode & 07777, 0644);
	assert_contents(p, "12345\n");
	/* empty is a content too */
	assert_int_equal(hn_write_file(p, "", 0, 0600, 0, err, sizeof(err)), 0);
	assert_contents(p, "");
	unlink(p);
}

/* HN_WF_NOSYNC: still renamed into place, but nothing synced. */
static void test_write_nosync(void **state)
{
	const char *p = hn_t_path("topology.dot");
	char err[512] = "";

	n_ops = 0;
	assert_int_equal(hn_write_file(p, "graph {}\n", 9, 0600, HN_WF_NOSYNC,
				       err, sizeof(err)),
			 0);
	assert_contents(p, "graph {}\n");
	assert_int_equal(n_ops, 1);
	assert_int_equal(ops[0].what, 'r');
	unlink(p);
}

static void test_write_errors(void **state)
{
	char err[512] = "", path[600];

	snprintf(path, sizeof(path), "%s/missing/model.hnm", dir);
	assert_int_equal(hn_write_file(path, "x", 1, 0600, 0, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "temporary file"));
	/* a directory in the way: the temporary is cleaned up */
	assert_int_equal(mkdir(hn_t_path("adir"), 0700), 0);
	assert_int_equal(hn_write_file(hn_t_path("adir"), "x", 1, 0600, 0, err,
				       sizeof(err)),
			 -EISDIR);
	assert_non_null(strstr(err, "rename"));
	assert_int_equal(dir_entries(dir), 1);
	rmdir(hn_t_path("adir"));
}

/* ---- hn_check_private() ------------------------------------------------- */

static void expect_refused(const char *what, const char *path, const char *a,
			   const char *b)
{
	char err[512] = "";

	assert_int_equal(hn_check_private(what, path, err, sizeof(err)), -1);
	if (!strstr(err, a) || !strstr(err, b))
		fail_msg("'%s' lacks '%s' or '%s'", err, a, b);
}

static void test_private_dir(void **state)
{
	const char *d = hn_t_path("state");
	char err[512] = "";

	assert_int_equal(mkdir(d, 0700), 0);
	assert_int_equal(hn_check_private("state-dir", d, err, sizeof(err)), 0);
	assert_int_equal(chmod(d, 0755), 0);
	expect_refused("state-dir", d,
		       "state-dir is accessible by group or others (mode 0755)",
		       "run 'chmod 700 ");
	assert_int_equal(chmod(d, 0710), 0);
	expect_refused("state-dir", d, "(mode 0710)", "chmod 700");
	assert_int_equal(chmod(d, 0701), 0);
	expect_refused("state-dir", d, "(mode 0701)", "chmod 700");
	rmdir(d);
	expect_refused("state-dir", d, d, "No such file");
}

static void test_private_file(void **state)
{
	const char *p = hn_t_path("c.conf");
	char err[512] = "";
	int fd = open(p, O_CREAT | O_WRONLY | O_EXCL, 0600);

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(hn_check_private("config", p, err, sizeof(err)), 0);
	assert_int_equal(chmod(p, 0644), 0);
	expect_refused("config", p, "config is accessible by group or others",
		       "run 'chmod 600 ");
	unlink(p);
}

/* Owned by another user (not root): that user can change it. */
static void test_private_owner(void **state)
{
	const char *d = hn_t_path("theirs");
	char err[512] = "";

	if (geteuid()) {
		fprintf(stderr, "owner check needs root to chown: skipped\n");
		skip();
	}
	assert_int_equal(mkdir(d, 0700), 0);
	assert_int_equal(chown(d, 4321, 4321), 0);
	expect_refused("state-dir", d, "state-dir is owned by uid 4321",
		       "chown 0 ");
	assert_int_equal(chown(d, 0, 0), 0);
	assert_int_equal(hn_check_private("state-dir", d, err, sizeof(err)), 0);
	rmdir(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_durable),
		cmocka_unit_test(test_write_replaces),
		cmocka_unit_test(test_write_nosync),
		cmocka_unit_test(test_write_errors),
		cmocka_unit_test(test_private_dir),
		cmocka_unit_test(test_private_file),
		cmocka_unit_test(test_private_owner),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
