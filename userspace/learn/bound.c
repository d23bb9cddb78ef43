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
/*
 * Garg-Koenemann's step: hi / lo stalls at a fraction of eps, and the
 * phases it takes grow as 1 / eps^2.  So start coarse and halve the step,
 * keeping the lengths (near the optimal dual already) and averaging the
 * flow anew, when the gap is well below the step or stops falling: 11x
 * fewer phases than a fixed 0.02 on the training topologies, the same
 * certified gap.  Both bounds hold whatever the schedule.
 */
#define MCF_EPS_START 0.32
#define MCF_EPS_MIN 0.01
#define MCF_SWITCH 0.15 /* finer when hi / lo - 1 is below this x eps */
#define MCF_STALL 10 /* or after this many dual checks without progress */
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
	unsigned char sends[HN_SIM_MAX_NODES]; /* a source with demand */
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
static int net_link(struct net *g, const struct hn_sim_topo *t,
		    const struct hn_sim_link *l, double fwd_s)
{
	double bytes, bsq, k1, k2, s1, fix;
	unsigned int r = g->nr;

	if (!l->kbps || l->loss_pm >= 1000)
		return 0; /* carries nothing */
	hn_sim_frame_bytes(&bytes, &bsq);
	hn_sim_link_attempts(t, l, &k1, &k2);
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
		    net_link(g, t, l, fwd_us * 1e-6)) {
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
		g->sends[i / n] |= g->dem[i] > 0;
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
	double fs[HN_SIM_MAX_NODES][MAX_EDGES]; /* the same per source */
	/* per source, the flow of the best lo, for one unit of demand */
	double best[HN_SIM_MAX_NODES][MAX_EDGES];
	double lo, hi, eps;
	double stage_gap; /* the least hi / lo - 1 at this step */
	unsigned int stall; /* dual checks since stage_gap last fell 3 % */
	unsigned int phases; /* since the step last changed */
	unsigned int total; /* phases in all */
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

	if (!g->sends[s])
		return;
	memcpy(rem, &g->dem[s * g->n], g->n * sizeof(*rem));
	do {
		mcf_lengths(g, m);
		dijkstra(g, s, m->len, dist, pred);
		memset(x, 0, g->ne * sizeof(*x));
		tree_add(g, s, rem, pred, x);
		sigma = fmin(1, 1 / utilisation(g, x, u));
		for (e = 0; e < g->ne; e++) {
			m->f[e] += sigma * x[e];
			m->fs[s][e] += sigma * x[e];
		}
		for (r = 0; r < g->nr; r++)
			m->y[r] *= 1 + m->eps * sigma * u[r];
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
	unsigned int e, s;

	lo = m->phases / utilisation(g, m->f, u);
	if (lo <= m->lo)
		return;
	m->lo = lo;
	for (s = 0; s < g->n; s++)
		for (e = 0; g->sends[s] && e < g->ne; e++)
			m->best[s][e] = m->fs[s][e] / m->phases;
}

/* A finer step from the lengths reached: the flow averaged anew. */
static void mcf_finer(const struct net *g, struct mcf *m)
{
	m->eps /= 2;
	m->phases = 0;
	memset(m->fs, 0, sizeof(m->fs));
	m->stall = 0;
	m->stage_gap = INFINITY;
	memset(m->f, 0, g->ne * sizeof(*m->f));
}

/*
 * The dual bound; 1 when hi and lo are close enough.  A finer step when
 * the gap is well under the step or has stopped falling.
 */
static int mcf_check(const struct net *g, struct mcf *m)
{
	double gap;

	mcf_dual(g, m);
	gap = m->hi / m->lo - 1;
	if (gap <= HN_BOUND_MCF_GAP)
		return 1;
	if (gap < 0.97 * m->stage_gap) {
		m->stage_gap = gap;
		m->stall = 0;
	} else {
		m->stall++;
	}
	if (m->eps > MCF_EPS_MIN &&
	    (gap <= MCF_SWITCH * m->eps || m->stall >= MCF_STALL))
		mcf_finer(g, m);
	return 0;
}

/* Only the ratios of the lengths matter: keep them in range. */
static void mcf_normalise(const struct net *g, struct mcf *m)
{
	double top = 0;
	unsigned int r;

	for (r = 0; r < g->nr; r++)
		top = fmax(top, m->y[r]);
	for (r = 0; r < g->nr; r++)
		m->y[r] = fmax(m->y[r] / top, 1e-300);
}

/*
 * lambda* of g->dem: m->lo, m->hi; m->best, a flow of g->dem within
 * capacity x 1 / lo.  The demand is first scaled to lambda* >= 1 by the
 * fastest-path routing's busiest link: the number of phases grows with
 * lambda*.
 */
static int mcf_run(struct net *g, struct mcf *m, char *err, size_t len)
{
	double x[MAX_EDGES], u[MAX_EDGES], scale;
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
	m->eps = MCF_EPS_START;
	m->stage_gap = INFINITY;
	for (r = 0; r < g->nr; r++)
		m->y[r] = 1;
	while (m->total < MCF_PHASES) {
		for (s = 0; s < g->n; s++)
			mcf_source(g, m, s);
		m->phases++;
		m->total++;
		mcf_primal(g, m);
		if (m->phases % MCF_DUAL_EVERY == 1 && mcf_check(g, m))
			break;
		mcf_normalise(g, m);
	}
	mcf_dual(g, m);
	for (i = 0; i < g->n * g->n; i++)
		g->dem[i] *= scale;
	m->lo /= scale;
	m->hi /= scale;
	for (s = 0; s < g->n; s++)
		for (i = 0; g->sends[s] && i < g->ne; i++)
			m->best[s][i] *= scale;
	return 0;
}

/* Demand between nodes with no path between them dropped from @g. */
static void net_reachable_only(struct net *g)
{
	unsigned char seen[HN_SIM_MAX_NODES];
	unsigned int stack[HN_SIM_MAX_NODES], sp, s, v, k, i;

	g->fps = 0;
	for (s = 0; s < g->n; s++) {
		memset(seen, 0, sizeof(seen));
		seen[s] = 1;
		stack[0] = s;
		for (sp = 1; sp;) {
			v = stack[--sp];
			for (k = 0; k < g->deg[v]; k++)
				if (!seen[g->to[g->adj[v][k]]]) {
					seen[g->to[g->adj[v][k]]] = 1;
					stack[sp++] = g->to[g->adj[v][k]];
				}
		}
		g->sends[s] = 0;
		for (i = s * g->n; i < (s + 1) * g->n; i++) {
			if (!seen[i % g->n])
				g->dem[i] = 0;
			g->fps += g->dem[i];
			g->sends[s] |= g->dem[i] > 0;
		}
	}
}

static int mcf_of(const struct hn_sim_topo *t, const double *bps, int drop,
		  double *lo, double *hi, char *err, size_t errlen)
{
	struct net *g = malloc(sizeof(*g));
	struct mcf *m = malloc(sizeof(*m));
	int ret = -1;

	if (!g || !m) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (net_build(g, t, bps, 0, err, errlen))
		goto out;
	if (drop)
		net_reachable_only(g);
	if (mcf_run(g, m, err, errlen))
		goto out;
	*lo = m->lo;
	*hi = m->hi;
	ret = 0;
out:
	free(g);
	free(m);
	return ret;
}

int hn_bound_mcf(const struct hn_sim_topo *t, const double *bps, double *lo,
		 double *hi, char *err, size_t errlen)
{
	return mcf_of(t, bps, 0, lo, hi, err, errlen);
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
	/* pairs with no path: the simulator offers them and drops them */
	if (mcf_of(t, bps, 1, lo, &hi, err, sizeof(err)))
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
	double xs[HN_SIM_MAX_NODES][MAX_EDGES]; /* per source */
	double x[MAX_EDGES], y[MAX_EDGES], grad[MAX_EDGES]; /* sum of xs */
	double xr[MAX_EDGES], dr[MAX_EDGES]; /* per resource: x, y - x */
	unsigned int touched[MAX_EDGES], n_touched; /* resources dr != 0 */
};

/* Per resource load of x, and the gradient per edge; returns F(x). */
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

/*
 * d/dt F(x + t (y - x)) over the touched resources, +INFINITY beyond
 * capacity; *@d2 the second derivative (G'' = m2 / (1 - x m1)^3).
 */
static double fw_slope(const struct net *g, const struct fw *w, double t,
		       double lin, double *d2)
{
	double dg, x, idle, s = lin;
	unsigned int i, r;

	*d2 = 0;
	for (i = 0; i < w->n_touched; i++) {
		r = w->touched[i];
		x = w->xr[r] + t * w->dr[r];
		pk_cost(x, g->m1[r], g->m2[r], &dg);
		if (!isfinite(dg))
			return INFINITY;
		idle = 1 - x * g->m1[r];
		s += dg * w->dr[r];
		*d2 += g->m2[r] / (idle * idle * idle) * w->dr[r] * w->dr[r];
	}
	return s;
}

/*
 * The step in [0, 1] that minimises F along y - x: Newton on the slope
 * (convex, so it increases), kept inside a shrinking bracket.
 */
static double fw_line(const struct net *g, const struct fw *w, double lin)
{
	double lo = 0, hi = 1, t = 0, best = 0, tn, s, d2;
	unsigned int i;

	if (fw_slope(g, w, 1, lin, &d2) <= 0)
		return 1;
	for (i = 0; i < LS_STEPS; i++) {
		s = fw_slope(g, w, t, lin, &d2);
		if (s > 0)
			hi = t;
		else
			lo = t;
		if (isfinite(s))
			best = t; /* Newton's iterates close in on the root */
		if (s == 0 || hi - lo < 1e-12)
			break;
		tn = isfinite(s) && d2 > 0 ? t - s / d2 : -1;
		if (!(tn > lo && tn < hi))
			tn = (lo + hi) / 2;
		if (fabs(tn - t) < 1e-12)
			break;
		t = tn;
	}
	return best;
}

/*
 * Block-coordinate step of source @s (origin-based assignment): its
 * demand all-or-nothing on the current marginal delays, and x moved
 * towards it as far as pays.  Sources move one at a time, each on
 * gradients that already see the others' moves: far fewer sweeps than
 * moving all at once near saturation.
 */
static void fw_block(const struct net *g, struct fw *w, unsigned int s)
{
	double dist[HN_SIM_MAX_NODES], lin = 0, t, d;
	unsigned int pred[HN_SIM_MAX_NODES], e, r;

	fw_eval(g, w);
	dijkstra(g, s, w->grad, dist, pred);
	memset(w->y, 0, g->ne * sizeof(*w->y));
	tree_add(g, s, &g->dem[s * g->n], pred, w->y);
	memset(w->dr, 0, g->nr * sizeof(*w->dr));
	for (e = 0; e < g->ne; e++) {
		d = w->y[e] - w->xs[s][e];
		w->dr[g->res[e]] += d;
		lin += g->fix[e] * d;
	}
	for (w->n_touched = 0, r = 0; r < g->nr; r++)
		if (w->dr[r])
			w->touched[w->n_touched++] = r;
	t = fw_line(g, w, lin);
	for (e = 0; e < g->ne; e++) {
		d = t * (w->y[e] - w->xs[s][e]);
		w->xs[s][e] += d;
		w->x[e] += d;
	}
}

/*
 * F(x) + grad F(x) . (y - x), y every source's all-or-nothing flow on
 * the gradient at x (fw_eval() just ran, @f its value): no feasible flow
 * does better, F being convex.
 */
static double fw_lower(const struct net *g, struct fw *w, double f)
{
	double cost, gx = 0;
	unsigned int e;

	assign(g, w->grad, w->y, &cost);
	for (e = 0; e < g->ne; e++)
		gx += w->grad[e] * w->x[e];
	return f + cost - gx;
}

/*
 * Frank-Wolfe from the feasible flow in w->xs: out->mean_us the best
 * linearisation bound F(x) + grad F(x) . (y - x), y the all-or-nothing
 * flow of every source on marginal delays at the same x (a lower bound
 * of the convex program at every feasible x); out->iter_us F of the last
 * iterate, after out->iters sweeps of block steps.
 */
static void fw_run(const struct net *g, struct fw *w, struct hn_bound *out)
{
	double f, lb = 0, u[MAX_EDGES];
	unsigned int it, s;

	for (it = 0;; it++) {
		/* the bound costs a sweep's shortest paths: not every time */
		if (it < 16 || it % 4 == 0 || it == HN_BOUND_FW_ITERS) {
			f = fw_eval(g, w);
			lb = fmax(lb, fw_lower(g, w, f));
			if (f - lb <= HN_BOUND_FW_GAP * f)
				break;
		}
		if (it == HN_BOUND_FW_ITERS)
			break;
		for (s = 0; s < g->n; s++)
			if (g->sends[s])
				fw_block(g, w, s);
	}
	out->iters = it;
	f = fw_eval(g, w);
	out->iter_us = f / g->fps * 1e6;
	out->mean_us = fmin(lb, f) / g->fps * 1e6;
	out->max_util = utilisation(g, w->x, u);
}

/* ---- a floor for static routings in the simulator ------------------------ */

/* Source @s's split of its demand over its out-links (floor_source()). */
struct split {
	unsigned int s, deg;
	double q[HN_SIM_MAX_NODES][2 * HN_SIM_MAX_PORTS]; /* [dst][out-link] */
	double c[HN_SIM_MAX_NODES]
		[2 * HN_SIM_MAX_PORTS]; /* its cost beside queueing */
	double x[2 * HN_SIM_MAX_PORTS], dx[2 * HN_SIM_MAX_PORTS],
		dg[2 * HN_SIM_MAX_PORTS];
};

/* Fresh load per out-link, G' there; returns the program's value. */
static double split_eval(const struct net *g, struct split *p)
{
	double f = 0;
	unsigned int d, k, r;

	memset(p->x, 0, sizeof(p->x));
	for (d = 0; d < g->n; d++)
		for (k = 0; k < p->deg; k++) {
			p->x[k] += p->q[d][k];
			f += p->q[d][k] * p->c[d][k];
		}
	for (k = 0; k < p->deg; k++) {
		r = g->res[g->adj[p->s][k]];
		f += pk_cost(p->x[k], g->m1[r], g->m2[r], &p->dg[k]);
	}
	return f;
}

/* d/dt of the queueing part along dx; +INFINITY beyond capacity. */
static double split_slope(const struct net *g, const struct split *p, double t,
			  double lin)
{
	double dg, sl = lin;
	unsigned int k, r;

	for (k = 0; k < p->deg; k++) {
		if (!p->dx[k])
			continue;
		r = g->res[g->adj[p->s][k]];
		pk_cost(p->x[k] + t * p->dx[k], g->m1[r], g->m2[r], &dg);
		if (!isfinite(dg))
			return INFINITY;
		sl += dg * p->dx[k];
	}
	return sl;
}

/*
 * One Frank-Wolfe step: every destination's demand to its cheapest out-
 * link on marginal cost, a bisection on the step.  Returns the
 * linearisation bound at the point it started from.
 */
static double split_step(const struct net *g, struct split *p, double f)
{
	double y[HN_SIM_MAX_NODES][2 * HN_SIM_MAX_PORTS] = { { 0 } };
	double lb = f, lin = 0, lo = 0, hi = 1, t, gr;
	unsigned int d, k, best, i;

	memset(p->dx, 0, sizeof(p->dx));
	for (d = 0; d < g->n; d++) {
		double dem = g->dem[p->s * g->n + d];

		if (!(dem > 0))
			continue;
		for (best = 0, k = 1; k < p->deg; k++)
			if (p->dg[k] + p->c[d][k] < p->dg[best] + p->c[d][best])
				best = k;
		y[d][best] = dem;
		for (k = 0; k < p->deg; k++) {
			gr = p->dg[k] + p->c[d][k];
			lb += gr * (y[d][k] - p->q[d][k]);
			lin += p->c[d][k] * (y[d][k] - p->q[d][k]);
			p->dx[k] += y[d][k] - p->q[d][k];
		}
	}
	if (split_slope(g, p, 1, lin) <= 0)
		lo = 1;
	for (i = 0; lo < 1 && i < LS_STEPS; i++) {
		t = (lo + hi) / 2;
		if (split_slope(g, p, t, lin) > 0)
			hi = t;
		else
			lo = t;
	}
	for (d = 0; d < g->n; d++)
		for (k = 0; k < p->deg; k++)
			p->q[d][k] += lo * (y[d][k] - p->q[d][k]);
	return lb;
}

/*
 * A floor under source @s's frame-seconds per second in the simulator,
 * whatever static routing carries them.  Its frames enter its out-links
 * as Poisson streams (a thinning of its Poisson source), and a FIFO
 * link's workload only grows with the transit frames beside them: so
 * they wait at least as in M/G/1 with their own arrivals alone, and
 * transit frames at least nothing.  With no queueing charged beyond the
 * first hop, a frame goes on from there on its fastest path (@dist,
 * n x n): the program is the split of each destination's demand over s's
 * out-links, started in proportion to their capacity.
 */
static double floor_source(const struct net *g, struct split *p, unsigned int s,
			   const double *dist)
{
	double cap = 0, f, lb = 0;
	unsigned int d, k, it, e;

	memset(p, 0, sizeof(*p));
	p->s = s;
	p->deg = g->deg[s];
	for (k = 0; k < p->deg; k++)
		cap += 1 / g->m1[g->res[g->adj[s][k]]];
	for (d = 0; d < g->n; d++)
		for (k = 0; k < p->deg; k++) {
			e = g->adj[s][k];
			p->c[d][k] = g->fix[e] + dist[g->to[e] * g->n + d];
			p->q[d][k] =
				g->dem[s * g->n + d] / g->m1[g->res[e]] / cap;
		}
	for (it = 0; it < HN_BOUND_FW_ITERS; it++) {
		f = split_eval(g, p);
		if (!isfinite(f))
			return 0; /* its own frames overload it: no floor here */
		lb = fmax(lb, split_step(g, p, f));
		if (f - lb <= HN_BOUND_FW_GAP * f / 10)
			break;
	}
	return lb;
}

/* The floor over all sources, us per frame (bound_run() has the net). */
static double floor_us(const struct net *g)
{
	double *dist = malloc((size_t)g->n * g->n * sizeof(*dist));
	struct split *p = malloc(sizeof(*p));
	unsigned int pred[HN_SIM_MAX_NODES], s;
	double sum = 0;

	if (!dist || !p) {
		free(dist);
		free(p);
		return 0;
	}
	for (s = 0; s < g->n; s++)
		dijkstra(g, s, g->fix, &dist[s * g->n], pred);
	for (s = 0; s < g->n; s++)
		if (g->sends[s])
			sum += floor_source(g, p, s, dist);
	free(dist);
	free(p);
	return sum / g->fps * 1e6;
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
	unsigned int e, s;
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
	out->floor_us = fmax(out->free_us, floor_us(g));
	load = 1 / m->lo;
	/* load 1.0 scaled back and forth must still count as at lambda* */
	if (!(load < 1 - 1e-9)) {
		bound_infeasible(out, load);
		goto out;
	}
	out->feasible = 1;
	memset(w->x, 0, sizeof(w->x));
	for (s = 0; s < g->n; s++)
		for (e = 0; g->sends[s] && e < g->ne; e++) {
			w->xs[s][e] = m->best[s][e];
			w->x[e] += m->best[s][e];
		}
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
