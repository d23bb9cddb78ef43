// SPDX-License-Identifier: GPL-2.0
/*
 * Mesh ports: one AF_PACKET socket per port for HyperNet control frames,
 * SOCK_DGRAM so the kernel builds the Ethernet header.  Frames reach the
 * socket after the XDP program has let them pass: HELLOs, frames addressed
 * to this node, and flooded frames seen for the first time.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "dataplane.h"
#include "hypernetd.h"

static const __u8 bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static int port_mac(const char *name, __u8 mac[6])
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ret = ioctl(fd, SIOCGIFHWADDR, &ifr) ? -errno : 0;
	if (!ret)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return ret;
}

static int port_socket(struct hnd *d, struct hnd_port *pt)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_HYPERNET),
		.sll_ifindex = pt->ifindex,
	};
	int fd;

	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    htons(ETH_P_HYPERNET));
	if (fd < 0) {
		hnd_log(d, LOG_E, "port %s: packet socket: %s (needs root)",
			pt->name, strerror(errno));
		return -errno;
	}
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		hnd_log(d, LOG_E, "port %s: bind: %s", pt->name,
			strerror(errno));
		close(fd);
		return -errno;
	}
	pt->fd = fd;
	return 0;
}

/* ifindex of @name (0: none) and whether it has carrier, by one socket. */
static int port_state(const char *name, bool *carrier)
{
	static int fd = -1;
	struct ifreq ifr = { 0 };

	if (fd < 0)
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (fd < 0 || ioctl(fd, SIOCGIFINDEX, &ifr))
		return 0;
	if (carrier) {
		int idx = ifr.ifr_ifindex;

		*carrier = !ioctl(fd, SIOCGIFFLAGS, &ifr) &&
			   (ifr.ifr_flags & IFF_RUNNING);
		return idx;
	}
	return ifr.ifr_ifindex;
}

/* Port @i's interface exists: socket, XDP, and the event loop. */
static int port_up(struct hnd *d, int i)
{
	struct hnd_port *pt = &d->ports[i];
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = i };
	unsigned int fl = d->cfg.xdp_mode == HND_XDP_GENERIC ?
				  HN_DP_ATTACH_GENERIC : 0;
	char err[256];
	int ret;

	ret = port_mac(pt->name, pt->mac);
	if (!ret)
		ret = port_socket(d, pt);
	if (ret)
		return ret;
	if (d->epfd >= 0 && epoll_ctl(d->epfd, EPOLL_CTL_ADD, pt->fd, &ev))
		hnd_log(d, LOG_E, "port %s: epoll: %s", pt->name,
			strerror(errno));
	ret = hn_dp_attach(d->dp, pt->name, fl, err, sizeof(err));
	if (ret && d->cfg.xdp_mode == HND_XDP_AUTO) {
		hnd_log(d, LOG_W,
			"port %s: native XDP failed (%s); using generic mode, slower",
			pt->name, err);
		fl = HN_DP_ATTACH_GENERIC;
		ret = hn_dp_attach(d->dp, pt->name, fl, err, sizeof(err));
	}
	if (ret) {
		hnd_log(d, LOG_E, "port %s: %s", pt->name, err);
		return ret;
	}
	pt->attached = true;
	pt->generic = !!fl;
	pt->next_hello_ns = 0;
	port_state(pt->name, &pt->carrier);
	hnd_log(d, LOG_I, "port %s: XDP attached (%s)", pt->name,
		fl ? "generic" : "native");
	return 0;
}

static void port_down(struct hnd *d, int i)
{
	struct hnd_port *pt = &d->ports[i];

	if (pt->fd >= 0)
		close(pt->fd);	/* also leaves the epoll set */
	pt->fd = -1;
	pt->ifindex = 0;
	pt->attached = false;
}

/*
 * Open every configured port.  A port whose interface does not exist yet
 * (a radio not up, a veth not made) is waited for, not fatal: routers
 * keep running with the ports they have.
 */
int hnd_ports_open(struct hnd *d)
{
	unsigned int i;
	int ret;

	for (i = 0; i < d->cfg.n_ports; i++) {
		struct hnd_port *pt = &d->ports[i];

		/* both IFNAMSIZ, NUL-terminated by hnd_config_set() */
		memcpy(pt->name, d->cfg.ports[i], sizeof(pt->name));
		pt->fd = -1;
		d->n_ports++;
		pt->ifindex = port_state(pt->name, NULL);
		if (!pt->ifindex) {
			hnd_log(d, LOG_W,
				"port %s: no such interface yet, waiting for it (ip link show; check 'port' in the config)",
				pt->name);
			continue;
		}
		ret = port_up(d, i);
		if (ret)
			return ret;
	}
	return 0;
}

void hnd_ports_close(struct hnd *d)
{
	unsigned int i;

	for (i = 0; i < d->n_ports; i++) {
		if (d->ports[i].fd >= 0)
			close(d->ports[i].fd);
		d->ports[i].fd = -1;
	}
}

/*
 * Port @i's interface: 1 if it vanished since the last look (its veth
 * deleted, say), in which case its socket is closed; a port that comes
 * (back) is opened and attached.
 */
int hnd_port_check(struct hnd *d, int i)
{
	struct hnd_port *pt = &d->ports[i];
	bool carrier = false;
	int idx = port_state(pt->name, &carrier);

	if (!pt->ifindex) {
		__u64 now = hnd_now();

		if (idx && now >= pt->retry_ns) {
			pt->ifindex = idx;
			hnd_log(d, LOG_I, "port %s appeared (ifindex %d)",
				pt->name, idx);
			if (port_up(d, i)) {
				port_down(d, i);
				pt->retry_ns = now + NSEC_PER_SEC;
			}
		}
		return 0;
	}
	if (idx == pt->ifindex) {
		/*
		 * Carrier lost (the peer's end went down, a cable pulled):
		 * its neighbours are gone now, not after dead-hellos.
		 */
		if (pt->carrier && !carrier) {
			pt->carrier = false;
			hnd_log(d, LOG_W, "port %s lost carrier", pt->name);
			return 1;
		}
		if (!pt->carrier && carrier)
			hnd_log(d, LOG_I, "port %s has carrier again",
				pt->name);
		pt->carrier = carrier;
		return 0;
	}
	hnd_log(d, LOG_W, "port %s vanished (ifindex %d)", pt->name,
		pt->ifindex);
	port_down(d, i);
	return 1;
}

/*
 * Replay counters start from the realtime clock in nanoseconds and count
 * frames from there: they keep increasing across restarts without a file
 * (a run never sends a frame per nanosecond), and receivers' 64-frame
 * windows span 64 frames, not 64 ns.
 */
static __u64 next_counter(struct hnd *d)
{
	struct timespec ts;

	if (!d->counter) {
		clock_gettime(CLOCK_REALTIME, &ts);
		d->counter = (__u64)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
	}
	return ++d->counter;
}

void hnd_msg_init(struct hnd *d, struct hn_ctrl_msg *m, __u8 type)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->ttl = 1;
	m->src = d->cfg.node_id;
}

static int port_xmit(struct hnd *d, struct hnd_port *pt, const __u8 *mac,
		     const void *buf, size_t len)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_HYPERNET),
		.sll_ifindex = pt->ifindex,
		.sll_halen = 6,
	};

	if (!pt->ifindex || pt->fd < 0)
		return -ENODEV;
	memcpy(sll.sll_addr, mac ? mac : bcast, 6);
	if (sendto(pt->fd, buf, len, 0, (struct sockaddr *)&sll,
		   sizeof(sll)) < 0) {
		d->st.tx_errors++;
		return -errno;
	}
	d->st.tx_frames++;
	/* what the wire carries: Ethernet header included */
	d->st.tx_bytes += len + 14;
	return 0;
}

static int encode(struct hnd *d, struct hn_ctrl_msg *m, __u8 *buf)
{
	int len;

	m->counter = next_counter(d);
	len = hn_ctrl_encode(buf, HN_CTRL_MAX, m, &d->cfg.keys[0]);
	if (len < 0)
		hnd_log(d, LOG_E, "cannot encode a type %u frame: %s",
			m->type, strerror(-len));
	return len;
}

int hnd_send(struct hnd *d, int p, const __u8 *mac, struct hn_ctrl_msg *m)
{
	__u8 buf[HN_CTRL_MAX];
	int len = encode(d, m, buf);

	if (len < 0)
		return len;
	return port_xmit(d, &d->ports[p], mac, buf, len);
}

/*
 * Flooding: the same frame (one seq) out of every port; the data planes
 * downstream forward it once each and drop the copies by (src, seq).
 * Flood seqs also start from the clock, for the same reason as counters.
 */
/*
 * Record our own flood (src self, @seq) in the data plane's window, as if
 * it had passed through it: copies coming back to us over the mesh are
 * then dropped as duplicates instead of being flooded a second time.
 */
static void mark_own_flood(struct hnd *d, __u32 seq)
{
	int fd = hn_dp_map_fd(d->dp, "hn_mcast_win");
	__u32 self = d->cfg.node_id;
	struct hn_dp_mcast_win w = { 0 };
	int verdict;

	if (fd < 0)
		return;
	if (bpf_map_lookup_elem(fd, &self, &w))
		w.win = hn_dp_mcast_win_first(seq);
	else
		w.win = hn_dp_mcast_win_add(w.win, seq, &verdict);
	bpf_map_update_elem(fd, &self, &w, BPF_ANY);
}

int hnd_flood(struct hnd *d, struct hn_ctrl_msg *m)
{
	__u8 buf[HN_CTRL_MAX];
	struct timespec ts;
	unsigned int i;
	__u32 ms;
	int len, sent = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	ms = (__u32)((__u64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
	d->flood_seq = hn_seq_newer(ms, d->flood_seq) ? ms : d->flood_seq + 1;
	m->flags = HN_F_MCAST;
	m->dst = HN_GROUP_ALL;
	m->ttl = HN_TTL_DEFAULT;
	m->seq = d->flood_seq;
	len = encode(d, m, buf);
	if (len < 0)
		return len;
	mark_own_flood(d, m->seq);
	for (i = 0; i < d->n_ports; i++)
		if (!port_xmit(d, &d->ports[i], NULL, buf, len))
			sent++;
	return sent ? 0 : -ENETDOWN;
}

static struct hnd_sender *sender(struct hnd *d, __u32 node)
{
	unsigned int i;

	for (i = 0; i < d->n_senders; i++)
		if (d->senders[i].node == node)
			return &d->senders[i];
	if (d->n_senders == HND_MAX_SENDERS)
		return NULL;
	memset(&d->senders[i], 0, sizeof(d->senders[i]));
	d->senders[i].node = node;
	d->n_senders++;
	return &d->senders[i];
}

static void dispatch(struct hnd *d, int p, const __u8 *mac, __u8 *buf,
		     size_t len)
{
	struct hn_ctrl_msg m;
	struct hnd_sender *s;
	char why[160];
	int err;

	/* data frames for this node are the applications' business */
	if (len >= HN_HDR_LEN) {
		__u8 type = buf[1];

		if (type == HN_T_DATA || type == HN_T_TENSOR) {
			d->st.rx_ignored++;
			return;
		}
	}
	err = hn_ctrl_decode(buf, len, &m, d->cfg.keys, d->cfg.n_keys, why,
			     sizeof(why));
	if (err) {
		if (err > 0 && err < __HN_CE_MAX)
			d->st.rx_bad[err]++;
		hnd_log(d, LOG_D, "port %s: dropped frame (%s): %s",
			d->ports[p].name, hn_ctrl_err_name(err), why);
		return;
	}
	if (m.src == d->cfg.node_id) {
		d->st.rx_own++;
		return;
	}
	s = sender(d, m.src);
	err = s ? hn_replay_accept(&s->replay, m.counter) : -ENOSPC;
	if (err) {
		/* -EALREADY: seen (a replay, or a copy by a second path) */
		if (err == -EALREADY)
			d->st.rx_replay++;
		else
			d->st.rx_stale++;
		hnd_log(d, LOG_D, "port %s: frame from %u dropped: %s",
			d->ports[p].name, m.src,
			err == -EALREADY ? "counter seen before" :
			err == -ESTALE	 ? "counter older than the window" :
					   "too many senders");
		return;
	}
	switch (m.type) {
	case HN_T_HELLO:
		hnd_hello_rx(d, p, mac, &m);
		break;
	case HN_T_PROBE:
		hnd_probe_rx(d, p, mac, &m);
		break;
	case HN_T_ACK:
		hnd_ack_rx(d, &m);
		break;
	case HN_T_GOSSIP:
		hnd_lsa_rx(d, &m);
		break;
	case HN_T_MODEL_CHUNK:
		hnd_chunk_rx(d, &m);
		break;
	default:
		d->st.rx_ignored++;
	}
}

void hnd_port_rx(struct hnd *d, int p)
{
	struct hnd_port *pt = &d->ports[p];
	__u8 buf[HN_CTRL_MAX + 64];
	int budget = 64;

	while (budget--) {
		struct sockaddr_ll sll;
		socklen_t sl = sizeof(sll);
		ssize_t n;

		n = recvfrom(pt->fd, buf, sizeof(buf), MSG_TRUNC,
			     (struct sockaddr *)&sll, &sl);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				hnd_log(d, LOG_D, "port %s: recv: %s",
					pt->name, strerror(errno));
			return;
		}
		/* our own frames and the data plane's clones, going out */
		if (sll.sll_pkttype == PACKET_OUTGOING)
			continue;
		d->st.rx_frames++;
		d->st.rx_bytes += n + 14;	/* on the wire, as tx_bytes */
		if ((size_t)n > sizeof(buf)) {
			d->st.rx_bad[HN_CE_LENGTH]++;
			continue;
		}
		dispatch(d, p, sll.sll_addr, buf, n);
	}
}
