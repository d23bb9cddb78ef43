// SPDX-License-Identifier: GPL-2.0
/*
 * hnctl dp route: the data plane's routes (hn_routes), listed from the
 * pins, set and removed through the loader, which keeps the direct-mapped
 * copy (hn_route_tab) in step.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <hypernet/route.h>
#include "hnctl.h"

/* ---- list --------------------------------------------------------------- */

/* The node and port of next hop @idx, as route_text() shows them. */
static void hop_json(__u32 idx)
{
	char dev[IF_NAMESIZE];
	struct hn_dp_neigh nb;

	if (idx >= HN_DP_MAX_NEIGH ||
	    hn_dp_ro_neigh(hn_view(), idx, &nb, NULL, 0) || !nb.valid) {
		jsonw_name(&hn_jw, "node");
		jsonw_null(&hn_jw);
		return;
	}
	jsonw_kv_u64(&hn_jw, "node", nb.node);
	hn_json_name(nb.node);
	jsonw_kv_str(&hn_jw, "dev", hn_ifname(nb.ifindex, dev));
}

static void route_json(__u32 dst, const union hn_walk_entry *e)
{
	__u8 i;

	hn_json_keyed_open("dst", dst, "via");
	for (i = 0; i < e->route.n_cand && i < HN_DP_MAX_CAND; i++) {
		jsonw_obj_open(&hn_jw);
		jsonw_kv_u64(&hn_jw, "neigh", e->route.cand[i].neigh);
		hop_json(e->route.cand[i].neigh);
		/* dist is stored scaled: 8 per hop */
		jsonw_kv_u64(&hn_jw, "dist", e->route.cand[i].dist / 8);
		jsonw_kv_bool(&hn_jw, "default", i == e->route.def);
		jsonw_obj_close(&hn_jw);
	}
	jsonw_arr_close(&hn_jw);
	jsonw_kv_u64(&hn_jw, "default_neigh",
		     e->route.def < e->route.n_cand ?
			     e->route.cand[e->route.def].neigh :
			     HN_DP_NONE);
	jsonw_obj_close(&hn_jw);
}

static void route_text(__u32 dst, const union hn_walk_entry *e)
{
	__u8 i;

	char node[HN_NODE_STRLEN], hop[HN_NODE_STRLEN + IF_NAMESIZE + 2];

	printf("%s via", hn_node(dst, node));
	for (i = 0; i < e->route.n_cand && i < HN_DP_MAX_CAND; i++)
		printf(" %s:%u%s",
		       hn_fmt_hop(hn_view(), e->route.cand[i].neigh, hop,
				  sizeof(hop)),
		       e->route.cand[i].dist / 8, i == e->route.def ? "*" : "");
	printf("\n");
}

static const struct hn_walk route_walk = { HN_WALK_ROUTES, route_json,
					   route_text };

static int route_list(int argc, char **argv)
{
	int shown, ret = hn_walk_list(&route_walk, &shown);

	if (ret != -ENOENT)
		return hn_lib_fail(ret, "walking hn_routes");
	hn_list_close(
		shown, "no routes ('hnctl dp route set DST via IDX[:hops]...')",
		"(NODE/DEV:hops of a next hop, #IDX: no neighbour in slot IDX, * the default / shortest path)");
	return 0;
}

/* ---- set ---------------------------------------------------------------- */

/* Candidate "IDX[:hops]" into @rt; *@best: the candidate of fewest hops. */
static int route_cand(const char *arg, struct hn_dp_route *rt, __u8 *best)
{
	unsigned long long v, hops = 1;
	char buf[32], *colon;

	snprintf(buf, sizeof(buf), "%s", arg);
	colon = strchr(buf, ':');
	if (colon) {
		*colon = 0;
		if (hn_parse_num("hops", colon + 1, 15, &hops))
			return -1;
	}
	if (hn_parse_num("neighbour index", buf, HN_DP_MAX_NEIGH - 1, &v))
		return -1;
	if (rt->n_cand == HN_DP_MAX_CAND) {
		hn_err("route set: at most %d candidates", HN_DP_MAX_CAND);
		return 1;
	}
	rt->cand[rt->n_cand].neigh = v;
	rt->cand[rt->n_cand].dist = hn_scale_hops(hops);
	if (rt->cand[rt->n_cand].dist < rt->cand[*best].dist)
		*best = rt->n_cand;
	rt->n_cand++;
	return 0;
}

/* The candidate whose neighbour is @neigh becomes the default. */
static int route_default(struct hn_dp_route *rt, int neigh)
{
	int i;

	for (i = 0; i < rt->n_cand; i++)
		if (rt->cand[i].neigh == neigh) {
			rt->def = i;
			return 0;
		}
	hn_err("route set: default %d is not one of the candidates", neigh);
	return -1;
}

/* "route set DST via IDX[:hops]... [default IDX]" */
static int parse_route_set(int argc, char **argv, __u32 *dst,
			   struct hn_dp_route *rt)
{
	int i, ret, def_neigh = -1;
	unsigned long long v;
	bool via = false;
	__u8 best = 0;

	memset(rt, 0, sizeof(*rt));
	if (argc < 4 || hn_parse_num("destination", argv[1], UINT32_MAX, &v) ||
	    !v)
		goto usage;
	*dst = v;
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "via")) {
			via = true;
		} else if (!strcmp(argv[i], "default")) {
			if (hn_need_arg(i, argc, argv) ||
			    hn_parse_num("default", argv[i + 1],
					 HN_DP_MAX_NEIGH - 1, &v))
				goto usage;
			def_neigh = v;
			i++;
			via = false;
		} else if (via) {
			ret = route_cand(argv[i], rt, &best);
			if (ret < 0)
				goto usage;
			if (ret)
				return -1;
		} else {
			hn_err("route set: unexpected '%s'", argv[i]);
			goto usage;
		}
	}
	if (!rt->n_cand) {
		hn_err("route set: no candidate after 'via'");
		goto usage;
	}
	rt->def = best;
	return def_neigh >= 0 ? route_default(rt, def_neigh) : 0;
usage:
	hn_hint("hnctl dp route set DST via IDX[:hops]... [default IDX]");
	return -1;
}

/*
 * Every candidate names a neighbour of the table: a route through an
 * empty slot would send nothing, or through whatever later takes it.
 */
static int route_neighs_exist(const struct hn_dp_route *rt)
{
	struct hn_dp_ro *ro = hn_view();
	struct hn_dp_neigh nb;
	int i, ret;

	for (i = 0; i < rt->n_cand; i++) {
		ret = hn_dp_ro_neigh(ro, rt->cand[i].neigh, &nb, HN_MSG);
		if (ret)
			return hn_lib_fail(ret, "reading the neighbour table");
		if (nb.valid)
			continue;
		hn_err("route set: no neighbour %u in the table",
		       rt->cand[i].neigh);
		hn_hint("'via' takes neighbour indexes ('hnctl dp neigh' lists them); add one with 'hnctl dp neigh set %u node ID dev DEV mac MAC' first",
			rt->cand[i].neigh);
		return 1;
	}
	return 0;
}

static int route_set(int argc, char **argv)
{
	struct hn_dp_route rt;
	struct hn_dp *dp;
	__u32 dst;

	if (parse_route_set(argc, argv, &dst, &rt))
		return 1;
	dp = hn_loader(false);
	if (route_neighs_exist(&rt))
		return 1;
	return hn_dp_set_route(dp, dst, &rt, HN_MSG);
}

/* ---- the words ---------------------------------------------------------- */

const struct hn_keyed hn_route_words = {
	"hnctl dp route",
	route_list,
	"every route (the default)",
	route_set,
	"DST via IDX[:hops]... [default IDX]",
	"candidate next hops for DST",
	"writing the route",
	"DST",
	"remove a route",
	"destination",
	UINT32_MAX,
	hn_dp_del_route,
	"route to",
	"removing the route",
};

/* The old `hnctl routes`: the list alone. */
int cmd_routes(int argc, char **argv)
{
	if (argc > 1) {
		hn_err("usage: hnctl routes");
		return 1;
	}
	return route_list(argc, argv);
}
