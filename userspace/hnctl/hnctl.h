/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hnctl: one binary, a table of subcommands (like wg and batctl).  Each
 * concern has its own cmd_*.c with its own subcommand table; main.c lists
 * the top-level words.
 */
#ifndef _HNCTL_H
#define _HNCTL_H

#include <stdbool.h>
#include <stddef.h>
#include "jsonw.h"

struct hn_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);	/* argv[0] is the word */
	const char *args;			/* usage, after the word */
	const char *help;			/* one line */
};

/* Global options, set by main(). */
extern bool hn_json;		/* -j: JSON on stdout */
extern const char *hn_pin_dir;	/* -P: bpffs directory of the data plane */
extern struct jsonw hn_jw;	/* writer on stdout, for -j */

/* Errors go to stderr: what failed, then what to try. */
void hn_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hn_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Run argv[0] from @tbl with the rest of argv.  @what names the table in
 * messages ("hnctl route").  Prints the table on "help" or an unknown word.
 */
int hn_dispatch(const char *what, const struct hn_cmd *tbl, int argc,
		char **argv);
void hn_usage_table(FILE *out, const char *what, const struct hn_cmd *tbl);

/* Strict number parsing: the whole string, within [min, max]. */
int hn_parse_u64(const char *s, unsigned long long max, unsigned long long *v);
int hn_parse_mac(const char *s, unsigned char mac[6]);

/* Top-level commands, each in its own file. */
int cmd_help(int argc, char **argv);
int cmd_dev(int argc, char **argv);	/* cmd_dev.c: kernel module */

/* Data plane (cmd_dp.c). */
int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_neigh(int argc, char **argv);
int cmd_route(int argc, char **argv);
int cmd_task(int argc, char **argv);
int cmd_group(int argc, char **argv);
int cmd_model(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_trace(int argc, char **argv);

/* Keys and signed model files (cmd_key.c); no kernel state. */
int cmd_keygen(int argc, char **argv);
int cmd_model_sign(int argc, char **argv);	/* hnctl model sign */
int cmd_model_verify(int argc, char **argv);	/* hnctl model verify */

/* hypernetd (cmd_agent.c) */
extern const char *hn_ctl_path;	/* -S: the agent's control socket */
extern const char *hn_state_dir;	/* -D: the agent's state directory */
int hn_agent_request(const char *line, const void *payload, size_t plen,
		     char **body, bool *ok);
void hn_agent_status(void);	/* `status`'s agent part */
int cmd_neighbours(int argc, char **argv);
int cmd_routes(int argc, char **argv);
int cmd_topology(int argc, char **argv);
int cmd_agent(int argc, char **argv);
int hn_model_push(int argc, char **argv);
/* Listings of cmd_dp.c, from the pinned maps. */
int hn_neigh_list(void);
int hn_route_list(void);

#endif /* _HNCTL_H */
