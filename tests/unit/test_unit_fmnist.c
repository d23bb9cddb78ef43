// SPDX-License-Identifier: GPL-2.0
/*
 * The shipped split Fashion-MNIST model (Documentation/split-inference.rst)
 * through hn_model_infer(), the module's arithmetic: the stages chain,
 * the encoder + head reach the accuracy floor on the first 1,000 test
 * images, head-a then head-b give the one-part head's logits bit for bit,
 * and the committed text models quantise to the very .hnm files built.
 * Skips (77) when Debian's dataset-fashion-mnist is not installed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>

#include "helpers_hn.h"
#include "idx.h"
#include "model.h"
#include "quant.h"
#include "helpers_quant.h"

#define N_IMAGES 1000
#define ACC_FLOOR 0.86
#define PAYLOAD_MAX 48

static const char *const parts[] = { "encoder", "head", "head-a", "head-b" };
/* the encoder's text ships gzip'ed */
static const char *const texts[] = { "txt.gz", "txt", "txt", "txt" };
static const unsigned int stages[] = { 1, 2, 2, 3 };
enum { ENC, HEAD, HEAD_A, HEAD_B };

static struct hn_model m[4];
static struct hn_idx images, labels;

static const char *data_dir(void)
{
	const char *d = getenv("HN_FMNIST_DATA");

	return d ? d : "/usr/share/datasets/fashion-mnist";
}

static int load_models(void)
{
	const char *o = getenv("O");
	char path[4096], err[512];
	unsigned int i;

	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/models/fmnist-%s.hnm",
			 o ? o : "build", parts[i]);
		if (hn_model_read_file(path, &m[i], err, sizeof(err))) {
			fprintf(stderr, "%s (run make fmnist-models)\n", err);
			return -1;
		}
	}
	return 0;
}

static int setup(void **state)
{
	char path[4096], err[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/t10k-images-idx3-ubyte.gz",
		 data_dir());
	if (hn_idx_read_file(path, 3, &images, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/t10k-labels-idx1-ubyte.gz",
		 data_dir());
	if (hn_idx_read_file(path, 1, &labels, err, sizeof(err)) ||
	    hn_idx_check_pair(&images, &labels, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return load_models();
}

static int teardown(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < 4; i++)
		hn_model_free(&m[i]);
	hn_idx_free(&images);
	hn_idx_free(&labels);
	return 0;
}

static void test_shapes(void **state)
{
	unsigned int i, nb = hn_model_n_out(&m[ENC]);

	(void)state;
	for (i = 0; i < 4; i++) {
		assert_int_equal(m[i].kind, HN_MODEL_STAGE);
		assert_int_equal(m[i].stage, stages[i]);
	}
	assert_int_equal(images.item_len, 784);
	assert_int_equal(hn_model_n_in(&m[ENC]), 784);
	assert_true(nb >= 1 && nb <= PAYLOAD_MAX);
	assert_int_equal(m[ENC].in_exp, -7); /* pixel p -> (p >> 1) / 128 */
	assert_int_equal(hn_model_n_in(&m[HEAD]), nb);
	assert_int_equal(hn_model_n_in(&m[HEAD_A]), nb);
	assert_int_equal(hn_model_n_in(&m[HEAD_B]), hn_model_n_out(&m[HEAD_A]));
	assert_int_equal(hn_model_n_out(&m[HEAD]), 10);
	assert_int_equal(hn_model_n_out(&m[HEAD_B]), 10);
	/* each stage's input scale is its predecessor's output scale */
	assert_int_equal(m[HEAD].in_exp,
			 m[ENC].layers[m[ENC].n_layers - 1].out_exp);
	assert_int_equal(m[HEAD_B].in_exp, m[HEAD_A].layers[0].out_exp);
}

static unsigned int argmax(const int8_t *z)
{
	unsigned int k, best = 0;

	for (k = 1; k < 10; k++)
		if (z[k] > z[best])
			best = k;
	return best;
}

static void test_accuracy_and_split(void **state)
{
	int8_t in[784], bott[HN_MODEL_MAX_DIM], hid[HN_MODEL_MAX_DIM];
	int8_t one[10], two[10];
	unsigned int i, k, ok = 0, mismatch = 0;

	(void)state;
	for (i = 0; i < N_IMAGES; i++) {
		const uint8_t *pix = images.data + (size_t)i * 784;

		for (k = 0; k < 784; k++)
			in[k] = pix[k] >> 1;
		hn_model_infer(&m[ENC], in, bott, NULL);
		hn_model_infer(&m[HEAD], bott, one, NULL);
		hn_model_infer(&m[HEAD_A], bott, hid, NULL);
		hn_model_infer(&m[HEAD_B], hid, two, NULL);
		ok += argmax(one) == labels.data[i];
		mismatch += !!memcmp(one, two, sizeof(one));
	}
	printf("accuracy on the first %u test images: %.4f\n", N_IMAGES,
	       (double)ok / N_IMAGES);
	assert_true(ok >= ACC_FLOOR * N_IMAGES);
	assert_int_equal(mismatch, 0);
}

/* A text model, plain or gzip'ed (gzread passes plain files through). */
static void read_text(const char *path, struct hn_fmodel *fm)
{
	char *buf, err[512];
	gzFile z = gzopen(path, "rb");
	size_t len;

	if (!z)
		fail_msg("%s: cannot open", path);
	buf = hn_t_gz_read(z, &len);
	if (hn_fmodel_parse(buf, len, fm, err, sizeof(err)))
		fail_msg("%s: %s", path, err);
	free(buf);
}

/* `make fmnist-models` output == the committed text quantised again. */
static void test_text_reproduces_hnm(void **state)
{
	char path[256];
	struct hn_quant_opts qo = { .generation = 1 };
	struct hn_fmodel fm;
	struct hn_model q;
	double *calib;
	unsigned int i;
	size_t len;
	void *buf;

	(void)state;
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "models/fmnist-%s.%s", parts[i],
			 texts[i]);
		read_text(hn_t_src(path), &fm);
		snprintf(path, sizeof(path), "models/fmnist-%s.calib",
			 parts[i]);
		calib = hn_t_quantize_calib(&fm, path, &qo, &q, &buf, &len,
					    parts[i]);
		/* the digest covers every byte but the signature block */
		assert_memory_equal(q.digest, m[i].digest, sizeof(q.digest));
		free(buf);
		hn_model_free(&q);
		hn_fmodel_free(&fm);
		free(calib);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_accuracy_and_split),
		cmocka_unit_test(test_text_reproduces_hnm),
	};
	char path[4096];

	snprintf(path, sizeof(path), "%s/t10k-labels-idx1-ubyte.gz",
		 data_dir());
	if (access(path, R_OK)) {
		printf("SKIPPED: %s missing (install dataset-fashion-mnist)\n",
		       path);
		return 77;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
