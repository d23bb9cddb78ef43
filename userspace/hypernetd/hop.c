// SPDX-License-Identifier: GPL-2.0
/*
 * This router's decision for a destination, as its data plane takes it,
 * for hnctl traceroute (echo.c): a data frame for the destination run
 * through the XDP program itself (BPF_PROG_TEST_RUN, nothing sent), the
 * next hop read from the Ethernet destination it was given, the reason
 * from the counters of the CPU it ran on, and with tracing on (hnctl
 * config trace on) the score and margin from that CPU's trace.  main.c
 * hooks it in as hnd.decide; tests run without it.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>

#include "hypernetd.h"

/* Per-CPU map @name's entry 0 on @cpu into @out (@size bytes). */
static int percpu_read(struct hnd *d, const char *name, int cpu, void *out,
		       size_t size)
{
	int fd = hn_dp_map_fd(d->dp, name), n = libbpf_num_possible_cpus();
	size_t stride = (size + 7) & ~(size_t)7;
	__u32 zero = 0;
	void *all;

	if (fd < 0 || n <= 0 || cpu < 0 || cpu >= n)
		return -EINVAL;
	all = calloc(n, stride);
	if (!all)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &zero, all)) {
		free(all);
		return -errno;
	}
	memcpy(out, (char *)all + cpu * stride, size);
	free(all);
	return 0;
}

static __u64 rose(const struct hn_dp_stats *a, const struct hn_dp_stats *b,
		  size_t off)
{
	return *(const __u64 *)((const char *)b + off) -
	       *(const __u64 *)((const char *)a + off);
}

#define ROSE(f) rose(&s0, &s1, offsetof(struct hn_dp_stats, f))

/* Why the run @s0 .. @s1 went as it did (enum hn_dp_reason, or ours). */
static __u8 reason_of(const struct hn_dp_stats *a, const struct hn_dp_stats *b)
{
	struct hn_dp_stats s0 = *a, s1 = *b;

	if (ROSE(drop_no_route))
		return HN_HOP_NO_ROUTE;
	if (ROSE(drop_no_live))
		return HN_DP_R_NO_LIVE;
	if (ROSE(fb_stale))
		return HN_DP_R_STALE;
	if (ROSE(fb_margin))
		return HN_DP_R_MARGIN;
	if (ROSE(fb_no_model))
		return HN_DP_R_NO_MODEL;
	return HN_DP_R_MODEL;
}

/* The up neighbour at @mac, its node id; 0 if none. */
static __u32 neigh_at(struct hnd *d, const __u8 *mac)
{
	unsigned int i;

	for (i = 0; i < HND_MAX_NEIGH; i++)
		if (d->nb[i].used && d->nb[i].up &&
		    !memcmp(d->nb[i].mac, mac, 6))
			return d->nb[i].node;
	return 0;
}

static int first_port(struct hnd *d)
{
	unsigned int i;

	for (i = 0; i < d->n_ports; i++)
		if (d->ports[i].ifindex && d->ports[i].attached)
			return i;
	return -1;
}

/* Run a data frame for @dst through the program; its verdict, or -errno. */
static int run(struct hnd *d, int p, __u32 dst, __u8 *out, __u32 *out_len)
{
	__u8 in[ETH_HLEN + HN_HDR_LEN] = { 0 };
	struct hnhdr *h = (struct hnhdr *)(in + ETH_HLEN);
	struct xdp_md ctx = { .data_end = sizeof(in),
			      .ingress_ifindex = d->ports[p].ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in,
		    .data_size_in = sizeof(in), .data_out = out,
		    .data_size_out = *out_len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);

	memcpy(in, d->ports[p].mac, 6);
	in[12] = ETH_P_HYPERNET >> 8;
	in[13] = ETH_P_HYPERNET & 0xff;
	h->version = HN_VERSION;
	h->type = HN_T_DATA;
	h->ttl = HN_TTL_DEFAULT;
	h->src = htobe32(d->cfg.node_id);
	h->dst = htobe32(dst);
	if (bpf_prog_test_run_opts(hn_dp_xdp_fd(d->dp), &o))
		return -errno;
	*out_len = o.data_size_out;
	return o.retval;
}

int hnd_hop_decide(struct hnd *d, __u32 dst, struct hn_echo_hop *hop)
{
	struct hn_dp_trace t0 = { 0 }, t1 = { 0 };
	struct hn_dp_stats s0, s1;
	__u8 out[256];
	__u32 out_len = sizeof(out);
	int p = first_port(d), cpu, act;
	const struct hn_dp_route *rt = NULL;
	unsigned int i;

	memset(hop, 0, sizeof(*hop));
	hop->reason = HN_HOP_UNKNOWN;
	for (i = 0; i < d->n_routes; i++)
		if (d->routes[i].dst == dst)
			rt = &d->routes[i].rt;
	hop->n_cand = rt ? rt->n_cand : 0;
	if (!d->dp || p < 0)
		return -ENODEV;
	cpu = sched_getcpu();
	if (percpu_read(d, "hn_stats", cpu, &s0, sizeof(s0)))
		return -EIO;
	percpu_read(d, "hn_trace", cpu, &t0, sizeof(t0));
	act = run(d, p, dst, out, &out_len);
	if (act < 0)
		return act;
	if (act == XDP_TX || act == XDP_REDIRECT)
		hop->next = htobe32(neigh_at(d, out));
	/* the counters say why, if the run stayed on this CPU */
	if (sched_getcpu() != cpu ||
	    percpu_read(d, "hn_stats", cpu, &s1, sizeof(s1)))
		return 0;
	hop->reason = reason_of(&s0, &s1);
	if (!percpu_read(d, "hn_trace", cpu, &t1, sizeof(t1)) &&
	    t1.seq != t0.seq && t1.dst == dst && t1.chosen < HN_DP_MAX_CAND) {
		hop->score = htobe32((__u32)t1.score[t1.chosen]);
		hop->margin = htobe32((__u32)t1.margin);
		hop->flags = HN_HOP_F_SCORE;
	}
	return 0;
}
