// SPDX-License-Identifier: GPL-2.0
/*
 * The score tables the data plane decides unicast frames with (hn_score,
 * include/hypernet/dataplane.h) are the model, entry for entry: for 64
 * neighbours with random features (extremes included), every route bucket
 * and every frame bucket, the live table holds hn_rt_table_score(), the
 * reference scorer on the buckets' representatives, for random models and
 * models of extreme weights, after model installs, neighbour changes and
 * removals.  And a refresh never writes the table the epoch names: the
 * slot that was live is byte for byte what it was, the epoch moves to the
 * other one.  And the XDP program reads the live slot only: garbage in
 * the other one changes no decision, a score planted in the live one
 * is what a decision sees.  Prints what a full and a neighbour's refresh
 * cost (figures for Documentation/dataplane.rst, not a pass condition).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/mman.h>
#include <linux/if_ether.h>
#include <bpf/bpf.h>
#include <cmocka.h>

#include <hypernet/route.h>
#include "helpers_dp.h"
#include "helpers_hn.h"

#define ROUTES 4096
#define SELF 10
#define DST 900

static struct hn_t_net net;
static struct hn_dp *dp;

/* A copy of the table of @slot, to compare; free() it. */
static struct hn_dp_score *slot_read(__u32 slot)
{
	return hn_t_map_slot(dp, "hn_score", slot, sizeof(struct hn_dp_score));
}
static __u8 feat[HN_DP_MAX_NEIGH][HN_NB_NFEAT];
static __u64 valid;

/* Neighbour @i with random features, a quarter of them 0 or 127. */
static void neigh_put(__u32 i)
{
	struct hn_dp_neigh nb = {};
	char err[256] = "";
	int k;

	nb.node = 100 + i;
	nb.ifindex = i & 1 ? net.out_ifindex : net.in_ifindex;
	nb.mac[0] = 0x02;
	nb.mac[5] = i;
	for (k = 0; k < HN_NB_NFEAT; k++)
		feat[i][k] = hn_t_rand() % 4 ?
				     (__u8)hn_t_range(0, HN_FEAT_MAX) :
				     (__u8)((hn_t_rand() & 1) * HN_FEAT_MAX);
	memcpy(nb.feat, feat[i], HN_NB_NFEAT);
	if (hn_dp_set_neigh(dp, i, &nb, err, sizeof(err)))
		fail_msg("neighbour %u: %s", i, err);
	valid |= 1ULL << i;
}

/* Every entry of the live table against the reference; 0 if all agree. */
static unsigned long check_live(const struct hn_rt_model *m)
{
	struct hn_dp_score *t = slot_read(HN_EPOCH_SLOT(hn_t_epoch(dp)));
	unsigned long bad = 0, n = 0;
	__u32 i, rb, f;

	assert_int_equal(t->valid, valid);
	assert_int_equal(t->has_model, m != NULL);
	for (f = 0; f < HN_RT_FRAME_BUCKETS; f++)
		for (i = 0; i < HN_DP_MAX_NEIGH; i++)
			for (rb = 0; rb < HN_RT_ROUTE_BUCKETS; rb++) {
				__s32 want = 0;

				if (!(valid & (1ULL << i)))
					continue;
				if (m)
					want = hn_rt_table_score(m, feat[i], rb,
								 f);
				n++;
				if (t->s[f][i][rb] != want && bad++ < 5)
					printf("f %u n %u rb %u: table %d model %d\n",
					       f, i, rb, t->s[f][i][rb], want);
			}
	free(t);
	if (m)
		assert_true(n >= HN_RT_FRAME_BUCKETS * HN_RT_ROUTE_BUCKETS);
	return bad;
}

/*
 * @change run on the data plane: the epoch must move to the other slot,
 * whose table then is the model's, and the slot that was live must be
 * what it was, untouched while frames may have been reading it.
 */
static void refresh_check(const struct hn_rt_model *m, void (*change)(void *),
			  void *arg)
{
	__u64 e0 = hn_t_epoch(dp), e1;
	struct hn_dp_score *before = slot_read(HN_EPOCH_SLOT(e0)), *after;

	change(arg);
	e1 = hn_t_epoch(dp);
	assert_int_equal(HN_EPOCH_SLOT(e1), HN_EPOCH_SLOT(e0) ^ 1);
	assert_true(HN_EPOCH_GEN(e1) > HN_EPOCH_GEN(e0));
	after = slot_read(HN_EPOCH_SLOT(e0));
	assert_memory_equal(before, after, sizeof(*before));
	free(before);
	free(after);
	assert_int_equal(check_live(m), 0);
}

static void install(void *arg)
{
	char err[256] = "";

	if (arg && hn_dp_install_model(dp, arg, err, sizeof(err)))
		fail_msg("install: %s", err);
	if (!arg)
		assert_int_equal(hn_dp_clear_model(dp), 0);
}

static void neigh_change(void *arg)
{
	neigh_put(*(__u32 *)arg);
}

static void neigh_gone(void *arg)
{
	__u32 i = *(__u32 *)arg;

	assert_int_equal(hn_dp_del_neigh(dp, i), 0);
	valid &= ~(1ULL << i);
}

/* Models of extreme weights: saturated units, dead units, big biases. */
static void test_table_is_model(void **state)
{
	struct hn_rt_model m;
	__u32 i, k;
	int r;

	hn_t_seed(0x7AB1E001);
	for (i = 0; i < HN_DP_MAX_NEIGH; i++)
		neigh_put(i);
	assert_int_equal(check_live(NULL), 0);
	for (r = 0; r < 6; r++) {
		if (r < 3)
			hn_t_extreme_model(&m, r);
		else
			hn_t_rand_rt(&m, r == 3 ? 4000 : 1 << 20, 14);
		refresh_check(&m, install, &m);
		/* neighbours change, leave and come back under it */
		for (k = 0; k < 3; k++) {
			i = hn_t_range(0, HN_DP_MAX_NEIGH - 1);
			refresh_check(&m, neigh_change, &i);
			refresh_check(&m, neigh_gone, &i);
			refresh_check(&m, neigh_change, &i);
		}
	}
	refresh_check(NULL, install, NULL);
	i = 5;
	refresh_check(NULL, neigh_change, &i);
}

/*
 * What a refresh costs: a model install rebuilds both neighbours' and
 * frames' dimensions of the table (64 neighbours x 16 x 128 entries), a
 * neighbour's change copies the live table and redoes its 2048 entries.
 * Neither depends on the routes, measured here with 4096 installed.
 */
static void test_refresh_cost(void **state)
{
	struct hn_dp_route rt = { .n_cand = 1 };
	const int reps = 20;
	struct hn_rt_model m;
	char err[256] = "";
	double t0, full, one;
	__u32 d, i;
	int r;

	hn_t_seed(0x7AB1E002);
	for (i = 0; i < HN_DP_MAX_NEIGH; i++)
		neigh_put(i);
	for (d = 1; d <= ROUTES; d++) {
		rt.cand[0].neigh = d % HN_DP_MAX_NEIGH;
		rt.cand[0].dist = hn_scale_hops(d % 20);
		if (hn_dp_set_route(dp, d + 1000, &rt, err, sizeof(err)))
			fail_msg("route %u: %s", d, err);
	}
	hn_t_rand_rt(&m, 1 << 20, 12);
	t0 = hn_t_now_us();
	for (r = 0; r < reps; r++)
		install(&m);
	full = (hn_t_now_us() - t0) / reps;
	t0 = hn_t_now_us();
	for (r = 0; r < reps; r++) {
		i = r % HN_DP_MAX_NEIGH;
		neigh_put(i);
	}
	one = (hn_t_now_us() - t0) / reps;
	printf("score table refresh, 64 neighbours, %d routes: full (model "
	       "install) %.0f us, one neighbour %.0f us; table %zu bytes a "
	       "slot\n",
	       ROUTES, full, one, sizeof(struct hn_dp_score));
	assert_int_equal(check_live(&m), 0);
	for (d = 1; d <= ROUTES; d++)
		assert_int_equal(hn_dp_del_route(dp, d + 1000), 0);
}

/* hn_score, mapped as the library maps it. */
static struct hn_dp_score *score_map(size_t *len)
{
	long pg = sysconf(_SC_PAGESIZE);
	void *p;

	*len = (HN_DP_SLOTS * sizeof(struct hn_dp_score) + pg - 1) &
	       ~(size_t)(pg - 1);
	p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED,
		 hn_dp_map_fd(dp, "hn_score"), 0);
	assert_true(p != MAP_FAILED);
	return p;
}

/*
 * One traced frame of @tclass, @size bytes (HyperNet header on) and
 * @ttl to DST; the trace into @tr.
 */
static void run_frame(__u8 tclass, __u16 size, __u8 ttl, struct hn_dp_trace *tr)
{
	__u8 in[2200], out[2300], smac[6] = { 0x02, 0, 0, 0, 0, 0x77 };
	size_t len, olen = sizeof(out);
	struct hnhdr h = {};
	__u32 verdict;

	h.version = HN_VERSION;
	h.type = HN_T_DATA;
	h.ttl = ttl;
	h.tclass = tclass;
	h.len = htons(size - HN_HDR_LEN);
	h.src = htonl(7);
	h.dst = htonl(DST);
	len = hn_t_frame(in, net.in_mac, smac, ETH_P_HYPERNET, &h,
			 size - HN_HDR_LEN);
	assert_int_equal(hn_t_run(hn_dp_xdp_fd(dp), net.in_ifindex, in, len,
				  out, &olen, &verdict),
			 0);
	assert_int_equal(hn_dp_get_trace(dp, tr), 0);
}

static void test_xdp_reads_live_slot(void **state)
{
	struct hn_dp_config cfg = { .node_id = SELF,
				    .margin_min = INT32_MIN,
				    .flags = HN_DP_CFG_TRACE };
	static const __u16 sizes[] = {
		60, 127, 128, 511, 512, 1023, 1024, 1500
	};
	static const __u8 ttls[] = { 2, 3, 4, 5, 8, 9, 16, 255 };
	struct hn_dp_route rt = { .n_cand = HN_DP_MAX_CAND, .def = 0 };
	struct hn_dp_score *tab;
	struct hn_dp_trace tr;
	struct hn_rt_model m;
	char err[256] = "";
	__u32 live, i, k, f;
	size_t len;

	hn_t_seed(0x7AB1E003);
	for (i = 0; i < HN_DP_MAX_CAND; i++) {
		neigh_put(i);
		rt.cand[i].neigh = i;
		rt.cand[i].dist = hn_scale_hops(hn_t_range(0, 16));
	}
	assert_int_equal(hn_dp_set_config(dp, &cfg, err, sizeof(err)), 0);
	assert_int_equal(hn_dp_set_route(dp, DST, &rt, err, sizeof(err)), 0);
	hn_t_rand_rt(&m, 1 << 20, 12);
	install(&m);
	tab = score_map(&len);
	live = HN_EPOCH_SLOT(hn_t_epoch(dp));
	/* garbage in the slot no frame reads */
	memset(&tab[live ^ 1], 0x5a, sizeof(*tab));
	for (k = 0; k < 64; k++) {
		__u8 tclass = k, ttl = ttls[k % 8];
		__u16 size = sizes[(k / 8) % 8];

		run_frame(tclass, size, ttl, &tr);
		assert_int_equal(tr.n_cand, HN_DP_MAX_CAND);
		for (i = 0; i < HN_DP_MAX_CAND; i++) {
			__u8 x[HN_RT_NFEAT];

			memcpy(x, feat[i], HN_NB_NFEAT);
			x[HN_FEAT_DIST] = rt.cand[i].dist;
			x[HN_FEAT_CLASS] = hn_scale_class(tclass);
			x[HN_FEAT_SIZE] = hn_scale_size(size);
			x[HN_FEAT_TTL] = hn_scale_ttl(ttl);
			assert_memory_equal(tr.feat[i], x, sizeof(x));
			assert_int_equal(tr.score[i], hn_rt_score(&m, x));
		}
	}
	/* a score planted in the live slot is what the decision reads */
	f = hn_frame_bucket(3, 700, 16);
	tab[live].s[f][5][hn_rt_route_bucket(rt.cand[5].dist)] = INT32_MAX;
	run_frame(3, 700, 16, &tr);
	assert_int_equal(tr.score[5], INT32_MAX);
	assert_int_equal(tr.winner, 5);
	assert_int_equal(tr.chosen, 5);
	/* and a model install writes the other slot whole, then flips */
	install(&m);
	assert_int_equal(HN_EPOCH_SLOT(hn_t_epoch(dp)), live ^ 1);
	assert_int_equal(check_live(&m), 0);
	run_frame(3, 700, 16, &tr);
	assert_int_not_equal(tr.score[5], INT32_MAX);
	munmap(tab, len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_is_model),
		cmocka_unit_test(test_refresh_cost),
		cmocka_unit_test(test_xdp_reads_live_slot),
	};

	hn_t_need_bpf();
	hn_t_netns(&net);
	dp = hn_t_dp_open(&net);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
