// SPDX-License-Identifier: GPL-2.0
/*
 * Not a test: planted bugs, built exactly as the unit tests are under
 * ASan/UBSan ($(O)/asan/tests/), that tests/cli/test_sanitizers.sh runs
 * to prove that each kind of report fails a test.  argv[1] picks one:
 * ub (signed overflow), shift (shift past the width), heap (heap read past
 * the end), stack (stack write past the end), leak; none runs clean.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* volatile: the compiler must not see (and warn about) the bugs */
static volatile int sink;
static volatile size_t eight = 8, twenty = 20;

static void stack_overflow(const char *s)
{
	char buf[8];

	memcpy(buf, s, twenty); /* longer than buf */
	sink = buf[0];
}

int main(int argc, char **argv)
{
	volatile int big = INT_MAX, width = 40;
	const char *what = argc > 1 ? argv[1] : "none";
	char *p;

	if (!strcmp(what, "ub"))
		sink = big + argc;
	else if (!strcmp(what, "shift"))
		sink = 1 << width;
	else if (!strcmp(what, "heap")) {
		p = malloc(eight);
		memset(p, 0, eight);
		sink = p[eight];
		free(p);
	} else if (!strcmp(what, "stack")) {
		stack_overflow("a string of more than eight bytes");
	} else if (!strcmp(what, "leak")) {
		p = malloc(64);
		memset(p, 1, 64);
		sink = p[1];
		p = NULL;
	} else if (strcmp(what, "none")) {
		fprintf(stderr, "planted_bugs: unknown '%s'\n", what);
		return 2;
	}
	printf("planted_bugs %s: no report\n", what);
	return 0;
}
