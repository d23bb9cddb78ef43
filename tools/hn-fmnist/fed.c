// SPDX-License-Identifier: GPL-2.0
/*
 * Federated averaging, the learning side (fmnist.h): a node's local
 * round and the server-less application of the aggregate.  The updates
 * in between are what secure aggregation sums (sa_fixed.h, secagg.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fmnist.h"
#include "sa_fixed.h"

int fm_local_update(const struct fm_net *global, struct fm_net *work,
		    const struct fm_set *s, const size_t *ids, size_t n_ids,
		    const struct fm_train_opts *o,
		    const struct fm_local_opts *lo, uint64_t *rng, float *u,
		    double *loss, double *norm)
{
	size_t d = fm_net_dim(global), i;
	float *w = malloc(d * sizeof(*w));
	double l, f, ss = 0;

	if (!w || !n_ids || !(lo->weight > 0 && lo->weight <= 1)) {
		free(w);
		return -1;
	}
	fm_net_copy_model(work, global);
	fm_net_reset_opt(work);
	l = fm_train_steps(work, s, ids, n_ids, o, lo->lr, lo->steps, rng);
	fm_net_get(global, u);
	fm_net_get(work, w);
	for (i = 0; i < d; i++) {
		u[i] = w[i] - u[i];
		ss += (double)u[i] * u[i];
	}
	free(w);
	if (isnan(l) || hn_sa_fxp_clip_factor(u, d, lo->clip, &f))
		return -1;
	f *= lo->weight;
	for (i = 0; i < d; i++)
		u[i] *= f;
	u[d] = lo->weight;
	if (loss)
		*loss = l;
	if (norm)
		*norm = sqrt(ss);
	return 0;
}

int fm_fed_qat(struct fm_net *global, unsigned int round, unsigned int rounds,
	       unsigned int qat, const struct fm_set *calib)
{
	if (round + qat < rounds)
		return 0;
	return fm_net_calibrate(global, calib) < 0 ? -1 : 1;
}

int fm_fed_apply(struct fm_net *global, const float *sum)
{
	size_t d = fm_net_dim(global), i;
	float *w = malloc(d * sizeof(*w));
	double wsum = sum[d];

	if (!w || !(wsum > 0)) {
		free(w);
		return -1;
	}
	fm_net_get(global, w);
	for (i = 0; i < d; i++)
		w[i] += sum[i] / wsum;
	fm_net_set(global, w);
	free(w);
	return 0;
}

void fm_poison_encode(const float *u, size_t d, double factor, double clip,
		      double scale, uint32_t *q)
{
	double m = hn_sa_fxp_max_abs(clip, scale), x;
	size_t i;

	for (i = 0; i <= d; i++) {
		x = nearbyint(u[i] * (i < d ? factor : 1) * scale);
		x = x > m ? m : x < -m ? -m : x;
		q[i] = (uint32_t)(int32_t)x;
	}
}

/* Which @n of @N items are held out: a partial Fisher-Yates shuffle. */
static uint8_t *pick(size_t N, size_t n, uint64_t seed)
{
	size_t *perm = malloc(N * sizeof(*perm)), i, j, t;
	uint8_t *is_val = calloc(N, 1);

	if (!perm || !is_val) {
		free(perm);
		free(is_val);
		return NULL;
	}
	for (i = 0; i < N; i++)
		perm[i] = i;
	for (i = 0; i < n; i++) {
		j = i + fm_rand(&seed) % (N - i);
		t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
		is_val[perm[i]] = 1;
	}
	free(perm);
	return is_val;
}

static int set_alloc(struct fm_set *s, size_t n)
{
	s->n = n;
	s->pix = malloc(n * FM_PIX + 1);
	s->label = malloc(n + 1);
	return s->pix && s->label ? 0 : -1;
}

int fm_holdout(const struct fm_set *s, size_t n, uint64_t seed,
	       struct fm_set *val, struct fm_set *rest)
{
	uint8_t *is_val;
	size_t i, at[2] = { 0, 0 };
	struct fm_set *to[2] = { rest, val };

	memset(val, 0, sizeof(*val));
	memset(rest, 0, sizeof(*rest));
	if (n > s->n || !(is_val = pick(s->n, n, seed)))
		return -1;
	if (set_alloc(val, n) || set_alloc(rest, s->n - n)) {
		free(is_val);
		fm_free(val);
		fm_free(rest);
		return -1;
	}
	for (i = 0; i < s->n; i++) {
		struct fm_set *d = to[is_val[i]];
		size_t *k = &at[is_val[i]];

		memcpy(d->pix + *k * FM_PIX, s->pix + i * FM_PIX, FM_PIX);
		d->label[(*k)++] = s->label[i];
	}
	free(is_val);
	return 0;
}

int fm_valset_take(struct fm_set *train, size_t n, uint64_t seed,
		   struct fm_set *val)
{
	struct fm_set rest;

	if (fm_holdout(train, n, seed ^ FM_VALSET_SALT, val, &rest))
		return -1;
	fm_free(train);
	*train = rest;
	return 0;
}
