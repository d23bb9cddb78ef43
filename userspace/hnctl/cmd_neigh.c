// SPDX-License-Identifier: GPL-2.0
/*
 * hnctl dp neigh: the data plane's neighbour table (hn_neigh), listed
 * from the pins, set and removed through the loader, which precomputes
 * each neighbour's share of the model's sums.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hypernet/route.h>
#include "frames.h"
#include "hnctl.h"

/* ---- list --------------------------------------------------------------- */

static const char *const nb_feat_names[HN_NB_NFEAT] = {
	"quality", "delay", "loss", "load", "capacity",
};

static void neigh_json(__u32 i, const struct hn_dp_neigh *nb, __s64 age_ms,
		       bool live)
{
	char dev[IF_NAMESIZE], mac[18];
	__u32 f;

	hn_fmt_mac(nb->mac, mac);
	jsonw_obj_open(&hn_jw);
	jsonw_kv_u64(&hn_jw, "index", i);
	jsonw_kv_u64(&hn_jw, "node", nb->node);
	hn_json_name(nb->node);
	jsonw_kv_str(&hn_jw, "dev", hn_ifname(nb->ifindex, dev));
	jsonw_kv_u64(&hn_jw, "ifindex", nb->ifindex);
	jsonw_kv_str(&hn_jw, "mac", mac);
	jsonw_name(&hn_jw, "feat");
	jsonw_obj_open(&hn_jw);
	for (f = 0; f < HN_NB_NFEAT; f++)
		jsonw_kv_u64(&hn_jw, nb_feat_names[f], nb->feat[f]);
	jsonw_obj_close(&hn_jw);
	jsonw_kv_s64(&hn_jw, "last_seen_ms_ago", age_ms);
	jsonw_kv_bool(&hn_jw, "live", live);
	jsonw_obj_close(&hn_jw);
}

static void neigh_text(__u32 i, const struct hn_dp_neigh *nb, __s64 age_ms,
		       bool live, bool first)
{
	char dev[IF_NAMESIZE], mac[18], node[HN_NODE_STRLEN], ago[32];

	hn_fmt_mac(nb->mac, mac);
	if (first)
		printf("%-3s %-12s %-10s %-17s %-22s  %s\n", "idx", "node",
		       "dev", "mac", "qual dly loss load cap", "heard");
	printf("%-3u %-12s %-10s %-17s %4u %3u %4u %4u %3u  %s%s\n", i,
	       hn_node(nb->node, node), hn_ifname(nb->ifindex, dev), mac,
	       nb->feat[0], nb->feat[1], nb->feat[2], nb->feat[3], nb->feat[4],
	       age_ms < 0 ? "never" :
			    hn_fmt_ago(age_ms * 1000000, ago, sizeof(ago)),
	       live ? "" : " (stale)");
}

/* Every valid neighbour; also `hnctl agent neighbours`'s first part. */
int hn_neigh_list(int argc, char **argv)
{
	struct hn_dp_ro *ro = hn_view();
	__u64 now = hn_dp_now_ns();
	struct hn_dp_config cfg;
	int shown = 0, ret;
	__u32 i;

	ret = hn_dp_ro_config(ro, &cfg, HN_MSG);
	if (ret)
		return hn_lib_fail(ret, "reading hn_config");
	hn_list_open();
	for (i = 0; i < HN_DP_MAX_NEIGH; i++) {
		struct hn_dp_neigh nb;
		__s64 age_ms;
		bool live;

		ret = hn_dp_ro_neigh(ro, i, &nb, HN_MSG);
		if (ret)
			return hn_lib_fail(ret, "reading hn_neigh");
		if (!nb.valid)
			continue;
		age_ms = nb.last_seen_ns ?
				 (__s64)(now - nb.last_seen_ns) / 1000000 :
				 -1;
		/* as the data plane judges it (signed: stamps may lead) */
		live = !cfg.stale_ns ||
		       (__s64)(now - nb.last_seen_ns) <= (__s64)cfg.stale_ns;
		if (hn_json)
			neigh_json(i, &nb, age_ms, live);
		else
			neigh_text(i, &nb, age_ms, live, !shown);
		shown++;
	}
	hn_list_close(
		shown,
		"no neighbours ('hnctl dp neigh set IDX node ID dev DEV mac MAC')",
		NULL);
	return 0;
}

/* ---- set ---------------------------------------------------------------- */

struct neigh_args {
	__u32 idx, node, ifindex;
	__u8 mac[6];
	/* raw values; defaults describe an unremarkable link */
	__u32 quality_pm, loss_pm, load_pm;
	__u32 delay_us, capacity_kbps;
	bool have_node, have_dev, have_mac;
};

/* A ratio in per mille ("950") or as a fraction ("0.95"). */
static int parse_permille(const char *what, const char *s, __u32 *pm)
{
	unsigned long long v;
	char *end;
	double d;

	if (strchr(s, '.')) {
		d = strtod(s, &end);
		if (*end || d < 0 || d > 1) {
			hn_err("%s: '%s' is not a fraction in [0, 1]", what, s);
			return -1;
		}
		*pm = (__u32)(d * 1000 + 0.5);
		return 0;
	}
	if (hn_parse_num(what, s, 1000, &v))
		return -1;
	*pm = v;
	return 0;
}

/* The link figures: a ratio, or a number up to UINT32_MAX. */
static const struct {
	const char *key;
	size_t off;
	bool ratio;
} neigh_figs[] = {
	{ "quality", offsetof(struct neigh_args, quality_pm), true },
	{ "loss", offsetof(struct neigh_args, loss_pm), true },
	{ "load", offsetof(struct neigh_args, load_pm), true },
	{ "delay-us", offsetof(struct neigh_args, delay_us), false },
	{ "capacity-kbps", offsetof(struct neigh_args, capacity_kbps), false },
};

/* Link figure @k from @val: 0, -1 on a bad value, 1 if @k is not one. */
static int neigh_fig(struct neigh_args *a, const char *k, const char *val)
{
	unsigned long long v;
	__u32 *field;
	size_t i;

	for (i = 0; i < sizeof(neigh_figs) / sizeof(neigh_figs[0]); i++) {
		if (strcmp(k, neigh_figs[i].key))
			continue;
		field = (__u32 *)((char *)a + neigh_figs[i].off);
		if (neigh_figs[i].ratio)
			return parse_permille(k, val, field);
		if (hn_parse_num(k, val, UINT32_MAX, &v))
			return -1;
		*field = v;
		return 0;
	}
	return 1;
}

/* Keyword @k from @val: 0, -1 on a bad value, 1 on an unknown keyword. */
static int neigh_kw(struct neigh_args *a, const char *k, const char *val)
{
	unsigned long long v;

	if (!strcmp(k, "node")) {
		if (hn_parse_num("node", val, UINT32_MAX, &v) || !v) {
			hn_err("node: a node id is 1 .. 4294967295");
			return -1;
		}
		a->node = v;
		a->have_node = true;
	} else if (!strcmp(k, "dev")) {
		if (hn_parse_ifindex(val, &a->ifindex))
			return -1;
		a->have_dev = true;
	} else if (!strcmp(k, "mac")) {
		if (hn_parse_mac(val, a->mac)) {
			hn_err("mac: '%s' is not xx:xx:xx:xx:xx:xx", val);
			return -1;
		}
		a->have_mac = true;
	} else {
		return neigh_fig(a, k, val);
	}
	return 0;
}

static int parse_neigh_set(int argc, char **argv, struct neigh_args *a)
{
	unsigned long long v;
	int i, ret;

	memset(a, 0, sizeof(*a));
	a->quality_pm = 1000;
	a->delay_us = 1000;
	a->capacity_kbps = 100000;
	if (argc < 2 ||
	    hn_parse_num("neighbour index", argv[1], HN_DP_MAX_NEIGH - 1, &v))
		goto usage;
	a->idx = v;
	for (i = 2; i < argc; i += 2) {
		if (hn_need_arg(i, argc, argv))
			goto usage;
		ret = neigh_kw(a, argv[i], argv[i + 1]);
		if (ret < 0)
			return -1;
		if (ret > 0) {
			hn_err("neigh set: unknown keyword '%s'", argv[i]);
			goto usage;
		}
	}
	if (a->have_node && a->have_dev && a->have_mac)
		return 0;
	hn_err("neigh set: node, dev and mac are required");
usage:
	hn_hint("hnctl dp neigh set IDX node ID dev DEV mac MAC [quality Q] [delay-us D] [loss L] [load L] [capacity-kbps C]");
	return -1;
}

/* The entry, with the scaled feature vector of route.h. */
static void neigh_entry(const struct neigh_args *a, struct hn_dp_neigh *nb)
{
	memset(nb, 0, sizeof(*nb));
	nb->node = a->node;
	nb->ifindex = a->ifindex;
	memcpy(nb->mac, a->mac, sizeof(nb->mac));
	nb->feat[HN_FEAT_QUALITY] = hn_scale_ratio(a->quality_pm);
	nb->feat[HN_FEAT_DELAY] = hn_scale_log(a->delay_us);
	nb->feat[HN_FEAT_LOSS] = hn_scale_ratio(a->loss_pm);
	nb->feat[HN_FEAT_LOAD] = hn_scale_ratio(a->load_pm);
	nb->feat[HN_FEAT_CAPACITY] = hn_scale_log(a->capacity_kbps);
}

static int neigh_set(int argc, char **argv)
{
	struct neigh_args a;
	struct hn_dp_neigh nb;

	if (parse_neigh_set(argc, argv, &a))
		return 1;
	neigh_entry(&a, &nb);
	return hn_dp_set_neigh(hn_loader(false), a.idx, &nb, HN_MSG);
}

/* ---- the words ---------------------------------------------------------- */

const struct hn_keyed hn_neigh_words = {
	"hnctl dp neigh",
	hn_neigh_list,
	"every neighbour (the default)",
	neigh_set,
	"IDX node ID dev DEV mac MAC [FEAT V]...",
	"FEAT: quality loss load (per mille), delay-us, capacity-kbps",
	"writing the neighbour",
	"IDX",
	"remove a neighbour",
	"neighbour index",
	HN_DP_MAX_NEIGH - 1,
	hn_dp_del_neigh,
	"neighbour",
	"removing the neighbour",
};
