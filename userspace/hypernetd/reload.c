// SPDX-License-Identifier: GPL-2.0
/*
 * Live reload (SIGHUP, `hnctl reload`): the configuration is read again,
 * checked whole and compared with the running one (confdiff.c); a file
 * that does not parse, or that changes a key that cannot change live,
 * changes nothing.  Otherwise the new one is applied without stopping
 * forwarding: removed ports are detached, added ones attached, the data
 * plane's settings rewritten, new timers and mesh keys used from the next
 * frame on, and the trusted model keys read again.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>

#include "hypernetd.h"
#include "model.h"

static int cfg_port(const struct hnd_config *c, const char *name)
{
	unsigned int i;

	for (i = 0; i < c->n_ports; i++)
		if (!strcmp(c->ports[i], name))
			return i;
	return -1;
}

/*
 * The ports of @nc, in its order: kept ones move to their new index (the
 * neighbours, challenges and epoll tags with them), removed ones are
 * detached and their neighbours taken down, added ones opened.
 */
static void ports_apply(struct hnd *d, const struct hnd_config *nc)
{
	struct hnd_port old[HND_MAX_PORTS];
	int map[HND_MAX_PORTS];
	unsigned int i, n_old = d->n_ports;
	int j;

	for (i = 0; i < n_old; i++) {
		map[i] = cfg_port(nc, d->ports[i].name);
		if (map[i] >= 0)
			continue;
		hnd_neigh_down_port(d, i, "port removed by reload");
		hnd_port_remove(d, i);
		hnd_log(d, LOG_N, "port %s removed (reload)", d->ports[i].name);
	}
	memcpy(old, d->ports, sizeof(old));
	for (i = 0; i < HND_MAX_NEIGH; i++)
		if (d->nb[i].used)
			d->nb[i].port = map[d->nb[i].port];
	for (i = 0; i < d->n_senders; i++)
		if (d->senders[i].chal_ns &&
		    (d->senders[i].chal_port = map[d->senders[i].chal_port]) <
			    0)
			d->senders[i].chal_ns = 0;
	memset(d->ports, 0, sizeof(d->ports));
	for (i = 0; i < n_old; i++) {
		struct epoll_event ev = { .events = EPOLLIN };

		if (map[i] < 0)
			continue;
		d->ports[map[i]] = old[i];
		ev.data.u64 = map[i];
		if (old[i].fd >= 0 && map[i] != (int)i &&
		    epoll_ctl(d->epfd, EPOLL_CTL_MOD, old[i].fd, &ev))
			hnd_log(d, LOG_E, "port %s: epoll: %s", old[i].name,
				strerror(errno));
	}
	d->n_ports = nc->n_ports;
	for (i = 0; i < nc->n_ports; i++) {
		for (j = 0; j < (int)n_old && map[j] != (int)i; j++)
			;
		if (j < (int)n_old)
			continue;
		hnd_log(d, LOG_N, "port %s added (reload)", nc->ports[i]);
		if (hnd_port_add(d, i)) {
			/* hnd_port_check() tries again in a second */
			hnd_port_remove(d, i);
			d->ports[i].retry_ns = hnd_now() + NSEC_PER_SEC;
		}
	}
}

/*
 * The data plane's settings that come from the configuration, written
 * only when they change (a write recompiles the decision table), and the
 * ports' privacy domain when @domain.
 */
static void dp_apply(struct hnd *d, bool domain)
{
	struct hn_dp_config dc = { 0 }, was;
	char err[256];
	unsigned int i;

	hn_dp_get_config(d->dp, &dc);
	was = dc;
	dc.margin_min = d->cfg.margin_min;
	dc.split_step = d->cfg.split_step;
	dc.stale_ns = (__u64)(d->cfg.stale_ms ?: 2 * d->cfg.hello_ms + 50) *
		      NSEC_PER_MSEC;
	if (memcmp(&dc, &was, sizeof(dc)) &&
	    hn_dp_set_config(d->dp, &dc, err, sizeof(err)))
		hnd_log(d, LOG_E, "reload: data plane config: %s", err);
	for (i = 0; domain && i < d->n_ports; i++)
		if (d->ports[i].attached &&
		    hn_dp_port_set_domain(d->dp, d->ports[i].ifindex,
					  hnd_config_private(&d->cfg,
							     d->ports[i].name),
					  err, sizeof(err)))
			hnd_log(d, LOG_E, "reload: port %s: %s",
				d->ports[i].name, err);
}

static void names_json(struct jsonw *w, const char *key,
		       char (*names)[IFNAMSIZ], unsigned int n)
{
	unsigned int i;

	jsonw_name(w, key);
	jsonw_arr_open(w);
	for (i = 0; i < n; i++)
		jsonw_str(w, names[i]);
	jsonw_arr_close(w);
}

/* "a, b, c" as a JSON array of strings. */
static void list_json(struct jsonw *w, const char *key, const char *list)
{
	char buf[1024], *tok, *save;

	snprintf(buf, sizeof(buf), "%s", list);
	jsonw_name(w, key);
	jsonw_arr_open(w);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save))
		jsonw_str(w, tok + (*tok == ' '));
	jsonw_arr_close(w);
}

static void report(struct hnd *d, const struct hnd_reload_plan *p, FILE *f,
		   struct jsonw *w)
{
	unsigned int i;

	if (w) {
		jsonw_obj_open(w);
		jsonw_kv_bool(w, "reloaded", true);
		jsonw_kv_bool(w, "changed_any", p->n_changed > 0);
		list_json(w, "changed", p->changed);
		names_json(w, "ports_added", (char(*)[IFNAMSIZ])p->add,
			   p->n_add);
		names_json(w, "ports_removed", (char(*)[IFNAMSIZ])p->del,
			   p->n_del);
		jsonw_kv_u64(w, "send_key", hnd_config_send_key(&d->cfg)->id);
		jsonw_name(w, "keys");
		jsonw_arr_open(w);
		for (i = 0; i < d->cfg.n_keys; i++)
			jsonw_u64(w, d->cfg.keys[i].id);
		jsonw_arr_close(w);
		jsonw_obj_close(w);
		return;
	}
	if (!f)
		return;
	if (!p->n_changed) {
		fprintf(f, "reloaded: no change\n");
		return;
	}
	fprintf(f, "reloaded: %s\n", p->changed);
	for (i = 0; i < p->n_add; i++)
		fprintf(f, "port %s added\n", p->add[i]);
	for (i = 0; i < p->n_del; i++)
		fprintf(f, "port %s removed\n", p->del[i]);
	if (p->keys) {
		fprintf(f, "mesh keys accepted:");
		for (i = 0; i < d->cfg.n_keys; i++)
			fprintf(f, " %u", d->cfg.keys[i].id);
		fprintf(f, "; sending with %u\n",
			hnd_config_send_key(&d->cfg)->id);
	}
}

static struct hnd_config next_cfg;
static struct hn_pubkey next_trusted[HN_MAX_TRUSTED];

/*
 * The trusted model keys, read again whether or not the path changed: a
 * key added to the same file is what an operator rotating signing keys
 * does.  A change of contents is listed in @p.
 */
static int trusted_read(struct hnd *d, struct hnd_reload_plan *p,
			unsigned int *n, char *err, size_t errlen)
{
	const struct hnd_config *nc = &next_cfg;
	size_t len = strlen(p->changed);
	char msg[256];

	*n = 0;
	memset(next_trusted, 0, sizeof(next_trusted));
	if (nc->trusted_keys[0] &&
	    hn_pubkeys_load(nc->trusted_keys, next_trusted, HN_MAX_TRUSTED, n,
			    msg, sizeof(msg)))
		return hn_seterr(err, errlen,
				 "trusted-keys: %s; nothing changed", msg);
	if (strstr(p->changed, "trusted-keys") ||
	    (*n == d->n_trusted &&
	     !memcmp(next_trusted, d->trusted, *n * sizeof(d->trusted[0]))))
		return 0;
	snprintf(p->changed + len, sizeof(p->changed) - len, "%s%s",
		 p->n_changed ? ", " : "", "trusted-keys (contents)");
	p->n_changed++;
	return 0;
}

/* Apply the checked config, diffed as @p; only trusted-keys can fail. */
static int apply(struct hnd *d, struct hnd_reload_plan *p, char *err,
		 size_t errlen)
{
	const struct hnd_config *nc = &next_cfg;
	unsigned int n_trusted, i;

	if (trusted_read(d, p, &n_trusted, err, errlen))
		return -1;
	memcpy(d->trusted, next_trusted, sizeof(d->trusted));
	d->n_trusted = n_trusted;
	d->cfg = *nc;
	/* also when only their order changed: cfg.port_kbps[] is by index */
	ports_apply(d, &d->cfg);
	if (d->dp)
		dp_apply(d, strstr(p->changed, "private-domain"));
	/* new timers from now: HELLOs at the new interval, an LSA at once */
	for (i = 0; i < d->n_ports; i++)
		d->ports[i].next_hello_ns = 0;
	d->lsa_next_refresh_ns = 0;
	d->lsa_dirty = true;
	d->routes_dirty = true;
	return 0;
}

int hnd_reload(struct hnd *d, FILE *f, struct jsonw *w)
{
	struct hnd_reload_plan p;
	char err[2048];

	if (hnd_reload_prepare(&d->cfg, d->conf_path, d->set_keys, d->set_vals,
			       d->n_sets, &next_cfg, &p, err, sizeof(err)) ||
	    apply(d, &p, err, sizeof(err))) {
		hnd_log(d, LOG_E, "reload: %s", err);
		if (f)
			fprintf(f, "reload: %s", err);
		return -1;
	}
	hnd_log(d, LOG_N, "reloaded%s%s", p.n_changed ? ": " : ", no change",
		p.changed);
	if (p.keys)
		hnd_log(d, LOG_N, "mesh keys: %u accepted, sending with key %u",
			d->cfg.n_keys, hnd_config_send_key(&d->cfg)->id);
	report(d, &p, f, w);
	return 0;
}
