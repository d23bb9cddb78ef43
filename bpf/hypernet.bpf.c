// SPDX-License-Identifier: GPL-2.0
/*
 * HyperNet XDP router.  Validates HyperNet frames, delivers the ones for
 * this node, and forwards the rest to a next hop picked by the routing
 * model of include/hypernet/route.h.  Documentation/dataplane.rst has the
 * design; include/hypernet/dataplane.h the map layouts.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <xdp/xdp_helpers.h>

#include <hypernet/frame.h>
#include <hypernet/route.h>
#include <hypernet/dataplane.h>
#include "hn_maps.h"
#include "hn_parse.h"

#define S32_MAX 0x7fffffff

#define HN_EV_PRESENT 1U /* candidate can be scored */
#define HN_EV_LIVE 2U /* ... and its next hop is live */

/* In and out of hn_score_route() / hn_eval_host(). */
struct hn_ev {
	__s32 pre_fr[HN_RT_HIDDEN]; /* in: hn_rt_pre_frame_compiled(),
					 * anycast only */
	__u64 now; /* in: coarse CLOCK_MONOTONIC */
	__u64 stale_ns; /* in: config */
	__u32 slot; /* in: live model slot */
	__u32 has_model; /* in */
	__u32 self; /* in: this node */
	__u32 trace; /* in: record features in hn_trace */
	__u8 fr[HN_FR_NFEAT]; /* in: frame features */
	__u8 tclass; /* in: hnhdr.tclass */
	__u8 load; /* in: host load (anycast) */
	__u8 capacity; /* in: host capacity (anycast) */
	__u8 pad[2];
	__u32 i; /* in: candidate index */
	__s32 margin_min; /* in: config */
	__u64 epoch; /* in: for the trace */
	__u32 host; /* in: host (anycast) */
	__u32 neigh; /* in (unicast) / out (anycast) */
	__u32 dist; /* in (unicast) / out (anycast) */
	__s32 score; /* out */
	__u32 ok; /* out: HN_EV_* */
};

/* What every stage of one frame needs; lives on the stack. */
struct hn_env {
	struct hn_dp_stats *st;
	const struct hn_dp_config *cfg;
	__u64 epoch;
	const __u64 *ep; /* hn_epoch[0], to read it again */
	__u64 now; /* coarse CLOCK_MONOTONIC, if stale_ns */
	__u32 self;
	__u32 dst; /* bpf_ntohl(hnhdr.dst): read once */
	struct hn_ev ev; /* set up on cache misses only */
};

/* Scores handed to hn_argmax(). */
struct hn_am {
	__s32 score[HN_DP_MAX_CAND];
	__u32 n;
	__u32 mask;
	__s32 margin; /* out */
};

/* Candidates of one decision. */
struct hn_pick {
	struct hn_am am; /* scores */
	__u32 host[HN_DP_MAX_CAND];
	__u8 neigh[HN_DP_MAX_CAND];
	__u32 n;
	__u32 present; /* bit i: candidate i can be scored */
	__u32 live; /* bit i: ... and its neighbour is live */
	__u32 def;
	__u32 winner; /* unicast: model's argmax over present, am.margin */
};

static __always_inline void hn_count_bad(struct hn_dp_stats *st, int err)
{
	/* bad_* follow enum hn_frame_err, see dataplane.h */
	__u64 *c = &st->bad_truncated;

	if (err >= HN_ERR_TRUNCATED && err <= HN_ERR_TENSOR)
		c[err - HN_ERR_TRUNCATED]++;
}

_Static_assert(__builtin_offsetof(struct hn_dp_stats, bad_tensor) -
			       __builtin_offsetof(struct hn_dp_stats,
						  bad_truncated) ==
		       (HN_ERR_TENSOR - HN_ERR_TRUNCATED) * sizeof(__u64),
	       "bad_* counters must follow enum hn_frame_err");

/*
 * The decision tables (dataplane.h), the only variable in .bss: a global
 * is addressed directly, where a map's lookup is a call to clang, which
 * spills what it holds around it, then a bounds check and a NULL test.
 * The loader pins the map as hn_decide.
 */
struct hn_dp_decide_tab hn_dtab;

/*
 * Coarse CLOCK_MONOTONIC, read once per jiffy: the helper costs more than
 * the rest of a cache hit, bpf_jiffies64() (inlined by the verifier) and
 * two loads much less, and the coarse clock only moves at ticks anyway.
 * One copy for every CPU, in hn_dtab's header.  A CPU that finds the
 * jiffy moved writes the time, then the jiffy: another CPU reading
 * between the two gets the time of the tick before, no older.
 */
static __always_inline void hn_clk_tick(void)
{
	__u64 j = bpf_jiffies64();

	if (*(volatile __u64 *)&hn_dtab.clk.jiffies != j) {
		*(volatile __u64 *)&hn_dtab.clk.now_ns =
			bpf_ktime_get_coarse_ns();
		*(volatile __u64 *)&hn_dtab.clk.jiffies = j;
	}
}

/* The copy as the last hn_clk_tick() left it: a load, no call. */
static __always_inline __u64 hn_clk_read(void)
{
	return *(volatile __u64 *)&hn_dtab.clk.now_ns;
}

static __always_inline __u64 hn_now(void)
{
	hn_clk_tick();
	return hn_clk_read();
}

/*
 * Route to @dst: its slot of hn_route_tab, an array lookup the verifier
 * inlines, else hn_routes, a call into the kernel plus one to compare the
 * key, each paying a return under SRSO.  dst 0 is never a route, so empty
 * slots do not match.
 */
static __always_inline const struct hn_dp_route *hn_route(__u32 dst)
{
	__u32 k = hn_dp_route_slot(dst);
	const struct hn_dp_route_ent *re;

	re = bpf_map_lookup_elem(&hn_route_tab, &k);
	if (re && re->dst == dst)
		return &re->rt;
	return bpf_map_lookup_elem(&hn_routes, &dst);
}

static __always_inline int hn_live(const struct hn_dp_neigh *nb, __u64 now,
				   __u64 stale)
{
	if (!nb->valid)
		return 0;
	if (!stale)
		return 1;
	/* signed: userspace may stamp a little ahead of the coarse clock */
	return (__s64)(now - nb->last_seen_ns) <= (__s64)stale;
}

/*
 * One step of an argmax that keeps the runner-up: candidate @i scored @v
 * against the best *@b (HN_DP_NONE: none yet) at *@bs and the second *@ss.
 */
static __always_inline void hn_argmax_step(__s32 v, __u32 i, __u32 *b,
					   __s32 *bs, __s32 *ss, __u32 *have2)
{
	if (*b == HN_DP_NONE || v > *bs) {
		if (*b != HN_DP_NONE) {
			*ss = *bs;
			*have2 = 1;
		}
		*bs = v;
		*b = i;
	} else if (!*have2 || v > *ss) {
		*ss = v;
		*have2 = 1;
	}
}

/*
 * Highest score among the candidates in a->mask (ties: lowest index), or
 * HN_DP_NONE; a->margin gets its lead over the runner-up.  A global
 * function, so the verifier checks it once instead of once per path of the
 * caller: inlined, the constant best index of every branch combination
 * defeats state pruning and blows the 1M instruction limit.
 */
__attribute__((noinline)) int hn_argmax(struct hn_am *a)
{
	__u32 i, b = HN_DP_NONE, have2 = 0;
	__s32 bs = 0, ss = 0;

	if (!a)
		return HN_DP_NONE;
	for (i = 0; i < HN_DP_MAX_CAND; i++) {
		__s32 v;

		if (i >= a->n)
			break;
		if (!(a->mask & (1U << i)))
			continue;
		v = a->score[i];
		hn_argmax_step(v, i, &b, &bs, &ss, &have2);
	}
	a->margin = have2 ? bs - ss : S32_MAX;
	return b;
}

static __always_inline void hn_trace_begin(__u32 dst)
{
	__u32 zero = 0;
	struct hn_dp_trace *tr = bpf_map_lookup_elem(&hn_trace, &zero);

	if (tr) {
		tr->dst = dst;
		__builtin_memset(tr->feat, 0, sizeof(tr->feat));
	}
}

static __always_inline void hn_trace_feat(__u32 i, const __u8 *nb,
					  const struct hn_ev *v)
{
	__u32 zero = 0, k;
	struct hn_dp_trace *tr = bpf_map_lookup_elem(&hn_trace, &zero);

	if (!tr || i >= HN_DP_MAX_CAND)
		return;
	for (k = 0; k < HN_NB_NFEAT; k++)
		tr->feat[i][k] = nb[k];
	tr->feat[i][HN_FEAT_DIST] = v->dist;
	for (k = 0; k < HN_FR_NFEAT; k++)
		tr->feat[i][HN_FR_FEAT_FIRST + k] = v->fr[k];
}

/*
 * Candidate evaluation is done by global functions: the verifier checks
 * each once on its own instead of once per path through the caller, where
 * the three-way saturating ReLU of every hidden unit of every candidate
 * multiplies the states past the 1M instruction limit.
 */

/* Tracing only: the feature vectors of route @rt's candidates. */
static __always_inline void
hn_trace_route(struct hn_ev *v, const struct hn_dp_route *rt, __u32 n)
{
	const struct hn_dp_neigh *nb;
	__u32 i, idx;

	for (i = 0; i < HN_DP_MAX_CAND; i++) {
		if (i >= n)
			break;
		idx = rt->cand[i].neigh;
		nb = bpf_map_lookup_elem(&hn_neigh, &idx);
		if (!nb || !nb->valid)
			continue;
		v->dist = rt->cand[i].dist;
		hn_trace_feat(i, nb->feat, v);
	}
}

/*
 * Route @rt's candidate count.  The library writes 1..HN_DP_MAX_CAND;
 * past it, in a map it did not write, any count up to it is safe.  Masked,
 * not set to the constant: a known count decides every candidate's branch
 * of the inlined decision for the verifier, which then walks the rest of
 * hn_xdp once more.
 */
static __always_inline __u32 hn_route_ncand(const struct hn_dp_route *rt)
{
	__u32 n = rt->n_cand;

	if (n > HN_DP_MAX_CAND)
		n &= HN_DP_MAX_CAND - 1;
	return n;
}

/* The frame part of a candidate's features (route.h), from header @h. */
static __always_inline void hn_frame_feat(const struct hnhdr *h,
					  __u8 fr[HN_FR_NFEAT])
{
	fr[0] = hn_scale_class(h->tclass);
	fr[1] = hn_scale_size(HN_HDR_LEN + bpf_ntohs(HN_HDR_GET(h, len)));
	fr[2] = hn_scale_ttl(h->ttl);
}

/* Tracing only: the features of route @rt's first @n candidates to @dst. */
__attribute__((noinline)) int hn_trace_cands(struct hn_ev *v,
					     const struct hn_dp_route *rt,
					     __u32 n, __u32 dst)
{
	if (!v || !rt)
		return 0;
	hn_trace_begin(dst);
	hn_trace_route(v, rt, n);
	return 0;
}

/*
 * Unicast without a model: the candidates' neighbours for hn_choose(),
 * which falls back on live ones.
 */
__attribute__((noinline)) int hn_route_nomodel(const struct hn_dp_route *rt,
					       struct hn_pick *p)
{
	__u32 i, n;

	if (!rt || !p)
		return 0;
	n = hn_route_ncand(rt);
	p->n = n;
	p->def = rt->def;
	for (i = 0; i < HN_DP_MAX_CAND; i++) {
		if (i >= n)
			break;
		p->neigh[i] = rt->cand[i].neigh;
	}
	return 0;
}

/*
 * Unicast: score every candidate of route @rt into @p for the frame of
 * header @h from hn_score[@slot], and find the model's winner (ties:
 * lowest index) and its margin, so that the common decision needs no
 * hn_choose() call.  Returns 1 if the scores came from a model, 0 if the
 * slot holds none or the epoch moved from @epoch while the scores were
 * read (a table being rewritten): the caller then decides as without a
 * model.  Inlined into hn_xdp: every call ends in a return, which the
 * SRSO safe-RET mitigation makes dear (dataplane.rst, Inlined decision).
 * The rare cases, no model and tracing, are global functions: their
 * loops' exits would multiply the verifier's walks of the rest of hn_xdp.
 * Liveness is left to the caller: the common decision needs only the
 * winner's, and hn_route_live() fills p->live for hn_choose().
 *
 * A candidate is one load, tab->s[frame bucket][neighbour][route bucket]:
 * no model arithmetic, whatever the model's size.
 */
static __always_inline int hn_score_route(__u32 slot, __u64 epoch,
					  const struct hnhdr *h,
					  const struct hn_dp_route *rt,
					  struct hn_pick *p)
{
	__u32 i, n, f, zero = 0, best = HN_DP_NONE, have2 = 0;
	const struct hn_dp_score *tab;
	const __s32(*row)[HN_RT_ROUTE_BUCKETS];
	__u32 present = 0;
	__s32 bs = 0, ss = 0;
	__u64 valid, *ep;

	tab = bpf_map_lookup_elem(&hn_score, &slot);
	if (!tab || !tab->has_model)
		return 0;
	/* here, not by the caller: passed in, it makes clang reload it */
	n = hn_route_ncand(rt);
	p->n = n;
	p->def = rt->def;
	f = hn_frame_bucket(h->tclass,
			    HN_HDR_LEN + bpf_ntohs(HN_HDR_GET(h, len)), h->ttl);
	/*
	 * Hidden from clang, which knows f is below 128 and would drop the
	 * mask; the 6.1 verifier, having merged the bucket's branches, does
	 * not know it and needs the mask to bound the offset.
	 */
	asm volatile("" : "+r"(f));
	row = tab->s[f & (HN_RT_FRAME_BUCKETS - 1)];
	valid = tab->valid;
	/*
	 * Invalid neighbours are scored too, from whatever their entries
	 * hold, and left out by the present mask: no branch per candidate.
	 * The library only writes neighbour indexes below 64.  A guard,
	 * not a break: with the count masked above, clang unrolls only this.
	 */
#pragma unroll
	for (i = 0; i < HN_DP_MAX_CAND; i++) {
		__u32 idx;

		if (i < n) {
			idx = rt->cand[i].neigh;
			p->neigh[i] = idx;
			idx &= HN_DP_MAX_NEIGH - 1;
			present |= ((valid >> idx) & 1) << i;
			p->am.score[i] =
				row[idx][hn_rt_route_bucket(rt->cand[i].dist)];
		}
	}
	/*
	 * Scores read before the epoch is read again (x86 keeps loads in
	 * order; this keeps clang from moving them): if it still names
	 * the same generation, userspace did not start rewriting this
	 * slot, which it only does after flipping the epoch away from it.
	 */
	asm volatile("" : : : "memory");
	ep = bpf_map_lookup_elem(&hn_epoch, &zero);
	if (!ep || *(volatile __u64 *)ep != epoch)
		return 0;
	/*
	 * In memory, not a register: known to the verifier, the mask would
	 * decide the argmax's branches and every combination of candidates
	 * would be walked on its own.
	 */
	p->present = present;
	/* the argmax of hn_argmax(), here to save its call */
#pragma unroll
	for (i = 0; i < HN_DP_MAX_CAND; i++) {
		__s32 sc = p->am.score[i];

		if (!(p->present & (1U << i)))
			continue;
		hn_argmax_step(sc, i, &best, &bs, &ss, &have2);
	}
	p->winner = best;
	p->am.margin = have2 ? bs - ss : S32_MAX;
	return 1;
}

/*
 * Unicast, off the common path: p->live of route @rt's candidates, and
 * p->present if hn_score_route() had no model to score them with, for
 * hn_choose().
 */
__attribute__((noinline)) int hn_route_live(const struct hn_ev *v,
					    const struct hn_dp_route *rt,
					    struct hn_pick *p)
{
	__u32 i, n, present = 0, live = 0;
	__u64 now, stale;

	if (!v || !rt || !p)
		return 0;
	now = v->now;
	stale = v->stale_ns;
	n = hn_route_ncand(rt);
	for (i = 0; i < HN_DP_MAX_CAND; i++) {
		const struct hn_dp_neigh *nb;
		__u32 idx;

		if (i >= n)
			break;
		idx = rt->cand[i].neigh;
		nb = bpf_map_lookup_elem(&hn_neigh, &idx);
		if (!nb || !nb->valid)
			continue;
		present |= 1U << i;
		if (hn_live(nb, now, stale))
			live |= 1U << i;
	}
	if (v->has_model)
		/* hn_score_route()'s view: only scored candidates count */
		live &= p->present;
	else
		p->present = present;
	p->live = live;
	return 0;
}

/*
 * Anycast candidate: host v->host, reached by its route's default next
 * hop, whose features it takes except load and capacity, which are the
 * host's.  This node as a host is a perfect link at distance 0.
 */
__attribute__((noinline)) int hn_eval_host(struct hn_ev *v)
{
	const struct hn_dp_neigh *nb = NULL;
	const struct hn_dp_route *rt;
	const struct hn_dp_model *md;
	__s32 pre[HN_RT_HIDDEN];
	__u8 feat[HN_NB_NFEAT];
	__u32 idx, d, key;

	if (!v)
		return 0;
	v->ok = 0;
	v->score = 0;
	v->neigh = HN_DP_NEIGH_LOCAL;
	if (v->host == v->self) {
		feat[HN_FEAT_QUALITY] = HN_FEAT_MAX;
		feat[HN_FEAT_DELAY] = 0;
		feat[HN_FEAT_LOSS] = 0;
		v->dist = 0;
		v->ok = HN_EV_LIVE;
	} else {
		rt = hn_route(v->host);
		if (!rt)
			return 0;
		d = rt->def & (HN_DP_MAX_CAND - 1);
		idx = rt->cand[d].neigh;
		v->dist = rt->cand[d].dist;
		nb = bpf_map_lookup_elem(&hn_neigh, &idx);
		if (!nb || !nb->valid)
			return 0;
		v->neigh = idx;
		feat[HN_FEAT_QUALITY] = nb->feat[HN_FEAT_QUALITY];
		feat[HN_FEAT_DELAY] = nb->feat[HN_FEAT_DELAY];
		feat[HN_FEAT_LOSS] = nb->feat[HN_FEAT_LOSS];
		if (hn_live(nb, v->now, v->stale_ns))
			v->ok = HN_EV_LIVE;
	}
	feat[HN_FEAT_LOAD] = v->load;
	feat[HN_FEAT_CAPACITY] = v->capacity;
	v->ok |= HN_EV_PRESENT;
	key = v->slot & 1;
	md = bpf_map_lookup_elem(&hn_models, &key);
	if (v->has_model && md) {
		hn_rt_pre_neigh_compiled(&md->c, feat, pre);
		v->score = hn_rt_finish_compiled(&md->c, pre, v->pre_fr,
						 v->dist & 0xff);
	}
	if (v->trace)
		hn_trace_feat(v->i, feat, v);
	return 0;
}

static __always_inline void
hn_cands_task(struct hn_env *e, const struct hn_dp_task *t, struct hn_pick *p)
{
	struct hn_ev *v = &e->ev;
	struct hn_am near = {};
	__u32 i, n = t->n_host;

	if (n > HN_DP_MAX_CAND)
		n = HN_DP_MAX_CAND;
	p->n = n;
	for (i = 0; i < HN_DP_MAX_CAND; i++) {
		if (i >= n)
			break;
		v->i = i;
		v->host = t->host[i].node;
		v->load = t->host[i].load;
		v->capacity = t->host[i].capacity;
		hn_eval_host(v);
		p->neigh[i] = v->neigh;
		p->host[i] = v->host;
		p->am.score[i] = v->score;
		p->present |= (v->ok & HN_EV_PRESENT) << i;
		p->live |= ((v->ok & HN_EV_LIVE) >> 1) << i;
		near.score[i] = -(__s32)v->dist;
	}
	/* the default is the nearest host; see hn_argmax() for why no
	 * loop-carried index */
	near.n = n;
	near.mask = p->present;
	p->def = hn_argmax(&near);
}

/*
 * The model's pick with its fallbacks; returns the candidate index or
 * HN_DP_NONE when nothing live is left.  Global: verified once, not once
 * per number of candidates the loops before it exit with.
 */
__attribute__((noinline)) int hn_choose(struct hn_pick *p,
					const struct hn_ev *v)
{
	__u32 pick, winner = HN_DP_NONE, reason = HN_DP_R_NO_MODEL, zero = 0;
	struct hn_dp_stats *st = bpf_map_lookup_elem(&hn_stats, &zero);
	__s32 margin = 0;

	if (!p || !v || !st)
		return HN_DP_NONE;
	pick = p->def;

	p->am.n = p->n;
	if (v->has_model) {
		p->am.mask = p->present;
		winner = hn_argmax(&p->am);
		margin = p->am.margin;
		if (margin < v->margin_min) {
			reason = HN_DP_R_MARGIN;
			st->fb_margin++;
		} else {
			pick = winner;
			reason = HN_DP_R_MODEL;
		}
	} else {
		st->fb_no_model++;
	}
	if (pick >= HN_DP_MAX_CAND || !(p->live & (1U << pick))) {
		/* best live by score; without a model scores are all 0 */
		p->am.mask = p->live;
		pick = hn_argmax(&p->am);
		if (pick >= HN_DP_MAX_CAND) {
			pick = HN_DP_NONE;
			reason = HN_DP_R_NO_LIVE;
			st->drop_no_live++;
		} else {
			reason = HN_DP_R_STALE;
			st->fb_stale++;
		}
	}
	if (v->trace) {
		struct hn_dp_trace *tr;
		__u32 i, zero = 0;

		tr = bpf_map_lookup_elem(&hn_trace, &zero);
		if (!tr)
			return pick;
		tr->seq++;
		tr->time_ns = bpf_ktime_get_ns();
		tr->epoch = v->epoch;
		tr->n_cand = p->n;
		tr->winner = winner;
		tr->chosen = pick;
		tr->reason = reason;
		tr->live_mask = p->live;
		tr->has_model = v->has_model;
		tr->margin = margin;
		tr->neigh = HN_DP_NONE;
		tr->host = 0;
		if (pick < HN_DP_MAX_CAND) {
			tr->neigh = p->neigh[pick];
			tr->host = p->host[pick];
		}
		for (i = 0; i < HN_DP_MAX_CAND; i++)
			tr->score[i] = i < p->n ? p->am.score[i] : 0;
	}
	return pick;
}

/*
 * Tracing records every decision, so it bypasses the cache.  Read from the
 * config each time, not kept: a copy the verifier knows would tell its
 * walks of the decision apart by it.
 */
static __always_inline int hn_use_cache(const struct hn_env *e)
{
	return !(e->cfg->flags & (HN_DP_CFG_TRACE | HN_DP_CFG_NO_CACHE));
}

static __always_inline struct hn_dp_cache_ent *hn_cache_slot(__u32 dst,
							     __u8 tclass)
{
	__u32 k = ((dst ^ ((__u32)tclass << 24)) * 0x9E3779B1U) >>
		  (32 - HN_DP_CACHE_BITS);

	return bpf_map_lookup_elem(&hn_cache, &k);
}

/*
 * Privacy (Documentation/dataplane.rst): whether mesh port @ifindex has
 * its far side inside this node's privacy domain, so that HN_F_PRIVATE
 * frames may come in and go out by it.  A port that is not a mesh port
 * is outside.  Global: verified once, not at every send it guards.
 */
__attribute__((noinline)) int hn_port_inside(__u32 ifindex)
{
	__u32 i;

	if (!ifindex)
		return 0;
	for (i = 0; i < HN_DP_MAX_PORTS; i++) {
		__u32 k = i;
		struct hn_dp_port *pt = bpf_map_lookup_elem(&hn_ports, &k);

		if (pt && pt->ifindex == ifindex)
			return pt->domain == 1;
	}
	return 0;
}

/*
 * The mesh ports but @ingress a flood would go out of: those inside the
 * privacy domain in the low byte, those outside in the next.
 */
__attribute__((noinline)) int hn_ports_by_domain(__u32 ingress)
{
	__u32 i, in = 0, out = 0;

	for (i = 0; i < HN_DP_MAX_PORTS; i++) {
		__u32 k = i;
		struct hn_dp_port *pt = bpf_map_lookup_elem(&hn_ports, &k);

		if (!pt || !pt->ifindex || pt->ifindex == ingress)
			continue;
		if (pt->domain == 1)
			in++;
		else
			out++;
	}
	return (int)(in | out << 8);
}

static __always_inline int hn_local(struct hnhdr *h, struct hn_env *e)
{
	__u32 ifindex = e->cfg->tensor_ifindex;

	if (h->type == HN_T_TENSOR && ifindex) {
		e->st->local_tensor++;
		return bpf_redirect(ifindex, 0);
	}
	e->st->local_pass++;
	return XDP_PASS;
}

/*
 * A frame this router would send on with TTL 0: counted, for the caller
 * to drop.  (One that arrived with TTL 0 is malformed: hn_hdr_check().)
 */
static __always_inline int hn_ttl_expired(const struct hnhdr *h,
					  struct hn_env *e)
{
	if (h->ttl > 1)
		return 0;
	e->st->ttl_expired++;
	return 1;
}

/*
 * Out to neighbour @nb: MACs, TTL, then the port.  A port missing from
 * hn_tx_ports is gone (the kernel drops devmap entries of unregistered
 * netdevs): the neighbour is marked dead by its last_seen_ns, so that with
 * stale_ns set the next frame fails over to a live candidate without
 * waiting for userspace.
 */
/*
 * A frame of the fast path that did not end in fast_fwd, which stands for
 * rx, decisions and fwd_redirect at once (dataplane.h): its rx and
 * decision counted as such.
 */
static __always_inline void hn_fast_count(struct hn_dp_stats *st)
{
	st->rx++;
	st->decisions++;
}

/*
 * Neighbour @idx last seen at @t, in both decision slots' copies of it
 * too: the fast path reads liveness there (hn_table_pick()).
 */
static __always_inline void hn_stamp_copies(__u32 idx, __u64 t)
{
	if (idx >= HN_DP_MAX_NEIGH)
		return;
	*(volatile __u64 *)&hn_dtab.slot[0].nb[idx].last_seen_ns = t;
	*(volatile __u64 *)&hn_dtab.slot[1].nb[idx].last_seen_ns = t;
}

/*
 * 1: count what is sent to each neighbour in hn_nb_stats.  Set by the
 * loader (hn_dp_set_nb_counters()); at 0 the verifier drops the counting
 * from every path, the fast one included.
 */
const volatile __u32 hn_nb_count = 0;

static __always_inline void hn_nb_sent(struct xdp_md *ctx, __u32 idx)
{
	struct hn_dp_nb_stats *c;
	__u32 key;

	if (!hn_nb_count)
		return;
	/* the key's stack slot written here, not ahead of the test */
	key = idx;
	barrier_var(key);
	c = bpf_map_lookup_elem(&hn_nb_stats, &key);
	if (c) {
		c->tx_frames++;
		c->tx_bytes += ctx->data_end - ctx->data;
	}
}

/* Neighbour @idx's port is gone: it is dead from now (hn_send()). */
static __always_inline void hn_neigh_gone(__u32 idx)
{
	struct hn_dp_neigh *nb = bpf_map_lookup_elem(&hn_neigh, &idx);

	hn_stamp_copies(idx, 0);
	if (nb)
		nb->last_seen_ns = 0;
}

_Static_assert(__builtin_offsetof(struct hn_dp_neigh, mac) == 8 &&
		       __builtin_offsetof(struct hn_dp_neigh, port_mac) == 14 &&
		       __builtin_offsetof(struct ethhdr, h_source) == 6,
	       "hn_macs_copy(): both MACs adjacent, the pair 8-byte aligned");

/*
 * Both MACs of @nb into @eth: adjacent in the frame (destination, then
 * source) as in struct hn_dp_neigh (mac, then port_mac, from an 8-byte
 * boundary), so one 8-byte and one 4-byte copy, not six 2-byte ones.
 * The frame's side may be unaligned, which the verifier allows where the
 * architecture has efficient unaligned access (as x86-64 and arm64).
 */
static __always_inline void hn_macs_copy(struct ethhdr *eth,
					 const struct hn_dp_neigh *nb)
{
	*(__u64 *)eth = *(const __u64 *)nb->mac;
	*(__u32 *)((__u8 *)eth + 8) = *(const __u32 *)(nb->mac + 8);
}

/*
 * @nb is hn_neigh[@idx] or the decision table's copy of it, which has the
 * same port and MACs (dataplane.h).
 */
static __always_inline int hn_send(struct xdp_md *ctx, struct ethhdr *eth,
				   struct hnhdr *h,
				   const struct hn_dp_neigh *nb, __u32 idx,
				   struct hn_dp_stats *st, int fast)
{
	__u32 ifindex = nb->ifindex;
	int act;

	hn_macs_copy(eth, nb);
	h->ttl--;
	if (ifindex == ctx->ingress_ifindex) {
		if (fast)
			hn_fast_count(st);
		st->fwd_tx++;
		hn_nb_sent(ctx, idx);
		return XDP_TX;
	}
	act = bpf_redirect_map(&hn_tx_ports, ifindex, XDP_DROP);
	if (act == XDP_REDIRECT) {
		hn_nb_sent(ctx, idx);
		if (fast)
			st->fast_fwd++;
		else
			st->fwd_redirect++;
	} else {
		if (fast)
			hn_fast_count(st);
		hn_neigh_gone(idx);
		st->drop_no_port++;
	}
	return act;
}

static __always_inline int hn_xmit(struct xdp_md *ctx, struct ethhdr *eth,
				   struct hnhdr *h,
				   const struct hn_dp_neigh *nb, __u32 idx,
				   struct hn_env *e)
{
	/*
	 * Every send but the fast path's, which takes no flagged frame:
	 * whatever the route, model or task placement said, a private
	 * frame does not leave the privacy domain.
	 */
	if ((h->flags & HN_F_PRIVATE) && !hn_port_inside(nb->ifindex)) {
		e->st->priv_drop_out++;
		return XDP_DROP;
	}
	if (hn_ttl_expired(h, e))
		return XDP_DROP;
	return hn_send(ctx, eth, h, nb, idx, e->st, 0);
}

/* Model slot @slot's model, or NULL if it holds none. */
static __always_inline const struct hn_dp_model *hn_model(__u32 slot)
{
	const struct hn_dp_model *md = bpf_map_lookup_elem(&hn_models, &slot);

	return md && md->valid ? md : NULL;
}

/*
 * Everything a decision's global functions need in e->ev, the frame's
 * features included; @has_model says whether scores come from a model,
 * and with @md (anycast) the frame's part of its first layer is computed
 * too.  The cache hit and the common unicast decision skip it.
 */
static __always_inline void hn_ev_init(struct hnhdr *h, struct hn_env *e,
				       int has_model,
				       const struct hn_dp_model *md)
{
	struct hn_ev *v = &e->ev;
	__u32 slot = HN_EPOCH_SLOT(e->epoch);

	__builtin_memset(v, 0, sizeof(*v));
	v->slot = slot;
	v->epoch = e->epoch;
	v->margin_min = e->cfg->margin_min;
	v->self = e->self;
	v->stale_ns = e->cfg->stale_ns;
	v->now = e->now;
	v->trace = !!(e->cfg->flags & HN_DP_CFG_TRACE);
	hn_frame_feat(h, v->fr);
	v->tclass = h->tclass;
	v->has_model = !!has_model;
	if (md)
		hn_rt_pre_frame_compiled(&md->c, v->fr, v->pre_fr);
}

static __always_inline void hn_cache_put(struct hn_dp_cache_ent *ce,
					 __u64 epoch, __u32 dst, __u8 tclass,
					 __u8 kind, __u8 neigh, __u32 host)
{
	ce->epoch = epoch;
	ce->dst = dst;
	ce->tclass = tclass;
	ce->kind = kind;
	ce->neigh = neigh;
	ce->host = host;
}

/*
 * hn_frame_bucket()'s size and TTL parts, read from tables: the table
 * path computes a bucket for every frame, and the reference's six
 * compares and branches cost it a nanosecond (Documentation/dataplane.rst,
 * Fast path).  Size by the frame's length (header and payload) / 128,
 * the thresholds being multiples of 128; tests/bpf/test_decide_table.c
 * checks both against hn_frame_bucket() at every threshold.
 */
#define HN_SIZE_B_N 1024 /* (HN_HDR_LEN + 65535) >> 7 is 512 */
static const __u8 hn_size_b[HN_SIZE_B_N] = {
	[1 ... 3] = 1 << 3,
	[4 ... 7] = 2 << 3,
	[8 ... HN_SIZE_B_N - 1] = 3 << 3,
};

static const __u8 hn_ttl_b[256] = {
	[3 ... 4] = 1 << 5,
	[5 ... 8] = 2 << 5,
	[9 ... 255] = 3 << 5,
};

/* ... of a frame of class @tclass, @len bytes of payload and TTL @ttl */
static __always_inline __u64 hn_frame_bucket_tab(__u64 tclass, __u64 len,
						 __u64 ttl)
{
	__u64 b = (HN_HDR_LEN + len) >> 7;

	/* 6.1's verifier loses the bound through the byte swap; clang,
	 * which has it, would drop the mask (129a56b)
	 */
	asm volatile("" : "+r"(b));
	return (tclass & (HN_RT_CLASSES - 1)) |
	       hn_size_b[b & (HN_SIZE_B_N - 1)] | hn_ttl_b[ttl & 0xff];
}

/*
 * Decision table @dt, the slot of @epoch (the table's copy at @ep), for a
 * frame of header @h to @dst in frame bucket @f (hn_frame_bucket_tab(),
 * from what the caller has read of the header): the slot's copy of the neighbour its byte
 * names, its index in *@idx, the byte in *@d, if the row is @dst's and
 * the neighbour live; else NULL and the caller decides from the scores.
 * A split row (sp, dataplane.h) sends the frame to its alternative when
 * the frame's hash is below the share (route.h, hn_rt_split_hash()).
 * Everything is read from @dt before the epoch is read again: a frame
 * that read it before a flip may be reading a slot userspace now
 * rewrites.  The byte names the neighbour itself, so that no route is
 * read: its row tag is the route it was compiled for.  The copy has the
 * neighbour's port, MACs, validity and last seen (stamped in both slots
 * wherever hn_neigh's is), so no map but this one is read; with stale_ns
 * set, the clock is @now, or (0, the fast path) hn_dtab.clk as hn_xdp()
 * ticked it before the frame, a load instead of a call around which
 * clang would spill.
 */
static __always_inline const struct hn_dp_neigh *
hn_table_pick(const struct hnhdr *h, __u32 dst, __u64 f, __u64 epoch,
	      const __u64 *ep, const struct hn_dp_decide *dt, __u64 now,
	      __u32 *idx, __u32 *d)
{
	__u32 k = hn_dp_route_slot(dst), tag, ent, sp, i, dd;
	const struct hn_dp_neigh *nb;
	__u64 stale;

	/*
	 * No mask on f: the verifier knows it below 256 (a class of 3 bits
	 * and two bytes ORed), twice the row, and the arrays after e[] keep
	 * e[k][255] inside the slot (dp.c asserts it); f is below 128 by
	 * the tables' values.
	 */
	tag = dt->dst[k];
	ent = dt->e[k][f];
	/* before the epoch's check, as it fails either way: dst is done */
	if (tag != dst)
		return NULL;
	stale = dt->stale_ns;
	asm volatile("" : : : "memory");
	dd = HN_DP_E_D(ent);
	sp = HN_DP_E_SP(ent);
	if (*(volatile const __u64 *)ep != epoch || dd == HN_DP_DEC_NONE)
		return NULL;
	i = dd & HN_DP_DEC_NEIGH;
	/* most rows split nothing: no hash for them */
	if (sp && (sp >> HN_DP_SP_SHARE_SHIFT) >
			  hn_rt_split_hash(bpf_ntohl(HN_HDR_GET(h, src)),
					   bpf_ntohl(HN_HDR_GET(h, seq))))
		i = sp & HN_DP_SP_NEIGH;
	nb = &dt->nb[i];
	if (!nb->valid)
		return NULL;
	/* the fast path (@now 0): hn_xdp() ticked the clock (tab->tick) */
	if (stale && !hn_live(nb, now ? now : hn_clk_read(), stale))
		return NULL;
	*idx = i;
	*d = dd;
	return nb;
}

/*
 * The slot of @epoch by a branch, not an offset computed from the epoch:
 * predicted, it lets the table's reads start before the epoch's load is
 * done (which then only checks them).
 */
static __always_inline const struct hn_dp_decide *
hn_decide_slot(const struct hn_dp_decide_tab *tab, __u64 epoch)
{
	const struct hn_dp_decide *dt;

	if (HN_EPOCH_SLOT(epoch)) {
		dt = &tab->slot[1];
		asm volatile("" : "+r"(dt));
	} else {
		dt = &tab->slot[0];
		asm volatile("" : "+r"(dt));
	}
	return dt;
}

/* A table decision's fallback, byte @d, counted as hn_choose() would. */
static __always_inline void hn_table_count(struct hn_dp_stats *st, __u32 d)
{
	/*
	 * One test for the common byte, the model's pick: a byte (at most
	 * 0xFF) below the lower reason bit has neither
	 */
	if (d < HN_DP_DEC_MARGIN)
		return;
	if (d & HN_DP_DEC_MARGIN)
		st->fb_margin++;
	if (d & HN_DP_DEC_NO_MODEL)
		st->fb_no_model++;
}

/* Unicast from the decision table (hn_table_pick()), in hn_unicast(). */
static __always_inline const struct hn_dp_neigh *
hn_decide_tab(const struct hnhdr *h, struct hn_env *e, __u32 *idx)
{
	const struct hn_dp_decide_tab *tab = &hn_dtab;
	const struct hn_dp_neigh *nb;
	__u64 epoch, f;
	__u32 d;

	epoch = *(volatile const __u64 *)&tab->epoch;
	f = hn_frame_bucket_tab(h->tclass, bpf_ntohs(HN_HDR_GET(h, len)),
				h->ttl);
	nb = hn_table_pick(h, e->dst, f, epoch, &tab->epoch,
			   hn_decide_slot(tab, epoch), e->now, idx, &d);
	if (nb) {
		e->st->decisions++;
		hn_table_count(e->st, d);
	}
	return nb;
}

static __always_inline int hn_unicast(struct xdp_md *ctx, struct ethhdr *eth,
				      struct hnhdr *h, struct hn_env *e)
{
	__u32 dst = e->dst, pick, idx, slot;
	struct hn_dp_cache_ent *ce = NULL;
	const struct hn_dp_route *rt;
	struct hn_dp_neigh *nb;
	struct hn_pick p;
	int has;

	/* an ECHO's TTL ends here: up, for traceroute (agent-protocol.rst) */
	if (hn_ttl_expired(h, e))
		return h->type == HN_T_ECHO ? XDP_PASS : XDP_DROP;
	rt = hn_route(dst);
	if (!rt) {
		e->st->drop_no_route++;
		return XDP_DROP;
	}
	/*
	 * The decision table first, and no flow cache when it answers: its
	 * byte costs less than the cache's lookup (Decision tables).
	 * Tracing records the scores: it takes the path below.
	 */
	if (!(e->cfg->flags & HN_DP_CFG_TRACE)) {
		const struct hn_dp_neigh *tx = hn_decide_tab(h, e, &idx);

		if (tx)
			return hn_xmit(ctx, eth, h, tx, idx, e);
	}
	if (hn_use_cache(e)) {
		ce = hn_cache_slot(dst, h->tclass);
		if (ce && ce->epoch == e->epoch && ce->dst == dst &&
		    ce->tclass == h->tclass && ce->kind == HN_DP_CK_UNICAST) {
			idx = ce->neigh;
			nb = bpf_map_lookup_elem(&hn_neigh, &idx);
			if (nb && hn_live(nb, e->now, e->cfg->stale_ns)) {
				e->st->cache_hit++;
				return hn_xmit(ctx, eth, h, nb, idx, e);
			}
		}
	}
	/*
	 * The headers afresh, checked to the same length on every path
	 * here: a tensor frame's longer check would otherwise make the
	 * verifier walk the decision twice.
	 */
	eth = (void *)(long)ctx->data;
	h = (void *)(eth + 1);
	if ((void *)(h + 1) > (void *)(long)ctx->data_end)
		return XDP_DROP;
	e->st->decisions++;
	slot = HN_EPOCH_SLOT(e->epoch);
	__builtin_memset(&p, 0, sizeof(p));
	has = hn_score_route(slot, e->epoch, h, rt, &p);
	if (!has) {
		__builtin_memset(&p, 0, sizeof(p));
		hn_route_nomodel(rt, &p);
	}
	/*
	 * The common case: a live winner by a clear margin, nothing to log.
	 * It needs no e->ev, which only the rest of the cases fill.
	 */
	pick = p.winner;
	nb = NULL;
	if (has && !(e->cfg->flags & HN_DP_CFG_TRACE) &&
	    pick < HN_DP_MAX_CAND && p.am.margin >= e->cfg->margin_min) {
		idx = p.neigh[pick];
		nb = bpf_map_lookup_elem(&hn_neigh, &idx);
		if (nb && !hn_live(nb, e->now, e->cfg->stale_ns))
			nb = NULL;
	}
	if (!nb) {
		hn_ev_init(h, e, has, NULL);
		if (e->ev.trace)
			hn_trace_cands(&e->ev, rt, p.n, dst);
		hn_route_live(&e->ev, rt, &p);
		pick = hn_choose(&p, &e->ev);
		if (pick >= HN_DP_MAX_CAND)
			return XDP_DROP;
		idx = p.neigh[pick];
		nb = bpf_map_lookup_elem(&hn_neigh, &idx);
		if (!nb)
			return XDP_DROP;
	}
	/*
	 * The slot again, not kept from the lookup above: kept across the
	 * decision, it slows every hidden unit (dataplane.rst, Verifier
	 * cost), and the lookup is a multiply and an inlined array index.
	 */
	if (hn_use_cache(e)) {
		ce = hn_cache_slot(dst, h->tclass);
		if (ce)
			hn_cache_put(ce, e->epoch, dst, h->tclass,
				     HN_DP_CK_UNICAST, idx, dst);
	}
	return hn_xmit(ctx, eth, h, nb, idx, e);
}

/* Place an anycast frame on a host, then send it there like unicast. */
static __always_inline int hn_anycast(struct xdp_md *ctx, struct ethhdr *eth,
				      struct hnhdr *h, struct hn_env *e)
{
	__u32 task = e->dst, pick, idx, host;
	struct hn_dp_neigh *nb = NULL;
	struct hn_dp_cache_ent *ce = NULL;
	const struct hn_dp_model *md;
	const struct hn_dp_task *t;
	struct hn_pick p;

	if (hn_use_cache(e)) {
		ce = hn_cache_slot(task, h->tclass);
		if (ce && ce->epoch == e->epoch && ce->dst == task &&
		    ce->tclass == h->tclass && ce->kind == HN_DP_CK_ANYCAST) {
			idx = ce->neigh;
			host = ce->host;
			if (idx == HN_DP_NEIGH_LOCAL) {
				e->st->cache_hit++;
				goto place;
			}
			nb = bpf_map_lookup_elem(&hn_neigh, &idx);
			if (nb && hn_live(nb, e->now, e->cfg->stale_ns)) {
				e->st->cache_hit++;
				goto place;
			}
		}
	}
	t = bpf_map_lookup_elem(&hn_tasks, &task);
	if (!t) {
		e->st->drop_no_task++;
		return XDP_DROP;
	}
	e->st->decisions++;
	md = hn_model(HN_EPOCH_SLOT(e->epoch));
	hn_ev_init(h, e, !!md, md);
	if (e->ev.trace)
		hn_trace_begin(task);
	__builtin_memset(&p, 0, sizeof(p));
	hn_cands_task(e, t, &p);
	pick = hn_choose(&p, &e->ev);
	if (pick >= HN_DP_MAX_CAND)
		return XDP_DROP;
	idx = p.neigh[pick];
	host = p.host[pick];
	nb = NULL;
	if (idx != HN_DP_NEIGH_LOCAL) {
		nb = bpf_map_lookup_elem(&hn_neigh, &idx);
		if (!nb)
			return XDP_DROP;
	}
	if (ce)
		hn_cache_put(ce, e->epoch, task, h->tclass, HN_DP_CK_ANYCAST,
			     idx, host);
place:
	/* downstream routers must not decide again */
	h->dst = bpf_htonl(host);
	h->flags &= ~HN_F_ANYCAST;
	if (!nb) {
		e->st->any_local++;
		return hn_local(h, e);
	}
	e->st->any_remote++;
	return hn_xmit(ctx, eth, h, nb, idx, e);
}

/* cmpxchg attempts on a flood window before giving up (HN_DP_MC_BUSY) */
#define HN_WIN_TRIES 4

/*
 * One cmpxchg step of window @w for @seq: an enum hn_dp_mcast_verdict,
 * HN_DP_MC_BUSY when the race was lost HN_WIN_TRIES times.  @idle_ns: a
 * window that accepted nothing for this long starts again at @seq (0:
 * never).  last_ns is written after the cmpxchg, not with it: two CPUs
 * may disagree on it by a frame, which moves the restart by as much.
 */
static __always_inline int hn_win_update(struct hn_dp_mcast_win *w, __u32 seq,
					 __u64 now, __u64 idle_ns)
{
	__u32 i;

	for (i = 0; i < HN_WIN_TRIES; i++) {
		__u64 old = *(volatile __u64 *)&w->win, new;
		int verdict;

		new = hn_dp_mcast_win_add(old, seq, &verdict);
		if (verdict != HN_DP_MC_NEW) {
			if (!idle_ns || now - w->last_ns <= idle_ns)
				return verdict;
			new = hn_dp_mcast_win_first(seq);
		}
		if (__sync_val_compare_and_swap(&w->win, old, new) == old) {
			if (idle_ns)
				w->last_ns = now;
			return HN_DP_MC_NEW;
		}
	}
	return HN_DP_MC_BUSY;
}

/*
 * Data flood (src, seq): an enum hn_dp_mcast_verdict.  A new source gets
 * a window here; the LRU forgets the least recently seen.
 */
static __always_inline int hn_mcast_accept(__u32 src, __u32 seq,
					   const struct hn_dp_config *cfg)
{
	__u32 idle_ms = cfg->flood_idle_ms;
	__u64 idle = !idle_ms			       ? HN_DP_MCAST_IDLE_NS :
		     idle_ms == HN_DP_FLOOD_IDLE_NEVER ? 0 :
							 idle_ms * 1000000ULL;
	struct hn_dp_mcast_win *w, nw;
	__u64 now = hn_now();

	w = bpf_map_lookup_elem(&hn_mcast_win, &src);
	if (!w) {
		nw.win = hn_dp_mcast_win_first(seq);
		nw.last_ns = now;
		if (!bpf_map_update_elem(&hn_mcast_win, &src, &nw, BPF_NOEXIST))
			return HN_DP_MC_NEW;
		w = bpf_map_lookup_elem(&hn_mcast_win, &src);
		if (!w)
			return HN_DP_MC_BUSY;
	}
	return hn_win_update(w, seq, now, idle);
}

/*
 * Control flood (src, seq), as hn_mcast_accept(), but only in a window
 * the agent made for a source it authenticated (-1: none); nor does
 * idleness restart it: the agent moves it.
 */
static __always_inline int hn_mcast_accept_ctl(__u32 src, __u32 seq)
{
	struct hn_dp_mcast_win *w = bpf_map_lookup_elem(&hn_mcast_ctl, &src);

	if (!w)
		return -1;
	return hn_win_update(w, seq, 0, 0);
}

static __always_inline int hn_is_member(__u32 group)
{
	return group == HN_GROUP_ALL ||
	       bpf_map_lookup_elem(&hn_groups, &group) != NULL;
}

/* Random per load, set by the loader: see struct hn_dp_meta. */
const volatile __u32 hn_meta_cookie = 0;
/*
 * 0 where the kernel offers XDP no bpf_xdp_adjust_meta() (the loader
 * probes): the verifier then never reaches the call, which it would
 * refuse, and XDP marks member floods for TC in hn_mcast_marks instead.
 */
const volatile __u32 hn_meta_ok = 1;

/*
 * Without metadata: mark flood @h, accepted for copying, in
 * hn_mcast_marks for the TC program (dataplane.h).  A mark already there
 * for the same flood and port is one whose frame never reached TC (XDP
 * accepts a seq once): replaced.
 */
static __always_inline void hn_mcast_mark(struct xdp_md *ctx, struct hnhdr *h,
					  struct hn_env *e)
{
	struct hn_dp_mcast_mark_key k = {
		.src = HN_HDR_GET(h, src),
		.seq = HN_HDR_GET(h, seq),
		.ifindex = ctx->ingress_ifindex,
	};
	struct hn_dp_mcast_mark mk = { .cookie = hn_meta_cookie };

	__builtin_memcpy(mk.hdr, h, sizeof(mk.hdr));
	if (bpf_map_update_elem(&hn_mcast_marks, &k, &mk, BPF_ANY)) {
		e->st->mcast_mark_fail++;
		/* nobody copies it: the agent forwards a control flood */
		if (hn_dp_ctrl_type(h->type))
			h->reserved = HN_RSV_NOT_COPIED;
	}
}

/*
 * HN_RSV_NOT_COPIED on the frame, its header taken afresh: a helper that
 * may move the frame's start, bpf_xdp_adjust_meta() among them, leaves
 * no packet pointer valid, even when it fails.
 */
static __always_inline void hn_mark_not_copied(struct xdp_md *ctx)
{
	struct ethhdr *eth = (void *)(long)ctx->data;
	struct hnhdr *h = (void *)(eth + 1);

	if ((void *)(h + 1) <= (void *)(long)ctx->data_end)
		h->reserved = HN_RSV_NOT_COPIED;
}

/*
 * Mark a member-group flood for the TC program to copy on, then pass it
 * up.  Metadata is the channel from XDP to TC that binds the mark to the
 * frame itself, so it is used wherever the kernel offers it; a kernel
 * that refuses XDP the helper gets the mark of hn_mcast_mark().
 * A driver without metadata gets the frame delivered here, not copied,
 * and a control flood marked HN_RSV_NOT_COPIED, so that the agent
 * forwards it as it forwards those XDP could not vouch for.
 */
static __always_inline int hn_mcast_copy(struct xdp_md *ctx, struct hnhdr *h,
					 struct hn_env *e)
{
	struct hn_dp_meta m = {
		.cookie = hn_meta_cookie,
		.src = HN_HDR_GET(h, src),
		.seq = HN_HDR_GET(h, seq),
		.ttl = h->ttl,
	};
	int ctl = hn_dp_ctrl_type(h->type);
	struct hn_dp_meta *mp;
	void *data;

	if (!hn_meta_ok) {
		hn_mcast_mark(ctx, h, e);
		return XDP_PASS;
	}
	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(m))) {
		e->st->mcast_nometa++;
		/* nobody copies it: the agent forwards a control flood */
		if (ctl)
			hn_mark_not_copied(ctx);
		return XDP_PASS;
	}
	mp = (void *)(long)ctx->data_meta;
	data = (void *)(long)ctx->data;
	if ((void *)(mp + 1) > data) {
		e->st->mcast_nometa++;
		return XDP_PASS;
	}
	*mp = m;
	return XDP_PASS;
}

/*
 * Multicast.  XDP cannot clone, so member groups go up the stack and the TC
 * program below copies them to the other ports; other groups are broadcast
 * from here.  Control floods the data plane cannot vouch for (a duplicate,
 * an old or far-ahead seq, a source the agent has not confirmed) go up to
 * the agent, marked as not copied, for it to authenticate and forward:
 * a forged frame then moves no window that genuine floods need.
 */
static __always_inline int hn_mcast(struct xdp_md *ctx, struct ethhdr *eth,
				    struct hnhdr *h, struct hn_env *e)
{
	__u32 group = bpf_ntohl(HN_HDR_GET(h, dst));
	__u32 src = bpf_ntohl(HN_HDR_GET(h, src));
	__u32 seq = bpf_ntohl(HN_HDR_GET(h, seq));
	int ctl = hn_dp_ctrl_type(h->type), member, v, act, i;

	v = ctl ? hn_mcast_accept_ctl(src, seq) :
		  hn_mcast_accept(src, seq, e->cfg);
	switch (v) {
	case HN_DP_MC_NEW:
		break;
	case HN_DP_MC_DUP:
		e->st->mcast_dup++;
		break;
	case HN_DP_MC_OLD:
		e->st->mcast_old++;
		break;
	case HN_DP_MC_JUMP:
		e->st->mcast_jump++;
		break;
	case -1:
		e->st->mcast_unconfirmed++;
		break;
	case HN_DP_MC_BUSY:
	default:
		e->st->mcast_busy++;
		break;
	}
	member = hn_is_member(group);
	if (ctl && member)
		/* on the wire zero: here it tells the agent who copies */
		h->reserved = v == HN_DP_MC_NEW ? 0 : HN_RSV_NOT_COPIED;
	if (v != HN_DP_MC_NEW) {
		if (!ctl || !member)
			return XDP_DROP;
		e->st->mcast_slow++;
		return XDP_PASS;
	}
	if (member) {
		e->st->mcast_local++;
		if (h->ttl <= 1) {
			e->st->mcast_ttl_last++;
			return XDP_PASS;
		}
		return hn_mcast_copy(ctx, h, e);
	}
	if (hn_ttl_expired(h, e))
		return XDP_DROP;
	if (h->flags & HN_F_PRIVATE) {
		/* no copy to a port outside the privacy domain */
		int n = hn_ports_by_domain(ctx->ingress_ifindex);

		e->st->priv_drop_out += (n >> 8) & 0xff;
		if (!(n & 0xff))
			return XDP_DROP;
	}
	h->ttl--;
	__builtin_memset(eth->h_dest, 0xff, ETH_ALEN);
	/* one frame for all ports: source is this router's ingress MAC */
	for (i = 0; i < HN_DP_MAX_PORTS; i++) {
		__u32 k = i;
		struct hn_dp_port *pt = bpf_map_lookup_elem(&hn_ports, &k);

		if (pt && pt->ifindex && pt->ifindex == ctx->ingress_ifindex) {
			__builtin_memcpy(eth->h_source, pt->mac, ETH_ALEN);
			break;
		}
	}
	if (h->flags & HN_F_PRIVATE)
		act = bpf_redirect_map(&hn_priv_tx, 0,
				       BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS);
	else
		act = bpf_redirect_map(&hn_tx_ports, 0,
				       BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS);
	e->st->mcast_fwd++;
	return act;
}

/*
 * A HELLO stamps its sender live only if it comes from where the agent
 * found that neighbour, its port and MAC: HELLOs are authenticated by the
 * agent, not here, and a frame with a live neighbour's src sent from
 * anywhere else must not keep a dead one alive against local repair.
 */
static __always_inline int hn_hello(struct xdp_md *ctx, struct ethhdr *eth,
				    struct hnhdr *h, struct hn_env *e)
{
	__u32 src = bpf_ntohl(HN_HDR_GET(h, src)), *idx;
	const __u16 *a = (const __u16 *)eth->h_source, *b;
	struct hn_dp_neigh *nb;

	e->st->hello++;
	idx = bpf_map_lookup_elem(&hn_neigh_ids, &src);
	nb = idx ? bpf_map_lookup_elem(&hn_neigh, idx) : NULL;
	if (!nb || nb->node != src) {
		e->st->hello_unknown++;
		return XDP_PASS;
	}
	b = (const __u16 *)nb->mac;
	if (nb->ifindex != ctx->ingress_ifindex || a[0] != b[0] ||
	    a[1] != b[1] || a[2] != b[2]) {
		e->st->hello_elsewhere++;
		return XDP_PASS;
	}
	nb->last_seen_ns = bpf_ktime_get_coarse_ns();
	hn_stamp_copies(*idx, nb->last_seen_ns);
	return XDP_PASS;
}

/*
 * The fast path: a data frame with no flags and a TTL left to forward,
 * unicast to another node whose route has a decision-table row, decided
 * by it to a live neighbour.  That is one 32-bit load and compare for
 * version, type, flags and TTL, the rest of hn_hdr_check() for such a
 * frame, and the table: no flow cache, no struct hn_env on the stack,
 * and no map but the decision table and the counters (the slot carries
 * the epoch's copy, the config and the neighbours as it went live, and
 * names neighbours, not candidates of a route, with their stamps).
 * Returns the verdict, or -1 with nothing written for hn_xdp() to go on
 * as for any frame, where the same checks decide the same way.  The
 * table is a global (hn_dtab): no lookup, no NULL test.
 */
static __always_inline int hn_fast(struct xdp_md *ctx, struct ethhdr *eth,
				   struct hnhdr *h, void *end,
				   struct hn_dp_stats *st)
{
	const struct hn_dp_decide_tab *tab = &hn_dtab;
	const __u32 want =
		bpf_htonl((__u32)HN_VERSION << 24 | (__u32)HN_T_DATA << 16);
	__u32 w, len, dst, self, idx, d;
	const struct hn_dp_decide *dt;
	const struct hn_dp_neigh *nb;
	__u64 epoch;

	w = *(const __u32 *)h;
	len = bpf_ntohs(HN_HDR_GET(h, len));
	if ((w & bpf_htonl(0xffffff00)) != want || h->ttl < 2 ||
	    len > end - (void *)h - HN_HDR_LEN || !HN_HDR_GET(h, src))
		return -1;
	/* the table's copy of hn_epoch (dataplane.h) */
	epoch = *(volatile const __u64 *)&tab->epoch;
	dt = hn_decide_slot(tab, epoch);
	/*
	 * hn_config's node id as the slot went live, 0 if it traces or has
	 * none: checked again by the epoch
	 */
	dst = bpf_ntohl(HN_HDR_GET(h, dst));
	self = dt->fast_id;
	/*
	 * dst 0 needs no test of its own: its route slot's row is tagged 0
	 * only while empty, and an empty row holds HN_DP_DEC_NONE (the
	 * library writes every row of a slot before its fast_id)
	 */
	if (!self || dst == self)
		return -1;
	nb = hn_table_pick(h, dst, hn_frame_bucket_tab(h->tclass, len, h->ttl),
			   epoch, &tab->epoch, dt, 0, &idx, &d);
	if (!nb)
		return -1;
	hn_table_count(st, d);
	return hn_send(ctx, eth, h, nb, idx, st, 1);
}

/*
 * How libxdp's dispatcher runs hn_xdp beside other programs on a port
 * (hnctl attach --multiprog): at HN_DP_XDP_PRIO, and XDP_PASS goes on to
 * the next program, so that what the router leaves to the stack (other
 * EtherTypes, frames for this node) is seen by the programs after it.
 */
struct {
	__uint(priority, HN_DP_XDP_PRIO);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(hn_xdp);

SEC("xdp")
int hn_xdp(struct xdp_md *ctx)
{
	struct hn_dp_stats *st;
	struct ethhdr *eth;
	struct hn_env e;
	struct hnhdr *h;
	__u64 *ep;
	__u32 zero = 0;
	void *end;
	int err;

	/*
	 * The lookup and the clock first, before the frame's pointers are
	 * read: nothing but ctx and st is kept across their calls.
	 * not e.st yet: a pointer held in e would live on the stack
	 */
	st = bpf_map_lookup_elem(&hn_stats, &zero);
	if (!st)
		return XDP_PASS;
	if (*(volatile __u64 *)&hn_dtab.tick)
		hn_clk_tick();
	end = (void *)(long)ctx->data_end;
	eth = (void *)(long)ctx->data;
	if ((void *)(eth + 1) > end ||
	    hn_eth_proto(eth) != bpf_htons(ETH_P_HYPERNET)) {
		st->pass_other++;
		return XDP_PASS;
	}
	h = (void *)(eth + 1);
	if ((void *)(h + 1) > end) {
		st->rx++;
		st->bad_truncated++;
		return XDP_DROP;
	}
	err = hn_fast(ctx, eth, h, end, st);
	if (err >= 0)
		return err;
	e.st = st;
	e.st->rx++;
	/* afresh: what the fast path knew must not split the walks below */
	end = (void *)(long)ctx->data_end;
	eth = (void *)(long)ctx->data;
	h = (void *)(eth + 1);
	if ((void *)(h + 1) > end)
		return XDP_DROP;
	err = hn_hdr_check(h, end - (void *)h);
	if (!err && h->type == HN_T_TENSOR) {
		struct hn_tensor_hdr *t = (void *)(h + 1);

		/* short of a tensor header: len is too, so TRUNCATED */
		if ((void *)(t + 1) > end)
			err = HN_ERR_TRUNCATED;
		else
			err = hn_tensor_check(t, bpf_ntohs(HN_HDR_GET(h, len)),
					      HN_TENSOR_MAX_LEN);
	}
	if (err) {
		hn_count_bad(e.st, err);
		return XDP_DROP;
	}
	/*
	 * Raw data claimed by a port whose far side is outside the privacy
	 * domain: not taken, whoever it is for (dataplane.rst, Privacy).
	 * The fast path above takes no flagged frame.
	 */
	if ((h->flags & HN_F_PRIVATE) &&
	    !hn_port_inside(ctx->ingress_ifindex)) {
		e.st->priv_drop_in++;
		return XDP_DROP;
	}
	if (h->type == HN_T_HELLO)
		return hn_hello(ctx, eth, h, &e);

	e.cfg = bpf_map_lookup_elem(&hn_config, &zero);
	ep = bpf_map_lookup_elem(&hn_epoch, &zero);
	if (!e.cfg || !ep)
		return XDP_PASS;
	e.self = e.cfg->node_id;
	if (!e.self) {
		e.st->pass_unconfigured++;
		return XDP_PASS;
	}
	if (h->flags & HN_F_MCAST)
		return hn_mcast(ctx, eth, h, &e);
	/* read once per frame */
	e.dst = bpf_ntohl(HN_HDR_GET(h, dst));
	if (!(h->flags & HN_F_ANYCAST) && e.dst == e.self)
		return hn_local(h, &e);

	/* a forwarding decision: read the epoch once, it names the model */
	e.epoch = *(volatile __u64 *)ep;
	e.ep = ep;
	e.now = e.cfg->stale_ns ? hn_now() : 0;
	if (h->flags & HN_F_ANYCAST)
		return hn_anycast(ctx, eth, h, &e);
	return hn_unicast(ctx, eth, h, &e);
}

/* A frame's header as the TC program reads it: fields, or words. */
union hn_tc_hdr {
	struct hnhdr h;
	__u32 w[5];
};

_Static_assert(sizeof(union hn_tc_hdr) == HN_HDR_LEN &&
		       sizeof(((struct hn_dp_mcast_mark *)0)->hdr) ==
			       HN_HDR_LEN,
	       "a mark holds exactly one header");

/*
 * Without metadata: whether flood @u in @skb is the one XDP marked in
 * hn_mcast_marks, from this load, for the same port, untagged (XDP passes
 * a tagged frame up unmarked; the stack took its tag off), with the same
 * header to the byte.  The mark is then deleted, and only the deleter
 * copies: another skb naming the same flood, here or on another CPU at
 * the same time, is not copied again.
 */
static __always_inline int hn_tc_take_mark(struct __sk_buff *skb,
					   const union hn_tc_hdr *u)
{
	struct hn_dp_mcast_mark_key k = {
		.src = u->h.src,
		.seq = u->h.seq,
		.ifindex = skb->ingress_ifindex,
	};
	struct hn_dp_mcast_mark *mk;
	__u32 i;

	if (skb->vlan_present)
		return 0;
	mk = bpf_map_lookup_elem(&hn_mcast_marks, &k);
	if (!mk || mk->cookie != hn_meta_cookie)
		return 0;
	for (i = 0; i < 5; i++)
		if (mk->hdr[i] != u->w[i])
			return 0;
	return !bpf_map_delete_elem(&hn_mcast_marks, &k);
}

/*
 * Whether XDP accepted flood @u in @skb for copying: its metadata sits
 * in front of the frame and names it as it arrived, or, on a kernel that
 * gives XDP no metadata, its mark in hn_mcast_marks does.
 */
static __always_inline int hn_tc_accepted(struct __sk_buff *skb,
					  const union hn_tc_hdr *u,
					  struct hn_dp_stats *st)
{
	void *data = (void *)(long)skb->data;
	struct hn_dp_meta *m;

	if (!hn_meta_ok) {
		if (!hn_tc_take_mark(skb, u))
			return 0;
		st->tc_mark++;
		return 1;
	}
	m = (void *)(long)skb->data_meta;
	return (void *)(m + 1) <= data && m->cookie == hn_meta_cookie &&
	       m->src == u->h.src && m->seq == u->h.seq && m->ttl == u->h.ttl;
}

/*
 * TC ingress, after XDP passed a member-group flood up for copying (its
 * metadata says so, struct hn_dp_meta, or its mark in hn_mcast_marks):
 * copy it to every other mesh port with TTL - 1, then let the original
 * (TTL as it arrived) continue to the local stack.  Nothing else is
 * copied, whatever the frame says: XDP validated and de-duplicated this
 * one, and only XDP's word counts.  Without metadata, a control flood
 * that is not copied goes up marked HN_RSV_NOT_COPIED, for the agent to
 * forward: XDP may have accepted it and its mark been lost (evicted from
 * the LRU map, see dataplane.h).
 */
SEC("tc")
int hn_tc_ingress(struct __sk_buff *skb)
{
	const __u32 ttl_off = ETH_HLEN + __builtin_offsetof(struct hnhdr, ttl);
	const __u32 rsv_off =
		ETH_HLEN + __builtin_offsetof(struct hnhdr, reserved);
	__u8 bcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	__u8 rsv = HN_RSV_NOT_COPIED;
	struct hn_dp_stats *st;
	union hn_tc_hdr u;
	struct ethhdr eth;
	__u32 zero = 0, i;
	__u8 ttl;

	if (skb->protocol != bpf_htons(ETH_P_HYPERNET))
		return TC_ACT_OK;
	st = bpf_map_lookup_elem(&hn_stats, &zero);
	if (!st)
		return TC_ACT_OK;
	if (bpf_skb_load_bytes(skb, 0, &eth, sizeof(eth)) ||
	    bpf_skb_load_bytes(skb, ETH_HLEN, &u, sizeof(u)) ||
	    !(u.h.flags & HN_F_MCAST) || u.h.type == HN_T_HELLO)
		return TC_ACT_OK;
	/* a flood: XDP must have accepted it, as it arrived */
	if (u.h.ttl <= 1 || !hn_tc_accepted(skb, &u, st)) {
		st->tc_unmarked++;
		if (!hn_meta_ok && u.h.ttl > 1 && hn_dp_ctrl_type(u.h.type) &&
		    u.h.reserved != HN_RSV_NOT_COPIED)
			bpf_skb_store_bytes(skb, rsv_off, &rsv, 1, 0);
		return TC_ACT_OK;
	}
	ttl = u.h.ttl - 1;
	bpf_skb_store_bytes(skb, ttl_off, &ttl, 1, 0);
	bpf_skb_store_bytes(skb, 0, bcast, ETH_ALEN, 0);
	for (i = 0; i < HN_DP_MAX_PORTS; i++) {
		__u32 k = i;
		struct hn_dp_port *pt = bpf_map_lookup_elem(&hn_ports, &k);

		if (!pt || !pt->ifindex || pt->ifindex == skb->ingress_ifindex)
			continue;
		if ((u.h.flags & HN_F_PRIVATE) && pt->domain != 1) {
			/* privacy: no copy out of the domain */
			st->priv_drop_out++;
			continue;
		}
		bpf_skb_store_bytes(skb, ETH_ALEN, pt->mac, ETH_ALEN, 0);
		if (bpf_clone_redirect(skb, pt->ifindex, 0))
			st->tc_clone_fail++;
		else
			st->tc_clone++;
	}
	/* the local copy keeps the header it arrived with */
	bpf_skb_store_bytes(skb, 0, &eth, sizeof(eth), 0);
	bpf_skb_store_bytes(skb, ttl_off, &u.h.ttl, 1, 0);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
