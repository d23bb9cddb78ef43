// SPDX-License-Identifier: GPL-2.0
/*
 * From the trained net to what ships: float text models (models/NAME.txt),
 * their calibration samples (models/NAME.calib) and the .hnm files that
 * `hn-model quantize TXT HNM --calib CALIB` makes of them.
 *
 * The text holds the QAT weights: each number is the shortest decimal
 * within a quarter step of its int8 grid point, so the quantiser finds
 * the same weight scale and the same int8 values.  The .calib files hold
 * the few training samples that make the quantiser's max-abs rule choose
 * the activation scales QAT trained with (calib.c).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fmnist.h"

/* The encoder's text is over 1 MB: it ships gzip'ed (about 200 KB). */
const struct fm_part fm_parts[4] = {
	{ "fmnist-encoder", FM_STAGE_ENCODER, 0, 1, "txt.gz" },
	{ "fmnist-head", FM_STAGE_HEAD, 2, 3, "txt" },
	{ "fmnist-head-a", FM_STAGE_HEAD, 2, 2, "txt" },
	{ "fmnist-head-b", FM_STAGE_HEAD_B, 3, 3, "txt" },
};

#define TEXT_MAX (64u << 20)

enum { P_ENC, P_HEAD, P_HEAD_A, P_HEAD_B };

/* ---- text --------------------------------------------------------------- */

static void part_path(char *buf, size_t len, const char *dir,
		      const struct fm_part *p, const char *ext)
{
	snprintf(buf, len, "%s/%s.%s", dir, p->name, ext);
}

/* Shortest decimal of @v within a quarter step of 2^@exp. */
static void put_num(FILE *f, double v, int exp)
{
	double step = ldexp(1, exp), t;
	char s[40];
	int prec;

	if (v == 0) {
		fputs(" 0", f);
		return;
	}
	for (prec = 1; prec < 17; prec++) {
		snprintf(s, sizeof(s), "%.*g", prec, v);
		t = strtod(s, NULL);
		if (fabs(t - v) <= step / 4)
			break;
	}
	fprintf(f, " %s", s);
}

static int in_exp_of(const struct fm_net *net, unsigned int li)
{
	return li ? net->l[li - 1].out_exp : FM_IN_EXP;
}

static void put_layer(FILE *f, const struct fm_layer *l, int in_exp)
{
	unsigned int i, o;

	fprintf(f, "\nlayer %u %u %s\n# weights 2^%d, output 2^%d\nweights\n",
		l->n_in, l->n_out, l->relu ? "relu" : "linear", l->w_exp,
		l->out_exp);
	for (o = 0; o < l->n_out; o++) {
		for (i = 0; i < l->n_in; i++)
			put_num(f, l->wq[(size_t)i * l->n_out + o], l->w_exp);
		fputc('\n', f);
	}
	fputs("bias\n", f);
	for (o = 0; o < l->n_out; o++)
		put_num(f, l->bq[o], in_exp + l->w_exp);
	fputc('\n', f);
}

static void put_text(FILE *f, const struct fm_net *net, const struct fm_part *p,
		     int in_exp)
{
	unsigned int li;

	fprintf(f,
		"# %s: Fashion-MNIST split model, stage %u (layers %u..%u of\n"
		"# encoder 0-1 | head 2-3).  Written by `hn-fmnist train`;\n"
		"# Documentation/split-inference.rst.  Quantise with\n"
		"# hn-model quantize --calib %s.calib\n",
		p->name, p->stage, p->first, p->last, p->name);
	if (p->first == 0)
		fputs("# input: pixel byte p -> int8 p >> 1, i.e. (p >> 1) / 128\n",
		      f);
	fprintf(f, "hnmodel-float 1\nkind stage %u\ninput_scale %.17g\n",
		p->stage, ldexp(1, in_exp));
	if (p->first == 0)
		fprintf(f, "input_range 0 %.17g\n", ldexp(HN_S8_MAX, in_exp));
	for (li = p->first; li <= p->last; li++)
		put_layer(f, &net->l[li], in_exp_of(net, li));
}

/*
 * Plain ("T": zlib writes the bytes through), or gzip'ed with a fixed
 * header (no name, no time): reproducible.
 */
static int write_file(const char *path, const char *buf, size_t len, int gz,
		      char *err, size_t errlen)
{
	gzFile z = gzopen(path, gz ? "wb9" : "wbT");
	int ok;

	if (!z)
		return hn_seterr(err, errlen, "%s: %s", path, strerror(errno));
	ok = gzwrite(z, buf, len) == (int)len;
	if (gzclose(z) != Z_OK || !ok)
		return hn_seterr(err, errlen, "%s: write failed", path);
	return 0;
}

/* The text model of @p in memory: *@buf (free() it), *@len bytes. */
static int text_mem(const struct fm_net *net, const struct fm_part *p,
		    int in_exp, char **buf, size_t *len, char *err,
		    size_t errlen)
{
	FILE *f = open_memstream(buf, len);

	if (!f)
		return hn_seterr(err, errlen, "out of memory");
	put_text(f, net, p, in_exp);
	if (fclose(f)) {
		free(*buf);
		return hn_seterr(err, errlen, "out of memory");
	}
	return 0;
}

static int write_text(const char *path, const struct fm_net *net,
		      const struct fm_part *p, int in_exp, char *err,
		      size_t errlen)
{
	size_t len = 0;
	char *buf = NULL;
	int ret;

	if (text_mem(net, p, in_exp, &buf, &len, err, errlen))
		return -1;
	ret = write_file(path, buf, len, !strcmp(p->txt, "txt.gz"), err,
			 errlen);
	free(buf);
	return ret;
}

int fm_read_text(const char *dir, const struct fm_part *p, struct hn_fmodel *fm,
		 char *err, size_t errlen)
{
	char path[4096], msg[256], *buf;
	size_t len = 0;
	gzFile z;
	int n, ret;

	memset(fm, 0, sizeof(*fm));
	part_path(path, sizeof(path), dir, p, p->txt);
	/* gzread() passes a plain file through unchanged */
	z = gzopen(path, "rb");
	buf = malloc(TEXT_MAX);
	if (!z || !buf) {
		if (z)
			gzclose(z);
		free(buf);
		return hn_seterr(err, errlen, "%s: %s", path,
				 z ? "out of memory" : strerror(errno));
	}
	while (len < TEXT_MAX && (n = gzread(z, buf + len, TEXT_MAX - len)) > 0)
		len += n;
	ret = gzclose(z) == Z_OK && len < TEXT_MAX ?
		      hn_fmodel_parse(buf, len, fm, msg, sizeof(msg)) :
		      hn_seterr(msg, sizeof(msg), "unreadable or too large");
	if (ret)
		hn_seterr(err, errlen, "%s: %s", path, msg);
	free(buf);
	return ret;
}

/* ---- calibration -------------------------------------------------------- */

/* Float activations of every layer (@act[i]: layer i's outputs). */
static void ffwd(const struct hn_fmodel *fm, const double *x,
		 double act[][HN_MODEL_MAX_DIM])
{
	unsigned int i, o, k;

	for (i = 0; i < fm->n_layers; i++) {
		const struct hn_fmodel_layer *l = &fm->layers[i];

		for (o = 0; o < l->n_out; o++) {
			const double *w = l->w + (size_t)o * l->n_in;
			double a = l->b[o];

			for (k = 0; k < l->n_in; k++)
				a += w[k] * x[k];
			act[i][o] = l->relu && a < 0 ? 0 : a;
		}
		x = act[i];
	}
}

/* Each layer's largest |activation| into @row. */
static void row_max(const struct hn_fmodel *fm, double act[][HN_MODEL_MAX_DIM],
		    double *row)
{
	unsigned int i, o;

	for (i = 0; i < fm->n_layers; i++) {
		row[i] = 0;
		for (o = 0; o < fm->layers[i].n_out; o++)
			row[i] = fmax(row[i], fabs(act[i][o]));
	}
}

/*
 * Encoder over the calibration set: per-sample layer maxima into @mx and
 * every sample's float bottleneck (the head's calibration input) into
 * @bott.
 */
static void calib_encoder(const struct hn_fmodel *fenc, const struct fm_set *s,
			  double *mx, double *bott)
{
	static double act[FM_LAYERS][HN_MODEL_MAX_DIM];
	unsigned int nb = fenc->layers[fenc->n_layers - 1].n_out;
	double x[FM_PIX];
	size_t n;

	for (n = 0; n < s->n; n++) {
		fm_pixels(s->pix + n * FM_PIX, x);
		ffwd(fenc, x, act);
		row_max(fenc, act, mx + n * fenc->n_layers);
		memcpy(bott + n * nb, act[fenc->n_layers - 1],
		       nb * sizeof(double));
	}
}

/* Head over the float bottlenecks: per-sample layer maxima into @mx. */
static void calib_head(const struct hn_fmodel *fhead, const double *bott,
		       size_t count, double *mx)
{
	static double act[FM_LAYERS][HN_MODEL_MAX_DIM];
	unsigned int nb = fhead->layers[0].n_in;
	size_t n;

	for (n = 0; n < count; n++) {
		ffwd(fhead, bott + n * nb, act);
		row_max(fhead, act, mx + n * fhead->n_layers);
	}
}

/* The samples that reproduce the trained scales of layers @first.. */
static int pick(const struct fm_net *net, unsigned int first, const double *mx,
		size_t n, size_t *ids, char *err, size_t errlen)
{
	int exp[2] = { net->l[first].cal_exp, net->l[first + 1].cal_exp };

	if (fm_pick_samples(mx, n, 2, exp, ids))
		return hn_seterr(err, errlen,
				 "no calibration samples for layers %u-%u",
				 first, first + 1);
	if (exp[0] != net->l[first].cal_exp ||
	    exp[1] != net->l[first + 1].cal_exp)
		fprintf(stderr,
			"hn-fmnist: warning: layers %u-%u calibrate at 2^%d/2^%d, trained at 2^%d/2^%d\n",
			first, first + 1, exp[0], exp[1], net->l[first].cal_exp,
			net->l[first + 1].cal_exp);
	return 0;
}

/* Is sample @ids[r] an earlier layer's (written once)? */
static int seen_before(const size_t *ids, unsigned int r)
{
	unsigned int q;

	for (q = 0; q < r && ids[q] != ids[r]; q++)
		;
	return q < r;
}

/* One calibration file: vectors @v[r] of training samples @ids[r]. */
static int write_calib(const char *path, const double *const *v,
		       unsigned int dim, const size_t *ids, unsigned int n,
		       char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");
	unsigned int r, k;

	if (!f)
		return hn_seterr(err, errlen, "%s: %s", path, strerror(errno));
	fprintf(f,
		"# calibration: the training samples with each layer's largest |activation|\n");
	for (r = 0; r < n; r++) {
		if (seen_before(ids, r))
			continue;
		fprintf(f, "# training image %zu\n", ids[r]);
		for (k = 0; k < dim; k++)
			fprintf(f, "%s%.17g", k ? " " : "", v[r][k]);
		fputc('\n', f);
	}
	if (fclose(f))
		return hn_seterr(err, errlen, "%s: write failed", path);
	return 0;
}

/* ---- quantisation ------------------------------------------------------- */

/* Exactly `hn-model quantize TXT HNM --calib CALIB --generation 1`. */
int fm_quantize_part(const char *txt_dir, const struct fm_part *p,
		     struct hn_model *m, char *err, size_t errlen)
{
	struct hn_quant_opts qo = { .generation = 1 };
	char path[4096];
	struct hn_fmodel fm;
	double *calib;
	int ret;

	if (fm_read_text(txt_dir, p, &fm, err, errlen))
		return -1;
	part_path(path, sizeof(path), txt_dir, p, "calib");
	if (hn_calib_read_file(path, fm.layers[0].n_in, &calib, &qo.n_calib,
			       err, errlen)) {
		hn_fmodel_free(&fm);
		return -1;
	}
	qo.calib = calib;
	ret = hn_quantize(&fm, &qo, m, NULL, err, errlen);
	free(calib);
	hn_fmodel_free(&fm);
	return ret;
}

static int same_layer(const struct hn_model_layer *a,
		      const struct hn_model_layer *b)
{
	return a->n_in == b->n_in && a->n_out == b->n_out &&
	       a->shift == b->shift && a->flags == b->flags &&
	       a->w_exp == b->w_exp && a->out_exp == b->out_exp &&
	       !memcmp(a->w, b->w, (size_t)a->n_in * a->n_out) &&
	       !memcmp(a->b, b->b, a->n_out * sizeof(*a->b));
}

/* The split head must be the one-part head's layers, cut in two. */
static int check_split(const struct hn_model *h, const struct hn_model *a,
		       const struct hn_model *b, char *err, size_t errlen)
{
	if (a->n_layers != 1 || b->n_layers != 1 || a->in_exp != h->in_exp ||
	    b->in_exp != h->layers[0].out_exp ||
	    !same_layer(&a->layers[0], &h->layers[0]) ||
	    !same_layer(&b->layers[0], &h->layers[1]))
		return hn_seterr(
			err, errlen,
			"the split head differs from the one-part head");
	return 0;
}

/* Did the quantiser choose the scales QAT trained with? */
static void compare_scales(const struct fm_net *net, const struct hn_model *m,
			   unsigned int first)
{
	unsigned int i;

	for (i = 0; i < m->n_layers; i++) {
		const struct fm_layer *l = &net->l[first + i];

		if (m->layers[i].w_exp != l->w_exp ||
		    m->layers[i].out_exp != l->out_exp)
			fprintf(stderr,
				"hn-fmnist: warning: layer %u quantised at 2^%d/2^%d, trained at 2^%d/2^%d\n",
				first + i, m->layers[i].w_exp,
				m->layers[i].out_exp, l->w_exp, l->out_exp);
	}
}

static int write_hnm(const char *dir, const struct fm_part *p,
		     struct hn_model *m, char *err, size_t errlen)
{
	char path[4096];

	part_path(path, sizeof(path), dir, p, "hnm");
	return hn_model_write_file(path, m, err, errlen);
}

struct exp_state {
	const struct fm_net *net;
	const struct fm_set *calib;
	const char *dir; /* NULL: no text or calibration files */
	double *bott; /* calib->n float bottlenecks */
	double *mx; /* calib->n rows of 2 layer maxima */
	unsigned int parts; /* FM_PART_* */
	struct hn_model m[4];
	struct hn_fmodel fm; /* scratch */
};

static int text_and_read(struct exp_state *st, unsigned int pi, int in_exp,
			 char *err, size_t errlen)
{
	const struct fm_part *p = &fm_parts[pi];
	char path[4096], msg[256], *buf = NULL;
	size_t len = 0;
	int ret;

	hn_fmodel_free(&st->fm);
	if (st->dir) {
		part_path(path, sizeof(path), st->dir, p, p->txt);
		if (write_text(path, st->net, p, in_exp, err, errlen))
			return -1;
		return fm_read_text(st->dir, p, &st->fm, err, errlen);
	}
	/* the same bytes parsed, without the file */
	if (text_mem(st->net, p, in_exp, &buf, &len, err, errlen))
		return -1;
	ret = hn_fmodel_parse(buf, len, &st->fm, msg, sizeof(msg));
	free(buf);
	return ret ? hn_seterr(err, errlen, "%s: %s", p->name, msg) : 0;
}

/*
 * What fm_quantize_part() makes of the files calib_and_quant() writes,
 * from memory: the text already parsed in st->fm, the calibration
 * vectors as they are (the file's %.17g reads back exactly).
 */
static int quant_mem(struct exp_state *st, unsigned int pi,
		     const double *const *v, unsigned int dim,
		     const size_t *ids, unsigned int n, char *err,
		     size_t errlen)
{
	struct hn_quant_opts qo = { .generation = 1 };
	double *calib = malloc((size_t)n * dim * sizeof(*calib));
	unsigned int r;
	int ret;

	if (!calib)
		return hn_seterr(err, errlen, "out of memory");
	for (r = 0; r < n; r++)
		if (!seen_before(ids, r))
			memcpy(calib + qo.n_calib++ * dim, v[r],
			       dim * sizeof(*calib));
	qo.calib = calib;
	ret = hn_quantize(&st->fm, &qo, &st->m[pi], NULL, err, errlen);
	free(calib);
	return ret;
}

static int calib_and_quant(struct exp_state *st, unsigned int pi,
			   const double *const *v, unsigned int dim,
			   const size_t *ids, unsigned int n, char *err,
			   size_t errlen)
{
	const struct fm_part *p = &fm_parts[pi];
	char path[4096];

	if (!st->dir) {
		if (quant_mem(st, pi, v, dim, ids, n, err, errlen))
			return -1;
	} else {
		part_path(path, sizeof(path), st->dir, p, "calib");
		if (write_calib(path, v, dim, ids, n, err, errlen) ||
		    fm_quantize_part(st->dir, p, &st->m[pi], err, errlen))
			return -1;
	}
	compare_scales(st->net, &st->m[pi], p->first);
	return 0;
}

static int export_encoder(struct exp_state *st, char *err, size_t errlen)
{
	static double img[2][FM_PIX];
	const double *v[2] = { img[0], img[1] };
	size_t ids[2];
	unsigned int r;

	if (text_and_read(st, P_ENC, FM_IN_EXP, err, errlen))
		return -1;
	calib_encoder(&st->fm, st->calib, st->mx, st->bott);
	if (pick(st->net, 0, st->mx, st->calib->n, ids, err, errlen))
		return -1;
	for (r = 0; r < 2; r++)
		fm_pixels(st->calib->pix + ids[r] * FM_PIX, img[r]);
	return calib_and_quant(st, P_ENC, v, FM_PIX, ids, 2, err, errlen);
}

static int export_head(struct exp_state *st, char *err, size_t errlen)
{
	static double act[FM_LAYERS][HN_MODEL_MAX_DIM];
	unsigned int nb = st->net->l[1].n_out, nh = st->net->l[2].n_out;
	int in_exp = st->m[P_ENC].layers[1].out_exp;
	const double *v[2];
	size_t ids[2];

	if (text_and_read(st, P_HEAD, in_exp, err, errlen))
		return -1;
	calib_head(&st->fm, st->bott, st->calib->n, st->mx);
	if (pick(st->net, 2, st->mx, st->calib->n, ids, err, errlen))
		return -1;
	v[0] = st->bott + ids[0] * nb;
	v[1] = st->bott + ids[1] * nb;
	/* head-b's sample: the head's float hidden layer for v[1] */
	ffwd(&st->fm, v[1], act);
	if (calib_and_quant(st, P_HEAD, v, nb, ids, 2, err, errlen))
		return -1;
	if (!(st->parts & (1u << P_HEAD_A | 1u << P_HEAD_B)))
		return 0; /* no split head asked for */
	/* head-a: the head's first layer, same input, its sample */
	if (text_and_read(st, P_HEAD_A, in_exp, err, errlen) ||
	    calib_and_quant(st, P_HEAD_A, v, nb, ids, 1, err, errlen))
		return -1;
	v[0] = act[0];
	if (text_and_read(st, P_HEAD_B, st->m[P_HEAD].layers[0].out_exp, err,
			  errlen) ||
	    calib_and_quant(st, P_HEAD_B, v, nh, &ids[1], 1, err, errlen))
		return -1;
	return check_split(&st->m[P_HEAD], &st->m[P_HEAD_A], &st->m[P_HEAD_B],
			   err, errlen);
}

int fm_export(const struct fm_net *net, const struct fm_set *calib,
	      const char *txt_dir, const char *hnm_dir, char *err,
	      size_t errlen)
{
	return fm_export_parts(net, calib, txt_dir, hnm_dir, FM_PART_ALL, err,
			       errlen);
}

int fm_export_parts(const struct fm_net *net, const struct fm_set *calib,
		    const char *txt_dir, const char *hnm_dir,
		    unsigned int parts, char *err, size_t errlen)
{
	struct exp_state st = { .net = net, .calib = calib, .dir = txt_dir };
	unsigned int i;
	int ret = -1;

	st.parts = parts;
	st.bott = malloc(calib->n * net->l[1].n_out * sizeof(double));
	st.mx = malloc(calib->n * 2 * sizeof(double));
	if (!st.bott || !st.mx) {
		free(st.bott);
		free(st.mx);
		return hn_seterr(err, errlen, "out of memory");
	}
	if (export_encoder(&st, err, errlen) ||
	    ((parts & ~FM_PART_ENC) && export_head(&st, err, errlen)))
		goto out;
	for (i = 0; i < 4; i++)
		if (hnm_dir && (parts & 1u << i) &&
		    write_hnm(hnm_dir, &fm_parts[i], &st.m[i], err, errlen))
			goto out;
	ret = 0;
out:
	for (i = 0; i < 4; i++)
		hn_model_free(&st.m[i]);
	hn_fmodel_free(&st.fm);
	free(st.bott);
	free(st.mx);
	return ret;
}
