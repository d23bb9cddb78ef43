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
