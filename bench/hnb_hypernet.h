/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Setting up the HyperNet data plane (bpf/hypernet.bpf.c) for the
 * benchmark: one router, one egress port, K candidate next hops that all
 * leave through that port, N destinations, a routing model, all through
 * the loader library as an agent would do it.
 */
#ifndef _HNB_HYPERNET_H
#define _HNB_HYPERNET_H

#include <stdbool.h>
#include <linux/types.h>
#include <hypernet/dataplane.h>

struct hn_dp;

struct hnb_hn_setup {
	__u32 in_ifindex, out_ifindex;
	__u8 smac[6]; /* egress port MAC */
	__u8 dmac[6]; /* every neighbour's MAC (the sink) */
	__u32 node; /* this router */
	__u32 nexthop; /* first neighbour id; the rest follow */
	__u32 dst; /* first destination id */
	__u32 ndst; /* destinations dst .. dst + ndst - 1 */
	__u32 cands; /* candidates per route, 1 .. 8 */
	__u64 stale_ns; /* hn_dp_config.stale_ns */
};

/* Open, load and fill the maps; the caller owns *dp. */
int hnb_hn_load(struct hn_dp **dp, const struct hnb_hn_setup *s);
/* Routes of @cands candidates to destinations first .. first + n - 1. */
int hnb_hn_add_routes(struct hn_dp *dp, __u32 first, __u32 n, __u32 cands);
/* Rewrite every route with @cands candidates and bump the epoch. */
int hnb_hn_set_routes(struct hn_dp *dp, const struct hnb_hn_setup *s,
		      __u32 cands);
/* Set hn_dp_config.flags (HN_DP_CFG_*), the rest as configured. */
int hnb_hn_set_flags(struct hn_dp *dp, const struct hnb_hn_setup *s,
		     __u32 flags);
/* Load, fill and attach to s->in_ifindex (native XDP). */
int hnb_hn_attach(const struct hnb_hn_setup *s);
/* hn_stats of the HyperNet program attached to @ifindex; -1 if none. */
int hnb_hn_stats_fd_of(int ifindex);
int hnb_hn_prog_fd(struct hn_dp *dp);
int hnb_hn_stats_fd(struct hn_dp *dp);
int hnb_hn_verified_insns(struct hn_dp *dp, __u32 *insns);
void hnb_hn_destroy(struct hn_dp *dp);

int cmd_hnstats(int argc, char **argv);

#endif /* _HNB_HYPERNET_H */
