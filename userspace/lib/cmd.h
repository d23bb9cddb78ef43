/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command words: the table a program with subcommands (hnctl, hn-model,
 * hn-train, hn-fmnist) looks its words up in, and the main() of the
 * offline tools, which differ only in their table and their messages.
 */
#ifndef _HN_CMD_H
#define _HN_CMD_H

#include <stdio.h>

struct hn_cmd {
	const char *name;
	int (*fn)(int argc, char **argv); /* argv[0] is the word */
	const char *args; /* usage, after the word */
	const char *help; /* one line */
};

/* @word's entry in @tbl (ended by a NULL name), or NULL. */
const struct hn_cmd *hn_find(const struct hn_cmd *tbl, const char *word);

/*
 * A tool's main(): runs argv[1]'s entry of @tbl with argv from that word.
 * "-h" and "--help" print @usage on stdout and give 0.  No word, or one
 * @tbl lacks, gives what @bad returns for NULL or for that word (each tool
 * keeps its own message); without @bad, @usage on stderr and 2.
 */
int hn_cmd_main(const struct hn_cmd *tbl, void (*usage)(FILE *f),
		int (*bad)(const char *word), int argc, char **argv);

#endif /* _HN_CMD_H */
