// SPDX-License-Identifier: GPL-2.0
/*
 * hnctl: inspect and steer a HyperNet node.  The top-level words and those
 * of `hnctl dp`: each entry runs a command of a cmd_*.c file.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "hnctl.h"

bool hn_json;
const char *hn_pin_dir = "/sys/fs/bpf/hypernet";
const char *hn_ctl_path = "/run/hypernet/hypernetd.sock";
const char *hn_state_dir = "/var/lib/hypernet";
const char *hn_names_path;
struct jsonw hn_jw;

/* `hnctl dp`: the XDP data plane, read from its pinned maps. */
static const struct hn_cmd dp_cmds[] = {
	{ "attach", cmd_attach, "DEV... [--generic] [--multiprog] [--force]",
	  "load the XDP router, attach it to ports" },
	{ "detach", cmd_detach, "DEV...", "detach it from ports" },
	{ "config", cmd_config, "[KEY VALUE]...",
	  "node, margin, stale-ms, tensor-dev, trace" },
	{ "neigh", cmd_keyed, "[list|set IDX ...|del IDX]",
	  "neighbour table ('hnctl dp neigh help')" },
	{ "route", cmd_keyed, "[list|set DST ...|del DST]",
	  "route table ('hnctl dp route help')" },
	{ "task", cmd_keyed, "[list|set ID host ...|del ID]", "anycast tasks" },
	{ "group", cmd_group, "[list|join ID|leave ID]", "multicast groups" },
	{ "domain", cmd_domain, "[list|set DEV inside|outside]",
	  "privacy domain: ports private frames may cross" },
	{ "model", cmd_model, "[show|load FILE.hnm]",
	  "the route model ('hnctl model help')" },
	{ "stats", cmd_stats, "[all|reset]", "counters summed over the CPUs" },
	{ "trace", cmd_trace, "", "last traced decision per CPU" },
	{ NULL }
};

static const struct hn_cmd top_cmds[] = {
	{ "help", cmd_help, "", "this list" },
	{ "dp", cmd_dp, "COMMAND [ARGS]",
	  "the XDP data plane, from its pinned maps ('hnctl dp help')" },
	{ "agent", cmd_agent, "[COMMAND]",
	  "hypernetd, over its control socket ('hnctl agent help')" },
	{ "status", cmd_status, "",
	  "where the data plane runs, node id, model slot; the agent" },
	{ "show", cmd_show, "",
	  "the node and its neighbours, with names (like 'wg show')" },
	{ "metrics", cmd_metrics, "[--openmetrics]",
	  "counters as Prometheus (or OpenMetrics) text" },
	{ "model", cmd_model, "[show|load|sign|verify|push]",
	  "route models ('hnctl model help')" },
	{ "keygen", cmd_keygen, "PRIVFILE PUBFILE",
	  "Ed25519 key pair: to sign models, or a node's identity" },
	{ "campaign", cmd_campaign,
	  "[status|show|create|sign|verify|start|stop|submit|result]",
	  "federated training campaigns ('hnctl campaign help')" },
	{ "dev", cmd_dev, "show|stage|output|listen",
	  "tensor-offload netdevs" },
	{ "topology", cmd_topology, "[dot|json]",
	  "short for 'hnctl agent topology'" },
	{ "ping", cmd_ping, "NODE [-c N] [-i S] [-s SIZE] [-W S]",
	  "round trips to a node through the mesh" },
	{ "traceroute", cmd_traceroute, "NODE [-m MAX_TTL] [-W S]",
	  "the hops to a node, each router's decision and why" },
	{ "monitor", cmd_monitor, "[-c COUNT]",
	  "live events: neighbours, routes, models, rounds, drops" },
	{ "reload", cmd_reload, "",
	  "hypernetd re-reads its config (as SIGHUP; 'hnctl agent reload')" },
	{ NULL }
};

/*
 * Words of `hnctl dp` that may go without "dp": none of them can be
 * mistaken for the agent's.
 */
static const char *const dp_short[] = {
	"attach", "detach", "config", "task", "group", "stats", "trace",
};
#define N_DP_SHORT (sizeof(dp_short) / sizeof(dp_short[0]))

/*
 * Old top-level names, which did not say whether they read the data plane
 * or asked the agent.  Kept for scripts: each runs as before.
 */
static const struct {
	const char *old;
	const char *now; /* after "hnctl " */
	int (*fn)(int argc, char **argv);
} old_names[] = {
	{ "neigh", "dp neigh", cmd_keyed },
	{ "route", "dp route", cmd_keyed },
	{ "routes", "dp route list", cmd_routes },
	{ "neighbours", "agent neighbours", cmd_neighbours },
};
#define N_OLD_NAMES (sizeof(old_names) / sizeof(old_names[0]))

/*
 * One line a command; a name and arguments too long for the left column
 * get a line of their own, the help goes under them, never cut.
 */
void hn_usage_table(FILE *out, const char *what, const struct hn_cmd *tbl)
{
	fprintf(out, "Usage: %s COMMAND [ARGS]\n\nCommands:\n", what);
	for (; tbl->name; tbl++) {
		int n = fprintf(out, "  %s%s%s", tbl->name,
				tbl->args[0] ? " " : "", tbl->args);

		if (n > 36)
			fprintf(out, "\n%37s%s\n", "", tbl->help);
		else
			fprintf(out, "%*s%s\n", 37 - n, "", tbl->help);
	}
}

int hn_family(const char *what, const struct hn_cmd *tbl, int argc, char **argv)
{
	if (argc == 1)
		return tbl->fn(argc, argv);
	return hn_dispatch(what, tbl, argc - 1, argv + 1);
}

int hn_dispatch(const char *what, const struct hn_cmd *tbl, int argc,
		char **argv)
{
	const struct hn_cmd *c;

	if (argc < 1 || !strcmp(argv[0], "help") || !strcmp(argv[0], "-h")) {
		hn_usage_table(argc < 1 ? stderr : stdout, what, tbl);
		return argc < 1 ? 1 : 0;
	}
	c = hn_find(tbl, argv[0]);
	if (!c) {
		hn_err("unknown command '%s' for '%s'", argv[0], what);
		hn_hint("'%s help' lists the commands", what);
		return 1;
	}
	return c->fn(argc, argv);
}

/* A top-level word: an old name, a word of dp_short, or of top_cmds. */
static int run(int argc, char **argv)
{
	size_t i;

	for (i = 0; i < N_OLD_NAMES; i++)
		if (!strcmp(argv[0], old_names[i].old))
			return old_names[i].fn(argc, argv);
	for (i = 0; i < N_DP_SHORT; i++)
		if (!strcmp(argv[0], dp_short[i]))
			return hn_dispatch("hnctl dp", dp_cmds, argc, argv);
	return hn_dispatch("hnctl", top_cmds, argc, argv);
}

int cmd_dp(int argc, char **argv)
{
	return hn_dispatch("hnctl dp", dp_cmds, argc - 1, argv + 1);
}

int cmd_help(int argc, char **argv)
{
	size_t i;

	fputs("hnctl: inspect and steer a HyperNet node\n"
	      "Options: -j JSON output, -P DIR bpffs pin directory "
	      "(default /sys/fs/bpf/hypernet),\n"
	      "         -S SOCK hypernetd's control socket, -D DIR its state "
	      "directory,\n"
	      "         -n FILE node names (default " HN_NAMES_FILE "),\n"
	      "         -h, --help this list, -V, --version the version\n\n",
	      stdout);
	hn_usage_table(stdout, "hnctl [-j] [-P DIR] [-S SOCK] [-D DIR]",
		       top_cmds);
	fputs("\nShort for 'hnctl dp WORD':", stdout);
	for (i = 0; i < N_DP_SHORT; i++)
		printf(" %s", dp_short[i]);
	fputs("\n\nOlder names, still accepted:\n", stdout);
	for (i = 0; i < N_OLD_NAMES; i++)
		printf("  %-34s the same as 'hnctl %s'\n", old_names[i].old,
		       old_names[i].now);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL }
	};
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "+jP:S:D:n:hV", opts, NULL)) !=
	       -1) {
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
		case 'n':
			hn_names_path = optarg;
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
	rc = run(argc - optind, argv + optind);
	hn_handles_close();
	return rc ? 1 : 0;
}
