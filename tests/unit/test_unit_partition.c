// SPDX-License-Identifier: GPL-2.0
/*
 * The federated partition (userspace/learn/partition.h) over 60,000
 * synthetic labels in 10 classes: every item in exactly one shard under
 * each scheme, IID shards balanced in size and classes, Dirichlet shards
 * as skewed as alpha says, K classes per node exactly, the same seed
 * giving the same partition and another seed another, the text form,
 * and bad arguments refused with a message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "partition.h"

#define N 60000
#define C 10
#define NODES 16

static uint8_t labels[N];

static int setup(void **state)
{
	uint64_t s = 12345;
	size_t i;

	(void)state;
	/* balanced classes in a scrambled order (an LCG, not the tool's) */
	for (i = 0; i < N; i++) {
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		labels[i] = (s >> 33) % C;
	}
	return 0;
}

static void make(const char *scheme, uint64_t seed, struct hn_partition *p)
{
	struct hn_part_opts o = { .nodes = NODES, .seed = seed };
	char err[256];

	assert_int_equal(hn_part_parse(scheme, &o, err, sizeof(err)), 0);
	assert_int_equal(
		hn_partition_make(labels, N, C, &o, p, err, sizeof(err)), 0);
	assert_int_equal(p->nodes, NODES);
	assert_int_equal(p->n, N);
}

/* hist[k][c]: items of class c in node k. */
static void histogram(const struct hn_partition *p, unsigned int hist[][C])
{
	unsigned int k;
	size_t j;

	memset(hist, 0, sizeof(unsigned int) * C * p->nodes);
	for (k = 0; k < p->nodes; k++)
		for (j = p->start[k]; j < p->start[k + 1]; j++)
			hist[k][labels[p->ids[j]]]++;
}

static const char *const schemes[] = { "iid", "dir:0.5", "dir:0.1", "classes:2",
				       "classes:1" };

static void test_each_item_once(void **state)
{
	static uint8_t seen[N];
	struct hn_partition p;
	unsigned int s, k;
	size_t j;

	(void)state;
	for (s = 0; s < sizeof(schemes) / sizeof(schemes[0]); s++) {
		make(schemes[s], 7, &p);
		memset(seen, 0, sizeof(seen));
		assert_int_equal(p.start[0], 0);
		assert_int_equal(p.start[NODES], N);
		for (k = 0; k < NODES; k++) {
			assert_true(hn_part_size(&p, k) >= 1);
			for (j = p.start[k]; j < p.start[k + 1]; j++) {
				assert_true(p.ids[j] < N);
				if (j > p.start[k])
					assert_true(p.ids[j] > p.ids[j - 1]);
				seen[p.ids[j]]++;
			}
		}
		for (j = 0; j < N; j++)
			assert_int_equal(seen[j], 1);
		hn_partition_free(&p);
	}
}

static void test_iid(void **state)
{
	unsigned int hist[NODES][C], k, c, total[C] = { 0 };
	struct hn_partition p;
	size_t j;

	(void)state;
	make("iid", 3, &p);
	histogram(&p, hist);
	for (j = 0; j < N; j++)
		total[labels[j]]++;
	for (k = 0; k < NODES; k++) {
		size_t n = hn_part_size(&p, k);

		assert_true(n == N / NODES || n == N / NODES + 1);
		/* 375 expected per class, sd about 18: 0.03 is 6 sd */
		for (c = 0; c < C; c++)
			assert_true(fabs((double)hist[k][c] / n -
					 (double)total[c] / N) < 0.03);
	}
	hn_partition_free(&p);
}

/* Mean over the nodes of the largest class's share of the node. */
static double mean_top_share(const char *scheme)
{
	unsigned int hist[NODES][C], k, c, top;
	struct hn_partition p;
	double sum = 0;

	make(scheme, 11, &p);
	histogram(&p, hist);
	for (k = 0; k < NODES; k++) {
		for (top = 0, c = 0; c < C; c++)
			if (hist[k][c] > top)
				top = hist[k][c];
		sum += (double)top / hn_part_size(&p, k);
	}
	hn_partition_free(&p);
	return sum / NODES;
}

static void test_dirichlet_skew(void **state)
{
	double flat = mean_top_share("dir:1000"),
	       mid = mean_top_share("dir:0.5"),
	       skew = mean_top_share("dir:0.1");

	(void)state;
	/* alpha large: near the uniform 0.1; small: a few classes a node */
	assert_true(flat < 0.13);
	assert_true(mid > 0.25 && mid < skew);
	assert_true(skew > 0.5);
}

static void test_classes(void **state)
{
	unsigned int hist[NODES][C], k, c, held, lo, hi;
	struct hn_partition p;

	(void)state;
	make("classes:2", 5, &p);
	histogram(&p, hist);
	for (k = 0; k < NODES; k++) {
		for (held = 0, c = 0; c < C; c++)
			held += hist[k][c] > 0;
		assert_int_equal(held, 2);
	}
	/* a class splits evenly among its holders */
	for (c = 0; c < C; c++) {
		lo = N;
		hi = 0;
		for (k = 0; k < NODES; k++) {
			if (!hist[k][c])
				continue;
			lo = hist[k][c] < lo ? hist[k][c] : lo;
			hi = hist[k][c] > hi ? hist[k][c] : hi;
		}
		assert_true(hi >= 1 && hi - lo <= 1);
	}
	hn_partition_free(&p);
}

static void test_seeded(void **state)
{
	struct hn_partition a, b, c;
	unsigned int s;

	(void)state;
	for (s = 0; s < sizeof(schemes) / sizeof(schemes[0]); s++) {
		make(schemes[s], 42, &a);
		make(schemes[s], 42, &b);
		make(schemes[s], 43, &c);
		assert_memory_equal(a.start, b.start,
				    (NODES + 1) * sizeof(size_t));
		assert_memory_equal(a.ids, b.ids, N * sizeof(size_t));
		assert_true(
			memcmp(a.ids, c.ids, N * sizeof(size_t)) ||
			memcmp(a.start, c.start, (NODES + 1) * sizeof(size_t)));
		hn_partition_free(&a);
		hn_partition_free(&b);
		hn_partition_free(&c);
	}
}

static void test_write(void **state)
{
	struct hn_part_opts o = {
		.scheme = HN_PART_CLASSES, .nodes = 3, .k = 1, .seed = 9
	};
	uint8_t lab[6] = { 0, 1, 2, 0, 1, 2 };
	struct hn_partition p;
	char err[128], *buf = NULL, *line;
	size_t len = 0;
	unsigned int lines = 0, k, n;
	FILE *f;

	(void)state;
	assert_int_equal(hn_partition_make(lab, 6, 3, &o, &p, err, 128), 0);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(hn_partition_write(&p, &o, f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "# hn-partition 3 6 classes:1 seed 9\n"));
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		lines++;
	assert_int_equal(lines, 1 + 2 * 3);
	/* one class per node over 3 classes: each node its own class */
	for (k = 0; k < 3; k++) {
		assert_int_equal(hn_part_size(&p, k), 2);
		n = lab[p.ids[p.start[k]]];
		assert_int_equal(lab[p.ids[p.start[k] + 1]], n);
	}
	free(buf);
	hn_partition_free(&p);
}

static void refused(const uint8_t *lab, size_t n, unsigned int classes,
		    const struct hn_part_opts *o, const char *word)
{
	struct hn_partition p;
	char err[256] = "";

	assert_int_equal(hn_partition_make(lab, n, classes, o, &p, err,
					   sizeof(err)),
			 -1);
	if (!strstr(err, word))
		print_message("expected \"%s\" in: %s\n", word, err);
	assert_non_null(strstr(err, word));
	assert_null(p.ids);
}

static void test_bad_args(void **state)
{
	static const char *const bad[] = {
		"",	   "dir:",	"dir:x",      "dir:-1",	    "dir:0",
		"dir:nan", "classes:0", "classes:2x", "classes:-3", "random"
	};
	struct hn_part_opts o = { .scheme = HN_PART_IID, .nodes = NODES };
	uint8_t bad_label[4] = { 0, 1, 10, 2 }, zeros[4] = { 0 };
	char err[256];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		assert_int_equal(hn_part_parse(bad[i], &o, err, sizeof(err)),
				 -1);
		assert_true(strlen(err) > 0);
	}
	o = (struct hn_part_opts){ .scheme = HN_PART_IID, .nodes = 0 };
	refused(labels, N, C, &o, "nodes");
	o.nodes = 7;
	refused(labels, 5, C, &o, "nodes");
	o.nodes = 2;
	refused(bad_label, 4, C, &o, "label 10 of item 2");
	refused(labels, N, 0, &o, "classes");
	o = (struct hn_part_opts){ .scheme = HN_PART_DIRICHLET,
				   .nodes = NODES };
	refused(labels, N, C, &o, "alpha");
	o.alpha = NAN;
	refused(labels, N, C, &o, "alpha");
	/* 16 nodes of at least 10 items cannot come out of 100 items */
	o.alpha = 0.5;
	refused(labels, 100, C, &o, "no Dirichlet");
	o = (struct hn_part_opts){ .scheme = HN_PART_CLASSES,
				   .nodes = NODES,
				   .k = 0 };
	refused(labels, N, C, &o, "cannot cover");
	o.k = C + 1;
	refused(labels, N, C, &o, "cannot cover");
	o.nodes = 4;
	o.k = 2; /* 8 slots, 10 classes */
	refused(labels, N, C, &o, "cannot cover");
	/* a class without items leaves its only holder empty */
	o.nodes = 4;
	o.k = 1;
	refused(zeros, 4, 2, &o, "got no items");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_item_once),
		cmocka_unit_test(test_iid),
		cmocka_unit_test(test_dirichlet_skew),
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_seeded),
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_bad_args),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
