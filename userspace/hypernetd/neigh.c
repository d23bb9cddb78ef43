// SPDX-License-Identifier: GPL-2.0
/*
 * Neighbour discovery.  Every port sends a HELLO each hello-interval-ms
 * listing the neighbours it hears and how well; a neighbour is up once it
 * lists us (two-way), and dead after dead-hellos missed HELLOs or at once
 * when its port vanishes.  Link quality is the product of both directions'
 * HELLO delivery ratios (ETX-like); delay comes from PROBE/ACK round trips.
 * Up neighbours are written into the data plane's hn_neigh with the
 * model's features; the XDP program itself stamps their last-heard time
 * from each HELLO, which is what its local repair reads.
 *
 * A neighbour must also answer a challenge (struct hnd_sender) before it is
 * up: HELLOs are bound to the link's Ethernet addresses, so a HELLO moved
 * to another link does not verify, and one replayed with its addresses
 * intact on another link is heard but never answers from there.
 *
 * The features are the ones the route model is trained on (the trainer's
 * simulator computes the same): QUALITY df * dr, DELAY half the smoothed
 * probe RTT (so it includes queueing on the link), LOSS of its HELLOs,
 * LOAD our transmit utilisation of the port over the last sample period,
 * CAPACITY the port's configured kbit/s.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/random.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hypernet/route.h>
#include "dp.h"
#include "hypernetd.h"

/* HELLOs a delivery ratio is measured over */
#define HELLO_WINDOW 16
/* feature writes to the data plane, at most this often per neighbour */
#define FEAT_PERIOD_NS (500 * NSEC_PER_MSEC)
/* ports' transmit utilisation is sampled this often */
#define UTIL_PERIOD_NS FEAT_PERIOD_NS

/*
 * Where the ports' byte counters are read.  The device's own statistics
 * (what `ip -s link` shows) count frames the XDP program redirects out
 * of a port, which never pass a qdisc; the unit test points this at a
 * directory of fake counters.
 */
const char *hnd_sysfs_net = "/sys/class/net";

struct hnd_neigh *hnd_neigh_find(struct hnd *d, __u32 node)
{
	unsigned int i;

	for (i = 0; i < HND_MAX_NEIGH; i++)
		if (d->nb[i].used && d->nb[i].node == node)
			return &d->nb[i];
	return NULL;
}

void hnd_neigh_count(struct hnd *d, int p, const __u8 *mac, size_t bytes,
		     bool rx)
{
	unsigned int i;

	for (i = 0; i < HND_MAX_NEIGH; i++) {
		struct hnd_neigh *n = &d->nb[i];

		if (!n->used || n->port != p || (mac && memcmp(n->mac, mac, 6)))
			continue;
		if (rx) {
			n->rx_frames++;
			n->rx_bytes += bytes;
		} else {
			n->tx_frames++;
			n->tx_bytes += bytes;
		}
	}
}

int hnd_neigh_dp_idx(struct hnd *d, __u32 node)
{
	struct hnd_neigh *n = hnd_neigh_find(d, node);

	return n && n->up ? n->dp_idx : -1;
}

/* a challenge at most this often per sender, and answered within */
#define CHAL_PERIOD_NS NSEC_PER_SEC
#define CHAL_TIMEOUT_NS (5 * NSEC_PER_SEC)

struct hnd_sender *hnd_sender(struct hnd *d, __u32 node)
{
	struct hnd_sender *s, *old = NULL;
	unsigned int i;

	for (i = 0; i < d->n_senders; i++) {
		s = &d->senders[i];
		if (s->node == node)
			return s;
		if (!old || s->ok_ns < old->ok_ns)
			old = s;
	}
	if (d->n_senders < HND_MAX_SENDERS)
		s = &d->senders[d->n_senders++];
	else if (old && hnd_now() - old->ok_ns > 60 * NSEC_PER_SEC)
		/* full (key holders can make up senders): the longest silent
		 * goes; if it comes back, its window starts afresh */
		s = old;
	else
		return NULL;
	memset(s, 0, sizeof(*s));
	s->node = node;
	return s;
}

void hnd_challenge(struct hnd *d, struct hnd_sender *s, int p, const __u8 *mac)
{
	__u64 now = hnd_now();
	struct hn_ctrl_msg m;

	if (!s || (s->chal_ns && now - s->chal_ns < CHAL_PERIOD_NS))
		return;
	if (getrandom(&s->chal_id, sizeof(s->chal_id), 0) != sizeof(s->chal_id))
		s->chal_id = random();
	s->chal_t_ns = now;
	s->chal_ns = now;
	s->chal_port = p;
	memcpy(s->chal_mac, mac, 6);
	hnd_msg_init(d, &m, HN_T_PROBE);
	m.dst = s->node;
	m.u.probe.id = s->chal_id;
	m.u.probe.t_ns = now;
	if (!hnd_send(d, p, mac, &m))
		d->st.challenge_tx++;
}

static void neigh_verified(struct hnd *d, __u32 node, int p, const __u8 *mac,
			   __u64 now);

bool hnd_challenge_answered(struct hnd *d, struct hnd_sender *s, int p,
			    const __u8 *mac, const struct hn_ctrl_msg *m)
{
	__u64 now = hnd_now();

	if (!s->chal_ns || m->type != HN_T_ACK || m->u.probe.id != s->chal_id ||
	    m->u.probe.t_ns != s->chal_t_ns || p != s->chal_port ||
	    memcmp(mac, s->chal_mac, 6) || now - s->chal_ns > CHAL_TIMEOUT_NS)
		return false;
	s->chal_ns = 0;
	/* fresh by its nonce: its counter is the sender's now */
	if (hn_replay_accept(&s->replay, m->counter, now))
		hn_replay_anchor(&s->replay, m->counter, now);
	s->ok_ns = now;
	d->st.challenge_ok++;
	neigh_verified(d, s->node, p, mac, now);
	return true;
}

static struct hnd_neigh *neigh_new(struct hnd *d, __u32 node)
{
	unsigned int i;

	for (i = 0; i < HND_MAX_NEIGH; i++) {
		struct hnd_neigh *n = &d->nb[i];

		if (n->used)
			continue;
		memset(n, 0, sizeof(*n));
		n->used = true;
		n->node = node;
		/* the table index doubles as the data plane's index */
		n->dp_idx = i;
		return n;
	}
	return NULL;
}

/* HELLOs heard out of the last HELLO_WINDOW sent, counting silence. */
static __u8 rx_ratio(const struct hnd_neigh *n, __u64 now)
{
	__u64 iv = (__u64)(n->interval_ms ? n->interval_ms : 1) * NSEC_PER_MSEC,
	      quiet = now - n->last_ns;
	/*
	 * A HELLO is missed once half an interval past due: HELLOs are
	 * jittered +-10 %, and one merely late must not read as lost (the
	 * LOSS feature would flicker, and each change voids the caches).
	 */
	__u32 missed = quiet > iv / 2 ? (quiet - iv / 2) / iv : 0;
	__u32 bits = n->rx_bits;
	/* every HELLO sent since the first heard: losses count from there */
	__u32 window = n->top_seq - n->first_seq + 1 + missed, heard;

	if (missed >= HELLO_WINDOW)
		return 0;
	bits <<= missed;
	if (window > HELLO_WINDOW)
		window = HELLO_WINDOW;
	heard = __builtin_popcount(bits & ((1U << HELLO_WINDOW) - 1));
	if (heard > window)
		window = heard;
	return window ? heard * 255 / window : 0;
}

static unsigned int port_kbps(const struct hnd *d, int p)
{
	return d->cfg.port_kbps[p] ?: d->cfg.link_kbps;
}

/*
 * The LSA cost: by default ETT, ETX times a frame's airtime at the port's
 * capacity, so that the default next hops without a model route as
 * B.A.T.M.A.N. V; route-metric picks ETX alone or hop count instead, or
 * ETT weighed by the port's transmit utilisation (up to twice it, full),
 * as Babel with a cost from measured load: the load-aware baseline.
 * A link either way has lost cannot carry anything whatever the metric.
 */
__u16 hnd_neigh_cost(const struct hnd *d, const struct hnd_neigh *n)
{
	switch (d->cfg.route_metric) {
	case HND_METRIC_ETT_LOAD:
		return hn_link_ett_load(
			hn_link_ett(n->rx_ratio, n->tx_ratio,
				    port_kbps(d, n->port)),
			hn_util_from_pm(d->ports[n->port].util));
	case HND_METRIC_ETX:
		return hn_link_cost(n->rx_ratio, n->tx_ratio);
	case HND_METRIC_HOPS:
		return n->rx_ratio && n->tx_ratio ? HND_HOP_COST : 0xffff;
	default:
		return hn_link_ett(n->rx_ratio, n->tx_ratio,
				   port_kbps(d, n->port));
	}
}

static void features(const struct hnd *d, const struct hnd_neigh *n,
		     __u8 feat[HN_NB_NFEAT])
{
	hn_link_features(n->rx_ratio, n->tx_ratio, n->rtt_ns,
			 d->ports[n->port].util, port_kbps(d, n->port), feat);
}

/* The port's transmit byte counter; -1 if it cannot be read. */
static int tx_bytes(const char *dev, __u64 *v)
{
	char path[128], buf[32];
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "%s/%s/statistics/tx_bytes", hnd_sysfs_net,
		 dev);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -1;
	buf[len] = 0;
	*v = strtoull(buf, NULL, 10);
	return 0;
}

/*
 * Transmit utilisation of port @p since its last sample, in permille of
 * its capacity (at most 1000: what the link drops is offered, not
 * carried).  A counter that cannot be read or went back (the device was
 * recreated) restarts the measurement at 0.
 */
static void util_sample(struct hnd *d, int p, __u64 now)
{
	struct hnd_port *pt = &d->ports[p];
	__u64 bytes, cap, u;

	if (pt->tx_ns && now - pt->tx_ns < UTIL_PERIOD_NS)
		return;
	if (!pt->ifindex || tx_bytes(pt->name, &bytes)) {
		pt->tx_ns = 0;
		pt->util = 0;
		return;
	}
	pt->util = 0;
	if (pt->tx_ns && bytes >= pt->tx_bytes) {
		/* bits the link can carry in the period: kbit/s * us / 1000 */
		cap = (__u64)port_kbps(d, p) * ((now - pt->tx_ns) / 1000) /
		      1000;
		u = cap ? (bytes - pt->tx_bytes) * 8 * 1000 / cap : 0;
		pt->util = u > 1000 ? 1000 : u;
	}
	pt->tx_bytes = bytes;
	pt->tx_ns = now;
}

static int neigh_write(struct hnd *d, struct hnd_neigh *n, __u64 now)
{
	struct hnd_port *pt = &d->ports[n->port];
	struct hn_dp_neigh e = { 0 };
	char err[160];
	int ret;

	e.node = n->node;
	e.ifindex = pt->ifindex;
	memcpy(e.mac, n->mac, 6);
	memcpy(e.port_mac, pt->mac, 6);
	features(d, n, e.feat);
	ret = hn_dp_set_neigh(d->dp, n->dp_idx, &e, err, sizeof(err));
	if (ret) {
		d->st.dp_errors++;
		hnd_log(d, LOG_E, "neighbour %u: %s", n->node, err);
		return ret;
	}
	memcpy(n->feat, e.feat, sizeof(n->feat));
	n->feat_ns = now;
	return 0;
}

static void neigh_up(struct hnd *d, struct hnd_neigh *n, __u64 now)
{
	char who[HN_NODE_LONGLEN];

	if (neigh_write(d, n, now))
		return;
	n->up = true;
	n->cost = hnd_neigh_cost(d, n);
	n->next_probe_ns = now;
	d->st.neigh_up++;
	d->lsa_dirty = true;
	hnd_log(d, LOG_I, "neighbour %s up on %s",
		hn_fmt_node_long(d->names, n->node, who),
		d->ports[n->port].name);
	hnd_ev_neigh(d, n, NULL);
	/* No HELLO field says which campaign it holds: send ours. */
	hnd_campaign_send_to(d, n);
}

static void neigh_down(struct hnd *d, struct hnd_neigh *n, const char *why)
{
	char who[HN_NODE_LONGLEN];

	if (n->up) {
		hn_dp_del_neigh(d->dp, n->dp_idx);
		d->st.neigh_down++;
		d->lsa_dirty = true;
		hnd_log(d, LOG_I, "neighbour %s down: %s",
			hn_fmt_node_long(d->names, n->node, who), why);
		hnd_ev_neigh(d, n, why);
	}
	n->used = false;
	n->up = false;
}

/* A challenge answered from @mac on port @p: that neighbour is real. */
static void neigh_verified(struct hnd *d, __u32 node, int p, const __u8 *mac,
			   __u64 now)
{
	struct hnd_neigh *n = hnd_neigh_find(d, node);

	if (!n || n->port != p || memcmp(n->mac, mac, 6) || n->verified)
		return;
	n->verified = true;
	if (!n->up && n->tx_ratio) {
		neigh_up(d, n, now);
		if (n->up && n->model_gen < d->model_gen)
			hnd_model_send_to(d, n);
	}
}

void hnd_neigh_down_port(struct hnd *d, int p, const char *why)
{
	unsigned int i;

	for (i = 0; i < HND_MAX_NEIGH; i++)
		if (d->nb[i].used && d->nb[i].port == p)
			neigh_down(d, &d->nb[i], why);
}

static void hello_window(struct hnd_neigh *n, __u32 seq)
{
	__u32 ahead = seq - n->top_seq;

	/* a jump is a restart of its agent, not lost HELLOs: start over */
	if (n->n_heard && (ahead < 32 || n->top_seq - seq < 32)) {
		if (ahead && ahead < 32) {
			n->rx_bits = (n->rx_bits << ahead) | 1;
			n->top_seq = seq;
		} else {
			n->rx_bits |= 1U << (n->top_seq - seq);
		}
	} else {
		n->top_seq = seq;
		n->first_seq = seq;
		n->rx_bits = 1;
		n->n_heard = 0;
	}
	n->n_heard++;
}

void hnd_hello_rx(struct hnd *d, int p, const __u8 *mac,
		  const struct hn_ctrl_msg *m)
{
	const struct hn_ctrl_hello *h = &m->u.hello;
	struct hnd_neigh *n = hnd_neigh_find(d, m->src);
	__u64 now = hnd_now();
	unsigned int i;

	d->st.hello_rx++;
	if (n && n->port != p) {
		/* heard on a second port: keep the first while it lives */
		return;
	}
	if (!n) {
		n = neigh_new(d, m->src);
		if (!n) {
			hnd_log(d, LOG_W,
				"neighbour %u on %s ignored: %d neighbours already",
				m->src, d->ports[p].name, HND_MAX_NEIGH);
			return;
		}
		n->port = p;
		n->first_ns = now;
		hnd_log(d, LOG_D, "neighbour %u heard on %s", m->src,
			d->ports[p].name);
	}
	if (memcmp(n->mac, mac, 6)) {
		/*
		 * Verified at one address, it stays there while it lives,
		 * as on one port: a HELLO of its from elsewhere (its other
		 * port's, replayed here) must not move it.  Unverified, the
		 * newest address is the one to challenge.
		 */
		if (n->verified)
			return;
		memcpy(n->mac, mac, 6);
	}
	hello_window(n, m->seq);
	n->last_ns = now;
	n->interval_ms = h->interval_ms;
	n->rx_ratio = rx_ratio(n, now);
	n->tx_ratio = 0;
	for (i = 0; i < h->n_heard; i++)
		if (h->heard[i].node == d->cfg.node_id)
			n->tx_ratio = h->heard[i].rx_ratio;
	if (!n->verified)
		hnd_challenge(d, hnd_sender(d, m->src), p, mac);
	if (!n->up && n->tx_ratio && n->verified)
		neigh_up(d, n, now);
	else if (n->up && !n->tx_ratio)
		neigh_down(d, n, "no longer hears us");
	if (n->model_gen != h->model_gen)
		n->model_sends = 0; /* it moved: back to a short wait */
	n->model_gen = h->model_gen;
	if (n->up && n->model_gen < d->model_gen)
		hnd_model_send_to(d, n);
}

void hnd_probe_rx(struct hnd *d, int p, const __u8 *mac,
		  const struct hn_ctrl_msg *m)
{
	struct hn_ctrl_msg a;

	d->st.probe_rx++;
	hnd_msg_init(d, &a, HN_T_ACK);
	a.dst = m->src;
	a.u.probe = m->u.probe;
	hnd_send(d, p, mac, &a);
}

void hnd_ack_rx(struct hnd *d, const struct hn_ctrl_msg *m)
{
	struct hnd_neigh *n = hnd_neigh_find(d, m->src);
	__u64 now = hnd_now(), rtt;

	d->st.ack_rx++;
	if (!n || m->u.probe.id != n->probe_id || !n->probe_sent_ns ||
	    m->u.probe.t_ns != n->probe_sent_ns)
		return;
	rtt = now - n->probe_sent_ns;
	n->probe_sent_ns = 0;
	/* weight 1/4: the trainer's simulator smooths the same way */
	n->rtt_ns = n->rtt_ns ? (3 * n->rtt_ns + rtt) / 4 : rtt;
}

/* The neighbours heard on port @p and how well, into @h's heard list. */
static void hello_heard(struct hnd *d, int p, struct hn_ctrl_hello *h,
			__u64 now)
{
	unsigned int i;

	for (i = 0; i < HND_MAX_NEIGH && h->n_heard < HN_HELLO_MAX_HEARD; i++) {
		struct hnd_neigh *n = &d->nb[i];

		if (!n->used || n->port != p)
			continue;
		h->heard[h->n_heard].node = n->node;
		h->heard[h->n_heard].rx_ratio = rx_ratio(n, now) ?: 1;
		h->n_heard++;
	}
}

static void hello_tx(struct hnd *d, int p)
{
	struct hn_ctrl_msg m;
	struct hn_ctrl_hello *h = &m.u.hello;
	__u64 now = hnd_now();

	hnd_msg_init(d, &m, HN_T_HELLO);
	m.flags = HN_F_MCAST;
	m.dst = HN_GROUP_ALL;
	m.seq = ++d->ports[p].hello_seq;
	h->interval_ms = d->cfg.hello_ms;
	h->load = d->cfg.load;
	h->capacity = d->cfg.capacity;
	h->model_gen = d->model_gen;
	hello_heard(d, p, h, now);
	if (!hnd_send(d, p, NULL, &m))
		d->st.hello_tx++;
}

/*
 * One HELLO on every attached port now, as the agent stops and leaves the
 * data plane forwarding: its neighbours then count its silence from the
 * stop, not from the last periodic HELLO up to an interval before, and a
 * restart within stale_ns costs no frame.
 */
void hnd_hello_all(struct hnd *d)
{
	unsigned int i;

	for (i = 0; i < d->n_ports; i++)
		if (d->ports[i].attached && d->ports[i].fd >= 0)
			hello_tx(d, i);
}

static void probe_tx(struct hnd *d, struct hnd_neigh *n, __u64 now)
{
	struct hn_ctrl_msg m;

	hnd_msg_init(d, &m, HN_T_PROBE);
	m.dst = n->node;
	n->probe_id++;
	n->probe_sent_ns = now;
	m.u.probe.id = n->probe_id;
	m.u.probe.t_ns = now;
	hnd_send(d, n->port, n->mac, &m);
}

/* Quantised features moved, or the link cost by more than a quarter. */
static void neigh_refresh(struct hnd *d, struct hnd_neigh *n, __u64 now)
{
	__u8 feat[HN_NB_NFEAT];
	__u16 cost = hnd_neigh_cost(d, n);

	if (cost > n->cost + n->cost / 4 || cost + cost / 4 < n->cost) {
		n->cost = cost;
		d->lsa_dirty = true;
	}
	if (now - n->feat_ns < FEAT_PERIOD_NS)
		return;
	features(d, n, feat);
	if (memcmp(feat, n->feat, sizeof(feat)))
		neigh_write(d, n, now);
}

static __u64 jitter(__u64 iv)
{
	/* +-10%, so that HELLOs of neighbours do not lock step */
	return iv - iv / 10 + (__u64)random() % (iv / 5 + 1);
}

void hnd_neigh_tick(struct hnd *d, __u64 now)
{
	__u64 iv = (__u64)d->cfg.hello_ms * NSEC_PER_MSEC;
	unsigned int i;

	for (i = 0; i < d->n_ports; i++) {
		struct hnd_port *pt = &d->ports[i];

		if (hnd_port_check(d, i))
			hnd_neigh_down_port(d, i, "port vanished");
		util_sample(d, i, now);
		if (!pt->ifindex || now < pt->next_hello_ns)
			continue;
		hello_tx(d, i);
		pt->next_hello_ns = now + jitter(iv);
	}
	for (i = 0; i < HND_MAX_NEIGH; i++) {
		struct hnd_neigh *n = &d->nb[i];
		__u64 dead;

		if (!n->used)
			continue;
		dead = (__u64)d->cfg.dead_hellos * n->interval_ms *
		       NSEC_PER_MSEC;
		if (now - n->last_ns > dead + dead / 8) {
			neigh_down(d, n, "HELLOs missed");
			continue;
		}
		n->rx_ratio = rx_ratio(n, now);
		if (!n->up)
			continue;
		neigh_refresh(d, n, now);
		if (now >= n->next_probe_ns) {
			probe_tx(d, n, now);
			n->next_probe_ns = now + jitter((__u64)d->cfg.probe_ms *
							NSEC_PER_MSEC);
		}
	}
}
