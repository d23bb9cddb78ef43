// SPDX-License-Identifier: GPL-2.0
/*
 * hnctl dp stats: the data plane's counters, summed over the CPUs, and
 * their reset.
 */
#include <stdio.h>
#include <string.h>

#include "hnctl.h"

#define STAT(f, g)                                     \
	{                                              \
#f, offsetof(struct hn_dp_stats, f), g \
	}
static const struct {
	const char *name;
	size_t off;
	const char *group; /* heading in the plain output */
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
	STAT(mcast_mark_fail, "multicast"),
	STAT(tc_clone, "multicast"),
	STAT(tc_clone_fail, "multicast"),
	STAT(tc_unmarked, "multicast"),
	STAT(tc_mark, "multicast"),
	STAT(priv_drop_out, "privacy (dropped)"),
	STAT(priv_drop_in, "privacy (dropped)"),
};
#undef STAT

#define N_STATS (sizeof(stat_fields) / sizeof(stat_fields[0]))

static __u64 stat_value(const struct hn_dp_stats *st, size_t i)
{
	return *(const __u64 *)((const char *)st + stat_fields[i].off);
}

static int stats_reset(void)
{
	int ret = hn_dp_reset_stats(hn_loader(false));

	return ret ? hn_lib_fail(ret, "zeroing hn_stats") : 0;
}

/* Plain: grouped, zero counters hidden unless @all. */
static void stats_text(const struct hn_dp_stats *st, bool all)
{
	const char *group = NULL;
	size_t i;

	for (i = 0; i < N_STATS; i++) {
		__u64 v = stat_value(st, i);

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
}

int cmd_stats(int argc, char **argv)
{
	bool all = argc > 1 && !strcmp(argv[1], "all");
	struct hn_dp_stats st;
	size_t i;
	int ret;

	if (argc == 2 && !strcmp(argv[1], "reset"))
		return stats_reset();
	if (argc > 2 || (argc == 2 && !all)) {
		hn_err("usage: hnctl stats [all|reset]");
		return 1;
	}
	ret = hn_dp_ro_stats(hn_view(), &st, HN_MSG);
	if (ret)
		return hn_lib_fail(ret, "reading hn_stats");
	if (!hn_json) {
		stats_text(&st, all);
		return 0;
	}
	jsonw_obj_open(&hn_jw);
	for (i = 0; i < N_STATS; i++)
		jsonw_kv_u64(&hn_jw, stat_fields[i].name, stat_value(&st, i));
	jsonw_obj_close(&hn_jw);
	return 0;
}
