/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The seed generators' one output routine (tests/fuzz/gen_seeds.c and
 * tests/kmod/gen_kmod_seeds.c): a seed they cannot write ends the run.
 */
#ifndef _HN_SEED_FILE_H
#define _HN_SEED_FILE_H

#include <stdio.h>
#include <stdlib.h>

/* @n bytes at @p into the file @dir/@name; exits 1 on any error. */
static inline void seed_file(const char *dir, const char *name, const void *p,
			     size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f)) {
		perror(path);
		exit(1);
	}
}

#endif
