// SPDX-License-Identifier: GPL-2.0
/*
 * hnctl: inspect and steer a HyperNet node.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hnctl.h"

bool hn_json;
const char *hn_pin_dir = "/sys/fs/bpf/hypernet";
struct jsonw hn_jw;

static const struct hn_cmd top_cmds[] = {
	{ "help", cmd_help, "", "this list" },
	{ "dev", cmd_dev, "show|stage|output|listen", "tensor-offload netdevs" },
	/* data plane (cmd_dp.c) */
	{ "attach", cmd_attach, "DEV... [--generic] [--multiprog] [--force]",
	  "load the XDP router, attach it to ports" },
	{ "detach", cmd_detach, "DEV...", "detach it from ports" },
	{ "status", cmd_status, "", "where it runs, node id, model slot" },
	{ "config", cmd_config, "[KEY VALUE]...",
	  "node, margin, stale-ms, tensor-dev, trace" },
	{ "neigh", cmd_neigh, "[list|set IDX ...|del IDX]",
	  "neighbours ('hnctl neigh help')" },
	{ "route", cmd_route, "[list|set DST ...|del DST]",
	  "routes ('hnctl route help')" },
	{ "task", cmd_task, "[list|set ID host ...|del ID]",
	  "anycast tasks" },
	{ "group", cmd_group, "[list|join ID|leave ID]",
	  "multicast groups" },
	{ "model", cmd_model, "[show|load FILE.hnm]", "the route model" },
	{ "keygen", cmd_keygen, "PRIVFILE PUBFILE", "key pair to sign models" },
	{ "stats", cmd_stats, "[all|reset]",
	  "counters summed over the CPUs" },
	{ "trace", cmd_trace, "", "last traced decision per CPU" },
	/* the agent (cmd_agent.c) */
	{ "neighbours", cmd_neighbours, "",
	  "neighbours: data plane, and hypernetd's links" },
	{ "routes", cmd_routes, "", "routes in the data plane" },
	{ "topology", cmd_topology, "[dot|json]",
	  "the mesh as hypernetd knows it" },
	{ "agent", cmd_agent, "[status|stats]", "hypernetd's own counters" },
	{ NULL }
};

void hn_err(const char *fmt, ...)
{
	va_list ap;

	fputs("hnctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void hn_hint(const char *fmt, ...)
{
	va_list ap;

	fputs("hint: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void hn_usage_table(FILE *out, const char *what, const struct hn_cmd *tbl)
{
	fprintf(out, "Usage: %s COMMAND [ARGS]\n\nCommands:\n", what);
	for (; tbl->name; tbl++) {
		char left[64];

		snprintf(left, sizeof(left), "%s %s", tbl->name, tbl->args);
		fprintf(out, "  %-34s %s\n", left, tbl->help);
	}
}

int hn_dispatch(const char *what, const struct hn_cmd *tbl, int argc,
		char **argv)
{
	const struct hn_cmd *c;

	if (argc < 1 || !strcmp(argv[0], "help") || !strcmp(argv[0], "-h")) {
		hn_usage_table(argc < 1 ? stderr : stdout, what, tbl);
		return argc < 1 ? 1 : 0;
	}
	for (c = tbl; c->name; c++)
		if (!strcmp(argv[0], c->name))
			return c->fn(argc, argv);
	hn_err("unknown command '%s' for '%s'", argv[0], what);
	hn_hint("'%s help' lists the commands", what);
	return 1;
}

int hn_parse_u64(const char *s, unsigned long long max, unsigned long long *v)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || *end || *v > max)
		return -EINVAL;
	return 0;
}

int hn_parse_mac(const char *s, unsigned char mac[6])
{
	unsigned int b[6];
	char tail;
	int i;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &tail) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++)
		mac[i] = b[i];
	return 0;
}

int cmd_help(int argc, char **argv)
{
	fputs("hnctl: inspect and steer a HyperNet node\n"
	      "Options: -j JSON output, -P DIR bpffs pin directory "
	      "(default /sys/fs/bpf/hypernet),\n"
	      "         -S SOCK hypernetd's control socket, -D DIR its state "
	      "directory\n\n", stdout);
	hn_usage_table(stdout, "hnctl [-j] [-P DIR] [-S SOCK] [-D DIR]",
		       top_cmds);
	return 0;
}

int main(int argc, char **argv)
{
	int opt, rc;

	while ((opt = getopt(argc, argv, "+jP:S:D:hV")) != -1) {
		switch (opt) {
		case 'j':
			hn_json = true;
			break;
		case 'P':
			hn_pin_dir = optarg;
			break;
		case 'S':
			hn_ctl_path = optarg;
			break;
		case 'D':
			hn_state_dir = optarg;
			break;
		case 'h':
			return cmd_help(0, NULL);
		case 'V':
			puts("hnctl " HN_VERSION_STRING);
			return 0;
		default:
			hn_hint("'hnctl help' lists the commands and options");
			return 1;
		}
	}
	jsonw_init(&hn_jw, stdout);
	if (optind >= argc || !strcmp(argv[optind], "help"))
		return cmd_help(0, NULL);
	rc = hn_dispatch("hnctl", top_cmds, argc - optind, argv + optind);
	return rc ? 1 : 0;
}
