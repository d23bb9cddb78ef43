/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The fixed-point encoding of model updates for secure aggregation
 * (Documentation/federated.rst).
 *
 * An update x is clipped to L2 norm @clip (scaled down when longer), then
 * each coordinate becomes the integer q = SR(x_i * scale), SR rounding
 * stochastically (down or up, up with the probability of the fraction),
 * stored mod 2^32 in two's complement.  |x_i| <= ||x|| <= clip bounds
 * every |q| by M = floor(clip * scale) + 1 (rounding up adds at most 1;
 * a q past M by floating-point error is clamped to M).  The sum of n such
 * vectors decodes exactly as a signed 32-bit integer when
 *
 *	n * M <= 2^31 - 1
 *
 * which hn_sa_fxp_check() enforces: the masks are added mod 2^32 and
 * cancel exactly, so the unmasked sum is then the true integer sum.
 */
#ifndef _HN_LIB_SA_FIXED_H
#define _HN_LIB_SA_FIXED_H

#include <stddef.h>
#include <stdint.h>

/* M above; 0 for parameters that are not finite and positive. */
uint64_t hn_sa_fxp_max_abs(double clip, double scale);
/* 0 if n updates of (clip, scale) cannot overflow; -ERANGE/-EINVAL. */
int hn_sa_fxp_check(unsigned int n, double clip, double scale, char *err,
		    size_t errlen);
/* The largest power-of-two scale that passes the check, 0 if none. */
double hn_sa_fxp_max_scale(unsigned int n, double clip);

/*
 * The factor that clips @x (d coordinates) to L2 norm @clip into @f:
 * clip / ||x|| when longer, else 1.  -EINVAL for a NaN or infinite
 * coordinate.  hn_sa_fxp_encode() applies the same factor.
 */
int hn_sa_fxp_clip_factor(const float *x, size_t d, double clip, double *f);

/*
 * Clip and round @x (d coordinates) into @q.  The rounding draws from the
 * mask generator keyed by @seed (a fresh random seed per update in use; a
 * fixed one makes the encoding reproducible).  -EINVAL for a NaN or
 * infinite coordinate or bad (clip, scale).
 */
int hn_sa_fxp_encode(const float *x, size_t d, double clip, double scale,
		     const uint8_t seed[32], uint32_t *q);
/* A sum of encodings back to floats: (int32_t)sum[i] / scale. */
void hn_sa_fxp_decode(const uint32_t *sum, size_t d, double scale, float *out);

#endif /* _HN_LIB_SA_FIXED_H */
