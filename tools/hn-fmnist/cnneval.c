// SPDX-License-Identifier: GPL-2.0
/*
 * hn-fmnist eval-cnn: the CNN's stages as the mesh runs them, the .hnm
 * files `hn-model quantize` made of the committed text models, chained
 * through hn_model_infer() (the module's arithmetic); the float text
 * models through hn_fmodel_infer() for the float reference.  Prints the
 * accuracy of both, and per cut what crosses the wire and per stage its
 * multiply-accumulates, as JSON.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cnn.h"
#include "jsonw.h"

#define EXIT_USAGE 2

static const char *prog = "hn-fmnist eval-cnn";

struct cnn_models {
	struct hn_model m[FM_CNN_STAGES];
	struct hn_fmodel f[FM_CNN_STAGES];
	int have_float;
};

struct cnn_eval {
	size_t n, ok_fixed, ok_float;
	unsigned int cut_bytes[FM_CNN_STAGES + 1];
	uint64_t macs[FM_CNN_STAGES];
	int have_float;
};

static void models_free(struct cnn_models *ms)
{
	unsigned int s;

	for (s = 0; s < FM_CNN_STAGES; s++) {
		hn_model_free(&ms->m[s]);
		hn_fmodel_free(&ms->f[s]);
	}
}

static int load_stage(const char *hnm_dir, const char *txt_dir, unsigned int s,
		      struct cnn_models *ms, char *err, size_t errlen)
{
	struct fm_part p = { .name = fm_cnn_part[s],
			     .stage = FM_CNN_STAGE_ID0 + s,
			     .txt = fm_cnn_gzipped(s) ? "txt.gz" : "txt" };
	struct hn_model *m = &ms->m[s];
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s.hnm", hnm_dir, p.name);
	if (hn_model_read_file(path, m, err, errlen))
		return -1;
	if (m->kind != HN_MODEL_STAGE || m->stage != p.stage)
		return hn_seterr(err, errlen, "%s: not a stage %u model", path,
				 p.stage);
	if (txt_dir && fm_read_text(txt_dir, &p, &ms->f[s], err, errlen))
		return -1;
	return 0;
}

/* 784 -> stage 1 -> stage 2 -> stage 3 -> 10, each input the last's. */
static int load_models(const char *hnm_dir, const char *txt_dir,
		       struct cnn_models *ms, char *err, size_t errlen)
{
	unsigned int s;

	memset(ms, 0, sizeof(*ms));
	for (s = 0; s < FM_CNN_STAGES; s++) {
		if (load_stage(hnm_dir, txt_dir, s, ms, err, errlen))
			goto fail;
		if (hn_model_n_in(&ms->m[s]) !=
		    (s ? hn_model_n_out(&ms->m[s - 1]) : FM_PIX)) {
			hn_seterr(err, errlen, "stage %u does not chain",
				  s + 1);
			goto fail;
		}
	}
	if (hn_model_n_out(&ms->m[FM_CNN_STAGES - 1]) != FM_CLASSES) {
		hn_seterr(err, errlen, "the last stage has not %u outputs",
			  FM_CLASSES);
		goto fail;
	}
	ms->have_float = !!txt_dir;
	return 0;
fail:
	models_free(ms);
	return -1;
}

static unsigned int argmax_s8(const int8_t *z)
{
	unsigned int k, best = 0;

	for (k = 1; k < FM_CLASSES; k++)
		if (z[k] > z[best])
			best = k;
	return best;
}

/* The int8 chain: the class, as the mesh computes it. */
unsigned int fm_cnn_classify_hnm(const struct hn_model *m, unsigned int n,
				 const uint8_t *pix)
{
	static __thread int8_t buf[2][HN_MODEL_MAX_DIM];
	unsigned int s, k;

	for (k = 0; k < FM_PIX; k++)
		buf[0][k] = fm_pixel(pix[k]);
	for (s = 0; s < n; s++)
		hn_model_infer(&m[s], buf[s & 1], buf[!(s & 1)], NULL);
	return argmax_s8(buf[n & 1]);
}

static unsigned int classify_float(const struct hn_fmodel *f,
				   const uint8_t *pix)
{
	static __thread double buf[2][HN_MODEL_MAX_DIM];
	unsigned int s, k, best = 0;
	const double *z;

	fm_pixels(pix, buf[0]);
	for (s = 0; s < FM_CNN_STAGES; s++)
		hn_fmodel_infer(&f[s], buf[s & 1], buf[!(s & 1)]);
	z = buf[FM_CNN_STAGES & 1];
	for (k = 1; k < FM_CLASSES; k++)
		if (z[k] > z[best])
			best = k;
	return best;
}

static void evaluate(const struct cnn_models *ms, const struct fm_set *s,
		     size_t limit, struct cnn_eval *ev)
{
	unsigned int st, i;
	size_t n;

	memset(ev, 0, sizeof(*ev));
	ev->n = limit && limit < s->n ? limit : s->n;
	ev->have_float = ms->have_float;
	ev->cut_bytes[0] = FM_PIX;
	for (st = 0; st < FM_CNN_STAGES; st++) {
		const struct hn_model *m = &ms->m[st];

		ev->cut_bytes[st + 1] = hn_model_n_out(m);
		for (i = 0; i < m->n_layers; i++)
			ev->macs[st] += hn_op_macs(&m->layers[i].op);
	}
	for (n = 0; n < ev->n; n++) {
		const uint8_t *pix = s->pix + n * FM_PIX;

		ev->ok_fixed += fm_cnn_classify_hnm(ms->m, FM_CNN_STAGES,
						    pix) == s->label[n];
		if (ms->have_float)
			ev->ok_float += classify_float(ms->f, pix) ==
					s->label[n];
	}
}

static void put_json(const struct cnn_eval *ev, FILE *f)
{
	struct jsonw w;
	unsigned int s;

	jsonw_init(&w, f);
	jsonw_obj_open(&w);
	jsonw_kv_u64(&w, "images", ev->n);
	jsonw_kv_float(&w, "accuracy_fixed", (double)ev->ok_fixed / ev->n);
	if (ev->have_float)
		jsonw_kv_float(&w, "accuracy_float",
			       (double)ev->ok_float / ev->n);
	/* the main cut: after stage 2, the bottleneck */
	jsonw_kv_u64(&w, "payload_bytes_per_image", ev->cut_bytes[2]);
	jsonw_name(&w, "cut_bytes");
	jsonw_arr_open(&w);
	for (s = 0; s <= FM_CNN_STAGES; s++)
		jsonw_u64(&w, ev->cut_bytes[s]);
	jsonw_arr_close(&w);
	jsonw_name(&w, "stage_macs");
	jsonw_arr_open(&w);
	for (s = 0; s < FM_CNN_STAGES; s++)
		jsonw_u64(&w, ev->macs[s]);
	jsonw_arr_close(&w);
	jsonw_obj_close(&w);
	fputc('\n', f);
}

static void print_eval(const struct cnn_eval *ev)
{
	unsigned int s;

	printf("images %zu: int8 stages chained %.4f", ev->n,
	       (double)ev->ok_fixed / ev->n);
	if (ev->have_float)
		printf(", float %.4f", (double)ev->ok_float / ev->n);
	printf("\ncut 0 (raw image): %u bytes\n", ev->cut_bytes[0]);
	for (s = 0; s < FM_CNN_STAGES; s++)
		printf("stage %u: %llu MACs; cut %u after it: %u bytes\n",
		       s + 1, (unsigned long long)ev->macs[s], s + 1,
		       ev->cut_bytes[s + 1]);
}

struct eval_args {
	const char *data, *models, *out, *json;
	double limit;
};

static int parse(int argc, char **argv, struct eval_args *a)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "models", required_argument, NULL, 'm' },
		{ "out", required_argument, NULL, 'o' },
		{ "json", required_argument, NULL, 'j' },
		{ "limit", required_argument, NULL, 'l' },
		{ 0 }
	};
	char *e;
	int c;

	*a = (struct eval_args){ .data = FM_DATA_DIR,
				 .models = "models",
				 .out = "build/models" };
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		const char **p = c == 'd' ? &a->data :
				 c == 'm' ? &a->models :
				 c == 'o' ? &a->out :
				 c == 'j' ? &a->json :
					    NULL;

		if (p) {
			*p = optarg;
		} else if (c == 'l') {
			a->limit = strtod(optarg, &e);
			if (*e || !(a->limit >= 1))
				return -1;
		} else {
			return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

static void write_json(const char *path, const struct cnn_eval *ev)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;

	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return;
	}
	put_json(ev, f);
	if (f != stdout)
		fclose(f);
}

int fm_cmd_eval_cnn(int argc, char **argv)
{
	struct cnn_models ms;
	struct eval_args a;
	struct cnn_eval ev;
	struct fm_set test;
	char err[512];

	if (parse(argc, argv, &a)) {
		fprintf(stderr,
			"usage: hn-fmnist eval-cnn [--data DIR] [--models DIR] [--out DIR]\n"
			"                          [--limit N] [--json FILE]\n");
		return EXIT_USAGE;
	}
	if (load_models(a.out, a.models, &ms, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return 1;
	}
	if (fm_load(a.data, "t10k", &test, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		models_free(&ms);
		return 1;
	}
	evaluate(&ms, &test, a.limit, &ev);
	print_eval(&ev);
	if (a.json)
		write_json(a.json, &ev);
	models_free(&ms);
	fm_free(&test);
	return 0;
}
