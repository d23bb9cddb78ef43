// SPDX-License-Identifier: GPL-2.0
/*
 * hn-hostile: hostile frames through real, attached XDP routers.
 *
 *   hn-hostile router --router-ns NS --pins DIR --hnctl PATH --node ID
 *       --port DEV=NS:DEV...   (the router's mesh port, and the capture end
 *                               on its other side; the first one sends)
 *       --neigh "IDX node N dev DEV mac MAC"...  --route "DST via ..."...
 *       --task "ID host N..."...  --group ID...
 *       [--seed N] [--frames N] [--only PHASE,...]
 *   hn-hostile loop --hnctl PATH --router NAME=NS:PINDIR:NODE...
 *       --link R/DEV=R/DEV...  --host NAME=NS:DEV@R/DEV... (the first sends)
 *       [--frame data|dot1q|dot1ad] [--seed N]
 *
 * The neighbour, route and task strings are those given to `hnctl neigh
 * set`, `route set` and `task set`, so the oracle knows what the router
 * was told.  Prints one "ok:"/"FAIL:" line per check and exits 0 when all
 * pass, 1 when one fails, 2 on a usage or setup error.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <dp.h>
#include "hostile.h"
#include "ledger.h"
#include "wire.h"

#define HX_BATCH 32 /* frames sent between looks at the router */
#define HX_STALL_MS 10000 /* no progress this long: a failure */
#define HX_GUARD_MS 2000 /* see pace() */
#define HX_MARK_SRC 0xFFFFFF00U /* source of the end markers */
#define HX_MAX_CASES 4096
#define HX_MAX_ROUTERS 8
#define HX_MAX_HOSTS 8
#define HX_LOOP_KEEP 64 /* copies kept per host to compare */

static const char hx_mark_text[] = "hn-hostile end marker";

static void die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("hn-hostile: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static __u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static int failures;

static void result(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void result(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s", ok ? "ok:   " : "FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!ok)
		failures++;
}

static void split_ns_dev(const char *s, char *ns, size_t nl, char *dev,
			 size_t dl, const char *opt)
{
	const char *c = strchr(s, ':');

	if (!c || c == s || !c[1] || (size_t)(c - s) >= nl)
		die("--%s: '%s' is not NETNS:DEV", opt, s);
	snprintf(ns, nl, "%.*s", (int)(c - s), s);
	snprintf(dev, dl, "%s", c + 1);
}

/*
 * Counters: the router's deltas (hnctl -j stats, before and after) against
 * the oracle's sums.  decisions and cache_hit split by which CPU's flow
 * cache a frame met, so only their sum is checked, and without a model
 * every decision falls back to the default (fb_no_model).
 */
static bool hx_skip_ctr(int i)
{
	return i == HX_C_DECISIONS || i == HX_C_CACHE_HIT ||
	       i == HX_C_FB_NO_MODEL || i == HX_C_DECIDE;
}

static __u64 delta(const struct hx_counts *a, const struct hx_counts *b, int i)
{
	return b->v[i] - a->v[i];
}

static int compare_counters(const char *what, const struct hx_counts *a,
			    const struct hx_counts *b, const __u64 *want,
			    const bool *order_free)
{
	char line[2048];
	size_t n = 0;
	int i, bad = 0;
	__u64 got;

	line[0] = 0;
	for (i = 0; i < HX_NCTR; i++) {
		if (hx_skip_ctr(i) || (order_free && order_free[i]))
			continue;
		if (!b->have[i]) {
			if (want[i]) {
				printf("    %s: counter %s not reported by "
				       "hnctl (the oracle expects +%llu)\n",
				       what, hx_ctr_name[i],
				       (unsigned long long)want[i]);
				bad++;
			}
			continue;
		}
		got = delta(a, b, i);
		if (got != want[i]) {
			printf("    %s: %s +%llu, the oracle expects +%llu\n",
			       what, hx_ctr_name[i], (unsigned long long)got,
			       (unsigned long long)want[i]);
			bad++;
		} else if (got && n < sizeof(line) - 64) {
			n += snprintf(line + n, sizeof(line) - n, " %s +%llu",
				      hx_ctr_name[i], (unsigned long long)got);
		}
	}
	got = delta(a, b, HX_C_DECISIONS) + delta(a, b, HX_C_CACHE_HIT);
	if (got != want[HX_C_DECIDE]) {
		printf("    %s: decisions + cache_hit +%llu, the oracle "
		       "expects +%llu\n",
		       what, (unsigned long long)got,
		       (unsigned long long)want[HX_C_DECIDE]);
		bad++;
	}
	if (delta(a, b, HX_C_FB_NO_MODEL) != delta(a, b, HX_C_DECISIONS)) {
		printf("    %s: fb_no_model +%llu but decisions +%llu (no "
		       "model is loaded)\n",
		       what, (unsigned long long)delta(a, b, HX_C_FB_NO_MODEL),
		       (unsigned long long)delta(a, b, HX_C_DECISIONS));
		bad++;
	}
	for (i = 0; i < b->nextra; i++) {
		int j;
		__u64 before = 0;

		for (j = 0; j < a->nextra; j++)
			if (!strcmp(a->extra[j].name, b->extra[i].name))
				before = a->extra[j].v;
		if (b->extra[i].v == before)
			continue;
		printf("    %s: %s +%llu, a counter the oracle does not know "
		       "(hostile.h)\n",
		       what, b->extra[i].name,
		       (unsigned long long)(b->extra[i].v - before));
		bad++;
	}
	if (!bad && n)
		printf("    %s:%s\n", what, line);
	return bad;
}

/* ======================= one router, many frames ========================== */

struct hx_run {
	struct hx_router r;
	struct hx_scn scn;
	struct hx_ep cap[HX_MAX_PORTS]; /* capture end facing port i */
	struct hx_ep snd;
	int in;
	int stats_fd;
	char stats_cmd[1024];
	struct hx_ledger led;
	__u64 seen_base, sent;
	unsigned long refused, contract_bad;
	__u32 mark_seq, mark_first;
	unsigned long mark_want[HX_MAX_PORTS], mark_got[HX_MAX_PORTS];
	__u64 guard_ms;
	__u8 buf[HX_FRAME_MAX];
};

/* An end marker the router changed: it still says the marker came. */
static bool marker_like(const struct hx_run *x, const __u8 *b, size_t len)
{
	const struct hnhdr *h = (const void *)(b + HX_ETH_HLEN);

	return len >= HX_ETH_HLEN + HN_HDR_LEN + sizeof(hx_mark_text) &&
	       ntohl(h->src) == HX_MARK_SRC && ntohl(h->seq) > x->mark_first &&
	       !memcmp(h + 1, hx_mark_text, sizeof(hx_mark_text));
}

/* Read every queued captured frame into the ledger. */
static unsigned long drain(struct hx_run *x)
{
	unsigned long n = 0;
	size_t len;
	int p, rc, m;

	for (p = 0; p < x->r.nports; p++) {
		while ((rc = hx_recv(&x->cap[p], x->buf, &len)) > 0) {
			x->cap[p].got++;
			n++;
			m = hx_ledger_match(&x->led, p, x->buf, len);
			if (!m)
				x->cap[p].unexpected++;
			if (m == 2 || (!m && marker_like(x, x->buf, len)))
				x->mark_got[p]++;
		}
		if (rc < 0)
			die("capture on %s: %s", x->cap[p].dev, strerror(-rc));
	}
	return n;
}

static unsigned long outstanding(const struct hx_run *x)
{
	unsigned long most = 0;
	int p;

	for (p = 0; p < x->r.nports; p++)
		if (x->led.outstanding[p] > most)
			most = x->led.outstanding[p];
	return most;
}

static void wait_frames(struct hx_run *x, int ms)
{
	struct pollfd pfd[HX_MAX_PORTS];
	int p;

	for (p = 0; p < x->r.nports; p++) {
		pfd[p].fd = x->cap[p].fd;
		pfd[p].events = POLLIN;
	}
	poll(pfd, x->r.nports, ms);
}

/*
 * Pacing: wait until the router's XDP program has seen every frame sent so
 * far (its own counters say so), reading captures meanwhile, so neither
 * the veth rings nor the capture sockets overflow however slow the
 * machine is.  Fails only when the router stops making progress.
 */
static int pace(struct hx_run *x)
{
	__u64 target = x->seen_base + x->sent, seen, last = 0, t = now_ms();
	struct hn_dp_stats st;

	for (;;) {
		if (hn_dp_stats_sum(x->stats_fd, &st))
			die("reading the router's hn_stats: %s",
			    strerror(errno));
		seen = hx_stats_seen(&st);
		if (seen >= target)
			break;
		if (seen != last) {
			last = seen;
			t = now_ms();
		} else if (now_ms() - t > HX_STALL_MS) {
			result(false,
			       "the router's XDP saw %llu of %llu frames sent "
			       "(lost before the router: veth ring?)",
			       (unsigned long long)(seen - x->seen_base),
			       (unsigned long long)x->sent);
			return -1;
		}
		drain(x);
		wait_frames(x, 1);
	}
	drain(x);
	/*
	 * Outputs still on their way to the capture ends: let them come while
	 * they do.  Only an economy (the rings and sockets have room to
	 * spare), so a router that loses them costs at most HX_GUARD_MS a
	 * phase, not a wait per batch.
	 */
	t = now_ms();
	while (x->guard_ms < HX_GUARD_MS && outstanding(x) > 4 * HX_BATCH) {
		if (drain(x)) {
			t = now_ms();
		} else if (now_ms() - t > 50) {
			x->guard_ms += now_ms() - t;
			break;
		} else {
			wait_frames(x, 5);
		}
	}
	return 0;
}

/* Does the oracle's verdict match the hand-written expectation of @c? */
static bool contract_ok(const struct hx_run *x, const struct hx_case *c,
			const struct hx_verdict *v)
{
	int i;

	if (c->want_ctr >= 0 && !v->ctr[c->want_ctr])
		return false;
	switch (c->want_where) {
	case HX_W_NONE:
		return v->n_out == 0;
	case HX_W_ONE:
		return v->n_out == 1;
	case HX_W_FLOOD:
		if (v->n_out != x->r.nports - 1)
			return false;
		for (i = 0; i < v->n_out; i++)
			if (v->out[i].port == x->in)
				return false;
		return true;
	default:
		return true;
	}
}

static const char *where_name(enum hx_where w)
{
	static const char *const n[] = { "anywhere", "no port", "one port",
					 "every other mesh port" };

	return n[w];
}

static void contract_fail(struct hx_run *x, const struct hx_case *c,
			  const struct hx_verdict *v)
{
	if (x->contract_bad++ >= 12)
		return;
	printf("    contract: '%s' should move %s and leave by %s; the oracle "
	       "(frame.h, dataplane.h, hx_flood) says: %s, %d output(s)\n",
	       c->name, c->want_ctr >= 0 ? hx_ctr_name[c->want_ctr] : "-",
	       where_name(c->want_where), v->what, v->n_out);
}

/* One frame: the oracle, its hand-written expectation, the wire. */
static int send_case(struct hx_run *x, const struct hx_case *c,
		     struct hx_verdict *v)
{
	int rc;

	hx_oracle(&x->r, c->buf, c->len, x->in, true, v);
	if (c->name[0] && !contract_ok(x, c, v))
		contract_fail(x, c, v);
	rc = hx_send(&x->snd, c->buf, c->len);
	if (rc == -EINVAL && c->len < HX_ETH_HLEN) {
		/* the kernel will not put it on an Ethernet link at all */
		x->refused++;
		return 0;
	}
	if (rc)
		die("sending %u bytes on %s: %s", c->len, x->snd.dev,
		    strerror(-rc));
	if (hx_ledger_sent(&x->led, c, v))
		die("out of memory");
	x->sent++;
	if (!(x->sent % HX_BATCH))
		return pace(x);
	return 0;
}

/*
 * End markers: a unicast frame to the neighbour of every port (their copies
 * leave through the XDP redirect and XDP_TX queues) and one member-group
 * flood (the TC copy path).  A capture end has everything sent before
 * them once it has seen its markers: each path is first in, first out.
 */
static int send_markers(struct hx_run *x, struct hx_verdict *v)
{
	static struct hx_case c;
	struct hx_hdr h;
	int p, i;

	x->mark_first = x->mark_seq;
	for (p = 0; p <= x->r.nports; p++) {
		__u32 node = p < x->r.nports ? hx_direct_node(&x->r, p) : 0;

		if (p < x->r.nports && !node)
			continue;
		hx_hdr_default(&h, HN_T_DATA, node ? 0 : HN_F_MCAST,
			       HX_MARK_SRC, node ? node : HN_GROUP_ALL,
			       ++x->mark_seq);
		memset(&c, 0, sizeof(c));
		c.cls = "end marker";
		c.marker = true;
		hx_build(&c, &h, hx_mark_text, sizeof(hx_mark_text), 0);
		if (send_case(x, &c, v))
			return -1;
		for (i = 0; i < v->n_out; i++)
			x->mark_want[v->out[i].port]++;
	}
	return pace(x);
}

static bool markers_in(const struct hx_run *x)
{
	int p;

	for (p = 0; p < x->r.nports; p++)
		if (x->mark_got[p] < x->mark_want[p])
			return false;
	return true;
}

static int wait_markers(struct hx_run *x)
{
	__u64 t = now_ms();
	int p;

	while (!markers_in(x)) {
		if (drain(x))
			t = now_ms();
		else if (now_ms() - t > HX_STALL_MS)
			break;
		else
			wait_frames(x, 20);
	}
	drain(x);
	if (markers_in(x))
		return 0;
	printf("    end markers missing after %d s of silence:",
	       HX_STALL_MS / 1000);
	for (p = 0; p < x->r.nports; p++)
		printf(" %s %lu of %lu", x->r.port[p].name, x->mark_got[p],
		       x->mark_want[p]);
	putchar('\n');
	return -1;
}

static const char *const phase_names[] = { "classes", "truncation", "matrix",
					   "tensor",  "tagged",	    "floods",
					   "random" };
static hx_phase_fn *const phase_fns[] = {
	hx_phase_classes, hx_phase_trunc,  hx_phase_matrix,
	hx_phase_tensor,  hx_phase_tagged, hx_phase_floods,
};

static void run_phase(struct hx_run *x, int ph, unsigned long nrandom,
		      __u64 seed)
{
	static struct hx_case cs[HX_MAX_CASES];
	static struct hx_verdict v;
	const char *name = phase_names[ph];
	struct hx_counts before, after;
	struct hn_dp_stats st;
	struct hx_randgen g;
	unsigned long i, n, bad, drops = 0;
	int p, cbad;

	hx_ledger_reset(&x->led);
	x->sent = x->refused = x->contract_bad = x->guard_ms = 0;
	memset(x->mark_want, 0, sizeof(x->mark_want));
	memset(x->mark_got, 0, sizeof(x->mark_got));
	if (hx_stats_cmd(x->stats_cmd, &before) ||
	    hn_dp_stats_sum(x->stats_fd, &st))
		die("cannot read the router's counters");
	x->seen_base = hx_stats_seen(&st);
	for (p = 0; p < x->r.nports; p++)
		hx_drops(&x->cap[p]); /* zero them */
	if (ph < (int)(sizeof(phase_fns) / sizeof(phase_fns[0]))) {
		n = phase_fns[ph](&x->scn, cs, HX_MAX_CASES);
		for (i = 0; i < n; i++)
			if (send_case(x, &cs[i], &v))
				goto out;
	} else {
		n = nrandom;
		hx_random_init(&g, &x->scn, seed);
		for (i = 0; i < n; i++) {
			hx_random_frame(&g, &cs[0], i);
			if (send_case(x, &cs[0], &v))
				goto out;
		}
	}
	if (send_markers(x, &v) || wait_markers(x))
		result(false, "%s: end markers did not arrive", name);
out:
	for (p = 0; p < x->r.nports; p++)
		drops += hx_drops(&x->cap[p]);
	if (hx_stats_cmd(x->stats_cmd, &after))
		die("cannot read the router's counters");
	bad = hx_ledger_report(&x->led, name);
	result(!bad && !drops,
	       "%s: %lu frames sent%s, %lu outputs expected, %lu matched "
	       "byte for byte, %lu missing, %lu unexpected",
	       name, (unsigned long)x->sent,
	       x->refused ? " (+ lengths 0-13, refused by the kernel)" : "",
	       x->led.outs, x->led.matched, x->led.outs - x->led.matched,
	       x->led.unexpected);
	if (drops)
		result(false,
		       "%s: the capture sockets dropped %lu frames: the check "
		       "itself lost them (socket buffer), not the router",
		       name, drops);
	if (ph < (int)(sizeof(phase_fns) / sizeof(phase_fns[0])))
		result(!x->contract_bad,
		       "%s: the oracle agrees with %lu hand-written "
		       "expectations (%lu disagree)",
		       name, n - x->contract_bad, x->contract_bad);
	cbad = compare_counters(name, &before, &after, x->led.ctr, NULL);
	result(!cbad,
	       "%s: the router's counters (hnctl -j stats) %s the "
	       "oracle's (%d differ)",
	       name, cbad ? "differ from" : "match", cbad);
}

static void router_port(struct hx_run *x, const char *spec, const char *rns)
{
	char dev[IFNAMSIZ], *eq = strchr(spec, '=');
	struct hx_ep *e;
	int p = x->r.nports;

	if (!eq || eq == spec || (size_t)(eq - spec) >= sizeof(dev) ||
	    p == HX_MAX_PORTS)
		die("--port: '%s' is not DEV=NETNS:DEV", spec);
	snprintf(dev, sizeof(dev), "%.*s", (int)(eq - spec), spec);
	memcpy(x->r.port[p].name, dev, sizeof(dev));
	if (hx_dev_mac(rns, dev, x->r.port[p].mac))
		die("no port %s in namespace %s", dev, rns);
	e = &x->cap[p];
	split_ns_dev(eq + 1, e->ns, sizeof(e->ns), e->dev, sizeof(e->dev),
		     "port");
	e->port = p;
	x->r.nports++;
}

/* An option whose value is kept as given. */
struct str_opt {
	int c;
	const char **v;
};

/* Option @c into its place in @t; false if @t does not have it. */
static bool set_str_opt(const struct str_opt *t, size_t n, int c)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (t[i].c == c) {
			*t[i].v = optarg;
			return true;
		}
	}
	return false;
}

/* An option that may come up to max times, each value kept in list. */
struct list_opt {
	int c;
	char **list;
	int *n, max;
};

/* Option @c appended to its list in @t (past max: dropped); false if no @c. */
static bool add_list_opt(const struct list_opt *t, size_t n, int c)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (t[i].c != c)
			continue;
		if (*t[i].n < t[i].max)
			t[i].list[(*t[i].n)++] = optarg;
		return true;
	}
	return false;
}

/* hn-hostile router's command line */
struct router_args {
	const char *rns, *pins, *hnctl, *only;
	char *ports[HX_MAX_PORTS], *neigh[64], *route[64], *task[32];
	int np, nn, nr, nt;
	unsigned long nrandom;
	__u32 groups[HX_MAX_GROUPS], ng, node;
	__u64 seed;
	bool have_seed;
};

static int router_args(int argc, char **argv, struct router_args *a)
{
	static const struct option opts[] = {
		{ "router-ns", required_argument, NULL, 'R' },
		{ "pins", required_argument, NULL, 'P' },
		{ "hnctl", required_argument, NULL, 'H' },
		{ "node", required_argument, NULL, 'n' },
		{ "port", required_argument, NULL, 'p' },
		{ "neigh", required_argument, NULL, 'N' },
		{ "route", required_argument, NULL, 'r' },
		{ "task", required_argument, NULL, 't' },
		{ "group", required_argument, NULL, 'g' },
		{ "seed", required_argument, NULL, 's' },
		{ "frames", required_argument, NULL, 'f' },
		{ "only", required_argument, NULL, 'o' },
		{ 0 }
	};
	const struct str_opt strs[] = {
		{ 'R', &a->rns },
		{ 'P', &a->pins },
		{ 'H', &a->hnctl },
		{ 'o', &a->only },
	};
	const struct list_opt lists[] = {
		{ 'p', a->ports, &a->np, HX_MAX_PORTS },
		{ 'N', a->neigh, &a->nn, 64 },
		{ 'r', a->route, &a->nr, 64 },
		{ 't', a->task, &a->nt, 32 },
	};
	int c;

	a->nrandom = 100000;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (set_str_opt(strs, sizeof(strs) / sizeof(strs[0]), c) ||
		    add_list_opt(lists, sizeof(lists) / sizeof(lists[0]), c))
			continue;
		switch (c) {
		case 'n':
			a->node = strtoul(optarg, NULL, 0);
			break;
		case 'g':
			if (a->ng < HX_MAX_GROUPS)
				a->groups[a->ng++] = strtoul(optarg, NULL, 0);
			break;
		case 's':
			a->seed = strtoull(optarg, NULL, 0);
			a->have_seed = true;
			break;
		case 'f':
			a->nrandom = strtoul(optarg, NULL, 0);
			break;
		default:
			return 2;
		}
	}
	return 0;
}

/* What the router was told, for the oracle. */
static void router_config(struct hx_run *x, const struct router_args *a)
{
	int i;

	if (hx_router_init(&x->r, "R", a->node))
		die("out of memory");
	for (i = 0; i < a->np; i++)
		router_port(x, a->ports[i], a->rns);
	for (i = 0; i < a->nn; i++)
		if (hx_parse_neigh(&x->r, a->neigh[i]))
			die("--neigh '%s': not hnctl's IDX node N dev DEV "
			    "mac MAC",
			    a->neigh[i]);
	for (i = 0; i < a->nr; i++)
		if (hx_parse_route(&x->r, a->route[i]))
			die("--route '%s': not hnctl's DST via IDX[:HOPS]...",
			    a->route[i]);
	for (i = 0; i < a->nt; i++)
		if (hx_parse_task(&x->r, a->task[i]))
			die("--task '%s': not hnctl's ID host N...",
			    a->task[i]);
	for (i = 0; i < (int)a->ng; i++)
		hx_add_group(&x->r, a->groups[i]);
}

/* Capture on every port, send on the first, read the router's counters. */
static int router_open(struct hx_run *x, const struct router_args *a)
{
	int p;

	for (p = 0; p < x->r.nports; p++)
		if (hx_ep_open(&x->cap[p], true))
			die("cannot capture on %s:%s", x->cap[p].ns,
			    x->cap[p].dev);
	x->in = 0;
	x->snd = x->cap[0];
	if (hx_ep_open(&x->snd, false))
		die("cannot send on %s:%s", x->snd.ns, x->snd.dev);
	x->stats_fd = hx_stats_open(a->pins);
	if (x->stats_fd < 0)
		return 2;
	snprintf(x->stats_cmd, sizeof(x->stats_cmd),
		 "ip netns exec '%s' '%s' -P '%s' -j stats", a->rns, a->hnctl,
		 a->pins);
	if (hx_ledger_init(&x->led, &x->r))
		die("out of memory");
	x->scn.r = &x->r;
	x->scn.in = x->in;
	x->scn.node = a->node;
	for (p = 0; p < x->r.nports; p++)
		x->scn.to_port[p] = hx_direct_node(&x->r, p);
	return 0;
}

static int cmd_router(int argc, char **argv)
{
	static struct router_args a;
	static struct hx_run x;
	int i;

	if (router_args(argc, argv, &a))
		return 2;
	if (!a.rns || !a.pins || !a.hnctl || !a.node || a.np < 2)
		die("router: --router-ns, --pins, --hnctl, --node and two "
		    "--port or more are required");
	if (!a.have_seed)
		a.seed = (__u64)time(NULL) * 1000003ULL ^ getpid();
	printf("seed %llu (again with HN_HOSTILE_SEED=%llu)\n",
	       (unsigned long long)a.seed, (unsigned long long)a.seed);
	router_config(&x, &a);
	if (router_open(&x, &a))
		return 2;
	for (i = 0; i < (int)(sizeof(phase_names) / sizeof(phase_names[0]));
	     i++) {
		if (a.only && !strstr(a.only, phase_names[i]))
			continue;
		run_phase(&x, i, a.nrandom, a.seed);
	}
	hx_ledger_free(&x.led);
	hx_router_free(&x.r);
	printf("hn-hostile router: %d check(s) failed (seed %llu)\n", failures,
	       (unsigned long long)a.seed);
	return failures ? 1 : 0;
}

/* ======================= floods in loops of routers ======================= */

struct hx_peer {
	int router, port; /* router port on the other end, or -1 */
	int host; /* host on the other end, or -1 */
};

struct hx_loop {
	int nr, nh;
	struct hx_router r[HX_MAX_ROUTERS];
	char ns[HX_MAX_ROUTERS][64];
	char pins[HX_MAX_ROUTERS][512];
	int stats_fd[HX_MAX_ROUTERS];
	char stats_cmd[HX_MAX_ROUTERS][1024];
	struct hx_peer peer[HX_MAX_ROUTERS][HX_MAX_PORTS];
	struct hx_ep host[HX_MAX_HOSTS];
	/* the oracle's copies at each host */
	int nsim[HX_MAX_HOSTS];
	struct hx_out sim[HX_MAX_HOSTS][16];
	__u64 sim_ctr[HX_MAX_ROUTERS][HX_NCTR];
	unsigned long sim_events;
	/* what the hosts captured */
	struct hx_out cap[HX_MAX_HOSTS][HX_LOOP_KEEP];
	__u8 capbuf[HX_FRAME_MAX];
};

static int loop_router(struct hx_loop *l, const char *name)
{
	int i;

	for (i = 0; i < l->nr; i++)
		if (!strcmp(l->r[i].name, name))
			return i;
	die("no router named '%s' (give --router first)", name);
}

/* "R/DEV": that router's port, added on first sight. */
static void loop_port(struct hx_loop *l, const char *spec, int *ri, int *pi)
{
	char rn[32], dev[IFNAMSIZ];
	const char *sl = strchr(spec, '/');
	struct hx_router *r;

	if (!sl || sl == spec || (size_t)(sl - spec) >= sizeof(rn) ||
	    strlen(sl + 1) >= sizeof(dev) || !sl[1])
		die("'%s' is not ROUTER/DEV", spec);
	snprintf(rn, sizeof(rn), "%.*s", (int)(sl - spec), spec);
	snprintf(dev, sizeof(dev), "%s", sl + 1);
	*ri = loop_router(l, rn);
	r = &l->r[*ri];
	*pi = hx_port_index(r, dev);
	if (*pi >= 0)
		return;
	if (r->nports == HX_MAX_PORTS)
		die("too many ports on %s", rn);
	*pi = r->nports++;
	snprintf(r->port[*pi].name, sizeof(r->port[*pi].name), "%s", dev);
	if (hx_dev_mac(l->ns[*ri], dev, r->port[*pi].mac))
		die("no port %s in namespace %s", dev, l->ns[*ri]);
	l->peer[*ri][*pi] = (struct hx_peer){ -1, -1, -1 };
}

/*
 * The oracle over the whole loop: every output is delivered to the other
 * end, first in, first out.  The order is one the network may take; the
 * checks below only rely on what every order shares.
 */
static void loop_simulate(struct hx_loop *l, const __u8 *f, size_t len, int r0,
			  int p0)
{
	struct ev {
		int r, p;
		__u16 len;
		__u8 buf[HX_FRAME_MAX];
	} * q;
	static struct hx_verdict v;
	size_t head = 0, tail = 0, cap = 4096;
	int i, j;

	q = malloc(cap * sizeof(*q));
	if (!q)
		die("out of memory");
	q[tail].r = r0;
	q[tail].p = p0;
	q[tail].len = len;
	memcpy(q[tail++].buf, f, len);
	while (head < tail) {
		struct ev *e = &q[head++ % cap];

		l->sim_events++;
		hx_oracle(&l->r[e->r], e->buf, e->len, e->p, true, &v);
		for (j = 0; j < HX_NCTR; j++)
			l->sim_ctr[e->r][j] += v.ctr[j];
		for (i = 0; i < v.n_out; i++) {
			const struct hx_peer *pe;

			pe = &l->peer[e->r][v.out[i].port];

			if (pe->host >= 0) {
				if (l->nsim[pe->host] < 16)
					l->sim[pe->host][l->nsim[pe->host]++] =
						v.out[i];
				continue;
			}
			if (pe->router < 0 || tail - head >= cap - 1 ||
			    l->sim_events > 100000)
				continue;
			q[tail % cap].r = pe->router;
			q[tail % cap].p = pe->port;
			q[tail % cap].len = v.out[i].len;
			memcpy(q[tail % cap].buf, v.out[i].buf, v.out[i].len);
			tail++;
		}
	}
	free(q);
}

struct loop_tot {
	__u64 in, out, cap;
	unsigned long got[HX_MAX_HOSTS];
};

/* Frames counted into routers and hosts against frames counted out. */
static void loop_totals(struct hx_loop *l, struct loop_tot *t)
{
	struct hn_dp_stats st;
	int i;

	t->in = t->out = t->cap = 0;
	for (i = 0; i < l->nr; i++) {
		if (hn_dp_stats_sum(l->stats_fd[i], &st))
			die("reading %s's hn_stats: %s", l->r[i].name,
			    strerror(errno));
		t->in += st.rx + st.pass_other;
		t->out += st.tc_clone + st.fwd_redirect + st.fwd_tx +
			  st.mcast_fwd * (l->r[i].nports - 1);
	}
	for (i = 0; i < l->nh; i++) {
		t->got[i] = l->host[i].got;
		t->cap += l->host[i].got;
	}
}

/* TTL's offset in frame @f: after the tags it carries. */
static size_t ttl_at(const __u8 *f, size_t len)
{
	size_t o = 12;

	while (o + 2 <= len && (f[o] << 8 | f[o + 1]) != ETH_P_HYPERNET &&
	       o < 24)
		o += 4;
	return o + 2 + 3;
}

/* Captured at a host: every frame, for the comparison after settling. */
static void loop_drain(struct hx_loop *l)
{
	size_t len;
	int i, rc;

	for (i = 0; i < l->nh; i++) {
		struct hx_ep *e = &l->host[i];

		while ((rc = hx_recv(e, l->capbuf, &len)) > 0) {
			if (e->got < HX_LOOP_KEEP) {
				l->cap[i][e->got].len = len;
				memcpy(l->cap[i][e->got].buf, l->capbuf, len);
			}
			e->got++;
		}
		if (rc < 0)
			die("capture on %s: %s", e->dev, strerror(-rc));
	}
}

/*
 * Wait until every frame counted out of a router or a host has been counted
 * into one (and the oracle's copies have arrived), unchanged for a moment:
 * causal, not a fixed time, so a slow machine only waits longer.
 */
static bool loop_settle(struct hx_loop *l, const struct loop_tot *t0)
{
	struct loop_tot t, last;
	bool enough;
	__u64 since = now_ms();
	int i;

	memset(&last, 0xff, sizeof(last));
	for (;;) {
		loop_drain(l);
		loop_totals(l, &t);
		for (enough = true, i = 0; i < l->nh; i++)
			if (t.got[i] < (unsigned long)l->nsim[i])
				enough = false;
		if (memcmp(&t, &last, sizeof(t))) {
			last = t;
			since = now_ms();
		} else if (1 + t.out - t0->out == t.in - t0->in + t.cap &&
			   enough && now_ms() - since >= 50) {
			return true;
		} else if (now_ms() - since > HX_STALL_MS / 2) {
			printf("    not settled: %llu frames counted into "
			       "routers and %llu into hosts, 1 + %llu out\n",
			       (unsigned long long)(t.in - t0->in),
			       (unsigned long long)t.cap,
			       (unsigned long long)(t.out - t0->out));
			return false;
		}
		poll(NULL, 0, 2);
	}
}

/* Host @i's copies against the oracle's, TTL aside (paths differ). */
static int loop_check_host(struct hx_loop *l, int i, __u8 ttl0)
{
	struct hx_ep *e = &l->host[i];
	bool used[16] = { 0 };
	unsigned long long k;
	int j, bad = 0;

	if (e->got != (unsigned long)l->nsim[i]) {
		printf("    host %s: %llu copies, the oracle expects %d\n",
		       e->name, e->got, l->nsim[i]);
		bad++;
	}
	for (k = 0; k < e->got && k < HX_LOOP_KEEP; k++) {
		const struct hx_out *c = &l->cap[i][k];
		size_t o = ttl_at(c->buf, c->len);

		for (j = 0; j < l->nsim[i]; j++) {
			const struct hx_out *s = &l->sim[i][j];

			if (used[j] || s->len != c->len || o >= c->len ||
			    memcmp(s->buf, c->buf, o) ||
			    memcmp(s->buf + o + 1, c->buf + o + 1,
				   c->len - o - 1) ||
			    c->buf[o] > s->buf[o] || c->buf[o] + l->nr < ttl0)
				continue;
			used[j] = true;
			break;
		}
		if (j < l->nsim[i])
			continue;
		bad++;
		if (k < 4)
			printf("    host %s: copy %llu (%zu bytes, TTL %u) is "
			       "none the oracle expects\n",
			       e->name, k + 1, (size_t)c->len,
			       o < c->len ? c->buf[o] : 0);
	}
	return bad;
}

static int loop_check_counters(struct hx_loop *l,
			       const struct hx_counts *before,
			       const struct hx_counts *after)
{
	/* which router sees a copy first depends on timing: sums only */
	static const int sum_only[] = { HX_C_RX, HX_C_MCAST_DUP, HX_C_MCAST_OLD,
					HX_C_MCAST_BUSY, HX_C_MCAST_JUMP };
	bool order_free[HX_NCTR] = { 0 };
	char what[64];
	int i, j, bad = 0;

	for (j = 0; j < (int)(sizeof(sum_only) / sizeof(sum_only[0])); j++)
		order_free[sum_only[j]] = true;
	for (i = 0; i < l->nr; i++) {
		snprintf(what, sizeof(what), "router %s", l->r[i].name);
		bad += compare_counters(what, &before[i], &after[i],
					l->sim_ctr[i], order_free);
	}
	for (j = 0; j < (int)(sizeof(sum_only) / sizeof(sum_only[0])); j++) {
		int c = sum_only[j];
		__u64 got = 0, want = 0;

		if (c == HX_C_MCAST_BUSY)
			continue;
		for (i = 0; i < l->nr; i++) {
			want += l->sim_ctr[i][c];
			if (after[i].have[c])
				got += delta(&before[i], &after[i], c);
			/* a lost cmpxchg race drops like a duplicate */
			if (c == HX_C_MCAST_DUP)
				got += delta(&before[i], &after[i],
					     HX_C_MCAST_BUSY);
		}
		if (got != want) {
			printf("    all routers: %s +%llu, the oracle expects "
			       "+%llu\n",
			       hx_ctr_name[c], (unsigned long long)got,
			       (unsigned long long)want);
			bad++;
		}
	}
	return bad;
}

/* --router NAME=NETNS:PINDIR:NODE */
static int loop_opt_router(struct hx_loop *l, char *arg)
{
	char *eq = strchr(arg, '=');
	char *p1 = eq ? strchr(eq + 1, ':') : NULL;
	char *p2 = p1 ? strrchr(p1 + 1, ':') : NULL;

	if (!p2 || eq == arg || l->nr == HX_MAX_ROUTERS)
		die("--router '%s' is not NAME=NETNS:PINS:NODE", arg);
	*eq = *p1 = *p2 = 0;
	if (hx_router_init(&l->r[l->nr], arg, strtoul(p2 + 1, NULL, 0)))
		die("out of memory");
	snprintf(l->ns[l->nr], sizeof(l->ns[0]), "%s", eq + 1);
	snprintf(l->pins[l->nr], sizeof(l->pins[0]), "%s", p1 + 1);
	l->stats_fd[l->nr] = hx_stats_open(p1 + 1);
	if (l->stats_fd[l->nr] < 0)
		return 2;
	l->nr++;
	return 0;
}

/* --link R/DEV=R/DEV */
static void loop_opt_link(struct hx_loop *l, char *arg)
{
	char *eq = strchr(arg, '=');
	int ri, pi, rj, pj;

	if (!eq)
		die("--link '%s' is not R/DEV=R/DEV", arg);
	*eq = 0;
	loop_port(l, arg, &ri, &pi);
	loop_port(l, eq + 1, &rj, &pj);
	l->peer[ri][pi] = (struct hx_peer){ rj, pj, -1 };
	l->peer[rj][pj] = (struct hx_peer){ ri, pi, -1 };
}

/* --host NAME=NETNS:DEV@R/DEV */
static void loop_opt_host(struct hx_loop *l, char *arg)
{
	char *eq = strchr(arg, '=');
	char *at = eq ? strchr(eq, '@') : NULL;
	struct hx_ep *e = &l->host[l->nh];
	int ri, pi;

	if (!at || l->nh == HX_MAX_HOSTS)
		die("--host '%s' is not NAME=NETNS:DEV@R/DEV", arg);
	*eq = *at = 0;
	snprintf(e->name, sizeof(e->name), "%s", arg);
	split_ns_dev(eq + 1, e->ns, sizeof(e->ns), e->dev, sizeof(e->dev),
		     "host");
	loop_port(l, at + 1, &ri, &pi);
	l->peer[ri][pi] = (struct hx_peer){ -1, -1, l->nh };
	e->router = ri;
	e->port = pi;
	l->nh++;
}

/* A topology option (--router, --link, --host) into @l: 0, else 2. */
static int loop_opt(struct hx_loop *l, int c)
{
	if (c == 'R')
		return loop_opt_router(l, optarg) ? 2 : 0;
	if (c == 'l')
		loop_opt_link(l, optarg);
	else if (c == 'h')
		loop_opt_host(l, optarg);
	else
		return 2;
	return 0;
}

/* hn-hostile loop's command line */
struct loop_args {
	const char *hnctl, *frame, *name;
	__u64 seed;
};

static int loop_args(int argc, char **argv, struct hx_loop *l,
		     struct loop_args *a)
{
	static const struct option opts[] = {
		{ "hnctl", required_argument, NULL, 'H' },
		{ "router", required_argument, NULL, 'R' },
		{ "link", required_argument, NULL, 'l' },
		{ "host", required_argument, NULL, 'h' },
		{ "frame", required_argument, NULL, 'F' },
		{ "seed", required_argument, NULL, 's' },
		{ "name", required_argument, NULL, 'n' },
		{ 0 }
	};
	const struct str_opt strs[] = {
		{ 'H', &a->hnctl },
		{ 'n', &a->name },
		{ 'F', &a->frame },
	};
	int c;

	a->frame = "data";
	a->name = "loop";
	a->seed = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (set_str_opt(strs, sizeof(strs) / sizeof(strs[0]), c))
			continue;
		if (c == 's')
			a->seed = strtoull(optarg, NULL, 0);
		else if (loop_opt(l, c))
			return 2;
	}
	return 0;
}

/* Capture at every host; @snd sends from the first. */
static void loop_open(struct hx_loop *l, const char *hnctl, struct hx_ep *snd)
{
	int i;

	for (i = 0; i < l->nr; i++)
		snprintf(l->stats_cmd[i], sizeof(l->stats_cmd[0]),
			 "ip netns exec '%s' '%s' -P '%s' -j stats", l->ns[i],
			 hnctl, l->pins[i]);
	for (i = 0; i < l->nh; i++)
		if (hx_ep_open(&l->host[i], true))
			die("cannot capture on %s:%s", l->host[i].ns,
			    l->host[i].dev);
	*snd = l->host[0];
	if (hx_ep_open(snd, false))
		die("cannot send on %s:%s", snd->ns, snd->dev);
}

/* One flood with TTL 255 from the first host, a source of its own. */
static void loop_flood(struct hx_case *fc, const struct loop_args *a)
{
	struct hx_hdr h;
	__u64 src;
	int i;

	for (src = a->seed, i = 0; a->name[i]; i++)
		src = (src ^ (__u8)a->name[i]) * 0x100000001b3ULL;
	hx_hdr_default(&h, HN_T_DATA, HN_F_MCAST,
		       0x50000000U | (__u32)((src ^ src >> 32) & 0xffffff),
		       HN_GROUP_ALL, 1);
	h.ttl = 255;
	memset(fc, 0, sizeof(*fc));
	hx_build(fc, &h, "hn-hostile: one flood into a loop of routers", 44,
		 (__u32)a->seed);
	if (!strcmp(a->frame, "dot1q"))
		hx_tag(fc, 0x8100, 5);
	else if (!strcmp(a->frame, "dot1ad"))
		hx_tag(fc, 0x88a8, 7);
	else if (strcmp(a->frame, "data"))
		die("--frame: data, dot1q or dot1ad, not '%s'", a->frame);
}

/* The verdicts: settled, copies at the hosts, every router's counters. */
static void loop_report(struct hx_loop *l, const struct loop_args *a,
			bool settled, const struct hx_counts *before,
			const struct hx_counts *after)
{
	unsigned long drops;
	char got[256];
	int c, i, bad;
	size_t n;

	result(settled, "%s: settled (every frame counted out was counted in)",
	       a->name);
	for (drops = 0, i = 0; i < l->nh; i++)
		drops += hx_drops(&l->host[i]);
	if (drops)
		result(false,
		       "%s: the capture sockets dropped %lu frames: the check "
		       "itself lost them (socket buffer), not the routers",
		       a->name, drops);
	for (bad = 0, i = 0; i < l->nh; i++)
		bad += loop_check_host(l, i, 255);
	for (n = 0, i = 0; i < l->nh; i++)
		n += snprintf(got + n, sizeof(got) - n, "%s%s %llu/%d",
			      i ? ", " : "", l->host[i].name, l->host[i].got,
			      l->nsim[i]);
	result(!bad,
	       "%s: %s flood with TTL 255 from %s: copies at the hosts "
	       "as the oracle says (%s)",
	       a->name, a->frame, l->host[0].name, got);
	bad = loop_check_counters(l, before, after);
	result(!bad,
	       "%s: every router's counters as the oracle says "
	       "(%d differ)",
	       a->name, bad);
	for (i = 0; i < l->nr; i++) {
		printf("    %s:", l->r[i].name);
		for (c = 0; c < HX_NCTR; c++)
			if (after[i].have[c] && delta(&before[i], &after[i], c))
				printf(" %s +%llu", hx_ctr_name[c],
				       (unsigned long long)delta(&before[i],
								 &after[i], c));
		putchar('\n');
	}
}

static int cmd_loop(int argc, char **argv)
{
	static struct hx_loop l;
	static struct hx_case fc;
	static struct hx_counts before[HX_MAX_ROUTERS], after[HX_MAX_ROUTERS];
	struct loop_args a = {};
	struct loop_tot t0;
	struct hx_ep snd;
	bool settled;
	int i;

	if (loop_args(argc, argv, &l, &a))
		return 2;
	if (!a.hnctl || l.nr < 1 || l.nh < 1)
		die("loop: --hnctl, --router and --host are required");
	loop_open(&l, a.hnctl, &snd);
	loop_flood(&fc, &a);
	loop_simulate(&l, fc.buf, fc.len, l.host[0].router, l.host[0].port);

	for (i = 0; i < l.nr; i++)
		if (hx_stats_cmd(l.stats_cmd[i], &before[i]))
			die("cannot read %s's counters", l.r[i].name);
	loop_totals(&l, &t0);
	if (hx_send(&snd, fc.buf, fc.len))
		die("sending the flood on %s: %s", snd.dev, strerror(errno));
	settled = loop_settle(&l, &t0);
	for (i = 0; i < l.nr; i++)
		if (hx_stats_cmd(l.stats_cmd[i], &after[i]))
			die("cannot read %s's counters", l.r[i].name);
	loop_report(&l, &a, settled, before, after);
	for (i = 0; i < l.nr; i++)
		hx_router_free(&l.r[i]);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fprintf(stderr, "usage: hn-hostile router|loop OPTIONS "
				"(see tools/hn-hostile/main.c)\n");
		return argc < 2 ? 2 : 0;
	}
	hx_xdp_meta = hn_dp_kernel_xdp_meta();
	if (!strcmp(argv[1], "router"))
		return cmd_router(argc - 1, argv + 1);
	if (!strcmp(argv[1], "loop"))
		return cmd_loop(argc - 1, argv + 1);
	die("unknown command '%s': router or loop", argv[1]);
}
