// SPDX-License-Identifier: GPL-2.0
/*
 * The mesh simulator and the trainer (userspace/learn/sim.c, tools/hn-train):
 * frames are conserved at every event, runs repeat bit for bit for a seed,
 * the decision function has the data plane's fallbacks, the quantised
 * model ranks candidates as the float one does, and a few seconds of
 * training beat a random policy.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <hypernet/dataplane.h>
#include "../../tools/hn-train/hn-train.h"

static const char *const specs[] = {
	"grid:4", "rgg:16", "ring:10", "ladder:5", "diamond", "dumbbell", "lab",
};

static void test_topologies(void **state)
{
	struct hn_sim_topo t;
	char err[128];
	unsigned int i;

	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		assert_int_equal(
			hn_sim_topo_make(&t, specs[i], 7, err, sizeof(err)), 0);
		assert_true(t.n_nodes >= 4);
		assert_true(t.n_links >= t.n_nodes - 1);
	}
	assert_int_equal(hn_sim_topo_make(&t, "grid:9", 1, err, sizeof(err)),
			 -1);
	assert_int_equal(hn_sim_topo_make(&t, "torus:4", 1, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "bad topology"));
}

static struct hn_sim *new_sim(struct hn_sim_topo *t, const char *spec,
			      enum hn_sim_policy pol,
			      const struct hn_rt_model *rt, double load,
			      int fail, __u64 seed)
{
	struct hn_sim_cfg c;
	char err[128];

	assert_int_equal(hn_sim_topo_make(t, spec, 3, err, sizeof(err)), 0);
	hn_sim_cfg_defaults(&c);
	c.seed = seed;
	c.duration_ms = 1500;
	c.warmup_ms = 300;
	c.load = load;
	c.policy = pol;
	c.model = rt;
	c.fail_node = fail;
	c.fail_ms = 700;
	c.traffic = seed % 3;
	return hn_sim_new(t, &c);
}

/* sent = delivered + dropped + in the network, after every event */
static void test_conservation(void **state)
{
	enum hn_sim_policy pols[] = { HN_SIM_MODEL, HN_SIM_HOPS,
				      HN_SIM_ETX,   HN_SIM_ORACLE,
				      HN_SIM_ETT,   HN_SIM_ETT_LOAD,
				      HN_SIM_ETT };
	struct hn_tr_params p;
	struct hn_rt_model rt;
	struct hn_sim_topo t;
	char err[256];
	unsigned int i;
	__u64 dead = 0;

	hn_tr_prior(&p);
	assert_int_equal(hn_tr_quantize(&p, &rt, NULL, err, sizeof(err)), 0);
	for (i = 0; i < sizeof(pols) / sizeof(pols[0]); i++) {
		/* the last one: radios shared by a node's links */
		struct hn_sim *s = new_sim(&t,
					   i == 6 ? "rgg:16,radio" :
					   i & 1  ? "rgg:16" :
						    "grid:4",
					   pols[i], &rt, 1.3, 5, i);
		struct hn_sim_stats st;
		__u64 steps = 0, bad = 0;

		assert_non_null(s);
		do {
			hn_sim_get_counters(s, &st);
			if (st.sent != st.delivered + st.dropped +
					       hn_sim_count_in_network(s))
				bad++;
			steps++;
		} while (hn_sim_step(s));
		hn_sim_get_stats(s, &st);
		printf("policy %u: %llu events, sent %llu delivered %llu dropped %llu (dead %llu)\n",
		       i, (unsigned long long)steps,
		       (unsigned long long)st.sent,
		       (unsigned long long)st.delivered,
		       (unsigned long long)st.dropped,
		       (unsigned long long)st.drop_dead);
		assert_int_equal(bad, 0);
		assert_true(st.sent > 1000);
		assert_int_equal(hn_sim_count_in_network(s), 0);
		assert_int_equal(st.in_flight, 0);
		dead += st.drop_dead;
		assert_true(st.m_sent == st.m_delivered + st.m_lost);
		hn_sim_free(s);
	}
	/* the node failed with frames to forward */
	assert_true(dead > 0);
}

static void run_stats(const char *spec, enum hn_sim_policy pol,
		      const struct hn_rt_model *rt, __u64 seed,
		      struct hn_sim_stats *st)
{
	struct hn_sim_topo t;
	struct hn_sim *s = new_sim(&t, spec, pol, rt, 0.9, 2, seed);

	assert_non_null(s);
	hn_sim_run(s);
	hn_sim_get_stats(s, st);
	hn_sim_free(s);
}

static void test_determinism(void **state)
{
	struct hn_sim_stats a, b, c, h;
	struct hn_tr_params p;
	struct hn_rt_model rt;
	char err[256];

	hn_tr_prior(&p);
	assert_int_equal(hn_tr_quantize(&p, &rt, NULL, err, sizeof(err)), 0);
	run_stats("rgg:16", HN_SIM_MODEL, &rt, 11, &a);
	run_stats("rgg:16", HN_SIM_MODEL, &rt, 11, &b);
	run_stats("rgg:16", HN_SIM_MODEL, &rt, 12, &c);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_true(a.digest != c.digest);
	/* traffic is drawn apart from routing: every policy gets the same */
	run_stats("rgg:16", HN_SIM_HOPS, NULL, 11, &h);
	assert_int_equal(h.sent, a.sent);
	assert_true(h.digest != a.digest);
}

/* Every hop costs a router's fwd_us, on top of the links' own time. */
static void test_forwarding_time(void **state)
{
	struct hn_sim_stats st[2];
	struct hn_sim_topo t;
	struct hn_sim_cfg c;
	char err[128];
	double hops, extra;
	int k;

	assert_int_equal(hn_sim_topo_make(&t, "grid:4", 3, err, sizeof(err)),
			 0);
	for (k = 0; k < 2; k++) {
		struct hn_sim *s;

		hn_sim_cfg_defaults(&c);
		c.policy = HN_SIM_HOPS;
		c.load = 0.05;
		c.duration_ms = 2000;
		c.fwd_us = k ? 50 : 0;
		s = hn_sim_new(&t, &c);
		assert_non_null(s);
		hn_sim_run(s);
		hn_sim_get_stats(s, &st[k]);
		hn_sim_free(s);
	}
	/* the same frames on the same routes, each hop 50 us later */
	assert_int_equal(st[0].m_sent, st[1].m_sent);
	assert_int_equal(st[0].m_hops, st[1].m_hops);
	hops = (double)st[1].m_hops / st[1].m_delivered;
	extra = st[1].mean_us - st[0].mean_us;
	printf("%.2f hops a frame, %.1f us more with 50 us a hop\n", hops,
	       extra);
	assert_true(hops > 1.5);
	assert_true(fabs(extra - 50 * hops) < 5 * hops);
}

static void add_link(struct hn_sim_topo *t, unsigned int a, unsigned int b,
		     __u32 kbps, __u16 loss_pm)
{
	struct hn_sim_link *l = &t->link[t->n_links++];

	memset(l, 0, sizeof(*l));
	l->a = a;
	l->b = b;
	l->kbps = kbps;
	l->delay_us = 100;
	l->loss_pm = loss_pm;
}

struct via {
	unsigned int node, dst;
	unsigned long n[HN_SIM_MAX_NODES]; /* decisions by next hop */
};

static void count_via(void *ctx, const struct hn_sim_decision *d)
{
	struct via *v = ctx;

	if (d->node == v->node && d->dst == v->dst && d->chosen < d->n_cand)
		v->n[d->neigh[d->chosen]]++;
}

/* Run @pol on @t; @v (may be NULL) counts node v->node's next hops. */
static void run_topo(const struct hn_sim_topo *t, enum hn_sim_policy pol,
		     double load, enum hn_sim_traffic tr, struct via *v,
		     struct hn_sim_stats *st)
{
	struct hn_sim_cfg c;
	struct hn_sim *s;

	hn_sim_cfg_defaults(&c);
	c.duration_ms = 3000;
	c.warmup_ms = 500;
	c.load = load;
	c.traffic = tr;
	c.policy = pol;
	c.model = NULL;
	c.on_decision = v ? count_via : NULL;
	c.ctx = v;
	s = hn_sim_new(t, &c);
	assert_non_null(s);
	hn_sim_run(s);
	hn_sim_get_stats(s, st);
	hn_sim_free(s);
}

/*
 * A clean thin hop 0-2 against two fat, 10 % lossy hops 0-1-2: ETX
 * takes the thin one (1 transmission against 2 x 1.23), ETT the fat
 * pair (6 ms of airtime against 2 x 0.74 ms), and is faster for it.
 */
static void test_ett_fat_detour(void **state)
{
	struct hn_sim_topo t = { .name = "triangle", .n_nodes = 3 };
	struct via v = { .node = 0, .dst = 2 };
	struct hn_sim_stats ett, etx;

	add_link(&t, 0, 2, 2000, 0);
	add_link(&t, 0, 1, 20000, 100);
	add_link(&t, 1, 2, 20000, 100);
	run_topo(&t, HN_SIM_ETX, 0.3, HN_SIM_UNIFORM, &v, &etx);
	assert_true(v.n[2] > 0);
	assert_int_equal(v.n[1], 0);
	memset(v.n, 0, sizeof(v.n));
	run_topo(&t, HN_SIM_ETT, 0.3, HN_SIM_UNIFORM, &v, &ett);
	assert_true(v.n[1] > 0);
	assert_int_equal(v.n[2], 0);
	printf("0 to 2: ETX %.0f us, ETT %.0f us\n", etx.mean_us, ett.mean_us);
	assert_true(ett.mean_us < etx.mean_us);
}

/*
 * The lab grid with fat links first (odd seed) and bench/learn.sh's four
 * flows: ETT sends them all down the same fat links and fills them;
 * ETT-load moves some to idle thin ones as utilisation shows.  Load 0.7
 * of the max concurrent flow (bound.h): the fat links full under ETT.
 */
static void test_ett_load_moves(void **state)
{
	struct hn_sim_topo t;
	struct hn_sim_stats ett, load;
	char err[128];

	assert_int_equal(hn_sim_topo_make(&t, "lab", 3, err, sizeof(err)), 0);
	/* 0.6 of what the best multipath routing carries: ETT's fat path full */
	run_topo(&t, HN_SIM_ETT, 0.6, HN_SIM_LAB, NULL, &ett);
	run_topo(&t, HN_SIM_ETT_LOAD, 0.6, HN_SIM_LAB, NULL, &load);
	printf("ETT %.0f us lost %llu moves %llu; ETT-load %.0f us lost %llu moves %llu\n",
	       ett.mean_us, (unsigned long long)ett.m_lost,
	       (unsigned long long)ett.m_moves, load.mean_us,
	       (unsigned long long)load.m_lost,
	       (unsigned long long)load.m_moves);
	assert_int_equal(ett.m_moves, 0);
	assert_true(load.m_moves > 0);
	assert_true(load.mean_us < 0.8 * ett.mean_us);
	assert_true(load.m_lost <= ett.m_lost);
}

/*
 * A fat first hop 0-1 before a thin 1-3 that most of the mesh's traffic
 * crosses (ETT sends 2's and 4's traffic that way too), and an idle path
 * 0-2-3 that costs 1.3 times as much at idle (8600 us against 6600).
 */
static void bottleneck_topo(struct hn_sim_topo *t)
{
	memset(t, 0, sizeof(*t));
	strcpy(t->name, "bottleneck");
	t->n_nodes = 5;
	t->true_costs = 1;
	add_link(t, 0, 1, 20000, 0);
	add_link(t, 1, 3, 2000, 0);
	add_link(t, 0, 2, 1500, 0);
	add_link(t, 2, 3, 20000, 0);
	add_link(t, 4, 1, 20000, 0);
}

struct seen {
	unsigned long n; /* node 0's decisions for node 3 */
	unsigned int first_lvl; /* via 2: the first one's ratio level */
	unsigned long lvl[4]; /* via 2: decisions by ratio level */
	unsigned int load_max; /* via 1: the first hop's load feature */
};

static void see_route(void *ctx, const struct hn_sim_decision *d)
{
	struct seen *v = ctx;
	unsigned int i;

	if (d->node != 0 || d->dst != 3)
		return;
	for (i = 0; i < d->n_cand; i++) {
		unsigned int lvl = d->x[i][HN_FEAT_DIST] / HN_RT_HOPS_STEP /
				   HN_RT_HOP_LEVELS;

		if (d->neigh[i] == 1 && d->x[i][HN_FEAT_LOAD] > v->load_max)
			v->load_max = d->x[i][HN_FEAT_LOAD];
		if (d->neigh[i] != 2)
			continue;
		if (!v->n)
			v->first_lvl = lvl;
		v->lvl[lvl]++;
	}
	v->n++;
}

/*
 * Load two hops downstream shows in the route feature: once 1 -> 3 is
 * busy and its utilisation advertised, the idle detour via 2 is within
 * 1.15 of the load-aware best (ratio level 0) where at idle it is 1.3
 * (level 1), although node 0's own link to 1 stays nearly idle.
 */
static void test_downstream_load(void **state)
{
	struct hn_sim_topo t;
	struct seen v = { 0 };
	struct hn_sim_stats st;
	struct hn_sim_cfg c;
	struct hn_sim *s;

	bottleneck_topo(&t);
	hn_sim_cfg_defaults(&c);
	c.duration_ms = 3000;
	c.warmup_ms = 500;
	c.load = 0.5;
	c.policy = HN_SIM_MODEL;
	c.model = NULL; /* ETT's default next hop: the load stays put */
	c.on_decision = see_route;
	c.ctx = &v;
	s = hn_sim_new(&t, &c);
	assert_non_null(s);
	hn_sim_run(s);
	hn_sim_get_stats(s, &st);
	hn_sim_free(s);
	printf("0 to 3 via 2: first level %u, levels %lu %lu %lu %lu; via 1 load <= %u; %llu LSAs (%llu for utilisation)\n",
	       v.first_lvl, v.lvl[0], v.lvl[1], v.lvl[2], v.lvl[3], v.load_max,
	       (unsigned long long)st.lsas, (unsigned long long)st.lsas_util);
	assert_int_equal(v.first_lvl, 1);
	assert_true(v.lvl[0] > 0);
	assert_true(v.load_max < 127 / 8);
	assert_true(st.lsas_util > 0);
}

/*
 * Utilisation that moves by HN_UTIL_READV floods a new LSA, which takes
 * wire time like any: on fixed, true costs no other LSA is ever sent, so
 * they all come from load, and none at a load that moves no link by
 * an eighth.
 */
static void test_util_readvertise(void **state)
{
	/* one copy on each of 10 up ports: nodes have 1 to 3 links */
	const unsigned long lsa_min = 10 * (HN_HDR_LEN + sizeof(struct hn_lsa) +
					    sizeof(struct hn_lsa_link) + 1 +
					    HN_AUTH_LEN + HN_SIM_WIRE_OVERHEAD);
	const unsigned long lsa_max =
		10 * (HN_HDR_LEN + sizeof(struct hn_lsa) +
		      3 * (sizeof(struct hn_lsa_link) + 1) + HN_AUTH_LEN +
		      HN_SIM_WIRE_OVERHEAD);
	struct hn_sim_stats lo, hi;
	struct hn_sim_topo t;

	bottleneck_topo(&t);
	run_topo(&t, HN_SIM_ETT, 0.02, HN_SIM_UNIFORM, NULL, &lo);
	run_topo(&t, HN_SIM_ETT, 0.5, HN_SIM_UNIFORM, NULL, &hi);
	printf("LSAs at load 0.02: %llu, at 0.5: %llu (%llu for utilisation, %llu bytes)\n",
	       (unsigned long long)lo.lsas, (unsigned long long)hi.lsas,
	       (unsigned long long)hi.lsas_util,
	       (unsigned long long)hi.lsa_bytes);
	assert_int_equal(lo.lsas, 0);
	assert_int_equal(lo.lsa_bytes, 0);
	assert_true(hi.lsas_util > 0);
	assert_int_equal(hi.lsas, hi.lsas_util);
	assert_true(hi.lsa_bytes >= hi.lsas * lsa_min);
	assert_true(hi.lsa_bytes <= hi.lsas * lsa_max);
	/* without control frames on the wire, none are counted */
	t.no_ctrl = 1;
	run_topo(&t, HN_SIM_ETT, 0.5, HN_SIM_UNIFORM, NULL, &hi);
	assert_true(hi.lsas > 0);
	assert_int_equal(hi.lsa_bytes, 0);
}

/* @spec at @load with ETT routes, 3 s of which 0.5 s warm-up. */
static void run_spec(const char *spec, double load, enum hn_sim_policy pol,
		     struct hn_sim_stats *st)
{
	struct hn_sim_topo t;
	char err[128];

	assert_int_equal(hn_sim_topo_make(&t, spec, 3, err, sizeof(err)), 0);
	run_topo(&t, pol, load, HN_SIM_UNIFORM, NULL, st);
}

/* Options on top of a family's defaults, and refused ones. */
static void test_topo_options(void **state)
{
	struct hn_sim_topo t;
	char err[128];
	unsigned int i;

	assert_int_equal(hn_sim_topo_make(&t, "rgg:16", 1, err, sizeof(err)),
			 0);
	for (i = 0; i < t.n_links; i++)
		assert_int_equal(t.link[i].half_duplex, 1);
	assert_int_equal(t.drift_ms, 2000);
	assert_int_equal(t.true_costs | t.no_ctrl | t.radio, 0);
	assert_int_equal(hn_sim_topo_make(&t, "grid:3", 1, err, sizeof(err)),
			 0);
	assert_int_equal(t.link[0].half_duplex | t.drift_ms, 0);
	assert_int_equal(hn_sim_topo_make(&t, "rgg:16,full,drift=0,true-costs",
					  1, err, sizeof(err)),
			 0);
	for (i = 0; i < t.n_links; i++)
		assert_int_equal(t.link[i].half_duplex, 0);
	assert_int_equal(t.drift_ms, 0);
	assert_int_equal(t.true_costs, 1);
	assert_int_equal(hn_sim_topo_make(&t,
					  "grid:3,half,no-ctrl,drift=700,radio",
					  1, err, sizeof(err)),
			 0);
	assert_int_equal(t.link[0].half_duplex, 1);
	assert_int_equal(t.radio, 1);
	assert_int_equal(t.no_ctrl, 1);
	assert_int_equal(t.drift_ms, 700);
	assert_int_equal(hn_sim_topo_make(&t, "grid:3,drift=x", 1, err,
					  sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "bad topology option 'drift=x'"));
	assert_int_equal(
		hn_sim_topo_make(&t, "grid:3,fast", 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'fast'"));
}

/*
 * Two nodes, both ways saturated: a half-duplex link carries half of
 * what a full-duplex one does, the two directions taking turns.  Load
 * is relative to the max concurrent flow (bound.h), which half duplex
 * halves: the same frames are twice the load there.
 */
static void test_half_duplex(void **state)
{
	struct hn_sim_topo t = { .name = "pair", .n_nodes = 2, .no_ctrl = 1 };
	struct hn_sim_stats full, half;
	double r;

	add_link(&t, 0, 1, 10000, 0);
	run_topo(&t, HN_SIM_ETT, 2.0, HN_SIM_UNIFORM, NULL, &full);
	t.link[0].half_duplex = 1;
	/*
	 * Load counts from the max concurrent flow, which half duplex
	 * halves: load 4.0 offers what 2.0 offers full duplex.
	 */
	run_topo(&t, HN_SIM_ETT, 4.0, HN_SIM_UNIFORM, NULL, &half);
	r = ((double)half.m_delivered / half.m_sent) /
	    ((double)full.m_delivered / full.m_sent);
	printf("sent %llu / %llu, delivered: full duplex %llu, half %llu (%.3f)\n",
	       (unsigned long long)full.m_sent, (unsigned long long)half.m_sent,
	       (unsigned long long)full.m_delivered,
	       (unsigned long long)half.m_delivered, r);
	assert_true(half.m_sent > full.m_sent * 0.97 &&
		    half.m_sent < full.m_sent * 1.03);
	assert_true(r > 0.45 && r < 0.55);
	/* below what the shared wire carries, everything arrives */
	run_topo(&t, HN_SIM_ETT, 0.8, HN_SIM_UNIFORM, NULL, &half);
	assert_int_equal(half.m_lost, 0);
}

/*
 * A star of two half-duplex links, saturated: with a radio per node the
 * centre sends or receives on one of them at a time, so the star carries
 * half of what two independent half-duplex links do.
 */
static void test_radio(void **state)
{
	struct hn_sim_topo t = { .name = "star", .n_nodes = 3, .no_ctrl = 1 };
	struct hn_sim_stats links, radio;
	double r;

	add_link(&t, 0, 1, 10000, 0);
	add_link(&t, 0, 2, 10000, 0);
	t.link[0].half_duplex = t.link[1].half_duplex = 1;
	run_topo(&t, HN_SIM_ETT, 3.0, HN_SIM_UNIFORM, NULL, &links);
	t.radio = 1;
	run_topo(&t, HN_SIM_ETT, 3.0, HN_SIM_UNIFORM, NULL, &radio);
	r = (double)radio.m_delivered / links.m_delivered;
	printf("delivered: half-duplex links %llu, one radio each %llu (%.3f)\n",
	       (unsigned long long)links.m_delivered,
	       (unsigned long long)radio.m_delivered, r);
	assert_int_equal(radio.m_sent, links.m_sent);
	assert_true(r > 0.4 && r < 0.6);
}

/*
 * HELLOs, PROBEs, ACKs and LSAs take wire time: on a thin link at 70 %
 * load the same frames wait longer behind them.
 */
static void test_control_load(void **state)
{
	struct hn_sim_topo t = { .name = "thin", .n_nodes = 3, .no_ctrl = 1 };
	struct hn_sim_stats quiet, ctrl;

	add_link(&t, 0, 1, 100, 0);
	add_link(&t, 1, 2, 100, 0);
	run_topo(&t, HN_SIM_ETT, 0.7, HN_SIM_UNIFORM, NULL, &quiet);
	t.no_ctrl = 0;
	run_topo(&t, HN_SIM_ETT, 0.7, HN_SIM_UNIFORM, NULL, &ctrl);
	printf("100 kbit/s: %.0f us without control frames, %.0f us with\n",
	       quiet.mean_us, ctrl.mean_us);
	assert_int_equal(ctrl.m_sent, quiet.m_sent);
	/* HELLOs, PROBEs, ACKs: ~8 % of each way, 70 % becomes ~78 % */
	assert_true(ctrl.mean_us > 1.1 * quiet.mean_us);
}

/*
 * Costs counted from HELLOs are noisy and follow a drifting link; the
 * true ones of a fixed link never move.  Each re-advertised cost is an
 * LSA.
 */
static void test_measured_costs(void **state)
{
	struct hn_sim_stats st;

	run_spec("rgg:16,drift=0,true-costs", 0.1, HN_SIM_ETT, &st);
	assert_int_equal(st.lsas, 0);
	run_spec("rgg:16,drift=0", 0.1, HN_SIM_ETT, &st);
	printf("rgg:16 LSAs: %llu measured on fixed links",
	       (unsigned long long)st.lsas);
	assert_true(st.lsas > 0);
	run_spec("rgg:16,drift=300", 0.1, HN_SIM_ETT, &st);
	printf(", %llu on drifting ones\n", (unsigned long long)st.lsas);
	assert_true(st.lsas > 0);
}

/* Drifting links and everything else: the same run for the same seed. */
static void test_realism_determinism(void **state)
{
	struct hn_sim_stats a, b, c;

	run_spec("rgg:16,drift=300", 0.8, HN_SIM_ETT_LOAD, &a);
	run_spec("rgg:16,drift=300", 0.8, HN_SIM_ETT_LOAD, &b);
	run_spec("rgg:16,drift=0", 0.8, HN_SIM_ETT_LOAD, &c);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(a.m_sent, c.m_sent);
	assert_true(a.digest != c.digest);
	assert_true(a.drop_link != c.drop_link);
}

/* Training results do not depend on the number of threads. */
static void test_train_threads(void **state)
{
	struct hn_tr_params p1, p2;
	struct hn_tr_opts o;

	hn_tr_opts_defaults(&o);
	o.generations = 2;
	o.val_scenarios = 2;
	o.pairs = 2;
	o.scenarios = 2;
	o.duration_ms = 600;
	hn_tr_prior(&p1);
	p2 = p1;
	o.threads = 1;
	assert_int_equal(hn_tr_train(&o, &p1), 0);
	o.threads = 2;
	assert_int_equal(hn_tr_train(&o, &p2), 0);
	assert_memory_equal(&p1, &p2, sizeof(p1));
}

/*
 * Training's generations simulate the split step they are given: with
 * the agent's step the same seed trains another model than with moves
 * at once, and the same one again.
 */
static void test_train_split_step(void **state)
{
	struct hn_tr_params p0, p64, again;
	struct hn_tr_opts o;

	hn_tr_opts_defaults(&o);
	o.generations = 2;
	o.val_scenarios = 0;
	o.pairs = 2;
	o.scenarios = 2;
	o.duration_ms = 600;
	o.seed = 3;
	assert_int_equal(o.split_step, 0);
	hn_tr_prior(&p0);
	p64 = again = p0;
	assert_int_equal(hn_tr_train(&o, &p0), 0);
	o.split_step = HN_RT_SPLIT_STEP;
	assert_int_equal(hn_tr_train(&o, &p64), 0);
	assert_int_equal(hn_tr_train(&o, &again), 0);
	assert_memory_equal(&p64, &again, sizeof(p64));
	assert_memory_not_equal(&p0, &p64, sizeof(p0));
}

/* bpf/hypernet.bpf.c hn_choose(), case by case */
static void test_choose(void **state)
{
	struct hn_rt_model m;
	__u8 x[3][HN_RT_NFEAT];
	__s32 sc[3];
	__u8 why;

	memset(&m, 0, sizeof(m));
	memset(x, 0, sizeof(x));
	/* score = 2 * relu(quality): candidate 2 best, then 0, then 1 */
	m.w1[0][HN_FEAT_QUALITY] = 1;
	m.w2[0] = 2;
	x[0][HN_FEAT_QUALITY] = 50;
	x[1][HN_FEAT_QUALITY] = 10;
	x[2][HN_FEAT_QUALITY] = 60;
	assert_int_equal(hn_sim_choose(&m, INT32_MIN, 3, x, 1, 7, 7, &why, sc),
			 2);
	assert_int_equal(why, HN_DP_R_MODEL);
	assert_int_equal(sc[2], 120);
	/* margin 20 below 21: the default */
	assert_int_equal(hn_sim_choose(&m, 21, 3, x, 1, 7, 7, &why, NULL), 1);
	assert_int_equal(why, HN_DP_R_MARGIN);
	assert_int_equal(hn_sim_choose(&m, 20, 3, x, 1, 7, 7, &why, NULL), 2);
	/* winner stale: the best live */
	assert_int_equal(
		hn_sim_choose(&m, INT32_MIN, 3, x, 1, 7, 3, &why, NULL), 0);
	assert_int_equal(why, HN_DP_R_STALE);
	/* not present: out of the argmax, so 0 wins */
	assert_int_equal(
		hn_sim_choose(&m, INT32_MIN, 3, x, 1, 3, 3, &why, NULL), 0);
	assert_int_equal(why, HN_DP_R_MODEL);
	/* without a model: the default, else the lowest live */
	assert_int_equal(hn_sim_choose(NULL, 0, 3, x, 1, 7, 7, &why, NULL), 1);
	assert_int_equal(why, HN_DP_R_NO_MODEL);
	assert_int_equal(hn_sim_choose(NULL, 0, 3, x, 1, 7, 5, &why, NULL), 0);
	assert_int_equal(why, HN_DP_R_STALE);
	assert_int_equal(hn_sim_choose(NULL, 0, 3, x, 1, 7, 0, &why, NULL), -1);
	assert_int_equal(why, HN_DP_R_NO_LIVE);
}

struct agree {
	const struct hn_tr_params *p;
	unsigned long n, same;
	double regret, worst; /* float score given up by the int8 pick */
};

static void count_agree(void *ctx, const struct hn_sim_decision *d)
{
	struct agree *a = ctx;
	double best, f;

	if (d->n_cand < 2 || d->reason != HN_DP_R_MODEL)
		return;
	a->n++;
	a->same += hn_tr_float_argmax(a->p, d->n_cand, d->x, &best) ==
		   d->chosen;
	f = best - hn_tr_float_score(a->p, d->x[d->chosen]);
	a->regret += f;
	if (f > a->worst)
		a->worst = f;
}

/* The shipped model picks as its float original on simulated features. */
static void test_quant_vs_float(void **state)
{
	struct hn_tr_params p;
	struct hn_rt_model rt;
	struct hn_sim_topo t;
	struct hn_sim_cfg c;
	struct agree a = { .p = &p };
	struct hn_sim *s;
	char err[256];

	if (access("models/route-default.txt", R_OK)) {
		printf("no models/route-default.txt: the prior\n");
		hn_tr_prior(&p);
	} else {
		assert_int_equal(hn_tr_read_text("models/route-default.txt", &p,
						 err, sizeof(err)),
				 0);
	}
	assert_int_equal(hn_tr_quantize(&p, &rt, NULL, err, sizeof(err)), 0);
	assert_int_equal(hn_sim_topo_make(&t, "rgg:24", 5, err, sizeof(err)),
			 0);
	hn_sim_cfg_defaults(&c);
	c.duration_ms = 2000;
	c.load = 0.8;
	c.model = &rt;
	c.on_decision = count_agree;
	c.ctx = &a;
	s = hn_sim_new(&t, &c);
	assert_non_null(s);
	hn_sim_run(s);
	hn_sim_free(s);
	printf("%lu decisions, quantised argmax = float argmax in %lu; float score given up: mean %.4f, max %.4f\n",
	       a.n, a.same, a.regret / a.n, a.worst);
	assert_true(a.n > 200);
	/* near-ties may go either way, but only near-ties */
	assert_true(a.same >= a.n * 85 / 100);
	assert_true(a.regret / a.n < 0.01);
	assert_true(a.worst < 0.1);
}

/*
 * Splits (route.h, hn_rt_split_next()): on the lab grid at load 1.0 the
 * shipped model moves (destination, class)es between fat and thin
 * paths.  Moved at once (split step 0), a whole flow overfills the path
 * it lands on until the features show it; moved a quarter a feature
 * period (the agent's default), fewer frames are lost and the rest
 * arrive sooner.
 */
static void test_split_herd(void **state)
{
	static const __u32 steps[2] = { 0, HN_RT_SPLIT_STEP };
	struct hn_sim_stats st[2];
	struct hn_tr_params p;
	struct hn_rt_model rt;
	struct hn_sim_topo t;
	struct hn_sim_cfg c;
	struct hn_sim *s;
	char err[256];
	int i;

	if (access("models/route-default.txt", R_OK))
		skip();
	assert_int_equal(hn_tr_read_text("models/route-default.txt", &p, err,
					 sizeof(err)),
			 0);
	assert_int_equal(hn_tr_quantize(&p, &rt, NULL, err, sizeof(err)), 0);
	assert_int_equal(hn_sim_topo_make(&t, "lab", 3, err, sizeof(err)), 0);
	for (i = 0; i < 2; i++) {
		hn_sim_cfg_defaults(&c);
		c.duration_ms = 6000;
		c.warmup_ms = 1000;
		c.load = 1.0;
		c.traffic = HN_SIM_HOTSPOT;
		c.model = &rt;
		c.split_step = steps[i];
		s = hn_sim_new(&t, &c);
		assert_non_null(s);
		hn_sim_run(s);
		hn_sim_get_stats(s, &st[i]);
		hn_sim_free(s);
		printf("split step %u: %.0f us, %llu of %llu lost, moves %llu\n",
		       steps[i], st[i].mean_us,
		       (unsigned long long)st[i].m_lost,
		       (unsigned long long)st[i].m_sent,
		       (unsigned long long)st[i].m_moves);
	}
	assert_int_equal(st[0].m_sent, st[1].m_sent);
	assert_true(st[1].m_lost < st[0].m_lost);
	assert_true(st[1].mean_us < st[0].mean_us);
}

static void random_params(struct hn_tr_params *p, __u64 *r)
{
	double *x = (double *)p;
	unsigned int i;

	for (i = 0; i < HN_TR_NPARAM; i++)
		x[i] = 2 * hn_tr_unit(r) - 1;
}

/* A few seconds of training from a bad model beat random models. */
static void test_train_beats_random(void **state)
{
	struct hn_tr_scn val[8];
	struct hn_tr_params p;
	struct hn_rt_model rt;
	struct hn_tr_opts o;
	double trained, rnd_sum = 0, c0;
	__u64 r = 0xC0FFEE;
	char err[256];
	unsigned int k;

	for (k = 0; k < 8; k++)
		hn_tr_draw_scn(&r, 1200, &val[k]);
	for (k = 0; k < 3; k++) {
		random_params(&p, &r);
		assert_int_equal(
			hn_tr_quantize(&p, &rt, NULL, err, sizeof(err)), 0);
		rnd_sum += hn_tr_cost(&rt, val, 8, 2);
	}
	/* start from the prior upside down: it prefers the worst links */
	hn_tr_prior(&p);
	for (k = 0; k < HN_RT_HIDDEN; k++)
		p.w2[k] = -p.w2[k];
	assert_int_equal(hn_tr_quantize(&p, &rt, NULL, err, sizeof(err)), 0);
	c0 = hn_tr_cost(&rt, val, 8, 2);
	hn_tr_opts_defaults(&o);
	o.seed = 5;
	o.generations = 10;
	o.val_scenarios = 0;
	o.pairs = 4;
	o.scenarios = 4;
	o.duration_ms = 1200;
	o.sigma = 0.2;
	o.lr = 0.1;
	assert_int_equal(hn_tr_train(&o, &p), 0);
	assert_int_equal(hn_tr_quantize(&p, &rt, NULL, err, sizeof(err)), 0);
	trained = hn_tr_cost(&rt, val, 8, 2);
	printf("cost: random models %.3f (mean of 3), the start %.3f, trained %.3f\n",
	       rnd_sum / 3, c0, trained);
	assert_true(trained < rnd_sum / 3);
	assert_true(trained < c0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_topologies),
		cmocka_unit_test(test_conservation),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_forwarding_time),
		cmocka_unit_test(test_ett_fat_detour),
		cmocka_unit_test(test_ett_load_moves),
		cmocka_unit_test(test_downstream_load),
		cmocka_unit_test(test_util_readvertise),
		cmocka_unit_test(test_topo_options),
		cmocka_unit_test(test_half_duplex),
		cmocka_unit_test(test_radio),
		cmocka_unit_test(test_control_load),
		cmocka_unit_test(test_measured_costs),
		cmocka_unit_test(test_realism_determinism),
		cmocka_unit_test(test_train_threads),
		cmocka_unit_test(test_train_split_step),
		cmocka_unit_test(test_choose),
		cmocka_unit_test(test_quant_vs_float),
		cmocka_unit_test(test_split_herd),
		cmocka_unit_test(test_train_beats_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
