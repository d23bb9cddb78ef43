// SPDX-License-Identifier: GPL-2.0
/*
 * The CNN trainer of hn-fmnist (tools/hn-fmnist/cnn.c) on small shapes:
 * the gradients of the convolution (stride, padding), max pooling and
 * dense layers, weights, biases and input, against central differences
 * of the loss; and its quantisation-aware forward pass against the
 * engine's hn_op_run() chain over the int8 net fm_cnn_quantize() makes,
 * bit for bit, on seeded random images.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "../../tools/hn-fmnist/cnn.h"

static struct hn_op op(unsigned int kind, unsigned int c, unsigned int h,
		       unsigned int w, unsigned int out_c, unsigned int k,
		       unsigned int stride, unsigned int pad, int relu)
{
	struct hn_op o = { .kind = kind,
			   .k = k,
			   .stride = stride,
			   .pad = pad,
			   .relu = relu,
			   .in_c = c,
			   .in_h = h,
			   .in_w = w,
			   .out_c = out_c };

	return o;
}

/*
 * 2x7x7 -> conv 3x3 stride 2 pad 1 -> 3x4x4 -> pool 2 -> 3x2x2 -> conv
 * 2x2 pad 1 (linear) -> 4x3x3 -> dense 10.
 */
static int small_net(struct fm_cnn *net, uint64_t seed)
{
	const struct hn_op ops[] = {
		op(HNET_OP_CONV2D, 2, 7, 7, 3, 3, 2, 1, 1),
		op(HNET_OP_MAXPOOL, 3, 4, 4, 3, 2, 2, 0, 0),
		op(HNET_OP_CONV2D, 3, 2, 2, 4, 2, 1, 1, 0),
		op(HNET_OP_DENSE, 4, 3, 3, 10, 0, 0, 0, 0),
	};
	const unsigned int first[] = { 0, 2 };

	return fm_cnn_init_ops(net, ops, 4, first, 2, seed);
}

static float urand(uint64_t *rng)
{
	return (fm_rand(rng) >> 11) * 0x1p-53;
}

static double loss_of(const struct fm_cnn *net, struct fm_cnn_work *w,
		      const float *x, unsigned int label)
{
	const float *z = fm_cnn_forward(net, w, x, 0, net->n_layers, 0);
	double m = z[0], s = 0;
	unsigned int k;

	for (k = 1; k < FM_CLASSES; k++)
		m = fmax(m, z[k]);
	for (k = 0; k < FM_CLASSES; k++)
		s += exp(z[k] - m);
	return log(s) + m - z[label];
}

/* Is @a, the analytic derivative, the numeric one @n? */
static int close_to(double a, double n)
{
	return fabs(a - n) <= 2e-2 * fmax(fabs(a), fabs(n)) + 2e-4;
}

/* Central difference of the loss in *@p (a master weight or input). */
static double numeric(struct fm_cnn *net, struct fm_cnn_work *w, float *p,
		      const float *x, unsigned int label)
{
	const float h = 1e-2f;
	float keep = *p;
	double up, down;

	*p = keep + h;
	fm_cnn_refresh(net);
	up = loss_of(net, w, x, label);
	*p = keep - h;
	fm_cnn_refresh(net);
	down = loss_of(net, w, x, label);
	*p = keep;
	fm_cnn_refresh(net);
	return (up - down) / (2 * h);
}

static void check_params(struct fm_cnn *net, struct fm_cnn_work *w,
			 const float *x, unsigned int label, unsigned int *bad,
			 unsigned int *n)
{
	unsigned int i, k;

	for (i = 0; i < net->n_layers; i++) {
		struct fm_cnn_layer *l = &net->l[i];

		for (k = 0; k < l->n_w; k++, (*n)++)
			*bad += !close_to(l->gw[k],
					  numeric(net, w, &l->w[k], x, label));
		for (k = 0; k < l->n_b; k++, (*n)++)
			*bad += !close_to(l->gb[k],
					  numeric(net, w, &l->b[k], x, label));
	}
}

static void test_gradients(void **state)
{
	unsigned int img, k, bad = 0, n = 0, nonzero = 0;
	struct fm_cnn_work *w;
	struct fm_cnn net;
	uint64_t rng = 11;
	float x[2 * 7 * 7], gin[2 * 7 * 7];

	(void)state;
	assert_int_equal(small_net(&net, 5), 0);
	w = fm_cnn_work_new(&net);
	assert_non_null(w);
	for (img = 0; img < 4; img++) {
		unsigned int label = img * 3 % FM_CLASSES;

		for (k = 0; k < 2 * 7 * 7; k++)
			x[k] = urand(&rng) * 2 - 0.5f;
		for (k = 0; k < net.n_layers; k++) {
			memset(net.l[k].gw, 0, net.l[k].n_w * sizeof(float));
			memset(net.l[k].gb, 0, net.l[k].n_b * sizeof(float));
		}
		fm_cnn_sample(&net, w, x, label, 1.0f);
		memcpy(gin, fm_cnn_input_grad(w), sizeof(gin));
		for (k = 0; k < net.n_layers; k++) {
			unsigned int j;

			for (j = 0; j < net.l[k].n_w; j++)
				nonzero += net.l[k].gw[j] != 0;
		}
		check_params(&net, w, x, label, &bad, &n);
		for (k = 0; k < 2 * 7 * 7; k++, n++)
			bad += !close_to(gin[k],
					 numeric(&net, w, &x[k], x, label));
	}
	/* a kink of ReLU or a pooling tie may fall within the step */
	if (bad)
		fprintf(stderr, "%u of %u derivatives differ\n", bad, n);
	assert_true(bad * 200 <= n);
	assert_true(nonzero > 100);
	fm_cnn_work_free(w);
	fm_cnn_free(&net);
}

/* A wrong gradient is caught: the check is not blind. */
static void test_gradients_catch(void **state)
{
	struct fm_cnn_work *w;
	struct fm_cnn net;
	uint64_t rng = 12;
	float x[2 * 7 * 7];
	unsigned int k, bad = 0;

	(void)state;
	assert_int_equal(small_net(&net, 6), 0);
	w = fm_cnn_work_new(&net);
	for (k = 0; k < 2 * 7 * 7; k++)
		x[k] = urand(&rng);
	fm_cnn_sample(&net, w, x, 4, 1.0f);
	for (k = 0; k < net.l[0].n_w; k++)
		bad += !close_to(net.l[0].gw[k] * 1.1,
				 numeric(&net, w, &net.l[0].w[k], x, 4));
	assert_true(bad > net.l[0].n_w / 2);
	fm_cnn_work_free(w);
	fm_cnn_free(&net);
}

/* Seeded random images with some structure: bright blocks, noise. */
static void random_set(struct fm_set *s, size_t n, uint64_t seed)
{
	size_t i, k;

	s->n = n;
	s->pix = malloc(n * FM_PIX);
	s->label = malloc(n);
	assert_non_null(s->pix);
	assert_non_null(s->label);
	for (i = 0; i < n; i++) {
		unsigned int cls = fm_rand(&seed) % FM_CLASSES;

		s->label[i] = cls;
		for (k = 0; k < FM_PIX; k++) {
			unsigned int r = k / FM_SIDE,
				     band = r * FM_CLASSES / FM_SIDE;

			s->pix[i * FM_PIX + k] =
				(band == cls ? 160 : 0) + fm_rand(&seed) % 96;
		}
	}
}

/* The int8 chain as the engine runs it, logits out. */
static void chain(const struct fm_cnn_q *q, const uint8_t *pix, int8_t *out)
{
	static int8_t buf[2][HNET_STAGE_ACT_MAX];
	unsigned int i, k;

	for (k = 0; k < FM_PIX; k++)
		buf[0][k] = fm_pixel(pix[k]);
	for (i = 0; i < q->n_layers; i++) {
		assert_int_equal(hn_op_check(&q->op[i]), HN_OPE_OK);
		hn_op_run(&q->op[i], q->w[i], q->b[i], buf[i & 1],
			  buf[!(i & 1)]);
	}
	memcpy(out, buf[q->n_layers & 1], FM_CLASSES);
}

static void test_qat_is_engine(void **state)
{
	const struct fm_cnn_opts o = { .c1 = 3,
				       .squeeze = 2,
				       .c2 = 4,
				       .bottleneck = 6,
				       .head_hidden = 8,
				       .batch = 16,
				       .wd = 0,
				       .calib_q = 0.99,
				       .seed = 9 };
	struct fm_cnn_work *w;
	struct fm_set s;
	struct fm_cnn net;
	struct fm_cnn_q q;
	uint64_t rng = 4;
	int8_t logits[FM_CLASSES];
	float x[FM_PIX];
	size_t i;
	unsigned int k, same = 0, moved = 0;

	(void)state;
	random_set(&s, 120, 21);
	assert_int_equal(fm_cnn_init(&net, &o), 0);
	/* a little training, so that the weights are not the init's */
	fm_cnn_train_epoch(&net, &s, &o, 3e-3, &rng);
	assert_true(fm_cnn_calibrate(&net, &s) >= 0);
	assert_int_equal(fm_cnn_quantize(&net, &q), 0);
	w = fm_cnn_work_new(&net);
	for (i = 0; i < s.n; i++) {
		const float *z;

		for (k = 0; k < FM_PIX; k++)
			x[k] = ldexpf(fm_pixel(s.pix[i * FM_PIX + k]),
				      FM_IN_EXP);
		z = fm_cnn_forward(&net, w, x, 0, net.n_layers, 1);
		chain(&q, s.pix + i * FM_PIX, logits);
		for (k = 0; k < FM_CLASSES; k++) {
			same += ldexpf(logits[k],
				       net.l[net.n_layers - 1].out_exp) == z[k];
			moved += logits[k] != 0;
		}
		assert_int_equal(fm_cnn_q_classify(&q, s.pix + i * FM_PIX),
				 fm_argmax(z));
	}
	assert_int_equal(same, s.n * FM_CLASSES);
	assert_true(moved > s.n); /* not all zero logits */
	fm_cnn_work_free(w);
	fm_cnn_q_free(&q);
	fm_cnn_free(&net);
	fm_free(&s);
}

/* fm_cnn_arch() with @o; its stage boundaries checked, @first[3] set. */
static unsigned int arch(const struct fm_cnn_opts *o, struct hn_op *ops,
			 unsigned int *first)
{
	unsigned int ns, n, i;

	n = fm_cnn_arch(o, ops, first, &ns);
	assert_int_equal(ns, FM_CNN_STAGES);
	assert_true(n <= FM_CNN_LAYERS);
	first[ns] = n;
	for (i = 0; i < n; i++) {
		assert_int_equal(hn_op_check(&ops[i]), HN_OPE_OK);
		if (i)
			assert_int_equal(hn_op_in_len(&ops[i]),
					 hn_op_out_len(&ops[i - 1]));
	}
	assert_int_equal(fm_cnn_stage_out(ops, first, 1), o->bottleneck);
	assert_int_equal(fm_cnn_stage_out(ops, first, 2), FM_CLASSES);
	return n;
}

/*
 * With --squeeze, stage 1 ends in a linear 1x1 convolution down to
 * squeeze channels, so the first cut carries squeeze x 14 x 14 bytes, not
 * the conv block's c1 x 14 x 14; stage 2 reads them.  Without, the
 * stage ends at the pooling.
 */
static void test_arch_squeeze(void **state)
{
	struct fm_cnn_opts o = { .c1 = 16,
				 .squeeze = 2,
				 .c2 = 32,
				 .bottleneck = 16,
				 .head_hidden = 64 };
	unsigned int first[FM_CNN_STAGES + 1];
	struct hn_op ops[FM_CNN_LAYERS];
	const struct hn_op *sq;

	(void)state;
	assert_int_equal(arch(&o, ops, first), 8);
	sq = &ops[first[1] - 1];
	assert_int_equal(sq->kind, HNET_OP_CONV2D);
	assert_int_equal(sq->k, 1);
	assert_int_equal(sq->in_c, o.c1);
	assert_int_equal(sq->out_c, o.squeeze);
	assert_int_equal(fm_cnn_stage_out(ops, first, 0), 2 * 14 * 14);
	assert_true(fm_cnn_stage_out(ops, first, 0) < FM_PIX);
	assert_int_equal(ops[first[1]].in_c, o.squeeze);

	o.squeeze = 0;
	assert_int_equal(arch(&o, ops, first), 7);
	assert_int_equal(ops[first[1] - 1].kind, HNET_OP_MAXPOOL);
	assert_int_equal(fm_cnn_stage_out(ops, first, 0), 16 * 14 * 14);
}

/*
 * With --c3, stage 2 gets a second 3x3 convolution (relu, same padding)
 * on the pooled 7x7 map, and its dense layer reads c3 channels; the
 * other stages and the bytes at every cut stay as they were.
 */
static void test_arch_c3(void **state)
{
	struct fm_cnn_opts o = { .c1 = 16,
				 .squeeze = 2,
				 .c2 = 32,
				 .c3 = 64,
				 .bottleneck = 16,
				 .head_hidden = 64 };
	unsigned int first[FM_CNN_STAGES + 1];
	struct hn_op ops[FM_CNN_LAYERS];
	const struct hn_op *cv, *fc;

	(void)state;
	assert_int_equal(arch(&o, ops, first), 9);
	assert_int_equal(first[2] - first[1], 4);
	cv = &ops[first[2] - 2];
	fc = &ops[first[2] - 1];
	assert_int_equal(cv->kind, HNET_OP_CONV2D);
	assert_int_equal(cv->k, 3);
	assert_int_equal(cv->pad, 1);
	assert_true(cv->relu);
	assert_int_equal(cv->in_c, o.c2);
	assert_int_equal(cv->in_h, 7);
	assert_int_equal(cv->out_c, o.c3);
	assert_int_equal(fc->kind, HNET_OP_DENSE);
	assert_int_equal(hn_op_in_len(fc), o.c3 * 7 * 7);
	assert_int_equal(fm_cnn_stage_out(ops, first, 0), 2 * 14 * 14);
	/* 2->32 at 14x14, pooling (4 compares each), 32->64 at 7x7, dense */
	assert_int_equal(fm_cnn_stage_macs(ops, first, 1),
			 2 * 32 * 9 * 196 + 32 * 49 * 4 + 32 * 64 * 9 * 49 +
				 64 * 49 * 16);

	o.c3 = 0;
	assert_int_equal(arch(&o, ops, first), 8);
	assert_int_equal(ops[first[2] - 1].in_c, o.c2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gradients),
		cmocka_unit_test(test_gradients_catch),
		cmocka_unit_test(test_qat_is_engine),
		cmocka_unit_test(test_arch_squeeze),
		cmocka_unit_test(test_arch_c3),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
