// SPDX-License-Identifier: GPL-2.0
/*
 * The simulator's yardstick (userspace/learn/bound.c): the max concurrent
 * flow on graphs whose answer is known by hand (a single link, with loss,
 * half duplex, two parallel paths, a diamond, a bottleneck cut), the
 * minimum-delay bound against closed forms (one link's M/G/1, two equal
 * paths split half and half), the offered matrix against what the
 * simulator sends, one link simulated against Pollaczek-Khinchine, and
 * the bound never above the simulated mean of a static routing.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bound.h"

#define N HN_SIM_MAX_NODES
#define FRAME_BITS (8.0 * 814) /* the mean frame on the wire */

static double bps[N * N];

static void topo_init(struct hn_sim_topo *t, unsigned int n)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "test");
	t->n_nodes = n;
	memset(bps, 0, sizeof(bps));
}

static void link_add(struct hn_sim_topo *t, __u16 a, __u16 b, __u32 kbps,
		     __u32 delay_us, __u16 loss_pm, __u8 half)
{
	struct hn_sim_link *l = &t->link[t->n_links++];

	l->a = a;
	l->b = b;
	l->kbps = kbps;
	l->delay_us = delay_us;
	l->loss_pm = loss_pm;
	l->half_duplex = half;
}

/* lambda* within its certificate, and the certificate within the gap */
static void check_mcf(const struct hn_sim_topo *t, double want)
{
	double lo, hi;
	char err[160];

	assert_int_equal(hn_bound_mcf(t, bps, &lo, &hi, err, sizeof(err)), 0);
	assert_true(lo <= want * (1 + 1e-9));
	assert_true(hi >= want * (1 - 1e-9));
	assert_true(hi <= lo * (1 + HN_BOUND_MCF_GAP) * (1 + 1e-9));
}

/* Transmissions of a frame at per-attempt loss p, capped at four. */
static double attempts(double p)
{
	return 1 + p + p * p + p * p * p;
}

static void test_mcf_single_link(void **state)
{
	struct hn_sim_topo t;

	(void)state;
	topo_init(&t, 2);
	link_add(&t, 0, 1, 10000, 100, 0, 0);
	bps[0 * 2 + 1] = 1e6; /* 0 -> 1 */
	check_mcf(&t, 10.0);
	bps[1 * 2 + 0] = 2e6; /* the other direction has its own capacity */
	check_mcf(&t, 5.0);
	/* half duplex: both directions share the 10 Mbit/s */
	t.link[0].half_duplex = 1;
	check_mcf(&t, 10.0 / 3);
	/* 20 % loss per attempt: each frame takes 1.248 transmissions */
	t.link[0].half_duplex = 0;
	t.link[0].loss_pm = 200;
	check_mcf(&t, 5.0 / attempts(0.2));
}

static void test_mcf_parallel_paths(void **state)
{
	struct hn_sim_topo t;

	(void)state;
	/* 0-1-3 and 0-2-3: 4 and 6 Mbit/s paths, 1 Mbit/s offered */
	topo_init(&t, 4);
	link_add(&t, 0, 1, 4000, 100, 0, 0);
	link_add(&t, 1, 3, 4000, 100, 0, 0);
	link_add(&t, 0, 2, 6000, 100, 0, 0);
	link_add(&t, 2, 3, 6000, 100, 0, 0);
	bps[0 * 4 + 3] = 1e6;
	check_mcf(&t, 10.0);
}

static void test_mcf_diamond(void **state)
{
	struct hn_sim_topo t;

	(void)state;
	/* the cut {1-3, 2-3} of 4 + 8 Mbit/s limits 0 -> 3, not 0's 20 */
	topo_init(&t, 4);
	link_add(&t, 0, 1, 10000, 100, 0, 0);
	link_add(&t, 0, 2, 10000, 100, 0, 0);
	link_add(&t, 1, 3, 4000, 100, 0, 0);
	link_add(&t, 2, 3, 8000, 100, 0, 0);
	link_add(&t, 1, 2, 10000, 100, 0, 0);
	bps[0 * 4 + 3] = 1e6;
	check_mcf(&t, 12.0);
	/* and 3 -> 0 at the same time: every direction its own capacity */
	bps[3 * 4 + 0] = 1e6;
	check_mcf(&t, 12.0);
}

/* Two fat triangles joined by a thin bridge; every pair sends alike. */
static void test_mcf_bottleneck_cut(void **state)
{
	struct hn_sim_topo t;
	unsigned int a, b;

	(void)state;
	topo_init(&t, 6);
	link_add(&t, 0, 1, 100000, 100, 0, 0);
	link_add(&t, 1, 2, 100000, 100, 0, 0);
	link_add(&t, 0, 2, 100000, 100, 0, 0);
	link_add(&t, 3, 4, 100000, 100, 0, 0);
	link_add(&t, 4, 5, 100000, 100, 0, 0);
	link_add(&t, 3, 5, 100000, 100, 0, 0);
	link_add(&t, 2, 3, 9000, 100, 0, 0);
	for (a = 0; a < 6; a++)
		for (b = 0; b < 6; b++)
			bps[a * 6 + b] = a != b ? 1e5 : 0;
	/* 9 pairs cross each way: 0.9 Mbit/s per direction of 9 */
	check_mcf(&t, 10.0);
	/* a second bridge of 9 halves the cut's load */
	link_add(&t, 1, 4, 9000, 100, 0, 0);
	check_mcf(&t, 20.0);
}

/* One M/G/1 link: service K x L x 8 / C, K attempts, L the frame mix. */
static double mg1_us(double fps, double kbps, double loss, double prop_us,
		     double fwd_us)
{
	double c = kbps * 1000, l1 = 814,
	       l2 = (200.0 * 200 + 1428.0 * 1428) / 2;
	double k1 = attempts(loss),
	       k2 = 1 + 3 * loss + 5 * loss * loss + 7 * loss * loss * loss;
	double s1 = k1 * l1 * 8 / c, s2 = k2 * l2 * 64 / (c * c);
	double rho = fps * s1;

	return (fps * s2 / (2 * (1 - rho)) + s1) * 1e6 + prop_us + fwd_us;
}

static void test_delay_single_link(void **state)
{
	struct hn_sim_topo t;
	struct hn_bound b;
	double fps = 900, want;

	(void)state;
	topo_init(&t, 2);
	link_add(&t, 0, 1, 8000, 250, 100, 0);
	bps[0 * 2 + 1] = fps * FRAME_BITS;
	assert_int_equal(hn_bound_delay(&t, bps, 20, &b), 0);
	assert_true(b.feasible);
	want = mg1_us(fps, 8000, 0.1, 250, 20);
	assert_true(fabs(b.mean_us - want) < 1e-6 * want);
	assert_true(fabs(b.iter_us - want) < 1e-6 * want);
	/* one hop, all frames fresh: the floor is the same M/G/1 */
	assert_true(fabs(b.floor_us - want) < 1e-3 * want);
	assert_true(fabs(b.offered_fps - fps) < 1e-9 * fps);
	/* M/M/1 would say more: the bound must not use it */
	assert_true(want <
		    1e6 / (8e6 / (FRAME_BITS * attempts(0.1)) - fps) + 270);
	/* shared medium, the same frames both ways: one queue of both */
	t.link[0].half_duplex = 1;
	fps = 400;
	bps[0 * 2 + 1] = bps[1 * 2 + 0] = fps * FRAME_BITS;
	assert_int_equal(hn_bound_delay(&t, bps, 20, &b), 0);
	assert_true(b.feasible);
	want = mg1_us(2 * fps, 8000, 0.1, 250, 20);
	assert_true(fabs(b.mean_us - want) < 1e-6 * want);
	/* the floor counts a direction's own frames only */
	want = mg1_us(fps, 8000, 0.1, 250, 20);
	assert_true(fabs(b.floor_us - want) < 1e-3 * want);
}

static void test_delay_two_paths(void **state)
{
	struct hn_sim_topo t;
	struct hn_bound b;
	double fps = 1500, want;

	(void)state;
	topo_init(&t, 4);
	link_add(&t, 0, 1, 6000, 100, 0, 0);
	link_add(&t, 1, 3, 6000, 100, 0, 0);
	link_add(&t, 0, 2, 6000, 100, 0, 0);
	link_add(&t, 2, 3, 6000, 100, 0, 0);
	bps[0 * 4 + 3] = fps * FRAME_BITS;
	assert_int_equal(hn_bound_delay(&t, bps, 20, &b), 0);
	/* one path alone would be over capacity (1500 x 6512 bit > 6 M) */
	assert_true(b.feasible);
	want = 2 * mg1_us(fps / 2, 6000, 0, 100, 20);
	assert_true(b.mean_us <= want * (1 + 1e-9));
	assert_true(b.mean_us >= want * (1 - 2 * HN_BOUND_FW_GAP));
	assert_true(b.iter_us >= want * (1 - 1e-9));
	assert_true(b.iter_us <= want * (1 + 2 * HN_BOUND_FW_GAP));
	assert_true(fabs(b.max_util - fps / 2 * FRAME_BITS / 6e6) < 0.01);
	assert_true(b.free_us < b.mean_us);
}

static void test_infeasible(void **state)
{
	struct hn_sim_topo t;
	struct hn_sim_cfg c;
	struct hn_bound b;
	char err[128];

	(void)state;
	assert_int_equal(hn_sim_topo_make(&t, "diamond", 1, err, sizeof(err)),
			 0);
	hn_sim_cfg_defaults(&c);
	c.load = 0.7;
	assert_int_equal(hn_bound_min_delay(&t, &c, &b), 0);
	assert_true(b.feasible && isfinite(b.mean_us));
	assert_true(fabs(b.lambda_max * 0.7 - 1) < 2 * HN_BOUND_MCF_GAP);
	assert_true(b.max_util < 1);
	c.load = 1.0;
	assert_int_equal(hn_bound_min_delay(&t, &c, &b), 0);
	assert_false(b.feasible);
	assert_true(isinf(b.mean_us));
	assert_non_null(strstr(b.reason, "load below 1"));
	c.load = 1.5;
	assert_int_equal(hn_bound_min_delay(&t, &c, &b), 0);
	assert_false(b.feasible);
	/* a node without links: no path, a clear error */
	topo_init(&t, 3);
	link_add(&t, 0, 1, 1000, 100, 0, 0);
	bps[0 * 3 + 2] = 1e5;
	assert_int_equal(hn_bound_delay(&t, bps, 20, &b), -1);
	assert_non_null(strstr(b.reason, "not connected"));
}

/*
 * Two islands: the simulator offers every pair, lambda* counts the pairs
 * it can carry (each island's link full at load 1.0), the rest are
 * dropped for want of a route.
 */
static void test_islands(void **state)
{
	struct hn_sim_topo t;
	struct hn_sim_stats st;
	struct hn_sim_cfg c;
	struct hn_sim *s;

	(void)state;
	topo_init(&t, 4);
	link_add(&t, 0, 1, 1000, 100, 0, 0);
	link_add(&t, 2, 3, 1000, 100, 0, 0);
	hn_sim_cfg_defaults(&c);
	c.load = 1.0;
	c.policy = HN_SIM_ETX;
	assert_int_equal(hn_sim_demand(&t, &c, bps), 0);
	assert_true(fabs(bps[0 * 4 + 1] / 1e6 - 1) < HN_BOUND_MCF_GAP);
	assert_true(fabs(bps[3 * 4 + 2] / 1e6 - 1) < HN_BOUND_MCF_GAP);
	assert_true(bps[0 * 4 + 2] == bps[0 * 4 + 1]);
	c.load = 0.3;
	s = hn_sim_new(&t, &c);
	assert_non_null(s);
	hn_sim_run(s);
	hn_sim_get_counters(s, &st);
	hn_sim_free(s);
	assert_true(st.drop_no_route > 0);
	assert_true(st.delivered > 0);
}

/* Run @t under @c; the measured mean delivery time and frames sent. */
static double sim_mean(const struct hn_sim_topo *t, const struct hn_sim_cfg *c,
		       double *fps)
{
	struct hn_sim *s = hn_sim_new(t, c);
	struct hn_sim_stats st;

	assert_non_null(s);
	hn_sim_run(s);
	hn_sim_get_stats(s, &st);
	hn_sim_free(s);
	assert_true(st.m_delivered > 1000);
	if (fps)
		*fps = st.m_sent * 1000.0 / (c->duration_ms - c->warmup_ms);
	return st.mean_us;
}

/* What hn_sim_demand() says is what the simulator's sources send. */
static void test_demand_is_sent(void **state)
{
	static const enum hn_sim_traffic tr[] = { HN_SIM_UNIFORM,
						  HN_SIM_HOTSPOT, HN_SIM_BURST,
						  HN_SIM_LAB };
	struct hn_sim_topo t;
	struct hn_sim_cfg c;
	double want, got;
	char err[128];
	unsigned int i, k;

	(void)state;
	assert_int_equal(hn_sim_topo_make(&t, "lab", 2, err, sizeof(err)), 0);
	for (i = 0; i < 4; i++) {
		hn_sim_cfg_defaults(&c);
		c.traffic = tr[i];
		c.policy = HN_SIM_ETX;
		c.load = 0.3;
		c.duration_ms = 20000;
		c.warmup_ms = 0;
		assert_int_equal(hn_sim_demand(&t, &c, bps), 0);
		for (want = 0, k = 0; k < t.n_nodes * t.n_nodes; k++)
			want += bps[k] / FRAME_BITS;
		sim_mean(&t, &c, &got);
		/* Poisson counts over 20 s; on/off sources vary more */
		assert_true(fabs(got - want) <
			    (tr[i] == HN_SIM_BURST ? 0.08 : 0.03) * want);
	}
}

/*
 * One link, Poisson both ways: the simulated mean is Pollaczek-Khinchine
 * (the simulator's transmission times are deterministic per frame), well
 * below M/M/1.
 */
static void test_one_link_simulated(void **state)
{
	struct hn_sim_topo t;
	struct hn_sim_cfg c;
	struct hn_bound b;
	double got;

	(void)state;
	topo_init(&t, 2);
	link_add(&t, 0, 1, 4000, 300, 0, 0);
	hn_sim_cfg_defaults(&c);
	c.policy = HN_SIM_ETX;
	c.load = 0.7;
	c.duration_ms = 100000;
	c.warmup_ms = 1000;
	c.queue_frames = 100000; /* the bound's infinite buffer */
	assert_int_equal(hn_bound_min_delay(&t, &c, &b), 0);
	got = sim_mean(&t, &c, NULL);
	print_message(
		"one link at load 0.7: simulated %.0f us, bound %.0f us\n", got,
		b.mean_us);
	assert_true(fabs(b.mean_us - got) < 0.05 * got);
	assert_true(b.mean_us <= b.iter_us);
}

/*
 * A chain of equal links, every pair sending: one routing, frames do not
 * mix, and downstream arrivals are smoother than Poisson.  The floor
 * stays under the simulated mean; the M/G/1 bound, which assumes
 * independent arrivals at every hop, is where it is not a bound of the
 * simulator (Documentation/learned-routing.rst, "The lower bound").
 */
static void test_chain(void **state)
{
	struct hn_sim_topo t;
	struct hn_sim_cfg c;
	struct hn_bound b;
	double got;
	unsigned int i;

	(void)state;
	topo_init(&t, 6);
	for (i = 0; i < 5; i++)
		link_add(&t, i, i + 1, 4000, 100, 0, 0);
	hn_sim_cfg_defaults(&c);
	c.policy = HN_SIM_ETX;
	c.load = 0.8;
	c.duration_ms = 60000;
	c.queue_frames = 100000;
	assert_int_equal(hn_bound_min_delay(&t, &c, &b), 0);
	got = sim_mean(&t, &c, NULL);
	print_message(
		"chain of 6 at load 0.8: simulated %.0f us, bound %.0f, floor %.0f, no queueing %.0f\n",
		got, b.mean_us, b.floor_us, b.free_us);
	assert_true(b.free_us < b.floor_us);
	assert_true(b.floor_us < got);
	assert_true(b.floor_us < b.mean_us);
}

/* The bound under a static routing's simulated mean, at moderate load. */
static void test_bound_below_sim(void **state)
{
	static const char *const specs[] = {
		"diamond", "dumbbell", "lab", "grid:3", "ring:8", "ladder:4"
	};
	struct hn_sim_topo t;
	struct hn_sim_cfg c;
	struct hn_bound b;
	double etx, hops;
	char err[128];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		assert_int_equal(
			hn_sim_topo_make(&t, specs[i], 5, err, sizeof(err)), 0);
		hn_sim_cfg_defaults(&c);
		c.seed = 5 + i;
		c.traffic = i % 3;
		c.load = 0.4;
		c.duration_ms = 3000;
		c.warmup_ms = 500;
		assert_int_equal(hn_bound_min_delay(&t, &c, &b), 0);
		assert_true(b.feasible);
		assert_true(b.free_us <= b.floor_us);
		assert_true(b.floor_us <= b.mean_us);
		assert_true(b.mean_us <= b.iter_us);
		c.policy = HN_SIM_ETX;
		etx = sim_mean(&t, &c, NULL);
		c.policy = HN_SIM_HOPS;
		hops = sim_mean(&t, &c, NULL);
		print_message(
			"%-9s bound %.0f us iterate %.0f etx %.0f hops %.0f\n",
			specs[i], b.mean_us, b.iter_us, etx, hops);
		assert_true(b.mean_us <= etx);
		assert_true(b.mean_us <= hops);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mcf_single_link),
		cmocka_unit_test(test_mcf_parallel_paths),
		cmocka_unit_test(test_mcf_diamond),
		cmocka_unit_test(test_mcf_bottleneck_cut),
		cmocka_unit_test(test_delay_single_link),
		cmocka_unit_test(test_delay_two_paths),
		cmocka_unit_test(test_infeasible),
		cmocka_unit_test(test_islands),
		cmocka_unit_test(test_demand_is_sent),
		cmocka_unit_test(test_one_link_simulated),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_bound_below_sim),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
