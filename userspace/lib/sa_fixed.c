// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Clipping, stochastic rounding and the overflow bound (sa_fixed.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>

#include "sa_crypto.h"
#include "sa_fixed.h"

#define SUM_MAX 0x7fffffffULL /* 2^31 - 1 */
#define TWO32 4294967296.0

uint64_t hn_sa_fxp_max_abs(double clip, double scale)
{
	double m;

	if (!isfinite(clip) || !isfinite(scale) || clip <= 0 || scale <= 0)
		return 0;
	m = floor(clip * scale);
	if (m >= (double)SUM_MAX)
		return SUM_MAX + 1;
	return (uint64_t)m + 1;
}

int hn_sa_fxp_check(unsigned int n, double clip, double scale, char *err,
		    size_t errlen)
{
	uint64_t m = hn_sa_fxp_max_abs(clip, scale);

	if (!m || !n) {
		snprintf(err, errlen,
			 "fixed point: need n >= 1, clip and scale > 0");
		return -EINVAL;
	}
	if (m > SUM_MAX || n * m > SUM_MAX) {
		snprintf(err, errlen,
			 "fixed point: %u updates of up to %llu overflow "
			 "2^31 - 1 (clip %g, scale %g)",
			 n, (unsigned long long)m, clip, scale);
		return -ERANGE;
	}
	return 0;
}

double hn_sa_fxp_max_scale(unsigned int n, double clip)
{
	double s = ldexp(1.0, 62);

	while (s >= ldexp(1.0, -62)) {
		if (!hn_sa_fxp_check(n, clip, s, NULL, 0))
			return s;
		s /= 2;
	}
	return 0;
}

int hn_sa_fxp_clip_factor(const float *x, size_t d, double clip, double *f)
{
	double ss = 0;
	size_t i;

	for (i = 0; i < d; i++) {
		if (!isfinite(x[i]))
			return -EINVAL;
		ss += (double)x[i] * x[i];
	}
	ss = sqrt(ss);
	*f = ss > clip ? clip / ss : 1.0;
	return 0;
}

/* SR(v) with the random word r, clamped to [-m, m]. */
static uint32_t round_one(double v, uint32_t r, int64_t m)
{
	double fl = floor(v);
	int64_t q = (int64_t)fl + ((double)r < (v - fl) * TWO32);

	if (q > m)
		q = m;
	if (q < -m)
		q = -m;
	return (uint32_t)q;
}

int hn_sa_fxp_encode(const float *x, size_t d, double clip, double scale,
		     const uint8_t seed[32], uint32_t *q)
{
	int64_t m = hn_sa_fxp_max_abs(clip, scale);
	double f;
	size_t i;
	int err;

	if (!m || m > (int64_t)SUM_MAX)
		return -EINVAL;
	err = hn_sa_fxp_clip_factor(x, d, clip, &f);
	if (err)
		return err;
	for (i = 0; i < d; i++)
		q[i] = 0;
	err = hn_sa_prg_add(seed, 0, q, d);
	if (err)
		return err;
	for (i = 0; i < d; i++)
		q[i] = round_one((double)x[i] * f * scale, q[i], m);
	return 0;
}

void hn_sa_fxp_decode(const uint32_t *sum, size_t d, double scale, float *out)
{
	size_t i;

	for (i = 0; i < d; i++)
		out[i] = (double)(int32_t)sum[i] / scale;
}
