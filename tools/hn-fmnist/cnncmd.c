// SPDX-License-Identifier: GPL-2.0
/*
 * hn-fmnist train-cnn: the CNN of split inference v2, trained in float,
 * then quantisation-aware; its int8 stages checked with hn_op_run() on
 * the test set, then exported as one float text model and calibration
 * file per stage (cnnexport.c).  Documentation/split-inference.rst.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cnn.h"
#include "jsonw.h"

#define EXIT_USAGE 2
/* Calibration images: the first of the training set. */
#define CALIB_IMAGES 10000

static const char *prog = "hn-fmnist train-cnn";

/* The shipped model's recipe (make train-fmnist-cnn). */
static const struct fm_cnn_opts cnn_defaults = {
	.c1 = 16,
	.squeeze = 0, /* no 1x1 convolution: see --squeeze */
	.c2 = 32,
	.c3 = 0, /* no second 3x3 convolution in stage 5: see --c3 */
	.bottleneck = 16,
	.head_hidden = 64,
	.epochs = 10,
	.qat_epochs = 2,
	.batch = 64,
	.lr = 2e-3,
	.qat_lr = 1e-4,
	.wd = 0.01,
	.calib_q = 0.99,
	.flip = 1,
	.seed = 1,
};

struct cnn_cmd {
	const char *data, *models, *json;
	double train_limit;
	struct fm_cnn_opts o;
};

enum {
	O_DATA = 256,
	O_MODELS,
	O_JSON,
	O_SEED,
	O_EPOCHS,
	O_QAT_EPOCHS,
	O_C1,
	O_SQUEEZE,
	O_C2,
	O_C3,
	O_BOTT,
	O_HEAD_HIDDEN,
	O_BATCH,
	O_LR,
	O_QAT_LR,
	O_WD,
	O_SHIFT,
	O_FLIP,
	O_CALIB_Q,
	O_TRAIN_LIMIT,
};

static const struct option long_opts[] = {
	{ "data", required_argument, NULL, O_DATA },
	{ "models", required_argument, NULL, O_MODELS },
	{ "json", required_argument, NULL, O_JSON },
	{ "seed", required_argument, NULL, O_SEED },
	{ "epochs", required_argument, NULL, O_EPOCHS },
	{ "qat-epochs", required_argument, NULL, O_QAT_EPOCHS },
	{ "c1", required_argument, NULL, O_C1 },
	{ "squeeze", required_argument, NULL, O_SQUEEZE },
	{ "c2", required_argument, NULL, O_C2 },
	{ "c3", required_argument, NULL, O_C3 },
	{ "bottleneck", required_argument, NULL, O_BOTT },
	{ "head-hidden", required_argument, NULL, O_HEAD_HIDDEN },
	{ "batch", required_argument, NULL, O_BATCH },
	{ "lr", required_argument, NULL, O_LR },
	{ "qat-lr", required_argument, NULL, O_QAT_LR },
	{ "wd", required_argument, NULL, O_WD },
	{ "shift", required_argument, NULL, O_SHIFT },
	{ "flip", required_argument, NULL, O_FLIP },
	{ "calib-quantile", required_argument, NULL, O_CALIB_Q },
	{ "train-limit", required_argument, NULL, O_TRAIN_LIMIT },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hn-fmnist train-cnn [--data DIR] [--models DIR] [--json FILE]\n"
		"         [--seed N] [--epochs N] [--qat-epochs N] [--c1 N] [--squeeze N]\n"
		"         [--c2 N] [--c3 N] [--bottleneck N] [--head-hidden N] [--batch N]\n"
		"         [--lr X] [--qat-lr X] [--wd X] [--shift N] [--flip 0|1]\n"
		"         [--calib-quantile Q] [--train-limit N]\n"
		"Writes DIR/fmnist-cnn-*.{txt,txt.gz,calib} (default models).\n");
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int num(const char *s, double lo, double hi, double *v)
{
	char *e;

	errno = 0;
	*v = strtod(s, &e);
	return *e || e == s || errno || !(*v >= lo && *v <= hi) ? -1 : 0;
}

static int whole(const char *s, double lo, double hi, unsigned int *v)
{
	double x;

	if (num(s, lo, hi, &x) || x != floor(x))
		return -1;
	*v = x;
	return 0;
}

static int set_opt(struct cnn_cmd *c, int opt, const char *arg)
{
	struct fm_cnn_opts *o = &c->o;
	double seed;

	switch (opt) {
	case O_DATA:
		c->data = arg;
		return 0;
	case O_MODELS:
		c->models = arg;
		return 0;
	case O_JSON:
		c->json = arg;
		return 0;
	case O_SEED:
		if (num(arg, 0, 1e15, &seed) || seed != floor(seed))
			return -1;
		o->seed = seed;
		return 0;
	case O_EPOCHS:
		return whole(arg, 0, 1000, &o->epochs);
	case O_QAT_EPOCHS:
		return whole(arg, 0, 1000, &o->qat_epochs);
	case O_C1:
		return whole(arg, 1, 20, &o->c1);
	case O_SQUEEZE:
		return whole(arg, 0, 20, &o->squeeze);
	case O_C2:
		return whole(arg, 1, 64, &o->c2);
	case O_C3:
		return whole(arg, 0, 96, &o->c3);
	case O_BOTT:
		return whole(arg, 1, 4096, &o->bottleneck);
	case O_HEAD_HIDDEN:
		return whole(arg, 1, 4096, &o->head_hidden);
	case O_BATCH:
		return whole(arg, 1, 4096, &o->batch);
	case O_LR:
		return num(arg, 1e-7, 1, &o->lr);
	case O_QAT_LR:
		return num(arg, 1e-9, 1, &o->qat_lr);
	case O_WD:
		return num(arg, 0, 1, &o->wd);
	case O_SHIFT:
		return whole(arg, 0, 8, &o->shift);
	case O_FLIP:
		return whole(arg, 0, 1, &o->flip);
	case O_CALIB_Q:
		return num(arg, 0.5, 1, &o->calib_q);
	case O_TRAIN_LIMIT:
		return num(arg, 1, 1e9, &c->train_limit);
	}
	return -1;
}

static int parse(int argc, char **argv, struct cnn_cmd *c)
{
	int opt;

	*c = (struct cnn_cmd){ .data = FM_DATA_DIR,
			       .models = "models",
			       .o = cnn_defaults };
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			exit(0);
		}
		if (opt == '?' || set_opt(c, opt, optarg)) {
			if (opt != '?')
				fprintf(stderr, "%s: bad value: %s\n", prog,
					optarg);
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: no arguments expected\n", prog);
		return -1;
	}
	return 0;
}

static double cosine(double lr0, unsigned int e, unsigned int n)
{
	return lr0 * 0.5 * (1 + cos(M_PI * e / n));
}

static void phase(struct fm_cnn *net, const struct fm_set *train,
		  const struct fm_set *calib, const struct fm_set *test,
		  const struct fm_cnn_opts *o, unsigned int epochs, double lr0,
		  uint64_t *rng, const char *what)
{
	unsigned int e;
	double t0, loss;

	for (e = 0; e < epochs; e++) {
		t0 = now();
		if (net->qat && fm_cnn_calibrate(net, calib) < 0)
			fprintf(stderr, "%s: calibration failed\n", prog);
		loss = fm_cnn_train_epoch(net, train, o, cosine(lr0, e, epochs),
					  rng);
		printf("%s epoch %2u/%u: loss %.4f, test %.4f (%.1f s)\n", what,
		       e + 1, epochs, loss, fm_cnn_accuracy(net, test),
		       now() - t0);
		fflush(stdout);
	}
}

/* The figures of the trained net: accuracy and, per stage, cost. */
static void report(struct fm_cnn *net, const struct fm_cnn_q *q,
		   struct fm_cnn_result *r, const struct fm_set *test)
{
	int qat = net->qat;
	unsigned int s;

	net->qat = 0; /* the float text model: grid weights, float values */
	r->acc_float = fm_cnn_accuracy(net, test);
	net->qat = qat;
	r->acc_qat = fm_cnn_accuracy(net, test);
	r->acc_fixed = fm_cnn_q_accuracy(q, test, 0);
	r->acc_fixed_1k = fm_cnn_q_accuracy(q, test, FM_CNN_TEST_SUBSET);
	r->n_stages = q->n_stages;
	for (s = 0; s < q->n_stages; s++) {
		r->macs[s] = fm_cnn_stage_macs(q->op, q->first, s);
		r->out_bytes[s] = fm_cnn_stage_out(q->op, q->first, s);
	}
	printf("accuracy on %zu test images: int8 (hn_op_run) %.4f, float %.4f, QAT forward %.4f; int8 on the first %u: %.4f\n",
	       test->n, r->acc_fixed, r->acc_float, r->acc_qat,
	       FM_CNN_TEST_SUBSET, r->acc_fixed_1k);
	printf("cut 0 (raw image): %u bytes\n", FM_PIX);
	for (s = 0; s < q->n_stages; s++)
		printf("stage %u: layers %u-%u, %llu MACs, output %u bytes\n",
		       s + 1, q->first[s], q->first[s + 1] - 1,
		       (unsigned long long)r->macs[s], r->out_bytes[s]);
}

static void write_json(const char *path, const struct fm_cnn_result *r)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	struct jsonw w;
	unsigned int s;

	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return;
	}
	jsonw_init(&w, f);
	jsonw_obj_open(&w);
	jsonw_kv_float(&w, "accuracy_fixed", r->acc_fixed);
	jsonw_kv_float(&w, "accuracy_float", r->acc_float);
	jsonw_kv_float(&w, "train_seconds", r->seconds);
	jsonw_name(&w, "stages");
	jsonw_arr_open(&w);
	for (s = 0; s < r->n_stages; s++) {
		jsonw_obj_open(&w);
		jsonw_kv_u64(&w, "macs", r->macs[s]);
		jsonw_kv_u64(&w, "output_bytes", r->out_bytes[s]);
		jsonw_obj_close(&w);
	}
	jsonw_arr_close(&w);
	jsonw_obj_close(&w);
	fputc('\n', f);
	if (f != stdout)
		fclose(f);
}

static int train(struct fm_cnn *net, struct cnn_cmd *c,
		 const struct fm_set *train, const struct fm_set *test)
{
	struct fm_set calib = *train;
	struct fm_cnn_result r = { 0 };
	const struct fm_cnn_opts *o = &c->o;
	double t0 = now();
	struct fm_cnn_q q;
	char err[512];
	uint64_t rng = o->seed;
	int tries, ret;

	calib.n = train->n < CALIB_IMAGES ? train->n : CALIB_IMAGES;
	phase(net, train, &calib, test, o, o->epochs, o->lr, &rng, "float");
	if (fm_cnn_calibrate(net, &calib) < 0) {
		fprintf(stderr, "%s: calibration failed\n", prog);
		return -1;
	}
	printf("quantised before QAT %.4f\n", fm_cnn_accuracy(net, test));
	phase(net, train, &calib, test, o, o->qat_epochs, o->qat_lr, &rng,
	      "qat");
	/* settle: the exported scales are the ones trained with */
	for (tries = 0; tries < 3 && fm_cnn_calibrate(net, &calib) > 0; tries++)
		fm_cnn_train_epoch(net, train, o, o->qat_lr * 0.05, &rng);
	r.seconds = now() - t0;
	if (fm_cnn_quantize(net, &q))
		return -1;
	report(net, &q, &r, test);
	fm_cnn_q_free(&q);
	printf("training time %.0f s\n", r.seconds);
	if (c->json)
		write_json(c->json, &r);
	ret = fm_cnn_export(net, &calib, &r, c->models, err, sizeof(err));
	if (ret)
		fprintf(stderr, "%s: %s\n", prog, err);
	else
		printf("wrote %s/fmnist-cnn-*\n", c->models);
	return ret;
}

int fm_cmd_train_cnn(int argc, char **argv)
{
	struct fm_set tr, te;
	struct fm_cnn net;
	struct cnn_cmd c;
	char err[512];
	int ret = 1;

	if (parse(argc, argv, &c))
		return EXIT_USAGE;
	if (fm_load(c.data, "train", &tr, err, sizeof(err)) ||
	    fm_load(c.data, "t10k", &te, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return 1;
	}
	if (c.train_limit && c.train_limit < tr.n)
		tr.n = c.train_limit;
	if (fm_cnn_init(&net, &c.o)) {
		fprintf(stderr, "%s: bad architecture or out of memory\n",
			prog);
		goto out;
	}
	printf("cnn: conv3x3 %u, pool, conv1x1 %u (0: none) | conv3x3 %u, pool, conv3x3 %u (0: none), dense %u | dense %u relu, dense 10; %u+%u epochs, batch %u, seed %llu\n",
	       c.o.c1, c.o.squeeze, c.o.c2, c.o.c3, c.o.bottleneck,
	       c.o.head_hidden, c.o.epochs, c.o.qat_epochs, c.o.batch,
	       (unsigned long long)c.o.seed);
	fflush(stdout);
	ret = train(&net, &c, &tr, &te) ? 1 : 0;
	fm_cnn_free(&net);
out:
	fm_free(&tr);
	fm_free(&te);
	return ret;
}
