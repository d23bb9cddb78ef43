// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Float models and the quantiser.  Every scale is a power of two, so the
 * engine requantises with a plain rounding shift: for each layer
 * in_scale * w_scale / out_scale = 2^-shift exactly.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hypernet/engine.h>
#include "quant.h"

#define FMODEL_MAGIC "hnmodel-float"
#define FMODEL_VERSION 1
/* Larger magnitudes are typos, not models. */
#define FMODEL_ABS_MAX 1e9
#define TEXT_MAX (64u << 20)

/* ---- tokenizer ---------------------------------------------------------- */

struct tok {
	const char *p, *end;
	unsigned int line; /* line of the last token returned */
	char s[64];
	char *err;
	size_t errlen;
};

/* An error on the line of the last token: "line N: " and the message. */
static int tok_err(const struct tok *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int tok_err(const struct tok *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!t->err || !t->errlen)
		return -1;
	n = snprintf(t->err, t->errlen, "line %u: ", t->line);
	if (n > 0 && (size_t)n < t->errlen) {
		va_start(ap, fmt);
		vsnprintf(t->err + n, t->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Next whitespace-separated token; 0 at end of input, -1 on error. */
static int next(struct tok *t)
{
	const char *start;
	size_t n;
	unsigned int line = t->line;

	while (t->p < t->end) {
		/* strchr() would match the terminator: catch NUL first. */
		if (*t->p == '\0') {
			t->line = line;
			return tok_err(t, "NUL byte in text");
		}
		if (*t->p == '\n') {
			line++;
		} else if (*t->p == '#') {
			while (t->p < t->end && *t->p != '\n')
				t->p++;
			continue;
		} else if (!strchr(" \t\r\f\v", *t->p)) {
			break;
		}
		t->p++;
	}
	t->line = line;
	if (t->p >= t->end)
		return 0;
	start = t->p;
	while (t->p < t->end && *t->p && !strchr(" \t\r\n\f\v#", *t->p))
		t->p++;
	n = t->p - start;
	if (n >= sizeof(t->s))
		return tok_err(t, "token too long (%zu characters)", n);
	memcpy(t->s, start, n);
	t->s[n] = '\0';
	return 1;
}

/* A token that must be there; @what says what was expected. */
static int expect(struct tok *t, const char *what)
{
	int r = next(t);

	if (r == 0)
		return tok_err(t, "unexpected end of file, expected %s", what);
	return r < 0 ? -1 : 0;
}

static int expect_word(struct tok *t, const char *word)
{
	char what[48];

	snprintf(what, sizeof(what), "'%s'", word);
	if (expect(t, what))
		return -1;
	if (strcmp(t->s, word))
		return tok_err(t, "expected '%s', got '%s'", word, t->s);
	return 0;
}

static int expect_num(struct tok *t, const char *what, double *v)
{
	char *e;

	if (expect(t, what))
		return -1;
	errno = 0;
	*v = strtod(t->s, &e);
	if (*e || e == t->s || errno == ERANGE)
		return tok_err(t, "%s: '%s' is not a number", what, t->s);
	if (!isfinite(*v) || fabs(*v) > FMODEL_ABS_MAX)
		return tok_err(t, "%s: %s is out of range (|x| <= %g)", what,
			       t->s, FMODEL_ABS_MAX);
	return 0;
}

static int expect_uint(struct tok *t, const char *what, unsigned int lo,
		       unsigned int hi, unsigned int *v)
{
	unsigned long x;
	char *e;

	if (expect(t, what))
		return -1;
	errno = 0;
	x = strtoul(t->s, &e, 10);
	if (*e || e == t->s || t->s[0] == '-' || errno)
		return tok_err(t, "%s: '%s' is not an unsigned integer", what,
			       t->s);
	if (x < lo || x > hi)
		return tok_err(t, "%s %lu out of range (%u..%u)", what, x, lo,
			       hi);
	*v = x;
	return 0;
}

/* ---- float model -------------------------------------------------------- */

void hn_fmodel_free(struct hn_fmodel *fm)
{
	unsigned int i;

	if (!fm)
		return;
	for (i = 0; i < HN_MODEL_MAX_LAYERS; i++) {
		free(fm->layers[i].w);
		free(fm->layers[i].b);
	}
	memset(fm, 0, sizeof(*fm));
}

/* "layer N_IN N_OUT": a dense op. */
static int parse_dense_geom(struct tok *t, struct hn_op *op)
{
	unsigned int n_in, n_out;

	if (expect_uint(t, "layer input size", 1, HN_MODEL_ACT_MAX, &n_in) ||
	    expect_uint(t, "layer output size", 1, HN_MODEL_ACT_MAX, &n_out))
		return -1;
	op->kind = HNET_OP_DENSE;
	op->in_c = n_in;
	op->in_h = op->in_w = 1;
	op->out_c = n_out;
	return 0;
}

/* "conv IN_C IN_H IN_W OUT_C K STRIDE PAD" or "maxpool C H W K STRIDE". */
static int parse_window_geom(struct tok *t, struct hn_op *op, int conv)
{
	static const char *const what[] = { "channels",	   "rows",
					    "columns",	   "output channels",
					    "kernel size", "stride",
					    "padding" };
	unsigned int v[7] = { 0 }, i, n = conv ? 7 : 5;

	for (i = 0; i < n; i++) {
		unsigned int f = !conv && i >= 3 ? i + 1 : i;
		unsigned int lo = f == 6 ? 0 : 1;
		unsigned int hi = f >= 4 ? UINT8_MAX : UINT16_MAX;

		if (expect_uint(t, what[f], lo, hi, &v[f]))
			return -1;
	}
	op->kind = conv ? HNET_OP_CONV2D : HNET_OP_MAXPOOL;
	op->in_c = v[0];
	op->in_h = v[1];
	op->in_w = v[2];
	op->out_c = conv ? v[3] : v[0];
	op->k = v[4];
	op->stride = v[5];
	op->pad = v[6];
	return 0;
}

/* The activation word of a dense or conv layer. */
static int parse_act(struct tok *t, struct hn_fmodel_layer *l)
{
	if (expect(t, "activation (relu or linear)"))
		return -1;
	if (!strcmp(t->s, "relu"))
		l->relu = 1;
	else if (strcmp(t->s, "linear"))
		return tok_err(t, "unknown activation '%s' (relu or linear)",
			       t->s);
	l->op.relu = l->relu;
	return 0;
}

/* The op as the engine would take it, and the chain of lengths. */
static int check_fop(struct tok *t, struct hn_fmodel *fm, unsigned int li)
{
	struct hn_fmodel_layer *l = &fm->layers[li];
	char what[80];
	int e = hn_op_check(&l->op);

	hn_model_op_str(&l->op, what, sizeof(what));
	if (e)
		return tok_err(t, "layer %u: %s (%s)", li, hn_op_strerror(e),
			       what);
	l->n_in = hn_op_in_len(&l->op);
	l->n_out = hn_op_out_len(&l->op);
	if (li && l->n_in != fm->layers[li - 1].n_out)
		return tok_err(t,
			       "layer %u takes %u inputs but layer %u gives %u",
			       li, l->n_in, li - 1, fm->layers[li - 1].n_out);
	return 0;
}

/* "weights" and "bias" blocks of @l's sizes. */
static int parse_params(struct tok *t, struct hn_fmodel_layer *l,
			unsigned int li)
{
	size_t i, n = hn_op_n_weights(&l->op), nb = hn_op_n_biases(&l->op);
	char what[128];

	if (expect_word(t, "weights"))
		return -1;
	for (i = 0; i < n; i++) {
		if (l->op.kind == HNET_OP_DENSE)
			snprintf(what, sizeof(what),
				 "layer %u weight [%zu][%zu] (%zu of %zu)", li,
				 i / l->n_in, i % l->n_in, i + 1, n);
		else
			snprintf(what, sizeof(what),
				 "layer %u weight %zu of %zu", li, i + 1, n);
		if (expect_num(t, what, &l->w[i]))
			return -1;
	}
	if (expect(t, "'bias'"))
		return -1;
	if (strcmp(t->s, "bias"))
		return tok_err(
			t,
			"layer %u: expected 'bias' after %zu weights, got '%s' (too many weights?)",
			li, n, t->s);
	for (i = 0; i < nb; i++) {
		snprintf(what, sizeof(what), "layer %u bias %zu of %zu", li,
			 i + 1, nb);
		if (expect_num(t, what, &l->b[i]))
			return -1;
	}
	return 0;
}

/* After the keyword @kw: "layer", "conv" or "maxpool". */
static int parse_layer(struct tok *t, struct hn_fmodel *fm, const char *kw)
{
	struct hn_fmodel_layer *l;
	unsigned int li = fm->n_layers;
	int r;

	if (li == HN_MODEL_MAX_LAYERS)
		return tok_err(t, "too many layers (max %u)",
			       HN_MODEL_MAX_LAYERS);
	l = &fm->layers[li];
	if (!strcmp(kw, "layer"))
		r = parse_dense_geom(t, &l->op);
	else
		r = parse_window_geom(t, &l->op, !strcmp(kw, "conv"));
	if (r || (l->op.kind != HNET_OP_MAXPOOL && parse_act(t, l)) ||
	    check_fop(t, fm, li))
		return -1;
	l->w = calloc((size_t)hn_op_n_weights(&l->op) + 1, sizeof(*l->w));
	l->b = calloc((size_t)hn_op_n_biases(&l->op) + 1, sizeof(*l->b));
	fm->n_layers++; /* now owned by fm, freed with it */
	if (!l->w || !l->b)
		return hn_seterr(t->err, t->errlen, "out of memory");
	if (l->op.kind == HNET_OP_MAXPOOL)
		return 0;
	return parse_params(t, l, li);
}

static int is_pow2(double x)
{
	int e;

	return x > 0 && frexp(x, &e) == 0.5;
}

/* What the whole text must have given, once it is read. */
static int check_fmodel_end(struct tok *t, struct hn_fmodel *fm, int have_range)
{
	if (!fm->kind)
		return hn_seterr(t->err, t->errlen, "no 'kind' line");
	if (!fm->in_scale)
		return hn_seterr(t->err, t->errlen, "no 'input_scale' line");
	if (!fm->n_layers)
		return hn_seterr(t->err, t->errlen, "no layers");
	if (fm->layers[0].n_in > HN_MODEL_MAX_DIM ||
	    fm->layers[fm->n_layers - 1].n_out > HN_MODEL_MAX_DIM)
		return hn_seterr(
			t->err, t->errlen,
			"model input %u or output %u larger than a tensor (max %u)",
			fm->layers[0].n_in, fm->layers[fm->n_layers - 1].n_out,
			HN_MODEL_MAX_DIM);
	if (fm->kind == HN_MODEL_ROUTE &&
	    (fm->n_layers != 2 || fm->layers[0].op.kind != HNET_OP_DENSE ||
	     fm->layers[1].op.kind != HNET_OP_DENSE ||
	     fm->layers[0].n_in != HN_RT_NFEAT ||
	     fm->layers[0].n_out != HN_RT_HIDDEN || !fm->layers[0].relu ||
	     fm->layers[1].n_out != 1 || fm->layers[1].relu))
		return hn_seterr(
			t->err, t->errlen,
			"route model must be 'layer %u %u relu' then 'layer %u 1 linear'",
			HN_RT_NFEAT, HN_RT_HIDDEN, HN_RT_HIDDEN);
	if (!have_range) {
		/* Route features are never negative (route.h). */
		fm->in_lo = (fm->kind == HN_MODEL_ROUTE ? 0 : HN_S8_MIN) *
			    fm->in_scale;
		fm->in_hi = HN_S8_MAX * fm->in_scale;
	}
	return 0;
}

static int parse_fmodel(struct tok *t, struct hn_fmodel *fm)
{
	int have_range = 0, r;
	unsigned int v;
	char kw[8];
	double x;

	if (expect_word(t, FMODEL_MAGIC) ||
	    expect_uint(t, "format version", 0, ~0u, &v))
		return -1;
	if (v != FMODEL_VERSION)
		return tok_err(
			t, "unsupported float model version %u (expected %u)",
			v, FMODEL_VERSION);
	while ((r = next(t)) > 0) {
		if (!strcmp(t->s, "kind")) {
			if (expect(t, "model kind (route or stage)"))
				return -1;
			if (!strcmp(t->s, "route")) {
				fm->kind = HN_MODEL_ROUTE;
			} else if (!strcmp(t->s, "stage")) {
				fm->kind = HN_MODEL_STAGE;
				if (expect_uint(t, "stage id", 0, 255,
						&fm->stage))
					return -1;
			} else {
				return tok_err(
					t,
					"unknown model kind '%s' (route or stage)",
					t->s);
			}
		} else if (!strcmp(t->s, "input_scale")) {
			if (expect_num(t, "input_scale", &x))
				return -1;
			if (!is_pow2(x) || x < ldexp(1, HN_MODEL_EXP_MIN) ||
			    x > ldexp(1, HN_MODEL_EXP_MAX))
				return tok_err(
					t,
					"input_scale %s must be a power of two (e.g. %g), 2^%d..2^%d",
					t->s,
					x > 0 ? exp2(round(log2(x))) :
						1.0 / 128,
					HN_MODEL_EXP_MIN, HN_MODEL_EXP_MAX);
			fm->in_scale = x;
		} else if (!strcmp(t->s, "input_range")) {
			if (expect_num(t, "input_range low", &fm->in_lo) ||
			    expect_num(t, "input_range high", &fm->in_hi))
				return -1;
			if (fm->in_lo > fm->in_hi)
				return tok_err(
					t, "input_range low %g above high %g",
					fm->in_lo, fm->in_hi);
			have_range = 1;
		} else if (!strcmp(t->s, "layer") || !strcmp(t->s, "conv") ||
			   !strcmp(t->s, "maxpool")) {
			if (!fm->kind || !fm->in_scale)
				return tok_err(
					t,
					"'kind' and 'input_scale' must come before the first layer");
			strcpy(kw, t->s);
			if (parse_layer(t, fm, kw))
				return -1;
		} else {
			return tok_err(
				t,
				"unknown keyword '%s' (kind, input_scale, input_range, layer, conv, maxpool)",
				t->s);
		}
	}
	if (r < 0)
		return -1;
	return check_fmodel_end(t, fm, have_range);
}

int hn_fmodel_parse(const char *text, size_t len, struct hn_fmodel *fm,
		    char *err, size_t errlen)
{
	struct tok t = { .p = text,
			 .end = text + len,
			 .line = 1,
			 .err = err,
			 .errlen = errlen };

	memset(fm, 0, sizeof(*fm));
	if (parse_fmodel(&t, fm)) {
		hn_fmodel_free(fm);
		return -1;
	}
	return 0;
}

static int read_text(const char *path, char **text, size_t *len, char *err,
		     size_t errlen)
{
	size_t cap = 4096, n = 0, got;
	FILE *f = fopen(path, "r");
	char *buf = NULL, *nb;

	if (!f)
		return hn_seterr(err, errlen, "%s: %s", path, strerror(errno));
	for (;;) {
		if (n == cap || !buf) {
			if (buf)
				cap *= 2;
			if (cap > TEXT_MAX) {
				free(buf);
				fclose(f);
				return hn_seterr(err, errlen,
						 "%s: larger than %u MiB", path,
						 TEXT_MAX >> 20);
			}
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return hn_seterr(err, errlen,
						 "%s: out of memory", path);
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return hn_seterr(err, errlen, "%s: read error", path);
	}
	fclose(f);
	*text = buf;
	*len = n;
	return 0;
}

int hn_fmodel_read_file(const char *path, struct hn_fmodel *fm, char *err,
			size_t errlen)
{
	char msg[256], *text;
	size_t len;
	int ret;

	memset(fm, 0, sizeof(*fm));
	if (read_text(path, &text, &len, err, errlen))
		return -1;
	ret = hn_fmodel_parse(text, len, fm, msg, sizeof(msg));
	if (ret)
		hn_seterr(err, errlen, "%s: %s", path, msg);
	free(text);
	return ret;
}

/*
 * Layer @l's op: the one the text gave, or, for a layer built in code
 * with n_in and n_out only (op.in_c 0), a dense n_in -> n_out.
 */
static struct hn_op fop(const struct hn_fmodel_layer *l)
{
	struct hn_op op = l->op;

	if (!op.in_c) {
		memset(&op, 0, sizeof(op));
		op.kind = HNET_OP_DENSE;
		op.in_c = l->n_in;
		op.in_h = op.in_w = 1;
		op.out_c = l->n_out;
	}
	op.relu = !!l->relu;
	return op;
}

static void fdense(const struct hn_fmodel_layer *l, const double *x, double *y)
{
	unsigned int o, k;

	for (o = 0; o < l->n_out; o++) {
		const double *w = l->w + (size_t)o * l->n_in;
		double acc = l->b[o];

		for (k = 0; k < l->n_in; k++)
			acc += w[k] * x[k];
		y[o] = l->relu && acc < 0 ? 0 : acc;
	}
}

/* x[ch][r][c], 0 outside the input (convolution padding). */
static double fat(const struct hn_op *op, const double *x, unsigned int ch,
		  int r, int c)
{
	if (r < 0 || c < 0 || r >= op->in_h || c >= op->in_w)
		return 0;
	return x[((size_t)ch * op->in_h + r) * op->in_w + c];
}

/* One output of a convolution at window origin (r0, c0), bias included. */
static double fconv_point(const struct hn_fmodel_layer *l,
			  const struct hn_op *op, unsigned int o,
			  const double *x, int r0, int c0)
{
	const double *w = l->w + (size_t)o * hn_op_fan_in(op);
	double acc = l->b[o];
	unsigned int ch, u, v;

	for (ch = 0; ch < op->in_c; ch++)
		for (u = 0; u < op->k; u++)
			for (v = 0; v < op->k; v++)
				acc += *w++ *
				       fat(op, x, ch, r0 + (int)u, c0 + (int)v);
	return acc;
}

static void fconv(const struct hn_fmodel_layer *l, const struct hn_op *op,
		  const double *x, double *y)
{
	unsigned int oh = hn_op_out_h(op), ow = hn_op_out_w(op), o, r, c;
	double acc;

	for (o = 0; o < op->out_c; o++)
		for (r = 0; r < oh; r++)
			for (c = 0; c < ow; c++) {
				acc = fconv_point(
					l, op, o, x,
					(int)(r * op->stride) - op->pad,
					(int)(c * op->stride) - op->pad);
				*y++ = l->relu && acc < 0 ? 0 : acc;
			}
}

static void fmaxpool(const struct hn_op *op, const double *x, double *y)
{
	unsigned int oh = hn_op_out_h(op), ow = hn_op_out_w(op);
	unsigned int ch, r, c, u, v;
	double m;

	for (ch = 0; ch < op->in_c; ch++)
		for (r = 0; r < oh; r++)
			for (c = 0; c < ow; c++) {
				m = -HUGE_VAL;
				for (u = 0; u < op->k; u++)
					for (v = 0; v < op->k; v++)
						m = fmax(m,
							 fat(op, x, ch,
							     r * op->stride + u,
							     c * op->stride +
								     v));
				*y++ = m;
			}
}

/*
 * Run the float model on @in; @out gets the last layer's outputs.  With
 * @amax, amax[i] grows to the largest |output| of layer i.
 */
static void finfer(const struct hn_fmodel *fm, const double *in, double *out,
		   double *amax)
{
	static __thread double buf[2][HN_MODEL_ACT_MAX];
	const double *x = in;
	unsigned int i, o;

	for (i = 0; i < fm->n_layers; i++) {
		const struct hn_fmodel_layer *l = &fm->layers[i];
		double *y = i + 1 == fm->n_layers && out ? out : buf[i & 1];
		struct hn_op op = fop(l);

		if (op.kind == HNET_OP_CONV2D)
			fconv(l, &op, x, y);
		else if (op.kind == HNET_OP_MAXPOOL)
			fmaxpool(&op, x, y);
		else
			fdense(l, x, y);
		for (o = 0; amax && o < l->n_out; o++)
			amax[i] = fmax(amax[i], fabs(y[o]));
		x = y;
	}
}

void hn_fmodel_infer(const struct hn_fmodel *fm, const double *in, double *out)
{
	finfer(fm, in, out, NULL);
}

/* ---- calibration -------------------------------------------------------- */

/* One line of @text: @n_in numbers into @out; returns values found. */
static int calib_line(char *line, unsigned int lno, unsigned int n_in,
		      double *out, char *err, size_t errlen)
{
	char *save = NULL, *tk, *e;
	unsigned int n = 0;
	double v;

	for (tk = strtok_r(line, " \t\r,", &save); tk;
	     tk = strtok_r(NULL, " \t\r,", &save)) {
		errno = 0;
		v = strtod(tk, &e);
		if (*e || e == tk || errno == ERANGE || !isfinite(v) ||
		    fabs(v) > FMODEL_ABS_MAX)
			return hn_seterr(
				err, errlen,
				"line %u: value %u: '%s' is not a finite number",
				lno, n + 1, tk);
		if (n == n_in)
			return hn_seterr(
				err, errlen,
				"line %u: more than %u values (the model takes %u inputs)",
				lno, n_in, n_in);
		out[n++] = v;
	}
	if (n && n != n_in)
		return hn_seterr(
			err, errlen,
			"line %u: %u values, the model takes %u inputs", lno, n,
			n_in);
	return n;
}

int hn_calib_read_file(const char *path, unsigned int n_in, double **samples,
		       size_t *n_samples, char *err, size_t errlen)
{
	char msg[256], *text, *line, *nl, *hash;
	size_t len, n = 0, cap = 0;
	double *s = NULL, *ns;
	unsigned int lno = 0;
	int r = 0;

	if (read_text(path, &text, &len, err, errlen))
		return -1;
	if (memchr(text, '\0', len)) {
		free(text);
		return hn_seterr(err, errlen, "%s: NUL byte in text", path);
	}
	/* read_text leaves room: the buffer is never full at EOF. */
	text[len] = '\0';
	for (line = text; line && *line; line = nl) {
		lno++;
		nl = strchr(line, '\n');
		if (nl)
			*nl++ = '\0';
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		if (n == cap) {
			if (n == HN_CALIB_MAX_N) {
				r = hn_seterr(msg, sizeof(msg),
					      "more than %u samples",
					      HN_CALIB_MAX_N);
				break;
			}
			cap = cap ? cap * 2 : 64;
			if (cap > HN_CALIB_MAX_N)
				cap = HN_CALIB_MAX_N;
			ns = realloc(s, cap * n_in * sizeof(*s));
			if (!ns) {
				r = hn_seterr(msg, sizeof(msg),
					      "out of memory");
				break;
			}
			s = ns;
		}
		r = calib_line(line, lno, n_in, s + n * n_in, msg, sizeof(msg));
		if (r < 0)
			break;
		n += r > 0;
		r = 0;
	}
	free(text);
	if (!r && !n)
		r = hn_seterr(msg, sizeof(msg), "no samples");
	if (r) {
		free(s);
		return hn_seterr(err, errlen, "%s: %s", path, msg);
	}
	*samples = s;
	*n_samples = n;
	return 0;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

int hn_calib_default(const struct hn_fmodel *fm, double **samples,
		     size_t *n_samples)
{
	unsigned int n_in = fm->layers[0].n_in;
	size_t n = HN_CALIB_DEFAULT_N, i;
	uint64_t seed = 0x484e4d4443414c31ULL; /* "HNMDCAL1" */
	double *s = malloc(n * n_in * sizeof(*s)), u;

	if (!s)
		return -1;
	for (i = 0; i < n * n_in; i++) {
		u = (double)(xorshift(&seed) >> 11) * 0x1p-53;
		s[i] = fm->in_lo + u * (fm->in_hi - fm->in_lo);
	}
	*samples = s;
	*n_samples = n;
	return 0;
}

/* ---- quantiser ---------------------------------------------------------- */

int8_t hn_quant_s8(double x, int exp)
{
	double v = round(ldexp(x, -exp));

	if (v > HN_S8_MAX)
		return HN_S8_MAX;
	if (v < HN_S8_MIN)
		return HN_S8_MIN;
	return (int8_t)v;
}

/* Smallest exponent e with |x| / 2^e <= 127 after rounding. */
static int exp_for(double absmax)
{
	int e;

	for (e = HN_MODEL_EXP_MIN; e < HN_MODEL_EXP_MAX; e++)
		if (round(ldexp(absmax, -e)) <= HN_S8_MAX)
			break;
	return e;
}

/* The weight exponent: max |w|, then coarser until the biases fit. */
static int weight_exp(const struct hn_fmodel_layer *fl, const struct hn_op *op,
		      int in_exp, int *w_exp)
{
	size_t n = hn_op_n_weights(op), nb = hn_op_n_biases(op), i;
	double wmax = 0, bq;
	int64_t bmax;
	int e;

	for (i = 0; i < n; i++)
		wmax = fmax(wmax, fabs(fl->w[i]));
	e = wmax > 0 ? exp_for(wmax) : -7;
	/* Coarser weights until the biases fit the accumulator. */
	for (;; e++) {
		if (e > HN_MODEL_EXP_MAX)
			return -1;
		bmax = 0;
		for (i = 0; i < nb; i++) {
			bq = fabs(round(ldexp(fl->b[i], -(in_exp + e))));
			if (bq > (double)HN_BIAS_MAX * 2) {
				bmax = INT64_MAX / 2;
				break;
			}
			if ((int64_t)bq > bmax)
				bmax = (int64_t)bq;
		}
		if (hn_layer_fits(hn_op_fan_in(op), bmax))
			break;
	}
	*w_exp = e;
	return 0;
}

/*
 * Layer @li of @fm into @m, its input at 2^@in_exp; @amax is the largest
 * |output| of the float layer over the calibration samples.  Pooling has
 * no weights and keeps its input's scale: the maximum of values at one
 * scale is one of them.
 */
static int quant_layer(const struct hn_fmodel *fm, unsigned int li, double amax,
		       int in_exp, struct hn_model *m, char *err, size_t errlen)
{
	const struct hn_fmodel_layer *fl = &fm->layers[li];
	struct hn_model_layer *l = &m->layers[li];
	struct hn_op op = fop(fl);
	size_t i;
	int w_exp = 0, out_exp, shift;

	if (op.kind != HNET_OP_MAXPOOL && weight_exp(fl, &op, in_exp, &w_exp))
		return hn_seterr(
			err, errlen,
			"layer %u: biases too large for any weight scale", li);
	l->op = op;
	l->flags = fl->relu ? HN_LF_RELU : 0;
	if (op.kind == HNET_OP_MAXPOOL) {
		out_exp = in_exp;
	} else if (fm->kind == HN_MODEL_ROUTE && li == fm->n_layers - 1) {
		/* The route score is the raw accumulator. */
		l->flags = HN_LF_RAW;
		out_exp = in_exp + w_exp;
	} else {
		/* out = acc >> shift: out_exp = in_exp + w_exp + shift. */
		out_exp = amax > 0 ? exp_for(amax) : in_exp + w_exp;
		shift = out_exp - (in_exp + w_exp);
		if (shift < 0) /* finer than the accumulator is pointless */
			out_exp = in_exp + w_exp;
		else if (shift > HN_SHIFT_MAX) /* saturates, as calibrated */
			out_exp = in_exp + w_exp + HN_SHIFT_MAX;
	}
	if (w_exp < HN_MODEL_EXP_MIN || w_exp > HN_MODEL_EXP_MAX ||
	    out_exp < HN_MODEL_EXP_MIN || out_exp > HN_MODEL_EXP_MAX)
		return hn_seterr(
			err, errlen,
			"layer %u: scales out of range (weights 2^%d, output 2^%d)",
			li, w_exp, out_exp);
	l->w_exp = w_exp;
	l->out_exp = out_exp;
	l->shift = out_exp - (in_exp + w_exp);
	if (hn_model_alloc_layer(m, li))
		return hn_seterr(err, errlen, "out of memory");
	for (i = 0; i < hn_op_n_weights(&op); i++)
		l->w[i] = hn_quant_s8(fl->w[i], w_exp);
	for (i = 0; i < hn_op_n_biases(&op); i++)
		l->b[i] = (int32_t)round(ldexp(fl->b[i], -(in_exp + w_exp)));
	return 0;
}

void hn_quant_measure(const struct hn_fmodel *fm, const struct hn_model *m,
		      const double *samples, size_t n,
		      struct hn_quant_report *rep)
{
	const struct hn_model_layer *last = &m->layers[m->n_layers - 1];
	unsigned int n_in = hn_model_n_in(m), n_out = hn_model_n_out(m), k;
	double xf[HN_MODEL_MAX_DIM], yf[HN_MODEL_MAX_DIM], lsb, yq, e;
	int8_t xq[HN_MODEL_MAX_DIM], yq8[HN_MODEL_MAX_DIM];
	int32_t logits[HN_MODEL_MAX_DIM];
	double sum = 0;
	size_t i;

	lsb = ldexp(1, last->out_exp);
	rep->n_samples = n;
	rep->n_out = n_out;
	rep->out_lsb = lsb;
	rep->max_err = rep->mean_err = rep->out_absmax = 0;
	for (i = 0; i < n; i++) {
		for (k = 0; k < n_in; k++) {
			xq[k] = hn_quant_s8(samples[i * n_in + k], m->in_exp);
			xf[k] = ldexp(xq[k], m->in_exp);
		}
		hn_fmodel_infer(fm, xf, yf);
		hn_model_infer(m, xq, yq8, logits);
		for (k = 0; k < n_out; k++) {
			yq = (last->flags & HN_LF_RAW) ? logits[k] : yq8[k];
			e = fabs(yq * lsb - yf[k]);
			rep->max_err = fmax(rep->max_err, e);
			rep->out_absmax = fmax(rep->out_absmax, fabs(yf[k]));
			sum += e;
		}
	}
	rep->mean_err = n ? sum / ((double)n * n_out) : 0;
	rep->max_err_lsb = rep->max_err / lsb;
	rep->mean_err_lsb = rep->mean_err / lsb;
}

int hn_quantize(const struct hn_fmodel *fm, const struct hn_quant_opts *o,
		struct hn_model *m, struct hn_quant_report *rep, char *err,
		size_t errlen)
{
	double *samples = NULL, amax[HN_MODEL_MAX_LAYERS] = { 0 };
	struct hn_quant_opts def = { 0 };
	size_t k;
	const double *calib;
	size_t n_calib;
	unsigned int i;
	int in_exp;

	memset(m, 0, sizeof(*m));
	if (!o)
		o = &def;
	if (!fm->n_layers || !is_pow2(fm->in_scale))
		return hn_seterr(
			err, errlen,
			"float model has no layers or no power-of-two input scale");
	frexp(fm->in_scale, &in_exp);
	in_exp--; /* frexp gives 0.5 * 2^e */
	calib = o->calib;
	n_calib = o->n_calib;
	if (!calib || !n_calib) {
		if (hn_calib_default(fm, &samples, &n_calib))
			return hn_seterr(err, errlen, "out of memory");
		calib = samples;
	}
	m->kind = fm->kind;
	m->stage = fm->kind == HN_MODEL_STAGE ? fm->stage : 0;
	m->n_layers = fm->n_layers;
	m->in_exp = in_exp;
	m->generation = o->generation;
	m->expiry = o->expiry;
	for (k = 0; k < n_calib; k++)
		finfer(fm, calib + k * fm->layers[0].n_in, NULL, amax);
	for (i = 0; i < fm->n_layers; i++) {
		if (quant_layer(fm, i, amax[i], in_exp, m, err, errlen))
			goto fail;
		in_exp = m->layers[i].out_exp;
	}
	if (hn_model_check(m, err, errlen))
		goto fail;
	if (rep) {
		hn_quant_measure(fm, m, calib, n_calib, rep);
		rep->calibrated = calib != samples;
	}
	free(samples);
	return 0;
fail:
	free(samples);
	hn_model_free(m);
	return -1;
}
