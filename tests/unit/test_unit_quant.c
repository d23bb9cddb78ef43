// SPDX-License-Identifier: GPL-2.0
/*
 * Float models, calibration and the quantiser: parse errors, power-of-two
 * scales, error bounds against float inference, the default route model.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <unistd.h>
#include <cmocka.h>

#include "helpers_hn.h"
#include "model.h"
#include "quant.h"

/* ---- random float models ------------------------------------------------ */

/* Dense layers of 4..63 units, weights ~U(+-sqrt(3/n_in)), inputs [-1, 1). */
static void rand_fmodel(struct hn_fmodel *fm, unsigned int n_layers)
{
	unsigned int d[HN_MODEL_MAX_LAYERS + 1], l, k;

	memset(fm, 0, sizeof(*fm));
	fm->kind = HN_MODEL_STAGE;
	fm->in_scale = 1.0 / 128;
	fm->in_lo = -1;
	fm->in_hi = 127.0 / 128;
	fm->n_layers = n_layers;
	for (l = 0; l <= n_layers; l++)
		d[l] = hn_t_range(4, 63);
	for (l = 0; l < n_layers; l++) {
		struct hn_fmodel_layer *L = &fm->layers[l];

		L->n_in = d[l];
		L->n_out = d[l + 1];
		L->relu = l + 1 < n_layers;
		L->w = malloc(sizeof(double) * d[l] * d[l + 1]);
		L->b = malloc(sizeof(double) * d[l + 1]);
		for (k = 0; k < d[l] * d[l + 1]; k++)
			L->w[k] = (2 * hn_t_unit() - 1) * sqrt(3.0 / d[l]);
		for (k = 0; k < d[l + 1]; k++)
			L->b[k] = (2 * hn_t_unit() - 1) * 0.1;
	}
}

/*
 * Quantisation error in output steps (LSB) over 100 random models each,
 * default calibration (1024 samples).  Measured worst cases: 1 layer max
 * 1.35 / mean 0.31, 2 layers 3.0 / 0.47, 3 layers 3.7 / 0.70; the bounds
 * leave headroom for other seeds.  One output step of rounding (0.5) is
 * unavoidable; the rest is int8 weight rounding accumulated over layers.
 */
static const struct {
	unsigned int layers;
	double max_lsb, mean_lsb;
} bounds[] = {
	{ 1, 2.0, 0.5 },
	{ 2, 4.5, 0.75 },
	{ 3, 6.0, 1.0 },
};

static void test_error_bounds(void **state)
{
	struct hn_quant_report r;
	struct hn_fmodel fm;
	struct hn_model m;
	char err[256] = "";
	unsigned int b, it, l;

	for (b = 0; b < 3; b++) {
		double worst = 0, worst_mean = 0;

		for (it = 0; it < 100; it++) {
			rand_fmodel(&fm, bounds[b].layers);
			if (hn_quantize(&fm, NULL, &m, &r, err, sizeof(err)))
				fail_msg("quantize: %s", err);
			assert_int_equal(hn_model_check(&m, err, sizeof(err)),
					 0);
			/* Power-of-two scales, shift exactly the ratio. */
			for (l = 0; l < m.n_layers; l++) {
				const struct hn_model_layer *ql = &m.layers[l];
				int in = l ? m.layers[l - 1].out_exp : m.in_exp;

				assert_int_equal(ql->shift,
						 ql->out_exp - in - ql->w_exp);
			}
			assert_int_equal(r.n_samples, HN_CALIB_DEFAULT_N);
			worst = fmax(worst, r.max_err_lsb);
			worst_mean = fmax(worst_mean, r.mean_err_lsb);
			hn_model_free(&m);
			hn_fmodel_free(&fm);
		}
		print_message(
			"%u layer(s): worst max error %.3f LSB (bound %.1f), worst mean %.3f LSB (bound %.2f)\n",
			bounds[b].layers, worst, bounds[b].max_lsb, worst_mean,
			bounds[b].mean_lsb);
		assert_true(worst <= bounds[b].max_lsb);
		assert_true(worst_mean <= bounds[b].mean_lsb);
	}
}

/* Weights use the int8 range well: the largest maps to 64..127. */
static void test_weight_scale(void **state)
{
	struct hn_fmodel fm;
	struct hn_model m;
	unsigned int l, k;
	int maxw;

	rand_fmodel(&fm, 3);
	assert_int_equal(hn_quantize(&fm, NULL, &m, NULL, NULL, 0), 0);
	for (l = 0; l < m.n_layers; l++) {
		maxw = 0;
		for (k = 0;
		     k < (unsigned int)m.layers[l].n_in * m.layers[l].n_out;
		     k++)
			maxw = abs(m.layers[l].w[k]) > maxw ?
				       abs(m.layers[l].w[k]) :
				       maxw;
		assert_true(maxw >= 64 && maxw <= 127);
	}
	hn_model_free(&m);
	hn_fmodel_free(&fm);
}

/* Narrow calibration gives finer scales and smaller errors there. */
static void test_calibration(void **state)
{
	struct hn_quant_report rd, rc, rdc;
	struct hn_quant_opts o = { 0 };
	struct hn_fmodel fm;
	struct hn_model md, mc;
	double *s;
	size_t i, n = 512;
	unsigned int n_in;

	rand_fmodel(&fm, 2);
	n_in = fm.layers[0].n_in;
	s = malloc(sizeof(double) * n * n_in);
	for (i = 0; i < n * n_in; i++)
		s[i] = (2 * hn_t_unit() - 1) * 0.125;
	o.calib = s;
	o.n_calib = n;
	o.generation = 5;
	assert_int_equal(hn_quantize(&fm, NULL, &md, &rd, NULL, 0), 0);
	assert_int_equal(hn_quantize(&fm, &o, &mc, &rc, NULL, 0), 0);
	assert_int_equal(rc.calibrated, 1);
	assert_int_equal(rd.calibrated, 0);
	assert_true(mc.generation == 5);
	assert_true(mc.layers[0].out_exp < md.layers[0].out_exp);
	hn_quant_measure(&fm, &md, s, n, &rdc);
	print_message(
		"narrow inputs: default calibration max %.4g, own calibration max %.4g\n",
		rdc.max_err, rc.max_err);
	assert_true(rc.max_err < rdc.max_err);
	free(s);
	hn_model_free(&md);
	hn_model_free(&mc);
	hn_fmodel_free(&fm);
}

/* Huge biases: weights get coarser until the accumulator cannot overflow. */
static void test_bias_fit(void **state)
{
	static const char text[] =
		"hnmodel-float 1\nkind stage 1\ninput_scale 0.0078125\n"
		"layer 2 1 linear\nweights 0.01 -0.02\nbias 30000\n";
	struct hn_quant_report r;
	struct hn_fmodel fm;
	struct hn_model m;
	char err[256] = "";

	assert_int_equal(
		hn_fmodel_parse(text, strlen(text), &fm, err, sizeof(err)), 0);
	if (hn_quantize(&fm, NULL, &m, &r, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(hn_model_check(&m, err, sizeof(err)), 0);
	assert_true(r.max_err <= 0.5 * r.out_lsb + 1e-9);
	hn_model_free(&m);
	hn_fmodel_free(&fm);
}

static void test_quant_s8(void **state)
{
	assert_int_equal(hn_quant_s8(0.5, 0), 1);
	assert_int_equal(hn_quant_s8(-0.5, 0), -1);
	assert_int_equal(hn_quant_s8(0.49, 0), 0);
	assert_int_equal(hn_quant_s8(1.0, -7), 127);
	assert_int_equal(hn_quant_s8(-1.0, -7), -128);
	assert_int_equal(hn_quant_s8(200, 0), 127);
	assert_int_equal(hn_quant_s8(-1e9, 0), -128);
	assert_int_equal(hn_quant_s8(0.25, -3), 2);
}

/* ---- float text format -------------------------------------------------- */

static const char good[] = "# comment\n"
			   "hnmodel-float 1\n"
			   "kind stage 7\n"
			   "input_scale 0.0078125\n"
			   "input_range -1 1\n"
			   "layer 2 3 relu\n"
			   "weights 0.5 -0.25\n 1 0\n 0 1 # rows\n"
			   "bias 0 0.1 -0.1\n"
			   "layer 3 2 linear\n"
			   "weights 1 1 1 -1 -1 -1\n"
			   "bias 0 0\n";

static void test_fmodel_good(void **state)
{
	struct hn_fmodel fm;
	double in[2] = { 0.5, -0.5 }, out[2];
	char err[256] = "";

	if (hn_fmodel_parse(good, strlen(good), &fm, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(fm.kind, HN_MODEL_STAGE);
	assert_int_equal(fm.stage, 7);
	assert_int_equal(fm.n_layers, 2);
	assert_true(fm.in_lo == -1 && fm.in_hi == 1);
	hn_fmodel_infer(&fm, in, out);
	/* h = relu(0.375, 0.6, -0.6) = (0.375, 0.6, 0) */
	assert_true(fabs(out[0] - 0.975) < 1e-12);
	assert_true(fabs(out[1] + 0.975) < 1e-12);
	hn_fmodel_free(&fm);
}

struct tcase {
	const char *name, *text, *needle;
};

#define HDR "hnmodel-float 1\nkind stage 1\ninput_scale 0.0078125\n"

static const struct tcase tcases[] = {
	{ "empty", "", "unexpected end of file, expected 'hnmodel-float'" },
	{ "magic", "hnmodel 1\n", "expected 'hnmodel-float', got 'hnmodel'" },
	{ "version", "hnmodel-float 2\n", "unsupported float model version 2" },
	{ "keyword", HDR "bogus 1\n", "line 4: unknown keyword 'bogus'" },
	{ "kind", "hnmodel-float 1\nkind conv\n", "unknown model kind 'conv'" },
	{ "stage id", "hnmodel-float 1\nkind stage 300\n",
	  "stage id 300 out of range" },
	{ "scale pow2", "hnmodel-float 1\nkind route\ninput_scale 0.3\n",
	  "input_scale 0.3 must be a power of two" },
	{ "scale nan", "hnmodel-float 1\nkind route\ninput_scale abc\n",
	  "input_scale: 'abc' is not a number" },
	{ "scale negative", "hnmodel-float 1\nkind route\ninput_scale -0.5\n",
	  "must be a power of two" },
	{ "layer early", "hnmodel-float 1\nlayer 1 1 relu\n",
	  "'kind' and 'input_scale' must come before the first layer" },
	{ "dim 0", HDR "layer 0 1 relu\n", "layer input size 0 out of range" },
	{ "dim big", HDR "layer 1 16385 relu\n",
	  "layer output size 16385 out of range (1..16384)" },
	{ "dim text", HDR "layer x 1 relu\n",
	  "layer input size: 'x' is not an unsigned integer" },
	{ "activation", HDR "layer 1 1 tanh\n", "unknown activation 'tanh'" },
	{ "no weights kw", HDR "layer 1 1 relu\n0.5\n",
	  "expected 'weights', got '0.5'" },
	{ "few weights", HDR "layer 2 2 relu\nweights 1 2 3\n",
	  "unexpected end of file, expected layer 0 weight [1][1] (4 of 4)" },
	{ "many weights", HDR "layer 1 1 relu\nweights 1 2\nbias 0\n",
	  "expected 'bias' after 1 weights, got '2' (too many weights?)" },
	{ "bad weight", HDR "layer 2 1 relu\nweights 1 x\nbias 0\n",
	  "line 5: layer 0 weight [0][1] (2 of 2): 'x' is not a number" },
	{ "nan weight", HDR "layer 1 1 relu\nweights nan\nbias 0\n",
	  "out of range" },
	{ "huge weight", HDR "layer 1 1 relu\nweights 1e20\nbias 0\n",
	  "1e20 is out of range" },
	{ "few biases", HDR "layer 1 2 relu\nweights 1 1\nbias 0\n",
	  "expected layer 0 bias 2 of 2" },
	{ "mismatch",
	  HDR "layer 1 2 relu\nweights 1 1\nbias 0 0\n"
	      "layer 3 1 linear\n",
	  "layer 1 takes 3 inputs but layer 0 gives 2" },
	{ "9 layers",
	  HDR
	  "layer 1 1 relu weights 1 bias 0\nlayer 1 1 relu weights 1 bias 0\n"
	  "layer 1 1 relu weights 1 bias 0\nlayer 1 1 relu weights 1 bias 0\n"
	  "layer 1 1 relu weights 1 bias 0\nlayer 1 1 relu weights 1 bias 0\n"
	  "layer 1 1 relu weights 1 bias 0\nlayer 1 1 relu weights 1 bias 0\n"
	  "layer 1 1 relu weights 1 bias 0\n",
	  "line 12: too many layers (max 8)" },
	{ "no kind", "hnmodel-float 1\n", "no 'kind' line" },
	{ "no scale", "hnmodel-float 1\nkind route\n",
	  "no 'input_scale' line" },
	{ "no layers", HDR, "no layers" },
	{ "route shape",
	  "hnmodel-float 1\nkind route\ninput_scale 1\n"
	  "layer 1 1 relu weights 1 bias 0\n",
	  "route model must be 'layer 9 8 relu' then 'layer 8 1 linear'" },
	{ "range", HDR "input_range 1 -1\n",
	  "input_range low 1 above high -1" },
	{ "nul", "hnmodel-float 1\nkind\0 route\n", "NUL byte" },
};

static void test_fmodel_bad(void **state)
{
	const struct tcase *c = *state;
	struct hn_fmodel fm;
	char err[256] = "";
	size_t len = strlen(c->text);

	if (!strcmp(c->name, "nul"))
		len = 29;
	if (hn_fmodel_parse(c->text, len, &fm, err, sizeof(err)) != -1)
		fail_msg("case '%s': accepted", c->name);
	if (!strstr(err, c->needle))
		fail_msg("case '%s': message '%s' does not say '%s'", c->name,
			 err, c->needle);
	assert_int_equal(fm.n_layers, 0);
}

/* ---- calibration files -------------------------------------------------- */

static char *tmpfile_with(const char *text)
{
	static char path[64];
	int fd;

	strcpy(path, "/tmp/hn-calib-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), strlen(text));
	close(fd);
	return path;
}

static void calib_fails(const char *text, const char *needle)
{
	char err[512] = "", *path = tmpfile_with(text);
	double *s = NULL;
	size_t n;

	if (hn_calib_read_file(path, 2, &s, &n, err, sizeof(err)) != -1)
		fail_msg("calibration '%s' accepted", text);
	if (!strstr(err, needle) || !strstr(err, path))
		fail_msg("message '%s' does not say '%s' and the file", err,
			 needle);
	unlink(path);
}

static void test_calib_file(void **state)
{
	char err[512] = "", *path;
	double *s;
	size_t n;

	path = tmpfile_with("# x y\n0.5 -0.5\n\n1,2 # csv too\n  3 4\n");
	if (hn_calib_read_file(path, 2, &s, &n, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(n, 3);
	assert_true(s[0] == 0.5 && s[1] == -0.5 && s[2] == 1 && s[5] == 4);
	free(s);
	unlink(path);
	calib_fails("1 2\n3\n", "line 2: 1 values, the model takes 2 inputs");
	calib_fails("1 2 3\n", "line 1: more than 2 values");
	calib_fails("1 x\n", "line 1: value 2: 'x' is not a finite number");
	calib_fails("1 inf\n", "'inf' is not a finite number");
	calib_fails("# nothing\n", "no samples");
	assert_int_equal(hn_calib_read_file("/nonexistent/c", 2, &s, &n, err,
					    sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "No such file"));
}

/* ---- the default routing model ------------------------------------------ */

static void load_default(struct hn_fmodel *fm, struct hn_model *m,
			 struct hn_quant_report *r)
{
	char err[512] = "";

	if (hn_fmodel_read_file(hn_t_src("models/route-default.txt"), fm, err,
				sizeof(err)))
		fail_msg("%s (run from the repository root or set HN_SRCDIR)",
			 err);
	if (hn_quantize(fm, NULL, m, r, err, sizeof(err)))
		fail_msg("%s", err);
}

static void test_default_route(void **state)
{
	struct hn_quant_report r;
	struct hn_rt_model rt;
	struct hn_fmodel fm;
	struct hn_model m, m2;
	uint8_t x[HN_RT_NFEAT], y[HN_RT_NFEAT];
	void *b1, *b2;
	size_t l1, l2;
	int k, f, i;
	/* +1: more is better, -1: more is worse */
	static const int dir[HN_NB_NFEAT + 1] = { 1, -1, -1, -1, 1, -1 };

	load_default(&fm, &m, &r);
	print_message(
		"default route model: max error %.4g, mean %.4g, |score| max %.4g (%.2f%%)\n",
		r.max_err, r.mean_err, r.out_absmax,
		100 * r.max_err / r.out_absmax);
	assert_true(r.max_err <= 0.02 * r.out_absmax);
	assert_int_equal(hn_model_to_rt(&m, &rt, NULL, 0), 0);

	/* Monotone in every link feature, for any frame. */
	for (k = 0; k < 20000; k++) {
		for (i = 0; i < HN_RT_NFEAT; i++)
			x[i] = y[i] = hn_t_range(0, HN_FEAT_MAX);
		f = hn_t_range(0, HN_FEAT_DIST);
		y[f] = hn_t_range(x[f], HN_FEAT_MAX);
		if (dir[f] > 0)
			assert_true(hn_rt_score(&rt, y) >= hn_rt_score(&rt, x));
		else
			assert_true(hn_rt_score(&rt, y) <= hn_rt_score(&rt, x));
	}
	/* A clean, fast, close link beats a lossy, slow, far one. */
	memcpy(x, (uint8_t[]){ 127, 10, 0, 10, 80, 8, 0, 20, 8 }, 9);
	memcpy(y, (uint8_t[]){ 60, 90, 40, 100, 40, 40, 0, 20, 8 }, 9);
	assert_true(hn_rt_score(&rt, x) > hn_rt_score(&rt, y));

	/* Reproducible byte for byte. */
	hn_fmodel_free(&fm);
	load_default(&fm, &m2, &r);
	assert_int_equal(hn_model_serialize(&m, &b1, &l1, NULL, 0), 0);
	assert_int_equal(hn_model_serialize(&m2, &b2, &l2, NULL, 0), 0);
	assert_int_equal(l1, l2);
	assert_memory_equal(b1, b2, l1);
	free(b1);
	free(b2);
	hn_model_free(&m);
	hn_model_free(&m2);
	hn_fmodel_free(&fm);
}

#define NT (sizeof(tcases) / sizeof(tcases[0]))

int main(void)
{
	struct CMUnitTest tests[NT + 10];
	size_t i, n = 0;

	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_quant_s8);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_error_bounds);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_weight_scale);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_calibration);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_bias_fit);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_fmodel_good);
	for (i = 0; i < NT; i++)
		tests[n++] = (struct CMUnitTest){
			.name = tcases[i].name,
			.test_func = test_fmodel_bad,
			.initial_state = (void *)&tcases[i],
		};
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_calib_file);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_default_route);
	return _cmocka_run_group_tests("quant", tests, n, NULL, NULL);
}
