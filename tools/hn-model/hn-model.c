// SPDX-License-Identifier: GPL-2.0
/*
 * hn-model: quantise float models into .hnm files, show and verify them.
 *
 * Exit codes: 0 success, 1 the input is invalid (or verification failed),
 * 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "model.h"
#include "quant.h"

#define EXIT_INVALID 1
#define EXIT_USAGE 2

static const char *prog = "hn-model";

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s quantize IN.txt OUT.hnm [--calib FILE] [--generation N] [--expiry UNIX]\n"
		"       %s show FILE.hnm [-j]\n"
		"       %s verify FILE.hnm\n"
		"\n"
		"  quantize  float text model -> .hnm (power-of-two scales), prints\n"
		"            the quantisation error against float inference\n"
		"  show      print header, layers and digest (-j: JSON)\n"
		"  verify    check structure, digest, signature block and expiry\n"
		"exit: 0 ok, 1 invalid input, 2 usage\n",
		prog, prog, prog);
}

static int bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	usage(stderr);
	return EXIT_USAGE;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *e;

	errno = 0;
	if (!*s || *s == '-')
		return -1;
	*v = strtoull(s, &e, 0);
	return *e || errno ? -1 : 0;
}

/* --generation or --expiry into @qo; 0, else the usage error (said). */
static int quant_u64_opt(int c, struct hn_quant_opts *qo)
{
	if (c == 'g' && parse_u64(optarg, &qo->generation))
		return bad_usage("bad --generation '%s' (unsigned integer)",
				 optarg);
	if (c == 'e' && parse_u64(optarg, &qo->expiry))
		return bad_usage("bad --expiry '%s' (unix seconds, 0 = none)",
				 optarg);
	return 0;
}

static int cmd_quantize(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "calib", required_argument, NULL, 'c' },
		{ "generation", required_argument, NULL, 'g' },
		{ "expiry", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct hn_quant_opts qo = { .generation = 1 };
	const char *calib = NULL;
	struct hn_quant_report rep;
	struct hn_fmodel fm;
	struct hn_model m;
	double *samples = NULL;
	char err[512];
	int c, ret = EXIT_INVALID;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:g:e:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			calib = optarg;
			break;
		case 'g':
		case 'e':
			if (quant_u64_opt(c, &qo))
				return EXIT_USAGE;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 2)
		return bad_usage("quantize needs IN.txt and OUT.hnm%s", "");
	if (hn_fmodel_read_file(argv[optind], &fm, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return EXIT_INVALID;
	}
	if (calib) {
		if (hn_calib_read_file(calib, fm.layers[0].n_in, &samples,
				       &qo.n_calib, err, sizeof(err))) {
			fprintf(stderr, "%s: %s\n", prog, err);
			goto out_fm;
		}
		qo.calib = samples;
	}
	if (hn_quantize(&fm, &qo, &m, &rep, err, sizeof(err))) {
		fprintf(stderr, "%s: %s: %s\n", prog, argv[optind], err);
		goto out_fm;
	}
	if (hn_model_write_file(argv[optind + 1], &m, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		goto out_m;
	}
	printf("%s: %s model, %u layers, generation %" PRIu64 "\n",
	       argv[optind + 1], hn_model_kind_name(m.kind), m.n_layers,
	       m.generation);
	printf("calibration: %zu samples (%s)\n", rep.n_samples,
	       rep.calibrated ? calib : "default: uniform over input_range");
	printf("quantisation error vs float: max %.6g (%.3f LSB), mean %.6g (%.3f LSB); LSB %.6g, |float out| max %.6g\n",
	       rep.max_err, rep.max_err_lsb, rep.mean_err, rep.mean_err_lsb,
	       rep.out_lsb, rep.out_absmax);
	ret = 0;
out_m:
	hn_model_free(&m);
out_fm:
	free(samples);
	hn_fmodel_free(&fm);
	return ret;
}

static uint64_t model_macs(const struct hn_model *m)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < m->n_layers; i++)
		n += hn_op_macs(&m->layers[i].op);
	return n;
}

static void hex(FILE *f, const uint8_t *p, size_t n)
{
	while (n--)
		fprintf(f, "%02x", *p++);
}

static const char *sig_name(unsigned int t)
{
	return t == HN_SIG_NONE	   ? "none" :
	       t == HN_SIG_ED25519 ? "ed25519" :
				     "unknown";
}

static const char *act_name(const struct hn_model_layer *l)
{
	if (l->op.kind == HNET_OP_MAXPOOL)
		return "";
	return l->flags & HN_LF_RAW  ? " raw" :
	       l->flags & HN_LF_RELU ? " relu" :
				       " linear";
}

static const char *op_name(unsigned int kind)
{
	return kind == HNET_OP_CONV2D  ? "conv" :
	       kind == HNET_OP_MAXPOOL ? "maxpool" :
					 "dense";
}

static void show_text(const struct hn_model *m)
{
	unsigned int i;
	char what[80];

	printf("kind        %s\n", hn_model_kind_name(m->kind));
	if (m->kind == HN_MODEL_STAGE)
		printf("stage       %u\n", m->stage);
	printf("generation  %" PRIu64 "\n", m->generation);
	printf("expiry      %" PRIu64 "%s\n", m->expiry,
	       m->expiry ? "" : " (none)");
	printf("format      version %u\n", hn_model_version(m));
	printf("input scale 2^%d\n", m->in_exp);
	for (i = 0; i < m->n_layers; i++) {
		const struct hn_model_layer *l = &m->layers[i];

		if (l->op.kind == HNET_OP_DENSE)
			snprintf(what, sizeof(what), "%u -> %u", l->n_in,
				 l->n_out);
		else
			hn_model_op_str(&l->op, what, sizeof(what));
		printf("layer %u     %s%s shift %u weights 2^%d output 2^%d\n",
		       i, what, act_name(l), l->shift, l->w_exp, l->out_exp);
	}
	printf("params      %llu bytes, %llu MACs\n",
	       (unsigned long long)hn_model_param_bytes(m),
	       (unsigned long long)model_macs(m));
	printf("sha256      ");
	hex(stdout, m->digest, sizeof(m->digest));
	printf("\nsignature   %s (%u bytes)\n", sig_name(m->sig_type),
	       m->sig_len);
}

static void show_json(const struct hn_model *m)
{
	unsigned int i;

	printf("{\"kind\":\"%s\",\"stage\":%u,\"version\":%u,\"generation\":%" PRIu64
	       ",\"expiry\":%" PRIu64
	       ",\"in_exp\":%d,\"param_bytes\":%llu,\"macs\":%llu,\"layers\":[",
	       hn_model_kind_name(m->kind), m->stage, hn_model_version(m),
	       m->generation, m->expiry, m->in_exp,
	       (unsigned long long)hn_model_param_bytes(m),
	       (unsigned long long)model_macs(m));
	for (i = 0; i < m->n_layers; i++) {
		const struct hn_model_layer *l = &m->layers[i];
		const struct hn_op *op = &l->op;

		printf("%s{\"op\":\"%s\",\"n_in\":%u,\"n_out\":%u,\"shift\":%u,\"relu\":%s,\"raw\":%s,\"w_exp\":%d,\"out_exp\":%d",
		       i ? "," : "", op_name(op->kind), l->n_in, l->n_out,
		       l->shift, l->flags & HN_LF_RELU ? "true" : "false",
		       l->flags & HN_LF_RAW ? "true" : "false", l->w_exp,
		       l->out_exp);
		if (op->kind != HNET_OP_DENSE)
			printf(",\"in_c\":%u,\"in_h\":%u,\"in_w\":%u,\"out_c\":%u,\"out_h\":%u,\"out_w\":%u,\"k\":%u,\"stride\":%u,\"pad\":%u",
			       op->in_c, op->in_h, op->in_w, op->out_c,
			       hn_op_out_h(op), hn_op_out_w(op), op->k,
			       op->stride, op->pad);
		printf(",\"macs\":%llu}", (unsigned long long)hn_op_macs(op));
	}
	printf("],\"sha256\":\"");
	hex(stdout, m->digest, sizeof(m->digest));
	printf("\",\"signature\":{\"type\":\"%s\",\"len\":%u}}\n",
	       sig_name(m->sig_type), m->sig_len);
}

static int cmd_show(int argc, char **argv)
{
	const char *path = NULL;
	struct hn_model m;
	char err[512];
	int i, json = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "-h") ||
			   !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1])
			return bad_usage("show: unknown option '%s'", argv[i]);
		else if (path)
			return bad_usage("show: more than one file ('%s')",
					 argv[i]);
		else
			path = argv[i];
	}
	if (!path)
		return bad_usage("show needs a FILE.hnm%s", "");
	if (hn_model_read_file(path, &m, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return EXIT_INVALID;
	}
	if (json)
		show_json(&m);
	else
		show_text(&m);
	hn_model_free(&m);
	return 0;
}

static int cmd_verify(int argc, char **argv)
{
	struct hn_model m;
	char err[512];
	time_t now = time(NULL);
	int ret = 0;

	if (argc == 2 &&
	    (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc != 2 || argv[1][0] == '-')
		return bad_usage("verify needs exactly one FILE.hnm%s", "");
	if (hn_model_read_file(argv[1], &m, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return EXIT_INVALID;
	}
	if (m.expiry && (uint64_t)now >= m.expiry) {
		fprintf(stderr, "%s: %s: expired at %" PRIu64 " (now %lld)\n",
			prog, argv[1], m.expiry, (long long)now);
		ret = EXIT_INVALID;
	} else {
		/* Signatures are checked by the agent once it has keys. */
		printf("%s: OK (%s model, generation %" PRIu64
		       ", digest valid, signature %s)\n",
		       argv[1], hn_model_kind_name(m.kind), m.generation,
		       m.sig_type == HN_SIG_NONE ?
			       "none" :
			       "present, not verified here");
	}
	hn_model_free(&m);
	return ret;
}

static int cmd_help(int argc, char **argv)
{
	usage(stdout);
	return 0;
}

static const struct hn_cmd cmds[] = { { .name = "quantize",
					.fn = cmd_quantize },
				      { .name = "show", .fn = cmd_show },
				      { .name = "verify", .fn = cmd_verify },
				      { .name = "help", .fn = cmd_help },
				      { NULL } };

static int bad_command(const char *word)
{
	if (!word)
		return bad_usage("missing command%s", "");
	return bad_usage("unknown command '%s'", word);
}

int main(int argc, char **argv)
{
	return hn_cmd_main(cmds, usage, bad_command, argc, argv);
}
