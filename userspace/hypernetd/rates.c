// SPDX-License-Identifier: GPL-2.0
/*
 * Stage rates: how fast this node runs each stage it hosts, and how busy
 * it keeps it, for its LSA (HN_LSA_F_RATES); and what the mesh's LSAs say
 * of every host, for local clients (the "hosts" request: hn-edge's cut
 * chooser, hnctl agent hosts).
 *
 * A stage's rate comes from, last writer first:
 *   - stage-dev: the hypernet device's HNET_STATS_A_COMPUTE_NS and
 *     HNET_STATS_A_TENSORS_DONE read every rate-window-ms (hn_rate_window());
 *   - a local runner over the control socket ("stage-rate"), valid for
 *     three windows unless told again;
 *   - stage-rate in the configuration, the fallback.
 * A rate that moved (hn_rate_moved()) makes the LSA due; otherwise the
 * refresh carries it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hypernet/route.h>
#include "genl.h"
#include "hypernetd.h"

static int stage_index(const struct hnd *d, unsigned int stage)
{
	const __u8 *p = memchr(d->cfg.stages, stage, d->cfg.n_stages);

	return p ? p - d->cfg.stages : -1;
}

static __u64 window_ns(const struct hnd *d)
{
	return (__u64)d->cfg.rate_window_ms * NSEC_PER_MSEC;
}

int hnd_rate_tell(struct hnd *d, unsigned int stage,
		  const struct hn_ctrl_rate *r, __u64 now)
{
	int i = stage_index(d, stage);

	if (i < 0 || r->busy > HN_RATE_BUSY_MAX)
		return -ENOENT;
	d->rates[i].now = *r;
	d->rates[i].expires_ns = now + 3 * window_ns(d);
	return 0;
}

struct dev_read {
	struct hn_genl_dev dev;
	bool found;
};

static int dev_one(const struct hn_genl_dev *dev, void *arg)
{
	struct dev_read *r = arg;

	r->dev = *dev;
	r->found = true;
	return 1;
}

/* Read stage-dev's counters; 0, or negative errno (said once). */
static int dev_read(struct hnd *d, struct hn_genl_dev *dev)
{
	struct hn_genl_sel sel = { .ifname = d->cfg.stage_dev };
	struct dev_read r = { .found = false };
	int ret = 0;

	if (!d->genl) {
		d->genl = calloc(1, sizeof(*d->genl));
		if (!d->genl)
			return -ENOMEM;
		ret = hn_genl_open(d->genl);
		if (ret) {
			free(d->genl);
			d->genl = NULL;
		}
	}
	if (!ret)
		ret = hn_genl_get(d->genl, &sel, dev_one, &r);
	if (!ret && !r.found)
		ret = -ENODEV;
	if (ret) {
		if (!d->dev_warned)
			hnd_log(d, LOG_W,
				"stage-dev %s: cannot read its counters (%s); its stage's rate is not measured",
				d->cfg.stage_dev, strerror(-ret));
		d->dev_warned = true;
		return ret;
	}
	d->dev_warned = false;
	*dev = r.dev;
	return 0;
}

void hnd_rates_dev(struct hnd *d, const struct hn_genl_dev *dev, __u64 now)
{
	struct hn_rate_sample s;
	int i;

	if (!dev || !dev->has_stage) {
		d->dev_stage = 0;
		return;
	}
	s.t_ns = now;
	s.compute_ns = dev->stats[HNET_STATS_A_COMPUTE_NS];
	s.done = dev->stats[HNET_STATS_A_TENSORS_DONE];
	s.queue = dev->inflight;
	i = stage_index(d, dev->stage_id);
	if (d->dev_stage == dev->stage_id && i >= 0) {
		if (hn_rate_window(&d->dev_prev, &s, &d->rates[i].now)) {
			d->st.rate_resets++;
		} else {
			d->rates[i].expires_ns = 0;
			d->st.rate_samples++;
		}
	} else if (i < 0) {
		hnd_log(d, LOG_W,
			"stage-dev %s runs stage %u, which 'stages' does not list",
			d->cfg.stage_dev, dev->stage_id);
	}
	d->dev_stage = dev->stage_id;
	d->dev_prev = s;
}

/* One window of stage-dev: its stage's rate, if we host that stage. */
static void dev_sample(struct hnd *d, __u64 now)
{
	struct hn_genl_dev dev;

	hnd_rates_dev(d, dev_read(d, &dev) ? NULL : &dev, now);
}

void hnd_rates_tick(struct hnd *d, __u64 now)
{
	unsigned int i;

	if (now >= d->next_rate_ns) {
		d->next_rate_ns = now + window_ns(d);
		if (d->cfg.stage_dev[0])
			dev_sample(d, now);
	}
	for (i = 0; i < d->cfg.n_stages; i++) {
		struct hnd_rate *r = &d->rates[i];
		const struct hn_ctrl_rate *c =
			&d->cfg.stage_rate[d->cfg.stages[i]];

		/* told and not told again: back to the configured rate */
		if (r->expires_ns && now >= r->expires_ns) {
			r->now = *c;
			r->expires_ns = 0;
		}
		if (!r->now.ns_per_item && c->ns_per_item && !r->expires_ns)
			r->now = *c;
		if (hn_rate_moved(&r->adv, &r->now))
			d->lsa_dirty = true;
	}
}

void hnd_rates_free(struct hnd *d)
{
	if (d->genl) {
		hn_genl_close(d->genl);
		free(d->genl);
		d->genl = NULL;
	}
}

/* ---- hosts, for local clients ------------------------------------------ */

struct host_row {
	__u32 node;
	__u8 stage;
	bool self;
	struct hn_ctrl_rate rate; /* 0 without HN_LSA_F_RATES */
	__u8 load, capacity;
	__u32 cost, load_cost; /* 0 for self */
	__u8 hops;
};

static int row_cmp(const void *a, const void *b)
{
	const struct host_row *x = a, *y = b;

	if (x->stage != y->stage)
		return x->stage < y->stage ? -1 : 1;
	if (x->load_cost != y->load_cost)
		return x->load_cost < y->load_cost ? -1 : 1;
	return x->node < y->node ? -1 : x->node > y->node;
}

/*
 * The path's rate for small frames, kbit/s, from its load-aware ETT: a
 * link's ETT is the microseconds a 1500-byte frame takes on it
 * (hn_link_ett()), and hops forward whole frames, so the sum over the path
 * is the time per 1500 bytes.  0 when the metric is not ETT.
 */
static __u32 path_kbps(const struct hnd *d, const struct host_row *h)
{
	if (h->self || !h->load_cost ||
	    (d->cfg.route_metric != HND_METRIC_ETT &&
	     d->cfg.route_metric != HND_METRIC_ETT_LOAD))
		return 0;
	return 12000000U / h->load_cost;
}

static const struct hn_topo_route *route_of(const struct hn_topo_route *r,
					    unsigned int n, __u32 node)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (r[i].dst == node)
			return &r[i];
	return NULL;
}

/* Every (host, stage) the LSAs advertise and routes reach; @stage 0: all. */
static unsigned int hosts_collect(struct hnd *d, unsigned int stage,
				  struct host_row *rows, unsigned int max)
{
	static struct hn_topo_route r[HND_MAX_ROUTES];
	unsigned int i, j, n = 0, nr = 0;

	if (hn_topo_routes(d->topo, r, HND_MAX_ROUTES, &nr))
		nr = 0;
	for (i = 0; i < hn_topo_count(d->topo); i++) {
		const struct hn_ctrl_lsa *l = hn_topo_at(d->topo, i);
		const struct hn_topo_route *rt = route_of(r, nr, l->origin);
		bool self = l->origin == d->cfg.node_id;

		if (!self && !rt)
			continue;
		for (j = 0; j < l->n_stages && n < max; j++) {
			struct host_row *h = &rows[n];

			if (stage && l->stages[j] != stage)
				continue;
			memset(h, 0, sizeof(*h));
			h->node = l->origin;
			h->stage = l->stages[j];
			h->self = self;
			if (l->flags & HN_LSA_F_RATES)
				h->rate = l->rates[j];
			h->load = l->load;
			h->capacity = l->capacity;
			if (rt) {
				h->cost = rt->cost;
				h->load_cost = rt->load_cost ?: rt->cost;
				h->hops = rt->hops;
			}
			n++;
		}
	}
	qsort(rows, n, sizeof(rows[0]), row_cmp);
	return n;
}

static void host_json(struct hnd *d, const struct host_row *h, struct jsonw *w)
{
	jsonw_obj_open(w);
	jsonw_kv_u64(w, "node", h->node);
	jsonw_kv_u64(w, "stage", h->stage);
	jsonw_kv_bool(w, "self", h->self);
	jsonw_kv_u64(w, "ns_per_item", h->rate.ns_per_item);
	jsonw_kv_u64(w, "busy_pm", h->rate.busy);
	jsonw_kv_u64(w, "queue", h->rate.queue);
	jsonw_kv_u64(w, "load", h->load);
	jsonw_kv_u64(w, "capacity", h->capacity);
	jsonw_kv_u64(w, "cost", h->cost);
	jsonw_kv_u64(w, "load_cost", h->load_cost);
	jsonw_kv_u64(w, "hops", h->hops);
	jsonw_kv_u64(w, "path_kbps", path_kbps(d, h));
	jsonw_obj_close(w);
}

/*
 * The text form is also what hn-edge reads: a header line, then one line
 * per host of whitespace-separated numbers in the header's order.
 */
void hnd_hosts_out(struct hnd *d, unsigned int stage, FILE *f, struct jsonw *w)
{
	static struct host_row rows[HN_TOPO_MAX_NODES];
	unsigned int i, n = hosts_collect(d, stage, rows, HN_TOPO_MAX_NODES);

	if (w) {
		jsonw_arr_open(w);
		for (i = 0; i < n; i++)
			host_json(d, &rows[i], w);
		jsonw_arr_close(w);
		return;
	}
	fprintf(f, "%-10s %5s %4s %11s %7s %5s %4s %8s %6s %6s %4s %9s\n",
		"node", "stage", "self", "ns_per_item", "busy_pm", "queue",
		"load", "capacity", "cost", "lcost", "hops", "path_kbps");
	for (i = 0; i < n; i++) {
		const struct host_row *h = &rows[i];

		fprintf(f,
			"%-10u %5u %4u %11u %7u %5u %4u %8u %6u %6u %4u %9u\n",
			h->node, h->stage, h->self, h->rate.ns_per_item,
			h->rate.busy, h->rate.queue, h->load, h->capacity,
			h->cost, h->load_cost, h->hops, path_kbps(d, h));
	}
}
