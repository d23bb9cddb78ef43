// SPDX-License-Identifier: GPL-2.0
/*
 * The wire side of hn-hostile: packet sockets opened inside the test's
 * network namespaces (one process holds them all, so that it can capture
 * until it has seen every end marker), and the router's counters, read
 * from its pinned hn_stats map for pacing and through `hnctl -j stats`
 * for the checks.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "hostile.h"
#include "wire.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

/* Run the next socket calls inside namespace @ns; hx_ns_leave() returns. */
static int hx_ns_enter(const char *ns, int *home)
{
	char path[256];
	int fd;

	*home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*home < 0)
		return -errno;
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		int err = -errno;

		if (fd >= 0)
			close(fd);
		close(*home);
		return err;
	}
	close(fd);
	return 0;
}

static void hx_ns_leave(int home)
{
	if (setns(home, CLONE_NEWNET))
		perror("hn-hostile: setns back");
	close(home);
}

int hx_ep_open(struct hx_ep *e, bool capture)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	int home, one = 1, buf = 64 << 20, err = 0;
	struct ifreq ifr = { 0 };

	e->fd = -1;
	err = hx_ns_enter(e->ns, &home);
	if (err) {
		fprintf(stderr,
			"hn-hostile: cannot enter network namespace %s: %s\n",
			e->ns, strerror(-err));
		return err;
	}
	e->ifindex = if_nametoindex(e->dev);
	/* protocol 0: nothing is queued before the bind below */
	e->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (!e->ifindex || e->fd < 0) {
		err = -errno;
		fprintf(stderr, "hn-hostile: %s in %s: %s\n", e->dev, e->ns,
			strerror(errno));
		goto out;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", e->dev);
	if (ioctl(e->fd, SIOCGIFHWADDR, &ifr)) {
		err = -errno;
		goto out;
	}
	memcpy(e->mac, ifr.ifr_hwaddr.sa_data, 6);
	if (!capture)
		goto out;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = e->ifindex;
	if (setsockopt(e->fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) ||
	    setsockopt(e->fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) ||
	    bind(e->fd, (struct sockaddr *)&sll, sizeof(sll)) ||
	    fcntl(e->fd, F_SETFL, O_NONBLOCK)) {
		err = -errno;
		fprintf(stderr, "hn-hostile: capture socket on %s in %s: %s\n",
			e->dev, e->ns, strerror(errno));
		goto out;
	}
	/* our own frames would only be skipped below; not even queue them */
	setsockopt(e->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
		   sizeof(one));
out:
	if (err && e->fd >= 0) {
		close(e->fd);
		e->fd = -1;
	}
	hx_ns_leave(home);
	return err;
}

/* MAC of device @dev in namespace @ns. */
int hx_dev_mac(const char *ns, const char *dev, __u8 mac[6])
{
	struct hx_ep e = { 0 };
	int err;

	snprintf(e.ns, sizeof(e.ns), "%s", ns);
	snprintf(e.dev, sizeof(e.dev), "%s", dev);
	err = hx_ep_open(&e, false);
	if (err)
		return err;
	memcpy(mac, e.mac, 6);
	close(e.fd);
	return 0;
}

/*
 * Send one frame out of @e.  0, or a negative errno: -EINVAL is the
 * kernel refusing a frame shorter than an Ethernet header.  A full queue
 * is waited out, not counted as a loss.
 */
int hx_send(struct hx_ep *e, const __u8 *f, size_t len)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_ifindex = e->ifindex,
		.sll_halen = 6,
	};
	int tries;
	ssize_t n;

	if (len >= HX_ETH_HLEN)
		memcpy(&sll.sll_protocol, f + 12, 2);
	for (tries = 0; tries < 1000; tries++) {
		n = sendto(e->fd, f, len, 0, (struct sockaddr *)&sll,
			   sizeof(sll));
		if (n == (ssize_t)len)
			return 0;
		if (n >= 0)
			return -EMSGSIZE;
		if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR)
			return -errno;
		poll(NULL, 0, 1);
	}
	return -ENOBUFS;
}

/*
 * One captured frame into @buf (HX_FRAME_MAX bytes), a VLAN tag the
 * kernel took off put back in place: 1, 0 if none is queued, or a
 * negative errno.
 */
int hx_recv(struct hx_ep *e, __u8 *buf, size_t *len)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = HX_FRAME_MAX - 4 };
	struct msghdr m = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = &ctl,
		.msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *c;
	ssize_t n;

	n = recvmsg(e->fd, &m, MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	*len = (size_t)n > iov.iov_len ? iov.iov_len : (size_t)n;
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		struct tpacket_auxdata a;
		__u16 tpid;

		if (c->cmsg_level != SOL_PACKET ||
		    c->cmsg_type != PACKET_AUXDATA)
			continue;
		memcpy(&a, CMSG_DATA(c), sizeof(a));
		if (!(a.tp_status & TP_STATUS_VLAN_VALID) || *len < 12)
			continue;
		tpid = a.tp_status & TP_STATUS_VLAN_TPID_VALID ?
			       a.tp_vlan_tpid :
			       0x8100;
		memmove(buf + 16, buf + 12, *len - 12);
		buf[12] = tpid >> 8;
		buf[13] = tpid;
		buf[14] = a.tp_vlan_tci >> 8;
		buf[15] = a.tp_vlan_tci;
		*len += 4;
	}
	return 1;
}

/* Frames the capture socket dropped since the last call. */
unsigned int hx_drops(struct hx_ep *e)
{
	struct tpacket_stats st = { 0 };
	socklen_t l = sizeof(st);

	if (getsockopt(e->fd, SOL_PACKET, PACKET_STATISTICS, &st, &l))
		return 0;
	return st.tp_drops;
}

/* ---- counters ------------------------------------------------------------ */

int hx_stats_open(const char *pins)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/hn_stats", pins);
	fd = bpf_obj_get(path);
	if (fd < 0)
		fprintf(stderr,
			"hn-hostile: %s: %s (is the router attached?)\n", path,
			strerror(errno));
	return fd;
}

/* Frames the router's XDP program has seen on all its ports. */
__u64 hx_stats_seen(const struct hn_dp_stats *st)
{
	return st->rx + st->pass_other;
}

/*
 * Run @cmd (`hnctl -j stats` of a router) and parse its flat JSON object
 * into @out: the names of hx_ctr_name, plus every other name it prints in
 * @extra (so that an unexpected counter is seen too).
 */
int hx_stats_cmd(const char *cmd, struct hx_counts *out)
{
	char buf[16384], *p, *q;
	size_t n = 0;
	FILE *f;
	int rc;

	memset(out, 0, sizeof(*out));
	f = popen(cmd, "r");
	if (!f)
		return -errno;
	while (n < sizeof(buf) - 1 && !feof(f)) {
		size_t r = fread(buf + n, 1, sizeof(buf) - 1 - n, f);

		if (!r)
			break;
		n += r;
	}
	buf[n] = 0;
	rc = pclose(f);
	if (rc) {
		fprintf(stderr, "hn-hostile: '%s' failed (status %d)\n", cmd,
			rc);
		return -EIO;
	}
	for (p = strchr(buf, '"'); p; p = strchr(q, '"')) {
		char *name = p + 1;
		unsigned long long v;
		int i;

		q = strchr(name, '"');
		if (!q || q[1] != ':')
			return -EINVAL;
		*q = 0;
		v = strtoull(q + 2, &q, 10);
		for (i = 0; i < HX_NCTR; i++)
			if (!strcmp(name, hx_ctr_name[i]))
				break;
		if (i < HX_NCTR) {
			out->v[i] = v;
			out->have[i] = true;
		} else if (out->nextra < HX_MAX_EXTRA) {
			snprintf(out->extra[out->nextra].name,
				 sizeof(out->extra[0].name), "%s", name);
			out->extra[out->nextra++].v = v;
		}
	}
	return 0;
}
