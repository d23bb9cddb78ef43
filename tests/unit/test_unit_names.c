// SPDX-License-Identifier: GPL-2.0
/*
 * names.c: the names file (what it accepts, what it refuses and says
 * where), lookups both ways, and how nodes and times are shown.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "names.h"

#define S 1000000000LL

static struct hn_names *parse_ok(const char *text)
{
	struct hn_names *n;
	char err[256] = "";

	if (hn_names_parse(&n, text, strlen(text), err, sizeof(err)))
		fail_msg("refused: %s", err);
	return n;
}

static void test_parse(void **state)
{
	struct hn_names *n = parse_ok("# the lab\n"
				      "1 alpha\n"
				      "\n"
				      "  7\tgw-7.east   # the gateway\n"
				      "0x10 sixteen\r\n"
				      "4294967295 last");
	char buf[HN_NODE_STRLEN];

	assert_int_equal(hn_names_count(n), 4);
	assert_string_equal(hn_names_get(n, 1), "alpha");
	assert_string_equal(hn_names_get(n, 7), "gw-7.east");
	assert_string_equal(hn_names_get(n, 16), "sixteen");
	assert_string_equal(hn_names_get(n, 4294967295u), "last");
	assert_null(hn_names_get(n, 2));
	assert_int_equal(hn_names_find(n, "gw-7.east"), 7);
	assert_int_equal(hn_names_find(n, "gw"), 0);
	assert_string_equal(hn_fmt_node(n, 7, buf), "gw-7.east");
	assert_string_equal(hn_fmt_node(n, 8, buf), "8");
	assert_string_equal(hn_fmt_node(NULL, 9, buf), "9");
	{
		char lbuf[HN_NODE_LONGLEN];

		assert_string_equal(hn_fmt_node_long(n, 4294967295u, lbuf),
				    "last (4294967295)");
		assert_string_equal(hn_fmt_node_long(n, 8, lbuf), "8");
	}
	assert_null(hn_names_get(NULL, 1));
	hn_names_free(n);

	n = parse_ok("");
	assert_int_equal(hn_names_count(n), 0);
	assert_null(hn_names_get(n, 1));
	hn_names_free(n);
}

static void refused(const char *text, const char *why)
{
	struct hn_names *n = (void *)1;
	char err[256] = "";

	assert_int_equal(
		hn_names_parse(&n, text, strlen(text), err, sizeof(err)), -1);
	assert_null(n);
	if (!strstr(err, why))
		fail_msg("'%s': '%s' does not say '%s'", text, err, why);
}

static void test_refused(void **state)
{
	refused("1 a\n0 zero\n", "line 2: the node id");
	refused("4294967296 big\n", "line 1: the node id");
	refused("alpha 1\n", "line 1: 'alpha 1' is not NODE_ID NAME");
	refused("1\n", "line 1: name ''");
	refused("1 two words\n", "one name a line");
	refused("1 12345\n", "not all digits");
	refused("1 sp@ce\n", "name 'sp@ce'");
	refused("1 abcdefghijklmnopqrstuvwxyz0123456\n", "1 .. 31");
	refused("1 a\n2 a\n", "line 2: name 'a' given twice");
	refused("1 a\n1 b\n", "node 1 named twice");
	refused("1x a\n", "the node id");
	{
		static const char nul[] = "1 a\0b\n";
		struct hn_names *n;
		char err[128];

		assert_int_equal(hn_names_parse(&n, nul, sizeof(nul) - 1, err,
						sizeof(err)),
				 -1);
		assert_non_null(strstr(err, "NUL"));
	}
}

static void test_load(void **state)
{
	char path[] = "/tmp/hn-names-XXXXXX", err[512] = "";
	struct hn_names *n;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "3 gamma\n", 8), 8);
	close(fd);
	assert_int_equal(hn_names_load(&n, path, err, sizeof(err)), 0);
	assert_string_equal(hn_names_get(n, 3), "gamma");
	hn_names_free(n);
	/* a bad file names itself and the line */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "3 gamma\nx\n", 10), 10);
	close(fd);
	assert_int_equal(hn_names_load(&n, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "line 2"));
	unlink(path);
	assert_int_equal(hn_names_load(&n, path, err, sizeof(err)), -ENOENT);
	assert_null(n);
}

static void ago(__s64 ns, const char *want)
{
	char buf[32];

	assert_string_equal(hn_fmt_ago(ns, buf, sizeof(buf)), want);
}

static void test_ago(void **state)
{
	ago(-5 * S, "now");
	ago(0, "now");
	ago(S - 1, "now");
	ago(S, "1 s ago");
	ago(3 * S + S / 2, "3 s ago");
	ago(119 * S, "119 s ago");
	ago(120 * S, "2 min ago");
	ago(119 * 60 * S + 59 * S, "119 min ago");
	ago(120 * 60 * S, "2 h ago");
	ago(47 * 3600 * S, "47 h ago");
	ago(48 * 3600 * S, "2 days ago");
	ago(400 * 86400 * S, "400 days ago");
}

static void bytes(__u64 b, const char *want)
{
	char buf[32];

	assert_string_equal(hn_fmt_bytes(b, buf, sizeof(buf)), want);
}

static void test_bytes(void **state)
{
	bytes(0, "0 B");
	bytes(1023, "1023 B");
	bytes(1024, "1.00 KiB");
	bytes(1536, "1.50 KiB");
	bytes(3ULL << 20, "3.00 MiB");
	bytes(5ULL << 40, "5.00 TiB");
	bytes(~0ULL, "16.00 EiB");
}

static void test_date(void **state)
{
	char buf[64];

	setenv("TZ", "UTC", 1);
	tzset();
	assert_string_equal(hn_fmt_date(1796699442, buf, sizeof(buf)),
			    "2026-12-08 03:10:42 UTC");
	assert_string_equal(hn_fmt_date(0, buf, sizeof(buf)),
			    "1970-01-01 00:00:00 UTC");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse), cmocka_unit_test(test_refused),
		cmocka_unit_test(test_load),  cmocka_unit_test(test_ago),
		cmocka_unit_test(test_bytes), cmocka_unit_test(test_date),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
