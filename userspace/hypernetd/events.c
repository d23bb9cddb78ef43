// SPDX-License-Identifier: GPL-2.0
/*
 * Live events for hnctl monitor (like batctl event, ip monitor): a
 * subscriber sends "monitor [json]" on the control socket and keeps the
 * connection; every event is one message on it, a text line or a JSON
 * object.  Neighbours up and down, routes written and withdrawn, models
 * installed and refused, campaign rounds and attempts come from where
 * they happen; drops come from the counters' rise, looked at once a
 * second.  A subscriber that does not read loses events (counted, and
 * said in the next one it takes) instead of holding the agent up.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hypernetd.h"

#define MON_PERIOD_NS NSEC_PER_SEC

/* Append to @buf of @cap bytes, @len used; cut at the end of the buffer. */
static __attribute__((format(printf, 4, 5))) void
ev_put(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= cap - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, cap - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len += (size_t)n < cap - *len ? (size_t)n : cap - 1 - *len;
}

#define put(buf, len, ...) ev_put(buf, sizeof(buf), len, __VA_ARGS__)

bool hnd_ev_begin(struct hnd *d, struct hnd_ev *e, const char *type)
{
	struct timespec ts;
	struct tm tm;
	char when[32];

	if (!d->n_mon)
		return false;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	e->tl = e->jl = 0;
	put(e->text, &e->tl, "%s.%03ld %s", when, ts.tv_nsec / 1000000, type);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	put(e->json, &e->jl,
	    "{\"time\":\"%s.%03ld\",\"node\":%u,\"event\":\"%s\"", when,
	    ts.tv_nsec / 1000000, d->cfg.node_id, type);
	return true;
}

void hnd_ev_u64(struct hnd_ev *e, const char *key, __u64 v)
{
	put(e->text, &e->tl, " %s=%llu", key, (unsigned long long)v);
	put(e->json, &e->jl, ",\"%s\":%llu", key, (unsigned long long)v);
}

/* @v in JSON: quotes and backslashes escaped, controls dropped. */
static void json_str(struct hnd_ev *e, const char *v)
{
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			put(e->json, &e->jl, "\\%c", *v);
		else if ((unsigned char)*v >= 0x20)
			put(e->json, &e->jl, "%c", *v);
	}
}

void hnd_ev_str(struct hnd_ev *e, const char *key, const char *v)
{
	bool quote = strchr(v, ' ') || !*v;

	put(e->text, &e->tl, quote ? " %s=\"%s\"" : " %s=%s", key, v);
	put(e->json, &e->jl, ",\"%s\":\"", key);
	json_str(e, v);
	put(e->json, &e->jl, "\"");
}

static void mon_drop(struct hnd *d, struct hnd_mon *m)
{
	close(m->fd);
	m->used = false;
	d->n_mon--;
}

static void mon_write(struct hnd *d, struct hnd_mon *m, const struct hnd_ev *e)
{
	char buf[HND_EV_LEN + 64];
	size_t n = 0;

	/* the line, what was lost before it, and its end */
	if (m->json)
		put(buf, &n, "%.*s", (int)e->jl, e->json);
	else
		put(buf, &n, "%.*s", (int)e->tl, e->text);
	if (m->lost)
		put(buf, &n,
		    m->json ? ",\"lost_before\":%llu" : " lost_before=%llu",
		    (unsigned long long)m->lost);
	put(buf, &n, "%s", m->json ? "}\n" : "\n");
	if (send(m->fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)n) {
		m->lost = 0;
		return;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
		m->lost++;
	else
		mon_drop(d, m);
}

void hnd_ev_send(struct hnd *d, struct hnd_ev *e)
{
	unsigned int i;

	for (i = 0; i < HND_MON_SLOTS; i++)
		if (d->mon[i].used)
			mon_write(d, &d->mon[i], e);
}

int hnd_mon_start(struct hnd *d, int fd, const char *arg, FILE *f)
{
	static const char hello[] = "ok\n";
	unsigned int i;

	if (arg && *arg && strcmp(arg, "json")) {
		fprintf(f, "monitor: want [json], not '%s'", arg);
		return -1;
	}
	for (i = 0; i < HND_MON_SLOTS && d->mon[i].used; i++)
		;
	if (i == HND_MON_SLOTS) {
		fprintf(f, "monitor: %d monitors already subscribed",
			HND_MON_SLOTS);
		return -1;
	}
	if (send(fd, hello, sizeof(hello) - 1, MSG_NOSIGNAL) < 0) {
		fprintf(f, "monitor: %s", strerror(errno));
		return -1;
	}
	/* the first look at the counters starts from here */
	if (!d->n_mon) {
		d->mon_st = d->st;
		d->next_mon_ns = 0;
	}
	d->mon[i] = (struct hnd_mon){ true, arg && *arg, fd, 0 };
	d->n_mon++;
	return 1;
}

#define DP(f)                                       \
	{                                           \
#f, offsetof(struct hn_dp_stats, f) \
	}
/* The data plane's drop counters, by the names hnctl dp stats uses. */
static const struct {
	const char *name;
	size_t off;
} dp_drops[] = {
	DP(bad_truncated), DP(bad_version),  DP(bad_type),
	DP(bad_flags),	   DP(bad_length),   DP(bad_ttl),
	DP(bad_addr),	   DP(bad_tensor),   DP(ttl_expired),
	DP(drop_no_route), DP(drop_no_port), DP(drop_no_live),
	DP(drop_no_task),  DP(mcast_busy),   DP(tc_clone_fail),
	DP(priv_drop_out), DP(priv_drop_in),
};
#undef DP

#define ST(f)                                     \
	{                                         \
#f, offsetof(struct hnd_stats, f) \
	}
/* The agent's refusals of frames that decoded, and of requests. */
static const struct {
	const char *name;
	size_t off;
} st_drops[] = {
	ST(rx_replay),	  ST(rx_stale),	    ST(rx_jump),       ST(rx_link),
	ST(rx_no_sender), ST(echo_limited), ST(echo_no_route),
};
#undef ST

static void drop_event(struct hnd *d, const char *where, const char *reason,
		       __u64 n)
{
	struct hnd_ev e;

	if (!n || !hnd_ev_begin(d, &e, "drop"))
		return;
	hnd_ev_str(&e, "where", where);
	hnd_ev_str(&e, "reason", reason);
	hnd_ev_u64(&e, "count", n);
	hnd_ev_send(d, &e);
}

static __u64 rise(const void *now, const void *then, size_t off)
{
	__u64 a = *(const __u64 *)((const char *)now + off);
	__u64 b = *(const __u64 *)((const char *)then + off);

	return a > b ? a - b : 0; /* a reset counts nothing */
}

static void drops(struct hnd *d, const struct hn_dp_stats *dp)
{
	unsigned int i;
	char name[48];

	for (i = 0;
	     dp && d->next_mon_ns && i < sizeof(dp_drops) / sizeof(dp_drops[0]);
	     i++)
		drop_event(d, "dataplane", dp_drops[i].name,
			   rise(dp, &d->mon_dp, dp_drops[i].off));
	for (i = 1; i < __HN_CE_MAX; i++) {
		snprintf(name, sizeof(name), "rx_bad_%s", hn_ctrl_err_name(i));
		drop_event(d, "agent", name,
			   d->st.rx_bad[i] - d->mon_st.rx_bad[i]);
	}
	for (i = 0; i < sizeof(st_drops) / sizeof(st_drops[0]); i++)
		drop_event(d, "agent", st_drops[i].name,
			   rise(&d->st, &d->mon_st, st_drops[i].off));
}

/* Let go of subscribers that hung up (nothing else is read from them). */
static void reap(struct hnd *d)
{
	unsigned int i;
	char c;

	for (i = 0; i < HND_MON_SLOTS; i++) {
		struct hnd_mon *m = &d->mon[i];
		ssize_t n;

		if (!m->used)
			continue;
		n = recv(m->fd, &c, 1, MSG_DONTWAIT | MSG_PEEK);
		if (!n || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
			mon_drop(d, m);
	}
}

void hnd_mon_tick(struct hnd *d, const struct hn_dp_stats *dp, __u64 now)
{
	if (!d->n_mon || now < d->next_mon_ns)
		return;
	reap(d);
	drops(d, dp);
	if (dp)
		d->mon_dp = *dp;
	d->mon_st = d->st;
	d->next_mon_ns = now + MON_PERIOD_NS;
}

void hnd_mon_free(struct hnd *d)
{
	unsigned int i;

	for (i = 0; i < HND_MON_SLOTS; i++)
		if (d->mon[i].used)
			mon_drop(d, &d->mon[i]);
}

/* ---- the events, from where they happen ---------------------------------- */

void hnd_ev_neigh(struct hnd *d, const struct hnd_neigh *n, const char *why)
{
	struct hnd_ev e;

	if (!hnd_ev_begin(d, &e, why ? "neigh-down" : "neigh-up"))
		return;
	hnd_ev_u64(&e, "neigh", n->node);
	hnd_ev_str(&e, "port", d->ports[n->port].name);
	if (why)
		hnd_ev_str(&e, "reason", why);
	hnd_ev_send(d, &e);
}

void hnd_ev_route(struct hnd *d, __u32 dst, const struct hn_dp_route *rt)
{
	struct hnd_ev e;
	unsigned int i;

	if (!hnd_ev_begin(d, &e, rt ? "route" : "route-withdrawn"))
		return;
	hnd_ev_u64(&e, "dst", dst);
	for (i = 0; rt && i < HND_MAX_NEIGH; i++) {
		const struct hnd_neigh *n = &d->nb[i];

		if (n->used && n->up && n->dp_idx == rt->cand[rt->def].neigh) {
			hnd_ev_u64(&e, "via", n->node);
			break;
		}
	}
	if (rt)
		hnd_ev_u64(&e, "candidates", rt->n_cand);
	hnd_ev_send(d, &e);
}

void hnd_ev_model(struct hnd *d, __u64 generation, const char *from,
		  const char *refused)
{
	struct hnd_ev e;

	if (!hnd_ev_begin(d, &e, refused ? "model-refused" : "model"))
		return;
	if (generation)
		hnd_ev_u64(&e, "generation", generation);
	hnd_ev_str(&e, "from", from);
	if (refused)
		hnd_ev_str(&e, "reason", refused);
	hnd_ev_send(d, &e);
}

void hnd_ev_round(struct hnd *d, const char *type, __u32 round, __u32 agg,
		  unsigned int attempt, int n)
{
	struct hnd_ev e;

	if (!hnd_ev_begin(d, &e, type))
		return;
	hnd_ev_u64(&e, "round", round);
	hnd_ev_u64(&e, "aggregator", agg);
	hnd_ev_u64(&e, "attempt", attempt);
	if (n >= 0)
		hnd_ev_u64(&e, "updates", n);
	hnd_ev_send(d, &e);
}
