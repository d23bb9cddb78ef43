// SPDX-License-Identifier: GPL-2.0
/*
 * The trained CNN as what ships: per stage a float text model
 * (models/fmnist-cnn-NAME.txt, the large one gzip'ed) and its
 * calibration samples (models/fmnist-cnn-NAME.calib), for
 * `hn-model quantize TXT HNM --calib CALIB`.
 *
 * As export.c does for the MLP: the text holds the QAT weights, each the
 * shortest decimal within a quarter step of its int8 grid point, and the
 * calibration file holds one training sample per scaled layer, each
 * stage's input as the float model computes it, so that the quantiser's
 * max-abs rule picks the scales QAT trained with.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cnn.h"

const char *const fm_cnn_part[FM_CNN_STAGES] = { "fmnist-cnn-conv",
						 "fmnist-cnn-enc",
						 "fmnist-cnn-head" };

/* The encoder stage's text is a few hundred KB: it ships gzip'ed. */
int fm_cnn_gzipped(unsigned int st)
{
	return st == 1;
}

/* Shortest decimal of @v within a quarter step of 2^@exp. */
static void put_num(gzFile f, double v, int exp)
{
	double step = ldexp(1, exp);
	char s[40];
	int prec;

	if (v == 0) {
		gzputs(f, " 0");
		return;
	}
	for (prec = 1; prec < 17; prec++) {
		snprintf(s, sizeof(s), "%.*g", prec, v);
		if (fabs(strtod(s, NULL) - v) <= step / 4)
			break;
	}
	gzprintf(f, " %s", s);
}

static void put_geometry(gzFile f, const struct hn_op *op)
{
	const char *act = op->relu ? "relu" : "linear";

	switch (op->kind) {
	case HNET_OP_CONV2D:
		gzprintf(f, "\nconv %u %u %u %u %u %u %u %s\n", op->in_c,
			 op->in_h, op->in_w, op->out_c, op->k, op->stride,
			 op->pad, act);
		break;
	case HNET_OP_MAXPOOL:
		gzprintf(f, "\nmaxpool %u %u %u %u %u\n", op->in_c, op->in_h,
			 op->in_w, op->k, op->stride);
		break;
	default:
		gzprintf(f, "\nlayer %u %u %s\n", hn_op_in_len(op), op->out_c,
			 act);
		break;
	}
}

static void put_layer(gzFile f, const struct fm_cnn_layer *l, int in_exp)
{
	unsigned int fan_in = hn_op_fan_in(&l->op), o, i;

	put_geometry(f, &l->op);
	if (l->op.kind == HNET_OP_MAXPOOL)
		return;
	gzprintf(f, "# weights 2^%d, output 2^%d\nweights\n", l->w_exp,
		 l->out_exp);
	for (o = 0; o < l->n_b; o++) {
		for (i = 0; i < fan_in; i++)
			put_num(f, l->wq[(size_t)o * fan_in + i], l->w_exp);
		gzputs(f, "\n");
	}
	gzputs(f, "bias\n");
	for (o = 0; o < l->n_b; o++)
		put_num(f, l->bq[o], in_exp + l->w_exp);
	gzputs(f, "\n");
}

static int stage_in_exp(const struct fm_cnn *net, unsigned int st)
{
	return st ? net->l[net->first[st] - 1].out_exp : FM_IN_EXP;
}

static void put_header(gzFile f, const struct fm_cnn *net, unsigned int st,
		       const struct fm_cnn_result *r)
{
	int in_exp = stage_in_exp(net, st);
	unsigned int s;

	gzprintf(
		f,
		"# %s: Fashion-MNIST CNN, stage %u of %u (layers %u..%u).\n"
		"# Written by `hn-fmnist train-cnn`; Documentation/split-inference.rst.\n"
		"# Quantise with hn-model quantize --calib %s.calib\n",
		fm_cnn_part[st], st + 1, net->n_stages, net->first[st],
		net->first[st + 1] - 1, fm_cnn_part[st]);
	gzprintf(
		f,
		"# int8 stages chained (hn_op_run): accuracy %.4f on the 10000 test images,\n"
		"# float %.4f; int8 on the first %u test images: accuracy_1k %.4f\n",
		r->acc_fixed, r->acc_float, FM_CNN_TEST_SUBSET,
		r->acc_fixed_1k);
	for (s = 0; s < r->n_stages; s++)
		gzprintf(f, "# stage %u: %llu MACs, output %u bytes\n", s + 1,
			 (unsigned long long)r->macs[s], r->out_bytes[s]);
	if (!st)
		gzputs(f,
		       "# input: pixel byte p -> int8 p >> 1, i.e. (p >> 1) / 128\n");
	gzprintf(f, "hnmodel-float 1\nkind stage %u\ninput_scale %.17g\n",
		 FM_CNN_STAGE_ID0 + st, ldexp(1, in_exp));
	if (!st)
		gzprintf(f, "input_range 0 %.17g\n", ldexp(HN_S8_MAX, in_exp));
}

static int write_text(const struct fm_cnn *net, unsigned int st,
		      const struct fm_cnn_result *r, const char *dir, char *err,
		      size_t errlen)
{
	char path[4096];
	unsigned int i;
	gzFile f;

	/* "wb9": a header without name or time; "wT": plain */
	snprintf(path, sizeof(path), "%s/%s.%s", dir, fm_cnn_part[st],
		 fm_cnn_gzipped(st) ? "txt.gz" : "txt");
	f = gzopen(path, fm_cnn_gzipped(st) ? "wb9" : "wT");
	if (!f)
		return hn_seterr(err, errlen, "%s: %s", path, strerror(errno));
	put_header(f, net, st, r);
	for (i = net->first[st]; i < net->first[st + 1]; i++)
		put_layer(f, &net->l[i], i ? net->l[i - 1].out_exp : FM_IN_EXP);
	if (gzclose(f) != Z_OK)
		return hn_seterr(err, errlen, "%s: write failed", path);
	return 0;
}

/* Stage @st's float input for training image @id into @v. */
static void stage_input(struct fm_cnn *net, struct fm_cnn_work *w,
			const struct fm_set *s, size_t id, unsigned int st,
			double *v)
{
	unsigned int k, n = net->l[net->first[st]].n_in;
	double px[FM_PIX];
	float x[FM_PIX];
	const float *y;

	fm_pixels(s->pix + id * FM_PIX, px);
	if (!st) {
		memcpy(v, px, sizeof(px));
		return;
	}
	for (k = 0; k < FM_PIX; k++)
		x[k] = px[k];
	y = fm_cnn_forward(net, w, x, 0, net->first[st], 0);
	for (k = 0; k < n; k++)
		v[k] = y[k];
}

static int write_calib(struct fm_cnn *net, struct fm_cnn_work *w,
		       const struct fm_set *s, unsigned int st,
		       const size_t *ids, unsigned int n, const char *dir,
		       char *err, size_t errlen)
{
	unsigned int dim = net->l[net->first[st]].n_in, r, q, k;
	double *v = malloc(dim * sizeof(*v));
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.calib", dir, fm_cnn_part[st]);
	f = fopen(path, "w");
	if (!f || !v) {
		free(v);
		if (f)
			fclose(f);
		return hn_seterr(err, errlen, "%s: %s", path, strerror(errno));
	}
	fprintf(f,
		"# calibration: the training samples with each layer's largest |activation|\n");
	for (r = 0; r < n; r++) {
		for (q = 0; q < r && ids[q] != ids[r]; q++)
			;
		if (q < r)
			continue; /* written for an earlier layer */
		stage_input(net, w, s, ids[r], st, v);
		fprintf(f, "# training image %zu\n", ids[r]);
		for (k = 0; k < dim; k++)
			fprintf(f, "%s%.17g", k ? " " : "", v[k]);
		fputc('\n', f);
	}
	free(v);
	if (fclose(f))
		return hn_seterr(err, errlen, "%s: write failed", path);
	return 0;
}

/* The samples that reproduce stage @st's trained scales. */
static int stage_samples(struct fm_cnn *net, const double *mx, size_t n,
			 unsigned int st, size_t *ids, unsigned int *n_ids)
{
	int exp[FM_CNN_LAYERS] = { 0 };
	unsigned int i;

	if (fm_cnn_stage_scales(net, st, mx, n, exp, ids))
		return -1;
	*n_ids = 0;
	for (i = net->first[st]; i < net->first[st + 1]; i++) {
		if (net->l[i].op.kind == HNET_OP_MAXPOOL)
			continue;
		if (exp[i] != net->l[i].cal_exp)
			fprintf(stderr,
				"hn-fmnist: warning: layer %u calibrates at 2^%d, trained at 2^%d\n",
				i, exp[i], net->l[i].cal_exp);
		(*n_ids)++;
	}
	return 0;
}

int fm_cnn_export(struct fm_cnn *net, const struct fm_set *calib,
		  const struct fm_cnn_result *r, const char *dir, char *err,
		  size_t errlen)
{
	double *mx = malloc(calib->n * net->n_layers * sizeof(*mx));
	struct fm_cnn_work *w = fm_cnn_work_new(net);
	size_t ids[FM_CNN_LAYERS];
	unsigned int st, n;
	int ret = -1;

	if (!mx || !w || fm_cnn_layer_maxima(net, calib, mx)) {
		hn_seterr(err, errlen, "out of memory");
		goto out;
	}
	for (st = 0; st < net->n_stages; st++) {
		if (stage_samples(net, mx, calib->n, st, ids, &n)) {
			hn_seterr(err, errlen,
				  "no calibration samples for stage %u",
				  st + 1);
			goto out;
		}
		if (write_text(net, st, r, dir, err, errlen) ||
		    write_calib(net, w, calib, st, ids, n, dir, err, errlen))
			goto out;
	}
	ret = 0;
out:
	free(mx);
	fm_cnn_work_free(w);
	return ret;
}
