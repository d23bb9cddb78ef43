// SPDX-License-Identifier: GPL-2.0
/*
 * Link-state gossip.  Each node floods an LSA (its up neighbours with link
 * costs and utilisation, its load, capacity, model generation and tensor
 * stages) when it changes, at most every LSA_MIN_GAP, and every
 * lsa-refresh-s anyway.  A link's utilisation counts as changed once it
 * has moved by HN_UTIL_READV since the LSA that said it.  The
 * data plane floods it on and drops the copies; every agent keeps the
 * newest LSA per origin (topo.c), computes loop-free candidate next hops
 * and writes what changed into the route and task maps.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include <hypernet/route.h>
#include "dp.h"
#include "fileio.h"
#include "hypernetd.h"

#define LSA_MIN_GAP_NS (50 * NSEC_PER_MSEC)
/* LSA seqs are persisted in blocks, so a restart never reuses one */
#define LSA_SEQ_BLOCK 1024

static int seq_path(struct hnd *d, char *buf, size_t size)
{
	return snprintf(buf, size, "%s/lsa-seq", d->cfg.state_dir) >=
			       (int)size ?
		       -ENAMETOOLONG :
		       0;
}

static int lsa_seq_reserve(struct hnd *d)
{
	char path[PATH_MAX + 16], buf[16], err[PATH_MAX + 128];
	int ret;

	d->lsa_seq_reserved = d->lsa_seq + LSA_SEQ_BLOCK;
	if (seq_path(d, path, sizeof(path)))
		return -ENAMETOOLONG;
	snprintf(buf, sizeof(buf), "%u\n", d->lsa_seq_reserved);
	/* durable: a restart after a crash must not reuse a seq */
	ret = hn_write_file(path, buf, strlen(buf), 0600, 0, err, sizeof(err));
	if (ret)
		hnd_log(d, LOG_W, "cannot persist the LSA sequence: %s", err);
	return ret;
}

int hnd_lsa_seq_load(struct hnd *d)
{
	char path[PATH_MAX + 16];
	unsigned int v = 0;
	FILE *f;

	if (seq_path(d, path, sizeof(path)))
		return -ENAMETOOLONG;
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%u", &v) != 1)
			hnd_log(d, LOG_W, "%s: not a number, starting at 0",
				path);
		fclose(f);
	}
	d->lsa_seq = v;
	return lsa_seq_reserve(d);
}

/* The utilisation of @n's link now, as an LSA says it: its port's. */
static __u8 link_util(const struct hnd *d, const struct hnd_neigh *n)
{
	return hn_util_from_pm(d->ports[n->port].util);
}

static void lsa_build(struct hnd *d, struct hn_ctrl_lsa *l)
{
	unsigned int i;

	memset(l, 0, sizeof(*l));
	l->origin = d->cfg.node_id;
	l->seq = d->lsa_seq;
	l->lifetime_s = d->cfg.lsa_lifetime_s;
	l->load = d->cfg.load;
	l->capacity = d->cfg.capacity;
	l->model_gen = d->model_gen;
	l->flags = HN_LSA_F_UTIL;
	for (i = 0; i < HND_MAX_NEIGH && l->n_links < HN_LSA_MAX_LINKS; i++) {
		struct hnd_neigh *n = &d->nb[i];
		struct hn_ctrl_link *k = &l->links[l->n_links];

		if (!n->used || !n->up)
			continue;
		k->node = n->node;
		k->cost = n->cost ? n->cost : 1;
		k->quality = n->feat[HN_FEAT_QUALITY];
		k->delay = n->feat[HN_FEAT_DELAY];
		k->util = link_util(d, n);
		n->util = k->util;
		l->n_links++;
	}
	l->n_stages = d->cfg.n_stages;
	memcpy(l->stages, d->cfg.stages, d->cfg.n_stages);
	/* each stage's rate (rates.c), on the LSA of every host */
	if (l->n_stages)
		l->flags |= HN_LSA_F_RATES;
	for (i = 0; i < l->n_stages; i++) {
		l->rates[i] = d->rates[i].now;
		d->rates[i].adv = d->rates[i].now;
	}
}

static void lsa_originate(struct hnd *d, __u64 now)
{
	struct hn_ctrl_msg m;
	int ret;

	d->lsa_seq++;
	if (!hn_seq_newer(d->lsa_seq_reserved, d->lsa_seq))
		lsa_seq_reserve(d);
	hnd_msg_init(d, &m, HN_T_GOSSIP);
	lsa_build(d, &m.u.lsa);
	if (!d->resync_sent) {
		m.u.lsa.flags |= HN_LSA_F_RESYNC;
		d->resync_sent = true;
	}
	ret = hn_topo_update(d->topo, &m.u.lsa, now);
	if (ret < 0)
		hnd_log(d, LOG_E, "own LSA refused by the database: %s",
			strerror(-ret));
	d->routes_dirty = true;
	d->lsa_dirty = false;
	d->lsa_last_ns = now;
	d->lsa_next_refresh_ns =
		now + (__u64)d->cfg.lsa_refresh_s * NSEC_PER_SEC;
	if (!hnd_flood(d, &m))
		d->st.lsa_tx++;
}

static void known_add(struct hnd *d, __u32 origin)
{
	unsigned int i;

	for (i = 0; i < d->n_known; i++)
		if (d->known[i] == origin)
			return;
	if (d->n_known < HN_TOPO_MAX_NODES)
		d->known[d->n_known++] = origin;
}

void hnd_lsa_rx(struct hnd *d, const struct hn_ctrl_msg *m)
{
	int ret;

	d->st.lsa_rx++;
	if (m->u.lsa.origin != m->src) {
		d->st.lsa_bad++;
		return;
	}
	ret = hn_topo_update(d->topo, &m->u.lsa, hnd_now());
	if (ret < 0) {
		d->st.lsa_bad++;
		hnd_log(d, LOG_W, "LSA of %u refused: %s", m->src,
			strerror(-ret));
		return;
	}
	if (!ret) {
		d->st.lsa_old++;
		return;
	}
	known_add(d, m->src);
	d->routes_dirty = true;
	/* a newcomer asks for everyone's LSA: ours goes out soon */
	if (m->u.lsa.flags & HN_LSA_F_RESYNC)
		d->lsa_dirty = true;
}

/*
 * Origins gone from the database: forget the data plane's flood windows
 * of each, so that when one comes back with a seq from its clock its
 * floods are not taken for old ones, and, unless it is a neighbour (whose
 * window a challenge restarts), its replay window: a node whose clock went
 * back at a reboot is refused as stale until then, and no longer.
 */
static void forget_sender(struct hnd *d, __u32 node)
{
	unsigned int i;

	for (i = 0; i < d->n_senders; i++)
		if (d->senders[i].node == node)
			memset(&d->senders[i].replay, 0,
			       sizeof(d->senders[i].replay));
}

static void forget_gone(struct hnd *d)
{
	int fd = hn_dp_map_fd(d->dp, "hn_mcast_win");
	int ctl = hn_dp_map_fd(d->dp, "hn_mcast_ctl");
	unsigned int i = 0;

	while (i < d->n_known) {
		__u32 o = d->known[i];

		if (hn_topo_get(d->topo, o)) {
			i++;
			continue;
		}
		if (fd >= 0)
			bpf_map_delete_elem(fd, &o);
		if (ctl >= 0)
			bpf_map_delete_elem(ctl, &o);
		if (!hnd_neigh_find(d, o))
			forget_sender(d, o);
		d->known[i] = d->known[--d->n_known];
		hnd_log(d, LOG_I, "node %u left the mesh", o);
	}
}

static struct hnd_route *route_find(struct hnd *d, __u32 dst)
{
	unsigned int i;

	for (i = 0; i < d->n_routes; i++)
		if (d->routes[i].dst == dst)
			return &d->routes[i];
	return NULL;
}

/*
 * The default next hop to install: the shortest path's, unless the one
 * installed now is still a candidate within an eighth of its cost.  Near
 * equal paths (a grid is full of them) would otherwise trade places on
 * every small change of a link cost, voiding the data plane's caches and
 * moving flows for nothing.  Any candidate is loop-free, so this is safe.
 */
static unsigned int sticky_default(struct hnd *d, const struct hn_topo_route *r,
				   const struct hnd_route *cur)
{
	__u32 best = r->cand[r->def].cost;
	unsigned int i;
	int old;

	if (!cur || cur->rt.def >= cur->rt.n_cand)
		return r->def;
	old = cur->rt.cand[cur->rt.def].neigh;
	for (i = 0; i < r->n_cand; i++)
		if (hnd_neigh_dp_idx(d, r->cand[i].neigh) == old)
			return r->cand[i].cost <= best + best / 8 ? i : r->def;
	return r->def;
}

/*
 * topo's route to the data plane's form; 0 if no candidate is usable.
 * The route feature compares candidates by their load-aware costs, so
 * the model sees a loaded link beyond the first hop; the candidates and
 * the default stay those of the advertised (idle) costs.
 */
static int route_to_dp(struct hnd *d, const struct hn_topo_route *r,
		       const struct hnd_route *cur, struct hn_dp_route *rt)
{
	unsigned int i, def = sticky_default(d, r, cur);

	memset(rt, 0, sizeof(*rt));
	for (i = 0; i < r->n_cand; i++) {
		int idx = hnd_neigh_dp_idx(d, r->cand[i].neigh);

		if (idx < 0)
			continue;
		if (i == def)
			rt->def = rt->n_cand;
		rt->cand[rt->n_cand].neigh = idx;
		rt->cand[rt->n_cand].dist = hn_rt_route_dist(
			r->cand[i].load_cost, r->load_cost, r->cand[i].hops);
		rt->n_cand++;
	}
	return rt->n_cand;
}

static void routes_install(struct hnd *d, const struct hn_topo_route *r,
			   unsigned int n)
{
	static struct hnd_route next[HND_MAX_ROUTES];
	unsigned int i, k = 0, written = 0, withdrawn = 0;
	char err[160];

	for (i = 0; i < n && k < HND_MAX_ROUTES; i++) {
		struct hnd_route *cur = route_find(d, r[i].dst);
		struct hn_dp_route rt;

		if (!route_to_dp(d, &r[i], cur, &rt))
			continue;
		next[k].dst = r[i].dst;
		next[k].rt = rt;
		k++;
		if (cur && !memcmp(&cur->rt, &rt, sizeof(rt)))
			continue;
		if (hn_dp_set_route(d->dp, r[i].dst, &rt, err, sizeof(err))) {
			d->st.dp_errors++;
			hnd_log(d, LOG_E, "route to %u: %s", r[i].dst, err);
			k--;
			continue;
		}
		d->st.route_writes++;
		written++;
		hnd_ev_route(d, r[i].dst, &rt);
	}
	/* withdrawn: in the old set, not in the new */
	for (i = 0; i < d->n_routes; i++) {
		unsigned int j;

		for (j = 0; j < k; j++)
			if (next[j].dst == d->routes[i].dst)
				break;
		if (j < k)
			continue;
		if (d->hold_until_ns && k < HND_MAX_ROUTES) {
			next[k++] = d->routes[i]; /* restart: kept */
			continue;
		}
		hn_dp_del_route(d->dp, d->routes[i].dst);
		d->st.route_writes++;
		withdrawn++;
		hnd_ev_route(d, d->routes[i].dst, NULL);
	}
	if (written || withdrawn)
		hnd_log(d, LOG_I,
			"routes to %u nodes (%u written, %u withdrawn)", k,
			written, withdrawn);
	memcpy(d->routes, next, k * sizeof(next[0]));
	d->n_routes = k;
}

static __u32 route_cost(const struct hn_topo_route *r, unsigned int n,
			__u32 node)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (r[i].dst == node)
			return r[i].cost;
	return HN_TOPO_INF;
}

/* Stage s: its nearest hosts (this node counts, at cost 0). */
static void task_build(struct hnd *d, __u8 s, const struct hn_topo_route *r,
		       unsigned int nr, struct hn_dp_task *t)
{
	__u32 cost[HN_DP_MAX_CAND];
	unsigned int i, j;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < hn_topo_count(d->topo); i++) {
		const struct hn_ctrl_lsa *l = hn_topo_at(d->topo, i);
		__u32 c;

		if (!memchr(l->stages, s, l->n_stages))
			continue;
		c = l->origin == d->cfg.node_id ? 0 :
						  route_cost(r, nr, l->origin);
		if (c == HN_TOPO_INF)
			continue;
		/* insertion by cost, the cheapest HN_DP_MAX_CAND kept */
		for (j = t->n_host; j > 0 && cost[j - 1] > c; j--) {
			if (j < HN_DP_MAX_CAND) {
				cost[j] = cost[j - 1];
				t->host[j] = t->host[j - 1];
			}
		}
		if (j >= HN_DP_MAX_CAND)
			continue;
		cost[j] = c;
		t->host[j].node = l->origin;
		t->host[j].load = l->load;
		t->host[j].capacity = l->capacity;
		if (t->n_host < HN_DP_MAX_CAND)
			t->n_host++;
	}
}

static const struct hn_dp_task *task_find(const struct hnd *d, __u32 task)
{
	unsigned int i;

	for (i = 0; i < d->n_tasks; i++)
		if (d->tasks[i].task == task)
			return &d->tasks[i].t;
	return NULL;
}

/*
 * Hosts of every stage some node advertises.  Only changes are written:
 * each write voids the data plane's decision caches.
 */
static void tasks_install(struct hnd *d, const struct hn_topo_route *r,
			  unsigned int nr)
{
	static struct hnd_task next[HND_MAX_TASKS];
	unsigned int i, j, n = 0;
	char err[160];
	__u8 seen[256] = { 0 };

	for (i = 0; i < hn_topo_count(d->topo); i++) {
		const struct hn_ctrl_lsa *l = hn_topo_at(d->topo, i);

		for (j = 0; j < l->n_stages; j++)
			seen[l->stages[j]] = 1;
	}
	for (i = 1; i < 256 && n < HND_MAX_TASKS; i++) {
		const struct hn_dp_task *cur;
		struct hn_dp_task t;

		if (!seen[i])
			continue;
		cur = task_find(d, i);
		task_build(d, i, r, nr, &t);
		if (!t.n_host)
			continue;
		if ((!cur || memcmp(cur, &t, sizeof(t))) &&
		    hn_dp_set_task(d->dp, i, &t, err, sizeof(err))) {
			d->st.dp_errors++;
			hnd_log(d, LOG_E, "task %u: %s", i, err);
			continue;
		}
		next[n].task = i;
		next[n].t = t;
		n++;
	}
	for (i = 0; i < d->n_tasks; i++) {
		for (j = 0; j < n; j++)
			if (next[j].task == d->tasks[i].task)
				break;
		if (j == n)
			hn_dp_del_task(d->dp, d->tasks[i].task);
	}
	memcpy(d->tasks, next, n * sizeof(next[0]));
	d->n_tasks = n;
}

static void routes_compute(struct hnd *d)
{
	static struct hn_topo_route r[HND_MAX_ROUTES];
	unsigned int n = 0;
	int ret;

	d->routes_dirty = false;
	d->st.route_runs++;
	ret = hn_topo_routes(d->topo, r, HND_MAX_ROUTES, &n);
	if (ret) {
		hnd_log(d, LOG_E, "route computation: %s", strerror(-ret));
		return;
	}
	routes_install(d, r, n);
	tasks_install(d, r, n);
	hnd_write_state(d);
}

/*
 * A link whose utilisation moved enough since our LSA said it makes the
 * LSA due (util_sample() measures every 500 ms, and LSA_MIN_GAP holds):
 * the mesh's load-aware costs and the model's route feature follow load
 * beyond the first hop, without an LSA for every small change.
 */
static void util_check(struct hnd *d)
{
	unsigned int i;

	for (i = 0; i < HND_MAX_NEIGH && !d->lsa_dirty; i++) {
		const struct hnd_neigh *n = &d->nb[i];

		if (n->used && n->up && hn_util_moved(n->util, link_util(d, n)))
			d->lsa_dirty = true;
	}
}

void hnd_gossip_tick(struct hnd *d, __u64 now)
{
	if (d->hold_until_ns && now >= d->hold_until_ns) {
		d->hold_until_ns = 0;
		d->routes_dirty = true;
	}
	if (hn_topo_expire(d->topo, now) > 0) {
		d->routes_dirty = true;
		forget_gone(d);
	}
	util_check(d);
	if ((d->lsa_dirty && now - d->lsa_last_ns >= LSA_MIN_GAP_NS) ||
	    now >= d->lsa_next_refresh_ns)
		lsa_originate(d, now);
	if (d->routes_dirty)
		routes_compute(d);
}
