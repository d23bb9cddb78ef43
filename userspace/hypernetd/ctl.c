// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket hnctl talks to: a unix SOCK_SEQPACKET socket, mode
 * 0600 and checked for uid 0 by SO_PEERCRED.  A request is one message,
 * "WORD [ARG]\n" then an optional payload (model-push, campaign-push: the
 * file); the reply is one message, "ok\n" or "error\n", then text or JSON.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "dp.h"
#include "fileio.h"
#include "hypernetd.h"
#include "jsonw.h"

static int mkdir_parent(const char *path)
{
	char dir[PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = 0;
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

int hnd_ctl_open(struct hnd *d)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (mkdir_parent(d->cfg.ctl_path)) {
		hnd_log(d, LOG_E, "control socket directory of %s: %s",
			d->cfg.ctl_path, strerror(errno));
		return -errno;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* hnd_config_set() keeps it short enough */
	memcpy(sun.sun_path, d->cfg.ctl_path,
	       strnlen(d->cfg.ctl_path, sizeof(sun.sun_path) - 1));
	unlink(sun.sun_path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    chmod(sun.sun_path, 0600) || listen(fd, 8)) {
		hnd_log(d, LOG_E, "control socket %s: %s", sun.sun_path,
			strerror(errno));
		close(fd);
		return -errno;
	}
	d->ctl_fd = fd;
	return 0;
}

void hnd_ctl_close(struct hnd *d)
{
	if (d->ctl_fd < 0)
		return;
	close(d->ctl_fd);
	unlink(d->cfg.ctl_path);
	d->ctl_fd = -1;
}

static void ether(FILE *f, const __u8 *m)
{
	fprintf(f, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
		m[4], m[5]);
}

static unsigned int n_up(const struct hnd *d)
{
	unsigned int i, n = 0;

	for (i = 0; i < HND_MAX_NEIGH; i++)
		n += d->nb[i].used && d->nb[i].up;
	return n;
}

/* Our program's mode on the port, or "none" when it is not there. */
static const char *port_xdp(const struct hnd_port *pt)
{
	if (!pt->ifindex || !pt->attached)
		return "none";
	return pt->generic ? "generic" : "native";
}

/* Model files arriving in chunks (modelsync.c). */
static void xfers_json(struct hnd *d, struct jsonw *w)
{
	unsigned int i;

	jsonw_name(w, "model_transfers");
	jsonw_arr_open(w);
	for (i = 0; i < HND_XFER_SLOTS; i++) {
		const struct hnd_xfer *x = &d->xfer[i];

		if (!x->buf)
			continue;
		jsonw_obj_open(w);
		jsonw_kv_u64(w, "generation", x->generation);
		jsonw_kv_u64(w, "chunks", x->n_chunks);
		jsonw_kv_u64(w, "received", x->n_have);
		jsonw_kv_float(w, "age_s",
			       (hnd_now() - x->started_ns) /
				       (double)NSEC_PER_SEC);
		jsonw_obj_close(w);
	}
	jsonw_arr_close(w);
}

static void status_json(struct hnd *d, struct jsonw *w)
{
	unsigned int i;

	jsonw_obj_open(w);
	jsonw_kv_u64(w, "node", d->cfg.node_id);
	jsonw_kv_u64(w, "pid", getpid());
	jsonw_kv_float(w, "uptime_s",
		       (hnd_now() - d->start_ns) / (double)NSEC_PER_SEC);
	jsonw_kv_u64(w, "model_generation", d->model_gen);
	if (d->has_identity) {
		char hex[65];

		hn_pubkey_hex(&d->identity, hex);
		jsonw_kv_str(w, "identity", hex);
	} else {
		jsonw_name(w, "identity");
		jsonw_null(w);
	}
	jsonw_kv_u64(w, "lsa_seq", d->lsa_seq);
	jsonw_kv_str(w, "route_metric",
		     hnd_route_metric_name(d->cfg.route_metric));
	jsonw_kv_u64(w, "neighbours_up", n_up(d));
	jsonw_kv_u64(w, "nodes", hn_topo_count(d->topo));
	jsonw_kv_u64(w, "routes", d->n_routes);
	jsonw_kv_u64(w, "tasks", d->n_tasks);
	jsonw_kv_u64(w, "monitors", d->n_mon);
	xfers_json(d, w);
	jsonw_name(w, "ports");
	jsonw_arr_open(w);
	for (i = 0; i < d->n_ports; i++) {
		const struct hnd_port *pt = &d->ports[i];
		const struct hn_dp_xdp_state *st = &pt->xdp;
		char what[256];

		hn_dp_xdp_describe(st, what, sizeof(what));
		jsonw_obj_open(w);
		jsonw_kv_str(w, "name", pt->name);
		jsonw_kv_u64(w, "ifindex", pt->ifindex);
		jsonw_kv_str(w, "xdp", port_xdp(pt));
		jsonw_kv_u64(w, "xdp_prog_id", pt->attached ? st->our_id : 0);
		jsonw_kv_bool(w, "multiprog", pt->attached && st->multiprog);
		/* the hook as the kernel says, ours or not */
		jsonw_kv_u64(w, "hook_prog_id", pt->ifindex ? st->prog_id : 0);
		jsonw_kv_str(w, "hook_prog", pt->ifindex ? st->prog_name : "");
		jsonw_kv_u64(w, "hook_programs", pt->ifindex ? st->n_progs : 0);
		jsonw_kv_u64(w, "hook_foreign",
			     pt->ifindex ? st->n_foreign : 0);
		jsonw_kv_str(w, "hook", pt->ifindex ? what : "no interface");
		jsonw_obj_close(w);
	}
	jsonw_arr_close(w);
	jsonw_obj_close(w);
}

static void status_text(struct hnd *d, FILE *f)
{
	unsigned int i;
	char who[HN_NODE_LONGLEN];

	fprintf(f, "agent: node %s, pid %d, up %.1f s\n",
		hn_fmt_node_long(d->names, d->cfg.node_id, who), getpid(),
		(hnd_now() - d->start_ns) / (double)NSEC_PER_SEC);
	fprintf(f, "  model generation %llu, lsa seq %u, route metric %s\n",
		(unsigned long long)d->model_gen, d->lsa_seq,
		hnd_route_metric_name(d->cfg.route_metric));
	fprintf(f, "  %u neighbours up, %u nodes known, %u routes, %u tasks\n",
		n_up(d), hn_topo_count(d->topo), d->n_routes, d->n_tasks);
	if (d->has_identity) {
		char hex[65];

		hn_pubkey_hex(&d->identity, hex);
		fprintf(f, "  identity key %s\n", hex);
	}
	for (i = 0; i < HND_XFER_SLOTS; i++) {
		const struct hnd_xfer *x = &d->xfer[i];

		if (x->buf)
			fprintf(f,
				"  model generation %llu arriving: %u of %u chunks, for %.1f s\n",
				(unsigned long long)x->generation, x->n_have,
				x->n_chunks,
				(hnd_now() - x->started_ns) /
					(double)NSEC_PER_SEC);
	}
	for (i = 0; i < d->n_ports; i++) {
		const struct hnd_port *pt = &d->ports[i];
		char what[256];

		hn_dp_xdp_describe(&pt->xdp, what, sizeof(what));
		fprintf(f, "  port %s ifindex %d xdp %s", pt->name, pt->ifindex,
			port_xdp(pt));
		if (!pt->ifindex)
			fprintf(f, " (no interface)\n");
		else if (pt->attached && !pt->xdp.multiprog)
			fprintf(f, " (program id %u)\n", pt->xdp.our_id);
		else
			fprintf(f, " (the hook has %s)\n", what);
	}
}

/* up; heard both ways but no challenge answered yet; or heard one way */
static const char *neigh_state(const struct hnd_neigh *n)
{
	if (n->up)
		return "up";
	return n->tx_ratio && !n->verified ? "unverified" : "one-way";
}

/* Its name under "name": a string, or null when it has none. */
static void name_json(struct hnd *d, struct jsonw *w, __u32 id)
{
	const char *name = hn_names_get(d->names, id);

	if (name) {
		jsonw_kv_str(w, "name", name);
	} else {
		jsonw_name(w, "name");
		jsonw_null(w);
	}
}

static void neigh_json(struct hnd *d, struct jsonw *w)
{
	__u64 now = hnd_now();
	unsigned int i;
	char mac[18];

	jsonw_arr_open(w);
	for (i = 0; i < HND_MAX_NEIGH; i++) {
		const struct hnd_neigh *n = &d->nb[i];

		if (!n->used)
			continue;
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
			 n->mac[0], n->mac[1], n->mac[2], n->mac[3], n->mac[4],
			 n->mac[5]);
		jsonw_obj_open(w);
		jsonw_kv_u64(w, "node", n->node);
		name_json(d, w, n->node);
		jsonw_kv_str(w, "state", neigh_state(n));
		jsonw_kv_str(w, "port", d->ports[n->port].name);
		jsonw_kv_str(w, "mac", mac);
		jsonw_kv_s64(w, "index", n->up ? n->dp_idx : -1);
		jsonw_kv_u64(w, "rx_ratio", n->rx_ratio);
		jsonw_kv_u64(w, "tx_ratio", n->tx_ratio);
		jsonw_kv_u64(w, "cost", n->cost);
		jsonw_kv_float(w, "rtt_ms", n->rtt_ns / 1e6);
		jsonw_kv_float(w, "last_heard_ms", (now - n->last_ns) / 1e6);
		jsonw_kv_u64(w, "model_generation", n->model_gen);
		jsonw_obj_close(w);
	}
	jsonw_arr_close(w);
}

static void neigh_text(struct hnd *d, FILE *f)
{
	char node[HN_NODE_STRLEN], ago[32];
	__u64 now = hnd_now();
	unsigned int i;

	fprintf(f, "%-10s %-8s %-10s %-17s %4s %4s %6s %8s  %s\n", "node",
		"state", "port", "mac", "rx", "tx", "cost", "rtt_ms", "heard");
	for (i = 0; i < HND_MAX_NEIGH; i++) {
		const struct hnd_neigh *n = &d->nb[i];

		if (!n->used)
			continue;
		fprintf(f, "%-10s %-8s %-10s ",
			hn_fmt_node(d->names, n->node, node), neigh_state(n),
			d->ports[n->port].name);
		ether(f, n->mac);
		fprintf(f, " %4u %4u %6u %8.3f  %s\n", n->rx_ratio, n->tx_ratio,
			n->cost, n->rtt_ns / 1e6,
			hn_fmt_ago(now - n->last_ns, ago, sizeof(ago)));
	}
}

/*
 * dump: the node, its ports and its neighbours for `hnctl show` and
 * `hnctl metrics`, one record a line, fields separated by tabs and raw
 * (ids, nanoseconds, ratios of 255), as `wg show dump`:
 *   node ID PID UPTIME_NS MODEL_GEN METRIC NODES ROUTES TASKS
 *   port NAME IFINDEX XDP
 *   neigh NODE STATE PORT MAC DP_IDX RX_RATIO TX_RATIO COST RTT_NS
 *         HEARD_NS_AGO RX_FRAMES RX_BYTES TX_FRAMES TX_BYTES
 * Fields are only ever appended to a record.
 */
static void dump_out(struct hnd *d, FILE *f)
{
	__u64 now = hnd_now();
	unsigned int i;

	fprintf(f, "node\t%u\t%d\t%llu\t%llu\t%s\t%u\t%u\t%u\n", d->cfg.node_id,
		getpid(), (unsigned long long)(now - d->start_ns),
		(unsigned long long)d->model_gen,
		hnd_route_metric_name(d->cfg.route_metric),
		hn_topo_count(d->topo), d->n_routes, d->n_tasks);
	for (i = 0; i < d->n_ports; i++)
		fprintf(f, "port\t%s\t%d\t%s\n", d->ports[i].name,
			d->ports[i].ifindex, port_xdp(&d->ports[i]));
	for (i = 0; i < HND_MAX_NEIGH; i++) {
		const struct hnd_neigh *n = &d->nb[i];

		if (!n->used)
			continue;
		fprintf(f, "neigh\t%u\t%s\t%s\t", n->node, neigh_state(n),
			d->ports[n->port].name);
		ether(f, n->mac);
		fprintf(f,
			"\t%d\t%u\t%u\t%u\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\n",
			n->up ? n->dp_idx : -1, n->rx_ratio, n->tx_ratio,
			n->cost, (unsigned long long)n->rtt_ns,
			(unsigned long long)(now > n->last_ns ?
						     now - n->last_ns :
						     0),
			(unsigned long long)n->rx_frames,
			(unsigned long long)n->rx_bytes,
			(unsigned long long)n->tx_frames,
			(unsigned long long)n->tx_bytes);
	}
}

#define STAT(n)                                   \
	{                                         \
#n, offsetof(struct hnd_stats, n) \
	}
static const struct {
	const char *name;
	size_t off;
} stat_names[] = {
	STAT(rx_frames),      STAT(rx_bytes),	     STAT(tx_frames),
	STAT(tx_bytes),	      STAT(tx_errors),	     STAT(rx_replay),
	STAT(rx_stale),	      STAT(rx_own),	     STAT(rx_ignored),
	STAT(hello_rx),	      STAT(hello_tx),	     STAT(probe_rx),
	STAT(ack_rx),	      STAT(lsa_rx),	     STAT(lsa_tx),
	STAT(lsa_old),	      STAT(lsa_bad),	     STAT(chunk_rx),
	STAT(chunk_tx),	      STAT(chunk_bad),	     STAT(chunk_old),
	STAT(chunk_dup),      STAT(chunk_nomem),     STAT(xfer_evicted),
	STAT(xfer_expired),   STAT(xfer_superseded), STAT(model_installed),
	STAT(neigh_up),	      STAT(neigh_down),	     STAT(route_runs),
	STAT(route_writes),   STAT(dp_errors),	     STAT(rx_jump),
	STAT(rx_link),	      STAT(rx_no_sender),    STAT(challenge_tx),
	STAT(challenge_ok),   STAT(flood_fwd),	     STAT(xdp_lost),
	STAT(xdp_reattached), STAT(fed_frag_rx),     STAT(fed_frag_tx),
	STAT(fed_bytes_tx),   STAT(fed_msg_rx),	     STAT(fed_msg_tx),
	STAT(fed_ignored),    STAT(fed_refused),     STAT(fed_msg_bad),
	STAT(fed_msg_late),   STAT(fed_send_fail),   STAT(fed_rounds),
	STAT(fed_attempts),   STAT(fed_agg_failed),  STAT(fed_catch_up),
	STAT(fed_filled),     STAT(fed_fetch_tx),    STAT(fed_fetch_rx),
	STAT(rate_samples),   STAT(rate_resets),     STAT(echo_req_rx),
	STAT(echo_reply_tx),  STAT(echo_limited),    STAT(echo_no_route),
	STAT(echo_req_tx),    STAT(echo_reply_rx),   STAT(echo_unmatched),
};

static void stats_out(struct hnd *d, FILE *f, struct jsonw *w)
{
	char name[48];
	unsigned int i;

	if (w)
		jsonw_obj_open(w);
	for (i = 0; i < sizeof(stat_names) / sizeof(stat_names[0]); i++) {
		__u64 v = *(__u64 *)((char *)&d->st + stat_names[i].off);

		if (w)
			jsonw_kv_u64(w, stat_names[i].name, v);
		else
			fprintf(f, "%-24s %llu\n", stat_names[i].name,
				(unsigned long long)v);
	}
	for (i = 1; i < __HN_CE_MAX; i++) {
		snprintf(name, sizeof(name), "rx_bad_%s", hn_ctrl_err_name(i));
		if (w)
			jsonw_kv_u64(w, name, d->st.rx_bad[i]);
		else
			fprintf(f, "%-24s %llu\n", name,
				(unsigned long long)d->st.rx_bad[i]);
	}
	for (i = 1; i < __HN_ACC_MAX; i++) {
		snprintf(name, sizeof(name), "model_refused_%s",
			 hn_accept_err_name(i));
		if (w)
			jsonw_kv_u64(w, name, d->st.model_refused[i]);
		else
			fprintf(f, "%-24s %llu\n", name,
				(unsigned long long)d->st.model_refused[i]);
	}
	if (w)
		jsonw_obj_close(w);
}

/* "R" or "-" (the current round): -1 for "-", -2 if neither. */
static long round_arg(const char *s)
{
	char *end;
	long r;

	if (!s || !strcmp(s, "-") || !strncmp(s, "- ", 2))
		return -1;
	r = strtol(s, &end, 10);
	return *s && (!*end || *end == ' ') && r >= 0 && r <= UINT32_MAX ? r :
									   -2;
}

/*
 * campaign-submit ROUND (payload: the vector file) and campaign-result
 * ROUND MODE (text, json or raw: the sum's vector file).
 */
static int fed_request(struct hnd *d, const char *word, const char *arg,
		       const void *payload, size_t plen, FILE *f,
		       struct jsonw *w)
{
	long round = round_arg(arg);
	const char *mode = arg ? strchr(arg, ' ') : NULL;
	char err[256];

	if (round == -2) {
		fprintf(f, "%s: round '%s' is not a number", word, arg);
		return -1;
	}
	if (!strcmp(word, "campaign-submit")) {
		if (hnd_fed_submit(d, round, payload, plen, err, sizeof(err))) {
			fprintf(f, "%s", err);
			return -1;
		}
		if (round < 0)
			fprintf(f, "update for the current round taken\n");
		else
			fprintf(f, "update for round %ld taken\n", round);
		return 0;
	}
	mode = mode ? mode + 1 : "text";
	if (hnd_fed_result(d, round, !strcmp(mode, "raw") ? 'o' : 0, f,
			   !strcmp(mode, "json") ? w : NULL, err,
			   sizeof(err))) {
		fprintf(f, "%s", err);
		return -1;
	}
	return 0;
}

/*
 * hosts [STAGE] [json]: the hosts of STAGE (of every stage without it)
 * with their rates, load and path.  stage-rate STAGE NS BUSY QUEUE: a
 * local runner's measurement of a stage this node hosts.
 */
static int rates_request(struct hnd *d, const char *word, const char *arg,
			 FILE *f, struct jsonw *w)
{
	unsigned int st = 0, ns = 0, busy = 0, queue = 0;
	struct hn_ctrl_rate r;
	char tail[8] = "";
	int n = 0;

	if (!strcmp(word, "hosts")) {
		if (arg && strcmp(arg, "json") &&
		    (sscanf(arg, "%u%n", &st, &n) != 1 || !st || st > 255 ||
		     (arg[n] && strcmp(arg + n, " json")))) {
			fprintf(f, "hosts: '%s' is not [STAGE(1..255)] [json]",
				arg);
			return -1;
		}
		hnd_hosts_out(d, st, f, arg && strstr(arg, "json") ? w : NULL);
		return 0;
	}
	if (!arg ||
	    sscanf(arg, "%u %u %u %u%7s", &st, &ns, &busy, &queue, tail) != 4 ||
	    strchr(arg, '-') || !st || st > 255 || busy > HN_RATE_BUSY_MAX ||
	    queue > 0xffff) {
		fprintf(f,
			"stage-rate: want STAGE(1..255) NS_PER_ITEM BUSY_PERMILLE(0..1000) QUEUE");
		return -1;
	}
	r = (struct hn_ctrl_rate){ ns, busy, queue };
	if (hnd_rate_tell(d, st, &r, hnd_now())) {
		fprintf(f, "stage-rate: this node does not host stage %u", st);
		return -1;
	}
	fprintf(f, "stage %u: %u ns per item, busy %u permille, queue %u\n", st,
		ns, busy, queue);
	return 0;
}

/* Run request @word @arg, writing the reply body to @f. 0 or -1. */
static int handle(struct hnd *d, const char *word, const char *arg,
		  const void *payload, size_t plen, FILE *f)
{
	bool json = arg && !strcmp(arg, "json");
	struct jsonw w;
	char err[256];

	jsonw_init(&w, f);
	/* text only, for hnctl: an argument ("json") is refused, not ignored */
	if (arg && (!strcmp(word, "dump") || !strcmp(word, "dataplane"))) {
		fprintf(f, "%s takes no argument", word);
		return -1;
	}
	if (!strcmp(word, "status")) {
		hnd_xdp_check_all(d); /* the hooks as they are now */
		if (json)
			status_json(d, &w);
		else
			status_text(d, f);
	} else if (!strcmp(word, "neighbours")) {
		if (json)
			neigh_json(d, &w);
		else
			neigh_text(d, f);
	} else if (!strcmp(word, "dump")) {
		dump_out(d, f);
	} else if (!strcmp(word, "stats")) {
		stats_out(d, f, json ? &w : NULL);
	} else if (!strcmp(word, "topology")) {
		if (arg && !strcmp(arg, "dot"))
			hn_topo_dot(d->topo, d->names, f);
		else
			hn_topo_json(d->topo, &w);
	} else if (!strcmp(word, "dataplane")) {
		/* for hnctl: are the pins it sees this agent's? */
		fprintf(f, "pid %d config-map-id %u pin-dir %s\n", getpid(),
			hn_dp_config_map_id(d->dp), d->cfg.pin_dir);
	} else if (!strcmp(word, "model-push")) {
		if (hnd_model_offer(d, payload, plen, true, "hnctl", err,
				    sizeof(err))) {
			fprintf(f, "%s", err);
			return -1;
		}
		fprintf(f, "model generation %llu installed and spreading\n",
			(unsigned long long)d->model_gen);
	} else if (!strcmp(word, "campaign")) {
		hnd_campaign_status(d, f, json ? &w : NULL);
	} else if (!strcmp(word, "campaign-push")) {
		if (hnd_campaign_offer(d, payload, plen, true, "hnctl", err,
				       sizeof(err))) {
			fprintf(f, "%s", err);
			return -1;
		}
		fprintf(f,
			"campaign %llu generation %llu verified and spreading\n",
			(unsigned long long)d->cp.id,
			(unsigned long long)d->cp.generation);
	} else if (!strcmp(word, "campaign-submit") ||
		   !strcmp(word, "campaign-result")) {
		return fed_request(d, word, arg, payload, plen, f, &w);
	} else if (!strcmp(word, "hosts") || !strcmp(word, "stage-rate")) {
		return rates_request(d, word, arg, f, &w);
	} else if (!strcmp(word, "reload")) {
		return hnd_reload(d, f, json ? &w : NULL);
	} else {
		fprintf(f,
			"unknown request '%s' (status, neighbours, dump, stats, topology, dataplane, model-push, campaign, campaign-push, campaign-submit, campaign-result, hosts, stage-rate, ping, trace, monitor, reload)",
			word);
		return -1;
	}
	return 0;
}

/* The reply: "ok\n" or "error\n", then @body. */
static int reply(bool ok, const char *body, size_t blen, char **out,
		 size_t *olen)
{
	const char *head = ok ? "ok\n" : "error\n";
	size_t hlen = strlen(head);

	*out = malloc(hlen + blen + 1);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, head, hlen);
	memcpy(*out + hlen, body, blen);
	(*out)[hlen + blen] = 0;
	*olen = hlen + blen;
	return 0;
}

int hnd_ctl_request(struct hnd *d, char *req, size_t n, char **out,
		    size_t *olen)
{
	char *nl, *sp, *arg = NULL, *body = NULL;
	size_t blen = 0;
	FILE *f;
	int ret;

	*out = NULL;
	nl = memchr(req, '\n', n);
	if (!nl) {
		static const char msg[] = "request without a newline\n";

		return reply(false, msg, sizeof(msg) - 1, out, olen);
	}
	*nl = 0;
	sp = strchr(req, ' ');
	if (sp) {
		*sp = 0;
		arg = sp + 1;
	}
	f = open_memstream(&body, &blen);
	if (!f)
		return -ENOMEM;
	ret = handle(d, req, arg, nl + 1, n - (nl + 1 - req), f);
	if (fclose(f)) {
		free(body);
		return -ENOMEM;
	}
	ret = reply(!ret, body, blen, out, olen);
	free(body);
	return ret;
}

/* Whether @req (NUL-terminated) is "WORD ..." or "WORD\n". */
static const char *req_arg(const char *req, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(req, word, n) || (req[n] != ' ' && req[n] != '\n'))
		return NULL;
	return req + n + (req[n] == ' ');
}

/*
 * Requests answered later, on a connection the agent keeps: ping, trace
 * and monitor's subscription.  True if @c was taken; else *@out holds the
 * reply to send now, or is NULL.
 */
static bool serve_later(struct hnd *d, int c, char *req, char **out,
			size_t *olen)
{
	const char *arg = req_arg(req, "ping"), *tr = req_arg(req, "trace");
	const char *mon = req_arg(req, "monitor");
	char *body = NULL, *nl;
	size_t blen = 0;
	int taken;
	FILE *f;

	*out = NULL;
	if (!arg && !tr && !mon)
		return false;
	nl = strchr(req, '\n');
	if (nl)
		*nl = 0;
	f = open_memstream(&body, &blen);
	if (!f)
		return false;
	if (mon)
		taken = hnd_mon_start(d, c, mon, f);
	else
		taken = hnd_ping_start(d, c, arg ? arg : tr, !arg, f);
	if (!fclose(f) && taken <= 0)
		reply(!taken, body, blen, out, olen);
	free(body);
	return taken > 0;
}

/* Serve one request on @c: true if @c is kept to answer later. */
static bool serve(struct hnd *d, int c)
{
	static char req[HND_CTL_MAX];
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	size_t olen;
	char *out;
	ssize_t n;

	if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &cl) ||
	    cred.uid != 0) {
		send(c, "error\nroot only\n", 16, MSG_NOSIGNAL);
		return false;
	}
	n = recv(c, req, sizeof(req) - 1, MSG_TRUNC);
	if (n <= 0)
		return false;
	if ((size_t)n >= sizeof(req)) {
		send(c, "error\nrequest too large\n", 24, MSG_NOSIGNAL);
		return false;
	}
	req[n] = 0;
	if (serve_later(d, c, req, &out, &olen))
		return true;
	if (!out && hnd_ctl_request(d, req, n, &out, &olen))
		return false;
	send(c, out, olen, MSG_NOSIGNAL);
	free(out);
	return false;
}

void hnd_ctl_rx(struct hnd *d)
{
	int c;

	while ((c = accept4(d->ctl_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		struct timeval tv = { .tv_usec = 100000 };

		/*
		 * One request per connection, never blocking the loop long:
		 * neighbours call us dead after 3 missed HELLOs.
		 */
		int big = HND_CTL_MAX;

		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		/* a result's vector in one reply (root: past wmem_max) */
		setsockopt(c, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
		if (!serve(d, c))
			close(c);
	}
}

static void write_view(struct hnd *d, const char *name, bool json)
{
	char path[PATH_MAX + 32], err[PATH_MAX + 128], *buf = NULL;
	size_t len = 0;
	struct jsonw w;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", d->cfg.state_dir, name);
	f = open_memstream(&buf, &len);
	if (!f)
		return;
	if (json) {
		jsonw_init(&w, f);
		hn_topo_json(d->topo, &w);
		fputc('\n', f);
	} else {
		hn_topo_dot(d->topo, d->names, f);
	}
	/* a view rewritten with every route change: atomic, not synced */
	if (!fclose(f) &&
	    hn_write_file(path, buf, len, 0600, HN_WF_NOSYNC, err, sizeof(err)))
		hnd_log(d, LOG_D, "%s", err);
	free(buf);
}

/* Topology files, so hnctl can show the last view when we are down. */
void hnd_write_state(struct hnd *d)
{
	write_view(d, "topology.json", true);
	write_view(d, "topology.dot", false);
}
