// SPDX-License-Identifier: GPL-2.0
/*
 * The shipped Fashion-MNIST CNN (models/fmnist-cnn-*, split inference v2)
 * as the mesh runs it: its three .hnm stages chain 784 -> conv block ->
 * 16-byte bottleneck -> 10, every layer passes the engine's checks, and
 * through hn_model_infer() the first 1,000 test images are classified
 * exactly as well as the trainer recorded in the model's comment (so the
 * quantiser, the model library and the engine agree with the trainer's
 * own int8 chain); the committed text models quantise to the very .hnm
 * files built.  Skips (77) when dataset-fashion-mnist is not installed.
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
#define N_STAGES 3
#define PAYLOAD_MAX 16
#define WIRE_MAX 4096

static const char *const parts[N_STAGES] = { "cnn-conv", "cnn-enc",
					     "cnn-head" };
static const char *const texts[N_STAGES] = { "txt", "txt.gz", "txt" };

static struct hn_model m[N_STAGES];
static struct hn_idx images, labels;

static const char *data_dir(void)
{
	const char *d = getenv("HN_FMNIST_DATA");

	return d ? d : "/usr/share/datasets/fashion-mnist";
}

static int setup(void **state)
{
	const char *o = getenv("O");
	char path[4096], err[512];
	unsigned int i;

	(void)state;
	for (i = 0; i < N_STAGES; i++) {
		snprintf(path, sizeof(path), "%s/models/fmnist-%s.hnm",
			 o ? o : "build", parts[i]);
		if (hn_model_read_file(path, &m[i], err, sizeof(err))) {
			fprintf(stderr, "%s (run make fmnist-models)\n", err);
			return -1;
		}
	}
	snprintf(path, sizeof(path), "%s/t10k-images-idx3-ubyte.gz",
		 data_dir());
	if (hn_idx_read_file(path, 3, &images, err, sizeof(err)))
		goto fail;
	snprintf(path, sizeof(path), "%s/t10k-labels-idx1-ubyte.gz",
		 data_dir());
	if (hn_idx_read_file(path, 1, &labels, err, sizeof(err)) ||
	    hn_idx_check_pair(&images, &labels, err, sizeof(err)))
		goto fail;
	return 0;
fail:
	fprintf(stderr, "%s\n", err);
	return -1;
}

static int teardown(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < N_STAGES; i++)
		hn_model_free(&m[i]);
	hn_idx_free(&images);
	hn_idx_free(&labels);
	return 0;
}

static void test_shapes(void **state)
{
	unsigned int s, i;

	(void)state;
	assert_int_equal(hn_model_n_in(&m[0]), 784);
	assert_int_equal(m[0].in_exp, -7); /* pixel p -> (p >> 1) / 128 */
	for (s = 0; s < N_STAGES; s++) {
		assert_int_equal(m[s].kind, HN_MODEL_STAGE);
		assert_int_equal(m[s].stage, 4 + s);
		assert_true(hn_model_n_out(&m[s]) <= WIRE_MAX);
		for (i = 0; i < m[s].n_layers; i++)
			assert_int_equal(hn_op_check(&m[s].layers[i].op),
					 HN_OPE_OK);
		if (!s)
			continue;
		assert_int_equal(hn_model_n_in(&m[s]),
				 hn_model_n_out(&m[s - 1]));
		assert_int_equal(
			m[s].in_exp,
			m[s - 1].layers[m[s - 1].n_layers - 1].out_exp);
	}
	/* the main cut, after stage 2: a bottleneck of at most 16 bytes */
	assert_true(hn_model_n_out(&m[1]) <= PAYLOAD_MAX);
	assert_int_equal(hn_model_n_out(&m[2]), 10);
	assert_int_equal(m[0].layers[0].op.kind, HNET_OP_CONV2D);
}

static unsigned int argmax(const int8_t *z)
{
	unsigned int k, best = 0;

	for (k = 1; k < 10; k++)
		if (z[k] > z[best])
			best = k;
	return best;
}

/* "accuracy_1k X" from the head's text: what the trainer measured. */
static double recorded_accuracy(void)
{
	FILE *f = fopen(hn_t_src("models/fmnist-cnn-head.txt"), "r");
	char line[512];
	const char *p;
	double acc = -1;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) && line[0] == '#') {
		p = strstr(line, "accuracy_1k ");
		if (p && sscanf(p, "accuracy_1k %lf", &acc) == 1)
			break;
	}
	fclose(f);
	assert_true(acc > 0);
	return acc;
}

static void test_accuracy(void **state)
{
	static int8_t a[2][HN_MODEL_MAX_DIM];
	double want = recorded_accuracy();
	unsigned int i, k, s, ok = 0;

	(void)state;
	for (i = 0; i < N_IMAGES; i++) {
		const uint8_t *pix = images.data + (size_t)i * 784;

		for (k = 0; k < 784; k++)
			a[0][k] = pix[k] >> 1;
		for (s = 0; s < N_STAGES; s++)
			hn_model_infer(&m[s], a[s & 1], a[!(s & 1)], NULL);
		ok += argmax(a[N_STAGES & 1]) == labels.data[i];
	}
	printf("accuracy on the first %u test images: %.4f (recorded %.4f)\n",
	       N_IMAGES, (double)ok / N_IMAGES, want);
	assert_int_equal(ok, (unsigned int)(want * N_IMAGES + 0.5));
	assert_true(ok >= 0.9 * N_IMAGES);
}

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
	struct hn_quant_opts qo = { .generation = 1 };
	struct hn_fmodel fm;
	struct hn_model q;
	char path[256];
	double *calib;
	unsigned int i;
	size_t len;
	void *buf;

	(void)state;
	for (i = 0; i < N_STAGES; i++) {
		snprintf(path, sizeof(path), "models/fmnist-%s.%s", parts[i],
			 texts[i]);
		read_text(hn_t_src(path), &fm);
		snprintf(path, sizeof(path), "models/fmnist-%s.calib",
			 parts[i]);
		calib = hn_t_quantize_calib(&fm, path, &qo, &q, &buf, &len,
					    parts[i]);
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
		cmocka_unit_test(test_accuracy),
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
