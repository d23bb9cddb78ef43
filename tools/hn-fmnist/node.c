// SPDX-License-Identifier: GPL-2.0
/*
 * hn-fmnist fed-init: a campaign's starting model (a float checkpoint)
 * and validation set.
 * hn-fmnist node: the trainer a node runs beside its hypernetd.  For
 * each round r of the campaign: the global model (the campaign's start,
 * then the state directory's), local training on the node's own shard,
 * the update clipped and encoded as `hn-fmnist fed` encodes it, handed
 * to the agent (`hnctl campaign submit --round r`), the round's sum
 * fetched (`hnctl campaign result --round r -o`), decoded and applied,
 * kept only if the acceptance gate passes it on the validation set, and
 * persisted, so that a restarted trainer resumes at the next round.
 * Training stays out of hypernetd.  Documentation/federated.rst, "The
 * node's trainer".
 *
 * Checkpoint file (HNFP), little endian:
 *	magic "HNFP" (4), version 1 (u32), hidden, bottleneck,
 *	head_hidden (u32 each), round (u32: rounds applied, 0 for a
 *	start), count (u32), count float32 (fm_net_get()'s order)
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "campaign.h"
#include "fedvec.h"
#include "fileio.h"
#include "fmnist.h"
#include "partition.h"
#include "robust.h"
#include "sa_fixed.h"

#define EXIT_USAGE 2
#define CK_MAGIC "HNFP"
#define CK_VERSION 1
#define CK_HDR 28
#define CK_MAX (64u << 20)
#define VAL_MAX 100000 /* images in a validation set */

static const char *prog = "hn-fmnist";

/* ---- checkpoints ------------------------------------------------------- */

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint8_t *ck_image(const struct fm_net *net, uint32_t round, size_t *len)
{
	size_t d = fm_net_dim(net), i;
	float *v = malloc(d * sizeof(*v));
	uint8_t *b = malloc(CK_HDR + 4 * d);
	uint32_t bits;

	if (!v || !b) {
		free(v);
		free(b);
		return NULL;
	}
	fm_net_get(net, v);
	memcpy(b, CK_MAGIC, 4);
	put32(b + 4, CK_VERSION);
	put32(b + 8, net->l[0].n_out);
	put32(b + 12, net->l[1].n_out);
	put32(b + 16, net->l[2].n_out);
	put32(b + 20, round);
	put32(b + 24, d);
	for (i = 0; i < d; i++) {
		memcpy(&bits, &v[i], 4);
		put32(b + CK_HDR + 4 * i, bits);
	}
	free(v);
	*len = CK_HDR + 4 * d;
	return b;
}

/*
 * @net's weights and @round into @path, atomically; the file's SHA-256
 * into @sha when not NULL.
 */
static int ck_write(const struct fm_net *net, uint32_t round, const char *path,
		    uint8_t *sha)
{
	char err[512];
	size_t len;
	uint8_t *b = ck_image(net, round, &len);
	int ret;

	if (!b) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return -1;
	}
	if (sha)
		SHA256(b, len, sha);
	ret = hn_write_file(path, b, len, 0644, 0, err, sizeof(err));
	free(b);
	if (ret)
		fprintf(stderr, "%s: %s\n", prog, err);
	return ret ? -1 : 0;
}

/*
 * The checkpoint @path into @net (made here), its round into *@round and
 * the file's SHA-256 into @sha.  0, or -1 said why.
 */
static int ck_read(const char *path, struct fm_net *net, uint32_t *round,
		   uint8_t sha[32])
{
	struct fm_train_opts o = { .calib_q = 0.99 };
	char err[512];
	const uint8_t *b;
	size_t len, d, i;
	float *v = NULL;
	void *buf;
	uint32_t bits;
	int ret = -1;

	if (hn_read_file(path, CK_MAX, 0, &buf, &len, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return -1;
	}
	b = buf;
	SHA256(b, len, sha);
	if (len < CK_HDR || memcmp(b, CK_MAGIC, 4) ||
	    get32(b + 4) != CK_VERSION) {
		fprintf(stderr, "%s: %s: not a float checkpoint (HNFP 1)\n",
			prog, path);
		goto out;
	}
	o.hidden = get32(b + 8);
	o.bottleneck = get32(b + 12);
	o.head_hidden = get32(b + 16);
	*round = get32(b + 20);
	if (!o.hidden || o.hidden > HN_MODEL_MAX_DIM || !o.bottleneck ||
	    o.bottleneck > HN_MODEL_MAX_DIM || !o.head_hidden ||
	    o.head_hidden > HN_MODEL_MAX_DIM || fm_net_init(net, &o)) {
		fprintf(stderr, "%s: %s: bad dimensions\n", prog, path);
		goto out;
	}
	d = fm_net_dim(net);
	if (get32(b + 24) != d || len != CK_HDR + 4 * d ||
	    !(v = malloc(d * sizeof(*v)))) {
		fprintf(stderr, "%s: %s: %zu bytes, not %zu weights\n", prog,
			path, len, d);
		fm_net_free(net);
		goto out;
	}
	for (i = 0; i < d; i++) {
		bits = get32(b + CK_HDR + 4 * i);
		memcpy(&v[i], &bits, 4);
	}
	fm_net_set(net, v);
	ret = 0;
out:
	free(v);
	free(buf);
	return ret;
}

static void hex(const uint8_t *b, char *out)
{
	unsigned int i;

	for (i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

/* ---- options ----------------------------------------------------------- */

struct node_opts {
	const char *data, *campaign, *start, *state, *valset, *hnctl, *ctl;
	const char *shard;
	const char *out, *valset_out;
	const char *encoder_out, *head_out, *stage_dev;
	struct hn_part_opts part;
	struct fm_train_opts train;
	unsigned int node, valset_n, timeout, weight_cap;
	unsigned int calib_n; /* calibration: the first N validation images */
	unsigned int qat_rounds; /* the campaign's last N rounds train QAT */
	uint64_t valset_seed; /* fed-init: the nodes' --seed */
	int have_valset_seed;
	double poison; /* tests: an update times this, unclipped; 0 none */
	long edge_pid;
	int have_node;
	int export_all; /* fm_export()'s every file into STATE/quantised */
};

enum {
	N_DATA = 256,
	N_CAMPAIGN,
	N_START,
	N_STATE,
	N_VALSET,
	N_HNCTL,
	N_CTL,
	N_SHARD,
	N_PART,
	N_SEED,
	N_NODES,
	N_NODE,
	N_BATCH,
	N_HIDDEN,
	N_BOTT,
	N_HEAD_HIDDEN,
	N_VALSET_N,
	N_VALSET_OUT,
	N_VALSET_SEED,
	N_TIMEOUT,
	N_WEIGHT_CAP,
	N_ENC_OUT,
	N_EDGE_PID,
	N_HEAD_OUT,
	N_STAGE_DEV,
	N_POISON,
	N_EXPORT_ALL,
	N_CALIB,
	N_QAT,
};

static const struct option node_long[] = {
	{ "data", required_argument, NULL, N_DATA },
	{ "campaign", required_argument, NULL, N_CAMPAIGN },
	{ "start", required_argument, NULL, N_START },
	{ "state", required_argument, NULL, N_STATE },
	{ "valset", required_argument, NULL, N_VALSET },
	{ "hnctl", required_argument, NULL, N_HNCTL },
	{ "ctl", required_argument, NULL, N_CTL },
	{ "shard", required_argument, NULL, N_SHARD },
	{ "partition", required_argument, NULL, N_PART },
	{ "seed", required_argument, NULL, N_SEED },
	{ "nodes", required_argument, NULL, N_NODES },
	{ "node", required_argument, NULL, N_NODE },
	{ "batch", required_argument, NULL, N_BATCH },
	{ "hidden", required_argument, NULL, N_HIDDEN },
	{ "bottleneck", required_argument, NULL, N_BOTT },
	{ "head-hidden", required_argument, NULL, N_HEAD_HIDDEN },
	{ "valset-size", required_argument, NULL, N_VALSET_N },
	{ "valset-out", required_argument, NULL, N_VALSET_OUT },
	{ "valset-seed", required_argument, NULL, N_VALSET_SEED },
	{ "timeout", required_argument, NULL, N_TIMEOUT },
	{ "weight-cap", required_argument, NULL, N_WEIGHT_CAP },
	{ "encoder-out", required_argument, NULL, N_ENC_OUT },
	{ "edge-pid", required_argument, NULL, N_EDGE_PID },
	{ "head-out", required_argument, NULL, N_HEAD_OUT },
	{ "stage-dev", required_argument, NULL, N_STAGE_DEV },
	{ "poison", required_argument, NULL, N_POISON },
	{ "export-all", no_argument, NULL, N_EXPORT_ALL },
	{ "calib", required_argument, NULL, N_CALIB },
	{ "qat-rounds", required_argument, NULL, N_QAT },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

static void node_usage(FILE *f)
{
	fprintf(f,
		"usage: %s fed-init [--seed N] [--hidden N] [--bottleneck N] [--head-hidden N]\n"
		"                 -o START.hnfp [--valset-size N --valset-out FILE\n"
		"                 [--valset-seed N]] [--data DIR]\n"
		"       %s node --campaign FILE.hnc --start START.hnfp --valset FILE\n"
		"                 --state DIR --node K [--shard FILE | --nodes N\n"
		"                 --partition SCHEME] [--seed N] [--weight-cap N]\n"
		"                 [--batch N] [--data DIR]\n"
		"                 [--hnctl PATH] [--ctl SOCK] [--timeout S]\n"
		"                 [--encoder-out PATH [--edge-pid PID]]\n"
		"                 [--head-out PATH [--stage-dev DEV]] [--export-all]\n"
		"                 [--calib N] [--qat-rounds N]\n"
		"                 [--poison signflip|scale10]  (tests: a poisoned node)\n"
		"Documentation/federated.rst, \"The node's trainer\"\n",
		prog, prog);
}

static int bad(const char *what, const char *arg)
{
	fprintf(stderr, "%s: %s%s\n", prog, what, arg ? arg : "");
	node_usage(stderr);
	return EXIT_USAGE;
}

static int whole(const char *s, double lo, double hi, unsigned int *v)
{
	char *e;
	double x;

	errno = 0;
	x = strtod(s, &e);
	if (*e || e == s || errno || !(x >= lo && x <= hi) || x != floor(x))
		return -1;
	*v = x;
	return 0;
}

static int set_path(int c, const char *arg, struct node_opts *o)
{
	const char **p[] = {
		[N_DATA - N_DATA] = &o->data,
		[N_CAMPAIGN - N_DATA] = &o->campaign,
		[N_START - N_DATA] = &o->start,
		[N_STATE - N_DATA] = &o->state,
		[N_VALSET - N_DATA] = &o->valset,
		[N_HNCTL - N_DATA] = &o->hnctl,
		[N_CTL - N_DATA] = &o->ctl,
		[N_SHARD - N_DATA] = &o->shard,
	};

	if (c < N_DATA || c > N_SHARD)
		return 1;
	*p[c - N_DATA] = arg;
	return 0;
}

static int set_model_opt(int c, const char *arg, struct node_opts *o)
{
	char err[256];
	unsigned int v;

	switch (c) {
	case N_PART:
		if (hn_part_parse(arg, &o->part, err, sizeof(err))) {
			fprintf(stderr, "%s: %s\n", prog, err);
			return -1;
		}
		return 0;
	case N_SEED:
		if (whole(arg, 0, 4e9, &v))
			return -1;
		o->part.seed = o->train.seed = v;
		return 0;
	case N_NODES:
		return whole(arg, 1, HN_PART_MAX_NODES, &o->part.nodes);
	case N_NODE:
		o->have_node = 1;
		return whole(arg, 0, HN_PART_MAX_NODES - 1, &o->node);
	case N_BATCH:
		return whole(arg, 1, 1024, &o->train.batch);
	case N_HIDDEN:
		return whole(arg, 1, HN_MODEL_MAX_DIM, &o->train.hidden);
	case N_BOTT:
		return whole(arg, 1, HN_MODEL_MAX_DIM, &o->train.bottleneck);
	case N_HEAD_HIDDEN:
		return whole(arg, 1, HN_MODEL_MAX_DIM, &o->train.head_hidden);
	case N_VALSET_N:
		return whole(arg, 1, VAL_MAX, &o->valset_n);
	case N_VALSET_SEED:
		if (whole(arg, 0, 4e9, &v))
			return -1;
		o->valset_seed = v;
		o->have_valset_seed = 1;
		return 0;
	case N_TIMEOUT:
		return whole(arg, 1, 86400, &o->timeout);
	case N_CALIB:
		return whole(arg, 1, VAL_MAX, &o->calib_n);
	case N_QAT:
		return whole(arg, 0, HN_CP_MAX_ROUNDS, &o->qat_rounds);
	case N_WEIGHT_CAP:
		return whole(arg, 1, 1e9, &o->weight_cap);
	}
	return -1;
}

static int set_node_opt(int c, const char *arg, struct node_opts *o)
{
	unsigned int pid;

	if (!set_path(c, arg, o))
		return 0;
	switch (c) {
	case 'o':
		o->out = arg;
		return 0;
	case N_VALSET_OUT:
		o->valset_out = arg;
		return 0;
	case N_ENC_OUT:
		o->encoder_out = arg;
		return 0;
	case N_HEAD_OUT:
		o->head_out = arg;
		return 0;
	case N_EXPORT_ALL:
		o->export_all = 1;
		return 0;
	case N_STAGE_DEV:
		o->stage_dev = arg;
		return 0;
	case N_POISON:
		if (strcmp(arg, "signflip") && strcmp(arg, "scale10"))
			return -1;
		o->poison = arg[1] == 'i' ? -1 : 10;
		return 0;
	case N_EDGE_PID:
		if (whole(arg, 2, 4194304, &pid))
			return -1;
		o->edge_pid = pid;
		return 0;
	}
	return set_model_opt(c, arg, o);
}

static int parse_node(int argc, char **argv, struct node_opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->data = FM_DATA_DIR;
	o->hnctl = "hnctl";
	o->timeout = 600;
	/* 250: the int8 test accuracy of 1,000's (federated.rst) */
	o->calib_n = 250;
	o->part = (struct hn_part_opts){
		.scheme = HN_PART_DIRICHLET, .alpha = 0.5, .nodes = 8, .seed = 1
	};
	o->train = (struct fm_train_opts){ .hidden = 256,
					   .bottleneck = 48,
					   .head_hidden = 128,
					   .batch = 32,
					   .calib_q = 0.99,
					   .seed = 1 };
	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", node_long, NULL)) != -1) {
		if (c == 'h') {
			node_usage(stdout);
			exit(0);
		}
		if (c == '?' || set_node_opt(c, optarg, o))
			return bad(c == '?' ? "bad option" : "bad value: ",
				   c == '?' ? NULL : optarg);
	}
	if (optind != argc)
		return bad("no arguments expected: ", argv[optind]);
	return 0;
}

/* ---- data -------------------------------------------------------------- */

static int load(const char *dir, const char *prefix, struct fm_set *s)
{
	char err[512];

	if (!fm_load(dir, prefix, s, err, sizeof(err)))
		return 0;
	fprintf(stderr, "%s: %s\n", prog, err);
	return -1;
}

/* Validation set file: n images (784 bytes each), then their n labels. */
static int valset_read(const char *path, const uint8_t want[32],
		       struct fm_set *v)
{
	uint8_t sha[32];
	char err[512], h1[65], h2[65];
	size_t len;
	void *buf;

	memset(v, 0, sizeof(*v));
	if (hn_read_file(path, (size_t)VAL_MAX * (FM_PIX + 1), 0, &buf, &len,
			 err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return -1;
	}
	SHA256(buf, len, sha);
	if (memcmp(sha, want, 32)) {
		hex(sha, h1);
		hex(want, h2);
		fprintf(stderr,
			"%s: %s: sha256 %s, the campaign's validation set is %s: refused\n",
			prog, path, h1, h2);
		free(buf);
		return -1;
	}
	if (!len || len % (FM_PIX + 1)) {
		fprintf(stderr, "%s: %s: not images and labels\n", prog, path);
		free(buf);
		return -1;
	}
	v->n = len / (FM_PIX + 1);
	v->pix = buf;
	v->label = malloc(v->n);
	if (!v->label) {
		free(buf);
		return -1;
	}
	memcpy(v->label, v->pix + v->n * FM_PIX, v->n);
	return 0;
}

/* ---- fed-init ---------------------------------------------------------- */

/*
 * The campaign's validation set: --valset-size training images drawn by
 * the nodes' partition seed (--valset-seed, by default --seed) as `fed`
 * draws its own (fm_valset_take()); every node's shard leaves them out.
 */
static int write_valset(const struct node_opts *o)
{
	uint64_t seed = o->have_valset_seed ? o->valset_seed : o->part.seed;
	struct fm_set train, val;
	uint8_t *b, sha[32];
	char err[512], h[65];
	int ret = -1;

	if (load(o->data, "train", &train))
		return -1;
	if (fm_valset_take(&train, o->valset_n, seed, &val)) {
		fprintf(stderr, "%s: no %u of %zu training images\n", prog,
			o->valset_n, train.n);
		fm_free(&train);
		return -1;
	}
	b = malloc(val.n * (FM_PIX + 1));
	if (b) {
		memcpy(b, val.pix, val.n * FM_PIX);
		memcpy(b + val.n * FM_PIX, val.label, val.n);
		SHA256(b, val.n * (FM_PIX + 1), sha);
		ret = hn_save_file(o->valset_out, b, val.n * (FM_PIX + 1), err,
				   sizeof(err));
		if (ret)
			fprintf(stderr, "%s: %s\n", prog, err);
		hex(sha, h);
		if (!ret)
			printf("%s: %zu training images (seed %llu), sha256 %s\n",
			       o->valset_out, val.n, (unsigned long long)seed,
			       h);
	}
	free(b);
	fm_free(&train);
	fm_free(&val);
	return ret;
}

int fm_cmd_fed_init(int argc, char **argv)
{
	struct node_opts o;
	struct fm_net net;
	uint8_t sha[32];
	uint32_t round;
	char h[65];

	if (parse_node(argc, argv, &o))
		return EXIT_USAGE;
	if (!o.out || !o.valset_n != !o.valset_out)
		return bad("-o, and --valset-size with --valset-out", NULL);
	if (fm_net_init(&net, &o.train)) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return 1;
	}
	if (ck_write(&net, 0, o.out, NULL)) {
		fm_net_free(&net);
		return 1;
	}
	fm_net_free(&net);
	if (ck_read(o.out, &net, &round, sha))
		return 1;
	hex(sha, h);
	printf("%s: %zu weights, sha256 %s\n", o.out, fm_net_dim(&net), h);
	fm_net_free(&net);
	return o.valset_out && write_valset(&o) ? 1 : 0;
}

/* ---- the trainer ------------------------------------------------------- */

struct node_run {
	const struct node_opts *o;
	struct hn_campaign c;
	struct fm_net global, work;
	struct fm_set train, val;
	struct hn_partition part;
	const size_t *ids;
	size_t n_ids, d;
	double weight, scale, clip, clip_enc;
	float *u, *sum, *saved;
	uint32_t *q;
	uint32_t next; /* the round to run */
	char path[3][4200]; /* model, update, sum */
	/* a round's sums: one, or each group's (the campaign's groups) */
	unsigned int ng, *gsize, *grp;
	float **gsum;
	uint8_t *ggot;
	uint32_t *rids;
};

enum { P_MODEL, P_UPDATE, P_SUM };

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void nap(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * Run hnctl (with -S when --ctl) with @args; its stdout into @out (up to
 * @outlen - 1 bytes, NUL ended) when not NULL, else to /dev/null; its
 * stderr to /dev/null when @quiet.  The exit status, or -1.
 */
static int hnctl(const struct node_opts *o, const char *const *args, char *out,
		 size_t outlen, int quiet)
{
	const char *argv[16];
	int fd[2] = { -1, -1 }, st, i = 0, n;
	size_t got = 0;
	pid_t pid;

	argv[i++] = o->hnctl;
	if (o->ctl) {
		argv[i++] = "-S";
		argv[i++] = o->ctl;
	}
	while (*args && i < 15)
		argv[i++] = *args++;
	argv[i] = NULL;
	if (out && pipe(fd))
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		if (out) {
			close(fd[0]);
			close(fd[1]);
		}
		return -1;
	}
	if (!pid) {
		int null = open("/dev/null", O_WRONLY);

		dup2(out ? fd[1] : null, 1);
		if (quiet)
			dup2(null, 2);
		if (out)
			close(fd[0]);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "%s: %s: %s\n", prog, argv[0], strerror(errno));
		_exit(127);
	}
	if (out) {
		close(fd[1]);
		while (got + 1 < outlen &&
		       (n = read(fd[0], out + got, outlen - 1 - got)) > 0)
			got += n;
		out[got] = 0;
		close(fd[0]);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Fetch round @r's sum into P_SUM: 0 when there. */
static int fetch_result(struct node_run *nr, uint32_t r)
{
	char rs[16];
	const char *args[] = { "campaign", "result",	    "--round", rs,
			       "-o",	   nr->path[P_SUM], NULL };

	snprintf(rs, sizeof(rs), "%u", r);
	return hnctl(nr->o, args, NULL, 0, 1) ? -1 : 0;
}

/* The number of updates summed in round @r, from `-j campaign result`. */
static long result_count(struct node_run *nr, uint32_t r)
{
	char rs[16], out[4096], *p;
	const char *args[] = { "-j", "campaign", "result", "--round", rs, NULL };

	snprintf(rs, sizeof(rs), "%u", r);
	if (hnctl(nr->o, args, out, sizeof(out), 1) ||
	    !(p = strstr(out, "\"n_summed\":")))
		return -1;
	return strtol(p + 11, NULL, 10);
}

/*
 * Where the agent is (`-j campaign status`): the last round it is done
 * with (its own group's result in) into *@done, the first round whose
 * results it keeps or fetches into *@from.  0, or -1 when it does not
 * say.
 */
static int agent_results(struct node_run *nr, unsigned long *done,
			 unsigned long *from)
{
	const char *args[] = { "-j", "campaign", "status", NULL };
	char out[8192], *p, *q;

	if (hnctl(nr->o, args, out, sizeof(out), 1) ||
	    !(p = strstr(out, "\"done_round\":")) ||
	    !(q = strstr(out, "\"keep_from\":")))
		return -1;
	*done = strtoul(p + 13, NULL, 10);
	*from = strtoul(q + 12, NULL, 10);
	return 0;
}

/*
 * Whether the agent is past round @r already (the mesh went on without
 * this node): its results are there or being fetched, no update is due.
 */
static int agent_past(struct node_run *nr, uint32_t r)
{
	unsigned long done, from;

	return !agent_results(nr, &done, &from) && done >= r;
}

/* The id of round @r's result of group @g: its sub-round, or @r. */
static uint32_t result_id(const struct node_run *nr, uint32_t r, unsigned int g)
{
	return nr->c.groups ? r * HN_RB_MAX_GROUPS + g : r;
}

static int read_sum(struct node_run *nr);

/*
 * Round @r's sums not fetched yet (the one sum, or each group's),
 * fetched and decoded: into nr->sum, or each group's into nr->gsum.  0
 * when all are in.
 */
static int fetch_sums(struct node_run *nr, uint32_t r)
{
	unsigned int g;
	int all = 1;

	for (g = 0; g < nr->ng; g++) {
		if (nr->ggot[g])
			continue;
		if (fetch_result(nr, result_id(nr, r, g)) || read_sum(nr)) {
			all = 0;
			continue;
		}
		memcpy(nr->gsum[g], nr->sum, (nr->d + 1) * sizeof(float));
		nr->ggot[g] = 1;
	}
	return all ? 0 : -1;
}

/*
 * Hand round @r's update to the agent when @train (again and again
 * while it has no campaign yet), then wait for the round's sum.  0 when
 * P_SUM holds it; -1 at the timeout, or at once when the agent no longer
 * keeps it (the mesh went on without this node for more rounds than
 * the agent keeps: its model cannot follow).  A result the agent misses
 * below its last is being fetched: waited for.
 */
static int exchange(struct node_run *nr, uint32_t r, int train)
{
	const struct node_opts *o = nr->o;
	double end = mono() + o->timeout;
	const char *args[] = { "campaign", "submit",	       "--round",
			       NULL,	   nr->path[P_UPDATE], NULL };
	unsigned long done, from;
	char rs[16];
	int sent = !train;

	snprintf(rs, sizeof(rs), "%u", r);
	args[3] = rs;
	while (mono() < end) {
		if (!sent && !hnctl(o, args, NULL, 0, 1))
			sent = 1;
		if (!fetch_sums(nr, r))
			return 0;
		if (!agent_results(nr, &done, &from) && done >= r && r < from) {
			fprintf(stderr,
				"%s: round %u: its result is gone, the agent keeps rounds from %lu on; this model cannot follow (a fresh --state from a peer's model.hnfp)\n",
				prog, r, from);
			return -1;
		}
		nap(sent ? 100 : 300);
	}
	fprintf(stderr, "%s: round %u: no result after %u s (%s)\n", prog, r,
		o->timeout,
		!train ? "a missed round's, not fetched" :
		sent   ? "update taken" :
			 "the agent took no update");
	return -1;
}

/* The update of round @r: trained, clipped, encoded, as an HNFV file. */
static int make_update(struct node_run *nr, uint32_t r, double *loss)
{
	const struct hn_campaign *c = &nr->c;
	struct fm_local_opts lo = {
		.steps = c->local_steps,
		.lr = c->lr_micro / 1e6 * 0.5 *
		      (1 + cos(M_PI * (r - 1) / c->rounds)),
		.clip = nr->clip,
		.weight = nr->weight,
	};
	uint64_t rng = nr->o->train.seed ^ ((uint64_t)r << 20) ^
		       (nr->o->node + 1);
	uint8_t seed[32], *img;
	char err[512];
	size_t len;
	int ret;

	/* a poisoned node (tests) skips its clip and scales its words */
	if (nr->o->poison)
		lo.clip = HUGE_VAL;
	ret = fm_local_update(&nr->global, &nr->work, &nr->train, nr->ids,
			      nr->n_ids, &nr->o->train, &lo, &rng, nr->u, loss,
			      NULL) ||
	      RAND_bytes(seed, sizeof(seed)) != 1;
	if (!ret && nr->o->poison)
		fm_poison_encode(nr->u, nr->d, nr->o->poison, nr->clip_enc,
				 nr->scale, nr->q);
	else if (!ret)
		ret = hn_sa_fxp_encode(nr->u, nr->d + 1, nr->clip_enc,
				       nr->scale, seed, nr->q);
	if (ret || hn_fv_build(nr->q, nr->d + 1, &img, &len)) {
		fprintf(stderr, "%s: round %u: no update\n", prog, r);
		return -1;
	}
	ret = hn_write_file(nr->path[P_UPDATE], img, len, 0600, HN_WF_NOSYNC,
			    err, sizeof(err));
	free(img);
	if (ret)
		fprintf(stderr, "%s: %s\n", prog, err);
	return ret ? -1 : 0;
}

/* P_SUM decoded into nr->sum (d + 1 floats).  0 or -1. */
static int read_sum(struct node_run *nr)
{
	char err[512];
	uint32_t *vals, n;
	size_t len;
	void *buf;
	int ret;

	if (hn_read_file(nr->path[P_SUM], HN_FV_HDR_LEN + 4 * (size_t)HN_FV_MAX,
			 0, &buf, &len, err, sizeof(err)) ||
	    hn_fv_parse(buf, len, &vals, &n, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return -1;
	}
	free(buf);
	ret = n == nr->d + 1 ? 0 : -1;
	if (ret)
		fprintf(stderr, "%s: a sum of %u values, the model has %zu\n",
			prog, n, nr->d + 1);
	else
		hn_sa_fxp_decode(vals, n, nr->scale, nr->sum);
	free(vals);
	return ret;
}

static size_t val_ok(struct node_run *nr)
{
	return lround(fm_net_accuracy(&nr->global, &nr->val) * nr->val.n);
}

/* A quantised part of the model (exported to the state directory). */
static int install_part(const char *dir, const char *name, const char *to)
{
	char path[4300], err[512];
	size_t len;
	void *buf;
	int ret;

	snprintf(path, sizeof(path), "%s/%s.hnm", dir, name);
	if (hn_read_file(path, HN_MODEL_MAX_FILE, 0, &buf, &len, err,
			 sizeof(err))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return -1;
	}
	ret = hn_write_file(to, buf, len, 0644, 0, err, sizeof(err));
	free(buf);
	if (ret)
		fprintf(stderr, "%s: %s\n", prog, err);
	return ret ? -1 : 0;
}

/* What calibrates: the first --calib validation images (every node's). */
static struct fm_set calib_set(const struct node_run *nr)
{
	struct fm_set cal = nr->val;

	if (nr->o->calib_n && nr->o->calib_n < cal.n)
		cal.n = nr->o->calib_n;
	return cal;
}

/*
 * Before round @r (from 1): in the last --qat-rounds of the campaign,
 * the global model calibrated as `hn-fmnist fed` calibrates it
 * (fm_fed_qat()), from the scales of a model never calibrated, so that a
 * trainer restarted from its float checkpoint calibrates as one that ran
 * on: every node trains, gates and installs alike.  1 QAT, 0 float, -1.
 */
static int qat_round(struct node_run *nr, uint32_t r)
{
	struct fm_set cal = calib_set(nr);
	unsigned int i;
	int ret;

	for (i = 0; i < nr->global.n_layers; i++)
		nr->global.l[i].cal_exp = 0;
	ret = fm_fed_qat(&nr->global, r - 1, nr->c.rounds, nr->o->qat_rounds,
			 &cal);
	if (ret < 0)
		fprintf(stderr, "%s: round %u: calibration failed\n", prog, r);
	return ret;
}

/* The parts to quantise: those installed, or all (--export-all). */
static unsigned int install_parts(const struct node_opts *o)
{
	if (o->export_all)
		return FM_PART_ALL;
	return (o->encoder_out ? FM_PART_ENC : 0) |
	       (o->head_out ? FM_PART_HEAD : 0);
}

/*
 * The accepted model quantised as `hn-fmnist fed` quantises it
 * (calibration on the validation set, which every node holds, export,
 * hn-model's quantiser) into STATE/quantised, only the parts installed
 * and from memory unless --export-all (every part, the text and
 * calibration files, for hn-fmnist eval), then each part installed: the
 * encoder's file replaced atomically and hn-edge told (SIGHUP), the
 * head's file replaced and loaded into the module's device (`hnctl dev
 * stage load`).
 */
static int install(struct node_run *nr)
{
	const struct node_opts *o = nr->o;
	const char *args[] = { "dev",	     "stage",	  "load",
			       o->stage_dev, o->head_out, NULL };
	struct fm_set cal = calib_set(nr);
	char dir[4200], err[512];
	struct fm_net q;
	int ret;

	if (!o->encoder_out && !o->head_out && !o->export_all)
		return 0;
	snprintf(dir, sizeof(dir), "%s/quantised", o->state);
	if (mkdir(dir, 0755) && errno != EEXIST) {
		fprintf(stderr, "%s: %s: %s\n", prog, dir, strerror(errno));
		return -1;
	}
	if (fm_net_init(&q, &nr->o->train))
		return -1;
	fm_net_copy_model(&q, &nr->global);
	ret = fm_net_calibrate(&q, &cal) < 0 ||
	      fm_export_parts(&q, &cal, o->export_all ? dir : NULL, dir,
			      install_parts(o), err, sizeof(err));
	fm_net_free(&q);
	if (ret) {
		fprintf(stderr, "%s: quantising: %s\n", prog, err);
		return -1;
	}
	if (o->encoder_out &&
	    (install_part(dir, fm_parts[0].name, o->encoder_out) ||
	     (o->edge_pid && kill(o->edge_pid, SIGHUP)))) {
		fprintf(stderr, "%s: installing the encoder failed\n", prog);
		return -1;
	}
	if (o->head_out && (install_part(dir, fm_parts[1].name, o->head_out) ||
			    (o->stage_dev && hnctl(o, args, NULL, 0, 0)))) {
		fprintf(stderr, "%s: installing the head failed\n", prog);
		return -1;
	}
	return 0;
}

/*
 * Round @r's result into nr->sum: the one sum as it came, or the group
 * sums combined by the campaign's rule with hn_rb_combine(), as
 * `hn-fmnist fed` combines them, each group's size from robust.h's
 * grouping of the roster for round @r (the agents' own).  The number of
 * valid groups (1 without groups); 0: none, nothing to apply.
 */
static unsigned int combine(struct node_run *nr, uint32_t r)
{
	const struct hn_rb_opts o = { .rule = nr->c.rule, .trim = nr->c.trim };
	unsigned int i, valid = 0;

	if (!nr->c.groups)
		return 1;
	if (hn_rb_groups(nr->c.digest, r, nr->rids, nr->c.n, nr->c.groups,
			 nr->grp))
		return 0;
	memset(nr->gsize, 0, nr->ng * sizeof(*nr->gsize));
	for (i = 0; i < nr->c.n; i++)
		nr->gsize[nr->grp[i]]++;
	if (hn_rb_combine((const float *const *)nr->gsum, nr->gsize, nr->ng,
			  nr->d, &o, nr->sum, &valid))
		return 0;
	return valid;
}

/*
 * Round @r: update, exchange, apply, gate, persist, install.  A round
 * the mesh finished without this node (the agent is past it) is only
 * applied: its sum is the same for every node, so the model comes out
 * the same as theirs.
 */
static int node_round(struct node_run *nr, uint32_t r)
{
	int qat = qat_round(nr, r);
	size_t ok_cur = val_ok(nr), ok_new;
	double t0 = mono(), loss = 0;
	int accept, missed = agent_past(nr, r);
	unsigned int g, valid;
	char h[65], how[64];
	uint8_t sha[32];
	long n_summed;

	if (qat < 0)
		return -1;
	memset(nr->ggot, 0, nr->ng);
	if ((!missed && make_update(nr, r, &loss)) || exchange(nr, r, !missed))
		return -1;
	if (missed)
		snprintf(how, sizeof(how), "caught up");
	else
		snprintf(how, sizeof(how), "loss %.4f", loss);
	if (qat)
		strcat(how, ", QAT");
	for (g = 0, n_summed = 0; g < nr->ng; g++)
		n_summed += result_count(nr, result_id(nr, r, g));
	valid = combine(nr, r);
	if (nr->c.groups)
		snprintf(how + strlen(how), sizeof(how) - strlen(how),
			 ", %u of %u groups valid", valid, nr->ng);
	fm_net_get(&nr->global, nr->saved);
	if (valid && fm_fed_apply(&nr->global, nr->sum)) {
		fprintf(stderr, "%s: round %u: no weight summed\n", prog, r);
		return -1;
	}
	ok_new = valid ? val_ok(nr) : ok_cur;
	accept = valid &&
		 ((nr->c.flags & HN_CP_F_NO_DEFENCE) ||
		  hn_rb_gate(ok_cur, ok_new, nr->val.n, nr->c.max_drop));
	if (!accept)
		fm_net_set(&nr->global, nr->saved);
	if (ck_write(&nr->global, r, nr->path[P_MODEL], sha))
		return -1;
	hex(sha, h);
	printf("round %u: %ld summed, %s, validation %.4f -> %.4f, %s, model %.16s (%.1f s)\n",
	       r, n_summed, how, (double)ok_cur / nr->val.n,
	       (double)ok_new / nr->val.n, accept ? "accepted" : "refused", h,
	       mono() - t0);
	fflush(stdout);
	/* the model is kept: a failed install leaves the node training */
	if (accept && install(nr))
		fprintf(stderr, "%s: round %u: the model is not installed\n",
			prog, r);
	return 0;
}

static int load_campaign(struct node_run *nr)
{
	char err[1024];
	size_t len;
	void *buf;
	int ret;

	if (hn_campaign_read_image(nr->o->campaign, &buf, &len, err,
				   sizeof(err))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return -1;
	}
	ret = hn_campaign_parse(buf, len, &nr->c, err, sizeof(err));
	free(buf);
	if (ret) {
		fprintf(stderr, "%s: %s: %s\n", prog, nr->o->campaign, err);
		return -1;
	}
	return 0;
}

/*
 * The state directory belongs to one campaign: its file "campaign"
 * holds the campaign file's digest (hex), written when the directory is
 * first used; a state directory of another campaign is refused rather
 * than trained on.
 */
static int state_campaign(struct node_run *nr)
{
	char path[4300], want[66], err[512];
	size_t len;
	void *buf;
	int ret;

	snprintf(path, sizeof(path), "%s/campaign", nr->o->state);
	hex(nr->c.digest, want);
	want[64] = '\n';
	want[65] = 0;
	if (access(path, F_OK)) {
		ret = hn_write_file(path, want, 65, 0644, 0, err, sizeof(err));
		if (ret)
			fprintf(stderr, "%s: %s\n", prog, err);
		return ret ? -1 : 0;
	}
	if (hn_read_file(path, 4096, 0, &buf, &len, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return -1;
	}
	ret = len == 65 && !memcmp(buf, want, 65) ? 0 : -1;
	free(buf);
	if (ret)
		fprintf(stderr,
			"%s: %s belongs to another campaign: refused (a fresh --state for this one)\n",
			prog, nr->o->state);
	return ret;
}

/*
 * The global model: the start file, whose SHA-256 must be the campaign's
 * model digest (else refused: fail closed), or the state directory's
 * checkpoint when there is one (a restart), of the same dimensions.
 */
static int load_model(struct node_run *nr, struct fm_train_opts *dims)
{
	uint8_t sha[32];
	char h1[65], h2[65];
	uint32_t round;
	struct fm_net st;

	if (ck_read(nr->o->start, &nr->global, &round, sha))
		return -1;
	if (memcmp(sha, nr->c.model_digest, 32)) {
		hex(sha, h1);
		hex(nr->c.model_digest, h2);
		fprintf(stderr,
			"%s: %s: sha256 %s, the campaign's starting model is %s: refused\n",
			prog, nr->o->start, h1, h2);
		return -1;
	}
	dims->hidden = nr->global.l[0].n_out;
	dims->bottleneck = nr->global.l[1].n_out;
	dims->head_hidden = nr->global.l[2].n_out;
	nr->next = 1;
	if (state_campaign(nr))
		return -1;
	if (access(nr->path[P_MODEL], F_OK))
		return 0;
	if (ck_read(nr->path[P_MODEL], &st, &round, sha))
		return -1;
	if (fm_net_dim(&st) != fm_net_dim(&nr->global) ||
	    st.l[0].n_out != dims->hidden ||
	    st.l[1].n_out != dims->bottleneck) {
		fprintf(stderr, "%s: %s: not the campaign's model's shape\n",
			prog, nr->path[P_MODEL]);
		fm_net_free(&st);
		return -1;
	}
	fm_net_free(&nr->global);
	nr->global = st;
	nr->next = round + 1;
	printf("resuming at round %u from %s\n", nr->next, nr->path[P_MODEL]);
	return 0;
}

/* One whole number of a partition file at *@p, then past it. */
static int part_num(const char **p, unsigned long long max,
		    unsigned long long *v)
{
	char *e;

	while (**p == ' ')
		(*p)++;
	if (**p < '0' || **p > '9')
		return -1;
	errno = 0;
	*v = strtoull(*p, &e, 10);
	*p = e;
	return errno || *v > max ? -1 : 0;
}

/*
 * The index lists of `hn-fmnist partition` (hn_partition_write()) in
 * @text into @p: every node's line in order, every item below @n_items
 * and in at most one shard.  0 or -1.
 */
static int part_parse(const char *text, size_t n_items, uint64_t seed,
		      struct hn_partition *p)
{
	unsigned long long nodes, items, k, cnt, id, sd;
	const char *s = text;
	uint8_t *seen = NULL;
	size_t at = 0, j;

	memset(p, 0, sizeof(*p));
	if (strncmp(s, "# hn-partition ", 15))
		return -1;
	s += 15;
	if (part_num(&s, HN_PART_MAX_NODES, &nodes) || !nodes ||
	    part_num(&s, n_items, &items) || items != n_items)
		return -1;
	/* " SCHEME seed S": the seed the validation set was held out with */
	while (*s == ' ')
		s++;
	while (*s && *s != ' ' && *s != '\n')
		s++;
	if (strncmp(s, " seed ", 6))
		return -1;
	s += 5;
	if (part_num(&s, ~0ULL, &sd) || sd != seed || *s != '\n')
		return -1;
	p->nodes = nodes;
	p->start = calloc(nodes + 1, sizeof(*p->start));
	p->ids = malloc((items + 1) * sizeof(*p->ids));
	seen = calloc(n_items + 1, 1);
	if (!p->start || !p->ids || !seen)
		goto bad;
	for (k = 0; k < nodes; k++) {
		p->start[k] = at;
		if (strncmp(++s, "node ", 5))
			goto bad;
		s += 5;
		if (part_num(&s, nodes - 1, &id) || id != k ||
		    part_num(&s, items - at, &cnt) || *s++ != '\n')
			goto bad;
		for (j = 0; j < cnt; j++) {
			if (part_num(&s, n_items - 1, &id) || seen[id])
				goto bad;
			seen[id] = 1;
			p->ids[at++] = id;
		}
		if (*s != '\n')
			goto bad;
	}
	if (at != items || s[1])
		goto bad;
	p->start[nodes] = p->n = at;
	free(seen);
	return 0;
bad:
	free(seen);
	hn_partition_free(p);
	return -1;
}

/* The partition file --shard into nr->part. */
static int read_shards(struct node_run *nr)
{
	char err[512];
	size_t len;
	void *buf;
	int ret;

	if (hn_read_file(nr->o->shard, 64u << 20, 0, &buf, &len, err,
			 sizeof(err))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return -1;
	}
	ret = part_parse(buf, nr->train.n, nr->o->part.seed, &nr->part);
	free(buf);
	if (ret)
		fprintf(stderr,
			"%s: %s: not the index lists of hn-fmnist partition over this training set (--seed %llu, --valset %zu)\n",
			prog, nr->o->shard,
			(unsigned long long)nr->o->part.seed, nr->val.n);
	return ret;
}

/*
 * The training images left after holding out the campaign's validation
 * set by the rule of fed, fed-init and partition (fm_valset_take() with
 * the partition seed --seed), into nr->train.  A validation set that is
 * not that hold-out is refused: its images could be in the shards.
 */
static int load_train(struct node_run *nr)
{
	struct fm_set v;
	int same;

	if (load(nr->o->data, "train", &nr->train))
		return -1;
	if (nr->val.n > nr->train.n ||
	    fm_valset_take(&nr->train, nr->val.n, nr->o->part.seed, &v)) {
		fprintf(stderr, "%s: no %zu of %zu training images\n", prog,
			nr->val.n, nr->train.n);
		return -1;
	}
	same = !memcmp(v.pix, nr->val.pix, v.n * FM_PIX) &&
	       !memcmp(v.label, nr->val.label, v.n);
	fm_free(&v);
	if (!same) {
		fprintf(stderr,
			"%s: %s: not the %zu training images held out with seed %llu (fed-init --valset-seed): refused\n",
			prog, nr->o->valset, nr->val.n,
			(unsigned long long)nr->o->part.seed);
		return -1;
	}
	return 0;
}

/*
 * The node's shard, item @o->node of the partition of the training
 * images left after the validation set: the file --shard (hn-fmnist
 * partition's, same seed), or the seeded partition recomputed.
 */
static int load_shard(struct node_run *nr)
{
	const struct node_opts *o = nr->o;
	size_t cap = 0;
	char err[512];
	unsigned int k;

	if (load_train(nr))
		return -1;
	if (o->shard) {
		if (read_shards(nr))
			return -1;
	} else if (hn_partition_make(nr->train.label, nr->train.n, FM_CLASSES,
				     &o->part, &nr->part, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return -1;
	}
	if (o->node >= nr->part.nodes) {
		fprintf(stderr, "%s: node %u of %u\n", prog, o->node,
			nr->part.nodes);
		return -1;
	}
	for (k = 0; k < nr->part.nodes; k++)
		if (hn_part_size(&nr->part, k) > cap)
			cap = hn_part_size(&nr->part, k);
	if (o->weight_cap)
		cap = o->weight_cap;
	nr->ids = nr->part.ids + nr->part.start[o->node];
	nr->n_ids = hn_part_size(&nr->part, o->node);
	nr->weight = nr->n_ids >= cap ? 1 : (double)nr->n_ids / cap;
	return 0;
}

/*
 * The encoding of `hn-fmnist fed`: the delta clipped to the campaign's
 * norm, the update with its weight coordinate then within clip_enc =
 * sqrt(clip^2 + 1); the campaign's scale, halved while n updates of
 * that norm could overflow (every node computes the same).
 */
/* Room for a round's sums: each group's, decoded, and the groups. */
static int groups_alloc(struct node_run *nr)
{
	unsigned int g, i;

	nr->ng = nr->c.groups ? nr->c.groups : 1;
	nr->ggot = calloc(nr->ng, 1);
	nr->gsize = calloc(nr->ng, sizeof(*nr->gsize));
	nr->gsum = calloc(nr->ng, sizeof(*nr->gsum));
	nr->grp = calloc(nr->c.n, sizeof(*nr->grp));
	nr->rids = calloc(nr->c.n, sizeof(*nr->rids));
	if (!nr->ggot || !nr->gsize || !nr->gsum || !nr->grp || !nr->rids)
		return -1;
	for (g = 0; g < nr->ng; g++)
		if (!(nr->gsum[g] = malloc((nr->d + 1) * sizeof(float))))
			return -1;
	for (i = 0; i < nr->c.n; i++)
		nr->rids[i] = nr->c.roster[i].id;
	return 0;
}

static int encoding(struct node_run *nr)
{
	nr->clip = nr->c.clip_milli / 1000.0;
	nr->clip_enc = sqrt(nr->clip * nr->clip + 1);
	nr->scale = nr->c.scale;
	while (nr->scale >= 2 &&
	       hn_sa_fxp_check(nr->c.n, nr->clip_enc, nr->scale, NULL, 0))
		nr->scale /= 2;
	if (hn_sa_fxp_check(nr->c.n, nr->clip_enc, nr->scale, NULL, 0)) {
		fprintf(stderr, "%s: no fixed-point scale for the campaign\n",
			prog);
		return -1;
	}
	nr->d = fm_net_dim(&nr->global);
	nr->u = malloc((nr->d + 1) * sizeof(float));
	nr->sum = malloc((nr->d + 1) * sizeof(float));
	nr->saved = malloc(nr->d * sizeof(float));
	nr->q = malloc((nr->d + 1) * sizeof(uint32_t));
	if (!nr->u || !nr->sum || !nr->saved || !nr->q || groups_alloc(nr)) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return -1;
	}
	return 0;
}

static int node_setup(struct node_run *nr, struct node_opts *o)
{
	static const char *const names[] = { "model.hnfp", "update.hnfv",
					     "sum.hnfv" };
	unsigned int i;

	memset(nr, 0, sizeof(*nr));
	nr->o = o;
	for (i = 0; i < 3; i++)
		snprintf(nr->path[i], sizeof(nr->path[i]), "%s/%s", o->state,
			 names[i]);
	if (mkdir(o->state, 0755) && errno != EEXIST) {
		fprintf(stderr, "%s: %s: %s\n", prog, o->state,
			strerror(errno));
		return -1;
	}
	if (load_campaign(nr) || load_model(nr, &o->train) ||
	    valset_read(o->valset, nr->c.valset_digest, &nr->val) ||
	    load_shard(nr) || encoding(nr))
		return -1;
	if (fm_net_init(&nr->work, &o->train)) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return -1;
	}
	return 0;
}

static void node_free(struct node_run *nr)
{
	unsigned int g;

	for (g = 0; nr->gsum && g < nr->ng; g++)
		free(nr->gsum[g]);
	free(nr->gsum);
	free(nr->gsize);
	free(nr->grp);
	free(nr->ggot);
	free(nr->rids);
	free(nr->u);
	free(nr->sum);
	free(nr->saved);
	free(nr->q);
	fm_net_free(&nr->global);
	fm_net_free(&nr->work);
	hn_partition_free(&nr->part);
	fm_free(&nr->train);
	fm_free(&nr->val);
	hn_campaign_free(&nr->c);
}

int fm_cmd_node(int argc, char **argv)
{
	struct node_opts o;
	struct node_run nr;
	uint32_t r;
	int ret = 1;

	if (parse_node(argc, argv, &o))
		return EXIT_USAGE;
	if (!o.campaign || !o.start || !o.valset || !o.state || !o.have_node)
		return bad(
			"--campaign, --start, --valset, --state and --node are required",
			NULL);
	if (o.edge_pid && !o.encoder_out)
		return bad("--edge-pid goes with --encoder-out", NULL);
	if (o.stage_dev && !o.head_out)
		return bad("--stage-dev goes with --head-out", NULL);
	if (node_setup(&nr, &o))
		goto out;
	printf("node %u: %zu items (weight %.3f), %zu parameters, %u rounds of %u steps, scale 2^%d\n",
	       o.node, nr.n_ids, nr.weight, nr.d, nr.c.rounds, nr.c.local_steps,
	       ilogb(nr.scale));
	fflush(stdout);
	for (r = nr.next; r <= nr.c.rounds; r++)
		if (node_round(&nr, r))
			goto out;
	printf("campaign done: validation %.4f\n",
	       (double)val_ok(&nr) / nr.val.n);
	ret = 0;
out:
	node_free(&nr);
	return ret;
}
