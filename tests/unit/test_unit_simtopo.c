// SPDX-License-Identifier: GPL-2.0
/*
 * The held-out topology families of the simulator (backbone, cluster, tri,
 * hex in userspace/learn/sim.c) and hn-train's split of topologies into
 * trained and held-out (tools/hn-train/train.c): every family builds
 * connected meshes of the size asked, within the port limit, radio links
 * marked half duplex and wired ones not; sizes out of range are refused;
 * a backbone router can fail without cutting a leaf off.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../tools/hn-train/hn-train.h"

/* Nodes reached from @src without passing @skip (-1: none). */
static unsigned int reach(const struct hn_sim_topo *t, unsigned int src,
			  int skip)
{
	unsigned char seen[HN_SIM_MAX_NODES] = { 0 };
	unsigned int n = 1, i, grew = 1;

	seen[src] = 1;
	while (grew) {
		grew = 0;
		for (i = 0; i < t->n_links; i++) {
			const struct hn_sim_link *l = &t->link[i];

			if ((int)l->a == skip || (int)l->b == skip ||
			    seen[l->a] == seen[l->b])
				continue;
			seen[l->a] = seen[l->b] = 1;
			n++;
			grew = 1;
		}
	}
	return n;
}

static unsigned int max_degree(const struct hn_sim_topo *t)
{
	unsigned int deg[HN_SIM_MAX_NODES] = { 0 }, i, m = 0;

	for (i = 0; i < t->n_links; i++) {
		deg[t->link[i].a]++;
		deg[t->link[i].b]++;
	}
	for (i = 0; i < t->n_nodes; i++)
		m = deg[i] > m ? deg[i] : m;
	return m;
}

static void test_families(void **state)
{
	static const struct {
		const char *spec;
		unsigned int nodes;
		int radio;
	} f[] = {
		{ "backbone:12", 12, 0 }, { "backbone:40", 40, 0 },
		{ "backbone:64", 64, 0 }, { "cluster:12", 12, 1 },
		{ "cluster:32", 32, 1 },  { "cluster:48", 48, 1 },
		{ "tri:3", 9, 1 },	  { "tri:8", 64, 1 },
		{ "hex:3", 9, 0 },	  { "hex:8", 64, 0 },
		{ "rgg:48", 48, 1 },	  { "grid:7", 49, 0 },
	};
	struct hn_sim_topo t;
	unsigned int i, k, seed;
	char err[256];

	(void)state;
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		for (seed = 1; seed <= 5; seed++) {
			assert_int_equal(hn_sim_topo_make(&t, f[i].spec, seed,
							  err, sizeof(err)),
					 0);
			assert_int_equal(t.n_nodes, f[i].nodes);
			assert_int_equal(reach(&t, 0, -1), t.n_nodes);
			assert_true(max_degree(&t) <= HN_SIM_MAX_PORTS);
			/* radio links come and go as rgg's do */
			assert_int_equal(t.drift_ms, f[i].radio ? 2000 : 0);
			for (k = 0; k < t.n_links; k++) {
				assert_true(t.link[k].kbps > 0);
				assert_int_equal(t.link[k].half_duplex,
						 f[i].radio);
			}
		}
}

/* Every leaf is homed on two routers: any one of them may fail. */
static void test_backbone_failure(void **state)
{
	struct hn_sim_topo t;
	char err[256];
	unsigned int b;

	(void)state;
	assert_int_equal(
		hn_sim_topo_make(&t, "backbone:40", 2, err, sizeof(err)), 0);
	for (b = 0; b < 10; b++)
		assert_int_equal(reach(&t, b ? 0 : 1, b), t.n_nodes - 1);
}

static void test_bad_sizes(void **state)
{
	static const char *const bad[] = {
		"backbone:8", "backbone:65", "cluster:11", "cluster:49",
		"tri:2",      "tri:9",	     "hex:2",	   "hex:9",
		"backbone",   "hexagon:4",
	};
	struct hn_sim_topo t;
	char err[256];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(
			hn_sim_topo_make(&t, bad[i], 1, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "bad topology"));
		assert_non_null(strstr(err, "backbone:N"));
	}
}

static void test_split(void **state)
{
	(void)state;
	assert_int_equal(hn_tr_topo_split("rgg:16"), HN_TR_TRAINED);
	assert_int_equal(hn_tr_topo_split("dumbbell"), HN_TR_TRAINED);
	assert_int_equal(hn_tr_topo_split("grid:5"), HN_TR_TRAINED);
	assert_int_equal(hn_tr_topo_split("rgg:32"), HN_TR_NEW_SIZE);
	assert_int_equal(hn_tr_topo_split("grid:6"), HN_TR_NEW_SIZE);
	assert_int_equal(hn_tr_topo_split("ring:16"), HN_TR_NEW_SIZE);
	assert_int_equal(hn_tr_topo_split("backbone:24"), HN_TR_NEW_FAMILY);
	assert_int_equal(hn_tr_topo_split("cluster:32"), HN_TR_NEW_FAMILY);
	assert_int_equal(hn_tr_topo_split("tri:5"), HN_TR_NEW_FAMILY);
	assert_int_equal(hn_tr_topo_split("hex:6"), HN_TR_NEW_FAMILY);
	/* the lab's grid is kept out of training on purpose */
	assert_int_equal(hn_tr_topo_split("lab"), HN_TR_NEW_FAMILY);
	/* options change the simulation, not the shape */
	assert_int_equal(hn_tr_topo_split("rgg:16,full,drift=0"),
			 HN_TR_TRAINED);
	assert_int_equal(hn_tr_topo_split("rgg:32,half"), HN_TR_NEW_SIZE);
	assert_int_equal(hn_tr_topo_split("hex:6,radio"), HN_TR_NEW_FAMILY);
	/* "rg" is not "rgg": families match whole */
	assert_int_equal(hn_tr_topo_split("rg:16"), HN_TR_NEW_FAMILY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_families),
		cmocka_unit_test(test_backbone_failure),
		cmocka_unit_test(test_bad_sizes),
		cmocka_unit_test(test_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
