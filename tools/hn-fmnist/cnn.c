// SPDX-License-Identifier: GPL-2.0
/*
 * A small CNN trained with minibatch AdamW, float or with quantisation in
 * the loop, over engine operations (struct hn_op).  As in mlp.c, QAT's
 * forward pass is the engine's arithmetic: weights on a power-of-two int8
 * grid, biases on the accumulator grid, a round-half-up rescale and
 * saturation per layer; max pooling keeps its input's scale.  Float32
 * holds the convolutions' sums exactly (fan-in * 127 * 127 < 2^24 units);
 * gradients pass straight through the rounding and stop where a value
 * saturates.
 *
 * One image at a time: a convolution is unrolled (im2col, one row per
 * input channel and tap, one column per output position) so that every
 * inner loop runs over contiguous output positions.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cnn.h"
#include "kernels.h"

struct fm_cnn_work {
	float *act[FM_CNN_LAYERS + 1]; /* act[0] is the input */
	float *pre[FM_CNN_LAYERS]; /* accumulators */
	float *g[2]; /* gradients, ping-pong */
	float *gin; /* the input's gradient */
	float *col, *gcol; /* unrolled convolution input */
};

/* ---- the architecture --------------------------------------------------- */

static struct hn_op mk_op(unsigned int kind, unsigned int c, unsigned int h,
			  unsigned int w, unsigned int out_c, unsigned int k,
			  unsigned int stride, unsigned int pad, int relu)
{
	struct hn_op op = { .kind = kind,
			    .k = k,
			    .stride = stride,
			    .pad = pad,
			    .relu = relu,
			    .in_c = c,
			    .in_h = h,
			    .in_w = w,
			    .out_c = out_c };

	return op;
}

/*
 * raw 1x28x28 | conv 3x3 c1, pool 2[, conv 1x1 squeeze linear] | conv 3x3
 * c2, pool 2[, conv 3x3 c3], dense to the bottleneck | dense head_hidden,
 * dense 10.  The 1x1 convolution (squeeze > 0) makes the first cut a
 * compressed representation: squeeze x 14 x 14 bytes rather than c1 x 14
 * x 14.  The second 3x3 convolution (c3 > 0, at 7x7) gives stage 5 back
 * the capacity a narrow squeeze takes from its first one.
 */
unsigned int fm_cnn_arch(const struct fm_cnn_opts *o, struct hn_op *ops,
			 unsigned int *first, unsigned int *n_stages)
{
	unsigned int c1 = o->c1, c = o->c1, c2 = o->c2, n = 0;

	ops[n++] = mk_op(HNET_OP_CONV2D, 1, 28, 28, c1, 3, 1, 1, 1);
	ops[n++] = mk_op(HNET_OP_MAXPOOL, c1, 28, 28, c1, 2, 2, 0, 0);
	if (o->squeeze) {
		c = o->squeeze;
		ops[n++] = mk_op(HNET_OP_CONV2D, c1, 14, 14, c, 1, 1, 0, 0);
	}
	first[0] = 0;
	first[1] = n;
	ops[n++] = mk_op(HNET_OP_CONV2D, c, 14, 14, c2, 3, 1, 1, 1);
	ops[n++] = mk_op(HNET_OP_MAXPOOL, c2, 14, 14, c2, 2, 2, 0, 0);
	if (o->c3) {
		ops[n++] = mk_op(HNET_OP_CONV2D, c2, 7, 7, o->c3, 3, 1, 1, 1);
		c2 = o->c3;
	}
	ops[n++] = mk_op(HNET_OP_DENSE, c2, 7, 7, o->bottleneck, 0, 0, 0, 0);
	first[2] = n;
	ops[n++] = mk_op(HNET_OP_DENSE, o->bottleneck, 1, 1, o->head_hidden, 0,
			 0, 0, 1);
	ops[n++] = mk_op(HNET_OP_DENSE, o->head_hidden, 1, 1, FM_CLASSES, 0, 0,
			 0, 0);
	*n_stages = 3;
	return n;
}

int fm_cnn_init(struct fm_cnn *net, const struct fm_cnn_opts *o)
{
	struct hn_op ops[FM_CNN_LAYERS];
	unsigned int first[FM_CNN_STAGES + 1], ns, n;

	n = fm_cnn_arch(o, ops, first, &ns);
	if (fm_cnn_init_ops(net, ops, n, first, ns, o->seed))
		return -1;
	net->calib_q = o->calib_q;
	return 0;
}

enum { NBUF_W = 5, NBUF = 10 };

static void layer_bufs(struct fm_cnn_layer *l, float **b[NBUF])
{
	float **all[NBUF] = { &l->w, &l->wq, &l->gw, &l->mw, &l->vw,
			      &l->b, &l->bq, &l->gb, &l->mb, &l->vb };

	memcpy(b, all, sizeof(all));
}

static int layer_init(struct fm_cnn_layer *l, const struct hn_op *op,
		      uint64_t *rng)
{
	unsigned int fan_in = hn_op_fan_in(op), i;
	/* He-uniform for ReLU layers, half the variance for linear ones */
	double lim = fan_in ? sqrt((op->relu ? 6.0 : 3.0) / fan_in) : 0;
	float **buf[NBUF];

	l->op = *op;
	l->n_in = hn_op_in_len(op);
	l->n_out = hn_op_out_len(op);
	l->n_w = hn_op_n_weights(op);
	l->n_b = hn_op_n_biases(op);
	layer_bufs(l, buf);
	for (i = 0; i < NBUF; i++) {
		*buf[i] = fm_zalloc(i < NBUF_W ? l->n_w : l->n_b);
		if (!*buf[i])
			return -1;
	}
	for (i = 0; i < l->n_w; i++)
		l->w[i] = (2 * ((fm_rand(rng) >> 11) * 0x1p-53) - 1) * lim;
	return 0;
}

int fm_cnn_init_ops(struct fm_cnn *net, const struct hn_op *ops, unsigned int n,
		    const unsigned int *first, unsigned int n_stages,
		    uint64_t seed)
{
	uint64_t rng = seed ^ 0x434e4e49; /* "CNNI" */
	unsigned int i;

	memset(net, 0, sizeof(*net));
	if (n > FM_CNN_LAYERS || n_stages > FM_CNN_STAGES)
		return -1;
	net->calib_q = 0.99;
	for (i = 0; i < n; i++) {
		if (hn_op_check(&ops[i]) ||
		    (i && hn_op_in_len(&ops[i]) != hn_op_out_len(&ops[i - 1])))
			return -1;
		net->n_layers = i + 1;
		if (layer_init(&net->l[i], &ops[i], &rng)) {
			fm_cnn_free(net);
			return -1;
		}
	}
	net->n_stages = n_stages;
	memcpy(net->first, first, n_stages * sizeof(*first));
	net->first[n_stages] = n;
	fm_cnn_refresh(net);
	return 0;
}

void fm_cnn_free(struct fm_cnn *net)
{
	unsigned int i, k;

	for (i = 0; i < net->n_layers; i++) {
		float **buf[NBUF];

		layer_bufs(&net->l[i], buf);
		for (k = 0; k < NBUF; k++)
			free(*buf[k]);
	}
	memset(net, 0, sizeof(*net));
}

/* ---- weights and scales ------------------------------------------------- */

static int refresh_layer(struct fm_cnn_layer *l, int in_exp, int qat)
{
	int acc_exp;

	if (l->op.kind == HNET_OP_MAXPOOL)
		return l->out_exp = in_exp;
	if (!qat) {
		memcpy(l->wq, l->w, l->n_w * sizeof(float));
		memcpy(l->bq, l->b, l->n_b * sizeof(float));
		return 0;
	}
	acc_exp = fm_qat_layer(l->w, l->wq, l->n_w, l->b, l->bq, l->n_b, in_exp,
			       l->cal_exp, &l->w_exp, &l->out_exp);
	l->op.shift = l->out_exp - acc_exp;
	return l->out_exp;
}

void fm_cnn_refresh(struct fm_cnn *net)
{
	int in_exp = FM_IN_EXP;
	unsigned int i;

	for (i = 0; i < net->n_layers; i++)
		in_exp = refresh_layer(&net->l[i], in_exp, net->qat);
}

/* ---- vector kernels ----------------------------------------------------- */

static float dot(const float *restrict a, const float *restrict b,
		 unsigned int n)
{
	float s[8] = { 0 };
	unsigned int i, k;

	/* eight partial sums: deterministic, and vectorisable */
	for (i = 0; i + 8 <= n; i += 8)
		for (k = 0; k < 8; k++)
			s[k] += a[i + k] * b[i + k];
	for (; i < n; i++)
		s[0] += a[i] * b[i];
	return ((s[0] + s[1]) + (s[2] + s[3])) +
	       ((s[4] + s[5]) + (s[6] + s[7]));
}

static void activate(const struct fm_cnn_layer *l, const float *pre, float *y,
		     int qat)
{
	unsigned int k;

	for (k = 0; k < l->n_out; k++) {
		if (qat)
			y[k] = fm_requantf(pre[k], l->out_exp, l->op.relu);
		else
			y[k] = l->op.relu && pre[k] < 0 ? 0 : pre[k];
	}
}

/* Does the gradient pass this accumulator (ReLU, saturation)? */
static void mask_grad(const struct fm_cnn_layer *l, const float *pre, float *g,
		      int qat)
{
	unsigned int k;

	for (k = 0; k < l->n_out; k++)
		if ((l->op.relu && pre[k] <= 0) ||
		    (qat && !fm_in_range(pre[k], l->out_exp)))
			g[k] = 0;
}

/* ---- convolution -------------------------------------------------------- */

/* @col: fan-in rows (channel, tap) of out_h * out_w positions. */
static void im2col(const struct hn_op *op, const float *x, float *col)
{
	unsigned int oh = hn_op_out_h(op), ow = hn_op_out_w(op), k = op->k;
	unsigned int c, u, v, r, q;

	for (c = 0; c < op->in_c; c++)
		for (u = 0; u < k; u++)
			for (v = 0; v < k; v++) {
				const float *xc = x + c * op->in_h * op->in_w;

				for (r = 0; r < oh; r++) {
					int iy = (int)(r * op->stride + u) -
						 op->pad;

					for (q = 0; q < ow; q++) {
						int ix = (int)(q * op->stride +
							       v) -
							 op->pad;

						*col++ =
							iy < 0 || iy >= op->in_h ||
									ix < 0 ||
									ix >= op->in_w ?
								0 :
								xc[iy * op->in_w +
								   ix];
					}
				}
			}
}

/* The adjoint of im2col(): @gx = sum of @gcol over the taps. */
static void col2im(const struct hn_op *op, const float *gcol, float *gx)
{
	unsigned int oh = hn_op_out_h(op), ow = hn_op_out_w(op), k = op->k;
	unsigned int c, u, v, r, q;

	memset(gx, 0, hn_op_in_len(op) * sizeof(float));
	for (c = 0; c < op->in_c; c++)
		for (u = 0; u < k; u++)
			for (v = 0; v < k; v++) {
				float *gc = gx + c * op->in_h * op->in_w;

				for (r = 0; r < oh; r++) {
					int iy = (int)(r * op->stride + u) -
						 op->pad;

					for (q = 0; q < ow; q++, gcol++) {
						int ix = (int)(q * op->stride +
							       v) -
							 op->pad;

						if (iy >= 0 && iy < op->in_h &&
						    ix >= 0 && ix < op->in_w)
							gc[iy * op->in_w + ix] +=
								*gcol;
					}
				}
			}
}

static void conv_fwd(const struct fm_cnn_layer *l, const float *x, float *pre,
		     float *col)
{
	unsigned int P = hn_op_out_h(&l->op) * hn_op_out_w(&l->op);
	unsigned int F = hn_op_fan_in(&l->op), o, j;

	im2col(&l->op, x, col);
	for (o = 0; o < l->op.out_c; o++) {
		float *po = pre + o * P;
		const float *wo = l->wq + o * F;

		for (j = 0; j < P; j++)
			po[j] = l->bq[o];
		for (j = 0; j < F; j++)
			if (wo[j] != 0)
				fm_axpy(po, wo[j], col + j * P, P);
	}
}

static void conv_bwd(struct fm_cnn_layer *l, const float *x, const float *gy,
		     float *gx, float *col, float *gcol)
{
	unsigned int P = hn_op_out_h(&l->op) * hn_op_out_w(&l->op);
	unsigned int F = hn_op_fan_in(&l->op), o, j;

	im2col(&l->op, x, col);
	if (gx)
		memset(gcol, 0, (size_t)F * P * sizeof(float));
	for (o = 0; o < l->op.out_c; o++) {
		const float *go = gy + o * P;
		const float *wo = l->wq + o * F;
		float *gwo = l->gw + o * F, s = 0;

		for (j = 0; j < P; j++)
			s += go[j];
		l->gb[o] += s;
		for (j = 0; j < F; j++) {
			gwo[j] += dot(go, col + j * P, P);
			if (gx && wo[j] != 0)
				fm_axpy(gcol + j * P, wo[j], go, P);
		}
	}
	if (gx)
		col2im(&l->op, gcol, gx);
}

/* ---- pooling and dense -------------------------------------------------- */

/* Index in @x of window (@ch, @r, @c)'s first maximum, as the engine. */
static unsigned int pool_arg(const struct hn_op *op, const float *x,
			     unsigned int ch, unsigned int r, unsigned int c)
{
	unsigned int base = ch * op->in_h * op->in_w +
			    r * op->stride * op->in_w + c * op->stride;
	unsigned int best = base, u, v, i;

	for (u = 0; u < op->k; u++)
		for (v = 0; v < op->k; v++) {
			i = base + u * op->in_w + v;
			if (x[i] > x[best])
				best = i;
		}
	return best;
}

static void pool_fwd(const struct fm_cnn_layer *l, const float *x, float *y,
		     float *gy, float *gx)
{
	unsigned int oh = hn_op_out_h(&l->op), ow = hn_op_out_w(&l->op);
	unsigned int ch, r, c;

	if (gx)
		memset(gx, 0, l->n_in * sizeof(float));
	for (ch = 0; ch < l->op.in_c; ch++)
		for (r = 0; r < oh; r++)
			for (c = 0; c < ow; c++) {
				unsigned int i = pool_arg(&l->op, x, ch, r, c);

				if (gx)
					gx[i] += *gy++;
				else
					*y++ = x[i];
			}
}

static void dense_fwd(const struct fm_cnn_layer *l, const float *x, float *pre)
{
	unsigned int o;

	for (o = 0; o < l->n_out; o++)
		pre[o] =
			l->bq[o] + dot(l->wq + (size_t)o * l->n_in, x, l->n_in);
}

static void dense_bwd(struct fm_cnn_layer *l, const float *x, const float *gy,
		      float *gx)
{
	unsigned int o;

	if (gx)
		memset(gx, 0, l->n_in * sizeof(float));
	for (o = 0; o < l->n_out; o++) {
		if (gy[o] == 0)
			continue;
		l->gb[o] += gy[o];
		fm_axpy(l->gw + (size_t)o * l->n_in, gy[o], x, l->n_in);
		if (gx)
			fm_axpy(gx, gy[o], l->wq + (size_t)o * l->n_in,
				l->n_in);
	}
}

/* ---- one image ---------------------------------------------------------- */

struct fm_cnn_work *fm_cnn_work_new(const struct fm_cnn *net)
{
	struct fm_cnn_work *w = calloc(1, sizeof(*w));
	size_t max = 0, cmax = 1;
	unsigned int i, ok = !!w;

	for (i = 0; ok && i < net->n_layers; i++) {
		const struct fm_cnn_layer *l = &net->l[i];

		w->act[i + 1] = fm_zalloc(l->n_out);
		w->pre[i] = fm_zalloc(l->n_out);
		ok = w->act[i + 1] && w->pre[i];
		max = l->n_out > max ? l->n_out : max;
		max = l->n_in > max ? l->n_in : max;
		if (l->op.kind == HNET_OP_CONV2D &&
		    (size_t)l->n_w / l->op.out_c * l->n_out / l->op.out_c >
			    cmax)
			cmax = (size_t)l->n_w / l->op.out_c * l->n_out /
			       l->op.out_c;
	}
	if (ok) {
		w->act[0] = fm_zalloc(net->l[0].n_in);
		w->gin = fm_zalloc(net->l[0].n_in);
		w->g[0] = fm_zalloc(max);
		w->g[1] = fm_zalloc(max);
		w->col = fm_zalloc(cmax);
		w->gcol = fm_zalloc(cmax);
		ok = w->act[0] && w->gin && w->g[0] && w->g[1] && w->col &&
		     w->gcol;
	}
	if (!ok) {
		fm_cnn_work_free(w);
		return NULL;
	}
	return w;
}

void fm_cnn_work_free(struct fm_cnn_work *w)
{
	unsigned int i;

	if (!w)
		return;
	for (i = 0; i < FM_CNN_LAYERS; i++) {
		free(w->act[i + 1]);
		free(w->pre[i]);
	}
	free(w->act[0]);
	free(w->gin);
	free(w->g[0]);
	free(w->g[1]);
	free(w->col);
	free(w->gcol);
	free(w);
}

static void layer_fwd(const struct fm_cnn_layer *l, struct fm_cnn_work *w,
		      unsigned int i, int qat)
{
	switch (l->op.kind) {
	case HNET_OP_MAXPOOL:
		pool_fwd(l, w->act[i], w->act[i + 1], NULL, NULL);
		return;
	case HNET_OP_CONV2D:
		conv_fwd(l, w->act[i], w->pre[i], w->col);
		break;
	default:
		dense_fwd(l, w->act[i], w->pre[i]);
		break;
	}
	activate(l, w->pre[i], w->act[i + 1], qat);
}

const float *fm_cnn_forward(const struct fm_cnn *net, struct fm_cnn_work *w,
			    const float *x, unsigned int from, unsigned int to,
			    int qat)
{
	unsigned int i;

	memcpy(w->act[from], x, net->l[from].n_in * sizeof(float));
	for (i = from; i < to; i++)
		layer_fwd(&net->l[i], w, i, qat);
	return w->act[to];
}

const float *fm_cnn_input_grad(const struct fm_cnn_work *w)
{
	return w->gin;
}

/* Softmax cross-entropy: loss, and @scale * dL/dlogits into @g. */
static double softmax_ce(const float *z, unsigned int label, float *g,
			 float scale)
{
	double m = z[0], s = 0, p;
	unsigned int k;

	for (k = 1; k < FM_CLASSES; k++)
		m = fmax(m, z[k]);
	for (k = 0; k < FM_CLASSES; k++)
		s += exp(z[k] - m);
	for (k = 0; k < FM_CLASSES; k++) {
		p = exp(z[k] - m) / s;
		g[k] = (p - (k == label)) * scale;
	}
	return log(s) + m - z[label];
}

static void layer_bwd(struct fm_cnn_layer *l, struct fm_cnn_work *w,
		      unsigned int i, float *gy, float *gx, int qat)
{
	if (l->op.kind == HNET_OP_MAXPOOL) {
		pool_fwd(l, w->act[i], NULL, gy, gx);
		return;
	}
	mask_grad(l, w->pre[i], gy, qat);
	if (l->op.kind == HNET_OP_CONV2D)
		conv_bwd(l, w->act[i], gy, gx, w->col, w->gcol);
	else
		dense_bwd(l, w->act[i], gy, gx);
}

double fm_cnn_sample(struct fm_cnn *net, struct fm_cnn_work *w, const float *x,
		     unsigned int label, float scale)
{
	unsigned int L = net->n_layers, i;
	float *gy = w->g[0], *gx = w->g[1], *t;
	double loss;

	fm_cnn_forward(net, w, x, 0, L, net->qat);
	loss = softmax_ce(w->act[L], label, gy, scale);
	for (i = L; i-- > 0;) {
		layer_bwd(&net->l[i], w, i, gy, i ? gx : w->gin, net->qat);
		t = gy;
		gy = gx;
		gx = t;
	}
	return loss;
}

/* ---- training ----------------------------------------------------------- */

static void adam_step(struct fm_cnn *net, double lr, double wd)
{
	double c1, c2;
	unsigned int i;

	net->step++;
	fm_adam_corr(net->step, &c1, &c2);
	for (i = 0; i < net->n_layers; i++) {
		struct fm_cnn_layer *l = &net->l[i];

		fm_adam_vec(l->w, l->gw, l->mw, l->vw, l->n_w, lr, wd, c1, c2);
		fm_adam_vec(l->b, l->gb, l->mb, l->vb, l->n_b, lr, 0, c1, c2);
	}
	fm_cnn_refresh(net);
}

static void mirror(uint8_t *img)
{
	unsigned int r, c;
	uint8_t t;

	for (r = 0; r < FM_SIDE; r++)
		for (c = 0; c < FM_SIDE / 2; c++) {
			t = img[r * FM_SIDE + c];
			img[r * FM_SIDE + c] =
				img[r * FM_SIDE + FM_SIDE - 1 - c];
			img[r * FM_SIDE + FM_SIDE - 1 - c] = t;
		}
}

/* Training image @id, augmented as @o says, as the net's input. */
static void train_input(const struct fm_set *s, size_t id,
			const struct fm_cnn_opts *o, uint64_t *rng, float *x)
{
	uint8_t img[FM_PIX];

	if (o->shift)
		fm_augment(s->pix + id * FM_PIX, img, rng, o->shift);
	else
		memcpy(img, s->pix + id * FM_PIX, FM_PIX);
	if (o->flip && (fm_rand(rng) & 1))
		mirror(img);
	fm_load_input(x, img);
}

double fm_cnn_train_epoch(struct fm_cnn *net, const struct fm_set *s,
			  const struct fm_cnn_opts *o, double lr, uint64_t *rng)
{
	size_t *idx = malloc(s->n * sizeof(*idx)), i;
	struct fm_cnn_work *w = fm_cnn_work_new(net);
	float x[FM_PIX];
	unsigned int b, n;
	double loss = 0;

	if (!idx || !w) {
		free(idx);
		fm_cnn_work_free(w);
		return NAN;
	}
	fm_shuffle(idx, s->n, rng);
	for (i = 0; i < s->n; i += n) {
		n = s->n - i < o->batch ? s->n - i : o->batch;
		for (b = 0; b < n; b++) {
			train_input(s, idx[i + b], o, rng, x);
			loss += fm_cnn_sample(net, w, x, s->label[idx[i + b]],
					      1.0f / n);
		}
		adam_step(net, lr, o->wd);
	}
	fm_cnn_work_free(w);
	free(idx);
	return loss / s->n;
}

double fm_cnn_accuracy(struct fm_cnn *net, const struct fm_set *s)
{
	struct fm_cnn_work *w = fm_cnn_work_new(net);
	float x[FM_PIX];
	size_t i, ok = 0;

	if (!w)
		return NAN;
	for (i = 0; i < s->n; i++) {
		fm_load_input(x, s->pix + i * FM_PIX);
		ok += fm_argmax(fm_cnn_forward(net, w, x, 0, net->n_layers,
					       net->qat)) == s->label[i];
	}
	fm_cnn_work_free(w);
	return (double)ok / s->n;
}

/* ---- calibration -------------------------------------------------------- */

static double absmax(const float *v, unsigned int n)
{
	double m = 0;
	unsigned int k;

	for (k = 0; k < n; k++)
		m = fmax(m, fabsf(v[k]));
	return m;
}

/* Per image, each layer's largest |float activation|: n rows of L. */
int fm_cnn_layer_maxima(struct fm_cnn *net, const struct fm_set *s, double *mx)
{
	struct fm_cnn_work *w = fm_cnn_work_new(net);
	unsigned int L = net->n_layers, i;
	float x[FM_PIX];
	size_t n;

	if (!w)
		return -1;
	for (n = 0; n < s->n; n++) {
		fm_load_input(x, s->pix + n * FM_PIX);
		fm_cnn_forward(net, w, x, 0, L, 0);
		for (i = 0; i < L; i++)
			mx[n * L + i] = absmax(w->act[i + 1], net->l[i].n_out);
	}
	fm_cnn_work_free(w);
	return 0;
}

/*
 * The scaled layers (convolution, dense) of stage @st: their indices into
 * @li, their maxima as the columns of @part (n rows).  How many.
 */
static unsigned int stage_cols(const struct fm_cnn *net, unsigned int st,
			       const double *mx, size_t n, double *part,
			       unsigned int *li)
{
	unsigned int L = net->n_layers, k = 0, i, c;
	size_t r;

	for (i = net->first[st]; i < net->first[st + 1]; i++)
		if (net->l[i].op.kind != HNET_OP_MAXPOOL)
			li[k++] = i;
	for (r = 0; r < n; r++)
		for (c = 0; c < k; c++)
			part[r * k + c] = mx[r * L + li[c]];
	return k;
}

/*
 * Stage @st's scales into @exp (by layer): quantiles that the stage's
 * calibration samples can reproduce, the samples into @ids (by column).
 */
int fm_cnn_stage_scales(const struct fm_cnn *net, unsigned int st,
			const double *mx, size_t n, int *exp, size_t *ids)
{
	unsigned int li[FM_CNN_LAYERS], k, c;
	double *part = calloc(n * FM_CNN_LAYERS, sizeof(*part));
	int e[FM_CNN_LAYERS], ret;

	if (!part)
		return -1;
	k = stage_cols(net, st, mx, n, part, li);
	fm_quantile_exps(part, n, k, net->calib_q, e);
	ret = fm_pick_samples(part, n, k, e, ids);
	for (c = 0; c < k; c++)
		exp[li[c]] = e[c];
	free(part);
	return ret;
}

int fm_cnn_calibrate(struct fm_cnn *net, const struct fm_set *calib)
{
	double *mx = malloc(calib->n * net->n_layers * sizeof(*mx));
	int changed = 0, exp[FM_CNN_LAYERS] = { 0 };
	size_t ids[FM_CNN_LAYERS];
	unsigned int i, st;

	net->qat = 1;
	fm_cnn_refresh(net);
	if (!mx || fm_cnn_layer_maxima(net, calib, mx))
		goto fail;
	for (st = 0; st < net->n_stages; st++)
		if (fm_cnn_stage_scales(net, st, mx, calib->n, exp, ids))
			goto fail;
	for (i = 0; i < net->n_layers; i++) {
		if (net->l[i].op.kind == HNET_OP_MAXPOOL)
			continue;
		changed += exp[i] != net->l[i].cal_exp;
		net->l[i].cal_exp = exp[i];
	}
	free(mx);
	fm_cnn_refresh(net);
	return changed;
fail:
	free(mx);
	return -1;
}

/* ---- the int8 net ------------------------------------------------------- */

int fm_cnn_quantize(const struct fm_cnn *net, struct fm_cnn_q *q)
{
	int in_exp = FM_IN_EXP;
	unsigned int i, k;

	memset(q, 0, sizeof(*q));
	q->n_layers = net->n_layers;
	q->n_stages = net->n_stages;
	memcpy(q->first, net->first, sizeof(q->first));
	q->in_exp = FM_IN_EXP;
	for (i = 0; i < net->n_layers; i++) {
		const struct fm_cnn_layer *l = &net->l[i];

		q->op[i] = l->op;
		q->w[i] = malloc(l->n_w ? l->n_w : 1);
		q->b[i] = malloc((l->n_b ? l->n_b : 1) * sizeof(int32_t));
		if (!q->w[i] || !q->b[i]) {
			fm_cnn_q_free(q);
			return -1;
		}
		for (k = 0; k < l->n_w; k++)
			q->w[i][k] = lrint(ldexp(l->wq[k], -l->w_exp));
		for (k = 0; k < l->n_b; k++)
			q->b[i][k] =
				lrint(ldexp(l->bq[k], -(in_exp + l->w_exp)));
		in_exp = l->out_exp;
	}
	return 0;
}

void fm_cnn_q_free(struct fm_cnn_q *q)
{
	unsigned int i;

	for (i = 0; i < FM_CNN_LAYERS; i++) {
		free(q->w[i]);
		free(q->b[i]);
	}
	memset(q, 0, sizeof(*q));
}

unsigned int fm_cnn_q_classify(const struct fm_cnn_q *q, const uint8_t *pix)
{
	static __thread int8_t buf[2][HNET_STAGE_ACT_MAX];
	unsigned int i, k;
	float z[FM_CLASSES];

	for (k = 0; k < FM_PIX; k++)
		buf[0][k] = fm_pixel(pix[k]);
	for (i = 0; i < q->n_layers; i++)
		hn_op_run(&q->op[i], q->w[i], q->b[i], buf[i & 1],
			  buf[!(i & 1)]);
	for (k = 0; k < FM_CLASSES; k++)
		z[k] = buf[q->n_layers & 1][k];
	return fm_argmax(z);
}

double fm_cnn_q_accuracy(const struct fm_cnn_q *q, const struct fm_set *s,
			 size_t limit)
{
	size_t n = limit && limit < s->n ? limit : s->n, i, ok = 0;

	for (i = 0; i < n; i++)
		ok += fm_cnn_q_classify(q, s->pix + i * FM_PIX) == s->label[i];
	return (double)ok / n;
}

unsigned int fm_cnn_stage_out(const struct hn_op *op, const unsigned int *first,
			      unsigned int s)
{
	return hn_op_out_len(&op[first[s + 1] - 1]);
}

uint64_t fm_cnn_stage_macs(const struct hn_op *op, const unsigned int *first,
			   unsigned int s)
{
	uint64_t m = 0;
	unsigned int i;

	for (i = first[s]; i < first[s + 1]; i++)
		m += hn_op_macs(&op[i]);
	return m;
}
