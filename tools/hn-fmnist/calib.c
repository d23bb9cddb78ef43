// SPDX-License-Identifier: GPL-2.0
/*
 * Activation scales, and calibration samples that make the quantiser
 * choose them.
 *
 * The quantiser takes each layer's output scale from the largest
 * |activation| over its calibration samples.  Over the whole training set
 * that is an outlier: the logits' scale would be a whole logit unit and
 * the hidden layers would keep a few bits.  So the scales come from a
 * quantile of the per-image maxima (the rare larger values saturate, and
 * QAT trains with that), and the calibration file holds one real
 * training sample per layer whose maximum lands in that scale's range
 * while no layer of it exceeds its range: max-abs over those few samples
 * reproduces the scales exactly.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fmnist.h"

/*
 * exp_for(M) == e exactly when M / 2^e is in [63.75, 127.5); keep clear
 * of both edges so that the text model's few-ulp differences from the
 * trained weights cannot move a scale.
 */
#define LO_STEPS 64.5
#define HI_STEPS 126.5

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void fm_quantile_exps(const double *mx, size_t n, unsigned int L, double q,
		      int *exp)
{
	double *col = malloc(n * sizeof(*col));
	unsigned int l;
	size_t i;

	for (l = 0; l < L; l++) {
		if (!col) { /* no memory: plain max-abs */
			double m = 0;

			for (i = 0; i < n; i++)
				m = fmax(m, mx[i * L + l]);
			exp[l] = fm_exp_for(m);
			continue;
		}
		for (i = 0; i < n; i++)
			col[i] = mx[i * L + l];
		qsort(col, n, sizeof(*col), cmp_double);
		exp[l] = fm_exp_for(col[(size_t)(q * (n - 1))]);
	}
	free(col);
}

/* Does sample @s stay below every layer's range? */
static int admissible(const double *row, unsigned int L, const int *exp)
{
	unsigned int l;

	for (l = 0; l < L; l++)
		if (row[l] >= ldexp(HI_STEPS, exp[l]))
			return 0;
	return 1;
}

/* The admissible sample with the largest maximum in layer @l, or -1. */
static long best_for(const double *mx, size_t n, unsigned int L, unsigned int l,
		     const int *exp)
{
	long best = -1;
	size_t i;

	for (i = 0; i < n; i++)
		if (admissible(mx + i * L, L, exp) &&
		    (best < 0 || mx[i * L + l] > mx[best * L + l]))
			best = i;
	return best;
}

int fm_pick_samples(const double *mx, size_t n, unsigned int L, int *exp,
		    size_t *ids)
{
	unsigned int l, round, changed;
	long s;

	for (round = 0; round < 4 * FM_LAYERS; round++) {
		changed = 0;
		for (l = 0; l < L; l++) {
			s = best_for(mx, n, L, l, exp);
			if (s < 0)
				return -1;
			ids[l] = s;
			if (mx[s * L + l] >= ldexp(LO_STEPS, exp[l]))
				continue;
			/* nothing reaches the range: a finer scale fits */
			exp[l] = fm_exp_for(mx[s * L + l]);
			changed = 1;
		}
		if (!changed)
			return 0;
	}
	return -1;
}
