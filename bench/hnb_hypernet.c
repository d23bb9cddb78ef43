// SPDX-License-Identifier: GPL-2.0
/*
 * Set up the HyperNet data plane for the benchmark topology through its
 * loader library (userspace/lib/dp.h), as an agent would.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dp.h"

#include "hnb.h"
#include "hnb_hypernet.h"

/* Deterministic weights: the same model on every run. */
static __u32 lcg(__u32 *s)
{
	*s = *s * 1103515245U + 12345U;
	return *s >> 16;
}

static void bench_model(struct hn_rt_model *m)
{
	__u32 seed = 0x484e4254, j, i;

	memset(m, 0, sizeof(*m));
	for (j = 0; j < HN_RT_HIDDEN; j++) {
		for (i = 0; i < HN_RT_NFEAT; i++)
			m->w1[j][i] = (__s8)((int)(lcg(&seed) % 127) - 63);
		m->w2[j] = (__s8)((int)(lcg(&seed) % 127) - 63);
		m->b1[j] = (int)(lcg(&seed) % 2048) - 1024;
	}
	m->b2 = 0;
	m->shift1 = 6;
}

/* Routes of @cands candidates to destinations first .. first + n - 1. */
int hnb_hn_add_routes(struct hn_dp *dp, __u32 first, __u32 n, __u32 cands)
{
	struct hn_dp_route rt = {};
	char err[256];
	__u32 d, i;

	if (!cands || cands > HN_DP_MAX_CAND || !n || n > HN_DP_MAX_ROUTES) {
		hnb_err("bad route shape: %u candidates, %u destinations",
			cands, n);
		return -1;
	}
	rt.n_cand = cands;
	rt.def = 0;
	for (i = 0; i < cands; i++) {
		rt.cand[i].neigh = i;
		rt.cand[i].dist = hn_scale_hops(2 + i % 3);
	}
	for (d = 0; d < n; d++) {
		if (hn_dp_set_route(dp, first + d, &rt, err, sizeof(err))) {
			hnb_err("%s", err);
			return -1;
		}
	}
	return 0;
}

int hnb_hn_set_routes(struct hn_dp *dp, const struct hnb_hn_setup *s,
		      __u32 cands)
{
	return hnb_hn_add_routes(dp, s->dst, s->ndst, cands);
}

/*
 * One router: node s->node, HN_DP_MAX_CAND neighbours that all sit behind
 * the egress port (each with its own link features, so that the model's
 * scores differ), s->ndst routes of s->cands candidates, a model.
 */
int hnb_hn_load(struct hn_dp **out, const struct hnb_hn_setup *s)
{
	struct hn_rt_model m;
	struct hn_dp *dp;
	char err[256];
	__u32 i;

	/* HNB_NB_COUNTERS=1: with the per-neighbour counters (their cost) */
	hn_dp_set_nb_counters(getenv("HNB_NB_COUNTERS") &&
			      !strcmp(getenv("HNB_NB_COUNTERS"), "1"));
	if (hn_dp_open(&dp, NULL, err, sizeof(err))) {
		hnb_err("%s", err);
		return -1;
	}
	bench_model(&m);
	if (hn_dp_install_model(dp, &m, err, sizeof(err)) ||
	    hn_dp_port_add(dp, s->out_ifindex, err, sizeof(err)))
		goto fail;
	for (i = 0; i < HN_DP_MAX_CAND; i++) {
		struct hn_dp_neigh nb = {};

		nb.node = s->nexthop + i;
		nb.ifindex = s->out_ifindex;
		memcpy(nb.mac, s->dmac, 6);
		memcpy(nb.port_mac, s->smac, 6);
		nb.feat[HN_FEAT_QUALITY] = 127 - 9 * i;
		nb.feat[HN_FEAT_DELAY] = hn_scale_log(100 + 250 * i);
		nb.feat[HN_FEAT_LOSS] = 3 * i;
		nb.feat[HN_FEAT_LOAD] = 20 + 11 * i;
		nb.feat[HN_FEAT_CAPACITY] = hn_scale_log(1000000 >> i);
		if (hn_dp_set_neigh(dp, i, &nb, err, sizeof(err)))
			goto fail;
	}
	if (hnb_hn_set_routes(dp, s, s->cands))
		goto fail_quiet;
	if (hnb_hn_set_flags(dp, s, 0))
		goto fail_quiet;
	*out = dp;
	return 0;
fail:
	hnb_err("%s", err);
fail_quiet:
	hn_dp_close(dp);
	return -1;
}

/* Config flags (HN_DP_CFG_*) over the benchmark's configuration. */
int hnb_hn_set_flags(struct hn_dp *dp, const struct hnb_hn_setup *s,
		     __u32 flags)
{
	struct hn_dp_config cfg = {};
	char err[256];

	cfg.node_id = s->node;
	cfg.margin_min = 0;
	cfg.stale_ns = s->stale_ns;
	cfg.flags = flags;
	if (hn_dp_set_config(dp, &cfg, err, sizeof(err))) {
		hnb_err("%s", err);
		return -1;
	}
	return 0;
}

int hnb_hn_prog_fd(struct hn_dp *dp)
{
	return hn_dp_xdp_fd(dp);
}

int hnb_hn_stats_fd(struct hn_dp *dp)
{
	return hn_dp_map_fd(dp, "hn_stats");
}

int hnb_hn_verified_insns(struct hn_dp *dp, __u32 *insns)
{
	return hn_dp_verified_insns(dp, insns);
}

void hnb_hn_destroy(struct hn_dp *dp)
{
	hn_dp_close(dp);
}

/* Load, configure and attach through the loader, XDP only (no TC). */
int hnb_hn_attach(const struct hnb_hn_setup *s)
{
	char ifname[IF_NAMESIZE], err[256];
	struct hn_dp *dp;
	int ret;

	if (!if_indextoname(s->in_ifindex, ifname))
		return -1;
	if (hnb_hn_load(&dp, s))
		return -1;
	ret = hn_dp_attach(dp, ifname, HN_DP_ATTACH_NO_TC, err, sizeof(err));
	if (ret)
		hnb_err("%s", err);
	hn_dp_close(dp);
	return ret;
}

int hnb_hn_stats_fd_of(int ifindex)
{
	return hnb_xdp_map_fd(ifindex, "hn_stats", sizeof(struct hn_dp_stats));
}

/* The counters that tell forwarding from drops, one "name value" a line. */
int cmd_hnstats(int argc, char **argv)
{
	struct hn_dp_stats st;
	int ifindex, fd;

	ifindex = hnb_dev_arg(argc, argv, "hnstats");
	if (!ifindex)
		return -1;
	fd = hnb_hn_stats_fd_of(ifindex);
	if (fd < 0) {
		hnb_err("no HyperNet program on %s", argv[1]);
		return -1;
	}
	if (hn_dp_stats_sum(fd, &st)) {
		close(fd);
		return -1;
	}
	close(fd);
	printf("rx %llu\nfwd_redirect %llu\nfwd_tx %llu\ncache_hit %llu\n"
	       "decisions %llu\nttl_expired %llu\ndrop_no_route %llu\n"
	       "drop_no_port %llu\nfb_margin %llu\nfb_stale %llu\n",
	       (unsigned long long)st.rx, (unsigned long long)st.fwd_redirect,
	       (unsigned long long)st.fwd_tx, (unsigned long long)st.cache_hit,
	       (unsigned long long)st.decisions,
	       (unsigned long long)st.ttl_expired,
	       (unsigned long long)st.drop_no_route,
	       (unsigned long long)st.drop_no_port,
	       (unsigned long long)st.fb_margin,
	       (unsigned long long)st.fb_stale);
	return 0;
}
