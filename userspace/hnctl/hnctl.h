/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hnctl: one binary, tables of subcommands (like wg and batctl).  Each
 * command family has its own cmd_*.c, which defines its words and their
 * table; main.c holds the top level and `hnctl dp` (the data plane, read
 * from its pinned maps and changed through the loader library), and
 * cmd_agent.c `hnctl agent` (hypernetd, asked over its control socket).
 * common.c holds what the families share.
 */
#ifndef _HNCTL_H
#define _HNCTL_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#include "cmd.h"
#include "dp.h"
#include "jsonw.h"
#include "names.h"

/* Global options, set by main(). */
extern bool hn_json; /* -j: JSON on stdout */
extern const char *hn_pin_dir; /* -P: bpffs directory of the data plane */
extern const char *hn_ctl_path; /* -S: the agent's control socket */
extern const char *hn_state_dir; /* -D: the agent's state directory */
extern const char *hn_names_path; /* -n: the names file, NULL: default */
extern struct jsonw hn_jw; /* writer on stdout, for -j */

/* ---- main.c: the tables -------------------------------------------------- */

/*
 * Run argv[0] from @tbl with the rest of argv.  @what names the table in
 * messages ("hnctl dp route").  Prints the table on "help" or an unknown
 * word.
 */
int hn_dispatch(const char *what, const struct hn_cmd *tbl, int argc,
		char **argv);
void hn_usage_table(FILE *out, const char *what, const struct hn_cmd *tbl);
/*
 * A command family: argv[0] is its word, the first entry of @tbl (list,
 * show) runs when no other follows.
 */
int hn_family(const char *what, const struct hn_cmd *tbl, int argc,
	      char **argv);

/* ---- common.c: what the families share ----------------------------------- */

/* Errors go to stderr: what failed, then what to try. */
void hn_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hn_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Strict number parsing: the whole string, within [min, max]. */
int hn_parse_u64(const char *s, unsigned long long max, unsigned long long *v);
/* The same, saying what is wrong: 0 or -1. */
int hn_need_arg(int i, int argc, char **argv); /* argv[i] has a value */
int hn_parse_num(const char *what, const char *s, unsigned long long max,
		 unsigned long long *v);
int hn_parse_ifindex(const char *dev, __u32 *ifindex);

/* An option with a value: "--key FILE", "--key=FILE" or "-k FILE". */
struct hn_kopt {
	const char *name;
	const char *alias;
	const char **val;
};

/* argv[*i] as one of @o: 1 taken (with its value), 0 not it, -1 said why. */
int hn_take_opt(const char *what, const struct hn_kopt *o, int argc,
		char **argv, int *i);
/* Options from @opts and exactly one FILE argument, after argv[0]. */
int hn_parse_kopts(const char *what, const char *usage, int argc, char **argv,
		   const struct hn_kopt *opts, const char **file);

const char *hn_ifname(__u32 ifindex, char buf[IF_NAMESIZE]); /* 0: "-" */
void hn_fmt_mac(const __u8 *m, char buf[18]);

/*
 * Node names (names.h), from the file of -n or else HN_NAMES_FILE when
 * there is one, read on first use.  A file that cannot be read or parsed
 * is reported once; listings then show ids.  -n naming no file ends the
 * process (exit 1).
 */
const struct hn_names *hn_node_names(void);
/* Node @id as shown: its name, else its id. */
const char *hn_node(__u32 id, char buf[HN_NODE_STRLEN]);
/* Its name in JSON under "name": a string, null when it has none. */
void hn_json_name(__u32 id);
/*
 * Data-plane neighbour @idx as a next hop: "NODE/DEV" (its node's name
 * or id and its port), or "#IDX" when the slot holds no neighbour.
 */
const char *hn_fmt_hop(struct hn_dp_ro *ro, __u32 idx, char *buf, size_t len);

/*
 * A listing: a JSON array with -j; in text, @none when it showed nothing,
 * else @legend, if any, after it.
 */
void hn_list_open(void);
void hn_list_close(int shown, const char *none, const char *legend);
/* An entry of a keyed table in JSON: {"@key": @id, "@array": [ ... */
void hn_json_keyed_open(const char *key, __u64 id, const char *array);
/*
 * A list of a map walked by key (route, task), whose entries json or text
 * shows.  hn_walk_list() opens the list, shows every entry, counts them in
 * *shown and returns the walk's last return (-ENOENT at the end of the
 * map); closing the list is the caller's, as the families differ on a
 * walk that fails midway.
 */
union hn_walk_entry {
	struct hn_dp_route route;
	struct hn_dp_task task;
};
enum hn_walk_map { HN_WALK_ROUTES, HN_WALK_TASKS };
struct hn_walk {
	enum hn_walk_map map;
	void (*json)(__u32 key, const union hn_walk_entry *e);
	void (*text)(__u32 key, const union hn_walk_entry *e);
};
int hn_walk_list(const struct hn_walk *w, int *shown);

/*
 * The data plane of -P: hn_view() reads the pinned maps (read-only, from
 * the pins alone), hn_loader() changes them through the loader library,
 * which keeps the invariants (epoch bumps, precomputed sums, slots); only
 * attach passes @create.  Each is opened on first use and closed by
 * hn_handles_close(); when it cannot be opened, the process exits 1 after
 * saying what went wrong and what to try.  Library calls take HN_MSG as
 * (err, errlen).
 */
extern char hn_msg[512];
#define HN_MSG hn_msg, sizeof(hn_msg)
struct hn_dp_ro *hn_view(void);
struct hn_dp *hn_loader(bool create);
void hn_handles_close(void);
/* Report a library failure: its message in hn_msg, or @what and -@ret. */
int hn_lib_fail(int ret, const char *what);

/*
 * A table of the data plane keyed by a number (neigh, route, task): its
 * words are list (the default) and set, which the family writes, and del
 * KEY, which removes entry KEY through the loader and says so when there
 * is none. set returns 0, 1 when it has said what is wrong, or the
 * library's negative error, which hn_keyed() reports as set_fail.
 */
struct hn_keyed {
	const char *what; /* "hnctl dp route" */
	int (*list)(int argc, char **argv);
	const char *list_help;
	int (*set)(int argc, char **argv);
	const char *set_args, *set_help;
	const char *set_fail; /* "writing the route" */
	const char *key_arg, *del_help; /* "DST", "remove a route" */
	const char *key; /* KEY's name in messages */
	unsigned long long max; /* its largest value */
	int (*del)(struct hn_dp *dp, __u32 key);
	const char *none; /* "there is no NONE KEY" */
	const char *fail; /* what failed, on another error */
};
int hn_keyed(const struct hn_keyed *k, int argc, char **argv);

/* ---- the command families ------------------------------------------------ */

int cmd_help(int argc, char **argv); /* main.c */
int cmd_dp(int argc, char **argv);

int cmd_attach(int argc, char **argv); /* cmd_attach.c */
int cmd_detach(int argc, char **argv);
int cmd_status(int argc, char **argv); /* cmd_status.c */
int cmd_show(int argc, char **argv); /* cmd_show.c */
int cmd_metrics(int argc, char **argv);
int cmd_config(int argc, char **argv); /* cmd_config.c */
/* neigh, route, task: the keyed family whose word is argv[0] (common.c) */
int cmd_keyed(int argc, char **argv);
extern const struct hn_keyed hn_neigh_words; /* cmd_neigh.c */
int hn_neigh_list(int argc, char **argv); /* argv unused */
extern const struct hn_keyed hn_route_words; /* cmd_route.c */
int cmd_routes(int argc, char **argv); /* the old `hnctl routes` */
extern const struct hn_keyed hn_task_words; /* cmd_task.c */
int cmd_group(int argc, char **argv); /* cmd_group.c */
int cmd_domain(int argc, char **argv); /* cmd_domain.c */
int cmd_model(int argc, char **argv); /* cmd_model.c */
int cmd_stats(int argc, char **argv); /* cmd_stats.c */
int cmd_trace(int argc, char **argv); /* cmd_trace.c */
int cmd_dev(int argc, char **argv); /* cmd_dev.c: kernel module */

/* Keys and signed model files (cmd_key.c); no kernel state. */
int cmd_keygen(int argc, char **argv);
int cmd_model_sign(int argc, char **argv); /* hnctl model sign */
int cmd_model_verify(int argc, char **argv); /* hnctl model verify */
void hn_model_refusal_hint(int why, const char *keys);

/* Training campaign files (cmd_campaign.c) */
int cmd_campaign(int argc, char **argv);

/* hypernetd (cmd_agent.c) */
int cmd_agent(int argc, char **argv);
int cmd_ping(int argc, char **argv); /* cmd_diag.c: mesh diagnostics */
int cmd_monitor(int argc, char **argv);
int cmd_traceroute(int argc, char **argv);
int cmd_reload(int argc, char **argv);
int hn_agent_request(const char *line, const void *payload, size_t plen,
		     char **body, bool *ok);
/* The same, with the body's length (a binary body: a vector file). */
int hn_agent_request_len(const char *line, const void *payload, size_t plen,
			 char **body, size_t *blen, bool *ok);
void hn_agent_status(void); /* `status`'s agent part */
bool hn_agent_absent(int err); /* no agent listening */
/* Send request @line (no payload); the connection's fd, or -errno. */
int hn_agent_open(const char *line);
void hn_agent_hint(int err); /* say why the agent could not be asked */
/*
 * The agent's answer to a push of a @what (model, campaign): refused,
 * "WHAT refused: BODY" (and with -j {JSON_KEY: false, "message": BODY}) and
 * @hint, 1; taken, BODY or {JSON_KEY: true,
 * "message": BODY}, 0.  Frees @body.
 */
int hn_agent_push_reply(bool ok, char *body, const char *what,
			const char *json_key, const char *hint);
/* Ask WORD [ARG] and print the reply (JSON into hn_jw for ARG "json"). */
int hn_agent_print(const char *word, const char *arg);
int cmd_neighbours(int argc, char **argv);
int cmd_topology(int argc, char **argv);
int hn_model_push(int argc, char **argv);

#endif /* _HNCTL_H */
