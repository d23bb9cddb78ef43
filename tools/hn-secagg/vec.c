// SPDX-License-Identifier: GPL-2.0
/*
 * hn-secagg vec-gen and vec-sum: update vector files (fedvec.h) for
 * tests and demonstrations of rounds on the mesh.
 *
 *	hn-secagg vec-gen SEED DIM [RANGE] OUT
 *		DIM values, each uniform in [-RANGE, RANGE] (default
 *		1000000), a function of SEED and its index alone
 *	hn-secagg vec-sum OUT FILE...
 *		the plain sum mod 2^32 of the vectors, as a vector file
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fedvec.h"
#include "fileio.h"
#include "hn-secagg.h"

/* splitmix64 of (seed, i): the value does not depend on the others */
static uint64_t mix(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ULL;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
	return x ^ (x >> 31);
}

static int save(const char *path, const uint32_t *v, uint32_t n)
{
	char err[512];
	uint8_t *img;
	size_t len;
	int ret;

	if (hn_fv_build(v, n, &img, &len))
		return 1;
	ret = hn_write_file(path, img, len, 0644, 0, err, sizeof(err));
	if (ret)
		fprintf(stderr, "hn-secagg: %s\n", err);
	free(img);
	return !!ret;
}

static int vec_gen(int argc, char **argv)
{
	unsigned long long seed, dim, range = 1000000;
	uint32_t *v, i;
	int ret;

	if (argc != 5 && argc != 6)
		return 2;
	seed = strtoull(argv[2], NULL, 0);
	dim = strtoull(argv[3], NULL, 0);
	if (argc == 6)
		range = strtoull(argv[4], NULL, 0);
	if (!dim || dim > HN_FV_MAX || range > 0x7fffffffULL)
		return 2;
	v = malloc(dim * 4);
	if (!v)
		return 1;
	for (i = 0; i < dim; i++)
		v[i] = (uint32_t)(int32_t)((int64_t)(mix(seed * 0x100000001ULL +
							 i) %
						     (2 * range + 1)) -
					   (int64_t)range);
	ret = save(argv[argc - 1], v, dim);
	free(v);
	return ret;
}

static int vec_sum(int argc, char **argv)
{
	uint32_t *sum = NULL, *v, n, dim = 0, i;
	char err[512];
	void *buf;
	size_t len;
	int a, ret;

	if (argc < 4)
		return 2;
	for (a = 3; a < argc; a++) {
		if (hn_read_file(argv[a], HN_FV_HDR_LEN + 4 * (size_t)HN_FV_MAX,
				 0, &buf, &len, err, sizeof(err)) ||
		    hn_fv_parse(buf, len, &v, &n, err, sizeof(err))) {
			fprintf(stderr, "hn-secagg: %s: %s\n", argv[a], err);
			free(sum);
			return 1;
		}
		free(buf);
		if (!sum) {
			dim = n;
			sum = calloc(n, 4);
		}
		if (!sum || n != dim) {
			fprintf(stderr, "hn-secagg: %s: %u values, not %u\n",
				argv[a], n, dim);
			free(v);
			free(sum);
			return 1;
		}
		for (i = 0; i < n; i++)
			sum[i] += v[i];
		free(v);
	}
	ret = save(argv[2], sum, dim);
	free(sum);
	return ret;
}

int hn_secagg_vec(int argc, char **argv)
{
	int ret = !strcmp(argv[1], "vec-gen") ? vec_gen(argc, argv) :
						vec_sum(argc, argv);

	if (ret == 2)
		fprintf(stderr,
			"usage: hn-secagg vec-gen SEED DIM [RANGE] OUT\n"
			"       hn-secagg vec-sum OUT FILE...\n");
	return ret;
}
