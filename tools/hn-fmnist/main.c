// SPDX-License-Identifier: GPL-2.0
/*
 * hn-fmnist: the split Fashion-MNIST model.
 *   train  float training, then quantisation-aware fine-tuning; writes the
 *          float text models with their calibration samples and the .hnm
 *   eval   float vs fixed-point split pipeline on the test set (JSON)
 *   train-cnn, eval-cnn  the CNN of split inference v2 (cnncmd.c,
 *          cnneval.c)
 *   infer  one test image through the pipeline
 *   partition, fed  federated shards and training (fedcmd.c)
 *
 * Exit codes: 0 success, 1 failure, 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "cnn.h"
#include "fmnist.h"

#define EXIT_USAGE 2

static const char *prog = "hn-fmnist";

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s train [--data DIR] [--models DIR] [--out DIR] [--seed N]\n"
		"                 [--epochs N] [--qat-epochs N] [--hidden N] [--bottleneck N]\n"
		"                 [--head-hidden N] [--batch N] [--lr X] [--qat-lr X] [--wd X]\n"
		"                 [--shift N] [--calib-quantile Q]\n"
		"       %s train-cnn|eval-cnn ...   (%s train-cnn --help)\n"
		"       %s eval [--data DIR] [--models DIR] [--out DIR] [--limit N] [--json FILE]\n"
		"       %s infer [--data DIR] [--out DIR] INDEX\n"
		"       %s partition|fed|fed-init|node ...   (%s fed --help, %s node --help)\n"
		"\n"
		"  --data    Fashion-MNIST IDX files (default " FM_DATA_DIR
		")\n"
		"  --models  float text models and .calib files (default models)\n"
		"  --out     .hnm files (default build/models)\n"
		"Documentation/split-inference.rst\n",
		prog, prog, prog, prog, prog, prog, prog, prog);
}

static int bad_usage(const char *what, const char *arg)
{
	fprintf(stderr, "%s: %s%s\n", prog, what, arg ? arg : "");
	usage(stderr);
	return EXIT_USAGE;
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

struct common {
	const char *data, *models, *out, *json;
	double limit;
};

enum {
	O_DATA = 256,
	O_MODELS,
	O_OUT,
	O_SEED,
	O_EPOCHS,
	O_QAT_EPOCHS,
	O_HIDDEN,
	O_BOTT,
	O_HEAD_HIDDEN,
	O_BATCH,
	O_LR,
	O_QAT_LR,
	O_WD,
	O_SHIFT,
	O_LIMIT,
	O_JSON,
	O_CALIB_Q
};

static const struct option long_opts[] = {
	{ "data", required_argument, NULL, O_DATA },
	{ "models", required_argument, NULL, O_MODELS },
	{ "out", required_argument, NULL, O_OUT },
	{ "seed", required_argument, NULL, O_SEED },
	{ "epochs", required_argument, NULL, O_EPOCHS },
	{ "qat-epochs", required_argument, NULL, O_QAT_EPOCHS },
	{ "hidden", required_argument, NULL, O_HIDDEN },
	{ "bottleneck", required_argument, NULL, O_BOTT },
	{ "head-hidden", required_argument, NULL, O_HEAD_HIDDEN },
	{ "batch", required_argument, NULL, O_BATCH },
	{ "lr", required_argument, NULL, O_LR },
	{ "qat-lr", required_argument, NULL, O_QAT_LR },
	{ "wd", required_argument, NULL, O_WD },
	{ "shift", required_argument, NULL, O_SHIFT },
	{ "calib-quantile", required_argument, NULL, O_CALIB_Q },
	{ "limit", required_argument, NULL, O_LIMIT },
	{ "json", required_argument, NULL, O_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

/* The shipped model's recipe (make train-fmnist). */
static const struct fm_train_opts train_defaults = {
	.hidden = 256,
	.bottleneck = 48,
	.head_hidden = 128,
	.epochs = 20,
	.qat_epochs = 4,
	.batch = 128,
	.lr = 2e-3,
	.qat_lr = 1e-4,
	.wd = 0.05,
	.shift = 0,
	.seed = 1,
	.calib_q = 0.99,
};

/* A whole number option into @v, within @lo..@hi. */
static int whole(const char *arg, double lo, double hi, unsigned int *v)
{
	double x;

	if (num(arg, lo, hi, &x) || x != floor(x))
		return -1;
	*v = x;
	return 0;
}

static int set_train_opt(int c, const char *arg, struct fm_train_opts *o)
{
	double seed;
	unsigned int shift;

	switch (c) {
	case O_LR:
		return num(arg, 1e-7, 1, &o->lr);
	case O_QAT_LR:
		return num(arg, 1e-9, 1, &o->qat_lr);
	case O_WD:
		return num(arg, 0, 1, &o->wd);
	case O_CALIB_Q:
		return num(arg, 0.5, 1, &o->calib_q);
	case O_EPOCHS:
		return whole(arg, 0, 1000, &o->epochs);
	case O_QAT_EPOCHS:
		return whole(arg, 0, 1000, &o->qat_epochs);
	case O_HIDDEN:
		return whole(arg, 1, HN_MODEL_MAX_DIM, &o->hidden);
	case O_BOTT:
		return whole(arg, 1, HN_MODEL_MAX_DIM, &o->bottleneck);
	case O_HEAD_HIDDEN:
		return whole(arg, 1, HN_MODEL_MAX_DIM, &o->head_hidden);
	case O_BATCH:
		return whole(arg, 1, 1024, &o->batch);
	case O_SHIFT:
		if (whole(arg, 0, 8, &shift))
			return -1;
		o->shift = shift;
		return 0;
	case O_SEED:
		if (num(arg, 0, 1e15, &seed) || seed != floor(seed))
			return -1;
		o->seed = seed;
		return 0;
	}
	return -1;
}

/* One option into @cm or @o; -1 on a bad value. */
static int set_opt(int c, const char *arg, struct common *cm,
		   struct fm_train_opts *o)
{
	const struct {
		int c;
		const char **v;
	} paths[] = {
		{ O_DATA, &cm->data },
		{ O_MODELS, &cm->models },
		{ O_OUT, &cm->out },
		{ O_JSON, &cm->json },
	};
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (paths[i].c == c) {
			*paths[i].v = arg;
			return 0;
		}
	}
	if (c == O_LIMIT)
		return num(arg, 1, 1e9, &cm->limit);
	return set_train_opt(c, arg, o);
}

/* The defaults, then the options: @cm and @o need no setting up. */
static int parse_opts(int argc, char **argv, struct common *cm,
		      struct fm_train_opts *o)
{
	int c;

	*cm = (struct common){ .data = FM_DATA_DIR,
			       .models = "models",
			       .out = "build/models" };
	*o = train_defaults;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		if (c == '?' || set_opt(c, optarg, cm, o))
			return bad_usage(c == '?' ? "bad option" :
						    "bad value: ",
					 c == '?' ? NULL : optarg);
	}
	return 0;
}

static int load_sets(const struct common *cm, struct fm_set *train,
		     struct fm_set *test)
{
	char err[512];

	if (train && fm_load(cm->data, "train", train, err, sizeof(err)))
		goto fail;
	if (test && fm_load(cm->data, "t10k", test, err, sizeof(err)))
		goto fail;
	return 0;
fail:
	fprintf(stderr, "%s: %s\n", prog, err);
	if (!fm_have_data(cm->data))
		fprintf(stderr, "%s: install Debian's dataset-fashion-mnist\n",
			prog);
	return -1;
}

/* Cosine decay from @lr0 over @n epochs. */
static double cosine(double lr0, unsigned int e, unsigned int n)
{
	return lr0 * 0.5 * (1 + cos(M_PI * e / n));
}

static void train_phase(struct fm_net *net, const struct fm_set *train,
			const struct fm_set *test,
			const struct fm_train_opts *o, unsigned int epochs,
			double lr0, uint64_t *rng, const char *what)
{
	unsigned int e;
	double t0, loss;

	for (e = 0; e < epochs; e++) {
		t0 = now();
		if (net->qat && fm_net_calibrate(net, train) < 0)
			fprintf(stderr, "%s: calibration failed\n", prog);
		loss = fm_train_epoch(net, train, o, cosine(lr0, e, epochs),
				      rng);
		printf("%s epoch %2u/%u: loss %.4f, test %.4f (%.1f s)\n", what,
		       e + 1, epochs, loss, fm_net_accuracy(net, test),
		       now() - t0);
		fflush(stdout);
	}
}

static int cmd_train(int argc, char **argv)
{
	struct common cm;
	struct fm_train_opts o;
	struct fm_set train, test;
	struct fm_net net;
	char err[512];
	uint64_t rng;
	double t0 = now();
	int ret = 1, tries;

	if (parse_opts(argc, argv, &cm, &o))
		return EXIT_USAGE;
	if (load_sets(&cm, &train, &test))
		return 1;
	if (fm_net_init(&net, &o)) {
		fprintf(stderr, "%s: out of memory\n", prog);
		goto out;
	}
	printf("784 -> %u relu -> %u | %u relu -> 10; %u+%u epochs, seed %llu\n",
	       o.hidden, o.bottleneck, o.head_hidden, o.epochs, o.qat_epochs,
	       (unsigned long long)o.seed);
	rng = o.seed;
	train_phase(&net, &train, &test, &o, o.epochs, o.lr, &rng, "float");
	printf("float accuracy %.4f\n", fm_net_accuracy(&net, &test));
	if (fm_net_calibrate(&net, &train) < 0) {
		fprintf(stderr, "%s: calibration failed\n", prog);
		goto out;
	}
	printf("quantised before QAT %.4f\n", fm_net_accuracy(&net, &test));
	train_phase(&net, &train, &test, &o, o.qat_epochs, o.qat_lr, &rng,
		    "qat");
	/* settle: the exported scales are the ones trained with */
	for (tries = 0; tries < 3 && fm_net_calibrate(&net, &train) > 0;
	     tries++)
		fm_train_epoch(&net, &train, &o, o.qat_lr * 0.05, &rng);
	printf("quantised after QAT %.4f\n", fm_net_accuracy(&net, &test));
	if (fm_export(&net, &train, cm.models, cm.out, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		goto out;
	}
	printf("wrote %s/fmnist-*.{txt,calib} and %s/fmnist-*.hnm\n", cm.models,
	       cm.out);
	printf("training time %.0f s\n", now() - t0);
	ret = 0;
out:
	fm_net_free(&net);
	fm_free(&train);
	fm_free(&test);
	return ret;
}

static void print_eval(const struct fm_eval *ev)
{
	printf("images %zu, payload %u bytes per image (784 raw)\n", ev->n,
	       ev->payload);
	printf("accuracy fixed-point split pipeline %.4f\n",
	       (double)ev->ok_fixed / ev->n);
	if (ev->have_float)
		printf("accuracy float %.4f\n", (double)ev->ok_float / ev->n);
	printf("split head (stage 2 -> 3) vs one-part head: %zu mismatches\n",
	       ev->split_mismatch);
}

static int cmd_eval(int argc, char **argv)
{
	struct common cm;
	struct fm_train_opts o;
	struct fm_models ms;
	struct fm_set test;
	struct fm_eval ev;
	char err[512];
	FILE *f = NULL;

	if (parse_opts(argc, argv, &cm, &o))
		return EXIT_USAGE;
	if (optind != argc)
		return bad_usage("eval takes no arguments: ", argv[optind]);
	if (fm_models_load(cm.out, cm.models, &ms, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return 1;
	}
	if (load_sets(&cm, NULL, &test)) {
		fm_models_free(&ms);
		return 1;
	}
	fm_evaluate(&ms, &test, cm.limit, &ev);
	print_eval(&ev);
	if (cm.json) {
		f = strcmp(cm.json, "-") ? fopen(cm.json, "w") : stdout;
		if (!f) {
			fprintf(stderr, "%s: %s: %s\n", prog, cm.json,
				strerror(errno));
		} else {
			fm_eval_json(&ev, f);
			if (f != stdout)
				fclose(f);
		}
	}
	fm_models_free(&ms);
	fm_free(&test);
	return ev.split_mismatch || (cm.json && !f) ? 1 : 0;
}

static int cmd_infer(int argc, char **argv)
{
	struct common cm;
	struct fm_train_opts o;
	int8_t bott[HN_MODEL_MAX_DIM], logits[FM_CLASSES];
	struct fm_models ms;
	struct fm_set test;
	unsigned int k, c;
	char err[512];
	double idx;

	if (parse_opts(argc, argv, &cm, &o))
		return EXIT_USAGE;
	if (optind + 1 != argc || num(argv[optind], 0, 9999, &idx))
		return bad_usage("infer needs a test image INDEX (0..9999)",
				 NULL);
	if (fm_models_load(cm.out, NULL, &ms, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return 1;
	}
	if (load_sets(&cm, NULL, &test)) {
		fm_models_free(&ms);
		return 1;
	}
	c = fm_classify(&ms, test.pix + (size_t)idx * FM_PIX, bott, logits);
	printf("image %u: label %u (%s), predicted %u (%s)\nbottleneck",
	       (unsigned int)idx, test.label[(size_t)idx],
	       fm_class_name(test.label[(size_t)idx]), c, fm_class_name(c));
	for (k = 0; k < hn_model_n_out(&ms.enc); k++)
		printf(" %d", bott[k]);
	printf("\nlogits");
	for (k = 0; k < FM_CLASSES; k++)
		printf(" %d", logits[k]);
	printf("\n");
	fm_models_free(&ms);
	fm_free(&test);
	return 0;
}

static const struct hn_cmd cmds[] = {
	{ .name = "train", .fn = cmd_train },
	{ .name = "train-cnn", .fn = fm_cmd_train_cnn },
	{ .name = "eval-cnn", .fn = fm_cmd_eval_cnn },
	{ .name = "eval", .fn = cmd_eval },
	{ .name = "infer", .fn = cmd_infer },
	{ .name = "partition", .fn = fm_cmd_partition },
	{ .name = "fed", .fn = fm_cmd_fed },
	{ .name = "fed-init", .fn = fm_cmd_fed_init },
	{ .name = "node", .fn = fm_cmd_node },
	{ NULL }
};

static int bad_command(const char *word)
{
	return bad_usage(word ? "unknown command " : "missing command", word);
}

int main(int argc, char **argv)
{
	return hn_cmd_main(cmds, usage, bad_command, argc, argv);
}
