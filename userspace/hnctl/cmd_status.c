// SPDX-License-Identifier: GPL-2.0
/*
 * hnctl status: where the data plane runs (the kernel's view, from the
 * pins alone), its node id and model slot, then the agent's part.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hnctl.h"

struct attach_info {
	char dev[IF_NAMESIZE];
	__u32 ifindex;
	bool inside; /* in the privacy domain (hn_dp_port.domain) */
	struct hn_dp_xdp_state st;
};

/* Whether mesh port @ifindex is inside the privacy domain. */
static bool port_inside(struct hn_dp_ro *ro, __u32 ifindex)
{
	struct hn_dp_port pt;
	__u32 i;

	for (i = 0; i < HN_DP_MAX_PORTS; i++)
		if (!hn_dp_ro_port(ro, i, &pt, NULL, 0) &&
		    pt.ifindex == ifindex)
			return pt.domain == 1;
	return false;
}

/*
 * Every interface of this namespace whose XDP hook runs a program using
 * our hn_config, alone or behind libxdp's dispatcher.
 */
static int dp_attached(struct hn_dp_ro *ro, struct attach_info *out, int max)
{
	struct if_nameindex *ifs, *it;
	int n = 0;

	ifs = if_nameindex();
	if (!ifs) {
		hn_err("listing interfaces: %s", strerror(errno));
		return -1;
	}
	for (it = ifs; it->if_index && n < max; it++) {
		struct attach_info *a = &out[n];

		if (hn_dp_ro_xdp_query(ro, it->if_index, &a->st) ||
		    !a->st.our_id)
			continue;
		snprintf(a->dev, sizeof(a->dev), "%s", it->if_name);
		a->ifindex = it->if_index;
		a->inside = port_inside(ro, it->if_index);
		n++;
	}
	if_freenameindex(ifs);
	return n;
}

static void attached_json(const struct attach_info *a)
{
	const struct hn_dp_xdp_state *st = &a->st;

	jsonw_obj_open(&hn_jw);
	jsonw_kv_str(&hn_jw, "dev", a->dev);
	jsonw_kv_u64(&hn_jw, "ifindex", a->ifindex);
	jsonw_kv_str(&hn_jw, "mode", st->generic ? "generic" : "native");
	jsonw_kv_u64(&hn_jw, "prog_id", st->our_id);
	jsonw_kv_str(&hn_jw, "prog", "hn_xdp");
	jsonw_kv_bool(&hn_jw, "multiprog", st->multiprog);
	jsonw_kv_u64(&hn_jw, "dispatcher_id", st->multiprog ? st->prog_id : 0);
	jsonw_kv_u64(&hn_jw, "programs", st->n_progs);
	jsonw_kv_bool(&hn_jw, "private_domain", a->inside);
	jsonw_obj_close(&hn_jw);
}

static void status_json(const struct hn_dp_config *cfg, __u64 epoch,
			const struct hn_dp_model *mdl,
			const struct attach_info *at, int n)
{
	int i;

	jsonw_obj_open(&hn_jw);
	jsonw_kv_str(&hn_jw, "pin_dir", hn_pin_dir);
	jsonw_kv_u64(&hn_jw, "node", cfg->node_id);
	hn_json_name(cfg->node_id);
	jsonw_kv_u64(&hn_jw, "epoch_gen", HN_EPOCH_GEN(epoch));
	jsonw_kv_u64(&hn_jw, "model_slot", HN_EPOCH_SLOT(epoch));
	jsonw_kv_bool(&hn_jw, "model_loaded", mdl->valid);
	jsonw_name(&hn_jw, "attached");
	jsonw_arr_open(&hn_jw);
	for (i = 0; i < n; i++)
		attached_json(&at[i]);
	jsonw_arr_close(&hn_jw);
	hn_agent_status();
	jsonw_obj_close(&hn_jw);
}

static void status_text(const struct hn_dp_config *cfg, __u64 epoch,
			const struct hn_dp_model *mdl,
			const struct attach_info *at, int n)
{
	char node[HN_NODE_LONGLEN];
	int i;

	printf("pins:     %s\n", hn_pin_dir);
	if (cfg->node_id)
		printf("node:     %s\n",
		       hn_fmt_node_long(hn_node_names(), cfg->node_id, node));
	else
		printf("node:     unset (every frame passes; 'hnctl config node ID')\n");
	printf("epoch:    generation %llu, model slot %u (%s)\n",
	       (unsigned long long)HN_EPOCH_GEN(epoch), HN_EPOCH_SLOT(epoch),
	       mdl->valid ? "model loaded" :
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
		if (at[i].inside)
			printf(", inside the privacy domain");
		printf("\n");
	}
	hn_agent_status();
}

/*
 * An agent answers on the control socket, but the pins under -P are not
 * its data plane (none, or another one): it runs in another mount
 * namespace with a bpffs of its own, as under `ip netns exec`, which
 * remounts /sys for each command.  Says so and what to do, and returns
 * 1: `hnctl attach` here, what a missing data plane usually calls for,
 * would load a second router onto the agent's ports.
 */
static int agent_elsewhere(void)
{
	char dir[256] = "";
	unsigned int pid, id;
	struct hn_dp_ro *ro;
	char *body = NULL;
	__u32 seen = 0;
	int ret, n = 0;
	bool ok;

	ret = hn_agent_request("dataplane", NULL, 0, &body, &ok);
	if (!ret && ok)
		n = sscanf(body, "pid %u config-map-id %u pin-dir %255s", &pid,
			   &id, dir);
	free(body);
	if (n < 2)
		return 0; /* no agent, or one too old to say: as before */
	ret = hn_dp_ro_open(&ro, hn_pin_dir, HN_MSG);
	hn_msg[0] = '\0';
	if (!ret) {
		seen = hn_dp_ro_config_map_id(ro);
		hn_dp_ro_close(ro);
	}
	if ((ret && ret != -ENOENT) || seen == id)
		return 0;
	hn_err("hypernetd runs (pid %u, pin-dir %s), but %s %s: it runs in another mount namespace, on a bpffs of its own (as under 'ip netns exec'), or -P names another directory",
	       pid, dir, hn_pin_dir,
	       seen ? "holds another data plane's maps" :
		      "holds none of its maps");
	hn_hint("run hnctl in the agent's namespaces: 'nsenter -t %u -m -n hnctl status', or give the agent a pin-dir on a bpffs both see; 'hnctl attach' here would put a second router on its ports",
		pid);
	return 1;
}

int cmd_status(int argc, char **argv)
{
	struct attach_info at[HN_DP_MAX_PORTS * 2];
	struct hn_dp_config cfg;
	struct hn_dp_model mdl;
	struct hn_dp_ro *ro;
	__u64 epoch;
	int n, ret;

	if (argc > 1) {
		hn_err("usage: hnctl status");
		return 1;
	}
	if (agent_elsewhere())
		return 1;
	ro = hn_view();
	ret = hn_dp_ro_config(ro, &cfg, HN_MSG);
	if (!ret)
		ret = hn_dp_ro_epoch(ro, &epoch, HN_MSG);
	if (!ret)
		ret = hn_dp_ro_model(ro, HN_EPOCH_SLOT(epoch), &mdl, HN_MSG);
	if (ret)
		return hn_lib_fail(ret, "reading the data plane");
	n = dp_attached(ro, at, sizeof(at) / sizeof(at[0]));
	if (n < 0)
		return 1;
	if (hn_json)
		status_json(&cfg, epoch, &mdl, at, n);
	else
		status_text(&cfg, epoch, &mdl, at, n);
	return 0;
}
