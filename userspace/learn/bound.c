// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The simulator's yardstick (bound.h): offered matrix, max concurrent
 * flow, minimum-delay multipath flow.  Documentation/learned-routing.rst,
 * "The lower bound", says what the bound assumes.
 *
 * The network is a set of directed edges (each link both ways) and of
 * resources: a full-duplex link gives each direction its own, a
 * half-duplex one shares one between both.  Flows are in frames per
 * second; a frame holds its resource E[S] seconds on average (frame mix,
 * wire overhead, link-layer attempts), so a resource's utilisation is
 * E[S] x its frames per second.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bound.h"

#define MAX_EDGES (2 * HN_SIM_MAX_LINKS)
#define MCF_EPS 0.02 /* Garg-Koenemann's step: hi / lo ends near 1 + eps / 2 */
#define MCF_PHASES 20000
#define MCF_DUAL_EVERY 8 /* phases between dual bounds */
#define LS_STEPS 60 /* bisections of a line search */

struct net {
	unsigned int n, ne, nr;
	unsigned int from[MAX_EDGES], to[MAX_EDGES], res[MAX_EDGES];
	double fix[MAX_EDGES]; /* s per frame beside queueing: E[S] + prop + fwd */
	double m1[MAX_EDGES],
		m2[MAX_EDGES]; /* of each resource: E[S], E[S^2] */
	unsigned int deg[HN_SIM_MAX_NODES];
	unsigned int adj[HN_SIM_MAX_NODES][2 * HN_SIM_MAX_PORTS];
	double dem[HN_SIM_MAX_NODES * HN_SIM_MAX_NODES]; /* frames/s */
	double fps, bits; /* total demand; wire bits of a frame, mean */
};

static int net_edge(struct net *g, unsigned int a, unsigned int b,
		    unsigned int r, double fix)
{
	unsigned int e = g->ne;

	if (g->deg[a] >= 2 * HN_SIM_MAX_PORTS)
		return -1;
	g->from[e] = a;
	g->to[e] = b;
	g->res[e] = r;
	g->fix[e] = fix;
	g->adj[a][g->deg[a]++] = e;
	g->ne++;
	return 0;
}

/* One link: its resource(s) and both directed edges; dead links skipped. */
static int net_link(struct net *g, const struct hn_sim_link *l, double fwd_s)
{
	double bytes, bsq, k1, k2, s1, fix;
	unsigned int r = g->nr;

	if (!l->kbps || l->loss_pm >= 1000)
		return 0; /* carries nothing */
	hn_sim_frame_bytes(&bytes, &bsq);
	hn_sim_attempts(l->loss_pm / 1000.0, &k1, &k2);
	s1 = k1 * bytes * 8 / (l->kbps * 1000.0);
	fix = s1 + l->delay_us * 1e-6 + fwd_s;
	g->m1[r] = s1;
	g->m2[r] = k2 * bsq * 64 / ((l->kbps * 1000.0) * (l->kbps * 1000.0));
	g->nr++;
	if (!l->half_duplex) {
		g->m1[r + 1] = g->m1[r];
		g->m2[r + 1] = g->m2[r];
		g->nr++;
	}
	if (net_edge(g, l->a, l->b, r, fix) ||
	    net_edge(g, l->b, l->a, l->half_duplex ? r : r + 1, fix))
		return -1;
	return 0;
}

static int net_build(struct net *g, const struct hn_sim_topo *t,
		     const double *bps, double fwd_us, char *err, size_t len)
{
	double bsq;
	unsigned int i, n = t->n_nodes;

	memset(g, 0, sizeof(*g));
	if (!n || n > HN_SIM_MAX_NODES || t->n_links > HN_SIM_MAX_LINKS) {
		snprintf(
			err, len,
			"topology of %u nodes, %u links: want 1..%d nodes, up to %d links",
			n, t->n_links, HN_SIM_MAX_NODES, HN_SIM_MAX_LINKS);
		return -1;
	}
	g->n = n;
	hn_sim_frame_bytes(&g->bits, &bsq);
	g->bits *= 8;
	for (i = 0; i < t->n_links; i++) {
		const struct hn_sim_link *l = &t->link[i];

		if (l->a >= n || l->b >= n || l->a == l->b ||
		    net_link(g, l, fwd_us * 1e-6)) {
			snprintf(
				err, len,
				"link %u (%u-%u): bad ends or too many links at a node",
				i, l->a, l->b);
			return -1;
		}
	}
	for (i = 0; i < n * n; i++) {
		if (!(bps[i] >= 0) || !isfinite(bps[i])) {
			snprintf(
				err, len,
				"demand %u-%u is %g bit/s: want finite and >= 0",
				i / n, i % n, bps[i]);
			return -1;
		}
		g->dem[i] = i / n == i % n ? 0 : bps[i] / g->bits;
		g->fps += g->dem[i];
	}
	return 0;
}

/* Shortest paths from @s over edge lengths @len: @dist, @pred (edge). */
static void dijkstra(const struct net *g, unsigned int s, const double *len,
		     double *dist, unsigned int *pred)
{
	unsigned char done[HN_SIM_MAX_NODES] = { 0 };
	unsigned int i, k;

	for (i = 0; i < g->n; i++) {
		dist[i] = INFINITY;
		pred[i] = MAX_EDGES;
	}
	dist[s] = 0;
	for (;;) {
		unsigned int u = g->n;

		for (i = 0; i < g->n; i++)
			if (!done[i] && dist[i] < INFINITY &&
			    (u == g->n || dist[i] < dist[u]))
				u = i;
		if (u == g->n)
			return;
		done[u] = 1;
		for (k = 0; k < g->deg[u]; k++) {
			unsigned int e = g->adj[u][k];
			double d = dist[u] + len[e];

			if (d < dist[g->to[e]]) {
				dist[g->to[e]] = d;
				pred[g->to[e]] = e;
			}
		}
	}
}

/*
 * Source @s's demand @dem (per destination, frames/s) along the tree
 * @pred into @x (per edge).  -1 if a destination is unreachable.
 */
static int tree_add(const struct net *g, unsigned int s, const double *dem,
		    const unsigned int *pred, double *x)
{
	unsigned int d, v;

	for (d = 0; d < g->n; d++) {
		if (d == s || !(dem[d] > 0))
			continue;
		for (v = d; v != s; v = g->from[pred[v]]) {
			if (pred[v] == MAX_EDGES)
				return -1;
			x[pred[v]] += dem[d];
		}
	}
	return 0;
}

/*
 * All-or-nothing: every demand on its shortest path under @len, into @y
 * (zeroed first); *@cost (may be NULL) = sum of demand x path length.
 */
static int assign(const struct net *g, const double *len, double *y,
		  double *cost)
{
	double dist[HN_SIM_MAX_NODES], c = 0;
	unsigned int pred[HN_SIM_MAX_NODES], s, d;

	memset(y, 0, g->ne * sizeof(*y));
	for (s = 0; s < g->n; s++) {
		const double *dem = &g->dem[s * g->n];

		for (d = 0; d < g->n; d++)
			if (dem[d] > 0)
				break;
		if (d == g->n)
			continue;
		dijkstra(g, s, len, dist, pred);
		if (tree_add(g, s, dem, pred, y))
			return -1;
		for (d = 0; d < g->n; d++)
			if (dem[d] > 0)
				c += dem[d] * dist[d];
	}
	if (cost)
		*cost = c;
	return 0;
}

/* Per resource utilisation of edge flows @x; returns the largest. */
static double utilisation(const struct net *g, const double *x, double *u)
{
	double worst = 0;
	unsigned int e, r;

	memset(u, 0, g->nr * sizeof(*u));
	for (e = 0; e < g->ne; e++)
		u[g->res[e]] += x[e] * g->m1[g->res[e]];
	for (r = 0; r < g->nr; r++)
		worst = fmax(worst, u[r]);
	return worst;
}

/* ---- max concurrent flow (Garg-Koenemann) -------------------------------- */

struct mcf {
	double y[MAX_EDGES]; /* dual: length per resource */
	double len[MAX_EDGES]; /* per edge: m1 x y */
	double f[MAX_EDGES]; /* flow routed so far, per edge */
	double best[MAX_EDGES]; /* the flow of the best lo, per unit demand */
	double lo, hi;
	unsigned int phases;
};

static void mcf_lengths(const struct net *g, struct mcf *m)
{
	unsigned int e;

	for (e = 0; e < g->ne; e++)
		m->len[e] = g->m1[g->res[e]] * m->y[g->res[e]];
}

/* Route source @s's whole demand in steps, each within capacity. */
static void mcf_source(const struct net *g, struct mcf *m, unsigned int s)
{
	double rem[HN_SIM_MAX_NODES], x[MAX_EDGES], u[MAX_EDGES];
	double dist[HN_SIM_MAX_NODES], sigma;
	unsigned int pred[HN_SIM_MAX_NODES], d, e, r;

	memcpy(rem, &g->dem[s * g->n], g->n * sizeof(*rem));
	do {
		mcf_lengths(g, m);
		dijkstra(g, s, m->len, dist, pred);
		memset(x, 0, g->ne * sizeof(*x));
		tree_add(g, s, rem, pred, x);
		sigma = fmin(1, 1 / utilisation(g, x, u));
		for (e = 0; e < g->ne; e++)
			m->f[e] += sigma * x[e];
		for (r = 0; r < g->nr; r++)
			m->y[r] *= 1 + MCF_EPS * sigma * u[r];
		for (d = 0; d < g->n; d++)
			rem[d] *= 1 - sigma;
	} while (sigma < 1);
}

/* The dual bound at the current lengths: sum of y / demand-weighted length. */
static void mcf_dual(const struct net *g, struct mcf *m)
{
	double x[MAX_EDGES], alpha, dsum = 0;
	unsigned int r;

	mcf_lengths(g, m);
	if (assign(g, m->len, x, &alpha) || !(alpha > 0))
		return;
	for (r = 0; r < g->nr; r++)
		dsum += m->y[r];
	m->hi = fmin(m->hi, dsum / alpha);
}

static void mcf_primal(const struct net *g, struct mcf *m)
{
	double u[MAX_EDGES], lo;
	unsigned int e;

	lo = m->phases / utilisation(g, m->f, u);
	if (lo > m->lo) {
		m->lo = lo;
		for (e = 0; e < g->ne; e++)
			m->best[e] = m->f[e] / m->phases;
	}
}

/*
 * lambda* of g->dem: m->lo, m->hi; m->best, a flow of g->dem within
 * capacity x 1 / lo.  The demand is first scaled to lambda* >= 1 by the
 * fastest-path routing's busiest link: the number of phases grows with
 * lambda*.
 */
static int mcf_run(struct net *g, struct mcf *m, char *err, size_t len)
{
	double x[MAX_EDGES], u[MAX_EDGES], scale, delta, dsum;
	unsigned int s, r, i;

	memset(m, 0, sizeof(*m));
	m->hi = INFINITY;
	for (r = 0; r < g->nr; r++)
		m->y[r] = 1;
	mcf_lengths(g, m);
	if (assign(g, m->len, x, NULL)) {
		snprintf(
			err, len,
			"a pair with demand has no path: the topology is not connected");
		return -1;
	}
	scale = utilisation(g, x, u);
	if (!(scale > 0)) {
		m->lo = m->hi = INFINITY; /* nothing to carry */
		return 0;
	}
	for (i = 0; i < g->n * g->n; i++)
		g->dem[i] /= scale;
	delta = pow((1 + MCF_EPS) * g->nr, -1 / MCF_EPS) * (1 + MCF_EPS);
	for (r = 0; r < g->nr; r++)
		m->y[r] = delta;
	for (dsum = g->nr * delta; dsum < 1 && m->phases < MCF_PHASES;) {
		for (s = 0; s < g->n; s++)
			mcf_source(g, m, s);
		m->phases++;
		mcf_primal(g, m);
		if (m->phases % MCF_DUAL_EVERY == 1)
			mcf_dual(g, m);
		if (m->hi <= m->lo * (1 + HN_BOUND_MCF_GAP))
			break;
		for (dsum = 0, r = 0; r < g->nr; r++)
			dsum += m->y[r];
	}
	mcf_dual(g, m);
	for (i = 0; i < g->n * g->n; i++)
		g->dem[i] *= scale;
	m->lo /= scale;
	m->hi /= scale;
	for (i = 0; i < g->ne; i++)
		m->best[i] *= scale;
	return 0;
}

int hn_bound_mcf(const struct hn_sim_topo *t, const double *bps, double *lo,
		 double *hi, char *err, size_t errlen)
{
	struct net *g = malloc(sizeof(*g));
	struct mcf *m = malloc(sizeof(*m));
	int ret = -1;

	if (!g || !m) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (net_build(g, t, bps, 0, err, errlen) || mcf_run(g, m, err, errlen))
		goto out;
	*lo = m->lo;
	*hi = m->hi;
	ret = 0;
out:
	free(g);
	free(m);
	return ret;
}

/*
 * lambda* of a demand shape, remembered: every policy and load of a
 * scenario has the same shape, and the simulator asks for each run.
 */
#define CACHE_SIZE 64

static struct {
	uint64_t key;
	double lo;
} cache[CACHE_SIZE];
static unsigned int cache_next;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t fnv(uint64_t h, const void *p, size_t len)
{
	const unsigned char *b = p;

	while (len--)
		h = (h ^ *b++) * 0x100000001b3ULL;
	return h;
}

/* Of what lambda* depends on, field by field (no padding bytes). */
static uint64_t shape_key(const struct hn_sim_topo *t, const double *bps)
{
	uint64_t h =
		fnv(0xcbf29ce484222325ULL, &t->n_nodes, sizeof(t->n_nodes));
	unsigned int i;

	for (i = 0; i < t->n_links && i < HN_SIM_MAX_LINKS; i++) {
		const struct hn_sim_link *l = &t->link[i];

		h = fnv(h, &l->a, sizeof(l->a));
		h = fnv(h, &l->b, sizeof(l->b));
		h = fnv(h, &l->kbps, sizeof(l->kbps));
		h = fnv(h, &l->loss_pm, sizeof(l->loss_pm));
		h = fnv(h, &l->half_duplex, sizeof(l->half_duplex));
	}
	return fnv(h, bps, (size_t)t->n_nodes * t->n_nodes * sizeof(*bps));
}

static int shape_lambda(const struct hn_sim_topo *t, const double *bps,
			double *lo)
{
	uint64_t key = shape_key(t, bps);
	char err[160];
	double hi;
	unsigned int i;

	pthread_mutex_lock(&cache_lock);
	for (i = 0; i < CACHE_SIZE; i++)
		if (cache[i].key == key && cache[i].lo > 0)
			break;
	if (i < CACHE_SIZE)
		*lo = cache[i].lo;
	pthread_mutex_unlock(&cache_lock);
	if (i < CACHE_SIZE)
		return 0;
	if (hn_bound_mcf(t, bps, lo, &hi, err, sizeof(err)))
		return -1;
	pthread_mutex_lock(&cache_lock);
	cache[cache_next].key = key;
	cache[cache_next].lo = *lo;
	cache_next = (cache_next + 1) % CACHE_SIZE;
	pthread_mutex_unlock(&cache_lock);
	return 0;
}

int hn_sim_demand(const struct hn_sim_topo *t, const struct hn_sim_cfg *c,
		  double *bps)
{
	unsigned int i, n = t->n_nodes;
	double bytes, sq, lo;

	if (hn_sim_weights(t, c, bps) || !(c->load >= 0))
		return -1;
	hn_sim_frame_bytes(&bytes, &sq);
	for (i = 0; i < n * n; i++)
		bps[i] *= 8 * bytes; /* one frame/s per unit weight */
	if (shape_lambda(t, bps, &lo))
		return -1;
	if (!isfinite(lo))
		lo = 0; /* nothing offered */
	for (i = 0; i < n * n; i++)
		bps[i] *= c->load * lo;
	return 0;
}

/* ---- minimum-delay flow (Frank-Wolfe) ------------------------------------ */

/*
 * Queueing at a resource with Poisson arrivals of @x frames/s, service
 * moments @m1, @m2 (Pollaczek-Khinchine): G(x) = x x W(x), the frame-
 * seconds spent waiting per second, W = x m2 / (2 (1 - x m1)).  Convex
 * in x below 1 / m1; *@dg gets G'(x).  INFINITY at or above capacity.
 */
static double pk_cost(double x, double m1, double m2, double *dg)
{
	double idle = 1 - x * m1;

	if (!(idle > 0)) {
		*dg = INFINITY;
		return INFINITY;
	}
	*dg = m2 * x * (2 - x * m1) / (2 * idle * idle);
	return m2 * x * x / (2 * idle);
}

struct fw {
	double x[MAX_EDGES], y[MAX_EDGES], grad[MAX_EDGES];
	double xr[MAX_EDGES], dr[MAX_EDGES]; /* per resource: x, y - x */
};

/* F(x) (frame-seconds per second) and its gradient per edge. */
static double fw_eval(const struct net *g, struct fw *w)
{
	double dg[MAX_EDGES], f = 0;
	unsigned int e, r;

	memset(w->xr, 0, g->nr * sizeof(*w->xr));
	for (e = 0; e < g->ne; e++)
		w->xr[g->res[e]] += w->x[e];
	for (r = 0; r < g->nr; r++)
		f += pk_cost(w->xr[r], g->m1[r], g->m2[r], &dg[r]);
	for (e = 0; e < g->ne; e++) {
		f += w->x[e] * g->fix[e];
		w->grad[e] = dg[g->res[e]] + g->fix[e];
	}
	return f;
}

/* d/dt F(x + t (y - x)); +INFINITY beyond capacity. */
static double fw_slope(const struct net *g, const struct fw *w, double t,
		       double lin)
{
	double dg, s = lin;
	unsigned int r;

	for (r = 0; r < g->nr; r++) {
		if (!w->dr[r])
			continue;
		pk_cost(w->xr[r] + t * w->dr[r], g->m1[r], g->m2[r], &dg);
		if (!isfinite(dg))
			return INFINITY;
		s += dg * w->dr[r];
	}
	return s;
}

/* Exact line search from x towards y (bisection on the slope); moves x. */
static void fw_step(const struct net *g, struct fw *w)
{
	double lin = 0, lo = 0, hi = 1, t;
	unsigned int e, i;

	memset(w->dr, 0, g->nr * sizeof(*w->dr));
	for (e = 0; e < g->ne; e++) {
		w->dr[g->res[e]] += w->y[e] - w->x[e];
		lin += g->fix[e] * (w->y[e] - w->x[e]);
	}
	if (fw_slope(g, w, 1, lin) <= 0) {
		lo = 1;
	} else {
		for (i = 0; i < LS_STEPS; i++) {
			t = (lo + hi) / 2;
			if (fw_slope(g, w, t, lin) > 0)
				hi = t;
			else
				lo = t;
		}
	}
	for (e = 0; e < g->ne; e++)
		w->x[e] += lo * (w->y[e] - w->x[e]);
}

/*
 * Frank-Wolfe from the feasible flow in w->x: out->mean_us the best
 * linearisation bound F(x) + grad F(x) . (y - x), y the all-or-nothing
 * flow on marginal delays (a lower bound of the convex program at every
 * feasible x); out->iter_us F of the last iterate.
 */
static void fw_run(const struct net *g, struct fw *w, struct hn_bound *out)
{
	double f, lb = 0, cost, gx, u[MAX_EDGES];
	unsigned int e, it;

	for (it = 0; it < HN_BOUND_FW_ITERS; it++) {
		f = fw_eval(g, w);
		assign(g, w->grad, w->y, &cost);
		for (gx = 0, e = 0; e < g->ne; e++)
			gx += w->grad[e] * w->x[e];
		lb = fmax(lb, f + cost - gx);
		out->iters = it + 1;
		if (f - lb <= HN_BOUND_FW_GAP * f)
			break;
		fw_step(g, w);
	}
	f = fw_eval(g, w);
	out->iter_us = f / g->fps * 1e6;
	out->mean_us = fmin(lb, f) / g->fps * 1e6;
	out->max_util = utilisation(g, w->x, u);
}

static void bound_infeasible(struct hn_bound *out, double load)
{
	out->feasible = 0;
	out->mean_us = out->iter_us = INFINITY;
	snprintf(
		out->reason, sizeof(out->reason),
		"the demand is %.3f x the max concurrent flow: no routing carries it with finite delay; take a load below 1",
		load);
}

static int bound_run(struct net *g, struct hn_bound *out)
{
	struct mcf *m = malloc(sizeof(*m));
	struct fw *w = malloc(sizeof(*w));
	double x[MAX_EDGES], load;
	unsigned int e;
	int ret = -1;

	if (!m || !w) {
		snprintf(out->reason, sizeof(out->reason), "out of memory");
		goto out;
	}
	if (mcf_run(g, m, out->reason, sizeof(out->reason)))
		goto out;
	out->lambda_max = m->lo;
	out->lambda_hi = m->hi;
	out->offered_fps = g->fps;
	out->offered_bps = g->fps * g->bits;
	ret = 0;
	if (!(g->fps > 0)) {
		out->feasible = 1; /* nothing to deliver: no time */
		goto out;
	}
	assign(g, g->fix, x, &out->free_us);
	out->free_us *= 1e6 / g->fps;
	load = 1 / m->lo;
	/* load 1.0 scaled back and forth must still count as at lambda* */
	if (!(load < 1 - 1e-9)) {
		bound_infeasible(out, load);
		goto out;
	}
	out->feasible = 1;
	for (e = 0; e < g->ne; e++)
		w->x[e] = m->best[e];
	fw_run(g, w, out);
out:
	free(m);
	free(w);
	return ret;
}

int hn_bound_delay(const struct hn_sim_topo *t, const double *bps,
		   double fwd_us, struct hn_bound *out)
{
	struct net *g = malloc(sizeof(*g));
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (!g) {
		snprintf(out->reason, sizeof(out->reason), "out of memory");
		return -1;
	}
	if (!net_build(g, t, bps, fwd_us, out->reason, sizeof(out->reason)))
		ret = bound_run(g, out);
	free(g);
	return ret;
}

int hn_bound_min_delay(const struct hn_sim_topo *t, const struct hn_sim_cfg *c,
		       struct hn_bound *out)
{
	double *bps = calloc((size_t)t->n_nodes * t->n_nodes + 1, sizeof(*bps));
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (!bps) {
		snprintf(out->reason, sizeof(out->reason), "out of memory");
	} else if (hn_sim_demand(t, c, bps)) {
		snprintf(
			out->reason, sizeof(out->reason),
			"no demand for topology %s at load %g: is it connected, with load >= 0?",
			t->name, c->load);
	} else {
		ret = hn_bound_delay(t, bps, c->fwd_us, out);
	}
	free(bps);
	return ret;
}
