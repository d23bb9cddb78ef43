/* SPDX-License-Identifier: GPL-2.0 */
/* Packet sockets in namespaces and the router's counters (wire.c). */
#ifndef _HN_HOSTILE_WIRE_H
#define _HN_HOSTILE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>
#include <linux/types.h>
#include <hypernet/dataplane.h>

#include "hostile.h"

/* A device in a namespace, and a packet socket on it. */
struct hx_ep {
	char name[32]; /* role in the report */
	char ns[64];
	char dev[IFNAMSIZ];
	int ifindex;
	__u8 mac[6];
	int fd;
	int port; /* router port it faces */
	int router; /* loops: which router */
	unsigned long long got, unexpected;
};

/* Open a socket on @e (capture: every frame arriving, tags restored). */
int hx_ep_open(struct hx_ep *e, bool capture);
int hx_dev_mac(const char *ns, const char *dev, __u8 mac[6]);
int hx_send(struct hx_ep *e, const __u8 *f, size_t len);
int hx_recv(struct hx_ep *e, __u8 *buf, size_t *len);
unsigned int hx_drops(struct hx_ep *e);

#define HX_MAX_EXTRA 32

struct hx_counts {
	__u64 v[HX_NCTR];
	bool have[HX_NCTR];
	int nextra;
	struct {
		char name[48];
		__u64 v;
	} extra[HX_MAX_EXTRA];
};

int hx_stats_open(const char *pins);
__u64 hx_stats_seen(const struct hn_dp_stats *st);
int hx_stats_cmd(const char *cmd, struct hx_counts *out);

#endif /* _HN_HOSTILE_WIRE_H */
