// SPDX-License-Identifier: GPL-2.0
/*
 * What a reload would change: the running configuration against the one
 * just read, key by key.  Keys that cannot change while the agent runs
 * (the node's identity, where its maps, state and socket are) refuse the
 * whole reload; the others are listed for reload.c to apply.  Nothing here
 * touches the agent, so the decisions are tested without one.
 */
#include <stddef.h>
#include <string.h>

#include "hypernetd.h"
#include "model.h"

/*
 * Keys kept in one field each, by offset: whether a running agent can
 * take a new value.  Those that cannot say why in hnd_reload_fixed().
 */
#define F(n, f, l)                                             \
	{                                                      \
		n, offsetof(struct hnd_config, f),             \
			sizeof(((struct hnd_config *)0)->f), l \
	}
static const struct {
	const char *name;
	size_t off, size;
	bool live;
} fields[] = {
	/* the node's identity, its maps, its state and its socket */
	F("node-id", node_id, false),
	F("pin-dir", pin_dir, false),
	F("state-dir", state_dir, false),
	F("control-socket", ctl_path, false),
	F("identity-key", identity_key, false),
	/* how ports are attached: a change would re-attach all of them */
	F("xdp-mode", xdp_mode, false),
	/* stage timing keeps per-stage state from the start */
	F("stages", stages, false),
	F("stage-rate", stage_rate, false),
	F("stage-dev", stage_dev, false),
	/* read once at start; later models come by hnctl model push */
	F("model", model, false),
	F("hello-interval-ms", hello_ms, true),
	F("dead-hellos", dead_hellos, true),
	F("probe-interval-ms", probe_ms, true),
	F("stale-ms", stale_ms, true),
	F("lsa-refresh-s", lsa_refresh_s, true),
	F("lsa-lifetime-s", lsa_lifetime_s, true),
	F("margin-min", margin_min, true),
	F("split-step", split_step, true),
	F("load-permille", load, true),
	F("capacity-kbps", capacity, true),
	F("link-kbps", link_kbps, true),
	F("rate-window-ms", rate_window_ms, true),
	F("route-metric", route_metric, true),
	F("keep-attached", keep_attached, true),
	F("xdp-force", xdp_force, true),
	F("xdp-reattach", xdp_reattach, true),
	F("fed-phase-ms", fed_phase_ms, true),
	F("fed-input-ms", fed_input_ms, true),
	F("trusted-keys", trusted_keys, true),
};

static void add_name(char *list, size_t size, unsigned int *n, const char *name)
{
	size_t len = strlen(list);

	snprintf(list + len, size - len, "%s%s", *n ? ", " : "", name);
	(*n)++;
}

static void changed(struct hnd_reload_plan *p, const char *name)
{
	add_name(p->changed, sizeof(p->changed), &p->n_changed, name);
}

static int port_index(const struct hnd_config *c, const char *name)
{
	unsigned int i;

	for (i = 0; i < c->n_ports; i++)
		if (!strcmp(c->ports[i], name))
			return i;
	return -1;
}

/* Ports added and removed; a port kept with a new capacity is a change. */
static void diff_ports(const struct hnd_config *a, const struct hnd_config *b,
		       struct hnd_reload_plan *p)
{
	bool kbps = false;
	unsigned int i;
	int j;

	for (i = 0; i < a->n_ports; i++)
		if (port_index(b, a->ports[i]) < 0)
			strcpy(p->del[p->n_del++], a->ports[i]);
	for (i = 0; i < b->n_ports; i++) {
		j = port_index(a, b->ports[i]);
		if (j < 0)
			strcpy(p->add[p->n_add++], b->ports[i]);
		else if (a->port_kbps[j] != b->port_kbps[i])
			kbps = true;
	}
	if (p->n_add || p->n_del)
		changed(p, "port");
	else if (kbps)
		changed(p, "port (capacity)");
}

static bool same_private(const struct hnd_config *a, const struct hnd_config *b)
{
	unsigned int i;

	for (i = 0; i < a->n_private; i++)
		if (!hnd_config_private(b, a->private_ports[i]))
			return false;
	for (i = 0; i < b->n_private; i++)
		if (!hnd_config_private(a, b->private_ports[i]))
			return false;
	return true;
}

static const struct hn_mesh_key *key_by_id(const struct hnd_config *c, __u32 id)
{
	unsigned int i;

	for (i = 0; i < c->n_keys; i++)
		if (c->keys[i].id == id)
			return &c->keys[i];
	return NULL;
}

/* The accepted keys as a set (order is no change), then the send key. */
static void diff_keys(const struct hnd_config *a, const struct hnd_config *b,
		      struct hnd_reload_plan *p)
{
	const struct hn_mesh_key *k;
	bool same = a->n_keys == b->n_keys;
	unsigned int i;

	for (i = 0; same && i < a->n_keys; i++) {
		k = key_by_id(b, a->keys[i].id);
		same = k && !memcmp(k->key, a->keys[i].key, sizeof(k->key));
	}
	if (!same) {
		p->keys = true;
		changed(p, "mesh-key");
	}
	if (hnd_config_send_key(a)->id != hnd_config_send_key(b)->id) {
		p->keys = true;
		changed(p, "mesh-key-send");
	}
}

int hnd_config_diff(const struct hnd_config *a, const struct hnd_config *b,
		    struct hnd_reload_plan *p)
{
	unsigned int i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (!memcmp((const char *)a + fields[i].off,
			    (const char *)b + fields[i].off, fields[i].size))
			continue;
		if (!fields[i].live)
			add_name(p->refused, sizeof(p->refused), &p->n_refused,
				 fields[i].name);
		else
			changed(p, fields[i].name);
	}
	if (a->n_stages != b->n_stages && !strstr(p->refused, "stages"))
		add_name(p->refused, sizeof(p->refused), &p->n_refused,
			 "stages");
	diff_ports(a, b, p);
	if (!same_private(a, b))
		changed(p, "private-domain");
	diff_keys(a, b, p);
	return p->n_refused ? -1 : 0;
}

int hnd_reload_prepare(const struct hnd_config *run, const char *path,
		       const char *const *keys, const char *const *vals,
		       unsigned int n_sets, struct hnd_config *out,
		       struct hnd_reload_plan *p, char *err, size_t errlen)
{
	char msg[PATH_MAX + 256];
	unsigned int i;

	hnd_config_defaults(out);
	if (path && hnd_config_load(out, path, msg, sizeof(msg)))
		return hn_seterr(err, errlen, "%s; nothing changed", msg);
	for (i = 0; i < n_sets; i++)
		if (hnd_config_set_arg(out, keys[i], vals[i], msg, sizeof(msg)))
			return hn_seterr(err, errlen,
					 "-o %s: %s; nothing changed", keys[i],
					 msg);
	if (hnd_config_check(out, msg, sizeof(msg)))
		return hn_seterr(err, errlen, "%s; nothing changed", msg);
	/* from the command line (-v), not the file */
	out->verbose = run->verbose;
	if (hnd_config_diff(run, out, p))
		return hn_seterr(
			err, errlen,
			"cannot change while the agent runs: %s (restart it for that; with keep-attached = 1 forwarding goes on); nothing changed",
			p->refused);
	return 0;
}
