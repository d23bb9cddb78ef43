// SPDX-License-Identifier: GPL-2.0
/*
 * The .hnm parser: every malformed case is its own test that asserts the
 * parse fails AND that the message names the problem; then round trips.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "helpers_hn.h"
#include "model.h"

/*
 * Offsets in the serialised hn_t_stage_model() (4 -> 3 relu -> 2):
 *   0 magic, 4 version, 6 kind, 7 stage, 8 generation, 16 expiry,
 *   24 in_exp, 25 n_layers, 26 reserved, 28 layer 0 descriptor
 *   (28 n_in, 30 n_out, 32 shift, 33 flags, 34 w_exp, 35 out_exp),
 *   36 layer 1 descriptor, 44 layer 0 weights (12), 56 biases (12),
 *   68 layer 1 weights (6), 74 biases (8), 82 digest, 114 signature type,
 *   116 signature length, 118 end.
 * The route model: 28 and 36 descriptors, 44 w1 (72), 116 b1 (32),
 *   148 w2 (8), 156 b2, 160 digest, 192 signature type, 196 end.
 */
#define ST_LEN 118
#define RT_LEN 196

enum base { STAGE, ROUTE };

struct mcase {
	const char *name;
	enum base base;
	int off; /* -1: no byte patch */
	int width; /* 1, 2 or 4 bytes, big endian */
	uint32_t val;
	long trunc; /* >= 0: cut the file to this length */
	void (*mut)(uint8_t *buf, size_t *len);
	int redigest; /* fix the digest after patching */
	const char *needle; /* what the message must say */
};

static uint8_t *serialise(enum base base, size_t *len)
{
	struct hn_model m;
	void *buf;
	uint8_t *big;

	hn_t_seed(1234);
	hn_t_kind_model(&m, base == STAGE ? HN_MODEL_STAGE : HN_MODEL_ROUTE);
	assert_int_equal(hn_model_serialize(&m, &buf, len, NULL, 0), 0);
	hn_model_free(&m);
	/* Room for appended signatures and trailing bytes. */
	big = calloc(1, *len + 256);
	memcpy(big, buf, *len);
	free(buf);
	return big;
}

static void put(uint8_t *p, int width, uint32_t v)
{
	int i;

	for (i = width - 1; i >= 0; i--, v >>= 8)
		p[i] = v;
}

static void mut_trailing(uint8_t *buf, size_t *len)
{
	buf[(*len)++] = 0;
	buf[(*len)++] = 0;
}

static void mut_ed25519_ok(uint8_t *buf, size_t *len)
{
	put(buf + *len - 4, 2, HN_SIG_ED25519);
	put(buf + *len - 2, 2, 64);
	memset(buf + *len, 0xAB, 64);
	*len += 64;
}

static void mut_ed25519_short(uint8_t *buf, size_t *len)
{
	mut_ed25519_ok(buf, len);
	*len -= 1;
}

static void mut_weight(uint8_t *buf, size_t *len)
{
	buf[44] ^= 1;
}

/* Bias INT32_MAX with 4 inputs: 4 * 128 * 128 + 2^31 - 1 overflows. */
static void mut_bias(uint8_t *buf, size_t *len)
{
	put(buf + 56, 4, 0x7FFFFFFF);
}

static void mut_bias_min(uint8_t *buf, size_t *len)
{
	put(buf + 60, 4, 0x80000000);
}

/* Layer 0 relu -> raw (route) needs shift 0 */
static void mut_raw_first(uint8_t *buf, size_t *len)
{
	buf[32] = 0;
	buf[33] = HN_LF_RAW;
	buf[35] = (uint8_t)-13;
}

/* Stage whose last layer is raw, but shifts/scales consistent. */
static void mut_stage_raw(uint8_t *buf, size_t *len)
{
	buf[40] = 0;
	buf[41] = HN_LF_RAW;
	buf[43] = (uint8_t)-15;
}

/* Layer 1 raw with shift 4 and consistent exps otherwise. */
static void mut_raw_shift(uint8_t *buf, size_t *len)
{
	buf[41] = HN_LF_RAW;
}

/* Route hidden layer without ReLU: flags 0. */
static void mut_route_norelu(uint8_t *buf, size_t *len)
{
	buf[33] = 0;
}

/* Route output layer as int8 (not raw), with a consistent shift. */
static void mut_route_notraw(uint8_t *buf, size_t *len)
{
	buf[41] = 0;
	buf[40] = 1;
	buf[43] += 1;
}

static const struct mcase cases[] = {
	{ "empty file", STAGE, -1, 0, 0, 0, NULL, 0, "truncated at magic" },
	{ "3 bytes", STAGE, -1, 0, 0, 3, NULL, 0, "truncated at magic" },
	{ "bad magic", STAGE, 0, 1, 'X', -1, NULL, 0, "bad magic" },
	{ "cut in version", STAGE, -1, 0, 0, 5, NULL, 0,
	  "truncated at format version" },
	{ "version 3", STAGE, 4, 2, 3, -1, NULL, 1,
	  "unsupported format version 3" },
	{ "version 0", STAGE, 4, 2, 0, -1, NULL, 1,
	  "unsupported format version 0" },
	{ "cut in kind", STAGE, -1, 0, 0, 6, NULL, 0,
	  "truncated at model kind" },
	{ "kind 0", STAGE, 6, 1, 0, -1, NULL, 1, "unknown model kind 0" },
	{ "kind 3", STAGE, 6, 1, 3, -1, NULL, 1, "unknown model kind 3" },
	{ "cut in generation", STAGE, -1, 0, 0, 12, NULL, 0,
	  "truncated at generation" },
	{ "cut in expiry", STAGE, -1, 0, 0, 20, NULL, 0,
	  "truncated at expiry" },
	{ "cut in reserved", STAGE, -1, 0, 0, 27, NULL, 0,
	  "truncated at header reserved field" },
	{ "reserved set", STAGE, 26, 2, 1, -1, NULL, 1,
	  "reserved field is 0x0001" },
	{ "0 layers", STAGE, 25, 1, 0, -1, NULL, 1, "layer count 0" },
	{ "5 layers", STAGE, 25, 1, 5, -1, NULL, 1, "layer count 5" },
	{ "input exponent", STAGE, 24, 1, 100, -1, NULL, 1,
	  "input scale exponent 100 out of range" },
	{ "route stage id", ROUTE, 7, 1, 9, -1, NULL, 1,
	  "route model with stage id 9" },
	{ "route 3 layers", ROUTE, 25, 1, 3, -1, NULL, 1,
	  "route model needs 2 layers, not 3" },
	{ "cut in descriptor", STAGE, -1, 0, 0, 40, NULL, 0,
	  "truncated at layer 1 descriptor" },
	{ "n_in zero", STAGE, 28, 2, 0, -1, NULL, 1,
	  "layer 0: dimension is zero" },
	{ "n_out zero", STAGE, 38, 2, 0, -1, NULL, 1,
	  "layer 1: dimension is zero" },
	{ "dim too large", STAGE, 28, 2, 4097, -1, NULL, 1,
	  "layer 0: dimension too large" },
	{ "dim 65535", STAGE, 38, 2, 65535, -1, NULL, 1,
	  "layer 1: dimension too large" },
	{ "dim mismatch", STAGE, 36, 2, 4, -1, NULL, 1,
	  "layer 1: dimension mismatch: takes 4 inputs but layer 0 gives 3" },
	{ "unknown flags", STAGE, 33, 1, 0x81, -1, NULL, 1,
	  "unknown flag bits 0x80" },
	{ "relu and raw", STAGE, 41, 1, HN_LF_RELU | HN_LF_RAW, -1, NULL, 1,
	  "relu and raw are exclusive" },
	{ "raw not last", STAGE, -1, 0, 0, -1, mut_raw_first, 1,
	  "only the last layer may have raw" },
	{ "raw with shift", STAGE, -1, 0, 0, -1, mut_raw_shift, 1,
	  "raw output needs shift 0, not 4" },
	{ "shift 31", STAGE, 32, 1, 31, -1, NULL, 1, "shift 31 out of range" },
	{ "shift 255", STAGE, 40, 1, 255, -1, NULL, 1,
	  "shift 255 out of range" },
	{ "weight exponent", STAGE, 34, 1, 0x80, -1, NULL, 1,
	  "scale exponent out of range" },
	{ "output exponent", STAGE, 43, 1, 64, -1, NULL, 1,
	  "scale exponent out of range" },
	{ "scales inconsistent", STAGE, 32, 1, 2, -1, NULL, 1,
	  "scales inconsistent" },
	{ "stage raw output", STAGE, -1, 0, 0, -1, mut_stage_raw, 1,
	  "stage models output int8" },
	{ "route shape", ROUTE, 30, 2, 4, -1, NULL, 1, "dimension mismatch" },
	{ "route width", ROUTE, 38, 2, 2, -1, NULL, 1,
	  "route model must be 9 -> 8 -> 1" },
	{ "route no relu", ROUTE, -1, 0, 0, -1, mut_route_norelu, 1,
	  "route model layer 0 must be relu" },
	{ "route not raw", ROUTE, -1, 0, 0, -1, mut_route_notraw, 1,
	  "route model layer 1 must be raw" },
	{ "cut in weights", STAGE, -1, 0, 0, 50, NULL, 0,
	  "truncated at layer 0 weights" },
	{ "cut in biases", STAGE, -1, 0, 0, 60, NULL, 0,
	  "truncated at layer 0 biases" },
	{ "cut in layer 1 biases", STAGE, -1, 0, 0, 80, NULL, 0,
	  "truncated at layer 1 biases" },
	{ "bias overflow", STAGE, -1, 0, 0, -1, mut_bias, 1,
	  "layer 0: could overflow int32: 4 inputs and bias[0] = 2147483647" },
	{ "bias INT32_MIN", STAGE, -1, 0, 0, -1, mut_bias_min, 1,
	  "layer 0: could overflow int32" },
	{ "cut in digest", STAGE, -1, 0, 0, 100, NULL, 0,
	  "truncated at SHA-256 digest" },
	{ "no signature block", STAGE, -1, 0, 0, 114, NULL, 0,
	  "truncated at signature type" },
	{ "cut in signature length", STAGE, -1, 0, 0, 117, NULL, 0,
	  "truncated at signature length" },
	{ "unknown signature type", STAGE, 114, 2, 7, -1, NULL, 0,
	  "unknown signature type 7" },
	{ "none with length", STAGE, 116, 2, 3, -1, NULL, 0,
	  "signature type none with length 3" },
	{ "ed25519 length", STAGE, 114, 4, 0x0001000A, -1, NULL, 0,
	  "ed25519 signature length 10 (must be 64)" },
	{ "ed25519 cut", STAGE, -1, 0, 0, -1, mut_ed25519_short, 0,
	  "truncated at signature" },
	{ "trailing bytes", STAGE, -1, 0, 0, -1, mut_trailing, 0,
	  "2 trailing bytes" },
	{ "digest mismatch", STAGE, -1, 0, 0, -1, mut_weight, 0,
	  "digest mismatch" },
	{ "digest mismatch (header)", STAGE, 8, 4, 1, -1, NULL, 0,
	  "digest mismatch" },
	{ "route digest mismatch", ROUTE, 150, 1, 0x55, -1, NULL, 0,
	  "digest mismatch" },
};

static void test_malformed(void **state)
{
	const struct mcase *c = *state;
	struct hn_model m;
	char err[256] = "";
	size_t len;
	uint8_t *buf = serialise(c->base, &len);

	if (c->off >= 0)
		put(buf + c->off, c->width, c->val);
	if (c->mut)
		c->mut(buf, &len);
	if (c->redigest)
		hn_t_redigest(buf, len);
	if (c->trunc >= 0)
		len = c->trunc;
	if (hn_model_parse(buf, len, &m, err, sizeof(err)) != -1)
		fail_msg("case '%s': parse accepted a malformed file", c->name);
	if (!strstr(err, c->needle))
		fail_msg("case '%s': message '%s' does not say '%s'", c->name,
			 err, c->needle);
	/* A failed parse leaves nothing allocated. */
	assert_null(m.layers[0].w);
	free(buf);
}

static void test_valid_bases(void **state)
{
	struct hn_model m;
	char err[256] = "";
	size_t len;
	uint8_t *buf;

	buf = serialise(STAGE, &len);
	assert_int_equal(len, ST_LEN);
	assert_int_equal(hn_model_parse(buf, len, &m, err, sizeof(err)), 0);
	hn_model_free(&m);
	free(buf);
	buf = serialise(ROUTE, &len);
	assert_int_equal(len, RT_LEN);
	assert_int_equal(hn_model_parse(buf, len, &m, err, sizeof(err)), 0);
	hn_model_free(&m);
	free(buf);
}

/* The reserved Ed25519 block parses; the digest does not cover it. */
static void test_ed25519_block(void **state)
{
	struct hn_model m;
	char err[256] = "";
	size_t len;
	uint8_t *buf = serialise(STAGE, &len);

	mut_ed25519_ok(buf, &len);
	assert_int_equal(hn_model_parse(buf, len, &m, err, sizeof(err)), 0);
	assert_int_equal(m.sig_type, HN_SIG_ED25519);
	assert_int_equal(m.sig_len, 64);
	assert_int_equal(m.sig[63], 0xAB);
	hn_model_free(&m);
	free(buf);
}

static void assert_models_equal(const struct hn_model *a,
				const struct hn_model *b)
{
	unsigned int i;

	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->stage, b->stage);
	assert_int_equal(a->n_layers, b->n_layers);
	assert_int_equal(a->in_exp, b->in_exp);
	assert_true(a->generation == b->generation);
	assert_true(a->expiry == b->expiry);
	assert_int_equal(a->sig_type, b->sig_type);
	assert_int_equal(a->sig_len, b->sig_len);
	for (i = 0; i < a->n_layers; i++) {
		const struct hn_model_layer *x = &a->layers[i],
					    *y = &b->layers[i];

		assert_int_equal(x->n_in, y->n_in);
		assert_int_equal(x->n_out, y->n_out);
		assert_int_equal(x->shift, y->shift);
		assert_int_equal(x->flags, y->flags);
		assert_int_equal(x->w_exp, y->w_exp);
		assert_int_equal(x->out_exp, y->out_exp);
		assert_memory_equal(x->w, y->w, (size_t)x->n_in * x->n_out);
		assert_memory_equal(x->b, y->b, x->n_out * sizeof(int32_t));
	}
}

static void roundtrip(struct hn_model *m)
{
	struct hn_model p;
	void *b1, *b2;
	size_t l1, l2;
	char err[256] = "";

	assert_int_equal(hn_model_serialize(m, &b1, &l1, err, sizeof(err)), 0);
	if (hn_model_parse(b1, l1, &p, err, sizeof(err)))
		fail_msg("round trip parse: %s", err);
	assert_models_equal(m, &p);
	assert_memory_equal(m->digest, p.digest, 32);
	assert_int_equal(hn_model_serialize(&p, &b2, &l2, err, sizeof(err)), 0);
	assert_int_equal(l1, l2);
	assert_memory_equal(b1, b2, l1);
	hn_model_free(&p);
	free(b1);
	free(b2);
}

static void test_roundtrip_small(void **state)
{
	struct hn_model m;
	int i;

	for (i = 0; i < 50; i++) {
		hn_t_stage_model(&m);
		m.generation = hn_t_rand();
		m.expiry = hn_t_rand();
		roundtrip(&m);
		hn_model_free(&m);
		hn_t_route_model(&m);
		roundtrip(&m);
		hn_model_free(&m);
	}
}

/*
 * A real-size stage (784 -> 128 -> 10), 4 layers, the largest dims that
 * fit HNET_STAGE_MAX_BYTES.
 */
static void test_roundtrip_large(void **state)
{
	static const unsigned int dims[][5] = {
		{ 784, 128, 10, 0, 0 },
		{ 4096, 255, 0, 0, 0 },
		{ 16, 32, 64, 32, 8 },
	};
	struct hn_model m;
	unsigned int d, i, n;
	size_t k;

	for (d = 0; d < 3; d++) {
		memset(&m, 0, sizeof(m));
		m.kind = HN_MODEL_STAGE;
		m.stage = d;
		m.in_exp = -7;
		for (n = 0; n < 4 && dims[d][n + 1]; n++) {
			struct hn_model_layer *l = &m.layers[n];

			l->n_in = dims[d][n];
			l->n_out = dims[d][n + 1];
			l->w_exp = -7;
			l->shift = 8;
			l->out_exp = (n ? m.layers[n - 1].out_exp : m.in_exp) -
				     7 + 8;
			l->flags = n + 1 < 4 && dims[d][n + 2] ? HN_LF_RELU : 0;
			assert_int_equal(hn_model_alloc_layer(&m, n), 0);
			for (k = 0; k < (size_t)l->n_in * l->n_out; k++)
				l->w[k] = (int8_t)hn_t_rand();
			for (i = 0; i < l->n_out; i++)
				l->b[i] = hn_t_range(-50000, 50000);
		}
		m.n_layers = n;
		roundtrip(&m);
		hn_model_free(&m);
	}
}

static void test_route_conversion(void **state)
{
	struct hn_rt_model rt, rt2;
	struct hn_model m;
	char err[256] = "";
	uint8_t x[HN_RT_NFEAT];
	int8_t xs[HN_RT_NFEAT];
	int32_t logit;
	int i, k;

	hn_t_route_model(&m);
	assert_int_equal(hn_model_to_rt(&m, &rt, err, sizeof(err)), 0);
	hn_model_free(&m);
	assert_int_equal(hn_model_from_rt(&rt, 9, &m, err, sizeof(err)), 0);
	assert_true(m.generation == 9);
	assert_int_equal(hn_model_to_rt(&m, &rt2, err, sizeof(err)), 0);
	assert_memory_equal(&rt, &rt2, sizeof(rt));
	for (k = 0; k < 1000; k++) {
		for (i = 0; i < HN_RT_NFEAT; i++)
			xs[i] = x[i] = hn_t_range(0, 127);
		hn_model_infer(&m, xs, NULL, &logit);
		assert_int_equal(logit, hn_rt_score(&rt, x));
	}
	hn_model_free(&m);

	/* Not a route model, and a route model that could overflow. */
	hn_t_stage_model(&m);
	assert_int_equal(hn_model_to_rt(&m, &rt, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a route model"));
	hn_model_free(&m);
	rt.b1[3] = 0x7FFFFFF0;
	assert_int_equal(hn_model_from_rt(&rt, 1, &m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "could overflow int32"));
	rt.b1[3] = 0;
	rt.shift1 = 31;
	assert_int_equal(hn_model_from_rt(&rt, 1, &m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "shift1 31 out of range"));
}

/* hn_model_infer() against a plain layer-by-layer reference. */
static void test_infer_stage(void **state)
{
	struct hn_model m;
	int8_t in[4], out[2], h[3];
	int32_t logits[2];
	int k, o, i;

	hn_t_stage_model(&m);
	for (k = 0; k < 2000; k++) {
		for (i = 0; i < 4; i++)
			in[i] = (int8_t)hn_t_rand();
		for (o = 0; o < 3; o++) {
			int32_t a = m.layers[0].b[o];

			for (i = 0; i < 4; i++)
				a += m.layers[0].w[o * 4 + i] * in[i];
			h[o] = hn_requant(a, 3, 1);
		}
		hn_model_infer(&m, in, out, logits);
		for (o = 0; o < 2; o++) {
			int32_t a = m.layers[1].b[o];

			for (i = 0; i < 3; i++)
				a += m.layers[1].w[o * 3 + i] * h[i];
			assert_int_equal(logits[o], a);
			assert_int_equal(out[o], hn_requant(a, 4, 0));
		}
		/* out only, logits only: same values. */
		memset(h, 0, sizeof(h));
		hn_model_infer(&m, in, (int8_t *)h, NULL);
		assert_memory_equal(h, out, 2);
	}
	hn_model_free(&m);
}

static void test_check_rejects(void **state)
{
	struct hn_model m;
	char err[256] = "";
	void *buf;
	size_t len;

	hn_t_stage_model(&m);
	m.layers[1].shift = 9;
	assert_int_equal(hn_model_serialize(&m, &buf, &len, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "scales inconsistent"));
	m.layers[1].shift = 4;
	m.sig_type = HN_SIG_ED25519;
	m.sig_len = 3;
	assert_int_equal(hn_model_check(&m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "ed25519 signature length 3"));
	hn_model_free(&m);
}

static void test_files(void **state)
{
	char path[] = "/tmp/hn-model-test-XXXXXX", err[512] = "";
	struct hn_model m, p;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	hn_t_stage_model(&m);
	assert_int_equal(hn_model_write_file(path, &m, err, sizeof(err)), 0);
	assert_int_equal(hn_model_read_file(path, &p, err, sizeof(err)), 0);
	assert_models_equal(&m, &p);
	hn_model_free(&p);
	hn_model_free(&m);
	/* Errors name the file. */
	assert_int_equal(truncate(path, 50), 0);
	assert_int_equal(hn_model_read_file(path, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "truncated at layer 0 weights"));
	unlink(path);
	assert_int_equal(hn_model_read_file(path, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
	assert_int_equal(hn_model_read_file("/tmp", &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));
}

#define NCASES (sizeof(cases) / sizeof(cases[0]))

int main(void)
{
	struct CMUnitTest tests[NCASES + 9];
	size_t i, n = 0;

	for (i = 0; i < NCASES; i++)
		tests[n++] = (struct CMUnitTest){
			.name = cases[i].name,
			.test_func = test_malformed,
			.initial_state = (void *)&cases[i],
		};
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_valid_bases);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_ed25519_block);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_roundtrip_small);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_roundtrip_large);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_route_conversion);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_infer_stage);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_check_rejects);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_files);
	return _cmocka_run_group_tests("model", tests, n, NULL, NULL);
}
