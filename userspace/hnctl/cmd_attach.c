// SPDX-License-Identifier: GPL-2.0
/*
 * hnctl dp attach, detach: load the XDP router (reusing the pinned maps)
 * and put it on mesh ports, or take it off them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hnctl.h"

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

/* What the hook holds now, in words. */
static int attach_said(struct hn_dp *dp, const char *dev, __u32 ifindex,
		       unsigned int flags)
{
	struct hn_dp_xdp_state st;

	if (hn_dp_xdp_query(dp, ifindex, &st) || !st.our_id) {
		hn_err("%s: attached, but the program is not there now", dev);
		return 1;
	}
	printf("attached to %s (%s XDP", dev,
	       st.generic ? "generic" : "native");
	if (st.multiprog)
		printf(", libxdp dispatcher id %u with %u program%s",
		       st.prog_id, st.n_progs, st.n_progs == 1 ? "" : "s");
	printf(")\n");
	if ((flags & HN_DP_ATTACH_MULTI) && !st.multiprog)
		hn_err("note: libxdp could not use its dispatcher on this kernel (it needs freplace, BPF_PROG_TYPE_EXT), so the router runs alone on %s",
		       dev);
	return 0;
}

static int attach_one(struct hn_dp *dp, const char *dev, unsigned int flags)
{
	__u32 ifindex;
	int ret;

	if (hn_parse_ifindex(dev, &ifindex))
		return 1;
	ret = hn_dp_attach(dp, dev, flags, HN_MSG);
	if (ret)
		return hn_lib_fail(ret, "attaching");
	/* the program attached last is the one pinned, for bpftool */
	ret = hn_dp_pin(dp, HN_MSG);
	if (ret)
		return hn_lib_fail(ret, "pinning the programs");
	return hn_json ? 0 : attach_said(dp, dev, ifindex, flags);
}

int cmd_attach(int argc, char **argv)
{
	unsigned int flags = 0;
	int i, ndev = 0, rc = 0;
	struct hn_dp *dp;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--neigh-counters")) {
			/* a load-time constant of the program attached */
			hn_dp_set_nb_counters(true);
		} else if (attach_opt(argv[i])) {
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
		hn_err("usage: hnctl attach DEV... [--generic] [--multiprog] [--force] [--neigh-counters]");
		return 1;
	}
	dp = hn_loader(true);
	for (i = 1; i < argc && !rc; i++)
		if (argv[i][0] != '-')
			rc = attach_one(dp, argv[i], flags);
	return rc;
}

/*
 * Our program on the port's hook, or the port in hn_ports (attach left
 * half done, or the program taken off by another tool): there is
 * something to undo.  A hook whose libxdp state is unreadable counts too.
 */
static bool attached(struct hn_dp *dp, __u32 ifindex)
{
	struct hn_dp_xdp_state st;
	struct hn_dp_port pt;
	__u32 i;

	if (hn_dp_xdp_query(dp, ifindex, &st) || st.n_ours || st.unreadable)
		return true;
	for (i = 0; i < HN_DP_MAX_PORTS; i++)
		if (!hn_dp_ro_port(hn_view(), i, &pt, NULL, 0) &&
		    pt.ifindex == ifindex)
			return true;
	return false;
}

static int detach_one(struct hn_dp *dp, const char *dev)
{
	__u32 ifindex;
	int ret;

	if (hn_parse_ifindex(dev, &ifindex))
		return 1;
	if (!attached(dp, ifindex)) {
		hn_err("%s: HyperNet is not attached to it", dev);
		hn_hint("'hnctl status' lists the ports it runs on");
		return 1;
	}
	ret = hn_dp_detach(dp, dev, HN_MSG);
	/* HyperNet is off the port; another program there stays */
	if (ret == -EEXIST) {
		hn_err("note: %s", hn_msg);
		hn_msg[0] = '\0';
		ret = 0;
	}
	if (ret)
		return hn_lib_fail(ret, "detaching");
	if (!hn_json)
		printf("detached from %s\n", dev);
	return 0;
}

int cmd_detach(int argc, char **argv)
{
	struct hn_dp *dp;
	int i, rc = 0;

	if (argc < 2) {
		hn_err("usage: hnctl detach DEV...");
		return 1;
	}
	dp = hn_loader(false);
	for (i = 1; i < argc && !rc; i++)
		rc = detach_one(dp, argv[i]);
	return rc;
}
