// SPDX-License-Identifier: GPL-2.0
/*
 * Command words: see cmd.h.
 */
#include <string.h>

#include "cmd.h"

const struct hn_cmd *hn_find(const struct hn_cmd *tbl, const char *word)
{
	for (; tbl->name; tbl++)
		if (!strcmp(word, tbl->name))
			return tbl;
	return NULL;
}

/* No word, or an unknown one @word: a usage error. */
static int no_command(void (*usage)(FILE *f), int (*bad)(const char *word),
		      const char *word)
{
	if (bad)
		return bad(word);
	usage(stderr);
	return 2;
}

int hn_cmd_main(const struct hn_cmd *tbl, void (*usage)(FILE *f),
		int (*bad)(const char *word), int argc, char **argv)
{
	const struct hn_cmd *c;

	if (argc < 2)
		return no_command(usage, bad, NULL);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	c = hn_find(tbl, argv[1]);
	if (!c)
		return no_command(usage, bad, argv[1]);
	return c->fn(argc - 1, argv + 1);
}
