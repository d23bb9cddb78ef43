// SPDX-License-Identifier: GPL-2.0
/*
 * hnctl dp domain: which mesh ports have their far side inside this
 * node's privacy domain (hn_dp_port.domain), so that HN_F_PRIVATE frames
 * may come in and go out by them (Documentation/dataplane.rst, Privacy).
 * Listed from the pins, set through the loader.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hnctl.h"

static int domain_list(int argc, char **argv)
{
	struct hn_dp_ro *ro = hn_view();
	char name[IF_NAMESIZE];
	struct hn_dp_port pt;
	int shown = 0;
	__u32 i;

	hn_list_open();
	for (i = 0; i < HN_DP_MAX_PORTS; i++) {
		if (hn_dp_ro_port(ro, i, &pt, HN_MSG) || !pt.ifindex)
			continue;
		hn_ifname(pt.ifindex, name);
		if (hn_json) {
			jsonw_obj_open(&hn_jw);
			jsonw_kv_str(&hn_jw, "dev", name);
			jsonw_kv_u64(&hn_jw, "ifindex", pt.ifindex);
			jsonw_kv_bool(&hn_jw, "inside", pt.domain == 1);
			jsonw_obj_close(&hn_jw);
		} else {
			printf("%-16s %s\n", name,
			       pt.domain == 1 ? "inside" : "outside");
		}
		shown++;
	}
	hn_msg[0] = '\0';
	hn_list_close(shown, "no mesh port ('hnctl attach DEV')",
		      "private frames cross only ports marked inside");
	return 0;
}

static int domain_set(int argc, char **argv)
{
	__u32 ifindex;
	bool inside;
	int ret;

	if (argc != 3 ||
	    (strcmp(argv[2], "inside") && strcmp(argv[2], "outside"))) {
		hn_hint("hnctl dp domain set DEV inside|outside");
		return 1;
	}
	if (hn_parse_ifindex(argv[1], &ifindex))
		return 1;
	inside = !strcmp(argv[2], "inside");
	ret = hn_dp_port_set_domain(hn_loader(false), ifindex, inside, HN_MSG);
	return ret ? hn_lib_fail(ret, "setting the privacy domain") : 0;
}

static const struct hn_cmd domain_cmds[] = {
	{ "list", domain_list, "", "mesh ports, inside or outside (default)" },
	{ "set", domain_set, "DEV inside|outside",
	  "whether DEV's far side is inside the privacy domain" },
	{ NULL }
};

int cmd_domain(int argc, char **argv)
{
	return hn_family("hnctl dp domain", domain_cmds, argc, argv);
}
