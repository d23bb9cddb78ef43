// SPDX-License-Identifier: GPL-2.0
/*
 * A small dense network trained with minibatch AdamW, float or with
 * quantisation in the loop.  In QAT the forward pass is the engine's
 * arithmetic: int8-grid weights and inputs, biases on the accumulator
 * grid, a round-half-up rescale and saturation per layer.  Float32 holds
 * those sums exactly (n_in * 127 * 127 + |bias| < 2^24 units), so the
 * forward pass matches hn_dense_s8() bit for bit; gradients pass straight
 * through the rounding and stop where a value saturates.
 *
 * Matrices are stored transposed (n_in rows of n_out) so that every inner
 * loop runs over contiguous outputs and can skip zero inputs.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fmnist.h"
#include "kernels.h"

struct work {
	float *act[FM_LAYERS + 1]; /* batch rows; act[0] is the input */
	float *pre[FM_LAYERS]; /* pre-activations (accumulators) */
	float *g[2]; /* gradients, ping-pong */
};

int fm_exp_for(double absmax)
{
	int e;

	for (e = HN_MODEL_EXP_MIN; e < HN_MODEL_EXP_MAX; e++)
		if (round(ldexp(absmax, -e)) <= HN_S8_MAX)
			break;
	return e;
}

/* A layer's buffers: LAYER_NBUF_W of n_in x n_out floats, then of n_out. */
enum { LAYER_NBUF_W = 5, LAYER_NBUF = 10 };

static void layer_bufs(struct fm_layer *l, float **b[LAYER_NBUF])
{
	float **all[LAYER_NBUF] = { &l->w, &l->wq, &l->gw, &l->mw, &l->vw,
				    &l->b, &l->bq, &l->gb, &l->mb, &l->vb };

	memcpy(b, all, sizeof(all));
}

static int layer_init(struct fm_layer *l, unsigned int n_in, unsigned int n_out,
		      int relu, uint64_t *rng)
{
	size_t n = (size_t)n_in * n_out, i;
	/* He-uniform for ReLU layers, half the variance for linear ones */
	double lim = sqrt((relu ? 6.0 : 3.0) / n_in);
	float **buf[LAYER_NBUF];

	l->n_in = n_in;
	l->n_out = n_out;
	l->relu = relu;
	layer_bufs(l, buf);
	for (i = 0; i < LAYER_NBUF; i++) {
		*buf[i] = fm_zalloc(i < LAYER_NBUF_W ? n : n_out);
		if (!*buf[i])
			return -1; /* fm_net_free() takes the others */
	}
	for (i = 0; i < n; i++)
		l->w[i] = (2 * ((fm_rand(rng) >> 11) * 0x1p-53) - 1) * lim;
	return 0;
}

int fm_net_init(struct fm_net *net, const struct fm_train_opts *o)
{
	const unsigned int dim[FM_LAYERS + 1] = { FM_PIX, o->hidden,
						  o->bottleneck, o->head_hidden,
						  FM_CLASSES };
	/* encoder: relu, linear bottleneck; head: relu, linear logits */
	static const int relu[FM_LAYERS] = { 1, 0, 1, 0 };
	uint64_t rng = o->seed ^ 0x494e4954; /* "INIT" */
	unsigned int i;

	memset(net, 0, sizeof(*net));
	net->n_layers = FM_LAYERS;
	net->calib_q = o->calib_q;
	for (i = 0; i < FM_LAYERS; i++)
		if (layer_init(&net->l[i], dim[i], dim[i + 1], relu[i], &rng))
			return -1;
	fm_net_refresh(net);
	return 0;
}

void fm_net_free(struct fm_net *net)
{
	unsigned int i;

	for (i = 0; i < net->n_layers; i++) {
		float **buf[LAYER_NBUF];
		unsigned int k;

		layer_bufs(&net->l[i], buf);
		for (k = 0; k < LAYER_NBUF; k++)
			free(*buf[k]);
	}
	memset(net, 0, sizeof(*net));
}

/* ---- weights and scales ------------------------------------------------- */

/* Weights onto their int8 grid, biases onto the accumulator grid. */
static int refresh_layer(struct fm_layer *l, int in_exp, int qat)
{
	size_t n = (size_t)l->n_in * l->n_out;

	if (!qat) {
		memcpy(l->wq, l->w, n * sizeof(float));
		memcpy(l->bq, l->b, l->n_out * sizeof(float));
		return 0;
	}
	fm_qat_layer(l->w, l->wq, n, l->b, l->bq, l->n_out, in_exp, l->cal_exp,
		     &l->w_exp, &l->out_exp);
	return l->out_exp;
}

void fm_net_refresh(struct fm_net *net)
{
	int in_exp = FM_IN_EXP;
	unsigned int i;

	for (i = 0; i < net->n_layers; i++)
		in_exp = refresh_layer(&net->l[i], in_exp, net->qat);
}

/* ---- forward and backward ----------------------------------------------- */

static float dot(const float *restrict a, const float *restrict b,
		 unsigned int n)
{
	float s[4] = { 0 };
	unsigned int i;

	/* four partial sums: deterministic, and no serial dependency */
	for (i = 0; i + 4 <= n; i += 4) {
		s[0] += a[i] * b[i];
		s[1] += a[i + 1] * b[i + 1];
		s[2] += a[i + 2] * b[i + 2];
		s[3] += a[i + 3] * b[i + 3];
	}
	for (; i < n; i++)
		s[0] += a[i] * b[i];
	return (s[0] + s[1]) + (s[2] + s[3]);
}

static void layer_fwd(const struct fm_layer *l, const float *x, float *pre,
		      float *y, unsigned int n, int qat)
{
	unsigned int b, i, no = l->n_out, ni = l->n_in;
	size_t k;

	for (b = 0; b < n; b++)
		memcpy(pre + (size_t)b * no, l->bq, no * sizeof(float));
	/* input-major: one weight row serves the whole batch from cache */
	for (i = 0; i < ni; i++)
		for (b = 0; b < n; b++) {
			float xv = x[(size_t)b * ni + i];

			if (xv != 0)
				fm_axpy(pre + (size_t)b * no, xv,
					l->wq + (size_t)i * no, no);
		}
	for (k = 0; k < (size_t)n * no; k++) {
		if (qat)
			y[k] = fm_requantf(pre[k], l->out_exp, l->relu);
		else
			y[k] = l->relu && pre[k] < 0 ? 0 : pre[k];
	}
}

/* Does the gradient pass this activation (ReLU, saturation)? */
static int passes(const struct fm_layer *l, float pre, int qat)
{
	if (l->relu && pre <= 0)
		return 0;
	return !qat || fm_in_range(pre, l->out_exp);
}

/* @gy: dL/dy in, masked in place; @gx (may be NULL): dL/dx out. */
static void layer_bwd(struct fm_layer *l, const float *x, const float *pre,
		      float *gy, float *gx, unsigned int n, int qat)
{
	unsigned int b, i, o, no = l->n_out, ni = l->n_in;

	for (b = 0; b < n; b++)
		for (o = 0; o < no; o++) {
			size_t k = (size_t)b * no + o;

			if (!passes(l, pre[k], qat))
				gy[k] = 0;
			l->gb[o] += gy[k];
		}
	for (i = 0; i < ni; i++)
		for (b = 0; b < n; b++) {
			float xv = x[(size_t)b * ni + i];

			if (xv != 0)
				fm_axpy(l->gw + (size_t)i * no, xv,
					gy + (size_t)b * no, no);
		}
	if (!gx)
		return;
	for (b = 0; b < n; b++)
		for (i = 0; i < ni; i++)
			gx[(size_t)b * ni + i] = dot(l->wq + (size_t)i * no,
						     gy + (size_t)b * no, no);
}

static void work_free(struct work *w)
{
	unsigned int i;

	for (i = 0; i <= FM_LAYERS; i++)
		free(w->act[i]);
	for (i = 0; i < FM_LAYERS; i++)
		free(w->pre[i]);
	free(w->g[0]);
	free(w->g[1]);
}

static int work_init(struct work *w, const struct fm_net *net, unsigned int cap)
{
	unsigned int i, max = FM_PIX;

	memset(w, 0, sizeof(*w));
	w->act[0] = fm_zalloc((size_t)cap * FM_PIX);
	for (i = 0; i < net->n_layers; i++) {
		unsigned int no = net->l[i].n_out;

		w->act[i + 1] = fm_zalloc((size_t)cap * no);
		w->pre[i] = fm_zalloc((size_t)cap * no);
		if (!w->act[i + 1] || !w->pre[i])
			goto fail;
		if (no > max)
			max = no;
	}
	w->g[0] = fm_zalloc((size_t)cap * max);
	w->g[1] = fm_zalloc((size_t)cap * max);
	if (w->act[0] && w->g[0] && w->g[1])
		return 0;
fail:
	work_free(w);
	return -1;
}

static void forward(const struct fm_net *net, struct work *w, unsigned int n,
		    int qat)
{
	unsigned int i;

	for (i = 0; i < net->n_layers; i++)
		layer_fwd(&net->l[i], w->act[i], w->pre[i], w->act[i + 1], n,
			  qat);
}

/* Softmax cross-entropy: loss, and dL/dlogits (mean over the batch). */
static double softmax_ce(const float *z, unsigned int label, float *g,
			 unsigned int n)
{
	double m = z[0], s = 0, p;
	unsigned int k;

	for (k = 1; k < FM_CLASSES; k++)
		m = fmax(m, z[k]);
	for (k = 0; k < FM_CLASSES; k++)
		s += exp(z[k] - m);
	for (k = 0; k < FM_CLASSES; k++) {
		p = exp(z[k] - m) / s;
		g[k] = (p - (k == label)) / n;
	}
	return log(s) + m - z[label];
}

static void adam_step(struct fm_net *net, double lr, double wd)
{
	double c1, c2;
	unsigned int i;

	net->step++;
	fm_adam_corr(net->step, &c1, &c2);
	for (i = 0; i < net->n_layers; i++) {
		struct fm_layer *l = &net->l[i];

		fm_adam_vec(l->w, l->gw, l->mw, l->vw,
			    (size_t)l->n_in * l->n_out, lr, wd, c1, c2);
		fm_adam_vec(l->b, l->gb, l->mb, l->vb, l->n_out, lr, 0, c1, c2);
	}
	fm_net_refresh(net);
}

static double train_batch(struct fm_net *net, struct work *w,
			  const uint8_t *label, unsigned int n, double lr,
			  double wd)
{
	unsigned int L = net->n_layers, b, i;
	float *gy = w->g[0], *gx = w->g[1], *t;
	double loss = 0;

	forward(net, w, n, net->qat);
	for (b = 0; b < n; b++)
		loss += softmax_ce(w->act[L] + b * FM_CLASSES, label[b],
				   gy + b * FM_CLASSES, n);
	for (i = L; i-- > 0;) {
		layer_bwd(&net->l[i], w->act[i], w->pre[i], gy, i ? gx : NULL,
			  n, net->qat);
		t = gy;
		gy = gx;
		gx = t;
	}
	adam_step(net, lr, wd);
	return loss;
}

double fm_train_epoch(struct fm_net *net, const struct fm_set *s,
		      const struct fm_train_opts *o, double lr, uint64_t *rng)
{
	uint8_t img[FM_PIX], lab[1024];
	size_t *idx = malloc(s->n * sizeof(*idx)), i;
	unsigned int b, n;
	struct work w;
	double loss = 0;

	if (!idx || o->batch > sizeof(lab) || work_init(&w, net, o->batch)) {
		free(idx);
		return NAN;
	}
	fm_shuffle(idx, s->n, rng);
	for (i = 0; i < s->n; i += n) {
		n = s->n - i < o->batch ? s->n - i : o->batch;
		for (b = 0; b < n; b++) {
			const uint8_t *src = s->pix + idx[i + b] * FM_PIX;

			if (o->shift) {
				fm_augment(src, img, rng, o->shift);
				src = img;
			}
			fm_load_input(w.act[0] + (size_t)b * FM_PIX, src);
			lab[b] = s->label[idx[i + b]];
		}
		loss += train_batch(net, &w, lab, n, lr, o->wd);
	}
	work_free(&w);
	free(idx);
	return loss / s->n;
}

/* The next batch of @n_ids items in a shuffled order, reshuffled at wrap. */
struct cursor {
	const size_t *ids;
	size_t n_ids, *perm, pos;
};

static size_t cursor_next(struct cursor *c, uint64_t *rng)
{
	if (c->pos == c->n_ids) {
		fm_shuffle(c->perm, c->n_ids, rng);
		c->pos = 0;
	}
	return c->ids[c->perm[c->pos++]];
}

double fm_train_steps(struct fm_net *net, const struct fm_set *s,
		      const size_t *ids, size_t n_ids,
		      const struct fm_train_opts *o, double lr,
		      unsigned int steps, uint64_t *rng)
{
	struct cursor c = { .ids = ids, .n_ids = n_ids, .pos = n_ids };
	unsigned int n = n_ids < o->batch ? n_ids : o->batch, b, k;
	uint8_t img[FM_PIX], lab[1024];
	double loss = 0;
	struct work w;

	c.perm = malloc((n_ids ? n_ids : 1) * sizeof(*c.perm));
	if (!c.perm || !n_ids || o->batch > sizeof(lab) ||
	    work_init(&w, net, n)) {
		free(c.perm);
		return NAN;
	}
	for (k = 0; k < steps; k++) {
		for (b = 0; b < n; b++) {
			size_t id = cursor_next(&c, rng);
			const uint8_t *src = s->pix + id * FM_PIX;

			if (o->shift) {
				fm_augment(src, img, rng, o->shift);
				src = img;
			}
			fm_load_input(w.act[0] + (size_t)b * FM_PIX, src);
			lab[b] = s->label[id];
		}
		loss += train_batch(net, &w, lab, n, lr, o->wd);
	}
	work_free(&w);
	free(c.perm);
	return steps ? loss / ((double)steps * n) : 0;
}

double fm_net_loss(struct fm_net *net, const struct fm_set *s,
		   const size_t *ids, size_t n_ids)
{
	unsigned int L = net->n_layers, b, n;
	float g[FM_CLASSES];
	double loss = 0;
	struct work w;
	size_t i;

	if (!n_ids || work_init(&w, net, 256))
		return NAN;
	for (i = 0; i < n_ids; i += n) {
		n = n_ids - i < 256 ? n_ids - i : 256;
		for (b = 0; b < n; b++)
			fm_load_input(w.act[0] + (size_t)b * FM_PIX,
				      s->pix + ids[i + b] * FM_PIX);
		forward(net, &w, n, net->qat);
		for (b = 0; b < n; b++)
			loss += softmax_ce(w.act[L] + b * FM_CLASSES,
					   s->label[ids[i + b]], g, 1);
	}
	work_free(&w);
	return loss / n_ids;
}

/* ---- the parameters as one vector (federated updates) ------------------ */

size_t fm_net_dim(const struct fm_net *net)
{
	size_t d = 0;
	unsigned int i;

	for (i = 0; i < net->n_layers; i++)
		d += ((size_t)net->l[i].n_in + 1) * net->l[i].n_out;
	return d;
}

/* Each layer's weights then biases, layer by layer: @dir 0 reads. */
static void params_io(struct fm_net *net, float *v, int dir)
{
	unsigned int i;
	size_t n;

	for (i = 0; i < net->n_layers; i++) {
		struct fm_layer *l = &net->l[i];

		n = (size_t)l->n_in * l->n_out;
		if (dir)
			memcpy(l->w, v, n * sizeof(float));
		else
			memcpy(v, l->w, n * sizeof(float));
		v += n;
		if (dir)
			memcpy(l->b, v, l->n_out * sizeof(float));
		else
			memcpy(v, l->b, l->n_out * sizeof(float));
		v += l->n_out;
	}
}

void fm_net_get(const struct fm_net *net, float *v)
{
	params_io((struct fm_net *)net, v, 0);
}

void fm_net_set(struct fm_net *net, const float *v)
{
	params_io(net, (float *)v, 1);
	fm_net_refresh(net);
}

void fm_net_reset_opt(struct fm_net *net)
{
	unsigned int i;

	for (i = 0; i < net->n_layers; i++) {
		struct fm_layer *l = &net->l[i];
		size_t n = (size_t)l->n_in * l->n_out;

		memset(l->mw, 0, n * sizeof(float));
		memset(l->vw, 0, n * sizeof(float));
		memset(l->gw, 0, n * sizeof(float));
		memset(l->mb, 0, l->n_out * sizeof(float));
		memset(l->vb, 0, l->n_out * sizeof(float));
		memset(l->gb, 0, l->n_out * sizeof(float));
	}
	net->step = 0;
}

void fm_net_copy_model(struct fm_net *dst, const struct fm_net *src)
{
	unsigned int i;

	for (i = 0; i < src->n_layers; i++) {
		struct fm_layer *d = &dst->l[i];
		const struct fm_layer *l = &src->l[i];

		memcpy(d->w, l->w, (size_t)l->n_in * l->n_out * sizeof(float));
		memcpy(d->b, l->b, l->n_out * sizeof(float));
		d->cal_exp = l->cal_exp;
	}
	dst->qat = src->qat;
	dst->calib_q = src->calib_q;
	fm_net_refresh(dst);
}

/* ---- evaluation and calibration ---------------------------------------- */

#define EVAL_BATCH 256

unsigned int fm_argmax(const float *z)
{
	unsigned int k, best = 0;

	for (k = 1; k < FM_CLASSES; k++)
		if (z[k] > z[best])
			best = k;
	return best;
}

/* Runs @s through the net in batches; @fn sees each batch's work. */
static int run_set(const struct fm_net *net, const struct fm_set *s, int qat,
		   void (*fn)(const struct fm_net *, const struct work *,
			      size_t, unsigned int, void *),
		   void *arg)
{
	struct work w;
	unsigned int b, n;
	size_t i;

	if (work_init(&w, net, EVAL_BATCH))
		return -1;
	for (i = 0; i < s->n; i += n) {
		n = s->n - i < EVAL_BATCH ? s->n - i : EVAL_BATCH;
		for (b = 0; b < n; b++)
			fm_load_input(w.act[0] + (size_t)b * FM_PIX,
				      s->pix + (i + b) * FM_PIX);
		forward(net, &w, n, qat);
		fn(net, &w, i, n, arg);
	}
	work_free(&w);
	return 0;
}

struct acc_arg {
	const struct fm_set *s;
	size_t ok;
};

static void count_ok(const struct fm_net *net, const struct work *w,
		     size_t first, unsigned int n, void *arg)
{
	struct acc_arg *a = arg;
	unsigned int b;

	for (b = 0; b < n; b++)
		a->ok += fm_argmax(w->act[net->n_layers] + b * FM_CLASSES) ==
			 a->s->label[first + b];
}

double fm_net_accuracy(struct fm_net *net, const struct fm_set *s)
{
	struct acc_arg a = { .s = s };

	if (run_set(net, s, net->qat, count_ok, &a))
		return NAN;
	return (double)a.ok / s->n;
}

/* Per image, each layer's largest |activation|: n rows of n_layers. */
static void track_max(const struct fm_net *net, const struct work *w,
		      size_t first, unsigned int n, void *arg)
{
	double *mx = arg;
	unsigned int i, b, o, L = net->n_layers;

	for (b = 0; b < n; b++)
		for (i = 0; i < L; i++) {
			const float *a = w->act[i + 1] + b * net->l[i].n_out;
			double m = 0;

			for (o = 0; o < net->l[i].n_out; o++)
				m = fmax(m, fabsf(a[o]));
			mx[(first + b) * L + i] = m;
		}
}

/* Quantile scales the encoder's and the head's samples can reproduce. */
static int pick_exps(const struct fm_net *net, const double *mx, size_t n,
		     int *exp)
{
	unsigned int L = net->n_layers, l;
	double *part = malloc(n * 2 * sizeof(*part));
	size_t ids[2], i;
	int ret = 0;

	if (!part)
		return -1;
	fm_quantile_exps(mx, n, L, net->calib_q, exp);
	/* the encoder (layers 0-1) and the head (2-3) calibrate apart */
	for (l = 0; l < L && !ret; l += 2) {
		for (i = 0; i < n; i++) {
			part[2 * i] = mx[i * L + l];
			part[2 * i + 1] = mx[i * L + l + 1];
		}
		ret = fm_pick_samples(part, n, 2, exp + l, ids);
	}
	free(part);
	return ret;
}

int fm_net_calibrate(struct fm_net *net, const struct fm_set *calib)
{
	double *mx = malloc(calib->n * net->n_layers * sizeof(*mx));
	int changed = 0, exp[FM_LAYERS];
	unsigned int i;

	net->qat = 1;
	fm_net_refresh(net); /* grid weights: the model being calibrated */
	/* quant.c calibrates on the float model's activations */
	if (!mx || run_set(net, calib, 0, track_max, mx) ||
	    pick_exps(net, mx, calib->n, exp)) {
		free(mx);
		return -1;
	}
	for (i = 0; i < net->n_layers; i++) {
		changed += exp[i] != net->l[i].cal_exp;
		net->l[i].cal_exp = exp[i];
	}
	free(mx);
	fm_net_refresh(net);
	return changed;
}
