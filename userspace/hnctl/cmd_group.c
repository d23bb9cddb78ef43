// SPDX-License-Identifier: GPL-2.0
/*
 * hnctl dp group: the multicast groups this node is a member of
 * (hn_groups), listed from the pins, joined and left through the loader.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hnctl.h"

/* A walk that fails midway ends the list, as the end of the map would. */
static int group_list(int argc, char **argv)
{
	struct hn_dp_ro *ro = hn_view();
	__u32 group, *prev = NULL;
	int shown = 0;

	hn_list_open();
	while (!hn_dp_ro_next_group(ro, prev, &group, HN_MSG)) {
		prev = &group;
		if (hn_json)
			jsonw_u64(&hn_jw, group);
		else
			printf("group %u%s\n", group,
			       group == HN_GROUP_ALL ? " (all)" : "");
		shown++;
	}
	hn_msg[0] = '\0';
	hn_list_close(shown, "member of no group ('hnctl group join ID')",
		      NULL);
	return 0;
}

static int group_change(int argc, char **argv)
{
	bool join = !strcmp(argv[0], "join");
	unsigned long long v;
	struct hn_dp *dp;
	int ret;

	if (argc != 2 || hn_parse_num("group", argv[1], UINT32_MAX, &v) || !v) {
		hn_hint("hnctl group %s ID   (ID 1 .. 4294967295)", argv[0]);
		return 1;
	}
	dp = hn_loader(false);
	ret = join ? hn_dp_join(dp, v) : hn_dp_leave(dp, v);
	if (ret == -ENOENT && !join) {
		hn_err("this node is not in group %llu", v);
		return 1;
	}
	return ret ? hn_lib_fail(ret, join ? "joining" : "leaving") : 0;
}

static const struct hn_cmd group_cmds[] = {
	{ "list", group_list, "", "joined groups (the default)" },
	{ "join", group_change, "ID", "deliver group ID here too" },
	{ "leave", group_change, "ID", "stop delivering group ID here" },
	{ NULL }
};

int cmd_group(int argc, char **argv)
{
	return hn_family("hnctl group", group_cmds, argc, argv);
}
