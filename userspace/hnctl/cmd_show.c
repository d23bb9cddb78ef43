// SPDX-License-Identifier: GPL-2.0
/*
 * hnctl show: the node and its neighbours at a glance, as `wg show`
 * shows an interface and its peers; hnctl metrics: the same figures and
 * the data plane's counters as Prometheus or OpenMetrics text.  Both read
 * the data plane from its pins and the agent's `dump` (ctl.c): its raw
 * tab-separated records, formatted here with the names of -n.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hnctl.h"

/* ---- the agent's dump --------------------------------------------------- */

struct dump_node {
	__u32 id, nodes, routes, tasks;
	int pid;
	unsigned long long uptime_ns, model_gen;
	char metric[16];
};

struct dump_port {
	char name[IF_NAMESIZE];
	int ifindex;
	char xdp[16];
};

struct dump_neigh {
	__u32 node;
	char state[16], port[IF_NAMESIZE], mac[18];
	int dp_idx;
	unsigned int rx_ratio, tx_ratio, cost;
	unsigned long long rtt_ns, heard_ns, rx_frames, rx_bytes, tx_frames,
		tx_bytes;
	struct hn_dp_nb_stats dp; /* hn_nb_stats[dp_idx], zero without */
};

struct dump {
	bool agent; /* the agent answered */
	struct dump_node node;
	struct dump_port port[HN_DP_MAX_PORTS];
	unsigned int n_port;
	struct dump_neigh nb[HN_DP_MAX_NEIGH];
	unsigned int n_nb;
};

/* One record of the dump: 0, or -1 when it does not parse. */
static int dump_line(struct dump *d, const char *l)
{
	struct dump_node *n = &d->node;
	struct dump_neigh *b = &d->nb[d->n_nb];
	struct dump_port *p = &d->port[d->n_port];

	if (!strncmp(l, "node\t", 5))
		return sscanf(l, "node\t%u\t%d\t%llu\t%llu\t%15s\t%u\t%u\t%u",
			      &n->id, &n->pid, &n->uptime_ns, &n->model_gen,
			      n->metric, &n->nodes, &n->routes,
			      &n->tasks) == 8 ?
			       0 :
			       -1;
	if (!strncmp(l, "port\t", 5) && d->n_port < HN_DP_MAX_PORTS) {
		if (sscanf(l, "port\t%15s\t%d\t%15s", p->name, &p->ifindex,
			   p->xdp) != 3)
			return -1;
		d->n_port++;
		return 0;
	}
	if (!strncmp(l, "neigh\t", 6) && d->n_nb < HN_DP_MAX_NEIGH) {
		if (sscanf(l,
			   "neigh\t%u\t%15s\t%15s\t%17s\t%d\t%u\t%u\t%u\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu",
			   &b->node, b->state, b->port, b->mac, &b->dp_idx,
			   &b->rx_ratio, &b->tx_ratio, &b->cost, &b->rtt_ns,
			   &b->heard_ns, &b->rx_frames, &b->rx_bytes,
			   &b->tx_frames, &b->tx_bytes) != 14)
			return -1;
		/* the data plane's counts, where pinned (since this version) */
		if (b->dp_idx >= 0 && b->dp_idx < HN_DP_MAX_NEIGH &&
		    hn_dp_ro_nb_stats(hn_view(), b->dp_idx, &b->dp, NULL, 0))
			memset(&b->dp, 0, sizeof(b->dp));
		d->n_nb++;
		return 0;
	}
	return 0; /* a record of a later version */
}

/*
 * Ask the agent for its dump into *@d; d->agent false when it does not
 * run.  0, or 1 after saying what went wrong.
 */
static int dump_read(struct dump *d)
{
	char *body, *l, *nl;
	bool ok;
	int ret;

	memset(d, 0, sizeof(*d));
	ret = hn_agent_request("dump", NULL, 0, &body, &ok);
	if (hn_agent_absent(ret))
		return 0;
	if (ret) {
		hn_agent_hint(ret);
		return 1;
	}
	if (!ok) {
		hn_err("hypernetd: %s", body);
		free(body);
		return 1;
	}
	for (l = body; *l; l = nl + 1) {
		nl = strchr(l, '\n');
		if (nl)
			*nl = 0;
		if (dump_line(d, l)) {
			hn_err("hypernetd's dump: cannot read '%s'", l);
			free(body);
			return 1;
		}
		if (!nl)
			break;
	}
	free(body);
	d->agent = true;
	return 0;
}

/* ---- the data plane ----------------------------------------------------- */

struct dp_state {
	struct hn_dp_config cfg;
	struct hn_dp_model mdl;
	struct hn_dp_stats st;
	__u64 epoch;
	__u32 ports[HN_DP_MAX_PORTS];
	unsigned int n_ports;
};

static int dp_read(struct dp_state *s, bool stats)
{
	struct hn_dp_ro *ro = hn_view();
	struct hn_dp_port pt;
	__u32 i;
	int ret;

	memset(s, 0, sizeof(*s));
	ret = hn_dp_ro_config(ro, &s->cfg, HN_MSG);
	if (!ret)
		ret = hn_dp_ro_epoch(ro, &s->epoch, HN_MSG);
	if (!ret)
		ret = hn_dp_ro_model(ro, HN_EPOCH_SLOT(s->epoch), &s->mdl,
				     HN_MSG);
	if (!ret && stats)
		ret = hn_dp_ro_stats(ro, &s->st, HN_MSG);
	if (ret)
		return hn_lib_fail(ret, "reading the data plane");
	for (i = 0; i < HN_DP_MAX_PORTS; i++)
		if (!hn_dp_ro_port(ro, i, &pt, NULL, 0) && pt.ifindex)
			s->ports[s->n_ports++] = pt.ifindex;
	return 0;
}

/* ---- show --------------------------------------------------------------- */

static void show_node_text(const struct dp_state *s, const struct dump *d)
{
	char buf[64], dev[IF_NAMESIZE];
	unsigned int i, up = 0;

	printf("node: %s\n",
	       hn_fmt_node_long(hn_node_names(), s->cfg.node_id, buf));
	printf("  ports:");
	for (i = 0; i < s->n_ports; i++)
		printf("%s %s", i ? "," : "", hn_ifname(s->ports[i], dev));
	printf("%s\n", s->n_ports ? "" : " none");
	printf("  model: generation %llu in slot %u, %s\n",
	       (unsigned long long)HN_EPOCH_GEN(s->epoch),
	       HN_EPOCH_SLOT(s->epoch),
	       s->mdl.valid ? "loaded" : "empty (default next hops)");
	if (!d->agent) {
		printf("  agent: not running (data-plane view only)\n");
		return;
	}
	for (i = 0; i < d->n_nb; i++)
		up += !strcmp(d->nb[i].state, "up");
	printf("  agent: pid %d, started %s, model generation %llu\n",
	       d->node.pid, hn_fmt_ago(d->node.uptime_ns, buf, sizeof(buf)),
	       d->node.model_gen);
	printf("  mesh: %u of %u neighbours up, %u nodes, %u routes, metric %s\n",
	       up, d->n_nb, d->node.nodes, d->node.routes, d->node.metric);
}

static void show_neigh_text(const struct dump_neigh *b)
{
	char buf[64], rx[32], tx[32];

	printf("\nneighbour: %s\n",
	       hn_fmt_node_long(hn_node_names(), b->node, buf));
	printf("  port: %s, mac %s\n", b->port, b->mac);
	printf("  state: %s\n", b->state);
	printf("  link quality: %u%% received, %u%% heard back\n",
	       (b->rx_ratio * 100 + 127) / 255,
	       (b->tx_ratio * 100 + 127) / 255);
	printf("  cost: %u", b->cost);
	if (b->rtt_ns)
		printf(", rtt %.3f ms", b->rtt_ns / 1e6);
	printf("\n  last hello: %s\n",
	       hn_fmt_ago(b->heard_ns, buf, sizeof(buf)));
	printf("  control: %llu frames / %s received, %llu frames / %s sent\n",
	       b->rx_frames, hn_fmt_bytes(b->rx_bytes, rx, sizeof(rx)),
	       b->tx_frames, hn_fmt_bytes(b->tx_bytes, tx, sizeof(tx)));
	/* counted only when the program attached counts (--neigh-counters) */
	if (b->dp.tx_frames)
		printf("  forwarded: %llu frames / %s sent\n",
		       (unsigned long long)b->dp.tx_frames,
		       hn_fmt_bytes(b->dp.tx_bytes, tx, sizeof(tx)));
}

/* Without the agent: the data plane's neighbours. */
static void show_dp_neigh_text(void)
{
	__u64 now = hn_dp_now_ns();
	char buf[64], dev[IF_NAMESIZE], mac[18];
	struct hn_dp_nb_stats st;
	struct hn_dp_neigh nb;
	__u32 i;

	for (i = 0; i < HN_DP_MAX_NEIGH; i++) {
		if (hn_dp_ro_neigh(hn_view(), i, &nb, NULL, 0) || !nb.valid)
			continue;
		hn_fmt_mac(nb.mac, mac);
		printf("\nneighbour: %s\n",
		       hn_fmt_node_long(hn_node_names(), nb.node, buf));
		printf("  port: %s, mac %s\n", hn_ifname(nb.ifindex, dev), mac);
		printf("  link quality: %u of 255 (data plane)\n", nb.feat[0]);
		printf("  last heard: %s\n",
		       nb.last_seen_ns ? hn_fmt_ago(now - nb.last_seen_ns, buf,
						    sizeof(buf)) :
					 "never");
		if (!hn_dp_ro_nb_stats(hn_view(), i, &st, NULL, 0) &&
		    st.tx_frames)
			printf("  forwarded: %llu frames / %s sent\n",
			       (unsigned long long)st.tx_frames,
			       hn_fmt_bytes(st.tx_bytes, buf, sizeof(buf)));
	}
}

static void show_neigh_json(const struct dump_neigh *b)
{
	jsonw_obj_open(&hn_jw);
	jsonw_kv_u64(&hn_jw, "node", b->node);
	hn_json_name(b->node);
	jsonw_kv_str(&hn_jw, "port", b->port);
	jsonw_kv_str(&hn_jw, "mac", b->mac);
	jsonw_kv_str(&hn_jw, "state", b->state);
	jsonw_kv_s64(&hn_jw, "index", b->dp_idx);
	jsonw_kv_u64(&hn_jw, "rx_ratio", b->rx_ratio);
	jsonw_kv_u64(&hn_jw, "tx_ratio", b->tx_ratio);
	jsonw_kv_u64(&hn_jw, "cost", b->cost);
	jsonw_kv_u64(&hn_jw, "rtt_ns", b->rtt_ns);
	jsonw_kv_u64(&hn_jw, "last_hello_ns_ago", b->heard_ns);
	jsonw_kv_u64(&hn_jw, "rx_frames", b->rx_frames);
	jsonw_kv_u64(&hn_jw, "rx_bytes", b->rx_bytes);
	jsonw_kv_u64(&hn_jw, "tx_frames", b->tx_frames);
	jsonw_kv_u64(&hn_jw, "tx_bytes", b->tx_bytes);
	jsonw_kv_u64(&hn_jw, "dp_tx_frames", b->dp.tx_frames);
	jsonw_kv_u64(&hn_jw, "dp_tx_bytes", b->dp.tx_bytes);
	jsonw_obj_close(&hn_jw);
}

static void show_json(const struct dp_state *s, const struct dump *d)
{
	char dev[IF_NAMESIZE];
	unsigned int i;

	jsonw_obj_open(&hn_jw);
	jsonw_kv_u64(&hn_jw, "node", s->cfg.node_id);
	hn_json_name(s->cfg.node_id);
	jsonw_name(&hn_jw, "ports");
	jsonw_arr_open(&hn_jw);
	for (i = 0; i < s->n_ports; i++)
		jsonw_str(&hn_jw, hn_ifname(s->ports[i], dev));
	jsonw_arr_close(&hn_jw);
	jsonw_kv_u64(&hn_jw, "epoch_gen", HN_EPOCH_GEN(s->epoch));
	jsonw_kv_u64(&hn_jw, "model_slot", HN_EPOCH_SLOT(s->epoch));
	jsonw_kv_bool(&hn_jw, "model_loaded", s->mdl.valid);
	jsonw_name(&hn_jw, "agent");
	if (d->agent) {
		jsonw_obj_open(&hn_jw);
		jsonw_kv_u64(&hn_jw, "pid", d->node.pid);
		jsonw_kv_u64(&hn_jw, "uptime_ns", d->node.uptime_ns);
		jsonw_kv_u64(&hn_jw, "model_generation", d->node.model_gen);
		jsonw_kv_str(&hn_jw, "route_metric", d->node.metric);
		jsonw_kv_u64(&hn_jw, "nodes", d->node.nodes);
		jsonw_kv_u64(&hn_jw, "routes", d->node.routes);
		jsonw_obj_close(&hn_jw);
	} else {
		jsonw_null(&hn_jw);
	}
	/* without the agent, 'hnctl -j dp neigh' has the data plane's */
	jsonw_name(&hn_jw, "neighbours");
	jsonw_arr_open(&hn_jw);
	for (i = 0; i < d->n_nb; i++)
		show_neigh_json(&d->nb[i]);
	jsonw_arr_close(&hn_jw);
	jsonw_obj_close(&hn_jw);
}

int cmd_show(int argc, char **argv)
{
	struct dp_state s;
	struct dump *d;
	unsigned int i;
	int ret;

	if (argc > 1) {
		hn_err("usage: hnctl show");
		return 1;
	}
	d = malloc(sizeof(*d));
	if (!d)
		return 1;
	ret = dp_read(&s, false) || dump_read(d);
	if (!ret && hn_json) {
		show_json(&s, d);
	} else if (!ret) {
		show_node_text(&s, d);
		for (i = 0; i < d->n_nb; i++)
			show_neigh_text(&d->nb[i]);
		if (!d->agent)
			show_dp_neigh_text();
	}
	free(d);
	return ret;
}

/* ---- metrics ------------------------------------------------------------ */

/*
 * A family is written as its HELP and TYPE lines then its samples, all
 * together, as OpenMetrics wants.  A counter's samples end in _total; its
 * TYPE line names the family without it in OpenMetrics, with it in the
 * Prometheus text format (what node_exporter's textfile collector reads).
 */
static bool om; /* OpenMetrics 1.0, else Prometheus text 0.0.4 */

enum { GAUGE, COUNTER };

static void family(const char *name, int type, const char *help)
{
	const char *total = type == COUNTER && !om ? "_total" : "";

	printf("# HELP %s%s %s\n", name, total, help);
	printf("# TYPE %s%s %s\n", name, total,
	       type == COUNTER ? "counter" : "gauge");
}

/* A label value, escaped: backslash, double quote and newline. */
static void label_value(const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			printf("\\%c", *v);
		else if (*v == '\n')
			printf("\\n");
		else
			putchar(*v);
	}
}

/*
 * Sample of family @name (+"_total" for a counter) with @n label pairs
 * from @lv (name, value, ...), a NULL value leaving its label out.
 */
static void sample(const char *name, int type, const char *const *lv, int n,
		   const char *value)
{
	int i, shown = 0;

	printf("%s%s", name, type == COUNTER ? "_total" : "");
	for (i = 0; i < n; i++) {
		if (!lv[2 * i + 1])
			continue;
		printf("%s%s=\"", shown++ ? "," : "{", lv[2 * i]);
		label_value(lv[2 * i + 1]);
		printf("\"");
	}
	printf("%s %s\n", shown ? "}" : "", value);
}

static const char *u64s(unsigned long long v, char buf[24])
{
	snprintf(buf, 24, "%llu", v);
	return buf;
}

/* One sample without labels, or with one. */
static void sample1(const char *name, int type, const char *label,
		    const char *lval, unsigned long long v)
{
	const char *lv[2] = { label, lval };
	char buf[24];

	sample(name, type, lv, label ? 1 : 0, u64s(v, buf));
}

#define DP_STAT(f)                                  \
	{                                           \
#f, offsetof(struct hn_dp_stats, f) \
	}
/* The data plane's drops, by reason: its counters' names. */
static const struct {
	const char *reason;
	size_t off;
} dp_drops[] = {
	DP_STAT(bad_truncated), DP_STAT(bad_version),	DP_STAT(bad_type),
	DP_STAT(bad_flags),	DP_STAT(bad_length),	DP_STAT(bad_ttl),
	DP_STAT(bad_addr),	DP_STAT(bad_tensor),	DP_STAT(ttl_expired),
	DP_STAT(drop_no_route), DP_STAT(drop_no_port),	DP_STAT(drop_no_live),
	DP_STAT(drop_no_task),	DP_STAT(priv_drop_out), DP_STAT(priv_drop_in),
}, dp_fallbacks[] = {
	DP_STAT(fb_no_model),
	DP_STAT(fb_margin),
	DP_STAT(fb_stale),
};

#define STAT_AT(st, off) (*(const __u64 *)((const char *)(st) + (off)))

static void metrics_dp(const struct dp_state *s)
{
	const struct hn_dp_stats *st = &s->st;
	size_t i;

	family("hypernet_dp_rx_frames", COUNTER,
	       "Frames the XDP program saw, summed over the CPUs.");
	sample1("hypernet_dp_rx_frames", COUNTER, NULL, NULL, st->rx);
	family("hypernet_dp_forwarded_frames", COUNTER,
	       "Unicast frames forwarded, out of another port or the same.");
	sample1("hypernet_dp_forwarded_frames", COUNTER, "port", "other",
		st->fwd_redirect);
	sample1("hypernet_dp_forwarded_frames", COUNTER, "port", "same",
		st->fwd_tx);
	family("hypernet_dp_local_frames", COUNTER,
	       "Frames for this node, passed to the stack.");
	sample1("hypernet_dp_local_frames", COUNTER, NULL, NULL,
		st->local_pass + st->local_tensor);
	family("hypernet_dp_dropped_frames", COUNTER,
	       "Frames dropped, by reason (the names of 'hnctl stats').");
	for (i = 0; i < sizeof(dp_drops) / sizeof(dp_drops[0]); i++)
		sample1("hypernet_dp_dropped_frames", COUNTER, "reason",
			dp_drops[i].reason, STAT_AT(st, dp_drops[i].off));
	family("hypernet_dp_decisions", COUNTER,
	       "Next-hop decisions by the route model.");
	sample1("hypernet_dp_decisions", COUNTER, NULL, NULL, st->decisions);
	family("hypernet_dp_fallbacks", COUNTER,
	       "Decisions that fell back to the default next hop, by reason.");
	for (i = 0; i < sizeof(dp_fallbacks) / sizeof(dp_fallbacks[0]); i++)
		sample1("hypernet_dp_fallbacks", COUNTER, "reason",
			dp_fallbacks[i].reason,
			STAT_AT(st, dp_fallbacks[i].off));
	family("hypernet_dp_model_epoch", GAUGE,
	       "Generation of the data plane's model epoch.");
	sample1("hypernet_dp_model_epoch", GAUGE, NULL, NULL,
		HN_EPOCH_GEN(s->epoch));
	family("hypernet_dp_model_loaded", GAUGE,
	       "1 when the active slot holds a model, 0 when it is empty.");
	sample1("hypernet_dp_model_loaded", GAUGE, NULL, NULL, s->mdl.valid);
}

static void metrics_agent(const struct dump *d)
{
	static const char *const states[] = { "up", "unverified", "one-way" };
	unsigned int i, k, n;

	family("hypernet_agent_up", GAUGE, "1 when hypernetd answered.");
	sample1("hypernet_agent_up", GAUGE, NULL, NULL, d->agent);
	if (!d->agent)
		return;
	family("hypernet_agent_model_generation", GAUGE,
	       "Generation of the model the agent installed.");
	sample1("hypernet_agent_model_generation", GAUGE, NULL, NULL,
		d->node.model_gen);
	family("hypernet_neighbours", GAUGE, "Neighbours, by state.");
	for (k = 0; k < 3; k++) {
		for (i = n = 0; i < d->n_nb; i++)
			n += !strcmp(d->nb[i].state, states[k]);
		sample1("hypernet_neighbours", GAUGE, "state", states[k], n);
	}
	family("hypernet_nodes", GAUGE, "Nodes in the agent's link state.");
	sample1("hypernet_nodes", GAUGE, NULL, NULL, d->node.nodes);
	family("hypernet_routes", GAUGE, "Routes the agent wrote.");
	sample1("hypernet_routes", GAUGE, NULL, NULL, d->node.routes);
}

enum nb_fig {
	NB_QUALITY,
	NB_COST,
	NB_RTT,
	NB_HELLO,
	NB_FRAMES,
	NB_BYTES,
	NB_DP_FRAMES,
	NB_DP_BYTES,
};

static const struct {
	const char *name;
	int type;
	const char *help;
	const char *dir[2]; /* the direction label's two values, if any */
} nb_figs[] = {
	[NB_QUALITY] = { "hypernet_neighbour_link_quality_ratio",
			 GAUGE,
			 "Share of its HELLOs heard (rx), of ours it heard (tx).",
			 { "rx", "tx" } },
	[NB_COST] = { "hypernet_neighbour_cost", GAUGE,
		      "The link's cost as advertised (the route metric's units)." },
	[NB_RTT] = { "hypernet_neighbour_rtt_seconds", GAUGE,
		     "Smoothed PROBE/ACK round trip, 0 before the first." },
	[NB_HELLO] = { "hypernet_neighbour_last_hello_seconds", GAUGE,
		       "Seconds since its last HELLO." },
	[NB_FRAMES] = { "hypernet_neighbour_control_frames",
			COUNTER,
			"Control frames from it (rx) and to it (tx).",
			{ "rx", "tx" } },
	[NB_BYTES] = { "hypernet_neighbour_control_bytes",
		       COUNTER,
		       "Bytes of control frames from it (rx) and to it (tx).",
		       { "rx", "tx" } },
	[NB_DP_FRAMES] = { "hypernet_neighbour_forwarded_frames", COUNTER,
			   "Frames the data plane sent to it; 0 unless it counts (neigh-counters)." },
	[NB_DP_BYTES] = { "hypernet_neighbour_forwarded_bytes", COUNTER,
			  "Bytes the data plane sent to it; 0 unless it counts (neigh-counters)." },
};

static void nb_sample(enum nb_fig f, const struct dump_neigh *b, int dir)
{
	char id[24], val[32];
	const char *lv[8] = {
		"neighbour", u64s(b->node, id),
		"name",	     hn_names_get(hn_node_names(), b->node),
		"port",	     b->port,
		"direction", nb_figs[f].dir[0] ? nb_figs[f].dir[dir] : NULL,
	};

	if (f == NB_QUALITY)
		snprintf(val, sizeof(val), "%.4f",
			 (dir ? b->tx_ratio : b->rx_ratio) / 255.0);
	else if (f == NB_COST)
		u64s(b->cost, val);
	else if (f == NB_RTT)
		snprintf(val, sizeof(val), "%.6f", b->rtt_ns / 1e9);
	else if (f == NB_HELLO)
		snprintf(val, sizeof(val), "%.3f", b->heard_ns / 1e9);
	else if (f == NB_FRAMES)
		u64s(dir ? b->tx_frames : b->rx_frames, val);
	else if (f == NB_DP_FRAMES)
		u64s(b->dp.tx_frames, val);
	else if (f == NB_DP_BYTES)
		u64s(b->dp.tx_bytes, val);
	else
		u64s(dir ? b->tx_bytes : b->rx_bytes, val);
	sample(nb_figs[f].name, nb_figs[f].type, lv, 4, val);
}

static void metrics_neigh(const struct dump *d)
{
	unsigned int f, i;
	int dir;

	for (f = 0; f < sizeof(nb_figs) / sizeof(nb_figs[0]); f++) {
		family(nb_figs[f].name, nb_figs[f].type, nb_figs[f].help);
		for (i = 0; i < d->n_nb; i++)
			for (dir = 0; dir < (nb_figs[f].dir[0] ? 2 : 1); dir++)
				nb_sample(f, &d->nb[i], dir);
	}
}

int cmd_metrics(int argc, char **argv)
{
	const char *lv[6] = { "node", NULL,	 "name",
			      NULL,   "version", HN_VERSION_STRING };
	struct dp_state s;
	char id[24];
	struct dump *d;
	int ret;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--openmetrics"))) {
		hn_err("usage: hnctl metrics [--openmetrics]");
		return 1;
	}
	om = argc == 2;
	d = malloc(sizeof(*d));
	if (!d)
		return 1;
	ret = dp_read(&s, true) || dump_read(d);
	if (!ret) {
		lv[1] = u64s(s.cfg.node_id, id);
		lv[3] = hn_names_get(hn_node_names(), s.cfg.node_id);
		family("hypernet_node_info", GAUGE,
		       "This node: its id, name and HyperNet version; always 1.");
		sample("hypernet_node_info", GAUGE, lv, 3, "1");
		metrics_dp(&s);
		metrics_agent(d);
		metrics_neigh(d);
		if (om)
			printf("# EOF\n");
	}
	free(d);
	return ret;
}
