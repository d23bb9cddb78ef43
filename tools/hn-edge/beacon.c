// SPDX-License-Identifier: GPL-2.0
/*
 * hn-edge beacon: HELLOs on one port at a fixed interval, so that the
 * neighbouring XDP router keeps this node live (it stamps last_seen from
 * HELLOs) on a mesh without hypernetd.  Ends when the port goes away:
 * then the router's stale timer, or its first failed transmit, takes the
 * node out of its routes and task placements, as with a dead agent.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ctrl.h"
#include "frames.h"
#include "hn-edge.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static __u64 realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int edge_beacon(const struct edge_opts *o)
{
	struct hn_mesh_key key = { .id = 1 };
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct hn_ctrl_msg m = { 0 };
	__u8 buf[HN_CTRL_MAX];
	unsigned int sent = 0;
	int fd, len;

	if (!o->src) {
		fprintf(stderr, "hn-edge beacon: --src is required\n");
		return 2;
	}
	if (o->key_hex && hn_mesh_key_parse(o->key_hex, &key)) {
		fprintf(stderr, "hn-edge beacon: --key wants 64 hex digits\n");
		return 2;
	}
	sll.sll_protocol = htons(ETH_P_HYPERNET);
	sll.sll_ifindex = if_nametoindex(o->dev);
	sll.sll_halen = 6;
	memset(sll.sll_addr, 0xff, 6);
	if (!sll.sll_ifindex) {
		fprintf(stderr, "hn-edge beacon: no interface %s\n", o->dev);
		return 1;
	}
	fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_HYPERNET));
	if (fd < 0) {
		perror("hn-edge beacon: packet socket");
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	m.type = HN_T_HELLO;
	m.flags = HN_F_MCAST;
	m.ttl = 1;
	m.src = o->src;
	m.dst = HN_GROUP_ALL;
	m.u.hello.interval_ms = o->interval_ms;
	/* signed with the link's addresses, as hypernetd checks them */
	memset(m.l2.dst, 0xff, 6);
	if (hn_if_mac(o->dev, m.l2.src)) {
		fprintf(stderr, "hn-edge beacon: %s: cannot read its MAC\n",
			o->dev);
		close(fd);
		return 1;
	}
	while (!stop) {
		m.seq++;
		m.counter = realtime_ns();
		len = hn_ctrl_encode(buf, sizeof(buf), &m, &key);
		if (len < 0) {
			fprintf(stderr, "hn-edge beacon: encode: %s\n",
				strerror(-len));
			return 1;
		}
		if (sendto(fd, buf, len, 0, (struct sockaddr *)&sll,
			   sizeof(sll)) < 0 &&
		    errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
			/* the port is gone (or down): so is this node */
			fprintf(stderr,
				"hn-edge beacon: %s: %s after %u HELLOs\n",
				o->dev, strerror(errno), sent);
			break;
		}
		sent++;
		usleep(o->interval_ms * 1000);
	}
	close(fd);
	return 0;
}
