/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What hn-fmnist's two trainers (mlp.c: the dense split model, cnn.c: the
 * CNN) share: the engine's fixed point seen from float (grids, shifts,
 * requantisation), Adam, the input and the shuffle.  Written once so
 * that both train quantisation-aware with the same arithmetic; a change
 * here changes what both recipes produce.
 */
#ifndef _HN_FMNIST_KERNELS_H
#define _HN_FMNIST_KERNELS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <hypernet/engine.h>

/* n floats, zeroed (one at least, so that an empty layer still frees). */
float *fm_zalloc(size_t n);

/* @v rounded onto the grid of step 2^@exp. */
static inline double fm_grid(double v, int exp)
{
	return ldexp(round(ldexp(v, -exp)), exp);
}

/*
 * A layer onto the engine's grids: weights (@wq from @w) as int8 of a
 * power-of-two scale (*@w_exp), biases (@bq from @b) on the accumulator's
 * grid, and the output scale *@out_exp from the calibration's @cal_exp,
 * kept, as quant.c keeps it, to a shift of 0..HN_SHIFT_MAX.  Returns the
 * accumulator's exponent.
 */
int fm_qat_layer(const float *w, float *wq, size_t n_w, const float *b,
		 float *bq, size_t n_b, int in_exp, int cal_exp, int *w_exp,
		 int *out_exp);

/* The engine's requantisation of one accumulator, in float. */
static inline float fm_requantf(float acc, int out_exp, int relu)
{
	float v = floorf(ldexpf(acc, -out_exp) + 0.5f);

	if (relu && v < 0)
		v = 0;
	v = fminf(fmaxf(v, HN_S8_MIN), HN_S8_MAX);
	return ldexpf(v, out_exp);
}

/* Would the engine's saturation pass a gradient at accumulator @pre? */
static inline int fm_in_range(float pre, int out_exp)
{
	float v = ldexpf(pre, -out_exp);

	return v > HN_S8_MIN - 0.5f && v < HN_S8_MAX + 0.5f;
}

static inline void fm_axpy(float *restrict y, float a, const float *restrict x,
			   unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		y[i] += a * x[i];
}

/* Adam's bias corrections after @step steps. */
void fm_adam_corr(unsigned long step, double *c1, double *c2);
/* One AdamW step of @n parameters @w from gradients @g (then zeroed). */
void fm_adam_vec(float *w, float *g, float *m, float *v, size_t n, double lr,
		 double wd, double c1, double c2);

/* Pixels as the engine sees them: (p >> 1) * 2^-7. */
void fm_load_input(float *x, const uint8_t *pix);
/* 0 .. n - 1 in an order of the seeded generator (Fisher-Yates). */
void fm_shuffle(size_t *idx, size_t n, uint64_t *rng);

#endif /* _HN_FMNIST_KERNELS_H */
