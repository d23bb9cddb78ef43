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
#include <linux/hypernet.h>

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

/*
 * ---- Layers of a tensor stage: dense, 2-D convolution, max pooling ----
 *
 * Userspace and the module only (the XDP router keeps its dense routing
 * model).  Tensors are int8 in channel, row, column order; a dense layer
 * reads whatever precedes it flattened.  Geometry is checked once, when a
 * stage is loaded (hn_op_check()); the compute trusts it.
 */

/* Largest convolution or pooling window side, and stride. */
#define HN_OP_K_MAX 11
#define HN_OP_STRIDE_MAX 8

struct hn_op {
	__u8 kind; /* enum hnet_layer_op */
	__u8 k; /* CONV2D, MAXPOOL: k x k window */
	__u8 stride; /* CONV2D, MAXPOOL */
	__u8 pad; /* CONV2D: zeros on each side, < k */
	__u8 shift; /* DENSE, CONV2D: accumulator right shift */
	__u8 relu; /* DENSE, CONV2D: ReLU before saturation */
	__u16 in_c, in_h, in_w; /* DENSE: n_in = in_c * in_h * in_w */
	__u16 out_c; /* DENSE: n_out; MAXPOOL: in_c */
};

/* Why hn_op_check() refused a layer; hn_op_strerror() says it in words. */
enum hn_op_err {
	HN_OPE_OK,
	HN_OPE_KIND, /* unknown kind */
	HN_OPE_DIMS, /* a dimension is zero */
	HN_OPE_WINDOW, /* k or stride out of range, or set on a dense layer */
	HN_OPE_PAD, /* pad >= k, or padding on a pooling or dense layer */
	HN_OPE_SMALL, /* the window does not fit the (padded) input */
	HN_OPE_BIG, /* input or output above HNET_STAGE_ACT_MAX */
	HN_OPE_SHIFT, /* shift above HN_SHIFT_MAX, or set on pooling */
	HN_OPE_CHANNELS, /* pooling with out_c != in_c */
	HN_OPE_FANIN, /* fan-in could overflow the accumulator */
	__HN_OPE_MAX
};

__hn_inline __u32 hn_op_in_len(const struct hn_op *op)
{
	return (__u32)op->in_c * op->in_h * op->in_w;
}

/* Output rows (cols with @in = in_w): windows that fit the padded input. */
__hn_inline __u32 hn_op_out_side(const struct hn_op *op, __u32 in)
{
	__u32 pad = op->kind == HNET_OP_CONV2D ? op->pad : 0;

	if (op->kind == HNET_OP_DENSE)
		return 1;
	if (in + 2 * pad < op->k)
		return 0;
	return (in + 2 * pad - op->k) / op->stride + 1;
}

__hn_inline __u32 hn_op_out_h(const struct hn_op *op)
{
	return hn_op_out_side(op, op->in_h);
}

__hn_inline __u32 hn_op_out_w(const struct hn_op *op)
{
	return hn_op_out_side(op, op->in_w);
}

__hn_inline __u32 hn_op_out_len(const struct hn_op *op)
{
	return op->out_c * hn_op_out_h(op) * hn_op_out_w(op);
}

/* Inputs summed into one output: what bounds its accumulator. */
__hn_inline __u32 hn_op_fan_in(const struct hn_op *op)
{
	switch (op->kind) {
	case HNET_OP_DENSE:
		return hn_op_in_len(op);
	case HNET_OP_CONV2D:
		return (__u32)op->in_c * op->k * op->k;
	default:
		return 0;
	}
}

__hn_inline __u32 hn_op_n_weights(const struct hn_op *op)
{
	return hn_op_fan_in(op) * (op->kind == HNET_OP_MAXPOOL ? 0 : op->out_c);
}

__hn_inline __u32 hn_op_n_biases(const struct hn_op *op)
{
	return op->kind == HNET_OP_MAXPOOL ? 0 : op->out_c;
}

/* Multiply-accumulates (or comparisons, for pooling) of one run. */
__hn_inline __u64 hn_op_macs(const struct hn_op *op)
{
	__u64 window = op->kind == HNET_OP_MAXPOOL ? (__u64)op->k * op->k :
						     hn_op_fan_in(op);

	return window * hn_op_out_len(op);
}

__hn_inline int hn_op_check_window(const struct hn_op *op)
{
	if (op->kind == HNET_OP_DENSE) {
		if (op->k || op->stride)
			return HN_OPE_WINDOW;
		return op->pad ? HN_OPE_PAD : HN_OPE_OK;
	}
	if (!op->k || op->k > HN_OP_K_MAX || !op->stride ||
	    op->stride > HN_OP_STRIDE_MAX)
		return HN_OPE_WINDOW;
	if (op->pad >= op->k || (op->kind == HNET_OP_MAXPOOL && op->pad))
		return HN_OPE_PAD;
	if (!hn_op_out_h(op) || !hn_op_out_w(op))
		return HN_OPE_SMALL;
	return HN_OPE_OK;
}

/* Lengths in 64 bits: u16 dimensions multiply beyond 32. */
__hn_inline int hn_op_check_size(const struct hn_op *op)
{
	__u64 in = (__u64)op->in_c * op->in_h * op->in_w;
	__u64 out = (__u64)op->out_c * hn_op_out_h(op) * hn_op_out_w(op);

	return in > HNET_STAGE_ACT_MAX || out > HNET_STAGE_ACT_MAX ?
		       HN_OPE_BIG :
		       HN_OPE_OK;
}

/*
 * Is @op a layer the engine computes safely?  Biases are bounded by the
 * loader: hn_layer_fits(hn_op_fan_in(op), max |bias|) for DENSE, CONV2D.
 */
__hn_inline int hn_op_check(const struct hn_op *op)
{
	int err;

	if (op->kind > HNET_OP_MAX)
		return HN_OPE_KIND;
	if (!op->in_c || !op->in_h || !op->in_w || !op->out_c)
		return HN_OPE_DIMS;
	err = hn_op_check_window(op);
	if (err)
		return err;
	if (hn_op_check_size(op))
		return HN_OPE_BIG;
	if (op->kind == HNET_OP_MAXPOOL) {
		if (op->shift || op->relu)
			return HN_OPE_SHIFT;
		if (op->out_c != op->in_c)
			return HN_OPE_CHANNELS;
		return HN_OPE_OK;
	}
	if (op->shift > HN_SHIFT_MAX)
		return HN_OPE_SHIFT;
	if (!hn_layer_fits(hn_op_fan_in(op), 0))
		return HN_OPE_FANIN;
	return HN_OPE_OK;
}

__hn_inline const char *hn_op_strerror(int err)
{
	static const char *const why[__HN_OPE_MAX] = {
		[HN_OPE_OK] = "valid",
		[HN_OPE_KIND] = "unknown layer kind",
		[HN_OPE_DIMS] = "a dimension is zero",
		[HN_OPE_WINDOW] = "window or stride out of range for this kind",
		[HN_OPE_PAD] =
			"padding must be below the window, and only on convolutions",
		[HN_OPE_SMALL] = "the window is larger than the padded input",
		[HN_OPE_BIG] = "input or output larger than HNET_STAGE_ACT_MAX",
		[HN_OPE_SHIFT] =
			"shift above HN_SHIFT_MAX, or a shift or ReLU on pooling",
		[HN_OPE_CHANNELS] = "pooling must keep the channel count",
		[HN_OPE_FANIN] = "fan-in could overflow the int32 accumulator",
	};

	return err >= 0 && err < __HN_OPE_MAX ? why[err] : "unknown error";
}

/* First and one-past-last kernel taps of a window starting at @start. */
__hn_inline void hn_op_taps(__s32 start, __u32 k, __u32 in, __u32 *t0,
			    __u32 *t1)
{
	*t0 = start < 0 ? (__u32)-start : 0;
	*t1 = start + (__s32)k > (__s32)in ? (__u32)((__s32)in - start) : k;
}

/* One output of a convolution: bias + the taps inside the input. */
__hn_inline __s32 hn_conv_point(const struct hn_op *op, const __s8 *w,
				const __s8 *x, __s32 iy, __s32 ix)
{
	__u32 ky0, ky1, kx0, kx1, c, ky;
	__s32 acc = 0;

	hn_op_taps(iy, op->k, op->in_h, &ky0, &ky1);
	hn_op_taps(ix, op->k, op->in_w, &kx0, &kx1);
	if (kx1 <= kx0)
		return 0;
	for (c = 0; c < op->in_c; c++) {
		const __s8 *xc = x + (__u32)c * op->in_h * op->in_w;
		const __s8 *wc = w + (__u32)c * op->k * op->k;

		for (ky = ky0; ky < ky1; ky++)
			acc += hn_dot_s8(wc + ky * op->k + kx0,
					 xc + (iy + (__s32)ky) * op->in_w + ix +
						 (__s32)kx0,
					 kx1 - kx0);
	}
	return acc;
}

/*
 * 2-D convolution: y[o][r][c] = requant(b[o] + sum over input channel i
 * and taps (u, v) of w[o][i][u][v] * x[i][r*stride + u - pad][c*stride +
 * v - pad]), taps outside the input reading zero.  @b may be NULL.
 */
__hn_inline void hn_conv2d_s8(const struct hn_op *op, const __s8 *w,
			      const __s32 *b, const __s8 *x, __s8 *y)
{
	__u32 oh = hn_op_out_h(op), ow = hn_op_out_w(op);
	__u32 fan_in = hn_op_fan_in(op);
	__u32 o, r, c;

	for (o = 0; o < op->out_c; o++) {
		const __s8 *wo = w + o * fan_in;
		__s32 bias = b ? b[o] : 0;

		for (r = 0; r < oh; r++) {
			for (c = 0; c < ow; c++) {
				__s32 acc = bias;

				acc += hn_conv_point(
					op, wo, x,
					(__s32)(r * op->stride) - op->pad,
					(__s32)(c * op->stride) - op->pad);
				*y++ = hn_requant(acc, op->shift, op->relu);
			}
		}
	}
}

/* k x k maximum with the given stride, per channel; windows that fit. */
__hn_inline void hn_maxpool_s8(const struct hn_op *op, const __s8 *x, __s8 *y)
{
	__u32 oh = hn_op_out_h(op), ow = hn_op_out_w(op);
	__u32 ch, r, c, u, v;

	for (ch = 0; ch < op->in_c; ch++) {
		const __s8 *xc = x + ch * op->in_h * op->in_w;

		for (r = 0; r < oh; r++) {
			for (c = 0; c < ow; c++) {
				const __s8 *p = xc + r * op->stride * op->in_w +
						c * op->stride;
				__s8 m = HN_S8_MIN;

				for (u = 0; u < op->k; u++)
					for (v = 0; v < op->k; v++)
						if (p[u * op->in_w + v] > m)
							m = p[u * op->in_w + v];
				*y++ = m;
			}
		}
	}
}

/* Run one checked layer: @w, @b as hn_op_n_weights()/n_biases() say. */
__hn_inline void hn_op_run(const struct hn_op *op, const __s8 *w,
			   const __s32 *b, const __s8 *x, __s8 *y)
{
	switch (op->kind) {
	case HNET_OP_DENSE:
		hn_dense_s8(w, b, x, hn_op_in_len(op), op->out_c, op->shift,
			    op->relu, y);
		break;
	case HNET_OP_CONV2D:
		hn_conv2d_s8(op, w, b, x, y);
		break;
	default:
		hn_maxpool_s8(op, x, y);
		break;
	}
}

#endif /* _HYPERNET_ENGINE_H */
