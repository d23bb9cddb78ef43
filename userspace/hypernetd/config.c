// SPDX-License-Identifier: GPL-2.0
/*
 * hypernetd's configuration: "key = value" lines, '#' comments.  The same
 * keys work on the command line (-o key=value).  Documentation/agent.rst
 * and hypernetd(8) list them.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <hypernet/route.h>
#include "fileio.h"
#include "hypernetd.h"
#include "model.h"

void hnd_config_defaults(struct hnd_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->state_dir, sizeof(c->state_dir), "/var/lib/hypernet");
	snprintf(c->pin_dir, sizeof(c->pin_dir), "%s", HN_DP_PIN_DIR);
	snprintf(c->ctl_path, sizeof(c->ctl_path),
		 "/run/hypernet/hypernetd.sock");
	c->hello_ms = 200;
	c->dead_hellos = 3;
	/* 250 ms: the DELAY feature must follow queues as they build */
	c->probe_ms = 250;
	c->lsa_refresh_s = 10;
	c->lsa_lifetime_s = 40;
	c->link_kbps = 1000000; /* 1 Gbit/s */
	c->capacity = hn_scale_log(1000000);
	c->xdp_mode = HND_XDP_AUTO;
	c->route_metric = HND_METRIC_ETT;
	c->split_step = HN_RT_SPLIT_STEP;
	c->fed_phase_ms = 5000;
	c->fed_input_ms = 600000;
	c->rate_window_ms = 1000;
}

static int parse_uint(const char *s, unsigned long min, unsigned long max,
		      unsigned long *v)
{
	char *end;

	int base = 10;

	if (!*s || !isdigit((unsigned char)*s))
		return -1;
	/* decimal, or 0x hex; never octal by a leading zero */
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16, s += 2;
	if (!isxdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*v = strtoul(s, &end, base);
	if (errno || *end || *v < min || *v > max)
		return -1;
	return 0;
}

static int set_path(char *dst, size_t size, const char *val)
{
	if (!*val || strlen(val) >= size)
		return -1;
	strcpy(dst, val);
	return 0;
}

/* Highest link-kbps or per-port capacity: 4 Tbit/s, the u32 kbit/s range. */
#define LINK_KBPS_MAX 4000000000UL

/* "IFNAME [KBPS]": a mesh port, optionally with its own link capacity. */
static int set_port(struct hnd_config *c, const char *val, char *err,
		    size_t errlen)
{
	char name[IFNAMSIZ + 1];
	const char *sp = strpbrk(val, " \t");
	size_t len = sp ? (size_t)(sp - val) : strlen(val);
	unsigned long kbps = 0;
	unsigned int i;

	if (!len || len >= IFNAMSIZ || memchr(val, '/', len) ||
	    memchr(val, '#', len) || memchr(val, ':', len))
		return hn_seterr(err, errlen,
				 "port '%s': not an interface name", val);
	memcpy(name, val, len);
	name[len] = 0;
	if (sp) {
		while (*sp == ' ' || *sp == '\t')
			sp++;
		/* not even a number: most likely a stray comment */
		if (!isdigit((unsigned char)*sp))
			return hn_seterr(
				err, errlen,
				"port '%s': not an interface name (want 'IFNAME' or 'IFNAME KBPS')",
				val);
		if (parse_uint(sp, 1, LINK_KBPS_MAX, &kbps))
			return hn_seterr(
				err, errlen,
				"port %s: '%s' is not a capacity in kbit/s 1..%lu",
				name, sp, LINK_KBPS_MAX);
	}
	for (i = 0; i < c->n_ports; i++)
		if (!strcmp(c->ports[i], name))
			return hn_seterr(err, errlen, "port %s given twice",
					 name);
	if (c->n_ports == HND_MAX_PORTS)
		return hn_seterr(err, errlen, "more than %d ports",
				 HND_MAX_PORTS);
	c->port_kbps[c->n_ports] = kbps;
	strcpy(c->ports[c->n_ports++], name);
	return 0;
}

/*
 * "IFNAME..." (blanks between): ports whose far side is inside the
 * privacy domain.  Each must also be a port line (hnd_config_check()).
 * Adds, as port does.
 */
static int set_private_domain(struct hnd_config *c, const char *val, char *err,
			      size_t errlen)
{
	const char *p = val;
	unsigned int i, named = 0;
	size_t len;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		len = strcspn(p, " \t");
		if (len >= IFNAMSIZ || memchr(p, '/', len) ||
		    memchr(p, '#', len) || memchr(p, ':', len))
			return hn_seterr(
				err, errlen,
				"private-domain: '%.*s' is not an interface name",
				(int)len, p);
		for (i = 0; i < c->n_private; i++)
			if (strlen(c->private_ports[i]) == len &&
			    !memcmp(c->private_ports[i], p, len))
				break;
		if (i == c->n_private) {
			if (c->n_private == HND_MAX_PORTS)
				return hn_seterr(
					err, errlen,
					"private-domain: more than %d ports",
					HND_MAX_PORTS);
			memcpy(c->private_ports[c->n_private], p, len);
			c->private_ports[c->n_private++][len] = 0;
		}
		p += len;
		named++;
	}
	if (!named)
		return hn_seterr(
			err, errlen,
			"private-domain: no port named (want IFNAME...)");
	return 0;
}

bool hnd_config_private(const struct hnd_config *c, const char *name)
{
	unsigned int i;

	for (i = 0; i < c->n_private; i++)
		if (!strcmp(c->private_ports[i], name))
			return true;
	return false;
}

/*
 * "ID HEX": a mesh key, accepted on what we receive; the first one given
 * signs what we send, unless mesh-key-send names another.
 */
static int set_key(struct hnd_config *c, const char *val, char *err,
		   size_t errlen)
{
	struct hn_mesh_key k;
	unsigned long id;
	char idbuf[16];
	const char *sp = strpbrk(val, " \t");
	unsigned int i;

	if (!sp || (size_t)(sp - val) >= sizeof(idbuf))
		return hn_seterr(
			err, errlen,
			"mesh-key: want 'ID HEX' (key id, then 64 hex digits)");
	memcpy(idbuf, val, sp - val);
	idbuf[sp - val] = 0;
	while (*sp == ' ' || *sp == '\t')
		sp++;
	if (parse_uint(idbuf, 0, 0xffffffffUL, &id))
		return hn_seterr(err, errlen, "mesh-key: bad key id '%s'",
				 idbuf);
	if (hn_mesh_key_parse(sp, &k))
		return hn_seterr(
			err, errlen,
			"mesh-key %lu: want 64 hex digits (32 bytes), e.g. from 'openssl rand -hex 32'",
			id);
	k.id = id;
	for (i = 0; i < c->n_keys; i++)
		if (c->keys[i].id == k.id)
			return hn_seterr(err, errlen,
					 "mesh-key id %lu given twice", id);
	if (c->n_keys == HND_MAX_KEYS)
		return hn_seterr(err, errlen, "more than %d mesh keys",
				 HND_MAX_KEYS);
	c->keys[c->n_keys++] = k;
	return 0;
}

/*
 * A regular file of at most @max bytes as a stream: a FIFO or a device
 * named by mistake must not hang or flood the agent.  *@buf is the
 * caller's to free after fclose().
 */
static FILE *open_small(const char *what, const char *path, size_t max,
			unsigned int flags, void **buf, char *err,
			size_t errlen)
{
	char msg[256];
	size_t len;
	FILE *f;

	if (hn_read_file(path, max, flags, buf, &len, msg, sizeof(msg))) {
		hn_seterr(err, errlen, "%s %s", what, msg);
		return NULL;
	}
	f = fmemopen(*buf, len ? len : 1, "r");
	if (!f) {
		free(*buf);
		hn_seterr(err, errlen, "%s %s: %s", what, path,
			  strerror(errno));
	}
	return f;
}

/* "ID": which mesh key signs what we send (mesh-key-send, "send ID"). */
static int set_send_key(struct hnd_config *c, const char *val, char *err,
			size_t errlen)
{
	unsigned long id;

	if (parse_uint(val, 0, 0xffffffffUL, &id))
		return hn_seterr(err, errlen,
				 "mesh-key-send: '%s' is not a key id", val);
	c->send_key = id;
	c->send_key_set = true;
	return 0;
}

static int set_key_file(struct hnd_config *c, const char *path, char *err,
			size_t errlen)
{
	char line[256];
	void *buf;
	FILE *f = open_small("mesh-key-file", path, 4096, HN_RF_PRIVATE, &buf,
			     err, errlen);
	int ret = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = 0;
		if (!line[0] || line[0] == '#')
			continue;
		/* "send ID": the key to sign with, beside the keys */
		if (!strncmp(line, "send ", 5))
			ret = set_send_key(c, line + 5, err, errlen);
		else
			ret = set_key(c, line, err, errlen);
		if (ret)
			break;
	}
	fclose(f);
	free(buf);
	return ret;
}

static int set_stages(struct hnd_config *c, const char *val, char *err,
		      size_t errlen)
{
	char buf[256], *tok, *save;
	unsigned long v;

	if (strlen(val) >= sizeof(buf))
		return hn_seterr(err, errlen, "stages: list too long");
	strcpy(buf, val);
	c->n_stages = 0;
	for (tok = strtok_r(buf, ", ", &save); tok;
	     tok = strtok_r(NULL, ", ", &save)) {
		if (parse_uint(tok, 1, 255, &v))
			return hn_seterr(
				err, errlen,
				"stages: '%s' is not a stage id 1..255", tok);
		if (memchr(c->stages, v, c->n_stages))
			return hn_seterr(err, errlen, "stages: %lu given twice",
					 v);
		if (c->n_stages == HN_LSA_MAX_STAGES)
			return hn_seterr(err, errlen, "stages: more than %d",
					 HN_LSA_MAX_STAGES);
		c->stages[c->n_stages++] = v;
	}
	return 0;
}

/* stage-rate = STAGE NS_PER_ITEM [BUSY_PERMILLE [QUEUE]] */
static int set_stage_rate(struct hnd_config *c, const char *val, char *err,
			  size_t errlen)
{
	char buf[128], *tok[5], *save = NULL;
	unsigned long v[4] = { 0 };
	static const unsigned long max[4] = { 255, 0xffffffffUL,
					      HN_RATE_BUSY_MAX, 0xffff };
	unsigned int n = 0, i;

	if (strlen(val) >= sizeof(buf))
		goto bad;
	strcpy(buf, val);
	for (tok[n] = strtok_r(buf, " \t", &save); tok[n] && n < 4;
	     tok[++n] = strtok_r(NULL, " \t", &save))
		;
	if (n < 2 || tok[n])
		goto bad;
	for (i = 0; i < n; i++)
		if (parse_uint(tok[i], i < 2, max[i], &v[i]))
			goto bad;
	c->stage_rate[v[0]] = (struct hn_ctrl_rate){ v[1], v[2], v[3] };
	return 0;
bad:
	return hn_seterr(
		err, errlen,
		"stage-rate: '%s' is not 'STAGE(1..255) NS_PER_ITEM(1..) [BUSY_PERMILLE(0..1000) [QUEUE]]'",
		val);
}

static int set_stage_dev(struct hnd_config *c, const char *val, char *err,
			 size_t errlen)
{
	if (!*val || strlen(val) >= IFNAMSIZ)
		return hn_seterr(err, errlen,
				 "stage-dev: '%s' is not an interface name",
				 val);
	strcpy(c->stage_dev, val);
	return 0;
}

/*
 * A key kept in one field of struct hnd_config, at @off: its setter parses
 * the value into @field (the name, range and size say what is allowed).
 */
struct field_key {
	const char *name;
	int (*set)(const struct field_key *k, void *field, const char *val,
		   char *err, size_t errlen);
	size_t off, size;
	unsigned long min, max;
};

/* An unsigned int in @min..@max. */
static int set_uint(const struct field_key *k, void *field, const char *val,
		    char *err, size_t errlen)
{
	unsigned long v;

	if (parse_uint(val, k->min, k->max, &v))
		return hn_seterr(err, errlen,
				 "%s: '%s' is not a number in %lu..%lu",
				 k->name, val, k->min, k->max);
	*(unsigned int *)field = v;
	return 0;
}

/* A permille 0..1000, kept as hn_scale_ratio(). */
static int set_ratio(const struct field_key *k, void *field, const char *val,
		     char *err, size_t errlen)
{
	unsigned long v;

	if (parse_uint(val, 0, 1000, &v))
		return hn_seterr(err, errlen,
				 "%s: '%s' is not a permille 0..1000", k->name,
				 val);
	*(__u8 *)field = hn_scale_ratio(v);
	return 0;
}

/* A rate in kbit/s, kept as hn_scale_log(). */
static int set_log_kbps(const struct field_key *k, void *field, const char *val,
			char *err, size_t errlen)
{
	unsigned long v;

	if (parse_uint(val, 0, 0xffffffffUL, &v))
		return hn_seterr(err, errlen, "%s: '%s' is not kbit/s", k->name,
				 val);
	*(__u8 *)field = hn_scale_log(v);
	return 0;
}

/* A 0-or-1 key. */
static int set_bool(const struct field_key *k, void *field, const char *val,
		    char *err, size_t errlen)
{
	unsigned long v;

	if (parse_uint(val, 0, 1, &v))
		return hn_seterr(err, errlen, "%s: want 0 or 1", k->name);
	*(bool *)field = v;
	return 0;
}

/* A path of fewer than @size bytes. */
static int set_path_key(const struct field_key *k, void *field, const char *val,
			char *err, size_t errlen)
{
	if (set_path(field, k->size, val))
		return hn_seterr(err, errlen, "%s: bad path", k->name);
	return 0;
}

#define FIELD(f) offsetof(struct hnd_config, f)
#define FK(n, fn, f)                                  \
	{                                             \
		.name = n, .set = fn, .off = FIELD(f) \
	}
#define UK(n, f, lo, hi)                                                \
	{                                                               \
		.name = n, .set = set_uint, .off = FIELD(f), .min = lo, \
		.max = hi                                               \
	}
#define PK(n, f)                                                 \
	{                                                        \
		.name = n, .set = set_path_key, .off = FIELD(f), \
		.size = sizeof(((struct hnd_config *)0)->f)      \
	}
static const struct field_key field_keys[] = {
	UK("node-id", node_id, 1, 0xfffffffeUL),
	UK("hello-interval-ms", hello_ms, 10, 60000),
	UK("dead-hellos", dead_hellos, 2, 100),
	UK("probe-interval-ms", probe_ms, 10, 600000),
	UK("stale-ms", stale_ms, 0, 600000),
	UK("lsa-refresh-s", lsa_refresh_s, 1, 3600),
	UK("lsa-lifetime-s", lsa_lifetime_s, 2, 65535),
	UK("split-step", split_step, 0, HN_RT_SPLIT_ONE),
	UK("fed-phase-ms", fed_phase_ms, 100, 3600000),
	UK("fed-input-ms", fed_input_ms, 100, 86400000),
	UK("rate-window-ms", rate_window_ms, 100, 600000),
	FK("load-permille", set_ratio, load),
	FK("capacity-kbps", set_log_kbps, capacity),
	FK("keep-attached", set_bool, keep_attached),
	FK("neigh-counters", set_bool, neigh_counters),
	FK("xdp-force", set_bool, xdp_force),
	FK("xdp-reattach", set_bool, xdp_reattach),
	PK("trusted-keys", trusted_keys),
	PK("identity-key", identity_key),
	PK("names", names),
	PK("model", model),
	PK("state-dir", state_dir),
	PK("pin-dir", pin_dir),
};

static int set_link_kbps(struct hnd_config *c, const char *val, char *err,
			 size_t errlen)
{
	unsigned long v;

	if (parse_uint(val, 1, LINK_KBPS_MAX, &v))
		return hn_seterr(err, errlen,
				 "link-kbps: '%s' is not kbit/s 1..%lu", val,
				 LINK_KBPS_MAX);
	c->link_kbps = v;
	return 0;
}

static int set_margin_min(struct hnd_config *c, const char *val, char *err,
			  size_t errlen)
{
	char *end;
	long m;

	errno = 0;
	m = strtol(val, &end, 0);
	if (errno || !*val || *end || m < -(1L << 30) || m > (1L << 30))
		return hn_seterr(err, errlen,
				 "margin-min: '%s' is not an integer", val);
	c->margin_min = m;
	return 0;
}

static int set_xdp_mode(struct hnd_config *c, const char *val, char *err,
			size_t errlen)
{
	if (!strcmp(val, "auto"))
		c->xdp_mode = HND_XDP_AUTO;
	else if (!strcmp(val, "native"))
		c->xdp_mode = HND_XDP_NATIVE;
	else if (!strcmp(val, "generic"))
		c->xdp_mode = HND_XDP_GENERIC;
	else if (!strcmp(val, "multiprog"))
		c->xdp_mode = HND_XDP_MULTIPROG;
	else
		return hn_seterr(
			err, errlen,
			"xdp-mode: '%s' is not auto, native, generic or multiprog",
			val);
	return 0;
}

static const char *const metric_names[] = {
	[HND_METRIC_ETT] = "ett",
	[HND_METRIC_ETX] = "etx",
	[HND_METRIC_HOPS] = "hops",
	[HND_METRIC_ETT_LOAD] = "ett-load",
};

const char *hnd_route_metric_name(enum hnd_route_metric m)
{
	return (unsigned int)m <
			       sizeof(metric_names) / sizeof(metric_names[0]) ?
		       metric_names[m] :
		       "?";
}

static int set_route_metric(struct hnd_config *c, const char *val, char *err,
			    size_t errlen)
{
	unsigned int i;

	for (i = 0; i < sizeof(metric_names) / sizeof(metric_names[0]); i++)
		if (!strcmp(val, metric_names[i])) {
			c->route_metric = i;
			return 0;
		}
	return hn_seterr(
		err, errlen,
		"route-metric: '%s' is not ett, etx, hops or ett-load (ett, the default, weighs links by capacity as batman-adv V)",
		val);
}

static int set_ctl_path(struct hnd_config *c, const char *val, char *err,
			size_t errlen)
{
	/* sun_path is 108 bytes */
	if (!*val || strlen(val) >= 108)
		return hn_seterr(
			err, errlen,
			"control-socket: path empty or over 107 bytes");
	strcpy(c->ctl_path, val);
	return 0;
}

/* The keys with a setter of their own: lists, or more than one field. */
static const struct {
	const char *name;
	int (*set)(struct hnd_config *c, const char *val, char *err,
		   size_t errlen);
} own_keys[] = {
	{ "port", set_port },
	{ "private-domain", set_private_domain },
	{ "mesh-key", set_key },
	{ "mesh-key-file", set_key_file },
	{ "mesh-key-send", set_send_key },
	{ "stages", set_stages },
	{ "stage-rate", set_stage_rate },
	{ "stage-dev", set_stage_dev },
	{ "link-kbps", set_link_kbps },
	{ "margin-min", set_margin_min },
	{ "xdp-mode", set_xdp_mode },
	{ "route-metric", set_route_metric },
	{ "control-socket", set_ctl_path },
};

int hnd_config_set(struct hnd_config *c, const char *key, const char *val,
		   char *err, size_t errlen)
{
	const struct field_key *k;
	unsigned int i;

	for (i = 0; i < sizeof(field_keys) / sizeof(field_keys[0]); i++) {
		k = &field_keys[i];
		if (!strcmp(key, k->name))
			return k->set(k, (char *)c + k->off, val, err, errlen);
	}
	for (i = 0; i < sizeof(own_keys) / sizeof(own_keys[0]); i++)
		if (!strcmp(key, own_keys[i].name))
			return own_keys[i].set(c, val, err, errlen);
	return hn_seterr(err, errlen,
			 "unknown key '%s' (see hypernetd(8) for the list)",
			 key);
}

/*
 * One -o KEY=VALUE from the command line: as in the file, but no secrets.
 * Every local user can read a command line (ps, /proc/PID/cmdline), and
 * shells keep it in their history.
 */
int hnd_config_set_arg(struct hnd_config *c, const char *key, const char *val,
		       char *err, size_t errlen)
{
	if (!strcmp(key, "mesh-key"))
		return hn_seterr(
			err, errlen,
			"a key on the command line is visible to every local user (ps) and kept in shell history: put it in a file of mode 0600 and give -o mesh-key-file=PATH");
	return hnd_config_set(c, key, val, err, errlen);
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

int hnd_config_load(struct hnd_config *c, const char *path, char *err,
		    size_t errlen)
{
	char line[512], msg[PATH_MAX + 256];
	unsigned int lineno = 0, key_checked = 0;
	void *buf;
	FILE *f = open_small("config", path, 1 << 20, 0, &buf, err, errlen);
	int ret = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *s, *eq, *key, *val;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			ret = hn_seterr(err, errlen,
					"%s:%u: line longer than %zu bytes",
					path, lineno, sizeof(line) - 2);
			break;
		}
		s = trim(line);
		if (!*s || *s == '#')
			continue;
		eq = strchr(s, '=');
		if (!eq) {
			ret = hn_seterr(err, errlen,
					"%s:%u: want 'key = value', got '%s'",
					path, lineno, s);
			break;
		}
		*eq = 0;
		key = trim(s);
		val = trim(eq + 1);
		/* a key in the file makes the file as secret as a key file */
		if (!strcmp(key, "mesh-key") && !key_checked++ &&
		    hn_check_private("config with an inline mesh-key", path,
				     msg, sizeof(msg))) {
			ret = hn_seterr(
				err, errlen,
				"%s; or move the key (line %u) into a mesh-key-file",
				msg, lineno);
			break;
		}
		if (hnd_config_set(c, key, val, msg, sizeof(msg))) {
			ret = hn_seterr(err, errlen, "%s:%u: %s", path, lineno,
					msg);
			break;
		}
	}
	fclose(f);
	free(buf);
	return ret;
}

int hnd_config_check(const struct hnd_config *c, char *err, size_t errlen)
{
	unsigned int i, p;

	if (!c->node_id)
		return hn_seterr(
			err, errlen,
			"no node-id: set 'node-id = N' (1..4294967294)");
	if (!c->n_ports)
		return hn_seterr(err, errlen,
				 "no mesh port: add 'port = IFNAME' lines");
	if (!c->n_keys)
		return hn_seterr(
			err, errlen,
			"no mesh key: control frames must be authenticated; add 'mesh-key = 1 HEX' (openssl rand -hex 32 makes one)");
	if (!hnd_config_send_key(c))
		return hn_seterr(
			err, errlen,
			"mesh-key-send %u: no mesh key has that id (the send key must also be accepted)",
			c->send_key);
	for (i = 0; i < c->n_private; i++) {
		for (p = 0; p < c->n_ports; p++)
			if (!strcmp(c->ports[p], c->private_ports[i]))
				break;
		if (p == c->n_ports)
			return hn_seterr(
				err, errlen,
				"private-domain names %s, which is not a port line",
				c->private_ports[i]);
	}
	if (c->lsa_lifetime_s <= c->lsa_refresh_s)
		return hn_seterr(
			err, errlen,
			"lsa-lifetime-s (%u) must exceed lsa-refresh-s (%u)",
			c->lsa_lifetime_s, c->lsa_refresh_s);
	for (i = 1; i < 256; i++)
		if (c->stage_rate[i].ns_per_item &&
		    !memchr(c->stages, i, c->n_stages))
			return hn_seterr(
				err, errlen,
				"stage-rate for stage %u, which 'stages' does not list",
				i);
	return 0;
}

const struct hn_mesh_key *hnd_config_send_key(const struct hnd_config *c)
{
	unsigned int i;

	if (!c->send_key_set)
		return c->n_keys ? &c->keys[0] : NULL;
	for (i = 0; i < c->n_keys; i++)
		if (c->keys[i].id == c->send_key)
			return &c->keys[i];
	return NULL;
}
