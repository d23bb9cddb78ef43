// SPDX-License-Identifier: GPL-2.0
/*
 * Model files that describe layer graphs (issue 16): version 2 files with
 * convolutions and pooling, which version each model is written as, the
 * rejections one by one (binary and text), reference inference, and the
 * quantiser on a small CNN.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "helpers_hn.h"
#include "model.h"
#include "quant.h"

/*
 * cnn(): conv 1x6x6 -> 2x6x6 k3 s1 p1 relu, maxpool 2x6x6 -> 2x3x3 k2 s2,
 * dense 18 -> 3 linear.  Serialised (version 2):
 *   28 layer 0 descriptor (28 kind, 29 k, 30 stride, 31 pad, 32 in_c,
 *   34 in_h, 36 in_w, 38 out_c, 40 shift, 41 flags, 42 w_exp, 43 out_exp),
 *   44 layer 1 descriptor, 60 layer 2 descriptor, 76 conv weights (18),
 *   94 conv biases (8), 102 dense weights (54), 156 dense biases (12),
 *   168 digest, 200 signature type, 204 end.
 */
#define CNN_LEN 204
#define D0 28
#define D1 44
#define D2 60

static void set_layer(struct hn_model *m, unsigned int i, struct hn_op op,
		      int relu, int w_exp, int shift)
{
	struct hn_model_layer *l = &m->layers[i];
	int in = i ? m->layers[i - 1].out_exp : m->in_exp;
	size_t k;

	l->op = op;
	l->shift = shift;
	l->flags = relu ? HN_LF_RELU : 0;
	l->w_exp = w_exp;
	l->out_exp = in + w_exp + shift;
	assert_int_equal(hn_model_alloc_layer(m, i), 0);
	for (k = 0; k < hn_op_n_weights(&op); k++)
		l->w[k] = (int8_t)hn_t_range(-128, 127);
	for (k = 0; k < hn_op_n_biases(&op); k++)
		l->b[k] = hn_t_range(-3000, 3000);
}

static struct hn_op conv_op(unsigned int c, unsigned int h, unsigned int w,
			    unsigned int oc, unsigned int k, unsigned int s,
			    unsigned int p)
{
	struct hn_op op = { .kind = HNET_OP_CONV2D,
			    .k = k,
			    .stride = s,
			    .pad = p,
			    .in_c = c,
			    .in_h = h,
			    .in_w = w,
			    .out_c = oc };
	return op;
}

static struct hn_op pool_op(unsigned int c, unsigned int h, unsigned int w,
			    unsigned int k, unsigned int s)
{
	struct hn_op op = { .kind = HNET_OP_MAXPOOL,
			    .k = k,
			    .stride = s,
			    .in_c = c,
			    .in_h = h,
			    .in_w = w,
			    .out_c = c };
	return op;
}

static struct hn_op dense_op(unsigned int n_in, unsigned int n_out)
{
	struct hn_op op = { .kind = HNET_OP_DENSE,
			    .in_c = n_in,
			    .in_h = 1,
			    .in_w = 1,
			    .out_c = n_out };
	return op;
}

static void cnn(struct hn_model *m)
{
	memset(m, 0, sizeof(*m));
	hn_t_seed(16);
	m->kind = HN_MODEL_STAGE;
	m->stage = 4;
	m->generation = 3;
	m->in_exp = -7;
	m->n_layers = 3;
	set_layer(m, 0, conv_op(1, 6, 6, 2, 3, 1, 1), 1, -7, 8);
	set_layer(m, 1, pool_op(2, 6, 6, 2, 2), 0, 0, 0);
	set_layer(m, 2, dense_op(18, 3), 0, -7, 9);
}

static uint8_t *cnn_image(size_t *len)
{
	struct hn_model m;
	char err[256] = "";
	void *buf;

	cnn(&m);
	if (hn_model_serialize(&m, &buf, len, err, sizeof(err)))
		fail_msg("%s", err);
	hn_model_free(&m);
	assert_int_equal(*len, CNN_LEN);
	return buf;
}

static void assert_same(const struct hn_model *a, const struct hn_model *b)
{
	unsigned int i;

	assert_int_equal(a->n_layers, b->n_layers);
	assert_int_equal(a->in_exp, b->in_exp);
	assert_int_equal(a->stage, b->stage);
	for (i = 0; i < a->n_layers; i++) {
		const struct hn_model_layer *x = &a->layers[i],
					    *y = &b->layers[i];

		assert_memory_equal(&x->op, &y->op, sizeof(x->op));
		assert_int_equal(x->n_in, y->n_in);
		assert_int_equal(x->n_out, y->n_out);
		assert_int_equal(x->shift, y->shift);
		assert_int_equal(x->flags, y->flags);
		assert_int_equal(x->w_exp, y->w_exp);
		assert_int_equal(x->out_exp, y->out_exp);
		assert_memory_equal(x->w, y->w, hn_op_n_weights(&x->op));
		assert_memory_equal(x->b, y->b,
				    hn_op_n_biases(&x->op) * sizeof(int32_t));
	}
}

/* Layer by layer with hn_op_run(), buffers of exactly each length. */
static void reference(const struct hn_model *m, const int8_t *in, int8_t *out)
{
	int8_t *x = malloc(hn_model_n_in(m)), *y;
	unsigned int i;

	memcpy(x, in, hn_model_n_in(m));
	for (i = 0; i < m->n_layers; i++) {
		const struct hn_model_layer *l = &m->layers[i];

		y = malloc(l->n_out);
		hn_op_run(&l->op, l->w, l->b, x, y);
		free(x);
		x = y;
	}
	memcpy(out, x, hn_model_n_out(m));
	free(x);
}

static void test_cnn_roundtrip(void **state)
{
	struct hn_model m, p;
	int8_t in[36], a[3], b[3];
	char err[256] = "";
	uint8_t *buf;
	size_t len;
	int it, k;

	buf = cnn_image(&len);
	assert_int_equal(buf[4] << 8 | buf[5], 2);
	assert_int_equal(buf[D1], HNET_OP_MAXPOOL);
	assert_int_equal(buf[D0 + 1], 3);
	if (hn_model_parse(buf, len, &p, err, sizeof(err)))
		fail_msg("%s", err);
	cnn(&m);
	assert_same(&m, &p);
	assert_int_equal(p.layers[0].n_out, 72);
	assert_int_equal(p.layers[1].n_out, 18);
	assert_int_equal(hn_model_version(&p), HN_MODEL_VERSION);
	for (it = 0; it < 200; it++) {
		for (k = 0; k < 36; k++)
			in[k] = (int8_t)hn_t_range(-128, 127);
		hn_model_infer(&p, in, a, NULL);
		reference(&m, in, b);
		assert_memory_equal(a, b, 3);
	}
	hn_model_free(&m);
	hn_model_free(&p);
	free(buf);
}

/* Dense models that fit version 1 keep it; the others are version 2. */
static void test_versions(void **state)
{
	static const unsigned int widths[][3] = {
		/* layers, inner width, version */
		{ 2, 16, 1 }, { 4, 16, 1 },   { 5, 16, 2 },
		{ 8, 16, 2 }, { 2, 5000, 2 },
	};
	struct hn_model m, p;
	char err[256] = "";
	unsigned int c, i;
	uint8_t *buf;
	size_t len;

	for (c = 0; c < 5; c++) {
		memset(&m, 0, sizeof(m));
		m.kind = HN_MODEL_STAGE;
		m.in_exp = -7;
		m.n_layers = widths[c][0];
		for (i = 0; i < m.n_layers; i++)
			set_layer(&m, i,
				  dense_op(i ? widths[c][1] : 8,
					   i + 1 < m.n_layers ? widths[c][1] :
								4),
				  i + 1 < m.n_layers, -7, 10);
		if (hn_model_serialize(&m, (void **)&buf, &len, err,
				       sizeof(err)))
			fail_msg("case %u: %s", c, err);
		assert_int_equal(buf[5], widths[c][2]);
		assert_int_equal(hn_model_version(&m), widths[c][2]);
		if (hn_model_parse(buf, len, &p, err, sizeof(err)))
			fail_msg("case %u: %s", c, err);
		assert_same(&m, &p);
		hn_model_free(&p);
		hn_model_free(&m);
		free(buf);
	}
}

/* A dense model in a version 2 file stays there: its own bytes back. */
static void test_dense_v2(void **state)
{
	struct hn_model m, p;
	char err[256] = "";
	void *a, *b;
	size_t la, lb;

	hn_t_stage_model(&m);
	m.version = HN_MODEL_VERSION;
	if (hn_model_serialize(&m, &a, &la, err, sizeof(err)) ||
	    hn_model_parse(a, la, &p, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(((uint8_t *)a)[5], 2);
	assert_int_equal(p.version, 2);
	assert_int_equal(hn_model_serialize(&p, &b, &lb, err, sizeof(err)), 0);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	free(a);
	free(b);
	hn_model_free(&p);
	/* Version 1 read back says so; an unknown one is refused. */
	m.version = 0;
	if (hn_model_serialize(&m, &a, &la, err, sizeof(err)) ||
	    hn_model_parse(a, la, &p, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(p.version, 1);
	free(a);
	hn_model_free(&p);
	m.version = 3;
	assert_int_equal(hn_model_check(&m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown format version 3"));
	hn_model_free(&m);
}

/* A dense layer built from n_in and n_out gets its op filled. */
static void test_alloc_dense_op(void **state)
{
	struct hn_model m = { 0 };

	m.layers[0].n_in = 30;
	m.layers[0].n_out = 7;
	m.layers[0].shift = 5;
	m.layers[0].flags = HN_LF_RELU;
	assert_int_equal(hn_model_alloc_layer(&m, 0), 0);
	assert_int_equal(m.layers[0].op.kind, HNET_OP_DENSE);
	assert_int_equal(m.layers[0].op.in_c, 30);
	assert_int_equal(m.layers[0].op.in_h, 1);
	assert_int_equal(m.layers[0].op.in_w, 1);
	assert_int_equal(m.layers[0].op.out_c, 7);
	assert_int_equal(m.layers[0].op.shift, 5);
	assert_int_equal(m.layers[0].op.relu, 1);
	hn_model_free(&m);
	/* From an op: the lengths follow it. */
	m.layers[0].op = conv_op(3, 10, 10, 4, 3, 2, 0);
	assert_int_equal(hn_model_alloc_layer(&m, 0), 0);
	assert_int_equal(m.layers[0].n_in, 300);
	assert_int_equal(m.layers[0].n_out, 4 * 4 * 4);
	hn_model_free(&m);
}

/* ---- binary rejections -------------------------------------------------- */

struct bcase {
	const char *name;
	int off, width; /* off -1: cut at val; -2: mutate */
	uint32_t val;
	const char *needle;
	void (*mut)(uint8_t *buf);
};

static void put_be(uint8_t *p, int width, uint32_t v)
{
	int i;

	for (i = width - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* A version 1 header over the layer count of version 2. */
static void mut_v1_5(uint8_t *buf)
{
	buf[5] = 1;
	buf[25] = 5;
}

/* conv 2000x1x1 k11 p5: 242000 taps summed into one output. */
static void mut_fanin(uint8_t *buf)
{
	buf[D0 + 1] = 11;
	buf[D0 + 3] = 5;
	put_be(buf + D0 + 4, 2, 2000);
	put_be(buf + D0 + 6, 2, 1);
	put_be(buf + D0 + 8, 2, 1);
}

static const struct bcase bcases[] = {
	{ "bad kind", D0, 1, 3, "layer 0: unknown layer kind 3", NULL },
	{ "kind 255", D1, 1, 255, "layer 1: unknown layer kind 255", NULL },
	{ "k 0", D0 + 1, 1, 0,
	  "layer 0: window or stride out of range for this kind", NULL },
	{ "k 12", D1 + 1, 1, 12, "layer 1: window or stride out of range",
	  NULL },
	{ "stride 0", D0 + 2, 1, 0, "layer 0: window or stride out of range",
	  NULL },
	{ "stride 9", D1 + 2, 1, 9, "layer 1: window or stride out of range",
	  NULL },
	{ "dense window", D2 + 1, 1, 1,
	  "layer 2: window or stride out of range", NULL },
	{ "pad = k", D0 + 3, 1, 3, "layer 0: padding must be below the window",
	  NULL },
	{ "pool pad", D1 + 3, 1, 1, "layer 1: padding must be below", NULL },
	{ "channels 0", D0 + 4, 2, 0, "layer 0: a dimension is zero", NULL },
	{ "window too big", D1 + 1, 1, 7,
	  "layer 1: the window is larger than the padded input (maxpool 2x6x6 -> 2 k7 s2 p0)",
	  NULL },
	{ "pool channels", D1 + 10, 2, 3,
	  "layer 1: pooling must keep the channel count", NULL },
	{ "pool shift", D1 + 12, 1, 1, "layer 1: scales inconsistent", NULL },
	{ "pool relu", D1 + 13, 1, HN_LF_RELU,
	  "layer 1: shift above HN_SHIFT_MAX, or a shift or ReLU on pooling",
	  NULL },
	{ "pool w_exp", D1 + 14, 1, 1, "layer 1: pooling has no weights",
	  NULL },
	{ "act too big", D0 + 4, 2, 500,
	  "layer 0: input or output larger than HNET_STAGE_ACT_MAX", NULL },
	{ "input too big", D0 + 4, 2, 114,
	  "layer 0: model input of 4104 elements, more than a tensor", NULL },
	{ "chain", D2 + 4, 2, 19,
	  "layer 2: dimension mismatch: takes 19 inputs but layer 1 gives 18",
	  NULL },
	{ "chain conv", D0 + 10, 2, 3,
	  "layer 1: dimension mismatch: takes 72 inputs but layer 0 gives 108",
	  NULL },
	{ "fan-in", -2, 0, 0,
	  "layer 0: fan-in could overflow the int32 accumulator", mut_fanin },
	{ "shift 31", D0 + 12, 1, 31, "layer 0: shift 31 out of range", NULL },
	{ "9 layers", 25, 1, 9, "layer count 9 out of range (1..8)", NULL },
	{ "0 layers", 25, 1, 0, "layer count 0 out of range (1..8)", NULL },
	{ "conv bias overflow", 94, 4, 0x7FFF0000,
	  "layer 0: could overflow int32: 9 inputs and bias[0] = 2147418112",
	  NULL },
	{ "dense bias overflow", 160, 4, 0x80000000,
	  "layer 2: could overflow int32: 18 inputs and bias[1]", NULL },
	{ "cut in descriptor", -1, 0, 50, "truncated at layer 1 descriptor",
	  NULL },
	{ "cut in conv weights", -1, 0, 90,
	  "truncated at layer 0 weights (offset 76: needs 18 bytes, 14 left)",
	  NULL },
	{ "cut in conv biases", -1, 0, 100, "truncated at layer 0 biases",
	  NULL },
	{ "cut in dense weights", -1, 0, 150,
	  "truncated at layer 2 weights (offset 102: needs 54 bytes", NULL },
	{ "version 1 with 5 layers", -2, 0, 0,
	  "layer count 5 out of range (1..4 in version 1)", mut_v1_5 },
	{ "digest", 110, 1, 0x55, "digest mismatch", NULL },
};

static void test_reject(void **state)
{
	const struct bcase *c = *state;
	struct hn_model m;
	char err[256] = "";
	uint8_t *buf;
	size_t len;

	buf = cnn_image(&len);
	if (c->off >= 0)
		put_be(buf + c->off, c->width, c->val);
	else if (c->off == -1)
		len = c->val;
	else
		c->mut(buf);
	if (!hn_model_parse(buf, len, &m, err, sizeof(err)))
		fail_msg("case '%s': accepted", c->name);
	if (!strstr(err, c->needle))
		fail_msg("case '%s': message '%s' does not say '%s'", c->name,
			 err, c->needle);
	assert_null(strchr(err, '\n'));
	assert_int_equal(m.n_layers, 0);
	free(buf);
}

/* ---- in-memory rejections (hn_model_check, hence serialise) ------------ */

static void check_fails(struct hn_model *m, const char *needle)
{
	char err[256] = "";
	void *buf;
	size_t len;

	assert_int_equal(hn_model_check(m, err, sizeof(err)), -1);
	if (!strstr(err, needle))
		fail_msg("'%s' does not say '%s'", err, needle);
	assert_int_equal(hn_model_serialize(m, &buf, &len, err, sizeof(err)),
			 -1);
}

static void test_check_memory(void **state)
{
	struct hn_model m;

	/* Weights and biases beyond what the module takes. */
	memset(&m, 0, sizeof(m));
	m.kind = HN_MODEL_STAGE;
	m.n_layers = 1;
	set_layer(&m, 0, dense_op(4096, 256), 0, -7, 10);
	check_fails(&m, "weights and biases take 1049600 bytes");
	hn_model_free(&m);
	/* The model's output crosses the wire. */
	memset(&m, 0, sizeof(m));
	m.kind = HN_MODEL_STAGE;
	m.n_layers = 1;
	set_layer(&m, 0, conv_op(1, 64, 64, 2, 1, 1, 0), 0, -7, 7);
	check_fails(&m, "layer 0: model output of 8192 elements");
	hn_model_free(&m);
	/* The op's shift is the layer's. */
	cnn(&m);
	m.layers[2].op.shift = 3;
	check_fails(&m, "layer 2: op shift 3 relu 0 differ");
	hn_model_free(&m);
	/* Lengths that are not the op's. */
	cnn(&m);
	m.layers[0].n_out = 70;
	check_fails(&m, "layer 0: lengths 36 -> 70 are not those of its op");
	hn_model_free(&m);
	/* Route models are dense. */
	hn_t_route_model(&m);
	m.layers[0].op = conv_op(1, 3, 3, 8, 3, 1, 0);
	m.layers[0].op.shift = m.layers[0].shift;
	m.layers[0].op.relu = 1;
	check_fails(&m, "route model layers must be dense");
	hn_model_free(&m);
}

/* ---- text models and the quantiser -------------------------------------- */

#define HDR "hnmodel-float 1\nkind stage 1\ninput_scale 0.0078125\n"

/* The text twin of cnn()'s shape, with smooth weights. */
static char *cnn_text(void)
{
	size_t cap = 8192, n = 0;
	char *t = malloc(cap);
	int i;

	n += snprintf(t + n, cap - n, "%s", HDR);
	n += snprintf(t + n, cap - n, "conv 1 6 6 2 3 1 1 relu\nweights");
	for (i = 0; i < 18; i++)
		n += snprintf(t + n, cap - n, " %.4f", sin(i + 1.0) * 0.5);
	n += snprintf(t + n, cap - n, "\nbias 0.05 -0.02\nmaxpool 2 6 6 2 2\n");
	n += snprintf(t + n, cap - n, "layer 18 3 linear\nweights");
	for (i = 0; i < 54; i++)
		n += snprintf(t + n, cap - n, " %.4f", cos(i * 0.7) * 0.3);
	snprintf(t + n, cap - n, "\nbias 0.1 0 -0.1\n");
	return t;
}

static void test_text_quantize(void **state)
{
	struct hn_quant_report r;
	struct hn_fmodel fm;
	struct hn_model m, p;
	char err[256] = "", *text = cnn_text();
	int k, wmax;
	void *buf;
	size_t len;

	if (hn_fmodel_parse(text, strlen(text), &fm, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(fm.n_layers, 3);
	assert_int_equal(fm.layers[0].op.kind, HNET_OP_CONV2D);
	assert_int_equal(fm.layers[0].n_out, 72);
	assert_int_equal(fm.layers[1].op.kind, HNET_OP_MAXPOOL);
	assert_int_equal(fm.layers[1].n_out, 18);
	if (hn_quantize(&fm, NULL, &m, &r, err, sizeof(err)))
		fail_msg("%s", err);
	/* Pooling keeps its input's scale and has no shift. */
	assert_int_equal(m.layers[1].w_exp, 0);
	assert_int_equal(m.layers[1].shift, 0);
	assert_int_equal(m.layers[1].out_exp, m.layers[0].out_exp);
	/* The conv's largest weight uses the int8 range. */
	for (k = 0, wmax = 0; k < 18; k++)
		wmax = abs(m.layers[0].w[k]) > wmax ? abs(m.layers[0].w[k]) :
						      wmax;
	assert_true(wmax >= 64 && wmax <= 127);
	print_message("cnn: max error %.3f LSB, mean %.3f LSB\n", r.max_err_lsb,
		      r.mean_err_lsb);
	assert_true(r.max_err_lsb <= 4.5);
	assert_true(r.mean_err_lsb <= 0.75);
	if (hn_model_serialize(&m, &buf, &len, err, sizeof(err)) ||
	    hn_model_parse(buf, len, &p, err, sizeof(err)))
		fail_msg("%s", err);
	assert_same(&m, &p);
	free(buf);
	free(text);
	hn_model_free(&m);
	hn_model_free(&p);
	hn_fmodel_free(&fm);
}

/* The float reference against hand-worked values. */
static void test_text_infer(void **state)
{
	static const char text[] = HDR
		"conv 1 2 2 1 2 1 1 linear\nweights 1 2 3 4\nbias 0.5\n"
		"maxpool 1 3 3 2 1\n";
	double in[4] = { 1, -1, 2, 0.5 }, out[4];
	struct hn_fmodel fm;
	char err[256] = "";

	if (hn_fmodel_parse(text, sizeof(text) - 1, &fm, err, sizeof(err)))
		fail_msg("%s", err);
	/*
	 * Padded input rows (0 0 0 0) (0 1 -1 0) (0 2 0.5 0) (0 0 0 0);
	 * conv 3x3: 4.5 -0.5 -2.5 / 10.5 7.5 1 / 4.5 3.5 1; pooled 2x2.
	 */
	hn_fmodel_infer(&fm, in, out);
	assert_true(fabs(out[0] - 10.5) < 1e-12);
	assert_true(fabs(out[1] - 7.5) < 1e-12);
	assert_true(fabs(out[2] - 10.5) < 1e-12);
	assert_true(fabs(out[3] - 7.5) < 1e-12);
	hn_fmodel_free(&fm);
}

struct tcase {
	const char *name, *text, *needle;
};

/* 24 weights of 1. */
#define W24 "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1\n"

static const struct tcase tcases[] = {
	{ "text window", HDR "conv 1 4 4 2 5 1 0 relu\n",
	  "line 4: layer 0: the window is larger than the padded input" },
	{ "text pad", HDR "conv 1 4 4 2 3 1 3 relu\n",
	  "layer 0: padding must be below the window" },
	{ "text stride", HDR "maxpool 1 4 4 2 9\n",
	  "layer 0: window or stride out of range" },
	{ "text k 0", HDR "conv 1 4 4 2 0 1 0 relu\n",
	  "kernel size 0 out of range" },
	{ "text act big", HDR "conv 1 128 128 2 1 1 0 relu\n",
	  "layer 0: input or output larger than HNET_STAGE_ACT_MAX" },
	{ "text chain",
	  HDR "layer 4 8 relu weights 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 "
	      "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 bias 0 0 0 0 0 0 0 0\n"
	      "maxpool 2 2 3 2 1\n",
	  "layer 1 takes 12 inputs but layer 0 gives 8" },
	{ "text conv weights",
	  HDR "conv 1 2 2 1 2 1 0 linear weights 1 2 3 bias 0\n",
	  "layer 0 weight 4 of 4: 'bias' is not a number" },
	{ "text conv extra weight",
	  HDR "conv 1 2 2 1 2 1 0 linear weights 1 2 3 4 5 bias 0\n",
	  "expected 'bias' after 4 weights, got '5'" },
	{ "text conv biases",
	  HDR "conv 1 2 2 2 2 1 0 linear weights 1 2 3 4 1 2 3 4 bias 0\n",
	  "expected layer 0 bias 2 of 2" },
	{ "text pool activation", HDR "maxpool 1 2 2 2 2 relu\n",
	  "unknown keyword 'relu'" },
	{ "text input big",
	  HDR "conv 1 100 100 1 1 1 0 linear weights 1 bias 0\n",
	  "model input 10000 or output 10000 larger than a tensor (max 4096)" },
	{ "text route conv",
	  "hnmodel-float 1\nkind route\ninput_scale 1\n"
	  "conv 1 3 3 8 3 1 0 relu weights\n" W24 W24 W24
	  "bias 0 0 0 0 0 0 0 0\n"
	  "layer 8 1 linear weights 1 1 1 1 1 1 1 1 bias 0\n",
	  "route model must be" },
};

static void test_text_bad(void **state)
{
	const struct tcase *c = *state;
	struct hn_fmodel fm;
	char err[256] = "";

	if (hn_fmodel_parse(c->text, strlen(c->text), &fm, err, sizeof(err)) !=
	    -1)
		fail_msg("case '%s': accepted", c->name);
	if (!strstr(err, c->needle))
		fail_msg("case '%s': message '%s' does not say '%s'", c->name,
			 err, c->needle);
	assert_int_equal(fm.n_layers, 0);
}

#define NB (sizeof(bcases) / sizeof(bcases[0]))
#define NT (sizeof(tcases) / sizeof(tcases[0]))

int main(void)
{
	struct CMUnitTest tests[NB + NT + 10];
	size_t i, n = 0;

	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_cnn_roundtrip);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_versions);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_dense_v2);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_alloc_dense_op);
	for (i = 0; i < NB; i++)
		tests[n++] = (struct CMUnitTest){
			.name = bcases[i].name,
			.test_func = test_reject,
			.initial_state = (void *)&bcases[i],
		};
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_check_memory);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_text_quantize);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_text_infer);
	for (i = 0; i < NT; i++)
		tests[n++] = (struct CMUnitTest){
			.name = tcases[i].name,
			.test_func = test_text_bad,
			.initial_state = (void *)&tcases[i],
		};
	return _cmocka_run_group_tests("graph", tests, n, NULL, NULL);
}
