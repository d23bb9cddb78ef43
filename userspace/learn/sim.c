// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Packet-level mesh simulator (sim.h).  Documentation/learned-routing.rst
 * says what it models and what it leaves out.
 *
 * Everything happens through one event heap ordered by (time, sequence
 * number), and all randomness comes from one xorshift generator, so a run
 * depends on its inputs only.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hypernet/dataplane.h>

#include "sim.h"
#include "bound.h"

#define NS_PER_MS 1000000ULL
#define NONE 0xFFFFFFFFU
#define CTRL_WIRE 0xFFFFFFFEU /* on the wire: control frames, no data */
#define WIRE_OVERHEAD HN_SIM_WIRE_OVERHEAD
#define MAX_ATTEMPTS HN_SIM_MAX_ATTEMPTS
#define PROBE_BYTES 64
#define MEAN_WIRE 814 /* mean frame on the wire (frame_size()) */
/* control frames on the wire: a HELLO lists the one neighbour of a port */
#define CTRL_BYTES(body) \
	(__u32)(WIRE_OVERHEAD + HN_HDR_LEN + (body) + HN_AUTH_LEN)
#define HELLO_WIRE \
	CTRL_BYTES(sizeof(struct hn_hello) + sizeof(struct hn_hello_heard))
#define PROBE_WIRE CTRL_BYTES(sizeof(struct hn_probe))
#define DRIFT_MAX 0.5 /* a drifting link's worst loss per attempt */
#define HELLO_WINDOW 16 /* as the agent: HELLOs a ratio spans */
#define FLOOD_NS (20 * NS_PER_MS) /* LSA flood and recompute */
#define ORACLE_NS (5 * NS_PER_MS) /* oracle's view refresh */
#define INIT_TTL 64
#define BURST_ON_NS (100 * NS_PER_MS) /* mean on period */
#define BURST_OFF_NS (300 * NS_PER_MS) /* mean off period */

enum ev_type {
	EV_ARRIVE, /* frame @arg reaches node */
	EV_TX_DONE, /* port @arg of node finished its frame */
	EV_GEN, /* node's source emits a frame */
	EV_HELLO,
	EV_PROBE,
	EV_FEAT,
	EV_FAIL,
	EV_ROUTES,
	EV_ORACLE,
	EV_DRIFT, /* link @arg's quality changes */
};

struct ev {
	__u64 t;
	__u64 seq;
	__u32 arg;
	__u16 node;
	__u8 type;
};

struct frame {
	__u64 t0;
	__u32 next; /* queue link, or free list */
	__u16 src, dst;
	__u32 seq; /* per source, as hnhdr.seq: hn_rt_split_hash() */
	__u16 size; /* HyperNet header + payload */
	__u8 ttl, cls;
	__u8 measured, fallback;
};

struct port {
	__u16 peer; /* node index */
	__u16 rev; /* peer's port back to us */
	__u32 kbps;
	__u64 prop_ns;
	double loss; /* per attempt */
	__u8 hd; /* half duplex: shares the wire with the peer's port back */
	/* transmit queue */
	__u32 head, tail, qlen;
	__u32 wire; /* frame being sent, or NONE */
	__u8 wire_ok;
	__u64 wire_end;
	__u64 backlog_bytes; /* queued, not on the wire */
	__u32 ctrl_bytes; /* control frames queued, sent first */
	__u64 busy_ns; /* transmit time started since last refresh */
	__u64 rng; /* its losses: the same for every policy */
	/* our view of the neighbour behind this port */
	__u32 hello_bits;
	__u32 hellos; /* heard or missed, saturates */
	__u64 last_hello; /* heard last */
	__u64 last_sent; /* the neighbour sent last, heard or not */
	__u64 srtt_ns;
	__u8 rx_ratio; /* 0..255: its HELLOs we heard */
	__u8 up; /* the agent's neighbour state */
	__u8 feat[HN_NB_NFEAT];
	__u32 util_pm; /* transmit utilisation, smoothed over feat_ms periods */
	__u16 cost; /* advertised in our LSA */
	__u8 util; /* advertised in our LSA: hn_util_from_pm() of util_pm */
};

struct route {
	__u8 n_cand, def;
	__u8 port[HN_TOPO_MAX_CAND];
	__u8 dist[HN_TOPO_MAX_CAND];
	__u16 neigh[HN_TOPO_MAX_CAND];
	__u32 cost[HN_TOPO_MAX_CAND]; /* total, to the destination */
};

struct cache_ent {
	__u64 epoch; /* 0: empty */
	__u8 cand, reason;
	__u16 neigh; /* the pick's node: moves are counted */
	__u16 alt; /* the split's alternative node (route.h), or NONE16 */
	__u16 share; /* its share of HN_RT_SPLIT_ONE */
};

#define NONE16 0xFFFF

struct node {
	__u8 dead;
	__u8 on; /* bursty source: sending */
	__u8 radio_on; /* radio: sending or receiving on a half-duplex link */
	__u8 rr; /* radio: the port a freed radio offers first */
	unsigned int n_ports;
	struct port port[HN_SIM_MAX_PORTS];
	__u64 epoch;
	__u64 phase_end;
	double rate; /* frames per second, mean */
	__u64 trng; /* its traffic: the same for every policy */
	__u32 seq; /* the next frame's hnhdr.seq */
	double *cum; /* cumulative destination weights */
	struct route *rt; /* by destination */
	struct cache_ent *cache; /* by destination * HN_SIM_NCLASS + class */
};

struct hn_sim {
	struct hn_sim_cfg c;
	const struct hn_sim_topo *t;
	unsigned int n;
	struct node node[HN_SIM_MAX_NODES];
	__u64 now, rng, seq;
	struct ev *heap;
	size_t n_ev, cap_ev;
	struct frame *fr;
	__u32 n_fr, free_fr;
	size_t cap_fr;
	__u64 in_net; /* frames alive: keeps the timers going */
	__u8 routes_due; /* an EV_ROUTES is queued */
	__u8 link_port[HN_SIM_MAX_LINKS][2]; /* ports of link->a, link->b */
	__u64 drift_rng[HN_SIM_MAX_LINKS]; /* link quality: every policy's */
	__u32 *delays; /* measured delivery times, us */
	size_t n_delays, cap_delays;
	double *tcost; /* oracle: [dst][node] true ns to dst */
	struct hn_sim_stats st;
};

/* ---- random numbers ----------------------------------------------------- */

static __u64 rnd_next(__u64 *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static double rnd_unit(__u64 *s)
{
	return (double)(rnd_next(s) >> 11) * 0x1p-53;
}

static double rnd_exp(__u64 *s, double mean)
{
	return -mean * log(1.0 - rnd_unit(s));
}

static void rnd_seed(__u64 *s, __u64 seed)
{
	int i;

	*s = seed * 0x9E3779B97F4A7C15ULL + 0x1234567ULL;
	if (!*s)
		*s = 1;
	for (i = 0; i < 8; i++)
		rnd_next(s);
}

/* ---- topologies --------------------------------------------------------- */

static int add_link(struct hn_sim_topo *t, unsigned int a, unsigned int b,
		    __u32 kbps, __u32 delay_us, __u16 loss_pm)
{
	struct hn_sim_link *l;
	unsigned int i, da = 0, db = 0;

	for (i = 0; i < t->n_links; i++) {
		l = &t->link[i];
		if ((l->a == a && l->b == b) || (l->a == b && l->b == a))
			return -1;
		da += l->a == a || l->b == a;
		db += l->a == b || l->b == b;
	}
	if (a == b || t->n_links >= HN_SIM_MAX_LINKS ||
	    da >= HN_SIM_MAX_PORTS || db >= HN_SIM_MAX_PORTS)
		return -1;
	l = &t->link[t->n_links++];
	l->a = a;
	l->b = b;
	l->kbps = kbps;
	l->delay_us = delay_us;
	l->loss_pm = loss_pm;
	return 0;
}

/* A wired-mesh link: mixed capacities, some delay, a little loss. */
static void add_mixed(struct hn_sim_topo *t, __u64 *r, unsigned int a,
		      unsigned int b)
{
	static const __u32 kbps[] = { 2000, 5000, 10000, 20000 };

	add_link(t, a, b, kbps[rnd_next(r) % 4], 100 + rnd_next(r) % 900,
		 rnd_next(r) % 4 ? 0 : rnd_next(r) % 80);
}

static int connected(const struct hn_sim_topo *t)
{
	unsigned char seen[HN_SIM_MAX_NODES] = { 1 };
	unsigned int i, grew = 1, n = 1;

	while (grew) {
		grew = 0;
		for (i = 0; i < t->n_links; i++) {
			const struct hn_sim_link *l = &t->link[i];

			if (seen[l->a] != seen[l->b]) {
				seen[l->a] = seen[l->b] = 1;
				grew = 1;
				n++;
			}
		}
	}
	return n == t->n_nodes;
}

/*
 * Wireless-like: nodes in the unit square, a link within range r; short
 * links fast and clean, long ones slow and lossy (rate adaptation).
 */
static int make_rgg(struct hn_sim_topo *t, unsigned int n, __u64 *r)
{
	double x[HN_SIM_MAX_NODES], y[HN_SIM_MAX_NODES];
	double range = sqrt(7.0 / (M_PI * n));
	unsigned int i, j, tries;

	for (tries = 0; tries < 100; tries++) {
		t->n_links = 0;
		for (i = 0; i < n; i++) {
			x[i] = rnd_unit(r);
			y[i] = rnd_unit(r);
		}
		for (i = 0; i < n; i++)
			for (j = i + 1; j < n; j++) {
				double q =
					hypot(x[i] - x[j], y[i] - y[j]) / range;

				if (q >= 1)
					continue;
				add_link(t, i, j,
					 q < 0.5  ? 20000 :
					 q < 0.75 ? 10000 :
						    3000,
					 50 + (__u32)(q * 300),
					 (__u16)(5 + 150 * q * q * q));
			}
		if (connected(t))
			return 0;
	}
	return -1;
}

static void make_grid(struct hn_sim_topo *t, unsigned int s, __u64 *r)
{
	unsigned int i, j;

	for (i = 0; i < s; i++)
		for (j = 0; j < s; j++) {
			if (j + 1 < s)
				add_mixed(t, r, i * s + j, i * s + j + 1);
			if (i + 1 < s)
				add_mixed(t, r, i * s + j, (i + 1) * s + j);
		}
}

static void make_ring(struct hn_sim_topo *t, unsigned int n, __u64 *r)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		add_mixed(t, r, i, (i + 1) % n);
	add_mixed(t, r, 0, n / 2);
	add_mixed(t, r, n / 4, 3 * n / 4);
}

static void make_ladder(struct hn_sim_topo *t, unsigned int n, __u64 *r)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		add_mixed(t, r, i, n + i);
		if (i + 1 < n) {
			add_mixed(t, r, i, i + 1);
			add_mixed(t, r, n + i, n + i + 1);
		}
	}
}

/* Two 4-node clusters, one fast lossy bridge, one slow clean one. */
static void make_dumbbell(struct hn_sim_topo *t, __u64 *r)
{
	unsigned int i, j, k;

	for (k = 0; k < 2; k++)
		for (i = 0; i < 4; i++)
			for (j = i + 1; j < 4; j++)
				add_link(t, 4 * k + i, 4 * k + j, 20000,
					 100 + rnd_next(r) % 200, 0);
	add_link(t, 0, 4, 10000, 500, 100);
	add_link(t, 3, 7, 3000, 2000, 0);
}

/*
 * tests/netns/lab.sh's lab_grid3, A..I = 0..8: thin (5 Mbit/s) top row
 * and right column, the rest 10 and 20.  Hop-count ties go to the lowest
 * id, so corner-to-corner defaults take the thin links; @fat_first
 * swaps thin and fat, so the defaults are already good and a model can
 * only spoil them (what a bench-learn round with fat defaults tests).
 */
static void make_lab(struct hn_sim_topo *t, int fat_first)
{
	static const unsigned char l[12][3] = {
		{ 0, 1, 0 }, { 1, 2, 0 }, { 2, 5, 0 }, { 5, 8, 0 },
		{ 0, 3, 2 }, { 3, 6, 2 }, { 6, 7, 2 }, { 7, 8, 2 },
		{ 1, 4, 1 }, { 3, 4, 1 }, { 4, 5, 1 }, { 4, 7, 1 },
	};
	static const __u32 kbps[3] = { 5000, 10000, 20000 };
	unsigned int i;

	for (i = 0; i < 12; i++)
		add_link(t, l[i][0], l[i][1],
			 kbps[fat_first ? 2 - l[i][2] : l[i][2]], 50, 0);
}

/* The test_diamond.sh shape: A-B good, A-C fair, both reach D. */
static void make_diamond(struct hn_sim_topo *t)
{
	add_link(t, 0, 1, 20000, 100, 0);
	add_link(t, 0, 2, 5000, 2000, 20);
	add_link(t, 1, 3, 20000, 100, 0);
	add_link(t, 2, 3, 20000, 100, 0);
}

/*
 * A radio link of normalised length @q (1: the edge of range), with
 * make_rgg()'s rate adaptation; both directions share the medium.
 */
static void add_radio(struct hn_sim_topo *t, unsigned int a, unsigned int b,
		      double q)
{
	if (add_link(t, a, b,
		     q < 0.5  ? 20000 :
		     q < 0.75 ? 10000 :
				3000,
		     50 + (__u32)(q * 300), (__u16)(5 + 150 * q * q * q)))
		return;
	t->link[t->n_links - 1].half_duplex = 1;
}

/*
 * A community mesh: n / 4 backbone routers in a ring with two chords on
 * fast point-to-point links, every other node a leaf homed on two
 * neighbouring backbone routers (one uplink fast, one slow), so that a
 * backbone router can fail without cutting a leaf off.
 */
static void make_backbone(struct hn_sim_topo *t, unsigned int n, __u64 *r)
{
	static const __u32 bb[] = { 20000, 50000 },
			   up[] = { 5000, 10000, 20000 };
	unsigned int nb = n / 4, i;

	for (i = 0; i < nb; i++)
		add_link(t, i, (i + 1) % nb, bb[rnd_next(r) % 2],
			 200 + rnd_next(r) % 800, 0);
	add_link(t, 0, nb / 2, bb[rnd_next(r) % 2], 500, 0);
	add_link(t, nb / 4, 3 * nb / 4, bb[rnd_next(r) % 2], 500, 0);
	for (i = nb; i < n; i++) {
		unsigned int h = (i - nb) % nb;

		add_link(t, i, h, up[rnd_next(r) % 3], 100 + rnd_next(r) % 400,
			 rnd_next(r) % 4 ? 0 : rnd_next(r) % 50);
		add_link(t, i, (h + 1) % nb, 2000 + 1000 * (rnd_next(r) % 4),
			 300 + rnd_next(r) % 1200, rnd_next(r) % 80);
	}
}

/*
 * A clustered radio mesh: n / 8 villages of about 8 nodes, each within a
 * disc of radius 0.13, the villages on a ring 0.42 apart; links within
 * range 0.3, so a village is one dense cell and the villages meet over a
 * few long, slow, lossy links.  At most 48 nodes: 64 would need more
 * than HN_SIM_MAX_LINKS links.
 */
static int make_cluster(struct hn_sim_topo *t, unsigned int n, __u64 *r)
{
	unsigned int k = n / 8 < 3 ? 3 : n / 8, i, j, tries;
	double x[HN_SIM_MAX_NODES], y[HN_SIM_MAX_NODES];
	double ring = 0.42 / (2 * sin(M_PI / k)), range = 0.3;

	for (tries = 0; tries < 100; tries++) {
		t->n_links = 0;
		for (i = 0; i < n; i++) {
			double a = 2 * M_PI * (i % k) / k;
			double d = 0.13 * sqrt(rnd_unit(r));
			double b = 2 * M_PI * rnd_unit(r);

			x[i] = ring * cos(a) + d * cos(b);
			y[i] = ring * sin(a) + d * sin(b);
		}
		for (i = 0; i < n; i++)
			for (j = i + 1; j < n; j++) {
				double q =
					hypot(x[i] - x[j], y[i] - y[j]) / range;

				if (q < 1)
					add_radio(t, i, j, q);
			}
		if (connected(t))
			return 0;
	}
	return -1;
}

/*
 * A triangular lattice of S x S radio nodes (rooftops on a regular plan,
 * six neighbours inside), each placed within 0.15 of its lattice point,
 * so the link rates vary.
 */
static void make_tri(struct hn_sim_topo *t, unsigned int s, __u64 *r)
{
	double x[HN_SIM_MAX_NODES], y[HN_SIM_MAX_NODES];
	unsigned int i, j, v;

	for (i = 0; i < s; i++)
		for (j = 0; j < s; j++) {
			v = i * s + j;
			x[v] = j + 0.5 * i + 0.3 * (rnd_unit(r) - 0.5);
			y[v] = 0.866 * i + 0.3 * (rnd_unit(r) - 0.5);
		}
	for (i = 0; i < s; i++)
		for (j = 0; j < s; j++) {
			static const int nb[3][2] = { { 0, 1 },
						      { 1, 0 },
						      { 1, -1 } };
			unsigned int k;

			for (k = 0; k < 3; k++) {
				int ni = i + nb[k][0], nj = j + nb[k][1];
				unsigned int a = i * s + j, b;

				if (ni >= (int)s || nj < 0 || nj >= (int)s)
					continue;
				b = ni * s + nj;
				add_radio(t, a, b,
					  hypot(x[a] - x[b], y[a] - y[b]) /
						  1.6);
			}
		}
}

/* A honeycomb (brick wall) of S x S wired nodes: three links at most. */
static void make_hex(struct hn_sim_topo *t, unsigned int s, __u64 *r)
{
	unsigned int i, j;

	for (i = 0; i < s; i++)
		for (j = 0; j < s; j++) {
			if (j + 1 < s)
				add_mixed(t, r, i * s + j, i * s + j + 1);
			if (i + 1 < s && (i + j) % 2 == 0)
				add_mixed(t, r, i * s + j, (i + 1) * s + j);
		}
}

/* The family and size of @spec (up to @kl bytes), links drawn from @r. */
static int topo_family(struct hn_sim_topo *t, const char *spec, size_t len,
		       __u64 seed, __u64 *r)
{
	const char *colon = memchr(spec, ':', len);
	size_t kl = colon ? (size_t)(colon - spec) : len;
	unsigned int n = colon ? (unsigned int)atoi(colon + 1) : 0;

#define IS(k) (kl == strlen(k) && !strncmp(spec, k, kl))
	if (IS("grid") && n >= 2 && n * n <= HN_SIM_MAX_NODES) {
		t->n_nodes = n * n;
		make_grid(t, n, r);
	} else if (IS("rgg") && n >= 4 && n <= HN_SIM_MAX_NODES) {
		t->n_nodes = n;
		return make_rgg(t, n, r) ? -2 : 0;
	} else if (IS("ring") && n >= 6 && n <= HN_SIM_MAX_NODES) {
		t->n_nodes = n;
		make_ring(t, n, r);
	} else if (IS("ladder") && n >= 2 && 2 * n <= HN_SIM_MAX_NODES) {
		t->n_nodes = 2 * n;
		make_ladder(t, n, r);
	} else if (IS("backbone") && n >= 12 && n <= HN_SIM_MAX_NODES) {
		t->n_nodes = n;
		make_backbone(t, n, r);
	} else if (IS("cluster") && n >= 12 && n <= 48) {
		t->n_nodes = n;
		return make_cluster(t, n, r) ? -2 : 0;
	} else if (IS("tri") && n >= 3 && n * n <= HN_SIM_MAX_NODES) {
		t->n_nodes = n * n;
		make_tri(t, n, r);
	} else if (IS("hex") && n >= 3 && n * n <= HN_SIM_MAX_NODES) {
		t->n_nodes = n * n;
		make_hex(t, n, r);
	} else if (IS("dumbbell") && !colon) {
		t->n_nodes = 8;
		make_dumbbell(t, r);
	} else if (IS("diamond") && !colon) {
		t->n_nodes = 4;
		make_diamond(t);
	} else if (IS("lab") && !colon) {
		t->n_nodes = 9;
		make_lab(t, seed & 1);
	} else {
		return -1;
	}
#undef IS
	return 0;
}

static void set_duplex(struct hn_sim_topo *t, __u8 half)
{
	unsigned int i;

	for (i = 0; i < t->n_links; i++)
		t->link[i].half_duplex = half;
}

/* One ",OPTION" of a spec (@len bytes at @o): 0, or -1 if unknown. */
static int topo_option(struct hn_sim_topo *t, const char *o, size_t len)
{
	char *end;

#define IS(k) (len == strlen(k) && !strncmp(o, k, len))
	if (IS("half") || IS("full"))
		set_duplex(t, *o == 'h');
	else if (IS("true-costs"))
		t->true_costs = 1;
	else if (IS("no-ctrl"))
		t->no_ctrl = 1;
	else if (IS("radio"))
		t->radio = 1;
	else if (len > 6 && !strncmp(o, "drift=", 6)) {
		unsigned long v = strtoul(o + 6, &end, 10);

		if (end != o + len || v > 3600000)
			return -1;
		t->drift_ms = v;
	} else {
		return -1;
	}
#undef IS
	return 0;
}

int hn_sim_topo_make(struct hn_sim_topo *t, const char *spec, __u64 seed,
		     char *err, size_t errlen)
{
	const char *o = strchr(spec, ',');
	size_t len = o ? (size_t)(o - spec) : strlen(spec);
	__u64 r;
	int ret;

	memset(t, 0, sizeof(*t));
	rnd_seed(&r, seed);
	snprintf(t->name, sizeof(t->name), "%s", spec);
	ret = topo_family(t, spec, len, seed, &r);
	if (ret == -2)
		return snprintf(err, errlen, "%.*s: no connected layout found",
				(int)len, spec),
		       -1;
	if (ret) {
		snprintf(
			err, errlen,
			"bad topology '%.*s' (grid:S rgg:N ring:N ladder:N backbone:N cluster:N tri:S hex:S diamond dumbbell lab; N <= %d nodes)",
			(int)len, spec, HN_SIM_MAX_NODES);
		return -1;
	}
	/* radios: one medium both ways, links that come and go */
	if (!strncmp(spec, "rgg:", 4) || !strncmp(spec, "cluster:", 8) ||
	    !strncmp(spec, "tri:", 4)) {
		set_duplex(t, 1);
		t->drift_ms = 2000;
	}
	while (o) {
		const char *next = strchr(o + 1, ',');

		len = next ? (size_t)(next - o - 1) : strlen(o + 1);
		if (topo_option(t, o + 1, len)) {
			snprintf(
				err, errlen,
				"bad topology option '%.*s' (half full drift=MS true-costs no-ctrl radio)",
				(int)len, o + 1);
			return -1;
		}
		o = next;
	}
	return 0;
}

/*
 * An array @p of *@cap items of @size bytes, full: twice as long (or @first
 * items long at first).  The run cannot go on without it.
 */
static void *grow(void *p, size_t *cap, size_t first, size_t size)
{
	*cap = *cap ? 2 * *cap : first;
	p = realloc(p, *cap * size);
	if (!p)
		abort();
	return p;
}

/* ---- events ------------------------------------------------------------- */

static int ev_before(const struct ev *a, const struct ev *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void ev_push(struct hn_sim *s, __u64 t, enum ev_type type,
		    unsigned int node, __u32 arg)
{
	struct ev e = {
		.t = t, .seq = s->seq++, .arg = arg, .node = node, .type = type
	};
	size_t i;

	if (s->n_ev == s->cap_ev)
		s->heap = grow(s->heap, &s->cap_ev, 1024, sizeof(*s->heap));
	i = s->n_ev++;
	while (i && ev_before(&e, &s->heap[(i - 1) / 2])) {
		s->heap[i] = s->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	s->heap[i] = e;
}

static struct ev ev_pop(struct hn_sim *s)
{
	struct ev top = s->heap[0], last = s->heap[--s->n_ev];
	size_t i = 0, c;

	while ((c = 2 * i + 1) < s->n_ev) {
		if (c + 1 < s->n_ev && ev_before(&s->heap[c + 1], &s->heap[c]))
			c++;
		if (!ev_before(&s->heap[c], &last))
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (s->n_ev)
		s->heap[i] = last;
	return top;
}

/* ---- frames ------------------------------------------------------------- */

static __u32 frame_new(struct hn_sim *s)
{
	__u32 f = s->free_fr;

	if (f != NONE) {
		s->free_fr = s->fr[f].next;
		return f;
	}
	if (s->n_fr == s->cap_fr)
		s->fr = grow(s->fr, &s->cap_fr, 4096, sizeof(*s->fr));
	return s->n_fr++;
}

static void digest_mix(struct hn_sim *s, __u64 v)
{
	s->st.digest = (s->st.digest ^ v) * 0x100000001B3ULL;
}

static void frame_end(struct hn_sim *s, __u32 f)
{
	s->fr[f].next = s->free_fr;
	s->free_fr = f;
	s->in_net--;
}

static void frame_drop(struct hn_sim *s, __u32 f, __u64 *reason)
{
	(*reason)++;
	s->st.dropped++;
	if (s->fr[f].measured)
		s->st.m_lost++;
	digest_mix(s, ((__u64)f << 32) ^ s->now ^ 0xD);
	frame_end(s, f);
}

static void frame_deliver(struct hn_sim *s, __u32 f)
{
	const struct frame *fr = &s->fr[f];

	s->st.delivered++;
	if (fr->measured) {
		if (s->n_delays == s->cap_delays)
			s->delays = grow(s->delays, &s->cap_delays, 4096,
					 sizeof(*s->delays));
		s->delays[s->n_delays++] = (s->now - fr->t0 + 500) / 1000;
		s->st.m_delivered++;
		s->st.m_hops += INIT_TTL - fr->ttl;
		s->st.m_fallback += fr->fallback;
	}
	digest_mix(s, ((__u64)f << 32) ^ s->now);
	frame_end(s, f);
}

/* ---- links -------------------------------------------------------------- */

static __u64 tx_ns(const struct port *p, __u32 bytes)
{
	return (__u64)bytes * 8 * 1000000ULL / p->kbps;
}

/* A router's software time per frame it receives (forwards or delivers). */
static __u64 fwd_ns(const struct hn_sim *s)
{
	return (__u64)s->c.fwd_us * 1000;
}

/* The peer's port back to us: on a half-duplex link, the same wire. */
static struct port *port_back(const struct hn_sim *s, const struct port *p)
{
	return (struct port *)&s->node[p->peer].port[p->rev];
}

/*
 * Whether @p must wait: its wire is taken, on a half-duplex link by
 * either direction, and with radios by anything the radio at either end
 * is doing (one transmission at a time in reach of a node's radio).
 */
static int wire_busy(const struct hn_sim *s, const struct port *p)
{
	const struct port *b = port_back(s, p);

	if (p->wire != NONE || !p->hd)
		return p->wire != NONE;
	if (s->t->radio)
		return s->node[p->peer].radio_on || s->node[b->peer].radio_on;
	return b->wire != NONE;
}

/* Radios of both ends of @p: taken when it starts, freed when done. */
static void radio_set(struct hn_sim *s, const struct port *p, __u8 on)
{
	if (!p->hd || !s->t->radio)
		return;
	s->node[p->peer].radio_on = on;
	s->node[port_back(s, p)->peer].radio_on = on;
}

/* Left of what is on the wire now, ours or (half duplex) the peer's. */
static __u64 wire_left(const struct hn_sim *s, const struct port *p)
{
	const struct port *w = p->wire == NONE && p->hd ? port_back(s, p) : p;

	return w->wire != NONE && w->wire_end > s->now ? w->wire_end - s->now :
							 0;
}

/*
 * How long a frame enqueued now waits before its first bit leaves.  On a
 * half-duplex link the two directions take turns, so about as many of
 * the peer's bytes go first as ours, and one frame more.
 */
static __u64 port_wait(const struct hn_sim *s, const struct port *p)
{
	__u64 ours = p->backlog_bytes + p->ctrl_bytes, theirs;
	const struct port *b = port_back(s, p);

	if (!p->hd)
		return wire_left(s, p) + tx_ns(p, ours);
	theirs = b->backlog_bytes + b->ctrl_bytes;
	if (theirs > ours + MEAN_WIRE)
		theirs = ours + MEAN_WIRE;
	return wire_left(s, p) + tx_ns(p, ours) + tx_ns(b, theirs);
}

/* Queued control frames go first, back to back, each sent once. */
static void ctrl_start(struct hn_sim *s, unsigned int n, struct port *p,
		       unsigned int pi)
{
	__u64 d = tx_ns(p, p->ctrl_bytes);

	p->ctrl_bytes = 0;
	radio_set(s, p, 1);
	p->wire = CTRL_WIRE;
	p->wire_end = s->now + d;
	p->busy_ns += d;
	ev_push(s, p->wire_end, EV_TX_DONE, n, pi);
}

static void port_start(struct hn_sim *s, unsigned int n, unsigned int pi)
{
	struct port *p = &s->node[n].port[pi];
	__u32 f = p->head, k;
	__u64 d;

	if (s->node[n].dead || wire_busy(s, p))
		return;
	if (p->ctrl_bytes) {
		ctrl_start(s, n, p, pi);
		return;
	}
	if (f == NONE)
		return;
	p->head = s->fr[f].next;
	if (p->head == NONE)
		p->tail = NONE;
	p->qlen--;
	p->backlog_bytes -= s->fr[f].size + WIRE_OVERHEAD;
	/* link-layer retransmissions: each attempt holds the wire */
	for (k = 1; k <= MAX_ATTEMPTS; k++)
		if (rnd_unit(&p->rng) >= p->loss)
			break;
	p->wire_ok = k <= MAX_ATTEMPTS;
	if (k > MAX_ATTEMPTS)
		k = MAX_ATTEMPTS;
	d = k * tx_ns(p, s->fr[f].size + WIRE_OVERHEAD);
	radio_set(s, p, 1);
	p->wire = f;
	p->wire_end = s->now + d;
	p->busy_ns += d;
	ev_push(s, p->wire_end, EV_TX_DONE, n, pi);
}

/*
 * Control frames of @bytes out of port @pi (unless the world has none):
 * returns @bytes, or 0 when none were sent.
 */
static __u32 ctrl_send(struct hn_sim *s, unsigned int n, unsigned int pi,
		       __u32 bytes)
{
	if (s->t->no_ctrl || s->node[n].dead)
		return 0;
	s->node[n].port[pi].ctrl_bytes += bytes;
	port_start(s, n, pi);
	return bytes;
}

static void port_enqueue(struct hn_sim *s, unsigned int n, unsigned int pi,
			 __u32 f)
{
	struct port *p = &s->node[n].port[pi];

	if (p->qlen >= s->c.queue_frames) {
		frame_drop(s, f, &s->st.drop_queue);
		return;
	}
	s->fr[f].next = NONE;
	if (p->tail == NONE)
		p->head = f;
	else
		s->fr[p->tail].next = f;
	p->tail = f;
	p->qlen++;
	p->backlog_bytes += s->fr[f].size + WIRE_OVERHEAD;
	if (p->wire == NONE)
		port_start(s, n, pi);
}

/*
 * Node @u's radio is free: its ports, then its neighbours' ports towards
 * it, may start, beginning one further round each time (fair turns).
 */
static void radio_kick(struct hn_sim *s, unsigned int u)
{
	struct node *nd = &s->node[u];
	unsigned int k, i;

	for (k = 0; k < nd->n_ports; k++) {
		i = (nd->rr + k) % nd->n_ports;
		port_start(s, u, i);
		port_start(s, nd->port[i].peer, nd->port[i].rev);
	}
	nd->rr++;
}

/* The wire of @p (node @n's) is free: who goes next. */
static void wire_freed(struct hn_sim *s, unsigned int n, struct port *p,
		       unsigned int pi)
{
	if (p->hd && s->t->radio) {
		radio_set(s, p, 0);
		radio_kick(s, p->peer);
		radio_kick(s, n);
		return;
	}
	/* a shared wire: the other direction's turn first */
	if (p->hd)
		port_start(s, p->peer, p->rev);
	port_start(s, n, pi);
}

static void tx_done(struct hn_sim *s, unsigned int n, unsigned int pi)
{
	struct port *p = &s->node[n].port[pi];
	__u32 f = p->wire;

	p->wire = NONE;
	if (f == NONE)
		return; /* its node failed meanwhile */
	if (f == CTRL_WIRE)
		; /* control frames: their effects are drawn when sent */
	else if (p->wire_ok)
		ev_push(s, s->now + p->prop_ns + fwd_ns(s), EV_ARRIVE, p->peer,
			f);
	else
		frame_drop(s, f, &s->st.drop_link);
	wire_freed(s, n, p, pi);
}

/* ---- routes: LSAs into topo.c, as every agent would ---------------------- */

/* Link costs routes are computed on (compute_routes()). */
enum cost_kind {
	COST_ETX, /* the agent's ETX-like cost */
	COST_HOPS, /* every link 256: hop count */
	COST_ETT, /* ETX x airtime at the link's capacity (the agent's) */
	COST_ETT_LOAD, /* hn_link_ett_load(): ETT x (1 + utilisation now) */
};

/* The costs a policy routes on: the model's candidates are the agent's. */
static int cost_kind(const struct hn_sim *s)
{
	switch (s->c.policy) {
	case HN_SIM_HOPS:
		return COST_HOPS;
	case HN_SIM_ETX:
		return COST_ETX;
	case HN_SIM_ETT_LOAD:
		return COST_ETT_LOAD;
	default:
		return COST_ETT;
	}
}

static __u8 rx_ratio_now(const struct hn_sim *s, const struct port *p);

/*
 * A link's cost of @kind now, from delivery ratios in 1/255: as the
 * agent counts them from HELLOs, or (true_costs) the true ones.
 */
static __u16 link_cost(const struct hn_sim *s, const struct port *p, int kind)
{
	__u32 rx = (__u32)lround(255.0 * (1.0 - p->loss)), tx = rx;

	if (!s->t->true_costs) {
		rx = rx_ratio_now(s, p);
		tx = port_back(s, p)->rx_ratio;
	}
	switch (kind) {
	case COST_HOPS:
		return 256;
	case COST_ETX:
		return hn_link_cost(rx, tx);
	case COST_ETT:
		return hn_link_ett(rx, tx, p->kbps);
	}
	/* the utilisation measured now, not the one last advertised */
	return hn_link_ett_load(hn_link_ett(rx, tx, p->kbps),
				hn_util_from_pm(p->util_pm));
}

/*
 * Node @n's LSA with costs of @kind; its own policy's are the advertised.
 * Every policy's LSA carries the utilisation last advertised (HN_LSA_F_UTIL).
 */
static void node_lsa(const struct hn_sim *s, unsigned int n, int kind,
		     struct hn_ctrl_lsa *lsa)
{
	const struct node *nd = &s->node[n];
	unsigned int i;

	memset(lsa, 0, sizeof(*lsa));
	lsa->origin = n + 1;
	lsa->seq = 1;
	lsa->lifetime_s = 40;
	lsa->flags = HN_LSA_F_UTIL;
	for (i = 0; i < nd->n_ports; i++) {
		const struct port *p = &nd->port[i];
		struct hn_ctrl_link *l = &lsa->links[lsa->n_links];

		if (!p->up)
			continue;
		l->node = p->peer + 1;
		l->cost = kind == cost_kind(s) ? p->cost :
						 link_cost(s, p, kind);
		l->util = p->util;
		lsa->n_links++;
	}
}

static int port_to(const struct node *nd, unsigned int peer)
{
	unsigned int i;

	for (i = 0; i < nd->n_ports; i++)
		if (nd->port[i].peer == peer)
			return i;
	return -1;
}

/* Every live node's routes, from the LSAs of every live node (enum cost_kind). */
static int compute_routes(struct hn_sim *s, int kind, struct route *out)
{
	struct hn_topo_route *tr = calloc(s->n, sizeof(*tr));
	struct hn_ctrl_lsa *lsa = calloc(s->n, sizeof(*lsa));
	unsigned int a, b, k, nr;
	int ret = -ENOMEM;

	if (!tr || !lsa)
		goto out;
	memset(out, 0, (size_t)s->n * s->n * sizeof(*out));
	for (a = 0; a < s->n; a++)
		node_lsa(s, a, kind, &lsa[a]);
	for (a = 0; a < s->n; a++) {
		struct hn_topo *t;

		if (s->node[a].dead)
			continue;
		t = hn_topo_new(a + 1);
		if (!t)
			goto out;
		for (b = 0; b < s->n; b++)
			if (!s->node[b].dead)
				hn_topo_update(t, &lsa[b], 0);
		ret = hn_topo_routes(t, tr, s->n, &nr);
		hn_topo_free(t);
		if (ret)
			goto out;
		for (b = 0; b < nr; b++) {
			struct route *r = &out[a * s->n + tr[b].dst - 1];

			r->def = tr[b].def;
			for (k = 0; k < tr[b].n_cand; k++) {
				int pi = port_to(&s->node[a],
						 tr[b].cand[k].neigh - 1);

				if (pi < 0)
					abort();
				r->port[k] = pi;
				r->neigh[k] = tr[b].cand[k].neigh - 1;
				/* what the path costs at the advertised load */
				r->dist[k] = hn_rt_route_dist(
					tr[b].cand[k].load_cost,
					tr[b].load_cost, tr[b].cand[k].hops);
				r->cost[k] = tr[b].cand[k].cost;
			}
			r->n_cand = tr[b].n_cand;
		}
	}
	ret = 0;
out:
	free(tr);
	free(lsa);
	return ret;
}

/*
 * As the agent's sticky_default(): keep the installed default next hop
 * while it is still a candidate within an eighth of the best cost, so
 * near-equal paths do not trade places on every small cost change.
 */
static void sticky_default(const struct route *old, struct route *r)
{
	__u32 best = r->cost[r->def];
	unsigned int i;

	if (!old->n_cand)
		return;
	for (i = 0; i < r->n_cand; i++)
		if (r->neigh[i] == old->neigh[old->def] &&
		    r->cost[i] <= best + best / 8)
			r->def = i;
}

static void routes_install(struct hn_sim *s)
{
	struct route *all = malloc((size_t)s->n * s->n * sizeof(*all));
	unsigned int a, b;

	s->routes_due = 0;
	if (!all || compute_routes(s, cost_kind(s), all))
		abort();
	for (a = 0; a < s->n; a++) {
		for (b = 0; b < s->n; b++)
			sticky_default(&s->node[a].rt[b], &all[a * s->n + b]);
		memcpy(s->node[a].rt, &all[a * s->n], s->n * sizeof(*all));
		s->node[a].epoch++;
		s->st.epochs++;
	}
	free(all);
}

/* ---- neighbour measurements, as the agent takes them -------------------- */

static unsigned int hello_heard(const struct port *p)
{
	return __builtin_popcount(p->hello_bits & ((1U << HELLO_WINDOW) - 1));
}

static void rx_ratio_update(struct port *p)
{
	unsigned int w = p->hellos < HELLO_WINDOW ? p->hellos : HELLO_WINDOW;

	p->rx_ratio = w ? hello_heard(p) * 255 / w : 0;
}

/* As the agent: HELLOs that stopped coming count as lost, silence too. */
static __u8 rx_ratio_now(const struct hn_sim *s, const struct port *p)
{
	__u64 missed = (s->now - p->last_sent) / (s->c.hello_ms * NS_PER_MS);
	unsigned int w;

	if (!missed)
		return p->rx_ratio;
	if (missed >= HELLO_WINDOW)
		return 0;
	w = p->hellos + missed;
	if (w > HELLO_WINDOW)
		w = HELLO_WINDOW;
	return __builtin_popcount((p->hello_bits << missed) &
				  ((1U << HELLO_WINDOW) - 1)) *
	       255 / w;
}

static void neigh_features(const struct hn_sim *s, const struct port *p,
			   __u64 window_ns, __u8 feat[HN_NB_NFEAT])
{
	const struct port *back = &s->node[p->peer].port[p->rev];
	__u64 util = window_ns ? p->busy_ns * 1000 / window_ns : 0;

	hn_link_features(rx_ratio_now(s, p), back->rx_ratio, p->srtt_ns,
			 util > 1000 ? 1000 : util, p->kbps, feat);
}

static void links_changed(struct hn_sim *s, unsigned int origin);

#define READV_COST 1
#define READV_UTIL 2

/*
 * As the agent's neigh_refresh(): the cost to advertise moved by more than
 * a quarter, or the utilisation by hn_util_moved(): store what moved, and
 * say which (READV_*): the node's LSA must flood again.
 */
static int port_readvertise(const struct hn_sim *s, struct port *p)
{
	__u16 cost = link_cost(s, p, cost_kind(s));
	__u8 util = hn_util_from_pm(p->util_pm);
	int ret = 0;

	if (hn_util_moved(p->util, util)) {
		p->util = util;
		ret |= READV_UTIL;
	}
	if (cost > p->cost + p->cost / 4 || cost + cost / 4 < p->cost) {
		p->cost = cost;
		ret |= READV_COST;
	}
	return ret;
}

/* Refresh: write the features that changed; each write moves the epoch. */
/*
 * A period's step of every split of node @nd towards its pick, with the
 * feature refresh, as the agent's hn_dp_split_step() with its features.
 */
static void split_step(struct hn_sim *s, struct node *nd)
{
	size_t i, n = (size_t)s->n * HN_SIM_NCLASS;

	for (i = 0; i < n; i++) {
		struct cache_ent *ce = &nd->cache[i];

		if (!ce->share)
			continue;
		ce->share = hn_rt_split_step(ce->share, s->c.split_step);
		if (!ce->share)
			ce->alt = NONE16;
	}
}

static void feat_refresh(struct hn_sim *s, unsigned int n)
{
	struct node *nd = &s->node[n];
	__u64 window = s->c.feat_ms * NS_PER_MS;
	unsigned int i;
	int flood = 0;

	for (i = 0; i < nd->n_ports; i++) {
		struct port *p = &nd->port[i];
		__u8 feat[HN_NB_NFEAT];

		neigh_features(s, p, window, feat);
		/* half the last period's, half the history's: less herding */
		p->util_pm = (p->util_pm + p->busy_ns * 1000 / window) / 2;
		p->busy_ns = 0;
		if (p->up)
			flood |= port_readvertise(s, p);
		if (!p->up || !memcmp(feat, p->feat, sizeof(feat)))
			continue;
		memcpy(p->feat, feat, sizeof(feat));
		nd->epoch++;
		s->st.epochs++;
	}
	split_step(s, nd);
	/* one LSA for every link that moved, as the agent's lsa_dirty */
	if (flood == READV_UTIL)
		s->st.lsas_util++;
	if (flood)
		links_changed(s, n);
}

/* Probe round trip: both queues, both ways, as a PROBE and its ACK see. */
static void probe(struct hn_sim *s, unsigned int n)
{
	struct node *nd = &s->node[n];
	unsigned int i;

	for (i = 0; i < nd->n_ports; i++) {
		struct port *p = &nd->port[i];
		const struct port *back = &s->node[p->peer].port[p->rev];
		__u64 rtt;

		if (!p->up || s->node[p->peer].dead)
			continue;
		ctrl_send(s, n, i, PROBE_WIRE);
		ctrl_send(s, p->peer, p->rev, PROBE_WIRE); /* the ACK */
		rtt = port_wait(s, p) + port_wait(s, back) + 2 * p->prop_ns +
		      2 * fwd_ns(s) + tx_ns(p, PROBE_BYTES) +
		      tx_ns(back, PROBE_BYTES);
		p->srtt_ns = p->srtt_ns ? (3 * p->srtt_ns + rtt) / 4 : rtt;
	}
}

/*
 * Node @origin's new LSA floods: every live node sends it once on each
 * up port (LSAs travel in the data plane as any frame).  Every router
 * recomputes once they are in.
 */
static void links_changed(struct hn_sim *s, unsigned int origin)
{
	/* a link, and its utilisation byte (HN_LSA_F_UTIL) */
	__u32 bytes = CTRL_BYTES(sizeof(struct hn_lsa) +
				 s->node[origin].n_ports *
					 (sizeof(struct hn_lsa_link) + 1));
	unsigned int a, i;

	s->st.lsas++;
	for (a = 0; a < s->n; a++)
		for (i = 0; i < s->node[a].n_ports; i++)
			if (s->node[a].port[i].up)
				s->st.lsa_bytes += ctrl_send(s, a, i, bytes);
	if (s->routes_due)
		return;
	s->routes_due = 1;
	ev_push(s, s->now + FLOOD_NS, EV_ROUTES, 0, 0);
}

/* Node @n sends its HELLOs; then it checks on the neighbours it hears. */
static void hello(struct hn_sim *s, unsigned int n)
{
	struct node *nd = &s->node[n];
	__u64 dead = (__u64)s->c.dead_hellos * s->c.hello_ms * NS_PER_MS;
	unsigned int i;

	for (i = 0; i < nd->n_ports; i++) {
		struct port *p = &nd->port[i];
		struct node *peer = &s->node[p->peer];
		struct port *back = &peer->port[p->rev];
		int heard = rnd_unit(&p->rng) >= p->loss;

		ctrl_send(s, n, i, HELLO_WIRE);
		/* the peer's view of us: one more HELLO, heard or not */
		back->last_sent = s->now;
		back->hello_bits = (back->hello_bits << 1) | heard;
		back->hellos += back->hellos < HELLO_WINDOW;
		rx_ratio_update(back);
		if (heard && !peer->dead) {
			back->last_hello = s->now;
			if (!back->up) {
				back->up = 1;
				peer->epoch++;
				links_changed(s, p->peer);
			}
		}
	}
	for (i = 0; i < nd->n_ports; i++) {
		struct port *p = &nd->port[i];

		if (p->up && s->now - p->last_hello > dead + dead / 8) {
			p->up = 0;
			nd->epoch++;
			links_changed(s, n);
		}
	}
}

static void node_fail(struct hn_sim *s, unsigned int n)
{
	struct node *nd = &s->node[n];
	unsigned int i;

	nd->dead = 1;
	for (i = 0; i < nd->n_ports; i++) {
		struct port *p = &nd->port[i];

		while (p->head != NONE) {
			__u32 f = p->head;

			p->head = s->fr[f].next;
			frame_drop(s, f, &s->st.drop_dead);
		}
		p->tail = NONE;
		p->qlen = 0;
		p->backlog_bytes = 0;
		p->ctrl_bytes = 0;
		if (p->wire == NONE)
			continue;
		if (p->wire != CTRL_WIRE)
			frame_drop(s, p->wire, &s->st.drop_dead);
		p->wire = NONE; /* its EV_TX_DONE finds nothing */
		/* the wire is free for the other direction, the radios too */
		wire_freed(s, n, p, i);
	}
}

/* ---- the oracle: true delays to every destination ----------------------- */

/* Link-layer transmissions of a frame, on average. */
static double mean_attempts(double loss)
{
	return (1 - pow(loss, MAX_ATTEMPTS)) / (1 - loss);
}

/* E[K^2] = sum over k of (2k - 1) P(K >= k), P(K >= k) = loss^(k - 1). */
void hn_sim_attempts(double loss, double *mean, double *mean_sq)
{
	double pk = 1, sq = 0;
	unsigned int k;

	for (k = 1; k <= MAX_ATTEMPTS; k++, pk *= loss)
		sq += (2 * k - 1) * pk;
	*mean = mean_attempts(loss);
	*mean_sq = sq;
}

/*
 * A link's attempts averaged over time: its drawn loss, or with drift the
 * mean over link_drift()'s uniform exponent (64 points), which lands on
 * 1/4 to 4 times the drawn loss: about 1.35 times its attempts' cost.
 */
void hn_sim_link_attempts(const struct hn_sim_topo *t,
			  const struct hn_sim_link *l, double *mean,
			  double *mean_sq)
{
	double base = l->loss_pm > 10 ? l->loss_pm / 1000.0 : 0.01;
	double m, sq, sum_m = 0, sum_sq = 0;
	unsigned int i;

	if (!t->drift_ms) {
		hn_sim_attempts(l->loss_pm / 1000.0, mean, mean_sq);
		return;
	}
	for (i = 0; i < 64; i++) {
		hn_sim_attempts(fmin(DRIFT_MAX,
				     base * exp2(4 * (i + 0.5) / 64 - 2)),
				&m, &sq);
		sum_m += m;
		sum_sq += sq;
	}
	*mean = sum_m / 64;
	*mean_sq = sum_sq / 64;
}

static double port_true_ns(const struct hn_sim *s, const struct port *p)
{
	return port_wait(s, p) + p->prop_ns + fwd_ns(s) +
	       mean_attempts(p->loss) * tx_ns(p, MEAN_WIRE);
}

/* Dijkstra towards each destination over live links, O(n^2) each. */
static void oracle_refresh(struct hn_sim *s)
{
	unsigned int d, i, k, n = s->n;
	unsigned char done[HN_SIM_MAX_NODES];

	for (d = 0; d < n; d++) {
		double *c = &s->tcost[d * n];

		for (i = 0; i < n; i++)
			c[i] = INFINITY;
		memset(done, 0, sizeof(done));
		c[d] = 0;
		for (;;) {
			unsigned int v = NONE;

			for (i = 0; i < n; i++)
				if (!done[i] && c[i] < INFINITY &&
				    (v == NONE || c[i] < c[v]))
					v = i;
			if (v == NONE || s->node[v].dead)
				break;
			done[v] = 1;
			/* relax u -> v for every neighbour u of v */
			for (k = 0; k < s->node[v].n_ports; k++) {
				const struct port *b = &s->node[v].port[k];
				unsigned int u = b->peer;
				const struct port *p = &s->node[u].port[b->rev];
				double w;

				if (done[u] || s->node[u].dead || !p->up)
					continue;
				w = c[v] + port_true_ns(s, p);
				if (w < c[u])
					c[u] = w;
			}
		}
	}
}

/* ---- decisions ---------------------------------------------------------- */

int hn_sim_choose(const struct hn_rt_model *m, __s32 margin_min, unsigned int n,
		  const __u8 x[][HN_RT_NFEAT], unsigned int def, __u32 present,
		  __u32 live, __u8 *reason, __s32 *score)
{
	__s32 sc[HN_TOPO_MAX_CAND] = { 0 }, bs = 0, ss = 0;
	int best = -1, have2 = 0, pick = def;
	unsigned int i;

	*reason = HN_DP_R_NO_MODEL;
	if (m) {
		for (i = 0; i < n; i++) {
			sc[i] = hn_rt_score(m, x[i]);
			if (!(present & (1U << i)))
				continue;
			if (best < 0 || sc[i] > bs) {
				if (best >= 0) {
					ss = bs;
					have2 = 1;
				}
				bs = sc[i];
				best = i;
			} else if (!have2 || sc[i] > ss) {
				ss = sc[i];
				have2 = 1;
			}
		}
		if (have2 && (__s32)((__u32)bs - (__u32)ss) < margin_min) {
			*reason = HN_DP_R_MARGIN;
		} else {
			pick = best;
			*reason = HN_DP_R_MODEL;
		}
	}
	if (score)
		memcpy(score, sc, n * sizeof(*sc));
	if (pick >= 0 && (live & (1U << pick)))
		return pick;
	/* best live by score; without a model the scores are all 0 */
	pick = -1;
	for (i = 0; i < n; i++)
		if ((live & (1U << i)) && (pick < 0 || sc[i] > sc[pick]))
			pick = i;
	*reason = pick < 0 ? HN_DP_R_NO_LIVE : HN_DP_R_STALE;
	return pick;
}

static int cand_live(const struct hn_sim *s, const struct node *nd,
		     unsigned int pi)
{
	const struct port *p = &nd->port[pi];
	__u64 stale = (__u64)s->c.stale_ms * NS_PER_MS;

	return p->up && (!stale || s->now - p->last_hello <= stale);
}

static int oracle_pick(struct hn_sim *s, unsigned int n, const struct route *r,
		       const struct frame *fr, struct hn_sim_decision *d)
{
	const struct node *nd = &s->node[n];
	double best = INFINITY;
	unsigned int i;
	int pick = -1;

	for (i = 0; i < r->n_cand; i++) {
		const struct port *p = &nd->port[r->port[i]];
		double c =
			port_true_ns(s, p) + s->tcost[fr->dst * s->n + p->peer];

		d->true_us[i] = c < 4e15 ? (__u32)(c / 1000) : NONE;
		if (cand_live(s, nd, r->port[i]) && c < best) {
			best = c;
			pick = i;
		}
	}
	d->reason = pick < 0 ? HN_DP_R_NO_LIVE : HN_DP_R_MODEL;
	return pick;
}

/* A decision on a cache miss: features, scores, fallbacks. */
static int decide(struct hn_sim *s, unsigned int n, const struct route *r,
		  const struct frame *fr, __u8 *reason)
{
	const struct node *nd = &s->node[n];
	const struct hn_rt_model *m = s->c.policy == HN_SIM_MODEL ? s->c.model :
								    NULL;
	struct hn_sim_decision d;
	__u8 fx[HN_FR_NFEAT] = { hn_scale_class(fr->cls),
				 hn_scale_size(fr->size),
				 hn_scale_ttl(fr->ttl) };
	unsigned int i;
	int pick;

	memset(&d, 0, sizeof(d));
	d.t_ns = s->now;
	d.node = n;
	d.dst = fr->dst;
	d.size = fr->size;
	d.cls = fr->cls;
	d.ttl = fr->ttl;
	d.n_cand = r->n_cand;
	d.def = r->def;
	for (i = 0; i < r->n_cand; i++) {
		const struct port *p = &nd->port[r->port[i]];

		d.neigh[i] = p->peer;
		memcpy(d.x[i], p->feat, HN_NB_NFEAT);
		d.x[i][HN_FEAT_DIST] = r->dist[i];
		memcpy(&d.x[i][HN_FR_FEAT_FIRST], fx, sizeof(fx));
		if (p->up)
			d.present |= 1U << i;
		if (cand_live(s, nd, r->port[i]))
			d.live |= 1U << i;
	}
	if (s->c.policy == HN_SIM_ORACLE)
		pick = oracle_pick(s, n, r, fr, &d);
	else
		pick = hn_sim_choose(m, s->c.margin_min, r->n_cand, d.x, r->def,
				     d.present, d.live, &d.reason, d.score);
	d.chosen = pick < 0 ? 0xff : pick;
	*reason = d.reason;
	s->st.decisions++;
	if (s->c.on_decision)
		s->c.on_decision(s->c.ctx, &d);
	return pick;
}

/*
 * The split of a (destination, class) when its pick becomes node @neigh
 * (reason @reason) on route @r, as the data plane's table carries it
 * over (route.h, hn_rt_split_next(); userspace/lib/dp.c decide_split()):
 * only a model's pick splits (not the oracle's, which decides every
 * frame), and only to a candidate whose port is up.
 * A stale pick before is one the table named but the frames left
 * (to the best live candidate): its neighbour is gone by the time the
 * table changes, so nothing carries over.
 */
static void split_carry(const struct hn_sim *s, const struct node *nd,
			const struct route *r, struct cache_ent *ce,
			__u8 reason, __u16 neigh)
{
	__u32 prev = HN_RT_SPLIT_NONE, alt, share, i, up = 0;
	__u32 palt = ce->alt == NONE16 ? HN_RT_SPLIT_NONE : ce->alt;

	if (ce->epoch && ce->reason != HN_DP_R_STALE &&
	    ce->reason != HN_DP_R_NO_LIVE)
		prev = ce->neigh;
	share = hn_rt_split_next(prev, palt, ce->share, neigh, &alt);
	for (i = 0; i < r->n_cand; i++)
		up |= r->neigh[i] == alt && nd->port[r->port[i]].up;
	if (!s->c.split_step || s->c.policy != HN_SIM_MODEL ||
	    reason != HN_DP_R_MODEL || !share || !up || alt == neigh) {
		ce->alt = NONE16;
		ce->share = 0;
		return;
	}
	ce->alt = alt;
	ce->share = share;
}

/*
 * A frame of a split that takes the alternative: its candidate if it is
 * still one and live, else @pick (the data plane decides it from the
 * scores then, whose winner is the pick).
 */
static int split_alt(const struct hn_sim *s, const struct node *nd,
		     const struct route *r, const struct cache_ent *ce,
		     int pick)
{
	unsigned int i;

	for (i = 0; i < r->n_cand; i++)
		if (r->neigh[i] == ce->alt)
			return cand_live(s, nd, r->port[i]) ? (int)i : pick;
	return pick;
}

static void forward(struct hn_sim *s, unsigned int n, __u32 f)
{
	struct node *nd = &s->node[n];
	struct frame *fr = &s->fr[f];
	const struct route *r = &nd->rt[fr->dst];
	struct cache_ent *ce = &nd->cache[fr->dst * HN_SIM_NCLASS +
					  (fr->cls & (HN_SIM_NCLASS - 1))];
	__u8 reason;
	int pick;

	if (!r->n_cand) {
		frame_drop(s, f, &s->st.drop_no_route);
		return;
	}
	if (s->c.policy != HN_SIM_ORACLE && ce->epoch == nd->epoch &&
	    ce->cand < r->n_cand && cand_live(s, nd, r->port[ce->cand])) {
		pick = ce->cand;
		reason = ce->reason;
		s->st.cache_hits++;
	} else {
		pick = decide(s, n, r, fr, &reason);
		if (pick < 0) {
			frame_drop(s, f, &s->st.drop_no_route);
			return;
		}
		if (s->now >= (__u64)s->c.warmup_ms * NS_PER_MS) {
			s->st.m_decisions++;
			s->st.m_moves += ce->epoch &&
					 ce->neigh != r->neigh[pick];
		}
		split_carry(s, nd, r, ce, reason, r->neigh[pick]);
		ce->epoch = nd->epoch;
		ce->cand = pick;
		ce->reason = reason;
		ce->neigh = r->neigh[pick];
	}
	if (ce->share && hn_rt_split_hash(fr->src, fr->seq) < ce->share)
		pick = split_alt(s, nd, r, ce, pick);
	if (reason == HN_DP_R_MARGIN || reason == HN_DP_R_STALE)
		fr->fallback = 1;
	if (fr->ttl <= 1) {
		frame_drop(s, f, &s->st.drop_ttl);
		return;
	}
	fr->ttl--;
	port_enqueue(s, n, r->port[pick], f);
}

static void arrive(struct hn_sim *s, unsigned int n, __u32 f)
{
	if (s->node[n].dead)
		frame_drop(s, f, &s->st.drop_dead);
	else if (s->fr[f].dst == n)
		frame_deliver(s, f);
	else
		forward(s, n, f);
}

/* ---- traffic ------------------------------------------------------------ */

static int eligible(const struct hn_sim_cfg *c, unsigned int n)
{
	return (int)n != c->fail_node;
}

/* bench/learn.sh's flows: A-I 3, B-I 2, D-I 3, G-C 2 (heavy frames/s). */
static double lab_flow(unsigned int a, unsigned int b)
{
	if (b == 8)
		return a == 0 || a == 3 ? 3 : a == 1 ? 2 : 0;
	return a == 6 && b == 2 ? 2 : 0;
}

/* The lab's classes: A-I 0, B-I 1, D-I 2, G-C 3. */
static __u8 lab_class(unsigned int src)
{
	return src == 0 ? 0 : src == 1 ? 1 : src == 3 ? 2 : 3;
}

/* Two distinct hot nodes, from their own generator: hn_sim_demand() too. */
static void hot_nodes(const struct hn_sim_cfg *c, unsigned int n,
		      unsigned int hot[2])
{
	unsigned int nh = 0, i;
	__u64 r;

	rnd_seed(&r, c->seed ^ 0x686f7473706f74ULL);
	hot[0] = hot[1] = n;
	for (i = 0; nh < 2 && i < 1000; i++) {
		unsigned int h = rnd_next(&r) % n;

		if (eligible(c, h) && (!nh || hot[0] != h))
			hot[nh++] = h;
	}
}

int hn_sim_weights(const struct hn_sim_topo *t, const struct hn_sim_cfg *c,
		   double *w)
{
	unsigned int a, b, hot[2], n = t->n_nodes;

	if (!n || n > HN_SIM_MAX_NODES)
		return -1;
	hot_nodes(c, n, hot);
	for (a = 0; a < n; a++)
		for (b = 0; b < n; b++) {
			double v = a != b && eligible(c, a) && eligible(c, b);

			if (v && c->traffic == HN_SIM_HOTSPOT)
				v = (b == hot[0] || b == hot[1]) ? 0.5 * n :
								   0.5;
			if (v && c->traffic == HN_SIM_LAB && n >= 9)
				v = lab_flow(a, b);
			w[a * n + b] = v;
		}
	return 0;
}

void hn_sim_frame_bytes(double *mean, double *mean_sq)
{
	double s = HN_SIM_FRAME_SMALL + WIRE_OVERHEAD;
	double l = HN_SIM_FRAME_LARGE + WIRE_OVERHEAD;

	*mean = (s + l) / 2;
	*mean_sq = (s * s + l * l) / 2;
}

/* Half small frames, half large (hn_sim_frame_bytes()). */
static __u16 frame_size(struct node *nd)
{
	return rnd_next(&nd->trng) & 1 ? HN_SIM_FRAME_SMALL :
					 HN_SIM_FRAME_LARGE;
}

/*
 * Each source's Poisson rate: its row of the offered matrix at the load
 * (hn_sim_demand(): load 1.0 is the max concurrent flow), in frames.
 */
static int traffic_init(struct hn_sim *s)
{
	double *bps = calloc((size_t)s->n * s->n, sizeof(*bps));
	double bytes, sq, sum;
	unsigned int a, b;

	hn_sim_frame_bytes(&bytes, &sq);
	if (!bps || hn_sim_demand(s->t, &s->c, bps)) {
		free(bps);
		return -1;
	}
	for (a = 0; a < s->n; a++) {
		struct node *nd = &s->node[a];

		nd->cum = calloc(s->n, sizeof(*nd->cum));
		if (!nd->cum) {
			free(bps);
			return -1;
		}
		sum = 0;
		for (b = 0; b < s->n; b++) {
			sum += bps[a * s->n + b] / (8 * bytes);
			nd->cum[b] = sum;
		}
		nd->rate = sum;
		nd->on = 1;
		nd->phase_end = s->c.traffic == HN_SIM_BURST ?
					(__u64)rnd_exp(&nd->trng, BURST_ON_NS) :
					~0ULL;
		if (nd->rate > 0)
			ev_push(s, (__u64)rnd_exp(&nd->trng, 1e9 / nd->rate),
				EV_GEN, a, 0);
	}
	free(bps);
	return 0;
}

/* When node @n's source sends next, after the one sent now. */
static __u64 next_gen(struct hn_sim *s, struct node *nd)
{
	double duty = (double)BURST_ON_NS / (BURST_ON_NS + BURST_OFF_NS);
	double rate = s->c.traffic == HN_SIM_BURST ? nd->rate / duty : nd->rate;
	__u64 t = s->now;

	for (;;) {
		__u64 next;

		if (!nd->on) {
			t = nd->phase_end;
			nd->on = 1;
			nd->phase_end =
				t + (__u64)rnd_exp(&nd->trng, BURST_ON_NS);
		}
		next = t + (__u64)rnd_exp(&nd->trng, 1e9 / rate) + 1;
		if (next <= nd->phase_end)
			return next;
		t = nd->phase_end;
		nd->on = 0;
		nd->phase_end = t + (__u64)rnd_exp(&nd->trng, BURST_OFF_NS);
	}
}

static void generate(struct hn_sim *s, unsigned int n)
{
	struct node *nd = &s->node[n];
	double u = rnd_unit(&nd->trng) * nd->cum[s->n - 1];
	unsigned int dst = 0;
	struct frame *fr;
	__u32 f;

	if (nd->dead || s->now >= (__u64)s->c.duration_ms * NS_PER_MS)
		return;
	while (dst < s->n - 1 && nd->cum[dst] <= u)
		dst++;
	f = frame_new(s);
	fr = &s->fr[f];
	memset(fr, 0, sizeof(*fr));
	fr->t0 = s->now;
	fr->src = n;
	fr->seq = nd->seq++;
	fr->dst = dst;
	fr->size = frame_size(nd);
	fr->ttl = INIT_TTL;
	/* a class per flow: the cache keys on it */
	fr->cls = (n * 5 + dst * 3) % HN_SIM_NCLASS;
	if (s->c.traffic == HN_SIM_LAB)
		fr->cls = lab_class(n);
	fr->measured = s->now >= (__u64)s->c.warmup_ms * NS_PER_MS;
	s->st.sent++;
	s->st.m_sent += fr->measured;
	s->in_net++;
	ev_push(s, next_gen(s, nd), EV_GEN, n, 0);
	forward(s, n, f);
}

/* ---- set up and run ----------------------------------------------------- */

void hn_sim_cfg_defaults(struct hn_sim_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->seed = 1;
	c->duration_ms = 4000;
	c->warmup_ms = 1000;
	c->load = 0.5;
	c->traffic = HN_SIM_UNIFORM;
	c->fail_node = -1;
	c->policy = HN_SIM_MODEL;
	c->margin_min = INT32_MIN;
	c->queue_frames = 64;
	c->hello_ms = 200;
	c->dead_hellos = 3;
	c->stale_ms = 600;
	c->probe_ms = 250;
	c->feat_ms = 500;
	/* the lab's routers: 15-30 us per hop when queues are empty */
	c->fwd_us = 20;
	c->split_step = HN_RT_SPLIT_STEP;
}

static void ports_init(struct hn_sim *s)
{
	unsigned int i, k;

	for (i = 0; i < s->t->n_links; i++) {
		const struct hn_sim_link *l = &s->t->link[i];
		unsigned int ends[2] = { l->a, l->b }, pi[2];

		for (k = 0; k < 2; k++) {
			struct node *nd = &s->node[ends[k]];
			struct port *p = &nd->port[nd->n_ports];

			pi[k] = nd->n_ports++;
			p->peer = ends[!k];
			p->kbps = l->kbps;
			p->prop_ns = (__u64)l->delay_us * 1000;
			p->loss = l->loss_pm / 1000.0;
			p->hd = l->half_duplex;
			p->head = p->tail = p->wire = NONE;
			p->up = 1;
			rnd_seed(&p->rng, s->c.seed ^ ((__u64)(i + 1) << 32 ^
						       (k + 1) << 16));
		}
		s->node[l->a].port[pi[0]].rev = pi[1];
		s->node[l->b].port[pi[1]].rev = pi[0];
		s->link_port[i][0] = pi[0];
		s->link_port[i][1] = pi[1];
		rnd_seed(&s->drift_rng[i], s->c.seed ^ ((__u64)(i + 1) << 48));
	}
}

/* As after a long quiet run: full HELLO windows, idle round trips. */
static void neigh_init(struct hn_sim *s)
{
	unsigned int a, i, k;

	for (a = 0; a < s->n; a++)
		for (i = 0; i < s->node[a].n_ports; i++) {
			struct port *p = &s->node[a].port[i];
			const struct port *back =
				&s->node[p->peer].port[p->rev];

			for (k = 0; k < HELLO_WINDOW; k++)
				p->hello_bits =
					(p->hello_bits << 1) |
					(rnd_unit(&s->rng) >= back->loss);
			p->hellos = HELLO_WINDOW;
			rx_ratio_update(p);
			p->srtt_ns = 2 * p->prop_ns + 2 * fwd_ns(s) +
				     tx_ns(p, PROBE_BYTES) +
				     tx_ns(back, PROBE_BYTES);
		}
	for (a = 0; a < s->n; a++)
		for (i = 0; i < s->node[a].n_ports; i++) {
			struct port *p = &s->node[a].port[i];

			neigh_features(s, p, 0, p->feat);
			p->cost = link_cost(s, p, cost_kind(s));
		}
}

static void timers_init(struct hn_sim *s)
{
	unsigned int a;

	for (a = 0; a < s->n; a++) {
		/* agents start at random phases */
		ev_push(s, rnd_next(&s->rng) % (s->c.hello_ms * NS_PER_MS),
			EV_HELLO, a, 0);
		ev_push(s, rnd_next(&s->rng) % (s->c.probe_ms * NS_PER_MS),
			EV_PROBE, a, 0);
		ev_push(s, rnd_next(&s->rng) % (s->c.feat_ms * NS_PER_MS),
			EV_FEAT, a, 0);
	}
	if (s->c.fail_node >= 0 && (unsigned int)s->c.fail_node < s->n)
		ev_push(s, (__u64)s->c.fail_ms * NS_PER_MS, EV_FAIL,
			s->c.fail_node, 0);
	if (s->c.policy == HN_SIM_ORACLE)
		ev_push(s, 0, EV_ORACLE, 0, 0);
	for (a = 0; s->t->drift_ms && a < s->t->n_links; a++)
		ev_push(s,
			1 + (__u64)rnd_exp(&s->drift_rng[a],
					   s->t->drift_ms * 1e6),
			EV_DRIFT, s->t->link[a].a, a);
}

struct hn_sim *hn_sim_new(const struct hn_sim_topo *t,
			  const struct hn_sim_cfg *c)
{
	struct hn_sim *s;
	unsigned int a;

	if (!t->n_nodes || t->n_nodes > HN_SIM_MAX_NODES || !c->hello_ms ||
	    !c->probe_ms || !c->feat_ms || c->load < 0)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->c = *c;
	s->t = t;
	s->n = t->n_nodes;
	s->free_fr = NONE;
	rnd_seed(&s->rng, c->seed);
	for (a = 0; a < s->n; a++) {
		s->node[a].rt = calloc(s->n, sizeof(struct route));
		s->node[a].cache = calloc((size_t)s->n * HN_SIM_NCLASS,
					  sizeof(struct cache_ent));
		s->node[a].epoch = 1;
		rnd_seed(&s->node[a].trng, s->c.seed ^ (__u64)(a + 1) << 40);
		if (!s->node[a].rt || !s->node[a].cache)
			goto fail;
	}
	s->tcost = calloc((size_t)s->n * s->n, sizeof(*s->tcost));
	if (!s->tcost)
		goto fail;
	ports_init(s);
	neigh_init(s);
	routes_install(s);
	if (traffic_init(s))
		goto fail;
	timers_init(s);
	return s;
fail:
	hn_sim_free(s);
	return NULL;
}

void hn_sim_free(struct hn_sim *s)
{
	unsigned int a;

	if (!s)
		return;
	for (a = 0; a < s->n; a++) {
		free(s->node[a].rt);
		free(s->node[a].cache);
		free(s->node[a].cum);
	}
	free(s->heap);
	free(s->fr);
	free(s->delays);
	free(s->tcost);
	free(s);
}

/* Periodic work continues while traffic runs or frames are still out. */
static int timers_on(const struct hn_sim *s)
{
	return s->now < (__u64)s->c.duration_ms * NS_PER_MS || s->in_net;
}

static __u64 jitter(struct hn_sim *s, __u32 ms)
{
	__u64 iv = ms * NS_PER_MS;

	/* +-10%, as the agent's timers */
	return iv - iv / 10 + rnd_next(&s->rng) % (iv / 5 + 1);
}

/* Time to a periodic event's next run (drawn after the run: same RNG use). */
static __u64 period(struct hn_sim *s, enum ev_type type)
{
	switch (type) {
	case EV_HELLO:
		return jitter(s, s->c.hello_ms);
	case EV_PROBE:
		return jitter(s, s->c.probe_ms);
	case EV_FEAT:
		return s->c.feat_ms * NS_PER_MS;
	default:
		return ORACLE_NS;
	}
}

/* Run a periodic event, then queue its next run while timers are on. */
static void periodic(struct hn_sim *s, const struct ev *e)
{
	int alive = !s->node[e->node].dead;

	switch (e->type) {
	case EV_HELLO:
		if (alive)
			hello(s, e->node);
		break;
	case EV_PROBE:
		if (alive)
			probe(s, e->node);
		break;
	case EV_FEAT:
		if (alive)
			feat_refresh(s, e->node);
		break;
	case EV_ORACLE:
		/* not a node's: queued with node 0 */
		oracle_refresh(s);
		break;
	default:
		return;
	}
	if (timers_on(s))
		ev_push(s, s->now + period(s, e->type), e->type, e->node, 0);
}

/*
 * Link @li's quality changes, as a radio link's does when something moves
 * near it: its loss per attempt becomes a random 1/4 to 4 times the one
 * it was drawn with (at least 1 %), at most DRIFT_MAX, both ways.
 */
static void link_drift(struct hn_sim *s, unsigned int li)
{
	const struct hn_sim_link *l = &s->t->link[li];
	__u64 *r = &s->drift_rng[li];
	double base = l->loss_pm > 10 ? l->loss_pm / 1000.0 : 0.01;
	double loss = base * exp2(4 * rnd_unit(r) - 2);

	if (loss > DRIFT_MAX)
		loss = DRIFT_MAX;
	s->node[l->a].port[s->link_port[li][0]].loss = loss;
	s->node[l->b].port[s->link_port[li][1]].loss = loss;
	if (timers_on(s))
		ev_push(s, s->now + 1 + (__u64)rnd_exp(r, s->t->drift_ms * 1e6),
			EV_DRIFT, l->a, li);
}

int hn_sim_step(struct hn_sim *s)
{
	struct ev e;

	if (!s->n_ev)
		return 0;
	e = ev_pop(s);
	s->now = e.t;
	s->st.events++;
	switch (e.type) {
	case EV_ARRIVE:
		arrive(s, e.node, e.arg);
		break;
	case EV_TX_DONE:
		tx_done(s, e.node, e.arg);
		break;
	case EV_GEN:
		generate(s, e.node);
		break;
	case EV_FAIL:
		node_fail(s, e.node);
		break;
	case EV_ROUTES:
		routes_install(s);
		break;
	case EV_DRIFT:
		link_drift(s, e.arg);
		break;
	default:
		periodic(s, &e);
	}
	return 1;
}

void hn_sim_run(struct hn_sim *s)
{
	while (hn_sim_step(s))
		;
}

__u64 hn_sim_now(const struct hn_sim *s)
{
	return s->now;
}

size_t hn_sim_delays(const struct hn_sim *s, const __u32 **d)
{
	*d = s->delays;
	return s->n_delays;
}

__u64 hn_sim_count_in_network(const struct hn_sim *s)
{
	__u64 n = 0;
	unsigned int a, i;
	size_t k;

	for (a = 0; a < s->n; a++)
		for (i = 0; i < s->node[a].n_ports; i++) {
			const struct port *p = &s->node[a].port[i];
			__u32 f;

			for (f = p->head; f != NONE; f = s->fr[f].next)
				n++;
			n += p->wire != NONE && p->wire != CTRL_WIRE;
		}
	for (k = 0; k < s->n_ev; k++)
		n += s->heap[k].type == EV_ARRIVE;
	return n;
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

void hn_sim_get_counters(const struct hn_sim *s, struct hn_sim_stats *st)
{
	*st = s->st;
	st->in_flight = s->in_net;
	st->mean_us = st->p99_us = 0;
}

void hn_sim_delay_stats(__u32 *d, size_t n, double *mean, double *p99)
{
	double sum = 0;
	size_t i;

	*mean = *p99 = 0;
	if (!n)
		return;
	for (i = 0; i < n; i++)
		sum += d[i];
	*mean = sum / n;
	qsort(d, n, sizeof(*d), cmp_u32);
	*p99 = d[(n - 1) * 99 / 100];
}

void hn_sim_get_stats(struct hn_sim *s, struct hn_sim_stats *st)
{
	hn_sim_get_counters(s, st);
	hn_sim_delay_stats(s->delays, s->n_delays, &st->mean_us, &st->p99_us);
}
