// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The cut chooser of split inference (cut.h has the formula).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/hypernet_packet.h>

#include "cut.h"

/* Time to move @bytes over @h's path, one way. */
static double transfer_ns(const struct hn_cut_host *h, uint32_t bytes)
{
	return 8.0 * bytes / h->bps * 1e9 + h->delay_ns;
}

/* The host's time for cut @c's rest, load-scaled; < 0 if unknown. */
static double remote_ns(const struct hn_cut_point *p,
			const struct hn_cut_host *h, int c)
{
	double s = h->ns[c], rho = h->busy_pm / 1000.0;

	if (!s)
		s = h->ns_per_mac * p->after;
	if (s <= 0)
		return -1;
	if (rho > HN_CUT_RHO_MAX)
		rho = HN_CUT_RHO_MAX;
	return s * (1.0 + h->queue + rho / (1.0 - rho));
}

static uint64_t total_macs(const struct hn_cut_table *t)
{
	/* any cut splits the same model: before + after of the first */
	return t->cut[0].before + t->cut[0].after;
}

double hn_cut_model(const struct hn_cut_input *in, int cut,
		    const struct hn_cut_host *h)
{
	const struct hn_cut_table *t = in->table;
	const struct hn_cut_point *p;
	double r;

	if (cut == HN_CUT_LOCAL)
		return total_macs(t) * in->edge_ns_per_mac;
	if (cut < 0 || (unsigned int)cut >= t->n || !h)
		return -1;
	p = &t->cut[cut];
	if (!h->node || !h->up || !(h->bps > 0) || !(h->hosts & (1U << cut)) ||
	    (in->private && !p->before))
		return -1;
	r = remote_ns(p, h, cut);
	if (r < 0)
		return -1;
	return p->before * in->edge_ns_per_mac + transfer_ns(h, p->bytes) + r +
	       transfer_ns(h, t->result_bytes);
}

static struct hn_cut_obs *obs_find(struct hn_cut_state *st, uint32_t node,
				   int cut)
{
	unsigned int i;

	for (i = 0; i < HN_CUT_MAX_OBS; i++)
		if (st->obs[i].at_ns && st->obs[i].node == node &&
		    st->obs[i].cut == cut)
			return &st->obs[i];
	return NULL;
}

/* The pair's bias at @now: halved every HN_CUT_BIAS_HALF_NS since seen. */
static double bias_ns(struct hn_cut_state *st, uint32_t node, int cut,
		      uint64_t now)
{
	const struct hn_cut_obs *o = obs_find(st, node, cut);
	double age;

	if (!o)
		return 0;
	age = now > o->at_ns ? (double)(now - o->at_ns) : 0;
	return o->bias_ns * exp2(-age / HN_CUT_BIAS_HALF_NS);
}

/* Fill @c for (@cut, @h) if admissible: 1, else 0. */
static int candidate(struct hn_cut_state *st, const struct hn_cut_input *in,
		     int cut, const struct hn_cut_host *h,
		     struct hn_cut_choice *c)
{
	double m = hn_cut_model(in, cut, h);

	if (m < 0)
		return 0;
	c->cut = cut;
	c->node = h ? h->node : 0;
	c->model_ns = m;
	c->est_ns = m + bias_ns(st, c->node, cut, in->now_ns);
	if (c->est_ns < 0)
		c->est_ns = 0;
	c->probe = false;
	return 1;
}

static struct hn_cut_susp *susp_find(const struct hn_cut_state *st,
				     uint32_t node)
{
	unsigned int i;

	for (i = 0; node && i < HN_CUT_MAX_SUSP; i++)
		if (st->susp[i].node == node)
			return (struct hn_cut_susp *)&st->susp[i];
	return NULL;
}

bool hn_cut_suspected(const struct hn_cut_state *st, uint32_t node)
{
	return susp_find(st, node);
}

/* How usable a host is, in order: the least usable of a path counts. */
enum { H_NO, H_PROBE, H_YES };

/*
 * Whether @h may get an image at @now: H_YES, H_NO (suspected), or
 * H_PROBE (suspected, a probe is due).  A fresh advertisement ends the
 * suspicion.
 */
static int host_usable(struct hn_cut_state *st, const struct hn_cut_host *h,
		       uint64_t now)
{
	struct hn_cut_susp *s = susp_find(st, h->node);

	if (!s)
		return H_YES;
	if (!s->adv_set) {
		s->adv = h->adv;
		s->adv_set = true;
	} else if (h->adv != s->adv) {
		memset(s, 0, sizeof(*s));
		st->revivals++;
		return H_YES;
	}
	return s->probing || now < s->next_ns ? H_NO : H_PROBE;
}

/* The only host of cut @j's stage among @n in @in: its index, or -1. */
static int sole_host(const struct hn_cut_input *in, unsigned int n,
		     unsigned int j)
{
	unsigned int i;
	int one = -1;

	for (i = 0; i < n; i++) {
		if (!in->host[i].node || !in->host[i].up ||
		    !(in->host[i].hosts & (1U << j)))
			continue;
		if (one >= 0)
			return -1;
		one = i;
	}
	return one;
}

/*
 * @c (a cut at host @hi) into its path: the only host of each later
 * stage that the host does not run itself, which the rest must pass.
 * Returns the least usable of the host and its path (@use: each host's).
 */
static int path_of(const struct hn_cut_input *in, unsigned int n,
		   const int *use, unsigned int hi, struct hn_cut_choice *c)
{
	const struct hn_cut_host *h = &in->host[hi];
	unsigned int j, k;
	int u = use[hi], one;

	c->n_path = 0;
	for (j = c->cut + 1; j < in->table->n; j++) {
		one = (h->hosts & (1U << j)) ? -1 : sole_host(in, n, j);
		if (one < 0)
			continue;
		for (k = 0; k < c->n_path; k++)
			if (c->path[k] == in->host[one].node)
				break;
		if (k == c->n_path)
			c->path[c->n_path++] = in->host[one].node;
		if (use[one] < u)
			u = use[one];
	}
	return u;
}

/* @a is better than @b by more than the hysteresis. */
static bool clearly_better(const struct hn_cut_choice *a,
			   const struct hn_cut_choice *b)
{
	return a->est_ns * 1000 < b->est_ns * (1000 - HN_CUT_HYST_PM);
}

/* Node @i of @c's host and path (0: the host), or 0 past the end. */
static uint32_t node_at(const struct hn_cut_choice *c, unsigned int i)
{
	if (!i)
		return c->node;
	return i <= c->n_path ? c->path[i - 1] : 0;
}

/* @probe instead of @best, if it is clearly better: 1, else 0. */
static int take_probe(struct hn_cut_state *st, const struct hn_cut_choice *best,
		      struct hn_cut_choice *probe)
{
	struct hn_cut_susp *s;
	unsigned int i;

	if (!probe->node || !clearly_better(probe, best))
		return 0;
	for (i = 0; node_at(probe, i); i++) {
		s = susp_find(st, node_at(probe, i));
		if (s)
			s->probing = true;
	}
	probe->probe = true;
	st->probes++;
	return 1;
}

/* Each host's use in @use; how many hosts. */
static unsigned int hosts_usable(struct hn_cut_state *st,
				 const struct hn_cut_input *in, int *use)
{
	unsigned int i, n = in->n_host;

	if (n > HN_CUT_MAX_HOSTS)
		n = HN_CUT_MAX_HOSTS;
	for (i = 0; i < n; i++)
		use[i] = host_usable(st, &in->host[i], in->now_ns);
	return n;
}

void hn_cut_choose(struct hn_cut_state *st, const struct hn_cut_input *in,
		   struct hn_cut_choice *out)
{
	struct hn_cut_choice best, c, cur = { .node = 0 },
				      probe = { .node = 0 };
	int k, u, use[HN_CUT_MAX_HOSTS];
	unsigned int i, n = hosts_usable(st, in, use);
	bool have_cur = false;

	candidate(st, in, HN_CUT_LOCAL, NULL, &best);
	for (i = 0; i < n; i++) {
		for (k = 0; k < (int)in->table->n; k++) {
			if (!candidate(st, in, k, &in->host[i], &c))
				continue;
			u = path_of(in, n, use, i, &c);
			if (u == H_NO)
				continue;
			if (u == H_PROBE) {
				if (!probe.node || c.est_ns < probe.est_ns)
					probe = c;
				continue;
			}
			if (c.est_ns < best.est_ns)
				best = c;
			if (st->have_cur && c.node == st->cur.node &&
			    k == st->cur.cut) {
				cur = c;
				have_cur = true;
			}
		}
	}
	if (st->have_cur && st->cur.cut == HN_CUT_LOCAL)
		have_cur = candidate(st, in, HN_CUT_LOCAL, NULL, &cur);
	/* keep the current choice unless another is clearly better */
	if (have_cur && !clearly_better(&best, &cur))
		best = cur;
	if (take_probe(st, &best, &probe)) {
		*out = probe;
		return;
	}
	if (!st->have_cur || best.cut != st->cur.cut ||
	    best.node != st->cur.node)
		st->switches += st->have_cur;
	st->cur = best;
	st->have_cur = true;
	*out = best;
}

void hn_cut_observe(struct hn_cut_state *st, const struct hn_cut_choice *c,
		    double measured_ns, uint64_t now_ns)
{
	struct hn_cut_obs *o = obs_find(st, c->node, c->cut);
	double d = measured_ns - c->model_ns, b;
	struct hn_cut_susp *s;
	unsigned int i;

	if (!now_ns)
		now_ns = 1; /* at_ns 0 marks a free slot */
	if (!o) {
		/* a free slot, else the one observed longest ago */
		o = &st->obs[0];
		for (i = 0; i < HN_CUT_MAX_OBS; i++) {
			if (!st->obs[i].at_ns) {
				o = &st->obs[i];
				break;
			}
			if (st->obs[i].at_ns < o->at_ns)
				o = &st->obs[i];
		}
		memset(o, 0, sizeof(*o));
		o->node = c->node;
		o->cut = c->cut;
		o->bias_ns = d;
	} else {
		b = bias_ns(st, c->node, c->cut, now_ns);
		o->bias_ns = b + HN_CUT_EWMA * (d - b);
	}
	o->at_ns = now_ns;
	o->n++;
	/* an answer: its host and the path it took live */
	for (i = 0; node_at(c, i); i++) {
		s = susp_find(st, node_at(c, i));
		if (s) {
			memset(s, 0, sizeof(*s));
			st->revivals++;
		}
	}
}

/* No answer by @now through @node (@probe: a probe's): suspected. */
static void suspect(struct hn_cut_state *st, uint32_t node, bool probe,
		    uint64_t now)
{
	struct hn_cut_susp *s = susp_find(st, node);
	unsigned int i;

	if (s) {
		/* an image sent before the suspicion adds nothing */
		if (!probe || !s->probing)
			return;
		s->probing = false;
		s->backoff_ns *= 2;
		if (s->backoff_ns > HN_CUT_PROBE_MAX_NS)
			s->backoff_ns = HN_CUT_PROBE_MAX_NS;
		s->next_ns = now + s->backoff_ns;
		return;
	}
	/* a free slot, else the one whose probe is due last */
	s = &st->susp[0];
	for (i = 0; i < HN_CUT_MAX_SUSP; i++) {
		if (!st->susp[i].node) {
			s = &st->susp[i];
			break;
		}
		if (st->susp[i].next_ns > s->next_ns)
			s = &st->susp[i];
	}
	memset(s, 0, sizeof(*s));
	s->node = node;
	s->backoff_ns = HN_CUT_PROBE_MIN_NS;
	s->next_ns = now + s->backoff_ns;
	st->suspicions++;
}

void hn_cut_timeout(struct hn_cut_state *st, const struct hn_cut_choice *c,
		    uint64_t now_ns)
{
	unsigned int i;

	for (i = 0; node_at(c, i); i++)
		suspect(st, node_at(c, i), c->probe, now_ns);
}

void hn_cut_unsent(struct hn_cut_state *st, const struct hn_cut_choice *c)
{
	struct hn_cut_susp *s;
	unsigned int i;

	for (i = 0; c->probe && node_at(c, i); i++) {
		s = susp_find(st, node_at(c, i));
		if (s)
			s->probing = false;
	}
}

static int perr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* One "cut" line's four numbers into @p; 0 or -1. */
static int cut_line(const char *s, struct hn_cut_point *p)
{
	unsigned long long v[4];
	int used = -1;

	if (sscanf(s, "%llu %llu %llu %llu %n", &v[0], &v[1], &v[2], &v[3],
		   &used) != 4 ||
	    used < 0 || s[used] || strchr(s, '-'))
		return -1;
	if (v[0] < 1 || v[0] > 255 || v[1] > (1ULL << 40) || v[2] < 1 ||
	    v[2] > HN_TENSOR_MAX_LEN || v[3] > (1ULL << 40))
		return -1;
	p->stage = v[0];
	p->before = v[1];
	p->bytes = v[2];
	p->after = v[3];
	return 0;
}

/* Everything a table must be once read whole. */
static int table_check(const struct hn_cut_table *t, bool have_result,
		       char *err, size_t errlen)
{
	unsigned int i, j;

	if (!t->n)
		return perr(err, errlen, "cut table: no cut");
	if (!have_result)
		return perr(err, errlen, "cut table: no result line");
	for (i = 0; i < t->n; i++) {
		if (t->cut[i].before + t->cut[i].after != total_macs(t))
			return perr(
				err, errlen,
				"cut table: cut %u splits %llu MACs, cut 0 %llu",
				i,
				(unsigned long long)(t->cut[i].before +
						     t->cut[i].after),
				(unsigned long long)total_macs(t));
		for (j = 0; j < i; j++)
			if (t->cut[j].stage == t->cut[i].stage)
				return perr(
					err, errlen,
					"cut table: cuts %u and %u both stage %u",
					j, i, t->cut[i].stage);
	}
	return 0;
}

int hn_cut_table_parse(const char *buf, size_t len, struct hn_cut_table *t,
		       char *err, size_t errlen)
{
	char line[256];
	unsigned int lineno = 0;
	bool have_result = false;
	size_t pos = 0;

	memset(t, 0, sizeof(*t));
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		unsigned long long v;
		int used = -1;

		lineno++;
		if (n >= sizeof(line))
			return perr(err, errlen, "line %u: too long", lineno);
		memcpy(line, buf + pos, n);
		line[n] = 0;
		pos += n + 1;
		if (memchr(line, 0, n))
			return perr(err, errlen, "line %u: a NUL byte", lineno);
		if (!line[strspn(line, " \t")] ||
		    line[strspn(line, " \t")] == '#')
			continue;
		if (!strncmp(line, "cut ", 4)) {
			if (t->n == HN_CUT_MAX)
				return perr(err, errlen,
					    "line %u: more than %d cuts",
					    lineno, HN_CUT_MAX);
			if (cut_line(line + 4, &t->cut[t->n]))
				return perr(
					err, errlen,
					"line %u: want 'cut STAGE(1..255) BEFORE BYTES(1..%d) AFTER'",
					lineno, HN_TENSOR_MAX_LEN);
			t->n++;
		} else if (!strncmp(line, "result ", 7) && !have_result &&
			   sscanf(line + 7, "%llu %n", &v, &used) == 1 &&
			   used > 0 && !line[7 + used] && v >= 1 &&
			   v <= HN_TENSOR_MAX_LEN && !strchr(line, '-')) {
			t->result_bytes = v;
			have_result = true;
		} else {
			return perr(
				err, errlen,
				"line %u: want 'cut ...' or one 'result BYTES'",
				lineno);
		}
	}
	return table_check(t, have_result, err, errlen);
}

/* One line of the hosts table, as the agent writes it. */
struct host_line {
	unsigned long long v[12];
};

enum {
	HL_NODE,
	HL_STAGE,
	HL_SELF,
	HL_NS,
	HL_BUSY,
	HL_QUEUE,
	HL_HOPS = 10,
	HL_KBPS
};

static int host_line(const char *s, struct host_line *h)
{
	static const unsigned long long max[12] = {
		0xfffffffeULL, 255,	      1,   0xffffffffULL,
		1000,	       0xffff,	      255, 255,
		0xffffffffULL, 0xffffffffULL, 255, 0xffffffffULL
	};
	unsigned int i;
	int used;

	for (i = 0; i < 12; i++) {
		used = -1;
		if (sscanf(s, " %llu%n", &h->v[i], &used) != 1 || used < 0 ||
		    h->v[i] > max[i])
			return -1;
		if (memchr(s, '-', used))
			return -1;
		s += used;
	}
	return s[strspn(s, " \t")] ? -1 : 0;
}

static int cut_of_stage(const struct hn_cut_table *t, unsigned int stage)
{
	unsigned int k;

	for (k = 0; k < t->n; k++)
		if (t->cut[k].stage == stage)
			return k;
	return -1;
}

/*
 * @adv with the numbers @h advertises (FNV-1a over them): the stamp of
 * what the host says; never 0 (unknown).
 */
static uint32_t adv_mix(uint32_t adv, const struct host_line *h)
{
	unsigned int i, b;

	if (!adv)
		adv = 2166136261u;
	for (i = HL_STAGE; i < HL_HOPS; i++)
		for (b = 0; b < 64; b += 8) {
			adv ^= (h->v[i] >> b) & 0xff;
			adv *= 16777619u;
		}
	return adv ? adv : 1;
}

/* @h's line into the host of its node in @out: 1 if a new one was used. */
static int host_merge(const struct hn_cut_table *t, const struct host_line *h,
		      double dflt_bps, double hop_ns, struct hn_cut_host *out,
		      unsigned int n, unsigned int max)
{
	int k = cut_of_stage(t, h->v[HL_STAGE]);
	struct hn_cut_host *x = NULL;
	unsigned int i;

	if (k < 0)
		return 0;
	for (i = 0; i < n; i++)
		if (out[i].node == h->v[HL_NODE])
			x = &out[i];
	if (!x) {
		if (n == max)
			return 0;
		x = &out[n];
		memset(x, 0, sizeof(*x));
		x->node = h->v[HL_NODE];
		x->up = true;
		x->bps = h->v[HL_SELF] ? 1e15 :
			 h->v[HL_KBPS] ? h->v[HL_KBPS] * 1e3 :
					 dflt_bps;
		x->delay_ns = h->v[HL_HOPS] * hop_ns;
	}
	x->hosts |= 1U << k;
	x->ns[k] = h->v[HL_NS];
	x->adv = adv_mix(x->adv, h);
	if (h->v[HL_BUSY] > x->busy_pm)
		x->busy_pm = h->v[HL_BUSY];
	if (h->v[HL_QUEUE] > x->queue)
		x->queue = h->v[HL_QUEUE];
	if (!x->ns_per_mac && x->ns[k] && t->cut[k].after)
		x->ns_per_mac = (double)x->ns[k] / t->cut[k].after;
	return x == &out[n];
}

int hn_cut_hosts_parse(const char *text, size_t len,
		       const struct hn_cut_table *t, double dflt_bps,
		       double hop_ns, struct hn_cut_host *out, unsigned int max,
		       char *err, size_t errlen)
{
	unsigned int n = 0, lineno = 0;
	struct host_line h;
	char line[256];
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t k = nl ? (size_t)(nl - (text + pos)) : len - pos;

		lineno++;
		if (k >= sizeof(line))
			return perr(err, errlen, "hosts line %u: too long",
				    lineno);
		memcpy(line, text + pos, k);
		line[k] = 0;
		pos += k + 1;
		if (!line[strspn(line, " \t")] || !strncmp(line, "node ", 5))
			continue;
		if (memchr(line, 0, k) || host_line(line, &h))
			return perr(
				err, errlen,
				"hosts line %u: want 12 numbers (node stage self ns_per_item busy_pm queue load capacity cost lcost hops path_kbps)",
				lineno);
		n += host_merge(t, &h, dflt_bps, hop_ns, out, n, max);
	}
	return n;
}
