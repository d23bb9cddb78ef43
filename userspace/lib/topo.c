// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Link-state database and route computation of hypernetd (topo.h).
 *
 * The database is a flat array searched linearly: 1024 origins of u32 are
 * cheaper to scan than a hash is to maintain.  Routes are computed on a
 * graph built afresh per call from the held LSAs (CSR adjacency over
 * nodes sorted by id), so nothing derived can go stale between updates.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hypernet/dataplane.h>
#include <hypernet/route.h>

#include "jsonw.h"
#include "names.h"
#include "topo.h"

#define NSEC_PER_SEC 1000000000ULL

/* Routes go to the data plane as they are: same limits. */
_Static_assert(HN_TOPO_MAX_CAND == HN_DP_MAX_CAND, "candidates per route");
_Static_assert(HN_LSA_MAX_LINKS <= HN_DP_MAX_NEIGH, "neighbours of self");

struct topo_ent {
	struct hn_ctrl_lsa lsa;
	__u64 stored_ns;
};

struct hn_topo {
	__u32 self;
	unsigned int n;
	struct topo_ent ent[HN_TOPO_MAX_NODES];
};

/* ---- database ---------------------------------------------------------- */

struct hn_topo *hn_topo_new(__u32 self)
{
	struct hn_topo *t = calloc(1, sizeof(*t));

	if (t)
		t->self = self;
	return t;
}

void hn_topo_free(struct hn_topo *t)
{
	free(t);
}

static int topo_find(const struct hn_topo *t, __u32 origin)
{
	unsigned int i;

	for (i = 0; i < t->n; i++)
		if (t->ent[i].lsa.origin == origin)
			return i;
	return -1;
}

static int lsa_link_ok(const struct hn_ctrl_lsa *lsa, unsigned int i)
{
	const struct hn_ctrl_link *l = &lsa->links[i];
	unsigned int j;

	if (!l->node || l->node == lsa->origin || !l->cost)
		return 0;
	for (j = 0; j < i; j++)
		if (lsa->links[j].node == l->node)
			return 0;
	return 1;
}

static int lsa_valid(const struct hn_ctrl_lsa *lsa)
{
	unsigned int i;

	if (!lsa->origin || lsa->n_links > HN_LSA_MAX_LINKS ||
	    lsa->n_stages > HN_LSA_MAX_STAGES)
		return 0;
	for (i = 0; i < lsa->n_links; i++)
		if (!lsa_link_ok(lsa, i))
			return 0;
	return 1;
}

int hn_topo_update(struct hn_topo *t, const struct hn_ctrl_lsa *lsa,
		   __u64 now_ns)
{
	int i;

	if (!lsa_valid(lsa))
		return -EINVAL;
	i = topo_find(t, lsa->origin);
	if (i >= 0 && !hn_seq_newer(lsa->seq, t->ent[i].lsa.seq))
		return 0;
	if (i < 0) {
		if (t->n >= HN_TOPO_MAX_NODES)
			return -ENOSPC;
		i = t->n++;
	}
	t->ent[i].lsa = *lsa;
	t->ent[i].stored_ns = now_ns;
	return 1;
}

static void topo_drop(struct hn_topo *t, unsigned int i)
{
	t->ent[i] = t->ent[--t->n];
}

static int topo_expired(const struct topo_ent *e, __u64 now_ns)
{
	__u64 life = e->lsa.lifetime_s * NSEC_PER_SEC;

	/* a clock behind the stored time means not expired, not wrapped */
	return now_ns >= e->stored_ns && now_ns - e->stored_ns >= life;
}

int hn_topo_expire(struct hn_topo *t, __u64 now_ns)
{
	unsigned int i = 0;
	int dropped = 0;

	while (i < t->n) {
		if (topo_expired(&t->ent[i], now_ns)) {
			topo_drop(t, i); /* the last one moves to i */
			dropped++;
		} else {
			i++;
		}
	}
	return dropped;
}

int hn_topo_remove(struct hn_topo *t, __u32 origin)
{
	int i = topo_find(t, origin);

	if (i < 0)
		return -ENOENT;
	topo_drop(t, i);
	return 0;
}

unsigned int hn_topo_count(const struct hn_topo *t)
{
	return t->n;
}

const struct hn_ctrl_lsa *hn_topo_at(const struct hn_topo *t, unsigned int i)
{
	return i < t->n ? &t->ent[i].lsa : NULL;
}

const struct hn_ctrl_lsa *hn_topo_get(const struct hn_topo *t, __u32 origin)
{
	int i = topo_find(t, origin);

	return i < 0 ? NULL : &t->ent[i].lsa;
}

/* ---- graph of bidirectional links ------------------------------------- */

struct topo_edge {
	unsigned int to; /* graph index */
	__u32 cost;
	__u32 lcost; /* hn_link_ett_load(cost, util) */
	__u8 quality;
	__u8 util; /* as the edge's origin advertises it */
};

/* Nodes are the LSA holders sorted by id; adj[off[i] .. off[i + 1]). */
struct topo_graph {
	unsigned int n;
	const struct hn_ctrl_lsa **node;
	unsigned int *off;
	struct topo_edge *adj;
};

static int cmp_lsa_origin(const void *a, const void *b)
{
	const struct hn_ctrl_lsa *x = *(const struct hn_ctrl_lsa *const *)a;
	const struct hn_ctrl_lsa *y = *(const struct hn_ctrl_lsa *const *)b;

	return (x->origin > y->origin) - (x->origin < y->origin);
}

static int cmp_edge_to(const void *a, const void *b)
{
	const struct topo_edge *x = a, *y = b;

	return (x->to > y->to) - (x->to < y->to);
}

static int graph_index(const struct topo_graph *g, __u32 id)
{
	unsigned int lo = 0, hi = g->n;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (g->node[mid]->origin < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < g->n && g->node[lo]->origin == id ? (int)lo : -1;
}

/* The edge to @to in a segment @e sorted by destination, or NULL. */
static const struct topo_edge *edge_find(const struct topo_edge *e,
					 unsigned int n, unsigned int to)
{
	struct topo_edge key = { .to = to };

	return bsearch(&key, e, n, sizeof(*e), cmp_edge_to);
}

/* Every advertised link towards a known node, per node sorted by peer. */
static unsigned int graph_raw(const struct topo_graph *g, unsigned int *off,
			      struct topo_edge *raw)
{
	unsigned int i, k, m = 0;

	for (i = 0; i < g->n; i++) {
		const struct hn_ctrl_lsa *l = g->node[i];

		off[i] = m;
		for (k = 0; k < l->n_links; k++) {
			int to = graph_index(g, l->links[k].node);

			if (to < 0)
				continue;
			raw[m].to = to;
			raw[m].cost = l->links[k].cost;
			raw[m].quality = l->links[k].quality;
			raw[m].util = l->links[k].util;
			m++;
		}
		qsort(&raw[off[i]], m - off[i], sizeof(*raw), cmp_edge_to);
	}
	off[g->n] = m;
	return m;
}

/*
 * Keep the links both ends advertise: cost the larger, quality the worse.
 * The load-aware cost is per direction: the sender's utilisation.
 */
static void graph_bidir(struct topo_graph *g, const unsigned int *roff,
			const struct topo_edge *raw)
{
	unsigned int i, k, m = 0;

	for (i = 0; i < g->n; i++) {
		g->off[i] = m;
		for (k = roff[i]; k < roff[i + 1]; k++) {
			unsigned int j = raw[k].to;
			const struct topo_edge *back;

			back = edge_find(raw + roff[j], roff[j + 1] - roff[j],
					 i);
			if (!back)
				continue;
			g->adj[m] = raw[k];
			if (back->cost > raw[k].cost)
				g->adj[m].cost = back->cost;
			if (back->quality < raw[k].quality)
				g->adj[m].quality = back->quality;
			g->adj[m].lcost =
				hn_link_ett_load(g->adj[m].cost, raw[k].util);
			m++;
		}
	}
	g->off[g->n] = m;
}

static void graph_free(struct topo_graph *g)
{
	free(g->node);
	free(g->off);
	free(g->adj);
}

static int graph_build(const struct hn_topo *t, struct topo_graph *g)
{
	unsigned int i, links = 0, *roff = NULL;
	struct topo_edge *raw = NULL;

	memset(g, 0, sizeof(*g));
	g->n = t->n;
	for (i = 0; i < t->n; i++)
		links += t->ent[i].lsa.n_links;
	g->node = calloc(t->n + 1, sizeof(*g->node));
	g->off = calloc(t->n + 1, sizeof(*g->off));
	g->adj = calloc(links + 1, sizeof(*g->adj));
	roff = calloc(t->n + 1, sizeof(*roff));
	raw = calloc(links + 1, sizeof(*raw));
	if (!g->node || !g->off || !g->adj || !roff || !raw) {
		free(roff);
		free(raw);
		graph_free(g);
		return -ENOMEM;
	}
	for (i = 0; i < t->n; i++)
		g->node[i] = &t->ent[i].lsa;
	qsort(g->node, g->n, sizeof(*g->node), cmp_lsa_origin);
	graph_raw(g, roff, raw);
	graph_bidir(g, roff, raw);
	free(roff);
	free(raw);
	return 0;
}

/* ---- Dijkstra ---------------------------------------------------------- */

/*
 * Shortest paths on (cost, hops) compared lexicographically, so among
 * equal-cost paths the fewest hops win: a tie-break every router makes
 * the same way, whatever order the heap pops equal keys in.
 */
struct topo_sp {
	__u32 *dist;
	__u16 *hops;
};

/* Binary min-heap of graph indices with positions, for decrease-key. */
struct topo_heap {
	unsigned int *v;
	unsigned int *pos; /* index in v, or HEAP_NONE when absent */
	unsigned int len;
	struct topo_sp sp;
	int load; /* weigh edges by lcost instead of cost */
};

#define HEAP_NONE 0xFFFFFFFFU

static int heap_less(const struct topo_heap *h, unsigned int a, unsigned int b)
{
	if (h->sp.dist[a] != h->sp.dist[b])
		return h->sp.dist[a] < h->sp.dist[b];
	if (h->sp.hops[a] != h->sp.hops[b])
		return h->sp.hops[a] < h->sp.hops[b];
	return a < b;
}

static void heap_set(struct topo_heap *h, unsigned int i, unsigned int x)
{
	h->v[i] = x;
	h->pos[x] = i;
}

static void heap_up(struct topo_heap *h, unsigned int i)
{
	unsigned int x = h->v[i];

	while (i > 0) {
		unsigned int p = (i - 1) / 2;

		if (!heap_less(h, x, h->v[p]))
			break;
		heap_set(h, i, h->v[p]);
		i = p;
	}
	heap_set(h, i, x);
}

static void heap_down(struct topo_heap *h, unsigned int i)
{
	unsigned int x = h->v[i];

	for (;;) {
		unsigned int c = 2 * i + 1;

		if (c >= h->len)
			break;
		if (c + 1 < h->len && heap_less(h, h->v[c + 1], h->v[c]))
			c++;
		if (!heap_less(h, h->v[c], x))
			break;
		heap_set(h, i, h->v[c]);
		i = c;
	}
	heap_set(h, i, x);
}

static unsigned int heap_pop(struct topo_heap *h)
{
	unsigned int top = h->v[0];

	h->pos[top] = HEAP_NONE;
	if (--h->len) {
		h->v[0] = h->v[h->len];
		heap_down(h, 0);
	}
	return top;
}

/* Insert @x or move it up after its key dropped. */
static void heap_push(struct topo_heap *h, unsigned int x)
{
	if (h->pos[x] == HEAP_NONE) {
		h->v[h->len] = x;
		h->pos[x] = h->len++;
	}
	heap_up(h, h->pos[x]);
}

static void relax(const struct topo_graph *g, struct topo_heap *h,
		  unsigned int u)
{
	__u32 *dist = h->sp.dist;
	__u16 *hops = h->sp.hops;
	unsigned int k;

	for (k = g->off[u]; k < g->off[u + 1]; k++) {
		unsigned int v = g->adj[k].to;
		__u32 d =
			dist[u] + (h->load ? g->adj[k].lcost : g->adj[k].cost);
		__u16 n = hops[u] + 1;

		if (d < dist[v] || (d == dist[v] && n < hops[v])) {
			dist[v] = d;
			hops[v] = n;
			heap_push(h, v);
		}
	}
}

/*
 * From @src into h->sp (HN_TOPO_INF where unreachable).  Costs fit u32:
 * at most 1023 links of 65535.
 */
static void dijkstra(const struct topo_graph *g, struct topo_heap *h,
		     unsigned int src)
{
	unsigned int i;

	for (i = 0; i < g->n; i++) {
		h->sp.dist[i] = HN_TOPO_INF;
		h->sp.hops[i] = 0;
		h->pos[i] = HEAP_NONE;
	}
	h->len = 0;
	h->sp.dist[src] = 0;
	heap_push(h, src);
	while (h->len)
		relax(g, h, heap_pop(h));
}

/* ---- routes ------------------------------------------------------------ */

/*
 * Shortest paths from self (row 0) and from each neighbour (row 1 + i),
 * on costs and on load-aware costs.
 */
struct topo_rt {
	struct topo_graph g;
	unsigned int self; /* graph index */
	unsigned int n_nb; /* neighbours: adj[off[self] ..] */
	__u32 *dist; /* (1 + n_nb) rows of g.n */
	__u16 *hops;
	__u32 *ldist; /* the same rows on lcost */
	__u16 *lhops; /* one row of scratch: tie-breaks of ldist */
};

static void rt_free(struct topo_rt *rt)
{
	graph_free(&rt->g);
	free(rt->dist);
	free(rt->hops);
	free(rt->ldist);
	free(rt->lhops);
}

static int rt_paths(struct topo_rt *rt)
{
	struct topo_graph *g = &rt->g;
	struct topo_heap h = { 0 };
	unsigned int r;

	h.v = calloc(g->n, sizeof(*h.v));
	h.pos = calloc(g->n, sizeof(*h.pos));
	if (!h.v || !h.pos) {
		free(h.v);
		free(h.pos);
		return -ENOMEM;
	}
	for (r = 0; r <= rt->n_nb; r++) {
		unsigned int src = r ? g->adj[g->off[rt->self] + r - 1].to :
				       rt->self;

		h.load = 0;
		h.sp.dist = &rt->dist[(size_t)r * g->n];
		h.sp.hops = &rt->hops[(size_t)r * g->n];
		dijkstra(g, &h, src);
		h.load = 1;
		h.sp.dist = &rt->ldist[(size_t)r * g->n];
		h.sp.hops = rt->lhops;
		dijkstra(g, &h, src);
	}
	free(h.v);
	free(h.pos);
	return 0;
}

static int rt_init(const struct hn_topo *t, struct topo_rt *rt)
{
	size_t cells;
	int s, err;

	memset(rt, 0, sizeof(*rt));
	err = graph_build(t, &rt->g);
	if (err)
		return err;
	s = graph_index(&rt->g, t->self);
	if (s < 0) {
		graph_free(&rt->g);
		return -ENOENT;
	}
	rt->self = s;
	rt->n_nb = rt->g.off[s + 1] - rt->g.off[s];
	cells = (size_t)(rt->n_nb + 1) * rt->g.n;
	rt->dist = calloc(cells, sizeof(*rt->dist));
	rt->hops = calloc(cells, sizeof(*rt->hops));
	rt->ldist = calloc(cells, sizeof(*rt->ldist));
	rt->lhops = calloc(rt->g.n + 1, sizeof(*rt->lhops));
	if (!rt->dist || !rt->hops || !rt->ldist || !rt->lhops)
		err = -ENOMEM;
	else
		err = rt_paths(rt);
	if (err)
		rt_free(rt);
	return err;
}

/* Candidate order: total cost, then hops, then node id. */
static int cand_before(const struct hn_topo_cand *a,
		       const struct hn_topo_cand *b)
{
	if (a->cost != b->cost)
		return a->cost < b->cost;
	if (a->hops != b->hops)
		return a->hops < b->hops;
	return a->neigh < b->neigh;
}

/* Insert @c into the sorted r->cand, dropping the most expensive if full. */
static void cand_insert(struct hn_topo_route *r, const struct hn_topo_cand *c)
{
	unsigned int i = r->n_cand;

	if (i == HN_TOPO_MAX_CAND) {
		if (!cand_before(c, &r->cand[i - 1]))
			return;
		i--;
	} else {
		r->n_cand++;
	}
	for (; i > 0 && cand_before(c, &r->cand[i - 1]); i--)
		r->cand[i] = r->cand[i - 1];
	r->cand[i] = *c;
}

static __u8 hops_u8(unsigned int hops)
{
	return hops > 255 ? 255 : hops;
}

/* Route to graph node @d, reachable from self and not self. */
static void rt_route(const struct topo_rt *rt, unsigned int d,
		     struct hn_topo_route *r)
{
	const struct topo_graph *g = &rt->g;
	const struct topo_edge *nb = &g->adj[g->off[rt->self]];
	__u32 dself = rt->dist[d];
	unsigned int i;

	memset(r, 0, sizeof(*r));
	r->dst = g->node[d]->origin;
	r->cost = dself;
	for (i = 0; i < rt->n_nb; i++) {
		size_t cell = (size_t)(i + 1) * g->n + d;
		struct hn_topo_cand c;

		/* strictly downstream: every hop lowers what is left */
		if (rt->dist[cell] >= dself)
			continue;
		memset(&c, 0, sizeof(c)); /* padding too: memcmp-able */
		c.neigh = g->node[nb[i].to]->origin;
		c.cost = nb[i].cost + rt->dist[cell];
		c.load_cost = nb[i].lcost + rt->ldist[cell];
		c.hops = hops_u8(1 + rt->hops[cell]);
		cand_insert(r, &c);
		if (!r->load_cost || c.load_cost < r->load_cost)
			r->load_cost = c.load_cost;
	}
	/*
	 * The shortest path's next hop n has D(n, d) = D(self, d) -
	 * cost(self, n) < D(self, d): it qualifies, and its total D(self, d)
	 * is the least there is, so it sorts first.
	 */
	r->def = 0;
	r->hops = r->cand[0].hops;
}

int hn_topo_routes(const struct hn_topo *t, struct hn_topo_route *out,
		   unsigned int max, unsigned int *n)
{
	struct topo_rt rt;
	unsigned int d, m = 0;
	int err;

	*n = 0;
	err = rt_init(t, &rt);
	if (err)
		return err;
	for (d = 0; d < rt.g.n && m < max; d++) {
		if (d == rt.self || rt.dist[d] == HN_TOPO_INF)
			continue;
		rt_route(&rt, d, &out[m++]);
	}
	*n = m;
	rt_free(&rt);
	return 0;
}

/* ---- output ------------------------------------------------------------ */

/* The utilisation node @from advertises on its link to @to (graph indices). */
static __u8 back_util(const struct topo_graph *g, unsigned int from,
		      unsigned int to)
{
	const struct topo_edge *e = edge_find(
		g->adj + g->off[from], g->off[from + 1] - g->off[from], to);

	return e ? e->util : 0;
}

/* 0..255 as a rounded percentage, for people */
static unsigned int util_pct(__u8 util)
{
	return (util * 100U + 127) / 255;
}

static void dot_links(const struct topo_graph *g, FILE *f)
{
	unsigned int i, k;

	for (i = 0; i < g->n; i++)
		for (k = g->off[i]; k < g->off[i + 1]; k++) {
			const struct topo_edge *e = &g->adj[k];
			__u8 back;

			if (e->to < i)
				continue; /* printed from the lower end */
			fprintf(f, "\t\"%u\" -- \"%u\" [label=\"%u",
				g->node[i]->origin, g->node[e->to]->origin,
				e->cost);
			back = back_util(g, e->to, i);
			/* utilisation each way, in the order of the ends */
			if (e->util || back)
				fprintf(f, "\\n%u%% / %u%%", util_pct(e->util),
					util_pct(back));
			fprintf(f, "\"];\n");
		}
}

void hn_topo_dot(const struct hn_topo *t, const struct hn_names *names, FILE *f)
{
	char label[HN_NODE_STRLEN];
	struct topo_graph g;
	unsigned int i;

	if (graph_build(t, &g))
		return;
	fprintf(f, "graph hypernet {\n");
	for (i = 0; i < g.n; i++) {
		__u32 id = g.node[i]->origin;

		/* names hold no quote or backslash (names.h) */
		fprintf(f, "\t\"%u\" [label=\"%s\"%s];\n", id,
			hn_fmt_node(names, id, label),
			id == t->self ? ", style=filled, fillcolor=lightblue" :
					"");
	}
	dot_links(&g, f);
	fprintf(f, "}\n");
	graph_free(&g);
}

static void json_node(struct jsonw *jw, const struct hn_ctrl_lsa *l)
{
	unsigned int i;

	jsonw_obj_open(jw);
	jsonw_kv_u64(jw, "id", l->origin);
	jsonw_kv_u64(jw, "seq", l->seq);
	jsonw_kv_u64(jw, "load", l->load);
	jsonw_kv_u64(jw, "capacity", l->capacity);
	jsonw_kv_u64(jw, "model_gen", l->model_gen);
	jsonw_name(jw, "stages");
	jsonw_arr_open(jw);
	for (i = 0; i < l->n_stages; i++)
		jsonw_u64(jw, l->stages[i]);
	jsonw_arr_close(jw);
	/* HN_LSA_F_RATES: each stage's measured rate, 0 where not yet */
	jsonw_name(jw, "rates");
	jsonw_arr_open(jw);
	for (i = 0; l->flags & HN_LSA_F_RATES && i < l->n_stages; i++) {
		jsonw_obj_open(jw);
		jsonw_kv_u64(jw, "stage", l->stages[i]);
		jsonw_kv_u64(jw, "ns_per_item", l->rates[i].ns_per_item);
		jsonw_kv_u64(jw, "busy_pm", l->rates[i].busy);
		jsonw_kv_u64(jw, "queue", l->rates[i].queue);
		jsonw_obj_close(jw);
	}
	jsonw_arr_close(jw);
	jsonw_obj_close(jw);
}

static void json_links(struct jsonw *jw, const struct topo_graph *g)
{
	unsigned int i, k;

	for (i = 0; i < g->n; i++)
		for (k = g->off[i]; k < g->off[i + 1]; k++) {
			if (g->adj[k].to < i)
				continue; /* printed from the lower end */
			jsonw_obj_open(jw);
			jsonw_kv_u64(jw, "a", g->node[i]->origin);
			jsonw_kv_u64(jw, "b", g->node[g->adj[k].to]->origin);
			jsonw_kv_u64(jw, "cost", g->adj[k].cost);
			jsonw_kv_u64(jw, "quality", g->adj[k].quality);
			jsonw_kv_u64(jw, "util_ab", g->adj[k].util);
			jsonw_kv_u64(jw, "util_ba",
				     back_util(g, g->adj[k].to, i));
			jsonw_obj_close(jw);
		}
}

void hn_topo_json(const struct hn_topo *t, struct jsonw *jw)
{
	struct topo_graph g;
	unsigned int i;

	if (graph_build(t, &g))
		return;
	jsonw_obj_open(jw);
	jsonw_kv_u64(jw, "self", t->self);
	jsonw_name(jw, "nodes");
	jsonw_arr_open(jw);
	for (i = 0; i < g.n; i++)
		json_node(jw, g.node[i]);
	jsonw_arr_close(jw);
	jsonw_name(jw, "links");
	jsonw_arr_open(jw);
	json_links(jw, &g);
	jsonw_arr_close(jw);
	jsonw_obj_close(jw);
	graph_free(&g);
}
