// SPDX-License-Identifier: GPL-2.0
/*
 * The float routing model hn-train works on, written in the text format
 * of Documentation/model-format.rst and quantised exactly as `make models`
 * quantises the committed file: the text is printed, parsed back and
 * quantised with the default calibration, so a model is judged in
 * training by the very integers the data plane will run.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hn-train.h"

static const char *const feat_names[HN_RT_NFEAT] = { "qual",  "delay", "loss",
						     "load",  "cap",   "dist",
						     "class", "size",  "ttl" };

/*
 * The hand-made default this project shipped before training: one
 * detector per unit, fixed signs (score up with quality and capacity,
 * down with delay, loss, load and distance).  Training starts here.
 */
void hn_tr_prior(struct hn_tr_params *p)
{
	static const double w2[HN_RT_HIDDEN] = { 1.0, -0.6, -1.0, -0.5,
						 0.4, -0.8, -0.5, -0.8 };
	int j;

	memset(p, 0, sizeof(*p));
	for (j = 0; j < 5; j++)
		p->w1[j][j] = 1.0;
	p->w1[3][HN_FEAT_SIZE] = 0.25;
	p->w1[5][HN_FEAT_DIST] = 1.0;
	p->w1[6][HN_FEAT_DIST] = 1.0;
	p->w1[6][HN_FEAT_TTL] = -1.5;
	p->w1[7][HN_FEAT_DELAY] = 1.0;
	p->w1[7][HN_FEAT_CLASS] = 1.0;
	p->b1[3] = -0.1;
	p->b1[7] = -1.0;
	memcpy(p->w2, w2, sizeof(w2));
}

/* Four decimals: what the text keeps is what gets quantised. */
static void put_num(FILE *f, double v)
{
	double r = round(v * 1e4) / 1e4;

	fprintf(f, "\t%.4f", r == 0 ? 0.0 : r);
}

int hn_tr_write_text(const struct hn_tr_params *p, FILE *f, const char *comment)
{
	int j, i;

	fprintf(f, "# SPDX-License-Identifier: GPL-2.0\n#\n");
	if (comment)
		fputs(comment, f);
	fprintf(f, "\nhnmodel-float 1\nkind route\ninput_scale 0.0078125\n\n");
	fprintf(f, "layer %d %d relu\nweights\n#", HN_RT_NFEAT, HN_RT_HIDDEN);
	for (i = 0; i < HN_RT_NFEAT; i++)
		fprintf(f, "\t%s", feat_names[i]);
	fputc('\n', f);
	for (j = 0; j < HN_RT_HIDDEN; j++) {
		for (i = 0; i < HN_RT_NFEAT; i++)
			put_num(f, p->w1[j][i]);
		fputc('\n', f);
	}
	fprintf(f, "bias\n");
	for (j = 0; j < HN_RT_HIDDEN; j++)
		put_num(f, p->b1[j]);
	fprintf(f, "\n\nlayer %d 1 linear\nweights\n", HN_RT_HIDDEN);
	for (j = 0; j < HN_RT_HIDDEN; j++)
		put_num(f, p->w2[j]);
	fprintf(f, "\nbias\n");
	put_num(f, p->b2);
	fputc('\n', f);
	return ferror(f) ? -1 : 0;
}

int hn_tr_from_fmodel(const struct hn_fmodel *fm, struct hn_tr_params *p,
		      char *err, size_t errlen)
{
	const struct hn_fmodel_layer *l0 = &fm->layers[0], *l1 = &fm->layers[1];
	int j;

	if (fm->kind != HN_MODEL_ROUTE || fm->n_layers != 2 ||
	    l0->n_in != HN_RT_NFEAT || l0->n_out != HN_RT_HIDDEN || !l0->relu ||
	    l1->n_out != 1 || l1->relu || fm->in_scale != 1.0 / 128)
		return hn_seterr(
			err, errlen,
			"not a 9-8-1 route model with input_scale 2^-7");
	memcpy(p->w1, l0->w, sizeof(p->w1));
	memcpy(p->b1, l0->b, sizeof(p->b1));
	for (j = 0; j < HN_RT_HIDDEN; j++)
		p->w2[j] = l1->w[j];
	p->b2 = l1->b[0];
	return 0;
}

int hn_tr_fmodel(const struct hn_tr_params *p, struct hn_fmodel *fm, char *err,
		 size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int ret;

	if (!f)
		return hn_seterr(err, errlen, "out of memory");
	hn_tr_write_text(p, f, NULL);
	if (fclose(f)) {
		free(text);
		return hn_seterr(err, errlen, "out of memory");
	}
	ret = hn_fmodel_parse(text, len, fm, err, errlen);
	free(text);
	return ret;
}

int hn_tr_quantize(const struct hn_tr_params *p, struct hn_rt_model *rt,
		   struct hn_model *m, char *err, size_t errlen)
{
	struct hn_quant_opts qo = { .generation = 1 };
	struct hn_fmodel fm;
	struct hn_model qm;
	int ret;

	memset(&fm, 0, sizeof(fm));
	if (hn_tr_fmodel(p, &fm, err, errlen))
		return -1;
	ret = hn_quantize(&fm, &qo, &qm, NULL, err, errlen);
	hn_fmodel_free(&fm);
	if (ret)
		return -1;
	ret = hn_model_to_rt(&qm, rt, err, errlen);
	if (!ret && m)
		*m = qm;
	else
		hn_model_free(&qm);
	return ret;
}

int hn_tr_read_text(const char *path, struct hn_tr_params *p, char *err,
		    size_t errlen)
{
	struct hn_fmodel fm;
	int ret;

	memset(&fm, 0, sizeof(fm));
	if (hn_fmodel_read_file(path, &fm, err, errlen))
		return -1;
	ret = hn_tr_from_fmodel(&fm, p, err, errlen);
	hn_fmodel_free(&fm);
	return ret;
}

int hn_tr_load_rt(const char *path, struct hn_rt_model *rt, char *err,
		  size_t errlen)
{
	size_t n = strlen(path);
	struct hn_tr_params p;
	struct hn_model m;
	int ret;

	if (n > 4 && !strcmp(path + n - 4, ".hnm")) {
		if (hn_model_read_file(path, &m, err, errlen))
			return -1;
		ret = hn_model_to_rt(&m, rt, err, errlen);
		hn_model_free(&m);
		return ret;
	}
	return hn_tr_read_text(path, &p, err, errlen) ?
		       -1 :
		       hn_tr_quantize(&p, rt, NULL, err, errlen);
}

double hn_tr_float_score(const struct hn_tr_params *p,
			 const __u8 x[HN_RT_NFEAT])
{
	double s = p->b2;
	int j, i;

	for (j = 0; j < HN_RT_HIDDEN; j++) {
		double h = p->b1[j];

		for (i = 0; i < HN_RT_NFEAT; i++)
			h += p->w1[j][i] * x[i] / 128.0;
		s += p->w2[j] * (h > 0 ? h : 0);
	}
	return s;
}

int hn_tr_float_argmax(const struct hn_tr_params *p, unsigned int n,
		       const __u8 x[][HN_RT_NFEAT], double *best)
{
	unsigned int i;
	int pick = 0;

	*best = -1e300;
	for (i = 0; i < n; i++) {
		double f = hn_tr_float_score(p, x[i]);

		if (f > *best) {
			*best = f;
			pick = i;
		}
	}
	return pick;
}
