/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Link-state database and route computation of hypernetd.
 *
 * Every node floods an LSA (struct hn_ctrl_lsa) naming its links; the
 * database keeps the newest LSA per origin until it expires.  Routes are
 * computed from it with Dijkstra over bidirectional links only (a link
 * counts when both ends advertise it; its cost is the larger of the two).
 *
 * Candidates must be loop-free whatever the model picks, since every
 * router decides on its own: a neighbour n is a candidate next hop to d
 * only if D(n, d) < D(self, d) (downstream criterion), so each hop strictly
 * lowers the distance left.  Up to HN_DP_MAX_CAND candidates, cheapest
 * total cost first; the default is the cheapest (the shortest path).
 */
#ifndef _HN_LIB_TOPO_H
#define _HN_LIB_TOPO_H

#include <stdio.h>
#include <linux/types.h>
#include "ctrl.h"

#define HN_TOPO_MAX_NODES 1024
#define HN_TOPO_MAX_CAND 8 /* HN_DP_MAX_CAND */
#define HN_TOPO_INF 0xFFFFFFFFU

struct hn_topo;
struct jsonw;

struct hn_topo *hn_topo_new(__u32 self);
void hn_topo_free(struct hn_topo *t);

/*
 * Store @lsa, received or originated at @now_ns (CLOCK_MONOTONIC), if it is
 * newer than the one held for lsa->origin.  Returns 1 if stored, 0 if not
 * newer (duplicate or old), -EINVAL if it is malformed (self-links,
 * duplicate links, zero costs, counts out of range), -ENOSPC if full.
 */
int hn_topo_update(struct hn_topo *t, const struct hn_ctrl_lsa *lsa,
		   __u64 now_ns);
/*
 * Drop LSAs older than their lifetime; returns how many were dropped.
 * An LSA is older once now_ns - stored >= lifetime_s seconds, so one with
 * lifetime 0 (a flush) goes at the next call.  The database forgets the
 * seq of what it drops: an old copy still being flooded is stored again.
 */
int hn_topo_expire(struct hn_topo *t, __u64 now_ns);
/* Drop the LSA of @origin. 0 or -ENOENT. */
int hn_topo_remove(struct hn_topo *t, __u32 origin);

/* Held LSAs, in no particular order: index 0 .. hn_topo_count() - 1. */
unsigned int hn_topo_count(const struct hn_topo *t);
const struct hn_ctrl_lsa *hn_topo_at(const struct hn_topo *t, unsigned int i);
const struct hn_ctrl_lsa *hn_topo_get(const struct hn_topo *t, __u32 origin);

/*
 * Load-aware costs weigh each link by hn_link_ett_load() of the
 * utilisation its sender advertises (HN_LSA_F_UTIL; 0 without): what a
 * path costs now rather than idle.  Candidates and the default stay those
 * of the advertised costs, so loops and herding cannot follow from load;
 * the model sees load_cost through the route feature.
 */
struct hn_topo_cand {
	__u32 neigh; /* neighbour node id */
	__u32 cost; /* cost(self, neigh) + D(neigh, dst) */
	__u32 load_cost; /* the same on load-aware costs */
	__u8 hops; /* hops to dst through neigh */
};

struct hn_topo_route {
	__u32 dst;
	__u32 cost; /* D(self, dst) */
	__u32 load_cost; /* the least load_cost of the candidates */
	__u8 hops; /* hops of the shortest path */
	__u8 n_cand; /* >= 1 */
	__u8 def; /* index of the shortest path's next hop */
	struct hn_topo_cand cand[HN_TOPO_MAX_CAND];
};

/*
 * Routes from self (which must have an LSA in @t) to every reachable node,
 * sorted by dst.  Writes at most @max into @out, sets *@n.  Returns 0,
 * -ENOENT without a self LSA, -ENOMEM.
 *
 * *@n is the number written (HN_TOPO_MAX_NODES - 1 always suffices).
 * Ties sort by hops, then neighbour id, so def is always 0 and the route's
 * cost and hops are those of cand[0]; hops saturate at 255.  The result
 * depends on the LSAs only, not on the order they came in, and is zeroed
 * beyond n_cand and in padding: memcmp() tells whether routes changed.
 */
int hn_topo_routes(const struct hn_topo *t, struct hn_topo_route *out,
		   unsigned int max, unsigned int *n);

/*
 * The mesh as Graphviz DOT (nodes, bidirectional links labelled with
 * cost, like batadv-vis) or JSON ({"nodes":[...],"links":[...]}).
 *
 * Nodes are the LSA holders in id order, ids in decimal; each link is
 * written once, lower id first, with the cost routes use, the worse of
 * the two ends' quality and each direction's transmit utilisation as
 * its sender advertises it (HN_LSA_F_UTIL; 0 without).  DOT fills self
 * in light blue and adds "A% / B%" (a->b, b->a) to the label of a link
 * in use.  JSON writes one object: {"self":..,"nodes":[{"id","seq",
 * "load","capacity","model_gen","stages":[..],"rates":[{"stage",
 * "ns_per_item","busy_pm","queue"}]}],"links":[{"a","b",
 * "cost","quality","util_ab","util_ba"}]}, utilisation 0..255.
 * Both write nothing if memory runs out.
 */
struct hn_names;
/* Nodes labelled by their names in @names (may be NULL), else by id. */
void hn_topo_dot(const struct hn_topo *t, const struct hn_names *names,
		 FILE *f);
void hn_topo_json(const struct hn_topo *t, struct jsonw *jw);

#endif /* _HN_LIB_TOPO_H */
