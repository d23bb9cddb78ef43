// SPDX-License-Identifier: GPL-2.0
/* Shared helpers of the HyperNet unit tests. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/evp.h>

#include "helpers_hn.h"
#include "sign.h"

static uint64_t state = 0x9E3779B97F4A7C15ULL;

void hn_t_seed(uint64_t seed)
{
	state = seed ? seed : 1;
}

uint64_t hn_t_rand(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

int32_t hn_t_range(int32_t lo, int32_t hi)
{
	return lo + (int32_t)(hn_t_rand() % ((uint64_t)hi - lo + 1));
}

double hn_t_unit(void)
{
	return (double)(hn_t_rand() >> 11) * 0x1p-53;
}

static void fill(struct hn_model *m, unsigned int i)
{
	struct hn_model_layer *l = &m->layers[i];
	size_t k;

	if (hn_model_alloc_layer(m, i))
		abort();
	for (k = 0; k < (size_t)l->n_in * l->n_out; k++)
		l->w[k] = (int8_t)hn_t_range(-128, 127);
	for (k = 0; k < l->n_out; k++)
		l->b[k] = hn_t_range(-100000, 100000);
}

void hn_t_stage_model(struct hn_model *m)
{
	hn_t_stage_shape(m, 3, 42);
	fill(m, 0);
	fill(m, 1);
}

void hn_t_rand_rt(struct hn_rt_model *rt, int32_t bias, int32_t shift)
{
	unsigned int j, i;

	for (j = 0; j < HN_RT_HIDDEN; j++) {
		for (i = 0; i < HN_RT_NFEAT; i++)
			rt->w1[j][i] = (int8_t)hn_t_range(-128, 127);
		rt->w2[j] = (int8_t)hn_t_range(-128, 127);
		rt->b1[j] = hn_t_range(-bias, bias);
	}
	rt->b2 = hn_t_range(-bias, bias);
	rt->shift1 = hn_t_range(0, shift);
}

void hn_t_route_model(struct hn_model *m)
{
	struct hn_rt_model rt;

	hn_t_rand_rt(&rt, 1000000, 12);
	if (hn_model_from_rt(&rt, 7, m, NULL, 0))
		abort();
}

void hn_t_kind_model(struct hn_model *m, int kind)
{
	if (kind == HN_MODEL_ROUTE)
		hn_t_route_model(m);
	else
		hn_t_stage_model(m);
}

void hn_t_redigest(uint8_t *buf, size_t len)
{
	unsigned int n;

	EVP_Digest(buf, len - 36, buf + len - 36, &n, EVP_sha256(), NULL);
}

const char *hn_t_src(const char *rel)
{
	static char path[4096];
	const char *dir = getenv("HN_SRCDIR");

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : ".", rel);
	return path;
}

static char *tmp_dir;

int hn_t_dir_make(char *tmpl)
{
	tmp_dir = mkdtemp(tmpl);
	return tmp_dir ? 0 : -1;
}

const char *hn_t_path(const char *name)
{
	static char bufs[4][512];
	static unsigned int next;
	char *p = bufs[next++ % 4];

	snprintf(p, sizeof(bufs[0]), "%s/%s", tmp_dir, name);
	return p;
}

int hn_t_rm_tree(const char *path)
{
	char p[600];
	struct dirent *de;
	DIR *d = opendir(path);

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, de->d_name);
		if (unlink(p))
			hn_t_rm_tree(p);
	}
	closedir(d);
	return rmdir(path);
}

char *hn_t_gz_read(gzFile z, size_t *len)
{
	size_t cap = 8u << 20;
	char *buf = malloc(cap);
	int n;

	assert_non_null(buf);
	*len = 0;
	while (*len < cap && (n = gzread(z, buf + *len, cap - *len)) > 0)
		*len += n;
	assert_int_equal(gzclose(z), Z_OK);
	assert_true(*len < cap);
	return buf;
}

int hn_t_keypair(const char *name, struct hn_pubkey *pub)
{
	char priv[64], pubf[64], err[256] = "";
	unsigned int n;

	snprintf(priv, sizeof(priv), "%s.key", name);
	snprintf(pubf, sizeof(pubf), "%s.pub", name);
	if (hn_key_generate(hn_t_path(priv), hn_t_path(pubf), err,
			    sizeof(err)) ||
	    (pub &&
	     hn_pubkeys_load(hn_t_path(pubf), pub, 1, &n, err, sizeof(err)))) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	return 0;
}

int hn_t_dir_remove(void)
{
	return tmp_dir ? hn_t_rm_tree(tmp_dir) : -1;
}
