/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The yardstick of the simulator (sim.h): the traffic matrix it offers,
 * the largest multiple of it that any multipath routing can carry (the
 * max concurrent flow, which defines load 1.0), and a lower bound on the
 * mean delivery time of any routing of it (minimum-delay multipath flow,
 * Frank-Wolfe on per-link M/G/1 delays).  Offline code: libhnlearn.
 * Documentation/learned-routing.rst, "The lower bound".
 */
#ifndef _HN_LEARN_BOUND_H
#define _HN_LEARN_BOUND_H

#include <stddef.h>
#include "sim.h"

/* lambda_hi / lambda_max - 1 at most this (certified, or -1) */
#define HN_BOUND_MCF_GAP 0.01
/* Frank-Wolfe stops at this relative duality gap or number of sweeps */
#define HN_BOUND_FW_GAP 0.001
#define HN_BOUND_FW_ITERS 3000

struct hn_bound {
	/*
	 * Max concurrent flow of the demand at c->load: some routing
	 * carries lambda_max x the demand within capacity (a flow was
	 * found), none carries more than lambda_hi x (dual certificate).
	 * At load L, lambda_max = 1 / L up to HN_BOUND_MCF_GAP.
	 */
	double lambda_max, lambda_hi;
	double offered_fps; /* frames per second, all pairs */
	double offered_bps; /* wire bits per second, all pairs */
	/*
	 * Mean delivery time, us.  mean_us: lower bound of the minimum
	 * over all multipath routings (Frank-Wolfe linearisation, the best
	 * over iterations); iter_us: that of the best routing found (the
	 * iterate, >= the minimum).  INFINITY when !feasible.
	 */
	double mean_us, iter_us;
	double free_us; /* every frame on its fastest path, no queueing */
	/*
	 * Under any static routing in the simulator (infinite buffers), not
	 * only the model: a frame's first hop queues at least as M/G/1 with
	 * its source's frames alone, later hops at least not at all.
	 */
	double floor_us;
	double max_util; /* the iterate's busiest link (or shared medium) */
	unsigned int iters; /* Frank-Wolfe sweeps (bounds) run */
	int feasible; /* 0: load at or above lambda*, no finite delay */
	char reason[160]; /* why not feasible, or why -1 */
};

/*
 * The offered traffic matrix of @c on @t: wire bits per second (frame,
 * Ethernet header; no retransmissions) per (src, dst), n x n row-major,
 * at c->load, i.e. c->load x lambda* x the shape hn_sim_weights() draws.
 * The simulator offers exactly this (mean over on/off for bursty
 * traffic).  Pairs with no path between them are offered but left out of
 * lambda* (the simulator drops them).  Returns 0, or -1 (bad topology).
 */
int hn_sim_demand(const struct hn_sim_topo *t, const struct hn_sim_cfg *c,
		  double *bps);

/*
 * Max concurrent flow of demand @bps (n x n, wire bits/s) on @t: *@lo
 * is carried by a routing found, *@hi bounds every routing (Garg-
 * Koenemann with the dual certificate; hi / lo - 1 <= HN_BOUND_MCF_GAP
 * unless its iteration limit stopped it).  Returns 0, or -1 with @err.
 */
int hn_bound_mcf(const struct hn_sim_topo *t, const double *bps, double *lo,
		 double *hi, char *err, size_t errlen);

/*
 * Minimum mean delivery time of demand @bps on @t with @fwd_us per hop
 * (hn_sim_cfg.fwd_us).  Returns 0 (also when infeasible: out->feasible
 * 0, mean_us INFINITY), or -1 with out->reason.
 */
int hn_bound_delay(const struct hn_sim_topo *t, const double *bps,
		   double fwd_us, struct hn_bound *out);

/* hn_bound_delay() of hn_sim_demand(@t, @c): the simulator's yardstick. */
int hn_bound_min_delay(const struct hn_sim_topo *t, const struct hn_sim_cfg *c,
		       struct hn_bound *out);

#endif /* _HN_LEARN_BOUND_H */
