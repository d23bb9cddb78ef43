/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The HyperNet fixed-point engine.  Written once, as static inline C that
 * compiles for BPF (clang -target bpf), the kernel and userspace, so that
 * the XDP router, the module and the userspace reference compute
 * bit-identical results.
 *
 * Arithmetic: int8 weights and activations, int32 biases and accumulators,
 * a per-layer right shift with round-half-up, then an optional ReLU and
 * saturation to int8.  No floating point, no division, no helpers.
 *
 * Overflow is ruled out by the loaders, not here: a layer is accepted only
 * if n_in * 128 * 128 + |bias| stays below 2^31 (hn_layer_fits()).
 */
#ifndef _HYPERNET_ENGINE_H
#define _HYPERNET_ENGINE_H

#include <linux/types.h>

#ifndef __hn_inline
#define __hn_inline static inline __attribute__((always_inline))
#endif

#define HN_S8_MAX 127
#define HN_S8_MIN (-128)
/* Shifts above this would discard every bit of an int32 accumulator. */
#define HN_SHIFT_MAX 30
/* Biases are bounded so that no accumulation can overflow int32. */
#define HN_BIAS_MAX (1 << 30)

/* Arithmetic shift right by @shift, rounding half up. */
__hn_inline __s32 hn_rshift_round(__s32 acc, __u32 shift)
{
	__s64 v = acc;

	if (!shift)
		return acc;
	v += (__s64)1 << (shift - 1);
	return (__s32)(v >> shift);
}

__hn_inline __s8 hn_sat_s8(__s32 v)
{
	if (v > HN_S8_MAX)
		return HN_S8_MAX;
	if (v < HN_S8_MIN)
		return HN_S8_MIN;
	return (__s8)v;
}

/* Accumulator back to an int8 activation. */
__hn_inline __s8 hn_requant(__s32 acc, __u32 shift, int relu)
{
	__s32 v = hn_rshift_round(acc, shift);

	if (relu && v < 0)
		v = 0;
	return hn_sat_s8(v);
}

__hn_inline __s32 hn_dot_s8(const __s8 *w, const __s8 *x, __u32 n)
{
	__s32 acc = 0;
	__u32 i;

	for (i = 0; i < n; i++)
		acc += (__s32)w[i] * (__s32)x[i];
	return acc;
}

/*
 * One dense layer: y = requant(W x + b).  W is row major, n_out rows of
 * n_in weights.  @b may be NULL (no bias).
 */
__hn_inline void hn_dense_s8(const __s8 *w, const __s32 *b, const __s8 *x,
			     __u32 n_in, __u32 n_out, __u32 shift, int relu,
			     __s8 *y)
{
	__u32 o;

	for (o = 0; o < n_out; o++) {
		__s32 acc = b ? b[o] : 0;

		acc += hn_dot_s8(w + o * n_in, x, n_in);
		y[o] = hn_requant(acc, shift, relu);
	}
}

/* Raw int32 outputs (logits, scores): no requantisation. */
__hn_inline void hn_dense_s32(const __s8 *w, const __s32 *b, const __s8 *x,
			      __u32 n_in, __u32 n_out, __s32 *y)
{
	__u32 o;

	for (o = 0; o < n_out; o++)
		y[o] = (b ? b[o] : 0) + hn_dot_s8(w + o * n_in, x, n_in);
}

/* Can a layer of this shape and bias never overflow the accumulator? */
__hn_inline int hn_layer_fits(__u32 n_in, __s64 max_abs_bias)
{
	return n_in > 0 && n_in <= 65536 &&
	       (__s64)n_in * 128 * 128 + max_abs_bias < ((__s64)1 << 31);
}

#endif /* _HYPERNET_ENGINE_H */
