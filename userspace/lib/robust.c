// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Grouping, robust combination of group sums and the acceptance gate
 * (robust.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/sha.h>

#include "robust.h"

struct rank {
	uint8_t key[SHA256_DIGEST_LENGTH];
	unsigned int node;
};

static int rank_cmp(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;
	int c = memcmp(x->key, y->key, sizeof(x->key));

	return c ? c : (x->node > y->node) - (x->node < y->node);
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

int hn_rb_groups(const uint8_t campaign[32], uint32_t round,
		 const uint32_t *ids, unsigned int n, unsigned int g,
		 unsigned int *group)
{
	static const char tag[] = "hn-rb group";
	uint8_t in[sizeof(tag) - 1 + 32 + 8];
	struct rank *r;
	unsigned int i;

	if (!n || g < 1 || g > HN_RB_MAX_GROUPS ||
	    (g > 1 && n < g * HN_RB_MIN_GROUP))
		return -EINVAL;
	r = calloc(n, sizeof(*r));
	if (!r)
		return -ENOMEM;
	memcpy(in, tag, sizeof(tag) - 1);
	memcpy(in + sizeof(tag) - 1, campaign, 32);
	put_be32(in + sizeof(tag) - 1 + 32, round);
	for (i = 0; i < n; i++) {
		put_be32(in + sizeof(in) - 4, ids[i]);
		SHA256(in, sizeof(in), r[i].key);
		r[i].node = i;
	}
	qsort(r, n, sizeof(*r), rank_cmp);
	for (i = 0; i < n; i++)
		group[r[i].node] = i % g;
	free(r);
	return 0;
}

/* Indices 0..n-1 of @v in increasing order of value, ties by index. */
static void sort_idx(const double *v, unsigned int n, unsigned int *idx)
{
	unsigned int i, j, t;

	for (i = 0; i < n; i++)
		idx[i] = i;
	for (i = 1; i < n; i++) {
		t = idx[i];
		for (j = i; j > 0 && v[idx[j - 1]] > v[t]; j--)
			idx[j] = idx[j - 1];
		idx[j] = t;
	}
}

double hn_rb_median(const double *v, unsigned int n)
{
	unsigned int idx[HN_RB_MAX_GROUPS];

	if (!n || n > HN_RB_MAX_GROUPS)
		return NAN;
	sort_idx(v, n, idx);
	if (n % 2)
		return v[idx[n / 2]];
	return (v[idx[n / 2 - 1]] + v[idx[n / 2]]) / 2;
}

double hn_rb_trimmed_mean(const double *v, const double *w, unsigned int n,
			  unsigned int trim)
{
	unsigned int idx[HN_RB_MAX_GROUPS], i;
	double s = 0, ws = 0, wi;

	if (n > HN_RB_MAX_GROUPS || 2 * (size_t)trim >= n)
		return NAN;
	sort_idx(v, n, idx);
	for (i = trim; i < n - trim; i++) {
		wi = w ? w[idx[i]] : 1;
		s += wi * v[idx[i]];
		ws += wi;
	}
	return ws > 0 ? s / ws : NAN;
}

/* Is group sum @s (d + 1 floats) of @members nodes usable? */
static int group_valid(const float *s, size_t d, unsigned int members)
{
	size_t i;

	if (!(s[d] > 0 && s[d] <= members))
		return 0;
	for (i = 0; i < d; i++)
		if (!isfinite(s[i]))
			return 0;
	return 1;
}

/*
 * The factor of each valid group (listed in @use, @nv of them) that
 * takes its sum to its mean and its mean's norm to at most the median
 * norm: @f[j].
 */
static void group_factors(const float *const *sums, const unsigned int *use,
			  unsigned int nv, size_t d, double *f)
{
	double norm[HN_RB_MAX_GROUPS], ss, ref;
	unsigned int j;
	size_t i;

	for (j = 0; j < nv; j++) {
		ss = 0;
		for (i = 0; i < d; i++)
			ss += (double)sums[use[j]][i] * sums[use[j]][i];
		norm[j] = sqrt(ss) / sums[use[j]][d];
	}
	ref = hn_rb_median(norm, nv);
	for (j = 0; j < nv; j++) {
		f[j] = 1 / (double)sums[use[j]][d];
		if (norm[j] > ref)
			f[j] *= ref / norm[j];
	}
}

int hn_rb_combine(const float *const *sums, const unsigned int *members,
		  unsigned int g, size_t d, const struct hn_rb_opts *o,
		  float *out, unsigned int *valid)
{
	double f[HN_RB_MAX_GROUPS], v[HN_RB_MAX_GROUPS], w[HN_RB_MAX_GROUPS];
	unsigned int use[HN_RB_MAX_GROUPS], nv = 0, j;
	double x;
	size_t i;

	if (g > HN_RB_MAX_GROUPS)
		return -EINVAL;
	for (j = 0; j < g; j++)
		if (group_valid(sums[j], d, members[j]))
			use[nv++] = j;
	if (valid)
		*valid = nv;
	if (!nv || (o->rule == HN_RB_TRIMMED && 2 * (size_t)o->trim >= nv))
		return -EINVAL;
	group_factors(sums, use, nv, d, f);
	for (j = 0; j < nv; j++)
		w[j] = sums[use[j]][d];
	for (i = 0; i < d; i++) {
		for (j = 0; j < nv; j++)
			v[j] = sums[use[j]][i] * f[j];
		if (o->rule == HN_RB_MEDIAN)
			x = hn_rb_median(v, nv);
		else
			x = hn_rb_trimmed_mean(v, w, nv, o->trim);
		out[i] = x;
	}
	out[d] = 1;
	return 0;
}

int hn_rb_gate(size_t ok_cur, size_t ok_new, size_t n, unsigned int max_drop)
{
	if (!n || ok_cur > n || ok_new > n)
		return 0;
	if (ok_new >= ok_cur)
		return 1;
	return (uint64_t)(ok_cur - ok_new) * 10000 <= (uint64_t)max_drop * n;
}
