// SPDX-License-Identifier: GPL-2.0
/*
 * The quantiser against committed results, not against itself: the
 * .hnm files `make` builds come from this very quantiser, so comparing
 * with them cannot catch a quantiser bug.  Here:
 *   - a small model worked out by hand (scales, int8 weights, rounded
 *     int32 biases, one inference);
 *   - SHA-256 digests of the shipped models quantised from their
 *     committed text and calibration (route-default, the four
 *     Fashion-MNIST parts), and of their outputs on fixed inputs (the
 *     calibration rows), recorded when the quantiser was last changed on
 *     purpose.
 * A deliberate change to the quantiser changes the digests: check the
 * new models (make eval-fmnist, test_unit_quant's error bounds), then
 * print the new values with HN_GOLDEN_PRINT=1 and paste them below.
 * The model digests equal `sha256sum build/models/<name>.hnm`.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <cmocka.h>
#include <openssl/evp.h>

#include "helpers_hn.h"
#include "model.h"
#include "quant.h"
#include "helpers_quant.h"

/* ---- by hand ------------------------------------------------------------- */

/*
 * in_exp -7.  Largest |w| 1.0: 2^-6 is the finest weight scale holding
 * it in int8 (1.0 * 2^6 = 64; 2^-7 would need 128), so the weights are
 * 64 -32 16 48.  Biases count in steps of 2^(-7 - 6) = 2^-13: 2.5 and
 * -1.75 steps, rounded half away from zero to 3 and -2 (truncation gives
 * 2 and -1).  The calibration row (0.5, 0.5) gives outputs 0.2503 and
 * 0.4998; 2^-7 is the finest output scale for 0.4998 (63.97 steps; 2^-8
 * would round it to 128), so the shift is -7 - (-13) = 6.
 */
static const char hand_text[] = "hnmodel-float 1\n"
				"kind stage 9\n"
				"input_scale 0.0078125\n"
				"input_range -1 1\n"
				"layer 2 2 linear\n"
				"weights 1.0 -0.5 0.25 0.75\n"
				"bias 0.00030517578125 -0.000213623046875\n";

/* Parse the float model @text into @fm and quantise it with @o into @m. */
static void quantize_text(const char *text, size_t len,
			  const struct hn_quant_opts *o, struct hn_fmodel *fm,
			  struct hn_model *m)
{
	char err[256] = "";

	if (hn_fmodel_parse(text, len, fm, err, sizeof(err)))
		fail_msg("%s", err);
	if (hn_quantize(fm, o, m, NULL, err, sizeof(err)))
		fail_msg("%s", err);
}

static void test_by_hand(void **state)
{
	static const double calib[] = { 0.5, 0.5 };
	struct hn_quant_opts o = { .calib = calib, .n_calib = 1 };
	const struct hn_model_layer *l;
	struct hn_fmodel fm;
	struct hn_model m;
	int8_t in[2] = { 64, 64 }, out[2];

	quantize_text(hand_text, sizeof(hand_text) - 1, &o, &fm, &m);
	l = &m.layers[0];
	assert_int_equal(m.in_exp, -7);
	assert_int_equal(l->w_exp, -6);
	assert_int_equal(l->out_exp, -7);
	assert_int_equal(l->shift, 6);
	assert_int_equal(l->flags, 0);
	assert_int_equal(l->w[0], 64);
	assert_int_equal(l->w[1], -32);
	assert_int_equal(l->w[2], 16);
	assert_int_equal(l->w[3], 48);
	assert_int_equal(l->b[0], 3);
	assert_int_equal(l->b[1], -2);
	/*
	 * 3 + 64 * 64 - 32 * 64 = 2051, (2051 + 32) >> 6 = 32;
	 * -2 + 16 * 64 + 48 * 64 = 4094, (4094 + 32) >> 6 = 64.
	 */
	hn_model_infer(&m, in, out, NULL);
	assert_int_equal(out[0], 32);
	assert_int_equal(out[1], 64);
	hn_model_free(&m);
	hn_fmodel_free(&fm);
}

/*
 * The finest scale that holds the largest value: 0.9921875 = 127 / 128
 * is exactly 127 steps of 2^-7, so weights take 2^-7, not 2^-6; the
 * calibration output 0.9921875 + 1 / 128 = 1.0 is 128 steps of 2^-7,
 * one too many, so the output takes 2^-6.
 */
static const char exact_text[] = "hnmodel-float 1\n"
				 "kind stage 9\n"
				 "input_scale 0.0078125\n"
				 "input_range -1 1\n"
				 "layer 1 1 relu\n"
				 "weights 0.9921875\n"
				 "bias 0.0078125\n";

static void test_exact_scale(void **state)
{
	static const double calib[] = { 1.0 };
	struct hn_quant_opts o = { .calib = calib, .n_calib = 1 };
	const struct hn_model_layer *l;
	struct hn_fmodel fm;
	struct hn_model m;

	quantize_text(exact_text, sizeof(exact_text) - 1, &o, &fm, &m);
	l = &m.layers[0];
	assert_int_equal(l->w_exp, -7);
	assert_int_equal(l->w[0], 127);
	/* 2^-7 in steps of 2^(-7 - 7) */
	assert_int_equal(l->b[0], 128);
	assert_int_equal(l->out_exp, -6);
	assert_int_equal(l->shift, 8);
	assert_int_equal(l->flags, HN_LF_RELU);
	hn_model_free(&m);
	hn_fmodel_free(&fm);
}

/* ---- the shipped models -------------------------------------------------- */

static const struct golden {
	const char *name; /* models/<name>.txt[.gz] */
	const char *calib; /* models/<calib>; NULL: the default set */
	__u64 generation; /* as tools/fmnist.mk and models/models.mk */
	const char *model_sha; /* of the serialised model */
	const char *out_sha; /* of its outputs on the calibration rows */
} goldens[] = {
	{ "route-default", NULL, 1,
	  "bd4e2a956c7d2a146fc0c88fb46b43910775a668c11562fcee592504750c6128",
	  "c1cb217401f5e707f3f37b4046b400cad6822a253d23e990a95c2d5754848a51" },
	{ "fmnist-encoder", "fmnist-encoder.calib", 1,
	  "b6d9654690d44b06346cbbaea9d508e2a27c5ead2100e7ddb26bf297d10c5e3f",
	  "d394712012ef7bae7995aff4f2ce259c85d499570b4860295bdc64f0e20040d4" },
	{ "fmnist-head", "fmnist-head.calib", 1,
	  "f4f27131e99f41efff22619abfbdb8cd19e682e6ddcad0f4f7b49ef5e8ec9e9d",
	  "81ab486f7698f6e14f4139c2cbf01f6dda51626c08084e63f09b0fbdc13da478" },
	{ "fmnist-head-a", "fmnist-head-a.calib", 1,
	  "2d0163234a5b940fb989967f8775f881cb3fa72ef737114587500e9c0a89f914",
	  "7d8f56469802a61691bbb9ddad6ba8f95eed587be5ec1c91a2e22fc8a485f5a6" },
	{ "fmnist-head-b", "fmnist-head-b.calib", 1,
	  "0091395a62aa6acf23910ba9c798078a6ee874834fa56f64c89aace0ab01ac80",
	  "47e5d6ad17fe3c42eded1a6d6868b0dcee93f001dd96964aee71a0eaff2a1fbd" },
};

static void sha256_hex(const void *p, size_t len, char hex[65])
{
	unsigned char md[32];
	unsigned int n = 0, i;

	assert_int_equal(EVP_Digest(p, len, md, &n, EVP_sha256(), NULL), 1);
	assert_int_equal(n, 32);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* models/<name>.txt, or .txt.gz (gzread passes plain files through). */
static void read_text(const char *name, struct hn_fmodel *fm)
{
	char *buf, path[256], err[512];
	size_t len;
	gzFile z;

	snprintf(path, sizeof(path), "models/%s.txt", name);
	z = gzopen(hn_t_src(path), "rb");
	if (!z) {
		snprintf(path, sizeof(path), "models/%s.txt.gz", name);
		z = gzopen(hn_t_src(path), "rb");
	}
	if (!z)
		fail_msg(
			"models/%s.txt[.gz]: cannot open (run from the repository root or set HN_SRCDIR)",
			name);
	buf = hn_t_gz_read(z, &len);
	if (hn_fmodel_parse(buf, len, fm, err, sizeof(err)))
		fail_msg("%s: %s", path, err);
	free(buf);
}

/*
 * The outputs of @m on @n rows of @x (floats, quantised at the model's
 * input scale): the int8 outputs, or the int32 scores of a route model,
 * little-endian.
 */
static void outputs_sha(const struct hn_model *m, const double *x, size_t n,
			char hex[65])
{
	unsigned int n_in = hn_model_n_in(m), n_out = hn_model_n_out(m), k;
	int8_t xq[HN_MODEL_MAX_DIM], y[HN_MODEL_MAX_DIM];
	int32_t logits[HN_MODEL_MAX_DIM];
	int raw = m->layers[m->n_layers - 1].flags & HN_LF_RAW;
	size_t per = n_out * 4, i;
	uint8_t *all = calloc(n, per), *p;

	assert_non_null(all);
	for (i = 0; i < n; i++) {
		for (k = 0; k < n_in; k++)
			xq[k] = hn_quant_s8(x[i * n_in + k], m->in_exp);
		hn_model_infer(m, xq, y, logits);
		p = all + i * per;
		for (k = 0; k < n_out; k++) {
			uint32_t v = raw ? (uint32_t)logits[k] :
					   (uint32_t)(int32_t)y[k];

			p[4 * k] = v;
			p[4 * k + 1] = v >> 8;
			p[4 * k + 2] = v >> 16;
			p[4 * k + 3] = v >> 24;
		}
	}
	sha256_hex(all, n * per, hex);
	free(all);
}

static void test_shipped(void **state)
{
	const struct golden *g = *state;
	struct hn_quant_opts o = { .generation = g->generation };
	char path[256], msha[65], osha[65];
	double *calib;
	struct hn_fmodel fm;
	struct hn_model m;
	size_t len, n;
	void *buf;

	read_text(g->name, &fm);
	if (g->calib)
		snprintf(path, sizeof(path), "models/%s", g->calib);
	calib = hn_t_quantize_calib(&fm, g->calib ? path : NULL, &o, &m, &buf,
				    &len, g->name);
	sha256_hex(buf, len, msha);
	if (!calib)
		assert_int_equal(hn_calib_default(&fm, &calib, &n), 0);
	else
		n = o.n_calib;
	outputs_sha(&m, calib, n, osha);
	if (getenv("HN_GOLDEN_PRINT"))
		printf("\t{ \"%s\", ..., \"%s\", \"%s\" },\n", g->name, msha,
		       osha);
	if (strcmp(msha, g->model_sha))
		fail_msg(
			"%s: model SHA-256 %s, golden %s: the quantiser's output changed",
			g->name, msha, g->model_sha);
	if (strcmp(osha, g->out_sha))
		fail_msg("%s: outputs SHA-256 %s, golden %s: inference changed",
			 g->name, osha, g->out_sha);
	free(buf);
	free(calib);
	hn_model_free(&m);
	hn_fmodel_free(&fm);
}

#define NG (sizeof(goldens) / sizeof(goldens[0]))

int main(void)
{
	struct CMUnitTest tests[NG + 2];
	size_t i, n = 0;

	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_by_hand);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_exact_scale);
	for (i = 0; i < NG; i++)
		tests[n++] = (struct CMUnitTest){
			.name = goldens[i].name,
			.test_func = test_shipped,
			.initial_state = (void *)&goldens[i],
		};
	return _cmocka_run_group_tests("quant-golden", tests, n, NULL, NULL);
}
