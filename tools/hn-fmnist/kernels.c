// SPDX-License-Identifier: GPL-2.0
/*
 * Training kernels both hn-fmnist trainers use (kernels.h).
 */
#include <stdlib.h>

#include "fmnist.h"
#include "kernels.h"

#define ADAM_B1 0.9
#define ADAM_B2 0.999
#define ADAM_EPS 1e-8

float *fm_zalloc(size_t n)
{
	return calloc(n ? n : 1, sizeof(float));
}

int fm_qat_layer(const float *w, float *wq, size_t n_w, const float *b,
		 float *bq, size_t n_b, int in_exp, int cal_exp, int *w_exp,
		 int *out_exp)
{
	double wmax = 0;
	int acc_exp;
	size_t i;

	for (i = 0; i < n_w; i++)
		wmax = fmax(wmax, fabsf(w[i]));
	*w_exp = wmax > 0 ? fm_exp_for(wmax) : -7;
	acc_exp = in_exp + *w_exp;
	for (i = 0; i < n_w; i++)
		wq[i] = fm_grid(w[i], *w_exp);
	for (i = 0; i < n_b; i++)
		bq[i] = fm_grid(b[i], acc_exp);
	/* no shift below 0 (pointless) or above 30 */
	*out_exp = cal_exp;
	if (*out_exp < acc_exp)
		*out_exp = acc_exp;
	if (*out_exp > acc_exp + HN_SHIFT_MAX)
		*out_exp = acc_exp + HN_SHIFT_MAX;
	return acc_exp;
}

void fm_adam_corr(unsigned long step, double *c1, double *c2)
{
	*c1 = 1 - pow(ADAM_B1, step);
	*c2 = 1 - pow(ADAM_B2, step);
}

void fm_adam_vec(float *w, float *g, float *m, float *v, size_t n, double lr,
		 double wd, double c1, double c2)
{
	size_t i;

	for (i = 0; i < n; i++) {
		m[i] = ADAM_B1 * m[i] + (1 - ADAM_B1) * g[i];
		v[i] = ADAM_B2 * v[i] + (1 - ADAM_B2) * g[i] * g[i];
		w[i] -= lr * ((m[i] / c1) / (sqrtf(v[i] / c2) + ADAM_EPS) +
			      wd * w[i]);
		g[i] = 0;
	}
}

void fm_load_input(float *x, const uint8_t *pix)
{
	unsigned int k;

	for (k = 0; k < FM_PIX; k++)
		x[k] = ldexpf(fm_pixel(pix[k]), FM_IN_EXP);
}

void fm_shuffle(size_t *idx, size_t n, uint64_t *rng)
{
	size_t i, j, t;

	for (i = 0; i < n; i++)
		idx[i] = i;
	for (i = n; i > 1; i--) {
		j = fm_rand(rng) % i;
		t = idx[i - 1];
		idx[i - 1] = idx[j];
		idx[j] = t;
	}
}
