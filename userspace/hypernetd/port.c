// SPDX-License-Identifier: GPL-2.0
/*
 * Mesh ports: one AF_PACKET socket per port for HyperNet control frames,
 * SOCK_DGRAM so the kernel builds the Ethernet header.  Frames reach the
 * socket after the XDP program has let them pass: HELLOs, frames addressed
 * to this node, and flooded frames seen for the first time.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <linux/if_packet.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "dp.h"
#include "frames.h"
#include "hypernetd.h"

static const __u8 bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static int port_socket(struct hnd *d, struct hnd_port *pt)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_HYPERNET),
		.sll_ifindex = pt->ifindex,
	};
	int fd, one = 1, rcvbuf = 4 << 20;

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
	/* arrival times for the replay windows (rx_time()) */
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	/*
	 * A round's aggregator gets every node's masked input at once
	 * (fedround.c): room for a burst while it computes (root: past
	 * rmem_max; a failure leaves the default)
	 */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
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
	int ret;

	ret = hn_if_mac(pt->name, pt->mac);
	if (!ret)
		ret = port_socket(d, pt);
	if (ret)
		return ret;
	if (d->epfd >= 0 && epoll_ctl(d->epfd, EPOLL_CTL_ADD, pt->fd, &ev))
		hnd_log(d, LOG_E, "port %s: epoll: %s", pt->name,
			strerror(errno));
	ret = hnd_port_attach(d, i);
	if (ret)
		return ret;
	pt->next_hello_ns = 0;
	port_state(pt->name, &pt->carrier);
	return 0;
}

static void port_down(struct hnd *d, int i)
{
	struct hnd_port *pt = &d->ports[i];

	if (pt->fd >= 0)
		close(pt->fd); /* also leaves the epoll set */
	pt->fd = -1;
	pt->ifindex = 0;
	pt->attached = false;
}

int hnd_port_add(struct hnd *d, int i)
{
	struct hnd_port *pt = &d->ports[i];

	memset(pt, 0, sizeof(*pt));
	/* both IFNAMSIZ, NUL-terminated by hnd_config_set() */
	memcpy(pt->name, d->cfg.ports[i], sizeof(pt->name));
	pt->fd = -1;
	pt->ifindex = port_state(pt->name, NULL);
	if (!pt->ifindex) {
		hnd_log(d, LOG_W,
			"port %s: no such interface yet, waiting for it (ip link show; check 'port' in the config)",
			pt->name);
		return 0;
	}
	return port_up(d, i);
}

void hnd_port_remove(struct hnd *d, int i)
{
	struct hnd_port *pt = &d->ports[i];
	char err[256];

	/* ours only: another program there stays */
	if (d->dp && pt->attached && pt->ifindex &&
	    hn_dp_detach(d->dp, pt->name, err, sizeof(err)))
		hnd_log(d, LOG_W, "port %s: %s", pt->name, err);
	port_down(d, i);
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
		d->n_ports++;
		ret = hnd_port_add(d, i);
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
 * Replay counters follow a clock in nanoseconds: the realtime clock when
 * the agent starts, so that they keep increasing across restarts without
 * a file, then the monotonic clock from there, so that a clock set by NTP
 * while we run moves nothing.  Receivers allow a counter ahead of the last
 * one they saw by about the time since (hn_replay_accept()); a run never
 * sends a frame per nanosecond, so one more per frame keeps them unique.
 */
static __u64 next_counter(struct hnd *d)
{
	static __u64 base, mono0;
	struct timespec ts;
	__u64 c;

	if (!base) {
		clock_gettime(CLOCK_REALTIME, &ts);
		base = (__u64)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
		mono0 = hnd_now();
	}
	c = base + (hnd_now() - mono0);
	d->counter = c > d->counter ? c : d->counter + 1;
	return d->counter;
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
	if (sendto(pt->fd, buf, len, 0, (struct sockaddr *)&sll, sizeof(sll)) <
	    0) {
		d->st.tx_errors++;
		return -errno;
	}
	d->st.tx_frames++;
	/* what the wire carries: Ethernet header included */
	d->st.tx_bytes += len + 14;
	hnd_neigh_count(d, pt - d->ports, mac, len + 14, false);
	return 0;
}

static int encode(struct hnd *d, struct hn_ctrl_msg *m, __u8 *buf)
{
	int len;

	m->counter = next_counter(d);
	len = hn_ctrl_encode(buf, HN_CTRL_MAX, m, hnd_config_send_key(&d->cfg));
	if (len < 0)
		hnd_log(d, LOG_E, "cannot encode a type %u frame: %s", m->type,
			strerror(-len));
	return len;
}

int hnd_send(struct hnd *d, int p, const __u8 *mac, struct hn_ctrl_msg *m)
{
	__u8 buf[HN_CTRL_MAX];
	int len;

	/* link-local frames are signed with the link's addresses */
	memcpy(m->l2.dst, mac ? mac : bcast, 6);
	memcpy(m->l2.src, d->ports[p].mac, 6);
	len = encode(d, m, buf);
	if (len < 0)
		return len;
	return port_xmit(d, &d->ports[p], mac, buf, len);
}

/*
 * Record flood (@src, @seq), which we sent or authenticated, in the data
 * plane's control-flood window (hn_mcast_ctl): copies coming back to us
 * over the mesh are then dropped as duplicates, and the next floods of
 * @src are copied on by the data plane at once.  Only the agent creates
 * these windows, so a forger without the key can neither make one nor
 * move one far.
 */
static void flood_confirm(struct hnd *d, __u32 src, __u32 seq)
{
	int fd = hn_dp_map_fd(d->dp, "hn_mcast_ctl");
	struct hn_dp_mcast_win w = { 0 };

	if (fd < 0)
		return;
	if (bpf_map_lookup_elem(fd, &src, &w))
		w.win = hn_dp_mcast_win_first(seq);
	else
		w.win = hn_dp_mcast_win_anchor(w.win, seq);
	bpf_map_update_elem(fd, &src, &w, BPF_ANY);
}

/*
 * Flooding: the same frame (one seq) out of every port; the data planes
 * downstream forward it once each and drop the copies by (src, seq).
 * Flood seqs start from the realtime clock in milliseconds, so that a
 * restarted agent is not taken for an old one, and then count floods one
 * by one: the data plane moves a window at most HN_DP_MCAST_JUMP_MAX at
 * a time, and a restart's jump goes through the agents once.
 */
int hnd_flood(struct hnd *d, struct hn_ctrl_msg *m)
{
	__u8 buf[HN_CTRL_MAX];
	struct timespec ts;
	unsigned int i;
	int len, sent = 0;

	if (!d->flood_seq) {
		clock_gettime(CLOCK_REALTIME, &ts);
		d->flood_seq =
			(__u32)((__u64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
	}
	d->flood_seq++;
	m->flags = HN_F_MCAST;
	m->dst = HN_GROUP_ALL;
	m->ttl = HN_TTL_DEFAULT;
	m->seq = d->flood_seq;
	len = encode(d, m, buf);
	if (len < 0)
		return len;
	flood_confirm(d, d->cfg.node_id, m->seq);
	for (i = 0; i < d->n_ports; i++)
		if (!port_xmit(d, &d->ports[i], NULL, buf, len))
			sent++;
	return sent ? 0 : -ENETDOWN;
}

/*
 * An authenticated flood the data plane passed up without copying it on
 * (HN_RSV_NOT_COPIED: it could not vouch for the seq): confirm the seq in
 * its window and send it on out of every other port, as the TC program
 * would have.  Only frames new to our replay window get here, so each
 * copy goes out once.
 */
static void flood_forward(struct hnd *d, int in, __u8 *buf, size_t len,
			  const struct hn_ctrl_msg *m)
{
	unsigned int i;

	flood_confirm(d, m->src, m->seq);
	if (m->ttl <= 1)
		return;
	buf[offsetof(struct hnhdr, ttl)] = m->ttl - 1;
	buf[offsetof(struct hnhdr, reserved)] = 0;
	for (i = 0; i < d->n_ports; i++)
		if ((int)i != in && d->ports[i].attached &&
		    !port_xmit(d, &d->ports[i], NULL, buf, len))
			d->st.flood_fwd++;
}

/*
 * The Ethernet addresses frame @sll came between, for link-local MACs:
 * broadcast or this port; anything else (a multicast address, another
 * host's, seen in promiscuous mode) was not sent to us.  -1 then.
 */
static int rx_l2(const struct hnd_port *pt, const struct sockaddr_ll *sll,
		 struct hn_ctrl_l2 *l2)
{
	if (sll->sll_halen != 6)
		return -1;
	if (sll->sll_pkttype == PACKET_BROADCAST)
		memcpy(l2->dst, bcast, 6);
	else if (sll->sll_pkttype == PACKET_HOST)
		memcpy(l2->dst, pt->mac, 6);
	else
		return -1;
	memcpy(l2->src, sll->sll_addr, 6);
	return 0;
}

/*
 * A frame that failed authentication: a notice, at most one per neighbour
 * every 10 s with how many failed since, when it comes from a neighbour's
 * address (a key mismatch, or someone sending as it); otherwise only
 * rate-limited debug lines.
 */
static void auth_failed(struct hnd *d, int p, const __u8 *mac, int err,
			const char *why)
{
	__u64 now = hnd_now();
	unsigned int i;

	for (i = 0; i < HND_MAX_NEIGH; i++) {
		struct hnd_neigh *n = &d->nb[i];

		if (!n->used || n->port != p || memcmp(n->mac, mac, 6))
			continue;
		n->auth_fails++;
		if (n->auth_log_ns && now - n->auth_log_ns < 10 * NSEC_PER_SEC)
			return;
		hnd_log(d, LOG_N,
			"neighbour %u on %s: %llu frame(s) failed authentication (%s): %s; check that its mesh-key and key id match ours",
			n->node, d->ports[p].name,
			(unsigned long long)n->auth_fails,
			hn_ctrl_err_name(err), why);
		n->auth_log_ns = now;
		n->auth_fails = 0;
		return;
	}
	hnd_log_rl(d, &d->rl_rx, LOG_D, "port %s: dropped frame (%s): %s",
		   d->ports[p].name, hn_ctrl_err_name(err), why);
}

/* The replay window refused @m: count it, and challenge a link-local one. */
static void replay_refused(struct hnd *d, int p, const __u8 *mac,
			   struct hnd_sender *s, const struct hn_ctrl_msg *m,
			   int err)
{
	const char *what = "too many senders";

	switch (err) {
	case -EALREADY:
		/* a replay, or a copy by a second path */
		d->st.rx_replay++;
		what = "counter seen before";
		break;
	case -ESTALE:
		d->st.rx_stale++;
		what = "counter older than the window";
		break;
	case -ERANGE:
		d->st.rx_jump++;
		what = "counter further ahead than the time since its last";
		break;
	default:
		d->st.rx_no_sender++;
		break;
	}
	/*
	 * A neighbour whose clock went back, or whose window a key holder's
	 * forged frame moved ahead, proves itself by answering a challenge
	 * on its link; replays only make us ask (at most once a second).
	 */
	if (s && err != -EALREADY && hn_ctrl_link_local(m->type))
		hnd_challenge(d, s, p, mac);
	hnd_log_rl(d, &d->rl_rx, LOG_D, "port %s: frame from %u dropped: %s",
		   d->ports[p].name, m->src, what);
}

void hnd_port_dispatch(struct hnd *d, int p, const struct sockaddr_ll *sll,
		       __u8 *buf, size_t len, __u64 rx_ns)
{
	const __u8 *mac = sll->sll_addr;
	struct hn_ctrl_msg m;
	struct hn_ctrl_l2 l2;
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
	if (rx_l2(&d->ports[p], sll, &l2)) {
		if (len < HN_HDR_LEN || hn_ctrl_link_local(buf[1])) {
			d->st.rx_link++;
			return;
		}
		/* floods cross many links: their MACs do not cover one */
		memset(&l2, 0, sizeof(l2));
	}
	err = hn_ctrl_decode(buf, len, &l2, &m, d->cfg.keys, d->cfg.n_keys, why,
			     sizeof(why));
	if (err) {
		if (err > 0 && err < __HN_CE_MAX)
			d->st.rx_bad[err]++;
		if (err == HN_CE_MAC || err == HN_CE_KEY)
			auth_failed(d, p, mac, err, why);
		else
			hnd_log_rl(d, &d->rl_rx, LOG_D,
				   "port %s: dropped frame (%s): %s",
				   d->ports[p].name, hn_ctrl_err_name(err),
				   why);
		return;
	}
	if (m.src == d->cfg.node_id) {
		d->st.rx_own++;
		return;
	}
	s = hnd_sender(d, m.src);
	if (s && hnd_challenge_answered(d, s, p, mac, &m))
		return;
	err = s ? hn_replay_accept(&s->replay, m.counter, rx_ns) : -ENOSPC;
	if (err) {
		replay_refused(d, p, mac, s, &m, err);
		return;
	}
	s->ok_ns = hnd_now();
	if ((m.flags & HN_F_MCAST) && (buf[5] & HN_RSV_NOT_COPIED))
		flood_forward(d, p, buf, len, &m);
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
	case HN_T_FED:
		hnd_fed_rx(d, &m);
		break;
	case HN_T_ECHO:
		hnd_echo_rx(d, &m, rx_ns);
		break;
	default:
		d->st.rx_ignored++;
	}
	/* after: a first HELLO made its sender a neighbour */
	hnd_neigh_count(d, p, mac, len + 14, true);
}

/*
 * When @msg's frame reached the socket, on hnd_now()'s clock: the kernel
 * stamps it on the realtime clock.  A frame waiting in the queue while the
 * agent was busy is not a frame from a sender whose clock ran ahead
 * (hn_replay_accept() compares counters with arrival times).
 */
static __u64 rx_time(struct msghdr *msg)
{
	__u64 now = hnd_now(), real, at, age;
	struct cmsghdr *c;
	struct timespec ts;

	for (c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET ||
		    c->cmsg_type != SCM_TIMESTAMPNS)
			continue;
		memcpy(&ts, CMSG_DATA(c), sizeof(ts));
		at = (__u64)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
		clock_gettime(CLOCK_REALTIME, &ts);
		real = (__u64)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
		age = real > at ? real - at : 0;
		/* a clock set meanwhile: then only now is known */
		return age < now && age < 10 * NSEC_PER_SEC ? now - age : now;
	}
	return now;
}

void hnd_port_rx(struct hnd *d, int p)
{
	struct hnd_port *pt = &d->ports[p];
	__u8 buf[HN_CTRL_MAX + 64];
	char cbuf[CMSG_SPACE(sizeof(struct timespec))];
	int budget = 64;

	while (budget--) {
		struct sockaddr_ll sll;
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr msg = {
			.msg_name = &sll,
			.msg_namelen = sizeof(sll),
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = cbuf,
			.msg_controllen = sizeof(cbuf),
		};
		ssize_t n;

		n = recvmsg(pt->fd, &msg, MSG_TRUNC);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				hnd_log_rl(d, &d->rl_rx, LOG_D,
					   "port %s: recv: %s", pt->name,
					   strerror(errno));
			return;
		}
		/* our own frames and the data plane's clones, going out */
		if (sll.sll_pkttype == PACKET_OUTGOING)
			continue;
		d->st.rx_frames++;
		d->st.rx_bytes += n + 14; /* on the wire, as tx_bytes */
		if ((size_t)n > sizeof(buf)) {
			d->st.rx_bad[HN_CE_LENGTH]++;
			continue;
		}
		hnd_port_dispatch(d, p, &sll, buf, n, rx_time(&msg));
	}
}
