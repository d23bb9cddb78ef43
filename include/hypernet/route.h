/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The routing model: how a candidate next hop is scored.  Shared by the XDP
 * router, the userspace reference, the CLI and the trainer, so that feature
 * scaling and scoring exist exactly once.
 *
 * Each candidate next hop c for a frame f is described by HN_RT_NFEAT int8
 * features in [0, 127]:
 *
 *   neighbour part (depends on the neighbour only, precomputable)
 *     HN_FEAT_QUALITY   link delivery ratio        ratio * 127
 *     HN_FEAT_DELAY     link delay                 hn_scale_log(us)
 *     HN_FEAT_LOSS      link loss ratio            ratio * 127
 *     HN_FEAT_LOAD      neighbour/link load        utilisation * 127
 *     HN_FEAT_CAPACITY  link capacity              hn_scale_log(kbit/s)
 *   route part (depends on destination and candidate)
 *     HN_FEAT_DIST      load-aware cost ratio x hops
 *                                                  hn_rt_route_dist()
 *   frame part (depends on the frame only)
 *     HN_FEAT_CLASS     traffic class              hn_scale_class(tclass)
 *     HN_FEAT_SIZE      frame length               hn_scale_size(bytes)
 *     HN_FEAT_TTL       hops left                  hn_scale_ttl(ttl)
 * The route and frame parts are coarse buckets (see the scaling section),
 * so that userspace can compile the model into score tables the data
 * plane reads instead of running it (score tables, at the end).
 *
 * The network is a 2-layer MLP:
 *   h = relu_sat8((W1 x + b1) >> shift1)       HN_RT_HIDDEN units
 *   score = W2 h + b2                          int32, higher is better
 *
 * Because W1 x splits into the three parts above and integer addition is
 * associative, a neighbour part (hn_rt_pre_neigh), a frame part
 * (hn_rt_pre_frame) and the route part can be computed apart and added,
 * and still give the very same score as the full reference hn_rt_score().
 */
#ifndef _HYPERNET_ROUTE_H
#define _HYPERNET_ROUTE_H

#include <linux/types.h>
#include "engine.h"

enum hn_feature {
	HN_FEAT_QUALITY,
	HN_FEAT_DELAY,
	HN_FEAT_LOSS,
	HN_FEAT_LOAD,
	HN_FEAT_CAPACITY,
	HN_FEAT_DIST,
	HN_FEAT_CLASS,
	HN_FEAT_SIZE,
	HN_FEAT_TTL,
	HN_RT_NFEAT
};

#define HN_NB_FEAT_FIRST HN_FEAT_QUALITY
#define HN_NB_NFEAT (HN_FEAT_CAPACITY + 1) /* 5 */
#define HN_FR_FEAT_FIRST HN_FEAT_CLASS
#define HN_FR_NFEAT (HN_RT_NFEAT - HN_FEAT_CLASS) /* 3 */

#define HN_RT_HIDDEN 8
#define HN_FEAT_MAX 127

/* The quantised routing model, as stored in a data-plane model slot. */
struct hn_rt_model {
	__s8 w1[HN_RT_HIDDEN][HN_RT_NFEAT];
	__s8 w2[HN_RT_HIDDEN];
	__s32 b1[HN_RT_HIDDEN];
	__s32 b2;
	__u32 shift1;
};

/* ---- feature scaling ---------------------------------------------------- */

__hn_inline __u8 hn_feat_clamp(__u32 v)
{
	return v > HN_FEAT_MAX ? HN_FEAT_MAX : (__u8)v;
}

/* 8 * log2(1 + x) with 3 fractional bits: 0 -> 0, 1 -> 8, 1023 -> 80. */
__hn_inline __u8 hn_scale_log(__u32 x)
{
	__u32 v = x + 1, lg = 0, frac;

	if (x >= 0xFFFF0000U)
		return HN_FEAT_MAX;
	/* Bounded: at most 32 steps, written out for the BPF verifier. */
	if (v >> 16) {
		v >>= 16;
		lg += 16;
	}
	if (v >> 8) {
		v >>= 8;
		lg += 8;
	}
	if (v >> 4) {
		v >>= 4;
		lg += 4;
	}
	if (v >> 2) {
		v >>= 2;
		lg += 2;
	}
	if (v >> 1) {
		lg += 1;
	}
	/* three bits below the leading one, linear interpolation */
	v = x + 1;
	frac = lg >= 3 ? (v >> (lg - 3)) & 7 : (v << (3 - lg)) & 7;
	return hn_feat_clamp(lg * 8 + frac);
}

__hn_inline __u8 hn_scale_ratio(__u32 permille)
{
	return hn_feat_clamp((permille * 127 + 500) / 1000);
}

/*
 * Route and frame features are coarse buckets, so that the data plane can
 * read a candidate's score from a table compiled in userspace (compiled
 * form, below) instead of running the model.  Each scaling function
 * returns its bucket's representative feature: the table, compiled from
 * the representatives, and hn_rt_score() of a frame's scaled features
 * agree exactly.
 *
 * Route bucket: the distance feature / 8, hops 0 .. 14 one each, 15 and
 * more together.
 */
#define HN_RT_ROUTE_BUCKETS 16
#define HN_RT_HOPS_STEP 8

__hn_inline __u8 hn_scale_hops(__u32 hops)
{
	if (hops > HN_RT_ROUTE_BUCKETS - 1)
		hops = HN_RT_ROUTE_BUCKETS - 1;
	return hops * HN_RT_HOPS_STEP;
}

/*
 * The route feature the agent and the simulator give a candidate: its
 * load-aware path cost @cost (hn_topo_cand.load_cost: its ETT path
 * cost(self, neighbour) + D(neighbour, dst) with every link weighed by
 * hn_link_ett_load() of the utilisation its sender advertises) against
 * the least of the route's candidates, @best (hn_topo_route.load_cost), in
 * 4 ratio levels (below 1.15, 1.6, 2.5 and more), times the path's @hops
 * in 4 levels (0: this node, 1, 2, 3 and more): route bucket 4 * ratio
 * level + hop level, as its feature.  The ratio tells the model how much
 * a detour costs now, which hops alone cannot on links of mixed capacity
 * and its own first hop's load cannot when the bottleneck is further
 * down the path; on idle links it is the ETT ratio.  The hop level keeps
 * the default candidates of anycast hosts ordered by distance.  Ratio
 * level 0 with hops 0..3 is hn_scale_hops(hops), so a route written by
 * hops (hnctl route set) means an equally cheap path of that length.
 */
#define HN_RT_HOP_LEVELS 4

__hn_inline __u8 hn_rt_route_dist(__u32 cost, __u32 best, __u32 hops)
{
	__u64 c = (__u64)cost * 20, b = best ? best : 1;
	__u32 lvl;

	if (c < b * 23)
		lvl = 0;
	else if (c < b * 32)
		lvl = 1;
	else if (c < b * 50)
		lvl = 2;
	else
		lvl = 3;
	if (hops > HN_RT_HOP_LEVELS - 1)
		hops = HN_RT_HOP_LEVELS - 1;
	return (lvl * HN_RT_HOP_LEVELS + hops) * HN_RT_HOPS_STEP;
}

/* Frame buckets: class (tclass & 7) x 4 sizes x 4 TTLs. */
#define HN_RT_CLASSES 8
#define HN_RT_SIZE_BUCKETS 4
#define HN_RT_TTL_BUCKETS 4
#define HN_RT_FRAME_BUCKETS \
	(HN_RT_CLASSES * HN_RT_SIZE_BUCKETS * HN_RT_TTL_BUCKETS) /* 128 */

__hn_inline __u8 hn_scale_class(__u32 tclass)
{
	return hn_feat_clamp((tclass & 7) * 16);
}

/* Frame length (HyperNet header and payload): < 128, 512, 1024, more. */
__hn_inline __u32 hn_size_bucket(__u32 bytes)
{
	if (bytes < 128)
		return 0;
	if (bytes < 512)
		return 1;
	return bytes < 1024 ? 2 : 3;
}

/* A size bucket's representative: 64, 320, 768 and 1500 bytes / 16. */
__hn_inline __u8 hn_size_bucket_feat(__u32 b)
{
	if (b == 0)
		return 4;
	if (b == 1)
		return 20;
	return b == 2 ? 48 : 93;
}

__hn_inline __u8 hn_scale_size(__u32 bytes)
{
	return hn_size_bucket_feat(hn_size_bucket(bytes));
}

/* Hops left: <= 2, <= 4, <= 8, more (HN_TTL_DEFAULT is 16). */
__hn_inline __u32 hn_ttl_bucket(__u32 ttl)
{
	if (ttl <= 2)
		return 0;
	if (ttl <= 4)
		return 1;
	return ttl <= 8 ? 2 : 3;
}

/* A TTL bucket's representative: TTL 2, 4, 8, 16, halved. */
__hn_inline __u8 hn_ttl_bucket_feat(__u32 b)
{
	return (2U << (b & 3)) >> 1;
}

__hn_inline __u8 hn_scale_ttl(__u32 ttl)
{
	return hn_ttl_bucket_feat(hn_ttl_bucket(ttl));
}

/* A frame's bucket, 0 .. HN_RT_FRAME_BUCKETS - 1: class, size, TTL. */
__hn_inline __u32 hn_frame_bucket(__u32 tclass, __u32 bytes, __u32 ttl)
{
	return (tclass & (HN_RT_CLASSES - 1)) | hn_size_bucket(bytes) << 3 |
	       hn_ttl_bucket(ttl) << 5;
}

/*
 * A neighbour's features from what a router measures of the link: the
 * shares of HELLOs each side hears, @rx (we hear it) and @tx (it hears
 * us), 0..255; the smoothed PROBE round trip; our transmit utilisation of
 * the port in permille; the port's kbit/s.  The agent and the trainer's
 * simulator both call this, so the model is trained on what it is fed.
 */
__hn_inline void hn_link_features(__u32 rx, __u32 tx, __u64 rtt_ns,
				  __u32 util_permille, __u32 kbps,
				  __u8 feat[HN_NB_NFEAT])
{
	__u32 q = rx * tx; /* df * dr, 0..65025 */

	feat[HN_FEAT_QUALITY] = hn_scale_ratio(q * 1000 / 65025);
	/* one way: half the round trip, in us */
	feat[HN_FEAT_DELAY] = hn_scale_log(rtt_ns / 2000);
	feat[HN_FEAT_LOSS] = hn_scale_ratio(1000 - rx * 1000 / 255);
	feat[HN_FEAT_LOAD] =
		hn_scale_ratio(util_permille > 1000 ? 1000 : util_permille);
	feat[HN_FEAT_CAPACITY] = hn_scale_log(kbps);
}

/* ETX-like link cost from the same shares: 256 perfect, 1/(df*dr) worse. */
__hn_inline __u16 hn_link_cost(__u32 rx, __u32 tx)
{
	__u32 p = rx * tx, c;

	if (!p)
		return 0xffff;
	c = 256U * 255 * 255 / p;
	return c > 0xffff ? 0xffff : c;
}

/*
 * ETT link cost: ETX (1 / (df * dr), from the same HELLO shares) times the
 * airtime of a 1500-byte frame at the port's @kbps, in microseconds, as
 * B.A.T.M.A.N. V weighs links by throughput.  Microseconds fit the LSA's
 * u16 where a mesh lives: a clean 1 Gbit/s link costs 12, 10 Mbit/s 1200,
 * 1 Mbit/s 12000 (ETX up to 5 before the cost saturates at 0xffff, as a
 * dead link's).  Links faster than ~16 Gbit/s all cost 1, never 0: there
 * a hop's forwarding time (tens of us) outweighs the airtime anyway, and
 * the metric degrades to hop count.  0xffff if either share or @kbps is 0.
 */
__hn_inline __u16 hn_link_ett(__u32 rx, __u32 tx, __u32 kbps)
{
	__u64 den = (__u64)(rx * tx) * kbps, c;

	if (!den)
		return 0xffff;
	/* 1500 * 8 bits / kbps = 12e6 / kbps us, times 255 * 255 / (rx * tx) */
	c = (12000000ULL * 65025 + den / 2) / den;
	return c > 0xffff ? 0xffff : c ? c : 1;
}

/*
 * A link's load-aware cost: @cost (its ETT) x (1 + u), u = @util / 255 the
 * transmit utilisation its origin measures (HN_LSA_F_UTIL), so a full
 * link costs twice its idle cost, as an operator would configure Babel's
 * cost from measured load.  The M/M/1 form cost / (1 - u) sends flows
 * from link to link every refresh (Documentation/learned-routing.rst).
 * Saturates at 0xffff; never 0 for a nonzero @cost.
 */
__hn_inline __u16 hn_link_ett_load(__u32 cost, __u32 util)
{
	__u32 c;

	if (util > 255)
		util = 255;
	c = (cost * (255 + util) + 127) / 255;
	return c > 0xffff ? 0xffff : c;
}

/*
 * Utilisation goes into LSAs as 0..255 (permille * 255 / 1000), and an
 * agent floods a new LSA when a link's has moved by HN_UTIL_READV or more
 * since it last advertised it: flooding on every small change would load
 * the mesh with control traffic, and the route feature only sees costs
 * in coarse ratio levels anyway.
 */
#define HN_UTIL_READV 32

__hn_inline __u8 hn_util_from_pm(__u32 permille)
{
	if (permille > 1000)
		permille = 1000;
	return (permille * 255 + 500) / 1000;
}

__hn_inline int hn_util_moved(__u8 advertised, __u8 now)
{
	return now >= advertised + HN_UTIL_READV ||
	       now + HN_UTIL_READV <= advertised;
}

/* ---- scoring ------------------------------------------------------------ */

/* b1 + W1[:, neighbour part] x_nb: what the data plane keeps per neighbour. */
__hn_inline void hn_rt_pre_neigh(const struct hn_rt_model *m,
				 const __u8 nb[HN_NB_NFEAT],
				 __s32 pre[HN_RT_HIDDEN])
{
	__u32 j, i;

	for (j = 0; j < HN_RT_HIDDEN; j++) {
		__s32 acc = m->b1[j];

		for (i = 0; i < HN_NB_NFEAT; i++)
			acc += (__s32)m->w1[j][HN_NB_FEAT_FIRST + i] *
			       (__s32)nb[i];
		pre[j] = acc;
	}
}

/* W1[:, frame part] x_frame: computed once per frame. */
__hn_inline void hn_rt_pre_frame(const struct hn_rt_model *m,
				 const __u8 fr[HN_FR_NFEAT],
				 __s32 pre[HN_RT_HIDDEN])
{
	__u32 j, i;

	for (j = 0; j < HN_RT_HIDDEN; j++) {
		__s32 acc = 0;

		for (i = 0; i < HN_FR_NFEAT; i++)
			acc += (__s32)m->w1[j][HN_FR_FEAT_FIRST + i] *
			       (__s32)fr[i];
		pre[j] = acc;
	}
}

/* Finish a candidate's score from its three partial sums. */
__hn_inline __s32 hn_rt_finish(const struct hn_rt_model *m,
			       const __s32 pre_nb[HN_RT_HIDDEN],
			       const __s32 pre_fr[HN_RT_HIDDEN], __u8 dist)
{
	__s32 score = m->b2;
	__u32 j;

	for (j = 0; j < HN_RT_HIDDEN; j++) {
		__s32 acc = pre_nb[j] + pre_fr[j] +
			    (__s32)m->w1[j][HN_FEAT_DIST] * (__s32)dist;
		__s8 h = hn_requant(acc, m->shift1, 1);

		score += (__s32)m->w2[j] * (__s32)h;
	}
	return score;
}

/* The reference: score of one full feature vector. */
__hn_inline __s32 hn_rt_score(const struct hn_rt_model *m,
			      const __u8 x[HN_RT_NFEAT])
{
	__s32 pre_nb[HN_RT_HIDDEN], pre_fr[HN_RT_HIDDEN];

	hn_rt_pre_neigh(m, &x[HN_NB_FEAT_FIRST], pre_nb);
	hn_rt_pre_frame(m, &x[HN_FR_FEAT_FIRST], pre_fr);
	return hn_rt_finish(m, pre_nb, pre_fr, x[HN_FEAT_DIST]);
}

/* ---- compiled form ------------------------------------------------------ */

/*
 * The model as the data plane evaluates it for anycast hosts (unicast
 * reads score tables, below): the same functions as hn_rt_pre_neigh(),
 * hn_rt_pre_frame() and hn_rt_finish(), rearranged for speed.
 *   - Every weight the per-frame and per-candidate code reads is widened
 *     to s32: BPF ISA v3 has no sign-extending loads, so each int8 weight
 *     would cost two shifts per use.
 *   - The rounding constant 1 << (shift1 - 1) is added once per frame to
 *     the frame part, so a hidden unit is a plain arithmetic shift.  This
 *     moves the rounding from hn_rshift_round()'s s64 into s32, which is
 *     exact while |b1| <= HN_BIAS_MAX and shift1 <= HN_SHIFT_MAX (what
 *     hn_rt_compile() accepts): with u8 features, |W1 x + b1| <=
 *     2^30 + 9 * 128 * 255, and adding at most 2^29 stays below 2^31.
 * Userspace compiles it beside the raw model (hn_rt_compile()); the
 * reference hn_rt_score() stays the definition, and tests check that the
 * two agree.
 */
struct hn_rt_compiled {
	__s32 wd[HN_RT_HIDDEN]; /* W1[:, HN_FEAT_DIST] */
	__s32 w2[HN_RT_HIDDEN];
	__s32 wf[HN_RT_HIDDEN][HN_FR_NFEAT]; /* W1[:, frame part] */
	__s32 wn[HN_RT_HIDDEN][HN_NB_NFEAT]; /* W1[:, neighbour part] */
	__s32 b1[HN_RT_HIDDEN];
	__s32 round; /* 1 << (shift1 - 1), or 0 */
	__u32 shift1;
	__s32 b2;
	__u32 pad;
};

/* 0, or -1 if @m is outside the range where the compiled form is exact. */
__hn_inline int hn_rt_compile(const struct hn_rt_model *m,
			      struct hn_rt_compiled *c)
{
	__u32 j, i;

	if (m->shift1 > HN_SHIFT_MAX)
		return -1;
	for (j = 0; j < HN_RT_HIDDEN; j++) {
		if (m->b1[j] > HN_BIAS_MAX || m->b1[j] < -HN_BIAS_MAX)
			return -1;
		c->wd[j] = m->w1[j][HN_FEAT_DIST];
		c->w2[j] = m->w2[j];
		for (i = 0; i < HN_FR_NFEAT; i++)
			c->wf[j][i] = m->w1[j][HN_FR_FEAT_FIRST + i];
		for (i = 0; i < HN_NB_NFEAT; i++)
			c->wn[j][i] = m->w1[j][HN_NB_FEAT_FIRST + i];
		c->b1[j] = m->b1[j];
	}
	c->round = m->shift1 ? (__s32)1 << (m->shift1 - 1) : 0;
	c->shift1 = m->shift1;
	c->b2 = m->b2;
	c->pad = 0;
	return 0;
}

/*
 * Keep hidden units in sequence.  Left alone, clang for BPF reassociates
 * a sum over the units into a tree, keeps every unit live at once and
 * spills registers: twice the instructions of the math itself.
 */
#if defined(__bpf__)
#define hn_rt_seq(x) asm volatile("" : "+r"(x))
#define HN_RT_UNROLL _Pragma("unroll")
#else
#define hn_rt_seq(x) \
	do {         \
	} while (0)
#define HN_RT_UNROLL
#endif

/* hn_rt_pre_neigh(), for neighbours the data plane makes up itself. */
__hn_inline void hn_rt_pre_neigh_compiled(const struct hn_rt_compiled *c,
					  const __u8 nb[HN_NB_NFEAT],
					  __s32 pre[HN_RT_HIDDEN])
{
	__s32 x[HN_NB_NFEAT];
	__u32 j, i;

	/* read once: the stores to pre[] could alias the u8 features */
	for (i = 0; i < HN_NB_NFEAT; i++)
		x[i] = nb[i];
	HN_RT_UNROLL
	for (j = 0; j < HN_RT_HIDDEN; j++) {
		__s32 acc = c->b1[j];

		for (i = 0; i < HN_NB_NFEAT; i++)
			acc += c->wn[j][i] * x[i];
		hn_rt_seq(acc);
		pre[j] = acc;
	}
}

/* hn_rt_pre_frame() plus the rounding constant. */
__hn_inline void hn_rt_pre_frame_compiled(const struct hn_rt_compiled *c,
					  const __u8 fr[HN_FR_NFEAT],
					  __s32 pre[HN_RT_HIDDEN])
{
	__s32 x[HN_FR_NFEAT], round = c->round;
	__u32 j, i;

	/* read once: the stores to pre[] could alias them */
	for (i = 0; i < HN_FR_NFEAT; i++)
		x[i] = fr[i];
	HN_RT_UNROLL
	for (j = 0; j < HN_RT_HIDDEN; j++) {
		__s32 acc = round;

		for (i = 0; i < HN_FR_NFEAT; i++)
			acc += c->wf[j][i] * x[i];
		hn_rt_seq(acc);
		pre[j] = acc;
	}
}

/* Relu and saturation of one hidden unit, as hn_requant(.., 1) does. */
__hn_inline __s32 hn_rt_unit(__s32 acc, __u32 shift)
{
	__s32 h = acc >> shift;

	if (h < 0)
		h = 0;
	if (h > HN_S8_MAX)
		h = HN_S8_MAX;
	return h;
}

/*
 * hn_rt_finish() from the neighbour's pre (hn_rt_pre_neigh()) and the
 * frame's hn_rt_pre_frame_compiled().
 */
__hn_inline __s32 hn_rt_finish_compiled(const struct hn_rt_compiled *c,
					const __s32 pre_nb[HN_RT_HIDDEN],
					const __s32 pre_fr[HN_RT_HIDDEN],
					__u32 dist)
{
	__s32 score = c->b2;
	__u32 j, shift = c->shift1;

	HN_RT_UNROLL
	for (j = 0; j < HN_RT_HIDDEN; j++) {
		score += c->w2[j] * hn_rt_unit(pre_nb[j] + pre_fr[j] +
						       c->wd[j] * (__s32)dist,
					       shift);
		hn_rt_seq(score);
	}
	return score;
}

/* ---- score tables ------------------------------------------------------ */

/*
 * What the data plane decides unicast frames with: per model slot, the
 * score of every (neighbour, route bucket, frame bucket), compiled by
 * userspace from the neighbours' features and the model
 * (Documentation/dataplane.rst, Score tables).  A candidate then costs
 * one load, whatever the model's size.  These functions define an entry;
 * hn_rt_table_score() is the reference the tests hold the tables to.
 */

/* A route feature's bucket: the distance feature / HN_RT_HOPS_STEP. */
__hn_inline __u32 hn_rt_route_bucket(__u32 dist)
{
	return (dist / HN_RT_HOPS_STEP) & (HN_RT_ROUTE_BUCKETS - 1);
}

/* A route bucket's representative distance feature. */
__hn_inline __u8 hn_rt_route_feat(__u32 rb)
{
	return (rb & (HN_RT_ROUTE_BUCKETS - 1)) * HN_RT_HOPS_STEP;
}

/* A frame bucket's representative features (hn_frame_bucket()). */
__hn_inline void hn_frame_bucket_feat(__u32 f, __u8 fr[HN_FR_NFEAT])
{
	fr[0] = hn_scale_class(f & (HN_RT_CLASSES - 1));
	fr[1] = hn_size_bucket_feat((f >> 3) & (HN_RT_SIZE_BUCKETS - 1));
	fr[2] = hn_ttl_bucket_feat((f >> 5) & (HN_RT_TTL_BUCKETS - 1));
}

/*
 * The table entry of neighbour features @nb, route bucket @rb and frame
 * bucket @f: the reference score of their representatives.
 */
__hn_inline __s32 hn_rt_table_score(const struct hn_rt_model *m,
				    const __u8 nb[HN_NB_NFEAT], __u32 rb,
				    __u32 f)
{
	__u8 x[HN_RT_NFEAT];
	__u32 i;

	for (i = 0; i < HN_NB_NFEAT; i++)
		x[HN_NB_FEAT_FIRST + i] = nb[i];
	x[HN_FEAT_DIST] = hn_rt_route_feat(rb);
	hn_frame_bucket_feat(f, &x[HN_FR_FEAT_FIRST]);
	return hn_rt_score(m, x);
}

/*
 * Moving a (destination, frame bucket) from path to path a step at a
 * time (Documentation/learned-routing.rst, Splitting).  Moved whole onto
 * an idle thinner path, a flow overfills it; its load features come back
 * 0.5-1 s later and the flow moves back, and so on (herding).  Instead
 * the data plane sends a share of the frames, 0..HN_RT_SPLIT_ONE / 256,
 * to a second neighbour, the alternative, and the rest to the model's
 * pick.  When the pick changes, the traffic stays where it was: the old
 * pick becomes the alternative with the share it carried.  Every period
 * (the agent's feature period, 500 ms) the alternative's share falls by
 * a step (hn_dp_config.split_step), so traffic moves towards the pick
 * by a step a period and, where the picks alternate, settles where the
 * two paths' scores meet, a step either side: a flow-deviation step
 * (Gallager) instead of a flip.  Which frames take the alternative:
 * those whose hn_rt_split_hash() of source and sequence number is below
 * the share; Fibonacci hashing spreads consecutive sequence numbers
 * evenly, so the share holds over a few dozen frames of one source.
 */
#define HN_RT_SPLIT_ONE 256 /* the whole (destination, frame bucket) */
#define HN_RT_SPLIT_STEP 64 /* the agent's default step: a quarter */
#define HN_RT_SPLIT_NONE 0xFFFFFFFFU /* no neighbour */

__hn_inline __u32 hn_rt_split_hash(__u32 src, __u32 seq)
{
	return ((seq + (src << 20)) * 0x9E3779B1U) >> 24;
}

/*
 * The alternative (*@alt) and its share (returned) when the pick is
 * @pick and was @prev with alternative @prev_alt at @prev_share (@prev
 * HN_RT_SPLIT_NONE: nothing before): the same split of the traffic,
 * expressed around the new pick.  A pick that is neither takes nothing
 * yet (the old pick keeps its alternative's share too).
 */
__hn_inline __u32 hn_rt_split_next(__u32 prev, __u32 prev_alt, __u32 prev_share,
				   __u32 pick, __u32 *alt)
{
	*alt = HN_RT_SPLIT_NONE;
	if (prev == HN_RT_SPLIT_NONE || prev_share > HN_RT_SPLIT_ONE)
		return 0;
	if (pick == prev) {
		if (!prev_share)
			return 0;
		*alt = prev_alt;
		return prev_share;
	}
	*alt = prev;
	if (pick == prev_alt)
		return HN_RT_SPLIT_ONE - prev_share;
	return HN_RT_SPLIT_ONE;
}

/* A period's step of @share towards the pick. */
__hn_inline __u32 hn_rt_split_step(__u32 share, __u32 step)
{
	return share > step ? share - step : 0;
}

#endif /* _HYPERNET_ROUTE_H */
