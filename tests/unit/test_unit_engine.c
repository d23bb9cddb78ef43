// SPDX-License-Identifier: GPL-2.0
/*
 * The fixed-point engine (engine.h) and the routing model (route.h)
 * against plain, obviously correct references.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <hypernet/engine.h>
#include <hypernet/route.h>
#include "helpers_hn.h"
#include "model.h"

/* floor((acc + 2^(s-1)) / 2^s) in 64-bit arithmetic. */
static int32_t ref_rshift(int32_t acc, unsigned int s)
{
	int64_t v = acc, d;

	if (!s)
		return acc;
	v += (int64_t)1 << (s - 1);
	d = (int64_t)1 << s;
	return (int32_t)(v >= 0 ? v / d : -((-v + d - 1) / d));
}

static void test_rshift_round_known(void **state)
{
	assert_int_equal(hn_rshift_round(5, 1), 3); /* 2.5 -> 3 */
	assert_int_equal(hn_rshift_round(-5, 1), -2); /* -2.5 -> -2 */
	assert_int_equal(hn_rshift_round(7, 2), 2); /* 1.75 -> 2 */
	assert_int_equal(hn_rshift_round(-7, 2), -2);
	assert_int_equal(hn_rshift_round(6, 2), 2); /* 1.5 -> 2 */
	assert_int_equal(hn_rshift_round(-6, 2), -1); /* -1.5 -> -1 */
	assert_int_equal(hn_rshift_round(123, 0), 123);
	assert_int_equal(hn_rshift_round(INT32_MAX, 1), 1 << 30);
	assert_int_equal(hn_rshift_round(INT32_MIN, 30), -2);
	assert_int_equal(hn_rshift_round(INT32_MAX, 30), 2);
}

static void test_rshift_round_random(void **state)
{
	int i;

	for (i = 0; i < 200000; i++) {
		int32_t acc = (int32_t)hn_t_rand();
		unsigned int s = hn_t_range(0, HN_SHIFT_MAX);

		assert_int_equal(hn_rshift_round(acc, s), ref_rshift(acc, s));
	}
}

static void test_saturation(void **state)
{
	assert_int_equal(hn_sat_s8(127), 127);
	assert_int_equal(hn_sat_s8(128), 127);
	assert_int_equal(hn_sat_s8(INT32_MAX), 127);
	assert_int_equal(hn_sat_s8(-128), -128);
	assert_int_equal(hn_sat_s8(-129), -128);
	assert_int_equal(hn_sat_s8(INT32_MIN), -128);
	assert_int_equal(hn_sat_s8(0), 0);
	assert_int_equal(hn_sat_s8(-5), -5);
}

static void test_requant_relu(void **state)
{
	assert_int_equal(hn_requant(-1000, 2, 1), 0);
	assert_int_equal(hn_requant(-1000, 2, 0), -128);
	assert_int_equal(hn_requant(-300, 2, 0), -75);
	assert_int_equal(hn_requant(1000, 2, 1), 127);
	assert_int_equal(hn_requant(300, 2, 1), 75);
	/* -2 >> 2 rounds to 0 (half up): ReLU sees 0, not negative zero. */
	assert_int_equal(hn_requant(-2, 2, 1), 0);
	assert_int_equal(hn_requant(-3, 2, 0), -1);
}

static void ref_dense(const int8_t *w, const int32_t *b, const int8_t *x,
		      unsigned int n_in, unsigned int n_out, unsigned int shift,
		      int relu, int8_t *y, int32_t *acc)
{
	unsigned int o, i;

	for (o = 0; o < n_out; o++) {
		int64_t a = b ? b[o] : 0, v;

		for (i = 0; i < n_in; i++)
			a += (int64_t)w[o * n_in + i] * x[i];
		acc[o] = (int32_t)a;
		v = ref_rshift((int32_t)a, shift);
		if (relu && v < 0)
			v = 0;
		y[o] = v > 127 ? 127 : v < -128 ? -128 : (int8_t)v;
	}
}

static void test_dense_vs_reference(void **state)
{
	static int8_t w[256 * 64], x[256], y[64], ry[64];
	static int32_t b[64], acc[64], racc[64];
	int iter;

	for (iter = 0; iter < 500; iter++) {
		unsigned int n_in = hn_t_range(1, 256),
			     n_out = hn_t_range(1, 64);
		unsigned int shift = hn_t_range(0, 16), i;
		int relu = iter & 1, nobias = (iter % 7) == 0;

		for (i = 0; i < n_in * n_out; i++)
			w[i] = (int8_t)hn_t_range(-128, 127);
		for (i = 0; i < n_in; i++)
			x[i] = (int8_t)hn_t_range(-128, 127);
		for (i = 0; i < n_out; i++)
			b[i] = hn_t_range(-(1 << 20), 1 << 20);
		hn_dense_s8(w, nobias ? NULL : b, x, n_in, n_out, shift, relu,
			    y);
		hn_dense_s32(w, nobias ? NULL : b, x, n_in, n_out, acc);
		ref_dense(w, nobias ? NULL : b, x, n_in, n_out, shift, relu, ry,
			  racc);
		assert_memory_equal(y, ry, n_out);
		assert_memory_equal(acc, racc, n_out * sizeof(int32_t));
	}
}

static void test_dense_extremes(void **state)
{
	/* The worst case hn_layer_fits() admits must not overflow. */
	static int8_t w[4096], x[4096];
	int32_t b = (1 << 30) - 1, acc;
	int8_t y;

	memset(w, -128, sizeof(w));
	memset(x, -128, sizeof(x));
	assert_true(hn_layer_fits(4096, b));
	hn_dense_s32(w, &b, x, 4096, 1, &acc);
	assert_int_equal(acc, 4096 * 16384 + b);
	hn_dense_s8(w, &b, x, 4096, 1, HN_SHIFT_MAX, 0, &y);
	assert_int_equal(y, 1);
}

static void test_layer_fits(void **state)
{
	assert_false(hn_layer_fits(0, 0));
	assert_true(hn_layer_fits(1, 0));
	assert_true(hn_layer_fits(65536, (1 << 30) - 1));
	assert_false(hn_layer_fits(65536, 1 << 30));
	assert_false(hn_layer_fits(65537, 0));
	assert_true(hn_layer_fits(4096, ((int64_t)1 << 31) - 4096 * 16384 - 1));
	assert_false(hn_layer_fits(4096, ((int64_t)1 << 31) - 4096 * 16384));
}

/* ---- convolution and pooling (struct hn_op) ----------------------------- */

static int8_t ref_q(int64_t a, unsigned int shift, int relu)
{
	int64_t v = ref_rshift((int32_t)a, shift);

	if (relu && v < 0)
		v = 0;
	return v > 127 ? 127 : v < -128 ? -128 : (int8_t)v;
}

/* Zero-padded input pixel, or 0 outside. */
static int ref_px(const struct hn_op *op, const int8_t *x, unsigned int c,
		  int r, int col)
{
	if (r < 0 || col < 0 || r >= op->in_h || col >= op->in_w)
		return 0;
	return x[(c * op->in_h + r) * op->in_w + col];
}

static void ref_conv(const struct hn_op *op, const int8_t *w, const int32_t *b,
		     const int8_t *x, int8_t *y)
{
	int oh = (op->in_h + 2 * op->pad - op->k) / op->stride + 1;
	int ow = (op->in_w + 2 * op->pad - op->k) / op->stride + 1;
	int o, r, c, i, u, v;

	for (o = 0; o < op->out_c; o++)
		for (r = 0; r < oh; r++)
			for (c = 0; c < ow; c++) {
				int64_t a = b ? b[o] : 0;

				for (i = 0; i < op->in_c; i++)
					for (u = 0; u < op->k; u++)
						for (v = 0; v < op->k; v++)
							a += (int64_t)w
								     [((o * op->in_c +
									i) * op->k +
								       u) * op->k +
								      v] *
							     ref_px(op, x, i,
								    r * op->stride +
									    u -
									    op->pad,
								    c * op->stride +
									    v -
									    op->pad);
				*y++ = ref_q(a, op->shift, op->relu);
			}
}

static void ref_maxpool(const struct hn_op *op, const int8_t *x, int8_t *y)
{
	int oh = (op->in_h - op->k) / op->stride + 1;
	int ow = (op->in_w - op->k) / op->stride + 1;
	int ch, r, c, u, v;

	for (ch = 0; ch < op->in_c; ch++)
		for (r = 0; r < oh; r++)
			for (c = 0; c < ow; c++) {
				int m = -128;

				for (u = 0; u < op->k; u++)
					for (v = 0; v < op->k; v++) {
						int p = ref_px(
							op, x, ch,
							r * op->stride + u,
							c * op->stride + v);
						m = p > m ? p : m;
					}
				*y++ = (int8_t)m;
			}
}

/* A random valid layer of @kind whose input and output fit @cap. */
static void rand_op(struct hn_op *op, int kind, unsigned int cap)
{
	do {
		memset(op, 0, sizeof(*op));
		op->kind = kind;
		op->in_c = hn_t_range(1, 8);
		op->in_h = hn_t_range(1, 20);
		/* Wider than HN_CONV_COLS at times: rows in segments. */
		op->in_w = hn_t_range(1, hn_t_range(0, 3) ? 20 : 90);
		op->k = hn_t_range(1, 7);
		op->stride = hn_t_range(1, 4);
		if (kind == HNET_OP_CONV2D) {
			op->pad = hn_t_range(0, op->k - 1);
			op->out_c = hn_t_range(1, 8);
			op->shift = hn_t_range(0, 14);
			op->relu = hn_t_range(0, 1);
		} else {
			op->out_c = op->in_c;
		}
	} while (hn_op_check(op) || hn_op_in_len(op) > cap ||
		 hn_op_out_len(op) > cap);
}

static void test_conv_vs_reference(void **state)
{
	static int8_t w[8 * 8 * 49], x[8 * 400], y[8 * 400], ry[8 * 400];
	static int32_t b[8];
	struct hn_op op;
	unsigned int i, iter;

	for (iter = 0; iter < 2000; iter++) {
		int nobias = iter % 9 == 0;

		rand_op(&op, HNET_OP_CONV2D, sizeof(x));
		for (i = 0; i < hn_op_n_weights(&op); i++)
			w[i] = (int8_t)hn_t_range(-128, 127);
		for (i = 0; i < hn_op_in_len(&op); i++)
			x[i] = (int8_t)hn_t_range(-128, 127);
		for (i = 0; i < op.out_c; i++)
			b[i] = hn_t_range(-(1 << 20), 1 << 20);
		memset(y, 0x55, sizeof(y));
		hn_op_run(&op, w, nobias ? NULL : b, x, y);
		ref_conv(&op, w, nobias ? NULL : b, x, ry);
		assert_memory_equal(y, ry, hn_op_out_len(&op));
		/* Nothing written past the output. */
		assert_int_equal(y[hn_op_out_len(&op)], 0x55);
	}
}

static void test_maxpool_vs_reference(void **state)
{
	static int8_t x[8 * 400], y[8 * 400], ry[8 * 400];
	struct hn_op op;
	unsigned int i, iter;

	for (iter = 0; iter < 2000; iter++) {
		rand_op(&op, HNET_OP_MAXPOOL, sizeof(x));
		for (i = 0; i < hn_op_in_len(&op); i++)
			x[i] = (int8_t)hn_t_range(-128, 127);
		hn_op_run(&op, NULL, NULL, x, y);
		ref_maxpool(&op, x, ry);
		assert_memory_equal(y, ry, hn_op_out_len(&op));
		assert_int_equal(hn_op_n_weights(&op), 0);
		assert_int_equal(hn_op_n_biases(&op), 0);
	}
}

/* A dense op is hn_dense_s8() over the flattened input. */
static void test_op_dense_flattens(void **state)
{
	static int8_t w[48 * 10], x[48], y[10], ry[10];
	static int32_t b[10];
	struct hn_op op = { .kind = HNET_OP_DENSE,
			    .shift = 5,
			    .relu = 1,
			    .in_c = 3,
			    .in_h = 4,
			    .in_w = 4,
			    .out_c = 10 };
	unsigned int i;

	for (i = 0; i < sizeof(w); i++)
		w[i] = (int8_t)hn_t_range(-128, 127);
	for (i = 0; i < sizeof(x); i++)
		x[i] = (int8_t)hn_t_range(-128, 127);
	for (i = 0; i < 10; i++)
		b[i] = hn_t_range(-4000, 4000);
	assert_int_equal(hn_op_check(&op), HN_OPE_OK);
	assert_int_equal(hn_op_n_weights(&op), 480);
	assert_int_equal(hn_op_out_len(&op), 10);
	hn_op_run(&op, w, b, x, y);
	hn_dense_s8(w, b, x, 48, 10, 5, 1, ry);
	assert_memory_equal(y, ry, 10);
}

static void test_op_geometry(void **state)
{
	/* 28x28, 3x3 pad 1 stride 1 keeps the size; stride 2 halves it. */
	struct hn_op c = { .kind = HNET_OP_CONV2D,
			   .k = 3,
			   .stride = 1,
			   .pad = 1,
			   .in_c = 1,
			   .in_h = 28,
			   .in_w = 28,
			   .out_c = 16 };
	struct hn_op p = { .kind = HNET_OP_MAXPOOL,
			   .k = 2,
			   .stride = 2,
			   .in_c = 16,
			   .in_h = 28,
			   .in_w = 28,
			   .out_c = 16 };

	assert_int_equal(hn_op_check(&c), HN_OPE_OK);
	assert_int_equal(hn_op_out_len(&c), 16 * 28 * 28);
	assert_int_equal(hn_op_n_weights(&c), 16 * 9);
	assert_int_equal(hn_op_n_biases(&c), 16);
	assert_int_equal(hn_op_macs(&c), 16 * 28 * 28 * 9);
	c.stride = 2;
	assert_int_equal(hn_op_out_len(&c), 16 * 14 * 14);
	assert_int_equal(hn_op_check(&p), HN_OPE_OK);
	assert_int_equal(hn_op_out_len(&p), 16 * 14 * 14);
	p.in_h = 27; /* the last row does not fill a window */
	assert_int_equal(hn_op_out_h(&p), 13);
}

/* Layers hn_op_check() must refuse, each for its own reason. */
static const struct {
	const char *what;
	struct hn_op op;
	int err;
} op_refusals[] = {
	{ "kind", { .kind = HNET_OP_MAX + 1 }, HN_OPE_KIND },
	{ "zero width",
	  { .kind = HNET_OP_CONV2D,
	    .k = 3,
	    .stride = 1,
	    .in_c = 1,
	    .in_h = 8,
	    .out_c = 1 },
	  HN_OPE_DIMS },
	{ "k 0",
	  { .kind = HNET_OP_CONV2D,
	    .stride = 1,
	    .in_c = 1,
	    .in_h = 8,
	    .in_w = 8,
	    .out_c = 1 },
	  HN_OPE_WINDOW },
	{ "k 12",
	  { .kind = HNET_OP_CONV2D,
	    .k = 12,
	    .stride = 1,
	    .in_c = 1,
	    .in_h = 20,
	    .in_w = 20,
	    .out_c = 1 },
	  HN_OPE_WINDOW },
	{ "stride 0",
	  { .kind = HNET_OP_CONV2D,
	    .k = 3,
	    .in_c = 1,
	    .in_h = 8,
	    .in_w = 8,
	    .out_c = 1 },
	  HN_OPE_WINDOW },
	{ "stride 9",
	  { .kind = HNET_OP_MAXPOOL,
	    .k = 2,
	    .stride = 9,
	    .in_c = 1,
	    .in_h = 8,
	    .in_w = 8,
	    .out_c = 1 },
	  HN_OPE_WINDOW },
	{ "dense with k",
	  { .kind = HNET_OP_DENSE,
	    .k = 1,
	    .in_c = 4,
	    .in_h = 1,
	    .in_w = 1,
	    .out_c = 1 },
	  HN_OPE_WINDOW },
	{ "dense with pad",
	  { .kind = HNET_OP_DENSE,
	    .pad = 1,
	    .in_c = 4,
	    .in_h = 1,
	    .in_w = 1,
	    .out_c = 1 },
	  HN_OPE_PAD },
	{ "pad = k",
	  { .kind = HNET_OP_CONV2D,
	    .k = 3,
	    .stride = 1,
	    .pad = 3,
	    .in_c = 1,
	    .in_h = 8,
	    .in_w = 8,
	    .out_c = 1 },
	  HN_OPE_PAD },
	{ "pool pad",
	  { .kind = HNET_OP_MAXPOOL,
	    .k = 2,
	    .stride = 2,
	    .pad = 1,
	    .in_c = 1,
	    .in_h = 8,
	    .in_w = 8,
	    .out_c = 1 },
	  HN_OPE_PAD },
	{ "window > input",
	  { .kind = HNET_OP_CONV2D,
	    .k = 5,
	    .stride = 1,
	    .in_c = 1,
	    .in_h = 4,
	    .in_w = 8,
	    .out_c = 1 },
	  HN_OPE_SMALL },
	{ "input too big",
	  { .kind = HNET_OP_MAXPOOL,
	    .k = 2,
	    .stride = 2,
	    .in_c = 17,
	    .in_h = 32,
	    .in_w = 32,
	    .out_c = 17 },
	  HN_OPE_BIG },
	{ "output too big",
	  { .kind = HNET_OP_CONV2D,
	    .k = 1,
	    .stride = 1,
	    .in_c = 1,
	    .in_h = 64,
	    .in_w = 64,
	    .out_c = 5 },
	  HN_OPE_BIG },
	/* 65535 x 11 x 16394 channels wrap 32 bits. */
	{ "output wraps",
	  { .kind = HNET_OP_CONV2D,
	    .k = 11,
	    .stride = 1,
	    .pad = 10,
	    .in_c = 1,
	    .in_h = 1,
	    .in_w = 16384,
	    .out_c = 65535 },
	  HN_OPE_BIG },
	{ "dense output too big",
	  { .kind = HNET_OP_DENSE,
	    .in_c = 1,
	    .in_h = 1,
	    .in_w = 1,
	    .out_c = HNET_STAGE_ACT_MAX + 1 },
	  HN_OPE_BIG },
	{ "shift 31",
	  { .kind = HNET_OP_CONV2D,
	    .k = 3,
	    .stride = 1,
	    .shift = 31,
	    .in_c = 1,
	    .in_h = 8,
	    .in_w = 8,
	    .out_c = 1 },
	  HN_OPE_SHIFT },
	{ "pool shift",
	  { .kind = HNET_OP_MAXPOOL,
	    .k = 2,
	    .stride = 2,
	    .shift = 1,
	    .in_c = 1,
	    .in_h = 8,
	    .in_w = 8,
	    .out_c = 1 },
	  HN_OPE_SHIFT },
	{ "pool relu",
	  { .kind = HNET_OP_MAXPOOL,
	    .k = 2,
	    .stride = 2,
	    .relu = 1,
	    .in_c = 1,
	    .in_h = 8,
	    .in_w = 8,
	    .out_c = 1 },
	  HN_OPE_SHIFT },
	{ "pool channels",
	  { .kind = HNET_OP_MAXPOOL,
	    .k = 2,
	    .stride = 2,
	    .in_c = 2,
	    .in_h = 8,
	    .in_w = 8,
	    .out_c = 1 },
	  HN_OPE_CHANNELS },
	/* Padding lets a small input meet a large window. */
	{ "conv fan-in",
	  { .kind = HNET_OP_CONV2D,
	    .k = 11,
	    .stride = 1,
	    .pad = 5,
	    .in_c = 600,
	    .in_h = 1,
	    .in_w = 1,
	    .out_c = 1 },
	  HN_OPE_FANIN },
	{ "dense at the activation cap",
	  { .kind = HNET_OP_DENSE,
	    .in_c = 16384,
	    .in_h = 1,
	    .in_w = 1,
	    .out_c = 1 },
	  HN_OPE_OK },
};

static void test_op_check_refuses(void **state)
{
	const struct hn_op ok = { .kind = HNET_OP_CONV2D,
				  .k = 3,
				  .stride = 1,
				  .pad = 1,
				  .in_c = 4,
				  .in_h = 8,
				  .in_w = 8,
				  .out_c = 4 };
	unsigned int i;

	assert_int_equal(hn_op_check(&ok), HN_OPE_OK);
	for (i = 0; i < sizeof(op_refusals) / sizeof(op_refusals[0]); i++) {
		int err = hn_op_check(&op_refusals[i].op);

		if (err != op_refusals[i].err)
			fail_msg("%s: got %d (%s), want %d",
				 op_refusals[i].what, err, hn_op_strerror(err),
				 op_refusals[i].err);
		assert_string_not_equal(hn_op_strerror(err), "unknown error");
	}
	assert_string_equal(hn_op_strerror(-1), "unknown error");
	assert_string_equal(hn_op_strerror(__HN_OPE_MAX), "unknown error");
}

/* The worst case hn_op_check() admits for a convolution cannot overflow. */
static void test_conv_extremes(void **state)
{
	static int8_t w[121 * 16], x[16 * 11 * 11];
	struct hn_op op = { .kind = HNET_OP_CONV2D,
			    .k = 11,
			    .stride = 1,
			    .in_c = 16,
			    .in_h = 11,
			    .in_w = 11,
			    .out_c = 1,
			    .shift = HN_SHIFT_MAX };
	int32_t b = (int32_t)(((int64_t)1 << 31) - 1936 * 16384 - 1);
	int8_t y;

	memset(w, -128, sizeof(w));
	memset(x, -128, sizeof(x));
	assert_int_equal(hn_op_check(&op), HN_OPE_OK);
	assert_true(hn_layer_fits(hn_op_fan_in(&op), b));
	hn_op_run(&op, w, &b, x, &y);
	assert_int_equal(y, 2); /* (2^31 - 1) >> 30, rounded */
}

/* ---- routing model ------------------------------------------------------ */

static void rand_rt(struct hn_rt_model *rt)
{
	hn_t_rand_rt(rt, 1 << 24, 14);
}

static int32_t ref_rt(const struct hn_rt_model *rt, const uint8_t *x)
{
	int64_t score = rt->b2;
	unsigned int j, i;

	for (j = 0; j < HN_RT_HIDDEN; j++) {
		int64_t a = rt->b1[j], h;

		for (i = 0; i < HN_RT_NFEAT; i++)
			a += (int64_t)rt->w1[j][i] * x[i];
		h = ref_rshift((int32_t)a, rt->shift1);
		h = h < 0 ? 0 : h > 127 ? 127 : h;
		score += h * rt->w2[j];
	}
	return (int32_t)score;
}

static void test_route_split(void **state)
{
	struct hn_rt_model rt;
	struct hn_model m;
	int32_t nb[HN_RT_HIDDEN], fr[HN_RT_HIDDEN], logit;
	uint8_t x[HN_RT_NFEAT];
	int8_t xs[HN_RT_NFEAT];
	int iter, k, i;

	for (iter = 0; iter < 300; iter++) {
		rand_rt(&rt);
		assert_int_equal(hn_model_from_rt(&rt, 1, &m, NULL, 0), 0);
		for (k = 0; k < 100; k++) {
			for (i = 0; i < HN_RT_NFEAT; i++)
				xs[i] = x[i] = hn_t_range(0, HN_FEAT_MAX);
			hn_rt_pre_neigh(&rt, &x[HN_NB_FEAT_FIRST], nb);
			hn_rt_pre_frame(&rt, &x[HN_FR_FEAT_FIRST], fr);
			assert_int_equal(hn_rt_finish(&rt, nb, fr,
						      x[HN_FEAT_DIST]),
					 hn_rt_score(&rt, x));
			assert_int_equal(hn_rt_score(&rt, x), ref_rt(&rt, x));
			/* The file-model reference computes the same. */
			hn_model_infer(&m, xs, NULL, &logit);
			assert_int_equal(logit, hn_rt_score(&rt, x));
		}
		hn_model_free(&m);
	}
}

/* Neighbour part reused across frames: still the same score. */
static void test_route_split_reuse(void **state)
{
	struct hn_rt_model rt;
	int32_t nb[HN_RT_HIDDEN], fr[HN_RT_HIDDEN];
	uint8_t x[HN_RT_NFEAT];
	int k, i;

	rand_rt(&rt);
	for (i = 0; i < HN_RT_NFEAT; i++)
		x[i] = hn_t_range(0, HN_FEAT_MAX);
	hn_rt_pre_neigh(&rt, &x[HN_NB_FEAT_FIRST], nb);
	for (k = 0; k < 1000; k++) {
		for (i = HN_FEAT_DIST; i < HN_RT_NFEAT; i++)
			x[i] = hn_t_range(0, HN_FEAT_MAX);
		hn_rt_pre_frame(&rt, &x[HN_FR_FEAT_FIRST], fr);
		assert_int_equal(hn_rt_finish(&rt, nb, fr, x[HN_FEAT_DIST]),
				 hn_rt_score(&rt, x));
	}
}

/* ---- feature scaling ---------------------------------------------------- */

static void test_scale_log(void **state)
{
	uint32_t x, prev = 0, v;

	assert_int_equal(hn_scale_log(0), 0);
	assert_int_equal(hn_scale_log(1), 8);
	assert_int_equal(hn_scale_log(1023), 80);
	assert_int_equal(hn_scale_log(0xFFFFFFFFU), HN_FEAT_MAX);
	for (x = 0; x < (1u << 20); x++) {
		v = hn_scale_log(x);
		assert_true(v >= prev);
		assert_true(v <= HN_FEAT_MAX);
		prev = v;
	}
	/* Sparse walk over the rest of the range. */
	for (x = 1u << 20; x < 0xFFFF0000U; x += 65521) {
		v = hn_scale_log(x);
		assert_true(v >= prev);
		prev = v;
	}
	assert_int_equal(hn_scale_log(0xFFFEFFFFU), HN_FEAT_MAX);
}

static void test_scale_linear(void **state)
{
	uint32_t x, p_ratio = 0, p_hops = 0, p_size = 0, p_ttl = 0, p_cls = 0;

	assert_int_equal(hn_scale_ratio(0), 0);
	assert_int_equal(hn_scale_ratio(1000), 127);
	assert_int_equal(hn_scale_ratio(500), 64);
	assert_int_equal(hn_scale_ratio(5000), 127);
	assert_int_equal(hn_scale_hops(1), 8);
	assert_int_equal(hn_scale_hops(1000), 120);
	assert_int_equal(hn_scale_class(7), 112);
	assert_int_equal(hn_scale_class(8), 0); /* only 3 bits */
	assert_int_equal(hn_scale_size(1500), 93);
	assert_int_equal(hn_scale_size(9000), 93);
	assert_int_equal(hn_scale_ttl(16), 8);
	assert_int_equal(hn_scale_ttl(255), 8);
	for (x = 0; x < 100000; x++) {
		assert_true(hn_scale_ratio(x) >= p_ratio);
		assert_true(hn_scale_hops(x) >= p_hops);
		assert_true(hn_scale_size(x) >= p_size);
		assert_true(hn_scale_ttl(x) >= p_ttl);
		p_ratio = hn_scale_ratio(x);
		p_hops = hn_scale_hops(x);
		p_size = hn_scale_size(x);
		p_ttl = hn_scale_ttl(x);
		assert_true(p_ratio <= 127 && p_hops <= 127 && p_size <= 127 &&
			    p_ttl <= 127);
	}
	for (x = 0; x < 8; x++) {
		assert_true(hn_scale_class(x) >= p_cls);
		p_cls = hn_scale_class(x);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rshift_round_known),
		cmocka_unit_test(test_rshift_round_random),
		cmocka_unit_test(test_saturation),
		cmocka_unit_test(test_requant_relu),
		cmocka_unit_test(test_dense_vs_reference),
		cmocka_unit_test(test_dense_extremes),
		cmocka_unit_test(test_layer_fits),
		cmocka_unit_test(test_conv_vs_reference),
		cmocka_unit_test(test_maxpool_vs_reference),
		cmocka_unit_test(test_op_dense_flattens),
		cmocka_unit_test(test_op_geometry),
		cmocka_unit_test(test_op_check_refuses),
		cmocka_unit_test(test_conv_extremes),
		cmocka_unit_test(test_route_split),
		cmocka_unit_test(test_route_split_reuse),
		cmocka_unit_test(test_scale_log),
		cmocka_unit_test(test_scale_linear),
	};

	return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
