// SPDX-License-Identifier: GPL-2.0
/*
 * hnctl data-plane commands: attach the XDP router, steer it (config,
 * neighbours, routes, tasks, groups, route model) through the loader
 * library, and read its state back.
 *
 * Read commands open the pinned maps directly (bpf_obj_get), so they work
 * from the pins alone, without the BPF object and without changing
 * anything.  Write commands go through userspace/lib/dp.h, which
 * owns the invariants (epoch bumps, precomputed neighbour sums, slots).
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <linux/hypernet_packet.h>
#include <hypernet/dataplane.h>
#include <hypernet/route.h>
#include "dp.h"
#include "model.h"
#include "hnctl.h"

/* ---- pinned maps -------------------------------------------------------- */

/* Open one pinned map; on failure say which and what to try. */
static int dp_map(const char *name)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", hn_pin_dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		int e = errno;

		hn_err("cannot open pinned map %s: %s", path, strerror(e));
		if (e == ENOENT)
			hn_hint("the data plane is not loaded under %s: 'hnctl attach DEV' loads it (or pass -P DIR)",
				hn_pin_dir);
		else if (e == EPERM || e == EACCES)
			hn_hint("reading BPF maps needs root (CAP_BPF)");
		return -1;
	}
	return fd;
}

static int dp_lookup(const char *name, int fd, __u32 key, void *val)
{
	if (bpf_map_lookup_elem(fd, &key, val)) {
		hn_err("reading %s[%u]: %s", name, key, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Sum a per-CPU array element of __u64 fields.  @val gets the sum; the
 * kernel hands back one 8-byte aligned copy per possible CPU.
 */
static int dp_percpu_sum(const char *name, __u32 key, void *val, size_t size)
{
	int ncpu = libbpf_num_possible_cpus();
	size_t stride = (size + 7) & ~(size_t)7;
	__u64 *sum = val;
	char *all;
	int fd, c;
	size_t i;

	if (ncpu <= 0) {
		hn_err("cannot count the possible CPUs: %s", strerror(-ncpu));
		return -1;
	}
	fd = dp_map(name);
	if (fd < 0)
		return -1;
	all = calloc(ncpu, stride);
	if (!all) {
		close(fd);
		hn_err("out of memory");
		return -1;
	}
	if (dp_lookup(name, fd, key, all)) {
		free(all);
		close(fd);
		return -1;
	}
	memset(val, 0, size);
	for (c = 0; c < ncpu; c++)
		for (i = 0; i < size / 8; i++)
			sum[i] += ((__u64 *)(all + c * stride))[i];
	free(all);
	close(fd);
	return 0;
}

static int dp_read1(const char *name, __u32 key, void *val)
{
	int fd = dp_map(name), rc;

	if (fd < 0)
		return -1;
	rc = dp_lookup(name, fd, key, val);
	close(fd);
	return rc;
}

static const char *ifname(__u32 ifindex, char buf[IF_NAMESIZE])
{
	if (!ifindex)
		return "-";
	if (!if_indextoname(ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "if%u", ifindex);
	return buf;
}

static void fmt_mac(const __u8 *m, char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
		 m[3], m[4], m[5]);
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* ---- argument helpers --------------------------------------------------- */

static int need_arg(int i, int argc, char **argv)
{
	if (i + 1 >= argc) {
		hn_err("'%s' needs a value", argv[i]);
		return -1;
	}
	return 0;
}

static int parse_num(const char *what, const char *s, unsigned long long max,
		     unsigned long long *v)
{
	if (hn_parse_u64(s, max, v)) {
		hn_err("%s: '%s' is not a number in [0, %llu]", what, s, max);
		return -1;
	}
	return 0;
}

static int parse_ifindex(const char *dev, __u32 *ifindex)
{
	*ifindex = if_nametoindex(dev);
	if (!*ifindex) {
		hn_err("no interface '%s' in this network namespace", dev);
		hn_hint("'ip -br link' lists the interfaces");
		return -1;
	}
	return 0;
}

/* ---- stats -------------------------------------------------------------- */

#define STAT(f, g) { #f, offsetof(struct hn_dp_stats, f), g }
static const struct {
	const char *name;
	size_t off;
	const char *group;	/* heading in the plain output */
} stat_fields[] = {
	STAT(rx, "frames"),
	STAT(pass_other, "frames"),
	STAT(pass_unconfigured, "frames"),
	STAT(bad_truncated, "malformed (dropped)"),
	STAT(bad_version, "malformed (dropped)"),
	STAT(bad_type, "malformed (dropped)"),
	STAT(bad_flags, "malformed (dropped)"),
	STAT(bad_length, "malformed (dropped)"),
	STAT(bad_ttl, "malformed (dropped)"),
	STAT(bad_addr, "malformed (dropped)"),
	STAT(bad_tensor, "malformed (dropped)"),
	STAT(hello, "local"),
	STAT(hello_unknown, "local"),
	STAT(hello_elsewhere, "local"),
	STAT(local_pass, "local"),
	STAT(local_tensor, "local"),
	STAT(fwd_redirect, "forwarded"),
	STAT(fwd_tx, "forwarded"),
	STAT(ttl_expired, "dropped"),
	STAT(drop_no_route, "dropped"),
	STAT(drop_no_port, "dropped"),
	STAT(drop_no_live, "dropped"),
	STAT(drop_no_task, "dropped"),
	STAT(decisions, "next-hop decisions"),
	STAT(cache_hit, "next-hop decisions"),
	STAT(fb_no_model, "next-hop decisions"),
	STAT(fb_margin, "next-hop decisions"),
	STAT(fb_stale, "next-hop decisions"),
	STAT(any_remote, "anycast"),
	STAT(any_local, "anycast"),
	STAT(mcast_fwd, "multicast"),
	STAT(mcast_local, "multicast"),
	STAT(mcast_dup, "multicast"),
	STAT(mcast_old, "multicast"),
	STAT(mcast_busy, "multicast"),
	STAT(mcast_jump, "multicast"),
	STAT(mcast_unconfirmed, "multicast"),
	STAT(mcast_slow, "multicast"),
	STAT(mcast_ttl_last, "multicast"),
	STAT(mcast_nometa, "multicast"),
	STAT(tc_clone, "multicast"),
	STAT(tc_clone_fail, "multicast"),
	STAT(tc_unmarked, "multicast"),
};
#undef STAT

static int w_open(bool create);
static void w_close(void);
static int w_fail(int ret, const char *what);
static struct hn_dp *w_dp;

static int stats_reset(void)
{
	int ret;

	if (w_open(false))
		return 1;
	ret = hn_dp_reset_stats(w_dp);
	w_close();
	return ret ? w_fail(ret, "zeroing hn_stats") : 0;
}

static int dp_stats_read(struct hn_dp_stats *st)
{
	return dp_percpu_sum("hn_stats", 0, st, sizeof(*st));
}

int cmd_stats(int argc, char **argv)
{
	const char *group = NULL;
	struct hn_dp_stats st;
	bool all = argc > 1 && !strcmp(argv[1], "all");
	size_t i;

	if (argc == 2 && !strcmp(argv[1], "reset"))
		return stats_reset();
	if (argc > 2 || (argc == 2 && !all)) {
		hn_err("usage: hnctl stats [all|reset]");
		return 1;
	}
	if (dp_stats_read(&st))
		return 1;
	if (hn_json) {
		jsonw_obj_open(&hn_jw);
		for (i = 0; i < sizeof(stat_fields) / sizeof(stat_fields[0]);
		     i++)
			jsonw_kv_u64(&hn_jw, stat_fields[i].name,
				     *(__u64 *)((char *)&st +
						stat_fields[i].off));
		jsonw_obj_close(&hn_jw);
		return 0;
	}
	/* Plain: grouped, zero counters hidden unless "all". */
	for (i = 0; i < sizeof(stat_fields) / sizeof(stat_fields[0]); i++) {
		__u64 v = *(__u64 *)((char *)&st + stat_fields[i].off);

		if (!v && !all)
			continue;
		if (!group || strcmp(group, stat_fields[i].group)) {
			group = stat_fields[i].group;
			printf("%s:\n", group);
		}
		printf("  %-20s %llu\n", stat_fields[i].name,
		       (unsigned long long)v);
	}
	if (!group)
		printf("no frames counted yet ('hnctl stats all' shows every counter)\n");
	return 0;
}

/* ---- status ------------------------------------------------------------- */

/* Map id of hn_config, to recognise our program on an interface. */
static int dp_config_map_id(__u32 *id)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd = dp_map("hn_config");

	if (fd < 0)
		return -1;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		hn_err("reading the info of hn_config: %s", strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	*id = info.id;
	return 0;
}

struct attach_info {
	char dev[IF_NAMESIZE];
	__u32 ifindex;
	struct hn_dp_xdp_state st;
};

/*
 * Every interface of this namespace whose XDP hook runs a program using
 * our hn_config, alone or behind libxdp's dispatcher: the kernel's view,
 * so it needs nothing but the pins.
 */
static int dp_attached(struct attach_info *out, int max)
{
	struct if_nameindex *ifs, *it;
	__u32 cfg_id;
	int n = 0;

	if (dp_config_map_id(&cfg_id))
		return -1;
	ifs = if_nameindex();
	if (!ifs) {
		hn_err("listing interfaces: %s", strerror(errno));
		return -1;
	}
	for (it = ifs; it->if_index && n < max; it++) {
		struct attach_info *a = &out[n];

		if (hn_dp_xdp_query_map(cfg_id, it->if_index, &a->st) ||
		    !a->st.our_id)
			continue;
		snprintf(a->dev, sizeof(a->dev), "%s", it->if_name);
		a->ifindex = it->if_index;
		n++;
	}
	if_freenameindex(ifs);
	return n;
}

int cmd_status(int argc, char **argv)
{
	struct attach_info at[HN_DP_MAX_PORTS * 2];
	struct hn_dp_config cfg;
	struct hn_dp_model mdl;
	__u64 epoch;
	__u32 slot;
	int n, i;

	if (argc > 1) {
		hn_err("usage: hnctl status");
		return 1;
	}
	if (dp_read1("hn_config", 0, &cfg) || dp_read1("hn_epoch", 0, &epoch))
		return 1;
	slot = HN_EPOCH_SLOT(epoch);
	if (dp_read1("hn_models", slot, &mdl))
		return 1;
	n = dp_attached(at, sizeof(at) / sizeof(at[0]));
	if (n < 0)
		return 1;
	if (hn_json) {
		jsonw_obj_open(&hn_jw);
		jsonw_kv_str(&hn_jw, "pin_dir", hn_pin_dir);
		jsonw_kv_u64(&hn_jw, "node", cfg.node_id);
		jsonw_kv_u64(&hn_jw, "epoch_gen", HN_EPOCH_GEN(epoch));
		jsonw_kv_u64(&hn_jw, "model_slot", slot);
		jsonw_kv_bool(&hn_jw, "model_loaded", mdl.valid);
		jsonw_name(&hn_jw, "attached");
		jsonw_arr_open(&hn_jw);
		for (i = 0; i < n; i++) {
			const struct hn_dp_xdp_state *st = &at[i].st;

			jsonw_obj_open(&hn_jw);
			jsonw_kv_str(&hn_jw, "dev", at[i].dev);
			jsonw_kv_u64(&hn_jw, "ifindex", at[i].ifindex);
			jsonw_kv_str(&hn_jw, "mode",
				     st->generic ? "generic" : "native");
			jsonw_kv_u64(&hn_jw, "prog_id", st->our_id);
			jsonw_kv_str(&hn_jw, "prog", "hn_xdp");
			jsonw_kv_bool(&hn_jw, "multiprog", st->multiprog);
			jsonw_kv_u64(&hn_jw, "dispatcher_id",
				     st->multiprog ? st->prog_id : 0);
			jsonw_kv_u64(&hn_jw, "programs", st->n_progs);
			jsonw_obj_close(&hn_jw);
		}
		jsonw_arr_close(&hn_jw);
		hn_agent_status();
		jsonw_obj_close(&hn_jw);
		return 0;
	}
	printf("pins:     %s\n", hn_pin_dir);
	if (cfg.node_id)
		printf("node:     %u\n", cfg.node_id);
	else
		printf("node:     unset (every frame passes; 'hnctl config node ID')\n");
	printf("epoch:    generation %llu, model slot %u (%s)\n",
	       (unsigned long long)HN_EPOCH_GEN(epoch), slot,
	       mdl.valid ? "model loaded" :
			   "empty: decisions use the default next hop");
	if (!n)
		printf("attached: nowhere in this namespace\n");
	for (i = 0; i < n; i++) {
		const struct hn_dp_xdp_state *st = &at[i].st;

		printf("%s %s xdp %s prog hn_xdp id %u",
		       i ? "         " : "attached:", at[i].dev,
		       st->generic ? "generic" : "native", st->our_id);
		if (st->multiprog)
			printf(" (libxdp dispatcher id %u, %u programs)",
			       st->prog_id, st->n_progs);
		printf("\n");
	}
	hn_agent_status();
	return 0;
}

/* ---- config (show) ------------------------------------------------------ */

/* flood_idle_ms as `hnctl config` takes it: a number or "never" */
static const char *flood_idle(const struct hn_dp_config *cfg, char buf[16])
{
	if (cfg->flood_idle_ms == HN_DP_FLOOD_IDLE_NEVER)
		return "never";
	snprintf(buf, 16, "%u",
		 cfg->flood_idle_ms ?:
			 (unsigned int)(HN_DP_MCAST_IDLE_NS / 1000000));
	return buf;
}

static int config_show(void)
{
	struct hn_dp_config cfg;
	char dev[IF_NAMESIZE], idle[16];

	if (dp_read1("hn_config", 0, &cfg))
		return 1;
	if (hn_json) {
		jsonw_obj_open(&hn_jw);
		jsonw_kv_u64(&hn_jw, "node", cfg.node_id);
		jsonw_kv_s64(&hn_jw, "margin", cfg.margin_min);
		jsonw_kv_u64(&hn_jw, "stale_ms", cfg.stale_ns / 1000000);
		jsonw_kv_u64(&hn_jw, "tensor_ifindex", cfg.tensor_ifindex);
		jsonw_kv_str(&hn_jw, "tensor_dev",
			     cfg.tensor_ifindex ?
				     ifname(cfg.tensor_ifindex, dev) : "");
		jsonw_kv_bool(&hn_jw, "trace",
			      cfg.flags & HN_DP_CFG_TRACE);
		jsonw_kv_str(&hn_jw, "flood_idle_ms", flood_idle(&cfg, idle));
		jsonw_obj_close(&hn_jw);
		return 0;
	}
	printf("node %u margin %d stale-ms %llu tensor-dev %s trace %s flood-idle-ms %s\n",
	       cfg.node_id, cfg.margin_min,
	       (unsigned long long)(cfg.stale_ns / 1000000),
	       ifname(cfg.tensor_ifindex, dev),
	       cfg.flags & HN_DP_CFG_TRACE ? "on" : "off",
	       flood_idle(&cfg, idle));
	return 0;
}

/* ---- neighbours (list) -------------------------------------------------- */

static const char *const nb_feat_names[HN_NB_NFEAT] = {
	"quality", "delay", "loss", "load", "capacity",
};

static int neigh_list(void)
{
	struct hn_dp_config cfg;
	__u64 now = mono_ns();
	int fd, shown = 0;
	__u32 i, f;

	if (dp_read1("hn_config", 0, &cfg))
		return 1;
	fd = dp_map("hn_neigh");
	if (fd < 0)
		return 1;
	if (hn_json)
		jsonw_arr_open(&hn_jw);
	for (i = 0; i < HN_DP_MAX_NEIGH; i++) {
		struct hn_dp_neigh nb;
		char dev[IF_NAMESIZE], mac[18];
		__s64 age_ms;
		bool live;

		if (dp_lookup("hn_neigh", fd, i, &nb)) {
			close(fd);
			return 1;
		}
		if (!nb.valid)
			continue;
		age_ms = nb.last_seen_ns ?
				 (__s64)(now - nb.last_seen_ns) / 1000000 : -1;
		/* as the data plane judges it (signed: stamps may lead) */
		live = !cfg.stale_ns ||
		       (__s64)(now - nb.last_seen_ns) <= (__s64)cfg.stale_ns;
		fmt_mac(nb.mac, mac);
		if (hn_json) {
			jsonw_obj_open(&hn_jw);
			jsonw_kv_u64(&hn_jw, "index", i);
			jsonw_kv_u64(&hn_jw, "node", nb.node);
			jsonw_kv_str(&hn_jw, "dev", ifname(nb.ifindex, dev));
			jsonw_kv_u64(&hn_jw, "ifindex", nb.ifindex);
			jsonw_kv_str(&hn_jw, "mac", mac);
			jsonw_name(&hn_jw, "feat");
			jsonw_obj_open(&hn_jw);
			for (f = 0; f < HN_NB_NFEAT; f++)
				jsonw_kv_u64(&hn_jw, nb_feat_names[f],
					     nb.feat[f]);
			jsonw_obj_close(&hn_jw);
			jsonw_kv_s64(&hn_jw, "last_seen_ms_ago", age_ms);
			jsonw_kv_bool(&hn_jw, "live", live);
			jsonw_obj_close(&hn_jw);
		} else {
			if (!shown)
				printf("%-3s %-10s %-10s %-17s %-22s  %s\n",
				       "idx", "node", "dev", "mac",
				       "qual dly loss load cap", "heard");
			printf("%-3u %-10u %-10s %-17s %4u %3u %4u %4u %3u  ",
			       i, nb.node, ifname(nb.ifindex, dev), mac,
			       nb.feat[0], nb.feat[1], nb.feat[2], nb.feat[3],
			       nb.feat[4]);
			if (age_ms < 0)
				printf("never");
			else
				printf("%lld ms ago", (long long)age_ms);
			printf("%s\n", live ? "" : " (stale)");
		}
		shown++;
	}
	close(fd);
	if (hn_json)
		jsonw_arr_close(&hn_jw);
	else if (!shown)
		printf("no neighbours ('hnctl neigh set IDX node ID dev DEV mac MAC')\n");
	return 0;
}

/* ---- routes (list) ------------------------------------------------------ */

static int route_list(void)
{
	__u32 key, next, *prev = NULL;
	int fd, shown = 0, err;
	__u8 i;

	fd = dp_map("hn_routes");
	if (fd < 0)
		return 1;
	if (hn_json)
		jsonw_arr_open(&hn_jw);
	while (!(err = bpf_map_get_next_key(fd, prev, &next))) {
		struct hn_dp_route rt;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &rt))
			continue;	/* deleted meanwhile */
		if (hn_json) {
			jsonw_obj_open(&hn_jw);
			jsonw_kv_u64(&hn_jw, "dst", key);
			jsonw_name(&hn_jw, "via");
			jsonw_arr_open(&hn_jw);
			for (i = 0; i < rt.n_cand && i < HN_DP_MAX_CAND; i++) {
				jsonw_obj_open(&hn_jw);
				jsonw_kv_u64(&hn_jw, "neigh", rt.cand[i].neigh);
				/* dist is stored scaled: 8 per hop */
				jsonw_kv_u64(&hn_jw, "dist",
					     rt.cand[i].dist / 8);
				jsonw_kv_bool(&hn_jw, "default", i == rt.def);
				jsonw_obj_close(&hn_jw);
			}
			jsonw_arr_close(&hn_jw);
			jsonw_kv_u64(&hn_jw, "default_neigh",
				     rt.def < rt.n_cand ?
					     rt.cand[rt.def].neigh : HN_DP_NONE);
			jsonw_obj_close(&hn_jw);
		} else {
			printf("%u via", key);
			for (i = 0; i < rt.n_cand && i < HN_DP_MAX_CAND; i++)
				printf(" %u:%u%s", rt.cand[i].neigh,
				       rt.cand[i].dist / 8,
				       i == rt.def ? "*" : "");
			printf("\n");
		}
		shown++;
	}
	close(fd);
	if (err && errno != ENOENT) {
		hn_err("walking hn_routes: %s", strerror(errno));
		return 1;
	}
	if (hn_json)
		jsonw_arr_close(&hn_jw);
	else if (!shown)
		printf("no routes ('hnctl route set DST via IDX[:hops]...')\n");
	else
		printf("(IDX:hops, * the default / shortest path)\n");
	return 0;
}

/* ---- tasks and groups (list) -------------------------------------------- */

static int task_list(void)
{
	__u32 key, next, *prev = NULL, i;
	int fd, shown = 0;

	fd = dp_map("hn_tasks");
	if (fd < 0)
		return 1;
	if (hn_json)
		jsonw_arr_open(&hn_jw);
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		struct hn_dp_task t;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &t))
			continue;
		if (hn_json) {
			jsonw_obj_open(&hn_jw);
			jsonw_kv_u64(&hn_jw, "task", key);
			jsonw_name(&hn_jw, "hosts");
			jsonw_arr_open(&hn_jw);
			for (i = 0; i < t.n_host && i < HN_DP_MAX_CAND; i++) {
				jsonw_obj_open(&hn_jw);
				jsonw_kv_u64(&hn_jw, "node", t.host[i].node);
				jsonw_kv_u64(&hn_jw, "load", t.host[i].load);
				jsonw_kv_u64(&hn_jw, "capacity",
					     t.host[i].capacity);
				jsonw_obj_close(&hn_jw);
			}
			jsonw_arr_close(&hn_jw);
			jsonw_obj_close(&hn_jw);
		} else {
			printf("task %u hosts", key);
			for (i = 0; i < t.n_host && i < HN_DP_MAX_CAND; i++)
				printf(" %u:%u:%u", t.host[i].node,
				       t.host[i].load, t.host[i].capacity);
			printf("\n");
		}
		shown++;
	}
	close(fd);
	if (hn_json)
		jsonw_arr_close(&hn_jw);
	else if (!shown)
		printf("no tasks ('hnctl task set ID host NODE[:load:cap]...')\n");
	else
		printf("(NODE:load:capacity, scaled 0..127)\n");
	return 0;
}

static int group_list(void)
{
	__u32 key, next, *prev = NULL;
	int fd, shown = 0;

	fd = dp_map("hn_groups");
	if (fd < 0)
		return 1;
	if (hn_json)
		jsonw_arr_open(&hn_jw);
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (hn_json)
			jsonw_u64(&hn_jw, key);
		else
			printf("group %u%s\n", key,
			       key == HN_GROUP_ALL ? " (all)" : "");
		shown++;
	}
	close(fd);
	if (hn_json)
		jsonw_arr_close(&hn_jw);
	else if (!shown)
		printf("member of no group ('hnctl group join ID')\n");
	return 0;
}

/* ---- model (show) ------------------------------------------------------- */

static int model_show(void)
{
	struct hn_dp_model m[HN_DP_SLOTS];
	__u64 epoch;
	__u32 s, active;
	int j, f;

	if (dp_read1("hn_epoch", 0, &epoch))
		return 1;
	active = HN_EPOCH_SLOT(epoch);
	for (s = 0; s < HN_DP_SLOTS; s++)
		if (dp_read1("hn_models", s, &m[s]))
			return 1;
	if (hn_json) {
		jsonw_obj_open(&hn_jw);
		jsonw_kv_u64(&hn_jw, "epoch_gen", HN_EPOCH_GEN(epoch));
		jsonw_kv_u64(&hn_jw, "active_slot", active);
		jsonw_name(&hn_jw, "slots");
		jsonw_arr_open(&hn_jw);
		for (s = 0; s < HN_DP_SLOTS; s++) {
			const struct hn_rt_model *r = &m[s].m;

			jsonw_obj_open(&hn_jw);
			jsonw_kv_u64(&hn_jw, "slot", s);
			jsonw_kv_bool(&hn_jw, "active", s == active);
			jsonw_kv_bool(&hn_jw, "valid", m[s].valid);
			if (m[s].valid) {
				jsonw_kv_u64(&hn_jw, "shift1", r->shift1);
				jsonw_kv_s64(&hn_jw, "b2", r->b2);
				jsonw_name(&hn_jw, "w1");
				jsonw_arr_open(&hn_jw);
				for (j = 0; j < HN_RT_HIDDEN; j++) {
					jsonw_arr_open(&hn_jw);
					for (f = 0; f < HN_RT_NFEAT; f++)
						jsonw_s64(&hn_jw, r->w1[j][f]);
					jsonw_arr_close(&hn_jw);
				}
				jsonw_arr_close(&hn_jw);
				jsonw_name(&hn_jw, "b1");
				jsonw_arr_open(&hn_jw);
				for (j = 0; j < HN_RT_HIDDEN; j++)
					jsonw_s64(&hn_jw, r->b1[j]);
				jsonw_arr_close(&hn_jw);
				jsonw_name(&hn_jw, "w2");
				jsonw_arr_open(&hn_jw);
				for (j = 0; j < HN_RT_HIDDEN; j++)
					jsonw_s64(&hn_jw, r->w2[j]);
				jsonw_arr_close(&hn_jw);
			}
			jsonw_obj_close(&hn_jw);
		}
		jsonw_arr_close(&hn_jw);
		jsonw_obj_close(&hn_jw);
		return 0;
	}
	printf("epoch generation %llu, active slot %u\n",
	       (unsigned long long)HN_EPOCH_GEN(epoch), active);
	for (s = 0; s < HN_DP_SLOTS; s++) {
		const struct hn_rt_model *r = &m[s].m;

		printf("slot %u%s: ", s, s == active ? " (active)" : "");
		if (!m[s].valid) {
			printf("empty\n");
			continue;
		}
		printf("route model %d-%d-1, shift1 %u, b2 %d\n", HN_RT_NFEAT,
		       HN_RT_HIDDEN, r->shift1, r->b2);
		printf("  %-6s %s\n", "hidden",
		       "w1: qual dly loss load cap dist cls size ttl |  b1  |  w2");
		for (j = 0; j < HN_RT_HIDDEN; j++) {
			printf("  %-6d    ", j);
			for (f = 0; f < HN_RT_NFEAT; f++)
				printf(" %4d", r->w1[j][f]);
			printf(" | %6d | %4d\n", r->b1[j], r->w2[j]);
		}
	}
	if (!m[active].valid)
		printf("no model in the active slot: every decision takes the default next hop ('hnctl model load FILE.hnm')\n");
	return 0;
}

/* ---- trace (show) ------------------------------------------------------- */

static const char *const reason_names[] = {
	[HN_DP_R_MODEL] = "model",
	[HN_DP_R_NO_MODEL] = "no-model",
	[HN_DP_R_MARGIN] = "margin",
	[HN_DP_R_STALE] = "stale",
	[HN_DP_R_NO_LIVE] = "no-live",
};

static const char *reason_name(unsigned int r)
{
	return r < sizeof(reason_names) / sizeof(reason_names[0]) &&
			       reason_names[r] ? reason_names[r] : "?";
}

/* The last traced decision of every CPU that traced one. */
int cmd_trace(int argc, char **argv)
{
	int ncpu = libbpf_num_possible_cpus(), fd, c, shown = 0, latest = -1;
	size_t stride = (sizeof(struct hn_dp_trace) + 7) & ~(size_t)7;
	__u64 latest_ns = 0;
	char *all;
	__u32 i;

	if (argc > 1) {
		hn_err("usage: hnctl trace   (turn it on: 'hnctl config trace on')");
		return 1;
	}
	if (ncpu <= 0) {
		hn_err("cannot count the possible CPUs");
		return 1;
	}
	fd = dp_map("hn_trace");
	if (fd < 0)
		return 1;
	all = calloc(ncpu, stride);
	if (!all || dp_lookup("hn_trace", fd, 0, all)) {
		free(all);
		close(fd);
		return 1;
	}
	close(fd);
	/* per-CPU seq numbers do not compare: the clock says which is last */
	for (c = 0; c < ncpu; c++) {
		const struct hn_dp_trace *t =
			(const struct hn_dp_trace *)(all + c * stride);

		if (t->seq && (latest < 0 || t->time_ns > latest_ns)) {
			latest = c;
			latest_ns = t->time_ns;
		}
	}
	if (hn_json)
		jsonw_arr_open(&hn_jw);
	for (c = 0; c < ncpu; c++) {
		const struct hn_dp_trace *t =
			(const struct hn_dp_trace *)(all + c * stride);

		if (!t->seq)
			continue;
		if (hn_json) {
			jsonw_obj_open(&hn_jw);
			jsonw_kv_u64(&hn_jw, "cpu", c);
			jsonw_kv_u64(&hn_jw, "seq", t->seq);
			jsonw_kv_u64(&hn_jw, "time_ns", t->time_ns);
			jsonw_kv_bool(&hn_jw, "latest", c == latest);
			jsonw_kv_u64(&hn_jw, "epoch_gen",
				     HN_EPOCH_GEN(t->epoch));
			jsonw_kv_u64(&hn_jw, "dst", t->dst);
			jsonw_kv_u64(&hn_jw, "host", t->host);
			jsonw_kv_bool(&hn_jw, "has_model", t->has_model);
			jsonw_kv_u64(&hn_jw, "winner", t->winner);
			jsonw_kv_u64(&hn_jw, "chosen", t->chosen);
			jsonw_kv_u64(&hn_jw, "neigh", t->neigh);
			jsonw_kv_str(&hn_jw, "reason", reason_name(t->reason));
			jsonw_kv_s64(&hn_jw, "margin", t->margin);
			jsonw_kv_u64(&hn_jw, "live_mask", t->live_mask);
			jsonw_name(&hn_jw, "scores");
			jsonw_arr_open(&hn_jw);
			for (i = 0; i < t->n_cand && i < HN_DP_MAX_CAND; i++)
				jsonw_s64(&hn_jw, t->score[i]);
			jsonw_arr_close(&hn_jw);
			jsonw_obj_close(&hn_jw);
		} else {
			printf("cpu %d: decision #%llu, %llu ms ago%s: dst %u", c,
			       (unsigned long long)t->seq,
			       (unsigned long long)(mono_ns() - t->time_ns) /
				       1000000,
			       c == latest ? " (latest)" : "", t->dst);
			if (t->host && t->host != t->dst)
				printf(" host %u", t->host);
			printf(": chose candidate %d (neigh %u), reason %s",
			       t->chosen == HN_DP_NONE ? -1 : t->chosen,
			       t->neigh, reason_name(t->reason));
			if (t->has_model)
				printf(", winner %d margin %d",
				       t->winner == HN_DP_NONE ? -1 : t->winner,
				       t->margin);
			printf("\n");
			for (i = 0; i < t->n_cand && i < HN_DP_MAX_CAND; i++)
				printf("  cand %u: score %d %s%s\n", i,
				       t->score[i],
				       t->live_mask & (1U << i) ? "live" :
								  "stale",
				       i == t->chosen ? "  <- chosen" : "");
		}
		shown++;
	}
	free(all);
	if (hn_json)
		jsonw_arr_close(&hn_jw);
	else if (!shown)
		printf("no decision traced ('hnctl config trace on', then send traffic)\n");
	return 0;
}

/* ---- write-side argument parsing ---------------------------------------- */

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
	if (parse_num(what, s, 1000, &v))
		return -1;
	*pm = v;
	return 0;
}

struct neigh_args {
	__u32 idx, node, ifindex;
	__u8 mac[6];
	/* raw values; defaults describe an unremarkable link */
	__u32 quality_pm, loss_pm, load_pm;
	__u32 delay_us, capacity_kbps;
};

static int parse_neigh_set(int argc, char **argv, struct neigh_args *a)
{
	bool have_node = false, have_dev = false, have_mac = false;
	unsigned long long v;
	int i;

	memset(a, 0, sizeof(*a));
	a->quality_pm = 1000;
	a->delay_us = 1000;
	a->capacity_kbps = 100000;
	if (argc < 2 || parse_num("neighbour index", argv[1],
				  HN_DP_MAX_NEIGH - 1, &v))
		goto usage;
	a->idx = v;
	for (i = 2; i < argc; i += 2) {
		const char *k = argv[i], *val;

		if (need_arg(i, argc, argv))
			goto usage;
		val = argv[i + 1];
		if (!strcmp(k, "node")) {
			if (parse_num("node", val, UINT32_MAX, &v) || !v) {
				hn_err("node: a node id is 1 .. 4294967295");
				return -1;
			}
			a->node = v;
			have_node = true;
		} else if (!strcmp(k, "dev")) {
			if (parse_ifindex(val, &a->ifindex))
				return -1;
			have_dev = true;
		} else if (!strcmp(k, "mac")) {
			if (hn_parse_mac(val, a->mac)) {
				hn_err("mac: '%s' is not xx:xx:xx:xx:xx:xx", val);
				return -1;
			}
			have_mac = true;
		} else if (!strcmp(k, "quality")) {
			if (parse_permille("quality", val, &a->quality_pm))
				return -1;
		} else if (!strcmp(k, "loss")) {
			if (parse_permille("loss", val, &a->loss_pm))
				return -1;
		} else if (!strcmp(k, "load")) {
			if (parse_permille("load", val, &a->load_pm))
				return -1;
		} else if (!strcmp(k, "delay-us")) {
			if (parse_num("delay-us", val, UINT32_MAX, &v))
				return -1;
			a->delay_us = v;
		} else if (!strcmp(k, "capacity-kbps")) {
			if (parse_num("capacity-kbps", val, UINT32_MAX, &v))
				return -1;
			a->capacity_kbps = v;
		} else {
			hn_err("neigh set: unknown keyword '%s'", k);
			goto usage;
		}
	}
	if (have_node && have_dev && have_mac)
		return 0;
	hn_err("neigh set: node, dev and mac are required");
usage:
	hn_hint("hnctl neigh set IDX node ID dev DEV mac MAC [quality Q] [delay-us D] [loss L] [load L] [capacity-kbps C]");
	return -1;
}

/* The scaled feature vector of route.h from raw link figures. */
static void neigh_feat(const struct neigh_args *a, __u8 feat[HN_NB_NFEAT])
{
	feat[HN_FEAT_QUALITY] = hn_scale_ratio(a->quality_pm);
	feat[HN_FEAT_DELAY] = hn_scale_log(a->delay_us);
	feat[HN_FEAT_LOSS] = hn_scale_ratio(a->loss_pm);
	feat[HN_FEAT_LOAD] = hn_scale_ratio(a->load_pm);
	feat[HN_FEAT_CAPACITY] = hn_scale_log(a->capacity_kbps);
}

/* "route set DST via IDX[:hops]... [default IDX]" */
static int parse_route_set(int argc, char **argv, __u32 *dst,
			   struct hn_dp_route *rt)
{
	unsigned long long v;
	int i, def_neigh = -1;
	bool via = false;
	__u8 best = 0;

	memset(rt, 0, sizeof(*rt));
	if (argc < 4 || parse_num("destination", argv[1], UINT32_MAX, &v) ||
	    !v)
		goto usage;
	*dst = v;
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "via")) {
			via = true;
			continue;
		}
		if (!strcmp(argv[i], "default")) {
			if (need_arg(i, argc, argv) ||
			    parse_num("default", argv[i + 1],
				      HN_DP_MAX_NEIGH - 1, &v))
				goto usage;
			def_neigh = v;
			i++;
			via = false;
			continue;
		}
		if (via) {
			char buf[32], *colon;
			unsigned long long hops = 1;

			snprintf(buf, sizeof(buf), "%s", argv[i]);
			colon = strchr(buf, ':');
			if (colon) {
				*colon = 0;
				if (parse_num("hops", colon + 1, 15, &hops))
					goto usage;
			}
			if (parse_num("neighbour index", buf,
				      HN_DP_MAX_NEIGH - 1, &v))
				goto usage;
			if (rt->n_cand == HN_DP_MAX_CAND) {
				hn_err("route set: at most %d candidates",
				       HN_DP_MAX_CAND);
				return -1;
			}
			rt->cand[rt->n_cand].neigh = v;
			rt->cand[rt->n_cand].dist = hn_scale_hops(hops);
			if (rt->cand[rt->n_cand].dist < rt->cand[best].dist)
				best = rt->n_cand;
			rt->n_cand++;
			continue;
		}
		hn_err("route set: unexpected '%s'", argv[i]);
		goto usage;
	}
	if (!rt->n_cand) {
		hn_err("route set: no candidate after 'via'");
		goto usage;
	}
	rt->def = best;
	if (def_neigh >= 0) {
		for (i = 0; i < rt->n_cand; i++)
			if (rt->cand[i].neigh == def_neigh)
				break;
		if (i == rt->n_cand) {
			hn_err("route set: default %d is not one of the candidates",
			       def_neigh);
			return -1;
		}
		rt->def = i;
	}
	return 0;
usage:
	hn_hint("hnctl route set DST via IDX[:hops]... [default IDX]");
	return -1;
}

/* "task set ID host NODE[:load:cap]..." */
static int parse_task_set(int argc, char **argv, __u32 *id,
			  struct hn_dp_task *t)
{
	unsigned long long v;
	int i;

	memset(t, 0, sizeof(*t));
	if (argc < 4 || parse_num("task", argv[1], UINT32_MAX, &v))
		goto usage;
	*id = v;
	for (i = 2; i < argc; i++) {
		unsigned long long node, load = 0, cap = 64;
		char buf[64], *p1, *p2;

		if (strcmp(argv[i], "host") || need_arg(i, argc, argv))
			goto usage;
		snprintf(buf, sizeof(buf), "%s", argv[++i]);
		p1 = strchr(buf, ':');
		if (p1) {
			*p1++ = 0;
			p2 = strchr(p1, ':');
			if (!p2) {
				hn_err("task set: host NODE:LOAD:CAP needs both LOAD and CAP");
				goto usage;
			}
			*p2++ = 0;
			if (parse_num("load", p1, HN_FEAT_MAX, &load) ||
			    parse_num("capacity", p2, HN_FEAT_MAX, &cap))
				goto usage;
		}
		if (parse_num("host", buf, UINT32_MAX, &node) || !node)
			goto usage;
		if (t->n_host == HN_DP_MAX_CAND) {
			hn_err("task set: at most %d hosts", HN_DP_MAX_CAND);
			return -1;
		}
		t->host[t->n_host].node = node;
		t->host[t->n_host].load = load;
		t->host[t->n_host].capacity = cap;
		t->n_host++;
	}
	return 0;
usage:
	hn_hint("hnctl task set ID host NODE[:load:cap]...  (load, cap: 0..127)");
	return -1;
}

/* ---- writes, through the loader library --------------------------------- */

static char w_err[512];

/* Report a loader failure: its own message, or the errno. */
static int w_fail(int ret, const char *what)
{
	if (w_err[0])
		hn_err("%s", w_err);
	else
		hn_err("%s: %s", what, strerror(-ret));
	w_err[0] = '\0';
	return 1;
}

/*
 * Open the data plane for a change.  Only attach may create it: anything
 * else on a node that was never attached is a mistake (wrong -P, or
 * forgotten attach), not a reason to pin a fresh set of maps.
 */
static int w_open(bool create)
{
	char path[512];
	int ret;

	snprintf(path, sizeof(path), "%s/hn_config", hn_pin_dir);
	if (!create && access(path, F_OK)) {
		hn_err("no data plane pinned under %s", hn_pin_dir);
		hn_hint("'hnctl attach DEV...' loads it first (or pass -P DIR)");
		return 1;
	}
	w_err[0] = '\0';
	ret = hn_dp_open(&w_dp, hn_pin_dir, w_err, sizeof(w_err));
	if (ret)
		return w_fail(ret, "loading the data plane");
	return 0;
}

static void w_close(void)
{
	hn_dp_close(w_dp);
	w_dp = NULL;
}

static int w_attach(const char *dev, __u32 ifindex, unsigned int flags)
{
	struct hn_dp_xdp_state st;
	int ret;

	ret = hn_dp_attach(w_dp, dev, flags, w_err, sizeof(w_err));
	if (ret)
		return w_fail(ret, "attaching");
	/* the program attached last is the one pinned, for bpftool */
	ret = hn_dp_pin(w_dp, w_err, sizeof(w_err));
	if (ret)
		return w_fail(ret, "pinning the programs");
	if (hn_json)
		return 0;
	if (hn_dp_xdp_query(w_dp, ifindex, &st) || !st.our_id) {
		hn_err("%s: attached, but the program is not there now", dev);
		return 1;
	}
	printf("attached to %s (%s XDP", dev,
	       st.generic ? "generic" : "native");
	if (st.multiprog)
		printf(", libxdp dispatcher id %u with %u program%s", st.prog_id,
		       st.n_progs, st.n_progs == 1 ? "" : "s");
	printf(")\n");
	if ((flags & HN_DP_ATTACH_MULTI) && !st.multiprog)
		hn_err("note: libxdp could not use its dispatcher on this kernel (it needs freplace, BPF_PROG_TYPE_EXT), so the router runs alone on %s",
		       dev);
	return 0;
}

static int w_detach(const char *dev, __u32 ifindex)
{
	int ret = hn_dp_detach(w_dp, dev, w_err, sizeof(w_err));

	/* HyperNet is off the port; another program there stays */
	if (ret == -EEXIST) {
		hn_err("note: %s", w_err);
		ret = 0;
	}
	if (ret)
		return w_fail(ret, "detaching");
	if (!hn_json)
		printf("detached from %s\n", dev);
	return 0;
}

static int w_config(const struct hn_dp_config *cfg)
{
	int ret = hn_dp_set_config(w_dp, cfg, w_err, sizeof(w_err));

	return ret ? w_fail(ret, "writing the configuration") : 0;
}

static int w_neigh_set(const struct neigh_args *a,
		       const __u8 feat[HN_NB_NFEAT])
{
	struct hn_dp_neigh nb = {
		.node = a->node,
		.ifindex = a->ifindex,
	};
	int ret;

	memcpy(nb.mac, a->mac, sizeof(nb.mac));
	memcpy(nb.feat, feat, HN_NB_NFEAT);
	ret = hn_dp_set_neigh(w_dp, a->idx, &nb, w_err, sizeof(w_err));
	return ret ? w_fail(ret, "writing the neighbour") : 0;
}

static int w_neigh_del(__u32 idx)
{
	int ret = hn_dp_del_neigh(w_dp, idx);

	if (ret == -ENOENT) {
		hn_err("there is no neighbour %u", idx);
		hn_hint("'hnctl neigh' lists them");
		return 1;
	}
	return ret ? w_fail(ret, "removing the neighbour") : 0;
}

static int w_route_set(__u32 dst, const struct hn_dp_route *rt)
{
	int ret = hn_dp_set_route(w_dp, dst, rt, w_err, sizeof(w_err));

	return ret ? w_fail(ret, "writing the route") : 0;
}

static int w_route_del(__u32 dst)
{
	int ret = hn_dp_del_route(w_dp, dst);

	if (ret == -ENOENT) {
		hn_err("there is no route to %u", dst);
		hn_hint("'hnctl route' lists them");
		return 1;
	}
	return ret ? w_fail(ret, "removing the route") : 0;
}

static int w_task_set(__u32 id, const struct hn_dp_task *t)
{
	int ret = hn_dp_set_task(w_dp, id, t, w_err, sizeof(w_err));

	return ret ? w_fail(ret, "writing the task") : 0;
}

static int w_task_del(__u32 id)
{
	int ret = hn_dp_del_task(w_dp, id);

	if (ret == -ENOENT) {
		hn_err("there is no task %u", id);
		hn_hint("'hnctl task' lists them");
		return 1;
	}
	return ret ? w_fail(ret, "removing the task") : 0;
}

static int w_group(__u32 group, bool join)
{
	int ret = join ? hn_dp_join(w_dp, group) : hn_dp_leave(w_dp, group);

	if (ret == -ENOENT && !join) {
		hn_err("this node is not in group %u", group);
		return 1;
	}
	return ret ? w_fail(ret, join ? "joining" : "leaving") : 0;
}

static int w_model_load(const char *path)
{
	struct hn_rt_model rt;
	struct hn_model m;
	__u64 epoch = 0;
	int ret;

	if (hn_model_read_file(path, &m, w_err, sizeof(w_err)))
		return w_fail(-EINVAL, "reading the model");
	if (m.kind != HN_MODEL_ROUTE) {
		hn_err("%s is a %s model, not a route model", path,
		       hn_model_kind_name(m.kind));
		hn_hint("route models are built with 'hn-model quantize' from a 'kind route' text model");
		hn_model_free(&m);
		return 1;
	}
	ret = hn_model_to_rt(&m, &rt, w_err, sizeof(w_err));
	if (ret) {
		hn_model_free(&m);
		return w_fail(-EINVAL, "converting the model");
	}
	ret = hn_dp_install_model(w_dp, &rt, w_err, sizeof(w_err));
	if (!ret)
		hn_dp_get_epoch(w_dp, &epoch);
	if (ret) {
		hn_model_free(&m);
		return w_fail(ret, "installing the model");
	}
	if (hn_json) {
		jsonw_obj_open(&hn_jw);
		jsonw_kv_str(&hn_jw, "file", path);
		jsonw_kv_u64(&hn_jw, "model_generation", m.generation);
		jsonw_kv_u64(&hn_jw, "slot", HN_EPOCH_SLOT(epoch));
		jsonw_kv_u64(&hn_jw, "epoch_gen", HN_EPOCH_GEN(epoch));
		jsonw_obj_close(&hn_jw);
	} else {
		printf("model %s (generation %llu) is live in slot %u, epoch generation %llu\n",
		       path, (unsigned long long)m.generation,
		       HN_EPOCH_SLOT(epoch),
		       (unsigned long long)HN_EPOCH_GEN(epoch));
	}
	hn_model_free(&m);
	return 0;
}

/* ---- commands ----------------------------------------------------------- */

static const struct {
	const char *opt;
	unsigned int flag;
} attach_opts[] = {
	{ "--generic", HN_DP_ATTACH_GENERIC },
	{ "--force", HN_DP_ATTACH_FORCE },
	{ "--multiprog", HN_DP_ATTACH_MULTI },
};

/* The flag of option @arg, 0 if it is not one (a device). */
static unsigned int attach_opt(const char *arg)
{
	size_t i;

	for (i = 0; i < sizeof(attach_opts) / sizeof(attach_opts[0]); i++)
		if (!strcmp(arg, attach_opts[i].opt))
			return attach_opts[i].flag;
	return 0;
}

int cmd_attach(int argc, char **argv)
{
	unsigned int flags = 0;
	int i, ndev = 0, rc = 0;

	for (i = 1; i < argc; i++) {
		if (attach_opt(argv[i])) {
			flags |= attach_opt(argv[i]);
		} else if (argv[i][0] == '-') {
			hn_err("attach: unknown option %s", argv[i]);
			ndev = 0;
			break;
		} else {
			ndev++;
		}
	}
	if (!ndev) {
		hn_err("usage: hnctl attach DEV... [--generic] [--multiprog] [--force]");
		return 1;
	}
	if (w_open(true))
		return 1;
	for (i = 1; i < argc && !rc; i++) {
		__u32 ifindex;

		if (attach_opt(argv[i]))
			continue;
		if (parse_ifindex(argv[i], &ifindex))
			rc = 1;
		else
			rc = w_attach(argv[i], ifindex, flags);
	}
	w_close();
	return rc;
}

int cmd_detach(int argc, char **argv)
{
	int i, rc = 0;

	if (argc < 2) {
		hn_err("usage: hnctl detach DEV...");
		return 1;
	}
	if (w_open(false))
		return 1;
	for (i = 1; i < argc && !rc; i++) {
		__u32 ifindex;

		if (parse_ifindex(argv[i], &ifindex))
			rc = 1;
		else
			rc = w_detach(argv[i], ifindex);
	}
	w_close();
	return rc;
}

int cmd_config(int argc, char **argv)
{
	struct hn_dp_config cfg;
	unsigned long long v;
	int i, rc;

	if (argc == 1)
		return config_show();
	if (dp_read1("hn_config", 0, &cfg))
		return 1;
	for (i = 1; i < argc; i += 2) {
		const char *k = argv[i], *val;

		if (need_arg(i, argc, argv))
			goto usage;
		val = argv[i + 1];
		if (!strcmp(k, "node")) {
			if (parse_num("node", val, UINT32_MAX, &v))
				return 1;
			cfg.node_id = v;
		} else if (!strcmp(k, "margin")) {
			if (parse_num("margin", val, INT32_MAX, &v))
				return 1;
			cfg.margin_min = v;
		} else if (!strcmp(k, "stale-ms")) {
			if (parse_num("stale-ms", val, 1000ULL * 86400 * 365,
				      &v))
				return 1;
			cfg.stale_ns = v * 1000000ULL;
		} else if (!strcmp(k, "tensor-dev")) {
			if (!strcmp(val, "none"))
				cfg.tensor_ifindex = 0;
			else if (parse_ifindex(val, &cfg.tensor_ifindex))
				return 1;
		} else if (!strcmp(k, "flood-idle-ms")) {
			if (!strcmp(val, "never"))
				cfg.flood_idle_ms = HN_DP_FLOOD_IDLE_NEVER;
			else if (parse_num("flood-idle-ms", val, 86400000, &v))
				return 1;
			else if (!v) {
				hn_err("flood-idle-ms: 1 .. 86400000 or 'never', not 0");
				return 1;
			} else
				cfg.flood_idle_ms = v;
		} else if (!strcmp(k, "trace")) {
			if (!strcmp(val, "on"))
				cfg.flags |= HN_DP_CFG_TRACE;
			else if (!strcmp(val, "off"))
				cfg.flags &= ~HN_DP_CFG_TRACE;
			else {
				hn_err("trace: 'on' or 'off', not '%s'", val);
				return 1;
			}
		} else {
			hn_err("config: unknown keyword '%s'", k);
			goto usage;
		}
	}
	if (w_open(false))
		return 1;
	rc = w_config(&cfg);
	w_close();
	return rc;
usage:
	hn_hint("hnctl config [node ID] [margin N] [stale-ms N] [tensor-dev DEV|none] [trace on|off] [flood-idle-ms N|never]");
	return 1;
}

static int neigh_set(int argc, char **argv)
{
	struct neigh_args a;
	__u8 feat[HN_NB_NFEAT];
	int rc;

	if (parse_neigh_set(argc, argv, &a))
		return 1;
	neigh_feat(&a, feat);
	if (w_open(false))
		return 1;
	rc = w_neigh_set(&a, feat);
	w_close();
	return rc;
}

static int neigh_del(int argc, char **argv)
{
	unsigned long long v;
	int rc;

	if (argc != 2 || parse_num("neighbour index", argv[1],
				   HN_DP_MAX_NEIGH - 1, &v)) {
		hn_hint("hnctl neigh del IDX");
		return 1;
	}
	if (w_open(false))
		return 1;
	rc = w_neigh_del(v);
	w_close();
	return rc;
}

int hn_neigh_list(void)
{
	return neigh_list();
}

int hn_route_list(void)
{
	return route_list();
}

static int neigh_list_cmd(int argc, char **argv)
{
	return neigh_list();
}

static const struct hn_cmd neigh_cmds[] = {
	{ "list", neigh_list_cmd, "", "every neighbour (the default)" },
	{ "set", neigh_set, "IDX node ID dev DEV mac MAC [FEAT V]...",
	  "FEAT: quality loss load (per mille), delay-us, capacity-kbps" },
	{ "del", neigh_del, "IDX", "remove a neighbour" },
	{ NULL }
};

int cmd_neigh(int argc, char **argv)
{
	if (argc == 1)
		return neigh_list();
	return hn_dispatch("hnctl neigh", neigh_cmds, argc - 1, argv + 1);
}

static int route_set(int argc, char **argv)
{
	struct hn_dp_route rt;
	__u32 dst;
	int rc;

	if (parse_route_set(argc, argv, &dst, &rt))
		return 1;
	if (w_open(false))
		return 1;
	rc = w_route_set(dst, &rt);
	w_close();
	return rc;
}

static int route_del(int argc, char **argv)
{
	unsigned long long v;
	int rc;

	if (argc != 2 || parse_num("destination", argv[1], UINT32_MAX, &v)) {
		hn_hint("hnctl route del DST");
		return 1;
	}
	if (w_open(false))
		return 1;
	rc = w_route_del(v);
	w_close();
	return rc;
}

static int route_list_cmd(int argc, char **argv)
{
	return route_list();
}

static const struct hn_cmd route_cmds[] = {
	{ "list", route_list_cmd, "", "every route (the default)" },
	{ "set", route_set, "DST via IDX[:hops]... [default IDX]",
	  "candidate next hops for DST" },
	{ "del", route_del, "DST", "remove a route" },
	{ NULL }
};

int cmd_route(int argc, char **argv)
{
	if (argc == 1)
		return route_list();
	return hn_dispatch("hnctl route", route_cmds, argc - 1, argv + 1);
}

static int task_set(int argc, char **argv)
{
	struct hn_dp_task t;
	__u32 id;
	int rc;

	if (parse_task_set(argc, argv, &id, &t))
		return 1;
	if (w_open(false))
		return 1;
	rc = w_task_set(id, &t);
	w_close();
	return rc;
}

static int task_del(int argc, char **argv)
{
	unsigned long long v;
	int rc;

	if (argc != 2 || parse_num("task", argv[1], UINT32_MAX, &v)) {
		hn_hint("hnctl task del ID");
		return 1;
	}
	if (w_open(false))
		return 1;
	rc = w_task_del(v);
	w_close();
	return rc;
}

static int task_list_cmd(int argc, char **argv)
{
	return task_list();
}

static const struct hn_cmd task_cmds[] = {
	{ "list", task_list_cmd, "", "every anycast task (the default)" },
	{ "set", task_set, "ID host NODE[:load:cap]...",
	  "hosts of task class ID" },
	{ "del", task_del, "ID", "remove a task class" },
	{ NULL }
};

int cmd_task(int argc, char **argv)
{
	if (argc == 1)
		return task_list();
	return hn_dispatch("hnctl task", task_cmds, argc - 1, argv + 1);
}

static int group_change(int argc, char **argv)
{
	bool join = !strcmp(argv[0], "join");
	unsigned long long v;
	int rc;

	if (argc != 2 || parse_num("group", argv[1], UINT32_MAX, &v) || !v) {
		hn_hint("hnctl group %s ID   (ID 1 .. 4294967295)", argv[0]);
		return 1;
	}
	if (w_open(false))
		return 1;
	rc = w_group(v, join);
	w_close();
	return rc;
}

static int group_list_cmd(int argc, char **argv)
{
	return group_list();
}

static const struct hn_cmd group_cmds[] = {
	{ "list", group_list_cmd, "", "joined groups (the default)" },
	{ "join", group_change, "ID", "deliver group ID here too" },
	{ "leave", group_change, "ID", "stop delivering group ID here" },
	{ NULL }
};

int cmd_group(int argc, char **argv)
{
	if (argc == 1)
		return group_list();
	return hn_dispatch("hnctl group", group_cmds, argc - 1, argv + 1);
}

static int model_show_cmd(int argc, char **argv)
{
	return model_show();
}

static int model_load(int argc, char **argv)
{
	int rc;

	if (argc != 2) {
		hn_err("usage: hnctl model load FILE.hnm");
		return 1;
	}
	if (w_open(false))
		return 1;
	rc = w_model_load(argv[1]);
	w_close();
	return rc;
}

static const struct hn_cmd model_cmds[] = {
	{ "show", model_show_cmd, "", "both slots and the active weights" },
	{ "load", model_load, "FILE.hnm",
	  "route model into the inactive slot, then flip" },
	{ "sign", cmd_model_sign, "IN.hnm --key PRIV [-o OUT]",
	  "sign a model file with an Ed25519 key" },
	{ "verify", cmd_model_verify, "FILE.hnm --keys PUB ...",
	  "would the agent accept it? [--installed GEN]" },
	{ "push", hn_model_push, "FILE.hnm",
	  "hand a signed model to hypernetd, which spreads it" },
	{ NULL }
};

int cmd_model(int argc, char **argv)
{
	if (argc == 1)
		return model_show();
	return hn_dispatch("hnctl model", model_cmds, argc - 1, argv + 1);
}
