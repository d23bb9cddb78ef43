// SPDX-License-Identifier: GPL-2.0
/*
 * hnctl dp config: the data plane's configuration (hn_config), shown
 * from the pins or changed field by field through the loader.
 */
#include <stdio.h>
#include <string.h>

#include "hnctl.h"

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

static void config_json(const struct hn_dp_config *cfg)
{
	char dev[IF_NAMESIZE], idle[16];

	jsonw_obj_open(&hn_jw);
	jsonw_kv_u64(&hn_jw, "node", cfg->node_id);
	jsonw_kv_s64(&hn_jw, "margin", cfg->margin_min);
	jsonw_kv_u64(&hn_jw, "split", cfg->split_step);
	jsonw_kv_u64(&hn_jw, "stale_ms", cfg->stale_ns / 1000000);
	jsonw_kv_u64(&hn_jw, "tensor_ifindex", cfg->tensor_ifindex);
	jsonw_kv_str(&hn_jw, "tensor_dev",
		     cfg->tensor_ifindex ? hn_ifname(cfg->tensor_ifindex, dev) :
					   "");
	jsonw_kv_bool(&hn_jw, "trace", cfg->flags & HN_DP_CFG_TRACE);
	jsonw_kv_str(&hn_jw, "flood_idle_ms", flood_idle(cfg, idle));
	jsonw_obj_close(&hn_jw);
}

static int config_read(struct hn_dp_config *cfg)
{
	int ret = hn_dp_ro_config(hn_view(), cfg, HN_MSG);

	return ret ? hn_lib_fail(ret, "reading hn_config") : 0;
}

static int config_show(void)
{
	char dev[IF_NAMESIZE], idle[16];
	struct hn_dp_config cfg;

	if (config_read(&cfg))
		return 1;
	if (hn_json) {
		config_json(&cfg);
		return 0;
	}
	printf("node %u margin %d split %u stale-ms %llu tensor-dev %s trace %s flood-idle-ms %s\n",
	       cfg.node_id, cfg.margin_min, cfg.split_step,
	       (unsigned long long)(cfg.stale_ns / 1000000),
	       hn_ifname(cfg.tensor_ifindex, dev),
	       cfg.flags & HN_DP_CFG_TRACE ? "on" : "off",
	       flood_idle(&cfg, idle));
	return 0;
}

static int set_flood_idle(struct hn_dp_config *cfg, const char *val)
{
	unsigned long long v;

	if (!strcmp(val, "never")) {
		cfg->flood_idle_ms = HN_DP_FLOOD_IDLE_NEVER;
		return 0;
	}
	if (hn_parse_num("flood-idle-ms", val, 86400000, &v))
		return 1;
	if (!v) {
		hn_err("flood-idle-ms: 1 .. 86400000 or 'never', not 0");
		return 1;
	}
	cfg->flood_idle_ms = v;
	return 0;
}

static int set_trace(struct hn_dp_config *cfg, const char *val)
{
	if (!strcmp(val, "on"))
		cfg->flags |= HN_DP_CFG_TRACE;
	else if (!strcmp(val, "off"))
		cfg->flags &= ~HN_DP_CFG_TRACE;
	else {
		hn_err("trace: 'on' or 'off', not '%s'", val);
		return 1;
	}
	return 0;
}

/* Field @k of @cfg from @val: 0, 1 on a bad value, -1 on an unknown key. */
static int config_set_one(struct hn_dp_config *cfg, const char *k,
			  const char *val)
{
	unsigned long long v;

	if (!strcmp(k, "node")) {
		if (hn_parse_num("node", val, UINT32_MAX, &v))
			return 1;
		cfg->node_id = v;
	} else if (!strcmp(k, "margin")) {
		if (hn_parse_num("margin", val, INT32_MAX, &v))
			return 1;
		cfg->margin_min = v;
	} else if (!strcmp(k, "split")) {
		if (hn_parse_num("split", val, HN_RT_SPLIT_ONE, &v))
			return 1;
		cfg->split_step = v;
	} else if (!strcmp(k, "stale-ms")) {
		if (hn_parse_num("stale-ms", val, 1000ULL * 86400 * 365, &v))
			return 1;
		cfg->stale_ns = v * 1000000ULL;
	} else if (!strcmp(k, "tensor-dev")) {
		if (!strcmp(val, "none"))
			cfg->tensor_ifindex = 0;
		else if (hn_parse_ifindex(val, &cfg->tensor_ifindex))
			return 1;
	} else if (!strcmp(k, "flood-idle-ms")) {
		return set_flood_idle(cfg, val);
	} else if (!strcmp(k, "trace")) {
		return set_trace(cfg, val);
	} else {
		hn_err("config: unknown keyword '%s'", k);
		return -1;
	}
	return 0;
}

int cmd_config(int argc, char **argv)
{
	struct hn_dp_config cfg;
	int i, ret;

	if (argc == 1)
		return config_show();
	if (config_read(&cfg))
		return 1;
	for (i = 1; i < argc; i += 2) {
		if (hn_need_arg(i, argc, argv))
			goto usage;
		ret = config_set_one(&cfg, argv[i], argv[i + 1]);
		if (ret > 0)
			return 1;
		if (ret < 0)
			goto usage;
	}
	ret = hn_dp_set_config(hn_loader(false), &cfg, HN_MSG);
	return ret ? hn_lib_fail(ret, "writing the configuration") : 0;
usage:
	hn_hint("hnctl config [node ID] [margin N] [split N] [stale-ms N] [tensor-dev DEV|none] [trace on|off] [flood-idle-ms N|never]");
	return 1;
}
