// SPDX-License-Identifier: GPL-2.0
/*
 * The decision tables (hn_decide, include/hypernet/dataplane.h) are
 * hn_choose() on the model's scores, entry for entry: for every route in
 * hn_route_tab and every frame bucket, the live slot holds the argmax of
 * the candidates whose neighbour is valid (ties: the lowest index), or
 * the default when the margin is below margin_min or there is no model,
 * computed here from hn_rt_table_score(), the reference scorer, not from
 * the score tables.  Checked for random models and models of extreme
 * weights, after model installs, neighbour changes and removals, route
 * changes, deletions and slot hand-overs, and margin changes.  Each
 * entry's split (sp) is the previous live slot's carried over to the
 * new pick and moved by the period's step (route.h, hn_rt_split_next()),
 * checked against a reference here after every refresh and through
 * split steps until no row splits.  A refresh
 * never writes the slot the epoch names.  And the XDP program takes the
 * live slot's byte, counts its fallback reason, and when the pick is not
 * live decides from the scores instead (the best live candidate).
 * Prints what refreshes cost at 64 neighbours and 4096 routes of 8
 * candidates (figures for Documentation/dataplane.rst, not a pass
 * condition).
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

#define SELF 10
#define NROUTES 600

static struct hn_t_net net;
static struct hn_dp *dp;

/* Table entry *@e with its byte (set_d()) or its split (set_sp()) @v. */
static void set_d(__u32 *e, __u8 v)
{
	*e = HN_DP_E(v, HN_DP_E_SP(*e));
}

static void set_sp(__u32 *e, __u16 v)
{
	*e = HN_DP_E(HN_DP_E_D(*e), v);
}

/* A copy of the table of @slot, to compare; free() it. */
static struct hn_dp_decide *slot_read(__u32 slot)
{
	struct hn_dp_decide_tab *all =
		hn_t_map_slot(dp, "hn_decide", 0, sizeof(*all));
	struct hn_dp_decide *t = malloc(sizeof(*t));

	assert_non_null(t);
	memcpy(t, &all->slot[slot & 1], sizeof(*t));
	free(all);
	return t;
}
static __u8 feat[HN_DP_MAX_NEIGH][HN_NB_NFEAT];
static __u64 valid;
static struct hn_rt_model model;
static int has_model;
static __s32 margin_min;
static __u32 split_on; /* hn_dp_config.split_step */
/* the step the change under refresh_check() takes (hn_dp_split_step()) */
static __u32 split_now;
static __u32 frame_seq; /* hnhdr.seq of run_frame()'s frames */
/* the routes the test installed, by destination */
static struct hn_dp_route routes[2 * HN_DP_ROUTE_TAB_SIZE];
static __u8 have_route[2 * HN_DP_ROUTE_TAB_SIZE];

/*
 * Neighbour @i with random features, a quarter of them 0 or 127, last
 * seen at @last_seen (0: now).
 */
static void neigh_put(__u32 i, __u64 last_seen)
{
	struct hn_dp_neigh nb = {};
	char err[256] = "";
	int k;

	nb.node = 100 + i;
	nb.ifindex = i & 1 ? net.out_ifindex : net.in_ifindex;
	nb.mac[0] = 0x02;
	nb.mac[5] = i;
	nb.last_seen_ns = last_seen ? last_seen : hn_dp_now_ns();
	for (k = 0; k < HN_NB_NFEAT; k++)
		feat[i][k] = hn_t_rand() % 4 ?
				     (__u8)hn_t_range(0, HN_FEAT_MAX) :
				     (__u8)((hn_t_rand() & 1) * HN_FEAT_MAX);
	memcpy(nb.feat, feat[i], HN_NB_NFEAT);
	if (hn_dp_set_neigh(dp, i, &nb, err, sizeof(err)))
		fail_msg("neighbour %u: %s", i, err);
	valid |= 1ULL << i;
}

/* Neighbour @i as it is, last seen at @ts. */
static void neigh_stamp(__u32 i, __u64 ts)
{
	struct hn_dp_neigh nb;
	char err[256] = "";

	assert_int_equal(hn_dp_get_neigh(dp, i, &nb), 0);
	nb.last_seen_ns = ts;
	if (hn_dp_set_neigh(dp, i, &nb, err, sizeof(err)))
		fail_msg("neighbour %u: %s", i, err);
}

/* A route of 1..8 random candidates, distances to 15 hops. */
static void route_rand(struct hn_dp_route *rt)
{
	__u32 i;

	memset(rt, 0, sizeof(*rt));
	rt->n_cand = hn_t_range(1, HN_DP_MAX_CAND);
	rt->def = hn_t_range(0, rt->n_cand - 1);
	for (i = 0; i < rt->n_cand; i++) {
		rt->cand[i].neigh = hn_t_range(0, HN_DP_MAX_NEIGH - 1);
		rt->cand[i].dist = hn_scale_hops(hn_t_range(0, 16));
	}
}

static void route_put(__u32 dst)
{
	char err[256] = "";

	route_rand(&routes[dst]);
	if (hn_dp_set_route(dp, dst, &routes[dst], err, sizeof(err)))
		fail_msg("route %u: %s", dst, err);
	have_route[dst] = 1;
}

static void route_del(__u32 dst)
{
	assert_int_equal(hn_dp_del_route(dp, dst), 0);
	have_route[dst] = 0;
}

static void routes_clear(void)
{
	__u32 d;

	for (d = 0; d < 2 * HN_DP_ROUTE_TAB_SIZE; d++)
		if (have_route[d])
			route_del(d);
}

/*
 * What hn_choose() picks before liveness, from the reference scores
 * @sc[f][neighbour][route bucket], in the table's encoding: the chosen
 * candidate's neighbour, the reason in the top bits.
 */
static __u8 want_one(const struct hn_dp_route *rt, __u32 f,
		     __s32 (*sc)[HN_DP_MAX_NEIGH][HN_RT_ROUTE_BUCKETS])
{
	__s32 s[HN_DP_MAX_CAND], best = 0, second = 0;
	int b = -1, i, n2 = 0;

	if (!has_model)
		return rt->cand[rt->def].neigh | HN_DP_DEC_NO_MODEL;
	for (i = 0; i < rt->n_cand; i++) {
		__u32 nb = rt->cand[i].neigh;

		if (!(valid & (1ULL << nb)))
			continue;
		s[i] = sc[f][nb][hn_rt_route_bucket(rt->cand[i].dist)];
		if (b < 0 || s[i] > best) {
			if (b >= 0) {
				second = best;
				n2 = 1;
			}
			best = s[i];
			b = i;
		} else if (!n2 || s[i] > second) {
			second = s[i];
			n2 = 1;
		}
	}
	if (b < 0)
		return HN_DP_DEC_NONE;
	/* best - second as the program computes it, in 32 bits */
	if (n2 && (__s32)((__u32)best - (__u32)second) < margin_min)
		return rt->cand[rt->def].neigh | HN_DP_DEC_MARGIN;
	return rt->cand[b].neigh;
}

/*
 * The split the reference expects for row @k (route @rt to @dst) and
 * frame bucket @f whose byte is now @d, from the previous live slot
 * @prev (NULL: not checked), after a step of split_now.
 */
static __u16 want_sp(const struct hn_dp_decide *prev, __u32 k, __u32 dst,
		     const struct hn_dp_route *rt, __u32 f, __u8 d)
{
	__u32 p = HN_RT_SPLIT_NONE, pa = HN_RT_SPLIT_NONE, ps = 0, alt, sh;
	__u64 nbs = 0;
	int i;

	if (!split_on || (d & ~HN_DP_DEC_NEIGH))
		return 0;
	if (prev->dst[k] == dst && HN_DP_E_D(prev->e[k][f]) != HN_DP_DEC_NONE) {
		p = HN_DP_E_D(prev->e[k][f]) & HN_DP_DEC_NEIGH;
		pa = HN_DP_E_SP(prev->e[k][f]) & HN_DP_SP_NEIGH;
		ps = HN_DP_E_SP(prev->e[k][f]) >> HN_DP_SP_SHARE_SHIFT;
	}
	sh = hn_rt_split_step(hn_rt_split_next(p, pa, ps, d, &alt), split_now);
	for (i = 0; i < rt->n_cand; i++)
		nbs |= 1ULL << rt->cand[i].neigh;
	if (!sh || alt == HN_RT_SPLIT_NONE || alt == d ||
	    !(nbs & valid & (1ULL << alt)))
		return 0;
	return HN_DP_SP(alt, sh);
}

/*
 * Every row of the live slot whose route is in hn_route_tab against the
 * reference, tagged with its destination, and every other row tagged
 * with none (frames read no route: an old tag would forward by a route
 * that is gone), its splits against want_sp() from @prev (the live slot
 * before the change; NULL: only rows without a route checked, to split
 * nothing); the config the slot carries; the number that differ.
 */
static unsigned long check_live_from(const struct hn_dp_decide *prev)
{
	static __s32 sc[HN_RT_FRAME_BUCKETS][HN_DP_MAX_NEIGH]
		       [HN_RT_ROUTE_BUCKETS];
	struct hn_dp_decide *t = slot_read(HN_EPOCH_SLOT(hn_t_epoch(dp)));
	int tab = hn_dp_map_fd(dp, "hn_route_tab");
	int nfd = hn_dp_map_fd(dp, "hn_neigh");
	unsigned long bad = 0, rows = 0;
	struct hn_dp_config cfg;
	__u32 f, n, rb, k;

	for (f = 0; f < HN_RT_FRAME_BUCKETS; f++)
		for (n = 0; n < HN_DP_MAX_NEIGH; n++)
			for (rb = 0; rb < HN_RT_ROUTE_BUCKETS; rb++)
				sc[f][n][rb] =
					has_model ? hn_rt_table_score(&model,
								      feat[n],
								      rb, f) :
						    0;
	for (k = 0; k < HN_DP_ROUTE_TAB_SIZE; k++) {
		struct hn_dp_route_ent re;

		assert_int_equal(bpf_map_lookup_elem(tab, &k, &re), 0);
		if (t->dst[k] != re.dst && bad++ < 5)
			printf("slot %u: row of %u, route of %u\n", k,
			       t->dst[k], re.dst);
		for (f = 0; !re.dst && f < HN_RT_FRAME_BUCKETS; f++)
			if (HN_DP_E_SP(t->e[k][f]) && bad++ < 5)
				printf("slot %u: split %#x without a route\n",
				       k, HN_DP_E_SP(t->e[k][f]));
		if (!re.dst)
			continue;
		assert_true(re.dst < 2 * HN_DP_ROUTE_TAB_SIZE);
		assert_true(have_route[re.dst]);
		assert_memory_equal(&re.rt, &routes[re.dst], sizeof(re.rt));
		rows++;
		for (f = 0; f < HN_RT_FRAME_BUCKETS; f++) {
			__u8 want = want_one(&re.rt, f, sc);

			if (HN_DP_E_D(t->e[k][f]) != want && bad++ < 5)
				printf("dst %u slot %u f %u: table %#x want %#x\n",
				       re.dst, k, f, HN_DP_E_D(t->e[k][f]),
				       want);
			if (prev &&
			    HN_DP_E_SP(t->e[k][f]) !=
				    want_sp(prev, k, re.dst, &re.rt, f, want) &&
			    bad++ < 5)
				printf("dst %u slot %u f %u: split %#x want %#x\n",
				       re.dst, k, f, HN_DP_E_SP(t->e[k][f]),
				       want_sp(prev, k, re.dst, &re.rt, f,
					       want));
		}
	}
	for (n = 0; n < HN_DP_MAX_NEIGH; n++) {
		struct hn_dp_neigh nb;

		/* last seen too: the fast path's liveness */
		assert_int_equal(bpf_map_lookup_elem(nfd, &n, &nb), 0);
		assert_memory_equal(&nb, &t->nb[n], sizeof(nb));
	}
	assert_int_equal(hn_dp_get_config(dp, &cfg), 0);
	assert_int_equal(t->node_id, cfg.node_id);
	assert_int_equal(t->flags, cfg.flags);
	assert_int_equal(t->stale_ns, cfg.stale_ns);
	free(t);
	assert_true(rows > 0);
	return bad;
}

static unsigned long check_live(void)
{
	return check_live_from(NULL);
}

/* The table's copy of the epoch, what its frames read, is @e. */
static void epoch_copy_check(__u64 e)
{
	struct hn_dp_decide_tab *all =
		hn_t_map_slot(dp, "hn_decide", 0, sizeof(*all));

	assert_int_equal(all->epoch, e);
	/* frames tick the clock while either slot checks liveness */
	assert_int_equal(!!all->tick,
			 all->slot[0].stale_ns || all->slot[1].stale_ns);
	free(all);
}

/*
 * Slot @t's copies of the neighbours were last seen when hn_neigh's were
 * (the library stamps both slots as it writes hn_neigh); then, to compare
 * the rest, as in @was.
 */
static void stamps_check(struct hn_dp_decide *t, const struct hn_dp_decide *was)
{
	int nfd = hn_dp_map_fd(dp, "hn_neigh");
	struct hn_dp_neigh nb;
	__u32 n;

	for (n = 0; n < HN_DP_MAX_NEIGH; n++) {
		assert_int_equal(bpf_map_lookup_elem(nfd, &n, &nb), 0);
		assert_true(t->nb[n].last_seen_ns == nb.last_seen_ns);
		t->nb[n].last_seen_ns = was->nb[n].last_seen_ns;
	}
}

/*
 * @change run on the data plane: the slot the epoch named must be what
 * it was, byte for byte but for the neighbours' stamps, which move in
 * place (frames may have been reading it); if @flips,
 * the epoch must have moved to the other slot; and the live slot must
 * then be the reference's.
 */
static void refresh_check(void (*change)(void *), void *arg, int flips)
{
	__u64 e0 = hn_t_epoch(dp), e1;
	struct hn_dp_decide *before = slot_read(HN_EPOCH_SLOT(e0)), *after;

	change(arg);
	e1 = hn_t_epoch(dp);
	epoch_copy_check(e1);
	if (flips)
		assert_int_equal(HN_EPOCH_SLOT(e1), HN_EPOCH_SLOT(e0) ^ 1);
	assert_true(HN_EPOCH_GEN(e1) > HN_EPOCH_GEN(e0));
	after = slot_read(HN_EPOCH_SLOT(e0));
	stamps_check(after, before);
	assert_memory_equal(before, after, sizeof(*before));
	free(after);
	assert_int_equal(check_live_from(before), 0);
	free(before);
}

static void install(void *arg)
{
	char err[256] = "";

	has_model = arg != NULL;
	if (arg) {
		model = *(struct hn_rt_model *)arg;
		if (hn_dp_install_model(dp, arg, err, sizeof(err)))
			fail_msg("install: %s", err);
	} else {
		assert_int_equal(hn_dp_clear_model(dp), 0);
	}
}

static void set_margin(void *arg)
{
	struct hn_dp_config cfg = { .node_id = SELF,
				    .flags = HN_DP_CFG_NO_CACHE };
	char err[256] = "";

	margin_min = *(__s32 *)arg;
	cfg.margin_min = margin_min;
	cfg.split_step = split_on;
	if (hn_dp_set_config(dp, &cfg, err, sizeof(err)))
		fail_msg("config: %s", err);
}

/* A config change that keeps the margin: the table's copy flips. */
static void set_stale(void *arg)
{
	struct hn_dp_config cfg;
	char err[256] = "";

	assert_int_equal(hn_dp_get_config(dp, &cfg), 0);
	cfg.stale_ns = *(__u64 *)arg;
	cfg.flags ^= HN_DP_CFG_TRACE;
	if (hn_dp_set_config(dp, &cfg, err, sizeof(err)))
		fail_msg("config: %s", err);
}

static void neigh_change(void *arg)
{
	neigh_put(*(__u32 *)arg, 0);
}

static void neigh_gone(void *arg)
{
	__u32 i = *(__u32 *)arg;

	assert_int_equal(hn_dp_del_neigh(dp, i), 0);
	valid &= ~(1ULL << i);
}

static void route_change(void *arg)
{
	route_put(*(__u32 *)arg);
}

static void route_gone(void *arg)
{
	route_del(*(__u32 *)arg);
}

/* Models of extreme weights: saturated units, dead units, big biases. */
/* One round of changes under the current model and margin. */
static void changes(void)
{
	__u32 i, d, c;
	int k;

	for (k = 0; k < 2; k++) {
		i = hn_t_range(0, HN_DP_MAX_NEIGH - 1);
		refresh_check(neigh_change, &i, 1);
		refresh_check(neigh_gone, &i, 1);
		refresh_check(neigh_change, &i, 1);
		d = hn_t_range(1, NROUTES);
		refresh_check(route_change, &d, 0);
		/* a destination sharing d's slot: hash only, or handed it */
		c = HN_DP_ROUTE_TAB_SIZE | (d ^ 1);
		assert_int_equal(hn_dp_route_slot(c), hn_dp_route_slot(d));
		refresh_check(route_change, &c, 0);
		refresh_check(route_gone, &d, 0);
		refresh_check(route_gone, &c, 0);
		refresh_check(route_change, &d, 0);
	}
}

/* Entries of the live slot that split. */
static unsigned long live_splits(void)
{
	struct hn_dp_decide *t = slot_read(HN_EPOCH_SLOT(hn_t_epoch(dp)));
	unsigned long n = 0;
	__u32 k, f;

	for (k = 0; k < HN_DP_ROUTE_TAB_SIZE; k++)
		for (f = 0; f < HN_RT_FRAME_BUCKETS; f++)
			n += !!HN_DP_E_SP(t->e[k][f]);
	free(t);
	return n;
}

static void split_step(void *arg)
{
	assert_int_equal(hn_dp_split_step(dp), 0);
}

/*
 * Split steps until no entry splits: each a flip whose shares are the
 * reference's, at most HN_RT_SPLIT_ONE / split_on of them; then a step
 * changes nothing.  Returns the entries that split at first.
 */
static unsigned long split_steps(void)
{
	unsigned long n0 = live_splits(), n = n0;
	__u64 e;
	int i;

	for (i = 0; n; i++) {
		assert_true(i < (int)(HN_RT_SPLIT_ONE / split_on));
		split_now = split_on;
		refresh_check(split_step, NULL, 1);
		split_now = 0;
		n = live_splits();
	}
	e = hn_t_epoch(dp);
	assert_int_equal(hn_dp_split_step(dp), 0);
	assert_int_equal(hn_t_epoch(dp), e);
	return n0;
}

static void test_table_is_choose(void **state)
{
	static const __s32 margins[] = { INT32_MIN, 0, 3000, 1 << 20 };
	static __u64 stales[] = { 1000000000ULL, 0 };
	struct hn_rt_model m;
	unsigned long splits = 0;
	__u32 i, d;
	int r;

	hn_t_seed(0x7AB1E101);
	for (i = 0; i < HN_DP_MAX_NEIGH; i++)
		neigh_put(i, 0);
	for (d = 1; d <= NROUTES; d++)
		route_put(d);
	/* some destinations share a slot with one above: hash only */
	for (d = 1; d <= NROUTES; d += 37)
		route_put(HN_DP_ROUTE_TAB_SIZE | (d ^ 1));
	assert_int_equal(check_live(), 0);
	for (r = 0; r < 7; r++) {
		if (r < 3)
			hn_t_extreme_model(&m, r);
		else
			hn_t_rand_rt(&m, r == 3 ? 4000 : 1 << 20, 14);
		refresh_check(install, &m, 1);
		/* splits on in every other round: carried, then stepped */
		split_on = r & 1 ? 0 : HN_RT_SPLIT_STEP;
		refresh_check(set_margin, (void *)&margins[r % 4], 1);
		refresh_check(set_stale, &stales[r % 2], 1);
		changes();
		if (split_on)
			splits += split_steps();
		else
			assert_int_equal(live_splits(), 0);
	}
	/* the picks moved, so traffic was split */
	assert_true(splits > 0);
	split_on = 0;
	refresh_check(install, NULL, 1);
	changes();
	routes_clear();
}

/*
 * What refreshes cost with every hn_route_tab slot holding a route of 8
 * candidates: a model install (scores and decisions in full), a margin
 * change (decisions in full), a neighbour's change (its scores, the rows
 * of the routes through it) and a route's.
 */
static void test_refresh_cost(void **state)
{
	const int reps = 10;
	double t0, full, margin, nb, rt, step;
	unsigned long n_split;
	struct hn_rt_model m;
	__u32 d, i, dsts = 0;
	__s32 mm;
	int r;

	hn_t_seed(0x7AB1E102);
	for (i = 0; i < HN_DP_MAX_NEIGH; i++)
		neigh_put(i, 0);
	/* dsts 1..4095 and 4097 fill slots 1..4095 and 0 */
	for (d = 1; d <= HN_DP_ROUTE_TAB_SIZE + 1; d++) {
		if (d == HN_DP_ROUTE_TAB_SIZE)
			continue;
		route_put(d);
		routes[d].n_cand = HN_DP_MAX_CAND;
		for (i = 0; i < HN_DP_MAX_CAND; i++)
			routes[d].cand[i].neigh = hn_t_range(0, 63);
		route_put(d);
		dsts++;
	}
	hn_t_rand_rt(&m, 1 << 20, 12);
	t0 = hn_t_now_us();
	for (r = 0; r < reps; r++)
		install(&m);
	full = (hn_t_now_us() - t0) / reps;
	t0 = hn_t_now_us();
	for (r = 0; r < reps; r++) {
		mm = r & 1 ? 0 : 100;
		set_margin(&mm);
	}
	margin = (hn_t_now_us() - t0) / reps;
	t0 = hn_t_now_us();
	for (r = 0; r < reps; r++)
		neigh_put(r % HN_DP_MAX_NEIGH, 0);
	nb = (hn_t_now_us() - t0) / reps;
	t0 = hn_t_now_us();
	for (r = 0; r < reps; r++)
		route_put(hn_t_range(1, HN_DP_ROUTE_TAB_SIZE - 1));
	rt = (hn_t_now_us() - t0) / reps;
	/*
	 * Every pick that is not the default split (the default's margin
	 * fallback before, the model's pick after), then stepped.
	 */
	split_on = HN_RT_SPLIT_STEP;
	mm = 1 << 30;
	set_margin(&mm);
	mm = INT32_MIN;
	set_margin(&mm);
	n_split = live_splits();
	t0 = hn_t_now_us();
	for (r = 0; r < 4; r++)
		assert_int_equal(hn_dp_split_step(dp), 0);
	step = (hn_t_now_us() - t0) / 4;
	printf("decision table refresh, 64 neighbours, %u routes of 8 "
	       "candidates: model install (scores and decisions) %.0f us, "
	       "margin %.0f us, one neighbour %.0f us, one route %.0f us, "
	       "split step (%lu entries split) %.0f us; "
	       "table %zu bytes a slot\n",
	       dsts, full, margin, nb, rt, n_split, step,
	       sizeof(struct hn_dp_decide));
	assert_true(n_split > 0);
	split_on = 0;
	set_margin(&mm);
	assert_int_equal(check_live(), 0);
	routes_clear();
}

/* hn_decide, mapped as the library maps it. */
static struct hn_dp_decide_tab *decide_map(size_t *len)
{
	long pg = sysconf(_SC_PAGESIZE);
	void *p;

	*len = (sizeof(struct hn_dp_decide_tab) + pg - 1) & ~(size_t)(pg - 1);
	p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED,
		 hn_dp_map_fd(dp, "hn_decide"), 0);
	assert_true(p != MAP_FAILED);
	return p;
}

/* One frame of @tclass to @dst: the neighbour it went to (MAC byte 5). */
static int run_frame(__u32 dst, __u8 tclass, __u32 *verdict)
{
	__u8 in[256], out[512], smac[6] = { 0x02, 0, 0, 0, 0, 0x77 };
	size_t len, olen = sizeof(out);
	struct hnhdr h = {};

	h.version = HN_VERSION;
	h.type = HN_T_DATA;
	h.ttl = 16;
	h.tclass = tclass;
	h.len = htons(100);
	h.src = htonl(7);
	h.dst = htonl(dst);
	h.seq = htonl(frame_seq);
	len = hn_t_frame(in, net.in_mac, smac, ETH_P_HYPERNET, &h, 100);
	assert_int_equal(hn_t_run(hn_dp_xdp_fd(dp), net.in_ifindex, in, len,
				  out, &olen, verdict),
			 0);
	if (out[0] != 0x02) {
		struct hn_dp_stats st;

		hn_dp_get_stats(dp, &st);
		fail_msg("frame to %u not forwarded: %s, drop_no_route %llu "
			 "drop_no_live %llu",
			 dst, hn_t_verdict(*verdict),
			 (unsigned long long)st.drop_no_route,
			 (unsigned long long)st.drop_no_live);
	}
	return out[5];
}

/* One frame of @tclass to @dst, its verdict whatever it is. */
static __u32 run_frame_verdict(__u32 dst, __u8 tclass)
{
	__u8 in[256], out[512], smac[6] = { 0x02, 0, 0, 0, 0, 0x77 };
	size_t len, olen = sizeof(out);
	struct hnhdr h = {};
	__u32 verdict;

	h.version = HN_VERSION;
	h.type = HN_T_DATA;
	h.ttl = 16;
	h.tclass = tclass;
	h.len = htons(100);
	h.src = htonl(7);
	h.dst = htonl(dst);
	len = hn_t_frame(in, net.in_mac, smac, ETH_P_HYPERNET, &h, 100);
	assert_int_equal(hn_t_run(hn_dp_xdp_fd(dp), net.in_ifindex, in, len,
				  out, &olen, &verdict),
			 0);
	return verdict;
}

/*
 * Neighbour @n, the pick for frames to @dst with @live the live slot,
 * with a new MAC and the same features: a flip, frames go to the new
 * MAC (the table's copy of the neighbour is what they are sent by);
 * then back.
 */
static void mac_flip_check(__u32 dst, __u32 n, __u32 live)
{
	struct hn_dp_neigh nb;
	char err[256] = "";
	__u32 v;

	assert_int_equal(hn_dp_get_neigh(dp, n, &nb), 0);
	nb.mac[5] = 0x40 | n;
	assert_int_equal(hn_dp_set_neigh(dp, n, &nb, err, sizeof(err)), 0);
	assert_int_equal(HN_EPOCH_SLOT(hn_t_epoch(dp)), live ^ 1);
	assert_int_equal(run_frame(dst, 3, &v), 0x40 | n);
	nb.mac[5] = n;
	assert_int_equal(hn_dp_set_neigh(dp, n, &nb, err, sizeof(err)), 0);
	assert_int_equal(HN_EPOCH_SLOT(hn_t_epoch(dp)), live);
}

static void test_xdp_reads_table(void **state)
{
	struct hn_dp_route rt = { .n_cand = HN_DP_MAX_CAND, .def = 0 };
	struct hn_dp_config cfg = { .node_id = SELF,
				    .margin_min = INT32_MIN,
				    .stale_ns = 1000000000ULL,
				    .flags = HN_DP_CFG_NO_CACHE };
	const __u32 dst = 900, k = hn_dp_route_slot(dst);
	struct hn_dp_stats st0, st1;
	struct hn_dp_decide_tab *all;
	struct hn_dp_decide *tab;
	struct hn_rt_model m;
	char err[256] = "";
	__u32 live, i, f, v, want, w;
	__s32 best = INT32_MIN;
	size_t len;

	hn_t_seed(0x7AB1E103);
	for (i = 0; i < HN_DP_MAX_CAND; i++) {
		neigh_put(i, 0);
		rt.cand[i].neigh = i;
		rt.cand[i].dist = hn_scale_hops(hn_t_range(0, 16));
	}
	assert_int_equal(hn_dp_set_config(dp, &cfg, err, sizeof(err)), 0);
	assert_int_equal(hn_dp_set_route(dp, dst, &rt, err, sizeof(err)), 0);
	routes[dst] = rt;
	have_route[dst] = 1;
	hn_t_rand_rt(&m, 1 << 20, 12);
	install(&m);
	all = decide_map(&len);
	tab = all->slot;
	live = HN_EPOCH_SLOT(hn_t_epoch(dp));
	f = hn_frame_bucket(3, HN_HDR_LEN + 100, 16);
	/* the model's pick, as the table has it */
	want = HN_DP_E_D(tab[live].e[k][f]);
	assert_true(want < HN_DP_MAX_CAND);
	w = want;
	assert_int_equal(run_frame(dst, 3, &v), want);
	/* garbage in the slot no frame reads changes nothing */
	memset(&tab[live ^ 1], 0x5a, sizeof(*tab));
	assert_int_equal(run_frame(dst, 3, &v), want);
	/* a byte planted in the live slot is the decision, counted */
	set_d(&tab[live].e[k][f], (want + 1) % HN_DP_MAX_CAND);
	assert_int_equal(hn_dp_get_stats(dp, &st0), 0);
	assert_int_equal(run_frame(dst, 3, &v), (want + 1) % HN_DP_MAX_CAND);
	set_d(&tab[live].e[k][f], 6 | HN_DP_DEC_MARGIN);
	assert_int_equal(run_frame(dst, 3, &v), 6);
	assert_int_equal(hn_dp_get_stats(dp, &st1), 0);
	assert_int_equal(st1.decisions - st0.decisions, 2);
	assert_int_equal(st1.fb_margin - st0.fb_margin, 1);
	mac_flip_check(dst, want, live);
	/* a row tagged with another destination is not this route's */
	set_d(&tab[live].e[k][f], (want + 1) % HN_DP_MAX_CAND);
	tab[live].dst[k] = dst + 1;
	assert_int_equal(run_frame(dst, 3, &v), want);
	tab[live].dst[k] = dst;
	/* no decision in the table: the scores decide, the model's pick */
	set_d(&tab[live].e[k][f], HN_DP_DEC_NONE);
	assert_int_equal(run_frame(dst, 3, &v), want);
	/*
	 * The model's pick gone stale (same features: the tables stay): the
	 * table names it, the scores decide instead, the best live one.
	 */
	set_d(&tab[live].e[k][f], w);
	neigh_stamp(w, 1);
	assert_int_equal(HN_EPOCH_SLOT(hn_t_epoch(dp)), live);
	for (i = 0; i < HN_DP_MAX_CAND; i++) {
		__s32 s = hn_rt_table_score(
			&m, feat[i], hn_rt_route_bucket(rt.cand[i].dist), f);

		if (i != w && s > best) {
			best = s;
			want = i;
		}
	}
	assert_int_equal(hn_dp_get_stats(dp, &st0), 0);
	assert_int_equal(run_frame(dst, 3, &v), want);
	assert_int_equal(hn_dp_get_stats(dp, &st1), 0);
	assert_int_equal(st1.fb_stale - st0.fb_stale, 1);
	assert_int_equal(st1.decisions - st0.decisions, 1);
	/* a model install writes the other slot whole, then flips */
	install(&m);
	assert_int_equal(HN_EPOCH_SLOT(hn_t_epoch(dp)), live ^ 1);
	assert_int_equal(check_live(), 0);
	/* a route removed leaves the table: its frames are not forwarded */
	route_del(dst);
	assert_int_equal(hn_dp_get_stats(dp, &st0), 0);
	assert_int_equal(run_frame_verdict(dst, 3), XDP_DROP);
	assert_int_equal(hn_dp_get_stats(dp, &st1), 0);
	assert_int_equal(st1.drop_no_route - st0.drop_no_route, 1);
	munmap(all, len);
}

/*
 * A split entry (sp): a frame goes to the alternative iff the hash of
 * its source and seq is below the share, else to the pick, so that the
 * share holds within two frames over 256 consecutive seqs; at the whole
 * share every frame goes there; an alternative that is not live leaves
 * the frame to the scores (the pick).
 */
static void test_xdp_split(void **state)
{
	struct hn_dp_route rt = { .n_cand = 2, .def = 0 };
	struct hn_dp_config cfg = { .node_id = SELF,
				    .margin_min = INT32_MIN,
				    .stale_ns = 1000000000ULL,
				    .flags = HN_DP_CFG_NO_CACHE,
				    .split_step = HN_RT_SPLIT_STEP };
	const __u32 dst = 901, k = hn_dp_route_slot(dst), share = 100;
	struct hn_dp_decide_tab *all;
	struct hn_dp_decide *tab;
	struct hn_rt_model m;
	__u32 live, i, f, v, want, alt, n_alt = 0;
	char err[256] = "";
	size_t len;

	hn_t_seed(0x7AB1E105);
	for (i = 0; i < 2; i++) {
		neigh_put(i, 0);
		rt.cand[i].neigh = i;
		rt.cand[i].dist = hn_scale_hops(2);
	}
	assert_int_equal(hn_dp_set_config(dp, &cfg, err, sizeof(err)), 0);
	assert_int_equal(hn_dp_set_route(dp, dst, &rt, err, sizeof(err)), 0);
	routes[dst] = rt;
	have_route[dst] = 1;
	hn_t_rand_rt(&m, 1 << 20, 12);
	install(&m);
	all = decide_map(&len);
	tab = all->slot;
	live = HN_EPOCH_SLOT(hn_t_epoch(dp));
	f = hn_frame_bucket(3, HN_HDR_LEN + 100, 16);
	want = HN_DP_E_D(tab[live].e[k][f]);
	assert_true(want < 2);
	alt = want ^ 1;
	set_sp(&tab[live].e[k][f], HN_DP_SP(alt, share));
	for (frame_seq = 5000; frame_seq < 5256; frame_seq++) {
		__u32 got = run_frame(dst, 3, &v);

		assert_int_equal(got, hn_rt_split_hash(7, frame_seq) < share ?
					      alt :
					      want);
		n_alt += got == alt;
	}
	assert_in_range(n_alt, share - 2, share + 2);
	set_sp(&tab[live].e[k][f], HN_DP_SP(alt, HN_RT_SPLIT_ONE));
	for (frame_seq = 0; frame_seq < 32; frame_seq++)
		assert_int_equal(run_frame(dst, 3, &v), alt);
	/* the alternative stale (same features): the scores, the pick */
	neigh_stamp(alt, 1);
	assert_int_equal(HN_EPOCH_SLOT(hn_t_epoch(dp)), live);
	for (frame_seq = 0; frame_seq < 32; frame_seq++)
		assert_int_equal(run_frame(dst, 3, &v), want);
	frame_seq = 0;
	route_del(dst);
	munmap(all, len);
}

/*
 * A frame of @tclass, @plen bytes of payload and TTL @ttl to @dst: the
 * neighbour it went to (MAC byte 5), or -1 if it was not forwarded.
 */
static int frame_to(__u32 dst, __u8 tclass, __u16 plen, __u8 ttl)
{
	static __u8 in[2048], out[2048];
	__u8 smac[6] = { 0x02, 0, 0, 0, 0, 0x77 };
	size_t len, olen = sizeof(out);
	struct hnhdr h = {};
	__u32 verdict;

	h.version = HN_VERSION;
	h.type = HN_T_DATA;
	h.ttl = ttl;
	h.tclass = tclass;
	h.len = htons(plen);
	h.src = htonl(7);
	h.dst = htonl(dst);
	len = hn_t_frame(in, net.in_mac, smac, ETH_P_HYPERNET, &h, plen);
	assert_int_equal(hn_t_run(hn_dp_xdp_fd(dp), net.in_ifindex, in, len,
				  out, &olen, &verdict),
			 0);
	return verdict == XDP_REDIRECT || verdict == XDP_TX ? out[5] : -1;
}

/*
 * The program's frame bucket is hn_frame_bucket()'s at every size and
 * TTL threshold and for every class: the live row's bytes planted to
 * name a neighbour by one part of the bucket at a time.
 */
static void test_xdp_frame_bucket(void **state)
{
	static const __u16 lens[] = { 0,   1,	 107,  108,  109,  491, 492,
				      493, 1003, 1004, 1005, 1480, 1800 };
	static const __u8 ttls[] = { 2, 3, 4, 5, 8, 9, 16, 255 };
	struct hn_dp_route rt = { .n_cand = HN_DP_MAX_CAND, .def = 0 };
	const __u32 dst = 901, k = hn_dp_route_slot(dst);
	struct hn_dp_decide_tab *tab;
	__u32 live, i, f, part, c, l, t;
	char err[256] = "";
	size_t len;

	hn_t_seed(0x7AB1E104);
	for (i = 0; i < HN_DP_MAX_CAND; i++) {
		neigh_put(i, 0);
		rt.cand[i].neigh = i;
	}
	assert_int_equal(hn_dp_set_route(dp, dst, &rt, err, sizeof(err)), 0);
	routes[dst] = rt;
	have_route[dst] = 1;
	tab = decide_map(&len);
	live = HN_EPOCH_SLOT(hn_t_epoch(dp));
	for (part = 0; part < 3; part++) {
		/* class: bits 0-2, size: 3-4, TTL: 5-6 */
		const __u32 sh = part == 0 ? 0 : part == 1 ? 3 : 5;

		for (f = 0; f < HN_RT_FRAME_BUCKETS; f++)
			set_d(&tab->slot[live].e[k][f], (f >> sh) & 7);
		for (c = 0; c < 8; c++)
			for (l = 0; l < sizeof(lens) / sizeof(lens[0]); l++)
				for (t = 0; t < sizeof(ttls); t++) {
					f = hn_frame_bucket(
						c, HN_HDR_LEN + lens[l],
						ttls[t]);
					assert_int_equal(frame_to(dst, c,
								  lens[l],
								  ttls[t]),
							 (f >> sh) & 7);
				}
	}
	munmap(tab, len);
	route_del(dst);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_is_choose),
		cmocka_unit_test(test_refresh_cost),
		cmocka_unit_test(test_xdp_reads_table),
		cmocka_unit_test(test_xdp_split),
		cmocka_unit_test(test_xdp_frame_bucket),
	};

	hn_t_need_bpf();
	hn_t_netns(&net);
	dp = hn_t_dp_open(&net);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
